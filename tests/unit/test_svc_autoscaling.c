/* test_svc_autoscaling.c — Auto Scaling over Query/XML: decoders against the
 * answers in tests/fixtures/xml, hostile documents (truncated, wrong root, huge
 * text, deep nesting, DTDs, bad numbers), the StartInstanceRefresh body compared
 * with botocore's serializer, and calls end to end through the loopback server.
 * A group's SuspendedProcesses, TrafficSources and warm pool, and DescribeWarmPool
 * (decoded and paged) are here too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "services/services.h"
#include "aws/xml.h"
#include "xml_fixtures.h"

/* ------------------------------------------------------------ groups */

static void test_describe_groups(void **state)
{
    (void)state;
    size_t len;
    char *body = load_fixture("asg_describe_groups.xml", &len);
    asg_group_list l = { 0 };
    char *next = NULL;
    aws_error err = { 0 };
    assert_int_equal(asg_decode_describe_groups(body, len, &l, &next, NULL, &err), 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(next, "H4sIAAAAAAAAAKtWSkksSVSyUkpMSS7KLy5JLUrOzy0oSs3LLEotSixJTVGqBQBxNh7ZJwAAAA==");

    asg_group *g = &l.items[0];
    assert_string_equal(g->name, "shop-web-prod");
    assert_true(strstr(g->arn, ":autoScalingGroupName/shop-web-prod") != NULL);
    assert_null(g->launch_configuration_name);
    assert_string_equal(g->launch_template.launch_template_id, "lt-0a20c965061f64abc");
    assert_string_equal(g->launch_template.launch_template_name, "shop-web");
    assert_string_equal(g->launch_template.version, "7");
    assert_false(g->has_mixed_instances_policy);
    assert_int_equal(g->min_size, 2);
    assert_int_equal(g->max_size, 6);
    assert_int_equal(g->desired_capacity, 3);
    assert_int_equal(g->default_cooldown, 300);
    assert_int_equal(g->availability_zones.n, 3);
    assert_string_equal(g->availability_zones.items[2], "eu-west-1c");
    assert_int_equal(g->load_balancer_names.n, 0);
    assert_int_equal(g->target_group_arns.n, 2);
    assert_string_equal(
        g->target_group_arns.items[1],
        "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop-web-green/2453ed029918f21f");
    assert_string_equal(g->health_check_type, "ELB");
    assert_int_equal(g->health_check_grace_period, 120);
    assert_true(g->has_default_instance_warmup);
    assert_int_equal(g->default_instance_warmup, 90);
    assert_int_equal(g->created_time, iso("2024-03-18T09:12:44.512Z"));
    assert_int_equal(g->created_time % 1000, 512);
    assert_string_equal(g->vpc_zone_identifier, "subnet-0bb1c79de3EXAMPLE,subnet-0c6a4c9a2bEXAMPLE");
    assert_null(g->status);
    assert_int_equal(g->termination_policies.n, 2);
    assert_string_equal(g->termination_policies.items[0], "OldestLaunchTemplate");
    assert_false(g->new_instances_protected_from_scale_in);
    assert_true(g->has_instance_maintenance_policy);
    assert_int_equal(g->imp_min_healthy_percentage, 90);
    assert_int_equal(g->imp_max_healthy_percentage, 120);

    assert_int_equal(g->instances.n, 2);
    asg_instance *in = &g->instances.items[1];
    assert_string_equal(in->instance_id, "i-07a1d3c2b9e8f6a54");
    assert_string_equal(in->instance_type, "m6i.large");
    assert_string_equal(in->availability_zone, "eu-west-1b");
    assert_string_equal(in->lifecycle_state, "Pending");
    assert_string_equal(in->health_status, "Unhealthy");
    assert_string_equal(in->launch_template.version, "6");
    assert_true(in->protected_from_scale_in);
    assert_false(g->instances.items[0].protected_from_scale_in);
    assert_string_equal(g->instances.items[0].lifecycle_state, "InService");

    assert_int_equal(g->tags.n, 2);
    assert_string_equal(g->tags.items[0].key, "env");
    assert_string_equal(g->tags.items[0].value, "prod");
    assert_true(g->tags.items[0].propagate_at_launch);
    assert_string_equal(g->tags.items[1].value, "storefront & checkout");
    assert_false(g->tags.items[1].propagate_at_launch);

    asg_group *w = &l.items[1];
    assert_string_equal(w->name, "shop-worker-prod");
    assert_true(w->has_mixed_instances_policy);
    /* The template of a MixedInstancesPolicy fills launch_template. */
    assert_string_equal(w->launch_template.launch_template_id, "lt-0f1e2d3c4b5a69788");
    assert_string_equal(w->launch_template.version, "$Default");
    assert_int_equal(w->min_size, 0);
    assert_int_equal(w->max_size, 20);
    assert_int_equal(w->instances.n, 0);
    assert_int_equal(w->load_balancer_names.n, 1);
    assert_string_equal(w->load_balancer_names.items[0], "legacy-worker-clb");
    assert_int_equal(w->target_group_arns.n, 0);
    assert_string_equal(w->status, "Delete in progress");
    assert_true(w->new_instances_protected_from_scale_in);
    assert_false(w->has_default_instance_warmup);
    assert_false(w->has_instance_maintenance_policy);
    assert_int_equal(w->imp_min_healthy_percentage, -1);
    assert_int_equal(w->created_time, iso("2023-11-02T17:40:03Z"));

    MODEL_LIST_FREE(l, asg_group_free);
    free(next);
    free(body);
}

/* ------------------------------------------------------------ refreshes */

static void test_describe_refreshes(void **state)
{
    (void)state;
    size_t len;
    char *body = load_fixture("asg_describe_refreshes.xml", &len);
    instance_refresh_list l = { 0 };
    char *next = NULL;
    aws_error err = { 0 };
    assert_int_equal(asg_decode_describe_refreshes(body, len, &l, &next, NULL, &err), 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(next, "bmV4dC1yZWZyZXNoLXBhZ2U=");

    instance_refresh *r = &l.items[0];
    assert_string_equal(r->instance_refresh_id, "08b91cf7-8fa6-48af-b6a6-d227f40f1b9b");
    assert_string_equal(r->auto_scaling_group_name, "shop-web-prod");
    assert_string_equal(r->status, "InProgress");
    assert_true(strncmp(r->status_reason, "Waiting for instances to warm up", 32) == 0);
    assert_int_equal(r->start_time, iso("2024-05-01T12:00:00Z"));
    assert_int_equal(r->start_time, 1714564800000LL);
    assert_int_equal(r->end_time, 0);
    assert_true(r->has_percentage_complete);
    assert_int_equal(r->percentage_complete, 33);
    assert_true(r->has_instances_to_update);
    assert_int_equal(r->instances_to_update, 2);
    assert_true(r->progress_details.has_live);
    assert_int_equal(r->progress_details.live_percentage_complete, 33);
    assert_int_equal(r->progress_details.live_instances_to_update, 2);
    assert_false(r->progress_details.has_warm);

    assert_true(r->has_preferences);
    refresh_prefs *p = &r->preferences;
    assert_true(p->has_min_healthy_percentage);
    assert_int_equal(p->min_healthy_percentage, 90);
    assert_true(p->has_max_healthy_percentage);
    assert_int_equal(p->max_healthy_percentage, 120);
    assert_true(p->has_instance_warmup);
    assert_int_equal(p->instance_warmup, 60);
    assert_int_equal(p->checkpoint_percentages.n, 2);
    assert_int_equal(p->checkpoint_percentages.items[0], 50);
    assert_int_equal(p->checkpoint_percentages.items[1], 100);
    assert_true(p->has_checkpoint_delay);
    assert_int_equal(p->checkpoint_delay, 600);
    assert_true(p->has_skip_matching);
    assert_false(p->skip_matching);
    assert_true(p->has_auto_rollback);
    assert_true(p->auto_rollback);
    assert_string_equal(p->scale_in_protected_instances, "Wait");
    assert_string_equal(p->standby_instances, "Ignore");
    assert_true(p->has_alarm_specification);
    assert_int_equal(p->alarms.n, 2);
    assert_string_equal(p->alarms.items[1], "shop-web-latency-p99");
    assert_true(p->has_bake_time);
    assert_int_equal(p->bake_time, 300);
    assert_true(r->has_desired_configuration);
    assert_string_equal(r->desired_launch_template.launch_template_id, "lt-0a20c965061f64abc");
    assert_string_equal(r->desired_launch_template.launch_template_name, "shop-web");
    assert_string_equal(r->desired_launch_template.version, "8");
    assert_false(r->rollback_details.present);
    assert_string_equal(r->strategy, "Rolling");

    r = &l.items[1];
    assert_string_equal(r->status, "RollbackSuccessful");
    assert_int_equal(r->start_time, iso("2024-04-30T08:15:30.250Z"));
    assert_int_equal(r->end_time, iso("2024-04-30T08:41:02Z"));
    assert_true(r->progress_details.has_warm);
    assert_int_equal(r->progress_details.warm_percentage_complete, 100);
    assert_false(r->preferences.has_checkpoint_delay);
    assert_false(r->preferences.has_alarm_specification);
    assert_int_equal(r->preferences.checkpoint_percentages.n, 0);
    assert_true(r->preferences.has_skip_matching);
    assert_true(r->preferences.skip_matching);
    assert_true(r->has_desired_configuration);
    assert_string_equal(r->desired_launch_template.launch_template_id, "lt-0a20c965061f64abc");
    assert_string_equal(r->desired_launch_template.version, "6");
    assert_true(r->rollback_details.present);
    assert_string_equal(r->rollback_details.rollback_reason, "Rollback started: alarm shop-web-5xx in ALARM state");
    assert_int_equal(r->rollback_details.rollback_start_time, iso("2024-04-30T08:30:00Z"));
    assert_true(r->rollback_details.has_percentage_complete_on_rollback);
    assert_int_equal(r->rollback_details.percentage_complete_on_rollback, 50);
    assert_true(r->rollback_details.has_instances_to_update_on_rollback);
    assert_int_equal(r->rollback_details.instances_to_update_on_rollback, 1);
    assert_true(r->rollback_details.progress_details_on_rollback.has_live);
    assert_int_equal(r->rollback_details.progress_details_on_rollback.live_percentage_complete, 50);

    MODEL_LIST_FREE(l, instance_refresh_free);
    free(next);
    free(body);
}

/* What a refresh has to reckon with: suspended processes, Standby and protected
 * instances, traffic sources and the warm pool (botocore's AutoScalingGroup shape). */
static void test_describe_groups_suspended_warm_pool(void **state)
{
    (void)state;
    size_t len;
    char *body = load_fixture("asg_describe_groups_warm.xml", &len);
    asg_group_list l = { 0 };
    char *next = NULL;
    aws_error err = { 0 };
    assert_int_equal(asg_decode_describe_groups(body, len, &l, &next, NULL, &err), 0);
    assert_null(next);
    assert_int_equal(l.n, 2);
    asg_group *g = &l.items[0];
    assert_string_equal(g->name, "shop-api-prod");
    assert_int_equal(g->suspended_processes.n, 2);
    assert_string_equal(g->suspended_processes.items[0].process_name, "Launch");
    assert_string_equal(g->suspended_processes.items[0].suspension_reason, "User suspended at 2024-05-01T10:04:12Z");
    assert_string_equal(g->suspended_processes.items[1].process_name, "AZRebalance");
    assert_int_equal(g->traffic_sources.n, 2);
    assert_string_equal(g->traffic_sources.items[0].type, "elbv2");
    assert_string_equal(g->traffic_sources.items[0].identifier, g->target_group_arns.items[0]);
    assert_string_equal(g->traffic_sources.items[1].type, "vpc-lattice");
    assert_true(strstr(g->traffic_sources.items[1].identifier, ":vpc-lattice:") != NULL);
    assert_true(g->warm_pool.present);
    assert_true(g->warm_pool.has_max_group_prepared_capacity);
    assert_int_equal(g->warm_pool.max_group_prepared_capacity, 6);
    assert_true(g->warm_pool.has_min_size);
    assert_int_equal(g->warm_pool.min_size, 1);
    assert_string_equal(g->warm_pool.pool_state, "Stopped");
    assert_null(g->warm_pool.status);
    assert_true(g->warm_pool.has_reuse_on_scale_in);
    assert_true(g->warm_pool.reuse_on_scale_in);
    assert_true(g->has_warm_pool_size);
    assert_int_equal(g->warm_pool_size, 2);
    assert_int_equal(g->instances.n, 2);
    assert_string_equal(g->instances.items[0].lifecycle_state, "Standby");
    assert_false(g->instances.items[0].protected_from_scale_in);
    assert_true(g->instances.items[1].protected_from_scale_in);

    /* Empty lists and no warm pool: nothing invented. */
    g = &l.items[1];
    assert_int_equal(g->suspended_processes.n, 0);
    assert_int_equal(g->traffic_sources.n, 0);
    assert_false(g->warm_pool.present);
    assert_false(g->warm_pool.has_min_size);
    assert_false(g->has_warm_pool_size);
    MODEL_LIST_FREE(l, asg_group_free);
    free(body);

    /* A warm pool being deleted says so in Status; a bad number fails the decode. */
    static const char deleting[] =
        "<DescribeAutoScalingGroupsResponse><DescribeAutoScalingGroupsResult><AutoScalingGroups><member>"
        "<AutoScalingGroupName>a</AutoScalingGroupName><WarmPoolConfiguration><Status>PendingDelete</Status>"
        "<PoolState>Running</PoolState></WarmPoolConfiguration></member></AutoScalingGroups>"
        "</DescribeAutoScalingGroupsResult></DescribeAutoScalingGroupsResponse>";
    assert_int_equal(asg_decode_describe_groups(deleting, sizeof deleting - 1, &l, NULL, NULL, &err), 0);
    assert_string_equal(l.items[0].warm_pool.status, "PendingDelete");
    assert_false(l.items[0].warm_pool.has_max_group_prepared_capacity);
    MODEL_LIST_FREE(l, asg_group_free);
    static const char bad[] =
        "<DescribeAutoScalingGroupsResponse><DescribeAutoScalingGroupsResult><AutoScalingGroups><member>"
        "<WarmPoolSize>two</WarmPoolSize></member></AutoScalingGroups>"
        "</DescribeAutoScalingGroupsResult></DescribeAutoScalingGroupsResponse>";
    assert_int_equal(asg_decode_describe_groups(bad, sizeof bad - 1, &l, NULL, NULL, &err), -1);
    assert_string_equal(err.code, "MalformedResponse");
    MODEL_LIST_FREE(l, asg_group_free);
}

static void test_describe_warm_pool(void **state)
{
    (void)state;
    size_t len;
    char *body = load_fixture("asg_describe_warm_pool.xml", &len);
    warm_pool wp = { 0 };
    char *next = NULL;
    aws_error err = { 0 };
    assert_int_equal(asg_decode_describe_warm_pool(body, len, &wp, &next, NULL, &err), 0);
    assert_string_equal(next, "d2FybS1wb29sLXBhZ2UtMg==");
    free(next);
    assert_true(wp.config.present);
    assert_int_equal(wp.config.max_group_prepared_capacity, 6);
    assert_int_equal(wp.config.min_size, 1);
    assert_string_equal(wp.config.pool_state, "Stopped");
    assert_true(wp.config.reuse_on_scale_in);
    assert_int_equal(wp.instances.n, 2);
    assert_string_equal(wp.instances.items[0].instance_id, "i-0c0ffee0c0ffee001");
    assert_string_equal(wp.instances.items[0].lifecycle_state, "Warmed:Stopped");
    assert_string_equal(wp.instances.items[0].launch_template.version, "11");
    assert_string_equal(wp.instances.items[1].lifecycle_state, "Warmed:Pending");
    assert_string_equal(wp.instances.items[1].availability_zone, "eu-west-1b");
    free(body);

    /* A group without a warm pool answers no configuration and no instances. */
    warm_pool none = { 0 };
    static const char empty[] = "<DescribeWarmPoolResponse><DescribeWarmPoolResult><Instances/>"
                                "</DescribeWarmPoolResult></DescribeWarmPoolResponse>";
    assert_int_equal(asg_decode_describe_warm_pool(empty, sizeof empty - 1, &none, &next, NULL, &err), 0);
    assert_false(none.config.present);
    assert_int_equal(none.instances.n, 0);
    assert_null(next);
    warm_pool_free(&none);

    /* Another operation's answer is refused. */
    static const char other[] = "<DescribeScalingActivitiesResponse><DescribeScalingActivitiesResult/>"
                                "</DescribeScalingActivitiesResponse>";
    assert_int_equal(asg_decode_describe_warm_pool(other, sizeof other - 1, &wp, NULL, NULL, &err), -1);
    assert_string_equal(err.code, "MalformedResponse");
    warm_pool_free(&wp);
}

static void test_describe_activities(void **state)
{
    (void)state;
    size_t len;
    char *body = load_fixture("asg_describe_activities.xml", &len);
    scaling_activity_list l = { 0 };
    char *next = (char *)"stale"; /* the decoder resets it */
    aws_error err = { 0 };
    assert_int_equal(asg_decode_describe_activities(body, len, &l, &next, NULL, &err), 0);
    assert_null(next);
    assert_int_equal(l.n, 2);
    scaling_activity *a = &l.items[0];
    assert_string_equal(a->activity_id, "f9f2d65b-f1f2-43e7-b46d-d86756459699");
    assert_string_equal(a->auto_scaling_group_name, "shop-web-prod");
    assert_string_equal(a->description, "Launching a new EC2 instance: i-07a1d3c2b9e8f6a54");
    assert_true(strstr(a->cause, "in response to an instance refresh") != NULL);
    assert_int_equal(a->start_time, iso("2024-05-01T12:01:11.437Z"));
    assert_int_equal(a->end_time, 0);
    assert_string_equal(a->status_code, "InProgress");
    assert_null(a->status_message);
    assert_true(a->has_progress);
    assert_int_equal(a->progress, 30);
    assert_string_equal(a->details,
                        "{\"Subnet ID\":\"subnet-0bb1c79de3EXAMPLE\",\"Availability Zone\":\"eu-west-1b\"}");
    a = &l.items[1];
    assert_string_equal(a->status_code, "Failed");
    assert_string_equal(a->status_message, "Instance i-0123456789abcdef0 could not be terminated");
    assert_int_equal(a->end_time, iso("2024-05-01T11:59:31Z"));
    assert_int_equal(a->progress, 100);
    MODEL_LIST_FREE(l, scaling_activity_free);
    free(body);
}

static void test_refresh_id(void **state)
{
    (void)state;
    const char *files[] = { "asg_start_refresh.xml", "asg_cancel_refresh.xml", "asg_rollback_refresh.xml" };
    for (size_t i = 0; i < ARRAY_LEN(files); i++) {
        size_t len;
        char *body = load_fixture(files[i], &len);
        char *id = NULL;
        aws_error err = { 0 };
        assert_int_equal(asg_decode_refresh_id(body, len, &id, &err), 0);
        assert_string_equal(id, "08b91cf7-8fa6-48af-b6a6-d227f40f1b9b");
        free(id);
        free(body);
    }
    /* Another operation's answer, or none at all, is not an id. */
    const char *bad[] = {
        ("<DescribeAutoScalingGroupsResponse><DescribeAutoScalingGroupsResult><InstanceRefreshId>x"
         "</InstanceRefreshId></DescribeAutoScalingGroupsResult></DescribeAutoScalingGroupsResponse>"),
        "<StartInstanceRefreshResponse><StartInstanceRefreshResult/></StartInstanceRefreshResponse>",
        "<StartInstanceRefreshResponse><StartInstanceRefreshResult><InstanceRefreshId>x",
        "",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        char *id = (char *)"stale";
        aws_error err = { 0 };
        assert_int_equal(asg_decode_refresh_id(bad[i], strlen(bad[i]), &id, &err), -1);
        assert_null(id);
        assert_string_equal(err.code, "MalformedResponse");
    }
}

/* ------------------------------------------------------------ hostile documents */

static int decode_groups_str(const char *doc, size_t len, aws_error *err, size_t *n_out)
{
    asg_group_list l = { 0 };
    char *next = NULL;
    int rc = asg_decode_describe_groups(doc, len, &l, &next, NULL, err);
    if (n_out)
        *n_out = l.n;
    if (rc != 0)
        assert_null(next);
    MODEL_LIST_FREE(l, asg_group_free);
    free(next);
    return rc;
}

static void expect_malformed(const char *doc, size_t len, const char *needle)
{
    aws_error err = { 0 };
    assert_int_equal(decode_groups_str(doc, len, &err, NULL), -1);
    assert_string_equal(err.code, "MalformedResponse");
    assert_string_equal(err.operation, "DescribeAutoScalingGroups");
    assert_true(strncmp(err.message, "DescribeAutoScalingGroups: ", 27) == 0);
    if (needle && !strstr(err.message, needle))
        fail_msg("message \"%s\" lacks \"%s\"", err.message, needle);
}

static void test_truncated_every_length(void **state)
{
    (void)state;
    size_t len;
    char *body = load_fixture("asg_describe_groups.xml", &len);
    /* Every cut inside the root element fails cleanly; partial results are freed. */
    size_t root_end = (size_t)(strstr(body, "</DescribeAutoScalingGroupsResponse>") - body);
    for (size_t cut = 0; cut < root_end; cut += 7)
        expect_malformed(body, cut, NULL);
    /* Cut in the middle of the second group: the first one was already read. */
    size_t n = 0;
    aws_error err = { 0 };
    size_t mid = (size_t)(strstr(body, "shop-worker-prod") - body);
    assert_int_equal(decode_groups_str(body, mid, &err, &n), -1);
    assert_int_equal(n, 2);
    free(body);
}

static void test_not_xml_and_wrong_root(void **state)
{
    (void)state;
    expect_malformed("{\"AutoScalingGroups\":[]}", 24, "not valid XML");
    expect_malformed("<html><body>502 Bad Gateway</body></html>", 41, "unexpected root element <html>");
    const char *other = "<DescribeInstanceRefreshesResponse><DescribeInstanceRefreshesResult/>"
                        "</DescribeInstanceRefreshesResponse>";
    expect_malformed(other, strlen(other), "unexpected root");
    expect_malformed(BILLION_LAUGHS, strlen(BILLION_LAUGHS), "document type");
    const char nul[] = "<DescribeAutoScalingGroupsResponse>\0</DescribeAutoScalingGroupsResponse>";
    expect_malformed(nul, sizeof(nul) - 1, "not valid XML");
    expect_malformed(NULL, 5, "no body");
}

static void test_limits(void **state)
{
    (void)state;
    const char *R = "DescribeAutoScalingGroupsResponse", *S = "DescribeAutoScalingGroupsResult";
    char *doc = deep_doc(R, S, XML_MAX_DEPTH + 8);
    expect_malformed(doc, strlen(doc), "nested deeper");
    free(doc);
    doc = deep_doc(R, S, XML_MAX_DEPTH - 3); /* fits: ignored elements */
    aws_error err = { 0 };
    assert_int_equal(decode_groups_str(doc, strlen(doc), &err, NULL), 0);
    free(doc);
    doc = huge_text_doc(R, S, "NextToken", XML_MAX_TEXT + 1);
    expect_malformed(doc, strlen(doc), "longer than 64 KiB");
    free(doc);
    doc = huge_text_doc(R, S, "NextToken", XML_MAX_TEXT);
    asg_group_list l = { 0 };
    char *next = NULL;
    assert_int_equal(asg_decode_describe_groups(doc, strlen(doc), &l, &next, NULL, &err), 0);
    assert_int_equal(strlen(next), XML_MAX_TEXT);
    free(next);
    free(doc);
}

#define GROUP_DOC(inner)                                                                                               \
    "<DescribeAutoScalingGroupsResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\">"                   \
    "<DescribeAutoScalingGroupsResult><AutoScalingGroups><member>" inner                                               \
    "</member></AutoScalingGroups></DescribeAutoScalingGroupsResult></DescribeAutoScalingGroupsResponse>"

static void test_bad_values(void **state)
{
    (void)state;
    const char *bad[] = {
        GROUP_DOC("<MinSize>two</MinSize>"),
        GROUP_DOC("<MinSize>99999999999999999999</MinSize>"),
        GROUP_DOC("<MaxSize>2147483648</MaxSize>"),
        GROUP_DOC("<MaxSize> 2</MaxSize>"),
        GROUP_DOC("<MaxSize>+2</MaxSize>"),
        GROUP_DOC("<MaxSize></MaxSize>"),
        GROUP_DOC("<NewInstancesProtectedFromScaleIn>yes</NewInstancesProtectedFromScaleIn>"),
        GROUP_DOC("<CreatedTime>yesterday</CreatedTime>"),
        GROUP_DOC("<Instances><member><ProtectedFromScaleIn>1</ProtectedFromScaleIn></member></Instances>"),
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++)
        expect_malformed(bad[i], strlen(bad[i]), "invalid value in <AutoScalingGroups/member/");
    const char *ok = GROUP_DOC("<MinSize>-2147483648</MinSize><MaxSize>2147483647</MaxSize><Unknown><x>1</x></Unknown>"
                               "<ns:DesiredCapacity xmlns:ns=\"urn:x\">4</ns:DesiredCapacity>");
    asg_group_list l = { 0 };
    aws_error err = { 0 };
    assert_int_equal(asg_decode_describe_groups(ok, strlen(ok), &l, NULL, NULL, &err), 0);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.items[0].min_size, INT32_MIN);
    assert_int_equal(l.items[0].max_size, INT32_MAX);
    assert_int_equal(l.items[0].desired_capacity, 4); /* prefix stripped */
    MODEL_LIST_FREE(l, asg_group_free);
}

static void test_control_characters(void **state)
{
    (void)state;
    /* U+009B (CSI as a C1 control) is legal XML: kept as UTF-8 for the display layer. */
    const char *c1 = GROUP_DOC("<AutoScalingGroupName>a&#x9B;31mb\xC2\x9B"
                               "0m</AutoScalingGroupName>");
    asg_group_list l = { 0 };
    aws_error err = { 0 };
    assert_int_equal(asg_decode_describe_groups(c1, strlen(c1), &l, NULL, NULL, &err), 0);
    assert_string_equal(l.items[0].name,
                        "a\xC2\x9B"
                        "31mb\xC2\x9B"
                        "0m");
    MODEL_LIST_FREE(l, asg_group_free);
    /* ESC is not a legal XML 1.0 character, raw or as a reference. */
    const char *esc_ref = GROUP_DOC("<AutoScalingGroupName>&#27;[31m</AutoScalingGroupName>");
    expect_malformed(esc_ref, strlen(esc_ref), "not valid XML");
    const char *esc_raw = GROUP_DOC("<AutoScalingGroupName>\x1b[31m</AutoScalingGroupName>");
    expect_malformed(esc_raw, strlen(esc_raw), "not valid XML");
}

/* ------------------------------------------------------------ what one call may bring in */

/* A groups answer of n members, each "entry" (e.g. "<member/>"). */
static char *groups_of(const char *entry, size_t n, const char *tail)
{
    strbuf sb;
    sb_init(&sb);
    sb_append(&sb, "<DescribeAutoScalingGroupsResponse><DescribeAutoScalingGroupsResult><AutoScalingGroups>");
    for (size_t i = 0; i < n; i++)
        sb_append(&sb, entry);
    sb_append(&sb, "</AutoScalingGroups>");
    sb_append(&sb, tail);
    sb_append(&sb, "</DescribeAutoScalingGroupsResult></DescribeAutoScalingGroupsResponse>");
    return sb_steal(&sb);
}

/* An empty list entry reaches no decoder: it allocates nothing, but is counted. */
static void test_empty_members_cost_nothing(void **state)
{
    (void)state;
    const char *doc = GROUP_DOC("<AutoScalingGroupName>web</AutoScalingGroupName>"
                                "<Instances><member/><member></member><member><InstanceId>i-1</InstanceId></member>"
                                "</Instances><AvailabilityZones><member/><member>a</member></AvailabilityZones>");
    asg_group_list l = { 0 };
    aws_budget b = { 0 };
    aws_error err = { 0 };
    assert_int_equal(asg_decode_describe_groups(doc, strlen(doc), &l, NULL, &b, &err), 0);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.items[0].instances.n, 1);
    assert_string_equal(l.items[0].instances.items[0].instance_id, "i-1");
    assert_int_equal(l.items[0].availability_zones.n, 1);
    assert_int_equal(b.items, 1 + 3 + 2);
    MODEL_LIST_FREE(l, asg_group_free);

    /* More empty members than a call may bring: nothing kept, and the limit stops them. */
    char *empty = groups_of("<member/>", AWS_MAX_CALL_ITEMS + 1, "");
    memset(&b, 0, sizeof b);
    assert_int_equal(asg_decode_describe_groups(empty, strlen(empty), &l, NULL, &b, &err), -1);
    assert_string_equal(err.code, "TooManyItems");
    assert_string_equal(err.operation, "DescribeAutoScalingGroups");
    assert_non_null(strstr(err.message, "200000 list entries"));
    assert_int_equal(l.n, 0);
    assert_null(l.items);
    free(empty);
}

