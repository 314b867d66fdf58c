/* test_plan_cli.c — the printed `aws` commands of plan steps, checked by running them
 * in sh with `aws` replaced by a function that records its arguments: hostile values
 * (quotes, $( ), backquotes, newlines, non-ASCII) arrive as one unchanged argument and
 * run nothing; the tag move keeps the manifest as JSON (never `--output text`) with the
 * step's own accepted media types; StartInstanceRefresh carries exactly the step's
 * preferences and desired configuration; the wait polls until no refresh is active and
 * fails after the step's 15 minutes; every kind's command is the step's own
 * (plan_cli_step), hostile digests included; a command named in a message is quoted
 * word by word between backquotes. (The commands against the real AWS CLI and a
 * simulator: tests/conformance/test_replay_commands.py.) */
#include "test_tmp.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "deploy/plan_cli.h"
#include "services/services.h"
#include "services/snapshot.h"

static char dir[128];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s/tarmac-plan-cli-XXXXXX", test_tmpdir());
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Runs prelude + cmd with `sh -c` in dir (bounded by timeout(1)), its output to
 * dir/stdout; the exit status. */
static int run_sh(const char *prelude, const char *cmd)
{
    char *script = xasprintf("%s\n%s", prelude, cmd);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (chdir(dir) != 0 || !freopen("stdout", "w", stdout))
            _exit(127);
        execlp("timeout", "timeout", "60", "sh", "-c", script, (char *)NULL);
        _exit(127);
    }
    free(script);
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static char *slurp(const char *name, size_t *len)
{
    char path[300];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        *len = 0;
        return xstrdup("");
    }
    strbuf sb;
    sb_init(&sb);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_appendn(&sb, buf, n);
    fclose(f);
    *len = sb.len;
    return sb_steal(&sb);
}

/* Every `aws` call of cmd, as recorded: the arguments NUL-separated, each call ended
 * by END_CALL. Fails the test when sh does not exit 0. */
#define END_CALL "--end-of-call--"
typedef struct calls {
    strvec args; /* all calls, each followed by END_CALL */
} calls;

static void record(const char *cmd, calls *out)
{
    char path[300];
    snprintf(path, sizeof path, "%s/argv", dir);
    unlink(path);
    const char *prelude = "aws() { printf '%s\\0' \"$@\" " END_CALL " >> argv; echo 0; }";
    assert_int_equal(run_sh(prelude, cmd), 0);
    size_t len;
    char *text = slurp("argv", &len);
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < len;) {
        strvec_push(&out->args, text + i);
        i += strlen(text + i) + 1;
    }
    free(text);
}

/* The value after flag in the n-th call (0-based), or NULL. */
static const char *value_of(const calls *c, int n, const char *flag)
{
    int call = 0;
    for (size_t i = 0; i < c->args.n; i++) {
        if (!strcmp(c->args.items[i], END_CALL)) {
            call++;
            continue;
        }
        if (call == n && !strcmp(c->args.items[i], flag) && i + 1 < c->args.n)
            return c->args.items[i + 1];
    }
    return NULL;
}

static void target(plan_target *t, const char *asg, const char *repo)
{
    memset(t, 0, sizeof *t);
    t->region = (char *)"us-east-1";
    t->asg = (char *)asg;
    t->repository = (char *)repo;
}

static const char *const hostile[] = {
    "plain-word_1.2:3/4=5@6,7+8",
    "",
    "two words",
    "it's",
    "'",
    "\"double\" $HOME `touch pwned` $(touch pwned) ${x:-y}",
    "new\nline\ttab",
    "caf\xc3\xa9 \xe2\x98\x95 \xf0\x9f\x9a\x80",
    "back\\slash * ? [a] ~ # ! & | ; < > ( ) { }",
    "-n",
};

