/* call_log.c — what the API log keeps of a request's parameters: enough to see
 * what was asked (which group, which tag, which page), never a secret. A value
 * whose name says it is one (a token code, a web identity token, a password, a
 * secret, user data) is replaced by "***"; the rest is cut to the record's size. */
#include "aws/aws.h"

#include <json-c/json.h>
#include <string.h>
#include <strings.h>

#include "util.h"

/* Names whose values never reach the log. NextToken / ClientToken are paging and
 * idempotency tokens, not secrets: they are kept (a page's token says which page). */
bool aws_param_is_secret(const char *name, size_t len)
{
    static const char *const words[] = { "secret", "password", "assertion", "userdata", "credential" };
    char low[128];
    if (len >= sizeof low)
        len = sizeof low - 1;
    for (size_t i = 0; i < len; i++)
        low[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
    low[len] = '\0';
    for (size_t i = 0; i < ARRAY_LEN(words); i++)
        if (strstr(low, words[i]))
            return true;
    /* TokenCode, WebIdentityToken, SessionToken, ...: any token but a page's or a
     * request's own. The name's last part counts ("Foo.member.1.SessionToken"). */
    const char *last = strrchr(low, '.');
    last = last ? last + 1 : low;
    if (strstr(last, "token"))
        return !(str_eq(last, "nexttoken") || str_eq(last, "clienttoken"));
    return false;
}

static void redact_json(json_object *o)
{
    if (json_object_is_type(o, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(o); i++)
            redact_json(json_object_array_get_idx(o, i));
        return;
    }
    if (!json_object_is_type(o, json_type_object))
        return;
    json_object_object_foreach(o, key, val) {
        if (aws_param_is_secret(key, strlen(key)))
            json_object_object_add(o, key, json_object_new_string("***"));
        else
            redact_json(val);
    }
}

/* "a=b&c=d" -> "a=b c=d", decoded, secrets replaced, Action and Version left out
 * (the log shows the operation; the version says nothing). */
static void redact_query(const char *body, size_t len, strbuf *out)
{
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && body[end] != '&')
            end++;
        const char *eq = memchr(body + i, '=', end - i);
        size_t klen = eq ? (size_t)(eq - (body + i)) : end - i;
        char *key = form_decode(body + i, klen);
        if (key && !str_eq(key, "Action") && !str_eq(key, "Version")) {
            char *val = eq ? form_decode(eq + 1, (size_t)(body + end - eq - 1)) : NULL;
            sb_printf(out, "%s%s=%s", out->len ? " " : "", key,
                      aws_param_is_secret(key, strlen(key)) ? "***"
                          : val                             ? val
                                                            : "");
            free(val);
        }
        free(key);
        i = end + 1;
    }
}

void aws_params_for_log(aws_protocol proto, const char *body, size_t len, char *out, size_t cap)
{
    if (!cap)
        return;
    out[0] = '\0';
    if (!body || !len)
        return;
    strbuf sb;
    sb_init(&sb);
    if (proto == AWS_PROTO_QUERY || proto == AWS_PROTO_EC2) {
        redact_query(body, len, &sb);
    } else {
        json_tokener *tok = json_tokener_new_ex(32);
        json_object *o = tok ? json_tokener_parse_ex(tok, body, (int)(len > INT32_MAX ? INT32_MAX : len)) : NULL;
        if (o && json_object_is_type(o, json_type_object)) {
            redact_json(o);
            sb_append(&sb, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        } else {
            sb_append(&sb, "(not a JSON object: not shown)");
        }
        json_object_put(o);
        if (tok)
            json_tokener_free(tok);
    }
    /* Cut at a character boundary, and say so. */
    if (sb.len >= cap) {
        size_t n = cap > 4 ? cap - 4 : 0;
        while (n && ((unsigned char)sb.buf[n] & 0xc0) == 0x80)
            n--;
        snprintf(out, cap, "%.*s...", (int)n, sb.buf);
    } else {
        snprintf(out, cap, "%s", sb.buf);
    }
    sb_free(&sb);
}
