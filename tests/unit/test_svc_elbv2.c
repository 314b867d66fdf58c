/* test_svc_elbv2.c — ELBv2 over Query/XML: target groups, target health, load
 * balancers, listeners (weighted forwards) and rules (condition summaries) against
 * tests/fixtures/xml, hostile documents, and calls end to end through the loopback
 * server (Marker paging, 20-ARN chunks, DescribeTargetHealth's single call). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "services/services.h"
#include "aws/xml.h"
#include "xml_fixtures.h"

#define ARN_PREFIX "arn:aws:elasticloadbalancing:eu-west-1:123456789012:"

static void test_target_groups(void **state)
{
    (void)state;
    size_t len;
    char *body = load_fixture("elb_target_groups.xml", &len);
    target_group_list l = { 0 };
    char *marker = NULL;
    aws_error err = { 0 };
    assert_int_equal(elb_decode_target_groups(body, len, &l, &marker, NULL, &err), 0);
    assert_string_equal(marker, "c2hvcC1mbg==");
    assert_int_equal(l.n, 2);
    target_group *t = &l.items[0];
    assert_string_equal(t->target_group_arn, ARN_PREFIX "targetgroup/shop-web-blue/73e2d6bc24d8a067");
    assert_string_equal(t->target_group_name, "shop-web-blue");
    assert_string_equal(t->protocol, "HTTP");
    assert_true(t->has_port);
    assert_int_equal(t->port, 8080);
    assert_string_equal(t->vpc_id, "vpc-3ac0fb5f");
    assert_string_equal(t->health_check_protocol, "HTTP");
    assert_string_equal(t->health_check_port, "traffic-port");
    assert_string_equal(t->health_check_path, "/healthz");
    assert_true(t->health_check_enabled);
    assert_int_equal(t->health_check_interval_seconds, 15);
    assert_int_equal(t->health_check_timeout_seconds, 5);
    assert_int_equal(t->healthy_threshold_count, 3);
    assert_int_equal(t->unhealthy_threshold_count, 2);
    assert_string_equal(t->matcher_http_code, "200-299");
    assert_int_equal(t->load_balancer_arns.n, 1);
    assert_string_equal(t->load_balancer_arns.items[0], ARN_PREFIX "loadbalancer/app/shop-prod/50dc6c495c0c9188");
    assert_string_equal(t->target_type, "instance");
    t = &l.items[1];
    assert_string_equal(t->target_type, "lambda");
    assert_false(t->has_port);
    assert_null(t->protocol);
    assert_false(t->health_check_enabled);
    assert_int_equal(t->health_check_interval_seconds, 35);
    assert_int_equal(t->load_balancer_arns.n, 0);
    MODEL_LIST_FREE(l, target_group_free);
    free(marker);
    free(body);
}

static void test_target_health(void **state)
{
    (void)state;
    size_t len;
    char *body = load_fixture("elb_target_health.xml", &len);
    target_health_list l = { 0 };
    aws_error err = { 0 };
    assert_int_equal(elb_decode_target_health(body, len, &l, &err), 0);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.items[0].target_id, "i-0598c7d356eba48d7");
    assert_true(l.items[0].has_port);
    assert_int_equal(l.items[0].port, 8080);
    assert_string_equal(l.items[0].target_availability_zone, "eu-west-1a");
    assert_string_equal(l.items[0].health_check_port, "8080");
    assert_string_equal(l.items[0].state, "healthy");
    assert_null(l.items[0].reason);
    assert_null(l.items[0].description);
    assert_string_equal(l.items[1].state, "unhealthy");
    assert_string_equal(l.items[1].reason, "Target.ResponseCodeMismatch");
    assert_string_equal(l.items[1].description, "Health checks failed with these codes: [502]");
    assert_string_equal(l.items[2].state, "draining");
    assert_null(l.items[2].target_availability_zone);
    MODEL_LIST_FREE(l, target_health_desc_free);
    free(body);
}

static void test_load_balancers(void **state)
{
    (void)state;
    size_t len;
    char *body = load_fixture("elb_load_balancers.xml", &len);
    load_balancer_list l = { 0 };
    char *marker = NULL;
    aws_error err = { 0 };
    assert_int_equal(elb_decode_load_balancers(body, len, &l, &marker, NULL, &err), 0);
    assert_null(marker);
    assert_int_equal(l.n, 2);
    load_balancer *b = &l.items[0];
    assert_string_equal(b->load_balancer_arn, ARN_PREFIX "loadbalancer/app/shop-prod/50dc6c495c0c9188");
    assert_string_equal(b->load_balancer_name, "shop-prod");
    assert_string_equal(b->dns_name, "shop-prod-1234567890.eu-west-1.elb.amazonaws.com");
    assert_string_equal(b->scheme, "internet-facing");
    assert_string_equal(b->vpc_id, "vpc-3ac0fb5f");
    assert_string_equal(b->type, "application");
    assert_string_equal(b->state_code, "active");
    assert_int_equal(b->created_time, iso("2016-03-25T21:26:12.920Z"));
    assert_string_equal(l.items[1].state_code, "provisioning");
    assert_string_equal(l.items[1].type, "network");
    MODEL_LIST_FREE(l, load_balancer_free);
    free(body);
}

static void test_listeners(void **state)
{
    (void)state;
    size_t len;
    char *body = load_fixture("elb_listeners.xml", &len);
    lb_listener_list l = { 0 };
    char *marker = NULL;
    aws_error err = { 0 };
    assert_int_equal(elb_decode_listeners(body, len, &l, &marker, NULL, &err), 0);
    assert_int_equal(l.n, 2);
    lb_listener *li = &l.items[0];
    assert_true(strstr(li->listener_arn, "listener/app/shop-prod/50dc6c495c0c9188/f2f7dc8efc522ab2") != NULL);
    assert_string_equal(li->load_balancer_arn, ARN_PREFIX "loadbalancer/app/shop-prod/50dc6c495c0c9188");
    assert_string_equal(li->protocol, "HTTPS");
    assert_int_equal(li->port, 443);
    assert_int_equal(li->default_actions.n, 1);
    lb_action *a = &li->default_actions.items[0];
    assert_string_equal(a->type, "forward");
    assert_null(a->target_group_arn);
    assert_int_equal(a->forward_groups.n, 2);
    assert_string_equal(a->forward_groups.items[0].target_group_arn,
                        ARN_PREFIX "targetgroup/shop-web-blue/73e2d6bc24d8a067");
    assert_true(a->forward_groups.items[0].has_weight);
    assert_int_equal(a->forward_groups.items[0].weight, 90);
    assert_int_equal(a->forward_groups.items[1].weight, 10);
    li = &l.items[1];
    assert_int_equal(li->port, 80);
    assert_int_equal(li->default_actions.n, 1);
    assert_string_equal(li->default_actions.items[0].type, "redirect");
    assert_int_equal(li->default_actions.items[0].forward_groups.n, 0);
    MODEL_LIST_FREE(l, lb_listener_free);
    free(marker);
    free(body);
}

static void test_rules(void **state)
{
    (void)state;
    size_t len;
    char *body = load_fixture("elb_rules.xml", &len);
    lb_rule_list l = { 0 };
    char *marker = NULL;
    aws_error err = { 0 };
    assert_int_equal(elb_decode_rules(body, len, &l, &marker, NULL, &err), 0);
    assert_string_equal(marker, "cnVsZXMtcGFnZS0y");
    assert_int_equal(l.n, 2);
    lb_rule *r = &l.items[0];
    assert_string_equal(r->priority, "10");
    assert_false(r->is_default);
    assert_int_equal(r->condition_summaries.n, 2);
    assert_string_equal(r->condition_summaries.items[0], "path-pattern=/api/*,/v2/*");
    assert_string_equal(r->condition_summaries.items[1], "http-header=X-Canary:yes");
    assert_int_equal(r->actions.n, 1);
    assert_string_equal(r->actions.items[0].target_group_arn, ARN_PREFIX "targetgroup/shop-web-green/2453ed029918f21f");
    assert_int_equal(r->actions.items[0].forward_groups.n, 1);
    assert_false(r->actions.items[0].forward_groups.items[0].has_weight);
    r = &l.items[1];
    assert_string_equal(r->priority, "default");
    assert_true(r->is_default);
    assert_int_equal(r->condition_summaries.n, 0);
    assert_int_equal(r->actions.n, 1);
    MODEL_LIST_FREE(l, lb_rule_free);
    free(marker);
    free(body);
}

static void test_hostile(void **state)
{
    (void)state;
    const char *names[] = { "elb_target_groups.xml", "elb_target_health.xml", "elb_load_balancers.xml",
                            "elb_listeners.xml", "elb_rules.xml" };
    for (size_t f = 0; f < ARRAY_LEN(names); f++) {
        size_t len;
        char *body = load_fixture(names[f], &len);
        for (size_t cut = 0; cut < len - 30; cut += 11) {
            aws_error err = { 0 };
            char *marker = NULL;
            int rc;
            switch (f) {
            case 0: {
                target_group_list l = { 0 };
                rc = elb_decode_target_groups(body, cut, &l, &marker, NULL, &err);
                MODEL_LIST_FREE(l, target_group_free);
                break;
            }
            case 1: {
                target_health_list l = { 0 };
                rc = elb_decode_target_health(body, cut, &l, &err);
                MODEL_LIST_FREE(l, target_health_desc_free);
                break;
            }
            case 2: {
                load_balancer_list l = { 0 };
                rc = elb_decode_load_balancers(body, cut, &l, &marker, NULL, &err);
                MODEL_LIST_FREE(l, load_balancer_free);
                break;
            }
            case 3: {
                lb_listener_list l = { 0 };
                rc = elb_decode_listeners(body, cut, &l, &marker, NULL, &err);
                MODEL_LIST_FREE(l, lb_listener_free);
                break;
            }
            default: {
                lb_rule_list l = { 0 };
                rc = elb_decode_rules(body, cut, &l, &marker, NULL, &err);
                MODEL_LIST_FREE(l, lb_rule_free);
                break;
            }
            }
            assert_int_equal(rc, -1);
            assert_null(marker);
            assert_string_equal(err.code, "MalformedResponse");
            assert_string_equal(err.service, "elbv2");
        }
        free(body);
    }
    /* Wrong root: another elbv2 answer. */
    size_t len;
    char *body = load_fixture("elb_target_groups.xml", &len);
    target_health_list l = { 0 };
    aws_error err = { 0 };
    assert_int_equal(elb_decode_target_health(body, len, &l, &err), -1);
    assert_true(strstr(err.message, "DescribeTargetHealth: unexpected root element <DescribeTargetGroupsResponse>"));
    assert_int_equal(l.n, 0);
    free(body);

    const char *bad_port = "<DescribeTargetHealthResponse><DescribeTargetHealthResult><TargetHealthDescriptions>"
                           "<member><Target><Id>i-1</Id><Port>80x</Port></Target></member>"
                           "</TargetHealthDescriptions></DescribeTargetHealthResult></DescribeTargetHealthResponse>";
    assert_int_equal(elb_decode_target_health(bad_port, strlen(bad_port), &l, &err), -1);
    assert_true(strstr(err.message, "TargetHealthDescriptions/member/Target/Port"));
    assert_int_equal(l.n, 1); /* partial: the caller frees it */
    MODEL_LIST_FREE(l, target_health_desc_free);

    char *deep = deep_doc("DescribeRulesResponse", "DescribeRulesResult", 100);
    lb_rule_list rl = { 0 };
    assert_int_equal(elb_decode_rules(deep, strlen(deep), &rl, NULL, NULL, &err), -1);
    assert_int_equal(rl.n, 0);
    free(deep);
}

