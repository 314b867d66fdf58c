/* svc_autoscaling.c — Auto Scaling (Query protocol, XML answers): groups, instance
 * refreshes, scaling activities and warm pools, decoded with xml.h into model.h
 * structs, and the three refresh mutations (start, cancel, rollback). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "services/services.h"
#include "aws/xml.h"

#define ASG_PAGE_MAX 100 /* MaxRecords ceiling for every Describe call here */

/* ---------------- decoding ---------------- */

#define LT_ROWS(prefix, T, m)                                                                                          \
    XML_F(prefix "/LaunchTemplateId", XML_STR, T, m.launch_template_id),                                               \
        XML_F(prefix "/LaunchTemplateName", XML_STR, T, m.launch_template_name),                                       \
        XML_F(prefix "/Version", XML_STR, T, m.version)
#define LT_ROWS_SELF(prefix)                                                                                           \
    XML_F(prefix "/LaunchTemplateId", XML_STR, lt_spec, launch_template_id),                                           \
        XML_F(prefix "/LaunchTemplateName", XML_STR, lt_spec, launch_template_name),                                   \
        XML_F(prefix "/Version", XML_STR, lt_spec, version)

/* WarmPoolConfiguration, in a group (DescribeAutoScalingGroups) or on its own
 * (DescribeWarmPool). */
#define WARM_POOL_ROWS(prefix, T, m)                                                                                   \
    XML_FH(prefix "/MaxGroupPreparedCapacity", XML_INT, T, m.max_group_prepared_capacity,                              \
           m.has_max_group_prepared_capacity),                                                                         \
        XML_FH(prefix "/MinSize", XML_INT, T, m.min_size, m.has_min_size),                                             \
        XML_F(prefix "/PoolState", XML_STR, T, m.pool_state), XML_F(prefix "/Status", XML_STR, T, m.status),           \
        XML_FH(prefix "/InstanceReusePolicy/ReuseOnScaleIn", XML_BOOL, T, m.reuse_on_scale_in,                         \
               m.has_reuse_on_scale_in)

static const xml_field group_rows[] = {
    XML_F("AutoScalingGroupName", XML_STR, asg_group, name),
    XML_F("AutoScalingGroupARN", XML_STR, asg_group, arn),
    XML_F("LaunchConfigurationName", XML_STR, asg_group, launch_configuration_name),
    LT_ROWS("LaunchTemplate", asg_group, launch_template),
    XML_F("MinSize", XML_INT, asg_group, min_size),
    XML_F("MaxSize", XML_INT, asg_group, max_size),
    XML_F("DesiredCapacity", XML_INT, asg_group, desired_capacity),
    XML_F("DefaultCooldown", XML_INT, asg_group, default_cooldown),
    XML_F("AvailabilityZones/member", XML_STRLIST, asg_group, availability_zones),
    XML_F("LoadBalancerNames/member", XML_STRLIST, asg_group, load_balancer_names),
    XML_F("TargetGroupARNs/member", XML_STRLIST, asg_group, target_group_arns),
    XML_F("HealthCheckType", XML_STR, asg_group, health_check_type),
    XML_F("HealthCheckGracePeriod", XML_INT, asg_group, health_check_grace_period),
    XML_FH("DefaultInstanceWarmup", XML_INT, asg_group, default_instance_warmup, has_default_instance_warmup),
    XML_F("CreatedTime", XML_TIME, asg_group, created_time),
    XML_F("VPCZoneIdentifier", XML_STR, asg_group, vpc_zone_identifier),
    XML_F("Status", XML_STR, asg_group, status),
    XML_F("TerminationPolicies/member", XML_STRLIST, asg_group, termination_policies),
    XML_F("NewInstancesProtectedFromScaleIn", XML_BOOL, asg_group, new_instances_protected_from_scale_in),
    XML_F("InstanceMaintenancePolicy/MinHealthyPercentage", XML_INT, asg_group, imp_min_healthy_percentage),
    XML_F("InstanceMaintenancePolicy/MaxHealthyPercentage", XML_INT, asg_group, imp_max_healthy_percentage),
    WARM_POOL_ROWS("WarmPoolConfiguration", asg_group, warm_pool),
    XML_FH("WarmPoolSize", XML_INT, asg_group, warm_pool_size, has_warm_pool_size),
};

static const xml_field suspended_rows[] = {
    XML_F("ProcessName", XML_STR, asg_suspended_process, process_name),
    XML_F("SuspensionReason", XML_STR, asg_suspended_process, suspension_reason),
};

static const xml_field traffic_source_rows[] = {
    XML_F("Identifier", XML_STR, asg_traffic_source, identifier),
    XML_F("Type", XML_STR, asg_traffic_source, type),
};

