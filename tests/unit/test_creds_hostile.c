/* test_creds_hostile.c — credential sources that lie: a CR/LF or another control
 * character in the keys from every provider (refused by the one check, with a line
 * naming the source and never the value), an sso_region or an IMDS role name that
 * would move a URL elsewhere, and token files that are FIFOs (refused at once, not
 * read forever). Network providers answer from a scripted loopback server; every
 * resolution runs under an alarm so that a hang fails the test instead of stalling it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "creds/creds_int.h"
#include "loopback_server.h"

#include "creds_home.h"

#define INJECTED        "X-Injected-Sts"
#define RESOLVE_ALARM_S 20 /* far above any step's own timeout: only a hang reaches it */

static void make_fifo(const char *rel, char *out, size_t cap)
{
    home_path(rel, out, cap);
    assert_int_equal(mkfifo(out, 0600), 0);
}

static int setup(void **state)
{
    if (home_setup(state) != 0)
        return -1;
    setenv("AWS_REGION", "us-east-1", 1);
    return 0;
}

/* Resolves profile (NULL: the default chain) under an alarm; returns rc, err filled. */
static int resolve(const char *profile, aws_credentials *c, strbuf *err)
{
    creds_request req = { .profile = profile };
    creds_hooks hooks = { .capture_stderr = true, .process_timeout_ms = 5000 };
    alarm(RESOLVE_ALARM_S);
    int rc = creds_resolve_ex(&req, &hooks, c, err);
    alarm(0);
    if (rc == 0)
        aws_credentials_free(c);
    return rc;
}

/* Refused, naming the source and the field; the value (and what it tried to inject) never shown. */
static void expect_refused(const char *profile, const char *source, const char *field)
{
    aws_credentials c;
    strbuf err;
    sb_init(&err);
    int rc = resolve(profile, &c, &err);
    if (rc == 0)
        fail_msg("credentials from %s with a control character in the %s were accepted", source, field);
    if (!strstr(err.buf, source) || !strstr(err.buf, field) || !strstr(err.buf, "control character"))
        fail_msg("the message does not name %s and its %s: %s", source, field, err.buf);
    assert_null(strstr(err.buf, INJECTED));
    assert_null(strstr(err.buf, "\r"));
    assert_null(strstr(err.buf, "\n"));
    sb_free(&err);
}

