/* demo.c — `tarmac --demo` (and `make demo`): start the simulator on a free
 * loopback port with the built-in demo scenario, point the console at it with the
 * scenario's credentials and apps, and stop the simulator when the console exits.
 * The user's own AWS profiles, config and credentials are left out of it entirely:
 * the simulator starts with a clean environment, and nothing is written to disk (the
 * generated config and the simulator's log live in memory files), so a SIGKILL of
 * tarmac leaves no directory behind; the simulator gets SIGTERM when tarmac dies
 * (PR_SET_PDEATHSIG). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "console.h"
#include "scenario.h"

extern char **environ;

#define DEMO_SPEED       "5"
#define START_TIMEOUT_MS 15000

/* The app name of a scenario group: its name without the "-asg" suffix. */
static int app_name_len(const char *asg)
{
    size_t n = strlen(asg);
    return (int)(n > 4 && strcmp(asg + n - 4, "-asg") == 0 ? n - 4 : n);
}

/* A config naming each of the scenario's groups as an app, written to fd. */
static int write_demo_config(const sim_scenario *sc, int fd)
{
    strbuf sb;
    sb_init(&sb);
    sb_append(&sb, "# written by tarmac --demo for the simulator's demo scenario\napps:\n");
    for (size_t i = 0; i < sc->asgs.n; i++) {
        const sc_asg *a = &sc->asgs.items[i];
        sb_printf(&sb, "  %.*s:\n    asg: %s\n", app_name_len(a->name), a->name, a->name);
        if (a->repository)
            sb_printf(&sb, "    ecr_repository: %s\n", a->repository);
        if (a->live_tag && strcmp(a->live_tag, "prod") != 0)
            sb_printf(&sb, "    live_tag: %s\n", a->live_tag);
    }
    bool ok = write(fd, sb.buf, sb.len) == (ssize_t)sb.len;
    sb_free(&sb);
    return ok ? 0 : -1;
}

/* The simulator's environment: a few harmless variables of ours, never AWS_* (the
 * user's keys) or anything else it has no use for. Pointers into environ. */
static void sim_environment(char **envp, size_t cap)
{
    static const char *const keep[] = { "PATH", "LANG",         "LC_ALL",        "LC_CTYPE",
                                        "TZ",   "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS" };
    size_t n = 0;
    for (char **e = environ; *e && n + 1 < cap; e++)
        for (size_t k = 0; k < ARRAY_LEN(keep); k++) {
            size_t len = strlen(keep[k]);
            if (!strncmp(*e, keep[k], len) && (*e)[len] == '=') {
                envp[n++] = *e;
                break;
            }
        }
    envp[n] = NULL;
}

/* Starts `tarmac sim` (this very binary) with stdout on out_fd and stderr on log_fd.
 * The child asks for SIGTERM when its parent goes (a SIGKILL of tarmac included): the
 * fork is made by the main thread, which lives as long as the process, so the
 * "parent thread" PR_SET_PDEATHSIG watches is the whole of tarmac; a parent already
 * gone before prctl() is seen by getppid(). Returns the pid, or -1 with errno. */
static pid_t spawn_sim(int out_fd, int log_fd)
{
    char *argv[] = { "tarmac", "sim", "--port", "0", "--scenario", "demo", "--speed", DEMO_SPEED, NULL };
    char *envp[16];
    sim_environment(envp, ARRAY_LEN(envp));
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    /* the child: async-signal-safe calls only until execve */
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
        _exit(127);
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
        dup2(log_fd, STDERR_FILENO) < 0)
        _exit(127);
    execve("/proc/self/exe", argv, envp);
    _exit(127);
}

/* The simulator's last log line, for a start that failed (its text, made inert by cli_error). */
static void last_log_line(int log_fd, char *out, size_t cap)
{
    char buf[2048];
    off_t size = lseek(log_fd, 0, SEEK_END);
    off_t from = size > (off_t)sizeof buf - 1 ? size - (off_t)sizeof buf + 1 : 0;
    ssize_t n = size > 0 ? pread(log_fd, buf, sizeof buf - 1, from) : 0;
    if (n < 0)
        n = 0;
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    buf[n] = '\0';
    char *line = strrchr(buf, '\n');
    str_copy(out, cap, line ? line + 1 : buf);
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
    if (g->app) { /* the generated config's path says nothing: name the demo's apps instead */
        bool found = false;
        strbuf names;
        sb_init(&names);
        for (size_t i = 0; i < sc->asgs.n; i++) {
            const char *a = sc->asgs.items[i].name;
            int n = app_name_len(a);
            found = found || ((int)strlen(g->app) == n && !strncmp(g->app, a, (size_t)n));
            sb_printf(&names, "%s%.*s", i ? ", " : "", n, a);
        }
        if (!found)
            cli_error("demo: no app named '%s' in the demo (its apps: %s)", g->app, names.buf);
        sb_free(&names);
        if (!found) {
            sim_scenario_free(sc);
            return EXIT_USAGE;
        }
    }
    int rc = EXIT_AWS;
    pid_t pid = -1;
    int pipefd[2] = { -1, -1 };
    /* In memory, not in a directory: nothing to leave behind, however tarmac ends. */
    int config_fd = memfd_create("tarmac-demo-config", MFD_CLOEXEC);
    int log_fd = memfd_create("tarmac-demo-sim-log", MFD_CLOEXEC);
    char config[64];
    snprintf(config, sizeof config, "/proc/self/fd/%d", config_fd);
    if (config_fd < 0 || log_fd < 0 || write_demo_config(sc, config_fd) != 0) {
        cli_error("demo: cannot write the demo's config: %s", strerror(errno));
        goto out;
    }

    /* The simulator: this very binary, as `tarmac sim`. */
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        cli_error("demo: pipe: %s", strerror(errno));
        goto out;
    }
    pid = spawn_sim(pipefd[1], log_fd);
    int spawn_errno = errno;
    close(pipefd[1]);
    pipefd[1] = -1;
    if (pid < 0) {
        cli_error("demo: cannot start the simulator: %s", strerror(spawn_errno));
        goto out;
    }
    char url[200];
    if (read_listen_line(pipefd[0], url, sizeof url) != 0) {
        char last[300];
        last_log_line(log_fd, last, sizeof last);
        cli_error("demo: the simulator did not start%s%s", last[0] ? ": " : "", last);
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
        snprintf(app, sizeof app, "%.*s", app_name_len(name), name);
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
    if (config_fd >= 0)
        close(config_fd);
    if (log_fd >= 0)
        close(log_fd);
    sim_scenario_free(sc);
    return rc;
}
