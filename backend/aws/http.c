/* http.c — the libcurl multi engine behind every AWS call (see http.h).
 * Each transfer owns its easy handle, header list, body copy and error buffer and
 * finds them again through CURLOPT_PRIVATE when curl reports it done. Connection
 * reuse comes from the multi handle's connection cache. */
#include "aws/http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "aws/endpoints.h"

struct http_transfer {
    http_engine *e;
    CURL *easy;
    struct curl_slist *headers;
    char *body;  /* request body copy */
    strbuf resp; /* response body */
    size_t max_body;
    http_result res; /* headers captured as they arrive */
    char errbuf[CURL_ERROR_SIZE];
    http_done_fn done;
    void *ud;
    int64_t start_ms;
    http_transfer *prev, *next;
};

struct http_engine {
    CURLM *multi;
    http_transfer *head; /* transfers in flight */
    size_t n;
};

static bool http_global_done;

http_engine *http_engine_new(void)
{
    if (!http_global_done) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return NULL;
        http_global_done = true;
    }
    http_engine *e = xcalloc(1, sizeof(*e));
    e->multi = curl_multi_init();
    if (!e->multi) {
        free(e);
        return NULL;
    }
    /* A handful of keep-alive connections per endpoint, as the SDKs keep. */
    if (curl_multi_setopt(e->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 8L) != CURLM_OK ||
        curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, 32L) != CURLM_OK) {
        curl_multi_cleanup(e->multi);
        free(e);
        return NULL;
    }
    return e;
}

static void transfer_free(http_transfer *t)
{
    curl_easy_cleanup(t->easy);
    /* Header lines may carry a session token. */
    for (struct curl_slist *l = t->headers; l; l = l->next)
        secret_wipe(l->data, strlen(l->data));
    curl_slist_free_all(t->headers);
    free(t->body);
    sb_free(&t->resp);
    free(t);
}

static void transfer_unlink(http_engine *e, http_transfer *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        e->head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    t->prev = t->next = NULL;
    e->n--;
    /* Removing can only fail on a bad handle, which would be our bug. */
    CURLMcode mc = curl_multi_remove_handle(e->multi, t->easy);
    (void)mc;
}

void http_engine_free(http_engine *e)
{
    if (!e)
        return;
    while (e->head) {
        http_transfer *t = e->head;
        transfer_unlink(e, t);
        transfer_free(t);
    }
    curl_multi_cleanup(e->multi);
    free(e);
}

void http_cancel(http_engine *e, http_transfer *t)
{
    if (!e || !t)
        return;
    transfer_unlink(e, t);
    transfer_free(t);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    http_transfer *t = ud;
    size_t n = size * nmemb;
    if (n > t->max_body || t->resp.len > t->max_body - n) {
        t->res.body_too_large = true;
        return 0; /* CURLE_WRITE_ERROR ends the transfer */
    }
    sb_appendn(&t->resp, data, n);
    return n;
}

/* Copies a header value (trimmed, control characters dropped) into dst. */
static void header_value(char *dst, size_t cap, const char *v, size_t n)
{
    while (n > 0 && (*v == ' ' || *v == '\t'))
        v++, n--;
    while (n > 0 && isspace((unsigned char)v[n - 1]))
        n--;
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++)
        if ((unsigned char)v[i] >= 0x20 && v[i] != 0x7f)
            dst[o++] = v[i];
    dst[o] = '\0';
}

static bool header_is(const char *line, size_t name_len, const char *name)
{
    return strlen(name) == name_len && strncasecmp(line, name, name_len) == 0;
}

static size_t on_header(char *line, size_t size, size_t nitems, void *ud)
{
    http_transfer *t = ud;
    size_t n = size * nitems;
    if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        /* A new response (after a 100 Continue, say): forget the previous headers. */
        t->res.request_id[0] = t->res.error_type[0] = t->res.query_error[0] = '\0';
        t->res.date = 0;
        return n;
    }
    const char *colon = memchr(line, ':', n);
    if (!colon)
        return n;
    size_t name_len = (size_t)(colon - line);
    const char *v = colon + 1;
    size_t vlen = n - name_len - 1;
    if (header_is(line, name_len, "x-amzn-requestid") || header_is(line, name_len, "x-amz-request-id")) {
        header_value(t->res.request_id, sizeof(t->res.request_id), v, vlen);
    } else if (header_is(line, name_len, "x-amzn-errortype")) {
        header_value(t->res.error_type, sizeof(t->res.error_type), v, vlen);
    } else if (header_is(line, name_len, "x-amzn-query-error")) {
        header_value(t->res.query_error, sizeof(t->res.query_error), v, vlen);
    } else if (header_is(line, name_len, "date")) {
        char buf[96];
        header_value(buf, sizeof(buf), v, vlen);
        time_t when = curl_getdate(buf, NULL);
        t->res.date = when > 0 ? (aws_time)when * 1000 : 0;
    }
    return n;
}

