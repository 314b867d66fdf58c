/* console_actions.c — the console's actions: the keys d, p (Images), c (Refresh)
 * and R, and the commands :deploy, :deploy-lt, :rollback, :cancel, :promote.
 * Each builds a plan (plan.h) without blocking, shows it in a dialog, asks (the
 * group's name for protected apps), runs it journaled one step at a time from the
 * event loop, then watches the refresh and offers rollback — or rolls back by
 * itself when the app has auto_rollback (console_guard.c). The dialog's keys are
 * the keymap's (actions.def, SCOPE_DIALOG), and so are the keys its words and
 * hints name; Enter never runs a plan. Also here: a quit by key that asks first
 * while something is in flight, and a quit (confirmed, SIGTERM, SIGHUP) that waits
 * for a step boundary. Unfinished plans offered at
 * start and the journal handed to the Activity pane are in console_journal.c; the
 * words of the dialog live in dialog.c. */
#include "console_actions_int.h"

#include "services/services.h"

#define QUIT_GRACE_MS 120000 /* how long a quit waits for the running step */

/* ------------------------------------------------------------ small helpers */

static bool is_action(action_id a)
{
    return a == ACT_DEPLOY || a == ACT_PROMOTE || a == ACT_CANCEL || a == ACT_ROLLBACK;
}

static const app_config *app_of(const console *c, const char *asg)
{
    if (!asg)
        return c->app;
    if (c->app && str_eq(c->app->asg, asg))
        return c->app;
    return con_app_for_asg(c, asg);
}

/* The console was started on exactly this group and repository (--asg G --repo R):
 * the operator named the pair, as an app of the config does. */
static bool started_on(const console *c, const char *asg, const char *repo)
{
    return c->g->asgs.n == 1 && c->g->repos.n == 1 && str_eq(c->g->asgs.items[0], asg) &&
        str_eq(c->g->repos.items[0], repo);
}

/* --read-only, the config's defaults, or the app's own switch. */
bool con_act_read_only_for(const console *c, const app_config *app)
{
    return c->g->read_only || config_app_read_only(&c->sess.config, app) ||
        config_profile_read_only(&c->sess.config, c->profile);
}

bool con_protected_now(const console *c)
{
    const app_config *app = app_of(c, c->w ? watch_get(c->w)->selected_asg : NULL);
    return app && app->protected_;
}

bool con_action_hidden(const console *c, action_id a)
{
    if (!is_action(a))
        return false;
    const char *asg = c->w ? watch_get(c->w)->selected_asg : NULL;
    return con_act_read_only_for(c, app_of(c, asg));
}

bool con_read_only_now(const console *c)
{
    const char *asg = c->w ? watch_get(c->w)->selected_asg : NULL;
    return con_act_read_only_for(c, app_of(c, asg));
}

void con_act_set_note(con_actions *a, bool bad, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->note, sizeof a->note, fmt, ap);
    va_end(ap);
    a->note_bad = bad;
}

/* ------------------------------------------------------------ the dialog */

/* The first key bound to act ("" when none); typing: only a key that is not typed
 * into a group's name (not a printable character). */
static void bound_key(const console *c, action_id act, bool typing, char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; i < c->km.b.n; i++) {
        const key_binding *b = &c->km.b.items[i];
        if (b->action != act)
            continue;
        if (typing &&
            ((b->key > 0x20 && b->key < 0x7f) || (b->key >= 0xa0 && !(b->key & (KEYMAP_FN | KEYMAP_META))) ||
             b->key == '\r' || b->key == 27 || b->key == (KEYMAP_FN | KEY_BACKSPACE)))
            continue;
        keymap_key_name(b->key, buf, len);
        return;
    }
}

static void load_keys(const console *c)
{
    con_actions *a = c->act;
    bound_key(c, ACT_CONFIRM, false, a->k_confirm, sizeof a->k_confirm);
    bound_key(c, ACT_DECLINE, false, a->k_decline, sizeof a->k_decline);
    bound_key(c, ACT_SHOW_COMMANDS, false, a->k_commands, sizeof a->k_commands);
    bound_key(c, ACT_SHOW_COMMANDS, true, a->k_commands_typing, sizeof a->k_commands_typing);
    bound_key(c, ACT_STOP_PLAN, false, a->k_stop, sizeof a->k_stop);
    bound_key(c, ACT_REPLAN, false, a->k_replan, sizeof a->k_replan);
    bound_key(c, ACT_ROLLBACK, false, a->k_rollback, sizeof a->k_rollback);
    bound_key(c, ACT_RESUME_PLAN, false, a->k_resume, sizeof a->k_resume);
    bound_key(c, ACT_ABANDON_PLAN, false, a->k_abandon, sizeof a->k_abandon);
    a->keys = (dialog_keys){ .confirm = a->k_confirm,
                             .decline = a->k_decline,
                             .commands = a->k_commands,
                             .commands_typing = a->k_commands_typing,
                             .stop = a->k_stop,
                             .replan = a->k_replan,
                             .rollback = a->k_rollback,
                             .resume = a->k_resume,
                             .abandon = a->k_abandon };
}

/* The dialog's text in the overlay: wrapped, not cut (the aws commands are long
 * and must be readable whole); takes sb's text and frees it. */
static void show_dialog_text(console *c, strbuf *sb)
{
    con_actions *a = c->act;
    strvec lines = { 0 };
    a->wrap_width = c->lay.body.w - 4;
    dialog_wrap(sb->buf, a->wrap_width, &lines);
    sb_free(sb);
    con_overlay_show_lines(c, OV_ACTION, &lines, !a->scroll_home);
    a->scroll_home = false;
}

