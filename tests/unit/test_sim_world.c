/* test_sim_world.c — the simulator's world without the wire: instance lifecycle
 * timing, target health by thresholds, instance refreshes (good and bad images,
 * checkpoints, cancel, rollback, errors), ECR semantics, paging and determinism. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "scenario.h"
#include "sts.h"
#include "aws/sigv4.h"
#include "world.h"

static const char *const test_yaml =
    "account: \"111122223333\"\n"
    "region: eu-west-1\n"
    "start_time: 2024-05-01T12:00:00Z\n"
    "credentials:\n"
    "  - { access_key_id: AKIATESTKEY000000001, secret_access_key: test-secret-1 }\n"
    "  - { access_key_id: ASIATESTKEY000000002, secret_access_key: test-secret-2, session_token: tok2, user: ci }\n"
    "page_sizes: { DescribeAutoScalingGroups: 1, DescribeImages: 2, DescribeTargetGroups: 1, "
    "DescribeScalingActivities: 3 }\n"
    "launch_templates:\n"
    "  - { name: app-lt, id: lt-0aaaabbbbcccc0001, latest_version: 3, default_version: 1, pinned_tags: { 3: badc } }\n"
    "target_groups:\n"
    "  - { name: app-tg, port: 8080, interval: 10, healthy_threshold: 3, unhealthy_threshold: 2, deregistration_delay: "
    "20 }\n"
    "  - { name: other-tg, port: 9090 }\n"
    "load_balancers:\n"
    "  - name: alb\n"
    "    listeners:\n"
    "      - { port: 80, target_group: app-tg, rules: [ { priority: 5, path_pattern: /x/*, target_group: other-tg } ] "
    "}\n"
    "repositories:\n"
    "  - name: app\n"
    "    images:\n"
    "      - { tags: [c1, prod], layers: [100, 200] }\n"
    "      - { tags: [c2], layers: [300] }\n"
    "      - { tags: [c3], layers: [400] }\n"
    "      - { tags: [badc], bad: true }\n"
    "  - name: locked\n"
    "    mutability: IMMUTABLE_WITH_EXCLUSION\n"
    "    exclusion_filters: [\"prod*\"]\n"
    "    images: [ { tags: [v1, prod] }, { tags: [v2] } ]\n"
    "apps:\n"
    "  - { name: app-asg, min: 1, max: 10, desired: 4, azs: [eu-west-1a, eu-west-1b], launch_template: app-lt,\n"
    "      version: \"1\", health_check_type: ELB, grace_period: 60, default_warmup: 30, target_groups: [app-tg],\n"
    "      repository: app, launch_delay: 20, boot: 5 }\n"
    "  - { name: other-asg, min: 0, max: 4, desired: 1, azs: [eu-west-1a], launch_template: app-lt,\n"
    "      target_groups: [other-tg], repository: app }\n"
    "alarms:\n"
    "  - { name: app-unhealthy, target_group: app-tg, threshold: 0, period: 60, evaluation_periods: 1 }\n";

typedef struct fx {
    sim_scenario *sc;
    sim_world *w;
} fx;

static int setup_world(void **state, const char *name, const char *yaml, uint64_t seed)
{
    char err[256];
    fx *f = calloc(1, sizeof *f);
    f->sc = sim_scenario_parse(name, yaml, strlen(yaml), err, sizeof err);
    if (!f->sc) {
        fprintf(stderr, "%s\n", err);
        free(f);
        return -1;
    }
    f->w = world_new_from_scenario(f->sc, seed, 1);
    *state = f;
    return 0;
}

static int fx_setup(void **state)
{
    return setup_world(state, "test.yaml", test_yaml, 42);
}

static int fx_teardown(void **state)
{
    fx *f = *state;
    world_free(f->w);
    sim_scenario_free(f->sc);
    free(f);
    return 0;
}

/* ---------- helpers ---------- */

static asg_group describe_one(sim_world *w, const char *name)
{
    strvec names = { 0 };
    strvec_push(&names, name);
    asg_group_list l = { 0 };
    char *next = NULL;
    sim_error e = world_describe_asgs(w, &names, NULL, 0, &l, &next);
    assert_true(sim_ok(&e));
    assert_int_equal(l.n, 1);
    asg_group g = l.items[0];
    free(l.items);
    strvec_free(&names);
    free(next);
    return g;
}

static int count_state(const asg_group *g, const char *lc)
{
    int n = 0;
    for (size_t i = 0; i < g->instances.n; i++)
        n += !strcmp(g->instances.items[i].lifecycle_state, lc);
    return n;
}

static instance_refresh get_refresh(sim_world *w, const char *asg, const char *id)
{
    strvec ids = { 0 };
    strvec_push(&ids, id);
    instance_refresh_list l = { 0 };
    char *next = NULL;
    sim_error e = world_describe_refreshes(w, asg, &ids, NULL, 0, &l, &next);
    assert_true(sim_ok(&e));
    assert_int_equal(l.n, 1);
    instance_refresh r = l.items[0];
    free(l.items);
    strvec_free(&ids);
    return r;
}

static bool final_status(const char *s)
{
    return !strcmp(s, "Successful") || !strcmp(s, "Failed") || !strcmp(s, "Cancelled") ||
        !strcmp(s, "RollbackSuccessful") || !strcmp(s, "RollbackFailed");
}

/* Advance in 10 s chunks until the refresh is final (bounded: 6 simulated hours). */
static instance_refresh run_refresh(sim_world *w, const char *asg, const char *id)
{
    for (int i = 0; i < 6 * 360; i++) {
        instance_refresh r = get_refresh(w, asg, id);
        if (final_status(r.status))
            return r;
        instance_refresh_free(&r);
        world_advance(w, 10000);
    }
    return get_refresh(w, asg, id);
}

/* Copies the manifest of repo:tag and puts it as new_tag (the deploy's retag). */
static sim_error retag(sim_world *w, const char *repo, const char *from, const char *to)
{
    sim_image_id_list ids = { 0 };
    sim_image_id *id = VEC_NEW(ids);
    id->image_tag = xstrdup(from);
    ecr_batch_get_result res = { 0 };
    sim_error e = world_ecr_batch_get_image(w, NULL, repo, &ids, NULL, &res);
    assert_true(sim_ok(&e));
    assert_int_equal(res.images.n, 1);
    e = world_ecr_put_image(w, NULL, repo, res.images.items[0].image_manifest, res.images.items[0].image_manifest_len,
                            res.images.items[0].image_manifest_media_type, to, NULL, NULL);
    ecr_batch_get_result_free(&res);
    sim_image_id_list_free(&ids);
    return e;
}

static char *digest_of_tag(sim_world *w, const char *repo, const char *tag)
{
    sim_image_id_list ids = { 0 };
    VEC_NEW(ids)->image_tag = xstrdup(tag);
    ecr_image_detail_list l = { 0 };
    char *next = NULL;
    sim_error e = world_ecr_describe_images(w, NULL, repo, &ids, NULL, NULL, NULL, 0, &l, &next);
    char *d = sim_ok(&e) && l.n ? xstrdup(l.items[0].image_digest) : NULL;
    MODEL_LIST_FREE(l, ecr_image_detail_free);
    sim_image_id_list_free(&ids);
    return d;
}

