/* world_elb.c — elbv2 in the world: target groups whose targets go initial →
 * healthy/unhealthy by the health-check interval and thresholds (an NLB target group
 * with an unhealthy draining interval through unhealthy.draining), drain for the
 * deregistration delay, stay unused (Target.NotInUse) in a target group no load
 * balancer uses; and the load balancers, listeners and rules in front of them.
 * TargetHealth's states and reasons as its API reference documents them:
 * docs/simulator.md. */
#include "world_int.h"

#include <stdio.h>
#include <stdlib.h>

static char *elb_arn(sim_world *w, const char *kind, const char *rest)
{
    return xasprintf("arn:aws:elasticloadbalancing:%s:%s:%s/%s", w->region, w->account_id, kind, rest);
}

static int tg_index(const sim_world *w, const char *name)
{
    for (size_t i = 0; i < w->tgs.n; i++)
        if (str_eq(w->tgs.items[i].sc->name, name))
            return (int)i;
    return -1;
}

void w_elb_init(sim_world *w)
{
    const sim_scenario *sc = w->sc;
    for (size_t i = 0; i < sc->target_groups.n; i++) {
        w_tg *t = VEC_NEW(w->tgs);
        t->sc = &sc->target_groups.items[i];
        char rest[128];
        snprintf(rest, sizeof rest, "%s/%016llx", t->sc->name, (unsigned long long)w_rand(w));
        t->arn = elb_arn(w, "targetgroup", rest);
        t->last_healthy = t->last_total = -1;
    }
    for (size_t i = 0; i < sc->load_balancers.n; i++) {
        const sc_load_balancer *lb = &sc->load_balancers.items[i];
        char lbid[128];
        snprintf(lbid, sizeof lbid, "app/%s/%016llx", lb->name, (unsigned long long)w_rand(w));
        VEC_PUSH(w->lb_arns, elb_arn(w, "loadbalancer", lbid));
        for (size_t j = 0; j < lb->listeners.n; j++) {
            const sc_listener *l = &lb->listeners.items[j];
            char lid[160];
            snprintf(lid, sizeof lid, "%s/%016llx", lbid, (unsigned long long)w_rand(w));
            VEC_PUSH(w->listener_arns, elb_arn(w, "listener", lid));
            for (size_t k = 0; k <= l->rules.n; k++) { /* the last one is the default rule */
                char rid[200];
                snprintf(rid, sizeof rid, "%s/%016llx", lid, (unsigned long long)w_rand(w));
                VEC_PUSH(w->rule_arns, elb_arn(w, "listener-rule", rid));
            }
            /* the target groups this listener forwards to know their load balancer */
            int ti = l->target_group ? tg_index(w, l->target_group) : -1;
            if (ti >= 0 && !strvec_contains(&w->tgs.items[ti].lb_arns, w->lb_arns.items[i]))
                strvec_push(&w->tgs.items[ti].lb_arns, w->lb_arns.items[i]);
            for (size_t k = 0; k < l->rules.n; k++) {
                ti = tg_index(w, l->rules.items[k].target_group);
                if (ti >= 0 && !strvec_contains(&w->tgs.items[ti].lb_arns, w->lb_arns.items[i]))
                    strvec_push(&w->tgs.items[ti].lb_arns, w->lb_arns.items[i]);
            }
        }
    }
}

void w_elb_free(sim_world *w)
{
    for (size_t i = 0; i < w->tgs.n; i++) {
        free(w->tgs.items[i].arn);
        VEC_FREE(w->tgs.items[i].targets);
        strvec_free(&w->tgs.items[i].lb_arns);
    }
    VEC_FREE(w->tgs);
}

/* ---------- targets ---------- */

static const char *state_name(w_tstate s)
{
    switch (s) {
    case TS_INITIAL:
        return "initial";
    case TS_HEALTHY:
        return "healthy";
    case TS_UNHEALTHY:
        return "unhealthy";
    case TS_DRAINING:
        return "draining";
    case TS_UNUSED:
        return "unused";
    case TS_UNHEALTHY_DRAINING:
        return "unhealthy.draining";
    }
    return "unavailable";
}

/* A Network Load Balancer's target group (the TCP family of protocols). */
static bool nlb_group(const w_tg *t)
{
    const char *p = t->sc->protocol;
    return str_eq(p, "TCP") || str_eq(p, "TLS") || str_eq(p, "UDP") || str_eq(p, "TCP_UDP");
}

