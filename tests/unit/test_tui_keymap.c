/* test_tui_keymap.c — the action table and keymap: key-string parsing, layered
 * lookup (pane bindings before global ones), config overrides and their errors
 * (FILE:LINE), and that man/tarmac.1 lists every action and its default keys, and
 * every command of the command table (cli/commands.c) and no other. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curses.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "keymap.h"

static void test_parse_keys(void **state)
{
    (void)state;
    assert_int_equal(keymap_parse_key("j"), 'j');
    assert_int_equal(keymap_parse_key("?"), '?');
    assert_int_equal(keymap_parse_key("C-d"), 4);
    assert_int_equal(keymap_parse_key("C-c"), 3);
    assert_int_equal(keymap_parse_key("M-x"), KEYMAP_META | 'x');
    assert_int_equal(keymap_parse_key("F5"), KEYMAP_FN | KEY_F(5));
    assert_int_equal(keymap_parse_key("F12"), KEYMAP_FN | KEY_F(12));
    assert_int_equal(keymap_parse_key("Enter"), '\r');
    assert_int_equal(keymap_parse_key("S-Tab"), KEYMAP_FN | KEY_BTAB);
    assert_int_equal(keymap_parse_key("PgDn"), KEYMAP_FN | KEY_NPAGE);
    assert_int_equal(keymap_parse_key("é"), 0xe9);
    assert_int_equal(keymap_parse_key(""), -1);
    assert_int_equal(keymap_parse_key("F13"), -1);
    assert_int_equal(keymap_parse_key("C-1"), -1);
    assert_int_equal(keymap_parse_key("jj"), -1);
    assert_int_equal(keymap_parse_key("\x1b"), -1);
    assert_int_equal(keymap_parse_key("\xc3"), -1); /* truncated UTF-8 */

    char buf[32];
    const char *names[] = { "j", "C-d", "M-x", "F5", "Enter", "S-Tab", "PgUp", "Esc", "é" };
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        keymap_key_name(keymap_parse_key(names[i]), buf, sizeof buf);
        assert_string_equal(buf, names[i]);
    }
}

static void test_defaults_and_layers(void **state)
{
    (void)state;
    keymap km;
    keymap_init(&km);
    assert_int_equal(keymap_lookup(&km, 1, 'q'), ACT_QUIT);
    assert_int_equal(keymap_lookup(&km, 1, 'j'), ACT_DOWN);
    assert_int_equal(keymap_lookup(&km, 1, KEYMAP_FN | KEY_DOWN), ACT_DOWN);
    assert_int_equal(keymap_lookup(&km, 3, '\t'), ACT_FOCUS_NEXT);
    /* `s` exists only in the Instances pane's layer. */
    assert_int_equal(keymap_lookup(&km, 2, 's'), ACT_SSM_SHELL);
    assert_int_equal(keymap_lookup(&km, 1, 's'), ACT_NONE);
    assert_int_equal(keymap_lookup(&km, 1, 'Z'), ACT_NONE);
    char keys[64];
    keymap_keys_for(&km, ACT_DOWN, keys, sizeof keys);
    assert_string_equal(keys, "j, Down");
    assert_int_equal(keymap_action_by_name("copy_id"), ACT_COPY_ID);
    assert_int_equal(keymap_action_by_name("deploy"), ACT_DEPLOY);
    assert_int_equal(keymap_action_by_name("no_such"), ACT_NONE);
    /* The action keys: d and p on a tag, c in Refresh, R everywhere. */
    assert_int_equal(keymap_lookup(&km, 4, 'd'), ACT_DEPLOY);
    assert_int_equal(keymap_lookup(&km, 1, 'd'), ACT_NONE);
    assert_int_equal(keymap_lookup(&km, 4, 'p'), ACT_PROMOTE);
    assert_int_equal(keymap_lookup(&km, 5, 'c'), ACT_CANCEL);
    assert_int_equal(keymap_lookup(&km, 1, 'R'), ACT_ROLLBACK);
    keymap_free(&km);
}

static void add_key(tarmac_config *cfg, const char *action, const char *key, int line)
{
    config_key *k = VEC_NEW(cfg->keys);
    k->action = xstrdup(action);
    k->key = xstrdup(key);
    k->line = line;
}

