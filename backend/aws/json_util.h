/* json_util.h — the json-c helpers the JSON-protocol service modules (svc_ecr.c,
 * svc_ecs.c, svc_cloudwatch.c) share: one bounded, strict parser for response bodies, typed
 * getters, and small builders for request documents.
 *
 * Type policy (the same for every decoder): a member whose JSON type does not match
 * the model (a string where a number belongs, an object where a list belongs, a
 * number out of the C type's range) is treated as absent — the getter returns
 * false / NULL and the field keeps its zero value. List elements of the wrong type
 * are skipped. Only a body that is not one complete JSON object (truncated, NUL
 * bytes outside strings, trailing garbage, nesting deeper than JU_MAX_DEPTH) is an
 * error: MalformedResponse naming the operation. So is a string that holds U+0000
 * (json-c keeps it, but every C string would end there: "prod\u0000evil" would be
 * read as "prod"): the whole answer is refused, naming the member.
 *
 * Bounds: json-c builds the whole tree first (some 800 bytes for an empty object),
 * so an answer's shape is measured before it is parsed: at most JU_MAX_CONTAINERS
 * objects and arrays and JU_MAX_VALUES values (ResponseTooLarge), and every array
 * element is a list entry charged to the call's budget (TooManyItems). */
#ifndef TARMAC_JSON_UTIL_H
#define TARMAC_JSON_UTIL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/aws.h"
#include "util.h"

/* AWS answers nest a handful of levels; anything deeper is hostile. */
#define JU_MAX_DEPTH 32
/* One answer: real pages hold a few thousand objects and some ten thousand values. */
#define JU_MAX_CONTAINERS 100000  /* objects and arrays */
#define JU_MAX_VALUES     1000000 /* object members and array elements */

/* Parses exactly len bytes as one JSON object, one answer of a call charged to
 * budget (NULL: the answer's own); whitespace may follow it, nothing else. Returns a
 * new reference (json_object_put it) or NULL with *err = MalformedResponse (or
 * TooManyItems / ResponseTooLarge for the bounds) for service/operation. */
json_object *ju_parse_object_budget(const char *body, size_t len, const char *service, const char *operation,
                                    aws_budget *budget, aws_error *err);
/* The same for a document on its own. */
json_object *ju_parse_object(const char *body, size_t len, const char *service, const char *operation, aws_error *err);

/* ---- typed getters: NULL / false when absent or of the wrong type ---- */
json_object *ju_get_object(json_object *obj, const char *key);
json_object *ju_get_array(json_object *obj, const char *key);
/* The string and its length as json-c decoded it (may contain NUL bytes). */
const char *ju_get_string(json_object *obj, const char *key, size_t *len);
/* Owned copy (NULL when absent); the copy is NUL-terminated after len bytes. */
char *ju_dup_string(json_object *obj, const char *key);
/* Integers: a JSON integer, or a double with no fraction, inside the C type's range. */
bool ju_get_int(json_object *obj, const char *key, int *out);
bool ju_get_int64(json_object *obj, const char *key, int64_t *out);
/* Any finite JSON number. */
bool ju_get_double(json_object *obj, const char *key, double *out);
bool ju_get_bool(json_object *obj, const char *key, bool *out);
/* Timestamps as the JSON protocols send them: epoch seconds with a fraction
 * (1714564800.123). An ISO 8601 string is accepted too (some emulators send one).
 * 0 when absent, of the wrong type or out of range. */
aws_time ju_get_time(json_object *obj, const char *key);
/* Appends every string element of the array obj[key] to out (others skipped). */
void ju_get_strvec(json_object *obj, const char *key, strvec *out);
/* Pagination token: *token = owned copy, or NULL when the member is absent/empty. */
void ju_get_token(json_object *obj, const char *key, char **token);

/* Iterate the objects of the array arr_ (may be NULL), skipping elements that are not
 * objects: e_ is each object, i_ its index in the array. */
#define JU_FOR_EACH_OBJECT(arr_, i_, e_)                                                                               \
    for (size_t i_ = 0, n_##i_ = (arr_) ? json_object_array_length(arr_) : 0; i_ < n_##i_; i_++)                       \
        for (json_object *e_ = json_object_array_get_idx((arr_), i_); e_ && json_object_is_type(e_, json_type_object); \
             e_ = NULL)

/* ---- request builders (a NULL value adds nothing) ---- */
void ju_add_string(json_object *obj, const char *key, const char *value);
void ju_add_stringn(json_object *obj, const char *key, const char *value, size_t len);
void ju_add_int(json_object *obj, const char *key, int64_t value);
/* key: ["a", "b", ...] from n C strings; adds nothing when n == 0. */
void ju_add_strings(json_object *obj, const char *key, const char *const *values, size_t n);
/* Serializes obj compactly (no "\/" escaping) into a malloc'd buffer, sets *len,
 * and drops the caller's reference to obj. */
char *ju_finish(json_object *obj, size_t *len);

#endif
