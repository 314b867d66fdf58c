/* watch.c — polls the data sets of watch.h on their intervals. Each poll is one
 * or a few asynchronous calls; its answer replaces the set (or marks it stale and
 * keeps the old data). Answers that arrive for an earlier selection (the user
 * chose another group, or switched region) are dropped by generation number.
 *
 * Every data set is one row of set_defs[] (at the end of the file): how it is
 * asked, how its data is dropped, how often it is polled, and what it waits for.
 * Adding a set is its functions plus one row (and its enum value in watch.h). */
#include "watch/watch.h"

#include <stdio.h>
#include <stdlib.h>

#include "aws/join.h"
#include "services/model.h"
#include "services/services.h"

#define IDENTITY_INTERVAL_MS (10 * 60 * 1000)
#define RETRY_AFTER_ERROR_MIN_MS 2000

struct watch {
    aws_client *client;
    watch_state s;
    strvec asg_names;
    int base_ms, active_ms, hidden_min_ms, doze_after_ms;
    unsigned shown;              /* WS_BIT mask of the sets on screen */
    int64_t last_key_mono;       /* when someone last pressed a key (watch_user_active) */
    unsigned changes;
    unsigned gen[WS_COUNT];      /* bumped to orphan answers in flight */
    VEC(struct poll_ctx *) in_flight; /* so watch_free can orphan them */
    /* Sets asked with several calls: what they gather until the join says done. */
    struct {
        VEC(watch_tg) result;
        aws_join join;
    } targets;
    struct {
        instance_refresh_list result;
        strvec asked;            /* the groups asked in this poll, by poll_ctx.index */
        strvec failed_names;     /* those whose answer was an error */
        aws_join join;
    } others;
    struct {
        ecr_repository repo;
        ecr_image_detail_list images;
        aws_join join;
    } images;
};

typedef struct poll_ctx {
    watch *w;                    /* NULL when the watch was freed meanwhile */
    watch_set set;
    unsigned gen;
    size_t index;                /* which target group or other group */
} poll_ctx;

/* One data set: how it is asked and how often. */
typedef struct set_def {
    const char *name;
    /* Sends the set's calls; false when there is nothing to ask now (no group
     * selected, no repository, ...). */
    bool (*start)(watch *w);
    /* Frees the set's data and what a poll in progress gathered. */
    void (*drop)(watch *w);
    int shown_mult;              /* on screen, nothing running: this × the base interval */
    int fixed_ms;                /* > 0: always this interval (who we are changes rarely) */
    bool follows_refresh;        /* at the active interval while a shown refresh runs */
    bool always_shown;           /* the header and the guard read it: shown whatever the panes */
    int doze_ms;                 /* nobody at the keyboard (watch_opts.doze_after_ms) */
    unsigned after;              /* asked at once (when never read) as soon as these arrive */
} set_def;

static const set_def set_defs[WS_COUNT];

/* ---- bookkeeping ---- */

static poll_ctx *ctx_new(watch *w, watch_set set)
{
    poll_ctx *x = xcalloc(1, sizeof *x);
    x->w = w;
    x->set = set;
    x->gen = w->gen[set];
    VEC_PUSH(w->in_flight, x);
    return x;
}

/* Forget the context; returns true when its answer still matters. */
static bool ctx_done(poll_ctx *x)
{
    watch *w = x->w;
    if (!w)
        return false;
    for (size_t i = 0; i < w->in_flight.n; i++) {
        if (w->in_flight.items[i] == x) {
            w->in_flight.items[i] = w->in_flight.items[--w->in_flight.n];
            break;
        }
    }
    return x->gen == w->gen[x->set];
}

/* A refresh that someone may be watching: the selected group's, or one shown on
 * another group's row. Whoever started it, polling runs at full speed. */
static bool shown_refresh_active(const watch *w)
{
    if (watch_refresh_active(&w->s))
        return true;
    for (size_t i = 0; i < w->s.other_refreshes.n; i++)
        if (refresh_status_active(w->s.other_refreshes.items[i].status))
            return true;
    return false;
}

bool watch_dozing(const watch *w)
{
    return w->doze_after_ms > 0 && !shown_refresh_active(w) &&
           mono_now_ms() - w->last_key_mono >= w->doze_after_ms;
}

static bool set_shown(const watch *w, watch_set set)
{
    return set_defs[set].always_shown || (w->shown & WS_BIT(set));
}

/* The interval a set is polled at now: the budget of issue "poll what the screen
 * shows" lives here and only here. */