static void set_state(sim_world *w, w_tg *t, w_target *tg, w_tstate to, const char *reason)
{
    if (tg->state != to)
        w_event(w, "target_state", "\"tg\":\"%s\",\"target\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"reason\":\"%s\"",
                t->sc->name, w->instances.items[tg->inst].id, state_name(tg->state), state_name(to),
                reason ? reason : "");
    tg->state = to;
    tg->reason = reason;
}

void w_elb_register(sim_world *w, int inst)
{
    const w_asg *a = &w->asgs.items[w->instances.items[inst].asg];
    for (size_t i = 0; i < a->tgs.n; i++) {
        w_tg *t = &w->tgs.items[a->tgs.items[i]];
        w_target *tg = VEC_NEW(t->targets);
        tg->inst = inst;
        tg->next_check = w->now + (aws_time)t->sc->interval_s * 1000;
        /* "The target group is not used by any load balancer": unused, Target.NotInUse */
        bool in_use = t->lb_arns.n > 0;
        tg->state = in_use ? TS_INITIAL : TS_UNUSED;
        tg->reason = in_use ? "Elb.RegistrationInProgress" : "Target.NotInUse";
        if (in_use)
            w_event(w, "target_state",
                    "\"tg\":\"%s\",\"target\":\"%s\",\"from\":\"unused\",\"to\":\"initial\",\"reason\":\"Elb."
                    "RegistrationInProgress\"",
                    t->sc->name, w->instances.items[inst].id);
    }
}

void w_elb_deregister(sim_world *w, int inst)
{
    for (size_t i = 0; i < w->tgs.n; i++) {
        w_tg *t = &w->tgs.items[i];
        for (size_t j = 0; j < t->targets.n; j++) {
            w_target *tg = &t->targets.items[j];
            if (tg->inst == inst && tg->state != TS_DRAINING) {
                /* no load balancer sends an unused target traffic: nothing to drain (the
                 * simulator's reading), it goes at the next step */
                bool unused = tg->state == TS_UNUSED;
                set_state(w, t, tg, TS_DRAINING, "Target.DeregistrationInProgress");
                tg->drain_until = w->now + (unused ? 0 : (aws_time)t->sc->deregistration_delay_s * 1000);
            }
        }
    }
}

/* Whether the app on the instance answers its health check now. */
static bool check_passes(const sim_world *w, const w_instance *in)
{
    return in->lc == LC_INSERVICE && !in->bad && in->digest && !in->pull_failed && w->now >= in->ready_at &&
        !(in->fails_at && w->now >= in->fails_at);
}

/* Why a check failed, as TargetHealth's Reason documents the codes: an NLB only has
 * Target.FailedHealthChecks (the other two "apply only to Application Load Balancers
 * and Gateway Load Balancers"); on an ALB, an image that answers with an error code is
 * Target.ResponseCodeMismatch, no container at all (nothing pulled: the connection is
 * refused) Target.FailedHealthChecks, an app still starting Target.Timeout. */
static const char *fail_reason_of(const sim_world *w, const w_tg *t, const w_instance *in)
{
    if (nlb_group(t) || !in->digest || in->pull_failed || (in->fails_at && w->now >= in->fails_at))
        return "Target.FailedHealthChecks";
    return in->bad ? "Target.ResponseCodeMismatch" : "Target.Timeout";
}

