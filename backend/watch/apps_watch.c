/* apps_watch.c — polls every configured app for the Apps overview (apps_watch.h).
 * A source is one profile/region: a creds_job while its credentials resolve, then a
 * creds_session whose client the apps on it share. A poll of one app is a round of
 * parallel calls (DescribeAutoScalingGroups → DescribeTargetHealth per target group,
 * DescribeInstanceRefreshes, DescribeImages, DescribeAlarms); its answers are
 * gathered and replace the row together when the last one lands, so the overview
 * never shows half of one poll and half of the next. */
#include "watch/apps_watch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/join.h"
#include "services/refresh_phase.h"
#include "services/services.h"

#define APPS_RETRY_AFTER_ERROR_MS 8000

typedef struct aw_source {
    char *profile; /* as asked (NULL: default chain) */
    char *region;  /* resolved; NULL when it could not be */
    app_creds_state state;
    char error[320];
    creds_job *job;
    creds_session *sess; /* heap: its client's refresh hook points at it */
} aw_source;

/* What one round gathers before it replaces the row. */
typedef struct aw_round {
    bool failed;
    char error[320];
    bool groups_ok, group_found;
    int desired, in_service;
    bool health_failed;
    int healthy, targets;
    bool refresh_ok, has_pct, active;
    int pct;
    char *refresh_status;
    bool images_ok, live_found;
    char *live_commit, *live_digest, *stable_digest;
    bool alarms_ok;
    int alarms_total, alarms_alarm, alarms_insufficient;
    char *alarm_first;
} aw_round;

typedef struct aw_app {
    app_status st;
    char *region_asked;
    char *stable_tag;
    strvec alarms;
    aw_source *src;
    int64_t next_due;
    unsigned round_id;
    aws_join join; /* this round's calls (part_done) */
    aw_round r;
} aw_app;

struct apps_watch {
    VEC(aw_app *) apps;
    VEC(aw_source *) sources;
    creds_hooks hooks;
    char *endpoint_url;
    int interval_ms, active_ms;
    bool paused, changed, closing;
};

typedef struct aw_call {
    apps_watch *aw;
    aw_app *a;
    unsigned round_id;
} aw_call;

/* ---- sources ---- */

static void source_fail(aw_source *s, const char *msg)
{
    s->state = APP_CREDS_FAILED;
    str_copy(s->error, sizeof s->error, msg);
}

static void source_adopt(apps_watch *aw, aw_source *s, const aws_credentials *cr)
{
    creds_request req = { .profile = s->profile, .region = s->region };
    creds_session *ns = xcalloc(1, sizeof *ns);
    strbuf err;
    sb_init(&err);
    if (creds_session_adopt(ns, &req, cr, aw->endpoint_url, &aw->hooks, true, &err) == 0) {
        s->sess = ns;
        s->state = APP_CREDS_READY;
        s->error[0] = '\0';
    } else {
        free(ns);
        source_fail(s, err.buf);
    }
    sb_free(&err);
}

static void source_open(apps_watch *aw, aw_source *s, const creds_session *seed)
{
    if (!s->region)
        return; /* failed for good: the message was set when it was made */
    if (seed && seed->client && str_eq(seed->profile, s->profile) && str_eq(seed->region, s->region)) {
        source_adopt(aw, s, &seed->creds);
        return;
    }
    creds_request req = { .profile = s->profile, .region = s->region };
    s->state = APP_CREDS_RESOLVING;
    s->error[0] = '\0';
    creds_hooks h = aw->hooks;
    h.endpoint_url = aw->endpoint_url;
    s->job = creds_job_start(&req, &h); /* may ask for an MFA code through the hook */
}

static aw_source *source_for(apps_watch *aw, const char *profile, const char *region_asked)
{
    creds_request req = { .profile = profile, .region = region_asked };
    char *region = NULL;
    strbuf err;
    sb_init(&err);
    bool have_region = region_resolve(&req, &region, &err) == 0;
    for (size_t i = 0; have_region && i < aw->sources.n; i++) {
        aw_source *s = aw->sources.items[i];
        if (str_eq(s->profile, profile) && str_eq(s->region, region)) {
            free(region);
            sb_free(&err);
            return s;
        }
    }
    aw_source *s = xcalloc(1, sizeof *s);
    s->profile = xstrdup(profile);
    s->region = region;
    if (!have_region)
        source_fail(s, err.buf);
    sb_free(&err);
    VEC_PUSH(aw->sources, s);
    return s;
}

