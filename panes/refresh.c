/* refresh.c — the Refresh pane: the selected group's latest instance refresh
 * (status, a progress bar with checkpoint marks, instances to update, live and
 * warm pool progress, status reason, preferences, elapsed time and an ETA from the
 * observed rate), and the last few refreshes below it. During a rollback the bar
 * is the rollback's: AWS's PercentageComplete falls back to 0, which is its
 * progress, not a refresh starting over. Refreshes that could not be read are said
 * to be unknown, with the error, never "none". */
#include <stdio.h>
#include <string.h>

#include "pane.h"
#include "services/refresh_phase.h"
#include "textwrap.h"

enum { C_ID, C_STATUS, C_PCT, C_STARTED, C_TOOK, C_REASON };

static const lv_column columns[] = {
    [C_ID] = { .title = "REFRESH", .min = 8, .max = 8, .prio = 2 }, /* the id's first 8: Enter shows all */
    [C_STATUS] = { .title = "STATUS", .min = 10, .max = 20 },
    [C_PCT] = { .title = "%", .min = 4, .max = 4, .right = true },
    [C_STARTED] = { .title = "STARTED", .min = 7, .max = 7, .prio = 3, .right = true, .quiet = true, .ticks = true },
    [C_TOOK] = { .title = "TOOK", .min = 6, .max = 7, .prio = 4, .right = true },
    [C_REASON] = { .title = "REASON", .min = 6, .prio = 1 },
};

/* The action keys lead; the console leaves them out when read-only. */
static const action_id hints[] = { ACT_CANCEL, ACT_ROLLBACK, ACT_DETAIL, ACT_COPY_ID, ACT_NONE };

#define SUMMARY_LINES    5
#define REASON_LINES_MAX 4 /* the reason wraps onto this many lines at most */

typedef struct refresh_priv {
    eta_estimator eta;
} refresh_priv;

static int status_role(const char *s)
{
    if (str_eq(s, "Successful") || str_eq(s, "RollbackSuccessful"))
        return ROLE_HEALTHY;
    if (str_eq(s, "Failed") || str_eq(s, "RollbackFailed") || str_eq(s, "Cancelled"))
        return ROLE_UNHEALTHY;
    if (refresh_status_active(s))
        return ROLE_PROGRESS;
    return ROLE_NEUTRAL;
}

static void refresh_model(pane *p, unsigned changed, const pane_ctx *c)
{
    refresh_priv *rp = p->priv;
    const instance_refresh_list *l = &c->ws->refreshes;
    if ((changed & WS_BIT(WS_REFRESHES)) && l->n && refresh_status_active(l->items[0].status) &&
        l->items[0].has_percentage_complete) {
        const instance_refresh *r = &l->items[0];
        /* A rollback counts PercentageComplete down to 0. */
        if (refresh_status_rollback(r->status))
            eta_observe_falling(&rp->eta, r->instance_refresh_id, c->now_mono, r->percentage_complete);
        else
            eta_observe(&rp->eta, r->instance_refresh_id, c->now_mono, r->percentage_complete);
    }
    lv_begin(&p->lv);
    for (size_t i = 0; i < l->n; i++) {
        const instance_refresh *r = &l->items[i];
        lv_row *row = lv_add(&p->lv, r->instance_refresh_id);
        lv_setf(row, C_ID, "%.8s", r->instance_refresh_id ? r->instance_refresh_id : "");
        lv_set(row, C_STATUS, r->status);
        lv_cell_role(row, C_STATUS, status_role(r->status));
        if (r->has_percentage_complete)
            lv_setf(row, C_PCT, "%d", r->percentage_complete);
        char age[16], took[16];
        pane_fmt_age(r->start_time, c->now_wall, age, sizeof age);
        lv_set(row, C_STARTED, age);
        if (r->start_time && r->end_time)
            progress_fmt_duration((r->end_time - r->start_time) / 1000, took, sizeof took);
        else
            snprintf(took, sizeof took, "-");
        lv_set(row, C_TOOK, took);
        lv_set(row, C_REASON, r->status_reason);
    }
    lv_end(&p->lv, c->now_mono);
}

