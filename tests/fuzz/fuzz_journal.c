/* fuzz_journal.c — libFuzzer target: arbitrary bytes as a journal file (journal.h),
 * read the way `tarmac log`, resume and abandon read it: every record journal_scan
 * accepts goes through plan_from_json (its "plan" member, else the record itself),
 * and every unfinished plan journal_find_unfinished reports through
 * plan_from_journal. A plan that loads must keep plan.h's promises, format, and
 * survive plan_to_json -> plan_from_json unchanged. The input is written to a
 * private temporary directory (the journal refuses symlinks such as
 * /proc/self/fd/N, so a memfd cannot stand in); it is removed at exit.
 * Seeds: real journals (tests/fixtures/journal). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "deploy/journal.h"
#include "deploy/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd = -1;
static char dir[4096];
static char path[4200];

static void cleanup(void)
{
    if (fd >= 0) {
        close(fd);
        unlink(path);
        rmdir(dir);
    }
}

/* plan_from_json's promises (16 is plan_int.h's PLAN_MAX_STEPS). */
static void check_plan(const plan *p)
{
    if (!memchr(p->id, '\0', sizeof p->id) || !p->target.asg || !p->target.live_tag || !p->target.stable_tag ||
        p->steps.n > 16 || p->refusal)
        abort();
    for (size_t i = 0; i < p->steps.n; i++) {
        const plan_step *s = &p->steps.items[i];
        if (s->kind == STEP_COPY_TAG && (!s->dst_tag || !s->digest || !p->target.repository))
            abort();
        if (s->state != STEP_PENDING && s->state != STEP_SKIPPED && s->state != STEP_DONE)
            abort();
    }
    strbuf out;
    sb_init(&out);
    plan_format(p, &out);
    if (!out.len)
        abort();
    sb_free(&out);
}

/* to_json(from_json(to_json(p))) == to_json(p): what resume reads back is what was written. */
static void round_trip(const plan *p)
{
    json_object *a = plan_to_json(p);
    strbuf err;
    sb_init(&err);
    plan *q = plan_from_json(a, &err);
    if (!q)
        abort();
    json_object *b = plan_to_json(q);
    if (strcmp(json_object_to_json_string(a), json_object_to_json_string(b)) != 0)
        abort();
    json_object_put(a);
    json_object_put(b);
    plan_free(q);
    sb_free(&err);
}

static bool on_record(void *ud, json_object *obj, const char *raw, size_t raw_len)
{
    size_t *count = ud;
    if (!raw || raw_len == 0 || memchr(raw, '\n', raw_len) || !json_object_is_type(obj, json_type_object))
        abort();
    json_object *po = NULL;
    if (!json_object_object_get_ex(obj, "plan", &po))
        po = obj;
    strbuf err;
    sb_init(&err);
    plan *p = plan_from_json(po, &err);
    if (p) {
        if (err.len)
            abort();
        check_plan(p);
        round_trip(p);
        plan_free(p);
    } else if (!err.len) {
        abort();
    }
    sb_free(&err);
    return ++*count < 1000;
}

static void unfinished(void)
{
    journal_unfinished_list l = { 0 };
    strbuf err;
    sb_init(&err);
    if (journal_find_unfinished(path, NULL, &l, &err) != 0)
        abort();
    for (size_t i = 0; i < l.n; i++) {
        const journal_unfinished *u = &l.items[i];
        if (!u->plan_id || !u->start || u->step_state.n != (size_t)u->steps || u->step_refresh_id.n != (size_t)u->steps)
            abort();
        sb_reset(&err);
        plan *p = plan_from_journal(u, &err);
        if (p) {
            if (!p->resumed)
                abort();
            check_plan(p);
            plan_free(p);
        }
    }
    journal_unfinished_list_free(&l);
    sb_free(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fd < 0) {
        /* TMPDIR when it is usable (a truncated template would lose its XXXXXX), else /tmp */
        const char *tmp = getenv("TMPDIR");
        int n = snprintf(dir, sizeof dir, "%s/fuzz-journal.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (n < 0 || (size_t)n >= sizeof dir || !mkdtemp(dir)) {
            snprintf(dir, sizeof dir, "/tmp/fuzz-journal.XXXXXX");
            if (!mkdtemp(dir))
                abort();
        }
        snprintf(path, sizeof path, "%s/journal.jsonl", dir);
        fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
            abort();
        atexit(cleanup);
    }
    if (ftruncate(fd, 0) != 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
        abort();
    size_t count = 0;
    strbuf err;
    sb_init(&err);
    if (journal_scan(path, on_record, &count, &err) != 0) {
        fprintf(stderr, "journal_scan: %s\n", err.buf ? err.buf : "");
        abort();
    }
    sb_free(&err);
    unfinished();
    return 0;
}
