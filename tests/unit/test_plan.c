/* test_plan.c — plans built from a live simulator (in process, on a loopback port)
 * and executed through the real client: a good deploy, every refusal (syntax,
 * missing tag / repository / group, immutable tags, read-only, a refresh already
 * running, a tag moved after planning), the read-only re-check at the point of
 * change, StartInstanceRefresh timing out and being confirmed (never resent), a
 * stop at a step boundary then resume from the journal, both rollback paths, and
 * the deploy guard's verdicts. Lost answers: PutImage read back, a start whose
 * refresh turns up later taken over on resume (and an older one not), a stop flag
 * seen before the next step, journal failures after a change, a stopped wait, and
 * the client's session token kept out of errors and the journal. */
#include "test_tmp.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "deploy/journal.h"
#include "loopback_server.h"
#include "deploy/plan.h"
#include "scenario.h"
#include "server.h"
#include "services/services.h"
#include "world.h"

typedef struct fx {
    sim_scenario *sc;
    sim_world *w;
    sim_front f;
    char base[64];
    char dir[64];
    aws_credentials creds;
    aws_client *c;
    journal *j;
    plan_target t;
} fx;

static int fx_setup(void **state)
{
    fx *x = xcalloc(1, sizeof *x);
    char err[256] = "";
    snprintf(x->dir, sizeof x->dir, "%s/tarmac-plan-XXXXXX", test_tmpdir());
    if (!mkdtemp(x->dir))
        return -1;
    setenv("XDG_STATE_HOME", x->dir, 1);
    unsetenv("TARMAC_JOURNAL");
    x->sc = sim_scenario_load("demo", err, sizeof err);
    if (!x->sc)
        return -1;
    x->w = world_new_from_scenario(x->sc, 1, 50);
    const char *token = NULL;
    x->creds.access_key_id = xstrdup(x->sc->credentials.items[0].access_key_id);
    x->creds.secret_access_key = xstrdup(world_credentials(x->w, x->creds.access_key_id, &token));
    sim_front_init(&x->f, x->w, 1);
    if (sim_server_start(&x->f, 0) != 0)
        return -1;
    snprintf(x->base, sizeof x->base, "http://127.0.0.1:%u", (unsigned)x->f.port);
    aws_client_config cc = {
        .region = "us-east-1", .endpoint_url = x->base, .credentials = &x->creds, .timeout_ms = 5000
    };
    aws_error e = { 0 };
    x->c = aws_client_new(&cc, &e);
    strbuf sb;
    sb_init(&sb);
    x->j = journal_open(NULL, &sb);
    sb_free(&sb);
    if (!x->c || !x->j)
        return -1;
    plan_target_init(&x->t, NULL, "web-asg", "web", "us-east-1", false);
    *state = x;
    return 0;
}

static int fx_teardown(void **state)
{
    fx *x = *state;
    aws_client_free(x->c);
    journal_close(x->j);
    plan_target_free(&x->t);
    sim_server_stop(&x->f);
    sim_front_done(&x->f);
    world_free(x->w);
    sim_scenario_free(x->sc);
    aws_credentials_free(&x->creds);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", x->dir);
    int rc = system(cmd);
    free(x);
    return rc == 0 ? 0 : -1;
}

/* ---- helpers ---- */

typedef struct get_res {
    char *digest;
    bool done;
} get_res;

static void on_get(aws_client *c, ecr_batch_get_result *res, const aws_error *err, void *ud)
{
    (void)c;
    (void)err;
    get_res *g = ud;
    if (res->images.n)
        g->digest = xstrdup(res->images.items[0].image_digest);
    ecr_batch_get_result_free(res);
    g->done = true;
}

/* The digest a tag points at (malloc'd; NULL when absent). */
static char *tag_digest(fx *x, const char *repo, const char *tag)
{
    get_res g = { 0 };
    ecr_image_id id = { .image_tag = tag };
    aws_error e = { 0 };
    assert_int_equal(svc_ecr_batch_get_image(x->c, repo, &id, 1, NULL, on_get, &g, &e), 0);
    aws_client_run_until_idle(x->c);
    assert_true(g.done);
    return g.digest;
}

static int count_calls(fx *x, const char *op)
{
    const aws_call_record *log;
    size_t n = aws_client_call_log(x->c, &log);
    int k = 0;
    for (size_t i = 0; i < n; i++)
        k += strcmp(log[i].operation, op) == 0;
    return k;
}

static plan *build(fx *x, plan_action a, const char *tag, const char *dst, const char *lt)
{
    plan_request r = { .action = a, .tag = tag, .dst_tag = dst, .lt_version = lt };
    plan *p = plan_build_wait(x->c, &x->t, &r);
    assert_non_null(p);
    return p;
}

static plan_outcome run(fx *x, plan *p, const plan_run_hooks *h, strbuf *err)
{
    plan_run_hooks dflt = { .wait_poll_ms = 100, .wait_timeout_ms = 20000 };
    return plan_run_wait(x->c, p, x->j, h ? h : &dflt, NULL, -1, err);
}

typedef struct ev_count {
    const char *event;
    const char *plan_id;
    int n;
} ev_count;

static bool count_events(void *ud, json_object *o, const char *raw, size_t len)
{
    (void)raw;
    (void)len;
    ev_count *c = ud;
    json_object *e, *id;
    if (json_object_object_get_ex(o, "event", &e) && strcmp(json_object_get_string(e), c->event) == 0 &&
        (!c->plan_id ||
         (json_object_object_get_ex(o, "plan_id", &id) && strcmp(json_object_get_string(id), c->plan_id) == 0)))
        c->n++;
    return true;
}

static int journal_events(fx *x, const char *event, const char *plan_id)
{
    ev_count c = { .event = event, .plan_id = plan_id };
    strbuf err;
    sb_init(&err);
    assert_int_equal(journal_scan(journal_path(x->j), count_events, &c, &err), 0);
    sb_free(&err);
    return c.n;
}

static void start_lt_refresh(fx *x, const char *version)
{
    plan *p = build(x, PLAN_DEPLOY_LT, NULL, NULL, version);
    assert_null(p->refusal);
    strbuf err;
    sb_init(&err);
    assert_int_equal(run(x, p, NULL, &err), PLAN_OK);
    sb_free(&err);
    plan_free(p);
}

/* Replaces the simulator's fault rules with one for op (NULL: none). */
static void set_fault(fx *x, const char *op, double error_5xx_rate, double malformed_rate)
{
    pthread_mutex_lock(&x->f.lock);
    x->f.faults.rules.n = 0;
    if (op) {
        sim_fault_rule *rule = VEC_NEW(x->f.faults.rules);
        memset(rule, 0, sizeof *rule);
        snprintf(rule->operation, sizeof rule->operation, "%s", op);
        rule->error_5xx_rate = error_5xx_rate;
        rule->malformed_rate = malformed_rate;
    }
    pthread_mutex_unlock(&x->f.lock);
}

