/* test_endpoints.c — endpoint resolution: standard hosts per service and partition
 * (expected values are what botocore 1.43's create_client(...).meta.endpoint_url gives),
 * the override precedence as a table (--endpoint-url in the global place), every
 * service's own variable, and the checks on override URLs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/endpoints.h"

static const char *const endpoint_env[] = {
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_AUTO_SCALING",
    "AWS_ENDPOINT_URL_ECR",
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_SSO",
    "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2",
    "AWS_ENDPOINT_URL_EC2",
    "AWS_ENDPOINT_URL_CLOUDWATCH",
    "AWS_ENDPOINT_URL_ECS",
    "AWS_ENDPOINT_URL_CODEDEPLOY",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
};

static int setup(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(endpoint_env); i++)
        unsetenv(endpoint_env[i]);
    return 0;
}

/* profile: the profile's own endpoint_url (NULL: none) */
static void expect_url(const aws_service *svc, const char *region, const char *flag, const char *profile,
                       const char *want)
{
    char *url = NULL;
    strbuf err;
    sb_init(&err);
    endpoint_profile ep = { .global_url = (char *)profile };
    if (endpoint_resolve(svc, region, flag, &ep, &url, &err) != 0)
        fail_msg("endpoint_resolve(%s, %s) failed: %s", svc->id, region, err.buf);
    assert_string_equal(url, want);
    free(url);
    sb_free(&err);
}

static void expect_fail(const aws_service *svc, const char *region, const char *flag, const char *profile,
                        const char *want)
{
    char *url = (char *)"untouched";
    strbuf err;
    sb_init(&err);
    endpoint_profile ep = { .global_url = (char *)profile };
    assert_int_equal(endpoint_resolve(svc, region, flag, &ep, &url, &err), -1);
    assert_null(url);
    if (!strstr(err.buf, want))
        fail_msg("error \"%s\" does not contain \"%s\"", err.buf, want);
    assert_null(strchr(err.buf, '\n'));
    assert_null(strstr(err.buf, "hunter2")); /* a password in a URL is never echoed */
    sb_free(&err);
}

static void test_every_service_host(void **state)
{
    (void)state;
    static const struct {
        const aws_service *svc;
        const char *url;
    } cases[] = {
        { &AWS_SVC_AUTOSCALING, "https://autoscaling.us-east-1.amazonaws.com" },
        { &AWS_SVC_ELBV2, "https://elasticloadbalancing.us-east-1.amazonaws.com" },
        { &AWS_SVC_EC2, "https://ec2.us-east-1.amazonaws.com" },
        { &AWS_SVC_STS, "https://sts.us-east-1.amazonaws.com" }, /* regional, not sts.amazonaws.com */
        { &AWS_SVC_ECR, "https://api.ecr.us-east-1.amazonaws.com" },
        { &AWS_SVC_ECS, "https://ecs.us-east-1.amazonaws.com" },
        { &AWS_SVC_CODEDEPLOY, "https://codedeploy.us-east-1.amazonaws.com" },
        { &AWS_SVC_CLOUDWATCH, "https://monitoring.us-east-1.amazonaws.com" },
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        expect_url(cases[i].svc, "us-east-1", NULL, NULL, cases[i].url);
    expect_url(&AWS_SVC_STS, "eu-west-1", NULL, NULL, "https://sts.eu-west-1.amazonaws.com");
}

static void test_partitions(void **state)
{
    (void)state;
    static const struct {
        const char *region, *partition, *suffix;
    } cases[] = {
        { "us-east-1", "aws", "amazonaws.com" },
        { "eu-west-1", "aws", "amazonaws.com" },
        { "ap-southeast-5", "aws", "amazonaws.com" },
        { "cn-north-1", "aws-cn", "amazonaws.com.cn" },
        { "cn-northwest-1", "aws-cn", "amazonaws.com.cn" },
        { "us-gov-west-1", "aws-us-gov", "amazonaws.com" },
        { "us-gov-east-1", "aws-us-gov", "amazonaws.com" },
        { "us-iso-east-1", "aws-iso", "c2s.ic.gov" },
        { "us-isob-east-1", "aws-iso-b", "sc2s.sgov.gov" },
        { "eu-isoe-west-1", "aws-iso-e", "cloud.adc-e.uk" },
        { "us-isof-south-1", "aws-iso-f", "csp.hci.ic.gov" },
        { "eusc-de-east-1", "aws-eusc", "amazonaws.eu" },
        { "xx-future-9", "aws", "amazonaws.com" }, /* unknown shapes: the aws partition */
    };
    const aws_service *svcs[] = { &AWS_SVC_AUTOSCALING, &AWS_SVC_ELBV2, &AWS_SVC_EC2,        &AWS_SVC_STS,
                                  &AWS_SVC_ECR,         &AWS_SVC_ECS,   &AWS_SVC_CODEDEPLOY, &AWS_SVC_CLOUDWATCH };
    static const char *prefixes[] = { "autoscaling", "elasticloadbalancing", "ec2",       "sts", "api.ecr",
                                      "ecs",         "codedeploy",           "monitoring" };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        const char *suffix = NULL;
        assert_string_equal(endpoint_partition(cases[i].region, &suffix), cases[i].partition);
        assert_string_equal(suffix, cases[i].suffix);
        for (size_t j = 0; j < ARRAY_LEN(svcs); j++) {
            char want[256];
            snprintf(want, sizeof want, "https://%s.%s.%s", prefixes[j], cases[i].region, cases[i].suffix);
            expect_url(svcs[j], cases[i].region, NULL, NULL, want);
        }
    }
    /* a few literal answers from botocore, independent of the loop above */
    expect_url(&AWS_SVC_AUTOSCALING, "us-gov-west-1", NULL, NULL, "https://autoscaling.us-gov-west-1.amazonaws.com");
    expect_url(&AWS_SVC_ECR, "cn-north-1", NULL, NULL, "https://api.ecr.cn-north-1.amazonaws.com.cn");
    expect_url(&AWS_SVC_STS, "us-iso-east-1", NULL, NULL, "https://sts.us-iso-east-1.c2s.ic.gov");
    expect_url(&AWS_SVC_CLOUDWATCH, "us-isob-east-1", NULL, NULL, "https://monitoring.us-isob-east-1.sc2s.sgov.gov");
}

