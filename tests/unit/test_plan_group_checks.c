/* test_plan_group_checks.c — what the plan says before a refresh about the group
 * and the images: suspended processes (which matter, what each does, the resume
 * command), Standby and scale-in protected instances against StandbyInstances and
 * ScaleInProtectedInstances (and AWS's default, Wait, when the app leaves them
 * unset), and archived images: a rollback to an archived stable tag, a deploy or
 * promote of an archived tag refused with the restore command, a note when the
 * rollback target is archived. The last tests build real plans through the client
 * against a loopback server serving canned AWS answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "deploy/plan_group_checks.h"
#include "xml_fixtures.h"

static asg_suspended_process suspended(const char *name)
{
    return (asg_suspended_process){ .process_name = xstrdup(name), .suspension_reason = xstrdup("User suspended") };
}

static asg_instance instance(const char *id, const char *state, bool protected_)
{
    return (asg_instance){ .instance_id = xstrdup(id),
                           .lifecycle_state = xstrdup(state),
                           .protected_from_scale_in = protected_ };
}

static const char *find_line(const strvec *v, const char *needle)
{
    for (size_t i = 0; i < v->n; i++)
        if (strstr(v->items[i], needle))
            return v->items[i];
    return NULL;
}

static void test_suspension_effects(void **state)
{
    (void)state;
    const char *matter[] = { "Launch",      "Terminate",        "InstanceRefresh",
                             "HealthCheck", "ReplaceUnhealthy", "AddToLoadBalancer" };
    for (size_t i = 0; i < ARRAY_LEN(matter); i++)
        assert_non_null(asg_suspension_effect(matter[i]));
    assert_non_null(strstr(asg_suspension_effect("Launch"), "replaces no instance"));
    assert_non_null(strstr(asg_suspension_effect("Terminate"), "replaces no instance"));
    const char *no[] = {
        "AZRebalance", "AlarmNotification", "ScheduledActions", "RemoveFromLoadBalancerLowPriority", "launch", "", NULL
    };
    for (size_t i = 0; i < ARRAY_LEN(no); i++)
        assert_null(asg_suspension_effect(no[i]));

    asg_group g = { .name = xstrdup("web-asg") };
    char buf[128];
    assert_int_equal(asg_refresh_blockers(&g, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    VEC_PUSH(g.suspended_processes, suspended("AZRebalance"));
    VEC_PUSH(g.suspended_processes, suspended("HealthCheck"));
    VEC_PUSH(g.suspended_processes, suspended("Launch"));
    assert_int_equal(asg_refresh_blockers(&g, buf, sizeof buf), 2);
    assert_string_equal(buf, "HealthCheck, Launch");
    assert_int_equal(asg_refresh_blockers(NULL, buf, sizeof buf), 0);
    asg_group_free(&g);
}

static void test_warnings_suspended(void **state)
{
    (void)state;
    asg_group g = { .name = xstrdup("web-asg") };
    strvec out = { 0 };
    group_refresh_warnings(&g, NULL, &out);
    assert_int_equal(out.n, 0); /* nothing in the way: nothing said */

    VEC_PUSH(g.suspended_processes, suspended("AZRebalance"));
    group_refresh_warnings(&g, NULL, &out);
    assert_int_equal(out.n, 0); /* AZRebalance alone does not matter */

    VEC_PUSH(g.suspended_processes, suspended("Terminate"));
    VEC_PUSH(g.suspended_processes, suspended("ReplaceUnhealthy"));
    group_refresh_warnings(&g, NULL, &out);
    assert_int_equal(out.n, 1);
    const char *l = out.items[0];
    assert_non_null(strstr(l, "suspended processes on web-asg: Terminate ("));
    assert_non_null(strstr(l, "ReplaceUnhealthy (unhealthy instances are not replaced"));
    assert_non_null(strstr(l, "also suspended, no effect on the refresh: AZRebalance"));
    assert_non_null(strstr(l, "aws autoscaling resume-processes --scaling-processes Terminate ReplaceUnhealthy"));
    strvec_free(&out);
    asg_group_free(&g);
}