/* The unfinished plan id from the journal, rebuilt. */
static plan *resume_plan(fx *x, const char *id)
{
    journal_unfinished_list l = { 0 };
    strbuf err;
    sb_init(&err);
    assert_int_equal(journal_find_unfinished(journal_path(x->j), NULL, &l, &err), 0);
    plan *q = NULL;
    for (size_t i = 0; i < l.n; i++)
        if (strcmp(l.items[i].plan_id, id) == 0)
            q = plan_from_journal(&l.items[i], &err);
    assert_non_null(q);
    journal_unfinished_list_free(&l);
    sb_free(&err);
    return q;
}

/* Waits until no refresh is active on web-asg. */
static void wait_no_refresh(fx *x)
{
    bool idle = false;
    for (int i = 0; i < 300 && !idle; i++) {
        plan *probe = build(x, PLAN_CANCEL, NULL, NULL, NULL);
        idle = probe->refusal && strstr(probe->refusal, "nothing to cancel");
        plan_free(probe);
        if (!idle)
            aws_client_wait(x->c, NULL, 0, 100);
    }
    assert_true(idle);
}

/* ---- tests ---- */

static void test_deploy_good(void **state)
{
    fx *x = *state;
    char *old_live = tag_digest(x, "web", "prod");
    char *old_stable = tag_digest(x, "web", "prod-stable");
    char *target = tag_digest(x, "web", "a9f3c21");
    assert_non_null(old_live);
    assert_string_not_equal(old_live, old_stable);

    plan *p = build(x, PLAN_DEPLOY, "a9f3c21", NULL, NULL);
    assert_null(p->refusal);
    assert_string_equal(p->target.account, "123456789012");
    assert_int_equal(p->steps.n, 3);
    plan_step *s1 = &p->steps.items[0], *s2 = &p->steps.items[1], *s3 = &p->steps.items[2];
    assert_int_equal(s1->kind, STEP_COPY_TAG);
    assert_string_equal(s1->dst_tag, "prod-stable");
    assert_string_equal(s1->digest, old_live);
    assert_string_equal(s1->before_digest, old_stable);
    assert_non_null(strstr(s1->description, "(2f4a8c6)")); /* the commit tag it equals */
    assert_non_null(strstr(s1->description, "(d07e6b2)"));
    assert_string_equal(s2->digest, target);
    assert_non_null(strstr(s2->description, "(a9f3c21)"));
    assert_non_null(strstr(s2->cli, "aws ecr put-image --region us-east-1 --repository-name web --image-tag prod"));
    assert_int_equal(s3->kind, STEP_START_REFRESH);
    assert_true(s3->prefs.has_skip_matching);
    assert_false(s3->prefs.skip_matching);
    assert_non_null(strstr(s3->cli, "--preferences '{\"SkipMatching\":false}'"));
    /* The summary's facts come from the live state: the group's instances and the
     * commit tags of the images the live tag moves between. */
    assert_true(p->has_group_size);
    assert_true(p->group_instances > 0);
    assert_string_equal(s2->label, "a9f3c21");
    assert_string_equal(s2->before_label, "2f4a8c6");
    strbuf sum;
    sb_init(&sum);
    plan_summary(p, &sum);
    char want[200];
    snprintf(want, sizeof want,
             "Deploy a9f3c21 to web-asg: %d instances, rolling, min healthy 90 %% (AWS default); "
             "prod 2f4a8c6 -> a9f3c21",
             p->group_instances);
    assert_string_equal(sum.buf, want);
    sb_free(&sum);

    strbuf err;
    sb_init(&err);
    assert_int_equal(run(x, p, NULL, &err), PLAN_OK);
    assert_int_equal(s1->state, STEP_DONE);
    assert_int_equal(s2->state, STEP_DONE);
    assert_int_equal(s3->state, STEP_DONE);
    assert_non_null(s3->refresh_id);
    assert_non_null(s2->request_id);

    char *live = tag_digest(x, "web", "prod"), *stable = tag_digest(x, "web", "prod-stable");
    assert_string_equal(live, target);
    assert_string_equal(stable, old_live);
    assert_int_equal(count_calls(x, "StartInstanceRefresh"), 1);
    assert_int_equal(count_calls(x, "PutImage"), 2);

    /* Journal: a record before and after every step, start and end. */
    assert_int_equal(journal_events(x, "plan_start", p->id), 1);
    assert_int_equal(journal_events(x, "step_start", p->id), 3);
    assert_int_equal(journal_events(x, "step_end", p->id), 3);
    assert_int_equal(journal_events(x, "plan_end", p->id), 1);
    /* ... and never a secret. */
    FILE *f = fopen(journal_path(x->j), "r");
    assert_non_null(f);
    char line[65536];
    bool leaked = false;
    while (fgets(line, sizeof line, f))
        if (strstr(line, x->creds.secret_access_key))
            leaked = true;
    fclose(f);
    assert_false(leaked);

    /* Deploying the same tag again: both tag moves are already satisfied, but
     * the refresh started above is still running — refused. */
    plan *again = build(x, PLAN_DEPLOY, "a9f3c21", NULL, NULL);
    assert_non_null(again->refusal);
    assert_non_null(strstr(again->refusal, "InstanceRefreshInProgress"));
    plan_free(again);

    free(live);
    free(stable);
    free(old_live);
    free(old_stable);
    free(target);
    plan_free(p);
    sb_free(&err);
}

static void test_refusals(void **state)
{
    fx *x = *state;
    size_t calls_before;
    const aws_call_record *log;

    /* Syntax: refused before any call. */
    calls_before = aws_client_call_log(x->c, &log);
    plan *p = build(x, PLAN_DEPLOY, "bad tag!", NULL, NULL);
    assert_non_null(p->refusal);
    assert_non_null(strstr(p->refusal, "not a valid ECR tag"));
    assert_int_equal(aws_client_call_log(x->c, &log), calls_before);
    plan_free(p);
    p = build(x, PLAN_DEPLOY, ".x", NULL, NULL);
    assert_non_null(p->refusal);
    plan_free(p);
    p = build(x, PLAN_DEPLOY_LT, NULL, NULL, "4; rm -rf /");
    assert_non_null(strstr(p->refusal, "not a launch template version"));
    plan_free(p);

    p = build(x, PLAN_DEPLOY, "nope123", NULL, NULL);
    assert_non_null(p->refusal);
    assert_non_null(strstr(p->refusal, "no image tagged 'nope123' in repository web"));
    assert_non_null(strstr(p->refusal, "Nothing was changed"));
    assert_int_equal(p->steps.n, 0);
    plan_free(p);

    plan_target saved = x->t;
    plan_target_init(&x->t, NULL, "no-such-asg", "web", "us-east-1", false);
    p = build(x, PLAN_DEPLOY, "a9f3c21", NULL, NULL);
    assert_non_null(strstr(p->refusal, "no Auto Scaling group named 'no-such-asg'"));
    plan_free(p);
    plan_target_free(&x->t);
    plan_target_init(&x->t, NULL, "web-asg", "no-such-repo", "us-east-1", false);
    p = build(x, PLAN_DEPLOY, "a9f3c21", NULL, NULL);
    assert_non_null(strstr(p->refusal, "no ECR repository named 'no-such-repo'"));
    plan_free(p);
    plan_target_free(&x->t);

    /* Immutable tags (api: IMMUTABLE_WITH_EXCLUSION for prod*): moving a commit tag
     * is refused with the fix; moving prod is allowed. */
    plan_target_init(&x->t, NULL, "api-asg", "api", "us-east-1", false);
    p = build(x, PLAN_PROMOTE, "d92f7a3", "3f8d1a6", NULL);
    assert_non_null(p->refusal);
    assert_non_null(strstr(p->refusal, "immutable tags"));
    assert_non_null(strstr(p->refusal, "IMMUTABLE_WITH_EXCLUSION"));
    plan_free(p);
    p = build(x, PLAN_DEPLOY, "d92f7a3", NULL, NULL);
    assert_null(p->refusal);
    plan_free(p);

    /* Read-only: refused and journaled, nothing called. */
    x->t.read_only = true;
    p = build(x, PLAN_PROMOTE, "d92f7a3", "prod", NULL);
    strbuf err;
    sb_init(&err);
    assert_null(plan_run_start(x->c, p, x->j, NULL, &err));
    assert_non_null(strstr(err.buf, "read-only"));
    assert_int_equal(journal_events(x, "refused", p->id), 1);
    plan_free(p);
    plan_target_free(&x->t);
    x->t = saved;

    assert_int_equal(count_calls(x, "PutImage"), 0);
    assert_int_equal(count_calls(x, "StartInstanceRefresh"), 0);
    sb_free(&err);
}