static void test_quote(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(hostile); i++) {
        strbuf sb;
        sb_init(&sb);
        sb_append(&sb, "printf '%s' ");
        plan_cli_quote(&sb, hostile[i]);
        sb_append(&sb, " > out");
        assert_int_equal(run_sh(":", sb.buf), 0);
        size_t len;
        char *got = slurp("out", &len);
        assert_int_equal(len, strlen(hostile[i]));
        assert_memory_equal(got, hostile[i], len);
        free(got);
        sb_free(&sb);
    }
    strbuf sb;
    sb_init(&sb);
    plan_cli_quote(&sb, NULL);
    assert_string_equal(sb.buf, "''");
    sb_reset(&sb);
    plan_cli_quote(&sb, "prod-stable"); /* plain words stay readable */
    assert_string_equal(sb.buf, "prod-stable");
    sb_free(&sb);
    char pwned[300];
    snprintf(pwned, sizeof pwned, "%s/pwned", dir);
    assert_int_equal(access(pwned, F_OK), -1);
}

static void test_copy_tag(void **state)
{
    (void)state;
    const char *digest = "sha256:487a50696d15b3966f4697f8e908051885dda1c4a3265da241dd493172fe7b4c";
    for (size_t i = 0; i < ARRAY_LEN(hostile); i++) {
        plan_target t;
        target(&t, "web-asg", hostile[i]);
        char *cli = plan_cli_copy_tag(&t, digest, hostile[i], true);
        assert_null(strstr(cli, "--output text >")); /* text output adds a newline */
        calls c;
        record(cli, &c);
        assert_string_equal(c.args.items[0], "ecr");
        assert_string_equal(c.args.items[1], "batch-get-image");
        assert_string_equal(value_of(&c, 0, "--repository-name"), hostile[i]);
        assert_string_equal(value_of(&c, 0, "--output"), "json");
        assert_string_equal(value_of(&c, 0, "--query"),
                            "images[0].{imageManifest: imageManifest, imageManifestMediaType: imageManifestMediaType}");
        assert_string_equal(value_of(&c, 1, "--image-tag"), hostile[i]);
        assert_string_equal(value_of(&c, 1, "--image-digest"), digest);
        assert_string_equal(value_of(&c, 1, "--repository-name"), hostile[i]);
        assert_string_equal(value_of(&c, 1, "--cli-input-json"), "file://put-image.json");
        /* the ids and media types of the step's own BatchGetImage request */
        size_t len;
        ecr_image_id id = { .image_digest = digest };
        char *body = ecr_encode_batch_get_image(hostile[i], &id, 1, NULL, &len);
        json_object *req = json_tokener_parse(body), *ids, *types;
        assert_true(json_object_object_get_ex(req, "imageIds", &ids));
        assert_true(json_object_object_get_ex(req, "acceptedMediaTypes", &types));
        json_object *printed = json_tokener_parse(value_of(&c, 0, "--image-ids"));
        assert_true(json_object_equal(printed, ids));
        json_object_put(printed);
        const char *first = NULL;
        size_t k = 0;
        for (size_t j = 0; j < c.args.n && strcmp(c.args.items[j], END_CALL); j++)
            if (!strcmp(c.args.items[j], "--accepted-media-types"))
                first = c.args.items[j + 1], k = j + 1;
        assert_non_null(first);
        assert_int_equal(json_object_array_length(types), 4);
        for (size_t j = 0; j < json_object_array_length(types); j++)
            assert_string_equal(c.args.items[k + j], json_object_get_string(json_object_array_get_idx(types, j)));
        assert_string_equal(c.args.items[k + json_object_array_length(types)], "--query");
        json_object_put(req);
        free(body);
        strvec_free(&c.args);
        free(cli);
    }
    plan_target t;
    target(&t, "web-asg", "web");
    char *cli = plan_cli_copy_tag(&t, digest, "prod", false); /* no media type: none passed on */
    calls c;
    record(cli, &c);
    assert_string_equal(value_of(&c, 0, "--query"), "images[0].{imageManifest: imageManifest}");
    strvec_free(&c.args);
    free(cli);
}

/* The digest reaches the command too: the decoders refuse a malformed one
 * (test_svc_ecr.c), and the command quotes it anyway. */