static void fmt_prefs(const refresh_prefs *pr, char *buf, size_t len)
{
    strbuf sb;
    sb_init(&sb);
    if (pr->has_min_healthy_percentage)
        sb_printf(&sb, "MinHealthy %d%%  ", pr->min_healthy_percentage);
    if (pr->has_max_healthy_percentage)
        sb_printf(&sb, "MaxHealthy %d%%  ", pr->max_healthy_percentage);
    if (pr->has_instance_warmup)
        sb_printf(&sb, "Warmup %ds  ", pr->instance_warmup);
    if (pr->checkpoint_percentages.n) {
        sb_append(&sb, "Checkpoints ");
        for (size_t i = 0; i < pr->checkpoint_percentages.n; i++)
            sb_printf(&sb, "%s%d", i ? "," : "", pr->checkpoint_percentages.items[i]);
        if (pr->has_checkpoint_delay)
            sb_printf(&sb, " (delay %ds)", pr->checkpoint_delay);
        sb_append(&sb, "  ");
    }
    if (pr->has_skip_matching)
        sb_printf(&sb, "SkipMatching %s  ", pr->skip_matching ? "yes" : "no");
    if (pr->has_auto_rollback)
        sb_printf(&sb, "AutoRollback %s  ", pr->auto_rollback ? "yes" : "no");
    if (pr->has_bake_time)
        sb_printf(&sb, "BakeTime %ds  ", pr->bake_time);
    if (pr->alarms.n)
        sb_printf(&sb, "Alarms %zu  ", pr->alarms.n);
    snprintf(buf, len, "%s", sb.len ? sb.buf : "(defaults)");
    sb_free(&sb);
}

/* Nothing to show on top: no group, not read yet, none, or could not be read. */
static void draw_empty(WINDOW *w, const pane_ctx *c, rect in, int y, int top_lines)
{
    const unsigned long *A = c->attrs;
    const char *err = NULL;
    watch_read known = watch_refreshes_read(c->ws, &err);
    char line[512];
    int role = ROLE_NEUTRAL;
    if (!c->ws->selected_asg) {
        snprintf(line, sizeof line, "No group selected.");
    } else if (known == WATCH_READ_FAILED) {
        snprintf(line, sizeof line, "Instance refreshes could not be read: %.400s", err && *err ? err : "?");
        role = ROLE_ERROR;
    } else if (known == WATCH_READ_PENDING) {
        snprintf(line, sizeof line, "Reading instance refreshes...");
    } else {
        snprintf(line, sizeof line, "No instance refresh for this group.");
    }
    pane_put(w, y, in.x, in.w, line, A[role], c->ascii);
    for (int i = 1; i < top_lines; i++)
        pane_put(w, y + i, in.x, in.w, "", A[ROLE_NORMAL], c->ascii);
}

