/* console_journal.c — the action journal as the console reads it: its newest
 * records for the Activity pane (again after each change), and the plans it says
 * never ended, offered at start and before a new action, resumed or abandoned
 * from the dialog. */
#include "console_actions_int.h"

#include "activity.h"

#define JOURNAL_SHOWN 200 /* newest journal records the Activity pane gets */

/* ------------------------------------------------------------ the journal */

typedef struct scan_ctx {
    activity_note_list notes;   /* oldest first, at most 2 * JOURNAL_SHOWN */
    strvec plan_ids, plan_asgs; /* recent plans' groups, for records that lack one */
    size_t seq;
} scan_ctx;

static bool scan_one(void *ud, json_object *o, const char *raw, size_t len)
{
    scan_ctx *s = ud;
    size_t seq = s->seq++;
    json_object *v;
    const char *pid = json_object_object_get_ex(o, "plan_id", &v) ? json_object_get_string(v) : NULL;
    const char *asg = json_object_object_get_ex(o, "asg", &v) ? json_object_get_string(v) : NULL;
    if (pid && asg && !strvec_contains(&s->plan_ids, pid)) {
        if (s->plan_ids.n >= 64) {
            free(s->plan_ids.items[0]);
            free(s->plan_asgs.items[0]);
            memmove(s->plan_ids.items, s->plan_ids.items + 1, (s->plan_ids.n - 1) * sizeof(char *));
            memmove(s->plan_asgs.items, s->plan_asgs.items + 1, (s->plan_asgs.n - 1) * sizeof(char *));
            s->plan_ids.n--;
            s->plan_asgs.n--;
        }
        strvec_push(&s->plan_ids, pid);
        strvec_push(&s->plan_asgs, asg);
    }
    activity_note n;
    if (!activity_note_from_json(&n, o, raw, len, seq))
        return true;
    for (size_t i = 0; !n.asg && pid && i < s->plan_ids.n; i++)
        if (str_eq(s->plan_ids.items[i], pid))
            n.asg = xstrdup(s->plan_asgs.items[i]);
    if (s->notes.n == 2 * JOURNAL_SHOWN) {
        for (size_t i = 0; i < JOURNAL_SHOWN; i++)
            activity_note_free(&s->notes.items[i]);
        memmove(s->notes.items, s->notes.items + JOURNAL_SHOWN, JOURNAL_SHOWN * sizeof *s->notes.items);
        s->notes.n = JOURNAL_SHOWN;
    }
    VEC_PUSH(s->notes, n);
    return true;
}

void con_act_journal_changed(console *c)
{
    c->act->journal_dirty = true;
}

/* The live tag's moves, for the Instances pane's IMAGE column; the panes that show
 * it are told. */
static void reload_live_history(console *c, const char *path)
{
    const watch_state *ws = watch_get(c->w);
    strbuf err;
    sb_init(&err);
    live_history_free(&c->live_hist);
    live_history_read(path, ws->repository, c->region, c->live_tag, &c->live_hist, &err);
    sb_free(&err);
    pane_ctx ctx = con_ctx_of(c);
    for (int p = 0; p < PANE_COUNT; p++) {
        c->panes[p].ops->on_model_change(&c->panes[p], 0, &ctx);
        c->panes[p].dirty = true;
    }
}

