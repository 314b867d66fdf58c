/* plan_int.h — what the plan's files share (not for outside use): the executor's
 * state and phases, and the helpers a step uses to call AWS, journal itself and
 * end. plan_run.c runs the loop over steps, plan_step.c holds what every step
 * shares, plan_precheck.c the checks before the first change, plan_step_copy.c and
 * plan_step_refresh.c the steps themselves. Helpers whose names would be too
 * generic for extern symbols take the prun_ prefix. */
#ifndef TARMAC_PLAN_INT_H
#define TARMAC_PLAN_INT_H

#include "deploy/plan.h"

#define PLAN_MAX_STEPS 16

/* plan.c: the index of a name in the tables behind plan_action_name(),
 * plan_step_kind_name() and plan_step_state_name(); -1 when unknown. */
int plan_action_lookup(const char *s);
int plan_step_kind_lookup(const char *s);
int plan_step_state_lookup(const char *s);

/* ------------------------------------------------------------------ executor */

enum {
    PH_IDLE,
    PH_PRECHECK,
    PH_COPY_READ_DST,
    PH_COPY_READ_SRC,
    PH_COPY_PUT,
    PH_COPY_VERIFY,
    PH_START_DESCRIBE,
    PH_START_CALL,
    PH_START_CONFIRM,
    PH_START_WHO,
    PH_CANCEL_CALL,
    PH_ROLLBACK_CALL,
    PH_ID_VERIFY,
    PH_WAIT_DESCRIBE,
    PH_WAIT_SLEEP,
    PH_UNTAG_READ,
    PH_UNTAG_DELETE,
    PH_UNTAG_VERIFY,
};

struct plan_run {
    aws_client *c;
    plan *p;
    journal *j;
    plan_run_hooks h;
    size_t idx;
    int phase;
    bool precheck_needed; /* no other refresh runs before tags move (deploy, rollback's retag,
                                promote onto the live tag) */
    bool precheck_tags;   /* every tag to move is still where the plan saw it */
    bool changed;         /* some mutating step succeeded */
    bool uncertain;       /* a mutating call's outcome is unknown */
    bool prior_changes;   /* resumed: an earlier run changed (or may have changed) something */
    bool restored;        /* AWS refused the refresh and every tag move was put back */
    bool stop;
    const char *stop_by; /* who asked ("a signal", "the operator (x)"): a literal */
    bool done;
    bool in_flight;
    bool client_gone;
    plan_outcome outcome;
    strbuf msg;
    strbuf jerr;      /* the first journal write that failed */
    int64_t due_mono; /* PH_WAIT_SLEEP: next poll */
    int64_t wait_deadline;
    ecr_image manifest; /* PH_COPY_*: the source manifest */
};

/* plan_run.c: the loop over steps */
void prun_advance(plan_run *r);                /* the next step, or the end of the plan */
void prun_finish(plan_run *r, plan_outcome o); /* ends the plan once: journal, hooks */
void prun_manifest_clear(plan_run *r);

/* plan_step.c: what every step shares */
plan_step *prun_cur(plan_run *r);
bool prun_step_mutates(plan_step_kind k);
bool prun_stop_requested(plan_run *r);
const char *prun_nz(const char *s);
void prun_scrub(const plan_run *r, strbuf *sb);
void prun_set_scrubbed(plan_run *r, char **dst, const char *text);
int prun_journal_step(plan_run *r, const char *event, const char *outcome, const char *error);
int prun_journal_plan(plan_run *r, const char *event, const char *outcome, const char *error, json_object *plan_json);
void prun_notify_step(plan_run *r);
void prun_step_fail(plan_run *r, const char *code, plan_outcome o, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void prun_step_unknown(plan_run *r, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void prun_step_ok(plan_run *r, plan_step_state st, const char *result);
bool prun_step_begin(plan_run *r);
void prun_last_request_id(plan_run *r, const char *operation);
bool prun_gone(plan_run *r, const aws_error *err);
/* The same for a DescribeInstanceRefreshes answer, which it frees when gone. */
bool prun_gone_refreshes(plan_run *r, instance_refresh_list *res, const aws_error *err);
/* The same for a BatchGetImage/BatchDeleteImage answer. */
bool prun_gone_batch(plan_run *r, ecr_batch_get_result *res, const aws_error *err);
/* The step failed with AWS's error, as prun_err_text words it (PLAN_FAILED). */
void prun_step_fail_err(plan_run *r, const aws_error *err);
void prun_err_text(const aws_error *err, char *buf, size_t len);
void prun_call_not_started(plan_run *r, const aws_error *e);
bool prun_outcome_unknown(const aws_error *err);

/* plan_json.c */
json_object *plan_step_to_json(const plan_step *s);

/* plan_precheck.c: before the first change */
void plan_prechecks(plan_run *r);
bool prun_start_tag_check(plan_run *r);
void prun_start_refresh_check(plan_run *r);

/* plan_step_copy.c */
void prun_begin_copy(plan_run *r);

/* plan_undo.c: putting tags back after AWS refused the refresh */
/* AWS understood the request and refused it (a well-formed 4xx that is not throttling). */
bool prun_refusal_definite(const aws_error *err);
/* The current (start) step was definitely refused with why: when tags moved, journals
 * the step's end and the undo steps and runs them (true); false: nothing to undo. */
bool prun_start_undo(plan_run *r, const char *code, const char *why);
void prun_begin_untag(plan_run *r);
/* End of the undo steps: the plan closes refused, nothing left changed. */
void prun_undo_finished(plan_run *r);

/* plan_step_refresh.c */
void prun_describe_refresh(const instance_refresh *x, strbuf *sb);
const instance_refresh *prun_first_active(const instance_refresh_list *l);
void prun_begin_start(plan_run *r);
void prun_begin_id_call(plan_run *r);

#endif