/* Line 2: what is left (live and warm pool), or during a rollback where it began. */
static void fmt_second_line(const instance_refresh *r, const refresh_phase *ph, char *buf, size_t len)
{
    strbuf sb;
    sb_init(&sb);
    const refresh_rollback *rb = &r->rollback_details;
    if (ph->rollback && rb->present) {
        char t[40] = "?";
        if (rb->rollback_start_time)
            pane_fmt_time(rb->rollback_start_time, t, sizeof t);
        sb_printf(&sb, "Rollback since %s", t);
        if (rb->has_percentage_complete_on_rollback)
            sb_printf(&sb, " from %d%%", rb->percentage_complete_on_rollback);
        if (rb->has_instances_to_update_on_rollback)
            sb_printf(&sb, " (%d to update)", rb->instances_to_update_on_rollback);
        /* InstancesToUpdate now counts what the refresh never updated: the
         * rollback need not replace those. */
        if (r->has_instances_to_update)
            sb_printf(&sb, "  Never updated: %d", r->instances_to_update);
    } else {
        char to_update[16] = "-";
        if (r->has_instances_to_update)
            snprintf(to_update, sizeof to_update, "%d", r->instances_to_update);
        sb_printf(&sb, "To update: %s", to_update);
    }
    const refresh_progress *pd = &r->progress_details;
    if (pd->has_live)
        sb_printf(&sb, "  Live %d%%/%d", pd->live_percentage_complete, pd->live_instances_to_update);
    if (pd->has_warm)
        sb_printf(&sb, "  Warm %d%%/%d", pd->warm_percentage_complete, pd->warm_instances_to_update);
    sb_printf(&sb, "  Strategy: %.20s  Id: %.64s", r->strategy ? r->strategy : "Rolling",
              r->instance_refresh_id ? r->instance_refresh_id : "?");
    snprintf(buf, len, "%s", sb.buf);
    sb_free(&sb);
}

