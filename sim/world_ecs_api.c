/* world_ecs_api.c — the ECS operations of world.h over the state world_ecs.c moves:
 * lists (paged like the rest of the world), describes (borrowed structs), and the
 * two calls that change things, RegisterTaskDefinition and UpdateService. Errors and
 * their wording: docs/simulator.md (ECS). */
#include "world_ecs_int.h"

#include <stdio.h>
#include <stdlib.h>

#define ECS_DESCRIBE_SERVICES_MAX 10
#define ECS_DESCRIBE_TASKS_MAX    100
#define ECS_LIST_DEFAULT          100 /* maxResults when not given (ListServices: 10, see list_page) */

static sim_error cluster_not_found(void)
{
    return w_err("ClusterNotFoundException", 400, "Cluster not found.");
}

/* names[offset, offset + page) of a sorted list, and the token of the next page. */
static sim_error list_page(const sim_world *w, const char *op, const strvec *all, const char *next_token, int max_items,
                           int dflt, strvec *out, char **next_out)
{
    *next_out = NULL;
    size_t off = 0;
    if (!str_empty(next_token) && !w_untoken(w, op, next_token, &off))
        return w_err("InvalidParameterException", 400, "Invalid token %s", next_token);
    if (max_items < 0 || max_items > 100)
        return w_err("InvalidParameterException", 400, "maxResults must be between 1 and 100.");
    size_t page = (size_t)w_page(w, op, max_items, dflt);
    for (size_t i = off; i < all->n && i < off + page; i++)
        strvec_push(out, all->items[i]);
    if (off + page < all->n)
        *next_out = w_token(w, op, off + page);
    return w_okv();
}

static int by_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

sim_error world_ecs_list_clusters(sim_world *w, const char *next_token, int max_items, strvec *arns, char **next_out)
{
    strvec all = { 0 };
    for (size_t i = 0; i < w->ecs->clusters.n; i++)
        strvec_push(&all, w->ecs->clusters.items[i].c.cluster_arn);
    qsort(all.items, all.n, sizeof all.items[0], by_str);
    sim_error e = list_page(w, "ListClusters", &all, next_token, max_items, ECS_LIST_DEFAULT, arns, next_out);
    strvec_free(&all);
    return e;
}

static void missing(ecs_failure_list *failures, char *arn)
{
    ecs_failure *f = VEC_NEW(*failures);
    f->arn = arn;
    f->reason = xstrdup("MISSING");
}

/* A name's ARN for a failure: names become ARNs as AWS lists them. */
static char *arn_of(const sim_world *w, const char *kind, const char *cluster, const char *name)
{
    if (!strncmp(name, "arn:", 4))
        return xstrdup(name);
    if (cluster)
        return xasprintf("arn:aws:ecs:%s:%s:%s/%s/%s", w->region, w->account_id, kind, cluster, name);
    return xasprintf("arn:aws:ecs:%s:%s:%s/%s", w->region, w->account_id, kind, name);
}

sim_error world_ecs_describe_clusters(sim_world *w, const strvec *clusters, ecs_cluster_list *out,
                                      ecs_failure_list *failures)
{
    static const strvec none = { 0 };
    const strvec *names = clusters ? clusters : &none;
    size_t n = names->n ? names->n : 1;
    for (size_t i = 0; i < n; i++) {
        const char *name = names->n ? names->items[i] : "default";
        int c = w_ecs_cluster_index(w, name);
        if (c < 0) {
            missing(failures, arn_of(w, "cluster", NULL, name));
            continue;
        }
        const ecs_cluster *src = &w->ecs->clusters.items[c].c;
        ecs_cluster *o = VEC_NEW(*out);
        *o = *src;
        o->cluster_arn = xstrdup(src->cluster_arn);
        o->cluster_name = xstrdup(src->cluster_name);
        o->status = xstrdup(src->status);
    }
    return w_okv();
}

