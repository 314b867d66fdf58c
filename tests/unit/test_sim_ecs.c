/* test_sim_ecs.c — tarmac's ECS client (svc_ecs.c) against the simulator's ECS
 * (sim/world_ecs*.c) on loopback, and the world's ECS rules on their own: what the
 * client decodes is what the simulator says (clusters, the demo's web-svc, its tasks'
 * digests and addresses, a task definition copied into a new revision), a deployment
 * of a bad image through the client fails and rolls back, and the circuit breaker's
 * threshold is 0.5 x the desired count within 3..200. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "services/field_rules.h"
#include "ecs_calls.h"
#include "services/services_ecs.h"
#include "sim_fixture.h"

typedef struct fx {
    sim_fixture sim;
    aws_client *c;
    aws_credentials creds;
} fx;

static int setup(void **state)
{
    fx *x = xcalloc(1, sizeof *x);
    if (sim_fixture_start(&x->sim, "ecs", -1) != 0)
        return -1;
    x->creds.access_key_id = xstrdup(x->sim.akid);
    x->creds.secret_access_key = xstrdup(x->sim.secret);
    aws_client_config cfg = { .region = "us-east-1", .endpoint_url = x->sim.base, .credentials = &x->creds };
    aws_error err;
    x->c = aws_client_new(&cfg, &err);
    if (!x->c)
        return -1;
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    fx *x = *state;
    aws_client_free(x->c);
    aws_credentials_free(&x->creds);
    sim_fixture_stop(&x->sim);
    free(x);
    return 0;
}

static void advance(fx *x, int seconds)
{
    pthread_mutex_lock(&x->sim.f.lock);
    world_advance(x->sim.w, (int64_t)seconds * 1000);
    pthread_mutex_unlock(&x->sim.f.lock);
}

/* ---- blocking wrappers: each call run to its end ---- */

static void finish(fx *x, got *g, int rc, const aws_error *err)
{
    if (rc != 0)
        fail_msg("call refused: %s: %s", err->code, err->message);
    aws_client_run_until_idle(x->c);
    assert_int_equal(g->calls, 1);
    if (g->failed)
        fail_msg("%s: %s: %s", g->err.operation, g->err.code, g->err.message);
}

static void describe_web(fx *x, got *g)
{
    strvec names = { 0 };
    strvec_push(&names, "web-svc");
    aws_error err = { 0 };
    finish(x, g, svc_ecs_describe_services(x->c, "demo", &names, on_services, g, &err), &err);
    strvec_free(&names);
    assert_int_equal(g->services.services.n, 1);
}

static void test_client_reads_the_simulator(void **state)
{
    fx *x = *state;
    aws_error err = { 0 };
    got g = { 0 };
    finish(x, &g, svc_ecs_list_clusters(x->c, on_arns, &g, &err), &err);
    assert_int_equal(g.arns.n, 1);
    assert_string_equal(g.arns.items[0], "arn:aws:ecs:us-east-1:123456789012:cluster/demo");
    got_free(&g);

    strvec names = { 0 };
    strvec_push(&names, "demo");
    strvec_push(&names, "nope");
    finish(x, &g, svc_ecs_describe_clusters(x->c, &names, on_clusters, &g, &err), &err);
    strvec_free(&names);
    assert_int_equal(g.clusters.clusters.n, 1);
    assert_int_equal(g.clusters.clusters.items[0].running_tasks_count, 3);
    assert_int_equal(g.clusters.failures.n, 1);
    assert_string_equal(g.clusters.failures.items[0].reason, "MISSING");
    got_free(&g);

    describe_web(x, &g);
    const ecs_service *s = &g.services.services.items[0];
    assert_string_equal(s->service_name, "web-svc");
    assert_int_equal(s->desired_count, 3);
    assert_int_equal(s->running_count, 3);
    assert_true(s->deployment_configuration.circuit_breaker_enable);
    assert_true(s->deployment_configuration.circuit_breaker_rollback);
    const ecs_deployment *p = ecs_service_primary(s);
    assert_non_null(p);
    assert_string_equal(p->rollout_state, "COMPLETED");
    assert_string_equal(s->events.items[0].message, "(service web-svc) has reached a steady state.");
    char *dep = xstrdup(p->id);
    got_free(&g);

    ecs_list_tasks_params q = { .cluster = "demo", .service_name = "web-svc" };
    finish(x, &g, svc_ecs_list_tasks(x->c, &q, on_arns, &g, &err), &err);
    assert_int_equal(g.arns.n, 3);
    strvec arns = g.arns;
    memset(&g.arns, 0, sizeof g.arns);
    got_free(&g);
    finish(x, &g, svc_ecs_describe_tasks(x->c, "demo", &arns, on_tasks, &g, &err), &err);
    assert_int_equal(g.tasks.tasks.n, 3);
    for (size_t i = 0; i < 3; i++) {
        const ecs_task *t = &g.tasks.tasks.items[i];
        assert_string_equal(t->started_by, dep);
        assert_string_equal(t->health_status, "HEALTHY");
        assert_true(field_valid(FIELD_IP_ADDRESS, t->private_ipv4_address));
        assert_string_equal(t->containers.items[0].image, "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:prod");
        assert_true(field_valid(FIELD_IMAGE_DIGEST, t->containers.items[0].image_digest));
        assert_string_equal(t->containers.items[0].image_digest,
                            g.tasks.tasks.items[0].containers.items[0].image_digest);
    }
    strvec_free(&arns);
    free(dep);
    got_free(&g);
}

