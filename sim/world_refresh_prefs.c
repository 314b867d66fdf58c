/* world_refresh_prefs.c — what StartInstanceRefresh accepts. Every rule the API
 * reference documents for RefreshPreferences, AlarmSpecification, DesiredConfiguration
 * and Strategy is checked, and a breach answers ValidationError (400): a member out of
 * its range or enum in AWS's constraint wording ("1 validation error detected: ..."),
 * the documented combinations with a sentence in AWS's style. Then AWS's defaults are
 * filled in, so DescribeInstanceRefreshes shows the effective preferences.
 * Sources: docs/simulator.md ("Refusing what AWS refuses"). */
#include "world_int.h"

#include <stdio.h>
#include <stdlib.h>

#define CHECKPOINT_DELAY_MAX 172800 /* RefreshPreferences.CheckpointDelay */
#define BAKE_TIME_MAX        172800 /* RefreshPreferences.BakeTime */
#define ALARMS_MAX           10     /* AlarmSpecification.Alarms */

static sim_error below(const char *member, long long v, long long min)
{
    return w_err("ValidationError", 400,
                 "1 validation error detected: Value '%lld' at '%s' failed to satisfy constraint: "
                 "Member must have value greater than or equal to %lld",
                 v, member, min);
}

static sim_error above(const char *member, long long v, long long max)
{
    return w_err("ValidationError", 400,
                 "1 validation error detected: Value '%lld' at '%s' failed to satisfy constraint: "
                 "Member must have value less than or equal to %lld",
                 v, member, max);
}

static sim_error range(const char *member, long long v, long long min, long long max)
{
    if (v < min)
        return below(member, v, min);
    if (v > max)
        return above(member, v, max);
    return w_okv();
}

/* NULL = absent, which every enum member allows. */
static sim_error one_of(const char *member, const char *v, const char *const *set, size_t n)
{
    if (!v)
        return w_okv();
    char list[160] = "";
    for (size_t i = 0; i < n; i++) {
        if (str_eq(v, set[i]))
            return w_okv();
        size_t l = strlen(list);
        snprintf(list + l, sizeof list - l, "%s%s", i ? ", " : "", set[i]);
    }
    return w_err("ValidationError", 400,
                 "1 validation error detected: Value '%.64s' at '%s' failed to satisfy constraint: "
                 "Member must satisfy enum value set: [%s]",
                 v, member, list);
}

/* The members one at a time, in the order the API reference lists them. */
static sim_error check_members(const refresh_prefs *p, const char *strategy)
{
    static const char *const strategies[] = { "Rolling", "ReplaceRootVolume" };
    static const char *const protected_[] = { "Refresh", "Ignore", "Wait" };
    static const char *const standby[] = { "Terminate", "Ignore", "Wait" };
    sim_error e = one_of("strategy", strategy, strategies, ARRAY_LEN(strategies));
    if (sim_ok(&e) && p->has_min_healthy_percentage)
        e = range("preferences.minHealthyPercentage", p->min_healthy_percentage, 0, 100);
    if (sim_ok(&e) && p->has_instance_warmup && p->instance_warmup < 0)
        e = below("preferences.instanceWarmup", p->instance_warmup, 0);
    for (size_t i = 0; sim_ok(&e) && i < p->checkpoint_percentages.n; i++)
        e = range("preferences.checkpointPercentages.member", p->checkpoint_percentages.items[i], 1, 100);
    if (sim_ok(&e) && p->has_checkpoint_delay)
        e = range("preferences.checkpointDelay", p->checkpoint_delay, 0, CHECKPOINT_DELAY_MAX);
    if (sim_ok(&e))
        e = one_of("preferences.scaleInProtectedInstances", p->scale_in_protected_instances, protected_,
                   ARRAY_LEN(protected_));
    if (sim_ok(&e))
        e = one_of("preferences.standbyInstances", p->standby_instances, standby, ARRAY_LEN(standby));
    if (sim_ok(&e) && p->alarms.n > ALARMS_MAX)
        e = w_err("ValidationError", 400,
                  "1 validation error detected: Value with %zu elements at 'preferences.alarmSpecification.alarms' "
                  "failed to satisfy constraint: Member must have length less than or equal to %d",
                  p->alarms.n, ALARMS_MAX);
    if (sim_ok(&e) && p->has_max_healthy_percentage)
        e = range("preferences.maxHealthyPercentage", p->max_healthy_percentage, 100, 200);
    if (sim_ok(&e) && p->has_bake_time)
        e = range("preferences.bakeTime", p->bake_time, 0, BAKE_TIME_MAX);
    return e;
}

