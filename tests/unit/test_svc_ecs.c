/* test_svc_ecs.c — ECS JSON 1.1: decoders against recorded-style answers in
 * tests/fixtures/ecs, hostile bodies (truncated, wrong types, malformed digests,
 * endless pages), request documents compared with botocore's serializer, the copy of
 * a task definition revision, every member name svc_ecs.c reads or sends checked
 * against botocore's ecs model, answers recorded from moto, and the typed calls end
 * to end against the loopback server (pages, chunks of 10 services and 100 tasks,
 * errors passed through). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "aws/json_util.h"
#include "json_e2e.h"
#include "loopback_server.h"
#include "ecs_calls.h"
#include "services/services_ecs.h"

#define D_OK "sha256:0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c"

static char *fixture(const char *name, size_t *len)
{
    return json_fixture("ecs", name, len);
}

/* ------------------------------------------------------------ decoders */

static void test_describe_services(void **state)
{
    (void)state;
    size_t len;
    char *body = fixture("describe_services.json", &len);
    ecs_services_result r = { 0 };
    aws_error err = { 0 };
    aws_budget b = { 0 };
    assert_int_equal(ecs_decode_services(body, len, &r, &b, &err), 0);
    assert_int_equal(r.services.n, 1);
    const ecs_service *s = &r.services.items[0];
    assert_string_equal(s->service_name, "web");
    assert_string_equal(s->cluster_arn, "arn:aws:ecs:eu-west-1:123456789012:cluster/prod");
    assert_string_equal(s->status, "ACTIVE");
    assert_int_equal(s->desired_count, 3);
    assert_int_equal(s->running_count, 4);
    assert_int_equal(s->pending_count, 1);
    assert_string_equal(s->launch_type, "FARGATE");
    assert_string_equal(s->deployment_controller_type, "ECS");
    assert_true(s->has_health_check_grace_period);
    assert_int_equal(s->health_check_grace_period_seconds, 60);
    assert_int_equal(s->load_balancers.n, 1);
    assert_string_equal(s->load_balancers.items[0].container_name, "web");
    assert_true(s->load_balancers.items[0].has_container_port);
    assert_int_equal(s->load_balancers.items[0].container_port, 8080);
    const ecs_deployment_configuration *dc = &s->deployment_configuration;
    assert_true(dc->has_circuit_breaker);
    assert_true(dc->circuit_breaker_enable);
    assert_true(dc->circuit_breaker_rollback);
    assert_true(dc->has_maximum_percent);
    assert_int_equal(dc->maximum_percent, 200);
    assert_int_equal(dc->minimum_healthy_percent, 100);
    assert_true(dc->has_alarms);
    assert_int_equal(dc->alarm_names.n, 1);
    assert_string_equal(dc->alarm_names.items[0], "web-5xx");
    assert_false(dc->alarms_enable);
    assert_true(dc->alarms_rollback);
    assert_string_equal(dc->strategy, "ROLLING");
    assert_true(dc->has_bake_time);
    assert_int_equal(s->deployments.n, 2);
    const ecs_deployment *p = ecs_service_primary(s);
    assert_ptr_equal(p, &s->deployments.items[0]);
    assert_string_equal(p->id, "ecs-svc/1234567890123456789");
    assert_string_equal(p->rollout_state, "IN_PROGRESS");
    assert_string_equal(p->rollout_state_reason, "ECS deployment ecs-svc/1234567890123456789 in progress.");
    assert_int_equal(p->created_at, INT64_C(1714564800123));
    assert_int_equal(p->updated_at, INT64_C(1714564860500));
    assert_int_equal(p->running_count, 1);
    assert_string_equal(s->deployments.items[1].status, "ACTIVE");
    assert_string_equal(s->deployments.items[1].rollout_state, "COMPLETED");
    assert_int_equal(s->events.n, 2);
    assert_string_equal(s->events.items[1].message, "(service web) has reached a steady state.");
    assert_int_equal(s->events.items[0].created_at, INT64_C(1714564810000));
    assert_non_null(s->current_service_deployment);
    assert_int_equal(r.failures.n, 1);
    assert_string_equal(r.failures.items[0].reason, "MISSING");
    assert_true(b.items >= 1 + 1 + 2 + 2 + 1); /* every list entry is charged */
    ecs_services_result_free(&r);
    free(body);
}

