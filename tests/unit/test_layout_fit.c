/* test_layout_fit.c — the layout sized by content: at 120x40 every pane is shown
 * with at least its panes.def minimum; rows take the lines their content asks for
 * (two groups do not get sixteen rows) and share the rest; the tabbed layout keeps
 * the top as short as its content, and shows a companion (Targets) under the
 * chosen tab (Refresh) where both fit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "layout.h"

#define ROWS(l, p) ((l).pane[p].h - 3) /* list rows inside border and headers */

static void check_tiles(const layout *l)
{
    long area = 0;
    for (int p = 0; p < PANE_COUNT; p++) {
        if (!l->visible[p])
            continue;
        const rect *r = &l->pane[p];
        assert_true(r->y >= 1 && r->x >= 0 && r->y + r->h <= l->lines - 1 && r->x + r->w <= l->cols);
        area += (long)r->w * r->h;
        for (int q = p + 1; q < PANE_COUNT; q++) {
            const rect *o = &l->pane[q];
            if (l->visible[q])
                assert_false(r->x < o->x + o->w && o->x < r->x + r->w && r->y < o->y + o->h && o->y < r->y + r->h);
        }
    }
    assert_int_equal(area, (long)l->body.w * l->body.h);
}

static void test_six_panes_at_120x40(void **state)
{
    (void)state;
    layout_req q = { .cols = 120, .lines = 40, .tab_pane = PANE_TARGETS, .panes = LAYOUT_ALL_PANES, .companion = -1 };
    /* The demo's content: 2 groups, 4 instances, 4 targets, 8 images, a refresh, 30 activities. */
    int want[PANE_COUNT] = { [PANE_GROUPS] = 2, [PANE_INSTANCES] = 4, [PANE_TARGETS] = 4,
                             [PANE_IMAGES] = 8, [PANE_REFRESH] = 6,   [PANE_ACTIVITY] = 30 };
    memcpy(q.want, want, sizeof want);
    layout l;
    layout_fit(&q, &l);
    assert_false(l.tabbed);
    for (int p = 0; p < PANE_COUNT; p++) {
        assert_true(l.visible[p]);
        assert_true(ROWS(l, p) >= pane_places[p].min_rows);
    }
    /* The top row holds what its content needs (4 instances), not 2/5 of the screen. */
    assert_int_equal(ROWS(l, PANE_INSTANCES), 4);
    /* Every pane shows all of its rows here except Activity, which takes the rest. */
    assert_true(ROWS(l, PANE_IMAGES) >= 8);
    assert_true(ROWS(l, PANE_REFRESH) >= 6);
    check_tiles(&l);
    /* With nothing known yet every pane still has its minimum. */
    layout_compute(120, 40, PANE_TARGETS, LAYOUT_ALL_PANES, &l);
    assert_false(l.tabbed);
    check_tiles(&l);
}

static void test_rows_follow_content(void **state)
{
    (void)state;
    layout_req q = { .cols = 200, .lines = 50, .tab_pane = -1, .panes = LAYOUT_ALL_PANES, .companion = -1 };
    q.want[PANE_GROUPS] = 2;
    q.want[PANE_INSTANCES] = 3;
    q.want[PANE_ACTIVITY] = 200;
    layout l;
    layout_fit(&q, &l);
    /* Groups and Instances need 4 rows (the minimum of Instances): they get them and
     * no more, while Activity, which has 200, gets the lines left over. */
    assert_int_equal(l.pane[PANE_GROUPS].h, 4 + 3);
    assert_true(l.pane[PANE_ACTIVITY].h > l.pane[PANE_TARGETS].h);
    check_tiles(&l);
    /* Content shorter than every minimum: the rows share the body evenly-ish. */
    memset(q.want, 0, sizeof q.want);
    layout_fit(&q, &l);
    check_tiles(&l);
}

static void test_tabbed_top_and_companion(void **state)
{
    (void)state;
    layout_req q = {
        .cols = 80, .lines = 24, .tab_pane = PANE_REFRESH, .panes = LAYOUT_ALL_PANES, .companion = PANE_TARGETS
    };
    q.want[PANE_GROUPS] = 2;
    q.want[PANE_INSTANCES] = 4;
    layout l;
    layout_fit(&q, &l);
    assert_true(l.tabbed);
    /* Refresh in front with Targets under it: both fit at 80x24 once the top is as
     * short as its content. */
    assert_true(l.visible[PANE_REFRESH] && l.visible[PANE_TARGETS]);
    assert_int_equal(l.mate, PANE_TARGETS);
    assert_int_equal(l.pane[PANE_TARGETS].y, l.pane[PANE_REFRESH].y + l.pane[PANE_REFRESH].h);
    assert_int_equal(ROWS(l, PANE_INSTANCES), 4);
    assert_false(l.visible[PANE_IMAGES] || l.visible[PANE_ACTIVITY]);
    check_tiles(&l);
    /* A top that asks for more than half gets half. */
    q.want[PANE_INSTANCES] = 50;
    layout_fit(&q, &l);
    assert_int_equal(l.pane[PANE_INSTANCES].h, 11);
    check_tiles(&l);
    /* No room for the companion: the tab alone. */
    q.companion = PANE_TARGETS;
    q.want[PANE_INSTANCES] = 4;
    q.lines = 24;
    q.tab_pane = PANE_REFRESH;
    layout_req small = q;
    small.want[PANE_INSTANCES] = 50; /* half the body on top: 11 lines below, 16 needed */
    layout_fit(&small, &l);
    assert_false(l.visible[PANE_TARGETS]);
    assert_int_equal(l.mate, -1);
    check_tiles(&l);
    /* The companion equal to the tab, or none: the tab alone. */
    q.companion = PANE_REFRESH;
    layout_fit(&q, &l);
    assert_int_equal(l.mate, -1);
    check_tiles(&l);
}

static void test_every_size_tiles(void **state)
{
    (void)state;
    for (int cols = 80; cols <= 260; cols += 9)
        for (int lines = 24; lines <= 80; lines += 3)
            for (int mate = -1; mate < PANE_COUNT; mate += 4) {
                layout_req q = {
                    .cols = cols, .lines = lines, .tab_pane = PANE_REFRESH, .panes = LAYOUT_ALL_PANES, .companion = mate
                };
                for (int p = 0; p < PANE_COUNT; p++)
                    q.want[p] = (cols * 7 + lines * 3 + p * 11) % 40;
                layout l;
                layout_fit(&q, &l);
                assert_false(l.too_small);
                check_tiles(&l);
                for (int p = 0; p < PANE_COUNT; p++)
                    if (l.visible[p])
                        assert_true(ROWS(l, p) >= pane_places[p].min_rows || l.tabbed);
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_six_panes_at_120x40),
        cmocka_unit_test(test_rows_follow_content),
        cmocka_unit_test(test_tabbed_top_and_companion),
        cmocka_unit_test(test_every_size_tiles),
    };
    return cmocka_run_group_tests_name("layout_fit", tests, NULL, NULL);
}
