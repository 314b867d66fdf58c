/* test_config.c — tarmac.yaml loading: a full file read back value by value,
 * defaults, the default path (XDG), and the exact FILE:LINE:COLUMN message for
 * each kind of mistake (fixtures in tests/fixtures/config/ and inline YAML). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

static char top_dir[PATH_MAX];
static char fixtures_dir[PATH_MAX + 32];
static char start_dir[PATH_MAX];

/* The repository root: $TARMAC_TOP, else three levels above this binary
 * (build/<mode>/tests/test_config). */
static void find_top(void)
{
    const char *env = getenv("TARMAC_TOP");
    if (env && *env) {
        snprintf(top_dir, sizeof(top_dir), "%s", env);
    } else {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        assert_true(n > 0);
        exe[n] = '\0';
        for (int i = 0; i < 4; i++) {
            char *slash = strrchr(exe, '/');
            assert_non_null(slash);
            *slash = '\0';
        }
        snprintf(top_dir, sizeof(top_dir), "%s", exe);
    }
    snprintf(fixtures_dir, sizeof(fixtures_dir), "%s/tests/fixtures/config", top_dir);
}

/* Errors name files as given, so run from the fixtures folder and use bare names. */
static int setup(void **state)
{
    (void)state;
    find_top();
    if (!getcwd(start_dir, sizeof(start_dir)))
        return -1;
    return chdir(fixtures_dir);
}

static int teardown(void **state)
{
    (void)state;
    return chdir(start_dir);
}

/* Parses text as "config.yaml"; returns rc, and the error in *err_out (caller frees). */
static int parse_str(const char *text, tarmac_config *c, char **err_out)
{
    strbuf err;
    sb_init(&err);
    int rc = config_parse(text, strlen(text), "config.yaml", c, &err);
    *err_out = sb_steal(&err);
    sb_free(&err);
    return rc;
}

/* Parses text and checks it fails with exactly `expected`. */
static void expect_error(const char *text, const char *expected)
{
    tarmac_config c;
    char *err;
    int rc = parse_str(text, &c, &err);
    if (rc != -1 || strcmp(err, expected) != 0)
        print_error("input:\n%s\nexpected: %s\n     got: %s (rc %d)\n", text, expected, err, rc);
    assert_int_equal(rc, -1);
    assert_string_equal(err, expected);
    /* A failed parse leaves an empty config behind. */
    assert_int_equal(c.apps.n, 0);
    assert_int_equal(c.keys.n, 0);
    assert_null(c.path);
    config_free(&c);
    free(err);
}

static void expect_ok(const char *text, tarmac_config *c)
{
    char *err;
    int rc = parse_str(text, c, &err);
    if (rc != 0)
        print_error("input:\n%s\nunexpected error: %s\n", text, err);
    assert_int_equal(rc, 0);
    assert_string_equal(err, "");
    free(err);
}