sim_error world_ecs_list_services(sim_world *w, const char *cluster, const char *next_token, int max_items,
                                  strvec *arns, char **next_out)
{
    int c = w_ecs_cluster_index(w, cluster);
    if (c < 0)
        return cluster_not_found();
    strvec all = { 0 };
    for (size_t i = 0; i < w->ecs->services.n; i++)
        if (w->ecs->services.items[i].cluster == c)
            strvec_push(&all, w->ecs->services.items[i].s.service_arn);
    qsort(all.items, all.n, sizeof all.items[0], by_str);
    /* ListServices' maxResults defaults to 10 (its API reference) */
    sim_error e = list_page(w, "ListServices", &all, next_token, max_items, 10, arns, next_out);
    strvec_free(&all);
    return e;
}

sim_error world_ecs_describe_services(sim_world *w, const char *cluster, const strvec *services,
                                      sim_ecs_service_refs *out, ecs_failure_list *failures)
{
    if (!services || !services->n)
        return w_err("InvalidParameterException", 400, "Services cannot be empty.");
    if (services->n > ECS_DESCRIBE_SERVICES_MAX)
        return w_err("InvalidParameterException", 400, "Services cannot contain more than 10 elements.");
    int c = w_ecs_cluster_index(w, cluster);
    if (c < 0)
        return cluster_not_found();
    for (size_t i = 0; i < services->n; i++) {
        int s = w_ecs_service_index(w, c, services->items[i]);
        if (s < 0) {
            missing(failures, arn_of(w, "service", w->ecs->clusters.items[c].c.cluster_name, services->items[i]));
            continue;
        }
        w_ecs_sync_service(w, s);
        VEC_PUSH(*out, &w->ecs->services.items[s].s);
    }
    return w_okv();
}

sim_error world_ecs_list_tasks(sim_world *w, const sim_ecs_list_tasks *q, const char *next_token, int max_items,
                               strvec *arns, char **next_out)
{
    int c = w_ecs_cluster_index(w, q->cluster);
    if (c < 0)
        return cluster_not_found();
    int svc = -1;
    if (q->service_name && (svc = w_ecs_service_index(w, c, q->service_name)) < 0)
        return w_err("ServiceNotFoundException", 400, "Service not found.");
    const char *want = q->desired_status ? q->desired_status : "RUNNING";
    if (!str_eq(want, "RUNNING") && !str_eq(want, "PENDING") && !str_eq(want, "STOPPED"))
        return w_err("InvalidParameterException", 400, "Invalid desiredStatus: %s", want);
    strvec all = { 0 };
    for (size_t i = 0; i < w->ecs->tasks.n; i++) {
        const w_ecs_task *k = &w->ecs->tasks.items[i];
        if (w->ecs->services.items[k->svc].cluster != c || (svc >= 0 && k->svc != svc))
            continue;
        if (q->family && !str_eq(w->ecs->tds.items[k->td].family, q->family))
            continue;
        if (q->started_by && !str_eq(k->t.started_by, q->started_by))
            continue;
        /* PENDING lists the tasks that are not RUNNING yet, RUNNING those meant to run */
        bool match = str_eq(want, "STOPPED") ? str_eq(k->t.desired_status, "STOPPED")
            : str_eq(want, "PENDING") ? str_eq(k->t.desired_status, "RUNNING") && !str_eq(k->t.last_status, "RUNNING")
                                      : str_eq(k->t.desired_status, "RUNNING");
        if (match)
            strvec_push(&all, k->t.task_arn);
    }
    sim_error e = list_page(w, "ListTasks", &all, next_token, max_items, ECS_LIST_DEFAULT, arns, next_out);
    strvec_free(&all);
    return e;
}

