/* creds_sts.c — the STS steps of a credential plan: AssumeRole through an aws_client
 * signed with the previous step's credentials (with external_id, role_session_name,
 * duration_seconds and an MFA code asked for through the hooks and cached in memory
 * for the session's lifetime), and AssumeRoleWithWebIdentity, which is unsigned and
 * so goes straight through the job's HTTP engine. */
#include "creds/creds_int.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/aws_errors.h"
#include "aws/endpoints.h"
#include "sanitize.h"
#include "aws/xml.h"

#define STS_TIMEOUT_MS 10000
#define WEB_TOKEN_MAX  (64u * 1024u)

/* ---- the answer: <XResponse><XResult><Credentials>...</Credentials> ---- */

static int creds_end(void *ud, const char *path, const char *text)
{
    aws_credentials *c = ud;
    const char *k = xml_under(path, "Credentials");
    if (!k)
        return 0;
    if (!strcmp(k, "AccessKeyId"))
        str_set(&c->access_key_id, text);
    else if (!strcmp(k, "SecretAccessKey")) {
        secret_free(c->secret_access_key);
        c->secret_access_key = xstrdup(text);
    } else if (!strcmp(k, "SessionToken")) {
        secret_free(c->session_token);
        c->session_token = xstrdup(text);
    } else if (!strcmp(k, "Expiration") && !time_parse_iso8601(text, &c->expiration))
        return -1;
    return 0;
}

/* 0, or -1 with a reason in msg. */
static int decode_creds(const char *op, const char *body, size_t len, aws_credentials *out, char *msg, size_t cap)
{
    char root[96], result[96];
    snprintf(root, sizeof root, "%sResponse", op);
    snprintf(result, sizeof result, "%sResult", op);
    xml_handler h = { "sts", op, root, result, NULL, creds_end };
    aws_error err;
    memset(out, 0, sizeof *out);
    if (xml_decode(&h, body, len, out, &err) != 0 || str_empty(out->access_key_id) ||
        str_empty(out->secret_access_key)) {
        aws_credentials_free(out);
        snprintf(msg, cap, "STS %s answered without credentials", op);
        return -1;
    }
    return 0;
}

/* ---- the MFA session cache: in memory, for the session's lifetime ---- */

typedef struct mfa_entry {
    char *key; /* profile \n role_arn \n mfa_serial */
    aws_credentials creds;
} mfa_entry;
static VEC(mfa_entry) mfa_cache;

static char *mfa_key(const creds_step *s)
{
    return xasprintf("%s\n%s\n%s", s->profile ? s->profile : "", s->role_arn, s->mfa_serial);
}

static const aws_credentials *mfa_cached(const creds_step *s)
{
    char *key = mfa_key(s);
    const aws_credentials *found = NULL;
    for (size_t i = 0; i < mfa_cache.n && !found; i++)
        if (!strcmp(mfa_cache.items[i].key, key) &&
            mfa_cache.items[i].creds.expiration > time_now_ms() + CREDS_EXPIRY_MARGIN_MS)
            found = &mfa_cache.items[i].creds;
    free(key);
    return found;
}

static void mfa_store(const creds_step *s, const aws_credentials *cr)
{
    char *key = mfa_key(s);
    for (size_t i = 0; i < mfa_cache.n; i++)
        if (!strcmp(mfa_cache.items[i].key, key)) {
            aws_credentials_free(&mfa_cache.items[i].creds);
            aws_credentials_copy(&mfa_cache.items[i].creds, cr);
            free(key);
            return;
        }
    mfa_entry *e = VEC_NEW(mfa_cache);
    e->key = key;
    aws_credentials_copy(&e->creds, cr);
}

/* ---- AssumeRole ---- */

static void assume_answer(aws_client *c, const aws_response *resp, const aws_error *err, void *ud)
{
    (void)c;
    creds_job *j = ud;
    if (creds_job_done(j))
        return;
    const creds_step *s = &j->plan.steps.items[j->step];
    char msg[600];
    if (err) {
        if (!strcmp(err->code, "Cancelled"))
            return;
        snprintf(msg, sizeof msg, "cannot assume role %.200s for profile \"%.*s\": %.64s: %.200s", s->role_arn,
                 CREDS_NAME_SHOWN, s->profile, err->code, err->message);
        creds_job_fail(j, "%s%s", msg,
                       err->transport ? " (check the network or STS's endpoint: --endpoint-url, AWS_ENDPOINT_URL_STS)"
                                      : " (check the role's trust policy and the source credentials)");
        return;
    }
    aws_credentials cr;
    if (decode_creds("AssumeRole", resp->body, resp->body_len, &cr, msg, sizeof msg) != 0) {
        creds_job_fail(j, "%s", msg);
        return;
    }
    if (s->mfa_serial)
        mfa_store(s, &cr);
    creds_job_step_done(j, &cr, NULL);
    aws_credentials_free(&cr);
}