static void test_describe_tasks(void **state)
{
    (void)state;
    size_t len;
    char *body = fixture("describe_tasks.json", &len);
    ecs_tasks_result r = { 0 };
    aws_error err = { 0 };
    assert_int_equal(ecs_decode_tasks(body, len, &r, NULL, &err), 0);
    assert_int_equal(r.tasks.n, 2);
    const ecs_task *t = &r.tasks.items[0];
    assert_string_equal(t->last_status, "RUNNING");
    assert_string_equal(t->desired_status, "RUNNING");
    assert_string_equal(t->health_status, "HEALTHY");
    assert_string_equal(t->started_by, "ecs-svc/1234567890123456789");
    assert_string_equal(t->availability_zone, "eu-west-1a");
    assert_string_equal(t->private_ipv4_address, "10.0.1.23");
    assert_string_equal(t->task_definition_arn, "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:42");
    assert_int_equal(t->started_at, INT64_C(1714564840000));
    assert_int_equal(t->stopped_at, 0);
    assert_int_equal(t->containers.n, 1);
    assert_string_equal(t->containers.items[0].image_digest, D_OK);
    assert_string_equal(t->containers.items[0].health_status, "HEALTHY");
    assert_false(t->containers.items[0].has_exit_code);
    t = &r.tasks.items[1];
    assert_null(t->private_ipv4_address);
    assert_string_equal(t->stop_code, "EssentialContainerExited");
    assert_string_equal(t->stopped_reason, "Essential container in task exited");
    assert_int_equal(t->stopped_at, INT64_C(1714564760000));
    assert_true(t->containers.items[0].has_exit_code);
    assert_int_equal(t->containers.items[0].exit_code, 1);
    assert_null(t->containers.items[0].image_digest);
    ecs_tasks_result_free(&r);
    free(body);
}

