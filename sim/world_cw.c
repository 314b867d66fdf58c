/* world_cw.c — CloudWatch alarms in the world. A metric alarm on a target group
 * watches its healthy or unhealthy target count, evaluated once per period; N
 * breaching periods in a row put it in ALARM. A composite alarm's state follows its
 * AlarmRule over other alarms, re-evaluated whenever one of them changes state. A
 * metric math / anomaly detection alarm shows the state the scenario gives it (the
 * simulator does not evaluate expressions). SetAlarmState overrides a state until the
 * next evaluation. Sources: docs/simulator.md. */
#include "world_int.h"

#include <stdio.h>
#include <stdlib.h>

static int alarm_index(const sim_world *w, const char *name_or_arn)
{
    if (!name_or_arn)
        return -1;
    for (size_t i = 0; i < w->alarms.n; i++)
        if (str_eq(w->alarms.items[i].sc->name, name_or_arn) || str_eq(w->alarms.items[i].arn, name_or_arn))
            return (int)i;
    return -1;
}

void w_cw_init(sim_world *w)
{
    for (size_t i = 0; i < w->sc->alarms.n; i++) {
        const sc_alarm *s = &w->sc->alarms.items[i];
        w_alarm *a = VEC_NEW(w->alarms);
        a->sc = s;
        a->arn = xasprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", w->region, w->account_id, s->name);
        a->tg = -1;
        for (size_t j = 0; s->kind == SC_ALARM_TG && j < w->tgs.n; j++)
            if (str_eq(w->tgs.items[j].sc->name, s->target_group))
                a->tg = (int)j;
        str_copy(a->state, sizeof a->state, s->state ? s->state : "INSUFFICIENT_DATA");
        a->reason = xstrdup("Unchecked: Initial alarm creation");
        a->updated = w->now;
        a->next_eval = w->now + W_STEP_MS;
    }
    /* a composite's children, by index (the scenario loader made sure they exist) */
    for (size_t i = 0; i < w->alarms.n; i++) {
        w_alarm *a = &w->alarms.items[i];
        const alarm_rule *rule = &a->sc->parsed;
        for (size_t k = 0; a->sc->kind == SC_ALARM_COMPOSITE && k < rule->nodes.n; k++) {
            int c = rule->nodes.items[k].kind == AR_STATE ? alarm_index(w, rule->nodes.items[k].alarm) : -1;
            if (c < 0) { /* an ARN: its name follows ":alarm:" */
                const char *at =
                    rule->nodes.items[k].kind == AR_STATE ? strstr(rule->nodes.items[k].alarm, ":alarm:") : NULL;
                c = at ? alarm_index(w, at + 7) : -1;
            }
            if (c >= 0)
                VEC_PUSH(a->children, c);
        }
    }
}

void w_cw_free(sim_world *w)
{
    for (size_t i = 0; i < w->alarms.n; i++) {
        free(w->alarms.items[i].arn);
        free(w->alarms.items[i].reason);
        VEC_FREE(w->alarms.items[i].children);
    }
    VEC_FREE(w->alarms);
}

static void set_state(sim_world *w, w_alarm *a, const char *state, const char *reason)
{
    if (str_eq(a->state, state))
        return;
    strbuf sb;
    sb_init(&sb);
    w_json_str(&sb, reason);
    w_event(w, "alarm_state", "\"alarm\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"reason\":%s", a->sc->name, a->state,
            state, sb.buf);
    sb_free(&sb);
    str_copy(a->state, sizeof a->state, state);
    str_set(&a->reason, reason);
    a->updated = w->now;
    a->version++;
}

static bool breaches(const sc_alarm *s, double v)
{
    if (str_eq(s->comparison, "GreaterThanThreshold"))
        return v > s->threshold;
    if (str_eq(s->comparison, "GreaterThanOrEqualToThreshold"))
        return v >= s->threshold;
    if (str_eq(s->comparison, "LessThanThreshold"))
        return v < s->threshold;
    return v <= s->threshold;
}

/* The target count sampled every step; at the end of each period the alarm compares
 * the period's statistic (Minimum of HealthyHostCount, Maximum of UnHealthyHostCount,
 * as DescribeAlarms shows them), so a target unhealthy for a few seconds counts. */
