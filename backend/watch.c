/* watch.c — polls the data sets of watch.h on their intervals. Each poll is one
 * or a few asynchronous calls; its answer replaces the set (or marks it stale and
 * keeps the old data). Answers that arrive for an earlier selection (the user
 * chose another group, or switched region) are dropped by generation number. */
#include "watch.h"

#include <stdio.h>
#include <stdlib.h>

#include "services.h"

#define IDENTITY_INTERVAL_MS (10 * 60 * 1000)
#define RETRY_AFTER_ERROR_MIN_MS 2000

struct watch {
    aws_client *client;
    watch_state s;
    strvec asg_names;
    int base_ms, active_ms;
    unsigned changes;
    unsigned gen[WS_COUNT];      /* bumped to orphan answers in flight */
    VEC(struct poll_ctx *) in_flight; /* so watch_free can orphan them */
    /* WS_TARGETS and WS_IMAGES take several calls: what they gather until done. */
    struct {
        target_group_list tgs;
        VEC(watch_tg) result;
        int pending;
        bool failed;
        char error[320];
    } targets;
    struct {
        instance_refresh_list result;
        strvec asked;            /* the groups asked in this poll, by poll_ctx.index */
        strvec failed_names;     /* those whose answer was an error */
        int pending;
        aws_error err;
        bool failed;
    } others;
    struct {
        ecr_repository repo;
        bool repo_ok;
        ecr_image_detail_list images;
        int pending;
        bool failed;
        char error[320];
    } images;
};

typedef struct poll_ctx {
    watch *w;                    /* NULL when the watch was freed meanwhile */
    watch_set set;
    unsigned gen;
    size_t index;                /* which target group, for DescribeTargetHealth */
} poll_ctx;

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

static int interval_for(const watch *w, watch_set set)
{
    if (set == WS_IDENTITY)
        return IDENTITY_INTERVAL_MS;
    bool active = watch_refresh_active(&w->s);
    if (set == WS_IMAGES || set == WS_OTHER_REFRESHES)
        return w->base_ms;
    return active ? w->active_ms : w->base_ms;
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
    m->next_due_mono = mono_now_ms() + next;
    if (!err || m->stale != was_stale)
        w->changes |= WS_BIT(set);
}

static void fail_start(watch *w, poll_ctx *x, const aws_error *err)
{
    watch_set set = x->set;
    ctx_done(x);
    free(x);
    poll_finished(w, set, err);
}

/* ---- identity ---- */

static void on_identity(aws_client *c, caller_identity *res, const aws_error *err, void *ud)
{
    (void)c;
    poll_ctx *x = ud;
    bool live = ctx_done(x);
    if (live && !err) {
        caller_identity_free(&x->w->s.identity);
        x->w->s.identity = *res;
    } else {
        caller_identity_free(res);
    }
    if (live)
        poll_finished(x->w, WS_IDENTITY, err);
    free(x);
}

/* ---- groups ---- */

/* Sets that hang off the selected group are asked at once when they never were,
 * and EC2 details as soon as an instance appears that they don't cover. */
static void groups_arrived(watch *w)
{
    static const watch_set dependent[] = { WS_EC2, WS_REFRESHES, WS_ACTIVITIES, WS_TARGETS, WS_OTHER_REFRESHES,
                                           WS_WARM_POOL };
    for (size_t i = 0; i < ARRAY_LEN(dependent); i++) {
        watch_meta *m = &w->s.meta[dependent[i]];
        if (!m->fetched_at && !m->in_flight && !m->stale)
            m->next_due_mono = 0;
    }
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
        MODEL_LIST_FREE(w->s.groups, asg_group_free);
        w->s.groups = *res;
        if (!w->s.selected_asg && w->s.groups.n)
            watch_select_asg(w, w->s.groups.items[0].name);
        groups_arrived(w);
    } else {
        MODEL_LIST_FREE(*res, asg_group_free);
    }
    if (live)
        poll_finished(w, WS_GROUPS, err);
    free(x);
}

/* ---- EC2 details of the selected group's instances ---- */

