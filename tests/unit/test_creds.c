/* test_creds.c — credentials and region resolution against a matrix of shared
 * files and environment variables, each in its own temporary HOME. Expected values
 * follow what botocore resolves for the same files and environment. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "creds/creds.h"

#include "creds_home.h"

static void write_file(const char *rel, const char *text)
{
    home_write(rel, text, 0600);
}

/* Resolves and checks; NULL token means "none expected". */
static void expect_creds(const char *profile, const char *akid, const char *secret, const char *token,
                         const char *source)
{
    creds_request req = { .profile = profile };
    aws_credentials c;
    strbuf err;
    sb_init(&err);
    if (creds_resolve(&req, &c, &err) != 0)
        fail_msg("creds_resolve failed: %s", err.buf);
    assert_string_equal(c.access_key_id, akid);
    assert_string_equal(c.secret_access_key, secret);
    if (token)
        assert_string_equal(c.session_token, token);
    else
        assert_null(c.session_token);
    assert_string_equal(c.source, source);
    aws_credentials_free(&c);
    assert_null(c.access_key_id);
    sb_free(&err);
}

/* Expects a failure whose message contains want (and none of the secrets). */
static void expect_creds_error(const char *profile, const char *want)
{
    creds_request req = { .profile = profile };
    aws_credentials c;
    strbuf err;
    sb_init(&err);
    assert_int_equal(creds_resolve(&req, &c, &err), -1);
    assert_null(c.access_key_id);
    assert_null(c.secret_access_key);
    if (!strstr(err.buf, want))
        fail_msg("error \"%s\" does not contain \"%s\"", err.buf, want);
    assert_null(strchr(err.buf, '\n'));
    assert_null(strstr(err.buf, "SECRET-"));
    assert_null(strstr(err.buf, "TOKEN-"));
    sb_free(&err);
}

static void expect_region(const char *req_region, const char *profile, const char *want)
{
    creds_request req = { .profile = profile, .region = req_region };
    char *r = NULL;
    strbuf err;
    sb_init(&err);
    if (region_resolve(&req, &r, &err) != 0)
        fail_msg("region_resolve failed: %s", err.buf);
    assert_string_equal(r, want);
    free(r);
    sb_free(&err);
}

