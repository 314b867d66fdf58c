/* plan.h — deploy, launch-template deploy, rollback, cancel and promote as plans:
 * a list of steps built from the live state, shown, confirmed, then executed one
 * step at a time with a journal record (journal.h) before and after each step.
 * The console's keys and the headless commands use the same three calls.
 *
 * How the console uses it (nothing here blocks; answers arrive in aws_client_run):
 *
 *   1. Build:    plan_build(client, &target, &req, on_built, ud);
 *                on_built(plan *p, ud) receives the plan (owned by the callee; free
 *                with plan_free). p->refusal != NULL: the plan cannot run (missing
 *                tag, immutable repository, refresh in progress, ...) — show the
 *                text, which names the fix, and offer nothing else.
 *   2. Show:     for each p->steps.items[i]: description (digests with the commit
 *                tags they equal), cli (the equivalent aws command), state
 *                (STEP_SKIPPED when already satisfied). p->notes: facts to show.
 *                Confirm: p->target.protected_ → ask to type p->target.asg
 *                (plan_confirm_text() gives the word to type).
 *   3. Execute:  run = plan_run_start(client, p, journal, &hooks, &err);
 *                hooks.step_changed(run, i, ud) whenever a step changes state;
 *                hooks.finished(run, ud) once. Call plan_run_tick(run, mono_ms)
 *                after aws_client_run() and wait at most plan_run_next_due_ms().
 *                plan_run_stop(run) (SIGTERM/SIGHUP, or a key) stops at the next
 *                step boundary. plan_run_outcome()/plan_run_message() at the end.
 *   4. Watch:    after a refresh started, feed plan_guard_update() with each poll
 *                of the watch model; a PLAN_GUARD_ROLLBACK verdict is the moment to
 *                offer rollback (or, with auto_rollback, build a rollback plan).
 *
 * Safety is enforced here, not only in the UI: a plan whose target is read-only
 * never makes a mutating call (checked again right before each call); before the
 * first step, every tag the plan moves is read again and the plan is refused when
 * one moved since planning (someone else changed it: re-plan), and a plan with a
 * refresh step checks for an active refresh before changing any tag; each tag move
 * re-reads its destination once more right before PutImage; StartInstanceRefresh is
 * never retried. A mutating call that gets no well-formed AWS answer (a timeout, a
 * dropped connection, a cut or unparseable answer, a 5xx) has an unknown outcome:
 * the executor looks (DescribeInstanceRefreshes for a new refresh, BatchGetImage for
 * the tag) and counts the step done when the change is there, else ends the plan
 * FAILED and keeps it open in the journal (never "nothing changed"). PutImage's
 * ImageAlreadyExistsException for the same digest counts as done.
 *
 * A StartInstanceRefresh that AWS definitely refuses (a well-formed 4xx that is not
 * throttling: ValidationError, InstanceRefreshInProgress, LimitExceeded, ...) after
 * the plan moved tags is undone: each moved tag is put back, newest first, as steps
 * of their own (journaled as plan_undo, then step records), and the plan ends
 * REFUSED ("refused, tags restored"). An undo step that fails leaves the plan FAILED
 * and open for resume/abandon. Unknown outcomes are never undone: they stay open.
 *
 * Interrupted plans: a journal plan_start with no plan_end. plan_from_journal()
 * rebuilds the plan (steps journaled as ok/skipped are done); running it again
 * resumes at the first unfinished step with the same digests, checks again that no
 * other refresh runs before moving a tag, and lets a start step that began before
 * take over a refresh newer than the newest one it recorded (never a second start).
 * plan_abandon() ends it in the journal without doing anything. */
#ifndef TARMAC_PLAN_H
#define TARMAC_PLAN_H

#include <json-c/json.h>
#include <signal.h>

#include "aws/aws.h"
#include "config.h"
#include "deploy/journal.h"
#include "services/model.h"
#include "util.h"

typedef enum plan_action {
    PLAN_DEPLOY,    /* stable <- live, live <- TAG, StartInstanceRefresh */
    PLAN_DEPLOY_LT, /* StartInstanceRefresh with DesiredConfiguration (a template version) */
    PLAN_ROLLBACK,  /* RollbackInstanceRefresh, or cancel + live <- stable + refresh */
    PLAN_CANCEL,    /* CancelInstanceRefresh, wait until it ends */
    PLAN_PROMOTE,   /* DST <- SRC, no refresh */
} plan_action;

