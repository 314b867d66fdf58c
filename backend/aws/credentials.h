/* credentials.h — the credentials the client signs with: a value type, its copy,
 * its wiping free, and the one check every set passes before use. Where they come
 * from (files, STS, SSO, processes, metadata) is creds/'s business; the client knows
 * them only as this value and through aws_client_set_refresh (aws.h). */
#ifndef TARMAC_AWS_CREDENTIALS_H
#define TARMAC_AWS_CREDENTIALS_H

#include "util.h"

typedef struct aws_credentials {
    char *access_key_id;
    char *secret_access_key; /* secret */
    char *session_token;     /* secret; NULL when none */
    aws_time expiration;     /* 0 = does not expire */
    char *source;            /* "environment", then botocore's method names: "assume-role",
                                    "assume-role-with-web-identity", "sso",
                                    "shared-credentials-file", "custom-process", "config-file",
                                    "container-role", "iam-role" */
} aws_credentials;

void aws_credentials_copy(aws_credentials *dst, const aws_credentials *src);
void aws_credentials_free(aws_credentials *c); /* wipes the secrets */

/* The one check every credential set passes before it is used, whatever its source
 * (the chain runs it on each step's answer, aws_client_new on what it is given): an
 * access key id and a secret are present, and none of the three values holds a
 * control character (a byte below 0x20, or DEL) — a CR/LF in a session token would
 * add headers to every signed request. AWS's own values are base64-like ASCII, so
 * nothing real is refused. `from` names the source in the message ("STS AssumeRole
 * for profile \"ops\""); a value is never quoted. 0, or -1 with one line in err. */
int aws_credentials_check(const aws_credentials *c, const char *from, strbuf *err);

#endif
