/* snapshot_json.c — a snapshot as JSON whose member names and nesting are the AWS
 * API's own, so that people who know `aws ... --output json` can read it. Absent
 * values are left out, as the AWS CLI does. Timestamps are ISO 8601 in UTC. Two
 * members are tarmac's own: a group's WarmPool (DescribeWarmPool's answer) and
 * InstanceRefreshesError (why its refreshes could not be read: unknown, which an
 * absent InstanceRefreshes alone would not say). */
#include <json-c/json.h>
#include <stdlib.h>

#include "services/snapshot.h"

static void put_str(json_object *o, const char *key, const char *v)
{
    if (v)
        json_object_object_add(o, key, json_object_new_string(v));
}

static void put_int(json_object *o, const char *key, int64_t v)
{
    json_object_object_add(o, key, json_object_new_int64(v));
}

static void put_bool(json_object *o, const char *key, bool v)
{
    json_object_object_add(o, key, json_object_new_boolean(v));
}

static void put_time(json_object *o, const char *key, aws_time t)
{
    if (!t)
        return;
    char buf[40];
    time_format_iso8601(t, buf, sizeof buf);
    put_str(o, key, buf);
}

static json_object *str_array(const strvec *v)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < v->n; i++)
        json_object_array_add(a, json_object_new_string(v->items[i]));
    return a;
}

static json_object *lt_json(const lt_spec *lt)
{
    json_object *o = json_object_new_object();
    put_str(o, "LaunchTemplateId", lt->launch_template_id);
    put_str(o, "LaunchTemplateName", lt->launch_template_name);
    put_str(o, "Version", lt->version);
    return o;
}

static bool lt_present(const lt_spec *lt)
{
    return lt->launch_template_id || lt->launch_template_name || lt->version;
}

static json_object *instance_json(const asg_instance *in)
{
    json_object *o = json_object_new_object();
    put_str(o, "InstanceId", in->instance_id);
    put_str(o, "InstanceType", in->instance_type);
    put_str(o, "AvailabilityZone", in->availability_zone);
    put_str(o, "LifecycleState", in->lifecycle_state);
    put_str(o, "HealthStatus", in->health_status);
    put_str(o, "LaunchConfigurationName", in->launch_configuration_name);
    if (lt_present(&in->launch_template))
        json_object_object_add(o, "LaunchTemplate", lt_json(&in->launch_template));
    put_bool(o, "ProtectedFromScaleIn", in->protected_from_scale_in);
    return o;
}

json_object *refresh_prefs_to_json(const refresh_prefs *p)
{
    json_object *o = json_object_new_object();
    if (p->has_min_healthy_percentage)
        put_int(o, "MinHealthyPercentage", p->min_healthy_percentage);
    if (p->has_max_healthy_percentage)
        put_int(o, "MaxHealthyPercentage", p->max_healthy_percentage);
    if (p->has_instance_warmup)
        put_int(o, "InstanceWarmup", p->instance_warmup);
    if (p->checkpoint_percentages.n) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < p->checkpoint_percentages.n; i++)
            json_object_array_add(a, json_object_new_int(p->checkpoint_percentages.items[i]));
        json_object_object_add(o, "CheckpointPercentages", a);
    }
    if (p->has_checkpoint_delay)
        put_int(o, "CheckpointDelay", p->checkpoint_delay);
    if (p->has_skip_matching)
        put_bool(o, "SkipMatching", p->skip_matching);
    if (p->has_auto_rollback)
        put_bool(o, "AutoRollback", p->auto_rollback);
    put_str(o, "ScaleInProtectedInstances", p->scale_in_protected_instances);
    put_str(o, "StandbyInstances", p->standby_instances);
    if (p->has_alarm_specification) {
        json_object *as = json_object_new_object();
        json_object_object_add(as, "Alarms", str_array(&p->alarms));
        json_object_object_add(o, "AlarmSpecification", as);
    }
    if (p->has_bake_time)
        put_int(o, "BakeTime", p->bake_time);
    return o;
}

static json_object *progress_json(const refresh_progress *p)
{
    json_object *o = json_object_new_object();
    if (p->has_live) {
        json_object *l = json_object_new_object();
        put_int(l, "PercentageComplete", p->live_percentage_complete);
        put_int(l, "InstancesToUpdate", p->live_instances_to_update);
        json_object_object_add(o, "LivePoolProgress", l);
    }
    if (p->has_warm) {
        json_object *w = json_object_new_object();
        put_int(w, "PercentageComplete", p->warm_percentage_complete);
        put_int(w, "InstancesToUpdate", p->warm_instances_to_update);
        json_object_object_add(o, "WarmPoolProgress", w);
    }
    return o;
}

