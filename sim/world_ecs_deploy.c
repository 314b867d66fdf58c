/* world_ecs_deploy.c — ECS services moving with the world's clock: tasks go
 * PROVISIONING → PENDING → RUNNING → (healthy or not) → STOPPING → STOPPED; a rolling
 * deployment starts tasks of the PRIMARY deployment and stops the old ones within
 * minimumHealthyPercent / maximumPercent until it is COMPLETED; the deployment circuit
 * breaker fails it after enough failed tasks and rolls back to the last COMPLETED
 * deployment. Every rule and its source: docs/simulator.md (ECS). */
#include "world_ecs_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* The circuit breaker's threshold: 0.5 × the desired count, at least 3 and at most
 * 200 (ServiceDeploymentCircuitBreaker.threshold in the API reference). */
#define ECS_CB_MIN 3
#define ECS_CB_MAX 200
/* Simulator assumes: PROVISIONING (the ENI) lasts 2 s, then PENDING until start_delay. */
#define ECS_PROVISION_MS 2000

/* ---------- images: resolved once per deployment ---------- */

/* The repository and tag (or digest) of a reference to the simulated ECR; false for
 * another registry. */
static bool ecr_ref(const sim_world *w, const char *image, int *repo, char *ref, size_t cap, bool *by_digest)
{
    char host[160];
    snprintf(host, sizeof host, "%s.dkr.ecr.%s.amazonaws.com/", w->account_id, w->region);
    if (strncmp(image, host, strlen(host)) != 0)
        return false;
    const char *path = image + strlen(host);
    const char *at = strchr(path, '@');
    const char *colon = at ? at : strrchr(path, ':');
    size_t n = colon ? (size_t)(colon - path) : strlen(path);
    *by_digest = at != NULL;
    str_copy(ref, cap, colon ? colon + 1 : "latest");
    *repo = -1;
    for (size_t i = 0; i < w->repos.n; i++)
        if (strlen(w->repos.items[i].name) == n && !strncmp(w->repos.items[i].name, path, n))
            *repo = (int)i;
    return true;
}

static void resolve_image(sim_world *w, const char *image, w_ecs_image *out)
{
    int repo;
    char ref[160];
    bool by_digest;
    if (!ecr_ref(w, image, &repo, ref, sizeof ref, &by_digest))
        return; /* another registry: runs, no digest known */
    const w_image *im = NULL;
    bool failed = false;
    if (repo >= 0 && by_digest) {
        for (size_t i = 0; i < w->repos.items[repo].images.n; i++)
            if (str_eq(w->repos.items[repo].images.items[i].digest, ref) &&
                !w->repos.items[repo].images.items[i].deleted)
                im = &w->repos.items[repo].images.items[i];
    } else if (repo >= 0) {
        im = w_ecr_pull(w, repo, ref, &failed);
    }
    if (!im || failed) {
        out->pull_error = xasprintf("CannotPullContainerError: pull image manifest has been retried 5 time(s): "
                                    "failed to resolve ref %s: not found",
                                    image);
        return;
    }
    out->digest = xstrdup(im->digest);
    out->bad = im->bad;
}

/* ---------- events ---------- */