/* One budget across pages: the entries of every page count. */
static void test_items_across_pages(void **state)
{
    (void)state;
    char *page =
        groups_of("<member><AutoScalingGroupName>g</AutoScalingGroupName></member>", 1000, "<NextToken>t</NextToken>");
    aws_budget b = { 0 };
    asg_group_list l = { 0 };
    aws_error err = { 0 };
    int rc = 0;
    size_t pages = 0;
    while (rc == 0 && pages < 1000) {
        char *next = NULL;
        rc = asg_decode_describe_groups(page, strlen(page), &l, &next, &b, &err);
        if (rc == 0)
            assert_string_equal(next, "t");
        else
            assert_null(next);
        free(next);
        pages++;
    }
    assert_int_equal(rc, -1);
    assert_int_equal(pages, AWS_MAX_CALL_ITEMS / 1000 + 1);
    assert_string_equal(err.code, "TooManyItems");
    assert_true(l.n <= AWS_MAX_CALL_ITEMS);
    MODEL_LIST_FREE(l, asg_group_free);
    /* Without a budget, each answer is bounded on its own. */
    memset(&err, 0, sizeof err);
    assert_int_equal(asg_decode_describe_groups(page, strlen(page), &l, NULL, NULL, &err), 0);
    assert_int_equal(l.n, 1000);
    MODEL_LIST_FREE(l, asg_group_free);
    free(page);
}

