/* plan_step.c — what every step of a running plan shares: its journal records
 * (one before each change, one after), how it ends (done, failed, refused, stopped
 * or unknown), secrets kept out of every text, and how an AWS answer is judged
 * (the client closed under us; refused, or an outcome nobody knows). */
#include "deploy/plan_int.h"

#include <stdarg.h>
#include <string.h>

plan_step *prun_cur(plan_run *r)
{
    return &r->p->steps.items[r->idx];
}

bool prun_step_mutates(plan_step_kind k)
{
    return k != STEP_WAIT_REFRESH_END;
}

/* The stop flag a signal handler sets, seen at every boundary. */
bool prun_stop_requested(plan_run *r)
{
    if (!r->stop && r->h.stop && *r->h.stop)
        r->stop = true;
    return r->stop;
}

const char *prun_nz(const char *s)
{
    return s ? s : "?";
}

void plan_redact(const aws_client *c, char *text)
{
    const aws_credentials *cr = c ? aws_client_credentials(c) : NULL;
    if (!cr || !text)
        return;
    const char *secrets[] = { cr->session_token, cr->secret_access_key };
    static const char mark[] = "[redacted]";
    for (size_t i = 0; i < ARRAY_LEN(secrets); i++) {
        const char *sec = secrets[i];
        size_t n = sec ? strlen(sec) : 0;
        if (n < sizeof mark) /* too short to be one; and the text only shrinks */
            continue;
        char *q;
        while ((q = strstr(text, sec)) != NULL) {
            memcpy(q, mark, sizeof mark - 1);
            memmove(q + sizeof mark - 1, q + n, strlen(q + n) + 1);
        }
    }
}

void prun_scrub(const plan_run *r, strbuf *sb)
{
    if (!sb->buf)
        return;
    plan_redact(r->c, sb->buf);
    sb->len = strlen(sb->buf);
}

void prun_set_scrubbed(plan_run *r, char **dst, const char *text)
{
    strbuf sb;
    sb_init(&sb);
    sb_append(&sb, text ? text : "");
    prun_scrub(r, &sb);
    str_set(dst, text ? sb.buf : NULL);
    sb_free(&sb);
}

/* Keeps the first journal failure: reported at the end whatever the outcome. */
static void journal_failed(plan_run *r, const char *why)
{
    if (!r->jerr.len)
        sb_append(&r->jerr, why);
}

/* 0, or -1 after noting the failure. */
int prun_journal_step(plan_run *r, const char *event, const char *outcome, const char *error)
{
    const plan *p = r->p;
    const plan_step *s = prun_cur(r);
    bool start_rec = strcmp(event, "step_start") == 0;
    journal_record rec = {
        .event = event,
        .plan_id = p->id,
        .action = plan_action_name(p->action),
        .user = p->target.user,
        .account = p->target.account,
        .region = p->target.region,
        .app = p->target.app,
        .asg = p->target.asg,
        .repository = p->target.repository,
        .step = (int)r->idx + 1,
        .step_kind = plan_step_kind_name(s->kind),
        .description = s->description,
        .before_digest = s->kind == STEP_COPY_TAG ? s->before_digest : NULL,
        .after_digest = s->kind == STEP_COPY_TAG ? s->digest : NULL,
        .refresh_id = s->refresh_id,
        .request_id = s->request_id,
        .outcome = outcome,
        .error = error,
        .cli = s->cli,
        .latest_refresh_id = start_rec && s->kind == STEP_START_REFRESH ? p->latest_refresh_id : NULL,
    };
    strbuf e;
    sb_init(&e);
    int rc = journal_append(r->j, &rec, &e);
    if (rc != 0)
        journal_failed(r, e.buf);
    sb_free(&e);
    return rc;
}

int prun_journal_plan(plan_run *r, const char *event, const char *outcome, const char *error, json_object *plan_json)
{
    const plan *p = r->p;
    journal_record rec = {
        .event = event,
        .plan_id = p->id,
        .action = plan_action_name(p->action),
        .user = p->target.user,
        .account = p->target.account,
        .region = p->target.region,
        .app = p->target.app,
        .asg = p->target.asg,
        .repository = p->target.repository,
        .steps = (int)p->steps.n,
        .outcome = outcome,
        .error = error,
        .plan = plan_json,
        .trigger = plan_json ? p->trigger : NULL,
    };
    strbuf e;
    sb_init(&e);
    int rc = journal_append(r->j, &rec, &e);
    if (rc != 0) {
        journal_failed(r, e.buf);
        sb_printf(&r->msg, "%s%s", r->msg.len ? "; " : "", e.buf);
    }
    sb_free(&e);
    return rc;
}

void prun_notify_step(plan_run *r)
{
    if (r->h.step_changed)
        r->h.step_changed(r, r->idx, r->h.ud);
}

