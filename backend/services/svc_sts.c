/* svc_sts.c — STS GetCallerIdentity (Query protocol): which account and principal
 * the credentials belong to, shown in the header and checked before deploys. */
#include <stddef.h>
#include <stdlib.h>

#include "services/services.h"
#include "aws/xml.h"

static const xml_field identity_rows[] = {
    XML_F("UserId", XML_STR, caller_identity, user_id),
    XML_F("Account", XML_STR, caller_identity, account),
    XML_F("Arn", XML_STR, caller_identity, arn),
};

static int identity_end(void *ud, const char *path, const char *text)
{
    return xml_fields_apply(identity_rows, ARRAY_LEN(identity_rows), ud, path, text) < 0 ? -1 : 0;
}

int sts_decode_caller_identity(const char *body, size_t len, caller_identity *out, aws_error *err)
{
    static const xml_handler h = { "sts", "GetCallerIdentity", "GetCallerIdentityResponse", "GetCallerIdentityResult",
                                   NULL,  identity_end };
    if (xml_decode(&h, body, len, out, err) != 0)
        return -1;
    if (!out->account) {
        xml_error(err, &h, "no Account in the answer");
        return -1;
    }
    return 0;
}

typedef struct sts_call {
    caller_identity identity;
    sts_identity_fn done;
    void *ud;
} sts_call;

static void identity_done(aws_client *c, const aws_response *resp, const aws_error *err, void *ud)
{
    sts_call *sc = ud;
    aws_error derr;
    if (!err && sts_decode_caller_identity(resp->body, resp->body_len, &sc->identity, &derr) != 0) {
        derr.http_status = (int)resp->http_status;
        str_copy(derr.request_id, sizeof(derr.request_id), resp->request_id ? resp->request_id : "");
        err = &derr;
    }
    sc->done(c, &sc->identity, err, sc->ud);
    free(sc);
}

int svc_sts_get_caller_identity(aws_client *c, sts_identity_fn done, void *ud, aws_error *err)
{
    sts_call *sc = xcalloc(1, sizeof(*sc));
    sc->done = done;
    sc->ud = ud;
    aws_request req = { .svc = &AWS_SVC_STS, .operation = "GetCallerIdentity", .body = "", .body_len = 0 };
    if (aws_call(c, &req, identity_done, sc, err) != 0) {
        free(sc);
        return -1;
    }
    return 0;
}
