/* sigv4.c — AWS Signature Version 4: canonical request, string to sign, the
 * derived signing key (cached per signer), the Authorization header and presigned
 * query strings, plus the strict Authorization parser the simulator uses. */
#include "aws/sigv4.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#define SIGV4_ALGORITHM   "AWS4-HMAC-SHA256"
#define SIGV4_CACHE_SLOTS 8
#define SIGV4_MAX_EXPIRES 604800L /* seven days, the service limit */

/* ---- hashing ---- */

static void sha256(const void *data, size_t len, unsigned char out[32])
{
    unsigned int n = 0;
    if (!EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) || n != 32)
        util_fatal("sigv4: SHA-256 failed");
}

static void hmac_sha256(const void *key, size_t key_len, const void *data, size_t len, unsigned char out[32])
{
    unsigned int n = 0;
    if (!HMAC(EVP_sha256(), key, (int)key_len, data, len, out, &n) || n != 32)
        util_fatal("sigv4: HMAC-SHA256 failed");
}

static void hex_encode(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

void sigv4_sha256_hex(const void *data, size_t len, char hex[65])
{
    unsigned char d[32];
    sha256(data ? data : "", data ? len : 0, d);
    hex_encode(d, sizeof d, hex);
}

/* ---- the signing-key cache ---- */

/* A slot is keyed by the access key id and a hash of the secret, so the secret
 * itself is never kept; the derived key is as sensitive and is wiped on eviction. */
typedef struct key_slot {
    bool used;
    unsigned long last_use;
    char access_key_id[129];
    unsigned char secret_hash[32];
    char date[9];
    char region[64];
    char service[64];
    unsigned char key[32];
} key_slot;

struct sigv4_signer {
    key_slot slots[SIGV4_CACHE_SLOTS];
    unsigned long tick, hits, misses;
};

sigv4_signer *sigv4_signer_new(void)
{
    return xcalloc(1, sizeof(sigv4_signer));
}

void sigv4_signer_free(sigv4_signer *s)
{
    if (!s)
        return;
    secret_wipe(s, sizeof *s);
    free(s);
}

void sigv4_signer_stats(const sigv4_signer *s, unsigned long *hits, unsigned long *misses)
{
    if (hits)
        *hits = s ? s->hits : 0;
    if (misses)
        *misses = s ? s->misses : 0;
}

static void derive_key(const char *secret, const char *date, const char *region, const char *service,
                       unsigned char out[32])
{
    strbuf k;
    sb_init(&k);
    sb_printf(&k, "AWS4%s", secret);
    unsigned char a[32], b[32];
    hmac_sha256(k.buf, k.len, date, strlen(date), a);
    hmac_sha256(a, 32, region, strlen(region), b);
    hmac_sha256(b, 32, service, strlen(service), a);
    hmac_sha256(a, 32, "aws4_request", 12, out);
    secret_wipe(a, sizeof a);
    secret_wipe(b, sizeof b);
    sb_wipe_free(&k);
}

static void signing_key(sigv4_signer *s, const aws_credentials *creds, const char *date, const char *region,
                        const char *service, unsigned char out[32])
{
    if (!s || strlen(creds->access_key_id) >= sizeof s->slots[0].access_key_id ||
        strlen(region) >= sizeof s->slots[0].region || strlen(service) >= sizeof s->slots[0].service) {
        derive_key(creds->secret_access_key, date, region, service, out);
        return;
    }
    unsigned char sh[32];
    sha256(creds->secret_access_key, strlen(creds->secret_access_key), sh);
    key_slot *victim = &s->slots[0];
    s->tick++;
    for (size_t i = 0; i < SIGV4_CACHE_SLOTS; i++) {
        key_slot *k = &s->slots[i];
        if (k->used && !memcmp(k->secret_hash, sh, 32) && !strcmp(k->date, date) &&
            !strcmp(k->access_key_id, creds->access_key_id) && !strcmp(k->region, region) &&
            !strcmp(k->service, service)) {
            k->last_use = s->tick;
            memcpy(out, k->key, 32);
            s->hits++;
            secret_wipe(sh, sizeof sh);
            return;
        }
        if (!k->used || (victim->used && k->last_use < victim->last_use))
            victim = k;
    }
    s->misses++;
    secret_wipe(victim, sizeof *victim);
    derive_key(creds->secret_access_key, date, region, service, out);
    victim->used = true;
    victim->last_use = s->tick;
    str_copy(victim->access_key_id, sizeof victim->access_key_id, creds->access_key_id);
    memcpy(victim->secret_hash, sh, 32);
    str_copy(victim->date, sizeof victim->date, date);
    str_copy(victim->region, sizeof victim->region, region);
    str_copy(victim->service, sizeof victim->service, service);
    memcpy(victim->key, out, 32);
    secret_wipe(sh, sizeof sh);
}

/* ---- canonical pieces ---- */

/* The builder's text, leaving nothing allocated behind (sb_steal re-inits). */
static char *sb_take(strbuf *sb)
{
    char *p = sb_steal(sb);
    sb_free(sb);
    return p;
}

static bool is_unreserved(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

/* Percent-encode every byte but the unreserved ones (and '/' when keep_slash). */
static void append_encoded(strbuf *sb, const char *s, size_t n, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_unreserved(c) || (keep_slash && c == '/')) {
            sb_appendc(sb, (char)c);
        } else {
            char e[3] = { '%', hex[c >> 4], hex[c & 15] };
            sb_appendn(sb, e, 3);
        }
    }
}

