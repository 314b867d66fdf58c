/* cmd_actions.h — the headless action commands: deploy, rollback, cancel, promote,
 * resume, abandon (changes, each a journaled plan), watch and log (read only).
 * They are rows of the command table, cli/commands.c. */
#ifndef TARMAC_CMD_ACTIONS_H
#define TARMAC_CMD_ACTIONS_H

#include "cli.h"

/* Exit codes beyond cli.h's. */
enum {
    EXIT_REFUSED = 4,    /* nothing was changed: read-only, no --yes without a terminal,
                                an unfinished plan, a refusal in the plan, InstanceRefreshInProgress */
    EXIT_DEPLOY_BAD = 5, /* the refresh ended Failed / Cancelled / rolled back (reason printed) */
    EXIT_STOPPED = 6,    /* stopped by SIGTERM/SIGHUP/SIGINT at a step boundary (resumable) */
};

int cmd_deploy(cli_globals *g); /* tarmac deploy TAG | --lt-version N | --resume */
int cmd_rollback(cli_globals *g);
int cmd_cancel(cli_globals *g);
int cmd_promote(cli_globals *g); /* tarmac promote SRC DST */
int cmd_resume(cli_globals *g);
int cmd_abandon(cli_globals *g);
int cmd_watch(cli_globals *g);
int cmd_log(cli_globals *g);

/* Their flags, for `tarmac --help` (commands.c; the commands are rows of its table). */
extern const char cmd_actions_usage[];

/* For the console and other commands at start: prints one line per unfinished
 * plan in the journal (app NULL: all) to stderr; returns how many there are. */
int actions_warn_unfinished(const char *app);

#endif