static void test_client_deploys_a_bad_image(void **state)
{
    fx *x = *state;
    aws_error err = { 0 };
    got g = { 0 };
    finish(x, &g, svc_ecs_describe_task_definition(x->c, "web-task", on_td, &g, &err), &err);
    assert_true(g.have_td);
    assert_int_equal(g.td.revision, 1);
    assert_string_equal(g.td.container_definitions.items[0].log_configuration.log_driver, "awslogs");
    ecs_task_definition base = g.td;
    memset(&g.td, 0, sizeof g.td);
    got_free(&g);

    /* a new revision through the client's copy: the image of e5d1f0c, marked bad */
    ecs_image_override ov = { "web", "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:e5d1f0c" };
    finish(x, &g, svc_ecs_register_task_definition_copy(x->c, &base, &ov, 1, on_td, &g, &err), &err);
    assert_int_equal(g.td.revision, 2);
    assert_string_equal(g.td.container_definitions.items[0].image, ov.image);
    assert_string_equal(g.td.container_definitions.items[0].log_configuration.options.items[0].value, "/ecs/web");
    char *bad_td = xstrdup(g.td.task_definition_arn);
    ecs_task_definition_free(&base);
    got_free(&g);

    ecs_update_service_params up = { .cluster = "demo", .service = "web-svc", .task_definition = bad_td };
    finish(x, &g, svc_ecs_update_service(x->c, &up, on_service, &g, &err), &err);
    assert_int_equal(g.service.deployments.n, 2);
    assert_string_equal(g.service.deployments.items[0].rollout_state, "IN_PROGRESS");
    assert_string_equal(g.service.deployments.items[0].task_definition, bad_td);
    char *bad_dep = xstrdup(g.service.deployments.items[0].id);
    got_free(&g);

    bool saw_failed = false, rolled_back = false;
    for (int i = 0; i < 200 && !rolled_back; i++) {
        advance(x, 5);
        describe_web(x, &g);
        const ecs_service *s = &g.services.services.items[0];
        for (size_t k = 0; k < s->deployments.n; k++)
            if (str_eq(s->deployments.items[k].id, bad_dep) &&
                str_eq(s->deployments.items[k].rollout_state, "FAILED")) {
                saw_failed = true;
                assert_int_equal(s->deployments.items[k].failed_tasks, 3); /* max(3, 0.5 x 3) */
            }
        rolled_back = s->deployments.n == 1 && !str_eq(s->deployments.items[0].id, bad_dep) &&
            str_eq(s->deployments.items[0].rollout_state, "COMPLETED");
        if (rolled_back)
            assert_string_equal(s->task_definition, "arn:aws:ecs:us-east-1:123456789012:task-definition/web-task:1");
        got_free(&g);
    }
    assert_true(saw_failed);
    assert_true(rolled_back);

    /* the bad deployment's tasks, stopped by the scheduler */
    ecs_list_tasks_params q = { .cluster = "demo", .started_by = bad_dep, .desired_status = "STOPPED" };
    finish(x, &g, svc_ecs_list_tasks(x->c, &q, on_arns, &g, &err), &err);
    assert_int_equal(g.arns.n, 3);
    strvec arns = g.arns;
    memset(&g.arns, 0, sizeof g.arns);
    got_free(&g);
    finish(x, &g, svc_ecs_describe_tasks(x->c, "demo", &arns, on_tasks, &g, &err), &err);
    for (size_t i = 0; i < g.tasks.tasks.n; i++) {
        assert_string_equal(g.tasks.tasks.items[i].last_status, "STOPPED");
        assert_string_equal(g.tasks.tasks.items[i].stop_code, "ServiceSchedulerInitiated");
        assert_string_equal(g.tasks.tasks.items[i].stopped_reason, "Task failed container health checks");
    }
    strvec_free(&arns);
    got_free(&g);
    free(bad_td);
    free(bad_dep);
}

