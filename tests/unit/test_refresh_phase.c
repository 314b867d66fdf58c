/* test_refresh_phase.c — a refresh's progress read right during a rollback: AWS's
 * PercentageComplete falls back to 0 while RollbackInProgress, so a falling value
 * is the rollback's progress (from PercentageCompleteOnRollback), never a refresh
 * starting over; RollbackDetails in one line; the deploy guard's wording of a
 * rollback, and which target states it counts as judged (unhealthy.draining is a
 * verdict, unused is not; neither is healthy). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "deploy/plan.h"
#include "services/refresh_phase.h"

static instance_refresh rolling_back(int now, int from)
{
    instance_refresh r = { .instance_refresh_id = "r1",
                           .status = "RollbackInProgress",
                           .has_percentage_complete = now >= 0,
                           .percentage_complete = now };
    r.rollback_details.present = true;
    r.rollback_details.has_percentage_complete_on_rollback = from >= 0;
    r.rollback_details.percentage_complete_on_rollback = from;
    return r;
}

static void test_phase_of(void **state)
{
    (void)state;
    refresh_phase ph;
    instance_refresh r = { .status = "InProgress", .has_percentage_complete = true, .percentage_complete = 40 };
    refresh_phase_of(&r, &ph);
    assert_false(ph.rollback);
    assert_true(ph.has_pct);
    assert_int_equal(ph.pct, 40);

    /* Rolling back from 50 %: 50 -> 0 is 0 -> 100 % of the rollback. */
    r = rolling_back(50, 50);
    refresh_phase_of(&r, &ph);
    assert_true(ph.rollback);
    assert_true(ph.has_pct);
    assert_int_equal(ph.pct, 0);
    r = rolling_back(30, 50);
    refresh_phase_of(&r, &ph);
    assert_int_equal(ph.pct, 40);
    assert_int_equal(ph.refresh_pct, 30);
    assert_int_equal(ph.from_pct, 50);
    r = rolling_back(0, 50);
    refresh_phase_of(&r, &ph);
    assert_int_equal(ph.pct, 100);
    r = rolling_back(70, 50); /* above where it began: nothing undone yet */
    refresh_phase_of(&r, &ph);
    assert_int_equal(ph.pct, 0);

    /* Where it began is not known, or it began at 0: no percentage is made up. */
    r = rolling_back(30, -1);
    refresh_phase_of(&r, &ph);
    assert_true(ph.rollback);
    assert_false(ph.has_pct);
    r = rolling_back(0, 0);
    refresh_phase_of(&r, &ph);
    assert_false(ph.has_pct);

    r = rolling_back(0, 50);
    r.status = "RollbackSuccessful";
    refresh_phase_of(&r, &ph);
    assert_true(ph.rollback);
    assert_int_equal(ph.pct, 100);
    r = rolling_back(20, 50);
    r.status = "RollbackFailed";
    refresh_phase_of(&r, &ph);
    assert_true(ph.rollback);
    assert_int_equal(ph.pct, 60);

    refresh_phase_of(NULL, &ph);
    assert_false(ph.has_pct);
    assert_false(ph.rollback);
    assert_true(refresh_status_rollback("RollbackInProgress"));
    assert_false(refresh_status_rollback("InProgress"));
    assert_false(refresh_status_rollback(NULL));
}

static void test_phase_text_and_summary(void **state)
{
    (void)state;
    char buf[512];
    refresh_phase ph;
    instance_refresh r = rolling_back(30, 50);
    refresh_phase_of(&r, &ph);
    refresh_phase_text(&ph, buf, sizeof buf);
    assert_string_equal(buf, "rollback 40% (refresh at 30%, was 50%)");
    r = rolling_back(30, -1);
    refresh_phase_of(&r, &ph);
    refresh_phase_text(&ph, buf, sizeof buf);
    assert_string_equal(buf, "rollback (refresh at 30%, was ?)");
    instance_refresh plain = { .status = "InProgress", .has_percentage_complete = true, .percentage_complete = 7 };
    refresh_phase_of(&plain, &ph);
    refresh_phase_text(&ph, buf, sizeof buf);
    assert_string_equal(buf, "7%");

    r = rolling_back(30, 50);
    r.rollback_details.rollback_reason = "Instance refresh failed (AutoRollback)";
    r.rollback_details.rollback_start_time = 1714564803000;
    r.rollback_details.has_instances_to_update_on_rollback = true;
    r.rollback_details.instances_to_update_on_rollback = 3;
    r.rollback_details.progress_details_on_rollback.has_live = true;
    r.rollback_details.progress_details_on_rollback.live_percentage_complete = 50;
    r.rollback_details.progress_details_on_rollback.live_instances_to_update = 3;
    r.rollback_details.progress_details_on_rollback.has_warm = true;
    r.rollback_details.progress_details_on_rollback.warm_percentage_complete = 0;
    r.rollback_details.progress_details_on_rollback.warm_instances_to_update = 1;
    refresh_rollback_summary(&r, buf, sizeof buf);
    assert_string_equal(buf,
                        "rollback since 2024-05-01T12:00:03.000Z (Instance refresh failed (AutoRollback)): "
                        "the refresh was 50% done, 3 to update; live pool 50%, 3 to update; "
                        "warm pool 0%, 1 to update");
    r.rollback_details.present = false;
    refresh_rollback_summary(&r, buf, sizeof buf);
    assert_string_equal(buf, "");
    char tiny[9];
    r.rollback_details.present = true;
    refresh_rollback_summary(&r, tiny, sizeof tiny);
    assert_string_equal(tiny, "rollback");
}

