/* activity.c — the Activity pane: the selected group's scaling activities and the
 * console's own actions from the journal (marked "tarmac ..."), merged newest
 * first. */
#include "activity.h"

#include <stdio.h>
#include <stdlib.h>

enum { C_WHEN, C_STATUS, C_PROGRESS, C_DESC, C_CAUSE };

static const lv_column columns[] = {
    [C_WHEN] = { .title = "AGE", .min = 4, .max = 5, .right = true, .quiet = true, .ticks = true },
    [C_STATUS] = { .title = "STATUS", .min = 10, .max = 32 }, /* WaitingForELBConnectionDraining */
    [C_PROGRESS] = { .title = "%", .min = 3, .max = 4, .prio = 3, .right = true },
    [C_DESC] = { .title = "DESCRIPTION", .min = 20, .max = 70, .whole = true },
    [C_CAUSE] = { .title = "CAUSE", .min = 10, .prio = 1, .whole = true }, /* free text: what the others leave */
};

static const action_id hints[] = { ACT_DETAIL, ACT_COPY_ID, ACT_FILTER, ACT_NONE };

typedef struct activity_priv {
    activity_note_list notes; /* newest first */
} activity_priv;

static int status_role(const char *s)
{
    if (str_eq(s, "Successful"))
        return ROLE_HEALTHY;
    if (str_eq(s, "Failed") || str_eq(s, "Cancelled"))
        return ROLE_UNHEALTHY;
    return ROLE_WARNING;
}

/* ---- journal records ---- */

static const char *jstr(json_object *o, const char *k)
{
    json_object *v;
    if (json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return NULL;
}

static int jint(json_object *o, const char *k)
{
    json_object *v;
    if (json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_int))
        return json_object_get_int(v);
    return 0;
}

static int outcome_role(const char *outcome)
{
    if (str_eq(outcome, "ok") || str_eq(outcome, "skipped"))
        return ROLE_HEALTHY;
    if (str_eq(outcome, "failed") || str_eq(outcome, "unknown"))
        return ROLE_UNHEALTHY;
    return ROLE_WARNING;
}

bool activity_note_from_json(activity_note *n, json_object *rec, const char *raw, size_t raw_len, size_t seq)
{
    memset(n, 0, sizeof *n);
    const char *event = jstr(rec, "event"), *t = jstr(rec, "time");
    aws_time when = 0;
    if (!event || str_eq(event, "step_start") || !t || !time_parse_iso8601(t, &when))
        return false;
    const char *action = jstr(rec, "action") ? jstr(rec, "action") : "action";
    const char *outcome = jstr(rec, "outcome"), *error = jstr(rec, "error");
    const char *desc = jstr(rec, "description");
    const char *plan_id = jstr(rec, "plan_id") ? jstr(rec, "plan_id") : "-";
    int step = jint(rec, "step");
    strbuf sb;
    sb_init(&sb);
    n->when = when;
    n->id = xasprintf("tarmac:%.60s:%zu", plan_id, seq);
    n->asg = xstrdup(jstr(rec, "asg"));
    if (str_eq(event, "plan_start")) {
        n->status = xstrdup("tarmac start");
        n->role = ROLE_PROGRESS;
        sb_printf(&sb, "%s: plan of %d steps started", action, jint(rec, "steps"));
    } else if (str_eq(event, "plan_resume")) {
        n->status = xstrdup("tarmac resume");
        n->role = ROLE_PROGRESS;
        sb_printf(&sb, "%s: plan resumed from the journal", action);
    } else if (str_eq(event, "step_end")) {
        n->status = xasprintf("tarmac %s", outcome ? outcome : "?");
        n->role = outcome_role(outcome);
        sb_printf(&sb, "%s step %d: %s", action, step,
                  desc                         ? desc
                      : jstr(rec, "step_kind") ? jstr(rec, "step_kind")
                                               : "");
        if (error)
            sb_printf(&sb, " - %s", error);
    } else if (str_eq(event, "plan_end")) {
        n->status = xasprintf("tarmac %s", outcome ? outcome : "end");
        n->role = outcome_role(outcome);
        sb_printf(&sb, "%s: plan ended %s", action, outcome ? outcome : "");
        if (error || desc)
            sb_printf(&sb, " - %s", error ? error : desc);
    } else if (str_eq(event, "plan_interrupted")) {
        n->status = xstrdup("tarmac stopped");
        n->role = ROLE_WARNING;
        sb_printf(&sb, "%s: plan interrupted (resumable)%s%s", action, error ? " - " : "", error ? error : "");
    } else if (str_eq(event, "refused")) {
        n->status = xstrdup("tarmac refused");
        n->role = ROLE_WARNING;
        sb_printf(&sb, "%s refused: %s", action, error ? error : "");
    } else {
        n->status = xasprintf("tarmac %.30s", event);
        n->role = ROLE_NEUTRAL;
        sb_printf(&sb, "%s: %s", action, desc ? desc : error ? error : "");
    }
    n->desc = sb_steal(&sb);
    n->cause = xasprintf("tarmac, by %.40s, plan %.60s", jstr(rec, "user") ? jstr(rec, "user") : "?", plan_id);
    n->raw = xstrndup(raw, raw_len);
    sb_free(&sb);
    return true;
}

