/* asg_kind.h — what the asg kind's files share (kinds/asg/). */
#ifndef TARMAC_ASG_KIND_H
#define TARMAC_ASG_KIND_H

#include "kinds/kind.h"

extern const config_kind kind_asg_config;

bool asg_app_mark(const watch_state *ws, const app_config *app, const char *live_tag, const char *stable_tag,
                  app_mark *out);

#endif
