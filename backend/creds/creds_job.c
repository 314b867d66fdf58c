/* creds_job.c — runs a credential plan (creds_int.h) step by step without blocking:
 * each step submits its work (HTTP on the job's own engine, STS through an
 * aws_client signed with the previous step's credentials, or a child process) and
 * reports back through creds_job_step_done(). Also the helpers the providers share. */
#include "creds/creds_int.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/json_util.h"

static void job_next(creds_job *j);

void creds_job_fail(creds_job *j, const char *fmt, ...)
{
    sb_reset(&j->err);
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&j->err, fmt, ap);
    va_end(ap);
    j->state = CJOB_FAILED;
    aws_credentials_free(&j->cur);
}

/* Where a step's credentials come from, for messages (never a value). */
static void step_origin(const creds_step *s, char *out, size_t cap)
{
    const char *p = s->profile ? s->profile : "default";
    int n = CREDS_NAME_SHOWN;
    switch (s->kind) {
    case CSTEP_STATIC:
        snprintf(out, cap, "%s", s->origin ? s->origin : "static keys");
        break;
    case CSTEP_PROCESS:
        snprintf(out, cap, "credential_process of profile \"%.*s\"", n, p);
        break;
    case CSTEP_SSO:
        snprintf(out, cap, "the SSO portal (GetRoleCredentials) for profile \"%.*s\"", n, p);
        break;
    case CSTEP_CONTAINER:
        snprintf(out, cap, "the container credentials endpoint");
        break;
    case CSTEP_IMDS:
        snprintf(out, cap, "the EC2 instance metadata service");
        break;
    case CSTEP_WEB_IDENTITY:
        snprintf(out, cap, "STS AssumeRoleWithWebIdentity for profile \"%.*s\"", n, p);
        break;
    case CSTEP_ASSUME_ROLE:
        snprintf(out, cap, "STS AssumeRole for profile \"%.*s\"", n, p);
        break;
    }
}

void creds_job_step_done(creds_job *j, const aws_credentials *cr, const char *msg)
{
    if (j->state != CJOB_RUNNING && j->state != CJOB_MFA)
        return;
    if (!cr) {
        creds_job_fail(j, "%s", msg ? msg : "credentials could not be resolved");
        return;
    }
    /* Every step's answer, whatever its source, passes the one check before use. */
    if (j->step < j->plan.steps.n) {
        char from[400];
        step_origin(&j->plan.steps.items[j->step], from, sizeof from);
        strbuf why;
        sb_init(&why);
        if (aws_credentials_check(cr, from, &why) != 0) {
            creds_job_fail(j, "%s", why.buf);
            sb_free(&why);
            return;
        }
        sb_free(&why);
    }
    /* cr may be j->cur's own storage (a static step): copy before freeing */
    aws_credentials tmp;
    aws_credentials_copy(&tmp, cr);
    aws_credentials_free(&j->cur);
    j->cur = tmp;
    j->step++;
    j->phase = 0;
    job_next(j);
}

static void job_next(creds_job *j)
{
    if (j->state != CJOB_RUNNING)
        return;
    if (j->step >= j->plan.steps.n) {
        free(j->cur.source);
        j->cur.source = xstrdup(j->plan.source);
        j->state = CJOB_DONE;
        return;
    }
    const creds_step *s = &j->plan.steps.items[j->step];
    switch (s->kind) {
    case CSTEP_STATIC:
        creds_job_step_done(j, &s->creds, NULL);
        break;
    case CSTEP_PROCESS:
        creds_process_start(j, s);
        break;
    case CSTEP_SSO:
        creds_sso_start(j, s);
        break;
    case CSTEP_CONTAINER:
        creds_container_start(j, s);
        break;
    case CSTEP_IMDS:
        creds_imds_start(j, s);
        break;
    case CSTEP_WEB_IDENTITY:
        creds_sts_web_identity_start(j, s);
        break;
    case CSTEP_ASSUME_ROLE:
        creds_sts_assume_role_start(j, s);
        break;
    }
}

creds_job *creds_job_start(const creds_request *req, const creds_hooks *hooks)
{
    creds_job *j = xcalloc(1, sizeof *j);
    sb_init(&j->err);
    sb_init(&j->out);
    sb_init(&j->errtext);
    j->out_fd = j->err_fd = -1;
    if (hooks)
        j->hooks = *hooks;
    j->hooks.endpoint_url = NULL; /* copied into the plan below */
    j->state = CJOB_RUNNING;
    if (creds_plan_build(req, &j->plan, &j->err) != 0) {
        j->state = CJOB_FAILED;
        return j;
    }
    if (hooks && !str_empty(hooks->endpoint_url))
        j->plan.endpoint_url = xstrdup(hooks->endpoint_url);
    job_next(j);
    return j;
}