bool http_code_not_sent(CURLcode code)
{
    return code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_RESOLVE_PROXY ||
        code == CURLE_UNSUPPORTED_PROTOCOL || code == CURLE_URL_MALFORMAT;
}

bool http_host_is_local(const char *host)
{
    if (endpoint_host_is_loopback(host))
        return true;
    if (str_empty(host))
        return false;
    struct in_addr v4;
    if (inet_pton(AF_INET, host, &v4) == 1)
        return (ntohl(v4.s_addr) >> 16) == 0xa9fe; /* 169.254/16 */
    char buf[64];
    size_t n = strlen(host);
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
        if (n - 2 >= sizeof(buf))
            return false;
        memcpy(buf, host + 1, n - 2);
        buf[n - 2] = '\0';
        host = buf;
    }
    struct in6_addr v6;
    if (inet_pton(AF_INET6, host, &v6) != 1)
        return false;
    const unsigned char *b = v6.s6_addr;
    return IN6_IS_ADDR_LINKLOCAL(&v6) || (b[0] == 0xfd && b[1] == 0x00 && b[2] == 0x0e && b[3] == 0xc2);
}

/* Whether a URL must be fetched without a proxy (see http_submit in http.h). */
static bool url_goes_direct(const char *url)
{
    CURLU *u = curl_url();
    if (!u)
        util_fatal("out of memory");
    char *scheme = NULL, *host = NULL;
    bool direct = true; /* what cannot be parsed fails anyway: never hand it to a proxy */
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
        direct = !str_eq(scheme, "https") || http_host_is_local(host);
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return direct;
}

