/* test_aws_chunked.c — aws_call_chunked against the loopback server: names cut into
 * chunks (none, one, a full chunk, one more than a chunk), every chunk read to its
 * last page before the next, one budget for every chunk, and an error in a later
 * chunk that ends the call with one done() and what was gathered handed over. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/aws.h"
#include "loopback_server.h"

#define PER_CALL 3

typedef struct fixture {
    lb_server *srv;
    aws_client *c;
    aws_credentials creds;
} fixture;

/* What the caller of aws_call_chunked sees. */
typedef struct gathered {
    strvec names;           /* every name the answers echoed, in order */
    size_t charge;          /* budget entries each echoed name costs (0: 1) */
    aws_budget *budgets[8]; /* the budget of each page */
    int pages;
    int done_calls;
    bool failed;
    aws_error err;
} gathered;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    f->srv = lb_start();
    if (!f->srv)
        return -1;
    f->creds.access_key_id = xstrdup("AKIDEXAMPLE");
    f->creds.secret_access_key = xstrdup("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    aws_client_config cfg = { .region = "us-west-2",
                              .endpoint_url = lb_url(f->srv),
                              .credentials = &f->creds,
                              .max_attempts = 1,
                              .timeout_ms = 5000 };
    aws_error err;
    f->c = aws_client_new(&cfg, &err);
    if (!f->c)
        return -1;
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
    return 0;
}

/* Name.1=a&Name.2=b[&NextToken=t] */
static char *names_body(void *ud, const char *const *names, size_t n_names, const char *next_token, size_t *len)
{
    (void)ud;
    strbuf sb;
    sb_init(&sb);
    if (n_names)
        assert_non_null(names);
    else
        assert_null(names);
    for (size_t i = 0; i < n_names; i++) {
        char key[32];
        snprintf(key, sizeof(key), "Name.%zu", i + 1);
        aws_query_param(&sb, key, names[i]);
    }
    if (next_token)
        aws_query_param(&sb, "NextToken", next_token);
    *len = sb.len;
    return sb.buf;
}

/* Echoes the names of a chunk's first page as <N> elements with a token, and answers
 * the second page (the one with NextToken) with no names and no token. */
static void echo_handler(void *ud, const lb_request *req, lb_response *resp)
{
    (void)ud;
    static char body[4096];
    strbuf sb;
    sb_init(&sb);
    sb_append(&sb, "<R>");
    bool second = strstr(req->body, "NextToken=") != NULL;
    for (const char *p = req->body; !second && (p = strstr(p, "Name.")) != NULL;) {
        const char *v = strchr(p, '=') + 1;
        size_t n = strcspn(v, "&");
        sb_printf(&sb, "<N>%.*s</N>", (int)n, v);
        p = v + n;
    }
    if (!second)
        sb_append(&sb, "<T>more</T>");
    sb_append(&sb, "</R>");
    snprintf(body, sizeof(body), "%s", sb.buf);
    sb_free(&sb);
    resp->body = body;
}

static int names_parse(void *ud, const aws_response *resp, char **next_token, aws_error *err)
{
    gathered *g = ud;
    if (g->pages == (int)ARRAY_LEN(g->budgets)) { /* none of these calls has that many */
        aws_error_set(err, 0, "TooManyPages", "page %d", g->pages + 1);
        return -1;
    }
    g->budgets[g->pages++] = resp->budget;
    for (const char *p = resp->body; (p = strstr(p, "<N>")) != NULL;) {
        p += 3;
        const char *end = strstr(p, "</N>");
        if (aws_budget_items(resp->budget, g->charge ? g->charge : 1, "autoscaling", "DescribeThings", err) < 0)
            return -1;
        char *name = xstrndup(p, (size_t)(end - p));
        strvec_push(&g->names, name);
        free(name);
    }
    if (strstr(resp->body, "<T>more</T>"))
        *next_token = xstrdup("more");
    return 0;
}