static json_object *refresh_json(const instance_refresh *r)
{
    json_object *o = json_object_new_object();
    put_str(o, "InstanceRefreshId", r->instance_refresh_id);
    put_str(o, "AutoScalingGroupName", r->auto_scaling_group_name);
    put_str(o, "Status", r->status);
    put_str(o, "StatusReason", r->status_reason);
    put_time(o, "StartTime", r->start_time);
    put_time(o, "EndTime", r->end_time);
    if (r->has_percentage_complete)
        put_int(o, "PercentageComplete", r->percentage_complete);
    if (r->has_instances_to_update)
        put_int(o, "InstancesToUpdate", r->instances_to_update);
    if (r->progress_details.has_live || r->progress_details.has_warm)
        json_object_object_add(o, "ProgressDetails", progress_json(&r->progress_details));
    if (r->has_preferences)
        json_object_object_add(o, "Preferences", refresh_prefs_to_json(&r->preferences));
    if (r->has_desired_configuration) {
        json_object *d = json_object_new_object();
        if (lt_present(&r->desired_launch_template))
            json_object_object_add(d, "LaunchTemplate", lt_json(&r->desired_launch_template));
        json_object_object_add(o, "DesiredConfiguration", d);
    }
    if (r->rollback_details.present) {
        const refresh_rollback *rb = &r->rollback_details;
        json_object *d = json_object_new_object();
        put_str(d, "RollbackReason", rb->rollback_reason);
        put_time(d, "RollbackStartTime", rb->rollback_start_time);
        if (rb->has_percentage_complete_on_rollback)
            put_int(d, "PercentageCompleteOnRollback", rb->percentage_complete_on_rollback);
        if (rb->has_instances_to_update_on_rollback)
            put_int(d, "InstancesToUpdateOnRollback", rb->instances_to_update_on_rollback);
        if (rb->progress_details_on_rollback.has_live || rb->progress_details_on_rollback.has_warm)
            json_object_object_add(d, "ProgressDetailsOnRollback", progress_json(&rb->progress_details_on_rollback));
        json_object_object_add(o, "RollbackDetails", d);
    }
    put_str(o, "Strategy", r->strategy);
    return o;
}

static json_object *target_group_json(const snap_target_group *st)
{
    const target_group *tg = &st->tg;
    json_object *o = json_object_new_object();
    put_str(o, "TargetGroupArn", tg->target_group_arn);
    if (st->described) {
        put_str(o, "TargetGroupName", tg->target_group_name);
        put_str(o, "Protocol", tg->protocol);
        if (tg->has_port)
            put_int(o, "Port", tg->port);
        put_str(o, "VpcId", tg->vpc_id);
        put_str(o, "HealthCheckProtocol", tg->health_check_protocol);
        put_str(o, "HealthCheckPort", tg->health_check_port);
        put_bool(o, "HealthCheckEnabled", tg->health_check_enabled);
        put_int(o, "HealthCheckIntervalSeconds", tg->health_check_interval_seconds);
        put_int(o, "HealthCheckTimeoutSeconds", tg->health_check_timeout_seconds);
        put_int(o, "HealthyThresholdCount", tg->healthy_threshold_count);
        put_int(o, "UnhealthyThresholdCount", tg->unhealthy_threshold_count);
        put_str(o, "HealthCheckPath", tg->health_check_path);
        if (tg->matcher_http_code) {
            json_object *m = json_object_new_object();
            put_str(m, "HttpCode", tg->matcher_http_code);
            json_object_object_add(o, "Matcher", m);
        }
        json_object_object_add(o, "LoadBalancerArns", str_array(&tg->load_balancer_arns));
        put_str(o, "TargetType", tg->target_type);
    }
    if (st->health_ok) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < st->health.n; i++) {
            const target_health_desc *h = &st->health.items[i];
            json_object *d = json_object_new_object(), *t = json_object_new_object(), *th = json_object_new_object();
            put_str(t, "Id", h->target_id);
            if (h->has_port)
                put_int(t, "Port", h->port);
            put_str(t, "AvailabilityZone", h->target_availability_zone);
            json_object_object_add(d, "Target", t);
            put_str(d, "HealthCheckPort", h->health_check_port);
            put_str(th, "State", h->state);
            put_str(th, "Reason", h->reason);
            put_str(th, "Description", h->description);
            json_object_object_add(d, "TargetHealth", th);
            json_object_array_add(a, d);
        }
        json_object_object_add(o, "TargetHealthDescriptions", a);
    }
    return o;
}

