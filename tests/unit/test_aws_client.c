/* test_aws_client.c — the AWS client core against the loopback server: request shape
 * and signature, retries (throttling, 5xx, refused, timeouts; mutating vs not), the
 * error envelopes of each protocol, pagination, clock-skew correction, the call log
 * and cancellation on free. */
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
#include "aws/aws_errors.h"
#include "loopback_server.h"
#include "aws/retry.h"
#include "aws/sigv4.h"

#define THROTTLE_XML                                                                                                   \
    "<ErrorResponse xmlns=\"https://autoscaling.amazonaws.com/doc/2011-01-01/\"><Error>"                               \
    "<Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>"                               \
    "<RequestId>thr-1</RequestId></ErrorResponse>"
#define OK_XML "<DescribeAutoScalingGroupsResponse><R>ok</R></DescribeAutoScalingGroupsResponse>"

typedef struct fixture {
    lb_server *srv;
    aws_client *c;
    aws_credentials creds;
} fixture;

typedef struct result {
    int calls;
    bool ok;
    long status;
    char body[512];
    char request_id[96];
    aws_error err;
} result;

static double tiny_random(void *ud)
{
    (void)ud;
    return 0.01; /* backoffs of 10, 20, 40 ms */
}

static aws_client *client_for(fixture *f, const char *url, int max_attempts, long timeout_ms)
{
    aws_client_config cfg = { .region = "us-west-2",
                              .endpoint_url = url,
                              .credentials = &f->creds,
                              .max_attempts = max_attempts,
                              .timeout_ms = timeout_ms };
    aws_error err;
    aws_client *c = aws_client_new(&cfg, &err);
    if (!c)
        fail_msg("aws_client_new: %s: %s", err.code, err.message);
    return c;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    f->srv = lb_start();
    if (!f->srv)
        return -1;
    f->creds.access_key_id = xstrdup("AKIDEXAMPLE");
    f->creds.secret_access_key = xstrdup("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    retry_set_random(tiny_random, NULL);
    f->c = client_for(f, lb_url(f->srv), 3, 5000);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    aws_client_free(f->c);
    lb_stop(f->srv);
    aws_credentials_free(&f->creds);
    free(f);
    retry_set_random(NULL, NULL);
    return 0;
}

static void on_done(aws_client *c, const aws_response *resp, const aws_error *err, void *ud)
{
    (void)c;
    result *r = ud;
    r->calls++;
    if (resp) {
        r->ok = true;
        r->status = resp->http_status;
        snprintf(r->body, sizeof(r->body), "%.*s", (int)(resp->body_len < 511 ? resp->body_len : 511), resp->body);
        snprintf(r->request_id, sizeof(r->request_id), "%s", resp->request_id);
    } else {
        r->ok = false;
        r->err = *err;
    }
}

static void call(aws_client *c, const aws_service *svc, const char *op, const char *body, bool mutating, result *r)
{
    aws_request req = {
        .svc = svc, .operation = op, .body = body, .body_len = body ? strlen(body) : 0, .mutating = mutating
    };
    aws_error err;
    if (aws_call(c, &req, on_done, r, &err) != 0)
        fail_msg("aws_call: %s: %s", err.code, err.message);
}

static void call_and_wait(aws_client *c, const aws_service *svc, const char *op, const char *body, bool mutating,
                          result *r)
{
    memset(r, 0, sizeof(*r));
    call(c, svc, op, body, mutating, r);
    aws_client_run_until_idle(c);
    assert_int_equal(r->calls, 1);
}

/* The server side of SigV4: re-sign what arrived with the headers the client says it
 * signed, and compare. */
static void check_signature(const lb_request *q, const char *region, const char *service)
{
    char auth_value[1024], buf[8][512];
    assert_non_null(lb_request_header(q, "authorization", auth_value, sizeof(auth_value)));
    sigv4_auth auth;
    assert_int_equal(sigv4_parse_authorization(auth_value, &auth), 0);
    assert_string_equal(auth.access_key_id, "AKIDEXAMPLE");
    assert_string_equal(auth.region, region);
    assert_string_equal(auth.service, service);
    assert_non_null(strstr(auth.signed_headers, "host"));
    assert_non_null(strstr(auth.signed_headers, "x-amz-date"));
    sigv4_header hs[8];
    size_t n = 0;
    char names[1024];
    snprintf(names, sizeof(names), "%s", auth.signed_headers);
    for (char *save = NULL, *name = strtok_r(names, ";", &save); name && n < 8; name = strtok_r(NULL, ";", &save)) {
        assert_non_null(lb_request_header(q, name, buf[n], sizeof(buf[n])));
        hs[n] = (sigv4_header){ name, buf[n] };
        n++;
    }
    aws_credentials creds = { .access_key_id = "AKIDEXAMPLE",
                              .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
    sigv4_input in = { .method = q->method,
                       .path = "/",
                       .headers = hs,
                       .n_headers = n,
                       .body = q->body,
                       .body_len = q->body_len,
                       .region = region,
                       .service = service,
                       .normalize_path = true,
                       .omit_session_token = true };
    sigv4_output out;
    memset(&out, 0, sizeof(out));
    assert_int_equal(sigv4_sign(NULL, &in, &creds, &out), 0);
    assert_string_equal(out.signature, auth.signature);
    sigv4_output_free(&out);
}

/* The API log shows what was asked, never a secret. */
static void test_params_for_log(void **state)
{
    (void)state;
    char out[200];
    aws_params_for_log(AWS_PROTO_QUERY, "RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fops&TokenCode=123456&SerialNumber=s",
                       75, out, sizeof out);
    assert_string_equal(out, "RoleArn=arn:aws:iam::1:role/ops TokenCode=*** SerialNumber=s");
    const char *web = "WebIdentityToken=eyJh.b.c&NextToken=page2&ClientToken=abc&Action=X&Version=1";
    aws_params_for_log(AWS_PROTO_QUERY, web, strlen(web), out, sizeof out);
    assert_string_equal(out, "WebIdentityToken=*** NextToken=page2 ClientToken=abc");
    const char *lt = "LaunchTemplateData.UserData=c2VjcmV0&Description=x+y";
    aws_params_for_log(AWS_PROTO_EC2, lt, strlen(lt), out, sizeof out);
    assert_string_equal(out, "LaunchTemplateData.UserData=*** Description=x y");
    const char *json = "{\"repositoryName\":\"web\",\"auth\":{\"Password\":\"p\",\"sessionToken\":\"t\"},"
                       "\"nextToken\":\"n\",\"items\":[{\"secretString\":\"s\"}]}";
    aws_params_for_log(AWS_PROTO_JSON_1_1, json, strlen(json), out, sizeof out);
    assert_null(strstr(out, "\"p\""));
    assert_null(strstr(out, "\"t\""));
    assert_null(strstr(out, "\"s\""));
    assert_non_null(strstr(out, "\"repositoryName\":\"web\""));
    assert_non_null(strstr(out, "\"nextToken\":\"n\""));
    aws_params_for_log(AWS_PROTO_JSON_1_0, "not json", 8, out, sizeof out);
    assert_string_equal(out, "(not a JSON object: not shown)");
    /* Cut at a character boundary, with "..." */
    char big[400];
    strcpy(big, "Description=");
    for (int i = 0; i < 120; i++)
        strcat(big, "\xc3\xa9");
    char small[21];
    aws_params_for_log(AWS_PROTO_QUERY, big, strlen(big), small, sizeof small);
    assert_int_equal(strlen(small) <= 20, 1);
    assert_memory_equal(small + strlen(small) - 3, "...", 3);
    assert_int_equal(((unsigned char)small[strlen(small) - 4] & 0xc0) != 0xc0, 1); /* no lead byte alone */
    aws_params_for_log(AWS_PROTO_QUERY, NULL, 0, out, sizeof out);
    assert_string_equal(out, "");
}

static void test_throttled_twice_then_ok(void **state)
{
    fixture *f = *state;
    lb_response thr = { .status = 400, .body = THROTTLE_XML };
    lb_push_n(f->srv, &thr, 2);
    lb_push(f->srv, &(lb_response){ .body = OK_XML, .headers = "x-amzn-RequestId: ok-9\n" });
    result r;
    call_and_wait(f->c, &AWS_SVC_AUTOSCALING, "DescribeAutoScalingGroups", "AutoScalingGroupNames.member.1=web", false,
                  &r);
    assert_true(r.ok);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, OK_XML);
    assert_string_equal(r.request_id, "ok-9");
    assert_int_equal(lb_request_count(f->srv), 3);
    const aws_call_record *log;
    assert_int_equal(aws_client_call_log(f->c, &log), 1);
    assert_int_equal(log[0].retries, 2); /* three attempts */
    assert_string_equal(log[0].operation, "DescribeAutoScalingGroups");
    assert_string_equal(log[0].service, "autoscaling");
    assert_int_equal(log[0].http_status, 200);
    assert_string_equal(log[0].error_code, "");
    assert_string_equal(log[0].request_id, "ok-9");
    assert_string_equal(log[0].params, "AutoScalingGroupNames.member.1=web"); /* what was asked */
    assert_string_equal(log[0].message, "");

    /* Every attempt is a well-formed, signed Query request. */
    for (size_t i = 0; i < 3; i++) {
        const lb_request *q = lb_request_at(f->srv, i);
        char buf[256], host[64];
        assert_string_equal(q->method, "POST");
        assert_string_equal(q->path, "/");
        assert_string_equal(q->body,
                            "Action=DescribeAutoScalingGroups&Version=2011-01-01&AutoScalingGroupNames.member.1=web");
        assert_string_equal(lb_request_header(q, "content-type", buf, sizeof(buf)),
                            "application/x-www-form-urlencoded; charset=utf-8");
        snprintf(host, sizeof(host), "127.0.0.1:%d", lb_port(f->srv));
        assert_string_equal(lb_request_header(q, "host", buf, sizeof(buf)), host);
        assert_non_null(lb_request_header(q, "user-agent", buf, sizeof(buf)));
        assert_memory_equal(buf, "tarmac/", 7);
        assert_non_null(lb_request_header(q, "x-amz-date", buf, sizeof(buf)));
        assert_int_equal(strlen(buf), 16);
        assert_null(lb_request_header(q, "x-amz-security-token", buf, sizeof(buf)));
        check_signature(q, "us-west-2", "autoscaling");
    }
}

static void test_mutating_500_not_retried(void **state)
{
    fixture *f = *state;
    lb_set_default(f->srv,
                   &(lb_response){ .status = 500,
                                   .body =
                                       "<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code>"
                                       "<Message>oops</Message></Error><RequestId>r-500</RequestId></ErrorResponse>" });
    result r;
    call_and_wait(f->c, &AWS_SVC_AUTOSCALING, "StartInstanceRefresh", "AutoScalingGroupName=web", true, &r);
    assert_false(r.ok);
    assert_int_equal(r.err.http_status, 500);
    assert_string_equal(r.err.code, "InternalFailure");
    assert_string_equal(r.err.message, "oops");
    assert_string_equal(r.err.request_id, "r-500");
    assert_string_equal(r.err.operation, "StartInstanceRefresh");
    assert_string_equal(r.err.service, "autoscaling");
    assert_int_equal(r.err.attempts, 1);
    assert_false(r.err.transport);
    assert_int_equal(lb_request_count(f->srv), 1);
    /* The same answer to a read is retried up to max_attempts. */
    call_and_wait(f->c, &AWS_SVC_AUTOSCALING, "DescribeAutoScalingGroups", NULL, false, &r);
    assert_false(r.ok);
    assert_int_equal(r.err.attempts, 3);
    assert_int_equal(lb_request_count(f->srv), 4);
    char line[256];
    aws_error_format(&r.err, line, sizeof(line));
    assert_string_equal(line, "DescribeAutoScalingGroups: InternalFailure: oops");
}

static void test_refused_retried(void **state)
{
    fixture *f = *state;
    int port = lb_closed_port();
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
    aws_client *c = client_for(f, url, 3, 2000);
    result r;
    /* Never connected: even a mutating call is safe to send again. */
    call_and_wait(c, &AWS_SVC_AUTOSCALING, "StartInstanceRefresh", NULL, true, &r);
    assert_false(r.ok);
    assert_true(r.err.transport);
    assert_string_equal(r.err.code, "NetworkError");
    assert_int_equal(r.err.http_status, 0);
    assert_int_equal(r.err.attempts, 3);
    const aws_call_record *log;
    assert_int_equal(aws_client_call_log(c, &log), 1);
    assert_int_equal(log[0].retries, 2);
    assert_string_equal(log[0].error_code, "NetworkError");
    aws_client_free(c);
}

static void test_timeout(void **state)
{
    fixture *f = *state;
    aws_client *c = client_for(f, lb_url(f->srv), 2, 300);
    lb_set_default(f->srv, &(lb_response){ .body = OK_XML, .delay_ms = 2000 });
    result r;
    int64_t t0 = mono_now_ms();
    call_and_wait(c, &AWS_SVC_AUTOSCALING, "SetDesiredCapacity", NULL, true, &r);
    assert_false(r.ok);
    assert_string_equal(r.err.code, "Timeout");
    assert_true(r.err.transport);
    assert_int_equal(r.err.attempts, 1); /* may have been acted on: not resent */
    assert_true(mono_now_ms() - t0 < 1500);
    call_and_wait(c, &AWS_SVC_AUTOSCALING, "DescribeAutoScalingGroups", NULL, false, &r);
    assert_string_equal(r.err.code, "Timeout");
    assert_int_equal(r.err.attempts, 2);
    aws_client_free(c);
}

static void test_envelopes(void **state)
{
    fixture *f = *state;
    result r;
    /* EC2 */
    lb_push(f->srv,
            &(lb_response){ .status = 400,
                            .body =
                                "<?xml version=\"1.0\" "
                                "encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code>"
                                "<Message>The instance ID 'i-1' does not exist</Message></Error></Errors>"
                                "<RequestID>ec2-req-7</RequestID></Response>" });
    call_and_wait(f->c, &AWS_SVC_EC2, "DescribeInstances", "InstanceId.1=i-1", false, &r);
    assert_string_equal(r.err.code, "InvalidInstanceID.NotFound");
    assert_string_equal(r.err.message, "The instance ID 'i-1' does not exist");
    assert_string_equal(r.err.request_id, "ec2-req-7");
    assert_int_equal(r.err.http_status, 400);
    assert_int_equal(r.err.attempts, 1);
    assert_string_equal(lb_request_at(f->srv, 0)->body, "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-1");
    check_signature(lb_request_at(f->srv, 0), "us-west-2", "ec2");

    /* JSON 1.1 */
    lb_push(f->srv,
            &(lb_response){ .status = 400,
                            .content_type = "application/x-amz-json-1.1",
                            .headers = "x-amzn-RequestId: ecr-req-1\n",
                            .body = "{\"__type\":\"com.amazonaws.ecr#RepositoryNotFoundException\","
                                    "\"message\":\"The repository with name 'app' does not exist\\u001b[31m\"}" });
    call_and_wait(f->c, &AWS_SVC_ECR, "DescribeRepositories", NULL, false, &r);
    assert_string_equal(r.err.code, "RepositoryNotFoundException");
    assert_string_equal(r.err.message, "The repository with name 'app' does not exist [31m");
    assert_string_equal(r.err.request_id, "ecr-req-1");
    assert_string_equal(r.err.service, "ecr");
    const lb_request *q = lb_request_at(f->srv, 1);
    char buf[256];
    assert_string_equal(q->body, "{}");
    assert_string_equal(lb_request_header(q, "x-amz-target", buf, sizeof(buf)),
                        "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories");
    assert_string_equal(lb_request_header(q, "content-type", buf, sizeof(buf)), "application/x-amz-json-1.1");
    check_signature(q, "us-west-2", "ecr");

    /* JSON 1.0 with the code in x-amzn-ErrorType */
    lb_push(f->srv,
            &(lb_response){ .status = 400,
                            .headers = "x-amzn-ErrorType: ResourceNotFound:http://internal.amazon.com/\n",
                            .body = "{\"Message\":\"no alarm\"}" });
    call_and_wait(f->c, &AWS_SVC_CLOUDWATCH, "DescribeAlarms", "{\"AlarmNames\":[\"a\"]}", false, &r);
    assert_string_equal(r.err.code, "ResourceNotFound");
    assert_string_equal(r.err.message, "no alarm");
    q = lb_request_at(f->srv, 2);
    assert_string_equal(q->body, "{\"AlarmNames\":[\"a\"]}");
    assert_string_equal(lb_request_header(q, "content-type", buf, sizeof(buf)), "application/x-amz-json-1.0");
    assert_string_equal(lb_request_header(q, "x-amz-target", buf, sizeof(buf)),
                        "GraniteServiceVersion20100801.DescribeAlarms");
    check_signature(q, "us-west-2", "monitoring");

    /* A proxy's HTML page: not retried for a mutating call, code from the status. */
    lb_push(f->srv,
            &(lb_response){
                .status = 502,
                .content_type = "text/html",
                .body = "<html><head><title>502 Bad\tGateway\x1b]0;x\x07</title></head><body>nginx</body></html>" });
    call_and_wait(f->c, &AWS_SVC_ELBV2, "RegisterTargets", NULL, true, &r);
    assert_string_equal(r.err.code, "HTTP 502");
    assert_string_equal(r.err.message, "502 Bad Gateway ]0;x");
    assert_int_equal(r.err.http_status, 502);
    assert_int_equal(r.err.attempts, 1);
    assert_int_equal(lb_request_count(f->srv), 4);
}

static void test_decode_direct(void **state)
{
    (void)state;
    aws_error e;
    memset(&e, 0, sizeof(e));
    const char *q = "<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code>"
                    "<Message>1 validation error</Message></Error><RequestId>q-1</RequestId></ErrorResponse>";
    aws_errors_decode(AWS_PROTO_QUERY, 400, q, strlen(q), NULL, &e);
    assert_string_equal(e.code, "ValidationError");
    assert_string_equal(e.message, "1 validation error");
    assert_string_equal(e.request_id, "q-1");
    /* Truncated XML, a DTD, garbage, empty: code from the status, never a crash. */
    const char *bad[] = { "<ErrorResponse><Error><Code>Thr",
                          "<!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>",
                          "\xff\xfe\x00garbage",
                          "",
                          "{\"__type\": 5}",
                          "[1,2]",
                          "{\"message\":\"m\"" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&e, 0, sizeof(e));
        aws_errors_decode(AWS_PROTO_JSON_1_1, 503, bad[i], i == 2 ? 10 : strlen(bad[i]), NULL, &e);
        assert_string_equal(e.code, "ServiceUnavailable");
        assert_int_equal(e.http_status, 503);
        assert_true(strlen(e.message) < sizeof(e.message));
    }
    memset(&e, 0, sizeof(e));
    aws_errors_decode(AWS_PROTO_QUERY, 418, "", 0, NULL, &e);
    assert_string_equal(e.code, "HTTP 418");
    /* A huge message is cut at a character boundary. */
    char *big = xmalloc(200000);
    strbuf sb;
    sb_init(&sb);
    sb_append(&sb, "{\"__type\":\"X\",\"message\":\"");
    for (int i = 0; i < 5000; i++)
        sb_append(&sb, "\xc3\xa9");
    sb_append(&sb, "\"}");
    memset(&e, 0, sizeof(e));
    aws_errors_decode(AWS_PROTO_JSON_1_1, 400, sb.buf, sb.len, NULL, &e);
    assert_string_equal(e.code, "X");
    assert_int_equal(strlen(e.message) % 2, 0);
    assert_true(strlen(e.message) >= 500);
    sb_free(&sb);
    free(big);
    /* x-amzn-query-error names the Query code of a query-compatible JSON service. */
    memset(&e, 0, sizeof(e));
    aws_error_headers h = { .query_error = "ResourceNotFound;Sender" };
    aws_errors_decode(AWS_PROTO_JSON_1_0, 400, "{\"__type\":\"ns#ResourceNotFoundException\"}", 40, &h, &e);
    assert_string_equal(e.code, "ResourceNotFound");
}