static void check_target(sim_world *w, w_tg *t, w_target *tg)
{
    const w_instance *in = &w->instances.items[tg->inst];
    bool pass = check_passes(w, in);
    const char *fail_reason = fail_reason_of(w, t, in);
    if (pass) {
        tg->ok_run++;
        tg->fail_run = 0;
    } else {
        tg->fail_run++;
        tg->ok_run = 0;
    }
    switch (tg->state) {
    case TS_INITIAL:
        if (pass && tg->ok_run >= t->sc->healthy_threshold)
            set_state(w, t, tg, TS_HEALTHY, NULL);
        else if (!pass && tg->fail_run >= t->sc->unhealthy_threshold)
            set_state(w, t, tg, TS_UNHEALTHY, fail_reason);
        else
            tg->reason = "Elb.InitialHealthChecking";
        break;
    case TS_HEALTHY:
        if (!pass && tg->fail_run >= t->sc->unhealthy_threshold) {
            /* NLB with connection termination off: unhealthy.draining first, for the interval */
            if (t->sc->unhealthy_draining_s > 0) {
                set_state(w, t, tg, TS_UNHEALTHY_DRAINING, fail_reason);
                tg->drain_until = w->now + (aws_time)t->sc->unhealthy_draining_s * 1000;
            } else {
                set_state(w, t, tg, TS_UNHEALTHY, fail_reason);
            }
        }
        break;
    case TS_UNHEALTHY_DRAINING: /* back to healthy if it recovers, else unhealthy at the end */
        if (pass && tg->ok_run >= t->sc->healthy_threshold)
            set_state(w, t, tg, TS_HEALTHY, NULL);
        break;
    case TS_UNHEALTHY:
        if (pass && tg->ok_run >= t->sc->healthy_threshold)
            set_state(w, t, tg, TS_HEALTHY, NULL);
        else if (!pass)
            tg->reason = fail_reason;
        break;
    case TS_DRAINING:
    case TS_UNUSED:
        break;
    }
}

void w_elb_step(sim_world *w)
{
    for (size_t i = 0; i < w->tgs.n; i++) {
        w_tg *t = &w->tgs.items[i];
        int healthy = 0, total = 0;
        for (size_t j = 0; j < t->targets.n;) {
            w_target *tg = &t->targets.items[j];
            if (tg->state == TS_DRAINING) {
                if (w->now >= tg->drain_until) {
                    w_event(w, "target_state",
                            "\"tg\":\"%s\",\"target\":\"%s\",\"from\":\"draining\",\"to\":\"unused\",\"reason\":"
                            "\"Target.NotRegistered\"",
                            t->sc->name, w->instances.items[tg->inst].id);
                    t->targets.items[j] = t->targets.items[--t->targets.n];
                    continue;
                }
            } else if (tg->state == TS_UNUSED) {
                /* no load balancer sends it health checks */
            } else if (w->now >= tg->next_check) {
                check_target(w, t, tg);
                tg->next_check += (aws_time)t->sc->interval_s * 1000;
            }
            if (tg->state == TS_UNHEALTHY_DRAINING && w->now >= tg->drain_until)
                set_state(w, t, tg, TS_UNHEALTHY, tg->reason);
            if (tg->state != TS_DRAINING) {
                total++;
                healthy += tg->state == TS_HEALTHY;
            }
            j++;
        }
        if (healthy != t->last_healthy || total != t->last_total) {
            w_event(w, "tg_healthy", "\"tg\":\"%s\",\"healthy\":%d,\"total\":%d", t->sc->name, healthy, total);
            t->last_healthy = healthy;
            t->last_total = total;
        }
    }
}

/* Initial instances of a scenario start already healthy. */
void w_elb_mark_healthy(sim_world *w, int inst)
{
    for (size_t i = 0; i < w->tgs.n; i++)
        for (size_t j = 0; j < w->tgs.items[i].targets.n; j++) {
            w_target *tg = &w->tgs.items[i].targets.items[j];
            if (tg->inst == inst && tg->state != TS_UNUSED && check_passes(w, &w->instances.items[inst])) {
                tg->state = TS_HEALTHY;
                tg->reason = NULL;
                tg->ok_run = w->tgs.items[i].sc->healthy_threshold;
            }
        }
}

static const w_target *find_target(const w_tg *t, int inst, bool include_draining)
{
    for (size_t j = 0; j < t->targets.n; j++)
        if (t->targets.items[j].inst == inst && (include_draining || t->targets.items[j].state != TS_DRAINING))
            return &t->targets.items[j];
    return NULL;
}

bool w_elb_all_healthy(const sim_world *w, int inst)
{
    const w_asg *a = &w->asgs.items[w->instances.items[inst].asg];
    for (size_t i = 0; i < a->tgs.n; i++) {
        const w_target *tg = find_target(&w->tgs.items[a->tgs.items[i]], inst, false);
        /* a target group no load balancer uses holds no health verdict (the simulator's reading) */
        if (!tg || (tg->state != TS_HEALTHY && tg->state != TS_UNUSED))
            return false;
    }
    return true;
}

