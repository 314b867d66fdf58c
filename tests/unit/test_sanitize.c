/* test_sanitize.c — the terminal sanitizer: escape sequences (OSC title, clear
 * screen, 8-bit CSI), bidi overrides, invisible characters (zero-width, BOM, odd
 * spaces) and invalid UTF-8 become inert visible text; JSON output keeps its meaning
 * with the same characters escaped;
 * widths follow wcwidth (CJK, combining marks); truncation never exceeds the
 * column or byte budget. Runs in C.UTF-8. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>

#include "sanitize.h"

/* Sanitizes len bytes with a roomy buffer and checks result and width. */
static void check(const char *in, size_t len, int max_cols, bool ascii, const char *want, int want_cols)
{
    char out[512];
    int cols = -1;
    size_t n = sanitize_text(in, len, out, sizeof(out), max_cols, ascii, &cols);
    if (strcmp(out, want) != 0)
        fail_msg("got \"%s\", want \"%s\"", out, want);
    assert_int_equal(n, strlen(want));
    assert_int_equal(cols, want_cols);
}
#define CHECK(lit, max, ascii, want, wcols) check(lit, sizeof(lit) - 1, max, ascii, want, wcols)

static void test_escape_sequences_are_inert(void **state)
{
    (void)state;
    CHECK("\x1b]0;pwned\a", -1, false, "\\e]0;pwned\\x07", 14);
    CHECK("\x1b[2J", -1, false, "\\e[2J", 5);
    CHECK("ok\x1b[31mred\x1b[0m", -1, false, "ok\\e[31mred\\e[0m", 16);
    /* U+009B is CSI for terminals that honour 8-bit controls. */
    CHECK("\xc2\x9b"
          "31m!",
          -1, false, "\\u009b31m!", 10);
    CHECK("\xc2\x85\xc2\x9d", -1, false, "\\u0085\\u009d", 12);
    CHECK("a\tb\r\nc\x7f", -1, false, "a\\tb\\r\\nc\\x7f", 13);
    CHECK("nul\0byte", -1, false, "nul\\x00byte", 11);
    CHECK("\x01\x08\x1f", -1, false, "\\x01\\x08\\x1f", 12);
}

static void test_bidi_controls(void **state)
{
    (void)state;
    /* "invoice_<U+202E>fdp.exe" style spoofing: the override shows up as text. */
    CHECK("abc\xe2\x80\xae"
          "def",
          -1, false, "abc\\u202edef", 12);
    CHECK("\xe2\x81\xa6x\xe2\x81\xa9", -1, false, "\\u2066x\\u2069", 13);
    CHECK("\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", -1, false, "\\u200e\\u200f\\u061c", 18);
    CHECK("\xe2\x80\xaa\xe2\x80\xad", -1, false, "\\u202a\\u202d", 12);
}

/* Names that differ must not look the same: zero-width and other invisible code points
 * (Default_Ignorable_Code_Point) and spaces other than U+0020 show as escapes, in UTF-8
 * and ASCII terminals alike; visible combining marks stay attached. */
static void test_invisible_characters(void **state)
{
    (void)state;
    CHECK("prod\xe2\x80\x8b", -1, false, "prod\\u200b", 10);                  /* zero-width space */
    CHECK("p\xe2\x80\x8cr\xe2\x80\x8do", -1, false, "p\\u200cr\\u200do", 15); /* ZWNJ, ZWJ */
    CHECK("\xef\xbb\xbfweb", -1, false, "\\ufeffweb", 9);                     /* BOM */
    CHECK("we\xe2\x81\xa0"
          "b",
          -1, false, "we\\u2060b", 9); /* word joiner */
    CHECK("we\xc2\xad"
          "b",
          -1, false, "we\\u00adb", 9); /* soft hyphen */
    CHECK("a\xe1\xa0\x8e"
          "b",
          -1, false, "a\\u180eb", 8);                          /* Mongolian vowel separator */
    CHECK("a\xef\xb8\x8f", -1, false, "a\\ufe0f", 7);          /* variation selector 16 */
    CHECK("a\xf3\xa0\x84\x80", -1, false, "a\\U000e0100", 11); /* variation selector 17 */
    CHECK("a\xf3\xa0\x80\x81", -1, false, "a\\U000e0001", 11); /* language tag */
    CHECK("\xe3\x85\xa4", -1, false, "\\u3164", 6);            /* Hangul filler */
    CHECK("a\xcd\x8f"
          "b",
          -1, false, "a\\u034fb", 8); /* combining grapheme joiner */
    CHECK("web\xc2\xa0"
          "asg",
          -1, false, "web\\u00a0asg", 12); /* no-break space */
    CHECK("web\xe3\x80\x80"
          "asg",
          -1, false, "web\\u3000asg", 12); /* ideographic space */
    CHECK("a\xe2\x80\x83"
          "b\xe2\x80\xaf"
          "c",
          -1, false, "a\\u2003b\\u202fc", 15);
    CHECK("prod\xe2\x80\x8b", -1, true, "prod\\u200b", 10);
    CHECK("e\xcc\x81", -1, false, "e\xcc\x81", 1); /* a visible accent stays */
}