/* ------------------------------------------------------------ end to end */

typedef struct tgs_result {
    int calls;
    target_group_list list;
    bool failed;
} tgs_result;

static void on_tgs(aws_client *c, target_group_list *result, const aws_error *err, void *ud)
{
    (void)c;
    tgs_result *r = ud;
    r->calls++;
    r->list = *result;
    r->failed = err != NULL;
}

/* Answers DescribeTargetGroups with one group per ARN asked for. */
static void echo_tgs(void *ud, const lb_request *req, lb_response *resp)
{
    strbuf *sb = ud;
    sb_reset(sb);
    sb_append(sb, "<DescribeTargetGroupsResponse><DescribeTargetGroupsResult><TargetGroups>");
    for (int i = 1; i <= 40; i++) {
        char key[64];
        snprintf(key, sizeof(key), "TargetGroupArns.member.%d=", i);
        const char *p = strstr(req->body, key);
        if (!p)
            break;
        sb_printf(sb, "<member><TargetGroupName>tg%d</TargetGroupName></member>", i);
    }
    sb_append(sb, "</TargetGroups></DescribeTargetGroupsResult></DescribeTargetGroupsResponse>");
    resp->status = 200;
    resp->body = sb->buf;
}

static void test_e2e_target_groups_chunked(void **state)
{
    (void)state;
    e2e e;
    e2e_start(&e);
    strbuf answer;
    sb_init(&answer);
    lb_set_handler(e.srv, echo_tgs, &answer);
    strvec arns = { 0 };
    for (int i = 0; i < 45; i++) {
        char arn[128];
        snprintf(arn, sizeof(arn), ARN_PREFIX "targetgroup/tg%d/%016d", i, i);
        strvec_push(&arns, arn);
    }
    tgs_result r = { 0 };
    aws_error err = { 0 };
    assert_int_equal(svc_elb_describe_target_groups(e.client, &arns, on_tgs, &r, &err), 0);
    aws_client_run_until_idle(e.client);
    assert_int_equal(r.calls, 1);
    assert_false(r.failed);
    assert_int_equal(lb_request_count(e.srv), 3); /* 20 + 20 + 5 */
    assert_int_equal(r.list.n, 45);
    const lb_request *third = lb_request_at(e.srv, 2);
    assert_non_null(strstr(third->body, "TargetGroupArns.member.5=arn%3Aaws%3Aelasticloadbalancing"));
    assert_null(strstr(third->body, "TargetGroupArns.member.6="));
    assert_null(strstr(third->body, "PageSize"));
    assert_non_null(strstr(third->body, "tg44"));
    /* botocore: {'TargetGroupArns': [arn0, ...]} → TargetGroupArns.member.1=arn%3A... */
    const char *want = "Action=DescribeTargetGroups&Version=2015-12-01&TargetGroupArns.member.1="
                       "arn%3Aaws%3Aelasticloadbalancing%3Aeu-west-1%3A123456789012%3Atargetgroup%2Ftg0%2F";
    assert_true(strncmp(lb_request_at(e.srv, 0)->body, want, strlen(want)) == 0);
    MODEL_LIST_FREE(r.list, target_group_free);
    strvec_free(&arns);
    lb_set_handler(e.srv, NULL, NULL);
    sb_free(&answer);
    e2e_stop(&e);
}

