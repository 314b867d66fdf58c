/* test_plan_summary.c — the one line that says what a plan changes (plan_summary):
 * deploy (the group, its instances, how they are replaced, the live tag's move by
 * commit tag or short digest, a new tag, a redeploy, a skipped backup), a
 * launch template deploy, both rollback paths, cancel (and one already
 * cancelling), promote (onto the live tag, and one already equal), a protected
 * app, refused and read-only plans, a resumed plan without the planning facts,
 * and the folded aws commands of plan_format_opt. Plans are made by hand: the
 * function reads nothing but the plan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "deploy/plan.h"

static plan *new_plan(plan_action a, const char *tag, const char *dst)
{
    plan *p = xcalloc(1, sizeof *p);
    snprintf(p->id, sizeof p->id, "p-20261207T210000Z-abcdef");
    p->action = a;
    p->target.app = xstrdup("web");
    p->target.asg = xstrdup("web-asg");
    p->target.repository = xstrdup("web");
    p->target.live_tag = xstrdup("prod");
    p->target.stable_tag = xstrdup("prod-stable");
    p->target.region = xstrdup("us-east-1");
    p->arg_tag = xstrdup(tag);
    p->arg_dst = xstrdup(dst);
    p->has_group_size = true;
    p->group_instances = 4;
    return p;
}

static plan_step *add_copy(plan *p, const char *src, const char *dst, const char *digest, const char *label,
                           const char *before, const char *before_label)
{
    plan_step *s = VEC_NEW(p->steps);
    s->kind = STEP_COPY_TAG;
    s->state = before && str_eq(before, digest) ? STEP_SKIPPED : STEP_PENDING;
    s->src_tag = xstrdup(src);
    s->dst_tag = xstrdup(dst);
    s->digest = xstrdup(digest);
    s->label = xstrdup(label);
    s->before_digest = xstrdup(before);
    s->before_label = xstrdup(before_label);
    s->description = xasprintf("%s <- %s", dst, src);
    s->cli = xstrdup("aws ecr put-image --repository-name web");
    return s;
}

static plan_step *add_step(plan *p, plan_step_kind k)
{
    plan_step *s = VEC_NEW(p->steps);
    s->kind = k;
    s->description = xstrdup(plan_step_kind_name(k));
    s->cli = xasprintf("aws autoscaling %s", plan_step_kind_name(k));
    return s;
}

static plan_step *add_start(plan *p, int min_healthy)
{
    plan_step *s = add_step(p, STEP_START_REFRESH);
    if (min_healthy >= 0) {
        s->prefs.has_min_healthy_percentage = true;
        s->prefs.min_healthy_percentage = min_healthy;
    }
    return s;
}

/* The summary of p, freed with the plan by the caller's free(). */
static char *summary(const plan *p)
{
    strbuf sb;
    sb_init(&sb);
    plan_summary(p, &sb);
    assert_null(strchr(sb.buf, '\n')); /* one line */
    return sb_steal(&sb);
}

#define D_OLD "sha256:2f4a8c6e1b3d00000000000000000000000000000000000000000000000000aa"
#define D_NEW "sha256:e5d1f0c9a8b700000000000000000000000000000000000000000000000000bb"

static void test_deploy(void **state)
{
    (void)state;
    plan *p = new_plan(PLAN_DEPLOY, "e5d1f0c", NULL);
    add_copy(p, "prod", "prod-stable", D_OLD, "2f4a8c6", NULL, NULL);
    add_copy(p, "e5d1f0c", "prod", D_NEW, "e5d1f0c", D_OLD, "2f4a8c6");
    add_start(p, 90);
    char *s = summary(p);
    assert_string_equal(s,
                        "Deploy e5d1f0c to web-asg: 4 instances, rolling, min healthy 90 %; "
                        "prod 2f4a8c6 -> e5d1f0c");
    free(s);

    /* No min healthy of the app's: AWS's default, said as such; one instance. */
    p->steps.items[2].prefs.has_min_healthy_percentage = false;
    p->steps.items[2].prefs.has_max_healthy_percentage = true;
    p->steps.items[2].prefs.max_healthy_percentage = 200;
    p->group_instances = 1;
    s = summary(p);
    assert_string_equal(s,
                        "Deploy e5d1f0c to web-asg: 1 instance, rolling, min healthy 90 % (AWS default), "
                        "max healthy 200 %; prod 2f4a8c6 -> e5d1f0c");
    free(s);
    plan_free(p);
}

