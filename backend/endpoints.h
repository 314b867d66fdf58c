/* endpoints.h — where each AWS service is reached: an override (--endpoint-url,
 * AWS_ENDPOINT_URL_<SVC>, AWS_ENDPOINT_URL, the profile's endpoint_url) or the
 * standard host of the region's partition. Overrides are checked here so that a
 * plain-http or credential-bearing URL never reaches the HTTP layer. */
#ifndef TARMAC_ENDPOINTS_H
#define TARMAC_ENDPOINTS_H

#include <stdbool.h>

#include "aws.h"
#include "util.h"

/* Resolve the base URL ("https://autoscaling.us-east-1.amazonaws.com") for svc in region.
   Precedence as the SDKs: endpoint_url_flag (--endpoint-url) > AWS_ENDPOINT_URL_<svc->env_name> >
   AWS_ENDPOINT_URL > profile_endpoint_url (the profile's endpoint_url, may be NULL) > the standard
   host. AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true skips the environment and the profile (not the
   flag). Overrides must be https://, or http:// to a loopback host; no user info, query or
   fragment; one trailing '/' is dropped. Region must match [a-z0-9-]{1,32}. Returns 0 with *url
   malloc'd, or -1 with a one-line message in err naming where a bad URL came from (the URL itself
   is never echoed: it may hold a password). */
int endpoint_resolve(const aws_service *svc, const char *region, const char *endpoint_url_flag,
                     const char *profile_endpoint_url, char **url, strbuf *err);

/* True for localhost, 127.0.0.0/8 and ::1 (with or without brackets). */
bool endpoint_host_is_loopback(const char *host);

/* The partition of a region ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", ...) and
 * its DNS suffix ("amazonaws.com", ...); unknown shapes fall back to "aws", as botocore does. */
const char *endpoint_partition(const char *region, const char **dns_suffix);

/* Check one override URL as endpoint_resolve does; source names it in messages
 * ("--endpoint-url", "AWS_ENDPOINT_URL", ...). Returns 0 with *out malloc'd, or -1. */
int endpoint_check_url(const char *url, const char *source, char **out, strbuf *err);

#endif
