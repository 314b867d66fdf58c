/* plan_run.c — the executor: one step at a time, each between two journal records,
 * with the read-only switch and every precondition checked again right before each
 * change; the plan's start and end in the journal, the timed wait for a refresh to
 * end, and plan_run_wait for the headless commands. The steps themselves are in
 * plan_step_copy.c and plan_step_refresh.c, the checks before the first change in
 * plan_precheck.c. */
#include "deploy/plan_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "services/services.h"

void prun_manifest_clear(plan_run *r)
{
    ecr_image_free(&r->manifest);
    memset(&r->manifest, 0, sizeof r->manifest);
}

void prun_finish(plan_run *r, plan_outcome o)
{
    if (r->done)
        return;
    r->done = true;
    r->phase = PH_IDLE;
    for (size_t i = 0; i < r->p->steps.n; i++)
        if (r->p->steps.items[i].state == STEP_PENDING || r->p->steps.items[i].state == STEP_RUNNING)
            r->p->steps.items[i].state = STEP_NOT_RUN;
    const char *out = o == PLAN_OK ? "ok" : o == PLAN_REFUSED ? "refused" : o == PLAN_STOPPED ? "stopped" : "failed";
    /* A plan that did not end well and changed something (in this run or an earlier
     * one), or may have, stays unfinished in the journal: the next start offers to
     * resume or abandon it. */
    bool keep_open = o != PLAN_OK && (r->changed || r->uncertain || r->prior_changes) && !r->restored;
    prun_scrub(r, &r->msg);
    prun_journal_plan(r, keep_open ? "plan_interrupted" : "plan_end", out, r->msg.len ? r->msg.buf : NULL, NULL);
    r->p->left_open = keep_open;
    if (r->jerr.len) {
        /* The steps' outcome stands in the journal only partly: never call that a success. */
        if (o == PLAN_OK) {
            o = PLAN_FAILED;
            sb_reset(&r->msg);
            sb_printf(&r->msg, "every step is done, but the journal could not be written: %s", r->jerr.buf);
        } else if (!strstr(r->msg.buf ? r->msg.buf : "", r->jerr.buf)) {
            sb_printf(&r->msg, "%sthe journal could not be written: %s", r->msg.len ? "; " : "", r->jerr.buf);
        }
    }
    r->outcome = o;
    prun_manifest_clear(r);
    if (r->h.finished)
        r->h.finished(r, r->h.ud);
}

/* ---- wait until no refresh is active ---- */

static void wait_poll(plan_run *r);

static void wait_done(aws_client *c, instance_refresh_list *res, const aws_error *err, void *ud)
{
    (void)c;
    plan_run *r = ud;
    if (prun_gone_refreshes(r, res, err))
        return;
    const instance_refresh *a = err ? NULL : prun_first_active(res);
    if (!err && !a) {
        char note[160];
        snprintf(note, sizeof note, "no refresh active%s%.40s", res->n ? "; the latest ended " : "",
                 res->n && res->items[0].status ? res->items[0].status : "");
        prun_step_ok(r, STEP_DONE, note);
    } else if (mono_now_ms() >= r->wait_deadline) {
        prun_step_fail(r, "Timeout", PLAN_FAILED, "the refresh did not end in time");
    } else {
        /* A failed poll is simply tried again at the next tick. */
        r->phase = PH_WAIT_SLEEP;
        r->due_mono = mono_now_ms() + (r->h.wait_poll_ms > 0 ? r->h.wait_poll_ms : 2000);
    }
    MODEL_LIST_FREE(*res, instance_refresh_free);
}

static void wait_poll(plan_run *r)
{
    aws_error e = { 0 };
    r->phase = PH_WAIT_DESCRIBE;
    r->in_flight = true;
    if (svc_asg_describe_refreshes(r->c, r->p->target.asg, NULL, 10, wait_done, r, &e) != 0) {
        prun_call_not_started(r, &e);
    }
}

/* ---- the loop over steps ---- */