/* Every event of a type after seq `since`, as parsed JSON objects (caller puts them). */
typedef VEC(json_object *) jlist;
static jlist events_of(sim_world *w, uint64_t since, const char *type)
{
    strbuf sb;
    sb_init(&sb);
    world_events_json(w, since, &sb);
    jlist out = { 0 };
    char *save = NULL;
    for (char *line = strtok_r(sb.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_object *o = json_tokener_parse(line);
        assert_non_null(o);
        json_object *t;
        if (json_object_object_get_ex(o, "type", &t) && !strcmp(json_object_get_string(t), type))
            VEC_PUSH(out, o);
        else
            json_object_put(o);
    }
    sb_free(&sb);
    return out;
}

static void jlist_free(jlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        json_object_put(l->items[i]);
    VEC_FREE(*l);
}

static const char *jstr(json_object *o, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : NULL;
}

static int64_t jint(json_object *o, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : -1;
}

/* ---------- instances and targets ---------- */

static void test_initial_world(void **state)
{
    fx *f = *state;
    asg_group g = describe_one(f->w, "app-asg");
    assert_int_equal(g.desired_capacity, 4);
    assert_int_equal(count_state(&g, "InService"), 4);
    assert_string_equal(g.health_check_type, "ELB");
    assert_int_equal(g.target_group_arns.n, 1);
    assert_non_null(strstr(g.arn, "arn:aws:autoscaling:eu-west-1:111122223333:autoScalingGroup:"));
    /* ids look like AWS's: i-0 + 17 hex */
    const char *id = g.instances.items[0].instance_id;
    assert_int_equal(strlen(id), 19);
    assert_memory_equal(id, "i-0", 3);
    assert_int_equal(strspn(id + 3, "0123456789abcdef"), 16);
    /* spread over both AZs */
    int a = 0;
    for (size_t i = 0; i < g.instances.n; i++)
        a += !strcmp(g.instances.items[i].availability_zone, "eu-west-1a");
    assert_int_equal(a, 2);
    /* targets healthy */
    target_group_list tgs = { 0 };
    char *next = NULL;
    strvec names = { 0 };
    strvec_push(&names, "app-tg");
    assert_true(sim_ok(&(sim_error){ 0 }) || true);
    sim_error e = world_describe_target_groups(f->w, NULL, &names, NULL, NULL, 0, &tgs, &next);
    assert_true(sim_ok(&e));
    assert_int_equal(tgs.n, 1);
    target_health_list th = { 0 };
    e = world_describe_target_health(f->w, tgs.items[0].target_group_arn, NULL, &th);
    assert_true(sim_ok(&e));
    assert_int_equal(th.n, 4);
    for (size_t i = 0; i < th.n; i++)
        assert_string_equal(th.items[i].state, "healthy");
    MODEL_LIST_FREE(th, target_health_desc_free);
    MODEL_LIST_FREE(tgs, target_group_free);
    strvec_free(&names);
    asg_group_free(&g);
    caller_identity ci = { 0 };
    e = world_caller_identity(f->w, "ASIATESTKEY000000002", &ci);
    assert_true(sim_ok(&e));
    assert_string_equal(ci.account, "111122223333");
    assert_non_null(strstr(ci.arn, "assumed-role/ci"));
    caller_identity_free(&ci);
    const char *tok = NULL;
    assert_string_equal(world_credentials(f->w, "AKIATESTKEY000000001", &tok), "test-secret-1");
    assert_null(tok);
    assert_null(world_credentials(f->w, "AKIAUNKNOWN", &tok));
}

/* Assuming a role again gives the same key id with a new secret and token; the
 * earlier session stays valid until it expires (calls signed with it may still be
 * in flight), and each token picks its own secret. */
static void test_sts_sessions_overlap(void **state)
{
    fx *f = *state;
    sts_assume_input in = { .caller = "AKIATESTKEY000000001",
                            .role_arn = "arn:aws:iam::111122223333:role/ops",
                            .session_name = "s1" };
    const char *akid = NULL;
    sim_error e = sts_assume(f->w, &in, &akid);
    assert_true(sim_ok(&e));
    char *id1 = strdup(akid), *tok1 = NULL, *sec1 = NULL;
    const char *t = NULL;
    sec1 = strdup(world_credentials(f->w, id1, &t));
    tok1 = strdup(t);
    e = sts_assume(f->w, &in, &akid);
    assert_true(sim_ok(&e));
    assert_string_equal(akid, id1);
    const char *sec2 = world_credentials(f->w, id1, &t); /* the newest */
    assert_string_not_equal(sec2, sec1);
    assert_string_not_equal(t, tok1);
    assert_string_equal(world_credentials_for(f->w, id1, tok1, &t), sec1); /* the first still works */
    assert_string_equal(t, tok1);
    assert_string_equal(world_credentials_for(f->w, id1, "IQoJsimNOTATOKEN", &t), sec2); /* auth then refuses */
    free(id1);
    free(tok1);
    free(sec1);
}

static void test_pending_to_inservice_and_health(void **state)
{
    fx *f = *state;
    sim_error e = world_set_desired_capacity(f->w, "app-asg", 5);
    assert_true(sim_ok(&e));
    world_advance(f->w, 1000);
    asg_group g = describe_one(f->w, "app-asg");
    assert_int_equal(count_state(&g, "Pending"), 1);
    char newid[32] = "";
    for (size_t i = 0; i < g.instances.n; i++)
        if (!strcmp(g.instances.items[i].lifecycle_state, "Pending"))
            str_copy(newid, sizeof newid, g.instances.items[i].instance_id);
    asg_group_free(&g);
    /* launch_delay 20 s (+ up to 3 s jitter): still Pending at 19 s, InService by 25 s */
    world_advance(f->w, 18000);
    g = describe_one(f->w, "app-asg");
    assert_int_equal(count_state(&g, "Pending"), 1);
    asg_group_free(&g);
    world_advance(f->w, 6000);
    g = describe_one(f->w, "app-asg");
    assert_int_equal(count_state(&g, "InService"), 5);
    strvec tg_arns = { 0 };
    strvec_push(&tg_arns, g.target_group_arns.items[0]);
    asg_group_free(&g);

    /* the target: initial until 3 passing checks 10 s apart, then healthy */
    strvec ids = { 0 };
    strvec_push(&ids, newid);
    target_health_list th = { 0 };
    e = world_describe_target_health(f->w, tg_arns.items[0], &ids, &th);
    assert_true(sim_ok(&e));
    assert_string_equal(th.items[0].state, "initial");
    MODEL_LIST_FREE(th, target_health_desc_free);
    world_advance(f->w, 20000);
    e = world_describe_target_health(f->w, tg_arns.items[0], &ids, &th);
    assert_string_equal(th.items[0].state, "initial");
    assert_string_equal(th.items[0].reason, "Elb.InitialHealthChecking");
    MODEL_LIST_FREE(th, target_health_desc_free);
    world_advance(f->w, 12000);
    e = world_describe_target_health(f->w, tg_arns.items[0], &ids, &th);
    assert_string_equal(th.items[0].state, "healthy");
    MODEL_LIST_FREE(th, target_health_desc_free);

    /* an unknown target answers unused / Target.NotRegistered */
    strvec_free(&ids);
    strvec_push(&ids, "i-0000000000000dead");
    e = world_describe_target_health(f->w, tg_arns.items[0], &ids, &th);
    assert_string_equal(th.items[0].state, "unused");
    assert_string_equal(th.items[0].reason, "Target.NotRegistered");
    MODEL_LIST_FREE(th, target_health_desc_free);

    /* scale in: a target drains for the deregistration delay (20 s) */
    e = world_set_desired_capacity(f->w, "app-asg", 4);
    assert_true(sim_ok(&e));
    world_advance(f->w, 2000);
    e = world_describe_target_health(f->w, tg_arns.items[0], NULL, &th);
    int draining = 0;
    for (size_t i = 0; i < th.n; i++)
        draining += !strcmp(th.items[i].state, "draining");
    assert_int_equal(draining, 1);
    MODEL_LIST_FREE(th, target_health_desc_free);
    world_advance(f->w, 25000);
    e = world_describe_target_health(f->w, tg_arns.items[0], NULL, &th);
    assert_int_equal(th.n, 4);
    MODEL_LIST_FREE(th, target_health_desc_free);

    /* out of bounds */
    e = world_set_desired_capacity(f->w, "app-asg", 11);
    assert_string_equal(e.code, "ValidationError");
    strvec_free(&ids);
    strvec_free(&tg_arns);

    /* ec2 view */
    ec2_instance_list el = { 0 };
    char *next = NULL;
    strvec one = { 0 };
    strvec_push(&one, newid);
    e = world_describe_instances(f->w, &one, NULL, 0, &el, &next);
    assert_true(sim_ok(&e));
    assert_int_equal(el.n, 1);
    assert_non_null(el.items[0].private_ip_address);
    assert_true(el.items[0].launch_time > 0);
    MODEL_LIST_FREE(el, ec2_instance_free);
    strvec_free(&one);
    strvec_push(&one, "i-0ffffffffffffffff");
    e = world_describe_instances(f->w, &one, NULL, 0, &el, &next);
    assert_string_equal(e.code, "InvalidInstanceID.NotFound");
    strvec_free(&one);
}

/* ---------- refreshes ---------- */

static void test_refresh_good_image(void **state)
{
    fx *f = *state;
    char *good = digest_of_tag(f->w, "app", "c2");
    sim_error e = retag(f->w, "app", "c2", "prod");
    assert_true(sim_ok(&e));
    asg_group before = describe_one(f->w, "app-asg");
    uint64_t since = world_events_last_seq(f->w);

    /* a warm-up shorter than the group's default (30 s): the refresh's one applies */
    refresh_prefs p = { .has_min_healthy_percentage = true,
                        .min_healthy_percentage = 75,
                        .has_instance_warmup = true,
                        .instance_warmup = 10 };
    char *id = NULL;
    e = world_start_refresh(f->w, "app-asg", NULL, &p, NULL, &id);
    assert_true(sim_ok(&e));
    assert_int_equal(strlen(id), 36);
    /* a second start while this one is active */
    char *id2 = NULL;
    e = world_start_refresh(f->w, "app-asg", NULL, &p, NULL, &id2);
    assert_string_equal(e.code, "InstanceRefreshInProgress");
    assert_null(id2);

    instance_refresh r = run_refresh(f->w, "app-asg", id);
    assert_string_equal(r.status, "Successful");
    assert_int_equal(r.percentage_complete, 100);
    assert_int_equal(r.instances_to_update, 0);
    assert_true(r.end_time > r.start_time);
    assert_int_equal(r.preferences.min_healthy_percentage, 75);
    assert_int_equal(r.preferences.max_healthy_percentage, 100);
    instance_refresh_free(&r);

    /* every instance replaced, each pulled the new digest */
    asg_group after = describe_one(f->w, "app-asg");
    assert_int_equal(count_state(&after, "InService"), 4);
    for (size_t i = 0; i < after.instances.n; i++)
        for (size_t j = 0; j < before.instances.n; j++)
            assert_string_not_equal(after.instances.items[i].instance_id, before.instances.items[j].instance_id);
    jlist launched = events_of(f->w, since, "instance_launched");
    assert_int_equal(launched.n, 4);
    for (size_t i = 0; i < launched.n; i++)
        assert_string_equal(jstr(launched.items[i], "digest"), good);
    jlist_free(&launched);

    /* the healthy count never went under MinHealthyPercentage (75 % of 4 = 3) */
    jlist healthy = events_of(f->w, since, "asg_healthy");
    assert_true(healthy.n >= 2);
    int lowest = 99;
    for (size_t i = 0; i < healthy.n; i++)
        if (!strcmp(jstr(healthy.items[i], "asg"), "app-asg") && jint(healthy.items[i], "healthy") < lowest)
            lowest = (int)jint(healthy.items[i], "healthy");
    assert_int_equal(lowest, 3);
    jlist_free(&healthy);

    /* activities: newest first, launches and terminations with AWS-like text */
    scaling_activity_list acts = { 0 };
    char *next = NULL;
    e = world_describe_activities(f->w, "app-asg", NULL, NULL, 0, &acts, &next);
    assert_true(sim_ok(&e));
    assert_int_equal(acts.n, 3); /* the scenario's page size */
    assert_non_null(next);
    assert_true(acts.items[0].start_time >= acts.items[1].start_time);
    bool saw_refresh_cause = false;
    for (size_t i = 0; i < acts.n; i++) {
        assert_true(!strncmp(acts.items[i].description, "Launching a new EC2 instance: i-0", 33) ||
                    !strncmp(acts.items[i].description, "Terminating EC2 instance: i-0", 29));
        saw_refresh_cause |= strstr(acts.items[i].cause, "in response to an instance refresh") != NULL;
        assert_string_equal(acts.items[i].status_code, "Successful");
    }
    assert_true(saw_refresh_cause);
    MODEL_LIST_FREE(acts, scaling_activity_free);
    free(next);

    /* after it ends: cancel and rollback have nothing to act on */
    char *cid = NULL;
    e = world_cancel_refresh(f->w, "app-asg", true, &cid);
    assert_string_equal(e.code, "ActiveInstanceRefreshNotFound");
    e = world_rollback_refresh(f->w, "app-asg", &cid);
    assert_string_equal(e.code, "ActiveInstanceRefreshNotFound");
    asg_group_free(&before);
    asg_group_free(&after);
    free(id);
    free(good);
}

static void test_refresh_max_healthy_launches_first(void **state)
{
    fx *f = *state;
    uint64_t since = world_events_last_seq(f->w);
    refresh_prefs p = { .has_min_healthy_percentage = true,
                        .min_healthy_percentage = 100,
                        .has_max_healthy_percentage = true,
                        .max_healthy_percentage = 150 };
    char *id = NULL;
    sim_error e = world_start_refresh(f->w, "app-asg", "Rolling", &p, NULL, &id);
    assert_true(sim_ok(&e));
    instance_refresh r = run_refresh(f->w, "app-asg", id);
    assert_string_equal(r.status, "Successful");
    instance_refresh_free(&r);
    /* MinHealthy 100: healthy never below 4, and the first launch comes before any termination */
    jlist healthy = events_of(f->w, since, "asg_healthy");
    for (size_t i = 0; i < healthy.n; i++)
        if (!strcmp(jstr(healthy.items[i], "asg"), "app-asg"))
            assert_true(jint(healthy.items[i], "healthy") >= 4);
    jlist_free(&healthy);
    jlist launched = events_of(f->w, since, "instance_launched");
    jlist term = events_of(f->w, since, "instance_terminating");
    assert_int_equal(launched.n, 4);
    assert_int_equal(term.n, 4);
    assert_true(jint(launched.items[0], "seq") < jint(term.items[0], "seq"));
    jlist_free(&launched);
    jlist_free(&term);
    free(id);
}

static void test_refresh_bad_image_fails(void **state)
{
    fx *f = *state;
    sim_error e = retag(f->w, "app", "badc", "prod");
    assert_true(sim_ok(&e));
    char *id = NULL;
    e = world_start_refresh(f->w, "app-asg", NULL, NULL, NULL, &id);
    assert_true(sim_ok(&e));
    instance_refresh r = run_refresh(f->w, "app-asg", id);
    assert_string_equal(r.status, "Failed");
    assert_non_null(r.status_reason);
    assert_non_null(strstr(r.status_reason, "health checks"));
    assert_true(r.percentage_complete < 100);
    assert_false(r.rollback_details.present);
    /* the user guide's hour of retrying, not a count of failed replacements */
    assert_true(r.end_time - r.start_time >= 3600 * 1000);
    assert_true(r.end_time - r.start_time < 2 * 3600 * 1000);
    instance_refresh_free(&r);
    /* the default MinHealthyPercentage (90 % of 4 → 3) held: at least 3 healthy instances remain */
    asg_group g = describe_one(f->w, "app-asg");
    assert_true(count_state(&g, "InService") >= 3);
    asg_group_free(&g);
    /* the unhealthy targets put the alarm in ALARM */
    cw_alarm_list al = { 0 };
    char *next = NULL;
    e = world_describe_alarms(f->w, NULL, "app-", NULL, NULL, NULL, 0, &al, &next);
    assert_true(sim_ok(&e));
    assert_int_equal(al.n, 1);
    assert_string_equal(al.items[0].alarm_name, "app-unhealthy");
    MODEL_LIST_FREE(al, cw_alarm_free);
    jlist alarms = events_of(f->w, 0, "alarm_state");
    bool alarmed = false;
    for (size_t i = 0; i < alarms.n; i++)
        alarmed |= !strcmp(jstr(alarms.items[i], "to"), "ALARM");
    assert_true(alarmed);
    jlist_free(&alarms);
    free(id);
}

static void test_refresh_auto_rollback(void **state)
{
    fx *f = *state;
    /* version 3 of the template pins the bad image (as a bad AMI would be) */
    refresh_prefs p = { .has_auto_rollback = true,
                        .auto_rollback = true,
                        .has_min_healthy_percentage = true,
                        .min_healthy_percentage = 50 };
    lt_spec want = { .launch_template_id = "lt-0aaaabbbbcccc0001", .version = "3" };
    char *id = NULL;
    sim_error e = world_start_refresh(f->w, "app-asg", NULL, &p, &want, &id);
    assert_true(sim_ok(&e));
    instance_refresh r = run_refresh(f->w, "app-asg", id);
    assert_string_equal(r.status, "RollbackSuccessful");
    assert_non_null(r.status_reason);
    assert_non_null(strstr(r.status_reason, "health checks"));
    assert_true(r.rollback_details.present);
    assert_non_null(r.rollback_details.rollback_reason);
    assert_true(r.rollback_details.rollback_start_time >= r.start_time);
    assert_true(r.rollback_details.has_percentage_complete_on_rollback);
    assert_true(r.rollback_details.has_instances_to_update_on_rollback);
    assert_true(r.has_desired_configuration);
    assert_string_equal(r.desired_launch_template.version, "3");
    instance_refresh_free(&r);
    /* every instance is back on version 1 of the template and the group never took version 3 */
    asg_group g = describe_one(f->w, "app-asg");
    assert_string_equal(g.launch_template.version, "1");
    assert_int_equal(count_state(&g, "InService"), 4);
    for (size_t i = 0; i < g.instances.n; i++)
        if (!strcmp(g.instances.items[i].lifecycle_state, "InService"))
            assert_string_equal(g.instances.items[i].launch_template.version, "1");
    asg_group_free(&g);
    free(id);

    /* a manual rollback of a good refresh with a desired configuration */
    want.version = "2";
    e = world_start_refresh(f->w, "app-asg", NULL, NULL, &want, &id);
    assert_true(sim_ok(&e));
    world_advance(f->w, 40000);
    char *rid = NULL;
    e = world_rollback_refresh(f->w, "app-asg", &rid);
    assert_true(sim_ok(&e));
    assert_string_equal(rid, id);
    free(rid);
    r = get_refresh(f->w, "app-asg", id);
    assert_string_equal(r.status, "RollbackInProgress");
    instance_refresh_free(&r);
    e = world_rollback_refresh(f->w, "app-asg", &rid);
    assert_string_equal(e.code, "ActiveInstanceRefreshNotFound");
    r = run_refresh(f->w, "app-asg", id);
    assert_string_equal(r.status, "RollbackSuccessful");
    instance_refresh_free(&r);
    free(id);
}

static void test_refresh_checkpoints_and_cancel(void **state)
{
    fx *f = *state;
    /* MinHealthy 0 would allow replacing all four at once: the 50 % checkpoint holds it to two */
    uint64_t since = world_events_last_seq(f->w);
    refresh_prefs p = { .has_min_healthy_percentage = true,
                        .min_healthy_percentage = 0,
                        .has_checkpoint_delay = true,
                        .checkpoint_delay = 600 };
    VEC_PUSH(p.checkpoint_percentages, 50);
    VEC_PUSH(p.checkpoint_percentages, 100);
    char *id = NULL;
    sim_error e = world_start_refresh(f->w, "app-asg", NULL, &p, NULL, &id);
    VEC_FREE(p.checkpoint_percentages);
    assert_true(sim_ok(&e));
    instance_refresh r = { 0 };
    bool paused = false;
    for (int i = 0; i < 500 && !paused; i++) {
        world_advance(f->w, 5000);
        r = get_refresh(f->w, "app-asg", id);
        paused = r.status_reason && strstr(r.status_reason, "checkpoint");
        if (!paused)
            instance_refresh_free(&r);
    }
    assert_true(paused);
    assert_string_equal(r.status, "InProgress");
    assert_int_equal(r.percentage_complete, 50);
    assert_int_equal(r.instances_to_update, 2);
    assert_true(r.progress_details.has_live);
    assert_int_equal(r.progress_details.live_percentage_complete, 50);
    instance_refresh_free(&r);
    jlist launched = events_of(f->w, since, "instance_launched");
    assert_int_equal(launched.n, 2);
    jlist_free(&launched);
    /* paused: nothing moves for the checkpoint delay */
    asg_group a = describe_one(f->w, "app-asg");
    world_advance(f->w, 300000);
    asg_group b = describe_one(f->w, "app-asg");
    assert_int_equal(a.instances.n, b.instances.n);
    for (size_t i = 0; i < a.instances.n; i++)
        assert_string_equal(a.instances.items[i].instance_id, b.instances.items[i].instance_id);
    asg_group_free(&a);
    asg_group_free(&b);
    r = get_refresh(f->w, "app-asg", id);
    assert_int_equal(r.percentage_complete, 50);
    instance_refresh_free(&r);

    /* rollback without DesiredConfiguration is irreversible; cancel works */
    char *rid = NULL;
    e = world_rollback_refresh(f->w, "app-asg", &rid);
    assert_string_equal(e.code, "IrreversibleInstanceRefresh");
    e = world_cancel_refresh(f->w, "app-asg", true, &rid);
    assert_true(sim_ok(&e));
    assert_string_equal(rid, id);
    free(rid);
    r = get_refresh(f->w, "app-asg", id);
    assert_string_equal(r.status, "Cancelling");
    instance_refresh_free(&r);
    r = run_refresh(f->w, "app-asg", id);
    assert_string_equal(r.status, "Cancelled");
    instance_refresh_free(&r);
    rid = NULL;
    e = world_cancel_refresh(f->w, "app-asg", true, &rid);
    assert_string_equal(e.code, "ActiveInstanceRefreshNotFound");
    free(id);
}

static void test_refresh_skip_matching_and_validation(void **state)
{
    fx *f = *state;
    refresh_prefs p = { .has_skip_matching = true, .skip_matching = true };
    char *id = NULL;
    uint64_t since = world_events_last_seq(f->w);
    sim_error e = world_start_refresh(f->w, "app-asg", NULL, &p, NULL, &id);
    assert_true(sim_ok(&e));
    instance_refresh r = run_refresh(f->w, "app-asg", id);
    assert_string_equal(r.status, "Successful");
    assert_int_equal(r.percentage_complete, 100);
    instance_refresh_free(&r);
    jlist launched = events_of(f->w, since, "instance_launched");
    assert_int_equal(launched.n, 0);
    jlist_free(&launched);
    free(id);

    refresh_prefs bad = { .has_min_healthy_percentage = true,
                          .min_healthy_percentage = 20,
                          .has_max_healthy_percentage = true,
                          .max_healthy_percentage = 150 };
    e = world_start_refresh(f->w, "app-asg", NULL, &bad, NULL, &id);
    assert_string_equal(e.code, "ValidationError");
    e = world_start_refresh(f->w, "no-such-asg", NULL, NULL, NULL, &id);
    assert_string_equal(e.code, "ValidationError");
    lt_spec latest = { .launch_template_id = "lt-0aaaabbbbcccc0001", .version = "9" };
    e = world_start_refresh(f->w, "app-asg", NULL, NULL, &latest, &id);
    assert_string_equal(e.code, "ValidationError");
    refresh_prefs ar = { .has_auto_rollback = true, .auto_rollback = true };
    e = world_start_refresh(f->w, "app-asg", NULL, &ar, NULL, &id);
    assert_string_equal(e.code, "ValidationError");
    /* $Latest is accepted but cannot be rolled back */
    latest.version = "$Latest";
    e = world_start_refresh(f->w, "app-asg", NULL, NULL, &latest, &id);
    assert_true(sim_ok(&e));
    char *rid = NULL;
    e = world_rollback_refresh(f->w, "app-asg", &rid);
    assert_string_equal(e.code, "IrreversibleInstanceRefresh");
    free(id);
}

static void test_refresh_alarm_specification(void **state)
{
    fx *f = *state;
    refresh_prefs p = { .has_alarm_specification = true };
    strvec_push(&p.alarms, "app-unhealthy");
    char *id = NULL;
    sim_error e = world_start_refresh(f->w, "app-asg", NULL, &p, NULL, &id);
    assert_true(sim_ok(&e));
    world_advance(f->w, 5000);
    e = world_set_alarm_state(f->w, "app-unhealthy", "ALARM", "test");
    assert_true(sim_ok(&e));
    world_advance(f->w, 2000);
    instance_refresh r = get_refresh(f->w, "app-asg", id);
    assert_string_equal(r.status, "Failed");
    assert_non_null(strstr(r.status_reason, "app-unhealthy"));
    instance_refresh_free(&r);
    strvec_free(&p.alarms);
    strvec_push(&p.alarms, "no-such-alarm");
    e = world_start_refresh(f->w, "app-asg", NULL, &p, NULL, &id);
    assert_string_equal(e.code, "ValidationError");
    strvec_free(&p.alarms);
    e = world_set_alarm_state(f->w, "nope", "OK", NULL);
    assert_string_equal(e.code, "ResourceNotFound");
    free(id);
}

/* ---------- ECR ---------- */

static void test_ecr(void **state)
{
    fx *f = *state;
    const char *m = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
                    "\"config\":{\"mediaType\":\"application/"
                    "vnd.docker.container.image.v1+json\",\"size\":7,\"digest\":\"sha256:00\"},"
                    "\"layers\":[{\"size\":1000},{\"size\":234}]}";
    char hex[65], want[80];
    sigv4_sha256_hex(m, strlen(m), hex);
    snprintf(want, sizeof want, "sha256:%s", hex);
    ecr_image img = { 0 };
    sim_error e = world_ecr_put_image(f->w, NULL, "app", m, strlen(m), NULL, "newtag", NULL, &img);
    assert_true(sim_ok(&e));
    assert_string_equal(img.image_digest, want);
    assert_string_equal(img.image_manifest_media_type, "application/vnd.docker.distribution.manifest.v2+json");
    ecr_image_free(&img);
    /* same tag, same digest */
    e = world_ecr_put_image(f->w, NULL, "app", m, strlen(m), NULL, "newtag", NULL, NULL);
    assert_string_equal(e.code, "ImageAlreadyExistsException");
    /* size is the sum of the layers */
    char *d = digest_of_tag(f->w, "app", "newtag");
    assert_string_equal(d, want);
    free(d);
    sim_image_id_list ids = { 0 };
    VEC_NEW(ids)->image_tag = xstrdup("newtag");
    ecr_image_detail_list dl = { 0 };
    char *next = NULL;
    e = world_ecr_describe_images(f->w, NULL, "app", &ids, NULL, NULL, NULL, 0, &dl, &next);
    assert_true(sim_ok(&e));
    assert_int_equal(dl.items[0].image_size_in_bytes, 1234);
    assert_true(dl.items[0].image_pushed_at > 0);
    MODEL_LIST_FREE(dl, ecr_image_detail_free);
    /* the tag moves; the old holder keeps its other tags */
    char *c1 = digest_of_tag(f->w, "app", "c1");
    e = world_ecr_put_image(f->w, NULL, "app", m, strlen(m), NULL, "prod", NULL, NULL);
    assert_true(sim_ok(&e));
    d = digest_of_tag(f->w, "app", "prod");
    assert_string_equal(d, want);
    free(d);
    d = digest_of_tag(f->w, "app", "c1");
    assert_string_equal(d, c1);
    free(d);
    free(c1);
    /* errors */
    e = world_ecr_put_image(f->w, NULL, "app", "not json", 8, NULL, "x", NULL, NULL);
    assert_string_equal(e.code, "InvalidParameterException");
    /* an OCI manifest without mediaType needs imageManifestMediaType */
    const char *bare =
        "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\"},\"layers\":[]}";
    e = world_ecr_put_image(f->w, NULL, "app", bare, strlen(bare), NULL, "bare", NULL, NULL);
    assert_string_equal(e.code, "InvalidParameterException");
    e = world_ecr_put_image(f->w, NULL, "app", bare, strlen(bare), "application/vnd.oci.image.manifest.v1+json", "bare",
                            NULL, NULL);
    assert_true(sim_ok(&e));
    e = world_ecr_put_image(f->w, NULL, "app", m, strlen(m), "application/vnd.oci.image.manifest.v1+json", "z", NULL,
                            NULL);
    assert_string_equal(e.code, "InvalidParameterException");
    e = world_ecr_put_image(f->w, NULL, "app", m, strlen(m), NULL, "y", "sha256:0000", NULL);
    assert_string_equal(e.code, "ImageDigestDoesNotMatchException");
    e = world_ecr_put_image(f->w, NULL, "nope", m, strlen(m), NULL, "y", NULL, NULL);
    assert_string_equal(e.code, "RepositoryNotFoundException");
    /* immutable tags, except those matching the exclusion filter */
    e = retag(f->w, "locked", "v2", "v1");
    assert_string_equal(e.code, "ImageTagAlreadyExistsException");
    e = retag(f->w, "locked", "v2", "prod");
    assert_true(sim_ok(&e));

    /* BatchGetImage: not found, media types */
    sim_image_id_list_free(&ids);
    VEC_NEW(ids)->image_tag = xstrdup("missing");
    VEC_NEW(ids)->image_tag = xstrdup("c1");
    ecr_batch_get_result res = { 0 };
    e = world_ecr_batch_get_image(f->w, NULL, "app", &ids, NULL, &res);
    assert_true(sim_ok(&e));
    assert_int_equal(res.images.n, 1);
    assert_int_equal(res.failures.n, 1);
    assert_string_equal(res.failures.items[0].failure_code, "ImageNotFound");
    ecr_batch_get_result_free(&res);
    strvec oci_only = { 0 };
    strvec_push(&oci_only, "application/vnd.oci.image.manifest.v1+json");
    e = world_ecr_batch_get_image(f->w, NULL, "app", &ids, &oci_only, &res);
    assert_int_equal(res.images.n, 0);
    assert_int_equal(res.failures.n, 2);
    assert_string_equal(res.failures.items[1].failure_code, "ImageNotFound");
    assert_non_null(strstr(res.failures.items[1].failure_reason, "acceptedMediaTypes"));
    ecr_batch_get_result_free(&res);
    strvec_free(&oci_only);

    /* an OCI index: stored as sent, fetched only when accepted */
    const char *idx =
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}";
    e = world_ecr_put_image(f->w, NULL, "app", idx, strlen(idx), NULL, "multi", NULL, NULL);
    assert_true(sim_ok(&e));
    sim_image_id_list_free(&ids);
    VEC_NEW(ids)->image_tag = xstrdup("multi");
    e = world_ecr_batch_get_image(f->w, NULL, "app", &ids, NULL, &res);
    assert_int_equal(res.failures.n, 1);
    ecr_batch_get_result_free(&res);
    strvec acc = { 0 };
    strvec_push(&acc, "application/vnd.oci.image.index.v1+json");
    e = world_ecr_batch_get_image(f->w, NULL, "app", &ids, &acc, &res);
    assert_int_equal(res.images.n, 1);
    assert_memory_equal(res.images.items[0].image_manifest, idx, strlen(idx));
    ecr_batch_get_result_free(&res);
    strvec_free(&acc);

    /* BatchDeleteImage: removing the last tag removes the image */
    sim_image_id_list deleted = { 0 };
    sim_image_failure_list fails = { 0 };
    e = world_ecr_batch_delete_image(f->w, NULL, "app", &ids, &deleted, &fails);
    assert_true(sim_ok(&e));
    assert_int_equal(deleted.n, 1);
    assert_int_equal(fails.n, 0);
    sim_image_id_list_free(&deleted);
    e = world_ecr_batch_delete_image(f->w, NULL, "app", &ids, &deleted, &fails);
    assert_int_equal(fails.n, 1);
    assert_string_equal(fails.items[0].failure_code, "ImageNotFound");
    sim_image_failure_list_free(&fails);
    sim_image_id_list_free(&deleted);
    sim_image_id_list_free(&ids);
}

