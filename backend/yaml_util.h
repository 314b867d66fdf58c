/* yaml_util.h — a small, bounded YAML document tree built from libyaml's event
 * API, for configuration-style files (config.yaml, themes, simulator scenarios).
 * It refuses what such files never need and attackers love: aliases and anchors
 * (no billion laughs), tags, complex keys, duplicate keys, more than one document,
 * deep nesting. Positions are 1-based line/column for FILE:LINE:COLUMN errors. */
#ifndef TARMAC_YAML_UTIL_H
#define TARMAC_YAML_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

typedef enum { YNODE_SCALAR, YNODE_SEQ, YNODE_MAP } ynode_kind;

typedef struct ynode ynode;
typedef struct ypair {
    ynode *key, *value;
} ypair; /* key is always a scalar */

struct ynode {
    ynode_kind kind;
    int line, col; /* 1-based start of the node */
    /* scalars */
    char *str; /* owned, NUL-terminated; may contain NUL ("\0" escape): see len */
    size_t len;
    bool plain; /* unquoted, so it may be typed (int, bool, null) */
    /* sequences */
    VEC(ynode *) items;
    /* maps, in file order */
    VEC(ypair) pairs;
};

typedef struct ydoc {
    ynode *root; /* NULL for an empty stream */
} ydoc;

/* Bounds on what one document may hold; a zero field takes the default. */
typedef struct yaml_limits {
    size_t max_depth; /* nesting of collections */
    size_t max_nodes;
    size_t max_scalar; /* bytes per scalar */
    size_t max_pairs;  /* keys per map (duplicate checks are quadratic) */
} yaml_limits;
#define YAML_LIMITS_DEFAULT                                                                                            \
    {                                                                                                                  \
        .max_depth = 32, .max_nodes = 100000, .max_scalar = 65536, .max_pairs = 4096                                   \
    }

/* Parse data into doc. On error returns -1 and appends
 * "FILENAME:LINE:COLUMN: message" to err; doc is left empty. */
int yaml_doc_parse(const char *data, size_t len, const char *filename, const yaml_limits *limits, ydoc *doc,
                   strbuf *err);
void yaml_doc_free(ydoc *doc);

/* Typed views of a scalar. */
bool ynode_is_null(const ynode *n);          /* plain "", "~", "null", "Null", "NULL" */
const char *ynode_kind_name(const ynode *n); /* "a string", "a list", "a map", "null" */
/* Map lookup by key (first match), NULL if absent or n is not a map. */
const ynode *ynode_get(const ynode *n, const char *key);

#endif
