/* encode_json_ecs.c — the simulator's ECS answers: model_ecs.h structs as the JSON
 * shapes of botocore's ecs model (Cluster, Service, Deployment, ServiceEvent, Task,
 * Container, Attachment, Failure). */
#include "encode.h"

#include <stdio.h>

static void add_int(json_object *o, const char *key, int v)
{
    json_object_object_add(o, key, json_object_new_int(v));
}

static void add_time(json_object *o, const char *key, aws_time t)
{
    if (t)
        json_object_object_add(o, key, enc_json_time(t));
}

json_object *enc_json_ecs_cluster(const ecs_cluster *c)
{
    json_object *o = json_object_new_object();
    enc_json_add_str(o, "clusterArn", c->cluster_arn);
    enc_json_add_str(o, "clusterName", c->cluster_name);
    enc_json_add_str(o, "status", c->status);
    add_int(o, "registeredContainerInstancesCount", c->registered_container_instances_count);
    add_int(o, "runningTasksCount", c->running_tasks_count);
    add_int(o, "pendingTasksCount", c->pending_tasks_count);
    add_int(o, "activeServicesCount", c->active_services_count);
    json_object *cps = json_object_new_array();
    json_object_array_add(cps, json_object_new_string("FARGATE"));
    json_object_array_add(cps, json_object_new_string("FARGATE_SPOT"));
    json_object_object_add(o, "capacityProviders", cps);
    return o;
}

static json_object *deployment_configuration(const ecs_deployment_configuration *d)
{
    json_object *o = json_object_new_object();
    if (d->has_circuit_breaker) {
        json_object *cb = json_object_new_object();
        json_object_object_add(cb, "enable", json_object_new_boolean(d->circuit_breaker_enable));
        json_object_object_add(cb, "rollback", json_object_new_boolean(d->circuit_breaker_rollback));
        json_object_object_add(o, "deploymentCircuitBreaker", cb);
    }
    if (d->has_maximum_percent)
        add_int(o, "maximumPercent", d->maximum_percent);
    if (d->has_minimum_healthy_percent)
        add_int(o, "minimumHealthyPercent", d->minimum_healthy_percent);
    enc_json_add_str(o, "strategy", d->strategy);
    if (d->has_bake_time)
        add_int(o, "bakeTimeInMinutes", d->bake_time_in_minutes);
    return o;
}

static json_object *deployment(const ecs_deployment *d)
{
    json_object *o = json_object_new_object();
    enc_json_add_str(o, "id", d->id);
    enc_json_add_str(o, "status", d->status);
    enc_json_add_str(o, "taskDefinition", d->task_definition);
    add_int(o, "desiredCount", d->desired_count);
    add_int(o, "pendingCount", d->pending_count);
    add_int(o, "runningCount", d->running_count);
    add_int(o, "failedTasks", d->failed_tasks);
    add_time(o, "createdAt", d->created_at);
    add_time(o, "updatedAt", d->updated_at);
    enc_json_add_str(o, "launchType", d->launch_type);
    enc_json_add_str(o, "platformVersion", "1.4.0");
    enc_json_add_str(o, "rolloutState", d->rollout_state);
    enc_json_add_str(o, "rolloutStateReason", d->rollout_state_reason);
    return o;
}

