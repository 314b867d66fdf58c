/* asg_mark.c — the mark of a broken ASG app: its group's latest refresh ended
 * Failed, Cancelled or RollbackFailed and live still names another image than
 * stable, so any scale-out launches whatever live names. It clears when a later
 * refresh succeeds (the latest is no longer a bad end) or live is rolled back
 * (a rollback puts live back on stable's image). */
#include "kinds/asg/asg_kind.h"

#include <stdio.h>
#include <string.h>

/* "e5d1f0c" (the commit tag), else the short digest. */
static void image_name(const ecr_image_detail_list *images, const char *digest, const char *live, const char *stable,
                       char *buf, size_t len)
{
    const char *commit = ecr_commit_tag(ecr_image_with_digest(images, digest), live, stable);
    if (commit)
        snprintf(buf, len, "%.120s", commit);
    else
        ecr_short_digest(digest, buf, len);
}

bool asg_app_mark(const watch_state *ws, const app_config *app, const char *live_tag, const char *stable_tag,
                  app_mark *out)
{
    memset(out, 0, sizeof *out);
    if (app && !str_eq(ws->selected_asg, app->asg))
        return false; /* another group is on screen: its refreshes are not the app's */
    if (watch_refreshes_read(ws, NULL) != WATCH_READ_OK || !ws->refreshes.n)
        return false;
    const instance_refresh *r = &ws->refreshes.items[0];
    bool images_known = ws->meta[WS_IMAGES].fetched_at != 0;
    const ecr_image_detail *live = images_known ? ecr_image_with_tag(&ws->images, live_tag) : NULL;
    const ecr_image_detail *stable = images_known ? ecr_image_with_tag(&ws->images, stable_tag) : NULL;
    if (!app_left_broken(r->status, live ? live->image_digest : NULL, stable ? stable->image_digest : NULL))
        return false;
    out->broken = true;
    snprintf(out->status, sizeof out->status, "%.30s", r->status);
    char live_name[128] = "?";
    if (live)
        image_name(&ws->images, live->image_digest, live_tag, stable_tag, live_name, sizeof live_name);
    else if (images_known)
        snprintf(live_name, sizeof live_name, "nothing (no %.60s tag)", live_tag);
    snprintf(out->live, sizeof out->live, "%s", live_name);
    snprintf(out->text, sizeof out->text, "refresh %.30s; %.60s -> %s: new launches run it; R rolls back", r->status,
             live_tag, live_name);
    return true;
}
