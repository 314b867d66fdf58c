/* sim_main.c — `tarmac sim [--port N] [--scenario FILE|NAME] [--speed X] [--seed N]`:
 * loads the scenario (built in or a file), builds the world, serves it on
 * 127.0.0.1 and waits for SIGINT/SIGTERM with sigwait in the main thread (the
 * signals are blocked before the server threads start, so only this thread sees them). */
#include "sim_main.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "scenario.h"
#include "server.h"
#include "world.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: tarmac sim [--port N] [--scenario FILE|NAME] [--speed X] [--seed N]\n"
            "  --port N        port on 127.0.0.1 (0 = a free port; default 4566)\n"
            "  --scenario S    demo, large, faults (built in) or a YAML file (default demo)\n"
            "  --speed X       simulated seconds per real second (default: the scenario's, else 1)\n"
            "  --seed N        seed for the world and the faults (default 1)\n");
}

/* "--name value" or "--name=value"; advances *i past what it used. */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0) return NULL;
    if (argv[*i][n] == '=') return argv[*i] + n + 1;
    if (argv[*i][n] != '\0') return NULL;
    if (*i + 1 >= argc) return "";
    return argv[++*i];
}

int sim_main(int argc, char **argv)
{
    unsigned long port = 4566;
    const char *scenario = "demo";
    double speed = 0;
    unsigned long long seed = 1;

    for (int i = 1; i < argc; i++) {
        const char *v;
        char *end;
        errno = 0;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if ((v = opt_value(argc, argv, &i, "--port"))) {
            port = strtoul(v, &end, 10);
            if (errno || end == v || *end || port > 65535) { fprintf(stderr, "tarmac sim: bad --port '%s'\n", v); return 2; }
        } else if ((v = opt_value(argc, argv, &i, "--scenario"))) {
            if (!*v) { fprintf(stderr, "tarmac sim: --scenario needs a value\n"); return 2; }
            scenario = v;
        } else if ((v = opt_value(argc, argv, &i, "--speed"))) {
            speed = strtod(v, &end);
            if (errno || end == v || *end || !(speed > 0 && speed <= 100000)) {
                fprintf(stderr, "tarmac sim: bad --speed '%s' (0 < X <= 100000)\n", v);
                return 2;
            }
        } else if ((v = opt_value(argc, argv, &i, "--seed"))) {
            seed = strtoull(v, &end, 10);
            if (errno || end == v || *end) { fprintf(stderr, "tarmac sim: bad --seed '%s'\n", v); return 2; }
        } else {
            fprintf(stderr, "tarmac sim: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }

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
    if (sim_server_start(&front, (uint16_t)port) != 0) {
        sim_front_done(&front);
        world_free(w);
        sim_scenario_free(sc);
        return 1;
    }
    printf("listening on http://127.0.0.1:%u\n", (unsigned)front.port);
    fflush(stdout);

    int sig = 0;
    while (sigwait(&set, &sig) != 0) {}

    sim_server_stop(&front);
    sim_front_done(&front);
    world_free(w);
    sim_scenario_free(sc);
    return 0;
}