static void test_good_file(void **state)
{
    (void)state;
    tarmac_config c;
    strbuf err;
    sb_init(&err);
    assert_int_equal(config_load("good.yaml", &c, &err), 0);
    assert_string_equal(err.buf, "");
    assert_string_equal(c.path, "good.yaml");
    assert_string_equal(c.default_profile, "prod-admin");
    assert_string_equal(c.default_region, "eu-west-1");
    assert_false(c.read_only);

    assert_int_equal(c.apps.n, 2);
    const app_config *w = config_find_app(&c, "web");
    assert_ptr_equal(w, &c.apps.items[0]);
    assert_string_equal(w->name, "web");
    assert_string_equal(w->profile, "prod");
    assert_string_equal(w->region, "eu-central-1");
    assert_string_equal(w->asg, "web-prod-asg");
    assert_string_equal(w->ecr_repository, "team/web");
    assert_string_equal(w->live_tag, "live");
    assert_string_equal(w->stable_tag, "live-stable");
    assert_true(w->protected_);
    assert_false(w->read_only);
    assert_true(w->auto_rollback);
    assert_int_equal(w->unhealthy_polls, 5);
    assert_int_equal(w->min_healthy_targets_percent, 75);
    assert_int_equal(w->alarms.n, 2);
    assert_string_equal(w->alarms.items[0], "web-5xx");
    assert_string_equal(w->alarms.items[1], "web-latency");
    assert_string_equal(w->file, "good.yaml");
    assert_int_equal(w->line, 7);

    const refresh_prefs *r = &w->refresh;
    assert_true(r->has_min_healthy_percentage);
    assert_int_equal(r->min_healthy_percentage, 90);
    assert_true(r->has_max_healthy_percentage);
    assert_int_equal(r->max_healthy_percentage, 120);
    assert_true(r->has_instance_warmup);
    assert_int_equal(r->instance_warmup, 60);
    assert_int_equal(r->checkpoint_percentages.n, 3);
    assert_int_equal(r->checkpoint_percentages.items[0], 20);
    assert_int_equal(r->checkpoint_percentages.items[1], 50);
    assert_int_equal(r->checkpoint_percentages.items[2], 100);
    assert_true(r->has_checkpoint_delay);
    assert_int_equal(r->checkpoint_delay, 300);
    assert_true(r->has_skip_matching);
    assert_false(r->skip_matching);
    assert_true(r->has_auto_rollback);
    assert_true(r->auto_rollback);
    assert_true(r->has_bake_time);
    assert_int_equal(r->bake_time, 0);
    assert_true(r->has_alarm_specification);
    assert_int_equal(r->alarms.n, 1);
    assert_string_equal(r->alarms.items[0], "web-5xx");
    assert_string_equal(r->scale_in_protected_instances, "Wait");
    assert_string_equal(r->standby_instances, "Terminate");

    const app_config *a = config_find_app(&c, "api");
    assert_ptr_equal(a, &c.apps.items[1]);
    assert_string_equal(a->asg, "api prod");
    assert_null(a->profile);
    assert_string_equal(config_app_profile(&c, a), "prod-admin");
    assert_string_equal(config_app_region(&c, a), "eu-west-1");
    assert_string_equal(config_app_profile(&c, w), "prod");
    assert_int_equal(a->line, 32);
    assert_null(config_find_app(&c, "nope"));
    assert_null(config_find_app(&c, NULL));

    assert_string_equal(c.theme, "light");
    assert_int_equal(c.refresh_seconds, 30);
    assert_int_equal(c.refresh_active_seconds, 3);
    assert_true(c.bell);
    assert_false(c.mouse);

    static const char *const want[][2] = {
        { "focus_next", "Tab" }, { "deploy", "d" },       { "quit", "C-q" },
        { "help", "F1" },        { "page_down", "PgDn" }, { "filter", "/" },
    };
    assert_int_equal(c.keys.n, ARRAY_LEN(want));
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        assert_string_equal(c.keys.items[i].action, want[i][0]);
        assert_string_equal(c.keys.items[i].key, want[i][1]);
        assert_int_equal(c.keys.items[i].line, 41 + (int)i);
    }
    config_free(&c);
    sb_free(&err);
}

static void test_defaults(void **state)
{
    (void)state;
    tarmac_config c;
    strbuf err;
    sb_init(&err);
    assert_int_equal(config_load("minimal.yaml", &c, &err), 0);
    assert_null(c.default_profile);
    assert_null(c.default_region);
    assert_false(c.read_only);
    assert_string_equal(c.theme, "dark");
    assert_int_equal(c.refresh_seconds, 30);
    assert_int_equal(c.refresh_active_seconds, 2);
    assert_false(c.bell);
    assert_true(c.mouse);
    assert_int_equal(c.keys.n, 0);
    assert_int_equal(c.apps.n, 1);
    const app_config *a = &c.apps.items[0];
    assert_string_equal(a->name, "svc");
    assert_string_equal(a->asg, "svc-asg");
    assert_null(a->ecr_repository);
    assert_null(a->profile);
    assert_null(a->region);
    assert_null(config_app_profile(&c, a));
    assert_string_equal(a->live_tag, "prod");
    assert_string_equal(a->stable_tag, "prod-stable");
    assert_false(a->protected_);
    assert_false(a->read_only);
    assert_false(a->auto_rollback);
    assert_int_equal(a->unhealthy_polls, 3);
    assert_int_equal(a->min_healthy_targets_percent, 100);
    assert_int_equal(a->alarms.n, 0);
    const refresh_prefs *r = &a->refresh;
    assert_false(r->has_min_healthy_percentage || r->has_max_healthy_percentage || r->has_instance_warmup ||
                 r->has_checkpoint_delay || r->has_skip_matching || r->has_auto_rollback ||
                 r->has_alarm_specification || r->has_bake_time);
    assert_int_equal(r->checkpoint_percentages.n, 0);
    assert_null(r->scale_in_protected_instances);
    assert_null(r->standby_instances);
    config_free(&c);

    /* A file of comments only, and null sections, are empty configs. */
    sb_reset(&err);
    assert_int_equal(config_load("empty.yaml", &c, &err), 0);
    assert_string_equal(c.path, "empty.yaml");
    assert_int_equal(c.apps.n, 0);
    assert_string_equal(c.theme, "dark");
    config_free(&c);
    expect_ok("defaults:\napps:\nui:\nkeys:\n", &c);
    assert_int_equal(c.apps.n, 0);
    assert_int_equal(c.refresh_seconds, 30);
    config_free(&c);

    /* defaults.read_only makes every app read-only. */
    expect_ok("defaults: {read_only: true}\napps: {x: {asg: a}}\n", &c);
    assert_true(config_app_read_only(&c, &c.apps.items[0]));
    config_free(&c);
    expect_ok("apps: {x: {asg: a, read_only: true}, y: {asg: b}}\n", &c);
    assert_true(config_app_read_only(&c, &c.apps.items[0]));
    assert_false(config_app_read_only(&c, &c.apps.items[1]));
    config_free(&c);
    sb_free(&err);
}

