/* instances.c — the Instances pane: the selected group's instances joined with
 * their EC2 details, then its warm pool's (DescribeWarmPool: Warmed:* states,
 * marked "warm"); during a refresh, instances launched before it started are
 * marked "old" (they are the ones still to be replaced). Instances in Standby and
 * those protected from scale in ("prot") are what a refresh waits for by default.
 * `s` opens an SSM shell. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pane.h"
#include "deploy/plan_group_checks.h"

enum { C_ID, C_AZ, C_STATE, C_HEALTH, C_OLD, C_IMAGE, C_TEMPLATE, C_AGE, C_IP, C_TYPE };

static const lv_column columns[] = {
    [C_ID] = { .title = "INSTANCE", .min = 19, .max = 19 },
    [C_AZ] = { .title = "AZ", .min = 10, .max = 12, .prio = 6 },
    [C_STATE] = { .title = "LIFECYCLE", .min = 11, .max = 20 }, /* "Terminating" without a shift */
    [C_HEALTH] = { .title = "HEALTH", .min = 7, .max = 9 },
    [C_OLD] = { .title = "", .min = 3, .max = 13, .prio = 7 }, /* old, prot, warm */
    /* Inferred ("~"): AWS never says what an instance pulled; "?" outside the journal. */
    [C_IMAGE] = { .title = "IMAGE", .min = 8, .max = 16, .prio = 4 },
    [C_TEMPLATE] = { .title = "TEMPLATE:VER", .min = 8, .max = 28, .prio = 2 },
    [C_AGE] = { .title = "AGE", .min = 4, .max = 5, .prio = 5, .right = true, .quiet = true, .ticks = true },
    [C_IP] = { .title = "PRIVATE IP", .min = 10, .max = 15, .prio = 3, .quiet = true },
    [C_TYPE] = { .title = "TYPE", .min = 8, .max = 12, .prio = 1 },
};

static bool is_old(const pane_ctx *c, const ec2_instance *e)
{
    const instance_refresh *ar = pane_active_refresh(c->ws);
    return ar && ar->start_time && e && e->launch_time && e->launch_time < ar->start_time;
}

static int by_id(const void *a, const void *b)
{
    const asg_instance *x = *(const asg_instance *const *)a, *y = *(const asg_instance *const *)b;
    return strcmp(x->instance_id ? x->instance_id : "", y->instance_id ? y->instance_id : "");
}

/* The image the live tag named when the instance launched, as far as the journal's
 * moves of the tag tell ("~e5d1f0c": inferred; "?" before the first move it holds,
 * or without a launch time). */
static const char *inferred_digest(const pane_ctx *c, const ec2_instance *e)
{
    return e && e->launch_time && c->live_hist ? live_history_at(c->live_hist, e->launch_time) : NULL;
}

static void image_text(const pane_ctx *c, const char *digest, char *buf, size_t len)
{
    if (!digest) {
        snprintf(buf, len, "?");
        return;
    }
    const char *commit = ecr_commit_tag(ecr_image_with_digest(&c->ws->images, digest), c->live_tag, c->stable_tag);
    if (commit) {
        snprintf(buf, len, "~%.60s", commit);
    } else {
        char sd[40];
        ecr_short_digest(digest, sd, sizeof sd);
        snprintf(buf, len, "~%.12s", sd + 7);
    }
}

