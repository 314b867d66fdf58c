/* json_util.c — strict, bounded json-c parsing for AWS JSON 1.0/1.1 answers and
 * the typed getters/builders the JSON service modules share. The type policy
 * ("wrong type = absent") is documented in json_util.h. */
#include "json_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void malformed(aws_error *err, const char *service, const char *operation,
                      const char *what)
{
    if (!err)
        return;
    aws_error_set(err, 0, "MalformedResponse", "%s: response is not valid JSON (%s)",
                  operation ? operation : "?", what);
    str_copy(err->operation, sizeof(err->operation), operation ? operation : "");
    err->service = service;
}

json_object *ju_parse_object(const char *body, size_t len, const char *service,
                             const char *operation, aws_error *err)
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
        malformed(err, service, operation,
                  jerr == json_tokener_continue ? "truncated" : json_tokener_error_desc(jerr));
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
    return obj;
}

static json_object *member(json_object *obj, const char *key, json_type type)
{
    json_object *v = NULL;
    if (!obj || !json_object_is_type(obj, json_type_object) ||
        !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, type))
        return NULL;
    return v;
}

json_object *ju_get_object(json_object *obj, const char *key) { return member(obj, key, json_type_object); }
json_object *ju_get_array(json_object *obj, const char *key) { return member(obj, key, json_type_array); }

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
    const char *s = json_object_to_json_string_length(
        obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    if (!s)
        util_fatal("out of memory");
    char *copy = xstrndup(s, n);
    json_object_put(obj);
    if (len)
        *len = n;
    return copy;
}
