/* console_draw.c — the console's screen: header, pane titles with data age and
 * staleness, panes, overlays, the status line (a long message wraps onto the lines
 * above it); only what changed is redrawn. */
#include "console_int.h"

#include "kinds/kind.h"

/* ---- small helpers ---- */

pane_ctx con_ctx_of(const console *c)
{
    pane_ctx x = {
        .ws = watch_get(c->w),
        .app = c->app,
        .live_tag = c->live_tag,
        .stable_tag = c->stable_tag,
        .live_hist = &c->live_hist,
        .attrs = c->attrs,
        .ascii = c->ascii,
        .now_mono = mono_now_ms(),
        .now_wall = time_now_ms(),
    };
    app_kind_of(c->app)->mark(x.ws, c->app, c->live_tag, c->stable_tag, &x.mark);
    if (!x.mark.broken)
        con_act_advised_mark(c, &x.mark);
    return x;
}

void con_message(console *c, int role, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg.text, sizeof c->msg.text, fmt, ap);
    va_end(ap);
    c->msg.role = role;
    c->msg.until = mono_now_ms() + MESSAGE_MS;
    c->dirty_status = true;
}

void con_message_clear(console *c)
{
    if (!c->msg.text[0])
        return;
    c->msg.text[0] = '\0';
    c->dirty_status = true;
}

bool con_message_shown(const console *c, const char *text)
{
    return c->msg.text[0] && str_eq(c->msg.text, text);
}

void con_mark_all(console *c)
{
    c->redraw_all = true;
    c->dirty_header = c->dirty_status = true;
    c->ov.dirty = true;
    for (int p = 0; p < PANE_COUNT; p++)
        c->panes[p].dirty = true;
}

void con_set_app(console *c, const app_config *app)
{
    c->app = app;
    if (c->act)
        con_act_journal_changed(c); /* another app's live tag: its history */
    snprintf(c->live_tag, sizeof c->live_tag, "%s", app && app->live_tag ? app->live_tag : "prod");
    snprintf(c->stable_tag, sizeof c->stable_tag, "%s", app && app->stable_tag ? app->stable_tag : "prod-stable");
}

/* Horizontal run of a line character. */
static void draw_hline(WINDOW *w, int y, int x, int n, bool ascii)
{
    wmove(w, y, x);
    for (int i = 0; i < n; i++)
        waddstr(w, ascii ? "-" : "─");
}

/* ---- layout and windows ---- */

void con_free_windows(console *c)
{
    WINDOW **all[] = { &c->win_header, &c->win_status, &c->win_overlay, &c->msg.win };
    c->msg.extra = 0;
    for (size_t i = 0; i < ARRAY_LEN(all); i++)
        if (*all[i]) {
            delwin(*all[i]);
            *all[i] = NULL;
        }
    for (int p = 0; p < PANE_COUNT; p++)
        if (c->win_pane[p]) {
            delwin(c->win_pane[p]);
            c->win_pane[p] = NULL;
        }
}

static WINDOW *win_at(rect r)
{
    WINDOW *w = newwin(r.h, r.w, r.y, r.x);
    if (w)
        leaveok(w, TRUE);
    return w;
}

/* The panes of the shown app's kind (kinds/kind.h), as a layout mask. */
unsigned con_kind_panes(const console *c)
{
    const app_kind *kind = app_kind_of(c->app);
    unsigned mask = 0;
    for (size_t i = 0; kind->panes && kind->panes[i]; i++)
        for (int p = 0; p < PANE_COUNT; p++)
            if (str_eq(panes_all[p].name, kind->panes[i]))
                mask |= LAYOUT_PANE_BIT(p);
    return mask;
}

static void relayout(console *c, bool repaint);

/* What the layout is asked: the terminal, the kind's panes, how many rows each
 * pane's content has (unknown until its rows first arrive; a pane that draws more
 * than its list, such as Refresh's summary, says so in want_extra), and the tab's
 * companion while an action of this console runs. */
static void layout_request(const console *c, layout_req *q)
{
    memset(q, 0, sizeof *q);
    q->cols = COLS;
    q->lines = LINES;
    q->tab_pane = c->tab_pane;
    q->panes = con_kind_panes(c);
    q->companion = c->tab_mate;
    for (int p = 0; p < PANE_COUNT; p++) {
        const pane *pn = &c->panes[p];
        q->want[p] = pn->ops && pn->lv.loaded ? (int)pn->lv.vis.n + pn->ops->want_extra : -1;
    }
}

