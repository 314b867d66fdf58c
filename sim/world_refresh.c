/* world_refresh.c — instance refreshes as AWS documents them: Pending → InProgress →
 * (Baking) → Successful / Failed / Cancelled, and RollbackInProgress → Rollback* (a
 * rollback can be cancelled too). Replacement is bounded by MinHealthyPercentage
 * (healthy capacity never below it, rounded up) and MaxHealthyPercentage (above 100:
 * launch before terminating); InstanceWarmup, checkpoints (a last one under 100 ends a
 * partial refresh), SkipMatching, BakeTime, AlarmSpecification, AutoRollback,
 * StandbyInstances, ScaleInProtectedInstances, suspended processes and the warm pool
 * apply. A refresh unable to continue fails after the user guide's one hour.
 * Every rule and its source: docs/simulator.md. */
#include "world_int.h"

#include <stdio.h>
#include <stdlib.h>

/* The user guide's one-hour timeout: a refresh that cannot continue (replacements that
 * do not pass health checks, instances on standby or protected from scale in it must
 * wait for) keeps retrying for an hour, then fails. */
#define REFRESH_STALL_LIMIT_S 3600
/* How long past its warm-up (or grace period, the longer) a replacement may stay short
 * of healthy before the refresh counts as unable to continue: the simulator's own. */
#define REFRESH_HEALTHY_PATIENCE_S 600

enum { STALL_NONE, STALL_HEALTH, STALL_STANDBY, STALL_PROTECTED };

static void refresh_copy(instance_refresh *d, const instance_refresh *s)
{
    *d = *s;
    d->instance_refresh_id = xstrdup(s->instance_refresh_id);
    d->auto_scaling_group_name = xstrdup(s->auto_scaling_group_name);
    d->status = xstrdup(s->status);
    d->status_reason = xstrdup(s->status_reason);
    refresh_prefs_copy(&d->preferences, &s->preferences);
    d->desired_launch_template.launch_template_id = xstrdup(s->desired_launch_template.launch_template_id);
    d->desired_launch_template.launch_template_name = xstrdup(s->desired_launch_template.launch_template_name);
    d->desired_launch_template.version = xstrdup(s->desired_launch_template.version);
    d->rollback_details.rollback_reason = xstrdup(s->rollback_details.rollback_reason);
    d->strategy = xstrdup(s->strategy);
}

void w_refresh_free(sim_world *w)
{
    for (size_t i = 0; i < w->refreshes.n; i++) {
        w_refresh *r = &w->refreshes.items[i];
        instance_refresh_free(&r->r);
        VEC_FREE(r->to_replace);
        VEC_FREE(r->warm_replace);
        free(r->target_ver_spec);
        free(r->orig_ver_spec);
    }
    VEC_FREE(w->refreshes);
}

/* ---------- status changes ---------- */

static void set_status(sim_world *w, w_refresh *r, const char *status_in, const char *reason_in)
{
    /* copies first: callers pass the refresh's own strings back in */
    char status[32], reason_buf[256];
    str_copy(status, sizeof status, status_in);
    const char *reason = reason_in ? (str_copy(reason_buf, sizeof reason_buf, reason_in), reason_buf) : NULL;
    bool changed = !str_eq(r->r.status, status) || !str_eq(r->r.status_reason, reason);
    str_set(&r->r.status, status);
    str_set(&r->r.status_reason, reason);
    if (!changed)
        return;
    strbuf sb;
    sb_init(&sb);
    w_json_str(&sb, reason);
    w_event(w, "refresh_status", "\"asg\":\"%s\",\"refresh\":\"%s\",\"status\":\"%s\",\"reason\":%s",
            r->r.auto_scaling_group_name, r->r.instance_refresh_id, status, sb.buf);
    sb_free(&sb);
}

static void finish(sim_world *w, w_refresh *r, const char *status, const char *reason)
{
    set_status(w, r, status, reason);
    r->r.end_time = w->now;
    w->asgs.items[r->asg].active_refresh = -1;
    VEC_FREE(r->to_replace);
    VEC_FREE(r->warm_replace);
}

/* ---------- which instances, and how far ---------- */

static bool live(const w_instance *in)
{
    return in->lc == LC_PENDING || in->lc == LC_INSERVICE;
}
static bool warm_alive(const w_instance *in)
{
    return in->lc == LC_WARM_PENDING || in->lc == LC_WARMED;
}

/* Ignore: the preferences leave the instance out of the refresh altogether. */
static bool ignored(const w_refresh *r, const w_instance *in)
{
    const refresh_prefs *p = &r->r.preferences;
    if (in->lc == LC_STANDBY)
        return str_eq(p->standby_instances, "Ignore");
    return in->protected_ && str_eq(p->scale_in_protected_instances, "Ignore");
}

