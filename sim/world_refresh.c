/* world_refresh.c — instance refreshes as AWS documents them: Pending → InProgress →
 * (Baking) → Successful / Failed / Cancelled, and RollbackInProgress → Rollback*.
 * Replacement is bounded by MinHealthyPercentage (healthy capacity never below it)
 * and MaxHealthyPercentage (above 100: launch before terminating); InstanceWarmup,
 * checkpoints, SkipMatching, BakeTime, AlarmSpecification and AutoRollback apply. */
#include "world_int.h"

#include <stdio.h>
#include <stdlib.h>

#define REFRESH_HEALTH_FAILURE_LIMIT 2      /* replacements failing health checks before Failed */
#define REFRESH_HEALTHY_TIMEOUT_S 600       /* + warmup/grace: a replacement that never gets healthy */

static void prefs_copy(refresh_prefs *d, const refresh_prefs *s)
{
    *d = *s;
    memset(&d->checkpoint_percentages, 0, sizeof d->checkpoint_percentages);
    for (size_t i = 0; i < s->checkpoint_percentages.n; i++)
        VEC_PUSH(d->checkpoint_percentages, s->checkpoint_percentages.items[i]);
    d->scale_in_protected_instances = xstrdup(s->scale_in_protected_instances);
    d->standby_instances = xstrdup(s->standby_instances);
    memset(&d->alarms, 0, sizeof d->alarms);
    for (size_t i = 0; i < s->alarms.n; i++)
        strvec_push(&d->alarms, s->alarms.items[i]);
}

static void refresh_copy(instance_refresh *d, const instance_refresh *s)
{
    *d = *s;
    d->instance_refresh_id = xstrdup(s->instance_refresh_id);
    d->auto_scaling_group_name = xstrdup(s->auto_scaling_group_name);
    d->status = xstrdup(s->status);
    d->status_reason = xstrdup(s->status_reason);
    prefs_copy(&d->preferences, &s->preferences);
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
    bool changed = strcmp(r->r.status, status) || !str_eq(r->r.status_reason, reason);
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
}

static int alive_old(const sim_world *w, w_refresh *r)
{
    /* forget instances that are gone (health replacement, scale-in) */
    size_t k = 0;
    for (size_t i = 0; i < r->to_replace.n; i++) {
        w_lifecycle lc = w->instances.items[r->to_replace.items[i]].lc;
        if (lc == LC_PENDING || lc == LC_INSERVICE)
            r->to_replace.items[k++] = r->to_replace.items[i];
    }
    r->to_replace.n = k;
    return (int)k;
}

/* Replacements launched by this refresh that are not yet healthy and warmed up. */
/* example (>= 24 bytes) gets one such instance id: a copy, since launches move the
 * instance array; *waiting_elb says whether it is warmed up but not yet ELB-healthy. */
static int in_flight(const sim_world *w, const w_refresh *r, char *example, bool *timed_out, bool *waiting_elb)
{
    const w_asg *a = &w->asgs.items[r->asg];
    int n = 0;
    for (size_t i = 0; i < a->instances.n; i++) {
        int idx = a->instances.items[i];
        const w_instance *in = &w->instances.items[idx];
        if (in->refresh_gen != r->gen || (in->lc != LC_PENDING && in->lc != LC_INSERVICE))
            continue;
        if (w_instance_healthy(w, idx))
            continue;
        n++;
        if (example && !*example) {
            str_copy(example, 24, in->id);
            if (waiting_elb)
                *waiting_elb = in->lc == LC_INSERVICE && w->now >= in->in_service_at + (aws_time)r->warmup_s * 1000;
        }
        int patience = (a->sc->grace_period_s > r->warmup_s ? a->sc->grace_period_s : r->warmup_s) + REFRESH_HEALTHY_TIMEOUT_S;
        if (timed_out && in->lc == LC_INSERVICE && w->now > in->in_service_at + (aws_time)patience * 1000) {
            *timed_out = true;
            if (example)
                str_copy(example, 24, in->id);
        }
    }
    return n;
}

