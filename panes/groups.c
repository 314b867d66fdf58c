/* groups.c — the Groups pane: the region's Auto Scaling groups (or the configured
 * apps'), with sizes, in-service counts, a mark when suspended processes stall or
 * endanger a refresh, and a refresh indicator (unknown, not blank, when the
 * group's refreshes could not be read). Moving the selection chooses the group
 * that drives every other pane. */
#include <stdio.h>

#include "pane.h"
#include "deploy/plan_group_checks.h"
#include "services/refresh_phase.h"
#include "services/services.h"

enum { C_MARK, C_NAME, C_SIZE, C_INSERVICE, C_REFRESH, C_HEALTHCHECK };

static const lv_column columns[] = {
    [C_MARK] = { .title = " ", .min = 1, .max = 1 },
    [C_NAME] = { .title = "NAME", .min = 12, .max = 64 }, /* "  SUSP" after it: see groups_model */
    [C_SIZE] = { .title = "SIZE", .min = 6, .max = 14, .prio = 5, .right = true }, /* desired/min/max */
    [C_INSERVICE] = { .title = "INSVC", .min = 5, .max = 11, .prio = 4, .right = true },
    [C_REFRESH] = { .title = "REFRESH", .min = 7, .max = 24, .prio = 3 },
    [C_HEALTHCHECK] = { .title = "CHECK", .min = 5, .max = 16, .prio = 1 },
};

typedef struct groups_priv {
    bool synced;
} groups_priv;

static int in_service(const asg_group *g)
{
    int n = 0;
    for (size_t i = 0; i < g->instances.n; i++)
        if (str_eq(g->instances.items[i].lifecycle_state, "InService"))
            n++;
    return n;
}

static void groups_model(pane *p, unsigned changed, const pane_ctx *c)
{
    (void)changed;
    const watch_state *ws = c->ws;
    const instance_refresh *ar = pane_active_refresh(ws);
    lv_begin(&p->lv);
    for (size_t i = 0; i < ws->groups.n; i++) {
        const asg_group *g = &ws->groups.items[i];
        bool sel = str_eq(g->name, ws->selected_asg);
        lv_row *r = lv_add(&p->lv, g->name);
        lv_set(r, C_MARK, sel ? (c->ascii ? ">" : "▶") : " ");
        /* Suspended processes that stall or endanger a refresh: marked on the name,
         * the one column never dropped on a narrow screen. */
        char blockers[128];
        bool suspended = asg_refresh_blockers(g, blockers, sizeof blockers);
        /* The app's broken mark rides on the name, which every width shows. */
        bool broken = sel && c->mark.broken;
        lv_setf(r, C_NAME, "%s%s%s", g->name ? g->name : "", broken ? "  BROKEN" : "", suspended ? "  SUSP" : "");
        if (broken || suspended)
            lv_cell_role(r, C_NAME, broken ? ROLE_ERROR : ROLE_WARNING);
        int ins = in_service(g);
        char why[160];
        if (asg_sizes_valid(g, why, sizeof why)) {
            lv_setf(r, C_SIZE, "%d/%d/%d", g->desired_capacity, g->min_size, g->max_size);
            lv_setf(r, C_INSERVICE, "%d/%d", ins, g->desired_capacity);
            lv_cell_role(r, C_INSERVICE, ins < g->desired_capacity ? ROLE_WARNING : ROLE_HEALTHY);
        } else {
            /* Sizes no AWS group can have (Enter says which): not shown as real. */
            lv_set(r, C_SIZE, "invalid");
            lv_cell_role(r, C_SIZE, ROLE_WARNING);
            lv_setf(r, C_INSERVICE, "%d/?", ins);
            lv_cell_role(r, C_INSERVICE, ROLE_WARNING);
        }
        /* The selected group's refreshes are polled in full; the others' latest
         * one on the slow interval (WS_OTHER_REFRESHES). */
        const instance_refresh *other = sel ? NULL : watch_other_refresh(ws, g->name);
        const instance_refresh *run = sel ? ar : other && refresh_status_active(other->status) ? other : NULL;
        const instance_refresh *last = sel ? (ws->refreshes.n ? &ws->refreshes.items[0] : NULL) : other;
        watch_read known = watch_group_refreshes_read(ws, g->name, NULL);
        refresh_phase ph;
        refresh_phase_of(run, &ph);
        if (known == WATCH_READ_FAILED) {
            /* Could not be read: unknown, never shown as none. */
            lv_set(r, C_REFRESH, "? unknown");
            lv_cell_role(r, C_REFRESH, ROLE_WARNING);
        } else if (run) {
            const char *sym = ph.rollback ? (c->ascii ? "<" : "↺") : (c->ascii ? "~" : "⟳");
            if (ph.has_pct)
                lv_setf(r, C_REFRESH, "%s %d%%", sym, ph.pct);
            else
                lv_setf(r, C_REFRESH, "%s %s", sym, run->status);
            lv_cell_role(r, C_REFRESH, ROLE_PROGRESS);
        } else if (last) {
            lv_set(r, C_REFRESH, last->status);
            /* A bad end in the unhealthy colour, never the dimmest style on screen. */
            lv_cell_role(r, C_REFRESH, refresh_status_bad_end(last->status) ? ROLE_UNHEALTHY : ROLE_NEUTRAL);
        } else {
            lv_set(r, C_REFRESH, "");
        }
        lv_set(r, C_HEALTHCHECK, g->health_check_type);
    }
    lv_end(&p->lv, c->now_mono);
    /* Once, when the groups first arrive, the cursor goes to the watched group;
     * after that the cursor is the user's (`:asg` moves it explicitly). */
    groups_priv *gp = p->priv;
    if (!gp->synced && ws->selected_asg && lv_select_id(&p->lv, ws->selected_asg))
        gp->synced = true;
}