/* Path: optionally drop empty, "." and ".." segments (every service but S3), then
 * encode once more — what the SDKs call double encoding of the already-sent path. */
static void canonical_uri(strbuf *out, const char *path, bool normalize)
{
    if (str_empty(path)) {
        sb_append(out, "/");
        return;
    }
    if (!normalize) {
        append_encoded(out, path, strlen(path), true);
        return;
    }
    VEC(const char *) seg = { 0 };
    VEC(size_t) seg_len = { 0 };
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 0)
            break;
        if (n == 1 && p[0] == '.') {
            /* nothing */
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            if (seg.n) {
                seg.n--;
                seg_len.n--;
            }
        } else {
            VEC_PUSH(seg, p);
            VEC_PUSH(seg_len, n);
        }
        p += n;
    }
    for (size_t i = 0; i < seg.n; i++) {
        sb_appendc(out, '/');
        append_encoded(out, seg.items[i], seg_len.items[i], false);
    }
    if (seg.n == 0 || path[strlen(path) - 1] == '/')
        sb_appendc(out, '/');
    VEC_FREE(seg);
    VEC_FREE(seg_len);
}

/* Decode %XX (a malformed escape stays literal) then encode canonically, so raw and
 * pre-encoded query strings give the same canonical form. */
static char *query_component(const char *s, size_t n)
{
    strbuf raw, enc;
    sb_init(&raw);
    sb_init(&enc);
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hex_value(s[i + 1])) >= 0 && (lo = hex_value(s[i + 2])) >= 0) {
            sb_appendc(&raw, (char)(hi << 4 | lo));
            i += 2;
        } else {
            sb_appendc(&raw, s[i]);
        }
    }
    append_encoded(&enc, raw.buf, raw.len, false);
    sb_free(&raw);
    return sb_take(&enc);
}

typedef struct qparam {
    char *key;   /* encoded */
    char *value; /* encoded */
} qparam;
typedef VEC(qparam) qparam_vec;

static void qparams_add_raw(qparam_vec *v, const char *query)
{
    const char *p = query;
    while (p && *p) {
        const char *amp = strchr(p, '&');
        size_t n = amp ? (size_t)(amp - p) : strlen(p);
        if (n) {
            const char *eq = memchr(p, '=', n);
            size_t kn = eq ? (size_t)(eq - p) : n;
            qparam q = { query_component(p, kn), eq ? query_component(eq + 1, n - kn - 1) : xstrdup("") };
            VEC_PUSH(*v, q);
        }
        p += n;
        if (*p == '&')
            p++;
    }
}

static void qparams_add(qparam_vec *v, const char *key, const char *value)
{
    qparam q = { query_component(key, strlen(key)), query_component(value, strlen(value)) };
    VEC_PUSH(*v, q);
}

static int qparam_cmp(const void *a, const void *b)
{
    const qparam *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : strcmp(x->value, y->value);
}

static void qparams_free(qparam_vec *v)
{
    for (size_t i = 0; i < v->n; i++) {
        /* values may carry a session token */
        free(v->items[i].key);
        secret_free(v->items[i].value);
    }
    VEC_FREE(*v);
}

typedef struct chdr {
    char *name;   /* lower case */
    char *value;  /* trimmed, whitespace runs folded */
    size_t order; /* arrival order, so equal names keep it through the sort */
} chdr;
typedef VEC(chdr) chdr_vec;

