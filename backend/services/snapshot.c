/* snapshot.c — fans the describe calls of a snapshot out in parallel and gathers
 * their answers. Dependent calls start as soon as what they need has arrived:
 * DescribeAutoScalingGroups → (DescribeInstanceRefreshes per ASG ∥ DescribeWarmPool
 * per ASG that has a warm pool ∥ DescribeTargetGroups) → DescribeTargetHealth per
 * target group; the ECR calls run beside all of it. */
#include "services/snapshot.h"

#include <stdlib.h>

#include "aws/join.h"
#include "services/services.h"

typedef struct fetch {
    aws_client *client;
    snapshot *snap;
    snapshot_request req;
    aws_join join; /* calls started and not yet answered (errors: snap->errors) */
    snapshot_done_fn done;
    void *ud;
} fetch;

/* Context of one call that fills one place of the snapshot. Indexes, not pointers:
 * the vectors may grow while calls are in flight. */
typedef struct call_ctx {
    fetch *f;
    size_t asg, tg, repo;
    char *resource;
} call_ctx;

static call_ctx *ctx_new(fetch *f, size_t asg, size_t tg, size_t repo, const char *resource)
{
    call_ctx *x = xcalloc(1, sizeof *x);
    x->f = f;
    x->asg = asg;
    x->tg = tg;
    x->repo = repo;
    x->resource = xstrdup(resource);
    join_add(&f->join);
    f->snap->calls_total++;
    return x;
}

static void error_fill(snap_error *e, const aws_error *err, const char *resource)
{
    e->operation = xstrdup(err->operation[0] ? err->operation : "?");
    e->code = xstrdup(err->code[0] ? err->code : "Error");
    e->message = xstrdup(err->message);
    e->resource = xstrdup(resource);
    e->http_status = err->http_status;
}

static void error_free(snap_error *x)
{
    free(x->operation);
    free(x->code);
    free(x->message);
    free(x->resource);
}

static void add_error(snapshot *s, const aws_error *err, const char *resource)
{
    error_fill(VEC_NEW(s->errors), err, resource);
    s->calls_failed++;
}

static void add_error_text(snapshot *s, const char *op, const char *code, const char *msg, const char *resource)
{
    aws_error err = { 0 };
    aws_error_set(&err, 0, code, "%s", msg);
    str_copy(err.operation, sizeof err.operation, op);
    add_error(s, &err, resource);
    s->calls_failed--; /* not a failed call: a finding */
}

/* A call that could not even start counts as failed at once. */
static void start_failed(fetch *f, call_ctx *x, const aws_error *err)
{
    add_error(f->snap, err, x->resource);
    free(x->resource);
    free(x);
    join_unsent(&f->join); /* the caller's own call holds the join */
}

static void finish_one(call_ctx *x)
{
    fetch *f = x->f;
    free(x->resource);
    free(x);
    if (!join_arrive(&f->join, NULL))
        return;
    f->snap->fetched_at = time_now_ms();
    snapshot_done_fn done = f->done;
    void *ud = f->ud;
    snapshot *s = f->snap;
    free(f);
    done(s, ud);
}

/* ---- target health ---- */

static void on_health(aws_client *c, target_health_list *res, const aws_error *err, void *ud)
{
    (void)c;
    call_ctx *x = ud;
    snap_target_group *t = &x->f->snap->asgs.items[x->asg].target_groups.items[x->tg];
    if (err)
        add_error(x->f->snap, err, x->resource);
    else
        t->health_ok = true;
    MODEL_LIST_FREE(t->health, target_health_desc_free);
    t->health = *res;
    finish_one(x);
}

static void start_health(fetch *f, size_t asg, size_t tg)
{
    const char *arn = f->snap->asgs.items[asg].target_groups.items[tg].tg.target_group_arn;
    call_ctx *x = ctx_new(f, asg, tg, 0, arn);
    aws_error err;
    if (svc_elb_describe_target_health(f->client, arn, on_health, x, &err) != 0)
        start_failed(f, x, &err);
}

