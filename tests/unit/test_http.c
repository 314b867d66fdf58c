/* test_http.c — the curl multi engine against the loopback server: answers and the
 * headers kept, many transfers at once over reused connections, timeouts, refused
 * connections, dropped connections, the body cap, cancellation and extra fds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/http.h"
#include "loopback_server.h"

typedef struct got {
    int calls;
    CURLcode code;
    long status;
    char body[256];
    size_t body_len;
    bool too_large, maybe_sent;
    char request_id[96], error_type[128];
    aws_time date;
    long connects, elapsed_ms;
} got;

static void on_done(http_engine *e, const http_result *r, void *ud)
{
    (void)e;
    got *g = ud;
    g->calls++;
    g->code = r->curl_code;
    g->status = r->status;
    g->body_len = r->body_len;
    snprintf(g->body, sizeof(g->body), "%.*s", (int)(r->body_len < 255 ? r->body_len : 255), r->body);
    g->too_large = r->body_too_large;
    g->maybe_sent = r->maybe_sent;
    snprintf(g->request_id, sizeof(g->request_id), "%s", r->request_id);
    snprintf(g->error_type, sizeof(g->error_type), "%s", r->error_type);
    g->date = r->date;
    g->connects = r->connects;
    g->elapsed_ms = r->elapsed_ms;
}

static int setup(void **state)
{
    lb_server *s = lb_start();
    if (!s)
        return -1;
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    lb_stop(*state);
    return 0;
}

static void submit(http_engine *e, const char *url, const char *body, long timeout_ms, got *g)
{
    const char *hdrs[] = { "Content-Type: text/plain", "X-Test: yes" };
    http_request req = { .method = "POST",
                         .url = url,
                         .headers = hdrs,
                         .n_headers = 2,
                         .body = body,
                         .body_len = body ? strlen(body) : 0,
                         .timeout_ms = timeout_ms };
    strbuf err;
    sb_init(&err);
    http_transfer *t = http_submit(e, &req, on_done, g, &err);
    assert_non_null(t);
    sb_free(&err);
}

static void test_answer_and_headers(void **state)
{
    lb_server *s = *state;
    lb_push(s,
            &(lb_response){ .status = 400,
                            .body = "<x>bad</x>",
                            .date_offset_s = 3600,
                            .headers = "x-amzn-RequestId: req-123\nx-amzn-ErrorType: ThrottlingException:http://x\n" });
    http_engine *e = http_engine_new();
    got g = { 0 };
    submit(e, lb_url(s), "Action=Hello&x=1", 5000, &g);
    http_run_until_idle(e);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.code, CURLE_OK);
    assert_int_equal(g.status, 400);
    assert_string_equal(g.body, "<x>bad</x>");
    assert_string_equal(g.request_id, "req-123");
    assert_string_equal(g.error_type, "ThrottlingException:http://x");
    /* The Date header is an hour ahead of us. */
    int64_t ahead = g.date - time_now_ms();
    assert_true(ahead > 3590 * 1000 && ahead < 3610 * 1000);
    const lb_request *r = lb_request_at(s, 0);
    assert_non_null(r);
    assert_string_equal(r->method, "POST");
    assert_string_equal(r->body, "Action=Hello&x=1");
    char buf[128];
    assert_string_equal(lb_request_header(r, "x-test", buf, sizeof(buf)), "yes");
    assert_null(lb_request_header(r, "expect", buf, sizeof(buf)));
    http_engine_free(e);
}