static void test_config_overrides(void **state)
{
    (void)state;
    tarmac_config cfg;
    config_init(&cfg);
    cfg.path = xstrdup("/etc/tarmac.yaml");
    add_key(&cfg, "down", "n", 10);
    add_key(&cfg, "down", "C-n", 11);
    add_key(&cfg, "quit", "x", 12);
    add_key(&cfg, "ssm_shell", "r", 13); /* pane 2 only: shadows refresh there */
    add_key(&cfg, "deploy", "d", 14);    /* Images pane only: nothing in pane 1 */
    keymap km;
    keymap_init(&km);
    strbuf err;
    sb_init(&err);
    assert_int_equal(keymap_apply_config(&km, &cfg, &err), 0);
    assert_string_equal(err.buf, "");
    assert_int_equal(keymap_lookup(&km, 1, 'n'), ACT_DOWN);
    assert_int_equal(keymap_lookup(&km, 1, 14), ACT_DOWN);
    assert_int_equal(keymap_lookup(&km, 1, 'j'), ACT_NONE); /* the default is gone */
    assert_int_equal(keymap_lookup(&km, 1, KEYMAP_FN | KEY_DOWN), ACT_NONE);
    assert_int_equal(keymap_lookup(&km, 1, 'x'), ACT_QUIT);
    assert_int_equal(keymap_lookup(&km, 1, 'q'), ACT_NONE);
    assert_int_equal(keymap_lookup(&km, 2, 'r'), ACT_SSM_SHELL); /* the pane's layer first */
    assert_int_equal(keymap_lookup(&km, 1, 'r'), ACT_REFRESH);
    assert_int_equal(keymap_lookup(&km, 2, 's'), ACT_NONE);
    assert_int_equal(keymap_lookup(&km, 1, 'd'), ACT_NONE);
    keymap_free(&km);
    sb_free(&err);
    config_free(&cfg);
}

static void test_config_takes_key_from_other_action(void **state)
{
    (void)state;
    tarmac_config cfg;
    config_init(&cfg);
    add_key(&cfg, "refresh", "g", 3); /* g was `top` */
    keymap km;
    keymap_init(&km);
    strbuf err;
    sb_init(&err);
    assert_int_equal(keymap_apply_config(&km, &cfg, &err), 0);
    assert_string_equal(err.buf, "");
    assert_int_equal(keymap_lookup(&km, 1, 'g'), ACT_REFRESH);
    assert_int_equal(keymap_lookup(&km, 1, 'r'), ACT_NONE);
    assert_int_equal(keymap_lookup(&km, 1, KEYMAP_FN | KEY_HOME), ACT_TOP);
    keymap_free(&km);
    sb_free(&err);
    config_free(&cfg);
}

static void test_config_errors(void **state)
{
    (void)state;
    tarmac_config cfg;
    config_init(&cfg);
    cfg.path = xstrdup("c.yaml");
    add_key(&cfg, "no_such_action", "z", 7);
    add_key(&cfg, "help", "h", 8);
    add_key(&cfg, "filter", "h", 9);     /* h twice in the global scope */
    add_key(&cfg, "top", "Hyper-x", 10); /* not a key */
    keymap km;
    keymap_init(&km);
    strbuf err;
    sb_init(&err);
    assert_int_equal(keymap_apply_config(&km, &cfg, &err), 3);
    assert_non_null(strstr(err.buf, "c.yaml:7: unknown action 'no_such_action'"));
    assert_non_null(strstr(err.buf, "c.yaml:9: key h is already bound to help (line 8)"));
    assert_non_null(strstr(err.buf, "c.yaml:10: 'Hyper-x' is not a key"));
    assert_int_equal(keymap_lookup(&km, 1, 'h'), ACT_HELP);
    assert_int_equal(keymap_lookup(&km, 1, '/'), ACT_FILTER); /* refused entry: defaults stay */
    keymap_free(&km);
    sb_free(&err);
    config_free(&cfg);
}

/* Every default key string must parse, and no key may mean two things in one layer. */
static void test_table_consistent(void **state)
{
    (void)state;
    keymap km;
    keymap_init(&km);
    for (int a = 1; a < ACT_COUNT; a++) {
        assert_non_null(keymap_actions[a].name);
        assert_non_null(keymap_actions[a].help);
        for (int k = 0; k < 3; k++)
            if (keymap_actions[a].keys[k]) {
                assert_true(keymap_parse_key(keymap_actions[a].keys[k]) >= 0);
                assert_true(config_key_syntax_ok(keymap_actions[a].keys[k]));
            }
    }
    for (size_t i = 0; i < km.b.n; i++)
        for (size_t j = i + 1; j < km.b.n; j++)
            assert_false(km.b.items[i].key == km.b.items[j].key && km.b.items[i].scope == km.b.items[j].scope);
    keymap_free(&km);
}

