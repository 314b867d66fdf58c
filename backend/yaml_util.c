/* yaml_util.c — builds a small YAML tree from libyaml events, with limits.
 * libyaml does the parsing; this file only assembles nodes and refuses the YAML
 * features config-style files have no use for (see yaml_util.h). */
#include "yaml_util.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct yframe {
    ynode *node;        /* open sequence or map */
    ynode *pending_key; /* map: key waiting for its value (owned until attached) */
    char *name;         /* path component, e.g. "apps", "web", "[2]" */
} yframe;

typedef struct ybuilder {
    const char *filename;
    yaml_limits lim;
    VEC(yframe) stack;
    ynode *root;
    size_t nodes;
    strbuf *err;
    bool failed;
} ybuilder;

static void ynode_free(ynode *n)
{
    if (!n)
        return;
    free(n->str);
    for (size_t i = 0; i < n->items.n; i++)
        ynode_free(n->items.items[i]);
    VEC_FREE(n->items);
    for (size_t i = 0; i < n->pairs.n; i++) {
        ynode_free(n->pairs.items[i].key);
        ynode_free(n->pairs.items[i].value);
    }
    VEC_FREE(n->pairs);
    free(n);
}

void yaml_doc_free(ydoc *doc)
{
    ynode_free(doc->root);
    doc->root = NULL;
}

