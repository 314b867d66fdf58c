/* model.h — the data tarmac knows about the world, as plain C structs.
 * Service modules (backend/svc_*.c) fill these from AWS answers; panes, the status
 * command and actions only read them. Field names follow the AWS API's member names
 * (botocore's models are the reference). Every char * is owned (NULL = absent);
 * aws_time is milliseconds since the epoch (0 = absent); an int field that AWS may
 * omit has a has_ flag. Each *_free() frees the members, not the struct itself. */
#ifndef TARMAC_MODEL_H
#define TARMAC_MODEL_H

#include "util.h"

/* ---------- autoscaling ---------- */

typedef struct lt_spec { /* LaunchTemplateSpecification */
    char *launch_template_id;
    char *launch_template_name;
    char *version;
} lt_spec;

typedef struct asg_instance { /* AutoScalingGroup.Instances[] */
    char *instance_id;
    char *instance_type;
    char *availability_zone;
    char *lifecycle_state; /* Pending, InService, Terminating, ... */
    char *health_status;   /* Healthy / Unhealthy */
    char *launch_configuration_name;
    lt_spec launch_template;
    bool protected_from_scale_in;
} asg_instance;

typedef struct asg_tag {
    char *key, *value;
    bool propagate_at_launch;
} asg_tag;

typedef struct asg_suspended_process { /* SuspendedProcess */
    char *process_name;                /* Launch, Terminate, HealthCheck, ReplaceUnhealthy, ... */
    char *suspension_reason;
} asg_suspended_process;

typedef struct asg_traffic_source { /* TrafficSourceIdentifier */
    char *identifier;               /* a target group ARN, a VPC Lattice ARN, ... */
    char *type;                     /* elbv2, elb, vpc-lattice */
} asg_traffic_source;

typedef struct warm_pool_config { /* WarmPoolConfiguration */
    bool present;
    bool has_max_group_prepared_capacity;
    int max_group_prepared_capacity;
    bool has_min_size;
    int min_size;
    char *pool_state; /* Stopped, Running, Hibernated */
    char *status;     /* PendingDelete while being deleted */
    bool has_reuse_on_scale_in;
    bool reuse_on_scale_in; /* InstanceReusePolicy */
} warm_pool_config;

typedef struct asg_group { /* AutoScalingGroup */
    char *name;            /* AutoScalingGroupName */
    char *arn;             /* AutoScalingGroupARN */
    char *launch_configuration_name;
    lt_spec launch_template;
    bool has_mixed_instances_policy;
    int min_size, max_size, desired_capacity;
    int default_cooldown;
    strvec availability_zones;
    strvec load_balancer_names;
    strvec target_group_arns; /* TargetGroupARNs */
    char *health_check_type;  /* EC2 / ELB */
    int health_check_grace_period;
    bool has_default_instance_warmup;
    int default_instance_warmup;
    VEC(asg_instance) instances;
    aws_time created_time;
    char *vpc_zone_identifier;
    char *status;
    VEC(asg_tag) tags;
    strvec termination_policies;
    bool new_instances_protected_from_scale_in;
    bool has_instance_maintenance_policy;
    int imp_min_healthy_percentage, imp_max_healthy_percentage; /* -1 when unset */
    VEC(asg_suspended_process) suspended_processes;
    VEC(asg_traffic_source) traffic_sources;
    warm_pool_config warm_pool; /* WarmPoolConfiguration */
    bool has_warm_pool_size;
    int warm_pool_size;
} asg_group;

typedef struct warm_pool { /* DescribeWarmPool's answer */
    warm_pool_config config;
    VEC(asg_instance) instances; /* LifecycleState Warmed:Pending, Warmed:Stopped, ... */
} warm_pool;

typedef struct refresh_alarm_spec {
    strvec alarms;
} refresh_alarm_spec;