void prun_advance(plan_run *r)
{
    if (r->done)
        return;
    plan *p = r->p;
    while (r->idx < p->steps.n && (prun_cur(r)->state == STEP_DONE || prun_cur(r)->state == STEP_SKIPPED)) {
        if (prun_cur(r)->state == STEP_SKIPPED && !prun_cur(r)->result) {
            /* Satisfied when planned: journal it so the log shows every step. */
            str_set(&prun_cur(r)->result, "nothing to do (already equal when planned)");
            prun_journal_step(r, "step_end", "skipped", NULL);
            prun_notify_step(r);
        }
        r->idx++;
    }
    if (r->idx >= p->steps.n) {
        if (p->undo_from)
            prun_undo_finished(r);
        else
            prun_finish(r, PLAN_OK);
        return;
    }
    if (prun_stop_requested(r)) {
        sb_reset(&r->msg);
        sb_printf(&r->msg, "stopped by %s before step %zu", r->stop_by ? r->stop_by : "a signal", r->idx + 1);
        prun_finish(r, PLAN_STOPPED);
        return;
    }
    plan_step *s = prun_cur(r);
    if (r->precheck_tags && !r->precheck_needed && prun_start_tag_check(r))
        return;
    if (r->precheck_needed) {
        prun_start_refresh_check(r);
        return;
    }
    /* The read-only switch is checked here, at the point of change, whatever the UI did. */
    if (prun_step_mutates(s->kind) && p->target.read_only) {
        sb_reset(&r->msg);
        sb_printf(&r->msg, "read-only: step %zu (%s) refused", r->idx + 1, plan_step_kind_name(s->kind));
        prun_finish(r, PLAN_REFUSED);
        return;
    }
    s->state = STEP_RUNNING;
    /* A start step journals its start once it knows the newest refresh (prun_begin_start). */
    if (s->kind != STEP_START_REFRESH && !prun_step_begin(r))
        return;
    prun_notify_step(r);
    switch (s->kind) {
    case STEP_COPY_TAG:
        prun_begin_copy(r);
        break;
    case STEP_START_REFRESH:
        prun_begin_start(r);
        break;
    case STEP_CANCEL_REFRESH:
    case STEP_ROLLBACK_REFRESH:
        prun_begin_id_call(r);
        break;
    case STEP_UNTAG:
        prun_begin_untag(r);
        break;
    case STEP_WAIT_REFRESH_END:
        r->wait_deadline = mono_now_ms() + (r->h.wait_timeout_ms > 0 ? r->h.wait_timeout_ms : 15 * 60 * 1000);
        wait_poll(r);
        break;
    }
}

plan_run *plan_run_start(aws_client *c, plan *p, journal *j, const plan_run_hooks *h, strbuf *err)
{
    plan_run *r = xcalloc(1, sizeof *r);
    r->c = c;
    r->p = p;
    r->j = j;
    if (h)
        r->h = *h;
    sb_init(&r->msg);
    sb_init(&r->jerr);
    r->outcome = PLAN_RUNNING;
    p->left_open = p->resumed;
    const char *why = NULL;
    if (p->refusal)
        why = p->refusal;
    else if (p->target.read_only)
        why = "read-only: this app (or --read-only, or the config's defaults or profile) refuses every change";
    else if (!j)
        why = "no journal: every change is journaled first";
    if (why) {
        sb_append(err, why);
        if (j) {
            journal_record rec = {
                .event = "refused",
                .plan_id = p->id,
                .action = plan_action_name(p->action),
                .user = p->target.user,
                .account = p->target.account,
                .region = p->target.region,
                .app = p->target.app,
                .asg = p->target.asg,
                .repository = p->target.repository,
                .outcome = "refused",
                .error = why,
            };
            strbuf e;
            sb_init(&e);
            if (journal_append(j, &rec, &e) != 0)
                sb_printf(err, "; the journal could not be written: %s", e.buf);
            sb_free(&e);
        }
        sb_free(&r->msg);
        sb_free(&r->jerr);
        free(r);
        return NULL;
    }
    for (size_t i = 0; p->resumed && i < p->steps.n; i++)
        if ((p->steps.items[i].state == STEP_DONE && prun_step_mutates(p->steps.items[i].kind)) ||
            p->steps.items[i].was_started)
            r->prior_changes = true;
    if (p->undo_from)
        r->idx = p->undo_from; /* resumed while putting tags back: only that is left */
    else
        plan_prechecks(r);
    int rc;
    if (p->resumed) {
        rc = prun_journal_plan(r, "plan_resume", NULL, NULL, NULL);
    } else {
        json_object *pj = plan_to_json(p);
        rc = prun_journal_plan(r, "plan_start", NULL, NULL, pj);
        json_object_put(pj);
    }
    if (rc != 0) {
        sb_append(err, r->msg.buf);
        sb_free(&r->msg);
        sb_free(&r->jerr);
        free(r);
        return NULL;
    }
    prun_advance(r);
    return r;
}

