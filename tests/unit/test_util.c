/* test_util.c — the small helpers every layer shares: sizes in decimal units (the
 * same text in `status` and the console, as docker images and the ECR console
 * write them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "util.h"

static void test_human_bytes(void **state)
{
    (void)state;
    struct {
        int64_t n;
        const char *want;
    } cases[] = {
        { 0, "0 B" },
        { 999, "999 B" },
        { 1000, "1.0 KB" },
        { 33500000, "33.5 MB" },
        { 33554432, "33.6 MB" },
        { 999949999, "999.9 MB" },
        { 1200000000, "1.2 GB" },
        { INT64_C(5000000000000000), "5000.0 TB" },
    };
    char buf[32];
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        human_bytes(cases[i].n, buf, sizeof buf);
        assert_string_equal(buf, cases[i].want);
    }
    char tiny[4];
    human_bytes(33500000, tiny, sizeof tiny); /* cut, never overrun */
    assert_string_equal(tiny, "33.");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_human_bytes),
    };
    return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
