/* layout.h — where each pane goes for a terminal size: a pure function of the
 * size, how many rows each pane's content has, and the pane shown in the tabbed
 * area, so it is testable without a terminal.
 *   >= 120 columns and >= 30 lines, when every pane fits its panes.def minimum:
 *     every pane, in the rows and columns panes.def gives, each row as tall as its
 *     content asks (two groups take three rows, not sixteen), the rest shared;
 *   >= 80x24: the panes of row 0 on top (as tall as their content, at most half),
 *     below them the chosen tab, and its companion under it where both fit;
 *   smaller: nothing but a "terminal too small" notice. */
#ifndef TARMAC_LAYOUT_H
#define TARMAC_LAYOUT_H

#include <stdbool.h>

#define LAYOUT_MIN_COLS   80
#define LAYOUT_MIN_LINES  24
#define LAYOUT_WIDE_COLS  120
#define LAYOUT_WIDE_LINES 30

enum {
#define PANE(ID, name, title, number, row, col, min_rows) PANE_##ID,
#include "panes.def"
#undef PANE
    PANE_COUNT
};

/* Where each pane goes in the wide layout (panes.def's row and col). */
typedef struct pane_place {
    int row, col, min_rows;
} pane_place;
extern const pane_place pane_places[PANE_COUNT];
#define LAYOUT_ROWS 4 /* panes.def may use rows 0..3 */

typedef struct rect {
    int y, x, h, w;
} rect;

typedef struct layout {
    int cols, lines;
    bool too_small;
    bool tabbed; /* the bottom area shows one of several panes */
    rect header, status, body;
    rect pane[PANE_COUNT];
    bool visible[PANE_COUNT];
    int mate; /* the companion shown under the tab, or -1 */
} layout;

/* What the layout is asked to fit. */
typedef struct layout_req {
    int cols, lines;
    int tab_pane;         /* the tabbed area's pane (another value: the first) */
    unsigned panes;       /* the panes to place (LAYOUT_PANE_BIT mask) */
    int want[PANE_COUNT]; /* rows each pane's content has (< 0: unknown, as many as there are) */
    int companion;        /* shown under the tab where both fit (-1: none) */
} layout_req;

void layout_fit(const layout_req *q, layout *out);

/* A set of panes (the app kind's, kinds/kind.h): bit 1 << PANE_x. */
#define LAYOUT_PANE_BIT(p) (1u << (p))
#define LAYOUT_ALL_PANES   ((1u << PANE_COUNT) - 1)

/* layout_fit with no content known (every pane asks for as much as there is) and
 * no companion. */
void layout_compute(int cols, int lines, int tab_pane, unsigned panes, layout *out);
/* True for a pane that shares the narrow layout's tabbed area (row > 0). */
bool layout_in_tab_area(int pane);
/* The first pane of the tabbed area among panes (the default tab), or -1. */
int layout_first_tab(unsigned panes);
/* The visible pane containing (y, x), or -1. */
int layout_pane_at(const layout *l, int y, int x);

#endif