/* Wait: the instance is to be replaced, but only once the user has returned it to
 * service / removed its protection. STALL_* of what it waits for, or STALL_NONE. */
static int blocked(const w_refresh *r, const w_instance *in)
{
    const refresh_prefs *p = &r->r.preferences;
    if (in->lc == LC_STANDBY)
        return str_eq(p->standby_instances, "Wait") ? STALL_STANDBY : STALL_NONE;
    if (in->protected_ && str_eq(p->scale_in_protected_instances, "Wait"))
        return STALL_PROTECTED;
    return STALL_NONE;
}

static void collect_to_replace(sim_world *w, w_refresh *r, bool skip_matching)
{
    const w_asg *a = &w->asgs.items[r->asg];
    r->to_replace.n = r->warm_replace.n = 0;
    r->live_initial = r->standby_initial = r->warm_initial = 0;
    for (size_t i = 0; i < a->instances.n; i++) {
        int idx = a->instances.items[i];
        const w_instance *in = &w->instances.items[idx];
        if (!live(in) && in->lc != LC_STANDBY)
            continue;
        if ((skip_matching && w_instance_matches(w, idx, r->target_lt, r->target_ver)) || ignored(r, in))
            continue;
        VEC_PUSH(r->to_replace, idx);
        if (in->lc == LC_STANDBY)
            r->standby_initial++;
        else
            r->live_initial++;
    }
    /* an instance refresh replaces the InService instances first, then the warm pool's */
    for (size_t i = 0; i < a->warm.n; i++) {
        int idx = a->warm.items[i];
        if (!warm_alive(&w->instances.items[idx]) ||
            (skip_matching && w_instance_matches(w, idx, r->target_lt, r->target_ver)))
            continue;
        VEC_PUSH(r->warm_replace, idx);
        r->warm_initial++;
    }
    r->initial_count = r->live_initial + r->standby_initial + r->warm_initial;
}

typedef struct old_left {
    int live, standby, warm;
} old_left;

/* Forgets instances that are gone (health replacement, scale-in); counts those left. */
static old_left alive_old(const sim_world *w, w_refresh *r)
{
    old_left o = { 0 };
    size_t k = 0;
    for (size_t i = 0; i < r->to_replace.n; i++) {
        const w_instance *in = &w->instances.items[r->to_replace.items[i]];
        if (!live(in) && in->lc != LC_STANDBY)
            continue;
        r->to_replace.items[k++] = r->to_replace.items[i];
        if (in->lc == LC_STANDBY)
            o.standby++;
        else
            o.live++;
    }
    r->to_replace.n = k;
    k = 0;
    for (size_t i = 0; i < r->warm_replace.n; i++)
        if (warm_alive(&w->instances.items[r->warm_replace.items[i]]))
            r->warm_replace.items[k++] = r->warm_replace.items[i];
    r->warm_replace.n = k;
    o.warm = (int)k;
    return o;
}

/* Replacements launched by this refresh that are not yet healthy and warmed up.
 * example (>= 24 bytes) gets one such instance id: a copy, since launches move the
 * instance array; *waiting_elb says whether it is warmed up but not yet ELB-healthy;
 * *overdue whether one has been in service well past its warm-up without being healthy. */
static int in_flight(const sim_world *w, const w_refresh *r, char *example, bool *overdue, bool *waiting_elb)
{
    const w_asg *a = &w->asgs.items[r->asg];
    int n = 0;
    for (size_t i = 0; i < a->instances.n; i++) {
        int idx = a->instances.items[i];
        const w_instance *in = &w->instances.items[idx];
        if (in->refresh_gen != r->gen || !live(in))
            continue;
        if (w_instance_healthy(w, idx))
            continue;
        n++;
        if (example && !*example) {
            str_copy(example, 24, in->id);
            if (waiting_elb)
                *waiting_elb = in->lc == LC_INSERVICE && w->now >= in->in_service_at + (aws_time)r->warmup_s * 1000;
        }
        int patience =
            (a->sc->grace_period_s > r->warmup_s ? a->sc->grace_period_s : r->warmup_s) + REFRESH_HEALTHY_PATIENCE_S;
        if (overdue && in->lc == LC_INSERVICE && w->now > in->in_service_at + (aws_time)patience * 1000) {
            *overdue = true;
            if (example)
                str_copy(example, 24, in->id);
        }
    }
    return n;
}