typedef enum plan_step_kind {
    STEP_COPY_TAG,         /* BatchGetImage (by digest) then PutImage, same bytes and media type */
    STEP_START_REFRESH,    /* StartInstanceRefresh */
    STEP_CANCEL_REFRESH,   /* CancelInstanceRefresh */
    STEP_WAIT_REFRESH_END, /* poll DescribeInstanceRefreshes until no refresh is active */
    STEP_ROLLBACK_REFRESH, /* RollbackInstanceRefresh */
    STEP_UNTAG,            /* BatchDeleteImage of one tag (undo of a copy onto a tag that did not
                              exist), only while keep_tag still names the image */
} plan_step_kind;

typedef enum plan_step_state {
    STEP_PENDING,
    STEP_RUNNING,
    STEP_DONE,
    STEP_SKIPPED, /* already satisfied (tags equal, image already there) */
    STEP_FAILED,
    STEP_NOT_RUN, /* an earlier step failed or the plan was stopped */
} plan_step_state;

typedef struct plan_step {
    plan_step_kind kind;
    plan_step_state state;
    char *description; /* "prod-stable <- prod: sha256:ab12... (2f4a8c6), was sha256:cd34... (d07e6b2)" */
    char *cli;         /* the equivalent aws CLI command(s) */
    /* STEP_COPY_TAG */
    char *src_tag, *dst_tag;
    char *digest;        /* the manifest digest put under dst_tag */
    char *before_digest; /* dst_tag's digest when planned (NULL: the tag did not exist) */
    char *media_type;    /* as DescribeImages reported it (display only) */
    char *label;         /* another tag digest carries (a commit: "e5d1f0c"), display only */
    char *before_label;  /* the same for before_digest (NULL: none known, or resumed) */
    /* STEP_START_REFRESH */
    refresh_prefs prefs;
    bool has_desired;
    lt_spec desired;
    /* results */
    char *refresh_id; /* started / cancelled / rolled back refresh */
    char *request_id; /* of the mutating call */
    char *result;     /* short note: "already there", "adopted refresh ..." */
    char *error;      /* "InstanceRefreshInProgress: ..." when failed */
    char *error_code;
    bool was_started; /* resumed: the journal shows the step began before (started,
                              failed, unknown or stopped), so its change may have happened */
    bool undo;        /* puts a tag back after AWS refused the refresh (see plan_undo.c) */
    char *keep_tag;   /* STEP_UNTAG: another tag that must still name the image */
} plan_step;

/* What a plan acts on: an app from the config, or --asg/--repo. Owned strings. */
typedef struct plan_target {
    char *kind; /* the app's kind (kinds/kinds.def); "asg" for --asg/--repo */
    char *app;  /* app name (the ASG's name when there is no app) */
    char *asg, *repository;
    char *live_tag, *stable_tag;
    char *region, *account, *user;
    bool protected_, read_only, auto_rollback;
    refresh_prefs prefs; /* the app's StartInstanceRefresh preferences */
    int unhealthy_polls, min_healthy_targets_percent;
    strvec alarms;
} plan_target;

/* From a config app (app may be NULL: asg/repo from flags). read_only is the
 * effective switch (flags, defaults, app). */
void plan_target_init(plan_target *t, const app_config *app, const char *asg, const char *repo, const char *region,
                      bool read_only);
void plan_target_free(plan_target *t);

