/* test_tui_dialog.c — the console's action dialog without a terminal: the action
 * commands' syntax, the typed confirmation of protected apps, what each phase of
 * the dialog says (a refusal offers nothing to run), the group's state after a
 * cancel, the unfinished-plans list, and the journal records the Activity pane
 * shows (panes/activity.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activity.h"
#include "dialog.h"

static void test_parse_commands(void **state)
{
    (void)state;
    dialog_cmd c;
    char err[200];
    assert_int_equal(dialog_parse_command("deploy", "a9f3c21", &c, err, sizeof err), 1);
    assert_int_equal(c.action, PLAN_DEPLOY);
    assert_string_equal(c.tag, "a9f3c21");
    assert_string_equal(c.dst, "");
    assert_int_equal(dialog_parse_command("deploy", "  a9f3c21  ", &c, err, sizeof err), 1);
    assert_string_equal(c.tag, "a9f3c21");
    assert_int_equal(dialog_parse_command("deploy", "", &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "usage: :deploy TAG"));
    assert_int_equal(dialog_parse_command("deploy", "a b", &c, err, sizeof err), -1);
    assert_int_equal(dialog_parse_command("deploy-lt", "4", &c, err, sizeof err), 1);
    assert_int_equal(c.action, PLAN_DEPLOY_LT);
    assert_string_equal(c.lt_version, "4");
    assert_string_equal(c.tag, "");
    assert_int_equal(dialog_parse_command("rollback", "", &c, err, sizeof err), 1);
    assert_int_equal(c.action, PLAN_ROLLBACK);
    assert_int_equal(dialog_parse_command("rollback", "now", &c, err, sizeof err), -1);
    assert_non_null(strstr(err, ":rollback"));
    assert_int_equal(dialog_parse_command("cancel", NULL, &c, err, sizeof err), 1);
    assert_int_equal(c.action, PLAN_CANCEL);
    assert_int_equal(dialog_parse_command("promote", "d92f7a3 prod", &c, err, sizeof err), 1);
    assert_int_equal(c.action, PLAN_PROMOTE);
    assert_string_equal(c.tag, "d92f7a3");
    assert_string_equal(c.dst, "prod");
    assert_int_equal(dialog_parse_command("promote", "d92f7a3", &c, err, sizeof err), -1);
    assert_int_equal(dialog_parse_command("promote", "a b c", &c, err, sizeof err), -1);
    /* Not an action: left to the other commands. */
    assert_int_equal(dialog_parse_command("asg", "web-asg", &c, err, sizeof err), 0);
    assert_int_equal(dialog_parse_command("deploys", "x", &c, err, sizeof err), 0);
    /* A word too long is an error, never cut to something else. */
    char longw[400];
    memset(longw, 'a', sizeof longw - 1);
    longw[sizeof longw - 1] = '\0';
    assert_int_equal(dialog_parse_command("deploy", longw, &c, err, sizeof err), -1);
    assert_int_equal(dialog_parse_command("deploy-lt", "1234567890123456789012345678901234", &c, err, sizeof err), -1);
    size_t n = 0;
    while (dialog_commands[n])
        n++;
    assert_int_equal(n, 5);
}

/* A deploy plan as plan_build makes it: three steps, the first skipped. */
static plan *deploy_plan(bool protected_)
{
    plan *p = xcalloc(1, sizeof *p);
    snprintf(p->id, sizeof p->id, "p-20261123T194200Z-1a2b3c");
    p->action = PLAN_DEPLOY;
    p->target.app = xstrdup("web");
    p->target.asg = xstrdup("web-asg");
    p->target.repository = xstrdup("web");
    p->target.region = xstrdup("us-east-1");
    p->target.protected_ = protected_;
    p->arg_tag = xstrdup("a9f3c21");
    plan_step *s = VEC_NEW(p->steps);
    s->kind = STEP_COPY_TAG;
    s->state = STEP_SKIPPED;
    s->description = xstrdup("prod-stable <- prod: already equal");
    s = VEC_NEW(p->steps);
    s->kind = STEP_COPY_TAG;
    s->state = STEP_PENDING;
    s->description = xstrdup("prod <- a9f3c21: sha256:ab12 (a9f3c21), was sha256:cd34 (2f4a8c6)");
    s->cli = xstrdup("aws ecr put-image --repository-name web --image-tag prod");
    s = VEC_NEW(p->steps);
    s->kind = STEP_START_REFRESH;
    s->state = STEP_PENDING;
    s->description = xstrdup("StartInstanceRefresh on web-asg");
    s->cli = xstrdup("aws autoscaling start-instance-refresh --auto-scaling-group-name web-asg");
    strvec_push(&p->notes, "live digest sha256:cd34");
    return p;
}

