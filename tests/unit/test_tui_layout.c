/* test_tui_layout.c — pane rectangles at many terminal sizes: the too-small
 * notice below 80x24, the tabbed bottom area, the six-pane wide layout, and that
 * visible panes never overlap nor leave the screen. Also the listview's column
 * widths, which fold columns away by priority when narrow. The pane registry
 * (panes/panes.def): numbers, names, places and focus actions agree, and every
 * registered pane gets a rectangle in both layouts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "keymap.h"
#include "layout.h"
#include "listview.h"
#include "pane.h"

static bool overlap(rect a, rect b)
{
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

static void test_too_small(void **state)
{
    (void)state;
    layout l;
    layout_compute(79, 24, PANE_TARGETS, LAYOUT_ALL_PANES, &l);
    assert_true(l.too_small);
    layout_compute(80, 23, PANE_TARGETS, LAYOUT_ALL_PANES, &l);
    assert_true(l.too_small);
    layout_compute(80, 24, PANE_TARGETS, LAYOUT_ALL_PANES, &l);
    assert_false(l.too_small);
    assert_int_equal(layout_pane_at(&l, 100, 100), -1);
}

static void test_80x24(void **state)
{
    (void)state;
    layout l;
    layout_compute(80, 24, PANE_IMAGES, LAYOUT_ALL_PANES, &l);
    assert_true(l.tabbed);
    assert_true(l.visible[PANE_GROUPS] && l.visible[PANE_INSTANCES] && l.visible[PANE_IMAGES]);
    assert_false(l.visible[PANE_TARGETS] || l.visible[PANE_REFRESH] || l.visible[PANE_ACTIVITY]);
    /* Header on line 0, status on the last, the body between. */
    assert_int_equal(l.header.y, 0);
    assert_int_equal(l.status.y, 23);
    assert_int_equal(l.pane[PANE_GROUPS].y, 1);
    assert_int_equal(l.pane[PANE_GROUPS].x, 0);
    assert_int_equal(l.pane[PANE_GROUPS].w + l.pane[PANE_INSTANCES].w, 80);
    assert_int_equal(l.pane[PANE_GROUPS].h + l.pane[PANE_IMAGES].h, 22);
    assert_int_equal(l.pane[PANE_IMAGES].w, 80);
    assert_true(l.pane[PANE_GROUPS].w >= 28);
    assert_int_equal(layout_pane_at(&l, 2, 1), PANE_GROUPS);
    assert_int_equal(layout_pane_at(&l, 2, 79), PANE_INSTANCES);
    assert_int_equal(layout_pane_at(&l, 22, 40), PANE_IMAGES);
    assert_int_equal(layout_pane_at(&l, 0, 40), -1); /* the header */
    /* A tab pane that is not one of the bottom four falls back to Targets. */
    layout_compute(80, 24, PANE_GROUPS, LAYOUT_ALL_PANES, &l);
    assert_true(l.visible[PANE_TARGETS]);
}

static void test_220x60(void **state)
{
    (void)state;
    layout l;
    layout_compute(220, 60, PANE_TARGETS, LAYOUT_ALL_PANES, &l);
    assert_false(l.tabbed);
    for (int p = 0; p < PANE_COUNT; p++)
        assert_true(l.visible[p]);
    /* Three rows of two; the top row is the tallest. */
    assert_int_equal(l.pane[PANE_GROUPS].y, l.pane[PANE_INSTANCES].y);
    assert_int_equal(l.pane[PANE_TARGETS].y, l.pane[PANE_IMAGES].y);
    assert_int_equal(l.pane[PANE_REFRESH].y, l.pane[PANE_ACTIVITY].y);
    assert_true(l.pane[PANE_GROUPS].h >= l.pane[PANE_TARGETS].h);
    assert_int_equal(l.pane[PANE_REFRESH].y + l.pane[PANE_REFRESH].h, 59);
    assert_true(l.pane[PANE_INSTANCES].w > l.pane[PANE_GROUPS].w);
}

