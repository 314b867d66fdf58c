/* fuzz_theme.c — libFuzzer target: arbitrary bytes through theme_parse, the loader
 * behind every theme file (the user's themes dir is user input). A success must hold
 * only colours and attributes the terminal code can map; a failure must say
 * FILE:LINE:COLUMN and leave the monochrome defaults. The input, cut at its first
 * line, also goes through theme_parse_color alone. Seeds: themes/ (tests/fixtures/theme). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "theme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_color(theme_color c)
{
    switch (c.kind) {
    case TC_DEFAULT:
        break;
    case TC_INDEX:
        if (c.value < 0 || c.value > 255)
            abort();
        break;
    case TC_RGB: {
        if (c.value < 0 || c.value > 0xffffff)
            abort();
        int n = theme_nearest_256(c.value);
        if (n < 16 || n > 255)
            abort();
        break;
    }
    default:
        abort();
    }
}

static void check_theme(const theme *t)
{
    if (!memchr(t->name, '\0', sizeof t->name) || !theme_name_ok(t->name))
        abort();
    const unsigned all =
        THEME_A_BOLD | THEME_A_UNDERLINE | THEME_A_REVERSE | THEME_A_DIM | THEME_A_ITALIC | THEME_A_STANDOUT;
    for (int r = 0; r < ROLE_COUNT; r++) {
        const theme_style *s = &t->role[r];
        check_color(s->fg);
        check_color(s->bg);
        if (s->fg8 < -1 || s->fg8 > 7 || s->bg8 < -1 || s->bg8 > 7 || (s->attrs & ~all))
            abort();
    }
}

static void one_color(const uint8_t *data, size_t size)
{
    char s[64];
    size_t n = 0;
    while (n < size && n < sizeof s - 1 && data[n] != '\n')
        n++;
    memcpy(s, data, n);
    s[n] = '\0';
    theme_color c;
    if (theme_parse_color(s, &c))
        check_color(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    theme t, defaults;
    theme_defaults(&defaults);
    strbuf err;
    sb_init(&err);
    int rc = theme_parse((const char *)data, size, "fuzz.yaml", &t, &err);
    if (rc == 0) {
        if (err.len)
            abort();
        check_theme(&t);
    } else if (rc != -1 || strncmp(err.buf, "fuzz.yaml:", 10) != 0 || memcmp(&t, &defaults, sizeof t) != 0) {
        abort();
    }
    sb_free(&err);
    one_color(data, size);
    return 0;
}
