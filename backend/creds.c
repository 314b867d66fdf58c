/* creds.c — AWS credentials and region resolved the way botocore (and so the AWS
 * CLI) does: a table of providers walked in order, the shared INI files read with
 * configparser's rules, one-line errors that say what to set and never hold a secret. */
#include "creds.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define INI_MAX_BYTES (1u << 20)   /* a credentials file beyond 1 MiB is not one */
#define NAME_SHOWN 64              /* longest profile name quoted back in a message */

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

/* ---- INI files, parsed as Python's configparser.RawConfigParser does ----
 * Sections "[name]"; "key = value" or "key: value" (first delimiter wins); keys
 * lower-cased, values stripped; full-line comments with # or ; (no inline comments);
 * a line indented deeper than its key continues the value, which is how nested
 * sub-sections ("s3 =\n  key = value") arrive. A duplicate section or key, a key
 * outside any section or a line without a delimiter makes the whole file invalid. */

typedef struct ini_kv {
    char *key;
    char *value;   /* may be a secret: wiped on free */
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

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

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
    ini_kv *opt = NULL;          /* the option a deeper-indented line continues */
    strbuf val;                  /* the value being collected for opt */
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
            continue;   /* blank and comment lines do not end a continued value */
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

/* A missing or unreadable file is an empty one (as botocore); a malformed one is an error. */
static int ini_load(ini_file *f, const char *env_var, const char *default_path, strbuf *err)
{
    memset(f, 0, sizeof *f);
    const char *given = getenv(env_var);
    expand_path(str_empty(given) ? default_path : given, f->path, sizeof f->path);
    struct stat st;
    if (stat(f->path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    if (st.st_size > (off_t)INI_MAX_BYTES) {
        sb_printf(err, "%s: file is larger than %u bytes", f->path, INI_MAX_BYTES);
        return -1;
    }
    FILE *fp = fopen(f->path, "rb");
    if (!fp)
        return 0;
    strbuf text;
    sb_init(&text);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0 && text.len <= INI_MAX_BYTES)
        sb_appendn(&text, buf, n);
    fclose(fp);
    int rc = 0;
    if (text.len > INI_MAX_BYTES) {
        sb_printf(err, "%s: file is larger than %u bytes", f->path, INI_MAX_BYTES);
        rc = -1;
    } else if (memchr(text.buf, '\0', text.len)) {
        sb_printf(err, "%s: not a text file", f->path);
        rc = -1;
    } else {
        f->present = true;
        rc = ini_parse(f, text.buf, text.len, err);
    }
    sb_wipe_free(&text);
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
                    ok = false;   /* unbalanced quote: shlex raises, botocore skips */
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
        if (config_section_profile(f->sections.items[i].name, name, sizeof name) &&
            !strcmp(name, profile))
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
    bool explicit_profile;           /* --profile: the environment's keys do not apply */
    ini_file creds_file, config_file;
    const ini_section *creds_sec;    /* the profile in the credentials file, or NULL */
    const ini_section *config_sec;   /* the profile in the config file, or NULL */
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

/* Loads both files and finds the profile. A named profile (other than "default")
 * found in neither file is an error, even when other sources could answer: botocore
 * refuses it too, and acting as another identity than the one asked for is worse. */
static int ctx_load(creds_ctx *c, const creds_request *req, strbuf *err)
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
    if (!c->creds_sec && !c->config_sec && strcmp(c->profile, "default")) {
        sb_printf(err, "the config profile (%.*s) could not be found in %s or %s", NAME_SHOWN,
                  c->profile, c->creds_file.path, c->config_file.path);
        ctx_free(c);
        return -1;
    }
    return 0;
}

/* ---- providers ---- */

typedef enum prov_result { PROV_NONE, PROV_FOUND, PROV_ERROR } prov_result;

typedef struct creds_provider {
    const char *name;   /* becomes aws_credentials.source */
    prov_result (*load)(const creds_ctx *c, aws_credentials *out, strbuf *err);
} creds_provider;

static const char *env_nonempty(const char *name)
{
    const char *v = getenv(name);
    return str_empty(v) ? NULL : v;
}

static prov_result prov_env(const creds_ctx *c, aws_credentials *out, strbuf *err)
{
    if (c->explicit_profile)
        return PROV_NONE;   /* --profile beats the environment's keys, as in the CLI */
    const char *akid = env_nonempty("AWS_ACCESS_KEY_ID");
    if (!akid)
        return PROV_NONE;
    const char *secret = env_nonempty("AWS_SECRET_ACCESS_KEY");
    if (!secret) {
        sb_append(err, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both "
                       "(and AWS_SESSION_TOKEN for temporary keys), or unset AWS_ACCESS_KEY_ID");
        return PROV_ERROR;
    }
    const char *token = env_nonempty("AWS_SESSION_TOKEN");
    if (!token)
        token = env_nonempty("AWS_SECURITY_TOKEN");
    const char *exp = env_nonempty("AWS_CREDENTIAL_EXPIRATION");
    if (exp && !time_parse_iso8601(exp, &out->expiration)) {
        sb_append(err, "AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 time (2024-05-01T12:00:00Z)");
        return PROV_ERROR;
    }
    out->access_key_id = xstrdup(akid);
    out->secret_access_key = xstrdup(secret);
    out->session_token = xstrdup(token);
    return PROV_FOUND;
}

/* Static keys from one INI section (a file's provider). */
static prov_result keys_from_section(const creds_ctx *c, const ini_section *s, const char *path,
                                     aws_credentials *out, strbuf *err)
{
    const char *akid = ini_get(s, "aws_access_key_id");
    if (!akid)
        return PROV_NONE;
    const char *secret = ini_get(s, "aws_secret_access_key");
    if (str_empty(akid) || str_empty(secret) || akid[0] == '\n' || secret[0] == '\n') {
        sb_printf(err, "incomplete keys for profile \"%.*s\" in %s: set both aws_access_key_id "
                       "and aws_secret_access_key", NAME_SHOWN, c->profile, path);
        return PROV_ERROR;
    }
    const char *token = ini_get(s, "aws_session_token");
    if (str_empty(token))
        token = ini_get(s, "aws_security_token");
    out->access_key_id = xstrdup(akid);
    out->secret_access_key = xstrdup(secret);
    out->session_token = str_empty(token) ? NULL : xstrdup(token);
    return PROV_FOUND;
}

static prov_result prov_shared_file(const creds_ctx *c, aws_credentials *out, strbuf *err)
{
    return keys_from_section(c, c->creds_sec, c->creds_file.path, out, err);
}

static prov_result prov_config_file(const creds_ctx *c, aws_credentials *out, strbuf *err)
{
    return keys_from_section(c, c->config_sec, c->config_file.path, out, err);
}

/* Credential types of the SDK chain that are not implemented yet: when the profile
 * (or the environment) asks for one, say so instead of silently using another. */
static prov_result unsupported(const creds_ctx *c, const char *what, const char *setting, strbuf *err)
{
    sb_printf(err, "profile \"%.*s\" uses %s (%s), which tarmac does not support yet: use static "
                   "keys, or export temporary ones as AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY "
                   "and AWS_SESSION_TOKEN", NAME_SHOWN, c->profile, what, setting);
    return PROV_ERROR;
}

static prov_result prov_assume_role(const creds_ctx *c, aws_credentials *out, strbuf *err)
{
    (void)out;
    if (ctx_value(c, "role_arn") && !ctx_value(c, "web_identity_token_file"))
        return unsupported(c, "an assumed role", "role_arn", err);
    return PROV_NONE;
}

static prov_result prov_web_identity(const creds_ctx *c, aws_credentials *out, strbuf *err)
{
    (void)out;
    if (ctx_value(c, "web_identity_token_file"))
        return unsupported(c, "web identity federation", "web_identity_token_file", err);
    if (env_nonempty("AWS_WEB_IDENTITY_TOKEN_FILE") && env_nonempty("AWS_ROLE_ARN")) {
        sb_append(err, "AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN ask for web identity "
                       "federation, which tarmac does not support yet: export temporary keys as "
                       "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN");
        return PROV_ERROR;
    }
    return PROV_NONE;
}

static prov_result prov_sso(const creds_ctx *c, aws_credentials *out, strbuf *err)
{
    (void)out;
    static const char *keys[] = {"sso_session", "sso_start_url", "sso_account_id", "sso_role_name"};
    for (size_t i = 0; i < ARRAY_LEN(keys); i++)
        if (ctx_value(c, keys[i]))
            return unsupported(c, "IAM Identity Center (SSO)", keys[i], err);
    return PROV_NONE;
}

static prov_result prov_process(const creds_ctx *c, aws_credentials *out, strbuf *err)
{
    (void)out;
    if (ctx_value(c, "credential_process"))
        return unsupported(c, "an external process", "credential_process", err);
    return PROV_NONE;
}

static prov_result prov_container(const creds_ctx *c, aws_credentials *out, strbuf *err)
{
    (void)c;
    (void)out;
    if (env_nonempty("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") ||
        env_nonempty("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
        sb_append(err, "AWS_CONTAINER_CREDENTIALS_*_URI asks for container credentials, which "
                       "tarmac does not support yet: export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
        return PROV_ERROR;
    }
    return PROV_NONE;
}

/* botocore's order; instance metadata (IMDS) would come last. */
static const creds_provider providers[] = {
    {"environment", prov_env},
    {"assume-role", prov_assume_role},
    {"assume-role-with-web-identity", prov_web_identity},
    {"sso", prov_sso},
    {"shared-credentials-file", prov_shared_file},
    {"custom-process", prov_process},
    {"config-file", prov_config_file},
    {"container-role", prov_container},
};

int creds_resolve(const creds_request *req, aws_credentials *out, strbuf *err)
{
    memset(out, 0, sizeof *out);
    creds_ctx c;
    if (ctx_load(&c, req, err))
        return -1;
    int rc = -1;
    for (size_t i = 0; i < ARRAY_LEN(providers); i++) {
        prov_result r = providers[i].load(&c, out, err);
        if (r == PROV_FOUND) {
            out->source = xstrdup(providers[i].name);
            rc = 0;
            break;
        }
        if (r == PROV_ERROR)
            break;
    }
    if (rc && err->len == 0) {
        if (c.explicit_profile || strcmp(c.profile, "default"))
            sb_printf(err, "no AWS credentials for profile \"%.*s\": add aws_access_key_id and "
                           "aws_secret_access_key to its section in %s", NAME_SHOWN, c.profile,
                      c.creds_file.path);
        else
            sb_printf(err, "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                           "or run with --profile NAME (profiles are read from %s and %s)",
                      c.creds_file.path, c.config_file.path);
    }
    if (rc)
        aws_credentials_free(out);
    ctx_free(&c);
    return rc;
}

int region_resolve(const creds_request *req, char **out, strbuf *err)
{
    *out = NULL;
    const char *r = req && !str_empty(req->region) ? req->region : NULL;
    if (!r)
        r = env_nonempty("AWS_REGION");
    if (!r)
        r = env_nonempty("AWS_DEFAULT_REGION");
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
        sb_printf(err, "no AWS region: pass --region, set AWS_REGION, or add \"region = ...\" to "
                       "profile \"%.*s\" in %s", NAME_SHOWN, c.profile, c.config_file.path);
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
