/* world_asg.c — Auto Scaling groups in the world: instances that go Pending →
 * InService → Terminating → Terminated, each pulling its app's live image tag at
 * launch; instances in Standby and protected from scale in; suspended processes; a
 * warm pool (Warmed:Pending → Warmed:Stopped/Running/Hibernated); ELB health-check
 * replacement; desired capacity; scaling activities with AWS-like descriptions and
 * causes; the autoscaling reads. Sources: docs/simulator.md. */
#include "world_int.h"

#include <stdio.h>
#include <stdlib.h>

/* ---------- activities ---------- */

static scaling_activity *act_at(sim_world *w, int abs)
{
    if (abs < 0 || (size_t)abs < w->activities_dropped || (size_t)abs - w->activities_dropped >= w->activities.n)
        return NULL;
    return &w->activities.items[(size_t)abs - w->activities_dropped];
}

static int act_new(sim_world *w, int asg, const char *description, const char *cause, const char *details)
{
    if (w->activities.n >= W_MAX_ACTIVITIES) { /* drop the older half, as AWS forgets old ones */
        size_t drop = W_MAX_ACTIVITIES / 2;
        for (size_t i = 0; i < drop; i++)
            scaling_activity_free(&w->activities.items[i]);
        memmove(w->activities.items, w->activities.items + drop, (w->activities.n - drop) * sizeof(scaling_activity));
        w->activities.n -= drop;
        w->activities_dropped += drop;
    }
    scaling_activity *a = VEC_NEW(w->activities);
    char id[37];
    w_uuid(w, id);
    a->activity_id = xstrdup(id);
    a->auto_scaling_group_name = xstrdup(w->asgs.items[asg].sc->name);
    a->description = xstrdup(description);
    a->cause = xstrdup(cause);
    a->start_time = w->now;
    a->status_code = xstrdup("InProgress");
    a->has_progress = true;
    a->progress = 50;
    a->details = xstrdup(details);
    return (int)(w->activities_dropped + w->activities.n - 1);
}

static void act_done(sim_world *w, int abs, const char *status, const char *message)
{
    scaling_activity *a = act_at(w, abs);
    if (!a)
        return;
    str_set(&a->status_code, status);
    str_set(&a->status_message, message);
    a->end_time = w->now;
    a->progress = 100;
}

/* ---------- instances ---------- */

int w_group_warmup(const w_asg *a)
{
    return a->sc->has_default_warmup ? a->sc->default_warmup_s : a->sc->grace_period_s;
}

static bool alive(const w_instance *in)
{
    return in->lc == LC_PENDING || in->lc == LC_INSERVICE;
}

static int alive_count(const sim_world *w, const w_asg *a)
{
    int n = 0;
    for (size_t i = 0; i < a->instances.n; i++)
        n += alive(&w->instances.items[a->instances.items[i]]);
    return n;
}

static int az_alive(const sim_world *w, const w_asg *a, const char *az)
{
    int n = 0;
    for (size_t i = 0; i < a->instances.n; i++) {
        const w_instance *in = &w->instances.items[a->instances.items[i]];
        n += alive(in) && str_eq(in->az, az);
    }
    return n;
}

