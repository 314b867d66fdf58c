/* apps_view.c — the Apps overview: one row per app of the config file with its
 * profile/region, live tag (and the commit tag it equals), instance refresh,
 * healthy/total targets, alarms, data age and errors. Every app is polled on its
 * own profile and region by apps_watch (backend/watch/apps_watch.h), in parallel and
 * without blocking. Enter opens the app's panes, switching profile and region as
 * needed. Drawn in the body in place of the panes; header and status line stay. */
#include "console_int.h"

enum { C_APP, C_WHERE, C_LIVE, C_REFRESH, C_TARGETS, C_ALARMS, C_AGE, C_STATE };

static const lv_column columns[] = {
    [C_APP] = { .title = "APP", .min = 6, .max = 24 },
    [C_WHERE] = { .title = "PROFILE/REGION", .min = 12, .max = 36, .prio = 3 },
    [C_LIVE] = { .title = "LIVE", .min = 10, .max = 30 },
    [C_REFRESH] = { .title = "REFRESH", .min = 8, .max = 24, .prio = 4 },
    [C_TARGETS] = { .title = "HEALTHY", .min = 7, .max = 9, .right = true },
    [C_ALARMS] = { .title = "ALARMS", .min = 8, .max = 30, .prio = 2 },
    [C_AGE] = { .title = "AGE", .min = 5, .max = 8, .right = true, .quiet = true, .prio = 1 },
    [C_STATE] = { .title = "STATE", .min = 10 },
};

/* Where an app is polled: its own profile/region, else the flags, else the
 * config's defaults (NULL: the AWS environment decides). */
static void app_place(const console *c, const app_config *app, const char **profile, const char **region)
{
    *profile = app->profile ? app->profile : c->g->profile ? c->g->profile : c->sess.config.default_profile;
    *region = app->region ? app->region : c->g->region ? c->g->region : c->sess.config.default_region;
}

static int refresh_role(const app_status *st)
{
    if (st->refresh_active)
        return ROLE_PROGRESS;
    /* A bad end is drawn as unhealthy, never in a dim or passing style. */
    if (refresh_status_bad_end(st->refresh_status))
        return ROLE_UNHEALTHY;
    if (str_eq(st->refresh_status, "RollbackSuccessful"))
        return ROLE_WARNING;
    return -1;
}

static void add_row(console *c, const app_status *st, aws_time now_wall)
{
    char buf[160];
    lv_row *r = lv_add(&c->apps.lv, st->name);
    lv_set(r, C_APP, st->name);
    lv_setf(r, C_WHERE, "%s/%s", st->profile ? st->profile : "default", st->region[0] ? st->region : "?");
    app_status_live_text(st, buf, sizeof buf);
    lv_set(r, C_LIVE, buf);
    if (st->live_known && !st->live_found)
        lv_cell_role(r, C_LIVE, ROLE_WARNING);
    app_status_refresh_text(st, buf, sizeof buf);
    lv_set(r, C_REFRESH, buf);
    if (refresh_role(st) >= 0)
        lv_cell_role(r, C_REFRESH, refresh_role(st));
    app_status_targets_text(st, buf, sizeof buf);
    lv_set(r, C_TARGETS, buf);
    if (st->targets > 0)
        lv_cell_role(r, C_TARGETS, st->healthy == st->targets ? ROLE_HEALTHY : ROLE_UNHEALTHY);
    app_status_alarms_text(st, buf, sizeof buf);
    lv_set(r, C_ALARMS, buf);
    if (st->alarms_known && st->alarms_alarm)
        lv_cell_role(r, C_ALARMS, ROLE_UNHEALTHY);
    else if (st->alarms_known && st->alarms_total && !st->alarms_insufficient)
        lv_cell_role(r, C_ALARMS, ROLE_HEALTHY);
    if (st->fetched_at) {
        char age[16];
        pane_fmt_age(st->fetched_at, now_wall, age, sizeof age);
        lv_setf(r, C_AGE, "%s%s", st->stale ? "STALE " : "", age);
    } else {
        lv_set(r, C_AGE, st->polling ? "loading" : st->stale ? "STALE" : "-");
    }
    if (st->stale)
        lv_cell_role(r, C_AGE, ROLE_ERROR);
    if (st->creds == APP_CREDS_RESOLVING) {
        lv_set(r, C_STATE, "resolving credentials");
        lv_cell_role(r, C_STATE, ROLE_NEUTRAL);
    } else if (st->creds == APP_CREDS_FAILED) {
        lv_setf(r, C_STATE, "%s (r retries)", st->creds_error);
        lv_cell_role(r, C_STATE, ROLE_ERROR);
    } else if (app_status_broken(st)) {
        /* The mark stays until a later refresh succeeds or live is rolled back. */
        char live[128];
        app_status_live_text(st, live, sizeof live);
        lv_setf(r, C_STATE, "BROKEN: refresh %.30s; %s: new launches run it (Enter, then R rolls back)%s%.200s",
                st->refresh_status, live, st->error[0] ? "; " : "", st->error);
        lv_cell_role(r, C_STATE, ROLE_ERROR);
        lv_cell_role(r, C_APP, ROLE_ERROR);
    } else if (st->error[0]) {
        lv_set(r, C_STATE, st->error);
        lv_cell_role(r, C_STATE, st->stale ? ROLE_ERROR : ROLE_WARNING);
    } else {
        lv_set(r, C_STATE, st->polls ? "ok" : "loading");
        lv_cell_role(r, C_STATE, ROLE_NEUTRAL);
    }
}

