/* refresh_rules.c — the table of StartInstanceRefresh preference rules (see
 * refresh_rules.h for where each comes from). One function per rule: it returns
 * true when the preferences break it and says how, with the values. */
#include "services/refresh_rules.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

#define RR_ARGS const refresh_prefs *p, const refresh_rule_ctx *c, char *t, size_t n

typedef struct refresh_rule {
    const char *id, *key, *member;
    bool aws;
    bool plan_only; /* needs what only a plan knows */
    bool (*broken)(RR_ARGS);
} refresh_rule;

/* RefreshPreferences.MinHealthyPercentage: "Value range is 0 to 100." */
static bool min_range(RR_ARGS)
{
    (void)c;
    if (!p->has_min_healthy_percentage || (p->min_healthy_percentage >= 0 && p->min_healthy_percentage <= 100))
        return false;
    snprintf(t, n, "MinHealthyPercentage must be 0 to 100, got %d", p->min_healthy_percentage);
    return true;
}

/* MaxHealthyPercentage: "Value range is 100 to 200." */
static bool max_range(RR_ARGS)
{
    (void)c;
    if (!p->has_max_healthy_percentage || (p->max_healthy_percentage >= 100 && p->max_healthy_percentage <= 200))
        return false;
    snprintf(t, n, "MaxHealthyPercentage must be 100 to 200, got %d", p->max_healthy_percentage);
    return true;
}

/* "If you specify MaxHealthyPercentage, you must also specify MinHealthyPercentage" */
static bool max_needs_min(RR_ARGS)
{
    (void)c;
    if (!p->has_max_healthy_percentage || p->has_min_healthy_percentage)
        return false;
    snprintf(t, n, "MaxHealthyPercentage (%d) needs MinHealthyPercentage too", p->max_healthy_percentage);
    return true;
}

/* "... and the difference between them cannot be greater than 100." */
static bool max_min_spread(RR_ARGS)
{
    (void)c;
    /* (an out-of-range value is reported by its own rule only) */
    if (!p->has_max_healthy_percentage || !p->has_min_healthy_percentage || p->max_healthy_percentage > 200 ||
        p->min_healthy_percentage < 0 || p->max_healthy_percentage - p->min_healthy_percentage <= 100)
        return false;
    snprintf(t, n, "MaxHealthyPercentage (%d) may exceed MinHealthyPercentage (%d) by at most 100",
             p->max_healthy_percentage, p->min_healthy_percentage);
    return true;
}

/* InstanceWarmup: minimum 0 (botocore's model). */
static bool warmup_range(RR_ARGS)
{
    (void)c;
    if (!p->has_instance_warmup || p->instance_warmup >= 0)
        return false;
    snprintf(t, n, "InstanceWarmup must be 0 or more seconds, got %d", p->instance_warmup);
    return true;
}

/* CheckpointPercentages members: 1 to 100 (botocore's model). */
static bool checkpoint_range(RR_ARGS)
{
    (void)c;
    for (size_t i = 0; i < p->checkpoint_percentages.n; i++) {
        int v = p->checkpoint_percentages.items[i];
        if (v < 1 || v > 100) {
            snprintf(t, n, "CheckpointPercentages must each be 1 to 100, got %d", v);
            return true;
        }
    }
    return false;
}

/* "Threshold values for each checkpoint in ascending order. Each number must be unique." */
static bool checkpoint_order(RR_ARGS)
{
    (void)c;
    for (size_t i = 1; i < p->checkpoint_percentages.n; i++) {
        int a = p->checkpoint_percentages.items[i - 1], b = p->checkpoint_percentages.items[i];
        if (b <= a) {
            snprintf(t, n, "CheckpointPercentages must be ascending and unique, got %d after %d", b, a);
            return true;
        }
    }
    return false;
}

/* tarmac's own: "To replace all instances ..., the last number in the array must be
 * 100." A deploy that stopped at 50 % would end Successful with half the fleet on the
 * old image. */
