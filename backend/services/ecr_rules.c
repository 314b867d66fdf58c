/* ecr_rules.c — tag and repository-name syntax per ECR, and the tag-mutability
 * decision (with exclusion filters) that decides whether `prod` can be moved. */
#include "services/ecr_rules.h"

#include <stdio.h>
#include <string.h>

#define ECR_TAG_MAX    128
#define ECR_FILTER_MAX 128

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static void set_why(char *why, size_t len, const char *msg)
{
    if (why && len)
        snprintf(why, len, "%s", msg);
}

bool ecr_tag_valid(const char *tag, char *why, size_t why_len)
{
    if (!tag || !*tag) {
        set_why(why, why_len, "a tag cannot be empty");
        return false;
    }
    size_t n = strnlen(tag, ECR_TAG_MAX + 1);
    if (n > ECR_TAG_MAX) {
        set_why(why, why_len, "a tag has at most 128 characters");
        return false;
    }
    if (!(is_alnum(tag[0]) || tag[0] == '_')) {
        set_why(why, why_len, "a tag starts with a letter, a digit or '_'");
        return false;
    }
    for (size_t i = 1; i < n; i++) {
        char c = tag[i];
        if (!(is_alnum(c) || c == '_' || c == '.' || c == '-')) {
            set_why(why, why_len, "a tag holds only letters, digits, '_', '.' and '-'");
            return false;
        }
    }
    return true;
}

static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* */
static bool repo_component_ok(const char *s, size_t n)
{
    size_t i = 0;
    if (n == 0 || !is_lower_alnum(s[0]))
        return false;
    while (i < n) {
        while (i < n && is_lower_alnum(s[i]))
            i++;
        if (i == n)
            return true;
        size_t sep = i;
        if (s[i] == '.') {
            i++;
        } else if (s[i] == '_') {
            i++;
            if (i < n && s[i] == '_')
                i++;
        } else if (s[i] == '-') {
            while (i < n && s[i] == '-')
                i++;
        } else {
            return false;
        }
        if (i == n || !is_lower_alnum(s[i]) || i == sep)
            return false;
    }
    return true;
}

bool ecr_repo_name_valid(const char *name)
{
    if (!name)
        return false;
    size_t n = strnlen(name, 257);
    if (n < 2 || n > 256)
        return false;
    const char *p = name;
    for (;;) {
        const char *slash = memchr(p, '/', n - (size_t)(p - name));
        size_t len = slash ? (size_t)(slash - p) : n - (size_t)(p - name);
        if (!repo_component_ok(p, len))
            return false;
        if (!slash)
            return true;
        p = slash + 1;
    }
}

bool ecr_filter_valid(const char *filter)
{
    if (!filter || !*filter)
        return false;
    size_t n = strnlen(filter, ECR_FILTER_MAX + 1);
    if (n > ECR_FILTER_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = filter[i];
        if (!(is_alnum(c) || c == '.' || c == '_' || c == '*' || c == '-'))
            return false;
    }
    return true;
}

/* Iterative wildcard match with single backtrack point: linear-ish, no recursion,
 * so a hostile filter cannot blow the stack. */
bool ecr_filter_match(const char *filter, const char *tag)
{
    if (!ecr_filter_valid(filter) || !tag)
        return false;
    const char *f = filter, *t = tag;
    const char *star = NULL, *resume = NULL;
    while (*t) {
        if (*f == '*') {
            star = f++;
            resume = t;
        } else if (*f && *f == *t) {
            f++;
            t++;
        } else if (star) {
            f = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (*f == '*')
        f++;
    return *f == '\0';
}

static bool matches_any(const ecr_repository *repo, const char *tag)
{
    for (size_t i = 0; i < repo->mutability_exclusion_filters.n; i++)
        if (ecr_filter_match(repo->mutability_exclusion_filters.items[i], tag))
            return true;
    return false;
}

bool ecr_tag_mutable(const ecr_repository *repo, const char *tag)
{
    const char *m = repo ? repo->image_tag_mutability : NULL;
    if (!m || strcmp(m, "MUTABLE") == 0)
        return true;
    if (strcmp(m, "IMMUTABLE") == 0)
        return false;
    if (strcmp(m, "MUTABLE_WITH_EXCLUSION") == 0)
        return !matches_any(repo, tag);
    if (strcmp(m, "IMMUTABLE_WITH_EXCLUSION") == 0)
        return matches_any(repo, tag);
    return false;
}