/* JSON for output: the same document, with nothing a terminal acts on or hides. */
static void test_json(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        { "{\"a\":\"csi\xc2\x9b"
          "2J rlo\xe2\x80\xae zw\xe2\x80\x8b"
          "b del\x7f\"}",
          "{\"a\":\"csi\\u009b2J rlo\\u202e zw\\u200bb del\\u007f\"}" },
        { "[\"caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x9a\x80\"]", "[\"caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x9a\x80\"]" },
        { "[\"tag\xf3\xa0\x80\x81\"]", "[\"tag\\udb40\\udc01\"]" }, /* above the BMP: a surrogate pair */
        { "[\"bad\xff\xc0\xaf\"]", "[\"bad\\ufffd\\ufffd\\ufffd\"]" },
        { "{\"esc\":\"\\u001b[2J\"}", "{\"esc\":\"\\u001b[2J\"}" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = sanitize_json(cases[i].in, strlen(cases[i].in));
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("case %zu: got %s, want %s", i, got, cases[i].want);
        free(got);
    }
    char *empty = sanitize_json(NULL, 0);
    assert_string_equal(empty, "");
    free(empty);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    CHECK("\xff\xfe", -1, false, "\\xff\\xfe", 8);
    CHECK("\xc0\xaf", -1, false, "\\xc0\\xaf", 8);                    /* overlong '/' */
    CHECK("\xed\xa0\x80", -1, false, "\\xed\\xa0\\x80", 12);          /* UTF-16 surrogate */
    CHECK("\xf4\x90\x80\x80", -1, false, "\\xf4\\x90\\x80\\x80", 16); /* > U+10FFFF */
    CHECK("ok\xe6\x97", -1, false, "ok\\xe6\\x97", 10);               /* truncated 日 */
    CHECK("\xe6\x97"
          "A",
          -1, false, "\\xe6\\x97A", 9);
    /* Non-printable per wcwidth: unassigned, noncharacters, line separator. */
    CHECK("\xcd\xb8", -1, false, "\\u0378", 6);
    CHECK("\xf4\x8f\xbf\xbf", -1, false, "\\U0010ffff", 10);
    CHECK("\xe2\x80\xa8", -1, false, "\\u2028", 6);
}

static void test_wide_and_combining(void **state)
{
    (void)state;
    const char *jp = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"; /* 日本語, 2 columns each */
    check(jp, strlen(jp), 6, false, jp, 6);
    check(jp, strlen(jp), -1, false, jp, 6);
    check(jp, strlen(jp), 5, false, "\xe6\x97\xa5\xe6\x9c\xac\xe2\x80\xa6", 5); /* 日本… */
    check(jp, strlen(jp), 4, false, "\xe6\x97\xa5\xe2\x80\xa6", 3);             /* odd cut: 日… */
    check(jp, strlen(jp), 3, false, "\xe6\x97\xa5\xe2\x80\xa6", 3);
    check(jp, strlen(jp), 2, false, "\xe2\x80\xa6", 1);
    /* e + U+0301: one column, the mark stays with its base. */
    CHECK("e\xcc\x81", -1, false, "e\xcc\x81", 1);
    CHECK("e\xcc\x81xy", 2, false, "e\xcc\x81\xe2\x80\xa6", 2);
    CHECK("\xf0\x9f\x9a\x80!", -1, false, "\xf0\x9f\x9a\x80!", 3); /* 🚀 is wide */
    /* Escapes are never split by a cut. */
    CHECK("ab\x1b[2J", 4, false, "ab\xe2\x80\xa6", 3);
    CHECK("\xc2\x9b", 5, false, "\xe2\x80\xa6", 1);
}