/* The service deployment calls: a forced deployment listed IN_PROGRESS, stopped with
 * ROLLBACK, described ROLLBACK_SUCCESSFUL once the rollback completed. */
static void test_client_stops_a_service_deployment(void **state)
{
    fx *x = *state;
    aws_error err = { 0 };
    got g = { 0 };
    ecs_update_service_params up = { .cluster = "demo", .service = "web-svc", .force_new_deployment = true };
    finish(x, &g, svc_ecs_update_service(x->c, &up, on_service, &g, &err), &err);
    char *current = xstrdup(g.service.current_service_deployment);
    got_free(&g);
    advance(x, 5);
    finish(x, &g, svc_ecs_list_service_deployments(x->c, "demo", "web-svc", NULL, on_briefs, &g, &err), &err);
    assert_int_equal(g.briefs.n, 2);
    assert_string_equal(g.briefs.items[0].service_deployment_arn, current);
    assert_string_equal(g.briefs.items[0].status, "IN_PROGRESS");
    assert_string_equal(g.briefs.items[1].status, "SUCCESSFUL");
    got_free(&g);

    finish(x, &g, svc_ecs_stop_service_deployment(x->c, current, "ROLLBACK", on_arn, &g, &err), &err);
    assert_string_equal(g.arn, current);
    got_free(&g);
    strvec arns = { 0 };
    strvec_push(&arns, current);
    bool done = false;
    for (int i = 0; i < 100 && !done; i++) {
        advance(x, 5);
        finish(x, &g, svc_ecs_describe_service_deployments(x->c, &arns, on_sds, &g, &err), &err);
        assert_int_equal(g.sds.service_deployments.n, 1);
        const ecs_service_deployment *d = &g.sds.service_deployments.items[0];
        done = str_eq(d->status, "ROLLBACK_SUCCESSFUL");
        if (done) {
            assert_string_equal(d->rollback_reason, "Service deployment rolled back by a stop request.");
            assert_non_null(d->rollback_service_revision_arn);
            assert_int_equal(d->source_service_revisions.n, 1);
            assert_string_equal(d->rollback_service_revision_arn, d->source_service_revisions.items[0].arn);
        }
        got_free(&g);
    }
    assert_true(done);
    strvec_free(&arns);
    free(current);
}

/* ---- the world on its own ---- */

