/* world_ecs.c — the ECS part of the world: clusters, task definitions (the
 * scenario's and those RegisterTaskDefinition adds) and services, built from the
 * scenario and freed; what moves with the clock is in world_ecs_deploy.c. Every rule
 * and its source: docs/simulator.md (ECS). */
#include "world_ecs_int.h"

#include <stdio.h>
#include <stdlib.h>

/* ---------- lookups ---------- */

int w_ecs_cluster_index(const sim_world *w, const char *name_or_arn)
{
    const char *name = str_empty(name_or_arn) ? "default" : name_or_arn;
    for (size_t i = 0; i < w->ecs->clusters.n; i++) {
        const ecs_cluster *c = &w->ecs->clusters.items[i].c;
        if (str_eq(c->cluster_name, name) || str_eq(c->cluster_arn, name))
            return (int)i;
    }
    return -1;
}

int w_ecs_service_index(const sim_world *w, int cluster, const char *name_or_arn)
{
    for (size_t i = 0; name_or_arn && i < w->ecs->services.n; i++) {
        const w_ecs_svc *v = &w->ecs->services.items[i];
        if (v->cluster == cluster && (str_eq(v->s.service_name, name_or_arn) || str_eq(v->s.service_arn, name_or_arn)))
            return (int)i;
    }
    return -1;
}

int w_ecs_td_index(const sim_world *w, const char *spec)
{
    char family[256];
    long rev;
    if (!ecs_task_definition_spec(spec, family, sizeof family, &rev))
        return -1;
    int best = -1;
    for (size_t i = 0; i < w->ecs->tds.n; i++) {
        const w_ecs_td *t = &w->ecs->tds.items[i];
        if (!str_eq(t->family, family))
            continue;
        if (rev ? t->revision == rev : t->active && (best < 0 || t->revision > w->ecs->tds.items[best].revision))
            best = (int)i;
    }
    return best;
}

static int td_next_revision(const sim_world *w, const char *family)
{
    int rev = 0;
    for (size_t i = 0; i < w->ecs->tds.n; i++)
        if (str_eq(w->ecs->tds.items[i].family, family) && w->ecs->tds.items[i].revision > rev)
            rev = w->ecs->tds.items[i].revision;
    return rev + 1;
}

int w_ecs_td_add(sim_world *w, const char *family, json_object *doc)
{
    w_ecs_td *t = VEC_NEW(w->ecs->tds);
    t->family = xstrdup(family);
    t->revision = td_next_revision(w, family);
    t->arn = xasprintf("arn:aws:ecs:%s:%s:task-definition/%s:%d", w->region, w->account_id, family, t->revision);
    t->active = true;
    t->registered_at = w->now;
    json_object_object_add(doc, "taskDefinitionArn", json_object_new_string(t->arn));
    json_object_object_add(doc, "family", json_object_new_string(family));
    json_object_object_add(doc, "revision", json_object_new_int(t->revision));
    json_object_object_add(doc, "status", json_object_new_string("ACTIVE"));
    json_object *compat = json_object_new_array();
    json_object_array_add(compat, json_object_new_string("EC2"));
    json_object_array_add(compat, json_object_new_string("FARGATE"));
    json_object_object_add(doc, "compatibilities", compat);
    json_object_object_add(doc, "registeredAt", json_object_new_double((double)w->now / 1000.0));
    json_object *defs;
    if (json_object_object_get_ex(doc, "containerDefinitions", &defs))
        for (size_t i = 0; i < json_object_array_length(defs); i++) {
            json_object *c = json_object_array_get_idx(defs, i), *v;
            strvec_push(&t->names, json_object_object_get_ex(c, "name", &v) ? json_object_get_string(v) : "");
            strvec_push(&t->images, json_object_object_get_ex(c, "image", &v) ? json_object_get_string(v) : "");
            bool ess = !json_object_object_get_ex(c, "essential", &v) || json_object_get_boolean(v);
            VEC_PUSH(t->essential, ess);
        }
    t->json = xstrdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(doc);
    return (int)(w->ecs->tds.n - 1);
}