static int interval_for(const watch *w, watch_set set)
{
    const set_def *d = &set_defs[set];
    if (d->fixed_ms)
        return d->fixed_ms;
    int shown_ms = d->shown_mult * w->base_ms;
    if (!set_shown(w, set))
        return shown_ms > w->hidden_min_ms ? shown_ms : w->hidden_min_ms;
    if (d->follows_refresh && watch_refresh_active(&w->s))
        return w->active_ms < shown_ms ? w->active_ms : shown_ms;
    if (set == WS_OTHER_REFRESHES && shown_refresh_active(w))
        return w->base_ms;
    if (watch_dozing(w))
        return d->doze_ms > shown_ms ? d->doze_ms : shown_ms;
    /* other groups' rows are never polled faster than the hidden floor */
    if (set == WS_OTHER_REFRESHES && shown_ms < w->hidden_min_ms)
        return w->hidden_min_ms;
    return shown_ms;
}

/* Intervals changed (a refresh started or ended, a key after a doze, a pane came
 * on screen or left it): each set's next poll is its last answer plus its new
 * interval, or now when that has passed. A failed set keeps its retry time. */
static void reschedule(watch *w, int64_t now)
{
    for (int set = 0; set < WS_COUNT; set++) {
        watch_meta *m = &w->s.meta[set];
        int iv = interval_for(w, (watch_set)set);
        m->interval_ms = iv;
        if (m->in_flight || m->stale || !m->last_poll_mono || !m->next_due_mono)
            continue;
        m->next_due_mono = m->last_poll_mono + iv > now ? m->last_poll_mono + iv : now;
    }
}

static void poll_finished(watch *w, watch_set set, const aws_error *err)
{
    watch_meta *m = &w->s.meta[set];
    bool was_stale = m->stale;
    m->in_flight = false;
    m->interval_ms = interval_for(w, set);
    int64_t next = m->interval_ms;
    if (err) {
        if (strcmp(err->code, "Cancelled") == 0)
            return;
        m->stale = true;
        aws_error_format(err, m->error, sizeof m->error);
        /* Come back sooner after a failure, but not in a storm. */
        if (next > RETRY_AFTER_ERROR_MIN_MS * 4)
            next = RETRY_AFTER_ERROR_MIN_MS * 4;
    } else {
        m->stale = false;
        m->error[0] = '\0';
        m->fetched_at = time_now_ms();
        m->version++;
    }
    int64_t now = mono_now_ms();
    m->last_poll_mono = now;
    m->next_due_mono = now + next;
    if (!err || m->stale != was_stale)
        w->changes |= WS_BIT(set);
    if (!err) {
        /* Sets waiting on this one are asked at once when they never were. */
        for (int s = 0; s < WS_COUNT; s++) {
            watch_meta *dm = &w->s.meta[s];
            if ((set_defs[s].after & WS_BIT(set)) && !dm->fetched_at && !dm->in_flight && !dm->stale)
                dm->next_due_mono = 0;
        }
        /* A refresh seen starting (or ending) changes every interval. */
        if (set == WS_REFRESHES || set == WS_OTHER_REFRESHES)
            reschedule(w, now);
    }
}

/* A call that could not even be sent. */
static void fail_start(watch *w, poll_ctx *x, const aws_error *err)
{
    watch_set set = x->set;
    ctx_done(x);
    free(x);
    poll_finished(w, set, err);
}

/* The answer of a set asked with one call: the list replaces the set's data when
 * it still matters, else it is freed. One callback per list type, all alike. */
#define ONE_CALL_SET(fn, list_type, field, free_fn, set_id)                                                  \
    static void fn(aws_client *c, list_type *res, const aws_error *err, void *ud)                             \
    {                                                                                                          \
        (void)c;                                                                                               \
        poll_ctx *x = ud;                                                                                      \
        bool live = ctx_done(x);                                                                               \
        if (live && !err) {                                                                                    \
            free_fn(&x->w->s.field);                                                                           \
            x->w->s.field = *res;                                                                              \
        } else {                                                                                               \
            free_fn(res);                                                                                      \
        }                                                                                                      \
        if (live)                                                                                              \
            poll_finished(x->w, set_id, err);                                                                  \
        free(x);                                                                                               \
    }

static void groups_free(asg_group_list *l) { MODEL_LIST_FREE(*l, asg_group_free); }
static void ec2_free(ec2_instance_list *l) { MODEL_LIST_FREE(*l, ec2_instance_free); }
static void refreshes_free(instance_refresh_list *l) { MODEL_LIST_FREE(*l, instance_refresh_free); }
static void activities_free(scaling_activity_list *l) { MODEL_LIST_FREE(*l, scaling_activity_free); }
static void alarms_free(cw_alarm_list *l) { MODEL_LIST_FREE(*l, cw_alarm_free); }