static json_object *error_json(const snap_error *e)
{
    json_object *o = json_object_new_object();
    put_str(o, "Operation", e->operation);
    put_str(o, "Code", e->code);
    put_str(o, "Message", e->message);
    put_str(o, "Resource", e->resource);
    if (e->http_status)
        put_int(o, "HTTPStatusCode", e->http_status);
    return o;
}

static json_object *warm_pool_config_json(const warm_pool_config *w)
{
    json_object *o = json_object_new_object();
    if (w->has_max_group_prepared_capacity)
        put_int(o, "MaxGroupPreparedCapacity", w->max_group_prepared_capacity);
    if (w->has_min_size)
        put_int(o, "MinSize", w->min_size);
    put_str(o, "PoolState", w->pool_state);
    put_str(o, "Status", w->status);
    if (w->has_reuse_on_scale_in) {
        json_object *r = json_object_new_object();
        put_bool(r, "ReuseOnScaleIn", w->reuse_on_scale_in);
        json_object_object_add(o, "InstanceReusePolicy", r);
    }
    return o;
}

static void group_extras_json(json_object *o, const asg_group *g)
{
    json_object *sp = json_object_new_array();
    for (size_t i = 0; i < g->suspended_processes.n; i++) {
        json_object *p = json_object_new_object();
        put_str(p, "ProcessName", g->suspended_processes.items[i].process_name);
        put_str(p, "SuspensionReason", g->suspended_processes.items[i].suspension_reason);
        json_object_array_add(sp, p);
    }
    json_object_object_add(o, "SuspendedProcesses", sp);
    json_object *ts = json_object_new_array();
    for (size_t i = 0; i < g->traffic_sources.n; i++) {
        json_object *t = json_object_new_object();
        put_str(t, "Identifier", g->traffic_sources.items[i].identifier);
        put_str(t, "Type", g->traffic_sources.items[i].type);
        json_object_array_add(ts, t);
    }
    json_object_object_add(o, "TrafficSources", ts);
    if (g->warm_pool.present)
        json_object_object_add(o, "WarmPoolConfiguration", warm_pool_config_json(&g->warm_pool));
    if (g->has_warm_pool_size)
        put_int(o, "WarmPoolSize", g->warm_pool_size);
}