/* One row: the group's own instances, then the warm pool's (warm). */
static void add_instance(pane *p, const pane_ctx *c, const asg_instance *in, bool warm)
{
    const ec2_instance *e = watch_ec2_instance(c->ws, in->instance_id);
    lv_row *r = lv_add(&p->lv, in->instance_id);
    lv_set(r, C_ID, in->instance_id);
    lv_set(r, C_AZ, in->availability_zone);
    lv_set(r, C_STATE, in->lifecycle_state);
    lv_set(r, C_HEALTH, in->health_status);
    bool old = !warm && is_old(c, e);
    const char *marks[] = { old ? "old" : NULL, in->protected_from_scale_in ? "prot" : NULL, warm ? "warm" : NULL };
    char flags[32] = "";
    for (size_t i = 0, at = 0; i < ARRAY_LEN(marks); i++)
        if (marks[i])
            at += (size_t)snprintf(flags + at, sizeof flags - at, "%s%s", at ? " " : "", marks[i]);
    lv_set(r, C_OLD, flags);
    char image[80];
    const char *digest = inferred_digest(c, e);
    image_text(c, digest, image, sizeof image);
    lv_set(r, C_IMAGE, image);
    /* Not what live names now: the mixed fleet a cancel leaves behind shows. */
    const ecr_image_detail *live = ecr_image_with_tag(&c->ws->images, c->live_tag);
    if (digest && live && !str_eq(digest, live->image_digest))
        lv_cell_role(r, C_IMAGE, ROLE_WARNING);
    if (in->launch_template.launch_template_name || in->launch_template.launch_template_id)
        lv_setf(r, C_TEMPLATE, "%s:%s",
                in->launch_template.launch_template_name ? in->launch_template.launch_template_name
                                                         : in->launch_template.launch_template_id,
                in->launch_template.version ? in->launch_template.version : "?");
    else
        lv_set(r, C_TEMPLATE, in->launch_configuration_name);
    char age[16];
    pane_fmt_age(e ? e->launch_time : 0, c->now_wall, age, sizeof age);
    lv_set(r, C_AGE, age);
    lv_set(r, C_IP, e ? e->private_ip_address : "");
    lv_set(r, C_TYPE, in->instance_type ? in->instance_type : e ? e->instance_type : "");
    bool healthy = str_eq(in->health_status, "Healthy");
    bool in_service = str_eq(in->lifecycle_state, "InService");
    lv_cell_role(r, C_HEALTH, healthy ? ROLE_HEALTHY : ROLE_UNHEALTHY);
    /* Standby: a refresh waits for it by default (StandbyInstances=Wait). */
    lv_cell_role(r, C_STATE, in_service ? ROLE_HEALTHY : warm ? ROLE_NEUTRAL : ROLE_WARNING);
    if (old || in->protected_from_scale_in)
        lv_cell_role(r, C_OLD, ROLE_WARNING);
    else if (warm)
        lv_cell_role(r, C_OLD, ROLE_NEUTRAL);
}

