/* commands.h — the one table of commands: the headless ones (`tarmac status`) and
 * the console's `:` ones (`:asg NAME`), with where each exists, its arguments and
 * what completes them, its one-line help and its handlers. main.c dispatches from
 * it, `tarmac --help` lists it, the console's command line matches, runs and
 * completes from it, its `?` help and error texts name its rows, and a unit test
 * checks it against man/tarmac.1. */
#ifndef TARMAC_COMMANDS_H
#define TARMAC_COMMANDS_H

#include <stdio.h>

#include "cli.h"

/* Where a command exists (bits). */
#define CMD_HEADLESS 1u /* tarmac NAME ... */
#define CMD_CONSOLE  2u /* :NAME ... in the console */

/* What else a row says (bits). */
#define CMDF_DEMO 1u /* headless: --demo runs it against the simulator */
#define CMDF_ACTION                                                                                                    \
    2u /* console: changes things (listed apart, hidden when read-only);
                                    its handler checks its own arguments */

/* What Tab offers for a console command's argument. */
typedef enum cmd_complete {
    CMPL_NONE,
    CMPL_GROUPS,      /* the Auto Scaling groups the watch lists */
    CMPL_REPOS,       /* the config's repositories and the watched one */
    CMPL_APPS,        /* the config file's apps */
    CMPL_REGIONS,     /* the regions tarmac knows */
    CMPL_PROFILES,    /* the AWS config files' profiles */
    CMPL_THEMES,      /* built-in and installed themes */
    CMPL_TAGS,        /* the Images pane's tags (each word of promote SRC DST) */
    CMPL_LT_VERSIONS, /* the selected group's launch template versions */
    CMPL_COUNT
} cmd_complete;

struct console;

typedef struct command_info {
    const char *name;
    const char *alias;                      /* another spelling it answers to (not offered by Tab), or NULL */
    unsigned where;                         /* CMD_HEADLESS | CMD_CONSOLE */
    unsigned flags;                         /* CMDF_* */
    const char *args;                       /* as help writes them ("NAME", "SRC DST"); NULL: none */
    const char *cli_args;                   /* headless, when they differ from args; NULL: the same */
    cmd_complete complete;                  /* console: what completes args */
    const char *help;                       /* one line, shared by --help and the console's ? */
    int (*run)(cli_globals *g);             /* headless, after the global flags are parsed */
    int (*run_argv)(int argc, char **argv); /* headless with flags of its own: argv[0] is
                                                 the command; it must come first */
    /* console: name as typed (or its alias), arg the rest of the line, trimmed ("": none) */
    void (*con)(struct console *c, const char *name, const char *arg);
} command_info;

extern const command_info commands[];
extern const size_t commands_count;

/* The row named (or aliased) name that exists where (a CMD_* bit); NULL: none. */
const command_info *command_find(const char *name, unsigned where);
/* Appends to out the names of the rows that exist where and start with prefix. */
void commands_complete(unsigned where, const char *prefix, strvec *out);
/* "asg, repo, ..., q": the names of the rows that exist where, into sb. */
void commands_names(unsigned where, strbuf *sb);
/* One line per row that exists where and whose flags & mask == want ("  NAME ARGS
 * help", the help at column width + 2, or after two spaces when NAME ARGS is longer),
 * into sb. Headless rows show their cli_args. */
void commands_list(unsigned where, unsigned flags_mask, unsigned flags_want, int width, strbuf *sb);

/* `tarmac --help`: usage, the commands, their flags, the exit statuses. */
void commands_usage(FILE *f);
/* `tarmac help` */
int cmd_help(cli_globals *g);

#endif
