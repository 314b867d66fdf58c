/* journal.c — the append-only JSON-lines journal of every action step: one write()
 * plus fsync per record, so a crash leaves whole lines; reading skips anything that
 * is not a whole JSON object, so a torn or hostile line cannot break `tarmac log`. */
#include "deploy/journal.h"
#include "services/model.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct journal {
    int fd;
    char *path;
};

static const char *home_dir(void)
{
    const char *h = getenv("HOME");
    if (h && *h)
        return h;
    struct passwd *pw = getpwuid(getuid());
    return pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : NULL;
}

char *journal_default_path(void)
{
    const char *over = getenv("TARMAC_JOURNAL");
    if (over && *over)
        return xstrdup(over);
    const char *state = getenv("XDG_STATE_HOME");
    if (state && state[0] == '/')
        return xasprintf("%s/tarmac/journal.jsonl", state);
    const char *home = home_dir();
    if (!home)
        return NULL;
    return xasprintf("%s/.local/state/tarmac/journal.jsonl", home);
}

char *journal_local_user(void)
{
    struct passwd *pw = getpwuid(geteuid());
    if (pw && pw->pw_name && *pw->pw_name)
        return xstrdup(pw->pw_name);
    const char *u = getenv("USER");
    if (u && *u)
        return xstrndup(u, 64);
    return xasprintf("uid:%u", (unsigned)geteuid());
}

/* mkdir -p for the journal's directory; new directories are 0700. */
static int make_dirs(const char *path, strbuf *err)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) {
        free(dir);
        return 0;
    }
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            sb_printf(err, "cannot create %s: %s", dir, strerror(errno));
            free(dir);
            return -1;
        }
        *p = saved;
        if (saved == '\0')
            break;
    }
    free(dir);
    return 0;
}

/* The journal's own directory ("tarmac") made 0700 if an older one is looser: the
 * journal says who did what. Directories named by TARMAC_JOURNAL elsewhere are left alone. */
static void tighten_dir(const char *path)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        const char *base = strrchr(dir, '/');
        struct stat st;
        if (base && strcmp(base + 1, "tarmac") == 0 && lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
            st.st_uid == geteuid() && (st.st_mode & 077))
            (void)chmod(dir, 0700);
    }
    free(dir);
}

/* The journal says who did what, and resume runs the plans it holds: it must be the
 * user's own. A file another user owns (planted in a shared directory, or reached by
 * TARMAC_JOURNAL) is refused; a looser mode is tightened to 0600 and refused when it
 * cannot be; and so is a directory in which another user could swap the file:
 * one owned by someone else than the user or root, or writable by others without
 * the sticky bit (which keeps them from renaming or removing the user's file). */
static int check_trusted(int fd, const char *path, const char *what, strbuf *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        sb_printf(err, "cannot %s the journal %s: not a regular file", what, path);
        return -1;
    }
    uid_t me = geteuid();
    if (st.st_uid != me) {
        struct passwd *pw = getpwuid(st.st_uid);
        sb_printf(err,
                  "cannot %s the journal %s: it belongs to %s (uid %u), not to you (uid %u); tarmac uses "
                  "only a journal of your own (remove it, or set TARMAC_JOURNAL to a file of yours)",
                  what, path, pw && pw->pw_name ? pw->pw_name : "another user", (unsigned)st.st_uid, (unsigned)me);
        return -1;
    }
    if (st.st_mode & 077) {
        /* an older, looser file: tighten it, or do not trust it */
        int rc = fchmod(fd, 0600);
        int e = errno;
        if (rc != 0 || fstat(fd, &st) != 0 || (st.st_mode & 077)) {
            sb_printf(err,
                      "cannot %s the journal %s: other users may write it (mode %04o) and it cannot be made "
                      "private: %s",
                      what, path, (unsigned)(st.st_mode & 07777), rc != 0 ? strerror(e) : "its mode did not change");
            return -1;
        }
    }
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    else
        str_set(&dir, ".");
    struct stat ds;
    int rc = 0;
    if (stat(dir, &ds) != 0) {
        sb_printf(err, "cannot %s the journal %s: %s: %s", what, path, dir, strerror(errno));
        rc = -1;
    } else if (ds.st_uid != me && ds.st_uid != 0) {
        sb_printf(err,
                  "cannot %s the journal %s: its directory %s belongs to uid %u, who could replace the "
                  "journal; keep it in a directory of your own",
                  what, path, dir, (unsigned)ds.st_uid);
        rc = -1;
    } else if ((ds.st_mode & 022) && !(ds.st_mode & S_ISVTX)) {
        sb_printf(err,
                  "cannot %s the journal %s: other users may replace it, its directory %s is writable by "
                  "them (mode %04o) (chmod go-w %s)",
                  what, path, dir, (unsigned)(ds.st_mode & 07777), dir);
        rc = -1;
    }
    free(dir);
    return rc;
}