static int launch(sim_world *w, int asg, int lt, int ver, const char *ver_spec, const char *why, int gen, bool warm)
{
    w_asg *a = &w->asgs.items[asg];
    int before = alive_count(w, a);
    /* balance across the group's AZs, as Auto Scaling does */
    size_t best = 0;
    int best_n = -1;
    for (size_t z = 0; z < a->sc->azs.n; z++) {
        int n = az_alive(w, a, a->sc->azs.items[z]);
        if (best_n < 0 || n < best_n) {
            best = z;
            best_n = n;
        }
    }
    w_instance *in = VEC_NEW(w->instances);
    int idx = (int)w->instances.n - 1;
    uint64_t r1 = w_rand(w), r2 = w_rand(w);
    snprintf(in->id, sizeof in->id, "i-0%04x%012llx", (unsigned)(r1 & 0xffff),
             (unsigned long long)(r2 & 0xffffffffffffULL));
    in->asg = asg;
    str_copy(in->az, sizeof in->az, a->sc->azs.items[best]);
    snprintf(in->ip, sizeof in->ip, "10.0.%u.%u", (unsigned)((best * 32 + (size_t)w_rand_range(w, 32)) & 0xff),
             (unsigned)(4 + w_rand_range(w, 250)) & 0xff);
    snprintf(in->subnet, sizeof in->subnet, "subnet-0%016zx", 0xab5100u + best);
    in->lt = lt;
    in->lt_version = ver;
    in->lt_version_spec = xstrdup(ver_spec);
    in->lc = warm ? LC_WARM_PENDING : LC_PENDING;
    in->warm = warm;
    in->protected_ = !warm && a->sc->new_instances_protected;
    in->launch_time = w->now;
    in->in_service_at = w->now + (aws_time)a->sc->launch_delay_s * 1000 + w_rand_range(w, 4) * 1000;
    in->ready_at = in->in_service_at + (aws_time)a->sc->boot_s * 1000;
    in->refresh_gen = gen;
    in->warmup_s = w_group_warmup(a);
    if (gen && a->active_refresh >= 0 && w->refreshes.items[a->active_refresh].gen == gen)
        in->warmup_s = w->refreshes.items[a->active_refresh].warmup_s;
    in->term_activity = -1;
    const char *tag = a->sc->live_tag;
    const sc_launch_template *t = &w->sc->launch_templates.items[lt];
    for (size_t i = 0; i < t->pinned_tags.n; i++)
        if (t->pinned_tags.items[i].version == ver)
            tag = t->pinned_tags.items[i].tag;
    const w_image *im = a->repo >= 0 ? w_ecr_pull(w, a->repo, tag, &in->pull_failed) : NULL;
    in->digest = im ? xstrdup(im->digest) : NULL;
    in->bad = im ? im->bad : a->repo >= 0;
    if (im && im->fails_after_s >= 0) /* set once it is ready (w_asg_init moves the scenario's own) */
        in->fails_at = in->ready_at + (aws_time)im->fails_after_s * 1000;
    if (warm)
        VEC_PUSH(a->warm, idx);
    else
        VEC_PUSH(a->instances, idx);

    char when[32], desc[96], cause[512], details[160];
    w_iso(w->now, when);
    snprintf(desc, sizeof desc,
             warm ? "Launching a new EC2 instance into warm pool: %s" : "Launching a new EC2 instance: %s", in->id);
    if (warm)
        snprintf(
            cause, sizeof cause,
            "At %s an instance was launched into the warm pool, which has fewer instances than its configured size.",
            when);
    else if (str_eq(why, "refresh"))
        snprintf(cause, sizeof cause, "At %s an instance was started in response to an instance refresh.", when);
    else
        snprintf(cause, sizeof cause,
                 "At %s an instance was started in response to a difference between desired and actual capacity, "
                 "increasing the capacity from %d to %d.",
                 when, before, before + 1);
    snprintf(details, sizeof details, "{\"Subnet ID\":\"%s\",\"Availability Zone\":\"%s\"}", in->subnet, in->az);
    in->launch_activity = act_new(w, asg, desc, cause, details);
    w_event(w, "instance_launched",
            "\"asg\":\"%s\",\"instance\":\"%s\",\"az\":\"%s\",\"digest\":\"%s\",\"reason\":\"%s\",\"refresh_gen\":%d,"
            "\"pull_failed\":%s",
            a->sc->name, in->id, in->az, in->digest ? in->digest : "", warm ? "warm_pool" : why, gen,
            in->pull_failed ? "true" : "false");
    return idx;
}

int w_launch(sim_world *w, int asg, int lt, int ver, const char *ver_spec, const char *why, int gen)
{
    return launch(w, asg, lt, ver, ver_spec, why, gen, false);
}

void w_terminate(sim_world *w, int inst, const char *why)
{
    w_instance *in = &w->instances.items[inst];
    if (!alive(in) && in->lc != LC_STANDBY && in->lc != LC_WARM_PENDING && in->lc != LC_WARMED)
        return;
    w_asg *a = &w->asgs.items[in->asg];
    int before = alive_count(w, a);
    in->lc = LC_TERMINATING;
    in->terminate_at = w->now + 5000;
    w_elb_deregister(w, inst);
    char when[32], desc[96], cause[768], details[160];
    w_iso(w->now, when);
    snprintf(desc, sizeof desc, in->warm ? "Terminating EC2 instance in warm pool: %s" : "Terminating EC2 instance: %s",
             in->id);
    if (str_eq(why, "refresh"))
        snprintf(cause, sizeof cause,
                 "At %s an instance was taken out of service in response to an instance refresh.  At %s instance %s "
                 "was selected for termination.",
                 when, when, in->id);
    else if (str_eq(why, "unhealthy"))
        snprintf(cause, sizeof cause,
                 "At %s an instance was taken out of service in response to an ELB system health check failure.", when);
    else
        snprintf(cause, sizeof cause,
                 "At %s an instance was taken out of service in response to a difference between desired and actual "
                 "capacity, shrinking the capacity from %d to %d.  At %s instance %s was selected for termination.",
                 when, before, before - 1, when, in->id);
    snprintf(details, sizeof details, "{\"Subnet ID\":\"%s\",\"Availability Zone\":\"%s\"}", in->subnet, in->az);
    in->term_activity = act_new(w, in->asg, desc, cause, details);
    w_event(w, "instance_terminating", "\"asg\":\"%s\",\"instance\":\"%s\",\"reason\":\"%s\"", a->sc->name, in->id,
            why);
}

