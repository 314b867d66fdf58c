/* route_ecs.c — the ECS operations of the simulator's table (route.c): JSON 1.1
 * requests as botocore's ecs model names their members, answered from the world
 * (world_ecs_api.c) through encode_json_ecs.c. */
#include <stdio.h>
#include <stdlib.h>

#include "route_int.h"

/* maxResults: absent 0 (the world's default); out of 1..100 InvalidParameterException. */
static sim_error max_results(const op_ctx *c, int *out)
{
    json_object *v;
    *out = 0;
    if (!c->json || !json_object_object_get_ex(c->json, "maxResults", &v))
        return route_ok();
    if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 1 || json_object_get_int64(v) > 100)
        return route_bad(c, "maxResults must be between 1 and 100.%s", "");
    *out = (int)json_object_get_int64(v);
    return route_ok();
}

/* {"<member>": [arns], "nextToken": ...} */
static void arns_answer(op_ctx *c, const char *member, const strvec *arns, const char *next)
{
    json_object *o = json_object_new_object(), *a = json_object_new_array();
    for (size_t i = 0; i < arns->n; i++)
        json_object_array_add(a, json_object_new_string(arns->items[i]));
    json_object_object_add(o, member, a);
    enc_json_add_str(o, "nextToken", next);
    route_set_json(c);
    enc_json_finish(&c->resp->body, o);
}

/* {"<member>": items, "failures": [...]}: the Describe answers. */
static void describe_answer(op_ctx *c, const char *member, json_object *items, const ecs_failure_list *failures)
{
    json_object *o = json_object_new_object(), *f = json_object_new_array();
    for (size_t i = 0; i < failures->n; i++)
        json_object_array_add(f, enc_json_ecs_failure(&failures->items[i]));
    json_object_object_add(o, member, items);
    json_object_object_add(o, "failures", f);
    route_set_json(c);
    enc_json_finish(&c->resp->body, o);
}

sim_error op_ecs_list_clusters(op_ctx *c)
{
    int max;
    sim_error e = max_results(c, &max);
    strvec arns = { 0 };
    char *next = NULL;
    if (sim_ok(&e))
        e = world_ecs_list_clusters(c->w, route_j_str(c, "nextToken"), max, &arns, &next);
    if (sim_ok(&e))
        arns_answer(c, "clusterArns", &arns, next);
    strvec_free(&arns);
    free(next);
    return e;
}

sim_error op_ecs_describe_clusters(op_ctx *c)
{
    strvec names = { 0 };
    route_j_strlist(c, "clusters", &names);
    ecs_cluster_list out = { 0 };
    ecs_failure_list failures = { 0 };
    sim_error e = world_ecs_describe_clusters(c->w, &names, &out, &failures);
    if (sim_ok(&e)) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < out.n; i++)
            json_object_array_add(a, enc_json_ecs_cluster(&out.items[i]));
        describe_answer(c, "clusters", a, &failures);
    }
    MODEL_LIST_FREE(out, ecs_cluster_free);
    MODEL_LIST_FREE(failures, ecs_failure_free);
    strvec_free(&names);
    return e;
}

sim_error op_ecs_list_services(op_ctx *c)
{
    int max;
    sim_error e = max_results(c, &max);
    strvec arns = { 0 };
    char *next = NULL;
    if (sim_ok(&e))
        e = world_ecs_list_services(c->w, route_j_str(c, "cluster"), route_j_str(c, "nextToken"), max, &arns, &next);
    if (sim_ok(&e))
        arns_answer(c, "serviceArns", &arns, next);
    strvec_free(&arns);
    free(next);
    return e;
}

sim_error op_ecs_describe_services(op_ctx *c)
{
    strvec names = { 0 };
    route_j_strlist(c, "services", &names);
    sim_ecs_service_refs out = { 0 };
    ecs_failure_list failures = { 0 };
    sim_error e = names.n ? world_ecs_describe_services(c->w, route_j_str(c, "cluster"), &names, &out, &failures)
                          : route_missing(c, "services");
    if (sim_ok(&e)) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < out.n; i++)
            json_object_array_add(a, enc_json_ecs_service(out.items[i]));
        describe_answer(c, "services", a, &failures);
    }
    VEC_FREE(out);
    MODEL_LIST_FREE(failures, ecs_failure_free);
    strvec_free(&names);
    return e;
}

