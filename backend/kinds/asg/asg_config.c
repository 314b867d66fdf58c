/* asg_config.c — what the config file says about an app of kind asg: an Auto
 * Scaling group (asg:, required) and its instance refresh preferences (refresh:).
 * The preferences AWS would refuse are refused here, at load, rather than at
 * StartInstanceRefresh after the tags have moved (services/refresh_rules.c). */
#include "config.h"
#include "services/refresh_rules.h"

static const char *const asg_keys[] = { "asg", "refresh", NULL };
static const char *const asg_required[] = { "asg", NULL };

static bool asg_check(const app_config *a, strbuf *at, strbuf *why)
{
    refresh_violation v;
    refresh_rule_ctx ctx = { .plan = false };
    if (refresh_rules_check(&a->refresh, &ctx, &v, 1) == 0)
        return true;
    sb_printf(at, "refresh.%s", v.key);
    sb_printf(why, "refresh.%s: %s%s", v.key, v.text, v.aws ? " (StartInstanceRefresh refuses it)" : "");
    return false;
}

const config_kind kind_asg_config = {
    .name = "asg",
    .summary = "an Auto Scaling group rolled by instance refresh, running an ECR tag",
    .keys = asg_keys,
    .required = asg_required,
    .check = asg_check,
};