static void source_run(apps_watch *aw, aw_source *s)
{
    if (s->job) {
        creds_job_run(s->job);
        if (creds_job_done(s->job)) {
            aws_credentials cr;
            strbuf err;
            sb_init(&err);
            if (creds_job_result(s->job, &cr, &err) == 0)
                source_adopt(aw, s, &cr);
            else
                source_fail(s, err.buf);
            aws_credentials_free(&cr);
            sb_free(&err);
            creds_job_free(s->job);
            s->job = NULL;
            aw->changed = true;
        }
    }
    if (s->sess) {
        creds_session_tick(s->sess);
        aws_client_run(s->sess->client);
    }
}

static void source_free(aw_source *s)
{
    if (s->job)
        creds_job_free(s->job);
    if (s->sess) {
        creds_session_close(s->sess);
        free(s->sess);
    }
    free(s->profile);
    free(s->region);
    free(s);
}

/* ---- one round of calls for one app ---- */

static void round_clear(aw_round *r)
{
    free(r->refresh_status);
    free(r->live_commit);
    free(r->live_digest);
    free(r->stable_digest);
    free(r->alarm_first);
    memset(r, 0, sizeof *r);
}

static void interval_next(apps_watch *aw, aw_app *a, bool failed)
{
    int ms = a->st.refresh_active ? aw->active_ms : aw->interval_ms;
    if (failed && ms > APPS_RETRY_AFTER_ERROR_MS)
        ms = APPS_RETRY_AFTER_ERROR_MS;
    a->next_due = mono_now_ms() + ms;
}

/* The last answer of a round: what succeeded replaces the row's parts. */
static void round_finish(apps_watch *aw, aw_app *a)
{
    aw_round *r = &a->r;
    app_status *st = &a->st;
    if (r->groups_ok) {
        st->group_known = true;
        st->group_found = r->group_found;
        st->desired = r->desired;
        st->in_service = r->in_service;
        if (!r->health_failed) {
            st->healthy = r->healthy;
            st->targets = r->group_found ? r->targets : -1;
        }
    }
    if (r->refresh_ok) {
        st->refresh_known = true;
        str_set(&st->refresh_status, r->refresh_status);
        st->has_refresh_pct = r->has_pct;
        st->refresh_pct = r->pct;
        st->refresh_active = r->active;
    }
    if (r->images_ok) {
        st->live_known = true;
        st->live_found = r->live_found;
        str_set(&st->live_commit, r->live_commit);
        str_set(&st->live_digest, r->live_digest);
        str_set(&st->stable_digest, r->stable_digest);
    }
    if (r->alarms_ok) {
        st->alarms_known = true;
        st->alarms_total = r->alarms_total;
        st->alarms_alarm = r->alarms_alarm;
        st->alarms_insufficient = r->alarms_insufficient;
        str_set(&st->alarm_first, r->alarm_first);
    }
    st->polling = false;
    st->polls++;
    st->stale = r->failed;
    if (r->failed) {
        str_copy(st->error, sizeof st->error, r->error);
    } else {
        st->fetched_at = time_now_ms();
        if (r->groups_ok && !r->group_found)
            snprintf(st->error, sizeof st->error, "no Auto Scaling group named %.100s in %.30s", st->asg, st->region);
        else
            st->error[0] = '\0';
    }
    interval_next(aw, a, r->failed);
    round_clear(r);
    aw->changed = true;
}

static void part_done(apps_watch *aw, aw_app *a, const aws_error *err)
{
    if (err && !a->r.failed) {
        a->r.failed = true;
        aws_error_format(err, a->r.error, sizeof a->r.error);
    }
    if (join_arrive(&a->join, err))
        round_finish(aw, a);
}

static aw_call *call_new(apps_watch *aw, aw_app *a)
{
    aw_call *x = xcalloc(1, sizeof *x);
    x->aw = aw;
    x->a = a;
    x->round_id = a->round_id;
    join_add(&a->join);
    return x;
}

/* False when the answer no longer matters (the watch is closing). */
static bool call_live(const aw_call *x)
{
    return !x->aw->closing && x->round_id == x->a->round_id;
}

static void call_start_failed(aw_call *x, const aws_error *err)
{
    part_done(x->aw, x->a, err);
    free(x);
}

