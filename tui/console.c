/* console.c — the console's event loop and screen: waits in one place (the client
 * core's curl_multi_poll with stdin and a signal self-pipe as extra fds), lets the
 * watch start due polls, handles every pending key at once, applies the reaction
 * flags handlers return, and redraws only the windows that changed. Also owns the
 * terminal: set-up, and restoration on exit, fatal signals and out-of-memory. */
#include "console_int.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "cmd_actions.h"

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

void con_restore_signals(void)
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

void con_drain_sig_pipe(void)
{
    unsigned char b[64];
    while (read(sig_pipe[0], b, sizeof b) > 0) {
    }
}

static void apply_reactions(console *c, unsigned r)
{
    pane *p = &c->panes[c->focus];
    if (r & R_REDRAW)
        p->dirty = true;
    if ((r & R_QUIT) && con_actions_may_quit(c)) /* asks first while something is in flight */
        c->quit = true;
    if (r & R_REFETCH)
        watch_refresh_now(c->w);
    if (r & R_OPEN_DETAIL)
        con_open_detail(c);
    if (r & R_SELECT_ASG) {
        const char *id = lv_selected_id(&c->panes[PANE_GROUPS].lv);
        snprintf(c->pending_asg, sizeof c->pending_asg, "%s", id ? id : "");
        c->pending_asg_at = mono_now_ms() + SELECT_DEBOUNCE_MS;
    }
    if (r & R_SSM)
        con_ssm_shell(c);
}

static unsigned global_action(console *c, action_id a)
{
    pane *p = &c->panes[c->focus];
    int focus = keymap_focus_pane(a);
    if (focus >= 0) {
        con_focus_pane(c, focus);
        return R_NONE;
    }
    switch (a) {
    case ACT_QUIT:
        return R_QUIT;
    case ACT_HELP:
        con_open_help(c);
        return R_NONE;
    case ACT_API_LOG:
        con_open_log(c);
        return R_NONE;
    case ACT_REFRESH:
        con_message(c, ROLE_NEUTRAL, "refreshing everything");
        return R_REFETCH;
    case ACT_COMMAND:
        con_prompt_open(c, PR_COMMAND);
        return R_NONE;
    case ACT_APPS:
        con_apps_toggle(c);
        return R_NONE;
    case ACT_FILTER:
        con_prompt_open(c, PR_FILTER);
        return R_NONE;
    case ACT_BACK:
        if (p->lv.filter[0]) {
            lv_set_filter(&p->lv, "");
            return R_REDRAW;
        }
        return R_NONE;
    case ACT_FOCUS_NEXT:
        con_focus_pane(c, (c->focus + 1) % PANE_COUNT);
        return R_NONE;
    case ACT_FOCUS_PREV:
        con_focus_pane(c, (c->focus + PANE_COUNT - 1) % PANE_COUNT);
        return R_NONE;
    case ACT_DETAIL:
        return R_OPEN_DETAIL;
    case ACT_COPY_ID:
        con_copy_pane_id(c, p->id, lv_selected_id(&p->lv));
        return R_NONE;
    case ACT_SSM_SHELL:
        con_message(c, ROLE_WARNING, "the SSM shell opens from the Instances pane (2)");
        return R_NONE;
    case ACT_DEPLOY:
    case ACT_PROMOTE:
    case ACT_CANCEL:
    case ACT_ROLLBACK:
        con_actions_key(c, a);
        return R_NONE;
    default:
        return R_NONE;
    }
}

