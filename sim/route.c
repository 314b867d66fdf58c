/* route.c — request identification and the operation table of `tarmac sim`: each
 * entry decodes its parameters (Query form or JSON body), calls the world and hands
 * the result to the encoders. Parameter names are botocore's serialized names
 * (Preferences.CheckpointPercentages.member.1, InstanceId.1, imageIds[].imageTag). */
#include "route.h"
#include "route_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "auth.h"
#include "sts.h"

/* ---------------- form decoding (form_decode: util.h) ---------------- */

int sim_form_parse(const char *s, size_t len, sim_form *out)
{
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && s[end] != '&')
            end++;
        if (end > i) {
            if (out->items.n >= SIM_FORM_MAX_PAIRS)
                return -1;
            size_t eq = i;
            while (eq < end && s[eq] != '=')
                eq++;
            sim_kv kv;
            kv.key = form_decode(s + i, eq - i);
            kv.value = eq < end ? form_decode(s + eq + 1, end - eq - 1) : xstrdup("");
            VEC_PUSH(out->items, kv);
        }
        i = end + 1;
    }
    return 0;
}

void sim_form_free(sim_form *f)
{
    for (size_t i = 0; i < f->items.n; i++) {
        free(f->items.items[i].key);
        free(f->items.items[i].value);
    }
    VEC_FREE(f->items);
}

const char *sim_form_get(const sim_form *f, const char *key)
{
    for (size_t i = 0; f && i < f->items.n; i++)
        if (str_eq(f->items.items[i].key, key))
            return f->items.items[i].value;
    return NULL;
}

void sim_form_list(const sim_form *f, const char *prefix, strvec *out)
{
    char key[256];
    for (int i = 1; i <= 1000; i++) {
        snprintf(key, sizeof key, "%s.%d", prefix, i);
        const char *v = sim_form_get(f, key);
        if (!v)
            break;
        strvec_push(out, v);
    }
}

/* ---------------- parameter helpers ---------------- */

sim_error route_ok(void)
{
    sim_error e;
    memset(&e, 0, sizeof e);
    return e;
}

sim_error route_bad(const op_ctx *c, const char *fmt, const char *arg)
{
    sim_error e = route_ok();
    const char *code = "ValidationError";
    if (c->rt->proto == SIM_PROTO_EC2)
        code = "InvalidParameterValue";
    else if (str_eq(c->rt->service, "ecr") || str_eq(c->rt->service, "ecs"))
        code = "InvalidParameterException";
    else if (str_eq(c->rt->service, "monitoring"))
        code = "InvalidParameterValue";
    str_copy(e.code, sizeof e.code, code);
    snprintf(e.message, sizeof e.message, fmt, arg ? arg : "");
    e.http_status = 400;
    return e;
}

sim_error route_missing(const op_ctx *c, const char *name)
{
    sim_error e = route_bad(c,
                            "1 validation error detected: Value null at '%s' failed to satisfy constraint: "
                            "Member must not be null",
                            name);
    if (c->rt->proto == SIM_PROTO_EC2) {
        str_copy(e.code, sizeof e.code, "MissingParameter");
        snprintf(e.message, sizeof e.message, "The request must contain the parameter %s", name);
    }
    return e;
}

