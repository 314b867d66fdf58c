/* sts.c — the simulator's STS (see sts.h): validation as AWS answers it
 * (ValidationError, AccessDenied, InvalidIdentityToken), fresh random keys per
 * session from the world's PRNG, and the credential store auth.c looks keys up in. */
#include "sts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "world_int.h"

#define STS_MAX_SESSIONS 4096 /* oldest sessions are dropped beyond this */

static void session_free(w_session *s)
{
    free(s->access_key_id);
    secret_free(s->secret_access_key);
    secret_free(s->session_token);
    free(s->role_arn);
    free(s->session_name);
    free(s->account_id);
}

void w_sts_free(sim_world *w)
{
    for (size_t i = 0; i < w->sessions.n; i++)
        session_free(&w->sessions.items[i]);
    VEC_FREE(w->sessions);
}

const w_session *w_sts_find_token(const sim_world *w, const char *akid, const char *token)
{
    if (!akid)
        return NULL;
    aws_time now = time_now_ms();
    const w_session *newest = NULL;
    for (size_t i = w->sessions.n; i-- > 0;) { /* newest last */
        const w_session *s = &w->sessions.items[i];
        if (!str_eq(s->access_key_id, akid) || s->expiration <= now) /* expired: unknown to auth */
            continue;
        if (!token || str_eq(s->session_token, token))
            return s;
        if (!newest)
            newest = s;
    }
    return newest;
}

const w_session *w_sts_find(const sim_world *w, const char *akid)
{
    return w_sts_find_token(w, akid, NULL);
}

bool sts_unsigned_operation(const char *service, const char *op)
{
    return service && op &&
        ((str_eq(service, "sts") && str_eq(op, "AssumeRoleWithWebIdentity")) ||
         (str_eq(service, "awsssoportal") && str_eq(op, "GetRoleCredentials")));
}

static bool name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 2 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+=,.@-", s[i]))
            return false;
    return true;
}

/* arn:aws:iam::123456789012:role/path/name → account, or false. */
static bool role_account(const char *arn, char account[13])
{
    if (!arn || strlen(arn) > 2048 || strncmp(arn, "arn:aws:iam::", 13))
        return false;
    const char *a = arn + 13;
    if (strspn(a, "0123456789") != 12 || strncmp(a + 12, ":role/", 6) || !a[18])
        return false;
    memcpy(account, a, 12);
    account[12] = '\0';
    return true;
}

static void rand_chars(sim_world *w, char *out, size_t n, const char *alphabet)
{
    size_t k = strlen(alphabet);
    for (size_t i = 0; i < n; i++)
        out[i] = alphabet[w_rand_range(w, (int)k)];
    out[n] = '\0';
}

