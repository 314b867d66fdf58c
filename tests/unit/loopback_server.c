/* loopback_server.c — the scriptable libmicrohttpd test server (see loopback_server.h).
 * One thread per connection, so a delayed answer does not hold up the others; the
 * script, the record of requests and the counters sit behind one mutex. */
#include "loopback_server.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LB_BODY_MAX  (1024u * 1024u)
#define LB_DELAY_MAX 10000

typedef struct lb_answer {
    int status;
    char *body;
    char *content_type;
    char *headers;
    int delay_ms;
    bool drop;
    int date_offset_s;
} lb_answer;

struct lb_server {
    struct MHD_Daemon *d;
    int port;
    char url[64];
    pthread_mutex_t mu;
    volatile int stopping;
    lb_answer *script;
    size_t n_script, cap_script, next_script;
    lb_answer dflt;
    lb_handler_fn handler;
    void *handler_ud;
    lb_request **reqs;
    size_t n_reqs, cap_reqs;
    int connections, active, max_active;
};

/* Per-request state across the access handler's calls. */
typedef struct lb_pending {
    char *body;
    size_t len, cap;
    bool too_big;
} lb_pending;

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void answer_from(lb_answer *a, const lb_response *r)
{
    memset(a, 0, sizeof(*a));
    a->status = r->status ? r->status : 200;
    a->body = dup_or_null(r->body);
    a->content_type = dup_or_null(r->content_type);
    a->headers = dup_or_null(r->headers);
    a->delay_ms = r->delay_ms < 0 ? 0 : r->delay_ms > LB_DELAY_MAX ? LB_DELAY_MAX : r->delay_ms;
    a->drop = r->drop;
    a->date_offset_s = r->date_offset_s;
}

static void answer_free(lb_answer *a)
{
    free(a->body);
    free(a->content_type);
    free(a->headers);
    memset(a, 0, sizeof(*a));
}

static lb_response response_of(const lb_answer *a)
{
    return (lb_response){ a->status, a->body, a->content_type, a->headers, a->delay_ms, a->drop, a->date_offset_s };
}

const char *lb_request_header(const lb_request *r, const char *name, char *buf, size_t cap)
{
    size_t n = strlen(name);
    for (const char *line = r->headers; line && *line;) {
        const char *end = strchr(line, '\n');
        if (!end)
            end = line + strlen(line);
        if ((size_t)(end - line) > n + 1 && strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            snprintf(buf, cap, "%.*s", (int)(end - v), v);
            return buf;
        }
        line = *end ? end + 1 : end;
    }
    return NULL;
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    char **lines = cls;
    size_t old = *lines ? strlen(*lines) : 0;
    size_t add = strlen(key) + strlen(value ? value : "") + 3;
    char *p = realloc(*lines, old + add + 1);
    if (!p)
        return MHD_NO;
    char *o = p + old;
    for (const char *k = key; *k; k++)
        *o++ = (char)tolower((unsigned char)*k);
    snprintf(o, add + 1, ": %s\n", value ? value : "");
    *lines = p;
    return MHD_YES;
}

static void sleep_ms_while_running(lb_server *s, int ms)
{
    while (ms > 0 && !s->stopping) {
        int step = ms < 20 ? ms : 20;
        struct timespec ts = { 0, (long)step * 1000000L };
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

static void add_headers(struct MHD_Response *resp, const char *lines)
{
    char line[1024];
    for (const char *p = lines; p && *p;) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n < sizeof(line)) {
            memcpy(line, p, n);
            line[n] = '\0';
            if (n && line[n - 1] == '\r')
                line[n - 1] = '\0';
            char *colon = strchr(line, ':');
            if (colon) {
                *colon = '\0';
                char *v = colon + 1;
                while (*v == ' ')
                    v++;
                MHD_add_response_header(resp, line, v);
            }
        }
        p = end ? end + 1 : p + n;
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version;
    lb_server *s = cls;
    lb_pending *pend = *con_cls;
    if (!pend) {
        pend = calloc(1, sizeof(*pend));
        if (!pend)
            return MHD_NO;
        *con_cls = pend;
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        if (pend->len + n > LB_BODY_MAX)
            pend->too_big = true;
        else {
            if (pend->len + n + 1 > pend->cap) {
                size_t cap = (pend->len + n + 1) * 2;
                char *p = realloc(pend->body, cap);
                if (!p)
                    return MHD_NO;
                pend->body = p;
                pend->cap = cap;
            }
            memcpy(pend->body + pend->len, upload, n);
            pend->len += n;
            pend->body[pend->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }

    /* The whole request is here: record it and pick the answer. */
    lb_request *r = calloc(1, sizeof(*r));
    if (!r)
        return MHD_NO;
    snprintf(r->method, sizeof(r->method), "%s", method);
    snprintf(r->path, sizeof(r->path), "%s", url);
    MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_header, &r->headers);
    r->body = pend->body ? pend->body : strdup("");
    r->body_len = pend->len;
    pend->body = NULL;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    r->conn_id = ci && ci->socket_context ? (int)(intptr_t)ci->socket_context : 0;

    pthread_mutex_lock(&s->mu);
    r->index = (int)s->n_reqs;
    if (s->n_reqs == s->cap_reqs) {
        s->cap_reqs = s->cap_reqs ? s->cap_reqs * 2 : 16;
        lb_request **p = realloc(s->reqs, s->cap_reqs * sizeof(*p));
        if (!p)
            abort();
        s->reqs = p;
    }
    s->reqs[s->n_reqs++] = r;
    if (++s->active > s->max_active)
        s->max_active = s->active;
    const lb_answer *pick = s->next_script < s->n_script ? &s->script[s->next_script++] : &s->dflt;
    lb_response resp = response_of(pick);
    if (pend->too_big)
        resp = (lb_response){ .status = 413, .body = "too large" };
    if (s->handler)
        s->handler(s->handler_ud, r, &resp);
    lb_answer a;
    answer_from(&a, &resp);
    pthread_mutex_unlock(&s->mu);

    sleep_ms_while_running(s, a.delay_ms);
    enum MHD_Result ret = MHD_NO;
    if (!a.drop && !s->stopping) {
        const char *body = a.body ? a.body : "";
        struct MHD_Response *mr = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
        if (mr) {
            MHD_add_response_header(mr, "Content-Type", a.content_type ? a.content_type : "text/xml");
            char date[64];
            time_t now = time(NULL) + a.date_offset_s;
            struct tm tm;
            gmtime_r(&now, &tm);
            strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
            MHD_add_response_header(mr, "Date", date);
            add_headers(mr, a.headers);
            ret = MHD_queue_response(conn, (unsigned)a.status, mr);
            MHD_destroy_response(mr);
        }
    }
    answer_free(&a);
    pthread_mutex_lock(&s->mu);
    s->active--;
    pthread_mutex_unlock(&s->mu);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)conn, (void)toe;
    lb_pending *pend = *con_cls;
    if (pend) {
        free(pend->body);
        free(pend);
    }
    *con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)conn;
    lb_server *s = cls;
    if (toe != MHD_CONNECTION_NOTIFY_STARTED)
        return;
    pthread_mutex_lock(&s->mu);
    int id = ++s->connections;
    pthread_mutex_unlock(&s->mu);
    *socket_context = (void *)(intptr_t)id;
}

