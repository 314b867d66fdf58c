/* console_guard.c — the console after an action it ran, at each poll: follows a
 * deploy's refresh (its status, the app's alarms, healthy targets) with plan_guard,
 * then says it went well, advises rollback (the offer R takes) or rolls back by
 * itself when the app has auto_rollback; after a cancel, what the group is left with. */
#include "console_actions_int.h"
#include "services/refresh_phase.h"

/* ------------------------------------------------------------ watching a deploy */

static void side_watch_drop(con_actions *a)
{
    watch_free(a->gw);
    a->gw = NULL;
    a->gw_client = NULL;
}

void con_act_guard_stop(con_actions *a)
{
    side_watch_drop(a);
    if (a->guarding)
        plan_guard_done(&a->g);
    a->guarding = false;
    a->guard_line[0] = '\0';
}

void con_act_guard_start(console *c, const plan *p)
{
    con_actions *a = c->act;
    const char *id = dialog_plan_refresh_id(p);
    if (!id)
        return;
    con_act_guard_stop(a);
    /* The plan's own group, with its app's watching settings (thresholds, alarms,
     * auto_rollback). */
    const app_config *app = config_find_app(&c->sess.config, p->target.app);
    plan_target_free(&a->gt);
    plan_target_init(&a->gt, app, p->target.asg, p->target.repository, p->target.region,
                     p->target.read_only || con_act_read_only_for(c, app));
    str_set(&a->gt.app, p->target.app);
    str_set(&a->gt_profile, c->profile);
    plan_guard_init(&a->g, &a->gt, id);
    str_copy(a->guard_plan, sizeof a->guard_plan, p->id);
    a->guard_action = plan_action_name(p->action);
    str_set(&a->gt.account, p->target.account);
    a->guarding = true;
    a->guard_offer = p->action != PLAN_ROLLBACK;
    a->guard_auto = a->guard_offer && a->gt.auto_rollback;
    snprintf(a->guard_line, sizeof a->guard_line, "waiting for refresh %.80s", id);
    sb_printf(&a->after, "\nWatching refresh %s on %s: %s\n", id, a->gt.asg,
              !a->guard_offer     ? "the outcome shows in the status line"
                  : a->guard_auto ? "it rolls back by itself (auto_rollback) if the refresh fails, an alarm fires "
                                    "or targets stay unhealthy"
                                  : "the console offers rollback if the refresh fails, an alarm fires or targets "
                                    "stay unhealthy");
}

/* The console still talks to where the watched deploy ran (a switch may have
 * moved it to a region with a group of the same name). */
bool con_act_guard_here(const console *c)
{
    const con_actions *a = c->act;
    return str_eq(c->region, a->gt.region) && str_eq(c->profile, a->gt_profile);
}

/* The journal's records of what came of the watched plan: the verdict, and what
 * became of the rollback offer (outcome offered, dismissed, accepted, auto). */
void con_act_journal_offer(console *c, const char *outcome, const char *reason)
{
    con_actions *a = c->act;
    strbuf err;
    sb_init(&err);
    if (a->j && a->guard_plan[0] &&
        plan_journal_offer(a->j, &a->gt, a->guard_plan, a->guard_action, outcome, reason, "console", &err) != 0)
        con_message(c, ROLE_ERROR, "the journal could not record the rollback offer: %.200s", err.buf);
    sb_free(&err);
    a->journal_dirty = true; /* read again: the panes and the mark follow */
}

void con_act_advised_mark(const console *c, app_mark *out)
{
    const con_actions *a = c->act;
    if (!a || !a->advised[0])
        return;
    const watch_state *ws = watch_get(c->w);
    if (!str_eq(ws->selected_asg, a->advised_asg))
        return;
    if (ws->refreshes.n && str_eq(ws->refreshes.items[0].status, "Successful"))
        return;
    const ecr_image_detail *live = ecr_image_with_tag(&ws->images, c->live_tag);
    const ecr_image_detail *stable = ecr_image_with_tag(&ws->images, c->stable_tag);
    if (live && stable && str_eq(live->image_digest, stable->image_digest))
        return; /* rolled back by retag */
    out->broken = true;
    snprintf(out->status, sizeof out->status, "%s", "rollback advised");
    const char *commit = ecr_commit_tag(live, c->live_tag, c->stable_tag);
    if (commit)
        snprintf(out->live, sizeof out->live, "%.120s", commit);
    else if (live)
        ecr_short_digest(live->image_digest, out->live, sizeof out->live);
    else
        snprintf(out->live, sizeof out->live, "?");
    snprintf(out->text, sizeof out->text, "rollback advised (%.120s); %.40s -> %.100s: R rolls back", a->advised,
             c->live_tag, out->live);
}

