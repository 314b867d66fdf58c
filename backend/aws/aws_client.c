/* aws_client.c — the AWS client core (see aws.h): builds Query/EC2 and JSON requests,
 * signs each attempt afresh, sends them through the curl multi engine (http.h),
 * decodes error envelopes (aws_errors.c), retries as retry.c decides with backoff
 * timers in the caller's loop, follows pagination and keeps a log of calls.
 * Callbacks run from aws_client_run(); they may start and page calls but must not
 * free the client. */
#include "aws/aws.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws_errors.h"
#include "aws/endpoints.h"
#include "aws/http.h"
#include "aws/retry.h"
#include "aws/sigv4.h"

#ifndef TARMAC_VERSION
#define TARMAC_VERSION "0"
#endif

#define AWS_CLOCK_SKEW_MAX_MS (15 * 60 * 1000) /* AWS's own window for a request's time */

typedef struct aws_endpoint {
    const aws_service *svc;
    char *url;               /* as resolved, e.g. "https://autoscaling.eu-west-1.amazonaws.com" */
    char *host;              /* Host header: host[:port] when the port is not the scheme's default */
    char *path;              /* "/" unless the endpoint URL has a path */
    int64_t clock_offset_ms; /* server clock minus ours, learnt from skew errors of this host */
} aws_endpoint;

typedef struct aws_call_ctx aws_call_ctx;
struct aws_call_ctx {
    aws_client *c;
    const aws_service *svc;
    const aws_endpoint *ep;
    char operation[64];
    char *params; /* the caller's body, copied */
    size_t params_len;
    bool mutating;
    aws_done_fn done;
    void *ud;
    int attempts;
    int last_cost; /* retry quota taken by the last retry */
    bool skew_used;
    char note[64]; /* for the call log (aws_call_record.note) */
    int64_t start_mono;
    aws_time start_wall;
    int64_t due_mono;    /* > 0: waiting to be sent again at this time */
    http_transfer *xfer; /* in flight */
    bool waiting_creds;  /* queued until a credentials refresh ends */
    bool refreshed;      /* already resent once after an expired-token error */
    bool refresh_failed; /* the refresh it waited for failed: finish with that */
    aws_budget budget;   /* what its answer brought in (a paged call has its own) */
    char *held;          /* a 2xx answer held for the next run (held_status > 0) */
    size_t held_len;
    long held_status;
    char held_request_id[96];
    aws_call_ctx *prev, *next;
};

struct aws_client {
    char *region;
    char *endpoint_url;
    char *profile;
    endpoint_profile_fn endpoint_profile; /* how profile's endpoint settings are read (or NULL) */
    aws_credentials creds;
    int max_attempts;
    long connect_timeout_ms, timeout_ms;
    http_engine *http;
    sigv4_signer *signer;
    retry_quota quota; /* shared by every call, as botocore's per client */
    size_t run_bytes;  /* answer bytes handed to callbacks in this aws_client_run */
    VEC(aws_endpoint) endpoints;
    aws_call_ctx *calls;
    size_t n_calls;
    bool closing;              /* aws_client_free is cancelling: no new calls */
    aws_refresh_fn refresh_fn; /* asked for new credentials; NULL: none */
    void *refresh_ud;
    bool refreshing;         /* a refresh is in flight: calls queue */
    char refresh_error[320]; /* why the last refresh failed */
    /* Ring of records, each stored twice (i and i + SIZE) so the newest
     * AWS_CALL_LOG_SIZE are always one contiguous run. */
    aws_call_record log[2 * AWS_CALL_LOG_SIZE];
    uint64_t log_total;
};

/* ---------------- errors and query helpers ---------------- */

void aws_error_set(aws_error *err, int http_status, const char *code, const char *fmt, ...)
{
    if (!err)
        return;
    memset(err, 0, sizeof(*err));
    err->http_status = http_status;
    str_copy(err->code, sizeof(err->code), code ? code : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
}

void aws_error_format(const aws_error *err, char *buf, size_t len)
{
    if (!buf || len == 0)
        return;
    if (!err) {
        buf[0] = '\0';
        return;
    }
    strbuf sb;
    sb_init(&sb);
    if (err->operation[0])
        sb_printf(&sb, "%.*s: ", (int)sizeof(err->operation), err->operation);
    sb_printf(&sb, "%.*s", (int)sizeof(err->code), err->code[0] ? err->code : "Error");
    if (err->message[0])
        sb_printf(&sb, ": %.*s", (int)sizeof(err->message), err->message);
    str_copy(buf, len, sb.buf);
    sb_free(&sb);
}

void aws_error_limit(aws_error *err, const char *code, const char *service, const char *operation, const char *fmt, ...)
{
    if (!err)
        return;
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    aws_error_set(err, 0, code, "more than %s (a limit of tarmac: LIMITS in tarmac(1))", what);
    err->service = service;
    str_copy(err->operation, sizeof(err->operation), operation ? operation : "");
}

void aws_query_param(strbuf *sb, const char *key, const char *value)
{
    if (sb->len > 0)
        sb_appendc(sb, '&');
    sb_append_urlencoded(sb, key, strlen(key));
    sb_appendc(sb, '=');
    if (value)
        sb_append_urlencoded(sb, value, strlen(value));
}

void aws_query_param_int(strbuf *sb, const char *key, long value)
{
    char num[32];
    snprintf(num, sizeof(num), "%ld", value);
    aws_query_param(sb, key, num);
}

/* ---------------- client ---------------- */

static bool region_ok(const char *r)
{
    size_t n = strlen(r);
    if (n == 0 || n > 40)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= '0' && r[i] <= '9') || r[i] == '-'))
            return false;
    return true;
}

