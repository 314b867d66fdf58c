/* aws_errors.c — error envelopes into aws_error (see aws_errors.h). XML goes through
 * expat with DTDs refused; JSON through json-c with a small depth limit. Anything
 * that is neither (a proxy's HTML page) gets a code from the HTTP status and a short
 * cleaned message. */
#include "aws/aws_errors.h"

#include <expat.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define FIELD_MAX 2048 /* bytes kept of one XML text node */

void aws_errors_clean_text(char *dst, size_t cap, const char *src, size_t len)
{
    if (cap == 0)
        return;
    size_t o = 0;
    bool space = true; /* drops leading spaces */
    const unsigned char *s = (const unsigned char *)src;
    for (size_t i = 0; src && i < len;) {
        unsigned char c = s[i];
        size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        bool valid = n > 0 && i + n <= len && !(n == 2 && c < 0xc2);
        for (size_t k = 1; valid && k < n; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                valid = false;
        if (!valid) {
            i++;
            continue;
        }
        bool ctl = (n == 1 && (c < 0x20 || c == 0x7f)) || (n == 2 && c == 0xc2 && s[i + 1] < 0xa0);
        if (ctl || c == ' ') {
            if (!space && o + 1 < cap)
                dst[o++] = ' ';
            space = true;
        } else {
            if (o + n >= cap)
                break;
            memcpy(dst + o, s + i, n);
            o += n;
            space = false;
        }
        i += n;
    }
    while (o > 0 && dst[o - 1] == ' ')
        o--;
    dst[o] = '\0';
}

/* ---- XML: <ErrorResponse><Error>...</Error><RequestId/> and <Response><Errors>... ---- */
enum xml_field { XF_NONE, XF_CODE, XF_MESSAGE, XF_REQUEST_ID };

typedef struct xml_err {
    XML_Parser parser;
    int depth, error_depth;
    bool in_error, seen_error, doctype;
    enum xml_field field;
    strbuf text;
    char code[96], message[512], request_id[96];
} xml_err;

static const char *local_name(const char *name)
{
    const char *colon = strrchr(name, ':');
    return colon ? colon + 1 : name;
}

static void XMLCALL xml_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    (void)attrs;
    xml_err *x = ud;
    const char *n = local_name(name);
    x->depth++;
    if (x->field != XF_NONE)
        return;
    if (!x->seen_error && !x->in_error && strcmp(n, "Error") == 0) {
        x->in_error = true;
        x->error_depth = x->depth;
    } else if (x->in_error && x->depth == x->error_depth + 1 && strcmp(n, "Code") == 0) {
        x->field = XF_CODE;
    } else if (x->in_error && x->depth == x->error_depth + 1 && strcasecmp(n, "Message") == 0) {
        x->field = XF_MESSAGE;
    } else if (strcasecmp(n, "RequestId") == 0) {
        x->field = XF_REQUEST_ID;
    }
    sb_reset(&x->text);
}

static void XMLCALL xml_text(void *ud, const XML_Char *s, int len)
{
    xml_err *x = ud;
    if (x->field == XF_NONE || len <= 0)
        return;
    size_t room = x->text.len < FIELD_MAX ? FIELD_MAX - x->text.len : 0;
    sb_appendn(&x->text, s, (size_t)len < room ? (size_t)len : room);
}

static void XMLCALL xml_end(void *ud, const XML_Char *name)
{
    (void)name;
    xml_err *x = ud;
    if (x->field != XF_NONE) {
        switch (x->field) {
        case XF_CODE:
            aws_errors_clean_text(x->code, sizeof(x->code), x->text.buf, x->text.len);
            break;
        case XF_MESSAGE:
            aws_errors_clean_text(x->message, sizeof(x->message), x->text.buf, x->text.len);
            break;
        case XF_REQUEST_ID:
            if (!x->request_id[0])
                aws_errors_clean_text(x->request_id, sizeof(x->request_id), x->text.buf, x->text.len);
            break;
        case XF_NONE:
            break;
        }
        x->field = XF_NONE;
    }
    if (x->in_error && x->depth == x->error_depth) {
        x->in_error = false;
        x->seen_error = true;
    }
    x->depth--;
}