bool creds_job_done(const creds_job *j)
{
    return j->state == CJOB_DONE || j->state == CJOB_FAILED;
}

void creds_job_run(creds_job *j)
{
    if (creds_job_done(j))
        return;
    if (j->pid > 0)
        creds_process_poll(j);
    if (j->http)
        http_run(j->http);
    if (j->sts)
        aws_client_run(j->sts);
    if (j->sts_retired) {
        aws_client_free(j->sts_retired);
        j->sts_retired = NULL;
    }
}

void creds_job_wait(creds_job *j, int max_ms)
{
    if (creds_job_done(j) || j->state == CJOB_MFA)
        return;
    if (j->pid > 0) {
        struct pollfd pf[2];
        nfds_t n = 0;
        if (j->out_fd >= 0)
            pf[n++] = (struct pollfd){ .fd = j->out_fd, .events = POLLIN };
        if (j->err_fd >= 0)
            pf[n++] = (struct pollfd){ .fd = j->err_fd, .events = POLLIN };
        int wait = max_ms > 100 || max_ms < 0 ? 100 : max_ms; /* also reaps and times out */
        if (n)
            poll(pf, n, wait);
        else
            usleep((useconds_t)wait * 1000);
    } else if (j->sts && aws_client_busy(j->sts)) {
        aws_client_wait(j->sts, NULL, 0, max_ms);
    } else if (j->http && http_in_flight(j->http)) {
        http_wait(j->http, NULL, 0, max_ms);
    }
}

void creds_job_finish(creds_job *j)
{
    /* every step carries its own timeout; this bound only guards against a bug */
    int64_t stop = mono_now_ms() + 10 * 60 * 1000;
    while (!creds_job_done(j) && mono_now_ms() < stop) {
        if (j->state == CJOB_MFA) {
            creds_job_fail(j, "an MFA code is needed and no one answered the prompt");
            break;
        }
        creds_job_run(j);
        if (!creds_job_done(j))
            creds_job_wait(j, 200);
    }
    if (!creds_job_done(j))
        creds_job_fail(j, "credential resolution did not finish");
}

int creds_job_result(creds_job *j, aws_credentials *out, strbuf *err)
{
    memset(out, 0, sizeof *out);
    if (j->state != CJOB_DONE) {
        if (err)
            sb_append(err, j->err.len ? j->err.buf : "credentials are still being resolved");
        return -1;
    }
    aws_credentials_copy(out, &j->cur);
    return 0;
}

void creds_job_free(creds_job *j)
{
    if (!j)
        return;
    creds_process_cancel(j);
    if (j->sts)
        aws_client_free(j->sts); /* runs the STS callback with Cancelled: it ignores it */
    j->sts = NULL;
    if (j->sts_retired)
        aws_client_free(j->sts_retired);
    if (j->http)
        http_engine_free(j->http);
    creds_plan_free(&j->plan);
    aws_credentials_free(&j->cur);
    secret_free(j->imds_token);
    free(j->imds_role);
    secret_free(j->mfa_code);
    sb_free(&j->err);
    sb_wipe_free(&j->out);
    sb_free(&j->errtext);
    free(j);
}

int creds_resolve_ex(const creds_request *req, const creds_hooks *hooks, aws_credentials *out, strbuf *err)
{
    creds_job *j = creds_job_start(req, hooks);
    creds_job_finish(j);
    int rc = creds_job_result(j, out, err);
    creds_job_free(j);
    return rc;
}

/* ---- helpers shared by the providers ---- */

void creds_wipe_answer(const char *body, size_t len)
{
    if (body && len)
        secret_wipe((void *)body, len); /* the engine's buffer, freed right after the callback */
}

int creds_http_submit(creds_job *j, const char *method, const char *url, const char *const *headers, size_t n_headers,
                      const char *body, long timeout_ms, bool direct, http_done_fn done)
{
    if (!j->http)
        j->http = http_engine_new();
    if (!j->http) {
        creds_job_fail(j, "cannot start the HTTP engine");
        return -1;
    }
    http_request hr = {
        .method = method,
        .url = url,
        .headers = headers,
        .n_headers = n_headers,
        .body = body,
        .body_len = body ? strlen(body) : 0,
        .connect_timeout_ms = timeout_ms,
        .timeout_ms = timeout_ms,
        .max_body = CREDS_DOC_MAX,
        .direct = direct,
    };
    strbuf e;
    sb_init(&e);
    j->xfer = http_submit(j->http, &hr, done, j, &e);
    if (!j->xfer) {
        creds_job_fail(j, "cannot send a request for credentials: %s", e.buf);
        sb_free(&e);
        return -1;
    }
    sb_free(&e);
    return 0;
}

