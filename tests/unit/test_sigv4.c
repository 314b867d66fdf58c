/* test_sigv4.c — SigV4 against the AWS signing test suite (read at run time from
 * $TARMAC_SIGV4_DIR, one cmocka test per case and mode), against botocore for a
 * JSON 1.1 call, and the signing-key cache and Authorization parser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/sigv4.h"

#define SUITE_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

static char suite_dir[2048];

/* ---- reading the suite ---- */

static char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    strbuf sb;
    sb_init(&sb);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0 && sb.len < (1u << 20))
        sb_appendn(&sb, buf, n);
    fclose(f);
    if (len)
        *len = sb.len;
    char *text = sb_steal(&sb);
    sb_free(&sb);
    return text;
}

typedef struct parsed_request {
    char *method, *path, *query;
    sigv4_header hdrs[32];
    char *names[32], *values[32];
    size_t n_hdrs;
    char *body;
    size_t body_len;
} parsed_request;

static void request_free(parsed_request *r)
{
    free(r->method);
    free(r->path);
    free(r->query);
    for (size_t i = 0; i < r->n_hdrs; i++) {
        free(r->names[i]);
        free(r->values[i]);
    }
    free(r->body);
}

/* "METHOD path[?query] HTTP/1.1", then Name:value lines (a line starting with
 * whitespace continues the previous value), then an optional blank line and body. */
static void parse_request(const char *text, size_t len, parsed_request *r)
{
    memset(r, 0, sizeof *r);
    const char *end = text + len;
    const char *eol = memchr(text, '\n', len);
    assert_non_null(eol);
    const char *sp = memchr(text, ' ', (size_t)(eol - text));
    assert_non_null(sp);
    r->method = xstrndup(text, (size_t)(sp - text));
    const char *target = sp + 1;
    const char *target_end = eol;
    static const char proto[] = " HTTP/1.1";
    assert_true((size_t)(eol - target) > strlen(proto));
    target_end -= strlen(proto);
    assert_memory_equal(target_end, proto, strlen(proto));
    const char *q = memchr(target, '?', (size_t)(target_end - target));
    r->path = xstrndup(target, (size_t)((q ? q : target_end) - target));
    if (q)
        r->query = xstrndup(q + 1, (size_t)(target_end - q - 1));

    const char *p = eol + 1;
    while (p < end) {
        const char *le = memchr(p, '\n', (size_t)(end - p));
        size_t n = le ? (size_t)(le - p) : (size_t)(end - p);
        if (n == 0) { /* blank line: the body follows */
            p += 1;
            r->body_len = (size_t)(end - p);
            r->body = xstrndup(p, r->body_len);
            break;
        }
        if ((*p == ' ' || *p == '\t') && r->n_hdrs) {
            char *old = r->values[r->n_hdrs - 1];
            r->values[r->n_hdrs - 1] = xasprintf("%s\n%.*s", old, (int)n, p);
            free(old);
        } else {
            const char *colon = memchr(p, ':', n);
            assert_non_null(colon);
            assert_true(r->n_hdrs < ARRAY_LEN(r->hdrs));
            r->names[r->n_hdrs] = xstrndup(p, (size_t)(colon - p));
            r->values[r->n_hdrs] = xstrndup(colon + 1, n - (size_t)(colon - p) - 1);
            r->n_hdrs++;
        }
        p += n + (le ? 1 : 0);
    }
    for (size_t i = 0; i < r->n_hdrs; i++)
        r->hdrs[i] = (sigv4_header){ r->names[i], r->values[i] };
}

typedef struct suite_case {
    char name[256];
    char test_name[300];
    bool query_mode;
} suite_case;

/* Expected query parameters of a presigned request, compared by key. */
static const char *find_param(const char *query, const char *key, size_t *vlen)
{
    size_t klen = strlen(key);
    const char *p = query;
    while (p && *p) {
        const char *amp = strchr(p, '&');
        size_t n = amp ? (size_t)(amp - p) : strlen(p);
        if (n > klen && !strncmp(p, key, klen) && p[klen] == '=') {
            *vlen = n - klen - 1;
            return p + klen + 1;
        }
        p = amp ? amp + 1 : NULL;
    }
    return NULL;
}

