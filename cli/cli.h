/* cli.h — what every command shares: global flags (accepted before or after the
 * subcommand), the config file and app, credentials and region, the AWS client,
 * and the exit codes. */
#ifndef TARMAC_CLI_H
#define TARMAC_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "aws/aws.h"
#include "config.h"
#include "util.h"

enum {
    EXIT_OK = 0,
    EXIT_AWS = 1,     /* an AWS or network error */
    EXIT_USAGE = 2,   /* bad flags, bad config */
    EXIT_PARTIAL = 3, /* some calls failed, the rest is shown */
};

typedef struct cli_globals {
    const char *profile;
    const char *region;
    const char *endpoint_url;
    const char *config_path;
    const char *app; /* --app NAME */
    strvec asgs;     /* --asg NAME (repeatable) */
    strvec repos;    /* --repo NAME (repeatable) */
    bool read_only;
    bool help;
    bool version;
    bool json;           /* --json */
    bool demo;           /* --demo: run against the built-in simulator */
    const char *command; /* first non-flag argument, or NULL */
    strvec args;         /* what is left for the command (flags included) */
} cli_globals;

/* Parses argv; returns 0, or EXIT_USAGE after printing one line to stderr. */
int cli_parse(int argc, char **argv, cli_globals *g);
void cli_globals_free(cli_globals *g);

/* Everything a command needs to talk to AWS, resolved from flags, config and environment. */
typedef struct cli_session {
    tarmac_config config;
    const app_config *app; /* NULL when no --app */
    char *profile;         /* the profile that applies (NULL: default chain) */
    char *region;
    aws_credentials creds;
    aws_client *client;
    bool read_only;
} cli_session;

/* Returns 0, or an exit code after printing one clear line ("tarmac: ...") to stderr.
 * --endpoint-url applies to every call, STS and the SSO portal of the credential chain
 * included, ranked as endpoints.h says. */
int cli_session_open(const cli_globals *g, cli_session *s);
/* 0, or EXIT_USAGE after saying why --endpoint-url (when given) is not a usable URL. */
int cli_check_endpoint_url(const cli_globals *g);
void cli_session_close(cli_session *s);

/* ---- output (cli_out.c): the only way text leaves a headless command ----
 * Everything is made inert by the sanitizer (backend/sanitize.h) on its way out: control
 * characters, C1, bidi controls and bad UTF-8 become visible escapes. */
bool cli_ascii_terminal(void);                    /* the locale is not UTF-8 */
void cli_put(FILE *f, const char *s, int cols);   /* s (NULL: "-"), at most cols columns (< 0: all) */
void cli_cell(FILE *f, const char *s, int width); /* s cut or padded to width columns (0: up to 200) */
void cli_printf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3))); /* no newline */
void cli_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));             /* a line on stdout */
/* "tarmac: " + message on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A JSON document and a newline: still valid JSON, with C0/C1 controls, DEL, bidi
 * controls, zero-width characters and U+2028/9 inside strings written as \u escapes
 * (\u009b), bad UTF-8 as \ufffd, so that a terminal shows it and acts on nothing. */
void cli_put_json(FILE *f, const char *json);

int cmd_status(cli_globals *g);
/* --demo: the simulator on a free port, then the console (or `status`) against it. */
int demo_main(cli_globals *g);

#endif
