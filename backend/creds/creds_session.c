/* creds_session.c — one live identity: the resolved credentials, the aws_client
 * that uses them, and their refresh through the client's hook (aws.h). Headless
 * sessions refresh inline (the call path blocks for it, nothing else runs); the
 * console's run a creds_job in the background, driven by creds_session_tick(). */
#include "creds/creds_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static creds_request session_req(const creds_session *s)
{
    creds_request r = { .profile = s->profile, .region = s->region };
    return r;
}

static void refresh_apply(creds_session *s, creds_job *j)
{
    aws_credentials cr;
    strbuf err;
    sb_init(&err);
    if (creds_job_result(j, &cr, &err) == 0) {
        aws_credentials_free(&s->creds);
        s->creds = cr;
        s->refresh_failed = false;
        s->message[0] = '\0';
        s->refreshes++;
        aws_client_set_credentials(s->client, &s->creds);
    } else {
        s->refresh_failed = true;
        snprintf(s->message, sizeof s->message, "credentials refresh failed: %s", err.buf);
        aws_client_refresh_failed(s->client, s->message);
    }
    sb_free(&err);
}

static void on_refresh(aws_client *c, void *ud)
{
    (void)c;
    creds_session *s = ud;
    if (s->refresh)
        return;
    creds_request r = session_req(s);
    creds_job *j = creds_job_start(&r, &s->hooks);
    if (!s->async) {
        creds_job_finish(j);
        refresh_apply(s, j);
        creds_job_free(j);
        return;
    }
    s->refresh = j;
    creds_job_run(j);
    if (creds_job_done(j)) /* answered from files alone (static keys, env): apply now */
        creds_session_tick(s);
}

bool creds_session_tick(creds_session *s)
{
    if (!s->refresh)
        return false;
    creds_job_run(s->refresh);
    if (!creds_job_done(s->refresh))
        return true;
    creds_job *j = s->refresh;
    s->refresh = NULL;
    refresh_apply(s, j);
    creds_job_free(j);
    return false;
}

/* Makes cr (taken over) the session's, with a new client for region (taken over). */
static int session_install(creds_session *s, const creds_request *req, char *region, aws_credentials cr, strbuf *err)
{
    creds_request r = *req;
    r.region = region;
    aws_client_config cc = {
        .region = region,
        .endpoint_url = s->endpoint_url,
        .profile = creds_profile_name(&r),
        .endpoint_profile = creds_endpoint_profile,
        .credentials = &cr,
    };
    aws_error aerr;
    memset(&aerr, 0, sizeof aerr);
    aws_client *c = aws_client_new(&cc, &aerr);
    if (!c) {
        sb_append(err, aerr.message[0] ? aerr.message : aerr.code);
        aws_credentials_free(&cr);
        free(region);
        return -1;
    }
    if (s->refresh) {
        creds_job_free(s->refresh);
        s->refresh = NULL;
    }
    if (s->client)
        aws_client_free(s->client);
    aws_credentials_free(&s->creds);
    s->creds = cr;
    s->client = c;
    char *profile = xstrdup(req->profile); /* NULL stays NULL: AWS_PROFILE and env keys apply */
    free(s->profile);
    s->profile = profile;
    free(s->region);
    s->region = region;
    s->refresh_failed = false;
    s->message[0] = '\0';
    aws_client_set_refresh(c, on_refresh, s);
    return 0;
}

static int session_build(creds_session *s, const creds_request *req, strbuf *err)
{
    char *region = NULL;
    if (region_resolve(req, &region, err) != 0)
        return -1;
    creds_request r = *req;
    r.region = region;
    aws_credentials cr;
    if (creds_resolve_ex(&r, &s->hooks, &cr, err) != 0) {
        free(region);
        return -1;
    }
    return session_install(s, req, region, cr, err);
}

int creds_session_open(creds_session *s, const creds_request *req, const char *endpoint_url, const creds_hooks *hooks,
                       bool async, strbuf *err)
{
    memset(s, 0, sizeof *s);
    if (hooks)
        s->hooks = *hooks;
    s->endpoint_url = xstrdup(endpoint_url);
    s->hooks.endpoint_url = s->endpoint_url;
    s->async = async;
    creds_request r = { 0 };
    if (req)
        r = *req;
    if (session_build(s, &r, err) != 0) {
        creds_session_close(s);
        return -1;
    }
    return 0;
}

int creds_session_adopt(creds_session *s, const creds_request *req, const aws_credentials *cr, const char *endpoint_url,
                        const creds_hooks *hooks, bool async, strbuf *err)
{
    memset(s, 0, sizeof *s);
    if (hooks)
        s->hooks = *hooks;
    s->endpoint_url = xstrdup(endpoint_url);
    s->hooks.endpoint_url = s->endpoint_url;
    s->async = async;
    creds_request r = { 0 };
    if (req)
        r = *req;
    char *region = NULL;
    if (region_resolve(&r, &region, err) != 0) {
        creds_session_close(s);
        return -1;
    }
    aws_credentials copy;
    aws_credentials_copy(&copy, cr);
    if (session_install(s, &r, region, copy, err) != 0) {
        creds_session_close(s);
        return -1;
    }
    return 0;
}

int creds_session_switch(creds_session *s, const char *profile, const char *region, strbuf *err)
{
    creds_request r = { .profile = profile ? profile : s->profile,
                        .region = region ? region : (profile ? NULL : s->region) };
    return session_build(s, &r, err);
}

void creds_session_close(creds_session *s)
{
    if (s->refresh)
        creds_job_free(s->refresh);
    if (s->client)
        aws_client_free(s->client);
    aws_credentials_free(&s->creds);
    free(s->profile);
    free(s->region);
    free(s->endpoint_url);
    memset(s, 0, sizeof *s);
}

int64_t creds_session_expires_in(const creds_session *s)
{
    if (!s->creds.expiration)
        return INT64_MAX;
    return s->creds.expiration - time_now_ms();
}

void creds_identity_label(const char *arn, char *out, size_t cap)
{
    if (!out || cap == 0)
        return;
    out[0] = '\0';
    if (!arn)
        return;
    char clean[512];
    size_t n = 0;
    for (const char *p = arn; *p && n + 1 < sizeof clean; p++)
        clean[n++] = (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f ? *p : '?';
    clean[n] = '\0';
    /* arn:PARTITION:SERVICE::ACCOUNT:RESOURCE */
    char *f[6] = { 0 };
    char *p = clean;
    for (int i = 0; i < 5 && p; i++) {
        f[i] = p;
        p = strchr(p, ':');
        if (p)
            *p++ = '\0';
    }
    f[5] = p;
    if (!f[5] || strcmp(f[0], "arn") || !f[4][0]) {
        snprintf(out, cap, "%s", clean);
        return;
    }
    if (!strncmp(f[5], "assumed-role/", 13)) {
        char *role = f[5] + 13, *slash = strchr(role, '/');
        if (slash)
            *slash = '\0';
        snprintf(out, cap, "%s role/%s", f[4], role);
    } else {
        snprintf(out, cap, "%s %s", f[4], f[5]);
    }
}
