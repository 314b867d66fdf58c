/* sigv4.h — AWS Signature Version 4 (HMAC-SHA256) with OpenSSL.
 * The client signs every request with sigv4_sign(); the simulator checks requests
 * with sigv4_parse_authorization() + sigv4_sign() over the headers the client
 * signed. Derived signing keys are cached per (secret, date, region, service). */
#ifndef TARMAC_SIGV4_H
#define TARMAC_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "aws/credentials.h"
#include "util.h"

typedef struct sigv4_header {
    const char *name;  /* any case; canonicalised to lower case */
    const char *value; /* trimmed, inner runs of spaces folded */
} sigv4_header;

typedef struct sigv4_input {
    const char *method;          /* "POST" */
    const char *path;            /* path as sent, e.g. "/" (not yet URI-encoded twice) */
    const char *query;           /* raw query string without '?', or NULL */
    const sigv4_header *headers; /* must include host; duplicates are joined with ',' */
    size_t n_headers;
    const void *body;
    size_t body_len;
    const char *region;
    const char *service;     /* signing name: "autoscaling", "ecr", ... */
    time_t now;              /* signing time, already corrected for clock skew */
    bool normalize_path;     /* true for every service but S3 */
    bool omit_session_token; /* true: the token is not added (sim: token already in headers) */
} sigv4_input;

typedef struct sigv4_output {
    char amz_date[17];          /* X-Amz-Date value: 20150830T123600Z */
    char *authorization;        /* Authorization value (malloc'd) */
    const char *security_token; /* X-Amz-Security-Token value to send, or NULL (points into creds) */
    char signature[65];         /* lower-case hex */
    char *canonical_request;    /* for tests and debugging (malloc'd) */
    char *string_to_sign;       /* (malloc'd) */
    char *signed_headers;       /* "host;x-amz-date" (malloc'd) */
} sigv4_output;

typedef struct sigv4_signer sigv4_signer; /* holds the signing-key cache */
sigv4_signer *sigv4_signer_new(void);
void sigv4_signer_free(sigv4_signer *s); /* wipes cached keys */
/* Signing-key cache counters (hits: key reused; misses: key derived). */
void sigv4_signer_stats(const sigv4_signer *s, unsigned long *hits, unsigned long *misses);

/* Signs: X-Amz-Date is taken from in->now unless an x-amz-date header is given;
 * when creds->session_token is set (and !omit_session_token), x-amz-security-token
 * is signed too. Returns 0, or -1 on bad input. signer may be NULL (no cache). */
int sigv4_sign(sigv4_signer *s, const sigv4_input *in, const aws_credentials *creds, sigv4_output *out);
void sigv4_output_free(sigv4_output *out);

/* Query-string (presigned URL) signing, as the test suite's query-*.txt files:
 * out->authorization holds the full signed query string. */
int sigv4_presign(sigv4_signer *s, const sigv4_input *in, const aws_credentials *creds, long expires_seconds,
                  sigv4_output *out);

/* Parsed "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam/aws4_request,
 * SignedHeaders=host;x-amz-date, Signature=..." */
typedef struct sigv4_auth {
    char access_key_id[129];
    char date[9]; /* 20150830 */
    char region[64];
    char service[64];
    char signed_headers[1024]; /* "host;x-amz-date" */
    char signature[65];
} sigv4_auth;
/* Returns 0, or -1 when the header is not a well-formed SigV4 Authorization. */
int sigv4_parse_authorization(const char *value, sigv4_auth *out);

/* Lower-case hex SHA-256 of data into hex[65]. */
void sigv4_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
