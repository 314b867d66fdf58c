/* console_ltpick.c — `:deploy-lt`'s picks: the selected group's launch template
 * versions (DescribeLaunchTemplateVersions, read in the background), newest first,
 * with the image, description and the version the group runs now, as command-line
 * candidates. Kept per profile, region and template for the console's life and
 * dropped after a plan runs. */
#include "console_int.h"

#include "services/services.h"

#define LT_CACHE_MAX 16 /* launch templates whose versions are kept */
#define LT_DESC_COLS 32 /* a version's description in the candidates line */

struct con_ltpick {
    bool closing;
    struct lt_cache {
        char key[512];  /* profile, region, template id or name */
        char label[80]; /* the template's name or id, sanitized */
        bool fetching, failed;
        char err[120];            /* why the fetch failed, sanitized */
        lt_version_list versions; /* newest first */
    } lts[LT_CACHE_MAX];
    size_t n_lts;
};

/* One read of a template's versions. The answer finds its cache entry by key, so
 * an entry dropped meanwhile simply drops the answer. */
typedef struct lt_ticket {
    console *c;
    char key[512];
} lt_ticket;

static const asg_group *selected_group(const console *c)
{
    const watch_state *ws = watch_get(c->w);
    for (size_t i = 0; ws->selected_asg && i < ws->groups.n; i++)
        if (str_eq(ws->groups.items[i].name, ws->selected_asg))
            return &ws->groups.items[i];
    return NULL;
}

static bool has_lt(const asg_group *g)
{
    return g && (g->launch_template.launch_template_id || g->launch_template.launch_template_name);
}

/* Versions are kept per place: the same template name may be another template
 * in another account or region. */
static void lt_key(const console *c, const lt_spec *lt, char *key, size_t len)
{
    snprintf(key, len, "%.100s|%.60s|%.300s", c->profile ? c->profile : "", c->region ? c->region : "",
             lt->launch_template_id ? lt->launch_template_id : lt->launch_template_name);
}

static struct lt_cache *lt_find(con_ltpick *a, const char *key)
{
    for (size_t i = 0; i < a->n_lts; i++)
        if (strcmp(a->lts[i].key, key) == 0)
            return &a->lts[i];
    return NULL;
}

static void lt_list_drop(lt_version_list *l)
{
    if (l)
        MODEL_LIST_FREE(*l, lt_version_free);
}

static void lt_remove(con_ltpick *a, size_t i)
{
    lt_list_drop(&a->lts[i].versions);
    memmove(&a->lts[i], &a->lts[i + 1], (a->n_lts - i - 1) * sizeof a->lts[0]);
    a->n_lts--;
}

/* After a plan ran: the next :deploy-lt reads the versions again. */
void con_ltpick_drop(console *c)
{
    con_ltpick *a = c->ltp;
    if (!a)
        return;
    for (size_t i = a->n_lts; i-- > 0;)
        if (!a->lts[i].fetching)
            lt_remove(a, i);
}

static int lt_newest_first(const void *x, const void *y)
{
    long a = ((const lt_version *)x)->version_number, b = ((const lt_version *)y)->version_number;
    return (a < b) - (a > b);
}

static void lt_failed(console *c, struct lt_cache *e, const aws_error *err)
{
    char raw[700];
    aws_error_format(err, raw, sizeof raw);
    sanitize_str(raw, e->err, sizeof e->err, 110, c->ascii, NULL);
    e->failed = true;
    con_message(c, ROLE_ERROR, "launch template %s: cannot read its versions: %s", e->label, e->err);
}

static void on_lt_versions(aws_client *cl, lt_version_list *res, const aws_error *err, void *ud)
{
    (void)cl;
    lt_ticket *t = ud;
    console *c = t->c;
    con_ltpick *a = c->ltp;
    struct lt_cache *e = a && !a->closing ? lt_find(a, t->key) : NULL;
    free(t);
    if (!e || !e->fetching) {
        lt_list_drop(res);
        return;
    }
    e->fetching = false;
    if (err && strcmp(err->code, "Cancelled") == 0) {
        /* The client was replaced (a switch): nothing to say; read again on demand. */
        lt_list_drop(res);
        lt_remove(a, (size_t)(e - a->lts));
    } else if (err || !res) {
        lt_list_drop(res);
        aws_error none = { .code = "MalformedResponse" };
        lt_failed(c, e, err ? err : &none);
    } else {
        e->versions = *res;
        qsort(e->versions.items, e->versions.n, sizeof *e->versions.items, lt_newest_first);
    }
    con_ltpick_prompt_hint(c, false);
}

