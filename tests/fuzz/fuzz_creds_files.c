/* fuzz_creds_files.c — libFuzzer target for what the credential chain reads from
 * disk and from a credential_process program: the shared config and credentials
 * files (~/.aws/config, ~/.aws/credentials: configparser-style INI, "[profile x]"
 * names split as shlex does) and credential_process's JSON answer.
 *
 * Input: CONFIG [NUL CREDENTIALS [NUL JSON]]. The two files are served from memfds
 * through AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE; for "default" and every
 * profile they list, the chain is planned (files only: nothing runs and nothing
 * goes to the network), the region and endpoints looked up, and a credential_process
 * command split into words. The JSON goes through the document parser in both its
 * process and container forms. Seeds: tests/fixtures/creds_files. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "creds/creds.h"
#include "creds/creds_int.h"
#include "aws/endpoints.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PROFILES 16

static int config_fd = -1, creds_fd = -1;

static int memfile(const char *name, const char *env_var)
{
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0)
        abort();
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    setenv(env_var, path, 1);
    return fd;
}

/* A fixed environment: no home, no profile, no region; static keys only for
 * credential_source = Environment (profiles are always named, so the top of the
 * chain never takes them); no container endpoint; IMDS stays a planned step. */
static void setup(void)
{
    static const char *const unset[] = {
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
        "AWS_ROLE_SESSION_NAME",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_EC2_METADATA_DISABLED",
    };
    for (size_t i = 0; i < sizeof unset / sizeof *unset; i++)
        unsetenv(unset[i]);
    setenv("HOME", "/nonexistent", 1);
    setenv("AWS_ACCESS_KEY_ID", "AKIAFUZZENVIRONMENT1", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "fuzz-environment-secret", 1);
    config_fd = memfile("fuzz-aws-config", "AWS_CONFIG_FILE");
    creds_fd = memfile("fuzz-aws-credentials", "AWS_SHARED_CREDENTIALS_FILE");
}

static void fill(int fd, const uint8_t *p, size_t n)
{
    if (ftruncate(fd, 0) != 0 || (n && pwrite(fd, p, n, 0) != (ssize_t)n))
        abort();
}

static void check_plan(const creds_plan *p)
{
    if (!p->steps.n || !p->source || !p->profile)
        abort();
    for (size_t i = 0; i < p->steps.n; i++) {
        const creds_step *s = &p->steps.items[i];
        if (!s->profile)
            abort();
        /* only the first step yields base credentials; the rest assume roles */
        if (i > 0 && s->kind != CSTEP_ASSUME_ROLE)
            abort();
        switch (s->kind) {
        case CSTEP_STATIC:
            if (str_empty(s->creds.access_key_id) || str_empty(s->creds.secret_access_key))
                abort();
            break;
        case CSTEP_PROCESS: {
            if (!s->command)
                abort();
            strvec argv = { 0 };
            creds_shlex_split(s->command, &argv);
            strvec_free(&argv);
            break;
        }
        case CSTEP_SSO:
            if (str_empty(s->sso_start_url) || str_empty(s->sso_region) || str_empty(s->sso_account_id) ||
                str_empty(s->sso_role_name))
                abort();
            break;
        case CSTEP_ASSUME_ROLE:
            if (!s->role_arn || (s->duration_seconds && (s->duration_seconds < 900 || s->duration_seconds > 43200)))
                abort();
            break;
        case CSTEP_WEB_IDENTITY:
            if (!s->role_arn || !s->token_file)
                abort();
            break;
        default:
            break;
        }
    }
}

static void one_profile(const char *name)
{
    creds_request req = { .profile = name };
    creds_plan p;
    strbuf err;
    sb_init(&err);
    if (creds_plan_build(&req, &p, &err) == 0)
        check_plan(&p);
    else if (!err.len)
        abort();
    creds_plan_free(&p);
    sb_reset(&err);
    char *region = NULL;
    if (region_resolve(&req, &region, &err) == 0 && str_empty(region))
        abort();
    free(region);
    free(creds_profile_value(&req, "endpoint_url"));
    sb_reset(&err);
    endpoint_profile ep = { 0 };
    if (creds_endpoint_profile(name, "sts", &ep, &err) != 0 && !err.len)
        abort();
    endpoint_profile_free(&ep);
    sb_free(&err);
}

static void json_doc(const char *body, size_t len)
{
    for (int process = 0; process < 2; process++) {
        aws_credentials c;
        strbuf err;
        sb_init(&err);
        if (creds_parse_json_doc(body, len, process, &c, &err) == 0) {
            if (str_empty(c.access_key_id) || str_empty(c.secret_access_key) || err.len)
                abort();
        } else if (!err.len || c.access_key_id || c.secret_access_key || c.session_token) {
            abort();
        }
        aws_credentials_free(&c);
        sb_free(&err);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (config_fd < 0)
        setup();
    const uint8_t *end = data + size;
    const uint8_t *cut1 = memchr(data, '\0', size);
    const uint8_t *creds = cut1 ? cut1 + 1 : end;
    const uint8_t *cut2 = cut1 ? memchr(creds, '\0', (size_t)(end - creds)) : NULL;
    const uint8_t *json = cut2 ? cut2 + 1 : end;
    fill(config_fd, data, (size_t)((cut1 ? cut1 : end) - data));
    fill(creds_fd, creds, (size_t)((cut2 ? cut2 : end) - creds));

    strvec names = { 0 };
    strbuf err;
    sb_init(&err);
    if (creds_list_profiles(&names, &err) == 0) {
        one_profile("default");
        for (size_t i = 0; i < names.n && i < MAX_PROFILES; i++)
            one_profile(names.items[i]);
    } else if (!err.len) {
        abort();
    }
    strvec_free(&names);
    sb_free(&err);
    if (cut2)
        json_doc((const char *)json, (size_t)(end - json));
    return 0;
}
