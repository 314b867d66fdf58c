/* plan_undo.c — when AWS definitely refuses StartInstanceRefresh after the plan
 * moved tags, nothing may be left half-done: `prod` on a new image with no refresh
 * means the next scale-out launches an image nobody watched. Each tag the plan moved
 * is put back, newest move first, as steps of their own: a copy_tag back to the
 * digest it had, or an untag when the tag did not exist before. They are journaled
 * (a plan_undo record with the steps, then the usual step records) so that an
 * interrupted undo resumes where it stopped. All put back: the plan ends refused,
 * "tags restored". An undo step that fails leaves the plan open (resume/abandon).
 * Only a definite refusal is undone; an unknown outcome may have started a refresh. */
#include "deploy/plan_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deploy/plan_cli.h"
#include "aws/retry.h"
#include "services/services.h"

bool prun_refusal_definite(const aws_error *err)
{
    if (!err || prun_outcome_unknown(err) || err->http_status == 429 || retry_is_throttling_code(err->code))
        return false;
    return err->code[0] != '\0';
}

static void short_digest(const char *d, char *buf, size_t len)
{
    snprintf(buf, len, "%.19s", d ? d : "(none)"); /* "sha256:" + 12 hex */
}

/* The undo of one done copy step. */
static void add_undo_of(plan *p, const plan_step *done, strvec *said)
{
    const plan_target *t = &p->target;
    plan_step *u = VEC_NEW(p->steps);
    u->undo = true;
    u->dst_tag = xstrdup(done->dst_tag);
    char was[32], now[32];
    short_digest(done->before_digest, was, sizeof was);
    short_digest(done->digest, now, sizeof now);
    strbuf sb;
    sb_init(&sb);
    if (done->before_digest) {
        u->kind = STEP_COPY_TAG;
        u->digest = xstrdup(done->before_digest);
        u->before_digest = xstrdup(done->digest);
        u->src_tag = xstrdup(done->dst_tag);
        sb_printf(&sb, "undo: %s <- %s, back to what it was before this plan (now %s)", done->dst_tag, was, now);
        u->description = sb_steal(&sb);
        /* (the old image's media type is read back by the step, as by the command) */
        u->cli = plan_cli_step(t, u);
    } else {
        u->kind = STEP_UNTAG;
        u->digest = xstrdup(done->digest);
        u->keep_tag = xstrdup(done->src_tag);
        sb_printf(&sb, "undo: remove tag %s (it did not exist before this plan; %s keeps image %s)", done->dst_tag,
                  prun_nz(done->src_tag), now);
        u->description = sb_steal(&sb);
        u->cli = plan_cli_step(t, u);
    }
    sb_free(&sb);
    sb_init(&sb);
    sb_printf(&sb, "%s %s", done->dst_tag, done->before_digest ? was : "(removed)");
    strvec_push(said, sb.buf);
    sb_free(&sb);
}

