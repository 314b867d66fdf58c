/* config.c — loads and validates tarmac.yaml. libyaml (through yaml_util) builds
 * the tree; this file walks it with one table of fields per section, so every
 * key, type and range is written down once and every error names FILE:LINE:COLUMN. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "yaml_util.h"

/* The kinds (kinds/kinds.def): each defines its config_kind in its own folder. */
#define KIND(name) extern const config_kind kind_##name##_config;
#include "kinds/kinds.def"
#undef KIND
static const config_kind *const config_kinds[] = {
#define KIND(name) &kind_##name##_config,
#include "kinds/kinds.def"
#undef KIND
};

const config_kind *config_kind_find(const char *name)
{
    for (size_t i = 0; name && i < ARRAY_LEN(config_kinds); i++)
        if (str_eq(config_kinds[i]->name, name))
            return config_kinds[i];
    return NULL;
}

void config_kinds_list(strbuf *out)
{
    for (size_t i = 0; i < ARRAY_LEN(config_kinds); i++)
        sb_printf(out, "%s%s", i ? ", " : "", config_kinds[i]->name);
}

/* ---- parse context and errors ---- */

typedef struct pctx {
    const char *file;
    strbuf *err;
    bool failed;
} pctx;

static bool fail(pctx *p, const ynode *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Records the first error only; returns false so callers can `return fail(...)`. */
static bool fail(pctx *p, const ynode *at, const char *fmt, ...)
{
    va_list ap;
    if (p->failed)
        return false;
    p->failed = true;
    if (at)
        sb_printf(p->err, "%s:%d:%d: ", p->file, at->line, at->col);
    else
        sb_printf(p->err, "%s: ", p->file);
    va_start(ap, fmt);
    sb_vprintf(p->err, fmt, ap);
    va_end(ap);
    return false;
}

/* A scalar as a bounded, printable, quoted string for messages. */
static const char *quoted(const ynode *n, char *buf, size_t cap)
{
    strbuf sb;
    sb_init(&sb);
    if (n->kind != YNODE_SCALAR || ynode_is_null(n)) {
        sb_append(&sb, ynode_kind_name(n));
    } else {
        size_t shown = n->len > 48 ? 48 : n->len;
        sb_appendc(&sb, '"');
        for (size_t i = 0; i < shown; i++) {
            unsigned char c = (unsigned char)n->str[i];
            if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
                sb_printf(&sb, "\\x%02x", c);
            else
                sb_appendc(&sb, (char)c);
        }
        sb_appendc(&sb, '"');
        if (shown < n->len)
            sb_append(&sb, "...");
    }
    str_copy(buf, cap, sb.buf);
    sb_free(&sb);
    return buf;
}

/* ---- string checks: true when s (len bytes) is acceptable ---- */

typedef bool (*str_check)(const char *s, size_t len);

/* No C0/DEL/C1 controls (C1 as UTF-8 is C2 80..C2 9F), no NUL, 1..CONFIG_MAX_STRING. */
static bool check_text(const char *s, size_t len)
{
    if (len == 0 || len > CONFIG_MAX_STRING)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return false;
        if (c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9f)
            return false;
    }
    return true;
}

static bool check_text255(const char *s, size_t len)
{
    return len <= 255 && check_text(s, len);
}

static bool is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* App and theme names: [A-Za-z0-9_.-]{1,64}. */
static bool check_name(const char *s, size_t len)
{
    if (len == 0 || len > 64)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_alnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
            return false;
    return true;
}

