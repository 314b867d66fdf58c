/* test_tui_theme.c — theme files: the built-in ones load, a file sets what it
 * names, mistakes are reported as FILE:LINE:COLUMN, names can never be paths, a
 * user theme in $XDG_CONFIG_HOME wins over the built-in one, and #rrggbb maps to
 * the nearest xterm-256 entry. */
#include "test_tmp.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "theme.h"

static void test_builtin_themes_load(void **state)
{
    (void)state;
    const char *names[] = { "dark", "light", "high-contrast", "mono" };
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s/tarmac-theme-XXXXXX", test_tmpdir());
    assert_non_null(mkdtemp(tmp));
    setenv("XDG_CONFIG_HOME", tmp, 1); /* no user themes */
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        theme t;
        strbuf err;
        sb_init(&err);
        int rc = theme_load(names[i], &t, &err);
        if (rc)
            fail_msg("%s: %s", names[i], err.buf);
        assert_string_equal(t.name, names[i]);
        sb_free(&err);
    }
    theme t;
    strbuf err;
    sb_init(&err);
    assert_int_equal(theme_load("dark", &t, &err), 0);
    assert_int_equal(t.role[ROLE_HEADER].bg.kind, TC_RGB);
    assert_int_equal(t.role[ROLE_HEADER].bg.value, 0x3b4252);
    assert_int_equal(t.role[ROLE_HEADER].bg8, 4); /* blue */
    assert_true(t.role[ROLE_UNHEALTHY].attrs & THEME_A_BOLD);
    strvec names_found = { 0 };
    theme_list(&names_found);
    for (size_t i = 0; i < ARRAY_LEN(names); i++)
        assert_true(strvec_contains(&names_found, names[i]));
    strvec_free(&names_found);
    sb_free(&err);
    rmdir(tmp);
}

static int parse(const char *text, theme *t, strbuf *err)
{
    sb_reset(err);
    return theme_parse(text, strlen(text), "t.yaml", t, err);
}

static void test_parse_values(void **state)
{
    (void)state;
    theme t;
    strbuf err;
    sb_init(&err);
    assert_int_equal(parse("name: mine\n"
                           "roles:\n"
                           "  healthy: { fg: green }\n"
                           "  warning: { fg: 208, fg8: yellow, attrs: underline }\n"
                           "  selection: { fg: '#000000', bg: bright-cyan, attrs: [bold, reverse] }\n",
                           &t, &err),
                     0);
    assert_string_equal(t.name, "mine");
    assert_int_equal(t.role[ROLE_HEALTHY].fg.kind, TC_INDEX);
    assert_int_equal(t.role[ROLE_HEALTHY].fg.value, 2);
    assert_int_equal(t.role[ROLE_HEALTHY].fg8, 2); /* a basic colour is its own fallback */
    assert_int_equal(t.role[ROLE_WARNING].fg.value, 208);
    assert_int_equal(t.role[ROLE_WARNING].fg8, 3);
    assert_int_equal(t.role[ROLE_WARNING].attrs, THEME_A_UNDERLINE);
    assert_int_equal(t.role[ROLE_SELECTION].fg.kind, TC_RGB);
    assert_int_equal(t.role[ROLE_SELECTION].fg.value, 0);
    assert_int_equal(t.role[ROLE_SELECTION].bg.value, 14);
    assert_int_equal(t.role[ROLE_SELECTION].bg8, 6);
    assert_int_equal(t.role[ROLE_SELECTION].attrs, THEME_A_BOLD | THEME_A_REVERSE);
    /* A role left out keeps the built-in monochrome default. */
    assert_int_equal(t.role[ROLE_HEADER].fg.kind, TC_DEFAULT);
    assert_int_equal(t.role[ROLE_HEADER].attrs, THEME_A_REVERSE);
    sb_free(&err);
}

static void expect_error(const char *text, const char *want)
{
    theme t;
    strbuf err;
    sb_init(&err);
    assert_int_equal(parse(text, &t, &err), -1);
    if (!strstr(err.buf, want))
        fail_msg("want \"%s\" in \"%s\"", want, err.buf);
    /* A failed parse leaves the usable defaults behind. */
    assert_string_equal(t.name, "builtin");
    sb_free(&err);
}

