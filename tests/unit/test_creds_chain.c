/* test_creds_chain.c — the providers of the chain one by one: the shlex split and
 * JSON document credential_process uses, the child itself (answer, garbage, hang,
 * stderr captured), IMDSv2, the container endpoint and the SSO portal against a
 * scripted loopback server (the exact requests checked), the SSO token cache name,
 * profile listing and the profile's "services" endpoints. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "creds/creds_int.h"
#include "aws/endpoints.h"
#include "loopback_server.h"

#include "creds_home.h"

static void test_shlex(void **state)
{
    (void)state;
    strvec v = { 0 };
    assert_int_equal(creds_shlex_split("  /bin/helper --a 'b c' \"d \\\"e\\\"\" f\\ g 'x'\"y\"  ", &v), 0);
    assert_int_equal(v.n, 6);
    assert_string_equal(v.items[0], "/bin/helper");
    assert_string_equal(v.items[1], "--a");
    assert_string_equal(v.items[2], "b c");
    assert_string_equal(v.items[3], "d \"e\"");
    assert_string_equal(v.items[4], "f g");
    assert_string_equal(v.items[5], "xy");
    strvec_free(&v);
    assert_int_equal(creds_shlex_split("helper 'unbalanced", &v), -1);
    strvec_free(&v);
    assert_int_equal(creds_shlex_split("   ", &v), 0);
    assert_int_equal(v.n, 0);
    strvec_free(&v);
}

static void test_json_doc(void **state)
{
    (void)state;
    aws_credentials c;
    strbuf err;
    sb_init(&err);
    const char *ok = "{\"Version\": 1, \"AccessKeyId\": \"AKP\", \"SecretAccessKey\": \"SECRET-P\", "
                     "\"SessionToken\": \"TOKEN-P\", \"Expiration\": \"2030-01-02T03:04:05Z\"}";
    assert_int_equal(creds_parse_json_doc(ok, strlen(ok), true, &c, &err), 0);
    assert_string_equal(c.access_key_id, "AKP");
    assert_string_equal(c.secret_access_key, "SECRET-P");
    assert_string_equal(c.session_token, "TOKEN-P");
    aws_time want;
    assert_true(time_parse_iso8601("2030-01-02T03:04:05Z", &want));
    assert_int_equal(c.expiration, want);
    aws_credentials_free(&c);
    static const char *bad[] = {
        "{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"SECRET-X\"}",
        "{\"AccessKeyId\": \"A\", \"SecretAccessKey\": \"SECRET-X\"}",
        "{\"Version\": 1, \"AccessKeyId\": \"A\"}",
        "{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"SECRET-X\", \"Expiration\": \"soon\"}",
        "not json at all",
        "[1, 2]",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        sb_reset(&err);
        assert_int_equal(creds_parse_json_doc(bad[i], strlen(bad[i]), true, &c, &err), -1);
        assert_null(c.access_key_id);
        assert_true(err.len > 0);
        assert_null(strstr(err.buf, "SECRET-X"));
    }
    /* the container / IMDS shape: Token, no Version */
    const char *imds =
        "{\"Code\": \"Success\", \"AccessKeyId\": \"AKI\", \"SecretAccessKey\": \"S\", \"Token\": \"T\"}";
    assert_int_equal(creds_parse_json_doc(imds, strlen(imds), false, &c, &err), 0);
    assert_string_equal(c.session_token, "T");
    aws_credentials_free(&c);
    sb_free(&err);
}

