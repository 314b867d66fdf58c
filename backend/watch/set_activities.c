/* set_activities.c — the selected group's scaling activities
 * (DescribeScalingActivities, the latest 50). */
#include "watch/watch_int.h"

static void activities_free(scaling_activity_list *l)
{
    MODEL_LIST_FREE(*l, scaling_activity_free);
}

ONE_CALL_SET(on_activities, scaling_activity_list, activities, activities_free, WS_ACTIVITIES)

static bool start_activities(watch *w)
{
    if (!w->s.selected_asg)
        return false;
    aws_error err;
    poll_ctx *x = watch_ctx_new(w, WS_ACTIVITIES);
    if (svc_asg_describe_activities(w->client, w->s.selected_asg, 50, on_activities, x, &err) != 0)
        watch_fail_start(w, x, &err);
    return true;
}

static void drop_activities(watch *w)
{
    activities_free(&w->s.activities);
}

const set_def watch_set_def_activities = {
    "activities",
    start_activities,
    drop_activities,
    .shown_mult = 4,
    .follows_refresh = true,
    .doze_ms = 10 * MINUTE_MS,
    .after = WS_BIT(WS_GROUPS),
};