static void journal_verdict(console *c, plan_guard_verdict v)
{
    con_actions *a = c->act;
    strbuf err;
    sb_init(&err);
    if (a->j && a->guard_plan[0] &&
        plan_journal_verdict(a->j, &a->gt, a->guard_plan, a->guard_action, a->g.refresh_id, plan_guard_verdict_name(v),
                             &a->g, NULL, "console", &err) != 0)
        con_message(c, ROLE_ERROR, "the journal could not record the verdict: %.200s", err.buf);
    sb_free(&err);
    a->journal_dirty = true;
}

static void on_guard_verdict(console *c, plan_guard_verdict v)
{
    con_actions *a = c->act;
    char reason[sizeof a->g.reason];
    snprintf(reason, sizeof reason, "%s", a->g.reason);
    bool offer = a->guard_offer, auto_rb = a->guard_auto;
    journal_verdict(c, v);
    con_act_guard_stop(a);
    if (v == PLAN_GUARD_SUCCESS) {
        con_message(c, ROLE_HEALTHY, "%s: %s", a->gt.app ? a->gt.app : "", reason);
        return;
    }
    if (v == PLAN_GUARD_ENDED_BAD) {
        bool ok = !offer && strncmp(reason, "refresh RollbackSuccessful", 26) == 0;
        con_message(c, ok ? ROLE_HEALTHY : ROLE_WARNING, "%s: %s", a->gt.app ? a->gt.app : "", reason);
        return;
    }
    /* PLAN_GUARD_ROLLBACK */
    if (c->bell)
        beep();
    if (!offer) {
        con_message(c, ROLE_ERROR, "the rollback's refresh went bad too: %s", reason);
        return;
    }
    if (auto_rb) {
        /* What was on screen and not running gives way to the rollback, and so
         * does a switch of profile or region that has not happened yet. */
        if (c->who.switch_job)
            con_switch_cancel(c);
        if (a->ticket) {
            a->ticket->dropped = true;
            a->ticket = NULL;
        }
        if (!a->run) {
            plan_free(a->p);
            a->p = NULL;
        }
        con_act_set_note(a, true, "auto-rollback after: %s", reason);
        snprintf(a->auto_reason, sizeof a->auto_reason, "%s", reason);
        con_act_journal_offer(c, "auto", reason);
        dialog_cmd rb = { .action = PLAN_ROLLBACK };
        con_act_build(c, &a->gt, &rb, true);
        return;
    }
    snprintf(a->offer, sizeof a->offer, "%s", reason);
    con_act_journal_offer(c, "offered", reason);
    if (!con_act_busy(a))
        con_act_dialog_open(c, DLG_OFFER);
    con_act_sticky_status(c, mono_now_ms(), true); /* at once, over any passing note */
}

static void guard_feed(console *c, const watch_state *ws, unsigned changed);