bool w_elb_any_unhealthy(const sim_world *w, int inst)
{
    const w_asg *a = &w->asgs.items[w->instances.items[inst].asg];
    for (size_t i = 0; i < a->tgs.n; i++) {
        const w_target *tg = find_target(&w->tgs.items[a->tgs.items[i]], inst, false);
        if (tg && tg->state == TS_UNHEALTHY)
            return true;
    }
    return false;
}

bool w_elb_drained(const sim_world *w, int inst)
{
    for (size_t i = 0; i < w->tgs.n; i++)
        if (find_target(&w->tgs.items[i], inst, true))
            return false;
    return true;
}

int w_tg_count(const sim_world *w, int tg, bool healthy)
{
    const w_tg *t = &w->tgs.items[tg];
    int n = 0;
    for (size_t j = 0; j < t->targets.n; j++) {
        w_tstate s = t->targets.items[j].state;
        if (healthy ? s == TS_HEALTHY : s == TS_UNHEALTHY || s == TS_UNHEALTHY_DRAINING)
            n++;
    }
    return n;
}

/* ---------- reads ---------- */

static void fill_tg(const w_tg *t, target_group *o)
{
    o->target_group_arn = xstrdup(t->arn);
    o->target_group_name = xstrdup(t->sc->name);
    o->protocol = xstrdup(t->sc->protocol ? t->sc->protocol : "HTTP");
    o->has_port = true;
    o->port = t->sc->port;
    o->vpc_id = xstrdup("vpc-0000000000005151");
    o->health_check_protocol = xstrdup("HTTP");
    o->health_check_port = xstrdup("traffic-port");
    o->health_check_path = xstrdup(t->sc->health_check_path ? t->sc->health_check_path : "/");
    o->health_check_enabled = true;
    o->health_check_interval_seconds = t->sc->interval_s;
    o->health_check_timeout_seconds = t->sc->timeout_s;
    o->healthy_threshold_count = t->sc->healthy_threshold;
    o->unhealthy_threshold_count = t->sc->unhealthy_threshold;
    o->matcher_http_code = xstrdup("200");
    for (size_t i = 0; i < t->lb_arns.n; i++)
        strvec_push(&o->load_balancer_arns, t->lb_arns.items[i]);
    o->target_type = xstrdup("instance");
}

sim_error world_describe_target_groups(sim_world *w, const strvec *arns, const strvec *names, const char *lb_arn,
                                       const char *marker, int page_size, target_group_list *out, char **next_marker)
{
    *next_marker = NULL;
    VEC(int) pick = { 0 };
    if (arns && arns->n) {
        for (size_t i = 0; i < arns->n; i++) {
            int found = -1;
            for (size_t j = 0; j < w->tgs.n; j++)
                if (str_eq(w->tgs.items[j].arn, arns->items[i]))
                    found = (int)j;
            if (found < 0) {
                VEC_FREE(pick);
                return w_err("TargetGroupNotFound", 400, "One or more target groups not found");
            }
            VEC_PUSH(pick, found);
        }
    } else if (names && names->n) {
        for (size_t i = 0; i < names->n; i++) {
            int found = tg_index(w, names->items[i]);
            if (found < 0) {
                VEC_FREE(pick);
                return w_err("TargetGroupNotFound", 400, "One or more target groups not found");
            }
            VEC_PUSH(pick, found);
        }
    } else {
        if (!str_empty(lb_arn)) {
            bool known = false;
            for (size_t i = 0; i < w->lb_arns.n; i++)
                known |= str_eq(w->lb_arns.items[i], lb_arn);
            if (!known)
                return w_err("LoadBalancerNotFound", 400, "One or more load balancers not found");
        }
        for (size_t j = 0; j < w->tgs.n; j++)
            if (str_empty(lb_arn) || strvec_contains(&w->tgs.items[j].lb_arns, lb_arn))
                VEC_PUSH(pick, (int)j);
    }
    size_t off;
    if (!w_untoken(w, "DescribeTargetGroups", marker, &off)) {
        VEC_FREE(pick);
        return w_err("ValidationError", 400, "Invalid value for 'Marker'");
    }
    size_t page = (size_t)w_page(w, "DescribeTargetGroups", page_size, 400);
    for (size_t i = off; i < pick.n; i++) {
        if (i - off == page) {
            *next_marker = w_token(w, "DescribeTargetGroups", i);
            break;
        }
        fill_tg(&w->tgs.items[pick.items[i]], VEC_NEW(*out));
    }
    VEC_FREE(pick);
    return w_okv();
}