static void test_warnings_standby_and_protected(void **state)
{
    (void)state;
    asg_group g = { .name = xstrdup("web-asg") };
    VEC_PUSH(g.instances, instance("i-1", "InService", false));
    VEC_PUSH(g.instances, instance("i-2", "Standby", false));
    VEC_PUSH(g.instances, instance("i-3", "Standby", true));
    VEC_PUSH(g.instances, instance("i-4", "InService", false));
    strvec out = { 0 };

    /* Unset: AWS's default from the CLI/SDK, Wait, for both. */
    group_refresh_warnings(&g, NULL, &out);
    assert_int_equal(out.n, 2);
    const char *sb = find_line(&out, "in Standby");
    assert_non_null(sb);
    assert_non_null(strstr(sb,
                           "2 instances in Standby (i-2, i-3): the refresh waits for them "
                           "(StandbyInstances=Wait, the default); it will not finish until they leave Standby"));
    const char *pr = find_line(&out, "protected from scale in");
    assert_non_null(pr);
    assert_non_null(strstr(pr,
                           "1 instance protected from scale in (i-3): the refresh waits for their protection "
                           "to be removed (ScaleInProtectedInstances=Wait, the default)"));
    strvec_free(&out);

    refresh_prefs prefs = { .standby_instances = "Ignore", .scale_in_protected_instances = "Refresh" };
    group_refresh_warnings(&g, &prefs, &out);
    assert_non_null(strstr(find_line(&out, "in Standby"),
                           "the refresh ignores them (StandbyInstances=Ignore); "
                           "they keep the old image"));
    assert_non_null(strstr(find_line(&out, "protected"),
                           "the refresh replaces them too "
                           "(ScaleInProtectedInstances=Refresh)"));
    strvec_free(&out);

    prefs = (refresh_prefs){ .standby_instances = "Terminate", .scale_in_protected_instances = "Ignore" };
    group_refresh_warnings(&g, &prefs, &out);
    assert_non_null(strstr(find_line(&out, "in Standby"), "the refresh terminates them (StandbyInstances=Terminate)"));
    assert_non_null(strstr(find_line(&out, "protected"), "ignores them (ScaleInProtectedInstances=Ignore)"));
    strvec_free(&out);

    prefs = (refresh_prefs){ .standby_instances = "Wait" };
    group_refresh_warnings(&g, &prefs, &out);
    assert_non_null(strstr(find_line(&out, "in Standby"), "(StandbyInstances=Wait);")); /* set: not "the default" */
    strvec_free(&out);

    /* Many: three ids, then how many more. */
    for (int i = 5; i < 10; i++) {
        char id[16];
        snprintf(id, sizeof id, "i-%d", i);
        VEC_PUSH(g.instances, instance(id, "Standby", false));
    }
    group_refresh_warnings(&g, NULL, &out);
    assert_non_null(strstr(find_line(&out, "in Standby"), "7 instances in Standby (i-2, i-3, i-5, 4 more)"));
    strvec_free(&out);
    asg_group_free(&g);
}

/* ---- archived images ---- */

#define D_LIVE   "sha256:c0ffee1c0ffee1c0ffee1c0ffee1c0ffee1c0ffee1c0ffee1c0ffee1c0ffee1c"
#define D_STABLE "sha256:5ab1e0d2c3b4a5968778695a4b3c2d1e0f9e8d7c6b5a49382716051a2b3c4d5e"
#define D_NEW    "sha256:0e00e00e00e00e00e00e00e00e00e00e00e00e00e00e00e00e00e00e00e00e00"

static void add_image(ecr_image_detail_list *l, const char *digest, const char *status, const char *tag1,
                      const char *tag2)
{
    ecr_image_detail *d = VEC_NEW(*l);
    d->image_digest = xstrdup(digest);
    d->image_status = xstrdup(status);
    strvec_push(&d->image_tags, tag1);
    if (tag2)
        strvec_push(&d->image_tags, tag2);
    d->last_archived_at = str_eq(status, "ARCHIVED") ? 1714000000000 : 0;
}

static plan *plan_with(plan_action a)
{
    plan *p = xcalloc(1, sizeof *p);
    p->action = a;
    plan_target_init(&p->target, NULL, "web-asg", "web", "eu-west-1", false);
    return p;
}

static void add_copy_step(plan *p, const char *src, const char *dst, const char *digest)
{
    plan_step *s = VEC_NEW(p->steps);
    s->kind = STEP_COPY_TAG;
    s->src_tag = xstrdup(src);
    s->dst_tag = xstrdup(dst);
    s->digest = xstrdup(digest);
}