/* Replacements launched by this refresh that are alive, and how many of them count as healthy. */
static int new_alive(const sim_world *w, const w_refresh *r, int *healthy)
{
    const w_asg *a = &w->asgs.items[r->asg];
    int n = 0, h = 0;
    for (size_t i = 0; i < a->instances.n; i++) {
        int idx = a->instances.items[i];
        const w_instance *in = &w->instances.items[idx];
        if (in->refresh_gen != r->gen || !live(in))
            continue;
        n++;
        h += w_instance_healthy(w, idx);
    }
    if (healthy)
        *healthy = h;
    return n;
}

/* Warm pool instances this refresh launched: ready (warmed) and still on their way. */
static int warm_new(const sim_world *w, const w_refresh *r, int *pending)
{
    const w_asg *a = &w->asgs.items[r->asg];
    int ready = 0, pend = 0;
    for (size_t i = 0; i < a->warm.n; i++) {
        const w_instance *in = &w->instances.items[a->warm.items[i]];
        if (in->refresh_gen != r->gen)
            continue;
        ready += in->lc == LC_WARMED;
        pend += in->lc == LC_WARM_PENDING;
    }
    if (pending)
        *pending = pend;
    return ready;
}

static int clamp0(int v)
{
    return v < 0 ? 0 : v;
}

/* An instance counts as updated once its old one is gone and a new one is healthy and
 * past its warm-up (InstanceRefresh.PercentageComplete). During a rollback the
 * percentage goes back down to zero as the rollback replaces the refresh's instances,
 * and InstancesToUpdate keeps the instances the refresh had not updated. */
static void update_progress(sim_world *w, w_refresh *r, old_left old)
{
    int healthy_new = 0;
    new_alive(w, r, &healthy_new);
    int live_done = clamp0(r->live_initial - old.live);
    if (live_done > healthy_new)
        live_done = healthy_new;
    int standby_done = clamp0(r->standby_initial - old.standby);
    int warm_done = clamp0(r->warm_initial - old.warm);
    int ready = warm_new(w, r, NULL);
    if (warm_done > ready)
        warm_done = ready;
    int done = live_done + standby_done + warm_done;
    if (done > r->done) {
        r->done = done;
        r->stall_since = 0;
        r->stall_kind = STALL_NONE;
    }
    int pct, left;
    if (r->rolling_back) {
        pct = r->initial_count ? r->rb_pct0 * (r->initial_count - r->done) / r->initial_count : 0;
        if (pct > r->r.percentage_complete)
            pct = r->r.percentage_complete;
        left = r->r.instances_to_update;
    } else {
        pct = r->initial_count ? r->done * 100 / r->initial_count : 100;
        left = r->initial_count - r->done;
    }
    if (pct != r->r.percentage_complete || left != r->r.instances_to_update) {
        r->r.percentage_complete = pct;
        r->r.instances_to_update = left;
        w_event(w, "refresh_progress", "\"asg\":\"%s\",\"refresh\":\"%s\",\"percentage\":%d,\"to_update\":%d",
                r->r.auto_scaling_group_name, r->r.instance_refresh_id, pct, left);
    }
    refresh_progress *pd = &r->r.progress_details;
    pd->has_live = true;
    if (r->rolling_back) {
        pd->live_percentage_complete = pct;
        pd->live_instances_to_update = left;
    } else {
        int live_total = r->live_initial + r->standby_initial;
        pd->live_percentage_complete = live_total ? (live_done + standby_done) * 100 / live_total : 100;
        pd->live_instances_to_update = live_total - (live_done + standby_done);
    }
    if (w->asgs.items[r->asg].sc->warm_pool.present && !r->rolling_back) {
        pd->has_warm = true;
        pd->warm_percentage_complete = r->warm_initial ? warm_done * 100 / r->warm_initial : 100;
        pd->warm_instances_to_update = r->warm_initial - warm_done;
    }
}

static void start_rollback(sim_world *w, w_refresh *r, const char *reason)
{
    r->rolling_back = true;
    refresh_rollback *rb = &r->r.rollback_details;
    rb->present = true;
    str_set(&rb->rollback_reason, reason);
    rb->rollback_start_time = w->now;
    /* PercentageComplete and InstancesToUpdate (and the progress details) as they were
     * when the rollback started */
    rb->has_percentage_complete_on_rollback = true;
    rb->percentage_complete_on_rollback = r->r.percentage_complete;
    rb->has_instances_to_update_on_rollback = true;
    rb->instances_to_update_on_rollback = r->r.instances_to_update;
    rb->progress_details_on_rollback = r->r.progress_details;
    r->rb_pct0 = r->r.percentage_complete;
    /* roll the original configuration back out, with fresh ids for what it launches;
     * the group goes back to it too (it may have taken the new one before baking) */
    w_asg *a = &w->asgs.items[r->asg];
    a->lt = r->orig_lt;
    a->lt_version = r->orig_ver;
    str_set(&a->lt_version_spec, r->orig_ver_spec);
    r->target_lt = r->orig_lt;
    r->target_ver = r->orig_ver;
    str_set(&r->target_ver_spec, r->orig_ver_spec);
    r->gen = ++w->refresh_gen;
    r->health_failures = 0;
    r->paused_until = r->bake_until = 0;
    r->stall_since = 0;
    r->stall_kind = STALL_NONE;
    r->next_checkpoint = (int)r->r.preferences.checkpoint_percentages.n; /* no checkpoints on rollback */
    collect_to_replace(w, r, true); /* the instances the refresh has deployed so far */
    r->done = 0;
    set_status(w, r, "RollbackInProgress", reason);
}