/* The precedence, one row per case. Sources (each present or not):
 *   S  AWS_ENDPOINT_URL_STS            F  --endpoint-url
 *   G  AWS_ENDPOINT_URL                P  the profile's services section (sts)
 *   E  the profile's endpoint_url
 * ignore_env: AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (NULL: unset); ignore_prof: the
 * profile's ignore_configured_endpoint_urls. want: the source that wins ("D": STS's
 * standard host; "!": an error). The SDK guide's order is S > G > P > E > D, with an
 * endpoint given in code above all (feature-ss-endpoints.html, "Precedence of settings");
 * tarmac's flag is one URL for every service, a global endpoint: above AWS_ENDPOINT_URL
 * and the profile's endpoint_url, and, as the guide says of every global endpoint,
 * "overridden by any configured service-specific endpoint": AWS_ENDPOINT_URL_<SERVICE>
 * and the profile's services entry outrank it. */
typedef struct prec_row {
    const char *have; /* letters of the sources set */
    const char *ignore_env, *ignore_prof;
    bool missing_services; /* the profile names a services section the file lacks */
    char want;
} prec_row;

static const char *source_url(char c)
{
    switch (c) {
    case 'S':
        return "https://svc-env.example.com";
    case 'F':
        return "https://flag.example.com";
    case 'G':
        return "https://global-env.example.com";
    case 'P':
        return "https://services.example.com/";
    case 'E':
        return "https://profile.example.com";
    default:
        return "https://sts.us-east-1.amazonaws.com";
    }
}

static void run_row(const prec_row *r)
{
    setup(NULL);
    bool has[128] = { 0 };
    for (const char *c = r->have; *c; c++)
        has[(unsigned char)*c] = true;
    if (has['S'])
        setenv("AWS_ENDPOINT_URL_STS", source_url('S'), 1);
    if (has['G'])
        setenv("AWS_ENDPOINT_URL", source_url('G'), 1);
    if (r->ignore_env)
        setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", r->ignore_env, 1);
    endpoint_profile ep = {
        .service_url = has['P'] ? (char *)source_url('P') : NULL,
        .global_url = has['E'] ? (char *)source_url('E') : NULL,
        .ignore = (char *)r->ignore_prof,
        .missing_services = r->missing_services ? (char *)"local" : NULL,
    };
    char *url = NULL;
    strbuf err;
    sb_init(&err);
    int rc = endpoint_resolve(&AWS_SVC_STS, "us-east-1", has['F'] ? source_url('F') : NULL, &ep, &url, &err);
    if (r->want == '!') {
        if (rc != -1 || !strstr(err.buf, "[services local]"))
            fail_msg("row %s ignore=%s/%s: expected the missing services section refused, got %s", r->have,
                     r->ignore_env ? r->ignore_env : "-", r->ignore_prof ? r->ignore_prof : "-", url ? url : err.buf);
    } else {
        char want[128];
        snprintf(want, sizeof want, "%s", source_url(r->want));
        size_t n = strlen(want);
        if (want[n - 1] == '/') /* one trailing '/' is dropped */
            want[n - 1] = '\0';
        if (rc != 0 || strcmp(url, want))
            fail_msg("row %s ignore=%s/%s: want %c (%s), got %s", r->have, r->ignore_env ? r->ignore_env : "-",
                     r->ignore_prof ? r->ignore_prof : "-", r->want, want, rc ? err.buf : url);
    }
    free(url);
    sb_free(&err);
}

