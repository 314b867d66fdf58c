/* plan.c — the plan model (text, JSON for the journal, resume from the journal)
 * and the executor: one step at a time, each between two journal records, with the
 * read-only switch and every precondition checked again right before each change.
 * Building plans from the live state is in plan_build.c. */
#include "plan.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ecr_rules.h"
#include "services.h"

#define PLAN_MAX_STEPS 16

/* ------------------------------------------------------------------ model */

static const char *const action_names[] = { "deploy", "deploy-lt", "rollback", "cancel", "promote" };
static const char *const kind_names[] = { "copy_tag", "start_refresh", "cancel_refresh",
                                          "wait_refresh_end", "rollback_refresh" };
static const char *const state_names[] = { "pending", "running", "done", "skipped", "failed", "not run" };

const char *plan_action_name(plan_action a)
{
    return (size_t)a < ARRAY_LEN(action_names) ? action_names[a] : "?";
}

const char *plan_step_kind_name(plan_step_kind k)
{
    return (size_t)k < ARRAY_LEN(kind_names) ? kind_names[k] : "?";
}

const char *plan_step_state_name(plan_step_state s)
{
    return (size_t)s < ARRAY_LEN(state_names) ? state_names[s] : "?";
}

bool plan_refresh_active(const char *s)
{
    static const char *const active[] = { "Pending", "InProgress", "Cancelling", "RollbackInProgress", "Baking" };
    for (size_t i = 0; s && i < ARRAY_LEN(active); i++)
        if (strcmp(s, active[i]) == 0)
            return true;
    return false;
}

void plan_prefs_copy(refresh_prefs *d, const refresh_prefs *s)
{
    *d = *s;
    memset(&d->checkpoint_percentages, 0, sizeof d->checkpoint_percentages);
    for (size_t i = 0; i < s->checkpoint_percentages.n; i++)
        VEC_PUSH(d->checkpoint_percentages, s->checkpoint_percentages.items[i]);
    d->scale_in_protected_instances = xstrdup(s->scale_in_protected_instances);
    d->standby_instances = xstrdup(s->standby_instances);
    memset(&d->alarms, 0, sizeof d->alarms);
    for (size_t i = 0; i < s->alarms.n; i++)
        strvec_push(&d->alarms, s->alarms.items[i]);
}

void plan_target_init(plan_target *t, const app_config *app, const char *asg, const char *repo,
                      const char *region, bool read_only)
{
    memset(t, 0, sizeof *t);
    t->region = xstrdup(region);
    t->read_only = read_only;
    t->user = journal_local_user();
    t->unhealthy_polls = 3;
    t->min_healthy_targets_percent = 100;
    if (app) {
        t->app = xstrdup(app->name);
        t->asg = xstrdup(asg ? asg : app->asg);
        t->repository = xstrdup(repo ? repo : app->ecr_repository);
        t->live_tag = xstrdup(app->live_tag);
        t->stable_tag = xstrdup(app->stable_tag);
        t->protected_ = app->protected_;
        t->read_only = read_only || app->read_only;
        t->auto_rollback = app->auto_rollback;
        t->unhealthy_polls = app->unhealthy_polls;
        t->min_healthy_targets_percent = app->min_healthy_targets_percent;
        for (size_t i = 0; i < app->alarms.n; i++)
            strvec_push(&t->alarms, app->alarms.items[i]);
        plan_prefs_copy(&t->prefs, &app->refresh);
    } else {
        t->app = xstrdup(asg);
        t->asg = xstrdup(asg);
        t->repository = xstrdup(repo);
    }
    if (!t->live_tag)
        t->live_tag = xstrdup("prod");
    if (!t->stable_tag)
        t->stable_tag = xstrdup("prod-stable");
}

void plan_target_free(plan_target *t)
{
    free(t->app);
    free(t->asg);
    free(t->repository);
    free(t->live_tag);
    free(t->stable_tag);
    free(t->region);
    free(t->account);
    free(t->user);
    refresh_prefs_free(&t->prefs);
    strvec_free(&t->alarms);
    memset(t, 0, sizeof *t);
}

static void step_free(plan_step *s)
{
    free(s->description);
    free(s->cli);
    free(s->src_tag);
    free(s->dst_tag);
    free(s->digest);
    free(s->before_digest);
    free(s->media_type);
    refresh_prefs_free(&s->prefs);
    lt_spec_free(&s->desired);
    free(s->refresh_id);
    free(s->request_id);
    free(s->result);
    free(s->error);
    free(s->error_code);
}

void plan_free(plan *p)
{
    if (!p)
        return;
    plan_target_free(&p->target);
    free(p->arg_tag);
    free(p->arg_dst);
    free(p->arg_lt_version);
    MODEL_LIST_FREE(p->steps, step_free);
    free(p->refusal);
    strvec_free(&p->notes);
    free(p->latest_refresh_id);
    free(p->live_digest);
    free(p);
}

const char *plan_confirm_text(const plan *p)
{
    return p->target.asg ? p->target.asg : "";
}

void plan_format(const plan *p, strbuf *out)
{
    sb_printf(out, "%s plan %s for %s (ASG %s", plan_action_name(p->action), p->id,
              p->target.app ? p->target.app : "-", p->target.asg ? p->target.asg : "-");
    if (p->target.repository)
        sb_printf(out, ", repository %s", p->target.repository);
    sb_printf(out, ", region %s", p->target.region ? p->target.region : "-");
    if (p->target.account)
        sb_printf(out, ", account %s", p->target.account);
    sb_append(out, ")\n");
    for (size_t i = 0; i < p->notes.n; i++)
        sb_printf(out, "  note: %s\n", p->notes.items[i]);
    if (p->refusal) {
        sb_printf(out, "  REFUSED: %s\n", p->refusal);
        return;
    }
    for (size_t i = 0; i < p->steps.n; i++) {
        const plan_step *s = &p->steps.items[i];
        sb_printf(out, "  %zu. [%s] %s\n", i + 1, plan_step_state_name(s->state),
                  s->description ? s->description : plan_step_kind_name(s->kind));
        if (s->cli)
            sb_printf(out, "       $ %s\n", s->cli);
        if (s->result)
            sb_printf(out, "       %s\n", s->result);
        if (s->error)
            sb_printf(out, "       error: %s\n", s->error);
    }
}

/* ------------------------------------------------------------------ JSON */

static void js_add(json_object *o, const char *k, const char *v)
{
    if (v)
        json_object_object_add(o, k, json_object_new_string(v));
}

static const char *js_str(json_object *o, const char *k)
{
    json_object *v;
    if (o && json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return NULL;
}

static bool js_int(json_object *o, const char *k, int *out)
{
    json_object *v;
    if (o && json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_int)) {
        int64_t x = json_object_get_int64(v);
        if (x < -1000000 || x > 1000000)
            return false;
        *out = (int)x;
        return true;
    }
    return false;
}

static bool js_bool(json_object *o, const char *k, bool *out)
{
    json_object *v;
    if (o && json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_boolean)) {
        *out = json_object_get_boolean(v);
        return true;
    }
    return false;
}

json_object *plan_prefs_to_json(const refresh_prefs *p)
{
    json_object *o = json_object_new_object();
    if (p->has_min_healthy_percentage)
        json_object_object_add(o, "MinHealthyPercentage", json_object_new_int(p->min_healthy_percentage));
    if (p->has_max_healthy_percentage)
        json_object_object_add(o, "MaxHealthyPercentage", json_object_new_int(p->max_healthy_percentage));
    if (p->has_instance_warmup)
        json_object_object_add(o, "InstanceWarmup", json_object_new_int(p->instance_warmup));
    if (p->checkpoint_percentages.n) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < p->checkpoint_percentages.n; i++)
            json_object_array_add(a, json_object_new_int(p->checkpoint_percentages.items[i]));
        json_object_object_add(o, "CheckpointPercentages", a);
    }
    if (p->has_checkpoint_delay)
        json_object_object_add(o, "CheckpointDelay", json_object_new_int(p->checkpoint_delay));
    if (p->has_skip_matching)
        json_object_object_add(o, "SkipMatching", json_object_new_boolean(p->skip_matching));
    if (p->has_auto_rollback)
        json_object_object_add(o, "AutoRollback", json_object_new_boolean(p->auto_rollback));
    js_add(o, "ScaleInProtectedInstances", p->scale_in_protected_instances);
    js_add(o, "StandbyInstances", p->standby_instances);
    if (p->has_alarm_specification) {
        json_object *spec = json_object_new_object(), *a = json_object_new_array();
        for (size_t i = 0; i < p->alarms.n; i++)
            json_object_array_add(a, json_object_new_string(p->alarms.items[i]));
        json_object_object_add(spec, "Alarms", a);
        json_object_object_add(o, "AlarmSpecification", spec);
    }
    if (p->has_bake_time)
        json_object_object_add(o, "BakeTime", json_object_new_int(p->bake_time));
    return o;
}