static void test_every_size(void **state)
{
    (void)state;
    for (int cols = 80; cols <= 400; cols += 7) {
        for (int lines = 24; lines <= 120; lines += 5) {
            for (int tab = PANE_TARGETS; tab < PANE_COUNT; tab++) {
                layout l;
                layout_compute(cols, lines, tab, LAYOUT_ALL_PANES, &l);
                assert_false(l.too_small);
                int area = 0;
                for (int p = 0; p < PANE_COUNT; p++) {
                    if (!l.visible[p])
                        continue;
                    rect r = l.pane[p];
                    /* Big enough for a border, a header line and a row. */
                    assert_true(r.w >= 20 && r.h >= 4);
                    assert_true(r.x >= 0 && r.y >= 1 && r.x + r.w <= cols && r.y + r.h <= lines - 1);
                    area += r.w * r.h;
                    for (int q = p + 1; q < PANE_COUNT; q++)
                        if (l.visible[q])
                            assert_false(overlap(r, l.pane[q]));
                }
                assert_int_equal(area, cols * (lines - 2)); /* the body is tiled exactly */
            }
        }
    }
}

static void test_column_widths(void **state)
{
    (void)state;
    static const lv_column cols[] = {
        { .title = "ID", .min = 19, .max = 19 },   { .title = "AZ", .min = 10, .max = 12, .prio = 6 },
        { .title = "STATE", .min = 9, .max = 20 }, { .title = "TYPE", .min = 8, .max = 12, .prio = 1 },
        { .title = "DESC", .min = 10, .prio = 3 },
    };
    int want[5] = { 19, 10, 9, 8, 40 }, w[5];
    /* Wide: all shown, the flexible column takes what is left. */
    assert_int_equal(lv_column_widths(cols, 5, want, 120, w), 5);
    assert_int_equal(w[0], 19);
    assert_int_equal(w[2], 9);
    assert_int_equal(w[0] + w[1] + w[2] + w[3] + w[4] + 4, 120);
    /* Narrow: TYPE (prio 1) goes first, then DESC (3); ID and STATE always stay. */
    assert_int_equal(lv_column_widths(cols, 5, want, 19 + 10 + 9 + 10 + 3, w), 4);
    assert_int_equal(w[3], 0);
    assert_true(w[4] >= 10);
    assert_int_equal(lv_column_widths(cols, 5, want, 40, w), 3);
    assert_int_equal(w[4], 0);
    assert_int_equal(w[3], 0);
    assert_int_equal(w[1], 10);
    assert_int_equal(lv_column_widths(cols, 5, want, 29, w), 2);
    assert_int_equal(w[1], 0);
}

/* Widths follow the content: a capped column gets what its content needs up to its
 * cap (never a long name's column stretched over the rest) and keeps its min, and
 * the free-text column takes what remains. */
static void test_column_widths_follow_content(void **state)
{
    (void)state;
    static const lv_column cols[] = {
        { .title = "NAME", .min = 12, .max = 64 },
        { .title = "SIZE", .min = 6, .max = 14, .prio = 5 },
        { .title = "STATUS", .min = 10, .max = 20 },
        { .title = "REASON", .min = 6, .prio = 1 },
    };
    int want[4] = { 7, 12, 10, 150 }, w[4];
    assert_int_equal(lv_column_widths(cols, 4, want, 200, w), 4);
    assert_int_equal(w[0], 12); /* "web-asg" at its min, not the rest */
    assert_int_equal(w[1], 12); /* "500/100/1000" whole */
    assert_int_equal(w[2], 10);
    assert_int_equal(w[3], 200 - 12 - 12 - 10 - 3);
    /* Too narrow for all of it: the capped columns first, the reason the rest. */
    assert_int_equal(lv_column_widths(cols, 4, want, 60, w), 4);
    assert_int_equal(w[1], 12);
    assert_int_equal(w[2], 10);
    assert_int_equal(w[0] + w[1] + w[2] + w[3] + 3, 60);
    assert_true(w[3] >= 6);
    /* A cap bounds a long value; no free-text column: the row ends in blanks. */
    static const lv_column capped[] = { { .title = "NAME", .min = 12, .max = 64 },
                                        { .title = "CHECK", .min = 5, .max = 16, .prio = 1 } };
    int want2[2] = { 100, 3 };
    assert_int_equal(lv_column_widths(capped, 2, want2, 200, w), 2);
    assert_int_equal(w[0], 64);
    assert_int_equal(w[1], 5);
}