static void add_start_step(plan *p)
{
    plan_step *s = VEC_NEW(p->steps);
    s->kind = STEP_START_REFRESH;
}

static void test_image_pullable(void **state)
{
    (void)state;
    ecr_image_detail d = { .image_digest = D_STABLE };
    assert_true(ecr_image_pullable(NULL));
    assert_true(ecr_image_pullable(&d)); /* not sent: ACTIVE */
    d.image_status = "ACTIVE";
    assert_true(ecr_image_pullable(&d));
    d.image_status = "ARCHIVED";
    assert_false(ecr_image_pullable(&d));
    d.image_status = "ACTIVATING";
    assert_false(ecr_image_pullable(&d));
    char buf[1024];
    d.image_status = "ARCHIVED";
    d.last_archived_at = 1714000000000;
    ecr_unpullable_text(&d, "prod-stable", "web", "eu-west-1", buf, sizeof buf);
    assert_non_null(strstr(buf,
                           "'prod-stable' (sha256:5ab1e0d2c3b4) is in ECR's archive (imageStatus ARCHIVED, "
                           "archived 2024-04-24T23:06:40.000Z) and cannot be pulled"));
    assert_non_null(strstr(buf,
                           "aws ecr update-image-storage-class --region eu-west-1 --repository-name web "
                           "--image-id imageDigest=" D_STABLE " --target-storage-class STANDARD"));
    /* A command that does not fit is left out, never cut (a cut quote swallows what follows). */
    char quotes[257];
    memset(quotes, '\'', 256);
    quotes[256] = '\0';
    ecr_unpullable_text(&d, "prod-stable", quotes, "eu-west-1", buf, sizeof buf);
    assert_null(strstr(buf, "`aws"));
    assert_non_null(strstr(buf, "restore it with UpdateImageStorageClass (targetStorageClass STANDARD) and wait"));
    d.image_status = "ACTIVATING";
    ecr_unpullable_text(&d, "prod-stable", "web", NULL, buf, sizeof buf);
    assert_non_null(strstr(buf, "being restored from ECR's archive (imageStatus ACTIVATING)"));
    d.image_status = "ACTIVE";
    ecr_unpullable_text(&d, "prod-stable", "web", NULL, buf, sizeof buf);
    assert_string_equal(buf, "");
}

static void test_rollback_to_archived_stable_refused(void **state)
{
    (void)state;
    ecr_image_detail_list imgs = { 0 };
    add_image(&imgs, D_LIVE, "ACTIVE", "prod", "c0ffee1");
    add_image(&imgs, D_STABLE, "ARCHIVED", "prod-stable", "9b8e7d6");
    /* live <- stable, then a refresh: its instances would pull the archived image. */
    plan *p = plan_with(PLAN_ROLLBACK);
    add_copy_step(p, "prod-stable", "prod", D_STABLE);
    add_start_step(p);
    plan_group_checks(p, NULL, NULL, &imgs);
    assert_non_null(p->refusal);
    assert_non_null(strstr(p->refusal, "'prod-stable' (sha256:5ab1e0d2c3b4) is in ECR's archive"));
    assert_non_null(strstr(p->refusal, "update-image-storage-class"));
    assert_non_null(strstr(p->refusal, "instances launched with it would fail to start"));
    assert_non_null(strstr(p->refusal, "Nothing was changed."));
    plan_free(p);

    /* Being restored: refused too, saying to wait. */
    free(imgs.items[1].image_status);
    imgs.items[1].image_status = xstrdup("ACTIVATING");
    p = plan_with(PLAN_ROLLBACK);
    add_copy_step(p, "prod-stable", "prod", D_STABLE);
    add_start_step(p);
    plan_group_checks(p, NULL, NULL, &imgs);
    assert_non_null(p->refusal);
    assert_non_null(strstr(p->refusal, "ACTIVATING"));
    plan_free(p);

    /* Restored: the same plan goes ahead. */
    free(imgs.items[1].image_status);
    imgs.items[1].image_status = xstrdup("ACTIVE");
    p = plan_with(PLAN_ROLLBACK);
    add_copy_step(p, "prod-stable", "prod", D_STABLE);
    add_start_step(p);
    plan_group_checks(p, NULL, NULL, &imgs);
    assert_null(p->refusal);
    plan_free(p);
    MODEL_LIST_FREE(imgs, ecr_image_detail_free);
}