/* ---------- paging ---------- */

static void test_paging(void **state)
{
    fx *f = *state;
    asg_group_list l = { 0 };
    char *next = NULL;
    sim_error e = world_describe_asgs(f->w, NULL, NULL, 0, &l, &next);
    assert_true(sim_ok(&e));
    assert_int_equal(l.n, 1);
    assert_non_null(next);
    char *next2 = NULL;
    e = world_describe_asgs(f->w, NULL, next, 0, &l, &next2);
    assert_true(sim_ok(&e));
    assert_int_equal(l.n, 2);
    assert_null(next2);
    assert_string_not_equal(l.items[0].name, l.items[1].name);
    MODEL_LIST_FREE(l, asg_group_free);
    e = world_describe_asgs(f->w, NULL, "bogus-token", 0, &l, &next2);
    assert_string_equal(e.code, "InvalidNextToken");
    free(next);

    /* images: 2 per page over 4 images */
    ecr_image_detail_list dl = { 0 };
    char *tok = NULL;
    int pages = 0;
    do {
        char *t2 = NULL;
        e = world_ecr_describe_images(f->w, NULL, "app", NULL, NULL, NULL, tok, 0, &dl, &t2);
        assert_true(sim_ok(&e));
        free(tok);
        tok = t2;
        pages++;
    } while (tok && pages < 10);
    assert_int_equal(pages, 2);
    assert_int_equal(dl.n, 4);
    MODEL_LIST_FREE(dl, ecr_image_detail_free);

    /* target groups paged by Marker */
    target_group_list tl = { 0 };
    char *marker = NULL;
    e = world_describe_target_groups(f->w, NULL, NULL, NULL, NULL, 0, &tl, &marker);
    assert_int_equal(tl.n, 1);
    assert_non_null(marker);
    char *m2 = NULL;
    e = world_describe_target_groups(f->w, NULL, NULL, NULL, marker, 0, &tl, &m2);
    assert_int_equal(tl.n, 2);
    assert_null(m2);
    MODEL_LIST_FREE(tl, target_group_free);
    free(marker);

    /* listeners and rules of the load balancer */
    load_balancer_list lbs = { 0 };
    e = world_describe_load_balancers(f->w, NULL, NULL, NULL, 0, &lbs, &marker);
    assert_int_equal(lbs.n, 1);
    lb_listener_list ls = { 0 };
    e = world_describe_listeners(f->w, lbs.items[0].load_balancer_arn, NULL, NULL, 0, &ls, &marker);
    assert_true(sim_ok(&e));
    assert_int_equal(ls.n, 1);
    lb_rule_list rules = { 0 };
    e = world_describe_rules(f->w, ls.items[0].listener_arn, NULL, NULL, 0, &rules, &marker);
    assert_int_equal(rules.n, 2);
    assert_string_equal(rules.items[0].priority, "5");
    assert_string_equal(rules.items[0].condition_summaries.items[0], "path-pattern=/x/*");
    assert_true(rules.items[1].is_default);
    MODEL_LIST_FREE(rules, lb_rule_free);
    MODEL_LIST_FREE(ls, lb_listener_free);
    MODEL_LIST_FREE(lbs, load_balancer_free);

    lt_version_list vl = { 0 };
    e = world_describe_lt_versions(f->w, "lt-0aaaabbbbcccc0001", NULL, NULL, &vl);
    assert_true(sim_ok(&e));
    assert_int_equal(vl.n, 3);
    MODEL_LIST_FREE(vl, lt_version_free);
}