#define SETOPT(opt, val)                                                                                               \
    do {                                                                                                               \
        if (curl_easy_setopt(t->easy, opt, val) != CURLE_OK) {                                                         \
            sb_printf(err, "curl option %s refused", #opt);                                                            \
            goto fail;                                                                                                 \
        }                                                                                                              \
    } while (0)

http_transfer *http_submit(http_engine *e, const http_request *req, http_done_fn done, void *ud, strbuf *err)
{
    http_transfer *t = xcalloc(1, sizeof(*t));
    t->e = e;
    t->done = done;
    t->ud = ud;
    t->max_body = req->max_body ? req->max_body : HTTP_MAX_BODY;
    sb_init(&t->resp);
    t->easy = curl_easy_init();
    if (!t->easy) {
        sb_append(err, "curl_easy_init failed");
        sb_free(&t->resp);
        free(t);
        return NULL;
    }
    for (size_t i = 0; i < req->n_headers; i++) {
        if (strpbrk(req->headers[i], "\r\n")) {
            sb_append(err, "a request header holds a line break: the request was not sent");
            goto fail;
        }
        struct curl_slist *l = curl_slist_append(t->headers, req->headers[i]);
        if (!l)
            util_fatal("out of memory");
        t->headers = l;
    }
    /* No "Expect: 100-continue" round trip for larger bodies. */
    struct curl_slist *l = curl_slist_append(t->headers, "Expect:");
    if (!l)
        util_fatal("out of memory");
    t->headers = l;

    SETOPT(CURLOPT_URL, req->url);
    SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
    SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(CURLOPT_NOSIGNAL, 1L);
    SETOPT(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
    SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
    SETOPT(CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms > 0 ? req->connect_timeout_ms : 3000L);
    SETOPT(CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : 30000L);
    SETOPT(CURLOPT_ERRORBUFFER, t->errbuf);
    SETOPT(CURLOPT_PRIVATE, (void *)t);
    SETOPT(CURLOPT_WRITEFUNCTION, on_body);
    SETOPT(CURLOPT_WRITEDATA, (void *)t);
    SETOPT(CURLOPT_HEADERFUNCTION, on_header);
    SETOPT(CURLOPT_HEADERDATA, (void *)t);
    SETOPT(CURLOPT_HTTPHEADER, t->headers);
    SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
    /* "" turns off every proxy, the environment's included (CURLOPT_PROXY). */
    if (req->direct || !req->url || url_goes_direct(req->url))
        SETOPT(CURLOPT_PROXY, "");
    if (str_eq(req->method, "POST") || req->body) {
        t->body = xmalloc(req->body_len + 1);
        if (req->body_len)
            memcpy(t->body, req->body, req->body_len);
        t->body[req->body_len] = '\0';
        SETOPT(CURLOPT_POST, 1L);
        SETOPT(CURLOPT_POSTFIELDS, t->body);
        SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    }
    if (req->method && !str_eq(req->method, "POST") && !str_eq(req->method, "GET"))
        SETOPT(CURLOPT_CUSTOMREQUEST, req->method);

    CURLMcode mc = curl_multi_add_handle(e->multi, t->easy);
    if (mc != CURLM_OK) {
        sb_printf(err, "curl_multi_add_handle: %s", curl_multi_strerror(mc));
        goto fail;
    }
    t->start_ms = mono_now_ms();
    t->next = e->head;
    if (e->head)
        e->head->prev = t;
    e->head = t;
    e->n++;
    return t;
fail:
    transfer_free(t);
    return NULL;
}

int http_wait(http_engine *e, struct curl_waitfd *extra, unsigned n_extra, int timeout_ms)
{
    for (unsigned i = 0; i < n_extra; i++)
        extra[i].revents = 0;
    int numfds = 0;
    CURLMcode mc = curl_multi_poll(e->multi, extra, n_extra, timeout_ms < 0 ? INT_MAX : timeout_ms, &numfds);
    if (mc != CURLM_OK)
        return -1;
    int ready = 0;
    for (unsigned i = 0; i < n_extra; i++)
        if (extra[i].revents)
            ready++;
    return ready;
}

static void transfer_finish(http_engine *e, http_transfer *t, CURLcode code)
{
    http_result *r = &t->res;
    r->curl_code = code;
    long status = 0;
    if (curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK)
        status = 0;
    long connects = 0;
    if (curl_easy_getinfo(t->easy, CURLINFO_NUM_CONNECTS, &connects) != CURLE_OK)
        connects = 0;
    r->connects = connects;
    r->elapsed_ms = (long)(mono_now_ms() - t->start_ms);
    if (code == CURLE_OK) {
        r->status = status;
    } else {
        r->status = 0;
        r->maybe_sent = !http_code_not_sent(code);
        if (!t->errbuf[0])
            str_copy(t->errbuf, sizeof(t->errbuf), curl_easy_strerror(code));
        str_copy(r->error, sizeof(r->error), t->errbuf);
    }
    r->body = t->resp.buf;
    r->body_len = t->resp.len;
    transfer_unlink(e, t);
    if (t->done)
        t->done(e, r, t->ud);
    transfer_free(t);
}

size_t http_run(http_engine *e)
{
    int running = 0;
    CURLMcode mc = curl_multi_perform(e->multi, &running);
    if (mc != CURLM_OK && mc != CURLM_CALL_MULTI_PERFORM)
        return e->n;
    CURLMsg *msg;
    int left = 0;
    while ((msg = curl_multi_info_read(e->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *easy = msg->easy_handle;
        CURLcode code = msg->data.result;
        char *priv = NULL;
        if (curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv) != CURLE_OK || !priv)
            continue;
        /* Callbacks may submit or cancel transfers; msg is not used after this. */
        transfer_finish(e, (http_transfer *)(void *)priv, code);
    }
    return e->n;
}

void http_wakeup(http_engine *e)
{
    CURLMcode mc = curl_multi_wakeup(e->multi);
    (void)mc; /* only fails when the multi handle is gone */
}

size_t http_in_flight(const http_engine *e)
{
    return e ? e->n : 0;
}

void http_run_until_idle(http_engine *e)
{
    http_run(e);
    while (e->n > 0) {
        if (http_wait(e, NULL, 0, 1000) < 0)
            break;
        http_run(e);
    }
}
