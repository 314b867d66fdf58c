/* test_watch.c — the console's live model (watch.h) against the simulator on
 * loopback, with the test clock: every data set of the table arrives; the polling
 * budget of one idle app (calls counted at the simulator) while shown, while
 * dozing after ten minutes without a key, and at full speed during a refresh that
 * someone else started; hidden sets on the slow interval and asked at once when
 * they come on screen; a failing call marks its set stale and keeps the data. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faults.h"
#include "sim_fixture.h"
#include "watch/watch.h"

typedef struct fx {
    sim_fixture sim;
    aws_credentials creds;
    aws_client *client;
    strvec asgs, alarms;
    watch *w;
} fx;

static watch *new_watch(fx *x, int doze_after_ms)
{
    watch_opts o = {
        .asg_names = &x->asgs,
        .initial_asg = "web-asg",
        .repository = "web",
        .alarm_names = &x->alarms,
        .doze_after_ms = doze_after_ms,
    };
    return watch_new(x->client, &o);
}

static int setup(void **state)
{
    fx *x = xcalloc(1, sizeof *x);
    if (sim_fixture_start(&x->sim, "watch", -1) != 0)
        return -1;
    x->creds.access_key_id = xstrdup(x->sim.akid);
    x->creds.secret_access_key = xstrdup(x->sim.secret);
    aws_client_config cfg = { .region = "us-east-1", .endpoint_url = x->sim.base, .credentials = &x->creds };
    aws_error err;
    x->client = aws_client_new(&cfg, &err);
    if (!x->client)
        return -1;
    strvec_push(&x->asgs, "web-asg");
    strvec_push(&x->alarms, "web-unhealthy-hosts");
    x->w = new_watch(x, WATCH_DOZE_AFTER_MS);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    fx *x = *state;
    watch_free(x->w);
    aws_client_free(x->client);
    aws_credentials_free(&x->creds);
    strvec_free(&x->asgs);
    strvec_free(&x->alarms);
    sim_fixture_stop(&x->sim);
    free(x);
    return 0;
}

static uint64_t calls(fx *x)
{
    pthread_mutex_lock(&x->sim.f.lock);
    uint64_t n = x->sim.f.calls_total;
    pthread_mutex_unlock(&x->sim.f.lock);
    return n;
}

static bool any_in_flight(const watch *w)
{
    const watch_state *s = watch_get(w);
    for (int set = 0; set < WS_COUNT; set++)
        if (s->meta[set].in_flight)
            return true;
    return false;
}

/* One turn of the console's loop, then until the calls it started are answered
 * (bounded in real time). */
static void settle(fx *x)
{
    int64_t stop = mono_now_ms() + 10000;
    watch_tick(x->w, mono_now_ms());
    if (!any_in_flight(x->w))
        return;
    for (int spins = 0; spins < 20000; spins++) {
        aws_client_wait(x->client, NULL, 0, 5);
        aws_client_run(x->client);
        watch_tick(x->w, mono_now_ms());
        if (!any_in_flight(x->w))
            return;
        if (mono_now_ms() > stop)
            break;
    }
    fail_msg("the watch's calls were not answered in time");
}

/* Moves the test clock forward by `seconds`, a second at a time, running the loop
 * at each; returns the calls the simulator counted meanwhile. */
static uint64_t pass_time(fx *x, int seconds)
{
    uint64_t before = calls(x);
    for (int i = 0; i < seconds; i++) {
        clock_test_advance(1000);
        settle(x);
    }
    return calls(x) - before;
}

/* The registry (watch/sets.def): every set has its own name and its own file. */
static void test_registry(void **state)
{
    (void)state;
    static const char *const files[] = {
#define SET(ID, name, members) #name,
#include "watch/sets.def"
#undef SET
    };
    assert_int_equal(sizeof files / sizeof files[0], WS_COUNT);
    const char *top = getenv("TARMAC_TOP");
    for (int i = 0; i < WS_COUNT; i++) {
        const char *n = watch_set_name((watch_set)i);
        assert_string_not_equal(n, "?");
        for (int j = 0; j < i; j++)
            assert_string_not_equal(n, watch_set_name((watch_set)j));
        if (top && *top) {
            char path[4096];
            snprintf(path, sizeof path, "%s/backend/watch/set_%s.c", top, files[i]);
            if (access(path, R_OK) != 0)
                fail_msg("data set %s has no file %s", n, path);
        }
    }
    assert_string_equal(watch_set_name(WS_COUNT), "?");
}

static void test_every_set_arrives(void **state)
{
    fx *x = *state;
    settle(x);
    settle(x); /* the sets that wait for the groups */
    const watch_state *s = watch_get(x->w);
    for (int set = 0; set < WS_COUNT; set++) {
        const char *name = watch_set_name((watch_set)set);
        assert_string_not_equal(name, "?");
        for (int o = 0; o < set; o++)
            assert_string_not_equal(name, watch_set_name((watch_set)o));
        if (set == WS_OTHER_REFRESHES || set == WS_WARM_POOL)
            continue; /* one group and no warm pool: nothing to ask */
        if (!s->meta[set].fetched_at || s->meta[set].stale)
            fail_msg("set %s: fetched %lld stale %d (%s)", name, (long long)s->meta[set].fetched_at, s->meta[set].stale,
                     s->meta[set].error);
    }
    assert_non_null(watch_selected_group(s));
    assert_true(s->images.n > 0);
    assert_true(s->target_groups.n > 0);
    assert_true(s->alarms.n > 0);
    assert_non_null(s->identity.account);
}