static const char SCENARIO[] =
    "credentials: [{access_key_id: AKIATEST000000000001, secret_access_key: s}]\n"
    "start_time: 2024-05-01T12:00:00Z\n"
    "repositories:\n"
    "  - {name: app, images: [{tags: [prod], layers: [1]}, {tags: [bad], bad: true}]}\n"
    "ecs:\n"
    "  task_definitions:\n"
    "    - {family: app, containers: [{name: app, image: \"app:prod\"}]}\n"
    "    - {family: bad, containers: [{name: app, image: \"app:bad\"}]}\n"
    "  clusters:\n"
    "    - name: c\n"
    "      services:\n"
    "        - {name: ten, task_definition: app, desired: 10, circuit_breaker: true,\n"
    "           min_healthy_percent: 50, max_percent: 150, start_delay: 2, healthy_after: 2, stop_delay: 1}\n"
    "        - {name: one, task_definition: app, desired: 1, circuit_breaker: true,\n"
    "           min_healthy_percent: 0, max_percent: 100, start_delay: 2,\n"
    "           healthy_after: 2, stop_delay: 1}\n";

static const ecs_service *world_service(sim_world *w, const char *name)
{
    strvec names = { 0 };
    strvec_push(&names, name);
    sim_ecs_service_refs out = { 0 };
    ecs_failure_list failures = { 0 };
    sim_error e = world_ecs_describe_services(w, "c", &names, &out, &failures);
    assert_true(sim_ok(&e));
    assert_int_equal(out.n, 1);
    const ecs_service *s = out.items[0];
    VEC_FREE(out);
    strvec_free(&names);
    return s;
}

static int running_tasks(sim_world *w, const char *service)
{
    strvec arns = { 0 };
    char *next = NULL;
    sim_ecs_list_tasks q = { .cluster = "c", .service_name = service };
    sim_error e = world_ecs_list_tasks(w, &q, NULL, 100, &arns, &next);
    assert_true(sim_ok(&e));
    int n = (int)arns.n;
    strvec_free(&arns);
    free(next);
    return n;
}

static void test_threshold_and_percentages(void **state)
{
    (void)state;
    char err[256];
    sim_scenario *sc = sim_scenario_parse("ecs.yaml", SCENARIO, sizeof SCENARIO - 1, err, sizeof err);
    if (!sc)
        fail_msg("%s", err);
    sim_world *w = world_new_from_scenario(sc, 3, 1);
    const ecs_service *out = NULL;
    for (int which = 0; which < 2; which++) {
        const char *name = which ? "one" : "ten";
        sim_ecs_update u = { .cluster = "c", .service = name, .task_definition = "bad" };
        sim_error e = world_ecs_update_service(w, &u, &out);
        assert_true(sim_ok(&e));
        int min_running = 1000, max_running = 0;
        const ecs_deployment *d = NULL;
        for (int i = 0; i < 600; i++) {
            world_advance(w, 1000);
            const ecs_service *s = world_service(w, name);
            int n = running_tasks(w, name);
            min_running = n < min_running ? n : min_running;
            max_running = n > max_running ? n : max_running;
            d = &s->deployments.items[0];
            if (str_eq(d->rollout_state, "FAILED"))
                break;
        }
        assert_non_null(d);
        assert_string_equal(d->rollout_state, "FAILED");
        assert_string_equal(d->rollout_state_reason, "ECS deployment circuit breaker: task failed to start.");
        /* 0.5 x 10 = 5; 0.5 x 1 is under the minimum of 3 */
        assert_int_equal(d->failed_tasks, which ? 3 : 5);
        if (!which) {
            /* maximumPercent 150: at most 15 tasks meant to run; minimumHealthyPercent
             * 50: at least 5 (the old ones, healthy) */
            assert_true(max_running <= 15);
            assert_true(min_running >= 5);
        } else {
            /* maximumPercent 100, minimumHealthyPercent 0: the old task goes first */
            assert_true(max_running <= 1);
        }
    }
    /* bad requests change nothing */
    sim_ecs_update u = { .cluster = "c", .service = "ten", .task_definition = "nope" };
    sim_error e = world_ecs_update_service(w, &u, &out);
    assert_string_equal(e.code, "InvalidParameterException");
    u = (sim_ecs_update){ .cluster = "x", .service = "ten" };
    e = world_ecs_update_service(w, &u, &out);
    assert_string_equal(e.code, "ClusterNotFoundException");
    world_free(w);
    sim_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_client_reads_the_simulator, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_deploys_a_bad_image, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_stops_a_service_deployment, setup, teardown),
        cmocka_unit_test(test_threshold_and_percentages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
