/* test_journal.c — the action journal: where it lives, its modes (0700 dir, 0600
 * file, a looser old directory or file tightened), its owner (another user's journal,
 * or one in a directory others could swap it in, is refused), one whole JSON line per
 * record even after
 * a short write or a torn tail, reading that survives torn and hostile lines and
 * refuses anything but a regular file, unfinished plans (start without end, with the
 * facts a resume needs) and abandoning them. */
#include "test_tmp.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deploy/journal.h"
#include "deploy/plan.h"

typedef struct tmp {
    char dir[64];
} tmp;

static int setup(void **state)
{
    tmp *t = calloc(1, sizeof *t);
    snprintf(t->dir, sizeof t->dir, "%s/tarmac-journal-XXXXXX", test_tmpdir());
    if (!mkdtemp(t->dir))
        return -1;
    setenv("XDG_STATE_HOME", t->dir, 1);
    unsetenv("TARMAC_JOURNAL");
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    tmp *t = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->dir);
    if (system(cmd) != 0)
        return -1;
    free(t);
    return 0;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    strbuf sb;
    sb_init(&sb);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_appendn(&sb, buf, n);
    fclose(f);
    *len = sb.len;
    return sb_steal(&sb);
}

static void append_raw(const char *path, const char *s)
{
    FILE *f = fopen(path, "ab");
    assert_non_null(f);
    fputs(s, f);
    fclose(f);
}

