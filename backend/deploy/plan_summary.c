/* plan_summary.c — the one line that says what running a plan changes, shown first
 * in the console's confirmation and printed by the headless commands before the
 * steps: which group, how many instances and how they are replaced, and which tag
 * moves from which image to which. Only the plan's own fields are read. */
#include "deploy/plan_int.h"

#include <string.h>

/* The step that moves tag (a copy that is not an undo), or NULL. */
static const plan_step *copy_onto(const plan *p, const char *tag)
{
    for (size_t i = 0; tag && i < p->steps.n; i++) {
        const plan_step *s = &p->steps.items[i];
        if (s->kind == STEP_COPY_TAG && !s->undo && str_eq(s->dst_tag, tag))
            return s;
    }
    return NULL;
}

static const plan_step *step_of(const plan *p, plan_step_kind k)
{
    for (size_t i = 0; i < p->steps.n; i++)
        if (p->steps.items[i].kind == k && !p->steps.items[i].undo)
            return &p->steps.items[i];
    return NULL;
}

/* An image as the operator knows it: its commit tag, else its short digest. */
static void image_name(const char *label, const char *digest, strbuf *out)
{
    if (label) {
        sb_append(out, label);
        return;
    }
    if (!digest) {
        sb_append(out, "(no image)");
        return;
    }
    const char *h = strncmp(digest, "sha256:", 7) == 0 ? digest + 7 : digest;
    sb_printf(out, "sha256:%.12s", h);
}

/* "prod 2f4a8c6 -> e5d1f0c", "prod (new tag) -> e5d1f0c", "prod already is e5d1f0c". */
static void tag_move(const plan_step *s, strbuf *out)
{
    sb_printf(out, "%s ", s->dst_tag ? s->dst_tag : "?");
    if (s->state == STEP_SKIPPED) {
        sb_append(out, "already is ");
        image_name(s->label, s->digest, out);
        return;
    }
    if (s->before_digest)
        image_name(s->before_label, s->before_digest, out);
    else
        sb_append(out, "(new tag)");
    sb_append(out, " -> ");
    image_name(s->label, s->digest, out);
}

static void instances(const plan *p, strbuf *out)
{
    if (p->has_group_size)
        sb_printf(out, "%d instance%s, ", p->group_instances, p->group_instances == 1 ? "" : "s");
}

/* "rolling, min healthy 90 %" from what StartInstanceRefresh sends (AWS's default
 * when the app sets none). */
static void replacement(const plan_step *start, strbuf *out)
{
    const refresh_prefs *r = &start->prefs;
    sb_append(out, "rolling, min healthy ");
    if (r->has_min_healthy_percentage)
        sb_printf(out, "%d %%", r->min_healthy_percentage);
    else
        sb_append(out, "90 % (AWS default)");
    if (r->has_max_healthy_percentage)
        sb_printf(out, ", max healthy %d %%", r->max_healthy_percentage);
}

static void running_refresh(const plan *p, strbuf *out)
{
    sb_printf(out, "refresh %s", p->running_refresh ? p->running_refresh : "?");
    if (p->running_refresh && p->running_percent >= 0)
        sb_printf(out, " (%d %% done)", p->running_percent);
}

/* Who it acts on: "web-asg" and, for a protected app, says so. */
static void target(const plan *p, strbuf *out)
{
    sb_append(out, p->target.asg ? p->target.asg : "?");
    if (p->target.protected_)
        sb_append(out, " (protected)");
}

/* What was asked, in a few words: "deploy e5d1f0c to web-asg". */
static void asked(const plan *p, strbuf *out)
{
    const char *asg = p->target.asg ? p->target.asg : "?";
    switch (p->action) {
    case PLAN_DEPLOY:
        sb_printf(out, "deploy %s to %s", p->arg_tag ? p->arg_tag : "?", asg);
        break;
    case PLAN_DEPLOY_LT:
        sb_printf(out, "deploy launch template version %s to %s", p->arg_lt_version ? p->arg_lt_version : "?", asg);
        break;
    case PLAN_ROLLBACK:
        sb_printf(out, "roll back %s", asg);
        break;
    case PLAN_CANCEL:
        sb_printf(out, "cancel the instance refresh on %s", asg);
        break;
    case PLAN_PROMOTE:
        sb_printf(out, "point %s at %s's image", p->arg_dst ? p->arg_dst : "?", p->arg_tag ? p->arg_tag : "?");
        break;
    }
}