static void test_example_file(void **state)
{
    (void)state;
    char path[PATH_MAX + 64];
    snprintf(path, sizeof(path), "%s/docs/config.example.yaml", top_dir);
    tarmac_config c;
    strbuf err;
    sb_init(&err);
    int rc = config_load(path, &c, &err);
    if (rc)
        print_error("%s\n", err.buf);
    assert_int_equal(rc, 0);
    assert_true(c.apps.n >= 1);
    assert_non_null(config_find_app(&c, "web"));
    config_free(&c);
    sb_free(&err);
}

/* A temp dir under $TMPDIR (or /tmp) for XDG and special-file tests. */
static void make_temp_dir(char *buf, size_t cap)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(buf, cap, "%s/tarmac-config-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(buf));
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void test_default_path(void **state)
{
    (void)state;
    char dir[PATH_MAX], sub[PATH_MAX + 16], file[PATH_MAX + 32];
    make_temp_dir(dir, sizeof(dir));
    char *old_xdg = xstrdup(getenv("XDG_CONFIG_HOME"));
    char *old_home = xstrdup(getenv("HOME"));

    /* XDG_CONFIG_HOME wins. */
    setenv("XDG_CONFIG_HOME", dir, 1);
    snprintf(sub, sizeof(sub), "%s/tarmac", dir);
    snprintf(file, sizeof(file), "%s/tarmac/config.yaml", dir);
    char *p = config_default_path();
    assert_string_equal(p, file);
    free(p);

    /* No file there yet: an empty config, no path, no error. */
    tarmac_config c;
    strbuf err;
    sb_init(&err);
    assert_int_equal(config_load(NULL, &c, &err), 0);
    assert_string_equal(err.buf, "");
    assert_null(c.path);
    assert_int_equal(c.apps.n, 0);
    config_free(&c);

    /* Now there is: it is read. */
    assert_int_equal(mkdir(sub, 0700), 0);
    write_file(file, "apps:\n  xdg:\n    asg: from-xdg\n");
    assert_int_equal(config_load(NULL, &c, &err), 0);
    assert_string_equal(c.path, file);
    assert_string_equal(c.apps.items[0].asg, "from-xdg");
    config_free(&c);

    /* A broken default file is an error, not silently ignored. */
    write_file(file, "apps: [\n");
    assert_int_equal(config_load(NULL, &c, &err), -1);
    assert_non_null(strstr(err.buf, "/tarmac/config.yaml:2:1: "));
    config_free(&c);

    /* Without XDG_CONFIG_HOME (or with a relative one): $HOME/.config. */
    setenv("HOME", "/home/oncall", 1);
    unsetenv("XDG_CONFIG_HOME");
    p = config_default_path();
    assert_string_equal(p, "/home/oncall/.config/tarmac/config.yaml");
    free(p);
    setenv("XDG_CONFIG_HOME", "relative/dir", 1);
    p = config_default_path();
    assert_string_equal(p, "/home/oncall/.config/tarmac/config.yaml");
    free(p);

    if (old_xdg)
        setenv("XDG_CONFIG_HOME", old_xdg, 1);
    else
        unsetenv("XDG_CONFIG_HOME");
    if (old_home)
        setenv("HOME", old_home, 1);
    else
        unsetenv("HOME");
    free(old_xdg);
    free(old_home);
    unlink(file);
    rmdir(sub);
    rmdir(dir);
    sb_free(&err);
}

static void test_file_errors(void **state)
{
    (void)state;
    tarmac_config c;
    strbuf err;
    sb_init(&err);

    /* An explicit path that does not exist is an error. */
    assert_int_equal(config_load("does-not-exist.yaml", &c, &err), -1);
    assert_string_equal(err.buf, "does-not-exist.yaml: cannot open: No such file or directory");
    assert_null(c.path);
    config_free(&c);

    /* Directories and FIFOs are refused (and opening the FIFO does not block). */
    sb_reset(&err);
    assert_int_equal(config_load(".", &c, &err), -1);
    assert_string_equal(err.buf, ".: not a regular file");
    config_free(&c);

    char dir[PATH_MAX], path[PATH_MAX + 32];
    make_temp_dir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/fifo.yaml", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    sb_reset(&err);
    assert_int_equal(config_load(path, &c, &err), -1);
    assert_non_null(strstr(err.buf, "/fifo.yaml: not a regular file"));
    config_free(&c);
    unlink(path);

    /* Over 1 MiB: refused before parsing, from a file and from a buffer. */
    snprintf(path, sizeof(path), "%s/big.yaml", dir);
    size_t big = CONFIG_MAX_FILE_SIZE + 1;
    char *data = xmalloc(big + 1);
    memset(data, '#', big);
    data[big] = '\0';
    write_file(path, data);
    sb_reset(&err);
    assert_int_equal(config_load(path, &c, &err), -1);
    assert_non_null(strstr(err.buf, "/big.yaml: file is larger than 1 MiB"));
    config_free(&c);
    sb_reset(&err);
    assert_int_equal(config_parse(data, big, "big.yaml", &c, &err), -1);
    assert_string_equal(err.buf, "big.yaml: file is larger than 1 MiB");
    config_free(&c);
    /* Exactly 1 MiB of comments is fine. */
    sb_reset(&err);
    assert_int_equal(config_parse(data, big - 1, "ok.yaml", &c, &err), 0);
    config_free(&c);
    free(data);
    unlink(path);
    rmdir(dir);
    sb_free(&err);
}

static void test_fixture_errors(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        { "bad_unknown_key.yaml",
          "bad_unknown_key.yaml:5:7: unknown key \"min_heathy_percentage\" in apps.web.refresh "
          "(expected one of: min_healthy_percentage, max_healthy_percentage, instance_warmup, "
          "checkpoint_percentages, checkpoint_delay, skip_matching, auto_rollback, bake_time, "
          "alarms, scale_in_protected_instances, standby_instances)" },
        { "bad_int.yaml",
          "bad_int.yaml:5:31: expected an integer 0..100 for min_healthy_percentage, "
          "got \"ninety\"" },
        { "bad_range.yaml", "bad_range.yaml:2:20: expected an integer 1..3600 for refresh_seconds, got \"0\"" },
        { "bad_syntax.yaml",
          "bad_syntax.yaml:4:4: did not find expected key while parsing a block mapping "
          "(started at line 2, column 3)" },
        { "bad_duplicate_key.yaml",
          "bad_duplicate_key.yaml:5:5: duplicate key \"asg\" in apps.web (first defined at "
          "line 3)" },
        { "bad_duplicate_app.yaml",
          "bad_duplicate_app.yaml:6:3: duplicate key \"web\" in apps (first defined at line 2)" },
        { "bad_type.yaml", "bad_type.yaml:4:14: expected a map for apps.web.refresh, got a list" },
        { "bad_alias.yaml", "bad_alias.yaml:4:13: aliases are not allowed (*common)" },
        { "bad_anchor.yaml", "bad_anchor.yaml:2:8: anchors are not allowed (&base)" },
        { "bad_tag.yaml", "bad_tag.yaml:2:10: tags are not allowed (tag:yaml.org,2002:str)" },
        { "bad_bool.yaml", "bad_bool.yaml:2:9: expected true or false for bell, got \"yes\"" },
        { "bad_checkpoints.yaml",
          "bad_checkpoints.yaml:5:31: refresh.checkpoint_percentages: the last of CheckpointPercentages must "
          "be 100, got 90: AWS would end the refresh Successful with the rest of the group on the old image "
          "(tarmac's own rule)" },
        { "bad_enum.yaml",
          "bad_enum.yaml:5:26: expected one of Terminate, Ignore, Wait for standby_instances, "
          "got \"wait\"" },
        { "bad_key_binding.yaml",
          "bad_key_binding.yaml:2:11: invalid key \"C-\" for deploy (expected a printable "
          "character, C-a..C-z, M-<char>, F1..F12, Enter, Tab, S-Tab, Esc, Space, Backspace, "
          "Delete, Insert, Home, End, PgUp, PgDn, Up, Down, Left or Right)" },
        { "bad_missing_asg.yaml", "bad_missing_asg.yaml:2:3: app \"web\" needs an asg (kind asg)" },
        { "bad_app_name.yaml",
          "bad_app_name.yaml:2:3: expected an app name ([A-Za-z0-9_.-], 1..64), got "
          "\"web prod\"" },
        { "bad_two_documents.yaml", "bad_two_documents.yaml:3:1: only one YAML document is allowed" },
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        tarmac_config c;
        strbuf err;
        sb_init(&err);
        int rc = config_load(cases[i][0], &c, &err);
        if (rc != -1 || strcmp(err.buf, cases[i][1]) != 0)
            print_error("%s:\nexpected: %s\n     got: %s\n", cases[i][0], cases[i][1], err.buf);
        assert_int_equal(rc, -1);
        assert_string_equal(err.buf, cases[i][1]);
        assert_int_equal(c.apps.n, 0);
        config_free(&c);
        sb_free(&err);
    }
}

