/* model.c — freeing the model's structs (see model.h for ownership rules). */
#include "services/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define F(field) free(x->field)

void lt_spec_free(lt_spec *x)
{
    F(launch_template_id);
    F(launch_template_name);
    F(version);
}

void asg_instance_free(asg_instance *x)
{
    F(instance_id);
    F(instance_type);
    F(availability_zone);
    F(lifecycle_state);
    F(health_status);
    F(launch_configuration_name);
    lt_spec_free(&x->launch_template);
}

void asg_group_free(asg_group *x)
{
    F(name);
    F(arn);
    F(launch_configuration_name);
    F(health_check_type);
    F(vpc_zone_identifier);
    F(status);
    lt_spec_free(&x->launch_template);
    strvec_free(&x->availability_zones);
    strvec_free(&x->load_balancer_names);
    strvec_free(&x->target_group_arns);
    strvec_free(&x->termination_policies);
    MODEL_LIST_FREE(x->instances, asg_instance_free);
    for (size_t i = 0; i < x->tags.n; i++) {
        free(x->tags.items[i].key);
        free(x->tags.items[i].value);
    }
    VEC_FREE(x->tags);
    for (size_t i = 0; i < x->suspended_processes.n; i++) {
        free(x->suspended_processes.items[i].process_name);
        free(x->suspended_processes.items[i].suspension_reason);
    }
    VEC_FREE(x->suspended_processes);
    for (size_t i = 0; i < x->traffic_sources.n; i++) {
        free(x->traffic_sources.items[i].identifier);
        free(x->traffic_sources.items[i].type);
    }
    VEC_FREE(x->traffic_sources);
    warm_pool_config_free(&x->warm_pool);
}

void warm_pool_config_free(warm_pool_config *x)
{
    F(pool_state);
    F(status);
}

void warm_pool_free(warm_pool *x)
{
    warm_pool_config_free(&x->config);
    MODEL_LIST_FREE(x->instances, asg_instance_free);
}

void refresh_prefs_copy(refresh_prefs *d, const refresh_prefs *s)
{
    *d = *s;
    memset(&d->checkpoint_percentages, 0, sizeof d->checkpoint_percentages);
    for (size_t i = 0; i < s->checkpoint_percentages.n; i++)
        VEC_PUSH(d->checkpoint_percentages, s->checkpoint_percentages.items[i]);
    d->scale_in_protected_instances = xstrdup(s->scale_in_protected_instances);
    d->standby_instances = xstrdup(s->standby_instances);
    memset(&d->alarms, 0, sizeof d->alarms);
    for (size_t i = 0; i < s->alarms.n; i++)
        strvec_push(&d->alarms, s->alarms.items[i]);
}

void refresh_prefs_free(refresh_prefs *x)
{
    VEC_FREE(x->checkpoint_percentages);
    F(scale_in_protected_instances);
    F(standby_instances);
    strvec_free(&x->alarms);
}

bool refresh_status_active(const char *status)
{
    static const char *const active[] = { "Pending", "InProgress", "Cancelling", "RollbackInProgress", "Baking" };
    for (size_t i = 0; status && i < ARRAY_LEN(active); i++)
        if (strcmp(status, active[i]) == 0)
            return true;
    return false;
}

void instance_refresh_free(instance_refresh *x)
{
    F(instance_refresh_id);
    F(auto_scaling_group_name);
    F(status);
    F(status_reason);
    F(strategy);
    refresh_prefs_free(&x->preferences);
    lt_spec_free(&x->desired_launch_template);
    free(x->rollback_details.rollback_reason);
}

void scaling_activity_free(scaling_activity *x)
{
    F(activity_id);
    F(auto_scaling_group_name);
    F(description);
    F(cause);
    F(status_code);
    F(status_message);
    F(details);
}

void ec2_instance_free(ec2_instance *x)
{
    F(instance_id);
    F(instance_type);
    F(image_id);
    F(private_ip_address);
    F(private_dns_name);
    F(state_name);
    F(availability_zone);
    F(subnet_id);
    F(vpc_id);
}

void lt_version_free(lt_version *x)
{
    F(launch_template_id);
    F(launch_template_name);
    F(version_description);
    F(image_id);
}

void target_group_free(target_group *x)
{
    F(target_group_arn);
    F(target_group_name);
    F(protocol);
    F(vpc_id);
    F(health_check_protocol);
    F(health_check_port);
    F(health_check_path);
    F(matcher_http_code);
    F(target_type);
    strvec_free(&x->load_balancer_arns);
}

void target_group_copy(target_group *dst, const target_group *src)
{
    *dst = *src; /* scalars */
    dst->target_group_arn = xstrdup(src->target_group_arn);
    dst->target_group_name = xstrdup(src->target_group_name);
    dst->protocol = xstrdup(src->protocol);
    dst->vpc_id = xstrdup(src->vpc_id);
    dst->health_check_protocol = xstrdup(src->health_check_protocol);
    dst->health_check_port = xstrdup(src->health_check_port);
    dst->health_check_path = xstrdup(src->health_check_path);
    dst->matcher_http_code = xstrdup(src->matcher_http_code);
    dst->target_type = xstrdup(src->target_type);
    memset(&dst->load_balancer_arns, 0, sizeof dst->load_balancer_arns);
    for (size_t i = 0; i < src->load_balancer_arns.n; i++)
        strvec_push(&dst->load_balancer_arns, src->load_balancer_arns.items[i]);
}