static int env_max_attempts(void)
{
    const char *v = getenv("AWS_MAX_ATTEMPTS");
    if (str_empty(v))
        return 0;
    char *end = NULL;
    long n = strtol(v, &end, 10);
    if (*end != '\0' || n < 1)
        return 0;
    return n > 20 ? 20 : (int)n;
}

static void endpoint_done(aws_endpoint *ep)
{
    free(ep->url);
    free(ep->host);
    free(ep->path);
}

/* Splits a resolved URL into what the request needs (Host header, signing path). */
static int endpoint_parse(aws_endpoint *ep, const char *url, aws_error *err)
{
    CURLU *u = curl_url();
    if (!u)
        util_fatal("out of memory");
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
    int rc = -1;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        aws_error_set(err, 0, "InvalidEndpoint", "cannot parse the endpoint URL");
        goto out;
    }
    if (!str_eq(scheme, "http") && !str_eq(scheme, "https")) {
        aws_error_set(err, 0, "InvalidEndpoint", "endpoint URL must be http:// or https://");
        goto out;
    }
    if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
        port = NULL;
    if (curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
        path = NULL;
    bool default_port =
        !port || (str_eq(scheme, "http") && str_eq(port, "80")) || (str_eq(scheme, "https") && str_eq(port, "443"));
    ep->url = xstrdup(url);
    ep->host = default_port ? xstrdup(host) : xasprintf("%s:%s", host, port);
    ep->path = xstrdup(str_empty(path) ? "/" : path);
    rc = 0;
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_url_cleanup(u);
    return rc;
}

static int resolve_url(aws_client *c, const aws_service *svc, char **url, aws_error *err)
{
    strbuf msg;
    sb_init(&msg);
    int rc = endpoint_for(svc, c->region, c->endpoint_url, c->profile, c->endpoint_profile, url, &msg);
    if (rc != 0)
        aws_error_set(err, 0, "InvalidEndpoint", "%s", msg.len ? msg.buf : "cannot resolve the endpoint");
    sb_free(&msg);
    return rc;
}

/* Endpoint of a service, resolved on first use and cached. */
static const aws_endpoint *client_endpoint(aws_client *c, const aws_service *svc, aws_error *err)
{
    for (size_t i = 0; i < c->endpoints.n; i++)
        if (c->endpoints.items[i].svc == svc)
            return &c->endpoints.items[i];
    char *url = NULL;
    if (resolve_url(c, svc, &url, err) != 0)
        return NULL;
    aws_endpoint ep = { .svc = svc };
    int rc = endpoint_parse(&ep, url, err);
    free(url);
    if (rc != 0)
        return NULL;
    /* Calls keep pointers to entries: the vector is sized once, never moved. */
    if (c->endpoints.n == c->endpoints.cap) {
        endpoint_done(&ep);
        aws_error_set(err, 0, "InvalidEndpoint", "too many services");
        return NULL;
    }
    /* A host's clock is the host's: a service resolved later to the same host takes it. */
    for (size_t i = 0; i < c->endpoints.n; i++)
        if (str_eq(c->endpoints.items[i].host, ep.host))
            ep.clock_offset_ms = c->endpoints.items[i].clock_offset_ms;
    c->endpoints.items[c->endpoints.n] = ep;
    return &c->endpoints.items[c->endpoints.n++];
}

