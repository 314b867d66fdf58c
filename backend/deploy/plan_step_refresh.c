/* plan_step_refresh.c — the steps that act on an instance refresh: start one
 * (never retried blindly: an unclear answer is checked with DescribeInstanceRefreshes,
 * and a resumed start takes over the refresh its earlier call began), cancel one,
 * roll one back; and how a refresh is described in messages. */
#include "deploy/plan_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/services.h"

/* "refresh 0f2e... (InProgress, 40%, started 2026-..., reason: ...)" */
void prun_describe_refresh(const instance_refresh *x, strbuf *sb)
{
    char started[40] = "";
    time_format_iso8601(x->start_time, started, sizeof started);
    sb_printf(sb, "refresh %s (%s", prun_nz(x->instance_refresh_id), prun_nz(x->status));
    if (x->has_percentage_complete)
        sb_printf(sb, ", %d%% done", x->percentage_complete);
    sb_printf(sb, ", started %s", started[0] ? started : "at an unknown time");
    if (x->status_reason && *x->status_reason)
        sb_printf(sb, ", AWS says: %.300s", x->status_reason);
    if (x->has_desired_configuration && x->desired_launch_template.version)
        sb_printf(sb, ", to launch template version %s", x->desired_launch_template.version);
    sb_append(sb, ")");
}

const instance_refresh *prun_first_active(const instance_refresh_list *l)
{
    for (size_t i = 0; l && i < l->n; i++)
        if (refresh_status_active(l->items[i].status))
            return &l->items[i];
    return NULL;
}

/* Newest refresh first: is there one we did not know before? */
static const instance_refresh *new_refresh(const plan *p, const instance_refresh_list *l)
{
    if (!l || l->n == 0 || !l->items[0].instance_refresh_id)
        return NULL;
    const instance_refresh *newest = &l->items[0];
    if (p->latest_refresh_id && str_eq(newest->instance_refresh_id, p->latest_refresh_id))
        return NULL;
    return newest;
}

/* ---- start a refresh (never retried blindly) ---- */

static void start_call(plan_run *r);

static void start_who_done(aws_client *c, instance_refresh_list *res, const aws_error *err, void *ud)
{
    (void)c;
    plan_run *r = ud;
    if (prun_gone_refreshes(r, res, err))
        return;
    strbuf sb;
    sb_init(&sb);
    const instance_refresh *a = err ? NULL : prun_first_active(res);
    if (a)
        prun_describe_refresh(a, &sb);
    else
        sb_append(&sb, "a refresh (no details: DescribeInstanceRefreshes did not show it)");
    strbuf why;
    sb_init(&why);
    sb_printf(&why, "InstanceRefreshInProgress: %s is already running on %s; not retried. Wait for it or cancel it.",
              sb.buf, prun_nz(r->p->target.asg));
    if (!prun_start_undo(r, "InstanceRefreshInProgress", why.buf))
        prun_step_fail(r, "InstanceRefreshInProgress", PLAN_FAILED, "%s", why.buf);
    sb_free(&why);
    sb_free(&sb);
    MODEL_LIST_FREE(*res, instance_refresh_free);
}

static void start_confirm_done(aws_client *c, instance_refresh_list *res, const aws_error *err, void *ud)
{
    (void)c;
    plan_run *r = ud;
    if (prun_gone_refreshes(r, res, err))
        return;
    plan_step *s = prun_cur(r);
    const instance_refresh *mine = err ? NULL : new_refresh(r->p, res);
    if (mine) {
        str_set(&s->refresh_id, mine->instance_refresh_id);
        char note[200];
        snprintf(note, sizeof note,
                 "no usable answer from StartInstanceRefresh; DescribeInstanceRefreshes shows "
                 "the new refresh %.80s: it started",
                 prun_nz(mine->instance_refresh_id));
        prun_step_ok(r, STEP_DONE, note);
    } else {
        char e[700] = "";
        if (err)
            prun_err_text(err, e, sizeof e);
        prun_step_unknown(
            r, s->error_code ? s->error_code : "Unconfirmed",
            "StartInstanceRefresh got no usable answer (%s) and %s%s; it was not retried. The plan "
            "stays open: check the group's refreshes, then resume it (a refresh that started after all "
            "is taken over, never started twice) or abandon it",
            s->error ? s->error : prun_nz(s->error_code),
            err ? "DescribeInstanceRefreshes failed too: " : "DescribeInstanceRefreshes shows no new refresh", e);
    }
    MODEL_LIST_FREE(*res, instance_refresh_free);
}

