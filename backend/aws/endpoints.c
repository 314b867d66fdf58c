/* endpoints.c — endpoint resolution: the override precedence of the AWS SDKs with
 * --endpoint-url in the global place, override URLs checked with libcurl's URL parser,
 * and the standard hosts of the partitions in botocore's partitions.json. */
#include "aws/endpoints.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#define ENDPOINT_URL_MAX 2048
#define REGION_MAX       32

/* Region prefixes of each partition (botocore's regionRegex values), "aws" last. */
static const struct partition {
    const char *prefix;
    const char *id;
    const char *dns_suffix;
} partitions[] = {
    { "cn-", "aws-cn", "amazonaws.com.cn" },       { "us-gov-", "aws-us-gov", "amazonaws.com" },
    { "us-iso-", "aws-iso", "c2s.ic.gov" },        { "us-isob-", "aws-iso-b", "sc2s.sgov.gov" },
    { "eu-isoe-", "aws-iso-e", "cloud.adc-e.uk" }, { "us-isof-", "aws-iso-f", "csp.hci.ic.gov" },
    { "eusc-", "aws-eusc", "amazonaws.eu" },       { "", "aws", "amazonaws.com" },
};

const char *endpoint_partition(const char *region, const char **dns_suffix)
{
    const struct partition *p = &partitions[ARRAY_LEN(partitions) - 1];
    for (size_t i = 0; region && i < ARRAY_LEN(partitions) - 1; i++)
        if (!strncmp(region, partitions[i].prefix, strlen(partitions[i].prefix))) {
            p = &partitions[i];
            break;
        }
    if (dns_suffix)
        *dns_suffix = p->dns_suffix;
    return p->id;
}

bool endpoint_host_is_loopback(const char *host)
{
    if (str_empty(host))
        return false;
    if (!strcasecmp(host, "localhost") || !strcasecmp(host, "localhost."))
        return true;
    struct in_addr v4;
    if (inet_pton(AF_INET, host, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    char buf[64];
    size_t n = strlen(host);
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
        if (n - 2 >= sizeof buf)
            return false;
        memcpy(buf, host + 1, n - 2);
        buf[n - 2] = '\0';
        host = buf;
    }
    struct in6_addr v6;
    if (inet_pton(AF_INET6, host, &v6) != 1)
        return false;
    if (IN6_IS_ADDR_LOOPBACK(&v6))
        return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

int endpoint_check_url(const char *url, const char *source, char **out, strbuf *err)
{
    *out = NULL;
    size_t len = url ? strnlen(url, ENDPOINT_URL_MAX + 1) : 0;
    if (len == 0) {
        sb_printf(err, "%s: the endpoint URL is empty", source);
        return -1;
    }
    if (len > ENDPOINT_URL_MAX) {
        sb_printf(err, "%s: the endpoint URL is longer than %d bytes", source, ENDPOINT_URL_MAX);
        return -1;
    }
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)url[i] <= ' ' || url[i] == 0x7f) {
            sb_printf(err, "%s: the endpoint URL contains spaces or control characters", source);
            return -1;
        }

    CURLU *u = curl_url();
    if (!u)
        util_fatal("out of memory");
    char *scheme = NULL, *host = NULL, *part = NULL;
    const char *why = NULL;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || str_empty(host)) {
        why = "is not a valid URL (expected https://host[:port][/path])";
    } else if (strcmp(scheme, "https") && strcmp(scheme, "http")) {
        why = "must start with https:// (or http:// for a loopback address)";
    } else if (curl_url_get(u, CURLUPART_USER, &part, 0) == CURLUE_OK ||
               curl_url_get(u, CURLUPART_PASSWORD, &part, 0) == CURLUE_OK ||
               curl_url_get(u, CURLUPART_OPTIONS, &part, 0) == CURLUE_OK) {
        why = "must not contain user info (user:password@)";
    } else if (curl_url_get(u, CURLUPART_QUERY, &part, 0) == CURLUE_OK ||
               curl_url_get(u, CURLUPART_FRAGMENT, &part, 0) == CURLUE_OK || strpbrk(url, "?#")) {
        why = "must not contain a query or a fragment";
    } else if (!strcmp(scheme, "http") && !endpoint_host_is_loopback(host)) {
        why = "uses plain http:// to a host that is not loopback (127.0.0.1, ::1, localhost): use https://";
    }
    curl_free(part);
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    if (why) {
        sb_printf(err, "%s: the endpoint URL %s", source, why);
        return -1;
    }
    *out = xstrndup(url, url[len - 1] == '/' ? len - 1 : len);
    return 0;
}

bool endpoint_valid_region(const char *r)
{
    size_t n = r ? strnlen(r, REGION_MAX + 1) : 0;
    if (n == 0 || n > REGION_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)r[i]) && !isdigit((unsigned char)r[i]) && r[i] != '-')
            return false;
    return true;
}

