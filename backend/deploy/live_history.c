/* live_history.c — the live tag's moves, read back from the journal (live_history.h). */
#include "deploy/live_history.h"

#include <stdlib.h>
#include <string.h>

#include "deploy/journal.h"

/* The destination tags of one plan's steps (its own, then its undo steps'). */
typedef struct plan_tags {
    char *plan_id;
    strvec dst; /* by step number - 1; "" where a step moves no tag */
} plan_tags;

typedef struct scan {
    const char *repository, *region, *tag;
    VEC(plan_tags) plans;
    live_history *out;
} scan;

static const char *str_of(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                                                             : NULL;
}

static plan_tags *find_plan(scan *s, const char *id)
{
    for (size_t i = 0; id && i < s->plans.n; i++)
        if (str_eq(s->plans.items[i].plan_id, id))
            return &s->plans.items[i];
    return NULL;
}

static void add_steps(plan_tags *pt, json_object *steps)
{
    if (!steps || !json_object_is_type(steps, json_type_array))
        return;
    size_t n = json_object_array_length(steps);
    for (size_t i = 0; i < n && pt->dst.n < 1000; i++) {
        json_object *st = json_object_array_get_idx(steps, i);
        bool copy = str_eq(str_of(st, "kind"), "copy_tag");
        const char *dst = copy ? str_of(st, "dst_tag") : NULL;
        strvec_push(&pt->dst, dst ? dst : "");
    }
}

static void push_move(live_history *h, aws_time at, const char *digest, const char *plan_id)
{
    if (h->moves.n == LIVE_HISTORY_MAX) { /* keep the newest */
        free(h->moves.items[0].digest);
        free(h->moves.items[0].plan_id);
        memmove(h->moves.items, h->moves.items + 1, (h->moves.n - 1) * sizeof *h->moves.items);
        h->moves.n--;
    }
    live_move *m = VEC_NEW(h->moves);
    m->at = at;
    m->digest = xstrdup(digest);
    m->plan_id = xstrdup(plan_id);
}

static bool on_record(void *ud, json_object *o, const char *raw, size_t len)
{
    (void)raw;
    (void)len;
    scan *s = ud;
    const char *event = str_of(o, "event"), *id = str_of(o, "plan_id");
    if (!event || !id || !str_eq(str_of(o, "repository"), s->repository))
        return true;
    if (s->region && str_of(o, "region") && !str_eq(str_of(o, "region"), s->region))
        return true;
    json_object *v;
    if (str_eq(event, "plan_start") && json_object_object_get_ex(o, "plan", &v)) {
        plan_tags *pt = find_plan(s, id);
        if (!pt) {
            pt = VEC_NEW(s->plans);
            pt->plan_id = xstrdup(id);
        }
        strvec_free(&pt->dst);
        json_object *steps;
        if (json_object_object_get_ex(v, "steps", &steps))
            add_steps(pt, steps);
    } else if (str_eq(event, "plan_undo") && json_object_object_get_ex(o, "undo_steps", &v)) {
        plan_tags *pt = find_plan(s, id);
        if (pt)
            add_steps(pt, v); /* numbered after the plan's own steps */
    } else if (str_eq(event, "step_end") && str_eq(str_of(o, "step_kind"), "copy_tag")) {
        const char *outcome = str_of(o, "outcome"), *digest = str_of(o, "after_digest");
        plan_tags *pt = find_plan(s, id);
        json_object *st;
        int step = json_object_object_get_ex(o, "step", &st) && json_object_is_type(st, json_type_int)
            ? json_object_get_int(st)
            : 0;
        aws_time at;
        if (!pt || step < 1 || (size_t)step > pt->dst.n || !digest || !time_parse_iso8601(str_of(o, "time"), &at))
            return true;
        if ((str_eq(outcome, "ok") || str_eq(outcome, "skipped")) && str_eq(pt->dst.items[step - 1], s->tag))
            push_move(s->out, at, digest, id);
    }
    return true;
}

int live_history_read(const char *path, const char *repository, const char *region, const char *tag, live_history *out,
                      strbuf *err)
{
    memset(out, 0, sizeof *out);
    if (!repository || !tag)
        return 0;
    scan s = { .repository = repository, .region = region, .tag = tag, .out = out };
    int rc = journal_scan(path, on_record, &s, err);
    for (size_t i = 0; i < s.plans.n; i++) {
        free(s.plans.items[i].plan_id);
        strvec_free(&s.plans.items[i].dst);
    }
    VEC_FREE(s.plans);
    return rc;
}

void live_history_free(live_history *h)
{
    for (size_t i = 0; i < h->moves.n; i++) {
        free(h->moves.items[i].digest);
        free(h->moves.items[i].plan_id);
    }
    VEC_FREE(h->moves);
}

const char *live_history_at(const live_history *h, aws_time t)
{
    const char *found = NULL;
    for (size_t i = 0; i < h->moves.n && h->moves.items[i].at <= t; i++)
        found = h->moves.items[i].digest;
    return found;
}
