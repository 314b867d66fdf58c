/* layout.c — pane rectangles for a terminal size and what the panes hold (see
 * layout.h for the shapes). */
#include "layout.h"

#include <string.h>

const pane_place pane_places[PANE_COUNT] = {
#define PANE(ID, name, title, number, row, col, min_rows) [PANE_##ID] = { row, col, min_rows },
#include "panes.def"
#undef PANE
};

/* A pane's box: its border (2) and its column headers (1) around its rows. */
#define CHROME 3

static bool placed(unsigned panes, int p)
{
    return p >= 0 && p < PANE_COUNT && (panes & LAYOUT_PANE_BIT(p));
}

static rect mk(int y, int x, int h, int w)
{
    return (rect){ y, x, h, w };
}

/* Unknown content (want < 0) asks for as much as there is. */
#define WANT_UNKNOWN 10000

static int want_of(const layout_req *q, int p)
{
    int min = pane_places[p].min_rows;
    if (q->want[p] < 0)
        return WANT_UNKNOWN;
    return q->want[p] > min ? q->want[p] : min;
}

/* Heights for n stacked boxes in h lines: each at least min[i]; the lines left go
 * to the boxes short of their content's want, fairly (a box that needs less than
 * an equal share gets all it needs, the others share the rest: two groups never
 * starve for a long activity list); what no content asks for is shared out evenly
 * (the last box takes the remainder). False when even the minimums do not fit. */
static bool share_heights(int n, const int *min, const int *want, int h, int *out)
{
    int used = 0;
    for (int i = 0; i < n; i++) {
        out[i] = min[i];
        used += min[i];
    }
    if (used > h)
        return false;
    int extra = h - used;
    for (;;) {
        int hungry = 0;
        for (int i = 0; i < n; i++)
            hungry += want[i] > out[i];
        if (!hungry || extra <= 0)
            break;
        int share = extra / hungry;
        bool filled = false;
        for (int i = 0; i < n; i++) {
            int short_by = want[i] - out[i];
            if (short_by > 0 && short_by <= share) {
                out[i] += short_by;
                extra -= short_by;
                filled = true;
            }
        }
        if (filled)
            continue;
        /* Everyone wants more than a share: each gets one, the first ones the remainder. */
        int rest = extra - share * hungry;
        for (int i = 0; i < n; i++)
            if (want[i] > out[i]) {
                int give = share + (rest > 0);
                rest -= rest > 0;
                out[i] += give;
                extra -= give;
            }
        break;
    }
    for (int i = 0; i < n && extra > 0; i++) {
        int share = i == n - 1 ? extra : extra / (n - i);
        out[i] += share;
        extra -= share;
    }
    return true;
}

/* The panes of each used row, in row order (rows with no pane to place close up). */
static int rows_of(unsigned panes, int row_of[LAYOUT_ROWS])
{
    int rows = 0;
    for (int r = 0; r < LAYOUT_ROWS; r++) {
        row_of[r] = -1;
        for (int p = 0; p < PANE_COUNT && row_of[r] < 0; p++)
            if (placed(panes, p) && pane_places[p].row == r)
                row_of[r] = rows++;
    }
    return rows;
}

/* Every pane in its row and column: rows sized by their content. False when the
 * minimums do not fit (the caller falls back to tabs). */
static bool place_all(const layout_req *q, int top, int h, layout *out)
{
    int row_of[LAYOUT_ROWS];
    int rows = rows_of(q->panes, row_of);
    if (rows == 0)
        return true;
    int min[LAYOUT_ROWS] = { 0 }, want[LAYOUT_ROWS] = { 0 }, height[LAYOUT_ROWS];
    for (int p = 0; p < PANE_COUNT; p++) {
        if (!placed(q->panes, p))
            continue;
        int r = row_of[pane_places[p].row];
        if (pane_places[p].min_rows + CHROME > min[r])
            min[r] = pane_places[p].min_rows + CHROME;
        if (want_of(q, p) + CHROME > want[r])
            want[r] = want_of(q, p) + CHROME;
    }
    if (!share_heights(rows, min, want, h, height))
        return false;
    int row_y[LAYOUT_ROWS + 1], y = top;
    for (int r = 0; r < rows; r++) {
        row_y[r] = y;
        y += height[r];
    }
    row_y[rows] = y;
    int cols = q->cols;
    for (int p = 0; p < PANE_COUNT; p++) {
        if (!placed(q->panes, p))
            continue;
        int r = row_of[pane_places[p].row];
        bool alone = true;
        for (int o = 0; o < PANE_COUNT; o++)
            alone &= o == p || !placed(q->panes, o) || pane_places[o].row != pane_places[p].row;
        /* The top row's left pane (Groups) is narrower than its neighbour (Instances). */
        int split = pane_places[p].row == 0 ? cols * 2 / 5 : cols / 2;
        int x = alone || pane_places[p].col == 0 ? 0 : split;
        int w = alone ? cols : pane_places[p].col == 0 ? split : cols - split;
        out->pane[p] = mk(row_y[r], x, row_y[r + 1] - row_y[r], w);
        out->visible[p] = true;
    }
    return true;
}

