/* test_sim_scenario.c — the simulator's scenario loader: the built-in scenarios load
 * and hold what the issue asks of them (demo, large, faults), and each broken file
 * under tests/fixtures/scenarios/ is refused with FILE:LINE:COLUMN and the reason. */
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#include "scenario.h"
#include "world.h"

static char top[PATH_MAX];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------- built-in scenarios ---------- */

static int count_tag_prefix(const sc_repository *r, bool (*pred)(const char *))
{
    int n = 0;
    for (size_t i = 0; i < r->images.n; i++)
        for (size_t t = 0; t < r->images.items[i].tags.n; t++)
            n += pred(r->images.items[i].tags.items[t]);
    return n;
}

static bool is_commit_hash(const char *t)
{
    return strlen(t) == 7 && strspn(t, "0123456789abcdef") == 7;
}

static void test_demo(void **state)
{
    (void)state;
    char err[256] = "";
    sim_scenario *sc = sim_scenario_load("demo", err, sizeof err);
    assert_non_null(sc);
    assert_string_equal(sc->account_id, "123456789012");
    assert_int_equal(sc->asgs.n, 2);
    for (size_t i = 0; i < sc->asgs.n; i++) {
        const sc_asg *a = &sc->asgs.items[i];
        assert_true(a->desired >= 4 && a->desired <= 6);
        assert_int_equal(a->azs.n, 2);
        assert_int_equal(a->target_groups.n, 1);
        assert_non_null(a->repository);
    }
    assert_int_equal(sc->repositories.n, 2);
    for (size_t i = 0; i < sc->repositories.n; i++) {
        const sc_repository *r = &sc->repositories.items[i];
        assert_true(count_tag_prefix(r, is_commit_hash) >= 14); /* a dozen + new good + bad */
        int prod = 0, stable = 0, bad = 0;
        for (size_t j = 0; j < r->images.n; j++) {
            prod += strvec_contains(&r->images.items[j].tags, "prod");
            stable += strvec_contains(&r->images.items[j].tags, "prod-stable");
            bad += r->images.items[j].bad;
        }
        assert_int_equal(prod, 1);
        assert_int_equal(stable, 1);
        assert_int_equal(bad, 1);
    }
    assert_int_equal(sc->faults.rules.n, 0);

    /* the world it builds: every app's instances InService and healthy */
    sim_world *w = world_new_from_scenario(sc, 1, 0);
    assert_non_null(w);
    assert_true(world_speed(w) == 1.0);
    asg_group_list l = { 0 };
    char *next = NULL;
    sim_error e = world_describe_asgs(w, NULL, NULL, 0, &l, &next);
    assert_true(sim_ok(&e));
    assert_int_equal(l.n, 2);
    assert_int_equal(l.items[0].instances.n, 4);
    assert_int_equal(l.items[1].instances.n, 6);
    MODEL_LIST_FREE(l, asg_group_free);
    ecr_repository_list rl = { 0 };
    e = world_ecr_describe_repositories(w, NULL, NULL, NULL, 0, &rl, &next);
    assert_int_equal(rl.n, 2);
    assert_string_equal(rl.items[1].image_tag_mutability, "IMMUTABLE_WITH_EXCLUSION");
    assert_string_equal(rl.items[1].mutability_exclusion_filters.items[0], "prod*");
    MODEL_LIST_FREE(rl, ecr_repository_free);
    world_free(w);
    sim_scenario_free(sc);
}

static void test_faults_scenario(void **state)
{
    (void)state;
    char err[256] = "";
    sim_scenario *sc = sim_scenario_load("faults", err, sizeof err);
    assert_non_null(sc);
    assert_true(sc->faults.rules.n >= 3);
    sim_world *w = world_new_from_scenario(sc, 1, 1);
    sim_faults front; /* the front matches on its own copy (matching counts uses) */
    sim_faults_copy(&front, world_faults(w));
    sim_faults *f = &front;
    const sim_fault_rule *r = sim_faults_match(f, "autoscaling", "DescribeAutoScalingGroups");
    assert_non_null(r);
    assert_int_equal(r->latency_ms, 400);
    assert_true(r->throttle_rate > 0.19 && r->throttle_rate < 0.21);
    r = sim_faults_match(f, "ecr", "BatchGetImage");
    assert_int_equal(r->slow_body_bytes_per_sec, 2048);
    r = sim_faults_match(f, "sts", "GetCallerIdentity"); /* falls to "*" */
    assert_string_equal(r->operation, "*");
    assert_int_equal(r->latency_ms, 100);
    /* service narrows a rule: DescribeTargetHealth under another service falls through */
    r = sim_faults_match(f, "ecr", "DescribeTargetHealth");
    assert_string_equal(r->operation, "*");
    sim_faults copy;
    sim_faults_copy(&copy, f);
    assert_int_equal(copy.rules.n, f->rules.n);
    sim_faults_free(&copy);
    sim_faults_free(&front);
    world_free(w);
    sim_scenario_free(sc);
}