static void mouse_event(console *c)
{
    MEVENT ev;
    if (getmouse(&ev) != OK || c->lay.too_small)
        return;
    int steps = 0;
    action_id a = ACT_NONE;
    if (ev.bstate & BUTTON4_PRESSED) {
        a = ACT_UP;
        steps = 3;
    }
#ifdef BUTTON5_PRESSED
    else if (ev.bstate & BUTTON5_PRESSED) {
        a = ACT_DOWN;
        steps = 3;
    }
#endif
    if (c->ov.kind != OV_NONE) {
        for (int i = 0; i < steps; i++)
            con_overlay_key(c, a);
        return;
    }
    int p = layout_pane_at(&c->lay, ev.y, ev.x);
    if (p < 0)
        return;
    if (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON1_RELEASED)) {
        if (ev.bstate & BUTTON1_RELEASED)
            return;
        con_focus_pane(c, p);
        int line = ev.y - c->lay.pane[p].y - c->panes[p].lv.drawn_y - 1;
        if (lv_click(&c->panes[p].lv, line) && p == PANE_GROUPS)
            apply_reactions(c, R_SELECT_ASG);
        c->panes[p].dirty = true;
        return;
    }
    if (steps) {
        int old = c->focus;
        c->focus = p;
        pane_ctx ctx = con_ctx_of(c);
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
        con_relayout(c);
        return;
    }
    if (con_apps_shown(c) && c->ov.kind == OV_NONE && c->pr.kind == PR_NONE && !c->lay.too_small) {
        con_apps_key(c, key);
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
    if (c->pr.kind != PR_NONE) {
        con_prompt_key(c, key);
        return;
    }
    if (c->ov.kind == OV_ACTION && con_actions_dialog_key(c, key))
        return;
    action_id a = keymap_lookup(&c->km, panes_all[c->focus].number, key);
    if (c->ov.kind != OV_NONE) {
        con_overlay_key(c, a);
        return;
    }
    if (a == ACT_NONE)
        return;
    pane *p = &c->panes[c->focus];
    unsigned r = R_NONE;
    if (p->ops->key) {
        pane_ctx ctx = con_ctx_of(c);
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
        if (key == 27 && c->pr.kind == PR_NONE && c->has_meta) {
            /* Alt+key arrives as ESC then the key. Reading ahead would split an
             * escape sequence that follows a lone Esc, so only when the keymap
             * has Alt bindings at all. */
            wint_t w2;
            int rc2 = wget_wch(stdscr, &w2);
            /* ... but only when something is bound to that Alt key: a fast
             * Esc followed by ':' must stay two keys. */
            if (rc2 == OK && w2 > 0x20 && w2 < 0x7f &&
                keymap_lookup(&c->km, panes_all[c->focus].number, KEYMAP_META | (int)w2) != ACT_NONE)
                key = KEYMAP_META | (int)w2;
            else if (rc2 == KEY_CODE_YES)
                ungetch((int)w2);
            else if (rc2 != ERR)
                unget_wch(w2);
        }
        handle_key(c, key);
        if (budget == 0)
            watch_user_active(c->w); /* someone is there: full-speed polling */
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
                    resizeterm(ws.ws_row, ws.ws_col); /* queues KEY_RESIZE */
                con_relayout(c);
            } else if (b[i] == SIGTERM || b[i] == SIGHUP || b[i] == SIGINT) {
                c->quit = true;
                if (!c->quit_signal)
                    c->quit_signal = b[i];
            }
        }
    }
}

/* ---- model changes and timers ---- */

/* A guard alarm (the app's alarms:) that does not exist guards nothing: said once
 * per set of missing names, when DescribeAlarms answered. */
static void warn_missing_alarms(console *c, const watch_state *ws)
{
    if (ws->meta[WS_ALARMS].stale || !ws->meta[WS_ALARMS].fetched_at)
        return;
    strbuf missing;
    sb_init(&missing);
    size_t n = 0;
    for (size_t i = 0; i < ws->alarm_names.n; i++) {
        bool found = false;
        for (size_t k = 0; k < ws->alarms.n && !found; k++)
            found = str_eq(ws->alarms.items[k].alarm_name, ws->alarm_names.items[i]);
        if (!found)
            sb_printf(&missing, "%s'%.100s'", n++ ? ", " : "", ws->alarm_names.items[i]);
    }
    if (n && !str_eq(c->missing_alarms, missing.buf))
        con_message(c, ROLE_WARNING, "alarm%s %s of %.64s %s not exist: %s nothing during a deploy", n > 1 ? "s" : "",
                    missing.buf, c->app ? c->app->name : "this app", n > 1 ? "do" : "does",
                    n > 1 ? "they guard" : "it guards");
    str_set(&c->missing_alarms, n ? missing.buf : NULL);
    sb_free(&missing);
}