void activity_note_free(activity_note *n)
{
    free(n->id);
    free(n->asg);
    free(n->status);
    free(n->desc);
    free(n->cause);
    free(n->raw);
    memset(n, 0, sizeof *n);
}

void activity_note_list_free(activity_note_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        activity_note_free(&l->items[i]);
    VEC_FREE(*l);
}

void activity_take_notes(pane *p, activity_note_list *l)
{
    activity_priv *ap = p->priv;
    activity_note_list_free(&ap->notes);
    ap->notes = *l;
    memset(l, 0, sizeof *l);
}

static void activity_free(pane *p)
{
    activity_priv *ap = p->priv;
    if (ap)
        activity_note_list_free(&ap->notes);
}

/* ---- rows ---- */

/* n digits at *p, moving past them. */
static bool digits(const char **p, int n)
{
    for (int i = 0; i < n; i++, (*p)++)
        if (**p < '0' || **p > '9')
            return false;
    return true;
}

static bool lit(const char **p, char ch)
{
    if (**p != ch)
        return false;
    (*p)++;
    return true;
}

const char *activity_cause_untimed(const char *cause)
{
    if (!cause || strncmp(cause, "At ", 3) != 0)
        return cause;
    const char *p = cause + 3;
    /* YYYY-MM-DDTHH:MM:SS, a fraction, then Z or an offset */
    if (!(digits(&p, 4) && lit(&p, '-') && digits(&p, 2) && lit(&p, '-') && digits(&p, 2) && lit(&p, 'T') &&
          digits(&p, 2) && lit(&p, ':') && digits(&p, 2) && lit(&p, ':') && digits(&p, 2)))
        return cause;
    if (lit(&p, '.') && !digits(&p, 1))
        return cause;
    while (*p >= '0' && *p <= '9')
        p++;
    if (!lit(&p, 'Z') && (*p == '+' || *p == '-')) {
        p++;
        if (!(digits(&p, 2) && lit(&p, ':') && digits(&p, 2)))
            return cause;
    }
    if (*p != ' ')
        return cause;
    while (*p == ' ')
        p++;
    return *p ? p : cause;
}

static void add_activity(pane *p, const pane_ctx *c, const scaling_activity *a)
{
    lv_row *r = lv_add(&p->lv, a->activity_id);
    char age[16];
    pane_fmt_age(a->start_time, c->now_wall, age, sizeof age);
    lv_set(r, C_WHEN, age);
    lv_set(r, C_STATUS, a->status_code);
    lv_cell_role(r, C_STATUS, status_role(a->status_code));
    if (a->has_progress)
        lv_setf(r, C_PROGRESS, "%d", a->progress);
    lv_set(r, C_DESC, a->description);
    lv_set(r, C_CAUSE, activity_cause_untimed(a->cause)); /* the AGE column has its time */
}

static void add_note(pane *p, const pane_ctx *c, const activity_note *n)
{
    lv_row *r = lv_add(&p->lv, n->id);
    char age[16];
    pane_fmt_age(n->when, c->now_wall, age, sizeof age);
    lv_set(r, C_WHEN, age);
    lv_set(r, C_STATUS, n->status);
    lv_cell_role(r, C_STATUS, n->role);
    lv_set(r, C_DESC, n->desc);
    lv_set(r, C_CAUSE, n->cause);
}

