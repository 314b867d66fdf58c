/* cmd_actions.c — `tarmac deploy|rollback|cancel|promote|resume|abandon|watch|log`:
 * the headless face of the plans in backend/plan.h. Each changing command builds a
 * plan, prints it, asks (or takes --yes; without a terminal and without --yes it
 * refuses), runs it step by step with the journal, and with --wait follows the
 * refresh, printing one line per change, rolling back when told to. */
#include "cmd_actions.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "creds.h"
#include "journal.h"
#include "plan.h"
#include "sanitize.h"
#include "services.h"
#include "watch.h"

const char cmd_actions_usage[] =
    "action commands (each takes --app NAME, or --asg NAME [--repo REPO]):\n"
    "  deploy TAG        keep live as stable, move live to TAG, start an instance refresh\n"
    "  deploy --lt-version N  start a refresh to launch template version N (AMI apps)\n"
    "  rollback          RollbackInstanceRefresh, or cancel + live <- stable + refresh\n"
    "  cancel            cancel the running instance refresh\n"
    "  promote SRC DST   point tag DST at SRC's image (no refresh)\n"
    "  resume            finish the app's interrupted plan (also: deploy --resume)\n"
    "  abandon           drop the app's interrupted plan from the journal (changes nothing)\n"
    "  watch             follow the latest refresh, one line per change\n"
    "  log               the action journal (--json: its raw lines; --limit N)\n"
    "action flags:\n"
    "  --yes             do not ask (without it and without a terminal, nothing is changed)\n"
    "  --wait            follow the refresh to its end; exit 0 only when Successful\n"
    "  --auto-rollback   roll back when the refresh fails, an alarm fires or targets stay unhealthy\n"
    "  --interval SECS   poll interval while following (default 2)\n"
    "  --timeout SECS    give up following after SECS (default 3600)\n"
    "exit status: 4 refused (nothing changed), 5 refresh Failed/Cancelled/rolled back,\n"
    "             6 stopped by a signal (tarmac resume finishes the plan)\n";

static void act_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ------------------------------------------------------------ flags */

typedef struct act_opts {
    bool yes, wait, auto_rollback, resume, json;
    const char *lt_version;
    int interval_ms;
    int timeout_s;
    int limit;
    strvec pos;              /* positional arguments */
} act_opts;

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

static int parse_opts(const cli_globals *g, act_opts *o)
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
                act_error("--interval needs seconds between 0.05 and 600");
                return EXIT_USAGE;
            }
            o->interval_ms = (int)(v * 1000);
            i++;
        } else if (strcmp(a, "--timeout") == 0 && next) {
            if (parse_int(next, 1, 7 * 86400, &o->timeout_s) != 0) {
                act_error("--timeout needs seconds between 1 and 604800");
                return EXIT_USAGE;
            }
            i++;
        } else if (strcmp(a, "--limit") == 0 && next) {
            if (parse_int(next, 1, 1000000, &o->limit) != 0) {
                act_error("--limit needs a number between 1 and 1000000");
                return EXIT_USAGE;
            }
            i++;
        } else if (a[0] == '-' && a[1]) {
            act_error("unknown flag '%.64s' (see tarmac --help)", a);
            return EXIT_USAGE;
        } else {
            strvec_push(&o->pos, a);
        }
    }
    return 0;
}

/* ------------------------------------------------------------ output */

static bool ascii_terminal(void)
{
    const char *cs = nl_langinfo(CODESET);
    return !(cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0));
}

/* Prints untrusted text made inert (AWS strings, journal lines). */
static void put_safe(FILE *f, const char *s, int cols)
{
    static char buf[8192];
    if (!s)
        s = "-";
    sanitize_text(s, strlen(s), buf, sizeof buf, cols, ascii_terminal(), NULL);
    fputs(buf, f);
}

/* Every error line goes through the sanitizer: most carry AWS or journal text. */
static void act_error(const char *fmt, ...)
{
    strbuf sb;
    sb_init(&sb);
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&sb, fmt, ap);
    va_end(ap);
    char *buf = xmalloc(16384);
    sanitize_text(sb.buf, sb.len, buf, 16384, -1, ascii_terminal(), NULL);
    cli_error("%s", buf);
    free(buf);
    sb_free(&sb);
}

/* NULL-safe %s argument (plans rebuilt from the journal may lack any field). */
static const char *nz(const char *s)
{
    return s ? s : "-";
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    strbuf sb;
    sb_init(&sb);
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&sb, fmt, ap);
    va_end(ap);
    put_safe(stdout, sb.buf, -1);
    fputc('\n', stdout);
    fflush(stdout);
    sb_free(&sb);
}