sim_error op_ecs_list_tasks(op_ctx *c)
{
    int max;
    sim_error e = max_results(c, &max);
    sim_ecs_list_tasks q = {
        .cluster = route_j_str(c, "cluster"),
        .service_name = route_j_str(c, "serviceName"),
        .family = route_j_str(c, "family"),
        .started_by = route_j_str(c, "startedBy"),
        .desired_status = route_j_str(c, "desiredStatus"),
    };
    strvec arns = { 0 };
    char *next = NULL;
    if (sim_ok(&e))
        e = world_ecs_list_tasks(c->w, &q, route_j_str(c, "nextToken"), max, &arns, &next);
    if (sim_ok(&e))
        arns_answer(c, "taskArns", &arns, next);
    strvec_free(&arns);
    free(next);
    return e;
}

sim_error op_ecs_describe_tasks(op_ctx *c)
{
    strvec names = { 0 };
    route_j_strlist(c, "tasks", &names);
    sim_ecs_task_refs out = { 0 };
    ecs_failure_list failures = { 0 };
    sim_error e = names.n ? world_ecs_describe_tasks(c->w, route_j_str(c, "cluster"), &names, &out, &failures)
                          : route_missing(c, "tasks");
    if (sim_ok(&e)) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < out.n; i++)
            json_object_array_add(a, enc_json_ecs_task(out.items[i]));
        describe_answer(c, "tasks", a, &failures);
    }
    VEC_FREE(out);
    MODEL_LIST_FREE(failures, ecs_failure_free);
    strvec_free(&names);
    return e;
}

sim_error op_ecs_list_task_definitions(op_ctx *c)
{
    int max;
    sim_error e = max_results(c, &max);
    strvec arns = { 0 };
    char *next = NULL;
    if (sim_ok(&e))
        e = world_ecs_list_task_definitions(c->w, route_j_str(c, "familyPrefix"), route_j_str(c, "status"),
                                            route_j_str(c, "sort"), route_j_str(c, "nextToken"), max, &arns, &next);
    if (sim_ok(&e))
        arns_answer(c, "taskDefinitionArns", &arns, next);
    strvec_free(&arns);
    free(next);
    return e;
}

/* {"taskDefinition": <the revision's object>, "tags": []} */
static void td_answer(op_ctx *c, const char *td_json)
{
    route_set_json(c);
    sb_printf(&c->resp->body, "{\"taskDefinition\":%s,\"tags\":[]}", td_json);
}

sim_error op_ecs_describe_task_definition(op_ctx *c)
{
    const char *td = route_j_str(c, "taskDefinition");
    if (!td)
        return route_missing(c, "taskDefinition");
    const char *json = NULL;
    sim_error e = world_ecs_describe_task_definition(c->w, td, &json);
    if (sim_ok(&e))
        td_answer(c, json);
    return e;
}

sim_error op_ecs_register_task_definition(op_ctx *c)
{
    if (!c->json)
        return route_missing(c, "family");
    const char *json = NULL;
    sim_error e = world_ecs_register_task_definition(c->w, c->json, &json);
    if (sim_ok(&e))
        td_answer(c, json);
    return e;
}

static bool j_bool(json_object *o, const char *key, bool *out)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_boolean))
        return false;
    *out = json_object_get_boolean(v);
    return true;
}

static bool j_int(json_object *o, const char *key, int *out)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
        return false;
    int64_t x = json_object_get_int64(v);
    *out = x < -1 ? -1 : x > 100000 ? 100000 : (int)x;
    return true;
}