/* panes.def is the one list: numbers 1..N in order, names and places unique,
 * rows from 0 without gaps and at most two panes to a row, each with its ops, a
 * focus action named after it on its number key, and a scope of its own. */
static void test_registry(void **state)
{
    (void)state;
    int per_row[LAYOUT_ROWS] = { 0 };
    for (int p = 0; p < PANE_COUNT; p++) {
        const pane_entry *e = &panes_all[p];
        assert_non_null(e->ops);
        assert_non_null(e->ops->on_model_change);
        assert_int_equal(e->number, p + 1);
        assert_true(e->name && *e->name && e->title && *e->title);
        for (int q = 0; q < p; q++) {
            assert_string_not_equal(e->name, panes_all[q].name);
            assert_false(pane_places[p].row == pane_places[q].row && pane_places[p].col == pane_places[q].col);
        }
        assert_in_range(pane_places[p].row, 0, LAYOUT_ROWS - 1);
        assert_in_range(pane_places[p].col, 0, 1);
        per_row[pane_places[p].row]++;
        char name[64];
        snprintf(name, sizeof name, "focus_%s", e->name);
        action_id a = keymap_action_by_name(name);
        assert_int_not_equal(a, ACT_NONE);
        assert_int_equal(keymap_focus_pane(a), p);
        char key[8];
        snprintf(key, sizeof key, "%d", e->number);
        assert_string_equal(keymap_actions[a].keys[0], key);
    }
    assert_int_equal(keymap_focus_pane(ACT_QUIT), -1);
    bool gap = false;
    for (int r = 0; r < LAYOUT_ROWS; r++) {
        assert_true(per_row[r] <= 2);
        if (!per_row[r])
            gap = true;
        else
            assert_false(gap); /* a used row after an empty one */
    }
    assert_true(per_row[0] >= 1);
    assert_true(layout_first_tab(LAYOUT_ALL_PANES) >= 0 && layout_in_tab_area(layout_first_tab(LAYOUT_ALL_PANES)));
}

/* Every registered pane has a rectangle: in the wide layout all of them, tiling
 * the body exactly; in the narrow one row 0's panes and the chosen tab. */
static void test_registry_layouts(void **state)
{
    (void)state;
    layout l;
    layout_compute(200, 50, layout_first_tab(LAYOUT_ALL_PANES), LAYOUT_ALL_PANES, &l);
    long area = 0;
    for (int p = 0; p < PANE_COUNT; p++) {
        assert_true(l.visible[p]);
        assert_true(l.pane[p].w > 0 && l.pane[p].h > 0);
        area += (long)l.pane[p].w * l.pane[p].h;
    }
    assert_int_equal(area, (long)l.body.w * l.body.h);
    for (int tab = 0; tab < PANE_COUNT; tab++) {
        if (!layout_in_tab_area(tab))
            continue;
        layout_compute(100, 30, tab, LAYOUT_ALL_PANES, &l);
        assert_true(l.tabbed);
        for (int p = 0; p < PANE_COUNT; p++) {
            assert_true(l.pane[p].w > 0 && l.pane[p].h > 0);
            assert_int_equal(l.visible[p], !layout_in_tab_area(p) || p == tab);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_too_small),     cmocka_unit_test(test_80x24),
        cmocka_unit_test(test_220x60),        cmocka_unit_test(test_every_size),
        cmocka_unit_test(test_column_widths), cmocka_unit_test(test_column_widths_follow_content),
        cmocka_unit_test(test_registry),      cmocka_unit_test(test_registry_layouts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
