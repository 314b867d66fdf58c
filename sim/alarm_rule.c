/* alarm_rule.c — CloudWatch AlarmRule expressions, as PutCompositeAlarm documents
 * them: ALARM("name"), OK(name), INSUFFICIENT_DATA(name) (quotes optional), TRUE,
 * FALSE, AND, OR, NOT, parentheses. A recursive descent over a grammar this small;
 * depth and size are bounded by AWS's own limits, so hostile scenario text cannot
 * exhaust the stack. Precedence (AWS documents none): NOT, then AND, then OR. */
#include "alarm_rule.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#define AR_MAX_DEPTH 64
#define AR_MAX_NAME  1600 /* an alarm ARN's length bound */

typedef struct ar_parser {
    const char *s;
    size_t pos, len;
    alarm_rule *out;
    int depth, elements, children;
    char *err;
    size_t errlen;
    bool failed;
} ar_parser;

static int fail(ar_parser *p, const char *msg)
{
    if (!p->failed) {
        p->failed = true;
        snprintf(p->err, p->errlen, "%s", msg);
    }
    return -1;
}

static void skip_space(ar_parser *p)
{
    while (p->pos < p->len && isspace((unsigned char)p->s[p->pos]))
        p->pos++;
}

/* The word at the cursor ([A-Za-z_]+), not consumed; its length in *n. */
static const char *peek_word(ar_parser *p, size_t *n)
{
    skip_space(p);
    size_t e = p->pos;
    while (e < p->len && (isalpha((unsigned char)p->s[e]) || p->s[e] == '_'))
        e++;
    *n = e - p->pos;
    return p->s + p->pos;
}

static bool word_is(const char *w, size_t n, const char *kw)
{
    return strlen(kw) == n && !strncmp(w, kw, n);
}

static int add(ar_parser *p, ar_kind kind, int a, int b)
{
    ar_node *nd = VEC_NEW(p->out->nodes);
    nd->kind = kind;
    nd->a = a;
    nd->b = b;
    return (int)p->out->nodes.n - 1;
}

static int parse_or(ar_parser *p);

/* FUNC ( name ) with the function word already consumed. */
static int parse_call(ar_parser *p, const char *state)
{
    skip_space(p);
    if (p->pos >= p->len || p->s[p->pos] != '(')
        return fail(p, "expected '(' after an alarm state function");
    p->pos++;
    skip_space(p);
    size_t start, end;
    if (p->pos < p->len && p->s[p->pos] == '"') {
        start = ++p->pos;
        while (p->pos < p->len && p->s[p->pos] != '"')
            p->pos++;
        if (p->pos >= p->len)
            return fail(p, "unterminated quoted alarm name");
        end = p->pos++;
        skip_space(p);
    } else {
        start = p->pos;
        while (p->pos < p->len && p->s[p->pos] != ')' && p->s[p->pos] != '(')
            p->pos++;
        end = p->pos;
        while (end > start && isspace((unsigned char)p->s[end - 1]))
            end--;
    }
    if (p->pos >= p->len || p->s[p->pos] != ')')
        return fail(p, "expected ')' after the alarm name");
    p->pos++;
    if (end == start)
        return fail(p, "empty alarm name");
    if (end - start > AR_MAX_NAME)
        return fail(p, "alarm name too long");
    if (++p->children > ALARM_RULE_MAX_CHILDREN)
        return fail(p, "a rule can name at most 100 alarms");
    int i = add(p, AR_STATE, -1, -1);
    ar_node *nd = &p->out->nodes.items[i];
    str_copy(nd->state, sizeof nd->state, state);
    nd->alarm = xstrndup(p->s + start, end - start);
    return i;
}

