/* endpoints.h — where each AWS service is reached: an override (AWS_ENDPOINT_URL_<SVC>,
 * --endpoint-url, AWS_ENDPOINT_URL, the profile's services section or endpoint_url) or
 * the standard host of the region's partition. Every caller — the clients of every
 * service, STS in credential chains, the SSO portal — goes through endpoint_for(), so
 * one rule holds everywhere. Overrides are checked here so that a plain-http or
 * credential-bearing URL never reaches the HTTP layer. */
#ifndef TARMAC_ENDPOINTS_H
#define TARMAC_ENDPOINTS_H

#include <stdbool.h>

#include "aws/aws.h"
#include "util.h"

/* IAM Identity Center's portal (GetRoleCredentials). Only its endpoint fields are
 * used: the call itself is an unsigned rest-json GET made by creds_sso.c. */
extern const aws_service ENDPOINT_SVC_SSO_PORTAL;

/* What a profile of the shared config file says about endpoints (malloc'd strings,
 * NULL when unset). creds_endpoint_profile() reads it. */
typedef struct endpoint_profile {
    char *service_url;      /* [services NAME] "<key> =\n  endpoint_url = URL" for this service */
    char *global_url;       /* the profile's own endpoint_url */
    char *ignore;           /* its ignore_configured_endpoint_urls, as written */
    char *missing_services; /* the services section it names but the file lacks */
} endpoint_profile;

void endpoint_profile_free(endpoint_profile *p);

/* The services section's key for svc: its AWS_ENDPOINT_URL_ suffix in lower case
 * ("auto_scaling", "elastic_load_balancing_v2", "sts", "sso"). */
void endpoint_service_key(const aws_service *svc, char *out, size_t cap);

/* Resolve the base URL ("https://autoscaling.us-east-1.amazonaws.com") for svc in region.
 *
 * The SDKs' order ("Service-specific endpoints",
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html, and
 * botocore's ConfiguredEndpointProvider): AWS_ENDPOINT_URL_<SVC> > AWS_ENDPOINT_URL >
 * the profile's services section > the profile's endpoint_url > the standard host.
 * tarmac's flag (flag, may be NULL) is one URL for every service, so it takes the
 * global place: right above AWS_ENDPOINT_URL, below AWS_ENDPOINT_URL_<SVC>.
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (when set, whatever its value), else the profile's
 * ignore_configured_endpoint_urls, equal to "true" in any case drops everything but the
 * flag, which is given on the command line, as the SDKs keep an endpoint set in code.
 *
 * Overrides must be https://, or http:// to a loopback host; no user info, query or
 * fragment; one trailing '/' is dropped. Region must match [a-z0-9-]{1,32}. Returns 0
 * with *url malloc'd, or -1 with a one-line message in err naming where a bad URL came
 * from (the URL itself is never echoed: it may hold a password). */
int endpoint_resolve(const aws_service *svc, const char *region, const char *flag, const endpoint_profile *profile,
                     char **url, strbuf *err);

/* Reads a profile's endpoint settings for one service key ("auto_scaling", "sts"):
 * the shared config file is creds/'s to read (creds_endpoint_profile), so the client
 * is handed this function rather than calling up into creds/. 0, or -1 with err. */
typedef int (*endpoint_profile_fn)(const char *profile, const char *service_key, endpoint_profile *out, strbuf *err);

/* The one entry point: reads profile's endpoint settings with read_profile (profile
 * NULL: AWS_PROFILE, AWS_DEFAULT_PROFILE, "default"; read_profile NULL: no profile
 * settings), then endpoint_resolve(). flag is --endpoint-url (NULL when not given). */
int endpoint_for(const aws_service *svc, const char *region, const char *flag, const char *profile,
                 endpoint_profile_fn read_profile, char **url, strbuf *err);

/* A region name as endpoint_resolve accepts it: [a-z0-9-]{1,32}. Every value put into
 * a host name (region, sso_region) is checked with it. */
bool endpoint_valid_region(const char *r);

/* True for localhost, 127.0.0.0/8 and ::1 (with or without brackets). */
bool endpoint_host_is_loopback(const char *host);

/* The partition of a region ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", ...) and
 * its DNS suffix ("amazonaws.com", ...); unknown shapes fall back to "aws", as botocore does. */
const char *endpoint_partition(const char *region, const char **dns_suffix);

/* Check one override URL as endpoint_resolve does; source names it in messages
 * ("--endpoint-url", "AWS_ENDPOINT_URL", ...). Returns 0 with *out malloc'd, or -1. */
int endpoint_check_url(const char *url, const char *source, char **out, strbuf *err);

#endif
