/* console.h — the full-screen console (`tarmac` with no command): one event loop
 * over the client core, stdin and a signal pipe; the six panes; overlays (detail,
 * help, API log); the `/` filter and `:` command line; terminal set-up and its
 * restoration on every way out. */
#ifndef TARMAC_CONSOLE_H
#define TARMAC_CONSOLE_H

#include "cli.h"

/* Console-only flags, read from g->args: --refresh=SECONDS, --theme=NAME (and
 * "--refresh SECONDS" / "--theme NAME" when the value follows as its own word).
 * Returns the process exit status. */
int console_main(const cli_globals *g);

/* The `:` commands, rows of the command table (cli/commands.c): name as typed (or
 * its alias), arg the rest of the line, trimmed ("" when none). In console_cmd.c;
 * con_cmd_action (deploy, deploy-lt, rollback, cancel, promote) in console_actions.c. */
struct console;
void con_cmd_asg(struct console *c, const char *name, const char *arg);
void con_cmd_repo(struct console *c, const char *name, const char *arg);
void con_cmd_app(struct console *c, const char *name, const char *arg);
void con_cmd_apps(struct console *c, const char *name, const char *arg);
void con_cmd_region(struct console *c, const char *name, const char *arg);
void con_cmd_profile(struct console *c, const char *name, const char *arg);
void con_cmd_theme(struct console *c, const char *name, const char *arg);
void con_cmd_quit(struct console *c, const char *name, const char *arg);
void con_cmd_action(struct console *c, const char *name, const char *arg);

#endif
