/* layout.c — pane rectangles for a terminal size (see layout.h for the shapes). */
#include "layout.h"

#include <string.h>

static rect mk(int y, int x, int h, int w)
{
    return (rect){ y, x, h, w };
}

void layout_compute(int cols, int lines, int tab_pane, layout *out)
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
        /* Three rows: Groups | Instances, Targets | Images, Refresh | Activity.
         * The top row gets a little more: it holds the most rows. */
        int h1 = h * 2 / 5, h2 = (h - h1) / 2, h3 = h - h1 - h2;
        int lw1 = cols * 2 / 5;      /* Groups is narrower than Instances */
        int lw = cols / 2;
        out->pane[PANE_GROUPS] = mk(top, 0, h1, lw1);
        out->pane[PANE_INSTANCES] = mk(top, lw1, h1, cols - lw1);
        out->pane[PANE_TARGETS] = mk(top + h1, 0, h2, lw);
        out->pane[PANE_IMAGES] = mk(top + h1, lw, h2, cols - lw);
        out->pane[PANE_REFRESH] = mk(top + h1 + h2, 0, h3, lw);
        out->pane[PANE_ACTIVITY] = mk(top + h1 + h2, lw, h3, cols - lw);
        for (int p = 0; p < PANE_COUNT; p++)
            out->visible[p] = true;
        return;
    }
    /* Top half: Groups | Instances; bottom: one tabbed pane. */
    out->tabbed = true;
    int h1 = h / 2, h2 = h - h1;
    int lw = cols * 3 / 8;
    if (lw < 28)
        lw = 28;
    out->pane[PANE_GROUPS] = mk(top, 0, h1, lw);
    out->pane[PANE_INSTANCES] = mk(top, lw, h1, cols - lw);
    out->visible[PANE_GROUPS] = out->visible[PANE_INSTANCES] = true;
    if (tab_pane < PANE_TARGETS || tab_pane >= PANE_COUNT)
        tab_pane = PANE_TARGETS;
    for (int p = PANE_TARGETS; p < PANE_COUNT; p++)
        out->pane[p] = mk(top + h1, 0, h2, cols);
    out->visible[tab_pane] = true;
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
