/* model_ecs.h — Amazon ECS as plain C structs: clusters, services with their
 * deployments and events, task definitions, tasks, and the service deployments of
 * ListServiceDeployments / DescribeServiceDeployments. Conventions of model.h: member
 * names follow botocore's ecs model, every char * is owned (NULL = absent), aws_time
 * is milliseconds since the epoch (0 = absent), and an int AWS may omit has a has_
 * flag. Each *_free() frees the members, not the struct itself. */
#ifndef TARMAC_MODEL_ECS_H
#define TARMAC_MODEL_ECS_H

#include "services/model.h" /* MODEL_LIST_FREE */
#include "util.h"

typedef struct ecs_kv { /* KeyValuePair; also a log driver's options (a map) */
    char *name, *value;
} ecs_kv;

typedef struct ecs_failure { /* Failure */
    char *arn, *reason, *detail;
} ecs_failure;

typedef struct ecs_cluster { /* Cluster */
    char *cluster_arn, *cluster_name, *status;
    int registered_container_instances_count, running_tasks_count, pending_tasks_count, active_services_count;
} ecs_cluster;

typedef struct ecs_deployment { /* Deployment (a member of Service.deployments) */
    char *id;                   /* ecs-svc/NNNN: the startedBy of its tasks */
    char *status;               /* PRIMARY, ACTIVE, INACTIVE */
    char *task_definition;
    int desired_count, pending_count, running_count, failed_tasks;
    aws_time created_at, updated_at;
    char *launch_type;
    char *rollout_state; /* COMPLETED, FAILED, IN_PROGRESS */
    char *rollout_state_reason;
} ecs_deployment;

typedef struct ecs_service_event { /* ServiceEvent */
    char *id;
    aws_time created_at;
    char *message;
} ecs_service_event;

typedef struct ecs_load_balancer { /* LoadBalancer */
    char *target_group_arn, *load_balancer_name, *container_name;
    bool has_container_port;
    int container_port;
} ecs_load_balancer;

typedef struct ecs_deployment_configuration { /* DeploymentConfiguration */
    bool has_circuit_breaker;                 /* deploymentCircuitBreaker */
    bool circuit_breaker_enable, circuit_breaker_rollback;
    bool has_maximum_percent;
    int maximum_percent;
    bool has_minimum_healthy_percent;
    int minimum_healthy_percent;
    bool has_alarms; /* alarms: DeploymentAlarms */
    strvec alarm_names;
    bool alarms_enable, alarms_rollback;
    char *strategy; /* ROLLING, BLUE_GREEN, ... */
    bool has_bake_time;
    int bake_time_in_minutes;
} ecs_deployment_configuration;

typedef struct ecs_service { /* Service */
    char *service_arn, *service_name, *cluster_arn;
    char *status; /* ACTIVE, DRAINING, INACTIVE */
    int desired_count, running_count, pending_count;
    char *launch_type, *platform_version, *task_definition;
    char *scheduling_strategy;
    char *deployment_controller_type; /* deploymentController.type: ECS, CODE_DEPLOY, EXTERNAL */
    VEC(ecs_load_balancer) load_balancers;
    ecs_deployment_configuration deployment_configuration;
    VEC(ecs_deployment) deployments;
    VEC(ecs_service_event) events; /* newest first, as AWS lists them */
    aws_time created_at;
    bool has_health_check_grace_period;
    int health_check_grace_period_seconds;
    char *current_service_deployment; /* its ARN */
} ecs_service;

typedef struct ecs_log_configuration { /* LogConfiguration */
    char *log_driver;                  /* NULL: none */
    VEC(ecs_kv) options;               /* the options map, in the answer's order */
} ecs_log_configuration;

typedef struct ecs_container_definition { /* ContainerDefinition (what is shown) */
    char *name, *image;
    bool has_essential;
    bool essential;
    ecs_log_configuration log_configuration;
} ecs_container_definition;

typedef struct ecs_task_definition { /* TaskDefinition */
    char *task_definition_arn, *family, *status, *network_mode, *cpu, *memory;
    int revision;
    strvec requires_compatibilities;
    VEC(ecs_container_definition) container_definitions;
    aws_time registered_at;
    /* The whole object as the answer had it (JSON): RegisterTaskDefinition copies a
     * revision member for member from it (ecs_encode_register_copy), so what tarmac does
     * not show (ports, secrets, health checks, volumes) is carried over unchanged. */
    char *raw;
    size_t raw_len;
} ecs_task_definition;

