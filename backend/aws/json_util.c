/* json_util.c — strict, bounded json-c parsing for AWS JSON 1.0/1.1 answers and
 * the typed getters/builders the JSON service modules share. The type policy
 * ("wrong type = absent") and the bounds are documented in json_util.h. */
#include "aws/json_util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* MalformedResponse for service/operation: "Operation: what". */
static void malformed_answer(aws_error *err, const char *service, const char *operation, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void malformed_answer(aws_error *err, const char *service, const char *operation, const char *fmt, ...)
{
    if (!err)
        return;
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    /* Which operation's answer, as xml.c's messages say. */
    aws_error_set(err, 0, "MalformedResponse", "%s: %s", operation ? operation : "?", what);
    str_copy(err->operation, sizeof(err->operation), operation ? operation : "");
    err->service = service;
}

static void malformed(aws_error *err, const char *service, const char *operation, const char *what)
{
    malformed_answer(err, service, operation, "response is not valid JSON (%s)", what);
}

/* The shape of a JSON text, measured before json-c builds it. Strings are skipped
 * (a backslash escapes the next byte); syntax is json-c's to judge. */
typedef struct ju_shape {
    size_t containers; /* objects and arrays */
    size_t values;     /* object members and array elements */
    size_t elements;   /* array elements: list entries */
    bool nul;          /* a \u0000 escape in some string (or member name) */
} ju_shape;

static void measure(const char *s, size_t len, ju_shape *sh)
{
    bool is_array[JU_MAX_DEPTH + 1];
    size_t depth = 0;
    bool opened = false; /* right after '[': a value here is the first element */
    memset(sh, 0, sizeof *sh);
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            continue;
        if (opened && c != ']') {
            sh->elements++;
            sh->values++;
        }
        opened = false;
        switch (c) {
        case '"':
            for (i++; i < len && s[i] != '"'; i++) {
                if (s[i] != '\\' || ++i >= len)
                    continue;
                if (s[i] == 'u' && len - i > 4 && memcmp(s + i + 1, "0000", 4) == 0)
                    sh->nul = true;
            }
            break;
        case '{':
        case '[':
            sh->containers++;
            if (depth < ARRAY_LEN(is_array))
                is_array[depth] = c == '[';
            depth++;
            opened = c == '[';
            break;
        case '}':
        case ']':
            if (depth)
                depth--;
            break;
        case ':':
            sh->values++;
            break;
        case ',':
            if (depth && depth <= ARRAY_LEN(is_array) && is_array[depth - 1]) {
                sh->elements++;
                sh->values++;
            }
            break;
        default:
            break;
        }
    }
}

/* A member name for a message: printable ASCII only, bounded. */
static void append_key(strbuf *path, const char *key)
{
    if (path->len)
        sb_appendc(path, '.');
    for (size_t i = 0; key[i] && i < 64; i++)
        sb_appendc(path, key[i] > 0x20 && key[i] < 0x7f ? key[i] : '?');
}

/* Finds a string value holding U+0000 below o; path says where ("a.b[2]"). */
static bool find_nul(json_object *o, strbuf *path)
{
    size_t mark = path->len;
    if (json_object_is_type(o, json_type_string))
        return strlen(json_object_get_string(o)) != (size_t)json_object_get_string_len(o);
    if (json_object_is_type(o, json_type_array)) {
        size_t n = json_object_array_length(o);
        for (size_t i = 0; i < n; i++) {
            sb_printf(path, "[%zu]", i);
            if (find_nul(json_object_array_get_idx(o, i), path))
                return true;
            path->len = mark;
            path->buf[mark] = '\0';
        }
    } else if (json_object_is_type(o, json_type_object)) {
        json_object_object_foreach(o, key, val) {
            append_key(path, key);
            if (find_nul(val, path))
                return true;
            path->len = mark;
            path->buf[mark] = '\0';
        }
    }
    return false;
}

