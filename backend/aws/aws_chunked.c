/* aws_chunked.c — a paged call over a list of names that AWS caps per request
 * (alarm names, repository names): the list is cut into chunks, each chunk read to
 * its last page, one after the other, all charged to one budget, and the caller told
 * once (see aws_call_chunked in aws.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"

typedef struct aws_chunked {
    const aws_service *svc;
    char operation[64];
    strvec names;   /* our copy */
    size_t from, n; /* the current chunk: names[from, from + n) */
    size_t per_call;
    aws_budget budget; /* every page of every chunk: one call */
    aws_chunk_body_fn body;
    aws_page_parse_fn parse;
    aws_pages_done_fn done;
    void *ud;
} aws_chunked;

/* Names in the chunk that starts at k->from. */
static size_t chunk_len(const aws_chunked *k)
{
    size_t left = k->names.n - k->from;
    return left < k->per_call ? left : k->per_call;
}

static char *chunked_body(void *ud, const char *next_token, size_t *len)
{
    aws_chunked *k = ud;
    const char *const *names = k->n ? (const char *const *)k->names.items + k->from : NULL;
    return k->body(k->ud, names, k->n, next_token, len);
}

static int chunked_parse(void *ud, const aws_response *resp, char **next_token, aws_error *err)
{
    aws_chunked *k = ud;
    return k->parse(k->ud, resp, next_token, err);
}

static void chunked_free(aws_chunked *k)
{
    strvec_free(&k->names);
    free(k);
}

static void chunked_done(aws_client *c, const aws_error *err, void *ud);

static int chunked_start(aws_client *c, aws_chunked *k, aws_error *err)
{
    return aws_call_paged(c, k->svc, k->operation, chunked_body, chunked_parse, chunked_done, k, &k->budget, err);
}

/* One chunk read to its end: the next one, or done() once with the first error. */
static void chunked_done(aws_client *c, const aws_error *err, void *ud)
{
    aws_chunked *k = ud;
    aws_error next_err = { 0 };
    if (!err && k->from + k->n < k->names.n) {
        k->from += k->n;
        k->n = chunk_len(k);
        if (chunked_start(c, k, &next_err) == 0)
            return;
        err = &next_err;
    }
    k->done(c, err, k->ud);
    chunked_free(k);
}

int aws_call_chunked(aws_client *c, const aws_service *svc, const char *operation, const strvec *names, size_t per_call,
                     aws_chunk_body_fn body, aws_page_parse_fn parse, aws_pages_done_fn done, void *ud, aws_error *err)
{
    if (per_call == 0 || !body || !parse || !done || str_empty(operation) ||
        strlen(operation) >= sizeof(((aws_chunked *)0)->operation)) {
        aws_error_set(err, 0, "InvalidRequest", "bad chunked call");
        return -1;
    }
    aws_chunked *k = xcalloc(1, sizeof(*k));
    k->svc = svc;
    str_copy(k->operation, sizeof(k->operation), operation);
    for (size_t i = 0; names && i < names->n; i++)
        strvec_push(&k->names, names->items[i]);
    k->per_call = per_call;
    k->n = chunk_len(k);
    k->body = body;
    k->parse = parse;
    k->done = done;
    k->ud = ud;
    if (chunked_start(c, k, err) != 0) {
        chunked_free(k);
        return -1;
    }
    return 0;
}

/* ---- Query-protocol calls over chunks of ids ---- */

void aws_query_list(strbuf *sb, const char *prefix, const strvec *items, size_t from, size_t to)
{
    char key[128];
    for (size_t i = from; items && i < to && i < items->n; i++) {
        snprintf(key, sizeof(key), "%s%zu", prefix, i - from + 1);
        aws_query_param(sb, key, items->items[i]);
    }
}

typedef struct query_paged {
    const aws_query_paged_spec *spec;
    void *ud;
} query_paged;

static char *query_body(void *ud, const char *const *names, size_t n_names, const char *next_token, size_t *len)
{
    query_paged *q = ud;
    strbuf sb;
    sb_init(&sb);
    char key[128];
    for (size_t i = 0; q->spec->list_prefix && i < n_names; i++) {
        snprintf(key, sizeof(key), "%s%zu", q->spec->list_prefix, i + 1);
        aws_query_param(&sb, key, names[i]);
    }
    if (q->spec->params)
        q->spec->params(q->ud, &sb, n_names);
    if (next_token && *next_token)
        aws_query_param(&sb, q->spec->token_param, next_token);
    *len = sb.len;
    return sb.buf; /* the caller owns it */
}

static int query_parse(void *ud, const aws_response *resp, char **next_token, aws_error *err)
{
    query_paged *q = ud;
    return q->spec->parse(q->ud, resp, next_token, err);
}

static void query_done(aws_client *c, const aws_error *err, void *ud)
{
    query_paged *q = ud;
    q->spec->done(c, err, q->ud);
    free(q);
}

int aws_query_call_paged(aws_client *c, const aws_query_paged_spec *spec, const strvec *items, void *ud, aws_error *err)
{
    query_paged *q = xcalloc(1, sizeof(*q));
    q->spec = spec;
    q->ud = ud;
    if (aws_call_chunked(c, spec->svc, spec->operation, items, spec->chunk ? spec->chunk : 1, query_body, query_parse,
                         query_done, q, err) != 0) {
        free(q);
        return -1;
    }
    return 0;
}