static void set_env_keys(void)
{
    setenv("AWS_ACCESS_KEY_ID", "AKENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "SECRET-ENV", 1);
}

static const char creds_file[] = "[default]\n"
                                 "aws_access_key_id = AKDEFAULT\n"
                                 "aws_secret_access_key = SECRET-DEFAULT\n"
                                 "\n"
                                 "[prod]\n"
                                 "aws_access_key_id=AKPROD\n"
                                 "aws_secret_access_key=SECRET-PROD\n"
                                 "aws_session_token=TOKEN-PROD\n";

/* ---- profile name ---- */

static void test_profile_name(void **state)
{
    (void)state;
    creds_request req = { 0 };
    assert_string_equal(creds_profile_name(&req), "default");
    assert_string_equal(creds_profile_name(NULL), "default");
    setenv("AWS_DEFAULT_PROFILE", "legacy", 1);
    assert_string_equal(creds_profile_name(&req), "legacy");
    setenv("AWS_PROFILE", "fromenv", 1);
    assert_string_equal(creds_profile_name(&req), "fromenv");
    req.profile = "flag";
    assert_string_equal(creds_profile_name(&req), "flag");
    req.profile = "";
    setenv("AWS_PROFILE", "", 1); /* empty means unset */
    assert_string_equal(creds_profile_name(&req), "legacy");
}

/* ---- the environment ---- */

static void test_env_only(void **state)
{
    (void)state;
    set_env_keys();
    expect_creds(NULL, "AKENV", "SECRET-ENV", NULL, "environment");
    setenv("AWS_SESSION_TOKEN", "TOKEN-ENV", 1);
    expect_creds(NULL, "AKENV", "SECRET-ENV", "TOKEN-ENV", "environment");
    unsetenv("AWS_SESSION_TOKEN");
    setenv("AWS_SECURITY_TOKEN", "TOKEN-OLD", 1); /* the older name still counts */
    expect_creds(NULL, "AKENV", "SECRET-ENV", "TOKEN-OLD", "environment");

    setenv("AWS_CREDENTIAL_EXPIRATION", "2030-01-02T03:04:05Z", 1);
    creds_request req = { 0 };
    aws_credentials c;
    strbuf err;
    sb_init(&err);
    assert_int_equal(creds_resolve(&req, &c, &err), 0);
    assert_true(c.expiration == (aws_time)1893553445 * 1000);
    aws_credentials copy;
    aws_credentials_copy(&copy, &c);
    assert_string_equal(copy.secret_access_key, "SECRET-ENV");
    assert_true(copy.secret_access_key != c.secret_access_key);
    assert_true(copy.expiration == c.expiration);
    aws_credentials_free(&copy);
    aws_credentials_free(&c);
    sb_free(&err);
}

static void test_env_beats_files_but_not_explicit_profile(void **state)
{
    (void)state;
    write_file(".aws/credentials", creds_file);
    set_env_keys();
    expect_creds(NULL, "AKENV", "SECRET-ENV", NULL, "environment");
    /* --profile drops the environment provider (the CLI does the same) */
    expect_creds("prod", "AKPROD", "SECRET-PROD", "TOKEN-PROD", "shared-credentials-file");
    expect_creds("default", "AKDEFAULT", "SECRET-DEFAULT", NULL, "shared-credentials-file");
    /* AWS_PROFILE does not: the environment's keys still win */
    setenv("AWS_PROFILE", "prod", 1);
    expect_creds(NULL, "AKENV", "SECRET-ENV", NULL, "environment");
}

/* ---- the shared credentials file ---- */

static void test_credentials_file(void **state)
{
    (void)state;
    write_file(".aws/credentials", creds_file);
    expect_creds(NULL, "AKDEFAULT", "SECRET-DEFAULT", NULL, "shared-credentials-file");
    expect_creds("prod", "AKPROD", "SECRET-PROD", "TOKEN-PROD", "shared-credentials-file");
    setenv("AWS_PROFILE", "prod", 1);
    expect_creds(NULL, "AKPROD", "SECRET-PROD", "TOKEN-PROD", "shared-credentials-file");
    setenv("AWS_PROFILE", "default", 1);
    setenv("AWS_DEFAULT_PROFILE", "prod", 1);
    expect_creds(NULL, "AKDEFAULT", "SECRET-DEFAULT", NULL, "shared-credentials-file");
    unsetenv("AWS_PROFILE");
    expect_creds(NULL, "AKPROD", "SECRET-PROD", "TOKEN-PROD", "shared-credentials-file");
}

static void test_config_file_profiles(void **state)
{
    (void)state;
    write_file(".aws/config",
               "[default]\n"
               "region = us-east-2\n"
               "aws_access_key_id = AKCFGDEFAULT\n"
               "aws_secret_access_key = SECRET-CFGDEFAULT\n"
               "[profile ops]\n"
               "aws_access_key_id = AKOPS\n"
               "aws_secret_access_key = SECRET-OPS\n"
               "aws_session_token = TOKEN-OPS\n"
               "region = eu-west-1\n"
               "[profile   spaced]\n"
               "aws_access_key_id = AKSPACED\n"
               "aws_secret_access_key = SECRET-SPACED\n"
               "[profile \"two words\"]\n"
               "aws_access_key_id = AKQUOTED\n"
               "aws_secret_access_key = SECRET-QUOTED\n"
               "[profile a b]\n" /* three words: ignored, as shlex.split gives botocore */
               "aws_access_key_id = AKTHREE\n"
               "aws_secret_access_key = SECRET-THREE\n"
               "[profile 'unbalanced]\n"
               "aws_access_key_id = AKUNBAL\n"
               "aws_secret_access_key = SECRET-UNBAL\n"
               "[bare]\n" /* not a profile in the config file */
               "aws_access_key_id = AKBARE\n"
               "aws_secret_access_key = SECRET-BARE\n");
    expect_creds(NULL, "AKCFGDEFAULT", "SECRET-CFGDEFAULT", NULL, "config-file");
    expect_creds("ops", "AKOPS", "SECRET-OPS", "TOKEN-OPS", "config-file");
    expect_creds("spaced", "AKSPACED", "SECRET-SPACED", NULL, "config-file");
    expect_creds("two words", "AKQUOTED", "SECRET-QUOTED", NULL, "config-file");
    expect_creds_error("bare", "the config profile (bare) could not be found");
    expect_creds_error("a", "the config profile (a) could not be found");
    expect_creds_error("'unbalanced", "could not be found");
    /* the credentials file comes first */
    write_file(".aws/credentials", creds_file);
    expect_creds(NULL, "AKDEFAULT", "SECRET-DEFAULT", NULL, "shared-credentials-file");
    expect_creds("ops", "AKOPS", "SECRET-OPS", "TOKEN-OPS", "config-file");
}

static void test_custom_paths(void **state)
{
    (void)state;
    write_file("alt-creds", "[default]\naws_access_key_id = AKALT\naws_secret_access_key = SECRET-ALT\n");
    write_file("alt-config", "[profile x]\nregion = ap-south-1\n");
    write_file(".aws/credentials", creds_file); /* must be ignored */
    setenv("AWS_SHARED_CREDENTIALS_FILE", "~/alt-creds", 1);
    char cfg[1024];
    snprintf(cfg, sizeof cfg, "%s/alt-config", home);
    setenv("AWS_CONFIG_FILE", cfg, 1);
    expect_creds(NULL, "AKALT", "SECRET-ALT", NULL, "shared-credentials-file");
    expect_region(NULL, "x", "ap-south-1");
    expect_creds_error("prod", "the config profile (prod) could not be found");
}

/* ---- INI syntax as botocore's configparser reads it ---- */

static void test_ini_syntax(void **state)
{
    (void)state;
    write_file(".aws/credentials",
               "# a comment\n"
               "; another comment\n"
               "[default]\n"
               "  AWS_Access_Key_ID   =   AKUPPER   \r\n" /* keys are case-insensitive */
               "aws_secret_access_key: SECRET-COLON\n"    /* ':' is a delimiter too */
               "\n"
               "[nested]\n"
               "aws_access_key_id = AKNESTED\n"
               "s3 =\n"
               "  max_concurrent_requests = 10\n"
               "  aws_secret_access_key = SECRET-WRONG\n" /* inside s3, not the profile's */
               "\n"
               "  # comment inside the sub-section\n"
               "  multipart_threshold = 64MB\n"
               "aws_secret_access_key = SECRET-NESTED\n"
               "[inline]\n"
               "aws_access_key_id = AKINLINE # kept: no inline comments\n"
               "aws_secret_access_key = SECRET-INLINE ; kept too\n");
    expect_creds(NULL, "AKUPPER", "SECRET-COLON", NULL, "shared-credentials-file");
    expect_creds("nested", "AKNESTED", "SECRET-NESTED", NULL, "shared-credentials-file");
    expect_creds("inline", "AKINLINE # kept: no inline comments", "SECRET-INLINE ; kept too", NULL,
                 "shared-credentials-file");
}

static void test_ini_errors(void **state)
{
    (void)state;
    write_file(".aws/credentials", "aws_access_key_id = AKX\n[default]\n");
    expect_creds_error(NULL, "credentials:1: a setting before any [section] header");
    write_file(".aws/credentials", "[default]\naws_access_key_id = AKX\n[default]\n");
    expect_creds_error(NULL, "credentials:3: section appears twice");
    write_file(".aws/credentials", "[default]\naws_access_key_id = AKX\nAWS_ACCESS_KEY_ID = AKY\n");
    expect_creds_error(NULL, "credentials:3: a setting appears twice in [default]");
    write_file(".aws/credentials", "[default]\nSECRET-PASTED+/x==\nSECRET-PASTED+/x==\n");
    expect_creds_error(NULL, "credentials:3: a setting appears twice");
    /* a line without a delimiter is refused, and never quoted back (it may be a key) */
    write_file(".aws/credentials", "[default]\nSECRET-PASTED-ALONE\n");
    expect_creds_error(NULL, "credentials:2: expected \"name = value\"");
    write_file(".aws/credentials", "[default]\n= novalue\n");
    expect_creds_error(NULL, "credentials:2:");
    /* a broken config file fails region resolution too */
    write_file(".aws/credentials", creds_file);
    write_file(".aws/config", "[default]\nregion\n");
    creds_request req = { 0 };
    char *r = NULL;
    strbuf err;
    sb_init(&err);
    assert_int_equal(region_resolve(&req, &r, &err), -1);
    assert_null(r);
    assert_non_null(strstr(err.buf, "config:2:"));
    sb_free(&err);
}

/* ---- failures ---- */

static void test_missing(void **state)
{
    (void)state;
    expect_creds_error(NULL, "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    expect_creds_error("prod", "the config profile (prod) could not be found");
    /* a profile named in AWS_PROFILE must exist even when the environment has keys */
    set_env_keys();
    setenv("AWS_PROFILE", "nope", 1);
    expect_creds_error(NULL, "the config profile (nope) could not be found");
    unsetenv("AWS_PROFILE");
    /* a profile that exists but has no keys */
    unsetenv("AWS_ACCESS_KEY_ID");
    write_file(".aws/config", "[profile empty]\nregion = us-west-2\n");
    expect_creds_error("empty", "no AWS credentials for profile \"empty\"");

    creds_request req = { .profile = "ghost" };
    char *r = NULL;
    strbuf err;
    sb_init(&err);
    assert_int_equal(region_resolve(&req, &r, &err), -1);
    assert_non_null(strstr(err.buf, "the config profile (ghost) could not be found"));
    sb_reset(&err);
    req.profile = NULL;
    assert_int_equal(region_resolve(&req, &r, &err), -1);
    assert_non_null(strstr(err.buf, "no AWS region: pass --region, set AWS_REGION"));
    sb_free(&err);
}

static void test_incomplete(void **state)
{
    (void)state;
    setenv("AWS_ACCESS_KEY_ID", "AKENV", 1);
    expect_creds_error(NULL, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    setenv("AWS_SECRET_ACCESS_KEY", "", 1);
    expect_creds_error(NULL, "AWS_SECRET_ACCESS_KEY is not");
    unsetenv("AWS_ACCESS_KEY_ID");
    /* a secret alone in the environment is ignored, as botocore does */
    setenv("AWS_SECRET_ACCESS_KEY", "SECRET-ALONE", 1);
    write_file(".aws/credentials", creds_file);
    expect_creds(NULL, "AKDEFAULT", "SECRET-DEFAULT", NULL, "shared-credentials-file");

    write_file(".aws/credentials",
               "[default]\naws_access_key_id = AKHALF\n"
               "[p2]\naws_secret_access_key = SECRET-HALF\n");
    expect_creds_error(NULL, "incomplete keys for profile \"default\"");
    expect_creds_error(NULL, "set both aws_access_key_id and aws_secret_access_key");
    /* a secret without a key id is no key at all: nothing else configured */
    expect_creds_error("p2", "no AWS credentials for profile \"p2\"");
    setenv("AWS_SESSION_TOKEN", "TOKEN-X", 1);
    setenv("AWS_ACCESS_KEY_ID", "AKENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "SECRET-ENV", 1);
    setenv("AWS_CREDENTIAL_EXPIRATION", "tomorrow", 1);
    expect_creds_error(NULL, "AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 time");
}

/* The rest of the chain, without the network: each type is picked in botocore's
 * order and, with its endpoint on a closed loopback port, fails with one line that
 * names what to fix. */
static void test_chain_types_offline(void **state)
{
    (void)state;
    setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9", 1);
    setenv("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:9", 1);
    write_file(".aws/credentials",
               "[base]\naws_access_key_id = AKBASE\naws_secret_access_key = SECRET-BASE\n"
               "[proc]\naws_access_key_id = AKPROC\naws_secret_access_key = SECRET-PROC\n");
    write_file(".aws/config",
               "[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/deploy\nsource_profile = base\n"
               "region = us-east-1\n"
               "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\n"
               "[profile web]\nweb_identity_token_file = /nonexistent/token\nrole_arn = arn:aws:iam::1:role/x\n"
               "[profile proc]\ncredential_process = /bin/get-creds\n"
               "[profile proconly]\ncredential_process = /nonexistent/get-creds\n");
    expect_creds_error("deploy", "cannot assume role arn:aws:iam::123456789012:role/deploy for profile \"deploy\"");
    expect_creds_error("sso", "has no [sso-session corp] section");
    expect_creds_error("web", "cannot read the web identity token file /nonexistent/token");
    expect_creds_error("proconly", "credential_process of profile \"proconly\" failed (exit 127)");
    /* static keys in the credentials file come before credential_process, as in botocore */
    expect_creds("proc", "AKPROC", "SECRET-PROC", NULL, "shared-credentials-file");
    expect_creds("base", "AKBASE", "SECRET-BASE", NULL, "shared-credentials-file");

    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/nonexistent-token", 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/x", 1);
    expect_creds_error(NULL, "AWS_WEB_IDENTITY_TOKEN_FILE");
    set_env_keys(); /* the environment's keys come first */
    expect_creds(NULL, "AKENV", "SECRET-ENV", NULL, "environment");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.1.1/creds", 1);
    expect_creds_error(NULL, "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https://");
    unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    unsetenv("AWS_ENDPOINT_URL_STS");
    unsetenv("AWS_ENDPOINT_URL_SSO");
}

/* ---- region ---- */

static void test_region_precedence(void **state)
{
    (void)state;
    write_file(".aws/config",
               "[default]\nregion = us-east-2\n"
               "[profile ops]\nregion = eu-west-1\n"
               "s3 =\n  region = ap-east-1\n"
               "[profile noregion]\noutput = json\n");
    expect_region(NULL, NULL, "us-east-2");
    expect_region(NULL, "ops", "eu-west-1");
    setenv("AWS_PROFILE", "ops", 1);
    expect_region(NULL, NULL, "eu-west-1");
    setenv("AWS_DEFAULT_REGION", "ca-central-1", 1);
    expect_region(NULL, "ops", "ca-central-1");
    setenv("AWS_REGION", "sa-east-1", 1);
    expect_region(NULL, "ops", "sa-east-1");
    expect_region("us-west-1", "ops", "us-west-1");
    unsetenv("AWS_REGION");
    unsetenv("AWS_DEFAULT_REGION");
    unsetenv("AWS_PROFILE");

    creds_request req = { .profile = "noregion" };
    char *r = NULL;
    strbuf err;
    sb_init(&err);
    assert_int_equal(region_resolve(&req, &r, &err), -1);
    assert_non_null(strstr(err.buf, "add \"region = ...\" to profile \"noregion\""));
    sb_free(&err);

    /* botocore merges the credentials file's section over the config's */
    write_file(".aws/credentials", "[ops]\nregion = me-south-1\n");
    expect_region(NULL, "ops", "me-south-1");
}

static void test_profile_value(void **state)
{
    (void)state;
    write_file(".aws/config",
               "[profile sim]\nendpoint_url = http://127.0.0.1:4566\n"
               "services = local\nregion = us-east-1\n"
               "s3 =\n  addressing_style = path\n");
    creds_request req = { .profile = "sim" };
    char *v = creds_profile_value(&req, "endpoint_url");
    assert_string_equal(v, "http://127.0.0.1:4566");
    free(v);
    v = creds_profile_value(&req, "services");
    assert_string_equal(v, "local");
    free(v);
    assert_null(creds_profile_value(&req, "s3")); /* a sub-section is no scalar */
    assert_null(creds_profile_value(&req, "missing_key"));
    req.profile = "ghost";
    assert_null(creds_profile_value(&req, "endpoint_url"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_profile_name, home_setup, home_teardown),
        cmocka_unit_test_setup_teardown(test_env_only, home_setup, home_teardown),
        cmocka_unit_test_setup_teardown(test_env_beats_files_but_not_explicit_profile, home_setup, home_teardown),
        cmocka_unit_test_setup_teardown(test_credentials_file, home_setup, home_teardown),
        cmocka_unit_test_setup_teardown(test_config_file_profiles, home_setup, home_teardown),
        cmocka_unit_test_setup_teardown(test_custom_paths, home_setup, home_teardown),
        cmocka_unit_test_setup_teardown(test_ini_syntax, home_setup, home_teardown),
        cmocka_unit_test_setup_teardown(test_ini_errors, home_setup, home_teardown),
        cmocka_unit_test_setup_teardown(test_missing, home_setup, home_teardown),
        cmocka_unit_test_setup_teardown(test_incomplete, home_setup, home_teardown),
        cmocka_unit_test_setup_teardown(test_chain_types_offline, home_setup, home_teardown),
        cmocka_unit_test_setup_teardown(test_region_precedence, home_setup, home_teardown),
        cmocka_unit_test_setup_teardown(test_profile_value, home_setup, home_teardown),
    };
    return cmocka_run_group_tests_name("creds", tests, NULL, NULL);
}
