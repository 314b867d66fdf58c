/* keymap.c — the action table compiled from actions.def, key-string parsing for
 * the config file, and the layered key → action lookup. */
#include "keymap.h"

#include "layout.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const action_info keymap_actions[ACT_COUNT] = {
#define ACTION(id, name, scope, k1, k2, k3, help) [ACT_##id] = { name, scope, { k1, k2, k3 }, help },
#define ACTION_RESERVED(name)
#include "actions.def"
#undef ACTION
#undef ACTION_RESERVED
};

const char *const keymap_reserved[] = {
#define ACTION(id, name, scope, k1, k2, k3, help)
#define ACTION_RESERVED(name) name,
#include "actions.def"
#undef ACTION
#undef ACTION_RESERVED
    NULL
};

static const struct {
    const char *name;
    int key;
} named_keys[] = {
    { "Enter", '\r' },
    { "Tab", '\t' },
    { "S-Tab", KEYMAP_FN | KEY_BTAB },
    { "Esc", 27 },
    { "Space", ' ' },
    { "Backspace", KEYMAP_FN | KEY_BACKSPACE },
    { "Delete", KEYMAP_FN | KEY_DC },
    { "Insert", KEYMAP_FN | KEY_IC },
    { "Home", KEYMAP_FN | KEY_HOME },
    { "End", KEYMAP_FN | KEY_END },
    { "PgUp", KEYMAP_FN | KEY_PPAGE },
    { "PgDn", KEYMAP_FN | KEY_NPAGE },
    { "Up", KEYMAP_FN | KEY_UP },
    { "Down", KEYMAP_FN | KEY_DOWN },
    { "Left", KEYMAP_FN | KEY_LEFT },
    { "Right", KEYMAP_FN | KEY_RIGHT },
};

action_id keymap_action_by_name(const char *name)
{
    for (int a = 1; a < ACT_COUNT; a++)
        if (keymap_actions[a].name && str_eq(keymap_actions[a].name, name))
            return (action_id)a;
    return ACT_NONE;
}

static bool is_reserved(const char *name)
{
    for (size_t i = 0; keymap_reserved[i]; i++)
        if (strcmp(keymap_reserved[i], name) == 0)
            return true;
    return false;
}

/* One UTF-8 code point >= U+00A0 making up all of s, or -1. */
static int utf8_single(const unsigned char *s, size_t len)
{
    size_t n;
    unsigned cp;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        n = 2;
        cp = s[0] & 0x1fu;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        n = 3;
        cp = s[0] & 0x0fu;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        n = 4;
        cp = s[0] & 0x07u;
    } else
        return -1;
    if (len != n)
        return -1;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return -1;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    if (cp < 0xa0 || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || (n == 3 && cp < 0x800) ||
        (n == 4 && cp < 0x10000))
        return -1;
    return (int)cp;
}

int keymap_parse_key(const char *s)
{
    if (!s || !*s)
        return -1;
    size_t len = strlen(s);
    if (len == 1)
        return s[0] > 0x20 && s[0] < 0x7f ? s[0] : -1;
    for (size_t i = 0; i < ARRAY_LEN(named_keys); i++)
        if (strcmp(s, named_keys[i].name) == 0)
            return named_keys[i].key;
    if (len == 3 && s[0] == 'C' && s[1] == '-') {
        if (s[2] >= 'a' && s[2] <= 'z')
            return s[2] & 0x1f;
        if (strchr("@[\\]^_", s[2]))
            return s[2] & 0x1f;
        return -1;
    }
    if (len == 3 && s[0] == 'M' && s[1] == '-')
        return s[2] > 0x20 && s[2] < 0x7f ? KEYMAP_META | s[2] : -1;
    if ((len == 2 || len == 3) && s[0] == 'F' && s[1] >= '1' && s[1] <= '9') {
        int n = s[1] - '0';
        if (len == 3) {
            if (s[2] < '0' || s[2] > '9')
                return -1;
            n = n * 10 + (s[2] - '0');
        }
        return n >= 1 && n <= 12 ? KEYMAP_FN | KEY_F(n) : -1;
    }
    return utf8_single((const unsigned char *)s, len);
}