static void fail(sim_world *w, w_refresh *r, const char *reason)
{
    if (r->rolling_back) {
        finish(w, r, "RollbackFailed", reason);
        return;
    }
    if (r->r.preferences.auto_rollback && r->r.has_desired_configuration) {
        start_rollback(w, r, reason);
        return;
    }
    finish(w, r, "Failed", reason);
}

/* Replacements failing their health checks: the refresh cannot continue from now on. */
void w_refresh_note_health_failure(sim_world *w, int inst)
{
    const w_instance *in = &w->instances.items[inst];
    int ai = w->asgs.items[in->asg].active_refresh;
    if (ai < 0)
        return;
    w_refresh *r = &w->refreshes.items[ai];
    if (in->refresh_gen != r->gen)
        return;
    r->health_failures++;
    str_copy(r->last_failed, sizeof r->last_failed, in->id);
    if (!r->stall_since) {
        r->stall_since = w->now;
        r->stall_kind = STALL_HEALTH;
        str_copy(r->stall_example, sizeof r->stall_example, in->id);
    }
}

bool w_refresh_launch_config(const sim_world *w, int asg, int *lt, int *ver, const char **spec, int *gen)
{
    int ai = w->asgs.items[asg].active_refresh;
    if (ai < 0)
        return false;
    const w_refresh *r = &w->refreshes.items[ai];
    if (!str_eq(r->r.status, "InProgress") && !str_eq(r->r.status, "RollbackInProgress"))
        return false;
    *lt = r->target_lt;
    *ver = r->target_ver;
    *spec = r->target_ver_spec;
    *gen = r->gen;
    return true;
}

/* ---------- stepping ---------- */

static const char *alarm_firing(const sim_world *w, const w_refresh *r)
{
    const refresh_prefs *p = &r->r.preferences;
    for (size_t i = 0; p->has_alarm_specification && i < p->alarms.n; i++)
        if (w_cw_in_alarm(w, p->alarms.items[i]))
            return p->alarms.items[i];
    return NULL;
}

/* The suspended process that keeps the refresh from replacing instances, or NULL
 * (user guide, "Suspend and resume processes": with Launch or Terminate suspended
 * InstanceRefresh does not replace instances; InstanceRefresh suspended pauses it). */
static const char *held_by_process(const sim_world *w, const w_refresh *r)
{
    static const char *const holders[] = { "Launch", "Terminate", "InstanceRefresh" };
    for (size_t i = 0; i < ARRAY_LEN(holders); i++)
        if (w_asg_suspended(w, r->asg, holders[i]))
            return holders[i];
    return NULL;
}

/* The last checkpoint, when it is under 100: the refresh ends once it is reached. */
static int partial_goal(const w_refresh *r)
{
    const refresh_prefs *p = &r->r.preferences;
    if (r->rolling_back || !p->checkpoint_percentages.n)
        return 100;
    return p->checkpoint_percentages.items[p->checkpoint_percentages.n - 1];
}

/* Takes out what may go now; returns how many of the instances left wait for the user
 * (Standby / scale-in protection with Wait), with an example and what they wait for. */