/* The scenario's "REPO:TAG" as the full reference a task definition holds. */
static char *full_image(const sim_world *w, const char *image)
{
    const char *slash = strchr(image, '/'), *dot = strchr(image, '.');
    if (dot && slash && dot < slash)
        return xstrdup(image);
    return xasprintf("%s.dkr.ecr.%s.amazonaws.com/%s", w->account_id, w->region, image);
}

static json_object *scenario_td(const sim_world *w, const sc_ecs_task_def *t)
{
    json_object *doc = json_object_new_object(), *defs = json_object_new_array();
    for (size_t i = 0; i < t->containers.n; i++) {
        const sc_ecs_container *c = &t->containers.items[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(c->name));
        char *img = full_image(w, c->image);
        json_object_object_add(o, "image", json_object_new_string(img));
        free(img);
        json_object_object_add(o, "cpu", json_object_new_int(0));
        json_object_object_add(o, "essential", json_object_new_boolean(c->essential));
        json_object_object_add(o, "environment", json_object_new_array());
        if (c->log_group) {
            json_object *log = json_object_new_object(), *opts = json_object_new_object();
            json_object_object_add(log, "logDriver", json_object_new_string("awslogs"));
            json_object_object_add(opts, "awslogs-group", json_object_new_string(c->log_group));
            json_object_object_add(opts, "awslogs-region", json_object_new_string(w->region));
            json_object_object_add(opts, "awslogs-stream-prefix", json_object_new_string("ecs"));
            json_object_object_add(log, "options", opts);
            json_object_object_add(o, "logConfiguration", log);
        }
        json_object_array_add(defs, o);
    }
    json_object_object_add(doc, "containerDefinitions", defs);
    json_object_object_add(doc, "networkMode", json_object_new_string("awsvpc"));
    json_object_object_add(doc, "volumes", json_object_new_array());
    json_object *req = json_object_new_array();
    json_object_array_add(req, json_object_new_string("FARGATE"));
    json_object_object_add(doc, "requiresCompatibilities", req);
    json_object_object_add(doc, "cpu", json_object_new_string(t->cpu ? t->cpu : "256"));
    json_object_object_add(doc, "memory", json_object_new_string(t->memory ? t->memory : "512"));
    return doc;
}

void w_ecs_clusters_sync(sim_world *w)
{
    for (size_t i = 0; i < w->ecs->clusters.n; i++) {
        ecs_cluster *c = &w->ecs->clusters.items[i].c;
        c->running_tasks_count = c->pending_tasks_count = c->active_services_count = 0;
        for (size_t j = 0; j < w->ecs->services.n; j++)
            if (w->ecs->services.items[j].cluster == (int)i) {
                c->active_services_count++;
                c->running_tasks_count += w->ecs->services.items[j].s.running_count;
                c->pending_tasks_count += w->ecs->services.items[j].s.pending_count;
            }
    }
}

/* ---------- life ---------- */

