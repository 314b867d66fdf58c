/* sanitize.c — turns untrusted bytes into inert, visible, width-bounded UTF-8 for
 * the terminal (rules in sanitize.h). Works one "piece" at a time: a character or
 * an escape, never split, so a cut never leaves half a sequence behind. */
#include "sanitize.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "util.h"

/* One output unit: at most "\U0010ffff" (10 bytes) or a 4-byte character. */
typedef struct piece {
    char buf[16];
    size_t len;
    int width;
} piece;

/* Strict UTF-8 (RFC 3629): no overlongs, no surrogates, nothing above U+10FFFF.
 * Returns the sequence length, or 0 when s[0] does not start a valid sequence. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf; /* bounds of the second byte */
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        *cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        *cp = c & 0x0f;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        *cp = c & 0x07;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (s[i] & 0x3f);
    }
    return len;
}

static bool is_bidi_control(uint32_t cp)
{
    return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
        (cp >= 0x2066 && cp <= 0x2069);
}

/* Code points that draw nothing, or a blank that is not U+0020, so that two names
 * that differ look the same: Unicode's Default_Ignorable_Code_Point (DerivedCore-
 * Properties.txt: soft hyphen, combining grapheme joiner, Hangul and Khmer fillers,
 * Mongolian selectors, zero-width space and joiners, word joiner and invisible
 * operators, variation selectors, BOM, tag characters ...) and the space separators
 * (general category Zs) other than the space itself. */
static const struct {
    uint32_t lo, hi;
} invisible[] = {
    { 0x00a0, 0x00a0 }, { 0x00ad, 0x00ad }, { 0x034f, 0x034f },   { 0x061c, 0x061c },   { 0x115f, 0x1160 },
    { 0x1680, 0x1680 }, { 0x17b4, 0x17b5 }, { 0x180b, 0x180f },   { 0x2000, 0x200f },   { 0x202a, 0x202f },
    { 0x205f, 0x206f }, { 0x3000, 0x3000 }, { 0x3164, 0x3164 },   { 0xfe00, 0xfe0f },   { 0xfeff, 0xfeff },
    { 0xffa0, 0xffa0 }, { 0xfff0, 0xfff8 }, { 0x1bca0, 0x1bca3 }, { 0x1d173, 0x1d17a }, { 0xe0000, 0xe0fff },
};

static bool is_invisible(uint32_t cp)
{
    for (size_t i = 0; i < sizeof invisible / sizeof invisible[0] && cp >= invisible[i].lo; i++)
        if (cp <= invisible[i].hi)
            return true;
    return false;
}

/* What is never written raw: C1 controls, bidi controls, invisible code points, and
 * the line and paragraph separators (U+2028/9: a line break to some terminals and to
 * JavaScript, inside a JSON string). */
static bool must_escape(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || is_bidi_control(cp) || is_invisible(cp) || cp == 0x2028 || cp == 0x2029;
}

static void piece_text(piece *p, const char *s)
{
    p->len = strlen(s);
    memcpy(p->buf, s, p->len);
    p->width = (int)p->len;
}

static void piece_printf_cp(piece *p, uint32_t cp)
{
    int n = cp > 0xffff ? snprintf(p->buf, sizeof(p->buf), "\\U%08x", (unsigned)cp)
                        : snprintf(p->buf, sizeof(p->buf), "\\u%04x", (unsigned)cp);
    p->len = (size_t)n;
    p->width = n;
}