/* Action names: [a-z][a-z0-9_]{0,63}. */
static bool check_action(const char *s, size_t len)
{
    if (len == 0 || len > 64 || !(s[0] >= 'a' && s[0] <= 'z'))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

/* Regions: lowercase letters, digits and '-', e.g. eu-west-1, us-gov-east-1. */
static bool check_region(const char *s, size_t len)
{
    if (len == 0 || len > 32 || s[0] == '-' || s[len - 1] == '-')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    return true;
}

/* ECR RepositoryName (botocore): 2..256 of
 * [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)* */
static bool check_ecr_repository(const char *s, size_t len)
{
    if (len < 2 || len > 256)
        return false;
    size_t i = 0;
    for (;;) { /* one path component */
        bool need_alnum = true;
        while (i < len && s[i] != '/') {
            unsigned char c = (unsigned char)s[i];
            bool lower_alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
            if (lower_alnum) {
                need_alnum = false;
                i++;
                continue;
            }
            if (need_alnum)
                return false; /* separator at start or after one */
            if (c == '.') {
                i++;
            } else if (c == '_') {
                i += (i + 1 < len && s[i + 1] == '_') ? 2 : 1;
            } else if (c == '-') {
                while (i < len && s[i] == '-')
                    i++;
            } else {
                return false;
            }
            need_alnum = true;
        }
        if (need_alnum)
            return false; /* empty component or trailing separator */
        if (i == len)
            return true;
        i++; /* the '/' */
    }
}

/* Image tags: [A-Za-z0-9_][A-Za-z0-9_.-]*, at most 300 (ECR's ImageTag limit). */
static bool check_tag(const char *s, size_t len)
{
    if (len == 0 || len > 300 || s[0] == '.' || s[0] == '-')
        return false;
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == len;
}

/* ---- key syntax ---- */

static const char *const named_keys[] = {
    "Enter", "Tab", "S-Tab", "Esc",  "Space", "Backspace", "Delete", "Insert",
    "Home",  "End", "PgUp",  "PgDn", "Up",    "Down",      "Left",   "Right",
};

/* Length of one UTF-8 encoded code point >= U+00A0 at s, or 0. */
static size_t utf8_printable_len(const unsigned char *s, size_t len)
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
        return 0;
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    if (cp < 0xa0 || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || (n == 3 && cp < 0x800) ||
        (n == 4 && cp < 0x10000))
        return 0;
    return n;
}

bool config_key_syntax_ok(const char *s)
{
    if (!s)
        return false;
    size_t len = strlen(s);
    if (len == 1)
        return s[0] > 0x20 && s[0] < 0x7f;
    if (len > 1 && utf8_printable_len((const unsigned char *)s, len) == len)
        return true;
    if (len == 3 && s[0] == 'C' && s[1] == '-')
        return (s[2] >= 'a' && s[2] <= 'z') || strchr("@[\\]^_", s[2]);
    if (len == 3 && s[0] == 'M' && s[1] == '-')
        return s[2] > 0x20 && s[2] < 0x7f;
    if ((len == 2 || len == 3) && s[0] == 'F' && s[1] >= '1' && s[1] <= '9') {
        int n = len == 2 ? s[1] - '0' : (s[1] - '0') * 10 + (s[2] - '0');
        return (len == 2 || (s[2] >= '0' && s[2] <= '9')) && n >= 1 && n <= 12;
    }
    for (size_t i = 0; i < ARRAY_LEN(named_keys); i++)
        if (strcmp(s, named_keys[i]) == 0)
            return true;
    return false;
}

/* ---- field tables ---- */

typedef enum {
    FT_TEXT,     /* char *, checked by .check */
    FT_ENUM,     /* char *, one of .choices */
    FT_BOOL,     /* bool, optional has_ flag */
    FT_INT,      /* int in .min...max, optional has_ flag */
    FT_STRLIST,  /* strvec, at most .max items, each .check'ed, optional has_ flag */
    FT_PERCENTS, /* refresh_prefs.checkpoint_percentages */
    FT_SECTION,  /* a nested map: .sub / .nsub at base + .off */
    FT_APPS,     /* the apps: map */
    FT_KEYS,     /* the keys: map */
    FT_PROFILES, /* the profiles: map */
    FT_KIND,     /* an app's kind: (read first, by parse_kind) */
} field_type;

typedef struct field {
    const char *name;
    field_type type;
    size_t off; /* of the value, from the section's base */
    bool has;   /* set the bool at has_off when the key is present */
    size_t has_off;
    int min, max;               /* FT_INT range; FT_STRLIST item count */
    str_check check;            /* FT_TEXT, FT_STRLIST items */
    const char *what;           /* "an image tag (...)" for FT_TEXT/FT_STRLIST errors */
    const char *const *choices; /* FT_ENUM, NULL-terminated */
    const struct field *sub;    /* FT_SECTION */
    size_t nsub;
} field;

#define FIELD(key, ftype, T, member, ...)                                                                              \
    {                                                                                                                  \
        .name = key, .type = ftype, .off = offsetof(T, member), __VA_ARGS__                                            \
    }
#define HAS_FLAG(T, flag) .has = true, .has_off = offsetof(T, flag)
#define SUB(table)        .sub = table, .nsub = ARRAY_LEN(table)
#define NO_EXTRAS         .has = false /* FIELD needs something after the member */

static const char *const scale_in_choices[] = { "Refresh", "Ignore", "Wait", NULL };
static const char *const standby_choices[] = { "Terminate", "Ignore", "Wait", NULL };

