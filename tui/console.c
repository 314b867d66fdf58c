/* console.c — the console's event loop and screen: waits in one place (the client
 * core's curl_multi_poll with stdin and a signal self-pipe as extra fds), lets the
 * watch start due polls, handles every pending key at once, applies the reaction
 * flags handlers return, and redraws only the windows that changed. Also owns the
 * terminal: set-up, and restoration on exit, fatal signals and out-of-memory. */
#include "console.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "keymap.h"
#include "layout.h"
#include "listview.h"
#include "pane.h"
#include "sanitize.h"
#include "theme.h"
#include "watch.h"

#define SELECT_DEBOUNCE_MS 250     /* Groups cursor rests this long before it drives the rest */
#define MESSAGE_MS 6000            /* how long a status message stays */
#define PROMPT_MAX 256

typedef enum overlay_kind { OV_NONE, OV_TEXT, OV_LOG } overlay_kind;
typedef enum prompt_kind { PR_NONE, PR_FILTER, PR_COMMAND } prompt_kind;

typedef struct console {
    const cli_globals *g;
    cli_session sess;
    aws_client *client;           /* in use: sess.client, or own_client after a switch */
    aws_client *own_client;
    char *profile, *region;       /* what the header shows and `s` passes on */
    watch *w;
    keymap km;
    theme th;
    theme_mode mode;
    unsigned long attrs[ROLE_COUNT];
    bool ascii, mouse, bell;
    bool has_meta;                /* some binding uses M-x */

    const app_config *app;
    char live_tag[130], stable_tag[130];

    layout lay;
    WINDOW *win_header, *win_status, *win_overlay;
    WINDOW *win_pane[PANE_COUNT];
    pane panes[PANE_COUNT];
    int focus;
    int tab_pane;

    overlay_kind ov;
    bool ov_dirty;
    char ov_title[160];
    strvec ov_lines;
    int ov_scroll;
    char ov_copy_id[256];
    listview log_lv;
    size_t log_seen;

    prompt_kind prompt;
    char prompt_buf[PROMPT_MAX];
    char prompt_saved[128];
    char completions[256];

    char msg[512];
    int msg_role;
    int64_t msg_until;

    bool dirty_header, dirty_status, redraw_all;
    bool title_dirty[PANE_COUNT];
    int64_t fade_due[PANE_COUNT];    /* when a changed-row highlight ends (0: none) */
    char *last_asg;                  /* to tell a new group's rows from changed rows */
    char pending_asg[256];
    int64_t pending_asg_at;
    bool refresh_was_active;
    int64_t last_second;
    bool quit;
} console;

/* ---- terminal safety ---- */

static int sig_pipe[2] = { -1, -1 };
static struct termios saved_tty;
static bool saved_tty_ok;
static volatile sig_atomic_t curses_on;

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (sig_pipe[1] >= 0 && write(sig_pipe[1], &b, 1) < 0) {
        /* The pipe is full: the loop already has bytes to wake for. */
    }
    errno = saved;
}

/* Async-signal-safe: only write(2) and tcsetattr(3). */
static void raw_terminal_reset(void)
{
    static const char seq[] = "\033[?1000l\033[?1002l\033[?1006l\033[0m\033[?25h\033[?1049l\r\n";
    if (write(STDOUT_FILENO, seq, sizeof seq - 1) < 0) {
        /* Nothing more can be done on a fatal path. */
    }
    if (saved_tty_ok)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
}