static const xml_field instance_rows[] = {
    XML_F("InstanceId", XML_STR, asg_instance, instance_id),
    XML_F("InstanceType", XML_STR, asg_instance, instance_type),
    XML_F("AvailabilityZone", XML_STR, asg_instance, availability_zone),
    XML_F("LifecycleState", XML_STR, asg_instance, lifecycle_state),
    XML_F("HealthStatus", XML_STR, asg_instance, health_status),
    XML_F("LaunchConfigurationName", XML_STR, asg_instance, launch_configuration_name),
    LT_ROWS("LaunchTemplate", asg_instance, launch_template),
    XML_F("ProtectedFromScaleIn", XML_BOOL, asg_instance, protected_from_scale_in),
};

static const xml_field tag_rows[] = {
    XML_F("Key", XML_STR, asg_tag, key),
    XML_F("Value", XML_STR, asg_tag, value),
    XML_F("PropagateAtLaunch", XML_BOOL, asg_tag, propagate_at_launch),
};

/* A group with a MixedInstancesPolicy names its template there, not in LaunchTemplate;
 * callers that deploy need it either way, so it fills launch_template when that is empty. */
static const xml_field mixed_lt_rows[] = {
    LT_ROWS_SELF("MixedInstancesPolicy/LaunchTemplate/LaunchTemplateSpecification"),
};

#define PROGRESS_ROWS(prefix, m)                                                                                       \
    XML_FH(prefix "/LivePoolProgress/PercentageComplete", XML_INT, instance_refresh, m.live_percentage_complete,       \
           m.has_live),                                                                                                \
        XML_FH(prefix "/LivePoolProgress/InstancesToUpdate", XML_INT, instance_refresh, m.live_instances_to_update,    \
               m.has_live),                                                                                            \
        XML_FH(prefix "/WarmPoolProgress/PercentageComplete", XML_INT, instance_refresh, m.warm_percentage_complete,   \
               m.has_warm),                                                                                            \
        XML_FH(prefix "/WarmPoolProgress/InstancesToUpdate", XML_INT, instance_refresh, m.warm_instances_to_update,    \
               m.has_warm)

#define PREF(name, type, m) XML_FH("Preferences/" name, type, instance_refresh, preferences.m, preferences.has_##m)

static const xml_field refresh_rows[] = {
    XML_F("InstanceRefreshId", XML_STR, instance_refresh, instance_refresh_id),
    XML_F("AutoScalingGroupName", XML_STR, instance_refresh, auto_scaling_group_name),
    XML_F("Status", XML_STR, instance_refresh, status),
    XML_F("StatusReason", XML_STR, instance_refresh, status_reason),
    XML_F("StartTime", XML_TIME, instance_refresh, start_time),
    XML_F("EndTime", XML_TIME, instance_refresh, end_time),
    XML_FH("PercentageComplete", XML_INT, instance_refresh, percentage_complete, has_percentage_complete),
    XML_FH("InstancesToUpdate", XML_INT, instance_refresh, instances_to_update, has_instances_to_update),
    PROGRESS_ROWS("ProgressDetails", progress_details),
    PREF("MinHealthyPercentage", XML_INT, min_healthy_percentage),
    PREF("MaxHealthyPercentage", XML_INT, max_healthy_percentage),
    PREF("InstanceWarmup", XML_INT, instance_warmup),
    PREF("CheckpointDelay", XML_INT, checkpoint_delay),
    PREF("SkipMatching", XML_BOOL, skip_matching),
    PREF("AutoRollback", XML_BOOL, auto_rollback),
    XML_F("Preferences/ScaleInProtectedInstances", XML_STR, instance_refresh, preferences.scale_in_protected_instances),
    XML_F("Preferences/StandbyInstances", XML_STR, instance_refresh, preferences.standby_instances),
    XML_FH("Preferences/AlarmSpecification/Alarms/member", XML_STRLIST, instance_refresh, preferences.alarms,
           preferences.has_alarm_specification),
    PREF("BakeTime", XML_INT, bake_time),
    LT_ROWS("DesiredConfiguration/LaunchTemplate", instance_refresh, desired_launch_template),
    XML_F("RollbackDetails/RollbackReason", XML_STR, instance_refresh, rollback_details.rollback_reason),
    XML_F("RollbackDetails/RollbackStartTime", XML_TIME, instance_refresh, rollback_details.rollback_start_time),
    XML_FH("RollbackDetails/PercentageCompleteOnRollback", XML_INT, instance_refresh,
           rollback_details.percentage_complete_on_rollback, rollback_details.has_percentage_complete_on_rollback),
    XML_FH("RollbackDetails/InstancesToUpdateOnRollback", XML_INT, instance_refresh,
           rollback_details.instances_to_update_on_rollback, rollback_details.has_instances_to_update_on_rollback),
    PROGRESS_ROWS("RollbackDetails/ProgressDetailsOnRollback", rollback_details.progress_details_on_rollback),
    XML_F("Strategy", XML_STR, instance_refresh, strategy),
};

