/* set_other_refreshes.c — the latest refresh of each group not selected (at most
 * WATCH_OTHER_GROUPS_MAX), for the Groups pane's indicator; one
 * DescribeInstanceRefreshes each, joined. */
#include "watch/watch_int.h"

/* What a poll gathers until every group answered. */
typedef struct others_scratch {
    instance_refresh_list result;
    strvec asked;        /* the groups asked in this poll, by poll_ctx.index */
    strvec failed_names; /* those whose answer was an error */
    aws_join join;
} others_scratch;
#define O(w) ((others_scratch *)(w)->scratch[WS_OTHER_REFRESHES])

/* Every group answered: what was read replaces the set; the groups that failed are
 * listed so their indicator says unknown instead of none. */
static void others_finished(watch *w)
{
    const aws_join *j = &O(w)->join;
    if (j->failed && strcmp(j->err.code, "Cancelled") == 0) {
        /* The client is going away: nothing was learnt. */
        watch_refreshes_free(&O(w)->result);
        strvec_free(&O(w)->failed_names);
        watch_poll_finished(w, WS_OTHER_REFRESHES, &j->err);
        return;
    }
    watch_refreshes_free(&w->s.other_refreshes);
    w->s.other_refreshes = O(w)->result;
    memset(&O(w)->result, 0, sizeof O(w)->result);
    strvec_free(&w->s.other_refreshes_failed);
    w->s.other_refreshes_failed = O(w)->failed_names;
    memset(&O(w)->failed_names, 0, sizeof O(w)->failed_names);
    w->s.meta[WS_OTHER_REFRESHES].version++;
    w->changes |= WS_BIT(WS_OTHER_REFRESHES);
    watch_poll_finished(w, WS_OTHER_REFRESHES, j->failed ? &j->err : NULL);
}

/* This group's refreshes are unknown; the others' answers still count. */
static void other_failed(watch *w, size_t asked, const aws_error *err)
{
    if (asked < O(w)->asked.n)
        strvec_push(&O(w)->failed_names, O(w)->asked.items[asked]);
    if (join_arrive(&O(w)->join, err))
        others_finished(w);
}

static void on_other_refresh(aws_client *c, instance_refresh_list *res, const aws_error *err, void *ud)
{
    (void)c;
    poll_ctx *x = ud;
    bool live = watch_ctx_done(x);
    watch *w = x->w;
    size_t asked = x->index;
    free(x);
    if (!live) {
        watch_refreshes_free(res);
        return;
    }
    if (err) {
        watch_refreshes_free(res);
        other_failed(w, asked, err);
        return;
    }
    if (res->n) {
        VEC_PUSH(O(w)->result, res->items[0]); /* the newest: taken over */
        res->items[0] = (instance_refresh){ 0 };
    }
    watch_refreshes_free(res);
    if (join_arrive(&O(w)->join, NULL))
        others_finished(w);
}

static bool start_other_refreshes(watch *w)
{
    if (O(w)->join.pending)
        return false;
    watch_refreshes_free(&O(w)->result);
    strvec_free(&O(w)->asked);
    strvec_free(&O(w)->failed_names);
    join_begin(&O(w)->join);
    for (size_t i = 0; i < w->s.groups.n && O(w)->asked.n < WATCH_OTHER_GROUPS_MAX; i++) {
        const char *name = w->s.groups.items[i].name;
        if (!name || str_eq(name, w->s.selected_asg))
            continue;
        strvec_push(&O(w)->asked, name);
        join_add(&O(w)->join);
    }
    if (!O(w)->asked.n)
        return false;
    /* The join counts every group before the first is sent, so an answer that
     * fails at once cannot finish the round early. */
    for (size_t i = 0; i < O(w)->asked.n; i++) {
        poll_ctx *x = watch_ctx_new(w, WS_OTHER_REFRESHES);
        x->index = i;
        aws_error err;
        if (svc_asg_describe_refreshes(w->client, O(w)->asked.items[i], NULL, 1, on_other_refresh, x, &err) != 0) {
            watch_ctx_done(x);
            free(x);
            other_failed(w, i, &err);
        }
    }
    return true;
}

static void drop_other_refreshes(watch *w)
{
    watch_refreshes_free(&w->s.other_refreshes);
    strvec_free(&w->s.other_refreshes_failed);
    watch_refreshes_free(&O(w)->result);
    strvec_free(&O(w)->asked);
    strvec_free(&O(w)->failed_names);
    join_begin(&O(w)->join);
}

const set_def watch_set_def_other_refreshes = {
    "other-refreshes",         start_other_refreshes,      drop_other_refreshes,
    .shown_mult = 4,           .other_groups = true,       .sees_refreshes = true,
    .doze_ms = 10 * MINUTE_MS, .after = WS_BIT(WS_GROUPS), .scratch_size = sizeof(others_scratch),
};