static char *text_of(const dialog_state *d)
{
    strbuf sb;
    sb_init(&sb);
    dialog_text(d, &sb);
    return sb_steal(&sb);
}

static void test_confirm(void **state)
{
    (void)state;
    plan *p = deploy_plan(false);
    assert_true(dialog_confirm_ok(p, ""));
    assert_true(dialog_confirm_ok(p, NULL));
    dialog_state d = { .phase = DLG_CONFIRM, .p = p };
    char *t = text_of(&d);
    /* What it changes first, then what to press: y runs, Enter does not. */
    assert_true(strncmp(t, "Deploy a9f3c21 to web-asg: ", 27) == 0);
    char *second = strchr(t, '\n') + 1;
    assert_true(strncmp(second, "Run this plan?   y: run    n/Esc: cancel   (Enter does not run it)\n", 67) == 0);
    assert_null(strstr(t, "Enter: run"));
    assert_null(strstr(t, "or Enter"));
    assert_non_null(strstr(t, "prod <- a9f3c21: sha256:ab12 (a9f3c21), was sha256:cd34 (2f4a8c6)"));
    assert_non_null(strstr(t, "[skipped]"));
    assert_non_null(strstr(t, "note: live digest"));
    /* The aws commands folded until asked for. */
    assert_null(strstr(t, "$ aws ecr put-image"));
    assert_non_null(strstr(t, "(a shows the aws commands)"));
    free(t);
    d.show_cli = true;
    t = text_of(&d);
    assert_non_null(strstr(t, "$ aws ecr put-image"));
    assert_non_null(strstr(t, "$ aws autoscaling start-instance-refresh"));
    assert_non_null(strstr(t, "(a hides the aws commands)"));
    free(t);
    /* Rebound keys are the ones named. */
    dialog_keys keys = { .confirm = "C-y", .decline = "N", .commands = "F2" };
    d = (dialog_state){ .phase = DLG_CONFIRM, .p = p, .keys = &keys };
    t = text_of(&d);
    assert_non_null(strstr(t, "C-y: run    N/Esc: cancel"));
    assert_non_null(strstr(t, "(F2 shows the aws commands)"));
    assert_string_equal(dialog_commands_key(&d), "F2");
    free(t);
    d = (dialog_state){ .phase = DLG_CONFIRM, .p = p };
    char title[200];
    dialog_title(&d, title, sizeof title);
    assert_string_equal(title, "deploy plan for web (web-asg)");
    plan_free(p);

    p = deploy_plan(true);
    assert_false(dialog_confirm_ok(p, ""));
    assert_false(dialog_confirm_ok(p, "y"));
    assert_false(dialog_confirm_ok(p, "web-as"));
    assert_false(dialog_confirm_ok(p, "web-asg "));
    assert_true(dialog_confirm_ok(p, "web-asg"));
    d = (dialog_state){ .phase = DLG_CONFIRM, .p = p, .typed = "web-a" };
    t = text_of(&d);
    assert_true(strncmp(t, "Deploy a9f3c21 to web-asg (protected): ", 39) == 0);
    assert_non_null(strstr(t, "type the group's name (web-asg)"));
    assert_non_null(strstr(t, "> web-a_"));
    assert_null(strstr(t, "y: run"));
    /* Letters are typed into the name: the commands key is one that is not. */
    assert_string_equal(dialog_commands_key(&d), "Tab");
    assert_non_null(strstr(t, "(Tab shows the aws commands)"));
    free(t);
    keys = (dialog_keys){ .commands_typing = "" };
    d.keys = &keys;
    t = text_of(&d);
    assert_null(strstr(t, "shows the aws commands"));
    free(t);
    d.keys = NULL;
    /* A refusal offers nothing to run, whatever is typed. */
    p->refusal = xstrdup("no image tagged 'nope' in repository web.");
    assert_false(dialog_confirm_ok(p, "web-asg"));
    d = (dialog_state){ .phase = DLG_CONFIRM, .p = p };
    t = text_of(&d);
    assert_true(strncmp(t, "Refused, nothing will change: deploy a9f3c21 to web-asg\n", 56) == 0);
    assert_non_null(strstr(t, "REFUSED"));
    assert_non_null(strstr(t, "no image tagged 'nope'"));
    assert_null(strstr(t, "y: run"));
    assert_null(strstr(t, "type the group's name"));
    free(t);
    plan_free(p);
}