void plan_run_tick(plan_run *r, int64_t now)
{
    if (!r->done && r->phase == PH_WAIT_SLEEP && (now >= r->due_mono || prun_stop_requested(r))) {
        if (prun_stop_requested(r)) {
            /* Waiting changes nothing: a stop here ends at this boundary. */
            prun_step_fail(r, "Stopped", PLAN_STOPPED, "stopped by %s while waiting",
                           r->stop_by ? r->stop_by : "a signal");
            return;
        }
        wait_poll(r);
    }
}

int plan_run_next_due_ms(const plan_run *r, int64_t now)
{
    if (r->done || r->phase != PH_WAIT_SLEEP)
        return -1;
    return r->due_mono > now ? (int)(r->due_mono - now) : 0;
}

void plan_run_stop(plan_run *r)
{
    plan_run_stop_by(r, "a signal");
}

void plan_run_stop_by(plan_run *r, const char *who)
{
    r->stop = true;
    r->stop_by = who;
    if (!r->done && r->phase == PH_WAIT_SLEEP)
        r->due_mono = 0;
}

bool plan_run_done(const plan_run *r)
{
    return r->done;
}

plan_outcome plan_run_outcome(const plan_run *r)
{
    return r->outcome;
}

const char *plan_run_message(const plan_run *r)
{
    return r->msg.buf ? r->msg.buf : "";
}

const plan *plan_run_plan(const plan_run *r)
{
    return r->p;
}

void plan_run_free(plan_run *r)
{
    if (!r)
        return;
    prun_manifest_clear(r);
    sb_free(&r->msg);
    sb_free(&r->jerr);
    free(r);
}

plan_outcome plan_run_wait(aws_client *c, plan *p, journal *j, const plan_run_hooks *h, volatile sig_atomic_t *stop,
                           int sig_fd, strbuf *err)
{
    if (stop && *stop) {
        /* Nothing began: not even a journal record. */
        p->left_open = p->resumed;
        sb_append(err, "stopped by a signal before the plan began; nothing was changed");
        return PLAN_STOPPED;
    }
    plan_run_hooks hh = { 0 };
    if (h)
        hh = *h;
    if (!hh.stop)
        hh.stop = stop;
    plan_run *r = plan_run_start(c, p, j, &hh, err);
    if (!r)
        return PLAN_REFUSED;
    while (!r->done) {
        if (stop && *stop)
            plan_run_stop(r);
        int64_t now = mono_now_ms();
        plan_run_tick(r, now);
        if (r->done)
            break;
        int due = plan_run_next_due_ms(r, now);
        int wait = due < 0 || due > 250 ? 250 : due;
        struct curl_waitfd wfd = { .fd = sig_fd, .events = CURL_WAIT_POLLIN };
        int n = aws_client_wait(c, sig_fd >= 0 ? &wfd : NULL, sig_fd >= 0 ? 1 : 0, wait);
        if (n > 0 && (wfd.revents & CURL_WAIT_POLLIN)) {
            char buf[64];
            while (read(sig_fd, buf, sizeof buf) > 0) {
            }
        }
        /* A signal that woke the wait is seen before any answer can start the next step. */
        if (stop && *stop)
            plan_run_stop(r);
        aws_client_run(c);
        if (!r->done && !r->in_flight && r->phase != PH_WAIT_SLEEP && !aws_client_busy(c)) {
            /* Nothing in flight and nothing timed: a bug would spin here forever. */
            sb_append(&r->msg, "internal error: the plan stalled");
            prun_finish(r, (r->changed || r->uncertain) ? PLAN_FAILED : PLAN_REFUSED);
        }
    }
    plan_outcome o = r->outcome;
    if (o != PLAN_OK)
        sb_append(err, r->msg.buf ? r->msg.buf : "");
    plan_run_free(r);
    return o;
}
