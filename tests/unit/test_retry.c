/* test_retry.c — the retry policy matrix (which failures are retried, for reads and
 * for mutating calls), clock-skew detection and the jittered backoff bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aws/retry.h"

static retry_input http_err(int status, const char *code, bool mutating)
{
    return (retry_input){ .http_status = status, .error_code = code, .mutating = mutating };
}

static void test_throttling_codes(void **state)
{
    (void)state;
    static const char *const codes[] = {
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
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        assert_true(retry_is_throttling_code(codes[i]));
        retry_input in = http_err(400, codes[i], false);
        assert_int_equal(retry_classify(&in), RETRY_THROTTLE);
        /* Throttled requests were refused before anything happened: mutating too. */
        in.mutating = true;
        assert_int_equal(retry_classify(&in), RETRY_THROTTLE);
    }
    assert_false(retry_is_throttling_code("throttling")); /* exact match, as botocore */
    assert_false(retry_is_throttling_code(""));
    assert_false(retry_is_throttling_code(NULL));
    retry_input in = http_err(429, "HTTP 429", true);
    assert_int_equal(retry_classify(&in), RETRY_THROTTLE);
}

static void test_transient(void **state)
{
    (void)state;
    int statuses[] = { 500, 502, 503, 504 };
    for (size_t i = 0; i < 4; i++) {
        retry_input in = http_err(statuses[i], "InternalFailure", false);
        assert_int_equal(retry_classify(&in), RETRY_TRANSIENT);
        in.mutating = true; /* the server may have acted */
        assert_int_equal(retry_classify(&in), RETRY_NONE);
    }
    retry_input in = http_err(501, "NotImplemented", false);
    assert_int_equal(retry_classify(&in), RETRY_NONE);
    in = http_err(400, "RequestTimeout", false);
    assert_int_equal(retry_classify(&in), RETRY_TRANSIENT);
    in = http_err(400, "RequestTimeoutException", true);
    assert_int_equal(retry_classify(&in), RETRY_NONE);
}

static void test_not_retryable(void **state)
{
    (void)state;
    const char *codes[] = { "AccessDenied",
                            "ValidationError",
                            "AccessDeniedException",
                            "InvalidParameterValue",
                            "RepositoryNotFoundException",
                            "UnrecognizedClientException" };
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        retry_input in = http_err(400, codes[i], false);
        assert_int_equal(retry_classify(&in), RETRY_NONE);
        in.http_status = 403;
        assert_int_equal(retry_classify(&in), RETRY_NONE);
    }
}

static void test_transport(void **state)
{
    (void)state;
    retry_input in = { .transport = true, .error_code = "NetworkError", .maybe_sent = false };
    assert_int_equal(retry_classify(&in), RETRY_TRANSIENT);
    in.mutating = true; /* never connected: safe to resend */
    assert_int_equal(retry_classify(&in), RETRY_TRANSIENT);
    in.maybe_sent = true; /* reset after sending */
    assert_int_equal(retry_classify(&in), RETRY_NONE);
    in.mutating = false;
    assert_int_equal(retry_classify(&in), RETRY_TRANSIENT);
    in.error_code = "Timeout";
    assert_int_equal(retry_classify(&in), RETRY_TRANSIENT);
    in.mutating = true;
    assert_int_equal(retry_classify(&in), RETRY_NONE);
    /* Not network trouble: an oversized answer or a TLS failure is not retried. */
    in = (retry_input){ .transport = true, .error_code = "MalformedResponse" };
    assert_int_equal(retry_classify(&in), RETRY_NONE);
    in.error_code = "TLSError";
    assert_int_equal(retry_classify(&in), RETRY_NONE);
}

static void test_clock_skew(void **state)
{
    (void)state;
    retry_input in = http_err(403, "RequestTimeTooSkewed", true);
    assert_int_equal(retry_classify(&in), RETRY_CLOCK_SKEW);
    in.error_code = "SignatureExpired";
    assert_int_equal(retry_classify(&in), RETRY_CLOCK_SKEW);
    in.error_code = "RequestExpired";
    assert_int_equal(retry_classify(&in), RETRY_CLOCK_SKEW);
    /* InvalidSignatureException only counts as skew when the clocks differ. */
    in.error_code = "InvalidSignatureException";
    in.skew_ms = 0;
    assert_int_equal(retry_classify(&in), RETRY_NONE);
    in.skew_ms = -3600 * 1000;
    assert_int_equal(retry_classify(&in), RETRY_CLOCK_SKEW);
    in.skew_ms = 60 * 1000;
    assert_int_equal(retry_classify(&in), RETRY_NONE);
    in.error_message = "Signature expired: 20240501T120000Z is now earlier than 20240501T121000Z";
    assert_int_equal(retry_classify(&in), RETRY_CLOCK_SKEW);
    /* One skew retry, even beyond max attempts. */
    assert_true(retry_should_retry(RETRY_CLOCK_SKEW, 3, 3, false));
    assert_false(retry_should_retry(RETRY_CLOCK_SKEW, 1, 3, true));
}