static void quit_question_show(console *c)
{
    con_actions *a = c->act;
    snprintf(c->ov.title, sizeof c->ov.title, "Quit tarmac?");
    strbuf sb;
    sb_init(&sb);
    dialog_quit_text(a->quit_q, a->k_confirm[0] ? a->k_confirm : "y", &sb);
    show_dialog_text(c, &sb);
}

void con_act_dialog_refresh(console *c)
{
    con_actions *a = c->act;
    if (a->closing || !a->visible)
        return;
    load_keys(c);
    if (a->quit_ask) {
        quit_question_show(c);
        return;
    }
    if (a->phase == DLG_NONE)
        return;
    dialog_state d = {
        .phase = a->phase,
        .p = a->phase == DLG_OFFER || a->phase == DLG_UNFINISHED ? NULL : a->p,
        .what = a->what,
        .app = a->app,
        .asg = a->asg,
        .typed = a->typed,
        .note = a->note[0] ? a->note : NULL,
        .note_bad = a->note_bad,
        .auto_run = a->auto_rb,
        .can_replan = a->can_replan,
        .after = a->after.buf,
        .unfinished = &a->unf,
        .selected = a->unf_sel,
        .show_cli = a->show_cli,
        .keys = &a->keys,
    };
    if (d.phase == DLG_OFFER) {
        d.note = a->offer;
        d.app = a->gt.app;
        d.asg = a->gt.asg;
    }
    dialog_title(&d, c->ov.title, sizeof c->ov.title);
    strbuf sb;
    sb_init(&sb);
    dialog_text(&d, &sb);
    show_dialog_text(c, &sb);
}

void con_act_dialog_open(console *c, dialog_phase ph)
{
    con_actions *a = c->act;
    if (a->closing)
        return;
    if (!a->quit_ask && !con_message_shown(c, a->sticky))
        con_message_clear(c); /* "promote: not run" is over once a new dialog opens */
    a->phase = ph;
    a->visible = true;
    a->scroll_home = !a->quit_ask;
    con_act_dialog_refresh(c);
}

static void dialog_hide(console *c)
{
    if (c->act->quit_ask)
        return; /* the question stays until answered */
    c->act->visible = false;
    if (c->ov.kind == OV_ACTION)
        con_overlay_close(c);
}

/* Closes the dialog and forgets a plan that did not run. */
void con_act_dialog_end(console *c)
{
    con_actions *a = c->act;
    dialog_hide(c);
    a->phase = DLG_NONE;
    a->note[0] = '\0';
    a->typed[0] = '\0';
    a->can_replan = false;
    sb_reset(&a->after);
    if (!a->run) {
        plan_free(a->p);
        a->p = NULL;
    }
    /* A rollback offer that came while a plan was on screen. */
    if (a->offer[0])
        con_act_dialog_open(c, DLG_OFFER);
}

bool con_act_busy(const con_actions *a)
{
    return a->run || a->ticket || a->phase == DLG_CONFIRM;
}

/* ------------------------------------------------------------ running */

static void on_step(plan_run *run, size_t i, void *ud)
{
    (void)run;
    (void)i;
    console *c = ud;
    if (!c->act || c->act->closing)
        return;
    c->act->journal_dirty = true;
    con_act_dialog_refresh(c);
}

static void on_finished(plan_run *run, void *ud)
{
    (void)run;
    console *c = ud;
    if (c->act)
        c->act->run_finished = true;
}

static void run_plan(console *c)
{
    con_actions *a = c->act;
    /* A new plan ends the watching of the last one (it may be the rollback). */
    con_act_guard_stop(a);
    if (a->offer[0] && !a->auto_rb && a->p && a->p->action == PLAN_ROLLBACK)
        con_act_journal_offer(c, "accepted", a->offer);
    a->offer[0] = '\0';
    a->advised[0] = '\0'; /* a new plan on screen: what AWS says decides the mark */
    a->typed[0] = '\0';
    a->can_replan = false;
    sb_reset(&a->after);
    if (!a->auto_rb)
        a->note[0] = '\0';
    a->phase = DLG_RUNNING;
    if (a->p && (a->p->action == PLAN_DEPLOY || a->p->action == PLAN_DEPLOY_LT || a->p->action == PLAN_ROLLBACK))
        con_show_rollout(c);
    a->run_finished = false;
    a->stop_sent = false;
    plan_run_hooks h = { .step_changed = on_step, .finished = on_finished, .ud = c };
    strbuf err;
    sb_init(&err);
    a->run = plan_run_start(c->client, a->p, a->j, &h, &err);
    a->journal_dirty = true;
    if (!a->run) {
        a->phase = DLG_DONE;
        con_act_set_note(a, true, "Refused, nothing was changed: %s", err.buf);
        con_message(c, ROLE_ERROR, "%s", a->note);
    } else {
        con_act_sticky_status(c, mono_now_ms(), true); /* "ACTION RUNNING: ..." at once */
    }
    sb_free(&err);
    if (a->visible || a->auto_rb)
        con_act_dialog_open(c, a->phase);
}

