/* journal.h — the append-only action journal: $XDG_STATE_HOME/tarmac/journal.jsonl
 * (default ~/.local/state/tarmac/journal.jsonl), one JSON object per line, each
 * written with a single write() on an O_APPEND descriptor and fsync'd, the file
 * created 0600 in a 0700 directory. The plan executor (plan.h) writes a record
 * before and after every step; `tarmac log` and the console's Activity pane read
 * it back; unfinished plans (a plan_start with no plan_end) are found here.
 * Records never hold a secret: only the fields of journal_record are written. */
#ifndef TARMAC_JOURNAL_H
#define TARMAC_JOURNAL_H

#include <json-c/json.h>
#include <stdbool.h>

#include "util.h"

#define JOURNAL_MAX_LINE (256 * 1024) /* longer lines are skipped when reading */

typedef struct journal journal;

/* The journal's path (malloc'd): $XDG_STATE_HOME/tarmac/journal.jsonl, else
 * $HOME/.local/state/tarmac/journal.jsonl (home from the password file when HOME is
 * unset). $TARMAC_JOURNAL overrides both (tests, CI). NULL when nothing gives a home. */
char *journal_default_path(void);

/* Opens path for appending (path NULL: the default), creating its directory (0700)
 * and the file (0600) when missing; an existing looser file, and a looser directory
 * named tarmac, are tightened to those modes. Anything but a regular file is
 * refused. Returns NULL with a message in err. */
journal *journal_open(const char *path, strbuf *err);
void journal_close(journal *j);
const char *journal_path(const journal *j);

/* One record. NULL strings and step < 0 are left out. Times are written as
 * ISO 8601 ("time") with milliseconds. */
typedef struct journal_record {
    aws_time time;     /* 0: now */
    const char *event; /* plan_start (with the plan), step_start, step_end,
                                   plan_end (closed), plan_interrupted (stopped or failed
                                   half-way: still open), plan_resume, plan_undo (AWS
                                   refused the refresh: the tag moves are put back),
                                   refused (a plan that never ran); and what came of a
                                   plan after it ended: guard_verdict (the watch of its
                                   refresh concluded: outcome success, rollback,
                                   ended_bad, timeout or stopped; status the refresh's
                                   end state; reason why), rollback_offer (outcome
                                   offered, dismissed, accepted or auto; reason: what
                                   triggered it) */
    const char *plan_id, *action;
    const char *user, *account, *region, *app, *asg, *repository;
    int step;              /* 1-based step number; 0 for plan-level records */
    int steps;             /* plan_start: how many steps */
    const char *step_kind; /* copy_tag, start_refresh, cancel_refresh, ... */
    const char *description;
    const char *before_digest, *after_digest;
    const char *refresh_id;
    const char *request_id;
    const char *outcome; /* ok, skipped, failed, stopped, refused, abandoned, unknown */
    const char *error;
    const char *cli;               /* the equivalent aws CLI command */
    json_object *plan;             /* plan_start: the plan itself (borrowed), for resume */
    const char *latest_refresh_id; /* step_start of start_refresh: the newest refresh seen
                                       right before StartInstanceRefresh (a newer one is ours) */
    json_object *undo_steps;       /* plan_undo: the steps that put moved tags back (borrowed);
                                   they are numbered after the plan's own steps */
    const char *status;            /* guard_verdict: the rollout's state as AWS says it ("Failed") */
    const char *reason;            /* guard_verdict, rollback_offer: why, in words */
    const char *source;            /* guard_verdict, rollback_offer: who watched (console, --wait) */
    const char *trigger;           /* plan_start of a rollback: what triggered it, when not a person
                                   ("auto-rollback after p-...: alarm web-5xx is in ALARM") */
} journal_record;

/* Serializes and appends one line with one write(), then fsync. 0, or -1 with err.
 * A line torn by a short write is cut off again, and a file that does not end in a
 * newline (another writer died half-way) gets one first, so records never glue. */
int journal_append(journal *j, const journal_record *r, strbuf *err);

/* Calls fn for every well-formed record line, oldest first (obj is valid during
 * the call only; raw is the line without its newline). Stops early when fn returns
 * false. A missing file is an empty journal (returns 0). -1 with err on I/O errors
 * and when the path is not a regular file. */
typedef bool (*journal_scan_fn)(void *ud, json_object *obj, const char *raw, size_t raw_len);
int journal_scan(const char *path, journal_scan_fn fn, void *ud, strbuf *err);

/* A plan with a plan_start and no plan_end. */
typedef struct journal_unfinished {
    char *plan_id, *action, *app, *user, *time;
    json_object *start; /* the plan_start record (owned reference) */
    int steps;
    /* Per step (index 0 = step 1): the outcome of its step_end, "started" when only
     * its step_start exists, "" when never started. */
    strvec step_state;
    strvec step_refresh_id;  /* refresh ids recorded at step_end/step_start ("" when none) */
    char *region, *asg;      /* from the plan_start record (NULL when absent) */
    char *latest_refresh_id; /* the newest refresh a start_refresh step saw before its call */
    json_object *undo_steps; /* from a plan_undo record (owned reference), or NULL; its steps
                                   count in steps/step_state after the plan's own */
    char *undo_reason;       /* that record's error */
} journal_unfinished;
typedef VEC(journal_unfinished) journal_unfinished_list;

/* Unfinished plans, oldest first; app NULL: every app. */
int journal_find_unfinished(const char *path, const char *app, journal_unfinished_list *out, strbuf *err);
void journal_unfinished_free(journal_unfinished *u);
void journal_unfinished_list_free(journal_unfinished_list *l);

/* The local user's name (from the password file, else $USER, else the uid), malloc'd. */
char *journal_local_user(void);

#endif