static void add_sorted(pane *p, const pane_ctx *c, const asg_instance *items, size_t n, bool warm)
{
    /* AWS lists instances in no fixed order: sort by id so rows stay put
     * between polls (and an idle screen stays still). */
    const asg_instance **order = xcalloc(n ? n : 1, sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = &items[i];
    qsort(order, n, sizeof *order, by_id);
    for (size_t i = 0; i < n; i++)
        add_instance(p, c, order[i], warm);
    free(order);
}

static void instances_model(pane *p, unsigned changed, const pane_ctx *c)
{
    (void)changed;
    const asg_group *g = watch_selected_group(c->ws);
    lv_begin(&p->lv);
    if (g) {
        add_sorted(p, c, g->instances.items, g->instances.n, false);
        add_sorted(p, c, c->ws->warm_pool.instances.items, c->ws->warm_pool.instances.n, true);
    }
    lv_end(&p->lv, c->now_mono);
}

static const action_id hints[] = { ACT_DETAIL, ACT_SSM_SHELL, ACT_COPY_ID, ACT_FILTER, ACT_NONE };

static unsigned instances_key(pane *p, action_id a, const pane_ctx *c)
{
    (void)c;
    if (lv_move(&p->lv, a, NULL))
        return R_HANDLED | R_REDRAW;
    if (a == ACT_SSM_SHELL)
        return R_HANDLED | R_SSM;
    return R_NONE;
}

static void instances_detail(pane *p, const pane_ctx *c, strbuf *out)
{
    const char *id = lv_selected_id(&p->lv);
    const asg_group *g = watch_selected_group(c->ws);
    const asg_instance *in = NULL;
    bool warm = false;
    for (size_t i = 0; g && id && i < g->instances.n; i++)
        if (str_eq(g->instances.items[i].instance_id, id))
            in = &g->instances.items[i];
    for (size_t i = 0; g && id && !in && i < c->ws->warm_pool.instances.n; i++)
        if (str_eq(c->ws->warm_pool.instances.items[i].instance_id, id)) {
            in = &c->ws->warm_pool.instances.items[i];
            warm = true;
        }
    if (!in) {
        sb_append(out, "No instance selected.\n");
        return;
    }
    const ec2_instance *e = watch_ec2_instance(c->ws, id);
    char t[40];
    detail_kv(out, "InstanceId", in->instance_id);
    detail_kv(out, "AutoScalingGroupName", g->name);
    detail_kv(out, "AvailabilityZone", in->availability_zone);
    detail_kv(out, "LifecycleState", in->lifecycle_state);
    detail_kv(out, "HealthStatus", in->health_status);
    detail_kv(out, "InstanceType", in->instance_type);
    detail_kv(out, "LaunchTemplate.Name", in->launch_template.launch_template_name);
    detail_kv(out, "LaunchTemplate.Id", in->launch_template.launch_template_id);
    detail_kv(out, "LaunchTemplate.Version", in->launch_template.version);
    if (in->launch_configuration_name)
        detail_kv(out, "LaunchConfigurationName", in->launch_configuration_name);
    detail_kv(out, "ProtectedFromScaleIn", in->protected_from_scale_in ? "true" : "false");
    if (warm)
        detail_kv(out, "WarmPool", "yes (DescribeWarmPool)");
    else
        detail_kv(out, "Old (before the refresh)", is_old(c, e) ? "yes" : "no");
    const char *digest = inferred_digest(c, e);
    if (digest) {
        char image[80];
        image_text(c, digest, image, sizeof image);
        detail_kvf(out, "Image (inferred)",
                   "%s %s: what %s named when it launched, by the journal's moves of the tag; "
                   "AWS does not say what an instance pulled, and moves made outside tarmac are not seen",
                   image + 1, digest, c->live_tag);
    } else {
        detail_kvf(out, "Image (inferred)", "? (the journal holds no move of %s before it launched)", c->live_tag);
    }
    /* What a refresh does with it: its preferences, else AWS's default (Wait). */
    const refresh_prefs *prefs = c->app && str_eq(c->app->asg, g->name) ? &c->app->refresh : NULL;
    if (asg_instance_standby(in)) {
        const char *v = prefs && prefs->standby_instances ? prefs->standby_instances : "Wait";
        detail_kvf(out, "Refresh (StandbyInstances)", "%s%s", v,
                   str_eq(v, "Wait") ? ": the refresh waits for it to leave Standby, and fails after an hour" : "");
    }
    if (in->protected_from_scale_in) {
        const char *v = prefs && prefs->scale_in_protected_instances ? prefs->scale_in_protected_instances : "Wait";
        detail_kvf(out, "Refresh (ScaleInProtected)", "%s%s", v,
                   str_eq(v, "Wait") ? ": the refresh waits for its protection to be removed, and fails after an hour"
                                     : "");
    }
    if (e) {
        detail_kv(out, "State.Name", e->state_name);
        detail_kv(out, "ImageId", e->image_id);
        detail_kv(out, "PrivateIpAddress", e->private_ip_address);
        detail_kv(out, "PrivateDnsName", e->private_dns_name);
        pane_fmt_time(e->launch_time, t, sizeof t);
        detail_kv(out, "LaunchTime", t);
        detail_kv(out, "SubnetId", e->subnet_id);
        detail_kv(out, "VpcId", e->vpc_id);
    } else {
        detail_kv(out, "EC2", "(no DescribeInstances answer yet)");
    }
}

static void instances_title(pane *p, const pane_ctx *c, char *buf, size_t len)
{
    (void)p;
    const asg_group *g = watch_selected_group(c->ws);
    int old = 0, standby = 0, prot = 0;
    for (size_t i = 0; g && i < g->instances.n; i++) {
        const asg_instance *in = &g->instances.items[i];
        old += is_old(c, watch_ec2_instance(c->ws, in->instance_id));
        standby += asg_instance_standby(in);
        prot += in->protected_from_scale_in;
    }
    strbuf sb;
    sb_init(&sb);
    sb_printf(&sb, "%zu", g ? g->instances.n : 0);
    if (old)
        sb_printf(&sb, ", %d old", old);
    if (standby)
        sb_printf(&sb, ", %d standby", standby);
    if (prot)
        sb_printf(&sb, ", %d protected", prot);
    if (g && c->ws->warm_pool.instances.n)
        sb_printf(&sb, ", %zu warm", c->ws->warm_pool.instances.n);
    snprintf(buf, len, "%s", sb.buf);
    sb_free(&sb);
}

const struct pane_ops pane_instances_ops = {
    .copy = { { FIELD_INSTANCE_ID }, 1 },
    .primary = WS_GROUPS, /* lifecycle and health: the rows come from the group */
    .watches = WS_BIT(WS_GROUPS) | WS_BIT(WS_EC2) | WS_BIT(WS_REFRESHES) | WS_BIT(WS_WARM_POOL),
    .columns = columns,
    .ncols = (int)ARRAY_LEN(columns),
    .hints = hints,
    .on_model_change = instances_model,
    .key = instances_key,
    .detail = instances_detail,
    .title_extra = instances_title,
};