static void test_e2e_target_groups_marker(void **state)
{
    (void)state;
    e2e e;
    e2e_start(&e);
    e2e_push_fixture(&e, "elb_target_groups.xml");
    lb_response last = { .status = 200,
                         .body =
                             "<DescribeTargetGroupsResponse><DescribeTargetGroupsResult>"
                             "<TargetGroups><member><TargetGroupName>third</TargetGroupName></member></TargetGroups>"
                             "</DescribeTargetGroupsResult></DescribeTargetGroupsResponse>" };
    lb_push(e.srv, &last);
    tgs_result r = { 0 };
    aws_error err = { 0 };
    assert_int_equal(svc_elb_describe_target_groups(e.client, NULL, on_tgs, &r, &err), 0);
    aws_client_run_until_idle(e.client);
    assert_false(r.failed);
    assert_int_equal(r.list.n, 3);
    assert_string_equal(r.list.items[2].target_group_name, "third");
    e2e_expect_body(&e, 0, "Action=DescribeTargetGroups&Version=2015-12-01&PageSize=400");
    e2e_expect_body(&e, 1, "Action=DescribeTargetGroups&Version=2015-12-01&PageSize=400&Marker=c2hvcC1mbg%3D%3D");
    MODEL_LIST_FREE(r.list, target_group_free);
    e2e_stop(&e);
}

