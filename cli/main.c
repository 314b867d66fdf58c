/* main.c — entry point: global flags, then a headless command, the simulator,
 * or the console. */
#include <locale.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd_actions.h"
#include "cmd_creds.h"
#include "console.h"
#include "sim_main.h"

static const char usage_text[] =
    "usage: tarmac [global flags] [command] [command flags]\n"
    "\n"
    "A terminal console for deploying and rolling back AWS Auto Scaling groups,\n"
    "their ALB target groups and the ECR tags they run.\n"
    "\n"
    "commands:\n"
    "  status            one snapshot: ASGs, instances, refreshes, target health, ECR images\n"
    "  creds             which credentials, identity and region a profile resolves to\n"
    "                    (--list-profiles: the profiles of the config files)\n"
    "  sim               run the AWS-compatible simulator (see tarmac-sim(1))\n"
    "  (none)            the console; see tarmac(1) for its keys\n"
    "\n"
    "status flags:\n"
    "  --asg NAME        an Auto Scaling group (repeatable; default: every group of the region)\n"
    "  --repo NAME       an ECR repository (repeatable)\n"
    "  --app NAME        an app from the config file (its ASG and repository)\n"
    "  --json            one JSON document with the AWS API's member names\n"
    "\n"
    "console flags:\n"
    "  --refresh SECS    base poll interval (default 30; 2 while a refresh runs)\n"
    "  --theme NAME      dark, light, high-contrast, mono, or a theme file's name\n"
    "  --no-mouse        leave the mouse to the terminal\n"
    "\n"
    "global flags (before or after the command):\n"
    "  --profile NAME    AWS profile (default: AWS_PROFILE, else \"default\")\n"
    "  --region REGION   AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's)\n"
    "  --endpoint-url URL  send every service's calls to URL (http:// only for loopback)\n"
    "  --config FILE     config file (default: $XDG_CONFIG_HOME/tarmac/config.yaml)\n"
    "  --read-only       refuse every action that changes anything\n"
    "  --demo            start the built-in simulator and run against it (no AWS account)\n"
    "  -h, --help        this help\n"
    "  --version         print the version\n"
    "\n";

static const char usage_exit[] =
    "exit status: 0 ok, 1 AWS or network error, 2 usage or config error,\n"
    "             3 some calls failed (what was fetched is shown, failures listed)\n";

static const struct {
    const char *name;
    int (*run)(cli_globals *);
} action_commands[] = {
    { "deploy", cmd_deploy }, { "rollback", cmd_rollback }, { "cancel", cmd_cancel },
    { "promote", cmd_promote }, { "resume", cmd_resume }, { "abandon", cmd_abandon },
    { "watch", cmd_watch }, { "log", cmd_log },
};

/* Runs an action command; -1 when g->command is not one. */
static int dispatch_action(cli_globals *g)
{
    for (size_t i = 0; i < sizeof action_commands / sizeof action_commands[0]; i++)
        if (strcmp(g->command, action_commands[i].name) == 0)
            return action_commands[i].run(g);
    return -1;
}

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

    /* The simulator has its own flags: hand it everything after "sim". */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "sim") == 0)
            return sim_main(argc - i, argv + i);
        if (argv[i][0] != '-')
            break;
    }

    cli_globals g;
    int rc = cli_parse(argc, argv, &g);
    if (rc)
        goto out;
    if (g.version) {
        printf("tarmac %s\n", TARMAC_VERSION);
        goto out;
    }
    if (g.help || (g.command && strcmp(g.command, "help") == 0)) {
        fputs(usage_text, stdout);
        fputs(cmd_actions_usage, stdout);
        fputs("\n", stdout);
        fputs(usage_exit, stdout);
        goto out;
    }
    if (g.demo && (!g.command || strcmp(g.command, "status") == 0)) {
        rc = demo_main(&g);
    } else if (g.demo) {
        cli_error("--demo runs the console or `status` against the simulator, not '%s'", g.command);
        rc = EXIT_USAGE;
    } else if (!g.command) {
        rc = console_main(&g);
    } else if (strcmp(g.command, "status") == 0) {
        rc = cmd_status(&g);
    } else if (strcmp(g.command, "creds") == 0) {
        rc = cmd_creds(&g);
    } else if ((rc = dispatch_action(&g)) >= 0) {
        /* done */
    } else {
        cli_error("unknown command '%s' (see tarmac --help)", g.command);
        rc = EXIT_USAGE;
    }
out:
    cli_globals_free(&g);
    return rc;
}