/* A cancel plan: n and Esc keep the refresh running, and say so. */
static void test_cancel_words(void **state)
{
    (void)state;
    plan *p = xcalloc(1, sizeof *p);
    p->action = PLAN_CANCEL;
    p->target.app = xstrdup("web");
    p->target.asg = xstrdup("web-asg");
    p->running_refresh = xstrdup("r-7");
    p->running_percent = 25;
    plan_step *s = VEC_NEW(p->steps);
    s->kind = STEP_CANCEL_REFRESH;
    s->description = xstrdup("CancelInstanceRefresh on web-asg");
    s->cli = xstrdup("aws autoscaling cancel-instance-refresh --auto-scaling-group-name web-asg");
    dialog_state d = { .phase = DLG_CONFIRM, .p = p };
    char *t = text_of(&d);
    assert_true(strncmp(t, "Cancel refresh r-7 (25 % done) on web-asg: ", 43) == 0);
    assert_non_null(strstr(t, "y: cancel the refresh    n/Esc: keep the refresh running"));
    assert_null(strstr(t, "n/Esc: cancel"));
    free(t);
    p->target.protected_ = true;
    t = text_of(&d);
    assert_non_null(strstr(t, "Esc: keep the refresh running."));
    assert_null(strstr(t, "Esc cancels"));
    free(t);
    plan_free(p);
}

static void test_quit_words(void **state)
{
    (void)state;
    strbuf sb;
    sb_init(&sb);
    dialog_quit_text("watching web's deploy at 25 %; quit and stop guarding?", "y", &sb);
    assert_string_equal(sb.buf,
                        "watching web's deploy at 25 %; quit and stop guarding?\n\n"
                        "y: quit    any other key: stay\n");
    sb_free(&sb);
}

static void test_phases(void **state)
{
    (void)state;
    plan *p = deploy_plan(false);
    assert_int_equal(dialog_current_step(p), 2);
    p->steps.items[1].state = STEP_RUNNING;
    assert_int_equal(dialog_current_step(p), 2);
    dialog_state d = { .phase = DLG_RUNNING, .p = p };
    char *t = text_of(&d);
    assert_non_null(strstr(t, "Running step 2 of 3"));
    assert_non_null(strstr(t, "[running]"));
    assert_non_null(strstr(t, "x stops it at the next step boundary"));
    assert_null(strstr(t, "AUTOMATIC"));
    free(t);
    d.auto_run = true;
    t = text_of(&d);
    assert_non_null(strstr(t, "AUTOMATIC ROLLBACK"));
    free(t);

    assert_null(dialog_plan_refresh_id(p));
    p->steps.items[1].state = STEP_DONE;
    p->steps.items[2].state = STEP_DONE;
    p->steps.items[2].refresh_id = xstrdup("r-0001");
    assert_int_equal(dialog_current_step(p), 0);
    assert_string_equal(dialog_plan_refresh_id(p), "r-0001");
    d = (dialog_state){
        .phase = DLG_DONE, .p = p, .note = "Done: every step done or skipped.", .after = "Watching refresh r-0001"
    };
    t = text_of(&d);
    assert_true(strncmp(t, "Deploy a9f3c21 to web-asg: ", 27) == 0);
    assert_true(strncmp(strchr(t, '\n') + 1, "Done: every step done or skipped.", 33) == 0);
    assert_non_null(strstr(t, "Watching refresh r-0001\n"));
    assert_null(strstr(t, "r plans it again"));
    free(t);
    d.can_replan = true;
    t = text_of(&d);
    assert_non_null(strstr(t, "r plans it again"));
    free(t);

    d = (dialog_state){
        .phase = DLG_OFFER, .note = "refresh Failed: instances failed health checks", .app = "web", .asg = "web-asg"
    };
    t = text_of(&d);
    assert_non_null(strstr(t, "ROLLBACK ADVISED: refresh Failed: instances failed health checks"));
    assert_non_null(strstr(t, "Press R to roll back"));
    free(t);
    char title[200];
    dialog_title(&d, title, sizeof title);
    assert_string_equal(title, "ROLLBACK ADVISED for web (web-asg)");

    d = (dialog_state){ .phase = DLG_BUILDING, .what = "deploy a9f3c21", .app = "web", .asg = "web-asg" };
    t = text_of(&d);
    assert_non_null(strstr(t, "Nothing has changed. Esc stops planning."));
    free(t);
    dialog_title(&d, title, sizeof title);
    assert_string_equal(title, "Planning deploy a9f3c21 for web (web-asg)");
    d.phase = DLG_NONE;
    t = text_of(&d);
    assert_string_equal(t, "");
    free(t);
    plan_free(p);
}