typedef struct ecs_container { /* Container (of a task) */
    char *container_arn, *name, *image, *image_digest, *runtime_id;
    char *last_status, *health_status, *reason;
    bool has_exit_code;
    int exit_code;
} ecs_container;

typedef struct ecs_task { /* Task */
    char *task_arn, *cluster_arn, *task_definition_arn;
    char *last_status, *desired_status, *health_status;
    char *started_by; /* a service's tasks: the deployment id (ecs-svc/...) */
    char *stop_code, *stopped_reason;
    char *availability_zone, *launch_type, *group;
    char *private_ipv4_address; /* the ElasticNetworkInterface attachment's privateIPv4Address */
    aws_time created_at, started_at, stopping_at, stopped_at;
    VEC(ecs_container) containers;
} ecs_task;

typedef struct ecs_service_deployment_brief { /* ServiceDeploymentBrief */
    char *service_deployment_arn, *service_arn, *cluster_arn, *target_service_revision_arn;
    char *status; /* PENDING, SUCCESSFUL, STOPPED, STOP_REQUESTED, IN_PROGRESS, ROLLBACK_* */
    char *status_reason;
    aws_time created_at, started_at, finished_at;
} ecs_service_deployment_brief;

typedef struct ecs_service_revision_summary { /* ServiceRevisionSummary */
    char *arn;
    int requested_task_count, running_task_count, pending_task_count;
} ecs_service_revision_summary;

typedef struct ecs_service_deployment { /* ServiceDeployment */
    char *service_deployment_arn, *service_arn, *cluster_arn;
    aws_time created_at, started_at, finished_at, stopped_at, updated_at;
    VEC(ecs_service_revision_summary) source_service_revisions;
    ecs_service_revision_summary target_service_revision; /* arn NULL: absent */
    char *status, *status_reason, *lifecycle_stage;
    ecs_deployment_configuration deployment_configuration;
    char *rollback_reason, *rollback_service_revision_arn; /* rollback */
    aws_time rollback_started_at;
    char *circuit_breaker_status; /* deploymentCircuitBreaker: TRIGGERED, MONITORING, ... */
    bool has_circuit_breaker_counts;
    int circuit_breaker_failure_count, circuit_breaker_threshold;
    char *alarms_status; /* alarms */
    strvec alarm_names, triggered_alarm_names;
} ecs_service_deployment;

typedef VEC(ecs_cluster) ecs_cluster_list;
typedef VEC(ecs_service) ecs_service_list;
typedef VEC(ecs_task) ecs_task_list;
typedef VEC(ecs_failure) ecs_failure_list;
typedef VEC(ecs_service_deployment_brief) ecs_service_deployment_brief_list;
typedef VEC(ecs_service_deployment) ecs_service_deployment_list;

void ecs_kv_free(ecs_kv *x);
void ecs_failure_free(ecs_failure *x);
void ecs_cluster_free(ecs_cluster *x);
void ecs_deployment_free(ecs_deployment *x);
void ecs_service_event_free(ecs_service_event *x);
void ecs_load_balancer_free(ecs_load_balancer *x);
void ecs_deployment_configuration_free(ecs_deployment_configuration *x);
void ecs_service_free(ecs_service *x);
void ecs_log_configuration_free(ecs_log_configuration *x);
void ecs_container_definition_free(ecs_container_definition *x);
void ecs_task_definition_free(ecs_task_definition *x);
void ecs_container_free(ecs_container *x);
void ecs_task_free(ecs_task *x);
void ecs_service_deployment_brief_free(ecs_service_deployment_brief *x);
void ecs_service_revision_summary_free(ecs_service_revision_summary *x);
void ecs_service_deployment_free(ecs_service_deployment *x);

/* Deep copies (the simulator hands out copies of its state). */
void ecs_deployment_configuration_copy(ecs_deployment_configuration *dst, const ecs_deployment_configuration *src);

/* A task definition as UpdateService and DescribeTaskDefinition take it — FAMILY,
 * FAMILY:REVISION or its ARN — into family (bounded by cap) and *revision (0: none
 * given). False when it is empty, the family does not fit, or the revision is not a
 * number from 1. */
bool ecs_task_definition_spec(const char *spec, char *family, size_t cap, long *revision);

/* The members of TaskDefinition that RegisterTaskDefinition takes (botocore's ecs
 * model: what the two shapes share); the rest AWS sets itself. */
extern const char *const ecs_register_members[];
extern const size_t ecs_register_members_n;

/* The deployment whose status is PRIMARY, or NULL. */
const ecs_deployment *ecs_service_primary(const ecs_service *s);

#endif