/* Elements (of any name) are bounded per answer: the time one decode takes. */
static void test_elements_per_answer(void **state)
{
    (void)state;
    char *doc = groups_of("<x/>", XML_MAX_ELEMENTS, "");
    aws_error err = { 0 };
    assert_int_equal(decode_groups_str(doc, strlen(doc), &err, NULL), -1);
    assert_string_equal(err.code, "ResponseTooLarge");
    assert_string_equal(err.operation, "DescribeAutoScalingGroups");
    assert_non_null(strstr(err.message, "1000000 XML elements"));
    free(doc);
    doc = groups_of("<x/>", XML_MAX_ELEMENTS - 3, ""); /* with the root and the two wrappers */
    assert_int_equal(decode_groups_str(doc, strlen(doc), &err, NULL), 0);
    free(doc);
}

/* Sizes no AWS group can have are said to be invalid, with the first that is. */
static void test_sizes_valid(void **state)
{
    (void)state;
    static const struct {
        int desired, min, max;
        const char *why;
    } cases[] = {
        { 2, 1, 4, NULL },
        { 0, 0, 0, NULL },
        { -5, -2147483648, 3, "MinSize -2147483648 is below 0" },
        { -5, 0, 3, "DesiredCapacity -5 is below 0" },
        { 2, 3, 1, "MinSize 3 is above MaxSize 1" },
        { 9, 1, 4, "DesiredCapacity 9 is outside MinSize 1 .. MaxSize 4" },
        { 1, 0, -1, "MaxSize -1 is below 0" },
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        asg_group g = { .desired_capacity = cases[i].desired, .min_size = cases[i].min, .max_size = cases[i].max };
        char why[160];
        bool ok = asg_sizes_valid(&g, why, sizeof why);
        assert_int_equal(ok, cases[i].why == NULL);
        assert_string_equal(why, cases[i].why ? cases[i].why : "");
    }
    asg_group g = { .desired_capacity = 1, .min_size = 1, .max_size = 1 };
    g.warm_pool.present = g.warm_pool.has_min_size = true;
    g.warm_pool.min_size = -3;
    char why[160];
    assert_false(asg_sizes_valid(&g, why, sizeof why));
    assert_string_equal(why, "WarmPoolConfiguration.MinSize -3 is below 0");
    g.warm_pool.min_size = 0;
    g.warm_pool.has_max_group_prepared_capacity = true;
    g.warm_pool.max_group_prepared_capacity = -1; /* -1: the group's MaxSize */
    assert_true(asg_sizes_valid(&g, why, sizeof why));
    g.warm_pool.max_group_prepared_capacity = -2;
    assert_false(asg_sizes_valid(&g, why, sizeof why));
}