/* ---- target groups: one DescribeTargetGroups for every ARN of every ASG ---- */

static void on_target_groups(aws_client *c, target_group_list *res, const aws_error *err, void *ud)
{
    (void)c;
    call_ctx *x = ud;
    fetch *f = x->f;
    snapshot *s = f->snap;
    if (err)
        add_error(s, err, x->resource);
    /* Place each described group where ASGs reference it; then ask for its health. */
    for (size_t a = 0; a < s->asgs.n; a++) {
        snap_asg *sa = &s->asgs.items[a];
        for (size_t t = 0; t < sa->target_groups.n; t++) {
            snap_target_group *st = &sa->target_groups.items[t];
            for (size_t i = 0; i < res->n; i++) {
                if (!str_eq(res->items[i].target_group_arn, st->tg.target_group_arn))
                    continue;
                target_group_free(&st->tg);
                target_group_copy(&st->tg, &res->items[i]);
                st->described = true;
                break;
            }
        }
    }
    MODEL_LIST_FREE(*res, target_group_free);
    /* Health is asked per (ASG, group) slot; a group shared by two ASGs is asked twice,
     * which keeps each ASG's picture self-contained and is rare in practice. */
    for (size_t a = 0; a < s->asgs.n; a++)
        for (size_t t = 0; t < s->asgs.items[a].target_groups.n; t++)
            start_health(f, a, t);
    finish_one(x);
}

/* ---- refreshes ---- */

static void on_refreshes(aws_client *c, instance_refresh_list *res, const aws_error *err, void *ud)
{
    (void)c;
    call_ctx *x = ud;
    snap_asg *sa = &x->f->snap->asgs.items[x->asg];
    if (err) {
        add_error(x->f->snap, err, x->resource);
        error_free(&sa->refreshes_error);
        error_fill(&sa->refreshes_error, err, x->resource);
    } else {
        sa->refreshes_ok = true;
    }
    MODEL_LIST_FREE(sa->refreshes, instance_refresh_free);
    sa->refreshes = *res;
    finish_one(x);
}

/* ---- warm pools ---- */

static void on_warm_pool(aws_client *c, warm_pool *res, const aws_error *err, void *ud)
{
    (void)c;
    call_ctx *x = ud;
    snap_asg *sa = &x->f->snap->asgs.items[x->asg];
    if (err)
        add_error(x->f->snap, err, x->resource);
    else
        sa->warm_pool_ok = true;
    warm_pool_free(&sa->warm_pool);
    sa->warm_pool = *res;
    finish_one(x);
}

/* ---- groups ---- */

