/* plan_group_checks.c — plan-time warnings and refusals about the group and the
 * images (see plan_group_checks.h). The rules and their sources:
 *
 * Suspended processes — Amazon EC2 Auto Scaling User Guide, "How suspended processes
 * affect other processes"
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/understand-how-suspending-processes-affects-other-processes.html)
 * and "Suspend and resume Amazon EC2 Auto Scaling processes" (as-suspend-resume-
 * processes.html): with Launch or Terminate suspended, "InstanceRefresh does not
 * replace instances"; HealthCheck marks instances unhealthy and ReplaceUnhealthy
 * replaces them, so without them a refresh counts broken instances as updated or
 * stays under its minimum healthy percentage; AddToLoadBalancer adds launched
 * instances to the target groups; InstanceRefresh is the refresh itself.
 *
 * Standby and scale-in protected instances — RefreshPreferences in the API
 * reference: StandbyInstances Terminate / Ignore / Wait, ScaleInProtectedInstances
 * Refresh / Ignore / Wait; Wait "waits one hour for you to return the instances to
 * service [remove scale-in protection]. Otherwise, the instance refresh will fail."
 * Both default to Wait from the CLI and SDKs ("Understand the default values for
 * an instance refresh").
 *
 * Archived images — Amazon ECR User Guide, "Archiving an image": "Archived images
 * cannot be pulled. Requests to pull the archived image will fail with a 404
 * error"; UpdateImageStorageClass with targetStorageClass STANDARD restores one
 * (imageStatus ACTIVATING, then ACTIVE). */
#include "deploy/plan_group_checks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deploy/plan_cli.h"

static const struct {
    const char *process;
    const char *effect;
} suspension_effects[] = {
    { "Launch", "the refresh cannot launch replacements, so it replaces no instance" },
    { "Terminate", "the refresh cannot terminate old instances, so it replaces no instance" },
    { "InstanceRefresh", "instance refreshes are suspended: no instance is replaced until it is resumed" },
    { "HealthCheck",
      "instance health is not checked: a new instance that fails is still counted healthy and "
      "the refresh goes on replacing good instances with it" },
    { "ReplaceUnhealthy",
      "unhealthy instances are not replaced: the group can stay under the refresh's "
      "minimum healthy percentage and the refresh stalls" },
    { "AddToLoadBalancer",
      "new instances are not registered with the load balancer: they take no traffic "
      "while the old ones are replaced" },
};

const char *asg_suspension_effect(const char *process)
{
    for (size_t i = 0; i < ARRAY_LEN(suspension_effects); i++)
        if (str_eq(process, suspension_effects[i].process))
            return suspension_effects[i].effect;
    return NULL;
}

int asg_refresh_blockers(const asg_group *g, char *buf, size_t len)
{
    strbuf sb;
    sb_init(&sb);
    int n = 0;
    for (size_t i = 0; g && i < g->suspended_processes.n; i++) {
        const char *name = g->suspended_processes.items[i].process_name;
        if (!asg_suspension_effect(name))
            continue;
        sb_printf(&sb, "%s%.40s", n ? ", " : "", name);
        n++;
    }
    snprintf(buf, len, "%s", sb.len ? sb.buf : "");
    sb_free(&sb);
    return n;
}

bool asg_instance_standby(const asg_instance *in)
{
    return str_eq(in->lifecycle_state, "Standby") || str_eq(in->lifecycle_state, "EnteringStandby");
}

bool asg_instance_warmed(const char *lifecycle_state)
{
    return lifecycle_state && strncmp(lifecycle_state, "Warmed:", 7) == 0;
}

/* "2 instances in Standby (i-a, i-b)": at most three ids, then how many more. */
static void instance_list(strbuf *sb, const asg_group *g, bool (*pick)(const asg_instance *), const char *what)
{
    int n = 0;
    for (size_t i = 0; i < g->instances.n; i++)
        n += pick(&g->instances.items[i]);
    sb_printf(sb, "%d instance%s %s (", n, n == 1 ? "" : "s", what);
    int shown = 0;
    for (size_t i = 0; i < g->instances.n && shown < 3; i++) {
        if (!pick(&g->instances.items[i]))
            continue;
        const char *id = g->instances.items[i].instance_id;
        sb_printf(sb, "%s%.32s", shown ? ", " : "", id ? id : "?");
        shown++;
    }
    if (n > shown)
        sb_printf(sb, ", %d more", n - shown);
    sb_append(sb, ")");
}