static void on_health(aws_client *c, target_health_list *res, const aws_error *err, void *ud)
{
    (void)c;
    aw_call *x = ud;
    if (call_live(x)) {
        aw_round *r = &x->a->r;
        if (err) {
            r->health_failed = true;
        } else {
            for (size_t i = 0; i < res->n; i++) {
                r->targets++;
                r->healthy += str_eq(res->items[i].state, "healthy");
            }
        }
        part_done(x->aw, x->a, err);
    }
    MODEL_LIST_FREE(*res, target_health_desc_free);
    free(x);
}

static void on_groups(aws_client *c, asg_group_list *res, const aws_error *err, void *ud)
{
    aw_call *x = ud;
    if (call_live(x)) {
        aw_app *a = x->a;
        aw_round *r = &a->r;
        const asg_group *g = NULL;
        for (size_t i = 0; !err && i < res->n && !g; i++)
            if (str_eq(res->items[i].name, a->st.asg))
                g = &res->items[i];
        if (err) {
            r->health_failed = true;
        } else {
            r->groups_ok = true;
            r->group_found = g != NULL;
        }
        if (g) {
            r->desired = g->desired_capacity;
            for (size_t i = 0; i < g->instances.n; i++)
                r->in_service += str_eq(g->instances.items[i].lifecycle_state, "InService");
            for (size_t i = 0; i < g->target_group_arns.n; i++) {
                aw_call *hx = call_new(x->aw, a);
                aws_error e2;
                if (svc_elb_describe_target_health(c, g->target_group_arns.items[i], on_health, hx, &e2) != 0) {
                    r->health_failed = true;
                    call_start_failed(hx, &e2);
                }
            }
        }
        part_done(x->aw, a, err);
    }
    MODEL_LIST_FREE(*res, asg_group_free);
    free(x);
}

static void on_refreshes(aws_client *c, instance_refresh_list *res, const aws_error *err, void *ud)
{
    (void)c;
    aw_call *x = ud;
    if (call_live(x)) {
        aw_round *r = &x->a->r;
        if (!err) {
            r->refresh_ok = true;
            if (res->n) {
                const instance_refresh *ir = &res->items[0]; /* newest first */
                r->refresh_status = xstrdup(ir->status);
                /* During a rollback AWS's percentage falls: show the rollback's progress. */
                refresh_phase ph;
                refresh_phase_of(ir, &ph);
                r->has_pct = ph.has_pct;
                r->pct = ph.pct;
                r->active = refresh_status_active(ir->status);
            }
        }
        part_done(x->aw, x->a, err);
    }
    MODEL_LIST_FREE(*res, instance_refresh_free);
    free(x);
}

static void on_images(aws_client *c, ecr_image_detail_list *res, const aws_error *err, void *ud)
{
    (void)c;
    aw_call *x = ud;
    if (call_live(x)) {
        aw_app *a = x->a;
        aw_round *r = &a->r;
        if (!err) {
            r->images_ok = true;
            const ecr_image_detail *live = ecr_image_with_tag(res, a->st.live_tag);
            const ecr_image_detail *stable = ecr_image_with_tag(res, a->stable_tag);
            if (live) {
                r->live_found = true;
                r->live_digest = xstrdup(live->image_digest);
                /* The commit tag: another tag on the same image, not the stable one. */
                r->live_commit = xstrdup(ecr_commit_tag(live, a->st.live_tag, a->stable_tag));
            }
            if (stable)
                r->stable_digest = xstrdup(stable->image_digest);
        }
        part_done(x->aw, a, err);
    }
    MODEL_LIST_FREE(*res, ecr_image_detail_free);
    free(x);
}

static void on_alarms(aws_client *c, cw_alarm_list *res, const aws_error *err, void *ud)
{
    (void)c;
    aw_call *x = ud;
    if (call_live(x)) {
        aw_round *r = &x->a->r;
        if (!err) {
            r->alarms_ok = true;
            for (size_t i = 0; i < res->n; i++) {
                const cw_alarm *al = &res->items[i];
                r->alarms_total++;
                if (str_eq(al->state_value, "ALARM")) {
                    if (!r->alarms_alarm++)
                        r->alarm_first = xstrdup(al->alarm_name);
                } else if (str_eq(al->state_value, "INSUFFICIENT_DATA")) {
                    r->alarms_insufficient++;
                }
            }
        }
        part_done(x->aw, x->a, err);
    }
    MODEL_LIST_FREE(*res, cw_alarm_free);
    free(x);
}