static void check_x_amz_params(const char *expected_query, const char *got)
{
    static const char *keys[] = { "X-Amz-Algorithm", "X-Amz-Credential",     "X-Amz-Date",     "X-Amz-SignedHeaders",
                                  "X-Amz-Expires",   "X-Amz-Security-Token", "X-Amz-Signature" };
    for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
        size_t el = 0, gl = 0;
        const char *e = find_param(expected_query, keys[i], &el);
        const char *g = find_param(got, keys[i], &gl);
        if (!e) {
            assert_null(g);
            continue;
        }
        assert_non_null(g);
        assert_int_equal(el, gl);
        assert_memory_equal(e, g, el);
    }
}

static void run_suite_case(void **state)
{
    const suite_case *c = *state;
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/%s", suite_dir, c->name);

    size_t req_len = 0;
    char *req_text = slurp(dir, "request.txt", &req_len);
    char *ctx_text = slurp(dir, "context.json", NULL);
    assert_non_null(req_text);
    assert_non_null(ctx_text);
    parsed_request r;
    parse_request(req_text, req_len, &r);

    json_object *ctx = json_tokener_parse(ctx_text);
    assert_non_null(ctx);
    json_object *jc, *v;
    assert_true(json_object_object_get_ex(ctx, "credentials", &jc));
    aws_credentials creds = { 0 };
    assert_true(json_object_object_get_ex(jc, "access_key_id", &v));
    creds.access_key_id = xstrdup(json_object_get_string(v));
    assert_true(json_object_object_get_ex(jc, "secret_access_key", &v));
    creds.secret_access_key = xstrdup(json_object_get_string(v));
    if (json_object_object_get_ex(jc, "token", &v))
        creds.session_token = xstrdup(json_object_get_string(v));
    bool normalize = json_object_object_get_ex(ctx, "normalize", &v) && json_object_get_boolean(v);
    bool sign_body = json_object_object_get_ex(ctx, "sign_body", &v) && json_object_get_boolean(v);
    bool omit = json_object_object_get_ex(ctx, "omit_session_token", &v) && json_object_get_boolean(v);
    long expires = json_object_object_get_ex(ctx, "expiration_in_seconds", &v) ? (long)json_object_get_int64(v) : 3600;
    assert_true(json_object_object_get_ex(ctx, "timestamp", &v));
    aws_time ts = 0;
    assert_true(time_parse_iso8601(json_object_get_string(v), &ts));
    const char *region = json_object_object_get_ex(ctx, "region", &v) ? json_object_get_string(v) : "";
    const char *service = json_object_object_get_ex(ctx, "service", &v) ? json_object_get_string(v) : "";

    /* sign_body in header mode: the request carries (and signs) x-amz-content-sha256 */
    char body_hash[65];
    sigv4_header hdrs[33];
    memcpy(hdrs, r.hdrs, r.n_hdrs * sizeof *hdrs);
    size_t n_hdrs = r.n_hdrs;
    sigv4_sha256_hex(r.body, r.body_len, body_hash);
    if (sign_body && !c->query_mode)
        hdrs[n_hdrs++] = (sigv4_header){ "x-amz-content-sha256", body_hash };

    sigv4_input in = {
        .method = r.method,
        .path = r.path,
        .query = r.query,
        .headers = hdrs,
        .n_headers = n_hdrs,
        .body = r.body,
        .body_len = r.body_len,
        .region = region,
        .service = service,
        .now = (time_t)(ts / 1000),
        .normalize_path = normalize,
        .omit_session_token = omit,
    };
    sigv4_signer *signer = sigv4_signer_new();
    sigv4_output out;
    const char *pfx = c->query_mode ? "query" : "header";
    int rc = c->query_mode ? sigv4_presign(signer, &in, &creds, expires, &out) : sigv4_sign(signer, &in, &creds, &out);
    assert_int_equal(rc, 0);

    char fname[64];
    snprintf(fname, sizeof fname, "%s-canonical-request.txt", pfx);
    char *exp_creq = slurp(dir, fname, NULL);
    snprintf(fname, sizeof fname, "%s-string-to-sign.txt", pfx);
    char *exp_sts = slurp(dir, fname, NULL);
    snprintf(fname, sizeof fname, "%s-signature.txt", pfx);
    char *exp_sig = slurp(dir, fname, NULL);
    snprintf(fname, sizeof fname, "%s-signed-request.txt", pfx);
    char *exp_signed = slurp(dir, fname, NULL);
    assert_non_null(exp_creq);
    assert_non_null(exp_sts);
    assert_non_null(exp_sig);
    assert_non_null(exp_signed);

    assert_string_equal(out.canonical_request, exp_creq);
    assert_string_equal(out.string_to_sign, exp_sts);
    assert_string_equal(out.signature, exp_sig);

    if (!c->query_mode) {
        /* the Authorization line and the token header of the signed request */
        char *auth = strstr(exp_signed, "\nAuthorization:");
        assert_non_null(auth);
        auth += strlen("\nAuthorization:");
        char *nl = strchr(auth, '\n');
        assert_non_null(nl);
        *nl = '\0';
        assert_string_equal(out.authorization, auth);
        *nl = '\n';
        char *tok = strstr(exp_signed, "\nX-Amz-Security-Token:");
        if (tok) {
            tok += strlen("\nX-Amz-Security-Token:");
            assert_non_null(out.security_token);
            assert_memory_equal(out.security_token, tok, strlen(out.security_token));
        } else {
            assert_null(out.security_token);
        }
    } else {
        char *nl = strchr(exp_signed, '\n');
        assert_non_null(nl);
        *nl = '\0';
        char *q = strchr(exp_signed, '?');
        assert_non_null(q);
        char *proto = strstr(q, " HTTP/1.1");
        assert_non_null(proto);
        *proto = '\0';
        check_x_amz_params(q + 1, out.authorization);
        assert_null(out.security_token);
    }

    sigv4_output_free(&out);
    sigv4_signer_free(signer);
    free(exp_creq);
    free(exp_sts);
    free(exp_sig);
    free(exp_signed);
    json_object_put(ctx);
    aws_credentials_free(&creds);
    request_free(&r);
    free(req_text);
    free(ctx_text);
}

