/* creds_container.c — the container credentials provider (ECS task roles, EKS Pod
 * Identity): AWS_CONTAINER_CREDENTIALS_RELATIVE_URI against 169.254.170.2, or
 * _FULL_URI to a loopback/allowed host (any host over https), with the
 * Authorization header from AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE]. */
#include "creds/creds_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/endpoints.h"

#define CONTAINER_TIMEOUT_MS 2000
#define CONTAINER_TOKEN_MAX  8192

static void container_done_answer(http_engine *e, const http_result *res, void *ud)
{
    (void)e;
    creds_job *j = ud;
    j->xfer = NULL;
    if (res->curl_code != CURLE_OK) {
        creds_job_fail(j,
                       "the container credentials endpoint is unreachable (%s): check "
                       "AWS_CONTAINER_CREDENTIALS_*_URI",
                       res->curl_code == CURLE_OPERATION_TIMEDOUT ? "timed out" : "connection failed");
        return;
    }
    aws_credentials cr;
    strbuf why;
    sb_init(&why);
    if (res->status != 200 || creds_parse_json_doc(res->body, res->body_len, false, &cr, &why) != 0) {
        creds_job_fail(j,
                       "the container credentials endpoint answered HTTP %ld without credentials%s%s: "
                       "check the task role and AWS_CONTAINER_AUTHORIZATION_TOKEN",
                       res->status, why.len ? ": " : "", why.buf);
        sb_free(&why);
        return;
    }
    sb_free(&why);
    creds_job_step_done(j, &cr, NULL);
    aws_credentials_free(&cr);
}

/* botocore's allow-list for a full URI over plain http. */
static bool full_uri_allowed(const char *url)
{
    if (!strncmp(url, "https://", 8))
        return true;
    CURLU *u = curl_url();
    char *host = NULL, *scheme = NULL;
    bool ok = false;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK && str_eq(scheme, "http") &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
        ok = endpoint_host_is_loopback(host) || str_eq(host, "169.254.170.2") || str_eq(host, "169.254.170.23") ||
            str_eq(host, "[fd00:ec2::23]");
    curl_free(host);
    curl_free(scheme);
    curl_url_cleanup(u);
    return ok;
}

static void container_done(http_engine *e, const http_result *res, void *ud)
{
    container_done_answer(e, res, ud);
    creds_wipe_answer(res->body, res->body_len);
}

void creds_container_start(creds_job *j, const creds_step *s)
{
    (void)s;
    char url[2048];
    const char *rel = creds_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = creds_env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    if (rel) {
        snprintf(url, sizeof url, "http://169.254.170.2%s%s", rel[0] == '/' ? "" : "/", rel);
    } else if (full && full_uri_allowed(full)) {
        str_copy(url, sizeof url, full);
    } else {
        creds_job_fail(j,
                       "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https://, or http:// to a "
                       "loopback host or the ECS/EKS agent address");
        return;
    }
    char *token = NULL;
    const char *tf = creds_env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    if (tf) {
        token = creds_read_token_file(j, tf, CONTAINER_TOKEN_MAX, "the container authorization token file",
                                      "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
        if (!token)
            return;
    } else {
        token = xstrdup(creds_env("AWS_CONTAINER_AUTHORIZATION_TOKEN"));
    }
    if (token && strpbrk(token, "\r\n")) {
        secret_free(token);
        creds_job_fail(j, "the container authorization token holds a line break: fix the token");
        return;
    }
    char hdr[8300];
    const char *h[1];
    size_t n = 0;
    if (!str_empty(token)) {
        snprintf(hdr, sizeof hdr, "Authorization: %s", token);
        h[n++] = hdr;
    }
    secret_free(token);
    creds_http_submit(j, "GET", url, h, n, NULL, CONTAINER_TIMEOUT_MS, true, container_done);
    secret_wipe(hdr, sizeof hdr);
}