static const xml_field desired_mixed_lt_rows[] = {
    LT_ROWS_SELF("DesiredConfiguration/MixedInstancesPolicy/LaunchTemplate/LaunchTemplateSpecification"),
};

static const xml_field activity_rows[] = {
    XML_F("ActivityId", XML_STR, scaling_activity, activity_id),
    XML_F("AutoScalingGroupName", XML_STR, scaling_activity, auto_scaling_group_name),
    XML_F("Description", XML_STR, scaling_activity, description),
    XML_F("Cause", XML_STR, scaling_activity, cause),
    XML_F("StartTime", XML_TIME, scaling_activity, start_time),
    XML_F("EndTime", XML_TIME, scaling_activity, end_time),
    XML_F("StatusCode", XML_STR, scaling_activity, status_code),
    XML_F("StatusMessage", XML_STR, scaling_activity, status_message),
    XML_FH("Progress", XML_INT, scaling_activity, progress, has_progress),
    XML_F("Details", XML_STR, scaling_activity, details),
};

/* Applies rows for a lt_spec only where the target has no template yet. */
static int apply_lt_fallback(const xml_field *rows, size_t n, lt_spec *lt, const char *path, const char *text)
{
    lt_spec tmp = { 0 };
    int r = xml_fields_apply(rows, n, &tmp, path, text);
    if (r == 1) {
        /* Only fill what the primary LaunchTemplate did not set. */
        char **dst[] = { &lt->launch_template_id, &lt->launch_template_name, &lt->version };
        char *src[] = { tmp.launch_template_id, tmp.launch_template_name, tmp.version };
        for (size_t i = 0; i < ARRAY_LEN(dst); i++) {
            if (src[i] && !*dst[i])
                *dst[i] = src[i];
            else
                free(src[i]);
        }
    }
    return r;
}

typedef struct asg_dec {
    void *list; /* asg_group_list / instance_refresh_list / scaling_activity_list */
    char **next_token;
} asg_dec;

static int take_token(char **next_token, const char *path, const char *name, const char *text)
{
    if (!next_token || strcmp(path, name) != 0)
        return 0;
    str_set(next_token, *text ? text : NULL);
    return 1;
}

static int groups_start(void *ud, const char *path)
{
    asg_group_list *l = ((asg_dec *)ud)->list;
    if (strcmp(path, "AutoScalingGroups/member") == 0) {
        asg_group *g = VEC_NEW(*l);
        g->imp_min_healthy_percentage = g->imp_max_healthy_percentage = -1;
        return 0;
    }
    const char *f = xml_under(path, "AutoScalingGroups/member");
    if (!f || !l->n)
        return 0;
    asg_group *g = &l->items[l->n - 1];
    if (strcmp(f, "Instances/member") == 0)
        (void)VEC_NEW(g->instances);
    else if (strcmp(f, "Tags/member") == 0)
        (void)VEC_NEW(g->tags);
    else if (strcmp(f, "SuspendedProcesses/member") == 0)
        (void)VEC_NEW(g->suspended_processes);
    else if (strcmp(f, "TrafficSources/member") == 0)
        (void)VEC_NEW(g->traffic_sources);
    else if (strcmp(f, "WarmPoolConfiguration") == 0)
        g->warm_pool.present = true;
    else if (strcmp(f, "MixedInstancesPolicy") == 0)
        g->has_mixed_instances_policy = true;
    else if (strcmp(f, "InstanceMaintenancePolicy") == 0)
        g->has_instance_maintenance_policy = true;
    return 0;
}

static int groups_end(void *ud, const char *path, const char *text)
{
    asg_dec *d = ud;
    asg_group_list *l = d->list;
    if (take_token(d->next_token, path, "NextToken", text))
        return 0;
    const char *f = xml_under(path, "AutoScalingGroups/member");
    if (!f || !*f || !l->n)
        return 0;
    asg_group *g = &l->items[l->n - 1];
    const char *sub;
    if ((sub = xml_under(f, "Instances/member")) && *sub) {
        if (!g->instances.n)
            return 0;
        return xml_fields_apply(instance_rows, ARRAY_LEN(instance_rows), &g->instances.items[g->instances.n - 1], sub,
                                text) < 0
            ? -1
            : 0;
    }
    if ((sub = xml_under(f, "Tags/member")) && *sub) {
        if (!g->tags.n)
            return 0;
        return xml_fields_apply(tag_rows, ARRAY_LEN(tag_rows), &g->tags.items[g->tags.n - 1], sub, text) < 0 ? -1 : 0;
    }
    if ((sub = xml_under(f, "SuspendedProcesses/member")) && *sub) {
        if (!g->suspended_processes.n)
            return 0;
        return xml_fields_apply(suspended_rows, ARRAY_LEN(suspended_rows),
                                &g->suspended_processes.items[g->suspended_processes.n - 1], sub, text) < 0
            ? -1
            : 0;
    }
    if ((sub = xml_under(f, "TrafficSources/member")) && *sub) {
        if (!g->traffic_sources.n)
            return 0;
        return xml_fields_apply(traffic_source_rows, ARRAY_LEN(traffic_source_rows),
                                &g->traffic_sources.items[g->traffic_sources.n - 1], sub, text) < 0
            ? -1
            : 0;
    }
    if (xml_under(f, "MixedInstancesPolicy"))
        return apply_lt_fallback(mixed_lt_rows, ARRAY_LEN(mixed_lt_rows), &g->launch_template, f, text) < 0 ? -1 : 0;
    return xml_fields_apply(group_rows, ARRAY_LEN(group_rows), g, f, text) < 0 ? -1 : 0;
}

