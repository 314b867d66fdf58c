/* cli_out.c — the one place the headless commands write text to a terminal or pipe:
 * every line passes the sanitizer (backend/sanitize.h) on its way out, and JSON passes an
 * escaper that keeps it valid JSON while making it inert on a terminal. Whatever a
 * server, a config file or a flag said can then never move the cursor, recolour the
 * screen or reorder text. tests/conformance/test_hostile_output.py fails when cli/ or
 * cli/main.c writes anything but a literal without going through these. */
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

void cli_put_json(FILE *f, const char *json)
{
    const char *j = json ? json : "null";
    char *safe = sanitize_json(j, strlen(j)); /* the one JSON escaper (backend/sanitize.c) */
    fputs(safe, f);
    fputc('\n', f);
    free(safe);
}
