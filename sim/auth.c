/* auth.c — checks a request's SigV4 signature the way AWS does: the same checks in
 * the same order, the same error codes and messages per protocol (Query services say
 * SignatureDoesNotMatch / InvalidClientTokenId, JSON services InvalidSignatureException /
 * UnrecognizedClientException). The signature is recomputed with backend/sigv4.c over
 * exactly the headers the client listed. Secrets never reach a message. */
#include "auth.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <strings.h>

#define SKEW_LIMIT_S (15 * 60)

static const char MSG_SIG[] =
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
static const char MSG_TOKEN[] = "The security token included in the request is invalid.";

static bool is_json(sim_proto p)
{
    return p == SIM_PROTO_JSON10 || p == SIM_PROTO_JSON11;
}

static sim_error mkerr(const char *code, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static sim_error mkerr(const char *code, int status, const char *fmt, ...)
{
    sim_error e;
    memset(&e, 0, sizeof e);
    str_copy(e.code, sizeof e.code, code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.message, sizeof e.message, fmt, ap);
    va_end(ap);
    e.http_status = status;
    return e;
}

static sim_error sig_mismatch(sim_proto proto, const char *fmt, const char *a, const char *b, const char *c)
{
    char msg[256];
    snprintf(msg, sizeof msg, fmt, a ? a : "", b ? b : "", c ? c : "");
    return is_json(proto) ? mkerr("InvalidSignatureException", 403, "%s", msg)
                          : mkerr("SignatureDoesNotMatch", 403, "%s", msg);
}

static sim_error incomplete(sim_proto proto, const char *msg)
{
    return mkerr(is_json(proto) ? "IncompleteSignatureException" : "IncompleteSignature", 400, "%s", msg);
}

static int digits(const char *s, int off, int n)
{
    int v = 0;
    for (int k = 0; k < n; k++)
        v = v * 10 + (s[off + k] - '0');
    return v;
}

/* 20150830T123600Z → epoch seconds; false when malformed. */
static bool parse_amz_date(const char *s, time_t *out)
{
    if (!s || strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
        return false;
    for (int i = 0; i < 15; i++)
        if (i != 8 && (s[i] < '0' || s[i] > '9'))
            return false;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = digits(s, 0, 4) - 1900;
    tm.tm_mon = digits(s, 4, 2) - 1;
    tm.tm_mday = digits(s, 6, 2);
    tm.tm_hour = digits(s, 9, 2);
    tm.tm_min = digits(s, 11, 2);
    tm.tm_sec = digits(s, 13, 2);
    if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
        return false;
    *out = timegm(&tm);
    return true;
}

static void fmt_amz_date(time_t t, char buf[17])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 17, "%Y%m%dT%H%M%SZ", &tm);
}

bool auth_scope_service(const sim_request *req, char *service, size_t len)
{
    sigv4_auth a;
    const char *h = sim_request_header(req, "Authorization");
    if (!h || sigv4_parse_authorization(h, &a) != 0)
        return false;
    return str_copy(service, len, a.service);
}