/* After the content changed: lay out again only when a pane's rectangle moves. */
void con_relayout_if_moved(console *c)
{
    if (c->lay.too_small)
        return;
    layout_req q;
    layout_request(c, &q);
    layout l;
    layout_fit(&q, &l);
    if (memcmp(l.pane, c->lay.pane, sizeof l.pane) != 0 || memcmp(l.visible, c->lay.visible, sizeof l.visible) != 0)
        relayout(c, false);
}

void con_relayout(console *c)
{
    relayout(c, true);
}

/* repaint: the whole terminal is sent again (a resize, a new theme); a layout
 * that only moved with the content lets curses send what changed, so a list
 * that grows costs a few lines on the link, not a screen. */
static void relayout(console *c, bool repaint)
{
    con_free_windows(c);
    layout_req q;
    layout_request(c, &q);
    layout_fit(&q, &c->lay);
    werase(stdscr);
    wnoutrefresh(stdscr);
    if (!c->lay.too_small) {
        c->win_header = win_at(c->lay.header);
        c->win_status = win_at(c->lay.status);
        c->win_overlay = win_at(c->lay.body);
        for (int p = 0; p < PANE_COUNT; p++)
            if (c->lay.visible[p])
                c->win_pane[p] = win_at(c->lay.pane[p]);
    }
    if (repaint)
        clearok(curscr, TRUE);
    con_mark_all(c);
    /* poll what the screen shows: the sets of the panes on it */
    unsigned shown = 0;
    for (int p = 0; p < PANE_COUNT && !c->lay.too_small; p++)
        if (c->lay.visible[p] && c->panes[p].ops)
            shown |= c->panes[p].ops->watches | WS_BIT(c->panes[p].ops->primary);
    if (c->w)
        watch_set_shown(c->w, shown & app_kind_of(c->app)->data_sets);
}

void con_focus_pane(console *c, int p)
{
    if (p < 0 || p >= PANE_COUNT || p == c->focus)
        return;
    int old = c->focus;
    c->focus = p;
    c->panes[old].dirty = c->panes[p].dirty = true;
    c->dirty_status = true;
    if (c->lay.tabbed && layout_in_tab_area(p) && !c->lay.visible[p]) {
        c->tab_pane = p;
        c->tab_mate = -1; /* the operator chose a tab: it alone */
        con_relayout(c);
    }
}

static int pane_named(const char *name)
{
    for (int p = 0; name && p < PANE_COUNT; p++)
        if (str_eq(panes_all[p].name, name))
            return p;
    return -1;
}

void con_show_rollout(console *c)
{
    const app_kind *kind = app_kind_of(c->app);
    int tab = pane_named(kind->rollout_pane), mate = pane_named(kind->rollout_mate);
    if (tab < 0)
        return;
    c->tab_pane = tab;
    c->tab_mate = mate;
    con_relayout(c);
}

/* ---- drawing ---- */

#define HEADER_WHO_MIN 24 /* "user/demo-operator" and a little more */