static void on_ec2(aws_client *c, ec2_instance_list *res, const aws_error *err, void *ud)
{
    (void)c;
    poll_ctx *x = ud;
    bool live = ctx_done(x);
    if (live && !err) {
        MODEL_LIST_FREE(x->w->s.ec2, ec2_instance_free);
        x->w->s.ec2 = *res;
    } else {
        MODEL_LIST_FREE(*res, ec2_instance_free);
    }
    if (live)
        poll_finished(x->w, WS_EC2, err);
    free(x);
}

/* ---- refreshes and activities ---- */

static void on_refreshes(aws_client *c, instance_refresh_list *res, const aws_error *err, void *ud)
{
    (void)c;
    poll_ctx *x = ud;
    bool live = ctx_done(x);
    if (live && !err) {
        MODEL_LIST_FREE(x->w->s.refreshes, instance_refresh_free);
        x->w->s.refreshes = *res;
    } else {
        MODEL_LIST_FREE(*res, instance_refresh_free);
    }
    if (live)
        poll_finished(x->w, WS_REFRESHES, err);
    free(x);
}

static void on_activities(aws_client *c, scaling_activity_list *res, const aws_error *err, void *ud)
{
    (void)c;
    poll_ctx *x = ud;
    bool live = ctx_done(x);
    if (live && !err) {
        MODEL_LIST_FREE(x->w->s.activities, scaling_activity_free);
        x->w->s.activities = *res;
    } else {
        MODEL_LIST_FREE(*res, scaling_activity_free);
    }
    if (live)
        poll_finished(x->w, WS_ACTIVITIES, err);
    free(x);
}

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

static void targets_step_done(watch *w, const aws_error *err)
{
    if (err && !w->targets.failed) {
        w->targets.failed = true;
        aws_error_format(err, w->targets.error, sizeof w->targets.error);
    }
    if (--w->targets.pending > 0)
        return;
    if (w->targets.failed) {
        aws_error e = { 0 };
        aws_error_set(&e, 0, "Error", "%s", w->targets.error);
        free_watch_tgs(&w->targets.result);
        /* keep the message as formatted by the failing call */
        watch_meta *m = &w->s.meta[WS_TARGETS];
        poll_finished(w, WS_TARGETS, &e);
        str_copy(m->error, sizeof m->error, w->targets.error);
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
        targets_step_done(w, err);
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
            w->targets.pending++;
            aws_error e2;
            if (svc_elb_describe_target_health(c, w->targets.result.items[i].tg.target_group_arn,
                                               on_health, hx, &e2) != 0) {
                ctx_done(hx);
                free(hx);
                targets_step_done(w, &e2);
            }
        }
    } else {
        MODEL_LIST_FREE(*res, target_group_free);
    }
    targets_step_done(w, err);
    free(x);
}

/* ---- images: DescribeRepositories ∥ DescribeImages ---- */

static void images_step_done(watch *w, const aws_error *err)
{
    if (err && !w->images.failed) {
        w->images.failed = true;
        aws_error_format(err, w->images.error, sizeof w->images.error);
    }
    if (--w->images.pending > 0)
        return;
    if (w->images.failed) {
        aws_error e = { 0 };
        aws_error_set(&e, 0, "Error", "%s", w->images.error);
        ecr_repository_free(&w->images.repo);
        MODEL_LIST_FREE(w->images.images, ecr_image_detail_free);
        memset(&w->images.repo, 0, sizeof w->images.repo);
        poll_finished(w, WS_IMAGES, &e);
        str_copy(w->s.meta[WS_IMAGES].error, sizeof w->s.meta[WS_IMAGES].error, w->images.error);
    } else {
        ecr_repository_free(&w->s.repo);
        w->s.repo = w->images.repo;
        memset(&w->images.repo, 0, sizeof w->images.repo);
        MODEL_LIST_FREE(w->s.images, ecr_image_detail_free);
        w->s.images = w->images.images;
        memset(&w->images.images, 0, sizeof w->images.images);
        poll_finished(w, WS_IMAGES, NULL);
    }
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
        images_step_done(x->w, err);
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
        images_step_done(x->w, err);
    free(x);
}

/* ---- alarms ---- */

