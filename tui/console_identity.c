/* console_identity.c — who the console is: the creds_session whose client the panes
 * use (adopted at start-up from what cli_session_open resolved, then refreshed in
 * the background from the loop), MFA codes asked for in the status line when a
 * role needs one, and the header's identity text and credential notes. */
#include "console_int.h"

#define BUSY_WAIT_MS   25               /* loop wait while a credential job runs */
#define EXPIRY_WARN_MS (15 * 60 * 1000) /* the header counts down from here */

/* ---- MFA: the hook queues the job; the prompt answers the first ---- */

static void on_mfa_prompt(creds_job *j, const char *serial, const char *profile, void *ud)
{
    console *c = ud;
    if (c->who.n_mfa >= MFA_QUEUE_MAX) {
        creds_job_mfa_code(j, NULL); /* "MFA code not given": the job fails with that line */
        return;
    }
    mfa_wait *m = &c->who.mfa[c->who.n_mfa++];
    m->job = j;
    str_copy(m->serial, sizeof m->serial, serial ? serial : "");
    str_copy(m->profile, sizeof m->profile, profile ? profile : "");
    c->dirty_status = true;
}

creds_hooks con_creds_hooks(console *c)
{
    return (creds_hooks){
        .mfa_prompt = on_mfa_prompt,
        .ud = c,
        .capture_stderr = true, /* a credential_process must not write over the screen */
        .endpoint_url = c->g->endpoint_url,
    };
}

static void mfa_prompt_clear(console *c)
{
    secret_wipe(c->who.mfa_code, sizeof c->who.mfa_code);
    c->who.mfa_code[0] = '\0';
    if (c->pr.kind == PR_MFA)
        con_prompt_close(c);
}

static void mfa_prompt_open(console *c)
{
    const mfa_wait *m = &c->who.mfa[0];
    mfa_prompt_clear(c);
    con_prompt_open(c, PR_MFA);
    con_prompt_hint(c, "MFA code for profile %.60s (%.100s): Enter sends, Esc cancels", m->profile, m->serial);
}

void con_mfa_forget(console *c, const creds_job *j)
{
    if (!j)
        return;
    for (int i = 0; i < c->who.n_mfa; i++) {
        if (c->who.mfa[i].job != j)
            continue;
        if (i == 0 && c->pr.kind == PR_MFA)
            mfa_prompt_clear(c);
        memmove(&c->who.mfa[i], &c->who.mfa[i + 1], (size_t)(c->who.n_mfa - i - 1) * sizeof c->who.mfa[0]);
        c->who.n_mfa--;
        i--;
    }
}

static void mfa_answer(console *c, bool send)
{
    creds_job *j = c->who.mfa[0].job;
    memmove(&c->who.mfa[0], &c->who.mfa[1], (size_t)(c->who.n_mfa - 1) * sizeof c->who.mfa[0]);
    c->who.n_mfa--;
    char code[sizeof c->who.mfa_code];
    memcpy(code, c->who.mfa_code, sizeof code);
    mfa_prompt_clear(c);
    creds_job_mfa_code(j, send ? code : NULL); /* copied by the job */
    secret_wipe(code, sizeof code);
    if (!send)
        con_message(c, ROLE_WARNING, "MFA code not given: those credentials stay unresolved");
}

void con_mfa_key(console *c, int key)
{
    size_t n = strlen(c->who.mfa_code);
    if (c->who.n_mfa == 0) {
        mfa_prompt_clear(c);
    } else if (key == 27) {
        mfa_answer(c, false);
    } else if (key == '\r') {
        mfa_answer(c, true);
    } else if (key == (KEYMAP_FN | KEY_BACKSPACE)) {
        if (n)
            c->who.mfa_code[n - 1] = '\0';
    } else if (key == ('u' & 0x1f)) {
        secret_wipe(c->who.mfa_code, sizeof c->who.mfa_code);
        c->who.mfa_code[0] = '\0';
    } else if (key > 0x20 && key < 0x7f && n + 1 < sizeof c->who.mfa_code) {
        c->who.mfa_code[n] = (char)key;
        c->who.mfa_code[n + 1] = '\0';
    }
    /* The prompt shows a star per character: the code itself is never drawn. */
    char stars[sizeof c->who.mfa_code];
    size_t k = strlen(c->who.mfa_code);
    memset(stars, '*', k);
    stars[k] = '\0';
    if (c->pr.kind == PR_MFA)
        con_prompt_set_text(c, stars);
}

/* ---- the session ---- */

int con_creds_start(console *c)
{
    /* cli_session_open resolved once (blocking, before the screen opens); the
     * session adopts those credentials and from now on refreshes them itself. */
    creds_hooks h = con_creds_hooks(c);
    creds_request req = { .profile = c->sess.profile, .region = c->sess.region };
    strbuf err;
    sb_init(&err);
    c->cs = xcalloc(1, sizeof *c->cs);
    if (creds_session_adopt(c->cs, &req, &c->sess.creds, c->g->endpoint_url, &h, true, &err) != 0) {
        cli_error("%s", err.buf);
        sb_free(&err);
        free(c->cs);
        c->cs = NULL;
        return EXIT_AWS;
    }
    sb_free(&err);
    aws_client_free(c->sess.client);
    c->sess.client = NULL;
    c->client = c->cs->client;
    return 0;
}

