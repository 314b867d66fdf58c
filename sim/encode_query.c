/* encode_query.c — the simulator's XML answers: the Query protocol (autoscaling,
 * elbv2, sts, cloudwatch query) with <member> lists and the EC2 protocol with <item>
 * lists, element names as botocore's models spell them. A tiny escaping writer:
 * output is built in a strbuf, never through an XML library. */
#include "encode.h"

#include <stdio.h>

/* Length of the valid UTF-8 sequence at s (1..4) and its code point, or 0. */
static int utf8_decode(const unsigned char *s, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    int n;
    uint32_t c, min;
    if ((s[0] & 0xE0) == 0xC0) {
        n = 2;
        c = s[0] & 0x1F;
        min = 0x80;
    } else if ((s[0] & 0xF0) == 0xE0) {
        n = 3;
        c = s[0] & 0x0F;
        min = 0x800;
    } else if ((s[0] & 0xF8) == 0xF0) {
        n = 4;
        c = s[0] & 0x07;
        min = 0x10000;
    } else
        return 0;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0; /* also stops at the NUL */
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

void enc_xml_escape(strbuf *sb, const char *s)
{
    static const char repl[] = "\xEF\xBF\xBD"; /* U+FFFD */
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        int n = utf8_decode(p, &cp);
        if (n == 0) {
            sb_append(sb, repl);
            p++;
            continue;
        }
        switch (cp) {
        case '&':
            sb_append(sb, "&amp;");
            break;
        case '<':
            sb_append(sb, "&lt;");
            break;
        case '>':
            sb_append(sb, "&gt;");
            break;
        case '"':
            sb_append(sb, "&quot;");
            break;
        case '\'':
            sb_append(sb, "&apos;");
            break;
        case '\r':
            sb_append(sb, "&#13;");
            break;
        default:
            /* XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF] */
            if ((cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0xFFFE || cp == 0xFFFF)
                sb_append(sb, repl);
            else
                sb_appendn(sb, (const char *)p, (size_t)n);
        }
        p += n;
    }
}

void enc_xml_text(strbuf *sb, const char *name, const char *text)
{
    if (!text)
        return;
    sb_printf(sb, "<%s>", name);
    enc_xml_escape(sb, text);
    sb_printf(sb, "</%s>", name);
}

void enc_xml_int(strbuf *sb, const char *name, long long v)
{
    sb_printf(sb, "<%s>%lld</%s>", name, v, name);
}

void enc_xml_bool(strbuf *sb, const char *name, bool v)
{
    sb_printf(sb, "<%s>%s</%s>", name, v ? "true" : "false", name);
}

void enc_xml_time(strbuf *sb, const char *name, aws_time t)
{
    if (!t)
        return;
    char buf[40];
    time_format_iso8601(t, buf, sizeof buf);
    enc_xml_text(sb, name, buf);
}

void enc_xml_strlist(strbuf *sb, const char *name, const char *item_tag, const strvec *v)
{
    sb_printf(sb, "<%s>", name);
    for (size_t i = 0; i < v->n; i++)
        enc_xml_text(sb, item_tag, v->items[i]);
    sb_printf(sb, "</%s>", name);
}

void enc_query_begin(strbuf *sb, const char *op, const char *ns)
{
    sb_printf(sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%sResponse xmlns=\"%s\"><%sResult>", op, ns, op);
}

void enc_query_end(strbuf *sb, const char *op, const char *request_id)
{
    sb_printf(sb, "</%sResult><ResponseMetadata>", op);
    enc_xml_text(sb, "RequestId", request_id);
    sb_printf(sb, "</ResponseMetadata></%sResponse>\n", op);
}

void enc_ec2_begin(strbuf *sb, const char *op, const char *ns, const char *request_id)
{
    sb_printf(sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%sResponse xmlns=\"%s\">", op, ns);
    enc_xml_text(sb, "requestId", request_id);
}

void enc_ec2_end(strbuf *sb, const char *op)
{
    sb_printf(sb, "</%sResponse>\n", op);
}

/* ---------------- autoscaling ---------------- */

static void xml_lt_spec(strbuf *sb, const char *name, const lt_spec *lt)
{
    if (!lt->launch_template_id && !lt->launch_template_name)
        return;
    sb_printf(sb, "<%s>", name);
    enc_xml_text(sb, "LaunchTemplateId", lt->launch_template_id);
    enc_xml_text(sb, "LaunchTemplateName", lt->launch_template_name);
    enc_xml_text(sb, "Version", lt->version);
    sb_printf(sb, "</%s>", name);
}

static void xml_asg_instance(strbuf *sb, const asg_instance *in)
{
    enc_xml_text(sb, "InstanceId", in->instance_id);
    enc_xml_text(sb, "InstanceType", in->instance_type);
    enc_xml_text(sb, "AvailabilityZone", in->availability_zone);
    enc_xml_text(sb, "LifecycleState", in->lifecycle_state);
    enc_xml_text(sb, "HealthStatus", in->health_status);
    enc_xml_text(sb, "LaunchConfigurationName", in->launch_configuration_name);
    xml_lt_spec(sb, "LaunchTemplate", &in->launch_template);
    enc_xml_bool(sb, "ProtectedFromScaleIn", in->protected_from_scale_in);
}

static void xml_warm_config(strbuf *sb, const warm_pool_config *c)
{
    if (!c->present)
        return;
    sb_append(sb, "<WarmPoolConfiguration>");
    if (c->has_max_group_prepared_capacity)
        enc_xml_int(sb, "MaxGroupPreparedCapacity", c->max_group_prepared_capacity);
    if (c->has_min_size)
        enc_xml_int(sb, "MinSize", c->min_size);
    enc_xml_text(sb, "PoolState", c->pool_state);
    enc_xml_text(sb, "Status", c->status);
    if (c->has_reuse_on_scale_in) {
        sb_append(sb, "<InstanceReusePolicy>");
        enc_xml_bool(sb, "ReuseOnScaleIn", c->reuse_on_scale_in);
        sb_append(sb, "</InstanceReusePolicy>");
    }
    sb_append(sb, "</WarmPoolConfiguration>");
}

void enc_xml_asg_group(strbuf *sb, const asg_group *g)
{
    enc_xml_text(sb, "AutoScalingGroupName", g->name);
    enc_xml_text(sb, "AutoScalingGroupARN", g->arn);
    enc_xml_text(sb, "LaunchConfigurationName", g->launch_configuration_name);
    xml_lt_spec(sb, "LaunchTemplate", &g->launch_template);
    enc_xml_int(sb, "MinSize", g->min_size);
    enc_xml_int(sb, "MaxSize", g->max_size);
    enc_xml_int(sb, "DesiredCapacity", g->desired_capacity);
    enc_xml_int(sb, "DefaultCooldown", g->default_cooldown);
    enc_xml_strlist(sb, "AvailabilityZones", "member", &g->availability_zones);
    enc_xml_strlist(sb, "LoadBalancerNames", "member", &g->load_balancer_names);
    enc_xml_strlist(sb, "TargetGroupARNs", "member", &g->target_group_arns);
    enc_xml_text(sb, "HealthCheckType", g->health_check_type ? g->health_check_type : "EC2");
    enc_xml_int(sb, "HealthCheckGracePeriod", g->health_check_grace_period);
    sb_append(sb, "<Instances>");
    for (size_t i = 0; i < g->instances.n; i++) {
        sb_append(sb, "<member>");
        xml_asg_instance(sb, &g->instances.items[i]);
        sb_append(sb, "</member>");
    }
    sb_append(sb, "</Instances>");
    enc_xml_time(sb, "CreatedTime", g->created_time);
    sb_append(sb, "<SuspendedProcesses>");
    for (size_t i = 0; i < g->suspended_processes.n; i++) {
        sb_append(sb, "<member>");
        enc_xml_text(sb, "ProcessName", g->suspended_processes.items[i].process_name);
        enc_xml_text(sb, "SuspensionReason", g->suspended_processes.items[i].suspension_reason);
        sb_append(sb, "</member>");
    }
    sb_append(sb, "</SuspendedProcesses>");
    enc_xml_text(sb, "VPCZoneIdentifier", g->vpc_zone_identifier);
    sb_append(sb, "<EnabledMetrics/>");
    enc_xml_text(sb, "Status", g->status);
    sb_append(sb, "<Tags>");
    for (size_t i = 0; i < g->tags.n; i++) {
        sb_append(sb, "<member>");
        enc_xml_text(sb, "ResourceId", g->name);
        enc_xml_text(sb, "ResourceType", "auto-scaling-group");
        enc_xml_text(sb, "Key", g->tags.items[i].key);
        enc_xml_text(sb, "Value", g->tags.items[i].value ? g->tags.items[i].value : "");
        enc_xml_bool(sb, "PropagateAtLaunch", g->tags.items[i].propagate_at_launch);
        sb_append(sb, "</member>");
    }
    sb_append(sb, "</Tags>");
    enc_xml_strlist(sb, "TerminationPolicies", "member", &g->termination_policies);
    enc_xml_bool(sb, "NewInstancesProtectedFromScaleIn", g->new_instances_protected_from_scale_in);
    if (g->has_default_instance_warmup)
        enc_xml_int(sb, "DefaultInstanceWarmup", g->default_instance_warmup);
    xml_warm_config(sb, &g->warm_pool);
    if (g->has_warm_pool_size)
        enc_xml_int(sb, "WarmPoolSize", g->warm_pool_size);
    if (g->traffic_sources.n) {
        sb_append(sb, "<TrafficSources>");
        for (size_t i = 0; i < g->traffic_sources.n; i++) {
            sb_append(sb, "<member>");
            enc_xml_text(sb, "Identifier", g->traffic_sources.items[i].identifier);
            enc_xml_text(sb, "Type", g->traffic_sources.items[i].type);
            sb_append(sb, "</member>");
        }
        sb_append(sb, "</TrafficSources>");
    }
    if (g->has_instance_maintenance_policy) {
        sb_append(sb, "<InstanceMaintenancePolicy>");
        enc_xml_int(sb, "MinHealthyPercentage", g->imp_min_healthy_percentage);
        enc_xml_int(sb, "MaxHealthyPercentage", g->imp_max_healthy_percentage);
        sb_append(sb, "</InstanceMaintenancePolicy>");
    }
}

static void xml_progress(strbuf *sb, const char *name, const refresh_progress *p)
{
    if (!p->has_live && !p->has_warm)
        return;
    sb_printf(sb, "<%s>", name);
    if (p->has_live) {
        sb_append(sb, "<LivePoolProgress>");
        enc_xml_int(sb, "PercentageComplete", p->live_percentage_complete);
        enc_xml_int(sb, "InstancesToUpdate", p->live_instances_to_update);
        sb_append(sb, "</LivePoolProgress>");
    }
    if (p->has_warm) {
        sb_append(sb, "<WarmPoolProgress>");
        enc_xml_int(sb, "PercentageComplete", p->warm_percentage_complete);
        enc_xml_int(sb, "InstancesToUpdate", p->warm_instances_to_update);
        sb_append(sb, "</WarmPoolProgress>");
    }
    sb_printf(sb, "</%s>", name);
}

static void xml_prefs(strbuf *sb, const refresh_prefs *p)
{
    sb_append(sb, "<Preferences>");
    if (p->has_min_healthy_percentage)
        enc_xml_int(sb, "MinHealthyPercentage", p->min_healthy_percentage);
    if (p->has_instance_warmup)
        enc_xml_int(sb, "InstanceWarmup", p->instance_warmup);
    if (p->checkpoint_percentages.n) {
        sb_append(sb, "<CheckpointPercentages>");
        for (size_t i = 0; i < p->checkpoint_percentages.n; i++)
            enc_xml_int(sb, "member", p->checkpoint_percentages.items[i]);
        sb_append(sb, "</CheckpointPercentages>");
    }
    if (p->has_checkpoint_delay)
        enc_xml_int(sb, "CheckpointDelay", p->checkpoint_delay);
    if (p->has_skip_matching)
        enc_xml_bool(sb, "SkipMatching", p->skip_matching);
    if (p->has_auto_rollback)
        enc_xml_bool(sb, "AutoRollback", p->auto_rollback);
    enc_xml_text(sb, "ScaleInProtectedInstances", p->scale_in_protected_instances);
    enc_xml_text(sb, "StandbyInstances", p->standby_instances);
    if (p->has_alarm_specification) {
        sb_append(sb, "<AlarmSpecification>");
        enc_xml_strlist(sb, "Alarms", "member", &p->alarms);
        sb_append(sb, "</AlarmSpecification>");
    }
    if (p->has_max_healthy_percentage)
        enc_xml_int(sb, "MaxHealthyPercentage", p->max_healthy_percentage);
    if (p->has_bake_time)
        enc_xml_int(sb, "BakeTime", p->bake_time);
    sb_append(sb, "</Preferences>");
}

void enc_xml_instance_refresh(strbuf *sb, const instance_refresh *r)
{
    enc_xml_text(sb, "InstanceRefreshId", r->instance_refresh_id);
    enc_xml_text(sb, "AutoScalingGroupName", r->auto_scaling_group_name);
    enc_xml_text(sb, "Status", r->status);
    enc_xml_text(sb, "StatusReason", r->status_reason);
    enc_xml_time(sb, "StartTime", r->start_time);
    enc_xml_time(sb, "EndTime", r->end_time);
    if (r->has_percentage_complete)
        enc_xml_int(sb, "PercentageComplete", r->percentage_complete);
    if (r->has_instances_to_update)
        enc_xml_int(sb, "InstancesToUpdate", r->instances_to_update);
    xml_progress(sb, "ProgressDetails", &r->progress_details);
    if (r->has_preferences)
        xml_prefs(sb, &r->preferences);
    if (r->has_desired_configuration) {
        sb_append(sb, "<DesiredConfiguration>");
        xml_lt_spec(sb, "LaunchTemplate", &r->desired_launch_template);
        sb_append(sb, "</DesiredConfiguration>");
    }
    const refresh_rollback *rb = &r->rollback_details;
    if (rb->present) {
        sb_append(sb, "<RollbackDetails>");
        enc_xml_text(sb, "RollbackReason", rb->rollback_reason);
        enc_xml_time(sb, "RollbackStartTime", rb->rollback_start_time);
        if (rb->has_percentage_complete_on_rollback)
            enc_xml_int(sb, "PercentageCompleteOnRollback", rb->percentage_complete_on_rollback);
        if (rb->has_instances_to_update_on_rollback)
            enc_xml_int(sb, "InstancesToUpdateOnRollback", rb->instances_to_update_on_rollback);
        xml_progress(sb, "ProgressDetailsOnRollback", &rb->progress_details_on_rollback);
        sb_append(sb, "</RollbackDetails>");
    }
    enc_xml_text(sb, "Strategy", r->strategy);
}

void enc_xml_activity(strbuf *sb, const scaling_activity *a)
{
    enc_xml_text(sb, "ActivityId", a->activity_id);
    enc_xml_text(sb, "AutoScalingGroupName", a->auto_scaling_group_name);
    enc_xml_text(sb, "Description", a->description);
    enc_xml_text(sb, "Cause", a->cause);
    enc_xml_time(sb, "StartTime", a->start_time);
    enc_xml_time(sb, "EndTime", a->end_time);
    enc_xml_text(sb, "StatusCode", a->status_code);
    enc_xml_text(sb, "StatusMessage", a->status_message);
    if (a->has_progress)
        enc_xml_int(sb, "Progress", a->progress);
    enc_xml_text(sb, "Details", a->details);
}

#define XML_MEMBERS(sb, wrapper, list, fn)                                                                             \
    do {                                                                                                               \
        sb_append(sb, "<" wrapper ">");                                                                                \
        for (size_t i_ = 0; i_ < (list)->n; i_++) {                                                                    \
            sb_append(sb, "<member>");                                                                                 \
            fn(sb, &(list)->items[i_]);                                                                                \
            sb_append(sb, "</member>");                                                                                \
        }                                                                                                              \
        sb_append(sb, "</" wrapper ">");                                                                               \
    } while (0)

void enc_xml_describe_groups(strbuf *sb, const asg_group_list *l, const char *next_token, const char *rid)
{
    enc_query_begin(sb, "DescribeAutoScalingGroups", SIM_NS_AUTOSCALING);
    XML_MEMBERS(sb, "AutoScalingGroups", l, enc_xml_asg_group);
    enc_xml_text(sb, "NextToken", next_token);
    enc_query_end(sb, "DescribeAutoScalingGroups", rid);
}

void enc_xml_describe_refreshes(strbuf *sb, const instance_refresh_list *l, const char *next_token, const char *rid)
{
    enc_query_begin(sb, "DescribeInstanceRefreshes", SIM_NS_AUTOSCALING);
    XML_MEMBERS(sb, "InstanceRefreshes", l, enc_xml_instance_refresh);
    enc_xml_text(sb, "NextToken", next_token);
    enc_query_end(sb, "DescribeInstanceRefreshes", rid);
}

void enc_xml_describe_activities(strbuf *sb, const scaling_activity_list *l, const char *next_token, const char *rid)
{
    enc_query_begin(sb, "DescribeScalingActivities", SIM_NS_AUTOSCALING);
    XML_MEMBERS(sb, "Activities", l, enc_xml_activity);
    enc_xml_text(sb, "NextToken", next_token);
    enc_query_end(sb, "DescribeScalingActivities", rid);
}

void enc_xml_refresh_id(strbuf *sb, const char *op, const char *refresh_id, const char *rid)
{
    enc_query_begin(sb, op, SIM_NS_AUTOSCALING);
    enc_xml_text(sb, "InstanceRefreshId", refresh_id);
    enc_query_end(sb, op, rid);
}

void enc_xml_describe_warm_pool(strbuf *sb, const warm_pool *wp, const char *next_token, const char *rid)
{
    enc_query_begin(sb, "DescribeWarmPool", SIM_NS_AUTOSCALING);
    xml_warm_config(sb, &wp->config);
    XML_MEMBERS(sb, "Instances", &wp->instances, xml_asg_instance);
    enc_xml_text(sb, "NextToken", next_token);
    enc_query_end(sb, "DescribeWarmPool", rid);
}

void enc_xml_empty_answer(strbuf *sb, const char *op, const char *ns, const char *rid)
{
    sb_printf(sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%sResponse xmlns=\"%s\"><ResponseMetadata>", op, ns);
    enc_xml_text(sb, "RequestId", rid);
    sb_printf(sb, "</ResponseMetadata></%sResponse>\n", op);
}

/* ---------------- elbv2 ---------------- */

void enc_xml_target_group(strbuf *sb, const target_group *t)
{
    enc_xml_text(sb, "TargetGroupArn", t->target_group_arn);
    enc_xml_text(sb, "TargetGroupName", t->target_group_name);
    enc_xml_text(sb, "Protocol", t->protocol);
    if (t->has_port)
        enc_xml_int(sb, "Port", t->port);
    enc_xml_text(sb, "VpcId", t->vpc_id);
    enc_xml_text(sb, "HealthCheckProtocol", t->health_check_protocol);
    enc_xml_text(sb, "HealthCheckPort", t->health_check_port);
    enc_xml_bool(sb, "HealthCheckEnabled", t->health_check_enabled);
    enc_xml_int(sb, "HealthCheckIntervalSeconds", t->health_check_interval_seconds);
    enc_xml_int(sb, "HealthCheckTimeoutSeconds", t->health_check_timeout_seconds);
    enc_xml_int(sb, "HealthyThresholdCount", t->healthy_threshold_count);
    enc_xml_int(sb, "UnhealthyThresholdCount", t->unhealthy_threshold_count);
    enc_xml_text(sb, "HealthCheckPath", t->health_check_path);
    if (t->matcher_http_code) {
        sb_append(sb, "<Matcher>");
        enc_xml_text(sb, "HttpCode", t->matcher_http_code);
        sb_append(sb, "</Matcher>");
    }
    enc_xml_strlist(sb, "LoadBalancerArns", "member", &t->load_balancer_arns);
    enc_xml_text(sb, "TargetType", t->target_type);
}

void enc_xml_target_health(strbuf *sb, const target_health_desc *t)
{
    sb_append(sb, "<Target>");
    enc_xml_text(sb, "Id", t->target_id);
    if (t->has_port)
        enc_xml_int(sb, "Port", t->port);
    enc_xml_text(sb, "AvailabilityZone", t->target_availability_zone);
    sb_append(sb, "</Target>");
    enc_xml_text(sb, "HealthCheckPort", t->health_check_port);
    sb_append(sb, "<TargetHealth>");
    enc_xml_text(sb, "State", t->state);
    enc_xml_text(sb, "Reason", t->reason);
    enc_xml_text(sb, "Description", t->description);
    sb_append(sb, "</TargetHealth>");
}

void enc_xml_load_balancer(strbuf *sb, const load_balancer *lb)
{
    enc_xml_text(sb, "LoadBalancerArn", lb->load_balancer_arn);
    enc_xml_text(sb, "DNSName", lb->dns_name);
    enc_xml_time(sb, "CreatedTime", lb->created_time);
    enc_xml_text(sb, "LoadBalancerName", lb->load_balancer_name);
    enc_xml_text(sb, "Scheme", lb->scheme);
    enc_xml_text(sb, "VpcId", lb->vpc_id);
    if (lb->state_code) {
        sb_append(sb, "<State>");
        enc_xml_text(sb, "Code", lb->state_code);
        sb_append(sb, "</State>");
    }
    enc_xml_text(sb, "Type", lb->type);
}

static void xml_actions(strbuf *sb, const char *name, const lb_action *a, size_t n)
{
    sb_printf(sb, "<%s>", name);
    for (size_t i = 0; i < n; i++) {
        sb_append(sb, "<member>");
        enc_xml_text(sb, "Type", a[i].type);
        enc_xml_text(sb, "TargetGroupArn", a[i].target_group_arn);
        if (a[i].forward_groups.n) {
            sb_append(sb, "<ForwardConfig><TargetGroups>");
            for (size_t j = 0; j < a[i].forward_groups.n; j++) {
                sb_append(sb, "<member>");
                enc_xml_text(sb, "TargetGroupArn", a[i].forward_groups.items[j].target_group_arn);
                if (a[i].forward_groups.items[j].has_weight)
                    enc_xml_int(sb, "Weight", a[i].forward_groups.items[j].weight);
                sb_append(sb, "</member>");
            }
            sb_append(sb, "</TargetGroups></ForwardConfig>");
        }
        sb_append(sb, "</member>");
    }
    sb_printf(sb, "</%s>", name);
}

void enc_xml_listener(strbuf *sb, const lb_listener *l)
{
    enc_xml_text(sb, "ListenerArn", l->listener_arn);
    enc_xml_text(sb, "LoadBalancerArn", l->load_balancer_arn);
    enc_xml_int(sb, "Port", l->port);
    enc_xml_text(sb, "Protocol", l->protocol);
    xml_actions(sb, "DefaultActions", l->default_actions.items, l->default_actions.n);
}

void enc_xml_rule(strbuf *sb, const lb_rule *r)
{
    enc_xml_text(sb, "RuleArn", r->rule_arn);
    enc_xml_text(sb, "Priority", r->priority);
    /* The model keeps "field=value" summaries; split them back into conditions. */
    sb_append(sb, "<Conditions>");
    for (size_t i = 0; i < r->condition_summaries.n; i++) {
        const char *s = r->condition_summaries.items[i];
        const char *eq = strchr(s, '=');
        if (!eq)
            continue;
        char *field = xstrndup(s, (size_t)(eq - s));
        sb_append(sb, "<member>");
        enc_xml_text(sb, "Field", field);
        sb_append(sb, "<Values>");
        enc_xml_text(sb, "member", eq + 1);
        sb_append(sb, "</Values></member>");
        free(field);
    }
    sb_append(sb, "</Conditions>");
    xml_actions(sb, "Actions", r->actions.items, r->actions.n);
    enc_xml_bool(sb, "IsDefault", r->is_default);
}

void enc_xml_target_groups(strbuf *sb, const target_group_list *l, const char *next_marker, const char *rid)
{
    enc_query_begin(sb, "DescribeTargetGroups", SIM_NS_ELBV2);
    XML_MEMBERS(sb, "TargetGroups", l, enc_xml_target_group);
    enc_xml_text(sb, "NextMarker", next_marker);
    enc_query_end(sb, "DescribeTargetGroups", rid);
}

void enc_xml_target_health_list(strbuf *sb, const target_health_list *l, const char *rid)
{
    enc_query_begin(sb, "DescribeTargetHealth", SIM_NS_ELBV2);
    XML_MEMBERS(sb, "TargetHealthDescriptions", l, enc_xml_target_health);
    enc_query_end(sb, "DescribeTargetHealth", rid);
}

void enc_xml_load_balancers(strbuf *sb, const load_balancer_list *l, const char *next_marker, const char *rid)
{
    enc_query_begin(sb, "DescribeLoadBalancers", SIM_NS_ELBV2);
    XML_MEMBERS(sb, "LoadBalancers", l, enc_xml_load_balancer);
    enc_xml_text(sb, "NextMarker", next_marker);
    enc_query_end(sb, "DescribeLoadBalancers", rid);
}

void enc_xml_listeners(strbuf *sb, const lb_listener_list *l, const char *next_marker, const char *rid)
{
    enc_query_begin(sb, "DescribeListeners", SIM_NS_ELBV2);
    XML_MEMBERS(sb, "Listeners", l, enc_xml_listener);
    enc_xml_text(sb, "NextMarker", next_marker);
    enc_query_end(sb, "DescribeListeners", rid);
}

void enc_xml_rules(strbuf *sb, const lb_rule_list *l, const char *next_marker, const char *rid)
{
    enc_query_begin(sb, "DescribeRules", SIM_NS_ELBV2);
    XML_MEMBERS(sb, "Rules", l, enc_xml_rule);
    enc_xml_text(sb, "NextMarker", next_marker);
    enc_query_end(sb, "DescribeRules", rid);
}

/* ---------------- ec2 ---------------- */

/* EC2's numeric state codes, which botocore's waiters read. */
static int ec2_state_code(const char *name)
{
    static const struct {
        const char *name;
        int code;
    } codes[] = {
        { "pending", 0 },     { "running", 16 },  { "shutting-down", 32 },
        { "terminated", 48 }, { "stopping", 64 }, { "stopped", 80 },
    };
    for (size_t i = 0; name && i < ARRAY_LEN(codes); i++)
        if (str_eq(codes[i].name, name))
            return codes[i].code;
    return 0;
}

void enc_xml_ec2_instance(strbuf *sb, const ec2_instance *i)
{
    enc_xml_text(sb, "instanceId", i->instance_id);
    enc_xml_text(sb, "imageId", i->image_id);
    if (i->state_name) {
        sb_append(sb, "<instanceState>");
        enc_xml_int(sb, "code", ec2_state_code(i->state_name));
        enc_xml_text(sb, "name", i->state_name);
        sb_append(sb, "</instanceState>");
    }
    enc_xml_text(sb, "privateDnsName", i->private_dns_name);
    enc_xml_text(sb, "instanceType", i->instance_type);
    enc_xml_time(sb, "launchTime", i->launch_time);
    if (i->availability_zone) {
        sb_append(sb, "<placement>");
        enc_xml_text(sb, "availabilityZone", i->availability_zone);
        enc_xml_text(sb, "tenancy", "default");
        sb_append(sb, "</placement>");
    }
    enc_xml_text(sb, "subnetId", i->subnet_id);
    enc_xml_text(sb, "vpcId", i->vpc_id);
    enc_xml_text(sb, "privateIpAddress", i->private_ip_address);
}

void enc_xml_lt_version(strbuf *sb, const lt_version *v)
{
    enc_xml_text(sb, "launchTemplateId", v->launch_template_id);
    enc_xml_text(sb, "launchTemplateName", v->launch_template_name);
    enc_xml_int(sb, "versionNumber", v->version_number);
    enc_xml_text(sb, "versionDescription", v->version_description);
    enc_xml_time(sb, "createTime", v->create_time);
    enc_xml_bool(sb, "defaultVersion", v->default_version);
    sb_append(sb, "<launchTemplateData>");
    enc_xml_text(sb, "imageId", v->image_id);
    sb_append(sb, "</launchTemplateData>");
}

void enc_xml_ec2_instances(strbuf *sb, const ec2_instance_list *l, const char *owner_id, const char *next_token,
                           const char *rid)
{
    enc_ec2_begin(sb, "DescribeInstances", SIM_NS_EC2, rid);
    sb_append(sb, "<reservationSet>");
    for (size_t i = 0; i < l->n; i++) {
        /* r- + the instance id's hex part keeps reservation ids stable. */
        const char *iid = l->items[i].instance_id ? l->items[i].instance_id : "";
        sb_append(sb, "<item>");
        sb_append(sb, "<reservationId>r-");
        enc_xml_escape(sb, strncmp(iid, "i-", 2) == 0 ? iid + 2 : iid);
        sb_append(sb, "</reservationId>");
        enc_xml_text(sb, "ownerId", owner_id);
        sb_append(sb, "<groupSet/><instancesSet><item>");
        enc_xml_ec2_instance(sb, &l->items[i]);
        sb_append(sb, "</item></instancesSet></item>");
    }
    sb_append(sb, "</reservationSet>");
    enc_xml_text(sb, "nextToken", next_token);
    enc_ec2_end(sb, "DescribeInstances");
}

void enc_xml_lt_versions(strbuf *sb, const lt_version_list *l, const char *next_token, const char *rid)
{
    enc_ec2_begin(sb, "DescribeLaunchTemplateVersions", SIM_NS_EC2, rid);
    sb_append(sb, "<launchTemplateVersionSet>");
    for (size_t i = 0; i < l->n; i++) {
        sb_append(sb, "<item>");
        enc_xml_lt_version(sb, &l->items[i]);
        sb_append(sb, "</item>");
    }
    sb_append(sb, "</launchTemplateVersionSet>");
    enc_xml_text(sb, "nextToken", next_token);
    enc_ec2_end(sb, "DescribeLaunchTemplateVersions");
}

/* ---------------- sts / cloudwatch query ---------------- */

void enc_xml_caller_identity(strbuf *sb, const caller_identity *c, const char *rid)
{
    enc_query_begin(sb, "GetCallerIdentity", SIM_NS_STS);
    enc_xml_text(sb, "UserId", c->user_id);
    enc_xml_text(sb, "Account", c->account);
    enc_xml_text(sb, "Arn", c->arn);
    enc_query_end(sb, "GetCallerIdentity", rid);
}

static void xml_alarm_common(strbuf *sb, const cw_alarm *a)
{
    enc_xml_text(sb, "AlarmName", a->alarm_name);
    enc_xml_text(sb, "AlarmArn", a->alarm_arn);
    enc_xml_text(sb, "AlarmDescription", a->alarm_description);
    enc_xml_bool(sb, "ActionsEnabled", a->actions_enabled);
    enc_xml_text(sb, "StateValue", a->state_value);
    enc_xml_text(sb, "StateReason", a->state_reason);
    enc_xml_time(sb, "StateUpdatedTimestamp", a->state_updated_timestamp);
}

/* MetricDataQuery, as botocore's cloudwatch model nests it. */
static void xml_metric_query(strbuf *sb, const cw_metric_query *q)
{
    enc_xml_text(sb, "Id", q->id);
    if (q->metric_name) {
        sb_append(sb, "<MetricStat><Metric>");
        enc_xml_text(sb, "Namespace", q->namespace_);
        enc_xml_text(sb, "MetricName", q->metric_name);
        sb_append(sb, "</Metric>");
        if (q->has_period)
            enc_xml_int(sb, "Period", q->period);
        enc_xml_text(sb, "Stat", q->stat);
        sb_append(sb, "</MetricStat>");
    }
    enc_xml_text(sb, "Expression", q->expression);
    enc_xml_text(sb, "Label", q->label);
    if (q->has_return_data)
        enc_xml_bool(sb, "ReturnData", q->return_data);
    if (!q->metric_name && q->has_period)
        enc_xml_int(sb, "Period", q->period);
}

void enc_xml_alarm(strbuf *sb, const cw_alarm *a)
{
    xml_alarm_common(sb, a);
    enc_xml_text(sb, "MetricName", a->metric_name);
    enc_xml_text(sb, "Namespace", a->namespace_);
    enc_xml_text(sb, "Statistic", a->statistic);
    if (a->period)
        enc_xml_int(sb, "Period", a->period);
    if (a->evaluation_periods)
        enc_xml_int(sb, "EvaluationPeriods", a->evaluation_periods);
    if (a->has_threshold) {
        char buf[64];
        snprintf(buf, sizeof buf, "%.17g", a->threshold);
        enc_xml_text(sb, "Threshold", buf);
    }
    enc_xml_text(sb, "ComparisonOperator", a->comparison_operator);
    if (a->metrics.n)
        XML_MEMBERS(sb, "Metrics", &a->metrics, xml_metric_query);
    enc_xml_text(sb, "ThresholdMetricId", a->threshold_metric_id);
    enc_xml_text(sb, "EvaluationState", a->evaluation_state);
}

void enc_xml_composite_alarm(strbuf *sb, const cw_alarm *a)
{
    xml_alarm_common(sb, a);
    enc_xml_text(sb, "AlarmRule", a->alarm_rule);
}

void enc_xml_alarms(strbuf *sb, const cw_alarm_list *l, const char *next_token, const char *rid)
{
    enc_query_begin(sb, "DescribeAlarms", SIM_NS_MONITORING);
    for (int composite = 0; composite < 2; composite++) {
        sb_append(sb, composite ? "<CompositeAlarms>" : "<MetricAlarms>");
        for (size_t i = 0; i < l->n; i++) {
            if ((l->items[i].alarm_type == CW_COMPOSITE_ALARM) != composite)
                continue;
            sb_append(sb, "<member>");
            (composite ? enc_xml_composite_alarm : enc_xml_alarm)(sb, &l->items[i]);
            sb_append(sb, "</member>");
        }
        sb_append(sb, composite ? "</CompositeAlarms>" : "</MetricAlarms>");
    }
    enc_xml_text(sb, "NextToken", next_token);
    enc_query_end(sb, "DescribeAlarms", rid);
}