static void draw_header(console *c)
{
    WINDOW *w = c->win_header;
    const watch_state *ws = watch_get(c->w);
    unsigned long a = c->attrs[ROLE_HEADER];
    wattrset(w, (int)a);
    wmove(w, 0, 0);
    for (int i = 0; i < c->lay.cols; i++)
        waddch(w, ' ');

    bool any_stale = false, any_ok = false;
    for (int s = 0; s < WS_COUNT; s++) {
        any_stale |= ws->meta[s].stale;
        any_ok |= ws->meta[s].fetched_at != 0;
    }
    /* dozing: nobody pressed a key for a while and polling slowed (watch.h) */
    const char *state = any_stale ? "DEGRADED"
        : !any_ok                 ? "connecting"
        : watch_dozing(c->w)      ? "idle: polling slowly"
                                  : "connected";

    /* Right: badges, [credentials note], state, clock; the left part (who and where:
     * console_identity.c) gets what is left. The badges say what an operator must
     * not mistake: a broken app, no writes, typed confirmation, not a real account. */
    struct {
        char text[200];
        int role;
    } badges[5];
    int nb = 0;
    /* A broken app's mark: what live names and that R rolls back, as long as the
     * room allows (the word itself always). */
    pane_ctx ctx = con_ctx_of(c);
    if (ctx.mark.broken) {
        int room = c->lay.cols / 2;
        char *b = badges[nb].text;
        size_t bl = sizeof badges[nb].text;
        snprintf(b, bl, "BROKEN: %.40s=%.60s, R rolls back", c->live_tag, ctx.mark.live);
        if ((int)strlen(b) > room)
            snprintf(b, bl, "BROKEN %.40s=%.60s", c->live_tag, ctx.mark.live);
        if ((int)strlen(b) > room)
            snprintf(b, bl, "BROKEN");
        badges[nb++].role = ROLE_ERROR;
    }
    if (c->sess.read_only || con_read_only_now(c)) {
        snprintf(badges[nb].text, sizeof badges[nb].text, "READ-ONLY");
        badges[nb++].role = ROLE_WARNING;
    } else if (con_protected_now(c)) {
        snprintf(badges[nb].text, sizeof badges[nb].text, "PROTECTED");
        badges[nb++].role = ROLE_WARNING;
    }
    bool narrow = c->lay.cols < 100; /* the words only: the group's name needs the room */
    if (c->g->demo) {
        snprintf(badges[nb].text, sizeof badges[nb].text, narrow ? "DEMO" : "DEMO: simulator");
        badges[nb++].role = ROLE_PROGRESS;
    } else if (c->g->endpoint_url && c->g->endpoint_url[0] && narrow) {
        snprintf(badges[nb].text, sizeof badges[nb].text, "ENDPOINT");
        badges[nb++].role = ROLE_PROGRESS;
    } else if (c->g->endpoint_url && c->g->endpoint_url[0]) {
        /* Not AWS's own endpoints: a simulator, an emulator or a proxy. */
        const char *host = strstr(c->g->endpoint_url, "://");
        host = host ? host + 3 : c->g->endpoint_url;
        char shown[64];
        sanitize_str(host, shown, sizeof shown, 30, c->ascii, NULL);
        shown[strcspn(shown, "/")] = '\0';
        snprintf(badges[nb].text, sizeof badges[nb].text, "ENDPOINT %s", shown);
        badges[nb++].role = ROLE_PROGRESS;
    }
    int badges_w = 0;
    for (int i = 0; i < nb; i++)
        badges_w += (int)strlen(badges[i].text) + 2;
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    char clock[32];
    strftime(clock, sizeof clock, "%H:%M %Z", &tm); /* minutes: an idle screen stays still */
    char note[160];
    int note_role = ROLE_WARNING;
    int note_w = con_header_note(c, note, sizeof note, &note_role);
    int rw = badges_w + (note_w ? note_w + 2 : 0) + (int)strlen(state) + 2 + (int)strlen(clock) + 1;
    /* Short of room, the endpoint's badge (always last) gives way before who the
     * console is: the identity keeps HEADER_WHO_MIN columns. */
    if (nb && badges[nb - 1].role == ROLE_PROGRESS && c->lay.cols - rw < HEADER_WHO_MIN) {
        nb--;
        rw -= (int)strlen(badges[nb].text) + 2;
    }
    int x = c->lay.cols - rw;
    if (x < 0)
        x = 0;
    strbuf sb;
    sb_init(&sb);
    con_header_left(c, x > 1 ? x - 1 : 0, &sb);
    pane_put(w, 0, 0, x > 1 ? x - 1 : 0, sb.buf, a, c->ascii);
    sb_free(&sb);
    for (int i = 0; i < nb; i++) {
        int bw = (int)strlen(badges[i].text);
        pane_put(w, 0, x, bw, badges[i].text, c->attrs[badges[i].role] | A_BOLD | A_REVERSE, c->ascii);
        x += bw + 2;
    }
    if (note_w) {
        pane_put(w, 0, x, note_w, note, c->attrs[note_role] | A_BOLD, c->ascii);
        x += note_w + 2;
    }
    wattrset(w, (int)(any_stale ? (c->attrs[ROLE_ERROR] | A_BOLD) : a));
    mvwaddstr(w, 0, x, state);
    x += (int)strlen(state);
    /* The clock is the only thing an idle screen changes: in the terminal's own
     * colours its minute tick costs about 10 bytes on the link instead of about 55
     * (no colour set and reset around the one changed digit). */
    wattrset(w, (int)c->attrs[ROLE_NORMAL]);
    mvwaddstr(w, 0, x, "  ");
    waddstr(w, clock);
    waddch(w, ' ');
    wnoutrefresh(w);
}