json_object *enc_json_ecs_service(const ecs_service *s)
{
    json_object *o = json_object_new_object();
    enc_json_add_str(o, "serviceArn", s->service_arn);
    enc_json_add_str(o, "serviceName", s->service_name);
    enc_json_add_str(o, "clusterArn", s->cluster_arn);
    json_object *lbs = json_object_new_array();
    for (size_t i = 0; i < s->load_balancers.n; i++) {
        const ecs_load_balancer *l = &s->load_balancers.items[i];
        json_object *lb = json_object_new_object();
        enc_json_add_str(lb, "targetGroupArn", l->target_group_arn);
        enc_json_add_str(lb, "loadBalancerName", l->load_balancer_name);
        enc_json_add_str(lb, "containerName", l->container_name);
        if (l->has_container_port)
            add_int(lb, "containerPort", l->container_port);
        json_object_array_add(lbs, lb);
    }
    json_object_object_add(o, "loadBalancers", lbs);
    enc_json_add_str(o, "status", s->status);
    add_int(o, "desiredCount", s->desired_count);
    add_int(o, "runningCount", s->running_count);
    add_int(o, "pendingCount", s->pending_count);
    enc_json_add_str(o, "launchType", s->launch_type);
    enc_json_add_str(o, "platformVersion", s->platform_version);
    enc_json_add_str(o, "taskDefinition", s->task_definition);
    json_object_object_add(o, "deploymentConfiguration", deployment_configuration(&s->deployment_configuration));
    json_object *deps = json_object_new_array();
    for (size_t i = 0; i < s->deployments.n; i++)
        json_object_array_add(deps, deployment(&s->deployments.items[i]));
    json_object_object_add(o, "deployments", deps);
    json_object *events = json_object_new_array();
    for (size_t i = 0; i < s->events.n; i++) {
        json_object *e = json_object_new_object();
        enc_json_add_str(e, "id", s->events.items[i].id);
        add_time(e, "createdAt", s->events.items[i].created_at);
        enc_json_add_str(e, "message", s->events.items[i].message);
        json_object_array_add(events, e);
    }
    json_object_object_add(o, "events", events);
    add_time(o, "createdAt", s->created_at);
    if (s->has_health_check_grace_period)
        add_int(o, "healthCheckGracePeriodSeconds", s->health_check_grace_period_seconds);
    enc_json_add_str(o, "schedulingStrategy", s->scheduling_strategy);
    if (s->deployment_controller_type) {
        json_object *dc = json_object_new_object();
        enc_json_add_str(dc, "type", s->deployment_controller_type);
        json_object_object_add(o, "deploymentController", dc);
    }
    enc_json_add_str(o, "currentServiceDeployment", s->current_service_deployment);
    return o;
}

static json_object *detail(const char *name, const char *value)
{
    json_object *o = json_object_new_object();
    enc_json_add_str(o, "name", name);
    enc_json_add_str(o, "value", value);
    return o;
}

json_object *enc_json_ecs_task(const ecs_task *t)
{
    json_object *o = json_object_new_object();
    json_object *atts = json_object_new_array();
    if (t->private_ipv4_address) { /* awsvpc: the task's ENI */
        json_object *a = json_object_new_object(), *details = json_object_new_array();
        const char *slash = strrchr(t->task_arn, '/');
        char id[64];
        snprintf(id, sizeof id, "eni-attach-%.12s", slash ? slash + 1 : "0");
        enc_json_add_str(a, "id", id);
        enc_json_add_str(a, "type", "ElasticNetworkInterface");
        enc_json_add_str(a, "status", str_eq(t->last_status, "STOPPED") ? "DELETED" : "ATTACHED");
        json_object_array_add(details, detail("privateIPv4Address", t->private_ipv4_address));
        json_object_object_add(a, "details", details);
        json_object_array_add(atts, a);
    }
    json_object_object_add(o, "attachments", atts);
    enc_json_add_str(o, "availabilityZone", t->availability_zone);
    enc_json_add_str(o, "clusterArn", t->cluster_arn);
    json_object *cs = json_object_new_array();
    for (size_t i = 0; i < t->containers.n; i++) {
        const ecs_container *c = &t->containers.items[i];
        json_object *co = json_object_new_object();
        enc_json_add_str(co, "containerArn", c->container_arn);
        enc_json_add_str(co, "taskArn", t->task_arn);
        enc_json_add_str(co, "name", c->name);
        enc_json_add_str(co, "image", c->image);
        enc_json_add_str(co, "imageDigest", c->image_digest);
        enc_json_add_str(co, "runtimeId", c->runtime_id);
        enc_json_add_str(co, "lastStatus", c->last_status);
        if (c->has_exit_code)
            add_int(co, "exitCode", c->exit_code);
        enc_json_add_str(co, "reason", c->reason);
        enc_json_add_str(co, "healthStatus", c->health_status);
        json_object_array_add(cs, co);
    }
    json_object_object_add(o, "containers", cs);
    add_time(o, "createdAt", t->created_at);
    enc_json_add_str(o, "desiredStatus", t->desired_status);
    enc_json_add_str(o, "group", t->group);
    enc_json_add_str(o, "healthStatus", t->health_status);
    enc_json_add_str(o, "lastStatus", t->last_status);
    enc_json_add_str(o, "launchType", t->launch_type);
    add_time(o, "startedAt", t->started_at);
    enc_json_add_str(o, "startedBy", t->started_by);
    enc_json_add_str(o, "stopCode", t->stop_code);
    add_time(o, "stoppedAt", t->stopped_at);
    enc_json_add_str(o, "stoppedReason", t->stopped_reason);
    add_time(o, "stoppingAt", t->stopping_at);
    enc_json_add_str(o, "taskArn", t->task_arn);
    enc_json_add_str(o, "taskDefinitionArn", t->task_definition_arn);
    return o;
}

