/* http.h — the HTTP engine: one libcurl multi handle driving many transfers at once,
 * with keep-alive connection reuse, per-request timeouts, bounded response bodies and
 * the response headers the AWS client needs. No threads: the owner waits in
 * http_wait() (curl_multi_poll plus extra fds) and makes progress in http_run(). */
#ifndef TARMAC_HTTP_H
#define TARMAC_HTTP_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define HTTP_MAX_BODY (64u * 1024u * 1024u) /* larger answers fail with body_too_large */

typedef struct http_engine http_engine;
typedef struct http_transfer http_transfer;

typedef struct http_request {
    const char *method;         /* "POST", "GET" */
    const char *url;            /* http:// or https:// only; redirects are not followed */
    const char *const *headers; /* "Name: value" lines, copied */
    size_t n_headers;
    const void *body; /* copied; may be NULL */
    size_t body_len;
    long connect_timeout_ms; /* 0: 3000 */
    long timeout_ms;         /* 0: 30000, whole transfer */
    size_t max_body;         /* 0: HTTP_MAX_BODY */
    bool direct;             /* never through a proxy (credential endpoints) */
} http_request;

/* What came back, valid only during the callback. */
typedef struct http_result {
    CURLcode curl_code; /* CURLE_OK when an HTTP answer arrived */
    long status;        /* HTTP status, 0 for transport failures */
    const char *body;   /* NUL-terminated; body_len is authoritative */
    size_t body_len;
    bool body_too_large;         /* the answer exceeded max_body and was cut off */
    bool maybe_sent;             /* transport failure: the request may have reached the server */
    char error[CURL_ERROR_SIZE]; /* curl's message for transport failures (never holds headers) */
    char request_id[96];         /* x-amzn-RequestId / x-amz-request-id */
    char error_type[128];        /* x-amzn-ErrorType */
    char query_error[128];       /* x-amzn-query-error ("Code;Sender") */
    aws_time date;               /* Date header, ms since the epoch; 0 when absent */
    long connects;               /* new connections this transfer opened (0: reused) */
    long elapsed_ms;
} http_result;

typedef void (*http_done_fn)(http_engine *e, const http_result *res, void *ud);

http_engine *http_engine_new(void);
/* Cancels every transfer in flight without calling its callback. */
void http_engine_free(http_engine *e);

/* Starts a transfer and returns at once; NULL with *err filled on a setup failure
 * (done is then never called).
 * Proxies: curl's own rules (https_proxy / HTTPS_PROXY, all_proxy, no_proxy) apply to
 * https requests to other hosts, as in the AWS SDKs. A request goes direct, whatever
 * the environment says, when req->direct is set, when it is plain http (allowed only
 * to loopback and the credential endpoints: through a proxy it would travel in clear
 * text), or when its host is loopback or link-local (http_host_is_local).
 * A header line holding CR or LF is refused: it would add headers of its own. */
http_transfer *http_submit(http_engine *e, const http_request *req, http_done_fn done, void *ud, strbuf *err);
/* Stops a transfer in flight; its callback is not called. */
void http_cancel(http_engine *e, http_transfer *t);

/* Waits for network activity or one of the extra fds, at most timeout_ms (-1: no
 * limit beyond curl's own timers). Returns the number of extra fds with events, or -1. */
int http_wait(http_engine *e, struct curl_waitfd *extra, unsigned n_extra, int timeout_ms);
/* Drives transfers and runs the callbacks of finished ones. Returns transfers in flight. */
size_t http_run(http_engine *e);
void http_wakeup(http_engine *e);
size_t http_in_flight(const http_engine *e);
/* Blocking helper: wait/run until nothing is in flight. */
void http_run_until_idle(http_engine *e);

/* True for hosts a request reaches without any proxy: loopback (127.0.0.0/8, ::1,
 * localhost), link-local (169.254.0.0/16, fe80::/10) and the EKS Pod Identity / IMDS
 * IPv6 addresses (fd00:ec2::/32); IPv6 with or without brackets. */
bool http_host_is_local(const char *host);

/* True when the curl code means the request never left this host (refused, no DNS). */
bool http_code_not_sent(CURLcode code);

#endif
