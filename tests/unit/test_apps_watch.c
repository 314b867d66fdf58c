/* test_apps_watch.c — the Apps overview's model against the simulator on loopback:
 * apps on different profiles polled in parallel through one session per
 * profile/region (a role profile through STS among them), the live tag's commit,
 * healthy/total targets, refresh and alarm state; a profile that does not exist
 * fails alone with one line; a failing call marks the app stale and keeps its data;
 * a seed session is adopted without resolving again; pause; the summary texts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "watch/apps_watch.h"
#include "sim_fixture.h"

typedef sim_fixture fx;

static int setup(void **state)
{
    fx *x = xcalloc(1, sizeof *x);
    if (sim_fixture_start(x, "apps", -1) != 0)
        return -1;
    char text[768];
    snprintf(text, sizeof text,
             "[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
             "[other]\naws_access_key_id = %s\naws_secret_access_key = %s\n",
             x->akid, x->secret, x->akid, x->secret);
    sim_fixture_write(x, ".aws/credentials", text);
    sim_fixture_write(x, ".aws/config",
                      "[profile base]\nregion = us-east-1\n"
                      "[profile other]\nregion = us-east-1\n"
                      "[profile ops]\nrole_arn = arn:aws:iam::210987654321:role/ops\nsource_profile = base\n"
                      "role_session_name = oncall\nregion = us-east-1\n");
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    fx *x = *state;
    sim_fixture_stop(x);
    free(x);
    return 0;
}

/* Drives the watch as the console's loop does until every app finished `polls`
 * polls or failed its credentials (bounded). */
static void drive(apps_watch *aw, int polls)
{
    int64_t stop = mono_now_ms() + 15000;
    for (int spins = 0; mono_now_ms() < stop && spins < 100000; spins++) {
        apps_watch_run(aw, mono_now_ms());
        bool done = true;
        for (size_t i = 0; i < apps_watch_count(aw); i++) {
            const app_status *st = apps_watch_get(aw, i);
            if (st->creds != APP_CREDS_FAILED && (st->polls < polls || st->polling))
                done = false;
        }
        if (done)
            return;
        int wait = apps_watch_next_due_ms(aw, mono_now_ms());
        usleep((useconds_t)(wait > 20 ? 20 : wait) * 1000);
    }
    fail_msg("the apps were not polled in time");
}

static const app_status *find(const apps_watch *aw, const char *name)
{
    for (size_t i = 0; i < apps_watch_count(aw); i++)
        if (str_eq(apps_watch_get(aw, i)->name, name))
            return apps_watch_get(aw, i);
    fail_msg("no app %s", name);
    return NULL;
}

static void test_apps_on_several_profiles(void **state)
{
    fx *x = *state;
    strvec web_alarms = { 0 }, api_alarms = { 0 };
    strvec_push(&web_alarms, "web-unhealthy-hosts");
    strvec_push(&api_alarms, "api-unhealthy-hosts");
    strvec_push(&api_alarms, "no-such-alarm");
    apps_watch_app apps[] = {
        { .name = "web", .profile = "base", .asg = "web-asg", .repository = "web", .alarms = &web_alarms },
        { .name = "api",
          .profile = "other",
          .region = "us-east-1",
          .asg = "api-asg",
          .repository = "api",
          .alarms = &api_alarms },
        { .name = "web-ops", .profile = "ops", .asg = "web-asg", .repository = "web" },
        { .name = "web-again", .profile = "base", .asg = "web-asg" },
    };
    apps_watch_opts o = { .apps = apps, .n_apps = ARRAY_LEN(apps), .endpoint_url = x->base };
    apps_watch *aw = apps_watch_new(&o);
    assert_int_equal(apps_watch_count(aw), 4);
    drive(aw, 1);

    const app_status *web = find(aw, "web"), *api = find(aw, "api"), *ops = find(aw, "web-ops");
    char buf[128];
    for (size_t i = 0; i < apps_watch_count(aw); i++) {
        const app_status *st = apps_watch_get(aw, i);
        assert_int_equal(st->creds, APP_CREDS_READY);
        assert_false(st->stale);
        assert_string_equal(st->error, "");
        assert_string_equal(st->region, "us-east-1");
        assert_true(st->group_found);
        assert_true(st->fetched_at > 0);
    }
    app_status_live_text(web, buf, sizeof buf);
    assert_string_equal(buf, "prod=2f4a8c6");
    app_status_live_text(api, buf, sizeof buf);
    assert_string_equal(buf, "prod=6e0b4d5");
    app_status_live_text(ops, buf, sizeof buf);
    assert_string_equal(buf, "prod=2f4a8c6");
    app_status_live_text(find(aw, "web-again"), buf, sizeof buf);
    assert_string_equal(buf, "-");
    assert_int_equal(web->desired, 4);
    assert_int_equal(api->desired, 6);
    assert_true(web->targets >= 1 && web->healthy <= web->targets);
    app_status_targets_text(web, buf, sizeof buf);
    char want[32];
    snprintf(want, sizeof want, "%d/%d", web->healthy, web->targets);
    assert_string_equal(buf, want);
    app_status_refresh_text(web, buf, sizeof buf);
    assert_string_equal(buf, "none");
    assert_true(web->alarms_known);
    assert_int_equal(web->alarms_total, 1);
    assert_int_equal(api->alarms_configured, 2);
    assert_int_equal(api->alarms_total, 1); /* the unknown alarm is simply not listed */

    /* one session per distinct profile/region; the role went through STS */
    const creds_session *s_web = apps_watch_session(aw, 0), *s_api = apps_watch_session(aw, 1);
    const creds_session *s_ops = apps_watch_session(aw, 2), *s_again = apps_watch_session(aw, 3);
    assert_non_null(s_web);
    assert_ptr_equal(s_web, s_again);
    assert_true(s_web != s_api && s_web != s_ops && s_api != s_ops);
    assert_ptr_not_equal(s_web->client, s_api->client);
    assert_string_equal(s_ops->creds.source, "assume-role");
    assert_memory_equal(s_ops->creds.access_key_id, "ASIASIM", 7);

    /* a second poll for all of them, and nothing changes when nothing moved */
    apps_watch_refresh_now(aw);
    drive(aw, 2);
    assert_int_equal(web->polls, 2);
    assert_true(apps_watch_take_changes(aw));
    assert_false(apps_watch_take_changes(aw));
    apps_watch_free(aw);
    strvec_free(&web_alarms);
    strvec_free(&api_alarms);
}

