/* console_views.c — overlays (detail, help, API log), OSC 52 copy of ids (only ids
 * of the shape AWS gives them), and the SSM shell the console steps aside for. */
#include "console_int.h"

#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "services/field_rules.h"
#include "deploy/plan_cli.h"

/* ---- overlays ---- */

/* Where the help's descriptions begin: "  %-16s %-18s %s". */
#define HELP_VALUE_COL (2 + 16 + 1 + 18 + 1)

/* hang: the column where a line's value begins (a detail's "key   value": the
 * key's width and a space), so a long value wraps under itself; 0: none. */
static void overlay_set_text(console *c, const char *title, const char *text, int hang)
{
    snprintf(c->ov.title, sizeof c->ov.title, "%s", title);
    strvec_free(&c->ov.lines);
    c->ov.hang = hang;
    c->ov.wrap_w = -1;
    const char *s = text;
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        char *line = xstrndup(s, n);
        strvec_push(&c->ov.lines, line);
        free(line);
        s += n + (nl ? 1 : 0);
    }
    c->ov.kind = OV_TEXT;
    c->ov.scroll = 0;
    c->ov.filter[0] = '\0';
    c->ov.from_log = false;
    c->ov.dirty = true;
    c->dirty_status = true;
}

/* Where line's value begins: col when the key fits before it, else just after the
 * longer key (its first space from col on); 0 when the line has no value there. */
static int value_column(const char *line, int col)
{
    size_t len = strlen(line);
    if (col <= 0 || len <= (size_t)col)
        return 0;
    if (line[col - 1] == ' ')
        return col;
    const char *sp = strchr(line + col - 1, ' ');
    return sp && sp[1] ? (int)(sp - line) + 1 : 0;
}

const strvec *con_overlay_lines(console *c, int width)
{
    if (c->ov.kind != OV_TEXT)
        return &c->ov.lines;
    if (c->ov.wrap_w != width) {
        strvec_free(&c->ov.wrapped);
        size_t shown = 0;
        if (c->ov.filter[0]) {
            char head[160];
            snprintf(head, sizeof head, "Lines holding '%s'  (/ then Enter on nothing shows all)", c->ov.filter);
            text_wrap(head, width, 0, 0, c->ascii, &c->ov.wrapped);
            strvec_push(&c->ov.wrapped, "");
        }
        for (size_t i = 0; i < c->ov.lines.n; i++) {
            const char *line = c->ov.lines.items[i];
            if (c->ov.filter[0] && !strcasestr(line, c->ov.filter))
                continue;
            text_wrap(line, width, value_column(line, c->ov.hang), 0, c->ascii, &c->ov.wrapped);
            shown++;
        }
        if (c->ov.filter[0] && !shown)
            strvec_push(&c->ov.wrapped, "(no line holds it)");
        c->ov.wrap_w = width;
    }
    return &c->ov.wrapped;
}

void con_overlay_close(console *c)
{
    if (c->ov.kind == OV_NONE)
        return;
    c->ov.kind = OV_NONE;
    c->ov.copy_id[0] = '\0';
    for (int p = 0; p < PANE_COUNT; p++) {
        c->panes[p].dirty = true;
        if (c->win_pane[p])
            touchwin(c->win_pane[p]);
    }
    c->dirty_status = true;
}

void con_open_detail(console *c)
{
    pane *p = &c->panes[c->focus];
    if (!p->ops->detail)
        return;
    pane_ctx ctx = con_ctx_of(c);
    strbuf sb;
    sb_init(&sb);
    p->ops->detail(p, &ctx, &sb);
    const char *id = lv_selected_id(&p->lv);
    char title[160];
    snprintf(title, sizeof title, "%s · %.100s  (Esc closes, y copies the id)", panes_all[p->id].title, id ? id : "");
    overlay_set_text(c, title, sb.buf, DETAIL_KEY_COLS + 1);
    snprintf(c->ov.copy_id, sizeof c->ov.copy_id, "%s", id ? id : "");
    c->ov.copy_pane = c->focus;
    sb_free(&sb);
}