void target_health_desc_free(target_health_desc *x)
{
    F(target_id);
    F(target_availability_zone);
    F(health_check_port);
    F(state);
    F(reason);
    F(description);
}

void load_balancer_free(load_balancer *x)
{
    F(load_balancer_arn);
    F(load_balancer_name);
    F(dns_name);
    F(scheme);
    F(vpc_id);
    F(type);
    F(state_code);
}

void lb_action_free(lb_action *x)
{
    F(type);
    F(target_group_arn);
    for (size_t i = 0; i < x->forward_groups.n; i++)
        free(x->forward_groups.items[i].target_group_arn);
    VEC_FREE(x->forward_groups);
}

void lb_listener_free(lb_listener *x)
{
    F(listener_arn);
    F(load_balancer_arn);
    F(protocol);
    MODEL_LIST_FREE(x->default_actions, lb_action_free);
}

void lb_rule_free(lb_rule *x)
{
    F(rule_arn);
    F(priority);
    strvec_free(&x->condition_summaries);
    MODEL_LIST_FREE(x->actions, lb_action_free);
}

void ecr_repository_free(ecr_repository *x)
{
    F(repository_arn);
    F(registry_id);
    F(repository_name);
    F(repository_uri);
    F(image_tag_mutability);
    strvec_free(&x->mutability_exclusion_filters);
}

void ecr_image_detail_free(ecr_image_detail *x)
{
    F(registry_id);
    F(repository_name);
    F(image_digest);
    strvec_free(&x->image_tags);
    F(image_manifest_media_type);
    F(artifact_media_type);
    F(image_status);
    F(scan_status);
    F(scan_status_description);
    for (size_t i = 0; i < x->finding_severity_counts.n; i++)
        free(x->finding_severity_counts.items[i].severity);
    VEC_FREE(x->finding_severity_counts);
}

void ecr_image_free(ecr_image *x)
{
    F(registry_id);
    F(repository_name);
    F(image_digest);
    F(image_tag);
    F(image_manifest);
    F(image_manifest_media_type);
}

void ecr_image_failure_free(ecr_image_failure *x)
{
    F(image_digest);
    F(image_tag);
    F(failure_code);
    F(failure_reason);
}

void ecr_batch_get_result_free(ecr_batch_get_result *x)
{
    MODEL_LIST_FREE(x->images, ecr_image_free);
    MODEL_LIST_FREE(x->failures, ecr_image_failure_free);
}

void cw_alarm_free(cw_alarm *x)
{
    F(alarm_name);
    F(alarm_arn);
    F(alarm_description);
    F(state_value);
    F(state_reason);
    F(metric_name);
    F(namespace_);
    F(statistic);
    F(comparison_operator);
    for (size_t i = 0; i < x->metrics.n; i++) {
        cw_metric_query *q = &x->metrics.items[i];
        free(q->id);
        free(q->expression);
        free(q->label);
        free(q->metric_name);
        free(q->namespace_);
        free(q->stat);
    }
    VEC_FREE(x->metrics);
    F(threshold_metric_id);
    F(evaluation_state);
    F(alarm_rule);
}

void caller_identity_free(caller_identity *x)
{
    F(account);
    F(arn);
    F(user_id);
}

static int cmp_pushed_desc(const void *a, const void *b)
{
    const ecr_image_detail *x = a, *y = b;
    if (x->image_pushed_at != y->image_pushed_at)
        return x->image_pushed_at < y->image_pushed_at ? 1 : -1;
    return strcmp(x->image_digest ? x->image_digest : "", y->image_digest ? y->image_digest : "");
}

void ecr_images_sort_newest_first(ecr_image_detail_list *images)
{
    if (images->n > 1)
        qsort(images->items, images->n, sizeof *images->items, cmp_pushed_desc);
}

const ecr_image_detail *ecr_image_with_tag(const ecr_image_detail_list *l, const char *tag)
{
    for (size_t i = 0; l && tag && i < l->n; i++)
        if (strvec_contains(&l->items[i].image_tags, tag))
            return &l->items[i];
    return NULL;
}

const ecr_image_detail *ecr_image_with_digest(const ecr_image_detail_list *l, const char *digest)
{
    for (size_t i = 0; l && digest && i < l->n; i++)
        if (str_eq(l->items[i].image_digest, digest))
            return &l->items[i];
    return NULL;
}

const char *ecr_commit_tag(const ecr_image_detail *im, const char *live_tag, const char *stable_tag)
{
    for (size_t t = 0; im && t < im->image_tags.n; t++) {
        const char *tag = im->image_tags.items[t];
        if (!str_eq(tag, live_tag) && !str_eq(tag, stable_tag))
            return tag;
    }
    return NULL;
}

void ecr_short_digest(const char *digest, char *buf, size_t len)
{
    if (!digest) {
        snprintf(buf, len, "(none)");
        return;
    }
    const char *h = strncmp(digest, "sha256:", 7) == 0 ? digest + 7 : digest;
    snprintf(buf, len, "sha256:%.12s", h);
}

bool refresh_status_bad_end(const char *status)
{
    return str_eq(status, "Failed") || str_eq(status, "Cancelled") || str_eq(status, "RollbackFailed");
}

bool app_left_broken(const char *latest_status, const char *live_digest, const char *stable_digest)
{
    if (!refresh_status_bad_end(latest_status))
        return false;
    return !(live_digest && stable_digest && str_eq(live_digest, stable_digest));
}
