/* cmd_creds.c — `tarmac creds`: resolves credentials and region exactly as every
 * other command does and prints the access key id, region, source (botocore's
 * method names) and expiration — for debugging a profile, never the secret or the
 * session token. --list-profiles prints the profile names of the shared files. */
#include "cmd_creds.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "creds/creds_provider.h"
#include "sanitize.h"

static int list_profiles(void)
{
    strvec names = {0};
    strbuf err;
    sb_init(&err);
    int rc = EXIT_OK;
    if (creds_list_profiles(&names, &err) != 0) {
        cli_error("%s", err.buf);
        rc = EXIT_USAGE;
    }
    for (size_t i = 0; i < names.n; i++)
        cli_say("%s", names.items[i]);   /* section names are text from a file: made inert */
    strvec_free(&names);
    sb_free(&err);
    return rc;
}

int cmd_creds(cli_globals *g)
{
    bool list = false;
    for (size_t i = 0; i < g->args.n; i++) {
        if (!strcmp(g->args.items[i], "--list-profiles")) {
            list = true;
        } else {
            cli_error("creds: unexpected argument '%.64s' (usage: tarmac creds [--profile P] "
                      "[--region R] [--json] [--list-profiles])", g->args.items[i]);
            return EXIT_USAGE;
        }
    }
    if (list)
        return list_profiles();
    int bad = cli_check_endpoint_url(g);
    if (bad)
        return bad;
    creds_request req = {.profile = g->profile, .region = g->region};
    strbuf err;
    sb_init(&err);
    char *region = NULL;
    region_resolve(&req, &region, &err);   /* no region is not an error here: shown as none */
    sb_reset(&err);
    req.region = region;
    creds_hooks hooks = {.endpoint_url = g->endpoint_url};   /* STS and the SSO portal, as every command */
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
    if (g->json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "profile", json_object_new_string(profile));
        json_object_object_add(o, "access_key_id", json_object_new_string(cr.access_key_id));
        json_object_object_add(o, "region", region ? json_object_new_string(region) : NULL);
        json_object_object_add(o, "source", json_object_new_string(cr.source ? cr.source : ""));
        json_object_object_add(o, "expiration", exp[0] ? json_object_new_string(exp) : NULL);
        json_object_object_add(o, "temporary", json_object_new_boolean(cr.session_token != NULL));
        cli_put_json(stdout, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
    } else {
        /* The profile is a flag or a file's, the key id a server's: each line made inert. */
        cli_say("profile:       %s", profile);
        cli_say("access key id: %s", cr.access_key_id);
        cli_say("region:        %s", region ? region : "(none)");
        cli_say("source:        %s", cr.source ? cr.source : "");
        cli_say("expiration:    %s", exp[0] ? exp : "(does not expire)");
        cli_say("session token: %s", cr.session_token ? "yes (temporary credentials)" : "no");
    }
    aws_credentials_free(&cr);
    sb_free(&err);
    free(region);
    return EXIT_OK;
}