static void test_guard_reads_a_rollback(void **state)
{
    (void)state;
    plan_target t = { .unhealthy_polls = 3, .min_healthy_targets_percent = 100 };
    plan_guard g;
    plan_guard_init(&g, &t, "r1");
    cw_alarm_list alarms = { 0 };
    cw_alarm *a = VEC_NEW(alarms);
    a->alarm_name = xstrdup("web-5xx");
    a->state_value = xstrdup("OK");
    instance_refresh r = rolling_back(30, 50);
    assert_int_equal(plan_guard_update(&g, &r, 4, 4, &alarms), PLAN_GUARD_RUNNING);
    str_set(&a->state_value, "ALARM");
    str_set(&a->state_reason, "Threshold Crossed");
    assert_int_equal(plan_guard_update(&g, &r, 4, 4, &alarms), PLAN_GUARD_ROLLBACK);
    /* Was "(refresh RollbackInProgress 30%)": the falling value read as the refresh's own. */
    assert_string_equal(g.reason,
                        "alarm web-5xx is in ALARM: Threshold Crossed "
                        "(refresh RollbackInProgress rollback 40% (refresh at 30%, was 50%))");
    MODEL_LIST_FREE(alarms, cw_alarm_free);
    plan_guard_done(&g);
}

static void test_target_counts(void **state)
{
    (void)state;
    target_health_list l = { 0 };
    const char *states[] = { "healthy", "healthy",  "unhealthy.draining", "unused",
                             "initial", "draining", "unhealthy",          "unavailable" };
    for (size_t i = 0; i < ARRAY_LEN(states); i++)
        VEC_NEW(l)->state = xstrdup(states[i]);
    const target_health_list *lists[] = { &l };
    int healthy, judged, all;
    plan_guard_count_targets(lists, 1, &healthy, &judged, &all);
    assert_int_equal(healthy, 2);
    assert_int_equal(judged, 5); /* healthy x2, unhealthy.draining, unhealthy, unavailable */
    assert_int_equal(all, 8);
    MODEL_LIST_FREE(l, target_health_desc_free);

    /* A fleet whose targets failed and are draining is under the threshold. */
    target_health_list d = { 0 };
    VEC_NEW(d)->state = xstrdup("healthy");
    VEC_NEW(d)->state = xstrdup("unhealthy.draining");
    VEC_NEW(d)->state = xstrdup("unhealthy.draining");
    const target_health_list *dl[] = { &d };
    plan_guard_count_targets(dl, 1, &healthy, &judged, &all);
    assert_int_equal(healthy, 1);
    assert_int_equal(judged, 3);
    plan_target t = { .unhealthy_polls = 2, .min_healthy_targets_percent = 100 };
    plan_guard g;
    plan_guard_init(&g, &t, "r1");
    instance_refresh r = { .instance_refresh_id = "r1", .status = "InProgress" };
    assert_int_equal(plan_guard_update(&g, &r, 3, 3, NULL), PLAN_GUARD_RUNNING);
    assert_int_equal(plan_guard_update(&g, &r, healthy, judged, NULL), PLAN_GUARD_RUNNING);
    assert_int_equal(plan_guard_update(&g, &r, healthy, judged, NULL), PLAN_GUARD_ROLLBACK);
    plan_guard_done(&g);
    MODEL_LIST_FREE(d, target_health_desc_free);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phase_of),
        cmocka_unit_test(test_phase_text_and_summary),
        cmocka_unit_test(test_guard_reads_a_rollback),
        cmocka_unit_test(test_target_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