static void suite_missing(void **state)
{
    (void)state;
    printf("# SKIP: SigV4 test suite not found at %s\n", suite_dir);
    fprintf(stderr, "SKIP: SigV4 test suite not found at %s\n", suite_dir);
    skip();
}

/* ---- botocore comparison ---- */

/* Expected signatures computed once with botocore 1.43:
 *   req = AWSRequest(method="POST", url="https://api.ecr.us-east-1.amazonaws.com/",
 *       data=b'{"repositoryNames":["web"]}',
 *       headers={"X-Amz-Target": "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories",
 *                "Content-Type": "application/x-amz-json-1.1"})
 *   with mock.patch("botocore.auth.get_current_datetime",
 *                   return_value=datetime.datetime(2024, 5, 1, 12, 0, 0)):
 *       SigV4Auth(Credentials("AKIDEXAMPLE", SECRET, token), "ecr", "us-east-1").add_auth(req)
 * with token None and "FwoGZXIvYXdzEXAMPLETOKEN/+=". */
static void sign_ecr_call(sigv4_signer *s, const char *token, sigv4_output *out)
{
    static const char body[] = "{\"repositoryNames\":[\"web\"]}";
    const sigv4_header hdrs[] = {
        { "X-Amz-Target", "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories" },
        { "Content-Type", "application/x-amz-json-1.1" },
        { "Host", "api.ecr.us-east-1.amazonaws.com" },
    };
    sigv4_input in = {
        .method = "POST",
        .path = "/",
        .headers = hdrs,
        .n_headers = ARRAY_LEN(hdrs),
        .body = body,
        .body_len = strlen(body),
        .region = "us-east-1",
        .service = "ecr",
        .now = 1714564800, /* 2024-05-01T12:00:00Z */
        .normalize_path = true,
    };
    aws_credentials creds = { .access_key_id = "AKIDEXAMPLE",
                              .secret_access_key = SUITE_SECRET,
                              .session_token = (char *)token };
    assert_int_equal(sigv4_sign(s, &in, &creds, out), 0);
}