aws_client *aws_client_new(const aws_client_config *cfg, aws_error *err)
{
    if (!cfg || str_empty(cfg->region)) {
        aws_error_set(err, 0, "NoRegion", "no AWS region: set AWS_REGION or pass --region");
        return NULL;
    }
    if (!region_ok(cfg->region)) {
        aws_error_set(err, 0, "NoRegion", "invalid region name");
        return NULL;
    }
    if (!cfg->credentials || str_empty(cfg->credentials->access_key_id) ||
        str_empty(cfg->credentials->secret_access_key)) {
        aws_error_set(err, 0, "NoCredentials", "no AWS credentials");
        return NULL;
    }
    strbuf why;
    sb_init(&why);
    if (aws_credentials_check(cfg->credentials, cfg->credentials->source, &why) != 0) {
        aws_error_set(err, 0, "NoCredentials", "%s", why.buf);
        sb_free(&why);
        return NULL;
    }
    sb_free(&why);
    aws_client *c = xcalloc(1, sizeof(*c));
    c->region = xstrdup(cfg->region);
    c->endpoint_url = str_empty(cfg->endpoint_url) ? NULL : xstrdup(cfg->endpoint_url);
    c->profile = xstrdup(cfg->profile);
    c->endpoint_profile = cfg->endpoint_profile;
    aws_credentials_copy(&c->creds, cfg->credentials);
    c->max_attempts = cfg->max_attempts > 0 ? cfg->max_attempts : env_max_attempts();
    if (c->max_attempts <= 0)
        c->max_attempts = 3;
    c->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 3000;
    c->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 30000;
    retry_quota_init(&c->quota);
    c->endpoints.cap = 32;
    c->endpoints.items = xcalloc(c->endpoints.cap, sizeof(aws_endpoint));
    c->signer = sigv4_signer_new();
    c->http = http_engine_new();
    if (!c->http || !c->signer) {
        aws_error_set(err, 0, "NetworkError", "cannot start the HTTP engine");
        aws_client_free(c);
        return NULL;
    }
    /* A bad --endpoint-url is a configuration error, reported now (whichever
     * services a more specific setting takes away from it). */
    if (c->endpoint_url) {
        char *checked = NULL;
        strbuf msg;
        sb_init(&msg);
        if (endpoint_check_url(c->endpoint_url, "--endpoint-url", &checked, &msg) != 0) {
            aws_error_set(err, 0, "InvalidEndpoint", "%s", msg.buf);
            sb_free(&msg);
            aws_client_free(c);
            return NULL;
        }
        sb_free(&msg);
        free(checked);
    }
    return c;
}

static void call_free(aws_call_ctx *x)
{
    free(x->params);
    free(x->held);
    free(x);
}

static void call_unlink(aws_client *c, aws_call_ctx *x)
{
    if (x->prev)
        x->prev->next = x->next;
    else
        c->calls = x->next;
    if (x->next)
        x->next->prev = x->prev;
    x->prev = x->next = NULL;
    c->n_calls--;
}

static void call_finish(aws_call_ctx *x, const aws_response *resp, aws_error *err);
static void refresh_start(aws_client *c);

void aws_client_free(aws_client *c)
{
    if (!c)
        return;
    /* Every owner hears of the end of its call once, with "Cancelled", so it can free
     * what it holds; no new call can start from those callbacks. */
    c->closing = true;
    while (c->calls) {
        aws_call_ctx *x = c->calls;
        if (x->xfer)
            http_cancel(c->http, x->xfer);
        x->xfer = NULL;
        aws_error err;
        aws_error_set(&err, 0, "Cancelled", "the client was closed");
        call_finish(x, NULL, &err);
    }
    http_engine_free(c->http);
    sigv4_signer_free(c->signer);
    aws_credentials_free(&c->creds);
    for (size_t i = 0; i < c->endpoints.n; i++)
        endpoint_done(&c->endpoints.items[i]);
    VEC_FREE(c->endpoints);
    free(c->region);
    free(c->endpoint_url);
    free(c->profile);
    free(c);
}

const char *aws_client_region(const aws_client *c)
{
    return c ? c->region : NULL;
}

/* ---------------- call log ---------------- */

static void log_call(aws_client *c, const aws_call_ctx *x, long status, const char *request_id, const char *code,
                     const char *message)
{
    aws_call_record r = {
        .when = x->start_wall,
        .service = x->svc->id,
        .http_status = status,
        .retries = x->attempts > 0 ? x->attempts - 1 : 0,
    };
    int64_t ms = mono_now_ms() - x->start_mono;
    r.latency_ms = ms > INT_MAX ? INT_MAX : (int)ms;
    str_copy(r.operation, sizeof(r.operation), x->operation);
    str_copy(r.request_id, sizeof(r.request_id), request_id ? request_id : "");
    str_copy(r.error_code, sizeof(r.error_code), code ? code : "");
    str_copy(r.note, sizeof(r.note), x->note);
    str_copy(r.message, sizeof(r.message), message ? message : "");
    aws_params_for_log(x->svc->protocol, x->params, x->params_len, r.params, sizeof r.params);
    r.mutating = x->mutating;
    size_t i = (size_t)(c->log_total % AWS_CALL_LOG_SIZE);
    c->log[i] = r;
    c->log[i + AWS_CALL_LOG_SIZE] = r;
    c->log_total++;
}

size_t aws_client_call_log(const aws_client *c, const aws_call_record **records)
{
    if (c->log_total <= AWS_CALL_LOG_SIZE) {
        *records = c->log;
        return (size_t)c->log_total;
    }
    *records = &c->log[c->log_total % AWS_CALL_LOG_SIZE];
    return AWS_CALL_LOG_SIZE;
}