static void print_plan(const plan *p)
{
    strbuf sb;
    sb_init(&sb);
    plan_format(p, &sb);
    /* Line by line so that newlines stay newlines and nothing else gets through. */
    char *line = sb.buf;
    while (line && *line) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        put_safe(stdout, line, -1);
        fputc('\n', stdout);
        line = nl ? nl + 1 : NULL;
    }
    fflush(stdout);
    sb_free(&sb);
}

/* ------------------------------------------------------------ signals */

static volatile sig_atomic_t stop_flag;
static int sig_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
    stop_flag = sig;
    if (sig_pipe[1] >= 0) {
        int saved = errno;
        ssize_t w = write(sig_pipe[1], "s", 1);
        (void)w;
        errno = saved;
    }
}

static void signals_install(void)
{
    if (sig_pipe[0] < 0 && pipe2(sig_pipe, O_NONBLOCK | O_CLOEXEC) != 0)
        sig_pipe[0] = sig_pipe[1] = -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

/* ------------------------------------------------------------ session */

typedef struct act_ctx {
    cli_session s;
    plan_target target;
    journal *j;
    act_opts o;
    bool session_open;
} act_ctx;

static void ctx_close(act_ctx *x)
{
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

/* Journals a refusal that came before any plan (read-only, a signal). */
static void journal_refusal(act_ctx *x, const char *action, const char *why)
{
    if (!x->j)
        return;
    journal_record rec = {
        .event = "refused", .action = action, .user = x->target.user, .region = x->target.region,
        .app = x->target.app, .asg = x->target.asg, .repository = x->target.repository,
        .outcome = "refused", .error = why,
    };
    strbuf err;
    sb_init(&err);
    if (journal_append(x->j, &rec, &err) != 0)
        act_error("%s", err.buf);
    sb_free(&err);
}

static int ctx_open(cli_globals *g, act_ctx *x, bool need_journal)
{
    memset(x, 0, sizeof *x);
    int rc = parse_opts(g, &x->o);
    if (rc)
        return rc;
    if (!g->app && g->asgs.n == 0) {
        act_error("which app? give --app NAME (from the config) or --asg NAME [--repo REPO]");
        return EXIT_USAGE;
    }
    if (g->asgs.n > 1 || g->repos.n > 1) {
        act_error("actions take one --asg and at most one --repo");
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
            act_error("%s (every change is journaled first: nothing was changed)", err.buf);
            sb_free(&err);
            return EXIT_REFUSED;
        }
        sb_free(&err);
    }
    return 0;
}

static void print_unfinished(const journal_unfinished *u)
{
    int done = 0;
    for (size_t i = 0; i < u->step_state.n; i++)
        if (strcmp(u->step_state.items[i], "ok") == 0 || strcmp(u->step_state.items[i], "skipped") == 0)
            done++;
    fputs("tarmac: unfinished ", stderr);
    put_safe(stderr, u->action, 40);
    fputs(" plan ", stderr);
    put_safe(stderr, u->plan_id, 60);
    fputs(" for app ", stderr);
    put_safe(stderr, u->app, 80);
    fputs(", started ", stderr);
    put_safe(stderr, u->time, 40);
    fputs(" by ", stderr);
    put_safe(stderr, u->user, 40);
    fprintf(stderr, " (%d of %d steps done)\n", done, u->steps);
}

int actions_warn_unfinished(const char *app)
{
    journal_unfinished_list l = { 0 };
    strbuf err;
    sb_init(&err);
    journal_find_unfinished(NULL, app, &l, &err);
    for (size_t i = 0; i < l.n; i++)
        print_unfinished(&l.items[i]);
    int n = (int)l.n;
    journal_unfinished_list_free(&l);
    sb_free(&err);
    return n;
}

/* The unfinished plans that concern this target: the same app, or the same group
 * in the same region whatever app name (or none) the plan was made under. */
static int find_unfinished(act_ctx *x, journal_unfinished_list *l, strbuf *err)
{
    if (journal_find_unfinished(journal_path(x->j), NULL, l, err) != 0)
        return -1;
    for (size_t i = 0; i < l->n;) {
        const journal_unfinished *u = &l->items[i];
        bool mine = str_eq(u->app, x->target.app) ||
                    (str_eq(u->asg, x->target.asg) && (!u->region || str_eq(u->region, x->target.region)));
        if (mine) {
            i++;
            continue;
        }
        journal_unfinished_free(&l->items[i]);
        memmove(&l->items[i], &l->items[i + 1], (l->n - i - 1) * sizeof l->items[0]);
        l->n--;
    }
    return 0;
}

/* Refuses a new plan while the app (or its group) has an unfinished one. */
static int check_unfinished(act_ctx *x)
{
    journal_unfinished_list l = { 0 };
    strbuf err;
    sb_init(&err);
    int rc = 0;
    if (find_unfinished(x, &l, &err) != 0) {
        act_error("%s", err.buf);
        rc = EXIT_REFUSED;
    } else if (l.n) {
        const journal_unfinished *u = &l.items[l.n - 1];
        print_unfinished(u);
        if (u->app && str_eq(u->app, x->target.app))
            act_error("finish it with `tarmac resume --app %s` or drop it with `tarmac abandon --app %s` "
                      "before starting another; nothing was changed", nz(u->app), nz(u->app));
        else
            act_error("it is for the same group (%s in %s): finish it with `tarmac resume` or drop it with "
                      "`tarmac abandon` (--app %s, or --asg %s) before starting another; nothing was changed",
                      nz(u->asg), nz(u->region), nz(u->app), nz(u->asg));
        rc = EXIT_REFUSED;
    }
    journal_unfinished_list_free(&l);
    sb_free(&err);
    return rc;
}

/* Asks on the terminal; protected apps type the ASG's name. */
static bool confirm(const act_ctx *x, const plan *p)
{
    if (x->o.yes)
        return true;
    if (!isatty(STDIN_FILENO)) {
        act_error("no terminal to confirm on and no --yes: nothing was changed");
        return false;
    }
    char line[512];
    if (p->target.protected_) {
        put_safe(stdout, nz(p->target.app), 80);
        fputs(" is protected: type the group's name (", stdout);
        put_safe(stdout, plan_confirm_text(p), 256);
        fputs(") to go ahead: ", stdout);
    } else {
        printf("Go ahead? [y/N] ");
    }
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin))
        return false;
    line[strcspn(line, "\r\n")] = '\0';
    if (p->target.protected_)
        return strcmp(line, plan_confirm_text(p)) == 0;
    return strcmp(line, "y") == 0 || strcmp(line, "Y") == 0 || strcmp(line, "yes") == 0;
}