static int begin(char **next_token)
{
    if (next_token)
        *next_token = NULL;
    return 0;
}

static int finish(int rc, char **next_token)
{
    if (rc != 0 && next_token) {
        free(*next_token);
        *next_token = NULL;
    }
    return rc;
}

int asg_decode_describe_groups(const char *body, size_t len, asg_group_list *out, char **next_token, aws_budget *budget,
                               aws_error *err)
{
    static const xml_handler h = { "autoscaling",
                                   "DescribeAutoScalingGroups",
                                   "DescribeAutoScalingGroupsResponse",
                                   "DescribeAutoScalingGroupsResult",
                                   groups_start,
                                   groups_end };
    asg_dec d = { out, next_token };
    begin(next_token);
    return finish(xml_decode_budget(&h, body, len, &d, budget, err), next_token);
}

static int refreshes_start(void *ud, const char *path)
{
    instance_refresh_list *l = ((asg_dec *)ud)->list;
    if (strcmp(path, "InstanceRefreshes/member") == 0) {
        (void)VEC_NEW(*l);
        return 0;
    }
    const char *f = xml_under(path, "InstanceRefreshes/member");
    if (!f || !l->n)
        return 0;
    instance_refresh *r = &l->items[l->n - 1];
    if (strcmp(f, "Preferences") == 0)
        r->has_preferences = true;
    else if (strcmp(f, "Preferences/AlarmSpecification") == 0)
        r->preferences.has_alarm_specification = true;
    else if (strcmp(f, "DesiredConfiguration") == 0)
        r->has_desired_configuration = true;
    else if (strcmp(f, "RollbackDetails") == 0)
        r->rollback_details.present = true;
    return 0;
}

static int refreshes_end(void *ud, const char *path, const char *text)
{
    asg_dec *d = ud;
    instance_refresh_list *l = d->list;
    if (take_token(d->next_token, path, "NextToken", text))
        return 0;
    const char *f = xml_under(path, "InstanceRefreshes/member");
    if (!f || !*f || !l->n)
        return 0;
    instance_refresh *r = &l->items[l->n - 1];
    if (strcmp(f, "Preferences/CheckpointPercentages/member") == 0) {
        int v;
        if (!xml_parse_int(text, &v))
            return -1;
        VEC_PUSH(r->preferences.checkpoint_percentages, v);
        return 0;
    }
    if (xml_under(f, "DesiredConfiguration/MixedInstancesPolicy"))
        return apply_lt_fallback(desired_mixed_lt_rows, ARRAY_LEN(desired_mixed_lt_rows), &r->desired_launch_template,
                                 f, text) < 0
            ? -1
            : 0;
    return xml_fields_apply(refresh_rows, ARRAY_LEN(refresh_rows), r, f, text) < 0 ? -1 : 0;
}

int asg_decode_describe_refreshes(const char *body, size_t len, instance_refresh_list *out, char **next_token,
                                  aws_budget *budget, aws_error *err)
{
    static const xml_handler h = { "autoscaling",
                                   "DescribeInstanceRefreshes",
                                   "DescribeInstanceRefreshesResponse",
                                   "DescribeInstanceRefreshesResult",
                                   refreshes_start,
                                   refreshes_end };
    asg_dec d = { out, next_token };
    begin(next_token);
    return finish(xml_decode_budget(&h, body, len, &d, budget, err), next_token);
}

static int activities_start(void *ud, const char *path)
{
    scaling_activity_list *l = ((asg_dec *)ud)->list;
    if (strcmp(path, "Activities/member") == 0)
        (void)VEC_NEW(*l);
    return 0;
}