/* The combinations the member descriptions document. */
static sim_error check_combinations(const sim_world *w, const refresh_prefs *p, const lt_spec *desired)
{
    if (p->has_checkpoint_delay && !p->checkpoint_percentages.n)
        return w_err("ValidationError", 400,
                     "CheckpointDelay can only be specified together with CheckpointPercentages.");
    for (size_t i = 1; i < p->checkpoint_percentages.n; i++)
        if (p->checkpoint_percentages.items[i] <= p->checkpoint_percentages.items[i - 1])
            return w_err("ValidationError", 400, "CheckpointPercentages must be unique values in ascending order.");
    if (p->has_max_healthy_percentage && !p->has_min_healthy_percentage)
        return w_err("ValidationError", 400,
                     "You must specify MinHealthyPercentage when you specify MaxHealthyPercentage.");
    for (size_t i = 0; i < p->alarms.n; i++)
        if (!w_cw_state(w, p->alarms.items[i]))
            return w_err("ValidationError", 400, "The alarm %.200s does not exist.", p->alarms.items[i]);
    if (desired && str_empty(desired->launch_template_id) && str_empty(desired->launch_template_name))
        return w_err("ValidationError", 400,
                     "Valid requests must contain either LaunchTemplateId or LaunchTemplateName.");
    if (p->has_auto_rollback && p->auto_rollback && !desired)
        return w_err("ValidationError", 400,
                     "AutoRollback is not supported: the instance refresh has no DesiredConfiguration.");
    return w_okv();
}

sim_error w_refresh_prefs_effective(const sim_world *w, const w_asg *a, const refresh_prefs *given,
                                    const char *strategy, const lt_spec *desired, refresh_prefs *out)
{
    static const refresh_prefs none;
    if (!given)
        given = &none;
    sim_error e = check_members(given, strategy);
    if (sim_ok(&e))
        e = check_combinations(w, given, desired);
    if (!sim_ok(&e))
        return e;
    refresh_prefs_copy(out, given);
    /* AWS's defaults (user guide, "Understand the default values for an instance refresh") */
    if (!out->has_min_healthy_percentage) {
        out->has_min_healthy_percentage = true;
        out->min_healthy_percentage = a->sc->imp_min_healthy >= 0 ? a->sc->imp_min_healthy : 90;
    }
    if (!out->has_max_healthy_percentage) {
        out->has_max_healthy_percentage = true;
        out->max_healthy_percentage = a->sc->imp_max_healthy >= 0 ? a->sc->imp_max_healthy : 100;
    }
    if (!out->has_instance_warmup) {
        out->has_instance_warmup = true;
        out->instance_warmup = w_group_warmup(a);
    }
    if (!out->has_skip_matching) {
        out->has_skip_matching = true;
        out->skip_matching = false;
    }
    if (!out->has_auto_rollback) {
        out->has_auto_rollback = true;
        out->auto_rollback = false;
    }
    if (!out->scale_in_protected_instances)
        out->scale_in_protected_instances = xstrdup("Wait");
    if (!out->standby_instances)
        out->standby_instances = xstrdup("Wait");
    if (out->checkpoint_percentages.n && !out->has_checkpoint_delay) {
        out->has_checkpoint_delay = true;
        out->checkpoint_delay = 3600;
    }
    if (out->alarms.n)
        out->has_alarm_specification = true;
    /* the documented difference, on what takes effect (the maintenance policy may supply one side) */
    if (out->max_healthy_percentage - out->min_healthy_percentage > 100) {
        refresh_prefs_free(out);
        return w_err(
            "ValidationError", 400,
            "The difference between MaxHealthyPercentage and MinHealthyPercentage cannot be greater than 100.");
    }
    return w_okv();
}