/* ---------- determinism ---------- */

static char *scripted_run(const sim_scenario *sc, uint64_t seed)
{
    sim_world *w = world_new_from_scenario(sc, seed, 1);
    retag(w, "app", "c3", "prod");
    char *id = NULL;
    world_start_refresh(w, "app-asg", NULL, NULL, NULL, &id);
    for (int i = 0; i < 200; i++)
        world_advance(w, 7000);
    world_set_desired_capacity(w, "other-asg", 3);
    for (int i = 0; i < 100; i++)
        world_advance(w, 3000);
    strbuf sb;
    sb_init(&sb);
    world_events_json(w, 0, &sb);
    world_free(w);
    free(id);
    char *out = sb_steal(&sb);
    sb_free(&sb);
    return out;
}

static void test_determinism(void **state)
{
    fx *f = *state;
    char *a = scripted_run(f->sc, 7), *b = scripted_run(f->sc, 7), *c = scripted_run(f->sc, 8);
    assert_true(strlen(a) > 1000);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    free(a);
    free(b);
    free(c);

    /* world_sync maps wall time × speed onto the simulated clock */
    sim_world *w = world_new_from_scenario(f->sc, 1, 10);
    aws_time t0 = world_now_ms(w);
    world_sync(w, 5000);
    world_sync(w, 8000); /* 3 s of wall time at 10× */
    assert_int_equal(world_now_ms(w) - t0, 30000);
    world_advance(w, 60000);
    world_sync(w, 8000);
    assert_int_equal(world_now_ms(w) - t0, 90000);
    world_free(w);
}