/* ---------------- one attempt ---------------- */

static void on_http_done(http_engine *e, const http_result *res, void *ud);

static int send_attempt(aws_call_ctx *x, aws_error *err)
{
    aws_client *c = x->c;
    const aws_service *svc = x->svc;
    bool json = svc->protocol == AWS_PROTO_JSON_1_0 || svc->protocol == AWS_PROTO_JSON_1_1;

    strbuf body;
    sb_init(&body);
    char target[160] = "";
    const char *content_type;
    if (json) {
        content_type =
            svc->protocol == AWS_PROTO_JSON_1_0 ? "application/x-amz-json-1.0" : "application/x-amz-json-1.1";
        snprintf(target, sizeof(target), "%s.%s", svc->target_prefix ? svc->target_prefix : "", x->operation);
        if (x->params && x->params_len)
            sb_appendn(&body, x->params, x->params_len);
        else
            sb_append(&body, "{}");
    } else {
        content_type = "application/x-www-form-urlencoded; charset=utf-8";
        aws_query_param(&body, "Action", x->operation);
        aws_query_param(&body, "Version", svc->api_version);
        if (x->params && x->params_len) {
            sb_appendc(&body, '&');
            sb_appendn(&body, x->params, x->params_len);
        }
    }

    sigv4_header sh[4];
    size_t nsh = 0;
    sh[nsh++] = (sigv4_header){ "host", x->ep->host };
    sh[nsh++] = (sigv4_header){ "content-type", content_type };
    if (json)
        sh[nsh++] = (sigv4_header){ "x-amz-target", target };
    /* CloudWatch's JSON protocol is "awsQueryCompatible": errors carry Query codes. */
    if (svc->protocol == AWS_PROTO_JSON_1_0)
        sh[nsh++] = (sigv4_header){ "x-amzn-query-mode", "true" };

    /* Re-signed on every attempt, with the clock corrected by what this host said. */
    int64_t now_ms = time_now_ms() + x->ep->clock_offset_ms;
    sigv4_input in = {
        .method = "POST",
        .path = x->ep->path,
        .headers = sh,
        .n_headers = nsh,
        .body = body.buf,
        .body_len = body.len,
        .region = c->region,
        .service = svc->signing_name,
        .now = (time_t)(now_ms / 1000),
        .normalize_path = true,
    };
    sigv4_output out;
    memset(&out, 0, sizeof(out));
    if (sigv4_sign(c->signer, &in, &c->creds, &out) != 0) {
        sigv4_output_free(&out);
        sb_free(&body);
        aws_error_set(err, 0, "SigningError", "cannot sign the request");
        return -1;
    }

    char *lines[10];
    size_t n = 0;
    lines[n++] = xasprintf("Host: %s", x->ep->host);
    lines[n++] = xasprintf("Content-Type: %s", content_type);
    if (json)
        lines[n++] = xasprintf("X-Amz-Target: %s", target);
    if (svc->protocol == AWS_PROTO_JSON_1_0)
        lines[n++] = xstrdup("x-amzn-query-mode: true");
    lines[n++] = xasprintf("X-Amz-Date: %s", out.amz_date);
    lines[n++] = xasprintf("Authorization: %s", out.authorization);
    if (out.security_token)
        lines[n++] = xasprintf("X-Amz-Security-Token: %s", out.security_token);
    lines[n++] = xstrdup("User-Agent: tarmac/" TARMAC_VERSION);
    lines[n++] = xstrdup("Accept:");

    http_request hr = {
        .method = "POST",
        .url = x->ep->url,
        .headers = (const char *const *)lines,
        .n_headers = n,
        .body = body.buf,
        .body_len = body.len,
        .connect_timeout_ms = c->connect_timeout_ms,
        .timeout_ms = c->timeout_ms,
    };
    strbuf herr;
    sb_init(&herr);
    x->xfer = http_submit(c->http, &hr, on_http_done, x, &herr);
    for (size_t i = 0; i < n; i++)
        secret_free(lines[i]);
    sigv4_output_free(&out);
    sb_free(&body);
    if (!x->xfer) {
        aws_error_set(err, 0, "NetworkError", "%s", herr.buf);
        sb_free(&herr);
        return -1;
    }
    sb_free(&herr);
    x->attempts++;
    return 0;
}

/* Ends a call: log it, take it off the list, tell the caller, free it. */
static void call_finish(aws_call_ctx *x, const aws_response *resp, aws_error *err)
{
    aws_client *c = x->c;
    if (err) {
        err->attempts = x->attempts;
        err->service = x->svc->id;
        str_copy(err->operation, sizeof(err->operation), x->operation);
        log_call(c, x, err->http_status, err->request_id, err->code, err->message);
    } else {
        log_call(c, x, resp->http_status, resp->request_id, NULL, NULL);
    }
    call_unlink(c, x);
    if (x->done)
        x->done(c, err ? NULL : resp, err, x->ud);
    call_free(x);
}