bool w_asg_suspended(const sim_world *w, int asg, const char *process)
{
    const w_asg *a = &w->asgs.items[asg];
    for (size_t i = 0; i < a->suspended.n; i++)
        if (str_eq(a->suspended.items[i].process, process))
            return true;
    return false;
}

static void suspend(sim_world *w, w_asg *a, const char *process, const char *reason)
{
    for (size_t i = 0; i < a->suspended.n; i++)
        if (str_eq(a->suspended.items[i].process, process))
            return;
    char when[32], buf[64];
    w_iso(w->now, when);
    snprintf(buf, sizeof buf, "User suspended at %s", when);
    w_suspension *sp = VEC_NEW(a->suspended);
    sp->process = xstrdup(process);
    sp->reason = xstrdup(reason ? reason : buf);
    w_event(w, "process_suspended", "\"asg\":\"%s\",\"process\":\"%s\"", a->sc->name, process);
}

static void resume(sim_world *w, w_asg *a, const char *process)
{
    for (size_t i = 0; i < a->suspended.n; i++)
        if (str_eq(a->suspended.items[i].process, process)) {
            free(a->suspended.items[i].process);
            free(a->suspended.items[i].reason);
            a->suspended.items[i] = a->suspended.items[--a->suspended.n];
            w_event(w, "process_resumed", "\"asg\":\"%s\",\"process\":\"%s\"", a->sc->name, process);
            return;
        }
}

/* The warm pool's size: MaxGroupPreparedCapacity (else the group's maximum) less the
 * desired capacity, at least MinSize (user guide, "Warm pools"). */
static int warm_size(const w_asg *a)
{
    const sc_warm_pool *wp = &a->sc->warm_pool;
    if (!wp->present)
        return 0;
    int prepared = wp->max_prepared >= 0 ? wp->max_prepared : a->max;
    int n = prepared - a->desired;
    if (n < wp->min_size)
        n = wp->min_size;
    return n < 0 ? 0 : n;
}

const char *w_lifecycle_name(const sim_world *w, const w_instance *in)
{
    const char *pool = w->asgs.items[in->asg].sc->warm_pool.pool_state;
    switch (in->lc) {
    case LC_PENDING:
        return "Pending";
    case LC_INSERVICE:
        return "InService";
    case LC_TERMINATING:
        return in->warm ? "Warmed:Terminating" : "Terminating";
    case LC_TERMINATED:
        return in->warm ? "Warmed:Terminated" : "Terminated";
    case LC_STANDBY:
        return "Standby";
    case LC_WARM_PENDING:
        return "Warmed:Pending";
    case LC_WARMED:
        if (str_eq(pool, "Running"))
            return "Warmed:Running";
        if (str_eq(pool, "Hibernated"))
            return "Warmed:Hibernated";
        return "Warmed:Stopped";
    }
    return "InService";
}

bool w_instance_matches(const sim_world *w, int inst, int lt, int ver)
{
    const w_instance *in = &w->instances.items[inst];
    return in->lt == lt && in->lt_version == ver;
}

bool w_instance_healthy(const sim_world *w, int inst)
{
    const w_instance *in = &w->instances.items[inst];
    if (in->lc != LC_INSERVICE || in->unhealthy || w->now < in->in_service_at + (aws_time)in->warmup_s * 1000)
        return false;
    const w_asg *a = &w->asgs.items[in->asg];
    return !str_eq(a->sc->health_check_type, "ELB") || w_elb_all_healthy(w, inst);
}

/* ---------- life ---------- */

static int act_cmp(const void *a, const void *b)
{
    const scaling_activity *x = a, *y = b;
    if (x->start_time != y->start_time)
        return x->start_time < y->start_time ? -1 : 1;
    return strcmp(x->activity_id, y->activity_id);
}