static void fail_at(ybuilder *b, yaml_mark_t mark, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void fail_at(ybuilder *b, yaml_mark_t mark, const char *fmt, ...)
{
    va_list ap;
    if (b->failed)
        return;
    b->failed = true;
    sb_printf(b->err, "%s:%zu:%zu: ", b->filename, mark.line + 1, mark.column + 1);
    va_start(ap, fmt);
    sb_vprintf(b->err, fmt, ap);
    va_end(ap);
}

/* "apps.web.refresh", or "the top level" for the root. */
static void path_of(const ybuilder *b, strbuf *out)
{
    for (size_t i = 0; i < b->stack.n; i++) {
        const char *name = b->stack.items[i].name;
        if (!name)
            continue;
        if (out->len && name[0] != '[')
            sb_appendc(out, '.');
        sb_append(out, name);
    }
    if (!out->len)
        sb_append(out, "the top level");
}

/* A short, printable rendering of a scalar for messages. */
static void append_quoted(strbuf *sb, const char *s, size_t len)
{
    size_t shown = len > 64 ? 64 : len;
    sb_appendc(sb, '"');
    for (size_t i = 0; i < shown; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
            sb_printf(sb, "\\x%02x", c);
        else
            sb_appendc(sb, (char)c);
    }
    sb_appendc(sb, '"');
    if (shown < len)
        sb_append(sb, "...");
}

static ynode *node_new(ybuilder *b, ynode_kind kind, yaml_mark_t mark)
{
    if (++b->nodes > b->lim.max_nodes) {
        fail_at(b, mark, "document has more than %zu values", b->lim.max_nodes);
        return NULL;
    }
    ynode *n = xcalloc(1, sizeof(*n));
    n->kind = kind;
    n->line = (int)(mark.line + 1 > 0x7fffffff ? 0x7fffffff : mark.line + 1);
    n->col = (int)(mark.column + 1 > 0x7fffffff ? 0x7fffffff : mark.column + 1);
    return n;
}

/* Hands n to its parent (or makes it the root) and, if name_out is given, sets
 * it to n's path component ("web", "[2]"; malloc'd, NULL at the root). On error
 * frees n and returns false. */
static bool attach(ybuilder *b, ynode *n, yaml_mark_t mark, char **name_out)
{
    if (name_out)
        *name_out = NULL;
    if (!b->stack.n) {
        b->root = n;
        return true;
    }
    yframe *top = &b->stack.items[b->stack.n - 1];
    if (top->node->kind == YNODE_SEQ) {
        if (name_out)
            *name_out = xasprintf("[%zu]", top->node->items.n);
        VEC_PUSH(top->node->items, n);
        return true;
    }
    if (!top->pending_key) {
        if (n->kind != YNODE_SCALAR) {
            strbuf path;
            sb_init(&path);
            path_of(b, &path);
            fail_at(b, mark, "a map key must be a plain string, got %s in %s", ynode_kind_name(n), path.buf);
            sb_free(&path);
            ynode_free(n);
            return false;
        }
        if (top->node->pairs.n >= b->lim.max_pairs) {
            fail_at(b, mark, "more than %zu keys in one map", b->lim.max_pairs);
            ynode_free(n);
            return false;
        }
        for (size_t i = 0; i < top->node->pairs.n; i++) {
            const ynode *k = top->node->pairs.items[i].key;
            if (k->len == n->len && memcmp(k->str, n->str, n->len) == 0) {
                strbuf key, path;
                sb_init(&key);
                sb_init(&path);
                append_quoted(&key, n->str, n->len);
                path_of(b, &path);
                fail_at(b, mark, "duplicate key %s in %s (first defined at line %d)", key.buf, path.buf, k->line);
                sb_free(&key);
                sb_free(&path);
                ynode_free(n);
                return false;
            }
        }
        top->pending_key = n;
        return true;
    }
    if (name_out)
        *name_out = xstrndup(top->pending_key->str, strnlen(top->pending_key->str, 256));
    ypair pair = { top->pending_key, n };
    VEC_PUSH(top->node->pairs, pair);
    top->pending_key = NULL;
    return true;
}

static bool refuse_props(ybuilder *b, const yaml_event_t *ev, const unsigned char *anchor, const unsigned char *tag)
{
    if (anchor) {
        fail_at(b, ev->start_mark, "anchors are not allowed (&%.64s)", (const char *)anchor);
        return false;
    }
    if (tag) {
        fail_at(b, ev->start_mark, "tags are not allowed (%.64s)", (const char *)tag);
        return false;
    }
    return true;
}

static void on_scalar(ybuilder *b, const yaml_event_t *ev)
{
    const unsigned char *tag = ev->data.scalar.tag;
    if (!refuse_props(b, ev, ev->data.scalar.anchor, tag))
        return;
    if (ev->data.scalar.length > b->lim.max_scalar) {
        fail_at(b, ev->start_mark, "value longer than %zu bytes", b->lim.max_scalar);
        return;
    }
    ynode *n = node_new(b, YNODE_SCALAR, ev->start_mark);
    if (!n)
        return;
    n->str = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
    n->len = ev->data.scalar.length;
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    attach(b, n, ev->start_mark, NULL);
}

static void on_collection_start(ybuilder *b, const yaml_event_t *ev, ynode_kind kind)
{
    const unsigned char *anchor = kind == YNODE_SEQ ? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor;
    const unsigned char *tag = kind == YNODE_SEQ ? ev->data.sequence_start.tag : ev->data.mapping_start.tag;
    if (!refuse_props(b, ev, anchor, tag))
        return;
    if (b->stack.n >= b->lim.max_depth) {
        fail_at(b, ev->start_mark, "nesting deeper than %zu levels", b->lim.max_depth);
        return;
    }
    ynode *n = node_new(b, kind, ev->start_mark);
    if (!n)
        return;
    char *name = NULL;
    if (!attach(b, n, ev->start_mark, &name))
        return;
    yframe f = { n, NULL, name };
    VEC_PUSH(b->stack, f);
}

static void pop_frame(ybuilder *b)
{
    if (!b->stack.n)
        return;
    yframe *f = &b->stack.items[--b->stack.n];
    ynode_free(f->pending_key); /* only set on error paths */
    free(f->name);
}

static void syntax_error(ybuilder *b, const yaml_parser_t *p)
{
    yaml_mark_t mark = p->problem_mark;
    const char *problem = p->problem ? p->problem : "invalid YAML";
    if (p->error == YAML_READER_ERROR) {
        /* The reader reports a byte offset, not a line. */
        b->failed = true;
        sb_printf(b->err, "%s: %s (at byte %zu)", b->filename, problem, p->problem_offset);
        return;
    }
    if (p->error == YAML_MEMORY_ERROR)
        util_fatal("out of memory");
    if (p->context)
        fail_at(b, mark, "%s %s (started at line %zu, column %zu)", problem, p->context, p->context_mark.line + 1,
                p->context_mark.column + 1);
    else
        fail_at(b, mark, "%s", problem);
}

int yaml_doc_parse(const char *data, size_t len, const char *filename, const yaml_limits *limits, ydoc *doc,
                   strbuf *err)
{
    static const yaml_limits defaults = YAML_LIMITS_DEFAULT;
    ybuilder b = { .filename = filename ? filename : "<input>", .lim = limits ? *limits : defaults, .err = err };
    /* A zero limit means "the default", never "unlimited". */
    if (!b.lim.max_depth)
        b.lim.max_depth = defaults.max_depth;
    if (!b.lim.max_nodes)
        b.lim.max_nodes = defaults.max_nodes;
    if (!b.lim.max_scalar)
        b.lim.max_scalar = defaults.max_scalar;
    if (!b.lim.max_pairs)
        b.lim.max_pairs = defaults.max_pairs;
    yaml_parser_t parser;
    int documents = 0;
    bool done = false;

    doc->root = NULL;
    if (!yaml_parser_initialize(&parser))
        util_fatal("out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);

    while (!done && !b.failed) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            syntax_error(&b, &parser);
            break;
        }
        switch (ev.type) {
        case YAML_DOCUMENT_START_EVENT:
            if (++documents > 1)
                fail_at(&b, ev.start_mark, "only one YAML document is allowed");
            break;
        case YAML_SCALAR_EVENT:
            on_scalar(&b, &ev);
            break;
        case YAML_SEQUENCE_START_EVENT:
            on_collection_start(&b, &ev, YNODE_SEQ);
            break;
        case YAML_MAPPING_START_EVENT:
            on_collection_start(&b, &ev, YNODE_MAP);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            pop_frame(&b);
            break;
        case YAML_ALIAS_EVENT:
            fail_at(&b, ev.start_mark, "aliases are not allowed (*%.64s)", (const char *)ev.data.alias.anchor);
            break;
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    while (b.stack.n)
        pop_frame(&b);
    VEC_FREE(b.stack);
    yaml_parser_delete(&parser);
    if (b.failed) {
        ynode_free(b.root);
        return -1;
    }
    doc->root = b.root;
    return 0;
}

bool ynode_is_null(const ynode *n)
{
    if (!n || n->kind != YNODE_SCALAR || !n->plain)
        return false;
    return n->len == 0 || strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0 || strcmp(n->str, "Null") == 0 ||
        strcmp(n->str, "NULL") == 0;
}

const char *ynode_kind_name(const ynode *n)
{
    if (!n)
        return "nothing";
    switch (n->kind) {
    case YNODE_SEQ:
        return "a list";
    case YNODE_MAP:
        return "a map";
    case YNODE_SCALAR:
        return ynode_is_null(n) ? "null" : "a string";
    }
    return "a value";
}

const ynode *ynode_get(const ynode *n, const char *key)
{
    if (!n || n->kind != YNODE_MAP)
        return NULL;
    size_t klen = strlen(key);
    for (size_t i = 0; i < n->pairs.n; i++) {
        const ynode *k = n->pairs.items[i].key;
        if (k->len == klen && memcmp(k->str, key, klen) == 0)
            return n->pairs.items[i].value;
    }
    return NULL;
}
