/* plan_precheck.c — before the first change: no other refresh runs on the group
 * (a refresh it launches would pull a moved tag), and every tag the plan moves is
 * still where the plan saw it (else someone else changed it: plan again). Which of
 * the two a plan needs depends on its remaining steps (plan_prechecks). */
#include "deploy/plan_int.h"

#include "services/services.h"

/* A refresh one of this plan's own steps started or acted on. */
static bool plan_owns_refresh(const plan *p, const char *id)
{
    for (size_t i = 0; id && i < p->steps.n; i++)
        if (str_eq(p->steps.items[i].refresh_id, id))
            return true;
    return false;
}

/* ---- precheck: an active refresh refuses the plan before any tag moves ---- */

static void precheck_done(aws_client *c, instance_refresh_list *res, const aws_error *err, void *ud)
{
    (void)c;
    plan_run *r = ud;
    if (prun_gone_refreshes(r, res, err))
        return;
    const instance_refresh *a = NULL;
    for (size_t i = 0; !err && i < res->n && !a; i++)
        if (refresh_status_active(res->items[i].status) && !plan_owns_refresh(r->p, res->items[i].instance_refresh_id))
            a = &res->items[i];
    if (err) {
        char e[700];
        prun_err_text(err, e, sizeof e);
        sb_reset(&r->msg);
        sb_printf(&r->msg, "cannot check for a running instance refresh: %s", e);
        prun_finish(r, PLAN_REFUSED);
    } else if (a) {
        sb_reset(&r->msg);
        sb_append(&r->msg, "InstanceRefreshInProgress: another ");
        prun_describe_refresh(a, &r->msg);
        sb_printf(&r->msg,
                  " is running on %s; nothing was changed. Wait for it (tarmac watch) or cancel it "
                  "(tarmac cancel), then %s.",
                  prun_nz(r->p->target.asg), r->p->resumed ? "resume" : "plan again");
        prun_finish(r, PLAN_REFUSED);
    } else {
        r->precheck_needed = false;
        if (res->n && !r->p->resumed)
            str_set(&r->p->latest_refresh_id, res->items[0].instance_refresh_id);
        prun_advance(r);
    }
    MODEL_LIST_FREE(*res, instance_refresh_free);
}

/* Asks for the group's refreshes; precheck_done goes on with the plan or refuses it. */
void prun_start_refresh_check(plan_run *r)
{
    aws_error e = { 0 };
    r->phase = PH_PRECHECK;
    r->in_flight = true;
    if (svc_asg_describe_refreshes(r->c, r->p->target.asg, NULL, 10, precheck_done, r, &e) != 0) {
        r->in_flight = false;
        char t[700];
        prun_err_text(&e, t, sizeof t);
        sb_reset(&r->msg);
        sb_append(&r->msg, t);
        prun_finish(r, PLAN_REFUSED);
    }
}

/* ---- precheck: the tags the plan moves have not moved since it was made ---- */

static void tags_checked(aws_client *c, ecr_batch_get_result *res, const aws_error *err, void *ud)
{
    (void)c;
    plan_run *r = ud;
    if (prun_gone_batch(r, res, err))
        return;
    if (err) {
        char e[700];
        prun_err_text(err, e, sizeof e);
        sb_reset(&r->msg);
        sb_printf(&r->msg, "cannot check the tags before moving them: %s", e);
        prun_finish(r, PLAN_REFUSED);
        ecr_batch_get_result_free(res);
        return;
    }
    for (size_t i = 0; i < r->p->steps.n; i++) {
        const plan_step *s = &r->p->steps.items[i];
        if (s->kind != STEP_COPY_TAG || s->state != STEP_PENDING)
            continue;
        const char *now = NULL;
        for (size_t k = 0; k < res->images.n; k++)
            if (str_eq(res->images.items[k].image_tag, s->dst_tag))
                now = res->images.items[k].image_digest;
        if (!str_eq(now, s->before_digest) && !str_eq(now, s->digest)) {
            sb_reset(&r->msg);
            sb_printf(&r->msg,
                      "%s moved since the plan was made (now %s, planned from %s): someone else "
                      "changed it; nothing %s changed: %s",
                      prun_nz(s->dst_tag), now ? now : "absent", s->before_digest ? s->before_digest : "absent",
                      r->p->resumed ? "more was" : "was",
                      r->p->resumed ? "abandon this plan and plan again" : "plan again");
            prun_finish(r, PLAN_REFUSED);
            ecr_batch_get_result_free(res);
            return;
        }
    }
    r->precheck_tags = false;
    ecr_batch_get_result_free(res);
    prun_advance(r);
}

bool prun_start_tag_check(plan_run *r)
{
    ecr_image_id ids[PLAN_MAX_STEPS];
    size_t n = 0;
    for (size_t i = 0; i < r->p->steps.n && n < ARRAY_LEN(ids); i++) {
        const plan_step *s = &r->p->steps.items[i];
        if (s->kind == STEP_COPY_TAG && s->state == STEP_PENDING)
            ids[n++] = (ecr_image_id){ .image_tag = s->dst_tag };
    }
    r->precheck_tags = false;
    if (n == 0)
        return false;
    aws_error e = { 0 };
    r->phase = PH_PRECHECK;
    r->in_flight = true;
    if (svc_ecr_batch_get_image(r->c, r->p->target.repository, ids, n, NULL, tags_checked, r, &e) != 0) {
        r->in_flight = false;
        char t[700];
        prun_err_text(&e, t, sizeof t);
        sb_reset(&r->msg);
        sb_append(&r->msg, t);
        prun_finish(r, PLAN_REFUSED);
    }
    return true;
}

/* Which prechecks the remaining steps need. */
void plan_prechecks(plan_run *r)
{
    const plan *p = r->p;
    size_t first = 0;
    while (first < p->steps.n &&
           (p->steps.items[first].state == STEP_DONE || p->steps.items[first].state == STEP_SKIPPED))
        first++;
    bool copy_pending = false, cut = false;
    for (size_t i = first; i < p->steps.n; i++) {
        const plan_step *s = &p->steps.items[i];
        bool copy = s->kind == STEP_COPY_TAG && s->state == STEP_PENDING && p->target.repository;
        /* Every tag still to move is where the plan saw it (or already moved). */
        if (copy)
            r->precheck_tags = true;
        /* Promote onto the live tag: the instances a running refresh still launches
         * would pull the moved tag. */
        if (copy && p->action == PLAN_PROMOTE && str_eq(s->dst_tag, p->target.live_tag))
            r->precheck_needed = true;
        /* Tags that move before a refresh starts (a deploy, resumed or not; a
         * rollback's retag once its cancel and wait are done): no other refresh may
         * run. A cancel or wait step deals with the running refresh itself. */
        if (s->kind == STEP_CANCEL_REFRESH || s->kind == STEP_ROLLBACK_REFRESH || s->kind == STEP_WAIT_REFRESH_END)
            cut = true;
        copy_pending = copy_pending || copy;
        if (!cut && s->kind == STEP_START_REFRESH && (copy_pending || !p->resumed))
            r->precheck_needed = true;
    }
}