static int parse_primary(ar_parser *p)
{
    if (++p->elements > ALARM_RULE_MAX_ELEMENTS)
        return fail(p, "a rule can have at most 500 elements");
    skip_space(p);
    if (p->pos >= p->len)
        return fail(p, "the rule ends where an alarm function, TRUE, FALSE or '(' was expected");
    if (p->s[p->pos] == '(') {
        p->pos++;
        int e = parse_or(p);
        if (e < 0)
            return -1;
        skip_space(p);
        if (p->pos >= p->len || p->s[p->pos] != ')')
            return fail(p, "expected ')'");
        p->pos++;
        return e;
    }
    size_t n;
    const char *w = peek_word(p, &n);
    static const char *const states[] = { "ALARM", "OK", "INSUFFICIENT_DATA" };
    for (size_t i = 0; i < ARRAY_LEN(states); i++)
        if (word_is(w, n, states[i])) {
            p->pos += n;
            return parse_call(p, states[i]);
        }
    /* TRUE/FALSE: the API reference writes them upper case, its cycle advice lower case */
    if (word_is(w, n, "TRUE") || word_is(w, n, "true")) {
        p->pos += n;
        return add(p, AR_TRUE, -1, -1);
    }
    if (word_is(w, n, "FALSE") || word_is(w, n, "false")) {
        p->pos += n;
        return add(p, AR_FALSE, -1, -1);
    }
    return fail(p, "expected ALARM(...), OK(...), INSUFFICIENT_DATA(...), TRUE, FALSE, NOT or '('");
}

static int parse_unary(ar_parser *p)
{
    if (++p->depth > AR_MAX_DEPTH)
        return fail(p, "the rule nests too deeply");
    size_t n;
    const char *w = peek_word(p, &n);
    int r;
    if (word_is(w, n, "NOT")) {
        p->pos += n;
        int a = parse_unary(p);
        r = a < 0 ? -1 : add(p, AR_NOT, a, -1);
    } else {
        r = parse_primary(p);
    }
    p->depth--;
    return r;
}

static int parse_binary(ar_parser *p, const char *op, ar_kind kind, int (*sub)(ar_parser *))
{
    int left = sub(p);
    while (left >= 0) {
        size_t n;
        const char *w = peek_word(p, &n);
        if (!word_is(w, n, op))
            break;
        p->pos += n;
        int right = sub(p);
        if (right < 0)
            return -1;
        left = add(p, kind, left, right);
    }
    return left;
}

static int parse_and(ar_parser *p)
{
    return parse_binary(p, "AND", AR_AND, parse_unary);
}

static int parse_or(ar_parser *p)
{
    if (++p->depth > AR_MAX_DEPTH)
        return fail(p, "the rule nests too deeply");
    int r = parse_binary(p, "OR", AR_OR, parse_and);
    p->depth--;
    return r;
}

bool alarm_rule_parse(const char *text, alarm_rule *out, char *err, size_t errlen, size_t *err_at)
{
    out->root = -1;
    ar_parser p = { .s = text ? text : "", .out = out, .err = err, .errlen = errlen };
    p.len = strlen(p.s);
    if (p.len > ALARM_RULE_MAX_LEN) {
        snprintf(err, errlen, "the rule is longer than %d characters", ALARM_RULE_MAX_LEN);
        *err_at = 0;
        return false;
    }
    int root = parse_or(&p);
    if (root >= 0) {
        skip_space(&p);
        if (p.pos < p.len)
            root = fail(&p, "unexpected text after the rule (AND, OR or the end expected)");
    }
    *err_at = p.pos;
    if (root < 0)
        return false;
    out->root = root;
    return true;
}

void alarm_rule_free(alarm_rule *r)
{
    for (size_t i = 0; i < r->nodes.n; i++)
        free(r->nodes.items[i].alarm);
    VEC_FREE(r->nodes);
    r->root = -1;
}

static bool eval_at(const alarm_rule *r, int i, const char *(*state_of)(void *, const char *), void *ud)
{
    const ar_node *nd = &r->nodes.items[i];
    switch (nd->kind) {
    case AR_TRUE:
        return true;
    case AR_FALSE:
        return false;
    case AR_STATE:
        return str_eq(state_of(ud, nd->alarm), nd->state);
    case AR_NOT:
        return !eval_at(r, nd->a, state_of, ud);
    case AR_AND:
        return eval_at(r, nd->a, state_of, ud) && eval_at(r, nd->b, state_of, ud);
    case AR_OR:
        return eval_at(r, nd->a, state_of, ud) || eval_at(r, nd->b, state_of, ud);
    }
    return false;
}

bool alarm_rule_eval(const alarm_rule *r, const char *(*state_of)(void *ud, const char *alarm), void *ud)
{
    return r->root >= 0 && eval_at(r, r->root, state_of, ud);
}
