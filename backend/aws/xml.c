/* xml.c — streaming XML decoding for the Query/XML services on top of expat.
 * Keeps the current element path as one bounded "a/b/c" string plus a stack of
 * offsets, collects each element's text (bounded) and calls the decoder's start and
 * end callbacks with paths relative to the result element. DTDs are refused; list
 * entries are charged to the call's budget, and empty ones never reach a decoder. */
#include "aws/xml.h"

#include <errno.h>
#include <expat.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define STRINGIFY_(x) #x
#define STRINGIFY(x)  STRINGIFY_(x)

typedef struct xml_state {
    XML_Parser parser;
    const xml_handler *h;
    void *ud;
    aws_budget *budget;
    aws_error *err;
    bool failed;    /* err already filled; stop */
    int depth;      /* root is depth 1 */
    int base;       /* depth whose children are delivered (1 or 2) */
    bool in_result; /* inside <XResult> (or no result wrapper) */
    int pending;    /* depth of a list entry whose start is held back; 0: none */
    size_t elements;
    char path[XML_MAX_PATH];
    size_t path_len;
    size_t marks[XML_MAX_DEPTH + 2]; /* path length before element at depth d */
    strbuf text;
} xml_state;

void xml_error(aws_error *err, const xml_handler *h, const char *fmt, ...)
{
    if (!err)
        return;
    memset(err, 0, sizeof(*err));
    str_copy(err->code, sizeof(err->code), "MalformedResponse");
    str_copy(err->operation, sizeof(err->operation), h->operation ? h->operation : "");
    err->service = h->service;
    int n = snprintf(err->message, sizeof(err->message), "%s: ", h->operation ? h->operation : "response");
    if (n < 0 || (size_t)n >= sizeof(err->message))
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message + n, sizeof(err->message) - (size_t)n, fmt, ap);
    va_end(ap);
}

/* Stop the parser; later events are ignored. */
static void stop(xml_state *st)
{
    st->failed = true;
    XML_StopParser(st->parser, XML_FALSE);
}

/* Stop the parser after filling err. */
static void fail(xml_state *st, const char *fmt, const char *arg)
{
    if (st->failed)
        return;
    xml_error(st->err, st->h, fmt, arg);
    stop(st);
}

/* An entry of a list: <member> (Query protocol) or <item> (EC2). */
static bool list_entry(const char *local)
{
    return strcmp(local, "member") == 0 || strcmp(local, "item") == 0;
}

static const char *local_name(const XML_Char *name)
{
    const char *colon = strrchr(name, ':');
    return colon ? colon + 1 : name;
}

/* The path below the delivered base, or NULL when this element is not delivered. */
static const char *rel_path(const xml_state *st)
{
    if (!st->in_result || st->depth <= st->base)
        return NULL;
    return st->path + st->marks[st->base + 1] + 1;
}