static void on_step(plan_run *run, size_t i, void *ud)
{
    (void)ud;
    const plan *p = plan_run_plan(run);
    const plan_step *s = &p->steps.items[i];
    if (s->state == STEP_RUNNING) {
        say("step %zu/%zu %s: %s", i + 1, p->steps.n, plan_step_kind_name(s->kind), nz(s->description));
        return;
    }
    /* A failed step says why, not what an earlier run noted about it. */
    const char *why = s->state == STEP_FAILED && s->error ? s->error : s->result ? s->result : s->error;
    say("step %zu/%zu %s%s%s%s%s", i + 1, p->steps.n, plan_step_state_name(s->state),
        s->refresh_id ? " refresh " : "", s->refresh_id ? s->refresh_id : "", why ? ": " : "", why ? why : "");
}

static int outcome_exit(plan_outcome o)
{
    switch (o) {
    case PLAN_OK: return EXIT_OK;
    case PLAN_REFUSED: return EXIT_REFUSED;
    case PLAN_STOPPED: return EXIT_STOPPED;
    default: return EXIT_AWS;
    }
}

/* Runs a confirmed plan; prints the outcome. */
static int run_plan(act_ctx *x, plan *p)
{
    signals_install();
    plan_run_hooks h = { .step_changed = on_step, .wait_poll_ms = x->o.interval_ms, .stop = &stop_flag };
    strbuf err;
    sb_init(&err);
    plan_outcome o = plan_run_wait(x->s.client, p, x->j, &h, &stop_flag, sig_pipe[0], &err);
    const char *app = nz(p->target.app);
    if (o == PLAN_OK)
        say("plan %s: done", p->id);
    else if (o == PLAN_STOPPED && p->left_open)
        act_error("stopped by a signal at a step boundary: %s; `tarmac resume --app %s` finishes the plan, "
                  "`tarmac abandon --app %s` drops it", err.buf, app, app);
    else if (o == PLAN_STOPPED)
        act_error("stopped by a signal: %s; nothing was changed", err.buf);
    else if (p->left_open)
        act_error("%s%s: `tarmac resume --app %s` finishes it, `tarmac abandon --app %s` drops it", err.buf,
                  strstr(err.buf, "plan stays open") ? "" : "; the plan stays open", app, app);
    else
        act_error("%s", err.buf);
    sb_free(&err);
    return outcome_exit(o);
}

