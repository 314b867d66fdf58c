/* kind_asg.c — the asg kind: an Auto Scaling group behind target groups, its
 * instances pulling the live tag of an ECR repository at boot, rolled by instance
 * refresh. Its plans are deploy/'s; its guard reads the group's refresh, the
 * health of its target groups and the app's alarms from the watch model. */
#include "kinds/asg/asg_kind.h"

static const char *const asg_panes[] = {
    "groups", "instances", "targets", "images", "refresh", "activity", NULL,
};

static const char *asg_resource(const app_config *a)
{
    return a ? a->asg : NULL;
}

static bool asg_guard_signals(const watch_state *ws, const char *refresh_id, guard_signals *out)
{
    guard_signals_of_refresh(out, NULL, 0, 0, NULL);
    if (watch_refreshes_read(ws, NULL) != WATCH_READ_OK)
        return false;
    const instance_refresh *r = refresh_id ? watch_find_refresh(ws, refresh_id)
        : ws->refreshes.n                  ? &ws->refreshes.items[0]
                                           : NULL;
    const target_health_list *lists[32];
    size_t n = watch_health_lists(ws, lists, ARRAY_LEN(lists));
    int healthy, judged, all;
    plan_guard_count_targets(lists, n, &healthy, &judged, &all);
    guard_signals_of_refresh(out, r, healthy, judged, ws->meta[WS_ALARMS].fetched_at ? &ws->alarms : NULL);
    out->all = all;
    return true;
}

const app_kind kind_asg = {
    .config = &kind_asg_config,
    .data_sets = WS_ALL,
    .panes = asg_panes,
    .rollout_pane = "refresh",
    .rollout_mate = "targets",
    .actions = KIND_ACTION(PLAN_DEPLOY) | KIND_ACTION(PLAN_DEPLOY_LT) | KIND_ACTION(PLAN_ROLLBACK) |
        KIND_ACTION(PLAN_CANCEL) | KIND_ACTION(PLAN_PROMOTE),
    .resource = asg_resource,
    .build = plan_build,
    .guard_sets = WS_BIT(WS_REFRESHES),
    .guard_signals = asg_guard_signals,
    .mark = asg_app_mark,
};