void con_open_help(console *c)
{
    strbuf sb;
    sb_init(&sb);
    sb_append(&sb, "Keys (change them in the config file's keys: section, by action name)\n\n");
    for (int scope = 0; scope <= PANE_COUNT; scope++) {
        bool header = false;
        for (int a = 1; a < ACT_COUNT; a++) {
            if (keymap_actions[a].scope != scope || con_action_hidden(c, (action_id)a))
                continue;
            if (!header) {
                if (scope == SCOPE_GLOBAL)
                    sb_append(&sb, "Everywhere\n");
                else
                    sb_printf(&sb, "\n%s pane\n", panes_all[scope - 1].title);
                header = true;
            }
            char keys[64];
            keymap_keys_for(&c->km, (action_id)a, keys, sizeof keys);
            sb_printf(&sb, "  %-16s %-18s %s", keys[0] ? keys : "(unbound)", keymap_actions[a].name,
                      keymap_actions[a].help);
            if (a == ACT_COMMAND) { /* its commands: the table's */
                sb_append(&sb, ": ");
                commands_names(CMD_CONSOLE, &sb);
            }
            sb_append(&sb, "\n");
        }
    }
    sb_append(&sb, "\nCommands (:)\n");
    commands_list(CMD_CONSOLE, CMDF_ACTION, 0, 16, &sb);
    sb_append(&sb, "Tab completes commands and names.\n");
    con_actions_help(c, &sb); /* the action commands, unless read-only */
    overlay_set_text(c, "Help  (Esc closes)", sb.buf, HELP_VALUE_COL);
    sb_free(&sb);
}

const lv_column con_log_columns[] = {
    { .title = "TIME", .min = 8, .max = 8 },
    { .title = "SERVICE", .min = 7, .max = 11, .prio = 3 },
    { .title = "OPERATION", .min = 12, .max = 32 },
    { .title = "HTTP", .min = 4, .max = 4, .right = true },
    { .title = "MS", .min = 5, .max = 6, .right = true },
    { .title = "RETRY", .min = 5, .max = 5, .prio = 2, .right = true },
    { .title = "ERROR", .min = 6, .max = 30, .prio = 1 },
    { .title = "REQUEST ID", .min = 10, .prio = 1 },
};

const int con_log_ncolumns = (int)ARRAY_LEN(con_log_columns);

/* A call's row id in the log: what Enter finds the call by again. */
static void call_row_id(const aws_call_record *r, char *buf, size_t len)
{
    snprintf(buf, len, "%lld/%s/%s", (long long)r->when, r->operation, r->request_id);
}

void con_log_rebuild(console *c)
{
    const aws_call_record *rec = NULL;
    size_t n = aws_client_call_log(c->client, &rec);
    c->ov.log_seen = n;
    lv_begin(&c->ov.log_lv);
    for (size_t k = n; k-- > 0;) {
        const aws_call_record *r = &rec[k];
        char id[200], t[16];
        call_row_id(r, id, sizeof id);
        lv_row *row = lv_add(&c->ov.log_lv, id);
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
        if (r->note[0]) /* e.g. the signing clock corrected from this host's Date */
            lv_setf(row, 6, "%s%s%s", r->error_code, r->error_code[0] ? "; " : "", r->note);
        else
            lv_set(row, 6, r->error_code);
        lv_set(row, 7, r->request_id);
        if (r->error_code[0])
            row->role = ROLE_UNHEALTHY;
    }
    lv_end(&c->ov.log_lv, mono_now_ms());
    c->ov.dirty = true;
}

/* Enter on a call in the API log: the whole record, the error's message and what
 * was asked (secrets already replaced by the client: aws_params_for_log). */
static void log_detail(console *c)
{
    const lv_row *row = lv_selected(&c->ov.log_lv);
    const aws_call_record *rec = NULL;
    size_t n = aws_client_call_log(c->client, &rec);
    const aws_call_record *r = NULL;
    for (size_t k = 0; row && k < n && !r; k++) {
        char id[200];
        call_row_id(&rec[k], id, sizeof id);
        if (str_eq(id, row->id))
            r = &rec[k];
    }
    if (!r) {
        con_message(c, ROLE_WARNING, "that call has left the log (it keeps the last %d)", AWS_CALL_LOG_SIZE);
        return;
    }
    strbuf sb;
    sb_init(&sb);
    char t[40];
    pane_fmt_time(r->when, t, sizeof t);
    detail_kv(&sb, "Time", t);
    detail_kv(&sb, "Service", r->service);
    detail_kv(&sb, "Operation", r->operation);
    detail_kv(&sb, "Changes", r->mutating ? "yes: a mutating call (never retried blindly)" : "no: read-only");
    detail_kv(&sb, "Parameters", r->params[0] ? r->params : "(none)");
    if (r->http_status)
        detail_kvf(&sb, "HTTP", "%ld", r->http_status);
    else
        detail_kv(&sb, "HTTP", "no answer (transport error)");
    detail_kvf(&sb, "Took", "%d ms", r->latency_ms);
    detail_kvf(&sb, "Retries", "%d", r->retries);
    detail_kv(&sb, "RequestId", r->request_id);
    detail_kv(&sb, "Error", r->error_code[0] ? r->error_code : "(none)");
    if (r->message[0])
        detail_kv(&sb, "Message", r->message);
    if (r->note[0])
        detail_kv(&sb, "Note", r->note);
    char title[160];
    snprintf(title, sizeof title, "API call · %.60s  (Esc back to the log, y copies the request id)", r->operation);
    overlay_set_text(c, title, sb.buf, DETAIL_KEY_COLS + 1);
    c->ov.from_log = true;
    snprintf(c->ov.copy_id, sizeof c->ov.copy_id, "%s", r->request_id);
    sb_free(&sb);
}

