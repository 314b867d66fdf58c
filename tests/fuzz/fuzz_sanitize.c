/* fuzz_sanitize.c — libFuzzer target for the terminal sanitizer. Input: byte 0 =
 * max_cols (0..254, 255 = unbounded), byte 1 = out_cap, byte 2 bit 0 = ascii_only,
 * the rest = text. Asserts the contract: within out_cap and max_cols, valid UTF-8,
 * no C0/DEL/C1/bidi control, and wcswidth of the result equals cols_used. */
#include <locale.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "sanitize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool forbidden(wchar_t c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x061c || c == 0x200e || c == 0x200f ||
           (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
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
        abort();                               /* not valid UTF-8 */
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