static void rebuild_rows(console *c)
{
    lv_begin(&c->apps.lv);
    aws_time now = time_now_ms();
    for (size_t i = 0; i < apps_watch_count(c->apps.w); i++)
        add_row(c, apps_watch_get(c->apps.w, i), now);
    lv_end(&c->apps.lv, mono_now_ms());
    c->apps.dirty = true;
}

static void start_watch(console *c)
{
    const tarmac_config *cfg = &c->sess.config;
    apps_watch_app *apps = xcalloc(cfg->apps.n, sizeof *apps);
    for (size_t i = 0; i < cfg->apps.n; i++) {
        const app_config *a = &cfg->apps.items[i];
        apps[i] = (apps_watch_app){
            .name = a->name,
            .asg = a->asg,
            .repository = a->ecr_repository,
            .live_tag = a->live_tag,
            .stable_tag = a->stable_tag,
            .alarms = &a->alarms,
        };
        app_place(c, a, &apps[i].profile, &apps[i].region);
    }
    creds_hooks h = con_creds_hooks(c);
    apps_watch_opts o = {
        .apps = apps,
        .n_apps = cfg->apps.n,
        .endpoint_url = c->g->endpoint_url,
        .hooks = &h,
        .seed = c->cs,
        .interval_ms = cfg->refresh_seconds * 1000,
        .active_interval_ms = cfg->refresh_active_seconds * 1000,
    };
    c->apps.w = apps_watch_new(&o);
    free(apps);
    lv_init(&c->apps.lv, columns, (int)ARRAY_LEN(columns));
    rebuild_rows(c);
}

void con_apps_open(console *c)
{
    if (!c->sess.config.apps.n) {
        con_message(c, ROLE_WARNING, "no apps in the config file (%.200s)",
                    c->sess.config.path ? c->sess.config.path : "none was found");
        return;
    }
    if (!c->apps.w)
        start_watch(c);
    apps_watch_pause(c->apps.w, false); /* apps whose data is older than their interval poll now */
    if (c->app)
        lv_select_id(&c->apps.lv, c->app->name);
    c->apps.open = true;
    c->apps.seen_ov = c->ov.kind;
    con_mark_all(c);
}

void con_apps_close(console *c)
{
    if (!c->apps.open)
        return;
    c->apps.open = false;
    apps_watch_pause(c->apps.w, true);
    con_mark_all(c);
}

void con_apps_toggle(console *c)
{
    if (c->apps.open)
        con_apps_close(c);
    else
        con_apps_open(c);
}

bool con_apps_shown(const console *c)
{
    return c->apps.open;
}

/* Enter: the app's panes, on its profile and region. */
static void open_selected(console *c)
{
    const char *name = lv_selected_id(&c->apps.lv);
    const app_config *app = name ? config_find_app(&c->sess.config, name) : NULL;
    if (!app)
        return;
    const creds_session *ready = NULL;
    const app_status *st = NULL;
    for (size_t i = 0; i < apps_watch_count(c->apps.w); i++)
        if (str_eq(apps_watch_get(c->apps.w, i)->name, name)) {
            st = apps_watch_get(c->apps.w, i);
            ready = apps_watch_session(c->apps.w, i);
        }
    const char *profile, *region;
    app_place(c, app, &profile, &region);
    con_apps_close(c);
    if (c->cs && str_eq(profile, c->cs->profile) && st && str_eq(st->region, c->cs->region))
        con_open_app_here(c, app);
    else
        con_switch_start(c, profile, region, app, ready);
}

static void mouse(console *c)
{
    MEVENT ev;
    if (getmouse(&ev) != OK)
        return;
    bool moved = false;
    if (ev.bstate & BUTTON4_PRESSED) {
        for (int i = 0; i < 3; i++)
            lv_move(&c->apps.lv, ACT_UP, &moved);
    }
#ifdef BUTTON5_PRESSED
    else if (ev.bstate & BUTTON5_PRESSED) {
        for (int i = 0; i < 3; i++)
            lv_move(&c->apps.lv, ACT_DOWN, &moved);
    }
#endif
    else if (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)) {
        lv_click(&c->apps.lv, ev.y - c->lay.body.y - c->apps.lv.drawn_y - 1);
    }
    c->apps.dirty = true;
}

