/* cmd_actions_int.h — what the headless action commands' files share (not for
 * outside use): their flags, the session a command opens, the signals that stop a
 * plan at a step boundary (cmd_actions_common.c), and the two halves that call each
 * other: planning and running a plan (cmd_actions.c), following its refresh
 * (cmd_watch.c). Output goes through cli.h's cli_put / cli_say / cli_error. */
#ifndef TARMAC_CMD_ACTIONS_INT_H
#define TARMAC_CMD_ACTIONS_INT_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "cmd_actions.h"
#include "deploy/journal.h"
#include "deploy/plan.h"

typedef struct act_opts {
    bool yes, wait, auto_rollback, resume, json;
    const char *lt_version;
    int interval_ms;
    int timeout_s;
    int limit;
    strvec pos; /* positional arguments */
} act_opts;

typedef struct act_ctx {
    cli_session s;
    plan_target target;
    journal *j;
    act_opts o;
    bool session_open;
    /* The plan whose refresh is followed (for the journal's outcome records), and
     * what triggers the next plan when no person does (an auto-rollback). */
    char followed_plan[40];
    const char *followed_action;
    char *trigger;
} act_ctx;

/* cmd_actions_common.c */
int act_parse_opts(const cli_globals *g, act_opts *o); /* 0, or EXIT_USAGE after saying why */
extern volatile sig_atomic_t act_stop_flag;            /* the signal that asked to stop (0: none) */
extern int act_sig_pipe[2];                            /* written to by the handler, to wake a wait */
void act_signals_install(void);
int act_ctx_open(cli_globals *g, act_ctx *x, bool need_journal);
void act_ctx_close(act_ctx *x);

/* cmd_actions.c: plans, shows, confirms, runs; then follows with --wait / --auto-rollback */
int act_build_and_run(act_ctx *x, const plan_request *req);

/* cmd_watch.c: follows refresh id (NULL: the newest), and rolls back when told to */
int act_follow_and_guard(act_ctx *x, const char *id, bool auto_rollback, bool is_rollback);

#endif