static void transport_error(const http_result *res, aws_error *err)
{
    const char *code = "NetworkError";
    switch (res->curl_code) {
    case CURLE_OPERATION_TIMEDOUT:
        code = "Timeout";
        break;
    case CURLE_WRITE_ERROR:
        if (res->body_too_large)
            code = "MalformedResponse";
        break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
        code = "TLSError";
        break;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        code = "InvalidEndpoint";
        break;
    default:
        break;
    }
    if (res->body_too_large)
        aws_error_set(err, 0, code, "answer larger than %u bytes", (unsigned)HTTP_MAX_BODY);
    else
        aws_error_set(err, 0, code, "%s", res->error[0] ? res->error : curl_easy_strerror(res->curl_code));
    err->transport = true;
}

bool aws_error_is_expired_token(const char *code)
{
    static const char *const codes[] = { "ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId",
                                         "UnrecognizedClientException", "RequestExpired" };
    for (size_t i = 0; code && i < ARRAY_LEN(codes); i++)
        if (!strcmp(code, codes[i]))
            return true;
    return false;
}

/* Asks the owner for new credentials once; calls queue until it answers. */
static void refresh_start(aws_client *c)
{
    if (c->refreshing || !c->refresh_fn)
        return;
    c->refreshing = true;
    c->refresh_fn(c, c->refresh_ud); /* may answer at once (headless) */
}

/* Queued calls become due now: aws_client_run sends (or fails) them. */
static void release_waiting(aws_client *c, bool failed)
{
    for (aws_call_ctx *x = c->calls; x; x = x->next) {
        if (!x->waiting_creds)
            continue;
        x->waiting_creds = false;
        x->refresh_failed = failed;
        x->due_mono = mono_now_ms();
        if (x->due_mono <= 0)
            x->due_mono = 1;
    }
}

void aws_client_set_refresh(aws_client *c, aws_refresh_fn fn, void *ud)
{
    c->refresh_fn = fn;
    c->refresh_ud = ud;
}

void aws_client_set_credentials(aws_client *c, const aws_credentials *cr)
{
    if (!c || !cr || str_empty(cr->access_key_id) || str_empty(cr->secret_access_key))
        return;
    aws_credentials_free(&c->creds);
    aws_credentials_copy(&c->creds, cr);
    c->refreshing = false;
    c->refresh_error[0] = '\0';
    release_waiting(c, false);
}

void aws_client_refresh_failed(aws_client *c, const char *message)
{
    if (!c)
        return;
    c->refreshing = false;
    str_copy(c->refresh_error, sizeof(c->refresh_error), message ? message : "credentials could not be refreshed");
    release_waiting(c, true);
}

bool aws_client_refreshing(const aws_client *c)
{
    return c && c->refreshing;
}

const aws_credentials *aws_client_credentials(const aws_client *c)
{
    return c ? &c->creds : NULL;
}

/* "42s", "14m", "3h", "9d", "10y": a clock difference at a glance. */
static void short_duration(int64_t ms, char *buf, size_t len)
{
    int64_t s = ((ms < 0 ? -ms : ms) + 500) / 1000;
    static const struct {
        int64_t secs;
        const char *unit;
    } units[] = { { 365 * 86400, "y" }, { 86400, "d" }, { 3600, "h" }, { 60, "m" }, { 1, "s" } };
    size_t u = 0;
    while (u + 1 < ARRAY_LEN(units) && s < 2 * units[u].secs)
        u++;
    long long n = (long long)((s + units[u].secs / 2) / units[u].secs); /* rounded: Date has 1-s steps */
    snprintf(buf, len, "%c%lld%s", ms < 0 ? '-' : '+', n, units[u].unit);
}

/* A server's Date moves the signing clock of its own host only (every service
 * reached there), and at most AWS_CLOCK_SKEW_MAX_MS either way: AWS refuses requests
 * more than 15 minutes off, so no real correction is larger, and one hostile answer
 * cannot make every later request sign for another year. Noted in the call log. */
static void skew_learn(aws_client *c, aws_call_ctx *x, int64_t server_minus_ours)
{
    int64_t off = server_minus_ours;
    bool bounded = off > AWS_CLOCK_SKEW_MAX_MS || off < -AWS_CLOCK_SKEW_MAX_MS;
    if (off > AWS_CLOCK_SKEW_MAX_MS)
        off = AWS_CLOCK_SKEW_MAX_MS;
    if (off < -AWS_CLOCK_SKEW_MAX_MS)
        off = -AWS_CLOCK_SKEW_MAX_MS;
    for (size_t i = 0; i < c->endpoints.n; i++)
        if (str_eq(c->endpoints.items[i].host, x->ep->host))
            c->endpoints.items[i].clock_offset_ms = off;
    char used[24], asked[24];
    short_duration(off, used, sizeof(used));
    short_duration(server_minus_ours, asked, sizeof(asked));
    if (bounded)
        snprintf(x->note, sizeof(x->note), "clock %s, capped (%s)", used, asked);
    else
        snprintf(x->note, sizeof(x->note), "clock %s", used);
}

