/* test_tui_progress.c — the Refresh pane's arithmetic: the progress bar's cells
 * and checkpoint marks (ASCII and UTF-8), the ETA from the observed rate (and
 * how stalls, rollbacks and a new refresh affect it), durations; and the list
 * widget's bookkeeping: selection that follows its row, highlights of changed
 * rows, the filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "listview.h"
#include "progress.h"
#include "pane.h"
#include "theme.h"

static void test_bar_ascii(void **state)
{
    (void)state;
    char buf[256];
    progress_bar(buf, sizeof buf, 10, 0, NULL, 0, true);
    assert_string_equal(buf, "----------");
    progress_bar(buf, sizeof buf, 10, 50, NULL, 0, true);
    assert_string_equal(buf, "#####-----");
    progress_bar(buf, sizeof buf, 10, 100, NULL, 0, true);
    assert_string_equal(buf, "##########");
    progress_bar(buf, sizeof buf, 10, 140, NULL, 0, true); /* clamped */
    assert_string_equal(buf, "##########");
    progress_bar(buf, sizeof buf, 10, -3, NULL, 0, true);
    assert_string_equal(buf, "----------");
    /* Checkpoints at 50 % and 80 %: marks where they end, while still ahead. */
    int cps[] = { 50, 80, 100 };
    progress_bar(buf, sizeof buf, 10, 20, cps, 3, true);
    assert_string_equal(buf, "##--|--|--");
    progress_bar(buf, sizeof buf, 10, 60, cps, 3, true);
    assert_string_equal(buf, "######-|--");
    progress_bar(buf, sizeof buf, 20, 10, cps, 3, true);
    assert_string_equal(buf, "##-------|-----|----");
    /* Never more than the buffer. */
    char small[6];
    progress_bar(small, sizeof small, 10, 50, NULL, 0, true);
    assert_string_equal(small, "#####");
}

static void test_bar_utf8(void **state)
{
    (void)state;
    char buf[256];
    progress_bar(buf, sizeof buf, 4, 50, NULL, 0, false);
    assert_string_equal(buf, "██░░");
    /* 4 cells * 8 eighths * 30% = 9.6 eighths: one full cell and an eighth. */
    progress_bar(buf, sizeof buf, 4, 30, NULL, 0, false);
    assert_string_equal(buf, "█▏░░");
    int cps[] = { 75 };
    progress_bar(buf, sizeof buf, 4, 10, cps, 1, false);
    assert_string_equal(buf, "▍░┊░"); /* 3.2 eighths */
}

static void test_eta(void **state)
{
    (void)state;
    eta_estimator e;
    memset(&e, 0, sizeof e);
    eta_observe(&e, "r1", 0, 10);
    assert_int_equal(eta_seconds(&e, 0), -1); /* one point tells nothing */
    eta_observe(&e, "r1", 5000, 10);          /* no progress: ignored */
    assert_int_equal(e.n, 1);
    eta_observe(&e, "r1", 60000, 20); /* 10 % per minute */
    assert_int_equal(eta_seconds(&e, 60000), 480);
    eta_observe(&e, "r1", 120000, 30);
    assert_int_equal(eta_seconds(&e, 120000), 420);
    /* A stall beyond the usual step slows the estimate down. */
    assert_true(eta_seconds(&e, 240000) > 420);
    /* A rollback (percentage going back) starts over. */
    eta_observe(&e, "r1", 130000, 25);
    assert_int_equal(e.n, 1);
    /* Another refresh starts over too. */
    eta_observe(&e, "r2", 200000, 5);
    assert_string_equal(e.refresh_id, "r2");
    assert_int_equal(e.n, 1);
    assert_int_equal(eta_seconds(&e, 200000), -1);
    /* The window slides: many observations never overflow. */
    for (int i = 0; i < 100; i++)
        eta_observe(&e, "r3", i * 1000, i);
    assert_int_equal(e.n, ETA_SAMPLES);
    assert_int_equal(eta_seconds(&e, 99000), 1);

    assert_int_equal(eta_from_elapsed(600000, 50), 600);
    assert_int_equal(eta_from_elapsed(600000, 0), -1);
    assert_int_equal(eta_from_elapsed(600000, 100), 0);
}

/* A rollback: PercentageComplete falls back to 0 (AWS's rule); that is progress
 * with an ETA, not a refresh starting over. */