/* ------------------------------------------------------------ requests */

/* Expected bodies come from botocore 1.43 (without its leading Action= and Version=,
 * which the client core adds):
 *   botocore.serialize.create_serializer('query').serialize_to_request(params, op_model)['body']
 * url-encoded as botocore sends it (urllib.parse.urlencode), with params
 *   {'AutoScalingGroupName': 'shop-web-prod', 'Strategy': 'Rolling',
 *    'DesiredConfiguration': {'LaunchTemplate': {'LaunchTemplateId': 'lt-0a20c965061f64abc',
 *                                                'Version': '$Latest'}},
 *    'Preferences': {'MinHealthyPercentage': 90, 'InstanceWarmup': 60, 'CheckpointPercentages': [50, 100],
 *      'CheckpointDelay': 600, 'SkipMatching': False, 'AutoRollback': True,
 *      'ScaleInProtectedInstances': 'Wait', 'StandbyInstances': 'Ignore',
 *      'AlarmSpecification': {'Alarms': ['shop-web-5xx', 'shop-web/latency-p99']},
 *      'MaxHealthyPercentage': 120, 'BakeTime': 300}} */
static const char START_FULL_BODY[] =
    "AutoScalingGroupName=shop-web-prod&Strategy=Rolling"
    "&DesiredConfiguration.LaunchTemplate.LaunchTemplateId=lt-0a20c965061f64abc"
    "&DesiredConfiguration.LaunchTemplate.Version=%24Latest"
    "&Preferences.MinHealthyPercentage=90&Preferences.InstanceWarmup=60"
    "&Preferences.CheckpointPercentages.member.1=50&Preferences.CheckpointPercentages.member.2=100"
    "&Preferences.CheckpointDelay=600&Preferences.SkipMatching=false&Preferences.AutoRollback=true"
    "&Preferences.ScaleInProtectedInstances=Wait&Preferences.StandbyInstances=Ignore"
    "&Preferences.AlarmSpecification.Alarms.member.1=shop-web-5xx"
    "&Preferences.AlarmSpecification.Alarms.member.2=shop-web%2Flatency-p99"
    "&Preferences.MaxHealthyPercentage=120&Preferences.BakeTime=300";