static void test_value_errors(void **state)
{
    (void)state;
    expect_error("ui:\n  refresh_seconds: \"15\"\n",
                 "config.yaml:2:20: expected an integer 1..3600 for refresh_seconds, got the "
                 "quoted string \"15\"");
    expect_error("ui:\n  refresh_seconds: 15s\n",
                 "config.yaml:2:20: expected an integer 1..3600 for refresh_seconds, got \"15s\"");
    expect_error("ui:\n  refresh_seconds: 99999999999999999999\n",
                 "config.yaml:2:20: expected an integer 1..3600 for refresh_seconds, got "
                 "\"99999999999999999999\"");
    expect_error("ui:\n  refresh_seconds: 0x10\n",
                 "config.yaml:2:20: expected an integer 1..3600 for refresh_seconds, got \"0x10\"");
    expect_error("ui:\n  refresh_seconds: [1]\n",
                 "config.yaml:2:20: expected an integer 1..3600 for refresh_seconds, got a list");
    expect_error("ui:\n  mouse: \"true\"\n",
                 "config.yaml:2:10: expected true or false for mouse, got the quoted string "
                 "\"true\"");
    expect_error("ui: [a, b]\n", "config.yaml:1:5: expected a map for ui, got a list");
    expect_error("just text\n", "config.yaml:1:1: expected a map for the top level, got a string");
    expect_error("colour: red\n",
                 "config.yaml:1:1: unknown key \"colour\" in the top level (expected one of: "
                 "defaults, profiles, apps, ui, keys)");
    expect_error("apps:\n  web:\n    asg: a\n    asgs: b\n",
                 "config.yaml:4:5: unknown key \"asgs\" in apps.web (expected one of: kind, profile, "
                 "region, asg, ecr_repository, live_tag, stable_tag, protected, read_only, "
                 "auto_rollback, unhealthy_polls, min_healthy_targets_percent, alarms, refresh)");
    expect_error("apps: {web: {asg: a, region: EU-WEST-1}}\n",
                 "config.yaml:1:30: expected a region name such as eu-west-1 for region, got "
                 "\"EU-WEST-1\"");
    expect_error("apps: {web: {asg: a, ecr_repository: Web}}\n",
                 "config.yaml:1:38: expected an ECR repository name (2..256 of a-z 0-9 . _ - /) "
                 "for ecr_repository, got \"Web\"");
    expect_error("apps: {web: {asg: a, ecr_repository: team//web}}\n",
                 "config.yaml:1:38: expected an ECR repository name (2..256 of a-z 0-9 . _ - /) "
                 "for ecr_repository, got \"team//web\"");
    expect_error("apps: {web: {asg: a, live_tag: -prod}}\n",
                 "config.yaml:1:32: expected an image tag ([A-Za-z0-9_][A-Za-z0-9_.-]*, at most "
                 "300) for live_tag, got \"-prod\"");
    expect_error("apps: {web: {asg: a, stable_tag: prod}}\n",
                 "config.yaml:1:34: stable_tag must differ from live_tag (both \"prod\")");
    expect_error("apps: {web: {asg: ~}}\n",
                 "config.yaml:1:19: expected an Auto Scaling group name (1..255 characters) for "
                 "asg, got null");
    /* Control characters, NUL and C1 (U+009B is a terminal CSI) never get in. */
    expect_error("apps: {web: {asg: \"a\\eb\"}}\n",
                 "config.yaml:1:19: expected an Auto Scaling group name (1..255 characters) for "
                 "asg, got \"a\\x1bb\"");
    expect_error("apps: {web: {asg: \"a\\0b\"}}\n",
                 "config.yaml:1:19: expected an Auto Scaling group name (1..255 characters) for "
                 "asg, got \"a\\x00b\"");
    expect_error("defaults: {profile: \"x\\u009b2J\"}\n",
                 "config.yaml:1:21: expected a string of 1..1024 characters without control "
                 "characters for profile, got \"x\xc2\x9b"
                 "2J\"");
    /* Refresh preferences: AWS's rules. */
    expect_error("apps: {web: {asg: a, refresh: {max_healthy_percentage: 150}}}\n",
                 "config.yaml:1:56: refresh.max_healthy_percentage: MaxHealthyPercentage (150) needs "
                 "MinHealthyPercentage too (StartInstanceRefresh refuses it)");
    expect_error("apps: {web: {asg: a, refresh: {min_healthy_percentage: 0, "
                 "max_healthy_percentage: 150}}}\n",
                 "config.yaml:1:83: refresh.max_healthy_percentage: MaxHealthyPercentage (150) may exceed "
                 "MinHealthyPercentage (0) by at most 100 (StartInstanceRefresh refuses it)");
    expect_error("apps: {web: {asg: a, refresh: {checkpoint_percentages: [50, 20, 100]}}}\n",
                 "config.yaml:1:56: refresh.checkpoint_percentages: CheckpointPercentages must be ascending and "
                 "unique, got 20 after 50 (StartInstanceRefresh refuses it)");
    /* The gap that let a refresh fail after the tags moved: AWS refuses a delay
     * without checkpoints. */
    expect_error("apps: {web: {asg: a, refresh: {checkpoint_delay: 600}}}\n",
                 "config.yaml:1:50: refresh.checkpoint_delay: CheckpointDelay (600) needs "
                 "CheckpointPercentages too (StartInstanceRefresh refuses it)");
    expect_error("apps: {web: {asg: a, refresh: {checkpoint_percentages: [0, 100]}}}\n",
                 "config.yaml:1:57: expected an integer 1..100 for checkpoint_percentages, got "
                 "\"0\"");
    expect_error("apps: {web: {asg: a, refresh: {instance_warmup: -1}}}\n",
                 "config.yaml:1:49: expected an integer 0..86400 for instance_warmup, got \"-1\"");
    expect_error("apps: {web: {asg: a, refresh: {alarms: [a1,a2,a3,a4,a5,a6,a7,a8,a9,a10,a11]}}}\n",
                 "config.yaml:1:40: expected 1..10 items for alarms, got 11");
    expect_error("apps: {web: {asg: a, alarms: [x, y, x]}}\n", "config.yaml:1:37: \"x\" appears twice in alarms");
    expect_error("apps: {web: {asg: a, alarms: x}}\n", "config.yaml:1:30: expected a list for alarms, got a string");
    expect_error("apps: {web: {asg: a, alarms: [[x]]}}\n",
                 "config.yaml:1:31: expected a string of 1..255 characters without control "
                 "characters in alarms, got a list");
    expect_error("apps: {web: {asg: a, refresh: {scale_in_protected_instances: Never}}}\n",
                 "config.yaml:1:62: expected one of Refresh, Ignore, Wait for "
                 "scale_in_protected_instances, got \"Never\"");
    expect_error("apps: [web]\n", "config.yaml:1:7: expected a map for apps, got a list");
    expect_error("apps: {web: x}\n", "config.yaml:1:13: expected a map for apps.web, got a string");
    expect_error("keys: {Deploy: d}\n",
                 "config.yaml:1:8: expected an action name ([a-z][a-z0-9_]*, at most 64), got "
                 "\"Deploy\"");
    expect_error("keys: {deploy: [d]}\n",
                 "config.yaml:1:16: invalid key a list for deploy (expected a printable "
                 "character, C-a..C-z, M-<char>, F1..F12, Enter, Tab, S-Tab, Esc, Space, "
                 "Backspace, Delete, Insert, Home, End, PgUp, PgDn, Up, Down, Left or Right)");
    expect_error("ui: {theme: ../../etc/passwd}\n",
                 "config.yaml:1:13: expected a theme name ([A-Za-z0-9_.-], 1..64) for theme, got "
                 "\"../../etc/passwd\"");
}