sim_error world_ecs_describe_tasks(sim_world *w, const char *cluster, const strvec *tasks, sim_ecs_task_refs *out,
                                   ecs_failure_list *failures)
{
    if (!tasks || !tasks->n)
        return w_err("InvalidParameterException", 400, "Tasks cannot be empty.");
    if (tasks->n > ECS_DESCRIBE_TASKS_MAX)
        return w_err("InvalidParameterException", 400, "Tasks cannot contain more than 100 elements.");
    int c = w_ecs_cluster_index(w, cluster);
    if (c < 0)
        return cluster_not_found();
    for (size_t i = 0; i < tasks->n; i++) {
        const char *want = tasks->items[i];
        const w_ecs_task *found = NULL;
        for (size_t j = 0; !found && j < w->ecs->tasks.n; j++) {
            const w_ecs_task *k = &w->ecs->tasks.items[j];
            const char *slash = strrchr(k->t.task_arn, '/');
            if (w->ecs->services.items[k->svc].cluster == c &&
                (str_eq(k->t.task_arn, want) || str_eq(slash ? slash + 1 : "", want)))
                found = k;
        }
        if (found)
            VEC_PUSH(*out, &found->t);
        else
            missing(failures, arn_of(w, "task", w->ecs->clusters.items[c].c.cluster_name, want));
    }
    return w_okv();
}

sim_error world_ecs_list_task_definitions(sim_world *w, const char *family_prefix, const char *status, const char *sort,
                                          const char *next_token, int max_items, strvec *arns, char **next_out)
{
    const char *want = status ? status : "ACTIVE";
    if (!str_eq(want, "ACTIVE") && !str_eq(want, "INACTIVE") && !str_eq(want, "DELETE_IN_PROGRESS"))
        return w_err("InvalidParameterException", 400, "Invalid status: %s", want);
    if (sort && !str_eq(sort, "ASC") && !str_eq(sort, "DESC"))
        return w_err("InvalidParameterException", 400, "Invalid sort: %s", sort);
    /* the order the revisions were registered in: family, then revision (ascending) */
    VEC(int) idx = { 0 };
    for (size_t i = 0; i < w->ecs->tds.n; i++) {
        const w_ecs_td *t = &w->ecs->tds.items[i];
        if (t->active != str_eq(want, "ACTIVE") || str_eq(want, "DELETE_IN_PROGRESS"))
            continue;
        if (family_prefix && strncmp(t->family, family_prefix, strlen(family_prefix)) != 0)
            continue;
        int ins = (int)idx.n;
        for (size_t k = 0; k < idx.n; k++) {
            const w_ecs_td *o = &w->ecs->tds.items[idx.items[k]];
            int d = strcmp(t->family, o->family);
            if (d < 0 || (d == 0 && t->revision < o->revision)) {
                ins = (int)k;
                break;
            }
        }
        VEC_PUSH(idx, 0);
        memmove(&idx.items[ins + 1], &idx.items[ins], (idx.n - 1 - (size_t)ins) * sizeof idx.items[0]);
        idx.items[ins] = (int)i;
    }
    strvec all = { 0 };
    bool desc = str_eq(sort, "DESC");
    for (size_t k = 0; k < idx.n; k++)
        strvec_push(&all, w->ecs->tds.items[idx.items[desc ? idx.n - 1 - k : k]].arn);
    VEC_FREE(idx);
    sim_error e = list_page(w, "ListTaskDefinitions", &all, next_token, max_items, ECS_LIST_DEFAULT, arns, next_out);
    strvec_free(&all);
    return e;
}

sim_error world_ecs_describe_task_definition(sim_world *w, const char *task_definition, const char **json)
{
    int t = w_ecs_td_index(w, task_definition);
    if (t < 0)
        return w_err("ClientException", 400, "Unable to describe task definition.");
    *json = w->ecs->tds.items[t].json;
    return w_okv();
}