static void test_many_in_flight_reuse(void **state)
{
    lb_server *s = *state;
    lb_set_default(s, &(lb_response){ .body = "ok", .delay_ms = 150 });
    http_engine *e = http_engine_new();
    got g[20];
    memset(g, 0, sizeof(g));
    int64_t t0 = mono_now_ms();
    for (int i = 0; i < 20; i++)
        submit(e, lb_url(s), "x", 10000, &g[i]);
    assert_int_equal(http_in_flight(e), 20);
    http_run_until_idle(e);
    int64_t took = mono_now_ms() - t0;
    long connects = 0;
    for (int i = 0; i < 20; i++) {
        assert_int_equal(g[i].calls, 1);
        assert_int_equal(g[i].status, 200);
        assert_string_equal(g[i].body, "ok");
        connects += g[i].connects;
    }
    /* At most 8 connections to one host, used in parallel: 20 x 150 ms done in
     * about three rounds, not twenty. */
    int conns = lb_connections(s);
    assert_true(conns >= 2 && conns <= 8);
    assert_int_equal(connects, conns);
    assert_true(lb_max_concurrent(s) >= 2);
    assert_true(took < 20 * 150);
    /* A second wave reuses the open connections. */
    memset(g, 0, sizeof(g));
    for (int i = 0; i < 20; i++)
        submit(e, lb_url(s), "y", 10000, &g[i]);
    http_run_until_idle(e);
    for (int i = 0; i < 20; i++)
        assert_int_equal(g[i].status, 200);
    assert_int_equal(lb_connections(s), conns);
    assert_int_equal(lb_request_count(s), 40);
    http_engine_free(e);
}

static void test_timeout(void **state)
{
    lb_server *s = *state;
    lb_push(s, &(lb_response){ .body = "late", .delay_ms = 3000 });
    http_engine *e = http_engine_new();
    got g = { 0 };
    submit(e, lb_url(s), "x", 300, &g);
    http_run_until_idle(e);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.code, CURLE_OPERATION_TIMEDOUT);
    assert_int_equal(g.status, 0);
    assert_true(g.maybe_sent);
    assert_true(g.elapsed_ms >= 250 && g.elapsed_ms < 2000);
    http_engine_free(e);
}

static void test_refused(void **state)
{
    (void)state;
    int port = lb_closed_port();
    assert_true(port > 0);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
    http_engine *e = http_engine_new();
    got g = { 0 };
    submit(e, url, "x", 2000, &g);
    http_run_until_idle(e);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.code, CURLE_COULDNT_CONNECT);
    assert_false(g.maybe_sent);
    http_engine_free(e);
}

static void test_dropped(void **state)
{
    lb_server *s = *state;
    lb_push(s, &(lb_response){ .drop = true });
    http_engine *e = http_engine_new();
    got g = { 0 };
    submit(e, lb_url(s), "x", 2000, &g);
    http_run_until_idle(e);
    assert_int_equal(g.calls, 1);
    assert_int_not_equal(g.code, CURLE_OK);
    assert_true(g.maybe_sent); /* the request had been sent */
    http_engine_free(e);
}

static void test_body_cap(void **state)
{
    lb_server *s = *state;
    char big[4096];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    lb_push(s, &(lb_response){ .body = big });
    http_engine *e = http_engine_new();
    got g = { 0 };
    http_request req = { .method = "GET", .url = lb_url(s), .max_body = 100 };
    strbuf err;
    sb_init(&err);
    assert_non_null(http_submit(e, &req, on_done, &g, &err));
    sb_free(&err);
    http_run_until_idle(e);
    assert_int_equal(g.calls, 1);
    assert_true(g.too_large);
    assert_int_equal(g.code, CURLE_WRITE_ERROR);
    assert_true(g.body_len <= 100);
    http_engine_free(e);
}

static void test_cancel_and_free(void **state)
{
    lb_server *s = *state;
    lb_set_default(s, &(lb_response){ .body = "ok", .delay_ms = 500 });
    http_engine *e = http_engine_new();
    got a = { 0 }, b = { 0 }, c = { 0 };
    const char *hdrs[] = { "X-Amz-Security-Token: secret-token" };
    http_request req = {
        .method = "POST", .url = lb_url(s), .headers = hdrs, .n_headers = 1, .body = "x", .body_len = 1
    };
    strbuf err;
    sb_init(&err);
    http_transfer *ta = http_submit(e, &req, on_done, &a, &err);
    assert_non_null(ta);
    assert_non_null(http_submit(e, &req, on_done, &b, &err));
    assert_non_null(http_submit(e, &req, on_done, &c, &err));
    http_run(e);
    http_cancel(e, ta);
    assert_int_equal(http_in_flight(e), 2);
    /* Freed with two transfers in flight: no callbacks, no leaks (ASan). */
    http_engine_free(e);
    assert_int_equal(a.calls + b.calls + c.calls, 0);
    sb_free(&err);
}