static void test_missing_profile_and_failing_call(void **state)
{
    fx *x = *state;
    apps_watch_app apps[] = {
        { .name = "ghost", .profile = "nosuch", .region = "us-east-1", .asg = "web-asg" },
        { .name = "web", .profile = "base", .asg = "web-asg", .repository = "nosuch-repo" },
        { .name = "lost", .profile = "base", .asg = "no-such-asg" },
    };
    apps_watch_opts o = { .apps = apps, .n_apps = ARRAY_LEN(apps), .endpoint_url = x->base };
    apps_watch *aw = apps_watch_new(&o);
    drive(aw, 1);
    const app_status *ghost = find(aw, "ghost"), *web = find(aw, "web"), *lost = find(aw, "lost");
    /* one line naming the profile, and no poll */
    assert_int_equal(ghost->creds, APP_CREDS_FAILED);
    assert_non_null(strstr(ghost->creds_error, "nosuch"));
    assert_null(strchr(ghost->creds_error, '\n'));
    assert_int_equal(ghost->polls, 0);
    assert_null(apps_watch_session(aw, 0));
    /* the images call fails: stale with the error; the rest of the poll is kept */
    assert_int_equal(web->creds, APP_CREDS_READY);
    assert_true(web->stale);
    assert_non_null(strstr(web->error, "RepositoryNotFound"));
    assert_true(web->group_found);
    assert_true(web->targets >= 1);
    assert_int_equal(web->fetched_at, 0);
    /* a group that is not there is said so */
    assert_false(lost->stale);
    assert_true(lost->group_known);
    assert_false(lost->group_found);
    assert_non_null(strstr(lost->error, "no Auto Scaling group named no-such-asg"));
    char buf[64];
    app_status_targets_text(lost, buf, sizeof buf);
    assert_string_equal(buf, "-");
    /* paused: nothing new starts even when due */
    apps_watch_pause(aw, true);
    apps_watch_refresh_now(aw);
    int polls = web->polls;
    for (int i = 0; i < 20; i++) {
        apps_watch_run(aw, mono_now_ms());
        usleep(5000);
    }
    assert_int_equal(web->polls, polls);
    assert_false(web->polling);
    apps_watch_free(aw);
}

