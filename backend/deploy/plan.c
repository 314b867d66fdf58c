/* plan.c — the plan model: the names of actions, step kinds and states, a
 * target's settings, freeing, and the plan as text. A plan's life is spread over
 * files to keep each one readable: plan_build.c builds it from the live state,
 * plan_json.c writes it to the journal and reads it back, plan_run.c executes it
 * (with plan_step*.c and plan_precheck.c), plan_guard.c watches the refresh after. */
#include "deploy/plan_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const action_names[] = { "deploy", "deploy-lt", "rollback", "cancel", "promote" };
static const char *const kind_names[] = { "copy_tag",         "start_refresh",    "cancel_refresh",
                                          "wait_refresh_end", "rollback_refresh", "untag" };
static const char *const state_names[] = { "pending", "running", "done", "skipped", "failed", "not run" };

static int lookup(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(names[i], s) == 0)
            return (int)i;
    return -1;
}

int plan_action_lookup(const char *s)
{
    return lookup(action_names, ARRAY_LEN(action_names), s);
}

int plan_step_kind_lookup(const char *s)
{
    return lookup(kind_names, ARRAY_LEN(kind_names), s);
}

int plan_step_state_lookup(const char *s)
{
    return lookup(state_names, ARRAY_LEN(state_names), s);
}

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

void plan_target_init(plan_target *t, const app_config *app, const char *asg, const char *repo, const char *region,
                      bool read_only)
{
    memset(t, 0, sizeof *t);
    t->region = xstrdup(region);
    t->read_only = read_only;
    t->user = journal_local_user();
    t->unhealthy_polls = 3;
    t->min_healthy_targets_percent = 100;
    t->kind = xstrdup(app && app->kind ? app->kind->name : CONFIG_DEFAULT_KIND);
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
        refresh_prefs_copy(&t->prefs, &app->refresh);
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
    free(t->kind);
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
    free(s->label);
    free(s->before_label);
    refresh_prefs_free(&s->prefs);
    lt_spec_free(&s->desired);
    free(s->refresh_id);
    free(s->request_id);
    free(s->result);
    free(s->error);
    free(s->error_code);
    free(s->keep_tag);
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
    free(p->live_label);
    free(p->running_refresh);
    free(p->undo_reason);
    free(p->trigger);
    free(p);
}

const char *plan_confirm_text(const plan *p)
{
    return p->target.asg ? p->target.asg : "";
}

void plan_format(const plan *p, strbuf *out)
{
    plan_format_opt(p, true, out);
}

void plan_format_opt(const plan *p, bool commands, strbuf *out)
{
    sb_printf(out, "%s plan %s for %s (ASG %s", plan_action_name(p->action), p->id, p->target.app ? p->target.app : "-",
              p->target.asg ? p->target.asg : "-");
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
        if (s->cli && commands)
            sb_printf(out, "       $ %s\n", s->cli);
        if (s->result)
            sb_printf(out, "       %s\n", s->result);
        if (s->error)
            sb_printf(out, "       error: %s\n", s->error);
    }
}
