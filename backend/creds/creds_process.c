/* creds_process.c — the credential_process provider: the command line split as
 * botocore does (shlex, no shell), run as a child with stdout on a pipe, its stderr
 * passed through (headless) or captured (console), killed after a timeout; stdout
 * must be botocore's JSON document (Version 1). Polled, never waited on. */
#include "creds/creds_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROC_STDERR_MAX 4096

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* hooks, else TARMAC_CREDENTIAL_PROCESS_TIMEOUT (seconds, 1..600), else 60 s */
static int process_timeout_ms(const creds_job *j)
{
    if (j->hooks.process_timeout_ms > 0)
        return j->hooks.process_timeout_ms;
    const char *v = creds_env("TARMAC_CREDENTIAL_PROCESS_TIMEOUT");
    long t = v ? strtol(v, NULL, 10) : 0;
    return t >= 1 && t <= 600 ? (int)t * 1000 : 60000;
}

void creds_process_cancel(creds_job *j)
{
    if (j->pid > 0) {
        kill(j->pid, SIGKILL);
        waitpid(j->pid, NULL, 0);
    }
    j->pid = 0;
    close_fd(&j->out_fd);
    close_fd(&j->err_fd);
}

void creds_process_start(creds_job *j, const creds_step *s)
{
    strvec argv = { 0 };
    if (creds_shlex_split(s->command, &argv) != 0 || argv.n == 0) {
        strvec_free(&argv);
        creds_job_fail(j,
                       "credential_process of profile \"%.*s\" is not a valid command line "
                       "(unbalanced quote?): fix it in the config file",
                       CREDS_NAME_SHOWN, s->profile);
        return;
    }
    int out[2] = { -1, -1 }, err[2] = { -1, -1 };
    if (pipe2(out, O_CLOEXEC) != 0 || (j->hooks.capture_stderr && pipe2(err, O_CLOEXEC) != 0)) {
        close_fd(&out[0]);
        close_fd(&out[1]);
        strvec_free(&argv);
        creds_job_fail(j, "cannot run credential_process: %s", strerror(errno));
        return;
    }
    VEC_PUSH(argv, NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        dup2(out[1], 1);
        if (err[1] >= 0)
            dup2(err[1], 2);
        signal(SIGPIPE, SIG_DFL);
        execvp(argv.items[0], argv.items);
        int e = errno;
        char shown[160]; /* the config file's text goes to a terminal: printable ASCII only */
        size_t k = 0;
        for (const char *c = argv.items[0]; *c && k + 1 < sizeof shown; c++)
            shown[k++] = *c > 0x20 && *c < 0x7f ? *c : '?';
        shown[k] = '\0';
        dprintf(2, "credential_process: cannot run %s: %s\n", shown, strerror(e));
        _exit(127);
    }
    argv.n--; /* the NULL is not owned */
    strvec_free(&argv);
    close_fd(&out[1]);
    close_fd(&err[1]);
    if (pid < 0) {
        close_fd(&out[0]);
        close_fd(&err[0]);
        creds_job_fail(j, "cannot run credential_process: %s", strerror(errno));
        return;
    }
    j->pid = pid;
    j->out_fd = out[0];
    j->err_fd = err[0];
    fcntl(j->out_fd, F_SETFL, O_NONBLOCK);
    if (j->err_fd >= 0)
        fcntl(j->err_fd, F_SETFL, O_NONBLOCK);
    sb_reset(&j->out);
    sb_reset(&j->errtext);
    j->deadline_mono = mono_now_ms() + process_timeout_ms(j);
}

/* Reads what is there; false at EOF or on error. */
static bool drain(int fd, strbuf *sb, size_t max, bool *overflow)
{
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            if (sb->len + (size_t)n > max)
                *overflow = true;
            else
                sb_appendn(sb, buf, (size_t)n);
            secret_wipe(buf, sizeof buf);
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return true;
        return false;
    }
}

/* The last non-empty line of the child's stderr, printable ASCII only, bounded. */
static void stderr_tail(const strbuf *sb, char *out, size_t cap)
{
    out[0] = '\0';
    size_t end = sb->len;
    while (end && (sb->buf[end - 1] == '\n' || sb->buf[end - 1] == '\r'))
        end--;
    size_t start = end;
    while (start && sb->buf[start - 1] != '\n')
        start--;
    size_t o = 0;
    for (size_t i = start; i < end && o + 1 < cap && o < 160; i++) {
        unsigned char ch = (unsigned char)sb->buf[i];
        out[o++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    out[o] = '\0';
}

void creds_process_poll(creds_job *j)
{
    if (j->pid <= 0)
        return;
    const creds_step *s = &j->plan.steps.items[j->step];
    bool overflow = false, err_over = false;
    if (j->out_fd >= 0 && !drain(j->out_fd, &j->out, CREDS_DOC_MAX, &overflow))
        close_fd(&j->out_fd);
    if (j->err_fd >= 0 && !drain(j->err_fd, &j->errtext, PROC_STDERR_MAX, &err_over))
        close_fd(&j->err_fd);
    int status = 0;
    pid_t r = waitpid(j->pid, &status, WNOHANG);
    if (r == 0 && !overflow) {
        if (mono_now_ms() < j->deadline_mono)
            return;
        creds_process_cancel(j);
        creds_job_fail(j,
                       "credential_process of profile \"%.*s\" did not answer within %d s and "
                       "was stopped: check the helper (does it wait for input?)",
                       CREDS_NAME_SHOWN, s->profile, (process_timeout_ms(j) + 999) / 1000);
        return;
    }
    if (overflow) {
        creds_process_cancel(j);
        creds_job_fail(j,
                       "credential_process of profile \"%.*s\" printed more than %u bytes: it "
                       "must print one JSON document",
                       CREDS_NAME_SHOWN, s->profile, CREDS_DOC_MAX);
        return;
    }
    j->pid = 0;
    /* the child is gone: take what is left in the pipes */
    if (j->out_fd >= 0)
        drain(j->out_fd, &j->out, CREDS_DOC_MAX, &overflow);
    if (j->err_fd >= 0)
        drain(j->err_fd, &j->errtext, PROC_STDERR_MAX, &err_over);
    close_fd(&j->out_fd);
    close_fd(&j->err_fd);
    char tail[200];
    stderr_tail(&j->errtext, tail, sizeof tail);
    if (r < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        int code = r > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        creds_job_fail(j,
                       "credential_process of profile \"%.*s\" failed (exit %d)%s%s: run it by "
                       "hand to see why",
                       CREDS_NAME_SHOWN, s->profile, code, tail[0] ? ": " : "", tail);
        return;
    }
    aws_credentials cr;
    strbuf why;
    sb_init(&why);
    if (creds_parse_json_doc(j->out.buf, j->out.len, true, &cr, &why) != 0) {
        creds_job_fail(j,
                       "credential_process of profile \"%.*s\" printed something that is not "
                       "credentials (%s): it must print botocore's JSON with Version 1",
                       CREDS_NAME_SHOWN, s->profile, why.buf);
        sb_free(&why);
        return;
    }
    sb_free(&why);
    secret_wipe(j->out.buf, j->out.len);
    sb_reset(&j->out);
    creds_job_step_done(j, &cr, NULL);
    aws_credentials_free(&cr);
}