/* profiles.NAME.read_only: every app that uses the profile is read-only, whether it
 * names the profile itself, inherits it from defaults, or gets it as the AWS tools
 * pick it (AWS_PROFILE, AWS_DEFAULT_PROFILE, "default"). */
static void test_profile_read_only(void **state)
{
    (void)state;
    char *old_p = xstrdup(getenv("AWS_PROFILE")), *old_dp = xstrdup(getenv("AWS_DEFAULT_PROFILE"));
    unsetenv("AWS_PROFILE");
    unsetenv("AWS_DEFAULT_PROFILE");
    tarmac_config c;
    expect_ok("profiles:\n  prod-ro:\n    read_only: true\n  staging: {read_only: false}\n  empty:\n"
              "apps:\n  a: {asg: a, profile: prod-ro}\n  b: {asg: b, profile: staging}\n  c: {asg: c}\n",
              &c);
    assert_int_equal(c.profiles.n, 3);
    assert_string_equal(c.profiles.items[0].name, "prod-ro");
    assert_int_equal(c.profiles.items[0].line, 2);
    assert_true(config_profile_read_only(&c, "prod-ro"));
    assert_false(config_profile_read_only(&c, "staging"));
    assert_false(config_profile_read_only(&c, "empty"));
    assert_false(config_profile_read_only(&c, "nope"));
    assert_false(config_profile_read_only(&c, NULL));
    assert_null(config_find_profile(&c, "nope"));
    assert_true(config_app_read_only(&c, config_find_app(&c, "a")));
    assert_false(config_app_read_only(&c, config_find_app(&c, "b")));
    assert_false(config_app_read_only(&c, config_find_app(&c, "c")));
    setenv("AWS_PROFILE", "prod-ro", 1); /* c uses the environment's profile */
    assert_true(config_app_read_only(&c, config_find_app(&c, "c")));
    assert_true(config_app_read_only(&c, NULL));
    assert_false(config_app_read_only(&c, config_find_app(&c, "b")));
    unsetenv("AWS_PROFILE");
    config_free(&c);

    /* Through the defaults' profile, and the "default" profile itself. */
    expect_ok("defaults: {profile: prod-ro}\nprofiles: {prod-ro: {read_only: true}}\napps: {x: {asg: a}}\n", &c);
    assert_true(config_app_read_only(&c, &c.apps.items[0]));
    config_free(&c);
    expect_ok("profiles: {default: {read_only: true}}\napps: {x: {asg: a}}\n", &c);
    assert_true(config_app_read_only(&c, &c.apps.items[0]));
    config_free(&c);

    expect_error("profiles:\n  p:\n    readonly: true\n",
                 "config.yaml:3:5: unknown key \"readonly\" in profiles.p (expected one of: read_only)");
    expect_error("profiles: [a]\n", "config.yaml:1:11: expected a map for profiles, got a list");
    expect_error("profiles: {p: {read_only: yes}}\n",
                 "config.yaml:1:27: expected true or false for read_only, got \"yes\"");
    if (old_p)
        setenv("AWS_PROFILE", old_p, 1);
    if (old_dp)
        setenv("AWS_DEFAULT_PROFILE", old_dp, 1);
    free(old_p);
    free(old_dp);
}

