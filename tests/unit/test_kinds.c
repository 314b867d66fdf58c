/* test_kinds.c — app kinds as an interface (backend/kinds/): the registry and its
 * contract (every kind names its config, data sets, panes, actions, builder and
 * guard), the config's kind: key (default, unknown kinds, keys of another kind,
 * required keys, the kind's own rules at their file:line), the guard's signals of
 * an instance refresh, a plan's kind through the journal, and the layout placing
 * only a kind's panes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "kinds/kind.h"
#include "layout.h"
#include "pane.h"

static int parse_str(const char *text, tarmac_config *c, strbuf *err)
{
    sb_init(err);
    return config_parse(text, strlen(text), "k.yaml", c, err);
}

static void test_registry_contract(void **state)
{
    (void)state;
    size_t n;
    const app_kind *const *all = app_kinds(&n);
    assert_true(n >= 1);
    assert_string_equal(all[0]->config->name, CONFIG_DEFAULT_KIND);
    for (size_t i = 0; i < n; i++) {
        const app_kind *k = all[i];
        assert_non_null(k->config);
        assert_ptr_equal(app_kind_find(k->config->name), k);
        assert_ptr_equal(config_kind_find(k->config->name), k->config);
        assert_non_null(k->config->summary);
        assert_non_null(k->build);
        assert_non_null(k->guard_signals);
        assert_non_null(k->resource);
        assert_non_null(k->mark);
        assert_true(k->data_sets != 0 && (k->data_sets & ~(unsigned)WS_ALL) == 0);
        assert_true(k->guard_sets != 0 && (k->guard_sets & ~k->data_sets) == 0);
        assert_true(app_kind_offers(k, PLAN_DEPLOY));
        /* Every pane it names is in the registry (panes/panes.def). */
        assert_non_null(k->panes);
        assert_non_null(k->panes[0]);
        for (size_t j = 0; k->panes[j]; j++) {
            bool found = false;
            for (int p = 0; p < PANE_COUNT; p++)
                found |= str_eq(panes_all[p].name, k->panes[j]);
            if (!found)
                fail_msg("kind %s names pane %s, which panes.def does not have", k->config->name, k->panes[j]);
        }
        /* Its rollout pane and companion are among its panes. */
        const char *rollout[] = { k->rollout_pane, k->rollout_mate };
        for (size_t j = 0; j < 2; j++) {
            bool listed = !rollout[j];
            for (size_t m = 0; rollout[j] && k->panes[m]; m++)
                listed |= str_eq(k->panes[m], rollout[j]);
            if (!listed)
                fail_msg("kind %s follows a rollout on pane %s, not one of its own", k->config->name, rollout[j]);
        }
        /* Its required keys are among its own. */
        for (size_t j = 0; k->config->required && k->config->required[j]; j++) {
            bool own = false;
            for (size_t m = 0; k->config->keys[m]; m++)
                own |= str_eq(k->config->keys[m], k->config->required[j]);
            assert_true(own);
        }
    }
    assert_null(app_kind_find("nosuch"));
    assert_null(app_kind_find(NULL));
    assert_null(config_kind_find("ASG"));
    /* No app (--asg flags) and an unknown target kind fall back to the default. */
    assert_ptr_equal(app_kind_of(NULL), all[0]);
    plan_target t = { .kind = (char *)"nosuch" };
    assert_ptr_equal(app_kind_of_target(&t), all[0]);
    assert_ptr_equal(app_kind_of_target(NULL), all[0]);
}

static void test_config_kind(void **state)
{
    (void)state;
    tarmac_config c;
    strbuf err;
    /* No kind: the default; an explicit one. */
    assert_int_equal(parse_str("apps:\n  a:\n    asg: g1\n  b:\n    kind: asg\n    asg: g2\n", &c, &err), 0);
    assert_int_equal(c.apps.n, 2);
    assert_string_equal(c.apps.items[0].kind->name, "asg");
    assert_ptr_equal(c.apps.items[1].kind, config_kind_find("asg"));
    assert_ptr_equal(app_kind_of(&c.apps.items[1]), app_kind_find("asg"));
    assert_string_equal(app_kind_of(&c.apps.items[0])->resource(&c.apps.items[0]), "g1");
    plan_target t;
    plan_target_init(&t, &c.apps.items[1], NULL, NULL, "eu-west-1", false);
    assert_string_equal(t.kind, "asg");
    plan_target_free(&t);
    config_free(&c);
    sb_free(&err);

    struct {
        const char *yaml, *error;
    } bad[] = {
        { "apps:\n  a:\n    kind: ecs\n    asg: g\n",
          "k.yaml:3:11: expected one of asg for the kind of app \"a\", got \"ecs\"" },
        { "apps:\n  a:\n    kind: [asg]\n    asg: g\n",
          "k.yaml:3:11: expected one of asg for the kind of app \"a\", got a list" },
        { "apps:\n  a:\n    kind: asg\n", "k.yaml:2:3: app \"a\" needs an asg (kind asg)" },
        /* The kind's own rules, at the key they are about. */
        { "apps:\n  a:\n    asg: g\n    refresh:\n      checkpoint_delay: 60\n",
          "k.yaml:5:25: refresh.checkpoint_delay: " },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(parse_str(bad[i].yaml, &c, &err), -1);
        if (strncmp(err.buf, bad[i].error, strlen(bad[i].error)) != 0)
            fail_msg("%s\nexpected: %s\n     got: %s", bad[i].yaml, bad[i].error, err.buf);
        assert_int_equal(c.apps.n, 0);
        config_free(&c);
        sb_free(&err);
    }
}