static void refresh_draw(pane *p, WINDOW *w, const pane_ctx *c, rect in, bool focused)
{
    refresh_priv *rp = p->priv;
    const instance_refresh_list *l = &c->ws->refreshes;
    const unsigned long *A = c->attrs;
    int y = in.y;
    int top_lines = in.h >= SUMMARY_LINES + 3 ? SUMMARY_LINES : in.h >= 4 ? 2 : 0;
    /* The reason wraps, never cut, as far as the pane leaves the list a header and
     * two rows (then its last line ends with "…": Enter shows all of it). */
    char reason[1024];
    strvec reason_lines = { 0 };
    if (top_lines == SUMMARY_LINES && l->n) {
        const instance_refresh *r = &l->items[0];
        refresh_phase ph;
        refresh_phase_of(r, &ph);
        const char *rb_reason = r->rollback_details.rollback_reason;
        if (ph.rollback && rb_reason && *rb_reason)
            snprintf(reason, sizeof reason, "%.400s%s%.600s", rb_reason, r->status_reason ? " — " : "",
                     r->status_reason ? r->status_reason : "");
        else
            snprintf(reason, sizeof reason, "%.1000s", r->status_reason ? r->status_reason : "-");
        int room = in.h - (SUMMARY_LINES + 3) + 1;
        if (room > REASON_LINES_MAX)
            room = REASON_LINES_MAX;
        text_wrap(reason, in.w - 8, 0, room, c->ascii, &reason_lines);
        top_lines += (int)reason_lines.n - 1;
    }
    if (top_lines && l->n == 0) {
        draw_empty(w, c, in, y, top_lines);
    } else if (top_lines) {
        const instance_refresh *r = &l->items[0];
        bool active = refresh_status_active(r->status);
        refresh_phase ph;
        refresh_phase_of(r, &ph);
        char line[512], bar[512], el[16], eta[16];
        /* Line 1: status, bar, percentage, elapsed and ETA. During a rollback the bar
         * is how much of the rollback is done (the refresh's own percentage when
         * AWS did not say where the rollback began). */
        int pct = ph.has_pct ? ph.pct : ph.refresh_pct >= 0 ? ph.refresh_pct : 0;
        char st[40];
        snprintf(st, sizeof st, "%-12.30s", r->status ? r->status : "?");
        pane_put(w, y, in.x, 13, st, A[status_role(r->status)] | A_BOLD, c->ascii);
        int64_t end = r->end_time ? r->end_time : c->now_wall;
        int64_t elapsed_ms = r->start_time ? end - r->start_time : -1;
        if (r->start_time && elapsed_ms < 0)
            elapsed_ms = 0; /* the server's clock is a little ahead of ours */
        progress_fmt_duration(elapsed_ms >= 0 ? elapsed_ms / 1000 : -1, el, sizeof el);
        int64_t eta_s = -1;
        if (active) {
            eta_s = eta_seconds(&rp->eta, c->now_mono);
            if (eta_s < 0 && ph.rollback && ph.has_pct && r->rollback_details.rollback_start_time)
                eta_s = eta_from_elapsed(c->now_wall - r->rollback_details.rollback_start_time, ph.pct);
            else if (eta_s < 0 && !ph.rollback)
                eta_s = eta_from_elapsed(elapsed_ms, pct);
        }
        progress_fmt_duration(eta_s, eta, sizeof eta);
        /* At a checkpoint (or at 100% while still active: the last checkpoint's
         * delay, bake time) the rate says nothing about what is left. */
        const int *cps = r->has_preferences && !ph.rollback ? r->preferences.checkpoint_percentages.items : NULL;
        size_t ncp = r->has_preferences && !ph.rollback ? r->preferences.checkpoint_percentages.n : 0;
        bool at_checkpoint = pct >= 100 && !ph.rollback;
        for (size_t i = 0; i < ncp && !at_checkpoint; i++)
            at_checkpoint = cps[i] == pct;
        if (active && at_checkpoint && r->has_percentage_complete)
            snprintf(eta, sizeof eta, "%s", pct >= 100 ? "finishing" : "checkpoint");
        char what[40];
        if (ph.rollback && ph.has_pct)
            snprintf(what, sizeof what, " rollback %3d%%", pct);
        else if (ph.rollback)
            snprintf(what, sizeof what, " refresh at %d%%", pct);
        else
            snprintf(what, sizeof what, " %3d%%", pct);
        char tail[128];
        if (active)
            snprintf(tail, sizeof tail, "%s  elapsed %s  ETA %s", what, el, eta);
        else
            snprintf(tail, sizeof tail, "%s  took %s", what, el);
        /* Room for the longest usual tail, so the bar keeps its width while the
         * numbers beside it grow (no shift, no repaint of the line). */
        int reserve = active ? (int)strlen(" 100%  elapsed 59m59s  ETA checkpoint") : (int)strlen(" 100%  took 59m59s");
        if ((int)strlen(tail) > reserve)
            reserve = (int)strlen(tail);
        int bar_w = in.w - 13 - reserve - 2;
        if (bar_w > 60)
            bar_w = 60;
        int x = in.x + 13;
        if (bar_w >= 10) {
            progress_bar(bar, sizeof bar, bar_w, pct, cps, ncp, c->ascii);
            wattrset(w, (int)A[ROLE_NORMAL]);
            mvwaddstr(w, y, x, c->ascii ? "[" : "▕");
            wattrset(w, (int)A[ph.rollback ? ROLE_WARNING : ROLE_PROGRESS]);
            waddstr(w, bar);
            wattrset(w, (int)A[ROLE_NORMAL]);
            waddstr(w, c->ascii ? "]" : "▏");
            x += bar_w + 2;
        }
        pane_put(w, y, x, in.x + in.w - x, tail, A[ROLE_NORMAL], c->ascii);
        /* Line 2: what is left (live and warm pool), the strategy and the id; during
         * a rollback, where it began. */
        fmt_second_line(r, &ph, line, sizeof line);
        pane_put(w, y + 1, in.x, in.w, line, A[ph.rollback ? ROLE_WARNING : ROLE_NORMAL], c->ascii);
        if (reason_lines.n) {
            /* Line 3 on: the reason (the rollback's first) — untrusted text, sanitized
             * and wrapped by text_wrap. */
            int ry = y + 2;
            for (size_t i = 0; i < reason_lines.n; i++, ry++) {
                pane_put(w, ry, in.x, 8, i ? "" : "Reason:", A[ROLE_NEUTRAL], c->ascii);
                pane_put(w, ry, in.x + 8, in.w - 8, reason_lines.items[i], A[ROLE_NORMAL], c->ascii);
            }
            fmt_prefs(&r->preferences, line, sizeof line);
            pane_put(w, ry, in.x, 8, "Prefs:", A[ROLE_NEUTRAL], c->ascii);
            pane_put(w, ry, in.x + 8, in.w - 8, r->has_preferences ? line : "-", A[ROLE_NORMAL], c->ascii);
            const char *err = NULL;
            if (watch_refreshes_read(c->ws, &err) == WATCH_READ_FAILED) {
                snprintf(line, sizeof line, "Recent: (the last read failed, shown as before: %.400s)", err ? err : "?");
                pane_put(w, ry + 1, in.x, in.w, line, A[ROLE_ERROR], c->ascii);
            } else {
                pane_put(w, ry + 1, in.x, in.w, "Recent:", A[ROLE_NEUTRAL], c->ascii);
            }
        }
    }
    /* An empty list says "(none)": only true once the refreshes were read. */
    if (l->n == 0 && watch_refreshes_read(c->ws, NULL) != WATCH_READ_OK) {
        for (int i = top_lines; i < in.h; i++)
            pane_put(w, y + i, in.x, in.w, "", A[ROLE_NORMAL], c->ascii);
        strvec_free(&reason_lines);
        return;
    }
    lv_draw(&p->lv, w, y + top_lines, in.x, in.h - top_lines, in.w, A, focused, c->ascii, c->now_mono);
    strvec_free(&reason_lines);
}

