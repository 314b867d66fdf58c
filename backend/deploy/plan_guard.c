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

/* An alarm or unhealthy targets came first: the verdict says where the refresh
 * stands too (its StatusReason often names the instance that failed). */
static void add_refresh_state(plan_guard *g, const instance_refresh *r)
{
    if (!r || !r->status)
        return;
    refresh_phase ph;
    refresh_phase_of(r, &ph);
    char pct[96];
    refresh_phase_text(&ph, pct, sizeof pct);
    size_t l = strlen(g->reason);
    snprintf(g->reason + l, sizeof g->reason - l, " (refresh %.20s %s%s%.150s)", r->status, pct,
             r->status_reason && *r->status_reason ? ": " : "", r->status_reason ? r->status_reason : "");
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

plan_guard_verdict plan_guard_update(plan_guard *g, const instance_refresh *r, int healthy, int total,
                                     const cw_alarm_list *alarms)
{
    g->reason[0] = '\0';
    if (r && r->status) {
        const char *st = r->status;
        const char *why = r->status_reason ? r->status_reason : "";
        if (strcmp(st, "Successful") == 0) {
            snprintf(g->reason, sizeof g->reason, "refresh Successful");
            return PLAN_GUARD_SUCCESS;
        }
        if (strcmp(st, "Failed") == 0) {
            snprintf(g->reason, sizeof g->reason, "refresh Failed: %.400s", why);
            return PLAN_GUARD_ROLLBACK;
        }
        if (strcmp(st, "Cancelled") == 0 || strcmp(st, "RollbackSuccessful") == 0 ||
            strcmp(st, "RollbackFailed") == 0) {
            snprintf(g->reason, sizeof g->reason, "refresh %s%s%.400s", st, *why ? ": " : "", why);
            return PLAN_GUARD_ENDED_BAD;
        }
    }
    if (alarms && !g->baseline_alarms_set)
        set_alarm_baseline(g, alarms);
    for (size_t i = 0; alarms && i < alarms->n; i++) {
        const cw_alarm *a = &alarms->items[i];
        if (alarm_counts(g, a)) {
            snprintf(g->reason, sizeof g->reason, "alarm %.200s is in ALARM: %.200s",
                     a->alarm_name ? a->alarm_name : "?", a->state_reason ? a->state_reason : "");
            add_refresh_state(g, r);
            return PLAN_GUARD_ROLLBACK;
        }
    }
    if (r && str_eq(r->status, "RollbackInProgress"))
        return PLAN_GUARD_RUNNING;
    /* total counts targets that have a verdict (healthy, unhealthy, unavailable):
     * targets still in initial checks or draining are a rolling refresh's normal
     * dip, not a failure (see plan_guard_count_targets). */
    /* Progress of the phase: during a rollback PercentageComplete falls back to 0. */
    refresh_phase ph;
    refresh_phase_of(r, &ph);
    int pct = ph.has_pct ? ph.pct : -1;
    bool low = total > 0 && (long)healthy * 100 < (long)g->min_healthy_percent * total;
    if (total > 0 && !g->baseline_health_set) {
        g->baseline_health_set = true;
        g->baseline_low = low;
        g->baseline_healthy = healthy;
        if (low)
            add_note(g, "healthy targets were already %d/%d (under %d%%) when the watch began: "
                     "only fewer healthy counts", healthy, total, g->min_healthy_percent);
    }
    if (low && g->baseline_low && healthy >= g->baseline_healthy)
        low = false;
    g->low_polls = low ? g->low_polls + 1 : 0;
    g->last_percentage = pct > g->last_percentage ? pct : g->last_percentage;
    if (low && g->low_polls >= g->unhealthy_polls) {
        snprintf(g->reason, sizeof g->reason,
                 "healthy targets %d/%d stayed under %d%% for %d polls", healthy, total,
                 g->min_healthy_percent, g->low_polls);
        add_refresh_state(g, r);
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

void plan_guard_count_targets(const target_health_list *const *lists, size_t n, int *healthy, int *judged,
                              int *all)
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