/* Row 0's panes on top, as tall as their content asks (at most half the body, at
 * least their minimum); below, the chosen tab, with the companion under it when
 * both fit their minimums. */
static void place_tabbed(const layout_req *q, int top, int h, layout *out)
{
    out->tabbed = true;
    int cols = q->cols, tab = q->tab_pane;
    if (!layout_in_tab_area(tab) || !placed(q->panes, tab))
        tab = layout_first_tab(q->panes);
    int top_min = 0, top_want = 0;
    bool has_top = false;
    for (int p = 0; p < PANE_COUNT; p++) {
        if (!placed(q->panes, p) || layout_in_tab_area(p))
            continue;
        has_top = true;
        if (pane_places[p].min_rows + CHROME > top_min)
            top_min = pane_places[p].min_rows + CHROME;
        if (want_of(q, p) + CHROME > top_want)
            top_want = want_of(q, p) + CHROME;
    }
    int h1 = 0;
    if (has_top && tab >= 0) {
        int bottom_min = pane_places[tab].min_rows + CHROME;
        h1 = top_want < h / 2 ? top_want : h / 2;
        if (h1 < top_min)
            h1 = top_min;
        if (h - h1 < bottom_min)
            h1 = h - bottom_min > top_min ? h - bottom_min : h / 2;
    } else if (has_top) {
        h1 = h;
    }
    int lw = cols * 3 / 8;
    if (lw < 28)
        lw = 28;
    for (int p = 0; p < PANE_COUNT; p++) {
        if (!placed(q->panes, p) || layout_in_tab_area(p))
            continue;
        bool alone = true;
        for (int o = 0; o < PANE_COUNT; o++)
            alone &= o == p || !placed(q->panes, o) || layout_in_tab_area(o);
        int x = alone || pane_places[p].col == 0 ? 0 : lw;
        int w = alone ? cols : pane_places[p].col == 0 ? lw : cols - lw;
        out->pane[p] = mk(top, x, h1, w);
        out->visible[p] = true;
    }
    if (tab < 0)
        return;
    int h2 = h - h1, y2 = top + h1;
    int mate = q->companion;
    bool with_mate = mate != tab && layout_in_tab_area(mate) && placed(q->panes, mate) &&
        h2 >= pane_places[tab].min_rows + pane_places[mate].min_rows + 2 * CHROME;
    for (int p = 0; p < PANE_COUNT; p++)
        if (placed(q->panes, p) && layout_in_tab_area(p))
            out->pane[p] = mk(y2, 0, h2, cols); /* where a tab is drawn when chosen */
    if (with_mate) {
        int min2[2] = { pane_places[tab].min_rows + CHROME, pane_places[mate].min_rows + CHROME };
        int want2[2] = { want_of(q, tab) + CHROME, want_of(q, mate) + CHROME };
        int hh[2];
        share_heights(2, min2, want2, h2, hh);
        out->pane[tab] = mk(y2, 0, hh[0], cols);
        out->pane[mate] = mk(y2 + hh[0], 0, hh[1], cols);
        out->visible[mate] = true;
        out->mate = mate;
    }
    out->visible[tab] = true;
}

void layout_fit(const layout_req *q, layout *out)
{
    memset(out, 0, sizeof *out);
    out->cols = q->cols;
    out->lines = q->lines;
    out->mate = -1;
    if (q->cols < LAYOUT_MIN_COLS || q->lines < LAYOUT_MIN_LINES) {
        out->too_small = true;
        return;
    }
    out->header = mk(0, 0, 1, q->cols);
    out->status = mk(q->lines - 1, 0, 1, q->cols);
    out->body = mk(1, 0, q->lines - 2, q->cols);
    int top = 1, h = q->lines - 2;
    if (q->cols >= LAYOUT_WIDE_COLS && q->lines >= LAYOUT_WIDE_LINES && place_all(q, top, h, out))
        return;
    memset(out->pane, 0, sizeof out->pane);
    memset(out->visible, 0, sizeof out->visible);
    place_tabbed(q, top, h, out);
}

void layout_compute(int cols, int lines, int tab_pane, unsigned panes, layout *out)
{
    layout_req q = { .cols = cols, .lines = lines, .tab_pane = tab_pane, .panes = panes, .companion = -1 };
    for (int p = 0; p < PANE_COUNT; p++)
        q.want[p] = -1;
    layout_fit(&q, out);
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
