/* fuzz_sanitize.c — libFuzzer target for the terminal sanitizer. Input: byte 0 =
 * max_cols (0..254, 255 = unbounded), byte 1 = out_cap, byte 2 bit 0 = ascii_only,
 * the rest = text. Asserts the contract: within out_cap and max_cols, valid UTF-8,
 * no C0/DEL/C1/bidi control, no invisible character (zero-width, BOM, variation
 * selector, odd space ...), and wcswidth of the result equals cols_used. The text also
 * goes through sanitize_json: valid UTF-8 out, none of those characters raw, and a
 * JSON document in (valid UTF-8) is the same document out. Seeds:
 * tests/fixtures/sanitize. */
#include <json-c/json.h>
#include <locale.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "sanitize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Controls, and what draws nothing or a blank that is not U+0020. */
static bool forbidden(wchar_t c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x061c || c == 0x200e || c == 0x200f ||
        (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x00a0 || c == 0x00ad || c == 0x034f ||
        c == 0x115f || c == 0x1160 || c == 0x1680 || c == 0x17b4 || c == 0x17b5 || (c >= 0x180b && c <= 0x180f) ||
        (c >= 0x2000 && c <= 0x200d) || c == 0x202f || (c >= 0x205f && c <= 0x2065) || (c >= 0x206a && c <= 0x206f) ||
        c == 0x3000 || c == 0x3164 || (c >= 0xfe00 && c <= 0xfe0f) || c == 0xfeff || c == 0xffa0 ||
        (c >= 0xfff0 && c <= 0xfff8) || (c >= 0x1bca0 && c <= 0x1bca3) || (c >= 0x1d173 && c <= 0x1d17a) ||
        (c >= 0xe0000 && c <= 0xe0fff);
}

static void check_json(const char *in, size_t len)
{
    char *out = sanitize_json(in, len);
    size_t n = strlen(out);
    wchar_t *w = malloc((n + 1) * sizeof(*w));
    size_t nw = mbstowcs(w, out, n + 1);
    if (nw == (size_t)-1)
        abort(); /* not valid UTF-8 */
    for (size_t i = 0; i < nw; i++)
        if (w[i] >= 0x7f && forbidden(w[i]))
            abort();
    free(w);
    /* A document in valid UTF-8 keeps its meaning. */
    if (mbstowcs(NULL, in, 0) != (size_t)-1 && strlen(in) == len) {
        json_object *a = json_tokener_parse(in), *b = json_tokener_parse(out);
        /* compared as json-c writes them: NaN is not equal to itself */
        if (a &&
            (!b ||
             strcmp(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN),
                    json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN)) != 0))
            abort();
        json_object_put(a);
        json_object_put(b);
    }
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool locale_set;
    if (!locale_set) {
        if (!setlocale(LC_ALL, "C.UTF-8"))
            abort();
        locale_set = true;
    }
    if (size < 3)
        return 0;
    int max_cols = data[0] == 255 ? -1 : data[0];
    size_t out_cap = data[1];
    bool ascii = data[2] & 1;
    const char *in = (const char *)data + 3;
    size_t in_len = size - 3;
    char *text = malloc(in_len + 1); /* NUL-terminated for the JSON check */
    memcpy(text, in, in_len);
    text[in_len] = '\0';
    check_json(text, in_len);
    free(text);

    /* Exactly out_cap bytes on the heap so ASan sees any overflow. */
    char *out = malloc(out_cap ? out_cap : 1);
    int cols = -1;
    size_t n = sanitize_text(in, in_len, out, out_cap, max_cols, ascii, &cols);
    if (out_cap == 0) {
        if (n != 0 || cols != 0)
            abort();
        free(out);
        return 0;
    }
    if (n >= out_cap || strlen(out) != n || cols < 0 || (max_cols >= 0 && cols > max_cols))
        abort();
    wchar_t *w = malloc((n + 1) * sizeof(*w));
    size_t nw = mbstowcs(w, out, n + 1);
    if (nw == (size_t)-1)
        abort(); /* not valid UTF-8 */
    for (size_t i = 0; i < nw; i++) {
        if (forbidden(w[i]) || wcwidth(w[i]) < 0)
            abort();
        if (ascii && w[i] >= 0x80)
            abort();
    }
    if (wcswidth(w, nw) != cols)
        abort();
    free(w);
    free(out);
    return 0;
}