static void test_read_only_at_point_of_change(void **state)
{
    fx *x = *state;
    char *before = tag_digest(x, "web", "prod");
    plan *p = build(x, PLAN_DEPLOY, "a9f3c21", NULL, NULL);
    assert_null(p->refusal);
    strbuf err;
    sb_init(&err);
    plan_run *r = plan_run_start(x->c, p, x->j, NULL, &err);
    assert_non_null(r);
    /* The UI let it through; the switch flips before the first change. */
    p->target.read_only = true;
    for (int i = 0; i < 400 && !plan_run_done(r); i++) {
        aws_client_wait(x->c, NULL, 0, 50);
        aws_client_run(x->c);
    }
    assert_true(plan_run_done(r));
    assert_int_equal(plan_run_outcome(r), PLAN_REFUSED);
    assert_non_null(strstr(plan_run_message(r), "read-only"));
    plan_run_free(r);
    assert_int_equal(count_calls(x, "PutImage"), 0);
    char *after = tag_digest(x, "web", "prod");
    assert_string_equal(before, after);
    free(before);
    free(after);
    plan_free(p);
    sb_free(&err);
}

static void test_live_moved_after_plan(void **state)
{
    fx *x = *state;
    plan *p = build(x, PLAN_DEPLOY, "a9f3c21", NULL, NULL);
    char *stable_before = tag_digest(x, "web", "prod-stable");
    /* Another operator moves prod between our plan and its confirmation. */
    plan *other = build(x, PLAN_PROMOTE, "e5d1f0c", "prod", NULL);
    strbuf err;
    sb_init(&err);
    assert_int_equal(run(x, other, NULL, &err), PLAN_OK);
    plan_free(other);
    int puts_before = count_calls(x, "PutImage");

    sb_reset(&err);
    assert_int_equal(run(x, p, NULL, &err), PLAN_REFUSED);
    assert_non_null(strstr(err.buf, "prod moved since the plan was made"));
    assert_int_equal(count_calls(x, "PutImage"), puts_before); /* no tag touched */
    char *stable_after = tag_digest(x, "web", "prod-stable");
    assert_string_equal(stable_before, stable_after);
    free(stable_before);
    free(stable_after);
    plan_free(p);
    sb_free(&err);
}

static void test_refresh_in_progress(void **state)
{
    fx *x = *state;
    plan *p = build(x, PLAN_DEPLOY, "a9f3c21", NULL, NULL);
    assert_null(p->refusal);
    char *live_before = tag_digest(x, "web", "prod");
    /* A second operator starts a refresh after our plan was made. */
    start_lt_refresh(x, "4");
    strbuf err;
    sb_init(&err);
    assert_int_equal(run(x, p, NULL, &err), PLAN_REFUSED);
    assert_non_null(strstr(err.buf, "InstanceRefreshInProgress"));
    assert_non_null(strstr(err.buf, "started 20")); /* its start time */
    assert_int_equal(count_calls(x, "PutImage"), 0);
    assert_int_equal(count_calls(x, "StartInstanceRefresh"), 1); /* only the other one */
    char *live_after = tag_digest(x, "web", "prod");
    assert_string_equal(live_before, live_after);
    free(live_before);
    free(live_after);
    plan_free(p);
    sb_free(&err);
}

static void test_start_timeout_confirmed(void **state)
{
    fx *x = *state;
    /* StartInstanceRefresh runs, but its answer arrives after the client gave up. */
    aws_client_free(x->c);
    aws_client_config cc = {
        .region = "us-east-1", .endpoint_url = x->base, .credentials = &x->creds, .timeout_ms = 600
    };
    aws_error e = { 0 };
    x->c = aws_client_new(&cc, &e);
    assert_non_null(x->c);
    pthread_mutex_lock(&x->f.lock);
    sim_fault_rule *rule = VEC_NEW(x->f.faults.rules);
    snprintf(rule->operation, sizeof rule->operation, "StartInstanceRefresh");
    rule->latency_ms = 1500;
    pthread_mutex_unlock(&x->f.lock);

    plan *p = build(x, PLAN_DEPLOY, "a9f3c21", NULL, NULL);
    strbuf err;
    sb_init(&err);
    assert_int_equal(run(x, p, NULL, &err), PLAN_OK);
    plan_step *s3 = &p->steps.items[2];
    assert_int_equal(s3->state, STEP_DONE);
    assert_non_null(s3->refresh_id);
    assert_non_null(strstr(s3->result, "DescribeInstanceRefreshes shows the new refresh"));
    /* Sent once, never again. */
    const aws_call_record *log;
    size_t n = aws_client_call_log(x->c, &log);
    int starts = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(log[i].operation, "StartInstanceRefresh") == 0) {
            starts++;
            assert_int_equal(log[i].retries, 0);
        }
    assert_int_equal(starts, 1);
    plan_free(p);
    sb_free(&err);
}

static void stop_after_first(plan_run *r, size_t step, void *ud)
{
    (void)ud;
    if (step == 0 && plan_run_plan(r)->steps.items[0].state == STEP_DONE)
        plan_run_stop(r);
}

