/* test_clock_skew.c — what a server's Date may do to the signing clock: a
 * RequestTimeTooSkewed answer corrects the clock of that endpoint's host only, by at
 * most 15 minutes either way (AWS's own window), and the correction is in the call
 * log (the console's @ view). Against two loopback servers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/aws.h"
#include "loopback_server.h"
#include "aws/retry.h"

#define OK_XML "<DescribeAutoScalingGroupsResponse><R>ok</R></DescribeAutoScalingGroupsResponse>"
#define SKEWED_XML                                                                                                     \
    "<ErrorResponse><Error><Type>Sender</Type><Code>RequestTimeTooSkewed</Code>"                                       \
    "<Message>The difference between the request time and the current time is too large.</Message>"                    \
    "</Error><RequestId>skew-1</RequestId></ErrorResponse>"

/* A server whose clock is offset_s ahead of ours and that refuses requests signed
 * more than tolerance_s away from its clock, as AWS does with 15 minutes. */
typedef struct skewed {
    long offset_s, tolerance_s;
} skewed;

static long signed_time(const lb_request *req)
{
    char d[32];
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (!lb_request_header(req, "x-amz-date", d, sizeof(d)) || !strptime(d, "%Y%m%dT%H%M%SZ", &tm))
        return -1;
    return (long)timegm(&tm);
}

static void skewed_handler(void *ud, const lb_request *req, lb_response *resp)
{
    const skewed *k = ud;
    resp->date_offset_s = (int)k->offset_s;
    long diff = signed_time(req) - ((long)time(NULL) + k->offset_s);
    if (diff < -k->tolerance_s || diff > k->tolerance_s) {
        resp->status = 403;
        resp->body = SKEWED_XML;
    } else {
        resp->body = OK_XML;
    }
}

typedef struct result {
    int calls;
    bool ok;
    aws_error err;
} result;

static void on_done(aws_client *c, const aws_response *resp, const aws_error *err, void *ud)
{
    (void)c;
    result *r = ud;
    r->calls++;
    r->ok = resp != NULL;
    if (err)
        r->err = *err;
}

static void call_and_wait(aws_client *c, const aws_service *svc, const char *op, result *r)
{
    memset(r, 0, sizeof(*r));
    aws_request req = { .svc = svc, .operation = op };
    aws_error err;
    if (aws_call(c, &req, on_done, r, &err) != 0)
        fail_msg("aws_call: %s: %s", err.code, err.message);
    aws_client_run_until_idle(c);
    assert_int_equal(r->calls, 1);
}

static aws_client *client_for(const char *url, aws_credentials *creds)
{
    creds->access_key_id = "AKIDEXAMPLE";
    creds->secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    aws_client_config cfg = {
        .region = "us-west-2", .endpoint_url = url, .credentials = creds, .max_attempts = 3, .timeout_ms = 5000
    };
    aws_error err;
    aws_client *c = aws_client_new(&cfg, &err);
    if (!c)
        fail_msg("aws_client_new: %s: %s", err.code, err.message);
    return c;
}

/* The newest record of the call log. */
static const aws_call_record *last_record(aws_client *c)
{
    const aws_call_record *log;
    size_t n = aws_client_call_log(c, &log);
    assert_true(n > 0);
    return &log[n - 1];
}