static void apply_changes(console *c, unsigned changed)
{
    if (!changed)
        return;
    pane_ctx ctx = con_ctx_of(c);
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
    con_relayout_if_moved(c); /* rows sized by content: a list that grew may take more */
    c->dirty_header = c->dirty_status = true;
    if (c->ov.kind == OV_LOG)
        con_log_rebuild(c);
    bool active = watch_refresh_active(ctx.ws);
    if (c->refresh_was_active && !active && (changed & WS_BIT(WS_REFRESHES)) && ctx.ws->refreshes.n) {
        if (c->bell)
            beep();
        con_message(c, ROLE_NEUTRAL, "instance refresh ended: %.40s",
                    ctx.ws->refreshes.items[0].status ? ctx.ws->refreshes.items[0].status : "?");
    }
    c->refresh_was_active = active;
    /* A typo in :asg or --asg must not pass for an empty group. */
    if ((changed & WS_BIT(WS_GROUPS)) && !ctx.ws->meta[WS_GROUPS].stale && ctx.ws->meta[WS_GROUPS].fetched_at &&
        ctx.ws->selected_asg && !watch_selected_group(ctx.ws)) {
        if (!str_eq(c->missing_asg, ctx.ws->selected_asg)) {
            str_set(&c->missing_asg, ctx.ws->selected_asg);
            con_message(c, ROLE_ERROR,
                        "no Auto Scaling group named '%.100s' in %.40s (:asg and Tab list the "
                        "region's groups)",
                        ctx.ws->selected_asg, c->region ? c->region : "this region");
        }
    } else if (changed & WS_BIT(WS_GROUPS)) {
        str_set(&c->missing_asg, NULL);
    }
    if (changed & WS_BIT(WS_ALARMS))
        warn_missing_alarms(c, ctx.ws);
    con_actions_on_changes(c, changed);
}

/* When the clock's minute turns over the ages in the rows turn with it (they are
 * counted to the minute): rebuild every pane now, so the clock and the ages leave
 * in one update. */
static void minute_tick(console *c)
{
    int64_t minute = time_now_ms() / 60000;
    if (minute == c->last_wall_minute)
        return;
    bool first = c->last_wall_minute == 0;
    c->last_wall_minute = minute;
    if (first)
        return;
    pane_ctx ctx = con_ctx_of(c);
    for (int p = 0; p < PANE_COUNT; p++) {
        pane *pn = &c->panes[p];
        if (!pn->lv.loaded)
            continue;
        pn->ops->on_model_change(pn, pn->ops->watches | WS_BIT(pn->ops->primary), &ctx);
        pn->dirty = true;
    }
}

static void timers(console *c, int64_t now)
{
    /* Once a second: the clock and the ages in the pane titles. */
    if (now / 1000 != c->last_second) {
        c->last_second = now / 1000;
        c->dirty_header = true;
        minute_tick(c);
        for (int p = 0; p < PANE_COUNT; p++)
            c->title_dirty[p] = true;
        if (now >= c->msg.until)
            con_message_clear(c);
        if (c->ov.kind == OV_LOG &&
            aws_client_call_log(c->client, &(const aws_call_record *){ NULL }) != c->ov.log_seen)
            con_log_rebuild(c);
    }
    for (int p = 0; p < PANE_COUNT; p++)
        if (c->fade_due[p] && now >= c->fade_due[p]) {
            c->panes[p].dirty = true;
            c->fade_due[p] = 0;
        }
    if (c->pending_asg[0] && now >= c->pending_asg_at)
        con_apply_pending_asg(c);
}

