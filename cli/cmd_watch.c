/* cmd_watch.c — following a refresh to its end, one line per change, with the
 * app's guard (alarms, healthy targets): `tarmac watch`, and the actions' --wait
 * and --auto-rollback, which roll back when the guard says so. During a rollback
 * AWS's percentage falls back to 0: the lines say how far the rollback is, after
 * one line with its RollbackDetails. Refreshes that cannot be read are said to be
 * unknown (and why), never taken for none. */
#include "cmd_actions_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kinds/kind.h"
#include "services/refresh_phase.h"
#include "watch/watch.h"

/* ------------------------------------------------------------ following a refresh */

typedef enum { FOLLOW_SUCCESS, FOLLOW_ROLLBACK, FOLLOW_BAD, FOLLOW_TIMEOUT, FOLLOW_STOPPED } follow_end;

static const instance_refresh *find_refresh(const watch_state *s, const char *id)
{
    if (!id)
        return s->refreshes.n ? &s->refreshes.items[0] : NULL;
    return watch_find_refresh(s, id);
}

/* The targets' health as far as it was measured: "healthy 3/4", or what is known
 * instead; never a count that was not read (nor the desired capacity for one). */
static void health_text(const watch_state *s, int healthy, int all, char *buf, size_t len)
{
    const watch_meta *m = &s->meta[WS_TARGETS];
    const asg_group *grp = watch_selected_group(s);
    bool partial = false;
    for (size_t i = 0; i < s->target_groups.n; i++)
        partial |= !s->target_groups.items[i].health_ok;
    if (!m->fetched_at)
        snprintf(buf, len, "healthy ?%s", m->stale ? " (target health could not be read)" : "");
    else if (grp && !grp->target_group_arns.n)
        snprintf(buf, len, "no target groups");
    else if (partial)
        snprintf(buf, len, "healthy ? (a target group's health could not be read)");
    else
        snprintf(buf, len, "healthy %d/%d%s", healthy, all, m->stale ? " (stale)" : "");
}

/* The line printed for each change of the refresh. */
static void refresh_line(const watch_state *s, const instance_refresh *r, int healthy, int all, char *line, size_t len)
{
    refresh_phase ph;
    refresh_phase_of(r, &ph);
    char pct[96], health[96];
    if (ph.rollback)
        refresh_phase_text(&ph, pct, sizeof pct);
    else
        snprintf(pct, sizeof pct, "%d%%", ph.has_pct ? ph.pct : 0);
    health_text(s, healthy, all, health, sizeof health);
    snprintf(line, len, "%s %s %s %s%s%.300s", r->instance_refresh_id ? r->instance_refresh_id : "?",
             r->status ? r->status : "?", pct, health, r->status_reason && *r->status_reason ? " - " : "",
             r->status_reason ? r->status_reason : "");
}

/* Each line of a follow starts with the time it was seen (UTC, to the second), so
 * a CI log reads as a timeline. */
