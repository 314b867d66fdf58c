/* listview.c — the generic table widget (see listview.h). */
#include "listview.h"

#include "textwrap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sanitize.h"
#include "theme.h"

void lv_init(listview *lv, const lv_column *cols, int ncols)
{
    memset(lv, 0, sizeof *lv);
    lv->cols = cols;
    lv->ncols = ncols > LV_MAX_COLS ? LV_MAX_COLS : ncols;
}

static void row_free(lv_row *r)
{
    free(r->id);
    for (int i = 0; i < LV_MAX_COLS; i++)
        free(r->cells[i]);
}

void lv_free(listview *lv)
{
    MODEL_LIST_FREE(lv->rows, row_free);
    MODEL_LIST_FREE(lv->next, row_free);
    VEC_FREE(lv->vis);
    free(lv->sel_id);
    lv->sel_id = NULL;
}

void lv_begin(listview *lv)
{
    MODEL_LIST_FREE(lv->next, row_free);
}

lv_row *lv_add(listview *lv, const char *id)
{
    lv_row *r = VEC_NEW(lv->next);
    r->id = xstrdup(id ? id : "");
    r->role = ROLE_NORMAL;
    memset(r->cell_role, -1, sizeof r->cell_role);
    return r;
}

void lv_set(lv_row *r, int col, const char *text)
{
    if (col < 0 || col >= LV_MAX_COLS)
        return;
    str_set(&r->cells[col], text ? text : "");
}

void lv_setf(lv_row *r, int col, const char *fmt, ...)
{
    if (col < 0 || col >= LV_MAX_COLS)
        return;
    strbuf sb;
    sb_init(&sb);
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&sb, fmt, ap);
    va_end(ap);
    free(r->cells[col]);
    r->cells[col] = sb_steal(&sb);
}

void lv_cell_role(lv_row *r, int col, int role)
{
    if (col >= 0 && col < LV_MAX_COLS)
        r->cell_role[col] = (signed char)role;
}

/* FNV-1a over the cells: equal hashes mean "nothing to highlight". */
static uint64_t row_hash(const listview *lv, const lv_row *r)
{
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < LV_MAX_COLS; i++) {
        if (i < lv->ncols && lv->cols[i].quiet)
            continue;
        for (const char *p = r->cells[i] ? r->cells[i] : ""; *p; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211ull;
        h = (h ^ 0x1f) * 1099511628211ull;
    }
    return (h ^ (uint64_t)r->role) * 1099511628211ull;
}

static bool row_matches(const listview *lv, const lv_row *r)
{
    if (!lv->filter[0])
        return true;
    for (int i = 0; i < lv->ncols; i++)
        if (r->cells[i] && strcasestr(r->cells[i], lv->filter))
            return true;
    return r->id && strcasestr(r->id, lv->filter);
}

static void rebuild_vis(listview *lv)
{
    lv->vis.n = 0;
    int sel = -1;
    for (size_t g = 0; g < lv->rows.n;) {
        /* A row and its children pass the filter together. */
        size_t end = g + 1;
        while (end < lv->rows.n && lv->rows.items[end].child)
            end++;
        bool match = false;
        for (size_t i = g; i < end && !match; i++)
            match = row_matches(lv, &lv->rows.items[i]);
        for (size_t i = g; match && i < end; i++) {
            if (lv->sel_id && str_eq(lv->rows.items[i].id, lv->sel_id))
                sel = (int)lv->vis.n;
            VEC_PUSH(lv->vis, (int)i);
        }
        g = end;
    }
    if (sel >= 0)
        lv->sel = sel;
    if (lv->sel >= (int)lv->vis.n)
        lv->sel = (int)lv->vis.n - 1;
    if (lv->sel < 0)
        lv->sel = 0;
    /* Remember the id now shown, so the selection sticks to it. */
    if (lv->vis.n)
        str_set(&lv->sel_id, lv->rows.items[lv->vis.items[lv->sel]].id);
}

