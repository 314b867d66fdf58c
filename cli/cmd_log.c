/* cmd_log.c — `tarmac log`: the action journal (plans, their steps, and what
 * came of them: guard verdicts, rollback offers, what triggered a plan), one
 * aligned line per record (--app NAME: that app's; --limit N: the newest N), or
 * with --json its records, one JSON object per line, terminal-safe (cli_put_json). */
#include "cmd_actions_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct log_ctx {
    const char *app;
    bool json;
    int limit;
    size_t total, index;
} log_ctx;

static const char *js(json_object *o, const char *k)
{
    json_object *v;
    if (json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return NULL;
}

static bool log_count(void *ud, json_object *o, const char *raw, size_t len)
{
    (void)raw;
    (void)len;
    log_ctx *l = ud;
    if (!l->app || str_eq(js(o, "app"), l->app))
        l->total++;
    return true;
}

static void col(const char *s, int width)
{
    cli_cell(stdout, s, width);
}

static bool log_print(void *ud, json_object *o, const char *raw, size_t len)
{
    (void)raw;
    (void)len;
    log_ctx *l = ud;
    if (l->app && !str_eq(js(o, "app"), l->app))
        return true;
    size_t skip = l->limit > 0 && l->total > (size_t)l->limit ? l->total - (size_t)l->limit : 0;
    if (l->index++ < skip)
        return true;
    if (l->json) {
        /* The record as tarmac writes it (the same bytes for its own lines), through
         * the one JSON printer: json-c escapes the controls, cli_put_json the rest. */
        (void)raw;
        (void)len;
        cli_put_json(stdout,
                     json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        return true;
    }
    json_object *st;
    char step[16] = "";
    if (json_object_object_get_ex(o, "step", &st) && json_object_is_type(st, json_type_int))
        snprintf(step, sizeof step, "%d", json_object_get_int(st));
    const char *t = js(o, "time");
    char when[24] = "-";
    if (t)
        snprintf(when, sizeof when, "%.10s %.8s", t, strlen(t) > 11 ? t + 11 : "");
    col(when, 20);
    fputc(' ', stdout);
    col(js(o, "user"), 10);
    fputc(' ', stdout);
    col(js(o, "app"), 12);
    fputc(' ', stdout);
    col(js(o, "action"), 10);
    fputc(' ', stdout);
    col(js(o, "plan_id"), 26);
    fputc(' ', stdout);
    col(step[0] ? step : "-", 4);
    fputc(' ', stdout);
    col(js(o, "event"), 16);
    fputc(' ', stdout);
    col(js(o, "outcome"), 9);
    fputc(' ', stdout);
    /* What the record says: a failure, a verdict's or offer's reason (with the
     * refresh's end state), what triggered a plan, else the step. */
    const char *what = js(o, "error") ? js(o, "error")
        : js(o, "reason")             ? js(o, "reason")
        : js(o, "trigger")            ? js(o, "trigger")
                                      : js(o, "description");
    cli_put(stdout, what, 160);
    fputc('\n', stdout);
    return true;
}

int cmd_log(cli_globals *g)
{
    act_opts o;
    int rc = act_parse_opts(g, &o);
    if (rc) {
        strvec_free(&o.pos);
        return rc;
    }
    char *path = journal_default_path();
    log_ctx l = { .app = g->app, .json = g->json || o.json, .limit = o.limit };
    strbuf err;
    sb_init(&err);
    if (l.limit)
        journal_scan(path, log_count, &l, &err);
    if (!l.json) {
        printf("%-20s %-10s %-12s %-10s %-26s %-4s %-16s %-9s %s\n", "TIME", "USER", "APP", "ACTION", "PLAN", "STEP",
               "EVENT", "OUTCOME", "WHAT");
    }
    if (journal_scan(path, log_print, &l, &err) != 0) {
        cli_error("%s", err.buf);
        rc = EXIT_AWS;
    }
    sb_free(&err);
    free(path);
    strvec_free(&o.pos);
    return rc;
}