typedef struct plan {
    char id[40]; /* "p-20261123T194200Z-1a2b3c" */
    plan_action action;
    plan_target target;
    char *arg_tag, *arg_dst; /* deploy TAG / promote SRC DST */
    char *arg_lt_version;    /* deploy-lt VERSION */
    VEC(plan_step) steps;
    char *refusal;           /* non-NULL: the plan must not run (why, and the fix) */
    strvec notes;            /* what the operator should know */
    char *latest_refresh_id; /* newest refresh seen when planned (to recognise ours) */
    char *live_digest;       /* live tag's digest when planned */
    char *live_label;        /* its commit tag, else short digest (display only; cancel) */
    /* What the summary says (display only; not journaled: a resumed plan has none) */
    bool has_group_size;
    int group_instances;   /* the group's instances when planned */
    char *running_refresh; /* the refresh that was active when planned (cancel, rollback) */
    int running_percent;   /* its PercentageComplete (-1: not known) */
    size_t undo_from;      /* > 0: AWS definitely refused StartInstanceRefresh after tags moved;
                              steps from here put them back (journaled as plan_undo) */
    char *undo_reason;     /* what AWS said */
    char *trigger;         /* what started it when no person did ("auto-rollback after p-...: ...");
                              journaled with plan_start */
    bool resumed;          /* rebuilt from the journal */
    bool left_open;        /* set when a run ends: the plan is still unfinished in the
                              journal (resume or abandon it) */
} plan;

void plan_free(plan *p);                     /* frees p itself */
const char *plan_action_name(plan_action a); /* deploy, deploy-lt, rollback, cancel, promote */
const char *plan_step_state_name(plan_step_state s);
const char *plan_step_kind_name(plan_step_kind k);
/* The word a protected app's operator types to confirm (the ASG's name). */
const char *plan_confirm_text(const plan *p);
/* Multi-line human text of the whole plan (notes, steps, commands), for dialogs and
 * the terminal. Untrusted strings are passed through as they are: sanitize before
 * drawing. */
void plan_format(const plan *p, strbuf *out);
/* The same, with each step's aws command only when commands is true. */
void plan_format_opt(const plan *p, bool commands, strbuf *out);
/* One line (no newline) saying what running the plan changes, for the first line
 * of a confirmation: "Deploy e5d1f0c to web-asg: 4 instances, rolling, min healthy
 * 90 %; prod 2f4a8c6 -> e5d1f0c". Refused and read-only plans say that nothing will
 * change; "(protected)" follows the group of a protected app. Pure: the plan's own
 * fields only (plan_summary.c). */
void plan_summary(const plan *p, strbuf *out);

/* The plan as JSON (for the journal's plan_start) and back (for resume). */
json_object *plan_to_json(const plan *p);
plan *plan_from_json(json_object *o, strbuf *err);

/* ---- building ---- */
typedef struct plan_request {
    plan_action action;
    const char *tag;        /* deploy: TAG; promote: SRC */
    const char *dst_tag;    /* promote: DST */
    const char *lt_version; /* deploy-lt: a version number */
} plan_request;

typedef void (*plan_built_fn)(plan *p, void *ud);
/* A kind's plan builder (kinds/kind.h): plan_build's contract. */
typedef int (*plan_builder)(aws_client *c, const plan_target *t, const plan_request *r, plan_built_fn done, void *ud);
/* Reads the live state (ASG, refreshes, repository, images, caller identity,
 * launch template versions) and calls done exactly once with a plan (never NULL).
 * Syntax errors are found before any call; done may then run before plan_build
 * returns. Returns 0, or -1 when no call could be started (done was still called). */
int plan_build(aws_client *c, const plan_target *t, const plan_request *r, plan_built_fn done, void *ud);
/* Blocking helper for headless commands. */
plan *plan_build_wait(aws_client *c, const plan_target *t, const plan_request *r);
/* The same, giving up (NULL) as soon as *stop is set (a signal handler sets it;
 * may be NULL); sig_fd (-1: none) is a self-pipe that wakes the wait. The calls
 * still in flight end when the client is freed. */
plan *plan_build_wait_stop(aws_client *c, const plan_target *t, const plan_request *r, volatile sig_atomic_t *stop,
                           int sig_fd);
/* The same with another builder (an app kind's). */
plan *plan_build_wait_via(plan_builder build, aws_client *c, const plan_target *t, const plan_request *r,
                          volatile sig_atomic_t *stop, int sig_fd);

/* ---- resuming and abandoning ---- */
/* Rebuilds an unfinished plan; steps the journal says ended ok/skipped are DONE.
 * NULL with err when the record cannot be understood. */
plan *plan_from_journal(const journal_unfinished *u, strbuf *err);
/* Writes plan_end (outcome abandoned) for an unfinished plan. */
int plan_abandon(journal *j, const journal_unfinished *u, strbuf *err);