/* Age and staleness of what a pane shows: the age of its primary set (the one its
 * rows come from; slower sets such as EC2 details, polled at a multiple of the
 * base interval, do not make the whole pane look old), and STALE when any of its
 * sets failed. While the data is as fresh as its poll interval promises, the
 * title says "≤30s" and does not change, so an idle console writes next to
 * nothing; late data shows its exact age. */
#define LATE_SLACK_MS 5000
/* STALE is for the set the rows come from; another set the pane reads that
 * failed (EC2 details under throttling, while the group's rows keep updating) is
 * named in *partly instead, not passed off as the whole pane being old. */
static void pane_age(const console *c, const pane *p, char *buf, size_t len, bool *stale, const char **partly)
{
    const watch_state *ws = watch_get(c->w);
    *stale = ws->meta[p->ops->primary].stale;
    *partly = NULL;
    for (int s = 0; s < WS_COUNT && !*partly; s++)
        if ((p->ops->watches & WS_BIT(s)) && s != (int)p->ops->primary && ws->meta[s].stale)
            *partly = watch_set_name((watch_set)s);
    const watch_meta *m = &ws->meta[p->ops->primary];
    aws_time oldest = m->fetched_at;
    bool in_flight = m->in_flight;
    int interval = m->interval_ms;
    if (!oldest) {
        snprintf(buf, len, "%s", in_flight ? "loading" : "-");
        return;
    }
    aws_time now = time_now_ms();
    if (!*stale && interval > 0 && now - oldest <= interval + LATE_SLACK_MS) {
        snprintf(buf, len, "%s%ds", c->ascii ? "<=" : "≤", (interval + 999) / 1000);
        return;
    }
    pane_fmt_age(oldest, now, buf, len);
}

static void draw_title(console *c, int p)
{
    WINDOW *w = c->win_pane[p];
    pane *pn = &c->panes[p];
    bool focused = p == c->focus;
    unsigned long border = c->attrs[focused ? ROLE_FOCUS_BORDER : ROLE_BORDER];
    int width = c->lay.pane[p].w;
    pane_ctx ctx = con_ctx_of(c);

    wattrset(w, (int)border);
    mvwaddstr(w, 0, 0, c->ascii ? "+" : "┌");
    draw_hline(w, 0, 1, width - 2, c->ascii);
    mvwaddstr(w, 0, width - 1, c->ascii ? "+" : "┐");

    /* Left: the number and title (tabs when the pane shares the bottom area). */
    int x = 2;
    bool tabs = c->lay.tabbed && layout_in_tab_area(p) && p != c->lay.mate; /* the mate: its own title */
    for (int q = tabs ? 0 : p; q <= (tabs ? PANE_COUNT - 1 : p); q++) {
        if (tabs && !layout_in_tab_area(q))
            continue;
        char t[160], extra[128] = "";
        /* Every tab keeps its state ("5 Refresh · running"); the ones not shown cut
         * theirs short, so the row of tabs still fits at 80 columns. */
        if (c->panes[q].ops->title_extra)
            c->panes[q].ops->title_extra(&c->panes[q], &ctx, extra, sizeof extra);
        if (q != p && strlen(extra) > 12)
            extra[0] = '\0';
        if (q == p && c->panes[q].lv.filter[0]) {
            size_t l = strlen(extra);
            snprintf(extra + l, sizeof extra - l, "%s/%s: %zu shown", l ? " " : "", c->panes[q].lv.filter,
                     c->panes[q].lv.vis.n);
        }
        const char *sep = extra[0] ? (c->ascii ? " - " : " · ") : "";
        snprintf(t, sizeof t, " %d %s%s%s ", panes_all[q].number, panes_all[q].title, sep, extra);
        int room = width - x - 14;
        if (room <= 4)
            break;
        unsigned long ta = q == p ? (c->attrs[ROLE_TITLE] | (focused ? A_BOLD : 0)) : c->attrs[ROLE_NEUTRAL];
        int used = 0;
        char buf[400];
        sanitize_str(t, buf, sizeof buf, room, c->ascii, &used);
        wattrset(w, (int)ta);
        mvwaddstr(w, 0, x, buf);
        x += used + 1;
    }

    /* Right: how old the data is, and STALE when the last poll failed. */
    char age[32], right[80];
    bool stale = false;
    const char *partly = NULL;
    pane_age(c, pn, age, sizeof age, &stale, &partly);
    if (partly && !stale)
        snprintf(right, sizeof right, " %.20s stale %s ", partly, age);
    else
        snprintf(right, sizeof right, " %s%s ", stale ? "STALE " : "", age);
    int right_w = 0;
    char right_s[64];
    sanitize_str(right, right_s, sizeof right_s, 40, c->ascii, &right_w);
    int rx = width - 1 - right_w;
    if (rx > x) {
        wattrset(w,
                 (int)(stale        ? c->attrs[ROLE_ERROR] | A_BOLD
                           : partly ? c->attrs[ROLE_WARNING]
                                    : c->attrs[ROLE_NEUTRAL]));
        mvwaddstr(w, 0, rx, right_s);
    }
    wattrset(w, A_NORMAL);
}

