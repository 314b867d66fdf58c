/* test_refresh_rules.c — one case per rule of refresh_rules.c (the StartInstanceRefresh
 * preferences AWS refuses, and tarmac's own): each case breaks exactly one rule and
 * must be reported with that rule's id, nothing else; a rule added to the table
 * without a case here fails the test. The boundary values AWS accepts pass. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "services/refresh_rules.h"

typedef struct rule_case {
    const char *rule; /* the id that must be reported (NULL: none) */
    bool plan;
    bool desired;
    const char *group_version, *desired_version;
    /* preferences */
    unsigned set; /* which of the ints below are given */
    int min, max, warmup, delay, bake;
    int checkpoints[4]; /* 0-terminated */
    int n_alarms;       /* with ALARMS: how many in AlarmSpecification */
    const char *alarm;  /* the name used for every alarm (NULL: "web-5xx") */
    const char *scale_in, *standby;
    bool auto_rollback; /* with AUTO_RB */
} rule_case;

enum { MIN = 1, MAX = 2, WARMUP = 4, DELAY = 8, BAKE = 16, ALARMS = 32, AUTO_RB = 64 };

static const rule_case cases[] = {
    /* accepted: AWS's boundaries */
    { .rule = NULL },
    { NULL, .set = MIN, .min = 0 },
    { NULL, .set = MIN | MAX, .min = 100, .max = 200 },
    { NULL, .set = MIN | MAX, .min = 90, .max = 190 },
    { NULL, .set = WARMUP | DELAY | BAKE, .warmup = 0, .delay = 0, .bake = 172800, .checkpoints = { 1, 100 } },
    { NULL, .set = DELAY, .delay = 172800, .checkpoints = { 100 } },
    { NULL, .set = ALARMS, .n_alarms = 10 },
    { NULL, .scale_in = "Refresh", .standby = "Terminate" },
    { NULL, .set = AUTO_RB, .plan = true, .desired = true, .group_version = "4", .desired_version = "5",
      .auto_rollback = true },
    { NULL, .set = AUTO_RB, .plan = true, .auto_rollback = false },
    { NULL, .set = AUTO_RB, .plan = false, .auto_rollback = true }, /* the config cannot know: the plan decides */
    /* one broken rule each */
    { "min-healthy-range", .set = MIN, .min = 101 },
    { "min-healthy-range", .set = MIN, .min = -1 },
    { "max-healthy-range", .set = MIN | MAX, .min = 50, .max = 99 },
    { "max-healthy-range", .set = MIN | MAX, .min = 100, .max = 201 },
    { "max-healthy-needs-min", .set = MAX, .max = 150 },
    { "max-minus-min-at-most-100", .set = MIN | MAX, .min = 0, .max = 101 },
    { "warmup-range", .set = WARMUP, .warmup = -1 },
    { "checkpoint-range", .checkpoints = { -5, 100 } },
    { "checkpoint-range", .checkpoints = { 50, 101 } },
    { "checkpoint-ascending-unique", .checkpoints = { 50, 20, 100 } },
    { "checkpoint-ascending-unique", .checkpoints = { 50, 50, 100 } },
    { "checkpoint-last-100", .checkpoints = { 20, 50 } },
    { "checkpoint-delay-needs-percentages", .set = DELAY, .delay = 600 },
    { "checkpoint-delay-range", .set = DELAY, .delay = 172801, .checkpoints = { 100 } },
    { "checkpoint-delay-range", .set = DELAY, .delay = -1, .checkpoints = { 100 } },
    { "bake-time-range", .set = BAKE, .bake = 172801 },
    { "bake-time-range", .set = BAKE, .bake = -5 },
    { "alarms-count", .set = ALARMS, .n_alarms = 11 },
    { "alarms-count", .set = ALARMS, .n_alarms = 0 },
    { "alarm-name", .set = ALARMS, .n_alarms = 1, .alarm = "" },
    { "alarm-name", .set = ALARMS, .n_alarms = 2, .alarm = "a\x1b[2Jb" },
    { "scale-in-protected-enum", .scale_in = "wait" },
    { "standby-enum", .standby = "Refresh" },
    { "auto-rollback-needs-desired", .set = AUTO_RB, .plan = true, .auto_rollback = true },
    { "auto-rollback-pinned-version", .set = AUTO_RB, .plan = true, .desired = true, .group_version = "$Latest",
      .desired_version = "5", .auto_rollback = true },
    { "auto-rollback-pinned-version", .set = AUTO_RB, .plan = true, .desired = true, .group_version = "3",
      .desired_version = "$Default", .auto_rollback = true },
};