static void test_eta_falling(void **state)
{
    (void)state;
    eta_estimator e;
    memset(&e, 0, sizeof e);
    eta_observe(&e, "r1", 0, 40);
    eta_observe(&e, "r1", 60000, 50); /* the refresh, rising */
    assert_int_equal(e.n, 2);
    eta_observe_falling(&e, "r1", 70000, 50); /* the rollback begins: a new phase */
    assert_true(e.falling);
    assert_int_equal(e.n, 1);
    assert_int_equal(eta_seconds(&e, 70000), -1);
    eta_observe_falling(&e, "r1", 130000, 40); /* 10 % a minute, 40 % to go */
    assert_int_equal(e.n, 2);
    assert_int_equal(eta_seconds(&e, 130000), 240);
    eta_observe_falling(&e, "r1", 190000, 30);
    assert_int_equal(e.n, 3);
    assert_int_equal(eta_seconds(&e, 190000), 180);
    assert_true(eta_seconds(&e, 400000) > 180); /* a stall slows it */
    eta_observe_falling(&e, "r1", 200000, 30);  /* repeated: ignored */
    assert_int_equal(e.n, 3);
    eta_observe_falling(&e, "r1", 210000, 35); /* going up: starts over */
    assert_int_equal(e.n, 1);
    eta_observe_falling(&e, "r1", 270000, 0);
    assert_int_equal(eta_seconds(&e, 270000), 0); /* at 0: done */
    eta_observe(&e, "r1", 280000, 5);             /* rising again: another phase */
    assert_false(e.falling);
    assert_int_equal(e.n, 1);
}

static void test_durations(void **state)
{
    (void)state;
    char b[32];
    progress_fmt_duration(0, b, sizeof b);
    assert_string_equal(b, "0s");
    progress_fmt_duration(59, b, sizeof b);
    assert_string_equal(b, "59s");
    progress_fmt_duration(245, b, sizeof b);
    assert_string_equal(b, "4m05s");
    progress_fmt_duration(3720, b, sizeof b);
    assert_string_equal(b, "1h02m");
    progress_fmt_duration(-1, b, sizeof b);
    assert_string_equal(b, "?");
}

/* Ages: seconds under two minutes; from there counted to the end of the clock's
 * minute, so they all turn over when the clock does. */
static void test_ages_turn_with_the_clock(void **state)
{
    (void)state;
    char b[16];
    const aws_time m = 1700000000000LL - 1700000000000LL % 60000; /* a minute's start */
    pane_fmt_age(0, m, b, sizeof b);
    assert_string_equal(b, "-");
    pane_fmt_age(m - 5000, m, b, sizeof b);
    assert_string_equal(b, "5s");
    pane_fmt_age(m + 1000, m, b, sizeof b); /* a clock behind AWS's */
    assert_string_equal(b, "0s");
    pane_fmt_age(m - 119000, m + 30000, b, sizeof b); /* 149 s, one poll after 119s */
    assert_string_equal(b, "2m");
    /* Pushed at m-30m+20s: the age reads 30m through the whole minute it turns in,
     * 29m in the minute before, whatever the second. */
    aws_time then = m - 1800000 + 20000;
    pane_fmt_age(then, m + 1000, b, sizeof b);
    assert_string_equal(b, "30m");
    pane_fmt_age(then, m + 59000, b, sizeof b);
    assert_string_equal(b, "30m");
    pane_fmt_age(then, m - 1000, b, sizeof b);
    assert_string_equal(b, "29m");
    pane_fmt_age(then, m + 60000, b, sizeof b); /* exactly the next minute */
    assert_string_equal(b, "30m");
    pane_fmt_age(then, m + 61000, b, sizeof b);
    assert_string_equal(b, "31m");
    /* Something pushed exactly ten days before: 10d from its first second on. */
    pane_fmt_age(m + 7000 - 864000000LL, m + 7000, b, sizeof b);
    assert_string_equal(b, "10d");
    pane_fmt_age(m - 3 * 3600000LL, m + 1000, b, sizeof b);
    assert_string_equal(b, "3h");
}

static const lv_column cols[] = { { .title = "ID", .min = 4, .max = 10 }, { .title = "STATE", .min = 4, .max = 10 } };

static void fill(listview *lv, const char *const *ids, const char *const *states, int n, int64_t now)
{
    lv_begin(lv);
    for (int i = 0; i < n; i++) {
        lv_row *r = lv_add(lv, ids[i]);
        lv_set(r, 0, ids[i]);
        lv_set(r, 1, states[i]);
    }
    lv_end(lv, now);
}