static void test_column_limits(void **state)
{
    (void)state;
    CHECK("anything", 0, false, "", 0);
    CHECK("\x1b", 0, false, "", 0);
    CHECK("", 0, false, "", 0);
    CHECK("a", 1, false, "a", 1);
    CHECK("ab", 1, false, "\xe2\x80\xa6", 1);
    CHECK("ab", 1, true, "~", 1);
    CHECK("abc", 3, false, "abc", 3);
    CHECK("abcd", 3, false, "ab\xe2\x80\xa6", 3);
    CHECK("abcd", 3, true, "ab~", 3);
    check(NULL, 5, 10, false, "", 0);
}

static void test_tiny_buffers(void **state)
{
    (void)state;
    char out[8];
    int cols = -1;
    memset(out, 'Z', sizeof(out));
    assert_int_equal(sanitize_text("abc", 3, out, 0, -1, false, &cols), 0);
    assert_int_equal(out[0], 'Z'); /* nothing written */
    assert_int_equal(cols, 0);
    assert_int_equal(sanitize_text("abc", 3, out, 1, -1, false, &cols), 0);
    assert_string_equal(out, "");
    assert_int_equal(sanitize_text("abcdef", 6, out, 4, -1, true, &cols), 3);
    assert_string_equal(out, "ab~");
    assert_int_equal(cols, 3);
    /* "…" takes 3 bytes: with 4 bytes of room only the marker fits. */
    assert_int_equal(sanitize_text("abcdef", 6, out, 4, -1, false, &cols), 3);
    assert_string_equal(out, "\xe2\x80\xa6");
    /* Not even the marker fits: cut without it, still within the buffer. */
    assert_int_equal(sanitize_text("abcdef", 6, out, 3, -1, false, &cols), 2);
    assert_string_equal(out, "ab");
    /* An escape that does not fit is dropped whole (the marker says so). */
    assert_int_equal(sanitize_text("\x1b", 1, out, 2, -1, true, &cols), 1);
    assert_string_equal(out, "~");
    assert_int_equal(sanitize_text("\x1b", 1, out, 3, -1, true, &cols), 2);
    assert_string_equal(out, "\\e");
    assert_int_equal(sanitize_text("\xe6\x97\xa5", 3, out, 4, -1, false, &cols), 3);
    assert_int_equal(cols, 2);
    assert_int_equal(sanitize_text("\xe6\x97\xa5", 3, out, 3, -1, false, &cols), 0);
}

static void test_ascii_only(void **state)
{
    (void)state;
    CHECK("caf\xc3\xa9", -1, true, "caf?", 4);
    CHECK("e\xcc\x81", -1, true, "e", 1); /* combining mark dropped */
    CHECK("\xe6\x97\xa5\xe6\x9c\xac", -1, true, "??", 2);
    CHECK("\x1b[2J\xc2\x9b\xe2\x80\xae\xff", -1, true, "\\e[2J\\u009b\\u202e\\xff", 21);
    CHECK("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 2, true, "?~", 2);
}

/* For a mix of everything, at every width: result fits, is valid for the locale,
 * carries no control character, and its wcswidth is what cols_used says. */
static void test_width_invariant(void **state)
{
    (void)state;
    const char in[] = "x\xe6\x97\xa5\x1b[1m\xcc\x81"
                      "e\xcc\x81\xc2\x9b\xe2\x80\xae\xff\xf0\x9f\x9a\x80\ty\xe8\xaa\x9e";
    for (int ascii = 0; ascii < 2; ascii++) {
        for (int max = 0; max <= 50; max++) {
            char out[128];
            int cols = -1;
            size_t n = sanitize_text(in, sizeof(in) - 1, out, sizeof(out), max, ascii, &cols);
            assert_true(n < sizeof(out));
            assert_int_equal(strlen(out), n);
            assert_true(cols <= max);
            wchar_t w[128];
            size_t nw = mbstowcs(w, out, 128);
            assert_true(nw != (size_t)-1);
            for (size_t i = 0; i < nw; i++)
                assert_false(w[i] < 0x20 || (w[i] >= 0x7f && w[i] <= 0x9f));
            assert_int_equal(wcswidth(w, nw), cols);
            if (ascii)
                for (size_t i = 0; i < n; i++)
                    assert_true((unsigned char)out[i] < 0x80);
        }
    }
}

int main(void)
{
    if (!setlocale(LC_ALL, "C.UTF-8"))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_sequences_are_inert),
        cmocka_unit_test(test_bidi_controls),
        cmocka_unit_test(test_invisible_characters),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_wide_and_combining),
        cmocka_unit_test(test_column_limits),
        cmocka_unit_test(test_tiny_buffers),
        cmocka_unit_test(test_ascii_only),
        cmocka_unit_test(test_width_invariant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