static unsigned refresh_key(pane *p, action_id a, const pane_ctx *c)
{
    (void)c;
    return lv_move(&p->lv, a, NULL) ? R_HANDLED | R_REDRAW : R_NONE;
}

/* LivePoolProgress / WarmPoolProgress under a prefix. */
static void detail_progress(strbuf *out, const char *prefix, const refresh_progress *pd)
{
    char k[96];
    if (pd->has_live) {
        snprintf(k, sizeof k, "%s.LivePoolProgress", prefix);
        detail_kvf(out, k, "%d%%, %d to update", pd->live_percentage_complete, pd->live_instances_to_update);
    }
    if (pd->has_warm) {
        snprintf(k, sizeof k, "%s.WarmPoolProgress", prefix);
        detail_kvf(out, k, "%d%%, %d to update", pd->warm_percentage_complete, pd->warm_instances_to_update);
    }
}

static void refresh_detail(pane *p, const pane_ctx *c, strbuf *out)
{
    const char *id = lv_selected_id(&p->lv);
    const instance_refresh *r = watch_find_refresh(c->ws, id);
    const char *err = NULL;
    if (watch_refreshes_read(c->ws, &err) == WATCH_READ_FAILED)
        detail_kvf(out, "InstanceRefreshes", "could not be read: %.320s%s", err ? err : "?",
                   r ? " (what follows is from the last read)" : "");
    if (!r) {
        sb_append(out, "No refresh selected.\n");
        return;
    }
    char t[40];
    detail_kv(out, "InstanceRefreshId", r->instance_refresh_id);
    detail_kv(out, "AutoScalingGroupName", r->auto_scaling_group_name);
    detail_kv(out, "Status", r->status);
    detail_kv(out, "StatusReason", r->status_reason);
    pane_fmt_time(r->start_time, t, sizeof t);
    detail_kv(out, "StartTime", t);
    pane_fmt_time(r->end_time, t, sizeof t);
    detail_kv(out, "EndTime", t);
    if (r->has_percentage_complete)
        detail_kvf(out, "PercentageComplete", "%d", r->percentage_complete);
    if (r->has_instances_to_update)
        detail_kvf(out, "InstancesToUpdate", "%d", r->instances_to_update);
    detail_progress(out, "ProgressDetails", &r->progress_details);
    detail_kv(out, "Strategy", r->strategy);
    if (r->has_desired_configuration) {
        detail_kv(out, "DesiredConfiguration.LT.Name", r->desired_launch_template.launch_template_name);
        detail_kv(out, "DesiredConfiguration.LT.Id", r->desired_launch_template.launch_template_id);
        detail_kv(out, "DesiredConfiguration.LT.Version", r->desired_launch_template.version);
    }
    if (r->has_preferences) {
        const refresh_prefs *pr = &r->preferences;
        if (pr->has_min_healthy_percentage)
            detail_kvf(out, "MinHealthyPercentage", "%d", pr->min_healthy_percentage);
        if (pr->has_max_healthy_percentage)
            detail_kvf(out, "MaxHealthyPercentage", "%d", pr->max_healthy_percentage);
        if (pr->has_instance_warmup)
            detail_kvf(out, "InstanceWarmup", "%d", pr->instance_warmup);
        for (size_t i = 0; i < pr->checkpoint_percentages.n; i++)
            detail_kvf(out, "CheckpointPercentages[]", "%d", pr->checkpoint_percentages.items[i]);
        if (pr->has_checkpoint_delay)
            detail_kvf(out, "CheckpointDelay", "%d", pr->checkpoint_delay);
        if (pr->has_skip_matching)
            detail_kv(out, "SkipMatching", pr->skip_matching ? "true" : "false");
        if (pr->has_auto_rollback)
            detail_kv(out, "AutoRollback", pr->auto_rollback ? "true" : "false");
        detail_kv(out, "ScaleInProtectedInstances", pr->scale_in_protected_instances);
        detail_kv(out, "StandbyInstances", pr->standby_instances);
        for (size_t i = 0; i < pr->alarms.n; i++)
            detail_kv(out, "AlarmSpecification.Alarms[]", pr->alarms.items[i]);
        if (pr->has_bake_time)
            detail_kvf(out, "BakeTime", "%d", pr->bake_time);
    }
    if (r->rollback_details.present) {
        const refresh_rollback *rb = &r->rollback_details;
        detail_kv(out, "RollbackDetails.RollbackReason", rb->rollback_reason);
        pane_fmt_time(rb->rollback_start_time, t, sizeof t);
        detail_kv(out, "RollbackDetails.RollbackStartTime", t);
        if (rb->has_percentage_complete_on_rollback)
            detail_kvf(out, "RollbackDetails.PercentageCompleteOnRollback", "%d", rb->percentage_complete_on_rollback);
        if (rb->has_instances_to_update_on_rollback)
            detail_kvf(out, "RollbackDetails.InstancesToUpdateOnRollback", "%d", rb->instances_to_update_on_rollback);
        detail_progress(out, "RollbackDetails.ProgressDetailsOnRollback", &rb->progress_details_on_rollback);
        refresh_phase ph;
        refresh_phase_of(r, &ph);
        char text[128];
        refresh_phase_text(&ph, text, sizeof text);
        if (ph.rollback)
            detail_kv(out, "Rollback progress", text);
        if (ph.rollback && r->has_instances_to_update)
            detail_kvf(out, "Never updated (not replaced)", "%d", r->instances_to_update);
    }
}

static void refresh_title(pane *p, const pane_ctx *c, char *buf, size_t len)
{
    (void)p;
    const instance_refresh *ar = pane_active_refresh(c->ws);
    snprintf(buf, len, "%s", ar ? "running" : "");
}

const struct pane_ops pane_refresh_ops = {
    .copy = { { FIELD_UUID }, 1 },
    .priv_size = sizeof(refresh_priv),
    .primary = WS_REFRESHES,
    .watches = WS_BIT(WS_REFRESHES),
    .columns = columns,
    .ncols = (int)ARRAY_LEN(columns),
    .hints = hints,
    .newest_first = true,
    .want_extra = SUMMARY_LINES + 2, /* the summary above the list, and a wrapped reason */
    .on_model_change = refresh_model,
    .draw = refresh_draw,
    .key = refresh_key,
    .detail = refresh_detail,
    .title_extra = refresh_title,
};
