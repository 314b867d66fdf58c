/* textwrap.c — word wrap of sanitized text by display cells (see textwrap.h). */
#include "textwrap.h"

#include <stdlib.h>
#include <string.h>

#include "sanitize.h"

/* One character of sanitized text with the zero-width marks after it. */
typedef struct unit {
    size_t off, len;
    int width;
} unit;

typedef VEC(unit) unit_vec;

static size_t utf8_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

/* Splits sanitized text into units; the sanitizer measures each character (the
 * text is its own output already, so it comes back unchanged). */
static void split_units(const char *s, size_t n, bool ascii, unit_vec *out)
{
    for (size_t i = 0; i < n;) {
        size_t len = utf8_len((unsigned char)s[i]);
        if (len > n - i)
            len = n - i;
        char tmp[32];
        int w = 0;
        sanitize_text(s + i, len, tmp, sizeof tmp, -1, ascii, &w);
        if (w == 0 && out->n) {
            out->items[out->n - 1].len += len; /* a combining mark stays with its base */
        } else {
            unit u = { i, len, w };
            VEC_PUSH(*out, u);
        }
        i += len;
    }
}

static bool is_space(const char *s, const unit *u)
{
    return u->len == 1 && s[u->off] == ' ';
}

/* Appends a line: `indent` spaces, then s[from..to) of the units. */
static void emit(strvec *out, int indent, const char *s, const unit_vec *u, size_t from, size_t to)
{
    strbuf sb;
    sb_init(&sb);
    for (int i = 0; i < indent; i++)
        sb_appendc(&sb, ' ');
    if (to > from)
        sb_appendn(&sb, s + u->items[from].off, u->items[to - 1].off + u->items[to - 1].len - u->items[from].off);
    if (out)
        strvec_push(out, sb.buf);
    sb_free(&sb);
}

/* The last allowed line: what is left, cut with the sanitizer's marker. */
static void emit_cut(strvec *out, int indent, int room, const char *s, const unit_vec *u, size_t from, bool ascii)
{
    if (!out)
        return;
    const char *rest = s + u->items[from].off;
    size_t cap = strlen(rest) + 8;
    char *buf = xmalloc(cap);
    sanitize_text(rest, strlen(rest), buf, cap, room, ascii, NULL);
    strbuf sb;
    sb_init(&sb);
    for (int i = 0; i < indent; i++)
        sb_appendc(&sb, ' ');
    sb_append(&sb, buf);
    strvec_push(out, sb.buf);
    sb_free(&sb);
    free(buf);
}

static int wrap(const char *text, int width, int hang, int max_lines, bool ascii, strvec *out)
{
    if (width < 1)
        width = 1;
    if (hang < 0 || width - hang < (width + 2) / 3)
        hang = 0;
    char *s = xmalloc(WRAP_MAX_BYTES);
    size_t n = sanitize_str(text ? text : "", s, WRAP_MAX_BYTES, -1, ascii, NULL);
    unit_vec u = { 0 };
    split_units(s, n, ascii, &u);
    int lines = 0;
    size_t pos = 0;
    do {
        int indent = lines ? hang : 0;
        int room = width - indent;
        if (lines) /* the spaces at a break are dropped */
            while (pos < u.n && is_space(s, &u.items[pos]))
                pos++;
        if (lines && pos >= u.n)
            break;
        /* How far the line reaches, and its last space. */
        size_t end = pos, brk = 0;
        bool have_brk = false;
        int used = 0;
        /* The first line's spaces before the hang (a key's padding) are no break:
         * a value too long for its line goes on under itself, not below its key. */
        int no_break_before = lines ? 0 : hang;
        while (end < u.n && used + u.items[end].width <= room) {
            if (is_space(s, &u.items[end]) && end > pos && used >= no_break_before) {
                brk = end;
                have_brk = true;
            }
            used += u.items[end].width;
            end++;
        }
        bool rest = end < u.n;
        if (rest && is_space(s, &u.items[end]) && used >= no_break_before) {
            brk = end; /* the word ends exactly at the edge */
            have_brk = true;
        }
        if (rest && max_lines > 0 && lines + 1 == max_lines) {
            emit_cut(out, indent, room, s, &u, pos, ascii);
            lines++;
            break;
        }
        if (!rest) {
            emit(out, indent, s, &u, pos, end);
            pos = end;
        } else if (end == pos) {
            /* One character wider than the line: its marker instead. */
            if (out) {
                char *m = xasprintf("%*s%s", indent, "", ascii ? "~" : "\xe2\x80\xa6");
                strvec_push(out, m);
                free(m);
            }
            pos++;
        } else if (have_brk) {
            size_t stop = brk;
            while (stop > pos && is_space(s, &u.items[stop - 1]))
                stop--;
            emit(out, indent, s, &u, pos, stop);
            pos = brk;
        } else {
            emit(out, indent, s, &u, pos, end); /* a word longer than the line */
            pos = end;
        }
        lines++;
    } while (pos < u.n);
    VEC_FREE(u);
    free(s);
    return lines;
}

int text_wrap(const char *text, int width, int hang, int max_lines, bool ascii, strvec *out)
{
    return wrap(text, width, hang, max_lines, ascii, out);
}

int text_wrap_count(const char *text, int width, int hang, int max_lines, bool ascii)
{
    return wrap(text, width, hang, max_lines, ascii, NULL);
}