/* Mangled envelopes (cut, bytes flipped, fragments spliced) never crash the decoder
 * and always leave a code and bounded, control-free text. */
static void test_decode_mangled(void **state)
{
    (void)state;
    static const char *const seeds[] = {
        "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
        "</Error><RequestId>abc</RequestId></ErrorResponse>",
        "<Response><Errors><Error><Code>AuthFailure</Code><Message>m</Message></Error></Errors>"
        "<RequestID>r</RequestID></Response>",
        "{\"__type\":\"com.amazonaws.ecr#ImageTagAlreadyExistsException\",\"message\":\"tag \\u0000 x\"}",
        "<html><title>oops</title></html>",
    };
    uint32_t rng = 12345;
    char buf[512];
    for (int i = 0; i < 4000; i++) {
        const char *seed = seeds[i % 4];
        size_t n = strlen(seed);
        memcpy(buf, seed, n);
        for (int k = 0; k < 1 + i % 5; k++) {
            rng = rng * 1103515245u + 12345u;
            buf[(rng >> 8) % n] = (char)(rng >> 16);
        }
        rng = rng * 1103515245u + 12345u;
        size_t len = (rng >> 8) % (n + 1);
        aws_error e;
        memset(&e, 0x5a, sizeof(e));
        e.service = NULL;
        aws_errors_decode(i % 2 ? AWS_PROTO_QUERY : AWS_PROTO_JSON_1_1, 400 + i % 200, buf, len, NULL, &e);
        assert_true(strlen(e.code) > 0 && strlen(e.code) < sizeof(e.code));
        assert_true(strlen(e.message) < sizeof(e.message));
        assert_true(strlen(e.request_id) < sizeof(e.request_id));
        for (const char *p = e.message; *p; p++)
            assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
        for (const char *p = e.code; *p; p++)
            assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
    }
}