static void full_prefs(refresh_prefs *p)
{
    memset(p, 0, sizeof(*p));
    p->has_min_healthy_percentage = true, p->min_healthy_percentage = 90;
    p->has_max_healthy_percentage = true, p->max_healthy_percentage = 120;
    p->has_instance_warmup = true, p->instance_warmup = 60;
    VEC_PUSH(p->checkpoint_percentages, 50);
    VEC_PUSH(p->checkpoint_percentages, 100);
    p->has_checkpoint_delay = true, p->checkpoint_delay = 600;
    p->has_skip_matching = true, p->skip_matching = false;
    p->has_auto_rollback = true, p->auto_rollback = true;
    p->scale_in_protected_instances = xstrdup("Wait");
    p->standby_instances = xstrdup("Ignore");
    p->has_alarm_specification = true;
    strvec_push(&p->alarms, "shop-web-5xx");
    strvec_push(&p->alarms, "shop-web/latency-p99");
    p->has_bake_time = true, p->bake_time = 300;
}

static void test_encode_start_refresh(void **state)
{
    (void)state;
    refresh_prefs p;
    full_prefs(&p);
    lt_spec lt = { .launch_template_id = "lt-0a20c965061f64abc", .version = "$Latest" };
    refresh_start_params sp = { .auto_scaling_group_name = "shop-web-prod",
                                .strategy = "Rolling",
                                .preferences = &p,
                                .desired_launch_template = &lt };
    size_t len = 0;
    char *body = asg_encode_start_refresh(&sp, &len);
    assert_string_equal(body, START_FULL_BODY);
    assert_int_equal(len, strlen(START_FULL_BODY));
    free(body);

    /* Only has_* members are sent: botocore with {'AutoScalingGroupName': 'web',
     * 'Preferences': {'SkipMatching': False}} gives this. */
    refresh_prefs few = { .has_skip_matching = true, .skip_matching = false, .min_healthy_percentage = 50 };
    refresh_start_params sp2 = { .auto_scaling_group_name = "web", .preferences = &few };
    body = asg_encode_start_refresh(&sp2, &len);
    assert_string_equal(body, "AutoScalingGroupName=web&Preferences.SkipMatching=false");
    free(body);

    /* botocore, {'AutoScalingGroupName': 'web', 'Strategy': 'ReplaceRootVolume',
     *   'DesiredConfiguration': {'LaunchTemplate': {'LaunchTemplateName': 'web-lt', 'Version': '3'}},
     *   'Preferences': {'AlarmSpecification': {'Alarms': []}}} */
    refresh_prefs none = { .has_alarm_specification = true };
    lt_spec named = { .launch_template_name = "web-lt", .version = "3" };
    refresh_start_params sp3 = { .auto_scaling_group_name = "web",
                                 .strategy = "ReplaceRootVolume",
                                 .preferences = &none,
                                 .desired_launch_template = &named };
    body = asg_encode_start_refresh(&sp3, &len);
    assert_string_equal(body,
                        "AutoScalingGroupName=web&Strategy=ReplaceRootVolume"
                        "&DesiredConfiguration.LaunchTemplate.LaunchTemplateName=web-lt"
                        "&DesiredConfiguration.LaunchTemplate.Version=3"
                        "&Preferences.AlarmSpecification.Alarms=");
    free(body);
    refresh_prefs_free(&p);
}

