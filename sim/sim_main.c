/* sim_main.c — `tarmac sim [--port N] [--scenario FILE|NAME] [--speed X] [--seed N]
 * [--control-token-file PATH | --control-token TOKEN]`: loads the scenario (built in
 * or a file), builds the world, serves it on 127.0.0.1, prints where and the control
 * API's token, and waits for SIGINT/SIGTERM with sigwait in the main thread (the
 * signals are blocked before the server threads start, so only this thread sees them). */
#include "sim_main.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "guard.h"
#include "scenario.h"
#include "server.h"
#include "world.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: tarmac sim [--port N] [--scenario FILE|NAME] [--speed X] [--seed N]\n"
            "                  [--control-token-file PATH | --control-token TOKEN]\n"
            "  --port N        port on 127.0.0.1 (0 = a free port; default 4566)\n"
            "  --scenario S    demo, large, faults (built in) or a YAML file (default demo)\n"
            "  --speed X       simulated seconds per real second (default: the scenario's, else 1)\n"
            "  --seed N        seed for the world and the faults (default 1)\n"
            "  --control-token-file PATH\n"
            "                  the /_sim/ control API's token, read from a file (default: a random one)\n"
            "  --control-token TOKEN\n"
            "                  the same on the command line (other local users can read it there)\n"
            "The first line printed is \"listening on http://127.0.0.1:PORT\", the second\n"
            "\"control token: TOKEN\": send it as X-Tarmac-Sim-Token or Authorization: Bearer.\n");
}

/* A token from a file (the config files' guarded read: a regular file, bounded),
 * without the line break an editor or echo leaves at its end. */
static int token_from_file(const char *path, char *out, size_t cap)
{
    char *data = NULL;
    size_t len = 0;
    strbuf err;
    sb_init(&err);
    if (config_read_file(path, &data, &len, &err) != 0) {
        fprintf(stderr, "tarmac sim: --control-token-file: %s\n", err.buf);
        sb_free(&err);
        return -1;
    }
    sb_free(&err);
    while (len && strchr(" \t\r\n", data[len - 1]))
        data[--len] = '\0';
    int rc = 0;
    if (strlen(data) != len || !guard_token_valid(data) || !str_copy(out, cap, data)) {
        fprintf(stderr,
                "tarmac sim: --control-token-file: %s does not hold one token of %d to %d characters "
                "(A-Z a-z 0-9 - . _ ~ + / =)\n",
                path, GUARD_TOKEN_MIN, SIM_TOKEN_MAX);
        rc = -1;
    }
    secret_wipe(data, len);
    free(data);
    return rc;
}

/* "--name value" or "--name=value"; advances *i past what it used. */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc)
        return "";
    return argv[++*i];
}

int sim_main(int argc, char **argv)
{
    unsigned long port = 4566;
    const char *scenario = "demo";
    double speed = 0;
    unsigned long long seed = 1;
    const char *token = NULL, *token_file = NULL;

    for (int i = 1; i < argc; i++) {
        const char *v;
        char *end;
        errno = 0;
        if (str_eq(argv[i], "-h") || str_eq(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else if ((v = opt_value(argc, argv, &i, "--port"))) {
            port = strtoul(v, &end, 10);
            if (errno || end == v || *end || port > 65535) {
                fprintf(stderr, "tarmac sim: bad --port '%s'\n", v);
                return 2;
            }
        } else if ((v = opt_value(argc, argv, &i, "--scenario"))) {
            if (!*v) {
                fprintf(stderr, "tarmac sim: --scenario needs a value\n");
                return 2;
            }
            scenario = v;
        } else if ((v = opt_value(argc, argv, &i, "--speed"))) {
            speed = strtod(v, &end);
            if (errno || end == v || *end || !(speed > 0 && speed <= 100000)) {
                fprintf(stderr, "tarmac sim: bad --speed '%s' (0 < X <= 100000)\n", v);
                return 2;
            }
        } else if ((v = opt_value(argc, argv, &i, "--seed"))) {
            seed = strtoull(v, &end, 10);
            if (errno || end == v || *end) {
                fprintf(stderr, "tarmac sim: bad --seed '%s'\n", v);
                return 2;
            }
        } else if ((v = opt_value(argc, argv, &i, "--control-token-file"))) {
            if (!*v) {
                fprintf(stderr, "tarmac sim: --control-token-file needs a value\n");
                return 2;
            }
            token_file = v;
        } else if ((v = opt_value(argc, argv, &i, "--control-token"))) {
            if (!guard_token_valid(v)) {
                fprintf(stderr, "tarmac sim: bad --control-token: %d to %d characters of A-Z a-z 0-9 - . _ ~ + / =\n",
                        GUARD_TOKEN_MIN, SIM_TOKEN_MAX);
                return 2;
            }
            token = v;
        } else {
            fprintf(stderr, "tarmac sim: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }

    if (token && token_file) {
        fprintf(stderr, "tarmac sim: --control-token and --control-token-file: give one\n");
        return 2;
    }
    char chosen[SIM_TOKEN_MAX + 1] = "";
    if (token_file && token_from_file(token_file, chosen, sizeof chosen) != 0)
        return 2;
    if (token)
        str_copy(chosen, sizeof chosen, token);

    char err[512] = "";
    sim_scenario *sc = sim_scenario_load(scenario, err, sizeof err);
    if (!sc) {
        fprintf(stderr, "tarmac sim: %s\n", err[0] ? err : "cannot load the scenario");
        return 2;
    }
    /* The scenario outlives the world: the world may borrow from it. */
    sim_world *w = world_new_from_scenario(sc, seed, speed);
    if (!w) {
        sim_scenario_free(sc);
        fprintf(stderr, "tarmac sim: cannot build the world from '%s'\n", scenario);
        return 2;
    }

    /* Block before any thread exists so the server threads inherit the mask. A shell
     * starts background jobs with SIGINT ignored, and an ignored signal is dropped even
     * when blocked: put the default back so sigwait sees it. */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    sim_front front;
    sim_front_init(&front, w, seed);
    if (chosen[0])
        str_copy(front.control_token, sizeof front.control_token, chosen);
    secret_wipe(chosen, sizeof chosen);
    if (!front.control_token[0]) {
        fprintf(stderr, "tarmac sim: no random bytes for the control token (getrandom); give --control-token-file\n");
        sim_front_done(&front);
        world_free(w);
        sim_scenario_free(sc);
        return 1;
    }
    if (sim_server_start(&front, (uint16_t)port) != 0) {
        sim_front_done(&front);
        world_free(w);
        sim_scenario_free(sc);
        return 1;
    }
    /* The first line stays exactly this: every client and script parses it. */
    printf("listening on http://127.0.0.1:%u\n", (unsigned)front.port);
    printf("control token: %s\n", front.control_token);
    fflush(stdout);

    int sig = 0;
    while (sigwait(&set, &sig) != 0) {
    }

    sim_server_stop(&front);
    sim_front_done(&front);
    world_free(w);
    sim_scenario_free(sc);
    return 0;
}