static int replace_some(sim_world *w, w_refresh *r, int flight, char *blocked_example, int *blocked_kind)
{
    w_asg *a = &w->asgs.items[r->asg];
    int d = a->desired;
    /* MinHealthyPercentage of the desired capacity, rounded up (the API reference);
     * MaxHealthyPercentage's ceiling rounded down (the simulator's assumption) */
    int floor_h = (d * r->min_pct + 99) / 100;
    int ceiling = d * r->max_pct / 100;
    if (r->max_pct > 100 && ceiling <= d)
        ceiling = d + 1;
    if (ceiling < d)
        ceiling = d;
    if (r->max_pct <= 100 && floor_h >= d && d > 0)
        floor_h = d - 1; /* 100 %: one at a time */
    /* checkpoints pace replacement: never more than the next checkpoint's share */
    int live_total = r->live_initial + r->standby_initial;
    int cap = live_total;
    const refresh_prefs *p = &r->r.preferences;
    if (!r->rolling_back && r->next_checkpoint < (int)p->checkpoint_percentages.n)
        cap = (p->checkpoint_percentages.items[r->next_checkpoint] * live_total + 99) / 100;
    int may_remove = cap - (live_total - (int)r->to_replace.n);
    int alive = 0, healthy = 0;
    for (size_t i = 0; i < a->instances.n; i++) {
        int idx = a->instances.items[i];
        if (!live(&w->instances.items[idx]))
            continue;
        alive++;
        healthy += w_instance_healthy(w, idx);
    }
    /* above 100 %: launch replacements first, up to the ceiling */
    if (r->max_pct > 100) {
        int want = (cap < r->live_initial ? cap : r->live_initial) - new_alive(w, r, NULL);
        int room = ceiling - alive;
        for (int k = 0; k < want && k < room; k++) {
            w_launch(w, r->asg, r->target_lt, r->target_ver, r->target_ver_spec, "refresh", r->gen);
            alive++;
        }
    }
    /* then take old instances out while healthy capacity stays at or above the floor;
     * ones that do not count as healthy go first, since they cost nothing (Standby ones
     * with Terminate among them: they are terminated, not replaced) */
    int waiting = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < r->to_replace.n;) {
            int idx = r->to_replace.items[i];
            const w_instance *in = &w->instances.items[idx];
            int why = blocked(r, in);
            if (why != STALL_NONE) {
                if (pass == 1) {
                    if (!waiting++ && blocked_example) {
                        str_copy(blocked_example, 24, in->id);
                        *blocked_kind = why;
                    }
                }
                i++;
                continue;
            }
            bool standby = in->lc == LC_STANDBY;
            bool counted = !standby && w_instance_healthy(w, idx);
            bool go = may_remove > 0;
            if (go && pass == 0)
                go = standby || (!counted && (r->max_pct <= 100 || alive > d || flight == 0));
            else if (go)
                go = counted && healthy - 1 >= floor_h && (r->max_pct <= 100 || alive > d);
            if (!go) {
                i++;
                continue;
            }
            w_terminate(w, idx, "refresh");
            healthy -= counted;
            alive -= !standby;
            may_remove--;
            r->to_replace.items[i] = r->to_replace.items[--r->to_replace.n];
        }
    }
    return waiting;
}

static void complete(sim_world *w, w_refresh *r)
{
    if (r->rolling_back) {
        finish(w, r, "RollbackSuccessful", r->r.status_reason);
        return;
    }
    w_asg *a = &w->asgs.items[r->asg];
    if (r->r.has_desired_configuration) { /* the group now carries the new configuration */
        a->lt = r->target_lt;
        a->lt_version = r->target_ver;
        str_set(&a->lt_version_spec, r->target_ver_spec);
    }
    const refresh_prefs *p = &r->r.preferences;
    if (p->has_bake_time && p->bake_time > 0) {
        r->bake_until = w->now + (aws_time)p->bake_time * 1000;
        set_status(w, r, "Baking", "Waiting for BakeTime to pass before the instance refresh completes.");
        return;
    }
    finish(w, r, "Successful", NULL);
}

static void stall_failure(const w_refresh *r, char *reason, size_t cap)
{
    switch (r->stall_kind) {
    case STALL_STANDBY:
        snprintf(reason, cap,
                 "Instance refresh failed: instances in Standby did not return to service within an hour "
                 "(StandbyInstances is Wait). For example: %s is in Standby.",
                 r->stall_example);
        break;
    case STALL_PROTECTED:
        snprintf(reason, cap,
                 "Instance refresh failed: scale-in protection was not removed within an hour "
                 "(ScaleInProtectedInstances is Wait). For example: %s is protected from scale in.",
                 r->stall_example);
        break;
    default:
        snprintf(reason, cap,
                 "Instance refresh failed: replacement instances did not pass health checks for an hour. "
                 "For example: %s did not pass its health checks.",
                 r->stall_example);
    }
}