static void on_http_done(http_engine *e, const http_result *res, void *ud)
{
    (void)e;
    aws_call_ctx *x = ud;
    aws_client *c = x->c;
    x->xfer = NULL;
    if (res->curl_code == CURLE_OK && res->status >= 200 && res->status < 300) {
        retry_quota_release(&c->quota, x->last_cost);
        if (c->run_bytes >= AWS_RUN_ANSWER_BYTES) {
            /* Enough decoding for this run: the owner's loop reads its keys first. */
            x->held = xmalloc(res->body_len + 1);
            if (res->body_len)
                memcpy(x->held, res->body, res->body_len);
            x->held[res->body_len] = '\0';
            x->held_len = res->body_len;
            x->held_status = res->status;
            str_copy(x->held_request_id, sizeof(x->held_request_id), res->request_id);
            return;
        }
        c->run_bytes += res->body_len;
        aws_response resp = {
            .http_status = res->status,
            .body = res->body,
            .body_len = res->body_len,
            .request_id = res->request_id,
            .budget = &x->budget,
        };
        call_finish(x, &resp, NULL);
        return;
    }
    aws_error err;
    if (res->curl_code != CURLE_OK) {
        transport_error(res, &err);
    } else {
        memset(&err, 0, sizeof(err));
        aws_error_headers hdrs = { res->request_id, res->error_type, res->query_error };
        aws_errors_decode(x->svc->protocol, res->status, res->body, res->body_len, &hdrs, &err);
    }
    if (c->refresh_fn && !x->refreshed && aws_error_is_expired_token(err.code)) {
        /* revoked or expired credentials: one refresh, then the same call again */
        x->refreshed = true;
        x->waiting_creds = true;
        refresh_start(c);
        return;
    }
    int64_t now = time_now_ms();
    retry_input in = {
        .http_status = err.http_status,
        .error_code = err.code,
        .error_message = err.message,
        .transport = err.transport,
        .maybe_sent = res->maybe_sent,
        .mutating = x->mutating,
        .skew_ms = res->date ? res->date - (now + x->ep->clock_offset_ms) : 0,
    };
    retry_class cls = retry_classify(&in);
    if (!retry_should_retry(cls, x->attempts, c->max_attempts, x->skew_used)) {
        call_finish(x, NULL, &err);
        return;
    }
    int64_t delay = 0;
    if (cls == RETRY_CLOCK_SKEW) {
        x->skew_used = true;
        /* Date has a one-second resolution; good enough for a 15-minute window. */
        if (res->date)
            skew_learn(c, x, res->date - now);
    } else {
        if (!retry_quota_acquire(&c->quota, str_eq(err.code, "Timeout"), &x->last_cost)) {
            call_finish(x, NULL, &err); /* the retry budget is spent: fail fast */
            return;
        }
        delay = retry_backoff_ms(cls, x->attempts, retry_random());
    }
    x->due_mono = mono_now_ms() + delay;
    if (x->due_mono <= 0)
        x->due_mono = 1;
}

/* ---------------- calls ---------------- */

static int call_start(aws_client *c, const aws_request *req, aws_done_fn done, void *ud, aws_error *err)
{
    if (!c || !req || !req->svc || str_empty(req->operation)) {
        aws_error_set(err, 0, "InvalidRequest", "missing service or operation");
        return -1;
    }
    if (c->closing) {
        aws_error_set(err, 0, "Cancelled", "the client is closing");
        return -1;
    }
    if (c->n_calls >= AWS_MAX_CALLS) {
        /* A call per name in a server's list must not fan out without end. */
        aws_error_limit(err, "TooManyCalls", req->svc->id, req->operation, "%d calls at once", AWS_MAX_CALLS);
        return -1;
    }
    if (strlen(req->operation) >= sizeof(((aws_call_ctx *)0)->operation)) {
        aws_error_set(err, 0, "InvalidRequest", "operation name too long");
        return -1;
    }
    const aws_endpoint *ep = client_endpoint(c, req->svc, err);
    if (!ep) {
        if (err) {
            err->service = req->svc->id;
            str_copy(err->operation, sizeof(err->operation), req->operation);
        }
        return -1;
    }
    aws_call_ctx *x = xcalloc(1, sizeof(*x));
    x->c = c;
    x->svc = req->svc;
    x->ep = ep;
    str_copy(x->operation, sizeof(x->operation), req->operation);
    if (req->body) {
        x->params_len = req->body_len;
        x->params = xmalloc(req->body_len + 1);
        memcpy(x->params, req->body, req->body_len);
        x->params[req->body_len] = '\0';
    }
    x->mutating = req->mutating;
    x->done = done;
    x->ud = ud;
    x->start_mono = mono_now_ms();
    x->start_wall = time_now_ms();
    x->next = c->calls;
    if (c->calls)
        c->calls->prev = x;
    c->calls = x;
    c->n_calls++;
    if (c->refresh_fn &&
        (c->refreshing || (c->creds.expiration && c->creds.expiration - time_now_ms() < AWS_REFRESH_AHEAD_MS))) {
        x->waiting_creds = true; /* sent once fresh credentials arrive */
        refresh_start(c);
        return 0;
    }
    aws_error tmp;
    if (send_attempt(x, err ? err : &tmp) != 0) {
        call_unlink(c, x);
        call_free(x);
        return -1;
    }
    return 0;
}