static void test_group_summary(void **state)
{
    (void)state;
    asg_group g = { 0 };
    g.name = "web-asg";
    g.desired_capacity = 4;
    const char *versions[] = { "3", "4", "3", "4", "4" };
    asg_instance ins[5];
    memset(ins, 0, sizeof ins);
    for (int i = 0; i < 5; i++) {
        ins[i].launch_template.launch_template_name = "web-lt";
        ins[i].launch_template.version = (char *)versions[i];
    }
    g.instances.items = ins;
    g.instances.n = 5;
    strbuf sb;
    sb_init(&sb);
    dialog_group_summary(&g, NULL, 0, "prod", true, &sb);
    assert_non_null(strstr(sb.buf, "web-asg is left with 5 instances (desired 4):\n"));
    assert_non_null(strstr(sb.buf, "  2 on web-lt version 3\n"));
    assert_non_null(strstr(sb.buf, "  3 on web-lt version 4\n"));
    assert_non_null(strstr(sb.buf, "the image 'prod' pointed at"));
    sb_free(&sb);

    /* An image deploy: one launch template version, the refresh's start tells the
     * new image from the old. */
    static const char *const ids[] = { "i-1", "i-2", "i-3", "i-4", "i-5" };
    static const aws_time launched[] = { 100, 2000, 3000, 50, 0 };
    ec2_instance e[5];
    memset(e, 0, sizeof e);
    for (int i = 0; i < 5; i++) {
        ins[i].instance_id = (char *)ids[i];
        ins[i].launch_template.version = "3";
        e[i].instance_id = (char *)ids[i];
        e[i].launch_time = launched[i];
    }
    watch_state ws = { .ec2 = { .items = e, .n = 5 } };
    sb_init(&sb);
    dialog_group_summary(&g, &ws, 1000, "prod", true, &sb);
    assert_non_null(strstr(sb.buf, "  5 on web-lt version 3\n"));
    assert_non_null(strstr(sb.buf,
                           "  2 launched by the refresh run the image 'prod' pointed at when they booted "
                           "(the new one); 2 from before it run the old image; 1 not known yet\n"));
    sb_free(&sb);
}

static void test_unfinished(void **state)
{
    (void)state;
    journal_unfinished_list l = { 0 };
    for (int i = 0; i < 2; i++) {
        journal_unfinished *u = VEC_NEW(l);
        u->plan_id = xasprintf("p-%d", i);
        u->action = xstrdup("deploy");
        u->app = xstrdup("web");
        u->user = xstrdup("alice");
        u->time = xstrdup("2026-11-23T19:42:00.000Z");
        u->steps = 3;
        strvec_push(&u->step_state, "ok");
        strvec_push(&u->step_state, "started");
        strvec_push(&u->step_state, "");
    }
    dialog_state d = { .phase = DLG_UNFINISHED, .unfinished = &l, .selected = 1 };
    char *t = text_of(&d);
    assert_non_null(strstr(t,
                           "  deploy plan p-0 for app web, started 2026-11-23T19:42:00.000Z by alice "
                           "(1 of 3 steps done)\n"));
    assert_non_null(strstr(t, "> deploy plan p-1"));
    assert_non_null(strstr(t, "steps: 1 ok, 2 started, 3 not started"));
    assert_non_null(strstr(t, "r: resume"));
    assert_non_null(strstr(t, "a: abandon"));
    free(t);
    journal_unfinished_list_free(&l);
}

