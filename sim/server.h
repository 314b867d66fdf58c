/* server.h — the simulator's front: one libmicrohttpd daemon on 127.0.0.1 that
 * serves every service and the /_sim/ control API. Owns the front state (the world
 * behind one mutex, the fault rules, the front's PRNG) and the request/response
 * shapes that auth.c, route.c, faults.c and control.c work on. sim_front_handle()
 * is the whole request path without sockets, so tests can drive it directly. */
#ifndef TARMAC_SIM_SERVER_H
#define TARMAC_SIM_SERVER_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "encode.h"
#include "aws/sigv4.h"
#include "util.h"
#include "world.h"

#define SIM_MAX_BODY        (8u << 20) /* request bodies above this answer 413 */
#define SIM_MAX_HEADERS     64         /* requests with more answer 431 */
#define SIM_TOKEN_MAX       128        /* the control token's longest form */
#define SIM_MAX_CONNECTIONS 256        /* at once; more are closed as they arrive */
#define SIM_IDLE_TIMEOUT_S  10         /* a connection silent this long is closed */

typedef struct sim_request {
    const char *method; /* "POST" */
    const char *path;   /* "/" (without the query string) */
    const char *query;  /* canonical "a=b&c=d" rebuilt from the arguments, or NULL */
    sigv4_header headers[SIM_MAX_HEADERS];
    size_t n_headers;
    const char *body;
    size_t body_len;
} sim_request;

/* First header named name (case-insensitive), or NULL. */
const char *sim_request_header(const sim_request *r, const char *name);

/* What the server does with an answer besides sending it (faults). */
typedef enum sim_delivery {
    SIM_DELIVER_NORMAL,
    SIM_DELIVER_RESET,    /* close the connection without answering */
    SIM_DELIVER_TRUNCATE, /* announce the full length, send half, close */
    SIM_DELIVER_SLOW,     /* trickle at slow_bps */
} sim_delivery;

typedef struct sim_response {
    int status;
    const char *content_type; /* static string */
    strbuf body;
    char request_id[40];
    char error_type[96];   /* x-amzn-ErrorType (JSON errors) */
    char query_error[160]; /* x-amzn-query-error (CloudWatch JSON, query-compatible) */
    sim_delivery delivery;
    int slow_bps;
    int delay_ms;                 /* sleep before answering (outside the lock) */
    const char *www_authenticate; /* static string: a 401's challenge */
    bool close;                   /* Connection: close (the framing cannot be trusted) */
} sim_response;

void sim_response_init(sim_response *r);
void sim_response_free(sim_response *r);

#define SIM_OPS_MAX 128 /* route.c's operations fit (checked at init) */

typedef struct sim_front {
    pthread_mutex_t lock; /* guards everything below */
    sim_world *world;     /* not owned */
    sim_faults faults;    /* the front's copy; POST /_sim/faults replaces it */
    uint64_t prng;        /* faults and request ids: deterministic with --seed */
    sigv4_signer *signer;
    time_t fixed_now;      /* tests: the wall clock auth compares with (0 = real) */
    int64_t fixed_mono_ms; /* tests: the monotonic clock for world_sync (0 = real) */
    struct MHD_Daemon *daemon;
    uint16_t port;
    char control_token[SIM_TOKEN_MAX + 1]; /* what /_sim/ requests must carry ("" = none will do) */
    /* AWS calls that reached an operation (signed, routed; faults included, as they
     * cost the caller's rate limit too), by route.h's operation index: GET
     * /_sim/calls, for benchmarks that count what a client asks. */
    uint64_t calls[SIM_OPS_MAX];
    uint64_t calls_total;
} sim_front;

/* The world stays owned by the caller; its scenario faults are copied. A new random
 * control token is made (left "" when the kernel gives no random bytes). */
void sim_front_init(sim_front *f, sim_world *w, uint64_t seed);
void sim_front_done(sim_front *f);

/* The whole request path: Host and Origin (guard.h), the control API behind its
 * token, routing, SigV4, faults, the operation.
 * resp must be sim_response_init'ed. Thread-safe (takes f->lock around the world). */
void sim_front_handle(sim_front *f, const sim_request *req, sim_response *resp);

/* Fill resp with an error in proto's envelope (status from http_status, 400 if 0). */
void sim_front_error(sim_response *resp, sim_proto proto, int http_status, const char *code, const char *message);

/* Next value of the front's PRNG (splitmix64); call with f->lock held. */
uint64_t sim_front_rand(sim_front *f);

/* Start the daemon on 127.0.0.1:port (0 = a free port, read back into f->port).
 * Returns 0, or -1 with a message on stderr. */
int sim_server_start(sim_front *f, uint16_t port);
void sim_server_stop(sim_front *f);

#endif