static void start_done(aws_client *c, char *id, const aws_error *err, void *ud)
{
    plan_run *r = ud;
    if (prun_gone(r, err)) {
        free(id);
        return;
    }
    plan_step *s = prun_cur(r);
    prun_last_request_id(r, "StartInstanceRefresh");
    if (!err) {
        str_set(&s->refresh_id, id);
        free(id);
        prun_step_ok(r, STEP_DONE, NULL);
        return;
    }
    free(id);
    aws_error e = { 0 };
    if (strcmp(err->code, "InstanceRefreshInProgress") == 0) {
        r->phase = PH_START_WHO;
        r->in_flight = true;
        if (svc_asg_describe_refreshes(c, r->p->target.asg, NULL, 10, start_who_done, r, &e) == 0)
            return;
        r->in_flight = false;
        char why[400];
        snprintf(why, sizeof why, "InstanceRefreshInProgress: another refresh is running on %.255s; not retried",
                 prun_nz(r->p->target.asg));
        if (!prun_start_undo(r, err->code, why))
            prun_step_fail(r, err->code, PLAN_FAILED, "%s", why);
    } else if (prun_outcome_unknown(err)) {
        /* The request may have reached AWS: look before doing anything else. */
        char t[700];
        prun_err_text(err, t, sizeof t);
        str_set(&s->error_code, err->code);
        prun_set_scrubbed(r, &s->error, t);
        r->phase = PH_START_CONFIRM;
        r->in_flight = true;
        if (svc_asg_describe_refreshes(c, r->p->target.asg, NULL, 10, start_confirm_done, r, &e) == 0)
            return;
        r->in_flight = false;
        prun_step_unknown(r, err->code,
                          "StartInstanceRefresh got no usable answer (%s) and the check could not "
                          "start; the plan stays open",
                          t);
    } else {
        /* Refused for good (ValidationError, LimitExceeded, ...): put the tags back. */
        char t[700];
        prun_err_text(err, t, sizeof t);
        if (!(prun_refusal_definite(err) && prun_start_undo(r, err->code, t)))
            prun_step_fail(r, err->code, PLAN_FAILED, "%s", t);
    }
}

static void start_describe_done(aws_client *c, instance_refresh_list *res, const aws_error *err, void *ud)
{
    (void)c;
    plan_run *r = ud;
    if (prun_gone_refreshes(r, res, err))
        return;
    plan_step *s = prun_cur(r);
    const instance_refresh *a = err ? NULL : prun_first_active(res);
    const instance_refresh *fresh = err ? NULL : new_refresh(r->p, res);
    /* Resumed after this very step began (whatever it ended with): a refresh newer
     * than the newest one it recorded before its call is that call's. */
    bool adopt = s->was_started && fresh && r->p->resumed;
    if (!err && !adopt && !a && res->n)
        str_set(&r->p->latest_refresh_id, res->items[0].instance_refresh_id);
    /* The record before the change carries the newest refresh seen: resume compares with it. */
    if (!prun_step_begin(r)) {
        MODEL_LIST_FREE(*res, instance_refresh_free);
        return;
    }
    if (err) {
        prun_step_fail_err(r, err);
    } else if (adopt) {
        str_set(&s->refresh_id, fresh->instance_refresh_id);
        prun_step_ok(r, STEP_DONE, "started before the interruption (found by DescribeInstanceRefreshes)");
    } else if (a) {
        strbuf sb;
        sb_init(&sb);
        prun_describe_refresh(a, &sb);
        /* Another operator's refresh began after the tags moved: it would launch our image. */
        strbuf why;
        sb_init(&why);
        sb_printf(&why, "InstanceRefreshInProgress: %s is already running on %s; not started", sb.buf,
                  prun_nz(r->p->target.asg));
        if (!prun_start_undo(r, "InstanceRefreshInProgress", why.buf))
            prun_step_fail(r, "InstanceRefreshInProgress", PLAN_FAILED, "%s", why.buf);
        sb_free(&why);
        sb_free(&sb);
    } else {
        start_call(r);
    }
    MODEL_LIST_FREE(*res, instance_refresh_free);
}

static void start_call(plan_run *r)
{
    plan_step *s = prun_cur(r);
    if (r->p->target.read_only) {
        prun_step_fail(r, "ReadOnly", PLAN_REFUSED, "read-only: StartInstanceRefresh refused");
        return;
    }
    if (prun_stop_requested(r)) {
        prun_step_fail(r, "Stopped", PLAN_STOPPED, "stopped by %s before StartInstanceRefresh",
                       r->stop_by ? r->stop_by : "a signal");
        return;
    }
    refresh_start_params sp = {
        .auto_scaling_group_name = r->p->target.asg,
        .preferences = &s->prefs,
        .desired_launch_template = s->has_desired ? &s->desired : NULL,
    };
    aws_error e = { 0 };
    r->phase = PH_START_CALL;
    r->in_flight = true;
    if (svc_asg_start_refresh(r->c, &sp, start_done, r, &e) != 0) {
        prun_call_not_started(r, &e);
    }
}

/* The step's record is written once the newest refresh is known (start_describe_done). */
void prun_begin_start(plan_run *r)
{
    aws_error e = { 0 };
    r->phase = PH_START_DESCRIBE;
    r->in_flight = true;
    if (svc_asg_describe_refreshes(r->c, r->p->target.asg, NULL, 10, start_describe_done, r, &e) != 0) {
        r->in_flight = false;
        char t[700];
        prun_err_text(&e, t, sizeof t);
        if (prun_step_begin(r))
            prun_step_fail(r, e.code, PLAN_FAILED, "%s", t);
    }
}