static void on_groups(aws_client *c, asg_group_list *res, const aws_error *err, void *ud)
{
    call_ctx *x = ud;
    fetch *f = x->f;
    snapshot *s = f->snap;
    if (err)
        add_error(s, err, x->resource);

    /* Named groups that AWS did not return do not exist (DescribeAutoScalingGroups
     * answers an empty list for unknown names). */
    if (!err && f->req.asg_names) {
        for (size_t i = 0; i < f->req.asg_names->n; i++) {
            const char *want = f->req.asg_names->items[i];
            bool found = false;
            for (size_t k = 0; k < res->n && !found; k++)
                found = str_eq(res->items[k].name, want);
            if (!found) {
                char msg[256];
                snprintf(msg, sizeof msg, "no Auto Scaling group named '%.128s' in %.32s", want, aws_client_region(c));
                add_error_text(s, "DescribeAutoScalingGroups", "AutoScalingGroupNotFound", msg, want);
            }
        }
    }

    strvec arns = { 0 };
    for (size_t i = 0; i < res->n; i++) {
        snap_asg *sa = VEC_NEW(s->asgs);
        sa->group = res->items[i];
        for (size_t t = 0; t < sa->group.target_group_arns.n; t++) {
            snap_target_group *st = VEC_NEW(sa->target_groups);
            st->tg.target_group_arn = xstrdup(sa->group.target_group_arns.items[t]);
            if (!strvec_contains(&arns, st->tg.target_group_arn))
                strvec_push(&arns, st->tg.target_group_arn);
        }
    }
    VEC_FREE(*res); /* items moved into the snapshot */

    for (size_t a = 0; a < s->asgs.n; a++) {
        call_ctx *rx = ctx_new(f, a, 0, 0, s->asgs.items[a].group.name);
        aws_error e2;
        if (svc_asg_describe_refreshes(c, s->asgs.items[a].group.name, NULL, f->req.max_refreshes, on_refreshes, rx,
                                       &e2) != 0) {
            error_fill(&s->asgs.items[a].refreshes_error, &e2, s->asgs.items[a].group.name);
            start_failed(f, rx, &e2);
        }
        if (!s->asgs.items[a].group.warm_pool.present)
            continue;
        call_ctx *wx = ctx_new(f, a, 0, 0, s->asgs.items[a].group.name);
        if (svc_asg_describe_warm_pool(c, s->asgs.items[a].group.name, on_warm_pool, wx, &e2) != 0)
            start_failed(f, wx, &e2);
    }
    if (arns.n) {
        call_ctx *tx = ctx_new(f, 0, 0, 0, NULL);
        aws_error e3;
        if (svc_elb_describe_target_groups(c, &arns, on_target_groups, tx, &e3) != 0)
            start_failed(f, tx, &e3);
    }
    strvec_free(&arns);
    finish_one(x);
}

/* ---- ECR ---- */

static void on_repos(aws_client *c, ecr_repository_list *res, const aws_error *err, void *ud)
{
    (void)c;
    call_ctx *x = ud;
    snapshot *s = x->f->snap;
    if (err)
        add_error(s, err, x->resource);
    for (size_t i = 0; i < res->n; i++) {
        for (size_t r = 0; r < s->repos.n; r++) {
            snap_repo *sr = &s->repos.items[r];
            if (!sr->repo_ok && str_eq(sr->name, res->items[i].repository_name)) {
                sr->repo = res->items[i];
                memset(&res->items[i], 0, sizeof res->items[i]);
                sr->repo_ok = true;
                break;
            }
        }
    }
    MODEL_LIST_FREE(*res, ecr_repository_free);
    finish_one(x);
}

static void on_images(aws_client *c, ecr_image_detail_list *res, const aws_error *err, void *ud)
{
    (void)c;
    call_ctx *x = ud;
    snap_repo *sr = &x->f->snap->repos.items[x->repo];
    if (err)
        add_error(x->f->snap, err, x->resource);
    else
        sr->images_ok = true;
    MODEL_LIST_FREE(sr->images, ecr_image_detail_free);
    sr->images = *res;
    ecr_images_sort_newest_first(&sr->images);
    finish_one(x);
}

static void on_alarms(aws_client *c, cw_alarm_list *res, const aws_error *err, void *ud)
{
    (void)c;
    call_ctx *x = ud;
    snapshot *s = x->f->snap;
    if (err) {
        add_error(s, err, NULL);
    } else {
        s->alarms_ok = true;
        /* A guard alarm that does not exist guards nothing: named, so status can say so. */
        for (size_t i = 0; x->f->req.alarm_names && i < x->f->req.alarm_names->n; i++) {
            const char *want = x->f->req.alarm_names->items[i];
            bool found = false;
            for (size_t k = 0; k < res->n && !found; k++)
                found = str_eq(res->items[k].alarm_name, want);
            if (!found && !strvec_contains(&s->missing_alarms, want))
                strvec_push(&s->missing_alarms, want);
        }
    }
    MODEL_LIST_FREE(s->alarms, cw_alarm_free);
    s->alarms = *res;
    finish_one(x);
}

/* ---- entry points ---- */