static void test_botocore_json_post(void **state)
{
    (void)state;
    sigv4_output out;
    sign_ecr_call(NULL, NULL, &out);
    assert_string_equal(out.amz_date, "20240501T120000Z");
    assert_string_equal(out.authorization,
                        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240501/us-east-1/ecr/aws4_request, "
                        "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
                        "Signature=33002efac7a80e0af45afe1d987be7bb4db6b84b9590f7bbfa68876e6151fa2a");
    assert_null(out.security_token);
    sigv4_output_free(&out);

    sign_ecr_call(NULL, "FwoGZXIvYXdzEXAMPLETOKEN/+=", &out);
    assert_string_equal(out.signed_headers, "content-type;host;x-amz-date;x-amz-security-token;x-amz-target");
    assert_string_equal(out.signature, "85bc02278b1a5d82c9415e626f5840142c9a153f62fc285942c4a5c2b555cc22");
    assert_string_equal(out.security_token, "FwoGZXIvYXdzEXAMPLETOKEN/+=");
    /* the secret never shows up in what the signer hands back */
    assert_null(strstr(out.canonical_request, SUITE_SECRET));
    assert_null(strstr(out.authorization, SUITE_SECRET));
    sigv4_output_free(&out);
}

/* ---- the signing-key cache ---- */

static void test_key_cache(void **state)
{
    (void)state;
    sigv4_signer *s = sigv4_signer_new();
    unsigned long hits, misses;
    sigv4_output a, b;
    sign_ecr_call(s, NULL, &a);
    sigv4_signer_stats(s, &hits, &misses);
    assert_int_equal(hits, 0);
    assert_int_equal(misses, 1);
    sign_ecr_call(s, "tok", &b); /* same key id, secret, day, region, service */
    sigv4_signer_stats(s, &hits, &misses);
    assert_int_equal(hits, 1);
    assert_int_equal(misses, 1);
    assert_string_equal(a.signature, "33002efac7a80e0af45afe1d987be7bb4db6b84b9590f7bbfa68876e6151fa2a");
    sigv4_output_free(&a);
    sigv4_output_free(&b);

    /* another secret under the same key id must not reuse the cached key */
    const sigv4_header hdrs[] = { { "host", "example.amazonaws.com" } };
    sigv4_input in = { .method = "GET",
                       .path = "/",
                       .headers = hdrs,
                       .n_headers = 1,
                       .region = "us-east-1",
                       .service = "ecr",
                       .now = 1714564800,
                       .normalize_path = true };
    aws_credentials other = { .access_key_id = "AKIDEXAMPLE", .secret_access_key = "other-secret" };
    aws_credentials same = { .access_key_id = "AKIDEXAMPLE", .secret_access_key = SUITE_SECRET };
    sigv4_output c, d;
    assert_int_equal(sigv4_sign(s, &in, &other, &c), 0);
    assert_int_equal(sigv4_sign(NULL, &in, &other, &d), 0);
    assert_string_equal(c.signature, d.signature); /* cache or not, same answer */
    sigv4_signer_stats(s, &hits, &misses);
    assert_int_equal(misses, 2);
    sigv4_output_free(&d);
    assert_int_equal(sigv4_sign(s, &in, &same, &d), 0);
    assert_string_not_equal(c.signature, d.signature);
    sigv4_signer_stats(s, &hits, &misses);
    assert_int_equal(hits, 2);
    sigv4_output_free(&c);
    sigv4_output_free(&d);

    /* many regions: the cache stays bounded and still answers correctly */
    static const char *regions[] = { "us-east-1",      "us-east-2", "us-west-1",    "us-west-2",
                                     "eu-west-1",      "eu-west-2", "eu-central-1", "ap-south-1",
                                     "ap-northeast-1", "sa-east-1", "ca-central-1" };
    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < ARRAY_LEN(regions); i++) {
            in.region = regions[i];
            assert_int_equal(sigv4_sign(s, &in, &same, &c), 0);
            assert_int_equal(sigv4_sign(NULL, &in, &same, &d), 0);
            assert_string_equal(c.signature, d.signature);
            sigv4_output_free(&c);
            sigv4_output_free(&d);
        }
    sigv4_signer_free(s);
}