static void collect_to_replace(sim_world *w, w_refresh *r, bool skip_matching)
{
    const w_asg *a = &w->asgs.items[r->asg];
    r->to_replace.n = 0;
    for (size_t i = 0; i < a->instances.n; i++) {
        int idx = a->instances.items[i];
        const w_instance *in = &w->instances.items[idx];
        if (in->lc != LC_PENDING && in->lc != LC_INSERVICE)
            continue;
        if (skip_matching && w_instance_matches(w, idx, r->target_lt, r->target_ver))
            continue;
        VEC_PUSH(r->to_replace, idx);
    }
    r->initial_count = (int)r->to_replace.n;
}

static void start_rollback(sim_world *w, w_refresh *r, const char *reason)
{
    r->rolling_back = true;
    refresh_rollback *rb = &r->r.rollback_details;
    rb->present = true;
    str_set(&rb->rollback_reason, reason);
    rb->rollback_start_time = w->now;
    rb->has_percentage_complete_on_rollback = true;
    rb->percentage_complete_on_rollback = r->r.percentage_complete;
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
    r->next_checkpoint = (int)r->r.preferences.checkpoint_percentages.n;   /* no checkpoints on rollback */
    collect_to_replace(w, r, true);
    rb->has_instances_to_update_on_rollback = true;
    rb->instances_to_update_on_rollback = r->initial_count;
    rb->progress_details_on_rollback.has_live = true;
    rb->progress_details_on_rollback.live_percentage_complete = r->r.percentage_complete;
    rb->progress_details_on_rollback.live_instances_to_update = r->initial_count;
    r->r.percentage_complete = 0;
    r->r.instances_to_update = r->initial_count;
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

void w_refresh_note_health_failure(sim_world *w, int inst)
{
    const w_instance *in = &w->instances.items[inst];
    int ai = w->asgs.items[in->asg].active_refresh;
    if (ai < 0)
        return;
    w_refresh *r = &w->refreshes.items[ai];
    if (in->refresh_gen == r->gen) {
        r->health_failures++;
        str_copy(r->last_failed, sizeof r->last_failed, in->id);
    }
}

bool w_refresh_launch_config(const sim_world *w, int asg, int *lt, int *ver, const char **spec, int *gen)
{
    int ai = w->asgs.items[asg].active_refresh;
    if (ai < 0)
        return false;
    const w_refresh *r = &w->refreshes.items[ai];
    if (strcmp(r->r.status, "InProgress") && strcmp(r->r.status, "RollbackInProgress"))
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

/* Replacements launched by this refresh that are alive, and how many of them count as healthy. */
static int new_alive(const sim_world *w, const w_refresh *r, int *healthy)
{
    const w_asg *a = &w->asgs.items[r->asg];
    int n = 0, h = 0;
    for (size_t i = 0; i < a->instances.n; i++) {
        int idx = a->instances.items[i];
        const w_instance *in = &w->instances.items[idx];
        if (in->refresh_gen != r->gen || (in->lc != LC_PENDING && in->lc != LC_INSERVICE))
            continue;
        n++;
        h += w_instance_healthy(w, idx);
    }
    if (healthy)
        *healthy = h;
    return n;
}

static void update_progress(sim_world *w, w_refresh *r, int old_alive)
{
    /* an instance counts as replaced once its old one is gone and a new one is healthy */
    int healthy_new = 0;
    new_alive(w, r, &healthy_new);
    int done = r->initial_count - old_alive;
    if (healthy_new < done)
        done = healthy_new;
    if (done < 0)
        done = 0;
    int pct = r->initial_count ? done * 100 / r->initial_count : 100;
    int left = r->initial_count - done;
    if (pct != r->r.percentage_complete || left != r->r.instances_to_update) {
        r->r.percentage_complete = pct;
        r->r.instances_to_update = left;
        w_event(w, "refresh_progress", "\"asg\":\"%s\",\"refresh\":\"%s\",\"percentage\":%d,\"to_update\":%d",
                r->r.auto_scaling_group_name, r->r.instance_refresh_id, pct, left);
    }
    r->r.progress_details.has_live = true;
    r->r.progress_details.live_percentage_complete = pct;
    r->r.progress_details.live_instances_to_update = left;
}

static void replace_some(sim_world *w, w_refresh *r, int flight)
{
    w_asg *a = &w->asgs.items[r->asg];
    int d = a->desired;
    int floor_h = d * r->min_pct / 100;
    int ceiling = d * r->max_pct / 100;
    if (r->max_pct > 100 && ceiling <= d)
        ceiling = d + 1;
    if (ceiling < d)
        ceiling = d;
    if (r->max_pct <= 100 && floor_h >= d && d > 0)
        floor_h = d - 1;                 /* 100/100: one at a time */
    /* checkpoints pace replacement: never more than the next checkpoint's share */
    int cap = r->initial_count;
    const refresh_prefs *p = &r->r.preferences;
    if (!r->rolling_back && r->next_checkpoint < (int)p->checkpoint_percentages.n)
        cap = (p->checkpoint_percentages.items[r->next_checkpoint] * r->initial_count + 99) / 100;
    int may_remove = cap - (r->initial_count - (int)r->to_replace.n);
    int alive = 0, healthy = 0;
    for (size_t i = 0; i < a->instances.n; i++) {
        int idx = a->instances.items[i];
        w_lifecycle lc = w->instances.items[idx].lc;
        if (lc != LC_PENDING && lc != LC_INSERVICE)
            continue;
        alive++;
        healthy += w_instance_healthy(w, idx);
    }
    /* above 100 %: launch replacements first, up to the ceiling */
    if (r->max_pct > 100) {
        int want = cap - new_alive(w, r, NULL);
        int room = ceiling - alive;
        for (int k = 0; k < want && k < room; k++) {
            w_launch(w, r->asg, r->target_lt, r->target_ver, r->target_ver_spec, "refresh", r->gen);
            alive++;
        }
    }
    /* then take old instances out while healthy capacity stays at or above the floor;
     * ones that do not count as healthy go first, since they cost nothing */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < r->to_replace.n && may_remove > 0;) {
            int idx = r->to_replace.items[i];
            bool counted = w_instance_healthy(w, idx);
            bool go;
            if (pass == 0)
                go = !counted && (r->max_pct <= 100 || alive > d || flight == 0);
            else
                go = counted && healthy - 1 >= floor_h && (r->max_pct <= 100 || alive > d);
            if (!go) {
                i++;
                continue;
            }
            w_terminate(w, idx, "refresh");
            healthy -= counted;
            alive--;
            may_remove--;
            r->to_replace.items[i] = r->to_replace.items[--r->to_replace.n];
        }
    }
}