/* The list's scroll position and row count on the bottom border ("3-12/40"), so
 * nothing scrolled off can hide; drawn after the list (which sets what is shown). */
static void draw_position(console *c, WINDOW *w, const listview *lv, rect r)
{
    if (!lv->loaded && lv->vis.n == 0)
        return; /* not read yet: no count to give */
    char pos[48], t[56];
    lv_position(lv, pos, sizeof pos);
    int n = snprintf(t, sizeof t, " %s ", pos);
    if (n > 0 && n < r.w - 4)
        pane_put(w, r.h - 1, r.w - 2 - n, n, t, c->attrs[ROLE_NEUTRAL], c->ascii);
}

static void draw_pane(console *c, int p, bool full)
{
    WINDOW *w = c->win_pane[p];
    if (!w)
        return;
    rect r = c->lay.pane[p];
    draw_title(c, p);
    if (full) {
        bool focused = p == c->focus;
        unsigned long border = c->attrs[focused ? ROLE_FOCUS_BORDER : ROLE_BORDER];
        wattrset(w, (int)border);
        for (int y = 1; y < r.h - 1; y++) {
            mvwaddstr(w, y, 0, c->ascii ? "|" : "│");
            mvwaddstr(w, y, r.w - 1, c->ascii ? "|" : "│");
        }
        mvwaddstr(w, r.h - 1, 0, c->ascii ? "+" : "└");
        draw_hline(w, r.h - 1, 1, r.w - 2, c->ascii);
        mvwaddstr(w, r.h - 1, r.w - 1, c->ascii ? "+" : "┘");
        pane_ctx ctx = con_ctx_of(c);
        rect in = { 1, 1, r.h - 2, r.w - 2 };
        pane *pn = &c->panes[p];
        if (pn->ops->draw)
            pn->ops->draw(pn, w, &ctx, in, focused);
        else
            lv_draw(&pn->lv, w, in.y, in.x, in.h, in.w, c->attrs, focused, c->ascii, ctx.now_mono);
        draw_position(c, w, &pn->lv, r);
        c->panes[p].dirty = false;
        c->fade_due[p] = lv_next_fade(&pn->lv, ctx.now_mono);
    }
    c->title_dirty[p] = false;
    wnoutrefresh(w);
}