/* ---- pagination ---- */
typedef struct pages {
    int pages_seen;
    int items;
    bool done;
    aws_error err;
    bool failed;
} pages;

static char *page_body(void *ud, const char *token, size_t *len)
{
    (void)ud;
    strbuf sb;
    sb_init(&sb);
    aws_query_param(&sb, "MaxRecords", "1");
    if (token)
        aws_query_param(&sb, "NextToken", token);
    *len = sb.len;
    char *body = sb_steal(&sb);
    sb_free(&sb); /* sb_steal leaves a fresh empty buffer behind */
    return body;
}

static int page_parse(void *ud, const aws_response *resp, char **next, aws_error *err)
{
    pages *p = ud;
    p->pages_seen++;
    const char *b = strstr(resp->body, "<Items>");
    if (!b) {
        aws_error_set(err, 0, "MalformedResponse", "no Items");
        return -1;
    }
    p->items += atoi(b + 7);
    const char *t = strstr(resp->body, "<NextToken>");
    if (t) {
        t += 11;
        const char *end = strstr(t, "</NextToken>");
        *next = xstrndup(t, (size_t)(end - t));
    }
    return 0;
}

static void pages_done(aws_client *c, const aws_error *err, void *ud)
{
    (void)c;
    pages *p = ud;
    p->done = true;
    if (err) {
        p->failed = true;
        p->err = *err;
    }
}