static void test_should_retry_attempts(void **state)
{
    (void)state;
    assert_true(retry_should_retry(RETRY_THROTTLE, 1, 3, false));
    assert_true(retry_should_retry(RETRY_TRANSIENT, 2, 3, false));
    assert_false(retry_should_retry(RETRY_TRANSIENT, 3, 3, false));
    assert_false(retry_should_retry(RETRY_THROTTLE, 1, 1, false));
    assert_false(retry_should_retry(RETRY_NONE, 1, 5, false));
}

static double fixed_rnd(void *ud)
{
    return *(double *)ud;
}

static void test_backoff(void **state)
{
    (void)state;
    /* rnd * min(2^(attempt-1) s, 20 s) */
    assert_int_equal(retry_backoff_ms(RETRY_TRANSIENT, 1, 0.5), 500);
    assert_int_equal(retry_backoff_ms(RETRY_TRANSIENT, 2, 0.5), 1000);
    assert_int_equal(retry_backoff_ms(RETRY_THROTTLE, 3, 0.5), 2000);
    assert_int_equal(retry_backoff_ms(RETRY_THROTTLE, 5, 0.5), 8000);
    assert_int_equal(retry_backoff_ms(RETRY_THROTTLE, 6, 0.5), 10000); /* 32 s capped at 20 */
    assert_int_equal(retry_backoff_ms(RETRY_THROTTLE, 60, 0.5), 10000);
    assert_int_equal(retry_backoff_ms(RETRY_THROTTLE, 3, 0.0), 0);
    assert_true(retry_backoff_ms(RETRY_THROTTLE, 40, 0.999999) < RETRY_MAX_BACKOFF_MS);
    assert_true(retry_backoff_ms(RETRY_THROTTLE, 40, 5.0) < RETRY_MAX_BACKOFF_MS); /* clamped */
    assert_int_equal(retry_backoff_ms(RETRY_CLOCK_SKEW, 3, 0.9), 0);
    for (int a = 1; a < 12; a++) {
        int64_t cap = a - 1 >= 5 ? RETRY_MAX_BACKOFF_MS : (int64_t)1000 << (a - 1);
        for (double r = 0; r < 1; r += 0.125) {
            int64_t d = retry_backoff_ms(RETRY_TRANSIENT, a, r);
            assert_true(d >= 0 && d < cap);
        }
    }
    double v = 0.25;
    retry_set_random(fixed_rnd, &v);
    assert_true(retry_random() == 0.25);
    retry_set_random(NULL, NULL);
    for (int i = 0; i < 100; i++) {
        double r = retry_random();
        assert_true(r >= 0 && r < 1);
    }
}

static void test_quota(void **state)
{
    (void)state;
    retry_quota q;
    retry_quota_init(&q);
    assert_int_equal(q.available, 500);
    int cost = 0;
    assert_true(retry_quota_acquire(&q, false, &cost));
    assert_int_equal(cost, 5);
    assert_true(retry_quota_acquire(&q, true, &cost));
    assert_int_equal(cost, 10);
    assert_int_equal(q.available, 485);
    retry_quota_release(&q, 10); /* success after a retry: its cost comes back */
    assert_int_equal(q.available, 495);
    retry_quota_release(&q, 0); /* success at first try: one token */
    retry_quota_release(&q, 0);
    retry_quota_release(&q, 0);
    assert_int_equal(q.available, 498);
    for (int i = 0; i < 10; i++)
        retry_quota_release(&q, 5);
    assert_int_equal(q.available, 500); /* never above the start */
    int n = 0;
    while (retry_quota_acquire(&q, false, &cost))
        n++;
    assert_int_equal(n, 100);
    assert_int_equal(q.available, 0);
    cost = -1;
    assert_false(retry_quota_acquire(&q, true, &cost));
    assert_int_equal(cost, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_throttling_codes), cmocka_unit_test(test_transient),
        cmocka_unit_test(test_not_retryable),    cmocka_unit_test(test_transport),
        cmocka_unit_test(test_clock_skew),       cmocka_unit_test(test_should_retry_attempts),
        cmocka_unit_test(test_backoff),          cmocka_unit_test(test_quota),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