static void test_check_function(void **state)
{
    (void)state;
    strbuf err;
    sb_init(&err);
    aws_credentials ok = { .access_key_id = "AKIAIOSFODNN7EXAMPLE",
                           .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                           .session_token = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ==" };
    assert_int_equal(aws_credentials_check(&ok, "here", &err), 0);
    static const struct {
        const char *akid, *secret, *token, *field;
    } bad[] = {
        { "AKID\r\n" INJECTED ": yes", "s", NULL, "access key id" },
        { "AKID", "se\ncret", NULL, "secret access key" },
        { "AKID", "s", "tok\r\n" INJECTED ": yes", "session token" },
        { "AKID", "s", "tok\x7f", "session token" },
        { "AKID", "s", "tok\x1b[31m", "session token" },
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        aws_credentials c = { .access_key_id = (char *)bad[i].akid,
                              .secret_access_key = (char *)bad[i].secret,
                              .session_token = (char *)bad[i].token };
        sb_reset(&err);
        assert_int_equal(aws_credentials_check(&c, "the test source", &err), -1);
        assert_non_null(strstr(err.buf, "the test source"));
        assert_non_null(strstr(err.buf, bad[i].field));
        assert_null(strstr(err.buf, INJECTED));
    }
    aws_credentials none = { .access_key_id = "AKID" };
    sb_reset(&err);
    assert_int_equal(aws_credentials_check(&none, "x", &err), -1);
    sb_free(&err);
}

/* ---- the same check for every provider of the chain ---- */

static void test_environment_and_files(void **state)
{
    (void)state;
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV0000000000001", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
    setenv("AWS_SESSION_TOKEN", "token\r\n" INJECTED ": yes", 1);
    expect_refused(NULL, "the environment", "session token");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_SESSION_TOKEN");
    /* configparser splits lines at LF only: a lone CR stays inside the value */
    home_write(".aws/credentials",
               "[cr]\naws_access_key_id = AKIAFILE000000000001\n"
               "aws_secret_access_key = secret\naws_session_token = tok\r" INJECTED ": yes\n",
               0600);
    expect_refused("cr", "profile \"cr\" in", "session token");
    home_write(".aws/config",
               "[profile ctl]\naws_access_key_id = AKIA\x01"
               "CONFIG\naws_secret_access_key = s\n",
               0600);
    expect_refused("ctl", "profile \"ctl\" in", "access key id");
}

static void test_credential_process(void **state)
{
    (void)state;
    home_write("evil.sh",
               "#!/bin/sh\nprintf '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\", \"SecretAccessKey\": "
               "\"s\", \"SessionToken\": \"t\\\\r\\\\n" INJECTED ": yes\"}'\n",
               0700);
    char cfg[600];
    snprintf(cfg, sizeof cfg, "[profile proc]\ncredential_process = %s/evil.sh\n", home);
    home_write(".aws/config", cfg, 0600);
    expect_refused("proc", "credential_process of profile \"proc\"", "session token");
}

static void test_container_and_imds(void **state)
{
    (void)state;
    lb_server *s = lb_start();
    assert_non_null(s);
    char url[160];
    snprintf(url, sizeof url, "%s/creds", lb_url(s));
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
    lb_push(s,
            &(lb_response){ .body = "{\"AccessKeyId\":\"ASIACONT\",\"SecretAccessKey\":\"s\",\"Token\":"
                                    "\"t\\r\\n" INJECTED ": yes\"}",
                            .content_type = "application/json" });
    expect_refused(NULL, "the container credentials endpoint", "session token");
    unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");

    lb_reset(s);
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", lb_url(s), 1);
    lb_push(s, &(lb_response){ .body = "imds-token", .content_type = "text/plain" });
    lb_push(s, &(lb_response){ .body = "role", .content_type = "text/plain" });
    lb_push(s,
            &(lb_response){ .body = "{\"AccessKeyId\":\"ASIAIMDS\",\"SecretAccessKey\":\"s\\u0007\",\"Token\":\"t\"}",
                            .content_type = "application/json" });
    expect_refused(NULL, "the EC2 instance metadata service", "secret access key");
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9", 1);
    lb_stop(s);
}

static void test_sso_portal(void **state)
{
    (void)state;
    lb_server *s = lb_start();
    assert_non_null(s);
    setenv("AWS_ENDPOINT_URL_SSO", lb_url(s), 1);
    home_write(".aws/config",
               "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\n"
               "sso_role_name = ReadOnly\n[sso-session corp]\n"
               "sso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n",
               0600);
    char hex[41], rel[128];
    creds_sha1_hex("corp", hex);
    snprintf(rel, sizeof rel, ".aws/sso/cache/%s.json", hex);
    home_write(rel, "{\"accessToken\": \"TOKEN-SSO\", \"expiresAt\": \"2099-01-01T00:00:00Z\"}", 0600);
    lb_push(s,
            &(lb_response){ .body = "{\"roleCredentials\":{\"accessKeyId\":\"ASIASSO\",\"secretAccessKey\":\"s\","
                                    "\"sessionToken\":\"t\\n" INJECTED ": yes\",\"expiration\":1924992000000}}",
                            .content_type = "application/json" });
    expect_refused("dev", "the SSO portal", "session token");
    lb_stop(s);
}

#define STS_ANSWER(op, token)                                                                                          \
    "<" op "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><" op "Result><Credentials>"                  \
    "<AccessKeyId>ASIASTS</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>" token                       \
    "</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></" op "Result></" op "Response>"

static void test_sts_answers(void **state)
{
    (void)state;
    lb_server *s = lb_start();
    assert_non_null(s);
    setenv("AWS_ENDPOINT_URL_STS", lb_url(s), 1);
    home_write(".aws/credentials", "[base]\naws_access_key_id = AKIABASE000000000001\naws_secret_access_key = s\n",
               0600);
    home_write(".aws/config", "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n",
               0600);
    /* XML carries CR and LF as character references */
    lb_push(s, &(lb_response){ .body = STS_ANSWER("AssumeRole", "tok&#13;&#10;" INJECTED ": yes") });
    expect_refused("role", "STS AssumeRole for profile \"role\"", "session token");
    assert_int_equal(lb_request_count(s), 1);

    home_write("web-token", "eyJhbGciOi.web.token\n", 0600);
    char tf[300];
    home_path("web-token", tf, sizeof tf);
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tf, 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web", 1);
    lb_push(s, &(lb_response){ .body = STS_ANSWER("AssumeRoleWithWebIdentity", "tok&#10;" INJECTED ": yes") });
    expect_refused(NULL, "STS AssumeRoleWithWebIdentity", "session token");
    unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
    unsetenv("AWS_ROLE_ARN");
    lb_stop(s);
}

/* ---- URLs built from validated parts only ---- */

static void test_sso_region_is_a_region(void **state)
{
    (void)state;
    lb_server *s = lb_start();
    assert_non_null(s);
    /* where the bad value tried to send the bearer token, and where an override points */
    char cfg[600];
    snprintf(cfg, sizeof cfg,
             "[profile dev]\nsso_start_url = https://corp.awsapps.com/start\n"
             "sso_region = x@127.0.0.2:%d/#\nsso_account_id = 111122223333\n"
             "sso_role_name = ReadOnly\n",
             lb_port(s));
    home_write(".aws/config", cfg, 0600);
    char hex[41], rel[128];
    creds_sha1_hex("https://corp.awsapps.com/start", hex);
    snprintf(rel, sizeof rel, ".aws/sso/cache/%s.json", hex);
    home_write(rel, "{\"accessToken\": \"TOKEN-SSO\", \"expiresAt\": \"2099-01-01T00:00:00Z\"}", 0600);
    static const char *const with_override[] = { NULL, "AWS_ENDPOINT_URL_SSO" };
    for (size_t i = 0; i < ARRAY_LEN(with_override); i++) {
        if (with_override[i])
            setenv(with_override[i], lb_url(s), 1);
        aws_credentials c;
        strbuf err;
        sb_init(&err);
        assert_int_equal(resolve("dev", &c, &err), -1);
        if (!strstr(err.buf, "sso_region is not a region name") || !strstr(err.buf, "\"dev\""))
            fail_msg("the message does not say sso_region of profile dev is wrong: %s", err.buf);
        assert_null(strstr(err.buf, "127.0.0.2")); /* the value is not quoted back */
        sb_free(&err);
    }
    assert_int_equal(lb_request_count(s), 0);
    unsetenv("AWS_ENDPOINT_URL_SSO");
    lb_stop(s);
}

static void test_imds_role_name(void **state)
{
    (void)state;
    lb_server *s = lb_start();
    assert_non_null(s);
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", lb_url(s), 1);
    static const char *const bad[] = { "../../../user-data", "role?x=1", "role#frag", "..", "r\x01ole", "a/b" };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        lb_reset(s);
        lb_push(s, &(lb_response){ .body = "imds-token", .content_type = "text/plain" });
        lb_push(s, &(lb_response){ .body = bad[i], .content_type = "text/plain" });
        aws_credentials c;
        strbuf err;
        sb_init(&err);
        assert_int_equal(resolve(NULL, &c, &err), -1);
        assert_non_null(strstr(err.buf, "no role name"));
        assert_int_equal(lb_request_count(s), 2); /* no third request built from it */
        sb_free(&err);
    }
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9", 1);
    lb_stop(s);
}