typedef struct refresh_prefs { /* RefreshPreferences; has_* marks what AWS sent / what to send */
    bool has_min_healthy_percentage;
    int min_healthy_percentage;
    bool has_max_healthy_percentage;
    int max_healthy_percentage;
    bool has_instance_warmup;
    int instance_warmup;
    VEC(int) checkpoint_percentages;
    bool has_checkpoint_delay;
    int checkpoint_delay;
    bool has_skip_matching;
    bool skip_matching;
    bool has_auto_rollback;
    bool auto_rollback;
    char *scale_in_protected_instances; /* Refresh / Ignore / Wait */
    char *standby_instances;            /* Terminate / Ignore / Wait */
    bool has_alarm_specification;
    strvec alarms; /* AlarmSpecification.Alarms */
    bool has_bake_time;
    int bake_time;
} refresh_prefs;

typedef struct refresh_progress { /* InstanceRefreshLivePoolProgress / WarmPoolProgress */
    bool has_live;
    int live_percentage_complete, live_instances_to_update;
    bool has_warm;
    int warm_percentage_complete, warm_instances_to_update;
} refresh_progress;

typedef struct refresh_rollback { /* RollbackDetails */
    bool present;
    char *rollback_reason;
    aws_time rollback_start_time;
    bool has_percentage_complete_on_rollback;
    int percentage_complete_on_rollback;
    bool has_instances_to_update_on_rollback;
    int instances_to_update_on_rollback;
    refresh_progress progress_details_on_rollback;
} refresh_rollback;

typedef struct instance_refresh { /* InstanceRefresh */
    char *instance_refresh_id;
    char *auto_scaling_group_name;
    char *status; /* Pending, InProgress, Successful, ... */
    char *status_reason;
    aws_time start_time, end_time;
    bool has_percentage_complete;
    int percentage_complete;
    bool has_instances_to_update;
    int instances_to_update;
    refresh_progress progress_details;
    bool has_preferences;
    refresh_prefs preferences;
    bool has_desired_configuration;
    lt_spec desired_launch_template;
    refresh_rollback rollback_details;
    char *strategy; /* Rolling / ReplaceRootVolume */
} instance_refresh;

typedef struct scaling_activity { /* Activity */
    char *activity_id;
    char *auto_scaling_group_name;
    char *description;
    char *cause;
    aws_time start_time, end_time;
    char *status_code;
    char *status_message;
    bool has_progress;
    int progress;
    char *details;
} scaling_activity;

/* ---------- ec2 ---------- */

typedef struct ec2_instance { /* the parts of ec2 Instance tarmac shows */
    char *instance_id;
    char *instance_type;
    char *image_id;
    char *private_ip_address;
    char *private_dns_name;
    char *state_name; /* State.Name */
    aws_time launch_time;
    char *availability_zone; /* Placement.AvailabilityZone */
    char *subnet_id, *vpc_id;
} ec2_instance;

typedef struct lt_version { /* LaunchTemplateVersion (for AMI deploys) */
    char *launch_template_id, *launch_template_name;
    long version_number;
    char *version_description;
    aws_time create_time;
    bool default_version;
    char *image_id;
} lt_version;

/* ---------- elbv2 ---------- */

typedef struct target_group { /* TargetGroup */
    char *target_group_arn, *target_group_name;
    char *protocol;
    bool has_port;
    int port;
    char *vpc_id;
    char *health_check_protocol, *health_check_port, *health_check_path;
    bool health_check_enabled;
    int health_check_interval_seconds, health_check_timeout_seconds;
    int healthy_threshold_count, unhealthy_threshold_count;
    char *matcher_http_code; /* Matcher.HttpCode */
    strvec load_balancer_arns;
    char *target_type;
} target_group;

typedef struct target_health_desc { /* TargetHealthDescription */
    char *target_id;                /* Target.Id */
    bool has_port;
    int port; /* Target.Port */
    char *target_availability_zone;
    char *health_check_port;
    char *state;       /* TargetHealth.State */
    char *reason;      /* TargetHealth.Reason */
    char *description; /* TargetHealth.Description */
} target_health_desc;

typedef struct load_balancer {
    char *load_balancer_arn, *load_balancer_name, *dns_name, *scheme, *vpc_id, *type;
    char *state_code; /* State.Code */
    aws_time created_time;
} load_balancer;

