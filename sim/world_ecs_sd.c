/* world_ecs_sd.c — ECS service deployments (ListServiceDeployments,
 * DescribeServiceDeployments, StopServiceDeployment) following the deployments of
 * world_ecs_deploy.c: IN_PROGRESS when a change starts one, SUCCESSFUL when it
 * completes, ROLLBACK_IN_PROGRESS → ROLLBACK_SUCCESSFUL when the circuit breaker or a
 * stop request rolls it back, STOPPED when a newer change replaces it. Every rule and
 * its source: docs/simulator.md (ECS). */
#include "world_ecs_int.h"

#include <stdio.h>
#include <stdlib.h>

static ecs_service_deployment *sd_of(sim_world *w, int svc, int dep)
{
    const w_ecs_svc *v = &w->ecs->services.items[svc];
    if (dep < 0 || (size_t)dep >= v->deps.n || v->deps.items[dep].sd < 0)
        return NULL;
    return &w->ecs->sds.items[v->deps.items[dep].sd].sd;
}

static void set_status(sim_world *w, ecs_service_deployment *sd, const char *status, const char *reason)
{
    str_set(&sd->status, status);
    str_set(&sd->status_reason, reason);
    sd->updated_at = w->now;
}

static void revision(ecs_service_revision_summary *r, const w_ecs_dep *d)
{
    str_set(&r->arn, d->revision_arn);
    r->requested_task_count = d->d.desired_count;
    r->running_task_count = d->d.running_count;
    r->pending_task_count = d->d.pending_count;
}