static bool is_tchar(unsigned char c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Returns false on a name that is not an HTTP token. */
static bool chdrs_add(chdr_vec *v, const char *name, const char *value)
{
    if (str_empty(name))
        return false;
    strbuf n, val;
    sb_init(&n);
    for (const char *p = name; *p; p++) {
        if (!is_tchar((unsigned char)*p)) {
            sb_free(&n);
            return false;
        }
        sb_appendc(&n, (char)tolower((unsigned char)*p));
    }
    sb_init(&val);
    bool space = false;
    for (const char *p = value ? value : ""; *p; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
            space = val.len > 0;
            continue;
        }
        if (space)
            sb_appendc(&val, ' ');
        space = false;
        sb_appendc(&val, *p);
    }
    chdr h = { sb_take(&n), sb_take(&val), v->n };
    VEC_PUSH(*v, h);
    return true;
}

static int chdr_cmp(const void *a, const void *b)
{
    const chdr *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void chdrs_free(chdr_vec *v)
{
    for (size_t i = 0; i < v->n; i++) {
        free(v->items[i].name);
        secret_free(v->items[i].value);
    }
    VEC_FREE(*v);
}

static const chdr *chdrs_find(const chdr_vec *v, const char *name)
{
    for (size_t i = 0; i < v->n; i++)
        if (!strcmp(v->items[i].name, name))
            return &v->items[i];
    return NULL;
}

/* "20150830T123600Z" */
static bool valid_amz_date(const char *s)
{
    if (strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
        return false;
    for (int i = 0; i < 15; i++)
        if (i != 8 && !isdigit((unsigned char)s[i]))
            return false;
    return true;
}

static bool valid_scope_part(const char *s)
{
    if (str_empty(s) || strlen(s) > 63)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
            return false;
    return true;
}

static bool valid_method(const char *s)
{
    if (str_empty(s) || strlen(s) > 16)
        return false;
    for (; *s; s++)
        if (!is_tchar((unsigned char)*s))
            return false;
    return true;
}

static bool valid_access_key_id(const char *s)
{
    if (str_empty(s) || strlen(s) > 128)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s))
            return false;
    return true;
}

void sigv4_output_free(sigv4_output *out)
{
    if (!out)
        return;
    free(out->authorization);
    secret_free(out->canonical_request); /* may hold a session token */
    free(out->string_to_sign);
    free(out->signed_headers);
    memset(out, 0, sizeof *out);
}