static void run_done(console *c)
{
    con_actions *a = c->act;
    plan_outcome o = plan_run_outcome(a->run);
    char msg[600];
    snprintf(msg, sizeof msg, "%s", plan_run_message(a->run));
    plan_run_free(a->run);
    a->run = NULL;
    a->journal_dirty = true;
    con_ltpick_drop(c); /* a deploy may have changed what runs, or the versions */
    const plan *p = a->p;
    const char *act = plan_action_name(p->action);
    int role = ROLE_HEALTHY;
    switch (o) {
    case PLAN_OK:
    case PLAN_RUNNING:
        if (a->auto_rb)
            con_act_set_note(a, false, "Done: every step done or skipped (auto-rollback after: %.500s).",
                             a->auto_reason);
        else
            con_act_set_note(a, false, "Done: every step done or skipped.");
        con_act_guard_start(c, p);
        if (p->action == PLAN_CANCEL)
            a->want_summary = true;
        watch_refresh_now(c->w);
        break;
    case PLAN_FAILED:
        con_act_set_note(a, true, "FAILED: %s", msg);
        role = ROLE_ERROR;
        break;
    case PLAN_REFUSED:
        con_act_set_note(a, true, "Refused before anything changed: %s", msg);
        a->can_replan = a->has_last && !p->resumed;
        role = ROLE_ERROR;
        break;
    case PLAN_STOPPED:
        con_act_set_note(a, true, "Stopped at a step boundary: %s. The plan is unfinished in the journal.", msg);
        role = ROLE_WARNING;
        break;
    }
    a->phase = DLG_DONE;
    if (o == PLAN_STOPPED && c->quit)
        a->quit_stopped = true;
    con_message(c, role, "%s %s: %s", act, p->id, a->note);
    if (o == PLAN_STOPPED && !c->quit && con_act_load_unfinished(a, p->target.app)) {
        con_act_dialog_open(c, DLG_UNFINISHED);
        return;
    }
    con_act_dialog_refresh(c);
}

/* ------------------------------------------------------------ building */

static void on_built(plan *p, void *ud)
{
    build_ticket *t = ud;
    console *c = t->c;
    bool dropped = t->dropped, auto_rb = t->auto_rb;
    free(t);
    if (dropped || !c->act || c->act->closing) {
        plan_free(p);
        return;
    }
    con_actions *a = c->act;
    a->ticket = NULL;
    plan_free(a->p);
    a->p = p;
    a->auto_rb = auto_rb;
    a->typed[0] = '\0';
    a->show_cli = false; /* a new plan: its commands folded */
    if (!auto_rb)
        a->note[0] = '\0';
    if (a->unbound[0] && !p->refusal && p->action == PLAN_DEPLOY)
        strvec_push(&p->notes, a->unbound);
    a->unbound[0] = '\0';
    if (p->refusal || p->target.read_only) {
        /* Journaled like the headless commands' refusals; nothing runs. */
        strbuf err;
        sb_init(&err);
        plan_run *r = plan_run_start(c->client, p, a->j, NULL, &err);
        if (r) {
            /* Cannot happen: a refusal never starts. Stop it at once to be safe. */
            plan_run_stop(r);
            a->run = r;
        }
        sb_free(&err);
        a->journal_dirty = true;
        con_act_dialog_open(c, DLG_CONFIRM);
        return;
    }
    if (auto_rb) {
        /* No person started it: the journal says what did. */
        free(p->trigger);
        p->trigger =
            xasprintf("auto-rollback after %s: %s", a->guard_plan[0] ? a->guard_plan : "the deploy", a->auto_reason);
        run_plan(c);
        return;
    }
    con_act_dialog_open(c, DLG_CONFIRM);
}

void con_act_build(console *c, const plan_target *t, const dialog_cmd *cmd, bool auto_rb)
{
    con_actions *a = c->act;
    const app_kind *kind = app_kind_of_target(t);
    if (!app_kind_offers(kind, cmd->action)) {
        con_message(c, ROLE_WARNING, "%s apps have no %s", kind->config->name, plan_action_name(cmd->action));
        return;
    }
    if (!a->run) { /* the last plan, shown and finished: forgotten */
        plan_free(a->p);
        a->p = NULL;
    }
    build_ticket *tk = xcalloc(1, sizeof *tk);
    tk->c = c;
    tk->auto_rb = auto_rb;
    a->ticket = tk;
    a->last = *cmd;
    a->has_last = !auto_rb;
    a->can_replan = false;
    sb_reset(&a->after);
    if (!auto_rb)
        a->note[0] = '\0';
    if (cmd->action == PLAN_PROMOTE)
        snprintf(a->what, sizeof a->what, "promote %.120s -> %.120s", cmd->tag, cmd->dst);
    else if (cmd->action == PLAN_DEPLOY_LT)
        snprintf(a->what, sizeof a->what, "deploy of launch template version %s", cmd->lt_version);
    else
        snprintf(a->what, sizeof a->what, "%s%s%.200s", plan_action_name(cmd->action), cmd->tag[0] ? " " : "",
                 cmd->tag);
    snprintf(a->app, sizeof a->app, "%.79s", t->app ? t->app : "");
    snprintf(a->asg, sizeof a->asg, "%.255s", t->asg ? t->asg : "");
    con_act_dialog_open(c, DLG_BUILDING);
    plan_request r = {
        .action = cmd->action,
        .tag = cmd->tag[0] ? cmd->tag : NULL,
        .dst_tag = cmd->dst[0] ? cmd->dst : NULL,
        .lt_version = cmd->lt_version[0] ? cmd->lt_version : NULL,
    };
    /* done runs exactly once, maybe before this returns (a syntax refusal). */
    app_kind_of_target(t)->build(c->client, t, &r, on_built, tk);
}

