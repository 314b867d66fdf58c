/* console_actions_int.h — what the console's action files share (not for outside
 * use): the actions' state, and the functions one file calls in another (keys,
 * plans, their dialog and running them in console_actions.c; the watch after a
 * deploy, its rollback advice and auto-rollback in console_guard.c; the journal
 * and its unfinished plans in console_journal.c). */
#ifndef TARMAC_CONSOLE_ACTIONS_INT_H
#define TARMAC_CONSOLE_ACTIONS_INT_H

#include "console_int.h"

#include "dialog.h"
#include "deploy/journal.h"
#include "deploy/plan.h"
#include "kinds/kind.h"

/* A plan being built: the answer may come after the operator gave up on it. */
typedef struct build_ticket {
    console *c;
    bool dropped; /* Esc while planning, or the console is closing */
    bool auto_rb; /* an automatic rollback: run without asking */
} build_ticket;

struct con_actions {
    journal *j;
    char jerr[300]; /* why the journal could not be opened */
    bool closing;

    /* the dialog */
    dialog_phase phase;
    bool visible;
    int wrap_width; /* the width the lines were wrapped to */
    char what[300], app[80], asg[256];
    dialog_cmd last; /* what was asked, to plan it again */
    bool has_last;
    char typed[PROMPT_MAX];
    char note[700];
    bool note_bad, can_replan;
    char unbound[600]; /* the next built plan's warning: no app ties its group and repository */
    strbuf after;
    bool show_cli;   /* the plan's aws commands unfolded (a new plan folds them) */
    char hints[300]; /* the status line's keys while the dialog is open */
    /* the names of the dialog's keys, from the keymap (dialog_keys points here) */
    char k_confirm[32], k_decline[32], k_commands[32], k_commands_typing[32], k_stop[32], k_replan[32], k_rollback[32],
        k_resume[32], k_abandon[32];
    dialog_keys keys;

    /* a quit asked for while something would be left behind: the question */
    bool quit_ask;
    char quit_q[400];
    char quit_stay[200];   /* said when the answer is to stay */
    bool quit_was_visible; /* the dialog the question covers, given back on "stay" */
    dialog_phase quit_phase;
    int quit_scroll;
    bool scroll_home; /* the next dialog text starts at its top */

    /* the plan */
    build_ticket *ticket;
    plan *p;
    plan_run *run;
    bool run_finished, auto_rb, stop_sent;
    int64_t quit_deadline;
    bool quit_stopped; /* quitting stopped the plan at a step boundary */

    /* watching a deploy started here */
    bool guarding, guard_offer, guard_auto;
    plan_guard g;
    plan_target gt;   /* whose deploy: also the offer's rollback target */
    char *gt_profile; /* the profile the deploy ran under */
    char guard_line[300];
    watch *gw;             /* the deploy's group while another one is selected */
    aws_client *gw_client; /* the client gw polls through */
    char offer[600];       /* a rollback offer waiting for R */
    char advised[600];     /* a dismissed offer's reason: the app stays marked broken
                                      until a refresh succeeds or live is rolled back */
    char advised_asg[256];
    char auto_reason[600];    /* why the running plan is an automatic rollback */
    char guard_plan[40];      /* the watched plan's id and action, for the journal's */
    const char *guard_action; /* outcome records (and the offer's) */

    /* after a cancel: the group's state at the next poll */
    bool want_summary;

    journal_unfinished_list unf;
    size_t unf_sel;
    bool journal_dirty;

    char sticky[600]; /* the status line while something goes on */
};

/* console_actions.c */
bool con_act_read_only_for(const console *c, const app_config *app); /* read-only in effect there */
void con_act_set_note(con_actions *a, bool bad, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void con_act_dialog_refresh(console *c);
void con_act_dialog_open(console *c, dialog_phase ph);
void con_act_dialog_end(console *c); /* closes the dialog, forgets a plan that did not run */
bool con_act_busy(const con_actions *a);
void con_act_build(console *c, const plan_target *t, const dialog_cmd *cmd, bool auto_rb);
void con_act_sticky_status(console *c, int64_t now, bool force);

/* console_guard.c: watching a deploy */
void con_act_guard_stop(con_actions *a);
void con_act_guard_start(console *c, const plan *p);
/* Journals what became of the rollback offer of the watched plan (offered, dismissed,
 * accepted, auto). */
void con_act_journal_offer(console *c, const char *outcome, const char *reason);
bool con_act_guard_here(const console *c);                    /* the console talks to where the deploy ran */
void con_act_guard_tick(console *c, int64_t now);             /* drives the side watch (gw) */
int con_act_guard_next_due_ms(const console *c, int64_t now); /* -1: no side watch */

/* console_journal.c: the journal, unfinished plans */
void con_act_reload_journal(console *c); /* its newest records into the Activity pane */
size_t con_act_load_unfinished(con_actions *a, const char *app);
void con_act_resume_selected(console *c);
void con_act_abandon_selected(console *c);

#endif