static void test_seed_session_is_adopted(void **state)
{
    fx *x = *state;
    creds_session seed;
    strbuf err;
    sb_init(&err);
    creds_request req = { .profile = "ops", .region = "us-east-1" };
    creds_hooks h = { .endpoint_url = x->base };
    if (creds_session_open(&seed, &req, x->base, &h, true, &err) != 0)
        fail_msg("open: %s", err.buf);
    apps_watch_app apps[] = { { .name = "web", .profile = "ops", .asg = "web-asg" } };
    apps_watch_opts o = { .apps = apps, .n_apps = 1, .endpoint_url = x->base, .seed = &seed };
    apps_watch *aw = apps_watch_new(&o);
    /* ready at once: no job, the seed's credentials (not its client) */
    const creds_session *s = apps_watch_session(aw, 0);
    assert_non_null(s);
    assert_string_equal(s->creds.access_key_id, seed.creds.access_key_id);
    assert_ptr_not_equal(s->client, seed.client);
    assert_int_equal(apps_watch_next_due_ms(aw, mono_now_ms()), 0);
    drive(aw, 1);
    assert_false(apps_watch_get(aw, 0)->stale);
    apps_watch_free(aw);
    creds_session_close(&seed);

    /* creds_session_adopt on its own: a region from the profile, no network */
    creds_session a;
    aws_credentials cr = { .access_key_id = "AKIAEXAMPLE",
                           .secret_access_key = "not-a-real-secret",
                           .source = "shared-credentials-file" };
    creds_request r2 = { .profile = "base" };
    assert_int_equal(creds_session_adopt(&a, &r2, &cr, x->base, NULL, true, &err), 0);
    assert_string_equal(a.region, "us-east-1");
    assert_string_equal(a.profile, "base");
    assert_string_equal(a.creds.access_key_id, "AKIAEXAMPLE");
    assert_ptr_not_equal(a.creds.secret_access_key, cr.secret_access_key);
    creds_session_close(&a);
    unsetenv("AWS_REGION");
    creds_request r3 = { .profile = "nosuch-profile-either" };
    sb_free(&err);
    sb_init(&err);
    assert_int_equal(creds_session_adopt(&a, &r3, &cr, x->base, NULL, true, &err), -1);
    assert_true(err.len > 0);
    assert_null(a.client);
    sb_free(&err);
}

static void test_texts(void **state)
{
    (void)state;
    app_status st;
    memset(&st, 0, sizeof st);
    char buf[128];
    st.targets = -1;
    app_status_live_text(&st, buf, sizeof buf);
    assert_string_equal(buf, "-");
    app_status_refresh_text(&st, buf, sizeof buf);
    assert_string_equal(buf, "-");
    app_status_targets_text(&st, buf, sizeof buf);
    assert_string_equal(buf, "-");
    app_status_alarms_text(&st, buf, sizeof buf);
    assert_string_equal(buf, "-");

    st.repository = "web";
    st.live_tag = "prod";
    app_status_live_text(&st, buf, sizeof buf);
    assert_string_equal(buf, "?");
    st.live_known = true;
    app_status_live_text(&st, buf, sizeof buf);
    assert_string_equal(buf, "prod missing");
    st.live_found = true;
    st.live_digest = "sha256:0123456789abcdef0123";
    app_status_live_text(&st, buf, sizeof buf);
    assert_string_equal(buf, "prod=0123456789ab");
    st.live_commit = "2f4a8c6";
    app_status_live_text(&st, buf, sizeof buf);
    assert_string_equal(buf, "prod=2f4a8c6");

    st.refresh_known = true;
    st.refresh_status = "InProgress";
    st.refresh_active = st.has_refresh_pct = true;
    st.refresh_pct = 45;
    app_status_refresh_text(&st, buf, sizeof buf);
    assert_string_equal(buf, "InProgress 45%");
    st.refresh_status = "Successful";
    st.refresh_active = false;
    app_status_refresh_text(&st, buf, sizeof buf);
    assert_string_equal(buf, "Successful");

    /* Broken: a bad end while live is not stable's image; clears with a success or
     * a rollback by retag; unknown is never broken. */
    assert_false(app_status_broken(&st));
    st.refresh_status = "Failed";
    assert_true(app_status_broken(&st));
    st.refresh_status = "Cancelled";
    assert_true(app_status_broken(&st));
    st.refresh_status = "RollbackFailed";
    assert_true(app_status_broken(&st));
    st.stable_digest = "sha256:0123456789abcdef0123"; /* live == stable: rolled back */
    assert_false(app_status_broken(&st));
    st.stable_digest = "sha256:ffff";
    assert_true(app_status_broken(&st));
    st.live_known = false;
    assert_false(app_status_broken(&st));
    st.live_known = true;
    st.refresh_status = "Successful";

    st.targets = 4;
    st.healthy = 3;
    app_status_targets_text(&st, buf, sizeof buf);
    assert_string_equal(buf, "3/4");

    st.alarms_configured = 3;
    st.alarms_known = true;
    st.alarms_total = 3;
    app_status_alarms_text(&st, buf, sizeof buf);
    assert_string_equal(buf, "OK (3)");
    st.alarms_insufficient = 1;
    app_status_alarms_text(&st, buf, sizeof buf);
    assert_string_equal(buf, "INSUFFICIENT_DATA");
    st.alarms_alarm = 1;
    st.alarm_first = "web-5xx";
    app_status_alarms_text(&st, buf, sizeof buf);
    assert_string_equal(buf, "ALARM web-5xx");
    st.alarms_alarm = 2;
    app_status_alarms_text(&st, buf, sizeof buf);
    assert_string_equal(buf, "ALARM 2 of 3");
    st.alarms_alarm = 0;
    st.alarms_total = 0;
    app_status_alarms_text(&st, buf, sizeof buf);
    assert_string_equal(buf, "not found");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_apps_on_several_profiles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_profile_and_failing_call, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seed_session_is_adopted, setup, teardown),
        cmocka_unit_test(test_texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