journal *journal_open(const char *path, strbuf *err)
{
    char *p = path ? xstrdup(path) : journal_default_path();
    if (!p) {
        sb_append(err, "no journal path: set XDG_STATE_HOME or HOME");
        return NULL;
    }
    if (make_dirs(p, err) != 0) {
        free(p);
        return NULL;
    }
    tighten_dir(p);
    /* Read access too: journal_append looks at the last byte before appending.
     * O_NONBLOCK: a FIFO must not hang the open; it is refused below. */
    int fd = open(p, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
    if (fd < 0) {
        sb_printf(err, "cannot open the journal %s: %s", p, strerror(errno));
        free(p);
        return NULL;
    }
    if (check_trusted(fd, p, "use", err) != 0) {
        close(fd);
        free(p);
        return NULL;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    journal *j = xcalloc(1, sizeof *j);
    j->fd = fd;
    j->path = p;
    return j;
}

void journal_close(journal *j)
{
    if (!j)
        return;
    close(j->fd);
    free(j->path);
    free(j);
}

const char *journal_path(const journal *j)
{
    return j->path;
}

static void put_str(json_object *o, const char *key, const char *v)
{
    if (v)
        json_object_object_add(o, key, json_object_new_string(v));
}

int journal_append(journal *j, const journal_record *r, strbuf *err)
{
    json_object *o = json_object_new_object();
    char when[40];
    time_format_iso8601(r->time ? r->time : time_now_ms(), when, sizeof when);
    put_str(o, "time", when);
    put_str(o, "event", r->event);
    put_str(o, "plan_id", r->plan_id);
    put_str(o, "action", r->action);
    put_str(o, "user", r->user);
    put_str(o, "account", r->account);
    put_str(o, "region", r->region);
    put_str(o, "app", r->app);
    put_str(o, "asg", r->asg);
    put_str(o, "repository", r->repository);
    if (r->step > 0)
        json_object_object_add(o, "step", json_object_new_int(r->step));
    if (r->steps > 0)
        json_object_object_add(o, "steps", json_object_new_int(r->steps));
    put_str(o, "step_kind", r->step_kind);
    put_str(o, "description", r->description);
    put_str(o, "before_digest", r->before_digest);
    put_str(o, "after_digest", r->after_digest);
    put_str(o, "refresh_id", r->refresh_id);
    put_str(o, "request_id", r->request_id);
    put_str(o, "outcome", r->outcome);
    put_str(o, "error", r->error);
    put_str(o, "cli", r->cli);
    put_str(o, "latest_refresh_id", r->latest_refresh_id);
    put_str(o, "status", r->status);
    put_str(o, "reason", r->reason);
    put_str(o, "source", r->source);
    put_str(o, "trigger", r->trigger);
    if (r->plan)
        json_object_object_add(o, "plan", json_object_get(r->plan));
    if (r->undo_steps)
        json_object_object_add(o, "undo_steps", json_object_get(r->undo_steps));

    const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    strbuf line;
    sb_init(&line);
    /* A file that does not end in a newline holds a torn line (a writer died
     * half-way): start on a line of our own so this record stays readable. */
    struct stat st;
    off_t size = fstat(j->fd, &st) == 0 ? st.st_size : -1;
    char last = '\n';
    if (size > 0 && pread(j->fd, &last, 1, size - 1) == 1 && last != '\n')
        sb_appendc(&line, '\n');
    sb_append(&line, s);
    sb_appendc(&line, '\n');
    json_object_put(o);

    int rc = 0;
    if (line.len > JOURNAL_MAX_LINE) {
        sb_printf(err, "journal record too long (%zu bytes)", line.len);
        rc = -1;
    } else {
        /* One write() on O_APPEND: concurrent writers never interleave a line. */
        ssize_t w;
        do
            w = write(j->fd, line.buf, line.len);
        while (w < 0 && errno == EINTR);
        if (w < 0 || (size_t)w != line.len) {
            int e = errno;
            /* A short write (disk full, file size limit) leaves part of a line:
             * cut it off again when nobody appended after it, else end it. */
            if (w > 0 && size >= 0) {
                bool alone = fstat(j->fd, &st) == 0 && st.st_size == size + w;
                if (!alone || ftruncate(j->fd, size) != 0) {
                    /* At least end it (the reader skips a torn line); failing that, the
                     * next record starts with a newline of its own. */
                    ssize_t nl = write(j->fd, "\n", 1);
                    (void)nl;
                }
            }
            sb_printf(err, "cannot write the journal %s: %s", j->path,
                      w < 0 ? strerror(e) : "short write (disk full?)");
            rc = -1;
        } else if (fsync(j->fd) != 0) {
            sb_printf(err, "cannot sync the journal %s: %s", j->path, strerror(errno));
            rc = -1;
        }
    }
    sb_free(&line);
    return rc;
}

int journal_scan(const char *path, journal_scan_fn fn, void *ud, strbuf *err)
{
    char *p = path ? xstrdup(path) : journal_default_path();
    if (!p)
        return 0;
    /* O_NONBLOCK: a FIFO must not hang the open; it is refused below. */
    int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT) {
            free(p);
            return 0;
        }
        sb_printf(err, "cannot read the journal %s: %s", p, strerror(e));
        free(p);
        return -1;
    }
    /* A device or a FIFO is no journal (/dev/zero would be read forever), nor is a
     * file another user could have written. */
    if (check_trusted(fd, p, "read", err) != 0) {
        close(fd);
        free(p);
        return -1;
    }
    FILE *f = fdopen(fd, "r");
    if (!f) {
        sb_printf(err, "cannot read the journal %s: %s", p, strerror(errno));
        close(fd);
        free(p);
        return -1;
    }
    free(p);
    strbuf line;
    sb_init(&line);
    bool too_long = false, go = true;
    int c;
    json_tokener *tok = json_tokener_new_ex(16);
    while (go) {
        c = getc(f);
        if (c != '\n' && c != EOF) {
            if (line.len < JOURNAL_MAX_LINE)
                sb_appendc(&line, (char)c);
            else
                too_long = true;
            continue;
        }
        if (!too_long && line.len > 0 && memchr(line.buf, '\0', line.len) == NULL) {
            json_tokener_reset(tok);
            json_object *o = json_tokener_parse_ex(tok, line.buf, (int)line.len);
            if (o && json_tokener_get_error(tok) == json_tokener_success && json_object_is_type(o, json_type_object))
                go = fn(ud, o, line.buf, line.len);
            json_object_put(o);
        }
        sb_reset(&line);
        too_long = false;
        if (c == EOF)
            break;
    }
    json_tokener_free(tok);
    sb_free(&line);
    int rc = ferror(f) ? -1 : 0;
    if (rc)
        sb_append(err, "error reading the journal");
    fclose(f);
    return rc;
}