bool prun_start_undo(plan_run *r, const char *code, const char *why)
{
    plan *p = r->p;
    size_t start = r->idx;
    size_t n_done = 0;
    for (size_t i = 0; i < start; i++) {
        const plan_step *s = &p->steps.items[i];
        if (s->kind == STEP_COPY_TAG && !s->undo && s->state == STEP_DONE)
            n_done++;
    }
    if (n_done == 0 || p->undo_from || p->steps.n + n_done > PLAN_MAX_STEPS)
        return false;

    /* The refused step ends first, in its own record. */
    plan_step *s = prun_cur(r);
    s->state = STEP_FAILED;
    str_set(&s->error_code, code);
    prun_set_scrubbed(r, &s->error, why);
    prun_journal_step(r, "step_end", "refused", s->error);
    prun_notify_step(r);
    prun_set_scrubbed(r, &p->undo_reason, why);

    strvec said = { 0 };
    p->undo_from = p->steps.n;
    for (size_t i = start; i-- > 0;) {
        plan_step done = p->steps.items[i]; /* a shallow copy: adding a step may move the vector */
        if (done.kind == STEP_COPY_TAG && !done.undo && done.state == STEP_DONE)
            add_undo_of(p, &done, &said);
    }
    json_object *steps = json_object_new_array();
    for (size_t i = p->undo_from; i < p->steps.n; i++)
        json_object_array_add(steps, plan_step_to_json(&p->steps.items[i]));
    strbuf desc;
    sb_init(&desc);
    sb_printf(&desc, "StartInstanceRefresh was refused (%s): putting back", code);
    for (size_t i = 0; i < said.n; i++)
        sb_printf(&desc, "%s %s", i ? "," : "", said.items[i]);
    journal_record rec = {
        .event = "plan_undo",
        .plan_id = p->id,
        .action = plan_action_name(p->action),
        .user = p->target.user,
        .account = p->target.account,
        .region = p->target.region,
        .app = p->target.app,
        .asg = p->target.asg,
        .repository = p->target.repository,
        .steps = (int)p->steps.n,
        .description = desc.buf,
        .error = p->undo_reason,
        .undo_steps = steps,
    };
    strbuf e;
    sb_init(&e);
    int rc = journal_append(r->j, &rec, &e);
    json_object_put(steps);
    sb_free(&desc);
    strvec_free(&said);
    r->idx = p->undo_from;
    r->precheck_needed = r->precheck_tags = false; /* putting back needs no other refresh to be absent */
    if (rc != 0) {
        /* No record, no change: the undo steps are not run; the plan stays open. */
        if (!r->jerr.len)
            sb_append(&r->jerr, e.buf);
        sb_free(&e);
        sb_reset(&r->msg);
        sb_printf(&r->msg,
                  "StartInstanceRefresh was refused (%s) after tags moved, and the journal cannot be "
                  "written, so they were not put back: %s",
                  why, r->jerr.buf);
        prun_finish(r, PLAN_FAILED);
        return true;
    }
    sb_free(&e);
    prun_advance(r);
    return true;
}

void prun_undo_finished(plan_run *r)
{
    plan *p = r->p;
    r->restored = true;
    sb_reset(&r->msg);
    sb_printf(&r->msg,
              "refused, tags restored: AWS refused StartInstanceRefresh (%s), so the tags this plan moved "
              "were put back:",
              prun_nz(p->undo_reason));
    for (size_t i = p->undo_from; i < p->steps.n; i++) {
        const plan_step *s = &p->steps.items[i];
        char d[32];
        short_digest(s->digest, d, sizeof d);
        sb_printf(&r->msg, "%s %s %s", i > p->undo_from ? "," : "", prun_nz(s->dst_tag),
                  s->kind == STEP_UNTAG ? "removed" : d);
    }
    sb_append(&r->msg, "; nothing is left changed");
    prun_finish(r, PLAN_REFUSED);
}

/* ---- the untag step: BatchDeleteImage of dst_tag, only while it still points at
 * the digest this plan put there and keep_tag names that image too (deleting an
 * image's last tag deletes the image). ---- */

static const char *tag_digest(const ecr_batch_get_result *res, const char *tag)
{
    for (size_t i = 0; tag && i < res->images.n; i++)
        if (str_eq(res->images.items[i].image_tag, tag))
            return res->images.items[i].image_digest;
    return NULL;
}

static void untag_verify_done(aws_client *c, ecr_batch_get_result *res, const aws_error *err, void *ud)
{
    (void)c;
    plan_run *r = ud;
    if (prun_gone_batch(r, res, err))
        return;
    plan_step *s = prun_cur(r);
    char *lost = xstrdup(s->error);
    if (!err && !tag_digest(res, s->dst_tag)) {
        char note[700];
        snprintf(note, sizeof note, "BatchDeleteImage's answer was lost (%.400s); the tag is gone: done",
                 prun_nz(lost));
        prun_step_ok(r, STEP_DONE, note);
    } else {
        prun_step_unknown(r, s->error_code ? s->error_code : "Unknown",
                          "BatchDeleteImage got no usable answer (%s) and %s; the plan stays open: check tag %s, then "
                          "resume or abandon it",
                          prun_nz(lost), err ? "the check failed" : "the tag is still there", prun_nz(s->dst_tag));
    }
    free(lost);
    ecr_batch_get_result_free(res);
}

