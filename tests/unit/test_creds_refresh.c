/* test_creds_refresh.c — assumed roles against the simulator's STS on loopback, and
 * the refresh of short-lived credentials in a creds_session: ahead of expiry (inline
 * and in the background), once after InvalidClientTokenId, the failure message when
 * the refresh fails, and the MFA hook answered later as the console does. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "creds/creds_provider.h"
#include "loopback_server.h"
#include "services/services.h"
#include "sim_fixture.h"

typedef sim_fixture fx;

static int setup(void **state)
{
    fx *x = xcalloc(1, sizeof *x);
    /* short-lived sessions: always inside the 5-minute refresh window */
    if (sim_fixture_start(x, "refresh", 2) != 0)
        return -1;
    setenv("AWS_ENDPOINT_URL", x->base, 1);
    char text[512];
    snprintf(text, sizeof text, "[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n", x->akid, x->secret);
    sim_fixture_write(x, ".aws/credentials", text);
    sim_fixture_write(x, ".aws/config",
                      "[profile ops]\nrole_arn = arn:aws:iam::123456789012:role/ops\nsource_profile = base\n"
                      "role_session_name = oncall\nregion = us-east-1\n"
                      "[profile mfa]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = base\n"
                      "mfa_serial = arn:aws:iam::123456789012:mfa/me\nregion = us-east-1\n");
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    fx *x = *state;
    sim_fixture_stop(x);
    unsetenv("AWS_ENDPOINT_URL");
    free(x);
    return 0;
}

typedef struct ident_result {
    bool done;
    char arn[256];
    char code[96];
    char message[512];
} ident_result;

static void ident_done(aws_client *c, caller_identity *id, const aws_error *err, void *ud)
{
    (void)c;
    ident_result *r = ud;
    r->done = true;
    if (err) {
        str_copy(r->code, sizeof r->code, err->code);
        str_copy(r->message, sizeof r->message, err->message);
    } else {
        str_copy(r->arn, sizeof r->arn, id->arn);
    }
    caller_identity_free(id);
}

/* One GetCallerIdentity through the session, driven as the console's loop would. */
static void whoami(creds_session *s, ident_result *r)
{
    memset(r, 0, sizeof *r);
    aws_error err;
    assert_int_equal(svc_sts_get_caller_identity(s->client, ident_done, r, &err), 0);
    int64_t stop = mono_now_ms() + 15000;
    while (!r->done && mono_now_ms() < stop) {
        bool pending = creds_session_tick(s);
        aws_client_run(s->client);
        if (!r->done)
            aws_client_wait(s->client, NULL, 0, pending ? 20 : 200);
    }
    assert_true(r->done);
}

static void test_assume_role_and_inline_refresh(void **state)
{
    (void)state;
    creds_session s;
    strbuf err;
    sb_init(&err);
    creds_request req = { .profile = "ops" };
    if (creds_session_open(&s, &req, NULL, NULL, false, &err) != 0)
        fail_msg("open: %s", err.buf);
    assert_string_equal(s.creds.source, "assume-role");
    assert_memory_equal(s.creds.access_key_id, "ASIASIM", 7);
    assert_non_null(s.creds.session_token);
    int64_t left = creds_session_expires_in(&s);
    assert_true(left > 0 && left <= 3000);
    ident_result r;
    whoami(&s, &r);
    assert_string_equal(r.code, "");
    assert_string_equal(r.arn, "arn:aws:sts::123456789012:assumed-role/ops/oncall");
    /* 2-second credentials are inside the 5-minute window: each call refreshes first */
    assert_true(s.refreshes >= 1);
    int before = s.refreshes;
    whoami(&s, &r);
    assert_string_equal(r.code, "");
    assert_true(s.refreshes > before);
    creds_session_close(&s);
    sb_free(&err);
}

static void test_background_refresh(void **state)
{
    (void)state;
    creds_session s;
    strbuf err;
    sb_init(&err);
    creds_request req = { .profile = "ops" };
    assert_int_equal(creds_session_open(&s, &req, NULL, NULL, true, &err), 0);
    ident_result first, second;
    memset(&first, 0, sizeof first);
    aws_error aerr;
    assert_int_equal(svc_sts_get_caller_identity(s.client, ident_done, &first, &aerr), 0);
    /* the call waits for the refresh in flight: nothing blocks, the loop drives both */
    assert_true(aws_client_refreshing(s.client));
    assert_false(first.done);
    assert_int_equal(s.refreshes, 0);
    whoami(&s, &second); /* queued behind the same refresh */
    int64_t stop = mono_now_ms() + 5000;
    while (!first.done && mono_now_ms() < stop) {
        creds_session_tick(&s);
        aws_client_run(s.client);
        aws_client_wait(s.client, NULL, 0, 20);
    }
    assert_true(first.done);
    assert_string_equal(first.code, "");
    assert_string_equal(second.code, "");
    assert_string_equal(first.arn, "arn:aws:sts::123456789012:assumed-role/ops/oncall");
    assert_int_equal(s.refreshes, 1); /* one refresh served both calls */
    assert_false(aws_client_refreshing(s.client));
    creds_session_close(&s);
    sb_free(&err);
}

