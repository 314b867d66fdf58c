/* activity.h — what the Activity pane shows besides AWS's scaling activities:
 * the console's own actions, read back from the journal (journal.h) by the
 * console and handed to the pane, which merges them in, newest first. */
#ifndef TARMAC_ACTIVITY_H
#define TARMAC_ACTIVITY_H

#include <json-c/json.h>

#include "pane.h"

/* One journal record, as the pane shows it. Owned strings. */
typedef struct activity_note {
    char *id; /* "tarmac:<plan id>:<record number>" */
    aws_time when;
    char *asg;    /* the group it acted on (rows show under that group) */
    char *status; /* "tarmac ok", "tarmac failed", "tarmac start", ... */
    int role;     /* theme role of the status */
    char *desc;   /* "deploy step 2/3: prod <- a9f3c21: ..." */
    char *cause;  /* "tarmac, by alice, plan p-..." */
    char *raw;    /* the record's line, for the detail view */
} activity_note;
typedef VEC(activity_note) activity_note_list;

/* Fills n from a journal record; false for records the pane does not show
 * (step_start: its step_end follows) and for ones without a time. seq numbers the
 * record in the journal (it makes the id unique). */
bool activity_note_from_json(activity_note *n, json_object *rec, const char *raw, size_t raw_len, size_t seq);
void activity_note_free(activity_note *n);
void activity_note_list_free(activity_note_list *l);

/* Hands the notes (newest first) to the Activity pane, which owns them from now
 * on; l is left empty. The caller rebuilds the pane (on_model_change). */
void activity_take_notes(pane *p, activity_note_list *l);

/* AWS begins a scaling activity's cause with its time ("At 2026-12-07T12:17:29Z an
 * instance was started ..."). Where the row shows the time already, the cause is
 * what follows: this returns a pointer past that prefix and its spaces, or cause
 * itself when it has no such prefix (or nothing after it). NULL stays NULL. */
const char *activity_cause_untimed(const char *cause);

#endif
