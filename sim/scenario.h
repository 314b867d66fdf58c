/* scenario.h — the simulator's scenarios: YAML files (the files under sim/scenarios/, or any
 * path) parsed with libyaml into plain structs the world is built from. Errors name
 * FILE:LINE:COLUMN. Aliases (*name) and repeated keys are refused: they would let a
 * small file expand without bound. */
#ifndef TARMAC_SIM_SCENARIO_H
#define TARMAC_SIM_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

#include "alarm_rule.h"
#include "util.h"
#include "world.h"

/* The format (every key optional unless noted; times in seconds):
 *   account: "123456789012"   region: us-east-1   speed: 1   start_time: 2024-05-01T12:00:00Z
 *   credentials: [{access_key_id, secret_access_key, session_token?, user?}]   (at least one)
 *   page_sizes: {OperationName: N}            smaller pages to exercise NextToken / Marker
 *   launch_templates: [{name, id?, latest_version, default_version, image_id, instance_type,
 *                       pinned_tags: {VERSION: tag}}]   a pinned version pulls that tag, not the live one
 *   target_groups: [{name, port, protocol, health_check_path, interval, timeout,
 *                    healthy_threshold, unhealthy_threshold, deregistration_delay,
 *                    unhealthy_draining_interval}]   (the last: TCP/TLS/UDP target groups only)
 *   load_balancers: [{name, scheme, listeners: [{port, protocol, target_group,
 *                     rules: [{priority, path_pattern, target_group}]}]}]
 *   repositories: [{name, mutability, exclusion_filters: [glob], images: [{tags, layers: [bytes],
 *                   pushed: seconds-before-start, bad: bool, fails_after: seconds, media_type, seed,
 *                   status: ACTIVE|ARCHIVED|ACTIVATING, archived_at, activated_at (seconds before start),
 *                   scan: {status, description, completed (seconds before start), findings: {SEVERITY: n}}}]}]
 *   apps: [{name, min, max, desired, azs, launch_template, version, health_check_type: EC2|ELB,
 *           grace_period, default_warmup, target_groups, repository, live_tag (prod),
 *           instance_type, launch_delay (Pending→InService), boot (InService→answers checks),
 *           min_healthy_percentage, max_healthy_percentage,   (instance maintenance policy)
 *           standby_instances: N (extra instances in Standby), protected_instances: N (of the first
 *           ones, protected from scale in), new_instances_protected: bool,
 *           suspended_processes: [Name | {name, reason}],
 *           warm_pool: {min_size, max_group_prepared_capacity, pool_state, reuse_on_scale_in}}]
 *   alarms: [{name, description, metric: UnHealthyHostCount|HealthyHostCount, target_group,
 *             comparison, threshold, period, evaluation_periods}        a metric alarm on a target group
 *          | {name, description, rule: "ALARM(a) AND NOT OK(b)"}       a composite alarm
 *          | {name, description, metrics: [{id, expression, label, metric, namespace, stat, period,
 *             return_data}], threshold_metric_id, comparison, threshold, evaluation_periods,
 *             state: OK|ALARM|INSUFFICIENT_DATA}]                      a metric math / anomaly alarm
 *   faults: [{operation ("*"), service, latency_ms, jitter_ms, throttle_rate, error_5xx_rate,
 *             reset_rate, truncate_rate, malformed_rate, slow_body_bytes_per_sec,
 *             error_code, error_status, error_message, error_rate, count}]
 *   generate: {apps, instances_per_app, target_groups, images, azs}   many gen-app-NN groups
 *   session_duration: 60   seconds the credentials STS hands out last (short-lived for refresh tests)
 *   ecs: {task_definitions: [{family, cpu, memory, revisions (1), containers: [{name, image, essential (true),
 *                             log_group}]}],        image: "REPO:TAG" (a repository above) or a full reference
 *         clusters: [{name, services: [{name, task_definition (FAMILY or FAMILY:REVISION), desired,
 *                     min_healthy_percent (100), max_percent (200), circuit_breaker, rollback, target_group,
 *                     container_port, grace_period, azs, start_delay (10), healthy_after (10),
 *                     stop_delay (5)}]}]}    Fargate services, awsvpc (world_ecs.c) */