static void test_yaml_limits(void **state)
{
    (void)state;
    /* Strings over 1024 bytes. */
    strbuf sb;
    sb_init(&sb);
    sb_append(&sb, "defaults:\n  profile: ");
    for (int i = 0; i < 1025; i++)
        sb_appendc(&sb, 'p');
    sb_append(&sb, "\n");
    expect_error(sb.buf, "config.yaml:2:12: value longer than 1024 bytes");
    /* Deep nesting stops early instead of exhausting anything. */
    sb_reset(&sb);
    sb_append(&sb, "keys: ");
    for (int i = 0; i < 100; i++)
        sb_appendc(&sb, '[');
    expect_error(sb.buf, "config.yaml:1:22: nesting deeper than 16 levels");
    /* Too many keys in one map, too many values in all. */
    sb_reset(&sb);
    sb_append(&sb, "keys:\n");
    for (int i = 0; i < 1001; i++)
        sb_printf(&sb, "  a%d: x\n", i);
    expect_error(sb.buf, "config.yaml:1002:3: more than 1000 keys in one map");
    sb_reset(&sb);
    sb_append(&sb, "apps: {web: {asg: a, alarms: [");
    for (int i = 0; i < 20001; i++)
        sb_append(&sb, "x,");
    sb_append(&sb, "]}}\n");
    /* 9 values before the list, so the 19992nd item (column 31 + 2 * 19991) is one too many. */
    expect_error(sb.buf, "config.yaml:1:40013: document has more than 20000 values");
    sb_free(&sb);
    /* Complex keys, invalid UTF-8, libyaml's own syntax errors. */
    expect_error("? [a]\n: b\n",
                 "config.yaml:1:3: a map key must be a plain string, got a list in "
                 "the top level");
    expect_error("ui:\n  theme: \"dark\n",
                 "config.yaml:3:1: found unexpected end of stream while "
                 "scanning a quoted scalar (started at line 2, column 10)");
    expect_error("ui: {theme: \xff}\n", "config.yaml: invalid leading UTF-8 octet (at byte 12)");
    expect_error("ui: {bell: true, bell: false}\n",
                 "config.yaml:1:18: duplicate key \"bell\" in ui (first defined at line 1)");
}