static void step_one(sim_world *w, w_refresh *r)
{
    const char *status = r->r.status;
    char reason[512];
    if (str_eq(status, "Pending")) {
        if (w->now < r->pending_until)
            return;
        set_status(w, r, "InProgress", NULL);
        status = r->r.status;
    }
    if (str_eq(status, "Cancelling")) {
        if (in_flight(w, r, NULL, NULL, NULL) == 0 || w->now - r->pending_until > 600000)
            finish(w, r, "Cancelled",
                   r->rolling_back ? "The rollback was cancelled." : "The instance refresh was cancelled.");
        return;
    }
    const char *alarm = r->rolling_back ? NULL : alarm_firing(w, r);
    if (alarm) {
        snprintf(reason, sizeof reason, "Instance refresh failed because alarm %.64s went into ALARM state.", alarm);
        fail(w, r, reason);
        return;
    }
    if (str_eq(status, "Baking")) {
        if (w->now >= r->bake_until)
            finish(w, r, "Successful", NULL);
        return;
    }
    if (!str_eq(status, "InProgress") && !str_eq(status, "RollbackInProgress"))
        return;
    if (r->paused_until) {
        if (w->now < r->paused_until)
            return;
        r->paused_until = 0;
        set_status(w, r, status, NULL);
    }
    char example[24] = "";
    bool overdue = false, waiting_elb = false;
    old_left old = alive_old(w, r);
    int flight = in_flight(w, r, example, &overdue, &waiting_elb);
    update_progress(w, r, old);

    const char *held = held_by_process(w, r);
    if (held) { /* paused, not failing: the hour counts while it can act */
        r->stall_since = 0;
        snprintf(reason, sizeof reason,
                 "Waiting for the %s process to be resumed: it is suspended on the Auto Scaling group, and the "
                 "instance refresh does not replace instances meanwhile.",
                 held);
        set_status(w, r, status, r->rolling_back ? r->r.status_reason : reason);
        return;
    }
    if (overdue && !r->stall_since) {
        r->stall_since = w->now;
        r->stall_kind = STALL_HEALTH;
        str_copy(r->stall_example, sizeof r->stall_example, example);
    }
    if (r->stall_since && w->now - r->stall_since >= (aws_time)REFRESH_STALL_LIMIT_S * 1000) {
        stall_failure(r, reason, sizeof reason);
        fail(w, r, reason);
        return;
    }
    const refresh_prefs *p = &r->r.preferences;
    int goal = partial_goal(r);
    if (goal < 100 && flight == 0 && r->r.percentage_complete >= goal) {
        complete(w, r); /* the last checkpoint under 100: a partial refresh ends there */
        return;
    }
    /* a checkpoint pauses the refresh; the 100 % one is its end, not a pause */
    if (!r->rolling_back && r->next_checkpoint < (int)p->checkpoint_percentages.n && flight == 0 &&
        p->checkpoint_percentages.items[r->next_checkpoint] < 100 &&
        r->r.percentage_complete >= p->checkpoint_percentages.items[r->next_checkpoint]) {
        int cp = p->checkpoint_percentages.items[r->next_checkpoint++];
        int delay = p->has_checkpoint_delay ? p->checkpoint_delay : 3600;
        r->paused_until = w->now + (aws_time)delay * 1000;
        r->stall_since = 0;
        snprintf(reason, sizeof reason,
                 "Waiting for checkpoint: the instance refresh reached its %d%% checkpoint and waits %d seconds "
                 "(CheckpointDelay) before continuing.",
                 cp, delay);
        set_status(w, r, status, reason);
        return;
    }
    if (old.live == 0 && old.standby == 0 && flight == 0) {
        /* the live pool is done: then the warm pool's instances (terminated, and
         * the pool refills with the new configuration) */
        int pending = 0;
        warm_new(w, r, &pending);
        if (old.warm) {
            for (size_t i = 0; i < r->warm_replace.n; i++)
                w_terminate(w, r->warm_replace.items[i], "refresh");
            set_status(w, r, status,
                       r->rolling_back ? r->r.status_reason : "Replacing the instances in the warm pool.");
            return;
        }
        if (pending)
            return;
        complete(w, r);
        return;
    }
    char blocked_example[24] = "";
    int blocked_kind = STALL_NONE;
    int waiting = replace_some(w, r, flight, blocked_example, &blocked_kind);
    if (waiting && flight == 0 && waiting == (int)r->to_replace.n) {
        /* only instances the user must act on are left */
        if (!r->stall_since || r->stall_kind != blocked_kind) {
            r->stall_since = w->now;
            r->stall_kind = blocked_kind;
            str_copy(r->stall_example, sizeof r->stall_example, blocked_example);
        }
        if (blocked_kind == STALL_STANDBY)
            snprintf(reason, sizeof reason,
                     "Waiting for instances in Standby to return to service (StandbyInstances is Wait). For example: "
                     "%s is in Standby.",
                     blocked_example);
        else
            snprintf(reason, sizeof reason,
                     "Waiting for scale-in protection to be removed (ScaleInProtectedInstances is Wait). For example: "
                     "%s is protected from scale in.",
                     blocked_example);
        set_status(w, r, status, r->rolling_back ? r->r.status_reason : reason);
        return;
    }
    if (example[0]) {
        if (waiting_elb)
            snprintf(reason, sizeof reason,
                     "Waiting for remaining instances to be available. For example: %s has insufficient data to "
                     "evaluate its health with Elastic Load Balancing.",
                     example);
        else
            snprintf(reason, sizeof reason,
                     "Waiting for instances to warm up before continuing. For example: %s is warming up.", example);
        set_status(w, r, status, r->rolling_back ? r->r.status_reason : reason);
    }
}