static bool refuse_read_only(console *c, const app_config *app, const char *what)
{
    if (!con_act_read_only_for(c, app))
        return false;
    con_message(c, ROLE_WARNING,
                "read-only: %s refused (--read-only, or read_only in the config); "
                "nothing was changed",
                what);
    return true;
}

/* Plans cmd for the selected group (or, for an offered rollback, the watched one). */
static void ask(console *c, const dialog_cmd *cmd)
{
    con_apply_pending_asg(c);
    con_actions *a = c->act;
    const char *name = plan_action_name(cmd->action);
    if (con_act_busy(a)) {
        con_act_dialog_open(c, a->phase);
        con_message(c, ROLE_WARNING, "one action at a time: this one is still on screen");
        return;
    }
    if (c->who.switch_job) {
        /* The client is about to be replaced: a plan must not start on it. */
        con_message(c, ROLE_WARNING, "%s waits: the console is switching profile or region", name);
        return;
    }
    if (cmd->action == PLAN_ROLLBACK && a->offer[0] && a->gt.asg) {
        if (!con_act_guard_here(c)) {
            con_message(c, ROLE_WARNING, "the rollback offer is for %.80s in %.40s: switch back there first", a->gt.asg,
                        a->gt.region ? a->gt.region : "?");
            return;
        }
        if (a->gt.read_only) {
            refuse_read_only(c, NULL, name);
            return;
        }
        con_act_build(c, &a->gt, cmd, false);
        return;
    }
    const watch_state *ws = watch_get(c->w);
    const char *asg = ws->selected_asg;
    const app_config *app = app_of(c, asg);
    if (refuse_read_only(c, app, name))
        return;
    if (!asg) {
        con_message(c, ROLE_WARNING, "%s: select a group first (Groups pane, or :asg NAME)", name);
        return;
    }
    if (!a->j) {
        con_message(c, ROLE_ERROR, "%s refused: no journal (%s); every change is journaled first", name, a->jerr);
        return;
    }
    bool takes_tag = cmd->action == PLAN_DEPLOY || cmd->action == PLAN_PROMOTE;
    if (takes_tag && app && app->ecr_repository && ws->repository && !str_eq(app->ecr_repository, ws->repository)) {
        con_message(c, ROLE_WARNING,
                    "the Images pane shows repository %.80s but app %.60s deploys from %.80s "
                    "(:repo %.80s): nothing was changed",
                    ws->repository, app->name, app->ecr_repository, app->ecr_repository);
        return;
    }
    /* Like the headless commands: an interrupted plan is settled first. */
    if (con_act_load_unfinished(a, app ? app->name : asg)) {
        con_act_set_note(a, true, "%s waits: finish or abandon this plan first", name);
        con_act_dialog_open(c, DLG_UNFINISHED);
        return;
    }
    plan_target t;
    plan_target_init(&t, app, asg, app ? NULL : ws->repository, c->region, con_act_read_only_for(c, app));
    a->unbound[0] = '\0';
    if (cmd->action == PLAN_DEPLOY && !app && !started_on(c, asg, ws->repository)) {
        /* Nothing says this group runs this repository's images: moving the tag
         * would change what another group launches. Typed confirmation, as for a
         * protected app. */
        t.protected_ = true;
        snprintf(a->unbound, sizeof a->unbound,
                 "no app in the config ties group %.100s to repository %.100s (apps: in tarmac.yaml(5), or start "
                 "with --asg %.100s --repo %.100s): check that it runs this repository's images, then type its name",
                 asg, ws->repository ? ws->repository : "?", asg, ws->repository ? ws->repository : "REPO");
    }
    con_act_build(c, &t, cmd, false);
    plan_target_free(&t);
}

void con_actions_key(console *c, action_id act)
{
    con_actions *a = c->act;
    if (!a || !is_action(act))
        return;
    con_apply_pending_asg(c);
    if (con_act_busy(a)) {
        con_act_dialog_open(c, a->phase);
        return;
    }
    dialog_cmd cmd = { .action = PLAN_CANCEL };
    const char *tag = lv_selected_id(&c->panes[PANE_IMAGES].lv);
    switch (act) {
    case ACT_CANCEL:
        cmd.action = PLAN_CANCEL;
        break;
    case ACT_ROLLBACK:
        cmd.action = PLAN_ROLLBACK;
        break;
    case ACT_DEPLOY:
    case ACT_PROMOTE: {
        const char *name = act == ACT_DEPLOY ? "deploy" : "promote";
        const watch_state *ws = watch_get(c->w);
        const app_config *app = app_of(c, ws->selected_asg);
        if (refuse_read_only(c, app, name))
            return;
        if (!tag || strncmp(tag, "sha256:", 7) == 0 || strlen(tag) >= sizeof cmd.tag) {
            con_message(c, ROLE_WARNING, "%s: select a tag in the Images pane (an untagged image has none)", name);
            return;
        }
        if (act == ACT_PROMOTE) {
            /* The destination is asked on the command line, the stable tag offered. */
            con_prompt_open(c, PR_COMMAND);
            const char *stable = !app ? c->stable_tag : app->stable_tag ? app->stable_tag : "prod-stable";
            char line[PROMPT_MAX];
            snprintf(line, sizeof line, "promote %.120s %.120s", tag, stable);
            con_prompt_set_text(c, line);
            return;
        }
        cmd.action = PLAN_DEPLOY;
        snprintf(cmd.tag, sizeof cmd.tag, "%s", tag);
        break;
    }
    default:
        return;
    }
    ask(c, &cmd);
}

