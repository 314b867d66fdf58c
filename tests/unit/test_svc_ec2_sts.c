/* test_svc_ec2_sts.c — EC2 (item-style XML, "InstanceId.N" lists) and STS
 * GetCallerIdentity: decoders against tests/fixtures/xml (nested items that must not
 * leak into the instance), hostile documents, request bodies compared with
 * botocore's ec2 serializer, and calls end to end through the loopback server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "services/services.h"
#include "aws/xml.h"
#include "xml_fixtures.h"

static void test_instances(void **state)
{
    (void)state;
    size_t len;
    char *body = load_fixture("ec2_instances.xml", &len);
    ec2_instance_list l = { 0 };
    char *next = NULL;
    aws_error err = { 0 };
    assert_int_equal(ec2_decode_instances(body, len, &l, &next, NULL, &err), 0);
    assert_string_equal(next, "ZWMyLW5leHQtcGFnZQ==");
    assert_int_equal(l.n, 3); /* across two reservations */
    ec2_instance *i = &l.items[0];
    assert_string_equal(i->instance_id, "i-0598c7d356eba48d7");
    assert_string_equal(i->instance_type, "m6i.large");
    assert_string_equal(i->image_id, "ami-0abcdef1234567890");
    /* The instance's own address, not its network interface's. */
    assert_string_equal(i->private_ip_address, "10.0.1.114");
    assert_string_equal(i->subnet_id, "subnet-0bb1c79de3EXAMPLE");
    assert_string_equal(i->private_dns_name, "ip-10-0-1-114.eu-west-1.compute.internal");
    assert_string_equal(i->state_name, "running");
    assert_int_equal(i->launch_time, iso("2024-05-01T12:01:12.000Z"));
    assert_string_equal(i->availability_zone, "eu-west-1a");
    assert_string_equal(i->vpc_id, "vpc-0a1b2c3d4e5f67890");
    assert_string_equal(l.items[1].state_name, "pending");
    assert_string_equal(l.items[1].availability_zone, "eu-west-1b");
    i = &l.items[2];
    assert_string_equal(i->instance_id, "i-0123456789abcdef0");
    assert_string_equal(i->state_name, "terminated");
    assert_string_equal(i->private_dns_name, ""); /* present but empty */
    assert_null(i->private_ip_address);
    assert_null(i->subnet_id);
    MODEL_LIST_FREE(l, ec2_instance_free);
    free(next);
    free(body);
}

static void test_lt_versions(void **state)
{
    (void)state;
    size_t len;
    char *body = load_fixture("ec2_lt_versions.xml", &len);
    lt_version_list l = { 0 };
    char *next = NULL;
    aws_error err = { 0 };
    assert_int_equal(ec2_decode_lt_versions(body, len, &l, &next, NULL, &err), 0);
    assert_null(next);
    assert_int_equal(l.n, 2);
    lt_version *v = &l.items[0];
    assert_string_equal(v->launch_template_id, "lt-0a20c965061f64abc");
    assert_string_equal(v->launch_template_name, "shop-web");
    assert_int_equal(v->version_number, 8);
    assert_string_equal(v->version_description, "build 4821 (commit 9f3e2a1)");
    assert_int_equal(v->create_time, iso("2024-05-01T11:58:02Z"));
    assert_false(v->default_version);
    assert_string_equal(v->image_id, "ami-0fedcba9876543210");
    v = &l.items[1];
    assert_int_equal(v->version_number, 7);
    assert_true(v->default_version);
    assert_null(v->version_description);
    assert_string_equal(v->image_id, "ami-0abcdef1234567890");
    MODEL_LIST_FREE(l, lt_version_free);
    free(body);
}

static void test_caller_identity(void **state)
{
    (void)state;
    size_t len;
    char *body = load_fixture("sts_caller_identity.xml", &len);
    caller_identity id = { 0 };
    aws_error err = { 0 };
    assert_int_equal(sts_decode_caller_identity(body, len, &id, &err), 0);
    assert_string_equal(id.account, "123456789012");
    assert_string_equal(id.arn, "arn:aws:sts::123456789012:assumed-role/deployer/ci-session");
    assert_string_equal(id.user_id, "AROA3XFRBF535PLBIFPI4:ci-session");
    caller_identity_free(&id);

    /* No Account is not an identity; neither is another root. */
    const char *empty = "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>a</Arn>"
                        "</GetCallerIdentityResult></GetCallerIdentityResponse>";
    memset(&id, 0, sizeof(id));
    assert_int_equal(sts_decode_caller_identity(empty, strlen(empty), &id, &err), -1);
    assert_string_equal(err.code, "MalformedResponse");
    assert_string_equal(err.service, "sts");
    caller_identity_free(&id);
    const char *other = "<ErrorResponse><Error><Code>ExpiredToken</Code></Error></ErrorResponse>";
    memset(&id, 0, sizeof(id));
    assert_int_equal(sts_decode_caller_identity(other, strlen(other), &id, &err), -1);
    assert_true(strstr(err.message, "GetCallerIdentity: unexpected root element <ErrorResponse>"));
    caller_identity_free(&id);
    free(body);
}

