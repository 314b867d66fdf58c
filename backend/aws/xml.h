/* xml.h — what the Query/XML services (autoscaling, elbv2, ec2, sts) share:
 * a small streaming layer over expat and the Query request helpers. No document
 * tree: the parser keeps the path of element names and hands each decoder (path,
 * text) events, which decoders match by hand or through a table of fields
 * (xml_field). Owns the limits on depth, path and text length, the
 * MalformedResponse errors, list flattening and id-chunked paging. */
#ifndef TARMAC_XML_H
#define TARMAC_XML_H

#include <stddef.h>

#include "aws/aws.h"

#define XML_MAX_DEPTH 32          /* deeper documents are refused */
#define XML_MAX_TEXT  (64 * 1024) /* longer element text is refused */
#define XML_MAX_PATH  1024        /* bytes of "a/b/c" path */
#define XML_MAX_BODY  (64u << 20) /* a response larger than this is refused */
/* Elements in one answer: bounds the time one decode takes (real pages hold a few
 * hundred thousand at most). More is refused with ResponseTooLarge. */
#define XML_MAX_ELEMENTS 1000000

/* Paths given to callbacks are relative to the result element ("AutoScalingGroups/member/
 * MinSize" inside <XResponse><XResult>) or, when result is NULL, to the root element
 * ("reservationSet/item/instanceId"). Namespace prefixes are stripped. Events outside
 * the result element (ResponseMetadata) are not delivered. A callback returns 0, or -1
 * to fail the decode with MalformedResponse naming the path. */
typedef struct xml_handler {
    const char *service;                                      /* aws_service.id, static: for the error */
    const char *operation;                                    /* "DescribeAutoScalingGroups": for the error */
    const char *root;                                         /* required root element name; NULL: any */
    const char *result;                                       /* the result wrapper under root; NULL: none */
    int (*start)(void *ud, const char *path);                 /* may be NULL */
    int (*end)(void *ud, const char *path, const char *text); /* text NUL-terminated */
} xml_handler;

/* List entries (<member> in the Query protocol, <item> in EC2's) are charged to the
 * call's budget as they start (TooManyItems past AWS_MAX_CALL_ITEMS). An entry with
 * neither child elements nor text is not delivered at all: it costs its decoder
 * nothing. Otherwise the start callback of an entry runs when its first child (or
 * its end) arrives, before anything inside it is delivered. */

/* Parses body[0..len) as one answer of a call, charging budget (NULL: the answer's
 * own). Returns 0, or -1 with *err filled (MalformedResponse, or TooManyItems /
 * ResponseTooLarge for the limits). */
int xml_decode_budget(const xml_handler *h, const char *body, size_t len, void *ud, aws_budget *budget, aws_error *err);
/* The same for an answer on its own. */
int xml_decode(const xml_handler *h, const char *body, size_t len, void *ud, aws_error *err);

/* Fills *err as a MalformedResponse for h's operation. */
void xml_error(aws_error *err, const xml_handler *h, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* "AutoScalingGroups/member/MinSize" under "AutoScalingGroups/member" gives "MinSize";
 * the prefix itself gives ""; anything else NULL. */
const char *xml_under(const char *path, const char *prefix);

/* ---- field tables: one row per leaf element of a struct ---- */
typedef enum xml_ftype {
    XML_STR,     /* char *, replaced if repeated */
    XML_INT,     /* int, strict decimal in int range */
    XML_LONG,    /* long */
    XML_BOOL,    /* bool, "true" / "false" */
    XML_TIME,    /* aws_time from ISO 8601 */
    XML_STRLIST, /* strvec: one push per element (path ends in /member or /item) */
} xml_ftype;

typedef struct xml_field {
    const char *path; /* relative to the struct's element */
    xml_ftype type;
    size_t off;     /* offsetof the member */
    size_t has_off; /* offsetof a bool set when present; XML_NO_HAS if none */
} xml_field;

#define XML_NO_HAS ((size_t)-1)
#define XML_F(path, type, T, m)                                                                                        \
    {                                                                                                                  \
        path, type, offsetof(T, m), XML_NO_HAS                                                                         \
    }
#define XML_FH(path, type, T, m, has)                                                                                  \
    {                                                                                                                  \
        path, type, offsetof(T, m), offsetof(T, has)                                                                   \
    }

/* Stores text into obj when path matches a row. Returns 1 when stored, 0 when no row
 * matches (unknown element: ignore), -1 when the value is invalid. */
int xml_fields_apply(const xml_field *rows, size_t n, void *obj, const char *path, const char *text);

/* Strict parsers the tables use; false on garbage or overflow. */
bool xml_parse_int(const char *s, int *out);
bool xml_parse_long(const char *s, long *out);
bool xml_parse_bool(const char *s, bool *out);

/* ---- Query protocol calls shared by the XML services ---- */

#endif