static void test_stop_then_resume(void **state)
{
    fx *x = *state;
    char *old_live = tag_digest(x, "web", "prod");
    plan *p = build(x, PLAN_DEPLOY, "a9f3c21", NULL, NULL);
    plan_run_hooks h = { .step_changed = stop_after_first };
    strbuf err;
    sb_init(&err);
    assert_int_equal(run(x, p, &h, &err), PLAN_STOPPED);
    assert_int_equal(p->steps.items[1].state, STEP_NOT_RUN);
    assert_int_equal(journal_events(x, "plan_end", p->id), 0); /* still open */
    assert_int_equal(journal_events(x, "plan_interrupted", p->id), 1);

    journal_unfinished_list l = { 0 };
    assert_int_equal(journal_find_unfinished(journal_path(x->j), "web-asg", &l, &err), 0);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.items[0].plan_id, p->id);
    plan *q = plan_from_journal(&l.items[0], &err);
    assert_non_null(q);
    assert_int_equal(q->steps.items[0].state, STEP_DONE);
    int puts = count_calls(x, "PutImage");
    sb_reset(&err);
    assert_int_equal(run(x, q, NULL, &err), PLAN_OK);
    assert_int_equal(count_calls(x, "PutImage"), puts + 1); /* step 1 not redone */
    assert_int_equal(journal_events(x, "plan_resume", p->id), 1);
    assert_int_equal(journal_events(x, "plan_end", p->id), 1);
    char *stable = tag_digest(x, "web", "prod-stable");
    assert_string_equal(stable, old_live);
    journal_unfinished_list_free(&l);
    assert_int_equal(journal_find_unfinished(journal_path(x->j), "web-asg", &l, &err), 0);
    assert_int_equal(l.n, 0);
    journal_unfinished_list_free(&l);
    free(stable);
    free(old_live);
    plan_free(p);
    plan_free(q);
    sb_free(&err);
}

/* Another operator's refresh starts once our `prod` moved: AWS refuses our start
 * for good, so both tag moves are put back, journaled as undo steps; stopped after
 * the first of them, the plan resumes with the undo only and closes refused. */
typedef struct race {
    fx *x;
    bool started;
    bool stop_in_undo;
} race;

static void other_refresh_after_retag(plan_run *r, size_t step, void *ud)
{
    race *k = ud;
    const plan *p = plan_run_plan(r);
    if (!k->started && step == 1 && p->steps.items[1].state == STEP_DONE) {
        refresh_prefs pr = { 0 };
        VEC_PUSH(pr.checkpoint_percentages, 25); /* held at a checkpoint: still running */
        VEC_PUSH(pr.checkpoint_percentages, 100);
        pr.has_checkpoint_delay = true;
        pr.checkpoint_delay = 3600;
        char *id = NULL;
        pthread_mutex_lock(&k->x->f.lock);
        sim_error e = world_start_refresh(k->x->w, "web-asg", NULL, &pr, NULL, &id);
        pthread_mutex_unlock(&k->x->f.lock);
        assert_true(sim_ok(&e));
        free(id);
        refresh_prefs_free(&pr);
        k->started = true;
    }
    if (k->stop_in_undo && p->undo_from && step == p->undo_from && p->steps.items[step].state == STEP_DONE)
        plan_run_stop(r);
}

static void test_refused_start_undone(void **state)
{
    fx *x = *state;
    char *live0 = tag_digest(x, "web", "prod"), *stable0 = tag_digest(x, "web", "prod-stable");
    plan *p = build(x, PLAN_DEPLOY, "a9f3c21", NULL, NULL);
    assert_null(p->refusal);
    assert_int_equal(p->steps.n, 3);
    race k = { .x = x };
    plan_run_hooks h = { .step_changed = other_refresh_after_retag, .ud = &k };
    strbuf err;
    sb_init(&err);
    assert_int_equal(run(x, p, &h, &err), PLAN_REFUSED);
    assert_non_null(strstr(err.buf, "refused, tags restored"));
    assert_non_null(strstr(err.buf, "InstanceRefreshInProgress"));
    assert_int_equal(p->undo_from, 3);
    assert_int_equal(p->steps.n, 5);
    assert_int_equal(p->steps.items[2].state, STEP_FAILED);
    assert_true(p->steps.items[3].undo && p->steps.items[4].undo);
    assert_string_equal(p->steps.items[3].dst_tag, "prod"); /* newest move first */
    assert_string_equal(p->steps.items[4].dst_tag, "prod-stable");
    assert_non_null(strstr(p->steps.items[3].cli, "aws ecr put-image"));
    char *live1 = tag_digest(x, "web", "prod"), *stable1 = tag_digest(x, "web", "prod-stable");
    assert_string_equal(live1, live0);
    assert_string_equal(stable1, stable0);
    assert_false(p->left_open);
    assert_int_equal(journal_events(x, "plan_undo", p->id), 1);
    assert_int_equal(journal_events(x, "plan_end", p->id), 1);
    assert_int_equal(count_calls(x, "StartInstanceRefresh"), 0); /* the check before it saw the other refresh */
    free(live0);
    free(stable0);
    free(live1);
    free(stable1);
    plan_free(p);
    sb_free(&err);
}

static void test_undo_stopped_then_resumed(void **state)
{
    fx *x = *state;
    char *live0 = tag_digest(x, "web", "prod"), *stable0 = tag_digest(x, "web", "prod-stable");
    plan *p = build(x, PLAN_DEPLOY, "a9f3c21", NULL, NULL);
    race k = { .x = x, .stop_in_undo = true };
    plan_run_hooks h = { .step_changed = other_refresh_after_retag, .ud = &k };
    strbuf err;
    sb_init(&err);
    assert_int_equal(run(x, p, &h, &err), PLAN_STOPPED);
    assert_true(p->left_open);
    char *live1 = tag_digest(x, "web", "prod"), *stable1 = tag_digest(x, "web", "prod-stable");
    assert_string_equal(live1, live0);         /* the first undo ran */
    assert_string_not_equal(stable1, stable0); /* the second did not */
    int starts = count_calls(x, "StartInstanceRefresh");

    plan *q = resume_plan(x, p->id);
    assert_int_equal(q->undo_from, 3);
    assert_int_equal(q->steps.n, 5);
    assert_int_equal(q->steps.items[2].state, STEP_NOT_RUN); /* the refused start stays refused */
    assert_int_equal(q->steps.items[3].state, STEP_DONE);
    assert_int_equal(q->steps.items[4].state, STEP_PENDING);
    sb_reset(&err);
    assert_int_equal(run(x, q, NULL, &err), PLAN_REFUSED);
    assert_non_null(strstr(err.buf, "refused, tags restored"));
    assert_int_equal(count_calls(x, "StartInstanceRefresh"), starts); /* resume never starts a refresh */
    char *stable2 = tag_digest(x, "web", "prod-stable");
    assert_string_equal(stable2, stable0);
    assert_int_equal(journal_events(x, "plan_end", p->id), 1);
    free(live0);
    free(stable0);
    free(live1);
    free(stable1);
    free(stable2);
    plan_free(p);
    plan_free(q);
    sb_free(&err);
}