static void test_wait_extra_fd_and_protocols(void **state)
{
    (void)state;
    http_engine *e = http_engine_new();
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    struct curl_waitfd w = { .fd = fds[0], .events = CURL_WAIT_POLLIN };
    int64_t t0 = mono_now_ms();
    assert_int_equal(http_wait(e, &w, 1, 100), 0);
    assert_true(mono_now_ms() - t0 >= 80);
    assert_int_equal(write(fds[1], "k", 1), 1);
    assert_int_equal(http_wait(e, &w, 1, 5000), 1);
    assert_true(w.revents & CURL_WAIT_POLLIN);
    close(fds[0]);
    close(fds[1]);
    /* Wakeup ends a long wait at once. */
    http_wakeup(e);
    t0 = mono_now_ms();
    http_wait(e, NULL, 0, 5000);
    assert_true(mono_now_ms() - t0 < 1000);
    /* Only http and https. */
    got g = { 0 };
    http_request req = { .method = "GET", .url = "file:///etc/passwd" };
    strbuf err;
    sb_init(&err);
    http_transfer *t = http_submit(e, &req, on_done, &g, &err);
    if (t) {
        http_run_until_idle(e);
        assert_int_equal(g.calls, 1);
        assert_int_equal(g.code, CURLE_UNSUPPORTED_PROTOCOL);
        assert_false(g.maybe_sent);
        assert_int_equal(g.body_len, 0);
    }
    sb_free(&err);
    http_engine_free(e);
}

/* Loopback and link-local hosts, plain http and the credential endpoints go direct,
 * whatever the proxy variables say; header lines cannot carry a line break. */
static void test_no_proxy_for_local_hosts(void **state)
{
    lb_server *s = *state;
    static const char *const local[] = { "127.0.0.1",      "127.1.2.3",       "localhost",     "::1",
                                         "[::1]",          "169.254.169.254", "169.254.170.2", "[fe80::1]",
                                         "[fd00:ec2::23]", "fd00:ec2::254" };
    static const char *const remote[] = { "10.0.0.1",    "sts.amazonaws.com", "[2001:db8::1]",
                                          "169.253.1.1", "[fd00::1]",         "",
                                          "[zz]" };
    for (size_t i = 0; i < sizeof(local) / sizeof(*local); i++)
        assert_true(http_host_is_local(local[i]));
    for (size_t i = 0; i < sizeof(remote) / sizeof(*remote); i++)
        assert_false(http_host_is_local(remote[i]));
    static const char *const vars[] = { "http_proxy",  "HTTP_PROXY", "https_proxy",
                                        "HTTPS_PROXY", "all_proxy",  "ALL_PROXY" };
    char proxy[64];
    snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", lb_closed_port());
    for (size_t i = 0; i < sizeof(vars) / sizeof(*vars); i++)
        setenv(vars[i], proxy, 1);
    unsetenv("no_proxy");
    unsetenv("NO_PROXY");
    http_engine *e = http_engine_new();
    got g = { 0 };
    lb_push(s, &(lb_response){ .body = "direct" });
    submit(e, lb_url(s), "x", 5000, &g);
    http_run_until_idle(e);
    assert_int_equal(g.code, CURLE_OK);
    assert_string_equal(g.body, "direct");
    /* a header with a line break is refused before anything is sent */
    const char *hdrs[] = { "X-Amz-Security-Token: tok\r\nX-Injected: yes" };
    http_request req = { .method = "GET", .url = lb_url(s), .headers = hdrs, .n_headers = 1 };
    strbuf err;
    sb_init(&err);
    assert_null(http_submit(e, &req, on_done, &g, &err));
    assert_non_null(strstr(err.buf, "line break"));
    sb_free(&err);
    assert_int_equal(lb_request_count(s), 1);
    http_engine_free(e);
    for (size_t i = 0; i < sizeof(vars) / sizeof(*vars); i++)
        unsetenv(vars[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_answer_and_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_in_flight_reuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
        cmocka_unit_test(test_refused),
        cmocka_unit_test_setup_teardown(test_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_body_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_and_free, setup, teardown),
        cmocka_unit_test(test_wait_extra_fd_and_protocols),
        cmocka_unit_test_setup_teardown(test_no_proxy_for_local_hosts, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