typedef struct sc_credential {
    char *access_key_id, *secret_access_key, *session_token; /* secret/token wiped on free */
    char *user_name;                                         /* for the caller ARN */
} sc_credential;

typedef struct sc_page_size {
    char *operation;
    int size;
} sc_page_size;

/* A launch template version that pins the image tag its instances pull (as an AMI
 * deploy pins an image), instead of the app's live tag. */
typedef struct sc_lt_pin {
    int version;
    char *tag;
} sc_lt_pin;

typedef struct sc_launch_template {
    char *id, *name;
    int latest_version, default_version;
    char *image_id;
    char *instance_type;
    VEC(sc_lt_pin) pinned_tags;
} sc_launch_template;

typedef struct sc_target_group {
    char *name, *protocol, *health_check_path;
    int port;
    int interval_s, timeout_s, healthy_threshold, unhealthy_threshold;
    int deregistration_delay_s;
    int unhealthy_draining_s; /* NLB target_health_state.unhealthy.draining_interval_seconds */
    int line, column;
} sc_target_group;

typedef struct sc_rule {
    int priority;
    char *path_pattern;
    char *target_group;
    int line, column;
} sc_rule;
typedef struct sc_listener {
    int port;
    char *protocol;
    char *target_group; /* default forward action */
    VEC(sc_rule) rules;
    int line, column;
} sc_listener;
typedef struct sc_load_balancer {
    char *name, *scheme;
    VEC(sc_listener) listeners;
} sc_load_balancer;

typedef struct sc_severity {
    char *severity;
    int count;
} sc_severity;

typedef struct sc_scan { /* ImageDetail.imageScanStatus / imageScanFindingsSummary */
    bool present;
    char *status, *description;
    bool has_completed;
    int64_t completed_offset_s;
    VEC(sc_severity) findings;
} sc_scan;

typedef struct sc_image {
    strvec tags;
    VEC(int64_t) layer_sizes;
    int64_t pushed_offset_s; /* seconds before the scenario start */
    bool bad;                /* its digest never passes health checks */
    char *media_type;        /* NULL = Docker v2 schema 2 */
    char *seed_name;         /* what the manifest is generated from (stable digests) */
    char *status;            /* ACTIVE (NULL), ARCHIVED, ACTIVATING */
    int fails_after_s;       /* -1, or: its app stops answering this long after it is ready */
    bool has_archived_at;
    int64_t archived_offset_s;
    bool has_activated_at;
    int64_t activated_offset_s;
    sc_scan scan;
    int line, column;
} sc_image;
typedef struct sc_repository {
    char *name, *mutability;
    strvec exclusion_filters;
    VEC(sc_image) images;
} sc_repository;

typedef struct sc_suspended {
    char *process, *reason;
} sc_suspended;

typedef struct sc_warm_pool { /* WarmPoolConfiguration */
    bool present;
    int min_size;     /* 0 by default */
    int max_prepared; /* MaxGroupPreparedCapacity; -1 = the group's max size */
    char *pool_state; /* Stopped (default), Running, Hibernated */
    bool has_reuse;
    bool reuse_on_scale_in;
} sc_warm_pool;

typedef struct sc_asg {
    char *name;
    int min_size, max_size, desired;
    strvec azs;
    char *launch_template;   /* name of an sc_launch_template */
    char *lt_version;        /* "1", "$Latest", "$Default" */
    char *health_check_type; /* EC2 / ELB */
    int grace_period_s;
    bool has_default_warmup;
    int default_warmup_s;
    strvec target_groups;        /* names */
    char *repository, *live_tag; /* the app's image: live tag pulled at boot */
    char *instance_type;
    int launch_delay_s;                   /* Pending → InService */
    int boot_s;                           /* InService → app answers health checks */
    int imp_min_healthy, imp_max_healthy; /* instance maintenance policy, -1 = unset */
    int standby_instances;                /* extra instances that start in Standby */
    int protected_instances;              /* how many of the first instances are protected from scale in */
    bool new_instances_protected;         /* NewInstancesProtectedFromScaleIn */
    VEC(sc_suspended) suspended;          /* SuspendedProcesses at start */
    sc_warm_pool warm_pool;
    int line, column;
} sc_asg;