static void test_deploy_and_promote_of_archived_tag(void **state)
{
    (void)state;
    ecr_image_detail_list imgs = { 0 };
    add_image(&imgs, D_LIVE, "ACTIVE", "prod", "c0ffee1");
    add_image(&imgs, D_STABLE, "ARCHIVED", "prod-stable", "9b8e7d6");
    add_image(&imgs, D_NEW, "ACTIVE", "0e00e00", NULL);

    /* deploy 9b8e7d6 (archived): refused before any change. */
    plan *p = plan_with(PLAN_DEPLOY);
    add_copy_step(p, "prod", "prod-stable", D_LIVE);
    add_copy_step(p, "9b8e7d6", "prod", D_STABLE);
    add_start_step(p);
    plan_group_checks(p, NULL, NULL, &imgs);
    assert_non_null(p->refusal);
    assert_non_null(strstr(p->refusal, "'9b8e7d6'"));
    plan_free(p);

    /* promote 9b8e7d6 staging: no refresh, still refused (an archived image nobody can pull). */
    p = plan_with(PLAN_PROMOTE);
    add_copy_step(p, "9b8e7d6", "staging", D_STABLE);
    plan_group_checks(p, NULL, NULL, &imgs);
    assert_non_null(p->refusal);
    assert_non_null(strstr(p->refusal, "'9b8e7d6'"));
    plan_free(p);

    /* deploy 0e00e00 keeping the stable tag (live not proven): the rollback target
     * is archived — said in a note, the deploy itself is fine. */
    p = plan_with(PLAN_DEPLOY);
    add_copy_step(p, "0e00e00", "prod", D_NEW);
    add_start_step(p);
    plan_group_checks(p, NULL, NULL, &imgs);
    assert_null(p->refusal);
    assert_non_null(find_line(&p->notes, "a rollback to it fails until it is restored"));
    assert_non_null(find_line(&p->notes, "'prod-stable'"));
    plan_free(p);

    /* The live image archived and backed up as stable: a note, not a refusal. */
    free(imgs.items[0].image_status);
    imgs.items[0].image_status = xstrdup("ARCHIVED");
    free(imgs.items[1].image_status);
    imgs.items[1].image_status = xstrdup("ACTIVE");
    p = plan_with(PLAN_DEPLOY);
    add_copy_step(p, "prod", "prod-stable", D_LIVE);
    add_copy_step(p, "0e00e00", "prod", D_NEW);
    add_start_step(p);
    plan_group_checks(p, NULL, NULL, &imgs);
    assert_null(p->refusal);
    assert_non_null(find_line(&p->notes, "'prod-stable' will point at it"));
    plan_free(p);

    /* A refresh with no tag move (cancel + refresh of the live tag) of an archived
     * live image is refused too. */
    p = plan_with(PLAN_ROLLBACK);
    add_start_step(p);
    plan_group_checks(p, NULL, NULL, &imgs);
    assert_non_null(p->refusal);
    assert_non_null(strstr(p->refusal, "'prod'"));
    plan_free(p);
    MODEL_LIST_FREE(imgs, ecr_image_detail_free);
}

static void test_group_notes_only_when_instances_are_replaced(void **state)
{
    (void)state;
    asg_group g = { .name = xstrdup("web-asg") };
    VEC_PUSH(g.suspended_processes, suspended("Launch"));
    VEC_PUSH(g.instances, instance("i-1", "Standby", false));
    instance_refresh_list refreshes = { 0 };

    plan *p = plan_with(PLAN_PROMOTE); /* no refresh: nothing about the group */
    add_copy_step(p, "a", "staging", D_NEW);
    plan_group_checks(p, &g, &refreshes, NULL);
    assert_int_equal(p->notes.n, 0);
    plan_free(p);

    p = plan_with(PLAN_DEPLOY_LT); /* the start step's preferences count */
    add_start_step(p);
    p->steps.items[0].prefs.standby_instances = xstrdup("Terminate");
    plan_group_checks(p, &g, &refreshes, NULL);
    assert_non_null(find_line(&p->notes, "suspended processes on web-asg: Launch"));
    assert_non_null(find_line(&p->notes, "StandbyInstances=Terminate"));
    plan_free(p);

    /* RollbackInstanceRefresh: the running refresh's preferences as AWS reports them. */
    instance_refresh *r = VEC_NEW(refreshes);
    r->status = xstrdup("InProgress");
    r->has_preferences = true;
    r->preferences.standby_instances = xstrdup("Ignore");
    p = plan_with(PLAN_ROLLBACK);
    plan_step *s = VEC_NEW(p->steps);
    s->kind = STEP_ROLLBACK_REFRESH;
    plan_group_checks(p, &g, &refreshes, NULL);
    assert_non_null(find_line(&p->notes, "StandbyInstances=Ignore"));
    plan_free(p);
    MODEL_LIST_FREE(refreshes, instance_refresh_free);
    asg_group_free(&g);
}