sim_error auth_check(const sim_request *req, const auth_params *p, sigv4_auth *auth)
{
    sim_error ok;
    memset(&ok, 0, sizeof ok);
    memset(auth, 0, sizeof *auth);

    const char *h = sim_request_header(req, "Authorization");
    if (!h || !*h) {
        return is_json(p->proto) ? mkerr("MissingAuthenticationTokenException", 403, "Missing Authentication Token")
                                 : mkerr("MissingAuthenticationToken", 403, "Request is missing Authentication Token");
    }
    if (strncmp(h, "AWS4-HMAC-SHA256 ", 17) != 0)
        return incomplete(p->proto, "Unsupported AWS 'algorithm': only AWS4-HMAC-SHA256 is accepted.");
    if (sigv4_parse_authorization(h, auth) != 0)
        return incomplete(p->proto,
                          "Authorization header requires 'Credential' parameter. Authorization header "
                          "requires 'Signature' parameter. Authorization header requires "
                          "'SignedHeaders' parameter.");

    const char *date = sim_request_header(req, "X-Amz-Date");
    time_t req_time;
    if (!date)
        return incomplete(p->proto,
                          "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    if (!parse_amz_date(date, &req_time))
        return incomplete(p->proto, "Date must be in ISO-8601 'basic format'.");

    /* The key first: AWS answers an unknown key before looking at the signature. */
    const char *token = NULL;
    const char *sent_token = sim_request_header(req, "X-Amz-Security-Token");
    const char *secret = p->secret ? p->secret(p->ud, auth->access_key_id, sent_token, &token) : NULL;
    if (!secret || !str_eq(token, sent_token))
        return is_json(p->proto) ? mkerr("UnrecognizedClientException", 403, "%s", MSG_TOKEN)
                                 : mkerr("InvalidClientTokenId", 403, "%s", MSG_TOKEN);

    if (strncmp(date, auth->date, 8) != 0) {
        char d8[9];
        str_copy(d8, sizeof d8, date);
        return sig_mismatch(p->proto,
                            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version "
                            "of date from HTTP: '%s' != '%s', from '%s'.",
                            auth->date, d8, date);
    }
    if (p->service && !str_eq(p->service, auth->service))
        return sig_mismatch(p->proto, "Credential should be scoped to correct service: '%s'.%s%s", p->service, "", "");
    if (p->region && !str_eq(p->region, auth->region))
        return sig_mismatch(p->proto, "Credential should be scoped to a valid region.%s%s%s", "", "", "");

    time_t now = p->now ? p->now : time(NULL);
    if (req_time < now - SKEW_LIMIT_S || req_time > now + SKEW_LIMIT_S) {
        char nowbuf[17], limbuf[17];
        fmt_amz_date(now, nowbuf);
        bool past = req_time < now;
        fmt_amz_date(past ? now - SKEW_LIMIT_S : now + SKEW_LIMIT_S, limbuf);
        char msg[256];
        if (past)
            snprintf(msg, sizeof msg, "Signature expired: %s is now earlier than %s (%s - 15 min.)", date, limbuf,
                     nowbuf);
        else
            snprintf(msg, sizeof msg, "Signature not yet current: %s is still later than %s (%s + 15 min.)", date,
                     limbuf, nowbuf);
        if (is_json(p->proto))
            return mkerr("InvalidSignatureException", 403, "%s", msg);
        if (p->proto == SIM_PROTO_EC2)
            return mkerr("RequestExpired", 400, "Request has expired.");
        return mkerr("RequestTimeTooSkewed", 403, "%s", msg);
    }

    /* Recompute over the headers the client says it signed. */
    sigv4_header hs[SIM_MAX_HEADERS];
    size_t n = 0;
    char names[sizeof auth->signed_headers];
    str_copy(names, sizeof names, auth->signed_headers);
    bool have_host = false;
    for (char *save = NULL, *name = strtok_r(names, ";", &save); name; name = strtok_r(NULL, ";", &save)) {
        const char *v = sim_request_header(req, name);
        if (!v || n == ARRAY_LEN(hs))
            return sig_mismatch(p->proto, "%s%s%s", MSG_SIG, "", "");
        if (strcasecmp(name, "host") == 0)
            have_host = true;
        hs[n].name = name;
        hs[n].value = v;
        n++;
    }
    if (!have_host)
        return sig_mismatch(p->proto, "%s%s%s", MSG_SIG, "", "");

    sigv4_input in = {
        .method = req->method,
        .path = req->path,
        .query = req->query,
        .headers = hs,
        .n_headers = n,
        .body = req->body,
        .body_len = req->body_len,
        .region = auth->region,
        .service = auth->service,
        .now = req_time,
        .normalize_path = true,
        .omit_session_token = true,
    };
    aws_credentials creds = { .access_key_id = auth->access_key_id, .secret_access_key = (char *)secret };
    sigv4_output out;
    memset(&out, 0, sizeof out);
    int rc = sigv4_sign(p->signer, &in, &creds, &out);
    bool match = rc == 0 && strlen(out.signature) == 64 && strlen(auth->signature) == 64 &&
        CRYPTO_memcmp(out.signature, auth->signature, 64) == 0;
    sigv4_output_free(&out);
    if (!match)
        return sig_mismatch(p->proto, "%s%s%s", MSG_SIG, "", "");
    return ok;
}