static bool checkpoint_last(RR_ARGS)
{
    (void)c;
    size_t k = p->checkpoint_percentages.n;
    if (!k || p->checkpoint_percentages.items[k - 1] >= 100 || p->checkpoint_percentages.items[k - 1] < 1)
        return false; /* (out of range: its own rule) */
    snprintf(t, n,
             "the last of CheckpointPercentages must be 100, got %d: AWS would end the refresh "
             "Successful with the rest of the group on the old image (tarmac's own rule)",
             p->checkpoint_percentages.items[k - 1]);
    return true;
}

/* CheckpointDelay: "if you specify a value for it, you must also specify a value
 * for CheckpointPercentages". */
static bool delay_needs_checkpoints(RR_ARGS)
{
    (void)c;
    if (!p->has_checkpoint_delay || p->checkpoint_percentages.n)
        return false;
    snprintf(t, n, "CheckpointDelay (%d) needs CheckpointPercentages too", p->checkpoint_delay);
    return true;
}

/* CheckpointDelay: 0 to 172800 (botocore's model). */
static bool delay_range(RR_ARGS)
{
    (void)c;
    if (!p->has_checkpoint_delay || (p->checkpoint_delay >= 0 && p->checkpoint_delay <= 172800))
        return false;
    snprintf(t, n, "CheckpointDelay must be 0 to 172800 seconds, got %d", p->checkpoint_delay);
    return true;
}

/* BakeTime: "Minimum value of 0. Maximum value of 172800." */
static bool bake_range(RR_ARGS)
{
    (void)c;
    if (!p->has_bake_time || (p->bake_time >= 0 && p->bake_time <= 172800))
        return false;
    snprintf(t, n, "BakeTime must be 0 to 172800 seconds, got %d", p->bake_time);
    return true;
}

/* AlarmSpecification.Alarms: "You can specify up to 10 alarms." An empty list
 * watches nothing: tarmac's own rule (say what to watch, or leave it out). */
static bool alarm_count(RR_ARGS)
{
    (void)c;
    if (!p->has_alarm_specification || (p->alarms.n >= 1 && p->alarms.n <= 10))
        return false;
    if (p->alarms.n == 0)
        snprintf(t, n, "AlarmSpecification names no alarm: name 1 to 10 alarms, or leave it out");
    else
        snprintf(t, n, "AlarmSpecification names %zu alarms; AWS takes up to 10", p->alarms.n);
    return true;
}

/* Alarms members: 1 to 255 characters of XML text (botocore's model). */
static bool alarm_names(RR_ARGS)
{
    (void)c;
    for (size_t i = 0; p->has_alarm_specification && i < p->alarms.n; i++) {
        const char *a = p->alarms.items[i];
        size_t len = a ? strlen(a) : 0;
        bool ctl = false;
        for (size_t k = 0; k < len; k++)
            if ((unsigned char)a[k] < 0x20 && a[k] != '\t' && a[k] != '\n' && a[k] != '\r')
                ctl = true;
        if (len < 1 || len > 255 || ctl) {
            snprintf(t, n,
                     "AlarmSpecification's alarm %zu is not a CloudWatch alarm name (1 to 255 characters, "
                     "no control characters)",
                     i + 1);
            return true;
        }
    }
    return false;
}

static bool one_of(const char *v, const char *const *choices)
{
    for (; *choices; choices++)
        if (strcmp(v, *choices) == 0)
            return true;
    return false;
}

/* ScaleInProtectedInstances: Refresh | Ignore | Wait. */
static bool scale_in_enum(RR_ARGS)
{
    (void)c;
    static const char *const ok[] = { "Refresh", "Ignore", "Wait", NULL };
    if (!p->scale_in_protected_instances || one_of(p->scale_in_protected_instances, ok))
        return false;
    snprintf(t, n, "ScaleInProtectedInstances must be Refresh, Ignore or Wait, got '%.40s'",
             p->scale_in_protected_instances);
    return true;
}

/* StandbyInstances: Terminate | Ignore | Wait. */
static bool standby_enum(RR_ARGS)
{
    (void)c;
    static const char *const ok[] = { "Terminate", "Ignore", "Wait", NULL };
    if (!p->standby_instances || one_of(p->standby_instances, ok))
        return false;
    snprintf(t, n, "StandbyInstances must be Terminate, Ignore or Wait, got '%.40s'", p->standby_instances);
    return true;
}