void plan_prefs_from_json(json_object *o, refresh_prefs *p)
{
    memset(p, 0, sizeof *p);
    if (!o || !json_object_is_type(o, json_type_object))
        return;
    p->has_min_healthy_percentage = js_int(o, "MinHealthyPercentage", &p->min_healthy_percentage);
    p->has_max_healthy_percentage = js_int(o, "MaxHealthyPercentage", &p->max_healthy_percentage);
    p->has_instance_warmup = js_int(o, "InstanceWarmup", &p->instance_warmup);
    json_object *a;
    if (json_object_object_get_ex(o, "CheckpointPercentages", &a) && json_object_is_type(a, json_type_array)) {
        size_t n = json_object_array_length(a);
        for (size_t i = 0; i < n && i < 100; i++) {
            json_object *v = json_object_array_get_idx(a, i);
            if (json_object_is_type(v, json_type_int))
                VEC_PUSH(p->checkpoint_percentages, (int)json_object_get_int(v));
        }
    }
    p->has_checkpoint_delay = js_int(o, "CheckpointDelay", &p->checkpoint_delay);
    p->has_skip_matching = js_bool(o, "SkipMatching", &p->skip_matching);
    p->has_auto_rollback = js_bool(o, "AutoRollback", &p->auto_rollback);
    p->scale_in_protected_instances = xstrdup(js_str(o, "ScaleInProtectedInstances"));
    p->standby_instances = xstrdup(js_str(o, "StandbyInstances"));
    json_object *spec;
    if (json_object_object_get_ex(o, "AlarmSpecification", &spec) &&
        json_object_object_get_ex(spec, "Alarms", &a) && json_object_is_type(a, json_type_array)) {
        p->has_alarm_specification = true;
        size_t n = json_object_array_length(a);
        for (size_t i = 0; i < n && i < 10; i++) {
            json_object *v = json_object_array_get_idx(a, i);
            if (json_object_is_type(v, json_type_string))
                strvec_push(&p->alarms, json_object_get_string(v));
        }
    }
    p->has_bake_time = js_int(o, "BakeTime", &p->bake_time);
}

json_object *plan_to_json(const plan *p)
{
    json_object *o = json_object_new_object();
    const plan_target *t = &p->target;
    js_add(o, "id", p->id);
    js_add(o, "action", plan_action_name(p->action));
    js_add(o, "app", t->app);
    js_add(o, "asg", t->asg);
    js_add(o, "repository", t->repository);
    js_add(o, "live_tag", t->live_tag);
    js_add(o, "stable_tag", t->stable_tag);
    js_add(o, "region", t->region);
    js_add(o, "account", t->account);
    json_object_object_add(o, "protected", json_object_new_boolean(t->protected_));
    json_object_object_add(o, "auto_rollback", json_object_new_boolean(t->auto_rollback));
    json_object_object_add(o, "unhealthy_polls", json_object_new_int(t->unhealthy_polls));
    json_object_object_add(o, "min_healthy_targets_percent", json_object_new_int(t->min_healthy_targets_percent));
    js_add(o, "arg_tag", p->arg_tag);
    js_add(o, "arg_dst", p->arg_dst);
    js_add(o, "arg_lt_version", p->arg_lt_version);
    js_add(o, "latest_refresh_id", p->latest_refresh_id);
    js_add(o, "live_digest", p->live_digest);
    json_object *steps = json_object_new_array();
    for (size_t i = 0; i < p->steps.n; i++) {
        const plan_step *s = &p->steps.items[i];
        json_object *so = json_object_new_object();
        js_add(so, "kind", plan_step_kind_name(s->kind));
        js_add(so, "state", plan_step_state_name(s->state));
        js_add(so, "description", s->description);
        js_add(so, "cli", s->cli);
        js_add(so, "src_tag", s->src_tag);
        js_add(so, "dst_tag", s->dst_tag);
        js_add(so, "digest", s->digest);
        js_add(so, "before_digest", s->before_digest);
        js_add(so, "media_type", s->media_type);
        if (s->kind == STEP_START_REFRESH)
            json_object_object_add(so, "preferences", plan_prefs_to_json(&s->prefs));
        if (s->has_desired) {
            json_object *d = json_object_new_object();
            js_add(d, "LaunchTemplateId", s->desired.launch_template_id);
            js_add(d, "LaunchTemplateName", s->desired.launch_template_name);
            js_add(d, "Version", s->desired.version);
            json_object_object_add(so, "desired_launch_template", d);
        }
        json_object_array_add(steps, so);
    }
    json_object_object_add(o, "steps", steps);
    return o;
}

static int lookup(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(names[i], s) == 0)
            return (int)i;
    return -1;
}

plan *plan_from_json(json_object *o, strbuf *err)
{
    const char *id = js_str(o, "id");
    int action = lookup(action_names, ARRAY_LEN(action_names), js_str(o, "action"));
    json_object *steps;
    if (!id || action < 0 || !json_object_object_get_ex(o, "steps", &steps) ||
        !json_object_is_type(steps, json_type_array) || json_object_array_length(steps) > PLAN_MAX_STEPS) {
        sb_append(err, "the journal's plan record is incomplete");
        return NULL;
    }
    plan *p = xcalloc(1, sizeof *p);
    str_copy(p->id, sizeof p->id, id);
    p->action = (plan_action)action;
    plan_target *t = &p->target;
    t->app = xstrdup(js_str(o, "app"));
    t->asg = xstrdup(js_str(o, "asg"));
    t->repository = xstrdup(js_str(o, "repository"));
    t->live_tag = xstrdup(js_str(o, "live_tag"));
    t->stable_tag = xstrdup(js_str(o, "stable_tag"));
    t->region = xstrdup(js_str(o, "region"));
    t->account = xstrdup(js_str(o, "account"));
    t->user = journal_local_user();
    js_bool(o, "protected", &t->protected_);
    js_bool(o, "auto_rollback", &t->auto_rollback);
    t->unhealthy_polls = 3;
    t->min_healthy_targets_percent = 100;
    js_int(o, "unhealthy_polls", &t->unhealthy_polls);
    js_int(o, "min_healthy_targets_percent", &t->min_healthy_targets_percent);
    p->arg_tag = xstrdup(js_str(o, "arg_tag"));
    p->arg_dst = xstrdup(js_str(o, "arg_dst"));
    p->arg_lt_version = xstrdup(js_str(o, "arg_lt_version"));
    p->latest_refresh_id = xstrdup(js_str(o, "latest_refresh_id"));
    p->live_digest = xstrdup(js_str(o, "live_digest"));
    size_t n = json_object_array_length(steps);
    for (size_t i = 0; i < n; i++) {
        json_object *so = json_object_array_get_idx(steps, i);
        int kind = lookup(kind_names, ARRAY_LEN(kind_names), js_str(so, "kind"));
        if (kind < 0) {
            sb_printf(err, "the journal's plan has an unknown step %zu", i + 1);
            plan_free(p);
            return NULL;
        }
        plan_step *s = VEC_NEW(p->steps);
        s->kind = (plan_step_kind)kind;
        int st = lookup(state_names, ARRAY_LEN(state_names), js_str(so, "state"));
        s->state = st == STEP_SKIPPED ? STEP_SKIPPED : STEP_PENDING;
        s->description = xstrdup(js_str(so, "description"));
        s->cli = xstrdup(js_str(so, "cli"));
        s->src_tag = xstrdup(js_str(so, "src_tag"));
        s->dst_tag = xstrdup(js_str(so, "dst_tag"));
        s->digest = xstrdup(js_str(so, "digest"));
        s->before_digest = xstrdup(js_str(so, "before_digest"));
        s->media_type = xstrdup(js_str(so, "media_type"));
        json_object *v;
        if (json_object_object_get_ex(so, "preferences", &v))
            plan_prefs_from_json(v, &s->prefs);
        if (json_object_object_get_ex(so, "desired_launch_template", &v)) {
            s->has_desired = true;
            s->desired.launch_template_id = xstrdup(js_str(v, "LaunchTemplateId"));
            s->desired.launch_template_name = xstrdup(js_str(v, "LaunchTemplateName"));
            s->desired.version = xstrdup(js_str(v, "Version"));
        }
        if (s->kind == STEP_COPY_TAG && (!s->dst_tag || !s->digest || !t->repository)) {
            sb_printf(err, "the journal's plan step %zu has no tag or digest", i + 1);
            plan_free(p);
            return NULL;
        }
    }
    if (!t->asg || !t->live_tag || !t->stable_tag) {
        sb_append(err, "the journal's plan names no Auto Scaling group");
        plan_free(p);
        return NULL;
    }
    return p;
}