void w_asg_init(sim_world *w)
{
    const sim_scenario *sc = w->sc;
    for (size_t i = 0; i < sc->asgs.n; i++) {
        const sc_asg *s = &sc->asgs.items[i];
        w_asg *a = VEC_NEW(w->asgs);
        a->sc = s;
        char id[37];
        w_uuid(w, id);
        a->arn = xasprintf("arn:aws:autoscaling:%s:%s:autoScalingGroup:%s:autoScalingGroupName/%s", w->region,
                           w->account_id, id, s->name);
        a->min = s->min_size;
        a->max = s->max_size;
        a->desired = s->desired;
        a->lt = w_lt_index(w, NULL, s->launch_template);
        a->lt_version_spec = xstrdup(s->lt_version);
        a->lt_version = w_resolve_version(w, a->lt, s->lt_version);
        if (a->lt_version < 0)
            a->lt_version = sc->launch_templates.items[a->lt].default_version;
        a->repo = -1;
        for (size_t r = 0; s->repository && r < w->repos.n; r++)
            if (str_eq(w->repos.items[r].name, s->repository))
                a->repo = (int)r;
        for (size_t t = 0; t < s->target_groups.n; t++)
            for (size_t j = 0; j < w->tgs.n; j++)
                if (str_eq(w->tgs.items[j].sc->name, s->target_groups.items[t]))
                    VEC_PUSH(a->tgs, (int)j);
        a->created = w->now - 30LL * 86400000;
        a->active_refresh = -1;
        a->last_healthy = -1;
    }
    /* the scenario's instances have been running for a while: already healthy, and
     * their history is not news (no events) */
    aws_time now = w->now;
    w->quiet = true;
    for (size_t i = 0; i < w->asgs.n; i++) {
        w_asg *a = &w->asgs.items[i];
        /* the desired capacity in service, then the extra ones in Standby, then the warm pool */
        int total = a->desired + a->sc->standby_instances, warm = warm_size(a);
        for (int k = 0; k < total + warm; k++) {
            aws_time ago = (aws_time)(3600 + w_rand_range(w, 72 * 3600)) * 1000;
            w->now = now - ago;
            int idx = launch(w, (int)i, a->lt, a->lt_version, a->lt_version_spec, "capacity", 0, k >= total);
            w_instance *in = &w->instances.items[idx];
            /* an image that fails after a while: counted from the start, for these */
            aws_time fail_delay = in->fails_at ? in->fails_at - in->ready_at : -1;
            in->in_service_at = w->now + (aws_time)a->sc->launch_delay_s * 1000;
            in->ready_at = in->in_service_at;
            if (fail_delay >= 0)
                in->fails_at = now + fail_delay;
            w->now = in->in_service_at;
            in->lc = k >= total ? LC_WARMED : k >= a->desired ? LC_STANDBY : LC_INSERVICE;
            in->protected_ = k < a->sc->protected_instances;
            act_done(w, in->launch_activity, "Successful", NULL);
            w->now = now;
            if (in->lc == LC_INSERVICE) {
                w_elb_register(w, idx);
                w_elb_mark_healthy(w, idx);
            }
        }
        for (size_t k = 0; k < a->sc->suspended.n; k++)
            suspend(w, a, a->sc->suspended.items[k].process, a->sc->suspended.items[k].reason);
    }
    w->now = now;
    w->quiet = false;
    /* their launch activities were made in group order: keep the history in time order */
    if (w->activities.n > 1)
        qsort(w->activities.items, w->activities.n, sizeof *w->activities.items, act_cmp);
    for (size_t i = 0; i < w->instances.n; i++)
        w->instances.items[i].launch_activity = -1; /* all finished; indexes moved */
}

void w_asg_free(sim_world *w)
{
    for (size_t i = 0; i < w->asgs.n; i++) {
        free(w->asgs.items[i].arn);
        free(w->asgs.items[i].lt_version_spec);
        VEC_FREE(w->asgs.items[i].tgs);
        VEC_FREE(w->asgs.items[i].instances);
        VEC_FREE(w->asgs.items[i].warm);
        for (size_t k = 0; k < w->asgs.items[i].suspended.n; k++) {
            free(w->asgs.items[i].suspended.items[k].process);
            free(w->asgs.items[i].suspended.items[k].reason);
        }
        VEC_FREE(w->asgs.items[i].suspended);
    }
    VEC_FREE(w->asgs);
    for (size_t i = 0; i < w->instances.n; i++) {
        free(w->instances.items[i].digest);
        free(w->instances.items[i].lt_version_spec);
    }
    VEC_FREE(w->instances);
}

/* ---------- stepping ---------- */

/* Warm pool instances: Warmed:Pending until booted and initialized, then warmed;
 * terminated ones leave the pool (no load balancer to drain from). */