static void test_errors_name_file_line_column(void **state)
{
    (void)state;
    expect_error("name: x\nroles:\n  healthy: { fg: chartreuse }\n", "t.yaml:3:18: bad colour 'chartreuse'");
    expect_error("name: x\nroles:\n  helthy: { fg: green }\n", "t.yaml:3:3: unknown role 'helthy'");
    expect_error("name: x\nroles:\n  error:\n    attrs: [blink]\n", "t.yaml:4:13: unknown attribute 'blink'");
    expect_error("name: x\nroles:\n  error: { fg8: '#ff0000' }\n", "t.yaml:3:17: bad 8-colour fallback");
    expect_error("name: x\nroles:\n  error: { fg8: 9 }\n", "t.yaml:3:17: bad 8-colour fallback");
    expect_error("name: x\nroles:\n  error: { fg: 256 }\n", "t.yaml:3:16: bad colour '256'");
    expect_error("name: x\nroles:\n  error: { fg: '#12345' }\n", "t.yaml:3:16: bad colour");
    expect_error("name: x\ncolours: {}\n", "t.yaml:2:1: unknown key 'colours'");
    expect_error("name: ../../etc\n", "t.yaml:1:7: bad theme name");
    expect_error("name: x\nroles:\n  error: { fg: red, fg: blue }\n", "t.yaml:3"); /* duplicate key */
    expect_error("- a\n- b\n", "t.yaml:1:1: a theme is a map");
    expect_error("name: x\nroles: [a]\n", "t.yaml:2:8: roles: must be a map");
    expect_error("roles:\n  error: { fg: red\n", "t.yaml:"); /* YAML syntax */
}

static void test_names_are_never_paths(void **state)
{
    (void)state;
    assert_true(theme_name_ok("high-contrast"));
    assert_true(theme_name_ok("my_theme2"));
    assert_false(theme_name_ok("../dark"));
    assert_false(theme_name_ok("a/b"));
    assert_false(theme_name_ok(""));
    assert_false(theme_name_ok(NULL));
    assert_false(theme_name_ok("dark.yaml"));
    theme t;
    strbuf err;
    sb_init(&err);
    assert_int_equal(theme_load("../../etc/passwd", &t, &err), -1);
    assert_non_null(strstr(err.buf, "bad theme name"));
    sb_reset(&err);
    assert_int_equal(theme_load("nosuchtheme", &t, &err), -1);
    assert_non_null(strstr(err.buf, "no theme named 'nosuchtheme'"));
    sb_free(&err);
}

static void test_user_theme_wins(void **state)
{
    (void)state;
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s/tarmac-theme-XXXXXX", test_tmpdir());
    assert_non_null(mkdtemp(tmp));
    char dir[PATH_MAX], path[PATH_MAX + 32];
    snprintf(dir, sizeof dir, "%s/tarmac", tmp);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(dir, sizeof dir, "%s/tarmac/themes", tmp);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(path, sizeof path, "%s/dark.yaml", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("name: dark\nroles:\n  header: { fg: magenta }\n  bogus: {}\n", f);
    fclose(f);
    setenv("XDG_CONFIG_HOME", tmp, 1);
    theme t;
    strbuf err;
    sb_init(&err);
    /* The user's file is read (and its mistake reported with its path). */
    assert_int_equal(theme_load("dark", &t, &err), -1);
    assert_non_null(strstr(err.buf, path));
    assert_non_null(strstr(err.buf, ":4:3: unknown role 'bogus'"));
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("name: dark\nroles:\n  header: { fg: magenta }\n", f);
    fclose(f);
    sb_reset(&err);
    assert_int_equal(theme_load("dark", &t, &err), 0);
    assert_int_equal(t.role[ROLE_HEADER].fg.value, 5);
    unlink(path);
    rmdir(dir);
    snprintf(dir, sizeof dir, "%s/tarmac", tmp);
    rmdir(dir);
    rmdir(tmp);
    sb_free(&err);
}

static void test_colors(void **state)
{
    (void)state;
    theme_color c;
    assert_true(theme_parse_color("default", &c));
    assert_int_equal(c.kind, TC_DEFAULT);
    assert_true(theme_parse_color("bright-red", &c));
    assert_int_equal(c.value, 9);
    assert_true(theme_parse_color("#FF8800", &c));
    assert_int_equal(c.value, 0xff8800);
    assert_false(theme_parse_color("#ff880", &c));
    assert_false(theme_parse_color("#gg0000", &c));
    assert_false(theme_parse_color("bright-pink", &c));
    assert_false(theme_parse_color("-1", &c));
    /* Cube corners and greys land exactly; others on the nearest entry. */
    assert_int_equal(theme_nearest_256(0x000000), 16);
    assert_int_equal(theme_nearest_256(0xffffff), 231);
    assert_int_equal(theme_nearest_256(0xff0000), 196);
    assert_int_equal(theme_nearest_256(0x5f87af), 67);
    assert_int_equal(theme_nearest_256(0x808080), 244);
    assert_int_equal(theme_nearest_256(0x3b4252), 238);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_themes_load),
        cmocka_unit_test(test_parse_values),
        cmocka_unit_test(test_errors_name_file_line_column),
        cmocka_unit_test(test_names_are_never_paths),
        cmocka_unit_test(test_user_theme_wins),
        cmocka_unit_test(test_colors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