static void assume_done(aws_client *c, const aws_response *resp, const aws_error *err, void *ud)
{
    assume_answer(c, resp, err, ud);
    if (resp)
        creds_wipe_answer(resp->body, resp->body_len);
}

static void assume_send(creds_job *j, const creds_step *s)
{
    aws_client_config cc = {
        .region = j->plan.region ? j->plan.region : "us-east-1",
        .endpoint_url = j->plan.endpoint_url,
        .profile = j->plan.profile,
        .endpoint_profile = creds_endpoint_profile,
        .credentials = &j->cur,
        .timeout_ms = STS_TIMEOUT_MS,
    };
    aws_error err;
    memset(&err, 0, sizeof err);
    if (j->sts) {
        /* a previous role step's client, maybe inside its own callback: freed later */
        if (j->sts_retired)
            aws_client_free(j->sts_retired);
        j->sts_retired = j->sts;
        j->sts = NULL;
    }
    j->sts = aws_client_new(&cc, &err);
    if (!j->sts) {
        creds_job_fail(j, "cannot call STS for profile \"%.*s\": %s", CREDS_NAME_SHOWN, s->profile,
                       err.message[0] ? err.message : err.code);
        return;
    }
    strbuf body;
    sb_init(&body);
    aws_query_param(&body, "RoleArn", s->role_arn);
    if (s->session_name)
        aws_query_param(&body, "RoleSessionName", s->session_name);
    else {
        char name[64];
        snprintf(name, sizeof name, "tarmac-session-%lld", (long long)(time_now_ms() / 1000));
        aws_query_param(&body, "RoleSessionName", name);
    }
    if (s->external_id)
        aws_query_param(&body, "ExternalId", s->external_id);
    if (s->duration_seconds)
        aws_query_param_int(&body, "DurationSeconds", s->duration_seconds);
    if (s->mfa_serial) {
        aws_query_param(&body, "SerialNumber", s->mfa_serial);
        aws_query_param(&body, "TokenCode", j->mfa_code ? j->mfa_code : "");
    }
    secret_free(j->mfa_code);
    j->mfa_code = NULL;
    aws_request req = {
        .svc = &AWS_SVC_STS, .operation = "AssumeRole", .body = body.buf, .body_len = body.len, .mutating = false
    };
    if (aws_call(j->sts, &req, assume_done, j, &err) != 0)
        creds_job_fail(j, "cannot call STS AssumeRole for profile \"%.*s\": %s", CREDS_NAME_SHOWN, s->profile,
                       err.message[0] ? err.message : err.code);
    sb_wipe_free(&body);
}

/* Headless: ask on the controlling terminal. */
static bool mfa_from_tty(const creds_step *s, char *code, size_t cap)
{
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return false;
    char shown[256]; /* mfa_serial is the config file's text: made inert for the terminal */
    sanitize_str(s->mfa_serial, shown, sizeof shown, 200, false, NULL);
    dprintf(fd, "Enter MFA code for %s: ", shown);
    size_t n = 0;
    char ch;
    while (n + 1 < cap && read(fd, &ch, 1) == 1 && ch != '\n')
        if (ch != '\r')
            code[n++] = ch;
    code[n] = '\0';
    close(fd);
    return n > 0;
}

void creds_job_mfa_code(creds_job *j, const char *code)
{
    if (j->state != CJOB_MFA)
        return;
    j->state = CJOB_RUNNING;
    const creds_step *s = &j->plan.steps.items[j->step];
    if (str_empty(code)) {
        creds_job_fail(j, "MFA code not given for profile \"%.*s\": the role needs one", CREDS_NAME_SHOWN, s->profile);
        return;
    }
    secret_free(j->mfa_code);
    j->mfa_code = xstrdup(code);
    assume_send(j, s);
}

