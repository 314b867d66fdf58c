/* main.c — entry point: global flags, then a headless command from the command
 * table (cli/commands.c), or the console. */
#include <locale.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "console.h"

/* tarmac holds AWS secrets in memory: no core file may carry them to disk. The
 * sanitizers' leak checker needs the process dumpable, so their builds keep it. */
static void no_core_dumps(void)
{
    struct rlimit none = { 0, 0 };
    setrlimit(RLIMIT_CORE, &none);
#if !defined(__SANITIZE_ADDRESS__)
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
}

int main(int argc, char **argv)
{
    no_core_dumps();
    setlocale(LC_ALL, "");
    signal(SIGPIPE, SIG_IGN);

    /* A command with flags of its own (the simulator) gets everything after its name. */
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-') {
            const command_info *own = command_find(argv[i], CMD_HEADLESS);
            if (own && own->run_argv)
                return own->run_argv(argc - i, argv + i);
            break;
        }
    }

    cli_globals g;
    int rc = cli_parse(argc, argv, &g);
    if (rc)
        goto out;
    if (g.version) {
        printf("tarmac %s\n", TARMAC_VERSION);
        goto out;
    }
    const command_info *cmd = g.command ? command_find(g.command, CMD_HEADLESS) : NULL;
    if (g.help || (cmd && cmd->run == cmd_help)) { /* whatever else was asked */
        rc = cmd_help(&g);
        goto out;
    }
    if (g.demo && g.command && !(cmd && (cmd->flags & CMDF_DEMO))) {
        cli_error("--demo runs the console or `status` against the simulator, not '%s'", g.command);
        rc = EXIT_USAGE;
    } else if (g.demo) {
        rc = demo_main(&g);
    } else if (!g.command) {
        rc = console_main(&g);
    } else if (!cmd) {
        cli_error("unknown command '%s' (see tarmac --help)", g.command);
        rc = EXIT_USAGE;
    } else if (!cmd->run) {
        cli_error("'%s' takes flags of its own and comes first: tarmac %s ...", cmd->name, cmd->name);
        rc = EXIT_USAGE;
    } else {
        rc = cmd->run(&g);
    }
out:
    cli_globals_free(&g);
    return rc;
}