static void on_fatal(int sig)
{
    if (curses_on)
        raw_terminal_reset();
    curses_on = 0;
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Out of memory: util calls this before abort(). */
static void on_oom(void)
{
    if (curses_on) {
        curses_on = 0;
        endwin();
    }
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    int sigs[] = { SIGWINCH, SIGTERM, SIGHUP, SIGINT, SIGCHLD };
    for (size_t i = 0; i < ARRAY_LEN(sigs); i++)
        sigaction(sigs[i], &sa, NULL);
    sa.sa_handler = on_fatal;
    sa.sa_flags = SA_RESETHAND;
    int fatal[] = { SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL };
    for (size_t i = 0; i < ARRAY_LEN(fatal); i++)
        sigaction(fatal[i], &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static void restore_signals(void)
{
    int sigs[] = { SIGWINCH, SIGTERM, SIGHUP, SIGINT, SIGCHLD, SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL };
    for (size_t i = 0; i < ARRAY_LEN(sigs); i++)
        signal(sigs[i], SIG_DFL);
}

static int make_sig_pipe(void)
{
    if (pipe(sig_pipe) != 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(sig_pipe[i], F_SETFL, fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    return 0;
}

/* ---- small helpers ---- */

static pane_ctx ctx_of(const console *c)
{
    return (pane_ctx){
        .ws = watch_get(c->w),
        .app = c->app,
        .live_tag = c->live_tag,
        .stable_tag = c->stable_tag,
        .attrs = c->attrs,
        .ascii = c->ascii,
        .now_mono = mono_now_ms(),
        .now_wall = time_now_ms(),
    };
}

static void message(console *c, int role, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void message(console *c, int role, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    va_end(ap);
    c->msg_role = role;
    c->msg_until = mono_now_ms() + MESSAGE_MS;
    c->dirty_status = true;
}

static void mark_all(console *c)
{
    c->redraw_all = true;
    c->dirty_header = c->dirty_status = true;
    c->ov_dirty = true;
    for (int p = 0; p < PANE_COUNT; p++)
        c->panes[p].dirty = true;
}

static void set_app(console *c, const app_config *app)
{
    c->app = app;
    snprintf(c->live_tag, sizeof c->live_tag, "%s", app && app->live_tag ? app->live_tag : "prod");
    snprintf(c->stable_tag, sizeof c->stable_tag, "%s",
             app && app->stable_tag ? app->stable_tag : "prod-stable");
}

/* Horizontal run of a line character. */
static void draw_hline(WINDOW *w, int y, int x, int n, bool ascii)
{
    wmove(w, y, x);
    for (int i = 0; i < n; i++)
        waddstr(w, ascii ? "-" : "─");
}

/* ---- layout and windows ---- */

static void free_windows(console *c)
{
    WINDOW **all[] = { &c->win_header, &c->win_status, &c->win_overlay };
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

static void relayout(console *c)
{
    free_windows(c);
    layout_compute(COLS, LINES, c->tab_pane, &c->lay);
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
    clearok(curscr, TRUE);
    mark_all(c);
}

static void focus_pane(console *c, int p)
{
    if (p < 0 || p >= PANE_COUNT || p == c->focus)
        return;
    int old = c->focus;
    c->focus = p;
    c->panes[old].dirty = c->panes[p].dirty = true;
    c->dirty_status = true;
    if (c->lay.tabbed && p >= PANE_TARGETS && p != c->tab_pane) {
        c->tab_pane = p;
        relayout(c);
    }
}

/* ---- drawing ---- */

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
    const char *state = any_stale ? "DEGRADED" : any_ok ? "connected" : "connecting";
    strbuf sb;
    sb_init(&sb);
    /* Labels only where there is room for them. */
    bool roomy = c->lay.cols >= 120;
    const char *acct = ws->identity.account ? ws->identity.account : "-";
    if (roomy)
        sb_printf(&sb, " tarmac  acct %s  profile %s  region %s", acct,
                  c->profile ? c->profile : "default", c->region ? c->region : "-");
    else
        sb_printf(&sb, " tarmac %s %s %s", acct, c->profile ? c->profile : "default",
                  c->region ? c->region : "-");
    if (c->app)
        sb_printf(&sb, roomy ? "  app %s" : " %s", c->app->name);
    sb_printf(&sb, roomy ? "  asg %s" : " %s", ws->selected_asg ? ws->selected_asg : "-");

    /* Right: [READ-ONLY] state clock; the left part gets what is left. */
    static const char badge[] = "READ-ONLY";
    bool ro = c->sess.read_only;
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    char clock[32];
    strftime(clock, sizeof clock, "%H:%M %Z", &tm);   /* minutes: an idle screen stays still */
    int rw = (ro ? (int)sizeof badge - 1 + 2 : 0) + (int)strlen(state) + 2 + (int)strlen(clock) + 1;
    int x = c->lay.cols - rw;
    if (x < 0)
        x = 0;
    pane_put(w, 0, 0, x > 1 ? x - 1 : 0, sb.buf, a, c->ascii);
    sb_free(&sb);
    if (ro) {
        wattrset(w, (int)(c->attrs[ROLE_WARNING] | A_BOLD | A_REVERSE));
        mvwaddstr(w, 0, x, badge);
        x += (int)sizeof badge - 1 + 2;
    }
    wattrset(w, (int)(any_stale ? (c->attrs[ROLE_ERROR] | A_BOLD) : a));
    mvwaddstr(w, 0, x, state);
    x += (int)strlen(state);
    wattrset(w, (int)a);
    mvwaddstr(w, 0, x, "  ");
    waddstr(w, clock);
    waddch(w, ' ');
    wnoutrefresh(w);
}

/* Age and staleness of what a pane shows: the oldest of its sets. While the data
 * is as fresh as its poll interval promises, the title says "≤15s" and does not
 * change, so an idle console writes next to nothing; late data shows its exact age. */
#define LATE_SLACK_MS 5000
static void pane_age(const console *c, const pane *p, char *buf, size_t len, bool *stale)
{
    const watch_state *ws = watch_get(c->w);
    aws_time oldest = 0;
    bool in_flight = false;
    int interval = 0;
    *stale = false;
    for (int s = 0; s < WS_COUNT; s++) {
        if (!(p->ops->watches & WS_BIT(s)) && s != (int)p->ops->primary)
            continue;
        const watch_meta *m = &ws->meta[s];
        *stale |= m->stale;
        in_flight |= m->in_flight;
        if (m->fetched_at && (!oldest || m->fetched_at < oldest))
            oldest = m->fetched_at;
        if (m->fetched_at && m->interval_ms > interval)
            interval = m->interval_ms;
    }
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
    pane_ctx ctx = ctx_of(c);

    wattrset(w, (int)border);
    mvwaddstr(w, 0, 0, c->ascii ? "+" : "┌");
    draw_hline(w, 0, 1, width - 2, c->ascii);
    mvwaddstr(w, 0, width - 1, c->ascii ? "+" : "┐");

    /* Left: the number and title (tabs when the pane shares the bottom area). */
    int x = 2;
    int first = p, last = p;
    if (c->lay.tabbed && p >= PANE_TARGETS) {
        first = PANE_TARGETS;
        last = PANE_COUNT - 1;
    }
    for (int q = first; q <= last; q++) {
        char t[160], extra[128] = "";
        if (q == p && c->panes[q].ops->title_extra)
            c->panes[q].ops->title_extra(&c->panes[q], &ctx, extra, sizeof extra);
        if (q == p && c->panes[q].lv.filter[0]) {
            size_t l = strlen(extra);
            snprintf(extra + l, sizeof extra - l, "%s/%s", l ? " " : "", c->panes[q].lv.filter);
        }
        const char *sep = extra[0] ? (c->ascii ? " - " : " · ") : "";
        snprintf(t, sizeof t, " %d %s%s%s ", c->panes[q].ops->number, c->panes[q].ops->title, sep,
                 extra);
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
    char age[32], right[48];
    bool stale = false;
    pane_age(c, pn, age, sizeof age, &stale);
    snprintf(right, sizeof right, " %s%s ", stale ? "STALE " : "", age);
    int right_w = 0;
    char right_s[64];
    sanitize_str(right, right_s, sizeof right_s, 40, c->ascii, &right_w);
    int rx = width - 1 - right_w;
    if (rx > x) {
        wattrset(w, (int)(stale ? c->attrs[ROLE_ERROR] | A_BOLD : c->attrs[ROLE_NEUTRAL]));
        mvwaddstr(w, 0, rx, right_s);
    }
    wattrset(w, A_NORMAL);
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
        pane_ctx ctx = ctx_of(c);
        rect in = { 1, 1, r.h - 2, r.w - 2 };
        pane *pn = &c->panes[p];
        if (pn->ops->draw)
            pn->ops->draw(pn, w, &ctx, in, focused);
        else
            lv_draw(&pn->lv, w, in.y, in.x, in.h, in.w, c->attrs, focused, c->ascii, ctx.now_mono);
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
    snprintf(t, sizeof t, " %s ", c->ov_title);
    pane_put(w, 0, 2, (int)strlen(t) < r.w - 4 ? (int)strlen(t) : r.w - 4, t,
             c->attrs[ROLE_TITLE] | A_BOLD, c->ascii);
    int h = r.h - 2;
    if (c->ov == OV_LOG) {
        lv_draw(&c->log_lv, w, 1, 1, h, r.w - 2, c->attrs, true, c->ascii, mono_now_ms());
    } else {
        int max_scroll = (int)c->ov_lines.n - h;
        if (c->ov_scroll > max_scroll)
            c->ov_scroll = max_scroll;
        if (c->ov_scroll < 0)
            c->ov_scroll = 0;
        for (int i = 0; i < h; i++) {
            size_t li = (size_t)(c->ov_scroll + i);
            pane_put(w, 1 + i, 2, r.w - 4, li < c->ov_lines.n ? c->ov_lines.items[li] : "",
                     c->attrs[ROLE_NORMAL], c->ascii);
        }
        if ((int)c->ov_lines.n > h) {
            char pos[32];
            snprintf(pos, sizeof pos, " %d-%d/%zu ", c->ov_scroll + 1,
                     c->ov_scroll + h < (int)c->ov_lines.n ? c->ov_scroll + h : (int)c->ov_lines.n,
                     c->ov_lines.n);
            pane_put(w, r.h - 1, r.w - 2 - (int)strlen(pos), (int)strlen(pos), pos,
                     c->attrs[ROLE_NEUTRAL], c->ascii);
        }
    }
    c->ov_dirty = false;
    wnoutrefresh(w);
}

static void hints_text(console *c, char *buf, size_t len)
{
    strbuf sb;
    sb_init(&sb);
    const action_id *h = c->panes[c->focus].ops->hints;
    action_id global[] = { ACT_FOCUS_NEXT, ACT_COMMAND, ACT_REFRESH, ACT_API_LOG, ACT_HELP, ACT_QUIT, ACT_NONE };
    for (int pass = 0; pass < 2; pass++) {
        const action_id *list = pass == 0 ? h : global;
        for (size_t i = 0; list && list[i] != ACT_NONE; i++) {
            char keys[64];
            keymap_keys_for(&c->km, list[i], keys, sizeof keys);
            char *comma = strchr(keys, ',');
            if (comma)
                *comma = '\0';
            if (!keys[0])
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

static void draw_status(console *c)
{
    WINDOW *w = c->win_status;
    int width = c->lay.cols;
    if (c->prompt != PR_NONE) {
        char line[PROMPT_MAX + 8];
        snprintf(line, sizeof line, "%c%s", c->prompt == PR_FILTER ? '/' : ':', c->prompt_buf);
        int used = 0;
        char buf[PROMPT_MAX * 4];
        sanitize_str(line, buf, sizeof buf, width - 1, c->ascii, &used);
        wattrset(w, (int)c->attrs[ROLE_NORMAL]);
        mvwaddstr(w, 0, 0, buf);
        int cx = used;
        for (int i = used; i < width; i++)
            waddch(w, ' ');
        if (c->completions[0] && cx + 3 < width)
            pane_put(w, 0, cx + 2, width - cx - 2, c->completions, c->attrs[ROLE_NEUTRAL], c->ascii);
        wattrset(w, (int)c->attrs[ROLE_SELECTION]);
        if (cx < width)
            mvwaddch(w, 0, cx, ' ');
        wnoutrefresh(w);
        c->dirty_status = false;
        return;
    }
    char hints[512];
    hints_text(c, hints, sizeof hints);
    const char *right = NULL;
    int role = ROLE_NEUTRAL;
    const char *stale = first_stale_error(c);
    bool have_msg = c->msg[0] && mono_now_ms() < c->msg_until;
    /* An error outranks a passing note; a new error message outranks the old error. */
    if (have_msg && (!stale || c->msg_role != ROLE_NEUTRAL)) {
        right = c->msg;
        role = c->msg_role;
    } else if (stale) {
        right = stale;
        role = ROLE_ERROR;
    }
    if (!right) {
        pane_put(w, 0, 0, width, hints, c->attrs[ROLE_NEUTRAL], c->ascii);
    } else {
        /* The message (or the error) first: it is what matters now. */
        char buf[1024];
        int used = 0;
        sanitize_str(right, buf, sizeof buf, width - 12, c->ascii, &used);
        pane_put(w, 0, 0, used + 1, buf, c->attrs[role] | (role == ROLE_ERROR ? A_BOLD : 0), c->ascii);
        pane_put(w, 0, used + 1, width - used - 1, hints, c->attrs[ROLE_NEUTRAL], c->ascii);
    }
    c->dirty_status = false;
    wnoutrefresh(w);
}

static void render(console *c)
{
    bool any = false;
    if (c->lay.too_small) {
        if (c->redraw_all) {
            werase(stdscr);
            char t[96];
            snprintf(t, sizeof t, "terminal too small (need %dx%d, have %dx%d)", LAYOUT_MIN_COLS,
                     LAYOUT_MIN_LINES, COLS, LINES);
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
    if (c->dirty_header) {
        draw_header(c);
        c->dirty_header = false;
        any = true;
    }
    if (c->ov == OV_NONE) {
        for (int p = 0; p < PANE_COUNT; p++) {
            if (!c->win_pane[p] || !(c->panes[p].dirty || c->title_dirty[p]))
                continue;
            draw_pane(c, p, c->panes[p].dirty);
            any = true;
        }
    } else if (c->ov_dirty) {
        draw_overlay(c);
        any = true;
    }
    if (c->dirty_status) {
        draw_status(c);
        any = true;
    }
    if (any)
        doupdate();
}

/* ---- overlays ---- */

static void overlay_set_text(console *c, const char *title, const char *text)
{
    snprintf(c->ov_title, sizeof c->ov_title, "%s", title);
    strvec_free(&c->ov_lines);
    const char *s = text;
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        char *line = xstrndup(s, n);
        strvec_push(&c->ov_lines, line);
        free(line);
        s += n + (nl ? 1 : 0);
    }
    c->ov = OV_TEXT;
    c->ov_scroll = 0;
    c->ov_dirty = true;
    c->dirty_status = true;
}

static void close_overlay(console *c)
{
    if (c->ov == OV_NONE)
        return;
    c->ov = OV_NONE;
    c->ov_copy_id[0] = '\0';
    for (int p = 0; p < PANE_COUNT; p++) {
        c->panes[p].dirty = true;
        if (c->win_pane[p])
            touchwin(c->win_pane[p]);
    }
    c->dirty_status = true;
}

static void open_detail(console *c)
{
    pane *p = &c->panes[c->focus];
    if (!p->ops->detail)
        return;
    pane_ctx ctx = ctx_of(c);
    strbuf sb;
    sb_init(&sb);
    p->ops->detail(p, &ctx, &sb);
    const char *id = lv_selected_id(&p->lv);
    char title[160];
    snprintf(title, sizeof title, "%s · %.100s  (Esc closes, y copies the id)", p->ops->title,
             id ? id : "");
    overlay_set_text(c, title, sb.buf);
    snprintf(c->ov_copy_id, sizeof c->ov_copy_id, "%s", id ? id : "");
    sb_free(&sb);
}

static void open_help(console *c)
{
    strbuf sb;
    sb_init(&sb);
    sb_append(&sb, "Keys (change them in the config file's keys: section, by action name)\n\n");
    for (int scope = 0; scope <= PANE_COUNT; scope++) {
        bool header = false;
        for (int a = 1; a < ACT_COUNT; a++) {
            if (keymap_actions[a].scope != scope)
                continue;
            if (!header) {
                if (scope == SCOPE_GLOBAL)
                    sb_append(&sb, "Everywhere\n");
                else
                    sb_printf(&sb, "\n%s pane\n", panes_all[scope - 1]->title);
                header = true;
            }
            char keys[64];
            keymap_keys_for(&c->km, (action_id)a, keys, sizeof keys);
            sb_printf(&sb, "  %-16s %-18s %s\n", keys[0] ? keys : "(unbound)", keymap_actions[a].name,
                      keymap_actions[a].help);
        }
    }
    sb_append(&sb, "\nCommands (:)\n"
                   "  asg NAME         watch another Auto Scaling group\n"
                   "  repo NAME        watch another ECR repository\n"
                   "  app NAME         switch to an app of the config file\n"
                   "  region R         switch region\n"
                   "  profile P        switch AWS profile\n"
                   "  theme T          switch theme (dark, light, high-contrast, mono, or yours)\n"
                   "  q                quit\n"
                   "Tab completes commands and names.\n");
    overlay_set_text(c, "Help  (Esc closes)", sb.buf);
    sb_free(&sb);
}

static const lv_column log_columns[] = {
    { .title = "TIME", .min = 8, .max = 8 },
    { .title = "SERVICE", .min = 7, .max = 11, .prio = 3 },
    { .title = "OPERATION", .min = 12, .max = 32 },
    { .title = "HTTP", .min = 4, .max = 4, .right = true },
    { .title = "MS", .min = 5, .max = 6, .right = true },
    { .title = "RETRY", .min = 5, .max = 5, .prio = 2, .right = true },
    { .title = "ERROR", .min = 6, .max = 30, .prio = 1 },
    { .title = "REQUEST ID", .min = 10, .prio = 1 },
};

static void log_rebuild(console *c)
{
    const aws_call_record *rec = NULL;
    size_t n = aws_client_call_log(c->client, &rec);
    c->log_seen = n;
    lv_begin(&c->log_lv);
    for (size_t k = n; k-- > 0;) {
        const aws_call_record *r = &rec[k];
        char id[200], t[16];
        snprintf(id, sizeof id, "%lld/%s/%s", (long long)r->when, r->operation, r->request_id);
        lv_row *row = lv_add(&c->log_lv, id);
        time_t secs = (time_t)(r->when / 1000);
        struct tm tm;
        localtime_r(&secs, &tm);
        strftime(t, sizeof t, "%H:%M:%S", &tm);
        lv_set(row, 0, t);
        lv_set(row, 1, r->service);
        lv_set(row, 2, r->operation);
        if (r->http_status)
            lv_setf(row, 3, "%ld", r->http_status);
        else
            lv_set(row, 3, "-");
        lv_setf(row, 4, "%d", r->latency_ms);
        lv_setf(row, 5, "%d", r->retries);
        lv_set(row, 6, r->error_code);
        lv_set(row, 7, r->request_id);
        if (r->error_code[0])
            row->role = ROLE_UNHEALTHY;
    }
    lv_end(&c->log_lv, mono_now_ms());
    c->ov_dirty = true;
}

static void open_log(console *c)
{
    snprintf(c->ov_title, sizeof c->ov_title, "API calls, newest first  (Esc closes)");
    c->ov = OV_LOG;
    log_rebuild(c);
    c->dirty_status = true;
}

/* ---- OSC 52 copy ---- */

static void copy_osc52(console *c, const char *id)
{
    if (!id || !*id) {
        message(c, ROLE_WARNING, "nothing selected to copy");
        return;
    }
    size_t n = strlen(id);
    if (n > 1024)
        n = 1024;
    unsigned char b64[1400];
    int len = EVP_EncodeBlock(b64, (const unsigned char *)id, (int)n);
    char seq[1500];
    int sl = snprintf(seq, sizeof seq, "\033]52;c;%.*s\a", len, (const char *)b64);
    /* Written straight to the terminal, after what curses has buffered. */
    fflush(stdout);
    if (sl > 0 && write(STDOUT_FILENO, seq, (size_t)sl) < 0) {
        message(c, ROLE_ERROR, "could not write to the terminal");
        return;
    }
    char shown[120];
    sanitize_str(id, shown, sizeof shown, 60, c->ascii, NULL);
    message(c, ROLE_HEALTHY, "copied %s (OSC 52: the terminal must allow clipboard writes)", shown);
}

/* ---- SSM shell ---- */

static bool on_path(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        return false;
    char buf[4096];
    const char *s = path;
    while (*s) {
        const char *colon = strchr(s, ':');
        size_t n = colon ? (size_t)(colon - s) : strlen(s);
        snprintf(buf, sizeof buf, "%.*s/%s", (int)n, n ? s : ".", prog);
        struct stat st;
        if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
            return true;
        s += n + (colon ? 1 : 0);
    }
    return false;
}

static bool instance_id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n < 10 || n > 19 || strncmp(id, "i-", 2) != 0)
        return false;
    for (size_t i = 2; i < n; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return false;
    return true;
}

static void drain_sig_pipe(void)
{
    unsigned char b[64];
    while (read(sig_pipe[0], b, sizeof b) > 0) {
    }
}

static void ssm_shell(console *c)
{
    const char *id = lv_selected_id(&c->panes[PANE_INSTANCES].lv);
    if (!instance_id_ok(id)) {
        message(c, ROLE_WARNING, "select an instance first");
        return;
    }
    if (!on_path("aws")) {
        message(c, ROLE_ERROR, "SSM shell: the AWS CLI (aws) is not on PATH; nothing was run");
        return;
    }
    if (!on_path("session-manager-plugin")) {
        message(c, ROLE_ERROR, "SSM shell: session-manager-plugin is not on PATH; nothing was run");
        return;
    }
    const char *argv[12];
    int n = 0;
    argv[n++] = "aws";
    argv[n++] = "ssm";
    argv[n++] = "start-session";
    argv[n++] = "--target";
    argv[n++] = id;
    argv[n++] = "--region";
    argv[n++] = aws_client_region(c->client);
    if (c->profile) {
        argv[n++] = "--profile";
        argv[n++] = c->profile;
    }
    argv[n] = NULL;

    def_prog_mode();
    endwin();
    fprintf(stderr, "tarmac: aws ssm start-session --target %s (the console comes back when it ends)\n", id);
    /* The child owns the terminal meanwhile: ^C goes to it, not to us. */
    struct sigaction ign, old_int, old_quit;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGINT, &ign, &old_int);
    sigaction(SIGQUIT, &ign, &old_quit);
    pid_t pid = fork();
    if (pid == 0) {
        restore_signals();
        signal(SIGINT, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
        execvp("aws", (char *const *)argv);
        _exit(127);
    }
    int status = 0;
    if (pid > 0)
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    drain_sig_pipe();
    reset_prog_mode();
    clearok(curscr, TRUE);
    relayout(c);
    if (pid < 0)
        message(c, ROLE_ERROR, "could not start aws: %s", strerror(errno));
    else if (WIFEXITED(status))
        message(c, WEXITSTATUS(status) ? ROLE_WARNING : ROLE_NEUTRAL, "SSM session ended (exit %d)",
                WEXITSTATUS(status));
    else
        message(c, ROLE_WARNING, "SSM session ended by a signal");
}

/* ---- switching client, app, theme ---- */

static int switch_client(console *c, const char *profile, const char *region)
{
    creds_request cr = { .profile = profile, .region = region };
    strbuf err;
    sb_init(&err);
    char *reg = NULL;
    aws_credentials cred;
    memset(&cred, 0, sizeof cred);
    int rc = -1;
    if (region_resolve(&cr, &reg, &err) != 0)
        goto out;
    cr.region = reg;
    if (creds_resolve(&cr, &cred, &err) != 0)
        goto out;
    aws_client_config cc = {
        .region = reg,
        .endpoint_url = c->g->endpoint_url,
        .profile = creds_profile_name(&cr),
        .credentials = &cred,
    };
    aws_error aerr;
    memset(&aerr, 0, sizeof aerr);
    aws_client *nc = aws_client_new(&cc, &aerr);
    if (!nc) {
        sb_append(&err, aerr.message[0] ? aerr.message : aerr.code);
        goto out;
    }
    watch_set_client(c->w, nc);
    if (c->own_client)
        aws_client_free(c->own_client);
    c->own_client = c->client = nc;
    str_set(&c->region, reg);
    str_set(&c->profile, profile);
    rc = 0;
out:
    if (rc)
        message(c, ROLE_ERROR, "%s", err.buf);
    aws_credentials_free(&cred);
    free(reg);
    sb_free(&err);
    for (int p = 0; p < PANE_COUNT; p++)
        c->panes[p].dirty = true;
    c->dirty_header = true;
    return rc;
}

static void apply_theme(console *c, const char *name)
{
    strbuf err;
    sb_init(&err);
    theme t;
    if (theme_load(name, &t, &err) != 0) {
        message(c, ROLE_ERROR, "%s", err.buf);
    } else {
        c->th = t;
        theme_activate(&c->th, c->mode, c->attrs);
        relayout(c);
        message(c, ROLE_NEUTRAL, "theme %s", c->th.name);
    }
    sb_free(&err);
}

static void select_asg(console *c, const char *name)
{
    watch_select_asg(c->w, name);
    lv_select_id(&c->panes[PANE_GROUPS].lv, name);
    c->panes[PANE_GROUPS].dirty = true;
    c->dirty_header = true;
}

/* True when the app lives in the region and profile the console talks to now. */
static bool app_is_local(const console *c, const app_config *app)
{
    const char *prof = config_app_profile(&c->sess.config, app);
    const char *reg = config_app_region(&c->sess.config, app);
    return (!reg || str_eq(reg, c->region)) && (!prof || str_eq(prof, c->profile));
}

/* The configured app whose group is asg, or NULL. */
static const app_config *app_for_asg(const console *c, const char *asg)
{
    for (size_t i = 0; i < c->sess.config.apps.n; i++)
        if (str_eq(c->sess.config.apps.items[i].asg, asg) && app_is_local(c, &c->sess.config.apps.items[i]))
            return &c->sess.config.apps.items[i];
    return NULL;
}

static void switch_app(console *c, const char *name)
{
    const app_config *app = config_find_app(&c->sess.config, name);
    if (!app) {
        message(c, ROLE_ERROR, "no app named '%.64s' in the config file", name);
        return;
    }
    const char *prof = config_app_profile(&c->sess.config, app);
    const char *reg = config_app_region(&c->sess.config, app);
    if ((reg && !str_eq(reg, c->region)) || (prof && !str_eq(prof, c->profile)))
        if (switch_client(c, prof ? prof : c->profile, reg ? reg : c->region) != 0)
            return;
    set_app(c, app);
    select_asg(c, app->asg);
    watch_set_repository(c->w, app->ecr_repository);
    mark_all(c);
}

/* ---- the command line ---- */

static const char *const commands[] = { "asg", "repo", "app", "region", "profile", "theme", "q" };
static const char *const regions[] = {
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2",
    "eu-west-3", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "ap-south-1",
    "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "sa-east-1", "me-south-1", "af-south-1",
};

/* Profile names from the AWS config files ("[profile x]", "[x]"). */
static void list_profiles(strvec *out)
{
    const char *home = getenv("HOME");
    const char *files[2] = { getenv("AWS_CONFIG_FILE"), getenv("AWS_SHARED_CREDENTIALS_FILE") };
    char defaults[2][1024];
    for (int i = 0; i < 2; i++) {
        if (!files[i] && home) {
            snprintf(defaults[i], sizeof defaults[i], "%s/.aws/%s", home, i == 0 ? "config" : "credentials");
            files[i] = defaults[i];
        }
        FILE *f = files[i] ? fopen(files[i], "r") : NULL;
        if (!f)
            continue;
        char line[512];
        int lines = 0;
        while (fgets(line, sizeof line, f) && lines++ < 10000) {
            char *s = line;
            while (*s == ' ' || *s == '\t')
                s++;
            if (*s != '[')
                continue;
            s++;
            if (strncmp(s, "profile ", 8) == 0)
                s += 8;
            char *end = strchr(s, ']');
            if (!end || end == s)
                continue;
            *end = '\0';
            if (strncmp(s, "sso-session", 11) != 0 && !strvec_contains(out, s))
                strvec_push(out, s);
        }
        fclose(f);
    }
}

static void candidates_for(console *c, const char *cmd, strvec *out)
{
    const watch_state *ws = watch_get(c->w);
    if (str_eq(cmd, "asg")) {
        for (size_t i = 0; i < ws->groups.n; i++)
            strvec_push(out, ws->groups.items[i].name);
    } else if (str_eq(cmd, "repo")) {
        for (size_t i = 0; i < c->sess.config.apps.n; i++)
            if (c->sess.config.apps.items[i].ecr_repository &&
                !strvec_contains(out, c->sess.config.apps.items[i].ecr_repository))
                strvec_push(out, c->sess.config.apps.items[i].ecr_repository);
        if (ws->repository && !strvec_contains(out, ws->repository))
            strvec_push(out, ws->repository);
    } else if (str_eq(cmd, "app")) {
        for (size_t i = 0; i < c->sess.config.apps.n; i++)
            strvec_push(out, c->sess.config.apps.items[i].name);
    } else if (str_eq(cmd, "region")) {
        for (size_t i = 0; i < ARRAY_LEN(regions); i++)
            strvec_push(out, regions[i]);
    } else if (str_eq(cmd, "profile")) {
        list_profiles(out);
    } else if (str_eq(cmd, "theme")) {
        theme_list(out);
    }
}

/* Tab: complete the word under the cursor to the longest common prefix. */
static void complete(console *c)
{
    char *buf = c->prompt_buf;
    char *space = strchr(buf, ' ');
    strvec cands = { 0 };
    const char *word;
    size_t word_off;
    if (!space) {
        for (size_t i = 0; i < ARRAY_LEN(commands); i++)
            strvec_push(&cands, commands[i]);
        word = buf;
        word_off = 0;
    } else {
        char cmd[32];
        snprintf(cmd, sizeof cmd, "%.*s", (int)(space - buf), buf);
        candidates_for(c, cmd, &cands);
        word = space + 1;
        word_off = (size_t)(word - buf);
    }
    size_t wl = strlen(word);
    const char *first = NULL;
    size_t common = 0, matches = 0;
    strbuf shown;
    sb_init(&shown);
    for (size_t i = 0; i < cands.n; i++) {
        const char *s = cands.items[i];
        if (strncmp(s, word, wl) != 0)
            continue;
        if (!first) {
            first = s;
            common = strlen(s);
        } else {
            size_t k = 0;
            while (k < common && s[k] == first[k])
                k++;
            common = k;
        }
        if (matches++ < 12)
            sb_printf(&shown, "%s%s", shown.len ? " " : "", s);
    }
    c->completions[0] = '\0';
    if (matches == 1) {
        snprintf(buf + word_off, PROMPT_MAX - word_off, "%s%s", first, space ? "" : " ");
    } else if (matches > 1) {
        if (common > wl)
            snprintf(buf + word_off, PROMPT_MAX - word_off, "%.*s", (int)common, first);
        snprintf(c->completions, sizeof c->completions, "%s%s", shown.buf, matches > 12 ? " ..." : "");
    } else {
        snprintf(c->completions, sizeof c->completions, "(no completion)");
    }
    sb_free(&shown);
    strvec_free(&cands);
}

static void run_command(console *c, const char *line)
{
    char cmd[32] = "", arg[PROMPT_MAX] = "";
    while (*line == ' ')
        line++;
    const char *sp = strchr(line, ' ');
    snprintf(cmd, sizeof cmd, "%.*s", sp ? (int)(sp - line) : (int)strlen(line), line);
    if (sp) {
        while (*sp == ' ')
            sp++;
        snprintf(arg, sizeof arg, "%s", sp);
        size_t n = strlen(arg);
        while (n && arg[n - 1] == ' ')
            arg[--n] = '\0';
    }
    if (!cmd[0])
        return;
    if (str_eq(cmd, "q") || str_eq(cmd, "quit")) {
        c->quit = true;
        return;
    }
    bool known = false;
    for (size_t i = 0; i < ARRAY_LEN(commands); i++)
        known |= str_eq(cmd, commands[i]);
    if (!known) {
        message(c, ROLE_ERROR, "unknown command '%.30s' (asg, repo, app, region, profile, theme, q)", cmd);
        return;
    }
    if (!arg[0]) {
        message(c, ROLE_ERROR, ":%s needs a name (Tab completes)", cmd);
        return;
    }
    if (str_eq(cmd, "asg")) {
        select_asg(c, arg);
        message(c, ROLE_NEUTRAL, "watching group %.100s", arg);
    } else if (str_eq(cmd, "repo")) {
        watch_set_repository(c->w, arg);
        c->panes[PANE_IMAGES].dirty = true;
        message(c, ROLE_NEUTRAL, "watching repository %.100s", arg);
    } else if (str_eq(cmd, "app")) {
        switch_app(c, arg);
    } else if (str_eq(cmd, "region")) {
        if (switch_client(c, c->profile, arg) == 0)
            message(c, ROLE_NEUTRAL, "region %.40s", arg);
    } else if (str_eq(cmd, "profile")) {
        if (switch_client(c, arg, c->region) == 0)
            message(c, ROLE_NEUTRAL, "profile %.60s", arg);
    } else if (str_eq(cmd, "theme")) {
        apply_theme(c, arg);
    }
}

/* ---- keys ---- */

static void prompt_open(console *c, prompt_kind k)
{
    c->prompt = k;
    c->completions[0] = '\0';
    if (k == PR_FILTER) {
        snprintf(c->prompt_saved, sizeof c->prompt_saved, "%s", c->panes[c->focus].lv.filter);
        snprintf(c->prompt_buf, sizeof c->prompt_buf, "%s", c->prompt_saved);
    } else {
        c->prompt_buf[0] = '\0';
    }
    c->dirty_status = true;
}

static void prompt_changed(console *c)
{
    if (c->prompt == PR_FILTER) {
        pane *p = &c->panes[c->focus];
        lv_set_filter(&p->lv, c->prompt_buf);
        p->dirty = true;
    }
    c->dirty_status = true;
}

static void utf8_append(char *buf, size_t cap, int cp)
{
    char u[5] = { 0 };
    if (cp < 0x80) u[0] = (char)cp;
    else if (cp < 0x800) { u[0] = (char)(0xc0 | (cp >> 6)); u[1] = (char)(0x80 | (cp & 0x3f)); }
    else if (cp < 0x10000) { u[0] = (char)(0xe0 | (cp >> 12)); u[1] = (char)(0x80 | ((cp >> 6) & 0x3f)); u[2] = (char)(0x80 | (cp & 0x3f)); }
    else { u[0] = (char)(0xf0 | (cp >> 18)); u[1] = (char)(0x80 | ((cp >> 12) & 0x3f)); u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); u[3] = (char)(0x80 | (cp & 0x3f)); }
    size_t n = strlen(buf), m = strlen(u);
    if (n + m < cap)
        memcpy(buf + n, u, m + 1);
}

static void prompt_key(console *c, int key)
{
    size_t n = strlen(c->prompt_buf);
    if (key == 27) {                             /* Esc: cancel */
        if (c->prompt == PR_FILTER) {
            snprintf(c->prompt_buf, sizeof c->prompt_buf, "%s", c->prompt_saved);
            prompt_changed(c);
        }
        c->prompt = PR_NONE;
    } else if (key == '\r') {
        prompt_kind k = c->prompt;
        c->prompt = PR_NONE;
        if (k == PR_COMMAND) {
            char line[PROMPT_MAX];
            snprintf(line, sizeof line, "%s", c->prompt_buf);
            run_command(c, line);
        }
    } else if (key == (KEYMAP_FN | KEY_BACKSPACE)) {
        while (n > 0 && ((unsigned char)c->prompt_buf[n - 1] & 0xc0) == 0x80)
            n--;
        if (n > 0)
            n--;
        c->prompt_buf[n] = '\0';
        c->completions[0] = '\0';
        prompt_changed(c);
    } else if (key == ('u' & 0x1f)) {
        c->prompt_buf[0] = '\0';
        prompt_changed(c);
    } else if (key == '\t' && c->prompt == PR_COMMAND) {
        complete(c);
    } else if (key >= 0x20 && key < KEYMAP_FN && key != 0x7f && !(key >= 0x80 && key < 0xa0)) {
        utf8_append(c->prompt_buf, sizeof c->prompt_buf, key);
        c->completions[0] = '\0';
        prompt_changed(c);
    }
    c->dirty_status = true;
}

static void overlay_key(console *c, action_id a)
{
    int h = c->lay.body.h - 2;
    if (c->ov == OV_LOG) {
        if (lv_move(&c->log_lv, a, NULL)) {
            c->ov_dirty = true;
            return;
        }
    } else {
        int before = c->ov_scroll;
        switch (a) {
        case ACT_UP: c->ov_scroll--; break;
        case ACT_DOWN: c->ov_scroll++; break;
        case ACT_PAGE_UP: c->ov_scroll -= h - 1; break;
        case ACT_PAGE_DOWN: c->ov_scroll += h - 1; break;
        case ACT_TOP: c->ov_scroll = 0; break;
        case ACT_BOTTOM: c->ov_scroll = (int)c->ov_lines.n; break;
        default: break;
        }
        if (c->ov_scroll != before) {
            c->ov_dirty = true;
            return;
        }
    }
    switch (a) {
    case ACT_BACK:
    case ACT_QUIT:
    case ACT_DETAIL:
        close_overlay(c);
        break;
    case ACT_HELP:
        close_overlay(c);
        open_help(c);
        break;
    case ACT_API_LOG:
        if (c->ov == OV_LOG)
            close_overlay(c);
        else
            open_log(c);
        break;
    case ACT_COPY_ID:
        if (c->ov == OV_LOG)
            copy_osc52(c, lv_selected(&c->log_lv) ? lv_selected(&c->log_lv)->cells[7] : NULL);
        else
            copy_osc52(c, c->ov_copy_id);
        break;
    case ACT_REFRESH:
        watch_refresh_now(c->w);
        break;
    default:
        break;
    }
}

static void apply_reactions(console *c, unsigned r)
{
    pane *p = &c->panes[c->focus];
    if (r & R_REDRAW)
        p->dirty = true;
    if (r & R_QUIT)
        c->quit = true;
    if (r & R_REFETCH)
        watch_refresh_now(c->w);
    if (r & R_OPEN_DETAIL)
        open_detail(c);
    if (r & R_SELECT_ASG) {
        const char *id = lv_selected_id(&c->panes[PANE_GROUPS].lv);
        snprintf(c->pending_asg, sizeof c->pending_asg, "%s", id ? id : "");
        c->pending_asg_at = mono_now_ms() + SELECT_DEBOUNCE_MS;
    }
    if (r & R_SSM)
        ssm_shell(c);
}

static unsigned global_action(console *c, action_id a)
{
    pane *p = &c->panes[c->focus];
    switch (a) {
    case ACT_QUIT: return R_QUIT;
    case ACT_HELP: open_help(c); return R_NONE;
    case ACT_API_LOG: open_log(c); return R_NONE;
    case ACT_REFRESH:
        message(c, ROLE_NEUTRAL, "refreshing everything");
        return R_REFETCH;
    case ACT_COMMAND: prompt_open(c, PR_COMMAND); return R_NONE;
    case ACT_FILTER: prompt_open(c, PR_FILTER); return R_NONE;
    case ACT_BACK:
        if (p->lv.filter[0]) {
            lv_set_filter(&p->lv, "");
            return R_REDRAW;
        }
        return R_NONE;
    case ACT_FOCUS_NEXT: focus_pane(c, (c->focus + 1) % PANE_COUNT); return R_NONE;
    case ACT_FOCUS_PREV: focus_pane(c, (c->focus + PANE_COUNT - 1) % PANE_COUNT); return R_NONE;
    case ACT_FOCUS_1: case ACT_FOCUS_2: case ACT_FOCUS_3:
    case ACT_FOCUS_4: case ACT_FOCUS_5: case ACT_FOCUS_6:
        focus_pane(c, (int)(a - ACT_FOCUS_1));
        return R_NONE;
    case ACT_DETAIL: return R_OPEN_DETAIL;
    case ACT_COPY_ID: copy_osc52(c, lv_selected_id(&p->lv)); return R_NONE;
    case ACT_SSM_SHELL:
        message(c, ROLE_WARNING, "the SSM shell opens from the Instances pane (2)");
        return R_NONE;
    default: return R_NONE;
    }
}

static void mouse_event(console *c)
{
    MEVENT ev;
    if (getmouse(&ev) != OK || c->lay.too_small)
        return;
    int steps = 0;
    action_id a = ACT_NONE;
    if (ev.bstate & BUTTON4_PRESSED) { a = ACT_UP; steps = 3; }
#ifdef BUTTON5_PRESSED
    else if (ev.bstate & BUTTON5_PRESSED) { a = ACT_DOWN; steps = 3; }
#endif
    if (c->ov != OV_NONE) {
        for (int i = 0; i < steps; i++)
            overlay_key(c, a);
        return;
    }
    int p = layout_pane_at(&c->lay, ev.y, ev.x);
    if (p < 0)
        return;
    if (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON1_RELEASED)) {
        if (ev.bstate & BUTTON1_RELEASED)
            return;
        focus_pane(c, p);
        int line = ev.y - c->lay.pane[p].y - c->panes[p].lv.drawn_y - 1;
        if (lv_click(&c->panes[p].lv, line) && p == PANE_GROUPS)
            apply_reactions(c, R_SELECT_ASG);
        c->panes[p].dirty = true;
        return;
    }
    if (steps) {
        int old = c->focus;
        c->focus = p;
        pane_ctx ctx = ctx_of(c);
        for (int i = 0; i < steps; i++)
            if (c->panes[p].ops->key)
                apply_reactions(c, c->panes[p].ops->key(&c->panes[p], a, &ctx));
        c->focus = old;
        c->panes[p].dirty = true;
    }
}

static int normalize_key(int rc, wint_t wc)
{
    if (rc == KEY_CODE_YES) {
        if (wc == KEY_ENTER)
            return '\r';
        return KEYMAP_FN | (int)wc;
    }
    if (wc == '\n')
        return '\r';
    if (wc == 127 || wc == 8)
        return KEYMAP_FN | KEY_BACKSPACE;
    return (int)wc;
}

static void handle_key(console *c, int key)
{
    if (key == (KEYMAP_FN | KEY_RESIZE)) {
        relayout(c);
        return;
    }
    if (key == (KEYMAP_FN | KEY_MOUSE)) {
        mouse_event(c);
        return;
    }
    if (c->lay.too_small) {
        if (keymap_lookup(&c->km, SCOPE_GLOBAL, key) == ACT_QUIT)
            c->quit = true;
        return;
    }
    if (c->prompt != PR_NONE) {
        prompt_key(c, key);
        return;
    }
    action_id a = keymap_lookup(&c->km, c->panes[c->focus].ops->number, key);
    if (c->ov != OV_NONE) {
        overlay_key(c, a);
        return;
    }
    if (a == ACT_NONE)
        return;
    pane *p = &c->panes[c->focus];
    unsigned r = R_NONE;
    if (p->ops->key) {
        pane_ctx ctx = ctx_of(c);
        r = p->ops->key(p, a, &ctx);
    }
    if (!(r & R_HANDLED))
        r |= global_action(c, a);
    apply_reactions(c, r);
}

static void read_keys(console *c)
{
    for (int budget = 0; budget < 512 && !c->quit; budget++) {
        wint_t wc;
        int rc = wget_wch(stdscr, &wc);
        if (rc == ERR)
            break;
        int key = normalize_key(rc, wc);
        if (key == 27 && c->prompt == PR_NONE && c->has_meta) {
            /* Alt+key arrives as ESC then the key. Reading ahead would split an
             * escape sequence that follows a lone Esc, so only when the keymap
             * has Alt bindings at all. */
            wint_t w2;
            int rc2 = wget_wch(stdscr, &w2);
            /* ... but only when something is bound to that Alt key: a fast
             * Esc followed by ':' must stay two keys. */
            if (rc2 == OK && w2 > 0x20 && w2 < 0x7f &&
                keymap_lookup(&c->km, c->panes[c->focus].ops->number, KEYMAP_META | (int)w2) != ACT_NONE)
                key = KEYMAP_META | (int)w2;
            else if (rc2 == KEY_CODE_YES)
                ungetch((int)w2);
            else if (rc2 != ERR)
                unget_wch(w2);
        }
        handle_key(c, key);
    }
}

static void read_signals(console *c)
{
    unsigned char b[64];
    ssize_t n;
    while ((n = read(sig_pipe[0], b, sizeof b)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            if (b[i] == SIGWINCH) {
                struct winsize ws;
                if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
                    resizeterm(ws.ws_row, ws.ws_col);   /* queues KEY_RESIZE */
                relayout(c);
            } else if (b[i] == SIGTERM || b[i] == SIGHUP || b[i] == SIGINT) {
                c->quit = true;
            }
        }
    }
}

/* ---- model changes and timers ---- */

static void apply_changes(console *c, unsigned changed)
{
    if (!changed)
        return;
    pane_ctx ctx = ctx_of(c);
    /* Another group: its rows are new, not changed — no highlight. */
    bool new_group = !str_eq(c->last_asg, ctx.ws->selected_asg);
    if (new_group) {
        str_set(&c->last_asg, ctx.ws->selected_asg);
        for (int p = 0; p < PANE_COUNT; p++)
            if (p != PANE_GROUPS)
                c->panes[p].lv.loaded = false;
    }
    for (int p = 0; p < PANE_COUNT; p++) {
        pane *pn = &c->panes[p];
        if (!new_group && !(pn->ops->watches & changed) && !(WS_BIT(pn->ops->primary) & changed))
            continue;
        pn->ops->on_model_change(pn, changed, &ctx);
        pn->dirty = true;
    }
    c->dirty_header = c->dirty_status = true;
    if (c->ov == OV_LOG)
        log_rebuild(c);
    bool active = watch_refresh_active(ctx.ws);
    if (c->refresh_was_active && !active && (changed & WS_BIT(WS_REFRESHES)) && ctx.ws->refreshes.n) {
        if (c->bell)
            beep();
        message(c, ROLE_NEUTRAL, "instance refresh ended: %.40s",
                ctx.ws->refreshes.items[0].status ? ctx.ws->refreshes.items[0].status : "?");
    }
    c->refresh_was_active = active;
}

static void timers(console *c, int64_t now)
{
    /* Once a second: the clock and the ages in the pane titles. */
    if (now / 1000 != c->last_second) {
        c->last_second = now / 1000;
        c->dirty_header = true;
        for (int p = 0; p < PANE_COUNT; p++)
            c->title_dirty[p] = true;
        if (c->msg[0] && now >= c->msg_until) {
            c->msg[0] = '\0';
            c->dirty_status = true;
        }
        if (c->ov == OV_LOG && aws_client_call_log(c->client, &(const aws_call_record *){ NULL }) != c->log_seen)
            log_rebuild(c);
    }
    for (int p = 0; p < PANE_COUNT; p++)
        if (c->fade_due[p] && now >= c->fade_due[p]) {
            c->panes[p].dirty = true;
            c->fade_due[p] = 0;
        }
    if (c->pending_asg[0] && now >= c->pending_asg_at) {
        /* A group of another configured app brings that app's repository and tags. */
        const app_config *app = app_for_asg(c, c->pending_asg);
        if (app && app != c->app) {
            set_app(c, app);
            watch_set_repository(c->w, app->ecr_repository);
            c->panes[PANE_IMAGES].dirty = true;
        }
        watch_select_asg(c->w, c->pending_asg);
        c->pending_asg[0] = '\0';
        c->dirty_header = true;
    }
}

static int next_timeout(console *c, int64_t now)
{
    int64_t t = 1000 - now % 1000;
    int64_t w = watch_next_due_ms(c->w, now);
    if (w < t)
        t = w;
    for (int p = 0; p < PANE_COUNT; p++)
        if (c->fade_due[p] && c->fade_due[p] - now < t)
            t = c->fade_due[p] - now;
    if (c->pending_asg[0] && c->pending_asg_at - now < t)
        t = c->pending_asg_at - now;
    if (t < 0)
        t = 0;
    return (int)t;
}

/* ---- start-up ---- */

/* --refresh=N / --theme=NAME (or as two words) from the arguments left over. */
static int parse_console_args(const cli_globals *g, int *refresh_s, const char **theme_name, bool *no_mouse)
{
    for (size_t i = 0; i < g->args.n; i++) {
        const char *a = g->args.items[i];
        const char *val = NULL;
        if (strncmp(a, "--refresh", 9) == 0 && (a[9] == '=' || a[9] == '\0')) {
            val = a[9] == '=' ? a + 10 : (i + 1 < g->args.n ? g->args.items[++i] : NULL);
            char *end = NULL;
            long v = val ? strtol(val, &end, 10) : 0;
            if (!val || !*val || *end || v < 1 || v > 3600) {
                cli_error("--refresh needs a number of seconds from 1 to 3600");
                return EXIT_USAGE;
            }
            *refresh_s = (int)v;
        } else if (strncmp(a, "--theme", 7) == 0 && (a[7] == '=' || a[7] == '\0')) {
            val = a[7] == '=' ? a + 8 : (i + 1 < g->args.n ? g->args.items[++i] : NULL);
            if (!val || !theme_name_ok(val)) {
                cli_error("--theme needs a theme name (dark, light, high-contrast, mono, ...)");
                return EXIT_USAGE;
            }
            *theme_name = val;
        } else if (strcmp(a, "--no-mouse") == 0) {
            *no_mouse = true;
        } else {
            cli_error("unknown option '%s' for the console (see tarmac --help)", a);
            return EXIT_USAGE;
        }
    }
    return 0;
}

static void terminal_start(console *c)
{
    if (tcgetattr(STDIN_FILENO, &saved_tty) == 0)
        saved_tty_ok = true;
    set_escdelay(25);
    curses_on = 1;
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    curs_set(0);
    leaveok(stdscr, TRUE);
    /* COLORS is only known after start_color(); NO_COLOR means never start it. */
    const char *no_color = getenv("NO_COLOR");
    if (has_colors() && !(no_color && *no_color)) {
        start_color();
        use_default_colors();
    }
    c->mode = theme_detect_mode();
    theme_activate(&c->th, c->mode, c->attrs);
    /* Every button event, even those we ignore: ncurses blocks reading past an
     * event outside the mask, which would stall the loop. */
    if (c->mouse)
        mousemask(ALL_MOUSE_EVENTS, NULL);
    mouseinterval(0);
    wnoutrefresh(stdscr);
}

static void terminal_stop(void)
{
    if (curses_on) {
        curses_on = 0;
        endwin();
    }
}

int console_main(const cli_globals *g)
{
    int refresh_s = 0;
    const char *theme_name = NULL;
    bool no_mouse = false;
    int rc = parse_console_args(g, &refresh_s, &theme_name, &no_mouse);
    if (rc)
        return rc;
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        cli_error("the console needs a terminal (for scripts, see tarmac status)");
        return EXIT_USAGE;
    }

    console *c = xcalloc(1, sizeof *c);
    c->g = g;
    c->focus = PANE_GROUPS;
    c->tab_pane = PANE_TARGETS;
    rc = cli_session_open(g, &c->sess);
    if (rc) {
        free(c);
        return rc;
    }
    c->client = c->sess.client;
    c->profile = xstrdup(c->sess.profile);
    c->region = xstrdup(c->sess.region);
    set_app(c, c->sess.app);
    c->bell = c->sess.config.bell;
    c->mouse = c->sess.config.mouse && !no_mouse;

    /* Keys and theme are checked before the screen changes, so errors print plainly. */
    strbuf err;
    sb_init(&err);
    keymap_init(&c->km);
    if (keymap_apply_config(&c->km, &c->sess.config, &err) > 0) {
        fprintf(stderr, "%s", err.buf);
        rc = EXIT_USAGE;
        goto out_early;
    }
    for (size_t i = 0; i < c->km.b.n; i++)
        c->has_meta |= (c->km.b.items[i].key & KEYMAP_META) != 0;
    if (!theme_name)
        theme_name = c->sess.config.theme ? c->sess.config.theme : "dark";
    if (theme_load(theme_name, &c->th, &err) != 0) {
        cli_error("%s", err.buf);
        rc = EXIT_USAGE;
        goto out_early;
    }
    const char *codeset = nl_langinfo(CODESET);
    c->ascii = !codeset || strcmp(codeset, "UTF-8") != 0;

    /* Groups: with --asg every group of the region (starting on that one); else,
     * when the config has apps, their groups (those in this region and profile);
     * else every group of the region. */
    strvec app_asgs = { 0 };
    const strvec *asgs = NULL;
    const char *initial = NULL, *repo = NULL;
    if (g->asgs.n) {
        initial = g->asgs.items[0];
    } else {
        for (size_t i = 0; i < c->sess.config.apps.n; i++) {
            const app_config *app = &c->sess.config.apps.items[i];
            if (app_is_local(c, app) && !strvec_contains(&app_asgs, app->asg))
                strvec_push(&app_asgs, app->asg);
        }
        if (!c->app && app_asgs.n)
            set_app(c, app_for_asg(c, app_asgs.items[0]));
        if (c->app && !strvec_contains(&app_asgs, c->app->asg))
            strvec_push(&app_asgs, c->app->asg);
        if (app_asgs.n)
            asgs = &app_asgs;
        if (c->app)
            initial = c->app->asg;
    }
    if (g->repos.n)
        repo = g->repos.items[0];
    else if (c->app)
        repo = c->app->ecr_repository;
    watch_opts wo = {
        .asg_names = asgs,
        .initial_asg = initial,
        .repository = repo,
        .alarm_names = c->app ? &c->app->alarms : NULL,
        .base_interval_ms = (refresh_s ? refresh_s : c->sess.config.refresh_seconds) * 1000,
        .active_interval_ms = c->sess.config.refresh_active_seconds * 1000,
    };
    if (refresh_s && wo.active_interval_ms > wo.base_interval_ms)
        wo.active_interval_ms = wo.base_interval_ms;
    c->w = watch_new(c->client, &wo);
    strvec_free(&app_asgs);

    for (int p = 0; p < PANE_COUNT; p++)
        pane_init(&c->panes[p], p);
    lv_init(&c->log_lv, log_columns, (int)ARRAY_LEN(log_columns));

    if (make_sig_pipe() != 0) {
        cli_error("cannot create a pipe: %s", strerror(errno));
        rc = EXIT_AWS;
        goto out_watch;
    }
    SCREEN *scr = newterm(NULL, stdout, stdin);
    if (!scr) {
        cli_error("cannot use this terminal (TERM=%s)", getenv("TERM") ? getenv("TERM") : "");
        rc = EXIT_USAGE;
        goto out_watch;
    }
    util_set_fatal_hook(on_oom);
    install_signals();
    terminal_start(c);
    relayout(c);

    /* Start polling at once; draw the empty frame while the answers come. */
    watch_tick(c->w, mono_now_ms());
    render(c);
    struct curl_waitfd fds[2] = {
        { .fd = STDIN_FILENO, .events = CURL_WAIT_POLLIN },
        { .fd = sig_pipe[0], .events = CURL_WAIT_POLLIN },
    };
    while (!c->quit) {
        int64_t now = mono_now_ms();
        int timeout = next_timeout(c, now);
        fds[0].revents = fds[1].revents = 0;
        aws_client_wait(c->client, fds, 2, timeout);
        read_signals(c);
        /* Keys first: they must never wait behind the network. */
        read_keys(c);
        aws_client_run(c->client);
        now = mono_now_ms();
        watch_tick(c->w, now);
        apply_changes(c, watch_take_changes(c->w));
        timers(c, now);
        render(c);
    }

    free_windows(c);
    terminal_stop();
    delscreen(scr);
    restore_signals();
    signal(SIGPIPE, SIG_IGN);
    util_set_fatal_hook(NULL);
    rc = EXIT_OK;
out_watch:
    free_windows(c);
    watch_free(c->w);
    for (int p = 0; p < PANE_COUNT; p++)
        pane_free(&c->panes[p]);
    lv_free(&c->log_lv);
    strvec_free(&c->ov_lines);
out_early:
    sb_free(&err);
    keymap_free(&c->km);
    if (c->own_client)
        aws_client_free(c->own_client);
    cli_session_close(&c->sess);
    free(c->profile);
    free(c->region);
    free(c->last_asg);
    if (sig_pipe[0] >= 0) {
        close(sig_pipe[0]);
        close(sig_pipe[1]);
        sig_pipe[0] = sig_pipe[1] = -1;
    }
    free(c);
    return rc;
}