json_object *enc_json_ecs_failure(const ecs_failure *f)
{
    json_object *o = json_object_new_object();
    enc_json_add_str(o, "arn", f->arn);
    enc_json_add_str(o, "reason", f->reason);
    enc_json_add_str(o, "detail", f->detail);
    return o;
}

static json_object *revision_summary(const ecs_service_revision_summary *r)
{
    json_object *o = json_object_new_object();
    enc_json_add_str(o, "arn", r->arn);
    add_int(o, "requestedTaskCount", r->requested_task_count);
    add_int(o, "runningTaskCount", r->running_task_count);
    add_int(o, "pendingTaskCount", r->pending_task_count);
    return o;
}

json_object *enc_json_ecs_service_deployment(const ecs_service_deployment *d)
{
    json_object *o = json_object_new_object();
    enc_json_add_str(o, "serviceDeploymentArn", d->service_deployment_arn);
    enc_json_add_str(o, "serviceArn", d->service_arn);
    enc_json_add_str(o, "clusterArn", d->cluster_arn);
    add_time(o, "createdAt", d->created_at);
    add_time(o, "startedAt", d->started_at);
    add_time(o, "finishedAt", d->finished_at);
    add_time(o, "stoppedAt", d->stopped_at);
    add_time(o, "updatedAt", d->updated_at);
    json_object *src = json_object_new_array();
    for (size_t i = 0; i < d->source_service_revisions.n; i++)
        json_object_array_add(src, revision_summary(&d->source_service_revisions.items[i]));
    json_object_object_add(o, "sourceServiceRevisions", src);
    if (d->target_service_revision.arn)
        json_object_object_add(o, "targetServiceRevision", revision_summary(&d->target_service_revision));
    enc_json_add_str(o, "status", d->status);
    enc_json_add_str(o, "statusReason", d->status_reason);
    json_object_object_add(o, "deploymentConfiguration", deployment_configuration(&d->deployment_configuration));
    if (d->rollback_reason || d->rollback_service_revision_arn) {
        json_object *rb = json_object_new_object();
        enc_json_add_str(rb, "reason", d->rollback_reason);
        add_time(rb, "startedAt", d->rollback_started_at);
        enc_json_add_str(rb, "serviceRevisionArn", d->rollback_service_revision_arn);
        json_object_object_add(o, "rollback", rb);
    }
    json_object *cb = json_object_new_object();
    enc_json_add_str(cb, "status", d->circuit_breaker_status);
    if (d->has_circuit_breaker_counts) {
        add_int(cb, "failureCount", d->circuit_breaker_failure_count);
        add_int(cb, "threshold", d->circuit_breaker_threshold);
    }
    json_object_object_add(o, "deploymentCircuitBreaker", cb);
    json_object *al = json_object_new_object();
    enc_json_add_str(al, "status", d->alarms_status);
    json_object_object_add(o, "alarms", al);
    return o;
}

json_object *enc_json_ecs_sd_brief(const ecs_service_deployment *d)
{
    json_object *o = json_object_new_object();
    enc_json_add_str(o, "serviceDeploymentArn", d->service_deployment_arn);
    enc_json_add_str(o, "serviceArn", d->service_arn);
    enc_json_add_str(o, "clusterArn", d->cluster_arn);
    add_time(o, "startedAt", d->started_at);
    add_time(o, "createdAt", d->created_at);
    add_time(o, "finishedAt", d->finished_at);
    enc_json_add_str(o, "targetServiceRevisionArn", d->target_service_revision.arn);
    enc_json_add_str(o, "status", d->status);
    enc_json_add_str(o, "statusReason", d->status_reason);
    return o;
}