/* Integer parameter: absent → *out unchanged, true. */
static bool parse_int(const char *s, long lo, long hi, int *out)
{
    if (!s)
        return true;
    errno = 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

static bool parse_bool(const char *s, bool *out)
{
    if (str_eq(s, "true")) {
        *out = true;
        return true;
    }
    if (str_eq(s, "false")) {
        *out = false;
        return true;
    }
    return false;
}

static const char *q(const op_ctx *c, const char *key)
{
    return sim_form_get(c->form, key);
}

static sim_error q_int(const op_ctx *c, const char *key, long lo, long hi, int *out)
{
    if (!parse_int(q(c, key), lo, hi, out))
        return route_bad(c, "Invalid value for parameter %s", key);
    return route_ok();
}

const char *route_j_str(const op_ctx *c, const char *key)
{
    json_object *v;
    if (!c->json || !json_object_object_get_ex(c->json, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

int route_j_int(const op_ctx *c, const char *key, int dflt)
{
    json_object *v;
    if (!c->json || !json_object_object_get_ex(c->json, key, &v) || !json_object_is_type(v, json_type_int))
        return dflt;
    int64_t x = json_object_get_int64(v);
    return x < 0 ? 0 : x > 100000 ? 100000 : (int)x;
}

void route_j_strlist(const op_ctx *c, const char *key, strvec *out)
{
    json_object *a;
    if (!c->json || !json_object_object_get_ex(c->json, key, &a) || !json_object_is_type(a, json_type_array))
        return;
    size_t n = json_object_array_length(a);
    for (size_t i = 0; i < n && i < 1000; i++) {
        json_object *v = json_object_array_get_idx(a, i);
        if (json_object_is_type(v, json_type_string))
            strvec_push(out, json_object_get_string(v));
    }
}

static void j_image_ids(const op_ctx *c, sim_image_id_list *out)
{
    json_object *a;
    if (!c->json || !json_object_object_get_ex(c->json, "imageIds", &a) || !json_object_is_type(a, json_type_array))
        return;
    size_t n = json_object_array_length(a);
    for (size_t i = 0; i < n && i < 1000; i++) {
        json_object *o = json_object_array_get_idx(a, i), *v;
        if (!json_object_is_type(o, json_type_object))
            continue;
        sim_image_id *id = VEC_NEW(*out);
        if (json_object_object_get_ex(o, "imageDigest", &v) && json_object_is_type(v, json_type_string))
            id->image_digest = xstrdup(json_object_get_string(v));
        if (json_object_object_get_ex(o, "imageTag", &v) && json_object_is_type(v, json_type_string))
            id->image_tag = xstrdup(json_object_get_string(v));
    }
}

static void set_xml(op_ctx *c)
{
    c->resp->content_type = "text/xml";
}
void route_set_json(op_ctx *c)
{
    c->resp->content_type =
        c->rt->proto == SIM_PROTO_JSON10 ? "application/x-amz-json-1.0" : "application/x-amz-json-1.1";
}

/* ---------------- autoscaling ---------------- */

static sim_error op_describe_asgs(op_ctx *c)
{
    strvec names = { 0 };
    sim_form_list(c->form, "AutoScalingGroupNames.member", &names);
    int max = 0;
    sim_error e = q_int(c, "MaxRecords", 1, 100, &max);
    asg_group_list out = { 0 };
    char *next = NULL;
    if (sim_ok(&e))
        e = world_describe_asgs(c->w, &names, q(c, "NextToken"), max, &out, &next);
    if (sim_ok(&e)) {
        set_xml(c);
        enc_xml_describe_groups(&c->resp->body, &out, next, c->rid);
    }
    MODEL_LIST_FREE(out, asg_group_free);
    free(next);
    strvec_free(&names);
    return e;
}

static sim_error op_describe_refreshes(op_ctx *c)
{
    const char *asg = q(c, "AutoScalingGroupName");
    if (!asg)
        return route_missing(c, "autoScalingGroupName");
    strvec ids = { 0 };
    sim_form_list(c->form, "InstanceRefreshIds.member", &ids);
    int max = 0;
    sim_error e = q_int(c, "MaxRecords", 1, 100, &max);
    instance_refresh_list out = { 0 };
    char *next = NULL;
    if (sim_ok(&e))
        e = world_describe_refreshes(c->w, asg, &ids, q(c, "NextToken"), max, &out, &next);
    if (sim_ok(&e)) {
        set_xml(c);
        enc_xml_describe_refreshes(&c->resp->body, &out, next, c->rid);
    }
    MODEL_LIST_FREE(out, instance_refresh_free);
    free(next);
    strvec_free(&ids);
    return e;
}

/* Preferences.* of StartInstanceRefresh into prefs; has_* set for what was sent. Only
 * the wire is checked here (integers, booleans): the world answers AWS's range and
 * combination rules (world_refresh_prefs.c). */
static sim_error parse_prefs(op_ctx *c, refresh_prefs *p, bool *any)
{
    static const struct {
        const char *key;
        size_t has_off, val_off;
    } ints[] = {
        { "Preferences.MinHealthyPercentage", offsetof(refresh_prefs, has_min_healthy_percentage),
          offsetof(refresh_prefs, min_healthy_percentage) },
        { "Preferences.MaxHealthyPercentage", offsetof(refresh_prefs, has_max_healthy_percentage),
          offsetof(refresh_prefs, max_healthy_percentage) },
        { "Preferences.InstanceWarmup", offsetof(refresh_prefs, has_instance_warmup),
          offsetof(refresh_prefs, instance_warmup) },
        { "Preferences.CheckpointDelay", offsetof(refresh_prefs, has_checkpoint_delay),
          offsetof(refresh_prefs, checkpoint_delay) },
        { "Preferences.BakeTime", offsetof(refresh_prefs, has_bake_time), offsetof(refresh_prefs, bake_time) },
    };
    *any = false;
    for (size_t i = 0; i < ARRAY_LEN(ints); i++) {
        const char *v = q(c, ints[i].key);
        if (!v)
            continue;
        int x;
        if (!parse_int(v, INT_MIN, INT_MAX, &x))
            return route_bad(c, "Invalid value for %s", ints[i].key);
        *(bool *)((char *)p + ints[i].has_off) = true;
        *(int *)((char *)p + ints[i].val_off) = x;
        *any = true;
    }
    static const struct {
        const char *key;
        size_t has_off, val_off;
    } bools[] = {
        { "Preferences.SkipMatching", offsetof(refresh_prefs, has_skip_matching),
          offsetof(refresh_prefs, skip_matching) },
        { "Preferences.AutoRollback", offsetof(refresh_prefs, has_auto_rollback),
          offsetof(refresh_prefs, auto_rollback) },
    };
    for (size_t i = 0; i < ARRAY_LEN(bools); i++) {
        const char *v = q(c, bools[i].key);
        if (!v)
            continue;
        bool b;
        if (!parse_bool(v, &b))
            return route_bad(c, "Invalid value for %s", bools[i].key);
        *(bool *)((char *)p + bools[i].has_off) = true;
        *(bool *)((char *)p + bools[i].val_off) = b;
        *any = true;
    }
    strvec cps = { 0 };
    sim_form_list(c->form, "Preferences.CheckpointPercentages.member", &cps);
    for (size_t i = 0; i < cps.n; i++) {
        int x;
        if (!parse_int(cps.items[i], INT_MIN, INT_MAX, &x)) {
            strvec_free(&cps);
            return route_bad(c, "Invalid value for %s", "Preferences.CheckpointPercentages");
        }
        VEC_PUSH(p->checkpoint_percentages, x);
        *any = true;
    }
    strvec_free(&cps);
    const char *s;
    if ((s = q(c, "Preferences.ScaleInProtectedInstances"))) {
        p->scale_in_protected_instances = xstrdup(s);
        *any = true;
    }
    if ((s = q(c, "Preferences.StandbyInstances"))) {
        p->standby_instances = xstrdup(s);
        *any = true;
    }
    sim_form_list(c->form, "Preferences.AlarmSpecification.Alarms.member", &p->alarms);
    if (p->alarms.n) {
        p->has_alarm_specification = true;
        *any = true;
    }
    return route_ok();
}

/* Whether the form has a parameter under prefix ("DesiredConfiguration."). */
static bool q_has_prefix(const op_ctx *c, const char *prefix)
{
    size_t n = strlen(prefix);
    for (size_t i = 0; c->form && i < c->form->items.n; i++)
        if (!strncmp(c->form->items.items[i].key, prefix, n))
            return true;
    return false;
}

static sim_error op_start_refresh(op_ctx *c)
{
    const char *asg = q(c, "AutoScalingGroupName");
    if (!asg)
        return route_missing(c, "autoScalingGroupName");
    refresh_prefs prefs;
    memset(&prefs, 0, sizeof prefs);
    bool have_prefs;
    sim_error e = parse_prefs(c, &prefs, &have_prefs);
    lt_spec lt = {
        .launch_template_id = (char *)q(c, "DesiredConfiguration.LaunchTemplate.LaunchTemplateId"),
        .launch_template_name = (char *)q(c, "DesiredConfiguration.LaunchTemplate.LaunchTemplateName"),
        .version = (char *)q(c, "DesiredConfiguration.LaunchTemplate.Version"),
    };
    /* a DesiredConfiguration without a launch template is sent on, for the world to refuse */
    bool have_lt = lt.launch_template_id || lt.launch_template_name || q_has_prefix(c, "DesiredConfiguration.");
    const char *strategy = q(c, "Strategy");
    char *id = NULL;
    if (sim_ok(&e))
        e = world_start_refresh(c->w, asg, strategy, have_prefs ? &prefs : NULL, have_lt ? &lt : NULL, &id);
    if (sim_ok(&e)) {
        set_xml(c);
        enc_xml_refresh_id(&c->resp->body, "StartInstanceRefresh", id, c->rid);
    }
    free(id);
    refresh_prefs_free(&prefs);
    return e;
}

static sim_error op_cancel_or_rollback(op_ctx *c, bool rollback)
{
    const char *asg = q(c, "AutoScalingGroupName");
    if (!asg)
        return route_missing(c, "autoScalingGroupName");
    char *id = NULL;
    bool wait = true; /* WaitForTransitioningInstances, true by default */
    const char *wv = q(c, "WaitForTransitioningInstances");
    if (wv && !parse_bool(wv, &wait))
        return route_bad(c, "Invalid value for %s", "WaitForTransitioningInstances");
    sim_error e = rollback ? world_rollback_refresh(c->w, asg, &id) : world_cancel_refresh(c->w, asg, wait, &id);
    if (sim_ok(&e)) {
        set_xml(c);
        enc_xml_refresh_id(&c->resp->body, rollback ? "RollbackInstanceRefresh" : "CancelInstanceRefresh", id, c->rid);
    }
    free(id);
    return e;
}
static sim_error op_cancel_refresh(op_ctx *c)
{
    return op_cancel_or_rollback(c, false);
}
static sim_error op_rollback_refresh(op_ctx *c)
{
    return op_cancel_or_rollback(c, true);
}

static sim_error op_describe_activities(op_ctx *c)
{
    strvec ids = { 0 };
    sim_form_list(c->form, "ActivityIds.member", &ids);
    int max = 0;
    sim_error e = q_int(c, "MaxRecords", 1, 100, &max);
    scaling_activity_list out = { 0 };
    char *next = NULL;
    if (sim_ok(&e))
        e = world_describe_activities(c->w, q(c, "AutoScalingGroupName"), &ids, q(c, "NextToken"), max, &out, &next);
    if (sim_ok(&e)) {
        set_xml(c);
        enc_xml_describe_activities(&c->resp->body, &out, next, c->rid);
    }
    MODEL_LIST_FREE(out, scaling_activity_free);
    free(next);
    strvec_free(&ids);
    return e;
}

static sim_error op_set_desired_capacity(op_ctx *c)
{
    const char *asg = q(c, "AutoScalingGroupName");
    if (!asg)
        return route_missing(c, "autoScalingGroupName");
    if (!q(c, "DesiredCapacity"))
        return route_missing(c, "desiredCapacity");
    int d = 0;
    sim_error e = q_int(c, "DesiredCapacity", 0, 100000, &d);
    if (sim_ok(&e))
        e = world_set_desired_capacity(c->w, asg, d);
    if (sim_ok(&e)) {
        set_xml(c);
        enc_xml_empty_answer(&c->resp->body, "SetDesiredCapacity", SIM_NS_AUTOSCALING, c->rid);
    }
    return e;
}

static sim_error op_describe_warm_pool(op_ctx *c)
{
    const char *asg = q(c, "AutoScalingGroupName");
    if (!asg)
        return route_missing(c, "autoScalingGroupName");
    int max = 0;
    sim_error e = q_int(c, "MaxRecords", 1, 1000, &max);
    warm_pool out;
    memset(&out, 0, sizeof out);
    char *next = NULL;
    if (sim_ok(&e))
        e = world_describe_warm_pool(c->w, asg, q(c, "NextToken"), max, &out, &next);
    if (sim_ok(&e)) {
        set_xml(c);
        enc_xml_describe_warm_pool(&c->resp->body, &out, next, c->rid);
    }
    warm_pool_free(&out);
    free(next);
    return e;
}

static sim_error op_processes(op_ctx *c, bool suspend)
{
    const char *asg = q(c, "AutoScalingGroupName");
    if (!asg)
        return route_missing(c, "autoScalingGroupName");
    strvec names = { 0 };
    sim_form_list(c->form, "ScalingProcesses.member", &names);
    sim_error e = suspend ? world_suspend_processes(c->w, asg, &names) : world_resume_processes(c->w, asg, &names);
    if (sim_ok(&e)) {
        set_xml(c);
        enc_xml_empty_answer(&c->resp->body, suspend ? "SuspendProcesses" : "ResumeProcesses", SIM_NS_AUTOSCALING,
                             c->rid);
    }
    strvec_free(&names);
    return e;
}
static sim_error op_suspend_processes(op_ctx *c)
{
    return op_processes(c, true);
}
static sim_error op_resume_processes(op_ctx *c)
{
    return op_processes(c, false);
}

/* ---------------- elbv2 ---------------- */

static sim_error op_describe_target_groups(op_ctx *c)
{
    strvec arns = { 0 }, names = { 0 };
    sim_form_list(c->form, "TargetGroupArns.member", &arns);
    sim_form_list(c->form, "Names.member", &names);
    int ps = 0;
    sim_error e = q_int(c, "PageSize", 1, 400, &ps);
    target_group_list out = { 0 };
    char *next = NULL;
    if (sim_ok(&e))
        e = world_describe_target_groups(c->w, &arns, &names, q(c, "LoadBalancerArn"), q(c, "Marker"), ps, &out, &next);
    if (sim_ok(&e)) {
        set_xml(c);
        enc_xml_target_groups(&c->resp->body, &out, next, c->rid);
    }
    MODEL_LIST_FREE(out, target_group_free);
    free(next);
    strvec_free(&arns);
    strvec_free(&names);
    return e;
}

static sim_error op_describe_target_health(op_ctx *c)
{
    const char *arn = q(c, "TargetGroupArn");
    if (!arn)
        return route_missing(c, "targetGroupArn");
    strvec ids = { 0 };
    char key[64];
    for (int i = 1; i <= 1000; i++) {
        snprintf(key, sizeof key, "Targets.member.%d.Id", i);
        const char *v = q(c, key);
        if (!v)
            break;
        strvec_push(&ids, v);
    }
    target_health_list out = { 0 };
    sim_error e = world_describe_target_health(c->w, arn, &ids, &out);
    if (sim_ok(&e)) {
        set_xml(c);
        enc_xml_target_health_list(&c->resp->body, &out, c->rid);
    }
    MODEL_LIST_FREE(out, target_health_desc_free);
    strvec_free(&ids);
    return e;
}

static sim_error op_describe_load_balancers(op_ctx *c)
{
    strvec arns = { 0 }, names = { 0 };
    sim_form_list(c->form, "LoadBalancerArns.member", &arns);
    sim_form_list(c->form, "Names.member", &names);
    int ps = 0;
    sim_error e = q_int(c, "PageSize", 1, 400, &ps);
    load_balancer_list out = { 0 };
    char *next = NULL;
    if (sim_ok(&e))
        e = world_describe_load_balancers(c->w, &arns, &names, q(c, "Marker"), ps, &out, &next);
    if (sim_ok(&e)) {
        set_xml(c);
        enc_xml_load_balancers(&c->resp->body, &out, next, c->rid);
    }
    MODEL_LIST_FREE(out, load_balancer_free);
    free(next);
    strvec_free(&arns);
    strvec_free(&names);
    return e;
}

static sim_error op_describe_listeners(op_ctx *c)
{
    strvec arns = { 0 };
    sim_form_list(c->form, "ListenerArns.member", &arns);
    int ps = 0;
    sim_error e = q_int(c, "PageSize", 1, 400, &ps);
    lb_listener_list out = { 0 };
    char *next = NULL;
    if (sim_ok(&e))
        e = world_describe_listeners(c->w, q(c, "LoadBalancerArn"), &arns, q(c, "Marker"), ps, &out, &next);
    if (sim_ok(&e)) {
        set_xml(c);
        enc_xml_listeners(&c->resp->body, &out, next, c->rid);
    }
    MODEL_LIST_FREE(out, lb_listener_free);
    free(next);
    strvec_free(&arns);
    return e;
}

static sim_error op_describe_rules(op_ctx *c)
{
    strvec arns = { 0 };
    sim_form_list(c->form, "RuleArns.member", &arns);
    int ps = 0;
    sim_error e = q_int(c, "PageSize", 1, 400, &ps);
    lb_rule_list out = { 0 };
    char *next = NULL;
    if (sim_ok(&e))
        e = world_describe_rules(c->w, q(c, "ListenerArn"), &arns, q(c, "Marker"), ps, &out, &next);
    if (sim_ok(&e)) {
        set_xml(c);
        enc_xml_rules(&c->resp->body, &out, next, c->rid);
    }
    MODEL_LIST_FREE(out, lb_rule_free);
    free(next);
    strvec_free(&arns);
    return e;
}

/* ---------------- ec2 ---------------- */

static sim_error op_describe_instances(op_ctx *c)
{
    strvec ids = { 0 };
    sim_form_list(c->form, "InstanceId", &ids);
    int max = 0;
    sim_error e = q_int(c, "MaxResults", 5, 1000, &max);
    ec2_instance_list out = { 0 };
    char *next = NULL;
    if (sim_ok(&e))
        e = world_describe_instances(c->w, &ids, q(c, "NextToken"), max, &out, &next);
    if (sim_ok(&e)) {
        set_xml(c);
        enc_xml_ec2_instances(&c->resp->body, &out, world_account_id(c->w), next, c->rid);
    }
    MODEL_LIST_FREE(out, ec2_instance_free);
    free(next);
    strvec_free(&ids);
    return e;
}

static sim_error op_describe_lt_versions(op_ctx *c)
{
    strvec versions = { 0 };
    sim_form_list(c->form, "LaunchTemplateVersion", &versions);
    lt_version_list out = { 0 };
    sim_error e =
        world_describe_lt_versions(c->w, q(c, "LaunchTemplateId"), q(c, "LaunchTemplateName"), &versions, &out);
    if (sim_ok(&e)) {
        set_xml(c);
        enc_xml_lt_versions(&c->resp->body, &out, NULL, c->rid);
    }
    MODEL_LIST_FREE(out, lt_version_free);
    strvec_free(&versions);
    return e;
}

/* ---------------- sts ---------------- */

static sim_error op_get_caller_identity(op_ctx *c)
{
    caller_identity id;
    memset(&id, 0, sizeof id);
    sim_error e = world_caller_identity(c->w, c->akid, &id);
    if (sim_ok(&e)) {
        set_xml(c);
        enc_xml_caller_identity(&c->resp->body, &id, c->rid);
    }
    caller_identity_free(&id);
    return e;
}

static sim_error op_assume(op_ctx *c, bool web)
{
    sts_assume_input in = {
        .caller = c->akid,
        .role_arn = q(c, "RoleArn"),
        .session_name = q(c, "RoleSessionName"),
        .duration = q(c, "DurationSeconds"),
        .external_id = web ? NULL : q(c, "ExternalId"),
        .serial_number = web ? NULL : q(c, "SerialNumber"),
        .token_code = web ? NULL : q(c, "TokenCode"),
        .web_identity_token = web ? (q(c, "WebIdentityToken") ? q(c, "WebIdentityToken") : "") : NULL,
    };
    const char *akid = NULL;
    sim_error e = sts_assume(c->w, &in, &akid);
    if (sim_ok(&e)) {
        set_xml(c);
        sts_encode(c->w, &c->resp->body, c->rt->op, akid, c->rid);
    }
    return e;
}

static sim_error op_assume_role(op_ctx *c)
{
    return op_assume(c, false);
}

/* The SSO portal: the front passes the bearer token where a signer's key would be. */
static sim_error op_sso_role_credentials(op_ctx *c)
{
    sim_error e = sts_sso_role_credentials(c->w, c->akid, q(c, "account_id"), q(c, "role_name"), &c->resp->body);
    if (sim_ok(&e))
        c->resp->content_type = "application/json";
    return e;
}
static sim_error op_assume_role_web(op_ctx *c)
{
    return op_assume(c, true);
}

/* ---------------- cloudwatch ---------------- */

static sim_error op_describe_alarms_query(op_ctx *c)
{
    strvec names = { 0 }, types = { 0 };
    sim_form_list(c->form, "AlarmNames.member", &names);
    sim_form_list(c->form, "AlarmTypes.member", &types);
    int max = 0;
    sim_error e = q_int(c, "MaxRecords", 1, 100, &max);
    cw_alarm_list out = { 0 };
    char *next = NULL;
    if (sim_ok(&e))
        e = world_describe_alarms(c->w, &names, q(c, "AlarmNamePrefix"), q(c, "StateValue"), &types, q(c, "NextToken"),
                                  max, &out, &next);
    if (sim_ok(&e)) {
        set_xml(c);
        enc_xml_alarms(&c->resp->body, &out, next, c->rid);
    }
    MODEL_LIST_FREE(out, cw_alarm_free);
    free(next);
    strvec_free(&names);
    strvec_free(&types);
    return e;
}

static sim_error op_describe_alarms_json(op_ctx *c)
{
    strvec names = { 0 }, types = { 0 };
    route_j_strlist(c, "AlarmNames", &names);
    route_j_strlist(c, "AlarmTypes", &types);
    cw_alarm_list out = { 0 };
    char *next = NULL;
    sim_error e =
        world_describe_alarms(c->w, &names, route_j_str(c, "AlarmNamePrefix"), route_j_str(c, "StateValue"), &types,
                              route_j_str(c, "NextToken"), route_j_int(c, "MaxRecords", 0), &out, &next);
    if (sim_ok(&e)) {
        route_set_json(c);
        enc_json_alarms(&c->resp->body, &out, next);
    }
    MODEL_LIST_FREE(out, cw_alarm_free);
    free(next);
    strvec_free(&names);
    strvec_free(&types);
    return e;
}

/* ---------------- ecr ---------------- */

static sim_error op_ecr_describe_repositories(op_ctx *c)
{
    strvec names = { 0 };
    route_j_strlist(c, "repositoryNames", &names);
    ecr_repository_list out = { 0 };
    char *next = NULL;
    sim_error e =
        world_ecr_describe_repositories(c->w, route_j_str(c, "registryId"), &names, route_j_str(c, "nextToken"),
                                        route_j_int(c, "maxResults", 0), &out, &next);
    if (sim_ok(&e)) {
        route_set_json(c);
        enc_json_repositories(&c->resp->body, &out, next);
    }
    MODEL_LIST_FREE(out, ecr_repository_free);
    free(next);
    strvec_free(&names);
    return e;
}

static sim_error op_ecr_describe_images(op_ctx *c)
{
    const char *repo = route_j_str(c, "repositoryName");
    if (!repo)
        return route_missing(c, "repositoryName");
    sim_image_id_list ids = { 0 };
    j_image_ids(c, &ids);
    const char *tag_status = NULL, *image_status = NULL;
    json_object *filter, *v;
    if (c->json && json_object_object_get_ex(c->json, "filter", &filter) &&
        json_object_is_type(filter, json_type_object)) {
        if (json_object_object_get_ex(filter, "tagStatus", &v) && json_object_is_type(v, json_type_string))
            tag_status = json_object_get_string(v);
        if (json_object_object_get_ex(filter, "imageStatus", &v) && json_object_is_type(v, json_type_string))
            image_status = json_object_get_string(v);
    }
    ecr_image_detail_list out = { 0 };
    char *next = NULL;
    sim_error e = world_ecr_describe_images(c->w, route_j_str(c, "registryId"), repo, &ids, tag_status, image_status,
                                            route_j_str(c, "nextToken"), route_j_int(c, "maxResults", 0), &out, &next);
    if (sim_ok(&e)) {
        route_set_json(c);
        enc_json_image_details(&c->resp->body, &out, next);
    }
    MODEL_LIST_FREE(out, ecr_image_detail_free);
    free(next);
    sim_image_id_list_free(&ids);
    return e;
}

static sim_error op_ecr_batch_get_image(op_ctx *c)
{
    const char *repo = route_j_str(c, "repositoryName");
    if (!repo)
        return route_missing(c, "repositoryName");
    sim_image_id_list ids = { 0 };
    j_image_ids(c, &ids);
    strvec accepted = { 0 };
    route_j_strlist(c, "acceptedMediaTypes", &accepted);
    ecr_batch_get_result out;
    memset(&out, 0, sizeof out);
    sim_error e = world_ecr_batch_get_image(c->w, route_j_str(c, "registryId"), repo, &ids, &accepted, &out);
    if (sim_ok(&e)) {
        route_set_json(c);
        enc_json_batch_get(&c->resp->body, &out, false);
    }
    ecr_batch_get_result_free(&out);
    strvec_free(&accepted);
    sim_image_id_list_free(&ids);
    return e;
}

static sim_error op_ecr_put_image(op_ctx *c)
{
    const char *repo = route_j_str(c, "repositoryName");
    if (!repo)
        return route_missing(c, "repositoryName");
    json_object *m;
    if (!c->json || !json_object_object_get_ex(c->json, "imageManifest", &m) ||
        !json_object_is_type(m, json_type_string))
        return route_missing(c, "imageManifest");
    ecr_image out;
    memset(&out, 0, sizeof out);
    sim_error e = world_ecr_put_image(c->w, route_j_str(c, "registryId"), repo, json_object_get_string(m),
                                      (size_t)json_object_get_string_len(m), route_j_str(c, "imageManifestMediaType"),
                                      route_j_str(c, "imageTag"), route_j_str(c, "imageDigest"), &out);
    if (sim_ok(&e)) {
        route_set_json(c);
        enc_json_put_image(&c->resp->body, &out);
    }
    ecr_image_free(&out);
    return e;
}

static sim_error op_ecr_update_storage_class(op_ctx *c)
{
    const char *repo = route_j_str(c, "repositoryName");
    if (!repo)
        return route_missing(c, "repositoryName");
    const char *target = route_j_str(c, "targetStorageClass");
    if (!target)
        return route_missing(c, "targetStorageClass");
    json_object *idj, *v;
    sim_image_id id = { 0 };
    if (c->json && json_object_object_get_ex(c->json, "imageId", &idj) && json_object_is_type(idj, json_type_object)) {
        if (json_object_object_get_ex(idj, "imageDigest", &v) && json_object_is_type(v, json_type_string))
            id.image_digest = (char *)json_object_get_string(v);
        if (json_object_object_get_ex(idj, "imageTag", &v) && json_object_is_type(v, json_type_string))
            id.image_tag = (char *)json_object_get_string(v);
    } else {
        return route_missing(c, "imageId");
    }
    ecr_image_detail out;
    memset(&out, 0, sizeof out);
    sim_error e = world_ecr_update_storage_class(c->w, route_j_str(c, "registryId"), repo, &id, target, &out);
    if (sim_ok(&e)) {
        route_set_json(c);
        enc_json_storage_class(&c->resp->body, &out);
    }
    ecr_image_detail_free(&out);
    return e;
}

static sim_error op_ecr_batch_delete_image(op_ctx *c)
{
    const char *repo = route_j_str(c, "repositoryName");
    if (!repo)
        return route_missing(c, "repositoryName");
    sim_image_id_list ids = { 0 }, deleted = { 0 };
    sim_image_failure_list failures = { 0 };
    j_image_ids(c, &ids);
    sim_error e = world_ecr_batch_delete_image(c->w, route_j_str(c, "registryId"), repo, &ids, &deleted, &failures);
    if (sim_ok(&e)) {
        route_set_json(c);
        json_object *o = json_object_new_object(), *a = json_object_new_array(), *f = json_object_new_array();
        for (size_t i = 0; i < deleted.n; i++) {
            json_object *id = json_object_new_object();
            enc_json_add_str(id, "imageDigest", deleted.items[i].image_digest);
            enc_json_add_str(id, "imageTag", deleted.items[i].image_tag);
            json_object_array_add(a, id);
        }
        for (size_t i = 0; i < failures.n; i++)
            json_object_array_add(f, enc_json_image_failure(&failures.items[i]));
        json_object_object_add(o, "imageIds", a);
        json_object_object_add(o, "failures", f);
        enc_json_finish(&c->resp->body, o);
    }
    sim_image_id_list_free(&ids);
    sim_image_id_list_free(&deleted);
    sim_image_failure_list_free(&failures);
    return e;
}

/* ---------------- the table ---------------- */

typedef struct route_op {
    const char *service;
    const char *op;
    sim_proto proto;
    sim_error (*fn)(op_ctx *c);
} route_op;

static const route_op ops[] = {
    { "autoscaling", "DescribeAutoScalingGroups", SIM_PROTO_QUERY, op_describe_asgs },
    { "autoscaling", "DescribeInstanceRefreshes", SIM_PROTO_QUERY, op_describe_refreshes },
    { "autoscaling", "StartInstanceRefresh", SIM_PROTO_QUERY, op_start_refresh },
    { "autoscaling", "CancelInstanceRefresh", SIM_PROTO_QUERY, op_cancel_refresh },
    { "autoscaling", "RollbackInstanceRefresh", SIM_PROTO_QUERY, op_rollback_refresh },
    { "autoscaling", "DescribeScalingActivities", SIM_PROTO_QUERY, op_describe_activities },
    { "autoscaling", "SetDesiredCapacity", SIM_PROTO_QUERY, op_set_desired_capacity },
    { "autoscaling", "DescribeWarmPool", SIM_PROTO_QUERY, op_describe_warm_pool },
    { "autoscaling", "SuspendProcesses", SIM_PROTO_QUERY, op_suspend_processes },
    { "autoscaling", "ResumeProcesses", SIM_PROTO_QUERY, op_resume_processes },
    { "elasticloadbalancing", "DescribeTargetGroups", SIM_PROTO_QUERY, op_describe_target_groups },
    { "elasticloadbalancing", "DescribeTargetHealth", SIM_PROTO_QUERY, op_describe_target_health },
    { "elasticloadbalancing", "DescribeLoadBalancers", SIM_PROTO_QUERY, op_describe_load_balancers },
    { "elasticloadbalancing", "DescribeListeners", SIM_PROTO_QUERY, op_describe_listeners },
    { "elasticloadbalancing", "DescribeRules", SIM_PROTO_QUERY, op_describe_rules },
    { "ec2", "DescribeInstances", SIM_PROTO_EC2, op_describe_instances },
    { "ec2", "DescribeLaunchTemplateVersions", SIM_PROTO_EC2, op_describe_lt_versions },
    { "sts", "GetCallerIdentity", SIM_PROTO_QUERY, op_get_caller_identity },
    { "sts", "AssumeRole", SIM_PROTO_QUERY, op_assume_role },
    { "sts", "AssumeRoleWithWebIdentity", SIM_PROTO_QUERY, op_assume_role_web },
    { "awsssoportal", "GetRoleCredentials", SIM_PROTO_JSON11, op_sso_role_credentials },
    { "monitoring", "DescribeAlarms", SIM_PROTO_QUERY, op_describe_alarms_query },
    { "monitoring", "DescribeAlarms", SIM_PROTO_JSON10, op_describe_alarms_json },
    { "ecr", "DescribeRepositories", SIM_PROTO_JSON11, op_ecr_describe_repositories },
    { "ecr", "DescribeImages", SIM_PROTO_JSON11, op_ecr_describe_images },
    { "ecr", "BatchGetImage", SIM_PROTO_JSON11, op_ecr_batch_get_image },
    { "ecr", "PutImage", SIM_PROTO_JSON11, op_ecr_put_image },
    { "ecr", "BatchDeleteImage", SIM_PROTO_JSON11, op_ecr_batch_delete_image },
    { "ecr", "UpdateImageStorageClass", SIM_PROTO_JSON11, op_ecr_update_storage_class },
    { "ecs", "ListClusters", SIM_PROTO_JSON11, op_ecs_list_clusters },
    { "ecs", "DescribeClusters", SIM_PROTO_JSON11, op_ecs_describe_clusters },
    { "ecs", "ListServices", SIM_PROTO_JSON11, op_ecs_list_services },
    { "ecs", "DescribeServices", SIM_PROTO_JSON11, op_ecs_describe_services },
    { "ecs", "ListTasks", SIM_PROTO_JSON11, op_ecs_list_tasks },
    { "ecs", "DescribeTasks", SIM_PROTO_JSON11, op_ecs_describe_tasks },
    { "ecs", "ListTaskDefinitions", SIM_PROTO_JSON11, op_ecs_list_task_definitions },
    { "ecs", "DescribeTaskDefinition", SIM_PROTO_JSON11, op_ecs_describe_task_definition },
    { "ecs", "RegisterTaskDefinition", SIM_PROTO_JSON11, op_ecs_register_task_definition },
    { "ecs", "UpdateService", SIM_PROTO_JSON11, op_ecs_update_service },
    { "ecs", "ListServiceDeployments", SIM_PROTO_JSON11, op_ecs_list_service_deployments },
    { "ecs", "DescribeServiceDeployments", SIM_PROTO_JSON11, op_ecs_describe_service_deployments },
    { "ecs", "StopServiceDeployment", SIM_PROTO_JSON11, op_ecs_stop_service_deployment },
};

size_t route_op_count(void)
{
    return ARRAY_LEN(ops);
}

const char *route_op_name(size_t i, const char **service)
{
    if (i >= ARRAY_LEN(ops))
        return NULL;
    if (service)
        *service = ops[i].service;
    return ops[i].op;
}

static int find_op(const char *service, const char *op, sim_proto proto)
{
    for (size_t i = 0; i < ARRAY_LEN(ops); i++) {
        bool json = proto == SIM_PROTO_JSON10 || proto == SIM_PROTO_JSON11;
        bool op_json = ops[i].proto == SIM_PROTO_JSON10 || ops[i].proto == SIM_PROTO_JSON11;
        if (json != op_json)
            continue;
        if ((!service || str_eq(ops[i].service, service)) && str_eq(ops[i].op, op))
            return (int)i;
    }
    return -1;
}

static const struct {
    const char *prefix;
    const char *service;
    sim_proto proto;
} json_targets[] = {
    { "AmazonEC2ContainerRegistry_V20150921.", "ecr", SIM_PROTO_JSON11 },
    { "AmazonEC2ContainerServiceV20141113.", "ecs", SIM_PROTO_JSON11 },
    { "GraniteServiceVersion20100801.", "monitoring", SIM_PROTO_JSON10 },
};

static sim_error route_err(const char *code, int status, const char *fmt, const char *arg)
{
    sim_error e = route_ok();
    str_copy(e.code, sizeof e.code, code);
    snprintf(e.message, sizeof e.message, fmt, arg ? arg : "");
    e.http_status = status;
    return e;
}

bool route_identify(const sim_request *req, const sim_form *form, sim_route *rt, sim_error *err)
{
    memset(rt, 0, sizeof *rt);
    rt->index = -1;
    *err = route_ok();
    if (req->path && str_eq(req->path, "/federation/credentials")) { /* SSO portal, rest-json */
        rt->proto = SIM_PROTO_JSON11;
        str_copy(rt->service, sizeof rt->service, "awsssoportal");
        str_copy(rt->op, sizeof rt->op, "GetRoleCredentials");
        rt->index = find_op(rt->service, rt->op, rt->proto);
        return true;
    }
    const char *target = sim_request_header(req, "X-Amz-Target");
    if (target) {
        const char *ct = sim_request_header(req, "Content-Type");
        rt->proto = ct && strstr(ct, "json-1.0") ? SIM_PROTO_JSON10 : SIM_PROTO_JSON11;
        for (size_t i = 0; i < ARRAY_LEN(json_targets); i++) {
            size_t n = strlen(json_targets[i].prefix);
            if (strncmp(target, json_targets[i].prefix, n) != 0)
                continue;
            rt->proto = json_targets[i].proto;
            str_copy(rt->service, sizeof rt->service, json_targets[i].service);
            str_copy(rt->op, sizeof rt->op, target + n);
            rt->index = find_op(rt->service, rt->op, rt->proto);
            break;
        }
        if (rt->index < 0) {
            *err = route_err("UnknownOperationException", 400, "%s", "");
            return false;
        }
        return true;
    }

    rt->proto = SIM_PROTO_QUERY;
    const char *action = sim_form_get(form, "Action");
    char scope[32] = "";
    bool have_scope = auth_scope_service(req, scope, sizeof scope);
    if (have_scope && str_eq(scope, "ec2"))
        rt->proto = SIM_PROTO_EC2;
    if (!action || !*action) {
        *err = route_err("MissingAction", 400, "Could not find operation%s", "");
        return false;
    }
    str_copy(rt->op, sizeof rt->op, action);
    rt->index = find_op(have_scope ? scope : NULL, action, SIM_PROTO_QUERY);
    if (rt->index < 0) {
        *err = route_err("InvalidAction", 400, "The action %s is not valid for this web service.", action);
        return false;
    }
    str_copy(rt->service, sizeof rt->service, ops[rt->index].service);
    rt->proto = ops[rt->index].proto;
    return true;
}

void route_dispatch(sim_front *f, const sim_route *rt, const sim_form *form, json_object *json,
                    const char *access_key_id, sim_response *resp)
{
    op_ctx c = {
        .f = f,
        .w = f->world,
        .rt = rt,
        .form = form,
        .json = json,
        .akid = access_key_id,
        .resp = resp,
        .rid = resp->request_id,
    };
    sim_error e;
    if (rt->index < 0 || (size_t)rt->index >= ARRAY_LEN(ops))
        e = route_err("InvalidAction", 400, "%s", "");
    else
        e = ops[rt->index].fn(&c);
    if (!sim_ok(&e)) {
        sb_reset(&resp->body);
        sim_front_error(resp, rt->proto, e.http_status, e.code, e.message);
        return;
    }
    resp->status = 200;
}