/* The refresh a finished plan started (or rolled back), or NULL. */
static const char *plan_refresh_id(const plan *p)
{
    for (size_t i = p->steps.n; i-- > 0;) {
        const plan_step *s = &p->steps.items[i];
        if ((s->kind == STEP_START_REFRESH || s->kind == STEP_ROLLBACK_REFRESH) && s->refresh_id)
            return s->refresh_id;
    }
    return NULL;
}

static bool plan_has_refresh(const plan *p)
{
    for (size_t i = 0; i < p->steps.n; i++)
        if (p->steps.items[i].kind == STEP_START_REFRESH || p->steps.items[i].kind == STEP_ROLLBACK_REFRESH)
            return true;
    return false;
}

/* ------------------------------------------------------------ following a refresh */

typedef enum { FOLLOW_SUCCESS, FOLLOW_ROLLBACK, FOLLOW_BAD, FOLLOW_TIMEOUT, FOLLOW_STOPPED } follow_end;

static const instance_refresh *find_refresh(const watch_state *s, const char *id)
{
    if (!s->refreshes.n)
        return NULL;
    if (!id)
        return &s->refreshes.items[0];
    for (size_t i = 0; i < s->refreshes.n; i++)
        if (str_eq(s->refreshes.items[i].instance_refresh_id, id))
            return &s->refreshes.items[i];
    return NULL;
}

/* healthy / judged / all targets of the watched group's target groups. */
static void target_counts(const watch_state *s, int *healthy, int *judged, int *all)
{
    const target_health_list *lists[32];
    size_t n = 0;
    for (size_t t = 0; t < s->target_groups.n && n < ARRAY_LEN(lists); t++)
        lists[n++] = &s->target_groups.items[t].health;
    plan_guard_count_targets(lists, n, healthy, judged, all);
}

/* Follows refresh id (NULL: the newest) until it ends; one line per change. */
static follow_end follow(act_ctx *x, const char *id, char *reason, size_t reason_len)
{
    strvec names = { 0 };
    strvec_push(&names, x->target.asg);
    watch_opts wo = {
        .asg_names = &names, .initial_asg = x->target.asg, .alarm_names = &x->target.alarms,
        .base_interval_ms = x->o.interval_ms, .active_interval_ms = x->o.interval_ms,
    };
    watch *w = watch_new(x->s.client, &wo);
    plan_guard g;
    plan_guard_init(&g, &x->target, id);
    signals_install();
    char last[1024] = "";
    follow_end end = FOLLOW_TIMEOUT;
    int64_t deadline = mono_now_ms() + (int64_t)x->o.timeout_s * 1000;
    for (;;) {
        if (stop_flag) {
            snprintf(reason, reason_len, "stopped by a signal while following the refresh");
            end = FOLLOW_STOPPED;
            break;
        }
        int64_t now = mono_now_ms();
        if (now >= deadline) {
            snprintf(reason, reason_len, "gave up after %d s: the refresh is still running", x->o.timeout_s);
            break;
        }
        watch_tick(w, now);
        int due = watch_next_due_ms(w, now);
        struct curl_waitfd wfd = { .fd = sig_pipe[0], .events = CURL_WAIT_POLLIN };
        aws_client_wait(x->s.client, sig_pipe[0] >= 0 ? &wfd : NULL, sig_pipe[0] >= 0 ? 1 : 0,
                        due > 250 ? 250 : due);
        aws_client_run(x->s.client);
        unsigned ch = watch_take_changes(w);
        if (!(ch & WS_BIT(WS_REFRESHES)))
            continue;
        const watch_state *s = watch_get(w);
        if (s->meta[WS_REFRESHES].stale)
            continue;     /* a failed poll: keep going, the next one may answer */
        const instance_refresh *r = find_refresh(s, id);
        if (!r) {
            if (!id && s->meta[WS_REFRESHES].fetched_at) {
                snprintf(reason, reason_len, "no instance refresh on %s", x->target.asg);
                end = FOLLOW_SUCCESS;
                break;
            }
            continue;
        }
        int healthy, judged, total;
        target_counts(s, &healthy, &judged, &total);
        const asg_group *grp = watch_selected_group(s);
        int desired = grp ? grp->desired_capacity : 0;
        char line[1024];
        snprintf(line, sizeof line, "%s %s %d%% healthy %d/%d%s%.300s", r->instance_refresh_id ? r->instance_refresh_id : "?",
                 r->status ? r->status : "?", r->has_percentage_complete ? r->percentage_complete : 0, healthy,
                 total > 0 ? total : desired, r->status_reason && *r->status_reason ? " - " : "",
                 r->status_reason ? r->status_reason : "");
        if (strcmp(line, last) != 0) {
            say("%s", line);
            str_copy(last, sizeof last, line);
        }
        /* The share of the target groups' targets (tarmac.yaml(5)); the group's
         * desired capacity when no target is registered. */
        plan_guard_verdict v = plan_guard_update(&g, r, healthy, judged, &s->alarms);
        if (v == PLAN_GUARD_RUNNING)
            continue;
        snprintf(reason, reason_len, "%s", g.reason);
        end = v == PLAN_GUARD_SUCCESS ? FOLLOW_SUCCESS : v == PLAN_GUARD_ROLLBACK ? FOLLOW_ROLLBACK : FOLLOW_BAD;
        break;
    }
    plan_guard_done(&g);
    watch_free(w);
    strvec_free(&names);
    return end;
}

