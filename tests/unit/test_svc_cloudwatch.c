/* test_svc_cloudwatch.c — CloudWatch DescribeAlarms over JSON 1.0: the MetricAlarms
 * and CompositeAlarms decoder against tests/fixtures/json/cw_describe_alarms*.json (an ALARM whose
 * StateReason carries escape sequences), hostile bodies, the request document
 * compared with botocore's JSON serializer, and the paged call end to end against
 * the loopback server. */
#include <limits.h>
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "aws/json_util.h"
#include "json_e2e.h"
#include "loopback_server.h"
#include "sanitize.h"
#include "services/services.h"

/* $TARMAC_TOP/tests/fixtures/json, else relative to build/<rel|san>/tests/. */
static char *load_fixture(const char *name, size_t *len)
{
    return json_fixture("json", name, len);
}

static void test_describe_alarms(void **state)
{
    (void)state;
    size_t len;
    char *body = load_fixture("cw_describe_alarms.json", &len);
    cw_alarm_list alarms = { 0 };
    char *next = NULL;
    aws_error err = { 0 };
    assert_int_equal(cw_decode_alarms(body, len, &alarms, &next, NULL, &err), 0);
    assert_int_equal(alarms.n, 2);

    cw_alarm *a = &alarms.items[0];
    assert_string_equal(a->alarm_name, "web-5xx");
    assert_string_equal(a->alarm_arn, "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:web-5xx");
    assert_string_equal(a->alarm_description, "ALB 5xx above 1% for 3 minutes");
    assert_string_equal(a->state_value, "ALARM");
    /* The escapes arrive as real control bytes; the sanitizer's job is to defuse them. */
    assert_string_equal(
        a->state_reason,
        "Threshold Crossed: 3 datapoints \x1b[2J\x1b]0;pwned\a were greater than the threshold (12.5).");
    assert_int_equal(a->state_updated_timestamp, INT64_C(1714564800123));
    assert_string_equal(a->metric_name, "HTTPCode_Target_5XX_Count");
    assert_string_equal(a->namespace_, "AWS/ApplicationELB");
    assert_string_equal(a->statistic, "Sum");
    assert_string_equal(a->comparison_operator, "GreaterThanThreshold");
    assert_true(a->has_threshold);
    assert_true(a->threshold == 12.5);
    assert_int_equal(a->period, 60);
    assert_int_equal(a->evaluation_periods, 3);
    assert_true(a->actions_enabled);

    char shown[256];
    int cols = 0;
    setlocale(LC_ALL, "C.UTF-8");
    sanitize_str(a->state_reason, shown, sizeof(shown), 200, false, &cols);
    assert_null(strchr(shown, '\x1b'));
    assert_null(strchr(shown, '\a'));
    assert_non_null(strstr(shown, "\\e[2J\\e]0;pwned\\x07"));

    a = &alarms.items[1];
    assert_string_equal(a->alarm_name, "web-latency");
    assert_string_equal(a->state_value, "OK");
    assert_null(a->statistic); /* ExtendedStatistic alarm */
    assert_true(a->has_threshold);
    assert_true(a->threshold == 2.0); /* an integer is a fine double */
    assert_int_equal(a->period, 300);
    assert_int_equal(a->evaluation_periods, 5);
    assert_false(a->actions_enabled);
    assert_int_equal(a->state_updated_timestamp, INT64_C(1714000000000));
    assert_null(a->alarm_description);

    assert_string_equal(next, "Q2xvdWRXYXRjaE5leHRUb2tlbg==");
    free(next);
    MODEL_LIST_FREE(alarms, cw_alarm_free);
    free(body);
}

/* Metric math, an anomaly-detection band and a composite alarm (fixture parsed by
 * botocore's JSON parser when written): one list, each with its type and state. */
static void test_composite_and_math_alarms(void **state)
{
    (void)state;
    size_t len;
    char *body = load_fixture("cw_describe_alarms_composite.json", &len);
    cw_alarm_list alarms = { 0 };
    aws_error err = { 0 };
    assert_int_equal(cw_decode_alarms(body, len, &alarms, NULL, NULL, &err), 0);
    assert_int_equal(alarms.n, 3);

    const cw_alarm *a = &alarms.items[0];
    assert_int_equal(a->alarm_type, CW_METRIC_ALARM);
    assert_string_equal(a->alarm_name, "web-5xx-rate");
    assert_string_equal(a->state_value, "ALARM");
    assert_null(a->metric_name); /* metric math: no MetricName */
    assert_int_equal(a->metrics.n, 3);
    assert_string_equal(a->metrics.items[0].id, "e1");
    assert_string_equal(a->metrics.items[0].expression, "100*m1/m2");
    assert_true(a->metrics.items[0].has_return_data && a->metrics.items[0].return_data);
    assert_string_equal(a->metrics.items[1].metric_name, "HTTPCode_Target_5XX_Count");
    assert_string_equal(a->metrics.items[1].namespace_, "AWS/ApplicationELB");
    assert_string_equal(a->metrics.items[1].stat, "Sum");
    assert_int_equal(a->metrics.items[1].period, 60);

    a = &alarms.items[1];
    assert_string_equal(a->alarm_name, "web-latency-band");
    assert_string_equal(a->threshold_metric_id, "ad1");
    assert_string_equal(a->evaluation_state, "PARTIAL_DATA");
    assert_false(a->has_threshold);
    assert_string_equal(a->metrics.items[1].expression, "ANOMALY_DETECTION_BAND(m1, 2)");

    a = &alarms.items[2];
    assert_int_equal(a->alarm_type, CW_COMPOSITE_ALARM);
    assert_string_equal(a->alarm_name, "web-down");
    assert_string_equal(a->state_value, "ALARM");
    assert_non_null(strstr(a->alarm_rule, "ALARM(\"web-5xx-rate\") OR"));
    assert_int_equal(a->state_updated_timestamp, INT64_C(1714564801000));
    MODEL_LIST_FREE(alarms, cw_alarm_free);
    free(body);
}

