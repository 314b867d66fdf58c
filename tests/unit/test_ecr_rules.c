/* test_ecr_rules.c — ECR's tag and repository-name syntax, exclusion-filter
 * wildcards, and the mutability decision that lets (or not) a deploy move `prod`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "services/ecr_rules.h"

static void test_tag_syntax(void **state)
{
    (void)state;
    char why[128];
    assert_true(ecr_tag_valid("prod", why, sizeof why));
    assert_true(ecr_tag_valid("prod-stable", NULL, 0));
    assert_true(ecr_tag_valid("2f4a8c6", NULL, 0));
    assert_true(ecr_tag_valid("_x.y-Z", NULL, 0));
    assert_true(ecr_tag_valid("v1.2.3", NULL, 0));

    assert_false(ecr_tag_valid("", why, sizeof why));
    assert_string_equal(why, "a tag cannot be empty");
    assert_false(ecr_tag_valid(NULL, why, sizeof why));
    assert_false(ecr_tag_valid(".hidden", why, sizeof why));
    assert_string_equal(why, "a tag starts with a letter, a digit or '_'");
    assert_false(ecr_tag_valid("-x", NULL, 0));
    assert_false(ecr_tag_valid("a b", why, sizeof why));
    assert_string_equal(why, "a tag holds only letters, digits, '_', '.' and '-'");
    assert_false(ecr_tag_valid("a/b", NULL, 0));
    assert_false(ecr_tag_valid("a:b", NULL, 0));
    assert_false(ecr_tag_valid("a*", NULL, 0));
    assert_false(ecr_tag_valid("pr\x1b[31mod", NULL, 0));
    assert_false(ecr_tag_valid("caf\xc3\xa9", NULL, 0));

    char t[200];
    memset(t, 'a', sizeof t);
    t[128] = '\0';
    assert_true(ecr_tag_valid(t, NULL, 0)); /* 128: the maximum */
    t[128] = 'a';
    t[129] = '\0';
    assert_false(ecr_tag_valid(t, why, sizeof why)); /* 129 */
    assert_string_equal(why, "a tag has at most 128 characters");
}

static void test_repo_names(void **state)
{
    (void)state;
    assert_true(ecr_repo_name_valid("web"));
    assert_true(ecr_repo_name_valid("team/web"));
    assert_true(ecr_repo_name_valid("a.b_c__d--e-f/g1"));
    assert_false(ecr_repo_name_valid("w")); /* 2..256 */
    assert_false(ecr_repo_name_valid("Web"));
    assert_false(ecr_repo_name_valid("web/"));
    assert_false(ecr_repo_name_valid("/web"));
    assert_false(ecr_repo_name_valid("we..b"));
    assert_false(ecr_repo_name_valid("we___b"));
    assert_false(ecr_repo_name_valid("web-"));
    assert_false(ecr_repo_name_valid("team//web"));
    assert_false(ecr_repo_name_valid(NULL));
    char n[300];
    memset(n, 'a', sizeof n);
    n[256] = '\0';
    assert_true(ecr_repo_name_valid(n));
    n[256] = 'a';
    n[257] = '\0';
    assert_false(ecr_repo_name_valid(n));
}

static void test_filters(void **state)
{
    (void)state;
    assert_true(ecr_filter_match("prod*", "prod"));
    assert_true(ecr_filter_match("prod*", "prod-stable"));
    assert_false(ecr_filter_match("prod*", "preprod"));
    assert_true(ecr_filter_match("*stable", "prod-stable"));
    assert_false(ecr_filter_match("*stable", "stable-1"));
    assert_true(ecr_filter_match("prod", "prod"));
    assert_false(ecr_filter_match("prod", "prod-stable"));
    assert_true(ecr_filter_match("a*b*c", "aXXbYYc"));
    assert_true(ecr_filter_match("a*b*c", "abc"));
    assert_false(ecr_filter_match("a*b*c", "acb"));
    assert_true(ecr_filter_match("*", "anything"));
    assert_true(ecr_filter_match("**x", "x"));
    /* Invalid filters never match. */
    assert_false(ecr_filter_valid(""));
    assert_false(ecr_filter_valid("a b"));
    assert_false(ecr_filter_match("a?", "ab"));
    assert_false(ecr_filter_match(NULL, "a"));
    /* Many stars against a long tag stay fast (no exponential backtracking). */
    char f[129], t[129];
    for (int i = 0; i < 128; i++) {
        f[i] = i % 2 ? '*' : 'a';
        t[i] = 'a';
    }
    f[128] = t[128] = '\0';
    f[127] = 'b';
    assert_false(ecr_filter_match(f, t));
}

static void test_mutability(void **state)
{
    (void)state;
    ecr_repository r = { 0 };
    assert_true(ecr_tag_mutable(&r, "prod")); /* absent: AWS's default MUTABLE */
    assert_true(ecr_tag_mutable(NULL, "prod"));
    r.image_tag_mutability = "MUTABLE";
    assert_true(ecr_tag_mutable(&r, "prod"));
    r.image_tag_mutability = "IMMUTABLE";
    assert_false(ecr_tag_mutable(&r, "prod"));

    strvec_push(&r.mutability_exclusion_filters, "prod*");
    r.image_tag_mutability = "IMMUTABLE_WITH_EXCLUSION"; /* excluded tags stay mutable */
    assert_true(ecr_tag_mutable(&r, "prod"));
    assert_true(ecr_tag_mutable(&r, "prod-stable"));
    assert_false(ecr_tag_mutable(&r, "2f4a8c6"));
    r.image_tag_mutability = "MUTABLE_WITH_EXCLUSION"; /* excluded tags are immutable */
    assert_false(ecr_tag_mutable(&r, "prod"));
    assert_true(ecr_tag_mutable(&r, "2f4a8c6"));
    r.image_tag_mutability = "SOMETHING_NEW";
    assert_false(ecr_tag_mutable(&r, "prod")); /* unknown: the safe answer */
    strvec_free(&r.mutability_exclusion_filters);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tag_syntax),
        cmocka_unit_test(test_repo_names),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_mutability),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