static void test_key_syntax(void **state)
{
    (void)state;
    static const char *const good[] = {
        "j",   "G",    "/",     "?",     "~",         "C-d",    "C-[",    "M-x",      "M-1",          "F1",   "F9",
        "F10", "F12",  "Enter", "Tab",   "S-Tab",     "Esc",    "Space",  "PgUp",     "PgDn",         "Home", "End",
        "Up",  "Down", "Left",  "Right", "Backspace", "Delete", "Insert", "\xc3\xa9", "\xe2\x82\xac",
    };
    static const char *const bad[] = {
        "",    " ",   "\t",    "\x1b", "C-",     "C-1", "C-dd", "M-",       "M-ab", "F0",           "F13",
        "F1a", "F01", "enter", "tab",  "Ctrl-d", "^d",  "jj",   "\xc2\x9b", "\xc3", "\xed\xa0\x80", "PageUp",
    };
    for (size_t i = 0; i < ARRAY_LEN(good); i++) {
        if (!config_key_syntax_ok(good[i]))
            print_error("should accept \"%s\"\n", good[i]);
        assert_true(config_key_syntax_ok(good[i]));
    }
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        if (config_key_syntax_ok(bad[i]))
            print_error("should refuse \"%s\"\n", bad[i]);
        assert_false(config_key_syntax_ok(bad[i]));
    }
    assert_false(config_key_syntax_ok(NULL));
}