/* AutoRollback: "A rollback is not supported ... There is no desired configuration
 * specified for the instance refresh." */
static bool rollback_needs_desired(RR_ARGS)
{
    if (!p->has_auto_rollback || !p->auto_rollback || c->has_desired_configuration)
        return false;
    snprintf(t, n, "AutoRollback needs a DesiredConfiguration, and this refresh has none");
    return true;
}

/* "... The Auto Scaling group uses the launch template's $Latest or $Default version." */
static bool rollback_pinned_version(RR_ARGS)
{
    if (!p->has_auto_rollback || !p->auto_rollback)
        return false;
    const char *v[] = { c->group_lt_version, c->desired_lt_version };
    for (size_t i = 0; i < ARRAY_LEN(v); i++)
        if (str_eq(v[i], "$Latest") || str_eq(v[i], "$Default")) {
            snprintf(t, n, "AutoRollback is not supported when the %s uses the launch template's %s version",
                     i == 0 ? "group" : "desired configuration", v[i]);
            return true;
        }
    return false;
}

static const refresh_rule rules[] = {
    { "min-healthy-range", "min_healthy_percentage", "MinHealthyPercentage", true, false, min_range },
    { "max-healthy-range", "max_healthy_percentage", "MaxHealthyPercentage", true, false, max_range },
    { "max-healthy-needs-min", "max_healthy_percentage", "MaxHealthyPercentage", true, false, max_needs_min },
    { "max-minus-min-at-most-100", "max_healthy_percentage", "MaxHealthyPercentage", true, false, max_min_spread },
    { "warmup-range", "instance_warmup", "InstanceWarmup", true, false, warmup_range },
    { "checkpoint-range", "checkpoint_percentages", "CheckpointPercentages", true, false, checkpoint_range },
    { "checkpoint-ascending-unique", "checkpoint_percentages", "CheckpointPercentages", true, false, checkpoint_order },
    { "checkpoint-last-100", "checkpoint_percentages", "CheckpointPercentages", false, false, checkpoint_last },
    { "checkpoint-delay-needs-percentages", "checkpoint_delay", "CheckpointDelay", true, false,
      delay_needs_checkpoints },
    { "checkpoint-delay-range", "checkpoint_delay", "CheckpointDelay", true, false, delay_range },
    { "bake-time-range", "bake_time", "BakeTime", true, false, bake_range },
    { "alarms-count", "alarms", "AlarmSpecification", true, false, alarm_count },
    { "alarm-name", "alarms", "AlarmSpecification", true, false, alarm_names },
    { "scale-in-protected-enum", "scale_in_protected_instances", "ScaleInProtectedInstances", true, false,
      scale_in_enum },
    { "standby-enum", "standby_instances", "StandbyInstances", true, false, standby_enum },
    { "auto-rollback-needs-desired", "auto_rollback", "AutoRollback", true, true, rollback_needs_desired },
    { "auto-rollback-pinned-version", "auto_rollback", "AutoRollback", true, true, rollback_pinned_version },
};

size_t refresh_rules_check(const refresh_prefs *p, const refresh_rule_ctx *ctx, refresh_violation *out, size_t max)
{
    static const refresh_rule_ctx none;
    if (!ctx)
        ctx = &none;
    size_t found = 0;
    for (size_t i = 0; i < ARRAY_LEN(rules); i++) {
        const refresh_rule *r = &rules[i];
        if (r->plan_only && !ctx->plan)
            continue;
        char text[sizeof out->text];
        if (!r->broken(p, ctx, text, sizeof text))
            continue;
        if (found < max) {
            refresh_violation *v = &out[found];
            v->rule = r->id;
            v->key = r->key;
            v->member = r->member;
            v->aws = r->aws;
            str_copy(v->text, sizeof v->text, text);
        }
        found++;
    }
    return found;
}

const char *const *refresh_rules_ids(size_t *n)
{
    static const char *ids[ARRAY_LEN(rules) + 1];
    for (size_t i = 0; i < ARRAY_LEN(rules); i++)
        ids[i] = rules[i].id;
    *n = ARRAY_LEN(rules);
    return ids;
}