void lv_end(listview *lv, int64_t now_mono)
{
    for (size_t i = 0; i < lv->next.n; i++) {
        lv_row *r = &lv->next.items[i];
        r->hash = row_hash(lv, r);
        const lv_row *old = NULL;
        /* Rows mostly stay in place: look there first. */
        if (i < lv->rows.n && str_eq(lv->rows.items[i].id, r->id))
            old = &lv->rows.items[i];
        for (size_t j = 0; !old && j < lv->rows.n; j++)
            if (str_eq(lv->rows.items[j].id, r->id))
                old = &lv->rows.items[j];
        r->changed_at = 0;
        /* A row whose role changed is drawn anew in its new colour: all of it flashes.
         * A new row flashes its first cell only: enough to catch the eye, and when the
         * flash ends only that cell is rewritten, not the whole row again. */
        bool whole = old && old->role != r->role;
        int key = -1;
        if (!old && lv->loaded)
            for (int k = 0; k < lv->ncols && key < 0; k++)
                if (!lv->cols[k].quiet)
                    key = k;
        for (int k = 0; k < lv->ncols; k++) {
            int64_t t = 0;
            if (lv->cols[k].quiet)
                t = 0;
            else if (whole || k == key)
                t = now_mono;
            else if (old)
                t = old->hash != r->hash && !str_eq(old->cells[k] ? old->cells[k] : "", r->cells[k] ? r->cells[k] : "")
                    ? now_mono
                    : old->cell_changed_at[k];
            r->cell_changed_at[k] = t;
            if (t > r->changed_at)
                r->changed_at = t;
        }
    }
    bool at_head = lv->follow_head && lv->sel == 0 && lv->top == 0;
    MODEL_LIST_FREE(lv->rows, row_free);
    lv->rows = lv->next;
    memset(&lv->next, 0, sizeof lv->next);
    if (lv->rows.n)
        lv->loaded = true;
    rebuild_vis(lv);
    if (at_head && lv->vis.n) {
        lv->sel = 0;
        lv->top = 0;
        str_set(&lv->sel_id, lv->rows.items[lv->vis.items[0]].id);
    }
}

static void clamp_scroll(listview *lv)
{
    int page = lv->page > 0 ? lv->page : 1;
    if (lv->sel < lv->top)
        lv->top = lv->sel;
    if (lv->sel >= lv->top + page)
        lv->top = lv->sel - page + 1;
    if (lv->top > (int)lv->vis.n - page)
        lv->top = (int)lv->vis.n - page;
    if (lv->top < 0)
        lv->top = 0;
}

static void set_sel(listview *lv, int sel, bool *moved)
{
    if (lv->vis.n == 0)
        return;
    if (sel >= (int)lv->vis.n)
        sel = (int)lv->vis.n - 1;
    if (sel < 0)
        sel = 0;
    if (moved)
        *moved = sel != lv->sel;
    lv->sel = sel;
    str_set(&lv->sel_id, lv->rows.items[lv->vis.items[sel]].id);
    clamp_scroll(lv);
}

bool lv_move(listview *lv, action_id a, bool *moved)
{
    int page = lv->page > 1 ? lv->page - 1 : 1;
    if (moved)
        *moved = false;
    switch (a) {
    case ACT_UP:
        set_sel(lv, lv->sel - 1, moved);
        return true;
    case ACT_DOWN:
        set_sel(lv, lv->sel + 1, moved);
        return true;
    case ACT_TOP:
        set_sel(lv, 0, moved);
        return true;
    case ACT_BOTTOM:
        set_sel(lv, (int)lv->vis.n - 1, moved);
        return true;
    case ACT_PAGE_UP:
        set_sel(lv, lv->sel - page, moved);
        return true;
    case ACT_PAGE_DOWN:
        set_sel(lv, lv->sel + page, moved);
        return true;
    default:
        return false;
    }
}

bool lv_click(listview *lv, int line)
{
    int i = lv->top + line;
    if (line < 0 || i >= (int)lv->vis.n)
        return false;
    bool moved = false;
    set_sel(lv, i, &moved);
    return moved;
}

bool lv_select_id(listview *lv, const char *id)
{
    for (size_t i = 0; i < lv->vis.n; i++)
        if (str_eq(lv->rows.items[lv->vis.items[i]].id, id)) {
            set_sel(lv, (int)i, NULL);
            return true;
        }
    return false;
}

const lv_row *lv_selected(const listview *lv)
{
    if (lv->vis.n == 0 || lv->sel < 0 || lv->sel >= (int)lv->vis.n)
        return NULL;
    return &lv->rows.items[lv->vis.items[lv->sel]];
}

const char *lv_selected_id(const listview *lv)
{
    const lv_row *r = lv_selected(lv);
    return r ? r->id : NULL;
}

size_t lv_count(const listview *lv)
{
    return lv->vis.n;
}

void lv_set_filter(listview *lv, const char *filter)
{
    snprintf(lv->filter, sizeof lv->filter, "%s", filter ? filter : "");
    rebuild_vis(lv);
    clamp_scroll(lv);
}

int lv_position(const listview *lv, char *buf, size_t len)
{
    int n = (int)lv->vis.n;
    int first = n ? lv->top + 1 : 0;
    int last = lv->top + (lv->page > 0 ? lv->page : 1);
    if (last > n)
        last = n;
    int k = n ? snprintf(buf, len, "%d-%d/%d", first, last, n) : snprintf(buf, len, "0/0");
    return k < 0 ? 0 : (size_t)k < len ? k : (int)len - 1;
}