static void test_path_and_modes(void **state)
{
    tmp *t = *state;
    char *p = journal_default_path();
    char want[128];
    snprintf(want, sizeof want, "%s/tarmac/journal.jsonl", t->dir);
    assert_string_equal(p, want);
    free(p);

    /* HOME fallback when XDG_STATE_HOME is unset or relative. */
    char *home = xstrdup(getenv("HOME"));
    setenv("HOME", "/home/someone", 1);
    setenv("XDG_STATE_HOME", "relative/dir", 1);
    p = journal_default_path();
    assert_string_equal(p, "/home/someone/.local/state/tarmac/journal.jsonl");
    free(p);
    setenv("TARMAC_JOURNAL", "/x/j.jsonl", 1);
    p = journal_default_path();
    assert_string_equal(p, "/x/j.jsonl");
    free(p);
    unsetenv("TARMAC_JOURNAL");
    if (home)
        setenv("HOME", home, 1);
    free(home);
    setenv("XDG_STATE_HOME", t->dir, 1);

    mode_t old = umask(0); /* the modes must not depend on the umask */
    strbuf err;
    sb_init(&err);
    journal *j = journal_open(NULL, &err);
    umask(old);
    assert_non_null(j);
    struct stat st;
    snprintf(want, sizeof want, "%s/tarmac", t->dir);
    assert_int_equal(stat(want, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(stat(journal_path(j), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_true(S_ISREG(st.st_mode));
    journal_close(j);
    sb_free(&err);
}

static void test_append_one_line_each(void **state)
{
    (void)state;
    strbuf err;
    sb_init(&err);
    journal *j = journal_open(NULL, &err);
    assert_non_null(j);
    journal_record r = {
        .time = 1714564800123,
        .event = "step_start",
        .plan_id = "p-1",
        .action = "deploy",
        .user = "alice",
        .account = "123456789012",
        .region = "us-east-1",
        .app = "web",
        .asg = "web-asg",
        .repository = "web",
        .step = 2,
        .step_kind = "copy_tag",
        .description = "prod <- a9f3c21\nwith a newline",
        .before_digest = "sha256:aa",
        .after_digest = "sha256:bb",
        .request_id = "rid-1",
        .cli = "aws ecr put-image ...",
    };
    assert_int_equal(journal_append(j, &r, &err), 0);
    r.event = "step_end";
    r.outcome = "ok";
    assert_int_equal(journal_append(j, &r, &err), 0);

    size_t len;
    char *data = slurp(journal_path(j), &len);
    assert_non_null(data);
    /* Two lines, each one JSON object: newlines inside values are escaped. */
    int lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += data[i] == '\n';
    assert_int_equal(lines, 2);
    assert_int_equal(data[len - 1], '\n');
    char *nl = strchr(data, '\n');
    *nl = '\0';
    json_object *o = json_tokener_parse(data);
    assert_non_null(o);
    json_object *v;
    assert_true(json_object_object_get_ex(o, "time", &v));
    assert_string_equal(json_object_get_string(v), "2024-05-01T12:00:00.123Z");
    assert_true(json_object_object_get_ex(o, "step", &v));
    assert_int_equal(json_object_get_int(v), 2);
    assert_true(json_object_object_get_ex(o, "description", &v));
    assert_string_equal(json_object_get_string(v), "prod <- a9f3c21\nwith a newline");
    assert_true(json_object_object_get_ex(o, "before_digest", &v));
    assert_string_equal(json_object_get_string(v), "sha256:aa");
    assert_false(json_object_object_get_ex(o, "outcome", &v)); /* NULL fields are left out */
    json_object_put(o);
    free(data);
    journal_close(j);
    sb_free(&err);
}

typedef struct counter {
    int n;
    char last[64];
} counter;

static bool count_cb(void *ud, json_object *o, const char *raw, size_t len)
{
    (void)raw;
    (void)len;
    counter *c = ud;
    c->n++;
    json_object *v;
    if (json_object_object_get_ex(o, "plan_id", &v))
        snprintf(c->last, sizeof c->last, "%s", json_object_get_string(v));
    return true;
}

static void test_scan_skips_bad_lines(void **state)
{
    (void)state;
    strbuf err;
    sb_init(&err);
    char *path = journal_default_path();
    counter c = { 0 };
    assert_int_equal(journal_scan(path, count_cb, &c, &err), 0); /* missing file: empty */
    assert_int_equal(c.n, 0);

    journal *j = journal_open(NULL, &err);
    journal_record r = { .event = "note", .plan_id = "p-a" };
    journal_append(j, &r, &err);
    append_raw(path, "not json\n[1,2]\n{\"plan_id\":\"p-torn\",\"ev"); /* junk, an array, a torn tail */
    append_raw(path, "\n\n{\"plan_id\": \"p-\\u0000nul\"}\n");
    /* A line longer than the limit is skipped, the next one is read. */
    strbuf big;
    sb_init(&big);
    sb_append(&big, "{\"plan_id\":\"");
    for (size_t i = 0; i < JOURNAL_MAX_LINE + 10; i++)
        sb_appendc(&big, 'x');
    sb_append(&big, "\"}\n");
    append_raw(path, big.buf);
    sb_free(&big);
    r.plan_id = "p-b";
    journal_append(j, &r, &err);
    c.n = 0;
    assert_int_equal(journal_scan(path, count_cb, &c, &err), 0);
    assert_int_equal(c.n, 3); /* p-a, the \u0000 one, p-b */
    assert_string_equal(c.last, "p-b");
    journal_close(j);
    free(path);
    sb_free(&err);
}

static void plan_rec(journal *j, const char *event, const char *id, const char *app, int step, const char *outcome)
{
    strbuf err;
    sb_init(&err);
    json_object *pj = NULL;
    if (strcmp(event, "plan_start") == 0) {
        pj = json_tokener_parse("{\"id\":\"x\",\"action\":\"deploy\",\"asg\":\"web-asg\",\"repository\":\"web\","
                                "\"live_tag\":\"prod\",\"stable_tag\":\"prod-stable\",\"region\":\"us-east-1\","
                                "\"steps\":[{\"kind\":\"copy_tag\",\"dst_tag\":\"prod-stable\",\"src_tag\":\"prod\","
                                "\"digest\":\"sha256:11\",\"state\":\"pending\"},"
                                "{\"kind\":\"copy_tag\",\"dst_tag\":\"prod\",\"src_tag\":\"a\","
                                "\"digest\":\"sha256:22\",\"before_digest\":\"sha256:11\",\"state\":\"pending\"},"
                                "{\"kind\":\"start_refresh\",\"preferences\":{\"SkipMatching\":false,"
                                "\"MinHealthyPercentage\":90},\"state\":\"pending\"}]}");
        json_object_object_add(pj, "id", json_object_new_string(id));
    }
    journal_record r = { .event = event,
                         .plan_id = id,
                         .app = app,
                         .action = "deploy",
                         .step = step,
                         .steps = pj ? 3 : 0,
                         .outcome = outcome,
                         .plan = pj,
                         .refresh_id = step == 3 ? "rf-9" : NULL };
    assert_int_equal(journal_append(j, &r, &err), 0);
    json_object_put(pj);
    sb_free(&err);
}

static void test_unfinished_and_resume(void **state)
{
    (void)state;
    strbuf err;
    sb_init(&err);
    journal *j = journal_open(NULL, &err);
    /* p1: finished. p2: web, two steps done, the third started. p3: api, finished. */
    plan_rec(j, "plan_start", "p1", "web", 0, NULL);
    plan_rec(j, "plan_end", "p1", "web", 0, "ok");
    plan_rec(j, "plan_start", "p2", "web", 0, NULL);
    plan_rec(j, "step_start", "p2", "web", 1, NULL);
    plan_rec(j, "step_end", "p2", "web", 1, "ok");
    plan_rec(j, "step_start", "p2", "web", 2, NULL);
    plan_rec(j, "step_end", "p2", "web", 2, "skipped");
    plan_rec(j, "step_start", "p2", "web", 3, NULL);
    plan_rec(j, "step_start", "p2", "web", 99, NULL); /* out of range: ignored */
    plan_rec(j, "plan_start", "p3", "api", 0, NULL);
    plan_rec(j, "plan_end", "p3", "api", 0, "failed");

    journal_unfinished_list l = { 0 };
    assert_int_equal(journal_find_unfinished(journal_path(j), NULL, &l, &err), 0);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.items[0].plan_id, "p2");
    assert_int_equal(l.items[0].steps, 3);
    assert_string_equal(l.items[0].step_state.items[0], "ok");
    assert_string_equal(l.items[0].step_state.items[1], "skipped");
    assert_string_equal(l.items[0].step_state.items[2], "started");
    assert_string_equal(l.items[0].step_refresh_id.items[2], "rf-9");

    /* The plan comes back with the journal's step states. */
    plan *p = plan_from_journal(&l.items[0], &err);
    assert_non_null(p);
    assert_true(p->resumed);
    assert_string_equal(p->id, "p2");
    assert_int_equal(p->action, PLAN_DEPLOY);
    assert_int_equal(p->steps.n, 3);
    assert_int_equal(p->steps.items[0].state, STEP_DONE);
    assert_int_equal(p->steps.items[1].state, STEP_SKIPPED);
    assert_int_equal(p->steps.items[2].state, STEP_PENDING);
    assert_string_equal(p->steps.items[1].before_digest, "sha256:11");
    assert_true(p->steps.items[2].prefs.has_skip_matching);
    assert_false(p->steps.items[2].prefs.skip_matching);
    assert_int_equal(p->steps.items[2].prefs.min_healthy_percentage, 90);
    plan_free(p);

    journal_unfinished_list l2 = { 0 };
    assert_int_equal(journal_find_unfinished(journal_path(j), "api", &l2, &err), 0);
    assert_int_equal(l2.n, 0);
    journal_unfinished_list_free(&l2);

    /* Abandon ends it. */
    assert_int_equal(plan_abandon(j, &l.items[0], &err), 0);
    journal_unfinished_list_free(&l);
    assert_int_equal(journal_find_unfinished(journal_path(j), "web", &l, &err), 0);
    assert_int_equal(l.n, 0);
    journal_unfinished_list_free(&l);
    journal_close(j);
    sb_free(&err);
}

/* Every line of the file is one whole JSON object (a count of them). */
static int whole_lines(const char *path)
{
    size_t len;
    char *data = slurp(path, &len);
    assert_non_null(data);
    int n = 0;
    char *save = NULL;
    for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_object *o = json_tokener_parse(line);
        assert_non_null(o);
        json_object_put(o);
        n++;
    }
    free(data);
    return n;
}

/* A short write (here: the file size limit) is cut off again: the next record is
 * not glued to a torn line. */
static void test_short_write_leaves_no_torn_line(void **state)
{
    (void)state;
    strbuf err;
    sb_init(&err);
    journal *j = journal_open(NULL, &err);
    assert_non_null(j);
    journal_record r = { .event = "note", .plan_id = "p-1", .description = "first" };
    assert_int_equal(journal_append(j, &r, &err), 0);
    struct stat st;
    assert_int_equal(stat(journal_path(j), &st), 0);
    struct rlimit saved, rl;
    getrlimit(RLIMIT_FSIZE, &saved);
    void (*old)(int) = signal(SIGXFSZ, SIG_IGN);
    rl = saved;
    rl.rlim_cur = (rlim_t)st.st_size + 10; /* room for 10 bytes of the next line */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
    r.plan_id = "p-2";
    int rc = journal_append(j, &r, &err);
    setrlimit(RLIMIT_FSIZE, &saved);
    signal(SIGXFSZ, old);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err.buf, "cannot write the journal"));
    r.plan_id = "p-3";
    sb_reset(&err);
    assert_int_equal(journal_append(j, &r, &err), 0);
    assert_int_equal(whole_lines(journal_path(j)), 2); /* p-1 and p-3, nothing torn */
    counter c = { 0 };
    assert_int_equal(journal_scan(journal_path(j), count_cb, &c, &err), 0);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.last, "p-3");
    journal_close(j);
    sb_free(&err);
}