static void test_sha1_cache_name(void **state)
{
    (void)state;
    char hex[41];
    /* python3 -c "import hashlib; print(hashlib.sha1(b'corp').hexdigest())" */
    creds_sha1_hex("corp", hex);
    assert_string_equal(hex, "ee0bfd2552fbd840c02cc48b6e823320543c450f");
    creds_sha1_hex("abc", hex);
    assert_string_equal(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
}

/* Resolve profile with hooks; returns rc and fills err. */
static int resolve(const char *profile, const creds_hooks *h, aws_credentials *c, strbuf *err)
{
    creds_request req = { .profile = profile };
    return creds_resolve_ex(&req, h, c, err);
}

static void test_process(void **state)
{
    (void)state;
    home_write("ok.sh",
               "#!/bin/sh\necho \"args:$1|$2\" >&2\n"
               "printf '{\"Version\": 1, \"AccessKeyId\": \"AKPROC\", \"SecretAccessKey\": \"SECRET-PROC\", "
               "\"SessionToken\": \"TOKEN-PROC\", \"Expiration\": \"2031-01-01T00:00:00Z\"}'\n",
               0700);
    home_write("garbage.sh", "#!/bin/sh\necho 'warning: \033[31mred\033[0m thing' >&2\necho hello\n", 0700);
    home_write("fail.sh", "#!/bin/sh\necho 'token expired, log in again' >&2\nexit 3\n", 0700);
    char cfg[2048];
    snprintf(cfg, sizeof cfg,
             "[profile ok]\ncredential_process = %s/ok.sh 'one two' three\n"
             "[profile garbage]\ncredential_process = %s/garbage.sh\n"
             "[profile fail]\ncredential_process = %s/fail.sh\n"
             "[profile hang]\ncredential_process = sleep 20\n"
             "[profile quote]\ncredential_process = helper 'oops\n",
             home, home, home);
    home_write(".aws/config", cfg, 0600);
    creds_hooks capture = { .capture_stderr = true, .process_timeout_ms = 400 };
    aws_credentials c;
    strbuf err;
    sb_init(&err);
    assert_int_equal(resolve("ok", &capture, &c, &err), 0);
    assert_string_equal(c.access_key_id, "AKPROC");
    assert_string_equal(c.session_token, "TOKEN-PROC");
    assert_string_equal(c.source, "custom-process");
    assert_true(c.expiration > 0);
    aws_credentials_free(&c);

    sb_reset(&err);
    assert_int_equal(resolve("garbage", &capture, &c, &err), -1);
    assert_non_null(strstr(err.buf, "printed something that is not credentials"));

    sb_reset(&err);
    assert_int_equal(resolve("fail", &capture, &c, &err), -1);
    /* the captured stderr's last line is in the message, for the console */
    assert_non_null(strstr(err.buf, "failed (exit 3): token expired, log in again"));

    sb_reset(&err);
    int64_t t0 = mono_now_ms();
    assert_int_equal(resolve("hang", &capture, &c, &err), -1);
    int64_t took = mono_now_ms() - t0;
    assert_true(took >= 350 && took < 5000);
    assert_non_null(strstr(err.buf, "did not answer within 1 s and was stopped"));

    sb_reset(&err);
    assert_int_equal(resolve("quote", &capture, &c, &err), -1);
    assert_non_null(strstr(err.buf, "not a valid command line"));
    assert_null(strchr(err.buf, '\033'));
    sb_free(&err);
}

/* ---- network providers against a scripted loopback server ---- */

static void test_imds_v2(void **state)
{
    (void)state;
    lb_server *s = lb_start();
    assert_non_null(s);
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", lb_url(s), 1);
    lb_push(s, &(lb_response){ .body = "TOKEN-IMDS", .content_type = "text/plain" });
    lb_push(s, &(lb_response){ .body = "web-role\n", .content_type = "text/plain" });
    lb_push(s,
            &(lb_response){ .body = "{\"Code\":\"Success\",\"AccessKeyId\":\"ASIAIMDS\",\"SecretAccessKey\":"
                                    "\"SECRET-IMDS\",\"Token\":\"TOKEN-I\",\"Expiration\":\"2031-01-01T00:00:00Z\"}",
                            .content_type = "application/json" });
    aws_credentials c;
    strbuf err;
    sb_init(&err);
    assert_int_equal(resolve(NULL, NULL, &c, &err), 0);
    assert_string_equal(c.access_key_id, "ASIAIMDS");
    assert_string_equal(c.source, "iam-role");
    aws_credentials_free(&c);
    assert_int_equal(lb_request_count(s), 3);
    char buf[128];
    const lb_request *r = lb_request_at(s, 0);
    assert_string_equal(r->method, "PUT");
    assert_string_equal(r->path, "/latest/api/token");
    assert_string_equal(lb_request_header(r, "X-aws-ec2-metadata-token-ttl-seconds", buf, sizeof buf), "21600");
    r = lb_request_at(s, 1);
    assert_string_equal(r->path, "/latest/meta-data/iam/security-credentials/");
    assert_string_equal(lb_request_header(r, "X-aws-ec2-metadata-token", buf, sizeof buf), "TOKEN-IMDS");
    assert_string_equal(lb_request_at(s, 2)->path, "/latest/meta-data/iam/security-credentials/web-role");

    /* a stalled endpoint costs about the 1-second timeout, and says what to do */
    lb_reset(s);
    lb_push(s, &(lb_response){ .delay_ms = 3000 });
    sb_reset(&err);
    int64_t t0 = mono_now_ms();
    assert_int_equal(resolve(NULL, NULL, &c, &err), -1);
    assert_true(mono_now_ms() - t0 < 2500);
    assert_non_null(strstr(err.buf, "no AWS credentials"));
    assert_non_null(strstr(err.buf, "instance metadata service was tried too: timed out"));
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    sb_reset(&err);
    assert_int_equal(resolve(NULL, NULL, &c, &err), -1);
    assert_null(strstr(err.buf, "instance metadata"));
    unsetenv("AWS_EC2_METADATA_DISABLED");
    sb_free(&err);
    lb_stop(s);
}

static void test_container(void **state)
{
    (void)state;
    lb_server *s = lb_start();
    assert_non_null(s);
    char url[128];
    snprintf(url, sizeof url, "%s/v1/creds?id=1", lb_url(s));
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
    home_write("token", "Bearer TOKEN-AUTH\n", 0600);
    char tf[300];
    snprintf(tf, sizeof tf, "%s/token", home);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", tf, 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "ignored-when-file-set", 1);
    lb_push(s,
            &(lb_response){ .body = "{\"AccessKeyId\":\"ASIACONT\",\"SecretAccessKey\":\"SECRET-C\",\"Token\":\"T\","
                                    "\"Expiration\":\"2031-01-01T00:00:00Z\"}",
                            .content_type = "application/json" });
    aws_credentials c;
    strbuf err;
    sb_init(&err);
    assert_int_equal(resolve(NULL, NULL, &c, &err), 0);
    assert_string_equal(c.access_key_id, "ASIACONT");
    assert_string_equal(c.source, "container-role");
    aws_credentials_free(&c);
    char buf[128];
    const lb_request *r = lb_request_at(s, 0);
    assert_int_equal(strncmp(r->path, "/v1/creds", 9), 0); /* the server keeps no query string */
    assert_string_equal(lb_request_header(r, "Authorization", buf, sizeof buf), "Bearer TOKEN-AUTH");
    /* refused token: one line, no token in it */
    lb_push(s, &(lb_response){ .status = 403, .body = "{\"message\":\"denied\"}" });
    sb_reset(&err);
    assert_int_equal(resolve(NULL, NULL, &c, &err), -1);
    assert_non_null(strstr(err.buf, "answered HTTP 403"));
    assert_null(strstr(err.buf, "TOKEN-AUTH"));
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds", 1);
    sb_reset(&err);
    assert_int_equal(resolve(NULL, NULL, &c, &err), -1);
    assert_non_null(strstr(err.buf, "loopback"));
    unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    sb_free(&err);
    lb_stop(s);
}

static void test_sso(void **state)
{
    (void)state;
    lb_server *s = lb_start();
    assert_non_null(s);
    setenv("AWS_ENDPOINT_URL_SSO", lb_url(s), 1);
    home_write(".aws/config",
               "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Read Only\n"
               "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"
               "[profile half]\nsso_start_url = https://x/start\nsso_region = us-east-1\n",
               0600);
    char hex[41], rel[128];
    creds_sha1_hex("corp", hex);
    snprintf(rel, sizeof rel, ".aws/sso/cache/%s.json", hex);
    home_write(rel, "{\"accessToken\": \"TOKEN-SSO\", \"expiresAt\": \"2099-01-01T00:00:00Z\"}", 0600);
    lb_push(s,
            &(lb_response){ .body = "{\"roleCredentials\":{\"accessKeyId\":\"ASIASSO\",\"secretAccessKey\":"
                                    "\"SECRET-SSO\",\"sessionToken\":\"T\",\"expiration\":1924992000000}}",
                            .content_type = "application/json" });
    aws_credentials c;
    strbuf err;
    sb_init(&err);
    if (resolve("dev", NULL, &c, &err) != 0)
        fail_msg("sso: %s", err.buf);
    assert_string_equal(c.access_key_id, "ASIASSO");
    assert_string_equal(c.source, "sso");
    assert_int_equal(c.expiration, 1924992000000LL);
    aws_credentials_free(&c);
    char buf[128];
    const lb_request *r = lb_request_at(s, 0);
    assert_string_equal(r->method, "GET");
    assert_int_equal(strncmp(r->path, "/federation/credentials", 23), 0);
    assert_string_equal(lb_request_header(r, "x-amz-sso_bearer_token", buf, sizeof buf), "TOKEN-SSO");
    /* revoked on the portal side */
    lb_push(s, &(lb_response){ .status = 401, .body = "{\"message\":\"expired\"}" });
    sb_reset(&err);
    assert_int_equal(resolve("dev", NULL, &c, &err), -1);
    assert_non_null(strstr(err.buf, "run `aws sso login --profile dev`"));
    /* expired in the cache: no request at all */
    home_write(rel, "{\"accessToken\": \"TOKEN-SSO\", \"expiresAt\": \"2020-01-01T00:00:00Z\"}", 0600);
    size_t before = lb_request_count(s);
    sb_reset(&err);
    assert_int_equal(resolve("dev", NULL, &c, &err), -1);
    assert_non_null(strstr(err.buf, "has expired: run `aws sso login --profile dev`"));
    assert_int_equal(lb_request_count(s), before);
    sb_reset(&err);
    assert_int_equal(resolve("half", NULL, &c, &err), -1);
    assert_non_null(strstr(err.buf, "missing sso_account_id"));
    assert_null(strstr(err.buf, "TOKEN-SSO"));
    unsetenv("AWS_ENDPOINT_URL_SSO");
    sb_free(&err);
    lb_stop(s);
}

static void test_profiles_and_service_endpoints(void **state)
{
    (void)state;
    home_write(".aws/credentials",
               "[default]\naws_access_key_id = A\naws_secret_access_key = B\n[zeta]\n"
               "aws_access_key_id = A\naws_secret_access_key = B\n",
               0600);
    home_write(
        ".aws/config",
        "[default]\nregion = us-east-1\n[profile alpha]\nservices = local\nendpoint_url = http://127.0.0.1:1111\n"
        "[profile zeta]\nregion = eu-west-1\n[sso-session x]\nsso_region = us-east-1\n"
        "[services local]\nsts =\n  endpoint_url = http://127.0.0.1:2222\nauto_scaling =\n"
        "  endpoint_url = http://127.0.0.1:3333\n",
        0600);
    strvec names = { 0 };
    strbuf err;
    sb_init(&err);
    assert_int_equal(creds_list_profiles(&names, &err), 0);
    assert_int_equal(names.n, 3);
    assert_string_equal(names.items[0], "alpha");
    assert_string_equal(names.items[1], "default");
    assert_string_equal(names.items[2], "zeta");
    strvec_free(&names);
    /* what the services section gives, else the profile's own endpoint_url */
    static const struct {
        const aws_service *svc;
        const char *url;
    } want[] = {
        { &AWS_SVC_STS, "http://127.0.0.1:2222" },
        { &AWS_SVC_AUTOSCALING, "http://127.0.0.1:3333" },
        { &AWS_SVC_ECR, "http://127.0.0.1:1111" },
        { &ENDPOINT_SVC_SSO_PORTAL, "http://127.0.0.1:1111" },
    };
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        char *u = NULL;
        assert_int_equal(endpoint_for(want[i].svc, "us-east-1", NULL, "alpha", creds_endpoint_profile, &u, &err), 0);
        assert_string_equal(u, want[i].url);
        free(u);
    }
    char *u = NULL;
    assert_int_equal(endpoint_for(&AWS_SVC_STS, "eu-west-1", NULL, "zeta", creds_endpoint_profile, &u, &err), 0);
    assert_string_equal(u, "https://sts.eu-west-1.amazonaws.com");
    free(u);
    sb_free(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_shlex, home_setup, home_teardown),
        cmocka_unit_test_setup_teardown(test_json_doc, home_setup, home_teardown),
        cmocka_unit_test_setup_teardown(test_sha1_cache_name, home_setup, home_teardown),
        cmocka_unit_test_setup_teardown(test_process, home_setup, home_teardown),
        cmocka_unit_test_setup_teardown(test_imds_v2, home_setup, home_teardown),
        cmocka_unit_test_setup_teardown(test_container, home_setup, home_teardown),
        cmocka_unit_test_setup_teardown(test_sso, home_setup, home_teardown),
        cmocka_unit_test_setup_teardown(test_profiles_and_service_endpoints, home_setup, home_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
