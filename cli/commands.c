/* commands.c — the one table of commands (see commands.h) and what is made from
 * it: lookup, completion of the command word, the lists in help and errors, and
 * `tarmac --help`. */
#include "commands.h"

#include <string.h>

#include "cmd_actions.h"
#include "cmd_creds.h"
#include "console.h"
#include "sim_main.h"

#define BOTH (CMD_HEADLESS | CMD_CONSOLE)

/* The order is the order of every list made from the table. */
const command_info commands[] = {
    { .name = "status",
      .where = CMD_HEADLESS,
      .flags = CMDF_DEMO,
      .run = cmd_status,
      .help = "one snapshot: ASGs, instances, refreshes, target health, ECR images" },
    { .name = "creds",
      .where = CMD_HEADLESS,
      .run = cmd_creds,
      .help = "credentials, identity and region a profile resolves to (--list-profiles)" },
    { .name = "asg",
      .where = CMD_CONSOLE,
      .args = "NAME",
      .complete = CMPL_GROUPS,
      .con = con_cmd_asg,
      .help = "watch another Auto Scaling group" },
    { .name = "repo",
      .where = CMD_CONSOLE,
      .args = "NAME",
      .complete = CMPL_REPOS,
      .con = con_cmd_repo,
      .help = "watch another ECR repository" },
    { .name = "app",
      .where = CMD_CONSOLE,
      .args = "NAME",
      .complete = CMPL_APPS,
      .con = con_cmd_app,
      .help = "switch to an app of the config file" },
    { .name = "apps",
      .where = CMD_CONSOLE,
      .con = con_cmd_apps,
      .help = "the Apps overview (every app of the config file)" },
    { .name = "region",
      .where = CMD_CONSOLE,
      .args = "R",
      .complete = CMPL_REGIONS,
      .con = con_cmd_region,
      .help = "switch region" },
    { .name = "profile",
      .where = CMD_CONSOLE,
      .args = "P",
      .complete = CMPL_PROFILES,
      .con = con_cmd_profile,
      .help = "switch AWS profile" },
    { .name = "theme",
      .where = CMD_CONSOLE,
      .args = "T",
      .complete = CMPL_THEMES,
      .con = con_cmd_theme,
      .help = "switch theme (dark, light, high-contrast, mono, or yours)" },
    { .name = "deploy",
      .where = BOTH,
      .flags = CMDF_ACTION,
      .args = "TAG",
      .cli_args = "TAG | --lt-version N",
      .complete = CMPL_TAGS,
      .run = cmd_deploy,
      .con = con_cmd_action,
      .help = "live <- TAG (stable keeps the old live), then an instance refresh" },
    { .name = "deploy-lt",
      .where = CMD_CONSOLE,
      .flags = CMDF_ACTION,
      .args = "N",
      .complete = CMPL_LT_VERSIONS,
      .con = con_cmd_action,
      .help = "a refresh to launch template version N" },
    { .name = "rollback",
      .where = BOTH,
      .flags = CMDF_ACTION,
      .run = cmd_rollback,
      .con = con_cmd_action,
      .help = "RollbackInstanceRefresh, or live <- stable and a refresh" },
    { .name = "cancel",
      .where = BOTH,
      .flags = CMDF_ACTION,
      .run = cmd_cancel,
      .con = con_cmd_action,
      .help = "cancel the group's running instance refresh" },
    { .name = "promote",
      .where = BOTH,
      .flags = CMDF_ACTION,
      .args = "SRC DST",
      .complete = CMPL_TAGS,
      .run = cmd_promote,
      .con = con_cmd_action,
      .help = "point tag DST at SRC's image (no refresh)" },
    { .name = "resume",
      .where = CMD_HEADLESS,
      .flags = CMDF_ACTION,
      .run = cmd_resume,
      .help = "finish the app's interrupted plan (also: deploy --resume)" },
    { .name = "abandon",
      .where = CMD_HEADLESS,
      .flags = CMDF_ACTION,
      .run = cmd_abandon,
      .help = "drop the app's interrupted plan from the journal (changes nothing)" },
    { .name = "watch",
      .where = CMD_HEADLESS,
      .run = cmd_watch,
      .help = "follow the latest refresh, one line per change" },
    { .name = "log",
      .where = CMD_HEADLESS,
      .run = cmd_log,
      .help = "the action journal (--json: its raw lines; --limit N)" },
    { .name = "sim",
      .where = CMD_HEADLESS,
      .run_argv = sim_main,
      .help = "run the AWS-compatible simulator (see tarmac-sim(1)); comes first" },
    { .name = "help", .where = CMD_HEADLESS, .run = cmd_help, .help = "this help (also -h, --help)" },
    { .name = "q", .alias = "quit", .where = CMD_CONSOLE, .con = con_cmd_quit, .help = "quit" },
};