void keymap_key_name(int key, char *buf, size_t len)
{
    for (size_t i = 0; i < ARRAY_LEN(named_keys); i++)
        if (named_keys[i].key == key) {
            snprintf(buf, len, "%s", named_keys[i].name);
            return;
        }
    if (key & KEYMAP_FN) {
        int k = key & ~KEYMAP_FN;
        if (k >= KEY_F(1) && k <= KEY_F(12))
            snprintf(buf, len, "F%d", k - KEY_F0);
        else
            snprintf(buf, len, "key%d", k);
    } else if (key & KEYMAP_META) {
        snprintf(buf, len, "M-%c", key & 0x7f);
    } else if (key >= 0 && key < 0x20) {
        snprintf(buf, len, "C-%c", key == 0 ? '@' : key + 0x60 > 'z' ? key + 0x40 : key + 0x60);
    } else if (key < 0x80) {
        snprintf(buf, len, "%c", key);
    } else {
        /* Encode the code point back to UTF-8. */
        char u[5] = { 0 };
        unsigned cp = (unsigned)key;
        if (cp < 0x800) {
            u[0] = (char)(0xc0 | (cp >> 6));
            u[1] = (char)(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            u[0] = (char)(0xe0 | (cp >> 12));
            u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
            u[2] = (char)(0x80 | (cp & 0x3f));
        } else {
            u[0] = (char)(0xf0 | (cp >> 18));
            u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
            u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
            u[3] = (char)(0x80 | (cp & 0x3f));
        }
        snprintf(buf, len, "%s", u);
    }
}

static void bind(keymap *km, int key, action_id a, int scope)
{
    key_binding *b = VEC_NEW(km->b);
    b->key = key;
    b->action = a;
    b->scope = scope;
}

void keymap_init(keymap *km)
{
    memset(km, 0, sizeof *km);
    for (int a = 1; a < ACT_COUNT; a++)
        for (int i = 0; i < 3; i++) {
            const char *k = keymap_actions[a].keys[i];
            if (!k)
                continue;
            int code = keymap_parse_key(k);
            if (code >= 0)
                bind(km, code, (action_id)a, keymap_actions[a].scope);
        }
}

void keymap_free(keymap *km)
{
    VEC_FREE(km->b);
}

static void unbind_where(keymap *km, bool (*match)(const key_binding *, const void *), const void *arg)
{
    size_t o = 0;
    for (size_t i = 0; i < km->b.n; i++)
        if (!match(&km->b.items[i], arg))
            km->b.items[o++] = km->b.items[i];
    km->b.n = o;
}

static bool match_action(const key_binding *b, const void *arg)
{
    return b->action == *(const action_id *)arg;
}

static bool match_key_scope(const key_binding *b, const void *arg)
{
    const key_binding *k = arg;
    return b->key == k->key && b->scope == k->scope;
}

int keymap_apply_config(keymap *km, const tarmac_config *cfg, strbuf *err)
{
    const char *file = cfg->path ? cfg->path : "config";
    int errors = 0;
    size_t n = cfg->keys.n;
    action_id *acts = xcalloc(n ? n : 1, sizeof *acts);
    int *codes = xcalloc(n ? n : 1, sizeof *codes);

    /* Pass 1: check every entry. */
    for (size_t i = 0; i < n; i++) {
        const config_key *ck = &cfg->keys.items[i];
        acts[i] = keymap_action_by_name(ck->action);
        codes[i] = keymap_parse_key(ck->key);
        if (acts[i] == ACT_NONE) {
            if (!is_reserved(ck->action)) {
                sb_printf(err, "%s:%d: unknown action '%s' in keys (see tarmac(1), KEYS)\n", file, ck->line,
                          ck->action);
                errors++;
            }
            continue;
        }
        if (codes[i] < 0) {
            sb_printf(err, "%s:%d: '%s' is not a key\n", file, ck->line, ck->key);
            errors++;
            acts[i] = ACT_NONE;
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            if (acts[j] == ACT_NONE || acts[j] == acts[i] || codes[j] != codes[i])
                continue;
            int sj = keymap_actions[acts[j]].scope, si = keymap_actions[acts[i]].scope;
            /* Same scope, or one global: the pane layer would hide the other. */
            if (sj == si || sj == SCOPE_GLOBAL || si == SCOPE_GLOBAL) {
                sb_printf(err, "%s:%d: key %s is already bound to %s (line %d)\n", file, ck->line, ck->key,
                          keymap_actions[acts[j]].name, cfg->keys.items[j].line);
                errors++;
                acts[i] = ACT_NONE;
                break;
            }
        }
    }
    /* Pass 2: an action named in the config loses its defaults. */
    for (size_t i = 0; i < n; i++)
        if (acts[i] != ACT_NONE)
            unbind_where(km, match_action, &acts[i]);
    /* Pass 3: the config's keys, taken away from whatever else had them. */
    for (size_t i = 0; i < n; i++) {
        if (acts[i] == ACT_NONE)
            continue;
        key_binding k = { .key = codes[i], .action = acts[i], .scope = keymap_actions[acts[i]].scope };
        unbind_where(km, match_key_scope, &k);
        bind(km, k.key, k.action, k.scope);
    }
    free(acts);
    free(codes);
    return errors;
}

action_id keymap_lookup(const keymap *km, int pane, int key)
{
    if (pane != SCOPE_GLOBAL)
        for (size_t i = 0; i < km->b.n; i++)
            if (km->b.items[i].scope == pane && km->b.items[i].key == key)
                return km->b.items[i].action;
    for (size_t i = 0; i < km->b.n; i++)
        if (km->b.items[i].scope == SCOPE_GLOBAL && km->b.items[i].key == key)
            return km->b.items[i].action;
    return ACT_NONE;
}

void keymap_keys_for(const keymap *km, action_id a, char *buf, size_t len)
{
    size_t used = 0;
    if (len)
        buf[0] = '\0';
    for (size_t i = 0; i < km->b.n && used < len; i++) {
        if (km->b.items[i].action != a)
            continue;
        char name[32];
        keymap_key_name(km->b.items[i].key, name, sizeof name);
        int w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", name);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

int keymap_focus_pane(action_id a)
{
    static const action_id focus[PANE_COUNT] = {
#define PANE(ID, name, title, number, row, col, min_rows) [PANE_##ID] = ACT_FOCUS_##ID,
#include "panes.def"
#undef PANE
    };
    for (int p = 0; p < PANE_COUNT; p++)
        if (a != ACT_NONE && focus[p] == a)
            return p;
    return -1;
}