static void test_e2e_chunk_error_keeps_partial(void **state)
{
    (void)state;
    e2e e;
    e2e_start(&e);
    /* First chunk answered by the script, the second refused. */
    lb_response ok = {
        .status = 200,
        .body = "<DescribeTargetGroupsResponse><DescribeTargetGroupsResult>"
                "<TargetGroups><member><TargetGroupName>a</TargetGroupName></member><member><TargetGroupName>b"
                "</TargetGroupName></member></TargetGroups></DescribeTargetGroupsResult></DescribeTargetGroupsResponse>"
    };
    lb_response denied = { .status = 403,
                           .body = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
                                   "<Message>not allowed</Message></Error><RequestId>x</RequestId></ErrorResponse>" };
    lb_push(e.srv, &ok);
    lb_push(e.srv, &denied);
    strvec arns = { 0 };
    for (int i = 0; i < 25; i++) {
        char arn[64];
        snprintf(arn, sizeof(arn), "arn:tg%d", i);
        strvec_push(&arns, arn);
    }
    tgs_result r = { 0 };
    aws_error err = { 0 };
    assert_int_equal(svc_elb_describe_target_groups(e.client, &arns, on_tgs, &r, &err), 0);
    aws_client_run_until_idle(e.client);
    assert_int_equal(r.calls, 1);
    assert_true(r.failed);
    assert_int_equal(lb_request_count(e.srv), 2);
    assert_int_equal(r.list.n, 2);
    assert_string_equal(r.list.items[1].target_group_name, "b");
    MODEL_LIST_FREE(r.list, target_group_free);
    strvec_free(&arns);
    e2e_stop(&e);
}