static int activities_end(void *ud, const char *path, const char *text)
{
    asg_dec *d = ud;
    scaling_activity_list *l = d->list;
    if (take_token(d->next_token, path, "NextToken", text))
        return 0;
    const char *f = xml_under(path, "Activities/member");
    if (!f || !*f || !l->n)
        return 0;
    return xml_fields_apply(activity_rows, ARRAY_LEN(activity_rows), &l->items[l->n - 1], f, text) < 0 ? -1 : 0;
}

int asg_decode_describe_activities(const char *body, size_t len, scaling_activity_list *out, char **next_token,
                                   aws_budget *budget, aws_error *err)
{
    static const xml_handler h = { "autoscaling",
                                   "DescribeScalingActivities",
                                   "DescribeScalingActivitiesResponse",
                                   "DescribeScalingActivitiesResult",
                                   activities_start,
                                   activities_end };
    asg_dec d = { out, next_token };
    begin(next_token);
    return finish(xml_decode_budget(&h, body, len, &d, budget, err), next_token);
}

/* DescribeWarmPool: the pool's configuration and its instances (Warmed:* states). */
static const xml_field warm_pool_rows[] = {
    WARM_POOL_ROWS("WarmPoolConfiguration", warm_pool, config),
};

typedef struct warm_dec {
    warm_pool *pool;
    char **next_token;
} warm_dec;

static int warm_pool_start(void *ud, const char *path)
{
    warm_pool *wp = ((warm_dec *)ud)->pool;
    if (strcmp(path, "WarmPoolConfiguration") == 0)
        wp->config.present = true;
    else if (strcmp(path, "Instances/member") == 0)
        (void)VEC_NEW(wp->instances);
    return 0;
}

static int warm_pool_end(void *ud, const char *path, const char *text)
{
    warm_dec *d = ud;
    warm_pool *wp = d->pool;
    if (take_token(d->next_token, path, "NextToken", text))
        return 0;
    const char *sub = xml_under(path, "Instances/member");
    if (sub) {
        if (!*sub || !wp->instances.n)
            return 0;
        return xml_fields_apply(instance_rows, ARRAY_LEN(instance_rows), &wp->instances.items[wp->instances.n - 1], sub,
                                text) < 0
            ? -1
            : 0;
    }
    return xml_fields_apply(warm_pool_rows, ARRAY_LEN(warm_pool_rows), wp, path, text) < 0 ? -1 : 0;
}

int asg_decode_describe_warm_pool(const char *body, size_t len, warm_pool *out, char **next_token, aws_budget *budget,
                                  aws_error *err)
{
    static const xml_handler h = {
        "autoscaling",   "DescribeWarmPool", "DescribeWarmPoolResponse", "DescribeWarmPoolResult",
        warm_pool_start, warm_pool_end
    };
    warm_dec d = { out, next_token };
    begin(next_token);
    return finish(xml_decode_budget(&h, body, len, &d, budget, err), next_token);
}

/* The three refresh mutations answer <XInstanceRefreshResponse><XInstanceRefreshResult>
 * <InstanceRefreshId>; any other root leaves the id unset. */
static int refresh_id_end(void *ud, const char *path, const char *text)
{
    static const char *const results[] = { "StartInstanceRefreshResult/InstanceRefreshId",
                                           "CancelInstanceRefreshResult/InstanceRefreshId",
                                           "RollbackInstanceRefreshResult/InstanceRefreshId" };
    for (size_t i = 0; i < ARRAY_LEN(results); i++)
        if (strcmp(path, results[i]) == 0 && *text)
            str_set(ud, text);
    return 0;
}

int asg_decode_refresh_id(const char *body, size_t len, char **id, aws_error *err)
{
    static const xml_handler h = { "autoscaling", "InstanceRefresh", NULL, NULL, NULL, refresh_id_end };
    *id = NULL;
    if (xml_decode(&h, body, len, id, err) != 0 || !*id) {
        if (!*id)
            xml_error(err, &h, "no InstanceRefreshId in the answer");
        free(*id);
        *id = NULL;
        return -1;
    }
    return 0;
}

/* The ranges the API reference gives (CreateAutoScalingGroup: DesiredCapacity "must be
 * greater than or equal to the minimum size of the group and less than or equal to
 * the maximum size"; botocore: WarmPoolMinSize min 0, MaxGroupPreparedCapacity min -1). */
