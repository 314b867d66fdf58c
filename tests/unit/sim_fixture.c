/* sim_fixture.c — see sim_fixture.h. */
#include "sim_fixture.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_tmp.h"
#include "util.h"

static const char *const steering_env[] = {
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ENDPOINT_URL",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
};

int sim_fixture_start(sim_fixture *x, const char *tag, int session_duration)
{
    memset(x, 0, sizeof *x);
    for (size_t i = 0; i < ARRAY_LEN(steering_env); i++)
        unsetenv(steering_env[i]);
    snprintf(x->home, sizeof x->home, "%s/tarmac-%s-XXXXXX", test_tmpdir(), tag);
    if (!mkdtemp(x->home))
        return -1;
    setenv("HOME", x->home, 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    char err[256];
    x->sc = sim_scenario_load("demo", err, sizeof err);
    if (!x->sc)
        return -1;
    if (session_duration >= 0)
        x->sc->session_duration = session_duration;
    x->w = world_new_from_scenario(x->sc, 1, 1);
    x->akid = x->sc->credentials.items[0].access_key_id;
    x->secret = x->sc->credentials.items[0].secret_access_key;
    sim_front_init(&x->f, x->w, 1);
    if (sim_server_start(&x->f, 0) != 0)
        return -1;
    snprintf(x->base, sizeof x->base, "http://127.0.0.1:%u", (unsigned)x->f.port);
    return 0;
}

void sim_fixture_write(const sim_fixture *x, const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/.aws", x->home);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/%s", x->home, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

void sim_fixture_stop(sim_fixture *x)
{
    sim_server_stop(&x->f);
    sim_front_done(&x->f);
    world_free(x->w);
    sim_scenario_free(x->sc);
    static const char *const made[] = { ".aws/credentials", ".aws/config", ".aws" };
    char path[512];
    for (size_t i = 0; i < ARRAY_LEN(made); i++) {
        snprintf(path, sizeof path, "%s/%s", x->home, made[i]);
        if (unlink(path) != 0)
            rmdir(path);
    }
    rmdir(x->home);
}