static void test_hostile(void **state)
{
    (void)state;
    size_t len;
    char *body = load_fixture("ec2_instances.xml", &len);
    for (size_t cut = 0; cut + 25 < len; cut += 5) {
        ec2_instance_list l = { 0 };
        char *next = NULL;
        aws_error err = { 0 };
        assert_int_equal(ec2_decode_instances(body, cut, &l, &next, NULL, &err), -1);
        assert_null(next);
        assert_string_equal(err.code, "MalformedResponse");
        assert_string_equal(err.operation, "DescribeInstances");
        MODEL_LIST_FREE(l, ec2_instance_free);
    }
    free(body);

    const char *bad[] = {
        "<DescribeLaunchTemplateVersionsResponse><launchTemplateVersionSet><item>"
        "<versionNumber>99999999999999999999999</versionNumber></item></launchTemplateVersionSet>"
        "</DescribeLaunchTemplateVersionsResponse>",
        "<DescribeLaunchTemplateVersionsResponse><launchTemplateVersionSet><item>"
        "<defaultVersion>TRUE</defaultVersion></item></launchTemplateVersionSet>"
        "</DescribeLaunchTemplateVersionsResponse>",
        "<DescribeLaunchTemplateVersionsResponse><launchTemplateVersionSet><item>"
        "<createTime>2024-13-01T00:00:00Z</createTime></item></launchTemplateVersionSet>"
        "</DescribeLaunchTemplateVersionsResponse>",
        "<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        lt_version_list l = { 0 };
        aws_error err = { 0 };
        assert_int_equal(ec2_decode_lt_versions(bad[i], strlen(bad[i]), &l, NULL, NULL, &err), -1);
        assert_string_equal(err.code, "MalformedResponse");
        MODEL_LIST_FREE(l, lt_version_free);
    }
    char *huge = huge_text_doc("GetCallerIdentityResponse", "GetCallerIdentityResult", "Arn", XML_MAX_TEXT * 2);
    caller_identity id = { 0 };
    aws_error err = { 0 };
    assert_int_equal(sts_decode_caller_identity(huge, strlen(huge), &id, &err), -1);
    assert_null(id.arn);
    caller_identity_free(&id);
    free(huge);
}

/* ------------------------------------------------------------ end to end */

typedef struct inst_result {
    int calls;
    ec2_instance_list list;
    bool failed;
} inst_result;

static void on_instances(aws_client *c, ec2_instance_list *result, const aws_error *err, void *ud)
{
    (void)c;
    inst_result *r = ud;
    r->calls++;
    r->list = *result;
    r->failed = err != NULL;
}

static void test_e2e_describe_instances(void **state)
{
    (void)state;
    e2e e;
    e2e_start(&e);
    e2e_push_fixture(&e, "ec2_instances.xml");
    lb_response last = { .status = 200,
                         .body = "<DescribeInstancesResponse><reservationSet/></DescribeInstancesResponse>" };
    lb_push(e.srv, &last);
    strvec ids = { 0 };
    strvec_push(&ids, "i-0598c7d356eba48d7");
    strvec_push(&ids, "i-07a1d3c2b9e8f6a54");
    inst_result r = { 0 };
    aws_error err = { 0 };
    assert_int_equal(svc_ec2_describe_instances(e.client, &ids, on_instances, &r, &err), 0);
    aws_client_run_until_idle(e.client);
    assert_int_equal(r.calls, 1);
    assert_false(r.failed);
    assert_int_equal(r.list.n, 3);
    /* botocore's ec2 serializer, {'InstanceIds': ['i-0598c7d356eba48d7', 'i-07a1d3c2b9e8f6a54']} */
    e2e_expect_body(&e, 0,
                    "Action=DescribeInstances&Version=2016-11-15"
                    "&InstanceId.1=i-0598c7d356eba48d7&InstanceId.2=i-07a1d3c2b9e8f6a54");
    e2e_expect_body(&e, 1,
                    "Action=DescribeInstances&Version=2016-11-15"
                    "&InstanceId.1=i-0598c7d356eba48d7&InstanceId.2=i-07a1d3c2b9e8f6a54"
                    "&NextToken=ZWMyLW5leHQtcGFnZQ%3D%3D");
    MODEL_LIST_FREE(r.list, ec2_instance_free);
    strvec_free(&ids);
    e2e_stop(&e);
}

