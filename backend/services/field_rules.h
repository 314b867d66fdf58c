/* field_rules.h — the shapes of the AWS identifiers tarmac takes from answers and
 * hands on: one table of field patterns (POSIX extended regular expressions, or a
 * rule of ecr_rules.c), used wherever a value must be exactly what AWS says such a
 * field is before it goes anywhere a stray byte would do harm — a digest put into a
 * request and a printed command, an id put on the clipboard. Pure functions. */
#ifndef TARMAC_FIELD_RULES_H
#define TARMAC_FIELD_RULES_H

#include <stdbool.h>

typedef enum field_kind {
    FIELD_INSTANCE_ID,  /* i- and 8 to 17 hex digits (EC2 resource ids) */
    FIELD_IMAGE_DIGEST, /* sha256: and 64 hex digits (ECR ImageIdentifier.imageDigest) */
    FIELD_IMAGE_TAG,    /* ecr_tag_valid() */
    FIELD_UUID,         /* an instance refresh or scaling activity id */
    FIELD_ARN,          /* arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE */
    FIELD_ASG_NAME,     /* ASCII 33..126 but ':', 1..255 */
    FIELD_IP_ADDRESS,   /* an IPv4 or IPv6 address (a target of type ip) */
    FIELD_REQUEST_ID,   /* an AWS request id */
    FIELD_NOTE_ID,      /* tarmac's own Activity rows: tarmac:PLAN-ID:N */
    FIELD_COUNT
} field_kind;

/* True when s (NUL-terminated) has the shape of kind. NULL and "" never do. */
bool field_valid(field_kind kind, const char *s);

/* "an EC2 instance id (i- and 8 to 17 hexadecimal digits)": for messages. */
const char *field_what(field_kind kind);

#endif