static void draw_overlay(console *c)
{
    WINDOW *w = c->win_overlay;
    rect r = c->lay.body;
    /* Another view (the log's rows, then a call's detail): nothing of the last one
     * may stay in the columns the new one does not paint. */
    if (c->ov.drawn != c->ov.kind || !str_eq(c->ov.drawn_title, c->ov.title)) {
        werase(w);
        c->ov.drawn = c->ov.kind;
        snprintf(c->ov.drawn_title, sizeof c->ov.drawn_title, "%s", c->ov.title);
    }
    wattrset(w, (int)c->attrs[ROLE_FOCUS_BORDER]);
    mvwaddstr(w, 0, 0, c->ascii ? "+" : "┌");
    draw_hline(w, 0, 1, r.w - 2, c->ascii);
    mvwaddstr(w, 0, r.w - 1, c->ascii ? "+" : "┐");
    for (int y = 1; y < r.h - 1; y++) {
        mvwaddstr(w, y, 0, c->ascii ? "|" : "│");
        mvwaddstr(w, y, r.w - 1, c->ascii ? "|" : "│");
    }
    mvwaddstr(w, r.h - 1, 0, c->ascii ? "+" : "└");
    draw_hline(w, r.h - 1, 1, r.w - 2, c->ascii);
    mvwaddstr(w, r.h - 1, r.w - 1, c->ascii ? "+" : "┘");
    char t[200];
    snprintf(t, sizeof t, " %s ", c->ov.title);
    pane_put(w, 0, 2, (int)strlen(t) < r.w - 4 ? (int)strlen(t) : r.w - 4, t, c->attrs[ROLE_TITLE] | A_BOLD, c->ascii);
    int h = r.h - 2;
    if (c->ov.kind == OV_LOG) {
        lv_draw(&c->ov.log_lv, w, 1, 1, h, r.w - 2, c->attrs, true, c->ascii, mono_now_ms());
        draw_position(c, w, &c->ov.log_lv, r);
    } else {
        /* A detail's long values are wrapped, never cut (con_overlay_lines). */
        const strvec *lines = con_overlay_lines(c, r.w - 4);
        int max_scroll = (int)lines->n - h;
        if (c->ov.scroll > max_scroll)
            c->ov.scroll = max_scroll;
        if (c->ov.scroll < 0)
            c->ov.scroll = 0;
        for (int i = 0; i < h; i++) {
            size_t li = (size_t)(c->ov.scroll + i);
            pane_put(w, 1 + i, 2, r.w - 4, li < lines->n ? lines->items[li] : "", c->attrs[ROLE_NORMAL], c->ascii);
        }
        if ((int)lines->n > h) {
            char pos[32];
            snprintf(pos, sizeof pos, " %d-%d/%zu ", c->ov.scroll + 1,
                     c->ov.scroll + h < (int)lines->n ? c->ov.scroll + h : (int)lines->n, lines->n);
            pane_put(w, r.h - 1, r.w - 2 - (int)strlen(pos), (int)strlen(pos), pos, c->attrs[ROLE_NEUTRAL], c->ascii);
        }
    }
    c->ov.dirty = false;
    wnoutrefresh(w);
}

static void hints_text(console *c, char *buf, size_t len)
{
    /* An open view has keys of its own: those, not the focused pane's (the action
     * dialog's are its own letters; the others come from the keymap). */
    const char *dlg = c->ov.kind == OV_ACTION ? con_actions_hints(c) : NULL;
    if (dlg) {
        snprintf(buf, len, "%s", dlg);
        return;
    }
    static const action_id text_keys[] = { ACT_DOWN,   ACT_UP,     ACT_PAGE_DOWN, ACT_TOP,
                                           ACT_BOTTOM, ACT_FILTER, ACT_BACK,      ACT_NONE };
    static const action_id detail_keys[] = { ACT_DOWN,   ACT_UP,      ACT_PAGE_DOWN, ACT_TOP, ACT_BOTTOM,
                                             ACT_FILTER, ACT_COPY_ID, ACT_BACK,      ACT_NONE };
    static const action_id log_keys[] = { ACT_DOWN,   ACT_UP,      ACT_PAGE_DOWN, ACT_DETAIL,
                                          ACT_FILTER, ACT_COPY_ID, ACT_BACK,      ACT_NONE };
    strbuf sb;
    sb_init(&sb);
    const action_id *h = c->panes[c->focus].ops->hints;
    /* Help first: when the line is cut at 80 columns, "? help" is what stays. */
    action_id first[] = { ACT_HELP, ACT_NONE };
    action_id global[] = { ACT_FOCUS_NEXT, ACT_COMMAND, ACT_REFRESH, ACT_API_LOG, ACT_QUIT, ACT_NONE };
    if (c->ov.kind == OV_LOG || c->ov.kind == OV_TEXT) {
        h = c->ov.kind == OV_LOG ? log_keys : c->ov.copy_id[0] ? detail_keys : text_keys; /* y: a detail's id */
        global[0] = ACT_NONE;
        first[0] = ACT_NONE;
    }
    for (int pass = 0; pass < 3; pass++) {
        const action_id *list = pass == 0 ? first : pass == 1 ? h : global;
        for (size_t i = 0; list && list[i] != ACT_NONE; i++) {
            char keys[64];
            keymap_keys_for(&c->km, list[i], keys, sizeof keys);
            char *comma = strchr(keys, ',');
            if (comma)
                *comma = '\0';
            if (!keys[0] || con_action_hidden(c, list[i])) /* read-only: no action keys */
                continue;
            char name[64];
            snprintf(name, sizeof name, "%s", keymap_actions[list[i]].name);
            for (char *p = name; *p; p++)
                if (*p == '_')
                    *p = ' ';
            sb_printf(&sb, "%s%s %s", sb.len ? "  " : " ", keys, name);
        }
    }
    snprintf(buf, len, "%s", sb.buf);
    sb_free(&sb);
}