static void test_precedence_table(void **state)
{
    (void)state;
    static const prec_row rows[] = {
        { "SFGPE", NULL, NULL, false, 'S' },
        { "FGPE", NULL, NULL, false, 'P' }, /* the services entry outranks the global flag */
        { "FGE", NULL, NULL, false, 'F' },
        { "GPE", NULL, NULL, false, 'G' },
        { "PE", NULL, NULL, false, 'P' },
        { "E", NULL, NULL, false, 'E' },
        { "", NULL, NULL, false, 'D' },
        /* each pair on its own */
        { "SF", NULL, NULL, false, 'S' }, /* the service's own variable outranks the flag */
        { "SG", NULL, NULL, false, 'S' },
        { "SP", NULL, NULL, false, 'S' },
        { "SE", NULL, NULL, false, 'S' },
        { "FG", NULL, NULL, false, 'F' }, /* the command line over the environment */
        { "FP", NULL, NULL, false, 'P' }, /* service-specific over the global flag */
        { "FE", NULL, NULL, false, 'F' },
        { "GP", NULL, NULL, false, 'G' }, /* the environment over the config file */
        { "GE", NULL, NULL, false, 'G' },
        { "PE", NULL, NULL, false, 'P' },
        { "S", NULL, NULL, false, 'S' },
        { "F", NULL, NULL, false, 'F' },
        { "G", NULL, NULL, false, 'G' },
        { "P", NULL, NULL, false, 'P' },
        /* ignore_configured_endpoint_urls: everything but the flag goes */
        { "SFGPE", "true", NULL, false, 'F' },
        { "SGPE", "true", NULL, false, 'D' },
        { "SGPE", "TRUE", NULL, false, 'D' },
        { "SGPE", "false", NULL, false, 'S' },
        { "SGPE", "yes", NULL, false, 'S' },   /* only "true" means true */
        { "SFGPE", NULL, "true", false, 'F' }, /* the profile's own setting */
        { "SGPE", NULL, "true", false, 'D' },
        { "PE", NULL, "True", false, 'D' },
        { "SGPE", "false", "true", false, 'S' }, /* the variable, when set, decides */
        { "SGPE", "", "true", false, 'S' },
        { "SGPE", "true", "false", false, 'D' },
        /* a services section the file lacks is refused once the lookup reaches it */
        { "E", NULL, NULL, true, '!' },
        { "", NULL, NULL, true, '!' },
        { "GE", NULL, NULL, true, 'G' },
        { "FE", NULL, NULL, true, '!' }, /* the flag reaches the services section first */
        { "SE", NULL, NULL, true, 'S' },
        { "E", "true", NULL, true, 'D' },
    };
    for (size_t i = 0; i < ARRAY_LEN(rows); i++)
        run_row(&rows[i]);
}

/* Every service tarmac calls: its own variable outranks the flag, the flag outranks
 * AWS_ENDPOINT_URL and the profile's global endpoint_url, and another service's
 * variable changes nothing. */
