/* plan_json.c — a plan as the journal keeps it: the plan_start record's JSON and
 * the refresh preferences in AWS member names, read back with counts, ranges and
 * required fields checked (the journal is a file anyone may have edited); resuming
 * an interrupted plan from its records, or abandoning it. */
#include "deploy/plan_int.h"

#include <stdlib.h>
#include <string.h>

#include "deploy/plan_cli.h"
#include "services/snapshot.h"

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
    if (json_object_object_get_ex(o, "AlarmSpecification", &spec) && json_object_object_get_ex(spec, "Alarms", &a) &&
        json_object_is_type(a, json_type_array)) {
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

json_object *plan_step_to_json(const plan_step *s)
{
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
    js_add(so, "keep_tag", s->keep_tag);
    if (s->undo)
        json_object_object_add(so, "undo", json_object_new_boolean(true));
    if (s->kind == STEP_START_REFRESH)
        json_object_object_add(so, "preferences", refresh_prefs_to_json(&s->prefs));
    if (s->has_desired) {
        json_object *d = json_object_new_object();
        js_add(d, "LaunchTemplateId", s->desired.launch_template_id);
        js_add(d, "LaunchTemplateName", s->desired.launch_template_name);
        js_add(d, "Version", s->desired.version);
        json_object_object_add(so, "desired_launch_template", d);
    }
    return so;
}

/* One step of a plan_start or plan_undo record; false with err when unusable. */
static bool step_from_json(json_object *so, size_t i, const plan_target *t, plan_step *s, strbuf *err)
{
    int kind = plan_step_kind_lookup(js_str(so, "kind"));
    if (kind < 0) {
        sb_printf(err, "the journal's plan has an unknown step %zu", i + 1);
        return false;
    }
    s->kind = (plan_step_kind)kind;
    int st = plan_step_state_lookup(js_str(so, "state"));
    s->state = st == STEP_SKIPPED ? STEP_SKIPPED : STEP_PENDING;
    s->description = xstrdup(js_str(so, "description"));
    s->src_tag = xstrdup(js_str(so, "src_tag"));
    s->dst_tag = xstrdup(js_str(so, "dst_tag"));
    s->digest = xstrdup(js_str(so, "digest"));
    s->before_digest = xstrdup(js_str(so, "before_digest"));
    s->media_type = xstrdup(js_str(so, "media_type"));
    s->keep_tag = xstrdup(js_str(so, "keep_tag"));
    js_bool(so, "undo", &s->undo);
    json_object *v;
    if (json_object_object_get_ex(so, "preferences", &v))
        plan_prefs_from_json(v, &s->prefs);
    if (json_object_object_get_ex(so, "desired_launch_template", &v)) {
        s->has_desired = true;
        s->desired.launch_template_id = xstrdup(js_str(v, "LaunchTemplateId"));
        s->desired.launch_template_name = xstrdup(js_str(v, "LaunchTemplateName"));
        s->desired.version = xstrdup(js_str(v, "Version"));
    }
    if ((s->kind == STEP_COPY_TAG || s->kind == STEP_UNTAG) && (!s->dst_tag || !s->digest || !t->repository)) {
        sb_printf(err, "the journal's plan step %zu has no tag or digest", i + 1);
        return false;
    }
    /* The command is made again from the step, never taken from the journal as text. */
    s->cli = plan_cli_step(t, s);
    return true;
}

json_object *plan_to_json(const plan *p)
{
    json_object *o = json_object_new_object();
    const plan_target *t = &p->target;
    js_add(o, "id", p->id);
    js_add(o, "action", plan_action_name(p->action));
    js_add(o, "kind", t->kind);
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
    /* The undo steps are not the plan that was confirmed: they have their own record. */
    size_t n = p->undo_from ? p->undo_from : p->steps.n;
    for (size_t i = 0; i < n; i++)
        json_object_array_add(steps, plan_step_to_json(&p->steps.items[i]));
    json_object_object_add(o, "steps", steps);
    return o;
}

plan *plan_from_json(json_object *o, strbuf *err)
{
    const char *id = js_str(o, "id");
    int action = plan_action_lookup(js_str(o, "action"));
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
    /* Journals from before kinds hold ASG plans. */
    t->kind = xstrdup(js_str(o, "kind") ? js_str(o, "kind") : CONFIG_DEFAULT_KIND);
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
        if (!step_from_json(json_object_array_get_idx(steps, i), i, t, VEC_NEW(p->steps), err)) {
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
    /* AWS refused the refresh and the tags were being put back: only that is left. */
    size_t nu = u->undo_steps ? json_object_array_length(u->undo_steps) : 0;
    if (nu) {
        if (p->steps.n + nu > PLAN_MAX_STEPS) {
            sb_append(err, "the journal's undo record has too many steps");
            plan_free(p);
            return NULL;
        }
        p->undo_from = p->steps.n;
        p->undo_reason = xstrdup(u->undo_reason);
        for (size_t i = 0; i < nu; i++) {
            plan_step *s = VEC_NEW(p->steps);
            if (!step_from_json(json_object_array_get_idx(u->undo_steps, i), p->undo_from + i, &p->target, s, err)) {
                plan_free(p);
                return NULL;
            }
            s->undo = true;
        }
    }
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
        /* Undoing: the refused step and those after it are over. */
        if (p->undo_from && i < p->undo_from && s->state == STEP_PENDING)
            s->state = STEP_NOT_RUN;
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
        .event = "plan_end",
        .plan_id = u->plan_id,
        .action = u->action,
        .app = u->app,
        .user = user,
        .outcome = "abandoned",
        .description = "abandoned by the operator; tags and refreshes left as they are",
    };
    int rc = journal_append(j, &r, err);
    free(user);
    return rc;
}