static void test_large(void **state)
{
    (void)state;
    char err[256] = "";
    double t0 = now_s();
    sim_scenario *sc = sim_scenario_load("large", err, sizeof err);
    assert_non_null(sc);
    sim_world *w = world_new_from_scenario(sc, 1, 1);
    double t1 = now_s();
    assert_int_equal(sc->asgs.n, 20);
    assert_int_equal(sc->target_groups.n, 50);
    size_t images = 0;
    for (size_t i = 0; i < sc->repositories.n; i++)
        images += sc->repositories.items[i].images.n;
    assert_int_equal(images, 10000);
    /* generous bound for sanitizer builds; the bench target is under 1 s */
    assert_true(t1 - t0 < 5.0);

    asg_group_list l = { 0 };
    char *next = NULL;
    sim_error e = world_describe_asgs(w, NULL, NULL, 100, &l, &next);
    assert_true(sim_ok(&e));
    assert_int_equal(l.n, 20);
    size_t inst = 0;
    for (size_t i = 0; i < l.n; i++)
        inst += l.items[i].instances.n;
    assert_int_equal(inst, 1000);
    MODEL_LIST_FREE(l, asg_group_free);

    /* 10,000 images page through DescribeImages (1,000 per page) */
    size_t seen = 0;
    for (size_t r = 0; r < sc->repositories.n; r++) {
        char *tok = NULL;
        int pages = 0;
        do {
            ecr_image_detail_list dl = { 0 };
            char *t2 = NULL;
            e = world_ecr_describe_images(w, NULL, sc->repositories.items[r].name, NULL, NULL, NULL, tok, 0, &dl, &t2);
            assert_true(sim_ok(&e));
            seen += dl.n;
            MODEL_LIST_FREE(dl, ecr_image_detail_free);
            free(tok);
            tok = t2;
        } while (tok && ++pages < 100);
    }
    assert_int_equal(seen, 10000);
    /* the world moves at this size too */
    double t2 = now_s();
    world_advance(w, 120000);
    assert_true(now_s() - t2 < 10.0);
    world_free(w);
    sim_scenario_free(sc);
}

static void test_parse_inline(void **state)
{
    (void)state;
    const char *y = "account: \"000011112222\"\n"
                    "speed: 2.5\n"
                    "credentials: [ { access_key_id: AKIA1, secret_access_key: sek, session_token: tok } ]\n"
                    "page_sizes: { DescribeImages: 3 }\n";
    char err[256] = "";
    sim_scenario *sc = sim_scenario_parse("inline.yaml", y, strlen(y), err, sizeof err);
    assert_non_null(sc);
    assert_true(sc->speed > 2.4 && sc->speed < 2.6);
    assert_string_equal(sc->region, "us-east-1");
    assert_int_equal(sim_scenario_page_size(sc, "DescribeImages"), 3);
    assert_int_equal(sim_scenario_page_size(sc, "DescribeAlarms"), 0);
    sim_world *w = world_new_from_scenario(sc, 3, 0);
    const char *tok = NULL;
    assert_string_equal(world_credentials(w, "AKIA1", &tok), "sek");
    assert_string_equal(tok, "tok");
    assert_true(world_speed(w) > 2.4);
    world_free(w);
    sim_scenario_free(sc);

    /* an empty document and a non-mapping root are refused */
    sc = sim_scenario_parse("empty.yaml", "", 0, err, sizeof err);
    assert_null(sc);
    assert_string_equal(err, "empty.yaml:1:1: empty scenario");
    sc = sim_scenario_parse("list.yaml", "- a\n- b\n", 8, err, sizeof err);
    assert_null(sc);
    assert_string_equal(err, "list.yaml:1:1: the scenario must be a mapping");

    sc = sim_scenario_load_file("/nonexistent/dir/x.yaml", err, sizeof err);
    assert_null(sc);
    assert_non_null(strstr(err, "/nonexistent/dir/x.yaml: "));
}