static json_object *asg_json(const snap_asg *sa)
{
    const asg_group *g = &sa->group;
    json_object *o = json_object_new_object();
    put_str(o, "AutoScalingGroupName", g->name);
    put_str(o, "AutoScalingGroupARN", g->arn);
    put_str(o, "LaunchConfigurationName", g->launch_configuration_name);
    if (lt_present(&g->launch_template))
        json_object_object_add(o, "LaunchTemplate", lt_json(&g->launch_template));
    put_int(o, "MinSize", g->min_size);
    put_int(o, "MaxSize", g->max_size);
    put_int(o, "DesiredCapacity", g->desired_capacity);
    put_int(o, "DefaultCooldown", g->default_cooldown);
    json_object_object_add(o, "AvailabilityZones", str_array(&g->availability_zones));
    json_object_object_add(o, "LoadBalancerNames", str_array(&g->load_balancer_names));
    json_object_object_add(o, "TargetGroupARNs", str_array(&g->target_group_arns));
    put_str(o, "HealthCheckType", g->health_check_type);
    put_int(o, "HealthCheckGracePeriod", g->health_check_grace_period);
    json_object *ins = json_object_new_array();
    for (size_t i = 0; i < g->instances.n; i++)
        json_object_array_add(ins, instance_json(&g->instances.items[i]));
    json_object_object_add(o, "Instances", ins);
    put_time(o, "CreatedTime", g->created_time);
    put_str(o, "VPCZoneIdentifier", g->vpc_zone_identifier);
    put_str(o, "Status", g->status);
    json_object *tags = json_object_new_array();
    for (size_t i = 0; i < g->tags.n; i++) {
        json_object *t = json_object_new_object();
        put_str(t, "ResourceId", g->name);
        put_str(t, "ResourceType", "auto-scaling-group");
        put_str(t, "Key", g->tags.items[i].key);
        put_str(t, "Value", g->tags.items[i].value);
        put_bool(t, "PropagateAtLaunch", g->tags.items[i].propagate_at_launch);
        json_object_array_add(tags, t);
    }
    json_object_object_add(o, "Tags", tags);
    json_object_object_add(o, "TerminationPolicies", str_array(&g->termination_policies));
    put_bool(o, "NewInstancesProtectedFromScaleIn", g->new_instances_protected_from_scale_in);
    if (g->has_default_instance_warmup)
        put_int(o, "DefaultInstanceWarmup", g->default_instance_warmup);

    group_extras_json(o, g);
    if (sa->warm_pool_ok) {
        json_object *wp = json_object_new_object();
        if (sa->warm_pool.config.present)
            json_object_object_add(wp, "WarmPoolConfiguration", warm_pool_config_json(&sa->warm_pool.config));
        json_object *wi = json_object_new_array();
        for (size_t i = 0; i < sa->warm_pool.instances.n; i++)
            json_object_array_add(wi, instance_json(&sa->warm_pool.instances.items[i]));
        json_object_object_add(wp, "Instances", wi);
        json_object_object_add(o, "WarmPool", wp);
    }

    if (sa->refreshes_ok) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < sa->refreshes.n; i++)
            json_object_array_add(a, refresh_json(&sa->refreshes.items[i]));
        json_object_object_add(o, "InstanceRefreshes", a);
    } else if (sa->refreshes_error.operation) {
        json_object_object_add(o, "InstanceRefreshesError", error_json(&sa->refreshes_error));
    }
    json_object *tgs = json_object_new_array();
    for (size_t i = 0; i < sa->target_groups.n; i++)
        json_object_array_add(tgs, target_group_json(&sa->target_groups.items[i]));
    json_object_object_add(o, "TargetGroups", tgs);
    return o;
}

static json_object *image_json(const ecr_image_detail *d)
{
    json_object *o = json_object_new_object();
    put_str(o, "registryId", d->registry_id);
    put_str(o, "repositoryName", d->repository_name);
    put_str(o, "imageDigest", d->image_digest);
    if (d->image_tags.n)
        json_object_object_add(o, "imageTags", str_array(&d->image_tags));
    if (d->has_size)
        put_int(o, "imageSizeInBytes", d->image_size_in_bytes);
    put_time(o, "imagePushedAt", d->image_pushed_at);
    put_str(o, "imageManifestMediaType", d->image_manifest_media_type);
    put_str(o, "artifactMediaType", d->artifact_media_type);
    put_time(o, "lastRecordedPullTime", d->last_recorded_pull_time);
    put_str(o, "imageStatus", d->image_status);
    put_time(o, "lastArchivedAt", d->last_archived_at);
    put_time(o, "lastActivatedAt", d->last_activated_at);
    if (d->scan_status || d->scan_status_description) {
        json_object *st = json_object_new_object();
        put_str(st, "status", d->scan_status);
        put_str(st, "description", d->scan_status_description);
        json_object_object_add(o, "imageScanStatus", st);
    }
    if (d->scan_completed_at || d->finding_severity_counts.n) {
        json_object *sum = json_object_new_object();
        put_time(sum, "imageScanCompletedAt", d->scan_completed_at);
        json_object *counts = json_object_new_object();
        for (size_t i = 0; i < d->finding_severity_counts.n; i++)
            put_int(counts, d->finding_severity_counts.items[i].severity, d->finding_severity_counts.items[i].count);
        json_object_object_add(sum, "findingSeverityCounts", counts);
        json_object_object_add(o, "imageScanFindingsSummary", sum);
    }
    return o;
}