/* One idle app, shown: at most 12 calls a minute (issue "one table each"). */
static void test_idle_budget(void **state)
{
    fx *x = *state;
    settle(x);
    settle(x);
    pass_time(x, 60); /* the first answers' schedule settles */
    watch_user_active(x->w);
    uint64_t n = pass_time(x, 120);
    print_message("idle, shown: %llu calls in 2 minutes\n", (unsigned long long)n);
    assert_true(n >= 8); /* it does poll */
    assert_true(n <= 24);
    assert_false(watch_dozing(x->w));
}

/* Ten minutes without a key: at most 2 calls a minute, and a key brings back
 * everything that is older than its shown interval at once. */
static void test_doze_and_wake(void **state)
{
    fx *x = *state;
    settle(x);
    settle(x);
    pass_time(x, 600);
    assert_true(watch_dozing(x->w));
    uint64_t n = pass_time(x, 600);
    print_message("dozing: %llu calls in 10 minutes\n", (unsigned long long)n);
    assert_true(n >= 2);
    assert_true(n <= 20);
    assert_true(watch_get(x->w)->meta[WS_IMAGES].interval_ms >= 10 * 60 * 1000);

    pass_time(x, 200); /* off the doze intervals' beat */
    uint64_t before = calls(x);
    watch_user_active(x->w);
    assert_false(watch_dozing(x->w));
    settle(x);
    assert_true(calls(x) - before >= 5); /* groups, refreshes, targets, images, ... at once */
    assert_int_equal(watch_get(x->w)->meta[WS_GROUPS].interval_ms, WATCH_DEFAULT_BASE_MS);
}

/* A refresh that someone else starts is seen within one base interval, and then
 * polled at full speed however long nobody pressed a key. */
static void test_foreign_refresh_full_speed(void **state)
{
    fx *x = *state;
    settle(x);
    settle(x);
    pass_time(x, 700);
    assert_true(watch_dozing(x->w));
    pthread_mutex_lock(&x->sim.f.lock);
    char *id = NULL;
    sim_error e = world_start_refresh(x->sim.w, "web-asg", "Rolling", NULL, NULL, &id);
    pthread_mutex_unlock(&x->sim.f.lock);
    assert_true(sim_ok(&e));
    free(id);
    /* dozing, the refreshes are read at least every two minutes */
    for (int i = 0; i < 150 && !watch_refresh_active(watch_get(x->w)); i++)
        pass_time(x, 1);
    assert_true(watch_refresh_active(watch_get(x->w)));
    assert_false(watch_dozing(x->w));
    const watch_state *s = watch_get(x->w);
    assert_int_equal(s->meta[WS_REFRESHES].interval_ms, 2000);
    assert_int_equal(s->meta[WS_TARGETS].interval_ms, 2000);
    uint64_t n = pass_time(x, 10);
    assert_true(n >= 10); /* groups, refreshes, targets (2), ... every 2 s */
}

/* A set no pane shows is polled every two minutes at most; shown again, it is
 * asked at once when older than its shown interval. */
static void test_hidden_sets(void **state)
{
    fx *x = *state;
    settle(x);
    settle(x);
    watch_set_shown(x->w, WS_BIT(WS_GROUPS) | WS_BIT(WS_EC2));
    const watch_state *s = watch_get(x->w);
    assert_true(s->meta[WS_IMAGES].interval_ms >= WATCH_HIDDEN_MIN_MS);
    assert_true(s->meta[WS_TARGETS].interval_ms >= WATCH_HIDDEN_MIN_MS);
    assert_true(s->meta[WS_REFRESHES].interval_ms < WATCH_HIDDEN_MIN_MS); /* the header shows it */
    unsigned v = s->meta[WS_IMAGES].version;
    pass_time(x, 90);
    assert_int_equal(s->meta[WS_IMAGES].version, v); /* not asked while hidden */
    watch_set_shown(x->w, WS_ALL);
    settle(x);
    assert_int_not_equal(s->meta[WS_IMAGES].version, v);
}

/* A failing call marks its set stale with the error and keeps the data; the next
 * good answer clears it. */
static void test_failure_keeps_data(void **state)
{
    fx *x = *state;
    settle(x);
    settle(x);
    const watch_state *s = watch_get(x->w);
    size_t images = s->images.n;
    pthread_mutex_lock(&x->sim.f.lock);
    char err[160] = "";
    const char rules[] = "{\"rules\": [{\"operation\": \"DescribeImages\", \"error_code\": \"AccessDeniedException\","
                         " \"error_status\": 400, \"error_rate\": 1}]}";
    int rc = faults_from_json(rules, strlen(rules), &x->sim.f.faults, err, sizeof err);
    pthread_mutex_unlock(&x->sim.f.lock);
    assert_int_equal(rc, 0);
    watch_refresh_now(x->w);
    settle(x);
    assert_true(s->meta[WS_IMAGES].stale);
    assert_non_null(strstr(s->meta[WS_IMAGES].error, "AccessDenied"));
    assert_int_equal(s->images.n, images);
    assert_false(s->meta[WS_GROUPS].stale);
    pthread_mutex_lock(&x->sim.f.lock);
    rc = faults_from_json("{\"rules\": []}", 13, &x->sim.f.faults, err, sizeof err);
    pthread_mutex_unlock(&x->sim.f.lock);
    assert_int_equal(rc, 0);
    pass_time(x, 10);
    assert_false(s->meta[WS_IMAGES].stale);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test_setup_teardown(test_every_set_arrives, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_doze_and_wake, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_refresh_full_speed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hidden_sets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failure_keeps_data, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
