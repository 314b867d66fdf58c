/* test_sim_front.c — the simulator's front: Query form decoding, XML escaping, the
 * encoders checked by decoding their output with the client's own decoders, error
 * envelopes, routing, SigV4 verification (each AWS error code), fault rules, the
 * guard (Host, Origin, the control token, framing), and a real server on a free
 * loopback port driven with libcurl and raw sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "auth.h"
#include "aws/aws_errors.h"
#include "control.h"
#include "encode.h"
#include "faults.h"
#include "guard.h"
#include "route.h"
#include "scenario.h"
#include "server.h"
#include "services/services.h"
#include "aws/sigv4.h"
#include "world.h"

#define T0 ((time_t)1700000000) /* 2023-11-14T22:13:20Z */

/* ---------------- form decoding ---------------- */

static void test_form_parse(void **state)
{
    (void)state;
    const char *body =
        "Action=DescribeAutoScalingGroups&AutoScalingGroupNames.member.1=a%20b"
        "&AutoScalingGroupNames.member.2=c+d&Bad=%zz%4&Empty&&K%3D=v%3d1&AutoScalingGroupNames.member.4=x";
    sim_form f = { 0 };
    assert_int_equal(sim_form_parse(body, strlen(body), &f), 0);
    assert_string_equal(sim_form_get(&f, "Action"), "DescribeAutoScalingGroups");
    assert_string_equal(sim_form_get(&f, "Bad"), "%zz%4");
    assert_string_equal(sim_form_get(&f, "Empty"), "");
    assert_string_equal(sim_form_get(&f, "K="), "v=1");
    assert_null(sim_form_get(&f, "Nope"));
    strvec v = { 0 };
    sim_form_list(&f, "AutoScalingGroupNames.member", &v);
    assert_int_equal(v.n, 2); /* stops at the gap before .4 */
    assert_string_equal(v.items[0], "a b");
    assert_string_equal(v.items[1], "c d");
    strvec_free(&v);
    sim_form_free(&f);

    /* Bounded: too many pairs is refused. */
    strbuf sb;
    sb_init(&sb);
    for (int i = 0; i < SIM_FORM_MAX_PAIRS + 5; i++)
        sb_append(&sb, "a=b&");
    sim_form g = { 0 };
    assert_int_equal(sim_form_parse(sb.buf, sb.len, &g), -1);
    assert_int_equal(g.items.n, SIM_FORM_MAX_PAIRS);
    sim_form_free(&g);
    sb_free(&sb);
}

/* ---------------- XML ---------------- */