/* The cache entry of g's template; a read is started when there is none or, when
 * retry (Tab), when the last one failed. NULL: every slot is being read. */
static struct lt_cache *lt_fetch(console *c, const asg_group *g, bool retry)
{
    con_ltpick *a = c->ltp;
    const lt_spec *lt = &g->launch_template;
    char key[512];
    lt_key(c, lt, key, sizeof key);
    struct lt_cache *e = lt_find(a, key);
    if (e && !(retry && e->failed))
        return e;
    if (!e) {
        if (a->n_lts == LT_CACHE_MAX) { /* the oldest entry not being read makes room */
            size_t i = 0;
            while (i < a->n_lts && a->lts[i].fetching)
                i++;
            if (i == a->n_lts)
                return NULL;
            lt_remove(a, i);
        }
        e = &a->lts[a->n_lts++];
        memset(e, 0, sizeof *e);
        snprintf(e->key, sizeof e->key, "%s", key);
        sanitize_str(lt->launch_template_name ? lt->launch_template_name : lt->launch_template_id, e->label,
                     sizeof e->label, 64, c->ascii, NULL);
    }
    e->failed = false;
    e->err[0] = '\0';
    e->fetching = true;
    lt_ticket *t = xcalloc(1, sizeof *t);
    t->c = c;
    snprintf(t->key, sizeof t->key, "%s", key);
    aws_error err = { 0 };
    if (!c->client ||
        svc_ec2_describe_lt_versions(c->client, lt->launch_template_id,
                                     lt->launch_template_id ? NULL : lt->launch_template_name, on_lt_versions, t,
                                     &err) != 0) {
        free(t);
        e->fetching = false;
        if (!c->client)
            aws_error_set(&err, 0, "NoClient", "the console has no AWS client");
        lt_failed(c, e, &err);
    }
    return lt_find(a, key); /* the answer may have come already */
}

/* A version string of the group ("7", "$Latest", "$Default") as a number; 0: unknown. */
static long lt_resolve(const char *v, const lt_version_list *l)
{
    if (!v)
        return 0;
    if (str_eq(v, "$Latest"))
        return l->n ? l->items[0].version_number : 0;
    if (str_eq(v, "$Default")) {
        for (size_t i = 0; i < l->n; i++)
            if (l->items[i].default_version)
                return l->items[i].version_number;
        return 0;
    }
    char *end;
    long n = strtol(v, &end, 10);
    return *v && !*end && n > 0 ? n : 0;
}

/* The versions g's instances run now; the group's own setting when no instance
 * says (an empty group). */
static size_t lt_current(const asg_group *g, const lt_version_list *l, long *out, size_t max)
{
    const lt_spec *gl = &g->launch_template;
    size_t n = 0;
    for (size_t i = 0; i <= g->instances.n; i++) {
        const lt_spec *s = i < g->instances.n ? &g->instances.items[i].launch_template : gl;
        if (i == g->instances.n && n)
            break;
        if (i < g->instances.n && !(gl->launch_template_id && str_eq(s->launch_template_id, gl->launch_template_id)) &&
            !(gl->launch_template_name && str_eq(s->launch_template_name, gl->launch_template_name)))
            continue; /* launched from another template (or a launch configuration) */
        long v = lt_resolve(s->version, l);
        bool seen = false;
        for (size_t k = 0; k < n; k++)
            seen |= out[k] == v;
        if (v > 0 && !seen && n < max)
            out[n++] = v;
    }
    return n;
}

/* The candidates line for ":deploy-lt WORD": the versions starting with WORD,
 * newest first, each with as much of its hint as the line has room for. */