int snapshot_fetch(aws_client *c, const snapshot_request *req, snapshot_done_fn done, void *ud)
{
    fetch *f = xcalloc(1, sizeof *f);
    f->client = c;
    f->snap = xcalloc(1, sizeof *f->snap);
    f->req = *req;
    if (f->req.max_refreshes <= 0)
        f->req.max_refreshes = 5;
    f->done = done;
    f->ud = ud;
    /* A guard: the fetch is not done before every first-level call has been started. */
    call_ctx *guard = ctx_new(f, 0, 0, 0, NULL);
    f->snap->calls_total--;

    bool named = req->asg_names && req->asg_names->n;
    if (named || req->all_asgs_if_none) {
        call_ctx *x = ctx_new(f, 0, 0, 0, NULL);
        aws_error err;
        if (svc_asg_describe_groups(c, named ? req->asg_names : NULL, on_groups, x, &err) != 0)
            start_failed(f, x, &err);
    }
    if (req->repo_names && req->repo_names->n) {
        for (size_t i = 0; i < req->repo_names->n; i++) {
            snap_repo *sr = VEC_NEW(f->snap->repos);
            sr->name = xstrdup(req->repo_names->items[i]);
        }
        call_ctx *x = ctx_new(f, 0, 0, 0, NULL);
        aws_error err;
        if (svc_ecr_describe_repositories(c, req->repo_names, on_repos, x, &err) != 0)
            start_failed(f, x, &err);
        for (size_t i = 0; i < f->snap->repos.n; i++) {
            call_ctx *ix = ctx_new(f, 0, 0, i, f->snap->repos.items[i].name);
            if (svc_ecr_describe_images(c, f->snap->repos.items[i].name, on_images, ix, &err) != 0)
                start_failed(f, ix, &err);
        }
    }
    if (req->alarm_names && req->alarm_names->n) {
        call_ctx *x = ctx_new(f, 0, 0, 0, NULL);
        aws_error err;
        if (svc_cw_describe_alarms(c, req->alarm_names, on_alarms, x, &err) != 0)
            start_failed(f, x, &err);
    }
    finish_one(guard);
    return 0;
}

typedef struct sync_wait {
    snapshot *result;
} sync_wait;

static void sync_done(snapshot *s, void *ud)
{
    ((sync_wait *)ud)->result = s;
}

snapshot *snapshot_fetch_sync(aws_client *c, const snapshot_request *req)
{
    sync_wait w = { 0 };
    snapshot_fetch(c, req, sync_done, &w);
    aws_client_run_until_idle(c);
    return w.result; /* NULL only if the client dropped a callback */
}

void snapshot_free(snapshot *s)
{
    if (!s)
        return;
    MODEL_LIST_FREE(s->alarms, cw_alarm_free);
    strvec_free(&s->missing_alarms);
    for (size_t a = 0; a < s->asgs.n; a++) {
        snap_asg *sa = &s->asgs.items[a];
        asg_group_free(&sa->group);
        MODEL_LIST_FREE(sa->refreshes, instance_refresh_free);
        for (size_t t = 0; t < sa->target_groups.n; t++) {
            target_group_free(&sa->target_groups.items[t].tg);
            MODEL_LIST_FREE(sa->target_groups.items[t].health, target_health_desc_free);
        }
        VEC_FREE(sa->target_groups);
        error_free(&sa->refreshes_error);
        warm_pool_free(&sa->warm_pool);
    }
    VEC_FREE(s->asgs);
    for (size_t r = 0; r < s->repos.n; r++) {
        free(s->repos.items[r].name);
        ecr_repository_free(&s->repos.items[r].repo);
        MODEL_LIST_FREE(s->repos.items[r].images, ecr_image_detail_free);
    }
    VEC_FREE(s->repos);
    for (size_t e = 0; e < s->errors.n; e++)
        error_free(&s->errors.items[e]);
    VEC_FREE(s->errors);
    free(s);
}