lb_server *lb_start(void)
{
    lb_server *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    pthread_mutex_init(&s->mu, NULL);
    s->dflt.status = 200;
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = 0 };
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->d = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_SUPPRESS_DATE_NO_CLOCK, 0, NULL, NULL,
        on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)15, MHD_OPTION_END);
    if (!s->d) {
        pthread_mutex_destroy(&s->mu);
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : 0;
    snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d", s->port);
    return s;
}

static void clear_locked(lb_server *s)
{
    for (size_t i = 0; i < s->n_script; i++)
        answer_free(&s->script[i]);
    s->n_script = s->next_script = 0;
    for (size_t i = 0; i < s->n_reqs; i++) {
        free(s->reqs[i]->headers);
        free(s->reqs[i]->body);
        free(s->reqs[i]);
    }
    s->n_reqs = 0;
    s->connections = s->max_active = 0;
    s->handler = NULL;
    s->handler_ud = NULL;
}

void lb_stop(lb_server *s)
{
    if (!s)
        return;
    s->stopping = 1;
    MHD_stop_daemon(s->d);
    clear_locked(s);
    free(s->script);
    free(s->reqs);
    answer_free(&s->dflt);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

int lb_port(const lb_server *s)
{
    return s->port;
}

const char *lb_url(const lb_server *s)
{
    return s->url;
}

void lb_push_n(lb_server *s, const lb_response *r, int times)
{
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < times; i++) {
        if (s->n_script == s->cap_script) {
            s->cap_script = s->cap_script ? s->cap_script * 2 : 16;
            lb_answer *p = realloc(s->script, s->cap_script * sizeof(*p));
            if (!p)
                abort();
            s->script = p;
        }
        answer_from(&s->script[s->n_script++], r);
    }
    pthread_mutex_unlock(&s->mu);
}

void lb_push(lb_server *s, const lb_response *r)
{
    lb_push_n(s, r, 1);
}

void lb_set_default(lb_server *s, const lb_response *r)
{
    pthread_mutex_lock(&s->mu);
    answer_free(&s->dflt);
    answer_from(&s->dflt, r);
    pthread_mutex_unlock(&s->mu);
}

void lb_set_handler(lb_server *s, lb_handler_fn fn, void *ud)
{
    pthread_mutex_lock(&s->mu);
    s->handler = fn;
    s->handler_ud = ud;
    pthread_mutex_unlock(&s->mu);
}

size_t lb_request_count(lb_server *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->n_reqs;
    pthread_mutex_unlock(&s->mu);
    return n;
}

const lb_request *lb_request_at(lb_server *s, size_t i)
{
    pthread_mutex_lock(&s->mu);
    const lb_request *r = i < s->n_reqs ? s->reqs[i] : NULL;
    pthread_mutex_unlock(&s->mu);
    return r;
}

int lb_connections(lb_server *s)
{
    pthread_mutex_lock(&s->mu);
    int n = s->connections;
    pthread_mutex_unlock(&s->mu);
    return n;
}

int lb_max_concurrent(lb_server *s)
{
    pthread_mutex_lock(&s->mu);
    int n = s->max_active;
    pthread_mutex_unlock(&s->mu);
    return n;
}

void lb_reset(lb_server *s)
{
    pthread_mutex_lock(&s->mu);
    clear_locked(s);
    answer_free(&s->dflt);
    s->dflt.status = 200;
    pthread_mutex_unlock(&s->mu);
}

int lb_closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = 0 };
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    int port = -1;
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 && getsockname(fd, (struct sockaddr *)&addr, &len) == 0)
        port = ntohs(addr.sin_port);
    close(fd);
    return port;
}

bool lb_wait_requests(lb_server *s, size_t n, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 10) {
        if (lb_request_count(s) >= n)
            return true;
        struct timespec ts = { 0, 10 * 1000000L };
        nanosleep(&ts, NULL);
    }
    return lb_request_count(s) >= n;
}
