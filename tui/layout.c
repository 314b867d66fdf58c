/* layout.c — pane rectangles for a terminal size (see layout.h for the shapes). */
#include "layout.h"

#include <string.h>

const pane_place pane_places[PANE_COUNT] = {
#define PANE(ID, name, title, number, row, col) [PANE_##ID] = { row, col },
#include "panes.def"
#undef PANE
};

static bool placed(unsigned panes, int p)
{
    return p >= 0 && p < PANE_COUNT && (panes & LAYOUT_PANE_BIT(p));
}

static rect mk(int y, int x, int h, int w)
{
    return (rect){ y, x, h, w };
}

void layout_compute(int cols, int lines, int tab_pane, unsigned panes, layout *out)
{
    memset(out, 0, sizeof *out);
    out->cols = cols;
    out->lines = lines;
    if (cols < LAYOUT_MIN_COLS || lines < LAYOUT_MIN_LINES) {
        out->too_small = true;
        return;
    }
    out->header = mk(0, 0, 1, cols);
    out->status = mk(lines - 1, 0, 1, cols);
    out->body = mk(1, 0, lines - 2, cols);
    int top = 1, h = lines - 2;

    if (cols >= LAYOUT_WIDE_COLS && lines >= LAYOUT_WIDE_LINES) {
        /* Rows of panes as panes.def places them. The top row gets a little more
         * (it holds the most rows) and its left pane is narrower (Groups is
         * narrower than Instances); a pane alone in its row is full width. */
        /* Rows with no pane to place close up. */
        int row_of[LAYOUT_ROWS], rows = 0;
        for (int r = 0; r < LAYOUT_ROWS; r++) {
            row_of[r] = -1;
            for (int p = 0; p < PANE_COUNT && row_of[r] < 0; p++)
                if (placed(panes, p) && pane_places[p].row == r)
                    row_of[r] = rows++;
        }
        if (rows == 0)
            return;
        int row_y[LAYOUT_ROWS + 1], y = top;
        for (int r = 0; r < rows; r++) {
            int rh = rows == 1 ? h : r == 0 ? h * 2 / 5 : (h - h * 2 / 5) / (rows - 1);
            if (r == rows - 1)
                rh = top + h - y;
            row_y[r] = y;
            y += rh;
        }
        row_y[rows] = top + h;
        for (int p = 0; p < PANE_COUNT; p++) {
            if (!placed(panes, p))
                continue;
            int r = row_of[pane_places[p].row];
            bool alone = true;
            for (int q = 0; q < PANE_COUNT; q++)
                alone &= q == p || !placed(panes, q) || pane_places[q].row != pane_places[p].row;
            int split = r == 0 ? cols * 2 / 5 : cols / 2;
            int x = alone || pane_places[p].col == 0 ? 0 : split;
            int w = alone ? cols : pane_places[p].col == 0 ? split : cols - split;
            out->pane[p] = mk(row_y[r], x, row_y[r + 1] - row_y[r], w);
            out->visible[p] = true;
        }
        return;
    }
    /* Top half: the panes of row 0; bottom: one tabbed pane. */
    out->tabbed = true;
    int h1 = h / 2, h2 = h - h1;
    int lw = cols * 3 / 8;
    if (lw < 28)
        lw = 28;
    if (!layout_in_tab_area(tab_pane) || !placed(panes, tab_pane))
        tab_pane = layout_first_tab(panes);
    for (int p = 0; p < PANE_COUNT; p++) {
        if (!placed(panes, p))
            continue;
        if (layout_in_tab_area(p)) {
            out->pane[p] = mk(top + h1, 0, h2, cols);
            out->visible[p] = p == tab_pane;
            continue;
        }
        bool alone = true;
        for (int q = 0; q < PANE_COUNT; q++)
            alone &= q == p || !placed(panes, q) || layout_in_tab_area(q);
        int x = alone || pane_places[p].col == 0 ? 0 : lw;
        int w = alone ? cols : pane_places[p].col == 0 ? lw : cols - lw;
        out->pane[p] = mk(top, x, h1, w);
        out->visible[p] = true;
    }
}

bool layout_in_tab_area(int pane)
{
    return pane >= 0 && pane < PANE_COUNT && pane_places[pane].row > 0;
}

int layout_first_tab(unsigned panes)
{
    for (int p = 0; p < PANE_COUNT; p++)
        if (layout_in_tab_area(p) && placed(panes, p))
            return p;
    return -1;
}

int layout_pane_at(const layout *l, int y, int x)
{
    if (l->too_small)
        return -1;
    for (int p = 0; p < PANE_COUNT; p++) {
        const rect *r = &l->pane[p];
        if (l->visible[p] && y >= r->y && y < r->y + r->h && x >= r->x && x < r->x + r->w)
            return p;
    }
    return -1;
}
