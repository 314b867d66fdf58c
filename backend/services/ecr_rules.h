/* ecr_rules.h — ECR's rules checked before any call: which strings are valid image
 * tags and repository names, and whether a repository's tag-mutability setting lets
 * a tag be moved (IMMUTABLE, MUTABLE and the *_WITH_EXCLUSION forms with their
 * wildcard filters). Pure functions: no I/O, no allocation. */
#ifndef TARMAC_ECR_RULES_H
#define TARMAC_ECR_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "services/model.h"

/* Docker/ECR tag grammar: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. (botocore's ImageTag
 * shape allows 1..300 characters, but the registry refuses tags the Docker
 * reference grammar rejects, and ECR documents a 128-character maximum.)
 * On false, why (a short English phrase) is written to why when non-NULL. */
bool ecr_tag_valid(const char *tag, char *why, size_t why_len);

/* Repository names: 2..256 of lowercase letters, digits and the separators
 * (. _ __ -+) between components, components split by '/'. */
bool ecr_repo_name_valid(const char *name);

/* An exclusion filter (imageTagMutabilityExclusionFilters[].filter):
 * [0-9a-zA-Z._*-]{1,128}, where '*' matches any run of characters. */
bool ecr_filter_valid(const char *filter);
bool ecr_filter_match(const char *filter, const char *tag);

/* True when PutImage may move an existing tag in this repository:
 * MUTABLE (or absent) → yes; IMMUTABLE → no; MUTABLE_WITH_EXCLUSION → yes unless
 * the tag matches a filter (excluded tags are immutable); IMMUTABLE_WITH_EXCLUSION
 * → only if the tag matches a filter. Unknown settings are treated as immutable. */
bool ecr_tag_mutable(const ecr_repository *repo, const char *tag);

#endif