static const action_id hints[] = { ACT_DOWN, ACT_DETAIL, ACT_FILTER, ACT_NONE };

static unsigned groups_key(pane *p, action_id a, const pane_ctx *c)
{
    (void)c;
    bool moved = false;
    if (lv_move(&p->lv, a, &moved))
        return R_HANDLED | R_REDRAW | (moved ? R_SELECT_ASG : 0);
    return R_NONE;
}

static void groups_detail(pane *p, const pane_ctx *c, strbuf *out)
{
    const char *id = lv_selected_id(&p->lv);
    const asg_group *g = NULL;
    for (size_t i = 0; id && i < c->ws->groups.n; i++)
        if (str_eq(c->ws->groups.items[i].name, id))
            g = &c->ws->groups.items[i];
    if (!g) {
        sb_append(out, "No group selected.\n");
        return;
    }
    char t[40], sizes[160];
    detail_kv(out, "AutoScalingGroupName", g->name);
    detail_kv(out, "AutoScalingGroupARN", g->arn);
    bool sizes_ok = asg_sizes_valid(g, sizes, sizeof sizes);
    if (!sizes_ok)
        detail_kvf(out, "Sizes", "INVALID: %s (outside AWS's ranges: the server's answer is not to be trusted)", sizes);
    const char *flag = sizes_ok ? "" : "  (invalid)";
    detail_kvf(out, "DesiredCapacity", "%d%s", g->desired_capacity, flag);
    detail_kvf(out, "MinSize", "%d%s", g->min_size, flag);
    detail_kvf(out, "MaxSize", "%d%s", g->max_size, flag);
    detail_kvf(out, "InService", "%d", in_service(g));
    detail_kv(out, "LaunchTemplate.Name", g->launch_template.launch_template_name);
    detail_kv(out, "LaunchTemplate.Id", g->launch_template.launch_template_id);
    detail_kv(out, "LaunchTemplate.Version", g->launch_template.version);
    if (g->launch_configuration_name)
        detail_kv(out, "LaunchConfigurationName", g->launch_configuration_name);
    detail_kv(out, "HealthCheckType", g->health_check_type);
    detail_kvf(out, "HealthCheckGracePeriod", "%d", g->health_check_grace_period);
    if (g->has_default_instance_warmup)
        detail_kvf(out, "DefaultInstanceWarmup", "%d", g->default_instance_warmup);
    detail_kvf(out, "DefaultCooldown", "%d", g->default_cooldown);
    pane_fmt_time(g->created_time, t, sizeof t);
    detail_kv(out, "CreatedTime", t);
    detail_kv(out, "VPCZoneIdentifier", g->vpc_zone_identifier);
    detail_kv(out, "Status", g->status);
    for (size_t i = 0; i < g->availability_zones.n; i++)
        detail_kv(out, "AvailabilityZones[]", g->availability_zones.items[i]);
    for (size_t i = 0; i < g->target_group_arns.n; i++)
        detail_kv(out, "TargetGroupARNs[]", g->target_group_arns.items[i]);
    /* Every traffic source (target groups, VPC Lattice, ...), beside the ARNs. */
    for (size_t i = 0; i < g->traffic_sources.n; i++) {
        const asg_traffic_source *ts = &g->traffic_sources.items[i];
        detail_kvf(out, "TrafficSources[]", "%.40s %.1000s", ts->type ? ts->type : "?",
                   ts->identifier ? ts->identifier : "?");
    }
    for (size_t i = 0; i < g->load_balancer_names.n; i++)
        detail_kv(out, "LoadBalancerNames[]", g->load_balancer_names.items[i]);
    for (size_t i = 0; i < g->termination_policies.n; i++)
        detail_kv(out, "TerminationPolicies[]", g->termination_policies.items[i]);
    if (g->has_instance_maintenance_policy) {
        detail_kvf(out, "InstanceMaintenancePolicy.Min", "%d", g->imp_min_healthy_percentage);
        detail_kvf(out, "InstanceMaintenancePolicy.Max", "%d", g->imp_max_healthy_percentage);
    }
    detail_kv(out, "NewInstancesProtectedFromScaleIn", g->new_instances_protected_from_scale_in ? "true" : "false");
    /* What stands in a refresh's way (user guide: suspended processes). */
    for (size_t i = 0; i < g->suspended_processes.n; i++) {
        const asg_suspended_process *sp = &g->suspended_processes.items[i];
        const char *effect = asg_suspension_effect(sp->process_name);
        char v[700];
        snprintf(v, sizeof v, "%.40s: %.200s%s%s", sp->process_name ? sp->process_name : "?",
                 sp->suspension_reason ? sp->suspension_reason : "-", effect ? " — " : "", effect ? effect : "");
        detail_kv(out, "SuspendedProcesses[]", v);
    }
    if (g->warm_pool.present) {
        const warm_pool_config *wp = &g->warm_pool;
        if (wp->has_min_size)
            detail_kvf(out, "WarmPoolConfiguration.MinSize", "%d", wp->min_size);
        if (wp->has_max_group_prepared_capacity)
            detail_kvf(out, "WarmPoolConfiguration.MaxGroupPreparedCapacity", "%d", wp->max_group_prepared_capacity);
        detail_kv(out, "WarmPoolConfiguration.PoolState", wp->pool_state);
        if (wp->status)
            detail_kv(out, "WarmPoolConfiguration.Status", wp->status);
        if (wp->has_reuse_on_scale_in)
            detail_kv(out, "WarmPoolConfiguration.ReuseOnScaleIn", wp->reuse_on_scale_in ? "true" : "false");
    }
    if (g->has_warm_pool_size)
        detail_kvf(out, "WarmPoolSize", "%d", g->warm_pool_size);
    strvec warnings = { 0 };
    const app_config *app = c->app && str_eq(c->app->asg, g->name) ? c->app : NULL;
    group_refresh_warnings(g, app ? &app->refresh : NULL, &warnings);
    for (size_t i = 0; i < warnings.n; i++)
        detail_kv(out, "Refresh would meet", warnings.items[i]);
    strvec_free(&warnings);
    const char *why = NULL;
    if (watch_group_refreshes_read(c->ws, g->name, &why) == WATCH_READ_FAILED)
        detail_kvf(out, "InstanceRefreshes", "could not be read: %.320s", why && *why ? why : "?");
    for (size_t i = 0; i < g->tags.n; i++) {
        char k[160];
        snprintf(k, sizeof k, "Tag %.140s", g->tags.items[i].key ? g->tags.items[i].key : "");
        detail_kv(out, k, g->tags.items[i].value);
    }
}

static void groups_title(pane *p, const pane_ctx *c, char *buf, size_t len)
{
    (void)p;
    snprintf(buf, len, "%zu", c->ws->groups.n);
}

const struct pane_ops pane_groups_ops = {
    .copy = { { FIELD_ASG_NAME }, 1 },
    .priv_size = sizeof(groups_priv),
    .primary = WS_GROUPS,
    .watches = WS_BIT(WS_GROUPS) | WS_BIT(WS_REFRESHES) | WS_BIT(WS_OTHER_REFRESHES),
    .columns = columns,
    .ncols = (int)ARRAY_LEN(columns),
    .hints = hints,
    .on_model_change = groups_model,
    .key = groups_key,
    .detail = groups_detail,
    .title_extra = groups_title,
};
