/* aws_errors.h — decoding AWS error answers (any status >= 300) into aws_error:
 * the Query XML envelope, the EC2 XML envelope, JSON 1.0/1.1 (__type, x-amzn-ErrorType)
 * and whatever else a proxy may answer (HTML, empty). Never trusts the body. */
#ifndef TARMAC_AWS_ERRORS_H
#define TARMAC_AWS_ERRORS_H

#include <stddef.h>

#include "aws/aws.h"

#define AWS_ERROR_BODY_MAX (256u * 1024u) /* bytes of an error body looked at */

typedef struct aws_error_headers {
    const char *request_id;  /* x-amzn-RequestId / x-amz-request-id, or NULL */
    const char *error_type;  /* x-amzn-ErrorType, or NULL */
    const char *query_error; /* x-amzn-query-error "Code;Sender", or NULL */
} aws_error_headers;

/* Fills err's http_status, code, message and request_id (other fields untouched). */
void aws_errors_decode(aws_protocol proto, long status, const char *body, size_t len, const aws_error_headers *hdrs,
                       aws_error *err);

/* Copies untrusted text into dst: control characters (C0, DEL, C1) become spaces,
 * runs of spaces fold, invalid UTF-8 is dropped, and the cut never splits a character. */
void aws_errors_clean_text(char *dst, size_t cap, const char *src, size_t len);

#endif