/* Delivers the start of the list entry held back, now that it has content. */
static void deliver_pending(xml_state *st)
{
    if (!st->pending)
        return;
    st->pending = 0;
    const char *rel = rel_path(st);
    if (rel && st->h->start && st->h->start(st->ud, rel) < 0)
        fail(st, "invalid element <%.200s>", rel);
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    (void)atts;
    xml_state *st = ud;
    if (st->failed)
        return;
    deliver_pending(st); /* a child: the entry it is in has content */
    if (st->failed)
        return;
    const char *local = local_name(name);
    if (st->depth >= XML_MAX_DEPTH) {
        fail(st, "document nested deeper than %s levels", STRINGIFY(XML_MAX_DEPTH));
        return;
    }
    if (++st->elements > XML_MAX_ELEMENTS) {
        aws_error_limit(st->err, "ResponseTooLarge", st->h->service, st->h->operation, "%d XML elements in one answer",
                        XML_MAX_ELEMENTS);
        stop(st);
        return;
    }
    bool entry = list_entry(local);
    if (entry && aws_budget_items(st->budget, 1, st->h->service, st->h->operation, st->err) != 0) {
        stop(st);
        return;
    }
    size_t len = st->marks[st->depth + 1] = st->path_len;
    size_t local_len = strlen(local);
    if (len + local_len + (st->depth ? 1 : 0) >= sizeof(st->path)) {
        fail(st, "element path too long at <%.64s>", local);
        return;
    }
    if (st->depth)
        st->path[len++] = '/';
    memcpy(st->path + len, local, local_len + 1);
    st->path_len = len + local_len;
    st->depth++;
    sb_reset(&st->text);

    if (st->depth == 1) {
        if (st->h->root && strcmp(local, st->h->root) != 0) {
            fail(st, "unexpected root element <%.64s>", local);
            return;
        }
        st->in_result = st->h->result == NULL;
    } else if (st->depth == 2 && st->h->result && strcmp(local, st->h->result) == 0) {
        st->in_result = true;
    }
    const char *rel = rel_path(st);
    if (!rel)
        return;
    if (entry)
        st->pending = st->depth; /* delivered once it shows content */
    else if (st->h->start && st->h->start(st->ud, rel) < 0)
        fail(st, "invalid element <%.200s>", rel);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    (void)name;
    xml_state *st = ud;
    if (st->failed || st->depth == 0)
        return;
    const char *rel = rel_path(st);
    bool empty = false;
    if (st->pending == st->depth) {
        /* A list entry without children: empty, it is dropped; with text (a list of
         * strings), its start is delivered now. */
        empty = st->text.len == 0;
        if (empty)
            st->pending = 0;
        else
            deliver_pending(st);
        if (st->failed)
            return;
    }
    if (rel && !empty && st->h->end && st->h->end(st->ud, rel, st->text.buf) < 0) {
        fail(st, "invalid value in <%.200s>", rel);
        return;
    }
    if (st->depth == 2 && st->h->result)
        st->in_result = false;
    st->depth--;
    st->path_len = st->marks[st->depth + 1];
    st->path[st->path_len] = '\0';
    sb_reset(&st->text);
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    xml_state *st = ud;
    if (st->failed || len <= 0)
        return;
    if (st->text.len + (size_t)len > XML_MAX_TEXT) {
        fail(st, "text of <%.200s> longer than 64 KiB", st->path);
        return;
    }
    sb_appendn(&st->text, s, (size_t)len);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
                               int has_internal_subset)
{
    (void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
    fail(ud, "%s", "document type declarations are not accepted");
}

int xml_decode_budget(const xml_handler *h, const char *body, size_t len, void *ud, aws_budget *budget, aws_error *err)
{
    if (!body && len) {
        xml_error(err, h, "no body");
        return -1;
    }
    if (len > XML_MAX_BODY) {
        xml_error(err, h, "response larger than %u bytes", XML_MAX_BODY);
        return -1;
    }
    aws_budget own = { 0 };
    xml_state st = { .h = h, .ud = ud, .budget = budget ? budget : &own, .err = err };
    st.base = h->result ? 2 : 1;
    sb_init(&st.text);
    st.parser = XML_ParserCreate(NULL);
    if (!st.parser)
        util_fatal("out of memory (expat)");
    XML_SetUserData(st.parser, &st);
    XML_SetElementHandler(st.parser, on_start, on_end);
    XML_SetCharacterDataHandler(st.parser, on_text);
    XML_SetStartDoctypeDeclHandler(st.parser, on_doctype);

    enum XML_Status rc = XML_Parse(st.parser, body ? body : "", (int)len, XML_TRUE);
    int ret = 0;
    if (st.failed) {
        ret = -1;
    } else if (rc != XML_STATUS_OK) {
        xml_error(err, h, "not valid XML (line %lu: %s)", (unsigned long)XML_GetCurrentLineNumber(st.parser),
                  XML_ErrorString(XML_GetErrorCode(st.parser)));
        ret = -1;
    }
    XML_ParserFree(st.parser);
    sb_free(&st.text);
    return ret;
}

int xml_decode(const xml_handler *h, const char *body, size_t len, void *ud, aws_error *err)
{
    return xml_decode_budget(h, body, len, ud, NULL, err);
}

const char *xml_under(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(path, prefix, n) != 0)
        return NULL;
    if (path[n] == '\0')
        return path + n;
    return path[n] == '/' ? path + n + 1 : NULL;
}

bool xml_parse_long(const char *s, long *out)
{
    if (!s || !*s)
        return false;
    /* strtol accepts leading spaces and a '+'; AWS sends neither. */
    if (!(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')))
        return false;
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0')
        return false;
    *out = v;
    return true;
}

bool xml_parse_int(const char *s, int *out)
{
    long v;
    if (!xml_parse_long(s, &v) || v < INT_MIN || v > INT_MAX)
        return false;
    *out = (int)v;
    return true;
}

bool xml_parse_bool(const char *s, bool *out)
{
    if (str_eq(s, "true"))
        *out = true;
    else if (str_eq(s, "false"))
        *out = false;
    else
        return false;
    return true;
}

int xml_fields_apply(const xml_field *rows, size_t n, void *obj, const char *path, const char *text)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(rows[i].path, path) != 0)
            continue;
        char *p = (char *)obj + rows[i].off;
        bool ok = true;
        switch (rows[i].type) {
        case XML_STR:
            str_set((char **)(void *)p, text);
            break;
        case XML_INT:
            ok = xml_parse_int(text, (int *)(void *)p);
            break;
        case XML_LONG:
            ok = xml_parse_long(text, (long *)(void *)p);
            break;
        case XML_BOOL:
            ok = xml_parse_bool(text, (bool *)(void *)p);
            break;
        case XML_TIME:
            ok = time_parse_iso8601(text, (aws_time *)(void *)p);
            break;
        case XML_STRLIST:
            strvec_push((strvec *)(void *)p, text);
            break;
        }
        if (!ok)
            return -1;
        if (rows[i].has_off != XML_NO_HAS)
            *(bool *)(void *)((char *)obj + rows[i].has_off) = true;
        return 1;
    }
    return 0;
}