static void step_one(sim_world *w, w_refresh *r)
{
    const char *status = r->r.status;
    char reason[256];
    if (!strcmp(status, "Pending")) {
        if (w->now < r->pending_until)
            return;
        set_status(w, r, "InProgress", NULL);
        status = r->r.status;
    }
    if (!strcmp(status, "Cancelling")) {
        if (in_flight(w, r, NULL, NULL, NULL) == 0 || w->now - r->pending_until > 600000)
            finish(w, r, "Cancelled", "The instance refresh was cancelled.");
        return;
    }
    const char *alarm = r->rolling_back ? NULL : alarm_firing(w, r);
    if (alarm) {
        snprintf(reason, sizeof reason, "Instance refresh failed because alarm %.64s went into ALARM state.", alarm);
        fail(w, r, reason);
        return;
    }
    if (!strcmp(status, "Baking")) {
        if (w->now >= r->bake_until)
            finish(w, r, "Successful", NULL);
        return;
    }
    if (strcmp(status, "InProgress") && strcmp(status, "RollbackInProgress"))
        return;
    if (r->paused_until) {
        if (w->now < r->paused_until)
            return;
        r->paused_until = 0;
        set_status(w, r, status, NULL);
    }
    char example[24] = "";
    bool timed_out = false, waiting_elb = false;
    int old_alive = alive_old(w, r);
    int flight = in_flight(w, r, example, &timed_out, &waiting_elb);
    update_progress(w, r, old_alive);

    if (r->health_failures >= REFRESH_HEALTH_FAILURE_LIMIT || timed_out) {
        if (timed_out)
            snprintf(reason, sizeof reason,
                     "Instance refresh failed: replacement instance %s did not pass health checks in time.", example);
        else
            snprintf(reason, sizeof reason,
                     "Instance refresh failed: %d replacement instances failed health checks (last: %s).",
                     r->health_failures, r->last_failed);
        fail(w, r, reason);
        return;
    }
    const refresh_prefs *p = &r->r.preferences;
    if (!r->rolling_back && r->next_checkpoint < (int)p->checkpoint_percentages.n && flight == 0 &&
        r->r.percentage_complete >= p->checkpoint_percentages.items[r->next_checkpoint]) {
        int cp = p->checkpoint_percentages.items[r->next_checkpoint++];
        int delay = p->has_checkpoint_delay ? p->checkpoint_delay : 3600;
        r->paused_until = w->now + (aws_time)delay * 1000;
        snprintf(reason, sizeof reason,
                 "Waiting for checkpoint: the instance refresh reached its %d%% checkpoint and waits %d seconds (CheckpointDelay) before continuing.",
                 cp, delay);
        set_status(w, r, status, reason);
        return;
    }
    if (old_alive == 0 && flight == 0) {
        if (r->rolling_back) {
            finish(w, r, "RollbackSuccessful", r->r.status_reason);
            return;
        }
        w_asg *a = &w->asgs.items[r->asg];
        if (r->r.has_desired_configuration) {   /* the group now carries the new configuration */
            a->lt = r->target_lt;
            a->lt_version = r->target_ver;
            str_set(&a->lt_version_spec, r->target_ver_spec);
        }
        if (p->has_bake_time && p->bake_time > 0) {
            r->bake_until = w->now + (aws_time)p->bake_time * 1000;
            set_status(w, r, "Baking", "Waiting for BakeTime to pass before the instance refresh completes.");
            return;
        }
        finish(w, r, "Successful", NULL);
        return;
    }
    replace_some(w, r, flight);
    if (example[0]) {
        if (waiting_elb)
            snprintf(reason, sizeof reason,
                     "Waiting for remaining instances to be available. For example: %s has insufficient data to evaluate its health with Elastic Load Balancing.",
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

sim_error world_start_refresh(sim_world *w, const char *asg_name, const char *strategy,
                              const refresh_prefs *prefs, const lt_spec *desired, char **id_out)
{
    int g = w_asg_index(w, asg_name);
    if (g < 0)
        return w_err("ValidationError", 400, "AutoScalingGroup name not found - %.64s", asg_name ? asg_name : "");
    w_asg *a = &w->asgs.items[g];
    if (a->active_refresh >= 0)
        return w_err("InstanceRefreshInProgress", 400,
                     "An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.");
    if (!str_empty(strategy) && strcmp(strategy, "Rolling") && strcmp(strategy, "ReplaceRootVolume"))
        return w_err("ValidationError", 400, "1 validation error detected: Value '%.32s' at 'strategy' failed to satisfy constraint: Member must satisfy enum value set: [Rolling, ReplaceRootVolume]", strategy);
    refresh_prefs pr = { 0 };
    if (prefs)
        prefs_copy(&pr, prefs);
    sim_error e = w_okv();
    /* AWS's defaults, filled in so Describe shows the effective preferences */
    if (!pr.has_min_healthy_percentage) {
        pr.has_min_healthy_percentage = true;
        pr.min_healthy_percentage = a->sc->imp_min_healthy >= 0 ? a->sc->imp_min_healthy : 90;
    }
    if (!pr.has_max_healthy_percentage) {
        pr.has_max_healthy_percentage = true;
        pr.max_healthy_percentage = a->sc->imp_max_healthy >= 0 ? a->sc->imp_max_healthy : 100;
    }
    if (!pr.has_instance_warmup) {
        pr.has_instance_warmup = true;
        pr.instance_warmup = w_group_warmup(a);
    }
    if (!pr.has_skip_matching) {
        pr.has_skip_matching = true;
        pr.skip_matching = false;
    }
    if (!pr.has_auto_rollback) {
        pr.has_auto_rollback = true;
        pr.auto_rollback = false;
    }
    if (!pr.scale_in_protected_instances)
        pr.scale_in_protected_instances = xstrdup("Wait");
    if (!pr.standby_instances)
        pr.standby_instances = xstrdup("Wait");
    if (pr.checkpoint_percentages.n && !pr.has_checkpoint_delay) {
        pr.has_checkpoint_delay = true;
        pr.checkpoint_delay = 3600;
    }
    if (pr.min_healthy_percentage < 0 || pr.min_healthy_percentage > 100)
        e = w_err("ValidationError", 400, "MinHealthyPercentage must be between 0 and 100.");
    else if (pr.max_healthy_percentage < 100 || pr.max_healthy_percentage > 200)
        e = w_err("ValidationError", 400, "MaxHealthyPercentage must be between 100 and 200.");
    else if (pr.max_healthy_percentage - pr.min_healthy_percentage > 100)
        e = w_err("ValidationError", 400, "The difference between MaxHealthyPercentage and MinHealthyPercentage cannot be greater than 100.");
    else if (pr.instance_warmup < 0 || (pr.has_checkpoint_delay && (pr.checkpoint_delay < 0 || pr.checkpoint_delay > 172800)))
        e = w_err("ValidationError", 400, "InstanceWarmup and CheckpointDelay must be non-negative (CheckpointDelay at most 172800).");
    else if (pr.has_bake_time && (pr.bake_time < 0 || pr.bake_time > 172800))
        e = w_err("ValidationError", 400, "BakeTime must be between 0 and 172800 seconds.");
    else if (pr.alarms.n > 10)
        e = w_err("ValidationError", 400, "AlarmSpecification can contain at most 10 alarms.");
    for (size_t i = 0; sim_ok(&e) && i < pr.checkpoint_percentages.n; i++) {
        int c = pr.checkpoint_percentages.items[i];
        if (c < 1 || c > 100 || (i && c <= pr.checkpoint_percentages.items[i - 1]))
            e = w_err("ValidationError", 400, "CheckpointPercentages must be increasing values between 1 and 100.");
    }
    for (size_t i = 0; sim_ok(&e) && i < pr.alarms.n; i++) {
        bool known = false;
        for (size_t j = 0; j < w->alarms.n; j++)
            known |= !strcmp(w->alarms.items[j].sc->name, pr.alarms.items[i]);
        if (!known)
            e = w_err("ValidationError", 400, "The alarm %.64s does not exist.", pr.alarms.items[i]);
    }
    int tlt = a->lt, tver = a->lt_version;
    const char *tspec = a->lt_version_spec;
    if (sim_ok(&e) && desired) {
        tlt = w_lt_index(w, desired->launch_template_id, desired->launch_template_name);
        tspec = desired->version ? desired->version : "$Default";
        tver = tlt >= 0 ? w_resolve_version(w, tlt, tspec) : -1;
        if (tlt < 0)
            e = w_err("ValidationError", 400, "The specified launch template, with template ID %.64s, does not exist.",
                      desired->launch_template_id ? desired->launch_template_id :
                      desired->launch_template_name ? desired->launch_template_name : "null");
        else if (tver < 0)
            e = w_err("ValidationError", 400, "The specified launch template version %.32s does not exist.", tspec);
    }
    if (sim_ok(&e) && pr.auto_rollback) {
        if (!desired)
            e = w_err("ValidationError", 400, "AutoRollback requires a DesiredConfiguration.");
        else if (!strcmp(tspec, "$Latest") || !strcmp(tspec, "$Default") || !strcmp(a->lt_version_spec, "$Latest") ||
                 !strcmp(a->lt_version_spec, "$Default"))
            e = w_err("ValidationError", 400, "AutoRollback is not supported with the $Latest or $Default launch template version.");
    }
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
    r->r.progress_details.live_instances_to_update = r->initial_count;
    a->active_refresh = (int)w->refreshes.n - 1;
    w_event(w, "refresh_status", "\"asg\":\"%s\",\"refresh\":\"%s\",\"status\":\"Pending\",\"reason\":null,\"to_update\":%d,\"min_healthy\":%d,\"max_healthy\":%d",
            a->sc->name, id, r->initial_count, r->min_pct, r->max_pct);
    if (id_out)
        *id_out = xstrdup(id);
    return w_okv();
}

sim_error world_cancel_refresh(sim_world *w, const char *asg_name, char **id_out)
{
    int g = w_asg_index(w, asg_name);
    if (g < 0)
        return w_err("ValidationError", 400, "AutoScalingGroup name not found - %.64s", asg_name ? asg_name : "");
    int ai = w->asgs.items[g].active_refresh;
    w_refresh *r = ai >= 0 ? &w->refreshes.items[ai] : NULL;
    if (!r || r->rolling_back || !strcmp(r->r.status, "Cancelling"))
        return w_err("ActiveInstanceRefreshNotFound", 400,
                     "No in progress or pending Instance Refresh found for Auto Scaling group %.64s", asg_name);
    r->to_replace.n = 0;
    r->pending_until = w->now;
    set_status(w, r, "Cancelling", "Cancellation was requested by a user.");
    if (id_out)
        *id_out = xstrdup(r->r.instance_refresh_id);
    return w_okv();
}

sim_error world_rollback_refresh(sim_world *w, const char *asg_name, char **id_out)
{
    int g = w_asg_index(w, asg_name);
    if (g < 0)
        return w_err("ValidationError", 400, "AutoScalingGroup name not found - %.64s", asg_name ? asg_name : "");
    int ai = w->asgs.items[g].active_refresh;
    w_refresh *r = ai >= 0 ? &w->refreshes.items[ai] : NULL;
    if (!r || r->rolling_back || !strcmp(r->r.status, "Cancelling"))
        return w_err("ActiveInstanceRefreshNotFound", 400,
                     "No in progress or pending Instance Refresh found for Auto Scaling group %.64s", asg_name);
    if (!r->r.has_desired_configuration)
        return w_err("IrreversibleInstanceRefresh", 400,
                     "The instance refresh cannot be rolled back because it was started without a desired configuration.");
    if (!strcmp(r->target_ver_spec, "$Latest") || !strcmp(r->target_ver_spec, "$Default") ||
        !strcmp(r->orig_ver_spec, "$Latest") || !strcmp(r->orig_ver_spec, "$Default"))
        return w_err("IrreversibleInstanceRefresh", 400,
                     "The instance refresh cannot be rolled back because the group uses the $Latest or $Default launch template version.");
    start_rollback(w, r, "Rollback requested by a user.");
    if (id_out)
        *id_out = xstrdup(r->r.instance_refresh_id);
    return w_okv();
}

sim_error world_describe_refreshes(sim_world *w, const char *asg_name, const strvec *ids,
                                   const char *next_token, int max_items,
                                   instance_refresh_list *out, char **next_out)
{
    *next_out = NULL;
    if (str_empty(asg_name))
        return w_err("ValidationError", 400, "1 validation error detected: Value null at 'autoScalingGroupName' failed to satisfy constraint: Member must not be null");
    if (max_items > 100)
        return w_err("ValidationError", 400, "MaxRecords must be at most 100.");
    size_t off;
    if (!w_untoken(w, "DescribeInstanceRefreshes", next_token, &off))
        return w_err("InvalidNextToken", 400, "The token '%.64s' is invalid.", next_token);
    size_t page = (size_t)w_page(w, "DescribeInstanceRefreshes", max_items, 50), seen = 0, taken = 0;
    for (size_t k = w->refreshes.n; k-- > 0;) {
        const instance_refresh *r = &w->refreshes.items[k].r;
        if (strcmp(r->auto_scaling_group_name, asg_name))
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