plan *plan_from_journal(const journal_unfinished *u, strbuf *err)
{
    json_object *po;
    if (!u->start || !json_object_object_get_ex(u->start, "plan", &po)) {
        sb_append(err, "the journal's plan_start record holds no plan");
        return NULL;
    }
    plan *p = plan_from_json(po, err);
    if (!p)
        return NULL;
    p->resumed = true;
    const char *acct = js_str(u->start, "account");
    if (acct && !p->target.account)
        p->target.account = xstrdup(acct);
    for (size_t i = 0; i < p->steps.n && i < u->step_state.n; i++) {
        plan_step *s = &p->steps.items[i];
        const char *st = u->step_state.items[i];
        if (strcmp(st, "ok") == 0) {
            s->state = STEP_DONE;
        } else if (strcmp(st, "skipped") == 0) {
            s->state = STEP_SKIPPED;
        } else if (*st) {
            /* started (or failed/unknown/stopped): run it again; the step itself
             * finds out whether its change already happened. A refused step never
             * sent anything. */
            s->state = STEP_PENDING;
            s->was_started = strcmp(st, "refused") != 0;
            str_set(&s->result, strcmp(st, "started") == 0 ? "interrupted: checked again" : NULL);
        }
        if (u->step_refresh_id.items[i][0])
            str_set(&s->refresh_id, u->step_refresh_id.items[i]);
    }
    /* The newest refresh seen right before a StartInstanceRefresh was sent: any
     * newer one is that call's. */
    if (u->latest_refresh_id && *u->latest_refresh_id)
        str_set(&p->latest_refresh_id, u->latest_refresh_id);
    return p;
}

int plan_abandon(journal *j, const journal_unfinished *u, strbuf *err)
{
    char *user = journal_local_user();
    journal_record r = {
        .event = "plan_end", .plan_id = u->plan_id, .action = u->action, .app = u->app,
        .user = user, .outcome = "abandoned",
        .description = "abandoned by the operator; tags and refreshes left as they are",
    };
    int rc = journal_append(j, &r, err);
    free(user);
    return rc;
}

/* ------------------------------------------------------------------ executor */

enum {
    PH_IDLE,
    PH_PRECHECK,
    PH_COPY_READ_DST, PH_COPY_READ_SRC, PH_COPY_PUT, PH_COPY_VERIFY,
    PH_START_DESCRIBE, PH_START_CALL, PH_START_CONFIRM, PH_START_WHO,
    PH_CANCEL_CALL,
    PH_ROLLBACK_CALL,
    PH_ID_VERIFY,
    PH_WAIT_DESCRIBE, PH_WAIT_SLEEP,
};

struct plan_run {
    aws_client *c;
    plan *p;
    journal *j;
    plan_run_hooks h;
    size_t idx;
    int phase;
    bool precheck_needed;    /* no other refresh runs before tags move (deploy, rollback's retag,
                                promote onto the live tag) */
    bool precheck_tags;      /* every tag to move is still where the plan saw it */
    bool changed;            /* some mutating step succeeded */
    bool uncertain;          /* a mutating call's outcome is unknown */
    bool prior_changes;      /* resumed: an earlier run changed (or may have changed) something */
    bool stop;
    bool done;
    bool in_flight;
    bool client_gone;
    plan_outcome outcome;
    strbuf msg;
    strbuf jerr;             /* the first journal write that failed */
    int64_t due_mono;        /* PH_WAIT_SLEEP: next poll */
    int64_t wait_deadline;
    ecr_image manifest;      /* PH_COPY_*: the source manifest */
};

static void advance(plan_run *r);

static void manifest_clear(plan_run *r)
{
    ecr_image_free(&r->manifest);
    memset(&r->manifest, 0, sizeof r->manifest);
}

static plan_step *cur(plan_run *r)
{
    return &r->p->steps.items[r->idx];
}

static bool step_mutates(plan_step_kind k)
{
    return k != STEP_WAIT_REFRESH_END;
}

/* The stop flag a signal handler sets, seen at every boundary. */
static bool stop_requested(plan_run *r)
{
    if (!r->stop && r->h.stop && *r->h.stop)
        r->stop = true;
    return r->stop;
}

static const char *nz(const char *s)
{
    return s ? s : "?";
}

void plan_redact(const aws_client *c, char *text)
{
    const aws_credentials *cr = c ? aws_client_credentials(c) : NULL;
    if (!cr || !text)
        return;
    const char *secrets[] = { cr->session_token, cr->secret_access_key };
    static const char mark[] = "[redacted]";
    for (size_t i = 0; i < ARRAY_LEN(secrets); i++) {
        const char *sec = secrets[i];
        size_t n = sec ? strlen(sec) : 0;
        if (n < sizeof mark)      /* too short to be one; and the text only shrinks */
            continue;
        char *q;
        while ((q = strstr(text, sec)) != NULL) {
            memcpy(q, mark, sizeof mark - 1);
            memmove(q + sizeof mark - 1, q + n, strlen(q + n) + 1);
        }
    }
}

static void scrub(const plan_run *r, strbuf *sb)
{
    if (!sb->buf)
        return;
    plan_redact(r->c, sb->buf);
    sb->len = strlen(sb->buf);
}

static void set_scrubbed(plan_run *r, char **dst, const char *text)
{
    strbuf sb;
    sb_init(&sb);
    sb_append(&sb, text ? text : "");
    scrub(r, &sb);
    str_set(dst, text ? sb.buf : NULL);
    sb_free(&sb);
}

/* Keeps the first journal failure: reported at the end whatever the outcome. */
static void journal_failed(plan_run *r, const char *why)
{
    if (!r->jerr.len)
        sb_append(&r->jerr, why);
}

/* 0, or -1 after noting the failure. */
static int journal_step(plan_run *r, const char *event, const char *outcome, const char *error)
{
    const plan *p = r->p;
    const plan_step *s = cur(r);
    bool start_rec = strcmp(event, "step_start") == 0;
    journal_record rec = {
        .event = event, .plan_id = p->id, .action = plan_action_name(p->action),
        .user = p->target.user, .account = p->target.account, .region = p->target.region,
        .app = p->target.app, .asg = p->target.asg, .repository = p->target.repository,
        .step = (int)r->idx + 1, .step_kind = plan_step_kind_name(s->kind),
        .description = s->description,
        .before_digest = s->kind == STEP_COPY_TAG ? s->before_digest : NULL,
        .after_digest = s->kind == STEP_COPY_TAG ? s->digest : NULL,
        .refresh_id = s->refresh_id, .request_id = s->request_id,
        .outcome = outcome, .error = error, .cli = s->cli,
        .latest_refresh_id = start_rec && s->kind == STEP_START_REFRESH ? p->latest_refresh_id : NULL,
    };
    strbuf e;
    sb_init(&e);
    int rc = journal_append(r->j, &rec, &e);
    if (rc != 0)
        journal_failed(r, e.buf);
    sb_free(&e);
    return rc;
}

static int journal_plan(plan_run *r, const char *event, const char *outcome, const char *error,
                        json_object *plan_json)
{
    const plan *p = r->p;
    journal_record rec = {
        .event = event, .plan_id = p->id, .action = plan_action_name(p->action),
        .user = p->target.user, .account = p->target.account, .region = p->target.region,
        .app = p->target.app, .asg = p->target.asg, .repository = p->target.repository,
        .steps = (int)p->steps.n, .outcome = outcome, .error = error, .plan = plan_json,
    };
    strbuf e;
    sb_init(&e);
    int rc = journal_append(r->j, &rec, &e);
    if (rc != 0) {
        journal_failed(r, e.buf);
        sb_printf(&r->msg, "%s%s", r->msg.len ? "; " : "", e.buf);
    }
    sb_free(&e);
    return rc;
}

static void notify_step(plan_run *r)
{
    if (r->h.step_changed)
        r->h.step_changed(r, r->idx, r->h.ud);
}

static void finish(plan_run *r, plan_outcome o)
{
    if (r->done)
        return;
    r->done = true;
    r->phase = PH_IDLE;
    for (size_t i = 0; i < r->p->steps.n; i++)
        if (r->p->steps.items[i].state == STEP_PENDING || r->p->steps.items[i].state == STEP_RUNNING)
            r->p->steps.items[i].state = STEP_NOT_RUN;
    const char *out = o == PLAN_OK ? "ok" : o == PLAN_REFUSED ? "refused" : o == PLAN_STOPPED ? "stopped" : "failed";
    /* A plan that did not end well and changed something (in this run or an earlier
     * one), or may have, stays unfinished in the journal: the next start offers to
     * resume or abandon it. */
    bool keep_open = o != PLAN_OK && (r->changed || r->uncertain || r->prior_changes);
    scrub(r, &r->msg);
    journal_plan(r, keep_open ? "plan_interrupted" : "plan_end", out, r->msg.len ? r->msg.buf : NULL, NULL);
    r->p->left_open = keep_open;
    if (r->jerr.len) {
        /* The steps' outcome stands in the journal only partly: never call that a success. */
        if (o == PLAN_OK) {
            o = PLAN_FAILED;
            sb_reset(&r->msg);
            sb_printf(&r->msg, "every step is done, but the journal could not be written: %s", r->jerr.buf);
        } else if (!strstr(r->msg.buf ? r->msg.buf : "", r->jerr.buf)) {
            sb_printf(&r->msg, "%sthe journal could not be written: %s", r->msg.len ? "; " : "", r->jerr.buf);
        }
    }
    r->outcome = o;
    manifest_clear(r);
    if (r->h.finished)
        r->h.finished(r, r->h.ud);
}