char *creds_read_token_file(creds_job *j, const char *path, size_t max, const char *what, const char *check)
{
    strbuf text, why;
    sb_init(&text);
    sb_init(&why);
    file_read_rc rc = file_read_bounded(path, max, &text, &why);
    while (rc == FILE_READ_OK && text.len && strchr(" \t\r\n", text.buf[text.len - 1]))
        text.buf[--text.len] = '\0';
    char *tok = NULL;
    if (rc == FILE_READ_MISSING)
        creds_job_fail(j, "cannot read %s %.300s: it does not exist: check %s", what, path, check);
    else if (rc != FILE_READ_OK)
        creds_job_fail(j, "cannot read %s %.300s: %s: check %s", what, path, why.buf, check);
    else
        tok = xstrndup(text.buf, text.len);
    sb_wipe_free(&text);
    sb_free(&why);
    return tok;
}

int creds_parse_json_doc(const char *body, size_t len, bool process, aws_credentials *out, strbuf *err)
{
    memset(out, 0, sizeof *out);
    aws_error perr;
    json_object *o = ju_parse_object(body, len, "credentials", "document", &perr);
    if (!o) {
        sb_append(err, "the answer is not a JSON object");
        return -1;
    }
    int rc = -1;
    if (process) {
        int version = 0;
        if (!ju_get_int(o, "Version", &version) || version != 1) {
            sb_append(err, "its JSON must have \"Version\": 1");
            goto out;
        }
    }
    out->access_key_id = ju_dup_string(o, "AccessKeyId");
    out->secret_access_key = ju_dup_string(o, "SecretAccessKey");
    out->session_token = ju_dup_string(o, process ? "SessionToken" : "Token");
    if (str_empty(out->access_key_id) || str_empty(out->secret_access_key) || strlen(out->access_key_id) > 128 ||
        strlen(out->access_key_id) != strcspn(out->access_key_id, " \t\r\n")) {
        sb_append(err, "AccessKeyId or SecretAccessKey is missing or malformed in its JSON");
        goto out;
    }
    const char *exp = ju_get_string(o, "Expiration", NULL);
    if (exp && !time_parse_iso8601(exp, &out->expiration)) {
        sb_append(err, "its Expiration is not an ISO 8601 time");
        goto out;
    }
    rc = 0;
out:
    if (rc)
        aws_credentials_free(out);
    /* json-c holds copies of the secrets: wipe them before the object goes */
    json_object_object_foreach(o, key, val) {
        (void)key;
        if (json_object_is_type(val, json_type_string)) {
            int n = json_object_get_string_len(val);
            secret_wipe((void *)json_object_get_string(val), (size_t)n);
        }
    }
    json_object_put(o);
    return rc;
}

void creds_sha1_hex(const char *s, char out[41])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(s, strlen(s), md, &n, EVP_sha1(), NULL);
    for (unsigned i = 0; i < n && i < 20; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    out[40] = '\0';
}

/* shlex.split(line) in POSIX mode: whitespace separates words; '...' is literal;
 * "..." allows \" \\ \$ \` escapes; a backslash outside quotes escapes the next char. */
int creds_shlex_split(const char *line, strvec *out)
{
    const char *p = line;
    strbuf w;
    sb_init(&w);
    int rc = 0;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (!*p)
            break;
        sb_reset(&w);
        while (*p && !(*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
            if (*p == '\'') {
                const char *e = strchr(p + 1, '\'');
                if (!e) {
                    rc = -1;
                    goto out;
                }
                sb_appendn(&w, p + 1, (size_t)(e - p - 1));
                p = e + 1;
            } else if (*p == '"') {
                p++;
                while (*p && *p != '"') {
                    if (*p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == '$' || p[1] == '`'))
                        p++;
                    sb_appendc(&w, *p++);
                }
                if (!*p) {
                    rc = -1;
                    goto out;
                }
                p++;
            } else if (*p == '\\') {
                if (!p[1]) {
                    rc = -1;
                    goto out;
                }
                if (p[1] != '\n')
                    sb_appendc(&w, p[1]);
                p += 2;
            } else {
                sb_appendc(&w, *p++);
            }
        }
        strvec_push(out, w.buf);
    }
out:
    sb_free(&w);
    return rc;
}
