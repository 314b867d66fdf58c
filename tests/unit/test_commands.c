/* test_commands.c — the command table (cli/commands.c): its rows are sound (unique
 * names, a handler wherever a command exists, completion kinds that make sense,
 * the action rows are dialog.c's), the console's Tab offers its commands, and
 * `tarmac --help` lists every headless command once, with one exit status section
 * that names every exit code. man/tarmac.1 against the table: test_tui_keymap.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_actions.h"
#include "commands.h"
#include "dialog.h"

static void test_rows_are_sound(void **state)
{
    (void)state;
    assert_true(commands_count > 10);
    for (size_t i = 0; i < commands_count; i++) {
        const command_info *c = &commands[i];
        assert_non_null(c->name);
        assert_non_null(c->help);
        assert_true(c->help[0] && !strchr(c->help, '\n'));
        assert_true(c->where && !(c->where & ~(CMD_HEADLESS | CMD_CONSOLE)));
        for (size_t k = 0; k < commands_count; k++) {
            if (k == i)
                continue;
            if (str_eq(c->name, commands[k].name) || (commands[k].alias && str_eq(c->name, commands[k].alias)))
                fail_msg("command %s is in the table twice", c->name);
        }
        /* A handler wherever the command exists, and none where it does not. */
        if (c->where & CMD_HEADLESS) {
            if (!c->run == !c->run_argv)
                fail_msg("headless command %s needs exactly one of run and run_argv", c->name);
        } else {
            assert_null(c->run);
            assert_null(c->run_argv);
            assert_null(c->cli_args);
        }
        if ((c->where & CMD_CONSOLE) && !c->con)
            fail_msg(":%s has no console handler", c->name);
        if (!(c->where & CMD_CONSOLE) && (c->con || c->alias || c->complete != CMPL_NONE))
            fail_msg("%s is not a console command but has a console handler, alias or completion", c->name);
        /* Completion: a known kind, only for a command that takes arguments. */
        assert_true(c->complete >= CMPL_NONE && c->complete < CMPL_COUNT);
        if (c->complete != CMPL_NONE && !c->args)
            fail_msg(":%s completes an argument it does not take", c->name);
        if ((c->where & CMD_CONSOLE) && c->args && c->complete == CMPL_NONE)
            fail_msg(":%s takes %s but Tab completes nothing", c->name, c->args);
        if ((c->flags & CMDF_DEMO) && !(c->where & CMD_HEADLESS))
            fail_msg("--demo cannot run the console command %s", c->name);
        assert_int_equal(command_find(c->name, c->where), c);
    }
}

/* The console's action rows are the commands dialog.c parses, and nothing else is. */
static void test_action_rows_are_the_dialogs(void **state)
{
    (void)state;
    size_t n = 0;
    for (size_t i = 0; i < commands_count; i++) {
        const command_info *c = &commands[i];
        dialog_cmd dc;
        char err[200];
        int parsed = dialog_parse_command(c->name, "", &dc, err, sizeof err);
        if (!(c->where & CMD_CONSOLE))
            continue;
        bool action = c->flags & CMDF_ACTION;
        if (action != (parsed != 0))
            fail_msg(":%s is %s an action row but dialog.c %s it", c->name, action ? "" : "not",
                     parsed ? "parses" : "does not parse");
        if (action) {
            bool listed = false;
            for (size_t k = 0; dialog_commands[k]; k++)
                listed |= str_eq(dialog_commands[k], c->name);
            assert_true(listed);
            n++;
        }
    }
    size_t want = 0;
    while (dialog_commands[want])
        want++;
    assert_int_equal(n, want);
}

/* What Tab offers for the command word: the table's console commands, in its order. */
static void test_tab_offers_the_tables_commands(void **state)
{
    (void)state;
    strvec all = { 0 };
    commands_complete(CMD_CONSOLE, "", &all);
    size_t k = 0;
    for (size_t i = 0; i < commands_count; i++)
        if (commands[i].where & CMD_CONSOLE) {
            assert_true(k < all.n);
            assert_string_equal(all.items[k++], commands[i].name);
        }
    assert_int_equal(k, all.n);
    assert_true(strvec_contains(&all, "asg") && strvec_contains(&all, "deploy-lt") && strvec_contains(&all, "q"));
    assert_false(strvec_contains(&all, "status") || strvec_contains(&all, "quit"));
    strvec de = { 0 };
    commands_complete(CMD_CONSOLE, "de", &de);
    assert_int_equal(de.n, 2);
    assert_string_equal(de.items[0], "deploy");
    assert_string_equal(de.items[1], "deploy-lt");
    strvec none = { 0 };
    commands_complete(CMD_CONSOLE, "stat", &none);
    assert_int_equal(none.n, 0);
    assert_non_null(command_find("quit", CMD_CONSOLE));
    assert_string_equal(command_find("quit", CMD_CONSOLE)->name, "q");
    assert_null(command_find("status", CMD_CONSOLE));
    assert_null(command_find("asg", CMD_HEADLESS));
    strbuf names;
    sb_init(&names);
    commands_names(CMD_CONSOLE, &names);
    assert_true(strncmp(names.buf, "asg, repo, app, apps, region, profile, theme, ", 46) == 0);
    assert_null(strstr(names.buf, "status"));
    sb_free(&names);
    strvec_free(&all);
    strvec_free(&de);
    strvec_free(&none);
}

/* tarmac --help: one list of commands, each headless one once; one exit status
 * section naming every exit code. */
static void test_usage_lists_each_command_once(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    commands_usage(f);
    fclose(f);
    int lists = 0, exits = 0;
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        lists += strncmp(p, "commands:", 9) == 0 || strncmp(p, "action commands", 15) == 0;
        exits += strncmp(p, "exit status:", 12) == 0;
    }
    assert_int_equal(lists, 1);
    assert_int_equal(exits, 1);
    const char *list = strstr(text, "\ncommands:\n");
    assert_non_null(list);
    const char *list_end = strstr(list, "\n\n");
    assert_non_null(list_end);
    for (size_t i = 0; i < commands_count; i++) {
        char want[64];
        snprintf(want, sizeof want, "\n  %s ", commands[i].name);
        const char *at = strstr(text, want);
        int seen = 0;
        for (; at; at = strstr(at + 1, want))
            seen++;
        if (commands[i].where & CMD_HEADLESS) {
            if (seen != 1)
                fail_msg("tarmac --help lists %s %d times", commands[i].name, seen);
            const char *row = strstr(list, want);
            assert_true(row && row < list_end);
        } else if (seen) {
            fail_msg("tarmac --help lists the console command %s", commands[i].name);
        }
    }
    const char *ex = strstr(text, "\nexit status:");
    assert_non_null(ex);
    const int codes[] = { EXIT_OK, EXIT_AWS, EXIT_USAGE, EXIT_PARTIAL, EXIT_REFUSED, EXIT_DEPLOY_BAD, EXIT_STOPPED };
    for (size_t i = 0; i < ARRAY_LEN(codes); i++) {
        char want[8];
        snprintf(want, sizeof want, " %d ", codes[i]);
        if (!strstr(ex, want))
            fail_msg("exit status %d is not in tarmac --help", codes[i]);
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_are_sound),
        cmocka_unit_test(test_action_rows_are_the_dialogs),
        cmocka_unit_test(test_tab_offers_the_tables_commands),
        cmocka_unit_test(test_usage_lists_each_command_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