/* The shared body of header signing (presign=false) and query signing. */
static int sign_common(sigv4_signer *s, const sigv4_input *in, const aws_credentials *creds, bool presign, long expires,
                       sigv4_output *out)
{
    memset(out, 0, sizeof *out);
    if (!in || !creds || !valid_method(in->method) || !valid_scope_part(in->region) || !valid_scope_part(in->service) ||
        !valid_access_key_id(creds->access_key_id) || str_empty(creds->secret_access_key) ||
        (in->n_headers && !in->headers) || (in->body_len && !in->body) ||
        (presign && (expires < 1 || expires > SIGV4_MAX_EXPIRES)))
        return -1;
    if (in->path && (strchr(in->path, '?') || strchr(in->path, '#')))
        return -1;

    int rc = -1;
    const char *token = str_empty(creds->session_token) ? NULL : creds->session_token;
    chdr_vec hdrs = { 0 };
    qparam_vec qp = { 0 };
    strbuf creq, sts, signed_names, tmp;
    sb_init(&creq);
    sb_init(&sts);
    sb_init(&signed_names);
    sb_init(&tmp);

    for (size_t i = 0; i < in->n_headers; i++) {
        const sigv4_header *h = &in->headers[i];
        if (h->name && !strcasecmp(h->name, "authorization"))
            continue;
        if (presign && h->name && !strcasecmp(h->name, "x-amz-date"))
            continue;
        if (!chdrs_add(&hdrs, h->name, h->value))
            goto done;
    }
    if (!chdrs_find(&hdrs, "host"))
        goto done;

    /* the date: a given x-amz-date header wins (the simulator re-signs with it) */
    const chdr *date_hdr = chdrs_find(&hdrs, "x-amz-date");
    if (date_hdr) {
        if (!valid_amz_date(date_hdr->value))
            goto done;
        str_copy(out->amz_date, sizeof out->amz_date, date_hdr->value);
    } else {
        struct tm tm;
        if (!gmtime_r(&in->now, &tm) || strftime(out->amz_date, sizeof out->amz_date, "%Y%m%dT%H%M%SZ", &tm) != 16)
            goto done;
        if (!presign)
            chdrs_add(&hdrs, "x-amz-date", out->amz_date);
    }
    char date[9];
    memcpy(date, out->amz_date, 8);
    date[8] = '\0';

    if (!presign && token && !in->omit_session_token && !chdrs_find(&hdrs, "x-amz-security-token"))
        chdrs_add(&hdrs, "x-amz-security-token", token);

    /* The payload hash is always the body's own: an x-amz-content-sha256 header is
     * signed like any other, never trusted in place of the body (no S3-style
     * UNSIGNED-PAYLOAD here), so a verifier cannot be talked out of checking it. */
    char payload_hash[65];
    sigv4_sha256_hex(in->body, in->body_len, payload_hash);

    qsort(hdrs.items, hdrs.n, sizeof *hdrs.items, chdr_cmp); /* n >= 1: host is there */
    strbuf canon_hdrs;
    sb_init(&canon_hdrs);
    for (size_t i = 0; i < hdrs.n; i++) {
        if (i && !strcmp(hdrs.items[i].name, hdrs.items[i - 1].name)) {
            sb_appendc(&canon_hdrs, ',');
        } else {
            if (i) {
                sb_appendc(&canon_hdrs, '\n');
                sb_appendc(&signed_names, ';');
            }
            sb_printf(&canon_hdrs, "%s:", hdrs.items[i].name);
            sb_append(&signed_names, hdrs.items[i].name);
        }
        sb_append(&canon_hdrs, hdrs.items[i].value);
    }
    sb_appendc(&canon_hdrs, '\n');

    char scope[256];
    snprintf(scope, sizeof scope, "%s/%s/%s/aws4_request", date, in->region, in->service);

    qparams_add_raw(&qp, in->query);
    if (presign) {
        sb_printf(&tmp, "%s/%s", creds->access_key_id, scope);
        char exp[24];
        snprintf(exp, sizeof exp, "%ld", expires);
        qparams_add(&qp, "X-Amz-Algorithm", SIGV4_ALGORITHM);
        qparams_add(&qp, "X-Amz-Credential", tmp.buf);
        qparams_add(&qp, "X-Amz-Date", out->amz_date);
        qparams_add(&qp, "X-Amz-Expires", exp);
        qparams_add(&qp, "X-Amz-SignedHeaders", signed_names.buf);
        if (token && !in->omit_session_token)
            qparams_add(&qp, "X-Amz-Security-Token", token);
    }
    if (qp.n)
        qsort(qp.items, qp.n, sizeof *qp.items, qparam_cmp);

    sb_printf(&creq, "%s\n", in->method);
    canonical_uri(&creq, in->path, in->normalize_path);
    sb_appendc(&creq, '\n');
    size_t query_start = creq.len;
    for (size_t i = 0; i < qp.n; i++)
        sb_printf(&creq, "%s%s=%s", i ? "&" : "", qp.items[i].key, qp.items[i].value);
    size_t query_end = creq.len;
    sb_printf(&creq, "\n%s\n%s\n%s", canon_hdrs.buf, signed_names.buf, payload_hash);
    sb_wipe_free(&canon_hdrs);

    char creq_hash[65];
    sigv4_sha256_hex(creq.buf, creq.len, creq_hash);
    sb_printf(&sts, SIGV4_ALGORITHM "\n%s\n%s\n%s", out->amz_date, scope, creq_hash);

    unsigned char key[32], sig[32];
    signing_key(s, creds, date, in->region, in->service, key);
    hmac_sha256(key, sizeof key, sts.buf, sts.len, sig);
    secret_wipe(key, sizeof key);
    hex_encode(sig, sizeof sig, out->signature);

    sb_reset(&tmp);
    if (presign) {
        sb_appendn(&tmp, creq.buf + query_start, query_end - query_start);
        sb_printf(&tmp, "%sX-Amz-Signature=%s", tmp.len ? "&" : "", out->signature);
        if (token && in->omit_session_token) {
            sb_append(&tmp, "&X-Amz-Security-Token=");
            sb_append_urlencoded(&tmp, token, strlen(token));
        }
    } else {
        sb_printf(&tmp, SIGV4_ALGORITHM " Credential=%s/%s, SignedHeaders=%s, Signature=%s", creds->access_key_id,
                  scope, signed_names.buf, out->signature);
        out->security_token = token;
    }
    out->authorization = sb_steal(&tmp);
    out->canonical_request = sb_steal(&creq);
    out->string_to_sign = sb_steal(&sts);
    out->signed_headers = sb_steal(&signed_names);
    rc = 0;

done:
    chdrs_free(&hdrs);
    qparams_free(&qp);
    sb_wipe_free(&creq);
    sb_free(&sts);
    sb_free(&signed_names);
    sb_wipe_free(&tmp);
    if (rc)
        sigv4_output_free(out);
    return rc;
}