/* A Date ten years ahead moves the clock by 15 minutes, no more, and says so. */
static void test_correction_is_capped(void **state)
{
    (void)state;
    lb_server *s = lb_start();
    assert_non_null(s);
    skewed k = { .offset_s = 10L * 365 * 86400, .tolerance_s = 900 };
    lb_set_handler(s, skewed_handler, &k);
    aws_credentials creds = { 0 };
    aws_client *c = client_for(lb_url(s), &creds);
    result r;
    call_and_wait(c, &AWS_SVC_AUTOSCALING, "DescribeAutoScalingGroups", &r);
    /* The server is still 10 years away after the capped correction: it refuses again. */
    assert_false(r.ok);
    assert_string_equal(r.err.code, "RequestTimeTooSkewed");
    assert_int_equal(lb_request_count(s), 2);
    long now = (long)time(NULL);
    long second = signed_time(lb_request_at(s, 1));
    assert_true(second >= now + 900 - 60 && second <= now + 900 + 60);
    const aws_call_record *rec = last_record(c);
    assert_string_equal(rec->error_code, "RequestTimeTooSkewed");
    assert_string_equal(rec->note, "clock +15m, capped (+10y)");
    /* Later calls sign 15 minutes ahead at most, never ten years. */
    lb_reset(s);
    k.offset_s = 0;
    k.tolerance_s = 100L * 365 * 86400;
    lb_set_handler(s, skewed_handler, &k);
    call_and_wait(c, &AWS_SVC_AUTOSCALING, "DescribeAutoScalingGroups", &r);
    assert_true(r.ok);
    long third = signed_time(lb_request_at(s, 0));
    now = (long)time(NULL);
    assert_true(third <= now + 900 + 60);
    assert_true(third >= now + 900 - 60);
    /* ...and the other way. */
    lb_reset(s);
    k.offset_s = -10L * 365 * 86400;
    k.tolerance_s = 900;
    lb_set_handler(s, skewed_handler, &k);
    call_and_wait(c, &AWS_SVC_AUTOSCALING, "DescribeAutoScalingGroups", &r);
    assert_false(r.ok);
    long back = signed_time(lb_request_at(s, 1));
    now = (long)time(NULL);
    assert_true(back >= now - 900 - 60 && back <= now - 900 + 60);
    assert_string_equal(last_record(c)->note, "clock -15m, capped (-10y)");
    aws_client_free(c);
    lb_stop(s);
}

/* A correction within the window is applied in full, and to that host only. */
static void test_correction_is_per_host(void **state)
{
    (void)state;
    lb_server *a = lb_start(), *b = lb_start();
    assert_non_null(a);
    assert_non_null(b);
    skewed ka = { .offset_s = 600, .tolerance_s = 300 }; /* ten minutes ahead */
    skewed kb = { .offset_s = 0, .tolerance_s = 300 };   /* our clock */
    lb_set_handler(a, skewed_handler, &ka);
    lb_set_handler(b, skewed_handler, &kb);
    setenv("AWS_ENDPOINT_URL_ECR", lb_url(b), 1);
    aws_credentials creds = { 0 };
    aws_client *c = client_for(lb_url(a), &creds);
    result r;
    call_and_wait(c, &AWS_SVC_AUTOSCALING, "DescribeAutoScalingGroups", &r);
    assert_true(r.ok);
    assert_int_equal(lb_request_count(a), 2);
    assert_string_equal(last_record(c)->note, "clock +10m");
    /* The same host for another service (elbv2 goes to the flag's URL too): corrected. */
    call_and_wait(c, &AWS_SVC_ELBV2, "DescribeTargetGroups", &r);
    assert_true(r.ok);
    assert_int_equal(lb_request_count(a), 3);
    assert_string_equal(last_record(c)->note, "");
    /* Another host: its own clock, untouched by what the first one said. */
    call_and_wait(c, &AWS_SVC_ECR, "DescribeRepositories", &r);
    assert_true(r.ok);
    assert_int_equal(lb_request_count(b), 1);
    long now = (long)time(NULL);
    long at_b = signed_time(lb_request_at(b, 0));
    assert_true(at_b >= now - 60 && at_b <= now + 60);
    unsetenv("AWS_ENDPOINT_URL_ECR");
    aws_client_free(c);
    lb_stop(a);
    lb_stop(b);
}

int main(void)
{
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_AUTO_SCALING");
    unsetenv("AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2");
    unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    setenv("AWS_CONFIG_FILE", "/dev/null", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_correction_is_capped),
        cmocka_unit_test(test_correction_is_per_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