static void test_every_service_env(void **state)
{
    (void)state;
    const aws_service *svcs[] = { &AWS_SVC_AUTOSCALING, &AWS_SVC_ELBV2,      &AWS_SVC_EC2,
                                  &AWS_SVC_STS,         &AWS_SVC_ECR,        &AWS_SVC_ECS,
                                  &AWS_SVC_CODEDEPLOY,  &AWS_SVC_CLOUDWATCH, &ENDPOINT_SVC_SSO_PORTAL };
    static const char *names[] = {
        "AUTO_SCALING", "ELASTIC_LOAD_BALANCING_V2", "EC2", "STS", "ECR", "ECS", "CODEDEPLOY", "CLOUDWATCH", "SSO"
    };
    static const char *keys[] = {
        "auto_scaling", "elastic_load_balancing_v2", "ec2", "sts", "ecr", "ecs", "codedeploy", "cloudwatch", "sso"
    };
    const char *flag = "http://127.0.0.1:4566";
    endpoint_profile ep = { .global_url = (char *)"https://profile.example.com" };
    setenv("AWS_ENDPOINT_URL", "https://global-env.example.com", 1);
    for (size_t i = 0; i < ARRAY_LEN(svcs); i++) {
        char key[64], var[96], own[96];
        endpoint_service_key(svcs[i], key, sizeof key);
        assert_string_equal(key, keys[i]);
        snprintf(var, sizeof var, "AWS_ENDPOINT_URL_%s", names[i]);
        snprintf(own, sizeof own, "http://127.0.0.1:%zu", 5000 + i);
        setenv(var, own, 1);
        for (size_t j = 0; j < ARRAY_LEN(svcs); j++) {
            char *url = NULL;
            strbuf err;
            sb_init(&err);
            assert_int_equal(endpoint_resolve(svcs[j], "us-east-1", flag, &ep, &url, &err), 0);
            if (strcmp(url, i == j ? own : flag))
                fail_msg("%s set: %s went to %s", var, svcs[j]->id, url);
            free(url);
            sb_free(&err);
        }
        unsetenv(var);
    }
    /* the portal's standard host is in its own region's partition */
    unsetenv("AWS_ENDPOINT_URL");
    expect_url(&ENDPOINT_SVC_SSO_PORTAL, "eu-west-1", NULL, NULL, "https://portal.sso.eu-west-1.amazonaws.com");
    expect_url(&ENDPOINT_SVC_SSO_PORTAL, "cn-north-1", NULL, NULL, "https://portal.sso.cn-north-1.amazonaws.com.cn");
}

static void test_empty_values(void **state)
{
    (void)state;
    setenv("AWS_ENDPOINT_URL_ECR", "", 1); /* empty is unset */
    setenv("AWS_ENDPOINT_URL", "", 1);
    expect_url(&AWS_SVC_ECR, "us-east-1", "", "", "https://api.ecr.us-east-1.amazonaws.com");
    expect_url(&AWS_SVC_ECR, "us-east-1", NULL, "https://profile.example.com/", "https://profile.example.com");
    /* a broken variable that is ignored does no harm */
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
    setenv("AWS_ENDPOINT_URL_ECR", "ftp://nope", 1);
    expect_url(&AWS_SVC_ECR, "us-east-1", NULL, NULL, "https://api.ecr.us-east-1.amazonaws.com");
}

static void test_loopback_http(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } ok[] = {
        { "http://127.0.0.1:4566", "http://127.0.0.1:4566" },
        { "http://127.0.0.1:4566/", "http://127.0.0.1:4566" },
        { "http://127.0.0.1:4566//", "http://127.0.0.1:4566/" }, /* one '/' only */
        { "http://127.9.8.7", "http://127.9.8.7" },
        { "http://localhost:8080", "http://localhost:8080" },
        { "HTTP://LOCALHOST:8080/", "HTTP://LOCALHOST:8080" },
        { "http://[::1]:4566", "http://[::1]:4566" },
        { "http://[::ffff:127.0.0.1]:4566", "http://[::ffff:127.0.0.1]:4566" },
        { "https://ecr.internal.example:8443/prefix/", "https://ecr.internal.example:8443/prefix" },
        { "https://10.1.2.3", "https://10.1.2.3" },
    };
    for (size_t i = 0; i < ARRAY_LEN(ok); i++)
        expect_url(&AWS_SVC_ECR, "us-east-1", ok[i].in, NULL, ok[i].out);

    assert_true(endpoint_host_is_loopback("127.0.0.1"));
    assert_true(endpoint_host_is_loopback("127.255.255.254"));
    assert_true(endpoint_host_is_loopback("localhost"));
    assert_true(endpoint_host_is_loopback("LocalHost"));
    assert_true(endpoint_host_is_loopback("::1"));
    assert_true(endpoint_host_is_loopback("[::1]"));
    assert_false(endpoint_host_is_loopback("128.0.0.1"));
    assert_false(endpoint_host_is_loopback("10.0.0.1"));
    assert_false(endpoint_host_is_loopback("127.0.0.1.nip.io"));
    assert_false(endpoint_host_is_loopback("localhost.evil.example"));
    assert_false(endpoint_host_is_loopback("::2"));
    assert_false(endpoint_host_is_loopback(""));
    assert_false(endpoint_host_is_loopback(NULL));
}