/* ------------------------------------------------------------ end to end */

typedef struct groups_result {
    int calls;
    asg_group_list list;
    aws_error err;
    bool failed;
} groups_result;

static void on_groups(aws_client *c, asg_group_list *result, const aws_error *err, void *ud)
{
    (void)c;
    groups_result *r = ud;
    r->calls++;
    r->list = *result; /* take ownership */
    if (err) {
        r->failed = true;
        r->err = *err;
    }
}

static const char PAGE2[] =
    "<DescribeAutoScalingGroupsResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\">"
    "<DescribeAutoScalingGroupsResult><AutoScalingGroups><member>"
    "<AutoScalingGroupName>shop-batch</AutoScalingGroupName><MinSize>1</MinSize>"
    "</member></AutoScalingGroups></DescribeAutoScalingGroupsResult>"
    "<ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata></DescribeAutoScalingGroupsResponse>";

static void test_e2e_describe_groups_two_pages(void **state)
{
    (void)state;
    e2e e;
    e2e_start(&e);
    e2e_push_fixture(&e, "asg_describe_groups.xml");
    lb_response p2 = { .status = 200, .body = PAGE2 };
    lb_push(e.srv, &p2);

    strvec names = { 0 };
    strvec_push(&names, "shop-web-prod");
    strvec_push(&names, "shop-worker-prod");
    strvec_push(&names, "shop-batch");
    groups_result r = { 0 };
    aws_error err = { 0 };
    assert_int_equal(svc_asg_describe_groups(e.client, &names, on_groups, &r, &err), 0);
    strvec_free(&names);
    aws_client_run_until_idle(e.client);

    assert_int_equal(r.calls, 1);
    if (r.failed)
        fail_msg("%s: %s", r.err.code, r.err.message);
    assert_int_equal(r.list.n, 3);
    assert_string_equal(r.list.items[2].name, "shop-batch");
    assert_int_equal(lb_request_count(e.srv), 2);
    /* botocore, {'AutoScalingGroupNames': [...3 names], 'MaxRecords': 100[, 'NextToken': ...]} */
    const char *first = "Action=DescribeAutoScalingGroups&Version=2011-01-01"
                        "&AutoScalingGroupNames.member.1=shop-web-prod&AutoScalingGroupNames.member.2=shop-worker-prod"
                        "&AutoScalingGroupNames.member.3=shop-batch&MaxRecords=100";
    e2e_expect_body(&e, 0, first);
    char *second = xasprintf("%s&NextToken=%s", first,
                             "H4sIAAAAAAAAAKtWSkksSVSyUkpMSS7KLy5JLUrOzy0oSs3LLEotSixJTVGqBQBxNh7ZJwAAAA%3D%3D");
    e2e_expect_body(&e, 1, second);
    free(second);
    MODEL_LIST_FREE(r.list, asg_group_free);
    e2e_stop(&e);
}