static void test_listview(void **state)
{
    (void)state;
    listview lv;
    lv_init(&lv, cols, 2);
    const char *ids[] = { "a", "b", "c", "d" };
    const char *st1[] = { "ok", "ok", "ok", "ok" };
    fill(&lv, ids, st1, 4, 1000);
    assert_int_equal(lv_count(&lv), 4);
    assert_string_equal(lv_selected_id(&lv), "a");
    assert_int_equal(lv_next_fade(&lv, 1000), 0); /* first load: nothing flashes */
    bool moved = false;
    assert_true(lv_move(&lv, ACT_DOWN, &moved));
    assert_true(moved);
    assert_true(lv_move(&lv, ACT_DOWN, &moved));
    assert_string_equal(lv_selected_id(&lv), "c");
    assert_false(lv_move(&lv, ACT_DETAIL, &moved)); /* not a movement */

    /* "c" moves to the front and "b" changes: the selection follows "c". */
    const char *ids2[] = { "c", "a", "b", "d" };
    const char *st2[] = { "ok", "ok", "bad", "ok" };
    fill(&lv, ids2, st2, 4, 5000);
    assert_string_equal(lv_selected_id(&lv), "c");
    assert_int_equal(lv.rows.items[2].changed_at, 5000);         /* b changed */
    assert_int_equal(lv.rows.items[2].cell_changed_at[1], 5000); /* its state cell only */
    assert_int_equal(lv.rows.items[2].cell_changed_at[0], 0);
    assert_int_equal(lv.rows.items[0].changed_at, 0);
    assert_int_equal(lv_next_fade(&lv, 5000), 5000 + LV_HIGHLIGHT_MS);
    assert_int_equal(lv_next_fade(&lv, 5000 + LV_HIGHLIGHT_MS), 0);

    /* A new row after the first load is a change too; a gone row takes the selection with it. */
    const char *ids3[] = { "a", "b", "e" };
    const char *st3[] = { "ok", "bad", "new" };
    fill(&lv, ids3, st3, 3, 9000);
    assert_int_equal(lv.rows.items[2].changed_at, 9000); /* a new row: its first cell */
    assert_int_equal(lv.rows.items[2].cell_changed_at[0], 9000);
    assert_int_equal(lv.rows.items[2].cell_changed_at[1], 0);
    assert_int_equal(lv.rows.items[1].changed_at, 5000); /* unchanged since */
    assert_non_null(lv_selected_id(&lv));

    /* The filter matches any cell, case-insensitively, and keeps the id selected. */
    lv_select_id(&lv, "b");
    lv_set_filter(&lv, "BA");
    assert_int_equal(lv_count(&lv), 1);
    assert_string_equal(lv_selected_id(&lv), "b");
    lv_set_filter(&lv, "zzz");
    assert_int_equal(lv_count(&lv), 0);
    assert_null(lv_selected_id(&lv));
    assert_true(lv_move(&lv, ACT_DOWN, &moved)); /* harmless when empty */
    lv_set_filter(&lv, "");
    assert_int_equal(lv_count(&lv), 3);
    assert_true(lv_move(&lv, ACT_BOTTOM, &moved));
    assert_string_equal(lv_selected_id(&lv), "e");
    assert_true(lv_move(&lv, ACT_PAGE_UP, &moved)); /* never drawn: a page is one row */
    assert_string_equal(lv_selected_id(&lv), "b");
    lv.page = 10;
    assert_true(lv_move(&lv, ACT_PAGE_UP, &moved));
    assert_string_equal(lv_selected_id(&lv), "a");
    lv_free(&lv);
}

/* A column of ages changes with the clock: that alone is no highlighted change. */
static void test_listview_ages_do_not_flash(void **state)
{
    (void)state;
    static const lv_column aged[] = { { .title = "ID", .min = 4 }, { .title = "AGE", .min = 4, .quiet = true } };
    listview lv;
    lv_init(&lv, aged, 2);
    const char *ids[] = { "a" };
    const char *t1[] = { "1s" }, *t2[] = { "2s" };
    fill(&lv, ids, t1, 1, 100);
    fill(&lv, ids, t2, 1, 200);
    assert_int_equal(lv.rows.items[0].changed_at, 0);
    assert_string_equal(lv.rows.items[0].cells[1], "2s");
    lv_free(&lv);
}

/* A new row flashes its first cell that is not an age; a row that changes colour
 * flashes whole. */
