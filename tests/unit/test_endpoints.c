/* test_endpoints.c — endpoint resolution: standard hosts per service and partition
 * (expected values are what botocore 1.43's create_client(...).meta.endpoint_url gives),
 * the override precedence, and the checks on override URLs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endpoints.h"

static const char *const endpoint_env[] = {
    "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_AUTO_SCALING", "AWS_ENDPOINT_URL_ECR",
    "AWS_ENDPOINT_URL_STS", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
};

static int setup(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(endpoint_env); i++)
        unsetenv(endpoint_env[i]);
    return 0;
}

static void expect_url(const aws_service *svc, const char *region, const char *flag,
                       const char *profile, const char *want)
{
    char *url = NULL;
    strbuf err;
    sb_init(&err);
    if (endpoint_resolve(svc, region, flag, profile, &url, &err) != 0)
        fail_msg("endpoint_resolve(%s, %s) failed: %s", svc->id, region, err.buf);
    assert_string_equal(url, want);
    free(url);
    sb_free(&err);
}

static void expect_fail(const aws_service *svc, const char *region, const char *flag,
                        const char *profile, const char *want)
{
    char *url = (char *)"untouched";
    strbuf err;
    sb_init(&err);
    assert_int_equal(endpoint_resolve(svc, region, flag, profile, &url, &err), -1);
    assert_null(url);
    if (!strstr(err.buf, want))
        fail_msg("error \"%s\" does not contain \"%s\"", err.buf, want);
    assert_null(strchr(err.buf, '\n'));
    assert_null(strstr(err.buf, "hunter2"));   /* a password in a URL is never echoed */
    sb_free(&err);
}

