/* dialog.h — the words of the console's action dialog: pure functions from a plan
 * (plan.h), the dialog's phase and what the operator typed to the lines the
 * console draws, and the syntax of the action commands (:deploy TAG, ...). No
 * curses and no network here, so all of it is tested on its own
 * (tests/unit/test_tui_dialog.c). Untrusted text is passed through: the console
 * sanitizes every line when it draws it. */
#ifndef TARMAC_DIALOG_H
#define TARMAC_DIALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "deploy/journal.h"
#include "services/model.h"
#include "deploy/plan.h"
#include "watch/watch.h"
#include "util.h"

typedef enum dialog_phase {
    DLG_NONE,
    DLG_BUILDING,   /* reading the live state */
    DLG_CONFIRM,    /* the plan, waiting for y / the typed group name */
    DLG_RUNNING,    /* steps going */
    DLG_DONE,       /* the outcome */
    DLG_OFFER,      /* a watched deploy went bad: R rolls back */
    DLG_UNFINISHED, /* plans the journal says never ended */
} dialog_phase;

/* ---- the action commands ---- */

/* NULL-terminated: deploy, deploy-lt, rollback, cancel, promote. */
extern const char *const dialog_commands[];

typedef struct dialog_cmd {
    plan_action action;
    char tag[256];       /* deploy TAG, promote SRC */
    char dst[256];       /* promote DST */
    char lt_version[32]; /* deploy-lt VERSION */
} dialog_cmd;

/* 0: cmd is not an action command. 1: it is, and out holds it. -1: it is, but
 * args are wrong (err says how to write it). Tags are checked by the plan. */
int dialog_parse_command(const char *cmd, const char *args, dialog_cmd *out, char *err, size_t err_len);

/* ---- the dialog ---- */

/* The names of the keys the dialog's words mention (from the keymap, so that a
 * rebinding shows); NULL members (or no dialog_keys at all) read as the defaults. */
typedef struct dialog_keys {
    const char *confirm;         /* "y" */
    const char *decline;         /* "n" */
    const char *commands;        /* "a": show or hide the aws commands */
    const char *commands_typing; /* "Tab": the same while a group's name is typed ("" none) */
    const char *stop;            /* "x" */
    const char *replan;          /* "r" */
    const char *rollback;        /* "R" */
    const char *resume;          /* "r": the unfinished plans' list */
    const char *abandon;         /* "a" */
} dialog_keys;

typedef struct dialog_state {
    dialog_phase phase;
    const plan *p;                             /* NULL while building, and for an offer */
    const char *what;                          /* "deploy a9f3c21": what was asked for */
    const char *app, *asg;                     /* BUILDING / OFFER: whose */
    const char *typed;                         /* CONFIRM on a protected app: what was typed so far */
    const char *note;                          /* shown first: the outcome, a mismatch, the offer's reason */
    bool note_bad;                             /* the note is an error or a warning */
    bool auto_run;                             /* an automatic rollback: nobody was asked */
    bool can_replan;                           /* DONE after a refusal at the start: r plans again */
    const char *after;                         /* DONE: more lines (the refresh being watched, the group's state) */
    const journal_unfinished_list *unfinished; /* DLG_UNFINISHED */
    size_t selected;                           /* DLG_UNFINISHED: which one */
    bool show_cli;                             /* the plan's aws commands unfolded */
    const dialog_keys *keys;                   /* NULL: the default keys */
} dialog_state;

void dialog_title(const dialog_state *d, char *buf, size_t len);
/* The dialog's lines, '\n'-separated. With a plan: its summary first (what it
 * changes, plan_summary), then what to do now, then the plan's steps, their aws
 * commands folded unless show_cli. Enter never runs a plan: the words say y (or
 * the typed group name, then Enter); for a cancel, n and Esc keep the refresh
 * running. */
void dialog_text(const dialog_state *d, strbuf *out);
/* The key that shows the commands now ("" when none can: typing a name and no
 * unprintable key is bound). */
const char *dialog_commands_key(const dialog_state *d);
/* The question a quit asks while something would be left behind (question: what,
 * ending in '?'), and the key that quits. */
void dialog_quit_text(const char *question, const char *yes_key, strbuf *out);

/* True when typed confirms p: the group's name for a protected app (exactly). */
bool dialog_confirm_ok(const plan *p, const char *typed);
/* 1-based number of the step running (else the first pending one); 0: none. */
size_t dialog_current_step(const plan *p);
/* The plan's last refresh step's refresh id (started or rolled back), or NULL. */
const char *dialog_plan_refresh_id(const plan *p);
/* After a cancel: how many instances run on which launch template version and,
 * for an image deploy with the cancelled refresh's start time and the watch that
 * holds the group's EC2 launch times (ws NULL / refresh_start 0: unknown), how many
 * were launched by the refresh (the new image) and how many before it (the old one). */
void dialog_group_summary(const asg_group *g, const watch_state *ws, aws_time refresh_start, const char *live_tag,
                          bool has_repo, strbuf *out);
/* Splits text into lines of at most width columns (counting a code point as one:
 * the console's own words are ASCII, and what AWS said is cut at draw time in the
 * worst case). A long line breaks at its last space that fits, else where it must,
 * and goes on indented two more than it began. Appends to out. */
void dialog_wrap(const char *text, int width, strvec *out);
/* One line about an unfinished plan: action, id, app, when, who, steps done. */
void dialog_unfinished_line(const journal_unfinished *u, strbuf *out);

#endif
