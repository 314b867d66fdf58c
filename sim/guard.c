/* guard.c — the checks every request passes before the simulator reads it: one
 * framing, a loopback Host (a web page that rebinds its own name to 127.0.0.1
 * still sends its name), no foreign Origin (a cross-site form or text/plain POST
 * sends the page's), and for /_sim/ the control token in a header (a form cannot
 * set one). Proxies in front of the simulator forward the Host they were sent, so
 * any port is accepted with a loopback name. */
#include "guard.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <strings.h>
#include <sys/random.h>

#include "aws/endpoints.h"

/* Every value of the headers named name: how many, and the first. */
static size_t header_count(const sim_request *req, const char *name, const char **first)
{
    size_t n = 0;
    *first = NULL;
    for (size_t i = 0; i < req->n_headers; i++) {
        if (strcasecmp(req->headers[i].name, name) != 0)
            continue;
        if (!n)
            *first = req->headers[i].value;
        n++;
    }
    return n;
}

/* A Content-Length value: digits only (RFC 9110 §8.6), no sign, no list. */
static bool parse_length(const char *s, unsigned long long *out)
{
    if (!s || !*s || strlen(s) > 19)
        return false;
    unsigned long long v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (unsigned)(*s - '0');
    }
    *out = v;
    return true;
}

const char *guard_framing_problem(const sim_request *req, int *status)
{
    *status = 400;
    const char *te;
    size_t n_te = header_count(req, "Transfer-Encoding", &te);
    bool have_length = false;
    unsigned long long length = 0;
    for (size_t i = 0; i < req->n_headers; i++) {
        if (strcasecmp(req->headers[i].name, "Content-Length") != 0)
            continue;
        unsigned long long v;
        if (!parse_length(req->headers[i].value, &v))
            return "Content-Length is not a number";
        if (have_length && v != length)
            return "two Content-Length headers that differ";
        have_length = true;
        length = v;
    }
    /* RFC 9112 §6.1: a request with both may be refused, and must not be kept alive */
    if (n_te && have_length)
        return "Content-Length together with Transfer-Encoding";
    if (n_te > 1 || (n_te && strcasecmp(te, "chunked") != 0)) {
        *status = 501;
        return "only the chunked transfer coding is understood";
    }
    return NULL;
}

/* host[:port] with a loopback host; port digits only (empty allowed, as RFC 3986 does). */
static bool authority_is_loopback(const char *s, size_t n)
{
    size_t hlen;
    if (n && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (!close)
            return false;
        hlen = (size_t)(close - s) + 1;
    } else {
        const char *colon = memchr(s, ':', n);
        hlen = colon ? (size_t)(colon - s) : n;
    }
    char host[80];
    if (hlen == 0 || hlen >= sizeof host)
        return false;
    if (hlen < n) {
        if (s[hlen] != ':' || n - hlen - 1 > 5)
            return false;
        unsigned long port = 0;
        for (size_t i = hlen + 1; i < n; i++) {
            if (s[i] < '0' || s[i] > '9')
                return false;
            port = port * 10 + (unsigned long)(s[i] - '0');
        }
        if (port > 65535)
            return false;
    }
    memcpy(host, s, hlen);
    host[hlen] = '\0';
    return endpoint_host_is_loopback(host);
}

/* An Origin (RFC 6454 §7: scheme "://" host [":" port]) of a loopback http(s) page. */
static bool origin_is_loopback(const char *o)
{
    static const char *const schemes[] = { "http://", "https://" };
    for (size_t i = 0; i < ARRAY_LEN(schemes); i++) {
        size_t k = strlen(schemes[i]);
        if (strncasecmp(o, schemes[i], k) == 0)
            return authority_is_loopback(o + k, strlen(o + k));
    }
    return false; /* "null" (a sandboxed or file: page) and anything else */
}

const char *guard_request_problem(const sim_request *req, int *status)
{
    const char *v;
    *status = 400;
    size_t n = header_count(req, "Host", &v);
    if (n == 0)
        return "the request has no Host header";
    if (n > 1)
        return "the request has more than one Host header";
    if (!authority_is_loopback(v, strlen(v)))
        return "the Host header does not name a loopback host (127.0.0.1, [::1] or localhost)";
    *status = 403;
    n = header_count(req, "Origin", &v);
    if (n > 1)
        return "the request has more than one Origin header";
    if (n && !origin_is_loopback(v))
        return "requests from a web page that is not on a loopback host are refused";
    /* browsers send Sec-Fetch-Site even where they leave Origin out (a cross-site GET) */
    if (header_count(req, "Sec-Fetch-Site", &v) && strcasecmp(v, "cross-site") == 0)
        return "cross-site requests from a web page are refused";
    return NULL;
}

static bool token_equal(const char *sent, const char *token)
{
    size_t n = strlen(token);
    return sent && n && strlen(sent) == n && CRYPTO_memcmp(sent, token, n) == 0;
}

bool guard_token_ok(const sim_request *req, const char *token)
{
    const char *v;
    if (header_count(req, GUARD_TOKEN_HEADER, &v) && token_equal(v, token))
        return true;
    if (!header_count(req, "Authorization", &v) || strncasecmp(v, "Bearer ", 7) != 0)
        return false;
    v += 7;
    while (*v == ' ')
        v++;
    return token_equal(v, token);
}

bool guard_token_valid(const char *token)
{
    size_t n = token ? strlen(token) : 0;
    if (n < GUARD_TOKEN_MIN || n > SIM_TOKEN_MAX)
        return false;
    for (const char *p = token; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              strchr("-._~+/=", *p)))
            return false;
    return true;
}

int guard_token_new(char *out, size_t cap)
{
    unsigned char raw[16];
    size_t got = 0;
    if (cap)
        out[0] = '\0';
    if (cap < 2 * sizeof raw + 1)
        return -1;
    while (got < sizeof raw) {
        ssize_t r = getrandom(raw + got, sizeof raw - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(out + 2 * i, cap - 2 * i, "%02x", raw[i]);
    secret_wipe(raw, sizeof raw);
    return 0;
}
