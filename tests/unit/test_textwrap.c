/* test_textwrap.c — word wrap by display cells (tui/textwrap.c): empty text, text
 * exactly as wide as the line, words longer than the line, wide characters and
 * combining marks, width 1, hanging indents, the line bound, untrusted bytes still
 * sanitized; and the Activity cause without AWS's leading time. Runs in C.UTF-8. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "activity.h"
#include "sanitize.h"
#include "textwrap.h"

/* Wraps and compares with the expected lines (NULL-terminated). */
static void expect(const char *in, int width, int hang, int max_lines, bool ascii, const char *const *want)
{
    strvec out = { 0 };
    int n = text_wrap(in, width, hang, max_lines, ascii, &out);
    size_t k = 0;
    while (want[k])
        k++;
    if ((size_t)n != k || out.n != k) {
        for (size_t i = 0; i < out.n; i++)
            print_message("# line %zu: \"%s\"\n", i, out.items[i]);
        fail_msg("got %d lines, want %zu", n, k);
    }
    for (size_t i = 0; i < k; i++)
        if (strcmp(out.items[i], want[i]) != 0)
            fail_msg("line %zu: got \"%s\", want \"%s\"", i, out.items[i], want[i]);
    assert_int_equal(text_wrap_count(in, width, hang, max_lines, ascii), n);
    strvec_free(&out);
}
#define EXPECT(in, width, hang, max, ascii, ...)                                                                       \
    do {                                                                                                               \
        const char *const want_[] = { __VA_ARGS__, NULL };                                                             \
        expect(in, width, hang, max, ascii, want_);                                                                    \
    } while (0)

/* Every line's display width is at most width. */
static void widths_within(const char *in, int width, int hang)
{
    strvec out = { 0 };
    text_wrap(in, width, hang, 0, false, &out);
    for (size_t i = 0; i < out.n; i++) {
        char buf[4096];
        int cols = 0;
        sanitize_str(out.items[i], buf, sizeof buf, -1, false, &cols);
        if (cols > width)
            fail_msg("line %zu \"%s\" is %d wide, more than %d", i, out.items[i], cols, width);
    }
    strvec_free(&out);
}

static void test_empty(void **state)
{
    (void)state;
    EXPECT("", 10, 0, 0, false, "");
    EXPECT(NULL, 10, 0, 0, false, "");
    EXPECT("   ", 10, 0, 0, false, "   ");
}

static void test_exactly_the_width(void **state)
{
    (void)state;
    EXPECT("abcdefghij", 10, 0, 0, false, "abcdefghij");
    EXPECT("abcd efghi", 10, 0, 0, false, "abcd efghi");
    /* a word ending at the edge: the space after it is the break */
    EXPECT("abcde fghij klm", 11, 0, 0, false, "abcde fghij", "klm");
    EXPECT("abcde fghij klm", 10, 0, 0, false, "abcde", "fghij klm");
}

static void test_breaks_at_spaces(void **state)
{
    (void)state;
    EXPECT("Health checks failed with these codes: [502]", 20, 0, 0, false, "Health checks failed",
           "with these codes:", "[502]");
    /* the spaces at a break are dropped, runs of them too */
    EXPECT("one   two", 4, 0, 0, false, "one", "two");
}

static void test_long_words(void **state)
{
    (void)state;
    EXPECT("abcdefghijklmnopqrstuvwxyz", 10, 0, 0, false, "abcdefghij", "klmnopqrst", "uvwxyz");
    EXPECT("see arn:aws:autoscaling:us-east-1:1234", 12, 0, 0, false, "see", "arn:aws:auto", "scaling:us-e",
           "ast-1:1234");
}

static void test_hanging_indent(void **state)
{
    (void)state;
    EXPECT("Instance refresh failed: 2 replacement instances", 20, 4, 0, false, "Instance refresh", "    failed: 2",
           "    replacement", "    instances");
    /* a key's padding is no break: the value starts on the key's line */
    EXPECT("Key     web-unhealthy-hosts-in-us-east-1", 24, 8, 0, false, "Key     web-unhealthy-ho",
           "        sts-in-us-east-1");
    EXPECT("Key     Instance refresh failed", 24, 8, 0, false, "Key     Instance refresh", "        failed");
    /* an indent that leaves less than a third of the line is not used */
    EXPECT("aaa bbb ccc", 6, 5, 0, false, "aaa", "bbb", "ccc");
}

