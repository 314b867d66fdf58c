/* targets.c — the Targets pane: per target group of the selected ASG, each
 * registered target with its port, state, reason and description; healthy/total
 * in the title. Only "healthy" is healthy: unhealthy.draining failed its checks,
 * unused (not registered, not in use, stopped) takes no traffic. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pane.h"
#include "deploy/plan.h"

enum { C_GROUP, C_TARGET, C_PORT, C_STATE, C_REASON, C_DESC };

static const lv_column columns[] = {
    [C_GROUP] = { .title = "TG", .min = 6, .max = 32, .prio = 3 }, /* target group: as wide as its names */
    [C_TARGET] = { .title = "TARGET", .min = 19, .max = 24 },
    [C_PORT] = { .title = "PORT", .min = 4, .max = 5, .prio = 4, .right = true },
    [C_STATE] = { .title = "STATE", .min = 9, .max = 18 },
    [C_REASON] = { .title = "REASON", .min = 10, .max = 32, .prio = 2, .whole = true },
    [C_DESC] = { .title = "DESCRIPTION", .min = 11, .prio = 1, .whole = true },
};

static const action_id hints[] = { ACT_DETAIL, ACT_COPY_ID, ACT_FILTER, ACT_NONE };

static int state_role(const char *s)
{
    if (str_eq(s, "healthy"))
        return ROLE_HEALTHY;
    if (str_eq(s, "unhealthy") || str_eq(s, "unhealthy.draining") || str_eq(s, "unavailable"))
        return ROLE_UNHEALTHY;
    if (str_eq(s, "initial") || str_eq(s, "draining") || str_eq(s, "unused"))
        return ROLE_WARNING;
    return ROLE_NEUTRAL;
}

/* The row id: target group name + target + port, unique across groups. */
static void row_id(const watch_tg *t, const target_health_desc *h, char *buf, size_t len)
{
    snprintf(buf, len, "%s|%s|%d", t->tg.target_group_name ? t->tg.target_group_name : "",
             h->target_id ? h->target_id : "", h->has_port ? h->port : 0);
}

static int by_target(const void *a, const void *b)
{
    const target_health_desc *x = *(const target_health_desc *const *)a;
    const target_health_desc *y = *(const target_health_desc *const *)b;
    int d = strcmp(x->target_id ? x->target_id : "", y->target_id ? y->target_id : "");
    return d ? d : (x->has_port ? x->port : 0) - (y->has_port ? y->port : 0);
}

static void targets_model(pane *p, unsigned changed, const pane_ctx *c)
{
    (void)changed;
    lv_begin(&p->lv);
    for (size_t i = 0; i < c->ws->target_groups.n; i++) {
        const watch_tg *t = &c->ws->target_groups.items[i];
        /* Sorted by target so rows stay put between polls. */
        const target_health_desc **order = xcalloc(t->health.n ? t->health.n : 1, sizeof *order);
        for (size_t j = 0; j < t->health.n; j++)
            order[j] = &t->health.items[j];
        qsort(order, t->health.n, sizeof *order, by_target);
        for (size_t j = 0; j < t->health.n; j++) {
            const target_health_desc *h = order[j];
            char id[512];
            row_id(t, h, id, sizeof id);
            lv_row *r = lv_add(&p->lv, id);
            lv_set(r, C_GROUP, t->tg.target_group_name);
            lv_set(r, C_TARGET, h->target_id);
            if (h->has_port)
                lv_setf(r, C_PORT, "%d", h->port);
            lv_set(r, C_STATE, h->state);
            lv_cell_role(r, C_STATE, state_role(h->state));
            lv_set(r, C_REASON, h->reason);
            lv_set(r, C_DESC, h->description);
        }
        free(order);
        if (t->health.n == 0) {
            lv_row *r = lv_add(&p->lv, t->tg.target_group_arn);
            lv_set(r, C_GROUP, t->tg.target_group_name);
            lv_set(r, C_TARGET, t->health_ok ? "(no targets)" : "(health unknown)");
            r->role = ROLE_NEUTRAL;
        }
    }
    lv_end(&p->lv, c->now_mono);
}

