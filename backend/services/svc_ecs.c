/* svc_ecs.c — Amazon ECS over JSON 1.1: decoders for the answers of services_ecs.h's
 * operations (json-c, json_util.h's type policy), their request documents, and the
 * asynchronous typed calls. List* calls are paged (aws_call_paged), Describe* calls
 * are cut into chunks of AWS's maxima (aws_call_chunked); both share one budget per
 * call. Member names are botocore's ecs model's (tests/unit/test_svc_ecs.c checks
 * every one of them against it). */
#include <stdlib.h>
#include <string.h>

#include "aws/json_util.h"
#include "services/field_rules.h"
#include "services/services_ecs.h"

/* ---------------------------------------------------------------- decoding */

static json_object *ecs_parse(const char *body, size_t len, const char *op, aws_budget *budget, aws_error *err)
{
    return ju_parse_object_budget(body, len, AWS_SVC_ECS.id, op, budget, err);
}

static int missing_member(aws_error *err, const char *op, const char *member)
{
    if (err) {
        aws_error_set(err, 0, "MalformedResponse", "%s: response has no %s", op, member);
        str_copy(err->operation, sizeof(err->operation), op);
        err->service = AWS_SVC_ECS.id;
    }
    return -1;
}

static bool get_count(json_object *o, const char *key, int *out)
{
    int v;
    if (!ju_get_int(o, key, &v) || v < 0)
        return false;
    *out = v;
    return true;
}

static void decode_failures(json_object *root, ecs_failure_list *out)
{
    json_object *arr = ju_get_array(root, "failures");
    JU_FOR_EACH_OBJECT(arr, i, o) {
        ecs_failure *f = VEC_NEW(*out);
        f->arn = ju_dup_string(o, "arn");
        f->reason = ju_dup_string(o, "reason");
        f->detail = ju_dup_string(o, "detail");
    }
}

int ecs_decode_arns(const char *body, size_t len, const char *operation, const char *member, strvec *out,
                    char **next_token, aws_budget *budget, aws_error *err)
{
    if (next_token)
        *next_token = NULL;
    json_object *root = ecs_parse(body, len, operation, budget, err);
    if (!root)
        return -1;
    ju_get_strvec(root, member, out);
    if (next_token)
        ju_get_token(root, "nextToken", next_token);
    json_object_put(root);
    return 0;
}

int ecs_decode_clusters(const char *body, size_t len, ecs_clusters_result *out, aws_budget *budget, aws_error *err)
{
    json_object *root = ecs_parse(body, len, "DescribeClusters", budget, err);
    if (!root)
        return -1;
    json_object *arr = ju_get_array(root, "clusters");
    JU_FOR_EACH_OBJECT(arr, i, o) {
        ecs_cluster *c = VEC_NEW(out->clusters);
        c->cluster_arn = ju_dup_string(o, "clusterArn");
        c->cluster_name = ju_dup_string(o, "clusterName");
        c->status = ju_dup_string(o, "status");
        get_count(o, "registeredContainerInstancesCount", &c->registered_container_instances_count);
        get_count(o, "runningTasksCount", &c->running_tasks_count);
        get_count(o, "pendingTasksCount", &c->pending_tasks_count);
        get_count(o, "activeServicesCount", &c->active_services_count);
    }
    decode_failures(root, &out->failures);
    json_object_put(root);
    return 0;
}

static void decode_deployment_configuration(json_object *o, ecs_deployment_configuration *d)
{
    if (!o)
        return;
    json_object *cb = ju_get_object(o, "deploymentCircuitBreaker");
    if (cb) {
        d->has_circuit_breaker = true;
        ju_get_bool(cb, "enable", &d->circuit_breaker_enable);
        ju_get_bool(cb, "rollback", &d->circuit_breaker_rollback);
    }
    d->has_maximum_percent = get_count(o, "maximumPercent", &d->maximum_percent);
    d->has_minimum_healthy_percent = get_count(o, "minimumHealthyPercent", &d->minimum_healthy_percent);
    json_object *alarms = ju_get_object(o, "alarms");
    if (alarms) {
        d->has_alarms = true;
        ju_get_strvec(alarms, "alarmNames", &d->alarm_names);
        ju_get_bool(alarms, "enable", &d->alarms_enable);
        ju_get_bool(alarms, "rollback", &d->alarms_rollback);
    }
    d->strategy = ju_dup_string(o, "strategy");
    d->has_bake_time = get_count(o, "bakeTimeInMinutes", &d->bake_time_in_minutes);
}

static void decode_deployment(json_object *o, ecs_deployment *d)
{
    d->id = ju_dup_string(o, "id");
    d->status = ju_dup_string(o, "status");
    d->task_definition = ju_dup_string(o, "taskDefinition");
    get_count(o, "desiredCount", &d->desired_count);
    get_count(o, "pendingCount", &d->pending_count);
    get_count(o, "runningCount", &d->running_count);
    get_count(o, "failedTasks", &d->failed_tasks);
    d->created_at = ju_get_time(o, "createdAt");
    d->updated_at = ju_get_time(o, "updatedAt");
    d->launch_type = ju_dup_string(o, "launchType");
    d->rollout_state = ju_dup_string(o, "rolloutState");
    d->rollout_state_reason = ju_dup_string(o, "rolloutStateReason");
}