ONE_CALL_SET(on_identity, caller_identity, identity, caller_identity_free, WS_IDENTITY)
ONE_CALL_SET(on_ec2, ec2_instance_list, ec2, ec2_free, WS_EC2)
ONE_CALL_SET(on_refreshes, instance_refresh_list, refreshes, refreshes_free, WS_REFRESHES)
ONE_CALL_SET(on_activities, scaling_activity_list, activities, activities_free, WS_ACTIVITIES)
ONE_CALL_SET(on_alarms, cw_alarm_list, alarms, alarms_free, WS_ALARMS)
ONE_CALL_SET(on_warm_pool, warm_pool, warm_pool, warm_pool_free, WS_WARM_POOL)

/* ---- identity ---- */

static bool start_identity(watch *w)
{
    aws_error err;
    poll_ctx *x = ctx_new(w, WS_IDENTITY);
    if (svc_sts_get_caller_identity(w->client, on_identity, x, &err) != 0)
        fail_start(w, x, &err);
    return true;
}

static void drop_identity(watch *w)
{
    caller_identity_free(&w->s.identity);
    memset(&w->s.identity, 0, sizeof w->s.identity);
}

/* ---- groups ---- */

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
    bool live = ctx_done(x);
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
        poll_finished(w, WS_GROUPS, err);
    free(x);
}

static bool start_groups(watch *w)
{
    aws_error err;
    poll_ctx *x = ctx_new(w, WS_GROUPS);
    if (svc_asg_describe_groups(w->client, w->asg_names.n ? &w->asg_names : NULL, on_groups, x, &err) != 0)
        fail_start(w, x, &err);
    return true;
}

static void drop_groups(watch *w) { groups_free(&w->s.groups); }

/* ---- EC2 details of the selected group's instances (and its warm pool's) ---- */

static bool start_ec2(watch *w)
{
    const asg_group *g = watch_selected_group(&w->s);
    if (!g || (!g->instances.n && !w->s.warm_pool.instances.n))
        return false;
    strvec ids = { 0 };
    for (size_t i = 0; i < g->instances.n; i++)
        strvec_push(&ids, g->instances.items[i].instance_id);
    for (size_t i = 0; i < w->s.warm_pool.instances.n; i++)
        if (w->s.warm_pool.instances.items[i].instance_id)
            strvec_push(&ids, w->s.warm_pool.instances.items[i].instance_id);
    aws_error err;
    poll_ctx *x = ctx_new(w, WS_EC2);
    if (svc_ec2_describe_instances(w->client, &ids, on_ec2, x, &err) != 0)
        fail_start(w, x, &err);
    strvec_free(&ids);
    return true;
}

static void drop_ec2(watch *w) { ec2_free(&w->s.ec2); }

/* ---- refreshes and activities of the selected group ---- */

static bool start_refreshes(watch *w)
{
    if (!w->s.selected_asg)
        return false;
    aws_error err;
    poll_ctx *x = ctx_new(w, WS_REFRESHES);
    if (svc_asg_describe_refreshes(w->client, w->s.selected_asg, NULL, 10, on_refreshes, x, &err) != 0)
        fail_start(w, x, &err);
    return true;
}

static void drop_refreshes(watch *w) { refreshes_free(&w->s.refreshes); }

static bool start_activities(watch *w)
{
    if (!w->s.selected_asg)
        return false;
    aws_error err;
    poll_ctx *x = ctx_new(w, WS_ACTIVITIES);
    if (svc_asg_describe_activities(w->client, w->s.selected_asg, 50, on_activities, x, &err) != 0)
        fail_start(w, x, &err);
    return true;
}

static void drop_activities(watch *w) { activities_free(&w->s.activities); }

/* ---- target groups: DescribeTargetGroups, then DescribeTargetHealth for each ---- */

static void free_watch_tgs(void *v)
{
    VEC(watch_tg) *list = v;
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
    if (!join_arrive(&w->targets.join, err))
        return;
    if (w->targets.join.failed) {
        free_watch_tgs(&w->targets.result);
        poll_finished(w, WS_TARGETS, &w->targets.join.err);
    } else {
        free_watch_tgs(&w->s.target_groups);
        memcpy(&w->s.target_groups, &w->targets.result, sizeof w->s.target_groups);
        memset(&w->targets.result, 0, sizeof w->targets.result);
        poll_finished(w, WS_TARGETS, NULL);
    }
}

