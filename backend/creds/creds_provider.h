/* creds_provider.h — resolving credentials without blocking, and keeping them fresh.
 * A creds_job walks the SDKs' chain for one profile: the file-only parts at once,
 * the network (STS, SSO portal, IMDS, container endpoint) and credential_process
 * asynchronously; the owner drives it from its event loop (creds_job_run) or blocks
 * (creds_job_finish). A creds_session owns an aws_client plus what the console header
 * shows (identity source, expiry) and refreshes the client's credentials ahead of
 * expiry or after ExpiredToken, through the client's refresh hook (aws.h). */
#ifndef TARMAC_CREDS_PROVIDER_H
#define TARMAC_CREDS_PROVIDER_H

#include <stdbool.h>

#include "aws/aws.h"
#include "creds/creds.h"

typedef struct creds_job creds_job;

typedef struct creds_hooks {
    /* A role with mfa_serial needs a code. The hook answers at once or later with
     * creds_job_mfa_code() (the console opens a prompt and answers from its key
     * handler). NULL: the code is read from the controlling terminal (/dev/tty);
     * without one the resolution fails with a line saying so. */
    void (*mfa_prompt)(creds_job *j, const char *mfa_serial, const char *profile, void *ud);
    /* (the console must drop j if it frees the job first, e.g. on :profile) */
    void *ud;
    /* credential_process's stderr: false = passed through to our fd 2 (headless);
     * true = captured, its last line (sanitized, bounded) goes into the error. */
    bool capture_stderr;
    int process_timeout_ms;   /* 0: 60000; the child is killed after it */
    const char *endpoint_url; /* --endpoint-url, for STS and the SSO portal as for every
                                    service (endpoint_for ranks it); may be NULL */
} creds_hooks;

/* Starts resolving; never NULL. The job may already be finished (files only). */
creds_job *creds_job_start(const creds_request *req, const creds_hooks *hooks);
/* Non-blocking progress: network, child process, timers. */
void creds_job_run(creds_job *j);
/* Waits at most max_ms for progress on the job's sockets or child. */
void creds_job_wait(creds_job *j, int max_ms);
bool creds_job_done(const creds_job *j);
/* Blocks until done (bounded by the timeouts of each step). */
void creds_job_finish(creds_job *j);
/* After done: 0 with *out filled (caller frees), or -1 with the one-line message. */
int creds_job_result(creds_job *j, aws_credentials *out, strbuf *err);
/* The MFA answer; NULL or "" cancels ("MFA code not given"). */
void creds_job_mfa_code(creds_job *j, const char *code);
void creds_job_free(creds_job *j);

/* Same as creds_resolve() with hooks (NULL: headless defaults). Blocks. */
int creds_resolve_ex(const creds_request *req, const creds_hooks *hooks, aws_credentials *out, strbuf *err);

/* ---- a live identity for the console and headless commands ---- */
typedef struct creds_session {
    char *profile; /* as asked (NULL: AWS_PROFILE / default; see creds_profile_name) */
    char *region;
    char *endpoint_url;    /* --endpoint-url or NULL */
    aws_credentials creds; /* the current ones (source, expiration for the header) */
    aws_client *client;    /* owned; takes new credentials in place */
    creds_hooks hooks;
    creds_job *refresh; /* in flight, or NULL */
    bool async;         /* true: refresh in the background (console) */
    bool refresh_failed;
    char message[320]; /* last refresh error, one line, "" when none */
    int refreshes;     /* how many refreshes succeeded (tests, header) */
} creds_session;

/* Resolves (blocking: at start-up nothing else runs yet) and builds the client.
 * async: later refreshes run in the background and creds_session_tick() must be
 * called from the loop; false: refreshes block inside the client's call path. */
int creds_session_open(creds_session *s, const creds_request *req, const char *endpoint_url, const creds_hooks *hooks,
                       bool async, strbuf *err);
/* The same from credentials a creds_job already resolved for req (the console's
 * :profile / :region and its Apps overview resolve without blocking, then adopt):
 * no network. req->region NULL is resolved from the environment and profile. */
int creds_session_adopt(creds_session *s, const creds_request *req, const aws_credentials *cr, const char *endpoint_url,
                        const creds_hooks *hooks, bool async, strbuf *err);
void creds_session_close(creds_session *s);
/* Drive a background refresh. Returns true while one is in flight (the loop should
 * then wait at most ~50 ms so the job's sockets are served). */
bool creds_session_tick(creds_session *s);
/* :profile / :region — resolve anew and replace the client (its calls in flight end
 * with "Cancelled"; pointers to the old client become invalid). `:profile X` passes
 * (X, NULL) and takes X's own region; `:region R` passes (NULL, R) and keeps the
 * profile. On failure the session is unchanged and err says why. */
int creds_session_switch(creds_session *s, const char *profile, const char *region, strbuf *err);
/* For the header: "ACCOUNT role/ROLE" from an assumed-role ARN
 * (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION), "ACCOUNT user/NAME" from a user
 * ARN, else the ARN cut to fit. Only printable ASCII is kept (the ARN is untrusted). */
void creds_identity_label(const char *arn, char *out, size_t cap);

/* Milliseconds until the credentials expire (INT64_MAX when they do not). */
int64_t creds_session_expires_in(const creds_session *s);

#endif
