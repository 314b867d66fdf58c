/* credentials.c — see credentials.h. */
#include "aws/credentials.h"

#include <stdlib.h>
#include <string.h>

void aws_credentials_copy(aws_credentials *dst, const aws_credentials *src)
{
    dst->access_key_id = xstrdup(src->access_key_id);
    dst->secret_access_key = xstrdup(src->secret_access_key);
    dst->session_token = xstrdup(src->session_token);
    dst->expiration = src->expiration;
    dst->source = xstrdup(src->source);
}

void aws_credentials_free(aws_credentials *c)
{
    if (!c)
        return;
    free(c->access_key_id);
    secret_free(c->secret_access_key);
    secret_free(c->session_token);
    free(c->source);
    memset(c, 0, sizeof *c);
}

/* The first control character (below 0x20, or DEL) in s, or NULL. */
static const char *control_char(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return s;
    return NULL;
}

int aws_credentials_check(const aws_credentials *c, const char *from, strbuf *err)
{
    if (!from)
        from = "a credential source";
    if (!c || str_empty(c->access_key_id) || str_empty(c->secret_access_key)) {
        sb_printf(err, "the credentials from %s have no access key id or no secret", from);
        return -1;
    }
    const struct {
        const char *name, *value;
    } fields[] = {
        { "access key id", c->access_key_id },
        { "secret access key", c->secret_access_key },
        { "session token", c->session_token },
    };
    for (size_t i = 0; i < ARRAY_LEN(fields); i++)
        if (control_char(fields[i].value)) {
            sb_printf(err,
                      "the credentials from %s hold a control character in the %s: refusing them "
                      "(AWS never sends one; a line break would add headers to every signed request)",
                      from, fields[i].name);
            return -1;
        }
    return 0;
}
