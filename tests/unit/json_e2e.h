/* json_e2e.h — helpers shared by the JSON service tests (ECR, ECS, CloudWatch):
 * documents compared member by member, and the typed calls' end-to-end fixture (a
 * client pointed at the loopback server) with canned JSON 1.1 answers and the
 * recorded request documents. Header-only; include it after cmocka.h. */
#ifndef TARMAC_JSON_E2E_H
#define TARMAC_JSON_E2E_H

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "aws/json_util.h"
#include "loopback_server.h"
#include "test_top.h"

/* tests/fixtures/DIR/NAME, NUL-terminated (*len without the NUL); the caller frees it. */
static inline char *json_fixture(const char *dir, const char *name, size_t *len)
{
    char rel[256];
    snprintf(rel, sizeof(rel), "tests/fixtures/%s/%s", dir, name);
    char *s = test_top_read(rel, len);
    if (!s)
        fail_msg("cannot read fixture %s", rel);
    return s;
}

/* Semantic comparison: both parsed by json-c, members compared regardless of order. */
static inline void assert_json_equal(const char *got, size_t got_len, const char *want)
{
    aws_error err = { 0 };
    json_object *g = ju_parse_object(got, got_len, "test", "test", &err);
    json_object *w = ju_parse_object(want, strlen(want), "test", "test", &err);
    assert_non_null(g);
    assert_non_null(w);
    if (!json_object_equal(g, w))
        fail_msg("JSON differs:\n got: %.*s\nwant: %s", (int)got_len, got, want);
    json_object_put(g);
    json_object_put(w);
}

typedef struct e2e {
    lb_server *srv;
    aws_client *c;
    aws_credentials creds;
} e2e;

static inline int e2e_setup(void **state)
{
    e2e *f = xcalloc(1, sizeof(*f));
    f->srv = lb_start();
    if (!f->srv) {
        free(f);
        return -1;
    }
    f->creds.access_key_id = xstrdup("AKIDEXAMPLE");
    f->creds.secret_access_key = xstrdup("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    aws_client_config cfg = { .region = "eu-west-1",
                              .endpoint_url = lb_url(f->srv),
                              .credentials = &f->creds,
                              .max_attempts = 3,
                              .timeout_ms = 5000 };
    aws_error err;
    f->c = aws_client_new(&cfg, &err);
    if (!f->c) {
        lb_stop(f->srv);
        aws_credentials_free(&f->creds);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static inline int e2e_teardown(void **state)
{
    e2e *f = *state;
    aws_client_free(f->c);
    lb_stop(f->srv);
    aws_credentials_free(&f->creds);
    free(f);
    return 0;
}

/* A JSON 1.1 answer with request id "req-e2e" (valid until the next call). */
static inline const lb_response *json_answer(int status, const char *body)
{
    static lb_response r;
    r = (lb_response){ .status = status,
                       .body = body,
                       .content_type = "application/x-amz-json-1.1",
                       .headers = "x-amzn-RequestId: req-e2e\n" };
    return &r;
}

/* The i-th recorded request: a POST whose X-Amz-Target is target_prefix.op, its
 * document parsed (json_object_put it). */
static inline json_object *e2e_request_doc(e2e *f, size_t i, const char *target_prefix, const char *op)
{
    const lb_request *q = lb_request_at(f->srv, i);
    assert_non_null(q);
    char buf[128], want[128];
    snprintf(want, sizeof(want), "%s.%s", target_prefix, op);
    assert_non_null(lb_request_header(q, "x-amz-target", buf, sizeof(buf)));
    assert_string_equal(buf, want);
    assert_string_equal(q->method, "POST");
    aws_error err = { 0 };
    json_object *doc = ju_parse_object(q->body, q->body_len, "test", op, &err);
    assert_non_null(doc);
    return doc;
}

#endif
