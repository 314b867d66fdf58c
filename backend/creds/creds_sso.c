/* creds_sso.c — the IAM Identity Center (SSO) provider: the access token that
 * `aws sso login` cached under ~/.aws/sso/cache/<sha1 of the sso-session name or
 * start URL>.json (botocore's SSOTokenLoader naming), then the portal's
 * GetRoleCredentials (rest-json GET /federation/credentials). The portal is
 * portal.sso.<sso_region>.<partition suffix>, or an override (endpoint_for: --endpoint-url,
 * AWS_ENDPOINT_URL_SSO, ...) as in the SDKs. */
#include "creds/creds_int.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/endpoints.h"
#include "aws/json_util.h"

#define SSO_TIMEOUT_MS 10000

static void sso_login_hint(creds_job *j, const creds_step *s, const char *what)
{
    creds_job_fail(j, "the SSO session for profile \"%.*s\" %s: run `aws sso login --profile %.*s`", CREDS_NAME_SHOWN,
                   s->profile, what, CREDS_NAME_SHOWN, s->profile);
}

/* Reads the cached token; NULL with a failure reported. */
static char *sso_token(creds_job *j, const creds_step *s)
{
    char key[41], path[1200];
    creds_sha1_hex(s->sso_session ? s->sso_session : s->sso_start_url, key);
    const char *home = getenv("HOME");
    snprintf(path, sizeof path, "%s/.aws/sso/cache/%s.json", home ? home : "", key);
    strbuf text, why;
    sb_init(&text);
    sb_init(&why);
    file_read_rc rc = file_read_bounded(path, CREDS_DOC_MAX, &text, &why);
    sb_free(&why);
    if (rc != FILE_READ_OK) {
        sb_wipe_free(&text);
        sso_login_hint(j, s, rc == FILE_READ_MISSING ? "has no cached token" : "has no readable cached token");
        return NULL;
    }
    aws_error perr;
    json_object *o = ju_parse_object(text.buf, text.len, "sso", "token cache", &perr);
    sb_wipe_free(&text);
    char *token = NULL;
    aws_time exp = 0;
    const char *exps = o ? ju_get_string(o, "expiresAt", NULL) : NULL;
    if (!o || !ju_get_string(o, "accessToken", NULL) || !exps || !time_parse_iso8601(exps, &exp))
        sso_login_hint(j, s, "has an unreadable cached token");
    else if (exp <= time_now_ms())
        sso_login_hint(j, s, "has expired");
    else
        token = ju_dup_string(o, "accessToken");
    if (o) {
        size_t tl = 0;
        const char *t = ju_get_string(o, "accessToken", &tl);
        if (t)
            secret_wipe((void *)t, tl);
        json_object_put(o);
    }
    return token;
}

static void sso_done_answer(http_engine *e, const http_result *res, void *ud)
{
    (void)e;
    creds_job *j = ud;
    j->xfer = NULL;
    const creds_step *s = &j->plan.steps.items[j->step];
    if (res->curl_code != CURLE_OK) {
        creds_job_fail(j,
                       "the SSO portal is unreachable (%s): check the network or its endpoint "
                       "(--endpoint-url, AWS_ENDPOINT_URL_SSO)",
                       res->curl_code == CURLE_OPERATION_TIMEDOUT ? "timed out" : "connection failed");
        return;
    }
    if (res->status == 401 || res->status == 403) {
        sso_login_hint(j, s, "was refused by the portal (expired or revoked)");
        return;
    }
    aws_error perr;
    json_object *o =
        res->status == 200 ? ju_parse_object(res->body, res->body_len, "sso", "GetRoleCredentials", &perr) : NULL;
    json_object *rc = o ? ju_get_object(o, "roleCredentials") : NULL;
    aws_credentials cr = { 0 };
    int64_t exp_ms = 0;
    if (rc) {
        cr.access_key_id = ju_dup_string(rc, "accessKeyId");
        cr.secret_access_key = ju_dup_string(rc, "secretAccessKey");
        cr.session_token = ju_dup_string(rc, "sessionToken");
        if (ju_get_int64(rc, "expiration", &exp_ms))
            cr.expiration = exp_ms;
        json_object_object_foreach(rc, k, v) {
            (void)k;
            if (json_object_is_type(v, json_type_string))
                secret_wipe((void *)json_object_get_string(v), (size_t)json_object_get_string_len(v));
        }
    }
    json_object_put(o);
    if (str_empty(cr.access_key_id) || str_empty(cr.secret_access_key)) {
        aws_credentials_free(&cr);
        creds_job_fail(j,
                       "the SSO portal answered HTTP %ld without role credentials: check "
                       "sso_account_id and sso_role_name of profile \"%.*s\"",
                       res->status, CREDS_NAME_SHOWN, s->profile);
        return;
    }
    creds_job_step_done(j, &cr, NULL);
    aws_credentials_free(&cr);
}

static void sso_done(http_engine *e, const http_result *res, void *ud)
{
    sso_done_answer(e, res, ud);
    creds_wipe_answer(res->body, res->body_len);
}

void creds_sso_start(creds_job *j, const creds_step *s)
{
    char *token = sso_token(j, s);
    if (!token)
        return;
    /* The portal is in sso_region; its endpoint follows the one rule (endpoints.h). */
    char *base = NULL;
    strbuf e;
    sb_init(&e);
    if (endpoint_for(&ENDPOINT_SVC_SSO_PORTAL, s->sso_region, j->plan.endpoint_url, j->plan.profile,
                     creds_endpoint_profile, &base, &e) != 0) {
        creds_job_fail(j, "%s", e.buf);
        sb_free(&e);
        secret_free(token);
        return;
    }
    sb_free(&e);
    strbuf url;
    sb_init(&url);
    sb_printf(&url, "%s/federation/credentials?account_id=", base);
    sb_append_urlencoded(&url, s->sso_account_id, strlen(s->sso_account_id));
    sb_append(&url, "&role_name=");
    sb_append_urlencoded(&url, s->sso_role_name, strlen(s->sso_role_name));
    char *hdr = xasprintf("x-amz-sso_bearer_token: %s", token);
    const char *h[] = { hdr };
    secret_free(token);
    creds_http_submit(j, "GET", url.buf, h, 1, NULL, SSO_TIMEOUT_MS, false, sso_done);
    secret_free(hdr);
    sb_free(&url);
    free(base);
}
