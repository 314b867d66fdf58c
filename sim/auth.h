/* auth.h — SigV4 verification for the simulator: parse the Authorization header,
 * look up the key, recompute the signature over the headers the client signed
 * (backend/sigv4.h) and answer as AWS does when anything is off. */
#ifndef TARMAC_SIM_AUTH_H
#define TARMAC_SIM_AUTH_H

#include <time.h>

#include "encode.h"
#include "server.h"
#include "aws/sigv4.h"
#include "world.h"

/* Secret for an access key (NULL = unknown) and the session token that must come
 * with it (*token NULL = none required); sent_token (may be NULL) is the one the
 * request carries, which picks among several live sessions of one key. Pointers
 * stay owned by the callee. */
typedef const char *(*auth_secret_fn)(void *ud, const char *access_key_id, const char *sent_token, const char **token);

typedef struct auth_params {
    sim_proto proto;     /* decides the error codes (JSON names differ) */
    const char *service; /* expected signing name; NULL = take the scope's */
    const char *region;  /* expected region; NULL = any */
    time_t now;          /* wall clock the request date is compared with */
    auth_secret_fn secret;
    void *ud;
    sigv4_signer *signer; /* may be NULL */
} auth_params;

/* Checks req. Returns a sim_error (code "" = authentic); *auth gets the parsed
 * header when it parsed (even if the check then failed). */
sim_error auth_check(const sim_request *req, const auth_params *p, sigv4_auth *auth);

/* "Authorization" → the scope's service, without checking anything (routing needs
 * it before the check). false when absent or malformed. */
bool auth_scope_service(const sim_request *req, char *service, size_t len);

#endif