int sigv4_sign(sigv4_signer *s, const sigv4_input *in, const aws_credentials *creds, sigv4_output *out)
{
    return sign_common(s, in, creds, false, 0, out);
}

int sigv4_presign(sigv4_signer *s, const sigv4_input *in, const aws_credentials *creds, long expires_seconds,
                  sigv4_output *out)
{
    return sign_common(s, in, creds, true, expires_seconds, out);
}

/* ---- parsing an Authorization value (untrusted: every length is checked) ---- */

/* Copies [s, s+n) into dst when it fits and every byte passes ok(). */
static bool take(char *dst, size_t cap, const char *s, size_t n, bool (*ok)(unsigned char))
{
    if (n == 0 || n >= cap)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!ok((unsigned char)s[i]))
            return false;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return true;
}

static bool ok_alnum(unsigned char c)
{
    return isalnum(c);
}
static bool ok_digit(unsigned char c)
{
    return isdigit(c);
}
static bool ok_scope(unsigned char c)
{
    return islower(c) || isdigit(c) || c == '-';
}
static bool ok_hex(unsigned char c)
{
    return isdigit(c) || (c >= 'a' && c <= 'f');
}
static bool ok_hdrlist(unsigned char c)
{
    return c == ';' || (is_tchar(c) && !isupper(c));
}

static bool parse_credential(const char *s, size_t n, sigv4_auth *out)
{
    const char *part[5];
    size_t len[5];
    size_t k = 0;
    const char *p = s, *end = s + n;
    while (k < 5) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        part[k] = p;
        len[k] = slash ? (size_t)(slash - p) : (size_t)(end - p);
        k++;
        if (!slash)
            break;
        p = slash + 1;
    }
    if (k != 5 || part[4] + len[4] != end)
        return false;
    return take(out->access_key_id, sizeof out->access_key_id, part[0], len[0], ok_alnum) && len[1] == 8 &&
        take(out->date, sizeof out->date, part[1], len[1], ok_digit) &&
        take(out->region, sizeof out->region, part[2], len[2], ok_scope) &&
        take(out->service, sizeof out->service, part[3], len[3], ok_scope) && len[4] == 12 &&
        !memcmp(part[4], "aws4_request", 12);
}

/* Names: lower-case tokens, strictly ascending (canonical order, no repeats), host included. */
static bool parse_signed_headers(const char *s, size_t n, sigv4_auth *out)
{
    if (!take(out->signed_headers, sizeof out->signed_headers, s, n, ok_hdrlist))
        return false;
    bool host = false;
    const char *prev = NULL;
    size_t prev_len = 0;
    const char *p = out->signed_headers;
    for (;;) {
        const char *semi = strchr(p, ';');
        size_t len = semi ? (size_t)(semi - p) : strlen(p);
        if (len == 0)
            return false;
        if (prev) {
            size_t m = prev_len < len ? prev_len : len;
            int c = memcmp(prev, p, m);
            if (c > 0 || (c == 0 && prev_len >= len))
                return false;
        }
        if (len == 4 && !memcmp(p, "host", 4))
            host = true;
        prev = p;
        prev_len = len;
        if (!semi)
            break;
        p = semi + 1;
    }
    return host;
}

int sigv4_parse_authorization(const char *value, sigv4_auth *out)
{
    static const char alg[] = SIGV4_ALGORITHM " ";
    memset(out, 0, sizeof *out);
    if (!value || strnlen(value, 4097) > 4096 || strncmp(value, alg, sizeof alg - 1))
        return -1;
    bool have_cred = false, have_hdrs = false, have_sig = false;
    const char *p = value + sizeof alg - 1;
    while (*p == ' ')
        p++;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        bool ok;
        if (n > 11 && !strncmp(p, "Credential=", 11) && !have_cred) {
            ok = have_cred = parse_credential(p + 11, n - 11, out);
        } else if (n > 14 && !strncmp(p, "SignedHeaders=", 14) && !have_hdrs) {
            ok = have_hdrs = parse_signed_headers(p + 14, n - 14, out);
        } else if (n == 10 + 64 && !strncmp(p, "Signature=", 10) && !have_sig) {
            ok = have_sig = take(out->signature, sizeof out->signature, p + 10, 64, ok_hex);
        } else {
            ok = false;
        }
        if (!ok)
            return memset(out, 0, sizeof *out), -1;
        if (!comma)
            break;
        p = comma + 1;
        while (*p == ' ')
            p++;
    }
    if (have_cred && have_hdrs && have_sig)
        return 0;
    memset(out, 0, sizeof *out);
    return -1;
}