static void round_start(apps_watch *aw, aw_app *a)
{
    aws_client *c = a->src->sess->client;
    round_clear(&a->r);
    a->round_id++;
    a->st.polling = true;
    join_begin(&a->join);
    join_add(&a->join); /* held until every call is started, so no round ends early */
    aws_error err;
    strvec names = { 0 };
    strvec_push(&names, a->st.asg);
    aw_call *x = call_new(aw, a);
    if (svc_asg_describe_groups(c, &names, on_groups, x, &err) != 0) {
        a->r.health_failed = true;
        call_start_failed(x, &err);
    }
    strvec_free(&names);
    x = call_new(aw, a);
    if (svc_asg_describe_refreshes(c, a->st.asg, NULL, 1, on_refreshes, x, &err) != 0)
        call_start_failed(x, &err);
    if (a->st.repository) {
        x = call_new(aw, a);
        if (svc_ecr_describe_images(c, a->st.repository, on_images, x, &err) != 0)
            call_start_failed(x, &err);
    }
    if (a->alarms.n) {
        x = call_new(aw, a);
        if (svc_cw_describe_alarms(c, &a->alarms, on_alarms, x, &err) != 0)
            call_start_failed(x, &err);
    }
    part_done(aw, a, NULL);
    aw->changed = true;
}

/* ---- the watch ---- */

apps_watch *apps_watch_new(const apps_watch_opts *o)
{
    apps_watch *aw = xcalloc(1, sizeof *aw);
    if (o->hooks)
        aw->hooks = *o->hooks;
    aw->endpoint_url = xstrdup(o->endpoint_url);
    aw->hooks.endpoint_url = aw->endpoint_url;
    aw->interval_ms = o->interval_ms > 0 ? o->interval_ms : 15000;
    aw->active_ms = o->active_interval_ms > 0 ? o->active_interval_ms : 2000;
    for (size_t i = 0; i < o->n_apps; i++) {
        const apps_watch_app *in = &o->apps[i];
        aw_app *a = xcalloc(1, sizeof *a);
        a->st.name = xstrdup(in->name);
        a->st.profile = xstrdup(in->profile);
        a->st.asg = xstrdup(in->asg);
        a->st.repository = xstrdup(in->repository);
        a->st.live_tag = xstrdup(in->live_tag ? in->live_tag : "prod");
        a->stable_tag = xstrdup(in->stable_tag ? in->stable_tag : "prod-stable");
        a->region_asked = xstrdup(in->region);
        a->st.targets = -1;
        for (size_t k = 0; in->alarms && k < in->alarms->n; k++)
            strvec_push(&a->alarms, in->alarms->items[k]);
        a->st.alarms_configured = (int)a->alarms.n;
        size_t before = aw->sources.n;
        a->src = source_for(aw, in->profile, in->region);
        if (aw->sources.n > before)
            source_open(aw, a->src, o->seed);
        a->st.region = xstrdup(a->src->region ? a->src->region : "");
        VEC_PUSH(aw->apps, a);
    }
    aw->changed = true;
    return aw;
}

void apps_watch_free(apps_watch *aw)
{
    if (!aw)
        return;
    /* Closing a session cancels its calls: their callbacks see `closing`. */
    aw->closing = true;
    for (size_t i = 0; i < aw->sources.n; i++)
        source_free(aw->sources.items[i]);
    VEC_FREE(aw->sources);
    for (size_t i = 0; i < aw->apps.n; i++) {
        aw_app *a = aw->apps.items[i];
        app_status *st = &a->st;
        free(st->name);
        free(st->profile);
        free(st->asg);
        free(st->repository);
        free(st->live_tag);
        free(st->region);
        free(st->live_commit);
        free(st->live_digest);
        free(st->stable_digest);
        free(st->refresh_status);
        free(st->alarm_first);
        free(a->region_asked);
        free(a->stable_tag);
        strvec_free(&a->alarms);
        round_clear(&a->r);
        free(a);
    }
    VEC_FREE(aw->apps);
    free(aw->endpoint_url);
    free(aw);
}

/* Mirrors the source's credential state into the rows that use it. */
static void sync_creds(apps_watch *aw, aw_app *a)
{
    app_status *st = &a->st;
    if (st->creds != a->src->state || strcmp(st->creds_error, a->src->error) != 0) {
        st->creds = a->src->state;
        str_copy(st->creds_error, sizeof st->creds_error, a->src->error);
        aw->changed = true;
    }
}

