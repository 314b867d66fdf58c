/* server.c — the simulator's HTTP side on libmicrohttpd: a daemon bound to
 * 127.0.0.1 with a thread per connection (so injected latency and slow bodies only
 * hold their own connection), a bounded number of them, and the request path every
 * call takes: framing, Host and Origin, the control API behind its token, routing,
 * SigV4, faults, then the operation under the one world mutex. */
#include "server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>

#include "auth.h"
#include "control.h"
#include "faults.h"
#include "guard.h"
#include "route.h"
#include "sts.h"

/* ---------------- front state ---------------- */

void sim_response_init(sim_response *r)
{
    memset(r, 0, sizeof *r);
    sb_init(&r->body);
    r->status = 200;
    r->content_type = "text/xml";
}

void sim_response_free(sim_response *r)
{
    sb_free(&r->body);
}

void sim_front_init(sim_front *f, sim_world *w, uint64_t seed)
{
    memset(f, 0, sizeof *f);
    pthread_mutex_init(&f->lock, NULL);
    f->world = w;
    f->prng = seed ^ 0x7461726d61632d66ULL; /* a different stream from the world's */
    f->signer = sigv4_signer_new();
    if (route_op_count() > SIM_OPS_MAX) {
        fprintf(stderr, "tarmac sim: %zu operations, SIM_OPS_MAX is %d\n", route_op_count(), SIM_OPS_MAX);
        abort();
    }
    const sim_faults *sf = w ? world_faults(w) : NULL;
    if (sf)
        sim_faults_copy(&f->faults, sf);
    (void)guard_token_new(f->control_token, sizeof f->control_token);
}

void sim_front_done(sim_front *f)
{
    secret_wipe(f->control_token, sizeof f->control_token);
    sim_faults_free(&f->faults);
    sigv4_signer_free(f->signer);
    pthread_mutex_destroy(&f->lock);
}