/* ---- cancel / rollback ---- */

/* After a Cancel/RollbackInstanceRefresh without a usable answer: did it happen? */
static void id_verify_done(aws_client *c, instance_refresh_list *res, const aws_error *err, void *ud)
{
    (void)c;
    plan_run *r = ud;
    if (prun_gone_refreshes(r, res, err))
        return;
    plan_step *s = prun_cur(r);
    bool cancel = s->kind == STEP_CANCEL_REFRESH;
    const instance_refresh *n = !err && res->n ? &res->items[0] : NULL;
    const char *st = n ? n->status : NULL;
    bool happened = n &&
        (cancel
             ? (str_eq(st, "Cancelling") || str_eq(st, "Cancelled") || !prun_first_active(res))
             : (str_eq(st, "RollbackInProgress") || str_eq(st, "RollbackSuccessful") || str_eq(st, "RollbackFailed")));
    char *lost = xstrdup(s->error);
    if (happened) {
        char note[900];
        snprintf(note, sizeof note, "%s's answer was lost (%.500s); the newest refresh is %.40s: done",
                 cancel ? "CancelInstanceRefresh" : "RollbackInstanceRefresh", prun_nz(lost), prun_nz(st));
        str_set(&s->refresh_id, n->instance_refresh_id);
        prun_step_ok(r, STEP_DONE, note);
    } else {
        char e[700] = "";
        if (err)
            prun_err_text(err, e, sizeof e);
        prun_step_unknown(r, s->error_code ? s->error_code : "Unknown",
                          "%s got no usable answer (%s) and %s%s. The plan stays open: check the group's refreshes, "
                          "then resume or abandon it",
                          cancel ? "CancelInstanceRefresh" : "RollbackInstanceRefresh", prun_nz(lost),
                          err ? "the check failed: " : "DescribeInstanceRefreshes does not show it", err ? e : "");
    }
    free(lost);
    MODEL_LIST_FREE(*res, instance_refresh_free);
}

static void id_call_done(aws_client *c, char *id, const aws_error *err, void *ud)
{
    (void)c;
    plan_run *r = ud;
    if (prun_gone(r, err)) {
        free(id);
        return;
    }
    plan_step *s = prun_cur(r);
    prun_last_request_id(r, s->kind == STEP_CANCEL_REFRESH ? "CancelInstanceRefresh" : "RollbackInstanceRefresh");
    if (!err) {
        str_set(&s->refresh_id, id);
        free(id);
        prun_step_ok(r, STEP_DONE, NULL);
        return;
    }
    free(id);
    if (s->kind == STEP_CANCEL_REFRESH && strcmp(err->code, "ActiveInstanceRefreshNotFound") == 0) {
        prun_step_ok(r, STEP_SKIPPED, "no active refresh to cancel (it had already ended)");
        return;
    }
    char t[700];
    prun_err_text(err, t, sizeof t);
    if (prun_outcome_unknown(err)) {
        aws_error e = { 0 };
        str_set(&s->error_code, err->code);
        prun_set_scrubbed(r, &s->error, t);
        r->phase = PH_ID_VERIFY;
        r->in_flight = true;
        if (svc_asg_describe_refreshes(c, r->p->target.asg, NULL, 10, id_verify_done, r, &e) == 0)
            return;
        r->in_flight = false;
        prun_step_unknown(r, err->code, "no usable answer (%s) and the check could not start; the plan stays open", t);
    } else if (strcmp(err->code, "IrreversibleInstanceRefresh") == 0) {
        prun_step_fail(r, err->code, PLAN_FAILED,
                       "%s; AWS cannot undo this refresh (its launch template takes "
                       "the image from an SSM parameter, or uses $Latest/$Default): cancel it (tarmac cancel) and "
                       "deploy the version to return to (tarmac deploy --lt-version N)",
                       t);
    } else {
        prun_step_fail(r, err->code, PLAN_FAILED, "%s", t);
    }
}

void prun_begin_id_call(plan_run *r)
{
    plan_step *s = prun_cur(r);
    if (r->p->target.read_only) {
        prun_step_fail(r, "ReadOnly", PLAN_REFUSED, "read-only: %s refused",
                       s->kind == STEP_CANCEL_REFRESH ? "CancelInstanceRefresh" : "RollbackInstanceRefresh");
        return;
    }
    aws_error e = { 0 };
    int rc;
    r->in_flight = true;
    if (s->kind == STEP_CANCEL_REFRESH) {
        r->phase = PH_CANCEL_CALL;
        rc = svc_asg_cancel_refresh(r->c, r->p->target.asg, id_call_done, r, &e);
    } else {
        r->phase = PH_ROLLBACK_CALL;
        rc = svc_asg_rollback_refresh(r->c, r->p->target.asg, id_call_done, r, &e);
    }
    if (rc != 0) {
        prun_call_not_started(r, &e);
    }
}