/* ---- Authorization parsing ---- */

static void test_parse_authorization_good(void **state)
{
    (void)state;
    sigv4_auth a;
    assert_int_equal(
        sigv4_parse_authorization("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240501/us-east-1/ecr/aws4_request, "
                                  "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
                                  "Signature=33002efac7a80e0af45afe1d987be7bb4db6b84b9590f7bbfa68876e6151fa2a",
                                  &a),
        0);
    assert_string_equal(a.access_key_id, "AKIDEXAMPLE");
    assert_string_equal(a.date, "20240501");
    assert_string_equal(a.region, "us-east-1");
    assert_string_equal(a.service, "ecr");
    assert_string_equal(a.signed_headers, "content-type;host;x-amz-date;x-amz-target");
    assert_string_equal(a.signature, "33002efac7a80e0af45afe1d987be7bb4db6b84b9590f7bbfa68876e6151fa2a");

    /* no space after the commas, components in another order */
    assert_int_equal(sigv4_parse_authorization(
                         "AWS4-HMAC-SHA256 Signature=0000000000000000000000000000000000000000000000000000000000000000,"
                         "Credential=ASIA123/20150830/eu-west-1/elasticloadbalancing/aws4_request,SignedHeaders=host",
                         &a),
                     0);
    assert_string_equal(a.access_key_id, "ASIA123");
    assert_string_equal(a.service, "elasticloadbalancing");
    assert_string_equal(a.signed_headers, "host");
}