/* Serves page n+1 for NextToken=tN. */
static void paging_handler(void *ud, const lb_request *req, lb_response *resp)
{
    (void)ud;
    static char body[256];
    const char *t = strstr(req->body, "NextToken=t");
    int n = t ? atoi(t + 11) : 0;
    if (n < 2)
        snprintf(body, sizeof(body), "<R><Items>%d</Items><NextToken>t%d</NextToken></R>", n + 1, n + 1);
    else
        snprintf(body, sizeof(body), "<R><Items>%d</Items></R>", n + 1);
    resp->body = body;
}

static void test_pagination(void **state)
{
    fixture *f = *state;
    lb_set_handler(f->srv, paging_handler, NULL);
    pages p = { 0 };
    aws_error err;
    assert_int_equal(aws_call_paged(f->c, &AWS_SVC_AUTOSCALING, "DescribeScalingActivities", page_body, page_parse,
                                    pages_done, &p, NULL, &err),
                     0);
    aws_client_run_until_idle(f->c);
    assert_true(p.done);
    assert_false(p.failed);
    assert_int_equal(p.pages_seen, 3);
    assert_int_equal(p.items, 1 + 2 + 3);
    assert_int_equal(lb_request_count(f->srv), 3);
    assert_string_equal(lb_request_at(f->srv, 0)->body,
                        "Action=DescribeScalingActivities&Version=2011-01-01&MaxRecords=1");
    assert_string_equal(lb_request_at(f->srv, 2)->body,
                        "Action=DescribeScalingActivities&Version=2011-01-01&MaxRecords=1&NextToken=t2");

    /* A server that keeps sending the same token is stopped. */
    lb_reset(f->srv);
    lb_set_default(f->srv, &(lb_response){ .body = "<R><Items>1</Items><NextToken>same</NextToken></R>" });
    memset(&p, 0, sizeof(p));
    assert_int_equal(aws_call_paged(f->c, &AWS_SVC_AUTOSCALING, "DescribeScalingActivities", page_body, page_parse,
                                    pages_done, &p, NULL, &err),
                     0);
    aws_client_run_until_idle(f->c);
    assert_true(p.failed);
    assert_string_equal(p.err.code, "TooManyPages");
    assert_string_equal(p.err.operation, "DescribeScalingActivities");
    assert_int_equal(p.pages_seen, 2);
    assert_int_equal(lb_request_count(f->srv), 2);

    /* A page that fails ends the walk with that error. */
    lb_reset(f->srv);
    lb_push(f->srv, &(lb_response){ .body = "<R><Items>1</Items><NextToken>a</NextToken></R>" });
    lb_push(
        f->srv,
        &(lb_response){
            .status = 403,
            .body = "<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message></Error></ErrorResponse>" });
    memset(&p, 0, sizeof(p));
    assert_int_equal(aws_call_paged(f->c, &AWS_SVC_AUTOSCALING, "DescribeScalingActivities", page_body, page_parse,
                                    pages_done, &p, NULL, &err),
                     0);
    aws_client_run_until_idle(f->c);
    assert_true(p.failed);
    assert_string_equal(p.err.code, "AccessDenied");
    assert_int_equal(p.err.http_status, 403);
    /* A page the parser rejects. */
    lb_reset(f->srv);
    lb_push(f->srv, &(lb_response){ .body = "<R/>" });
    memset(&p, 0, sizeof(p));
    assert_int_equal(aws_call_paged(f->c, &AWS_SVC_AUTOSCALING, "DescribeScalingActivities", page_body, page_parse,
                                    pages_done, &p, NULL, &err),
                     0);
    aws_client_run_until_idle(f->c);
    assert_true(p.failed);
    assert_string_equal(p.err.code, "MalformedResponse");
    assert_string_equal(p.err.operation, "DescribeScalingActivities");
}