/* A few hundred bytes must not expand into millions of objects (found while writing
 * fuzz_scenario): nested aliases multiply (here 40 x 40 x 40 rules from 0.6 KB), and a
 * repeated generate: section runs once per copy. Both are refused where they are written. */
static void test_aliases_and_repeated_keys(void **state)
{
    (void)state;
    strbuf y;
    sb_init(&y);
    sb_append(&y,
              "credentials: [{access_key_id: a, secret_access_key: b}]\n"
              "target_groups: [{name: t}]\n"
              "load_balancers:\n"
              "  - &L {listeners: [&S {rules: [&R {priority: 1, target_group: t}");
    for (int i = 0; i < 39; i++)
        sb_append(&y, ", *R");
    sb_append(&y, "]}");
    for (int i = 0; i < 39; i++)
        sb_append(&y, ", *S");
    sb_append(&y, "]}\n");
    for (int i = 0; i < 39; i++)
        sb_append(&y, "  - *L\n");
    char err[256] = "";
    sim_scenario *sc = sim_scenario_parse("alias.yaml", y.buf, y.len, err, sizeof err);
    assert_null(sc);
    assert_string_equal(err, "alias.yaml:4:5: a node used twice: aliases (*name) are not supported");
    sb_free(&y);

    /* a scalar alias, too: nothing in a scenario is shared */
    const char *one = "credentials: [{access_key_id: &k a, secret_access_key: *k}]\n";
    sc = sim_scenario_parse("scalar.yaml", one, strlen(one), err, sizeof err);
    assert_null(sc);
    assert_string_equal(err, "scalar.yaml:1:31: a node used twice: aliases (*name) are not supported");
    /* an anchor nobody refers to is harmless */
    const char *anchored = "credentials: &c [{access_key_id: a, secret_access_key: b}]\n";
    sc = sim_scenario_parse("anchor.yaml", anchored, strlen(anchored), err, sizeof err);
    assert_non_null(sc);
    sim_scenario_free(sc);

    const char *twice = "credentials: [{access_key_id: a, secret_access_key: b}]\n"
                        "generate: {apps: 1, images: 2000}\n"
                        "generate: {apps: 1, images: 2000}\n";
    sc = sim_scenario_parse("twice.yaml", twice, strlen(twice), err, sizeof err);
    assert_null(sc);
    assert_string_equal(err, "twice.yaml:3:1: duplicate key 'generate' in the scenario");
    const char *nested = "credentials: [{access_key_id: a, access_key_id: b, secret_access_key: c}]\n";
    sc = sim_scenario_parse("nested.yaml", nested, strlen(nested), err, sizeof err);
    assert_null(sc);
    assert_string_equal(err, "nested.yaml:1:34: duplicate key 'access_key_id' in credentials");
}

/* Thousands of damaged copies of the demo scenario: each loads or is refused with a
 * FILE:LINE:COLUMN message; nothing crashes (the sanitizer build checks the memory). */
static void test_damaged_demo(void **state)
{
    (void)state;
    char err[256];
    sim_scenario *demo = sim_scenario_load("demo", err, sizeof err);
    assert_non_null(demo);
    sim_scenario_free(demo);
    FILE *fp = NULL;
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/sim/scenarios/demo.yaml", top);
    fp = fopen(path, "rb");
    assert_non_null(fp);
    static char orig[65536], buf[65536];
    size_t n = fread(orig, 1, sizeof orig, fp);
    fclose(fp);
    assert_true(n > 1000);
    uint64_t rng = 12345;
    int refused = 0, loaded = 0;
    for (int i = 0; i < 3000; i++) {
        memcpy(buf, orig, n);
        size_t len = n;
        for (int k = 0; k < 1 + i % 4; k++) {
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            size_t at = (size_t)(rng >> 33) % len;
            switch ((rng >> 20) % 4) {
            case 0:
                buf[at] = (char)(rng >> 8);
                break; /* any byte */
            case 1:
                buf[at] = ":-[]{}'\"\n #&*!|>"[(rng >> 12) % 16];
                break; /* YAML punctuation */
            case 2:
                len = at + 1;
                break; /* truncate */
            default:
                buf[at] = (char)('0' + (rng >> 9) % 10);
                break; /* digits */
            }
        }
        sim_scenario *sc = sim_scenario_parse("demo.yaml", buf, len, err, sizeof err);
        if (sc) {
            sim_world *w = world_new_from_scenario(sc, 1, 1);
            world_advance(w, 5000);
            world_free(w);
            sim_scenario_free(sc);
            loaded++;
        } else {
            unsigned line, col;
            if (sscanf(err, "demo.yaml:%u:%u: ", &line, &col) != 2)
                fail_msg("error without a position: %s", err);
            refused++;
        }
    }
    assert_true(refused > 100);
    assert_true(loaded > 10);
}