static void names_done(aws_client *c, const aws_error *err, void *ud)
{
    (void)c;
    gathered *g = ud;
    g->done_calls++;
    if (err) {
        g->failed = true;
        g->err = *err;
    }
}

static void make_names(strvec *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char name[24];
        snprintf(name, sizeof(name), "n%zu", i);
        strvec_push(v, name);
    }
}

static const char *request_body(fixture *f, size_t i)
{
    const lb_request *q = lb_request_at(f->srv, i);
    assert_non_null(q);
    return q->body;
}

#define PREFIX "Action=DescribeThings&Version=2011-01-01"

/* Runs one chunked call over names to its end: done() exactly once. */
static void call_names(fixture *f, const strvec *names, gathered *g)
{
    aws_error err = { 0 };
    assert_int_equal(aws_call_chunked(f->c, &AWS_SVC_AUTOSCALING, "DescribeThings", names, PER_CALL, names_body,
                                      names_parse, names_done, g, &err),
                     0);
    aws_client_run_until_idle(f->c);
    assert_int_equal(g->done_calls, 1);
}

/* The same against the echoing server, where every chunk succeeds; the requests stay
 * on the server. */
static void run_names(fixture *f, const strvec *names, gathered *g)
{
    lb_reset(f->srv);
    lb_set_handler(f->srv, echo_handler, NULL);
    call_names(f, names, g);
    if (g->failed)
        fail_msg("%s: %s", g->err.code, g->err.message);
}

static void test_no_names(void **state)
{
    fixture *f = *state;
    gathered g = { 0 };
    run_names(f, NULL, &g);
    assert_int_equal(lb_request_count(f->srv), 2); /* one chunk, two pages */
    assert_string_equal(request_body(f, 0), PREFIX);
    assert_string_equal(request_body(f, 1), PREFIX "&NextToken=more");
    assert_int_equal(g.names.n, 0);

    strvec empty = { 0 };
    gathered h = { 0 };
    run_names(f, &empty, &h);
    assert_int_equal(lb_request_count(f->srv), 2);
    assert_string_equal(request_body(f, 0), PREFIX);
}

static void test_one_name(void **state)
{
    fixture *f = *state;
    strvec names = { 0 };
    make_names(&names, 1);
    gathered g = { 0 };
    run_names(f, &names, &g);
    assert_int_equal(lb_request_count(f->srv), 2);
    assert_string_equal(request_body(f, 0), PREFIX "&Name.1=n0");
    assert_string_equal(request_body(f, 1), PREFIX "&Name.1=n0&NextToken=more");
    assert_int_equal(g.names.n, 1);
    assert_string_equal(g.names.items[0], "n0");
    strvec_free(&g.names);
    strvec_free(&names);
}

static void test_full_chunk(void **state)
{
    fixture *f = *state;
    strvec names = { 0 };
    make_names(&names, PER_CALL);
    gathered g = { 0 };
    run_names(f, &names, &g);
    assert_int_equal(lb_request_count(f->srv), 2);
    assert_string_equal(request_body(f, 0), PREFIX "&Name.1=n0&Name.2=n1&Name.3=n2");
    assert_string_equal(request_body(f, 1), PREFIX "&Name.1=n0&Name.2=n1&Name.3=n2&NextToken=more");
    assert_int_equal(g.names.n, PER_CALL);
    strvec_free(&g.names);
    strvec_free(&names);
}