bool asg_sizes_valid(const asg_group *g, char *why, size_t len)
{
    const struct {
        const char *name;
        int value, min;
    } floors[] = {
        { "MinSize", g->min_size, 0 },
        { "MaxSize", g->max_size, 0 },
        { "DesiredCapacity", g->desired_capacity, 0 },
        { "WarmPoolConfiguration.MinSize", g->warm_pool.has_min_size ? g->warm_pool.min_size : 0, 0 },
        { "WarmPoolConfiguration.MaxGroupPreparedCapacity",
          g->warm_pool.has_max_group_prepared_capacity ? g->warm_pool.max_group_prepared_capacity : -1, -1 },
    };
    for (size_t i = 0; i < ARRAY_LEN(floors); i++) {
        if (floors[i].value < floors[i].min) {
            snprintf(why, len, "%s %d is below %d", floors[i].name, floors[i].value, floors[i].min);
            return false;
        }
    }
    if (g->min_size > g->max_size) {
        snprintf(why, len, "MinSize %d is above MaxSize %d", g->min_size, g->max_size);
        return false;
    }
    if (g->desired_capacity < g->min_size || g->desired_capacity > g->max_size) {
        snprintf(why, len, "DesiredCapacity %d is outside MinSize %d .. MaxSize %d", g->desired_capacity, g->min_size,
                 g->max_size);
        return false;
    }
    if (len)
        why[0] = '\0';
    return true;
}

/* ---------------- requests ---------------- */

static void lt_params(strbuf *sb, const char *prefix, const lt_spec *lt)
{
    char key[96];
    if (lt->launch_template_id) {
        snprintf(key, sizeof(key), "%s.LaunchTemplateId", prefix);
        aws_query_param(sb, key, lt->launch_template_id);
    }
    if (lt->launch_template_name) {
        snprintf(key, sizeof(key), "%s.LaunchTemplateName", prefix);
        aws_query_param(sb, key, lt->launch_template_name);
    }
    if (lt->version) {
        snprintf(key, sizeof(key), "%s.Version", prefix);
        aws_query_param(sb, key, lt->version);
    }
}

/* Order follows botocore's StartInstanceRefresh input shape, so bodies compare equal. */
char *asg_encode_start_refresh(const refresh_start_params *p, size_t *len)
{
    strbuf sb;
    sb_init(&sb);
    aws_query_param(&sb, "AutoScalingGroupName", p->auto_scaling_group_name ? p->auto_scaling_group_name : "");
    if (p->strategy)
        aws_query_param(&sb, "Strategy", p->strategy);
    if (p->desired_launch_template)
        lt_params(&sb, "DesiredConfiguration.LaunchTemplate", p->desired_launch_template);
    const refresh_prefs *pr = p->preferences;
    if (pr) {
        char key[96];
        if (pr->has_min_healthy_percentage)
            aws_query_param_int(&sb, "Preferences.MinHealthyPercentage", pr->min_healthy_percentage);
        if (pr->has_instance_warmup)
            aws_query_param_int(&sb, "Preferences.InstanceWarmup", pr->instance_warmup);
        for (size_t i = 0; i < pr->checkpoint_percentages.n; i++) {
            snprintf(key, sizeof(key), "Preferences.CheckpointPercentages.member.%zu", i + 1);
            aws_query_param_int(&sb, key, pr->checkpoint_percentages.items[i]);
        }
        if (pr->has_checkpoint_delay)
            aws_query_param_int(&sb, "Preferences.CheckpointDelay", pr->checkpoint_delay);
        if (pr->has_skip_matching)
            aws_query_param(&sb, "Preferences.SkipMatching", pr->skip_matching ? "true" : "false");
        if (pr->has_auto_rollback)
            aws_query_param(&sb, "Preferences.AutoRollback", pr->auto_rollback ? "true" : "false");
        if (pr->scale_in_protected_instances)
            aws_query_param(&sb, "Preferences.ScaleInProtectedInstances", pr->scale_in_protected_instances);
        if (pr->standby_instances)
            aws_query_param(&sb, "Preferences.StandbyInstances", pr->standby_instances);
        /* An empty list is sent as "Alarms=" (as botocore does): no alarms at all. */
        if (pr->has_alarm_specification && pr->alarms.n == 0)
            aws_query_param(&sb, "Preferences.AlarmSpecification.Alarms", "");
        else if (pr->has_alarm_specification)
            aws_query_list(&sb, "Preferences.AlarmSpecification.Alarms.member.", &pr->alarms, 0, pr->alarms.n);
        if (pr->has_max_healthy_percentage)
            aws_query_param_int(&sb, "Preferences.MaxHealthyPercentage", pr->max_healthy_percentage);
        if (pr->has_bake_time)
            aws_query_param_int(&sb, "Preferences.BakeTime", pr->bake_time);
    }
    *len = sb.len;
    return sb.buf; /* the caller owns it */
}

/* ---------------- calls ---------------- */

typedef struct groups_call {
    asg_group_list list;
    asg_groups_fn done;
    void *ud;
} groups_call;

static void groups_params(void *ud, strbuf *sb, size_t n_items)
{
    (void)ud, (void)n_items;
    aws_query_param_int(sb, "MaxRecords", ASG_PAGE_MAX);
}

static int groups_parse(void *ud, const aws_response *resp, char **next_token, aws_error *err)
{
    groups_call *gc = ud;
    return asg_decode_describe_groups(resp->body, resp->body_len, &gc->list, next_token, resp->budget, err);
}