int64_t lv_next_fade(const listview *lv, int64_t now_mono)
{
    int64_t next = 0;
    for (size_t i = 0; i < lv->rows.n; i++) {
        int64_t end = lv->rows.items[i].changed_at + LV_HIGHLIGHT_MS;
        if (lv->rows.items[i].changed_at && end > now_mono && (!next || end < next))
            next = end;
    }
    return next;
}

int lv_column_widths(const lv_column *cols, int ncols, const int *want, int width, int *out)
{
    bool on[LV_MAX_COLS] = { false };
    int order[LV_MAX_COLS], norder = 0;
    int used = 0, shown = 0;
    /* Take columns by priority (0 first, then high to low) while they fit. */
    for (int pass = 0; pass < 2; pass++) {
        for (;;) {
            int best = -1;
            for (int c = 0; c < ncols; c++) {
                if (on[c] || (pass == 0) != (cols[c].prio == 0))
                    continue;
                if (best < 0 || cols[c].prio > cols[best].prio)
                    best = c;
            }
            if (best < 0)
                break;
            /* min is kept even for narrower content: room for the longer values
             * a column may come to hold ("Terminating"), so nothing shifts then */
            int fw = cols[best].min > 0 ? cols[best].min : 1;
            int need = fw + (shown ? 1 : 0);
            on[best] = true;
            if (used + need > width) {
                out[best] = 0; /* dropped */
                continue;
            }
            out[best] = fw;
            order[norder++] = best;
            used += need;
            shown++;
        }
    }
    int left = width - used;
    /* The columns with a cap get what their content needs up to it, in the order
     * they were taken; the free-text columns (no cap) wait for what remains. */
    for (int k = 0; k < norder && left > 0; k++) {
        int c = order[k];
        if (!cols[c].max)
            continue;
        int target = want[c] < cols[c].max ? want[c] : cols[c].max;
        if (target > out[c]) {
            int add = target - out[c] < left ? target - out[c] : left;
            out[c] += add;
            left -= add;
        }
    }
    for (int k = 0; k < norder && left > 0; k++) {
        int c = order[k];
        if (cols[c].max || want[c] <= out[c])
            continue;
        int add = want[c] - out[c] < left ? want[c] - out[c] : left;
        out[c] += add;
        left -= add;
    }
    /* What remains goes to the last free-text column shown (none: the row ends in
     * blanks, no column is stretched past its content). */
    for (int c = ncols - 1; c >= 0 && left > 0; c--)
        if (out[c] && cols[c].max == 0) {
            out[c] += left;
            left = 0;
        }
    return shown;
}

static int text_width(const char *s, bool ascii)
{
    char buf[512];
    int cols = 0;
    sanitize_str(s ? s : "", buf, sizeof buf, 200, ascii, &cols);
    return cols;
}

/* Draws s in exactly width cells at (y, x): sanitized, cut with an ellipsis, padded. */
static void put_cell(WINDOW *w, int y, int x, int width, const char *s, bool right, bool ascii)
{
    char buf[1024];
    int used = 0;
    sanitize_str(s ? s : "", buf, sizeof buf, width, ascii, &used);
    int pad = width - used;
    wmove(w, y, x);
    if (right)
        for (int i = 0; i < pad; i++)
            waddch(w, ' ');
    waddstr(w, buf);
    if (!right)
        for (int i = 0; i < pad; i++)
            waddch(w, ' ');
}

