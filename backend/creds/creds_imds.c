/* creds_imds.c — the EC2 instance metadata provider, IMDSv2: PUT a session token,
 * GET the role name, GET its credentials. One-second timeouts (as botocore) so that
 * off EC2 it costs at most a second; AWS_EC2_METADATA_SERVICE_ENDPOINT moves it
 * (tests point it at a loopback server). */
#include "creds/creds_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMDS_PATH "/latest/meta-data/iam/security-credentials/"

static long imds_timeout_ms(void)
{
    const char *v = creds_env("AWS_METADATA_SERVICE_TIMEOUT");
    long t = v ? strtol(v, NULL, 10) : 1;
    return (t < 1 || t > 60 ? 1 : t) * 1000;
}

static void imds_base(char *out, size_t cap)
{
    const char *e = creds_env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    snprintf(out, cap, "%s", e ? e : "http://169.254.169.254");
    size_t n = strlen(out);
    while (n && out[n - 1] == '/')
        out[--n] = '\0';
}

/* The role name goes into the next URL's path: only what IAM allows in a role name
 * ([A-Za-z0-9_+=,.@-]{1,64}), and not "." or "..". */
static bool role_name_ok(const char *s, size_t n)
{
    if (n == 0 || n > 64 || (n <= 2 && strspn(s, ".") == n))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && (!s[i] || !strchr("_+=,.@-", s[i])))
            return false;
    return true;
}

static void imds_unreachable(creds_job *j, const char *what)
{
    if (j->plan.nothing_found)
        creds_job_fail(j, "%s (the EC2 instance metadata service was tried too: %s)", j->plan.nothing_found, what);
    else
        creds_job_fail(j,
                       "no credentials from the EC2 instance metadata service (%s): off EC2, set "
                       "AWS_PROFILE or AWS_ACCESS_KEY_ID; on EC2, attach an instance role",
                       what);
}

static void imds_get(creds_job *j);
static void imds_done(http_engine *e, const http_result *res, void *ud);

static void imds_answer(http_engine *e, const http_result *res, void *ud)
{
    (void)e;
    creds_job *j = ud;
    j->xfer = NULL;
    if (res->curl_code != CURLE_OK) {
        imds_unreachable(j, res->curl_code == CURLE_OPERATION_TIMEDOUT ? "timed out" : "unreachable");
        return;
    }
    switch (j->phase) {
    case 0: /* token */
        if (res->status == 200 && res->body_len > 0 && res->body_len < 1024) {
            j->imds_token = xstrndup(res->body, res->body_len);
        } else if (res->status != 403 && res->status != 404 && res->status != 405) {
            imds_unreachable(j, "the token request was refused");
            return;
        } /* 403/404/405: IMDSv1 only, go on without a token as botocore does */
        j->phase = 1;
        imds_get(j);
        return;
    case 1: { /* role name: the first line */
        size_t n = 0;
        while (n < res->body_len && res->body[n] != '\n' && res->body[n] != '\r')
            n++;
        if (res->status != 200 || !role_name_ok(res->body, n)) {
            imds_unreachable(j, res->status == 404 ? "no instance role attached" : "no role name");
            return;
        }
        j->imds_role = xstrndup(res->body, n);
        j->phase = 2;
        imds_get(j);
        return;
    }
    default: {
        aws_credentials cr;
        strbuf why;
        sb_init(&why);
        if (res->status != 200 || creds_parse_json_doc(res->body, res->body_len, false, &cr, &why) != 0) {
            sb_free(&why);
            imds_unreachable(j, "the credentials document could not be read");
            return;
        }
        sb_free(&why);
        creds_job_step_done(j, &cr, NULL);
        aws_credentials_free(&cr);
    }
    }
}

static void imds_done(http_engine *e, const http_result *res, void *ud)
{
    imds_answer(e, res, ud);
    creds_wipe_answer(res->body, res->body_len);
}

static void imds_get(creds_job *j)
{
    char base[512], url[768], hdr[1200];
    imds_base(base, sizeof base);
    if (j->phase == 1)
        snprintf(url, sizeof url, "%s" IMDS_PATH, base);
    else
        snprintf(url, sizeof url, "%s" IMDS_PATH "%s", base, j->imds_role);
    const char *h[1];
    size_t n = 0;
    if (j->imds_token) {
        snprintf(hdr, sizeof hdr, "X-aws-ec2-metadata-token: %s", j->imds_token);
        h[n++] = hdr;
    }
    creds_http_submit(j, "GET", url, h, n, NULL, imds_timeout_ms(), true, imds_done);
    secret_wipe(hdr, sizeof hdr);
}

void creds_imds_start(creds_job *j, const creds_step *s)
{
    (void)s;
    char base[512], url[700];
    imds_base(base, sizeof base);
    if (strncmp(base, "http://", 7) && strncmp(base, "https://", 8)) {
        creds_job_fail(j, "AWS_EC2_METADATA_SERVICE_ENDPOINT must be an http:// URL");
        return;
    }
    snprintf(url, sizeof url, "%s/latest/api/token", base);
    const char *h[] = { "X-aws-ec2-metadata-token-ttl-seconds: 21600" };
    j->phase = 0;
    secret_free(j->imds_token);
    j->imds_token = NULL;
    free(j->imds_role);
    j->imds_role = NULL;
    creds_http_submit(j, "PUT", url, h, 1, "", imds_timeout_ms(), true, imds_done);
}
