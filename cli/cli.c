/* cli.c — global flags, config, credentials, region and the AWS client for the
 * headless commands (and the console's start-up). */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "creds/creds_provider.h"
#include "aws/endpoints.h"

typedef enum { OPT_STR, OPT_LIST, OPT_FLAG } opt_kind;

typedef struct opt_def {
    const char *name;
    opt_kind kind;
    size_t offset; /* into cli_globals */
} opt_def;

#define OFF(f) offsetof(cli_globals, f)
static const opt_def global_opts[] = {
    { "--profile", OPT_STR, OFF(profile) },
    { "--region", OPT_STR, OFF(region) },
    { "--endpoint-url", OPT_STR, OFF(endpoint_url) },
    { "--config", OPT_STR, OFF(config_path) },
    { "--app", OPT_STR, OFF(app) },
    { "--asg", OPT_LIST, OFF(asgs) },
    { "--repo", OPT_LIST, OFF(repos) },
    { "--read-only", OPT_FLAG, OFF(read_only) },
    { "--json", OPT_FLAG, OFF(json) },
    { "--demo", OPT_FLAG, OFF(demo) },
    { "--help", OPT_FLAG, OFF(help) },
    { "-h", OPT_FLAG, OFF(help) },
    { "--version", OPT_FLAG, OFF(version) },
};

/* Flags of the console and the commands that take a value as the next word. */
static const char *const command_value_flags[] = {
    "--refresh", "--theme", "--lt-version", "--interval", "--timeout", "--limit",
};

int cli_parse(int argc, char **argv, cli_globals *g)
{
    memset(g, 0, sizeof *g);
    bool only_args = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_args || a[0] != '-' || strcmp(a, "-") == 0) {
            if (!g->command && !only_args)
                g->command = a;
            else
                strvec_push(&g->args, a);
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_args = true;
            continue;
        }
        const opt_def *d = NULL;
        const char *val = NULL;
        for (size_t k = 0; k < ARRAY_LEN(global_opts) && !d; k++) {
            size_t n = strlen(global_opts[k].name);
            if (strncmp(a, global_opts[k].name, n) != 0)
                continue;
            if (a[n] == '\0')
                d = &global_opts[k];
            else if (a[n] == '=' && global_opts[k].kind != OPT_FLAG) {
                d = &global_opts[k];
                val = a + n + 1;
            }
        }
        if (!d) { /* the command's own flag */
            strvec_push(&g->args, a);
            /* A command flag written as two words keeps its value with it, so
             * `tarmac --refresh 5` does not take "5" for the command. */
            for (size_t k = 0; k < ARRAY_LEN(command_value_flags); k++)
                if (strcmp(a, command_value_flags[k]) == 0 && i + 1 < argc) {
                    strvec_push(&g->args, argv[++i]);
                    break;
                }
            continue;
        }
        char *field = (char *)g + d->offset;
        if (d->kind == OPT_FLAG) {
            *(bool *)field = true;
            continue;
        }
        if (!val) {
            if (i + 1 >= argc) {
                cli_error("%s needs a value (see tarmac --help)", d->name);
                return EXIT_USAGE;
            }
            val = argv[++i];
        }
        if (val[0] == '\0') {
            cli_error("%s needs a non-empty value", d->name);
            return EXIT_USAGE;
        }
        if (d->kind == OPT_STR)
            *(const char **)field = val;
        else
            strvec_push((strvec *)field, val);
    }
    return 0;
}

void cli_globals_free(cli_globals *g)
{
    strvec_free(&g->asgs);
    strvec_free(&g->repos);
    strvec_free(&g->args);
}

int cli_check_endpoint_url(const cli_globals *g)
{
    if (!g->endpoint_url)
        return 0;
    char *checked = NULL;
    strbuf err;
    sb_init(&err);
    int rc = endpoint_check_url(g->endpoint_url, "--endpoint-url", &checked, &err);
    if (rc != 0)
        cli_error("%s", err.buf);
    free(checked);
    sb_free(&err);
    return rc != 0 ? EXIT_USAGE : 0;
}

int cli_session_open(const cli_globals *g, cli_session *s)
{
    memset(s, 0, sizeof *s);
    strbuf err;
    sb_init(&err);
    int rc = EXIT_USAGE;

    if (config_load(g->config_path, &s->config, &err) != 0) {
        cli_error("%s", err.buf);
        goto out;
    }
    if (g->app) {
        s->app = config_find_app(&s->config, g->app);
        if (!s->app) {
            if (s->config.path)
                cli_error("no app named '%s' in %s", g->app, s->config.path);
            else
                cli_error("no app named '%s': no config file (expected %s)", g->app,
                          "$XDG_CONFIG_HOME/tarmac/config.yaml");
            goto out;
        }
    }
    /* Precedence: flags, then the app, then the config's defaults, then AWS's own. */
    const char *profile = g->profile;
    if (!profile && s->app && s->app->profile)
        profile = s->app->profile;
    if (!profile && s->config.default_profile)
        profile = s->config.default_profile;
    const char *region = g->region;
    if (!region && s->app && s->app->region)
        region = s->app->region;
    if (!region && s->config.default_region)
        region = s->config.default_region;
    s->profile = xstrdup(profile);
    s->read_only = g->read_only || s->config.read_only || (s->app && s->app->read_only);

    if (cli_check_endpoint_url(g) != 0)
        goto out;
    creds_request cr = { .profile = profile, .region = region };
    /* A profile marked read_only in tarmac.yaml, however it was chosen. */
    s->read_only = s->read_only || config_profile_read_only(&s->config, creds_profile_name(&cr));
    rc = EXIT_AWS;
    if (region_resolve(&cr, &s->region, &err) != 0) {
        cli_error("%s", err.buf);
        goto out;
    }
    cr.region = s->region;
    /* --endpoint-url reaches STS and the SSO portal of the credential chain too */
    creds_hooks hooks = { .endpoint_url = g->endpoint_url };
    if (creds_resolve_ex(&cr, &hooks, &s->creds, &err) != 0) {
        cli_error("%s", err.buf);
        goto out;
    }
    aws_client_config cc = {
        .region = s->region,
        .endpoint_url = g->endpoint_url,
        .profile = creds_profile_name(&cr),
        .endpoint_profile = creds_endpoint_profile,
        .credentials = &s->creds,
    };
    aws_error aerr = { 0 };
    s->client = aws_client_new(&cc, &aerr);
    if (!s->client) {
        cli_error("%s", aerr.message[0] ? aerr.message : aerr.code);
        rc = strcmp(aerr.code, "InvalidEndpoint") == 0 ? EXIT_USAGE : EXIT_AWS;
        goto out;
    }
    rc = 0;
out:
    sb_free(&err);
    if (rc)
        cli_session_close(s);
    return rc;
}

void cli_session_close(cli_session *s)
{
    if (s->client)
        aws_client_free(s->client);
    s->client = NULL;
    aws_credentials_free(&s->creds);
    free(s->profile);
    free(s->region);
    s->profile = s->region = NULL;
    config_free(&s->config);
}
