/* cmd_actions.c — `tarmac deploy|rollback|cancel|promote|resume|abandon`: the
 * headless face of the plans in backend/deploy/plan.h. Each changing command builds a
 * plan, prints it, asks (or takes --yes; without a terminal and without --yes it
 * refuses), runs it step by step with the journal, and with --wait follows the
 * refresh (cmd_watch.c), printing one line per change, rolling back when told to.
 * Their flags, session, output and signals are in cmd_actions_common.c. */
#include "cmd_actions_int.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kinds/kind.h"
#include "services/services.h"

const char cmd_actions_usage[] =
    "action flags (deploy, rollback, cancel, promote, resume, abandon, watch take\n"
    "--app NAME, or --asg NAME [--repo REPO]):\n"
    "  --yes             do not ask (without it and without a terminal, nothing is changed)\n"
    "  --wait            follow the refresh to its end; exit 0 only when Successful\n"
    "  --auto-rollback   roll back when the refresh fails, an alarm fires or targets stay unhealthy\n"
    "  --interval SECS   poll interval while following (default 2)\n"
    "  --timeout SECS    give up following after SECS (default 3600)\n";

/* ------------------------------------------------------------ output */

/* NULL-safe %s argument (plans rebuilt from the journal may lack any field). */
static const char *nz(const char *s)
{
    return s ? s : "-";
}

static void print_plan(const plan *p)
{
    strbuf sb;
    sb_init(&sb);
    /* First what it changes, in one line, as the console's dialog shows it. */
    plan_summary(p, &sb);
    sb_append(&sb, "\n");
    plan_format(p, &sb);
    /* Line by line so that newlines stay newlines and nothing else gets through. */
    char *line = sb.buf;
    while (line && *line) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        cli_put(stdout, line, -1);
        fputc('\n', stdout);
        line = nl ? nl + 1 : NULL;
    }
    fflush(stdout);
    sb_free(&sb);
}

/* ------------------------------------------------------------ session */

/* Journals a refusal that came before any plan (read-only, a signal). */
static void journal_refusal(act_ctx *x, const char *action, const char *why)
{
    if (!x->j)
        return;
    journal_record rec = {
        .event = "refused",
        .action = action,
        .user = x->target.user,
        .region = x->target.region,
        .app = x->target.app,
        .asg = x->target.asg,
        .repository = x->target.repository,
        .outcome = "refused",
        .error = why,
    };
    strbuf err;
    sb_init(&err);
    if (journal_append(x->j, &rec, &err) != 0)
        cli_error("%s", err.buf);
    sb_free(&err);
}

static void print_unfinished(const journal_unfinished *u)
{
    int done = 0;
    for (size_t i = 0; i < u->step_state.n; i++)
        if (strcmp(u->step_state.items[i], "ok") == 0 || strcmp(u->step_state.items[i], "skipped") == 0)
            done++;
    fputs("tarmac: unfinished ", stderr);
    cli_put(stderr, u->action, 40);
    fputs(" plan ", stderr);
    cli_put(stderr, u->plan_id, 60);
    fputs(" for app ", stderr);
    cli_put(stderr, u->app, 80);
    fputs(", started ", stderr);
    cli_put(stderr, u->time, 40);
    fputs(" by ", stderr);
    cli_put(stderr, u->user, 40);
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
        cli_error("%s", err.buf);
        rc = EXIT_REFUSED;
    } else if (l.n) {
        const journal_unfinished *u = &l.items[l.n - 1];
        print_unfinished(u);
        if (u->app && str_eq(u->app, x->target.app))
            cli_error("finish it with `tarmac resume --app %s` or drop it with `tarmac abandon --app %s` "
                      "before starting another; nothing was changed",
                      nz(u->app), nz(u->app));
        else
            cli_error("it is for the same group (%s in %s): finish it with `tarmac resume` or drop it with "
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
        cli_error("no terminal to confirm on and no --yes: nothing was changed");
        return false;
    }
    char line[512];
    if (p->target.protected_) {
        cli_put(stdout, nz(p->target.app), 80);
        fputs(" is protected: type the group's name (", stdout);
        cli_put(stdout, plan_confirm_text(p), 256);
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
        cli_say("step %zu/%zu %s: %s", i + 1, p->steps.n, plan_step_kind_name(s->kind), nz(s->description));
        return;
    }
    /* A failed step says why, not what an earlier run noted about it. */
    const char *why = s->state == STEP_FAILED && s->error ? s->error : s->result ? s->result : s->error;
    cli_say("step %zu/%zu %s%s%s%s%s", i + 1, p->steps.n, plan_step_state_name(s->state),
            s->refresh_id ? " refresh " : "", s->refresh_id ? s->refresh_id : "", why ? ": " : "", why ? why : "");
}

static int outcome_exit(plan_outcome o)
{
    switch (o) {
    case PLAN_OK:
        return EXIT_OK;
    case PLAN_REFUSED:
        return EXIT_REFUSED;
    case PLAN_STOPPED:
        return EXIT_STOPPED;
    default:
        return EXIT_AWS;
    }
}