static void warm_lifecycle_step(sim_world *w, w_asg *a)
{
    for (size_t i = 0; i < a->warm.n;) {
        int idx = a->warm.items[i];
        w_instance *in = &w->instances.items[idx];
        if (in->lc == LC_WARM_PENDING && w->now >= in->ready_at) {
            in->lc = LC_WARMED;
            act_done(w, in->launch_activity, "Successful", NULL);
            w_event(w, "instance_warmed", "\"asg\":\"%s\",\"instance\":\"%s\",\"state\":\"%s\"", a->sc->name, in->id,
                    w_lifecycle_name(w, in));
        } else if (in->lc == LC_TERMINATING && w->now >= in->terminate_at) {
            in->lc = LC_TERMINATED;
            in->terminated_at = w->now;
            act_done(w, in->term_activity, "Successful", NULL);
            w_event(w, "instance_terminated", "\"asg\":\"%s\",\"instance\":\"%s\"", a->sc->name, in->id);
            memmove(&a->warm.items[i], &a->warm.items[i + 1], (a->warm.n - i - 1) * sizeof(int));
            a->warm.n--;
            continue;
        }
        i++;
    }
}

void w_asg_lifecycle_step(sim_world *w)
{
    for (size_t g = 0; g < w->asgs.n; g++) {
        w_asg *a = &w->asgs.items[g];
        warm_lifecycle_step(w, a);
        for (size_t i = 0; i < a->instances.n;) {
            int idx = a->instances.items[i];
            w_instance *in = &w->instances.items[idx];
            if (in->lc == LC_PENDING && w->now >= in->in_service_at) {
                in->lc = LC_INSERVICE;
                act_done(w, in->launch_activity, "Successful", NULL);
                w_event(w, "instance_in_service", "\"asg\":\"%s\",\"instance\":\"%s\"", a->sc->name, in->id);
                w_elb_register(w, idx);
            } else if (in->lc == LC_TERMINATING && w->now >= in->terminate_at && w_elb_drained(w, idx)) {
                in->lc = LC_TERMINATED;
                in->terminated_at = w->now;
                act_done(w, in->term_activity, "Successful", NULL);
                w_event(w, "instance_terminated", "\"asg\":\"%s\",\"instance\":\"%s\"", a->sc->name, in->id);
                memmove(&a->instances.items[i], &a->instances.items[i + 1], (a->instances.n - i - 1) * sizeof(int));
                a->instances.n--;
                continue;
            }
            i++;
        }
    }
}

/* Which instance to scale in: the AZ with the most instances, then an instance on an
 * older configuration, then the oldest launch (AWS's Default termination policy, simplified). */
static int pick_victim(const sim_world *w, const w_asg *a)
{
    int best = -1, best_az = -1;
    for (size_t i = 0; i < a->instances.n; i++) {
        int idx = a->instances.items[i];
        const w_instance *in = &w->instances.items[idx];
        if (!alive(in) || in->protected_) /* scale-in protection */
            continue;
        int az_n = az_alive(w, a, in->az);
        if (best < 0 || az_n > best_az) {
            best = idx;
            best_az = az_n;
            continue;
        }
        if (az_n < best_az)
            continue;
        const w_instance *b = &w->instances.items[best];
        bool in_old = !w_instance_matches(w, idx, a->lt, a->lt_version);
        bool b_old = !w_instance_matches(w, best, a->lt, a->lt_version);
        if ((in_old && !b_old) || (in_old == b_old && in->launch_time < b->launch_time))
            best = idx;
    }
    return best;
}

/* Keeps the warm pool at its size, with the configuration new instances get. */
static void warm_reconcile(sim_world *w, int g, bool can_launch, bool can_terminate)
{
    w_asg *a = &w->asgs.items[g];
    int want = warm_size(a), n = 0;
    for (size_t i = 0; i < a->warm.n; i++) {
        w_lifecycle lc = w->instances.items[a->warm.items[i]].lc;
        n += lc == LC_WARM_PENDING || lc == LC_WARMED;
    }
    for (; can_launch && n < want; n++) {
        int lt = a->lt, ver = a->lt_version, gen = 0;
        const char *spec = a->lt_version_spec;
        w_refresh_launch_config(w, g, &lt, &ver, &spec, &gen);
        launch(w, g, lt, ver, spec, "warm_pool", gen, true);
    }
    for (size_t i = a->warm.n; can_terminate && n > want && i-- > 0;) {
        w_instance *in = &w->instances.items[a->warm.items[i]];
        if (in->lc == LC_WARM_PENDING || in->lc == LC_WARMED) {
            w_terminate(w, a->warm.items[i], "capacity");
            n--;
        }
    }
}

