/* retry.c — the retry policy (see retry.h). The code and status lists reproduce
 * botocore 1.43's botocore/retries/standard.py (TransientRetryableChecker,
 * ThrottledRetryableChecker, ExponentialBackoff) and botocore/data/_retry.json
 * (429 "too_many_requests"); the clock-skew codes follow the other AWS SDKs. */
#include "aws/retry.h"

#include <openssl/rand.h>
#include <stddef.h>
#include <string.h>

#include "util.h"

/* standard.py ThrottledRetryableChecker._THROTTLED_ERROR_CODES */
static const char *const throttling_codes[] = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
};

/* standard.py TransientRetryableChecker._TRANSIENT_ERROR_CODES */
static const char *const transient_codes[] = {
    "RequestTimeout",
    "RequestTimeoutException",
    "PriorRequestNotComplete",
};

/* standard.py TransientRetryableChecker._TRANSIENT_STATUS_CODES */
static const int transient_statuses[] = { 500, 502, 503, 504 };

/* Codes that mean "your clock is off": always re-signed once. */
static const char *const skew_codes[] = {
    "RequestTimeTooSkewed",
    "RequestExpired",
    "SignatureExpired",
    "RequestInTheFuture",
};
/* Codes that mean skew only when the server's Date says so. */
static const char *const skew_if_dated_codes[] = {
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "AuthFailure",
};

static bool in_list(const char *code, const char *const *list, size_t n)
{
    if (str_empty(code))
        return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(code, list[i]) == 0)
            return true;
    return false;
}

bool retry_is_throttling_code(const char *code)
{
    return in_list(code, throttling_codes, ARRAY_LEN(throttling_codes));
}

bool retry_is_transient_code(const char *code)
{
    return in_list(code, transient_codes, ARRAY_LEN(transient_codes));
}

bool retry_is_transient_status(int status)
{
    for (size_t i = 0; i < ARRAY_LEN(transient_statuses); i++)
        if (status == transient_statuses[i])
            return true;
    return false;
}

bool retry_is_clock_skew(const retry_input *in)
{
    if (in->transport)
        return false;
    if (in_list(in->error_code, skew_codes, ARRAY_LEN(skew_codes)))
        return true;
    if (!in_list(in->error_code, skew_if_dated_codes, ARRAY_LEN(skew_if_dated_codes)))
        return false;
    int64_t skew = in->skew_ms < 0 ? -in->skew_ms : in->skew_ms;
    if (skew > RETRY_SKEW_TOLERANCE_MS)
        return true;
    /* "Signature expired: 20240501T120000Z is now earlier than ..." */
    return in->error_message && strstr(in->error_message, "Signature expired") != NULL;
}

retry_class retry_classify(const retry_input *in)
{
    if (in->transport) {
        /* Only curl's network failures are transient; a cut-off oversized body, a
         * TLS verification failure or a bad URL come with other codes. */
        bool network = str_eq(in->error_code, "NetworkError") || str_eq(in->error_code, "Timeout");
        if (!network)
            return RETRY_NONE;
        if (in->mutating && in->maybe_sent)
            return RETRY_NONE;
        return RETRY_TRANSIENT;
    }
    if (retry_is_clock_skew(in))
        return RETRY_CLOCK_SKEW;
    /* A throttled request was refused before anything happened: safe even when mutating. */
    if (retry_is_throttling_code(in->error_code) || in->http_status == 429)
        return RETRY_THROTTLE;
    if (in->mutating)
        return RETRY_NONE;
    if (retry_is_transient_code(in->error_code) || retry_is_transient_status(in->http_status))
        return RETRY_TRANSIENT;
    return RETRY_NONE;
}

bool retry_should_retry(retry_class cls, int attempts, int max_attempts, bool skew_retry_used)
{
    switch (cls) {
    case RETRY_NONE:
        return false;
    case RETRY_CLOCK_SKEW:
        return !skew_retry_used;
    case RETRY_THROTTLE:
    case RETRY_TRANSIENT:
        return attempts < max_attempts;
    }
    return false;
}

int64_t retry_backoff_ms(retry_class cls, int attempts, double rnd)
{
    if (cls == RETRY_CLOCK_SKEW || cls == RETRY_NONE)
        return 0;
    if (rnd < 0)
        rnd = 0;
    if (rnd >= 1)
        rnd = 0.999999;
    int exp = attempts > 1 ? attempts - 1 : 0;
    int64_t cap = RETRY_MAX_BACKOFF_MS;
    int64_t base = exp >= 15 ? cap : (int64_t)1000 << exp;
    if (base > cap)
        base = cap;
    return (int64_t)(rnd * (double)base);
}

static retry_random_fn random_fn;
static void *random_ud;

void retry_set_random(retry_random_fn fn, void *ud)
{
    random_fn = fn;
    random_ud = ud;
}

double retry_random(void)
{
    if (random_fn) {
        double r = random_fn(random_ud);
        return r < 0 ? 0 : r >= 1 ? 0.999999 : r;
    }
    uint32_t v = 0;
    if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
        return 0.5;
    return (double)v / 4294967296.0;
}

/* standard.py RetryQuotaChecker (legacy costs, as NEW_RETRIES_ENABLED is off by default)
 * and quota.py RetryQuota. */
#define QUOTA_RETRY_COST         5
#define QUOTA_TIMEOUT_COST       10
#define QUOTA_NO_RETRY_INCREMENT 1

void retry_quota_init(retry_quota *q)
{
    q->available = RETRY_QUOTA_INITIAL;
}

bool retry_quota_acquire(retry_quota *q, bool timeout, int *cost)
{
    int c = timeout ? QUOTA_TIMEOUT_COST : QUOTA_RETRY_COST;
    if (q->available < c)
        return false;
    q->available -= c;
    if (cost)
        *cost = c;
    return true;
}

void retry_quota_release(retry_quota *q, int last_cost)
{
    q->available += last_cost > 0 ? last_cost : QUOTA_NO_RETRY_INCREMENT;
    if (q->available > RETRY_QUOTA_INITIAL)
        q->available = RETRY_QUOTA_INITIAL;
}
