/* plan_guard.c — watching a deploy's refresh after it started: each poll's status,
 * alarms and healthy targets give a verdict (running, success, roll back, ended
 * badly). Nothing here calls AWS; the caller feeds it what the watch model saw. */
#include "deploy/plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/refresh_phase.h"

void plan_guard_init(plan_guard *g, const plan_target *t, const char *refresh_id)
{
    memset(g, 0, sizeof *g);
    g->refresh_id = xstrdup(refresh_id);
    g->unhealthy_polls = t && t->unhealthy_polls > 0 ? t->unhealthy_polls : 3;
    g->min_healthy_percent = t ? t->min_healthy_targets_percent : 100;
    g->last_percentage = -1;
}

void plan_guard_done(plan_guard *g)
{
    free(g->refresh_id);
    g->refresh_id = NULL;
    for (size_t i = 0; i < g->n_baseline; i++)
        free(g->baseline[i].name);
    g->n_baseline = 0;
}

static void add_note(plan_guard *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_note(plan_guard *g, const char *fmt, ...)
{
    size_t len = strlen(g->note);
    if (len && len + 2 < sizeof g->note) {
        memcpy(g->note + len, "; ", 3);
        len += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->note + len, sizeof g->note - len, fmt, ap);
    va_end(ap);
}

/* An alarm or unhealthy targets came first: the verdict says where the rollout
 * stands too (a refresh's StatusReason often names the instance that failed). */
static void add_rollout_state(plan_guard *g, const guard_signals *s)
{
    if (s->state == ROLLOUT_UNSEEN || !s->status)
        return;
    size_t l = strlen(g->reason);
    snprintf(g->reason + l, sizeof g->reason - l, " (%s %.20s %s%s%.150s)", s->what, s->status, s->progress,
             s->reason && *s->reason ? ": " : "", s->reason ? s->reason : "");
}

static void set_alarm_baseline(plan_guard *g, const cw_alarm_list *alarms)
{
    g->baseline_alarms_set = true;
    for (size_t i = 0; i < alarms->n && g->n_baseline < ARRAY_LEN(g->baseline); i++) {
        const cw_alarm *a = &alarms->items[i];
        if (!str_eq(a->state_value, "ALARM") || !a->alarm_name)
            continue;
        g->baseline[g->n_baseline].name = xstrdup(a->alarm_name);
        g->baseline[g->n_baseline].since = a->state_updated_timestamp;
        g->n_baseline++;
        add_note(g, "alarm %.120s was already in ALARM when the watch began: it counts when it fires again",
                 a->alarm_name);
    }
}

/* An alarm in ALARM that is not the same firing the watch began with. An alarm of
 * the baseline that has left ALARM is forgotten, so its next firing counts. */
static bool alarm_counts(plan_guard *g, const cw_alarm *a)
{
    for (size_t i = 0; i < g->n_baseline; i++) {
        if (!str_eq(g->baseline[i].name, a->alarm_name))
            continue;
        if (str_eq(a->state_value, "ALARM") && a->state_updated_timestamp == g->baseline[i].since)
            return false;
        free(g->baseline[i].name);
        g->baseline[i] = g->baseline[--g->n_baseline];
        break;
    }
    return str_eq(a->state_value, "ALARM");
}

void guard_signals_of_refresh(guard_signals *s, const instance_refresh *r, int healthy, int judged,
                              const cw_alarm_list *alarms)
{
    memset(s, 0, sizeof *s);
    s->what = "refresh";
    s->healthy = healthy;
    s->judged = judged;
    s->all = judged;
    s->alarms = alarms;
    s->pct = -1;
    if (!r || !r->status)
        return;
    const char *st = r->status;
    s->status = st;
    s->reason = r->status_reason;
    s->state = str_eq(st, "Successful") ? ROLLOUT_SUCCEEDED
        : str_eq(st, "Failed")          ? ROLLOUT_FAILED
        : str_eq(st, "Cancelled") || str_eq(st, "RollbackSuccessful") || str_eq(st, "RollbackFailed")
        ? ROLLOUT_ENDED_BAD
        : str_eq(st, "RollbackInProgress") ? ROLLOUT_ROLLING_BACK
                                           : ROLLOUT_RUNNING;
    refresh_phase ph;
    refresh_phase_of(r, &ph);
    refresh_phase_text(&ph, s->progress, sizeof s->progress);
    s->pct = ph.has_pct ? ph.pct : -1;
}

plan_guard_verdict plan_guard_update(plan_guard *g, const instance_refresh *r, int healthy, int total,
                                     const cw_alarm_list *alarms)
{
    guard_signals s;
    guard_signals_of_refresh(&s, r, healthy, total, alarms);
    return plan_guard_judge(g, &s);
}

plan_guard_verdict plan_guard_judge(plan_guard *g, const guard_signals *s)
{
    g->reason[0] = '\0';
    snprintf(g->status, sizeof g->status, "%s", s->status ? s->status : "");
    if (s->pct > g->last_percentage)
        g->last_percentage = s->pct;
    const char *why = s->reason ? s->reason : "";
    switch (s->state) {
    case ROLLOUT_SUCCEEDED:
        snprintf(g->reason, sizeof g->reason, "%s %s", s->what, s->status);
        return PLAN_GUARD_SUCCESS;
    case ROLLOUT_FAILED:
        snprintf(g->reason, sizeof g->reason, "%s %s: %.400s", s->what, s->status, why);
        return PLAN_GUARD_ROLLBACK;
    case ROLLOUT_ENDED_BAD:
        snprintf(g->reason, sizeof g->reason, "%s %s%s%.400s", s->what, s->status, *why ? ": " : "", why);
        return PLAN_GUARD_ENDED_BAD;
    default:
        break;
    }
    const cw_alarm_list *alarms = s->alarms;
    if (alarms && !g->baseline_alarms_set)
        set_alarm_baseline(g, alarms);
    for (size_t i = 0; alarms && i < alarms->n; i++) {
        const cw_alarm *a = &alarms->items[i];
        if (alarm_counts(g, a)) {
            snprintf(g->reason, sizeof g->reason, "alarm %.200s is in ALARM: %.200s",
                     a->alarm_name ? a->alarm_name : "?", a->state_reason ? a->state_reason : "");
            add_rollout_state(g, s);
            return PLAN_GUARD_ROLLBACK;
        }
    }
    if (s->state == ROLLOUT_ROLLING_BACK)
        return PLAN_GUARD_RUNNING;
    /* judged counts targets that have a verdict (healthy, unhealthy, unavailable):
     * targets still in initial checks or draining are a rolling deploy's normal
     * dip, not a failure (see plan_guard_count_targets). */
    int healthy = s->healthy, total = s->judged;
    bool low = total > 0 && (long)healthy * 100 < (long)g->min_healthy_percent * total;
    if (total > 0 && !g->baseline_health_set) {
        g->baseline_health_set = true;
        g->baseline_low = low;
        g->baseline_healthy = healthy;
        if (low)
            add_note(g,
                     "healthy targets were already %d/%d (under %d%%) when the watch began: "
                     "only fewer healthy counts",
                     healthy, total, g->min_healthy_percent);
    }
    if (low && g->baseline_low && healthy >= g->baseline_healthy)
        low = false;
    g->low_polls = low ? g->low_polls + 1 : 0;
    if (low && g->low_polls >= g->unhealthy_polls) {
        snprintf(g->reason, sizeof g->reason, "healthy targets %d/%d stayed under %d%% for %d polls", healthy, total,
                 g->min_healthy_percent, g->low_polls);
        add_rollout_state(g, s);
        return PLAN_GUARD_ROLLBACK;
    }
    return PLAN_GUARD_RUNNING;
}

const char *plan_guard_new_note(plan_guard *g)
{
    size_t len = strlen(g->note);
    if (len <= g->note_told)
        return NULL;
    const char *fresh = g->note + g->note_told;
    if (g->note_told && strncmp(fresh, "; ", 2) == 0)
        fresh += 2;
    g->note_told = len;
    return fresh;
}

void plan_guard_count_targets(const target_health_list *const *lists, size_t n, int *healthy, int *judged, int *all)
{
    *healthy = *judged = *all = 0;
    for (size_t l = 0; l < n; l++) {
        for (size_t i = 0; lists[l] && i < lists[l]->n; i++) {
            const char *st = lists[l]->items[i].state;
            (*all)++;
            if (str_eq(st, "healthy")) {
                (*healthy)++;
                (*judged)++;
            } else if (str_eq(st, "unhealthy") || str_eq(st, "unhealthy.draining") || str_eq(st, "unavailable")) {
                /* unhealthy.draining failed its checks too; unused (not registered,
                 * not in use, stopped) has no verdict, like initial and draining. */
                (*judged)++;
            }
        }
    }
}