sim_error world_ecs_register_task_definition(sim_world *w, const void *request, const char **json)
{
    json_object *req = (json_object *)request, *v, *defs;
    if (!json_object_object_get_ex(req, "family", &v) || !json_object_is_type(v, json_type_string) ||
        !json_object_get_string_len(v))
        return w_err("ClientException", 400, "Family must be specified.");
    const char *family = json_object_get_string(v);
    if (strlen(family) > 255 ||
        strspn(family, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != strlen(family))
        return w_err("ClientException", 400,
                     "Family contains invalid characters. Up to 255 letters (uppercase and lowercase), numbers, "
                     "underscores, and hyphens are allowed.");
    if (!json_object_object_get_ex(req, "containerDefinitions", &defs) || !json_object_is_type(defs, json_type_array) ||
        !json_object_array_length(defs))
        return w_err("ClientException", 400, "Container list cannot be empty.");
    for (size_t i = 0; i < json_object_array_length(defs); i++) {
        json_object *c = json_object_array_get_idx(defs, i);
        if (!json_object_is_type(c, json_type_object))
            return w_err("ClientException", 400, "Container definition cannot be empty.");
        if (!json_object_object_get_ex(c, "name", &v) || !json_object_is_type(v, json_type_string) ||
            !json_object_get_string_len(v))
            return w_err("ClientException", 400, "Container.name should not be null or empty.");
        if (!json_object_object_get_ex(c, "image", &v) || !json_object_is_type(v, json_type_string) ||
            !json_object_get_string_len(v))
            return w_err("ClientException", 400, "Container.image should not be null or empty.");
    }
    json_object *doc = json_object_new_object();
    /* the revision keeps what RegisterTaskDefinition takes (tags are not part of it) */
    for (size_t i = 0; i < ecs_register_members_n; i++)
        if (json_object_object_get_ex(req, ecs_register_members[i], &v))
            json_object_object_add(doc, ecs_register_members[i], json_object_get(v));
    int t = w_ecs_td_add(w, family, doc);
    *json = w->ecs->tds.items[t].json;
    return w_okv();
}

sim_error world_ecs_update_service(sim_world *w, const sim_ecs_update *u, const ecs_service **out)
{
    int c = w_ecs_cluster_index(w, u->cluster);
    if (c < 0)
        return cluster_not_found();
    int s = w_ecs_service_index(w, c, u->service);
    if (s < 0)
        return w_err("ServiceNotFoundException", 400, "Service not found.");
    int td = -1;
    if (u->task_definition && (td = w_ecs_td_index(w, u->task_definition)) < 0)
        return w_err("InvalidParameterException", 400, "TaskDefinition not found.");
    if (u->has_desired_count && u->desired_count < 0)
        return w_err("InvalidParameterException", 400, "Desired count must be greater than or equal to 0.");
    const ecs_deployment_configuration *dc = u->deployment_configuration;
    if (dc && dc->has_minimum_healthy_percent && (dc->minimum_healthy_percent < 0 || dc->minimum_healthy_percent > 100))
        return w_err("InvalidParameterException", 400, "minimumHealthyPercent must be between 0 and 100.");
    if (dc && dc->has_maximum_percent && (dc->maximum_percent < 100 || dc->maximum_percent > 200))
        return w_err("InvalidParameterException", 400, "maximumPercent must be between 100 and 200.");
    w_ecs_svc *v = &w->ecs->services.items[s];
    if (dc) {
        ecs_deployment_configuration *mine = &v->s.deployment_configuration;
        if (dc->has_minimum_healthy_percent)
            mine->minimum_healthy_percent = dc->minimum_healthy_percent;
        if (dc->has_maximum_percent)
            mine->maximum_percent = dc->maximum_percent;
        if (dc->has_circuit_breaker) {
            mine->circuit_breaker_enable = dc->circuit_breaker_enable;
            mine->circuit_breaker_rollback = dc->circuit_breaker_rollback;
        }
    }
    if (u->has_desired_count) {
        v->s.desired_count = u->desired_count;
        v->deps.items[0].d.desired_count = u->desired_count;
        v->steady = false;
    }
    /* A new deployment for a new task definition, or when forced; a desired count
     * alone scales the current one. */
    if (u->force_new_deployment || (td >= 0 && td != v->deps.items[0].td))
        w_ecs_deploy(w, s, td >= 0 ? td : v->deps.items[0].td, -1, NULL);
    w_ecs_sync_service(w, s);
    *out = &w->ecs->services.items[s].s;
    return w_okv();
}