static void step_metric(sim_world *w, w_alarm *a)
{
    if (a->tg < 0)
        return;
    bool healthy_metric = str_eq(a->sc->metric, "HealthyHostCount");
    double now_v = w_tg_count(w, a->tg, healthy_metric);
    if (!a->period_samples || (healthy_metric ? now_v < a->period_stat : now_v > a->period_stat))
        a->period_stat = now_v;
    a->period_samples++;
    if (w->now < a->next_eval)
        return;
    a->next_eval = w->now + (aws_time)a->sc->period_s * 1000;
    double v = a->period_stat;
    a->period_samples = 0;
    bool b = breaches(a->sc, v);
    a->breach_run = b ? a->breach_run + 1 : 0;
    char when[32], reason[256];
    w_iso(w->now, when);
    snprintf(reason, sizeof reason, "Threshold Crossed: %d datapoint%s [%.1f (%s)] %s the threshold (%.1f).",
             b ? a->breach_run : 1, b && a->breach_run > 1 ? "s" : "", v, when, b ? "breached" : "did not breach",
             a->sc->threshold);
    if (a->breach_run >= a->sc->evaluation_periods)
        set_state(w, a, "ALARM", reason);
    else if (!b)
        set_state(w, a, "OK", reason);
}

static const char *state_of(void *ud, const char *name)
{
    return w_cw_state(ud, name);
}

/* ALARM when the rule is true, OK when it is false (PutCompositeAlarm: INSUFFICIENT_DATA
 * only before the first evaluation); again only when a child has changed state, so a
 * state set with SetAlarmState holds until then. true if it changed. */
static bool step_composite(sim_world *w, w_alarm *a)
{
    unsigned long long sum = 0;
    for (size_t k = 0; k < a->children.n; k++)
        sum += w->alarms.items[a->children.items[k]].version;
    if (a->evaluated && sum == a->seen)
        return false;
    a->evaluated = true;
    a->seen = sum;
    bool on = alarm_rule_eval(&a->sc->parsed, state_of, w);
    unsigned before = a->version;
    set_state(w, a, on ? "ALARM" : "OK",
              on ? "The alarm rule evaluated to TRUE." : "The alarm rule evaluated to FALSE.");
    return a->version != before;
}

void w_cw_step(sim_world *w)
{
    for (size_t i = 0; i < w->alarms.n; i++)
        if (w->alarms.items[i].sc->kind == SC_ALARM_TG)
            step_metric(w, &w->alarms.items[i]);
    /* composites of composites settle within as many passes as there are alarms (no cycles) */
    for (size_t pass = 0; pass <= w->alarms.n; pass++) {
        bool changed = false;
        for (size_t i = 0; i < w->alarms.n; i++)
            if (w->alarms.items[i].sc->kind == SC_ALARM_COMPOSITE)
                changed |= step_composite(w, &w->alarms.items[i]);
        if (!changed)
            break;
    }
}

const char *w_cw_state(const sim_world *w, const char *name_or_arn)
{
    int i = alarm_index(w, name_or_arn);
    return i >= 0 ? w->alarms.items[i].state : NULL;
}

bool w_cw_in_alarm(const sim_world *w, const char *name)
{
    return str_eq(w_cw_state(w, name), "ALARM");
}

sim_error world_set_alarm_state(sim_world *w, const char *name, const char *state, const char *reason)
{
    int i = name ? alarm_index(w, name) : -1;
    if (i < 0)
        return w_err("ResourceNotFound", 404, "Alarm %.64s not found", name ? name : "");
    w_alarm *a = &w->alarms.items[i];
    if (!str_eq(state, "OK") && !str_eq(state, "ALARM") && !str_eq(state, "INSUFFICIENT_DATA"))
        return w_err("InvalidFormat", 400, "StateValue must be one of OK, ALARM, INSUFFICIENT_DATA");
    char r[256];
    str_copy(r, sizeof r, reason ? reason : "set by SetAlarmState");
    set_state(w, a, state, r);
    a->breach_run = str_eq(state, "ALARM") ? a->sc->evaluation_periods : 0;
    return w_okv();
}