static void test_guard_signals_of_refresh(void **state)
{
    (void)state;
    struct {
        const char *status;
        rollout_state want;
    } cases[] = {
        { "Pending", ROLLOUT_RUNNING },          { "InProgress", ROLLOUT_RUNNING },
        { "Baking", ROLLOUT_RUNNING },           { "Cancelling", ROLLOUT_RUNNING },
        { "Successful", ROLLOUT_SUCCEEDED },     { "Failed", ROLLOUT_FAILED },
        { "Cancelled", ROLLOUT_ENDED_BAD },      { "RollbackSuccessful", ROLLOUT_ENDED_BAD },
        { "RollbackFailed", ROLLOUT_ENDED_BAD }, { "RollbackInProgress", ROLLOUT_ROLLING_BACK },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        instance_refresh r = { .status = (char *)cases[i].status,
                               .status_reason = (char *)"why",
                               .percentage_complete = 40,
                               .has_percentage_complete = true };
        guard_signals s;
        guard_signals_of_refresh(&s, &r, 3, 4, NULL);
        assert_int_equal(s.state, cases[i].want);
        assert_string_equal(s.status, cases[i].status);
        assert_string_equal(s.reason, "why");
        assert_string_equal(s.what, "refresh");
        assert_int_equal(s.healthy, 3);
        assert_int_equal(s.judged, 4);
    }
    guard_signals s;
    guard_signals_of_refresh(&s, NULL, 1, 2, NULL);
    assert_int_equal(s.state, ROLLOUT_UNSEEN);
    assert_null(s.status);
    /* The judge: Failed says roll back with AWS's reason; health counts even unseen. */
    plan_target t = { .unhealthy_polls = 1, .min_healthy_targets_percent = 100 };
    plan_guard g;
    plan_guard_init(&g, &t, NULL);
    instance_refresh failed = { .status = (char *)"Failed", .status_reason = (char *)"2 instances failed" };
    guard_signals_of_refresh(&s, &failed, 4, 4, NULL);
    assert_int_equal(plan_guard_judge(&g, &s), PLAN_GUARD_ROLLBACK);
    assert_string_equal(g.reason, "refresh Failed: 2 instances failed");
    plan_guard_done(&g);
    plan_guard_init(&g, &t, NULL);
    guard_signals_of_refresh(&s, NULL, 4, 4, NULL);
    assert_int_equal(plan_guard_judge(&g, &s), PLAN_GUARD_RUNNING);
    guard_signals_of_refresh(&s, NULL, 2, 4, NULL);
    assert_int_equal(plan_guard_judge(&g, &s), PLAN_GUARD_ROLLBACK);
    assert_string_equal(g.reason, "healthy targets 2/4 stayed under 100% for 1 polls");
    plan_guard_done(&g);
}

static void test_plan_kind_through_journal(void **state)
{
    (void)state;
    plan p = { .action = PLAN_CANCEL };
    strcpy(p.id, "p-1");
    plan_target_init(&p.target, NULL, "g", NULL, "eu-west-1", false);
    json_object *o = plan_to_json(&p);
    assert_string_equal(json_object_get_string(json_object_object_get(o, "kind")), "asg");
    strbuf err;
    sb_init(&err);
    plan *back = plan_from_json(o, &err);
    assert_non_null(back);
    assert_string_equal(back->target.kind, "asg");
    plan_free(back);
    /* A journal written before kinds: its plans were the asg kind's. */
    json_object_object_del(o, "kind");
    back = plan_from_json(o, &err);
    assert_non_null(back);
    assert_string_equal(back->target.kind, "asg");
    plan_free(back);
    json_object_put(o);
    sb_free(&err);
    plan_target_free(&p.target);
}

