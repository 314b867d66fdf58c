/* cmd_actions_common.c — what every headless action command uses: its flags
 * (--yes, --wait, --interval, ...), the session and target it opens, and the
 * signals that stop a plan at a step boundary. (Output goes through cli_out.c.) */
#include "cmd_actions_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "creds/creds.h"

/* ------------------------------------------------------------ flags */

static int parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

int act_parse_opts(const cli_globals *g, act_opts *o)
{
    memset(o, 0, sizeof *o);
    o->interval_ms = 2000;
    o->timeout_s = 3600;
    o->limit = 0;
    o->json = g->json;
    for (size_t i = 0; i < g->args.n; i++) {
        const char *a = g->args.items[i];
        const char *next = i + 1 < g->args.n ? g->args.items[i + 1] : NULL;
        if (strcmp(a, "--yes") == 0 || strcmp(a, "-y") == 0) {
            o->yes = true;
        } else if (strcmp(a, "--wait") == 0) {
            o->wait = true;
        } else if (strcmp(a, "--auto-rollback") == 0) {
            o->auto_rollback = true;
        } else if (strcmp(a, "--resume") == 0) {
            o->resume = true;
        } else if (strcmp(a, "--lt-version") == 0 && next) {
            o->lt_version = next;
            i++;
        } else if (strcmp(a, "--interval") == 0 && next) {
            double v = strtod(next, NULL);
            if (!(v >= 0.05 && v <= 600)) {
                cli_error("--interval needs seconds between 0.05 and 600");
                return EXIT_USAGE;
            }
            o->interval_ms = (int)(v * 1000);
            i++;
        } else if (strcmp(a, "--timeout") == 0 && next) {
            if (parse_int(next, 1, 7 * 86400, &o->timeout_s) != 0) {
                cli_error("--timeout needs seconds between 1 and 604800");
                return EXIT_USAGE;
            }
            i++;
        } else if (strcmp(a, "--limit") == 0 && next) {
            if (parse_int(next, 1, 1000000, &o->limit) != 0) {
                cli_error("--limit needs a number between 1 and 1000000");
                return EXIT_USAGE;
            }
            i++;
        } else if (a[0] == '-' && a[1]) {
            cli_error("unknown flag '%.64s' (see tarmac --help)", a);
            return EXIT_USAGE;
        } else {
            strvec_push(&o->pos, a);
        }
    }
    return 0;
}

/* ------------------------------------------------------------ signals */

volatile sig_atomic_t act_stop_flag;
int act_sig_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
    act_stop_flag = sig;
    if (act_sig_pipe[1] >= 0) {
        int saved = errno;
        ssize_t w = write(act_sig_pipe[1], "s", 1);
        (void)w;
        errno = saved;
    }
}

void act_signals_install(void)
{
    if (act_sig_pipe[0] < 0 && pipe2(act_sig_pipe, O_NONBLOCK | O_CLOEXEC) != 0)
        act_sig_pipe[0] = act_sig_pipe[1] = -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

/* ------------------------------------------------------------ session */

void act_ctx_close(act_ctx *x)
{
    free(x->trigger);
    journal_close(x->j);
    plan_target_free(&x->target);
    if (x->session_open)
        cli_session_close(&x->s);
    strvec_free(&x->o.pos);
}

/* --asg without --app: the config app that owns the group (and whose region, when
 * the config gives one, is the session's) still applies. Several apps for one
 * group: the one with the same repository wins; the strictest read_only and
 * protected of them all apply. */
static const app_config *app_for_asg(const cli_session *s, const char *asg, const char *repo, bool *read_only,
                                     bool *protected_)
{
    const app_config *best = NULL;
    int best_score = -1;
    for (size_t i = 0; asg && i < s->config.apps.n; i++) {
        const app_config *a = &s->config.apps.items[i];
        const char *region = config_app_region(&s->config, a);
        if (!str_eq(a->asg, asg) || (region && !str_eq(region, s->region)))
            continue;
        *read_only = *read_only || config_app_read_only(&s->config, a);
        *protected_ = *protected_ || a->protected_;
        int score = repo && str_eq(a->ecr_repository, repo) ? 1 : 0;
        if (score > best_score) {
            best = a;
            best_score = score;
        }
    }
    return best;
}

int act_ctx_open(cli_globals *g, act_ctx *x, bool need_journal)
{
    memset(x, 0, sizeof *x);
    int rc = act_parse_opts(g, &x->o);
    if (rc)
        return rc;
    if (!g->app && g->asgs.n == 0) {
        cli_error("which app? give --app NAME (from the config) or --asg NAME [--repo REPO]");
        return EXIT_USAGE;
    }
    if (g->asgs.n > 1 || g->repos.n > 1) {
        cli_error("actions take one --asg and at most one --repo");
        return EXIT_USAGE;
    }
    rc = cli_session_open(g, &x->s);
    if (rc)
        return rc;
    x->session_open = true;
    const char *asg = g->asgs.n ? g->asgs.items[0] : NULL, *repo = g->repos.n ? g->repos.items[0] : NULL;
    const app_config *app = x->s.app;
    /* Effective read-only: --read-only, defaults, the app, and the profile in use. */
    creds_request cr = { .profile = x->s.profile };
    bool read_only = x->s.read_only || config_app_read_only(&x->s.config, app) ||
        config_profile_read_only(&x->s.config, creds_profile_name(&cr));
    bool protected_ = false;
    if (!app)
        app = app_for_asg(&x->s, asg, repo, &read_only, &protected_);
    plan_target_init(&x->target, app, asg, repo, x->s.region, read_only);
    x->target.protected_ = x->target.protected_ || protected_;
    if (need_journal) {
        strbuf err;
        sb_init(&err);
        x->j = journal_open(NULL, &err);
        if (!x->j) {
            cli_error("%s (every change is journaled first: nothing was changed)", err.buf);
            sb_free(&err);
            return EXIT_REFUSED;
        }
        sb_free(&err);
    }
    return 0;
}