static void test_listview_new_row_and_role_flash(void **state)
{
    (void)state;
    static const lv_column c3[] = { { .title = "AGE", .min = 4, .quiet = true, .ticks = true },
                                    { .title = "STATUS", .min = 4 },
                                    { .title = "NOTE", .min = 4 } };
    listview lv;
    lv_init(&lv, c3, 3);
    lv_begin(&lv);
    lv_row *r = lv_add(&lv, "a");
    lv_set(r, 0, "1s");
    lv_set(r, 1, "ok");
    lv_set(r, 2, "x");
    lv_end(&lv, 100);
    lv_begin(&lv);
    r = lv_add(&lv, "b");
    lv_set(r, 0, "1s");
    lv_set(r, 1, "ok");
    lv_set(r, 2, "y");
    r = lv_add(&lv, "a");
    lv_set(r, 0, "2s");
    lv_set(r, 1, "ok");
    lv_set(r, 2, "x");
    r->role = ROLE_UNHEALTHY;
    lv_end(&lv, 200);
    const lv_row *b = &lv.rows.items[0], *a = &lv.rows.items[1];
    assert_int_equal(b->cell_changed_at[0], 0);   /* the age never flashes */
    assert_int_equal(b->cell_changed_at[1], 200); /* the new row's first other cell */
    assert_int_equal(b->cell_changed_at[2], 0);
    assert_int_equal(a->cell_changed_at[0], 0);
    assert_int_equal(a->cell_changed_at[1], 200); /* a colour change: every cell */
    assert_int_equal(a->cell_changed_at[2], 200);
    lv_free(&lv);
}

static void add_rows(listview *lv, const char *const *ids, size_t n)
{
    lv_begin(lv);
    for (size_t i = 0; i < n; i++)
        lv_set(lv_add(lv, ids[i]), 0, ids[i]);
    lv_end(lv, 100);
}

/* A newest-first list follows new rows in while the selection is on the first
 * row; elsewhere (or in other lists) the selection sticks to its row. */
static void test_listview_follows_the_head(void **state)
{
    (void)state;
    static const lv_column c1[] = { { .title = "ID", .min = 4 } };
    static const char *const one[] = { "r2", "r1" }, *const two[] = { "r3", "r2", "r1" },
                             *const three[] = { "r4", "r3", "r2", "r1" };
    listview lv;
    lv_init(&lv, c1, 1);
    lv.follow_head = true;
    add_rows(&lv, one, 2);
    assert_string_equal(lv_selected_id(&lv), "r2");
    add_rows(&lv, two, 3);
    assert_int_equal(lv.sel, 0);
    assert_string_equal(lv_selected_id(&lv), "r3"); /* the newest, shown at the top */
    bool moved;
    lv_move(&lv, ACT_DOWN, &moved); /* the operator looks at r2 */
    add_rows(&lv, three, 4);
    assert_string_equal(lv_selected_id(&lv), "r2"); /* stays on it */
    lv_free(&lv);

    lv_init(&lv, c1, 1); /* not newest-first: sticks to the id */
    add_rows(&lv, one, 2);
    add_rows(&lv, two, 3);
    assert_string_equal(lv_selected_id(&lv), "r2");
    lv_free(&lv);
}

/* Another tag of the same image passes a filter with its image's row. */
static void test_listview_filter_keeps_children(void **state)
{
    (void)state;
    static const lv_column c1[] = { { .title = "TAG", .min = 4 } };
    listview lv;
    lv_init(&lv, c1, 1);
    lv_begin(&lv);
    lv_set(lv_add(&lv, "prod"), 0, "prod");
    lv_row *r = lv_add(&lv, "2f4a8c6");
    lv_set(r, 0, "2f4a8c6");
    r->child = true;
    lv_set(lv_add(&lv, "a9f3c21"), 0, "a9f3c21");
    lv_end(&lv, 100);
    lv_set_filter(&lv, "2f4a");
    assert_int_equal(lv.vis.n, 2);
    assert_string_equal(lv.rows.items[lv.vis.items[0]].id, "prod");
    lv_set_filter(&lv, "prod");
    assert_int_equal(lv.vis.n, 2);
    lv_set_filter(&lv, "a9f");
    assert_int_equal(lv.vis.n, 1);
    lv_free(&lv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bar_ascii),
        cmocka_unit_test(test_bar_utf8),
        cmocka_unit_test(test_eta),
        cmocka_unit_test(test_eta_falling),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_ages_turn_with_the_clock),
        cmocka_unit_test(test_listview),
        cmocka_unit_test(test_listview_ages_do_not_flash),
        cmocka_unit_test(test_listview_new_row_and_role_flash),
        cmocka_unit_test(test_listview_follows_the_head),
        cmocka_unit_test(test_listview_filter_keeps_children),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