/* ---- clock skew: the server's clock is 20 minutes ahead (the correction is capped
 * at 15 minutes, AWS's own window: test_clock_skew.c) ---- */
static void skew_handler(void *ud, const lb_request *req, lb_response *resp)
{
    (void)ud;
    char d[32];
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    resp->date_offset_s = 1200;
    if (!lb_request_header(req, "x-amz-date", d, sizeof(d)) || !strptime(d, "%Y%m%dT%H%M%SZ", &tm)) {
        resp->status = 400;
        return;
    }
    long diff = (long)(timegm(&tm) - (time(NULL) + 1200));
    if (diff < -900 || diff > 900) {
        resp->status = 403;
        resp->body = "<ErrorResponse><Error><Type>Sender</Type><Code>RequestTimeTooSkewed</Code>"
                     "<Message>The difference between the request time and the current time is too large.</Message>"
                     "</Error><RequestId>skew-1</RequestId></ErrorResponse>";
    } else {
        resp->body = OK_XML;
    }
}

static void test_clock_skew(void **state)
{
    fixture *f = *state;
    lb_set_handler(f->srv, skew_handler, NULL);
    result r;
    /* Rejected before it was acted on: re-signed and resent even though mutating. */
    call_and_wait(f->c, &AWS_SVC_AUTOSCALING, "StartInstanceRefresh", "AutoScalingGroupName=web", true, &r);
    assert_true(r.ok);
    assert_int_equal(lb_request_count(f->srv), 2);
    char d0[32], d1[32];
    assert_non_null(lb_request_header(lb_request_at(f->srv, 0), "x-amz-date", d0, sizeof(d0)));
    assert_non_null(lb_request_header(lb_request_at(f->srv, 1), "x-amz-date", d1, sizeof(d1)));
    assert_string_not_equal(d0, d1);
    check_signature(lb_request_at(f->srv, 1), "us-west-2", "autoscaling");
    /* The correction sticks: the next call goes through the first time. */
    call_and_wait(f->c, &AWS_SVC_AUTOSCALING, "DescribeAutoScalingGroups", NULL, false, &r);
    assert_true(r.ok);
    assert_int_equal(lb_request_count(f->srv), 3);
}

