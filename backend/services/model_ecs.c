/* model_ecs.c — freeing and copying the ECS model's structs (ownership rules in
 * model_ecs.h). Every *_free leaves the struct zeroed. */
#include "services/model_ecs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "services/model.h"

#define F(field) free(x->field)
#define ZERO()   memset(x, 0, sizeof(*x))

void ecs_kv_free(ecs_kv *x)
{
    F(name);
    F(value);
    ZERO();
}

void ecs_failure_free(ecs_failure *x)
{
    F(arn);
    F(reason);
    F(detail);
    ZERO();
}

void ecs_cluster_free(ecs_cluster *x)
{
    F(cluster_arn);
    F(cluster_name);
    F(status);
    ZERO();
}

void ecs_deployment_free(ecs_deployment *x)
{
    F(id);
    F(status);
    F(task_definition);
    F(launch_type);
    F(rollout_state);
    F(rollout_state_reason);
    ZERO();
}

void ecs_service_event_free(ecs_service_event *x)
{
    F(id);
    F(message);
    ZERO();
}

void ecs_load_balancer_free(ecs_load_balancer *x)
{
    F(target_group_arn);
    F(load_balancer_name);
    F(container_name);
    ZERO();
}

void ecs_deployment_configuration_free(ecs_deployment_configuration *x)
{
    strvec_free(&x->alarm_names);
    F(strategy);
    ZERO();
}

void ecs_deployment_configuration_copy(ecs_deployment_configuration *dst, const ecs_deployment_configuration *src)
{
    *dst = *src;
    memset(&dst->alarm_names, 0, sizeof(dst->alarm_names));
    for (size_t i = 0; i < src->alarm_names.n; i++)
        strvec_push(&dst->alarm_names, src->alarm_names.items[i]);
    dst->strategy = xstrdup(src->strategy);
}

void ecs_service_free(ecs_service *x)
{
    F(service_arn);
    F(service_name);
    F(cluster_arn);
    F(status);
    F(launch_type);
    F(platform_version);
    F(task_definition);
    F(scheduling_strategy);
    F(deployment_controller_type);
    MODEL_LIST_FREE(x->load_balancers, ecs_load_balancer_free);
    ecs_deployment_configuration_free(&x->deployment_configuration);
    MODEL_LIST_FREE(x->deployments, ecs_deployment_free);
    MODEL_LIST_FREE(x->events, ecs_service_event_free);
    F(current_service_deployment);
    ZERO();
}

void ecs_log_configuration_free(ecs_log_configuration *x)
{
    F(log_driver);
    MODEL_LIST_FREE(x->options, ecs_kv_free);
    ZERO();
}

void ecs_container_definition_free(ecs_container_definition *x)
{
    F(name);
    F(image);
    ecs_log_configuration_free(&x->log_configuration);
    ZERO();
}

void ecs_task_definition_free(ecs_task_definition *x)
{
    F(task_definition_arn);
    F(family);
    F(status);
    F(network_mode);
    F(cpu);
    F(memory);
    strvec_free(&x->requires_compatibilities);
    MODEL_LIST_FREE(x->container_definitions, ecs_container_definition_free);
    F(raw);
    ZERO();
}

void ecs_container_free(ecs_container *x)
{
    F(container_arn);
    F(name);
    F(image);
    F(image_digest);
    F(runtime_id);
    F(last_status);
    F(health_status);
    F(reason);
    ZERO();
}

void ecs_task_free(ecs_task *x)
{
    F(task_arn);
    F(cluster_arn);
    F(task_definition_arn);
    F(last_status);
    F(desired_status);
    F(health_status);
    F(started_by);
    F(stop_code);
    F(stopped_reason);
    F(availability_zone);
    F(launch_type);
    F(group);
    F(private_ipv4_address);
    MODEL_LIST_FREE(x->containers, ecs_container_free);
    ZERO();
}

void ecs_service_deployment_brief_free(ecs_service_deployment_brief *x)
{
    F(service_deployment_arn);
    F(service_arn);
    F(cluster_arn);
    F(target_service_revision_arn);
    F(status);
    F(status_reason);
    ZERO();
}

void ecs_service_revision_summary_free(ecs_service_revision_summary *x)
{
    F(arn);
    ZERO();
}

void ecs_service_deployment_free(ecs_service_deployment *x)
{
    F(service_deployment_arn);
    F(service_arn);
    F(cluster_arn);
    MODEL_LIST_FREE(x->source_service_revisions, ecs_service_revision_summary_free);
    ecs_service_revision_summary_free(&x->target_service_revision);
    F(status);
    F(status_reason);
    F(lifecycle_stage);
    ecs_deployment_configuration_free(&x->deployment_configuration);
    F(rollback_reason);
    F(rollback_service_revision_arn);
    F(circuit_breaker_status);
    F(alarms_status);
    strvec_free(&x->alarm_names);
    strvec_free(&x->triggered_alarm_names);
    ZERO();
}

const ecs_deployment *ecs_service_primary(const ecs_service *s)
{
    for (size_t i = 0; s && i < s->deployments.n; i++)
        if (str_eq(s->deployments.items[i].status, "PRIMARY"))
            return &s->deployments.items[i];
    return NULL;
}

bool ecs_task_definition_spec(const char *spec, char *family, size_t cap, long *revision)
{
    *revision = 0;
    if (cap)
        family[0] = '\0';
    if (str_empty(spec))
        return false;
    const char *at = strstr(spec, ":task-definition/");
    const char *fam = at ? at + strlen(":task-definition/") : spec;
    const char *colon = strchr(fam, ':');
    size_t n = colon ? (size_t)(colon - fam) : strlen(fam);
    if (n == 0 || n >= cap)
        return false;
    memcpy(family, fam, n);
    family[n] = '\0';
    if (colon) {
        char *end;
        errno = 0;
        long rev = strtol(colon + 1, &end, 10);
        if (errno || end == colon + 1 || *end || rev < 1)
            return false;
        *revision = rev;
    }
    return true;
}

const char *const ecs_register_members[] = {
    "family",
    "taskRoleArn",
    "executionRoleArn",
    "networkMode",
    "containerDefinitions",
    "volumes",
    "placementConstraints",
    "requiresCompatibilities",
    "cpu",
    "memory",
    "pidMode",
    "ipcMode",
    "proxyConfiguration",
    "inferenceAccelerators",
    "ephemeralStorage",
    "runtimePlatform",
    "enableFaultInjection",
};
const size_t ecs_register_members_n = sizeof ecs_register_members / sizeof ecs_register_members[0];