static void svc_event(sim_world *w, w_ecs_svc *v, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void svc_event(sim_world *w, w_ecs_svc *v, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* newest first, the latest ECS_EVENTS_KEPT */
    if (v->s.events.n >= ECS_EVENTS_KEPT)
        ecs_service_event_free(&v->s.events.items[--v->s.events.n]);
    VEC_NEW(v->s.events);
    memmove(&v->s.events.items[1], &v->s.events.items[0], (v->s.events.n - 1) * sizeof v->s.events.items[0]);
    ecs_service_event *e = &v->s.events.items[0];
    memset(e, 0, sizeof *e);
    char id[37];
    w_uuid(w, id);
    e->id = xstrdup(id);
    e->created_at = w->now;
    e->message = xstrdup(msg);
}

static const char *task_id(const ecs_task *t)
{
    const char *slash = strrchr(t->task_arn, '/');
    return slash ? slash + 1 : t->task_arn;
}

static void task_event(sim_world *w, const w_ecs_task *k, const char *status, const char *reason)
{
    const w_ecs_svc *v = &w->ecs->services.items[k->svc];
    strbuf sb;
    sb_init(&sb);
    w_json_str(&sb, reason);
    w_event(w, "ecs_task",
            "\"cluster\":\"%s\",\"service\":\"%s\",\"task\":\"%s\",\"deployment\":\"%s\",\"status\":\"%s\","
            "\"reason\":%s",
            w->ecs->clusters.items[v->cluster].c.cluster_name, v->s.service_name, task_id(&k->t), k->t.started_by,
            status, sb.buf);
    sb_free(&sb);
}

static void set_rollout(sim_world *w, w_ecs_svc *v, w_ecs_dep *d, const char *state, const char *reason)
{
    str_set(&d->d.rollout_state, state);
    str_set(&d->d.rollout_state_reason, reason);
    d->d.updated_at = w->now;
    strbuf sb;
    sb_init(&sb);
    w_json_str(&sb, reason);
    w_event(w, "ecs_deployment",
            "\"cluster\":\"%s\",\"service\":\"%s\",\"deployment\":\"%s\",\"rollout_state\":\"%s\",\"reason\":%s",
            w->ecs->clusters.items[v->cluster].c.cluster_name, v->s.service_name, d->d.id, state, sb.buf);
    sb_free(&sb);
}

/* ---------- deployments ---------- */

void w_ecs_dep_free(w_ecs_dep *d)
{
    ecs_deployment_free(&d->d);
    free(d->revision_arn);
    for (size_t i = 0; i < d->images.n; i++) {
        free(d->images.items[i].digest);
        free(d->images.items[i].pull_error);
    }
    VEC_FREE(d->images);
}

void w_ecs_deploy(sim_world *w, int svc, int td, int images_of, const char *reason)
{
    w_ecs_svc *v = &w->ecs->services.items[svc];
    /* A rollback runs what the deployment it returns to ran: its digests, not the tags'
     * images now. Copied before the list moves. */
    VEC(w_ecs_image) images = { 0 };
    for (size_t i = 0; images_of >= 0 && i < v->deps.items[images_of].images.n; i++) {
        const w_ecs_image *src = &v->deps.items[images_of].images.items[i];
        w_ecs_image im = { xstrdup(src->digest), src->bad, xstrdup(src->pull_error) };
        VEC_PUSH(images, im);
    }
    for (size_t i = 0; i < v->deps.n; i++)
        str_set(&v->deps.items[i].d.status, "ACTIVE");
    /* the new one first */
    VEC_NEW(v->deps);
    memmove(&v->deps.items[1], &v->deps.items[0], (v->deps.n - 1) * sizeof v->deps.items[0]);
    if (v->last_completed >= 0)
        v->last_completed++;
    w_ecs_dep *d = &v->deps.items[0];
    memset(d, 0, sizeof *d);
    char id[40];
    snprintf(id, sizeof id, "ecs-svc/%019llu", (unsigned long long)(w_rand(w) % 10000000000000000000ULL));
    d->d.id = xstrdup(id);
    d->d.status = xstrdup("PRIMARY");
    d->td = td;
    d->d.task_definition = xstrdup(w->ecs->tds.items[td].arn);
    d->d.desired_count = v->s.desired_count;
    d->d.created_at = d->d.updated_at = w->now;
    d->d.launch_type = xstrdup("FARGATE");
    d->rollback = images_of >= 0;
    d->revision_arn = xasprintf("arn:aws:ecs:%s:%s:service-revision/%s/%s/%s", w->region, w->account_id,
                                w->ecs->clusters.items[v->cluster].c.cluster_name, v->s.service_name, id + 8);
    d->sd = -1;
    /* Image tags are resolved to digests when a deployment starts: every task of the
     * deployment runs the same digest. */
    const w_ecs_td *t = &w->ecs->tds.items[td];
    if (images_of >= 0)
        d->images.items = images.items, d->images.n = images.n, d->images.cap = images.cap;
    else
        for (size_t i = 0; i < t->images.n; i++)
            resolve_image(w, t->images.items[i], VEC_NEW(d->images));
    char why[160];
    if (!reason) {
        snprintf(why, sizeof why, "ECS deployment %s in progress.", id);
        reason = why;
    }
    set_rollout(w, v, d, "IN_PROGRESS", reason);
    str_set(&v->s.task_definition, t->arn);
    v->steady = false;
    if (images_of >= 0)
        d->sd = v->deps.n > 1 ? v->deps.items[1].sd : -1; /* a rollback is part of what it rolls back */
    else
        w_ecs_sd_started(w, svc);
}

/* ---------- tasks ---------- */

static int svc_dep_index(const w_ecs_svc *v, const char *dep_id)
{
    for (size_t i = 0; i < v->deps.n; i++)
        if (str_eq(v->deps.items[i].d.id, dep_id))
            return (int)i;
    return -1;
}

static bool task_live(const w_ecs_task *k)
{
    return str_eq(k->t.desired_status, "RUNNING");
}

static bool task_healthy(const w_ecs_task *k)
{
    return task_live(k) && str_eq(k->t.health_status, "HEALTHY");
}

static void launch_task(sim_world *w, int svc, int dep_index)
{
    w_ecs_svc *v = &w->ecs->services.items[svc];
    w_ecs_dep *d = &v->deps.items[dep_index];
    const w_ecs_td *t = &w->ecs->tds.items[d->td];
    const sc_ecs_service *sc = v->sc;
    w_ecs_task *k = VEC_NEW(w->ecs->tasks);
    char hex[33];
    for (int i = 0; i < 32; i++)
        hex[i] = "0123456789abcdef"[w_rand_range(w, 16)];
    hex[32] = '\0';
    const char *cluster = w->ecs->clusters.items[v->cluster].c.cluster_name;
    k->svc = svc;
    k->td = d->td;
    k->t.task_arn = xasprintf("arn:aws:ecs:%s:%s:task/%s/%s", w->region, w->account_id, cluster, hex);
    k->t.cluster_arn = xstrdup(w->ecs->clusters.items[v->cluster].c.cluster_arn);
    k->t.task_definition_arn = xstrdup(t->arn);
    k->t.last_status = xstrdup("PROVISIONING");
    k->t.desired_status = xstrdup("RUNNING");
    k->t.health_status = xstrdup("UNKNOWN");
    k->t.started_by = xstrdup(d->d.id);
    k->t.launch_type = xstrdup("FARGATE");
    k->t.group = xasprintf("service:%s", v->s.service_name);
    k->t.availability_zone = xstrdup(sc->azs.items[w_rand_range(w, (int)sc->azs.n)]);
    k->t.private_ipv4_address = xasprintf("10.0.%d.%d", 1 + w_rand_range(w, 250), 4 + w_rand_range(w, 250));
    k->t.created_at = w->now;
    for (size_t i = 0; i < t->names.n; i++) {
        ecs_container *c = VEC_NEW(k->t.containers);
        c->container_arn =
            xasprintf("arn:aws:ecs:%s:%s:container/%s/%s/%zu", w->region, w->account_id, cluster, hex, i);
        c->name = xstrdup(t->names.items[i]);
        c->image = xstrdup(t->images.items[i]);
        c->last_status = xstrdup("PENDING");
        c->health_status = xstrdup("UNKNOWN");
        const w_ecs_image *im = i < d->images.n ? &d->images.items[i] : NULL;
        if (im && im->pull_error && !k->pull_error)
            k->pull_error = xstrdup(im->pull_error);
        k->bad |= im && im->bad && t->essential.items[i];
    }
    k->pending_at = w->now + ECS_PROVISION_MS;
    k->running_at = w->now + (aws_time)sc->start_delay_s * 1000;
    strvec_push(&v->started, hex);
}

/* The scheduler stops a task: STOPPING now, STOPPED after the service's stop delay. */
static void stop_task(sim_world *w, w_ecs_task *k, const char *code, const char *reason, bool say)
{
    if (!task_live(k))
        return;
    const w_ecs_svc *v = &w->ecs->services.items[k->svc];
    str_set(&k->t.desired_status, "STOPPED");
    str_set(&k->t.last_status, "STOPPING");
    str_set(&k->t.stop_code, code);
    str_set(&k->t.stopped_reason, reason);
    k->t.stopping_at = w->now;
    k->stop_at = w->now + (aws_time)v->sc->stop_delay_s * 1000;
    if (say)
        strvec_push(&w->ecs->services.items[k->svc].stopped, task_id(&k->t));
}

int w_ecs_cb_threshold(int desired)
{
    int t = (desired + 1) / 2; /* 0.5 × desired, rounded up (the simulator's assumption) */
    return t < ECS_CB_MIN ? ECS_CB_MIN : t > ECS_CB_MAX ? ECS_CB_MAX : t;
}

/* A task of dep failed (it could not start, or failed its health checks): the
 * deployment's failedTasks, and the circuit breaker's count. */
static void task_failed(sim_world *w, w_ecs_task *k)
{
    if (k->failed)
        return;
    k->failed = true;
    w_ecs_svc *v = &w->ecs->services.items[k->svc];
    int di = svc_dep_index(v, k->t.started_by);
    if (di < 0)
        return;
    w_ecs_dep *d = &v->deps.items[di];
    d->d.failed_tasks++;
    d->failures++;
    const ecs_deployment_configuration *dc = &v->s.deployment_configuration;
    if (di != 0 || !dc->circuit_breaker_enable || !str_eq(d->d.rollout_state, "IN_PROGRESS") ||
        d->failures < w_ecs_cb_threshold(v->s.desired_count))
        return;
    set_rollout(w, v, d, "FAILED", "ECS deployment circuit breaker: task failed to start.");
    bool rolling_back = dc->circuit_breaker_rollback && v->last_completed > 0;
    w_ecs_sd_failed(w, k->svc, di, rolling_back, "ECS deployment circuit breaker: task failed to start.");
    svc_event(w, v, "(service %s) (deployment %s) deployment failed: tasks failed to start.", v->s.service_name,
              d->d.id);
    if (rolling_back) {
        const w_ecs_dep *good = &v->deps.items[v->last_completed];
        char reason[160];
        snprintf(reason, sizeof reason, "ECS deployment circuit breaker: rolling back to deploymentId %s.", good->d.id);
        svc_event(w, v, "(service %s) rolling back to deployment %s.", v->s.service_name, good->d.id);
        w_ecs_deploy(w, k->svc, good->td, v->last_completed, reason);
    }
}

static void container_status(ecs_task *t, const char *status)
{
    for (size_t i = 0; i < t->containers.n; i++)
        str_set(&t->containers.items[i].last_status, status);
}

static void set_health(ecs_task *t, const char *h)
{
    str_set(&t->health_status, h);
    for (size_t i = 0; i < t->containers.n; i++)
        str_set(&t->containers.items[i].health_status, h);
}

/* Task lifecycles, one step. */
static void tasks_step(sim_world *w)
{
    for (size_t i = 0; i < w->ecs->tasks.n; i++) {
        w_ecs_task *k = &w->ecs->tasks.items[i];
        w_ecs_svc *v = &w->ecs->services.items[k->svc];
        if (task_live(k)) {
            if (str_eq(k->t.last_status, "PROVISIONING") && w->now >= k->pending_at)
                str_set(&k->t.last_status, "PENDING");
            if (str_eq(k->t.last_status, "PENDING") && w->now >= k->running_at) {
                if (k->pull_error) { /* it never runs */
                    stop_task(w, k, "TaskFailedToStart", k->pull_error, false);
                    k->stop_at = w->now;
                    task_event(w, k, "STOPPED", k->pull_error);
                    task_failed(w, k);
                    continue;
                }
                str_set(&k->t.last_status, "RUNNING");
                container_status(&k->t, "RUNNING");
                k->t.started_at = w->now;
                int di = svc_dep_index(v, k->t.started_by);
                for (size_t c = 0; di >= 0 && c < k->t.containers.n; c++) {
                    const w_ecs_dep *d = &v->deps.items[di];
                    if (c < d->images.n)
                        str_set(&k->t.containers.items[c].image_digest, d->images.items[c].digest);
                    char rid[48];
                    snprintf(rid, sizeof rid, "%s-%zu", task_id(&k->t), c);
                    str_set(&k->t.containers.items[c].runtime_id, rid);
                }
                k->check_at = w->now + (aws_time)v->sc->healthy_after_s * 1000;
                task_event(w, k, "RUNNING", NULL);
            }
            if (str_eq(k->t.last_status, "RUNNING") && str_eq(k->t.health_status, "UNKNOWN") && w->now >= k->check_at) {
                if (!k->bad) {
                    set_health(&k->t, "HEALTHY");
                    int di = svc_dep_index(v, k->t.started_by);
                    if (di >= 0)
                        v->deps.items[di].failures = 0; /* a healthy task resets the count */
                    task_event(w, k, "HEALTHY", NULL);
                } else {
                    set_health(&k->t, "UNHEALTHY");
                    char reason[256];
                    if (v->sc->target_group)
                        snprintf(reason, sizeof reason, "Task failed ELB health checks in (target-group %s)",
                                 v->s.load_balancers.n ? v->s.load_balancers.items[0].target_group_arn : "");
                    else
                        snprintf(reason, sizeof reason, "Task failed container health checks");
                    stop_task(w, k, "ServiceSchedulerInitiated", reason, true);
                    task_event(w, k, "UNHEALTHY", NULL);
                    task_failed(w, k);
                }
            }
        } else if (!k->t.stopped_at && w->now >= k->stop_at) {
            str_set(&k->t.last_status, "STOPPED");
            container_status(&k->t, "STOPPED");
            for (size_t c = 0; c < k->t.containers.n; c++)
                if (k->t.started_at) {
                    k->t.containers.items[c].has_exit_code = true;
                    k->t.containers.items[c].exit_code = k->bad ? 1 : 0;
                }
            k->t.stopped_at = w->now;
            k->gone_at = w->now + ECS_STOPPED_KEEP_MS;
            if (!k->pull_error)
                task_event(w, k, "STOPPED", k->t.stopped_reason);
        }
    }
    /* stopped tasks leave DescribeTasks after an hour */
    size_t keep = 0;
    for (size_t i = 0; i < w->ecs->tasks.n; i++) {
        w_ecs_task *k = &w->ecs->tasks.items[i];
        if (k->t.stopped_at && w->now >= k->gone_at) {
            ecs_task_free(&k->t);
            free(k->pull_error);
            continue;
        }
        w->ecs->tasks.items[keep++] = *k;
    }
    w->ecs->tasks.n = keep;
}

typedef struct dep_counts {
    int live, healthy, running, pending;
} dep_counts;

static dep_counts count_dep(const sim_world *w, int svc, const char *dep_id)
{
    dep_counts n = { 0 };
    for (size_t i = 0; i < w->ecs->tasks.n; i++) {
        const w_ecs_task *k = &w->ecs->tasks.items[i];
        if (k->svc != svc || !str_eq(k->t.started_by, dep_id) || !task_live(k))
            continue;
        n.live++;
        n.healthy += task_healthy(k);
        n.running += str_eq(k->t.last_status, "RUNNING");
        n.pending += !str_eq(k->t.last_status, "RUNNING");
    }
    return n;
}

/* The rolling update of one service, one step. */
static void service_step(sim_world *w, int svc)
{
    w_ecs_svc *v = &w->ecs->services.items[svc];
    int desired = v->s.desired_count;
    const ecs_deployment_configuration *dc = &v->s.deployment_configuration;
    /* minimumHealthyPercent rounded up, maximumPercent rounded down (DeploymentConfiguration) */
    int floor_healthy = (desired * dc->minimum_healthy_percent + 99) / 100;
    int ceiling = desired * dc->maximum_percent / 100;
    w_ecs_dep *primary = &v->deps.items[0];
    dep_counts p = count_dep(w, svc, primary->d.id);
    int total_live = 0, total_healthy = 0;
    for (size_t i = 0; i < v->deps.n; i++) {
        dep_counts c = count_dep(w, svc, v->deps.items[i].d.id);
        total_live += c.live;
        total_healthy += c.healthy;
    }
    bool launching = !str_eq(primary->d.rollout_state, "FAILED");
    /* start the primary's tasks within maximumPercent */
    while (launching && p.live < desired && total_live < ceiling) {
        launch_task(w, svc, 0);
        primary = &v->deps.items[0];
        p.live++;
        total_live++;
    }
    /* stop what is too many: the primary's extra tasks, then the old deployments'
     * tasks, unhealthy ones freely, healthy ones while minimumHealthyPercent holds */
    for (size_t i = 0; i < w->ecs->tasks.n; i++) {
        w_ecs_task *k = &w->ecs->tasks.items[i];
        if (k->svc != svc || !task_live(k))
            continue;
        bool old = !str_eq(k->t.started_by, primary->d.id);
        if (!old && p.live <= desired)
            continue;
        if (old && !launching && p.healthy < desired)
            continue; /* a failed deployment without rollback: the old tasks stay */
        bool healthy = task_healthy(k);
        if (healthy && total_healthy - 1 < floor_healthy)
            continue;
        char reason[200];
        snprintf(reason, sizeof reason, "Scaling activity initiated by (deployment %s)", primary->d.id);
        stop_task(w, k, "ServiceSchedulerInitiated", reason, true);
        total_live--;
        total_healthy -= healthy;
        if (!old)
            p.live--;
    }
    /* COMPLETED: the primary at its desired count, healthy, and nothing else left */
    p = count_dep(w, svc, primary->d.id);
    /* the old deployments' tasks must be STOPPED, not only stopping */
    bool others = false;
    for (size_t i = 0; i < w->ecs->tasks.n; i++) {
        const w_ecs_task *k = &w->ecs->tasks.items[i];
        others |= k->svc == svc && !str_eq(k->t.started_by, primary->d.id) && !k->t.stopped_at;
    }
    if (str_eq(primary->d.rollout_state, "IN_PROGRESS") && p.healthy == desired && p.live == desired && !others) {
        char reason[160];
        snprintf(reason, sizeof reason, "ECS deployment %s completed.", primary->d.id);
        set_rollout(w, v, primary, "COMPLETED", reason);
        w_ecs_sd_completed(w, svc);
        svc_event(w, v, "(service %s) (deployment %s) deployment completed.", v->s.service_name, primary->d.id);
        /* the others are INACTIVE: DescribeServices lists them no more */
        while (v->deps.n > 1)
            w_ecs_dep_free(&v->deps.items[--v->deps.n]);
        v->last_completed = 0;
    }
    bool steady = !others && p.healthy == desired && p.live == desired;
    if (steady && !v->steady)
        svc_event(w, v, "(service %s) has reached a steady state.", v->s.service_name);
    v->steady = steady;
}

static void say_started_stopped(sim_world *w, w_ecs_svc *v)
{
    for (int which = 0; which < 2; which++) {
        strvec *ids = which ? &v->stopped : &v->started;
        if (!ids->n)
            continue;
        strbuf sb;
        sb_init(&sb);
        for (size_t i = 0; i < ids->n; i++)
            sb_printf(&sb, "%s(task %s)", i ? " " : "", ids->items[i]);
        if (which)
            svc_event(w, v, "(service %s) has stopped %zu running tasks: %s.", v->s.service_name, ids->n, sb.buf);
        else
            svc_event(w, v, "(service %s) has started %zu tasks: %s.", v->s.service_name, ids->n, sb.buf);
        sb_free(&sb);
        strvec_free(ids);
    }
}

void w_ecs_sync_service(sim_world *w, int svc)
{
    w_ecs_svc *v = &w->ecs->services.items[svc];
    MODEL_LIST_FREE(v->s.deployments, ecs_deployment_free);
    int running = 0, pending = 0;
    for (size_t i = 0; i < v->deps.n; i++) {
        w_ecs_dep *d = &v->deps.items[i];
        dep_counts c = count_dep(w, svc, d->d.id);
        d->d.running_count = c.running;
        d->d.pending_count = c.pending;
        d->d.desired_count = i == 0 ? v->s.desired_count : c.live;
        running += c.running;
        pending += c.pending;
        ecs_deployment *o = VEC_NEW(v->s.deployments);
        *o = d->d;
        o->id = xstrdup(d->d.id);
        o->status = xstrdup(d->d.status);
        o->task_definition = xstrdup(d->d.task_definition);
        o->launch_type = xstrdup(d->d.launch_type);
        o->rollout_state = xstrdup(d->d.rollout_state);
        o->rollout_state_reason = xstrdup(d->d.rollout_state_reason);
    }
    v->s.running_count = running;
    v->s.pending_count = pending;
}

void w_ecs_step(sim_world *w)
{
    if (!w->ecs)
        return;
    w_ecs_sd_step(w);
    tasks_step(w);
    for (size_t i = 0; i < w->ecs->services.n; i++) {
        service_step(w, (int)i);
        say_started_stopped(w, &w->ecs->services.items[i]);
        w_ecs_sync_service(w, (int)i);
    }
    w_ecs_clusters_sync(w);
    w_ecs_sd_step(w);
}

void w_ecs_start_settled(sim_world *w, int svc, int td)
{
    w_ecs_deploy(w, svc, td, -1, NULL);
    w_ecs_svc *v = &w->ecs->services.items[svc];
    for (int i = 0; i < v->s.desired_count; i++) {
        launch_task(w, svc, 0);
        w_ecs_task *k = &w->ecs->tasks.items[w->ecs->tasks.n - 1];
        str_set(&k->t.last_status, "RUNNING");
        container_status(&k->t, "RUNNING");
        set_health(&k->t, k->bad ? "UNKNOWN" : "HEALTHY");
        k->t.started_at = w->now;
        k->check_at = w->now;
        for (size_t c = 0; c < k->t.containers.n && c < v->deps.items[0].images.n; c++)
            str_set(&k->t.containers.items[c].image_digest, v->deps.items[0].images.items[c].digest);
    }
    strvec_free(&v->started);
    char reason[160];
    snprintf(reason, sizeof reason, "ECS deployment %s completed.", v->deps.items[0].d.id);
    str_set(&v->deps.items[0].d.rollout_state, "COMPLETED");
    str_set(&v->deps.items[0].d.rollout_state_reason, reason);
    v->last_completed = 0;
    v->steady = true;
    w_ecs_sd_completed(w, svc);
    svc_event(w, v, "(service %s) has reached a steady state.", v->s.service_name);
    w_ecs_sync_service(w, svc);
}
