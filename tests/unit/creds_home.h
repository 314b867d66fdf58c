/* creds_home.h — a scratch HOME for the credential tests (include after cmocka.h):
 * home_setup() clears every AWS variable the chain reads, makes a fresh HOME under
 * $TMPDIR and points IMDS at a closed port (the chain's last resort then fails at
 * once); home_write() puts a file under it; home_teardown() removes it all. */
#ifndef TARMAC_CREDS_HOME_H
#define TARMAC_CREDS_HOME_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "test_tmp.h"
#include "util.h"

static char home[256];

static const char *const home_cleared_env[] = {
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_SSO",
    "AWS_ENDPOINT_URL_STS",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_EC2_METADATA_DISABLED",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "TARMAC_CREDENTIAL_PROCESS_TIMEOUT",
};

static void home_path(const char *rel, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", home, rel);
}

/* Writes home/rel (making its directories) with mode. */
static void home_write(const char *rel, const char *text, mode_t mode)
{
    char path[512];
    home_path(rel, path, sizeof path);
    for (char *p = path + strlen(home) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(path, 0700);
        *p = '/';
    }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

static int home_setup(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(home_cleared_env); i++)
        unsetenv(home_cleared_env[i]);
    snprintf(home, sizeof home, "%s/tarmac-creds-XXXXXX", test_tmpdir());
    if (!mkdtemp(home))
        return -1;
    setenv("HOME", home, 1);
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9", 1);
    return 0;
}

static int home_teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", home);
    return system(cmd) == 0 ? 0 : -1;
}

#endif