void con_apps_key(console *c, int key)
{
    if (key == (KEYMAP_FN | KEY_MOUSE)) {
        mouse(c);
        return;
    }
    action_id a = keymap_lookup(&c->km, SCOPE_GLOBAL, key);
    if (lv_move(&c->apps.lv, a, NULL)) {
        c->apps.dirty = true;
        return;
    }
    switch (a) {
    case ACT_DETAIL:
        open_selected(c);
        break;
    case ACT_BACK:
    case ACT_APPS:
        con_apps_close(c);
        break;
    case ACT_REFRESH:
        apps_watch_refresh_now(c->apps.w);
        con_message(c, ROLE_NEUTRAL, "polling every app now");
        break;
    case ACT_QUIT:
        if (con_actions_may_quit(c))
            c->quit = true;
        break;
    case ACT_HELP:
        con_open_help(c);
        break;
    case ACT_API_LOG:
        con_open_log(c);
        break;
    case ACT_COMMAND:
        con_prompt_open(c, PR_COMMAND);
        break;
    default:
        if (keymap_focus_pane(a) >= 0) {
            con_apps_close(c);
            con_focus_pane(c, keymap_focus_pane(a));
        }
        break;
    }
}

void con_apps_tick(console *c, int64_t now)
{
    if (!c->apps.w)
        return;
    apps_watch_run(c->apps.w, now);
    bool changed = apps_watch_take_changes(c->apps.w);
    if (!c->apps.open)
        return;
    if (changed || now / 1000 != c->apps.second) { /* new answers, or the ages moved */
        c->apps.second = now / 1000;
        rebuild_rows(c);
    }
    if (c->ov.kind != c->apps.seen_ov) { /* an overlay closed over the overview: draw it again */
        c->apps.seen_ov = c->ov.kind;
        c->apps.dirty = true;
    }
}

void con_apps_draw(console *c)
{
    WINDOW *w = c->win_overlay;
    if (!w)
        return;
    rect r = c->lay.body;
    bool ascii = c->ascii;
    werase(w);
    wattrset(w, (int)c->attrs[ROLE_FOCUS_BORDER]);
    for (int x = 1; x < r.w - 1; x++) {
        mvwaddstr(w, 0, x, ascii ? "-" : "─");
        mvwaddstr(w, r.h - 1, x, ascii ? "-" : "─");
    }
    for (int y = 1; y < r.h - 1; y++) {
        mvwaddstr(w, y, 0, ascii ? "|" : "│");
        mvwaddstr(w, y, r.w - 1, ascii ? "|" : "│");
    }
    mvwaddstr(w, 0, 0, ascii ? "+" : "┌");
    mvwaddstr(w, 0, r.w - 1, ascii ? "+" : "┐");
    mvwaddstr(w, r.h - 1, 0, ascii ? "+" : "└");
    mvwaddstr(w, r.h - 1, r.w - 1, ascii ? "+" : "┘");
    char t[160];
    snprintf(t, sizeof t, " Apps %s %zu in the config file  (Enter opens, Esc closes, r polls) ", ascii ? "-" : "·",
             apps_watch_count(c->apps.w));
    pane_put(w, 0, 2, (int)strlen(t) < r.w - 4 ? (int)strlen(t) : r.w - 4, t, c->attrs[ROLE_TITLE] | A_BOLD, ascii);
    /* The selected app's whole error under the table: the column cuts long ones. */
    const char *err = NULL;
    const char *sel = lv_selected_id(&c->apps.lv);
    for (size_t i = 0; sel && i < apps_watch_count(c->apps.w); i++) {
        const app_status *st = apps_watch_get(c->apps.w, i);
        if (str_eq(st->name, sel))
            err = st->creds == APP_CREDS_FAILED ? st->creds_error : st->error[0] ? st->error : NULL;
    }
    int h = r.h - 2 - (err ? 2 : 0);
    lv_draw(&c->apps.lv, w, 1, 1, h, r.w - 2, c->attrs, true, ascii, mono_now_ms());
    if (err) {
        char line[400];
        snprintf(line, sizeof line, "%s: %s", sel, err);
        pane_put(w, r.h - 2, 2, r.w - 4, line, c->attrs[ROLE_ERROR], ascii);
    }
    c->apps.dirty = false;
    c->ov.dirty = false;
    wnoutrefresh(w);
}

void con_apps_free(console *c)
{
    if (!c->apps.w)
        return;
    apps_watch_free(c->apps.w); /* con_creds_close emptied the MFA queue first */
    c->apps.w = NULL;
    lv_free(&c->apps.lv);
    c->apps.open = false;
}
