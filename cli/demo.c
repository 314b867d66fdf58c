/* demo.c — `tarmac --demo` (and `make demo`): start the simulator on a free
 * loopback port with the built-in demo scenario, point the console at it with the
 * scenario's credentials and apps, and stop the simulator when the console exits.
 * The user's own AWS profiles and config are left out of it entirely. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "console.h"
#include "scenario.h"

extern char **environ;

#define DEMO_SPEED "5"
#define START_TIMEOUT_MS 15000

/* A config naming each of the scenario's groups as an app, written to dir. */
static int write_demo_config(const sim_scenario *sc, const char *path)
{
    strbuf sb;
    sb_init(&sb);
    sb_append(&sb, "# written by tarmac --demo for the simulator's demo scenario\napps:\n");
    for (size_t i = 0; i < sc->asgs.n; i++) {
        const sc_asg *a = &sc->asgs.items[i];
        /* app name: the group's name without its "-asg" suffix */
        size_t n = strlen(a->name);
        int keep = (int)(n > 4 && strcmp(a->name + n - 4, "-asg") == 0 ? n - 4 : n);
        sb_printf(&sb, "  %.*s:\n    asg: %s\n", keep, a->name, a->name);
        if (a->repository)
            sb_printf(&sb, "    ecr_repository: %s\n", a->repository);
        if (a->live_tag && strcmp(a->live_tag, "prod") != 0)
            sb_printf(&sb, "    live_tag: %s\n", a->live_tag);
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && write(fd, sb.buf, sb.len) == (ssize_t)sb.len;
    if (fd >= 0)
        close(fd);
    sb_free(&sb);
    return ok ? 0 : -1;
}

/* Reads the simulator's first line ("listening on http://127.0.0.1:PORT"). */
static int read_listen_line(int fd, char *url, size_t cap)
{
    char line[256];
    size_t len = 0;
    int64_t deadline = mono_now_ms() + START_TIMEOUT_MS;
    while (len + 1 < sizeof line) {
        int wait = (int)(deadline - mono_now_ms());
        if (wait <= 0)
            return -1;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int r = poll(&p, 1, wait);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        ssize_t got = read(fd, line + len, 1);
        if (got <= 0)
            return -1;
        if (line[len] == '\n')
            break;
        len++;
    }
    line[len] = '\0';
    const char *prefix = "listening on ";
    if (strncmp(line, prefix, strlen(prefix)) != 0)
        return -1;
    return str_copy(url, cap, line + strlen(prefix)) ? 0 : -1;
}

int demo_main(cli_globals *g)
{
    char err[512] = "";
    sim_scenario *sc = sim_scenario_load("demo", err, sizeof err);
    if (!sc || !sc->credentials.n) {
        cli_error("demo: %s", err[0] ? err : "the demo scenario has no credentials");
        sim_scenario_free(sc);
        return EXIT_USAGE;
    }
    const char *tmp = getenv("TMPDIR");
    char dir[512];
    snprintf(dir, sizeof dir, "%s/tarmac-demo-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        cli_error("demo: cannot create a temporary directory in %s", tmp && *tmp ? tmp : "/tmp");
        sim_scenario_free(sc);
        return EXIT_AWS;
    }
    char config[600], log[600];
    snprintf(config, sizeof config, "%s/config.yaml", dir);
    snprintf(log, sizeof log, "%s/sim.log", dir);
    int rc = EXIT_AWS;
    pid_t pid = -1;
    int pipefd[2] = { -1, -1 };
    if (write_demo_config(sc, config) != 0) {
        cli_error("demo: cannot write %s", config);
        goto out;
    }

    /* The simulator: this very binary, as `tarmac sim`. */
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        cli_error("demo: pipe: %s", strerror(errno));
        goto out;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    char *argv[] = { "tarmac", "sim", "--port", "0", "--scenario", "demo", "--speed", DEMO_SPEED, NULL };
    int e = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    pipefd[1] = -1;
    if (e != 0) {
        pid = -1;
        cli_error("demo: cannot start the simulator: %s", strerror(e));
        goto out;
    }
    char url[200];
    if (read_listen_line(pipefd[0], url, sizeof url) != 0) {
        cli_error("demo: the simulator did not start (its log: %s)", log);
        goto out;
    }

    /* The scenario's credentials, and none of the user's profiles or files. */
    const sc_credential *cr = &sc->credentials.items[0];
    setenv("AWS_ACCESS_KEY_ID", cr->access_key_id, 1);
    setenv("AWS_SECRET_ACCESS_KEY", cr->secret_access_key, 1);
    if (cr->session_token)
        setenv("AWS_SESSION_TOKEN", cr->session_token, 1);
    else
        unsetenv("AWS_SESSION_TOKEN");
    unsetenv("AWS_PROFILE");
    unsetenv("AWS_DEFAULT_PROFILE");
    setenv("AWS_CONFIG_FILE", "/dev/null", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null", 1);
    /* Every service to the simulator: AWS_ENDPOINT_URL_<SERVICE> would outrank the flag. */
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
    g->profile = NULL;
    g->region = sc->region;
    g->endpoint_url = url;
    g->config_path = config;
    if (!g->app && sc->asgs.n) {
        static char app[80];
        const char *name = sc->asgs.items[0].name;
        size_t n = strlen(name);
        snprintf(app, sizeof app, "%.*s", (int)(n > 4 && strcmp(name + n - 4, "-asg") == 0 ? n - 4 : n), name);
        g->app = app;
    }
    if (g->command && strcmp(g->command, "status") == 0)
        rc = cmd_status(g);
    else
        rc = console_main(g);
out:
    if (pipefd[0] >= 0)
        close(pipefd[0]);
    if (pid > 0) {
        kill(pid, SIGTERM);
        int st;
        int64_t deadline = mono_now_ms() + 5000;
        while (waitpid(pid, &st, WNOHANG) == 0) {
            if (mono_now_ms() > deadline) {
                kill(pid, SIGKILL);
                waitpid(pid, &st, 0);
                break;
            }
            usleep(20000);
        }
    }
    unlink(config);
    unlink(log);
    rmdir(dir);
    sim_scenario_free(sc);
    return rc;
}