static void add_service(sim_world *w, int cluster, const sc_ecs_service *sc)
{
    w_ecs_svc *v = VEC_NEW(w->ecs->services);
    int svc = (int)(w->ecs->services.n - 1);
    const char *cname = w->ecs->clusters.items[cluster].c.cluster_name;
    v->sc = sc;
    v->cluster = cluster;
    v->last_completed = -1;
    ecs_service *s = &v->s;
    s->service_arn = xasprintf("arn:aws:ecs:%s:%s:service/%s/%s", w->region, w->account_id, cname, sc->name);
    s->service_name = xstrdup(sc->name);
    s->cluster_arn = xstrdup(w->ecs->clusters.items[cluster].c.cluster_arn);
    s->status = xstrdup("ACTIVE");
    s->desired_count = sc->desired;
    s->launch_type = xstrdup("FARGATE");
    s->platform_version = xstrdup("LATEST");
    s->scheduling_strategy = xstrdup("REPLICA");
    s->deployment_controller_type = xstrdup("ECS");
    s->created_at = w->now;
    s->has_health_check_grace_period = true;
    s->health_check_grace_period_seconds = sc->grace_period_s;
    ecs_deployment_configuration *dc = &s->deployment_configuration;
    dc->has_circuit_breaker = true;
    dc->circuit_breaker_enable = sc->circuit_breaker;
    dc->circuit_breaker_rollback = sc->rollback;
    dc->has_maximum_percent = dc->has_minimum_healthy_percent = true;
    dc->maximum_percent = sc->max_percent;
    dc->minimum_healthy_percent = sc->min_healthy_percent;
    dc->strategy = xstrdup("ROLLING");
    if (sc->target_group) {
        ecs_load_balancer *lb = VEC_NEW(s->load_balancers);
        for (size_t i = 0; i < w->tgs.n; i++)
            if (str_eq(w->tgs.items[i].sc->name, sc->target_group))
                lb->target_group_arn = xstrdup(w->tgs.items[i].arn);
        lb->container_name = xstrdup(w->ecs->tds.items[w_ecs_td_index(w, sc->task_definition)].names.items[0]);
        lb->has_container_port = true;
        lb->container_port = sc->container_port;
    }
    /* It starts settled: one COMPLETED deployment, its tasks running and healthy. */
    w_ecs_start_settled(w, svc, w_ecs_td_index(w, sc->task_definition));
}

void w_ecs_init(sim_world *w)
{
    w->ecs = xcalloc(1, sizeof *w->ecs);
    const sc_ecs *e = &w->sc->ecs;
    bool quiet = w->quiet;
    w->quiet = true; /* the starting state is not logged */
    for (size_t i = 0; i < e->task_definitions.n; i++)
        for (int r = 0; r < e->task_definitions.items[i].revisions; r++)
            w_ecs_td_add(w, e->task_definitions.items[i].family, scenario_td(w, &e->task_definitions.items[i]));
    for (size_t i = 0; i < e->clusters.n; i++) {
        w_ecs_cluster *c = VEC_NEW(w->ecs->clusters);
        c->c.cluster_name = xstrdup(e->clusters.items[i].name);
        c->c.cluster_arn = xasprintf("arn:aws:ecs:%s:%s:cluster/%s", w->region, w->account_id, c->c.cluster_name);
        c->c.status = xstrdup("ACTIVE");
    }
    for (size_t i = 0; i < e->clusters.n; i++)
        for (size_t j = 0; j < e->clusters.items[i].services.n; j++)
            add_service(w, (int)i, &e->clusters.items[i].services.items[j]);
    w_ecs_clusters_sync(w);
    w->quiet = quiet;
}

void w_ecs_free(sim_world *w)
{
    struct w_ecs *e = w->ecs;
    if (!e)
        return;
    for (size_t i = 0; i < e->clusters.n; i++)
        ecs_cluster_free(&e->clusters.items[i].c);
    VEC_FREE(e->clusters);
    for (size_t i = 0; i < e->tds.n; i++) {
        w_ecs_td *t = &e->tds.items[i];
        free(t->family);
        free(t->arn);
        free(t->json);
        strvec_free(&t->names);
        strvec_free(&t->images);
        VEC_FREE(t->essential);
    }
    VEC_FREE(e->tds);
    for (size_t i = 0; i < e->services.n; i++) {
        w_ecs_svc *v = &e->services.items[i];
        ecs_service_free(&v->s);
        for (size_t j = 0; j < v->deps.n; j++)
            w_ecs_dep_free(&v->deps.items[j]);
        VEC_FREE(v->deps);
        strvec_free(&v->started);
        strvec_free(&v->stopped);
    }
    VEC_FREE(e->services);
    for (size_t i = 0; i < e->tasks.n; i++) {
        ecs_task_free(&e->tasks.items[i].t);
        free(e->tasks.items[i].pull_error);
    }
    VEC_FREE(e->tasks);
    w_ecs_sd_free(w);
    free(e);
    w->ecs = NULL;
}