static void on_health(aws_client *c, target_health_list *res, const aws_error *err, void *ud)
{
    (void)c;
    poll_ctx *x = ud;
    bool live = ctx_done(x);
    watch *w = x->w;
    if (live && !err && x->index < w->targets.result.n) {
        watch_tg *t = &w->targets.result.items[x->index];
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
    bool live = ctx_done(x);
    watch *w = x->w;
    if (!live) {
        MODEL_LIST_FREE(*res, target_group_free);
        free(x);
        return;
    }
    if (!err) {
        for (size_t i = 0; i < res->n; i++) {
            watch_tg *t = VEC_NEW(w->targets.result);
            t->tg = res->items[i];
        }
        VEC_FREE(*res);
        for (size_t i = 0; i < w->targets.result.n; i++) {
            poll_ctx *hx = ctx_new(w, WS_TARGETS);
            hx->index = i;
            join_add(&w->targets.join);
            aws_error e2;
            if (svc_elb_describe_target_health(c, w->targets.result.items[i].tg.target_group_arn, on_health, hx,
                                               &e2) != 0) {
                ctx_done(hx);
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
        poll_finished(w, WS_TARGETS, NULL);
        return true;
    }
    free_watch_tgs(&w->targets.result);
    join_begin(&w->targets.join);
    join_add(&w->targets.join);
    aws_error err;
    poll_ctx *x = ctx_new(w, WS_TARGETS);
    if (svc_elb_describe_target_groups(w->client, &g->target_group_arns, on_target_groups, x, &err) != 0) {
        ctx_done(x);
        free(x);
        targets_arrived(w, &err);
    }
    return true;
}

static void drop_targets(watch *w)
{
    free_watch_tgs(&w->s.target_groups);
    free_watch_tgs(&w->targets.result);
    join_begin(&w->targets.join);
}

/* ---- images: DescribeRepositories ∥ DescribeImages ---- */

static void images_gathered_free(watch *w)
{
    ecr_repository_free(&w->images.repo);
    memset(&w->images.repo, 0, sizeof w->images.repo);
    MODEL_LIST_FREE(w->images.images, ecr_image_detail_free);
}

static void images_arrived(watch *w, const aws_error *err)
{
    if (!join_arrive(&w->images.join, err))
        return;
    if (w->images.join.failed) {
        images_gathered_free(w);
        poll_finished(w, WS_IMAGES, &w->images.join.err);
        return;
    }
    ecr_repository_free(&w->s.repo);
    w->s.repo = w->images.repo;
    memset(&w->images.repo, 0, sizeof w->images.repo);
    MODEL_LIST_FREE(w->s.images, ecr_image_detail_free);
    w->s.images = w->images.images;
    memset(&w->images.images, 0, sizeof w->images.images);
    poll_finished(w, WS_IMAGES, NULL);
}

static void on_repos(aws_client *c, ecr_repository_list *res, const aws_error *err, void *ud)
{
    (void)c;
    poll_ctx *x = ud;
    bool live = ctx_done(x);
    if (live && !err && res->n) {
        ecr_repository_free(&x->w->images.repo);
        x->w->images.repo = res->items[0];
        memset(&res->items[0], 0, sizeof res->items[0]);
    }
    MODEL_LIST_FREE(*res, ecr_repository_free);
    if (live)
        images_arrived(x->w, err);
    free(x);
}

static void on_images(aws_client *c, ecr_image_detail_list *res, const aws_error *err, void *ud)
{
    (void)c;
    poll_ctx *x = ud;
    bool live = ctx_done(x);
    if (live && !err) {
        MODEL_LIST_FREE(x->w->images.images, ecr_image_detail_free);
        x->w->images.images = *res;
        ecr_images_sort_newest_first(&x->w->images.images);
    } else {
        MODEL_LIST_FREE(*res, ecr_image_detail_free);
    }
    if (live)
        images_arrived(x->w, err);
    free(x);
}

static bool start_images(watch *w)
{
    if (!w->s.repository)
        return false;
    strvec names = { 0 };
    strvec_push(&names, w->s.repository);
    join_begin(&w->images.join);
    join_add(&w->images.join);
    join_add(&w->images.join);
    aws_error err;
    poll_ctx *x = ctx_new(w, WS_IMAGES);
    if (svc_ecr_describe_repositories(w->client, &names, on_repos, x, &err) != 0) {
        ctx_done(x);
        free(x);
        images_arrived(w, &err);
    }
    x = ctx_new(w, WS_IMAGES);
    if (svc_ecr_describe_images(w->client, w->s.repository, on_images, x, &err) != 0) {
        ctx_done(x);
        free(x);
        images_arrived(w, &err);
    }
    strvec_free(&names);
    return true;
}

static void drop_images(watch *w)
{
    ecr_repository_free(&w->s.repo);
    memset(&w->s.repo, 0, sizeof w->s.repo);
    MODEL_LIST_FREE(w->s.images, ecr_image_detail_free);
    images_gathered_free(w);
    join_begin(&w->images.join);
}

/* ---- alarms ---- */

static bool start_alarms(watch *w)
{
    if (!w->s.alarm_names.n)
        return false;
    aws_error err;
    poll_ctx *x = ctx_new(w, WS_ALARMS);
    if (svc_cw_describe_alarms(w->client, &w->s.alarm_names, on_alarms, x, &err) != 0)
        fail_start(w, x, &err);
    return true;
}

static void drop_alarms(watch *w) { alarms_free(&w->s.alarms); }

/* ---- the other groups' latest refreshes ---- */

/* Every group answered: what was read replaces the set; the groups that failed are
 * listed so their indicator says unknown instead of none. */
static void others_finished(watch *w)
{
    const aws_join *j = &w->others.join;
    if (j->failed && strcmp(j->err.code, "Cancelled") == 0) {
        /* The client is going away: nothing was learnt. */
        refreshes_free(&w->others.result);
        strvec_free(&w->others.failed_names);
        poll_finished(w, WS_OTHER_REFRESHES, &j->err);
        return;
    }
    refreshes_free(&w->s.other_refreshes);
    w->s.other_refreshes = w->others.result;
    memset(&w->others.result, 0, sizeof w->others.result);
    strvec_free(&w->s.other_refreshes_failed);
    w->s.other_refreshes_failed = w->others.failed_names;
    memset(&w->others.failed_names, 0, sizeof w->others.failed_names);
    w->s.meta[WS_OTHER_REFRESHES].version++;
    w->changes |= WS_BIT(WS_OTHER_REFRESHES);
    poll_finished(w, WS_OTHER_REFRESHES, j->failed ? &j->err : NULL);
}

/* This group's refreshes are unknown; the others' answers still count. */
static void other_failed(watch *w, size_t asked, const aws_error *err)
{
    if (asked < w->others.asked.n)
        strvec_push(&w->others.failed_names, w->others.asked.items[asked]);
    if (join_arrive(&w->others.join, err))
        others_finished(w);
}

static void on_other_refresh(aws_client *c, instance_refresh_list *res, const aws_error *err, void *ud)
{
    (void)c;
    poll_ctx *x = ud;
    bool live = ctx_done(x);
    watch *w = x->w;
    size_t asked = x->index;
    free(x);
    if (!live) {
        refreshes_free(res);
        return;
    }
    if (err) {
        refreshes_free(res);
        other_failed(w, asked, err);
        return;
    }
    if (res->n) {
        VEC_PUSH(w->others.result, res->items[0]);     /* the newest: taken over */
        res->items[0] = (instance_refresh){ 0 };
    }
    refreshes_free(res);
    if (join_arrive(&w->others.join, NULL))
        others_finished(w);
}

static bool start_other_refreshes(watch *w)
{
    if (w->others.join.pending)
        return false;
    refreshes_free(&w->others.result);
    strvec_free(&w->others.asked);
    strvec_free(&w->others.failed_names);
    join_begin(&w->others.join);
    for (size_t i = 0; i < w->s.groups.n && w->others.asked.n < WATCH_OTHER_GROUPS_MAX; i++) {
        const char *name = w->s.groups.items[i].name;
        if (!name || str_eq(name, w->s.selected_asg))
            continue;
        strvec_push(&w->others.asked, name);
        join_add(&w->others.join);
    }
    if (!w->others.asked.n)
        return false;
    /* The join counts every group before the first is sent, so an answer that
     * fails at once cannot finish the round early. */
    for (size_t i = 0; i < w->others.asked.n; i++) {
        poll_ctx *x = ctx_new(w, WS_OTHER_REFRESHES);
        x->index = i;
        aws_error err;
        if (svc_asg_describe_refreshes(w->client, w->others.asked.items[i], NULL, 1, on_other_refresh, x, &err) !=
            0) {
            ctx_done(x);
            free(x);
            other_failed(w, i, &err);
        }
    }
    return true;
}

static void drop_other_refreshes(watch *w)
{
    refreshes_free(&w->s.other_refreshes);
    strvec_free(&w->s.other_refreshes_failed);
    refreshes_free(&w->others.result);
    strvec_free(&w->others.asked);
    strvec_free(&w->others.failed_names);
    join_begin(&w->others.join);
}

/* ---- the selected group's warm pool ---- */

static bool start_warm_pool(watch *w)
{
    /* Only a group with a warm pool has one to describe. */
    const asg_group *g = watch_selected_group(&w->s);
    if (!g || !g->warm_pool.present) {
        if (w->s.warm_pool.config.present || w->s.warm_pool.instances.n) {
            warm_pool_free(&w->s.warm_pool);
            memset(&w->s.warm_pool, 0, sizeof w->s.warm_pool);
            w->s.meta[WS_WARM_POOL].version++;
            w->changes |= WS_BIT(WS_WARM_POOL);
        }
        return false;
    }
    aws_error err;
    poll_ctx *x = ctx_new(w, WS_WARM_POOL);
    if (svc_asg_describe_warm_pool(w->client, g->name, on_warm_pool, x, &err) != 0)
        fail_start(w, x, &err);
    return true;
}

static void drop_warm_pool(watch *w)
{
    warm_pool_free(&w->s.warm_pool);
    memset(&w->s.warm_pool, 0, sizeof w->s.warm_pool);
}

/* ---- the table ----
 * Intervals for one app (one group, one repository, one target group) at the
 * default base of 30 s: groups 2, refreshes 2, targets 4 (two calls), alarms 1,
 * images 2 (two calls), activities 0.5, EC2 0.2 and identity 0.1 calls a minute,
 * 11.8 in all; dozing (nobody at the keyboard for 10 minutes) 1.6. bench/ counts
 * them at the simulator. */
#define MINUTE_MS (60 * 1000)
static const set_def set_defs[WS_COUNT] = {
    [WS_IDENTITY] = { "identity", start_identity, drop_identity, .fixed_ms = IDENTITY_INTERVAL_MS,
                      .always_shown = true },
    [WS_GROUPS] = { "groups", start_groups, drop_groups, .shown_mult = 1, .follows_refresh = true,
                    .always_shown = true, .doze_ms = 3 * MINUTE_MS },
    [WS_EC2] = { "ec2", start_ec2, drop_ec2, .shown_mult = 10, .follows_refresh = true, .doze_ms = 10 * MINUTE_MS,
                 .after = WS_BIT(WS_GROUPS) },
    [WS_REFRESHES] = { "refreshes", start_refreshes, drop_refreshes, .shown_mult = 1, .follows_refresh = true,
                       .always_shown = true, .doze_ms = 2 * MINUTE_MS, .after = WS_BIT(WS_GROUPS) },
    [WS_ACTIVITIES] = { "activities", start_activities, drop_activities, .shown_mult = 4, .follows_refresh = true,
                        .doze_ms = 10 * MINUTE_MS, .after = WS_BIT(WS_GROUPS) },
    [WS_TARGETS] = { "targets", start_targets, drop_targets, .shown_mult = 1, .follows_refresh = true,
                     .doze_ms = 10 * MINUTE_MS, .after = WS_BIT(WS_GROUPS) },
    [WS_IMAGES] = { "images", start_images, drop_images, .shown_mult = 2, .doze_ms = 10 * MINUTE_MS },
    [WS_ALARMS] = { "alarms", start_alarms, drop_alarms, .shown_mult = 2, .follows_refresh = true,
                    .always_shown = true, .doze_ms = 10 * MINUTE_MS },
    [WS_OTHER_REFRESHES] = { "other-refreshes", start_other_refreshes, drop_other_refreshes, .shown_mult = 4,
                             .doze_ms = 10 * MINUTE_MS, .after = WS_BIT(WS_GROUPS) },
    [WS_WARM_POOL] = { "warm-pool", start_warm_pool, drop_warm_pool, .shown_mult = 4, .follows_refresh = true,
                       .doze_ms = 10 * MINUTE_MS, .after = WS_BIT(WS_GROUPS) },
};

const char *watch_set_name(watch_set set)
{
    return set < WS_COUNT ? set_defs[set].name : "?";
}

/* ---- polling ---- */

void watch_tick(watch *w, int64_t now)
{
    for (int set = 0; set < WS_COUNT; set++) {
        watch_meta *m = &w->s.meta[set];
        if (m->in_flight || now < m->next_due_mono)
            continue;
        m->in_flight = true;
        if (!set_defs[set].start(w)) {
            m->in_flight = false;
            m->next_due_mono = now + interval_for(w, (watch_set)set);
        }
    }
}

int watch_next_due_ms(const watch *w, int64_t now)
{
    int64_t best = INT32_MAX;
    for (int set = 0; set < WS_COUNT; set++) {
        const watch_meta *m = &w->s.meta[set];
        if (m->in_flight)
            continue;
        int64_t d = m->next_due_mono - now;
        if (d < best)
            best = d;
    }
    /* the moment dozing starts, so the intervals stretch then */
    if (w->doze_after_ms > 0 && !watch_dozing(w)) {
        int64_t d = w->last_key_mono + w->doze_after_ms - now;
        if (d >= 0 && d < best)
            best = d;
    }
    return best < 0 ? 0 : (int)best;
}

void watch_refresh_now(watch *w)
{
    for (int set = 0; set < WS_COUNT; set++)
        if (set != WS_IDENTITY || w->s.meta[set].stale || !w->s.meta[set].fetched_at)
            w->s.meta[set].next_due_mono = 0;
}

void watch_set_shown(watch *w, unsigned sets)
{
    if (sets == w->shown)
        return;
    w->shown = sets;
    reschedule(w, mono_now_ms());
}

void watch_user_active(watch *w)
{
    int64_t now = mono_now_ms();
    bool was_dozing = watch_dozing(w);
    w->last_key_mono = now;
    if (was_dozing)
        reschedule(w, now);
}

/* Drop a set's data and orphan its answers in flight. */
static void reset_set(watch *w, watch_set set)
{
    w->gen[set]++;
    watch_meta *m = &w->s.meta[set];
    m->in_flight = false;
    m->stale = false;
    m->error[0] = '\0';
    m->fetched_at = 0;
    m->last_poll_mono = 0;
    m->next_due_mono = 0;
    m->version++;
    w->changes |= WS_BIT(set);
    set_defs[set].drop(w);
}

void watch_select_asg(watch *w, const char *name)
{
    if (str_eq(w->s.selected_asg, name))
        return;
    str_set(&w->s.selected_asg, name);
    /* every set that hangs off the selected group */
    for (int set = 0; set < WS_COUNT; set++)
        if (set != WS_OTHER_REFRESHES && (set_defs[set].after & WS_BIT(WS_GROUPS)))
            reset_set(w, (watch_set)set);
    /* The group left behind is one of the others now: ask about them soon. */
    if (!w->s.meta[WS_OTHER_REFRESHES].in_flight)
        w->s.meta[WS_OTHER_REFRESHES].next_due_mono = mono_now_ms() + 1000;
    w->changes |= WS_BIT(WS_GROUPS);
}

void watch_set_repository(watch *w, const char *repo)
{
    if (str_eq(w->s.repository, repo))
        return;
    str_set(&w->s.repository, repo);
    reset_set(w, WS_IMAGES);
}

void watch_set_client(watch *w, aws_client *c)
{
    w->client = c;
    for (int set = 0; set < WS_COUNT; set++)
        reset_set(w, (watch_set)set);
    free(w->s.selected_asg);
    w->s.selected_asg = NULL;
}

void watch_set_scope(watch *w, const strvec *asg_names, const strvec *alarm_names)
{
    strvec_free(&w->asg_names);
    for (size_t i = 0; asg_names && i < asg_names->n; i++)
        strvec_push(&w->asg_names, asg_names->items[i]);
    strvec_free(&w->s.alarm_names);
    for (size_t i = 0; alarm_names && i < alarm_names->n; i++)
        strvec_push(&w->s.alarm_names, alarm_names->items[i]);
    reset_set(w, WS_GROUPS);
    reset_set(w, WS_ALARMS);
}

unsigned watch_take_changes(watch *w)
{
    unsigned c = w->changes;
    w->changes = 0;
    return c;
}

watch *watch_new(aws_client *c, const watch_opts *o)
{
    watch *w = xcalloc(1, sizeof *w);
    w->client = c;
    w->base_ms = o->base_interval_ms > 0 ? o->base_interval_ms : WATCH_DEFAULT_BASE_MS;
    w->active_ms = o->active_interval_ms > 0 ? o->active_interval_ms : 2000;
    w->hidden_min_ms = o->hidden_min_ms > 0 ? o->hidden_min_ms : WATCH_HIDDEN_MIN_MS;
    w->doze_after_ms = o->doze_after_ms;
    w->shown = WS_ALL;
    w->last_key_mono = mono_now_ms();
    if (o->asg_names)
        for (size_t i = 0; i < o->asg_names->n; i++)
            strvec_push(&w->asg_names, o->asg_names->items[i]);
    if (o->alarm_names)
        for (size_t i = 0; i < o->alarm_names->n; i++)
            strvec_push(&w->s.alarm_names, o->alarm_names->items[i]);
    w->s.selected_asg = xstrdup(o->initial_asg);
    w->s.repository = xstrdup(o->repository);
    for (int set = 0; set < WS_COUNT; set++)
        w->s.meta[set].interval_ms = interval_for(w, (watch_set)set);
    return w;
}

void watch_free(watch *w)
{
    if (!w)
        return;
    /* Answers still in flight find their watch gone and only free themselves. */
    for (size_t i = 0; i < w->in_flight.n; i++)
        w->in_flight.items[i]->w = NULL;
    VEC_FREE(w->in_flight);
    for (int set = 0; set < WS_COUNT; set++)
        reset_set(w, (watch_set)set);
    free(w->s.selected_asg);
    free(w->s.repository);
    strvec_free(&w->s.alarm_names);
    strvec_free(&w->asg_names);
    free(w);
}

const watch_state *watch_get(const watch *w) { return &w->s; }

/* ---- questions about the state ---- */

bool watch_refresh_active(const watch_state *s)
{
    for (size_t i = 0; i < s->refreshes.n; i++)
        if (refresh_status_active(s->refreshes.items[i].status))
            return true;
    return false;
}

const asg_group *watch_selected_group(const watch_state *s)
{
    if (!s->selected_asg)
        return NULL;
    for (size_t i = 0; i < s->groups.n; i++)
        if (str_eq(s->groups.items[i].name, s->selected_asg))
            return &s->groups.items[i];
    return NULL;
}

const instance_refresh *watch_other_refresh(const watch_state *s, const char *asg)
{
    for (size_t i = 0; asg && i < s->other_refreshes.n; i++)
        if (str_eq(s->other_refreshes.items[i].auto_scaling_group_name, asg))
            return &s->other_refreshes.items[i];
    return NULL;
}

watch_read watch_refreshes_read(const watch_state *s, const char **err)
{
    const watch_meta *m = &s->meta[WS_REFRESHES];
    if (err)
        *err = m->error;
    if (m->stale)
        return WATCH_READ_FAILED;
    return m->fetched_at ? WATCH_READ_OK : WATCH_READ_PENDING;
}

watch_read watch_group_refreshes_read(const watch_state *s, const char *asg, const char **err)
{
    if (str_eq(asg, s->selected_asg))
        return watch_refreshes_read(s, err);
    const watch_meta *m = &s->meta[WS_OTHER_REFRESHES];
    if (err)
        *err = m->error;
    if (strvec_contains(&s->other_refreshes_failed, asg))
        return WATCH_READ_FAILED;
    if (!m->fetched_at && !m->stale)
        return WATCH_READ_PENDING;
    /* Read when it was among the groups asked (the first WATCH_OTHER_GROUPS_MAX). */
    if (watch_other_refresh(s, asg))
        return WATCH_READ_OK;
    size_t asked = 0;
    for (size_t i = 0; i < s->groups.n && asked < WATCH_OTHER_GROUPS_MAX; i++) {
        const char *name = s->groups.items[i].name;
        if (!name || str_eq(name, s->selected_asg))
            continue;
        if (str_eq(name, asg))
            return WATCH_READ_OK;
        asked++;
    }
    return WATCH_READ_PENDING;
}

const instance_refresh *watch_find_refresh(const watch_state *s, const char *refresh_id)
{
    for (size_t i = 0; refresh_id && i < s->refreshes.n; i++)
        if (str_eq(s->refreshes.items[i].instance_refresh_id, refresh_id))
            return &s->refreshes.items[i];
    return NULL;
}

size_t watch_health_lists(const watch_state *s, const target_health_list **out, size_t cap)
{
    size_t n = 0;
    for (size_t t = 0; t < s->target_groups.n && n < cap; t++)
        out[n++] = &s->target_groups.items[t].health;
    return n;
}

const ec2_instance *watch_ec2_instance(const watch_state *s, const char *instance_id)
{
    for (size_t i = 0; i < s->ec2.n; i++)
        if (str_eq(s->ec2.items[i].instance_id, instance_id))
            return &s->ec2.items[i];
    return NULL;
}