typedef struct lb_action { /* forward actions: one or several target groups */
    char *type;
    char *target_group_arn;
    VEC(struct {
        char *target_group_arn;
        bool has_weight;
        int weight;
    })
    forward_groups;
} lb_action;

typedef struct lb_listener {
    char *listener_arn, *load_balancer_arn, *protocol;
    int port;
    VEC(lb_action) default_actions;
} lb_listener;

typedef struct lb_rule {
    char *rule_arn, *priority;
    bool is_default;
    strvec condition_summaries; /* "path-pattern=/api/..." style, for display */
    VEC(lb_action) actions;
} lb_rule;

/* ---------- ecr ---------- */

typedef struct ecr_repository { /* Repository */
    char *repository_arn, *registry_id, *repository_name, *repository_uri;
    aws_time created_at;
    char *image_tag_mutability;          /* MUTABLE, IMMUTABLE, *_WITH_EXCLUSION */
    strvec mutability_exclusion_filters; /* imageTagMutabilityExclusionFilters[].filter */
} ecr_repository;

typedef struct ecr_image_detail { /* ImageDetail */
    char *registry_id, *repository_name, *image_digest;
    strvec image_tags;
    bool has_size;
    int64_t image_size_in_bytes;
    aws_time image_pushed_at;
    char *image_manifest_media_type, *artifact_media_type;
    aws_time last_recorded_pull_time;
    char *image_status; /* ACTIVE, ARCHIVED, ACTIVATING (NULL: not sent = ACTIVE) */
    aws_time last_archived_at, last_activated_at;
    char *scan_status;             /* imageScanStatus.status: COMPLETE, FAILED, IN_PROGRESS, ... */
    char *scan_status_description; /* imageScanStatus.description */
    aws_time scan_completed_at;    /* imageScanFindingsSummary.imageScanCompletedAt */
    VEC(struct ecr_severity_count {
        char *severity;
        int count;
    })
    finding_severity_counts;
} ecr_image_detail;

typedef struct ecr_image { /* Image (BatchGetImage) */
    char *registry_id, *repository_name;
    char *image_digest, *image_tag; /* imageId */
    char *image_manifest;           /* the manifest bytes exactly as sent */
    size_t image_manifest_len;
    char *image_manifest_media_type;
} ecr_image;

typedef struct ecr_image_failure { /* ImageFailure */
    char *image_digest, *image_tag;
    char *failure_code, *failure_reason;
} ecr_image_failure;

/* ---------- cloudwatch / sts ---------- */

typedef struct cw_metric_query { /* MetricDataQuery (metric math / anomaly detection alarms) */
    char *id, *expression, *label;
    char *metric_name, *namespace_, *stat; /* MetricStat.Metric.MetricName/Namespace, MetricStat.Stat */
    bool has_period;
    int period;
    bool has_return_data;
    bool return_data;
} cw_metric_query;

typedef enum { CW_METRIC_ALARM, CW_COMPOSITE_ALARM } cw_alarm_type;

typedef struct cw_alarm { /* MetricAlarm, or CompositeAlarm (alarm_type) */
    cw_alarm_type alarm_type;
    char *alarm_name, *alarm_arn, *alarm_description;
    char *state_value; /* OK / ALARM / INSUFFICIENT_DATA */
    char *state_reason;
    aws_time state_updated_timestamp;
    char *metric_name, *namespace_, *statistic, *comparison_operator;
    bool has_threshold;
    double threshold;
    int period, evaluation_periods;
    bool actions_enabled;
    VEC(cw_metric_query) metrics; /* Metrics[]: metric math instead of MetricName */
    char *threshold_metric_id;    /* anomaly detection band */
    char *evaluation_state;       /* PARTIAL_DATA, EVALUATION_FAILURE, EVALUATION_ERROR */
    char *alarm_rule;             /* CompositeAlarm.AlarmRule */
} cw_alarm;

typedef struct caller_identity {
    char *account, *arn, *user_id;
} caller_identity;