#define TEXT_WHAT    "a string of 1..1024 characters without control characters"
#define TEXT255_WHAT "a string of 1..255 characters without control characters"
#define REGION_WHAT  "a region name such as eu-west-1"
#define TAG_WHAT     "an image tag ([A-Za-z0-9_][A-Za-z0-9_.-]*, at most 300)"

/* apps.NAME.refresh: StartInstanceRefresh Preferences, ranges from the AWS API. */
static const field refresh_fields[] = {
    FIELD("min_healthy_percentage", FT_INT, refresh_prefs, min_healthy_percentage,
          HAS_FLAG(refresh_prefs, has_min_healthy_percentage), .min = 0, .max = 100),
    FIELD("max_healthy_percentage", FT_INT, refresh_prefs, max_healthy_percentage,
          HAS_FLAG(refresh_prefs, has_max_healthy_percentage), .min = 100, .max = 200),
    FIELD("instance_warmup", FT_INT, refresh_prefs, instance_warmup, HAS_FLAG(refresh_prefs, has_instance_warmup),
          .min = 0, .max = 86400),
    FIELD("checkpoint_percentages", FT_PERCENTS, refresh_prefs, checkpoint_percentages, .min = 1, .max = 100),
    FIELD("checkpoint_delay", FT_INT, refresh_prefs, checkpoint_delay, HAS_FLAG(refresh_prefs, has_checkpoint_delay),
          .min = 0, .max = 172800),
    FIELD("skip_matching", FT_BOOL, refresh_prefs, skip_matching, HAS_FLAG(refresh_prefs, has_skip_matching)),
    FIELD("auto_rollback", FT_BOOL, refresh_prefs, auto_rollback, HAS_FLAG(refresh_prefs, has_auto_rollback)),
    FIELD("bake_time", FT_INT, refresh_prefs, bake_time, HAS_FLAG(refresh_prefs, has_bake_time), .min = 0,
          .max = 172800),
    FIELD("alarms", FT_STRLIST, refresh_prefs, alarms, HAS_FLAG(refresh_prefs, has_alarm_specification), .min = 1,
          .max = 10, .check = check_text255, .what = TEXT255_WHAT),
    FIELD("scale_in_protected_instances", FT_ENUM, refresh_prefs, scale_in_protected_instances,
          .choices = scale_in_choices),
    FIELD("standby_instances", FT_ENUM, refresh_prefs, standby_instances, .choices = standby_choices),
};

static const field app_fields[] = {
    { .name = "kind", .type = FT_KIND },
    FIELD("profile", FT_TEXT, app_config, profile, .check = check_text, .what = TEXT_WHAT),
    FIELD("region", FT_TEXT, app_config, region, .check = check_region, .what = REGION_WHAT),
    FIELD("asg", FT_TEXT, app_config, asg, .check = check_text255,
          .what = "an Auto Scaling group name (1..255 characters)"),
    FIELD("ecr_repository", FT_TEXT, app_config, ecr_repository, .check = check_ecr_repository,
          .what = "an ECR repository name (2..256 of a-z 0-9 . _ - /)"),
    FIELD("live_tag", FT_TEXT, app_config, live_tag, .check = check_tag, .what = TAG_WHAT),
    FIELD("stable_tag", FT_TEXT, app_config, stable_tag, .check = check_tag, .what = TAG_WHAT),
    FIELD("protected", FT_BOOL, app_config, protected_, NO_EXTRAS),
    FIELD("read_only", FT_BOOL, app_config, read_only, NO_EXTRAS),
    FIELD("auto_rollback", FT_BOOL, app_config, auto_rollback, NO_EXTRAS),
    FIELD("unhealthy_polls", FT_INT, app_config, unhealthy_polls, .min = 1, .max = 100),
    FIELD("min_healthy_targets_percent", FT_INT, app_config, min_healthy_targets_percent, .min = 0, .max = 100),
    FIELD("alarms", FT_STRLIST, app_config, alarms, .min = 0, .max = 100, .check = check_text255, .what = TEXT255_WHAT),
    FIELD("refresh", FT_SECTION, app_config, refresh, SUB(refresh_fields)),
};

static const field defaults_fields[] = {
    FIELD("profile", FT_TEXT, tarmac_config, default_profile, .check = check_text, .what = TEXT_WHAT),
    FIELD("region", FT_TEXT, tarmac_config, default_region, .check = check_region, .what = REGION_WHAT),
    FIELD("read_only", FT_BOOL, tarmac_config, read_only, NO_EXTRAS),
};