static int build_and_run(act_ctx *x, const plan_request *req);

/* After a refresh started (or for `watch`): follow, and roll back when told to. */
static int follow_and_guard(act_ctx *x, const char *id, bool auto_rollback, bool is_rollback)
{
    char reason[600] = "";
    follow_end e = follow(x, id, reason, sizeof reason);
    switch (e) {
    case FOLLOW_SUCCESS:
        say("%s", reason);
        return EXIT_OK;
    case FOLLOW_STOPPED:
        act_error("%s", reason);
        return EXIT_STOPPED;
    case FOLLOW_TIMEOUT:
        act_error("%s", reason);
        return EXIT_AWS;
    case FOLLOW_BAD:
        /* AWS's own rollback finishing is what `tarmac rollback --wait` waits for. */
        if (is_rollback && strncmp(reason, "refresh RollbackSuccessful", 26) == 0) {
            say("%s", reason);
            return EXIT_OK;
        }
        act_error("%s", reason);
        return EXIT_DEPLOY_BAD;
    case FOLLOW_ROLLBACK:
        break;
    }
    if (!auto_rollback) {
        act_error("%s; roll back with `tarmac rollback --app %s`", reason, x->target.app);
        return EXIT_DEPLOY_BAD;
    }
    act_error("%s: rolling back (auto-rollback)", reason);
    plan_request rb = { .action = PLAN_ROLLBACK };
    /* Auto-rollback was consented to with the flag or the app's setting. */
    x->o.yes = true;
    int rc = build_and_run(x, &rb);
    if (rc == EXIT_OK)
        act_error("rolled back after: %s", reason);
    else
        act_error("the rollback did not complete (exit %d) after: %s", rc, reason);
    return EXIT_DEPLOY_BAD;
}

/* Plans, shows, confirms, runs; then follows with --wait / --auto-rollback. */
static int build_and_run(act_ctx *x, const plan_request *req)
{
    plan *p = plan_build_wait_stop(x->s.client, &x->target, req, &stop_flag, sig_pipe[0]);
    if (!p && stop_flag) {
        act_error("stopped by a signal while planning: nothing was changed");
        return EXIT_STOPPED;
    }
    if (!p) {
        act_error("could not read the live state in time: nothing was changed");
        return EXIT_AWS;
    }
    print_plan(p);
    int rc;
    if (p->refusal || x->target.read_only) {
        strbuf err;
        sb_init(&err);
        plan_run *run = plan_run_start(x->s.client, p, x->j, NULL, &err);   /* journals the refusal */
        plan_run_free(run);
        act_error("%s", err.buf);
        sb_free(&err);
        plan_free(p);
        return EXIT_REFUSED;
    }
    bool yes = confirm(x, p);
    if (stop_flag) {
        act_error("stopped by a signal before the first step: nothing was changed");
        plan_free(p);
        return EXIT_STOPPED;
    }
    if (!yes) {
        plan_free(p);
        return EXIT_REFUSED;
    }
    rc = run_plan(x, p);
    bool follow_it = rc == EXIT_OK && plan_has_refresh(p) &&
                     (x->o.wait || x->o.auto_rollback || (x->target.auto_rollback && req->action != PLAN_ROLLBACK));
    if (follow_it) {
        char *id = xstrdup(plan_refresh_id(p));
        bool rolling_back = req->action == PLAN_ROLLBACK;
        bool auto_rb = !rolling_back && (x->o.auto_rollback || x->target.auto_rollback);
        plan_free(p);
        p = NULL;
        rc = follow_and_guard(x, id, auto_rb, rolling_back);
        free(id);
    }
    plan_free(p);
    return rc;
}