static void test_e2e_describe_instances_chunks(void **state)
{
    (void)state;
    e2e e;
    e2e_start(&e);
    lb_response none = { .status = 200,
                         .body = "<DescribeInstancesResponse><reservationSet/></DescribeInstancesResponse>" };
    lb_set_default(e.srv, &none);
    strvec ids = { 0 };
    for (int i = 0; i < 2500; i++) {
        char id[32];
        snprintf(id, sizeof(id), "i-%017x", i);
        strvec_push(&ids, id);
    }
    inst_result r = { 0 };
    aws_error err = { 0 };
    assert_int_equal(svc_ec2_describe_instances(e.client, &ids, on_instances, &r, &err), 0);
    aws_client_run_until_idle(e.client);
    assert_false(r.failed);
    assert_int_equal(lb_request_count(e.srv), 3); /* 1000 + 1000 + 500 */
    const lb_request *q = lb_request_at(e.srv, 2);
    assert_non_null(strstr(q->body, "&InstanceId.1=i-000000000000007d0&")); /* id 2000 */
    assert_non_null(strstr(q->body, "&InstanceId.500=i-000000000000009c3"));
    assert_null(strstr(q->body, "InstanceId.501="));
    assert_null(strstr(q->body, "MaxResults"));
    MODEL_LIST_FREE(r.list, ec2_instance_free);
    strvec_free(&ids);
    e2e_stop(&e);
}

typedef struct ltv_result {
    int calls;
    lt_version_list list;
    bool failed;
} ltv_result;

static void on_ltv(aws_client *c, lt_version_list *result, const aws_error *err, void *ud)
{
    (void)c;
    ltv_result *r = ud;
    r->calls++;
    r->list = *result;
    r->failed = err != NULL;
}

typedef struct id_result {
    int calls;
    caller_identity id;
    aws_error err;
    bool failed;
} id_result;

static void on_identity(aws_client *c, caller_identity *result, const aws_error *err, void *ud)
{
    (void)c;
    id_result *r = ud;
    r->calls++;
    r->id = *result;
    if (err) {
        r->failed = true;
        r->err = *err;
    }
}

static void test_e2e_lt_versions_and_identity(void **state)
{
    (void)state;
    e2e e;
    e2e_start(&e);
    e2e_push_fixture(&e, "ec2_lt_versions.xml");
    e2e_push_fixture(&e, "sts_caller_identity.xml");
    ltv_result r = { 0 };
    id_result ir = { 0 };
    aws_error err = { 0 };
    assert_int_equal(svc_ec2_describe_lt_versions(e.client, "lt-0a20c965061f64abc", NULL, on_ltv, &r, &err), 0);
    aws_client_run_until_idle(e.client);
    assert_int_equal(svc_sts_get_caller_identity(e.client, on_identity, &ir, &err), 0);
    aws_client_run_until_idle(e.client);
    assert_false(r.failed);
    assert_int_equal(r.list.n, 2);
    assert_string_equal(r.list.items[0].image_id, "ami-0fedcba9876543210");
    /* botocore's ec2 serializer, {'LaunchTemplateId': 'lt-0a20c965061f64abc', 'MaxResults': 200} */
    e2e_expect_body(&e, 0,
                    "Action=DescribeLaunchTemplateVersions&Version=2016-11-15"
                    "&LaunchTemplateId=lt-0a20c965061f64abc&MaxResults=200");
    assert_int_equal(ir.calls, 1);
    if (ir.failed)
        fail_msg("%s: %s", ir.err.code, ir.err.message);
    assert_string_equal(ir.id.account, "123456789012");
    e2e_expect_body(&e, 1, "Action=GetCallerIdentity&Version=2011-06-15");
    MODEL_LIST_FREE(r.list, lt_version_free);
    caller_identity_free(&ir.id);
    e2e_stop(&e);
}

static void never_instances(aws_client *c, ec2_instance_list *r, const aws_error *e, void *ud)
{
    (void)c, (void)r, (void)e, (void)ud;
    fail_msg("callback called after a failed start");
}

static void never_ltv(aws_client *c, lt_version_list *r, const aws_error *e, void *ud)
{
    (void)c, (void)r, (void)e, (void)ud;
    fail_msg("callback called after a failed start");
}

static void never_identity(aws_client *c, caller_identity *r, const aws_error *e, void *ud)
{
    (void)c, (void)r, (void)e, (void)ud;
    fail_msg("callback called after a failed start");
}

/* Without a client nothing starts: -1, err filled, no callback, nothing leaked. */
static void test_start_failure(void **state)
{
    (void)state;
    strvec ids = { 0 };
    strvec_push(&ids, "i-1");
    aws_error err = { 0 };
    assert_int_equal(svc_ec2_describe_instances(NULL, &ids, never_instances, NULL, &err), -1);
    assert_string_not_equal(err.code, "");
    memset(&err, 0, sizeof(err));
    assert_int_equal(svc_ec2_describe_lt_versions(NULL, "lt-1", NULL, never_ltv, NULL, &err), -1);
    assert_string_not_equal(err.code, "");
    memset(&err, 0, sizeof(err));
    assert_int_equal(svc_sts_get_caller_identity(NULL, never_identity, NULL, &err), -1);
    assert_string_not_equal(err.code, "");
    strvec_free(&ids);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_instances),
        cmocka_unit_test(test_lt_versions),
        cmocka_unit_test(test_caller_identity),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_start_failure),
        cmocka_unit_test(test_e2e_describe_instances),
        cmocka_unit_test(test_e2e_describe_instances_chunks),
        cmocka_unit_test(test_e2e_lt_versions_and_identity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
