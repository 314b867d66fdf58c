/* set_refreshes.c — the selected group's instance refreshes
 * (DescribeInstanceRefreshes, the latest 10). */
#include "watch/watch_int.h"

ONE_CALL_SET(on_refreshes, instance_refresh_list, refreshes, watch_refreshes_free, WS_REFRESHES)

static bool start_refreshes(watch *w)
{
    if (!w->s.selected_asg)
        return false;
    aws_error err;
    poll_ctx *x = watch_ctx_new(w, WS_REFRESHES);
    if (svc_asg_describe_refreshes(w->client, w->s.selected_asg, NULL, 10, on_refreshes, x, &err) != 0)
        watch_fail_start(w, x, &err);
    return true;
}

static void drop_refreshes(watch *w)
{
    watch_refreshes_free(&w->s.refreshes);
}

const set_def watch_set_def_refreshes = {
    "refreshes",
    start_refreshes,
    drop_refreshes,
    .shown_mult = 1,
    .follows_refresh = true,
    .always_shown = true,
    .sees_refreshes = true,
    .doze_ms = 2 * MINUTE_MS,
    .after = WS_BIT(WS_GROUPS),
};