const char *con_filter_get(const console *c)
{
    if (c->ov.kind == OV_LOG)
        return c->ov.log_lv.filter;
    if (c->ov.kind == OV_TEXT)
        return c->ov.filter;
    return c->panes[c->focus].lv.filter;
}

void con_filter_set(console *c, const char *filter)
{
    if (c->ov.kind == OV_LOG) {
        lv_set_filter(&c->ov.log_lv, filter);
        c->ov.dirty = true;
    } else if (c->ov.kind == OV_TEXT) {
        snprintf(c->ov.filter, sizeof c->ov.filter, "%s", filter ? filter : "");
        c->ov.wrap_w = -1; /* the shown lines again */
        c->ov.scroll = 0;
        c->ov.dirty = true;
    } else {
        pane *p = &c->panes[c->focus];
        lv_set_filter(&p->lv, filter);
        p->dirty = true;
    }
}

void con_open_log(console *c)
{
    snprintf(c->ov.title, sizeof c->ov.title, "API calls, newest first  (Esc closes)");
    c->ov.kind = OV_LOG;
    con_log_rebuild(c);
    c->dirty_status = true;
}

/* ---- OSC 52 copy ---- */

/* The API log's y copies a request id; a pane's, the shapes its ops name. A copied
 * value is pasted into shells: anything but an id of these shapes is refused. */
static const copy_shapes request_id_shape = { { FIELD_REQUEST_ID }, 1 };

static void copy_checked(console *c, const char *id, const copy_shapes *shapes)
{
    if (!id || !*id) {
        con_message(c, ROLE_WARNING, "nothing selected to copy");
        return;
    }
    char shown[120];
    sanitize_str(id, shown, sizeof shown, 40, c->ascii, NULL);
    bool ok = false;
    for (size_t i = 0; i < shapes->n && !ok; i++)
        ok = field_valid(shapes->kinds[i], id);
    if (!ok) {
        strbuf what;
        sb_init(&what);
        for (size_t i = 0; i < shapes->n; i++)
            sb_printf(&what, "%s%s", i ? " or " : "", field_what(shapes->kinds[i]));
        con_message(c, ROLE_WARNING, "not copied: %s is not %s", shown, what.buf);
        sb_free(&what);
        return;
    }
    /* Every shape is printable ASCII of bounded length (field_rules.c). */
    unsigned char b64[4 * 2048 / 3 + 8];
    int len = EVP_EncodeBlock(b64, (const unsigned char *)id, (int)strlen(id));
    char seq[sizeof b64 + 16];
    int sl = snprintf(seq, sizeof seq, "\033]52;c;%.*s\a", len, (const char *)b64);
    /* Written straight to the terminal, after what curses has buffered. */
    fflush(stdout);
    if (sl > 0 && write(STDOUT_FILENO, seq, (size_t)sl) < 0) {
        con_message(c, ROLE_ERROR, "could not write to the terminal");
        return;
    }
    con_message(c, ROLE_HEALTHY, "copied %s (OSC 52: the terminal must allow clipboard writes)", shown);
}