void con_creds_tick(console *c, int64_t now)
{
    creds_session_tick(c->cs);
    /* A failed refresh: said once in the status line (the header keeps a note). */
    if (c->cs->refresh_failed != c->who.refresh_failed_shown) {
        c->who.refresh_failed_shown = c->cs->refresh_failed;
        if (c->cs->refresh_failed)
            con_message(c, ROLE_ERROR, "%s", c->cs->message);
        c->dirty_header = true;
    }
    con_switch_poll(c);
    con_apps_tick(c, now);
    if (c->who.n_mfa && c->pr.kind == PR_NONE)
        mfa_prompt_open(c);
}

int con_creds_timeout(const console *c, int64_t now, int timeout)
{
    if ((c->cs && c->cs->refresh) || c->who.switch_job)
        timeout = timeout < BUSY_WAIT_MS ? timeout : BUSY_WAIT_MS;
    if (c->apps.w) {
        int t = apps_watch_next_due_ms(c->apps.w, now);
        timeout = t < timeout ? t : timeout;
    }
    return timeout;
}

void con_creds_close(console *c)
{
    con_switch_cancel(c);
    c->who.n_mfa = 0; /* the jobs go with their owners below */
    secret_wipe(c->who.mfa_code, sizeof c->who.mfa_code);
    con_apps_free(c);
    if (c->cs) {
        creds_session_close(c->cs);
        free(c->cs);
        c->cs = NULL;
    }
    free(c->who.switch_profile);
    free(c->who.switch_region);
    c->who.switch_profile = c->who.switch_region = NULL;
}

/* ---- the header ---- */

static int columns_of(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* The header's left part, shorter at each level, so that when room runs out the
 * labels go first, then the program's name, the profile and the account; the user
 * or role (who is acting) stays to the last. */
enum { HDR_LABELS, HDR_PLAIN, HDR_NO_NAME, HDR_NO_PROFILE, HDR_NO_ACCOUNT, HDR_LEVELS };

void con_header_left(const console *c, int width, strbuf *out)
{
    const watch_state *ws = watch_get(c->w);
    const char *acct = ws->identity.account ? ws->identity.account : "-";
    const char *profile = c->profile ? c->profile : "default";
    const char *region = c->region ? c->region : "-";
    const char *asg = ws->selected_asg ? ws->selected_asg : "-";
    /* "ACCOUNT role/NAME": only the part after the account, which is shown anyway */
    char label[160] = "";
    creds_identity_label(ws->identity.arn, label, sizeof label);
    const char *who = strchr(label, ' ');
    who = who ? who + 1 : "";
    const char *sp = who[0] ? " " : "";
    for (int level = c->lay.cols >= 120 ? HDR_LABELS : HDR_PLAIN; level < HDR_LEVELS; level++) {
        sb_reset(out);
        if (level == HDR_LABELS) {
            sb_printf(out, " tarmac  acct %s%s%s  profile %s  region %s", acct, sp, who, profile, region);
            if (c->app)
                sb_printf(out, "  app %s", c->app->name);
            sb_printf(out, "  asg %s", asg);
        } else {
            sb_append(out, level < HDR_NO_NAME ? " tarmac" : "");
            if (level < HDR_NO_ACCOUNT)
                sb_printf(out, " %s", acct);
            if (who[0])
                sb_printf(out, " %s", who);
            if (level < HDR_NO_PROFILE)
                sb_printf(out, " %s", profile);
            sb_printf(out, " %s", region);
            if (c->app)
                sb_printf(out, " %s", c->app->name);
            sb_printf(out, " %s", asg);
        }
        if (columns_of(out->buf) <= width)
            break;
    }
}

int con_header_note(const console *c, char *buf, size_t len, int *role)
{
    buf[0] = '\0';
    *role = ROLE_WARNING;
    if (c->who.switch_job) {
        snprintf(buf, len, "switching to %s%s", c->who.switch_label, c->ascii ? "..." : "…");
    } else if (c->cs && c->cs->refresh_failed) {
        *role = ROLE_ERROR;
        snprintf(buf, len, "credentials refresh failed");
    } else if (c->cs && c->cs->creds.expiration) {
        int64_t left = creds_session_expires_in(c->cs);
        if (left <= 0)
            snprintf(buf, len, "credentials expired");
        else if (left < 60 * 1000)
            snprintf(buf, len, "expires %llds", (long long)(left / 1000));
        else if (left < EXPIRY_WARN_MS)
            snprintf(buf, len, "expires %lldm", (long long)(left / 60000));
    }
    return columns_of(buf);
}