sim_error sts_assume(sim_world *w, const sts_assume_input *in, const char **out_akid)
{
    char account[13];
    if (!in->role_arn)
        return w_err("ValidationError", 400,
                     "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must "
                     "not be null");
    if (!role_account(in->role_arn, account))
        return w_err("ValidationError", 400, "%s is invalid", "RoleArn");
    if (!name_ok(in->session_name))
        return w_err("ValidationError", 400,
                     "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member "
                     "must have length between 2 and 64 and match [\\w+=,.@-]*");
    long dur = 3600;
    if (in->duration) {
        char *end = NULL;
        dur = strtol(in->duration, &end, 10);
        if (!*in->duration || *end || dur < 900 || dur > 43200)
            return w_err("ValidationError", 400,
                         "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
    }
    if (in->external_id && (strlen(in->external_id) < 2 || strlen(in->external_id) > 1224))
        return w_err("ValidationError", 400, "%s", "ExternalId must have length between 2 and 1224");
    if (in->serial_number &&
        (!in->token_code || strlen(in->token_code) != 6 || strspn(in->token_code, "0123456789") != 6))
        return w_err("AccessDenied", 403, "%s",
                     "MultiFactorAuthentication failed with invalid MFA one time pass code.");
    if (in->web_identity_token && !*in->web_identity_token)
        return w_err("InvalidIdentityToken", 400, "%s",
                     "Couldn't retrieve verification key from your identity provider");
    if (w->sc && w->sc->session_duration > 0)
        dur = w->sc->session_duration;
    aws_time now = time_now_ms();
    size_t kept = 0;
    for (size_t i = 0; i < w->sessions.n; i++) { /* drop the expired ones */
        w_session *o = &w->sessions.items[i];
        if (o->expiration > now)
            w->sessions.items[kept++] = *o;
        else
            session_free(o);
    }
    w->sessions.n = kept;
    if (w->sessions.n >= STS_MAX_SESSIONS) {
        session_free(&w->sessions.items[0]);
        memmove(&w->sessions.items[0], &w->sessions.items[1], (w->sessions.n - 1) * sizeof(w_session));
        w->sessions.n--;
    }
    /* The key id is a function of (caller, role, session name): two clients that
     * assume the same role the same way get the same id (tests compare them); the
     * secret and token are fresh each time, and the earlier sessions stay valid
     * until they expire, as AWS's do (a client renewing early still has calls in
     * flight signed with the previous ones). */
    char buf[400];
    uint64_t h = 1469598103934665603ull;
    const char *parts[] = { in->caller ? in->caller : "", in->role_arn, in->session_name,
                            in->web_identity_token ? "web" : "role" };
    for (size_t i = 0; i < ARRAY_LEN(parts); i++)
        for (const char *p = parts[i];; p++) {
            h = (h ^ (unsigned char)*p) * 1099511628211ull;
            if (!*p)
                break;
        }
    memcpy(buf, "ASIASIM", 7);
    for (int i = 0; i < 13; i++, h >>= 5)
        buf[7 + i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[h & 31];
    buf[20] = '\0';
    w_session *s = VEC_NEW(w->sessions);
    memset(s, 0, sizeof *s);
    w->session_seq++;
    s->access_key_id = xstrdup(buf);
    rand_chars(w, buf, 40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
    s->secret_access_key = xstrdup(buf);
    memcpy(buf, "IQoJsim", 7);
    rand_chars(w, buf + 7, 150, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
    s->session_token = xstrdup(buf);
    secret_wipe(buf, sizeof buf);
    s->role_arn = xstrdup(in->role_arn);
    s->session_name = xstrdup(in->session_name);
    s->account_id = xstrdup(account);
    s->expiration = (time_now_ms() / 1000 + dur) * 1000;
    *out_akid = s->access_key_id;
    return w_okv();
}

void sts_encode(const sim_world *w, strbuf *sb, const char *op, const char *akid, const char *rid)
{
    const w_session *s = w_sts_find(w, akid);
    enc_query_begin(sb, op, SIM_NS_STS);
    if (s) {
        sb_append(sb, "<Credentials>");
        enc_xml_text(sb, "AccessKeyId", s->access_key_id);
        enc_xml_text(sb, "SecretAccessKey", s->secret_access_key);
        enc_xml_text(sb, "SessionToken", s->session_token);
        enc_xml_time(sb, "Expiration", s->expiration);
        sb_append(sb, "</Credentials><AssumedRoleUser>");
        const char *slash = strrchr(s->role_arn, '/');
        char arn[2300];
        snprintf(arn, sizeof arn, "arn:aws:sts::%s:assumed-role/%s/%s", s->account_id, slash ? slash + 1 : s->role_arn,
                 s->session_name);
        enc_xml_text(sb, "Arn", arn);
        snprintf(arn, sizeof arn, "AROA%.16s:%s", s->access_key_id + 4, s->session_name);
        enc_xml_text(sb, "AssumedRoleId", arn);
        sb_append(sb, "</AssumedRoleUser>");
        if (str_eq(op, "AssumeRoleWithWebIdentity")) {
            enc_xml_text(sb, "SubjectFromWebIdentityToken", "sim-subject");
            enc_xml_text(sb, "Audience", "sts.amazonaws.com");
        }
    }
    enc_query_end(sb, op, rid);
}

sim_error sts_sso_role_credentials(sim_world *w, const char *bearer, const char *account_id, const char *role_name,
                                   strbuf *body)
{
    if (str_empty(bearer) || !strncmp(bearer, "expired", 7))
        return w_err("UnauthorizedException", 401, "%s", "Session token not found or invalid");
    if (!account_id || strlen(account_id) != 12 || strspn(account_id, "0123456789") != 12)
        return w_err("InvalidRequestException", 400, "%s", "accountId must be 12 digits");
    if (str_empty(role_name) || strlen(role_name) > 64)
        return w_err("InvalidRequestException", 400, "%s", "roleName is required");
    char arn[128];
    snprintf(arn, sizeof arn, "arn:aws:iam::%s:role/%s", account_id, role_name);
    sts_assume_input in = { .caller = bearer, .role_arn = arn, .session_name = "sso-portal" };
    const char *akid = NULL;
    sim_error e = sts_assume(w, &in, &akid);
    if (!sim_ok(&e))
        return e;
    const w_session *s = w_sts_find(w, akid);
    json_object *rc = json_object_new_object();
    json_object_object_add(rc, "accessKeyId", json_object_new_string(s->access_key_id));
    json_object_object_add(rc, "secretAccessKey", json_object_new_string(s->secret_access_key));
    json_object_object_add(rc, "sessionToken", json_object_new_string(s->session_token));
    json_object_object_add(rc, "expiration", json_object_new_int64(s->expiration));
    json_object *o = json_object_new_object();
    json_object_object_add(o, "roleCredentials", rc);
    sb_append(body, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return w_okv();
}
