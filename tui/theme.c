/* theme.c — loading themes from YAML (libyaml via yaml_util) and mapping their
 * colours onto the terminal: direct colour, the xterm-256 palette, the 8 basic
 * colours, or attributes only (no colours, NO_COLOR). */
#include "theme.h"

#include <curses.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "embedded.h"
#include "yaml_util.h"

#ifndef TARMAC_DATADIR
#define TARMAC_DATADIR "/usr/local/share/tarmac"
#endif

#define THEME_MAX_FILE (256 * 1024)

const char *const theme_role_names[ROLE_COUNT] = {
#define X(id, name) [ROLE_##id] = name,
    THEME_ROLES(X)
#undef X
};

static const char *const basic_names[8] = {
    "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
};

/* What each role looks like without colours: enough to tell states apart. */
static const unsigned mono_attrs[ROLE_COUNT] = {
    [ROLE_HEADER] = THEME_A_REVERSE,    [ROLE_TITLE] = THEME_A_BOLD,
    [ROLE_FOCUS_BORDER] = THEME_A_BOLD, [ROLE_SELECTION] = THEME_A_REVERSE,
    [ROLE_UNHEALTHY] = THEME_A_BOLD,    [ROLE_WARNING] = THEME_A_UNDERLINE,
    [ROLE_NEUTRAL] = THEME_A_DIM,       [ROLE_PROGRESS] = THEME_A_BOLD,
    [ROLE_ERROR] = THEME_A_BOLD,        [ROLE_CHANGED] = THEME_A_BOLD | THEME_A_UNDERLINE,
};

void theme_defaults(theme *t)
{
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "builtin");
    for (int r = 0; r < ROLE_COUNT; r++) {
        t->role[r].fg.kind = t->role[r].bg.kind = TC_DEFAULT;
        t->role[r].fg8 = t->role[r].bg8 = -1;
        t->role[r].attrs = mono_attrs[r];
    }
}

bool theme_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return true;
}

static int basic_index(const char *s)
{
    for (int i = 0; i < 8; i++)
        if (strcmp(s, basic_names[i]) == 0)
            return i;
    return -1;
}

bool theme_parse_color(const char *s, theme_color *out)
{
    if (!s || !*s)
        return false;
    if (strcmp(s, "default") == 0) {
        *out = (theme_color){ TC_DEFAULT, 0 };
        return true;
    }
    int b = basic_index(s);
    if (b >= 0) {
        *out = (theme_color){ TC_INDEX, b };
        return true;
    }
    if (strncmp(s, "bright-", 7) == 0 && (b = basic_index(s + 7)) >= 0) {
        *out = (theme_color){ TC_INDEX, b + 8 };
        return true;
    }
    if (s[0] == '#') {
        if (strlen(s) != 7)
            return false;
        int v = 0;
        for (int i = 1; i < 7; i++) {
            char c = s[i];
            int d = c >= '0' && c <= '9' ? c - '0'
                : c >= 'a' && c <= 'f'   ? c - 'a' + 10
                : c >= 'A' && c <= 'F'   ? c - 'A' + 10
                                         : -1;
            if (d < 0)
                return false;
            v = v * 16 + d;
        }
        *out = (theme_color){ TC_RGB, v };
        return true;
    }
    if (strlen(s) <= 3 && s[0] >= '0' && s[0] <= '9') {
        int v = 0;
        for (const char *p = s; *p; p++) {
            if (*p < '0' || *p > '9')
                return false;
            v = v * 10 + (*p - '0');
        }
        if (v > 255)
            return false;
        *out = (theme_color){ TC_INDEX, v };
        return true;
    }
    return false;
}

static const struct {
    const char *name;
    unsigned bit;
} attr_names[] = {
    { "bold", THEME_A_BOLD }, { "underline", THEME_A_UNDERLINE }, { "reverse", THEME_A_REVERSE },
    { "dim", THEME_A_DIM },   { "italic", THEME_A_ITALIC },       { "standout", THEME_A_STANDOUT },
};