/* A kind with fewer panes gets only those, rows closing up, tabs among them. */
static void test_layout_places_only_the_kinds_panes(void **state)
{
    (void)state;
    unsigned some = LAYOUT_PANE_BIT(PANE_GROUPS) | LAYOUT_PANE_BIT(PANE_REFRESH);
    layout l;
    layout_compute(200, 50, PANE_TARGETS, some, &l);
    for (int p = 0; p < PANE_COUNT; p++)
        assert_int_equal(l.visible[p], (some >> p) & 1);
    /* Two rows left: the second starts where the first ends and reaches the status line. */
    assert_int_equal(l.pane[PANE_GROUPS].y, 1);
    assert_int_equal(l.pane[PANE_REFRESH].y, l.pane[PANE_GROUPS].y + l.pane[PANE_GROUPS].h);
    assert_int_equal(l.pane[PANE_REFRESH].y + l.pane[PANE_REFRESH].h, 49);
    /* Each alone in its row: full width. */
    assert_int_equal(l.pane[PANE_GROUPS].w, 200);
    assert_int_equal(l.pane[PANE_REFRESH].w, 200);
    /* Narrow: the tab asked for is not the kind's, so its first tab shows. */
    assert_int_equal(layout_first_tab(some), PANE_REFRESH);
    layout_compute(80, 24, PANE_TARGETS, some, &l);
    assert_true(l.visible[PANE_REFRESH]);
    assert_false(l.visible[PANE_TARGETS]);
    assert_int_equal(l.pane[PANE_GROUPS].w, 80);
    assert_int_equal(layout_first_tab(LAYOUT_PANE_BIT(PANE_GROUPS)), -1);
}

static void image(ecr_image_detail_list *l, const char *digest, const char *t1, const char *t2)
{
    ecr_image_detail *im = VEC_NEW(*l);
    im->image_digest = xstrdup(digest);
    strvec_push(&im->image_tags, t1);
    if (t2)
        strvec_push(&im->image_tags, t2);
}

/* The asg kind's broken mark: set by a bad end while live names another image than
 * stable; cleared by a later success or a rollback of live; unknown is not broken. */
static void test_asg_mark(void **state)
{
    (void)state;
    const app_kind *k = app_kind_find("asg");
    watch_state ws;
    memset(&ws, 0, sizeof ws);
    app_mark m;
    assert_false(k->mark(&ws, NULL, "prod", "prod-stable", &m)); /* nothing read yet */
    ws.meta[WS_REFRESHES].fetched_at = 1;
    ws.meta[WS_IMAGES].fetched_at = 1;
    instance_refresh *r = VEC_NEW(ws.refreshes);
    r->status = xstrdup("Failed");
    image(&ws.images, "sha256:bad0000000000000", "prod", "e5d1f0c");
    image(&ws.images, "sha256:good000000000000", "prod-stable", "2f4a8c6");
    assert_true(k->mark(&ws, NULL, "prod", "prod-stable", &m));
    assert_true(m.broken);
    assert_string_equal(m.status, "Failed");
    assert_string_equal(m.live, "e5d1f0c");
    assert_string_equal(m.text, "refresh Failed; prod -> e5d1f0c: new launches run it; R rolls back");
    str_set(&r->status, "Cancelled");
    assert_true(k->mark(&ws, NULL, "prod", "prod-stable", &m));
    str_set(&r->status, "RollbackFailed");
    assert_true(k->mark(&ws, NULL, "prod", "prod-stable", &m));
    /* A later success clears it (the newest refresh is first). */
    str_set(&r->status, "Successful");
    assert_false(k->mark(&ws, NULL, "prod", "prod-stable", &m));
    assert_false(m.broken);
    str_set(&r->status, "InProgress");
    assert_false(k->mark(&ws, NULL, "prod", "prod-stable", &m));
    /* Rolled back by retag: live names stable's image again. */
    str_set(&r->status, "Failed");
    strvec_push(&ws.images.items[1].image_tags, "prod");
    strvec_free(&ws.images.items[0].image_tags);
    strvec_push(&ws.images.items[0].image_tags, "e5d1f0c");
    assert_false(k->mark(&ws, NULL, "prod", "prod-stable", &m));
    /* The images not read yet: still broken, what live names unknown. */
    MODEL_LIST_FREE(ws.images, ecr_image_detail_free);
    ws.meta[WS_IMAGES].fetched_at = 0;
    assert_true(k->mark(&ws, NULL, "prod", "prod-stable", &m));
    assert_string_equal(m.live, "?");
    assert_string_equal(m.text, "refresh Failed; prod -> ?: new launches run it; R rolls back");
    /* Refreshes that could not be read: nothing can be said. */
    ws.meta[WS_REFRESHES].stale = true;
    assert_false(k->mark(&ws, NULL, "prod", "prod-stable", &m));
    MODEL_LIST_FREE(ws.refreshes, instance_refresh_free);
    MODEL_LIST_FREE(ws.images, ecr_image_detail_free);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_contract),
        cmocka_unit_test(test_config_kind),
        cmocka_unit_test(test_guard_signals_of_refresh),
        cmocka_unit_test(test_plan_kind_through_journal),
        cmocka_unit_test(test_layout_places_only_the_kinds_panes),
        cmocka_unit_test(test_asg_mark),
    };
    return cmocka_run_group_tests_name("kinds", tests, NULL, NULL);
}
