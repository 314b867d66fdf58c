/* listview.h — the one table widget every list pane uses: columns that drop out
 * by priority when narrow, a selection that follows its row's id across updates,
 * scrolling, a `/` filter, and the cells that changed highlighted for a moment
 * (a new row: all of it).
 * A pane only produces rows (lv_begin / lv_add / lv_set / lv_end); every cell is
 * sanitized here, at draw time, so no pane can forget it. */
#ifndef TARMAC_LISTVIEW_H
#define TARMAC_LISTVIEW_H

#include <curses.h>
#include <stdbool.h>
#include <stdint.h>

#include "keymap.h"
#include "util.h"

#define LV_MAX_COLS     10
#define LV_HIGHLIGHT_MS 2000 /* how long a changed row stays highlighted */
#define LV_WHOLE_LINES  4    /* at most this many lines show a cut cell whole */

typedef struct lv_column {
    const char *title;
    int min;    /* narrowest width worth showing */
    int max;    /* widest it grows to, as its content needs (0: free text,
                                  * such as a reason: it takes what the others leave) */
    int prio;   /* dropped first when narrow: lowest prio (0 = never) */
    bool right; /* right-aligned (numbers) */
    bool quiet; /* its changes are not highlighted: ages, details filled in later */
    bool ticks; /* changes with the clock (an age): never emphasized, so its
                                  * minute tick is a few plain bytes on the link */
    bool whole; /* text that matters whole (a reason, a cause): when the selected
                 * row's cell is cut, the list's last lines show it wrapped */
} lv_column;

typedef struct lv_row {
    char *id; /* stable identity (instance id, tag, ...) */
    char *cells[LV_MAX_COLS];
    int role;                           /* theme role of the row (ROLE_NORMAL ...) */
    bool child;                         /* belongs to the row above (another tag of one image):
                                    a filter shows or hides them together */
    signed char cell_role[LV_MAX_COLS]; /* -1: the row's role */
    uint64_t hash;
    int64_t changed_at;                   /* monotonic ms of the row's last change, 0 if none */
    int64_t cell_changed_at[LV_MAX_COLS]; /* per cell: only what changed is highlighted */
} lv_row;

typedef VEC(lv_row) lv_row_vec;

typedef struct listview {
    const lv_column *cols;
    int ncols;
    lv_row_vec rows;
    lv_row_vec next; /* being built between lv_begin and lv_end */
    VEC(int) vis;    /* indices of rows passing the filter */
    int sel;         /* index into vis */
    int top;         /* first vis index shown */
    char *sel_id;
    char filter[128];
    bool loaded;      /* rows arrived once: later new rows count as changes */
    bool follow_head; /* newest-first list: a selection on the first row stays
                                    on the first row when newer rows arrive (tail -f) */
    int page;         /* rows shown at the last draw */
    int drawn_y;      /* window line of the header at the last draw (mouse) */
    /* Column widths only grow while the pane keeps its width and its rows' owner, so a
     * changing cell does not shift every column after it (a repaint of the whole pane
     * on a slow link). */
    int sticky_want[LV_MAX_COLS];
    int sticky_width;
} listview;

void lv_init(listview *lv, const lv_column *cols, int ncols);
void lv_free(listview *lv);

void lv_begin(listview *lv);
lv_row *lv_add(listview *lv, const char *id);
void lv_set(lv_row *r, int col, const char *text); /* copies; NULL = "" */
void lv_setf(lv_row *r, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void lv_cell_role(lv_row *r, int col, int role);
/* Replaces the rows, keeps the selection on the same id, marks changed rows. */
void lv_end(listview *lv, int64_t now_mono);

/* Moves the selection for ACT_UP/DOWN/TOP/BOTTOM/PAGE_UP/PAGE_DOWN. Returns true
 * if the action was one of those (handled), setting *moved when the row changed. */
bool lv_move(listview *lv, action_id a, bool *moved);
/* Selects the row shown at line `line` of the body (0 = first row under the header). */
bool lv_click(listview *lv, int line);
bool lv_select_id(listview *lv, const char *id);
const lv_row *lv_selected(const listview *lv);
const char *lv_selected_id(const listview *lv);
size_t lv_count(const listview *lv); /* rows passing the filter */
void lv_set_filter(listview *lv, const char *filter);

/* Where the list is scrolled, as of the last draw: "3-12/40" (the rows shown and
 * how many pass the filter), "0/0" when none. Returns the text's length. */
int lv_position(const listview *lv, char *buf, size_t len);

/* Earliest monotonic time a highlight ends (0: none pending). */
int64_t lv_next_fade(const listview *lv, int64_t now_mono);

/* Draws the header line and the rows into w's rectangle (y, x, h, width).
 * attrs is indexed by theme role. */
void lv_draw(listview *lv, WINDOW *w, int y, int x, int h, int width, const unsigned long *attrs, bool focused,
             bool ascii, int64_t now_mono);

/* Column widths for a total width: 0 for a dropped column. Columns are taken by
 * priority at their min; the capped ones then
 * grow to their content (want) up to max; the free-text ones (max 0) get the rest.
 * Returns how many are shown. */
int lv_column_widths(const lv_column *cols, int ncols, const int *want, int width, int *out);

#endif