void apps_watch_run(apps_watch *aw, int64_t now)
{
    for (size_t i = 0; i < aw->sources.n; i++)
        source_run(aw, aw->sources.items[i]);
    for (size_t i = 0; i < aw->apps.n; i++) {
        aw_app *a = aw->apps.items[i];
        sync_creds(aw, a);
        if (aw->paused || a->st.polling || !a->src->sess || now < a->next_due)
            continue;
        round_start(aw, a);
    }
}

int apps_watch_next_due_ms(const apps_watch *aw, int64_t now)
{
    int64_t best = INT32_MAX;
    for (size_t i = 0; i < aw->sources.n; i++) {
        const aw_source *s = aw->sources.items[i];
        if (s->job || (s->sess && (s->sess->refresh || aws_client_busy(s->sess->client))))
            return APPS_WATCH_BUSY_MS;
    }
    for (size_t i = 0; i < aw->apps.n && !aw->paused; i++) {
        const aw_app *a = aw->apps.items[i];
        if (a->src->sess && !a->st.polling && a->next_due - now < best)
            best = a->next_due - now;
    }
    return best < 0 ? 0 : best > INT32_MAX ? INT32_MAX : (int)best;
}

void apps_watch_pause(apps_watch *aw, bool paused)
{
    aw->paused = paused;
}

void apps_watch_refresh_now(apps_watch *aw)
{
    for (size_t i = 0; i < aw->apps.n; i++)
        aw->apps.items[i]->next_due = 0;
    for (size_t i = 0; i < aw->sources.n; i++) {
        aw_source *s = aw->sources.items[i];
        if (s->state == APP_CREDS_FAILED && !s->job && !s->sess)
            source_open(aw, s, NULL);
    }
}

bool apps_watch_take_changes(apps_watch *aw)
{
    bool c = aw->changed;
    aw->changed = false;
    return c;
}

size_t apps_watch_count(const apps_watch *aw)
{
    return aw->apps.n;
}

const app_status *apps_watch_get(const apps_watch *aw, size_t i)
{
    return i < aw->apps.n ? &aw->apps.items[i]->st : NULL;
}

const creds_session *apps_watch_session(const apps_watch *aw, size_t i)
{
    return i < aw->apps.n ? aw->apps.items[i]->src->sess : NULL;
}

/* ---- texts ---- */

void app_status_live_text(const app_status *st, char *buf, size_t len)
{
    if (!st->repository)
        snprintf(buf, len, "-");
    else if (!st->live_known)
        snprintf(buf, len, "?");
    else if (!st->live_found)
        snprintf(buf, len, "%.60s missing", st->live_tag);
    else if (st->live_commit)
        snprintf(buf, len, "%.60s=%.60s", st->live_tag, st->live_commit);
    else {
        const char *d = st->live_digest ? st->live_digest : "";
        snprintf(buf, len, "%.60s=%.12s", st->live_tag, strncmp(d, "sha256:", 7) ? d : d + 7);
    }
}

void app_status_refresh_text(const app_status *st, char *buf, size_t len)
{
    if (!st->refresh_known)
        snprintf(buf, len, "-");
    else if (!st->refresh_status)
        snprintf(buf, len, "none");
    else if (st->refresh_active && st->has_refresh_pct)
        snprintf(buf, len, "%.40s %d%%", st->refresh_status, st->refresh_pct);
    else
        snprintf(buf, len, "%.40s", st->refresh_status);
}

void app_status_targets_text(const app_status *st, char *buf, size_t len)
{
    if (st->targets < 0)
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%d/%d", st->healthy, st->targets);
}

void app_status_alarms_text(const app_status *st, char *buf, size_t len)
{
    if (!st->alarms_configured || !st->alarms_known)
        snprintf(buf, len, "-");
    else if (st->alarms_alarm == 1)
        snprintf(buf, len, "ALARM %.60s", st->alarm_first ? st->alarm_first : "");
    else if (st->alarms_alarm > 1)
        snprintf(buf, len, "ALARM %d of %d", st->alarms_alarm, st->alarms_total);
    else if (st->alarms_total == 0)
        snprintf(buf, len, "not found");
    else if (st->alarms_insufficient)
        snprintf(buf, len, "INSUFFICIENT_DATA");
    else
        snprintf(buf, len, "OK (%d)", st->alarms_total);
}

bool app_status_broken(const app_status *st)
{
    if (!st->refresh_known || !st->live_known)
        return false;
    return app_left_broken(st->refresh_status, st->live_digest, st->stable_digest);
}