static void test_rollback_paths(void **state)
{
    fx *x = *state;
    strbuf err;
    sb_init(&err);
    /* A launch template deploy is undone by AWS. */
    start_lt_refresh(x, "4");
    plan *p = build(x, PLAN_ROLLBACK, NULL, NULL, NULL);
    assert_null(p->refusal);
    assert_int_equal(p->steps.n, 1);
    assert_int_equal(p->steps.items[0].kind, STEP_ROLLBACK_REFRESH);
    assert_int_equal(run(x, p, NULL, &err), PLAN_OK);
    assert_int_equal(count_calls(x, "RollbackInstanceRefresh"), 1);
    plan_free(p);

    /* Wait for that to end: a launch template deploy that is over cannot be
     * undone by moving tags. */
    bool idle = false;
    for (int i = 0; i < 300 && !idle; i++) {
        plan *probe = build(x, PLAN_CANCEL, NULL, NULL, NULL);
        idle = probe->refusal && strstr(probe->refusal, "nothing to cancel");
        plan_free(probe);
        if (!idle)
            aws_client_wait(x->c, NULL, 0, 100);
    }
    assert_true(idle);
    p = build(x, PLAN_ROLLBACK, NULL, NULL, NULL);
    assert_non_null(p->refusal);
    assert_non_null(strstr(p->refusal, "tarmac deploy --lt-version N"));
    plan_free(p);

    /* A tag deploy is undone by cancel + retag + refresh. */
    plan *dep = build(x, PLAN_DEPLOY, "a9f3c21", NULL, NULL);
    assert_null(dep->refusal);
    sb_reset(&err);
    assert_int_equal(run(x, dep, NULL, &err), PLAN_OK);
    plan_free(dep);
    char *stable = tag_digest(x, "web", "prod-stable");
    p = build(x, PLAN_ROLLBACK, NULL, NULL, NULL);
    assert_null(p->refusal);
    assert_int_equal(p->steps.n, 4); /* cancel, wait, prod <- prod-stable, refresh */
    assert_int_equal(p->steps.items[0].kind, STEP_CANCEL_REFRESH);
    assert_int_equal(p->steps.items[1].kind, STEP_WAIT_REFRESH_END);
    assert_int_equal(p->steps.items[2].kind, STEP_COPY_TAG);
    assert_string_equal(p->steps.items[2].dst_tag, "prod");
    assert_int_equal(p->steps.items[3].kind, STEP_START_REFRESH);
    sb_reset(&err);
    assert_int_equal(run(x, p, NULL, &err), PLAN_OK);
    char *live = tag_digest(x, "web", "prod");
    assert_string_equal(live, stable);
    free(live);
    free(stable);
    plan_free(p);

    /* No stable tag: refused before anything changes. */
    plan_target_free(&x->t);
    plan_target_init(&x->t, NULL, "api-asg", "api", "us-east-1", false);
    str_set(&x->t.stable_tag, "never-there");
    p = build(x, PLAN_ROLLBACK, NULL, NULL, NULL);
    assert_non_null(p->refusal);
    assert_non_null(strstr(p->refusal, "there is no 'never-there' tag"));
    plan_free(p);
    sb_free(&err);
}

static void test_cancel_plan(void **state)
{
    fx *x = *state;
    plan *p = build(x, PLAN_CANCEL, NULL, NULL, NULL);
    assert_non_null(p->refusal);
    assert_non_null(strstr(p->refusal, "nothing to cancel"));
    plan_free(p);
    start_lt_refresh(x, "4");
    p = build(x, PLAN_CANCEL, NULL, NULL, NULL);
    assert_null(p->refusal);
    /* The refresh it cancels, named in the summary. */
    assert_non_null(p->running_refresh);
    strbuf sum;
    sb_init(&sum);
    plan_summary(p, &sum);
    assert_non_null(strstr(sum.buf, p->running_refresh));
    assert_true(strncmp(sum.buf, "Cancel refresh ", 15) == 0);
    assert_non_null(strstr(sum.buf, "on web-asg"));
    sb_free(&sum);
    strbuf err;
    sb_init(&err);
    assert_int_equal(run(x, p, NULL, &err), PLAN_OK);
    assert_non_null(strstr(p->steps.items[1].result, "Cancelled"));
    plan_free(p);
    sb_free(&err);
}

/* A StartInstanceRefresh without a usable answer, a refresh that turns up (and even
 * ends) afterwards: resume takes it over instead of starting a second one. */
static void test_resume_adopts_after_unknown_start(void **state)
{
    fx *x = *state;
    strbuf err;
    sb_init(&err);
    plan *p = build(x, PLAN_DEPLOY_LT, NULL, NULL, "4");
    assert_null(p->refusal);
    set_fault(x, "StartInstanceRefresh", 1, 0);
    assert_int_equal(run(x, p, NULL, &err), PLAN_FAILED);
    set_fault(x, NULL, 0, 0);
    assert_int_equal(journal_events(x, "plan_end", p->id), 0); /* left open */
    /* The call did arrive after all (here: someone made it for us) and already ended. */
    start_lt_refresh(x, "4");
    wait_no_refresh(x);
    int starts = count_calls(x, "StartInstanceRefresh");
    plan *q = resume_plan(x, p->id);
    sb_reset(&err);
    assert_int_equal(run(x, q, NULL, &err), PLAN_OK);
    assert_int_equal(count_calls(x, "StartInstanceRefresh"), starts); /* not sent again */
    assert_non_null(q->steps.items[0].refresh_id);
    assert_non_null(strstr(q->steps.items[0].result, "started before the interruption"));
    plan_free(q);
    plan_free(p);
    sb_free(&err);
}

/* The newest refresh seen right before the call is journaled: a refresh that ran
 * between planning and the call is not taken for ours on resume. */
static void test_resume_ignores_refresh_older_than_the_call(void **state)
{
    fx *x = *state;
    strbuf err;
    sb_init(&err);
    plan *p = build(x, PLAN_DEPLOY_LT, NULL, NULL, "4");
    start_lt_refresh(x, "4"); /* someone else's, after our plan */
    wait_no_refresh(x);
    set_fault(x, "StartInstanceRefresh", 1, 0);
    assert_int_equal(run(x, p, NULL, &err), PLAN_FAILED);
    set_fault(x, NULL, 0, 0);
    int starts = count_calls(x, "StartInstanceRefresh");
    plan *q = resume_plan(x, p->id);
    sb_reset(&err);
    assert_int_equal(run(x, q, NULL, &err), PLAN_OK);
    assert_int_equal(count_calls(x, "StartInstanceRefresh"), starts + 1);
    assert_null(strstr(q->steps.items[0].result ? q->steps.items[0].result : "", "before the interruption"));
    plan_free(q);
    plan_free(p);
    sb_free(&err);
}

