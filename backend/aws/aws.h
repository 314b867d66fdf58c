/* aws.h — the AWS client core: service descriptions, the one error type, and
 * asynchronous signed calls with retries and pagination, driven by an outside
 * event loop (the console's) or by the blocking helper (headless commands).
 *
 * Flow of one call: aws_call() resolves the endpoint, builds the protocol's HTTP
 * request (Query form POST or JSON 1.0/1.1 with X-Amz-Target), signs it (sigv4.h),
 * submits it to the curl multi engine (http.h) and returns at once. When the answer
 * arrives, aws_client_run() classifies it: a 2xx goes to the caller's callback; an
 * error envelope is decoded into aws_error; retryable errors are re-signed and sent
 * again after a capped, fully jittered exponential backoff — never for a mutating
 * call whose request may have reached the server. Nothing above the service
 * modules (svc_*.c) sees XML or JSON. */
#ifndef TARMAC_AWS_H
#define TARMAC_AWS_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>

#include "aws/credentials.h"
#include "util.h"

typedef enum aws_protocol {
    AWS_PROTO_QUERY,    /* autoscaling, elbv2, sts: form POST, XML answers */
    AWS_PROTO_EC2,      /* ec2: form POST, <Response><Errors> error envelope */
    AWS_PROTO_JSON_1_0, /* cloudwatch */
    AWS_PROTO_JSON_1_1, /* ecr, ecs, codedeploy */
} aws_protocol;

typedef struct aws_service {
    const char *id;              /* botocore name: "autoscaling", "elbv2", "ecr", ... */
    const char *endpoint_prefix; /* host prefix: "autoscaling", "elasticloadbalancing", "api.ecr" */
    const char *signing_name;    /* SigV4 service: "autoscaling", "elasticloadbalancing", "ecr" */
    const char *env_name;        /* AWS_ENDPOINT_URL_<env_name>: "AUTO_SCALING", "ECR", ... */
    const char *api_version;     /* Query/EC2 Version= parameter */
    const char *target_prefix;   /* JSON X-Amz-Target prefix, e.g. "AmazonEC2ContainerRegistry_V20150921" */
    aws_protocol protocol;
} aws_service;

extern const aws_service AWS_SVC_AUTOSCALING, AWS_SVC_ELBV2, AWS_SVC_EC2, AWS_SVC_STS, AWS_SVC_ECR, AWS_SVC_ECS,
    AWS_SVC_CODEDEPLOY, AWS_SVC_CLOUDWATCH;

/* One error type for every failure: AWS errors, transport errors, decode errors. */
typedef struct aws_error {
    int http_status;   /* 0 when no HTTP answer arrived */
    char code[96];     /* AWS code ("Throttling", "AccessDenied"), or for local failures:
                               "NetworkError", "Timeout", "MalformedResponse", "NoCredentials",
                               "NoRegion", "InvalidEndpoint", "TooManyPages", "TooManyItems",
                               "ResponseTooLarge", "TooManyCalls" */
    char message[512]; /* never holds a secret */
    char request_id[96];
    char operation[64];  /* "DescribeAutoScalingGroups" */
    const char *service; /* aws_service.id, static */
    int attempts;        /* how many times the request was sent */
    bool transport;      /* true when the failure was below HTTP (curl) */
} aws_error;