static void test_deploy_labels_and_new_tag(void **state)
{
    (void)state;
    /* No commit tag for the old image: its short digest. No live tag yet: new. */
    plan *p = new_plan(PLAN_DEPLOY, "e5d1f0c", NULL);
    add_copy(p, "e5d1f0c", "prod", D_NEW, "e5d1f0c", D_OLD, NULL);
    add_start(p, 50);
    char *s = summary(p);
    assert_non_null(strstr(s, "; prod sha256:2f4a8c6e1b3d -> e5d1f0c"));
    free(s);
    free(p->steps.items[0].before_digest);
    p->steps.items[0].before_digest = NULL;
    s = summary(p);
    assert_non_null(strstr(s, "; prod (new tag) -> e5d1f0c"));
    free(s);
    plan_free(p);
}

static void test_deploy_skipped_steps(void **state)
{
    (void)state;
    /* The backup is skipped (already equal): the line is about the live tag. */
    plan *p = new_plan(PLAN_DEPLOY, "e5d1f0c", NULL);
    plan_step *b = add_copy(p, "prod", "prod-stable", D_OLD, "2f4a8c6", D_OLD, "2f4a8c6");
    assert_int_equal(b->state, STEP_SKIPPED);
    add_copy(p, "e5d1f0c", "prod", D_NEW, "e5d1f0c", D_OLD, "2f4a8c6");
    add_start(p, 90);
    char *s = summary(p);
    assert_string_equal(s,
                        "Deploy e5d1f0c to web-asg: 4 instances, rolling, min healthy 90 %; "
                        "prod 2f4a8c6 -> e5d1f0c");
    free(s);
    plan_free(p);

    /* The live move itself skipped: the same image, new instances. */
    p = new_plan(PLAN_DEPLOY, "e5d1f0c", NULL);
    add_copy(p, "e5d1f0c", "prod", D_NEW, "e5d1f0c", D_NEW, "e5d1f0c");
    add_start(p, 90);
    s = summary(p);
    assert_non_null(strstr(s, "; prod already is e5d1f0c: the instances are replaced with the same image"));
    assert_null(strstr(s, "->"));
    free(s);
    plan_free(p);

    /* A redeploy has no live move at all (only a note and the refresh). */
    p = new_plan(PLAN_DEPLOY, "e5d1f0c", NULL);
    add_start(p, 90);
    s = summary(p);
    assert_non_null(strstr(s, "; prod already is e5d1f0c: the instances are replaced with the same image"));
    free(s);
    plan_free(p);
}

static void test_deploy_lt(void **state)
{
    (void)state;
    plan *p = new_plan(PLAN_DEPLOY_LT, NULL, NULL);
    p->arg_lt_version = xstrdup("4");
    plan_step *st = add_start(p, 90);
    st->has_desired = true;
    st->desired.launch_template_name = xstrdup("web-lt");
    st->desired.version = xstrdup("4");
    char *s = summary(p);
    assert_string_equal(s,
                        "Deploy launch template web-lt version 4 to web-asg: 4 instances, rolling, "
                        "min healthy 90 %; no tag moves");
    free(s);
    plan_free(p);
}