static void fill_health(const sim_world *w, const w_tg *t, const w_target *tg, const char *id, target_health_desc *o)
{
    o->target_id = xstrdup(id);
    o->has_port = true;
    o->port = t->sc->port;
    o->health_check_port = xasprintf("%d", t->sc->port);
    if (!tg) {
        /* an instance that is stopped or terminated: Target.InvalidState; else not registered */
        const w_instance *known = NULL;
        for (size_t i = 0; i < w->instances.n && !known; i++)
            if (str_eq(w->instances.items[i].id, id))
                known = &w->instances.items[i];
        bool invalid = known &&
            (known->lc == LC_TERMINATED ||
             (known->lc == LC_WARMED && !str_eq(w_lifecycle_name(w, known), "Warmed:Running")));
        o->state = xstrdup("unused");
        o->reason = xstrdup(invalid ? "Target.InvalidState" : "Target.NotRegistered");
        o->description = xstrdup(invalid ? "Target is in the stopped or terminated state"
                                         : "Target is not registered to the target group");
        return;
    }
    const w_instance *in = &w->instances.items[tg->inst];
    o->target_availability_zone = xstrdup(in->az);
    o->state = xstrdup(state_name(tg->state));
    if (!tg->reason)
        return;
    o->reason = xstrdup(tg->reason);
    const char *d = "";
    if (str_eq(tg->reason, "Elb.RegistrationInProgress"))
        d = "Target registration is in progress";
    else if (str_eq(tg->reason, "Elb.InitialHealthChecking"))
        d = "Initial health checks in progress";
    else if (str_eq(tg->reason, "Target.ResponseCodeMismatch"))
        d = "Health checks failed with these codes: [502]";
    else if (str_eq(tg->reason, "Target.Timeout"))
        d = "Request timed out";
    else if (str_eq(tg->reason, "Target.DeregistrationInProgress"))
        d = "Target deregistration is in progress";
    else if (str_eq(tg->reason, "Target.FailedHealthChecks"))
        d = "Health checks failed";
    else if (str_eq(tg->reason, "Target.NotInUse"))
        d = "Target group is not configured to receive traffic from the load balancer";
    o->description = xstrdup(d);
}

sim_error world_describe_target_health(sim_world *w, const char *tg_arn, const strvec *target_ids,
                                       target_health_list *out)
{
    const w_tg *t = NULL;
    for (size_t i = 0; tg_arn && i < w->tgs.n; i++)
        if (str_eq(w->tgs.items[i].arn, tg_arn))
            t = &w->tgs.items[i];
    if (!t)
        return w_err("TargetGroupNotFound", 400, "Target groups '%.200s' not found", tg_arn ? tg_arn : "");
    if (target_ids && target_ids->n) {
        for (size_t i = 0; i < target_ids->n; i++) {
            const w_target *found = NULL;
            for (size_t j = 0; j < t->targets.n && !found; j++)
                if (str_eq(w->instances.items[t->targets.items[j].inst].id, target_ids->items[i]))
                    found = &t->targets.items[j];
            fill_health(w, t, found, target_ids->items[i], VEC_NEW(*out));
        }
        return w_okv();
    }
    for (size_t j = 0; j < t->targets.n; j++)
        fill_health(w, t, &t->targets.items[j], w->instances.items[t->targets.items[j].inst].id, VEC_NEW(*out));
    return w_okv();
}

/* Positions of a listener in the flattened arrays: (lb, listener index, first rule). */
typedef struct lpos {
    size_t lb, l, flat, rule0;
} lpos;

static bool listener_at(const sim_world *w, size_t flat, lpos *p)
{
    size_t f = 0, r = 0;
    for (size_t i = 0; i < w->sc->load_balancers.n; i++)
        for (size_t j = 0; j < w->sc->load_balancers.items[i].listeners.n; j++, f++) {
            if (f == flat) {
                *p = (lpos){ i, j, f, r };
                return true;
            }
            r += w->sc->load_balancers.items[i].listeners.items[j].rules.n + 1;
        }
    return false;
}

