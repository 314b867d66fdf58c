/* test_top.h — files of the source tree for unit tests: $TARMAC_TOP/REL (tests/run.sh
 * sets it), else REL relative to this binary (build/<rel|san>/tests/test_x). */
#ifndef TARMAC_TEST_TOP_H
#define TARMAC_TEST_TOP_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* The path of rel in the source tree (malloc'd). */
static inline char *test_top_path(const char *rel)
{
    const char *top = getenv("TARMAC_TOP");
    if (top && *top)
        return xasprintf("%s/%s", top, rel);
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return xstrdup(rel);
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';
    return xasprintf("%s/../../../%s", exe, rel);
}

/* The whole file rel, NUL-terminated (*len without the NUL); NULL when unreadable. */
static inline char *test_top_read(const char *rel, size_t *len)
{
    *len = 0;
    char *path = test_top_path(rel);
    FILE *f = fopen(path, "rb");
    free(path);
    if (!f)
        return NULL;
    strbuf sb;
    sb_init(&sb);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        sb_appendn(&sb, buf, n);
    fclose(f);
    *len = sb.len;
    char *out = sb_steal(&sb);
    sb_free(&sb); /* sb_steal leaves an empty buffer behind */
    return out;
}

#endif
