/* cli_out.c — the one place the headless commands write text to a terminal or pipe:
 * every line passes the sanitizer (tui/sanitize.h) on its way out, and JSON passes an
 * escaper that keeps it valid JSON while making it inert on a terminal. Whatever a
 * server, a config file or a flag said can then never move the cursor, recolour the
 * screen or reorder text. tests/conformance/test_hostile_output.py fails when cli/ or
 * tui/main.c writes anything but a literal without going through these. */
#include "cli.h"

#include <langinfo.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sanitize.h"

bool cli_ascii_terminal(void)
{
    const char *cs = nl_langinfo(CODESET);
    return !(cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0));
}

/* Sanitizes s[0..n) into a buffer large enough for every escape (the widest turns
 * one byte into four: \x07), bounded to cols columns (< 0: no bound). */
static char *sanitized(const char *s, size_t n, int cols, int *used)
{
    size_t cap = n * 4 + 16;
    char *buf = xmalloc(cap);
    sanitize_text(s, n, buf, cap, cols, cli_ascii_terminal(), used);
    return buf;
}

void cli_put(FILE *f, const char *s, int cols)
{
    if (!s)
        s = "-";
    char *buf = sanitized(s, strlen(s), cols, NULL);
    fputs(buf, f);
    free(buf);
}

void cli_cell(FILE *f, const char *s, int width)
{
    if (!s)
        s = "-";
    int used = 0;
    char *buf = sanitized(s, strlen(s), width > 0 ? width : 200, &used);
    fputs(buf, f);
    free(buf);
    for (int i = used; i < width; i++)
        fputc(' ', f);
}

static void put_formatted(FILE *f, const char *prefix, const char *fmt, va_list ap, bool newline)
{
    strbuf sb;
    sb_init(&sb);
    sb_vprintf(&sb, fmt, ap);
    char *buf = sanitized(sb.buf, sb.len, -1, NULL);
    if (prefix)
        fputs(prefix, f);
    fputs(buf, f);
    if (newline)
        fputc('\n', f);
    free(buf);
    sb_free(&sb);
}

void cli_printf(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    put_formatted(f, NULL, fmt, ap, false);
    va_end(ap);
}

void cli_say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    put_formatted(stdout, NULL, fmt, ap, true);
    va_end(ap);
    fflush(stdout);
}

/* Most error lines carry a profile name, an AWS message or a journal value. */
void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    put_formatted(stderr, "tarmac: ", fmt, ap, true);
    va_end(ap);
}

/* ---- JSON: valid JSON still, inert on a terminal ---- */

/* Length of the UTF-8 sequence at s (at most n bytes) and its code point; 0 when it
 * is not valid UTF-8 (overlong, surrogate, beyond U+10FFFF, cut short). */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t len = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3
               : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
    if (len == 0 || len > n)
        return 0;
    *cp = len == 1 ? s[0] : s[0] & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (s[i] & 0x3f);
    }
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (*cp < min[len] || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
        return 0;
    return len;
}

/* What a terminal would act on or hide: C0 and DEL, C1 (U+009B is CSI), the bidi
 * controls, zero-width characters and the line/paragraph separators. */
static bool json_escape_cp(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c || (cp >= 0x200b && cp <= 0x200f) ||
           (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff;
}

void cli_put_json(FILE *f, const char *json)
{
    const unsigned char *s = (const unsigned char *)(json ? json : "null");
    size_t n = strlen((const char *)s);
    bool in_string = false, escaped = false;
    for (size_t i = 0; i < n;) {
        uint32_t cp = 0;
        size_t len = utf8_seq(s + i, n - i, &cp);
        if (!in_string) {   /* outside strings JSON is printable ASCII and whitespace */
            unsigned char c = s[i++];
            in_string = c == '"';
            fputc((c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n' || c == '\r' ? c : '?', f);
            continue;
        }
        if (len == 0) {   /* not UTF-8, so not JSON: shown as the replacement character */
            fputs("\\ufffd", f);
            i++;
            escaped = false;
            continue;
        }
        if (json_escape_cp(cp)) {
            fprintf(f, "\\u%04x", (unsigned)cp);
        } else {
            fwrite(s + i, 1, len, f);
            if (!escaped && cp == '"')
                in_string = false;
        }
        escaped = !escaped && cp == '\\';
        i += len;
    }
    fputc('\n', f);
}