static void groups_done(aws_client *c, const aws_error *err, void *ud)
{
    groups_call *gc = ud;
    gc->done(c, &gc->list, err, gc->ud);
    free(gc);
}

int svc_asg_describe_groups(aws_client *c, const strvec *names, asg_groups_fn done, void *ud, aws_error *err)
{
    /* AutoScalingGroupNames takes up to 100 names per call. */
    static const aws_query_paged_spec spec = { &AWS_SVC_AUTOSCALING,
                                               "DescribeAutoScalingGroups",
                                               "NextToken",
                                               "AutoScalingGroupNames.member.",
                                               100,
                                               groups_params,
                                               groups_parse,
                                               groups_done };
    groups_call *gc = xcalloc(1, sizeof(*gc));
    gc->done = done;
    gc->ud = ud;
    if (aws_query_call_paged(c, &spec, names, gc, err) != 0) {
        free(gc);
        return -1;
    }
    return 0;
}

/* Refreshes and activities stop paging once max_records items are in. */
typedef struct limited_call {
    char *asg_name;
    int max_records;
    instance_refresh_list refreshes;
    scaling_activity_list activities;
    asg_refreshes_fn refreshes_done;
    asg_activities_fn activities_done;
    void *ud;
} limited_call;

static void limited_params(void *ud, strbuf *sb, size_t n_items)
{
    (void)n_items;
    limited_call *lc = ud;
    if (lc->asg_name)
        aws_query_param(sb, "AutoScalingGroupName", lc->asg_name);
    if (lc->max_records > 0)
        aws_query_param_int(sb, "MaxRecords", lc->max_records < ASG_PAGE_MAX ? lc->max_records : ASG_PAGE_MAX);
}

/* Drops items past max_records and the token once enough are read. */
#define LIMIT_LIST(lc, list, item_free, next_token)                                                                    \
    do {                                                                                                               \
        if ((lc)->max_records > 0 && (list).n >= (size_t)(lc)->max_records) {                                          \
            while ((list).n > (size_t)(lc)->max_records)                                                               \
                item_free(&(list).items[--(list).n]);                                                                  \
            free(*(next_token));                                                                                       \
            *(next_token) = NULL;                                                                                      \
        }                                                                                                              \
    } while (0)

static int refreshes_parse(void *ud, const aws_response *resp, char **next_token, aws_error *err)
{
    limited_call *lc = ud;
    if (asg_decode_describe_refreshes(resp->body, resp->body_len, &lc->refreshes, next_token, resp->budget, err) != 0)
        return -1;
    LIMIT_LIST(lc, lc->refreshes, instance_refresh_free, next_token);
    return 0;
}

static int activities_parse(void *ud, const aws_response *resp, char **next_token, aws_error *err)
{
    limited_call *lc = ud;
    if (asg_decode_describe_activities(resp->body, resp->body_len, &lc->activities, next_token, resp->budget, err) != 0)
        return -1;
    LIMIT_LIST(lc, lc->activities, scaling_activity_free, next_token);
    return 0;
}

static void limited_done(aws_client *c, const aws_error *err, void *ud)
{
    limited_call *lc = ud;
    if (lc->refreshes_done)
        lc->refreshes_done(c, &lc->refreshes, err, lc->ud);
    else
        lc->activities_done(c, &lc->activities, err, lc->ud);
    free(lc->asg_name);
    free(lc);
}

int svc_asg_describe_refreshes(aws_client *c, const char *asg_name, const strvec *ids, int max_records,
                               asg_refreshes_fn done, void *ud, aws_error *err)
{
    static const aws_query_paged_spec spec = { &AWS_SVC_AUTOSCALING,
                                               "DescribeInstanceRefreshes",
                                               "NextToken",
                                               "InstanceRefreshIds.member.",
                                               50,
                                               limited_params,
                                               refreshes_parse,
                                               limited_done };
    limited_call *lc = xcalloc(1, sizeof(*lc));
    lc->asg_name = xstrdup(asg_name);
    lc->max_records = max_records;
    lc->refreshes_done = done;
    lc->ud = ud;
    if (aws_query_call_paged(c, &spec, ids, lc, err) != 0) {
        free(lc->asg_name);
        free(lc);
        return -1;
    }
    return 0;
}

int svc_asg_describe_activities(aws_client *c, const char *asg_name, int max_records, asg_activities_fn done, void *ud,
                                aws_error *err)
{
    static const aws_query_paged_spec spec = {
        &AWS_SVC_AUTOSCALING, "DescribeScalingActivities", "NextToken", NULL, 1, limited_params, activities_parse,
        limited_done
    };
    limited_call *lc = xcalloc(1, sizeof(*lc));
    lc->asg_name = xstrdup(asg_name);
    lc->max_records = max_records;
    lc->activities_done = done;
    lc->ud = ud;
    if (aws_query_call_paged(c, &spec, NULL, lc, err) != 0) {
        free(lc->asg_name);
        free(lc);
        return -1;
    }
    return 0;
}