/* ------------------------------------------------------------ dialog keys */

static bool scroll_key(console *c, int key, action_id act, bool letters)
{
    /* Function keys always scroll; the keymap's other scrolling keys only where
     * letters mean nothing else (not while a name is typed, not in the list). */
    bool fn = (key & KEYMAP_FN) != 0;
    if (!fn && !letters)
        return false;
    return con_overlay_scroll(c, act, fn ? key : 0);
}

static void toggle_commands(console *c)
{
    con_actions *a = c->act;
    a->show_cli = !a->show_cli;
    con_act_dialog_refresh(c);
}

/* A protected plan waiting for the group's name: printable keys are typed. */
static bool typing_name(const con_actions *a)
{
    const plan *p = a->p;
    return a->phase == DLG_CONFIRM && p && !p->refusal && !p->target.read_only && p->target.protected_;
}

static void not_run(console *c, const plan *p)
{
    con_message(c, ROLE_NEUTRAL, "%s: not run, nothing was changed%s", plan_action_name(p->action),
                p->action == PLAN_CANCEL ? " (the refresh keeps running)" : "");
    con_act_dialog_end(c);
}

static void confirm_key(console *c, int key, action_id act)
{
    con_actions *a = c->act;
    const plan *p = a->p;
    bool esc = key == 27;
    if (!p || p->refusal || p->target.read_only) {
        if (esc || key == '\r' || act == ACT_DECLINE || act == ACT_QUIT || act == ACT_BACK)
            con_act_dialog_end(c);
        else if (act == ACT_SHOW_COMMANDS && p)
            toggle_commands(c);
        return;
    }
    if (p->target.protected_) {
        size_t n = strlen(a->typed);
        bool printable = (key > 0x20 && key < 0x7f);
        if (esc) {
            not_run(c, p);
            return;
        } else if (key == '\r') {
            if (dialog_confirm_ok(p, a->typed)) {
                run_plan(c);
                return;
            }
            con_act_set_note(a, true, "'%.100s' is not the group's name: nothing was run; type %.100s", a->typed,
                             plan_confirm_text(p));
            a->typed[0] = '\0';
        } else if (key == (KEYMAP_FN | KEY_BACKSPACE)) {
            if (n)
                a->typed[n - 1] = '\0';
        } else if (key == ('u' & 0x1f)) {
            a->typed[0] = '\0';
        } else if (printable) {
            /* Group names are ASCII: anything else cannot match and is not taken. */
            if (n + 1 < sizeof a->typed) {
                a->typed[n] = (char)key;
                a->typed[n + 1] = '\0';
            }
        } else if (act == ACT_SHOW_COMMANDS) {
            a->show_cli = !a->show_cli;
        }
        con_act_dialog_refresh(c);
        return;
    }
    if (act == ACT_CONFIRM) {
        run_plan(c);
    } else if (esc || act == ACT_DECLINE || act == ACT_QUIT || act == ACT_BACK) {
        not_run(c, p);
    } else if (act == ACT_SHOW_COMMANDS) {
        toggle_commands(c);
    } else if (key == '\r') {
        /* Enter is what a tired hand presses after anything: it never runs a plan. */
        con_act_set_note(a, true, "Enter does not run a plan: %s runs it, %s or Esc %s",
                         a->k_confirm[0] ? a->k_confirm : "(confirm is unbound)", a->k_decline[0] ? a->k_decline : "n",
                         p->action == PLAN_CANCEL ? "keeps the refresh running" : "cancels");
        con_act_dialog_refresh(c);
    }
}

/* The answer to the quit question: the confirm key quits, anything else stays. */
static void quit_answer(console *c, action_id act)
{
    con_actions *a = c->act;
    a->quit_ask = false;
    if (act == ACT_CONFIRM) {
        c->quit = true;
        return;
    }
    con_message(c, ROLE_NEUTRAL, "not quitting: %.180s", a->quit_stay);
    if (a->phase != DLG_NONE && (a->quit_was_visible || a->phase != a->quit_phase)) {
        int scroll = a->quit_scroll;
        con_act_dialog_open(c, a->phase);
        if (a->phase == a->quit_phase)
            con_overlay_scroll_to(c, scroll);
    } else {
        dialog_hide(c);
    }
}