void w_asg_reconcile_step(sim_world *w)
{
    for (size_t g = 0; g < w->asgs.n; g++) {
        w_asg *a = &w->asgs.items[g];
        /* suspended processes (user guide, "Suspend and resume processes") */
        bool can_launch = !w_asg_suspended(w, (int)g, "Launch");
        bool can_terminate = !w_asg_suspended(w, (int)g, "Terminate");
        bool health_check = !w_asg_suspended(w, (int)g, "HealthCheck");
        bool replace_unhealthy = can_terminate && !w_asg_suspended(w, (int)g, "ReplaceUnhealthy");
        /* ELB health checks: an instance past its grace period whose target is unhealthy
         * is marked unhealthy, and replaced */
        for (size_t i = 0; i < a->instances.n; i++) {
            int idx = a->instances.items[i];
            w_instance *in = &w->instances.items[idx];
            if (in->lc != LC_INSERVICE)
                continue;
            if (!in->unhealthy && health_check && str_eq(a->sc->health_check_type, "ELB") &&
                w->now >= in->launch_time + (aws_time)a->sc->grace_period_s * 1000 && w_elb_any_unhealthy(w, idx)) {
                in->unhealthy = true;
                w_event(w, "instance_health", "\"asg\":\"%s\",\"instance\":\"%s\",\"health\":\"Unhealthy\"",
                        a->sc->name, in->id);
                w_refresh_note_health_failure(w, idx);
            }
            if (in->unhealthy && replace_unhealthy)
                w_terminate(w, idx, "unhealthy");
        }
        int n = alive_count(w, a);
        while (can_launch && n < a->desired) {
            int lt = a->lt, ver = a->lt_version, gen = 0;
            const char *spec = a->lt_version_spec;
            bool refresh = w_refresh_launch_config(w, (int)g, &lt, &ver, &spec, &gen);
            w_launch(w, (int)g, lt, ver, spec, refresh ? "refresh" : "capacity", gen);
            n++;
        }
        while (can_terminate && n > a->desired && a->active_refresh < 0) {
            int v = pick_victim(w, a);
            if (v < 0)
                break;
            w_terminate(w, v, "capacity");
            n--;
        }
        warm_reconcile(w, (int)g, can_launch, can_terminate);
        int healthy = 0;
        for (size_t i = 0; i < a->instances.n; i++)
            healthy += w_instance_healthy(w, a->instances.items[i]);
        if (healthy != a->last_healthy) {
            w_event(w, "asg_healthy", "\"asg\":\"%s\",\"healthy\":%d,\"desired\":%d", a->sc->name, healthy, a->desired);
            a->last_healthy = healthy;
        }
    }
}

/* ---------- reads and capacity ---------- */

static void fill_instance(const sim_world *w, const w_asg *a, const w_instance *in, const sc_launch_template *it,
                          asg_instance *oi)
{
    oi->instance_id = xstrdup(in->id);
    oi->instance_type = xstrdup(a->sc->instance_type);
    oi->availability_zone = xstrdup(in->az);
    oi->lifecycle_state = xstrdup(w_lifecycle_name(w, in));
    oi->health_status = xstrdup(in->unhealthy ? "Unhealthy" : "Healthy");
    oi->launch_template.launch_template_id = xstrdup(it->id);
    oi->launch_template.launch_template_name = xstrdup(it->name);
    oi->launch_template.version = xasprintf("%d", in->lt_version);
    oi->protected_from_scale_in = in->protected_;
}

static void fill_warm_config(const w_asg *a, warm_pool_config *c)
{
    const sc_warm_pool *wp = &a->sc->warm_pool;
    c->present = true;
    c->has_max_group_prepared_capacity = true;
    c->max_group_prepared_capacity = wp->max_prepared;
    c->has_min_size = true;
    c->min_size = wp->min_size;
    c->pool_state = xstrdup(wp->pool_state);
    c->has_reuse_on_scale_in = wp->has_reuse;
    c->reuse_on_scale_in = wp->reuse_on_scale_in;
}