const size_t commands_count = ARRAY_LEN(commands);

const command_info *command_find(const char *name, unsigned where)
{
    for (size_t i = 0; i < commands_count; i++)
        if ((commands[i].where & where) &&
            (str_eq(commands[i].name, name) || (commands[i].alias && str_eq(commands[i].alias, name))))
            return &commands[i];
    return NULL;
}

void commands_complete(unsigned where, const char *prefix, strvec *out)
{
    for (size_t i = 0; i < commands_count; i++)
        if ((commands[i].where & where) && strncmp(commands[i].name, prefix, strlen(prefix)) == 0)
            strvec_push(out, commands[i].name);
}

void commands_names(unsigned where, strbuf *sb)
{
    const char *sep = "";
    for (size_t i = 0; i < commands_count; i++)
        if (commands[i].where & where) {
            sb_printf(sb, "%s%s", sep, commands[i].name);
            sep = ", ";
        }
}

/* "  NAME ARGS  help" without a newline. */
static void command_line(const command_info *cmd, unsigned where, int width, strbuf *sb)
{
    const char *args = where == CMD_HEADLESS && cmd->cli_args ? cmd->cli_args : cmd->args;
    char head[64];
    snprintf(head, sizeof head, "%s%s%s", cmd->name, args ? " " : "", args ? args : "");
    int pad = width - (int)strlen(head);
    sb_printf(sb, "  %s%*s %s", head, pad > 1 ? pad : 1, "", cmd->help);
}

void commands_list(unsigned where, unsigned mask, unsigned want, int width, strbuf *sb)
{
    for (size_t i = 0; i < commands_count; i++)
        if ((commands[i].where & where) && (commands[i].flags & mask) == want) {
            command_line(&commands[i], where, width, sb);
            sb_append(sb, "\n");
        }
}

/* ---- tarmac --help ---- */

static const char usage_text[] = "usage: tarmac [global flags] [command] [command flags]\n"
                                 "\n"
                                 "A terminal console for deploying and rolling back AWS Auto Scaling groups,\n"
                                 "their ALB target groups and the ECR tags they run.\n"
                                 "\n"
                                 "commands:\n"
                                 "  (none)            the console; see tarmac(1) for its keys\n";

static const char usage_exit[] = "exit status: 0 ok, 1 AWS or network error, 2 usage or config error,\n"
                                 "             3 some calls failed (what was fetched is shown, failures listed),\n"
                                 "             4 refused (nothing changed), 5 refresh Failed/Cancelled/rolled back,\n"
                                 "             6 stopped by a signal (tarmac resume finishes the plan)\n";

void commands_usage(FILE *f)
{
    fputs(usage_text, f);
    for (size_t i = 0; i < commands_count; i++) {
        if (!(commands[i].where & CMD_HEADLESS))
            continue;
        strbuf line;
        sb_init(&line);
        command_line(&commands[i], CMD_HEADLESS, 17, &line);
        cli_put(f, line.buf, -1);
        fputc('\n', f);
        sb_free(&line);
    }
    fputs("\n"
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
          "\n",
          f);
    fputs(cmd_actions_usage, f);
    fputs("\n"
          "global flags (before or after the command):\n"
          "  --profile NAME    AWS profile (default: AWS_PROFILE, else \"default\")\n"
          "  --region REGION   AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's)\n"
          "  --endpoint-url URL  send every service's calls to URL (http:// only for loopback)\n"
          "  --config FILE     config file (default: $XDG_CONFIG_HOME/tarmac/config.yaml)\n"
          "  --read-only       refuse every action that changes anything\n"
          "  --demo            start the built-in simulator and run against it (no AWS account)\n"
          "  -h, --help        this help\n"
          "  --version         print the version\n"
          "\n",
          f);
    fputs(usage_exit, f);
}

int cmd_help(cli_globals *g)
{
    (void)g;
    commands_usage(stdout);
    return EXIT_OK;
}
