/* layout.h — where each pane goes for a terminal size: a pure function of the
 * size and the pane shown in the tabbed area, so it is testable without a terminal.
 *   >= 160 columns and >= 36 lines: all six panes in three rows of two;
 *   >= 80x24: Groups | Instances on top, one of the other four below in a tabbed area;
 *   smaller: nothing but a "terminal too small" notice. */
#ifndef TARMAC_LAYOUT_H
#define TARMAC_LAYOUT_H

#include <stdbool.h>

#define LAYOUT_MIN_COLS 80
#define LAYOUT_MIN_LINES 24
#define LAYOUT_WIDE_COLS 160
#define LAYOUT_WIDE_LINES 36

enum { PANE_GROUPS, PANE_INSTANCES, PANE_TARGETS, PANE_IMAGES, PANE_REFRESH, PANE_ACTIVITY,
       PANE_COUNT };

typedef struct rect { int y, x, h, w; } rect;

typedef struct layout {
    int cols, lines;
    bool too_small;
    bool tabbed;                 /* the bottom area shows one of several panes */
    rect header, status, body;
    rect pane[PANE_COUNT];
    bool visible[PANE_COUNT];
} layout;

/* tab_pane: which of PANE_TARGETS..PANE_ACTIVITY the tabbed area shows. */
void layout_compute(int cols, int lines, int tab_pane, layout *out);
/* The visible pane containing (y, x), or -1. */
int layout_pane_at(const layout *l, int y, int x);

#endif
