/* world_cw.c — CloudWatch alarms in the world: each watches a target group's
 * healthy or unhealthy target count, evaluated once per period; N breaching periods
 * in a row put it in ALARM. SetAlarmState overrides it until the next evaluation. */
#include "world_int.h"

#include <stdio.h>
#include <stdlib.h>

void w_cw_init(sim_world *w)
{
    for (size_t i = 0; i < w->sc->alarms.n; i++) {
        const sc_alarm *s = &w->sc->alarms.items[i];
        w_alarm *a = VEC_NEW(w->alarms);
        a->sc = s;
        a->arn = xasprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", w->region, w->account_id, s->name);
        a->tg = -1;
        for (size_t j = 0; j < w->tgs.n; j++)
            if (!strcmp(w->tgs.items[j].sc->name, s->target_group))
                a->tg = (int)j;
        str_copy(a->state, sizeof a->state, "INSUFFICIENT_DATA");
        a->reason = xstrdup("Unchecked: Initial alarm creation");
        a->updated = w->now;
        a->next_eval = w->now + W_STEP_MS;
    }
}

void w_cw_free(sim_world *w)
{
    for (size_t i = 0; i < w->alarms.n; i++) {
        free(w->alarms.items[i].arn);
        free(w->alarms.items[i].reason);
    }
    VEC_FREE(w->alarms);
}

static void set_state(sim_world *w, w_alarm *a, const char *state, const char *reason)
{
    if (!strcmp(a->state, state))
        return;
    strbuf sb;
    sb_init(&sb);
    w_json_str(&sb, reason);
    w_event(w, "alarm_state", "\"alarm\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"reason\":%s", a->sc->name, a->state, state, sb.buf);
    sb_free(&sb);
    str_copy(a->state, sizeof a->state, state);
    str_set(&a->reason, reason);
    a->updated = w->now;
}

static bool breaches(const sc_alarm *s, double v)
{
    if (!strcmp(s->comparison, "GreaterThanThreshold"))
        return v > s->threshold;
    if (!strcmp(s->comparison, "GreaterThanOrEqualToThreshold"))
        return v >= s->threshold;
    if (!strcmp(s->comparison, "LessThanThreshold"))
        return v < s->threshold;
    return v <= s->threshold;
}

void w_cw_step(sim_world *w)
{
    for (size_t i = 0; i < w->alarms.n; i++) {
        w_alarm *a = &w->alarms.items[i];
        if (w->now < a->next_eval || a->tg < 0)
            continue;
        a->next_eval = w->now + (aws_time)a->sc->period_s * 1000;
        double v = w_tg_count(w, a->tg, !strcmp(a->sc->metric, "HealthyHostCount"));
        bool b = breaches(a->sc, v);
        a->breach_run = b ? a->breach_run + 1 : 0;
        char when[32], reason[256];
        w_iso(w->now, when);
        snprintf(reason, sizeof reason, "Threshold Crossed: %d datapoint%s [%.1f (%s)] %s the threshold (%.1f).",
                 b ? a->breach_run : 1, b && a->breach_run > 1 ? "s" : "", v, when,
                 b ? "breached" : "did not breach", a->sc->threshold);
        if (a->breach_run >= a->sc->evaluation_periods)
            set_state(w, a, "ALARM", reason);
        else if (!b)
            set_state(w, a, "OK", reason);
    }
}

bool w_cw_in_alarm(const sim_world *w, const char *name)
{
    for (size_t i = 0; i < w->alarms.n; i++)
        if (!strcmp(w->alarms.items[i].sc->name, name))
            return !strcmp(w->alarms.items[i].state, "ALARM");
    return false;
}

sim_error world_set_alarm_state(sim_world *w, const char *name, const char *state, const char *reason)
{
    w_alarm *a = NULL;
    for (size_t i = 0; name && i < w->alarms.n; i++)
        if (!strcmp(w->alarms.items[i].sc->name, name))
            a = &w->alarms.items[i];
    if (!a)
        return w_err("ResourceNotFound", 404, "Alarm %.64s not found", name ? name : "");
    if (!str_eq(state, "OK") && !str_eq(state, "ALARM") && !str_eq(state, "INSUFFICIENT_DATA"))
        return w_err("InvalidFormat", 400, "StateValue must be one of OK, ALARM, INSUFFICIENT_DATA");
    char r[256];
    str_copy(r, sizeof r, reason ? reason : "set by SetAlarmState");
    set_state(w, a, state, r);
    a->breach_run = !strcmp(state, "ALARM") ? a->sc->evaluation_periods : 0;
    return w_okv();
}

sim_error world_describe_alarms(sim_world *w, const strvec *names, const char *prefix,
                                const char *state_value, const char *next_token, int max_items,
                                cw_alarm_list *out, char **next_out)
{
    *next_out = NULL;
    if (max_items > 100)
        return w_err("InvalidParameterValue", 400, "MaxRecords must be at most 100.");
    size_t off;
    if (!w_untoken(w, "DescribeAlarms", next_token, &off))
        return w_err("InvalidNextToken", 400, "The service cannot process the token.");
    size_t page = (size_t)w_page(w, "DescribeAlarms", max_items, 50), seen = 0, taken = 0;
    for (size_t i = 0; i < w->alarms.n; i++) {
        const w_alarm *a = &w->alarms.items[i];
        if (names && names->n && !strvec_contains(names, a->sc->name))
            continue;
        if (!str_empty(prefix) && strncmp(a->sc->name, prefix, strlen(prefix)))
            continue;
        if (!str_empty(state_value) && strcmp(a->state, state_value))
            continue;
        if (seen++ < off)
            continue;
        if (taken == page) {
            *next_out = w_token(w, "DescribeAlarms", off + taken);
            break;
        }
        cw_alarm *o = VEC_NEW(*out);
        o->alarm_name = xstrdup(a->sc->name);
        o->alarm_arn = xstrdup(a->arn);
        o->alarm_description = xstrdup(a->sc->description);
        o->state_value = xstrdup(a->state);
        o->state_reason = xstrdup(a->reason);
        o->state_updated_timestamp = a->updated;
        o->metric_name = xstrdup(a->sc->metric);
        o->namespace_ = xstrdup("AWS/ApplicationELB");
        o->statistic = xstrdup(!strcmp(a->sc->metric, "HealthyHostCount") ? "Minimum" : "Maximum");
        o->comparison_operator = xstrdup(a->sc->comparison);
        o->has_threshold = true;
        o->threshold = a->sc->threshold;
        o->period = a->sc->period_s;
        o->evaluation_periods = a->sc->evaluation_periods;
        o->actions_enabled = true;
        taken++;
    }
    return w_okv();
}
