/* xml_fixtures.h — helpers shared by the Query/XML service tests (autoscaling,
 * elbv2, ec2, sts): reading tests/fixtures/xml, a client pointed at the loopback
 * server, and hostile documents. Header-only so it is not linked into other tests. */
#ifndef TARMAC_XML_FIXTURES_H
#define TARMAC_XML_FIXTURES_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "loopback_server.h"
#include "services/services.h"
#include "test_top.h"

/* $TARMAC_TOP/tests/fixtures/xml/name, else relative to this binary
 * (build/<rel|san>/tests/test_x). NUL-terminated; the caller frees it. */
static inline char *load_fixture(const char *name, size_t *len)
{
    char rel[256];
    snprintf(rel, sizeof(rel), "tests/fixtures/xml/%s", name);
    char *s = test_top_read(rel, len);
    if (!s)
        fail_msg("cannot open fixture %s", rel);
    return s;
}

static inline aws_time iso(const char *s)
{
    aws_time t = 0;
    assert_true(time_parse_iso8601(s, &t));
    return t;
}

/* A document nested `depth` levels below root/result. */
static inline char *deep_doc(const char *root, const char *result, int depth)
{
    strbuf sb;
    sb_init(&sb);
    sb_printf(&sb, "<%s><%s>", root, result);
    for (int i = 0; i < depth; i++)
        sb_append(&sb, "<a>");
    for (int i = 0; i < depth; i++)
        sb_append(&sb, "</a>");
    sb_printf(&sb, "</%s></%s>", result, root);
    return sb.buf; /* the caller owns it */
}

/* root/result/<el> holding n bytes of text. */
static inline char *huge_text_doc(const char *root, const char *result, const char *el, size_t n)
{
    strbuf sb;
    sb_init(&sb);
    sb_printf(&sb, "<%s><%s><%s>", root, result, el);
    for (size_t i = 0; i < n; i++)
        sb_appendc(&sb, 'x');
    sb_printf(&sb, "</%s></%s></%s>", el, result, root);
    return sb.buf; /* the caller owns it */
}

static const char BILLION_LAUGHS[] __attribute__((unused)) =
    "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
    "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
    "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
    "<lolz>&lol3;</lolz>";

/* ---- end-to-end through the client core against the loopback server ---- */
typedef struct e2e {
    lb_server *srv;
    aws_client *client;
} e2e;

static inline void e2e_start(e2e *e)
{
    e->srv = lb_start();
    assert_non_null(e->srv);
    aws_credentials cr = { .access_key_id = "AKIDEXAMPLE",
                           .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
    aws_client_config cfg = { .region = "eu-west-1",
                              .endpoint_url = lb_url(e->srv),
                              .credentials = &cr,
                              .max_attempts = 1,
                              .connect_timeout_ms = 2000,
                              .timeout_ms = 5000 };
    aws_error err = { 0 };
    e->client = aws_client_new(&cfg, &err);
    if (!e->client)
        fail_msg("aws_client_new: %s: %s", err.code, err.message);
}

static inline void e2e_stop(e2e *e)
{
    aws_client_free(e->client);
    lb_stop(e->srv);
}

static inline void e2e_push_fixture(e2e *e, const char *name)
{
    size_t len;
    char *body = load_fixture(name, &len);
    lb_response r = { .status = 200, .body = body };
    lb_push(e->srv, &r);
    free(body);
}

/* The recorded request i must be a form POST with this exact body. */
static inline void e2e_expect_body(e2e *e, size_t i, const char *body)
{
    const lb_request *r = lb_request_at(e->srv, i);
    assert_non_null(r);
    assert_string_equal(r->method, "POST");
    assert_string_equal(r->body, body);
}

#endif