bool con_actions_dialog_key(console *c, int key)
{
    con_actions *a = c->act;
    if (!a || c->ov.kind != OV_ACTION)
        return false;
    /* The dialog's own keys first, then the global ones (Esc, q, R, scrolling). */
    action_id act = keymap_lookup(&c->km, a->phase == DLG_UNFINISHED ? SCOPE_UNFINISHED : SCOPE_DIALOG, key);
    if (a->quit_ask) {
        if (key != (KEYMAP_FN | KEY_RESIZE) && key != (KEYMAP_FN | KEY_MOUSE))
            quit_answer(c, act);
        return true;
    }
    if (scroll_key(c, key, act, !typing_name(a) && a->phase != DLG_UNFINISHED))
        return true;
    bool esc = key == 27;
    switch (a->phase) {
    case DLG_NONE:
        dialog_hide(c);
        break;
    case DLG_BUILDING:
        if (esc || act == ACT_QUIT || act == ACT_DECLINE || act == ACT_BACK) {
            if (a->ticket)
                a->ticket->dropped = true;
            a->ticket = NULL;
            con_message(c, ROLE_NEUTRAL, "planning stopped: nothing was changed");
            con_act_dialog_end(c);
        }
        break;
    case DLG_CONFIRM:
        confirm_key(c, key, act);
        break;
    case DLG_RUNNING:
        if (esc || act == ACT_QUIT || act == ACT_BACK) {
            dialog_hide(c);
            con_message(c, ROLE_NEUTRAL, "the plan keeps running (d, c, R or p shows it again)");
        } else if (act == ACT_STOP_PLAN && a->run && !a->stop_sent) {
            plan_run_stop_by(a->run, "the operator (x)");
            a->stop_sent = true;
            con_act_set_note(a, true, "stopping at the next step boundary...");
            con_act_dialog_refresh(c);
        } else if (act == ACT_SHOW_COMMANDS) {
            toggle_commands(c);
        }
        break;
    case DLG_DONE:
        if (esc || key == '\r' || act == ACT_QUIT || act == ACT_BACK) {
            con_act_dialog_end(c);
        } else if (act == ACT_REPLAN && a->can_replan) {
            dialog_cmd again = a->last;
            con_act_dialog_end(c);
            ask(c, &again);
        } else if (act == ACT_ROLLBACK) {
            con_act_dialog_end(c);
            con_actions_key(c, ACT_ROLLBACK);
        } else if (act == ACT_SHOW_COMMANDS) {
            toggle_commands(c);
        }
        break;
    case DLG_OFFER:
        if (act == ACT_ROLLBACK) {
            a->phase = DLG_NONE;
            dialog_hide(c);
            dialog_cmd rb = { .action = PLAN_ROLLBACK };
            ask(c, &rb);
        } else if (esc || act == ACT_QUIT || act == ACT_BACK) {
            a->phase = DLG_NONE;
            con_act_journal_offer(c, "dismissed", a->offer);
            snprintf(a->advised, sizeof a->advised, "%s", a->offer);
            snprintf(a->advised_asg, sizeof a->advised_asg, "%s", a->gt.asg ? a->gt.asg : "");
            a->offer[0] = '\0';
            dialog_hide(c);
            con_message(c, ROLE_WARNING, "rollback offer dismissed (R still rolls back)");
        }
        break;
    case DLG_UNFINISHED:
        if ((act == ACT_DOWN || key == (KEYMAP_FN | KEY_DOWN)) && a->unf_sel + 1 < a->unf.n) {
            a->unf_sel++;
            con_act_dialog_refresh(c);
        } else if ((act == ACT_UP || key == (KEYMAP_FN | KEY_UP)) && a->unf_sel > 0) {
            a->unf_sel--;
            con_act_dialog_refresh(c);
        } else if (act == ACT_RESUME_PLAN && a->unf.n) {
            con_act_resume_selected(c);
        } else if (act == ACT_ABANDON_PLAN && a->unf.n) {
            con_act_abandon_selected(c);
        } else if (esc || act == ACT_BACK || act == ACT_QUIT) {
            con_act_dialog_end(c);
        }
        break;
    }
    return true;
}

/* ------------------------------------------------------------ quitting */

bool con_actions_may_quit(console *c)
{
    con_actions *a = c->act;
    if (!a || a->closing)
        return true;
    if (a->quit_ask)
        return false; /* already asking */
    const char *app = a->gt.app ? a->gt.app : a->gt.asg ? a->gt.asg : "?";
    if (a->run && a->p) {
        size_t at = dialog_current_step(a->p);
        snprintf(a->quit_q, sizeof a->quit_q,
                 "%s%s of %.80s is running (step %zu of %zu); quit and stop it at the "
                 "next step boundary?",
                 a->auto_rb ? "the automatic " : "the ", plan_action_name(a->p->action),
                 a->p->target.app ? a->p->target.app : "?", at, a->p->steps.n);
        snprintf(a->quit_stay, sizeof a->quit_stay, "the %s keeps running", plan_action_name(a->p->action));
    } else if (a->guarding) {
        char at[48] = "";
        if (a->g.last_percentage >= 0)
            snprintf(at, sizeof at, " at %d %%", a->g.last_percentage);
        else
            snprintf(at, sizeof at, " (refresh starting)");
        snprintf(a->quit_q, sizeof a->quit_q, "watching %.80s's %s%s; quit and stop guarding%s?", app,
                 a->guard_offer ? "deploy" : "rollback", at,
                 a->guard_auto ? " (no automatic rollback after that)" : "");
        snprintf(a->quit_stay, sizeof a->quit_stay, "still watching %.80s's %s", app,
                 a->guard_offer ? "deploy" : "rollback");
    } else if (a->offer[0]) {
        snprintf(a->quit_q, sizeof a->quit_q, "a rollback of %.80s is advised and not done (%.200s); quit anyway?", app,
                 a->offer);
        snprintf(a->quit_stay, sizeof a->quit_stay, "the rollback offer for %.80s stands (R)", app);
    } else {
        return true;
    }
    a->quit_was_visible = a->visible && c->ov.kind == OV_ACTION;
    a->quit_phase = a->phase;
    a->quit_scroll = c->ov.scroll;
    if (c->ov.kind != OV_NONE && c->ov.kind != OV_ACTION)
        con_overlay_close(c); /* help or the log: the question goes on top */
    a->quit_ask = true;
    a->visible = true;
    a->scroll_home = true;
    con_act_dialog_refresh(c);
    return false;
}