/* ---------- broken files ---------- */

static void expect_error(const char *file, const char *want)
{
    char path[PATH_MAX + 64], err[512] = "";
    snprintf(path, sizeof path, "%s/tests/fixtures/scenarios/%s", top, file);
    sim_scenario *sc = sim_scenario_load_file(path, err, sizeof err);
    if (sc)
        sim_scenario_free(sc);
    assert_null(sc);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("%s: got \"%s\", want it to start with \"%s\"", file, err, want);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("unknown_key.yaml", "unknown_key.yaml:3:1: unknown key 'acount' in the scenario");
    expect_error("bad_int.yaml", "bad_int.yaml:8:14: desired: 'many' is not an integer");
    expect_error("unknown_tg.yaml", "unknown_tg.yaml:9:5: app uses unknown target group 'tg2'");
    expect_error("syntax.yaml", "syntax.yaml:4:");
    expect_error("out_of_range.yaml", "out_of_range.yaml:4:15: interval: 1 is outside 5..300");
    expect_error("no_credentials.yaml", "no_credentials.yaml:1:1: no credentials");
    expect_error("nested_unknown.yaml", "nested_unknown.yaml:8:9: unknown key 'layerz' in images");
    expect_error("bad_faults.yaml", "bad_faults.yaml:6:20: throttle_rate: 1.5 is outside 0..1");
    expect_error("duplicate_name.yaml", "duplicate_name.yaml:1:1: duplicate target group name 'tg'");
    expect_error("bad_version.yaml",
                 "bad_version.yaml:7:5: app uses a launch template version that does not exist: '5'");
    expect_error("missing.yaml", ""); /* refused, with the path in the message */
    /* the keys of the simulator's fidelity work */
    expect_error("bad_rule.yaml",
                 "bad_rule.yaml:4:5: rule of alarm c: the rule ends where an alarm function, TRUE, FALSE or '(' was "
                 "expected at character '13'");
    expect_error("rule_unknown_alarm.yaml",
                 "rule_unknown_alarm.yaml:4:5: composite alarm's rule names an unknown alarm 'nope'");
    expect_error("composite_cycle.yaml",
                 "composite_cycle.yaml:3:5: composite alarms depend on each other in a cycle, through 'c1'");
    expect_error("bad_process.yaml", "bad_process.yaml:7:35: unknown process 'Nap' in suspended_processes");
    expect_error("draining_on_http.yaml",
                 "draining_on_http.yaml:4:5: unhealthy_draining_interval needs protocol TCP, TLS, UDP or TCP_UDP; "
                 "target group 'tg'");
    expect_error("bad_image_status.yaml",
                 "bad_image_status.yaml:6:9: image status must be ACTIVE, ARCHIVED or ACTIVATING, not 'GONE'");
    expect_error("bad_severity.yaml", "bad_severity.yaml:6:54: unknown finding severity 'SEVERE'");
    expect_error("bad_fault_code.yaml",
                 "bad_fault_code.yaml:3:51: error_code 'no spaces allowed' is not an AWS error code");
    expect_error("bad_pool_state.yaml",
                 "bad_pool_state.yaml:4:5: warm_pool pool_state must be Stopped, Running or Hibernated, not 'Frozen'");
    expect_error("math_no_threshold.yaml",
                 "math_no_threshold.yaml:3:5: a metric math alarm needs a threshold or threshold_metric_id: 'm'");
}