static void test_parse_authorization_bad(void **state)
{
    (void)state;
#define SIG64 "33002efac7a80e0af45afe1d987be7bb4db6b84b9590f7bbfa68876e6151fa2a"
#define CRED  "Credential=AKID/20240501/us-east-1/ecr/aws4_request"
    char big[6000];
    memset(big, 'A', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memcpy(big, "AWS4-HMAC-SHA256 Credential=", 28);
    char longkey[400];
    snprintf(longkey, sizeof longkey,
             "AWS4-HMAC-SHA256 Credential=%0200d/20240501/us-east-1/ecr/aws4_request, "
             "SignedHeaders=host, Signature=" SIG64,
             0);
    const char *bad[] = {
        NULL,
        "",
        "AWS4-HMAC-SHA256",
        "AWS4-HMAC-SHA256 ",
        "AWS4-HMAC-SHA1 " CRED ", SignedHeaders=host, Signature=" SIG64,
        "aws4-hmac-sha256 " CRED ", SignedHeaders=host, Signature=" SIG64,
        "AWS4-HMAC-SHA256 " CRED ", SignedHeaders=host",                       /* no signature */
        "AWS4-HMAC-SHA256 " CRED ", Signature=" SIG64,                         /* no headers */
        "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=" SIG64,               /* no credential */
        "AWS4-HMAC-SHA256 " CRED ", SignedHeaders=host, Signature=" SIG64 "0", /* 65 hex */
        "AWS4-HMAC-SHA256 " CRED ", SignedHeaders=host, Signature="
        "33002EFAC7A80E0AF45AFE1D987BE7BB4DB6B84B9590F7BBFA68876E6151FA2A",
        "AWS4-HMAC-SHA256 " CRED ", SignedHeaders=host, Signature=" SIG64 ", Signature=" SIG64,
        "AWS4-HMAC-SHA256 " CRED ", " CRED ", SignedHeaders=host, Signature=" SIG64,
        "AWS4-HMAC-SHA256 " CRED ", SignedHeaders=host, Signature=" SIG64 ",",
        "AWS4-HMAC-SHA256 " CRED ", SignedHeaders=host, Signature=" SIG64 " ",
        "AWS4-HMAC-SHA256 " CRED ", SignedHeaders=host, Extra=1, Signature=" SIG64,
        "AWS4-HMAC-SHA256 Credential=AKID/2024050/us-east-1/ecr/aws4_request, SignedHeaders=host, Signature=" SIG64,
        "AWS4-HMAC-SHA256 Credential=AKID/20240501/us-east-1/ecr/aws5_request, SignedHeaders=host, Signature=" SIG64,
        "AWS4-HMAC-SHA256 Credential=AKID/20240501/us-east-1/ecr, SignedHeaders=host, Signature=" SIG64,
        "AWS4-HMAC-SHA256 Credential=AKID/20240501/us-east-1/ecr/aws4_request/x, SignedHeaders=host, Signature=" SIG64,
        "AWS4-HMAC-SHA256 Credential=/20240501/us-east-1/ecr/aws4_request, SignedHeaders=host, Signature=" SIG64,
        "AWS4-HMAC-SHA256 Credential=AK ID/20240501/us-east-1/ecr/aws4_request, SignedHeaders=host, Signature=" SIG64,
        "AWS4-HMAC-SHA256 Credential=AKID/20240501/US-EAST-1/ecr/aws4_request, SignedHeaders=host, Signature=" SIG64,
        "AWS4-HMAC-SHA256 Credential=AKID/20240501//ecr/aws4_request, SignedHeaders=host, Signature=" SIG64,
        "AWS4-HMAC-SHA256 " CRED ", SignedHeaders=x-amz-date, Signature=" SIG64,      /* host unsigned */
        "AWS4-HMAC-SHA256 " CRED ", SignedHeaders=x-amz-date;host, Signature=" SIG64, /* not sorted */
        "AWS4-HMAC-SHA256 " CRED ", SignedHeaders=host;host, Signature=" SIG64,       /* repeated */
        "AWS4-HMAC-SHA256 " CRED ", SignedHeaders=Host, Signature=" SIG64,
        "AWS4-HMAC-SHA256 " CRED ", SignedHeaders=host;, Signature=" SIG64,
        "AWS4-HMAC-SHA256 " CRED ", SignedHeaders=, Signature=" SIG64,
        "AWS4-HMAC-SHA256 " CRED ", SignedHeaders=ho\nst, Signature=" SIG64,
        big,
        longkey,
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        sigv4_auth a;
        memset(&a, 'x', sizeof a);
        if (sigv4_parse_authorization(bad[i], &a) != -1)
            fail_msg("accepted bad value #%zu: %.80s", i, bad[i] ? bad[i] : "(null)");
        assert_string_equal(a.signature, ""); /* nothing half-filled left behind */
    }
#undef SIG64
#undef CRED
}

/* The simulator's path: parse the client's header, re-sign the signed headers with
 * the token already among them, compare. */
static void test_verify_roundtrip(void **state)
{
    (void)state;
    sigv4_output out;
    sign_ecr_call(NULL, "FwoGZXIvYXdzEXAMPLETOKEN/+=", &out);
    sigv4_auth a;
    assert_int_equal(sigv4_parse_authorization(out.authorization, &a), 0);
    assert_string_equal(a.signed_headers, out.signed_headers);

    static const char body[] = "{\"repositoryNames\":[\"web\"]}";
    const sigv4_header hdrs[] = {
        { "content-type", "application/x-amz-json-1.1" },
        { "host", "api.ecr.us-east-1.amazonaws.com" },
        { "x-amz-date", out.amz_date },
        { "x-amz-security-token", "FwoGZXIvYXdzEXAMPLETOKEN/+=" },
        { "x-amz-target", "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories" },
    };
    sigv4_input in = { .method = "POST",
                       .path = "/",
                       .headers = hdrs,
                       .n_headers = ARRAY_LEN(hdrs),
                       .body = body,
                       .body_len = strlen(body),
                       .region = a.region,
                       .service = a.service,
                       .now = 0 /* the header's date wins */,
                       .normalize_path = true,
                       .omit_session_token = true };
    aws_credentials creds = { .access_key_id = "AKIDEXAMPLE",
                              .secret_access_key = SUITE_SECRET,
                              .session_token = "FwoGZXIvYXdzEXAMPLETOKEN/+=" };
    sigv4_output again;
    assert_int_equal(sigv4_sign(NULL, &in, &creds, &again), 0);
    assert_string_equal(again.signature, a.signature);
    assert_string_equal(again.signed_headers, a.signed_headers);

    /* a signed x-amz-content-sha256 that lies about the body does not replace its hash */
    sigv4_header with_hash[ARRAY_LEN(hdrs) + 1];
    memcpy(with_hash, hdrs, sizeof hdrs);
    with_hash[ARRAY_LEN(hdrs)] = (sigv4_header){ "x-amz-content-sha256", "UNSIGNED-PAYLOAD" };
    sigv4_input lie = in;
    lie.headers = with_hash;
    lie.n_headers = ARRAY_LEN(with_hash);
    sigv4_output lied;
    assert_int_equal(sigv4_sign(NULL, &lie, &creds, &lied), 0);
    char body_hash[65];
    sigv4_sha256_hex(body, strlen(body), body_hash);
    const char *last = strrchr(lied.canonical_request, '\n');
    assert_non_null(last);
    assert_string_equal(last + 1, body_hash);
    sigv4_output_free(&lied);

    /* a tampered body no longer verifies */
    sigv4_output tampered;
    in.body = "{\"repositoryNames\":[\"db\"]}";
    in.body_len = strlen(in.body);
    assert_int_equal(sigv4_sign(NULL, &in, &creds, &tampered), 0);
    assert_string_not_equal(tampered.signature, a.signature);
    sigv4_output_free(&tampered);
    sigv4_output_free(&again);
    sigv4_output_free(&out);
}

static void test_bad_input(void **state)
{
    (void)state;
    aws_credentials creds = { .access_key_id = "AKIDEXAMPLE", .secret_access_key = SUITE_SECRET };
    const sigv4_header host = { "host", "example.amazonaws.com" };
    sigv4_input in = { .method = "GET",
                       .path = "/",
                       .headers = &host,
                       .n_headers = 1,
                       .region = "us-east-1",
                       .service = "sts",
                       .now = 1440938160 };
    sigv4_output out;
    assert_int_equal(sigv4_sign(NULL, &in, &creds, &out), 0);
    assert_string_equal(out.amz_date, "20150830T123600Z");
    sigv4_output_free(&out);

    sigv4_input no_host = in;
    no_host.n_headers = 0;
    assert_int_equal(sigv4_sign(NULL, &no_host, &creds, &out), -1);
    assert_null(out.authorization);

    const sigv4_header bad_name[] = { host, { "bad name", "x" } };
    sigv4_input b = in;
    b.headers = bad_name;
    b.n_headers = 2;
    assert_int_equal(sigv4_sign(NULL, &b, &creds, &out), -1);

    const sigv4_header bad_date[] = { host, { "X-Amz-Date", "2015-08-30" } };
    b.headers = bad_date;
    assert_int_equal(sigv4_sign(NULL, &b, &creds, &out), -1);

    b = in;
    b.region = "us-east-1/x";
    assert_int_equal(sigv4_sign(NULL, &b, &creds, &out), -1);
    b = in;
    b.method = "";
    assert_int_equal(sigv4_sign(NULL, &b, &creds, &out), -1);
    aws_credentials no_secret = { .access_key_id = "AKIDEXAMPLE", .secret_access_key = "" };
    assert_int_equal(sigv4_sign(NULL, &in, &no_secret, &out), -1);
    assert_int_equal(sigv4_presign(NULL, &in, &creds, 0, &out), -1);
    assert_int_equal(sigv4_presign(NULL, &in, &creds, 604801, &out), -1);
    assert_int_equal(sigv4_presign(NULL, &in, &creds, 900, &out), 0);
    assert_non_null(strstr(out.authorization, "X-Amz-Expires=900&"));
    sigv4_output_free(&out);
}

static void test_query_canonical(void **state)
{
    (void)state;
    /* repeated keys sort by value; '+' and raw bytes are encoded; escapes are kept once */
    aws_credentials creds = { .access_key_id = "AKIDEXAMPLE", .secret_access_key = SUITE_SECRET };
    const sigv4_header host = { "host", "example.amazonaws.com" };
    sigv4_input in = { .method = "GET",
                       .path = "/a%2Fb/c d",
                       .query = "b=2&a=3&&a=1&c&d=x+y%2a&e=%zz",
                       .headers = &host,
                       .n_headers = 1,
                       .region = "us-east-1",
                       .service = "sts",
                       .now = 1440938160,
                       .normalize_path = true };
    sigv4_output out;
    assert_int_equal(sigv4_sign(NULL, &in, &creds, &out), 0);
    assert_non_null(strstr(out.canonical_request, "GET\n/a%252Fb/c%20d\na=1&a=3&b=2&c=&d=x%2By%2A&e=%25zz\nhost:"));
    sigv4_output_free(&out);
}

static void test_sha256_hex(void **state)
{
    (void)state;
    char hex[65];
    sigv4_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sigv4_sha256_hex("Param1=value1", 13, hex);
    assert_string_equal(hex, "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
}

/* ---- building the run ---- */

static int case_cmp(const void *a, const void *b)
{
    return strcmp(((const suite_case *)a)->test_name, ((const suite_case *)b)->test_name);
}

int main(void)
{
    const char *env = getenv("TARMAC_SIGV4_DIR");
    if (env && *env) {
        snprintf(suite_dir, sizeof suite_dir, "%s", env);
    } else {
        /* default: ../shared/testdata/sigv4 beside the repository; the root is
         * TARMAC_TOP, else three levels above this binary (build/rel/tests/) */
        const char *top = getenv("TARMAC_TOP");
        char exe[1024] = ".";
        if (!top || !*top) {
            ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
            exe[n > 0 ? n : 0] = '\0';
            for (int up = 0; up < 4; up++) {
                char *slash = strrchr(exe, '/');
                if (slash)
                    *slash = '\0';
            }
            top = *exe ? exe : ".";
        }
        snprintf(suite_dir, sizeof suite_dir, "%s/../shared/testdata/sigv4", top);
    }

    VEC(struct CMUnitTest) tests = { 0 };
    const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_sha256_hex),
        cmocka_unit_test(test_botocore_json_post),
        cmocka_unit_test(test_key_cache),
        cmocka_unit_test(test_parse_authorization_good),
        cmocka_unit_test(test_parse_authorization_bad),
        cmocka_unit_test(test_verify_roundtrip),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_query_canonical),
    };
    for (size_t i = 0; i < ARRAY_LEN(fixed); i++)
        VEC_PUSH(tests, fixed[i]);

    VEC(suite_case) cases = { 0 };
    DIR *d = opendir(suite_dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) && cases.n < 400) {
            char ctx[PATH_MAX];
            struct stat st;
            if (e->d_name[0] == '.')
                continue;
            snprintf(ctx, sizeof ctx, "%s/%s/context.json", suite_dir, e->d_name);
            if (stat(ctx, &st) != 0)
                continue;
            for (int mode = 0; mode < 2; mode++) {
                suite_case *c = VEC_NEW(cases);
                str_copy(c->name, sizeof c->name, e->d_name);
                c->query_mode = mode;
                snprintf(c->test_name, sizeof c->test_name, "sigv4_suite/%s/%s", c->name, mode ? "query" : "header");
            }
        }
        closedir(d);
    }
    if (cases.n == 0) {
        VEC_PUSH(tests, ((struct CMUnitTest){ "sigv4_suite", suite_missing, NULL, NULL, NULL }));
    } else {
        qsort(cases.items, cases.n, sizeof *cases.items, case_cmp);
        for (size_t i = 0; i < cases.n; i++)
            VEC_PUSH(tests,
                     ((struct CMUnitTest){ cases.items[i].test_name, run_suite_case, NULL, NULL, &cases.items[i] }));
    }
    int rc = _cmocka_run_group_tests("sigv4", tests.items, tests.n, NULL, NULL);
    VEC_FREE(tests);
    VEC_FREE(cases);
    return rc;
}
