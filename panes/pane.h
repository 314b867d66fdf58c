/* pane.h — the interface every pane implements: a const struct pane_ops with what
 * it is (name, title, number key, which data sets it draws), how it turns the model
 * into rows (on_model_change), how it draws (default: its listview), which keys it
 * takes (returning reaction flags the console applies), its status-line hints, the
 * detail text for Enter and the id `y` copies. Panes read watch_state; they never
 * call the network. */
#ifndef TARMAC_PANE_H
#define TARMAC_PANE_H

#include <curses.h>

#include "config.h"
#include "services/field_rules.h"
#include "deploy/live_history.h"
#include "kinds/kind.h"
#include "keymap.h"
#include "layout.h"
#include "listview.h"
#include "progress.h"
#include "theme.h"
#include "watch/watch.h"

/* What a pane sees while it works. */
typedef struct pane_ctx {
    const watch_state *ws;
    const app_config *app; /* NULL when no app */
    const char *live_tag, *stable_tag;
    app_mark mark;                 /* the app is broken: drawn in the header and on its row */
    const live_history *live_hist; /* the live tag's moves from the journal (may be empty) */
    const unsigned long *attrs;    /* curses attributes by theme role */
    bool ascii;                    /* no UTF-8: ASCII bars and boxes */
    int64_t now_mono;
    aws_time now_wall;
} pane_ctx;

/* Reaction flags: what should happen after a key; the console applies them. */
enum {
    R_NONE = 0,
    R_HANDLED = 1 << 0, /* the pane took the key */
    R_REDRAW = 1 << 1,  /* redraw this pane */
    R_REFETCH = 1 << 2, /* poll everything now */
    R_QUIT = 1 << 3,
    R_OPEN_DETAIL = 1 << 4,
    R_SELECT_ASG = 1 << 5, /* the Groups selection moved: drive the other panes */
    R_SSM = 1 << 6,        /* open an SSM shell on the selected instance */
};

typedef struct pane pane;

/* The id shapes `y` may copy from a pane's selected row (field_rules.h): the
 * value is pasted into shells, so anything else is refused. */
typedef struct copy_shapes {
    field_kind kinds[3];
    size_t n;
} copy_shapes;

/* What a pane does. What it is called, its number and its place are its line in
 * panes.def (pane_entry below). */
struct pane_ops {
    size_t priv_size;
    copy_shapes copy;  /* what `y` copies */
    watch_set primary; /* whose age and staleness the title shows */
    unsigned watches;  /* WS_BIT()s whose changes rebuild the pane */
    const lv_column *columns;
    int ncols;
    const action_id *hints; /* status-line keys when focused; ends with ACT_NONE */
    bool newest_first;      /* the selection on the first row follows new rows in
                                       (not for lists whose selection an action uses) */
    int want_extra;         /* lines it draws besides its list rows (the layout's want) */
    void (*init)(pane *p);  /* may be NULL */
    void (*free)(pane *p);  /* may be NULL */
    void (*on_model_change)(pane *p, unsigned changed, const pane_ctx *c);
    /* Draws inside the border (NULL: the listview fills the rectangle). */
    void (*draw)(pane *p, WINDOW *w, const pane_ctx *c, rect inner, bool focused);
    unsigned (*key)(pane *p, action_id a, const pane_ctx *c); /* may be NULL */
    void (*detail)(pane *p, const pane_ctx *c, strbuf *out);  /* may be NULL */
    /* Extra title text, e.g. "3/4 healthy" (may be NULL). */
    void (*title_extra)(pane *p, const pane_ctx *c, char *buf, size_t len);
};

struct pane {
    const struct pane_ops *ops;
    int id; /* PANE_GROUPS ... */
    void *priv;
    listview lv;
    bool dirty; /* content must be redrawn */
};

#define PANE(ID, name, title, number, row, col, min_rows) extern const struct pane_ops pane_##name##_ops;
#include "panes.def"
#undef PANE

/* The registry, from panes.def: indexed by PANE_<ID>. */
typedef struct pane_entry {
    const struct pane_ops *ops;
    const char *name;  /* "groups": the keymap scope's and help's name */
    const char *title; /* "Groups" */
    int number;        /* its focus key: 1, 2, ... in panes.def's order */
} pane_entry;
extern const pane_entry panes_all[PANE_COUNT];

void pane_init(pane *p, int id);
void pane_free(pane *p);

/* ---- helpers shared by the panes ---- */
/* "12s", "5m", "3h", "4d" since then (wall clock ms); "-" for 0. */
void pane_fmt_age(aws_time then, aws_time now, char *buf, size_t len);
/* "2024-05-01 12:00:00Z" or "-". */
void pane_fmt_time(aws_time t, char *buf, size_t len);
/* Appends "key   value\n" to a detail text (the key padded to DETAIL_KEY_COLS, then a
 * space) with value sanitized (one line: the detail view wraps it under itself). */
#define DETAIL_KEY_COLS 32
void detail_kv(strbuf *sb, const char *key, const char *value);
void detail_kvf(strbuf *sb, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The running (not finished) refresh of the selected group, or NULL. */
const instance_refresh *pane_active_refresh(const watch_state *ws);
/* Draws untrusted text sanitized, cut to width and padded, at (y, x) with attr. */
void pane_put(WINDOW *w, int y, int x, int width, const char *text, unsigned long attr, bool ascii);

#endif