static bool is_protected(const asg_instance *in)
{
    return in->protected_from_scale_in;
}

static int count(const asg_group *g, bool (*pick)(const asg_instance *))
{
    int n = 0;
    for (size_t i = 0; i < g->instances.n; i++)
        n += pick(&g->instances.items[i]);
    return n;
}

/* The preference as the refresh will apply it: the app's value, else AWS's default. */
static const char *pref_or_default(const char *v, bool *defaulted)
{
    *defaulted = !v || !*v;
    return *defaulted ? "Wait" : v;
}

static void suspended_line(const asg_group *g, strvec *out)
{
    strbuf sb, names, others;
    sb_init(&sb);
    sb_init(&names);
    sb_init(&others);
    int n = 0, n_other = 0;
    const char *words[4 + ARRAY_LEN(suspension_effects) + 2] = {
        "aws",
        "autoscaling",
        "resume-processes",
        "--scaling-processes",
    };
    size_t nw = 4;
    for (size_t i = 0; i < g->suspended_processes.n; i++) {
        const char *name = g->suspended_processes.items[i].process_name;
        const char *effect = asg_suspension_effect(name);
        if (!effect) {
            sb_printf(&others, "%s%.40s", n_other++ ? ", " : "", name ? name : "?");
            continue;
        }
        sb_printf(&sb, "%s%.40s (%s)", n ? "; " : "", name, effect);
        if (nw < ARRAY_LEN(words) - 2)
            words[nw++] = name;
        n++;
    }
    if (n) {
        words[nw++] = "--auto-scaling-group-name";
        words[nw++] = g->name ? g->name : "?";
        plan_cli_hint(&names, words, nw);
        strbuf line;
        sb_init(&line);
        sb_printf(&line, "suspended processes on %.255s: %s", g->name ? g->name : "?", sb.buf);
        if (n_other)
            sb_printf(&line, "; also suspended, no effect on the refresh: %s", others.buf);
        sb_printf(&line, ". Resume them before the refresh (%s)", names.buf);
        strvec_push(out, line.buf);
        sb_free(&line);
    }
    sb_free(&sb);
    sb_free(&names);
    sb_free(&others);
}

static void standby_line(const asg_group *g, const refresh_prefs *prefs, strvec *out)
{
    if (!count(g, asg_instance_standby))
        return;
    bool dflt;
    const char *v = pref_or_default(prefs ? prefs->standby_instances : NULL, &dflt);
    strbuf sb;
    sb_init(&sb);
    instance_list(&sb, g, asg_instance_standby, "in Standby");
    if (str_eq(v, "Wait")) {
        /* ExitStandby takes at most 20 instance ids (its API reference) */
        const char *words[5 + 1 + 20] = {
            "aws", "autoscaling", "exit-standby", "--auto-scaling-group-name", g->name ? g->name : "?", "--instance-ids"
        };
        size_t nw = 6;
        for (size_t i = 0; i < g->instances.n && nw < ARRAY_LEN(words); i++)
            if (asg_instance_standby(&g->instances.items[i]) && g->instances.items[i].instance_id)
                words[nw++] = g->instances.items[i].instance_id;
        strbuf fix;
        sb_init(&fix);
        plan_cli_hint(&fix, words, nw);
        sb_printf(&sb,
                  ": the refresh waits for them (StandbyInstances=Wait%s); it will not finish until they "
                  "leave Standby (%s), and fails if they are still there after an hour",
                  dflt ? ", the default" : "", fix.buf);
        sb_free(&fix);
    } else if (str_eq(v, "Ignore")) {
        sb_append(&sb,
                  ": the refresh ignores them (StandbyInstances=Ignore); they keep the old image after it "
                  "ends");
    } else if (str_eq(v, "Terminate")) {
        sb_append(&sb, ": the refresh terminates them (StandbyInstances=Terminate)");
    } else {
        sb_printf(&sb, ": StandbyInstances=%.40s, which AWS does not document", v);
    }
    strvec_push(out, sb.buf);
    sb_free(&sb);
}

