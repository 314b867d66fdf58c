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

#endif