static void summary_if_due(console *c, unsigned changed)
{
    con_actions *a = c->act;
    const watch_state *ws = watch_get(c->w);
    if (!a->want_summary || !(changed & WS_BIT(WS_GROUPS)) || ws->meta[WS_GROUPS].stale)
        return;
    if (!a->p || a->p->action != PLAN_CANCEL || a->run) {
        a->want_summary = false; /* another plan took its place */
        return;
    }
    for (size_t i = 0; i < ws->groups.n; i++) {
        if (!str_eq(ws->groups.items[i].name, a->p->target.asg))
            continue;
        a->want_summary = false;
        /* The cancelled refresh's start splits the instances into new and old
         * images (only while its group is the selected one: its EC2 details). */
        const char *rid = NULL;
        for (size_t k = 0; k < a->p->steps.n && !rid; k++)
            if (a->p->steps.items[k].kind == STEP_CANCEL_REFRESH)
                rid = a->p->steps.items[k].refresh_id;
        bool here = str_eq(ws->selected_asg, a->p->target.asg);
        const instance_refresh *r = here && rid ? watch_find_refresh(ws, rid) : NULL;
        strbuf sum;
        sb_init(&sum);
        dialog_group_summary(&ws->groups.items[i], here ? ws : NULL, r ? r->start_time : 0, a->p->target.live_tag,
                             a->p->target.repository != NULL, &sum);
        sb_printf(&a->after, "\n%s", sum.buf);
        con_message(c, ROLE_NEUTRAL, "%.*s", (int)strcspn(sum.buf, "\n"), sum.buf);
        sb_free(&sum);
        con_act_dialog_refresh(c);
        return;
    }
}

void con_actions_on_changes(console *c, unsigned changed)
{
    con_actions *a = c->act;
    if (!a || a->closing)
        return;
    summary_if_due(c, changed);
    if (!a->guarding)
        return;
    const watch_state *ws = watch_get(c->w);
    if (!con_act_guard_here(c)) {
        snprintf(a->guard_line, sizeof a->guard_line, "paused: switch back to %.40s in %.40s to follow it",
                 a->gt_profile ? a->gt_profile : "the default profile", a->gt.region ? a->gt.region : "?");
        return;
    }
    if (!str_eq(ws->selected_asg, a->gt.asg)) {
        /* Another group is on screen: the deploy's own group is followed by a watch
         * of its own on the same client, so a failure is still caught (and rolled
         * back with auto_rollback) while the operator looks elsewhere. */
        if (!a->gw) {
            strvec names = { 0 };
            strvec_push(&names, a->gt.asg);
            watch_opts wo = {
                .asg_names = &names,
                .initial_asg = a->gt.asg,
                .alarm_names = &a->gt.alarms,
                .base_interval_ms = c->sess.config.refresh_seconds * 1000,
                .active_interval_ms = c->sess.config.refresh_active_seconds * 1000,
            };
            a->gw = watch_new(c->client, &wo);
            a->gw_client = c->client;
            strvec_free(&names);
            snprintf(a->guard_line, sizeof a->guard_line, "followed in the background while %.100s is selected",
                     ws->selected_asg ? ws->selected_asg : "another group");
        }
        return;
    }
    side_watch_drop(a);
    guard_feed(c, ws, changed);
}

void con_act_guard_tick(console *c, int64_t now)
{
    con_actions *a = c->act;
    if (!a->gw)
        return;
    if (!a->guarding || a->gw_client != c->client || !con_act_guard_here(c) ||
        str_eq(watch_get(c->w)->selected_asg, a->gt.asg)) {
        side_watch_drop(a);
        return;
    }
    watch_tick(a->gw, now);
    unsigned changed = watch_take_changes(a->gw);
    if (changed)
        guard_feed(c, watch_get(a->gw), changed);
}

int con_act_guard_next_due_ms(const console *c, int64_t now)
{
    return c->act && c->act->gw ? watch_next_due_ms(c->act->gw, now) : -1;
}

/* One poll of the deploy's group (from the console's watch or the side watch). */
static void guard_feed(console *c, const watch_state *ws, unsigned changed)
{
    con_actions *a = c->act;
    const app_kind *kind = app_kind_of_target(&a->gt);
    guard_signals sig;
    if (!(changed & kind->guard_sets) || !a->g.refresh_id || !kind->guard_signals(ws, a->g.refresh_id, &sig) ||
        sig.state == ROLLOUT_UNSEEN)
        return;
    snprintf(a->guard_line, sizeof a->guard_line, "%.20s: %s, healthy targets %d/%d", sig.status ? sig.status : "?",
             sig.progress, sig.healthy, sig.all);
    plan_guard_verdict v = plan_guard_judge(&a->g, &sig);
    const char *note = plan_guard_new_note(&a->g);
    if (note && v == PLAN_GUARD_RUNNING)
        con_message(c, ROLE_WARNING, "%.400s", note);
    if (v != PLAN_GUARD_RUNNING)
        on_guard_verdict(c, v);
}