typedef struct warm_result {
    int calls;
    warm_pool pool;
    aws_error err;
    bool failed;
} warm_result;

static void on_warm_pool(aws_client *c, warm_pool *result, const aws_error *err, void *ud)
{
    (void)c;
    warm_result *r = ud;
    r->calls++;
    r->pool = *result; /* take ownership */
    if (err) {
        r->failed = true;
        r->err = *err;
    }
}

/* DescribeWarmPool follows NextToken (MaxRecords 50, its maximum) and merges the pages. */
static void test_e2e_describe_warm_pool_pages(void **state)
{
    (void)state;
    e2e e;
    e2e_start(&e);
    e2e_push_fixture(&e, "asg_describe_warm_pool.xml");
    static const char page2[] =
        "<DescribeWarmPoolResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\">"
        "<DescribeWarmPoolResult><WarmPoolConfiguration><MinSize>1</MinSize><PoolState>Stopped</PoolState>"
        "</WarmPoolConfiguration><Instances><member><InstanceId>i-0c0ffee0c0ffee003</InstanceId>"
        "<LifecycleState>Warmed:Running</LifecycleState></member></Instances></DescribeWarmPoolResult>"
        "<ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata></DescribeWarmPoolResponse>";
    lb_response p2 = { .status = 200, .body = page2 };
    lb_push(e.srv, &p2);
    warm_result r = { 0 };
    aws_error err = { 0 };
    assert_int_equal(svc_asg_describe_warm_pool(e.client, "shop-api-prod", on_warm_pool, &r, &err), 0);
    aws_client_run_until_idle(e.client);
    assert_int_equal(r.calls, 1);
    if (r.failed)
        fail_msg("%s: %s", r.err.code, r.err.message);
    assert_true(r.pool.config.present);
    assert_string_equal(r.pool.config.pool_state, "Stopped");
    assert_int_equal(r.pool.instances.n, 3);
    assert_string_equal(r.pool.instances.items[2].lifecycle_state, "Warmed:Running");
    /* botocore, {'AutoScalingGroupName': 'shop-api-prod', 'MaxRecords': 50[, 'NextToken': ...]} */
    assert_int_equal(lb_request_count(e.srv), 2);
    e2e_expect_body(&e, 0,
                    "Action=DescribeWarmPool&Version=2011-01-01&AutoScalingGroupName=shop-api-prod"
                    "&MaxRecords=50");
    e2e_expect_body(&e, 1,
                    "Action=DescribeWarmPool&Version=2011-01-01&AutoScalingGroupName=shop-api-prod"
                    "&MaxRecords=50&NextToken=d2FybS1wb29sLXBhZ2UtMg%3D%3D");
    warm_pool_free(&r.pool);

    /* An error is passed through with what was read before it. */
    lb_reset(e.srv);
    lb_response denied = {
        .status = 403,
        .body = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>no</Message></Error>"
                "<RequestId>x</RequestId></ErrorResponse>"
    };
    lb_push(e.srv, &denied);
    memset(&r, 0, sizeof r);
    assert_int_equal(svc_asg_describe_warm_pool(e.client, "shop-api-prod", on_warm_pool, &r, &err), 0);
    aws_client_run_until_idle(e.client);
    assert_int_equal(r.calls, 1);
    assert_true(r.failed);
    assert_string_equal(r.err.code, "AccessDenied");
    assert_int_equal(r.pool.instances.n, 0);
    warm_pool_free(&r.pool);
    e2e_stop(&e);
}

static void test_e2e_malformed_page_keeps_partial(void **state)
{
    (void)state;
    e2e e;
    e2e_start(&e);
    e2e_push_fixture(&e, "asg_describe_groups.xml");
    lb_response bad = { .status = 200, .body = "<DescribeAutoScalingGroupsResponse><Describe" };
    lb_push(e.srv, &bad);
    groups_result r = { 0 };
    aws_error err = { 0 };
    assert_int_equal(svc_asg_describe_groups(e.client, NULL, on_groups, &r, &err), 0);
    aws_client_run_until_idle(e.client);
    assert_int_equal(r.calls, 1);
    assert_true(r.failed);
    assert_string_equal(r.err.code, "MalformedResponse");
    assert_int_equal(r.list.n, 2); /* the first page survives */
    MODEL_LIST_FREE(r.list, asg_group_free);
    e2e_stop(&e);
}

typedef struct refreshes_result {
    int calls;
    instance_refresh_list list;
    bool failed;
} refreshes_result;

static void on_refreshes(aws_client *c, instance_refresh_list *result, const aws_error *err, void *ud)
{
    (void)c;
    refreshes_result *r = ud;
    r->calls++;
    r->list = *result;
    r->failed = err != NULL;
}

static void test_e2e_refreshes_max_records(void **state)
{
    (void)state;
    e2e e;
    e2e_start(&e);
    /* The fixture holds 2 refreshes and a NextToken; max_records 2 must not follow it. */
    e2e_push_fixture(&e, "asg_describe_refreshes.xml");
    refreshes_result r = { 0 };
    aws_error err = { 0 };
    assert_int_equal(svc_asg_describe_refreshes(e.client, "shop-web-prod", NULL, 2, on_refreshes, &r, &err), 0);
    aws_client_run_until_idle(e.client);
    assert_int_equal(r.calls, 1);
    assert_false(r.failed);
    assert_int_equal(r.list.n, 2);
    assert_int_equal(lb_request_count(e.srv), 1);
    e2e_expect_body(&e, 0,
                    "Action=DescribeInstanceRefreshes&Version=2011-01-01"
                    "&AutoScalingGroupName=shop-web-prod&MaxRecords=2");
    MODEL_LIST_FREE(r.list, instance_refresh_free);

    /* max_records 1 trims the page to one item. */
    lb_reset(e.srv);
    e2e_push_fixture(&e, "asg_describe_refreshes.xml");
    memset(&r, 0, sizeof(r));
    assert_int_equal(svc_asg_describe_refreshes(e.client, "shop-web-prod", NULL, 1, on_refreshes, &r, &err), 0);
    aws_client_run_until_idle(e.client);
    assert_int_equal(r.list.n, 1);
    assert_string_equal(r.list.items[0].status, "InProgress");
    MODEL_LIST_FREE(r.list, instance_refresh_free);
    e2e_stop(&e);
}