static void build(const rule_case *c, refresh_prefs *p, refresh_rule_ctx *ctx)
{
    memset(p, 0, sizeof *p);
    p->has_min_healthy_percentage = c->set & MIN;
    p->min_healthy_percentage = c->min;
    p->has_max_healthy_percentage = c->set & MAX;
    p->max_healthy_percentage = c->max;
    p->has_instance_warmup = c->set & WARMUP;
    p->instance_warmup = c->warmup;
    p->has_checkpoint_delay = c->set & DELAY;
    p->checkpoint_delay = c->delay;
    p->has_bake_time = c->set & BAKE;
    p->bake_time = c->bake;
    for (size_t i = 0; i < 4 && c->checkpoints[i]; i++)
        VEC_PUSH(p->checkpoint_percentages, c->checkpoints[i]);
    if (c->set & ALARMS) {
        p->has_alarm_specification = true;
        for (int i = 0; i < c->n_alarms; i++)
            strvec_push(&p->alarms, c->alarm ? c->alarm : "web-5xx");
    }
    p->scale_in_protected_instances = c->scale_in ? xstrdup(c->scale_in) : NULL;
    p->standby_instances = c->standby ? xstrdup(c->standby) : NULL;
    p->has_auto_rollback = c->set & AUTO_RB;
    p->auto_rollback = c->auto_rollback;
    *ctx = (refresh_rule_ctx){ .plan = c->plan,
                               .has_desired_configuration = c->desired,
                               .group_lt_version = c->group_version,
                               .desired_lt_version = c->desired_version };
}

static void test_each_rule(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const rule_case *c = &cases[i];
        refresh_prefs p;
        refresh_rule_ctx ctx;
        build(c, &p, &ctx);
        refresh_violation v[4];
        memset(v, 0, sizeof v);
        size_t n = refresh_rules_check(&p, &ctx, v, 4);
        if (!c->rule) {
            if (n)
                print_error("case %zu: expected no violation, got %s: %s\n", i, v[0].rule, v[0].text);
            assert_int_equal(n, 0);
        } else {
            if (n != 1 || strcmp(v[0].rule, c->rule) != 0)
                print_error("case %zu: expected %s, got %zu violation(s), first %s: %s\n", i, c->rule, n,
                            n ? v[0].rule : "-", n ? v[0].text : "");
            assert_int_equal(n, 1);
            assert_string_equal(v[0].rule, c->rule);
            assert_true(v[0].text[0] != '\0');
            assert_non_null(v[0].key);
            assert_non_null(v[0].member);
            /* untrusted bytes never reach the text */
            assert_null(strchr(v[0].text, '\x1b'));
        }
        refresh_prefs_free(&p);
    }
}

/* Every rule of the table has at least one case above. */
static void test_every_rule_has_a_case(void **state)
{
    (void)state;
    size_t n;
    const char *const *ids = refresh_rules_ids(&n);
    assert_true(n >= 15);
    for (size_t k = 0; k < n; k++) {
        bool found = false;
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
            if (cases[i].rule && strcmp(cases[i].rule, ids[k]) == 0)
                found = true;
        if (!found)
            print_error("rule %s has no case\n", ids[k]);
        assert_true(found);
    }
}

/* Several broken rules are all counted, in the table's order; out may be short. */
static void test_many_and_bounds(void **state)
{
    (void)state;
    refresh_prefs p = { 0 };
    p.has_max_healthy_percentage = true;
    p.max_healthy_percentage = 250;
    p.has_checkpoint_delay = true;
    p.checkpoint_delay = 10;
    refresh_rule_ctx ctx = { .plan = true };
    refresh_violation v[1];
    assert_int_equal(refresh_rules_check(&p, &ctx, v, 1), 3); /* range, needs min, delay */
    assert_string_equal(v[0].rule, "max-healthy-range");
    assert_true(v[0].aws);
    assert_int_equal(refresh_rules_check(&p, &ctx, NULL, 0), 3);
    assert_int_equal(refresh_rules_check(&p, NULL, NULL, 0), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_rule),
        cmocka_unit_test(test_every_rule_has_a_case),
        cmocka_unit_test(test_many_and_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