/* printf-style setter that bounds and keeps the struct valid. */
void aws_error_set(aws_error *err, int http_status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* "DescribeAutoScalingGroups: AccessDenied: User ... is not authorized" */
void aws_error_format(const aws_error *err, char *buf, size_t len);
/* A limit of tarmac's was reached: "more than <what> (a limit of tarmac: LIMITS in
 * tarmac(1))" with code, service and operation set. */
void aws_error_limit(aws_error *err, const char *code, const char *service, const char *operation, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* ---- what a server can make one call bring in (LIMITS in tarmac(1)) ----
 * Far above what real accounts return. A server that sends more fails the call with
 * an error naming the operation and the limit: TooManyItems, ResponseTooLarge or
 * TooManyPages. One answer is also bounded on its own (HTTP_MAX_BODY, XML_MAX_* in
 * xml.h, JU_MAX_* in json_util.h), and so are the calls a client runs at once
 * (TooManyCalls: a call per name of a server's list cannot fan out without end). */
#define AWS_MAX_PAGES      10000        /* pages of one paged call */
#define AWS_MAX_CALLS      10000        /* calls of one client at once */
#define AWS_MAX_CALL_ITEMS 200000       /* list entries, every list and page of one call */
#define AWS_MAX_CALL_BYTES (256u << 20) /* answer bytes, every page of one call */

/* What one call has brought in so far. The decoders charge every list entry they
 * meet (xml.c, json_util.c) before they keep anything; the pages of a paged call,
 * and the chunks of a call cut by ids, share one. */
typedef struct aws_budget {
    size_t items;
    size_t bytes;
} aws_budget;

/* Charge n list entries / n answer bytes; past the limit -1 with *err (TooManyItems /
 * ResponseTooLarge) naming service and operation. A NULL budget charges nothing. */
int aws_budget_items(aws_budget *b, size_t n, const char *service, const char *operation, aws_error *err);
int aws_budget_bytes(aws_budget *b, size_t n, const char *service, const char *operation, aws_error *err);

/* A successful (2xx) answer, valid only during the callback. */
typedef struct aws_response {
    long http_status;
    const char *body; /* NUL-terminated for convenience; may contain NULs (len is authoritative) */
    size_t body_len;
    const char *request_id; /* x-amzn-RequestId / x-amz-request-id, or "" */
    aws_budget *budget;     /* the call's: pass it to the decoder (never NULL from the client) */
} aws_response;

typedef struct aws_client aws_client;

struct endpoint_profile; /* endpoints.h */

typedef struct aws_client_config {
    const char *region;       /* required */
    const char *endpoint_url; /* --endpoint-url, for every service as endpoints.h ranks it; may be NULL */
    const char *profile;      /* whose endpoint settings apply (endpoint_for); may be NULL */
    /* reads them (creds_endpoint_profile); NULL: only the flag and the environment */
    int (*endpoint_profile)(const char *profile, const char *service_key, struct endpoint_profile *out, strbuf *err);
    const aws_credentials *credentials; /* copied (and wiped on free) */
    int max_attempts;                   /* 0: AWS_MAX_ATTEMPTS or 3 */
    long connect_timeout_ms;            /* 0: 3000 */
    long timeout_ms;                    /* 0: 30000 per attempt */
} aws_client_config;

/* Returns NULL and fills err (code NoRegion / InvalidEndpoint / ...) on a bad config. */
aws_client *aws_client_new(const aws_client_config *cfg, aws_error *err);
/* Cancels calls in flight: each callback runs once more with err->code "Cancelled"
 * (so owners free their contexts) — callbacks must not start new calls then. */
void aws_client_free(aws_client *c);
const char *aws_client_region(const aws_client *c);

typedef struct aws_request {
    const aws_service *svc;
    const char *operation; /* "DescribeAutoScalingGroups" */
    const char *body;      /* Query/EC2: form parameters WITHOUT Action and Version
                                    ("AutoScalingGroupNames.member.1=web&MaxRecords=100");
                                    JSON: the document; NULL means "" / "{}" */
    size_t body_len;
    bool mutating; /* true: never resent once it may have reached the server */
} aws_request;

/* Exactly one of resp / err is non-NULL. */
typedef void (*aws_done_fn)(aws_client *c, const aws_response *resp, const aws_error *err, void *ud);

/* Starts a call; returns 0, or -1 with done() NOT called and *err filled. */
int aws_call(aws_client *c, const aws_request *req, aws_done_fn done, void *ud, aws_error *err);

/* ---- pagination: follows NextToken / nextToken / Marker to the end ---- */
/* Builds the body of one page (malloc'd) for next_token (NULL on the first page). */
typedef char *(*aws_page_body_fn)(void *ud, const char *next_token, size_t *len);
/* Parses one page into the caller's accumulating result, charging resp->budget; sets
 * *next_token (malloc'd) when there are more pages. Returns 0, or -1 with *err filled
 * (MalformedResponse, TooManyItems, ...). */
typedef int (*aws_page_parse_fn)(void *ud, const aws_response *resp, char **next_token, aws_error *err);
/* Called once: err is NULL when every page was read. */
typedef void (*aws_pages_done_fn)(aws_client *c, const aws_error *err, void *ud);
/* Never for mutating calls. Stops with TooManyPages after AWS_MAX_PAGES pages or when
 * a token repeats, and with the budget's errors past AWS_MAX_CALL_ITEMS /
 * AWS_MAX_CALL_BYTES. budget: shared with other calls the caller counts as one
 * (chunks of ids; it must outlive them), or NULL for one of the call's own. */
int aws_call_paged(aws_client *c, const aws_service *svc, const char *operation, aws_page_body_fn body,
                   aws_page_parse_fn parse, aws_pages_done_fn done, void *ud, aws_budget *budget, aws_error *err);

/* ---- a paged call over names cut into chunks: AWS caps the names of one request ----
 * names[0, per_call), read to its last page, then the next per_call names, one chunk
 * after the other (aws_chunked.c). Every page of every chunk is charged to one budget:
 * the limits above hold for the whole call. done() runs once, err NULL when every
 * chunk was read, else with the first error, which ends the call; what parse gathered
 * until then stays the caller's. names NULL or empty: one chunk without names (body
 * gets NULL, 0). Returns 0, or -1 with *err filled and done() not called. */
typedef char *(*aws_chunk_body_fn)(void *ud, const char *const *names, size_t n_names, const char *next_token,
                                   size_t *len);
int aws_call_chunked(aws_client *c, const aws_service *svc, const char *operation, const strvec *names, size_t per_call,
                     aws_chunk_body_fn body, aws_page_parse_fn parse, aws_pages_done_fn done, void *ud, aws_error *err);

/* The paging rules without the network: what aws_call_paged does with each answer
 * (tests and the fuzz target drive it directly). */
typedef struct aws_pages {
    const aws_service *svc;
    char operation[64];
    aws_budget own; /* when the caller gave none */
    aws_budget *budget;
    int pages;
    VEC(uint64_t) seen; /* hashes of every token received */
} aws_pages;
void aws_pages_init(aws_pages *ps, const aws_service *svc, const char *operation, aws_budget *budget);
void aws_pages_done(aws_pages *ps);
/* One page's answer: charges its bytes, hands it to parse with the budget, checks
 * the token parse returns. 1: *next_token (owned) names the next page; 0: that was
 * the last one; -1: *err filled (operation and service set), *next_token NULL. */
int aws_pages_take(aws_pages *ps, const aws_response *resp, aws_page_parse_fn parse, void *ud, char **next_token,
                   aws_error *err);

/* ---- credentials that expire: refreshed in place, never by rebuilding the client ----
 * With a refresh hook set, the client asks it for new credentials AWS_REFRESH_AHEAD_MS
 * before they expire and once after an expired/revoked-token error
 * (aws_error_is_expired_token); meanwhile new and failed calls queue. The hook answers
 * at once or later (from the owner's loop) with aws_client_set_credentials() or
 * aws_client_refresh_failed(); queued calls are then sent again from aws_client_run(),
 * or finish with ExpiredToken and the hook's message. The hook must not free the client. */
#define AWS_REFRESH_AHEAD_MS (5 * 60 * 1000)
typedef void (*aws_refresh_fn)(aws_client *c, void *ud);
void aws_client_set_refresh(aws_client *c, aws_refresh_fn fn, void *ud);
void aws_client_set_credentials(aws_client *c, const aws_credentials *cr); /* copied */
void aws_client_refresh_failed(aws_client *c, const char *message);        /* one line, no secret */
bool aws_client_refreshing(const aws_client *c);
const aws_credentials *aws_client_credentials(const aws_client *c); /* the current ones */
/* ExpiredToken, ExpiredTokenException, InvalidClientTokenId, UnrecognizedClientException, RequestExpired */
bool aws_error_is_expired_token(const char *code);

/* ---- event loop integration ---- */
/* Wait for network activity, one of the extra fds (stdin, a signal pipe) or the next
 * retry timer, at most max_wait_ms (-1: no limit beyond timers). Returns the number of
 * extra fds with events (their revents are set), or -1 on error. */
int aws_client_wait(aws_client *c, struct curl_waitfd *extra, unsigned n_extra, int max_wait_ms);
/* Make progress without blocking: transfers, completions (callbacks run here), due
 * retries. Answers are handed to callbacks (and decoded there) up to
 * AWS_RUN_ANSWER_BYTES per run, the first one whatever its size; the rest wait for
 * the next run, which aws_client_wait then does not delay: the owner's loop reads
 * its keys between large answers. */
#define AWS_RUN_ANSWER_BYTES (1u << 20)
void aws_client_run(aws_client *c);
/* Wake a thread blocked in aws_client_wait (curl_multi_wakeup). */
void aws_client_wakeup(aws_client *c);
bool aws_client_busy(const aws_client *c); /* calls in flight or waiting to retry */
/* Blocking helper for headless commands: wait/run until no call is in flight. */
void aws_client_run_until_idle(aws_client *c);

/* ---- the log of every call, for the console's @ view ---- */
typedef struct aws_call_record {
    aws_time when;       /* wall clock at start */
    const char *service; /* aws_service.id */
    char operation[64];
    long http_status; /* last attempt; 0 for transport errors */
    int latency_ms;   /* all attempts and backoff */
    int retries;
    char request_id[96];
    char error_code[96]; /* "" on success */
    char message[160];   /* the error's message, cut ("" on success; never a secret) */
    char params[200];    /* what was asked, secrets replaced (aws_params_for_log) */
    bool mutating;
    char note[64]; /* what else happened, e.g. the endpoint's signing clock corrected
                                    from the server's Date: "clock +2m", at most 15 minutes either
                                    way ("clock +15m, capped (+10y)"); "" when nothing */
} aws_call_record;
/* Newest last; the client keeps the last AWS_CALL_LOG_SIZE records. */
#define AWS_CALL_LOG_SIZE 512
size_t aws_client_call_log(const aws_client *c, const aws_call_record **records);
/* call_log.c: a request body as the log shows it: Query parameters as "Name=value"
 * (Action and Version left out), a JSON body compact; any value whose name says it
 * is a secret (token codes, session and identity tokens, passwords, secrets, user
 * data) replaced by "***"; cut to cap with "..." at a character boundary. */
void aws_params_for_log(aws_protocol proto, const char *body, size_t len, char *out, size_t cap);
bool aws_param_is_secret(const char *name, size_t len);

/* ---- helpers for building Query bodies ---- */
/* Appends "&key=value" (or "key=value" when sb is empty), both percent-encoded. */
void aws_query_param(strbuf *sb, const char *key, const char *value);
void aws_query_param_int(strbuf *sb, const char *key, long value);
/* Appends items[from, to) as a Query list: prefix + 1, 2, ... ("InstanceId.", or
 * "TargetGroupArns.member."). */
void aws_query_list(strbuf *sb, const char *prefix, const strvec *items, size_t from, size_t to);

/* A paged Query-protocol call over a list of ids cut into chunks (AWS caps ids per
 * call): aws_call_chunked with the list, the call's other parameters and the paging
 * token put into each page's body (aws_chunked.c). */
typedef struct aws_query_paged_spec {
    const aws_service *svc;
    const char *operation;
    const char *token_param; /* "NextToken" / "Marker" */
    const char *list_prefix; /* "TargetGroupArns.member."; NULL: no list */
    size_t chunk;            /* ids per call (> 0) */
    /* Other parameters of one page; n_items is the size of this chunk (0: no list). */
    void (*params)(void *ud, strbuf *sb, size_t n_items);
    aws_page_parse_fn parse;
    aws_pages_done_fn done;
} aws_query_paged_spec;
/* items NULL or empty: one chunk without the list. spec must stay valid (static).
 * Returns 0, or -1 with *err filled and done() not called. */
int aws_query_call_paged(aws_client *c, const aws_query_paged_spec *spec, const strvec *items, void *ud,
                         aws_error *err);

#endif
