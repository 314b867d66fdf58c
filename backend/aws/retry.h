/* retry.h — the retry policy of AWS calls as a pure function of what happened:
 * which failures are retried (botocore's "standard" mode lists), which never are for
 * mutating calls, clock-skew re-signing, and the fully jittered exponential backoff.
 * No network, no clock: the client core (aws_client.c) feeds it and acts on it. */
#ifndef TARMAC_RETRY_H
#define TARMAC_RETRY_H

#include <stdbool.h>
#include <stdint.h>

typedef enum retry_class {
    RETRY_NONE,       /* not retryable: hand the error to the caller */
    RETRY_THROTTLE,   /* the server refused the request without acting on it */
    RETRY_TRANSIENT,  /* 5xx, transient codes, transport failures */
    RETRY_CLOCK_SKEW, /* re-sign with the server's clock and send again at once */
} retry_class;

typedef struct retry_input {
    int http_status;           /* 0: no HTTP answer (transport failure) */
    const char *error_code;    /* decoded AWS code, or "NetworkError" / "Timeout" */
    const char *error_message; /* used to recognise skew in InvalidSignatureException */
    bool transport;            /* failure below HTTP */
    bool maybe_sent;           /* transport failure after the request may have left */
    bool mutating;
    int64_t skew_ms; /* server Date minus our (corrected) clock; 0 if unknown */
} retry_input;

/* Largest clock difference that is not treated as skew (AWS allows 15 min; the SDKs
 * correct beyond a few minutes). */
#define RETRY_SKEW_TOLERANCE_MS (4 * 60 * 1000)
#define RETRY_MAX_BACKOFF_MS    20000

bool retry_is_throttling_code(const char *code);
bool retry_is_transient_code(const char *code);
bool retry_is_transient_status(int status);
bool retry_is_clock_skew(const retry_input *in);

/* What kind of failure this is, already taking mutating into account: a mutating
 * call only gets RETRY_THROTTLE, RETRY_CLOCK_SKEW, or RETRY_TRANSIENT when the
 * connection was never established. */
retry_class retry_classify(const retry_input *in);

/* Whether to send again after `attempts` sends (1-based) out of max_attempts.
 * A clock-skew retry is allowed once (skew_retry_used) beyond max_attempts. */
bool retry_should_retry(retry_class cls, int attempts, int max_attempts, bool skew_retry_used);

/* Backoff before the next send after `attempts` failed sends (1-based), with rnd in
 * [0, 1): rnd * min(2^(attempts-1) s, 20 s), as botocore's ExponentialBackoff. */
int64_t retry_backoff_ms(retry_class cls, int attempts, double rnd);

/* The client-wide retry budget of botocore's standard mode (RetryQuotaChecker): 500
 * tokens; a retry costs 5 (10 after a timeout); a call that succeeds on its first
 * try gives 1 back, one that succeeded after retries gives back its last cost. When
 * the bucket is empty, failures go to the caller at once instead of piling up
 * retries against a service that is down. Clock-skew retries are free. */
typedef struct retry_quota {
    int available;
} retry_quota;
#define RETRY_QUOTA_INITIAL 500
void retry_quota_init(retry_quota *q);
/* Takes the cost of one retry; false (and nothing taken) when the bucket is short. */
bool retry_quota_acquire(retry_quota *q, bool timeout, int *cost);
/* After a successful call: last_cost is what its last retry took, 0 if it had none. */
void retry_quota_release(retry_quota *q, int last_cost);

/* Random source for the jitter: OpenSSL by default. Tests install a fixed one. */
typedef double (*retry_random_fn)(void *ud);
void retry_set_random(retry_random_fn fn, void *ud); /* fn NULL: back to the default */
double retry_random(void);                           /* in [0, 1) */

#endif