/* ------------------------------------------------------------ commands */

/* :deploy TAG and :promote SRC DST: the Images pane's tags. promote's second
 * word: the candidates carry the first word in front, as the command line
 * completes everything after the command as one word. */
void con_actions_tag_candidates(console *c, strvec *out)
{
    char prefix[PROMPT_MAX] = "";
    const char *first = strchr(c->pr.buf, ' ');
    const char *last = strrchr(c->pr.buf, ' ');
    if (first && last > first)
        snprintf(prefix, sizeof prefix, "%.*s", (int)(last - first), first + 1);
    const watch_state *ws = watch_get(c->w);
    for (size_t i = 0; i < ws->images.n && out->n < 500; i++)
        for (size_t k = 0; k < ws->images.items[i].image_tags.n; k++) {
            char cand[PROMPT_MAX];
            snprintf(cand, sizeof cand, "%s%s", prefix, ws->images.items[i].image_tags.items[k]);
            if (!strvec_contains(out, cand))
                strvec_push(out, cand);
        }
}

/* The action commands' row handler: dialog.c checks the words, the plan the rest.
 * (Switching profile or region while a plan holds the client is refused by
 * con_switch_start, through con_actions_holds_client.) */
void con_cmd_action(console *c, const char *name, const char *arg)
{
    if (!c->act)
        return;
    dialog_cmd dc;
    char err[200];
    if (dialog_parse_command(name, arg, &dc, err, sizeof err) <= 0) {
        con_message(c, ROLE_ERROR, "%s", err[0] ? err : "not an action command");
        return;
    }
    ask(c, &dc);
}

/* " y run": a key and what it does, when the key is bound. */
static void hint(strbuf *sb, const char *key, const char *what)
{
    if (key && *key)
        sb_printf(sb, "%s%s %s", sb->len ? "  " : " ", key, what);
}

const char *con_actions_hints(const console *c)
{
    con_actions *a = c->act;
    if (!a || !a->visible)
        return NULL;
    load_keys(c);
    strbuf sb;
    sb_init(&sb);
    const plan *p = a->p;
    bool is_cancel = p && p->action == PLAN_CANCEL;
    const char *cmds = a->show_cli ? "hide aws commands" : "aws commands";
    if (a->quit_ask) {
        hint(&sb, a->k_confirm[0] ? a->k_confirm : "y", "quit");
        hint(&sb, "any other key", "stay");
    } else {
        switch (a->phase) {
        case DLG_BUILDING:
            hint(&sb, "Esc", "stop planning (nothing has changed)");
            break;
        case DLG_CONFIRM:
            if (p && (p->refusal || p->target.read_only)) {
                hint(&sb, "Esc", "close (nothing to run)");
            } else if (p && p->target.protected_) {
                hint(&sb, "type the group's name,", "Enter run");
                hint(&sb, "Esc", is_cancel ? "keep the refresh running" : "cancel");
                hint(&sb, a->k_commands_typing, cmds);
            } else {
                hint(&sb, a->k_confirm, is_cancel ? "cancel the refresh" : "run");
                char no[48];
                snprintf(no, sizeof no, "%s%sEsc", a->k_decline, a->k_decline[0] ? "/" : "");
                hint(&sb, no, is_cancel ? "keep the refresh running" : "cancel");
                hint(&sb, a->k_commands, cmds);
            }
            break;
        case DLG_RUNNING:
            hint(&sb, a->k_stop, "stop at the next step");
            hint(&sb, "Esc", "hide (the plan keeps running)");
            hint(&sb, a->k_commands, cmds);
            break;
        case DLG_DONE:
            hint(&sb, "Esc", "close");
            if (a->can_replan)
                hint(&sb, a->k_replan, "plan again");
            hint(&sb, a->k_commands, cmds);
            break;
        case DLG_OFFER:
            hint(&sb, a->k_rollback, "roll back (shows the plan first)");
            hint(&sb, "Esc", "dismiss");
            break;
        case DLG_UNFINISHED:
            hint(&sb, a->k_resume, "resume");
            hint(&sb, a->k_abandon, "abandon");
            hint(&sb, "j/k", "select");
            hint(&sb, "Esc", "decide later");
            break;
        case DLG_NONE:
            break;
        }
    }
    snprintf(a->hints, sizeof a->hints, "%s", sb.buf);
    sb_free(&sb);
    return a->hints[0] ? a->hints : NULL;
}

void con_actions_help(const console *c, strbuf *sb)
{
    if (con_action_hidden(c, ACT_DEPLOY))
        return;
    load_keys(c);
    const con_actions *a = c->act;
    sb_append(sb, "\nActions (each shows its plan and asks first; every step is journaled)\n");
    commands_list(CMD_CONSOLE, CMDF_ACTION, CMDF_ACTION, 16, sb);
    sb_printf(sb,
              "In the plan: %s runs it (Enter never does), %s/Esc does not (for a cancel: the refresh keeps\n"
              "running); protected apps: type the group's name, then Enter. %s shows the aws commands.\n"
              "While it runs Esc hides it and %s stops it at the next step boundary.\n",
              a && a->k_confirm[0] ? a->k_confirm : "(confirm unbound)", a && a->k_decline[0] ? a->k_decline : "n",
              a && a->k_commands[0] ? a->k_commands : "show_commands", a && a->k_stop[0] ? a->k_stop : "stop_plan");
}

/* ------------------------------------------------------------ the loop */

