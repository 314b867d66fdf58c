/* test_live_history.c — the live tag's moves read back from a journal: a deploy's
 * copy steps (only those onto the live tag, only ok or skipped), a failed move, an
 * undo step that put the tag back, other repositories and regions, records with
 * pieces missing; and which digest the tag named at a time (NULL before the first
 * move the journal holds). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deploy/journal.h"
#include "deploy/live_history.h"
#include "test_tmp.h"

static char path[4096];

static json_object *copy_step(const char *dst)
{
    json_object *s = json_object_new_object();
    json_object_object_add(s, "kind", json_object_new_string("copy_tag"));
    json_object_object_add(s, "dst_tag", json_object_new_string(dst));
    return s;
}

static json_object *steps_of(const char *const *dsts)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; dsts[i]; i++) {
        if (*dsts[i]) {
            json_object_array_add(a, copy_step(dsts[i]));
        } else {
            json_object *s = json_object_new_object();
            json_object_object_add(s, "kind", json_object_new_string("start_refresh"));
            json_object_array_add(a, s);
        }
    }
    return a;
}

static void rec(journal *j, const char *event, const char *plan_id, const char *repo, const char *region, int step,
                const char *outcome, const char *digest, aws_time at, json_object *plan, json_object *undo)
{
    strbuf err;
    sb_init(&err);
    journal_record r = {
        .time = at,
        .event = event,
        .plan_id = plan_id,
        .repository = repo,
        .region = region,
        .step = step,
        .step_kind = step ? "copy_tag" : NULL,
        .outcome = outcome,
        .after_digest = digest,
        .plan = plan,
        .undo_steps = undo,
    };
    assert_int_equal(journal_append(j, &r, &err), 0);
    sb_free(&err);
    /* The record borrows them: they are the caller's to free. */
    if (plan)
        json_object_put(plan);
    if (undo)
        json_object_put(undo);
}

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "%s/tarmac-live-history-%d.jsonl", test_tmpdir(), (int)getpid());
    unlink(path);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    return 0;
}

static void test_moves(void **state)
{
    (void)state;
    strbuf err;
    sb_init(&err);
    journal *j = journal_open(path, &err);
    assert_non_null(j);
    const char *deploy[] = { "prod-stable", "prod", "", NULL };
    const aws_time T = 1800000000000;
    /* Deploy 1: stable <- live (skipped: already), live <- A, refresh. */
    json_object *p1 = json_object_new_object();
    json_object_object_add(p1, "steps", steps_of(deploy));
    rec(j, "plan_start", "p-1", "web", "eu-west-1", 0, NULL, NULL, T, p1, NULL);
    rec(j, "step_end", "p-1", "web", "eu-west-1", 1, "skipped", "sha256:old", T + 1000, NULL, NULL);
    rec(j, "step_end", "p-1", "web", "eu-west-1", 2, "ok", "sha256:aaa", T + 2000, NULL, NULL);
    /* Another repository and another region moving their own prod: not ours. */
    json_object *px = json_object_new_object();
    json_object_object_add(px, "steps", steps_of(deploy));
    rec(j, "plan_start", "p-x", "api", "eu-west-1", 0, NULL, NULL, T + 2500, px, NULL);
    rec(j, "step_end", "p-x", "api", "eu-west-1", 2, "ok", "sha256:api", T + 2600, NULL, NULL);
    json_object *py = json_object_new_object();
    json_object_object_add(py, "steps", steps_of(deploy));
    rec(j, "plan_start", "p-y", "web", "us-east-1", 0, NULL, NULL, T + 2700, py, NULL);
    rec(j, "step_end", "p-y", "web", "us-east-1", 2, "ok", "sha256:other-region", T + 2800, NULL, NULL);
    /* Deploy 2: live <- B failed (nothing moved), then live <- B ok, AWS refused the
     * refresh, the undo step (step 4) put live back on A. */
    json_object *p2 = json_object_new_object();
    json_object_object_add(p2, "steps", steps_of(deploy));
    rec(j, "plan_start", "p-2", "web", "eu-west-1", 0, NULL, NULL, T + 3000, p2, NULL);
    rec(j, "step_end", "p-2", "web", "eu-west-1", 2, "failed", "sha256:bbb", T + 3500, NULL, NULL);
    rec(j, "step_end", "p-2", "web", "eu-west-1", 2, "ok", "sha256:bbb", T + 4000, NULL, NULL);
    const char *undo[] = { "prod", NULL };
    rec(j, "plan_undo", "p-2", "web", "eu-west-1", 0, NULL, NULL, T + 5000, NULL, steps_of(undo));
    rec(j, "step_end", "p-2", "web", "eu-west-1", 4, "ok", "sha256:aaa", T + 6000, NULL, NULL);
    /* A step_end of a plan the journal never started, and one past its steps. */
    rec(j, "step_end", "p-unknown", "web", "eu-west-1", 2, "ok", "sha256:zzz", T + 7000, NULL, NULL);
    rec(j, "step_end", "p-1", "web", "eu-west-1", 9, "ok", "sha256:zzz", T + 7000, NULL, NULL);
    journal_close(j);

    live_history h;
    assert_int_equal(live_history_read(path, "web", "eu-west-1", "prod", &h, &err), 0);
    assert_int_equal(h.moves.n, 3);
    assert_string_equal(h.moves.items[0].digest, "sha256:aaa");
    assert_string_equal(h.moves.items[1].digest, "sha256:bbb");
    assert_string_equal(h.moves.items[1].plan_id, "p-2");
    assert_string_equal(h.moves.items[2].digest, "sha256:aaa");
    /* Before the first move: unknown, never a guess. */
    assert_null(live_history_at(&h, T));
    assert_null(live_history_at(&h, T + 1999));
    assert_string_equal(live_history_at(&h, T + 2000), "sha256:aaa");
    assert_string_equal(live_history_at(&h, T + 3999), "sha256:aaa");
    assert_string_equal(live_history_at(&h, T + 4500), "sha256:bbb");
    assert_string_equal(live_history_at(&h, T + 99999), "sha256:aaa");
    live_history_free(&h);
    /* The stable tag's own history: only the skipped copy of deploy 1. */
    assert_int_equal(live_history_read(path, "web", "eu-west-1", "prod-stable", &h, &err), 0);
    assert_int_equal(h.moves.n, 1);
    assert_string_equal(h.moves.items[0].digest, "sha256:old");
    live_history_free(&h);
    /* Any region: the other region's move is in. */
    assert_int_equal(live_history_read(path, "web", NULL, "prod", &h, &err), 0);
    assert_int_equal(h.moves.n, 4);
    live_history_free(&h);
    /* No journal: an empty history. */
    unlink(path);
    assert_int_equal(live_history_read(path, "web", NULL, "prod", &h, &err), 0);
    assert_int_equal(h.moves.n, 0);
    assert_null(live_history_at(&h, T));
    live_history_free(&h);
    sb_free(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_moves, setup, teardown),
    };
    return cmocka_run_group_tests_name("live_history", tests, NULL, NULL);
}