static void fill_group(const sim_world *w, const w_asg *a, asg_group *o)
{
    const sc_launch_template *t = &w->sc->launch_templates.items[a->lt];
    o->name = xstrdup(a->sc->name);
    o->arn = xstrdup(a->arn);
    o->launch_template.launch_template_id = xstrdup(t->id);
    o->launch_template.launch_template_name = xstrdup(t->name);
    o->launch_template.version = xstrdup(a->lt_version_spec);
    o->min_size = a->min;
    o->max_size = a->max;
    o->desired_capacity = a->desired;
    o->default_cooldown = 300;
    for (size_t z = 0; z < a->sc->azs.n; z++)
        strvec_push(&o->availability_zones, a->sc->azs.items[z]);
    for (size_t i = 0; i < a->tgs.n; i++)
        strvec_push(&o->target_group_arns, w->tgs.items[a->tgs.items[i]].arn);
    o->health_check_type = xstrdup(a->sc->health_check_type);
    o->health_check_grace_period = a->sc->grace_period_s;
    o->has_default_instance_warmup = a->sc->has_default_warmup;
    o->default_instance_warmup = a->sc->default_warmup_s;
    for (size_t i = 0; i < a->instances.n; i++) {
        const w_instance *in = &w->instances.items[a->instances.items[i]];
        fill_instance(w, a, in, &w->sc->launch_templates.items[in->lt], VEC_NEW(o->instances));
    }
    /* the target groups are its traffic sources too (TrafficSourceIdentifier, type elbv2) */
    for (size_t i = 0; i < a->tgs.n; i++) {
        asg_traffic_source *ts = VEC_NEW(o->traffic_sources);
        ts->identifier = xstrdup(w->tgs.items[a->tgs.items[i]].arn);
        ts->type = xstrdup("elbv2");
    }
    for (size_t i = 0; i < a->suspended.n; i++) {
        asg_suspended_process *sp = VEC_NEW(o->suspended_processes);
        sp->process_name = xstrdup(a->suspended.items[i].process);
        sp->suspension_reason = xstrdup(a->suspended.items[i].reason);
    }
    if (a->sc->warm_pool.present) {
        fill_warm_config(a, &o->warm_pool);
        int n = 0;
        for (size_t i = 0; i < a->warm.n; i++) {
            w_lifecycle lc = w->instances.items[a->warm.items[i]].lc;
            n += lc == LC_WARM_PENDING || lc == LC_WARMED;
        }
        o->has_warm_pool_size = true;
        o->warm_pool_size = n;
    }
    o->new_instances_protected_from_scale_in = a->sc->new_instances_protected;
    o->created_time = a->created;
    strbuf sb;
    sb_init(&sb);
    for (size_t z = 0; z < a->sc->azs.n; z++)
        sb_printf(&sb, "%ssubnet-0%016zx", z ? "," : "", 0xab5100u + z);
    o->vpc_zone_identifier = sb_steal(&sb);
    sb_free(&sb);
    asg_tag *tag = VEC_NEW(o->tags);
    tag->key = xstrdup("Name");
    tag->value = xstrdup(a->sc->name);
    tag->propagate_at_launch = true;
    strvec_push(&o->termination_policies, "Default");
    o->has_instance_maintenance_policy = a->sc->imp_min_healthy >= 0 || a->sc->imp_max_healthy >= 0;
    o->imp_min_healthy_percentage = a->sc->imp_min_healthy;
    o->imp_max_healthy_percentage = a->sc->imp_max_healthy;
}

sim_error world_describe_asgs(sim_world *w, const strvec *names, const char *next_token, int max_items,
                              asg_group_list *out, char **next_out)
{
    *next_out = NULL;
    if (max_items > 100)
        return w_err("ValidationError", 400,
                     "1 validation error detected: Value '%d' at 'maxRecords' failed to satisfy constraint: Member "
                     "must have value less than or equal to 100",
                     max_items);
    size_t off;
    if (!w_untoken(w, "DescribeAutoScalingGroups", next_token, &off))
        return w_err("InvalidNextToken", 400, "The token '%.64s' is invalid.", next_token);
    size_t page = (size_t)w_page(w, "DescribeAutoScalingGroups", max_items, 50), seen = 0, taken = 0;
    for (size_t i = 0; i < w->asgs.n; i++) {
        if (names && names->n && !strvec_contains(names, w->asgs.items[i].sc->name))
            continue;
        if (seen++ < off)
            continue;
        if (taken == page) {
            *next_out = w_token(w, "DescribeAutoScalingGroups", off + taken);
            break;
        }
        fill_group(w, &w->asgs.items[i], VEC_NEW(*out));
        taken++;
    }
    return w_okv();
}