uint64_t sim_front_rand(sim_front *f)
{
    uint64_t z = (f->prng += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

const char *sim_request_header(const sim_request *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

void sim_front_error(sim_response *resp, sim_proto proto, int http_status, const char *code, const char *message)
{
    resp->status = http_status > 0 ? http_status : 400;
    sb_reset(&resp->body);
    enc_error(&resp->body, proto, code, message, resp->status < 500, resp->request_id, &resp->content_type);
    if (proto == SIM_PROTO_JSON10 || proto == SIM_PROTO_JSON11)
        str_copy(resp->error_type, sizeof resp->error_type, code);
    if (proto == SIM_PROTO_JSON10) /* CloudWatch is awsQueryCompatible: botocore reads the Query code here */
        snprintf(resp->query_error, sizeof resp->query_error, "%s;%s", code,
                 resp->status < 500 ? "Sender" : "Receiver");
}

static const char *lookup_secret(void *ud, const char *akid, const char *sent_token, const char **token)
{
    sim_front *f = ud;
    return f->world ? world_credentials_for(f->world, akid, sent_token, token) : NULL;
}

/* A UUID-shaped x-amzn-RequestId from the front's PRNG. */
static void new_request_id(sim_front *f, sim_response *resp)
{
    pthread_mutex_lock(&f->lock);
    uint64_t a = sim_front_rand(f), b = sim_front_rand(f);
    pthread_mutex_unlock(&f->lock);
    snprintf(resp->request_id, sizeof resp->request_id, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
             (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff, (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
             (unsigned long long)(b & 0xffffffffffffULL));
}

/* A refused Host or Origin in the operation's envelope: 400 for the Host, 403 with
 * each protocol's access-denied code for the Origin. */
static const char *refusal_code(sim_proto proto, int status)
{
    if (status == 400)
        return "InvalidHostHeader";
    if (proto == SIM_PROTO_EC2)
        return "UnauthorizedOperation";
    return proto == SIM_PROTO_QUERY ? "AccessDenied" : "AccessDeniedException";
}

void sim_front_handle(sim_front *f, const sim_request *req, sim_response *resp)
{
    new_request_id(f, resp);

    int refused_status = 0;
    const char *refused = guard_request_problem(req, &refused_status);
    if (control_is_control(req)) {
        if (refused) {
            control_error(resp, refused_status, refused);
        } else if (!guard_token_ok(req, f->control_token)) {
            control_error(resp, 401,
                          "the control API needs the token `tarmac sim` printed at start-up, "
                          "in an X-Tarmac-Sim-Token or Authorization: Bearer header");
            resp->www_authenticate = "Bearer realm=\"tarmac-sim\"";
        } else {
            control_handle(f, req, resp);
        }
        return;
    }

    sim_form form = { 0 };
    json_object *json = NULL;
    sim_route rt;
    sim_error err;
    bool has_target = sim_request_header(req, "X-Amz-Target") != NULL;
    int form_rc = 0;
    if (!has_target) {
        if (req->body_len)
            form_rc = sim_form_parse(req->body, req->body_len, &form);
        else if (req->query)
            form_rc = sim_form_parse(req->query, strlen(req->query), &form);
    }
    bool routed = route_identify(req, &form, &rt, &err);
    if (refused) { /* rt.proto is set even when the operation is unknown */
        sim_front_error(resp, rt.proto, refused_status, refusal_code(rt.proto, refused_status), refused);
        goto out;
    }
    if (!routed) {
        sim_front_error(resp, rt.proto, err.http_status, err.code, err.message);
        goto out;
    }
    if (form_rc != 0) {
        sim_front_error(resp, rt.proto, 400, rt.proto == SIM_PROTO_EC2 ? "InvalidParameterValue" : "ValidationError",
                        "Too many parameters");
        goto out;
    }

    pthread_mutex_lock(&f->lock);
    auth_params ap = {
        .proto = rt.proto,
        .service = rt.service,
        /* STS answers in every region (regional endpoints); the world's services in its own. */
        .region = f->world && !str_eq(rt.service, "sts") ? world_region(f->world) : NULL,
        .now = f->fixed_now,
        .secret = lookup_secret,
        .ud = f,
        .signer = f->signer,
    };
    sigv4_auth auth;
    memset(&auth, 0, sizeof auth);
    /* AssumeRoleWithWebIdentity is unsigned in the SDKs: the token is the proof */
    err = sts_unsigned_operation(rt.service, rt.op) && !sim_request_header(req, "Authorization")
        ? (sim_error){ 0 }
        : auth_check(req, &ap, &auth);
    if (!sim_ok(&err)) {
        pthread_mutex_unlock(&f->lock);
        sim_front_error(resp, rt.proto, err.http_status, err.code, err.message);
        goto out;
    }
    if (rt.index >= 0 && rt.index < SIM_OPS_MAX) {
        f->calls[rt.index]++;
        f->calls_total++;
    }
    fault_decision d;
    faults_decide(f, rt.service, rt.op, &d);
    if (faults_pre(&d, rt.proto, resp)) {
        pthread_mutex_unlock(&f->lock);
        goto out;
    }
    if (rt.proto == SIM_PROTO_JSON10 || rt.proto == SIM_PROTO_JSON11) {
        if (req->body_len) {
            json_tokener *tok = json_tokener_new_ex(64);
            json = json_tokener_parse_ex(tok, req->body, (int)req->body_len);
            bool complete = json_tokener_get_error(tok) == json_tokener_success;
            json_tokener_free(tok);
            if (!complete || !json || !json_object_is_type(json, json_type_object)) {
                pthread_mutex_unlock(&f->lock);
                sim_front_error(resp, rt.proto, 400, "SerializationException",
                                "Could not parse the request body as a JSON object");
                goto out;
            }
        } else {
            json = json_object_new_object();
        }
    }
    world_sync(f->world, f->fixed_mono_ms ? f->fixed_mono_ms : mono_now_ms());
    /* the SSO portal has no signer: its bearer token stands for the caller */
    const char *caller = auth.access_key_id;
    if (str_eq(rt.service, "awsssoportal"))
        caller = sim_request_header(req, "x-amz-sso_bearer_token");
    route_dispatch(f, &rt, &form, json, caller, resp);
    pthread_mutex_unlock(&f->lock);
    faults_post(&d, rt.proto, resp);
out:
    json_object_put(json);
    sim_form_free(&form);
}

/* ---------------- libmicrohttpd ---------------- */

static volatile sig_atomic_t server_stopping;

typedef struct conn_ctx {
    strbuf body;
    bool too_big;
    bool started;    /* the first call (headers only) has been seen */
    bool refused;    /* answered on that first call: nothing more is read or run */
    char *raw_query; /* as sent (SigV4 signs the raw form; MHD only gives decoded args) */
} conn_ctx;

/* Sees the request line's URI before libmicrohttpd parses it; what it returns becomes
 * the request's *con_cls. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    (void)conn;
    conn_ctx *cc = xcalloc(1, sizeof *cc);
    sb_init(&cc->body);
    const char *q = uri ? strchr(uri, '?') : NULL;
    if (q && q[1] && strlen(q + 1) < 16384)
        cc->raw_query = xstrdup(q + 1);
    return cc;
}

/* The request's headers into req (the first SIM_MAX_HEADERS); seen counts them all. */
typedef struct collect_ctx {
    sim_request *req;
    size_t seen;
} collect_ctx;

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    collect_ctx *c = cls;
    sim_request *req = c->req;
    c->seen++;
    if (req->n_headers < SIM_MAX_HEADERS) {
        req->headers[req->n_headers].name = key;
        req->headers[req->n_headers].value = value ? value : "";
        req->n_headers++;
    }
    return MHD_YES;
}

/* Method, path and headers; false when there are more headers than fit. */
static bool request_head(struct MHD_Connection *conn, const char *url, const char *method, sim_request *req)
{
    memset(req, 0, sizeof *req);
    req->method = method;
    req->path = url;
    collect_ctx c = { .req = req };
    MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_header, &c);
    return c.seen <= SIM_MAX_HEADERS;
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    strbuf *q = cls;
    if (q->len)
        sb_appendc(q, '&');
    sb_append_urlencoded(q, key, strlen(key));
    sb_appendc(q, '=');
    if (value)
        sb_append_urlencoded(q, value, strlen(value));
    return MHD_YES;
}

typedef struct drip {
    char *data;
    size_t len;
    size_t stop_at; /* truncation: error out here */
    int bps;        /* slow: bytes per second, 0 = all at once */
} drip;

static ssize_t drip_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    drip *d = cls;
    if (pos >= d->stop_at)
        return d->stop_at < d->len ? MHD_CONTENT_READER_END_WITH_ERROR : MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = d->stop_at - (size_t)pos;
    if (n > max)
        n = max;
    if (d->bps > 0) {
        /* A tenth of a second's worth per call. */
        size_t chunk = (size_t)(d->bps / 10) + 1;
        if (n > chunk)
            n = chunk;
        if (server_stopping)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        struct timespec ts = { 0, 100 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    memcpy(buf, d->data + pos, n);
    return (ssize_t)n;
}

static void drip_free(void *cls)
{
    drip *d = cls;
    free(d->data);
    free(d);
}

static void sleep_ms(int ms)
{
    while (ms > 0 && !server_stopping) {
        int step = ms > 50 ? 50 : ms;
        struct timespec ts = { 0, (long)step * 1000 * 1000 };
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

/* A plain-text answer the server gives itself, before the request is read. */
static void plain_answer(sim_front *f, sim_response *resp, int status, const char *text)
{
    new_request_id(f, resp);
    resp->status = status;
    resp->content_type = "text/plain";
    sb_reset(&resp->body);
    sb_append(&resp->body, text);
    sb_appendc(&resp->body, '\n');
}

/* Hands resp to libmicrohttpd (a fault may drop, cut or slow it). Frees resp. */
static enum MHD_Result send_answer(struct MHD_Connection *conn, sim_response *resp)
{
    if (resp->delay_ms > 0)
        sleep_ms(resp->delay_ms);
    if (resp->delivery == SIM_DELIVER_RESET) {
        sim_response_free(resp);
        return MHD_NO; /* libmicrohttpd closes the connection without an answer */
    }

    struct MHD_Response *r;
    if (resp->delivery == SIM_DELIVER_TRUNCATE || resp->delivery == SIM_DELIVER_SLOW) {
        drip *d = xcalloc(1, sizeof *d);
        d->len = resp->body.len;
        d->data = sb_steal(&resp->body);
        d->stop_at = resp->delivery == SIM_DELIVER_TRUNCATE ? d->len / 2 : d->len;
        d->bps = resp->delivery == SIM_DELIVER_SLOW ? resp->slow_bps : 0;
        r = MHD_create_response_from_callback(d->len, 4096, drip_read, d, drip_free);
    } else {
        r = MHD_create_response_from_buffer(resp->body.len, resp->body.buf, MHD_RESPMEM_MUST_COPY);
    }
    if (!r) {
        sim_response_free(resp);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", resp->content_type);
    MHD_add_response_header(r, "x-amzn-RequestId", resp->request_id);
    if (resp->error_type[0])
        MHD_add_response_header(r, "x-amzn-ErrorType", resp->error_type);
    if (resp->query_error[0])
        MHD_add_response_header(r, "x-amzn-query-error", resp->query_error);
    if (resp->www_authenticate)
        MHD_add_response_header(r, "WWW-Authenticate", resp->www_authenticate);
    if (resp->close)
        MHD_add_response_header(r, "Connection", "close");
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned)resp->status, r);
    MHD_destroy_response(r);
    sim_response_free(resp);
    return rc;
}

/* The first call, headers only: requests whose body could be read two ways, or
 * with more headers than the checks would see, are answered before any body is
 * read, on a connection that then closes. true when it answered. */
static bool refuse_early(sim_front *f, struct MHD_Connection *conn, const char *url, const char *method,
                         enum MHD_Result *rc)
{
    sim_request req;
    int status = 431;
    const char *why = "too many header fields";
    if (request_head(conn, url, method, &req))
        why = guard_framing_problem(&req, &status);
    if (!why)
        return false;
    sim_response resp;
    sim_response_init(&resp);
    plain_answer(f, &resp, status, why);
    resp.close = true;
    *rc = send_answer(conn, &resp);
    return true;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    sim_front *f = cls;
    conn_ctx *cc = *con_cls;
    if (!cc) { /* on_uri always runs first; this is only a safety net */
        cc = xcalloc(1, sizeof *cc);
        sb_init(&cc->body);
        *con_cls = cc;
    }
    if (!cc->started) {
        cc->started = true;
        enum MHD_Result rc;
        cc->refused = refuse_early(f, conn, url, method, &rc);
        return cc->refused ? rc : MHD_YES;
    }
    if (cc->refused) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (cc->body.len + *upload_data_size > SIM_MAX_BODY)
            cc->too_big = true;
        else
            sb_appendn(&cc->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }

    sim_request req;
    request_head(conn, url, method, &req);
    strbuf query;
    sb_init(&query);
    if (cc->raw_query) {
        req.query = cc->raw_query;
    } else {
        MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_arg, &query);
        req.query = query.len ? query.buf : NULL;
    }
    req.body = cc->body.buf;
    req.body_len = cc->body.len;

    sim_response resp;
    sim_response_init(&resp);
    if (cc->too_big)
        plain_answer(f, &resp, 413, "Request entity too large");
    else
        sim_front_handle(f, &req, &resp);
    sb_free(&query);
    return send_answer(conn, &resp);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    conn_ctx *cc = *con_cls;
    if (!cc)
        return;
    sb_free(&cc->body);
    free(cc->raw_query);
    free(cc);
    *con_cls = NULL;
}

int sim_server_start(sim_front *f, uint16_t port)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* loopback only, whatever the options say */
    server_stopping = 0;
    f->daemon = MHD_start_daemon(MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, port,
                                 NULL, NULL, on_request, f, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                 MHD_OPTION_URI_LOG_CALLBACK, on_uri, f, MHD_OPTION_NOTIFY_COMPLETED, on_completed, f,
                                 /* A client that opens connections and sends nothing (or half a
                                  * request) holds at most this many, each for this long. There is
                                  * no per-IP limit: every client is 127.0.0.1. */
                                 MHD_OPTION_CONNECTION_LIMIT, (unsigned)SIM_MAX_CONNECTIONS,
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SIM_IDLE_TIMEOUT_S, MHD_OPTION_END);
    if (!f->daemon) {
        fprintf(stderr, "tarmac sim: cannot listen on 127.0.0.1:%u\n", (unsigned)port);
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(f->daemon, MHD_DAEMON_INFO_BIND_PORT);
    f->port = info ? info->port : port;
    return 0;
}

void sim_server_stop(sim_front *f)
{
    if (!f->daemon)
        return;
    server_stopping = 1;
    MHD_stop_daemon(f->daemon);
    f->daemon = NULL;
}