static void test_config_errors(void **state)
{
    fixture *f = *state;
    aws_error err;
    aws_client_config cfg = { .region = NULL, .credentials = &f->creds };
    assert_null(aws_client_new(&cfg, &err));
    assert_string_equal(err.code, "NoRegion");
    cfg.region = "";
    assert_null(aws_client_new(&cfg, &err));
    assert_string_equal(err.code, "NoRegion");
    cfg.region = "us-east-1";
    cfg.credentials = NULL;
    assert_null(aws_client_new(&cfg, &err));
    assert_string_equal(err.code, "NoCredentials");
    aws_credentials half = { .access_key_id = "AKIDEXAMPLE" };
    cfg.credentials = &half;
    assert_null(aws_client_new(&cfg, &err));
    assert_string_equal(err.code, "NoCredentials");
    cfg.credentials = &f->creds;
    cfg.endpoint_url = "ftp://127.0.0.1:21";
    assert_null(aws_client_new(&cfg, &err));
    assert_string_equal(err.code, "InvalidEndpoint");
    cfg.endpoint_url = lb_url(f->srv);
    aws_client *c = aws_client_new(&cfg, &err);
    assert_non_null(c);
    assert_string_equal(aws_client_region(c), "us-east-1");
    assert_false(aws_client_busy(c));
    aws_client_free(c);
}

static void test_session_token_and_query_params(void **state)
{
    fixture *f = *state;
    aws_credentials creds = { .access_key_id = "AKIDEXAMPLE",
                              .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                              .session_token = "FQoGZXIvYXdzEXAMPLETOKEN==" };
    aws_client_config cfg = { .region = "eu-west-1", .endpoint_url = lb_url(f->srv), .credentials = &creds };
    aws_error err;
    aws_client *c = aws_client_new(&cfg, &err);
    assert_non_null(c);
    strbuf sb;
    sb_init(&sb);
    aws_query_param(&sb, "Filters.member.1.Name", "tag:app");
    aws_query_param(&sb, "Filters.member.1.Values.member.1", "web &=/+ é");
    aws_query_param_int(&sb, "MaxRecords", -5);
    assert_string_equal(sb.buf,
                        "Filters.member.1.Name=tag%3Aapp&Filters.member.1.Values.member.1="
                        "web%20%26%3D%2F%2B%20%C3%A9&MaxRecords=-5");
    result r;
    call_and_wait(c, &AWS_SVC_ELBV2, "DescribeTargetGroups", sb.buf, false, &r);
    sb_free(&sb);
    assert_true(r.ok);
    const lb_request *q = lb_request_at(f->srv, 0);
    char buf[512];
    assert_string_equal(lb_request_header(q, "x-amz-security-token", buf, sizeof(buf)), "FQoGZXIvYXdzEXAMPLETOKEN==");
    assert_non_null(lb_request_header(q, "authorization", buf, sizeof(buf)));
    assert_non_null(strstr(buf, "x-amz-security-token"));
    assert_non_null(strstr(buf, "/eu-west-1/elasticloadbalancing/aws4_request"));
    check_signature(q, "eu-west-1", "elasticloadbalancing");
    aws_client_free(c);
}

static void test_call_log_ring(void **state)
{
    fixture *f = *state;
    lb_set_default(f->srv, &(lb_response){ .body = OK_XML });
    char op[32];
    int total = 14 * 40; /* 560: the oldest 48 fall out of the ring */
    result rs[40];
    for (int done = 0; done < total; done += 40) {
        memset(rs, 0, sizeof(rs));
        for (int i = 0; i < 40; i++) {
            snprintf(op, sizeof(op), "Op%d", done + i);
            call(f->c, &AWS_SVC_STS, op, NULL, false, &rs[i]);
        }
        assert_true(aws_client_busy(f->c));
        aws_client_run_until_idle(f->c);
        for (int i = 0; i < 40; i++)
            assert_true(rs[i].ok);
    }
    const aws_call_record *log;
    size_t n = aws_client_call_log(f->c, &log);
    assert_int_equal(n, AWS_CALL_LOG_SIZE);
    /* Newest last; the oldest 40 are gone. Order within a wave follows completion,
     * so check the waves. */
    int first = atoi(log[0].operation + 2), last = atoi(log[n - 1].operation + 2);
    assert_true(first >= 40 && first < 80);
    assert_true(last >= total - 40 && last < total);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(log[i].service, "sts");
}