/* ---- through plan_build: the hook runs on real answers ---- */

static const char GROUPS_XML[] =
    "<DescribeAutoScalingGroupsResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\">"
    "<DescribeAutoScalingGroupsResult><AutoScalingGroups><member>"
    "<AutoScalingGroupName>web-asg</AutoScalingGroupName><MinSize>1</MinSize><MaxSize>4</MaxSize>"
    "<DesiredCapacity>2</DesiredCapacity><LaunchTemplate><LaunchTemplateName>web-lt</LaunchTemplateName>"
    "<Version>3</Version></LaunchTemplate><Instances>"
    "<member><InstanceId>i-0aaa</InstanceId><LifecycleState>InService</LifecycleState>"
    "<HealthStatus>Healthy</HealthStatus><ProtectedFromScaleIn>false</ProtectedFromScaleIn></member>"
    "<member><InstanceId>i-0bbb</InstanceId><LifecycleState>Standby</LifecycleState>"
    "<HealthStatus>Healthy</HealthStatus><ProtectedFromScaleIn>false</ProtectedFromScaleIn></member>"
    "</Instances><SuspendedProcesses><member><ProcessName>HealthCheck</ProcessName>"
    "<SuspensionReason>User suspended at 2024-05-01T10:04:12Z</SuspensionReason></member></SuspendedProcesses>"
    "</member></AutoScalingGroups></DescribeAutoScalingGroupsResult>"
    "<ResponseMetadata><RequestId>g-1</RequestId></ResponseMetadata></DescribeAutoScalingGroupsResponse>";

static const char REFRESHES_XML[] =
    "<DescribeInstanceRefreshesResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\">"
    "<DescribeInstanceRefreshesResult><InstanceRefreshes><member>"
    "<InstanceRefreshId>0b1c2d3e-aaaa-bbbb-cccc-0123456789ab</InstanceRefreshId>"
    "<AutoScalingGroupName>web-asg</AutoScalingGroupName><Status>Successful</Status>"
    "<StartTime>2024-05-01T09:00:00Z</StartTime><EndTime>2024-05-01T09:20:00Z</EndTime>"
    "<PercentageComplete>100</PercentageComplete></member></InstanceRefreshes>"
    "</DescribeInstanceRefreshesResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>"
    "</DescribeInstanceRefreshesResponse>";

static const char IDENTITY_XML[] =
    "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult>"
    "<Arn>arn:aws:iam::123456789012:user/ci</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account>"
    "</GetCallerIdentityResult><ResponseMetadata><RequestId>s-1</RequestId></ResponseMetadata>"
    "</GetCallerIdentityResponse>";

static const char REPOS_JSON[] =
    "{\"repositories\":[{\"repositoryName\":\"web\",\"registryId\":\"123456789012\","
    "\"repositoryArn\":\"arn:aws:ecr:eu-west-1:123456789012:repository/web\",\"imageTagMutability\":\"MUTABLE\"}]}";

static const char IMAGES_JSON[] =
    "{\"imageDetails\":["
    "{\"imageDigest\":\"" D_LIVE "\",\"imageTags\":[\"prod\",\"c0ffee1\"],\"imagePushedAt\":1714564800,"
    "\"imageStatus\":\"ACTIVE\"},"
    "{\"imageDigest\":\"" D_STABLE "\",\"imageTags\":[\"prod-stable\",\"9b8e7d6\"],\"imagePushedAt\":1690000000,"
    "\"imageStatus\":\"ARCHIVED\",\"lastArchivedAt\":1714000000},"
    "{\"imageDigest\":\"" D_NEW "\",\"imageTags\":[\"0e00e00\"],\"imagePushedAt\":1714600000}]}";