static int fail(strbuf *err, const char *file, const ynode *n, const char *fmt, const char *arg)
{
    sb_printf(err, "%s:%d:%d: ", file, n->line, n->col);
    sb_printf(err, fmt, arg);
    return -1;
}

static int parse_attr(const ynode *v, const char *file, unsigned *out, strbuf *err)
{
    if (v->kind != YNODE_SCALAR)
        return fail(err, file, v, "an attribute must be one of %s", "bold, underline, reverse, dim, italic, standout");
    for (size_t i = 0; i < ARRAY_LEN(attr_names); i++)
        if (strcmp(v->str, attr_names[i].name) == 0) {
            *out |= attr_names[i].bit;
            return 0;
        }
    return fail(err, file, v, "unknown attribute '%s' (bold, underline, reverse, dim, italic, standout)", v->str);
}

static int parse_style(const ynode *m, const char *file, theme_style *st, strbuf *err)
{
    if (m->kind != YNODE_MAP)
        return fail(err, file, m, "a role needs a map of %s", "fg, bg, fg8, bg8, attrs");
    theme_style s = { .fg = { TC_DEFAULT, 0 }, .bg = { TC_DEFAULT, 0 }, .fg8 = -1, .bg8 = -1 };
    for (size_t i = 0; i < m->pairs.n; i++) {
        const char *k = m->pairs.items[i].key->str;
        const ynode *v = m->pairs.items[i].value;
        if (strcmp(k, "fg") == 0 || strcmp(k, "bg") == 0) {
            theme_color c;
            if (v->kind != YNODE_SCALAR || !theme_parse_color(v->str, &c))
                return fail(err, file, v, "bad colour '%s' (a name, 0-255 or #rrggbb)",
                            v->kind == YNODE_SCALAR ? v->str : "");
            *(k[0] == 'f' ? &s.fg : &s.bg) = c;
        } else if (strcmp(k, "fg8") == 0 || strcmp(k, "bg8") == 0) {
            theme_color c;
            if (v->kind != YNODE_SCALAR || !theme_parse_color(v->str, &c) || (c.kind == TC_INDEX && c.value > 7) ||
                c.kind == TC_RGB)
                return fail(err, file, v,
                            "bad 8-colour fallback '%s' (black, red, green, yellow, "
                            "blue, magenta, cyan, white, default or 0-7)",
                            v->kind == YNODE_SCALAR ? v->str : "");
            *(k[0] == 'f' ? &s.fg8 : &s.bg8) = c.kind == TC_DEFAULT ? -1 : c.value;
        } else if (strcmp(k, "attrs") == 0) {
            if (v->kind == YNODE_SEQ) {
                for (size_t j = 0; j < v->items.n; j++)
                    if (parse_attr(v->items.items[j], file, &s.attrs, err))
                        return -1;
            } else if (!(v->kind == YNODE_SCALAR && ynode_is_null(v)) && parse_attr(v, file, &s.attrs, err)) {
                return -1;
            }
        } else {
            return fail(err, file, m->pairs.items[i].key, "unknown key '%s' (fg, bg, fg8, bg8, attrs)", k);
        }
    }
    /* An unset fallback follows a basic colour given directly. */
    if (s.fg8 < 0 && s.fg.kind == TC_INDEX && s.fg.value < 16)
        s.fg8 = s.fg.value % 8;
    if (s.bg8 < 0 && s.bg.kind == TC_INDEX && s.bg.value < 16)
        s.bg8 = s.bg.value % 8;
    *st = s;
    return 0;
}

