/* console_cmd.c — switching profile, region, app, group and theme; the `:`
 * command line with completion and the `/` filter prompt. */
#include "console_int.h"

#include <stdarg.h>

/* ---- switching profile, region, app, theme (:app and :theme are here) ----
 * A switch never blocks: a creds_job resolves the new identity while the old data
 * stays on screen ("switching to profile X…" in the header); then a session adopts
 * the credentials and the watch moves to its client — or one line says why not and
 * nothing changes. */

void con_cmd_theme(console *c, const char *cmd, const char *name)
{
    (void)cmd;
    strbuf err;
    sb_init(&err);
    theme t;
    if (theme_load(name, &t, &err) != 0) {
        con_message(c, ROLE_ERROR, "%s", err.buf);
    } else {
        c->th = t;
        theme_activate(&c->th, c->mode, c->attrs);
        con_relayout(c);
        con_message(c, ROLE_NEUTRAL, "theme %s", c->th.name);
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
bool con_app_is_local(const console *c, const app_config *app)
{
    const char *prof = config_app_profile(&c->sess.config, app);
    const char *reg = config_app_region(&c->sess.config, app);
    return (!reg || str_eq(reg, c->region)) && (!prof || str_eq(prof, c->profile));
}

/* The configured app whose group is asg, or NULL. */
const app_config *con_app_for_asg(const console *c, const char *asg)
{
    for (size_t i = 0; i < c->sess.config.apps.n; i++)
        if (str_eq(c->sess.config.apps.items[i].asg, asg) && con_app_is_local(c, &c->sess.config.apps.items[i]))
            return &c->sess.config.apps.items[i];
    return NULL;
}

/* The groups the watch lists here (as at start-up: the apps local to this profile
 * and region, or with --asg every group), plus app's. */
static void scope_names(const console *c, const app_config *app, strvec *out)
{
    if (c->g->asgs.n)
        return;
    for (size_t i = 0; i < c->sess.config.apps.n; i++) {
        const app_config *a = &c->sess.config.apps.items[i];
        if (con_app_is_local(c, a) && !strvec_contains(out, a->asg))
            strvec_push(out, a->asg);
    }
    if (app && !strvec_contains(out, app->asg))
        strvec_push(out, app->asg);
}

static bool same_names(const strvec *a, const strvec *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (!str_eq(a->items[i], b->items[i]))
            return false;
    return true;
}

/* Opens app's group, repository and alarms on the current client. */
void con_open_app_here(console *c, const app_config *app)
{
    const watch_state *ws = watch_get(c->w);
    bool listed = false;
    for (size_t i = 0; i < ws->groups.n && !listed; i++)
        listed = str_eq(ws->groups.items[i].name, app->asg);
    if (!listed || !same_names(&ws->alarm_names, &app->alarms)) {
        strvec names = { 0 };
        scope_names(c, app, &names);
        watch_set_scope(c->w, names.n ? &names : NULL, &app->alarms);
        strvec_free(&names);
    }
    con_set_app(c, app);
    select_asg(c, app->asg);
    watch_set_repository(c->w, app->ecr_repository);
    con_mark_all(c);
}

/* The new session takes over: the watch moves to its client, the old one goes. */
static void switch_install(console *c, creds_session *ns, const app_config *app)
{
    creds_session *old = c->cs;
    if (old)
        con_mfa_forget(c, old->refresh);
    c->cs = ns;
    c->client = ns->client;
    str_set(&c->profile, ns->profile);
    str_set(&c->region, ns->region);
    watch_set_client(c->w, ns->client);
    if (!app && c->app && con_app_is_local(c, c->app))
        app = c->app;
    strvec names = { 0 };
    scope_names(c, app, &names);
    if (!app && names.n) /* as at start-up: the first app that lives here */
        app = con_app_for_asg(c, names.items[0]);
    watch_set_scope(c->w, names.n ? &names : NULL, app ? &app->alarms : NULL);
    strvec_free(&names);
    if (old) {
        creds_session_close(old); /* its calls in flight end as Cancelled, already orphaned */
        free(old);
    }
    con_set_app(c, app);
    if (app) {
        select_asg(c, app->asg);
        watch_set_repository(c->w, app->ecr_repository);
    }
    con_mark_all(c);
}

static bool adopt_and_install(console *c, const creds_request *req, const aws_credentials *cr, const app_config *app,
                              strbuf *err)
{
    creds_hooks h = con_creds_hooks(c);
    creds_session *ns = xcalloc(1, sizeof *ns);
    if (creds_session_adopt(ns, req, cr, c->g->endpoint_url, &h, true, err) != 0) {
        free(ns);
        return false;
    }
    switch_install(c, ns, app);
    return true;
}

static void switch_done_message(console *c)
{
    con_message(c, ROLE_NEUTRAL, "profile %.60s  region %.40s%s%.64s", c->profile ? c->profile : "default",
                c->region ? c->region : "-", c->app ? "  app " : "", c->app ? c->app->name : "");
}

void con_switch_cancel(console *c)
{
    if (c->who.switch_job) {
        con_mfa_forget(c, c->who.switch_job);
        creds_job_free(c->who.switch_job);
        c->who.switch_job = NULL;
    }
    str_set(&c->who.switch_profile, NULL);
    str_set(&c->who.switch_region, NULL);
    c->who.switch_app = NULL;
    c->who.switch_label[0] = '\0';
    c->dirty_header = true;
}

void con_switch_start(console *c, const char *profile, const char *region, const app_config *app,
                      const creds_session *ready)
{
    if (con_actions_holds_client(c)) {
        con_message(c, ROLE_ERROR, "an action is running on this profile and region: switch when it ends");
        return;
    }
    con_switch_cancel(c);
    strbuf err;
    sb_init(&err);
    if (ready) { /* the overview's session for that place: its credentials, no network */
        creds_request r = { .profile = ready->profile, .region = ready->region };
        if (adopt_and_install(c, &r, &ready->creds, app, &err))
            switch_done_message(c);
        else
            con_message(c, ROLE_ERROR, "%s", err.buf);
        sb_free(&err);
        return;
    }
    creds_request req = { .profile = profile, .region = region };
    char *reg = NULL;
    if (!region && region_resolve(&req, &reg, &err) != 0)
        req.region = c->region; /* the profile names no region: stay in this one */
    free(reg);
    sb_free(&err);
    c->who.switch_profile = xstrdup(req.profile);
    c->who.switch_region = xstrdup(req.region);
    c->who.switch_app = app;
    if (app)
        snprintf(c->who.switch_label, sizeof c->who.switch_label, "app %.60s", app->name);
    else if (!str_eq(req.profile, c->profile))
        snprintf(c->who.switch_label, sizeof c->who.switch_label, "profile %.60s",
                 req.profile ? req.profile : "default");
    else
        snprintf(c->who.switch_label, sizeof c->who.switch_label, "region %.40s", req.region ? req.region : "-");
    creds_hooks h = con_creds_hooks(c);
    c->who.switch_job = creds_job_start(&req, &h); /* may queue an MFA prompt */
    c->dirty_header = true;
    con_switch_poll(c); /* static keys: done already */
}

void con_switch_poll(console *c)
{
    if (!c->who.switch_job)
        return;
    creds_job_run(c->who.switch_job);
    if (!creds_job_done(c->who.switch_job))
        return;
    aws_credentials cr;
    strbuf err;
    sb_init(&err);
    bool ok = creds_job_result(c->who.switch_job, &cr, &err) == 0;
    creds_job_free(c->who.switch_job);
    c->who.switch_job = NULL;
    creds_request req = { .profile = c->who.switch_profile, .region = c->who.switch_region };
    if (ok)
        ok = adopt_and_install(c, &req, &cr, c->who.switch_app, &err);
    aws_credentials_free(&cr);
    if (ok)
        switch_done_message(c);
    else /* the old session, client and data stay */
        con_message(c, ROLE_ERROR, "%s", err.buf);
    sb_free(&err);
    con_switch_cancel(c);
}

void con_cmd_app(console *c, const char *cmd, const char *name)
{
    (void)cmd;
    const app_config *app = config_find_app(&c->sess.config, name);
    if (!app) {
        con_message(c, ROLE_ERROR, "no app named '%.64s' in the config file", name);
        return;
    }
    const char *prof = config_app_profile(&c->sess.config, app);
    const char *reg = config_app_region(&c->sess.config, app);
    if ((reg && !str_eq(reg, c->region)) || (prof && !str_eq(prof, c->profile)))
        con_switch_start(c, prof ? prof : c->profile, reg ? reg : c->region, app, NULL);
    else
        con_open_app_here(c, app);
}

/* ---- the command line: its commands are rows of cli/commands.c's table ---- */

static const char *const regions[] = {
    "us-east-1",      "us-east-2",      "us-west-1",      "us-west-2",      "ca-central-1",   "eu-west-1",
    "eu-west-2",      "eu-west-3",      "eu-central-1",   "eu-central-2",   "eu-north-1",     "eu-south-1",
    "ap-south-1",     "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "sa-east-1",      "me-south-1",     "af-south-1",     "ap-east-1",      "ap-south-2",     "ap-southeast-3",
    "ap-southeast-4", "ap-southeast-5", "ap-southeast-7", "ca-west-1",      "eu-south-2",     "il-central-1",
    "me-central-1",   "mx-central-1",   "us-gov-east-1",  "us-gov-west-1",  "cn-north-1",     "cn-northwest-1",
};

/* A group this console does not see is refused, and the view stays where it was:
 * a typo must not look like an empty group. */
void con_cmd_asg(console *c, const char *name, const char *arg)
{
    (void)name;
    const watch_state *ws = watch_get(c->w);
    bool known = false;
    for (size_t i = 0; i < ws->groups.n && !known; i++)
        known = str_eq(ws->groups.items[i].name, arg);
    if (!known) {
        const char *now = ws->selected_asg ? ws->selected_asg : "no group";
        if (!ws->meta[WS_GROUPS].fetched_at)
            con_message(c, ROLE_WARNING, "the groups are not read yet: :asg %.100s once they are (still on %.100s)",
                        arg, now);
        else
            con_message(c, ROLE_ERROR,
                        "no Auto Scaling group named '%.100s' among the %zu this console watches "
                        "in %.40s (Tab lists them); still on %.100s",
                        arg, ws->groups.n, c->region ? c->region : "this region", now);
        return;
    }
    select_asg(c, arg);
    con_message(c, ROLE_NEUTRAL, "watching group %.100s", arg);
}

void con_cmd_repo(console *c, const char *name, const char *arg)
{
    (void)name;
    watch_set_repository(c->w, arg);
    c->panes[PANE_IMAGES].dirty = true;
    con_message(c, ROLE_NEUTRAL, "watching repository %.100s", arg);
}

void con_cmd_apps(console *c, const char *name, const char *arg)
{
    (void)name, (void)arg;
    con_apps_open(c);
}

void con_cmd_region(console *c, const char *name, const char *arg)
{
    (void)name;
    bool listed = false;
    for (size_t i = 0; i < ARRAY_LEN(regions) && !listed; i++)
        listed = str_eq(regions[i], arg);
    con_switch_start(c, c->profile, arg, NULL, NULL);
    if (!listed)
        con_message(c, ROLE_WARNING,
                    "'%.40s' is not a region tarmac knows (Tab lists them): check the name "
                    "if calls fail",
                    arg);
}

void con_cmd_profile(console *c, const char *name, const char *arg)
{
    (void)name;
    con_switch_start(c, arg, NULL, NULL, NULL); /* the profile's own region */
}

void con_cmd_quit(console *c, const char *name, const char *arg)
{
    (void)name, (void)arg;
    if (con_actions_may_quit(c)) /* asks first while a plan runs or a deploy is watched */
        c->quit = true;
}

/* What Tab offers for cmd's argument. */
static void candidates_for(console *c, const command_info *cmd, strvec *out)
{
    const watch_state *ws = watch_get(c->w);
    switch (cmd->complete) {
    case CMPL_GROUPS:
        for (size_t i = 0; i < ws->groups.n; i++)
            strvec_push(out, ws->groups.items[i].name);
        break;
    case CMPL_REPOS:
        for (size_t i = 0; i < c->sess.config.apps.n; i++)
            if (c->sess.config.apps.items[i].ecr_repository &&
                !strvec_contains(out, c->sess.config.apps.items[i].ecr_repository))
                strvec_push(out, c->sess.config.apps.items[i].ecr_repository);
        if (ws->repository && !strvec_contains(out, ws->repository))
            strvec_push(out, ws->repository);
        break;
    case CMPL_APPS:
        for (size_t i = 0; i < c->sess.config.apps.n; i++)
            strvec_push(out, c->sess.config.apps.items[i].name);
        break;
    case CMPL_REGIONS:
        for (size_t i = 0; i < ARRAY_LEN(regions); i++)
            strvec_push(out, regions[i]);
        break;
    case CMPL_PROFILES: {
        strbuf err;
        sb_init(&err);
        if (creds_list_profiles(out, &err) != 0)
            con_message(c, ROLE_ERROR, "%s", err.buf);
        sb_free(&err);
        break;
    }
    case CMPL_THEMES:
        theme_list(out);
        break;
    case CMPL_TAGS:
        con_actions_tag_candidates(c, out);
        break;
    case CMPL_LT_VERSIONS: /* the versions read so far (console_ltpick.c) */
        con_ltpick_candidates(c, out);
        break;
    case CMPL_NONE:
    case CMPL_COUNT:
        break;
    }
}

/* Tab: complete the word under the cursor to the longest common prefix. */
static void complete(console *c)
{
    char *buf = c->pr.buf;
    char *space = strchr(buf, ' ');
    strvec cands = { 0 };
    const char *word;
    size_t word_off;
    if (!space) {
        commands_complete(CMD_CONSOLE, "", &cands);
        word = buf;
        word_off = 0;
    } else {
        char name[32];
        snprintf(name, sizeof name, "%.*s", (int)(space - buf), buf);
        const command_info *cmd = command_find(name, CMD_CONSOLE);
        if (cmd)
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
    c->pr.completions[0] = '\0';
    if (matches == 1) {
        snprintf(buf + word_off, PROMPT_MAX - word_off, "%s%s", first, space ? "" : " ");
    } else if (matches > 1) {
        if (common > wl)
            snprintf(buf + word_off, PROMPT_MAX - word_off, "%.*s", (int)common, first);
        snprintf(c->pr.completions, sizeof c->pr.completions, "%s%s", shown.buf, matches > 12 ? " ..." : "");
    } else {
        snprintf(c->pr.completions, sizeof c->pr.completions, "(no completion)");
    }
    sb_free(&shown);
    strvec_free(&cands);
    con_ltpick_prompt_hint(c, true); /* :deploy-lt: versions with their hints */
}

static void run_command(console *c, const char *line)
{
    char name[32] = "", arg[PROMPT_MAX] = "";
    while (*line == ' ')
        line++;
    const char *sp = strchr(line, ' ');
    snprintf(name, sizeof name, "%.*s", sp ? (int)(sp - line) : (int)strlen(line), line);
    if (sp) {
        while (*sp == ' ')
            sp++;
        snprintf(arg, sizeof arg, "%s", sp);
        size_t n = strlen(arg);
        while (n && arg[n - 1] == ' ')
            arg[--n] = '\0';
    }
    if (!name[0])
        return;
    const command_info *cmd = command_find(name, CMD_CONSOLE);
    if (!cmd) {
        strbuf names;
        sb_init(&names);
        commands_names(CMD_CONSOLE, &names);
        con_message(c, ROLE_ERROR, "unknown command '%.30s' (%s)", name, names.buf);
        sb_free(&names);
        return;
    }
    if (cmd->args && !arg[0] && !(cmd->flags & CMDF_ACTION)) {
        con_message(c, ROLE_ERROR, ":%s needs a name (Tab completes)", cmd->name);
        return;
    }
    cmd->con(c, name, arg);
}

/* ---- keys ---- */

void con_prompt_open(console *c, prompt_kind k)
{
    con_message_clear(c); /* what the last prompt or dialog said is over */
    c->pr.kind = k;
    c->pr.completions[0] = '\0';
    if (k == PR_FILTER) {
        snprintf(c->pr.saved, sizeof c->pr.saved, "%s", con_filter_get(c));
        snprintf(c->pr.buf, sizeof c->pr.buf, "%s", c->pr.saved);
    } else {
        c->pr.buf[0] = '\0';
    }
    c->dirty_status = true;
}

void con_prompt_close(console *c)
{
    if (c->pr.kind == PR_NONE)
        return;
    c->pr.kind = PR_NONE;
    c->pr.buf[0] = c->pr.completions[0] = '\0';
    c->dirty_status = true;
}

void con_prompt_set_text(console *c, const char *text)
{
    snprintf(c->pr.buf, sizeof c->pr.buf, "%s", text);
    c->dirty_status = true;
}

void con_prompt_hint(console *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->pr.completions, sizeof c->pr.completions, fmt, ap);
    va_end(ap);
    c->dirty_status = true;
}

static void prompt_changed(console *c)
{
    if (c->pr.kind == PR_FILTER)
        con_filter_set(c, c->pr.buf);
    if (c->pr.kind == PR_COMMAND)
        con_ltpick_prompt_hint(c, false);
    c->dirty_status = true;
}

static void utf8_append(char *buf, size_t cap, int cp)
{
    char u[5] = { 0 };
    if (cp < 0x80)
        u[0] = (char)cp;
    else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
    } else {
        u[0] = (char)(0xf0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
    }
    size_t n = strlen(buf), m = strlen(u);
    if (n + m < cap)
        memcpy(buf + n, u, m + 1);
}

void con_prompt_key(console *c, int key)
{
    if (c->pr.kind == PR_MFA) {
        con_mfa_key(c, key);
        return;
    }
    size_t n = strlen(c->pr.buf);
    if (key == 27) { /* Esc: cancel */
        if (c->pr.kind == PR_FILTER) {
            snprintf(c->pr.buf, sizeof c->pr.buf, "%s", c->pr.saved);
            prompt_changed(c);
        }
        c->pr.kind = PR_NONE;
    } else if (key == '\r') {
        prompt_kind k = c->pr.kind;
        c->pr.kind = PR_NONE;
        if (k == PR_COMMAND) {
            char line[PROMPT_MAX];
            snprintf(line, sizeof line, "%s", c->pr.buf);
            run_command(c, line);
        }
    } else if (key == (KEYMAP_FN | KEY_BACKSPACE)) {
        while (n > 0 && ((unsigned char)c->pr.buf[n - 1] & 0xc0) == 0x80)
            n--;
        if (n > 0)
            n--;
        c->pr.buf[n] = '\0';
        c->pr.completions[0] = '\0';
        prompt_changed(c);
    } else if (key == ('u' & 0x1f)) {
        c->pr.buf[0] = '\0';
        prompt_changed(c);
    } else if (key == '\t' && c->pr.kind == PR_COMMAND) {
        complete(c);
    } else if (key >= 0x20 && key < KEYMAP_FN && key != 0x7f && !(key >= 0x80 && key < 0xa0)) {
        utf8_append(c->pr.buf, sizeof c->pr.buf, key);
        c->pr.completions[0] = '\0';
        prompt_changed(c);
    }
    c->dirty_status = true;
}