void creds_sts_assume_role_start(creds_job *j, const creds_step *s)
{
    if (!s->mfa_serial) {
        assume_send(j, s);
        return;
    }
    const aws_credentials *hit = mfa_cached(s);
    if (hit) {
        aws_credentials copy;
        aws_credentials_copy(&copy, hit);
        creds_job_step_done(j, &copy, NULL);
        aws_credentials_free(&copy);
        return;
    }
    j->state = CJOB_MFA;
    if (j->hooks.mfa_prompt) {
        j->hooks.mfa_prompt(j, s->mfa_serial, s->profile, j->hooks.ud);
        return;
    }
    char code[64];
    bool ok = mfa_from_tty(s, code, sizeof code);
    creds_job_mfa_code(j, ok ? code : NULL);
    secret_wipe(code, sizeof code);
}

/* ---- AssumeRoleWithWebIdentity ---- */

static void web_answer(http_engine *e, const http_result *res, void *ud)
{
    (void)e;
    creds_job *j = ud;
    j->xfer = NULL;
    const creds_step *s = &j->plan.steps.items[j->step];
    if (res->curl_code != CURLE_OK) {
        creds_job_fail(j,
                       "STS is unreachable for web identity federation (%s): check the network "
                       "or STS's endpoint (--endpoint-url, AWS_ENDPOINT_URL_STS)",
                       res->curl_code == CURLE_OPERATION_TIMEDOUT ? "timed out" : "connection failed");
        return;
    }
    if (res->status != 200) {
        aws_error err;
        memset(&err, 0, sizeof err);
        aws_error_headers h = { res->request_id, res->error_type, res->query_error };
        aws_errors_decode(AWS_PROTO_QUERY, res->status, res->body, res->body_len, &h, &err);
        creds_job_fail(j,
                       "cannot assume role %.200s with a web identity token: %.64s: %.200s "
                       "(check the token file and the role's trust policy)",
                       s->role_arn, err.code, err.message);
        return;
    }
    aws_credentials cr;
    char msg[200];
    if (decode_creds("AssumeRoleWithWebIdentity", res->body, res->body_len, &cr, msg, sizeof msg)) {
        creds_job_fail(j, "%s", msg);
        return;
    }
    creds_job_step_done(j, &cr, NULL);
    aws_credentials_free(&cr);
}

static void web_done(http_engine *e, const http_result *res, void *ud)
{
    web_answer(e, res, ud);
    creds_wipe_answer(res->body, res->body_len);
}

void creds_sts_web_identity_start(creds_job *j, const creds_step *s)
{
    char *tok = creds_read_token_file(j, s->token_file, WEB_TOKEN_MAX, "the web identity token file",
                                      "AWS_WEB_IDENTITY_TOKEN_FILE / web_identity_token_file");
    if (!tok)
        return;
    if (!tok[0]) {
        secret_free(tok);
        creds_job_fail(j, "the web identity token file %.300s is empty", s->token_file);
        return;
    }
    const char *region = j->plan.region ? j->plan.region : "us-east-1";
    char *url = NULL;
    strbuf e;
    sb_init(&e);
    if (endpoint_for(&AWS_SVC_STS, region, j->plan.endpoint_url, j->plan.profile, creds_endpoint_profile, &url, &e) !=
        0) {
        creds_job_fail(j, "%s", e.buf);
        sb_free(&e);
        secret_free(tok);
        return;
    }
    sb_free(&e);
    strbuf body;
    sb_init(&body);
    aws_query_param(&body, "Action", "AssumeRoleWithWebIdentity");
    aws_query_param(&body, "Version", AWS_SVC_STS.api_version);
    aws_query_param(&body, "RoleArn", s->role_arn);
    char name[64];
    snprintf(name, sizeof name, "tarmac-session-%lld", (long long)(time_now_ms() / 1000));
    aws_query_param(&body, "RoleSessionName", s->session_name ? s->session_name : name);
    aws_query_param(&body, "WebIdentityToken", tok);
    secret_free(tok);
    const char *h[] = { "Content-Type: application/x-www-form-urlencoded; charset=utf-8" };
    creds_http_submit(j, "POST", url, h, 1, body.buf, STS_TIMEOUT_MS, false, web_done);
    sb_wipe_free(&body);
    free(url);
}