#define NEVER(name, T)                                                                                                 \
    static void name(aws_client *c, T *r, const aws_error *e, void *ud)                                                \
    {                                                                                                                  \
        (void)c, (void)r, (void)e, (void)ud;                                                                           \
        fail_msg("callback called after a failed start");                                                              \
    }
NEVER(never_tgs, target_group_list)
NEVER(never_lbs, load_balancer_list)
NEVER(never_listeners, lb_listener_list)
NEVER(never_rules, lb_rule_list)
NEVER(never_health, target_health_list)

static void test_start_failure(void **state)
{
    (void)state;
    /* Without a client nothing starts: -1, err filled, no callback, nothing leaked. */
    strvec arns = { 0 };
    strvec_push(&arns, "arn:x");
    aws_error err = { 0 };
    assert_int_equal(svc_elb_describe_target_groups(NULL, &arns, never_tgs, NULL, &err), -1);
    assert_string_not_equal(err.code, "");
    memset(&err, 0, sizeof(err));
    assert_int_equal(svc_elb_describe_load_balancers(NULL, NULL, never_lbs, NULL, &err), -1);
    assert_string_not_equal(err.code, "");
    assert_int_equal(svc_elb_describe_listeners(NULL, "arn:l", never_listeners, NULL, &err), -1);
    assert_int_equal(svc_elb_describe_rules(NULL, "arn:l", never_rules, NULL, &err), -1);
    assert_int_equal(svc_elb_describe_target_health(NULL, "arn:t", never_health, NULL, &err), -1);
    strvec_free(&arns);
}