typedef struct groups_res {
    asg_group_list l;
    bool done, failed;
} groups_res;

static void on_groups(aws_client *c, asg_group_list *res, const aws_error *err, void *ud)
{
    (void)c;
    groups_res *g = ud;
    g->l = *res;
    g->failed = err != NULL;
    g->done = true;
}

/* Cancel: say what the group is left with (instances per launch template version). */
static void print_group_state(act_ctx *x)
{
    strvec names = { 0 };
    strvec_push(&names, x->target.asg);
    groups_res res = { 0 };
    aws_error e = { 0 };
    if (svc_asg_describe_groups(x->s.client, &names, on_groups, &res, &e) == 0)
        aws_client_run_until_idle(x->s.client);
    strvec_free(&names);
    for (size_t i = 0; i < res.l.n; i++) {
        const asg_group *grp = &res.l.items[i];
        if (!str_eq(grp->name, x->target.asg))
            continue;
        /* Count instances per launch template + version (few distinct values). */
        strvec keys = { 0 };
        VEC(int) counts = { 0 };
        for (size_t k = 0; k < grp->instances.n; k++) {
            const asg_instance *in = &grp->instances.items[k];
            char key[300];
            snprintf(key, sizeof key, "%.200s version %.40s",
                     in->launch_template.launch_template_name ? in->launch_template.launch_template_name
                     : in->launch_template.launch_template_id ? in->launch_template.launch_template_id
                     : in->launch_configuration_name ? in->launch_configuration_name : "?",
                     in->launch_template.version ? in->launch_template.version : "-");
            size_t j = 0;
            while (j < keys.n && strcmp(keys.items[j], key) != 0)
                j++;
            if (j == keys.n) {
                strvec_push(&keys, key);
                VEC_PUSH(counts, 0);
            }
            counts.items[j]++;
        }
        say("%s is left with %zu instances (desired %d):", grp->name, grp->instances.n, grp->desired_capacity);
        for (size_t j = 0; j < keys.n; j++)
            say("  %d on %s", counts.items[j], keys.items[j]);
        if (x->target.repository)
            say("  instances launched during the refresh run the image '%s' pointed at when they booted",
                x->target.live_tag);
        strvec_free(&keys);
        VEC_FREE(counts);
    }
    if (res.failed)
        act_error("could not read the group's state after the cancel");
    MODEL_LIST_FREE(res.l, asg_group_free);
}

static int action_command(cli_globals *g, plan_action action)
{
    act_ctx x;
    int rc = ctx_open(g, &x, true);
    if (rc) {
        ctx_close(&x);
        return rc;
    }
    plan_request req = { .action = action };
    if (action == PLAN_DEPLOY && x.o.resume) {
        ctx_close(&x);
        return cmd_resume(g);
    }
    if (action == PLAN_DEPLOY && x.o.lt_version) {
        req.action = PLAN_DEPLOY_LT;
        req.lt_version = x.o.lt_version;
        if (x.o.pos.n) {
            act_error("deploy takes a TAG or --lt-version N, not both");
            ctx_close(&x);
            return EXIT_USAGE;
        }
    } else if (action == PLAN_DEPLOY) {
        if (x.o.pos.n != 1) {
            act_error("usage: tarmac deploy TAG --app NAME [--yes] [--wait] [--auto-rollback]");
            ctx_close(&x);
            return EXIT_USAGE;
        }
        req.tag = x.o.pos.items[0];
    } else if (action == PLAN_PROMOTE) {
        if (x.o.pos.n != 2) {
            act_error("usage: tarmac promote SRC DST --app NAME [--yes]");
            ctx_close(&x);
            return EXIT_USAGE;
        }
        req.tag = x.o.pos.items[0];
        req.dst_tag = x.o.pos.items[1];
    } else if (x.o.pos.n) {
        act_error("%s takes no arguments", plan_action_name(action));
        ctx_close(&x);
        return EXIT_USAGE;
    }
    if (x.target.read_only) {
        const char *why = "read-only: refused (--read-only, or read_only in the config's defaults, app or "
                          "profile); nothing was changed";
        journal_refusal(&x, plan_action_name(req.action), why);
        act_error("read-only: %s refused (--read-only, or read_only in the config's defaults, app or profile); "
                  "nothing was changed", plan_action_name(req.action));
        ctx_close(&x);
        return EXIT_REFUSED;
    }
    /* From here a signal stops the plan at a step boundary instead of killing us. */
    signals_install();
    rc = check_unfinished(&x);
    if (!rc) {
        rc = build_and_run(&x, &req);
        if (action == PLAN_CANCEL && rc == EXIT_OK)
            print_group_state(&x);
    }
    ctx_close(&x);
    return rc;
}