typedef struct id_result {
    int calls;
    char *id;
    aws_error err;
    bool failed;
} id_result;

static void on_id(aws_client *c, char *id, const aws_error *err, void *ud)
{
    (void)c;
    id_result *r = ud;
    r->calls++;
    r->id = id;
    if (err) {
        r->failed = true;
        r->err = *err;
    }
}

static void test_e2e_start_cancel_rollback(void **state)
{
    (void)state;
    e2e e;
    e2e_start(&e);
    e2e_push_fixture(&e, "asg_start_refresh.xml");
    e2e_push_fixture(&e, "asg_cancel_refresh.xml");
    lb_response denied = {
        .status = 400,
        .body = "<ErrorResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\"><Error><Type>Sender</Type>"
                "<Code>ActiveInstanceRefreshNotFound</Code><Message>No in progress or pending Instance Refresh "
                "found for Auto Scaling group shop-web-prod</Message></Error><RequestId>x1</RequestId></ErrorResponse>"
    };
    lb_push(e.srv, &denied);

    refresh_prefs p;
    full_prefs(&p);
    lt_spec lt = { .launch_template_id = "lt-0a20c965061f64abc", .version = "$Latest" };
    refresh_start_params sp = { .auto_scaling_group_name = "shop-web-prod",
                                .strategy = "Rolling",
                                .preferences = &p,
                                .desired_launch_template = &lt };
    id_result r[3] = { 0 };
    aws_error err = { 0 };
    assert_int_equal(svc_asg_start_refresh(e.client, &sp, on_id, &r[0], &err), 0);
    aws_client_run_until_idle(e.client);
    assert_int_equal(svc_asg_cancel_refresh(e.client, "shop-web-prod", on_id, &r[1], &err), 0);
    aws_client_run_until_idle(e.client);
    assert_int_equal(svc_asg_rollback_refresh(e.client, "shop-web-prod", on_id, &r[2], &err), 0);
    aws_client_run_until_idle(e.client);
    refresh_prefs_free(&p);

    assert_int_equal(r[0].calls, 1);
    assert_false(r[0].failed);
    assert_string_equal(r[0].id, "08b91cf7-8fa6-48af-b6a6-d227f40f1b9b");
    assert_string_equal(r[1].id, "08b91cf7-8fa6-48af-b6a6-d227f40f1b9b");
    assert_true(r[2].failed);
    assert_null(r[2].id);
    assert_string_equal(r[2].err.code, "ActiveInstanceRefreshNotFound");
    assert_int_equal(lb_request_count(e.srv), 3);
    char *want = xasprintf("Action=StartInstanceRefresh&Version=2011-01-01&%s", START_FULL_BODY);
    e2e_expect_body(&e, 0, want);
    free(want);
    e2e_expect_body(&e, 1, "Action=CancelInstanceRefresh&Version=2011-01-01&AutoScalingGroupName=shop-web-prod");
    e2e_expect_body(&e, 2, "Action=RollbackInstanceRefresh&Version=2011-01-01&AutoScalingGroupName=shop-web-prod");
    free(r[0].id);
    free(r[1].id);
    e2e_stop(&e);
}

static void never_groups(aws_client *c, asg_group_list *r, const aws_error *e, void *ud)
{
    (void)c, (void)r, (void)e, (void)ud;
    fail_msg("callback called after a failed start");
}

static void never_refreshes(aws_client *c, instance_refresh_list *r, const aws_error *e, void *ud)
{
    (void)c, (void)r, (void)e, (void)ud;
    fail_msg("callback called after a failed start");
}

static void never_activities(aws_client *c, scaling_activity_list *r, const aws_error *e, void *ud)
{
    (void)c, (void)r, (void)e, (void)ud;
    fail_msg("callback called after a failed start");
}

static void never_id(aws_client *c, char *id, const aws_error *e, void *ud)
{
    (void)c, (void)id, (void)e, (void)ud;
    fail_msg("callback called after a failed start");
}

/* Without a client nothing starts: -1, err filled, no callback, nothing leaked. */
static void test_start_failure(void **state)
{
    (void)state;
    strvec names = { 0 };
    strvec_push(&names, "web");
    aws_error err = { 0 };
    assert_int_equal(svc_asg_describe_groups(NULL, &names, never_groups, NULL, &err), -1);
    assert_string_not_equal(err.code, "");
    memset(&err, 0, sizeof(err));
    assert_int_equal(svc_asg_describe_refreshes(NULL, "web", &names, 5, never_refreshes, NULL, &err), -1);
    assert_string_not_equal(err.code, "");
    assert_int_equal(svc_asg_describe_activities(NULL, "web", 5, never_activities, NULL, &err), -1);
    refresh_start_params sp = { .auto_scaling_group_name = "web" };
    memset(&err, 0, sizeof(err));
    assert_int_equal(svc_asg_start_refresh(NULL, &sp, never_id, NULL, &err), -1);
    assert_string_not_equal(err.code, "");
    assert_int_equal(svc_asg_cancel_refresh(NULL, "web", never_id, NULL, &err), -1);
    assert_int_equal(svc_asg_rollback_refresh(NULL, "web", never_id, NULL, &err), -1);
    strvec_free(&names);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_describe_groups),
        cmocka_unit_test(test_describe_refreshes),
        cmocka_unit_test(test_describe_groups_suspended_warm_pool),
        cmocka_unit_test(test_describe_warm_pool),
        cmocka_unit_test(test_describe_activities),
        cmocka_unit_test(test_refresh_id),
        cmocka_unit_test(test_truncated_every_length),
        cmocka_unit_test(test_not_xml_and_wrong_root),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_control_characters),
        cmocka_unit_test(test_empty_members_cost_nothing),
        cmocka_unit_test(test_items_across_pages),
        cmocka_unit_test(test_elements_per_answer),
        cmocka_unit_test(test_sizes_valid),
        cmocka_unit_test(test_encode_start_refresh),
        cmocka_unit_test(test_start_failure),
        cmocka_unit_test(test_e2e_describe_groups_two_pages),
        cmocka_unit_test(test_e2e_describe_warm_pool_pages),
        cmocka_unit_test(test_e2e_malformed_page_keeps_partial),
        cmocka_unit_test(test_e2e_refreshes_max_records),
        cmocka_unit_test(test_e2e_start_cancel_rollback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
