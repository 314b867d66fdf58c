/* plan_step_copy.c — the copy_tag step: moves an ECR tag to a digest with
 * PutImage of the source manifest, after reading the destination once more (it must
 * still be where the plan saw it). A PutImage without a usable answer is checked
 * with BatchGetImage before the step is called done or its outcome unknown. */
#include "deploy/plan_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/services.h"

/* After a PutImage without a usable answer: is the tag where we wanted it? */
static void copy_verify_done(aws_client *c, ecr_batch_get_result *res, const aws_error *err, void *ud)
{
    (void)c;
    plan_run *r = ud;
    if (prun_gone_batch(r, res, err))
        return;
    plan_step *s = prun_cur(r);
    const char *now = NULL;
    for (size_t i = 0; !err && i < res->images.n; i++)
        if (str_eq(res->images.items[i].image_tag, s->dst_tag))
            now = res->images.items[i].image_digest;
    char *lost = xstrdup(s->error);
    if (!err && str_eq(now, s->digest)) {
        char note[1000];
        snprintf(note, sizeof note,
                 "PutImage's answer was lost (%.500s); BatchGetImage shows %.300s at the "
                 "digest: done",
                 prun_nz(lost), prun_nz(s->dst_tag));
        prun_step_ok(r, STEP_DONE, note);
    } else {
        char e[700] = "";
        if (err)
            prun_err_text(err, e, sizeof e);
        prun_step_unknown(r, s->error_code ? s->error_code : "Unknown",
                          "PutImage got no usable answer (%s) and %s%s; %s may still move. The plan stays open: check "
                          "the tag, then resume or abandon it",
                          prun_nz(lost), err ? "the check failed: " : "BatchGetImage shows the tag elsewhere",
                          err ? e : "", prun_nz(s->dst_tag));
    }
    free(lost);
    ecr_batch_get_result_free(res);
}

static void copy_verify(plan_run *r)
{
    plan_step *s = prun_cur(r);
    ecr_image_id id = { .image_tag = s->dst_tag };
    aws_error e = { 0 };
    r->phase = PH_COPY_VERIFY;
    r->in_flight = true;
    if (svc_ecr_batch_get_image(r->c, r->p->target.repository, &id, 1, NULL, copy_verify_done, r, &e) != 0) {
        r->in_flight = false;
        char t[700];
        prun_err_text(&e, t, sizeof t);
        prun_step_unknown(r, e.code,
                          "PutImage got no usable answer (%s) and the check could not start: %s; the "
                          "plan stays open",
                          prun_nz(s->error), t);
    }
}

static void copy_put_done(aws_client *c, ecr_image *res, const aws_error *err, void *ud)
{
    (void)c;
    plan_run *r = ud;
    if (res)
        ecr_image_free(res);
    if (prun_gone(r, err))
        return;
    plan_step *s = prun_cur(r);
    prun_last_request_id(r, "PutImage");
    if (!err) {
        prun_step_ok(r, STEP_DONE, NULL);
    } else if (strcmp(err->code, "ImageAlreadyExistsException") == 0) {
        prun_step_ok(r, STEP_DONE, "already there (ImageAlreadyExistsException for the same digest)");
    } else if (strcmp(err->code, "ImageTagAlreadyExistsException") == 0) {
        prun_step_fail(r, err->code, PLAN_FAILED,
                       "repository %s has immutable tags: %s cannot be moved. Fix: set imageTagMutability to "
                       "IMMUTABLE_WITH_EXCLUSION with exclusion filters for '%s' and '%s', or MUTABLE",
                       prun_nz(r->p->target.repository), prun_nz(s->dst_tag), prun_nz(r->p->target.live_tag),
                       prun_nz(r->p->target.stable_tag));
    } else if (prun_outcome_unknown(err)) {
        /* The tag may have moved: look before saying anything. */
        char e[700];
        prun_err_text(err, e, sizeof e);
        str_set(&s->error_code, err->code);
        prun_set_scrubbed(r, &s->error, e);
        copy_verify(r);
    } else {
        prun_step_fail_err(r, err);
    }
}