/* PutImage answered garbage after doing its work: the tag is read back. */
static void test_put_answer_lost_checked(void **state)
{
    fx *x = *state;
    strbuf err;
    sb_init(&err);
    char *target = tag_digest(x, "web", "a9f3c21");
    plan *p = build(x, PLAN_PROMOTE, "a9f3c21", "candidate", NULL);
    set_fault(x, "PutImage", 0, 1);
    assert_int_equal(run(x, p, NULL, &err), PLAN_OK);
    set_fault(x, NULL, 0, 0);
    assert_non_null(strstr(p->steps.items[0].result, "answer was lost"));
    char *now = tag_digest(x, "web", "candidate");
    assert_string_equal(now, target);
    free(now);
    free(target);
    plan_free(p);
    sb_free(&err);
}

static volatile sig_atomic_t hook_stop;

static void signal_when_first_done(plan_run *r, size_t step, void *ud)
{
    (void)ud;
    if (step == 0 && plan_run_plan(r)->steps.items[0].state == STEP_DONE)
        hook_stop = 1; /* as a signal handler would, in the same pass as the answer */
}

/* A stop flag set while an answer arrives: the next step never starts. */
static void test_stop_flag_seen_before_next_step(void **state)
{
    fx *x = *state;
    strbuf err;
    sb_init(&err);
    char *live = tag_digest(x, "web", "prod");
    plan *p = build(x, PLAN_DEPLOY, "a9f3c21", NULL, NULL);
    plan_run_hooks h = { .step_changed = signal_when_first_done, .wait_poll_ms = 100 };
    hook_stop = 0;
    int puts = count_calls(x, "PutImage");
    assert_int_equal(plan_run_wait(x->c, p, x->j, &h, &hook_stop, -1, &err), PLAN_STOPPED);
    assert_int_equal(count_calls(x, "PutImage"), puts + 1);
    assert_int_equal(p->steps.items[1].state, STEP_NOT_RUN);
    char *after = tag_digest(x, "web", "prod");
    assert_string_equal(after, live);
    /* Set before the run: nothing at all happens. */
    plan *q = build(x, PLAN_PROMOTE, "a9f3c21", "candidate", NULL);
    sb_reset(&err);
    hook_stop = 1;
    assert_int_equal(plan_run_wait(x->c, q, x->j, NULL, &hook_stop, -1, &err), PLAN_STOPPED);
    assert_int_equal(count_calls(x, "PutImage"), puts + 1);
    assert_int_equal(journal_events(x, "plan_start", q->id), 0);
    free(live);
    free(after);
    plan_free(p);
    plan_free(q);
    sb_free(&err);
}

static void cap_file_size_at_last_step(plan_run *r, size_t step, void *ud)
{
    (void)ud;
    const plan *p = plan_run_plan(r);
    if (step + 1 == p->steps.n && p->steps.items[step].state == STEP_RUNNING) {
        /* The journal can take no more bytes: step_end and plan_end fail. */
        const char *path = ud;
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        struct rlimit rl;
        getrlimit(RLIMIT_FSIZE, &rl);
        rl.rlim_cur = (rlim_t)st.st_size;
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
    }
}

/* A journal write that fails after the change is reported, never an OK. */
static void test_journal_failure_after_change_reported(void **state)
{
    fx *x = *state;
    strbuf err;
    sb_init(&err);
    struct rlimit saved;
    getrlimit(RLIMIT_FSIZE, &saved);
    void (*old)(int) = signal(SIGXFSZ, SIG_IGN);
    plan *p = build(x, PLAN_PROMOTE, "a9f3c21", "candidate", NULL);
    plan_run_hooks h = { .step_changed = cap_file_size_at_last_step, .ud = (void *)journal_path(x->j) };
    plan_outcome o = plan_run_wait(x->c, p, x->j, &h, NULL, -1, &err);
    setrlimit(RLIMIT_FSIZE, &saved);
    signal(SIGXFSZ, old);
    assert_int_not_equal(o, PLAN_OK);
    assert_non_null(strstr(err.buf, "journal"));
    plan_free(p);
    sb_free(&err);
}

static void stop_while_waiting(plan_run *r, size_t step, void *ud)
{
    (void)ud;
    const plan *p = plan_run_plan(r);
    if (p->steps.items[step].kind == STEP_WAIT_REFRESH_END && p->steps.items[step].state == STEP_RUNNING)
        plan_run_stop(r);
}

typedef struct outcome_find {
    const char *plan_id;
    int step;
    char outcome[32];
} outcome_find;

static bool find_step_end(void *ud, json_object *o, const char *raw, size_t len)
{
    (void)raw;
    (void)len;
    outcome_find *f = ud;
    json_object *v;
    if (json_object_object_get_ex(o, "plan_id", &v) && strcmp(json_object_get_string(v), f->plan_id) == 0 &&
        json_object_object_get_ex(o, "event", &v) && strcmp(json_object_get_string(v), "step_end") == 0 &&
        json_object_object_get_ex(o, "step", &v) && json_object_get_int(v) == f->step &&
        json_object_object_get_ex(o, "outcome", &v))
        snprintf(f->outcome, sizeof f->outcome, "%s", json_object_get_string(v));
    return true;
}

/* A wait step stopped by a signal is journaled as stopped, not failed. */
static void test_stopped_wait_journaled_as_stopped(void **state)
{
    fx *x = *state;
    strbuf err;
    sb_init(&err);
    start_lt_refresh(x, "4");
    plan *p = build(x, PLAN_CANCEL, NULL, NULL, NULL);
    assert_null(p->refusal);
    assert_int_equal(p->steps.items[1].kind, STEP_WAIT_REFRESH_END);
    plan_run_hooks h = { .step_changed = stop_while_waiting, .wait_poll_ms = 5000 };
    /* Polls fail, so the wait step sleeps (a fast refresh could end on the first poll). */
    set_fault(x, "DescribeInstanceRefreshes", 1, 0);
    assert_int_equal(run(x, p, &h, &err), PLAN_STOPPED);
    set_fault(x, NULL, 0, 0);
    outcome_find f = { .plan_id = p->id, .step = 2 };
    assert_int_equal(journal_scan(journal_path(x->j), find_step_end, &f, &err), 0);
    assert_string_equal(f.outcome, "stopped");
    plan_free(p);
    sb_free(&err);
}

/* ---- a scripted server: PutImage answers ImageAlreadyExistsException ---- */

#define D_BEFORE "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D_NEW    "sha256:2222222222222222222222222222222222222222222222222222222222222222"