static void test_hostile_bodies(void **state)
{
    (void)state;
    size_t len;
    char *body = load_fixture("cw_describe_alarms.json", &len);
    size_t end = len;
    while (end > 0 && body[end - 1] != '}')
        end--;
    /* Every truncation is MalformedResponse for DescribeAlarms; nothing leaks. */
    for (size_t n = 0; n < end; n += 7) {
        cw_alarm_list alarms = { 0 };
        char *next = NULL;
        aws_error err = { 0 };
        assert_int_equal(cw_decode_alarms(body, n, &alarms, &next, NULL, &err), -1);
        assert_string_equal(err.code, "MalformedResponse");
        assert_string_equal(err.operation, "DescribeAlarms");
        assert_string_equal(err.service, "cloudwatch");
        assert_null(next);
        MODEL_LIST_FREE(alarms, cw_alarm_free);
    }
    free(body);

    /* Wrong types: skipped, never a crash. */
    const char b[] = "{\"MetricAlarms\":[{\"AlarmName\":\"x\",\"Threshold\":\"12\",\"Period\":1e12,"
                     "\"EvaluationPeriods\":2.0,\"ActionsEnabled\":\"true\",\"StateUpdatedTimestamp\":\"soon\"},"
                     "\"y\",3],\"NextToken\":\"\"}";
    cw_alarm_list alarms = { 0 };
    char *next = (char *)"sentinel";
    aws_error err = { 0 };
    assert_int_equal(cw_decode_alarms(b, sizeof(b) - 1, &alarms, &next, NULL, &err), 0);
    assert_null(next); /* empty token: no more pages */
    assert_int_equal(alarms.n, 1);
    assert_string_equal(alarms.items[0].alarm_name, "x");
    assert_false(alarms.items[0].has_threshold);
    assert_int_equal(alarms.items[0].period, 0); /* out of int range */
    assert_int_equal(alarms.items[0].evaluation_periods, 2);
    assert_false(alarms.items[0].actions_enabled);
    assert_int_equal(alarms.items[0].state_updated_timestamp, 0);
    MODEL_LIST_FREE(alarms, cw_alarm_free);

    const char nul[] = "{\"MetricAlarms\":[]}\0\0";
    assert_int_equal(cw_decode_alarms(nul, sizeof(nul) - 1, &alarms, NULL, NULL, &err), -1);
    assert_int_equal(cw_decode_alarms("null", 4, &alarms, NULL, NULL, &err), -1);
    assert_int_equal(alarms.n, 0);
}

/* Expected documents: botocore 1.43's JSON serializer for the same parameters
 * (the json protocol keeps the shape's member names: AlarmNames, NextToken, ...). */
static void test_request_body(void **state)
{
    (void)state;
    size_t len;
    const char *names[] = { "web-5xx", "web-latency" };
    char *b = cw_encode_describe_alarms(names, 2, "Q2xv", &len);
    assert_json_equal(
        b, len,
        "{\"AlarmNames\": [\"web-5xx\", \"web-latency\"], \"AlarmTypes\": [\"MetricAlarm\", \"CompositeAlarm\"], "
        "\"NextToken\": \"Q2xv\", \"MaxRecords\": 100}");
    free(b);
    b = cw_encode_describe_alarms(NULL, 0, NULL, &len);
    assert_json_equal(b, len, "{\"AlarmTypes\": [\"MetricAlarm\", \"CompositeAlarm\"], \"MaxRecords\": 100}");
    free(b);
}

typedef struct alarms_got {
    int calls;
    bool failed;
    aws_error err;
    cw_alarm_list alarms;
} alarms_got;

static void on_alarms(aws_client *c, cw_alarm_list *result, const aws_error *err, void *ud)
{
    (void)c;
    alarms_got *g = ud;
    g->calls++;
    if (err) {
        g->failed = true;
        g->err = *err;
    }
    g->alarms = *result; /* take ownership of the contents */
}

