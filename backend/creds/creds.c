/* creds.c — AWS credentials and region resolved the way botocore (and so the AWS
 * CLI) does: a table of providers walked in order, the shared INI files read with
 * configparser's rules, one-line errors that say what to set and never hold a secret. */
#include "creds/creds_int.h"

#include "aws/endpoints.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define INI_MAX_BYTES (256u << 10) /* beyond 256 KiB it is not a credentials file; the duplicate checks are quadratic */

/* ---- INI files, parsed as Python's configparser.RawConfigParser does ----
 * Sections "[name]"; "key = value" or "key: value" (first delimiter wins); keys
 * lower-cased, values stripped; full-line comments with # or ; (no inline comments);
 * a line indented deeper than its key continues the value, which is how nested
 * sub-sections ("s3 =\n  key = value") arrive. A duplicate section or key, a key
 * outside any section or a line without a delimiter makes the whole file invalid. */

typedef struct ini_kv {
    char *key;
    char *value; /* may be a secret: wiped on free */
} ini_kv;

typedef struct ini_section {
    char *name;
    VEC(ini_kv) kv;
} ini_section;

typedef struct ini_file {
    char path[1024];
    bool present;
    VEC(ini_section) sections;
} ini_file;

static void ini_free(ini_file *f)
{
    for (size_t i = 0; i < f->sections.n; i++) {
        ini_section *s = &f->sections.items[i];
        for (size_t j = 0; j < s->kv.n; j++) {
            free(s->kv.items[j].key);
            secret_free(s->kv.items[j].value);
        }
        VEC_FREE(s->kv);
        free(s->name);
    }
    VEC_FREE(f->sections);
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static void strip(const char **s, size_t *n)
{
    while (*n && is_blank(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && is_blank((*s)[*n - 1]))
        (*n)--;
}

static const char *ini_get(const ini_section *s, const char *key)
{
    if (!s)
        return NULL;
    for (size_t i = 0; i < s->kv.n; i++)
        if (!strcmp(s->kv.items[i].key, key))
            return s->kv.items[i].value;
    return NULL;
}

/* Parses text into f; returns -1 with "PATH:LINE: reason" in err. Lines are never
 * quoted back: they may hold keys. */
static int ini_parse(ini_file *f, const char *text, size_t len, strbuf *err)
{
    ini_section *cur = NULL;
    ini_kv *opt = NULL; /* the option a deeper-indented line continues */
    strbuf val;         /* the value being collected for opt */
    size_t indent_level = 0;
    int lineno = 0;
    const char *p = text, *end = text + len;
    sb_init(&val);

    while (p < end) {
        const char *eol = p;
        while (eol < end && *eol != '\n')
            eol++;
        const char *line = p;
        size_t n = (size_t)(eol - p);
        p = eol < end ? eol + 1 : end;
        lineno++;

        size_t indent = 0;
        while (indent < n && is_blank(line[indent]))
            indent++;
        const char *t = line;
        size_t tn = n;
        strip(&t, &tn);
        if (tn == 0 || t[0] == '#' || t[0] == ';')
            continue; /* blank and comment lines do not end a continued value */
        if (opt && indent > indent_level) {
            sb_appendc(&val, '\n');
            sb_appendn(&val, t, tn);
            continue;
        }
        if (opt) {
            secret_free(opt->value);
            opt->value = xstrndup(val.buf, val.len);
            opt = NULL;
        }
        indent_level = indent;

        if (t[0] == '[') {
            const char *close = NULL;
            for (size_t i = tn; i-- > 1;)
                if (t[i] == ']') {
                    close = t + i;
                    break;
                }
            if (close && close > t + 1) {
                char *name = xstrndup(t + 1, (size_t)(close - t - 1));
                for (size_t i = 0; i < f->sections.n; i++)
                    if (!strcmp(f->sections.items[i].name, name)) {
                        free(name);
                        sb_printf(err, "%s:%d: section appears twice", f->path, lineno);
                        goto fail;
                    }
                cur = VEC_NEW(f->sections);
                cur->name = name;
                continue;
            }
        }
        if (!cur) {
            sb_printf(err, "%s:%d: a setting before any [section] header", f->path, lineno);
            goto fail;
        }
        size_t d = 0;
        while (d < tn && t[d] != '=' && t[d] != ':')
            d++;
        const char *k = t, *v = t + d + 1;
        size_t kn = d, vn = d < tn ? tn - d - 1 : 0;
        strip(&k, &kn);
        strip(&v, &vn);
        if (d == tn || kn == 0) {
            sb_printf(err, "%s:%d: expected \"name = value\"", f->path, lineno);
            goto fail;
        }
        char *key = xstrndup(k, kn);
        for (char *c = key; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        if (ini_get(cur, key)) {
            /* the name is not quoted back: a pasted secret can look like "name=" */
            sb_printf(err, "%s:%d: a setting appears twice in [%.64s]", f->path, lineno, cur->name);
            free(key);
            goto fail;
        }
        opt = VEC_NEW(cur->kv);
        opt->key = key;
        opt->value = xstrndup(v, vn);
        sb_reset(&val);
        sb_appendn(&val, v, vn);
    }
    if (opt) {
        secret_free(opt->value);
        opt->value = xstrndup(val.buf, val.len);
    }
    sb_wipe_free(&val);
    return 0;
fail:
    sb_wipe_free(&val);
    return -1;
}

/* "~/x" → "$HOME/x", as botocore's expanduser. */
static void expand_path(const char *in, char *out, size_t cap)
{
    const char *home = getenv("HOME");
    if (in[0] == '~' && (in[1] == '/' || in[1] == '\0') && !str_empty(home))
        snprintf(out, cap, "%s%s", home, in + 1);
    else
        snprintf(out, cap, "%s", in);
}

/* A missing file, or one that is not a regular file (/dev/null, a FIFO), is an empty
 * one, as botocore has it; a malformed or oversized one is an error. */
static int ini_load(ini_file *f, const char *env_var, const char *default_path, strbuf *err)
{
    memset(f, 0, sizeof *f);
    const char *given = getenv(env_var);
    expand_path(str_empty(given) ? default_path : given, f->path, sizeof f->path);
    strbuf text, why;
    sb_init(&text);
    sb_init(&why);
    int rc = 0;
    file_read_rc r = file_read_bounded(f->path, INI_MAX_BYTES, &text, &why);
    if (r == FILE_READ_TOO_LARGE) {
        sb_printf(err, "%s: file is larger than %u bytes", f->path, INI_MAX_BYTES);
        rc = -1;
    } else if (r != FILE_READ_OK) {
        rc = 0; /* missing, unreadable or not a file: nothing in it */
    } else if (memchr(text.buf, '\0', text.len)) {
        sb_printf(err, "%s: not a text file", f->path);
        rc = -1;
    } else {
        f->present = true;
        rc = ini_parse(f, text.buf, text.len, err);
    }
    sb_wipe_free(&text);
    sb_free(&why);
    if (rc)
        ini_free(f);
    return rc;
}

/* botocore reads "[profile NAME]" with shlex.split and keeps it only when it splits
 * into exactly two words; the result is the profile name. */
static bool config_section_profile(const char *section, char *out, size_t cap)
{
    if (!strcmp(section, "default"))
        return str_copy(out, cap, "default");
    if (strncmp(section, "profile", 7))
        return false;
    strbuf words[3];
    size_t nw = 0;
    const char *p = section;
    bool ok = true;
    while (ok) {
        while (*p && isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        if (nw == 3) {
            ok = false;
            break;
        }
        strbuf *w = &words[nw++];
        sb_init(w);
        while (*p && !isspace((unsigned char)*p)) {
            if (*p == '\'' || *p == '"') {
                char q = *p++;
                while (*p && *p != q) {
                    if (q == '"' && *p == '\\' && (p[1] == '"' || p[1] == '\\'))
                        p++;
                    sb_appendc(w, *p++);
                }
                if (!*p) {
                    ok = false; /* unbalanced quote: shlex raises, botocore skips */
                    break;
                }
                p++;
            } else if (*p == '\\' && p[1]) {
                sb_appendc(w, p[1]);
                p += 2;
            } else {
                sb_appendc(w, *p++);
            }
        }
    }
    /* like botocore, the first word is not checked beyond starting with "profile" */
    ok = ok && nw == 2 && str_copy(out, cap, words[1].buf);
    for (size_t i = 0; i < nw; i++)
        sb_free(&words[i]);
    return ok;
}

/* The last section that names the profile wins, as in botocore's dict build-up. */
static const ini_section *config_profile(const ini_file *f, const char *profile)
{
    const ini_section *found = NULL;
    char name[256];
    for (size_t i = 0; i < f->sections.n; i++)
        if (config_section_profile(f->sections.items[i].name, name, sizeof name) && !strcmp(name, profile))
            found = &f->sections.items[i];
    return found;
}

static const ini_section *creds_profile(const ini_file *f, const char *profile)
{
    for (size_t i = 0; i < f->sections.n; i++)
        if (!strcmp(f->sections.items[i].name, profile))
            return &f->sections.items[i];
    return NULL;
}

/* ---- the resolution context shared by the providers ---- */

typedef struct creds_ctx {
    const char *profile;
    bool explicit_profile; /* --profile: the environment's keys do not apply */
    ini_file creds_file, config_file;
    const ini_section *creds_sec;  /* the profile in the credentials file, or NULL */
    const ini_section *config_sec; /* the profile in the config file, or NULL */
} creds_ctx;

static void ctx_free(creds_ctx *c)
{
    ini_free(&c->creds_file);
    ini_free(&c->config_file);
}

/* A profile value as botocore's scoped config has it: the credentials file's section
 * is merged over the config file's. Nested sub-sections are not scalar values. */
static const char *ctx_value(const creds_ctx *c, const char *key)
{
    const char *v = ini_get(c->creds_sec, key);
    if (!v)
        v = ini_get(c->config_sec, key);
    return v && v[0] != '\n' ? v : NULL;
}

const char *creds_profile_name(const creds_request *req)
{
    if (req && !str_empty(req->profile))
        return req->profile;
    const char *p = getenv("AWS_PROFILE");
    if (!str_empty(p))
        return p;
    p = getenv("AWS_DEFAULT_PROFILE");
    if (!str_empty(p))
        return p;
    return "default";
}

/* Loads both files and finds the profile's sections (NULL when absent). */
static int ctx_load_files(creds_ctx *c, const creds_request *req, strbuf *err)
{
    memset(c, 0, sizeof *c);
    c->profile = creds_profile_name(req);
    c->explicit_profile = req && !str_empty(req->profile);
    if (ini_load(&c->creds_file, "AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials", err) ||
        ini_load(&c->config_file, "AWS_CONFIG_FILE", "~/.aws/config", err)) {
        ctx_free(c);
        return -1;
    }
    c->creds_sec = creds_profile(&c->creds_file, c->profile);
    c->config_sec = config_profile(&c->config_file, c->profile);
    return 0;
}

/* Loads both files and finds the profile. A named profile (other than "default")
 * found in neither file is an error, even when other sources could answer: botocore
 * refuses it too, and acting as another identity than the one asked for is worse. */
static int ctx_load(creds_ctx *c, const creds_request *req, strbuf *err)
{
    if (ctx_load_files(c, req, err))
        return -1;
    if (!c->creds_sec && !c->config_sec && strcmp(c->profile, "default")) {
        sb_printf(err, "the config profile (%.*s) could not be found in %s or %s", CREDS_NAME_SHOWN, c->profile,
                  c->creds_file.path, c->config_file.path);
        ctx_free(c);
        return -1;
    }
    return 0;
}

/* ---- the plan: which provider answers, read from the files and environment ----
 * botocore's chain: env, assume-role, assume-role-with-web-identity, sso,
 * shared-credentials-file, custom-process, config-file, container-role, iam-role.
 * Only the files are read here; creds_job.c runs the network and process steps. */

typedef enum prov_result { PROV_NONE, PROV_FOUND, PROV_ERROR } prov_result;

const char *creds_env(const char *name)
{
    const char *v = getenv(name);
    return str_empty(v) ? NULL : v;
}

/* A scalar value of any profile, credentials file over config file. */
static const char *prof_value(const creds_ctx *c, const char *profile, const char *key)
{
    const char *v = ini_get(creds_profile(&c->creds_file, profile), key);
    if (!v)
        v = ini_get(config_profile(&c->config_file, profile), key);
    return v && v[0] != '\n' ? v : NULL;
}

static bool prof_exists(const creds_ctx *c, const char *profile)
{
    return creds_profile(&c->creds_file, profile) || config_profile(&c->config_file, profile);
}

static bool prof_has_key(const creds_ctx *c, const char *profile, const char *key)
{
    return ini_get(creds_profile(&c->creds_file, profile), key) ||
        ini_get(config_profile(&c->config_file, profile), key);
}

static creds_step *plan_push(creds_plan *p, creds_step_kind kind, const char *profile)
{
    creds_step *s = VEC_NEW(p->steps);
    s->kind = kind;
    s->profile = xstrdup(profile);
    return s;
}

static void step_free(creds_step *s)
{
    free(s->profile);
    aws_credentials_free(&s->creds);
    free(s->origin);
    free(s->command);
    free(s->sso_start_url);
    free(s->sso_session);
    free(s->sso_region);
    free(s->sso_account_id);
    free(s->sso_role_name);
    free(s->role_arn);
    free(s->session_name);
    free(s->external_id);
    free(s->mfa_serial);
    free(s->token_file);
}

void creds_plan_free(creds_plan *p)
{
    for (size_t i = 0; i < p->steps.n; i++)
        step_free(&p->steps.items[i]);
    VEC_FREE(p->steps);
    free(p->source);
    free(p->profile);
    free(p->region);
    free(p->endpoint_url);
    free(p->nothing_found);
    memset(p, 0, sizeof *p);
}

static prov_result plan_env(creds_plan *p, strbuf *err)
{
    const char *akid = creds_env("AWS_ACCESS_KEY_ID");
    if (!akid)
        return PROV_NONE;
    const char *secret = creds_env("AWS_SECRET_ACCESS_KEY");
    if (!secret) {
        sb_append(err,
                  "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both "
                  "(and AWS_SESSION_TOKEN for temporary keys), or unset AWS_ACCESS_KEY_ID");
        return PROV_ERROR;
    }
    const char *token = creds_env("AWS_SESSION_TOKEN");
    if (!token)
        token = creds_env("AWS_SECURITY_TOKEN");
    aws_time exp = 0;
    const char *exps = creds_env("AWS_CREDENTIAL_EXPIRATION");
    if (exps && !time_parse_iso8601(exps, &exp)) {
        sb_append(err, "AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 time (2024-05-01T12:00:00Z)");
        return PROV_ERROR;
    }
    creds_step *s = plan_push(p, CSTEP_STATIC, p->profile);
    s->origin = xstrdup("the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)");
    s->creds.access_key_id = xstrdup(akid);
    s->creds.secret_access_key = xstrdup(secret);
    s->creds.session_token = xstrdup(token);
    s->creds.expiration = exp;
    return PROV_FOUND;
}

/* Static keys from one INI section (a file's provider). */
static prov_result plan_keys(creds_plan *p, const char *profile, const ini_section *s, const char *path, strbuf *err)
{
    const char *akid = ini_get(s, "aws_access_key_id");
    if (!akid)
        return PROV_NONE;
    const char *secret = ini_get(s, "aws_secret_access_key");
    if (str_empty(akid) || str_empty(secret) || akid[0] == '\n' || secret[0] == '\n') {
        sb_printf(err,
                  "incomplete keys for profile \"%.*s\" in %s: set both aws_access_key_id "
                  "and aws_secret_access_key",
                  CREDS_NAME_SHOWN, profile, path);
        return PROV_ERROR;
    }
    const char *token = ini_get(s, "aws_session_token");
    if (str_empty(token))
        token = ini_get(s, "aws_security_token");
    creds_step *st = plan_push(p, CSTEP_STATIC, profile);
    st->origin = xasprintf("profile \"%.*s\" in %s", CREDS_NAME_SHOWN, profile, path);
    st->creds.access_key_id = xstrdup(akid);
    st->creds.secret_access_key = xstrdup(secret);
    st->creds.session_token = str_empty(token) || token[0] == '\n' ? NULL : xstrdup(token);
    return PROV_FOUND;
}

/* Web identity: the environment (top-level chain only) over the profile. */
static prov_result plan_web_identity(const creds_ctx *c, const char *profile, bool use_env, creds_plan *p)
{
    const char *file = use_env ? creds_env("AWS_WEB_IDENTITY_TOKEN_FILE") : NULL;
    if (!file)
        file = prof_value(c, profile, "web_identity_token_file");
    const char *role = use_env ? creds_env("AWS_ROLE_ARN") : NULL;
    if (!role)
        role = prof_value(c, profile, "role_arn");
    if (!file || !role)
        return PROV_NONE;
    const char *name = use_env ? creds_env("AWS_ROLE_SESSION_NAME") : NULL;
    if (!name)
        name = prof_value(c, profile, "role_session_name");
    creds_step *s = plan_push(p, CSTEP_WEB_IDENTITY, profile);
    char path[1024];
    expand_path(file, path, sizeof path);
    s->token_file = xstrdup(path);
    s->role_arn = xstrdup(role);
    s->session_name = xstrdup(name);
    return PROV_FOUND;
}

/* SSO: an sso_session section ([sso-session NAME]) or the legacy keys in the profile. */
static prov_result plan_sso(const creds_ctx *c, const char *profile, creds_plan *p, strbuf *err)
{
    const char *session = prof_value(c, profile, "sso_session");
    const char *start = prof_value(c, profile, "sso_start_url");
    if (!session && !start)
        return PROV_NONE;
    const char *region = prof_value(c, profile, "sso_region");
    if (session) {
        char want[300];
        snprintf(want, sizeof want, "sso-session %s", session);
        const ini_section *ss = NULL;
        for (size_t i = 0; i < c->config_file.sections.n; i++)
            if (!strcmp(c->config_file.sections.items[i].name, want))
                ss = &c->config_file.sections.items[i];
        if (!ss) {
            sb_printf(err,
                      "profile \"%.*s\" names sso_session \"%.*s\", but %s has no "
                      "[sso-session %.*s] section: add it (sso_start_url, sso_region)",
                      CREDS_NAME_SHOWN, profile, CREDS_NAME_SHOWN, session, c->config_file.path, CREDS_NAME_SHOWN,
                      session);
            return PROV_ERROR;
        }
        const char *s_start = ini_get(ss, "sso_start_url"), *s_region = ini_get(ss, "sso_region");
        if ((start && s_start && strcmp(start, s_start)) || (region && s_region && strcmp(region, s_region))) {
            sb_printf(err,
                      "profile \"%.*s\" and its sso-session disagree on sso_start_url or "
                      "sso_region: keep them in the [sso-session] section only",
                      CREDS_NAME_SHOWN, profile);
            return PROV_ERROR;
        }
        start = s_start;
        region = s_region;
    }
    static const char *need[] = { "sso_start_url", "sso_region", "sso_account_id", "sso_role_name" };
    const char *have[] = { start, region, prof_value(c, profile, "sso_account_id"),
                           prof_value(c, profile, "sso_role_name") };
    for (size_t i = 0; i < ARRAY_LEN(need); i++)
        if (str_empty(have[i])) {
            sb_printf(err,
                      "profile \"%.*s\" is missing %s for IAM Identity Center (SSO): run "
                      "`aws configure sso --profile %.*s` or add it to %s",
                      CREDS_NAME_SHOWN, profile, need[i], CREDS_NAME_SHOWN, profile, c->config_file.path);
            return PROV_ERROR;
        }
    /* sso_region becomes part of the portal's host name: checked like region, so that
     * "x@host:port/#" cannot send the bearer token elsewhere. Not quoted back. */
    if (!endpoint_valid_region(region)) {
        sb_printf(err,
                  "profile \"%.*s\": sso_region is not a region name (lower-case letters, digits "
                  "and '-', like us-east-1): fix it in %s",
                  CREDS_NAME_SHOWN, profile, c->config_file.path);
        return PROV_ERROR;
    }
    creds_step *s = plan_push(p, CSTEP_SSO, profile);
    s->sso_start_url = xstrdup(start);
    s->sso_session = xstrdup(session);
    s->sso_region = xstrdup(region);
    s->sso_account_id = xstrdup(have[2]);
    s->sso_role_name = xstrdup(have[3]);
    return PROV_FOUND;
}

static prov_result plan_process(const creds_ctx *c, const char *profile, creds_plan *p)
{
    const char *cmd = prof_value(c, profile, "credential_process");
    if (!cmd)
        return PROV_NONE;
    plan_push(p, CSTEP_PROCESS, profile)->command = xstrdup(cmd);
    return PROV_FOUND;
}

/* The providers a profile's own settings give, in the chain's order (used for the
 * chosen profile and for a source_profile). *source gets the method name. */
static prov_result plan_profile_chain(const creds_ctx *c, const char *profile, bool use_env, creds_plan *p,
                                      const char **source, strbuf *err)
{
    prov_result r;
    if ((r = plan_web_identity(c, profile, use_env, p)) != PROV_NONE) {
        *source = "assume-role-with-web-identity";
        return r;
    }
    if ((r = plan_sso(c, profile, p, err)) != PROV_NONE) {
        *source = "sso";
        return r;
    }
    r = plan_keys(p, profile, creds_profile(&c->creds_file, profile), c->creds_file.path, err);
    if (r != PROV_NONE) {
        *source = "shared-credentials-file";
        return r;
    }
    if ((r = plan_process(c, profile, p)) != PROV_NONE) {
        *source = "custom-process";
        return r;
    }
    r = plan_keys(p, profile, config_profile(&c->config_file, profile), c->config_file.path, err);
    if (r != PROV_NONE)
        *source = "config-file";
    return r;
}

static prov_result plan_container(creds_plan *p)
{
    if (!creds_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") && !creds_env("AWS_CONTAINER_CREDENTIALS_FULL_URI"))
        return PROV_NONE;
    plan_push(p, CSTEP_CONTAINER, p->profile);
    return PROV_FOUND;
}

static bool imds_disabled(void)
{
    const char *v = creds_env("AWS_EC2_METADATA_DISABLED");
    return v && !strcasecmp(v, "true");
}

static bool has_static(const creds_ctx *c, const char *profile)
{
    return prof_has_key(c, profile, "aws_access_key_id") || prof_has_key(c, profile, "aws_secret_access_key");
}

static bool has_role(const creds_ctx *c, const char *profile)
{
    return prof_value(c, profile, "role_arn") && !prof_value(c, profile, "web_identity_token_file");
}

/* role_arn with source_profile (recursively) or credential_source. visited holds
 * the profiles already on the chain, to refuse loops as botocore does. */
static prov_result plan_role(const creds_ctx *c, const char *profile, strvec *visited, creds_plan *p, strbuf *err)
{
    const char *src = prof_value(c, profile, "source_profile");
    const char *cs = prof_value(c, profile, "credential_source");
    if (src && cs) {
        sb_printf(err, "profile \"%.*s\" has both source_profile and credential_source: keep one", CREDS_NAME_SHOWN,
                  profile);
        return PROV_ERROR;
    }
    if (!src && !cs) {
        sb_printf(err,
                  "profile \"%.*s\" has role_arn but neither source_profile nor "
                  "credential_source: add one of them",
                  CREDS_NAME_SHOWN, profile);
        return PROV_ERROR;
    }
    if (cs) {
        prov_result r = PROV_NONE;
        if (!strcmp(cs, "Environment"))
            r = plan_env(p, err);
        else if (!strcmp(cs, "Ec2InstanceMetadata"))
            r = imds_disabled() ? PROV_NONE : (plan_push(p, CSTEP_IMDS, profile), PROV_FOUND);
        else if (!strcmp(cs, "EcsContainer"))
            r = plan_container(p);
        else {
            sb_printf(err,
                      "profile \"%.*s\": credential_source must be Environment, "
                      "Ec2InstanceMetadata or EcsContainer",
                      CREDS_NAME_SHOWN, profile);
            return PROV_ERROR;
        }
        if (r == PROV_NONE)
            sb_printf(err,
                      "no credentials found in credential_source %.*s referenced in profile "
                      "\"%.*s\": set them up there, or use source_profile",
                      CREDS_NAME_SHOWN, cs, CREDS_NAME_SHOWN, profile);
        if (r != PROV_FOUND)
            return PROV_ERROR;
    } else {
        if (!prof_exists(c, src)) {
            sb_printf(err,
                      "the source_profile \"%.*s\" referenced in profile \"%.*s\" does not "
                      "exist: add it to %s",
                      CREDS_NAME_SHOWN, src, CREDS_NAME_SHOWN, profile, c->config_file.path);
            return PROV_ERROR;
        }
        if (strvec_contains(visited, src) && (strcmp(src, profile) || !has_static(c, src))) {
            sb_printf(err,
                      "source_profile loop: profile \"%.*s\" leads back to \"%.*s\"; make one "
                      "profile in the chain use static keys or credential_source",
                      CREDS_NAME_SHOWN, profile, CREDS_NAME_SHOWN, src);
            return PROV_ERROR;
        }
        strvec_push(visited, src);
        if (visited->n > 32) {
            sb_append(err, "source_profile chain longer than 32 profiles: shorten it");
            return PROV_ERROR;
        }
        prov_result r;
        if (has_static(c, src) || !has_role(c, src)) {
            const char *ignored = NULL;
            r = plan_profile_chain(c, src, false, p, &ignored, err);
            if (r == PROV_NONE)
                sb_printf(err,
                          "the source profile \"%.*s\" must have credentials (static keys, "
                          "credential_process, SSO or a role of its own)",
                          CREDS_NAME_SHOWN, src);
        } else {
            r = plan_role(c, src, visited, p, err);
        }
        if (r != PROV_FOUND)
            return PROV_ERROR;
    }
    creds_step *s = plan_push(p, CSTEP_ASSUME_ROLE, profile);
    s->role_arn = xstrdup(prof_value(c, profile, "role_arn"));
    s->external_id = xstrdup(prof_value(c, profile, "external_id"));
    s->mfa_serial = xstrdup(prof_value(c, profile, "mfa_serial"));
    s->session_name = xstrdup(prof_value(c, profile, "role_session_name"));
    const char *d = prof_value(c, profile, "duration_seconds");
    if (d) {
        char *end = NULL;
        long v = strtol(d, &end, 10);
        if (*end || v < 900 || v > 43200) {
            sb_printf(err,
                      "profile \"%.*s\": duration_seconds must be a number of seconds "
                      "from 900 to 43200",
                      CREDS_NAME_SHOWN, profile);
            return PROV_ERROR;
        }
        s->duration_seconds = (int)v;
    }
    return PROV_FOUND;
}

static char *plan_region(const creds_ctx *c, const creds_request *req)
{
    const char *r = req && !str_empty(req->region) ? req->region : NULL;
    if (!r)
        r = creds_env("AWS_REGION");
    if (!r)
        r = creds_env("AWS_DEFAULT_REGION");
    if (!r)
        r = ctx_value(c, "region");
    return xstrdup(r);
}

int creds_plan_build(const creds_request *req, creds_plan *p, strbuf *err)
{
    memset(p, 0, sizeof *p);
    creds_ctx c;
    if (ctx_load(&c, req, err))
        return -1;
    p->profile = xstrdup(c.profile);
    p->region = plan_region(&c, req);
    const char *source = NULL;
    prov_result r = PROV_NONE;
    if (!c.explicit_profile && (r = plan_env(p, err)) != PROV_NONE)
        source = "environment";
    if (r == PROV_NONE && has_role(&c, c.profile)) {
        strvec visited = { 0 };
        strvec_push(&visited, c.profile);
        r = plan_role(&c, c.profile, &visited, p, err);
        strvec_free(&visited);
        source = "assume-role";
    }
    if (r == PROV_NONE)
        r = plan_profile_chain(&c, c.profile, true, p, &source, err);
    if (r == PROV_NONE && (r = plan_container(p)) != PROV_NONE)
        source = "container-role";
    bool last_resort = r == PROV_NONE && !imds_disabled();
    if (r == PROV_NONE) {
        if (c.explicit_profile || strcmp(c.profile, "default"))
            sb_printf(err,
                      "no AWS credentials for profile \"%.*s\": add aws_access_key_id and "
                      "aws_secret_access_key to its section in %s",
                      CREDS_NAME_SHOWN, c.profile, c.creds_file.path);
        else
            sb_printf(err,
                      "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                      "or run with --profile NAME (profiles are read from %s and %s)",
                      c.creds_file.path, c.config_file.path);
    }
    if (last_resort) { /* only the instance metadata is left: its failure says the above */
        p->nothing_found = sb_steal(err);
        plan_push(p, CSTEP_IMDS, c.profile);
        r = PROV_FOUND;
        source = "iam-role";
    }
    ctx_free(&c);
    if (r != PROV_FOUND) {
        creds_plan_free(p);
        return -1;
    }
    p->source = xstrdup(source);
    return 0;
}

int creds_resolve(const creds_request *req, aws_credentials *out, strbuf *err)
{
    return creds_resolve_ex(req, NULL, out, err);
}

/* Profile names from both files, sorted, without duplicates (for :profile completion). */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int creds_list_profiles(strvec *out, strbuf *err)
{
    ini_file cf, gf;
    if (ini_load(&cf, "AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials", err))
        return -1;
    if (ini_load(&gf, "AWS_CONFIG_FILE", "~/.aws/config", err)) {
        ini_free(&cf);
        return -1;
    }
    for (size_t i = 0; i < cf.sections.n; i++)
        if (!strvec_contains(out, cf.sections.items[i].name))
            strvec_push(out, cf.sections.items[i].name);
    char name[256];
    for (size_t i = 0; i < gf.sections.n; i++)
        if (config_section_profile(gf.sections.items[i].name, name, sizeof name) && !strvec_contains(out, name))
            strvec_push(out, name);
    if (out->n > 1)
        qsort(out->items, out->n, sizeof *out->items, cmp_str);
    ini_free(&cf);
    ini_free(&gf);
    return 0;
}

/* The value of key in a nested sub-section ("\nendpoint_url = X\nother = Y", as
 * configparser keeps "sts =\n  endpoint_url = X"), malloc'd, or NULL. */
static char *nested_value(const char *nested, const char *key)
{
    size_t want = strlen(key);
    for (const char *l = nested; l && *l;) {
        const char *eol = strchr(l, '\n');
        size_t n = eol ? (size_t)(eol - l) : strlen(l);
        const char *k = l, *val = memchr(l, '=', n);
        if (val) {
            size_t kn = (size_t)(val - l), vn = n - kn - 1;
            val++;
            strip(&k, &kn);
            strip(&val, &vn);
            if (kn == want && !strncmp(k, key, want) && vn)
                return xstrndup(val, vn);
        }
        l = eol ? eol + 1 : l + n;
    }
    return NULL;
}

int creds_endpoint_profile(const char *profile, const char *service_key, endpoint_profile *out, strbuf *err)
{
    memset(out, 0, sizeof *out);
    creds_request req = { .profile = profile };
    creds_ctx c;
    if (ctx_load_files(&c, &req, err) != 0)
        return -1;
    /* a profile in neither file has no settings (resolving its credentials says so) */
    out->global_url = xstrdup(ctx_value(&c, "endpoint_url"));
    out->ignore = xstrdup(ctx_value(&c, "ignore_configured_endpoint_urls"));
    const char *svcs = ctx_value(&c, "services");
    if (svcs) {
        char want[300];
        snprintf(want, sizeof want, "services %s", svcs);
        const ini_section *sec = NULL;
        for (size_t i = 0; i < c.config_file.sections.n; i++)
            if (!strcmp(c.config_file.sections.items[i].name, want))
                sec = &c.config_file.sections.items[i];
        if (!sec)
            out->missing_services = xstrdup(svcs);
        else if (service_key)
            out->service_url = nested_value(ini_get(sec, service_key), "endpoint_url");
    }
    ctx_free(&c);
    return 0;
}

int region_resolve(const creds_request *req, char **out, strbuf *err)
{
    *out = NULL;
    const char *r = req && !str_empty(req->region) ? req->region : NULL;
    if (!r)
        r = creds_env("AWS_REGION");
    if (!r)
        r = creds_env("AWS_DEFAULT_REGION");
    if (r) {
        *out = xstrdup(r);
        return 0;
    }
    creds_ctx c;
    if (ctx_load(&c, req, err))
        return -1;
    const char *v = ctx_value(&c, "region");
    if (!str_empty(v))
        *out = xstrdup(v);
    else
        sb_printf(err,
                  "no AWS region: pass --region, set AWS_REGION, or add \"region = ...\" to "
                  "profile \"%.*s\" in %s",
                  CREDS_NAME_SHOWN, c.profile, c.config_file.path);
    ctx_free(&c);
    return *out ? 0 : -1;
}

char *creds_profile_value(const creds_request *req, const char *key)
{
    creds_ctx c;
    strbuf err;
    sb_init(&err);
    char *v = NULL;
    if (key && ctx_load(&c, req, &err) == 0) {
        v = xstrdup(ctx_value(&c, key));
        ctx_free(&c);
    }
    sb_free(&err);
    return v;
}