static void test_expired_token_refreshes_once(void **state)
{
    fx *x = *state;
    creds_session s;
    strbuf err;
    sb_init(&err);
    creds_request req = { .profile = "ops" };
    assert_int_equal(creds_session_open(&s, &req, NULL, NULL, false, &err), 0);
    /* keys the simulator has never issued, and no expiry known: only the server's
     * InvalidClientTokenId can tell */
    aws_credentials bogus = { .access_key_id = "ASIANEVERISSUED00001", .secret_access_key = "x", .session_token = "y" };
    aws_client_set_credentials(s.client, &bogus);
    ident_result r;
    whoami(&s, &r);
    assert_string_equal(r.code, "");
    assert_string_equal(r.arn, "arn:aws:sts::123456789012:assumed-role/ops/oncall");
    assert_int_equal(s.refreshes, 1);
    /* the failed attempt and the resend are both in the client's log */
    const aws_call_record *log = NULL;
    size_t n = aws_client_call_log(s.client, &log);
    assert_true(n >= 1);
    assert_string_equal(log[n - 1].error_code, "");
    (void)x;
    creds_session_close(&s);
    sb_free(&err);
}

static void test_refresh_failure_message(void **state)
{
    fx *x = *state;
    creds_session s;
    strbuf err;
    sb_init(&err);
    creds_request req = { .profile = "ops" };
    assert_int_equal(creds_session_open(&s, &req, NULL, NULL, false, &err), 0);
    /* the source profile's keys are gone: the refresh cannot work */
    sim_fixture_write(x, ".aws/credentials",
                      "[base]\naws_access_key_id = AKIAREVOKED000000001\naws_secret_access_key = z\n");
    aws_credentials bogus = { .access_key_id = "ASIANEVERISSUED00002", .secret_access_key = "x", .session_token = "y" };
    aws_client_set_credentials(s.client, &bogus);
    ident_result r;
    whoami(&s, &r);
    assert_string_equal(r.code, "ExpiredToken");
    assert_non_null(strstr(r.message, "credentials refresh failed: cannot assume role"));
    assert_true(s.refresh_failed);
    assert_null(strstr(r.message, x->secret));
    creds_session_close(&s);
    sb_free(&err);
}

/* ---- MFA: the console's hook answers later ---- */

typedef struct mfa_seen {
    creds_job *job;
    char serial[128];
    int calls;
} mfa_seen;

static void mfa_hook(creds_job *j, const char *serial, const char *profile, void *ud)
{
    mfa_seen *m = ud;
    assert_string_equal(profile, "mfa");
    m->job = j;
    m->calls++;
    str_copy(m->serial, sizeof m->serial, serial);
}

static void run_job(creds_job *j)
{
    int64_t stop = mono_now_ms() + 10000;
    while (!creds_job_done(j) && mono_now_ms() < stop) {
        creds_job_run(j);
        creds_job_wait(j, 50);
    }
}

static void test_mfa_prompt_and_cache(void **state)
{
    (void)state;
    mfa_seen m = { 0 };
    creds_hooks h = { .mfa_prompt = mfa_hook, .ud = &m };
    creds_request req = { .profile = "mfa" };
    creds_job *j = creds_job_start(&req, &h);
    assert_int_equal(m.calls, 1);
    assert_ptr_equal(m.job, j);
    assert_string_equal(m.serial, "arn:aws:iam::123456789012:mfa/me");
    assert_false(creds_job_done(j));
    creds_job_mfa_code(j, "99999"); /* the simulator wants six digits */
    run_job(j);
    aws_credentials cr;
    strbuf err;
    sb_init(&err);
    assert_int_equal(creds_job_result(j, &cr, &err), -1);
    assert_non_null(strstr(err.buf, "AccessDenied"));
    assert_null(strstr(err.buf, "99999"));
    creds_job_free(j);

    /* cancelled prompt */
    j = creds_job_start(&req, &h);
    creds_job_mfa_code(j, NULL);
    sb_reset(&err);
    assert_int_equal(creds_job_result(j, &cr, &err), -1);
    assert_non_null(strstr(err.buf, "MFA code not given"));
    creds_job_free(j);

    /* a good code; the session is then cached for its lifetime (no second prompt).
     * Sessions here last 2 s, inside the 5-minute margin, so use the real default. */
    fx *x = *state;
    x->sc->session_duration = 0;
    m.calls = 0;
    j = creds_job_start(&req, &h);
    creds_job_mfa_code(j, "123456");
    run_job(j);
    sb_reset(&err);
    if (creds_job_result(j, &cr, &err) != 0)
        fail_msg("mfa: %s", err.buf);
    assert_memory_equal(cr.access_key_id, "ASIASIM", 7);
    assert_true(cr.expiration > time_now_ms() + 3000 * 1000);
    creds_job_free(j);
    aws_credentials again;
    j = creds_job_start(&req, &h);
    run_job(j);
    assert_int_equal(creds_job_result(j, &again, &err), 0);
    assert_int_equal(m.calls, 1);
    assert_string_equal(again.access_key_id, cr.access_key_id);
    creds_job_free(j);
    aws_credentials_free(&cr);
    aws_credentials_free(&again);
    sb_free(&err);
}