static void decode_service(json_object *o, ecs_service *s)
{
    s->service_arn = ju_dup_string(o, "serviceArn");
    s->service_name = ju_dup_string(o, "serviceName");
    s->cluster_arn = ju_dup_string(o, "clusterArn");
    s->status = ju_dup_string(o, "status");
    get_count(o, "desiredCount", &s->desired_count);
    get_count(o, "runningCount", &s->running_count);
    get_count(o, "pendingCount", &s->pending_count);
    s->launch_type = ju_dup_string(o, "launchType");
    s->platform_version = ju_dup_string(o, "platformVersion");
    s->task_definition = ju_dup_string(o, "taskDefinition");
    s->scheduling_strategy = ju_dup_string(o, "schedulingStrategy");
    s->deployment_controller_type = ju_dup_string(ju_get_object(o, "deploymentController"), "type");
    json_object *lbs = ju_get_array(o, "loadBalancers");
    JU_FOR_EACH_OBJECT(lbs, i, l) {
        ecs_load_balancer *lb = VEC_NEW(s->load_balancers);
        lb->target_group_arn = ju_dup_string(l, "targetGroupArn");
        lb->load_balancer_name = ju_dup_string(l, "loadBalancerName");
        lb->container_name = ju_dup_string(l, "containerName");
        lb->has_container_port = ju_get_int(l, "containerPort", &lb->container_port);
    }
    decode_deployment_configuration(ju_get_object(o, "deploymentConfiguration"), &s->deployment_configuration);
    json_object *deps = ju_get_array(o, "deployments");
    JU_FOR_EACH_OBJECT(deps, i, d)
        decode_deployment(d, VEC_NEW(s->deployments));
    json_object *events = ju_get_array(o, "events");
    JU_FOR_EACH_OBJECT(events, i, e) {
        ecs_service_event *ev = VEC_NEW(s->events);
        ev->id = ju_dup_string(e, "id");
        ev->created_at = ju_get_time(e, "createdAt");
        ev->message = ju_dup_string(e, "message");
    }
    s->created_at = ju_get_time(o, "createdAt");
    s->has_health_check_grace_period =
        get_count(o, "healthCheckGracePeriodSeconds", &s->health_check_grace_period_seconds);
    s->current_service_deployment = ju_dup_string(o, "currentServiceDeployment");
}

int ecs_decode_services(const char *body, size_t len, ecs_services_result *out, aws_budget *budget, aws_error *err)
{
    json_object *root = ecs_parse(body, len, "DescribeServices", budget, err);
    if (!root)
        return -1;
    json_object *arr = ju_get_array(root, "services");
    JU_FOR_EACH_OBJECT(arr, i, o)
        decode_service(o, VEC_NEW(out->services));
    decode_failures(root, &out->failures);
    json_object_put(root);
    return 0;
}

int ecs_decode_update_service(const char *body, size_t len, ecs_service *out, aws_error *err)
{
    json_object *root = ecs_parse(body, len, "UpdateService", NULL, err);
    if (!root)
        return -1;
    json_object *s = ju_get_object(root, "service");
    if (!s) {
        json_object_put(root);
        return missing_member(err, "UpdateService", "service");
    }
    decode_service(s, out);
    json_object_put(root);
    return 0;
}

static void decode_container_definition(json_object *o, ecs_container_definition *c)
{
    c->name = ju_dup_string(o, "name");
    c->image = ju_dup_string(o, "image");
    c->has_essential = ju_get_bool(o, "essential", &c->essential);
    json_object *log = ju_get_object(o, "logConfiguration");
    c->log_configuration.log_driver = ju_dup_string(log, "logDriver");
    json_object *opts = ju_get_object(log, "options");
    if (opts) {
        json_object_object_foreach(opts, key, val) {
            (void)val;
            char *v = ju_dup_string(opts, key); /* a map of strings: others are skipped */
            if (!v)
                continue;
            ecs_kv *kv = VEC_NEW(c->log_configuration.options);
            kv->name = xstrdup(key);
            kv->value = v;
        }
    }
}