static char *read_man(void)
{
    char path[PATH_MAX + 32];
    const char *top = getenv("TARMAC_TOP");
    if (top && *top) {
        snprintf(path, sizeof path, "%s/man/tarmac.1", top);
    } else {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        assert_true(n > 0);
        exe[n] = '\0';
        for (int i = 0; i < 4; i++) {
            char *slash = strrchr(exe, '/');
            assert_non_null(slash);
            *slash = '\0';
        }
        snprintf(path, sizeof path, "%s/man/tarmac.1", exe);
    }
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot read %s", path);
    strbuf sb;
    sb_init(&sb);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_appendn(&sb, buf, n);
    fclose(f);
    return sb_steal(&sb);
}

/* man/tarmac.1 has, per action, a line ".It Sy name" ... with its default keys;
 * roff escapes the minus sign and backslash. */
static void test_man_page_lists_every_action(void **state)
{
    (void)state;
    char *man = read_man();
    for (int a = 1; a < ACT_COUNT; a++) {
        char want[128];
        snprintf(want, sizeof want, "\n.It Sy %s\n", keymap_actions[a].name);
        char *at = strstr(man, want);
        if (!at)
            fail_msg("man/tarmac.1 does not list action %s", keymap_actions[a].name);
        /* The keys follow on the next line, as "Keys: j, Down". */
        char *next = at + strlen(want);
        char *eol = strchr(next, '\n');
        assert_non_null(eol);
        char line[256];
        snprintf(line, sizeof line, "%.*s", (int)(eol - next), next);
        for (int k = 0; k < 3; k++) {
            const char *key = keymap_actions[a].keys[k];
            if (!key)
                continue;
            char esc[32];
            size_t o = 0;
            for (const char *p = key; *p && o + 3 < sizeof esc; p++) {
                if (*p == '-' || *p == '\\')
                    esc[o++] = '\\';
                esc[o++] = *p == '\\' ? 'e' : *p;
            }
            esc[o] = '\0';
            if (!strstr(line, esc))
                fail_msg("man/tarmac.1: action %s should list key %s (line: %s)", keymap_actions[a].name, esc, line);
        }
    }
    free(man);
}

/* The commands man/tarmac.1 documents in one section (from "\n.Sh NAME\n" or
 * "\n.Ss NAME\n" to the next .Sh or .Ss): every word after "Cm " on its ".It" lines,
 * roff's "\-" read as "-". */
static void man_commands(const char *man, const char *section, strvec *out)
{
    const char *at = strstr(man, section);
    if (!at)
        fail_msg("man/tarmac.1 lacks the section that starts with '%.20s'", section + 1);
    at += strlen(section);
    const char *end = strstr(at, "\n.Sh ");
    const char *ss = strstr(at, "\n.Ss ");
    if (!end || (ss && ss < end))
        end = ss;
    for (const char *line = at; line && line < end; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, ".It ", 4) != 0)
            continue;
        const char *eol = strchr(line, '\n');
        for (const char *cm = strstr(line, "Cm "); cm && cm < eol; cm = strstr(cm + 3, "Cm ")) {
            char word[64];
            size_t n = 0;
            for (const char *p = cm + 3; p < eol && *p != ' ' && n + 1 < sizeof word; p++)
                if (!(p[0] == '\\' && p[1] == '-'))
                    word[n++] = *p;
            word[n] = '\0';
            if (n && !strvec_contains(out, word))
                strvec_push(out, word);
        }
    }
}

/* Headless commands under COMMANDS, the console's under "Command line": each row
 * of the table where it exists, and nothing the table lacks. */
static void test_man_page_lists_every_command(void **state)
{
    (void)state;
    char *man = read_man();
    static const struct {
        const char *section, *label;
        unsigned where;
    } places[] = {
        { "\n.Sh COMMANDS\n", "COMMANDS", CMD_HEADLESS },
        { "\n.Ss Command line\n", "Command line", CMD_CONSOLE },
    };
    for (size_t s = 0; s < ARRAY_LEN(places); s++) {
        strvec documented = { 0 };
        man_commands(man, places[s].section, &documented);
        assert_true(documented.n > 5);
        for (size_t i = 0; i < commands_count; i++)
            if ((commands[i].where & places[s].where) && !strvec_contains(&documented, commands[i].name))
                fail_msg("man/tarmac.1 does not document command %s in %s", commands[i].name, places[s].label);
        for (size_t i = 0; i < documented.n; i++)
            if (!command_find(documented.items[i], places[s].where))
                fail_msg("man/tarmac.1 documents %s in %s, but the command table has no such command there",
                         documented.items[i], places[s].label);
        strvec_free(&documented);
    }
    free(man);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_keys),
        cmocka_unit_test(test_defaults_and_layers),
        cmocka_unit_test(test_config_overrides),
        cmocka_unit_test(test_config_takes_key_from_other_action),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_table_consistent),
        cmocka_unit_test(test_man_page_lists_every_action),
        cmocka_unit_test(test_man_page_lists_every_command),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
