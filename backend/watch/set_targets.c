/* set_targets.c — the selected group's target groups with their targets' health:
 * DescribeTargetGroups, then DescribeTargetHealth for each, joined. */
#include "watch/watch_int.h"

/* What a poll gathers until every answer is in. */
typedef struct targets_scratch {
    watch_tg_list result;
    aws_join join;
} targets_scratch;
#define T(w) ((targets_scratch *)(w)->scratch[WS_TARGETS])

static void free_watch_tgs(void *v)
{
    watch_tg_list *list = v;
    for (size_t i = 0; i < list->n; i++) {
        target_group_free(&list->items[i].tg);
        MODEL_LIST_FREE(list->items[i].health, target_health_desc_free);
    }
    VEC_FREE(*list);
}

/* Every call of the poll answered: the result replaces the set, or the first
 * error marks it stale (keeping the message as the failing call formatted it). */
static void targets_arrived(watch *w, const aws_error *err)
{
    if (!join_arrive(&T(w)->join, err))
        return;
    if (T(w)->join.failed) {
        free_watch_tgs(&T(w)->result);
        watch_poll_finished(w, WS_TARGETS, &T(w)->join.err);
    } else {
        free_watch_tgs(&w->s.target_groups);
        memcpy(&w->s.target_groups, &T(w)->result, sizeof w->s.target_groups);
        memset(&T(w)->result, 0, sizeof T(w)->result);
        watch_poll_finished(w, WS_TARGETS, NULL);
    }
}

static void on_health(aws_client *c, target_health_list *res, const aws_error *err, void *ud)
{
    (void)c;
    poll_ctx *x = ud;
    bool live = watch_ctx_done(x);
    watch *w = x->w;
    if (live && !err && x->index < T(w)->result.n) {
        watch_tg *t = &T(w)->result.items[x->index];
        MODEL_LIST_FREE(t->health, target_health_desc_free);
        t->health = *res;
        t->health_ok = true;
    } else {
        MODEL_LIST_FREE(*res, target_health_desc_free);
    }
    if (live)
        targets_arrived(w, err);
    free(x);
}

static void on_target_groups(aws_client *c, target_group_list *res, const aws_error *err, void *ud)
{
    poll_ctx *x = ud;
    bool live = watch_ctx_done(x);
    watch *w = x->w;
    if (!live) {
        MODEL_LIST_FREE(*res, target_group_free);
        free(x);
        return;
    }
    if (!err) {
        for (size_t i = 0; i < res->n; i++) {
            watch_tg *t = VEC_NEW(T(w)->result);
            t->tg = res->items[i];
        }
        VEC_FREE(*res);
        for (size_t i = 0; i < T(w)->result.n; i++) {
            poll_ctx *hx = watch_ctx_new(w, WS_TARGETS);
            hx->index = i;
            join_add(&T(w)->join);
            aws_error e2;
            if (svc_elb_describe_target_health(c, T(w)->result.items[i].tg.target_group_arn, on_health, hx, &e2) != 0) {
                watch_ctx_done(hx);
                free(hx);
                targets_arrived(w, &e2);
            }
        }
    } else {
        MODEL_LIST_FREE(*res, target_group_free);
    }
    targets_arrived(w, err);
    free(x);
}

static bool start_targets(watch *w)
{
    const asg_group *g = watch_selected_group(&w->s);
    if (!g)
        return false;
    if (!g->target_group_arns.n) {
        /* Nothing to ask: an empty answer, at once. */
        free_watch_tgs(&w->s.target_groups);
        watch_poll_finished(w, WS_TARGETS, NULL);
        return true;
    }
    free_watch_tgs(&T(w)->result);
    join_begin(&T(w)->join);
    join_add(&T(w)->join);
    aws_error err;
    poll_ctx *x = watch_ctx_new(w, WS_TARGETS);
    if (svc_elb_describe_target_groups(w->client, &g->target_group_arns, on_target_groups, x, &err) != 0) {
        watch_ctx_done(x);
        free(x);
        targets_arrived(w, &err);
    }
    return true;
}

static void drop_targets(watch *w)
{
    free_watch_tgs(&w->s.target_groups);
    free_watch_tgs(&T(w)->result);
    join_begin(&T(w)->join);
}

const set_def watch_set_def_targets = {
    "targets",
    start_targets,
    drop_targets,
    .shown_mult = 1,
    .follows_refresh = true,
    .doze_ms = 10 * MINUTE_MS,
    .after = WS_BIT(WS_GROUPS),
    .scratch_size = sizeof(targets_scratch),
};