/* AWS_IGNORE_CONFIGURED_ENDPOINT_URLS when set (even to "" or "false"), else the
 * profile's setting; "true" in any case means yes (botocore's ensure_boolean). */
static bool ignore_configured(const endpoint_profile *profile)
{
    const char *v = getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    if (!v && profile)
        v = profile->ignore;
    return v && !strcasecmp(v, "true");
}

const aws_service ENDPOINT_SVC_SSO_PORTAL = {
    .id = "sso",
    .endpoint_prefix = "portal.sso",
    .signing_name = "awsssoportal",
    .env_name = "SSO",
    .api_version = "2019-06-10",
    .protocol = AWS_PROTO_JSON_1_1,
};

void endpoint_profile_free(endpoint_profile *p)
{
    if (!p)
        return;
    free(p->service_url);
    free(p->global_url);
    free(p->ignore);
    free(p->missing_services);
    memset(p, 0, sizeof *p);
}

void endpoint_service_key(const aws_service *svc, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *c = svc && svc->env_name ? svc->env_name : ""; *c && n + 1 < cap; c++)
        out[n++] = (char)tolower((unsigned char)*c);
    if (cap)
        out[n] = '\0';
}

/* The profile's services entry for svc (or the refusal of a services section the
 * config file lacks, as botocore refuses it once it gets this far). */
static int services_entry(const aws_service *svc, const endpoint_profile *profile, char **url, strbuf *err)
{
    if (profile->missing_services) {
        sb_printf(err,
                  "the profile names services section \"%.64s\", but the config file has no "
                  "[services %.64s]: add it or remove the profile's services setting",
                  profile->missing_services, profile->missing_services);
        return -1;
    }
    char key[64], source[128];
    endpoint_service_key(svc, key, sizeof key);
    snprintf(source, sizeof source, "endpoint_url of %s in the profile's services section", key);
    return endpoint_check_url(profile->service_url, source, url, err);
}

int endpoint_resolve(const aws_service *svc, const char *region, const char *flag, const endpoint_profile *profile,
                     char **url, strbuf *err)
{
    *url = NULL;
    if (!svc || str_empty(svc->endpoint_prefix)) {
        sb_append(err, "internal error: a service without an endpoint prefix");
        return -1;
    }
    if (str_empty(region)) {
        sb_append(err, "no AWS region: pass --region or set AWS_REGION");
        return -1;
    }
    if (!endpoint_valid_region(region)) {
        char shown[REGION_MAX + 1];
        size_t i = 0;
        for (; region[i] && i < REGION_MAX; i++)
            shown[i] = isprint((unsigned char)region[i]) ? region[i] : '?';
        shown[i] = '\0';
        sb_printf(err,
                  "invalid AWS region \"%s%s\": expected lower-case letters, digits and '-' "
                  "(like us-east-1)",
                  shown, region[i] ? "..." : "");
        return -1;
    }

    bool configured = !ignore_configured(profile);
    if (configured && !str_empty(svc->env_name)) {
        char name[128];
        snprintf(name, sizeof name, "AWS_ENDPOINT_URL_%s", svc->env_name);
        const char *v = getenv(name);
        if (!str_empty(v))
            return endpoint_check_url(v, name, url, err);
    }
    /* The flag is tarmac's one global endpoint: like every global endpoint it "is
     * overridden by any configured service-specific endpoint" (the SDKs' guide), so
     * the profile's services entry for this service outranks it. Without the flag,
     * the SDKs' order stands: AWS_ENDPOINT_URL before the services section. */
    if (!str_empty(flag)) {
        if (configured && profile && (profile->missing_services || !str_empty(profile->service_url)))
            return services_entry(svc, profile, url, err);
        return endpoint_check_url(flag, "--endpoint-url", url, err);
    }
    if (configured) {
        const char *v = getenv("AWS_ENDPOINT_URL");
        if (!str_empty(v))
            return endpoint_check_url(v, "AWS_ENDPOINT_URL", url, err);
        if (profile && (profile->missing_services || !str_empty(profile->service_url)))
            return services_entry(svc, profile, url, err);
        if (profile && !str_empty(profile->global_url))
            return endpoint_check_url(profile->global_url, "endpoint_url in the profile", url, err);
    }

    const char *suffix;
    endpoint_partition(region, &suffix);
    *url = xasprintf("https://%s.%s.%s", svc->endpoint_prefix, region, suffix);
    return 0;
}

int endpoint_for(const aws_service *svc, const char *region, const char *flag, const char *profile,
                 endpoint_profile_fn read_profile, char **url, strbuf *err)
{
    *url = NULL;
    char key[64];
    endpoint_service_key(svc, key, sizeof key);
    endpoint_profile ep = { 0 };
    if (read_profile && read_profile(profile, key, &ep, err) != 0)
        return -1;
    int rc = endpoint_resolve(svc, region, flag, &ep, url, err);
    endpoint_profile_free(&ep);
    return rc;
}