static json_object *repo_json(const snap_repo *sr)
{
    json_object *o = json_object_new_object();
    const ecr_repository *r = &sr->repo;
    put_str(o, "repositoryName", sr->repo_ok ? r->repository_name : sr->name);
    if (sr->repo_ok) {
        put_str(o, "repositoryArn", r->repository_arn);
        put_str(o, "registryId", r->registry_id);
        put_str(o, "repositoryUri", r->repository_uri);
        put_time(o, "createdAt", r->created_at);
        put_str(o, "imageTagMutability", r->image_tag_mutability);
        if (r->mutability_exclusion_filters.n) {
            json_object *a = json_object_new_array();
            for (size_t i = 0; i < r->mutability_exclusion_filters.n; i++) {
                json_object *f = json_object_new_object();
                put_str(f, "filterType", "WILDCARD");
                put_str(f, "filter", r->mutability_exclusion_filters.items[i]);
                json_object_array_add(a, f);
            }
            json_object_object_add(o, "imageTagMutabilityExclusionFilters", a);
        }
    }
    if (sr->images_ok) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < sr->images.n; i++)
            json_object_array_add(a, image_json(&sr->images.items[i]));
        json_object_object_add(o, "imageDetails", a);
    }
    return o;
}

/* MetricAlarm / CompositeAlarm, the members a deploy's watcher reads. */
static json_object *alarm_json(const cw_alarm *a)
{
    json_object *o = json_object_new_object();
    put_str(o, "AlarmName", a->alarm_name);
    put_str(o, "AlarmArn", a->alarm_arn);
    put_str(o, "StateValue", a->state_value);
    put_str(o, "StateReason", a->state_reason);
    put_time(o, "StateUpdatedTimestamp", a->state_updated_timestamp);
    if (a->alarm_type == CW_COMPOSITE_ALARM) {
        put_str(o, "AlarmRule", a->alarm_rule);
        return o;
    }
    put_str(o, "MetricName", a->metric_name);
    put_str(o, "Namespace", a->namespace_);
    put_str(o, "ThresholdMetricId", a->threshold_metric_id);
    put_str(o, "EvaluationState", a->evaluation_state);
    if (a->metrics.n) {
        json_object *m = json_object_new_array();
        for (size_t i = 0; i < a->metrics.n; i++) {
            const cw_metric_query *q = &a->metrics.items[i];
            json_object *qo = json_object_new_object();
            put_str(qo, "Id", q->id);
            put_str(qo, "Expression", q->expression);
            put_str(qo, "Label", q->label);
            if (q->metric_name || q->namespace_ || q->stat) {
                json_object *ms = json_object_new_object(), *mt = json_object_new_object();
                put_str(mt, "Namespace", q->namespace_);
                put_str(mt, "MetricName", q->metric_name);
                json_object_object_add(ms, "Metric", mt);
                put_str(ms, "Stat", q->stat);
                if (q->has_period)
                    put_int(ms, "Period", q->period);
                json_object_object_add(qo, "MetricStat", ms);
            }
            if (q->has_return_data)
                put_bool(qo, "ReturnData", q->return_data);
            json_object_array_add(m, qo);
        }
        json_object_object_add(o, "Metrics", m);
    }
    return o;
}

static void alarms_json(json_object *root, const snapshot *s)
{
    if (!s->alarms_ok)
        return;
    json_object *metric = json_object_new_array(), *composite = json_object_new_array();
    for (size_t i = 0; i < s->alarms.n; i++)
        json_object_array_add(s->alarms.items[i].alarm_type == CW_COMPOSITE_ALARM ? composite : metric,
                              alarm_json(&s->alarms.items[i]));
    json_object_object_add(root, "MetricAlarms", metric);
    json_object_object_add(root, "CompositeAlarms", composite);
    if (s->missing_alarms.n)
        json_object_object_add(root, "MissingAlarms", str_array(&s->missing_alarms));
}

char *snapshot_to_json(const snapshot *s, bool pretty)
{
    json_object *root = json_object_new_object();
    json_object *asgs = json_object_new_array();
    for (size_t i = 0; i < s->asgs.n; i++)
        json_object_array_add(asgs, asg_json(&s->asgs.items[i]));
    json_object_object_add(root, "AutoScalingGroups", asgs);
    json_object *repos = json_object_new_array();
    for (size_t i = 0; i < s->repos.n; i++)
        json_object_array_add(repos, repo_json(&s->repos.items[i]));
    json_object_object_add(root, "Repositories", repos);
    alarms_json(root, s);
    if (s->errors.n) {
        json_object *errs = json_object_new_array();
        for (size_t i = 0; i < s->errors.n; i++)
            json_object_array_add(errs, error_json(&s->errors.items[i]));
        json_object_object_add(root, "Errors", errs);
    }
    int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
        (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN);
    char *out = xstrdup(json_object_to_json_string_ext(root, flags));
    json_object_put(root);
    return out;
}
