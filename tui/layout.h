/* layout.h — where each pane goes for a terminal size: a pure function of the
 * size and the pane shown in the tabbed area, so it is testable without a terminal.
 *   >= 160 columns and >= 36 lines: every pane, in the rows and columns panes.def gives;
 *   >= 80x24: the panes of row 0 on top, one of the others below in a tabbed area;
 *   smaller: nothing but a "terminal too small" notice. */
#ifndef TARMAC_LAYOUT_H
#define TARMAC_LAYOUT_H

#include <stdbool.h>

#define LAYOUT_MIN_COLS 80
#define LAYOUT_MIN_LINES 24
#define LAYOUT_WIDE_COLS 160
#define LAYOUT_WIDE_LINES 36

enum {
#define PANE(ID, name, title, number, row, col) PANE_##ID,
#include "panes.def"
#undef PANE
    PANE_COUNT
};

/* Where each pane goes in the wide layout (panes.def's row and col). */
typedef struct pane_place { int row, col; } pane_place;
extern const pane_place pane_places[PANE_COUNT];
#define LAYOUT_ROWS 4          /* panes.def may use rows 0..3 */

typedef struct rect { int y, x, h, w; } rect;

typedef struct layout {
    int cols, lines;
    bool too_small;
    bool tabbed;                 /* the bottom area shows one of several panes */
    rect header, status, body;
    rect pane[PANE_COUNT];
    bool visible[PANE_COUNT];
} layout;

/* A set of panes (the app kind's, kinds/kind.h): bit 1 << PANE_x. */
#define LAYOUT_PANE_BIT(p) (1u << (p))
#define LAYOUT_ALL_PANES ((1u << PANE_COUNT) - 1)

/* panes: the panes to place (LAYOUT_PANE_BIT mask); the others are not visible.
 * tab_pane: which of the tabbed area's panes it shows (another value: the first). */
void layout_compute(int cols, int lines, int tab_pane, unsigned panes, layout *out);
/* True for a pane that shares the narrow layout's tabbed area (row > 0). */
bool layout_in_tab_area(int pane);
/* The first pane of the tabbed area among panes (the default tab), or -1. */
int layout_first_tab(unsigned panes);
/* The visible pane containing (y, x), or -1. */
int layout_pane_at(const layout *l, int y, int x);

#endif