static void on_alarms(aws_client *c, cw_alarm_list *res, const aws_error *err, void *ud)
{
    (void)c;
    poll_ctx *x = ud;
    bool live = ctx_done(x);
    if (live && !err) {
        MODEL_LIST_FREE(x->w->s.alarms, cw_alarm_free);
        x->w->s.alarms = *res;
    } else {
        MODEL_LIST_FREE(*res, cw_alarm_free);
    }
    if (live)
        poll_finished(x->w, WS_ALARMS, err);
    free(x);
}

/* ---- starting polls ---- */

/* Returns false when the set has nothing to poll now (no group selected, ...). */
/* ---- the other groups' latest refreshes ---- */

/* Every group answered: what was read replaces the set; the groups that failed are
 * listed so their indicator says unknown instead of none. */
static void others_finished(watch *w)
{
    if (w->others.failed && strcmp(w->others.err.code, "Cancelled") == 0) {
        /* The client is going away: nothing was learnt. */
        MODEL_LIST_FREE(w->others.result, instance_refresh_free);
        strvec_free(&w->others.failed_names);
        poll_finished(w, WS_OTHER_REFRESHES, &w->others.err);
        return;
    }
    MODEL_LIST_FREE(w->s.other_refreshes, instance_refresh_free);
    w->s.other_refreshes = w->others.result;
    memset(&w->others.result, 0, sizeof w->others.result);
    strvec_free(&w->s.other_refreshes_failed);
    w->s.other_refreshes_failed = w->others.failed_names;
    memset(&w->others.failed_names, 0, sizeof w->others.failed_names);
    w->s.meta[WS_OTHER_REFRESHES].version++;
    w->changes |= WS_BIT(WS_OTHER_REFRESHES);
    poll_finished(w, WS_OTHER_REFRESHES, w->others.failed ? &w->others.err : NULL);
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
        MODEL_LIST_FREE(*res, instance_refresh_free);
        return;
    }
    if (err) {
        /* This group's refreshes are unknown; the others' answers still count. */
        if (asked < w->others.asked.n)
            strvec_push(&w->others.failed_names, w->others.asked.items[asked]);
        if (!w->others.failed) {
            w->others.failed = true;
            w->others.err = *err;
        }
    } else if (!err && res->n) {
        VEC_PUSH(w->others.result, res->items[0]);     /* the newest: taken over */
        res->items[0] = (instance_refresh){ 0 };
    }
    MODEL_LIST_FREE(*res, instance_refresh_free);
    if (--w->others.pending > 0)
        return;
    others_finished(w);
}

static bool start_other_refreshes(watch *w)
{
    if (w->others.pending)
        return false;
    MODEL_LIST_FREE(w->others.result, instance_refresh_free);
    strvec_free(&w->others.asked);
    strvec_free(&w->others.failed_names);
    w->others.failed = false;
    for (size_t i = 0; i < w->s.groups.n && w->others.asked.n < WATCH_OTHER_GROUPS_MAX; i++) {
        const char *name = w->s.groups.items[i].name;
        if (!name || str_eq(name, w->s.selected_asg))
            continue;
        strvec_push(&w->others.asked, name);
        w->others.pending++;
        poll_ctx *x = ctx_new(w, WS_OTHER_REFRESHES);
        x->index = w->others.asked.n - 1;
        aws_error err;
        if (svc_asg_describe_refreshes(w->client, name, NULL, 1, on_other_refresh, x, &err) != 0) {
            ctx_done(x);
            free(x);
            w->others.pending--;
            strvec_push(&w->others.failed_names, name);
            if (!w->others.failed) {
                w->others.failed = true;
                w->others.err = err;
            }
        }
    }
    if (!w->others.asked.n)
        return false;
    if (!w->others.pending)      /* none could be sent */
        others_finished(w);
    return true;
}

/* ---- the selected group's warm pool ---- */

static void on_warm_pool(aws_client *c, warm_pool *res, const aws_error *err, void *ud)
{
    (void)c;
    poll_ctx *x = ud;
    bool live = ctx_done(x);
    if (live && !err) {
        warm_pool_free(&x->w->s.warm_pool);
        x->w->s.warm_pool = *res;
    } else {
        warm_pool_free(res);
    }
    if (live)
        poll_finished(x->w, WS_WARM_POOL, err);
    free(x);
}

