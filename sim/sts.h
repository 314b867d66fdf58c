/* sts.h — the simulator's STS: AssumeRole (signed by any known key) and
 * AssumeRoleWithWebIdentity (unsigned) hand out temporary credentials the world
 * then accepts until they expire (scenario session_duration, else DurationSeconds,
 * else 3600 s). GetCallerIdentity for them answers the assumed-role ARN. */
#ifndef TARMAC_SIM_STS_H
#define TARMAC_SIM_STS_H

#include "encode.h"
#include "world.h"

typedef struct sts_assume_input {
    const char *caller;                     /* the signing access key id; NULL when unsigned */
    const char *role_arn;                   /* arn:aws:iam::ACCOUNT:role/NAME */
    const char *session_name;               /* 2..64 of [\w+=,.@-] */
    const char *duration;                   /* DurationSeconds as sent, or NULL */
    const char *external_id;                /* checked only for shape */
    const char *serial_number, *token_code; /* MFA: a 6-digit code is accepted */
    const char *web_identity_token;         /* AssumeRoleWithWebIdentity: non-empty */
} sts_assume_input;

/* Issues a session; out_akid gets the new key id (points into the world). */
sim_error sts_assume(sim_world *w, const sts_assume_input *in, const char **out_akid);

/* <OpResponse><OpResult><Credentials>...<AssumedRoleUser>... for the key's session. */
void sts_encode(const sim_world *w, strbuf *sb, const char *op, const char *akid, const char *rid);

/* The SSO portal's GetRoleCredentials (rest-json GET /federation/credentials):
 * bearer is the x-amz-sso_bearer_token header. A token starting with "expired"
 * (or none) answers 401 UnauthorizedException, as the portal does for a stale
 * `aws sso login`; otherwise a session for arn:aws:iam::ACCOUNT:role/ROLE_NAME. */
sim_error sts_sso_role_credentials(sim_world *w, const char *bearer, const char *account_id, const char *role_name,
                                   strbuf *body);

/* True for operations the SDKs send unsigned (the front skips SigV4 for them):
 * AssumeRoleWithWebIdentity and the SSO portal's GetRoleCredentials. */
bool sts_unsigned_operation(const char *service, const char *op);

#endif
