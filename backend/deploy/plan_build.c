/* plan_build.c — turns an action request into a plan from the live state: reads
 * the group, its refreshes, the repository (mutability), its images (tag → digest
 * and the commit tags a digest equals), the caller identity and, for launch
 * template deploys, the template's versions — all in parallel — then decides the
 * steps or the refusal. Nothing here changes anything. */
#include "deploy/plan_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "services/ecr_rules.h"
#include "deploy/plan_cli.h"
#include "deploy/plan_group_checks.h"
#include "services/refresh_rules.h"
#include "aws/join.h"
#include "services/services.h"
#include "services/snapshot.h"

typedef struct build_ctx {
    aws_client *c;
    plan *p;
    plan_built_fn done;
    void *ud;
    aws_join join; /* the prechecks' calls: compose() once the last is in */
    bool need_group, need_refreshes, need_repo, need_lt;

    caller_identity ident;
    asg_group_list groups;
    aws_error groups_err;
    bool groups_failed;
    instance_refresh_list refreshes;
    aws_error refreshes_err;
    bool refreshes_failed;
    ecr_repository_list repos;
    aws_error repos_err;
    bool repos_failed;
    ecr_image_detail_list images;
    aws_error images_err;
    bool images_failed;
    lt_version_list lts;
    aws_error lts_err;
    bool lts_failed;
    bool need_alarms;
    cw_alarm_list alarms; /* the refresh preferences' and the guard's alarms */
    aws_error alarms_err;
    bool alarms_failed;
} build_ctx;

/* ------------------------------------------------------------ text helpers */

static void short_digest(const char *d, char *buf, size_t len)
{
    if (!d) {
        snprintf(buf, len, "(none)");
        return;
    }
    const char *h = strncmp(d, "sha256:", 7) == 0 ? d + 7 : d;
    snprintf(buf, len, "sha256:%.12s", h);
}

static const ecr_image_detail *image_by_tag(const ecr_image_detail_list *l, const char *tag)
{
    for (size_t i = 0; tag && i < l->n; i++)
        if (strvec_contains(&l->items[i].image_tags, tag))
            return &l->items[i];
    return NULL;
}

static const ecr_image_detail *image_by_digest(const ecr_image_detail_list *l, const char *d)
{
    for (size_t i = 0; d && i < l->n; i++)
        if (str_eq(l->items[i].image_digest, d))
            return &l->items[i];
    return NULL;
}

/* "sha256:2f4a8c6e1b3d (2f4a8c6)": the digest with the other tags it equals. */
static void digest_label(const build_ctx *x, const char *d, strbuf *sb)
{
    char sd[40];
    short_digest(d, sd, sizeof sd);
    sb_append(sb, sd);
    const ecr_image_detail *im = image_by_digest(&x->images, d);
    if (!im)
        return;
    const plan_target *t = &x->p->target;
    int shown = 0;
    for (size_t i = 0; i < im->image_tags.n && shown < 3; i++) {
        const char *tag = im->image_tags.items[i];
        if (str_eq(tag, t->live_tag) || str_eq(tag, t->stable_tag))
            continue;
        sb_printf(sb, "%s%.64s", shown ? ", " : " (", tag);
        shown++;
    }
    if (shown)
        sb_append(sb, ")");
}

/* The first tag of the image d names other than the live and stable tags (a commit
 * tag, as the operator knows the image), or NULL. */
static const char *other_tag(const build_ctx *x, const char *d)
{
    const ecr_image_detail *im = image_by_digest(&x->images, d);
    for (size_t i = 0; im && i < im->image_tags.n; i++) {
        const char *tag = im->image_tags.items[i];
        if (!str_eq(tag, x->p->target.live_tag) && !str_eq(tag, x->p->target.stable_tag))
            return tag;
    }
    return NULL;
}

static void add_note(plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_note(plan *p, const char *fmt, ...)
{
    strbuf sb;
    sb_init(&sb);
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&sb, fmt, ap);
    va_end(ap);
    strvec_push(&p->notes, sb.buf);
    sb_free(&sb);
}

static void refuse(plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse(plan *p, const char *fmt, ...)
{
    if (p->refusal)
        return;
    strbuf sb;
    sb_init(&sb);
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&sb, fmt, ap);
    va_end(ap);
    sb_append(&sb, " Nothing was changed.");
    p->refusal = sb_steal(&sb);
    sb_free(&sb);
}

static void plan_new_id(plan *p)
{
    char ts[40];
    time_format_iso8601(time_now_ms(), ts, sizeof ts);
    unsigned char rnd[3] = { 0 };
    if (getrandom(rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t)sizeof rnd) {
        int64_t m = mono_now_ms();
        memcpy(rnd, &m, sizeof rnd);
    }
    /* p-20261123T194200Z-1a2b3c */
    snprintf(p->id, sizeof p->id, "p-%.4s%.2s%.2sT%.2s%.2s%.2sZ-%02x%02x%02x", ts, ts + 5, ts + 8, ts + 11, ts + 14,
             ts + 17, rnd[0], rnd[1], rnd[2]);
}

/* ------------------------------------------------------------ steps */