static void ecr_script(void *ud, const lb_request *req, lb_response *resp)
{
    char target[128];
    resp->content_type = "application/x-amz-json-1.1";
    if (!lb_request_header(req, "x-amz-target", target, sizeof target) && req->body &&
        strstr(req->body, "Action=DescribeInstanceRefreshes")) {
        /* Promote onto the live tag first checks that no refresh runs: none does. */
        resp->content_type = "text/xml";
        resp->body = "<DescribeInstanceRefreshesResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\">"
                     "<DescribeInstanceRefreshesResult><InstanceRefreshes/></DescribeInstanceRefreshesResult>"
                     "<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>"
                     "</DescribeInstanceRefreshesResponse>";
    } else if (!lb_request_header(req, "x-amz-target", target, sizeof target)) {
        resp->status = 400;
        resp->body = "{}";
    } else if (strstr(target, "BatchGetImage") && strstr(req->body, "imageDigest")) {
        resp->body = "{\"images\":[{\"repositoryName\":\"web\",\"imageId\":{\"imageDigest\":\"" D_NEW "\"},"
                     "\"imageManifest\":\"{\\\"schemaVersion\\\":2}\","
                     "\"imageManifestMediaType\":\"application/vnd.oci.image.manifest.v1+json\"}],\"failures\":[]}";
    } else if (strstr(target, "BatchGetImage")) {
        /* The tag is where the plan saw it. */
        resp->body = "{\"images\":[{\"repositoryName\":\"web\",\"imageId\":{\"imageDigest\":\"" D_BEFORE "\","
                     "\"imageTag\":\"prod\"},\"imageManifest\":\"{}\"}],\"failures\":[]}";
    } else if (strstr(target, "PutImage") && ud) {
        /* An answer that echoes the caller's session token back. */
        static char body[512];
        snprintf(body, sizeof body, "{\"__type\":\"InvalidParameterException\",\"message\":\"token %s is odd\"}",
                 (const char *)ud);
        resp->status = 400;
        resp->body = body;
    } else if (strstr(target, "PutImage")) {
        /* Someone (or our own lost first attempt) already put it. */
        resp->status = 400;
        resp->body = "{\"__type\":\"ImageAlreadyExistsException\",\"message\":\"Image with digest '" D_NEW
                     "' and tag 'prod' already exists\"}";
        resp->headers = "x-amzn-RequestId: put-rid-1\n";
    } else {
        resp->status = 400;
        resp->body = "{\"__type\":\"UnknownOperationException\"}";
    }
}

static void test_image_already_exists_is_done(void **state)
{
    fx *x = *state;
    lb_server *srv = lb_start();
    assert_non_null(srv);
    lb_set_handler(srv, ecr_script, NULL);
    aws_client_config cc = { .region = "us-east-1", .endpoint_url = lb_url(srv), .credentials = &x->creds };
    aws_error e = { 0 };
    aws_client *c = aws_client_new(&cc, &e);
    assert_non_null(c);

    plan *p = xcalloc(1, sizeof *p);
    snprintf(p->id, sizeof p->id, "p-test-exists");
    p->action = PLAN_PROMOTE;
    plan_target_init(&p->target, NULL, "web-asg", "web", "us-east-1", false);
    plan_step *s = VEC_NEW(p->steps);
    s->kind = STEP_COPY_TAG;
    s->src_tag = xstrdup("a9f3c21");
    s->dst_tag = xstrdup("prod");
    s->digest = xstrdup(D_NEW);
    s->before_digest = xstrdup(D_BEFORE);
    strbuf err;
    sb_init(&err);
    assert_int_equal(plan_run_wait(c, p, x->j, NULL, NULL, -1, &err), PLAN_OK);
    assert_int_equal(s->state, STEP_DONE);
    assert_non_null(strstr(s->result, "ImageAlreadyExistsException"));
    assert_string_equal(s->request_id, "put-rid-1");

    /* What was sent: the manifest bytes and media type exactly as read, once. */
    int puts = 0;
    for (size_t i = 0; i < lb_request_count(srv); i++) {
        const lb_request *q = lb_request_at(srv, i);
        char t[128];
        if (lb_request_header(q, "x-amz-target", t, sizeof t) && strstr(t, "PutImage")) {
            puts++;
            json_object *o = json_tokener_parse(q->body);
            assert_non_null(o);
            json_object *v;
            assert_true(json_object_object_get_ex(o, "imageManifest", &v));
            assert_string_equal(json_object_get_string(v), "{\"schemaVersion\":2}");
            assert_true(json_object_object_get_ex(o, "imageManifestMediaType", &v));
            assert_string_equal(json_object_get_string(v), "application/vnd.oci.image.manifest.v1+json");
            assert_true(json_object_object_get_ex(o, "imageTag", &v));
            assert_string_equal(json_object_get_string(v), "prod");
            assert_true(json_object_object_get_ex(o, "imageDigest", &v));
            assert_string_equal(json_object_get_string(v), D_NEW);
            json_object_put(o);
        }
    }
    assert_int_equal(puts, 1);
    plan_free(p);
    sb_free(&err);
    aws_client_free(c);
    lb_stop(srv);
}

/* Defensive: the client's own session token never reaches the journal or the error. */
static void test_session_token_scrubbed(void **state)
{
    fx *x = *state;
    static const char token[] = "FwoGZXIvYXdzEXAMPLEsessionTOKEN0000000000";
    lb_server *srv = lb_start();
    assert_non_null(srv);
    lb_set_handler(srv, ecr_script, (void *)token);
    aws_credentials cr = { .access_key_id = x->creds.access_key_id,
                           .secret_access_key = x->creds.secret_access_key,
                           .session_token = (char *)token };
    aws_client_config cc = { .region = "us-east-1", .endpoint_url = lb_url(srv), .credentials = &cr };
    aws_error e = { 0 };
    aws_client *c = aws_client_new(&cc, &e);
    assert_non_null(c);
    plan *p = xcalloc(1, sizeof *p);
    snprintf(p->id, sizeof p->id, "p-test-token");
    p->action = PLAN_PROMOTE;
    plan_target_init(&p->target, NULL, "web-asg", "web", "us-east-1", false);
    plan_step *s = VEC_NEW(p->steps);
    s->kind = STEP_COPY_TAG;
    s->src_tag = xstrdup("a9f3c21");
    s->dst_tag = xstrdup("prod");
    s->digest = xstrdup(D_NEW);
    s->before_digest = xstrdup(D_BEFORE);
    strbuf err;
    sb_init(&err);
    assert_int_equal(plan_run_wait(c, p, x->j, NULL, NULL, -1, &err), PLAN_FAILED);
    assert_non_null(strstr(s->error, "[redacted]"));
    assert_null(strstr(s->error, token));
    assert_null(strstr(err.buf, token));
    size_t len = 0;
    FILE *f = fopen(journal_path(x->j), "r");
    assert_non_null(f);
    char line[65536];
    bool leaked = false;
    while (fgets(line, sizeof line, f)) {
        len += strlen(line);
        if (strstr(line, token))
            leaked = true;
    }
    fclose(f);
    assert_true(len > 0);
    assert_false(leaked);
    plan_free(p);
    sb_free(&err);
    aws_client_free(c);
    lb_stop(srv);
}