static void test_rollback(void **state)
{
    (void)state;
    /* Cancel the bad refresh, move live back to stable's image, replace. */
    plan *p = new_plan(PLAN_ROLLBACK, NULL, NULL);
    p->running_refresh = xstrdup("r-123");
    p->running_percent = 25;
    add_step(p, STEP_CANCEL_REFRESH);
    add_step(p, STEP_WAIT_REFRESH_END);
    add_copy(p, "prod-stable", "prod", D_OLD, "2f4a8c6", D_NEW, "e5d1f0c");
    add_start(p, 50);
    char *s = summary(p);
    assert_string_equal(s,
                        "Roll back web-asg: cancel refresh r-123 (25 % done), then prod e5d1f0c -> 2f4a8c6 "
                        "(the prod-stable image); replace 4 instances, rolling, min healthy 50 %");
    free(s);
    plan_free(p);

    /* No refresh running: only the move and the refresh. */
    p = new_plan(PLAN_ROLLBACK, NULL, NULL);
    add_copy(p, "prod-stable", "prod", D_OLD, "2f4a8c6", D_NEW, "e5d1f0c");
    add_start(p, 90);
    s = summary(p);
    assert_string_equal(s,
                        "Roll back web-asg: prod e5d1f0c -> 2f4a8c6 (the prod-stable image); replace "
                        "4 instances, rolling, min healthy 90 %");
    free(s);
    plan_free(p);

    /* AWS's own rollback of a launch template refresh. */
    p = new_plan(PLAN_ROLLBACK, NULL, NULL);
    p->running_refresh = xstrdup("r-9");
    p->running_percent = -1;
    add_step(p, STEP_ROLLBACK_REFRESH);
    s = summary(p);
    assert_string_equal(s,
                        "Roll back web-asg: AWS rolls refresh r-9 back to the previous launch template "
                        "version on 4 instances; no tag moves");
    free(s);
    plan_free(p);
}

static void test_cancel(void **state)
{
    (void)state;
    plan *p = new_plan(PLAN_CANCEL, NULL, NULL);
    p->running_refresh = xstrdup("r-123");
    p->running_percent = 25;
    add_step(p, STEP_CANCEL_REFRESH);
    add_step(p, STEP_WAIT_REFRESH_END);
    char *s = summary(p);
    assert_string_equal(s,
                        "Cancel refresh r-123 (25 % done) on web-asg: the instances it replaced keep the "
                        "new image, the others stay as they are; no tag moves");
    free(s);
    plan_free(p);

    /* Already cancelling: only the wait. */
    p = new_plan(PLAN_CANCEL, NULL, NULL);
    p->running_refresh = xstrdup("r-123");
    p->running_percent = -1;
    add_step(p, STEP_WAIT_REFRESH_END);
    s = summary(p);
    assert_string_equal(s, "Wait for refresh r-123 on web-asg to finish cancelling; nothing else changes");
    free(s);
    plan_free(p);
}

static void test_promote(void **state)
{
    (void)state;
    plan *p = new_plan(PLAN_PROMOTE, "a9f3c21", "prod-stable");
    p->has_group_size = false;
    add_copy(p, "a9f3c21", "prod-stable", D_NEW, "a9f3c21", D_OLD, "2f4a8c6");
    char *s = summary(p);
    assert_string_equal(s,
                        "Promote a9f3c21 to prod-stable: prod-stable 2f4a8c6 -> a9f3c21; no refresh, "
                        "no instance is replaced");
    free(s);
    plan_free(p);

    /* Onto the live tag: what launches from now on changes. */
    p = new_plan(PLAN_PROMOTE, "a9f3c21", "prod");
    add_copy(p, "a9f3c21", "prod", D_NEW, "a9f3c21", D_OLD, "2f4a8c6");
    s = summary(p);
    assert_non_null(strstr(s, "no instance is replaced (instances launched from now on run it)"));
    free(s);
    plan_free(p);

    /* Already equal: nothing changes. */
    p = new_plan(PLAN_PROMOTE, "a9f3c21", "prod-stable");
    add_copy(p, "a9f3c21", "prod-stable", D_NEW, "a9f3c21", D_NEW, "a9f3c21");
    s = summary(p);
    assert_string_equal(s, "Promote a9f3c21 to prod-stable: prod-stable already is a9f3c21: nothing changes");
    free(s);
    plan_free(p);
}