static void lt_render(console *c, const asg_group *g, const struct lt_cache *e, const char *word)
{
    long cur[16];
    size_t n_cur = lt_current(g, &e->versions, cur, ARRAY_LEN(cur));
    char line[PROMPT_MAX + 8], tmp[sizeof c->pr.completions * 4];
    int used = 0;
    snprintf(line, sizeof line, ":%s", c->pr.buf);
    sanitize_str(line, tmp, sizeof tmp, c->lay.cols - 1, c->ascii, &used);
    int room = c->lay.cols - used - 3;
    size_t wl = strlen(word);
    strbuf sb;
    sb_init(&sb);
    /* 0: number, image and description; 1: number and image; 2: numbers only. */
    for (int tier = 0; tier < 3; tier++) {
        sb_reset(&sb);
        size_t shown = 0;
        for (size_t i = 0; i < e->versions.n; i++) {
            const lt_version *v = &e->versions.items[i];
            char num[24];
            snprintf(num, sizeof num, "%ld", v->version_number);
            if (strncmp(num, word, wl) != 0)
                continue;
            bool now = false;
            for (size_t k = 0; k < n_cur; k++)
                now |= cur[k] == v->version_number;
            sb_printf(&sb, "%s%s", shown++ ? (tier < 2 ? " | " : "  ") : "", num);
            if (tier < 2 && v->image_id) {
                char img[96];
                sanitize_str(v->image_id, img, sizeof img, 40, c->ascii, NULL);
                sb_printf(&sb, " %s", img);
            }
            if (tier == 0 && v->version_description && v->version_description[0]) {
                char d[LT_DESC_COLS * 4 + 8];
                sanitize_str(v->version_description, d, sizeof d, LT_DESC_COLS, c->ascii, NULL);
                sb_printf(&sb, " \"%s\"", d);
            }
            if (now)
                sb_append(&sb, " (current)");
        }
        if (!shown) {
            char w[40];
            sanitize_str(word, w, sizeof w, 20, c->ascii, NULL);
            con_prompt_hint(c, "(launch template %s has no version %s%s)", e->label, w, wl ? "..." : "");
            sb_free(&sb);
            return;
        }
        int cols = 0;
        if (sb.len < sizeof c->pr.completions) {
            sanitize_str(sb.buf, tmp, sizeof tmp, -1, c->ascii, &cols);
            if (cols <= room)
                break;
        }
    }
    /* Numbers only may still be too long: cut at a number, say there is more. */
    if (sb.len >= sizeof c->pr.completions) {
        size_t cut = sizeof c->pr.completions - 5;
        while (cut && sb.buf[cut] != ' ')
            cut--;
        con_prompt_hint(c, "%.*s ...", (int)cut, sb.buf);
    } else {
        con_prompt_hint(c, "%s", sb.buf);
    }
    sb_free(&sb);
}

void con_ltpick_prompt_hint(console *c, bool tab)
{
    if (!c->ltp)
        c->ltp = xcalloc(1, sizeof *c->ltp);
    con_ltpick *a = c->ltp;
    if (a->closing || c->pr.kind != PR_COMMAND || strncmp(c->pr.buf, "deploy-lt ", 10) != 0)
        return;
    const char *word = c->pr.buf + 10;
    c->dirty_status = true;
    const asg_group *g = selected_group(c);
    if (!g) {
        const char *sel = watch_get(c->w)->selected_asg;
        char name[160];
        sanitize_str(sel ? sel : "", name, sizeof name, 60, c->ascii, NULL);
        if (sel)
            con_prompt_hint(c, "(group %s is not loaded: no versions to offer)", name);
        else
            con_prompt_hint(c, "(select a group: its launch template's versions show here)");
        return;
    }
    if (!has_lt(g)) {
        char name[160];
        sanitize_str(g->name, name, sizeof name, 60, c->ascii, NULL);
        con_prompt_hint(c, "(group %s uses no launch template)", name);
        return;
    }
    const struct lt_cache *e = lt_fetch(c, g, tab);
    if (!e)
        con_prompt_hint(c, "(busy reading other launch templates: Tab tries again)");
    else if (e->fetching)
        con_prompt_hint(c, "(reading the versions of launch template %s...)", e->label);
    else if (e->failed)
        con_prompt_hint(c, "(cannot read the versions of %s: %s; Tab tries again)", e->label, e->err);
    else
        lt_render(c, g, e, word);
}

void con_ltpick_candidates(console *c, strvec *out)
{
    const asg_group *g = selected_group(c);
    char key[512];
    if (!c->ltp || !has_lt(g))
        return;
    lt_key(c, &g->launch_template, key, sizeof key);
    const struct lt_cache *e = lt_find(c->ltp, key);
    for (size_t i = 0; e && !e->fetching && i < e->versions.n; i++) {
        char num[24];
        snprintf(num, sizeof num, "%ld", e->versions.items[i].version_number);
        strvec_push(out, num);
    }
}

void con_ltpick_closing(console *c)
{
    if (c->ltp)
        c->ltp->closing = true;
}

void con_ltpick_free(console *c)
{
    con_ltpick *a = c->ltp;
    if (!a)
        return;
    for (size_t i = 0; i < a->n_lts; i++)
        lt_list_drop(&a->lts[i].versions);
    free(a);
    c->ltp = NULL;
}