static bool start_poll(watch *w, watch_set set)
{
    aws_client *c = w->client;
    const asg_group *g = watch_selected_group(&w->s);
    aws_error err;
    int rc = 0;
    poll_ctx *x;
    switch (set) {
    case WS_IDENTITY:
        x = ctx_new(w, set);
        if ((rc = svc_sts_get_caller_identity(c, on_identity, x, &err)) != 0)
            fail_start(w, x, &err);
        return true;
    case WS_GROUPS:
        x = ctx_new(w, set);
        if (svc_asg_describe_groups(c, w->asg_names.n ? &w->asg_names : NULL, on_groups, x, &err) != 0)
            fail_start(w, x, &err);
        return true;
    case WS_EC2: {
        if (!g || (!g->instances.n && !w->s.warm_pool.instances.n))
            return false;
        strvec ids = { 0 };
        for (size_t i = 0; i < g->instances.n; i++)
            strvec_push(&ids, g->instances.items[i].instance_id);
        for (size_t i = 0; i < w->s.warm_pool.instances.n; i++)   /* the warm pool's too */
            if (w->s.warm_pool.instances.items[i].instance_id)
                strvec_push(&ids, w->s.warm_pool.instances.items[i].instance_id);
        x = ctx_new(w, set);
        if (svc_ec2_describe_instances(c, &ids, on_ec2, x, &err) != 0)
            fail_start(w, x, &err);
        strvec_free(&ids);
        return true;
    }
    case WS_REFRESHES:
        if (!w->s.selected_asg)
            return false;
        x = ctx_new(w, set);
        if (svc_asg_describe_refreshes(c, w->s.selected_asg, NULL, 10, on_refreshes, x, &err) != 0)
            fail_start(w, x, &err);
        return true;
    case WS_ACTIVITIES:
        if (!w->s.selected_asg)
            return false;
        x = ctx_new(w, set);
        if (svc_asg_describe_activities(c, w->s.selected_asg, 50, on_activities, x, &err) != 0)
            fail_start(w, x, &err);
        return true;
    case WS_TARGETS:
        if (!g)
            return false;
        if (!g->target_group_arns.n) {
            /* Nothing to ask: an empty answer, at once. */
            free_watch_tgs(&w->s.target_groups);
            poll_finished(w, WS_TARGETS, NULL);
            return true;
        }
        free_watch_tgs(&w->targets.result);
        w->targets.failed = false;
        w->targets.error[0] = '\0';
        w->targets.pending = 1;
        x = ctx_new(w, set);
        if (svc_elb_describe_target_groups(c, &g->target_group_arns, on_target_groups, x, &err) != 0) {
            ctx_done(x);
            free(x);
            targets_step_done(w, &err);
        }
        return true;
    case WS_IMAGES: {
        if (!w->s.repository)
            return false;
        strvec names = { 0 };
        strvec_push(&names, w->s.repository);
        w->images.failed = false;
        w->images.error[0] = '\0';
        w->images.pending = 2;
        x = ctx_new(w, set);
        if (svc_ecr_describe_repositories(c, &names, on_repos, x, &err) != 0) {
            ctx_done(x);
            free(x);
            images_step_done(w, &err);
        }
        x = ctx_new(w, set);
        if (svc_ecr_describe_images(c, w->s.repository, on_images, x, &err) != 0) {
            ctx_done(x);
            free(x);
            images_step_done(w, &err);
        }
        strvec_free(&names);
        return true;
    }
    case WS_ALARMS:
        if (!w->s.alarm_names.n)
            return false;
        x = ctx_new(w, set);
        if (svc_cw_describe_alarms(c, &w->s.alarm_names, on_alarms, x, &err) != 0)
            fail_start(w, x, &err);
        return true;
    case WS_OTHER_REFRESHES:
        return start_other_refreshes(w);
    case WS_WARM_POOL:
        /* Only a group with a warm pool has one to describe. */
        if (!g || !g->warm_pool.present) {
            if (w->s.warm_pool.config.present || w->s.warm_pool.instances.n) {
                warm_pool_free(&w->s.warm_pool);
                memset(&w->s.warm_pool, 0, sizeof w->s.warm_pool);
                w->s.meta[WS_WARM_POOL].version++;
                w->changes |= WS_BIT(WS_WARM_POOL);
            }
            return false;
        }
        x = ctx_new(w, set);
        if (svc_asg_describe_warm_pool(c, g->name, on_warm_pool, x, &err) != 0)
            fail_start(w, x, &err);
        return true;
    case WS_COUNT:
        break;
    }
    (void)rc;
    return false;
}