static void copy_src_done(aws_client *c, ecr_batch_get_result *res, const aws_error *err, void *ud)
{
    plan_run *r = ud;
    if (prun_gone_batch(r, res, err))
        return;
    plan_step *s = prun_cur(r);
    if (err) {
        prun_step_fail_err(r, err);
    } else if (res->images.n == 0 || !res->images.items[0].image_manifest ||
               !str_eq(res->images.items[0].image_digest, s->digest)) {
        prun_step_fail(r, "ImageNotFoundException", PLAN_FAILED, "image %s is no longer in repository %s",
                       prun_nz(s->digest), prun_nz(r->p->target.repository));
    } else if (r->p->target.read_only) {
        prun_step_fail(r, "ReadOnly", PLAN_REFUSED, "read-only: PutImage refused");
    } else if (prun_stop_requested(r)) {
        prun_step_fail(r, "Stopped", PLAN_STOPPED, "stopped by %s before PutImage",
                       r->stop_by ? r->stop_by : "a signal");
    } else {
        prun_manifest_clear(r);
        r->manifest = res->images.items[0];
        memset(&res->images.items[0], 0, sizeof res->images.items[0]);
        aws_error e = { 0 };
        r->phase = PH_COPY_PUT;
        r->in_flight = true;
        if (svc_ecr_put_image(c, r->p->target.repository, r->manifest.image_manifest, r->manifest.image_manifest_len,
                              r->manifest.image_manifest_media_type, s->dst_tag, s->digest, copy_put_done, r,
                              &e) != 0) {
            r->in_flight = false;
            char t[700];
            prun_err_text(&e, t, sizeof t);
            prun_step_fail(r, e.code, PLAN_FAILED, "%s", t);
        }
    }
    ecr_batch_get_result_free(res);
}

static void copy_dst_done(aws_client *c, ecr_batch_get_result *res, const aws_error *err, void *ud)
{
    plan_run *r = ud;
    if (prun_gone_batch(r, res, err))
        return;
    plan_step *s = prun_cur(r);
    const char *now = NULL;
    bool bad = false;
    if (err) {
        prun_step_fail_err(r, err);
        ecr_batch_get_result_free(res);
        return;
    }
    for (size_t i = 0; i < res->images.n; i++)
        if (str_eq(res->images.items[i].image_tag, s->dst_tag))
            now = res->images.items[i].image_digest;
    for (size_t i = 0; i < res->failures.n; i++)
        if (!str_eq(res->failures.items[i].failure_code, "ImageNotFound") &&
            !str_eq(res->failures.items[i].failure_code, "ImageTagDoesNotMatchDigest"))
            bad = true;
    if (bad && !now) {
        prun_step_fail(r, res->failures.items[0].failure_code, PLAN_FAILED, "BatchGetImage: %s: %s",
                       res->failures.items[0].failure_code ? res->failures.items[0].failure_code : "?",
                       res->failures.items[0].failure_reason ? res->failures.items[0].failure_reason : "");
    } else if (str_eq(now, s->digest)) {
        /* Resumed: the earlier run's PutImage got there. */
        prun_step_ok(r, s->was_started ? STEP_DONE : STEP_SKIPPED, "already there: the tag points at this digest");
    } else if (!str_eq(now, s->before_digest) && s->undo) {
        prun_step_fail(r, "TagMoved", PLAN_FAILED,
                       "%s moved since this plan put it there (now %s, not %s): someone "
                       "else changed it; left as it is",
                       prun_nz(s->dst_tag), now ? now : "absent", prun_nz(s->before_digest));
    } else if (!str_eq(now, s->before_digest)) {
        prun_step_fail(r, "TagMoved", PLAN_REFUSED,
                       "%s moved since the plan was made (now %s, planned from %s): someone else changed it; "
                       "nothing more was done: plan again",
                       prun_nz(s->dst_tag), now ? now : "absent", s->before_digest ? s->before_digest : "absent");
    } else {
        ecr_image_id id = { .image_digest = s->digest };
        aws_error e = { 0 };
        r->phase = PH_COPY_READ_SRC;
        r->in_flight = true;
        if (svc_ecr_batch_get_image(c, r->p->target.repository, &id, 1, NULL, copy_src_done, r, &e) != 0) {
            r->in_flight = false;
            char t[700];
            prun_err_text(&e, t, sizeof t);
            prun_step_fail(r, e.code, PLAN_FAILED, "%s", t);
        }
    }
    ecr_batch_get_result_free(res);
}

void prun_begin_copy(plan_run *r)
{
    plan_step *s = prun_cur(r);
    ecr_image_id id = { .image_tag = s->dst_tag };
    aws_error e = { 0 };
    r->phase = PH_COPY_READ_DST;
    r->in_flight = true;
    if (svc_ecr_batch_get_image(r->c, r->p->target.repository, &id, 1, NULL, copy_dst_done, r, &e) != 0) {
        prun_call_not_started(r, &e);
    }
}