static unsigned targets_key(pane *p, action_id a, const pane_ctx *c)
{
    (void)c;
    return lv_move(&p->lv, a, NULL) ? R_HANDLED | R_REDRAW : R_NONE;
}

static void targets_detail(pane *p, const pane_ctx *c, strbuf *out)
{
    const char *id = lv_selected_id(&p->lv);
    for (size_t i = 0; id && i < c->ws->target_groups.n; i++) {
        const watch_tg *t = &c->ws->target_groups.items[i];
        for (size_t j = 0; j < t->health.n; j++) {
            char rid[512];
            row_id(t, &t->health.items[j], rid, sizeof rid);
            if (!str_eq(rid, id))
                continue;
            const target_health_desc *h = &t->health.items[j];
            detail_kv(out, "Target.Id", h->target_id);
            if (h->has_port)
                detail_kvf(out, "Target.Port", "%d", h->port);
            detail_kv(out, "Target.AvailabilityZone", h->target_availability_zone);
            detail_kv(out, "HealthCheckPort", h->health_check_port);
            detail_kv(out, "TargetHealth.State", h->state);
            detail_kv(out, "TargetHealth.Reason", h->reason);
            detail_kv(out, "TargetHealth.Description", h->description);
            sb_append(out, "\n");
            detail_kv(out, "TargetGroupName", t->tg.target_group_name);
            detail_kv(out, "TargetGroupArn", t->tg.target_group_arn);
            detail_kv(out, "Protocol", t->tg.protocol);
            if (t->tg.has_port)
                detail_kvf(out, "Port", "%d", t->tg.port);
            detail_kv(out, "TargetType", t->tg.target_type);
            detail_kv(out, "HealthCheckProtocol", t->tg.health_check_protocol);
            detail_kv(out, "HealthCheckPort", t->tg.health_check_port);
            detail_kv(out, "HealthCheckPath", t->tg.health_check_path);
            detail_kvf(out, "HealthCheckIntervalSeconds", "%d", t->tg.health_check_interval_seconds);
            detail_kvf(out, "HealthyThresholdCount", "%d", t->tg.healthy_threshold_count);
            detail_kvf(out, "UnhealthyThresholdCount", "%d", t->tg.unhealthy_threshold_count);
            detail_kv(out, "Matcher.HttpCode", t->tg.matcher_http_code);
            for (size_t k = 0; k < t->tg.load_balancer_arns.n; k++)
                detail_kv(out, "LoadBalancerArns[]", t->tg.load_balancer_arns.items[k]);
            return;
        }
    }
    sb_append(out, "No target selected.\n");
}

static void targets_title(pane *p, const pane_ctx *c, char *buf, size_t len)
{
    (void)p;
    const target_health_list *lists[32];
    size_t n = watch_health_lists(c->ws, lists, ARRAY_LEN(lists));
    int healthy, judged, total, unused = 0;
    plan_guard_count_targets(lists, n, &healthy, &judged, &total);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < lists[i]->n; j++)
            unused += str_eq(lists[i]->items[j].state, "unused");
    if (unused)
        snprintf(buf, len, "%d/%d healthy, %d unused", healthy, total, unused);
    else
        snprintf(buf, len, "%d/%d healthy", healthy, total);
}

const struct pane_ops pane_targets_ops = {
    .copy = { { FIELD_INSTANCE_ID, FIELD_IP_ADDRESS, FIELD_ARN }, 3 }, /* or the group's ARN */
    .primary = WS_TARGETS,
    .watches = WS_BIT(WS_TARGETS),
    .columns = columns,
    .ncols = (int)ARRAY_LEN(columns),
    .hints = hints,
    .on_model_change = targets_model,
    .key = targets_key,
    .detail = targets_detail,
    .title_extra = targets_title,
};
