/* activity.c — the Activity pane: the selected group's scaling activities, newest
 * first (the console's own actions will join them here). */
#include <stdio.h>

#include "pane.h"

enum { C_WHEN, C_STATUS, C_PROGRESS, C_DESC, C_CAUSE };

static const lv_column columns[] = {
    [C_WHEN] = { .title = "AGE", .min = 4, .max = 5, .right = true, .quiet = true },
    [C_STATUS] = { .title = "STATUS", .min = 10, .max = 22 },
    [C_PROGRESS] = { .title = "%", .min = 3, .max = 4, .prio = 3, .right = true },
    [C_DESC] = { .title = "DESCRIPTION", .min = 20, .max = 70 },
    [C_CAUSE] = { .title = "CAUSE", .min = 10, .prio = 1 },
};

static const action_id hints[] = { ACT_DETAIL, ACT_COPY_ID, ACT_FILTER, ACT_NONE };

static int status_role(const char *s)
{
    if (str_eq(s, "Successful"))
        return ROLE_HEALTHY;
    if (str_eq(s, "Failed") || str_eq(s, "Cancelled"))
        return ROLE_UNHEALTHY;
    return ROLE_WARNING;
}

static void activity_model(pane *p, unsigned changed, const pane_ctx *c)
{
    (void)changed;
    lv_begin(&p->lv);
    for (size_t i = 0; i < c->ws->activities.n; i++) {
        const scaling_activity *a = &c->ws->activities.items[i];
        lv_row *r = lv_add(&p->lv, a->activity_id);
        char age[16];
        pane_fmt_age(a->start_time, c->now_wall, age, sizeof age);
        lv_set(r, C_WHEN, age);
        lv_set(r, C_STATUS, a->status_code);
        lv_cell_role(r, C_STATUS, status_role(a->status_code));
        if (a->has_progress)
            lv_setf(r, C_PROGRESS, "%d", a->progress);
        lv_set(r, C_DESC, a->description);
        lv_set(r, C_CAUSE, a->cause);
    }
    lv_end(&p->lv, c->now_mono);
}

static unsigned activity_key(pane *p, action_id a, const pane_ctx *c)
{
    (void)c;
    return lv_move(&p->lv, a, NULL) ? R_HANDLED | R_REDRAW : R_NONE;
}

static void activity_detail(pane *p, const pane_ctx *c, strbuf *out)
{
    const char *id = lv_selected_id(&p->lv);
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
    (void)p;
    snprintf(buf, len, "%zu", c->ws->activities.n);
}

const struct pane_ops pane_activity_ops = {
    .name = "activity",
    .title = "Activity",
    .number = 6,
    .primary = WS_ACTIVITIES,
    .watches = WS_BIT(WS_ACTIVITIES),
    .columns = columns,
    .ncols = (int)ARRAY_LEN(columns),
    .hints = hints,
    .on_model_change = activity_model,
    .key = activity_key,
    .detail = activity_detail,
    .title_extra = activity_title,
};