static void test_task_definition_and_copy(void **state)
{
    (void)state;
    size_t len;
    char *body = fixture("describe_task_definition.json", &len);
    ecs_task_definition td = { 0 };
    aws_error err = { 0 };
    assert_int_equal(ecs_decode_task_definition(body, len, "DescribeTaskDefinition", &td, &err), 0);
    assert_string_equal(td.family, "web");
    assert_int_equal(td.revision, 42);
    assert_string_equal(td.network_mode, "awsvpc");
    assert_string_equal(td.cpu, "256");
    assert_int_equal(td.requires_compatibilities.n, 1);
    assert_int_equal(td.container_definitions.n, 2);
    const ecs_container_definition *c = &td.container_definitions.items[0];
    assert_string_equal(c->name, "web");
    assert_true(c->has_essential);
    assert_true(c->essential);
    assert_string_equal(c->log_configuration.log_driver, "awslogs");
    assert_int_equal(c->log_configuration.options.n, 3);
    assert_string_equal(c->log_configuration.options.items[0].name, "awslogs-group");
    assert_string_equal(c->log_configuration.options.items[0].value, "/ecs/web");
    assert_false(td.container_definitions.items[1].essential);
    assert_non_null(td.raw);

    /* A new revision: everything RegisterTaskDefinition takes, the web image replaced. */
    ecs_image_override ov = { "web", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web@" D_OK };
    size_t n;
    char *doc = ecs_encode_register_copy(&td, &ov, 1, &n, &err);
    assert_non_null(doc);
    json_object *req = ju_parse_object(doc, n, "ecs", "RegisterTaskDefinition", &err);
    assert_non_null(req);
    assert_string_equal(ju_get_string(req, "family", NULL), "web");
    assert_string_equal(ju_get_string(req, "executionRoleArn", NULL),
                        "arn:aws:iam::123456789012:role/ecsTaskExecutionRole");
    assert_non_null(ju_get_object(req, "runtimePlatform"));
    json_object *defs = ju_get_array(req, "containerDefinitions");
    assert_int_equal(json_object_array_length(defs), 2);
    json_object *web = json_object_array_get_idx(defs, 0);
    assert_string_equal(ju_get_string(web, "image", NULL), ov.image);
    assert_non_null(ju_get_array(web, "secrets"));      /* carried over though not shown */
    assert_non_null(ju_get_object(web, "healthCheck")); /* the same */
    assert_string_equal(ju_get_string(json_object_array_get_idx(defs, 1), "image", NULL),
                        "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable");
    /* What AWS sets itself is not sent (RegisterTaskDefinition would refuse it). */
    static const char *const not_sent[] = { "taskDefinitionArn", "revision",     "status",
                                            "registeredAt",      "registeredBy", "compatibilities",
                                            "requiresAttributes" };
    for (size_t i = 0; i < ARRAY_LEN(not_sent); i++) {
        json_object *v;
        if (json_object_object_get_ex(req, not_sent[i], &v))
            fail_msg("%s sent", not_sent[i]);
    }
    json_object_put(req);
    free(doc);
    /* An override naming no container is refused, naming it. */
    ecs_image_override bad = { "api", "x" };
    assert_null(ecs_encode_register_copy(&td, &bad, 1, &n, &err));
    assert_string_equal(err.code, "InvalidParameter");
    assert_non_null(strstr(err.message, "api"));
    ecs_task_definition_free(&td);
    /* Without the raw object there is nothing to copy. */
    ecs_task_definition empty = { 0 };
    assert_null(ecs_encode_register_copy(&empty, NULL, 0, &n, &err));
    /* An answer without taskDefinition is malformed. */
    assert_int_equal(ecs_decode_task_definition("{\"tags\":[]}", 11, "RegisterTaskDefinition", &td, &err), -1);
    assert_string_equal(err.code, "MalformedResponse");
    assert_string_equal(err.operation, "RegisterTaskDefinition");
    free(body);
}

static void test_service_deployments(void **state)
{
    (void)state;
    size_t len;
    char *body = fixture("describe_service_deployments.json", &len);
    ecs_service_deployments_result r = { 0 };
    aws_error err = { 0 };
    assert_int_equal(ecs_decode_service_deployments(body, len, &r, NULL, &err), 0);
    assert_int_equal(r.service_deployments.n, 1);
    const ecs_service_deployment *d = &r.service_deployments.items[0];
    assert_string_equal(d->status, "ROLLBACK_SUCCESSFUL");
    assert_string_equal(d->circuit_breaker_status, "TRIGGERED");
    assert_true(d->has_circuit_breaker_counts);
    assert_int_equal(d->circuit_breaker_failure_count, 3);
    assert_int_equal(d->circuit_breaker_threshold, 3);
    assert_int_equal(d->source_service_revisions.n, 1);
    assert_int_equal(d->target_service_revision.requested_task_count, 3);
    assert_non_null(d->rollback_reason);
    assert_int_equal(d->rollback_started_at, INT64_C(1714565000000));
    assert_string_equal(d->alarms_status, "DISABLED");
    assert_true(d->deployment_configuration.circuit_breaker_rollback);
    ecs_service_deployments_result_free(&r);
    free(body);

    ecs_service_deployment_brief_list briefs = { 0 };
    char *next = NULL;
    const char list[] = "{\"serviceDeployments\":[{\"serviceDeploymentArn\":\"arn:sd\",\"status\":\"IN_PROGRESS\","
                        "\"createdAt\":1714564800}],\"nextToken\":\"n2\"}";
    assert_int_equal(ecs_decode_service_deployment_briefs(list, sizeof list - 1, &briefs, &next, NULL, &err), 0);
    assert_int_equal(briefs.n, 1);
    assert_string_equal(briefs.items[0].status, "IN_PROGRESS");
    assert_string_equal(next, "n2");
    free(next);
    MODEL_LIST_FREE(briefs, ecs_service_deployment_brief_free);

    char *arn = NULL;
    const char stopped[] = "{\"serviceDeploymentArn\":\"arn:sd\"}";
    assert_int_equal(ecs_decode_stop_service_deployment(stopped, sizeof stopped - 1, &arn, &err), 0);
    assert_string_equal(arn, "arn:sd");
    free(arn);
    assert_int_equal(ecs_decode_stop_service_deployment("{}", 2, &arn, &err), -1);
    assert_null(arn);
}

static void test_clusters_and_arns(void **state)
{
    (void)state;
    size_t len;
    char *body = fixture("describe_clusters.json", &len);
    ecs_clusters_result r = { 0 };
    aws_error err = { 0 };
    assert_int_equal(ecs_decode_clusters(body, len, &r, NULL, &err), 0);
    assert_int_equal(r.clusters.n, 1);
    assert_string_equal(r.clusters.items[0].cluster_name, "prod");
    assert_int_equal(r.clusters.items[0].running_tasks_count, 7);
    assert_int_equal(r.clusters.items[0].active_services_count, 2);
    assert_int_equal(r.failures.n, 1);
    ecs_clusters_result_free(&r);
    free(body);

    body = fixture("list_services.json", &len);
    strvec arns = { 0 };
    char *next = NULL;
    assert_int_equal(ecs_decode_arns(body, len, "ListServices", "serviceArns", &arns, &next, NULL, &err), 0);
    assert_int_equal(arns.n, 2);
    assert_string_equal(arns.items[1], "arn:aws:ecs:eu-west-1:123456789012:service/prod/worker");
    assert_string_equal(next, "eyJ2ZXJzaW9uIjoxLCJvZmZzZXQiOjJ9");
    free(next);
    strvec_free(&arns);
    free(body);
}

static void test_wrong_types_are_skipped(void **state)
{
    (void)state;
    const char body[] = "{\"services\":[7,\"x\",null,{\"serviceName\":5,\"desiredCount\":\"3\",\"runningCount\":-2,"
                        "\"deployments\":{\"id\":\"d\"},\"events\":[1,{\"message\":[\"m\"],\"createdAt\":\"soon\"}],"
                        "\"deploymentConfiguration\":{\"deploymentCircuitBreaker\":\"on\",\"maximumPercent\":1.5,"
                        "\"alarms\":{\"alarmNames\":[\"a\",3]}},\"loadBalancers\":[{\"containerPort\":\"80\"}],"
                        "\"deploymentController\":[]}],\"failures\":{}}";
    ecs_services_result r = { 0 };
    aws_error err = { 0 };
    assert_int_equal(ecs_decode_services(body, sizeof body - 1, &r, NULL, &err), 0);
    assert_int_equal(r.services.n, 1);
    const ecs_service *s = &r.services.items[0];
    assert_null(s->service_name);
    assert_int_equal(s->desired_count, 0);
    assert_int_equal(s->running_count, 0); /* a negative count is absent */
    assert_int_equal(s->deployments.n, 0);
    assert_int_equal(s->events.n, 1);
    assert_null(s->events.items[0].message);
    assert_int_equal(s->events.items[0].created_at, 0);
    assert_false(s->deployment_configuration.has_circuit_breaker);
    assert_false(s->deployment_configuration.has_maximum_percent);
    assert_int_equal(s->deployment_configuration.alarm_names.n, 1);
    assert_false(s->load_balancers.items[0].has_container_port);
    assert_null(s->deployment_controller_type);
    assert_int_equal(r.failures.n, 0);
    ecs_services_result_free(&r);

    /* Tasks: a private IP that is not an address is absent; attachments of the wrong shape skipped. */
    const char tasks[] = "{\"tasks\":[{\"attachments\":[{\"details\":[{\"name\":\"privateIPv4Address\","
                         "\"value\":\"10.0.0.1\\u001b[2J\"}]},{\"details\":\"x\"},5],"
                         "\"containers\":[{\"exitCode\":\"1\",\"imageDigest\":null}],\"stoppedAt\":true}]}";
    ecs_tasks_result t = { 0 };
    assert_int_equal(ecs_decode_tasks(tasks, sizeof tasks - 1, &t, NULL, &err), 0);
    assert_null(t.tasks.items[0].private_ipv4_address);
    assert_false(t.tasks.items[0].containers.items[0].has_exit_code);
    assert_null(t.tasks.items[0].containers.items[0].image_digest);
    assert_int_equal(t.tasks.items[0].stopped_at, 0);
    ecs_tasks_result_free(&t);

    /* Log options: only string values. */
    const char td[] = "{\"taskDefinition\":{\"family\":\"f\",\"containerDefinitions\":[{\"logConfiguration\":"
                      "{\"logDriver\":\"awslogs\",\"options\":{\"a\":\"1\",\"b\":2,\"c\":null}}}]}}";
    ecs_task_definition d = { 0 };
    assert_int_equal(ecs_decode_task_definition(td, sizeof td - 1, "DescribeTaskDefinition", &d, &err), 0);
    assert_int_equal(d.container_definitions.items[0].log_configuration.options.n, 1);
    ecs_task_definition_free(&d);
}

static void expect_malformed(const char *body, size_t len)
{
    ecs_services_result r = { 0 };
    aws_error err = { 0 };
    assert_int_equal(ecs_decode_services(body, len, &r, NULL, &err), -1);
    assert_string_equal(err.code, "MalformedResponse");
    assert_string_equal(err.operation, "DescribeServices");
    assert_string_equal(err.service, "ecs");
    assert_int_equal(r.services.n, 0);
    ecs_services_result_free(&r);
}

static void test_truncated_and_garbage(void **state)
{
    (void)state;
    size_t len;
    char *body = fixture("describe_services.json", &len);
    size_t end = len;
    while (end > 0 && body[end - 1] != '}')
        end--;
    for (size_t n = 0; n < end; n++)
        expect_malformed(body, n);
    free(body);
    expect_malformed("{\"services\":[]} x", 17);
    expect_malformed("<html>502</html>", 16);
    expect_malformed("[]", 2);
    /* U+0000 in a message refuses the whole answer, naming where. */
    const char nul[] = "{\"services\":[{\"events\":[{\"message\":\"ok\\u0000evil\"}]}]}";
    ecs_services_result r = { 0 };
    aws_error err = { 0 };
    assert_int_equal(ecs_decode_services(nul, sizeof nul - 1, &r, NULL, &err), -1);
    assert_non_null(strstr(err.message, "services[0].events[0].message"));
    ecs_services_result_free(&r);
}

static void test_malformed_digest(void **state)
{
    (void)state;
    const char body[] = "{\"tasks\":[{\"taskArn\":\"a\",\"containers\":[{\"imageDigest\":\"" D_OK "\"}]},"
                        "{\"taskArn\":\"b\",\"containers\":[{},{\"imageDigest\":\"sha256:abc; rm -rf /\"}]}],"
                        "\"failures\":[{\"arn\":\"c\"}]}";
    ecs_tasks_result r = { 0 };
    aws_error err = { 0 };
    assert_int_equal(ecs_decode_tasks(body, sizeof body - 1, &r, NULL, &err), -1);
    assert_string_equal(err.code, "MalformedResponse");
    assert_string_equal(err.operation, "DescribeTasks");
    assert_non_null(strstr(err.message, "tasks[1].containers[1].imageDigest"));
    assert_int_equal(r.tasks.n, 0); /* nothing of the answer kept */
    assert_int_equal(r.failures.n, 0);
    ecs_tasks_result_free(&r);
}

/* Answers moto 5.2.1's ECS gave boto3 (recorded into tests/fixtures/ecs/moto_*.json:
 * a Fargate service with the circuit breaker, then forceNewDeployment): another
 * server's shapes decode to what boto3 read from them. moto leaves
 * deploymentConfiguration out of its answers: absent here too, not zero. */
static void test_moto_answers(void **state)
{
    (void)state;
    size_t len;
    aws_error err = { 0 };
    char *body = fixture("moto_describe_services.json", &len);
    ecs_services_result r = { 0 };
    assert_int_equal(ecs_decode_services(body, len, &r, NULL, &err), 0);
    assert_int_equal(r.services.n, 1);
    const ecs_service *s = &r.services.items[0];
    assert_string_equal(s->service_name, "web");
    assert_int_equal(s->desired_count, 2);
    assert_int_equal(s->pending_count, 2);
    assert_false(s->deployment_configuration.has_circuit_breaker);
    assert_false(s->deployment_configuration.has_maximum_percent);
    assert_string_equal(s->deployment_controller_type, "ECS");
    const ecs_deployment *p = ecs_service_primary(s);
    assert_non_null(p);
    assert_string_equal(p->rollout_state, "IN_PROGRESS");
    assert_int_equal(p->pending_count, 2);
    assert_true(p->created_at > 0);
    assert_int_equal(r.failures.n, 1);
    assert_string_equal(r.failures.items[0].reason, "MISSING");
    ecs_services_result_free(&r);
    free(body);

    body = fixture("moto_update_service.json", &len);
    ecs_service u = { 0 };
    assert_int_equal(ecs_decode_update_service(body, len, &u, &err), 0);
    assert_string_equal(u.service_arn, "arn:aws:ecs:eu-west-1:123456789012:service/prod/web");
    assert_non_null(ecs_service_primary(&u));
    ecs_service_free(&u);
    free(body);

    body = fixture("moto_describe_task_definition.json", &len);
    ecs_task_definition td = { 0 };
    assert_int_equal(ecs_decode_task_definition(body, len, "DescribeTaskDefinition", &td, &err), 0);
    assert_string_equal(td.family, "web");
    assert_int_equal(td.revision, 1);
    assert_string_equal(td.container_definitions.items[0].log_configuration.options.items[1].value, "eu-west-1");
    ecs_image_override ov = { "web", "repo:v2" };
    size_t n;
    char *doc = ecs_encode_register_copy(&td, &ov, 1, &n, &err);
    assert_non_null(doc);
    assert_non_null(strstr(doc, "\"image\":\"repo:v2\""));
    assert_null(strstr(doc, "compatibilities\":[\"EC2")); /* set by AWS, not sent */
    free(doc);
    ecs_task_definition_free(&td);
    free(body);

    body = fixture("moto_describe_clusters.json", &len);
    ecs_clusters_result c = { 0 };
    assert_int_equal(ecs_decode_clusters(body, len, &c, NULL, &err), 0);
    assert_string_equal(c.clusters.items[0].cluster_name, "prod");
    ecs_clusters_result_free(&c);
    free(body);

    body = fixture("moto_list_services.json", &len);
    strvec arns = { 0 };
    char *next = NULL;
    assert_int_equal(ecs_decode_arns(body, len, "ListServices", "serviceArns", &arns, &next, NULL, &err), 0);
    assert_int_equal(arns.n, 1);
    assert_null(next);
    strvec_free(&arns);
    free(body);
}

/* Endless pages of 1000 ARNs with a fresh token: the call's budget ends them. */
static void test_budget_ends_endless_pages(void **state)
{
    (void)state;
    strbuf sb;
    sb_init(&sb);
    sb_append(&sb, "{\"taskArns\":[");
    for (int i = 0; i < 1000; i++)
        sb_printf(&sb, "%s\"arn:aws:ecs:eu-west-1:123456789012:task/prod/%032d\"", i ? "," : "", i);
    sb_append(&sb, "],\"nextToken\":\"more\"}");
    aws_budget b = { 0 };
    strvec arns = { 0 };
    aws_error err = { 0 };
    int rc = 0, pages = 0;
    while (rc == 0 && pages < 1000) {
        char *next = NULL;
        rc = ecs_decode_arns(sb.buf, sb.len, "ListTasks", "taskArns", &arns, &next, &b, &err);
        free(next);
        pages++;
    }
    assert_int_equal(rc, -1);
    assert_int_equal(pages, AWS_MAX_CALL_ITEMS / 1000 + 1);
    assert_string_equal(err.code, "TooManyItems");
    assert_string_equal(err.operation, "ListTasks");
    strvec_free(&arns);
    sb_free(&sb);
}

/* ------------------------------------------------------------ requests */

/* Expected documents: botocore 1.43's JSON serializer for the same parameters
 * (botocore.serialize.create_serializer('json').serialize_to_request(...)). */
static void test_request_bodies(void **state)
{
    (void)state;
    size_t n;
    char *d;
#define CHECK(expr, want)                                                                                              \
    do {                                                                                                               \
        d = (expr);                                                                                                    \
        assert_json_equal(d, n, want);                                                                                 \
        free(d);                                                                                                       \
    } while (0)
    CHECK(ecs_encode_list_clusters(NULL, &n), "{\"maxResults\": 100}");
    CHECK(ecs_encode_list_services("prod", "t1", &n),
          "{\"cluster\": \"prod\", \"nextToken\": \"t1\", \"maxResults\": 100}");
    const char *const svcs[] = { "web", "worker" };
    CHECK(ecs_encode_describe_services("prod", svcs, 2, &n),
          "{\"cluster\": \"prod\", \"services\": [\"web\", \"worker\"]}");
    CHECK(ecs_encode_list_task_definitions("web", "ACTIVE", true, NULL, &n),
          "{\"familyPrefix\": \"web\", \"status\": \"ACTIVE\", \"sort\": \"DESC\", \"maxResults\": 100}");
    ecs_list_tasks_params lt = {
        .cluster = "prod", .service_name = "web", .started_by = "ecs-svc/1", .desired_status = "STOPPED"
    };
    CHECK(ecs_encode_list_tasks(&lt, NULL, &n),
          "{\"cluster\": \"prod\", \"serviceName\": \"web\", \"startedBy\": \"ecs-svc/1\", \"desiredStatus\": "
          "\"STOPPED\", \"maxResults\": 100}");
    ecs_update_service_params up = { .cluster = "prod",
                                     .service = "web",
                                     .task_definition = "web:43",
                                     .has_desired_count = true,
                                     .desired_count = 0,
                                     .force_new_deployment = true };
    CHECK(ecs_encode_update_service(&up, &n),
          "{\"cluster\": \"prod\", \"service\": \"web\", \"taskDefinition\": \"web:43\", \"desiredCount\": 0, "
          "\"forceNewDeployment\": true}");
    ecs_update_service_params up2 = { .service = "web" };
    CHECK(ecs_encode_update_service(&up2, &n), "{\"service\": \"web\"}");
    CHECK(ecs_encode_stop_service_deployment("arn:x", "ROLLBACK", &n),
          "{\"serviceDeploymentArn\": \"arn:x\", \"stopType\": \"ROLLBACK\"}");
    strvec st = { 0 };
    strvec_push(&st, "IN_PROGRESS");
    strvec_push(&st, "PENDING");
    CHECK(ecs_encode_list_service_deployments("prod", "web", &st, NULL, &n),
          "{\"cluster\": \"prod\", \"service\": \"web\", \"status\": [\"IN_PROGRESS\", \"PENDING\"], \"maxResults\": "
          "100}");
    strvec_free(&st);
    const char *const one[] = { "arn:a" };
    CHECK(ecs_encode_describe_service_deployments(one, 1, &n), "{\"serviceDeploymentArns\": [\"arn:a\"]}");
    const char *const t1[] = { "t1" };
    CHECK(ecs_encode_describe_tasks("prod", t1, 1, &n), "{\"cluster\": \"prod\", \"tasks\": [\"t1\"]}");
    const char *const prod[] = { "prod" };
    CHECK(ecs_encode_describe_clusters(prod, 1, &n), "{\"clusters\": [\"prod\"]}");
    CHECK(ecs_encode_describe_task_definition("web:42", &n), "{\"taskDefinition\": \"web:42\"}");
#undef CHECK
}

/* Every member name svc_ecs.c and model_ecs.c read or send (their camelCase string
 * literals) is a member of some shape of botocore's ecs model, asked of the installed
 * botocore. */
static void test_member_names_in_botocore(void **state)
{
    (void)state;
    /* An older botocore (Debian 12 packages 1.29) knows no service deployments:
     * the names tarmac reads for them cannot be checked against it. */
    int rc = system("python3 -c 'import botocore.session as s, sys\n"
                    "m = s.get_session().get_service_model(\"ecs\")\n"
                    "sys.exit(0 if \"ListServiceDeployments\" in m.operation_names else 3)' 2>/dev/null");
    if (rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 3) {
        print_message("SKIP: the installed botocore's ecs model is older than ECS service deployments\n");
        skip();
    }
    FILE *p = popen("python3 -c 'import botocore.session as s\n"
                    "m = s.get_session().get_service_model(\"ecs\")\n"
                    "for n in m.shape_names:\n"
                    "    sh = m.shape_for(n)\n"
                    "    if sh.type_name == \"structure\":\n"
                    "        print(\"\\n\".join(sh.members))' 2>/dev/null",
                    "r");
    if (!p)
        skip();
    strvec members = { 0 };
    char line[256];
    while (fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = '\0';
        if (*line)
            strvec_push(&members, line);
    }
    if (pclose(p) != 0 || members.n < 100) {
        strvec_free(&members);
        print_message("SKIP: no python3 with botocore\n");
        skip();
    }
    /* svc_ecs.c, and model_ecs.c's list of what RegisterTaskDefinition takes */
    size_t len1, len2;
    char *src1 = test_top_read("backend/services/svc_ecs.c", &len1);
    char *src2 = test_top_read("backend/services/model_ecs.c", &len2);
    assert_non_null(src1);
    assert_non_null(src2);
    size_t len = len1 + 1 + len2;
    char *src = xmalloc(len + 1);
    memcpy(src, src1, len1);
    src[len1] = '\n';
    memcpy(src + len1 + 1, src2, len2 + 1);
    free(src1);
    free(src2);
    /* Values, not member names: the KeyValuePair name the decoder looks for. */
    static const char *const values[] = { "privateIPv4Address" };
    int checked = 0;
    bool in_comment = false;
    for (size_t i = 0; i < len; i++) {
        if (!in_comment && src[i] == '/' && src[i + 1] == '*') {
            in_comment = true;
            continue;
        }
        if (in_comment) {
            if (src[i] == '*' && src[i + 1] == '/')
                in_comment = false;
            continue;
        }
        if (src[i] != '"' || (i > 0 && src[i - 1] == '\\'))
            continue;
        size_t j = i + 1;
        while (j < len && src[j] != '"' && src[j] != '\n')
            j++;
        char lit[128] = "";
        if (j - i - 1 < sizeof lit)
            memcpy(lit, src + i + 1, j - i - 1), lit[j - i - 1] = '\0';
        i = j;
        bool ident = lit[0] >= 'a' && lit[0] <= 'z';
        for (char *c = lit; ident && *c; c++)
            ident = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9');
        if (!ident)
            continue;
        bool is_value = false;
        for (size_t k = 0; k < ARRAY_LEN(values); k++)
            is_value |= str_eq(values[k], lit);
        if (is_value)
            continue;
        if (!strvec_contains(&members, lit))
            fail_msg("svc_ecs.c or model_ecs.c uses \"%s\", which no shape of botocore's ecs model has", lit);
        checked++;
    }
    assert_true(checked > 80);
    free(src);
    strvec_free(&members);
}

/* ------------------------------------------------------------ end to end */

static json_object *request_doc(e2e *f, size_t i, const char *op)
{
    const lb_request *q = lb_request_at(f->srv, i);
    char buf[128];
    assert_non_null(q);
    assert_non_null(lb_request_header(q, "authorization", buf, sizeof(buf)));
    assert_non_null(strstr(buf, "/eu-west-1/ecs/aws4_request"));
    return e2e_request_doc(f, i, "AmazonEC2ContainerServiceV20141113", op);
}

static void test_e2e_list_pages(void **state)
{
    e2e *f = *state;
    size_t len;
    char *page1 = fixture("list_services.json", &len);
    lb_push(f->srv, json_answer(200, page1));
    lb_push(f->srv, json_answer(200, "{\"serviceArns\":[\"arn:aws:ecs:eu-west-1:123456789012:service/prod/api\"]}"));
    free(page1);
    got g = { 0 };
    aws_error err = { 0 };
    assert_int_equal(svc_ecs_list_services(f->c, "prod", on_arns, &g, &err), 0);
    aws_client_run_until_idle(f->c);
    assert_int_equal(g.calls, 1);
    if (g.failed)
        fail_msg("%s: %s", g.err.code, g.err.message);
    assert_int_equal(g.arns.n, 3);
    assert_int_equal(lb_request_count(f->srv), 2);
    json_object *d = request_doc(f, 0, "ListServices");
    assert_string_equal(ju_get_string(d, "cluster", NULL), "prod");
    assert_null(ju_get_string(d, "nextToken", NULL));
    json_object_put(d);
    d = request_doc(f, 1, "ListServices");
    assert_string_equal(ju_get_string(d, "cluster", NULL), "prod");
    assert_string_equal(ju_get_string(d, "nextToken", NULL), "eyJ2ZXJzaW9uIjoxLCJvZmZzZXQiOjJ9");
    int max = 0;
    assert_true(ju_get_int(d, "maxResults", &max));
    assert_int_equal(max, 100);
    json_object_put(d);
    got_free(&g);
}

/* 25 services: three DescribeServices calls of 10, 10 and 5, merged. */
static void test_e2e_describe_services_chunks(void **state)
{
    e2e *f = *state;
    size_t len;
    char *body = fixture("describe_services.json", &len);
    lb_push_n(f->srv, json_answer(200, body), 3);
    free(body);
    strvec names = { 0 };
    for (int i = 0; i < 25; i++) {
        char n[16];
        snprintf(n, sizeof n, "svc%d", i);
        strvec_push(&names, n);
    }
    got g = { 0 };
    aws_error err = { 0 };
    assert_int_equal(svc_ecs_describe_services(f->c, "prod", &names, on_services, &g, &err), 0);
    aws_client_run_until_idle(f->c);
    assert_int_equal(g.calls, 1);
    if (g.failed)
        fail_msg("%s: %s", g.err.code, g.err.message);
    assert_int_equal(g.services.services.n, 3);
    assert_int_equal(g.services.failures.n, 3);
    assert_int_equal(lb_request_count(f->srv), 3);
    static const size_t sizes[] = { 10, 10, 5 };
    for (size_t i = 0; i < 3; i++) {
        json_object *d = request_doc(f, i, "DescribeServices");
        assert_string_equal(ju_get_string(d, "cluster", NULL), "prod");
        assert_int_equal(json_object_array_length(ju_get_array(d, "services")), sizes[i]);
        json_object_put(d);
    }
    strvec_free(&names);
    got_free(&g);

    /* No names: refused before anything is sent. */
    lb_reset(f->srv);
    assert_int_equal(svc_ecs_describe_services(f->c, "prod", NULL, on_services, &g, &err), -1);
    assert_string_equal(err.code, "InvalidParameter");
    assert_int_equal(lb_request_count(f->srv), 0);
}

/* 150 tasks: 100 then 50; the second answer malformed fails the call with what the
 * first brought kept. */
static void test_e2e_describe_tasks_chunks(void **state)
{
    e2e *f = *state;
    size_t len;
    char *body = fixture("describe_tasks.json", &len);
    lb_push(f->srv, json_answer(200, body));
    lb_push(f->srv, json_answer(200, "{\"tasks\":[{\"containers\":[{\"imageDigest\":\"sha256:x\"}]}]}"));
    free(body);
    strvec names = { 0 };
    for (int i = 0; i < 150; i++) {
        char n[48];
        snprintf(n, sizeof n, "%032d", i);
        strvec_push(&names, n);
    }
    got g = { 0 };
    aws_error err = { 0 };
    assert_int_equal(svc_ecs_describe_tasks(f->c, "prod", &names, on_tasks, &g, &err), 0);
    aws_client_run_until_idle(f->c);
    assert_int_equal(g.calls, 1);
    assert_true(g.failed);
    assert_string_equal(g.err.code, "MalformedResponse");
    assert_string_equal(g.err.operation, "DescribeTasks");
    assert_string_equal(g.err.request_id, "req-e2e");
    assert_int_equal(g.tasks.tasks.n, 2);
    assert_int_equal(lb_request_count(f->srv), 2);
    json_object *d = request_doc(f, 1, "DescribeTasks");
    assert_int_equal(json_object_array_length(ju_get_array(d, "tasks")), 50);
    json_object_put(d);
    strvec_free(&names);
    got_free(&g);
}

static void test_e2e_update_service(void **state)
{
    e2e *f = *state;
    size_t len;
    char *body = fixture("describe_services.json", &len);
    /* UpdateService answers {"service": ...}: the fixture's service, re-wrapped. */
    aws_error err = { 0 };
    json_object *doc = ju_parse_object(body, len, "ecs", "x", &err);
    json_object *svc = json_object_array_get_idx(ju_get_array(doc, "services"), 0);
    json_object *ans = json_object_new_object();
    json_object_object_add(ans, "service", json_object_get(svc));
    size_t alen;
    char *answer = ju_finish(ans, &alen);
    json_object_put(doc);
    free(body);
    lb_push(f->srv, json_answer(200, answer));
    free(answer);
    got g = { 0 };
    ecs_update_service_params p = { .cluster = "prod", .service = "web", .force_new_deployment = true };
    assert_int_equal(svc_ecs_update_service(f->c, &p, on_service, &g, &err), 0);
    aws_client_run_until_idle(f->c);
    assert_int_equal(g.calls, 1);
    if (g.failed)
        fail_msg("%s: %s", g.err.code, g.err.message);
    assert_true(g.have_service);
    assert_string_equal(ecs_service_primary(&g.service)->rollout_state, "IN_PROGRESS");
    json_object *d = request_doc(f, 0, "UpdateService");
    bool force = false;
    assert_true(ju_get_bool(d, "forceNewDeployment", &force));
    assert_true(force);
    json_object_put(d);
    got_free(&g);

    /* An AWS error passes through; a mutating call is not resent after a 5xx. */
    lb_reset(f->srv);
    lb_push(f->srv, json_answer(400, "{\"__type\":\"ServiceNotFoundException\",\"message\":\"Service not found.\"}"));
    got h = { 0 };
    assert_int_equal(svc_ecs_update_service(f->c, &p, on_service, &h, &err), 0);
    aws_client_run_until_idle(f->c);
    assert_true(h.failed);
    assert_false(h.have_service);
    assert_string_equal(h.err.code, "ServiceNotFoundException");
    assert_int_equal(h.err.http_status, 400);
    got_free(&h);
    lb_reset(f->srv);
    lb_push(f->srv, json_answer(500, "{\"__type\":\"ServerException\",\"message\":\"boom\"}"));
    got k = { 0 };
    assert_int_equal(svc_ecs_update_service(f->c, &p, on_service, &k, &err), 0);
    aws_client_run_until_idle(f->c);
    assert_true(k.failed);
    assert_int_equal(lb_request_count(f->srv), 1);
    got_free(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_describe_services),
        cmocka_unit_test(test_describe_tasks),
        cmocka_unit_test(test_task_definition_and_copy),
        cmocka_unit_test(test_service_deployments),
        cmocka_unit_test(test_clusters_and_arns),
        cmocka_unit_test(test_wrong_types_are_skipped),
        cmocka_unit_test(test_truncated_and_garbage),
        cmocka_unit_test(test_malformed_digest),
        cmocka_unit_test(test_moto_answers),
        cmocka_unit_test(test_budget_ends_endless_pages),
        cmocka_unit_test(test_request_bodies),
        cmocka_unit_test(test_member_names_in_botocore),
        cmocka_unit_test_setup_teardown(test_e2e_list_pages, e2e_setup, e2e_teardown),
        cmocka_unit_test_setup_teardown(test_e2e_describe_services_chunks, e2e_setup, e2e_teardown),
        cmocka_unit_test_setup_teardown(test_e2e_describe_tasks_chunks, e2e_setup, e2e_teardown),
        cmocka_unit_test_setup_teardown(test_e2e_update_service, e2e_setup, e2e_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