/* profiles.NAME: what follows an AWS profile, whichever app uses it. */
static const field profile_fields[] = {
    FIELD("read_only", FT_BOOL, profile_config, read_only, NO_EXTRAS),
};

static const field ui_fields[] = {
    FIELD("theme", FT_TEXT, tarmac_config, theme, .check = check_name, .what = "a theme name ([A-Za-z0-9_.-], 1..64)"),
    FIELD("refresh_seconds", FT_INT, tarmac_config, refresh_seconds, .min = 1, .max = 3600),
    FIELD("refresh_active_seconds", FT_INT, tarmac_config, refresh_active_seconds, .min = 1, .max = 3600),
    FIELD("bell", FT_BOOL, tarmac_config, bell, NO_EXTRAS),
    FIELD("mouse", FT_BOOL, tarmac_config, mouse, NO_EXTRAS),
};

/* The sections all hang off tarmac_config itself (offset 0 of its fields). */
static const field top_fields[] = {
    { .name = "defaults", .type = FT_SECTION, SUB(defaults_fields) },
    { .name = "profiles", .type = FT_PROFILES },
    { .name = "apps", .type = FT_APPS },
    { .name = "ui", .type = FT_SECTION, SUB(ui_fields) },
    { .name = "keys", .type = FT_KEYS },
};

/* ---- value parsers ---- */

static bool parse_int(pctx *p, const ynode *v, const char *name, int min, int max, int *out)
{
    char shown[80];
    bool ok = v->kind == YNODE_SCALAR && v->plain && v->len > 0 && v->len < 16 &&
        ((v->str[0] >= '0' && v->str[0] <= '9') ||
         (v->str[0] == '-' && v->len > 1 && v->str[1] >= '0' && v->str[1] <= '9'));
    if (ok) {
        char *end = NULL;
        errno = 0;
        long n = strtol(v->str, &end, 10);
        if (errno == 0 && end == v->str + v->len && n >= min && n <= max) {
            *out = (int)n;
            return true;
        }
    }
    return fail(p, v, "expected an integer %d..%d for %s, got %s%s", min, max, name,
                v->kind == YNODE_SCALAR && !v->plain ? "the quoted string " : "", quoted(v, shown, sizeof(shown)));
}

static bool parse_bool(pctx *p, const ynode *v, const char *name, bool *out)
{
    char shown[80];
    if (v->kind == YNODE_SCALAR && v->plain) {
        if (!strcmp(v->str, "true") || !strcmp(v->str, "True") || !strcmp(v->str, "TRUE")) {
            *out = true;
            return true;
        }
        if (!strcmp(v->str, "false") || !strcmp(v->str, "False") || !strcmp(v->str, "FALSE")) {
            *out = false;
            return true;
        }
    }
    return fail(p, v, "expected true or false for %s, got %s%s", name,
                v->kind == YNODE_SCALAR && !v->plain ? "the quoted string " : "", quoted(v, shown, sizeof(shown)));
}

/* Any non-null scalar, checked, copied into *out. */
static bool parse_text(pctx *p, const ynode *v, const char *name, str_check check, const char *what, char **out)
{
    char shown[80];
    if (v->kind != YNODE_SCALAR || ynode_is_null(v) || strlen(v->str) != v->len || !check(v->str, v->len))
        return fail(p, v, "expected %s for %s, got %s", what, name, quoted(v, shown, sizeof(shown)));
    str_set(out, v->str);
    return true;
}

static bool parse_enum(pctx *p, const ynode *v, const char *name, const char *const *choices, char **out)
{
    char shown[80];
    if (v->kind == YNODE_SCALAR) {
        for (size_t i = 0; choices[i]; i++) {
            if (strlen(choices[i]) == v->len && strcmp(choices[i], v->str) == 0) {
                str_set(out, v->str);
                return true;
            }
        }
    }
    strbuf list;
    sb_init(&list);
    for (size_t i = 0; choices[i]; i++)
        sb_printf(&list, "%s%s", i ? ", " : "", choices[i]);
    fail(p, v, "expected one of %s for %s, got %s", list.buf, name, quoted(v, shown, sizeof(shown)));
    sb_free(&list);
    return false;
}

/* A list, or null for an empty one. */
static bool expect_list(pctx *p, const ynode *v, const char *name)
{
    if (v->kind == YNODE_SEQ || ynode_is_null(v))
        return true;
    return fail(p, v, "expected a list for %s, got %s", name, ynode_kind_name(v));
}

