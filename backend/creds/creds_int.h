/* creds_int.h — what the credential provider files share (not for outside use):
 * the resolution plan creds.c builds from the shared files and environment, the
 * job that runs it step by step (creds_job.c), and each network/process step's
 * start function (creds_process.c, creds_imds.c, creds_container.c, creds_sso.c,
 * creds_sts.c). A step ends by calling creds_job_step_done() exactly once. */
#ifndef TARMAC_CREDS_INT_H
#define TARMAC_CREDS_INT_H

#include <sys/types.h>

#include "aws/aws.h"
#include "creds/creds_provider.h"
#include "aws/http.h"

#define CREDS_NAME_SHOWN       64            /* longest profile name quoted back in a message */
#define CREDS_DOC_MAX          (64u * 1024u) /* largest credential document (JSON, XML) read */
#define CREDS_EXPIRY_MARGIN_MS (5 * 60 * 1000)

typedef enum creds_step_kind {
    CSTEP_STATIC,       /* creds already known (env, files, credential_source=Environment) */
    CSTEP_PROCESS,      /* credential_process */
    CSTEP_SSO,          /* IAM Identity Center portal GetRoleCredentials */
    CSTEP_CONTAINER,    /* ECS/EKS container endpoint */
    CSTEP_IMDS,         /* EC2 instance metadata, IMDSv2 */
    CSTEP_WEB_IDENTITY, /* STS AssumeRoleWithWebIdentity (unsigned) */
    CSTEP_ASSUME_ROLE,  /* STS AssumeRole signed with the previous step's creds */
} creds_step_kind;

typedef struct creds_step {
    creds_step_kind kind;
    char *profile;         /* whose settings these are, for messages */
    aws_credentials creds; /* CSTEP_STATIC */
    char *origin;          /* CSTEP_STATIC: where the keys were read, for messages */
    char *command;         /* CSTEP_PROCESS */
    /* CSTEP_SSO */
    char *sso_start_url, *sso_session, *sso_region, *sso_account_id, *sso_role_name;
    /* CSTEP_ASSUME_ROLE / CSTEP_WEB_IDENTITY */
    char *role_arn, *session_name, *external_id, *mfa_serial, *token_file;
    int duration_seconds; /* 0: STS's default */
} creds_step;

typedef struct creds_plan {
    VEC(creds_step) steps; /* steps[0] yields base creds; later ones assume roles */
    char *source;          /* botocore's method name of the provider that answered */
    char *profile;         /* the profile that applies */
    char *region;          /* for STS calls: resolved region or NULL */
    char *endpoint_url;    /* --endpoint-url (STS, the SSO portal: endpoint_for); may be NULL */
    char *nothing_found;   /* IMDS as the last resort: the message if it fails too */
} creds_plan;

void creds_plan_free(creds_plan *p);

/* Builds the plan (reads files only, never the network). 0, or -1 with err. */
int creds_plan_build(const creds_request *req, creds_plan *plan, strbuf *err);

typedef enum creds_job_state { CJOB_RUNNING, CJOB_MFA, CJOB_DONE, CJOB_FAILED } creds_job_state;

struct creds_job {
    creds_plan plan;
    creds_hooks hooks;
    creds_job_state state;
    size_t step;         /* index of the running step */
    aws_credentials cur; /* the last step's result */
    strbuf err;          /* one line, set on failure */
    http_engine *http;   /* IMDS, container, SSO, web identity */
    http_transfer *xfer;
    aws_client *sts;         /* AssumeRole, signed with cur */
    aws_client *sts_retired; /* replaced inside its own callback: freed by creds_job_run */
    int phase;               /* within a step (IMDS: token, role, creds) */
    char *imds_token;        /* secret-ish: wiped */
    char *imds_role;
    char *mfa_code;
    /* credential_process */
    pid_t pid;
    int out_fd, err_fd;
    strbuf out, errtext;
    int64_t deadline_mono;
};

/* A step finished: cr (copied) on success, else msg (one line, no secret). */
void creds_job_step_done(creds_job *j, const aws_credentials *cr, const char *msg);
void creds_job_fail(creds_job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Step starters: each returns after submitting work (or finishing at once). */
void creds_process_start(creds_job *j, const creds_step *s);
void creds_process_poll(creds_job *j); /* drive the child: read, reap, time out */
void creds_process_cancel(creds_job *j);
void creds_imds_start(creds_job *j, const creds_step *s);
void creds_container_start(creds_job *j, const creds_step *s);
void creds_sso_start(creds_job *j, const creds_step *s);
void creds_sts_assume_role_start(creds_job *j, const creds_step *s);
void creds_sts_web_identity_start(creds_job *j, const creds_step *s);

/* Parses the JSON credential document the container endpoint, IMDS and
 * credential_process return (AccessKeyId, SecretAccessKey, Token|SessionToken,
 * Expiration). Returns 0, or -1 with a reason (never a value) in err. */
int creds_parse_json_doc(const char *body, size_t len, bool process, aws_credentials *out, strbuf *err);

/* Splits a command line as botocore does (shlex.split, POSIX rules). -1 on an
 * unbalanced quote. */
int creds_shlex_split(const char *line, strvec *out);

/* sha1 hex of s (SSO token cache file name). */
void creds_sha1_hex(const char *s, char out[41]);

/* Submit a plain HTTP request on the job's engine; headers are "Name: value".
 * direct: never through a proxy (the container endpoint and IMDS, which hand out
 * credentials to whoever asks from this host; the SSO portal and STS are AWS
 * endpoints and follow the proxy variables as in the SDKs). */
int creds_http_submit(creds_job *j, const char *method, const char *url, const char *const *headers, size_t n_headers,
                      const char *body, long timeout_ms, bool direct, http_done_fn done);

const char *creds_env(const char *name); /* getenv, NULL when empty */

/* A token file (web identity, container authorization) read by file_read_bounded,
 * trailing whitespace dropped: malloc'd (a secret: secret_free), or NULL after the
 * job failed with one line naming `what` ("the web identity token file"), the path
 * and `check` (the settings to look at). */
char *creds_read_token_file(creds_job *j, const char *path, size_t max, const char *what, const char *check);

/* Overwrites an answer that held credentials before the engine frees it (the HTTP
 * engine does not wipe bodies; these are the ones that carry secrets). */
void creds_wipe_answer(const char *body, size_t len);

#endif