static void add_copy(build_ctx *x, const char *src_tag, const char *dst_tag, const ecr_image_detail *src,
                     const ecr_image_detail *dst)
{
    plan *p = x->p;
    const plan_target *t = &p->target;
    plan_step *s = VEC_NEW(p->steps);
    s->kind = STEP_COPY_TAG;
    s->src_tag = xstrdup(src_tag);
    s->dst_tag = xstrdup(dst_tag);
    s->digest = xstrdup(src->image_digest);
    s->before_digest = dst ? xstrdup(dst->image_digest) : NULL;
    s->media_type = xstrdup(src->image_manifest_media_type);
    s->label = xstrdup(other_tag(x, src->image_digest));
    s->before_label = dst ? xstrdup(other_tag(x, dst->image_digest)) : NULL;
    s->state = dst && str_eq(dst->image_digest, src->image_digest) ? STEP_SKIPPED : STEP_PENDING;

    strbuf sb;
    sb_init(&sb);
    sb_printf(&sb, "%s <- %s: ", dst_tag, src_tag);
    digest_label(x, src->image_digest, &sb);
    if (s->state == STEP_SKIPPED) {
        sb_append(&sb, " (already equal: skipped)");
    } else {
        sb_append(&sb, ", was ");
        if (dst)
            digest_label(x, dst->image_digest, &sb);
        else
            sb_append(&sb, "(no such tag)");
    }
    s->description = sb_steal(&sb);

    s->cli = plan_cli_step(t, s);
}

static void add_simple(plan *p, plan_step_kind kind)
{
    const plan_target *t = &p->target;
    plan_step *s = VEC_NEW(p->steps);
    s->kind = kind;
    switch (kind) {
    case STEP_CANCEL_REFRESH:
        s->description = xasprintf("CancelInstanceRefresh on %s", t->asg);
        break;
    case STEP_ROLLBACK_REFRESH:
        s->description = xasprintf("RollbackInstanceRefresh on %s (AWS restores the previous launch template "
                                   "version)",
                                   t->asg);
        break;
    default:
        s->description = xasprintf("wait until no instance refresh is active on %s", t->asg);
        break;
    }
    s->cli = plan_cli_step(t, s);
}