static void step_end_bad(plan_run *r, const char *code, plan_outcome o, const char *jout, const char *fmt, va_list ap)
{
    plan_step *s = prun_cur(r);
    strbuf sb;
    sb_init(&sb);
    sb_vprintf(&sb, fmt, ap);
    prun_scrub(r, &sb);
    s->state = o == PLAN_STOPPED ? STEP_PENDING : STEP_FAILED; /* a stopped step is simply not run */
    str_set(&s->error_code, code);
    str_set(&s->error, sb.buf);
    sb_reset(&r->msg);
    sb_printf(&r->msg, "step %zu (%s): %s", r->idx + 1, plan_step_kind_name(s->kind), sb.buf);
    sb_free(&sb);
    prun_journal_step(r, "step_end", jout, s->error);
    prun_notify_step(r);
    /* Nothing changed yet: the whole plan was refused, not half-done. */
    prun_finish(r, o == PLAN_STOPPED ? PLAN_STOPPED : (r->changed || r->uncertain) ? PLAN_FAILED : o);
}

void prun_step_fail(plan_run *r, const char *code, plan_outcome o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    step_end_bad(r, code, o, o == PLAN_REFUSED ? "refused" : o == PLAN_STOPPED ? "stopped" : "failed", fmt, ap);
    va_end(ap);
}

/* A mutating call whose outcome nobody knows: the plan ends FAILED and stays open. */
void prun_step_unknown(plan_run *r, const char *code, const char *fmt, ...)
{
    r->uncertain = true;
    va_list ap;
    va_start(ap, fmt);
    step_end_bad(r, code, PLAN_FAILED, "unknown", fmt, ap);
    va_end(ap);
}

void prun_step_ok(plan_run *r, plan_step_state st, const char *result)
{
    plan_step *s = prun_cur(r);
    s->state = st;
    if (result)
        prun_set_scrubbed(r, &s->result, result);
    str_set(&s->error, NULL);
    str_set(&s->error_code, NULL);
    if (st == STEP_DONE && prun_step_mutates(s->kind))
        r->changed = true;
    prun_journal_step(r, "step_end", st == STEP_SKIPPED ? "skipped" : "ok", NULL);
    prun_notify_step(r);
    r->idx++;
    prun_advance(r);
}

/* Journals the current step's start; false (the plan ended) when it cannot be
 * written: no change without a record before it. */
bool prun_step_begin(plan_run *r)
{
    if (prun_journal_step(r, "step_start", NULL, NULL) == 0)
        return true;
    plan_step *s = prun_cur(r);
    s->state = STEP_FAILED;
    str_set(&s->error, "the journal cannot be written: step not run");
    sb_reset(&r->msg);
    sb_printf(&r->msg, "%s", r->jerr.buf);
    prun_notify_step(r);
    prun_finish(r, (r->changed || r->uncertain) ? PLAN_FAILED : PLAN_REFUSED);
    return false;
}

void prun_last_request_id(plan_run *r, const char *operation)
{
    const aws_call_record *log;
    size_t n = aws_client_call_log(r->c, &log);
    for (size_t i = n; i-- > 0;)
        if (strcmp(log[i].operation, operation) == 0) {
            if (log[i].request_id[0])
                str_set(&prun_cur(r)->request_id, log[i].request_id);
            return;
        }
}

/* Handles the client going away under us (aws_client_free): no new calls. */
bool prun_gone(plan_run *r, const aws_error *err)
{
    r->in_flight = false;
    if (err && strcmp(err->code, "Cancelled") == 0) {
        r->client_gone = true;
        plan_step *s = prun_cur(r);
        s->state = STEP_FAILED;
        str_set(&s->error, "cancelled: the client was closed");
        sb_reset(&r->msg);
        sb_append(&r->msg, "cancelled: the client was closed");
        prun_finish(r, (r->changed || r->uncertain) ? PLAN_STOPPED : PLAN_REFUSED);
        return true;
    }
    return false;
}

bool prun_gone_refreshes(plan_run *r, instance_refresh_list *res, const aws_error *err)
{
    if (!prun_gone(r, err))
        return false;
    MODEL_LIST_FREE(*res, instance_refresh_free);
    return true;
}

bool prun_gone_batch(plan_run *r, ecr_batch_get_result *res, const aws_error *err)
{
    if (!prun_gone(r, err))
        return false;
    ecr_batch_get_result_free(res);
    return true;
}

void prun_step_fail_err(plan_run *r, const aws_error *err)
{
    char e[700];
    prun_err_text(err, e, sizeof e);
    prun_step_fail(r, err->code, PLAN_FAILED, "%s", e);
}

void prun_err_text(const aws_error *err, char *buf, size_t len)
{
    aws_error_format(err, buf, len);
}

/* A call that could not even be sent (no request left the process): the step fails
 * plainly; nothing on AWS's side can have changed. */
void prun_call_not_started(plan_run *r, const aws_error *e)
{
    r->in_flight = false;
    prun_step_fail_err(r, e);
}

/* A well-formed AWS error answer (a 4xx with its code) says the call was refused
 * and nothing happened. Anything else — no answer, a timeout, a cut or unparseable
 * answer, a 5xx — leaves a mutating call's outcome unknown: it may have happened. */
bool prun_outcome_unknown(const aws_error *err)
{
    if (err->transport || err->http_status < 400 || err->http_status >= 500 || err->http_status == 408)
        return true;
    return !err->code[0] || strcmp(err->code, "MalformedResponse") == 0 || strcmp(err->code, "Timeout") == 0 ||
        strcmp(err->code, "NetworkError") == 0;
}