/* The current step ended badly: record it (journal outcome jout) and end the plan. */
static void step_end_bad(plan_run *r, const char *code, plan_outcome o, const char *jout, const char *fmt,
                         va_list ap)
{
    plan_step *s = cur(r);
    strbuf sb;
    sb_init(&sb);
    sb_vprintf(&sb, fmt, ap);
    scrub(r, &sb);
    s->state = o == PLAN_STOPPED ? STEP_PENDING : STEP_FAILED;   /* a stopped step is simply not run */
    str_set(&s->error_code, code);
    str_set(&s->error, sb.buf);
    sb_reset(&r->msg);
    sb_printf(&r->msg, "step %zu (%s): %s", r->idx + 1, plan_step_kind_name(s->kind), sb.buf);
    sb_free(&sb);
    journal_step(r, "step_end", jout, s->error);
    notify_step(r);
    /* Nothing changed yet: the whole plan was refused, not half-done. */
    finish(r, o == PLAN_STOPPED ? PLAN_STOPPED : (r->changed || r->uncertain) ? PLAN_FAILED : o);
}

static void step_fail(plan_run *r, const char *code, plan_outcome o, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void step_fail(plan_run *r, const char *code, plan_outcome o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    step_end_bad(r, code, o, o == PLAN_REFUSED ? "refused" : o == PLAN_STOPPED ? "stopped" : "failed", fmt, ap);
    va_end(ap);
}

/* A mutating call whose outcome nobody knows: the plan ends FAILED and stays open. */
static void step_unknown(plan_run *r, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void step_unknown(plan_run *r, const char *code, const char *fmt, ...)
{
    r->uncertain = true;
    va_list ap;
    va_start(ap, fmt);
    step_end_bad(r, code, PLAN_FAILED, "unknown", fmt, ap);
    va_end(ap);
}

static void step_ok(plan_run *r, plan_step_state st, const char *result)
{
    plan_step *s = cur(r);
    s->state = st;
    if (result)
        set_scrubbed(r, &s->result, result);
    str_set(&s->error, NULL);
    str_set(&s->error_code, NULL);
    if (st == STEP_DONE && step_mutates(s->kind))
        r->changed = true;
    journal_step(r, "step_end", st == STEP_SKIPPED ? "skipped" : "ok", NULL);
    notify_step(r);
    r->idx++;
    advance(r);
}

/* Journals the current step's start; false (the plan ended) when it cannot be
 * written: no change without a record before it. */
static bool step_begin(plan_run *r)
{
    if (journal_step(r, "step_start", NULL, NULL) == 0)
        return true;
    plan_step *s = cur(r);
    s->state = STEP_FAILED;
    str_set(&s->error, "the journal cannot be written: step not run");
    sb_reset(&r->msg);
    sb_printf(&r->msg, "%s", r->jerr.buf);
    notify_step(r);
    finish(r, (r->changed || r->uncertain) ? PLAN_FAILED : PLAN_REFUSED);
    return false;
}

static void last_request_id(plan_run *r, const char *operation)
{
    const aws_call_record *log;
    size_t n = aws_client_call_log(r->c, &log);
    for (size_t i = n; i-- > 0;)
        if (strcmp(log[i].operation, operation) == 0) {
            if (log[i].request_id[0])
                str_set(&cur(r)->request_id, log[i].request_id);
            return;
        }
}

/* Handles the client going away under us (aws_client_free): no new calls. */
static bool gone(plan_run *r, const aws_error *err)
{
    r->in_flight = false;
    if (err && strcmp(err->code, "Cancelled") == 0) {
        r->client_gone = true;
        plan_step *s = cur(r);
        s->state = STEP_FAILED;
        str_set(&s->error, "cancelled: the client was closed");
        sb_reset(&r->msg);
        sb_append(&r->msg, "cancelled: the client was closed");
        finish(r, (r->changed || r->uncertain) ? PLAN_STOPPED : PLAN_REFUSED);
        return true;
    }
    return false;
}

static void err_text(const aws_error *err, char *buf, size_t len)
{
    aws_error_format(err, buf, len);
}

/* A call that could not even be sent (no request left the process): the step fails
 * plainly; nothing on AWS's side can have changed. */
static void call_not_started(plan_run *r, const aws_error *e)
{
    r->in_flight = false;
    char t[700];
    err_text(e, t, sizeof t);
    step_fail(r, e->code, PLAN_FAILED, "%s", t);
}

/* A well-formed AWS error answer (a 4xx with its code) says the call was refused
 * and nothing happened. Anything else — no answer, a timeout, a cut or unparseable
 * answer, a 5xx — leaves a mutating call's outcome unknown: it may have happened. */
static bool outcome_unknown(const aws_error *err)
{
    if (err->transport || err->http_status < 400 || err->http_status >= 500 || err->http_status == 408)
        return true;
    return !err->code[0] || strcmp(err->code, "MalformedResponse") == 0 || strcmp(err->code, "Timeout") == 0 ||
           strcmp(err->code, "NetworkError") == 0;
}

/* "refresh 0f2e... (InProgress, 40%, started 2026-..., reason: ...)" */
static void describe_refresh(const instance_refresh *x, strbuf *sb)
{
    char started[40] = "";
    time_format_iso8601(x->start_time, started, sizeof started);
    sb_printf(sb, "refresh %s (%s", nz(x->instance_refresh_id), nz(x->status));
    if (x->has_percentage_complete)
        sb_printf(sb, ", %d%% done", x->percentage_complete);
    sb_printf(sb, ", started %s", started[0] ? started : "at an unknown time");
    if (x->status_reason && *x->status_reason)
        sb_printf(sb, ", AWS says: %.300s", x->status_reason);
    if (x->has_desired_configuration && x->desired_launch_template.version)
        sb_printf(sb, ", to launch template version %s", x->desired_launch_template.version);
    sb_append(sb, ")");
}

static const instance_refresh *first_active(const instance_refresh_list *l)
{
    for (size_t i = 0; l && i < l->n; i++)
        if (plan_refresh_active(l->items[i].status))
            return &l->items[i];
    return NULL;
}

/* Newest refresh first: is there one we did not know before? */
static const instance_refresh *new_refresh(const plan *p, const instance_refresh_list *l)
{
    if (!l || l->n == 0 || !l->items[0].instance_refresh_id)
        return NULL;
    const instance_refresh *newest = &l->items[0];
    if (p->latest_refresh_id && str_eq(newest->instance_refresh_id, p->latest_refresh_id))
        return NULL;
    return newest;
}

/* A refresh one of this plan's own steps started or acted on. */
static bool plan_owns_refresh(const plan *p, const char *id)
{
    for (size_t i = 0; id && i < p->steps.n; i++)
        if (str_eq(p->steps.items[i].refresh_id, id))
            return true;
    return false;
}

/* ---- precheck: an active refresh refuses the plan before any tag moves ---- */

static void precheck_done(aws_client *c, instance_refresh_list *res, const aws_error *err, void *ud)
{
    (void)c;
    plan_run *r = ud;
    if (gone(r, err)) {
        MODEL_LIST_FREE(*res, instance_refresh_free);
        return;
    }
    const instance_refresh *a = NULL;
    for (size_t i = 0; !err && i < res->n && !a; i++)
        if (plan_refresh_active(res->items[i].status) && !plan_owns_refresh(r->p, res->items[i].instance_refresh_id))
            a = &res->items[i];
    if (err) {
        char e[700];
        err_text(err, e, sizeof e);
        sb_reset(&r->msg);
        sb_printf(&r->msg, "cannot check for a running instance refresh: %s", e);
        finish(r, PLAN_REFUSED);
    } else if (a) {
        sb_reset(&r->msg);
        sb_append(&r->msg, "InstanceRefreshInProgress: another ");
        describe_refresh(a, &r->msg);
        sb_printf(&r->msg, " is running on %s; nothing was changed. Wait for it (tarmac watch) or cancel it "
                  "(tarmac cancel), then %s.", nz(r->p->target.asg), r->p->resumed ? "resume" : "plan again");
        finish(r, PLAN_REFUSED);
    } else {
        r->precheck_needed = false;
        if (res->n && !r->p->resumed)
            str_set(&r->p->latest_refresh_id, res->items[0].instance_refresh_id);
        advance(r);
    }
    MODEL_LIST_FREE(*res, instance_refresh_free);
}

/* ---- precheck: the tags the plan moves have not moved since it was made ---- */

static void tags_checked(aws_client *c, ecr_batch_get_result *res, const aws_error *err, void *ud)
{
    (void)c;
    plan_run *r = ud;
    if (gone(r, err)) {
        ecr_batch_get_result_free(res);
        return;
    }
    if (err) {
        char e[700];
        err_text(err, e, sizeof e);
        sb_reset(&r->msg);
        sb_printf(&r->msg, "cannot check the tags before moving them: %s", e);
        finish(r, PLAN_REFUSED);
        ecr_batch_get_result_free(res);
        return;
    }
    for (size_t i = 0; i < r->p->steps.n; i++) {
        const plan_step *s = &r->p->steps.items[i];
        if (s->kind != STEP_COPY_TAG || s->state != STEP_PENDING)
            continue;
        const char *now = NULL;
        for (size_t k = 0; k < res->images.n; k++)
            if (str_eq(res->images.items[k].image_tag, s->dst_tag))
                now = res->images.items[k].image_digest;
        if (!str_eq(now, s->before_digest) && !str_eq(now, s->digest)) {
            sb_reset(&r->msg);
            sb_printf(&r->msg, "%s moved since the plan was made (now %s, planned from %s): someone else "
                      "changed it; nothing %s changed: %s", nz(s->dst_tag), now ? now : "absent",
                      s->before_digest ? s->before_digest : "absent", r->p->resumed ? "more was" : "was",
                      r->p->resumed ? "abandon this plan and plan again" : "plan again");
            finish(r, PLAN_REFUSED);
            ecr_batch_get_result_free(res);
            return;
        }
    }
    r->precheck_tags = false;
    ecr_batch_get_result_free(res);
    advance(r);
}

static bool start_tag_check(plan_run *r)
{
    ecr_image_id ids[PLAN_MAX_STEPS];
    size_t n = 0;
    for (size_t i = 0; i < r->p->steps.n && n < ARRAY_LEN(ids); i++) {
        const plan_step *s = &r->p->steps.items[i];
        if (s->kind == STEP_COPY_TAG && s->state == STEP_PENDING)
            ids[n++] = (ecr_image_id){ .image_tag = s->dst_tag };
    }
    r->precheck_tags = false;
    if (n == 0)
        return false;
    aws_error e = { 0 };
    r->phase = PH_PRECHECK;
    r->in_flight = true;
    if (svc_ecr_batch_get_image(r->c, r->p->target.repository, ids, n, NULL, tags_checked, r, &e) != 0) {
        r->in_flight = false;
        char t[700];
        err_text(&e, t, sizeof t);
        sb_reset(&r->msg);
        sb_append(&r->msg, t);
        finish(r, PLAN_REFUSED);
    }
    return true;
}

/* ---- copy a tag ---- */

/* After a PutImage without a usable answer: is the tag where we wanted it? */
static void copy_verify_done(aws_client *c, ecr_batch_get_result *res, const aws_error *err, void *ud)
{
    (void)c;
    plan_run *r = ud;
    if (gone(r, err)) {
        ecr_batch_get_result_free(res);
        return;
    }
    plan_step *s = cur(r);
    const char *now = NULL;
    for (size_t i = 0; !err && i < res->images.n; i++)
        if (str_eq(res->images.items[i].image_tag, s->dst_tag))
            now = res->images.items[i].image_digest;
    char *lost = xstrdup(s->error);
    if (!err && str_eq(now, s->digest)) {
        char note[1000];
        snprintf(note, sizeof note, "PutImage's answer was lost (%.500s); BatchGetImage shows %.300s at the "
                 "digest: done", nz(lost), nz(s->dst_tag));
        step_ok(r, STEP_DONE, note);
    } else {
        char e[700] = "";
        if (err)
            err_text(err, e, sizeof e);
        step_unknown(r, s->error_code ? s->error_code : "Unknown",
                     "PutImage got no usable answer (%s) and %s%s; %s may still move. The plan stays open: check "
                     "the tag, then resume or abandon it",
                     nz(lost), err ? "the check failed: " : "BatchGetImage shows the tag elsewhere",
                     err ? e : "", nz(s->dst_tag));
    }
    free(lost);
    ecr_batch_get_result_free(res);
}

static void copy_verify(plan_run *r)
{
    plan_step *s = cur(r);
    ecr_image_id id = { .image_tag = s->dst_tag };
    aws_error e = { 0 };
    r->phase = PH_COPY_VERIFY;
    r->in_flight = true;
    if (svc_ecr_batch_get_image(r->c, r->p->target.repository, &id, 1, NULL, copy_verify_done, r, &e) != 0) {
        r->in_flight = false;
        char t[700];
        err_text(&e, t, sizeof t);
        step_unknown(r, e.code, "PutImage got no usable answer (%s) and the check could not start: %s; the "
                     "plan stays open", nz(s->error), t);
    }
}

static void copy_put_done(aws_client *c, ecr_image *res, const aws_error *err, void *ud)
{
    (void)c;
    plan_run *r = ud;
    if (res)
        ecr_image_free(res);
    if (gone(r, err))
        return;
    plan_step *s = cur(r);
    last_request_id(r, "PutImage");
    if (!err) {
        step_ok(r, STEP_DONE, NULL);
    } else if (strcmp(err->code, "ImageAlreadyExistsException") == 0) {
        step_ok(r, STEP_DONE, "already there (ImageAlreadyExistsException for the same digest)");
    } else if (strcmp(err->code, "ImageTagAlreadyExistsException") == 0) {
        step_fail(r, err->code, PLAN_FAILED,
                  "repository %s has immutable tags: %s cannot be moved. Fix: set imageTagMutability to "
                  "IMMUTABLE_WITH_EXCLUSION with exclusion filters for '%s' and '%s', or MUTABLE",
                  nz(r->p->target.repository), nz(s->dst_tag), nz(r->p->target.live_tag),
                  nz(r->p->target.stable_tag));
    } else if (outcome_unknown(err)) {
        /* The tag may have moved: look before saying anything. */
        char e[700];
        err_text(err, e, sizeof e);
        str_set(&s->error_code, err->code);
        set_scrubbed(r, &s->error, e);
        copy_verify(r);
    } else {
        char e[700];
        err_text(err, e, sizeof e);
        step_fail(r, err->code, PLAN_FAILED, "%s", e);
    }
}

static void copy_src_done(aws_client *c, ecr_batch_get_result *res, const aws_error *err, void *ud)
{
    plan_run *r = ud;
    if (gone(r, err)) {
        ecr_batch_get_result_free(res);
        return;
    }
    plan_step *s = cur(r);
    if (err) {
        char e[700];
        err_text(err, e, sizeof e);
        step_fail(r, err->code, PLAN_FAILED, "%s", e);
    } else if (res->images.n == 0 || !res->images.items[0].image_manifest ||
               !str_eq(res->images.items[0].image_digest, s->digest)) {
        step_fail(r, "ImageNotFoundException", PLAN_FAILED, "image %s is no longer in repository %s",
                  nz(s->digest), nz(r->p->target.repository));
    } else if (r->p->target.read_only) {
        step_fail(r, "ReadOnly", PLAN_REFUSED, "read-only: PutImage refused");
    } else if (stop_requested(r)) {
        step_fail(r, "Stopped", PLAN_STOPPED, "stopped by a signal before PutImage");
    } else {
        manifest_clear(r);
        r->manifest = res->images.items[0];
        memset(&res->images.items[0], 0, sizeof res->images.items[0]);
        aws_error e = { 0 };
        r->phase = PH_COPY_PUT;
        r->in_flight = true;
        if (svc_ecr_put_image(c, r->p->target.repository, r->manifest.image_manifest, r->manifest.image_manifest_len,
                              r->manifest.image_manifest_media_type, s->dst_tag, s->digest, copy_put_done, r,
                              &e) != 0) {
            r->in_flight = false;
            char t[700];
            err_text(&e, t, sizeof t);
            step_fail(r, e.code, PLAN_FAILED, "%s", t);
        }
    }
    ecr_batch_get_result_free(res);
}

static void copy_dst_done(aws_client *c, ecr_batch_get_result *res, const aws_error *err, void *ud)
{
    plan_run *r = ud;
    if (gone(r, err)) {
        ecr_batch_get_result_free(res);
        return;
    }
    plan_step *s = cur(r);
    const char *now = NULL;
    bool bad = false;
    if (err) {
        char e[700];
        err_text(err, e, sizeof e);
        step_fail(r, err->code, PLAN_FAILED, "%s", e);
        ecr_batch_get_result_free(res);
        return;
    }
    for (size_t i = 0; i < res->images.n; i++)
        if (str_eq(res->images.items[i].image_tag, s->dst_tag))
            now = res->images.items[i].image_digest;
    for (size_t i = 0; i < res->failures.n; i++)
        if (!str_eq(res->failures.items[i].failure_code, "ImageNotFound") &&
            !str_eq(res->failures.items[i].failure_code, "ImageTagDoesNotMatchDigest"))
            bad = true;
    if (bad && !now) {
        step_fail(r, res->failures.items[0].failure_code, PLAN_FAILED, "BatchGetImage: %s: %s",
                  res->failures.items[0].failure_code ? res->failures.items[0].failure_code : "?",
                  res->failures.items[0].failure_reason ? res->failures.items[0].failure_reason : "");
    } else if (str_eq(now, s->digest)) {
        /* Resumed: the earlier run's PutImage got there. */
        step_ok(r, s->was_started ? STEP_DONE : STEP_SKIPPED, "already there: the tag points at this digest");
    } else if (!str_eq(now, s->before_digest)) {
        step_fail(r, "TagMoved", PLAN_REFUSED,
                  "%s moved since the plan was made (now %s, planned from %s): someone else changed it; "
                  "nothing more was done: plan again", nz(s->dst_tag), now ? now : "absent",
                  s->before_digest ? s->before_digest : "absent");
    } else {
        ecr_image_id id = { .image_digest = s->digest };
        aws_error e = { 0 };
        r->phase = PH_COPY_READ_SRC;
        r->in_flight = true;
        if (svc_ecr_batch_get_image(c, r->p->target.repository, &id, 1, NULL, copy_src_done, r, &e) != 0) {
            r->in_flight = false;
            char t[700];
            err_text(&e, t, sizeof t);
            step_fail(r, e.code, PLAN_FAILED, "%s", t);
        }
    }
    ecr_batch_get_result_free(res);
}

static void begin_copy(plan_run *r)
{
    plan_step *s = cur(r);
    ecr_image_id id = { .image_tag = s->dst_tag };
    aws_error e = { 0 };
    r->phase = PH_COPY_READ_DST;
    r->in_flight = true;
    if (svc_ecr_batch_get_image(r->c, r->p->target.repository, &id, 1, NULL, copy_dst_done, r, &e) != 0) {
        call_not_started(r, &e);
    }
}

/* ---- start a refresh (never retried blindly) ---- */

static void start_call(plan_run *r);

static void start_who_done(aws_client *c, instance_refresh_list *res, const aws_error *err, void *ud)
{
    (void)c;
    plan_run *r = ud;
    if (gone(r, err)) {
        MODEL_LIST_FREE(*res, instance_refresh_free);
        return;
    }
    strbuf sb;
    sb_init(&sb);
    const instance_refresh *a = err ? NULL : first_active(res);
    if (a)
        describe_refresh(a, &sb);
    else
        sb_append(&sb, "a refresh (no details: DescribeInstanceRefreshes did not show it)");
    step_fail(r, "InstanceRefreshInProgress", PLAN_FAILED,
              "InstanceRefreshInProgress: %s is already running on %s; not retried. Wait for it or cancel it.",
              sb.buf, nz(r->p->target.asg));
    sb_free(&sb);
    MODEL_LIST_FREE(*res, instance_refresh_free);
}

static void start_confirm_done(aws_client *c, instance_refresh_list *res, const aws_error *err, void *ud)
{
    (void)c;
    plan_run *r = ud;
    if (gone(r, err)) {
        MODEL_LIST_FREE(*res, instance_refresh_free);
        return;
    }
    plan_step *s = cur(r);
    const instance_refresh *mine = err ? NULL : new_refresh(r->p, res);
    if (mine) {
        str_set(&s->refresh_id, mine->instance_refresh_id);
        char note[200];
        snprintf(note, sizeof note, "no usable answer from StartInstanceRefresh; DescribeInstanceRefreshes shows "
                 "the new refresh %.80s: it started", nz(mine->instance_refresh_id));
        step_ok(r, STEP_DONE, note);
    } else {
        char e[700] = "";
        if (err)
            err_text(err, e, sizeof e);
        step_unknown(r, s->error_code ? s->error_code : "Unconfirmed",
                     "StartInstanceRefresh got no usable answer (%s) and %s%s; it was not retried. The plan "
                     "stays open: check the group's refreshes, then resume it (a refresh that started after all "
                     "is taken over, never started twice) or abandon it",
                     s->error ? s->error : nz(s->error_code),
                     err ? "DescribeInstanceRefreshes failed too: " : "DescribeInstanceRefreshes shows no new refresh",
                     e);
    }
    MODEL_LIST_FREE(*res, instance_refresh_free);
}

static void start_done(aws_client *c, char *id, const aws_error *err, void *ud)
{
    plan_run *r = ud;
    if (gone(r, err)) {
        free(id);
        return;
    }
    plan_step *s = cur(r);
    last_request_id(r, "StartInstanceRefresh");
    if (!err) {
        str_set(&s->refresh_id, id);
        free(id);
        step_ok(r, STEP_DONE, NULL);
        return;
    }
    free(id);
    aws_error e = { 0 };
    if (strcmp(err->code, "InstanceRefreshInProgress") == 0) {
        r->phase = PH_START_WHO;
        r->in_flight = true;
        if (svc_asg_describe_refreshes(c, r->p->target.asg, NULL, 10, start_who_done, r, &e) == 0)
            return;
        r->in_flight = false;
        step_fail(r, err->code, PLAN_FAILED, "InstanceRefreshInProgress: another refresh is running on %s; "
                  "not retried", nz(r->p->target.asg));
    } else if (outcome_unknown(err)) {
        /* The request may have reached AWS: look before doing anything else. */
        char t[700];
        err_text(err, t, sizeof t);
        str_set(&s->error_code, err->code);
        set_scrubbed(r, &s->error, t);
        r->phase = PH_START_CONFIRM;
        r->in_flight = true;
        if (svc_asg_describe_refreshes(c, r->p->target.asg, NULL, 10, start_confirm_done, r, &e) == 0)
            return;
        r->in_flight = false;
        step_unknown(r, err->code, "StartInstanceRefresh got no usable answer (%s) and the check could not "
                     "start; the plan stays open", t);
    } else {
        char t[700];
        err_text(err, t, sizeof t);
        step_fail(r, err->code, PLAN_FAILED, "%s", t);
    }
}

static void start_describe_done(aws_client *c, instance_refresh_list *res, const aws_error *err, void *ud)
{
    (void)c;
    plan_run *r = ud;
    if (gone(r, err)) {
        MODEL_LIST_FREE(*res, instance_refresh_free);
        return;
    }
    plan_step *s = cur(r);
    const instance_refresh *a = err ? NULL : first_active(res);
    const instance_refresh *fresh = err ? NULL : new_refresh(r->p, res);
    /* Resumed after this very step began (whatever it ended with): a refresh newer
     * than the newest one it recorded before its call is that call's. */
    bool adopt = s->was_started && fresh && r->p->resumed;
    if (!err && !adopt && !a && res->n)
        str_set(&r->p->latest_refresh_id, res->items[0].instance_refresh_id);
    /* The record before the change carries the newest refresh seen: resume compares with it. */
    if (!step_begin(r)) {
        MODEL_LIST_FREE(*res, instance_refresh_free);
        return;
    }
    if (err) {
        char t[700];
        err_text(err, t, sizeof t);
        step_fail(r, err->code, PLAN_FAILED, "%s", t);
    } else if (adopt) {
        str_set(&s->refresh_id, fresh->instance_refresh_id);
        step_ok(r, STEP_DONE, "started before the interruption (found by DescribeInstanceRefreshes)");
    } else if (a) {
        strbuf sb;
        sb_init(&sb);
        describe_refresh(a, &sb);
        step_fail(r, "InstanceRefreshInProgress", PLAN_FAILED,
                  "InstanceRefreshInProgress: %s is already running on %s; not started", sb.buf,
                  nz(r->p->target.asg));
        sb_free(&sb);
    } else {
        start_call(r);
    }
    MODEL_LIST_FREE(*res, instance_refresh_free);
}

static void start_call(plan_run *r)
{
    plan_step *s = cur(r);
    if (r->p->target.read_only) {
        step_fail(r, "ReadOnly", PLAN_REFUSED, "read-only: StartInstanceRefresh refused");
        return;
    }
    if (stop_requested(r)) {
        step_fail(r, "Stopped", PLAN_STOPPED, "stopped by a signal before StartInstanceRefresh");
        return;
    }
    refresh_start_params sp = {
        .auto_scaling_group_name = r->p->target.asg,
        .preferences = &s->prefs,
        .desired_launch_template = s->has_desired ? &s->desired : NULL,
    };
    aws_error e = { 0 };
    r->phase = PH_START_CALL;
    r->in_flight = true;
    if (svc_asg_start_refresh(r->c, &sp, start_done, r, &e) != 0) {
        call_not_started(r, &e);
    }
}

/* The step's record is written once the newest refresh is known (start_describe_done). */
static void begin_start(plan_run *r)
{
    aws_error e = { 0 };
    r->phase = PH_START_DESCRIBE;
    r->in_flight = true;
    if (svc_asg_describe_refreshes(r->c, r->p->target.asg, NULL, 10, start_describe_done, r, &e) != 0) {
        r->in_flight = false;
        char t[700];
        err_text(&e, t, sizeof t);
        if (step_begin(r))
            step_fail(r, e.code, PLAN_FAILED, "%s", t);
    }
}

/* ---- cancel / rollback ---- */

/* After a Cancel/RollbackInstanceRefresh without a usable answer: did it happen? */
static void id_verify_done(aws_client *c, instance_refresh_list *res, const aws_error *err, void *ud)
{
    (void)c;
    plan_run *r = ud;
    if (gone(r, err)) {
        MODEL_LIST_FREE(*res, instance_refresh_free);
        return;
    }
    plan_step *s = cur(r);
    bool cancel = s->kind == STEP_CANCEL_REFRESH;
    const instance_refresh *n = !err && res->n ? &res->items[0] : NULL;
    const char *st = n ? n->status : NULL;
    bool happened = n && (cancel ? (str_eq(st, "Cancelling") || str_eq(st, "Cancelled") || !first_active(res))
                                 : (str_eq(st, "RollbackInProgress") || str_eq(st, "RollbackSuccessful") ||
                                    str_eq(st, "RollbackFailed")));
    char *lost = xstrdup(s->error);
    if (happened) {
        char note[900];
        snprintf(note, sizeof note, "%s's answer was lost (%.500s); the newest refresh is %.40s: done",
                 cancel ? "CancelInstanceRefresh" : "RollbackInstanceRefresh", nz(lost), nz(st));
        str_set(&s->refresh_id, n->instance_refresh_id);
        step_ok(r, STEP_DONE, note);
    } else {
        char e[700] = "";
        if (err)
            err_text(err, e, sizeof e);
        step_unknown(r, s->error_code ? s->error_code : "Unknown",
                     "%s got no usable answer (%s) and %s%s. The plan stays open: check the group's refreshes, "
                     "then resume or abandon it", cancel ? "CancelInstanceRefresh" : "RollbackInstanceRefresh",
                     nz(lost), err ? "the check failed: " : "DescribeInstanceRefreshes does not show it",
                     err ? e : "");
    }
    free(lost);
    MODEL_LIST_FREE(*res, instance_refresh_free);
}

static void id_call_done(aws_client *c, char *id, const aws_error *err, void *ud)
{
    (void)c;
    plan_run *r = ud;
    if (gone(r, err)) {
        free(id);
        return;
    }
    plan_step *s = cur(r);
    last_request_id(r, s->kind == STEP_CANCEL_REFRESH ? "CancelInstanceRefresh" : "RollbackInstanceRefresh");
    if (!err) {
        str_set(&s->refresh_id, id);
        free(id);
        step_ok(r, STEP_DONE, NULL);
        return;
    }
    free(id);
    if (s->kind == STEP_CANCEL_REFRESH && strcmp(err->code, "ActiveInstanceRefreshNotFound") == 0) {
        step_ok(r, STEP_SKIPPED, "no active refresh to cancel (it had already ended)");
        return;
    }
    char t[700];
    err_text(err, t, sizeof t);
    if (outcome_unknown(err)) {
        aws_error e = { 0 };
        str_set(&s->error_code, err->code);
        set_scrubbed(r, &s->error, t);
        r->phase = PH_ID_VERIFY;
        r->in_flight = true;
        if (svc_asg_describe_refreshes(c, r->p->target.asg, NULL, 10, id_verify_done, r, &e) == 0)
            return;
        r->in_flight = false;
        step_unknown(r, err->code, "no usable answer (%s) and the check could not start; the plan stays open", t);
    } else if (strcmp(err->code, "IrreversibleInstanceRefresh") == 0) {
        step_fail(r, err->code, PLAN_FAILED, "%s; AWS cannot undo this refresh (its launch template takes "
                  "the image from an SSM parameter, or uses $Latest/$Default): cancel it (tarmac cancel) and "
                  "deploy the version to return to (tarmac deploy --lt-version N)", t);
    } else {
        step_fail(r, err->code, PLAN_FAILED, "%s", t);
    }
}

static void begin_id_call(plan_run *r)
{
    plan_step *s = cur(r);
    if (r->p->target.read_only) {
        step_fail(r, "ReadOnly", PLAN_REFUSED, "read-only: %s refused",
                  s->kind == STEP_CANCEL_REFRESH ? "CancelInstanceRefresh" : "RollbackInstanceRefresh");
        return;
    }
    aws_error e = { 0 };
    int rc;
    r->in_flight = true;
    if (s->kind == STEP_CANCEL_REFRESH) {
        r->phase = PH_CANCEL_CALL;
        rc = svc_asg_cancel_refresh(r->c, r->p->target.asg, id_call_done, r, &e);
    } else {
        r->phase = PH_ROLLBACK_CALL;
        rc = svc_asg_rollback_refresh(r->c, r->p->target.asg, id_call_done, r, &e);
    }
    if (rc != 0) {
        call_not_started(r, &e);
    }
}

/* ---- wait until no refresh is active ---- */

static void wait_poll(plan_run *r);

static void wait_done(aws_client *c, instance_refresh_list *res, const aws_error *err, void *ud)
{
    (void)c;
    plan_run *r = ud;
    if (gone(r, err)) {
        MODEL_LIST_FREE(*res, instance_refresh_free);
        return;
    }
    const instance_refresh *a = err ? NULL : first_active(res);
    if (!err && !a) {
        char note[160];
        snprintf(note, sizeof note, "no refresh active%s%.40s", res->n ? "; the latest ended " : "",
                 res->n && res->items[0].status ? res->items[0].status : "");
        step_ok(r, STEP_DONE, note);
    } else if (mono_now_ms() >= r->wait_deadline) {
        step_fail(r, "Timeout", PLAN_FAILED, "the refresh did not end in time");
    } else {
        /* A failed poll is simply tried again at the next tick. */
        r->phase = PH_WAIT_SLEEP;
        r->due_mono = mono_now_ms() + (r->h.wait_poll_ms > 0 ? r->h.wait_poll_ms : 2000);
    }
    MODEL_LIST_FREE(*res, instance_refresh_free);
}

static void wait_poll(plan_run *r)
{
    aws_error e = { 0 };
    r->phase = PH_WAIT_DESCRIBE;
    r->in_flight = true;
    if (svc_asg_describe_refreshes(r->c, r->p->target.asg, NULL, 10, wait_done, r, &e) != 0) {
        call_not_started(r, &e);
    }
}

/* ---- the loop over steps ---- */

static void advance(plan_run *r)
{
    if (r->done)
        return;
    plan *p = r->p;
    while (r->idx < p->steps.n &&
           (cur(r)->state == STEP_DONE || cur(r)->state == STEP_SKIPPED)) {
        if (cur(r)->state == STEP_SKIPPED && !cur(r)->result) {
            /* Satisfied when planned: journal it so the log shows every step. */
            str_set(&cur(r)->result, "nothing to do (already equal when planned)");
            journal_step(r, "step_end", "skipped", NULL);
            notify_step(r);
        }
        r->idx++;
    }
    if (r->idx >= p->steps.n) {
        finish(r, PLAN_OK);
        return;
    }
    if (stop_requested(r)) {
        sb_reset(&r->msg);
        sb_printf(&r->msg, "stopped by a signal before step %zu", r->idx + 1);
        finish(r, PLAN_STOPPED);
        return;
    }
    plan_step *s = cur(r);
    if (r->precheck_tags && !r->precheck_needed && start_tag_check(r))
        return;
    if (r->precheck_needed) {
        aws_error e = { 0 };
        r->phase = PH_PRECHECK;
        r->in_flight = true;
        if (svc_asg_describe_refreshes(r->c, p->target.asg, NULL, 10, precheck_done, r, &e) != 0) {
            r->in_flight = false;
            char t[700];
            err_text(&e, t, sizeof t);
            sb_reset(&r->msg);
            sb_append(&r->msg, t);
            finish(r, PLAN_REFUSED);
        }
        return;
    }
    /* The read-only switch is checked here, at the point of change, whatever the UI did. */
    if (step_mutates(s->kind) && p->target.read_only) {
        sb_reset(&r->msg);
        sb_printf(&r->msg, "read-only: step %zu (%s) refused", r->idx + 1, plan_step_kind_name(s->kind));
        finish(r, PLAN_REFUSED);
        return;
    }
    s->state = STEP_RUNNING;
    /* A start step journals its start once it knows the newest refresh (begin_start). */
    if (s->kind != STEP_START_REFRESH && !step_begin(r))
        return;
    notify_step(r);
    switch (s->kind) {
    case STEP_COPY_TAG:
        begin_copy(r);
        break;
    case STEP_START_REFRESH:
        begin_start(r);
        break;
    case STEP_CANCEL_REFRESH:
    case STEP_ROLLBACK_REFRESH:
        begin_id_call(r);
        break;
    case STEP_WAIT_REFRESH_END:
        r->wait_deadline = mono_now_ms() + (r->h.wait_timeout_ms > 0 ? r->h.wait_timeout_ms : 15 * 60 * 1000);
        wait_poll(r);
        break;
    }
}

/* Which prechecks the remaining steps need. */
static void plan_prechecks(plan_run *r)
{
    const plan *p = r->p;
    size_t first = 0;
    while (first < p->steps.n &&
           (p->steps.items[first].state == STEP_DONE || p->steps.items[first].state == STEP_SKIPPED))
        first++;
    bool copy_pending = false, cut = false;
    for (size_t i = first; i < p->steps.n; i++) {
        const plan_step *s = &p->steps.items[i];
        bool copy = s->kind == STEP_COPY_TAG && s->state == STEP_PENDING && p->target.repository;
        /* Every tag still to move is where the plan saw it (or already moved). */
        if (copy)
            r->precheck_tags = true;
        /* Promote onto the live tag: the instances a running refresh still launches
         * would pull the moved tag. */
        if (copy && p->action == PLAN_PROMOTE && str_eq(s->dst_tag, p->target.live_tag))
            r->precheck_needed = true;
        /* Tags that move before a refresh starts (a deploy, resumed or not; a
         * rollback's retag once its cancel and wait are done): no other refresh may
         * run. A cancel or wait step deals with the running refresh itself. */
        if (s->kind == STEP_CANCEL_REFRESH || s->kind == STEP_ROLLBACK_REFRESH || s->kind == STEP_WAIT_REFRESH_END)
            cut = true;
        copy_pending = copy_pending || copy;
        if (!cut && s->kind == STEP_START_REFRESH && (copy_pending || !p->resumed))
            r->precheck_needed = true;
    }
}

plan_run *plan_run_start(aws_client *c, plan *p, journal *j, const plan_run_hooks *h, strbuf *err)
{
    plan_run *r = xcalloc(1, sizeof *r);
    r->c = c;
    r->p = p;
    r->j = j;
    if (h)
        r->h = *h;
    sb_init(&r->msg);
    sb_init(&r->jerr);
    r->outcome = PLAN_RUNNING;
    p->left_open = p->resumed;
    const char *why = NULL;
    if (p->refusal)
        why = p->refusal;
    else if (p->target.read_only)
        why = "read-only: this app (or --read-only, or the config's defaults or profile) refuses every change";
    else if (!j)
        why = "no journal: every change is journaled first";
    if (why) {
        sb_append(err, why);
        if (j) {
            journal_record rec = {
                .event = "refused", .plan_id = p->id, .action = plan_action_name(p->action),
                .user = p->target.user, .account = p->target.account, .region = p->target.region,
                .app = p->target.app, .asg = p->target.asg, .repository = p->target.repository,
                .outcome = "refused", .error = why,
            };
            strbuf e;
            sb_init(&e);
            if (journal_append(j, &rec, &e) != 0)
                sb_printf(err, "; the journal could not be written: %s", e.buf);
            sb_free(&e);
        }
        sb_free(&r->msg);
        sb_free(&r->jerr);
        free(r);
        return NULL;
    }
    for (size_t i = 0; p->resumed && i < p->steps.n; i++)
        if ((p->steps.items[i].state == STEP_DONE && step_mutates(p->steps.items[i].kind)) ||
            p->steps.items[i].was_started)
            r->prior_changes = true;
    plan_prechecks(r);
    int rc;
    if (p->resumed) {
        rc = journal_plan(r, "plan_resume", NULL, NULL, NULL);
    } else {
        json_object *pj = plan_to_json(p);
        rc = journal_plan(r, "plan_start", NULL, NULL, pj);
        json_object_put(pj);
    }
    if (rc != 0) {
        sb_append(err, r->msg.buf);
        sb_free(&r->msg);
        sb_free(&r->jerr);
        free(r);
        return NULL;
    }
    advance(r);
    return r;
}

void plan_run_tick(plan_run *r, int64_t now)
{
    if (!r->done && r->phase == PH_WAIT_SLEEP && (now >= r->due_mono || stop_requested(r))) {
        if (stop_requested(r)) {
            /* Waiting changes nothing: a stop here ends at this boundary. */
            step_fail(r, "Stopped", PLAN_STOPPED, "stopped by a signal while waiting");
            return;
        }
        wait_poll(r);
    }
}

int plan_run_next_due_ms(const plan_run *r, int64_t now)
{
    if (r->done || r->phase != PH_WAIT_SLEEP)
        return -1;
    return r->due_mono > now ? (int)(r->due_mono - now) : 0;
}

void plan_run_stop(plan_run *r)
{
    r->stop = true;
    if (!r->done && r->phase == PH_WAIT_SLEEP)
        r->due_mono = 0;
}

bool plan_run_done(const plan_run *r)
{
    return r->done;
}

plan_outcome plan_run_outcome(const plan_run *r)
{
    return r->outcome;
}

const char *plan_run_message(const plan_run *r)
{
    return r->msg.buf ? r->msg.buf : "";
}

const plan *plan_run_plan(const plan_run *r)
{
    return r->p;
}

void plan_run_free(plan_run *r)
{
    if (!r)
        return;
    manifest_clear(r);
    sb_free(&r->msg);
    sb_free(&r->jerr);
    free(r);
}

plan_outcome plan_run_wait(aws_client *c, plan *p, journal *j, const plan_run_hooks *h,
                           volatile sig_atomic_t *stop, int sig_fd, strbuf *err)
{
    if (stop && *stop) {
        /* Nothing began: not even a journal record. */
        p->left_open = p->resumed;
        sb_append(err, "stopped by a signal before the plan began; nothing was changed");
        return PLAN_STOPPED;
    }
    plan_run_hooks hh = { 0 };
    if (h)
        hh = *h;
    if (!hh.stop)
        hh.stop = stop;
    plan_run *r = plan_run_start(c, p, j, &hh, err);
    if (!r)
        return PLAN_REFUSED;
    while (!r->done) {
        if (stop && *stop)
            plan_run_stop(r);
        int64_t now = mono_now_ms();
        plan_run_tick(r, now);
        if (r->done)
            break;
        int due = plan_run_next_due_ms(r, now);
        int wait = due < 0 || due > 250 ? 250 : due;
        struct curl_waitfd wfd = { .fd = sig_fd, .events = CURL_WAIT_POLLIN };
        int n = aws_client_wait(c, sig_fd >= 0 ? &wfd : NULL, sig_fd >= 0 ? 1 : 0, wait);
        if (n > 0 && (wfd.revents & CURL_WAIT_POLLIN)) {
            char buf[64];
            while (read(sig_fd, buf, sizeof buf) > 0) {
            }
        }
        /* A signal that woke the wait is seen before any answer can start the next step. */
        if (stop && *stop)
            plan_run_stop(r);
        aws_client_run(c);
        if (!r->done && !r->in_flight && r->phase != PH_WAIT_SLEEP && !aws_client_busy(c)) {
            /* Nothing in flight and nothing timed: a bug would spin here forever. */
            sb_append(&r->msg, "internal error: the plan stalled");
            finish(r, (r->changed || r->uncertain) ? PLAN_FAILED : PLAN_REFUSED);
        }
    }
    plan_outcome o = r->outcome;
    if (o != PLAN_OK)
        sb_append(err, r->msg.buf ? r->msg.buf : "");
    plan_run_free(r);
    return o;
}

/* ------------------------------------------------------------------ guard */

void plan_guard_init(plan_guard *g, const plan_target *t, const char *refresh_id)
{
    memset(g, 0, sizeof *g);
    g->refresh_id = xstrdup(refresh_id);
    g->unhealthy_polls = t && t->unhealthy_polls > 0 ? t->unhealthy_polls : 3;
    g->min_healthy_percent = t ? t->min_healthy_targets_percent : 100;
    g->last_percentage = -1;
}

void plan_guard_done(plan_guard *g)
{
    free(g->refresh_id);
    g->refresh_id = NULL;
}

plan_guard_verdict plan_guard_update(plan_guard *g, const instance_refresh *r, int healthy, int total,
                                     const cw_alarm_list *alarms)
{
    g->reason[0] = '\0';
    if (r && r->status) {
        const char *st = r->status;
        const char *why = r->status_reason ? r->status_reason : "";
        if (strcmp(st, "Successful") == 0) {
            snprintf(g->reason, sizeof g->reason, "refresh Successful");
            return PLAN_GUARD_SUCCESS;
        }
        if (strcmp(st, "Failed") == 0) {
            snprintf(g->reason, sizeof g->reason, "refresh Failed: %.400s", why);
            return PLAN_GUARD_ROLLBACK;
        }
        if (strcmp(st, "Cancelled") == 0 || strcmp(st, "RollbackSuccessful") == 0 ||
            strcmp(st, "RollbackFailed") == 0) {
            snprintf(g->reason, sizeof g->reason, "refresh %s%s%.400s", st, *why ? ": " : "", why);
            return PLAN_GUARD_ENDED_BAD;
        }
    }
    for (size_t i = 0; alarms && i < alarms->n; i++) {
        const cw_alarm *a = &alarms->items[i];
        if (str_eq(a->state_value, "ALARM")) {
            snprintf(g->reason, sizeof g->reason, "alarm %.200s is in ALARM: %.250s",
                     a->alarm_name ? a->alarm_name : "?", a->state_reason ? a->state_reason : "");
            return PLAN_GUARD_ROLLBACK;
        }
    }
    if (r && str_eq(r->status, "RollbackInProgress"))
        return PLAN_GUARD_RUNNING;
    /* total counts targets that have a verdict (healthy, unhealthy, unavailable):
     * targets still in initial checks or draining are a rolling refresh's normal
     * dip, not a failure (see plan_guard_count_targets). */
    int pct = r && r->has_percentage_complete ? r->percentage_complete : -1;
    bool low = total > 0 && (long)healthy * 100 < (long)g->min_healthy_percent * total;
    g->low_polls = low ? g->low_polls + 1 : 0;
    g->last_percentage = pct > g->last_percentage ? pct : g->last_percentage;
    if (low && g->low_polls >= g->unhealthy_polls) {
        snprintf(g->reason, sizeof g->reason,
                 "healthy targets %d/%d stayed under %d%% for %d polls", healthy, total,
                 g->min_healthy_percent, g->low_polls);
        return PLAN_GUARD_ROLLBACK;
    }
    return PLAN_GUARD_RUNNING;
}

void plan_guard_count_targets(const target_health_list *const *lists, size_t n, int *healthy, int *judged,
                              int *all)
{
    *healthy = *judged = *all = 0;
    for (size_t l = 0; l < n; l++) {
        for (size_t i = 0; lists[l] && i < lists[l]->n; i++) {
            const char *st = lists[l]->items[i].state;
            (*all)++;
            if (str_eq(st, "healthy")) {
                (*healthy)++;
                (*judged)++;
            } else if (str_eq(st, "unhealthy") || str_eq(st, "unavailable")) {
                (*judged)++;
            }
        }
    }
}