int ecs_decode_task_definition(const char *body, size_t len, const char *operation, ecs_task_definition *out,
                               aws_error *err)
{
    json_object *root = ecs_parse(body, len, operation, NULL, err);
    if (!root)
        return -1;
    json_object *td = ju_get_object(root, "taskDefinition");
    if (!td) {
        json_object_put(root);
        return missing_member(err, operation, "taskDefinition");
    }
    out->task_definition_arn = ju_dup_string(td, "taskDefinitionArn");
    out->family = ju_dup_string(td, "family");
    out->status = ju_dup_string(td, "status");
    out->network_mode = ju_dup_string(td, "networkMode");
    out->cpu = ju_dup_string(td, "cpu");
    out->memory = ju_dup_string(td, "memory");
    get_count(td, "revision", &out->revision);
    ju_get_strvec(td, "requiresCompatibilities", &out->requires_compatibilities);
    json_object *defs = ju_get_array(td, "containerDefinitions");
    JU_FOR_EACH_OBJECT(defs, i, c)
        decode_container_definition(c, VEC_NEW(out->container_definitions));
    out->registered_at = ju_get_time(td, "registeredAt");
    size_t n = 0;
    const char *raw =
        json_object_to_json_string_length(td, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    if (raw) {
        out->raw = xstrndup(raw, n);
        out->raw_len = n;
    }
    json_object_put(root);
    return 0;
}

static void decode_container(json_object *o, ecs_container *c)
{
    c->container_arn = ju_dup_string(o, "containerArn");
    c->name = ju_dup_string(o, "name");
    c->image = ju_dup_string(o, "image");
    c->image_digest = ju_dup_string(o, "imageDigest");
    c->runtime_id = ju_dup_string(o, "runtimeId");
    c->last_status = ju_dup_string(o, "lastStatus");
    c->health_status = ju_dup_string(o, "healthStatus");
    c->reason = ju_dup_string(o, "reason");
    c->has_exit_code = ju_get_int(o, "exitCode", &c->exit_code);
}

/* awsvpc tasks: the ElasticNetworkInterface attachment's details name its address. */
static char *task_private_ip(json_object *task)
{
    json_object *atts = ju_get_array(task, "attachments");
    JU_FOR_EACH_OBJECT(atts, i, a) {
        json_object *details = ju_get_array(a, "details");
        JU_FOR_EACH_OBJECT(details, k, d) {
            const char *name = ju_get_string(d, "name", NULL);
            if (str_eq(name, "privateIPv4Address")) {
                char *ip = ju_dup_string(d, "value");
                if (ip && field_valid(FIELD_IP_ADDRESS, ip))
                    return ip;
                free(ip); /* not an address: shown as absent */
            }
        }
    }
    return NULL;
}

static void decode_task(json_object *o, ecs_task *t)
{
    t->task_arn = ju_dup_string(o, "taskArn");
    t->cluster_arn = ju_dup_string(o, "clusterArn");
    t->task_definition_arn = ju_dup_string(o, "taskDefinitionArn");
    t->last_status = ju_dup_string(o, "lastStatus");
    t->desired_status = ju_dup_string(o, "desiredStatus");
    t->health_status = ju_dup_string(o, "healthStatus");
    t->started_by = ju_dup_string(o, "startedBy");
    t->stop_code = ju_dup_string(o, "stopCode");
    t->stopped_reason = ju_dup_string(o, "stoppedReason");
    t->availability_zone = ju_dup_string(o, "availabilityZone");
    t->launch_type = ju_dup_string(o, "launchType");
    t->group = ju_dup_string(o, "group");
    t->private_ipv4_address = task_private_ip(o);
    t->created_at = ju_get_time(o, "createdAt");
    t->started_at = ju_get_time(o, "startedAt");
    t->stopping_at = ju_get_time(o, "stoppingAt");
    t->stopped_at = ju_get_time(o, "stoppedAt");
    json_object *cs = ju_get_array(o, "containers");
    JU_FOR_EACH_OBJECT(cs, i, c)
        decode_container(c, VEC_NEW(t->containers));
}

int ecs_decode_tasks(const char *body, size_t len, ecs_tasks_result *out, aws_budget *budget, aws_error *err)
{
    json_object *root = ecs_parse(body, len, "DescribeTasks", budget, err);
    if (!root)
        return -1;
    json_object *arr = ju_get_array(root, "tasks");
    size_t first = out->tasks.n, first_failure = out->failures.n;
    JU_FOR_EACH_OBJECT(arr, i, o)
        decode_task(o, VEC_NEW(out->tasks));
    decode_failures(root, &out->failures);
    json_object_put(root);
    for (size_t k = first; k < out->tasks.n; k++)
        for (size_t j = 0; j < out->tasks.items[k].containers.n; j++) {
            const char *d = out->tasks.items[k].containers.items[j].image_digest;
            if (!d || field_valid(FIELD_IMAGE_DIGEST, d))
                continue;
            /* nothing of a malformed answer is kept */
            while (out->tasks.n > first)
                ecs_task_free(&out->tasks.items[--out->tasks.n]);
            while (out->failures.n > first_failure)
                ecs_failure_free(&out->failures.items[--out->failures.n]);
            if (err) {
                aws_error_set(err, 0, "MalformedResponse",
                              "DescribeTasks: tasks[%zu].containers[%zu].imageDigest is not a sha256 digest (sha256: "
                              "and 64 hexadecimal digits)",
                              k - first, j);
                str_copy(err->operation, sizeof(err->operation), "DescribeTasks");
                err->service = AWS_SVC_ECS.id;
            }
            return -1;
        }
    return 0;
}

static void decode_brief(json_object *o, ecs_service_deployment_brief *b)
{
    b->service_deployment_arn = ju_dup_string(o, "serviceDeploymentArn");
    b->service_arn = ju_dup_string(o, "serviceArn");
    b->cluster_arn = ju_dup_string(o, "clusterArn");
    b->target_service_revision_arn = ju_dup_string(o, "targetServiceRevisionArn");
    b->status = ju_dup_string(o, "status");
    b->status_reason = ju_dup_string(o, "statusReason");
    b->created_at = ju_get_time(o, "createdAt");
    b->started_at = ju_get_time(o, "startedAt");
    b->finished_at = ju_get_time(o, "finishedAt");
}

int ecs_decode_service_deployment_briefs(const char *body, size_t len, ecs_service_deployment_brief_list *out,
                                         char **next_token, aws_budget *budget, aws_error *err)
{
    if (next_token)
        *next_token = NULL;
    json_object *root = ecs_parse(body, len, "ListServiceDeployments", budget, err);
    if (!root)
        return -1;
    json_object *arr = ju_get_array(root, "serviceDeployments");
    JU_FOR_EACH_OBJECT(arr, i, o)
        decode_brief(o, VEC_NEW(*out));
    if (next_token)
        ju_get_token(root, "nextToken", next_token);
    json_object_put(root);
    return 0;
}

static void decode_revision_summary(json_object *o, ecs_service_revision_summary *r)
{
    r->arn = ju_dup_string(o, "arn");
    get_count(o, "requestedTaskCount", &r->requested_task_count);
    get_count(o, "runningTaskCount", &r->running_task_count);
    get_count(o, "pendingTaskCount", &r->pending_task_count);
}

static void decode_service_deployment(json_object *o, ecs_service_deployment *d)
{
    d->service_deployment_arn = ju_dup_string(o, "serviceDeploymentArn");
    d->service_arn = ju_dup_string(o, "serviceArn");
    d->cluster_arn = ju_dup_string(o, "clusterArn");
    d->created_at = ju_get_time(o, "createdAt");
    d->started_at = ju_get_time(o, "startedAt");
    d->finished_at = ju_get_time(o, "finishedAt");
    d->stopped_at = ju_get_time(o, "stoppedAt");
    d->updated_at = ju_get_time(o, "updatedAt");
    json_object *src = ju_get_array(o, "sourceServiceRevisions");
    JU_FOR_EACH_OBJECT(src, i, r)
        decode_revision_summary(r, VEC_NEW(d->source_service_revisions));
    json_object *target = ju_get_object(o, "targetServiceRevision");
    if (target)
        decode_revision_summary(target, &d->target_service_revision);
    d->status = ju_dup_string(o, "status");
    d->status_reason = ju_dup_string(o, "statusReason");
    d->lifecycle_stage = ju_dup_string(o, "lifecycleStage");
    decode_deployment_configuration(ju_get_object(o, "deploymentConfiguration"), &d->deployment_configuration);
    json_object *rb = ju_get_object(o, "rollback");
    d->rollback_reason = ju_dup_string(rb, "reason");
    d->rollback_started_at = ju_get_time(rb, "startedAt");
    d->rollback_service_revision_arn = ju_dup_string(rb, "serviceRevisionArn");
    json_object *cb = ju_get_object(o, "deploymentCircuitBreaker");
    d->circuit_breaker_status = ju_dup_string(cb, "status");
    bool has_failures = get_count(cb, "failureCount", &d->circuit_breaker_failure_count);
    bool has_threshold = get_count(cb, "threshold", &d->circuit_breaker_threshold);
    d->has_circuit_breaker_counts = has_failures && has_threshold;
    json_object *al = ju_get_object(o, "alarms");
    d->alarms_status = ju_dup_string(al, "status");
    ju_get_strvec(al, "alarmNames", &d->alarm_names);
    ju_get_strvec(al, "triggeredAlarmNames", &d->triggered_alarm_names);
}

int ecs_decode_service_deployments(const char *body, size_t len, ecs_service_deployments_result *out,
                                   aws_budget *budget, aws_error *err)
{
    json_object *root = ecs_parse(body, len, "DescribeServiceDeployments", budget, err);
    if (!root)
        return -1;
    json_object *arr = ju_get_array(root, "serviceDeployments");
    JU_FOR_EACH_OBJECT(arr, i, o)
        decode_service_deployment(o, VEC_NEW(out->service_deployments));
    decode_failures(root, &out->failures);
    json_object_put(root);
    return 0;
}

int ecs_decode_stop_service_deployment(const char *body, size_t len, char **arn, aws_error *err)
{
    *arn = NULL;
    json_object *root = ecs_parse(body, len, "StopServiceDeployment", NULL, err);
    if (!root)
        return -1;
    *arn = ju_dup_string(root, "serviceDeploymentArn");
    json_object_put(root);
    return *arn ? 0 : missing_member(err, "StopServiceDeployment", "serviceDeploymentArn");
}

void ecs_clusters_result_free(ecs_clusters_result *x)
{
    MODEL_LIST_FREE(x->clusters, ecs_cluster_free);
    MODEL_LIST_FREE(x->failures, ecs_failure_free);
}

void ecs_services_result_free(ecs_services_result *x)
{
    MODEL_LIST_FREE(x->services, ecs_service_free);
    MODEL_LIST_FREE(x->failures, ecs_failure_free);
}

void ecs_tasks_result_free(ecs_tasks_result *x)
{
    MODEL_LIST_FREE(x->tasks, ecs_task_free);
    MODEL_LIST_FREE(x->failures, ecs_failure_free);
}

void ecs_service_deployments_result_free(ecs_service_deployments_result *x)
{
    MODEL_LIST_FREE(x->service_deployments, ecs_service_deployment_free);
    MODEL_LIST_FREE(x->failures, ecs_failure_free);
}

/* ---------------------------------------------------------------- requests */

static char *paged(json_object *req, const char *next_token, size_t *len)
{
    ju_add_string(req, "nextToken", next_token);
    ju_add_int(req, "maxResults", ECS_PAGE_SIZE);
    return ju_finish(req, len);
}

char *ecs_encode_list_clusters(const char *next_token, size_t *len)
{
    return paged(json_object_new_object(), next_token, len);
}

char *ecs_encode_describe_clusters(const char *const *clusters, size_t n, size_t *len)
{
    json_object *req = json_object_new_object();
    ju_add_strings(req, "clusters", clusters, n);
    return ju_finish(req, len);
}

char *ecs_encode_list_services(const char *cluster, const char *next_token, size_t *len)
{
    json_object *req = json_object_new_object();
    ju_add_string(req, "cluster", cluster);
    return paged(req, next_token, len);
}

char *ecs_encode_describe_services(const char *cluster, const char *const *services, size_t n, size_t *len)
{
    json_object *req = json_object_new_object();
    ju_add_string(req, "cluster", cluster);
    ju_add_strings(req, "services", services, n);
    return ju_finish(req, len);
}

char *ecs_encode_describe_task_definition(const char *task_definition, size_t *len)
{
    json_object *req = json_object_new_object();
    ju_add_string(req, "taskDefinition", task_definition);
    return ju_finish(req, len);
}

char *ecs_encode_list_task_definitions(const char *family_prefix, const char *status, bool newest_first,
                                       const char *next_token, size_t *len)
{
    json_object *req = json_object_new_object();
    ju_add_string(req, "familyPrefix", family_prefix);
    ju_add_string(req, "status", status);
    ju_add_string(req, "sort", newest_first ? "DESC" : "ASC");
    return paged(req, next_token, len);
}

char *ecs_encode_list_tasks(const ecs_list_tasks_params *p, const char *next_token, size_t *len)
{
    json_object *req = json_object_new_object();
    ju_add_string(req, "cluster", p->cluster);
    ju_add_string(req, "serviceName", p->service_name);
    ju_add_string(req, "family", p->family);
    ju_add_string(req, "startedBy", p->started_by);
    ju_add_string(req, "desiredStatus", p->desired_status);
    return paged(req, next_token, len);
}

char *ecs_encode_describe_tasks(const char *cluster, const char *const *tasks, size_t n, size_t *len)
{
    json_object *req = json_object_new_object();
    ju_add_string(req, "cluster", cluster);
    ju_add_strings(req, "tasks", tasks, n);
    return ju_finish(req, len);
}

char *ecs_encode_update_service(const ecs_update_service_params *p, size_t *len)
{
    json_object *req = json_object_new_object();
    ju_add_string(req, "cluster", p->cluster);
    ju_add_string(req, "service", p->service);
    ju_add_string(req, "taskDefinition", p->task_definition);
    if (p->has_desired_count)
        ju_add_int(req, "desiredCount", p->desired_count);
    if (p->force_new_deployment)
        json_object_object_add(req, "forceNewDeployment", json_object_new_boolean(1));
    return ju_finish(req, len);
}

/* Copying a revision: what is missing to copy it. */
static int register_refused(aws_error *err, const char *fmt, const char *arg)
{
    if (err) {
        aws_error_set(err, 0, "InvalidParameter", fmt, arg ? arg : "");
        str_copy(err->operation, sizeof(err->operation), "RegisterTaskDefinition");
        err->service = AWS_SVC_ECS.id;
    }
    return -1;
}

char *ecs_encode_register_copy(const ecs_task_definition *base, const ecs_image_override *overrides, size_t n,
                               size_t *len, aws_error *err)
{
    if (!base || !base->raw) {
        register_refused(err, "RegisterTaskDefinition: no task definition to copy%s", "");
        return NULL;
    }
    json_object *td = ju_parse_object(base->raw, base->raw_len, AWS_SVC_ECS.id, "RegisterTaskDefinition", err);
    if (!td)
        return NULL;
    json_object *defs = ju_get_array(td, "containerDefinitions");
    if (!ju_get_string(td, "family", NULL) || !defs) {
        json_object_put(td);
        register_refused(err, "RegisterTaskDefinition: the task definition has no family or containers%s", "");
        return NULL;
    }
    for (size_t k = 0; k < n; k++) {
        bool found = false;
        JU_FOR_EACH_OBJECT(defs, i, c)
            if (str_eq(ju_get_string(c, "name", NULL), overrides[k].container_name)) {
                json_object_object_add(c, "image",
                                       json_object_new_string(overrides[k].image ? overrides[k].image : ""));
                found = true;
            }
        if (!found) {
            json_object_put(td);
            register_refused(err, "RegisterTaskDefinition: the task definition has no container named %s",
                             overrides[k].container_name);
            return NULL;
        }
    }
    json_object *req = json_object_new_object();
    for (size_t i = 0; i < ecs_register_members_n; i++) {
        json_object *v;
        if (json_object_object_get_ex(td, ecs_register_members[i], &v))
            json_object_object_add(req, ecs_register_members[i], json_object_get(v));
    }
    json_object_put(td);
    return ju_finish(req, len);
}

char *ecs_encode_list_service_deployments(const char *cluster, const char *service, const strvec *status,
                                          const char *next_token, size_t *len)
{
    json_object *req = json_object_new_object();
    ju_add_string(req, "cluster", cluster);
    ju_add_string(req, "service", service);
    if (status && status->n)
        ju_add_strings(req, "status", (const char *const *)status->items, status->n);
    return paged(req, next_token, len);
}

char *ecs_encode_describe_service_deployments(const char *const *arns, size_t n, size_t *len)
{
    json_object *req = json_object_new_object();
    ju_add_strings(req, "serviceDeploymentArns", arns, n);
    return ju_finish(req, len);
}

char *ecs_encode_stop_service_deployment(const char *arn, const char *stop_type, size_t *len)
{
    json_object *req = json_object_new_object();
    ju_add_string(req, "serviceDeploymentArn", arn);
    ju_add_string(req, "stopType", stop_type);
    return ju_finish(req, len);
}

/* ---------------------------------------------------------------- calls */

static void decode_failed(aws_error *err, const aws_response *resp)
{
    err->http_status = (int)resp->http_status;
    str_copy(err->request_id, sizeof(err->request_id), resp->request_id ? resp->request_id : "");
}

static int refuse(aws_error *err, const char *op, const char *what)
{
    aws_error_set(err, 0, "InvalidParameter", "%s: %s", op, what);
    str_copy(err->operation, sizeof(err->operation), op);
    err->service = AWS_SVC_ECS.id;
    return -1;
}

/* -- List*: every page; the first page's document is kept, later pages add nextToken -- */
typedef struct list_ctx {
    const char *op, *member;
    char *doc; /* first page's request (nextToken absent) */
    size_t doc_len;
    bool briefs; /* ListServiceDeployments: objects, not ARNs */
    strvec arns;
    ecs_service_deployment_brief_list briefs_out;
    ecs_arns_fn done;
    ecs_sd_briefs_fn done_briefs;
    void *ud;
} list_ctx;

static char *list_body(void *ud, const char *next_token, size_t *len)
{
    list_ctx *x = ud;
    json_object *req = ju_parse_object(x->doc, x->doc_len, AWS_SVC_ECS.id, x->op, NULL);
    if (!req)
        req = json_object_new_object(); /* never: the document is ours */
    ju_add_string(req, "nextToken", next_token);
    return ju_finish(req, len);
}

static int list_parse(void *ud, const aws_response *resp, char **next_token, aws_error *err)
{
    list_ctx *x = ud;
    int rc = x->briefs
        ? ecs_decode_service_deployment_briefs(resp->body, resp->body_len, &x->briefs_out, next_token, resp->budget,
                                               err)
        : ecs_decode_arns(resp->body, resp->body_len, x->op, x->member, &x->arns, next_token, resp->budget, err);
    if (rc < 0)
        decode_failed(err, resp);
    return rc;
}

static void list_done(aws_client *c, const aws_error *err, void *ud)
{
    list_ctx *x = ud;
    if (x->briefs)
        x->done_briefs(c, &x->briefs_out, err, x->ud);
    else
        x->done(c, &x->arns, err, x->ud);
    free(x->doc);
    free(x);
}

static int list_start(aws_client *c, const char *op, const char *member, char *doc, size_t doc_len, ecs_arns_fn done,
                      ecs_sd_briefs_fn done_briefs, void *ud, aws_error *err)
{
    list_ctx *x = xcalloc(1, sizeof(*x));
    x->op = op;
    x->member = member;
    x->doc = doc;
    x->doc_len = doc_len;
    x->briefs = done_briefs != NULL;
    x->done = done;
    x->done_briefs = done_briefs;
    x->ud = ud;
    if (aws_call_paged(c, &AWS_SVC_ECS, op, list_body, list_parse, list_done, x, NULL, err) < 0) {
        free(x->doc);
        free(x);
        return -1;
    }
    return 0;
}

int svc_ecs_list_clusters(aws_client *c, ecs_arns_fn done, void *ud, aws_error *err)
{
    size_t n;
    char *doc = ecs_encode_list_clusters(NULL, &n);
    return list_start(c, "ListClusters", "clusterArns", doc, n, done, NULL, ud, err);
}

int svc_ecs_list_services(aws_client *c, const char *cluster, ecs_arns_fn done, void *ud, aws_error *err)
{
    size_t n;
    char *doc = ecs_encode_list_services(cluster, NULL, &n);
    return list_start(c, "ListServices", "serviceArns", doc, n, done, NULL, ud, err);
}

int svc_ecs_list_task_definitions(aws_client *c, const char *family_prefix, const char *status, bool newest_first,
                                  ecs_arns_fn done, void *ud, aws_error *err)
{
    size_t n;
    char *doc = ecs_encode_list_task_definitions(family_prefix, status, newest_first, NULL, &n);
    return list_start(c, "ListTaskDefinitions", "taskDefinitionArns", doc, n, done, NULL, ud, err);
}

int svc_ecs_list_tasks(aws_client *c, const ecs_list_tasks_params *p, ecs_arns_fn done, void *ud, aws_error *err)
{
    static const ecs_list_tasks_params none = { 0 };
    size_t n;
    char *doc = ecs_encode_list_tasks(p ? p : &none, NULL, &n);
    return list_start(c, "ListTasks", "taskArns", doc, n, done, NULL, ud, err);
}

int svc_ecs_list_service_deployments(aws_client *c, const char *cluster, const char *service, const strvec *status,
                                     ecs_sd_briefs_fn done, void *ud, aws_error *err)
{
    if (str_empty(service))
        return refuse(err, "ListServiceDeployments", "a service is needed");
    size_t n;
    char *doc = ecs_encode_list_service_deployments(cluster, service, status, NULL, &n);
    return list_start(c, "ListServiceDeployments", NULL, doc, n, NULL, done, ud, err);
}

/* -- Describe*: chunks of names, merged into one result -- */
typedef enum { D_CLUSTERS, D_SERVICES, D_TASKS, D_SDS } describe_kind;

typedef struct describe_ctx {
    describe_kind kind;
    char *cluster;
    union {
        ecs_clusters_result clusters;
        ecs_services_result services;
        ecs_tasks_result tasks;
        ecs_service_deployments_result sds;
    } r;
    union {
        ecs_clusters_fn clusters;
        ecs_services_fn services;
        ecs_tasks_fn tasks;
        ecs_sds_fn sds;
    } done;
    void *ud;
} describe_ctx;

static const struct {
    const char *op;
    size_t per_call;
} describe_ops[] = {
    [D_CLUSTERS] = { "DescribeClusters", ECS_CLUSTERS_PER_CALL },
    [D_SERVICES] = { "DescribeServices", ECS_SERVICES_PER_CALL },
    [D_TASKS] = { "DescribeTasks", ECS_TASKS_PER_CALL },
    [D_SDS] = { "DescribeServiceDeployments", ECS_DEPLOYMENTS_PER_CALL },
};

static char *describe_body(void *ud, const char *const *names, size_t n, const char *next_token, size_t *len)
{
    describe_ctx *x = ud;
    (void)next_token; /* the Describe calls have no pages */
    switch (x->kind) {
    case D_CLUSTERS:
        return ecs_encode_describe_clusters(names, n, len);
    case D_SERVICES:
        return ecs_encode_describe_services(x->cluster, names, n, len);
    case D_TASKS:
        return ecs_encode_describe_tasks(x->cluster, names, n, len);
    case D_SDS:
        break;
    }
    return ecs_encode_describe_service_deployments(names, n, len);
}

static int describe_parse(void *ud, const aws_response *resp, char **next_token, aws_error *err)
{
    describe_ctx *x = ud;
    *next_token = NULL;
    int rc = -1;
    switch (x->kind) {
    case D_CLUSTERS:
        rc = ecs_decode_clusters(resp->body, resp->body_len, &x->r.clusters, resp->budget, err);
        break;
    case D_SERVICES:
        rc = ecs_decode_services(resp->body, resp->body_len, &x->r.services, resp->budget, err);
        break;
    case D_TASKS:
        rc = ecs_decode_tasks(resp->body, resp->body_len, &x->r.tasks, resp->budget, err);
        break;
    case D_SDS:
        rc = ecs_decode_service_deployments(resp->body, resp->body_len, &x->r.sds, resp->budget, err);
        break;
    }
    if (rc < 0)
        decode_failed(err, resp);
    return rc;
}

static void describe_done(aws_client *c, const aws_error *err, void *ud)
{
    describe_ctx *x = ud;
    switch (x->kind) {
    case D_CLUSTERS:
        x->done.clusters(c, &x->r.clusters, err, x->ud);
        break;
    case D_SERVICES:
        x->done.services(c, &x->r.services, err, x->ud);
        break;
    case D_TASKS:
        x->done.tasks(c, &x->r.tasks, err, x->ud);
        break;
    case D_SDS:
        x->done.sds(c, &x->r.sds, err, x->ud);
        break;
    }
    free(x->cluster);
    free(x);
}

static int describe_start(aws_client *c, describe_ctx *x, const char *cluster, const strvec *names, aws_error *err)
{
    if (x->kind != D_CLUSTERS && (!names || names->n == 0)) {
        const char *op = describe_ops[x->kind].op;
        free(x);
        return refuse(err, op, "at least one name or ARN is needed");
    }
    x->cluster = xstrdup(cluster);
    if (aws_call_chunked(c, &AWS_SVC_ECS, describe_ops[x->kind].op, names, describe_ops[x->kind].per_call,
                         describe_body, describe_parse, describe_done, x, err) < 0) {
        free(x->cluster);
        free(x);
        return -1;
    }
    return 0;
}

int svc_ecs_describe_clusters(aws_client *c, const strvec *clusters, ecs_clusters_fn done, void *ud, aws_error *err)
{
    describe_ctx *x = xcalloc(1, sizeof(*x));
    x->kind = D_CLUSTERS;
    x->done.clusters = done;
    x->ud = ud;
    return describe_start(c, x, NULL, clusters, err);
}

int svc_ecs_describe_services(aws_client *c, const char *cluster, const strvec *services, ecs_services_fn done,
                              void *ud, aws_error *err)
{
    describe_ctx *x = xcalloc(1, sizeof(*x));
    x->kind = D_SERVICES;
    x->done.services = done;
    x->ud = ud;
    return describe_start(c, x, cluster, services, err);
}

int svc_ecs_describe_tasks(aws_client *c, const char *cluster, const strvec *tasks, ecs_tasks_fn done, void *ud,
                           aws_error *err)
{
    describe_ctx *x = xcalloc(1, sizeof(*x));
    x->kind = D_TASKS;
    x->done.tasks = done;
    x->ud = ud;
    return describe_start(c, x, cluster, tasks, err);
}

int svc_ecs_describe_service_deployments(aws_client *c, const strvec *arns, ecs_sds_fn done, void *ud, aws_error *err)
{
    describe_ctx *x = xcalloc(1, sizeof(*x));
    x->kind = D_SDS;
    x->done.sds = done;
    x->ud = ud;
    return describe_start(c, x, NULL, arns, err);
}

/* -- one-call operations: DescribeTaskDefinition, RegisterTaskDefinition,
 *    UpdateService, StopServiceDeployment -- */
typedef enum { O_DESCRIBE_TD, O_REGISTER_TD, O_UPDATE_SERVICE, O_STOP_SD } one_kind;

typedef struct one_ctx {
    one_kind kind;
    ecs_task_definition td;
    ecs_service service;
    union {
        ecs_task_definition_fn td;
        ecs_service_fn service;
        ecs_arn_fn arn;
    } done;
    void *ud;
} one_ctx;

static void one_answer(aws_client *c, const aws_response *resp, const aws_error *err, void *ud)
{
    one_ctx *x = ud;
    aws_error e = { 0 };
    char *arn = NULL;
    int rc = 0;
    if (!err) {
        switch (x->kind) {
        case O_DESCRIBE_TD:
            rc = ecs_decode_task_definition(resp->body, resp->body_len, "DescribeTaskDefinition", &x->td, &e);
            break;
        case O_REGISTER_TD:
            rc = ecs_decode_task_definition(resp->body, resp->body_len, "RegisterTaskDefinition", &x->td, &e);
            break;
        case O_UPDATE_SERVICE:
            rc = ecs_decode_update_service(resp->body, resp->body_len, &x->service, &e);
            break;
        case O_STOP_SD:
            rc = ecs_decode_stop_service_deployment(resp->body, resp->body_len, &arn, &e);
            break;
        }
        if (rc < 0) {
            decode_failed(&e, resp);
            err = &e;
        }
    }
    switch (x->kind) {
    case O_DESCRIBE_TD:
    case O_REGISTER_TD:
        if (err)
            ecs_task_definition_free(&x->td);
        x->done.td(c, err ? NULL : &x->td, err, x->ud);
        break;
    case O_UPDATE_SERVICE:
        if (err)
            ecs_service_free(&x->service);
        x->done.service(c, err ? NULL : &x->service, err, x->ud);
        break;
    case O_STOP_SD:
        if (err) {
            free(arn);
            arn = NULL;
        }
        x->done.arn(c, arn, err, x->ud);
        break;
    }
    free(x);
}

static int one_call(aws_client *c, one_ctx *x, const char *op, bool mutating, char *body, size_t len, aws_error *err)
{
    aws_request req = { .svc = &AWS_SVC_ECS, .operation = op, .body = body, .body_len = len, .mutating = mutating };
    int rc = aws_call(c, &req, one_answer, x, err);
    free(body);
    if (rc < 0)
        free(x);
    return rc;
}

static one_ctx *one_new(one_kind kind, void *ud)
{
    one_ctx *x = xcalloc(1, sizeof(*x));
    x->kind = kind;
    x->ud = ud;
    return x;
}

int svc_ecs_describe_task_definition(aws_client *c, const char *task_definition, ecs_task_definition_fn done, void *ud,
                                     aws_error *err)
{
    if (str_empty(task_definition))
        return refuse(err, "DescribeTaskDefinition", "a task definition is needed");
    one_ctx *x = one_new(O_DESCRIBE_TD, ud);
    x->done.td = done;
    size_t n;
    char *body = ecs_encode_describe_task_definition(task_definition, &n);
    return one_call(c, x, "DescribeTaskDefinition", false, body, n, err);
}

int svc_ecs_register_task_definition_copy(aws_client *c, const ecs_task_definition *base,
                                          const ecs_image_override *overrides, size_t n_overrides,
                                          ecs_task_definition_fn done, void *ud, aws_error *err)
{
    size_t n;
    char *body = ecs_encode_register_copy(base, overrides, n_overrides, &n, err);
    if (!body)
        return -1;
    one_ctx *x = one_new(O_REGISTER_TD, ud);
    x->done.td = done;
    return one_call(c, x, "RegisterTaskDefinition", true, body, n, err);
}

int svc_ecs_update_service(aws_client *c, const ecs_update_service_params *p, ecs_service_fn done, void *ud,
                           aws_error *err)
{
    if (!p || str_empty(p->service))
        return refuse(err, "UpdateService", "a service is needed");
    one_ctx *x = one_new(O_UPDATE_SERVICE, ud);
    x->done.service = done;
    size_t n;
    char *body = ecs_encode_update_service(p, &n);
    return one_call(c, x, "UpdateService", true, body, n, err);
}

int svc_ecs_stop_service_deployment(aws_client *c, const char *arn, const char *stop_type, ecs_arn_fn done, void *ud,
                                    aws_error *err)
{
    if (str_empty(arn))
        return refuse(err, "StopServiceDeployment", "a service deployment ARN is needed");
    one_ctx *x = one_new(O_STOP_SD, ud);
    x->done.arn = done;
    size_t n;
    char *body = ecs_encode_stop_service_deployment(arn, stop_type, &n);
    return one_call(c, x, "StopServiceDeployment", true, body, n, err);
}