/* ---- executing ---- */
typedef enum plan_outcome {
    PLAN_RUNNING,
    PLAN_OK,      /* every step done or skipped */
    PLAN_FAILED,  /* a step failed, its outcome is unknown, or the journal
                              could not be written (the message says why) */
    PLAN_REFUSED, /* nothing was changed: read-only, refusal, precondition; or AWS
                              refused the refresh and the tag moves were undone */
    PLAN_STOPPED, /* stopped at a step boundary (resumable) */
} plan_outcome;

typedef struct plan_run plan_run;
typedef struct plan_run_hooks {
    void (*step_changed)(plan_run *run, size_t step, void *ud);
    void (*finished)(plan_run *run, void *ud);
    void *ud;
    int wait_poll_ms;            /* STEP_WAIT_REFRESH_END poll interval; 0: 2000 */
    int wait_timeout_ms;         /* give up waiting; 0: 15 minutes */
    volatile sig_atomic_t *stop; /* polled before every step and call (a signal
                                      handler sets it); NULL: only plan_run_stop */
} plan_run_hooks;

/* Starts executing p (the run borrows p and j; both must outlive it). Returns NULL
 * with err when the plan was refused before anything ran (p->refusal, read-only,
 * no journal) — after journaling the refusal when possible. */
plan_run *plan_run_start(aws_client *c, plan *p, journal *j, const plan_run_hooks *h, strbuf *err);
void plan_run_tick(plan_run *run, int64_t now_mono_ms);
int plan_run_next_due_ms(const plan_run *run, int64_t now_mono_ms); /* -1: nothing timed */
void plan_run_stop(plan_run *run);                                  /* stop at the next step boundary */
/* The same, naming who asked in the plan's messages (a string literal; plan_run_stop
 * says "a signal"). */
void plan_run_stop_by(plan_run *run, const char *who);
bool plan_run_done(const plan_run *run);
plan_outcome plan_run_outcome(const plan_run *run);
const char *plan_run_message(const plan_run *run); /* why it failed / was refused */
const plan *plan_run_plan(const plan_run *run);
void plan_run_free(plan_run *run); /* only once done (or after aws_client_free) */

/* Blocking: runs p to the end on c, printing nothing. *stop (may be NULL) is polled
 * before the plan starts, before every step and after every wait (a signal handler
 * sets it); sig_fd (-1: none) is a self-pipe that wakes the wait. Returns the
 * outcome (PLAN_STOPPED without any journal record when *stop was set before it
 * began). */
plan_outcome plan_run_wait(aws_client *c, plan *p, journal *j, const plan_run_hooks *h, volatile sig_atomic_t *stop,
                           int sig_fd, strbuf *err);

/* ---- watching a deploy ---- */
typedef enum plan_guard_verdict {
    PLAN_GUARD_RUNNING,
    PLAN_GUARD_SUCCESS,   /* the refresh ended Successful */
    PLAN_GUARD_ROLLBACK,  /* failed, alarm, or unhealthy for too long: roll back */
    PLAN_GUARD_ENDED_BAD, /* ended Cancelled / Rollback*: nothing more to do */
} plan_guard_verdict;

typedef struct plan_guard {
    char *refresh_id;    /* the refresh to follow (NULL: the newest) */
    int unhealthy_polls; /* from the target: consecutive polls allowed under the threshold */
    int min_healthy_percent;
    int low_polls;       /* consecutive polls under the threshold */
    int last_percentage; /* the highest progress seen (-1: none yet) */
    char reason[512];
    /* What was already wrong when the watch began: a deploy is often the fix for
     * it, so it is not a reason to roll back. An alarm already in ALARM counts once
     * its state changes again; healthy targets already under the threshold count
     * only when fewer are healthy than at the start. */
    bool baseline_alarms_set, baseline_health_set;
    bool baseline_low;
    int baseline_healthy;
    size_t n_baseline;
    struct {
        char *name;
        aws_time since;
    } baseline[16];
    char note[512];  /* says what the baseline excused ("" when nothing) */
    char status[40]; /* the rollout's state at the last verdict, as AWS says it */
    size_t note_told;
} plan_guard;

