/* set_groups.c — the region's Auto Scaling groups (or the configured ones):
 * DescribeAutoScalingGroups. The selected group drives the sets that come after it
 * (watch/sets.def). */
#include "watch/watch_int.h"

static void groups_free(asg_group_list *l)
{
    MODEL_LIST_FREE(*l, asg_group_free);
}

/* EC2 details are asked at once when an instance appears that they don't cover. */
static void groups_arrived(watch *w)
{
    const asg_group *g = watch_selected_group(&w->s);
    watch_meta *m = &w->s.meta[WS_EC2];
    if (!g || m->in_flight)
        return;
    for (size_t i = 0; i < g->instances.n; i++) {
        if (!watch_ec2_instance(&w->s, g->instances.items[i].instance_id)) {
            m->next_due_mono = 0;
            return;
        }
    }
}

static void on_groups(aws_client *c, asg_group_list *res, const aws_error *err, void *ud)
{
    (void)c;
    poll_ctx *x = ud;
    bool live = watch_ctx_done(x);
    watch *w = x->w;
    if (live && !err) {
        groups_free(&w->s.groups);
        w->s.groups = *res;
        if (!w->s.selected_asg && w->s.groups.n)
            watch_select_asg(w, w->s.groups.items[0].name);
        groups_arrived(w);
    } else {
        groups_free(res);
    }
    if (live)
        watch_poll_finished(w, WS_GROUPS, err);
    free(x);
}

static bool start_groups(watch *w)
{
    aws_error err;
    poll_ctx *x = watch_ctx_new(w, WS_GROUPS);
    if (svc_asg_describe_groups(w->client, w->asg_names.n ? &w->asg_names : NULL, on_groups, x, &err) != 0)
        watch_fail_start(w, x, &err);
    return true;
}

static void drop_groups(watch *w)
{
    groups_free(&w->s.groups);
}

const set_def watch_set_def_groups = {
    "groups",
    start_groups,
    drop_groups,
    .shown_mult = 1,
    .follows_refresh = true,
    .always_shown = true,
    .doze_ms = 3 * MINUTE_MS,
};