static void test_every_service_host(void **state)
{
    (void)state;
    static const struct {
        const aws_service *svc;
        const char *url;
    } cases[] = {
        {&AWS_SVC_AUTOSCALING, "https://autoscaling.us-east-1.amazonaws.com"},
        {&AWS_SVC_ELBV2, "https://elasticloadbalancing.us-east-1.amazonaws.com"},
        {&AWS_SVC_EC2, "https://ec2.us-east-1.amazonaws.com"},
        {&AWS_SVC_STS, "https://sts.us-east-1.amazonaws.com"},     /* regional, not sts.amazonaws.com */
        {&AWS_SVC_ECR, "https://api.ecr.us-east-1.amazonaws.com"},
        {&AWS_SVC_ECS, "https://ecs.us-east-1.amazonaws.com"},
        {&AWS_SVC_CODEDEPLOY, "https://codedeploy.us-east-1.amazonaws.com"},
        {&AWS_SVC_CLOUDWATCH, "https://monitoring.us-east-1.amazonaws.com"},
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
        {"us-east-1", "aws", "amazonaws.com"},
        {"eu-west-1", "aws", "amazonaws.com"},
        {"ap-southeast-5", "aws", "amazonaws.com"},
        {"cn-north-1", "aws-cn", "amazonaws.com.cn"},
        {"cn-northwest-1", "aws-cn", "amazonaws.com.cn"},
        {"us-gov-west-1", "aws-us-gov", "amazonaws.com"},
        {"us-gov-east-1", "aws-us-gov", "amazonaws.com"},
        {"us-iso-east-1", "aws-iso", "c2s.ic.gov"},
        {"us-isob-east-1", "aws-iso-b", "sc2s.sgov.gov"},
        {"eu-isoe-west-1", "aws-iso-e", "cloud.adc-e.uk"},
        {"us-isof-south-1", "aws-iso-f", "csp.hci.ic.gov"},
        {"eusc-de-east-1", "aws-eusc", "amazonaws.eu"},
        {"xx-future-9", "aws", "amazonaws.com"},   /* unknown shapes: the aws partition */
    };
    const aws_service *svcs[] = {&AWS_SVC_AUTOSCALING, &AWS_SVC_ELBV2, &AWS_SVC_EC2, &AWS_SVC_STS,
                                 &AWS_SVC_ECR, &AWS_SVC_ECS, &AWS_SVC_CODEDEPLOY, &AWS_SVC_CLOUDWATCH};
    static const char *prefixes[] = {"autoscaling", "elasticloadbalancing", "ec2", "sts",
                                     "api.ecr", "ecs", "codedeploy", "monitoring"};
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

static void test_precedence(void **state)
{
    (void)state;
    const char *flag = "https://flag.example.com";
    const char *profile = "https://profile.example.com/";
    setenv("AWS_ENDPOINT_URL_ECR", "https://ecr-env.example.com", 1);
    setenv("AWS_ENDPOINT_URL", "https://global-env.example.com", 1);

    expect_url(&AWS_SVC_ECR, "us-east-1", flag, profile, "https://flag.example.com");
    expect_url(&AWS_SVC_ECR, "us-east-1", NULL, profile, "https://ecr-env.example.com");
    expect_url(&AWS_SVC_ECR, "us-east-1", "", profile, "https://ecr-env.example.com");
    /* the service variable applies to its own service only */
    expect_url(&AWS_SVC_AUTOSCALING, "us-east-1", NULL, profile, "https://global-env.example.com");
    setenv("AWS_ENDPOINT_URL_AUTO_SCALING", "http://127.0.0.1:4566", 1);
    expect_url(&AWS_SVC_AUTOSCALING, "us-east-1", NULL, profile, "http://127.0.0.1:4566");
    unsetenv("AWS_ENDPOINT_URL_ECR");
    expect_url(&AWS_SVC_ECR, "us-east-1", NULL, profile, "https://global-env.example.com");
    unsetenv("AWS_ENDPOINT_URL");
    expect_url(&AWS_SVC_ECR, "us-east-1", NULL, profile, "https://profile.example.com");
    expect_url(&AWS_SVC_ECR, "us-east-1", NULL, NULL, "https://api.ecr.us-east-1.amazonaws.com");
    setenv("AWS_ENDPOINT_URL", "", 1);   /* empty is unset */
    expect_url(&AWS_SVC_ECR, "us-east-1", NULL, "", "https://api.ecr.us-east-1.amazonaws.com");
}

static void test_ignore_configured(void **state)
{
    (void)state;
    setenv("AWS_ENDPOINT_URL_ECR", "https://ecr-env.example.com", 1);
    setenv("AWS_ENDPOINT_URL", "https://global-env.example.com", 1);
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
    expect_url(&AWS_SVC_ECR, "us-east-1", NULL, "https://profile.example.com",
               "https://api.ecr.us-east-1.amazonaws.com");
    expect_url(&AWS_SVC_ECR, "us-east-1", "https://flag.example.com", "https://profile.example.com",
               "https://flag.example.com");
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE", 1);
    expect_url(&AWS_SVC_ECR, "us-east-1", NULL, NULL, "https://api.ecr.us-east-1.amazonaws.com");
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false", 1);
    expect_url(&AWS_SVC_ECR, "us-east-1", NULL, NULL, "https://ecr-env.example.com");
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
        {"http://127.0.0.1:4566", "http://127.0.0.1:4566"},
        {"http://127.0.0.1:4566/", "http://127.0.0.1:4566"},
        {"http://127.0.0.1:4566//", "http://127.0.0.1:4566/"},    /* one '/' only */
        {"http://127.9.8.7", "http://127.9.8.7"},
        {"http://localhost:8080", "http://localhost:8080"},
        {"HTTP://LOCALHOST:8080/", "HTTP://LOCALHOST:8080"},
        {"http://[::1]:4566", "http://[::1]:4566"},
        {"http://[::ffff:127.0.0.1]:4566", "http://[::ffff:127.0.0.1]:4566"},
        {"https://ecr.internal.example:8443/prefix/", "https://ecr.internal.example:8443/prefix"},
        {"https://10.1.2.3", "https://10.1.2.3"},
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
        {"http://example.com", "plain http:// to a host that is not loopback"},
        {"http://10.0.0.1:4566", "not loopback"},
        {"http://127.0.0.1.nip.io", "not loopback"},
        {"http://localhost.evil.example", "not loopback"},
        {"http://[::2]", "not loopback"},
        {"ftp://example.com", "must start with https://"},
        {"file:///etc/passwd", "https://"},
        {"not a url", "spaces or control characters"},
        {"localhost:4566", "https://"},
        {"example.com", "is not a valid URL"},
        {"https://", "is not a valid URL"},
        {"https://user:hunter2@example.com", "must not contain user info"},
        {"https://user@example.com", "must not contain user info"},
        {"https://example.com/?a=b", "query or a fragment"},
        {"https://example.com/#frag", "query or a fragment"},
        {"https://example.com:99999", "is not a valid URL"},
        {"https://exa mple.com", "spaces"},
        {"https://example.com\n", "control characters"},
        {"https://example.com\x1b[31m", "control characters"},
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
        cmocka_unit_test_setup(test_every_service_host, setup),
        cmocka_unit_test_setup(test_partitions, setup),
        cmocka_unit_test_setup(test_precedence, setup),
        cmocka_unit_test_setup(test_ignore_configured, setup),
        cmocka_unit_test_setup(test_loopback_http, setup),
        cmocka_unit_test_setup(test_refused_urls, setup),
        cmocka_unit_test_setup(test_regions, setup),
    };
    return cmocka_run_group_tests_name("endpoints", tests, NULL, NULL);
}