int cmd_deploy(cli_globals *g) { return action_command(g, PLAN_DEPLOY); }
int cmd_rollback(cli_globals *g) { return action_command(g, PLAN_ROLLBACK); }
int cmd_cancel(cli_globals *g) { return action_command(g, PLAN_CANCEL); }
int cmd_promote(cli_globals *g) { return action_command(g, PLAN_PROMOTE); }

/* The app's unfinished plan (exactly one expected); NULL after printing why. */
static int pick_unfinished(act_ctx *x, journal_unfinished_list *l, journal_unfinished **out)
{
    strbuf err;
    sb_init(&err);
    *out = NULL;
    if (find_unfinished(x, l, &err) != 0) {
        act_error("%s", err.buf);
        sb_free(&err);
        return EXIT_AWS;
    }
    sb_free(&err);
    if (l->n == 0) {
        act_error("no unfinished plan for app %s in the journal", nz(x->target.app));
        return EXIT_USAGE;
    }
    /* Only the newest can be unfinished in normal use; older ones are listed. */
    for (size_t i = 0; i + 1 < l->n; i++)
        print_unfinished(&l->items[i]);
    *out = &l->items[l->n - 1];
    return 0;
}

int cmd_resume(cli_globals *g)
{
    act_ctx x;
    int rc = ctx_open(g, &x, true);
    if (rc) {
        ctx_close(&x);
        return rc;
    }
    if (x.target.read_only) {
        journal_refusal(&x, "resume", "read-only: resume refused; nothing was changed");
        act_error("read-only: resume refused; nothing was changed");
        ctx_close(&x);
        return EXIT_REFUSED;
    }
    signals_install();
    journal_unfinished_list l = { 0 };
    journal_unfinished *u;
    rc = pick_unfinished(&x, &l, &u);
    if (!rc) {
        strbuf err;
        sb_init(&err);
        plan *p = plan_from_journal(u, &err);
        if (!p) {
            act_error("cannot resume plan %s: %s; `tarmac abandon --app %s` drops it", nz(u->plan_id), err.buf,
                      nz(x.target.app));
            rc = EXIT_REFUSED;
        } else if (!str_eq(p->target.region, x.s.region) || !str_eq(p->target.asg, x.target.asg)) {
            act_error("plan %s was for %s in %s, this session is %s in %s: nothing was changed", p->id,
                      nz(p->target.asg), nz(p->target.region), nz(x.target.asg), nz(x.s.region));
            rc = EXIT_REFUSED;
        } else {
            p->target.read_only = x.target.read_only;
            p->target.protected_ = p->target.protected_ || x.target.protected_;
            say("resuming plan %s", p->id);
            print_plan(p);
            bool yes = confirm(&x, p);
            if (stop_flag) {
                act_error("stopped by a signal before resuming: nothing was changed");
                rc = EXIT_STOPPED;
            } else if (!yes) {
                rc = EXIT_REFUSED;
            } else {
                rc = run_plan(&x, p);
                /* As for a new plan: the flag, or the app's auto_rollback (as configured
                 * now, or as the plan recorded it). */
                bool is_rb = p->action == PLAN_ROLLBACK;
                bool auto_rb = !is_rb && (x.o.auto_rollback || x.target.auto_rollback || p->target.auto_rollback);
                if (rc == EXIT_OK && plan_has_refresh(p) && (x.o.wait || auto_rb)) {
                    char *id = xstrdup(plan_refresh_id(p));
                    rc = follow_and_guard(&x, id, auto_rb, is_rb);
                    free(id);
                }
            }
        }
        plan_free(p);
        sb_free(&err);
    }
    journal_unfinished_list_free(&l);
    ctx_close(&x);
    return rc;
}

int cmd_abandon(cli_globals *g)
{
    act_ctx x;
    int rc = ctx_open(g, &x, true);
    if (rc) {
        ctx_close(&x);
        return rc;
    }
    journal_unfinished_list l = { 0 };
    journal_unfinished *u;
    rc = pick_unfinished(&x, &l, &u);
    if (!rc) {
        strbuf err;
        sb_init(&err);
        if (plan_abandon(x.j, u, &err) != 0) {
            act_error("%s", err.buf);
            rc = EXIT_AWS;
        } else {
            say("abandoned plan %s: tags and refreshes are left as they are (see `tarmac status`)", u->plan_id);
        }
        sb_free(&err);
    }
    journal_unfinished_list_free(&l);
    ctx_close(&x);
    return rc;
}

