/* console_cmd.c — switching profile, region, app, group and theme; the `:`
 * command line with completion and the `/` filter prompt. */
#include "console_int.h"

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
        con_message(c, ROLE_ERROR, "%s", err.buf);
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

static void switch_app(console *c, const char *name)
{
    const app_config *app = config_find_app(&c->sess.config, name);
    if (!app) {
        con_message(c, ROLE_ERROR, "no app named '%.64s' in the config file", name);
        return;
    }
    const char *prof = config_app_profile(&c->sess.config, app);
    const char *reg = config_app_region(&c->sess.config, app);
    if ((reg && !str_eq(reg, c->region)) || (prof && !str_eq(prof, c->profile)))
        if (switch_client(c, prof ? prof : c->profile, reg ? reg : c->region) != 0)
            return;
    con_set_app(c, app);
    select_asg(c, app->asg);
    watch_set_repository(c->w, app->ecr_repository);
    con_mark_all(c);
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
        con_message(c, ROLE_ERROR, "unknown command '%.30s' (asg, repo, app, region, profile, theme, q)", cmd);
        return;
    }
    if (!arg[0]) {
        con_message(c, ROLE_ERROR, ":%s needs a name (Tab completes)", cmd);
        return;
    }
    if (str_eq(cmd, "asg")) {
        select_asg(c, arg);
        con_message(c, ROLE_NEUTRAL, "watching group %.100s", arg);
    } else if (str_eq(cmd, "repo")) {
        watch_set_repository(c->w, arg);
        c->panes[PANE_IMAGES].dirty = true;
        con_message(c, ROLE_NEUTRAL, "watching repository %.100s", arg);
    } else if (str_eq(cmd, "app")) {
        switch_app(c, arg);
    } else if (str_eq(cmd, "region")) {
        if (switch_client(c, c->profile, arg) == 0)
            con_message(c, ROLE_NEUTRAL, "region %.40s", arg);
    } else if (str_eq(cmd, "profile")) {
        if (switch_client(c, arg, c->region) == 0)
            con_message(c, ROLE_NEUTRAL, "profile %.60s", arg);
    } else if (str_eq(cmd, "theme")) {
        apply_theme(c, arg);
    }
}

/* ---- keys ---- */

void con_prompt_open(console *c, prompt_kind k)
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

void con_prompt_key(console *c, int key)
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