int aws_call(aws_client *c, const aws_request *req, aws_done_fn done, void *ud, aws_error *err)
{
    return call_start(c, req, done, ud, err);
}

/* ---------------- limits ---------------- */

int aws_budget_items(aws_budget *b, size_t n, const char *service, const char *operation, aws_error *err)
{
    if (!b)
        return 0;
    if (n > AWS_MAX_CALL_ITEMS - b->items) {
        aws_error_limit(err, "TooManyItems", service, operation, "%lu list entries in one call",
                        (unsigned long)AWS_MAX_CALL_ITEMS);
        return -1;
    }
    b->items += n;
    return 0;
}

int aws_budget_bytes(aws_budget *b, size_t n, const char *service, const char *operation, aws_error *err)
{
    if (!b)
        return 0;
    if (n > AWS_MAX_CALL_BYTES - b->bytes) {
        aws_error_limit(err, "ResponseTooLarge", service, operation, "%lu MiB of answers in one call",
                        (unsigned long)(AWS_MAX_CALL_BYTES >> 20));
        return -1;
    }
    b->bytes += n;
    return 0;
}

/* ---------------- pagination ---------------- */

void aws_pages_init(aws_pages *ps, const aws_service *svc, const char *operation, aws_budget *budget)
{
    memset(ps, 0, sizeof(*ps));
    ps->svc = svc;
    str_copy(ps->operation, sizeof(ps->operation), operation);
    ps->budget = budget ? budget : &ps->own;
}

void aws_pages_done(aws_pages *ps)
{
    VEC_FREE(ps->seen);
}

static uint64_t token_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int pages_fail(aws_pages *ps, const aws_response *resp, aws_error *err)
{
    err->http_status = (int)resp->http_status;
    err->service = ps->svc->id;
    str_copy(err->operation, sizeof(err->operation), ps->operation);
    return -1;
}

int aws_pages_take(aws_pages *ps, const aws_response *resp, aws_page_parse_fn parse, void *ud, char **next_token,
                   aws_error *err)
{
    *next_token = NULL;
    ps->pages++;
    memset(err, 0, sizeof(*err));
    if (aws_budget_bytes(ps->budget, resp->body_len, ps->svc->id, ps->operation, err) != 0)
        return pages_fail(ps, resp, err);
    aws_response page = *resp;
    page.budget = ps->budget;
    char *next = NULL;
    if (parse(ud, &page, &next, err) != 0) {
        free(next);
        if (!err->code[0])
            aws_error_set(err, 0, "MalformedResponse", "cannot read page %d", ps->pages);
        return pages_fail(ps, resp, err);
    }
    if (str_empty(next)) {
        free(next);
        return 0;
    }
    uint64_t h = token_hash(next);
    bool repeated = false;
    for (size_t i = 0; i < ps->seen.n; i++)
        if (ps->seen.items[i] == h)
            repeated = true;
    if (repeated || ps->pages >= AWS_MAX_PAGES) {
        free(next);
        if (repeated)
            aws_error_set(err, 0, "TooManyPages", "pagination token repeated after %d pages", ps->pages);
        else
            aws_error_limit(err, "TooManyPages", NULL, NULL, "%d pages in one call", AWS_MAX_PAGES);
        return pages_fail(ps, resp, err);
    }
    VEC_PUSH(ps->seen, h);
    *next_token = next;
    return 1;
}

typedef struct aws_pager {
    aws_client *c;
    aws_pages ps;
    aws_page_body_fn body;
    aws_page_parse_fn parse;
    aws_pages_done_fn done;
    void *ud;
    char *token; /* for the next page */
} aws_pager;

static void pager_free(aws_pager *p)
{
    free(p->token);
    aws_pages_done(&p->ps);
    free(p);
}

static void pager_page_done(aws_client *c, const aws_response *resp, const aws_error *err, void *ud);

static int pager_next(aws_pager *p, aws_error *err)
{
    size_t len = 0;
    char *body = p->body(p->ud, p->token, &len);
    aws_request req = { .svc = p->ps.svc, .operation = p->ps.operation, .body = body, .body_len = body ? len : 0 };
    int rc = call_start(p->c, &req, pager_page_done, p, err);
    free(body);
    return rc;
}