static void test_copy_tag_hostile_digest(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(hostile); i++) {
        char *digest = xasprintf("sha256:%s --x $(touch pwned) ; touch pwned #", hostile[i]);
        plan_target t;
        target(&t, "web-asg", "web");
        char *cli = plan_cli_copy_tag(&t, digest, "prod", true);
        calls c;
        record(cli, &c);
        assert_string_equal(value_of(&c, 1, "--image-digest"), digest);
        json_object *ids = json_tokener_parse(value_of(&c, 0, "--image-ids"));
        json_object *d;
        assert_true(json_object_object_get_ex(json_object_array_get_idx(ids, 0), "imageDigest", &d));
        assert_string_equal(json_object_get_string(d), digest);
        json_object_put(ids);
        strvec_free(&c.args);
        free(cli);
        free(digest);
    }
    char pwned[300];
    snprintf(pwned, sizeof pwned, "%s/pwned", dir);
    assert_int_equal(access(pwned, F_OK), -1);
}

/* plan_cli_step builds each kind's command from the step's own fields: the same text
 * as the kind's function (an undo copy passes the media type on). */
static void test_step(void **state)
{
    (void)state;
    plan_target t;
    target(&t, "web asg $(touch pwned)", "web");
    const char *digest = "sha256:487a50696d15b3966f4697f8e908051885dda1c4a3265da241dd493172fe7b4c";
    plan_step s = { .kind = STEP_COPY_TAG, .digest = (char *)digest, .dst_tag = (char *)"prod" };
    char *a = plan_cli_step(&t, &s), *b = plan_cli_copy_tag(&t, digest, "prod", false);
    assert_string_equal(a, b);
    free(a), free(b);
    s.media_type = (char *)"application/vnd.oci.image.manifest.v1+json";
    a = plan_cli_step(&t, &s), b = plan_cli_copy_tag(&t, digest, "prod", true);
    assert_string_equal(a, b);
    free(a), free(b);
    s.media_type = NULL;
    s.undo = true;
    a = plan_cli_step(&t, &s);
    assert_string_equal(a, b = plan_cli_copy_tag(&t, digest, "prod", true));
    free(a), free(b);
    s.kind = STEP_UNTAG;
    a = plan_cli_step(&t, &s), b = plan_cli_untag(&t, "prod");
    assert_string_equal(a, b);
    free(a), free(b);
    const plan_step_kind calls_kinds[] = { STEP_CANCEL_REFRESH, STEP_ROLLBACK_REFRESH, STEP_WAIT_REFRESH_END };
    for (size_t i = 0; i < ARRAY_LEN(calls_kinds); i++) {
        plan_step r = { .kind = calls_kinds[i] };
        a = plan_cli_step(&t, &r), b = plan_cli_refresh_call(&t, calls_kinds[i]);
        assert_string_equal(a, b);
        free(a), free(b);
    }
    plan_step st = { .kind = STEP_START_REFRESH,
                     .has_desired = true,
                     .desired = { .launch_template_id = (char *)"lt-0a1b'; touch pwned; '", .version = (char *)"4" } };
    st.prefs.has_min_healthy_percentage = true;
    st.prefs.min_healthy_percentage = 90;
    a = plan_cli_step(&t, &st), b = plan_cli_start_refresh(&t, &st.prefs, &st.desired);
    assert_string_equal(a, b);
    calls c;
    record(a, &c);
    assert_non_null(strstr(value_of(&c, 0, "--desired-configuration"), "lt-0a1b'; touch pwned; '"));
    strvec_free(&c.args);
    free(a), free(b);
    char pwned[300];
    snprintf(pwned, sizeof pwned, "%s/pwned", dir);
    assert_int_equal(access(pwned, F_OK), -1);
}

/* A command named in a message: between backquotes, each word quoted, NULL words
 * left out; run as it reads, it passes every word through unchanged. */