static void test_wide_characters(void **state)
{
    (void)state;
    /* CJK characters are two cells: four fit in 8, never half of one */
    EXPECT("\xe6\xbc\xa2\xe5\xad\x97\xe6\xbc\xa2\xe5\xad\x97\xe6\xbc\xa2", 8, 0, 0, false,
           "\xe6\xbc\xa2\xe5\xad\x97\xe6\xbc\xa2\xe5\xad\x97", "\xe6\xbc\xa2");
    EXPECT("\xe6\xbc\xa2\xe5\xad\x97\xe6\xbc\xa2", 5, 0, 0, false, "\xe6\xbc\xa2\xe5\xad\x97", "\xe6\xbc\xa2");
    /* a combining mark stays with its letter */
    EXPECT("abce\xcc\x81"
           "f",
           4, 0, 0, false, "abce\xcc\x81", "f");
    widths_within("\xe6\xbc\xa2 abc \xe5\xad\x97\xe5\xad\x97\xe5\xad\x97 x\xe6\xbc\xa2\xe6\xbc\xa2", 3, 0);
    /* ASCII terminals: one "?" per character */
    EXPECT("\xe6\xbc\xa2\xe5\xad\x97\xe6\xbc\xa2", 2, 0, 0, true, "??", "?");
}

static void test_width_one(void **state)
{
    (void)state;
    EXPECT("ab c", 1, 0, 0, false, "a", "b", "c");
    /* a wide character cannot fit: its marker, never an overflowing line */
    EXPECT("\xe6\xbc\xa2"
           "a",
           1, 0, 0, false, "\xe2\x80\xa6", "a");
    EXPECT("ab", 0, 0, 0, false, "a", "b");
}

static void test_max_lines(void **state)
{
    (void)state;
    EXPECT("one two three four five", 9, 0, 2, false, "one two", "three fo\xe2\x80\xa6");
    EXPECT("one two three four five", 9, 0, 2, true, "one two", "three fo~");
    EXPECT("one two", 9, 0, 1, false, "one two");
}

static void test_untrusted_bytes_are_sanitized(void **state)
{
    (void)state;
    EXPECT("a\x1b]0;x\a b", 40, 0, 0, false, "a\\e]0;x\\x07 b");
    EXPECT("a\nb", 40, 0, 0, false, "a\\nb");
    /* a very long text is bounded */
    size_t n = 100000;
    char *big = malloc(n + 1);
    memset(big, 'x', n);
    big[n] = '\0';
    int lines = text_wrap_count(big, 100, 0, 0, false);
    assert_true(lines <= WRAP_MAX_BYTES / 100 + 1);
    assert_true(lines > 100);
    free(big);
}

static void test_cause_without_time(void **state)
{
    (void)state;
    assert_string_equal(activity_cause_untimed("At 2026-12-07T12:17:29Z an instance was started in response to an "
                                               "instance refresh."),
                        "an instance was started in response to an instance refresh.");
    assert_string_equal(activity_cause_untimed("At 2026-12-07T12:17:29.042Z  a user request"), "a user request");
    assert_string_equal(activity_cause_untimed("At 2026-12-07T12:17:29+00:00 a user request"), "a user request");
    /* kept whole: no time, a broken time, nothing after it, or no space after it */
    const char *keep[] = { "",
                           "At last",
                           "At 2026-12-07 an instance",
                           "At 2026-12-07T12:17:29Z",
                           "At 2026-12-07T12:17:29Z   ",
                           "At 2026-12-07T12:17:29Zan",
                           "At 2026-12-07T12:17:29. x",
                           "a user request At 2026-12-07T12:17:29Z x",
                           "At 2026-1-07T12:17:29Z x" };
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
        assert_ptr_equal(activity_cause_untimed(keep[i]), keep[i]);
    assert_null(activity_cause_untimed(NULL));
}

int main(void)
{
    if (!setlocale(LC_ALL, "C.UTF-8"))
        setlocale(LC_ALL, "");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_exactly_the_width),
        cmocka_unit_test(test_breaks_at_spaces),
        cmocka_unit_test(test_long_words),
        cmocka_unit_test(test_hanging_indent),
        cmocka_unit_test(test_wide_characters),
        cmocka_unit_test(test_width_one),
        cmocka_unit_test(test_max_lines),
        cmocka_unit_test(test_untrusted_bytes_are_sanitized),
        cmocka_unit_test(test_cause_without_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