static int flat_index(char *const *items, size_t n, const char *arn)
{
    for (size_t i = 0; arn && i < n; i++)
        if (str_eq(items[i], arn))
            return (int)i;
    return -1;
}

static void fill_forward(const sim_world *w, const char *tg_name, lb_action *a)
{
    a->type = xstrdup("forward");
    int ti = tg_name ? tg_index(w, tg_name) : -1;
    if (ti >= 0)
        a->target_group_arn = xstrdup(w->tgs.items[ti].arn);
    else {
        free(a->type);
        a->type = xstrdup("fixed-response");
    }
}

sim_error world_describe_load_balancers(sim_world *w, const strvec *arns, const strvec *names, const char *marker,
                                        int page_size, load_balancer_list *out, char **next_marker)
{
    *next_marker = NULL;
    VEC(int) pick = { 0 };
    const strvec *want = arns && arns->n ? arns : names;
    if (want && want->n) {
        for (size_t i = 0; i < want->n; i++) {
            int found = -1;
            for (size_t j = 0; j < w->lb_arns.n; j++)
                if (want == arns ? str_eq(w->lb_arns.items[j], want->items[i])
                                 : str_eq(w->sc->load_balancers.items[j].name, want->items[i]))
                    found = (int)j;
            if (found < 0) {
                VEC_FREE(pick);
                return w_err("LoadBalancerNotFound", 400, "One or more load balancers not found");
            }
            VEC_PUSH(pick, found);
        }
    } else {
        for (size_t j = 0; j < w->lb_arns.n; j++)
            VEC_PUSH(pick, (int)j);
    }
    size_t off;
    if (!w_untoken(w, "DescribeLoadBalancers", marker, &off)) {
        VEC_FREE(pick);
        return w_err("ValidationError", 400, "Invalid value for 'Marker'");
    }
    size_t page = (size_t)w_page(w, "DescribeLoadBalancers", page_size, 400);
    for (size_t i = off; i < pick.n; i++) {
        if (i - off == page) {
            *next_marker = w_token(w, "DescribeLoadBalancers", i);
            break;
        }
        int j = pick.items[i];
        const sc_load_balancer *lb = &w->sc->load_balancers.items[j];
        load_balancer *o = VEC_NEW(*out);
        o->load_balancer_arn = xstrdup(w->lb_arns.items[j]);
        o->load_balancer_name = xstrdup(lb->name);
        bool internal = str_eq(lb->scheme, "internal");
        o->dns_name = xasprintf("%s%s-%u.%s.elb.amazonaws.com", internal ? "internal-" : "", lb->name,
                                (unsigned)(1000000000u + (unsigned)j * 7919u), w->region);
        o->scheme = xstrdup(internal ? "internal" : "internet-facing");
        o->vpc_id = xstrdup("vpc-0000000000005151");
        o->type = xstrdup("application");
        o->state_code = xstrdup("active");
        o->created_time = w->now - 200LL * 86400000;
    }
    VEC_FREE(pick);
    return w_okv();
}

sim_error world_describe_listeners(sim_world *w, const char *lb_arn, const strvec *listener_arns, const char *marker,
                                   int page_size, lb_listener_list *out, char **next_marker)
{
    *next_marker = NULL;
    VEC(int) pick = { 0 };
    if (listener_arns && listener_arns->n) {
        for (size_t i = 0; i < listener_arns->n; i++) {
            int f = flat_index(w->listener_arns.items, w->listener_arns.n, listener_arns->items[i]);
            if (f < 0) {
                VEC_FREE(pick);
                return w_err("ListenerNotFound", 400, "One or more listeners not found");
            }
            VEC_PUSH(pick, f);
        }
    } else if (!str_empty(lb_arn)) {
        int lb = flat_index(w->lb_arns.items, w->lb_arns.n, lb_arn);
        if (lb < 0)
            return w_err("LoadBalancerNotFound", 400, "One or more load balancers not found");
        lpos p;
        for (size_t f = 0; listener_at(w, f, &p); f++)
            if (p.lb == (size_t)lb)
                VEC_PUSH(pick, (int)f);
    } else {
        return w_err("ValidationError", 400, "You must specify either listener ARNs or a load balancer ARN");
    }
    size_t off;
    if (!w_untoken(w, "DescribeListeners", marker, &off)) {
        VEC_FREE(pick);
        return w_err("ValidationError", 400, "Invalid value for 'Marker'");
    }
    size_t page = (size_t)w_page(w, "DescribeListeners", page_size, 400);
    for (size_t i = off; i < pick.n; i++) {
        if (i - off == page) {
            *next_marker = w_token(w, "DescribeListeners", i);
            break;
        }
        lpos p;
        listener_at(w, (size_t)pick.items[i], &p);
        const sc_listener *l = &w->sc->load_balancers.items[p.lb].listeners.items[p.l];
        lb_listener *o = VEC_NEW(*out);
        o->listener_arn = xstrdup(w->listener_arns.items[p.flat]);
        o->load_balancer_arn = xstrdup(w->lb_arns.items[p.lb]);
        o->protocol = xstrdup(l->protocol ? l->protocol : "HTTP");
        o->port = l->port;
        fill_forward(w, l->target_group, VEC_NEW(o->default_actions));
    }
    VEC_FREE(pick);
    return w_okv();
}