static bool parse_strlist(pctx *p, const ynode *v, const field *f, strvec *out)
{
    char shown[80];
    if (!expect_list(p, v, f->name))
        return false;
    size_t n = v->kind == YNODE_SEQ ? v->items.n : 0;
    if (n < (size_t)f->min || n > (size_t)f->max)
        return fail(p, v, "expected %d..%d items for %s, got %zu", f->min, f->max, f->name, n);
    for (size_t i = 0; i < n; i++) {
        const ynode *it = v->items.items[i];
        if (it->kind != YNODE_SCALAR || ynode_is_null(it) || strlen(it->str) != it->len || !f->check(it->str, it->len))
            return fail(p, it, "expected %s in %s, got %s", f->what, f->name, quoted(it, shown, sizeof(shown)));
        if (strvec_contains(out, it->str))
            return fail(p, it, "%s appears twice in %s", quoted(it, shown, sizeof(shown)), f->name);
        strvec_push(out, it->str);
    }
    return true;
}

/* Each 1..100; order and the last one are refresh_rules' (checked with the app). */
static bool parse_percents(pctx *p, const ynode *v, const field *f, refresh_prefs *rp)
{
    if (!expect_list(p, v, f->name))
        return false;
    size_t n = v->kind == YNODE_SEQ ? v->items.n : 0;
    for (size_t i = 0; i < n; i++) {
        int pct;
        if (!parse_int(p, v->items.items[i], f->name, f->min, f->max, &pct))
            return false;
        VEC_PUSH(rp->checkpoint_percentages, pct);
    }
    return true;
}

/* ---- sections ---- */

static bool parse_section(pctx *p, const ynode *map, const char *path, const field *fields, size_t nfields, void *base,
                          tarmac_config *cfg);

static void app_defaults(app_config *app)
{
    app->live_tag = xstrdup("prod");
    app->stable_tag = xstrdup("prod-stable");
    app->unhealthy_polls = 3;
    app->min_healthy_targets_percent = 100;
}

static void app_free(app_config *a)
{
    free(a->name);
    free(a->profile);
    free(a->region);
    free(a->asg);
    free(a->ecr_repository);
    free(a->live_tag);
    free(a->stable_tag);
    free(a->file);
    strvec_free(&a->alarms);
    refresh_prefs_free(&a->refresh);
}

static bool key_in(const char *const *keys, const char *key)
{
    for (size_t i = 0; keys && keys[i]; i++)
        if (str_eq(keys[i], key))
            return true;
    return false;
}

/* The app's kind: (before its other keys, which depend on it). */
static bool parse_kind(pctx *p, const ynode *map, app_config *app)
{
    char shown[80];
    const ynode *v = ynode_get(map, "kind");
    app->kind = config_kind_find(CONFIG_DEFAULT_KIND);
    if (!v)
        return true;
    const config_kind *k = NULL;
    if (v->kind == YNODE_SCALAR && strlen(v->str) == v->len)
        k = config_kind_find(v->str);
    if (!k) {
        strbuf list;
        sb_init(&list);
        config_kinds_list(&list);
        fail(p, v, "expected one of %s for the kind of app \"%s\", got %s", list.buf, app->name,
             quoted(v, shown, sizeof(shown)));
        sb_free(&list);
        return false;
    }
    app->kind = k;
    return true;
}

/* The node of a dotted key path under map ("refresh.instance_warmup"), or the
 * deepest one that exists; NULL when not even the first part is there. */
static const ynode *node_at(const ynode *map, const char *dotted)
{
    const ynode *found = NULL;
    char part[128];
    for (const char *s = dotted; s && *s;) {
        const char *dot = strchr(s, '.');
        size_t n = dot ? (size_t)(dot - s) : strlen(s);
        if (n >= sizeof part)
            break;
        memcpy(part, s, n);
        part[n] = '\0';
        const ynode *next = ynode_get(found ? found : map, part);
        if (!next)
            break;
        found = next;
        s = dot ? dot + 1 : NULL;
    }
    return found;
}

/* Rules across keys of one app, checked once the app is read: keys of another
 * kind, the kind's required keys, then the kind's own rules. */