static void test_hint(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(hostile); i++) {
        strbuf sb;
        sb_init(&sb);
        plan_cli_hint(&sb,
                      (const char *const[]){ "aws", "ecr", "update-image-storage-class", NULL, NULL,
                                             "--repository-name", hostile[i], "--image-id", hostile[i] },
                      9);
        assert_int_equal(sb.buf[0], '`');
        assert_int_equal(sb.buf[sb.len - 1], '`');
        sb.buf[--sb.len] = '\0';
        calls c;
        record(sb.buf + 1, &c);
        assert_string_equal(c.args.items[0], "ecr");
        assert_string_equal(c.args.items[1], "update-image-storage-class");
        assert_string_equal(c.args.items[2], "--repository-name");
        assert_string_equal(c.args.items[3], hostile[i]);
        assert_string_equal(value_of(&c, 0, "--image-id"), hostile[i]);
        assert_int_equal(c.args.n, 7); /* six words and the end of the call */
        strvec_free(&c.args);
        sb_free(&sb);
    }
    char pwned[300];
    snprintf(pwned, sizeof pwned, "%s/pwned", dir);
    assert_int_equal(access(pwned, F_OK), -1);
}

static void test_start_refresh(void **state)
{
    (void)state;
    plan_target t;
    target(&t, "web asg; $(touch pwned)", "web");
    refresh_prefs p = {
        .has_min_healthy_percentage = true,
        .min_healthy_percentage = 75,
        .has_max_healthy_percentage = true,
        .max_healthy_percentage = 150,
        .has_instance_warmup = true,
        .instance_warmup = 45,
        .has_checkpoint_delay = true,
        .checkpoint_delay = 120,
        .has_skip_matching = true,
        .skip_matching = false,
        .has_auto_rollback = true,
        .auto_rollback = true,
        .scale_in_protected_instances = (char *)"Refresh",
        .standby_instances = (char *)"Terminate",
        .has_alarm_specification = true,
        .has_bake_time = true,
        .bake_time = 30,
    };
    VEC_PUSH(p.checkpoint_percentages, 25);
    VEC_PUSH(p.checkpoint_percentages, 100);
    strvec_push(&p.alarms, "it's \"an\" alarm");
    const lt_spec specs[] = {
        { .launch_template_id = (char *)"lt-0a1b2c3d4e5f60001", .version = (char *)"4" },
        { .launch_template_name = (char *)"web-lt", .version = (char *)"$Latest" },
        { .launch_template_id = (char *)"lt-1", .launch_template_name = (char *)"n", .version = NULL },
    };
    for (size_t i = 0; i <= ARRAY_LEN(specs); i++) {
        const lt_spec *d = i < ARRAY_LEN(specs) ? &specs[i] : NULL;
        char *cli = plan_cli_start_refresh(&t, &p, d);
        calls c;
        record(cli, &c);
        assert_string_equal(c.args.items[1], "start-instance-refresh");
        assert_string_equal(value_of(&c, 0, "--auto-scaling-group-name"), t.asg);
        /* the preferences: plan_prefs_to_json of the very struct the step sends */
        json_object *want = refresh_prefs_to_json(&p), *got = json_tokener_parse(value_of(&c, 0, "--preferences"));
        assert_true(json_object_equal(want, got));
        json_object_put(want);
        json_object_put(got);
        /* the desired configuration: each member the step sends, and no other */
        const char *dc = value_of(&c, 0, "--desired-configuration");
        if (!d) {
            assert_null(dc);
        } else {
            json_object *o = json_tokener_parse(dc), *lt, *v;
            assert_true(json_object_object_get_ex(o, "LaunchTemplate", &lt));
            assert_int_equal(json_object_object_length(o), 1);
            const char *fields[] = { "LaunchTemplateId", "LaunchTemplateName", "Version" };
            const char *values[] = { d->launch_template_id, d->launch_template_name, d->version };
            int n = 0;
            for (size_t k = 0; k < 3; k++) {
                bool has = json_object_object_get_ex(lt, fields[k], &v);
                assert_int_equal(has, values[k] != NULL);
                if (has) {
                    assert_string_equal(json_object_get_string(v), values[k]);
                    n++;
                }
            }
            assert_int_equal(json_object_object_length(lt), n);
            json_object_put(o);
        }
        strvec_free(&c.args);
        free(cli);
    }
    VEC_FREE(p.checkpoint_percentages);
    strvec_free(&p.alarms);
    char pwned[300];
    snprintf(pwned, sizeof pwned, "%s/pwned", dir);
    assert_int_equal(access(pwned, F_OK), -1);
}