static json_object *request_doc(lb_server *srv, size_t i)
{
    const lb_request *q = lb_request_at(srv, i);
    assert_non_null(q);
    char buf[128];
    assert_non_null(lb_request_header(q, "x-amz-target", buf, sizeof(buf)));
    assert_string_equal(buf, "GraniteServiceVersion20100801.DescribeAlarms");
    assert_non_null(lb_request_header(q, "content-type", buf, sizeof(buf)));
    assert_string_equal(buf, "application/x-amz-json-1.0");
    aws_error err = { 0 };
    json_object *doc = ju_parse_object(q->body, q->body_len, "cloudwatch", "DescribeAlarms", &err);
    assert_non_null(doc);
    return doc;
}

static void test_e2e_describe_alarms(void **state)
{
    (void)state;
    lb_server *srv = lb_start();
    assert_non_null(srv);
    aws_credentials creds = { .access_key_id = xstrdup("AKIDEXAMPLE"),
                              .secret_access_key = xstrdup("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY") };
    aws_client_config cfg = {
        .region = "eu-west-1", .endpoint_url = lb_url(srv), .credentials = &creds, .max_attempts = 2, .timeout_ms = 5000
    };
    aws_error err = { 0 };
    aws_client *c = aws_client_new(&cfg, &err);
    assert_non_null(c);

    size_t len;
    char *page1 = load_fixture("cw_describe_alarms.json", &len);
    lb_push(srv, &(lb_response){ .body = page1, .content_type = "application/x-amz-json-1.0" });
    lb_push(
        srv,
        &(lb_response){ .body = "{\"MetricAlarms\":[{\"AlarmName\":\"db-cpu\",\"StateValue\":\"INSUFFICIENT_DATA\"}]}",
                        .content_type = "application/x-amz-json-1.0" });
    free(page1);
    alarms_got g = { 0 };
    assert_int_equal(svc_cw_describe_alarms(c, NULL, on_alarms, &g, &err), 0);
    aws_client_run_until_idle(c);
    assert_int_equal(g.calls, 1);
    if (g.failed)
        fail_msg("%s: %s", g.err.code, g.err.message);
    assert_int_equal(g.alarms.n, 3);
    assert_string_equal(g.alarms.items[2].alarm_name, "db-cpu");
    assert_int_equal(lb_request_count(srv), 2);
    json_object *d = request_doc(srv, 0);
    assert_null(ju_get_string(d, "NextToken", NULL));
    assert_null(ju_get_array(d, "AlarmNames"));
    json_object_put(d);
    d = request_doc(srv, 1);
    assert_string_equal(ju_get_string(d, "NextToken", NULL), "Q2xvdWRXYXRjaE5leHRUb2tlbg==");
    int max = 0;
    assert_true(ju_get_int(d, "MaxRecords", &max));
    assert_int_equal(max, 100);
    json_object_put(d);
    MODEL_LIST_FREE(g.alarms, cw_alarm_free);

    /* 101 names: two requests (100 + 1); an error on the second keeps the first's alarms. */
    lb_reset(srv);
    lb_push(srv,
            &(lb_response){ .body = "{\"MetricAlarms\":[{\"AlarmName\":\"a0\"}]}",
                            .content_type = "application/x-amz-json-1.0" });
    lb_push(srv,
            &(lb_response){ .status = 400,
                            .content_type = "application/x-amz-json-1.0",
                            .body = "{\"__type\":\"com.amazonaws.cloudwatch#InvalidNextToken\",\"message\":\"bad\"}" });
    strvec names = { 0 };
    for (int i = 0; i < 101; i++) {
        char n[24];
        snprintf(n, sizeof(n), "a%d", i);
        strvec_push(&names, n);
    }
    alarms_got h = { 0 };
    assert_int_equal(svc_cw_describe_alarms(c, &names, on_alarms, &h, &err), 0);
    aws_client_run_until_idle(c);
    assert_int_equal(h.calls, 1);
    assert_true(h.failed);
    assert_string_equal(h.err.code, "InvalidNextToken");
    assert_int_equal(h.alarms.n, 1);
    assert_int_equal(lb_request_count(srv), 2);
    d = request_doc(srv, 1);
    json_object *arr = ju_get_array(d, "AlarmNames");
    assert_int_equal(json_object_array_length(arr), 1);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(arr, 0)), "a100");
    json_object_put(d);
    MODEL_LIST_FREE(h.alarms, cw_alarm_free);
    strvec_free(&names);

    aws_client_free(c);
    lb_stop(srv);
    aws_credentials_free(&creds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_describe_alarms),     cmocka_unit_test(test_composite_and_math_alarms),
        cmocka_unit_test(test_hostile_bodies),      cmocka_unit_test(test_request_body),
        cmocka_unit_test(test_e2e_describe_alarms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