/* Freeing the client ends each call once, with "Cancelled", and no response. */
static void cancelled_once(aws_client *c, const aws_response *resp, const aws_error *err, void *ud)
{
    (void)c;
    assert_null(resp);
    assert_non_null(err);
    assert_string_equal(err->code, "Cancelled");
    (*(int *)ud)++;
}

typedef struct pages_counted {
    pages p; /* first: page_parse sees a pages * */
    int calls;
} pages_counted;

static void pages_cancelled_once(aws_client *c, const aws_error *err, void *ud)
{
    (void)c;
    assert_non_null(err);
    assert_string_equal(err->code, "Cancelled");
    ((pages_counted *)ud)->calls++;
}

static void test_free_in_flight(void **state)
{
    fixture *f = *state;
    aws_client *c = client_for(f, lb_url(f->srv), 3, 5000);
    lb_push(f->srv, &(lb_response){ .status = 503, .body = "busy" }); /* one call waits for a retry */
    lb_set_default(f->srv,
                   &(lb_response){ .body = "<R><Items>1</Items><NextToken>x</NextToken></R>", .delay_ms = 400 });
    int called = 0;
    aws_request req = { .svc = &AWS_SVC_AUTOSCALING, .operation = "DescribeAutoScalingGroups" };
    aws_error err;
    for (int i = 0; i < 3; i++)
        assert_int_equal(aws_call(c, &req, cancelled_once, &called, &err), 0);
    pages_counted pg = { 0 };
    assert_int_equal(aws_call_paged(c, &AWS_SVC_AUTOSCALING, "DescribeScalingActivities", page_body, page_parse,
                                    pages_cancelled_once, &pg, NULL, &err),
                     0);
    /* Drive the loop until the server has all four and the 503 came back (its
     * retry is then waiting on a timer or in flight again). */
    int64_t t0 = mono_now_ms();
    while ((lb_request_count(f->srv) < 4 || mono_now_ms() - t0 < 100) && mono_now_ms() - t0 < 3000) {
        aws_client_wait(c, NULL, 0, 5);
        aws_client_run(c);
    }
    assert_true(lb_request_count(f->srv) >= 4);
    assert_true(aws_client_busy(c));
    aws_client_free(c); /* ASan checks nothing leaks */
    assert_int_equal(called, 3);
    assert_int_equal(pg.calls, 1);
}

static void test_wait_wakes_for_retry_timer(void **state)
{
    fixture *f = *state;
    lb_push(f->srv, &(lb_response){ .status = 400, .body = THROTTLE_XML });
    lb_push(f->srv, &(lb_response){ .body = OK_XML });
    result r = { 0 };
    call(f->c, &AWS_SVC_AUTOSCALING, "DescribeAutoScalingGroups", NULL, false, &r);
    /* An outside loop with no deadline of its own still gets woken for the retry. */
    int64_t t0 = mono_now_ms();
    while (r.calls == 0 && mono_now_ms() - t0 < 5000) {
        assert_true(aws_client_wait(f->c, NULL, 0, -1) >= 0);
        aws_client_run(f->c);
    }
    assert_int_equal(r.calls, 1);
    assert_true(r.ok);
    assert_true(mono_now_ms() - t0 < 2000);
    assert_false(aws_client_busy(f->c));
}

/* ---- what one call may bring in: the paging rules without the network ---- */

/* Charges the entries a page says it holds, as the decoders do. */
static int charged_parse(void *ud, const aws_response *resp, char **next, aws_error *err)
{
    if (page_parse(ud, resp, next, err) != 0)
        return -1;
    const char *b = strstr(resp->body, "<Items>");
    return aws_budget_items(resp->budget, (size_t)atoi(b + 7), "autoscaling", "DescribeScalingActivities", err);
}

static int take_page(aws_pages *ps, const char *xml, size_t len, pages *p, char **next, aws_error *err)
{
    aws_response resp = { .http_status = 200, .body = xml, .body_len = len, .request_id = "" };
    return aws_pages_take(ps, &resp, charged_parse, p, next, err);
}

static void test_pages_budget(void **state)
{
    (void)state;
    /* Bytes: pages of 60 MiB with fresh tokens stop past 256 MiB, before the parser. */
    size_t big = (size_t)60 << 20;
    char *body = xcalloc(1, big + 1);
    aws_pages ps;
    aws_pages_init(&ps, &AWS_SVC_AUTOSCALING, "DescribeScalingActivities", NULL);
    pages p = { 0 };
    aws_error err;
    char *next = NULL;
    int rc = 1, n = 0;
    while (rc == 1 && n < 100) {
        snprintf(body, big, "<R><Items>1</Items><NextToken>t%d</NextToken></R>", n);
        rc = take_page(&ps, body, big, &p, &next, &err);
        free(next);
        n++;
    }
    assert_int_equal(rc, -1);
    assert_int_equal(n, 5);            /* 4 x 60 MiB fit in 256 MiB */
    assert_int_equal(p.pages_seen, 4); /* the fifth was refused unread */
    assert_string_equal(err.code, "ResponseTooLarge");
    assert_string_equal(err.operation, "DescribeScalingActivities");
    assert_string_equal(err.service, "autoscaling");
    assert_non_null(strstr(err.message, "more than 256 MiB of answers in one call"));
    aws_pages_done(&ps);
    free(body);

    /* Items: what the parser charges, on one budget shared by two chunks. */
    aws_budget shared = { 0 };
    aws_pages a, b;
    aws_pages_init(&a, &AWS_SVC_AUTOSCALING, "DescribeScalingActivities", &shared);
    aws_pages_init(&b, &AWS_SVC_AUTOSCALING, "DescribeScalingActivities", &shared);
    const char *page = "<R><Items>150000</Items></R>";
    memset(&p, 0, sizeof p);
    assert_int_equal(take_page(&a, page, strlen(page), &p, &next, &err), 0);
    assert_null(next);
    assert_int_equal(take_page(&b, page, strlen(page), &p, &next, &err), -1);
    assert_null(next);
    assert_string_equal(err.code, "TooManyItems");
    assert_int_equal(err.http_status, 200);
    assert_int_equal(shared.items, 150000);
    aws_pages_done(&a);
    aws_pages_done(&b);

    /* Pages: a fresh token on every page stops after AWS_MAX_PAGES. */
    aws_pages_init(&ps, &AWS_SVC_AUTOSCALING, "DescribeScalingActivities", NULL);
    char small[128];
    rc = 1;
    n = 0;
    while (rc == 1 && n < AWS_MAX_PAGES + 5) {
        int len = snprintf(small, sizeof small, "<R><Items>0</Items><NextToken>t%d</NextToken></R>", n);
        rc = take_page(&ps, small, (size_t)len, &p, &next, &err);
        free(next);
        n++;
    }
    assert_int_equal(rc, -1);
    assert_int_equal(n, AWS_MAX_PAGES);
    assert_string_equal(err.code, "TooManyPages");
    aws_pages_done(&ps);
}