static void canned_aws(void *ud, const lb_request *req, lb_response *resp)
{
    (void)ud;
    char target[128];
    const char *body = req->body ? req->body : "";
    if (lb_request_header(req, "x-amz-target", target, sizeof target)) {
        resp->content_type = "application/x-amz-json-1.1";
        if (strstr(target, "DescribeRepositories"))
            resp->body = REPOS_JSON;
        else if (strstr(target, "DescribeImages"))
            resp->body = IMAGES_JSON;
        else {
            resp->status = 400;
            resp->body = "{\"__type\":\"UnknownOperationException\"}";
        }
        return;
    }
    resp->content_type = "text/xml";
    if (strstr(body, "Action=GetCallerIdentity"))
        resp->body = IDENTITY_XML;
    else if (strstr(body, "Action=DescribeAutoScalingGroups"))
        resp->body = GROUPS_XML;
    else if (strstr(body, "Action=DescribeInstanceRefreshes"))
        resp->body = REFRESHES_XML;
    else {
        resp->status = 400;
        resp->body = "<ErrorResponse><Error><Code>InvalidAction</Code><Message>not canned</Message></Error>"
                     "</ErrorResponse>";
    }
}

static plan *build_against(e2e *e, plan_action a, const char *tag, const char *dst)
{
    plan_target t;
    plan_target_init(&t, NULL, "web-asg", "web", "eu-west-1", false);
    plan_request r = { .action = a, .tag = tag, .dst_tag = dst };
    plan *p = plan_build_wait(e->client, &t, &r);
    plan_target_free(&t);
    assert_non_null(p);
    return p;
}

static void test_plan_build_runs_the_checks(void **state)
{
    (void)state;
    e2e e;
    e2e_start(&e);
    lb_set_handler(e.srv, canned_aws, NULL);

    plan *p = build_against(&e, PLAN_ROLLBACK, NULL, NULL);
    assert_non_null(p->refusal);
    assert_non_null(strstr(p->refusal, "'prod-stable' (sha256:5ab1e0d2c3b4) is in ECR's archive"));
    assert_non_null(strstr(p->refusal,
                           "aws ecr update-image-storage-class --region eu-west-1 --repository-name web "
                           "--image-id imageDigest=" D_STABLE " --target-storage-class STANDARD"));
    plan_free(p);

    p = build_against(&e, PLAN_DEPLOY, "9b8e7d6", NULL);
    assert_non_null(p->refusal);
    assert_non_null(strstr(p->refusal, "'9b8e7d6'"));
    plan_free(p);

    p = build_against(&e, PLAN_PROMOTE, "9b8e7d6", "staging");
    assert_non_null(p->refusal);
    plan_free(p);

    /* A deploy of an active image goes ahead, with the group's warnings in its notes. */
    p = build_against(&e, PLAN_DEPLOY, "0e00e00", NULL);
    if (p->refusal)
        fail_msg("refused: %s", p->refusal);
    assert_non_null(find_line(&p->notes,
                              "suspended processes on web-asg: HealthCheck (instance health is not "
                              "checked"));
    assert_non_null(find_line(&p->notes,
                              "1 instance in Standby (i-0bbb): the refresh waits for them "
                              "(StandbyInstances=Wait, the default)"));
    /* The backup moves stable off the archived image: no note about the old one. */
    assert_null(find_line(&p->notes, "a rollback to it fails"));
    strbuf sb;
    sb_init(&sb);
    plan_format(p, &sb);
    assert_non_null(strstr(sb.buf, "StandbyInstances=Wait, the default"));
    sb_free(&sb);
    plan_free(p);
    e2e_stop(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_suspension_effects),
        cmocka_unit_test(test_warnings_suspended),
        cmocka_unit_test(test_warnings_standby_and_protected),
        cmocka_unit_test(test_image_pullable),
        cmocka_unit_test(test_rollback_to_archived_stable_refused),
        cmocka_unit_test(test_deploy_and_promote_of_archived_tag),
        cmocka_unit_test(test_group_notes_only_when_instances_are_replaced),
        cmocka_unit_test(test_plan_build_runs_the_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