static void protected_line(const asg_group *g, const refresh_prefs *prefs, strvec *out)
{
    if (!count(g, is_protected))
        return;
    bool dflt;
    const char *v = pref_or_default(prefs ? prefs->scale_in_protected_instances : NULL, &dflt);
    strbuf sb;
    sb_init(&sb);
    instance_list(&sb, g, is_protected, "protected from scale in");
    if (str_eq(v, "Wait"))
        sb_printf(&sb,
                  ": the refresh waits for their protection to be removed (ScaleInProtectedInstances=Wait%s); "
                  "it will not finish until then, and fails if they are still protected after an hour",
                  dflt ? ", the default" : "");
    else if (str_eq(v, "Ignore"))
        sb_append(&sb,
                  ": the refresh ignores them (ScaleInProtectedInstances=Ignore); they keep the old image "
                  "after it ends");
    else if (str_eq(v, "Refresh"))
        sb_append(&sb, ": the refresh replaces them too (ScaleInProtectedInstances=Refresh)");
    else
        sb_printf(&sb, ": ScaleInProtectedInstances=%.40s, which AWS does not document", v);
    strvec_push(out, sb.buf);
    sb_free(&sb);
}

void group_refresh_warnings(const asg_group *g, const refresh_prefs *prefs, strvec *out)
{
    if (!g)
        return;
    suspended_line(g, out);
    standby_line(g, prefs, out);
    protected_line(g, prefs, out);
}

/* ------------------------------------------------------------ images */

bool ecr_image_pullable(const ecr_image_detail *d)
{
    return !d || !d->image_status || str_eq(d->image_status, "ACTIVE");
}

void ecr_unpullable_text(const ecr_image_detail *d, const char *tag, const char *repository, const char *region,
                         char *buf, size_t len)
{
    if (len)
        buf[0] = '\0';
    if (ecr_image_pullable(d))
        return;
    const char *digest = d->image_digest ? d->image_digest : "?";
    if (str_eq(d->image_status, "ACTIVATING")) {
        snprintf(buf, len,
                 "'%.128s' (%.19s) is being restored from ECR's archive (imageStatus ACTIVATING) and "
                 "cannot be pulled until it is ACTIVE",
                 tag ? tag : "?", digest);
        return;
    }
    char when[40] = "";
    if (d->last_archived_at)
        time_format_iso8601(d->last_archived_at, when, sizeof when);
    char *image_id = xasprintf("imageDigest=%s", digest);
    strbuf fix, text;
    sb_init(&fix);
    sb_init(&text);
    plan_cli_hint(&fix,
                  (const char *const[]){ "aws", "ecr", "update-image-storage-class", region ? "--region" : NULL, region,
                                         "--repository-name", repository ? repository : "?", "--image-id", image_id,
                                         "--target-storage-class", "STANDARD" },
                  11);
    sb_printf(&text,
              "'%.128s' (%.19s) is in ECR's archive (imageStatus %.20s%s%s) and cannot be pulled; restore it "
              "with ",
              tag ? tag : "?", digest, d->image_status, when[0] ? ", archived " : "", when);
    /* a command is given whole or not at all */
    size_t room = text.len + fix.len + 50;
    sb_append(&text, room < len ? fix.buf : "UpdateImageStorageClass (targetStorageClass STANDARD)");
    sb_append(&text, " and wait until its imageStatus is ACTIVE");
    snprintf(buf, len, "%s", text.buf);
    sb_free(&text);
    sb_free(&fix);
    free(image_id);
}

void ecr_scan_summary(const ecr_image_detail *d, char *buf, size_t len)
{
    if (len)
        buf[0] = '\0';
    if (!d)
        return;
    strbuf sb;
    sb_init(&sb);
    for (size_t i = 0; i < d->finding_severity_counts.n; i++) {
        const struct ecr_severity_count *c = &d->finding_severity_counts.items[i];
        if (c->count > 0 && c->severity && *c->severity)
            sb_printf(&sb, "%s%c%d", sb.len ? " " : "", c->severity[0], c->count);
    }
    bool done = str_eq(d->scan_status, "COMPLETE") || str_eq(d->scan_status, "ACTIVE");
    if (!sb.len && done)
        sb_append(&sb, "clean");
    else if (!sb.len && d->scan_status)
        sb_printf(&sb, "%.30s", d->scan_status);
    snprintf(buf, len, "%s", sb.len ? sb.buf : "");
    sb_free(&sb);
}