/* What one poll says about an app's rollout, in words every kind can give (a
 * kind's guard_signals op fills it from the watch model): the guard judges these
 * and nothing kind-specific. */
typedef enum rollout_state {
    ROLLOUT_UNSEEN, /* not seen yet */
    ROLLOUT_RUNNING,
    ROLLOUT_ROLLING_BACK, /* AWS rolls it back on its own: wait, health dips are expected */
    ROLLOUT_SUCCEEDED,
    ROLLOUT_FAILED,    /* AWS says it failed: roll back */
    ROLLOUT_ENDED_BAD, /* cancelled or rolled back: nothing more to do */
} rollout_state;

typedef struct guard_signals {
    rollout_state state;
    const char *what;            /* "refresh" */
    const char *status;          /* AWS's word for it ("Failed"); NULL when unseen */
    const char *reason;          /* AWS's reason, or NULL */
    char progress[96];           /* how far, in words ("45% (3 of 4 replaced)"); "" unknown */
    int pct;                     /* how far, in percent (-1: unknown) */
    int healthy, judged, all;    /* targets (plan_guard_count_targets); judged <= 0: unknown */
    const cw_alarm_list *alarms; /* NULL: not known yet */
} guard_signals;

/* The signals of an instance refresh (NULL: not seen yet) with its group's target
 * counts and alarms: the asg kind's, and plan_guard_update's. */
void guard_signals_of_refresh(guard_signals *s, const instance_refresh *r, int healthy, int judged,
                              const cw_alarm_list *alarms);

void plan_guard_init(plan_guard *g, const plan_target *t, const char *refresh_id);
void plan_guard_done(plan_guard *g);
/* One observation: the refresh (NULL: not seen yet), healthy targets out of total
 * (judged targets, see plan_guard_count_targets; total <= 0: unknown), and the
 * watched alarms (NULL: not known yet). The first observation of each sets the
 * baseline (see plan_guard); g->note then says what it excuses. */
plan_guard_verdict plan_guard_update(plan_guard *g, const instance_refresh *r, int healthy, int total,
                                     const cw_alarm_list *alarms);
/* The same for any kind's signals (plan_guard_update is this with the refresh's). */
plan_guard_verdict plan_guard_judge(plan_guard *g, const guard_signals *s);

/* "success", "rollback", "ended_bad" (and "running"), as the journal records them. */
const char *plan_guard_verdict_name(plan_guard_verdict v);
/* The journal's records of what came of a plan after it ran (journal.h):
 * guard_verdict — the watch of its refresh concluded (verdict: a verdict name, or
 * "timeout" / "stopped"; g gives the reason and the refresh's state, may be NULL
 * with reason); rollback_offer — outcome offered, dismissed, accepted or auto.
 * source says who watched ("console", "--wait"). 0, or -1 with err. */
int plan_journal_verdict(journal *j, const plan_target *t, const char *plan_id, const char *action,
                         const char *refresh_id, const char *verdict, const plan_guard *g, const char *reason,
                         const char *source, strbuf *err);
int plan_journal_offer(journal *j, const plan_target *t, const char *plan_id, const char *action, const char *outcome,
                       const char *reason, const char *source, strbuf *err);

/* The part of g->note not returned before (NULL: nothing new), for the caller to
 * show once. */
const char *plan_guard_new_note(plan_guard *g);

/* Counts targets over n health lists: healthy, judged (healthy + unhealthy +
 * unhealthy.draining + unavailable: those with a verdict) and all. Pass healthy/judged to
 * plan_guard_update: targets in initial checks or draining are a rolling
 * refresh's normal dip, not a failure. */
void plan_guard_count_targets(const target_health_list *const *lists, size_t n, int *healthy, int *judged, int *all);

/* Defensive: replaces the client's own secret key and session token in text with
 * "[redacted]" (in place; the text only gets shorter), should an answer ever echo
 * them. Error texts and refusals go through it before the journal or a screen. */
void plan_redact(const aws_client *c, char *text);

/* --preferences / the journal's JSON back into preferences (refresh_prefs_to_json,
 * services/snapshot.h, writes it). */
void plan_prefs_from_json(json_object *o, refresh_prefs *p);

#endif