void w_refresh_step(sim_world *w)
{
    for (size_t g = 0; g < w->asgs.n; g++) {
        int ai = w->asgs.items[g].active_refresh;
        if (ai >= 0)
            step_one(w, &w->refreshes.items[ai]);
    }
}

/* ---------- API ---------- */

static sim_error no_group(const char *asg_name)
{
    return w_err("ValidationError", 400, "AutoScalingGroup name not found - %.64s", asg_name ? asg_name : "");
}

sim_error world_start_refresh(sim_world *w, const char *asg_name, const char *strategy, const refresh_prefs *prefs,
                              const lt_spec *desired, char **id_out)
{
    int g = w_asg_index(w, asg_name);
    if (g < 0)
        return no_group(asg_name);
    w_asg *a = &w->asgs.items[g];
    if (a->active_refresh >= 0)
        return w_err("InstanceRefreshInProgress", 400,
                     "An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.");
    refresh_prefs pr = { 0 };
    sim_error e = w_refresh_prefs_effective(w, a, prefs, str_empty(strategy) ? NULL : strategy, desired, &pr);
    if (!sim_ok(&e))
        return e;
    int tlt = a->lt, tver = a->lt_version;
    const char *tspec = a->lt_version_spec;
    if (desired) {
        tlt = w_lt_index(w, desired->launch_template_id, desired->launch_template_name);
        tspec = desired->version ? desired->version : "$Default";
        tver = tlt >= 0 ? w_resolve_version(w, tlt, tspec) : -1;
        if (tlt < 0)
            e = w_err("ValidationError", 400, "The specified launch template, with template ID %.64s, does not exist.",
                      desired->launch_template_id         ? desired->launch_template_id
                          : desired->launch_template_name ? desired->launch_template_name
                                                          : "null");
        else if (tver < 0)
            e = w_err("ValidationError", 400, "The specified launch template version %.32s does not exist.", tspec);
    }
    if (sim_ok(&e) && pr.auto_rollback &&
        (str_eq(tspec, "$Latest") || str_eq(tspec, "$Default") || str_eq(a->lt_version_spec, "$Latest") ||
         str_eq(a->lt_version_spec, "$Default")))
        e = w_err("ValidationError", 400,
                  "AutoRollback is not supported with the $Latest or $Default launch template version.");
    if (!sim_ok(&e)) {
        refresh_prefs_free(&pr);
        return e;
    }

    w_refresh *r = VEC_NEW(w->refreshes);
    r->asg = g;
    r->gen = ++w->refresh_gen;
    r->target_lt = tlt;
    r->target_ver = tver;
    r->target_ver_spec = xstrdup(tspec);
    r->orig_lt = a->lt;
    r->orig_ver = a->lt_version;
    r->orig_ver_spec = xstrdup(a->lt_version_spec);
    r->min_pct = pr.min_healthy_percentage;
    r->max_pct = pr.max_healthy_percentage;
    r->warmup_s = pr.instance_warmup;
    r->pending_until = w->now + 2000;
    char id[37];
    w_uuid(w, id);
    r->r.instance_refresh_id = xstrdup(id);
    r->r.auto_scaling_group_name = xstrdup(a->sc->name);
    r->r.status = xstrdup("Pending");
    r->r.start_time = w->now;
    r->r.has_percentage_complete = r->r.has_instances_to_update = true;
    r->r.has_preferences = true;
    r->r.preferences = pr;
    r->r.strategy = xstrdup(str_empty(strategy) ? "Rolling" : strategy);
    if (desired) {
        const sc_launch_template *t = &w->sc->launch_templates.items[tlt];
        r->r.has_desired_configuration = true;
        r->r.desired_launch_template.launch_template_id = xstrdup(t->id);
        r->r.desired_launch_template.launch_template_name = xstrdup(t->name);
        r->r.desired_launch_template.version = xstrdup(tspec);
    }
    collect_to_replace(w, r, pr.skip_matching);
    r->r.instances_to_update = r->initial_count;
    r->r.progress_details.has_live = true;
    r->r.progress_details.live_instances_to_update = r->live_initial + r->standby_initial;
    if (a->sc->warm_pool.present) {
        r->r.progress_details.has_warm = true;
        r->r.progress_details.warm_instances_to_update = r->warm_initial;
    }
    a->active_refresh = (int)w->refreshes.n - 1;
    w_event(w, "refresh_status",
            "\"asg\":\"%s\",\"refresh\":\"%s\",\"status\":\"Pending\",\"reason\":null,\"to_update\":%d,\"min_healthy\":"
            "%d,\"max_healthy\":%d,\"min_healthy_instances\":%d",
            a->sc->name, id, r->initial_count, r->min_pct, r->max_pct, (a->desired * r->min_pct + 99) / 100);
    if (id_out)
        *id_out = xstrdup(id);
    return w_okv();
}

