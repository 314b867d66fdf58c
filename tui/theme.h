/* theme.h — colour themes: an enum of roles (header, selection, healthy, ...) and,
 * per theme, a style for each role read from a YAML file (themes/NAME.yaml, looked
 * up in the user's config dir, the install prefix, then the copy compiled into the
 * binary). Colours are names, 0-255 or #rrggbb, each with an 8-colour fallback;
 * theme_activate() maps them onto what the terminal has (none, 8, 256, direct). */
#ifndef TARMAC_THEME_H
#define TARMAC_THEME_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define THEME_ROLES(X)                                                                                                 \
    X(NORMAL, "normal")                                                                                                \
    X(HEADER, "header")                                                                                                \
    X(TITLE, "pane_title")                                                                                             \
    X(FOCUS_BORDER, "focused_border")                                                                                  \
    X(BORDER, "border")                                                                                                \
    X(SELECTION, "selection")                                                                                          \
    X(HEALTHY, "healthy")                                                                                              \
    X(UNHEALTHY, "unhealthy")                                                                                          \
    X(WARNING, "warning")                                                                                              \
    X(NEUTRAL, "neutral")                                                                                              \
    X(PROGRESS, "progress")                                                                                            \
    X(ERROR, "error")                                                                                                  \
    X(CHANGED, "changed")

typedef enum theme_role {
#define X(id, name) ROLE_##id,
    THEME_ROLES(X)
#undef X
        ROLE_COUNT
} theme_role;

extern const char *const theme_role_names[ROLE_COUNT];

enum { TC_DEFAULT, TC_INDEX, TC_RGB };
typedef struct theme_color {
    int kind;
    int value;
} theme_color; /* value: 0-255 or 0xRRGGBB */

enum {
    THEME_A_BOLD = 1,
    THEME_A_UNDERLINE = 2,
    THEME_A_REVERSE = 4,
    THEME_A_DIM = 8,
    THEME_A_ITALIC = 16,
    THEME_A_STANDOUT = 32
};

typedef struct theme_style {
    theme_color fg, bg;
    int fg8, bg8;   /* 0-7, or -1 for the terminal's default */
    unsigned attrs; /* THEME_A_* */
} theme_style;

typedef struct theme {
    char name[65];
    theme_style role[ROLE_COUNT];
} theme;

/* Terminal colour capability. */
typedef enum theme_mode { THEME_MONO, THEME_8, THEME_256, THEME_DIRECT } theme_mode;

/* The built-in monochrome defaults (used for roles a file leaves out). */
void theme_defaults(theme *t);
/* Parse a theme file's text; errors "FILE:LINE:COLUMN: message" appended to err. */
int theme_parse(const char *data, size_t len, const char *filename, theme *t, strbuf *err);
/* Find and load theme `name` (user dir, TARMAC_DATADIR, compiled-in). */
int theme_load(const char *name, theme *t, strbuf *err);
/* True for [A-Za-z0-9_-]{1,64} (a theme name can never be a path). */
bool theme_name_ok(const char *name);
/* Names of the themes found (compiled-in and user dir), for completion. */
void theme_list(strvec *out);

/* Nearest xterm-256 palette index for 0xRRGGBB (16-255 only). */
int theme_nearest_256(int rgb);
/* Parse one colour value ("red", "bright-blue", "default", "208", "#ff8800"). */
bool theme_parse_color(const char *s, theme_color *out);

/* Mode from the environment and the terminal (call after initscr). */
theme_mode theme_detect_mode(void);
/* Define colour pairs and fill out[role] with the curses attributes to use. */
void theme_activate(const theme *t, theme_mode mode, unsigned long out[ROLE_COUNT]);

#endif