/* The opt-in keys: each lands where the world reads it, with its defaults. */
static void test_fidelity_keys(void **state)
{
    (void)state;
    const char *y =
        "credentials: [{access_key_id: a, secret_access_key: b}]\n"
        "launch_templates: [{name: lt}]\n"
        "target_groups: [{name: nlb, protocol: TCP, unhealthy_draining_interval: 90}]\n"
        "repositories:\n"
        "  - name: r\n"
        "    images:\n"
        "      - {tags: [old], status: ARCHIVED, archived_at: 600, fails_after: 30}\n"
        "      - {tags: [new], scan: {description: done, completed: 60, findings: {CRITICAL: 2, LOW: 5}}}\n"
        "apps:\n"
        "  - {name: g, azs: [a], launch_template: lt, desired: 3, standby_instances: 2, protected_instances: 1,\n"
        "     new_instances_protected: true, suspended_processes: [Launch, {name: Terminate, reason: why}],\n"
        "     warm_pool: {min_size: 1, reuse_on_scale_in: true}}\n"
        "alarms:\n"
        "  - {name: m, metrics: [{id: q, metric: Latency}, {id: e, expression: \"q * 2\", return_data: true}], "
        "threshold: 3}\n"
        "  - {name: band, metrics: [{id: q, metric: Latency}, {id: ad, expression: \"ANOMALY_DETECTION_BAND(q)\"}],\n"
        "     threshold_metric_id: ad, state: ALARM}\n"
        "  - {name: c, rule: 'ALARM(m) OR (NOT OK(\"band\") AND TRUE)'}\n"
        "faults: [{operation: PutImage, error_code: LimitExceededException, error_rate: 1, count: 2}]\n";
    char err[512] = "";
    sim_scenario *sc = sim_scenario_parse("keys.yaml", y, strlen(y), err, sizeof err);
    if (!sc)
        fail_msg("%s", err);
    assert_int_equal(sc->target_groups.items[0].unhealthy_draining_s, 90);
    const sc_image *old = &sc->repositories.items[0].images.items[0], *neu = &sc->repositories.items[0].images.items[1];
    assert_string_equal(old->status, "ARCHIVED");
    assert_true(old->has_archived_at && old->archived_offset_s == 600);
    assert_int_equal(old->fails_after_s, 30);
    assert_int_equal(neu->fails_after_s, -1);
    assert_string_equal(neu->scan.status, "COMPLETE"); /* the default */
    assert_int_equal(neu->scan.findings.n, 2);
    const sc_asg *a = &sc->asgs.items[0];
    assert_int_equal(a->standby_instances, 2);
    assert_int_equal(a->protected_instances, 1);
    assert_true(a->new_instances_protected);
    assert_int_equal(a->suspended.n, 2);
    assert_string_equal(a->suspended.items[1].reason, "why");
    assert_null(a->suspended.items[0].reason);
    assert_true(a->warm_pool.present);
    assert_string_equal(a->warm_pool.pool_state, "Stopped");
    assert_int_equal(a->warm_pool.max_prepared, -1);
    assert_true(a->warm_pool.has_reuse && a->warm_pool.reuse_on_scale_in);
    const sc_alarm *m = &sc->alarms.items[0], *band = &sc->alarms.items[1], *c = &sc->alarms.items[2];
    assert_int_equal(m->kind, SC_ALARM_MATH);
    assert_false(m->metrics.items[0].return_data); /* the one named true is the one watched */
    assert_true(m->metrics.items[1].return_data);
    assert_string_equal(m->metrics.items[0].namespace_, "AWS/ApplicationELB");
    assert_true(m->has_threshold);
    assert_false(band->has_threshold);
    assert_true(band->metrics.items[1].return_data); /* none named: the last one */
    assert_string_equal(band->comparison, "LessThanLowerOrGreaterThanUpperThreshold");
    assert_int_equal(c->kind, SC_ALARM_COMPOSITE);
    assert_true(c->parsed.root >= 0);
    assert_string_equal(sc->faults.rules.items[0].error_code, "LimitExceededException");
    assert_int_equal(sc->faults.rules.items[0].error_status, 400);
    assert_int_equal(sc->faults.rules.items[0].count, 2);
    sim_world *w = world_new_from_scenario(sc, 1, 1);
    world_advance(w, 60000);
    world_free(w);
    sim_scenario_free(sc);
}

/* AlarmRule: what the API reference's examples write parses; what it rules out does not. */
static const char *rule_states(void *ud, const char *name)
{
    const char *const *kv = ud;
    for (size_t i = 0; kv[i]; i += 2)
        if (!strcmp(kv[i], name))
            return kv[i + 1];
    return NULL;
}