void lv_draw(listview *lv, WINDOW *w, int y, int x, int h, int width, const unsigned long *attrs, bool focused,
             bool ascii, int64_t now_mono)
{
    if (h <= 0 || width <= 0)
        return;
    int want[LV_MAX_COLS], wid[LV_MAX_COLS];
    for (int c = 0; c < lv->ncols; c++)
        want[c] = text_width(lv->cols[c].title, ascii);
    /* Measure only what is on screen, so a long list costs no more than a short one. */
    lv->page = h - 1 > 0 ? h - 1 : 1;
    lv->drawn_y = y;
    clamp_scroll(lv);
    for (int i = lv->top; i < (int)lv->vis.n && i < lv->top + lv->page; i++) {
        const lv_row *r = &lv->rows.items[lv->vis.items[i]];
        for (int c = 0; c < lv->ncols; c++) {
            int tw = text_width(r->cells[c], ascii);
            if (tw > want[c])
                want[c] = tw;
        }
    }
    if (lv->sticky_width == width && lv->loaded)
        for (int c = 0; c < lv->ncols; c++)
            if (lv->sticky_want[c] > want[c])
                want[c] = lv->sticky_want[c];
    lv->sticky_width = width;
    memcpy(lv->sticky_want, want, sizeof want[0] * (size_t)lv->ncols);
    lv_column_widths(lv->cols, lv->ncols, want, width, wid);

    /* The selected row's cut "whole" cells, wrapped under the rows ("CAUSE: ..."),
     * when the list has room to spare for them. */
    strvec whole = { 0 };
    if (h >= 6 && lv->sel >= 0 && lv->sel < (int)lv->vis.n) {
        const lv_row *r = &lv->rows.items[lv->vis.items[lv->sel]];
        /* The lines the rows leave free, at least LV_WHOLE_LINES, at most 8, and
         * never fewer than 3 rows. */
        int most = h - 2 - (int)lv->vis.n;
        most = most < LV_WHOLE_LINES ? LV_WHOLE_LINES : most > 8 ? 8 : most;
        if (h - 2 - most < 3)
            most = h - 5;
        for (int c = 0; c < lv->ncols && (int)whole.n < most; c++) {
            if (!lv->cols[c].whole || !r->cells[c] || !r->cells[c][0] || text_width(r->cells[c], ascii) <= wid[c])
                continue;
            char *t = xasprintf("%s: %s", lv->cols[c].title, r->cells[c]);
            text_wrap(t, width, 2, most - (int)whole.n, ascii, &whole);
            free(t);
        }
        if (whole.n) {
            lv->page = h - 1 - (int)whole.n - 1; /* and a rule above them */
            clamp_scroll(lv);
        }
    }

    wattrset(w, (int)(attrs[ROLE_TITLE] & ~A_COLOR) | A_BOLD);
    int cx = x;
    for (int c = 0; c < lv->ncols; c++) {
        if (!wid[c])
            continue;
        put_cell(w, y, cx, wid[c], lv->cols[c].title, lv->cols[c].right, ascii);
        cx += wid[c] + 1;
        if (cx - 1 < x + width)
            mvwaddch(w, y, cx - 1, ' ');
    }
    for (; cx < x + width; cx++)
        mvwaddch(w, y, cx, ' ');

    for (int line = 0; line < lv->page; line++) {
        int i = lv->top + line;
        int yy = y + 1 + line;
        if (i >= (int)lv->vis.n) {
            wattrset(w, (int)attrs[ROLE_NORMAL]);
            wmove(w, yy, x);
            for (int k = 0; k < width; k++)
                waddch(w, ' ');
            if (line == 0 && lv->vis.n == 0) {
                const char *msg = lv->filter[0] ? "(no row matches the filter)" : "(none)";
                wattrset(w, (int)attrs[ROLE_NEUTRAL]);
                put_cell(w, yy, x, width, msg, false, ascii);
            }
            continue;
        }
        const lv_row *r = &lv->rows.items[lv->vis.items[i]];
        bool selected = i == lv->sel;
        unsigned long base = attrs[r->role];
        if (selected && focused)
            base = attrs[ROLE_SELECTION];
        else if (selected)
            base |= A_BOLD; /* as lazygit's inactive selection: bold, no bar */
        cx = x;
        for (int c = 0; c < lv->ncols; c++) {
            if (!wid[c])
                continue;
            unsigned long a = base;
            bool changed = r->cell_changed_at[c] && now_mono - r->cell_changed_at[c] < LV_HIGHLIGHT_MS;
            if (selected && focused)
                a = base;
            else if (changed)
                a = attrs[ROLE_CHANGED];
            else if (selected && lv->cols[c].ticks)
                a = attrs[r->cell_role[c] >= 0 ? r->cell_role[c] : r->role];
            else if (r->cell_role[c] >= 0)
                a = attrs[r->cell_role[c]] | (selected ? A_BOLD : 0);
            wattrset(w, (int)a);
            put_cell(w, yy, cx, wid[c], r->cells[c], lv->cols[c].right, ascii);
            /* The gap takes the highlight when the next shown cell has it too: a new or
             * wholly changed row goes out as one attribute run. */
            int nc = c + 1;
            while (nc < lv->ncols && !wid[nc])
                nc++;
            bool next_changed = changed && !(selected && focused) && nc < lv->ncols && r->cell_changed_at[nc] &&
                now_mono - r->cell_changed_at[nc] < LV_HIGHLIGHT_MS;
            wattrset(w, (int)(next_changed ? a : base));
            if (cx + wid[c] < x + width)
                mvwaddch(w, yy, cx + wid[c], ' ');
            cx += wid[c] + 1;
        }
        wattrset(w, (int)base);
        for (; cx < x + width; cx++)
            mvwaddch(w, yy, cx, ' ');
    }
    if (whole.n) {
        int yy = y + 1 + lv->page;
        wattrset(w, (int)attrs[ROLE_BORDER]);
        wmove(w, yy, x);
        for (int k = 0; k < width; k++)
            waddstr(w, ascii ? "-" : "┈");
        wattrset(w, (int)attrs[ROLE_NEUTRAL]);
        for (size_t i = 0; i < whole.n; i++)
            put_cell(w, yy + 1 + (int)i, x, width, whole.items[i], false, ascii);
    }
    strvec_free(&whole);
    wattrset(w, A_NORMAL);
}