/* Ends the paged call: done() once, with err NULL when every page was read. */
static void pager_end(aws_pager *p, const aws_error *err)
{
    p->done(p->c, err, p->ud);
    pager_free(p);
}

static void pager_page_done(aws_client *c, const aws_response *resp, const aws_error *err, void *ud)
{
    (void)c;
    aws_pager *p = ud;
    if (err) {
        pager_end(p, err);
        return;
    }
    aws_error perr;
    char *next = NULL;
    int rc = aws_pages_take(&p->ps, resp, p->parse, p->ud, &next, &perr);
    if (rc <= 0) {
        pager_end(p, rc < 0 ? &perr : NULL);
        return;
    }
    free(p->token);
    p->token = next;
    if (pager_next(p, &perr) != 0) {
        perr.service = p->ps.svc->id;
        str_copy(perr.operation, sizeof(perr.operation), p->ps.operation);
        pager_end(p, &perr);
    }
}

int aws_call_paged(aws_client *c, const aws_service *svc, const char *operation, aws_page_body_fn body,
                   aws_page_parse_fn parse, aws_pages_done_fn done, void *ud, aws_budget *budget, aws_error *err)
{
    if (!c || !svc || str_empty(operation) || !body || !parse || !done ||
        strlen(operation) >= sizeof(((aws_pages *)0)->operation)) {
        aws_error_set(err, 0, "InvalidRequest", "bad paged call");
        return -1;
    }
    aws_pager *p = xcalloc(1, sizeof(*p));
    p->c = c;
    aws_pages_init(&p->ps, svc, operation, budget);
    p->body = body;
    p->parse = parse;
    p->done = done;
    p->ud = ud;
    if (pager_next(p, err) != 0) {
        pager_free(p);
        return -1;
    }
    return 0;
}

/* ---------------- event loop ---------------- */

/* Milliseconds until the next retry is due: -1 when none waits, 0 when one is due
 * or an answer is held. */
static int64_t next_due_in(const aws_client *c)
{
    int64_t best = -1, now = mono_now_ms();
    for (const aws_call_ctx *x = c->calls; x; x = x->next) {
        if (x->held_status)
            return 0;
        if (x->due_mono <= 0)
            continue;
        int64_t in = x->due_mono > now ? x->due_mono - now : 0;
        if (best < 0 || in < best)
            best = in;
    }
    return best;
}

int aws_client_wait(aws_client *c, struct curl_waitfd *extra, unsigned n_extra, int max_wait_ms)
{
    int64_t due = next_due_in(c);
    int64_t wait = max_wait_ms;
    if (due >= 0 && (wait < 0 || due < wait))
        wait = due;
    if (wait > INT_MAX)
        wait = INT_MAX;
    /* the loops count in mono_now_ms() time, which the test clock may speed up */
    return http_wait(c->http, extra, n_extra, wait >= 0 ? clock_real_wait_ms((int)wait) : -1);
}

/* Hands held answers to their callbacks, the oldest first, until this run's share
 * of decoding is used; a callback may change the list, so look again each time. */
static void deliver_held(aws_client *c)
{
    while (c->run_bytes < AWS_RUN_ANSWER_BYTES) {
        aws_call_ctx *x = NULL;
        for (aws_call_ctx *y = c->calls; y; y = y->next)
            if (y->held_status)
                x = y; /* calls are newest first */
        if (!x)
            return;
        c->run_bytes += x->held_len;
        aws_response resp = {
            .http_status = x->held_status,
            .body = x->held,
            .body_len = x->held_len,
            .request_id = x->held_request_id,
            .budget = &x->budget,
        };
        x->held_status = 0;
        call_finish(x, &resp, NULL);
    }
}

void aws_client_run(aws_client *c)
{
    c->run_bytes = 0;
    deliver_held(c);
    http_run(c->http);
    /* Send due retries; a callback may change the list, so look again from the top. */
    for (;;) {
        int64_t now = mono_now_ms();
        aws_call_ctx *x = c->calls;
        while (x && !(x->due_mono > 0 && x->due_mono <= now))
            x = x->next;
        if (!x)
            break;
        x->due_mono = 0;
        aws_error err;
        if (x->refresh_failed) {
            aws_error_set(&err, 0, "ExpiredToken", "%s", c->refresh_error);
            call_finish(x, NULL, &err);
            continue;
        }
        if (send_attempt(x, &err) != 0)
            call_finish(x, NULL, &err);
    }
}

void aws_client_wakeup(aws_client *c)
{
    http_wakeup(c->http);
}

bool aws_client_busy(const aws_client *c)
{
    return c && c->n_calls > 0;
}

void aws_client_run_until_idle(aws_client *c)
{
    aws_client_run(c);
    while (aws_client_busy(c)) {
        if (aws_client_wait(c, NULL, 0, 1000) < 0)
            break;
        aws_client_run(c);
    }
}
