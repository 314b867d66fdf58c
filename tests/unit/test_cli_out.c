/* test_cli_out.c — the headless commands' output helpers: text made inert and
 * padded, error lines prefixed and sanitized, and JSON kept valid while everything
 * a terminal would act on inside its strings becomes a \u escape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* What fn wrote to a memory stream. */
#define CAPTURE(buf, f, stmt)                                                                                          \
    do {                                                                                                               \
        FILE *f = fmemopen(buf, sizeof(buf), "w");                                                                     \
        assert_non_null(f);                                                                                            \
        stmt;                                                                                                          \
        fclose(f);                                                                                                     \
    } while (0)

static void test_text_is_inert(void **state)
{
    (void)state;
    char out[512];
    CAPTURE(out, f,
            cli_put(f,
                    "evil\x1b]0;owned\x07\xc2\x9b"
                    "31m\xe2\x80\xae",
                    -1));
    assert_string_equal(out, "evil\\e]0;owned\\x07\\u009b31m\\u202e");
    CAPTURE(out, f, cli_cell(f, "ab\ncd", 8));
    assert_string_equal(out, "ab\\ncd  ");
    CAPTURE(out, f, cli_cell(f, NULL, 3));
    assert_string_equal(out, "-  ");
    CAPTURE(out, f, cli_printf(f, "[%s|%d]", "x\ry", 7));
    assert_string_equal(out, "[x\\ry|7]");
}

static void test_json_stays_json(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        /* C1 (CSI), bidi, zero-width, DEL and a line separator inside a string */
        { "{\"a\":\"x\xc2\x9by\xe2\x80\xaez\xe2\x80\x8b\x7f\xe2\x80\xa8\"}",
          "{\"a\":\"x\\u009by\\u202ez\\u200b\\u007f\\u2028\"}" },
        /* escapes json-c wrote are kept; an escaped quote does not end the string */
        { "{\"k\\\"\":\"a\\\"\xc2\x9b\\\\\",\"n\":1}", "{\"k\\\"\":\"a\\\"\\u009b\\\\\",\"n\":1}" },
        /* printable UTF-8 stays as it is */
        { "[\"caf\xc3\xa9 \xe2\x9c\x93\"]", "[\"caf\xc3\xa9 \xe2\x9c\x93\"]" },
        /* bad UTF-8 inside a string, and a control outside strings (no JSON: inert all the same) */
        { "[\"a\xff\xc2\"]\x1b", "[\"a\\ufffd\\ufffd\"]\\u001b" },
        { NULL, "null" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        char out[512];
        CAPTURE(out, f, cli_put_json(f, cases[i].in));
        char want[520];
        snprintf(want, sizeof(want), "%s\n", cases[i].want);
        assert_string_equal(out, want);
    }
}

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_is_inert),
        cmocka_unit_test(test_json_stays_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