int cmd_watch(cli_globals *g)
{
    act_ctx x;
    int rc = ctx_open(g, &x, false);
    if (rc) {
        ctx_close(&x);
        return rc;
    }
    actions_warn_unfinished(x.target.app);
    bool auto_rb = x.o.auto_rollback;
    if (auto_rb && x.target.read_only) {
        act_error("read-only: --auto-rollback refused");
        ctx_close(&x);
        return EXIT_REFUSED;
    }
    if (auto_rb) {
        strbuf err;
        sb_init(&err);
        x.j = journal_open(NULL, &err);
        sb_free(&err);
        if (!x.j) {
            act_error("cannot open the journal: --auto-rollback refused");
            ctx_close(&x);
            return EXIT_REFUSED;
        }
    }
    rc = follow_and_guard(&x, NULL, auto_rb, false);
    ctx_close(&x);
    return rc;
}

/* ------------------------------------------------------------ log */

typedef struct log_ctx {
    const char *app;
    bool json;
    int limit;
    size_t total, index;
} log_ctx;

static const char *js(json_object *o, const char *k)
{
    json_object *v;
    if (json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return NULL;
}

static bool log_count(void *ud, json_object *o, const char *raw, size_t len)
{
    (void)raw;
    (void)len;
    log_ctx *l = ud;
    if (!l->app || str_eq(js(o, "app"), l->app))
        l->total++;
    return true;
}

static void col(const char *s, int width)
{
    char buf[512];
    int used = 0;
    sanitize_text(s ? s : "-", strlen(s ? s : "-"), buf, sizeof buf, width, ascii_terminal(), &used);
    fputs(buf, stdout);
    for (int i = used; i < width; i++)
        fputc(' ', stdout);
}

static bool log_print(void *ud, json_object *o, const char *raw, size_t len)
{
    log_ctx *l = ud;
    if (l->app && !str_eq(js(o, "app"), l->app))
        return true;
    size_t skip = l->limit > 0 && l->total > (size_t)l->limit ? l->total - (size_t)l->limit : 0;
    if (l->index++ < skip)
        return true;
    if (l->json) {
        /* The raw line, made inert for a terminal only if it is one. */
        if (isatty(STDOUT_FILENO))
            put_safe(stdout, raw, -1);
        else
            fwrite(raw, 1, len, stdout);
        fputc('\n', stdout);
        return true;
    }
    json_object *st;
    char step[16] = "";
    if (json_object_object_get_ex(o, "step", &st) && json_object_is_type(st, json_type_int))
        snprintf(step, sizeof step, "%d", json_object_get_int(st));
    const char *t = js(o, "time");
    char when[24] = "-";
    if (t)
        snprintf(when, sizeof when, "%.10s %.8s", t, strlen(t) > 11 ? t + 11 : "");
    col(when, 20); fputc(' ', stdout);
    col(js(o, "user"), 10); fputc(' ', stdout);
    col(js(o, "app"), 12); fputc(' ', stdout);
    col(js(o, "action"), 10); fputc(' ', stdout);
    col(js(o, "plan_id"), 26); fputc(' ', stdout);
    col(step[0] ? step : "-", 4); fputc(' ', stdout);
    col(js(o, "event"), 16); fputc(' ', stdout);
    col(js(o, "outcome"), 9); fputc(' ', stdout);
    const char *what = js(o, "error") ? js(o, "error") : js(o, "description");
    put_safe(stdout, what, 160);
    fputc('\n', stdout);
    return true;
}

int cmd_log(cli_globals *g)
{
    act_opts o;
    int rc = parse_opts(g, &o);
    if (rc) {
        strvec_free(&o.pos);
        return rc;
    }
    char *path = journal_default_path();
    log_ctx l = { .app = g->app, .json = g->json || o.json, .limit = o.limit };
    strbuf err;
    sb_init(&err);
    if (l.limit)
        journal_scan(path, log_count, &l, &err);
    if (!l.json) {
        printf("%-20s %-10s %-12s %-10s %-26s %-4s %-16s %-9s %s\n", "TIME", "USER", "APP", "ACTION", "PLAN",
               "STEP", "EVENT", "OUTCOME", "WHAT");
    }
    if (journal_scan(path, log_print, &l, &err) != 0) {
        act_error("%s", err.buf);
        rc = EXIT_AWS;
    }
    sb_free(&err);
    free(path);
    strvec_free(&o.pos);
    return rc;
}