/* ---------- the documented rules (docs/simulator.md), on a world of their own ---------- */

static const char *const rules_yaml =
    "start_time: 2024-05-01T12:00:00Z\n"
    "credentials: [{access_key_id: AKIATESTKEY000000001, secret_access_key: s}]\n"
    "launch_templates: [{name: lt, id: lt-0aaaabbbbcccc0002, latest_version: 3, default_version: 1, pinned_tags: {3: "
    "arch}}]\n"
    "target_groups:\n"
    "  - {name: tg, interval: 10, healthy_threshold: 2, unhealthy_threshold: 2, deregistration_delay: 5}\n"
    "  - {name: idle-tg, interval: 10}\n"
    "load_balancers: [{name: alb, listeners: [{port: 80, target_group: tg}]}]\n"
    "repositories:\n"
    "  - name: app\n"
    "    images: [{tags: [v1, prod]}, {tags: [arch], status: ARCHIVED, archived_at: 60}]\n"
    "apps:\n"
    "  - {name: g, min: 1, max: 10, desired: 6, azs: [a, b], launch_template: lt, version: \"1\", health_check_type: "
    "ELB,\n"
    "     grace_period: 60, default_warmup: 10, target_groups: [tg, idle-tg], repository: app, launch_delay: 10, boot: "
    "5,\n"
    "     standby_instances: 1, warm_pool: {max_group_prepared_capacity: 8}}\n"
    "alarms:\n"
    "  - {name: m1, metrics: [{id: e, expression: \"1\"}], threshold: 1, state: OK}\n"
    "  - {name: m2, metrics: [{id: e, expression: \"1\"}], threshold: 1, state: OK}\n"
    "  - {name: both, rule: ALARM(m1) AND ALARM(m2)}\n";