typedef struct health_result {
    int calls;
    target_health_list list;
    bool failed;
} health_result;

static void on_health(aws_client *c, target_health_list *result, const aws_error *err, void *ud)
{
    (void)c;
    health_result *r = ud;
    r->calls++;
    r->list = *result;
    r->failed = err != NULL;
}

static void test_e2e_target_health(void **state)
{
    (void)state;
    e2e e;
    e2e_start(&e);
    e2e_push_fixture(&e, "elb_target_health.xml");
    health_result r = { 0 };
    aws_error err = { 0 };
    const char *tg = ARN_PREFIX "targetgroup/shop-web-blue/73e2d6bc24d8a067";
    assert_int_equal(svc_elb_describe_target_health(e.client, tg, on_health, &r, &err), 0);
    aws_client_run_until_idle(e.client);
    assert_int_equal(r.calls, 1);
    assert_false(r.failed);
    assert_int_equal(r.list.n, 3);
    e2e_expect_body(&e, 0,
                    "Action=DescribeTargetHealth&Version=2015-12-01&TargetGroupArn="
                    "arn%3Aaws%3Aelasticloadbalancing%3Aeu-west-1%3A123456789012%3Atargetgroup"
                    "%2Fshop-web-blue%2F73e2d6bc24d8a067");
    MODEL_LIST_FREE(r.list, target_health_desc_free);

    /* A 200 that is not a health answer is an error with nothing in the list. */
    lb_reset(e.srv);
    lb_response junk = { .status = 200, .body = "<html>maintenance</html>" };
    lb_push(e.srv, &junk);
    memset(&r, 0, sizeof(r));
    assert_int_equal(svc_elb_describe_target_health(e.client, tg, on_health, &r, &err), 0);
    aws_client_run_until_idle(e.client);
    assert_int_equal(r.calls, 1);
    assert_true(r.failed);
    assert_int_equal(r.list.n, 0);
    MODEL_LIST_FREE(r.list, target_health_desc_free);
    e2e_stop(&e);
}

typedef struct rules_result {
    int calls;
    lb_rule_list list;
    bool failed;
} rules_result;

static void on_rules(aws_client *c, lb_rule_list *result, const aws_error *err, void *ud)
{
    (void)c;
    rules_result *r = ud;
    r->calls++;
    r->list = *result;
    r->failed = err != NULL;
}

static void test_e2e_rules_and_listeners(void **state)
{
    (void)state;
    e2e e;
    e2e_start(&e);
    e2e_push_fixture(&e, "elb_rules.xml");
    lb_response empty = { .status = 200,
                          .body = "<DescribeRulesResponse><DescribeRulesResult><Rules/>"
                                  "</DescribeRulesResult></DescribeRulesResponse>" };
    lb_push(e.srv, &empty);
    rules_result r = { 0 };
    aws_error err = { 0 };
    assert_int_equal(svc_elb_describe_rules(e.client, "arn:l", on_rules, &r, &err), 0);
    aws_client_run_until_idle(e.client);
    assert_false(r.failed);
    assert_int_equal(r.list.n, 2);
    e2e_expect_body(&e, 1,
                    "Action=DescribeRules&Version=2015-12-01&ListenerArn=arn%3Al&PageSize=400"
                    "&Marker=cnVsZXMtcGFnZS0y");
    MODEL_LIST_FREE(r.list, lb_rule_free);
    e2e_stop(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_target_groups),
        cmocka_unit_test(test_target_health),
        cmocka_unit_test(test_load_balancers),
        cmocka_unit_test(test_listeners),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_e2e_target_groups_chunked),
        cmocka_unit_test(test_e2e_target_groups_marker),
        cmocka_unit_test(test_e2e_chunk_error_keeps_partial),
        cmocka_unit_test(test_start_failure),
        cmocka_unit_test(test_e2e_target_health),
        cmocka_unit_test(test_e2e_rules_and_listeners),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