/* ---- the client's hook alone, against a scripted server ---- */

typedef struct hook_state {
    int calls;
    bool answer; /* answer inside the hook (headless) or later (console) */
    const char *akid;
} hook_state;

static void hook(aws_client *c, void *ud)
{
    hook_state *h = ud;
    h->calls++;
    if (h->answer) {
        aws_credentials cr = { .access_key_id = (char *)h->akid,
                               .secret_access_key = "SECRET-NEW",
                               .session_token = "TOKEN-NEW" };
        aws_client_set_credentials(c, &cr);
    }
}

typedef struct call_result {
    bool done;
    char code[96];
    char message[512];
} call_result;

static void call_done(aws_client *c, const aws_response *resp, const aws_error *err, void *ud)
{
    (void)c;
    (void)resp;
    call_result *r = ud;
    r->done = true;
    if (err) {
        str_copy(r->code, sizeof r->code, err->code);
        str_copy(r->message, sizeof r->message, err->message);
    }
}

static void drive(aws_client *c, call_result *r)
{
    int64_t stop = mono_now_ms() + 10000;
    while (!r->done && mono_now_ms() < stop) {
        aws_client_run(c);
        if (!r->done)
            aws_client_wait(c, NULL, 0, 50);
    }
    assert_true(r->done);
}

static aws_client *hook_client(lb_server *s, aws_time expiration, hook_state *h)
{
    aws_credentials cr = { .access_key_id = "AKIAOLD0000000000001",
                           .secret_access_key = "SECRET-OLD",
                           .expiration = expiration };
    aws_client_config cc = { .region = "us-east-1", .endpoint_url = lb_url(s), .credentials = &cr, .max_attempts = 1 };
    aws_error e;
    aws_client *c = aws_client_new(&cc, &e);
    assert_non_null(c);
    aws_client_set_refresh(c, hook, h);
    return c;
}

static bool signed_by(const lb_request *r, const char *akid)
{
    char auth[1024];
    return lb_request_header(r, "authorization", auth, sizeof auth) && strstr(auth, akid);
}

static const char expired_xml[] =
    "<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token "
    "included in the request is expired</Message></Error><RequestId>r1</RequestId></ErrorResponse>";

static void test_client_hook_expired_token(void **state)
{
    (void)state;
    lb_server *s = lb_start();
    assert_non_null(s);
    hook_state h = { .answer = true, .akid = "AKIANEW0000000000001" };
    aws_client *c = hook_client(s, 0, &h);
    lb_push(s, &(lb_response){ .status = 403, .body = expired_xml });
    lb_push(s, &(lb_response){ .status = 200, .body = "<ok/>" });
    call_result r = { 0 };
    aws_request req = { .svc = &AWS_SVC_AUTOSCALING, .operation = "StartInstanceRefresh", .mutating = true };
    aws_error e;
    assert_int_equal(aws_call(c, &req, call_done, &r, &e), 0);
    drive(c, &r);
    assert_string_equal(r.code, "");
    assert_int_equal(h.calls, 1);
    assert_int_equal(lb_request_count(s), 2); /* rejected by auth: safe to resend even a mutation */
    assert_true(signed_by(lb_request_at(s, 0), "AKIAOLD"));
    assert_true(signed_by(lb_request_at(s, 1), "AKIANEW"));
    /* a second expiry error on the same call is not refreshed again */
    lb_reset(s);
    lb_push_n(s, &(lb_response){ .status = 403, .body = expired_xml }, 3);
    memset(&r, 0, sizeof r);
    assert_int_equal(aws_call(c, &req, call_done, &r, &e), 0);
    drive(c, &r);
    assert_string_equal(r.code, "ExpiredToken");
    assert_int_equal(h.calls, 2);
    assert_int_equal(lb_request_count(s), 2);
    aws_client_free(c);
    lb_stop(s);
}

