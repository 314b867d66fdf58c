/* field_rules.c — one table of AWS field shapes (field_rules.h). The sources:
 * - instance ids: "Resource IDs" in the EC2 user guide (i- and 8 or 17 characters,
 *   lower-case hexadecimal);
 * - digests: ECR's ImageIdentifier ("the sha256 digest of the image manifest"), as
 *   the OCI image spec writes it (algorithm, ':', lower-case hex);
 * - Auto Scaling group names: CreateAutoScalingGroup ("any ASCII character 33 to 126
 *   ... You cannot use a colon (:) in the name", at most 255);
 * - ARNs: "IAM identifiers" (arn:partition:service:region:account-id:resource);
 * - targets: RegisterTargets (an instance id, an IP address, or a Lambda / ALB ARN).
 * Every pattern is ASCII: a value with anything else (a space, a control character,
 * a byte above 0x7e) is refused before the expression is even tried, so the locale
 * never changes what matches. */
#include "services/field_rules.h"

#include <arpa/inet.h>
#include <regex.h>
#include <string.h>

#include "services/ecr_rules.h"
#include "util.h"

typedef struct field_rule {
    const char *what;
    size_t max_len;
    const char *pattern; /* anchored ERE, or NULL when check says */
    bool (*check)(const char *s);
} field_rule;

static bool tag_ok(const char *s)
{
    return ecr_tag_valid(s, NULL, 0);
}

static bool ip_ok(const char *s)
{
    unsigned char addr[16];
    return inet_pton(AF_INET, s, addr) == 1 || inet_pton(AF_INET6, s, addr) == 1;
}

#define HEX     "[0-9a-f]"
#define UUID_RE "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

static const field_rule rules[FIELD_COUNT] = {
    [FIELD_INSTANCE_ID] = { "an EC2 instance id (i- and 8 to 17 hexadecimal digits)", 19, "^i-" HEX "{8,17}$", NULL },
    [FIELD_IMAGE_DIGEST] = { "an image digest (sha256: and 64 hexadecimal digits)", 71, "^sha256:" HEX "{64}$", NULL },
    [FIELD_IMAGE_TAG] = { "an ECR image tag ([A-Za-z0-9_][A-Za-z0-9_.-]*, at most 128)", 128, NULL, tag_ok },
    [FIELD_UUID] = { "an id (a UUID)", 36, "^" UUID_RE "$", NULL },
    [FIELD_ARN] = { "an ARN (arn:partition:service:region:account:resource)", 2048,
                    "^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:([0-9]{12})?:[A-Za-z0-9/_.:+=@,-]+$", NULL },
    [FIELD_ASG_NAME] = { "an Auto Scaling group name (ASCII 33 to 126 but ':', at most 255)", 255, "^[!-9;-~]+$",
                         NULL },
    [FIELD_IP_ADDRESS] = { "an IP address", 45, NULL, ip_ok },
    [FIELD_REQUEST_ID] = { "a request id (letters, digits and - _ . : / + =)", 200, "^[A-Za-z0-9][A-Za-z0-9._:/+=-]*$",
                           NULL },
    [FIELD_NOTE_ID] = { "a tarmac activity id (tarmac:PLAN-ID:N)", 64,
                        "^tarmac:p-[0-9]{8}T[0-9]{6}Z-" HEX "{6}:[0-9]{1,6}$", NULL },
};

/* Compiled on first use, kept for the life of the process. */
static regex_t compiled[FIELD_COUNT];
static bool is_compiled[FIELD_COUNT];

static bool printable_ascii(const char *s, size_t max_len)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (n >= max_len || (unsigned char)s[n] < 0x21 || (unsigned char)s[n] > 0x7e)
            return false;
    return n > 0;
}

bool field_valid(field_kind kind, const char *s)
{
    if ((unsigned)kind >= FIELD_COUNT || !s)
        return false;
    const field_rule *r = &rules[kind];
    if (!printable_ascii(s, r->max_len))
        return false;
    if (r->check)
        return r->check(s);
    if (!is_compiled[kind]) {
        if (regcomp(&compiled[kind], r->pattern, REG_EXTENDED | REG_NOSUB) != 0)
            util_fatal("field_rules: a pattern does not compile");
        is_compiled[kind] = true;
    }
    return regexec(&compiled[kind], s, 0, NULL, 0) == 0;
}

const char *field_what(field_kind kind)
{
    return (unsigned)kind < FIELD_COUNT ? rules[kind].what : "a value";
}