static void test_protected(void **state)
{
    (void)state;
    plan *p = new_plan(PLAN_DEPLOY, "e5d1f0c", NULL);
    p->target.protected_ = true;
    add_copy(p, "e5d1f0c", "prod", D_NEW, "e5d1f0c", D_OLD, "2f4a8c6");
    add_start(p, 90);
    char *s = summary(p);
    assert_string_equal(s,
                        "Deploy e5d1f0c to web-asg (protected): 4 instances, rolling, min healthy 90 %; "
                        "prod 2f4a8c6 -> e5d1f0c");
    free(s);
    plan_free(p);

    p = new_plan(PLAN_CANCEL, NULL, NULL);
    p->target.protected_ = true;
    p->running_refresh = xstrdup("r-1");
    p->running_percent = 0;
    add_step(p, STEP_CANCEL_REFRESH);
    s = summary(p);
    assert_non_null(strstr(s, "Cancel refresh r-1 (0 % done) on web-asg (protected): "));
    free(s);
    plan_free(p);
}

static void test_refused_and_read_only(void **state)
{
    (void)state;
    plan *p = new_plan(PLAN_DEPLOY, "nope999", NULL);
    p->refusal = xstrdup("no image tagged 'nope999' in repository web. Nothing was changed.");
    char *s = summary(p);
    assert_string_equal(s, "Refused, nothing will change: deploy nope999 to web-asg");
    free(s);
    plan_free(p);

    p = new_plan(PLAN_CANCEL, NULL, NULL);
    p->target.read_only = true;
    add_step(p, STEP_CANCEL_REFRESH);
    s = summary(p);
    assert_string_equal(s, "READ-ONLY, nothing will change: cancel the instance refresh on web-asg");
    free(s);
    plan_free(p);

    p = new_plan(PLAN_PROMOTE, "a9f3c21", "prod-stable");
    p->refusal = xstrdup("source and destination are the same tag.");
    s = summary(p);
    assert_string_equal(s, "Refused, nothing will change: point prod-stable at a9f3c21's image");
    free(s);
    plan_free(p);
}

static void test_resumed_without_facts(void **state)
{
    (void)state;
    /* Rebuilt from the journal: no group size, no labels: short digests. */
    plan *p = new_plan(PLAN_DEPLOY, "e5d1f0c", NULL);
    p->resumed = true;
    p->has_group_size = false;
    add_copy(p, "e5d1f0c", "prod", D_NEW, NULL, D_OLD, NULL);
    add_start(p, 90);
    char *s = summary(p);
    assert_string_equal(s,
                        "Resume: Deploy e5d1f0c to web-asg: rolling, min healthy 90 %; "
                        "prod sha256:2f4a8c6e1b3d -> sha256:e5d1f0c9a8b7");
    free(s);
    plan_free(p);
}

static void test_format_folds_commands(void **state)
{
    (void)state;
    plan *p = new_plan(PLAN_DEPLOY, "e5d1f0c", NULL);
    add_copy(p, "e5d1f0c", "prod", D_NEW, "e5d1f0c", D_OLD, "2f4a8c6");
    add_start(p, 90);
    strbuf with, without;
    sb_init(&with);
    sb_init(&without);
    plan_format(p, &with);
    plan_format_opt(p, false, &without);
    assert_non_null(strstr(with.buf, "$ aws ecr put-image"));
    assert_non_null(strstr(with.buf, "$ aws autoscaling start_refresh"));
    assert_null(strstr(without.buf, "$ aws"));
    assert_non_null(strstr(without.buf, "1. [pending] prod <- e5d1f0c"));
    assert_non_null(strstr(without.buf, "2. [pending] start_refresh"));
    sb_free(&with);
    sb_free(&without);
    plan_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deploy),
        cmocka_unit_test(test_deploy_labels_and_new_tag),
        cmocka_unit_test(test_deploy_skipped_steps),
        cmocka_unit_test(test_deploy_lt),
        cmocka_unit_test(test_rollback),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_promote),
        cmocka_unit_test(test_protected),
        cmocka_unit_test(test_refused_and_read_only),
        cmocka_unit_test(test_resumed_without_facts),
        cmocka_unit_test(test_format_folds_commands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