/* Builds the piece for the input at s; returns how many input bytes it consumed. */
static size_t next_piece(const unsigned char *s, size_t n, bool ascii_only, piece *p)
{
    uint32_t cp;
    size_t used = utf8_decode(s, n, &cp);
    if (used == 0) {
        int k = snprintf(p->buf, sizeof(p->buf), "\\x%02x", s[0]);
        p->len = (size_t)k;
        p->width = k;
        return 1;
    }
    if (cp < 0x20 || cp == 0x7f) {
        switch (cp) {
        case 0x1b:
            piece_text(p, "\\e");
            break;
        case '\t':
            piece_text(p, "\\t");
            break;
        case '\n':
            piece_text(p, "\\n");
            break;
        case '\r':
            piece_text(p, "\\r");
            break;
        default: {
            int k = snprintf(p->buf, sizeof(p->buf), "\\x%02x", (unsigned)cp);
            p->len = (size_t)k;
            p->width = k;
        }
        }
        return used;
    }
    if (cp < 0x80) {
        p->buf[0] = (char)cp;
        p->len = 1;
        p->width = 1;
        return used;
    }
    if (must_escape(cp)) {
        piece_printf_cp(p, cp);
        return used;
    }
    int w = wcwidth((wchar_t)cp);
    if (ascii_only) {
        if (w == 0) { /* a combining mark: nothing to show without its base */
            p->len = 0;
            p->width = 0;
        } else {
            piece_text(p, "?");
        }
        return used;
    }
    if (w < 0) {
        piece_printf_cp(p, cp);
        return used;
    }
    memcpy(p->buf, s, used);
    p->len = used;
    p->width = w;
    return used;
}

size_t sanitize_text(const char *in, size_t in_len, char *out, size_t out_cap, int max_cols, bool ascii_only,
                     int *cols_used)
{
    if (cols_used)
        *cols_used = 0;
    if (!out || out_cap == 0)
        return 0;
    const char *ell = ascii_only ? "~" : "\xe2\x80\xa6"; /* U+2026 */
    size_t ell_len = strlen(ell);
    const unsigned char *s = (const unsigned char *)(in ? in : "");
    if (!in)
        in_len = 0;

    size_t len = 0;
    int cols = 0;
    /* Where the marker would go if the text has to be cut: the last boundary
     * after which the marker still fits. */
    bool have_cut = false;
    size_t cut_len = 0;
    int cut_cols = 0;
#define MARKER_FITS(l, c) ((max_cols < 0 || (c) < max_cols) && (l) + ell_len < out_cap)
    if (MARKER_FITS(len, cols))
        have_cut = true;

    bool truncated = false;
    size_t i = 0;
    while (i < in_len) {
        piece p;
        size_t used = next_piece(s + i, in_len - i, ascii_only, &p);
        if ((max_cols >= 0 && p.width > max_cols - cols) || len + p.len >= out_cap) {
            truncated = true;
            break;
        }
        memcpy(out + len, p.buf, p.len);
        len += p.len;
        cols += p.width;
        i += used;
        if (MARKER_FITS(len, cols)) {
            have_cut = true;
            cut_len = len;
            cut_cols = cols;
        }
    }
#undef MARKER_FITS
    if (truncated && have_cut) {
        len = cut_len;
        cols = cut_cols;
        memcpy(out + len, ell, ell_len);
        len += ell_len;
        cols += 1;
    }
    out[len] = '\0';
    if (cols_used)
        *cols_used = cols;
    return len;
}

size_t sanitize_str(const char *in, char *out, size_t out_cap, int max_cols, bool ascii_only, int *cols_used)
{
    return sanitize_text(in, in ? strlen(in) : 0, out, out_cap, max_cols, ascii_only, cols_used);
}

char *sanitize_json(const char *json, size_t len)
{
    strbuf sb;
    sb_init(&sb);
    const unsigned char *s = (const unsigned char *)(json ? json : "");
    if (!json)
        len = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t used = utf8_decode(s + i, len - i, &cp);
        if (used == 0) {
            sb_append(&sb, "\\ufffd");
            i++;
        } else if (cp == 0x7f || must_escape(cp) || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r')) {
            /* (json-c escapes C0 controls in strings itself; one outside a string means
             * the text was no JSON: still never written raw) */
            if (cp > 0xffff) /* JSON writes it as a surrogate pair */
                sb_printf(&sb, "\\u%04x\\u%04x", (unsigned)(0xd800 + ((cp - 0x10000) >> 10)),
                          (unsigned)(0xdc00 + ((cp - 0x10000) & 0x3ff)));
            else
                sb_printf(&sb, "\\u%04x", (unsigned)cp);
            i += used;
        } else {
            sb_appendn(&sb, (const char *)s + i, used);
            i += used;
        }
    }
    return sb_steal(&sb);
}