static const char *first_stale_error(const console *c)
{
    const watch_state *ws = watch_get(c->w);
    for (int s = 0; s < WS_COUNT; s++)
        if (ws->meta[s].stale && ws->meta[s].error[0])
            return ws->meta[s].error;
    return NULL;
}

/* What the status line says besides the keys, or NULL: an error outranks a passing
 * note; a new error message outranks the old error. */
static const char *status_message(const console *c, int *role)
{
    const char *stale = first_stale_error(c);
    bool have_msg = c->msg.text[0] && mono_now_ms() < c->msg.until;
    *role = ROLE_NEUTRAL;
    if (have_msg && (!stale || c->msg.role != ROLE_NEUTRAL)) {
        *role = c->msg.role;
        return c->msg.text;
    }
    if (stale) {
        *role = ROLE_ERROR;
        return stale;
    }
    return NULL;
}

/* A message longer than the status line leaves room for is wrapped, not cut (the
 * keys give way to it): the lines above the status line show its beginning, in a
 * window of their own over the panes' bottom. Run before the panes are drawn, so
 * that the panes under a window that goes away are drawn again in the same frame. */
static int status_wrap(console *c, strvec *lines)
{
    int role = ROLE_NEUTRAL;
    const char *msg = c->pr.kind == PR_NONE ? status_message(c, &role) : NULL;
    int width = c->lay.cols;
    int n = 1;
    if (msg) {
        char buf[1024];
        int used = 0;
        sanitize_str(msg, buf, sizeof buf, -1, c->ascii, &used);
        if (used > width - 12) {
            int most = c->lay.body.h > 6 ? MSG_LINES_MAX : 1;
            n = text_wrap(msg, width - 1, 2, most, c->ascii, lines);
        }
    }
    int extra = n - 1;
    if (extra != c->msg.extra) {
        if (c->msg.win) {
            delwin(c->msg.win);
            c->msg.win = NULL;
            /* what it covered: drawn again */
            for (int p = 0; p < PANE_COUNT; p++) {
                c->panes[p].dirty = true;
                if (c->win_pane[p])
                    touchwin(c->win_pane[p]);
            }
            if (c->win_overlay)
                touchwin(c->win_overlay);
            c->ov.dirty = true;
            c->apps.dirty = true;
        }
        c->msg.extra = extra;
        if (extra > 0) {
            c->msg.win = newwin(extra, width, c->lay.status.y - extra, 0);
            if (c->msg.win)
                leaveok(c->msg.win, TRUE);
            else
                c->msg.extra = 0;
        }
        c->dirty_status = true;
    }
    return role;
}