typedef enum { SC_ALARM_TG, SC_ALARM_COMPOSITE, SC_ALARM_MATH } sc_alarm_kind;

typedef struct sc_metric_query { /* MetricDataQuery of a metric math alarm */
    char *id, *expression, *label, *metric, *namespace_, *stat;
    bool has_period;
    int period;
    bool has_return_data;
    bool return_data;
} sc_metric_query;

typedef struct sc_alarm {
    sc_alarm_kind kind;
    char *name, *description;
    char *metric;       /* UnHealthyHostCount, HealthyHostCount */
    char *target_group; /* the metric's dimension */
    char *comparison;   /* GreaterThanThreshold, ... */
    bool has_threshold;
    double threshold;
    int period_s, evaluation_periods;
    char *rule;                   /* composite: AlarmRule as written */
    alarm_rule parsed;            /* composite: the rule, alarm names resolved */
    VEC(sc_metric_query) metrics; /* metric math */
    char *threshold_metric_id;    /* anomaly detection band */
    char *state;                  /* metric math: the state it shows (it is not evaluated) */
    int line, column;
} sc_alarm;

typedef struct sc_ecs_container {
    char *name, *image;
    bool essential;
    char *log_group; /* awslogs group; NULL: no logConfiguration */
} sc_ecs_container;

typedef struct sc_ecs_task_def {
    char *family, *cpu, *memory;
    int revisions; /* revisions 1..N exist at start, all alike */
    VEC(sc_ecs_container) containers;
    int line, column;
} sc_ecs_task_def;

typedef struct sc_ecs_service {
    char *name, *task_definition;
    int desired, min_healthy_percent, max_percent;
    bool circuit_breaker, rollback;
    char *target_group;
    int container_port, grace_period_s;
    strvec azs;
    int start_delay_s, healthy_after_s, stop_delay_s; /* PROVISIONING→RUNNING, RUNNING→HEALTHY, STOPPING→STOPPED */
    int line, column;
} sc_ecs_service;

typedef struct sc_ecs_cluster {
    char *name;
    VEC(sc_ecs_service) services;
    int line, column;
} sc_ecs_cluster;

typedef struct sc_ecs {
    VEC(sc_ecs_task_def) task_definitions;
    VEC(sc_ecs_cluster) clusters;
} sc_ecs;

struct sim_scenario {
    char *file; /* name used in messages */
    char *account_id, *region;
    double speed;
    aws_time start_time; /* 0 = wall clock at world creation */
    VEC(sc_credential) credentials;
    VEC(sc_page_size) page_sizes;
    VEC(sc_launch_template) launch_templates;
    VEC(sc_target_group) target_groups;
    VEC(sc_load_balancer) load_balancers;
    VEC(sc_repository) repositories;
    VEC(sc_asg) asgs;
    VEC(sc_alarm) alarms;
    sim_faults faults;
    int session_duration; /* seconds STS credentials last (0: as asked, 3600) */
    sc_ecs ecs;
};

/* Parse YAML text; name is used in errors ("demo.yaml:12:7: unknown key 'foo'").
 * NULL on error with the message in err. */
sim_scenario *sim_scenario_parse(const char *name, const char *data, size_t len, char *err, size_t errlen);
/* Read and parse a file (bounded to 16 MiB). */
sim_scenario *sim_scenario_load_file(const char *path, char *err, size_t errlen);
/* "demo", "large", "faults" = the built-in scenarios compiled into the binary;
 * anything else is a path. */
sim_scenario *sim_scenario_load(const char *name_or_path, char *err, size_t errlen);
void sim_scenario_free(sim_scenario *sc);
/* The Auto Scaling process names SuspendProcesses accepts (Launch, Terminate, ...). */
bool sim_process_known(const char *name);
size_t sim_process_count(void);
const char *sim_process_name(size_t i);
/* The scenario's page size for an operation, or 0 when not set. */
int sim_scenario_page_size(const sim_scenario *sc, const char *operation);

#endif