static int rules_setup(void **state)
{
    return setup_world(state, "rules.yaml", rules_yaml, 5);
}

static void test_start_refresh_refusals(void **state)
{
    fx *f = *state;
    char *id = NULL;
    refresh_prefs p = { .has_checkpoint_delay = true, .checkpoint_delay = 60 };
    sim_error e = world_start_refresh(f->w, "g", NULL, &p, NULL, &id);
    assert_string_equal(e.code, "ValidationError");
    assert_int_equal(e.http_status, 400);
    assert_string_equal(e.message, "CheckpointDelay can only be specified together with CheckpointPercentages.");
    refresh_prefs q = { .has_max_healthy_percentage = true, .max_healthy_percentage = 120 };
    e = world_start_refresh(f->w, "g", NULL, &q, NULL, &id);
    assert_string_equal(e.message, "You must specify MinHealthyPercentage when you specify MaxHealthyPercentage.");
    refresh_prefs m = { .has_min_healthy_percentage = true, .min_healthy_percentage = 101 };
    e = world_start_refresh(f->w, "g", NULL, &m, NULL, &id);
    assert_string_equal(e.message,
                        "1 validation error detected: Value '101' at 'preferences.minHealthyPercentage' "
                        "failed to satisfy constraint: Member must have value less than or equal to 100");
    refresh_prefs en = { .standby_instances = "Keep" };
    e = world_start_refresh(f->w, "g", NULL, &en, NULL, &id);
    assert_string_equal(e.message,
                        "1 validation error detected: Value 'Keep' at 'preferences.standbyInstances' "
                        "failed to satisfy constraint: Member must satisfy enum value set: [Terminate, Ignore, Wait]");
    lt_spec none = { .version = "2" };
    e = world_start_refresh(f->w, "g", NULL, NULL, &none, &id);
    assert_string_equal(e.message, "Valid requests must contain either LaunchTemplateId or LaunchTemplateName.");
    assert_null(id);
    /* nothing was started by any of them */
    instance_refresh_list l = { 0 };
    char *next = NULL;
    e = world_describe_refreshes(f->w, "g", NULL, NULL, 0, &l, &next);
    assert_int_equal(l.n, 0);
}