static void test_alarm_rule(void **state)
{
    (void)state;
    const char *states[] = { "CPUUtilizationTooHigh",
                             "ALARM",
                             "DiskReadOpsTooHigh",
                             "OK",
                             "NetworkOutTooHigh",
                             "OK",
                             "DeploymentInProgress",
                             "INSUFFICIENT_DATA",
                             "arn:aws:cloudwatch:us-east-1:1:alarm:x",
                             "ALARM",
                             NULL };
    static const struct {
        const char *rule;
        bool value;
    } good[] = {
        { "ALARM(CPUUtilizationTooHigh) AND ALARM(DiskReadOpsTooHigh)", false },
        { "ALARM(CPUUtilizationTooHigh) AND NOT ALARM(DeploymentInProgress)", true },
        { "(ALARM(CPUUtilizationTooHigh) OR ALARM(DiskReadOpsTooHigh)) AND OK(NetworkOutTooHigh)", true },
        { "ALARM(\"CPUUtilizationTooHigh\") AND OK( \"NetworkOutTooHigh\" )", true },
        { "INSUFFICIENT_DATA(DeploymentInProgress)", true },
        { "TRUE", true },
        { "false", false },
        { "NOT TRUE OR FALSE", false },
        { "ALARM(arn:aws:cloudwatch:us-east-1:1:alarm:x)", true },
        /* NOT before AND before OR (the simulator's precedence) */
        { "OK(DiskReadOpsTooHigh) OR ALARM(DiskReadOpsTooHigh) AND FALSE", true },
        { "NOT OK(DiskReadOpsTooHigh) AND TRUE", false },
        { "ALARM(unknown)", false },
    };
    for (size_t i = 0; i < ARRAY_LEN(good); i++) {
        alarm_rule r = { 0 };
        char err[160] = "";
        size_t at = 0;
        if (!alarm_rule_parse(good[i].rule, &r, err, sizeof err, &at))
            fail_msg("%s: %s at %zu", good[i].rule, err, at);
        if (alarm_rule_eval(&r, rule_states, (void *)states) != good[i].value)
            fail_msg("%s: not %d", good[i].rule, good[i].value);
        alarm_rule_free(&r);
    }
    static const char *const bad[] = {
        "",      "ALARM", "ALARM()",  "ALARM(x",  "ALARM(\"x)", "ALARM(x) AND",  "ALARM(x) ALARM(y)",
        "(TRUE", "TRUE)", "alarm(x)", "MAYBE(x)", "NOT",        "TRUE XOR FALSE"
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        alarm_rule r = { 0 };
        char err[160] = "";
        size_t at = 0;
        if (alarm_rule_parse(bad[i], &r, err, sizeof err, &at))
            fail_msg("accepted: %s", bad[i]);
        assert_true(err[0]);
        alarm_rule_free(&r);
    }
    /* bounded: deep nesting, many elements, many children */
    strbuf sb;
    sb_init(&sb);
    for (int i = 0; i < 200; i++)
        sb_append(&sb, "(");
    sb_append(&sb, "TRUE");
    for (int i = 0; i < 200; i++)
        sb_append(&sb, ")");
    alarm_rule r = { 0 };
    char err[160] = "";
    size_t at = 0;
    assert_false(alarm_rule_parse(sb.buf, &r, err, sizeof err, &at));
    assert_string_equal(err, "the rule nests too deeply");
    alarm_rule_free(&r);
    sb_reset(&sb);
    for (int i = 0; i < 101; i++)
        sb_printf(&sb, "%sALARM(a%d)", i ? " OR " : "", i);
    assert_false(alarm_rule_parse(sb.buf, &r, err, sizeof err, &at));
    assert_string_equal(err, "a rule can name at most 100 alarms");
    alarm_rule_free(&r);
    sb_free(&sb);
}

int main(int argc, char **argv)
{
    (void)argc;
    const char *t = getenv("TARMAC_TOP");
    if (t && *t) {
        snprintf(top, sizeof top, "%s", t);
    } else { /* build/<kind>/tests/test_sim_scenario → the repository three levels up */
        char self[PATH_MAX];
        snprintf(self, sizeof self, "%s", argv[0]);
        snprintf(top, sizeof top, "%s/../../..", dirname(self));
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo),
        cmocka_unit_test(test_faults_scenario),
        cmocka_unit_test(test_large),
        cmocka_unit_test(test_parse_inline),
        cmocka_unit_test(test_aliases_and_repeated_keys),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_fidelity_keys),
        cmocka_unit_test(test_alarm_rule),
        cmocka_unit_test(test_damaged_demo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