/* ---------- lists as service calls return them ---------- */
typedef VEC(asg_group) asg_group_list;
typedef VEC(instance_refresh) instance_refresh_list;
typedef VEC(scaling_activity) scaling_activity_list;
typedef VEC(ec2_instance) ec2_instance_list;
typedef VEC(lt_version) lt_version_list;
typedef VEC(target_group) target_group_list;
typedef VEC(target_health_desc) target_health_list;
typedef VEC(load_balancer) load_balancer_list;
typedef VEC(lb_listener) lb_listener_list;
typedef VEC(lb_rule) lb_rule_list;
typedef VEC(ecr_repository) ecr_repository_list;
typedef VEC(ecr_image_detail) ecr_image_detail_list;
typedef struct ecr_batch_get_result {
    VEC(ecr_image) images;
    VEC(ecr_image_failure) failures;
} ecr_batch_get_result;
typedef VEC(cw_alarm) cw_alarm_list; /* metric and composite alarms together */

/* ---------- freeing ---------- */
void lt_spec_free(lt_spec *x);
void asg_instance_free(asg_instance *x);
void asg_group_free(asg_group *x);
void warm_pool_config_free(warm_pool_config *x);
void warm_pool_free(warm_pool *x);
void refresh_prefs_free(refresh_prefs *x);
/* A deep copy: d owns its own lists and strings (free with refresh_prefs_free). */
void refresh_prefs_copy(refresh_prefs *d, const refresh_prefs *s);
void instance_refresh_free(instance_refresh *x);
/* True for a refresh that is not finished: Pending, InProgress, Cancelling,
 * RollbackInProgress, Baking (DescribeInstanceRefreshes' Status). The one place
 * that knows; everything asking "is a refresh running" comes here. NULL: false. */
bool refresh_status_active(const char *status);
/* True for a refresh that ended badly: Failed, Cancelled, RollbackFailed. */
bool refresh_status_bad_end(const char *status);
/* The broken-app rule (kinds/kind.h app_mark), in one place for the console's app
 * and the Apps overview: the latest refresh ended badly and live does not name
 * stable's image (a rollback by retag puts it back there). Digests NULL: unknown
 * (not a rollback). */
bool app_left_broken(const char *latest_status, const char *live_digest, const char *stable_digest);
void scaling_activity_free(scaling_activity *x);
void ec2_instance_free(ec2_instance *x);
void lt_version_free(lt_version *x);
void target_group_free(target_group *x);
void target_group_copy(target_group *dst, const target_group *src); /* deep */
void target_health_desc_free(target_health_desc *x);
void load_balancer_free(load_balancer *x);
void lb_action_free(lb_action *x);
void lb_listener_free(lb_listener *x);
void lb_rule_free(lb_rule *x);
void ecr_repository_free(ecr_repository *x);
void ecr_image_detail_free(ecr_image_detail *x);
void ecr_image_free(ecr_image *x);
void ecr_image_failure_free(ecr_image_failure *x);
void cw_alarm_free(cw_alarm *x);
void caller_identity_free(caller_identity *x);

/* Free every item and the array of a list (e.g. MODEL_LIST_FREE(groups, asg_group_free)). */
#define MODEL_LIST_FREE(list, item_free)                                                                               \
    do {                                                                                                               \
        for (size_t i_ = 0; i_ < (list).n; i_++)                                                                       \
            item_free(&(list).items[i_]);                                                                              \
        VEC_FREE(list);                                                                                                \
    } while (0)
void ecr_batch_get_result_free(ecr_batch_get_result *x);

/* Newest push first; ties by digest, so the order is stable between polls. */
void ecr_images_sort_newest_first(ecr_image_detail_list *images);
/* The image that carries tag (NULL: none, or l NULL). */
const ecr_image_detail *ecr_image_with_tag(const ecr_image_detail_list *l, const char *tag);
/* The image with that digest (NULL: none). */
const ecr_image_detail *ecr_image_with_digest(const ecr_image_detail_list *l, const char *digest);
/* An image's commit tag: its first tag that is neither live nor stable (NULL: none). */
const char *ecr_commit_tag(const ecr_image_detail *im, const char *live_tag, const char *stable_tag);
/* "sha256:" and the first 12 hex digits, or "(none)". */
void ecr_short_digest(const char *digest, char *buf, size_t len);

#endif