static bool note_shown(const pane_ctx *c, const activity_note *n)
{
    return c->ws->selected_asg && str_eq(n->asg, c->ws->selected_asg);
}

static void activity_model(pane *p, unsigned changed, const pane_ctx *c)
{
    (void)changed;
    activity_priv *ap = p->priv;
    const scaling_activity_list *acts = &c->ws->activities;
    lv_begin(&p->lv);
    /* Both lists are newest first: merge them. */
    size_t i = 0, j = 0;
    while (i < acts->n || j < ap->notes.n) {
        if (j < ap->notes.n && !note_shown(c, &ap->notes.items[j])) {
            j++;
            continue;
        }
        if (j < ap->notes.n && (i >= acts->n || ap->notes.items[j].when >= acts->items[i].start_time))
            add_note(p, c, &ap->notes.items[j++]);
        else
            add_activity(p, c, &acts->items[i++]);
    }
    lv_end(&p->lv, c->now_mono);
}

static unsigned activity_key(pane *p, action_id a, const pane_ctx *c)
{
    (void)c;
    return lv_move(&p->lv, a, NULL) ? R_HANDLED | R_REDRAW : R_NONE;
}

static void note_detail(const activity_note *n, strbuf *out)
{
    json_object *o = json_tokener_parse(n->raw);
    if (!o || !json_object_is_type(o, json_type_object)) {
        detail_kv(out, "record", n->raw);
        json_object_put(o);
        return;
    }
    sb_append(out, "A tarmac action, from the journal:\n\n");
    json_object_object_foreach(o, key, val) {
        if (str_eq(key, "plan"))
            continue; /* the whole plan: `tarmac log --json` shows it */
        detail_kv(out, key,
                  json_object_is_type(val, json_type_string) ? json_object_get_string(val)
                                                             : json_object_to_json_string(val));
    }
    json_object_put(o);
}

static void activity_detail(pane *p, const pane_ctx *c, strbuf *out)
{
    activity_priv *ap = p->priv;
    const char *id = lv_selected_id(&p->lv);
    for (size_t i = 0; id && i < ap->notes.n; i++)
        if (str_eq(ap->notes.items[i].id, id)) {
            note_detail(&ap->notes.items[i], out);
            return;
        }
    for (size_t i = 0; id && i < c->ws->activities.n; i++) {
        const scaling_activity *a = &c->ws->activities.items[i];
        if (!str_eq(a->activity_id, id))
            continue;
        char t[40];
        detail_kv(out, "ActivityId", a->activity_id);
        detail_kv(out, "AutoScalingGroupName", a->auto_scaling_group_name);
        detail_kv(out, "StatusCode", a->status_code);
        detail_kv(out, "StatusMessage", a->status_message);
        if (a->has_progress)
            detail_kvf(out, "Progress", "%d", a->progress);
        pane_fmt_time(a->start_time, t, sizeof t);
        detail_kv(out, "StartTime", t);
        pane_fmt_time(a->end_time, t, sizeof t);
        detail_kv(out, "EndTime", t);
        detail_kv(out, "Description", a->description);
        detail_kv(out, "Cause", a->cause);
        detail_kv(out, "Details", a->details);
        return;
    }
    sb_append(out, "No activity selected.\n");
}

static void activity_title(pane *p, const pane_ctx *c, char *buf, size_t len)
{
    activity_priv *ap = p->priv;
    size_t mine = 0;
    for (size_t i = 0; i < ap->notes.n; i++)
        mine += note_shown(c, &ap->notes.items[i]);
    if (mine)
        snprintf(buf, len, "%zu + %zu tarmac", c->ws->activities.n, mine);
    else
        snprintf(buf, len, "%zu", c->ws->activities.n);
}

const struct pane_ops pane_activity_ops = {
    .copy = { { FIELD_UUID, FIELD_NOTE_ID }, 2 },
    .priv_size = sizeof(activity_priv),
    .primary = WS_ACTIVITIES,
    .watches = WS_BIT(WS_ACTIVITIES),
    .columns = columns,
    .ncols = (int)ARRAY_LEN(columns),
    .hints = hints,
    .newest_first = true,
    .free = activity_free,
    .on_model_change = activity_model,
    .key = activity_key,
    .detail = activity_detail,
    .title_extra = activity_title,
};