int theme_parse(const char *data, size_t len, const char *filename, theme *t, strbuf *err)
{
    theme_defaults(t);
    if (len > THEME_MAX_FILE) {
        sb_printf(err, "%s:1:1: theme file too large", filename);
        return -1;
    }
    ydoc doc = { 0 };
    yaml_limits lim = { .max_depth = 8, .max_nodes = 2000, .max_scalar = 256 };
    if (yaml_doc_parse(data, len, filename, &lim, &doc, err) != 0)
        return -1;
    int rc = -1;
    const ynode *root = doc.root;
    if (!root || root->kind != YNODE_MAP) {
        sb_printf(err, "%s:%d:%d: a theme is a map with name: and roles:", filename, root ? root->line : 1,
                  root ? root->col : 1);
        goto out;
    }
    for (size_t i = 0; i < root->pairs.n; i++) {
        const ynode *k = root->pairs.items[i].key, *v = root->pairs.items[i].value;
        if (strcmp(k->str, "name") == 0) {
            if (v->kind != YNODE_SCALAR || !theme_name_ok(v->str)) {
                fail(err, filename, v, "bad theme name%s (letters, digits, - and _)", "");
                goto out;
            }
            snprintf(t->name, sizeof t->name, "%s", v->str);
        } else if (strcmp(k->str, "roles") == 0) {
            if (v->kind != YNODE_MAP) {
                fail(err, filename, v, "roles: must be a map of role names%s", "");
                goto out;
            }
            for (size_t j = 0; j < v->pairs.n; j++) {
                const ynode *rk = v->pairs.items[j].key;
                int r = -1;
                for (int q = 0; q < ROLE_COUNT; q++)
                    if (strcmp(rk->str, theme_role_names[q]) == 0)
                        r = q;
                if (r < 0) {
                    fail(err, filename, rk,
                         "unknown role '%s' (normal, header, pane_title, "
                         "focused_border, border, selection, healthy, unhealthy, warning, "
                         "neutral, progress, error, changed)",
                         rk->str);
                    goto out;
                }
                if (parse_style(v->pairs.items[j].value, filename, &t->role[r], err))
                    goto out;
            }
        } else {
            fail(err, filename, k, "unknown key '%s' (name, roles)", k->str);
            goto out;
        }
    }
    rc = 0;
out:
    yaml_doc_free(&doc);
    if (rc)
        theme_defaults(t);
    return rc;
}

/* Reads a whole regular file of at most THEME_MAX_FILE bytes; NULL if absent. */
static char *read_small_file(const char *path, size_t *len, bool *too_big)
{
    *too_big = false;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return NULL;
    }
    if (st.st_size > THEME_MAX_FILE) {
        *too_big = true;
        fclose(f);
        return NULL;
    }
    char *buf = xmalloc((size_t)st.st_size + 1);
    size_t n = fread(buf, 1, (size_t)st.st_size, f);
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static void user_theme_dir(char *buf, size_t len)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    if (xdg && *xdg)
        snprintf(buf, len, "%s/tarmac/themes", xdg);
    else if (home && *home)
        snprintf(buf, len, "%s/.config/tarmac/themes", home);
    else
        buf[0] = '\0';
}

int theme_load(const char *name, theme *t, strbuf *err)
{
    if (!theme_name_ok(name)) {
        sb_printf(err, "bad theme name (letters, digits, - and _ only)");
        theme_defaults(t);
        return -1;
    }
    char dir[1024], path[1200];
    const char *dirs[2];
    user_theme_dir(dir, sizeof dir);
    dirs[0] = dir;
    dirs[1] = TARMAC_DATADIR "/themes";
    for (int i = 0; i < 2; i++) {
        if (!dirs[i][0])
            continue;
        snprintf(path, sizeof path, "%s/%s.yaml", dirs[i], name);
        size_t len = 0;
        bool too_big;
        char *data = read_small_file(path, &len, &too_big);
        if (too_big) {
            sb_printf(err, "%s:1:1: theme file too large", path);
            theme_defaults(t);
            return -1;
        }
        if (data) {
            int rc = theme_parse(data, len, path, t, err);
            free(data);
            return rc;
        }
    }
    snprintf(path, sizeof path, "themes/%s.yaml", name);
    const struct embedded_file *ef = embedded_find(path);
    if (ef)
        return theme_parse(ef->data, ef->len, path, t, err);
    sb_printf(err, "no theme named '%s' (looked in %s, %s/themes and the built-in ones)", name,
              dir[0] ? dir : "$XDG_CONFIG_HOME/tarmac/themes", TARMAC_DATADIR);
    theme_defaults(t);
    return -1;
}