void con_copy_pane_id(console *c, int which, const char *row_id)
{
    if (which < 0 || which >= PANE_COUNT)
        return;
    /* A Targets row is "group|target|port" (a group with no targets: its ARN). */
    char target[512];
    const char *bar = which == PANE_TARGETS && row_id ? strchr(row_id, '|') : NULL;
    if (bar) {
        snprintf(target, sizeof target, "%s", bar + 1);
        target[strcspn(target, "|")] = '\0';
        row_id = target;
    }
    copy_checked(c, row_id, &c->panes[which].ops->copy);
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

void con_ssm_shell(console *c)
{
    const char *id = lv_selected_id(&c->panes[PANE_INSTANCES].lv);
    if (!field_valid(FIELD_INSTANCE_ID, id)) {
        con_message(c, ROLE_WARNING, "select an instance first");
        return;
    }
    if (!on_path("aws")) {
        con_message(c, ROLE_ERROR, "SSM shell: the AWS CLI (aws) is not on PATH; nothing was run");
        return;
    }
    if (!on_path("session-manager-plugin")) {
        con_message(c, ROLE_ERROR, "SSM shell: session-manager-plugin is not on PATH; nothing was run");
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
    strbuf cmd;
    sb_init(&cmd);
    plan_cli_hint(&cmd, argv, (size_t)n);
    char shown[1024];
    sanitize_str(cmd.buf, shown, sizeof shown, -1, c->ascii, NULL);
    sb_free(&cmd);

    def_prog_mode();
    endwin();
    fprintf(stderr, "tarmac: %s (the console comes back when it ends)\n", shown);
    /* The child owns the terminal meanwhile: ^C goes to it, not to us. */
    struct sigaction ign, old_int, old_quit;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGINT, &ign, &old_int);
    sigaction(SIGQUIT, &ign, &old_quit);
    pid_t pid = fork();
    if (pid == 0) {
        con_restore_signals();
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
    con_drain_sig_pipe();
    reset_prog_mode();
    clearok(curscr, TRUE);
    con_relayout(c);
    if (pid < 0)
        con_message(c, ROLE_ERROR, "could not start aws: %s", strerror(errno));
    else if (WIFEXITED(status))
        con_message(c, WEXITSTATUS(status) ? ROLE_WARNING : ROLE_NEUTRAL, "SSM session ended (exit %d)",
                    WEXITSTATUS(status));
    else
        con_message(c, ROLE_WARNING, "SSM session ended by a signal");
}

bool con_overlay_scroll(console *c, action_id a, int key)
{
    int h = c->lay.body.h - 2, before = c->ov.scroll;
    switch (a) {
    case ACT_UP:
        key = KEYMAP_FN | KEY_UP;
        break;
    case ACT_DOWN:
        key = KEYMAP_FN | KEY_DOWN;
        break;
    case ACT_PAGE_UP:
        key = KEYMAP_FN | KEY_PPAGE;
        break;
    case ACT_PAGE_DOWN:
        key = KEYMAP_FN | KEY_NPAGE;
        break;
    case ACT_TOP:
        key = KEYMAP_FN | KEY_HOME;
        break;
    case ACT_BOTTOM:
        key = KEYMAP_FN | KEY_END;
        break;
    default:
        break;
    }
    switch (key) {
    case KEYMAP_FN | KEY_UP:
        c->ov.scroll--;
        break;
    case KEYMAP_FN | KEY_DOWN:
        c->ov.scroll++;
        break;
    case KEYMAP_FN | KEY_PPAGE:
        c->ov.scroll -= h - 1;
        break;
    case KEYMAP_FN | KEY_NPAGE:
        c->ov.scroll += h - 1;
        break;
    case KEYMAP_FN | KEY_HOME:
        c->ov.scroll = 0;
        break;
    case KEYMAP_FN | KEY_END:
        c->ov.scroll = INT_MAX / 2; /* the draw stops it at the end */
        break;
    default:
        return false;
    }
    if (c->ov.scroll != before)
        c->ov.dirty = true;
    return true;
}

void con_overlay_scroll_to(console *c, int line)
{
    if (c->ov.scroll != line)
        c->ov.dirty = true;
    c->ov.scroll = line;
}

void con_overlay_show_lines(console *c, overlay_kind kind, strvec *lines, bool keep_scroll)
{
    strvec_free(&c->ov.lines);
    c->ov.lines = *lines;
    memset(lines, 0, sizeof *lines);
    c->ov.kind = kind;
    c->ov.copy_id[0] = '\0';
    if (!keep_scroll)
        c->ov.scroll = 0;
    c->ov.dirty = true;
    c->dirty_status = true;
}

void con_overlay_key(console *c, action_id a)
{
    if (c->ov.kind == OV_LOG) {
        if (lv_move(&c->ov.log_lv, a, NULL)) {
            c->ov.dirty = true;
            return;
        }
    } else {
        int before = c->ov.scroll;
        if (con_overlay_scroll(c, a, 0) && c->ov.scroll != before)
            return;
    }
    switch (a) {
    case ACT_DETAIL:
        if (c->ov.kind == OV_LOG)
            log_detail(c);
        else
            con_overlay_close(c);
        break;
    case ACT_BACK:
        if (c->ov.kind == OV_TEXT && c->ov.from_log) {
            c->ov.from_log = false;
            con_open_log(c); /* where the call was, its row still selected */
            break;
        }
        con_overlay_close(c);
        break;
    case ACT_QUIT:
        con_overlay_close(c);
        break;
    case ACT_FILTER:
        if (c->ov.kind == OV_LOG || c->ov.kind == OV_TEXT)
            con_prompt_open(c, PR_FILTER);
        break;
    case ACT_HELP:
        con_overlay_close(c);
        con_open_help(c);
        break;
    case ACT_API_LOG:
        if (c->ov.kind == OV_LOG)
            con_overlay_close(c);
        else
            con_open_log(c);
        break;
    case ACT_COPY_ID:
        if (c->ov.kind == OV_LOG)
            copy_checked(c, lv_selected(&c->ov.log_lv) ? lv_selected(&c->ov.log_lv)->cells[7] : NULL,
                         &request_id_shape);
        else
            con_copy_pane_id(c, c->ov.copy_pane, c->ov.copy_id);
        break;
    case ACT_REFRESH:
        watch_refresh_now(c->w);
        break;
    default:
        break;
    }
}