static void fill_alarm(const w_alarm *a, cw_alarm *o)
{
    const sc_alarm *s = a->sc;
    o->alarm_type = s->kind == SC_ALARM_COMPOSITE ? CW_COMPOSITE_ALARM : CW_METRIC_ALARM;
    o->alarm_name = xstrdup(s->name);
    o->alarm_arn = xstrdup(a->arn);
    o->alarm_description = xstrdup(s->description);
    o->state_value = xstrdup(a->state);
    o->state_reason = xstrdup(a->reason);
    o->state_updated_timestamp = a->updated;
    o->actions_enabled = true;
    if (s->kind == SC_ALARM_COMPOSITE) {
        o->alarm_rule = xstrdup(s->rule);
        return;
    }
    o->comparison_operator = xstrdup(s->comparison);
    o->has_threshold = s->has_threshold;
    o->threshold = s->threshold;
    o->evaluation_periods = s->evaluation_periods;
    if (s->kind == SC_ALARM_MATH) {
        for (size_t k = 0; k < s->metrics.n; k++) {
            const sc_metric_query *q = &s->metrics.items[k];
            cw_metric_query *m = VEC_NEW(o->metrics);
            m->id = xstrdup(q->id);
            m->expression = xstrdup(q->expression);
            m->label = xstrdup(q->label);
            m->metric_name = xstrdup(q->metric);
            m->namespace_ = xstrdup(q->namespace_);
            m->stat = xstrdup(q->stat);
            m->has_period = q->has_period;
            m->period = q->period;
            m->has_return_data = q->has_return_data;
            m->return_data = q->return_data;
        }
        o->threshold_metric_id = xstrdup(s->threshold_metric_id);
        return;
    }
    o->metric_name = xstrdup(s->metric);
    o->namespace_ = xstrdup("AWS/ApplicationELB");
    o->statistic = xstrdup(str_eq(s->metric, "HealthyHostCount") ? "Minimum" : "Maximum");
    o->period = s->period_s;
}

sim_error world_describe_alarms(sim_world *w, const strvec *names, const char *prefix, const char *state_value,
                                const strvec *alarm_types, const char *next_token, int max_items, cw_alarm_list *out,
                                char **next_out)
{
    *next_out = NULL;
    if (max_items > 100)
        return w_err("InvalidParameterValue", 400, "MaxRecords must be at most 100.");
    /* AlarmTypes omitted: metric alarms only, "even if composite alarms exist" */
    bool want_metric = !alarm_types || !alarm_types->n, want_composite = false;
    for (size_t i = 0; alarm_types && i < alarm_types->n; i++) {
        if (str_eq(alarm_types->items[i], "MetricAlarm"))
            want_metric = true;
        else if (str_eq(alarm_types->items[i], "CompositeAlarm"))
            want_composite = true;
        else
            return w_err("InvalidParameterValue", 400,
                         "1 validation error detected: Value '%.64s' at 'alarmTypes' failed to satisfy constraint: "
                         "Member must satisfy enum value set: [CompositeAlarm, MetricAlarm]",
                         alarm_types->items[i]);
    }
    size_t off;
    if (!w_untoken(w, "DescribeAlarms", next_token, &off))
        return w_err("InvalidNextToken", 400, "The service cannot process the token.");
    size_t page = (size_t)w_page(w, "DescribeAlarms", max_items, 50), seen = 0, taken = 0;
    for (size_t i = 0; i < w->alarms.n; i++) {
        const w_alarm *a = &w->alarms.items[i];
        bool composite = a->sc->kind == SC_ALARM_COMPOSITE;
        if (composite ? !want_composite : !want_metric)
            continue;
        if (names && names->n && !strvec_contains(names, a->sc->name))
            continue;
        if (!str_empty(prefix) && strncmp(a->sc->name, prefix, strlen(prefix)))
            continue;
        if (!str_empty(state_value) && !str_eq(a->state, state_value))
            continue;
        if (seen++ < off)
            continue;
        if (taken == page) {
            *next_out = w_token(w, "DescribeAlarms", off + taken);
            break;
        }
        fill_alarm(a, VEC_NEW(*out));
        taken++;
    }
    return w_okv();
}