static void deploy_line(const plan *p, strbuf *out)
{
    const plan_step *start = step_of(p, STEP_START_REFRESH);
    if (p->action == PLAN_DEPLOY_LT) {
        sb_append(out, "Deploy launch template ");
        if (start && start->has_desired)
            sb_printf(out, "%s version %s",
                      start->desired.launch_template_name     ? start->desired.launch_template_name
                          : start->desired.launch_template_id ? start->desired.launch_template_id
                                                              : "?",
                      start->desired.version ? start->desired.version : "?");
        else
            sb_printf(out, "version %s", p->arg_lt_version ? p->arg_lt_version : "?");
    } else {
        sb_printf(out, "Deploy %s", p->arg_tag ? p->arg_tag : "?");
    }
    sb_append(out, " to ");
    target(p, out);
    sb_append(out, ": ");
    instances(p, out);
    if (start)
        replacement(start, out);
    else
        sb_append(out, "no refresh");
    if (p->action == PLAN_DEPLOY_LT) {
        sb_append(out, "; no tag moves");
        return;
    }
    sb_append(out, "; ");
    const plan_step *live = copy_onto(p, p->target.live_tag);
    if (live) {
        tag_move(live, out);
        if (live->state == STEP_SKIPPED)
            sb_append(out, ": the instances are replaced with the same image");
    } else {
        sb_printf(out, "%s already is %s: the instances are replaced with the same image",
                  p->target.live_tag ? p->target.live_tag : "?", p->arg_tag ? p->arg_tag : "?");
    }
}

static void rollback_line(const plan *p, strbuf *out)
{
    sb_append(out, "Roll back ");
    target(p, out);
    sb_append(out, ": ");
    if (step_of(p, STEP_ROLLBACK_REFRESH)) {
        sb_append(out, "AWS rolls ");
        running_refresh(p, out);
        sb_append(out, " back to the previous launch template version");
        if (p->has_group_size)
            sb_printf(out, " on %d instance%s", p->group_instances, p->group_instances == 1 ? "" : "s");
        sb_append(out, "; no tag moves");
        return;
    }
    if (step_of(p, STEP_CANCEL_REFRESH)) {
        sb_append(out, "cancel ");
        running_refresh(p, out);
        sb_append(out, ", then ");
    } else if (step_of(p, STEP_WAIT_REFRESH_END)) {
        sb_append(out, "wait for ");
        running_refresh(p, out);
        sb_append(out, " to end, then ");
    }
    const plan_step *live = copy_onto(p, p->target.live_tag);
    if (live) {
        tag_move(live, out);
        sb_printf(out, " (the %s image)", live->src_tag ? live->src_tag : "stable");
    }
    const plan_step *start = step_of(p, STEP_START_REFRESH);
    if (start) {
        sb_append(out, "; replace ");
        if (p->has_group_size)
            sb_printf(out, "%d instance%s", p->group_instances, p->group_instances == 1 ? "" : "s");
        else
            sb_append(out, "the instances");
        sb_append(out, ", ");
        replacement(start, out);
    }
}

static void cancel_line(const plan *p, strbuf *out)
{
    if (!step_of(p, STEP_CANCEL_REFRESH)) {
        sb_append(out, "Wait for ");
        running_refresh(p, out);
        sb_append(out, " on ");
        target(p, out);
        sb_append(out, " to finish cancelling; nothing else changes");
        return;
    }
    sb_append(out, "Cancel ");
    running_refresh(p, out);
    sb_append(out, " on ");
    target(p, out);
    sb_append(out, ": the instances it replaced keep the new image, the others stay as they are; no tag moves");
    if (p->live_label)
        sb_printf(out, "; %s stays on %s, new launches run it", p->target.live_tag, p->live_label);
}

static void promote_line(const plan *p, strbuf *out)
{
    const plan_step *s = copy_onto(p, p->arg_dst);
    sb_printf(out, "Promote %s to %s", p->arg_tag ? p->arg_tag : "?", p->arg_dst ? p->arg_dst : "?");
    if (p->target.protected_) {
        sb_append(out, " for ");
        target(p, out);
    }
    sb_append(out, ": ");
    if (s)
        tag_move(s, out);
    if (s && s->state == STEP_SKIPPED) {
        sb_append(out, ": nothing changes");
        return;
    }
    sb_append(out, "; no refresh, no instance is replaced");
    if (str_eq(p->arg_dst, p->target.live_tag))
        sb_append(out, " (instances launched from now on run it)");
}

void plan_summary(const plan *p, strbuf *out)
{
    if (p->refusal || p->target.read_only) {
        sb_append(out, p->refusal ? "Refused, nothing will change: " : "READ-ONLY, nothing will change: ");
        asked(p, out);
        return;
    }
    if (p->resumed)
        sb_append(out, "Resume: ");
    switch (p->action) {
    case PLAN_DEPLOY:
    case PLAN_DEPLOY_LT:
        deploy_line(p, out);
        break;
    case PLAN_ROLLBACK:
        rollback_line(p, out);
        break;
    case PLAN_CANCEL:
        cancel_line(p, out);
        break;
    case PLAN_PROMOTE:
        promote_line(p, out);
        break;
    }
}