static void test_rollback_goes_down_and_can_be_cancelled(void **state)
{
    fx *f = *state;
    refresh_prefs p = { .has_min_healthy_percentage = true,
                        .min_healthy_percentage = 50,
                        .standby_instances = "Ignore" };
    lt_spec want = { .launch_template_id = "lt-0aaaabbbbcccc0002", .version = "2" };
    char *id = NULL;
    sim_error e = world_start_refresh(f->w, "g", NULL, &p, &want, &id);
    assert_true(sim_ok(&e));
    instance_refresh r = { 0 };
    for (int i = 0; i < 200; i++) {
        world_advance(f->w, 5000);
        r = get_refresh(f->w, "g", id);
        if (r.percentage_complete >= 50)
            break;
        instance_refresh_free(&r);
    }
    int p0 = r.percentage_complete, left0 = r.instances_to_update;
    assert_true(p0 >= 50 && p0 < 100);
    instance_refresh_free(&r);
    char *rid = NULL;
    e = world_rollback_refresh(f->w, "g", &rid);
    assert_true(sim_ok(&e));
    free(rid);
    r = get_refresh(f->w, "g", id);
    assert_string_equal(r.status, "RollbackInProgress");
    assert_int_equal(r.percentage_complete, p0);    /* from where the refresh was */
    assert_int_equal(r.instances_to_update, left0); /* the instances it had not updated */
    assert_int_equal(r.rollback_details.percentage_complete_on_rollback, p0);
    assert_int_equal(r.rollback_details.instances_to_update_on_rollback, left0);
    assert_true(r.rollback_details.progress_details_on_rollback.has_live);
    int last = r.percentage_complete;
    instance_refresh_free(&r);
    /* it goes down, never up, while the rollback replaces the refresh's instances */
    bool lower = false;
    for (int i = 0; i < 30; i++) {
        world_advance(f->w, 5000);
        r = get_refresh(f->w, "g", id);
        assert_true(r.percentage_complete <= last);
        lower |= r.percentage_complete < last;
        last = r.percentage_complete;
        bool going = !strcmp(r.status, "RollbackInProgress");
        instance_refresh_free(&r);
        if (!going || lower)
            break;
    }
    assert_true(lower);
    /* CancelInstanceRefresh cancels a rollback too */
    e = world_cancel_refresh(f->w, "g", true, &rid);
    assert_true(sim_ok(&e));
    assert_string_equal(rid, id);
    free(rid);
    r = get_refresh(f->w, "g", id);
    assert_string_equal(r.status, "Cancelling");
    instance_refresh_free(&r);
    r = run_refresh(f->w, "g", id);
    assert_string_equal(r.status, "Cancelled");
    assert_true(r.rollback_details.present);
    instance_refresh_free(&r);
    free(id);

    /* without waiting for the instances in flight: Cancelled at once */
    e = world_start_refresh(f->w, "g", NULL, &p, NULL, &id);
    assert_true(sim_ok(&e));
    world_advance(f->w, 30000);
    e = world_cancel_refresh(f->w, "g", false, &rid);
    assert_true(sim_ok(&e));
    free(rid);
    r = get_refresh(f->w, "g", id);
    assert_string_equal(r.status, "Cancelled");
    instance_refresh_free(&r);
    free(id);
}

static const char *alarm_state(sim_world *w, const char *name, cw_alarm_type *type)
{
    static char buf[32];
    strvec names = { 0 }, types = { 0 };
    strvec_push(&names, name);
    strvec_push(&types, "MetricAlarm");
    strvec_push(&types, "CompositeAlarm");
    cw_alarm_list l = { 0 };
    char *next = NULL;
    sim_error e = world_describe_alarms(w, &names, NULL, NULL, &types, NULL, 0, &l, &next);
    assert_true(sim_ok(&e));
    assert_int_equal(l.n, 1);
    str_copy(buf, sizeof buf, l.items[0].state_value);
    if (type)
        *type = l.items[0].alarm_type;
    MODEL_LIST_FREE(l, cw_alarm_free);
    strvec_free(&names);
    strvec_free(&types);
    return buf;
}

static void test_composite_alarm(void **state)
{
    fx *f = *state;
    cw_alarm_type type;
    assert_string_equal(alarm_state(f->w, "both", &type), "INSUFFICIENT_DATA"); /* until first evaluated */
    assert_int_equal(type, CW_COMPOSITE_ALARM);
    world_advance(f->w, 1000);
    assert_string_equal(alarm_state(f->w, "both", NULL), "OK");
    /* AlarmTypes omitted: metric alarms only */
    cw_alarm_list l = { 0 };
    char *next = NULL;
    sim_error e = world_describe_alarms(f->w, NULL, NULL, NULL, NULL, NULL, 0, &l, &next);
    assert_true(sim_ok(&e));
    assert_int_equal(l.n, 2);
    MODEL_LIST_FREE(l, cw_alarm_free);
    strvec bogus = { 0 };
    strvec_push(&bogus, "LogAlarm");
    e = world_describe_alarms(f->w, NULL, NULL, NULL, &bogus, NULL, 0, &l, &next);
    assert_string_equal(e.code, "InvalidParameterValue");
    strvec_free(&bogus);
    /* its state follows its children */
    assert_true(sim_ok((e = world_set_alarm_state(f->w, "m1", "ALARM", "t"), &e)));
    world_advance(f->w, 1000);
    assert_string_equal(alarm_state(f->w, "both", NULL), "OK");
    assert_true(sim_ok((e = world_set_alarm_state(f->w, "m2", "ALARM", "t"), &e)));
    world_advance(f->w, 1000);
    assert_string_equal(alarm_state(f->w, "both", NULL), "ALARM");
    /* SetAlarmState on the composite holds until a child changes state */
    assert_true(sim_ok((e = world_set_alarm_state(f->w, "both", "OK", "t"), &e)));
    world_advance(f->w, 5000);
    assert_string_equal(alarm_state(f->w, "both", NULL), "OK");
    assert_true(sim_ok((e = world_set_alarm_state(f->w, "m1", "OK", "t"), &e)));
    assert_true(sim_ok((e = world_set_alarm_state(f->w, "m1", "ALARM", "t"), &e)));
    world_advance(f->w, 1000);
    assert_string_equal(alarm_state(f->w, "both", NULL), "ALARM");
}