void con_actions_init(console *c)
{
    con_actions *a = xcalloc(1, sizeof *a);
    c->act = a;
    sb_init(&a->after);
    strbuf err;
    sb_init(&err);
    a->j = journal_open(NULL, &err);
    if (!a->j)
        snprintf(a->jerr, sizeof a->jerr, "%s", err.buf);
    sb_free(&err);
    con_act_reload_journal(c);
    if (con_act_load_unfinished(a, NULL))
        con_act_dialog_open(c, DLG_UNFINISHED);
}

/* The status line while something goes on; a message of its own waits its turn. */
void con_act_sticky_status(console *c, int64_t now, bool force)
{
    con_actions *a = c->act;
    char text[600] = "";
    int role = ROLE_NEUTRAL;
    if (a->run && c->quit) {
        snprintf(text, sizeof text, "stopping %s at the next step boundary, then quitting",
                 plan_action_name(a->p->action));
        role = ROLE_WARNING;
    } else if (a->run) {
        size_t at = dialog_current_step(a->p);
        const char *kind = at ? plan_step_kind_name(a->p->steps.items[at - 1].kind) : "";
        snprintf(text, sizeof text, "ACTION RUNNING: %s%s step %zu/%zu %s", a->auto_rb ? "automatic " : "",
                 plan_action_name(a->p->action), at, a->p->steps.n, kind);
        role = ROLE_PROGRESS;
    } else if (a->ticket) {
        snprintf(text, sizeof text, "planning %.200s...", a->what);
    } else if (a->offer[0]) {
        snprintf(text, sizeof text, "ROLLBACK ADVISED: %.400s - press R to roll back", a->offer);
        role = ROLE_ERROR;
    } else if (a->guarding) {
        /* Says what it watches: a rollback is not "the deploy". */
        snprintf(text, sizeof text, "watching the %s on %.100s: %.200s", a->guard_action ? a->guard_action : "refresh",
                 a->gt.asg, a->guard_line);
    }
    bool ours = con_message_shown(c, a->sticky);
    bool free_line = force || !c->msg.text[0] || now >= c->msg.until || ours;
    if (!text[0]) {
        if (ours && a->sticky[0])
            con_message_clear(c);
        a->sticky[0] = '\0';
        return;
    }
    if (free_line && (strcmp(text, a->sticky) != 0 || !ours || c->msg.until - now < 2000)) {
        con_message(c, role, "%s", text);
        snprintf(a->sticky, sizeof a->sticky, "%s", c->msg.text);
    }
}

void con_actions_tick(console *c, int64_t now)
{
    con_actions *a = c->act;
    if (!a || a->closing)
        return;
    if (a->run) {
        if (c->quit && !a->stop_sent) {
            plan_run_stop(a->run);
            a->stop_sent = true;
        }
        plan_run_tick(a->run, now);
        if (a->run_finished || plan_run_done(a->run))
            run_done(c);
    }
    con_act_guard_tick(c, now);
    if (a->journal_dirty)
        con_act_reload_journal(c);
    if (a->visible && c->ov.kind == OV_ACTION && a->wrap_width != c->lay.body.w - 4)
        con_act_dialog_refresh(c);                    /* resized: wrap again */
    con_act_sticky_status(c, now, c->quit && a->run); /* quitting: say why we wait */
}

int con_actions_next_due_ms(console *c, int64_t now)
{
    con_actions *a = c->act;
    int side = con_act_guard_next_due_ms(c, now);
    if (!a || !a->run)
        return side;
    int run = plan_run_next_due_ms(a->run, now);
    return side >= 0 && (run < 0 || side < run) ? side : run;
}

bool con_actions_holds_client(const console *c)
{
    return c->act && (c->act->run || c->act->ticket);
}

bool con_actions_hold_quit(console *c)
{
    con_actions *a = c->act;
    if (!a || !a->run)
        return false;
    int64_t now = mono_now_ms();
    if (!a->quit_deadline) {
        a->quit_deadline = now + QUIT_GRACE_MS;
        if (!a->stop_sent) {
            plan_run_stop(a->run);
            a->stop_sent = true;
        }
    }
    return now < a->quit_deadline;
}

bool con_actions_stopped_by_quit(const console *c, char *why, size_t len)
{
    const con_actions *a = c->act;
    if (!a || !a->p || (!a->quit_stopped && !a->run))
        return false;
    const plan *p = a->p;
    const char *app = p->target.app ? p->target.app : "-";
    snprintf(why, len, "%s plan %s %s; `tarmac resume --app %s` finishes it, `tarmac abandon --app %s` drops it",
             plan_action_name(p->action), p->id,
             a->run ? "was still in a step when the console gave up waiting (its outcome is unknown)"
                    : "stopped at a step boundary",
             app, app);
    return true;
}

void con_actions_closing(console *c)
{
    con_actions *a = c->act;
    if (!a)
        return;
    a->closing = true;
    con_ltpick_closing(c);
    if (a->ticket)
        a->ticket->dropped = true;
    a->ticket = NULL;
}

void con_actions_free(console *c)
{
    con_actions *a = c->act;
    if (!a)
        return;
    plan_run_free(a->run);
    plan_free(a->p);
    con_act_guard_stop(a);
    plan_target_free(&a->gt);
    free(a->gt_profile);
    journal_unfinished_list_free(&a->unf);
    con_ltpick_free(c);
    journal_close(a->j);
    sb_free(&a->after);
    free(a);
    c->act = NULL;
}