static void add_start(plan *p, bool tag_deploy, const lt_spec *desired)
{
    const plan_target *t = &p->target;
    plan_step *s = VEC_NEW(p->steps);
    s->kind = STEP_START_REFRESH;
    refresh_prefs_copy(&s->prefs, &t->prefs);
    if (tag_deploy) {
        /* The launch template does not change: SkipMatching would skip every instance. */
        s->prefs.has_skip_matching = true;
        s->prefs.skip_matching = false;
        if (s->prefs.has_auto_rollback && s->prefs.auto_rollback)
            add_note(p,
                     "AutoRollback left out: AWS needs a DesiredConfiguration for it; tarmac's own "
                     "rollback (--auto-rollback) moves the tag back instead");
        s->prefs.has_auto_rollback = false;
    }
    if (desired) {
        s->has_desired = true;
        s->desired.launch_template_id = xstrdup(desired->launch_template_id);
        s->desired.launch_template_name = xstrdup(desired->launch_template_name);
        s->desired.version = xstrdup(desired->version);
    }
    json_object *pj = refresh_prefs_to_json(&s->prefs);
    const char *pjs = json_object_to_json_string_ext(pj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    strbuf sb;
    sb_init(&sb);
    sb_printf(&sb, "StartInstanceRefresh on %s", t->asg);
    if (desired)
        sb_printf(&sb, " to launch template %s version %s",
                  desired->launch_template_name ? desired->launch_template_name : desired->launch_template_id,
                  desired->version);
    sb_printf(&sb, ", preferences %s", pjs);
    s->description = sb_steal(&sb);
    json_object_put(pj);
    s->cli = plan_cli_step(t, s);
    sb_free(&sb);
}

/* ------------------------------------------------------------ decisions */

static const instance_refresh *active_refresh(const build_ctx *x)
{
    for (size_t i = 0; i < x->refreshes.n; i++)
        if (refresh_status_active(x->refreshes.items[i].status))
            return &x->refreshes.items[i];
    return NULL;
}

static void refresh_text(const instance_refresh *r, strbuf *sb)
{
    char started[40] = "";
    time_format_iso8601(r->start_time, started, sizeof started);
    sb_printf(sb, "refresh %s is %s (started %s", r->instance_refresh_id ? r->instance_refresh_id : "?",
              r->status ? r->status : "?", started[0] ? started : "?");
    if (r->has_percentage_complete)
        sb_printf(sb, ", %d%% done", r->percentage_complete);
    if (r->status_reason && *r->status_reason)
        sb_printf(sb, "; AWS says: %.300s", r->status_reason);
    sb_append(sb, ")");
}

/* Common checks; false when the plan was refused. */
static bool check_group(build_ctx *x)
{
    plan *p = x->p;
    if (x->groups_failed) {
        char e[700];
        aws_error_format(&x->groups_err, e, sizeof e);
        refuse(p, "cannot read Auto Scaling group %s: %s.", p->target.asg, e);
        return false;
    }
    if (x->groups.n == 0) {
        refuse(p, "no Auto Scaling group named '%s' in %s.", p->target.asg, p->target.region);
        return false;
    }
    if (x->refreshes_failed) {
        char e[700];
        aws_error_format(&x->refreshes_err, e, sizeof e);
        refuse(p, "cannot read the instance refreshes of %s: %s.", p->target.asg, e);
        return false;
    }
    if (x->refreshes.n)
        str_set(&p->latest_refresh_id, x->refreshes.items[0].instance_refresh_id);
    p->has_group_size = true;
    p->group_instances = (int)x->groups.items[0].instances.n;
    return true;
}

static bool check_repo(build_ctx *x)
{
    plan *p = x->p;
    if (!p->target.repository) {
        refuse(p, "app %s has no ECR repository (ecr_repository in the config, or --repo).", p->target.app);
        return false;
    }
    const aws_error *e = x->repos_failed ? &x->repos_err : x->images_failed ? &x->images_err : NULL;
    if ((e && strcmp(e->code, "RepositoryNotFoundException") == 0) || (!e && x->repos.n == 0)) {
        refuse(p, "no ECR repository named '%s' in %s.", p->target.repository, p->target.region);
        return false;
    }
    if (e) {
        char t[700];
        aws_error_format(e, t, sizeof t);
        refuse(p, "cannot read ECR repository %s: %s.", p->target.repository, t);
        return false;
    }
    return true;
}

/* A tag that exists elsewhere must be movable. */
static bool check_mutable(build_ctx *x, const char *tag, const ecr_image_detail *now, const char *new_digest)
{
    plan *p = x->p;
    if (!now || str_eq(now->image_digest, new_digest) || ecr_tag_mutable(&x->repos.items[0], tag))
        return true;
    const char *m = x->repos.items[0].image_tag_mutability;
    const plan_target *t = &p->target;
    char *live = xasprintf("filterType=WILDCARD,filter=%s", t->live_tag);
    char *stable = xasprintf("filterType=WILDCARD,filter=%s", t->stable_tag);
    strbuf fix;
    sb_init(&fix);
    plan_cli_hint(&fix,
                  (const char *const[]){ "aws", "ecr", "put-image-tag-mutability", t->region ? "--region" : NULL,
                                         t->region, "--repository-name", t->repository, "--image-tag-mutability",
                                         "IMMUTABLE_WITH_EXCLUSION", "--image-tag-mutability-exclusion-filters", live,
                                         stable },
                  12);
    refuse(p,
           "repository %s has immutable tags (%s): '%s' cannot be moved. Fix: set imageTagMutability to "
           "IMMUTABLE_WITH_EXCLUSION with exclusion filters matching '%s' and '%s' (%s), or make it MUTABLE.",
           t->repository, m ? m : "?", tag, t->live_tag, t->stable_tag, fix.buf);
    sb_free(&fix);
    free(live);
    free(stable);
    return false;
}

static bool check_no_active(build_ctx *x)
{
    const instance_refresh *a = active_refresh(x);
    if (!a)
        return true;
    strbuf sb;
    sb_init(&sb);
    refresh_text(a, &sb);
    refuse(x->p,
           "InstanceRefreshInProgress: %s on %s. Wait for it (tarmac watch) or cancel it (tarmac cancel) "
           "first.",
           sb.buf, x->p->target.asg);
    sb_free(&sb);
    return false;
}

static void compose_deploy(build_ctx *x)
{
    plan *p = x->p;
    const plan_target *t = &p->target;
    if (!check_group(x) || !check_repo(x) || !check_no_active(x))
        return;
    const ecr_image_detail *src = image_by_tag(&x->images, p->arg_tag);
    const ecr_image_detail *live = image_by_tag(&x->images, t->live_tag);
    const ecr_image_detail *stable = image_by_tag(&x->images, t->stable_tag);
    if (!src) {
        refuse(p, "no image tagged '%s' in repository %s.", p->arg_tag, t->repository);
        return;
    }
    if (live)
        str_set(&p->live_digest, live->image_digest);
    /* The live image is proven good only by a refresh that ended Successful: after
     * a failed, cancelled or rolled back one it may be the bad image, and backing it
     * up would overwrite the last good one. No refresh history: back it up. */
    const instance_refresh *last = x->refreshes.n ? &x->refreshes.items[0] : NULL;
    bool live_proven = !last || str_eq(last->status, "Successful");
    /* Deploying what is live already only replaces the instances: backing live up
     * would overwrite the last known-good image with the same one. */
    bool redeploy = live && str_eq(live->image_digest, src->image_digest);
    if (live && live_proven && !redeploy && !check_mutable(x, t->stable_tag, stable, live->image_digest))
        return;
    if (!check_mutable(x, t->live_tag, live, src->image_digest))
        return;
    if (redeploy) {
        strbuf sb;
        sb_init(&sb);
        if (stable)
            digest_label(x, stable->image_digest, &sb);
        add_note(p,
                 "'%s' already is '%s': '%s' is kept as it is (%s) and the refresh replaces the instances "
                 "with the same image",
                 t->live_tag, p->arg_tag, t->stable_tag, stable ? sb.buf : "no such tag");
        sb_free(&sb);
    } else if (live && live_proven) {
        add_copy(x, t->live_tag, t->stable_tag, live, stable);
    } else if (live) {
        strbuf sb;
        sb_init(&sb);
        if (stable)
            digest_label(x, stable->image_digest, &sb);
        add_note(p,
                 "the group's last refresh (%s) ended %s: '%s' is not proven good, so '%s' is kept as it is "
                 "(%s) instead of backing up '%s'",
                 last->instance_refresh_id ? last->instance_refresh_id : "?", last->status ? last->status : "?",
                 t->live_tag, t->stable_tag, stable ? sb.buf : "no such tag", t->live_tag);
        sb_free(&sb);
    } else {
        add_note(p, "'%s' does not exist yet: there is no live image to keep as '%s'", t->live_tag, t->stable_tag);
    }
    add_copy(x, p->arg_tag, t->live_tag, src, live);
    add_start(p, true, NULL);
}

static bool lt_version_ok(const char *v)
{
    if (!v || !*v || strlen(v) > 18)
        return false;
    for (const char *q = v; *q; q++)
        if (*q < '0' || *q > '9')
            return false;
    return v[0] != '0';
}

static void compose_deploy_lt(build_ctx *x)
{
    plan *p = x->p;
    if (!check_group(x) || !check_no_active(x))
        return;
    const asg_group *g = &x->groups.items[0];
    if (!g->launch_template.launch_template_id && !g->launch_template.launch_template_name) {
        refuse(p,
               "group %s does not use a launch template (a mixed instances policy or a launch "
               "configuration): deploy a version in its own tool.",
               p->target.asg);
        return;
    }
    if (x->lts_failed) {
        char e[700];
        aws_error_format(&x->lts_err, e, sizeof e);
        refuse(p, "cannot read the launch template's versions: %s.", e);
        return;
    }
    long want = strtol(p->arg_lt_version, NULL, 10);
    const lt_version *found = NULL;
    for (size_t i = 0; i < x->lts.n; i++)
        if (x->lts.items[i].version_number == want)
            found = &x->lts.items[i];
    if (!found) {
        refuse(p, "launch template %s has no version %s.",
               g->launch_template.launch_template_name ? g->launch_template.launch_template_name
                                                       : g->launch_template.launch_template_id,
               p->arg_lt_version);
        return;
    }
    if (found->image_id)
        add_note(p, "version %s launches %s%s%s", p->arg_lt_version, found->image_id,
                 found->version_description ? ": " : "", found->version_description ? found->version_description : "");
    if (str_eq(g->launch_template.version, "$Latest") || str_eq(g->launch_template.version, "$Default"))
        add_note(p, "the group uses %s: AWS cannot roll this refresh back with RollbackInstanceRefresh",
                 g->launch_template.version);
    lt_spec d = {
        .launch_template_id =
            found->launch_template_id ? found->launch_template_id : g->launch_template.launch_template_id,
        .launch_template_name = found->launch_template_id ? NULL : g->launch_template.launch_template_name,
        .version = p->arg_lt_version,
    };
    add_start(p, false, &d);
}

/* The active refresh a cancel or rollback acts on: a note, and the summary's facts. */
static void note_running(plan *p, const instance_refresh *a)
{
    strbuf sb;
    sb_init(&sb);
    refresh_text(a, &sb);
    add_note(p, "%s", sb.buf);
    sb_free(&sb);
    str_set(&p->running_refresh, a->instance_refresh_id ? a->instance_refresh_id : "?");
    p->running_percent = a->has_percentage_complete ? a->percentage_complete : -1;
}

static void compose_cancel(build_ctx *x)
{
    plan *p = x->p;
    if (!check_group(x))
        return;
    const instance_refresh *a = active_refresh(x);
    if (!a) {
        refuse(p, "no instance refresh is running on %s: nothing to cancel.", p->target.asg);
        return;
    }
    note_running(p, a);
    if (!str_eq(a->status, "Cancelling"))
        add_simple(p, STEP_CANCEL_REFRESH);
    add_simple(p, STEP_WAIT_REFRESH_END);
    /* What stays behind: no tag moves back, so live keeps naming the new image and
     * every launch after the cancel runs it. Unknown when the images were not read
     * (the cancel does not wait for that). */
    const ecr_image_detail *live = !x->repos_failed && !x->images_failed && p->target.repository
        ? ecr_image_with_tag(&x->images, p->target.live_tag)
        : NULL;
    if (live) {
        str_set(&p->live_digest, live->image_digest);
        const char *commit = ecr_commit_tag(live, p->target.live_tag, p->target.stable_tag);
        char sd[40];
        ecr_short_digest(live->image_digest, sd, sizeof sd);
        str_set(&p->live_label, commit ? commit : sd);
        add_note(p, "%s stays on %s; new launches will run it (roll back to move it)", p->target.live_tag,
                 p->live_label);
    }
}

static void compose_rollback(build_ctx *x)
{
    plan *p = x->p;
    const plan_target *t = &p->target;
    if (!check_group(x))
        return;
    const asg_group *g = &x->groups.items[0];
    const instance_refresh *a = active_refresh(x);
    if (a) {
        note_running(p, a);
        if (str_eq(a->status, "RollbackInProgress")) {
            refuse(p, "refresh %s is already rolling back.", a->instance_refresh_id ? a->instance_refresh_id : "?");
            return;
        }
    }
    bool lt_pinned = !(str_eq(g->launch_template.version, "$Latest") || str_eq(g->launch_template.version, "$Default"));
    if (a && a->has_desired_configuration && lt_pinned && !str_eq(a->status, "Cancelling")) {
        add_simple(p, STEP_ROLLBACK_REFRESH);
        return;
    }
    if (!a && x->refreshes.n && x->refreshes.items[0].has_desired_configuration) {
        /* The last deploy changed the launch template, not a tag: moving tags back
         * would deploy an image nobody asked for. */
        const instance_refresh *last = &x->refreshes.items[0];
        refuse(p,
               "the last refresh (%s, %s) deployed launch template version %s and is no longer running, so "
               "AWS cannot roll it back; deploy the version to return to with tarmac deploy --lt-version N "
               "(the group is on version %s).",
               last->instance_refresh_id ? last->instance_refresh_id : "?", last->status ? last->status : "?",
               last->desired_launch_template.version ? last->desired_launch_template.version : "?",
               g->launch_template.version ? g->launch_template.version : "?");
        return;
    }
    if (!t->repository) {
        refuse(p,
               "the running refresh cannot be rolled back by AWS and app %s has no ECR repository to move "
               "back; deploy the previous launch template version instead (tarmac deploy --lt-version N).",
               t->app);
        return;
    }
    if (!check_repo(x))
        return;
    const ecr_image_detail *live = image_by_tag(&x->images, t->live_tag);
    const ecr_image_detail *stable = image_by_tag(&x->images, t->stable_tag);
    if (!stable) {
        refuse(p, "there is no '%s' tag in repository %s: nothing to roll back to.", t->stable_tag, t->repository);
        return;
    }
    if (live)
        str_set(&p->live_digest, live->image_digest);
    if (!check_mutable(x, t->live_tag, live, stable->image_digest))
        return;
    if (a) {
        if (!str_eq(a->status, "Cancelling"))
            add_simple(p, STEP_CANCEL_REFRESH);
        add_simple(p, STEP_WAIT_REFRESH_END);
    }
    add_copy(x, t->stable_tag, t->live_tag, stable, live);
    add_start(p, true, NULL);
}

static void compose_promote(build_ctx *x)
{
    plan *p = x->p;
    if (!check_repo(x))
        return;
    if (str_eq(p->arg_dst, p->target.live_tag)) {
        /* A refresh running now would launch its next instances from the moved tag:
         * one group, two images, and nobody chose that. */
        if (x->refreshes_failed) {
            char e[700];
            aws_error_format(&x->refreshes_err, e, sizeof e);
            refuse(p, "cannot check the instance refreshes of %s before moving '%s': %s.", p->target.asg,
                   p->target.live_tag, e);
            return;
        }
        const instance_refresh *a = active_refresh(x);
        if (a) {
            strbuf sb;
            sb_init(&sb);
            refresh_text(a, &sb);
            refuse(p,
                   "InstanceRefreshInProgress: %s on %s; moving '%s' now would give the instances it still "
                   "launches a different image. Wait for it (tarmac watch) or cancel it (tarmac cancel), then "
                   "promote again.",
                   sb.buf, p->target.asg, p->target.live_tag);
            sb_free(&sb);
            return;
        }
    }
    const ecr_image_detail *src = image_by_tag(&x->images, p->arg_tag);
    const ecr_image_detail *dst = image_by_tag(&x->images, p->arg_dst);
    if (!src) {
        refuse(p, "no image tagged '%s' in repository %s.", p->arg_tag, p->target.repository);
        return;
    }
    if (!check_mutable(x, p->arg_dst, dst, src->image_digest))
        return;
    add_copy(x, p->arg_tag, p->arg_dst, src, dst);
    if (str_eq(p->arg_dst, p->target.live_tag))
        add_note(p, "no instance refresh: running instances keep their image until they are replaced");
}

static const cw_alarm *alarm_named(const build_ctx *x, const char *name)
{
    for (size_t i = 0; i < x->alarms.n; i++)
        if (str_eq(x->alarms.items[i].alarm_name, name))
            return &x->alarms.items[i];
    return NULL;
}

/* What AWS would refuse StartInstanceRefresh for is refused here, before any tag
 * moves: the preferences the step really sends (refresh_rules), and alarms of its
 * AlarmSpecification that do not exist. A guard alarm (the app's alarms:) that does
 * not exist guards nothing: said, not refused. */
static void check_refresh_steps(build_ctx *x)
{
    plan *p = x->p;
    const asg_group *g = x->groups.n ? &x->groups.items[0] : NULL;
    bool any_start = false;
    for (size_t i = 0; i < p->steps.n && !p->refusal; i++) {
        const plan_step *s = &p->steps.items[i];
        if (s->kind != STEP_START_REFRESH)
            continue;
        any_start = true;
        refresh_rule_ctx ctx = {
            .plan = true,
            .has_desired_configuration = s->has_desired,
            .group_lt_version = g ? g->launch_template.version : NULL,
            .desired_lt_version = s->has_desired ? s->desired.version : NULL,
        };
        refresh_violation v;
        size_t n = refresh_rules_check(&s->prefs, &ctx, &v, 1);
        if (n) {
            refuse(p, "the refresh preferences break %s rule%s: %s%s (apps.%s.refresh.%s in the config). %s",
                   n > 1 ? "several" : "a", n > 1 ? "s, first" : "", v.text,
                   v.aws ? "; StartInstanceRefresh would refuse it after the tags moved" : "", prun_nz(p->target.app),
                   v.key, n > 1 ? "Fix them all." : "Fix it.");
            return;
        }
        if (!s->prefs.has_alarm_specification)
            continue;
        if (x->alarms_failed) {
            char e[700];
            aws_error_format(&x->alarms_err, e, sizeof e);
            add_note(p,
                     "could not check that the refresh's alarms exist (%s); if one does not, AWS refuses "
                     "StartInstanceRefresh and the tags are moved back",
                     e);
            continue;
        }
        for (size_t k = 0; k < s->prefs.alarms.n; k++)
            if (!alarm_named(x, s->prefs.alarms.items[k])) {
                refuse(
                    p,
                    "alarm '%.255s' of the refresh's AlarmSpecification does not exist in %s: "
                    "StartInstanceRefresh would refuse it. Create the alarm or remove it from apps.%s.refresh.alarms.",
                    s->prefs.alarms.items[k], prun_nz(p->target.region), prun_nz(p->target.app));
                return;
            }
    }
    if (!any_start || x->alarms_failed)
        return;
    for (size_t k = 0; k < p->target.alarms.n; k++)
        if (!alarm_named(x, p->target.alarms.items[k]))
            add_note(p,
                     "warning: alarm '%.255s' (apps.%s.alarms) does not exist: it guards nothing during this "
                     "deploy",
                     p->target.alarms.items[k], prun_nz(p->target.app));
}

static void compose(build_ctx *x)
{
    plan *p = x->p;
    if (x->ident.account)
        str_set(&p->target.account, x->ident.account);
    if (!p->refusal) {
        switch (p->action) {
        case PLAN_DEPLOY:
            compose_deploy(x);
            break;
        case PLAN_DEPLOY_LT:
            compose_deploy_lt(x);
            break;
        case PLAN_CANCEL:
            compose_cancel(x);
            break;
        case PLAN_ROLLBACK:
            compose_rollback(x);
            break;
        case PLAN_PROMOTE:
            compose_promote(x);
            break;
        }
    }
    if (!p->refusal)
        check_refresh_steps(x);
    if (!p->refusal)
        plan_group_checks(p, x->groups.n ? &x->groups.items[0] : NULL, &x->refreshes, &x->images);
    if (!p->refusal && p->target.read_only)
        add_note(p, "READ-ONLY: this plan will be refused");
    if (!p->refusal && p->steps.n == 0)
        refuse(p, "nothing to do.");
    /* Refusals and notes quote AWS's answers: never with our own secrets in them. */
    plan_redact(x->c, p->refusal);
    for (size_t i = 0; i < p->notes.n; i++)
        plan_redact(x->c, p->notes.items[i]);
    caller_identity_free(&x->ident);
    MODEL_LIST_FREE(x->groups, asg_group_free);
    MODEL_LIST_FREE(x->refreshes, instance_refresh_free);
    MODEL_LIST_FREE(x->repos, ecr_repository_free);
    MODEL_LIST_FREE(x->images, ecr_image_detail_free);
    MODEL_LIST_FREE(x->lts, lt_version_free);
    MODEL_LIST_FREE(x->alarms, cw_alarm_free);
    plan_built_fn done = x->done;
    void *ud = x->ud;
    free(x);
    done(p, ud);
}

static void one_done(build_ctx *x)
{
    if (join_arrive(&x->join, NULL))
        compose(x);
}

static void keep_err(aws_error *dst, bool *failed, const aws_error *err)
{
    if (err) {
        *dst = *err;
        *failed = true;
    }
}

static void on_ident(aws_client *c, caller_identity *res, const aws_error *err, void *ud)
{
    (void)c;
    (void)err; /* the account is only shown and journaled */
    build_ctx *x = ud;
    if (res)
        x->ident = *res;
    one_done(x);
}

/* An answer the plan only keeps: the list (or the error) goes into the context's
 * field of the same name, and the join counts it. */
#define KEEP_ANSWER(fn, list_type, field)                                                                              \
    static void fn(aws_client *c, list_type *res, const aws_error *err, void *ud)                                      \
    {                                                                                                                  \
        (void)c;                                                                                                       \
        build_ctx *x = ud;                                                                                             \
        x->field = *res;                                                                                               \
        keep_err(&x->field##_err, &x->field##_failed, err);                                                            \
        one_done(x);                                                                                                   \
    }

KEEP_ANSWER(on_lts, lt_version_list, lts)
static void on_groups(aws_client *c, asg_group_list *res, const aws_error *err, void *ud)
{
    build_ctx *x = ud;
    x->groups = *res;
    keep_err(&x->groups_err, &x->groups_failed, err);
    /* Exact name only: a filter must never select some other group. */
    for (size_t i = 0; i < x->groups.n;) {
        if (!str_eq(x->groups.items[i].name, x->p->target.asg)) {
            asg_group_free(&x->groups.items[i]);
            x->groups.items[i] = x->groups.items[--x->groups.n];
        } else {
            i++;
        }
    }
    if (x->need_lt && !err && x->groups.n && !(err && strcmp(err->code, "Cancelled") == 0)) {
        const lt_spec *lt = &x->groups.items[0].launch_template;
        if (lt->launch_template_id || lt->launch_template_name) {
            aws_error e = { 0 };
            join_add(&x->join);
            if (svc_ec2_describe_lt_versions(c, lt->launch_template_id,
                                             lt->launch_template_id ? NULL : lt->launch_template_name, on_lts, x,
                                             &e) != 0) {
                x->lts_err = e;
                x->lts_failed = true;
                join_unsent(&x->join);
            }
        }
    }
    one_done(x);
}

KEEP_ANSWER(on_refreshes, instance_refresh_list, refreshes)
KEEP_ANSWER(on_alarms, cw_alarm_list, alarms)
KEEP_ANSWER(on_repos, ecr_repository_list, repos)
KEEP_ANSWER(on_images, ecr_image_detail_list, images)
static void check_syntax(plan *p)
{
    char why[120];
    const plan_target *t = &p->target;
    const char *tags[] = { t->live_tag, t->stable_tag, p->arg_tag, p->arg_dst };
    const char *names[] = { "live tag", "stable tag", "tag", "destination tag" };
    if (!t->asg || !*t->asg) {
        refuse(p, "no Auto Scaling group: give --app NAME or --asg NAME.");
        return;
    }
    if (strlen(t->asg) > 255) {
        refuse(p, "an Auto Scaling group name has at most 255 characters.");
        return;
    }
    bool uses_repo = p->action == PLAN_DEPLOY || p->action == PLAN_PROMOTE || p->action == PLAN_ROLLBACK;
    if (uses_repo && t->repository && !ecr_repo_name_valid(t->repository)) {
        refuse(p, "'%.256s' is not a valid ECR repository name.", t->repository);
        return;
    }
    if ((p->action == PLAN_DEPLOY || p->action == PLAN_PROMOTE) && !t->repository) {
        refuse(p, "app %s has no ECR repository (ecr_repository in the config, or --repo).", t->app ? t->app : "?");
        return;
    }
    for (size_t i = 0; i < ARRAY_LEN(tags); i++) {
        if (i >= 2 && !tags[i])
            continue;
        if (i < 2 && !uses_repo)
            continue;
        if (!ecr_tag_valid(tags[i], why, sizeof why)) {
            refuse(p, "'%.140s' is not a valid ECR %s: %s.", tags[i] ? tags[i] : "", names[i], why);
            return;
        }
    }
    if (p->action == PLAN_DEPLOY_LT && !lt_version_ok(p->arg_lt_version))
        refuse(p, "'%.40s' is not a launch template version number.", p->arg_lt_version ? p->arg_lt_version : "");
    if (p->action == PLAN_PROMOTE && str_eq(p->arg_tag, p->arg_dst))
        refuse(p, "source and destination are the same tag.");
}

static void copy_target(plan_target *d, const plan_target *s)
{
    memset(d, 0, sizeof *d);
    d->app = xstrdup(s->app);
    d->asg = xstrdup(s->asg);
    d->repository = xstrdup(s->repository);
    d->live_tag = xstrdup(s->live_tag);
    d->stable_tag = xstrdup(s->stable_tag);
    d->region = xstrdup(s->region);
    d->account = xstrdup(s->account);
    d->user = s->user ? xstrdup(s->user) : journal_local_user();
    d->protected_ = s->protected_;
    d->read_only = s->read_only;
    d->auto_rollback = s->auto_rollback;
    refresh_prefs_copy(&d->prefs, &s->prefs);
    d->unhealthy_polls = s->unhealthy_polls;
    d->min_healthy_targets_percent = s->min_healthy_targets_percent;
    for (size_t i = 0; i < s->alarms.n; i++)
        strvec_push(&d->alarms, s->alarms.items[i]);
}

int plan_build(aws_client *c, const plan_target *t, const plan_request *r, plan_built_fn done, void *ud)
{
    plan *p = xcalloc(1, sizeof *p);
    plan_new_id(p);
    p->action = r->action;
    copy_target(&p->target, t);
    p->arg_tag = xstrdup(r->tag);
    p->arg_dst = xstrdup(r->dst_tag);
    p->arg_lt_version = xstrdup(r->lt_version);
    check_syntax(p);
    if (p->refusal) {
        done(p, ud);
        return 0;
    }

    build_ctx *x = xcalloc(1, sizeof *x);
    x->c = c;
    x->p = p;
    x->done = done;
    x->ud = ud;
    x->need_group = r->action != PLAN_PROMOTE;
    /* Promote onto the live tag must know whether a refresh runs. */
    x->need_refreshes = x->need_group || (r->action == PLAN_PROMOTE && str_eq(r->dst_tag, t->live_tag) && t->asg);
    /* A cancel reads the repository only to say what live names (what stays). */
    x->need_repo = r->action == PLAN_DEPLOY || r->action == PLAN_PROMOTE ||
        ((r->action == PLAN_ROLLBACK || r->action == PLAN_CANCEL) && t->repository);
    x->need_lt = r->action == PLAN_DEPLOY_LT;
    /* A plan that may start a refresh checks its alarms exist (metric and composite). */
    x->need_alarms = (r->action == PLAN_DEPLOY || r->action == PLAN_DEPLOY_LT || r->action == PLAN_ROLLBACK) &&
        ((t->prefs.has_alarm_specification && t->prefs.alarms.n) || t->alarms.n);

    /* Hold one count while starting calls so that a synchronous failure cannot
     * compose the plan half-way through. */
    join_begin(&x->join);
    join_add(&x->join);
    aws_error e = { 0 };
    int started = 0;
    join_add(&x->join);
    if (svc_sts_get_caller_identity(c, on_ident, x, &e) == 0)
        started++;
    else
        join_unsent(&x->join);
    if (x->need_group) {
        strvec names = { 0 };
        strvec_push(&names, t->asg);
        join_add(&x->join);
        if (svc_asg_describe_groups(c, &names, on_groups, x, &e) == 0) {
            started++;
        } else {
            join_unsent(&x->join);
            x->groups_err = e;
            x->groups_failed = true;
        }
        strvec_free(&names);
    }
    if (x->need_refreshes) {
        join_add(&x->join);
        if (svc_asg_describe_refreshes(c, t->asg, NULL, 10, on_refreshes, x, &e) == 0) {
            started++;
        } else {
            join_unsent(&x->join);
            x->refreshes_err = e;
            x->refreshes_failed = true;
        }
    }
    if (x->need_repo) {
        strvec names = { 0 };
        strvec_push(&names, t->repository);
        join_add(&x->join);
        if (svc_ecr_describe_repositories(c, &names, on_repos, x, &e) == 0) {
            started++;
        } else {
            join_unsent(&x->join);
            x->repos_err = e;
            x->repos_failed = true;
        }
        strvec_free(&names);
        join_add(&x->join);
        if (svc_ecr_describe_images(c, t->repository, on_images, x, &e) == 0) {
            started++;
        } else {
            join_unsent(&x->join);
            x->images_err = e;
            x->images_failed = true;
        }
    }
    if (x->need_alarms) {
        strvec names = { 0 };
        for (size_t i = 0; t->prefs.has_alarm_specification && i < t->prefs.alarms.n; i++)
            if (!strvec_contains(&names, t->prefs.alarms.items[i]))
                strvec_push(&names, t->prefs.alarms.items[i]);
        for (size_t i = 0; i < t->alarms.n; i++)
            if (!strvec_contains(&names, t->alarms.items[i]))
                strvec_push(&names, t->alarms.items[i]);
        join_add(&x->join);
        if (svc_cw_describe_alarms(c, &names, on_alarms, x, &e) == 0) {
            started++;
        } else {
            join_unsent(&x->join);
            x->alarms_err = e;
            x->alarms_failed = true;
        }
        strvec_free(&names);
    }
    one_done(x);
    return started ? 0 : -1;
}

/* Where a blocking build's plan lands. On the heap: when the waiter gives up, the
 * calls still in flight end later (at the latest when the client is freed) and the
 * plan is dropped then. */
typedef struct build_slot {
    plan *p;
    bool done, abandoned;
} build_slot;

static void wait_built(plan *p, void *ud)
{
    build_slot *b = ud;
    if (b->abandoned) {
        plan_free(p);
        free(b);
        return;
    }
    b->p = p;
    b->done = true;
}

plan *plan_build_wait_stop(aws_client *c, const plan_target *t, const plan_request *r, volatile sig_atomic_t *stop,
                           int sig_fd)
{
    return plan_build_wait_via(plan_build, c, t, r, stop, sig_fd);
}

plan *plan_build_wait_via(plan_builder build, aws_client *c, const plan_target *t, const plan_request *r,
                          volatile sig_atomic_t *stop, int sig_fd)
{
    build_slot *b = xcalloc(1, sizeof *b);
    build(c, t, r, wait_built, b);
    for (int i = 0; !b->done && !(stop && *stop) && i < 100000; i++) {
        struct curl_waitfd wfd = { .fd = sig_fd, .events = CURL_WAIT_POLLIN };
        int n = aws_client_wait(c, sig_fd >= 0 ? &wfd : NULL, sig_fd >= 0 ? 1 : 0, 250);
        if (n > 0 && (wfd.revents & CURL_WAIT_POLLIN)) {
            char buf[64];
            while (read(sig_fd, buf, sizeof buf) > 0) {
            }
        }
        if (stop && *stop)
            break;
        aws_client_run(c);
    }
    if (!b->done) {
        b->abandoned = true;
        return NULL;
    }
    plan *p = b->p;
    free(b);
    return p;
}

plan *plan_build_wait(aws_client *c, const plan_target *t, const plan_request *r)
{
    return plan_build_wait_stop(c, t, r, NULL, -1);
}