/* Reads the journal's newest records into the Activity pane. */
void con_act_reload_journal(console *c)
{
    con_actions *a = c->act;
    a->journal_dirty = false;
    char *path = a->j ? xstrdup(journal_path(a->j)) : journal_default_path();
    if (!path)
        return;
    reload_live_history(c, path);
    scan_ctx s = { 0 };
    strbuf err;
    sb_init(&err);
    journal_scan(path, scan_one, &s, &err);
    activity_note_list newest = { 0 };
    size_t keep = s.notes.n < JOURNAL_SHOWN ? s.notes.n : JOURNAL_SHOWN;
    for (size_t i = 0; i < s.notes.n; i++) {
        if (i < s.notes.n - keep)
            activity_note_free(&s.notes.items[i]);
    }
    for (size_t i = s.notes.n; i-- > s.notes.n - keep;)
        VEC_PUSH(newest, s.notes.items[i]);
    VEC_FREE(s.notes);
    strvec_free(&s.plan_ids);
    strvec_free(&s.plan_asgs);
    sb_free(&err);
    free(path);
    pane *pn = &c->panes[PANE_ACTIVITY];
    activity_take_notes(pn, &newest);
    pane_ctx ctx = con_ctx_of(c);
    pn->ops->on_model_change(pn, 0, &ctx);
    pn->dirty = true;
    c->title_dirty[PANE_ACTIVITY] = true;
}

/* Unfinished plans of app (NULL: all) into a->unf; how many. */
size_t con_act_load_unfinished(con_actions *a, const char *app)
{
    journal_unfinished_list_free(&a->unf);
    a->unf_sel = 0;
    if (!a->j)
        return 0;
    strbuf err;
    sb_init(&err);
    journal_find_unfinished(journal_path(a->j), app, &a->unf, &err);
    sb_free(&err);
    return a->unf.n;
}

/* ------------------------------------------------------------ unfinished plans */

static void unfinished_remove(con_actions *a, size_t i)
{
    journal_unfinished_free(&a->unf.items[i]);
    memmove(&a->unf.items[i], &a->unf.items[i + 1], (a->unf.n - i - 1) * sizeof *a->unf.items);
    a->unf.n--;
    if (a->unf_sel >= a->unf.n && a->unf_sel)
        a->unf_sel--;
}

void con_act_resume_selected(console *c)
{
    con_actions *a = c->act;
    journal_unfinished *u = &a->unf.items[a->unf_sel];
    strbuf err;
    sb_init(&err);
    plan *p = plan_from_journal(u, &err);
    if (c->who.switch_job) {
        con_act_set_note(a, true, "the console is switching profile or region: resume when it is done");
    } else if (!p) {
        con_act_set_note(a, true, "cannot resume %s: %s (a abandons it)", u->plan_id, err.buf);
    } else if (!str_eq(p->target.region, c->region)) {
        con_act_set_note(a, true, "plan %s was for region %s and the console is in %s: switch with :region first",
                         p->id, p->target.region ? p->target.region : "?", c->region ? c->region : "?");
    } else if (con_act_read_only_for(c, config_find_app(&c->sess.config, p->target.app))) {
        con_act_set_note(a, true, "read-only: resume refused; nothing was changed");
    } else {
        unfinished_remove(a, a->unf_sel);
        plan_free(a->p);
        a->p = p;
        p = NULL;
        a->has_last = false;
        a->auto_rb = false;
        a->typed[0] = a->note[0] = '\0';
        sb_reset(&a->after);
        con_act_dialog_open(c, DLG_CONFIRM);
    }
    plan_free(p);
    sb_free(&err);
    con_act_dialog_refresh(c);
}

void con_act_abandon_selected(console *c)
{
    con_actions *a = c->act;
    journal_unfinished *u = &a->unf.items[a->unf_sel];
    strbuf err;
    sb_init(&err);
    if (!a->j || plan_abandon(a->j, u, &err) != 0) {
        con_act_set_note(a, true, "could not abandon %s: %s", u->plan_id, a->j ? err.buf : a->jerr);
    } else {
        con_act_set_note(a, false, "abandoned plan %s: tags and refreshes are left as they are", u->plan_id);
        con_message(c, ROLE_NEUTRAL, "%s", a->note);
        unfinished_remove(a, a->unf_sel);
        a->journal_dirty = true;
    }
    sb_free(&err);
    if (!a->unf.n)
        con_act_dialog_end(c);
    else
        con_act_dialog_refresh(c);
}