/* The bounds of json_util.h, before json-c allocates anything. */
static bool shape_ok(const ju_shape *sh, const char *service, const char *operation, aws_budget *budget, aws_error *err)
{
    if (sh->containers > JU_MAX_CONTAINERS) {
        aws_error_limit(err, "ResponseTooLarge", service, operation, "%d JSON objects and arrays in one answer",
                        JU_MAX_CONTAINERS);
        return false;
    }
    if (sh->values > JU_MAX_VALUES) {
        aws_error_limit(err, "ResponseTooLarge", service, operation, "%d JSON values in one answer", JU_MAX_VALUES);
        return false;
    }
    aws_budget own = { 0 };
    return aws_budget_items(budget ? budget : &own, sh->elements, service, operation, err) == 0;
}

json_object *ju_parse_object_budget(const char *body, size_t len, const char *service, const char *operation,
                                    aws_budget *budget, aws_error *err)
{
    if (!body || len == 0) {
        malformed(err, service, operation, "empty body");
        return NULL;
    }
    /* json_tokener_parse_ex takes an int length. */
    if (len > (size_t)INT32_MAX) {
        malformed(err, service, operation, "body too large");
        return NULL;
    }
    ju_shape sh;
    measure(body, len, &sh);
    if (!shape_ok(&sh, service, operation, budget, err))
        return NULL;
    struct json_tokener *tok = json_tokener_new_ex(JU_MAX_DEPTH);
    if (!tok)
        util_fatal("out of memory");
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    json_object *obj = json_tokener_parse_ex(tok, body, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);

    if (!obj || jerr != json_tokener_success) {
        json_object_put(obj);
        malformed(err, service, operation, jerr == json_tokener_continue ? "truncated" : json_tokener_error_desc(jerr));
        return NULL;
    }
    for (size_t i = end; i < len; i++) {
        char c = body[i];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
            json_object_put(obj);
            malformed(err, service, operation, "trailing data");
            return NULL;
        }
    }
    if (!json_object_is_type(obj, json_type_object)) {
        json_object_put(obj);
        malformed(err, service, operation, "not an object");
        return NULL;
    }
    if (sh.nul) {
        /* json-c keeps U+0000 in a string (and cuts a member name short there): a C
         * string would end at it, so "prod\u0000evil" would be read as "prod". */
        strbuf path;
        sb_init(&path);
        if (find_nul(obj, &path))
            malformed_answer(err, service, operation, "%.200s holds U+0000 (a NUL character)", path.buf);
        else
            malformed_answer(err, service, operation, "a member name holds U+0000 (a NUL character)");
        sb_free(&path);
        json_object_put(obj);
        return NULL;
    }
    return obj;
}

json_object *ju_parse_object(const char *body, size_t len, const char *service, const char *operation, aws_error *err)
{
    return ju_parse_object_budget(body, len, service, operation, NULL, err);
}

static json_object *member(json_object *obj, const char *key, json_type type)
{
    json_object *v = NULL;
    if (!obj || !json_object_is_type(obj, json_type_object) || !json_object_object_get_ex(obj, key, &v) ||
        !json_object_is_type(v, type))
        return NULL;
    return v;
}

json_object *ju_get_object(json_object *obj, const char *key)
{
    return member(obj, key, json_type_object);
}
json_object *ju_get_array(json_object *obj, const char *key)
{
    return member(obj, key, json_type_array);
}

const char *ju_get_string(json_object *obj, const char *key, size_t *len)
{
    json_object *v = member(obj, key, json_type_string);
    if (!v)
        return NULL;
    int n = json_object_get_string_len(v);
    if (len)
        *len = n > 0 ? (size_t)n : 0;
    return json_object_get_string(v);
}

char *ju_dup_string(json_object *obj, const char *key)
{
    size_t n;
    const char *s = ju_get_string(obj, key, &n);
    return s ? xstrndup(s, n) : NULL;
}