void con_apply_pending_asg(console *c)
{
    if (!c->pending_asg[0])
        return;
    /* A group of another configured app brings that app's repository and tags. */
    const app_config *app = con_app_for_asg(c, c->pending_asg);
    if (app && app != c->app) {
        con_set_app(c, app);
        watch_set_repository(c->w, app->ecr_repository);
        c->panes[PANE_IMAGES].dirty = true;
    }
    watch_select_asg(c->w, c->pending_asg);
    c->pending_asg[0] = '\0';
    c->dirty_header = true;
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
    int64_t act = con_actions_next_due_ms(c, now);
    if (act >= 0 && act < t)
        t = act;
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
    c->tab_pane = layout_first_tab(con_kind_panes(c));
    c->tab_mate = -1;
    rc = cli_session_open(g, &c->sess);
    if (rc) {
        free(c);
        return rc;
    }
    rc = con_creds_start(c); /* the session whose client the panes use */
    if (rc) {
        cli_session_close(&c->sess);
        free(c);
        return rc;
    }
    c->profile = xstrdup(c->sess.profile);
    c->region = xstrdup(c->sess.region);
    con_set_app(c, c->sess.app);
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
            if (con_app_is_local(c, app) && !strvec_contains(&app_asgs, app->asg))
                strvec_push(&app_asgs, app->asg);
        }
        if (!c->app && app_asgs.n)
            con_set_app(c, con_app_for_asg(c, app_asgs.items[0]));
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
        .doze_after_ms = WATCH_DOZE_AFTER_MS,
    };
    if (refresh_s && wo.active_interval_ms > wo.base_interval_ms)
        wo.active_interval_ms = wo.base_interval_ms;
    c->w = watch_new(c->client, &wo);
    strvec_free(&app_asgs);

    for (int p = 0; p < PANE_COUNT; p++)
        pane_init(&c->panes[p], p);
    lv_init(&c->ov.log_lv, con_log_columns, con_log_ncolumns);
    c->ov.log_lv.follow_head = true; /* newest call first */

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
    con_relayout(c);
    if (c->sess.config.apps.n >= 2 && !g->app && !g->asgs.n)
        con_apps_open(c); /* several apps: start on their overview */
    con_actions_init(c);

    /* Start polling at once; draw the empty frame while the answers come. */
    watch_tick(c->w, mono_now_ms());
    con_render(c);
    struct curl_waitfd fds[2] = {
        { .fd = STDIN_FILENO, .events = CURL_WAIT_POLLIN },
        { .fd = sig_pipe[0], .events = CURL_WAIT_POLLIN },
    };
    /* A quit while a plan runs waits for its step boundary (console_actions.c). */
    while (!c->quit || con_actions_hold_quit(c)) {
        int64_t now = mono_now_ms();
        int timeout = con_creds_timeout(c, now, next_timeout(c, now));
        fds[0].revents = fds[1].revents = 0;
        aws_client_wait(c->client, fds, 2, timeout);
        read_signals(c);
        /* Keys first: they must never wait behind the network. */
        read_keys(c);
        aws_client_run(c->client);
        con_creds_tick(c, mono_now_ms());
        now = mono_now_ms();
        watch_tick(c->w, now);
        apply_changes(c, watch_take_changes(c->w));
        if (watch_dozing(c->w) != c->dozing_shown) {
            c->dozing_shown = !c->dozing_shown;
            c->dirty_header = true;
        }
        timers(c, now);
        con_actions_tick(c, now);
        con_render(c);
    }
    /* A signal that stopped a plan ends the console as it ends the headless commands. */
    char stopped[700] = "";
    bool interrupted = c->quit_signal && con_actions_stopped_by_quit(c, stopped, sizeof stopped);
    con_actions_closing(c);

    con_free_windows(c);
    terminal_stop();
    delscreen(scr);
    con_restore_signals();
    signal(SIGPIPE, SIG_IGN);
    util_set_fatal_hook(NULL);
    rc = EXIT_OK;
    if (interrupted) {
        char safe[1024];
        sanitize_str(stopped, safe, sizeof safe, -1, c->ascii, NULL);
        cli_error("stopped by a signal: %s", safe);
        rc = EXIT_STOPPED;
    }
out_watch:
    con_free_windows(c);
    watch_free(c->w);
    for (int p = 0; p < PANE_COUNT; p++)
        pane_free(&c->panes[p]);
    lv_free(&c->ov.log_lv);
    strvec_free(&c->ov.lines);
    strvec_free(&c->ov.wrapped);
out_early:
    sb_free(&err);
    keymap_free(&c->km);
    con_creds_close(c);
    cli_session_close(&c->sess);
    con_actions_free(c); /* after the clients: their last answers are in */
    free(c->profile);
    free(c->region);
    free(c->last_asg);
    free(c->missing_asg);
    live_history_free(&c->live_hist);
    free(c->missing_alarms);
    if (sig_pipe[0] >= 0) {
        close(sig_pipe[0]);
        close(sig_pipe[1]);
        sig_pipe[0] = sig_pipe[1] = -1;
    }
    free(c);
    return rc;
}
