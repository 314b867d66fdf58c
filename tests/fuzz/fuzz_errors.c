/* fuzz_errors.c — libFuzzer target: arbitrary error answers through the decoder
 * of every protocol, and arbitrary Authorization headers through the SigV4 parser
 * the simulator trusts. The decoded code and message must stay bounded, NUL-ended
 * and free of control characters. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws_errors.h"
#include "aws/sigv4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_clean(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    if (n == cap)
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned sel = data[0];
    const char *body = (const char *)data + 1;
    size_t len = size - 1;

    if (sel & 0x80) {
        char *hdr = strndup(body, len);
        if (!hdr)
            return 0;
        sigv4_auth a;
        if (sigv4_parse_authorization(hdr, &a) == 0) {
            if (strnlen(a.signature, sizeof a.signature) != 64 || !a.access_key_id[0])
                abort();
        }
        free(hdr);
        return 0;
    }
    static const aws_protocol protos[] = { AWS_PROTO_QUERY, AWS_PROTO_EC2, AWS_PROTO_JSON_1_0, AWS_PROTO_JSON_1_1 };
    aws_error err;
    memset(&err, 0, sizeof err);
    aws_error_headers h = { 0 };
    if (sel & 0x10)
        h.error_type = "Fuzz:http://internal.example/";
    long status = (sel & 0x20) ? 500 : 400;
    aws_errors_decode(protos[sel & 3], status, body, len, &h, &err);
    check_clean(err.code, sizeof err.code);
    check_clean(err.message, sizeof err.message);
    check_clean(err.request_id, sizeof err.request_id);
    return 0;
}