static void fill_rule(const sim_world *w, const lpos *p, size_t k, lb_rule *o)
{
    const sc_listener *l = &w->sc->load_balancers.items[p->lb].listeners.items[p->l];
    o->rule_arn = xstrdup(w->rule_arns.items[p->rule0 + k]);
    if (k == l->rules.n) {
        o->priority = xstrdup("default");
        o->is_default = true;
        fill_forward(w, l->target_group, VEC_NEW(o->actions));
        return;
    }
    const sc_rule *r = &l->rules.items[k];
    o->priority = xasprintf("%d", r->priority);
    if (r->path_pattern) {
        char *c = xasprintf("path-pattern=%s", r->path_pattern);
        strvec_push(&o->condition_summaries, c);
        free(c);
    }
    fill_forward(w, r->target_group, VEC_NEW(o->actions));
}

sim_error world_describe_rules(sim_world *w, const char *listener_arn, const strvec *rule_arns, const char *marker,
                               int page_size, lb_rule_list *out, char **next_marker)
{
    *next_marker = NULL;
    VEC(struct {
        int flat;
        int k;
    })
    pick = { 0 };
    if (rule_arns && rule_arns->n) {
        for (size_t i = 0; i < rule_arns->n; i++) {
            int ri = flat_index(w->rule_arns.items, w->rule_arns.n, rule_arns->items[i]);
            lpos p;
            bool found = false;
            for (size_t f = 0; ri >= 0 && !found && listener_at(w, f, &p); f++) {
                size_t nr = w->sc->load_balancers.items[p.lb].listeners.items[p.l].rules.n + 1;
                if ((size_t)ri >= p.rule0 && (size_t)ri < p.rule0 + nr) {
                    found = true;
                    VEC_NEW(pick)->flat = (int)f;
                    pick.items[pick.n - 1].k = ri - (int)p.rule0;
                }
            }
            if (!found) {
                VEC_FREE(pick);
                return w_err("RuleNotFound", 400, "One or more rules not found");
            }
        }
    } else {
        int f = flat_index(w->listener_arns.items, w->listener_arns.n, listener_arn);
        if (f < 0)
            return w_err("ListenerNotFound", 400, "One or more listeners not found");
        lpos p;
        listener_at(w, (size_t)f, &p);
        size_t nr = w->sc->load_balancers.items[p.lb].listeners.items[p.l].rules.n + 1;
        for (size_t k = 0; k < nr; k++) {
            VEC_NEW(pick)->flat = f;
            pick.items[pick.n - 1].k = (int)k;
        }
    }
    size_t off;
    if (!w_untoken(w, "DescribeRules", marker, &off)) {
        VEC_FREE(pick);
        return w_err("ValidationError", 400, "Invalid value for 'Marker'");
    }
    size_t page = (size_t)w_page(w, "DescribeRules", page_size, 400);
    for (size_t i = off; i < pick.n; i++) {
        if (i - off == page) {
            *next_marker = w_token(w, "DescribeRules", i);
            break;
        }
        lpos p;
        listener_at(w, (size_t)pick.items[i].flat, &p);
        fill_rule(w, &p, (size_t)pick.items[i].k, VEC_NEW(*out));
    }
    VEC_FREE(pick);
    return w_okv();
}