void watch_tick(watch *w, int64_t now)
{
    for (int set = 0; set < WS_COUNT; set++) {
        watch_meta *m = &w->s.meta[set];
        if (m->in_flight || now < m->next_due_mono)
            continue;
        m->in_flight = true;
        if (!start_poll(w, (watch_set)set)) {
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
    return best < 0 ? 0 : (int)best;
}

void watch_refresh_now(watch *w)
{
    for (int set = 0; set < WS_COUNT; set++)
        if (set != WS_IDENTITY || w->s.meta[set].stale || !w->s.meta[set].fetched_at)
            w->s.meta[set].next_due_mono = 0;
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
    m->next_due_mono = 0;
    m->version++;
    w->changes |= WS_BIT(set);
    watch_state *s = &w->s;
    switch (set) {
    case WS_IDENTITY: caller_identity_free(&s->identity); memset(&s->identity, 0, sizeof s->identity); break;
    case WS_GROUPS: MODEL_LIST_FREE(s->groups, asg_group_free); break;
    case WS_EC2: MODEL_LIST_FREE(s->ec2, ec2_instance_free); break;
    case WS_REFRESHES: MODEL_LIST_FREE(s->refreshes, instance_refresh_free); break;
    case WS_ACTIVITIES: MODEL_LIST_FREE(s->activities, scaling_activity_free); break;
    case WS_TARGETS:
        free_watch_tgs(&s->target_groups);
        free_watch_tgs(&w->targets.result);
        w->targets.pending = 0;
        break;
    case WS_IMAGES:
        ecr_repository_free(&s->repo);
        memset(&s->repo, 0, sizeof s->repo);
        MODEL_LIST_FREE(s->images, ecr_image_detail_free);
        ecr_repository_free(&w->images.repo);
        memset(&w->images.repo, 0, sizeof w->images.repo);
        MODEL_LIST_FREE(w->images.images, ecr_image_detail_free);
        w->images.pending = 0;
        break;
    case WS_ALARMS: MODEL_LIST_FREE(s->alarms, cw_alarm_free); break;
    case WS_OTHER_REFRESHES:
        MODEL_LIST_FREE(s->other_refreshes, instance_refresh_free);
        strvec_free(&s->other_refreshes_failed);
        MODEL_LIST_FREE(w->others.result, instance_refresh_free);
        strvec_free(&w->others.asked);
        strvec_free(&w->others.failed_names);
        w->others.pending = 0;
        break;
    case WS_WARM_POOL:
        warm_pool_free(&s->warm_pool);
        memset(&s->warm_pool, 0, sizeof s->warm_pool);
        break;
    case WS_COUNT: break;
    }
}

void watch_select_asg(watch *w, const char *name)
{
    if (str_eq(w->s.selected_asg, name))
        return;
    str_set(&w->s.selected_asg, name);
    reset_set(w, WS_EC2);
    reset_set(w, WS_REFRESHES);
    reset_set(w, WS_ACTIVITIES);
    reset_set(w, WS_TARGETS);
    reset_set(w, WS_WARM_POOL);
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
    w->base_ms = o->base_interval_ms > 0 ? o->base_interval_ms : 15000;
    w->active_ms = o->active_interval_ms > 0 ? o->active_interval_ms : 2000;
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

static bool status_active(const char *st)
{
    static const char *const active[] = { "Pending", "InProgress", "Cancelling",
                                          "RollbackInProgress", "Baking" };
    for (size_t i = 0; i < ARRAY_LEN(active); i++)
        if (str_eq(st, active[i]))
            return true;
    return false;
}

bool watch_refresh_active(const watch_state *s)
{
    for (size_t i = 0; i < s->refreshes.n; i++)
        if (status_active(s->refreshes.items[i].status))
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