static void XMLCALL xml_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
                                int has_internal_subset)
{
    (void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
    xml_err *x = ud;
    x->doctype = true; /* no DTDs, no entities: refuse the document */
    XML_StopParser(x->parser, XML_FALSE);
}

static bool decode_xml(const char *body, size_t len, aws_error *err)
{
    xml_err x = { 0 };
    sb_init(&x.text);
    x.parser = XML_ParserCreate("UTF-8");
    if (!x.parser)
        util_fatal("out of memory");
    XML_SetUserData(x.parser, &x);
    XML_SetElementHandler(x.parser, xml_start, xml_end);
    XML_SetCharacterDataHandler(x.parser, xml_text);
    XML_SetStartDoctypeDeclHandler(x.parser, xml_doctype);
    enum XML_Status st = XML_Parse(x.parser, body, (int)len, XML_TRUE);
    XML_ParserFree(x.parser);
    sb_free(&x.text);
    if (st != XML_STATUS_OK || x.doctype || !x.code[0]) {
        if (x.request_id[0] && !err->request_id[0])
            str_copy(err->request_id, sizeof(err->request_id), x.request_id);
        return false;
    }
    str_copy(err->code, sizeof(err->code), x.code);
    str_copy(err->message, sizeof(err->message), x.message);
    if (x.request_id[0])
        str_copy(err->request_id, sizeof(err->request_id), x.request_id);
    return true;
}

/* ---- JSON 1.0 / 1.1: {"__type": "ns#Code", "message": "..."} ---- */
/* "com.amazonaws.ecr#RepositoryNotFoundException:http://..." -> "RepositoryNotFoundException" */
static void set_code_clean(aws_error *err, const char *code, char cut_after)
{
    const char *hash = strrchr(code, '#');
    if (hash)
        code = hash + 1;
    size_t n = strlen(code);
    const char *cut = strchr(code, cut_after);
    if (cut)
        n = (size_t)(cut - code);
    aws_errors_clean_text(err->code, sizeof(err->code), code, n);
}

static bool decode_json(const char *body, size_t len, aws_error *err)
{
    json_tokener *tok = json_tokener_new_ex(16);
    if (!tok)
        util_fatal("out of memory");
    json_object *root = json_tokener_parse_ex(tok, body, (int)len);
    bool complete = json_tokener_get_error(tok) == json_tokener_success;
    json_tokener_free(tok);
    if (!root || !complete || !json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        return false;
    }
    json_object *v = NULL;
    const char *code = NULL;
    if ((json_object_object_get_ex(root, "__type", &v) || json_object_object_get_ex(root, "code", &v)) &&
        json_object_is_type(v, json_type_string))
        code = json_object_get_string(v);
    if (code && !err->code[0])
        set_code_clean(err, code, ':');
    if ((json_object_object_get_ex(root, "message", &v) || json_object_object_get_ex(root, "Message", &v)) &&
        json_object_is_type(v, json_type_string))
        aws_errors_clean_text(err->message, sizeof(err->message), json_object_get_string(v),
                              (size_t)json_object_get_string_len(v));
    json_object_put(root);
    return err->code[0] != '\0';
}

/* ---- anything else ---- */
static const char *status_code_name(long status)
{
    switch (status) {
    case 500:
        return "InternalFailure";
    case 503:
        return "ServiceUnavailable";
    default:
        return NULL;
    }
}

static const char *status_reason(long status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 413:
        return "Payload Too Large";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "unexpected answer";
    }
}

/* Offset of needle in hay[0..len) ignoring ASCII case, or len when absent. */
static size_t find_ci(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (strncasecmp(hay + i, needle, n) == 0)
            return i;
    return len;
}

static void decode_other(long status, const char *body, size_t len, aws_error *err)
{
    if (!err->code[0]) {
        const char *name = status_code_name(status);
        if (name)
            str_copy(err->code, sizeof(err->code), name);
        else
            snprintf(err->code, sizeof(err->code), "HTTP %ld", status);
    }
    if (err->message[0])
        return;
    /* An HTML page says the most in its <title>. */
    size_t at = find_ci(body, len, "<title>");
    if (at < len) {
        size_t start = at + 7;
        size_t end = find_ci(body + start, len - start, "</title>");
        aws_errors_clean_text(err->message, sizeof(err->message), body + start, end < len - start ? end : len - start);
    }
    if (!err->message[0])
        aws_errors_clean_text(err->message, sizeof(err->message), body, len < 300 ? len : 300);
    if (!err->message[0])
        snprintf(err->message, sizeof(err->message), "HTTP %ld %s", status, status_reason(status));
}

void aws_errors_decode(aws_protocol proto, long status, const char *body, size_t len, const aws_error_headers *hdrs,
                       aws_error *err)
{
    err->http_status = (int)status;
    err->code[0] = err->message[0] = err->request_id[0] = '\0';
    if (!body)
        len = 0;
    if (len > AWS_ERROR_BODY_MAX)
        len = AWS_ERROR_BODY_MAX;
    if (hdrs && !str_empty(hdrs->request_id))
        aws_errors_clean_text(err->request_id, sizeof(err->request_id), hdrs->request_id, strlen(hdrs->request_id));

    /* Headers name the code first, as botocore reads them. */
    if (hdrs && !str_empty(hdrs->query_error))
        set_code_clean(err, hdrs->query_error, ';');
    else if (hdrs && !str_empty(hdrs->error_type))
        set_code_clean(err, hdrs->error_type, ':');

    /* Skip leading whitespace to see what the body is. */
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
        i++;
    bool ok = false;
    if (i < len && body[i] == '<') {
        char hdr_code[96];
        str_copy(hdr_code, sizeof(hdr_code), err->code);
        ok = decode_xml(body, len, err);
        if (ok && hdr_code[0] && (proto == AWS_PROTO_JSON_1_0 || proto == AWS_PROTO_JSON_1_1))
            str_copy(err->code, sizeof(err->code), hdr_code);
    } else if (i < len && body[i] == '{') {
        ok = decode_json(body, len, err);
    }
    if (!ok || !err->code[0])
        decode_other(status, body ? body : "", len, err);
}