sim_error op_ecs_update_service(op_ctx *c)
{
    sim_ecs_update u = {
        .cluster = route_j_str(c, "cluster"),
        .service = route_j_str(c, "service"),
        .task_definition = route_j_str(c, "taskDefinition"),
    };
    if (!u.service)
        return route_missing(c, "service");
    j_bool(c->json, "forceNewDeployment", &u.force_new_deployment);
    u.has_desired_count = j_int(c->json, "desiredCount", &u.desired_count);
    ecs_deployment_configuration dc = { 0 };
    json_object *dco;
    if (json_object_object_get_ex(c->json, "deploymentConfiguration", &dco) &&
        json_object_is_type(dco, json_type_object)) {
        dc.has_minimum_healthy_percent = j_int(dco, "minimumHealthyPercent", &dc.minimum_healthy_percent);
        dc.has_maximum_percent = j_int(dco, "maximumPercent", &dc.maximum_percent);
        json_object *cb;
        if (json_object_object_get_ex(dco, "deploymentCircuitBreaker", &cb) &&
            json_object_is_type(cb, json_type_object)) {
            dc.has_circuit_breaker = true;
            j_bool(cb, "enable", &dc.circuit_breaker_enable);
            j_bool(cb, "rollback", &dc.circuit_breaker_rollback);
        }
        u.deployment_configuration = &dc;
    }
    const ecs_service *out = NULL;
    sim_error e = world_ecs_update_service(c->w, &u, &out);
    if (sim_ok(&e)) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "service", enc_json_ecs_service(out));
        route_set_json(c);
        enc_json_finish(&c->resp->body, o);
    }
    return e;
}

sim_error op_ecs_list_service_deployments(op_ctx *c)
{
    const char *service = route_j_str(c, "service");
    if (!service)
        return route_missing(c, "service");
    int max;
    sim_error e = max_results(c, &max);
    strvec status = { 0 };
    route_j_strlist(c, "status", &status);
    sim_ecs_sd_refs out = { 0 };
    char *next = NULL;
    if (sim_ok(&e))
        e = world_ecs_list_service_deployments(c->w, route_j_str(c, "cluster"), service, &status,
                                               route_j_str(c, "nextToken"), max, &out, &next);
    if (sim_ok(&e)) {
        json_object *o = json_object_new_object(), *a = json_object_new_array();
        for (size_t i = 0; i < out.n; i++)
            json_object_array_add(a, enc_json_ecs_sd_brief(out.items[i]));
        json_object_object_add(o, "serviceDeployments", a);
        enc_json_add_str(o, "nextToken", next);
        route_set_json(c);
        enc_json_finish(&c->resp->body, o);
    }
    VEC_FREE(out);
    free(next);
    strvec_free(&status);
    return e;
}

sim_error op_ecs_describe_service_deployments(op_ctx *c)
{
    strvec arns = { 0 };
    route_j_strlist(c, "serviceDeploymentArns", &arns);
    sim_ecs_sd_refs out = { 0 };
    ecs_failure_list failures = { 0 };
    sim_error e = arns.n ? world_ecs_describe_service_deployments(c->w, &arns, &out, &failures)
                         : route_missing(c, "serviceDeploymentArns");
    if (sim_ok(&e)) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < out.n; i++)
            json_object_array_add(a, enc_json_ecs_service_deployment(out.items[i]));
        describe_answer(c, "serviceDeployments", a, &failures);
    }
    VEC_FREE(out);
    MODEL_LIST_FREE(failures, ecs_failure_free);
    strvec_free(&arns);
    return e;
}

sim_error op_ecs_stop_service_deployment(op_ctx *c)
{
    const char *arn = route_j_str(c, "serviceDeploymentArn");
    if (!arn)
        return route_missing(c, "serviceDeploymentArn");
    const char *stopped = NULL;
    sim_error e = world_ecs_stop_service_deployment(c->w, arn, route_j_str(c, "stopType"), &stopped);
    if (sim_ok(&e)) {
        json_object *o = json_object_new_object();
        enc_json_add_str(o, "serviceDeploymentArn", stopped);
        route_set_json(c);
        enc_json_finish(&c->resp->body, o);
    }
    return e;
}