static void test_accepted_forms(void **state)
{
    (void)state;
    tarmac_config c;
    /* Flow style, quoted strings, True/FALSE, repositories with namespaces. */
    expect_ok("apps: {\"web.v2\": {asg: 'web asg', ecr_repository: a/b-c__d.e, "
              "protected: True, read_only: FALSE, live_tag: v1.2_3, "
              "refresh: {checkpoint_percentages: [100], alarms: [\"x\"]}}}\n"
              "keys: {deploy: \"#\", quit: \"C-q\"}\n",
              &c);
    assert_int_equal(c.apps.n, 1);
    assert_string_equal(c.apps.items[0].name, "web.v2");
    assert_string_equal(c.apps.items[0].asg, "web asg");
    assert_string_equal(c.apps.items[0].ecr_repository, "a/b-c__d.e");
    assert_true(c.apps.items[0].protected_);
    assert_false(c.apps.items[0].read_only);
    assert_string_equal(c.apps.items[0].live_tag, "v1.2_3");
    assert_int_equal(c.apps.items[0].refresh.checkpoint_percentages.n, 1);
    assert_true(c.apps.items[0].refresh.has_alarm_specification);
    assert_string_equal(c.keys.items[0].key, "#");
    assert_int_equal(c.keys.items[0].line, 2);
    config_free(&c);
    /* An explicit "---" document start and an empty document. */
    expect_ok("---\nui: {bell: true}\n...\n", &c);
    assert_true(c.bell);
    config_free(&c);
    expect_ok("", &c);
    assert_int_equal(c.apps.n, 0);
    config_free(&c);
    /* Boundaries are inclusive. */
    expect_ok("ui: {refresh_seconds: 3600, refresh_active_seconds: 1}\n", &c);
    assert_int_equal(c.refresh_seconds, 3600);
    assert_int_equal(c.refresh_active_seconds, 1);
    config_free(&c);
    /* A config parse result can be freed twice (the second is a no-op). */
    config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_file),      cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_example_file),   cmocka_unit_test(test_default_path),
        cmocka_unit_test(test_file_errors),    cmocka_unit_test(test_fixture_errors),
        cmocka_unit_test(test_value_errors),   cmocka_unit_test(test_profile_read_only),
        cmocka_unit_test(test_yaml_limits),    cmocka_unit_test(test_key_syntax),
        cmocka_unit_test(test_accepted_forms),
    };
    return cmocka_run_group_tests_name("config", tests, setup, teardown);
}