static bool check_app(pctx *p, const ynode *key, const ynode *map, const app_config *app)
{
    const config_kind *kind = app->kind;
    for (size_t i = 0; map && map->kind == YNODE_MAP && i < map->pairs.n; i++) {
        const ynode *k = map->pairs.items[i].key;
        if (key_in(kind->keys, k->str))
            continue;
        for (size_t j = 0; j < ARRAY_LEN(config_kinds); j++)
            if (config_kinds[j] != kind && key_in(config_kinds[j]->keys, k->str))
                return fail(p, k, "%s is a key of %s apps; app \"%s\" is of kind %s", k->str, config_kinds[j]->name,
                            app->name, kind->name);
    }
    for (size_t i = 0; kind->required && kind->required[i]; i++)
        if (!ynode_get(map, kind->required[i]))
            return fail(p, key, "app \"%s\" needs %s %s (kind %s)", app->name,
                        strchr("aeiou", kind->required[i][0]) ? "an" : "a", kind->required[i], kind->name);
    if (strcmp(app->live_tag, app->stable_tag) == 0) {
        const ynode *at = ynode_get(map, "stable_tag");
        return fail(p, at ? at : key, "stable_tag must differ from live_tag (both \"%s\")", app->live_tag);
    }
    strbuf at_key, why;
    sb_init(&at_key);
    sb_init(&why);
    bool ok = !kind->check || kind->check(app, &at_key, &why);
    if (!ok) {
        const ynode *at = at_key.len ? node_at(map, at_key.buf) : NULL;
        fail(p, at ? at : key, "%s", why.len ? why.buf : "invalid");
    }
    sb_free(&at_key);
    sb_free(&why);
    return ok;
}

static bool parse_apps(pctx *p, const ynode *v, tarmac_config *cfg)
{
    char shown[80];
    if (ynode_is_null(v))
        return true;
    if (v->kind != YNODE_MAP)
        return fail(p, v, "expected a map for apps, got %s", ynode_kind_name(v));
    for (size_t i = 0; i < v->pairs.n; i++) {
        const ynode *k = v->pairs.items[i].key, *body = v->pairs.items[i].value;
        if (strlen(k->str) != k->len || !check_name(k->str, k->len))
            return fail(p, k, "expected an app name ([A-Za-z0-9_.-], 1..64), got %s", quoted(k, shown, sizeof(shown)));
        /* Duplicate names are duplicate keys, already refused by yaml_util. */
        app_config *app = VEC_NEW(cfg->apps);
        app_defaults(app);
        app->name = xstrdup(k->str);
        app->file = xstrdup(p->file);
        app->line = k->line;
        char *path = xasprintf("apps.%s", k->str);
        bool ok = parse_kind(p, body, app) &&
            parse_section(p, body, path, app_fields, ARRAY_LEN(app_fields), app, cfg) && check_app(p, k, body, app);
        free(path);
        if (!ok)
            return false;
    }
    return true;
}

static bool parse_profiles(pctx *p, const ynode *v, tarmac_config *cfg)
{
    char shown[80];
    if (ynode_is_null(v))
        return true;
    if (v->kind != YNODE_MAP)
        return fail(p, v, "expected a map for profiles, got %s", ynode_kind_name(v));
    for (size_t i = 0; i < v->pairs.n; i++) {
        const ynode *k = v->pairs.items[i].key, *body = v->pairs.items[i].value;
        if (strlen(k->str) != k->len || !check_text255(k->str, k->len))
            return fail(p, k, "expected a profile name (" TEXT255_WHAT "), got %s", quoted(k, shown, sizeof(shown)));
        profile_config *pc = VEC_NEW(cfg->profiles);
        pc->name = xstrdup(k->str);
        pc->line = k->line;
        char *path = xasprintf("profiles.%s", k->str);
        bool ok = parse_section(p, body, path, profile_fields, ARRAY_LEN(profile_fields), pc, cfg);
        free(path);
        if (!ok)
            return false;
    }
    return true;
}

static bool parse_keys(pctx *p, const ynode *v, tarmac_config *cfg)
{
    char shown[80];
    if (ynode_is_null(v))
        return true;
    if (v->kind != YNODE_MAP)
        return fail(p, v, "expected a map for keys, got %s", ynode_kind_name(v));
    for (size_t i = 0; i < v->pairs.n; i++) {
        const ynode *k = v->pairs.items[i].key, *val = v->pairs.items[i].value;
        if (strlen(k->str) != k->len || !check_action(k->str, k->len))
            return fail(p, k, "expected an action name ([a-z][a-z0-9_]*, at most 64), got %s",
                        quoted(k, shown, sizeof(shown)));
        if (val->kind != YNODE_SCALAR || strlen(val->str) != val->len || !config_key_syntax_ok(val->str))
            return fail(p, val,
                        "invalid key %s for %s (expected a printable character, "
                        "C-a..C-z, M-<char>, F1..F12, Enter, Tab, S-Tab, Esc, Space, "
                        "Backspace, Delete, Insert, Home, End, PgUp, PgDn, Up, Down, Left "
                        "or Right)",
                        quoted(val, shown, sizeof(shown)), k->str);
        config_key *ck = VEC_NEW(cfg->keys);
        ck->action = xstrdup(k->str);
        ck->key = xstrdup(val->str);
        ck->line = k->line;
    }
    return true;
}