static void draw_status(console *c)
{
    WINDOW *w = c->win_status;
    int width = c->lay.cols;
    if (c->pr.kind != PR_NONE) {
        char line[PROMPT_MAX + 8];
        snprintf(line, sizeof line, "%c%s", c->pr.kind == PR_FILTER ? '/' : ':', c->pr.buf);
        int used = 0;
        char buf[PROMPT_MAX * 4];
        sanitize_str(line, buf, sizeof buf, width - 1, c->ascii, &used);
        wattrset(w, (int)c->attrs[ROLE_NORMAL]);
        mvwaddstr(w, 0, 0, buf);
        int cx = used;
        for (int i = used; i < width; i++)
            waddch(w, ' ');
        if (c->pr.completions[0] && cx + 3 < width)
            pane_put(w, 0, cx + 2, width - cx - 2, c->pr.completions, c->attrs[ROLE_NEUTRAL], c->ascii);
        wattrset(w, (int)c->attrs[ROLE_SELECTION]);
        if (cx < width)
            mvwaddch(w, 0, cx, ' ');
        wnoutrefresh(w);
        c->dirty_status = false;
        return;
    }
    char hints[512];
    hints_text(c, hints, sizeof hints);
    int role = ROLE_NEUTRAL;
    const char *right = status_message(c, &role);
    strvec lines = { 0 };
    status_wrap(c, &lines);
    unsigned long mattr = c->attrs[role] | (role == ROLE_ERROR ? A_BOLD : 0);
    if (right && c->msg.win && lines.n == (size_t)c->msg.extra + 1) {
        /* A long message: its first lines above, its last on the status line. */
        for (int i = 0; i < c->msg.extra; i++)
            pane_put(c->msg.win, i, 0, width, lines.items[i], mattr, c->ascii);
        wnoutrefresh(c->msg.win);
        pane_put(w, 0, 0, width, lines.items[lines.n - 1], mattr, c->ascii);
    } else if (!right) {
        pane_put(w, 0, 0, width, hints, c->attrs[ROLE_NEUTRAL], c->ascii);
    } else {
        /* The message (or the error) first: it is what matters now. */
        char buf[1024];
        int used = 0;
        sanitize_str(right, buf, sizeof buf, width - 12, c->ascii, &used);
        pane_put(w, 0, 0, used + 1, buf, mattr, c->ascii);
        pane_put(w, 0, used + 1, width - used - 1, hints, c->attrs[ROLE_NEUTRAL], c->ascii);
    }
    strvec_free(&lines);
    c->dirty_status = false;
    wnoutrefresh(w);
}

void con_render(console *c)
{
    bool any = false;
    if (c->lay.too_small) {
        if (c->redraw_all) {
            werase(stdscr);
            char t[96];
            snprintf(t, sizeof t, "terminal too small (need %dx%d, have %dx%d)", LAYOUT_MIN_COLS, LAYOUT_MIN_LINES,
                     COLS, LINES);
            int x = (COLS - (int)strlen(t)) / 2;
            mvwaddstr(stdscr, LINES / 2, x > 0 ? x : 0, t);
            wnoutrefresh(stdscr);
            any = true;
            c->redraw_all = false;
        }
        if (any)
            doupdate();
        return;
    }
    if (c->redraw_all) {
        for (int p = 0; p < PANE_COUNT; p++)
            if (c->win_pane[p])
                werase(c->win_pane[p]);
        if (c->win_overlay)
            werase(c->win_overlay);
        c->redraw_all = false;
    }
    if (c->dirty_status) {
        /* first: a long message's lines going away mark what they covered */
        strvec lines = { 0 };
        status_wrap(c, &lines);
        strvec_free(&lines);
    }
    if (c->dirty_header) {
        draw_header(c);
        c->dirty_header = false;
        any = true;
    }
    if (c->ov.kind == OV_NONE && con_apps_shown(c)) {
        if (c->apps.dirty || c->ov.dirty) { /* the Apps overview takes the panes' place */
            con_apps_draw(c);
            any = true;
        }
    } else if (c->ov.kind == OV_NONE) {
        for (int p = 0; p < PANE_COUNT; p++) {
            if (!c->win_pane[p] || !(c->panes[p].dirty || c->title_dirty[p]))
                continue;
            draw_pane(c, p, c->panes[p].dirty);
            any = true;
        }
    } else if (c->ov.dirty) {
        draw_overlay(c);
        any = true;
    }
    if (c->dirty_status) {
        draw_status(c);
        any = true;
    }
    if (any && c->msg.win) {
        /* a long message's lines stay over whatever was drawn under them */
        touchwin(c->msg.win);
        wnoutrefresh(c->msg.win);
    }
    if (any)
        doupdate();
}
