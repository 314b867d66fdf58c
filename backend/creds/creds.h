/* creds.h — AWS credentials and region, resolved as the SDKs do.
 * This part covers: --profile / AWS_PROFILE; the environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN); static keys in the shared files
 * (~/.aws/credentials, ~/.aws/config, AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE,
 * "[profile x]" sections in config), and the rest of the SDKs' chain: assume-role
 * (source_profile chains, credential_source, MFA), web identity, SSO, credential_process,
 * container and instance metadata (see creds_provider.h for the asynchronous form and
 * refresh). Secrets are wiped when freed and never formatted into messages. */
#ifndef TARMAC_CREDS_H
#define TARMAC_CREDS_H

#include <stdbool.h>

#include "aws/credentials.h"
#include "util.h"

/* What the user asked for; NULL fields fall back to the environment. */
typedef struct creds_request {
    const char *profile; /* --profile, else AWS_PROFILE, else "default" */
    const char *region;  /* --region (or the app's region from tarmac's config) */
} creds_request;

/* The profile name that applies: req->profile, AWS_PROFILE, AWS_DEFAULT_PROFILE or "default". */
const char *creds_profile_name(const creds_request *req);

/* Resolve credentials. Returns 0, or -1 with a one-line message in err that names
 * what to set (never a secret), e.g. "no AWS credentials: set AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY, or run with --profile NAME (profiles are read from ...)". A
 * profile named explicitly that exists in neither file is an error of its own. */
int creds_resolve(const creds_request *req, aws_credentials *out, strbuf *err);

/* Resolve the region: req->region, AWS_REGION, AWS_DEFAULT_REGION, the profile's
 * "region". Returns 0 with *out malloc'd, or -1 with a message naming what to set. */
int region_resolve(const creds_request *req, char **out, strbuf *err);

/* A value from the profile's section of the config file (e.g. "region"), malloc'd, or NULL. */
char *creds_profile_value(const creds_request *req, const char *key);

/* The endpoint settings of a profile (NULL: creds_profile_name's rules) for one service
 * key of its services section ("auto_scaling", "sts"): filled in *out (see endpoints.h;
 * endpoint_profile_free frees it). A profile in neither file has none. 0, or -1 with
 * err when a shared file is malformed. */
struct endpoint_profile;
int creds_endpoint_profile(const char *profile, const char *service_key, struct endpoint_profile *out, strbuf *err);

/* Profile names found in both shared files, sorted, appended to out (for the
 * console's :profile completion). 0, or -1 with err when a file is malformed. */
int creds_list_profiles(strvec *out, strbuf *err);

#endif