static bool parse_field(pctx *p, const field *f, const ynode *v, const char *path, void *base, tarmac_config *cfg)
{
    char *at = (char *)base + f->off;
    bool ok = false;
    switch (f->type) {
    case FT_TEXT:
        ok = parse_text(p, v, f->name, f->check, f->what, (char **)at);
        break;
    case FT_ENUM:
        ok = parse_enum(p, v, f->name, f->choices, (char **)at);
        break;
    case FT_BOOL:
        ok = parse_bool(p, v, f->name, (bool *)at);
        break;
    case FT_INT:
        ok = parse_int(p, v, f->name, f->min, f->max, (int *)at);
        break;
    case FT_STRLIST:
        ok = parse_strlist(p, v, f, (strvec *)at);
        break;
    case FT_PERCENTS:
        ok = parse_percents(p, v, f, (refresh_prefs *)base);
        break;
    case FT_SECTION: {
        char *sub = *path ? xasprintf("%s.%s", path, f->name) : xstrdup(f->name);
        ok = parse_section(p, v, sub, f->sub, f->nsub, at, cfg);
        free(sub);
        break;
    }
    case FT_APPS:
        ok = parse_apps(p, v, cfg);
        break;
    case FT_KEYS:
        ok = parse_keys(p, v, cfg);
        break;
    case FT_PROFILES:
        ok = parse_profiles(p, v, cfg);
        break;
    case FT_KIND:
        ok = true; /* read by parse_kind */
        break;
    }
    if (ok && f->has)
        *((bool *)((char *)base + f->has_off)) = true;
    return ok;
}

/* A map whose keys come from fields; null is an empty section. */
static bool parse_section(pctx *p, const ynode *map, const char *path, const field *fields, size_t nfields, void *base,
                          tarmac_config *cfg)
{
    char shown[80];
    const char *where = *path ? path : "the top level";
    if (ynode_is_null(map))
        return true;
    if (map->kind != YNODE_MAP)
        return fail(p, map, "expected a map for %s, got %s", where, ynode_kind_name(map));
    for (size_t i = 0; i < map->pairs.n; i++) {
        const ynode *k = map->pairs.items[i].key;
        const field *f = NULL;
        for (size_t j = 0; j < nfields && !f; j++)
            if (strlen(fields[j].name) == k->len && strcmp(fields[j].name, k->str) == 0)
                f = &fields[j];
        if (!f) {
            strbuf names;
            sb_init(&names);
            for (size_t j = 0; j < nfields; j++)
                sb_printf(&names, "%s%s", j ? ", " : "", fields[j].name);
            fail(p, k, "unknown key %s in %s (expected one of: %s)", quoted(k, shown, sizeof(shown)), where, names.buf);
            sb_free(&names);
            return false;
        }
        if (!parse_field(p, f, map->pairs.items[i].value, path, base, cfg))
            return false;
    }
    return true;
}

/* ---- public API ---- */

void config_init(tarmac_config *c)
{
    memset(c, 0, sizeof(*c));
    c->theme = xstrdup("dark");
    c->refresh_seconds = 30;
    c->refresh_active_seconds = 2;
    c->bell = false;
    c->mouse = true;
}

void config_free(tarmac_config *c)
{
    free(c->path);
    free(c->default_profile);
    free(c->default_region);
    free(c->theme);
    MODEL_LIST_FREE(c->apps, app_free);
    for (size_t i = 0; i < c->profiles.n; i++)
        free(c->profiles.items[i].name);
    VEC_FREE(c->profiles);
    for (size_t i = 0; i < c->keys.n; i++) {
        free(c->keys.items[i].action);
        free(c->keys.items[i].key);
    }
    VEC_FREE(c->keys);
    memset(c, 0, sizeof(*c));
}