/* ---- the calls a client runs at once are bounded ---- */

static void refresh_never(aws_client *c, void *ud)
{
    (void)c;
    (*(int *)ud)++;
}

static void test_calls_at_once(void **state)
{
    fixture *f = *state;
    /* Calls wait for credentials that never come: none is sent, all are pending. */
    int asked = 0;
    aws_client_set_refresh(f->c, refresh_never, &asked);
    aws_credentials cr = { .access_key_id = "AKIDEXAMPLE",
                           .secret_access_key = "secret",
                           .expiration = time_now_ms() + 1000 };
    aws_client_set_credentials(f->c, &cr);
    int called = 0;
    aws_request req = { .svc = &AWS_SVC_AUTOSCALING, .operation = "DescribeInstanceRefreshes" };
    aws_error err;
    for (int i = 0; i < AWS_MAX_CALLS; i++)
        assert_int_equal(aws_call(f->c, &req, cancelled_once, &called, &err), 0);
    assert_int_equal(aws_call(f->c, &req, cancelled_once, &called, &err), -1);
    assert_string_equal(err.code, "TooManyCalls");
    assert_string_equal(err.operation, "DescribeInstanceRefreshes");
    assert_non_null(strstr(err.message, "more than 10000 calls at once"));
    assert_int_equal(asked, 1);
    assert_int_equal(lb_request_count(f->srv), 0);
    aws_client_free(f->c); /* every pending call hears "Cancelled" once */
    f->c = NULL;
    assert_int_equal(called, AWS_MAX_CALLS);
}

/* ---- large answers are handed out one per run: the owner's loop reads keys between ---- */

typedef struct big_answers {
    int done;
    int per_run;            /* callbacks in the current run */
    int most_large_per_run; /* the most answers >= 1 MiB one run handed out */
    int large_this_run;
} big_answers;

static void on_big(aws_client *c, const aws_response *resp, const aws_error *err, void *ud)
{
    (void)c;
    big_answers *b = ud;
    if (err)
        fail_msg("%s: %s", err->code, err->message);
    assert_non_null(resp->budget);
    b->done++;
    if (resp->body_len >= AWS_RUN_ANSWER_BYTES && ++b->large_this_run > b->most_large_per_run)
        b->most_large_per_run = b->large_this_run;
}

static void test_large_answers_one_per_run(void **state)
{
    fixture *f = *state;
    size_t n = (size_t)3 << 19; /* 1.5 MiB */
    char *big = xmalloc(n + 1);
    memset(big, 'x', n);
    big[n] = '\0';
    lb_set_default(f->srv, &(lb_response){ .body = big, .delay_ms = 200 });
    free(big);
    big_answers b = { 0 };
    aws_request req = { .svc = &AWS_SVC_AUTOSCALING, .operation = "DescribeAutoScalingGroups" };
    aws_error err;
    for (int i = 0; i < 4; i++)
        assert_int_equal(aws_call(f->c, &req, on_big, &b, &err), 0);
    aws_client_run(f->c); /* the requests go out */
    lb_wait_requests(f->srv, 4, 3000);
    /* Let the answers pile up unread, then drive the loop as the console does. */
    struct timespec pile = { 0, 600 * 1000 * 1000 };
    nanosleep(&pile, NULL);
    int64_t t0 = mono_now_ms();
    while (b.done < 4 && mono_now_ms() - t0 < 10000) {
        b.large_this_run = 0;
        aws_client_run(f->c);
        if (b.done < 4)
            aws_client_wait(f->c, NULL, 0, 50);
    }
    assert_int_equal(b.done, 4);
    assert_int_equal(b.most_large_per_run, 1);
    assert_false(aws_client_busy(f->c));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_throttled_twice_then_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mutating_500_not_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_envelopes, setup, teardown),
        cmocka_unit_test(test_decode_direct),
        cmocka_unit_test(test_decode_mangled),
        cmocka_unit_test_setup_teardown(test_pagination, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clock_skew, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_token_and_query_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_log_ring, setup, teardown),
        cmocka_unit_test(test_params_for_log),
        cmocka_unit_test_setup_teardown(test_free_in_flight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wait_wakes_for_retry_timer, setup, teardown),
        cmocka_unit_test(test_pages_budget),
        cmocka_unit_test_setup_teardown(test_calls_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_answers_one_per_run, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