static void test_refused_urls(void **state)
{
    (void)state;
    static const struct {
        const char *url, *why;
    } bad[] = {
        { "http://example.com", "plain http:// to a host that is not loopback" },
        { "http://10.0.0.1:4566", "not loopback" },
        { "http://127.0.0.1.nip.io", "not loopback" },
        { "http://localhost.evil.example", "not loopback" },
        { "http://[::2]", "not loopback" },
        { "ftp://example.com", "must start with https://" },
        { "file:///etc/passwd", "https://" },
        { "not a url", "spaces or control characters" },
        { "localhost:4566", "https://" },
        { "example.com", "is not a valid URL" },
        { "https://", "is not a valid URL" },
        { "https://user:hunter2@example.com", "must not contain user info" },
        { "https://user@example.com", "must not contain user info" },
        { "https://example.com/?a=b", "query or a fragment" },
        { "https://example.com/#frag", "query or a fragment" },
        { "https://example.com:99999", "is not a valid URL" },
        { "https://exa mple.com", "spaces" },
        { "https://example.com\n", "control characters" },
        { "https://example.com\x1b[31m", "control characters" },
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        expect_fail(&AWS_SVC_ECR, "us-east-1", bad[i].url, NULL, "--endpoint-url: the endpoint URL");
        expect_fail(&AWS_SVC_ECR, "us-east-1", bad[i].url, NULL, bad[i].why);
    }
    char huge[3000];
    memset(huge, 'a', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    memcpy(huge, "https://", 8);
    expect_fail(&AWS_SVC_ECR, "us-east-1", huge, NULL, "longer than 2048 bytes");

    /* each source is named */
    setenv("AWS_ENDPOINT_URL_ECR", "http://example.com", 1);
    expect_fail(&AWS_SVC_ECR, "us-east-1", NULL, NULL, "AWS_ENDPOINT_URL_ECR: ");
    unsetenv("AWS_ENDPOINT_URL_ECR");
    setenv("AWS_ENDPOINT_URL", "https://u:hunter2@example.com", 1);
    expect_fail(&AWS_SVC_ECR, "us-east-1", NULL, NULL, "AWS_ENDPOINT_URL: ");
    unsetenv("AWS_ENDPOINT_URL");
    expect_fail(&AWS_SVC_ECR, "us-east-1", NULL, "gopher://x", "endpoint_url in the profile: ");
    endpoint_profile ep = { .service_url = (char *)"gopher://x" };
    char *url = NULL;
    strbuf err;
    sb_init(&err);
    assert_int_equal(endpoint_resolve(&AWS_SVC_ELBV2, "us-east-1", NULL, &ep, &url, &err), -1);
    assert_non_null(strstr(err.buf, "endpoint_url of elastic_load_balancing_v2 in the profile's services section: "));
    sb_free(&err);
}

static void test_regions(void **state)
{
    (void)state;
    expect_fail(&AWS_SVC_ECR, NULL, NULL, NULL, "no AWS region");
    expect_fail(&AWS_SVC_ECR, "", NULL, NULL, "no AWS region");
    expect_fail(&AWS_SVC_ECR, "US-EAST-1", NULL, NULL, "invalid AWS region \"US-EAST-1\"");
    expect_fail(&AWS_SVC_ECR, "us_east_1", NULL, NULL, "invalid AWS region");
    expect_fail(&AWS_SVC_ECR, "us-east-1.evil.com/", NULL, NULL, "invalid AWS region");
    expect_fail(&AWS_SVC_ECR, "us-east-1\n", NULL, NULL, "invalid AWS region \"us-east-1?\"");
    expect_fail(&AWS_SVC_ECR, "abcdefghijabcdefghijabcdefghijabc", NULL, NULL, "...\"");
    /* the region is checked even when an override gives the host */
    expect_fail(&AWS_SVC_ECR, "bad region", "http://127.0.0.1:4566", NULL, "invalid AWS region");
    expect_url(&AWS_SVC_ECR, "abcdefghijabcdefghijabcdefghijab", NULL, NULL,
               "https://api.ecr.abcdefghijabcdefghijabcdefghijab.amazonaws.com");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_every_service_host, setup), cmocka_unit_test_setup(test_partitions, setup),
        cmocka_unit_test_setup(test_precedence_table, setup),   cmocka_unit_test_setup(test_every_service_env, setup),
        cmocka_unit_test_setup(test_empty_values, setup),       cmocka_unit_test_setup(test_loopback_http, setup),
        cmocka_unit_test_setup(test_refused_urls, setup),       cmocka_unit_test_setup(test_regions, setup),
    };
    return cmocka_run_group_tests_name("endpoints", tests, NULL, NULL);
}