static void test_xml_escape(void **state)
{
    (void)state;
    strbuf sb;
    sb_init(&sb);
    enc_xml_escape(&sb, "a&b<c>\"'\x1b[31m\t\r\n\xc3\xa9\xff\xc2\x9b!");
    assert_string_equal(sb.buf, "a&amp;b&lt;c&gt;&quot;&apos;\xEF\xBF\xBD[31m\t&#13;\n\xc3\xa9\xEF\xBF\xBD\xc2\x9b!");
    sb_reset(&sb);
    enc_xml_escape(&sb, "\xed\xa0\x80|\xef\xbf\xbe|\xf0\x9f\x98\x80"); /* surrogate, U+FFFE, emoji */
    assert_string_equal(sb.buf, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD|\xf0\x9f\x98\x80");
    sb_free(&sb);
}

/* ---------------- encoders, checked by the client's decoders ---------------- */

static void test_encode_groups_roundtrip(void **state)
{
    (void)state;
    asg_group_list l = { 0 };
    asg_group *g = VEC_NEW(l);
    g->name = xstrdup("web & api");
    g->arn = xstrdup("arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x:autoScalingGroupName/web");
    g->launch_template.launch_template_id = xstrdup("lt-0abc");
    g->launch_template.launch_template_name = xstrdup("web-lt");
    g->launch_template.version = xstrdup("3");
    g->min_size = 2;
    g->max_size = 8;
    g->desired_capacity = 4;
    g->default_cooldown = 300;
    strvec_push(&g->availability_zones, "us-east-1a");
    strvec_push(&g->availability_zones, "us-east-1b");
    strvec_push(&g->target_group_arns, "arn:tg/1");
    g->health_check_type = xstrdup("ELB");
    g->health_check_grace_period = 90;
    g->created_time = 1700000000123;
    g->has_instance_maintenance_policy = true;
    g->imp_min_healthy_percentage = 90;
    g->imp_max_healthy_percentage = 120;
    asg_instance *in = VEC_NEW(g->instances);
    in->instance_id = xstrdup("i-0123456789abcdef0");
    in->availability_zone = xstrdup("us-east-1b");
    in->lifecycle_state = xstrdup("InService");
    in->health_status = xstrdup("Healthy");
    in->instance_type = xstrdup("t3.micro");
    asg_tag *t = VEC_NEW(g->tags);
    t->key = xstrdup("app");
    t->value = xstrdup("<web>");
    t->propagate_at_launch = true;

    strbuf sb;
    sb_init(&sb);
    enc_xml_describe_groups(&sb, &l, "tok/2", "rid-1");
    asg_group_list out = { 0 };
    char *next = NULL;
    aws_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(asg_decode_describe_groups(sb.buf, sb.len, &out, &next, NULL, &err), 0);
    assert_int_equal(out.n, 1);
    const asg_group *o = &out.items[0];
    assert_string_equal(o->name, "web & api");
    assert_string_equal(o->launch_template.launch_template_id, "lt-0abc");
    assert_string_equal(o->launch_template.version, "3");
    assert_int_equal(o->min_size, 2);
    assert_int_equal(o->max_size, 8);
    assert_int_equal(o->desired_capacity, 4);
    assert_int_equal(o->availability_zones.n, 2);
    assert_string_equal(o->target_group_arns.items[0], "arn:tg/1");
    assert_string_equal(o->health_check_type, "ELB");
    assert_int_equal(o->created_time, 1700000000123);
    assert_int_equal(o->instances.n, 1);
    assert_string_equal(o->instances.items[0].instance_id, "i-0123456789abcdef0");
    assert_string_equal(o->instances.items[0].lifecycle_state, "InService");
    assert_int_equal(o->tags.n, 1);
    assert_string_equal(o->tags.items[0].value, "<web>");
    assert_string_equal(next, "tok/2");
    free(next);
    MODEL_LIST_FREE(out, asg_group_free);
    MODEL_LIST_FREE(l, asg_group_free);
    sb_free(&sb);
}

static void test_encode_refresh_roundtrip(void **state)
{
    (void)state;
    instance_refresh_list l = { 0 };
    instance_refresh *r = VEC_NEW(l);
    r->instance_refresh_id = xstrdup("08b91cf7-8fa6-48af-b6a6-d227f40f1b9b");
    r->auto_scaling_group_name = xstrdup("web");
    r->status = xstrdup("RollbackInProgress");
    r->status_reason = xstrdup("Alarm web-5xx went into ALARM");
    r->start_time = 1700000000000;
    r->has_percentage_complete = true;
    r->percentage_complete = 40;
    r->has_instances_to_update = true;
    r->instances_to_update = 3;
    r->progress_details.has_live = true;
    r->progress_details.live_percentage_complete = 40;
    r->progress_details.live_instances_to_update = 3;
    r->has_preferences = true;
    r->preferences.has_min_healthy_percentage = true;
    r->preferences.min_healthy_percentage = 90;
    r->preferences.has_instance_warmup = true;
    r->preferences.instance_warmup = 60;
    VEC_PUSH(r->preferences.checkpoint_percentages, 50);
    VEC_PUSH(r->preferences.checkpoint_percentages, 100);
    r->preferences.has_auto_rollback = true;
    r->preferences.auto_rollback = true;
    r->preferences.has_alarm_specification = true;
    strvec_push(&r->preferences.alarms, "web-5xx");
    r->has_desired_configuration = true;
    r->desired_launch_template.launch_template_name = xstrdup("web-lt");
    r->desired_launch_template.version = xstrdup("4");
    r->rollback_details.present = true;
    r->rollback_details.rollback_reason = xstrdup("alarm");
    r->rollback_details.rollback_start_time = 1700000060000;
    r->strategy = xstrdup("Rolling");

    strbuf sb;
    sb_init(&sb);
    enc_xml_describe_refreshes(&sb, &l, NULL, "rid");
    instance_refresh_list out = { 0 };
    char *next = NULL;
    aws_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(asg_decode_describe_refreshes(sb.buf, sb.len, &out, &next, NULL, &err), 0);
    assert_null(next);
    assert_int_equal(out.n, 1);
    const instance_refresh *o = &out.items[0];
    assert_string_equal(o->status, "RollbackInProgress");
    assert_string_equal(o->status_reason, "Alarm web-5xx went into ALARM");
    assert_int_equal(o->percentage_complete, 40);
    assert_int_equal(o->instances_to_update, 3);
    assert_true(o->has_preferences);
    assert_int_equal(o->preferences.min_healthy_percentage, 90);
    assert_int_equal(o->preferences.checkpoint_percentages.n, 2);
    assert_int_equal(o->preferences.checkpoint_percentages.items[1], 100);
    assert_true(o->preferences.auto_rollback);
    assert_string_equal(o->preferences.alarms.items[0], "web-5xx");
    assert_string_equal(o->desired_launch_template.version, "4");
    assert_true(o->rollback_details.present);
    assert_int_equal(o->rollback_details.rollback_start_time, 1700000060000);
    MODEL_LIST_FREE(out, instance_refresh_free);
    MODEL_LIST_FREE(l, instance_refresh_free);

    sb_reset(&sb);
    char *id = NULL;
    enc_xml_refresh_id(&sb, "StartInstanceRefresh", "abc-123", "rid");
    assert_int_equal(asg_decode_refresh_id(sb.buf, sb.len, &id, &err), 0);
    assert_string_equal(id, "abc-123");
    free(id);
    sb_free(&sb);
}

static void test_encode_elb_ec2_sts_roundtrip(void **state)
{
    (void)state;
    strbuf sb;
    sb_init(&sb);
    aws_error err;
    memset(&err, 0, sizeof err);

    target_health_list th = { 0 };
    target_health_desc *d = VEC_NEW(th);
    d->target_id = xstrdup("i-1");
    d->has_port = true;
    d->port = 8080;
    d->state = xstrdup("unhealthy");
    d->reason = xstrdup("Target.ResponseCodeMismatch");
    d->description = xstrdup("Health checks failed with these codes: [502]");
    enc_xml_target_health_list(&sb, &th, "rid");
    target_health_list tho = { 0 };
    assert_int_equal(elb_decode_target_health(sb.buf, sb.len, &tho, &err), 0);
    assert_int_equal(tho.n, 1);
    assert_string_equal(tho.items[0].target_id, "i-1");
    assert_int_equal(tho.items[0].port, 8080);
    assert_string_equal(tho.items[0].state, "unhealthy");
    assert_string_equal(tho.items[0].reason, "Target.ResponseCodeMismatch");
    MODEL_LIST_FREE(tho, target_health_desc_free);
    MODEL_LIST_FREE(th, target_health_desc_free);

    sb_reset(&sb);
    target_group_list tg = { 0 };
    target_group *g = VEC_NEW(tg);
    g->target_group_arn = xstrdup("arn:tg/web");
    g->target_group_name = xstrdup("web");
    g->protocol = xstrdup("HTTP");
    g->has_port = true;
    g->port = 80;
    g->health_check_interval_seconds = 10;
    g->healthy_threshold_count = 3;
    g->unhealthy_threshold_count = 2;
    g->health_check_path = xstrdup("/health");
    g->matcher_http_code = xstrdup("200");
    strvec_push(&g->load_balancer_arns, "arn:lb/1");
    enc_xml_target_groups(&sb, &tg, "m2", "rid");
    target_group_list tgo = { 0 };
    char *marker = NULL;
    assert_int_equal(elb_decode_target_groups(sb.buf, sb.len, &tgo, &marker, NULL, &err), 0);
    assert_int_equal(tgo.n, 1);
    assert_string_equal(tgo.items[0].target_group_name, "web");
    assert_int_equal(tgo.items[0].healthy_threshold_count, 3);
    assert_string_equal(tgo.items[0].health_check_path, "/health");
    assert_string_equal(marker, "m2");
    free(marker);
    MODEL_LIST_FREE(tgo, target_group_free);
    MODEL_LIST_FREE(tg, target_group_free);

    sb_reset(&sb);
    ec2_instance_list ei = { 0 };
    ec2_instance *i = VEC_NEW(ei);
    i->instance_id = xstrdup("i-0abc");
    i->image_id = xstrdup("ami-1");
    i->state_name = xstrdup("running");
    i->launch_time = 1700000000000;
    i->availability_zone = xstrdup("us-east-1a");
    i->private_ip_address = xstrdup("10.0.1.5");
    enc_xml_ec2_instances(&sb, &ei, "123456789012", NULL, "rid");
    ec2_instance_list eio = { 0 };
    char *tok = NULL;
    assert_int_equal(ec2_decode_instances(sb.buf, sb.len, &eio, &tok, NULL, &err), 0);
    assert_int_equal(eio.n, 1);
    assert_string_equal(eio.items[0].state_name, "running");
    assert_string_equal(eio.items[0].availability_zone, "us-east-1a");
    assert_int_equal(eio.items[0].launch_time, 1700000000000);
    assert_non_null(strstr(sb.buf, "<code>16</code>"));
    free(tok);
    MODEL_LIST_FREE(eio, ec2_instance_free);
    MODEL_LIST_FREE(ei, ec2_instance_free);

    sb_reset(&sb);
    caller_identity ci = { .account = "123456789012",
                           .arn = "arn:aws:iam::123456789012:user/oncall",
                           .user_id = "AIDA1" };
    enc_xml_caller_identity(&sb, &ci, "rid");
    caller_identity cio;
    memset(&cio, 0, sizeof cio);
    assert_int_equal(sts_decode_caller_identity(sb.buf, sb.len, &cio, &err), 0);
    assert_string_equal(cio.account, "123456789012");
    assert_string_equal(cio.arn, "arn:aws:iam::123456789012:user/oncall");
    caller_identity_free(&cio);
    sb_free(&sb);
}

static void test_encode_json_roundtrip(void **state)
{
    (void)state;
    strbuf sb;
    sb_init(&sb);
    aws_error err;
    memset(&err, 0, sizeof err);

    ecr_image_detail_list l = { 0 };
    ecr_image_detail *d = VEC_NEW(l);
    d->registry_id = xstrdup("123456789012");
    d->repository_name = xstrdup("web");
    d->image_digest = xstrdup("sha256:abcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabca");
    strvec_push(&d->image_tags, "prod");
    strvec_push(&d->image_tags, "a1b2c3d");
    d->has_size = true;
    d->image_size_in_bytes = 123456789012LL;
    d->image_pushed_at = 1700000000123;
    d->image_manifest_media_type = xstrdup("application/vnd.docker.distribution.manifest.v2+json");
    enc_json_image_details(&sb, &l, "n1");
    assert_non_null(strstr(sb.buf, "\"imagePushedAt\":1700000000.123"));
    ecr_image_detail_list o = { 0 };
    char *next = NULL;
    assert_int_equal(ecr_decode_images(sb.buf, sb.len, &o, &next, NULL, &err), 0);
    assert_int_equal(o.n, 1);
    assert_string_equal(o.items[0].image_tags.items[0], "prod");
    assert_int_equal(o.items[0].image_size_in_bytes, 123456789012LL);
    assert_int_equal(o.items[0].image_pushed_at, 1700000000123);
    assert_string_equal(next, "n1");
    free(next);
    MODEL_LIST_FREE(o, ecr_image_detail_free);
    MODEL_LIST_FREE(l, ecr_image_detail_free);

    /* The manifest goes out byte-exact, slashes and escapes included (an answer
     * with U+0000 in it is refused by the client: json_util.h). */
    static const char manifest[] = "{\n   \"schemaVersion\": 2,\n   \"mediaType\": "
                                   "\"application/vnd.oci.image.manifest.v1+json\",\t\"x\":\"\\u00e9/\\\"\"tail}";
    sb_reset(&sb);
    ecr_batch_get_result r;
    memset(&r, 0, sizeof r);
    ecr_image *im = VEC_NEW(r.images);
    im->repository_name = xstrdup("web");
    im->image_digest = xstrdup("sha256:defdefdefdefdefdefdefdefdefdefdefdefdefdefdefdefdefdefdefdefdefd");
    im->image_tag = xstrdup("prod");
    im->image_manifest = xmalloc(sizeof manifest);
    memcpy(im->image_manifest, manifest, sizeof manifest);
    im->image_manifest_len = sizeof manifest - 1;
    ecr_image_failure *fl = VEC_NEW(r.failures);
    fl->image_tag = xstrdup("nope");
    fl->failure_code = xstrdup("ImageNotFound");
    fl->failure_reason = xstrdup("Requested image not found");
    enc_json_batch_get(&sb, &r, false);
    ecr_batch_get_result ro;
    memset(&ro, 0, sizeof ro);
    assert_int_equal(ecr_decode_batch_get_image(sb.buf, sb.len, &ro, &err), 0);
    assert_int_equal(ro.images.n, 1);
    assert_int_equal(ro.images.items[0].image_manifest_len, sizeof manifest - 1);
    assert_memory_equal(ro.images.items[0].image_manifest, manifest, sizeof manifest - 1);
    assert_int_equal(ro.failures.n, 1);
    assert_string_equal(ro.failures.items[0].failure_code, "ImageNotFound");
    ecr_batch_get_result_free(&ro);
    ecr_batch_get_result_free(&r);

    sb_reset(&sb);
    cw_alarm_list al = { 0 };
    cw_alarm *a = VEC_NEW(al);
    a->alarm_name = xstrdup("web-unhealthy");
    a->state_value = xstrdup("ALARM");
    a->state_reason = xstrdup("Threshold Crossed: \x1b[2J");
    a->has_threshold = true;
    a->threshold = 0.5;
    a->state_updated_timestamp = 1700000000500;
    enc_json_alarms(&sb, &al, NULL);
    cw_alarm_list alo = { 0 };
    assert_int_equal(cw_decode_alarms(sb.buf, sb.len, &alo, &next, NULL, &err), 0);
    assert_int_equal(alo.n, 1);
    assert_string_equal(alo.items[0].alarm_name, "web-unhealthy");
    assert_string_equal(alo.items[0].state_value, "ALARM");
    assert_true(alo.items[0].threshold > 0.49 && alo.items[0].threshold < 0.51);
    free(next);
    MODEL_LIST_FREE(alo, cw_alarm_free);
    MODEL_LIST_FREE(al, cw_alarm_free);
    sb_free(&sb);
}

/* ---------------- error envelopes ---------------- */

static void check_envelope(sim_proto proto, aws_protocol cproto, const char *code)
{
    sim_response resp;
    sim_response_init(&resp);
    str_copy(resp.request_id, sizeof resp.request_id, "11111111-2222-4333-8444-555555555555");
    sim_front_error(&resp, proto, 400, code, "it <went> & wrong");
    assert_int_equal(resp.status, 400);
    aws_error_headers h = { .request_id = resp.request_id,
                            .error_type = resp.error_type[0] ? resp.error_type : NULL,
                            .query_error = resp.query_error[0] ? resp.query_error : NULL };
    aws_error err;
    memset(&err, 0, sizeof err);
    aws_errors_decode(cproto, resp.status, resp.body.buf, resp.body.len, &h, &err);
    assert_string_equal(err.code, code);
    assert_string_equal(err.message, "it <went> & wrong");
    assert_string_equal(err.request_id, "11111111-2222-4333-8444-555555555555");
    sim_response_free(&resp);
}

static void test_error_envelopes(void **state)
{
    (void)state;
    check_envelope(SIM_PROTO_QUERY, AWS_PROTO_QUERY, "ValidationError");
    check_envelope(SIM_PROTO_EC2, AWS_PROTO_EC2, "InvalidInstanceID.NotFound");
    check_envelope(SIM_PROTO_JSON11, AWS_PROTO_JSON_1_1, "RepositoryNotFoundException");
    check_envelope(SIM_PROTO_JSON10, AWS_PROTO_JSON_1_0, "ResourceNotFound");

    sim_response resp;
    sim_response_init(&resp);
    sim_front_error(&resp, SIM_PROTO_QUERY, 0, "Throttling", "Rate exceeded");
    assert_int_equal(resp.status, 400);
    assert_non_null(strstr(resp.body.buf, "<Type>Sender</Type>"));
    sim_front_error(&resp, SIM_PROTO_QUERY, 500, "InternalFailure", "x");
    assert_non_null(strstr(resp.body.buf, "<Type>Receiver</Type>"));
    assert_null(strstr(resp.body.buf, "Sender"));
    sim_response_free(&resp);
}

/* ---------------- requests ---------------- */

typedef struct test_req {
    sim_request req;
    char date[17];
    char *authorization;
    char host[64];
} test_req;

static const char AKID[] = "AKIDSIMTEST0000000001";
static const char SECRET[] = "simtestsecretkey/0123456789abcdefghijklmno";

/* A signed Query request like botocore's (content-type, host, x-amz-date). */
static void make_req(test_req *t, const char *service, const char *region, const char *body, const char *target,
                     const char *secret, time_t when)
{
    memset(t, 0, sizeof *t);
    sim_request *r = &t->req;
    r->method = "POST";
    r->path = "/";
    r->body = body;
    r->body_len = strlen(body);
    str_copy(t->host, sizeof t->host, "127.0.0.1:4566");
    struct tm tm;
    gmtime_r(&when, &tm);
    strftime(t->date, sizeof t->date, "%Y%m%dT%H%M%SZ", &tm);
    r->headers[r->n_headers++] = (sigv4_header){ "Host", t->host };
    r->headers[r->n_headers++] = (sigv4_header){ "X-Amz-Date", t->date };
    r->headers[r->n_headers++] =
        (sigv4_header){ "Content-Type",
                        target ? "application/x-amz-json-1.1" : "application/x-www-form-urlencoded; charset=utf-8" };
    if (target)
        r->headers[r->n_headers++] = (sigv4_header){ "X-Amz-Target", target };
    sigv4_input in = {
        .method = "POST",
        .path = "/",
        .headers = r->headers,
        .n_headers = r->n_headers,
        .body = body,
        .body_len = r->body_len,
        .region = region,
        .service = service,
        .now = when,
        .normalize_path = true,
    };
    aws_credentials c = { .access_key_id = (char *)AKID, .secret_access_key = (char *)secret };
    sigv4_output out;
    memset(&out, 0, sizeof out);
    assert_int_equal(sigv4_sign(NULL, &in, &c, &out), 0);
    t->authorization = out.authorization;
    out.authorization = NULL;
    sigv4_output_free(&out);
    r->headers[r->n_headers++] = (sigv4_header){ "Authorization", t->authorization };
}

static void free_req(test_req *t)
{
    free(t->authorization);
}

static const char *test_secret(void *ud, const char *akid, const char *sent_token, const char **token)
{
    (void)sent_token;
    const char *tok = ud;
    if (token)
        *token = tok;
    return strcmp(akid, AKID) == 0 ? SECRET : NULL;
}

static sim_error check(test_req *t, sim_proto proto, const char *service, void *token)
{
    auth_params p = {
        .proto = proto, .service = service, .region = "us-east-1", .now = T0, .secret = test_secret, .ud = token
    };
    sigv4_auth a;
    return auth_check(&t->req, &p, &a);
}

static void test_auth(void **state)
{
    (void)state;
    const char *body = "Action=DescribeAutoScalingGroups&Version=2011-01-01";
    test_req t;
    sim_error e;

    make_req(&t, "autoscaling", "us-east-1", body, NULL, SECRET, T0);
    e = check(&t, SIM_PROTO_QUERY, "autoscaling", NULL);
    assert_string_equal(e.code, "");
    /* A body changed after signing. */
    t.req.body = "Action=DescribeAutoScalingGroups&Version=2011-01-02";
    e = check(&t, SIM_PROTO_QUERY, "autoscaling", NULL);
    assert_string_equal(e.code, "SignatureDoesNotMatch");
    assert_int_equal(e.http_status, 403);
    assert_non_null(strstr(e.message, "does not match the signature you provided"));
    free_req(&t);

    make_req(&t, "autoscaling", "us-east-1", body, NULL, "wrong-secret", T0);
    e = check(&t, SIM_PROTO_QUERY, "autoscaling", NULL);
    assert_string_equal(e.code, "SignatureDoesNotMatch");
    assert_null(strstr(e.message, SECRET));
    e = check(&t, SIM_PROTO_JSON11, "autoscaling", NULL);
    assert_string_equal(e.code, "InvalidSignatureException");
    free_req(&t);

    /* Unknown key. */
    make_req(&t, "autoscaling", "us-east-1", body, NULL, SECRET, T0);
    t.authorization[strlen("AWS4-HMAC-SHA256 Credential=AKIDSIM")] = 'X';
    e = check(&t, SIM_PROTO_QUERY, "autoscaling", NULL);
    assert_string_equal(e.code, "InvalidClientTokenId");
    assert_int_equal(e.http_status, 403);
    e = check(&t, SIM_PROTO_JSON11, "autoscaling", NULL);
    assert_string_equal(e.code, "UnrecognizedClientException");
    free_req(&t);

    /* Session token: required but not sent, sent and right, sent but not expected. */
    make_req(&t, "autoscaling", "us-east-1", body, NULL, SECRET, T0);
    e = check(&t, SIM_PROTO_QUERY, "autoscaling", "the-token");
    assert_string_equal(e.code, "InvalidClientTokenId");
    t.req.headers[t.req.n_headers++] = (sigv4_header){ "X-Amz-Security-Token", "the-token" };
    e = check(&t, SIM_PROTO_QUERY, "autoscaling", "the-token");
    assert_string_equal(e.code, "");
    e = check(&t, SIM_PROTO_QUERY, "autoscaling", "another-token");
    assert_string_equal(e.code, "InvalidClientTokenId");
    e = check(&t, SIM_PROTO_QUERY, "autoscaling", NULL);
    assert_string_equal(e.code, "InvalidClientTokenId");
    free_req(&t);

    /* Wrong service and region in the scope. */
    make_req(&t, "ec2", "us-east-1", body, NULL, SECRET, T0);
    e = check(&t, SIM_PROTO_QUERY, "autoscaling", NULL);
    assert_string_equal(e.code, "SignatureDoesNotMatch");
    assert_string_equal(e.message, "Credential should be scoped to correct service: 'autoscaling'.");
    free_req(&t);
    make_req(&t, "autoscaling", "eu-west-1", body, NULL, SECRET, T0);
    e = check(&t, SIM_PROTO_QUERY, "autoscaling", NULL);
    assert_string_equal(e.code, "SignatureDoesNotMatch");
    assert_string_equal(e.message, "Credential should be scoped to a valid region.");
    free_req(&t);

    /* Clock skew: 16 minutes late, and early. */
    make_req(&t, "autoscaling", "us-east-1", body, NULL, SECRET, T0 - 16 * 60);
    e = check(&t, SIM_PROTO_QUERY, "autoscaling", NULL);
    assert_string_equal(e.code, "RequestTimeTooSkewed");
    assert_string_equal(e.message,
                        "Signature expired: 20231114T215720Z is now earlier than 20231114T215820Z "
                        "(20231114T221320Z - 15 min.)");
    e = check(&t, SIM_PROTO_JSON11, "autoscaling", NULL);
    assert_string_equal(e.code, "InvalidSignatureException");
    assert_non_null(strstr(e.message, "Signature expired"));
    free_req(&t);
    make_req(&t, "autoscaling", "us-east-1", body, NULL, SECRET, T0 + 16 * 60);
    e = check(&t, SIM_PROTO_QUERY, "autoscaling", NULL);
    assert_string_equal(e.code, "RequestTimeTooSkewed");
    assert_non_null(strstr(e.message, "Signature not yet current"));
    free_req(&t);
    make_req(&t, "autoscaling", "us-east-1", body, NULL, SECRET, T0 + 14 * 60);
    e = check(&t, SIM_PROTO_QUERY, "autoscaling", NULL);
    assert_string_equal(e.code, "");
    free_req(&t);

    /* Missing and malformed Authorization. */
    make_req(&t, "autoscaling", "us-east-1", body, NULL, SECRET, T0);
    t.req.n_headers--;
    e = check(&t, SIM_PROTO_QUERY, "autoscaling", NULL);
    assert_string_equal(e.code, "MissingAuthenticationToken");
    assert_int_equal(e.http_status, 403);
    e = check(&t, SIM_PROTO_JSON11, "ecr", NULL);
    assert_string_equal(e.code, "MissingAuthenticationTokenException");
    t.req.headers[t.req.n_headers++] = (sigv4_header){ "Authorization", "AWS4-HMAC-SHA256 Credential=x" };
    e = check(&t, SIM_PROTO_QUERY, "autoscaling", NULL);
    assert_string_equal(e.code, "IncompleteSignature");
    assert_int_equal(e.http_status, 400);
    free_req(&t);

    /* A signed header that did not arrive. */
    make_req(&t, "autoscaling", "us-east-1", body, NULL, SECRET, T0);
    t.req.headers[2].name = "X-Other";
    e = check(&t, SIM_PROTO_QUERY, "autoscaling", NULL);
    assert_string_equal(e.code, "SignatureDoesNotMatch");
    free_req(&t);
}

/* ---------------- routing ---------------- */

static void route_of(const char *service, const char *body, const char *target, sim_route *rt, sim_error *err, bool *ok)
{
    test_req t;
    make_req(&t, service, "us-east-1", body, target, SECRET, T0);
    sim_form f = { 0 };
    if (!target)
        sim_form_parse(body, strlen(body), &f);
    *ok = route_identify(&t.req, &f, rt, err);
    sim_form_free(&f);
    free_req(&t);
}

static void test_routing(void **state)
{
    (void)state;
    sim_route rt;
    sim_error e;
    bool ok;

    route_of("autoscaling", "Action=StartInstanceRefresh&Version=2011-01-01", NULL, &rt, &e, &ok);
    assert_true(ok);
    assert_string_equal(rt.service, "autoscaling");
    assert_string_equal(rt.op, "StartInstanceRefresh");
    assert_int_equal(rt.proto, SIM_PROTO_QUERY);

    route_of("ec2", "Action=DescribeInstances&Version=2016-11-15", NULL, &rt, &e, &ok);
    assert_true(ok);
    assert_int_equal(rt.proto, SIM_PROTO_EC2);

    route_of("monitoring", "Action=DescribeAlarms&Version=2010-08-01", NULL, &rt, &e, &ok);
    assert_true(ok);
    assert_string_equal(rt.service, "monitoring");
    assert_int_equal(rt.proto, SIM_PROTO_QUERY);

    route_of("monitoring", "{}", "GraniteServiceVersion20100801.DescribeAlarms", &rt, &e, &ok);
    assert_true(ok);
    assert_int_equal(rt.proto, SIM_PROTO_JSON10);

    route_of("ecr", "{}", "AmazonEC2ContainerRegistry_V20150921.PutImage", &rt, &e, &ok);
    assert_true(ok);
    assert_string_equal(rt.service, "ecr");
    assert_string_equal(rt.op, "PutImage");
    assert_int_equal(rt.proto, SIM_PROTO_JSON11);

    /* An autoscaling action signed for elbv2 is not elbv2's. */
    route_of("elasticloadbalancing", "Action=StartInstanceRefresh", NULL, &rt, &e, &ok);
    assert_false(ok);
    assert_string_equal(e.code, "InvalidAction");
    assert_string_equal(e.message, "The action StartInstanceRefresh is not valid for this web service.");

    route_of("autoscaling", "Version=2011-01-01", NULL, &rt, &e, &ok);
    assert_false(ok);
    assert_string_equal(e.code, "MissingAction");

    route_of("ecr", "{}", "AmazonEC2ContainerRegistry_V20150921.DeleteRepository", &rt, &e, &ok);
    assert_false(ok);
    assert_string_equal(e.code, "UnknownOperationException");
    assert_int_equal(rt.proto, SIM_PROTO_JSON11);

    route_of("ecs", "{}", "AmazonEC2ContainerServiceV20141113.ListClusters", &rt, &e, &ok);
    assert_true(ok);
    assert_string_equal(rt.service, "ecs");
    assert_string_equal(rt.op, "ListClusters");
    assert_int_equal(rt.proto, SIM_PROTO_JSON11);
    route_of("ecs", "{}", "AmazonEC2ContainerServiceV20141113.DeleteCluster", &rt, &e, &ok);
    assert_false(ok);
    assert_string_equal(e.code, "UnknownOperationException");

    assert_true(route_op_count() >= 20);
}

/* ---------------- faults ---------------- */

static void test_faults_json(void **state)
{
    (void)state;
    sim_faults f;
    memset(&f, 0, sizeof f);
    char err[160];
    const char *good = "{\"rules\":[{\"operation\":\"PutImage\",\"service\":\"ecr\",\"throttle_rate\":1},"
                       "{\"operation\":\"*\",\"latency_ms\":5,\"jitter_ms\":10,\"slow_body_bytes_per_sec\":100}]}";
    assert_int_equal(faults_from_json(good, strlen(good), &f, err, sizeof err), 0);
    assert_int_equal(f.rules.n, 2);
    assert_string_equal(f.rules.items[0].operation, "PutImage");
    assert_true(f.rules.items[0].throttle_rate == 1.0);
    assert_int_equal(f.rules.items[1].jitter_ms, 10);
    assert_int_equal(f.rules.items[1].slow_body_bytes_per_sec, 100);

    const char *bad[] = {
        "",
        "[]",
        "{\"rules\":{}}",
        "{\"rules\":[{\"throttle_rate\":1.5}]}",
        "{\"rules\":[{\"latency_ms\":\"x\"}]}",
        "{\"rules\":[1]}",
        "{\"rules\":[]",
        "{\"rules\":[{\"operation\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}]}",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        err[0] = 0;
        assert_int_equal(faults_from_json(bad[i], strlen(bad[i]), &f, err, sizeof err), -1);
        assert_true(err[0] != 0);
        assert_int_equal(f.rules.n, 2); /* unchanged on error */
    }
    strbuf sb;
    sb_init(&sb);
    faults_to_json(&f, &sb);
    sim_faults g;
    memset(&g, 0, sizeof g);
    assert_int_equal(faults_from_json(sb.buf, sb.len, &g, err, sizeof err), 0);
    assert_int_equal(g.rules.n, 2);
    assert_string_equal(g.rules.items[0].service, "ecr");
    sim_faults_free(&g);
    sb_free(&sb);
    sim_faults_free(&f);
}

static void test_faults_decide(void **state)
{
    (void)state;
    const char *rules = "{\"rules\":[{\"operation\":\"DescribeInstanceRefreshes\",\"throttle_rate\":1},"
                        "{\"operation\":\"*\",\"error_5xx_rate\":0.5,\"latency_ms\":10,\"jitter_ms\":20}]}";
    sim_front a, b;
    sim_front_init(&a, NULL, 42);
    sim_front_init(&b, NULL, 42);
    char err[160];
    assert_int_equal(faults_from_json(rules, strlen(rules), &a.faults, err, sizeof err), 0);
    assert_int_equal(faults_from_json(rules, strlen(rules), &b.faults, err, sizeof err), 0);
    int n5xx = 0;
    for (int i = 0; i < 200; i++) {
        fault_decision da, db;
        faults_decide(&a, "autoscaling", "DescribeAutoScalingGroups", &da);
        faults_decide(&b, "autoscaling", "DescribeAutoScalingGroups", &db);
        assert_memory_equal(&da, &db, sizeof da); /* same seed, same dice */
        assert_true(da.delay_ms >= 10 && da.delay_ms <= 30);
        assert_false(da.throttle);
        n5xx += da.error_5xx;
    }
    assert_true(n5xx > 60 && n5xx < 140);
    fault_decision d;
    faults_decide(&a, "autoscaling", "DescribeInstanceRefreshes", &d);
    assert_true(d.throttle);
    sim_response resp;
    sim_response_init(&resp);
    assert_true(faults_pre(&d, SIM_PROTO_QUERY, &resp));
    assert_int_equal(resp.status, 400);
    assert_non_null(strstr(resp.body.buf, "<Code>Throttling</Code>"));
    sim_response_free(&resp);
    sim_response_init(&resp);
    assert_true(faults_pre(&d, SIM_PROTO_JSON11, &resp));
    assert_string_equal(resp.error_type, "ThrottlingException");
    sim_response_free(&resp);
    sim_front_done(&a);
    sim_front_done(&b);
}

/* Chosen errors: parsed, refused when malformed, answered in each protocol's envelope
 * for a rule's first count requests, then the next rule applies. */
static void test_faults_chosen_errors(void **state)
{
    (void)state;
    const char *rules =
        "{\"rules\":[{\"operation\":\"StartInstanceRefresh\",\"error_code\":\"LimitExceeded\","
        "\"error_message\":\"too <many>\",\"error_rate\":1,\"count\":2},"
        "{\"operation\":\"*\",\"error_code\":\"ServiceUnavailable\",\"error_status\":503,\"error_rate\":1}]}";
    sim_front a;
    sim_front_init(&a, NULL, 3);
    char err[160];
    assert_int_equal(faults_from_json(rules, strlen(rules), &a.faults, err, sizeof err), 0);
    assert_int_equal(a.faults.rules.items[0].error_status, 400); /* the default */
    fault_decision d;
    for (int i = 0; i < 2; i++) {
        faults_decide(&a, "autoscaling", "StartInstanceRefresh", &d);
        assert_true(d.error);
        assert_string_equal(d.error_code, "LimitExceeded");
        sim_response resp;
        sim_response_init(&resp);
        assert_true(faults_pre(&d, SIM_PROTO_QUERY, &resp));
        assert_int_equal(resp.status, 400);
        assert_non_null(
            strstr(resp.body.buf, "<Type>Sender</Type><Code>LimitExceeded</Code><Message>too &lt;many&gt;</Message>"));
        sim_response_free(&resp);
    }
    /* used up: the next rule answers */
    faults_decide(&a, "autoscaling", "StartInstanceRefresh", &d);
    assert_string_equal(d.error_code, "ServiceUnavailable");
    sim_response resp;
    sim_response_init(&resp);
    assert_true(faults_pre(&d, SIM_PROTO_JSON10, &resp));
    assert_int_equal(resp.status, 503);
    assert_string_equal(resp.error_type, "ServiceUnavailable");
    assert_string_equal(resp.query_error, "ServiceUnavailable;Receiver");
    assert_non_null(strstr(resp.body.buf, "\"__type\":\"ServiceUnavailable\""));
    sim_response_free(&resp);
    sim_response_init(&resp);
    assert_true(faults_pre(&d, SIM_PROTO_EC2, &resp));
    assert_non_null(strstr(resp.body.buf, "<Errors><Error><Code>ServiceUnavailable</Code>"));
    sim_response_free(&resp);
    /* the rules as the control API shows them, uses included, read back the same */
    strbuf sb;
    sb_init(&sb);
    faults_to_json(&a.faults, &sb);
    assert_non_null(strstr(sb.buf, "\"count\":2,\"used\":2"));
    sim_faults g = { 0 };
    assert_int_equal(faults_from_json(sb.buf, sb.len, &g, err, sizeof err), 0);
    assert_string_equal(g.rules.items[1].error_code, "ServiceUnavailable");
    assert_int_equal(g.rules.items[1].error_status, 503);
    sim_faults_free(&g);
    sb_free(&sb);
    const char *bad[] = {
        "{\"rules\":[{\"error_rate\":1}]}",
        "{\"rules\":[{\"error_code\":\"has space\"}]}",
        "{\"rules\":[{\"error_code\":\"X\",\"error_status\":200}]}",
        "{\"rules\":[{\"error_code\":\"X\",\"count\":-1}]}",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        err[0] = 0;
        assert_int_equal(faults_from_json(bad[i], strlen(bad[i]), &a.faults, err, sizeof err), -1);
        assert_true(err[0] != 0);
    }
    sim_front_done(&a);
}

/* The members the fidelity work added, as botocore's models name and nest them. */
static void test_encode_fidelity_members(void **state)
{
    (void)state;
    strbuf sb;
    sb_init(&sb);
    asg_group g;
    memset(&g, 0, sizeof g);
    g.name = xstrdup("g");
    asg_suspended_process *sp = VEC_NEW(g.suspended_processes);
    sp->process_name = xstrdup("Launch");
    sp->suspension_reason = xstrdup("User suspended at 2024-05-01T12:00:00Z");
    asg_traffic_source *ts = VEC_NEW(g.traffic_sources);
    ts->identifier = xstrdup("arn:tg/1");
    ts->type = xstrdup("elbv2");
    g.warm_pool.present = true;
    g.warm_pool.has_max_group_prepared_capacity = true;
    g.warm_pool.max_group_prepared_capacity = -1;
    g.warm_pool.has_min_size = true;
    g.warm_pool.pool_state = xstrdup("Hibernated");
    g.warm_pool.has_reuse_on_scale_in = true;
    g.warm_pool.reuse_on_scale_in = true;
    g.has_warm_pool_size = true;
    g.warm_pool_size = 3;
    asg_instance *in = VEC_NEW(g.instances);
    in->instance_id = xstrdup("i-1");
    in->lifecycle_state = xstrdup("Standby");
    in->protected_from_scale_in = true;
    enc_xml_asg_group(&sb, &g);
    static const char *const want_group[] = {
        "<SuspendedProcesses><member><ProcessName>Launch</ProcessName><SuspensionReason>User suspended at "
        "2024-05-01T12:00:00Z</SuspensionReason></member></SuspendedProcesses>",
        "<TrafficSources><member><Identifier>arn:tg/1</Identifier><Type>elbv2</Type></member></TrafficSources>",
        "<WarmPoolConfiguration><MaxGroupPreparedCapacity>-1</MaxGroupPreparedCapacity><MinSize>0</"
        "MinSize><PoolState>Hibernated</PoolState><InstanceReusePolicy><ReuseOnScaleIn>true</ReuseOnScaleIn></"
        "InstanceReusePolicy></WarmPoolConfiguration><WarmPoolSize>3</WarmPoolSize>",
        "<LifecycleState>Standby</LifecycleState>",
        "<ProtectedFromScaleIn>true</ProtectedFromScaleIn>",
    };
    for (size_t i = 0; i < ARRAY_LEN(want_group); i++)
        if (!strstr(sb.buf, want_group[i]))
            fail_msg("group XML lacks %s", want_group[i]);
    warm_pool wp;
    memset(&wp, 0, sizeof wp);
    wp.config.present = true;
    wp.config.pool_state = xstrdup("Stopped");
    asg_instance *wi = VEC_NEW(wp.instances);
    wi->instance_id = xstrdup("i-2");
    wi->lifecycle_state = xstrdup("Warmed:Stopped");
    sb_reset(&sb);
    enc_xml_describe_warm_pool(&sb, &wp, NULL, "rid");
    assert_non_null(
        strstr(sb.buf,
               "<DescribeWarmPoolResult><WarmPoolConfiguration><PoolState>Stopped</PoolState></WarmPoolConfiguration>"
               "<Instances><member><InstanceId>i-2</InstanceId><LifecycleState>Warmed:Stopped</LifecycleState>"));
    warm_pool_free(&wp);
    asg_group_free(&g);

    /* alarms: a metric math one and a composite one, in both encodings */
    cw_alarm_list al = { 0 };
    cw_alarm *m = VEC_NEW(al);
    m->alarm_name = xstrdup("math");
    m->state_value = xstrdup("OK");
    m->comparison_operator = xstrdup("LessThanLowerOrGreaterThanUpperThreshold");
    m->threshold_metric_id = xstrdup("ad1");
    cw_metric_query *q = VEC_NEW(m->metrics);
    q->id = xstrdup("m1");
    q->metric_name = xstrdup("Latency");
    q->namespace_ = xstrdup("AWS/ApplicationELB");
    q->stat = xstrdup("p99");
    q->has_period = true;
    q->period = 60;
    q->has_return_data = true;
    q = VEC_NEW(m->metrics);
    q->id = xstrdup("ad1");
    q->expression = xstrdup("ANOMALY_DETECTION_BAND(m1, 2)");
    q->has_return_data = true;
    q->return_data = true;
    cw_alarm *c = VEC_NEW(al);
    c->alarm_type = CW_COMPOSITE_ALARM;
    c->alarm_name = xstrdup("comp");
    c->state_value = xstrdup("ALARM");
    c->alarm_rule = xstrdup("ALARM(\"math\") AND NOT OK(x)");
    sb_reset(&sb);
    enc_xml_alarms(&sb, &al, NULL, "rid");
    assert_non_null(
        strstr(sb.buf,
               "<Metrics><member><Id>m1</Id><MetricStat><Metric><Namespace>AWS/ApplicationELB</Namespace>"
               "<MetricName>Latency</MetricName></Metric><Period>60</Period><Stat>p99</Stat></MetricStat>"
               "<ReturnData>false</ReturnData></member><member><Id>ad1</Id>"
               "<Expression>ANOMALY_DETECTION_BAND(m1, 2)</Expression><ReturnData>true</ReturnData></member></Metrics>"
               "<ThresholdMetricId>ad1</ThresholdMetricId>"));
    assert_non_null(strstr(sb.buf, "</MetricAlarms><CompositeAlarms><member><AlarmName>comp</AlarmName>"));
    assert_non_null(
        strstr(sb.buf, "<AlarmRule>ALARM(&quot;math&quot;) AND NOT OK(x)</AlarmRule></member></CompositeAlarms>"));
    sb_reset(&sb);
    enc_json_alarms(&sb, &al, NULL);
    json_object *o = json_tokener_parse(sb.buf), *v, *x;
    assert_non_null(o);
    assert_true(json_object_object_get_ex(o, "CompositeAlarms", &v));
    assert_int_equal(json_object_array_length(v), 1);
    assert_true(json_object_object_get_ex(json_object_array_get_idx(v, 0), "AlarmRule", &x));
    assert_string_equal(json_object_get_string(x), "ALARM(\"math\") AND NOT OK(x)");
    assert_true(json_object_object_get_ex(o, "MetricAlarms", &v));
    json_object *first = json_object_array_get_idx(v, 0);
    assert_false(json_object_object_get_ex(first, "Threshold", &x));
    assert_true(json_object_object_get_ex(first, "Metrics", &x));
    json_object *ms, *met, *name;
    assert_true(json_object_object_get_ex(json_object_array_get_idx(x, 0), "MetricStat", &ms));
    assert_true(json_object_object_get_ex(ms, "Metric", &met));
    assert_true(json_object_object_get_ex(met, "MetricName", &name));
    assert_string_equal(json_object_get_string(name), "Latency");
    json_object_put(o);
    MODEL_LIST_FREE(al, cw_alarm_free);

    /* ECR: archive and scan members */
    ecr_image_detail d;
    memset(&d, 0, sizeof d);
    d.image_digest = xstrdup("sha256:1");
    d.image_status = xstrdup("ARCHIVED");
    d.last_archived_at = 1700000000000;
    d.scan_status = xstrdup("COMPLETE");
    d.scan_completed_at = 1700000001000;
    struct ecr_severity_count *sc = VEC_NEW(d.finding_severity_counts);
    sc->severity = xstrdup("CRITICAL");
    sc->count = 4;
    sb_reset(&sb);
    enc_json_finish(&sb, enc_json_image_detail(&d));
    assert_non_null(strstr(sb.buf, "\"imageStatus\":\"ARCHIVED\",\"lastArchivedAt\":1700000000.000"));
    assert_non_null(strstr(sb.buf, "\"imageScanStatus\":{\"status\":\"COMPLETE\"}"));
    assert_non_null(strstr(sb.buf,
                           "\"imageScanFindingsSummary\":{\"imageScanCompletedAt\":1700000001.000,"
                           "\"findingSeverityCounts\":{\"CRITICAL\":4}}"));
    ecr_image_detail_free(&d);
    sb_free(&sb);
}

/* ---------------- the guard: framing, Host, Origin, the control token ---------------- */

/* A request of name/value header pairs (NULL-terminated). */
static void headers_req(sim_request *r, const char *path, const char *const *kv)
{
    memset(r, 0, sizeof *r);
    r->method = "POST";
    r->path = path;
    for (size_t i = 0; kv[i] && kv[i + 1] && r->n_headers < SIM_MAX_HEADERS; i += 2)
        r->headers[r->n_headers++] = (sigv4_header){ kv[i], kv[i + 1] };
}

static const char *host_problem(const char *const *kv, int *status)
{
    sim_request r;
    headers_req(&r, "/", kv);
    return guard_request_problem(&r, status);
}

/* Each value of header name (beside a loopback Host, unless name is Host) is
 * accepted (want 0) or refused with status want. */
static void expect_values(const char *name, const char *const *values, size_t n, int want)
{
    for (size_t i = 0; i < n; i++) {
        const char *kv[] = { "Host", "127.0.0.1:4566", name, values[i], NULL };
        int st = 0;
        const char *why = host_problem(strcmp(name, "Host") ? kv : kv + 2, &st);
        if ((why != NULL) != (want != 0) || (want && st != want))
            fail_msg("%s: '%s': %d %s", name, values[i], st, why ? why : "accepted");
    }
}

static void test_guard_host_origin(void **state)
{
    (void)state;
    int st;
    static const char *const loopback[] = {
        "127.0.0.1",  "127.0.0.1:4566", "127.0.0.1:",           "localhost", "LOCALHOST:80", "[::1]",
        "[::1]:4566", "127.1.2.3:9",    "[::ffff:127.0.0.1]:1",
    };
    expect_values("Host", loopback, ARRAY_LEN(loopback), 0);
    static const char *const foreign[] = {
        "evil.example",
        "evil.example:4566",
        "localhost.evil.example",
        "127.0.0.1.evil.example",
        "10.0.0.1",
        "0.0.0.0",
        "[::]:4566",
        "::1",
        "127.0.0.1:65536",
        "127.0.0.1:4566x",
        "127.0.0.1:-1",
        "[::1]x",
        "[::1",
        "",
        "127.0.0.1@evil.example",
        "127.0.0.1 evil.example",
    };
    expect_values("Host", foreign, ARRAY_LEN(foreign), 400);
    const char *none[] = { "Content-Type", "text/plain", NULL };
    assert_non_null(host_problem(none, &st));
    assert_int_equal(st, 400);
    const char *two[] = { "Host", "127.0.0.1", "host", "evil.example", NULL };
    assert_non_null(host_problem(two, &st));
    assert_int_equal(st, 400);

    /* Origin: absent, or a loopback http(s) origin with any port */
    static const char *const good_origins[] = { "http://127.0.0.1:4566", "http://localhost:3000", "https://[::1]",
                                                "HTTP://LOCALHOST" };
    expect_values("Origin", good_origins, ARRAY_LEN(good_origins), 0);
    static const char *const bad_origins[] = {
        "http://evil.example",
        "null",
        "",
        "file://",
        "ftp://127.0.0.1",
        "http://127.0.0.1.evil.example",
        "http://localhost:4566/path",
        "http://localhost@evil.example",
        "127.0.0.1",
    };
    expect_values("Origin", bad_origins, ARRAY_LEN(bad_origins), 403);
    const char *two_origins[] = { "Host",   "localhost",           "Origin", "http://localhost",
                                  "Origin", "http://evil.example", NULL };
    assert_non_null(host_problem(two_origins, &st));
    assert_int_equal(st, 403);
    static const char *const cross[] = { "cross-site" }, *const same[] = { "same-origin", "same-site", "none" };
    expect_values("Sec-Fetch-Site", cross, ARRAY_LEN(cross), 403);
    expect_values("Sec-Fetch-Site", same, ARRAY_LEN(same), 0);
}

static const char *framing(const char *const *kv, int *status)
{
    sim_request r;
    headers_req(&r, "/", kv);
    return guard_framing_problem(&r, status);
}

static void test_guard_framing(void **state)
{
    (void)state;
    int st;
    const char *plain[] = { "Host", "localhost", "Content-Length", "12", NULL };
    assert_null(framing(plain, &st));
    const char *chunked[] = { "Host", "localhost", "Transfer-Encoding", "Chunked", NULL };
    assert_null(framing(chunked, &st));
    const char *same_twice[] = { "Content-Length", "12", "content-length", "12", NULL };
    assert_null(framing(same_twice, &st));

    const char *both[] = { "Content-Length", "12", "Transfer-Encoding", "chunked", NULL };
    assert_non_null(framing(both, &st));
    assert_int_equal(st, 400);
    const char *differ[] = { "Content-Length", "12", "Content-Length", "2", NULL };
    assert_non_null(framing(differ, &st));
    assert_int_equal(st, 400);
    static const char *const not_numbers[] = { "12, 2", "-1", "+5", "", "0x10", "99999999999999999999" };
    for (size_t i = 0; i < ARRAY_LEN(not_numbers); i++) {
        const char *kv[] = { "Content-Length", not_numbers[i], NULL };
        if (!framing(kv, &st))
            fail_msg("Content-Length '%s' accepted", not_numbers[i]);
        assert_int_equal(st, 400);
    }
    const char *gzip[] = { "Transfer-Encoding", "gzip, chunked", NULL };
    assert_non_null(framing(gzip, &st));
    assert_int_equal(st, 501);
    const char *two_te[] = { "Transfer-Encoding", "chunked", "Transfer-Encoding", "chunked", NULL };
    assert_non_null(framing(two_te, &st));
}

static void test_guard_token(void **state)
{
    (void)state;
    char a[SIM_TOKEN_MAX + 1], b[SIM_TOKEN_MAX + 1];
    assert_int_equal(guard_token_new(a, sizeof a), 0);
    assert_int_equal(guard_token_new(b, sizeof b), 0);
    assert_int_equal(strlen(a), 32);
    assert_string_not_equal(a, b);
    assert_true(guard_token_valid(a));
    assert_int_equal(guard_token_new(b, 32), -1); /* no room for 32 digits and the NUL */

    assert_false(guard_token_valid(NULL));
    assert_false(guard_token_valid("short-token"));
    assert_false(guard_token_valid("a token with spaces in it"));
    assert_false(guard_token_valid("0123456789abcdef\r\nX-Injected: 1"));
    assert_true(guard_token_valid("Test-token_0123.~+/="));

    char bearer[200], wrong[200];
    snprintf(bearer, sizeof bearer, "Bearer %s", a);
    snprintf(wrong, sizeof wrong, "Bearer %.31sX", a);
    const char *in_header[] = { "X-Tarmac-Sim-Token", a, NULL };
    const char *as_bearer[] = { "authorization", bearer, NULL };
    const char *wrong_bearer[] = { "Authorization", wrong, NULL };
    const char *prefix[] = { "X-Tarmac-Sim-Token", bearer + 7 + 1, NULL }; /* one character short */
    const char *none[] = { "Host", "localhost", NULL };
    sim_request r;
    headers_req(&r, "/_sim/state", in_header);
    assert_true(guard_token_ok(&r, a));
    assert_false(guard_token_ok(&r, "")); /* an empty token matches nothing */
    headers_req(&r, "/_sim/state", as_bearer);
    assert_true(guard_token_ok(&r, a));
    headers_req(&r, "/_sim/state", wrong_bearer);
    assert_false(guard_token_ok(&r, a));
    headers_req(&r, "/_sim/state", prefix);
    assert_false(guard_token_ok(&r, a));
    headers_req(&r, "/_sim/state", none);
    assert_false(guard_token_ok(&r, a));
}

/* sim_front_handle's answer to req, decoded with the client's decoder for cproto. */
static int front_answer(sim_front *f, const sim_request *req, aws_protocol cproto, char *code, size_t cap)
{
    sim_response resp;
    sim_response_init(&resp);
    sim_front_handle(f, req, &resp);
    aws_error_headers h = { .request_id = resp.request_id,
                            .error_type = resp.error_type[0] ? resp.error_type : NULL,
                            .query_error = resp.query_error[0] ? resp.query_error : NULL };
    aws_error err;
    memset(&err, 0, sizeof err);
    code[0] = '\0';
    if (resp.status >= 400) {
        aws_errors_decode(cproto, resp.status, resp.body.buf, resp.body.len, &h, &err);
        str_copy(code, cap, err.code);
    }
    int status = resp.status;
    sim_response_free(&resp);
    return status;
}

/* A foreign Host or Origin is refused before SigV4, in each protocol's envelope. */
static void test_front_refuses_foreign_host_and_origin(void **state)
{
    (void)state;
    sim_front f;
    sim_front_init(&f, NULL, 1);
    char code[128];
    struct {
        const char *service, *body, *target;
        aws_protocol cproto;
        const char *denied;
    } ops[] = {
        { "autoscaling", "Action=DescribeAutoScalingGroups&Version=2011-01-01", NULL, AWS_PROTO_QUERY, "AccessDenied" },
        { "ec2", "Action=DescribeInstances&Version=2016-11-15", NULL, AWS_PROTO_EC2, "UnauthorizedOperation" },
        { "ecr", "{}", "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories", AWS_PROTO_JSON_1_1,
          "AccessDeniedException" },
        { "monitoring", "{}", "GraniteServiceVersion20100801.DescribeAlarms", AWS_PROTO_JSON_1_0,
          "AccessDeniedException" },
    };
    for (size_t i = 0; i < ARRAY_LEN(ops); i++) {
        test_req t;
        make_req(&t, ops[i].service, "us-east-1", ops[i].body, ops[i].target, SECRET, T0);
        if (ops[i].cproto == AWS_PROTO_JSON_1_0)
            t.req.headers[2].value = "application/x-amz-json-1.0";
        str_copy(t.host, sizeof t.host, "evil.example:4566");
        assert_int_equal(front_answer(&f, &t.req, ops[i].cproto, code, sizeof code), 400);
        assert_string_equal(code, "InvalidHostHeader");

        str_copy(t.host, sizeof t.host, "localhost:4566");
        t.req.headers[t.req.n_headers++] = (sigv4_header){ "Origin", "http://evil.example" };
        assert_int_equal(front_answer(&f, &t.req, ops[i].cproto, code, sizeof code), 403);
        assert_string_equal(code, ops[i].denied);

        /* a loopback page gets as far as SigV4 (no world here: the key is unknown) */
        t.req.headers[t.req.n_headers - 1].value = "http://127.0.0.1:8080";
        assert_true(front_answer(&f, &t.req, ops[i].cproto, code, sizeof code) >= 400);
        assert_string_not_equal(code, ops[i].denied);
        assert_string_not_equal(code, "InvalidHostHeader");
        assert_true(code[0]);
        free_req(&t);
    }
    sim_front_done(&f);
}

/* The reproduction: a cross-site text/plain POST with Host: evil.example replaced
 * the fault rules. Now neither that nor any control request without the token
 * reaches the world; with the token it does. */
static void test_front_control_needs_token(void **state)
{
    (void)state;
    char err[256] = "";
    sim_scenario *sc = sim_scenario_load("demo", err, sizeof err);
    assert_non_null(sc);
    sim_world *w = world_new_from_scenario(sc, 1, 1);
    sim_front f;
    sim_front_init(&f, w, 1);
    assert_true(guard_token_valid(f.control_token));
    const char *body = "{\"rules\":[{\"operation\":\"*\",\"error_5xx_rate\":1}]}";
    char bearer[200];
    snprintf(bearer, sizeof bearer, "Bearer %s", f.control_token);
    struct {
        const char *const kv[9];
        int status;
    } cases[] = {
        { { "Host", "evil.example", "Content-Type", "text/plain", "Origin", "http://evil.example", NULL }, 400 },
        { { "Host", "127.0.0.1:4566", "Content-Type", "text/plain", "Origin", "http://evil.example", NULL }, 403 },
        { { "Host", "127.0.0.1:4566", "Content-Type", "text/plain", NULL }, 401 },
        { { "Host", "127.0.0.1:4566", "X-Tarmac-Sim-Token", "0123456789abcdef0123456789abcdef", NULL }, 401 },
        { { "Host", "evil.example", "Authorization", bearer, NULL }, 400 },
        { { "Host", "localhost", "Authorization", bearer, "Origin", "null", NULL }, 403 },
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        sim_request r;
        headers_req(&r, "/_sim/faults", cases[i].kv);
        r.body = body;
        r.body_len = strlen(body);
        sim_response resp;
        sim_response_init(&resp);
        sim_front_handle(&f, &r, &resp);
        if (resp.status != cases[i].status)
            fail_msg("case %zu: %d %s", i, resp.status, resp.body.buf);
        assert_string_equal(resp.content_type, "application/json");
        assert_non_null(strstr(resp.body.buf, "\"error\""));
        if (resp.status == 401)
            assert_non_null(resp.www_authenticate);
        assert_int_equal(f.faults.rules.n, 0); /* the world's faults are untouched */
        sim_response_free(&resp);
    }
    const char *ok[] = { "Host", "localhost:4566", "Authorization", bearer, NULL };
    sim_request r;
    headers_req(&r, "/_sim/faults", ok);
    r.body = body;
    r.body_len = strlen(body);
    sim_response resp;
    sim_response_init(&resp);
    sim_front_handle(&f, &r, &resp);
    assert_int_equal(resp.status, 200);
    assert_int_equal(f.faults.rules.n, 1);
    sim_response_free(&resp);
    sim_front_done(&f);
    world_free(w);
    sim_scenario_free(sc);
}

/* ---------------- a real server ---------------- */

typedef struct live {
    sim_scenario *sc;
    sim_world *w;
    sim_front f;
    char base[64];
    const char *akid, *secret, *token, *region;
} live;

static int live_setup(void **state)
{
    live *l = xcalloc(1, sizeof *l);
    char err[256] = "";
    l->sc = sim_scenario_load("demo", err, sizeof err);
    if (!l->sc) {
        fprintf(stderr, "demo scenario: %s\n", err);
        free(l);
        return -1;
    }
    l->w = world_new_from_scenario(l->sc, 1, 1);
    if (!l->w || l->sc->credentials.n == 0) {
        free(l);
        return -1;
    }
    l->akid = l->sc->credentials.items[0].access_key_id;
    l->secret = world_credentials(l->w, l->akid, &l->token);
    l->region = world_region(l->w);
    sim_front_init(&l->f, l->w, 1);
    if (sim_server_start(&l->f, 0) != 0)
        return -1;
    snprintf(l->base, sizeof l->base, "http://127.0.0.1:%u", (unsigned)l->f.port);
    *state = l;
    return 0;
}

static int live_teardown(void **state)
{
    live *l = *state;
    if (!l)
        return 0;
    sim_server_stop(&l->f);
    sim_front_done(&l->f);
    world_free(l->w);
    sim_scenario_free(l->sc);
    free(l);
    return 0;
}

static size_t collect(char *p, size_t sz, size_t n, void *ud)
{
    sb_appendn(ud, p, sz * n);
    return sz * n;
}

/* POSTs body (signed for service unless unsigned) and returns the curl code. */
static CURLcode post(live *l, const char *path, const char *service, const char *target, const char *body, bool sign,
                     const char *secret, long *status, strbuf *out)
{
    CURL *c = curl_easy_init();
    char url[256];
    snprintf(url, sizeof url, "%s%s", l->base, path);
    struct curl_slist *hl = NULL;
    char host[64], date[17];
    snprintf(host, sizeof host, "127.0.0.1:%u", (unsigned)l->f.port);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y%m%dT%H%M%SZ", &tm);
    const char *ct = target
        ? (strcmp(service, "monitoring") == 0 ? "application/x-amz-json-1.0" : "application/x-amz-json-1.1")
        : "application/x-www-form-urlencoded; charset=utf-8";
    sigv4_header hs[5];
    size_t n = 0;
    hs[n++] = (sigv4_header){ "host", host };
    hs[n++] = (sigv4_header){ "x-amz-date", date };
    hs[n++] = (sigv4_header){ "content-type", ct };
    if (target)
        hs[n++] = (sigv4_header){ "x-amz-target", target };
    char line[2048];
    for (size_t i = 0; i < n; i++) {
        snprintf(line, sizeof line, "%s: %s", hs[i].name, hs[i].value);
        hl = curl_slist_append(hl, line);
    }
    if (strncmp(path, "/_sim/", 6) == 0) {
        snprintf(line, sizeof line, "X-Tarmac-Sim-Token: %s", l->f.control_token);
        hl = curl_slist_append(hl, line);
    }
    if (sign) {
        sigv4_input in = { .method = "POST",
                           .path = path,
                           .headers = hs,
                           .n_headers = n,
                           .body = body,
                           .body_len = strlen(body),
                           .region = l->region,
                           .service = service,
                           .now = now,
                           .normalize_path = true };
        aws_credentials cr = { .access_key_id = (char *)l->akid,
                               .secret_access_key = (char *)secret,
                               .session_token = (char *)l->token };
        sigv4_output o;
        memset(&o, 0, sizeof o);
        assert_int_equal(sigv4_sign(NULL, &in, &cr, &o), 0);
        snprintf(line, sizeof line, "Authorization: %s", o.authorization);
        hl = curl_slist_append(hl, line);
        if (o.security_token) {
            snprintf(line, sizeof line, "X-Amz-Security-Token: %s", o.security_token);
            hl = curl_slist_append(hl, line);
        }
        sigv4_output_free(&o);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    CURLcode rc = curl_easy_perform(c);
    *status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    return rc;
}

/* A world with tiny page sizes, so every token path runs over the wire. */
static const char PAGED_YAML[] =
    "credentials:\n"
    "  - {access_key_id: AKIDPAGED0000000001, secret_access_key: paged-secret-0000000000000000000000000}\n"
    "page_sizes: {DescribeAutoScalingGroups: 2, DescribeTargetGroups: 2, DescribeImages: 3,\n"
    "             DescribeInstances: 5, DescribeRepositories: 1}\n"
    "generate: {apps: 5, instances_per_app: 2, target_groups: 5, images: 20, azs: [us-east-1a, us-east-1b]}\n";

static int paged_setup(void **state)
{
    live *l = xcalloc(1, sizeof *l);
    char err[256] = "";
    l->sc = sim_scenario_parse("paged.yaml", PAGED_YAML, sizeof PAGED_YAML - 1, err, sizeof err);
    if (!l->sc) {
        fprintf(stderr, "paged scenario: %s\n", err);
        free(l);
        return -1;
    }
    l->w = world_new_from_scenario(l->sc, 7, 1);
    if (!l->w) {
        free(l);
        return -1;
    }
    l->akid = l->sc->credentials.items[0].access_key_id;
    l->secret = world_credentials(l->w, l->akid, &l->token);
    l->region = world_region(l->w);
    sim_front_init(&l->f, l->w, 7);
    if (sim_server_start(&l->f, 0) != 0)
        return -1;
    snprintf(l->base, sizeof l->base, "http://127.0.0.1:%u", (unsigned)l->f.port);
    *state = l;
    return 0;
}

static void test_live_pagination(void **state)
{
    live *l = *state;
    strbuf sb, body;
    sb_init(&sb);
    sb_init(&body);
    long status;
    aws_error err;
    memset(&err, 0, sizeof err);

    /* autoscaling: NextToken */
    strvec seen = { 0 };
    char *token = NULL;
    int pages = 0;
    do {
        sb_reset(&body);
        sb_append(&body, "Action=DescribeAutoScalingGroups&Version=2011-01-01");
        if (token) {
            sb_append(&body, "&NextToken=");
            sb_append_urlencoded(&body, token, strlen(token));
        }
        free(token);
        token = NULL;
        sb_reset(&sb);
        assert_int_equal(post(l, "/", "autoscaling", NULL, body.buf, true, l->secret, &status, &sb), CURLE_OK);
        assert_int_equal(status, 200);
        asg_group_list g = { 0 };
        assert_int_equal(asg_decode_describe_groups(sb.buf, sb.len, &g, &token, NULL, &err), 0);
        assert_true(g.n <= 2);
        for (size_t i = 0; i < g.n; i++) {
            assert_false(strvec_contains(&seen, g.items[i].name));
            strvec_push(&seen, g.items[i].name);
        }
        MODEL_LIST_FREE(g, asg_group_free);
    } while (token && ++pages < 20);
    assert_int_equal(seen.n, 5);
    strvec_free(&seen);

    /* elbv2: Marker */
    pages = 0;
    do {
        sb_reset(&body);
        sb_append(&body, "Action=DescribeTargetGroups&Version=2015-12-01");
        if (token) {
            sb_append(&body, "&Marker=");
            sb_append_urlencoded(&body, token, strlen(token));
        }
        free(token);
        token = NULL;
        sb_reset(&sb);
        assert_int_equal(post(l, "/", "elasticloadbalancing", NULL, body.buf, true, l->secret, &status, &sb), CURLE_OK);
        assert_int_equal(status, 200);
        target_group_list t = { 0 };
        assert_int_equal(elb_decode_target_groups(sb.buf, sb.len, &t, &token, NULL, &err), 0);
        for (size_t i = 0; i < t.n; i++) {
            assert_false(strvec_contains(&seen, t.items[i].target_group_arn));
            strvec_push(&seen, t.items[i].target_group_arn);
        }
        MODEL_LIST_FREE(t, target_group_free);
    } while (token && ++pages < 20);
    assert_int_equal(seen.n, 5);
    strvec_free(&seen);

    /* ecr: nextToken in JSON */
    pages = 0;
    do {
        json_object *o = json_object_new_object();
        enc_json_add_str(o, "repositoryName", "gen-app-00");
        enc_json_add_str(o, "nextToken", token);
        free(token);
        token = NULL;
        sb_reset(&body);
        enc_json_finish(&body, o);
        sb_reset(&sb);
        assert_int_equal(post(l, "/", "ecr", "AmazonEC2ContainerRegistry_V20150921.DescribeImages", body.buf, true,
                              l->secret, &status, &sb),
                         CURLE_OK);
        assert_int_equal(status, 200);
        ecr_image_detail_list d = { 0 };
        assert_int_equal(ecr_decode_images(sb.buf, sb.len, &d, &token, NULL, &err), 0);
        assert_true(d.n <= 3);
        for (size_t i = 0; i < d.n; i++) {
            assert_false(strvec_contains(&seen, d.items[i].image_digest));
            strvec_push(&seen, d.items[i].image_digest);
        }
        MODEL_LIST_FREE(d, ecr_image_detail_free);
    } while (token && ++pages < 20);
    assert_int_equal(seen.n, 4); /* 20 images over 5 repositories */
    strvec_free(&seen);

    /* A token nobody handed out. */
    sb_reset(&sb);
    assert_int_equal(post(l, "/", "autoscaling", NULL, "Action=DescribeAutoScalingGroups&NextToken=forged", true,
                          l->secret, &status, &sb),
                     CURLE_OK);
    assert_int_equal(status, 400);
    assert_non_null(strstr(sb.buf, "<Code>InvalidNextToken</Code>"));
    sb_free(&sb);
    sb_free(&body);
}

static void test_live_describe(void **state)
{
    live *l = *state;
    strbuf sb;
    sb_init(&sb);
    long status;
    assert_int_equal(post(l, "/", "autoscaling", NULL, "Action=DescribeAutoScalingGroups&Version=2011-01-01", true,
                          l->secret, &status, &sb),
                     CURLE_OK);
    assert_int_equal(status, 200);
    asg_group_list groups = { 0 };
    char *next = NULL;
    aws_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(asg_decode_describe_groups(sb.buf, sb.len, &groups, &next, NULL, &err), 0);
    assert_true(groups.n >= 1);
    assert_true(groups.items[0].instances.n >= 1);
    free(next);
    MODEL_LIST_FREE(groups, asg_group_free);

    sb_reset(&sb);
    assert_int_equal(post(l, "/", "ecr", "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories", "{}", true,
                          l->secret, &status, &sb),
                     CURLE_OK);
    assert_int_equal(status, 200);
    ecr_repository_list repos = { 0 };
    assert_int_equal(ecr_decode_repositories(sb.buf, sb.len, &repos, &next, NULL, &err), 0);
    assert_true(repos.n >= 1);
    free(next);
    MODEL_LIST_FREE(repos, ecr_repository_free);

    /* Wrong secret: AWS's envelope and code. */
    sb_reset(&sb);
    assert_int_equal(
        post(l, "/", "sts", NULL, "Action=GetCallerIdentity&Version=2011-06-15", true, "not-the-secret", &status, &sb),
        CURLE_OK);
    assert_int_equal(status, 403);
    assert_non_null(strstr(sb.buf, "<Code>SignatureDoesNotMatch</Code>"));
    sb_reset(&sb);
    assert_int_equal(
        post(l, "/", "ecr", "AmazonEC2ContainerRegistry_V20150921.DescribeImages", "{}", false, NULL, &status, &sb),
        CURLE_OK);
    assert_int_equal(status, 403);
    assert_non_null(strstr(sb.buf, "MissingAuthenticationTokenException"));
    sb_free(&sb);
}

/* The client's own StartInstanceRefresh encoder against the server: every preference
 * must arrive (read back through DescribeInstanceRefreshes), and a second start is refused. */
static void test_live_start_refresh(void **state)
{
    live *l = *state;
    const char *asg = l->sc->asgs.items[0].name;
    refresh_prefs p;
    memset(&p, 0, sizeof p);
    p.has_min_healthy_percentage = true;
    p.min_healthy_percentage = 60;
    p.has_max_healthy_percentage = true;
    p.max_healthy_percentage = 150;
    p.has_instance_warmup = true;
    p.instance_warmup = 45;
    VEC_PUSH(p.checkpoint_percentages, 50);
    VEC_PUSH(p.checkpoint_percentages, 100);
    p.has_checkpoint_delay = true;
    p.checkpoint_delay = 120;
    p.has_skip_matching = true;
    p.skip_matching = false;
    p.has_bake_time = true;
    p.bake_time = 30;
    refresh_start_params sp = { .auto_scaling_group_name = asg, .preferences = &p };
    size_t len;
    char *params = asg_encode_start_refresh(&sp, &len);
    char *body = xasprintf("Action=StartInstanceRefresh&Version=2011-01-01%s%s", params[0] == '&' ? "" : "&", params);
    strbuf sb;
    sb_init(&sb);
    long status;
    aws_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(post(l, "/", "autoscaling", NULL, body, true, l->secret, &status, &sb), CURLE_OK);
    assert_int_equal(status, 200);
    char *id = NULL;
    assert_int_equal(asg_decode_refresh_id(sb.buf, sb.len, &id, &err), 0);
    assert_non_null(id);

    sb_reset(&sb);
    assert_int_equal(post(l, "/", "autoscaling", NULL, body, true, l->secret, &status, &sb), CURLE_OK);
    assert_int_equal(status, 400);
    assert_non_null(strstr(sb.buf, "<Code>InstanceRefreshInProgress</Code>"));

    char *q = xasprintf("Action=DescribeInstanceRefreshes&Version=2011-01-01&AutoScalingGroupName=%s", asg);
    sb_reset(&sb);
    assert_int_equal(post(l, "/", "autoscaling", NULL, q, true, l->secret, &status, &sb), CURLE_OK);
    assert_int_equal(status, 200);
    instance_refresh_list rl = { 0 };
    char *next = NULL;
    assert_int_equal(asg_decode_describe_refreshes(sb.buf, sb.len, &rl, &next, NULL, &err), 0);
    assert_true(rl.n >= 1);
    const instance_refresh *r = &rl.items[0];
    assert_string_equal(r->instance_refresh_id, id);
    assert_int_equal(r->preferences.min_healthy_percentage, 60);
    assert_int_equal(r->preferences.max_healthy_percentage, 150);
    assert_int_equal(r->preferences.instance_warmup, 45);
    assert_int_equal(r->preferences.checkpoint_percentages.n, 2);
    assert_int_equal(r->preferences.checkpoint_delay, 120);
    assert_true(r->preferences.has_skip_matching && !r->preferences.skip_matching);
    assert_int_equal(r->preferences.bake_time, 30);

    /* A bad preference is the caller's fault. */
    sb_reset(&sb);
    assert_int_equal(post(l, "/", "autoscaling", NULL,
                          "Action=StartInstanceRefresh&AutoScalingGroupName=x&Preferences.MinHealthyPercentage=101",
                          true, l->secret, &status, &sb),
                     CURLE_OK);
    assert_int_equal(status, 400);
    assert_non_null(strstr(sb.buf, "<Code>ValidationError</Code>"));

    free(next);
    MODEL_LIST_FREE(rl, instance_refresh_free);
    free(q);
    free(id);
    free(body);
    free(params);
    refresh_prefs_free(&p);
    sb_free(&sb);
}

/* Signed but hostile parameters for every operation: each answers 200 or a 4xx
 * envelope, never crashes (run under ASan by `make SANITIZE=1 unit`). */
static void test_hostile_parameters(void **state)
{
    live *l = *state;
    l->f.fixed_now = T0;
    static const char *const json_bodies[] = {
        "{}",
        "[]",
        "null",
        "{\"repositoryName\": 5}",
        "{\"repositoryName\": \"web\", \"imageIds\": 7}",
        "{\"repositoryName\":\"web\",\"imageIds\":[1,null,{},{\"imageTag\":3},{\"imageDigest\":\"sha256:zz\"}]}",
        "{\"repositoryName\": \"web\", \"imageManifest\": \"not json\", \"imageTag\": \"x\"}",
        "{\"repositoryName\": \"web\", \"imageManifest\": \"{}\", \"imageDigest\": \"sha256:00\"}",
        "{\"repositoryName\": \"web\", \"maxResults\": -5, \"nextToken\": \"\\u0000bogus\"}",
        "{\"AlarmNames\": [1, \"x\"], \"MaxRecords\": 99999999999, \"NextToken\": \"nope\"}",
        "{\"repositoryName\": \"web\", \"filter\": {\"tagStatus\": 1}, \"acceptedMediaTypes\": [null]}",
        "{\"a\":",
        "\xff\xfe",
    };
    static const char *const query_tails[] = {
        "",
        "&AutoScalingGroupName=",
        "&AutoScalingGroupName=%00",
        "&MaxRecords=-1",
        "&MaxRecords=abc",
        "&NextToken=forged",
        "&Marker=forged&PageSize=0",
        "&AutoScalingGroupNames.member.1=%ff%fe",
        "&Preferences.CheckpointPercentages.member.1=200",
        "&Preferences.SkipMatching=maybe",
        "&DesiredCapacity=99999999999&AutoScalingGroupName=web-asg",
        "&TargetGroupArn=arn%3Anope",
        "&Targets.member.1.Id=i-nope&TargetGroupArn=x",
        "&InstanceId.1=i-nope",
        "&LaunchTemplateName=nope",
        "&ListenerArn=nope",
        "&LoadBalancerArn=nope",
    };
    int answered = 0;
    for (size_t i = 0; i < route_op_count(); i++) {
        const char *service;
        const char *op = route_op_name(i, &service);
        bool json = strcmp(service, "ecr") == 0;
        size_t n = json ? ARRAY_LEN(json_bodies) : ARRAY_LEN(query_tails);
        for (size_t k = 0; k < n; k++) {
            char target[128], body[512];
            if (json) {
                snprintf(target, sizeof target, "AmazonEC2ContainerRegistry_V20150921.%s", op);
                snprintf(body, sizeof body, "%s", json_bodies[k]);
            } else {
                snprintf(body, sizeof body, "Action=%s&Version=1%s", op, query_tails[k]);
            }
            test_req t; /* signed here with the scenario's key (make_req uses the test key) */
            memset(&t, 0, sizeof t);
            sim_request *r = &t.req;
            r->method = "POST";
            r->path = "/";
            r->body = body;
            r->body_len = strlen(body);
            struct tm tm;
            time_t when = T0;
            gmtime_r(&when, &tm);
            strftime(t.date, sizeof t.date, "%Y%m%dT%H%M%SZ", &tm);
            r->headers[r->n_headers++] = (sigv4_header){ "host", "127.0.0.1" };
            r->headers[r->n_headers++] = (sigv4_header){ "x-amz-date", t.date };
            if (json)
                r->headers[r->n_headers++] = (sigv4_header){ "x-amz-target", target };
            sigv4_input in = { .method = "POST",
                               .path = "/",
                               .headers = r->headers,
                               .n_headers = r->n_headers,
                               .body = body,
                               .body_len = r->body_len,
                               .region = l->region,
                               .service = service,
                               .now = T0,
                               .normalize_path = true };
            aws_credentials c = { .access_key_id = (char *)l->akid,
                                  .secret_access_key = (char *)l->secret,
                                  .session_token = (char *)l->token };
            sigv4_output out;
            memset(&out, 0, sizeof out);
            assert_int_equal(sigv4_sign(NULL, &in, &c, &out), 0);
            r->headers[r->n_headers++] = (sigv4_header){ "Authorization", out.authorization };
            if (out.security_token)
                r->headers[r->n_headers++] = (sigv4_header){ "X-Amz-Security-Token", out.security_token };
            sim_response resp;
            sim_response_init(&resp);
            sim_front_handle(&l->f, r, &resp);
            if (resp.status != 200 && (resp.status < 400 || resp.status >= 500))
                fail_msg("%s %s: status %d: %s", op, body, resp.status, resp.body.buf);
            assert_true(resp.body.len > 0);
            if (resp.status >= 400) { /* never an auth problem: these were signed right */
                assert_null(strstr(resp.body.buf, "Signature"));
                assert_null(strstr(resp.body.buf, "ClientTokenId"));
                assert_null(strstr(resp.body.buf, "UnrecognizedClient"));
                assert_null(strstr(resp.body.buf, "Authentication"));
            } else {
                answered++;
            }
            sim_response_free(&resp);
            sigv4_output_free(&out);
        }
    }
    assert_true(answered >= 10); /* the well-formed ones went all the way through */
}

static void test_live_control_and_faults(void **state)
{
    live *l = *state;
    strbuf sb;
    sb_init(&sb);
    long status;
    assert_int_equal(post(l, "/_sim/advance", "", NULL, "{\"seconds\": 30}", false, NULL, &status, &sb), CURLE_OK);
    assert_int_equal(status, 200);
    assert_non_null(strstr(sb.buf, "\"now_ms\""));
    sb_reset(&sb);
    assert_int_equal(post(l, "/_sim/advance", "", NULL, "{\"seconds\": -1}", false, NULL, &status, &sb), CURLE_OK);
    assert_int_equal(status, 400);
    sb_reset(&sb);
    assert_int_equal(post(l, "/_sim/nothing", "", NULL, "{}", false, NULL, &status, &sb), CURLE_OK);
    assert_int_equal(status, 404);
    /* Bodies are bounded. */
    char *big = xmalloc(SIM_MAX_BODY + 2);
    memset(big, 'a', SIM_MAX_BODY + 1);
    big[SIM_MAX_BODY + 1] = '\0';
    sb_reset(&sb);
    assert_int_equal(post(l, "/", "sts", NULL, big, false, NULL, &status, &sb), CURLE_OK);
    assert_int_equal(status, 413);
    free(big);

    /* Every fault kind on one operation, one at a time. */
    struct {
        const char *rule;
        CURLcode rc;
        long status;
        const char *needle;
    } cases[] = {
        { "{\"operation\":\"GetCallerIdentity\",\"reset_rate\":1}", CURLE_GOT_NOTHING, 0, NULL },
        { "{\"operation\":\"GetCallerIdentity\",\"truncate_rate\":1}", CURLE_PARTIAL_FILE, 200, NULL },
        { "{\"operation\":\"GetCallerIdentity\",\"throttle_rate\":1}", CURLE_OK, 400, "<Code>Throttling</Code>" },
        { "{\"operation\":\"GetCallerIdentity\",\"malformed_rate\":1}", CURLE_OK, 200, "garbage" },
        { "{\"operation\":\"GetCallerIdentity\",\"slow_body_bytes_per_sec\":5000}", CURLE_OK, 200, "<Account>" },
        { "{\"operation\":\"DescribeImages\",\"throttle_rate\":1}", CURLE_OK, 200, "<Account>" },
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char rules[512];
        snprintf(rules, sizeof rules, "{\"rules\":[%s]}", cases[i].rule);
        sb_reset(&sb);
        assert_int_equal(post(l, "/_sim/faults", "", NULL, rules, false, NULL, &status, &sb), CURLE_OK);
        assert_int_equal(status, 200);
        sb_reset(&sb);
        CURLcode rc =
            post(l, "/", "sts", NULL, "Action=GetCallerIdentity&Version=2011-06-15", true, l->secret, &status, &sb);
        assert_int_equal(rc, cases[i].rc);
        if (cases[i].status)
            assert_int_equal(status, cases[i].status);
        if (cases[i].needle)
            assert_non_null(strstr(sb.buf, cases[i].needle));
    }
    sb_reset(&sb);
    assert_int_equal(post(l, "/_sim/faults", "", NULL, "{\"rules\":[]}", false, NULL, &status, &sb), CURLE_OK);
    sb_free(&sb);
}

/* ---------------- a real server, over raw sockets ---------------- */

static int raw_connect(const live *l)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(l->f.port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

/* Sends text and reads until the server closes the connection (at most 10 s and
 * 64 KiB). Returns whether it closed. */
static bool raw_exchange(const live *l, const char *text, strbuf *out)
{
    int fd = raw_connect(l);
    assert_int_equal(send(fd, text, strlen(text), MSG_NOSIGNAL), (ssize_t)strlen(text));
    int64_t deadline = mono_now_ms() + 10000;
    bool closed = false;
    while (!closed && out->len < 65536) {
        int left = (int)(deadline - mono_now_ms());
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (left <= 0 || poll(&p, 1, left) <= 0)
            break;
        char buf[4096];
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            closed = true;
        else
            sb_appendn(out, buf, (size_t)n);
    }
    close(fd);
    return closed;
}

/* A body that could be read two ways is answered 400 before it is read, the
 * connection closed, and neither the body nor a request smuggled behind it runs. */
static void test_live_ambiguous_framing(void **state)
{
    live *l = *state;
    const char *rules = "{\"rules\":[{\"operation\":\"*\",\"error_5xx_rate\":1}]}";
    char chunked[256];
    snprintf(chunked, sizeof chunked, "%zx\r\n%s\r\n0\r\n\r\n", strlen(rules), rules);
    static const char *const heads[] = {
        "Content-Length: %zu\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: chunked\r\nContent-Length: %zu\r\n",
        "Content-Length: %zu\r\nContent-Length: 2\r\n",
    };
    for (size_t i = 0; i < ARRAY_LEN(heads); i++) {
        char head[128], text[2048];
        snprintf(head, sizeof head, heads[i], strlen(chunked));
        /* the body is the rules, chunked; a second request follows it */
        snprintf(
            text, sizeof text,
            "POST /_sim/faults HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nX-Tarmac-Sim-Token: %s\r\n%s\r\n%s"
            "POST /_sim/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Tarmac-Sim-Token: %s\r\nContent-Length: %zu\r\n\r\n%s",
            (unsigned)l->f.port, l->f.control_token, head, chunked, l->f.control_token, strlen(rules), rules);
        strbuf out;
        sb_init(&out);
        assert_true(raw_exchange(l, text, &out));
        if (strncmp(out.buf, "HTTP/1.1 400 ", 13) != 0)
            fail_msg("case %zu: %s", i, out.buf);
        assert_null(strstr(out.buf + 13, "HTTP/1.1")); /* one answer, then closed */
        assert_int_equal(l->f.faults.rules.n, 0);
        sb_free(&out);
    }
    /* a transfer coding the server does not know: 501, closed */
    char text[512];
    snprintf(
        text, sizeof text,
        "POST /_sim/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Tarmac-Sim-Token: %s\r\nTransfer-Encoding: gzip\r\n\r\n%s",
        l->f.control_token, rules);
    strbuf out;
    sb_init(&out);
    assert_true(raw_exchange(l, text, &out));
    assert_int_equal(strncmp(out.buf, "HTTP/1.1 501 ", 13), 0);
    assert_int_equal(l->f.faults.rules.n, 0);
    /* more header fields than the checks look at: 431 */
    sb_reset(&out);
    strbuf many;
    sb_init(&many);
    sb_append(&many, "GET /_sim/state HTTP/1.1\r\n");
    for (int i = 0; i < SIM_MAX_HEADERS; i++)
        sb_printf(&many, "X-Filler-%d: x\r\n", i);
    sb_printf(&many, "Host: evil.example\r\nX-Tarmac-Sim-Token: %s\r\n\r\n", l->f.control_token);
    assert_true(raw_exchange(l, many.buf, &out));
    assert_int_equal(strncmp(out.buf, "HTTP/1.1 431 ", 13), 0);
    /* and the same request framed one way goes through */
    sb_reset(&out);
    snprintf(text, sizeof text,
             "GET /_sim/faults HTTP/1.1\r\nHost: localhost\r\nX-Tarmac-Sim-Token: %s\r\nConnection: close\r\n\r\n",
             l->f.control_token);
    assert_true(raw_exchange(l, text, &out));
    assert_int_equal(strncmp(out.buf, "HTTP/1.1 200 ", 13), 0);
    sb_free(&many);
    sb_free(&out);
}

/* Connections beyond SIM_MAX_CONNECTIONS are closed as they arrive, whatever the
 * ones held are doing (here: each sent half a request and went quiet). */
static void test_live_connection_bound(void **state)
{
    live *l = *state;
    enum { EXTRA = 16, N = SIM_MAX_CONNECTIONS + EXTRA };
    int *fds = xcalloc(N, sizeof *fds);
    struct pollfd *p = xcalloc(N, sizeof *p);
    const char *half = "POST /_sim/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{";
    for (int i = 0; i < N; i++) {
        fds[i] = raw_connect(l);
        (void)send(fds[i], half, strlen(half), MSG_NOSIGNAL);
    }
    /* count the connections the server closed; bounded well under the idle timeout */
    int closed = 0;
    int64_t deadline = mono_now_ms() + (SIM_IDLE_TIMEOUT_S * 1000) / 2;
    while (closed < EXTRA && mono_now_ms() < deadline) {
        for (int i = 0; i < N; i++)
            p[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
        if (poll(p, N, 100) < 0)
            break;
        for (int i = 0; i < N; i++) {
            if (fds[i] < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char c;
            if (recv(fds[i], &c, 1, MSG_DONTWAIT) <= 0) {
                close(fds[i]);
                fds[i] = -1;
                closed++;
            }
        }
    }
    for (int i = 0; i < N; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(p);
    free(fds);
    assert_true(closed >= EXTRA);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_form_parse),
        cmocka_unit_test(test_xml_escape),
        cmocka_unit_test(test_encode_groups_roundtrip),
        cmocka_unit_test(test_encode_refresh_roundtrip),
        cmocka_unit_test(test_encode_elb_ec2_sts_roundtrip),
        cmocka_unit_test(test_encode_json_roundtrip),
        cmocka_unit_test(test_error_envelopes),
        cmocka_unit_test(test_auth),
        cmocka_unit_test(test_routing),
        cmocka_unit_test(test_faults_json),
        cmocka_unit_test(test_faults_decide),
        cmocka_unit_test(test_faults_chosen_errors),
        cmocka_unit_test(test_encode_fidelity_members),
        cmocka_unit_test_setup_teardown(test_live_describe, live_setup, live_teardown),
        cmocka_unit_test_setup_teardown(test_live_start_refresh, live_setup, live_teardown),
        cmocka_unit_test_setup_teardown(test_live_pagination, paged_setup, live_teardown),
        cmocka_unit_test_setup_teardown(test_hostile_parameters, live_setup, live_teardown),
        cmocka_unit_test_setup_teardown(test_live_control_and_faults, live_setup, live_teardown),
        cmocka_unit_test(test_guard_host_origin),
        cmocka_unit_test(test_guard_framing),
        cmocka_unit_test(test_guard_token),
        cmocka_unit_test(test_front_refuses_foreign_host_and_origin),
        cmocka_unit_test(test_front_control_needs_token),
        cmocka_unit_test_setup_teardown(test_live_ambiguous_framing, live_setup, live_teardown),
        cmocka_unit_test_setup_teardown(test_live_connection_bound, live_setup, live_teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