static void untag_delete_done(aws_client *c, ecr_batch_get_result *res, const aws_error *err, void *ud)
{
    plan_run *r = ud;
    if (prun_gone_batch(r, res, err))
        return;
    plan_step *s = prun_cur(r);
    prun_last_request_id(r, "BatchDeleteImage");
    char t[700];
    if (!err && res->failures.n == 0) {
        prun_step_ok(r, STEP_DONE, NULL);
    } else if (!err) {
        const ecr_image_failure *f = &res->failures.items[0];
        if (str_eq(f->failure_code, "ImageNotFound"))
            prun_step_ok(r, STEP_DONE, "the tag was already gone");
        else
            prun_step_fail(r, f->failure_code ? f->failure_code : "Failure", PLAN_FAILED, "BatchDeleteImage: %s: %s",
                           prun_nz(f->failure_code), prun_nz(f->failure_reason));
    } else if (prun_outcome_unknown(err)) {
        prun_err_text(err, t, sizeof t);
        str_set(&s->error_code, err->code);
        prun_set_scrubbed(r, &s->error, t);
        ecr_image_id id = { .image_tag = s->dst_tag };
        aws_error e = { 0 };
        r->phase = PH_UNTAG_VERIFY;
        r->in_flight = true;
        if (svc_ecr_batch_get_image(c, r->p->target.repository, &id, 1, NULL, untag_verify_done, r, &e) != 0) {
            r->in_flight = false;
            prun_step_unknown(r, err->code,
                              "BatchDeleteImage got no usable answer (%s) and the check could not start; "
                              "the plan stays open",
                              t);
        }
    } else {
        prun_err_text(err, t, sizeof t);
        prun_step_fail(r, err->code, PLAN_FAILED, "%s", t);
    }
    ecr_batch_get_result_free(res);
}

static void untag_read_done(aws_client *c, ecr_batch_get_result *res, const aws_error *err, void *ud)
{
    plan_run *r = ud;
    if (prun_gone_batch(r, res, err))
        return;
    plan_step *s = prun_cur(r);
    const char *now = err ? NULL : tag_digest(res, s->dst_tag);
    const char *keep = err ? NULL : tag_digest(res, s->keep_tag);
    if (err) {
        prun_step_fail_err(r, err);
    } else if (!now) {
        prun_step_ok(r, s->was_started ? STEP_DONE : STEP_SKIPPED, "the tag is not there any more");
    } else if (!str_eq(now, s->digest)) {
        prun_step_fail(r, "TagMoved", PLAN_FAILED,
                       "%s moved since this plan put it there (now %s): someone else "
                       "changed it; left as it is",
                       prun_nz(s->dst_tag), now);
    } else if (!str_eq(keep, s->digest)) {
        prun_step_fail(r, "LastTag", PLAN_FAILED,
                       "%s is the only tag left on image %s (%s no longer names it): "
                       "removing it would delete the image; left as it is",
                       prun_nz(s->dst_tag), prun_nz(s->digest), prun_nz(s->keep_tag));
    } else if (r->p->target.read_only) {
        prun_step_fail(r, "ReadOnly", PLAN_REFUSED, "read-only: BatchDeleteImage refused");
    } else {
        ecr_image_id id = { .image_tag = s->dst_tag };
        aws_error e = { 0 };
        r->phase = PH_UNTAG_DELETE;
        r->in_flight = true;
        if (svc_ecr_batch_delete_image(c, r->p->target.repository, &id, 1, untag_delete_done, r, &e) != 0)
            prun_call_not_started(r, &e);
    }
    ecr_batch_get_result_free(res);
}

void prun_begin_untag(plan_run *r)
{
    plan_step *s = prun_cur(r);
    ecr_image_id ids[2] = { { .image_tag = s->dst_tag }, { .image_tag = s->keep_tag } };
    aws_error e = { 0 };
    r->phase = PH_UNTAG_READ;
    r->in_flight = true;
    if (svc_ecr_batch_get_image(r->c, r->p->target.repository, ids, s->keep_tag ? 2 : 1, NULL, untag_read_done, r,
                                &e) != 0)
        prun_call_not_started(r, &e);
}