/* ---- token files that are FIFOs: refused at once ---- */

static void expect_not_regular(const char *profile, const char *what)
{
    aws_credentials c;
    strbuf err;
    sb_init(&err);
    int64_t t0 = mono_now_ms();
    assert_int_equal(resolve(profile, &c, &err), -1);
    if (!strstr(err.buf, what) || !strstr(err.buf, "not a regular file"))
        fail_msg("expected \"%s ... not a regular file\": %s", what, err.buf);
    assert_true(mono_now_ms() - t0 < 5000);
    sb_free(&err);
}

static void test_fifo_token_files(void **state)
{
    (void)state;
    char fifo[300];
    make_fifo("token-fifo", fifo, sizeof fifo);
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", fifo, 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web", 1);
    setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9", 1);
    expect_not_regular(NULL, "the web identity token file");
    unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
    unsetenv("AWS_ROLE_ARN");

    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/creds", 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", fifo, 1);
    expect_not_regular(NULL, "the container authorization token file");
    /* a directory is no token file either */
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", home, 1);
    expect_not_regular(NULL, "the container authorization token file");
    unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");

    /* a shared file or the SSO cache that is a FIFO is no file at all: never a hang */
    setenv("AWS_CONFIG_FILE", fifo, 1);
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV0000000000001", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
    aws_credentials c;
    strbuf err;
    sb_init(&err);
    assert_int_equal(resolve(NULL, &c, &err), 0);
    unsetenv("AWS_CONFIG_FILE");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    home_write(".aws/config",
               "[profile dev]\nsso_start_url = https://corp.awsapps.com/start\n"
               "sso_region = eu-west-1\nsso_account_id = 111122223333\nsso_role_name = R\n",
               0600);
    char hex[41], rel[128], cache[400];
    creds_sha1_hex("https://corp.awsapps.com/start", hex);
    snprintf(rel, sizeof rel, ".aws/sso/cache/%s.json", hex);
    home_write(rel, "", 0600);
    home_path(rel, cache, sizeof cache);
    unlink(cache);
    assert_int_equal(mkfifo(cache, 0600), 0);
    sb_reset(&err);
    assert_int_equal(resolve("dev", &c, &err), -1);
    assert_non_null(strstr(err.buf, "aws sso login"));
    sb_free(&err);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_check_function, setup, home_teardown),
        cmocka_unit_test_setup_teardown(test_environment_and_files, setup, home_teardown),
        cmocka_unit_test_setup_teardown(test_credential_process, setup, home_teardown),
        cmocka_unit_test_setup_teardown(test_container_and_imds, setup, home_teardown),
        cmocka_unit_test_setup_teardown(test_sso_portal, setup, home_teardown),
        cmocka_unit_test_setup_teardown(test_sts_answers, setup, home_teardown),
        cmocka_unit_test_setup_teardown(test_sso_region_is_a_region, setup, home_teardown),
        cmocka_unit_test_setup_teardown(test_imds_role_name, setup, home_teardown),
        cmocka_unit_test_setup_teardown(test_fifo_token_files, setup, home_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
