/* set_identity.c — who we are: sts GetCallerIdentity, once and then every ten minutes. */
#include "watch/watch_int.h"

ONE_CALL_SET(on_identity, caller_identity, identity, caller_identity_free, WS_IDENTITY)

static bool start_identity(watch *w)
{
    aws_error err;
    poll_ctx *x = watch_ctx_new(w, WS_IDENTITY);
    if (svc_sts_get_caller_identity(w->client, on_identity, x, &err) != 0)
        watch_fail_start(w, x, &err);
    return true;
}

static void drop_identity(watch *w)
{
    caller_identity_free(&w->s.identity);
    memset(&w->s.identity, 0, sizeof w->s.identity);
}

const set_def watch_set_def_identity = {
    "identity", start_identity, drop_identity, .fixed_ms = 10 * MINUTE_MS, .always_shown = true,
};
