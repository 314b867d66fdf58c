/* loopback_server.h — a scriptable HTTP server on 127.0.0.1 (random port) for unit
 * tests, built on libmicrohttpd with a thread per connection. Tests queue canned
 * answers (status, body, headers, a delay, a dropped connection, a skewed Date) or
 * install a handler, then check the requests the server recorded and how many TCP
 * connections it saw. Linked into every unit test. */
#ifndef TARMAC_LOOPBACK_SERVER_H
#define TARMAC_LOOPBACK_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lb_server lb_server;

/* One request as it arrived. Immutable once recorded; valid until lb_reset/lb_stop. */
typedef struct lb_request {
    char method[16];
    char path[512]; /* with the query string, if any */
    char *headers;  /* "name: value\n" lines, names lower-cased */
    char *body;     /* NUL-terminated (at most 1 MiB kept) */
    size_t body_len;
    int conn_id; /* 1-based, in accept order: equal ids = reused connection */
    int index;   /* 0-based arrival number */
} lb_request;

/* Value of a request header (name in any case) into buf; NULL when absent. */
const char *lb_request_header(const lb_request *r, const char *name, char *buf, size_t cap);

/* An answer. Strings are copied when queued. */
typedef struct lb_response {
    int status;               /* 0: 200 */
    const char *body;         /* NULL: empty */
    const char *content_type; /* NULL: "text/xml" */
    const char *headers;      /* extra "Name: value\n" lines, or NULL */
    int delay_ms;             /* wait before answering (capped at 10000) */
    bool drop;                /* close the connection without answering */
    int date_offset_s;        /* the Date header is the server's clock + this */
} lb_response;

/* Called (serialised, from a server thread) for every request after the scripted
 * answer was picked; it may change *resp. Strings it sets must stay valid until it
 * returns (they are copied right after). */
typedef void (*lb_handler_fn)(void *ud, const lb_request *req, lb_response *resp);

lb_server *lb_start(void);  /* NULL when it cannot listen */
void lb_stop(lb_server *s); /* closes everything; NULL is fine */
int lb_port(const lb_server *s);
const char *lb_url(const lb_server *s); /* "http://127.0.0.1:PORT" */

/* Script: the n-th request gets the n-th queued answer; then the default (200, ""). */
void lb_push(lb_server *s, const lb_response *r);
void lb_push_n(lb_server *s, const lb_response *r, int times);
void lb_set_default(lb_server *s, const lb_response *r);
void lb_set_handler(lb_server *s, lb_handler_fn fn, void *ud);

size_t lb_request_count(lb_server *s);
const lb_request *lb_request_at(lb_server *s, size_t i); /* NULL when out of range */
int lb_connections(lb_server *s);                        /* TCP connections accepted so far */
int lb_max_concurrent(lb_server *s);                     /* most requests being answered at once */
/* Forget the script, the handler, recorded requests and counters. */
void lb_reset(lb_server *s);

/* A port on 127.0.0.1 where nothing listens (connections are refused); -1 on error. */
int lb_closed_port(void);

/* Waits (bounded by timeout_ms) until at least n requests were recorded. */
bool lb_wait_requests(lb_server *s, size_t n, int timeout_ms);

#endif