static void say_stamped(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say_stamped(const char *fmt, ...)
{
    char when[32], text[1600];
    time_t now = (time_t)(time_now_ms() / 1000);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    cli_say("%s %s", when, text);
}

/* Follows refresh id (NULL: the newest) until it ends; one line per change. */
static follow_end follow(act_ctx *x, const char *id, char *reason, size_t reason_len, plan_guard *out)
{
    strvec names = { 0 };
    strvec_push(&names, x->target.asg);
    watch_opts wo = {
        .asg_names = &names,
        .initial_asg = x->target.asg,
        .alarm_names = &x->target.alarms,
        .base_interval_ms = x->o.interval_ms,
        .active_interval_ms = x->o.interval_ms,
    };
    watch *w = watch_new(x->s.client, &wo);
    const app_kind *kind = app_kind_of_target(&x->target);
    plan_guard g;
    plan_guard_init(&g, &x->target, id);
    act_signals_install();
    char last[1024] = "", read_error[320] = "";
    bool rollback_told = false;
    follow_end end = FOLLOW_TIMEOUT;
    int64_t deadline = mono_now_ms() + (int64_t)x->o.timeout_s * 1000;
    for (;;) {
        if (act_stop_flag) {
            snprintf(reason, reason_len, "stopped by a signal while following the refresh");
            end = FOLLOW_STOPPED;
            break;
        }
        int64_t now = mono_now_ms();
        if (now >= deadline) {
            if (read_error[0])
                snprintf(reason, reason_len,
                         "gave up after %d s: the instance refreshes of %s could not be read "
                         "(%s)",
                         x->o.timeout_s, x->target.asg, read_error);
            else
                snprintf(reason, reason_len, "gave up after %d s: the refresh is still running", x->o.timeout_s);
            break;
        }
        watch_tick(w, now);
        int due = watch_next_due_ms(w, now);
        struct curl_waitfd wfd = { .fd = act_sig_pipe[0], .events = CURL_WAIT_POLLIN };
        aws_client_wait(x->s.client, act_sig_pipe[0] >= 0 ? &wfd : NULL, act_sig_pipe[0] >= 0 ? 1 : 0,
                        due > 250 ? 250 : due);
        aws_client_run(x->s.client);
        unsigned ch = watch_take_changes(w);
        if (!(ch & WS_BIT(WS_REFRESHES)))
            continue;
        const watch_state *s = watch_get(w);
        const char *err = NULL;
        if (watch_refreshes_read(s, &err) == WATCH_READ_FAILED) {
            /* Unknown, not none: said once per distinct error; the next poll may answer. */
            if (strcmp(err, read_error) != 0) {
                cli_error("the instance refreshes of %s could not be read: %s (trying again)", x->target.asg, err);
                str_copy(read_error, sizeof read_error, err);
            }
            continue;
        }
        read_error[0] = '\0';
        const instance_refresh *r = find_refresh(s, id);
        if (!r) {
            if (!id && s->meta[WS_REFRESHES].fetched_at) {
                snprintf(reason, reason_len, "no instance refresh on %s", x->target.asg);
                end = FOLLOW_SUCCESS;
                break;
            }
            continue;
        }
        if (r->rollback_details.present && !rollback_told) {
            /* Once, when the rollback shows: AWS's reason, when, and where the refresh was. */
            char summary[1024];
            refresh_rollback_summary(r, summary, sizeof summary);
            say_stamped("%s %s", r->instance_refresh_id ? r->instance_refresh_id : "?", summary);
            rollback_told = true;
        }
        guard_signals sig;
        if (!kind->guard_signals(s, r->instance_refresh_id, &sig))
            continue;
        char line[1024];
        refresh_line(s, r, sig.healthy, sig.all, line, sizeof line);
        if (strcmp(line, last) != 0) {
            say_stamped("%s", line);
            str_copy(last, sizeof last, line);
        }
        plan_guard_verdict v = plan_guard_judge(&g, &sig);
        const char *note = plan_guard_new_note(&g);
        if (note)
            say_stamped("note: %s", note);
        if (v == PLAN_GUARD_RUNNING)
            continue;
        snprintf(reason, reason_len, "%s", g.reason);
        end = v == PLAN_GUARD_SUCCESS ? FOLLOW_SUCCESS : v == PLAN_GUARD_ROLLBACK ? FOLLOW_ROLLBACK : FOLLOW_BAD;
        break;
    }
    str_copy(out->status, sizeof out->status, g.status);
    str_copy(out->reason, sizeof out->reason, g.reason);
    plan_guard_done(&g);
    watch_free(w);
    strvec_free(&names);
    return end;
}

/* After a refresh started (or for `watch`): follow, and roll back when told to. */
/* What the follow concluded, in the journal next to the plan it followed (only a
 * plan's: a bare `tarmac watch` records nothing). */
static void journal_verdict(act_ctx *x, const char *id, follow_end e, const plan_guard *g, const char *reason)
{
    static const char *const names[] = {
        [FOLLOW_SUCCESS] = "success", [FOLLOW_ROLLBACK] = "rollback", [FOLLOW_BAD] = "ended_bad",
        [FOLLOW_TIMEOUT] = "timeout", [FOLLOW_STOPPED] = "stopped",
    };
    if (!x->j || !x->followed_plan[0])
        return;
    strbuf err;
    sb_init(&err);
    if (plan_journal_verdict(x->j, &x->target, x->followed_plan, x->followed_action, id, names[e], g, reason, "--wait",
                             &err) != 0)
        cli_error("the journal could not record the verdict: %s", err.buf);
    sb_free(&err);
}

static void journal_offer(act_ctx *x, const char *outcome, const char *reason)
{
    if (!x->j || !x->followed_plan[0])
        return;
    strbuf err;
    sb_init(&err);
    if (plan_journal_offer(x->j, &x->target, x->followed_plan, x->followed_action, outcome, reason, "--wait", &err) !=
        0)
        cli_error("the journal could not record the rollback offer: %s", err.buf);
    sb_free(&err);
}

int act_follow_and_guard(act_ctx *x, const char *id, bool auto_rollback, bool is_rollback)
{
    char reason[600] = "";
    plan_guard seen = { 0 };
    follow_end e = follow(x, id, reason, sizeof reason, &seen);
    journal_verdict(x, id, e, &seen, reason);
    switch (e) {
    case FOLLOW_SUCCESS:
        say_stamped("%s", reason);
        return EXIT_OK;
    case FOLLOW_STOPPED:
        cli_error("%s", reason);
        return EXIT_STOPPED;
    case FOLLOW_TIMEOUT:
        cli_error("%s", reason);
        return EXIT_AWS;
    case FOLLOW_BAD:
        /* AWS's own rollback finishing is what `tarmac rollback --wait` waits for. */
        if (is_rollback && strncmp(reason, "refresh RollbackSuccessful", 26) == 0) {
            say_stamped("%s", reason);
            return EXIT_OK;
        }
        cli_error("%s", reason);
        return EXIT_DEPLOY_BAD;
    case FOLLOW_ROLLBACK:
        break;
    }
    if (!auto_rollback) {
        journal_offer(x, "offered", reason);
        cli_error("%s; roll back with `tarmac rollback --app %s`", reason, x->target.app);
        return EXIT_DEPLOY_BAD;
    }
    journal_offer(x, "auto", reason);
    cli_error("%s: rolling back (auto-rollback)", reason);
    free(x->trigger);
    x->trigger = xasprintf("auto-rollback after %s: %s", x->followed_plan[0] ? x->followed_plan : "the deploy", reason);
    x->followed_plan[0] = '\0';
    plan_request rb = { .action = PLAN_ROLLBACK };
    /* Auto-rollback was consented to with the flag or the app's setting. */
    x->o.yes = true;
    int rc = act_build_and_run(x, &rb);
    if (rc == EXIT_OK)
        cli_error("rolled back after: %s", reason);
    else
        cli_error("the rollback did not complete (exit %d) after: %s", rc, reason);
    return EXIT_DEPLOY_BAD;
}

/* ------------------------------------------------------------ watch */

int cmd_watch(cli_globals *g)
{
    act_ctx x;
    int rc = act_ctx_open(g, &x, false);
    if (rc) {
        act_ctx_close(&x);
        return rc;
    }
    actions_warn_unfinished(x.target.app);
    bool auto_rb = x.o.auto_rollback;
    if (auto_rb && x.target.read_only) {
        cli_error("read-only: --auto-rollback refused");
        act_ctx_close(&x);
        return EXIT_REFUSED;
    }
    if (auto_rb) {
        strbuf err;
        sb_init(&err);
        x.j = journal_open(NULL, &err);
        sb_free(&err);
        if (!x.j) {
            cli_error("cannot open the journal: --auto-rollback refused");
            act_ctx_close(&x);
            return EXIT_REFUSED;
        }
    }
    rc = act_follow_and_guard(&x, NULL, auto_rb, false);
    act_ctx_close(&x);
    return rc;
}