static void test_guard(void **state)
{
    (void)state;
    plan_target t = { .unhealthy_polls = 3, .min_healthy_targets_percent = 100 };
    plan_guard g;
    plan_guard_init(&g, &t, "r1");
    instance_refresh r = { .instance_refresh_id = "r1", .status = "InProgress", .has_percentage_complete = true };
    assert_int_equal(plan_guard_update(&g, NULL, 0, 0, NULL), PLAN_GUARD_RUNNING);
    assert_int_equal(plan_guard_update(&g, &r, 4, 4, NULL), PLAN_GUARD_RUNNING); /* the baseline */
    assert_int_equal(plan_guard_update(&g, &r, 3, 4, NULL), PLAN_GUARD_RUNNING);
    assert_int_equal(plan_guard_update(&g, &r, 3, 4, NULL), PLAN_GUARD_RUNNING);
    assert_int_equal(plan_guard_update(&g, &r, 4, 4, NULL), PLAN_GUARD_RUNNING); /* recovered: reset */
    assert_int_equal(plan_guard_update(&g, &r, 3, 4, NULL), PLAN_GUARD_RUNNING);
    assert_int_equal(plan_guard_update(&g, &r, 3, 4, NULL), PLAN_GUARD_RUNNING);
    assert_int_equal(plan_guard_update(&g, &r, 2, 4, NULL), PLAN_GUARD_ROLLBACK);
    assert_non_null(strstr(g.reason, "healthy targets 2/4 stayed under 100% for 3 polls"));
    plan_guard_done(&g);

    plan_guard_init(&g, &t, "r1");
    cw_alarm_list alarms = { 0 };
    cw_alarm *a = VEC_NEW(alarms);
    a->alarm_name = xstrdup("web-5xx");
    a->state_value = xstrdup("OK");
    assert_int_equal(plan_guard_update(&g, &r, 4, 4, &alarms), PLAN_GUARD_RUNNING);
    str_set(&a->state_value, "ALARM");
    str_set(&a->state_reason, "Threshold Crossed");
    assert_int_equal(plan_guard_update(&g, &r, 4, 4, &alarms), PLAN_GUARD_ROLLBACK);
    assert_string_equal(g.reason, "alarm web-5xx is in ALARM: Threshold Crossed (refresh InProgress 0%)");
    MODEL_LIST_FREE(alarms, cw_alarm_free);

    r.status = "Failed";
    r.status_reason = "2 replacement instances failed health checks";
    assert_int_equal(plan_guard_update(&g, &r, 4, 4, NULL), PLAN_GUARD_ROLLBACK);
    assert_non_null(strstr(g.reason, "refresh Failed: 2 replacement"));
    r.status = "Successful";
    assert_int_equal(plan_guard_update(&g, &r, 4, 4, NULL), PLAN_GUARD_SUCCESS);
    r.status = "Cancelled";
    assert_int_equal(plan_guard_update(&g, &r, 4, 4, NULL), PLAN_GUARD_ENDED_BAD);
    r.status = "RollbackInProgress";
    assert_int_equal(plan_guard_update(&g, &r, 0, 4, NULL), PLAN_GUARD_RUNNING);
    plan_guard_done(&g);

    /* What was wrong before the watch began is not the deploy's fault: an alarm
     * already in ALARM counts only when it fires again, a fleet already under the
     * threshold only when it gets worse. */
    plan_guard_init(&g, &t, "r1");
    r.status = "InProgress";
    r.status_reason = NULL;
    cw_alarm_list pre = { 0 };
    cw_alarm *pa = VEC_NEW(pre);
    pa->alarm_name = xstrdup("web-unhealthy-hosts");
    pa->state_value = xstrdup("ALARM");
    pa->state_reason = xstrdup("pre-existing");
    pa->state_updated_timestamp = 1000;
    assert_int_equal(plan_guard_update(&g, &r, 2, 4, &pre), PLAN_GUARD_RUNNING);
    const char *note = plan_guard_new_note(&g);
    assert_non_null(note);
    assert_non_null(strstr(note, "alarm web-unhealthy-hosts was already in ALARM"));
    assert_non_null(strstr(note, "healthy targets were already 2/4"));
    assert_null(plan_guard_new_note(&g)); /* told once */
    for (int i = 0; i < 5; i++)           /* same firing, same fleet: no verdict */
        assert_int_equal(plan_guard_update(&g, &r, 2, 4, &pre), PLAN_GUARD_RUNNING);
    assert_int_equal(plan_guard_update(&g, &r, 3, 4, &pre), PLAN_GUARD_RUNNING);
    pa->state_updated_timestamp = 2000; /* re-evaluated into ALARM again */
    assert_int_equal(plan_guard_update(&g, &r, 3, 4, &pre), PLAN_GUARD_ROLLBACK);
    assert_non_null(strstr(g.reason, "alarm web-unhealthy-hosts is in ALARM"));
    plan_guard_done(&g);

    plan_guard_init(&g, &t, "r1");
    pa->state_updated_timestamp = 1000;
    assert_int_equal(plan_guard_update(&g, &r, 4, 4, &pre), PLAN_GUARD_RUNNING);
    str_set(&pa->state_value, "OK"); /* it recovers ... */
    assert_int_equal(plan_guard_update(&g, &r, 4, 4, &pre), PLAN_GUARD_RUNNING);
    str_set(&pa->state_value, "ALARM"); /* ... and fires again, same timestamp seen */
    assert_int_equal(plan_guard_update(&g, &r, 4, 4, &pre), PLAN_GUARD_ROLLBACK);
    plan_guard_done(&g);

    plan_guard_init(&g, &t, "r1"); /* under the threshold and worse */
    assert_int_equal(plan_guard_update(&g, &r, 3, 4, NULL), PLAN_GUARD_RUNNING);
    assert_int_equal(plan_guard_update(&g, &r, 2, 4, NULL), PLAN_GUARD_RUNNING);
    assert_int_equal(plan_guard_update(&g, &r, 2, 4, NULL), PLAN_GUARD_RUNNING);
    assert_int_equal(plan_guard_update(&g, &r, 1, 4, NULL), PLAN_GUARD_ROLLBACK);
    plan_guard_done(&g);
    MODEL_LIST_FREE(pre, cw_alarm_free);

    /* Targets still in initial checks or draining do not count against the deploy. */
    target_health_list hl = { 0 };
    const char *states[] = { "healthy", "healthy", "initial", "draining", "unhealthy" };
    for (size_t i = 0; i < ARRAY_LEN(states); i++)
        VEC_NEW(hl)->state = xstrdup(states[i]);
    const target_health_list *lists[] = { &hl };
    int healthy, judged, all;
    plan_guard_count_targets(lists, 1, &healthy, &judged, &all);
    assert_int_equal(healthy, 2);
    assert_int_equal(judged, 3);
    assert_int_equal(all, 5);
    MODEL_LIST_FREE(hl, target_health_desc_free);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_deploy_good, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_refusals, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_read_only_at_point_of_change, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_live_moved_after_plan, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_refresh_in_progress, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_start_timeout_confirmed, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_stop_then_resume, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_refused_start_undone, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_undo_stopped_then_resumed, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_rollback_paths, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_cancel_plan, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_image_already_exists_is_done, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_resume_adopts_after_unknown_start, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_resume_ignores_refresh_older_than_the_call, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_put_answer_lost_checked, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_stop_flag_seen_before_next_step, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_journal_failure_after_change_reported, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_stopped_wait_journaled_as_stopped, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_session_token_scrubbed, fx_setup, fx_teardown),
        cmocka_unit_test(test_guard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