static void refuse(plan *p, const char *why)
{
    if (!p->refusal)
        p->refusal = xasprintf("%s: instances launched with it would fail to start. Plan again once it is "
                               "ACTIVE. Nothing was changed.",
                               why);
}

/* A note about an image that cannot be pulled: why (ecr_unpullable_text), then what
 * it means for this plan. */
static void note_unpullable(plan *p, const char *why, const char *consequence)
{
    char *n = xasprintf("%s: %s", why, consequence);
    strvec_push(&p->notes, n);
    free(n);
}

/* The refresh the plan runs and the preferences it runs with: its own start step's,
 * or for RollbackInstanceRefresh the preferences of the refresh being rolled back
 * as AWS reports them. NULL when the plan replaces no instance. */
static bool plan_replaces(const plan *p, const instance_refresh_list *refreshes, const refresh_prefs **prefs)
{
    *prefs = NULL;
    for (size_t i = 0; i < p->steps.n; i++) {
        const plan_step *s = &p->steps.items[i];
        if (s->kind == STEP_START_REFRESH) {
            *prefs = &s->prefs;
            return true;
        }
        if (s->kind == STEP_ROLLBACK_REFRESH) {
            for (size_t k = 0; refreshes && k < refreshes->n; k++)
                if (refresh_status_active(refreshes->items[k].status) && refreshes->items[k].has_preferences) {
                    *prefs = &refreshes->items[k].preferences;
                    break;
                }
            return true;
        }
    }
    return false;
}

static void check_images(plan *p, bool replaces, const ecr_image_detail_list *images)
{
    const plan_target *t = &p->target;
    char why[1200];
    /* The live tag's image when the refresh launches instances: the last copy onto
     * it, else what it points at now. */
    const char *live_digest = NULL, *live_src = t->live_tag;
    const ecr_image_detail *now_live = ecr_image_with_tag(images, t->live_tag);
    if (now_live)
        live_digest = now_live->image_digest;
    for (size_t i = 0; i < p->steps.n; i++) {
        const plan_step *s = &p->steps.items[i];
        if (s->kind != STEP_COPY_TAG)
            continue;
        const ecr_image_detail *src = ecr_image_with_digest(images, s->digest);
        if (str_eq(s->dst_tag, t->live_tag)) {
            live_digest = s->digest;
            live_src = s->src_tag;
        } else if (str_eq(s->dst_tag, t->stable_tag)) {
            if (!ecr_image_pullable(src)) {
                ecr_unpullable_text(src, s->src_tag, t->repository, t->region, why, sizeof why);
                char *what =
                    xasprintf("'%s' will point at it, and a rollback to it fails until it is restored", t->stable_tag);
                note_unpullable(p, why, what);
                free(what);
            }
        } else if (!ecr_image_pullable(src)) {
            ecr_unpullable_text(src, s->src_tag, t->repository, t->region, why, sizeof why);
            refuse(p, why);
            return;
        }
    }
    const ecr_image_detail *live = ecr_image_with_digest(images, live_digest);
    if (replaces && !ecr_image_pullable(live)) {
        ecr_unpullable_text(live, live_src, t->repository, t->region, why, sizeof why);
        refuse(p, why);
        return;
    }
    /* The rollback target, when this plan leaves it as it is. */
    bool moves_stable = false;
    for (size_t i = 0; i < p->steps.n; i++)
        moves_stable = moves_stable ||
            (p->steps.items[i].kind == STEP_COPY_TAG && str_eq(p->steps.items[i].dst_tag, t->stable_tag));
    const ecr_image_detail *stable = ecr_image_with_tag(images, t->stable_tag);
    if (!moves_stable && p->action == PLAN_DEPLOY && !ecr_image_pullable(stable)) {
        ecr_unpullable_text(stable, t->stable_tag, t->repository, t->region, why, sizeof why);
        note_unpullable(p, why, "a rollback to it fails until it is restored");
    }
}

void plan_group_checks(plan *p, const asg_group *g, const instance_refresh_list *refreshes,
                       const ecr_image_detail_list *images)
{
    const refresh_prefs *prefs;
    bool replaces = plan_replaces(p, refreshes, &prefs);
    if (replaces)
        group_refresh_warnings(g, prefs, &p->notes);
    if (images)
        check_images(p, replaces, images);
}