void w_ecs_sd_started(sim_world *w, int svc)
{
    w_ecs_svc *v = &w->ecs->services.items[svc];
    /* a change while another is in progress, or rolling back: that one stops
     * (Simulator assumes) */
    for (size_t i = 0; i < w->ecs->sds.n; i++) {
        ecs_service_deployment *o = &w->ecs->sds.items[i].sd;
        if (w->ecs->sds.items[i].svc == svc &&
            (str_eq(o->status, "IN_PROGRESS") || str_eq(o->status, "PENDING") ||
             str_eq(o->status, "ROLLBACK_REQUESTED") || str_eq(o->status, "ROLLBACK_IN_PROGRESS"))) {
            w->ecs->sds.items[i].rollback_requested = false;
            set_status(w, o, "STOPPED", "Service deployment stopped: a newer service deployment started.");
            o->stopped_at = o->finished_at = w->now;
        }
    }
    w_ecs_sd *x = VEC_NEW(w->ecs->sds);
    x->svc = svc;
    ecs_service_deployment *sd = &x->sd;
    w_ecs_dep *d = &v->deps.items[0];
    d->sd = (int)(w->ecs->sds.n - 1);
    char id[23];
    static const char abc[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
    for (size_t i = 0; i + 1 < sizeof id; i++)
        id[i] = abc[w_rand_range(w, (int)sizeof abc - 1)];
    id[sizeof id - 1] = '\0';
    const char *cluster = w->ecs->clusters.items[v->cluster].c.cluster_name;
    sd->service_deployment_arn = xasprintf("arn:aws:ecs:%s:%s:service-deployment/%s/%s/%s", w->region, w->account_id,
                                           cluster, v->s.service_name, id);
    sd->service_arn = xstrdup(v->s.service_arn);
    sd->cluster_arn = xstrdup(v->s.cluster_arn);
    sd->created_at = sd->started_at = sd->updated_at = w->now;
    /* the source: what ran before, the deployments still listed */
    for (size_t i = 1; i < v->deps.n; i++)
        revision(VEC_NEW(sd->source_service_revisions), &v->deps.items[i]);
    revision(&sd->target_service_revision, d);
    sd->status = xstrdup("IN_PROGRESS");
    ecs_deployment_configuration_copy(&sd->deployment_configuration, &v->s.deployment_configuration);
    bool cb = v->s.deployment_configuration.circuit_breaker_enable;
    sd->circuit_breaker_status = xstrdup(cb ? "MONITORING" : "DISABLED");
    sd->has_circuit_breaker_counts = cb;
    sd->circuit_breaker_threshold = w_ecs_cb_threshold(v->s.desired_count);
    sd->alarms_status = xstrdup("DISABLED");
    str_set(&v->s.current_service_deployment, sd->service_deployment_arn);
}

void w_ecs_sd_completed(sim_world *w, int svc)
{
    const w_ecs_svc *v = &w->ecs->services.items[svc];
    ecs_service_deployment *sd = sd_of(w, svc, 0);
    if (!sd)
        return;
    if (v->deps.items[0].rollback)
        set_status(w, sd, "ROLLBACK_SUCCESSFUL", sd->rollback_reason);
    else
        set_status(w, sd, "SUCCESSFUL", NULL);
    sd->finished_at = w->now;
    if (str_eq(sd->circuit_breaker_status, "MONITORING"))
        str_set(&sd->circuit_breaker_status, "MONITORING_COMPLETE");
}

static void start_rollback(sim_world *w, ecs_service_deployment *sd, const w_ecs_svc *v, const char *reason)
{
    set_status(w, sd, "ROLLBACK_IN_PROGRESS", reason);
    str_set(&sd->rollback_reason, reason);
    sd->rollback_started_at = w->now;
    str_set(&sd->rollback_service_revision_arn, v->deps.items[v->last_completed].revision_arn);
}

void w_ecs_sd_failed(sim_world *w, int svc, int dep, bool rolling_back, const char *reason)
{
    const w_ecs_svc *v = &w->ecs->services.items[svc];
    ecs_service_deployment *sd = sd_of(w, svc, dep);
    if (!sd)
        return;
    str_set(&sd->circuit_breaker_status, "TRIGGERED");
    sd->circuit_breaker_failure_count = v->deps.items[dep].failures;
    if (rolling_back) {
        start_rollback(w, sd, v, reason);
    } else {
        set_status(w, sd, "STOPPED", reason);
        sd->stopped_at = sd->finished_at = w->now;
    }
}

void w_ecs_sd_step(sim_world *w)
{
    for (size_t i = 0; i < w->ecs->sds.n; i++) {
        w_ecs_sd *x = &w->ecs->sds.items[i];
        w_ecs_svc *v = &w->ecs->services.items[x->svc];
        if (x->rollback_requested) {
            x->rollback_requested = false;
            w_ecs_dep *cur = &v->deps.items[0];
            if (cur->sd == (int)i && v->last_completed > 0) {
                char reason[200];
                snprintf(reason, sizeof reason, "ECS deployment %s stopped: rolling back to deploymentId %s.",
                         cur->d.id, v->deps.items[v->last_completed].d.id);
                str_set(&cur->d.rollout_state, "FAILED");
                str_set(&cur->d.rollout_state_reason, reason);
                cur->d.updated_at = w->now;
                start_rollback(w, &x->sd, v, "Service deployment rolled back by a stop request.");
                w_ecs_deploy(w, x->svc, v->deps.items[v->last_completed].td, v->last_completed, reason);
                v = &w->ecs->services.items[x->svc];
            } else { /* nothing to return to any more */
                set_status(w, &x->sd, "ROLLBACK_FAILED", "No previous service revision to roll back to.");
                x->sd.finished_at = w->now;
            }
        }
        /* counts: the target revision's and the breaker's, while it runs */
        for (size_t k = 0; k < v->deps.n; k++)
            if (v->deps.items[k].sd == (int)i && !v->deps.items[k].rollback) {
                revision(&x->sd.target_service_revision, &v->deps.items[k]);
                if (str_eq(x->sd.circuit_breaker_status, "MONITORING"))
                    x->sd.circuit_breaker_failure_count = v->deps.items[k].failures;
            }
    }
}

void w_ecs_sd_free(sim_world *w)
{
    for (size_t i = 0; i < w->ecs->sds.n; i++)
        ecs_service_deployment_free(&w->ecs->sds.items[i].sd);
    VEC_FREE(w->ecs->sds);
}

/* ---------- the calls (world.h) ---------- */

static int sd_index(const sim_world *w, const char *arn)
{
    for (size_t i = 0; arn && i < w->ecs->sds.n; i++)
        if (str_eq(w->ecs->sds.items[i].sd.service_deployment_arn, arn))
            return (int)i;
    return -1;
}

sim_error world_ecs_describe_service_deployments(sim_world *w, const strvec *arns, sim_ecs_sd_refs *out,
                                                 ecs_failure_list *failures)
{
    if (!arns || !arns->n)
        return w_err("InvalidParameterException", 400, "serviceDeploymentArns cannot be empty.");
    if (arns->n > 20)
        return w_err("InvalidParameterException", 400, "serviceDeploymentArns cannot contain more than 20 elements.");
    for (size_t i = 0; i < arns->n; i++) {
        int k = sd_index(w, arns->items[i]);
        if (k >= 0) {
            VEC_PUSH(*out, &w->ecs->sds.items[k].sd);
            continue;
        }
        ecs_failure *f = VEC_NEW(*failures);
        f->arn = xstrdup(arns->items[i]);
        f->reason = xstrdup("MISSING");
    }
    return w_okv();
}

sim_error world_ecs_list_service_deployments(sim_world *w, const char *cluster, const char *service,
                                             const strvec *status, const char *next_token, int max_items,
                                             sim_ecs_sd_refs *out, char **next_out)
{
    *next_out = NULL;
    int c = w_ecs_cluster_index(w, cluster);
    if (c < 0)
        return w_err("ClusterNotFoundException", 400, "Cluster not found.");
    int svc = w_ecs_service_index(w, c, service);
    if (svc < 0)
        return w_err("ServiceNotFoundException", 400, "Service not found.");
    size_t off = 0;
    if (!str_empty(next_token) && !w_untoken(w, "ListServiceDeployments", next_token, &off))
        return w_err("InvalidParameterException", 400, "Invalid token %s", next_token);
    if (max_items < 0 || max_items > 100)
        return w_err("InvalidParameterException", 400, "maxResults must be between 1 and 100.");
    size_t page = (size_t)w_page(w, "ListServiceDeployments", max_items, 20), seen = 0;
    for (size_t i = w->ecs->sds.n; i-- > 0;) { /* newest first */
        const w_ecs_sd *x = &w->ecs->sds.items[i];
        if (x->svc != svc || (status && status->n && !strvec_contains(status, x->sd.status)))
            continue;
        if (seen >= off && seen < off + page)
            VEC_PUSH(*out, &x->sd);
        seen++;
    }
    if (off + page < seen)
        *next_out = w_token(w, "ListServiceDeployments", off + page);
    return w_okv();
}

sim_error world_ecs_stop_service_deployment(sim_world *w, const char *arn, const char *stop_type, const char **arn_out)
{
    int k = sd_index(w, arn);
    if (k < 0)
        return w_err("ServiceDeploymentNotFoundException", 400, "Service deployment not found.");
    if (stop_type && !str_eq(stop_type, "ROLLBACK"))
        return w_err("InvalidParameterException", 400,
                     "The stop type %s is not supported: the valid value is "
                     "ROLLBACK.",
                     stop_type);
    w_ecs_sd *x = &w->ecs->sds.items[k];
    const char *st = x->sd.status;
    *arn_out = x->sd.service_deployment_arn;
    /* a stop already under way continues */
    if (str_eq(st, "STOP_REQUESTED") || str_eq(st, "ROLLBACK_REQUESTED") || str_eq(st, "ROLLBACK_IN_PROGRESS"))
        return w_okv();
    if (!str_eq(st, "PENDING") && !str_eq(st, "IN_PROGRESS"))
        return w_err("ConflictException", 400, "The service deployment is %s and cannot be stopped.", st);
    const w_ecs_svc *v = &w->ecs->services.items[x->svc];
    if (v->last_completed <= 0)
        return w_err("ConflictException", 400, "The service has no previous service revision to roll back to.");
    set_status(w, &x->sd, "ROLLBACK_REQUESTED", NULL);
    x->rollback_requested = true;
    return w_okv();
}