void theme_list(strvec *out)
{
    for (const struct embedded_file *f = embedded_files; f->path; f++) {
        if (strncmp(f->path, "themes/", 7) != 0)
            continue;
        const char *base = f->path + 7;
        const char *dot = strstr(base, ".yaml");
        if (!dot || dot[5])
            continue;
        char name[80];
        snprintf(name, sizeof name, "%.*s", (int)(dot - base), base);
        if (!strvec_contains(out, name))
            strvec_push(out, name);
    }
    char dir[1024];
    user_theme_dir(dir, sizeof dir);
    DIR *d = dir[0] ? opendir(dir) : NULL;
    if (!d)
        return;
    struct dirent *e;
    int count = 0;
    while ((e = readdir(d)) && count++ < 200) {
        size_t n = strlen(e->d_name);
        if (n < 6 || n > 69 || strcmp(e->d_name + n - 5, ".yaml") != 0)
            continue;
        char name[80];
        snprintf(name, sizeof name, "%.*s", (int)(n - 5), e->d_name);
        if (theme_name_ok(name) && !strvec_contains(out, name))
            strvec_push(out, name);
    }
    closedir(d);
}

int theme_nearest_256(int rgb)
{
    static const int level[6] = { 0, 95, 135, 175, 215, 255 };
    int r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
    int best = 16;
    long best_d = -1;
    for (int i = 0; i < 240; i++) {
        int cr, cg, cb;
        if (i < 216) {
            cr = level[i / 36];
            cg = level[(i / 6) % 6];
            cb = level[i % 6];
        } else {
            cr = cg = cb = 8 + 10 * (i - 216);
        }
        long d = (long)(r - cr) * (r - cr) + (long)(g - cg) * (g - cg) + (long)(b - cb) * (b - cb);
        if (best_d < 0 || d < best_d) {
            best_d = d;
            best = 16 + i;
        }
    }
    return best;
}

theme_mode theme_detect_mode(void)
{
    const char *nc = getenv("NO_COLOR");
    if ((nc && *nc) || !has_colors())
        return THEME_MONO;
    if (COLORS >= 0x1000000)
        return THEME_DIRECT;
    if (COLORS >= 256)
        return THEME_256;
    return COLORS >= 8 ? THEME_8 : THEME_MONO;
}

static int map_color(theme_color c, int fallback8, theme_mode mode)
{
    if (mode == THEME_8 || c.kind == TC_DEFAULT)
        return mode == THEME_8 ? fallback8 : -1;
    if (c.kind == TC_INDEX)
        return c.value;
    if (mode == THEME_DIRECT)
        return c.value;
    return theme_nearest_256(c.value);
}

static unsigned long curses_attrs(unsigned a)
{
    unsigned long out = A_NORMAL;
    if (a & THEME_A_BOLD)
        out |= A_BOLD;
    if (a & THEME_A_UNDERLINE)
        out |= A_UNDERLINE;
    if (a & THEME_A_REVERSE)
        out |= A_REVERSE;
    if (a & THEME_A_DIM)
        out |= A_DIM;
    if (a & THEME_A_ITALIC)
        out |= A_ITALIC;
    if (a & THEME_A_STANDOUT)
        out |= A_STANDOUT;
    return out;
}

void theme_activate(const theme *t, theme_mode mode, unsigned long out[ROLE_COUNT])
{
    for (int r = 0; r < ROLE_COUNT; r++) {
        const theme_style *s = &t->role[r];
        if (mode == THEME_MONO) {
            out[r] = curses_attrs(s->attrs | mono_attrs[r]);
            continue;
        }
        int fg = map_color(s->fg, s->fg8, mode), bg = map_color(s->bg, s->bg8, mode);
        if (fg == -1 && bg == -1) {
            /* The terminal's own colours: pair 0, so text in it needs no colour set
             * (and no reset after) on the link. */
            out[r] = curses_attrs(s->attrs);
            continue;
        }
        short pair = (short)(r + 1);
        if (mode == THEME_DIRECT)
            init_extended_pair(pair, fg, bg);
        else
            init_pair(pair, (short)fg, (short)bg);
        out[r] = curses_attrs(s->attrs) | COLOR_PAIR(pair);
    }
}