int config_parse(const char *data, size_t len, const char *filename, tarmac_config *out, strbuf *err)
{
    const char *file = filename ? filename : "<config>";
    pctx p = { .file = file, .err = err };
    config_init(out);
    if (len > CONFIG_MAX_FILE_SIZE) {
        fail(&p, NULL, "file is larger than 1 MiB");
        return -1;
    }
    /* Config files are small: tight limits keep hostile input cheap. */
    yaml_limits lim = { .max_depth = 16, .max_nodes = 20000, .max_scalar = CONFIG_MAX_STRING, .max_pairs = 1000 };
    ydoc doc;
    if (yaml_doc_parse(data, len, file, &lim, &doc, err) < 0)
        return -1;
    bool ok = !doc.root || parse_section(&p, doc.root, "", top_fields, ARRAY_LEN(top_fields), out, out);
    yaml_doc_free(&doc);
    if (!ok) {
        config_free(out);
        config_init(out);
        return -1;
    }
    out->path = xstrdup(filename);
    return 0;
}

/* The config file, read as every user-side file is (file_read_bounded). */
static int read_config_file(const char *path, bool missing_ok, char **buf, size_t *len, bool *missing, strbuf *err)
{
    *buf = NULL;
    *len = 0;
    *missing = false;
    strbuf text, why;
    sb_init(&text);
    sb_init(&why);
    file_read_rc rc = file_read_bounded(path, CONFIG_MAX_FILE_SIZE, &text, &why);
    if (rc == FILE_READ_OK) {
        *len = text.len;
        *buf = sb_steal(&text);
        sb_free(&why);
        return 0;
    }
    sb_free(&text);
    if (rc == FILE_READ_MISSING && missing_ok)
        *missing = true;
    else if (rc == FILE_READ_TOO_LARGE)
        sb_printf(err, "%s: file is larger than 1 MiB", path);
    else
        sb_printf(err, "%s: %s", path, why.buf);
    sb_free(&why);
    return *missing ? 0 : -1;
}

int config_read_file(const char *path, char **buf, size_t *len, strbuf *err)
{
    bool missing;
    return read_config_file(path, false, buf, len, &missing, err);
}

int config_load(const char *path, tarmac_config *out, strbuf *err)
{
    char *def = NULL;
    bool missing_ok = false, missing;
    char *data;
    size_t len;

    if (!path) {
        def = config_default_path();
        if (!def) { /* no home directory: nothing to read */
            config_init(out);
            return 0;
        }
        path = def;
        missing_ok = true;
    }
    if (read_config_file(path, missing_ok, &data, &len, &missing, err) < 0) {
        config_init(out);
        free(def);
        return -1;
    }
    if (missing) {
        config_init(out);
        free(def);
        return 0;
    }
    int rc = config_parse(data, len, path, out, err);
    free(data);
    free(def);
    return rc;
}

char *config_default_path(void)
{
    /* XDG: a relative XDG_CONFIG_HOME is invalid and is ignored. */
    const char *xdg = getenv("XDG_CONFIG_HOME");
    if (xdg && xdg[0] == '/')
        return xasprintf("%s/tarmac/config.yaml", xdg);
    const char *home = getenv("HOME");
    if (!home || home[0] != '/') {
        struct passwd *pw = getpwuid(getuid());
        home = pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
    }
    if (!home)
        return NULL;
    return xasprintf("%s/.config/tarmac/config.yaml", home);
}

const app_config *config_find_app(const tarmac_config *c, const char *name)
{
    for (size_t i = 0; name && i < c->apps.n; i++)
        if (strcmp(c->apps.items[i].name, name) == 0)
            return &c->apps.items[i];
    return NULL;
}

const char *config_app_profile(const tarmac_config *c, const app_config *app)
{
    return app && app->profile ? app->profile : c->default_profile;
}

const char *config_app_region(const tarmac_config *c, const app_config *app)
{
    return app && app->region ? app->region : c->default_region;
}

const profile_config *config_find_profile(const tarmac_config *c, const char *name)
{
    for (size_t i = 0; name && i < c->profiles.n; i++)
        if (strcmp(c->profiles.items[i].name, name) == 0)
            return &c->profiles.items[i];
    return NULL;
}

bool config_profile_read_only(const tarmac_config *c, const char *profile)
{
    const profile_config *pc = config_find_profile(c, profile);
    return pc && pc->read_only;
}

bool config_app_read_only(const tarmac_config *c, const app_config *app)
{
    if (c->read_only || (app && app->read_only))
        return true;
    if (c->profiles.n == 0)
        return false;
    /* The profile in use when the config names none: as the AWS tools pick it. */
    const char *prof = config_app_profile(c, app);
    if (!prof || !*prof)
        prof = getenv("AWS_PROFILE");
    if (!prof || !*prof)
        prof = getenv("AWS_DEFAULT_PROFILE");
    if (!prof || !*prof)
        prof = "default";
    return config_profile_read_only(c, prof);
}