static void test_cancel_and_rollback(void **state)
{
    (void)state;
    plan_target t;
    target(&t, "it's web", "web");
    const plan_step_kind kinds[] = { STEP_CANCEL_REFRESH, STEP_ROLLBACK_REFRESH };
    const char *ops[] = { "cancel-instance-refresh", "rollback-instance-refresh" };
    for (size_t i = 0; i < ARRAY_LEN(kinds); i++) {
        char *cli = plan_cli_refresh_call(&t, kinds[i]);
        calls c;
        record(cli, &c);
        assert_string_equal(c.args.items[0], "autoscaling");
        assert_string_equal(c.args.items[1], ops[i]);
        assert_string_equal(value_of(&c, 0, "--auto-scaling-group-name"), "it's web");
        assert_string_equal(value_of(&c, 0, "--region"), "us-east-1");
        strvec_free(&c.args);
        free(cli);
    }
}

/* The wait polls until DescribeInstanceRefreshes counts no active refresh; each status
 * the step treats as active is in the query, no other; 15 minutes of polls, then false. */
static void test_wait(void **state)
{
    (void)state;
    plan_target t;
    target(&t, "web-asg", "web");
    char *cli = plan_cli_refresh_call(&t, STEP_WAIT_REFRESH_END);
    calls c;
    record(cli, &c);
    assert_string_equal(c.args.items[1], "describe-instance-refreshes");
    assert_string_equal(value_of(&c, 0, "--max-records"), "10");
    assert_string_equal(value_of(&c, 0, "--output"), "text");
    const char *q = value_of(&c, 0, "--query");
    static const char *statuses[] = {
        "Pending",        "InProgress",         "Successful", "Failed", "Cancelling", "Cancelled", "RollbackInProgress",
        "RollbackFailed", "RollbackSuccessful", "Baking"
    };
    for (size_t i = 0; i < ARRAY_LEN(statuses); i++) {
        char quoted[64];
        snprintf(quoted, sizeof quoted, "\"%s\"", statuses[i]);
        assert_int_equal(strstr(q, quoted) != NULL, refresh_status_active(statuses[i]));
    }
    strvec_free(&c.args);
    /* three polls answer 2, 1, 0: done, after two sleeps */
    const char *counting = "aws() { n=$(cat polls 2>/dev/null || echo 2); echo $((n - 1)) > polls; echo \"$n\"; }\n"
                           "sleep() { echo slept >> sleeps; }";
    assert_int_equal(run_sh(counting, cli), 0);
    size_t len;
    char *sleeps = slurp("sleeps", &len);
    assert_string_equal(sleeps, "slept\nslept\n");
    free(sleeps);
    /* never idle: false after 450 polls (the step's 15 minutes at one poll every 2 s) */
    const char *busy = "aws() { echo poll >> polls2; echo 1; }\nsleep() { :; }";
    assert_int_equal(run_sh(busy, cli), 1);
    char *polls = slurp("polls2", &len);
    assert_int_equal(len, 451 * strlen("poll\n"));
    free(polls);
    /* a failed poll (no answer) is tried again, as the step does */
    const char *flaky = "aws() { if [ -e once ]; then echo 0; else : > once; return 255; fi; }\nsleep() { :; }";
    assert_int_equal(run_sh(flaky, cli), 0);
    free(cli);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_quote, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_tag, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_tag_hostile_digest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_step, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_refresh, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_and_rollback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wait, setup, teardown),
    };
    return cmocka_run_group_tests_name("plan_cli", tests, NULL, NULL);
}