static void test_activity_notes(void **state)
{
    (void)state;
    const char *raw = "{\"time\":\"2026-11-23T19:42:01.000Z\",\"event\":\"step_end\",\"plan_id\":\"p-1\","
                      "\"action\":\"deploy\",\"user\":\"alice\",\"asg\":\"web-asg\",\"step\":2,"
                      "\"description\":\"prod <- a9f3c21\",\"outcome\":\"ok\"}";
    json_object *o = json_tokener_parse(raw);
    activity_note n;
    assert_true(activity_note_from_json(&n, o, raw, strlen(raw), 7));
    assert_string_equal(n.id, "tarmac:p-1:7");
    assert_string_equal(n.status, "tarmac ok");
    assert_string_equal(n.asg, "web-asg");
    assert_string_equal(n.desc, "deploy step 2: prod <- a9f3c21");
    assert_non_null(strstr(n.cause, "by alice"));
    assert_string_equal(n.raw, raw);
    aws_time t;
    assert_true(time_parse_iso8601("2026-11-23T19:42:01Z", &t));
    assert_true(n.when == t);
    activity_note_free(&n);
    json_object_put(o);

    /* A step's start is not shown (its end follows); no time: nothing to place. */
    const char *start = "{\"time\":\"2026-11-23T19:42:01.000Z\",\"event\":\"step_start\",\"plan_id\":\"p-1\"}";
    o = json_tokener_parse(start);
    assert_false(activity_note_from_json(&n, o, start, strlen(start), 1));
    json_object_put(o);
    const char *notime = "{\"event\":\"plan_end\",\"plan_id\":\"p-1\",\"outcome\":\"ok\"}";
    o = json_tokener_parse(notime);
    assert_false(activity_note_from_json(&n, o, notime, strlen(notime), 2));
    json_object_put(o);

    const char *ab = "{\"time\":\"2026-11-23T19:50:00.000Z\",\"event\":\"plan_end\",\"plan_id\":\"p-1\","
                     "\"action\":\"deploy\",\"outcome\":\"abandoned\",\"description\":\"abandoned by the operator\"}";
    o = json_tokener_parse(ab);
    assert_true(activity_note_from_json(&n, o, ab, strlen(ab), 3));
    assert_string_equal(n.status, "tarmac abandoned");
    assert_null(n.asg); /* the console fills it from the plan's earlier records */
    assert_non_null(strstr(n.desc, "abandoned by the operator"));
    activity_note_free(&n);
    json_object_put(o);

    const char *ref = "{\"time\":\"2026-11-23T19:51:00.000Z\",\"event\":\"refused\",\"plan_id\":\"p-2\","
                      "\"action\":\"rollback\",\"asg\":\"web-asg\",\"error\":\"no 'prod-stable' tag\"}";
    o = json_tokener_parse(ref);
    assert_true(activity_note_from_json(&n, o, ref, strlen(ref), 4));
    assert_string_equal(n.status, "tarmac refused");
    assert_string_equal(n.desc, "rollback refused: no 'prod-stable' tag");
    activity_note_free(&n);
    json_object_put(o);
}

static void test_wrap(void **state)
{
    (void)state;
    strvec v = { 0 };
    dialog_wrap("short\n\n  $ aws ecr put-image --repository-name web --image-tag prod --image-manifest x", 30, &v);
    assert_int_equal(v.n, 6);
    assert_string_equal(v.items[0], "short");
    assert_string_equal(v.items[1], "");
    assert_string_equal(v.items[2], "  $ aws ecr put-image");
    assert_string_equal(v.items[3], "    --repository-name web");
    assert_string_equal(v.items[4], "    --image-tag prod");
    assert_string_equal(v.items[5], "    --image-manifest x");
    strvec_free(&v);
    /* No space to break at: cut where it must, nothing lost. */
    char word[100];
    memset(word, 'x', 70);
    word[70] = '\0';
    dialog_wrap(word, 30, &v);
    assert_int_equal(v.n, 3);
    assert_int_equal(strlen(v.items[0]), 30);
    assert_int_equal(strlen(v.items[1]), 2 + 28);
    assert_int_equal(strlen(v.items[2]), 2 + 12);
    strvec_free(&v);
    /* Code points, not bytes: a multibyte character is never split. */
    dialog_wrap("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
                16, &v);
    assert_int_equal(v.n, 2);
    assert_int_equal(strlen(v.items[0]), 32);
    strvec_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_commands), cmocka_unit_test(test_confirm),
        cmocka_unit_test(test_cancel_words),   cmocka_unit_test(test_quit_words),
        cmocka_unit_test(test_phases),         cmocka_unit_test(test_group_summary),
        cmocka_unit_test(test_unfinished),     cmocka_unit_test(test_activity_notes),
        cmocka_unit_test(test_wrap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