/* A JSON number that is an integer in [lo, hi]. */
static bool get_integer(json_object *obj, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
    json_object *v = NULL;
    if (!obj || !json_object_is_type(obj, json_type_object) || !json_object_object_get_ex(obj, key, &v))
        return false;
    if (json_object_is_type(v, json_type_int)) {
        /* json-c saturates values beyond int64 at INT64_MIN/MAX: treat those as out of range. */
        int64_t x = json_object_get_int64(v);
        if (x == INT64_MAX || x == INT64_MIN || x < lo || x > hi)
            return false;
        *out = x;
        return true;
    }
    if (json_object_is_type(v, json_type_double)) {
        double d = json_object_get_double(v);
        if (!isfinite(d) || d != floor(d) || d < (double)lo || d > (double)hi)
            return false;
        *out = (int64_t)d;
        return true;
    }
    return false;
}

bool ju_get_int(json_object *obj, const char *key, int *out)
{
    int64_t x;
    if (!get_integer(obj, key, INT32_MIN, INT32_MAX, &x))
        return false;
    *out = (int)x;
    return true;
}

bool ju_get_int64(json_object *obj, const char *key, int64_t *out)
{
    /* The bounds are the largest doubles that convert back to int64 safely. */
    return get_integer(obj, key, -(INT64_C(1) << 62), INT64_C(1) << 62, out);
}

bool ju_get_double(json_object *obj, const char *key, double *out)
{
    json_object *v = NULL;
    if (!obj || !json_object_is_type(obj, json_type_object) || !json_object_object_get_ex(obj, key, &v))
        return false;
    if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
        return false;
    double d = json_object_get_double(v);
    if (!isfinite(d))
        return false;
    *out = d;
    return true;
}

bool ju_get_bool(json_object *obj, const char *key, bool *out)
{
    json_object *v = member(obj, key, json_type_boolean);
    if (!v)
        return false;
    *out = json_object_get_boolean(v);
    return true;
}

aws_time ju_get_time(json_object *obj, const char *key)
{
    double secs;
    if (ju_get_double(obj, key, &secs)) {
        /* Year 1970..9999: keeps the conversion to milliseconds far from overflow. */
        if (secs <= 0 || secs > 253402300799.0)
            return 0;
        return time_from_epoch_seconds(secs);
    }
    const char *s = ju_get_string(obj, key, NULL);
    aws_time t;
    if (s && time_parse_iso8601(s, &t))
        return t;
    return 0;
}

void ju_get_strvec(json_object *obj, const char *key, strvec *out)
{
    json_object *arr = ju_get_array(obj, key);
    size_t n = arr ? json_object_array_length(arr) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(arr, i);
        if (json_object_is_type(e, json_type_string))
            VEC_PUSH(*out, xstrndup(json_object_get_string(e), (size_t)json_object_get_string_len(e)));
    }
}

void ju_get_token(json_object *obj, const char *key, char **token)
{
    size_t n = 0;
    const char *s = ju_get_string(obj, key, &n);
    *token = (s && n > 0 && strlen(s) == n) ? xstrndup(s, n) : NULL;
}

static json_object *new_string(const char *s, size_t len)
{
    if (len > (size_t)INT32_MAX)
        util_fatal("JSON string too large");
    json_object *v = json_object_new_string_len(s, (int)len);
    if (!v)
        util_fatal("out of memory");
    return v;
}

void ju_add_stringn(json_object *obj, const char *key, const char *value, size_t len)
{
    if (value)
        json_object_object_add(obj, key, new_string(value, len));
}

void ju_add_string(json_object *obj, const char *key, const char *value)
{
    if (value)
        ju_add_stringn(obj, key, value, strlen(value));
}

void ju_add_int(json_object *obj, const char *key, int64_t value)
{
    json_object_object_add(obj, key, json_object_new_int64(value));
}

void ju_add_strings(json_object *obj, const char *key, const char *const *values, size_t n)
{
    if (n == 0)
        return;
    json_object *arr = json_object_new_array_ext((int)n);
    for (size_t i = 0; i < n; i++)
        json_object_array_add(arr, new_string(values[i], strlen(values[i])));
    json_object_object_add(obj, key, arr);
}

char *ju_finish(json_object *obj, size_t *len)
{
    size_t n = 0;
    const char *s = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    if (!s)
        util_fatal("out of memory");
    char *copy = xstrndup(s, n);
    json_object_put(obj);
    if (len)
        *len = n;
    return copy;
}