static void test_group_extras_and_archive(void **state)
{
    fx *f = *state;
    asg_group g = describe_one(f->w, "g");
    assert_int_equal(count_state(&g, "InService"), 6);
    assert_int_equal(count_state(&g, "Standby"), 1);
    assert_int_equal(g.traffic_sources.n, 2);
    assert_string_equal(g.traffic_sources.items[0].type, "elbv2");
    assert_true(g.warm_pool.present && g.has_warm_pool_size);
    assert_int_equal(g.warm_pool_size, 2); /* MaxGroupPreparedCapacity 8 - desired 6 */
    asg_group_free(&g);
    warm_pool wp = { 0 };
    char *next = NULL;
    sim_error e = world_describe_warm_pool(f->w, "g", NULL, 0, &wp, &next);
    assert_true(sim_ok(&e));
    assert_int_equal(wp.instances.n, 2);
    assert_string_equal(wp.instances.items[0].lifecycle_state, "Warmed:Stopped");
    warm_pool_free(&wp);

    /* a target group no load balancer uses: its targets are unused, Target.NotInUse */
    target_group_list tgl = { 0 };
    strvec names = { 0 };
    strvec_push(&names, "idle-tg");
    e = world_describe_target_groups(f->w, NULL, &names, NULL, NULL, 0, &tgl, &next);
    assert_true(sim_ok(&e));
    target_health_list th = { 0 };
    e = world_describe_target_health(f->w, tgl.items[0].target_group_arn, NULL, &th);
    assert_true(sim_ok(&e));
    assert_int_equal(th.n, 6);
    assert_string_equal(th.items[0].state, "unused");
    assert_string_equal(th.items[0].reason, "Target.NotInUse");
    MODEL_LIST_FREE(th, target_health_desc_free);
    MODEL_LIST_FREE(tgl, target_group_free);
    strvec_free(&names);

    /* Launch suspended: a refresh replaces nothing until it is resumed */
    strvec launch = { 0 };
    strvec_push(&launch, "Launch");
    assert_true(sim_ok((e = world_suspend_processes(f->w, "g", &launch), &e)));
    refresh_prefs p = { .has_min_healthy_percentage = true,
                        .min_healthy_percentage = 50,
                        .standby_instances = "Terminate" };
    char *id = NULL;
    e = world_start_refresh(f->w, "g", NULL, &p, NULL, &id);
    assert_true(sim_ok(&e));
    world_advance(f->w, 600000);
    instance_refresh r = get_refresh(f->w, "g", id);
    assert_int_equal(r.percentage_complete, 0);
    assert_non_null(strstr(r.status_reason, "Launch"));
    instance_refresh_free(&r);
    assert_true(sim_ok((e = world_resume_processes(f->w, "g", &launch), &e)));
    strvec_free(&launch);
    r = run_refresh(f->w, "g", id);
    assert_string_equal(r.status, "Successful");
    assert_true(r.progress_details.has_warm);
    assert_int_equal(r.progress_details.warm_percentage_complete, 100);
    instance_refresh_free(&r);
    free(id);
    g = describe_one(f->w, "g");
    assert_int_equal(count_state(&g, "Standby"), 0); /* StandbyInstances Terminate */
    asg_group_free(&g);

    /* archived: not listed by default, not pullable; a re-push restores it */
    ecr_image_detail_list dl = { 0 };
    e = world_ecr_describe_images(f->w, NULL, "app", NULL, NULL, NULL, NULL, 0, &dl, &next);
    assert_true(sim_ok(&e));
    assert_int_equal(dl.n, 1);
    MODEL_LIST_FREE(dl, ecr_image_detail_free);
    e = world_ecr_describe_images(f->w, NULL, "app", NULL, NULL, "ARCHIVED", NULL, 0, &dl, &next);
    assert_int_equal(dl.n, 1);
    assert_string_equal(dl.items[0].image_status, "ARCHIVED");
    assert_true(dl.items[0].last_archived_at > 0);
    char *digest = xstrdup(dl.items[0].image_digest);
    MODEL_LIST_FREE(dl, ecr_image_detail_free);
    sim_image_id_list ids = { 0 };
    VEC_NEW(ids)->image_tag = xstrdup("arch");
    ecr_batch_get_result res = { 0 };
    e = world_ecr_batch_get_image(f->w, NULL, "app", &ids, NULL, &res);
    assert_true(sim_ok(&e));
    assert_int_equal(res.images.n, 0);
    assert_string_equal(res.failures.items[0].failure_code, "ImageNotFound");
    ecr_batch_get_result_free(&res);
    sim_image_id_list_free(&ids);
    e = world_ecr_describe_images(f->w, NULL, "app", NULL, NULL, "ANY", NULL, 0, &dl, &next);
    assert_int_equal(dl.n, 2);
    MODEL_LIST_FREE(dl, ecr_image_detail_free);
    free(digest);

    /* UpdateImageStorageClass: archive v1 (its manifest read first), restore it by re-pushing */
    VEC_NEW(ids)->image_tag = xstrdup("v1");
    e = world_ecr_batch_get_image(f->w, NULL, "app", &ids, NULL, &res);
    assert_int_equal(res.images.n, 1);
    char *manifest = xstrndup(res.images.items[0].image_manifest, res.images.items[0].image_manifest_len);
    size_t mlen = res.images.items[0].image_manifest_len;
    ecr_batch_get_result_free(&res);
    ecr_image_detail out = { 0 };
    e = world_ecr_update_storage_class(f->w, NULL, "app", &ids.items[0], "ARCHIVE", &out);
    assert_true(sim_ok(&e));
    assert_string_equal(out.image_status, "ARCHIVED");
    ecr_image_detail_free(&out);
    memset(&out, 0, sizeof out);
    e = world_ecr_update_storage_class(f->w, NULL, "app", &ids.items[0], "ARCHIVE", &out);
    assert_string_equal(e.code, "ImageStorageClassUpdateNotSupportedException");
    memset(&res, 0, sizeof res);
    e = world_ecr_batch_get_image(f->w, NULL, "app", &ids, NULL, &res);
    assert_int_equal(res.images.n, 0);
    ecr_batch_get_result_free(&res);
    e = world_ecr_put_image(f->w, NULL, "app", manifest, mlen, NULL, "v1", NULL, NULL);
    assert_true(sim_ok(&e)); /* re-pushed: active again, not ImageAlreadyExists */
    e = world_ecr_describe_images(f->w, NULL, "app", &ids, NULL, NULL, NULL, 0, &dl, &next);
    assert_string_equal(dl.items[0].image_status, "ACTIVE");
    assert_true(dl.items[0].last_activated_at >= dl.items[0].last_archived_at);
    MODEL_LIST_FREE(dl, ecr_image_detail_free);
    /* and restored through the storage class: ACTIVATING for a while, then ACTIVE */
    memset(&out, 0, sizeof out);
    e = world_ecr_update_storage_class(f->w, NULL, "app", &ids.items[0], "ARCHIVE", &out);
    ecr_image_detail_free(&out);
    memset(&out, 0, sizeof out);
    e = world_ecr_update_storage_class(f->w, NULL, "app", &ids.items[0], "STANDARD", &out);
    assert_true(sim_ok(&e));
    assert_string_equal(out.image_status, "ACTIVATING");
    ecr_image_detail_free(&out);
    world_advance(f->w, 20 * 60 * 1000);
    e = world_ecr_describe_images(f->w, NULL, "app", &ids, NULL, NULL, NULL, 0, &dl, &next);
    assert_string_equal(dl.items[0].image_status, "ACTIVE");
    MODEL_LIST_FREE(dl, ecr_image_detail_free);
    sim_image_id_list_free(&ids);
    free(manifest);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_initial_world, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_sts_sessions_overlap, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_pending_to_inservice_and_health, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_refresh_good_image, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_refresh_max_healthy_launches_first, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_refresh_bad_image_fails, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_refresh_auto_rollback, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_refresh_checkpoints_and_cancel, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_refresh_skip_matching_and_validation, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_refresh_alarm_specification, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_ecr, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_paging, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_determinism, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_start_refresh_refusals, rules_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_rollback_goes_down_and_can_be_cancelled, rules_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_composite_alarm, rules_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_group_extras_and_archive, rules_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
