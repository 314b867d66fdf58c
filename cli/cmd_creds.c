/* cmd_creds.c — `tarmac creds`: resolves credentials and region exactly as every
 * other command does and prints the access key id, region, source (botocore's
 * method names), expiration, and the identity they are (sts GetCallerIdentity: the
 * account and ARN) — for debugging a profile, never the secret or the session
 * token. --list-profiles prints the profile names of the shared files. */
#include "cmd_creds.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "creds/creds.h"
#include "creds/creds_provider.h"
#include "services/services.h"
#include "sanitize.h"

static int list_profiles(void)
{
    strvec names = { 0 };
    strbuf err;
    sb_init(&err);
    int rc = EXIT_OK;
    if (creds_list_profiles(&names, &err) != 0) {
        cli_error("%s", err.buf);
        rc = EXIT_USAGE;
    }
    for (size_t i = 0; i < names.n; i++)
        cli_say("%s", names.items[i]); /* section names are text from a file: made inert */
    strvec_free(&names);
    sb_free(&err);
    return rc;
}

typedef struct identity_answer {
    bool done;
    caller_identity id;
    char error[320];
} identity_answer;

static void on_identity(aws_client *c, caller_identity *res, const aws_error *err, void *ud)
{
    (void)c;
    identity_answer *a = ud;
    a->done = true;
    if (err)
        aws_error_format(err, a->error, sizeof a->error);
    else
        a->id = *res;
}

/* Who the credentials are (sts GetCallerIdentity, through --endpoint-url as every
 * call): 0 with *a filled, or -1 with a->error. Blocking: nothing else runs here. */
static int read_identity(const cli_globals *g, const creds_request *req, const char *region, const aws_credentials *cr,
                         identity_answer *a)
{
    aws_client_config cc = {
        .region = region,
        .endpoint_url = g->endpoint_url,
        .profile = creds_profile_name(req),
        .endpoint_profile = creds_endpoint_profile,
        .credentials = cr,
    };
    aws_error aerr = { 0 };
    aws_client *c = aws_client_new(&cc, &aerr);
    if (!c) {
        aws_error_format(&aerr, a->error, sizeof a->error);
        return -1;
    }
    if (svc_sts_get_caller_identity(c, on_identity, a, &aerr) != 0)
        aws_error_format(&aerr, a->error, sizeof a->error);
    else
        aws_client_run_until_idle(c); /* the client's own timeouts and retries bound it */
    aws_client_free(c);
    if (!a->done && !a->error[0])
        snprintf(a->error, sizeof a->error, "no answer from STS");
    return a->error[0] ? -1 : 0;
}

int cmd_creds(cli_globals *g)
{
    bool list = false;
    for (size_t i = 0; i < g->args.n; i++) {
        if (!strcmp(g->args.items[i], "--list-profiles")) {
            list = true;
        } else {
            cli_error("creds: unexpected argument '%.64s' (usage: tarmac creds [--profile P] "
                      "[--region R] [--json] [--list-profiles])",
                      g->args.items[i]);
            return EXIT_USAGE;
        }
    }
    if (list)
        return list_profiles();
    int bad = cli_check_endpoint_url(g);
    if (bad)
        return bad;
    creds_request req = { .profile = g->profile, .region = g->region };
    strbuf err;
    sb_init(&err);
    char *region = NULL;
    region_resolve(&req, &region, &err); /* no region is not an error here: shown as none */
    sb_reset(&err);
    req.region = region;
    creds_hooks hooks = { .endpoint_url = g->endpoint_url }; /* STS and the SSO portal, as every command */
    aws_credentials cr;
    if (creds_resolve_ex(&req, &hooks, &cr, &err) != 0) {
        cli_error("%s", err.buf);
        sb_free(&err);
        free(region);
        return EXIT_AWS;
    }
    char exp[40] = "";
    time_format_iso8601(cr.expiration, exp, sizeof exp);
    const char *profile = creds_profile_name(&req);
    identity_answer who = { 0 };
    /* The exit status says whether the credentials resolve; whether AWS takes them
     * is the identity's line (a debugging aid must work offline too). */
    read_identity(g, &req, region, &cr, &who);
    if (g->json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "profile", json_object_new_string(profile));
        json_object_object_add(o, "access_key_id", json_object_new_string(cr.access_key_id));
        json_object_object_add(o, "region", region ? json_object_new_string(region) : NULL);
        json_object_object_add(o, "source", json_object_new_string(cr.source ? cr.source : ""));
        json_object_object_add(o, "expiration", exp[0] ? json_object_new_string(exp) : NULL);
        json_object_object_add(o, "temporary", json_object_new_boolean(cr.session_token != NULL));
        json_object_object_add(o, "account", who.id.account ? json_object_new_string(who.id.account) : NULL);
        json_object_object_add(o, "arn", who.id.arn ? json_object_new_string(who.id.arn) : NULL);
        json_object_object_add(o, "user_id", who.id.user_id ? json_object_new_string(who.id.user_id) : NULL);
        if (who.error[0])
            json_object_object_add(o, "identity_error", json_object_new_string(who.error));
        cli_put_json(stdout,
                     json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
    } else {
        /* The profile is a flag or a file's, the key id a server's: each line made inert. */
        cli_say("profile:       %s", profile);
        cli_say("access key id: %s", cr.access_key_id);
        cli_say("region:        %s", region ? region : "(none)");
        cli_say("source:        %s", cr.source ? cr.source : "");
        cli_say("expiration:    %s", exp[0] ? exp : "(does not expire)");
        cli_say("session token: %s", cr.session_token ? "yes (temporary credentials)" : "no");
        if (who.error[0]) {
            cli_say("identity:      could not be read: sts GetCallerIdentity: %s", who.error);
        } else {
            cli_say("account:       %s", who.id.account ? who.id.account : "");
            cli_say("identity:      %s", who.id.arn ? who.id.arn : "");
        }
    }
    caller_identity_free(&who.id);
    aws_credentials_free(&cr);
    sb_free(&err);
    free(region);
    return EXIT_OK;
}