sim_error world_describe_activities(sim_world *w, const char *asg_name, const strvec *activity_ids,
                                    const char *next_token, int max_items, scaling_activity_list *out, char **next_out)
{
    *next_out = NULL;
    if (max_items > 100)
        return w_err("ValidationError", 400,
                     "1 validation error detected: Value '%d' at 'maxRecords' failed to satisfy constraint: Member "
                     "must have value less than or equal to 100",
                     max_items);
    size_t off;
    if (!w_untoken(w, "DescribeScalingActivities", next_token, &off))
        return w_err("InvalidNextToken", 400, "The token '%.64s' is invalid.", next_token);
    size_t page = (size_t)w_page(w, "DescribeScalingActivities", max_items, 100), seen = 0, taken = 0;
    for (size_t k = w->activities.n; k-- > 0;) {
        const scaling_activity *a = &w->activities.items[k];
        if (!str_empty(asg_name) && !str_eq(a->auto_scaling_group_name, asg_name))
            continue;
        if (activity_ids && activity_ids->n && !strvec_contains(activity_ids, a->activity_id))
            continue;
        if (seen++ < off)
            continue;
        if (taken == page) {
            *next_out = w_token(w, "DescribeScalingActivities", off + taken);
            break;
        }
        scaling_activity *o = VEC_NEW(*out);
        o->activity_id = xstrdup(a->activity_id);
        o->auto_scaling_group_name = xstrdup(a->auto_scaling_group_name);
        o->description = xstrdup(a->description);
        o->cause = xstrdup(a->cause);
        o->start_time = a->start_time;
        o->end_time = a->end_time;
        o->status_code = xstrdup(a->status_code);
        o->status_message = xstrdup(a->status_message);
        o->has_progress = a->has_progress;
        o->progress = a->progress;
        o->details = xstrdup(a->details);
        taken++;
    }
    return w_okv();
}

sim_error world_set_desired_capacity(sim_world *w, const char *asg_name, int desired)
{
    int g = w_asg_index(w, asg_name);
    if (g < 0)
        return w_err("ValidationError", 400, "AutoScalingGroup name not found - %.64s", asg_name ? asg_name : "");
    w_asg *a = &w->asgs.items[g];
    if (desired > a->max)
        return w_err("ValidationError", 400,
                     "New SetDesiredCapacity value %d is above max value %d for the AutoScalingGroup.", desired,
                     a->max);
    if (desired < a->min)
        return w_err("ValidationError", 400,
                     "New SetDesiredCapacity value %d is below min value %d for the AutoScalingGroup.", desired,
                     a->min);
    a->desired = desired;
    w_event(w, "capacity", "\"asg\":\"%s\",\"desired\":%d", a->sc->name, desired);
    return w_okv();
}

/* ---------- warm pool, suspended processes ---------- */

sim_error world_describe_warm_pool(sim_world *w, const char *asg_name, const char *next_token, int max_items,
                                   warm_pool *out, char **next_out)
{
    *next_out = NULL;
    int g = w_asg_index(w, asg_name);
    if (g < 0)
        return w_err("ValidationError", 400, "AutoScalingGroup name not found - %.64s", asg_name ? asg_name : "");
    if (max_items > 50)
        return w_err("ValidationError", 400,
                     "1 validation error detected: Value '%d' at 'maxRecords' failed to satisfy constraint: Member "
                     "must have value less than or equal to 50",
                     max_items);
    size_t off;
    if (!w_untoken(w, "DescribeWarmPool", next_token, &off))
        return w_err("InvalidNextToken", 400, "The token '%.64s' is invalid.", next_token);
    const w_asg *a = &w->asgs.items[g];
    if (!a->sc->warm_pool.present)
        return w_okv();
    fill_warm_config(a, &out->config);
    size_t page = (size_t)w_page(w, "DescribeWarmPool", max_items, 50), seen = 0, taken = 0;
    for (size_t i = 0; i < a->warm.n; i++) {
        const w_instance *in = &w->instances.items[a->warm.items[i]];
        if (in->lc == LC_TERMINATED)
            continue;
        if (seen++ < off)
            continue;
        if (taken == page) {
            *next_out = w_token(w, "DescribeWarmPool", off + taken);
            break;
        }
        fill_instance(w, a, in, &w->sc->launch_templates.items[in->lt], VEC_NEW(out->instances));
        taken++;
    }
    return w_okv();
}

static sim_error processes(sim_world *w, const char *asg_name, const strvec *names, bool suspend_them)
{
    int g = w_asg_index(w, asg_name);
    if (g < 0)
        return w_err("ValidationError", 400, "AutoScalingGroup name not found - %.64s", asg_name ? asg_name : "");
    for (size_t i = 0; names && i < names->n; i++)
        if (!sim_process_known(names->items[i]))
            return w_err("ValidationError", 400, "Process %.64s is not a valid process type.", names->items[i]);
    w_asg *a = &w->asgs.items[g];
    size_t n = names && names->n ? names->n : sim_process_count();
    for (size_t i = 0; i < n; i++) {
        const char *name = names && names->n ? names->items[i] : sim_process_name(i);
        if (suspend_them)
            suspend(w, a, name, NULL);
        else
            resume(w, a, name);
    }
    return w_okv();
}

sim_error world_suspend_processes(sim_world *w, const char *asg_name, const strvec *names)
{
    return processes(w, asg_name, names, true);
}

sim_error world_resume_processes(sim_world *w, const char *asg_name, const strvec *names)
{
    return processes(w, asg_name, names, false);
}