/* DescribeWarmPool: every page (MaxRecords at most 50) merged into one pool. */
#define WARM_POOL_PAGE_MAX 50

typedef struct warm_pool_call {
    char *asg_name;
    warm_pool pool;
    asg_warm_pool_fn done;
    void *ud;
} warm_pool_call;

static void warm_pool_params(void *ud, strbuf *sb, size_t n_items)
{
    (void)n_items;
    warm_pool_call *wc = ud;
    aws_query_param(sb, "AutoScalingGroupName", wc->asg_name);
    aws_query_param_int(sb, "MaxRecords", WARM_POOL_PAGE_MAX);
}

static int warm_pool_parse(void *ud, const aws_response *resp, char **next_token, aws_error *err)
{
    warm_pool_call *wc = ud;
    return asg_decode_describe_warm_pool(resp->body, resp->body_len, &wc->pool, next_token, resp->budget, err);
}

static void warm_pool_done(aws_client *c, const aws_error *err, void *ud)
{
    warm_pool_call *wc = ud;
    wc->done(c, &wc->pool, err, wc->ud);
    free(wc->asg_name);
    free(wc);
}

int svc_asg_describe_warm_pool(aws_client *c, const char *asg_name, asg_warm_pool_fn done, void *ud, aws_error *err)
{
    static const aws_query_paged_spec spec = { &AWS_SVC_AUTOSCALING, "DescribeWarmPool", "NextToken",   NULL, 1,
                                               warm_pool_params,     warm_pool_parse,    warm_pool_done };
    warm_pool_call *wc = xcalloc(1, sizeof(*wc));
    wc->asg_name = xstrdup(asg_name ? asg_name : "");
    wc->done = done;
    wc->ud = ud;
    if (aws_query_call_paged(c, &spec, NULL, wc, err) != 0) {
        free(wc->asg_name);
        free(wc);
        return -1;
    }
    return 0;
}

typedef struct id_call {
    asg_id_fn done;
    void *ud;
    const char *operation;
    char *body; /* kept until the answer: the request points at it */
} id_call;

static void id_call_done(aws_client *c, const aws_response *resp, const aws_error *err, void *ud)
{
    id_call *ic = ud;
    char *id = NULL;
    aws_error derr;
    if (!err && asg_decode_refresh_id(resp->body, resp->body_len, &id, &derr) != 0) {
        derr.http_status = (int)resp->http_status;
        str_copy(derr.request_id, sizeof(derr.request_id), resp->request_id ? resp->request_id : "");
        str_copy(derr.operation, sizeof(derr.operation), ic->operation);
        err = &derr;
    }
    ic->done(c, id, err, ic->ud);
    free(ic->body);
    free(ic);
}

static int id_call_start(aws_client *c, const char *operation, char *body, size_t len, asg_id_fn done, void *ud,
                         aws_error *err)
{
    id_call *ic = xcalloc(1, sizeof(*ic));
    ic->done = done;
    ic->ud = ud;
    ic->body = body;
    ic->operation = operation;
    aws_request req = {
        .svc = &AWS_SVC_AUTOSCALING, .operation = operation, .body = body, .body_len = len, .mutating = true
    };
    if (aws_call(c, &req, id_call_done, ic, err) != 0) {
        free(body);
        free(ic);
        return -1;
    }
    return 0;
}

int svc_asg_start_refresh(aws_client *c, const refresh_start_params *p, asg_id_fn done, void *ud, aws_error *err)
{
    size_t len;
    char *body = asg_encode_start_refresh(p, &len);
    return id_call_start(c, "StartInstanceRefresh", body, len, done, ud, err);
}

static char *name_body(const char *asg_name, size_t *len)
{
    strbuf sb;
    sb_init(&sb);
    aws_query_param(&sb, "AutoScalingGroupName", asg_name ? asg_name : "");
    *len = sb.len;
    return sb.buf; /* the caller owns it */
}

int svc_asg_cancel_refresh(aws_client *c, const char *asg_name, asg_id_fn done, void *ud, aws_error *err)
{
    size_t len;
    char *body = name_body(asg_name, &len);
    return id_call_start(c, "CancelInstanceRefresh", body, len, done, ud, err);
}

int svc_asg_rollback_refresh(aws_client *c, const char *asg_name, asg_id_fn done, void *ud, aws_error *err)
{
    size_t len;
    char *body = name_body(asg_name, &len);
    return id_call_start(c, "RollbackInstanceRefresh", body, len, done, ud, err);
}