/* CancelInstanceRefresh "cancels an instance refresh or rollback that is in progress";
 * a cancelled rollback ends Cancelled (the simulator's reading: the status list has
 * no other cancelled state). */
sim_error world_cancel_refresh(sim_world *w, const char *asg_name, bool wait_for_transitioning, char **id_out)
{
    int g = w_asg_index(w, asg_name);
    if (g < 0)
        return no_group(asg_name);
    int ai = w->asgs.items[g].active_refresh;
    w_refresh *r = ai >= 0 ? &w->refreshes.items[ai] : NULL;
    if (!r || str_eq(r->r.status, "Cancelling"))
        return w_err("ActiveInstanceRefreshNotFound", 400,
                     "No in progress or pending Instance Refresh found for Auto Scaling group %.64s", asg_name);
    if (id_out)
        *id_out = xstrdup(r->r.instance_refresh_id);
    r->to_replace.n = r->warm_replace.n = 0;
    r->pending_until = w->now;
    if (!wait_for_transitioning) {
        finish(w, r, "Cancelled",
               r->rolling_back ? "The rollback was cancelled." : "The instance refresh was cancelled.");
        return w_okv();
    }
    set_status(w, r, "Cancelling",
               r->rolling_back ? "Cancellation of the rollback was requested by a user."
                               : "Cancellation was requested by a user.");
    return w_okv();
}

sim_error world_rollback_refresh(sim_world *w, const char *asg_name, char **id_out)
{
    int g = w_asg_index(w, asg_name);
    if (g < 0)
        return no_group(asg_name);
    int ai = w->asgs.items[g].active_refresh;
    w_refresh *r = ai >= 0 ? &w->refreshes.items[ai] : NULL;
    if (!r || r->rolling_back || str_eq(r->r.status, "Cancelling"))
        return w_err("ActiveInstanceRefreshNotFound", 400,
                     "No in progress or pending Instance Refresh found for Auto Scaling group %.64s", asg_name);
    if (!r->r.has_desired_configuration)
        return w_err(
            "IrreversibleInstanceRefresh", 400,
            "The instance refresh cannot be rolled back because it was started without a desired configuration.");
    if (str_eq(r->target_ver_spec, "$Latest") || str_eq(r->target_ver_spec, "$Default") ||
        str_eq(r->orig_ver_spec, "$Latest") || str_eq(r->orig_ver_spec, "$Default"))
        return w_err("IrreversibleInstanceRefresh", 400,
                     "The instance refresh cannot be rolled back because the group uses the $Latest or $Default launch "
                     "template version.");
    start_rollback(w, r, "Rollback requested by a user.");
    if (id_out)
        *id_out = xstrdup(r->r.instance_refresh_id);
    return w_okv();
}

sim_error world_describe_refreshes(sim_world *w, const char *asg_name, const strvec *ids, const char *next_token,
                                   int max_items, instance_refresh_list *out, char **next_out)
{
    *next_out = NULL;
    if (str_empty(asg_name))
        return w_err("ValidationError", 400,
                     "1 validation error detected: Value null at 'autoScalingGroupName' failed to satisfy constraint: "
                     "Member must not be null");
    if (max_items > 100)
        return w_err("ValidationError", 400, "MaxRecords must be at most 100.");
    size_t off;
    if (!w_untoken(w, "DescribeInstanceRefreshes", next_token, &off))
        return w_err("InvalidNextToken", 400, "The token '%.64s' is invalid.", next_token);
    size_t page = (size_t)w_page(w, "DescribeInstanceRefreshes", max_items, 50), seen = 0, taken = 0;
    for (size_t k = w->refreshes.n; k-- > 0;) {
        const instance_refresh *r = &w->refreshes.items[k].r;
        if (!str_eq(r->auto_scaling_group_name, asg_name))
            continue;
        if (ids && ids->n && !strvec_contains(ids, r->instance_refresh_id))
            continue;
        if (seen++ < off)
            continue;
        if (taken == page) {
            *next_out = w_token(w, "DescribeInstanceRefreshes", off + taken);
            break;
        }
        refresh_copy(VEC_NEW(*out), r);
        taken++;
    }
    return w_okv();
}