static void test_client_hook_ahead_and_queued(void **state)
{
    (void)state;
    lb_server *s = lb_start();
    assert_non_null(s);
    hook_state h = { .answer = false };
    /* expiring in a minute: inside the 5-minute margin, so the call waits for new keys */
    aws_client *c = hook_client(s, time_now_ms() + 60000, &h);
    call_result r = { 0 };
    aws_request req = { .svc = &AWS_SVC_STS, .operation = "GetCallerIdentity" };
    aws_error e;
    assert_int_equal(aws_call(c, &req, call_done, &r, &e), 0);
    assert_int_equal(h.calls, 1);
    assert_true(aws_client_refreshing(c));
    assert_true(aws_client_busy(c));
    for (int i = 0; i < 5; i++) {
        aws_client_run(c);
        aws_client_wait(c, NULL, 0, 20);
    }
    assert_false(r.done);
    assert_int_equal(lb_request_count(s), 0); /* nothing sent with the old keys */
    aws_credentials fresh = { .access_key_id = "AKIAFRESH00000000001",
                              .secret_access_key = "SECRET-F",
                              .expiration = time_now_ms() + 3600 * 1000 };
    aws_client_set_credentials(c, &fresh);
    drive(c, &r);
    assert_string_equal(r.code, "");
    assert_int_equal(lb_request_count(s), 1);
    assert_true(signed_by(lb_request_at(s, 0), "AKIAFRESH"));
    assert_string_equal(aws_client_credentials(c)->access_key_id, "AKIAFRESH00000000001");

    /* a refresh that fails finishes the queued calls with its message */
    aws_credentials soon = { .access_key_id = "AKIASOON000000000001",
                             .secret_access_key = "SECRET-S",
                             .expiration = time_now_ms() + 1000 };
    aws_client_set_credentials(c, &soon);
    memset(&r, 0, sizeof r);
    assert_int_equal(aws_call(c, &req, call_done, &r, &e), 0);
    assert_int_equal(h.calls, 2);
    aws_client_refresh_failed(c, "credentials refresh failed: run `aws sso login --profile dev`");
    drive(c, &r);
    assert_string_equal(r.code, "ExpiredToken");
    assert_string_equal(r.message, "credentials refresh failed: run `aws sso login --profile dev`");
    assert_int_equal(lb_request_count(s), 1);
    aws_client_free(c);
    lb_stop(s);
}

static void test_switch_profile_and_label(void **state)
{
    fx *x = *state;
    creds_session s;
    strbuf err;
    sb_init(&err);
    creds_request req = { .profile = "ops" };
    assert_int_equal(creds_session_open(&s, &req, NULL, NULL, true, &err), 0);
    assert_string_equal(s.region, "us-east-1");
    assert_int_equal(creds_session_switch(&s, "base", "eu-west-1", &err), 0);
    assert_string_equal(s.profile, "base");
    assert_string_equal(s.region, "eu-west-1");
    assert_string_equal(aws_client_region(s.client), "eu-west-1");
    assert_string_equal(s.creds.access_key_id, x->akid);
    assert_string_equal(s.creds.source, "shared-credentials-file");
    assert_int_equal(creds_session_expires_in(&s), INT64_MAX);
    aws_client *before = s.client;
    assert_int_equal(creds_session_switch(&s, "nosuch", NULL, &err), -1);
    assert_non_null(strstr(err.buf, "could not be found"));
    assert_ptr_equal(s.client, before); /* unchanged on failure */
    assert_string_equal(s.profile, "base");
    creds_session_close(&s);
    sb_free(&err);

    char label[64];
    creds_identity_label("arn:aws:sts::123456789012:assumed-role/ops/oncall", label, sizeof label);
    assert_string_equal(label, "123456789012 role/ops");
    creds_identity_label("arn:aws:iam::123456789012:user/alice", label, sizeof label);
    assert_string_equal(label, "123456789012 user/alice");
    creds_identity_label("arn:aws:sts::1:assumed-role/r\033[2J/s", label, sizeof label);
    assert_string_equal(label, "1 role/r?[2J");
    creds_identity_label("garbage", label, sizeof label);
    assert_string_equal(label, "garbage");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_assume_role_and_inline_refresh, setup, teardown),
        cmocka_unit_test_setup_teardown(test_background_refresh, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expired_token_refreshes_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refresh_failure_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mfa_prompt_and_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_switch_profile_and_label, setup, teardown),
        cmocka_unit_test(test_client_hook_expired_token),
        cmocka_unit_test(test_client_hook_ahead_and_queued),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