/* Another writer died half-way through a line: the next record starts on its own. */
static void test_record_after_a_torn_tail(void **state)
{
    (void)state;
    strbuf err;
    sb_init(&err);
    journal *j = journal_open(NULL, &err);
    assert_non_null(j);
    append_raw(journal_path(j), "{\"plan_id\":\"p-torn\",\"ev");
    journal_record r = { .event = "note", .plan_id = "p-after" };
    assert_int_equal(journal_append(j, &r, &err), 0);
    counter c = { 0 };
    assert_int_equal(journal_scan(journal_path(j), count_cb, &c, &err), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.last, "p-after");
    journal_close(j);
    sb_free(&err);
}

/* A device or a FIFO is no journal: refused, never read forever. */
static void test_not_a_regular_file(void **state)
{
    tmp *t = *state;
    strbuf err;
    sb_init(&err);
    counter c = { 0 };
    assert_int_equal(journal_scan("/dev/null", count_cb, &c, &err), -1);
    assert_non_null(strstr(err.buf, "not a regular file"));
    sb_reset(&err);
    assert_null(journal_open("/dev/full", &err));
    assert_non_null(strstr(err.buf, "not a regular file"));
    char fifo[128];
    snprintf(fifo, sizeof fifo, "%s/fifo.jsonl", t->dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    sb_reset(&err);
    assert_int_equal(journal_scan(fifo, count_cb, &c, &err), -1);
    sb_reset(&err);
    assert_null(journal_open(fifo, &err));
    sb_free(&err);
}

/* An older, looser journal directory is tightened to 0700. */
static void test_loose_directory_tightened(void **state)
{
    tmp *t = *state;
    char dir[128];
    snprintf(dir, sizeof dir, "%s/tarmac", t->dir);
    assert_int_equal(mkdir(dir, 0755), 0);
    assert_int_equal(chmod(dir, 0755), 0);
    strbuf err;
    sb_init(&err);
    journal *j = journal_open(NULL, &err);
    assert_non_null(j);
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    journal_close(j);
    sb_free(&err);
}

/* A journal another user owns is never used nor read, and never chmod'ed (as root,
 * fchmod would succeed): a plant in a shared directory (0666, another owner, a forged
 * unfinished plan) is refused with who owns it. Needs root to make the plant. */
static void test_foreign_owner_refused(void **state)
{
    tmp *t = *state;
    if (geteuid() != 0)
        skip();
    char path[128];
    snprintf(path, sizeof path, "%s/planted.jsonl", t->dir);
    append_raw(path, "{\"event\":\"plan_start\",\"plan_id\":\"p-x\",\"user\":\"root\",\"steps\":1}\n");
    assert_int_equal(chown(path, 65534, 65534), 0);
    assert_int_equal(chmod(path, 0666), 0);
    strbuf err;
    sb_init(&err);
    assert_null(journal_open(path, &err));
    assert_non_null(strstr(err.buf, "(uid 65534), not to you (uid 0)"));
    sb_reset(&err);
    counter c = { 0 };
    assert_int_equal(journal_scan(path, count_cb, &c, &err), -1);
    assert_int_equal(c.n, 0);
    assert_non_null(strstr(err.buf, "cannot read the journal"));
    sb_reset(&err);
    journal_unfinished_list l = { 0 };
    assert_int_equal(journal_find_unfinished(path, NULL, &l, &err), -1);
    assert_int_equal(l.n, 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0666); /* left as it was */
    sb_free(&err);
}

/* The user's own looser journal is made 0600 when opened and when read. */
static void test_loose_file_tightened(void **state)
{
    tmp *t = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/own.jsonl", t->dir);
    append_raw(path, "{\"event\":\"refused\"}\n");
    assert_int_equal(chmod(path, 0666), 0);
    strbuf err;
    sb_init(&err);
    counter c = { 0 };
    assert_int_equal(journal_scan(path, count_cb, &c, &err), 0);
    assert_int_equal(c.n, 1);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(chmod(path, 0644), 0);
    journal *j = journal_open(path, &err);
    assert_non_null(j);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    journal_close(j);
    sb_free(&err);
}

/* A directory where others could swap the journal: writable by them without the
 * sticky bit, or owned by another user. A sticky shared directory (/tmp) is fine:
 * others cannot rename or remove the user's own file there. */
static void test_shared_directory(void **state)
{
    tmp *t = *state;
    char dir[128], path[160];
    snprintf(dir, sizeof dir, "%s/shared", t->dir);
    snprintf(path, sizeof path, "%s/journal.jsonl", dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(chmod(dir, 0777), 0);
    strbuf err;
    sb_init(&err);
    assert_null(journal_open(path, &err));
    assert_non_null(strstr(err.buf, "is writable by them (mode 0777)"));
    sb_reset(&err);
    counter c = { 0 };
    assert_int_equal(journal_scan(path, count_cb, &c, &err), -1);
    sb_reset(&err);
    assert_int_equal(chmod(dir, 01777), 0);
    journal *j = journal_open(path, &err);
    assert_non_null(j);
    journal_close(j);
    assert_int_equal(journal_scan(path, count_cb, &c, &err), 0);
    if (geteuid() == 0) {
        assert_int_equal(chmod(dir, 0755), 0);
        assert_int_equal(chown(dir, 65534, 65534), 0);
        sb_reset(&err);
        assert_null(journal_open(path, &err));
        assert_non_null(strstr(err.buf, "belongs to uid 65534, who could replace the journal"));
    }
    sb_free(&err);
}

/* The newest refresh a start step saw before its call, and the plan's group, come
 * back from the journal; a step that ended failed or unknown counts as started. */
static void test_unfinished_keeps_run_time_facts(void **state)
{
    (void)state;
    strbuf err;
    sb_init(&err);
    journal *j = journal_open(NULL, &err);
    plan_rec(j, "plan_start", "p7", "web", 0, NULL);
    plan_rec(j, "step_start", "p7", "web", 1, NULL);
    plan_rec(j, "step_end", "p7", "web", 1, "ok");
    plan_rec(j, "step_start", "p7", "web", 2, NULL);
    plan_rec(j, "step_end", "p7", "web", 2, "refused");
    journal_record r = {
        .event = "step_start", .plan_id = "p7", .app = "web", .step = 3, .latest_refresh_id = "rf-older"
    };
    assert_int_equal(journal_append(j, &r, &err), 0);
    plan_rec(j, "step_end", "p7", "web", 3, "unknown");
    journal_unfinished_list l = { 0 };
    assert_int_equal(journal_find_unfinished(journal_path(j), NULL, &l, &err), 0);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.items[0].latest_refresh_id, "rf-older");
    plan *p = plan_from_journal(&l.items[0], &err);
    assert_non_null(p);
    assert_string_equal(p->latest_refresh_id, "rf-older");
    assert_int_equal(p->steps.items[0].state, STEP_DONE);
    assert_false(p->steps.items[1].was_started); /* refused: nothing was sent */
    assert_true(p->steps.items[2].was_started);
    assert_int_equal(p->steps.items[2].state, STEP_PENDING);
    plan_free(p);
    journal_unfinished_list_free(&l);
    journal_close(j);
    sb_free(&err);
}

static void test_hostile_plan_record(void **state)
{
    (void)state;
    strbuf err;
    sb_init(&err);
    const char *bad[] = {
        "{}",
        "{\"id\":\"p\",\"action\":\"explode\",\"steps\":[]}",
        "{\"id\":\"p\",\"action\":\"deploy\",\"steps\":{}}",
        ("{\"id\":\"p\",\"action\":\"deploy\",\"asg\":\"a\",\"live_tag\":\"p\",\"stable_tag\":\"s\","
         "\"steps\":[{\"kind\":\"copy_tag\"}]}"), /* copy without tag/digest */
        "{\"id\":\"p\",\"action\":\"deploy\",\"steps\":[{\"kind\":\"nope\"}]}",
        "{\"id\":\"p\",\"action\":\"deploy\",\"steps\":[]}", /* no ASG */
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        json_object *o = json_tokener_parse(bad[i]);
        assert_non_null(o);
        sb_reset(&err);
        plan *p = plan_from_json(o, &err);
        assert_null(p);
        assert_true(err.len > 0);
        json_object_put(o);
    }
    sb_free(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_path_and_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_one_line_each, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_skips_bad_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unfinished_and_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_write_leaves_no_torn_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_after_a_torn_tail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_regular_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loose_directory_tightened, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_owner_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loose_file_tightened, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unfinished_keeps_run_time_facts, setup, teardown),
        cmocka_unit_test(test_hostile_plan_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