static const char *get_s(json_object *o, const char *key)
{
    json_object *v;
    if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return NULL;
}

static int get_i(json_object *o, const char *key)
{
    json_object *v;
    if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int)) {
        int64_t x = json_object_get_int64(v);
        return x >= 0 && x <= 1000 ? (int)x : -1;
    }
    return -1;
}

typedef struct unfinished_scan {
    const char *app;
    journal_unfinished_list *out;
} unfinished_scan;

static journal_unfinished *find_plan(journal_unfinished_list *l, const char *id)
{
    for (size_t i = 0; i < l->n; i++)
        if (str_eq(l->items[i].plan_id, id))
            return &l->items[i];
    return NULL;
}

static bool unfinished_cb(void *ud, json_object *o, const char *raw, size_t raw_len)
{
    (void)raw;
    (void)raw_len;
    unfinished_scan *u = ud;
    const char *ev = get_s(o, "event"), *id = get_s(o, "plan_id");
    if (!ev || !id)
        return true;
    if (strcmp(ev, "plan_start") == 0) {
        if ((u->app && !str_eq(get_s(o, "app"), u->app)) || find_plan(u->out, id))
            return true;
        int steps = get_i(o, "steps");
        if (steps < 0)
            steps = 0;
        journal_unfinished *p = VEC_NEW(*u->out);
        p->plan_id = xstrdup(id);
        p->action = xstrdup(get_s(o, "action"));
        p->app = xstrdup(get_s(o, "app"));
        p->user = xstrdup(get_s(o, "user"));
        p->time = xstrdup(get_s(o, "time"));
        p->region = xstrdup(get_s(o, "region"));
        p->asg = xstrdup(get_s(o, "asg"));
        p->start = json_object_get(o);
        p->steps = steps;
        for (int i = 0; i < steps; i++) {
            strvec_push(&p->step_state, "");
            strvec_push(&p->step_refresh_id, "");
        }
        return true;
    }
    journal_unfinished *p = find_plan(u->out, id);
    if (!p)
        return true;
    if (strcmp(ev, "plan_end") == 0) {
        size_t idx = (size_t)(p - u->out->items);
        journal_unfinished_free(p);
        memmove(&u->out->items[idx], &u->out->items[idx + 1], (u->out->n - idx - 1) * sizeof *p);
        u->out->n--;
        return true;
    }
    if (strcmp(ev, "plan_undo") == 0) {
        json_object *us;
        if (p->undo_steps || !json_object_object_get_ex(o, "undo_steps", &us) ||
            !json_object_is_type(us, json_type_array) || json_object_array_length(us) > 16)
            return true;
        p->undo_steps = json_object_get(us);
        str_set(&p->undo_reason, get_s(o, "error"));
        for (size_t i = 0; i < json_object_array_length(us); i++) {
            strvec_push(&p->step_state, "");
            strvec_push(&p->step_refresh_id, "");
        }
        p->steps += (int)json_object_array_length(us);
        return true;
    }
    int step = get_i(o, "step");
    if (step < 1 || step > p->steps)
        return true;
    size_t k = (size_t)step - 1;
    if (strcmp(ev, "step_start") == 0) {
        str_set(&p->step_state.items[k], "started");
    } else if (strcmp(ev, "step_end") == 0) {
        const char *out = get_s(o, "outcome");
        str_set(&p->step_state.items[k], out ? out : "unknown");
    }
    const char *rid = get_s(o, "refresh_id");
    if (rid)
        str_set(&p->step_refresh_id.items[k], rid);
    const char *latest = get_s(o, "latest_refresh_id");
    if (latest)
        str_set(&p->latest_refresh_id, latest);
    return true;
}

int journal_find_unfinished(const char *path, const char *app, journal_unfinished_list *out, strbuf *err)
{
    unfinished_scan u = { .app = app, .out = out };
    return journal_scan(path, unfinished_cb, &u, err);
}

void journal_unfinished_free(journal_unfinished *u)
{
    free(u->plan_id);
    free(u->action);
    free(u->app);
    free(u->user);
    free(u->time);
    free(u->region);
    free(u->asg);
    free(u->latest_refresh_id);
    free(u->undo_reason);
    json_object_put(u->undo_steps);
    json_object_put(u->start);
    strvec_free(&u->step_state);
    strvec_free(&u->step_refresh_id);
    memset(u, 0, sizeof *u);
}

void journal_unfinished_list_free(journal_unfinished_list *l)
{
    MODEL_LIST_FREE(*l, journal_unfinished_free);
}