/* Runs a confirmed plan; prints the outcome. */
static int run_plan(act_ctx *x, plan *p)
{
    act_signals_install();
    plan_run_hooks h = { .step_changed = on_step, .wait_poll_ms = x->o.interval_ms, .stop = &act_stop_flag };
    strbuf err;
    sb_init(&err);
    plan_outcome o = plan_run_wait(x->s.client, p, x->j, &h, &act_stop_flag, act_sig_pipe[0], &err);
    const char *app = nz(p->target.app);
    if (o == PLAN_OK)
        cli_say("plan %s: done", p->id);
    else if (o == PLAN_STOPPED && p->left_open)
        cli_error("stopped by a signal at a step boundary: %s; `tarmac resume --app %s` finishes the plan, "
                  "`tarmac abandon --app %s` drops it",
                  err.buf, app, app);
    else if (o == PLAN_STOPPED)
        cli_error("stopped by a signal: %s; nothing was changed", err.buf);
    else if (p->left_open)
        cli_error("%s%s: `tarmac resume --app %s` finishes it, `tarmac abandon --app %s` drops it", err.buf,
                  strstr(err.buf, "plan stays open") ? "" : "; the plan stays open", app, app);
    else
        cli_error("%s", err.buf);
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

/* Plans, shows, confirms, runs; then follows with --wait / --auto-rollback. */
int act_build_and_run(act_ctx *x, const plan_request *req)
{
    const app_kind *kind = app_kind_of_target(&x->target);
    if (!app_kind_offers(kind, req->action)) {
        cli_error("%s apps have no %s: nothing was changed", kind->config->name, plan_action_name(req->action));
        return EXIT_USAGE;
    }
    plan *p = plan_build_wait_via(kind->build, x->s.client, &x->target, req, &act_stop_flag, act_sig_pipe[0]);
    if (!p && act_stop_flag) {
        cli_error("stopped by a signal while planning: nothing was changed");
        return EXIT_STOPPED;
    }
    if (!p) {
        cli_error("could not read the live state in time: nothing was changed");
        return EXIT_AWS;
    }
    if (x->trigger) {
        p->trigger = x->trigger;
        x->trigger = NULL;
    }
    print_plan(p);
    int rc;
    if (p->refusal || x->target.read_only) {
        strbuf err;
        sb_init(&err);
        plan_run *run = plan_run_start(x->s.client, p, x->j, NULL, &err); /* journals the refusal */
        plan_run_free(run);
        cli_error("%s", err.buf);
        sb_free(&err);
        plan_free(p);
        return EXIT_REFUSED;
    }
    bool yes = confirm(x, p);
    if (act_stop_flag) {
        cli_error("stopped by a signal before the first step: nothing was changed");
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
        str_copy(x->followed_plan, sizeof x->followed_plan, p->id);
        x->followed_action = plan_action_name(p->action);
        str_set(&x->target.account, p->target.account); /* for the outcome records */
        plan_free(p);
        p = NULL;
        rc = act_follow_and_guard(x, id, auto_rb, rolling_back);
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
                     in->launch_template.launch_template_name     ? in->launch_template.launch_template_name
                         : in->launch_template.launch_template_id ? in->launch_template.launch_template_id
                         : in->launch_configuration_name          ? in->launch_configuration_name
                                                                  : "?",
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
        cli_say("%s is left with %zu instances (desired %d):", grp->name, grp->instances.n, grp->desired_capacity);
        for (size_t j = 0; j < keys.n; j++)
            cli_say("  %d on %s", counts.items[j], keys.items[j]);
        if (x->target.repository)
            cli_say("  instances launched during the refresh run the image '%s' pointed at when they booted",
                    x->target.live_tag);
        strvec_free(&keys);
        VEC_FREE(counts);
    }
    if (res.failed)
        cli_error("could not read the group's state after the cancel");
    MODEL_LIST_FREE(res.l, asg_group_free);
}

static int action_command(cli_globals *g, plan_action action)
{
    act_ctx x;
    int rc = act_ctx_open(g, &x, true);
    if (rc) {
        act_ctx_close(&x);
        return rc;
    }
    plan_request req = { .action = action };
    if (action == PLAN_DEPLOY && x.o.resume) {
        act_ctx_close(&x);
        return cmd_resume(g);
    }
    if (action == PLAN_DEPLOY && x.o.lt_version) {
        req.action = PLAN_DEPLOY_LT;
        req.lt_version = x.o.lt_version;
        if (x.o.pos.n) {
            cli_error("deploy takes a TAG or --lt-version N, not both");
            act_ctx_close(&x);
            return EXIT_USAGE;
        }
    } else if (action == PLAN_DEPLOY) {
        if (x.o.pos.n != 1) {
            cli_error("usage: tarmac deploy TAG --app NAME [--yes] [--wait] [--auto-rollback]");
            act_ctx_close(&x);
            return EXIT_USAGE;
        }
        req.tag = x.o.pos.items[0];
    } else if (action == PLAN_PROMOTE) {
        if (x.o.pos.n != 2) {
            cli_error("usage: tarmac promote SRC DST --app NAME [--yes]");
            act_ctx_close(&x);
            return EXIT_USAGE;
        }
        req.tag = x.o.pos.items[0];
        req.dst_tag = x.o.pos.items[1];
    } else if (x.o.pos.n) {
        cli_error("%s takes no arguments", plan_action_name(action));
        act_ctx_close(&x);
        return EXIT_USAGE;
    }
    if (x.target.read_only) {
        const char *why = "read-only: refused (--read-only, or read_only in the config's defaults, app or "
                          "profile); nothing was changed";
        journal_refusal(&x, plan_action_name(req.action), why);
        cli_error("read-only: %s refused (--read-only, or read_only in the config's defaults, app or profile); "
                  "nothing was changed",
                  plan_action_name(req.action));
        act_ctx_close(&x);
        return EXIT_REFUSED;
    }
    /* From here a signal stops the plan at a step boundary instead of killing us. */
    act_signals_install();
    rc = check_unfinished(&x);
    if (!rc) {
        rc = act_build_and_run(&x, &req);
        if (action == PLAN_CANCEL && rc == EXIT_OK)
            print_group_state(&x);
    }
    act_ctx_close(&x);
    return rc;
}

int cmd_deploy(cli_globals *g)
{
    return action_command(g, PLAN_DEPLOY);
}
int cmd_rollback(cli_globals *g)
{
    return action_command(g, PLAN_ROLLBACK);
}
int cmd_cancel(cli_globals *g)
{
    return action_command(g, PLAN_CANCEL);
}
int cmd_promote(cli_globals *g)
{
    return action_command(g, PLAN_PROMOTE);
}

/* The app's unfinished plan (exactly one expected); NULL after printing why. */
static int pick_unfinished(act_ctx *x, journal_unfinished_list *l, journal_unfinished **out)
{
    strbuf err;
    sb_init(&err);
    *out = NULL;
    if (find_unfinished(x, l, &err) != 0) {
        cli_error("%s", err.buf);
        sb_free(&err);
        return EXIT_AWS;
    }
    sb_free(&err);
    if (l->n == 0) {
        cli_error("no unfinished plan for app %s in the journal", nz(x->target.app));
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
    int rc = act_ctx_open(g, &x, true);
    if (rc) {
        act_ctx_close(&x);
        return rc;
    }
    if (x.target.read_only) {
        journal_refusal(&x, "resume", "read-only: resume refused; nothing was changed");
        cli_error("read-only: resume refused; nothing was changed");
        act_ctx_close(&x);
        return EXIT_REFUSED;
    }
    act_signals_install();
    journal_unfinished_list l = { 0 };
    journal_unfinished *u;
    rc = pick_unfinished(&x, &l, &u);
    if (!rc) {
        strbuf err;
        sb_init(&err);
        plan *p = plan_from_journal(u, &err);
        if (!p) {
            cli_error("cannot resume plan %s: %s; `tarmac abandon --app %s` drops it", nz(u->plan_id), err.buf,
                      nz(x.target.app));
            rc = EXIT_REFUSED;
        } else if (!str_eq(p->target.region, x.s.region) || !str_eq(p->target.asg, x.target.asg)) {
            cli_error("plan %s was for %s in %s, this session is %s in %s: nothing was changed", p->id,
                      nz(p->target.asg), nz(p->target.region), nz(x.target.asg), nz(x.s.region));
            rc = EXIT_REFUSED;
        } else {
            p->target.read_only = x.target.read_only;
            p->target.protected_ = p->target.protected_ || x.target.protected_;
            cli_say("resuming plan %s", p->id);
            print_plan(p);
            bool yes = confirm(&x, p);
            if (act_stop_flag) {
                cli_error("stopped by a signal before resuming: nothing was changed");
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
                    str_copy(x.followed_plan, sizeof x.followed_plan, p->id);
                    x.followed_action = plan_action_name(p->action);
                    str_set(&x.target.account, p->target.account);
                    rc = act_follow_and_guard(&x, id, auto_rb, is_rb);
                    free(id);
                }
            }
        }
        plan_free(p);
        sb_free(&err);
    }
    journal_unfinished_list_free(&l);
    act_ctx_close(&x);
    return rc;
}

int cmd_abandon(cli_globals *g)
{
    act_ctx x;
    int rc = act_ctx_open(g, &x, true);
    if (rc) {
        act_ctx_close(&x);
        return rc;
    }
    journal_unfinished_list l = { 0 };
    journal_unfinished *u;
    rc = pick_unfinished(&x, &l, &u);
    if (!rc) {
        strbuf err;
        sb_init(&err);
        if (plan_abandon(x.j, u, &err) != 0) {
            cli_error("%s", err.buf);
            rc = EXIT_AWS;
        } else {
            cli_say("abandoned plan %s: tags and refreshes are left as they are (see `tarmac status`)", u->plan_id);
        }
        sb_free(&err);
    }
    journal_unfinished_list_free(&l);
    act_ctx_close(&x);
    return rc;
}