/* One more than a chunk: the first chunk to its last page, then the one name left. */
static void test_one_more_than_a_chunk(void **state)
{
    fixture *f = *state;
    strvec names = { 0 };
    make_names(&names, PER_CALL + 1);
    gathered g = { 0 };
    run_names(f, &names, &g);
    assert_int_equal(lb_request_count(f->srv), 4);
    assert_string_equal(request_body(f, 0), PREFIX "&Name.1=n0&Name.2=n1&Name.3=n2");
    assert_string_equal(request_body(f, 1), PREFIX "&Name.1=n0&Name.2=n1&Name.3=n2&NextToken=more");
    assert_string_equal(request_body(f, 2), PREFIX "&Name.1=n3");
    assert_string_equal(request_body(f, 3), PREFIX "&Name.1=n3&NextToken=more");
    assert_int_equal(g.names.n, PER_CALL + 1);
    for (size_t i = 0; i < g.names.n; i++)
        assert_string_equal(g.names.items[i], names.items[i]);
    /* Every page of every chunk was charged to one budget. */
    assert_int_equal(g.pages, 4);
    for (int i = 1; i < g.pages; i++)
        assert_ptr_equal(g.budgets[i], g.budgets[0]);
    strvec_free(&g.names);
    strvec_free(&names);
}

/* The second chunk is refused: done() once with that error, no third chunk, and the
 * first chunk's names handed over (the caller frees them). */
static void test_error_in_second_chunk(void **state)
{
    fixture *f = *state;
    strvec names = { 0 };
    make_names(&names, 2 * PER_CALL + 1);
    lb_reset(f->srv);
    lb_push(f->srv, &(lb_response){ .body = "<R><N>n0</N><N>n1</N><N>n2</N></R>" });
    lb_push(f->srv,
            &(lb_response){ .status = 403,
                            .body = "<ErrorResponse><Error><Code>AccessDenied</Code>"
                                    "<Message>no</Message></Error></ErrorResponse>" });
    gathered g = { 0 };
    call_names(f, &names, &g);
    assert_true(g.failed);
    assert_string_equal(g.err.code, "AccessDenied");
    assert_string_equal(g.err.operation, "DescribeThings");
    assert_int_equal(lb_request_count(f->srv), 2);
    assert_string_equal(request_body(f, 1), PREFIX "&Name.1=n3&Name.2=n4&Name.3=n5");
    assert_int_equal(g.names.n, PER_CALL);
    assert_string_equal(g.names.items[2], "n2");
    strvec_free(&g.names);
    strvec_free(&names);
}

/* The call's limits hold across chunks: two chunks that each stay under
 * AWS_MAX_CALL_ITEMS but together pass it fail the call with TooManyItems. */
static void test_one_budget_for_every_chunk(void **state)
{
    fixture *f = *state;
    strvec names = { 0 };
    make_names(&names, 2 * PER_CALL);
    lb_reset(f->srv);
    lb_set_handler(f->srv, echo_handler, NULL);
    gathered g = { .charge = AWS_MAX_CALL_ITEMS / (2 * PER_CALL) + 1 };
    call_names(f, &names, &g);
    assert_true(g.failed);
    assert_string_equal(g.err.code, "TooManyItems");
    assert_int_equal(lb_request_count(f->srv), 3); /* chunk 1: two pages; chunk 2: its first */
    assert_int_equal(g.names.n, 2 * PER_CALL - 1);
    strvec_free(&g.names);
    strvec_free(&names);
}

/* A call that cannot start says so and never calls done(). */
static void test_refused_at_start(void **state)
{
    fixture *f = *state;
    gathered g = { 0 };
    aws_error err = { 0 };
    assert_int_equal(aws_call_chunked(f->c, &AWS_SVC_AUTOSCALING, "DescribeThings", NULL, 0, names_body, names_parse,
                                      names_done, &g, &err),
                     -1);
    assert_string_equal(err.code, "InvalidRequest");
    memset(&err, 0, sizeof(err));
    assert_int_equal(aws_call_chunked(f->c, &AWS_SVC_AUTOSCALING, "DescribeThings", NULL, PER_CALL, names_body, NULL,
                                      names_done, &g, &err),
                     -1);
    assert_string_equal(err.code, "InvalidRequest");
    aws_client_run_until_idle(f->c);
    assert_int_equal(g.done_calls, 0);
    assert_int_equal(lb_request_count(f->srv), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_no_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_chunk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_more_than_a_chunk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_in_second_chunk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_budget_for_every_chunk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_at_start, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
