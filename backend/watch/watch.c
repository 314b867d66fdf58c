/* watch.c — polls the data sets of watch.h on their intervals. Each poll is one
 * or a few asynchronous calls; its answer replaces the set (or marks it stale and
 * keeps the old data). Answers that arrive for an earlier selection (the user
 * chose another group, or switched region) are dropped by generation number.
 *
 * Every data set is its own file (watch/set_*.c) and one line of watch/sets.def:
 * how it is asked, how its data is dropped, how often it is polled, and what it
 * waits for. This file is what they share: the schedule and the bookkeeping. */
#include "watch/watch_int.h"

#include <stdio.h>

#define RETRY_AFTER_ERROR_MIN_MS 2000

#define SET(ID, name, state) extern const set_def watch_set_def_##name;
#include "watch/sets.def"
#undef SET
static const set_def *const set_defs[WS_COUNT] = {
#define SET(ID, name, state) [WS_##ID] = &watch_set_def_##name,
#include "watch/sets.def"
#undef SET
};

/* ---- bookkeeping ---- */

poll_ctx *watch_ctx_new(watch *w, watch_set set)
{
    poll_ctx *x = xcalloc(1, sizeof *x);
    x->w = w;
    x->set = set;
    x->gen = w->gen[set];
    VEC_PUSH(w->in_flight, x);
    return x;
}

bool watch_ctx_done(poll_ctx *x)
{
    watch *w = x->w;
    if (!w)
        return false;
    for (size_t i = 0; i < w->in_flight.n; i++) {
        if (w->in_flight.items[i] == x) {
            w->in_flight.items[i] = w->in_flight.items[--w->in_flight.n];
            break;
        }
    }
    return x->gen == w->gen[x->set];
}

/* A refresh that someone may be watching: the selected group's, or one shown on
 * another group's row. Whoever started it, polling runs at full speed. */
static bool shown_refresh_active(const watch *w)
{
    if (watch_refresh_active(&w->s))
        return true;
    for (size_t i = 0; i < w->s.other_refreshes.n; i++)
        if (refresh_status_active(w->s.other_refreshes.items[i].status))
            return true;
    return false;
}

bool watch_dozing(const watch *w)
{
    return w->doze_after_ms > 0 && !shown_refresh_active(w) && mono_now_ms() - w->last_key_mono >= w->doze_after_ms;
}

static bool set_shown(const watch *w, watch_set set)
{
    return set_defs[set]->always_shown || (w->shown & WS_BIT(set));
}

/* The interval a set is polled at now: the budget of issue "poll what the screen
 * shows" lives here and only here. */
static int interval_for(const watch *w, watch_set set)
{
    const set_def *d = set_defs[set];
    if (d->fixed_ms)
        return d->fixed_ms;
    int shown_ms = d->shown_mult * w->base_ms;
    if (!set_shown(w, set))
        return shown_ms > w->hidden_min_ms ? shown_ms : w->hidden_min_ms;
    if (d->follows_refresh && watch_refresh_active(&w->s))
        return w->active_ms < shown_ms ? w->active_ms : shown_ms;
    if (d->other_groups && shown_refresh_active(w))
        return w->base_ms;
    if (watch_dozing(w))
        return d->doze_ms > shown_ms ? d->doze_ms : shown_ms;
    /* other groups' rows are never polled faster than the hidden floor */
    if (d->other_groups && shown_ms < w->hidden_min_ms)
        return w->hidden_min_ms;
    return shown_ms;
}

/* Intervals changed (a refresh started or ended, a key after a doze, a pane came
 * on screen or left it): each set's next poll is its last answer plus its new
 * interval, or now when that has passed. A failed set keeps its retry time. */
static void reschedule(watch *w, int64_t now)
{
    for (int set = 0; set < WS_COUNT; set++) {
        watch_meta *m = &w->s.meta[set];
        int iv = interval_for(w, (watch_set)set);
        m->interval_ms = iv;
        if (m->in_flight || m->stale || !m->last_poll_mono || !m->next_due_mono)
            continue;
        m->next_due_mono = m->last_poll_mono + iv > now ? m->last_poll_mono + iv : now;
    }
}

void watch_poll_finished(watch *w, watch_set set, const aws_error *err)
{
    watch_meta *m = &w->s.meta[set];
    bool was_stale = m->stale;
    m->in_flight = false;
    m->interval_ms = interval_for(w, set);
    int64_t next = m->interval_ms;
    if (err) {
        if (strcmp(err->code, "Cancelled") == 0)
            return;
        m->stale = true;
        aws_error_format(err, m->error, sizeof m->error);
        /* Come back sooner after a failure, but not in a storm. */
        if (next > RETRY_AFTER_ERROR_MIN_MS * 4)
            next = RETRY_AFTER_ERROR_MIN_MS * 4;
    } else {
        m->stale = false;
        m->error[0] = '\0';
        m->fetched_at = time_now_ms();
        m->version++;
    }
    int64_t now = mono_now_ms();
    m->last_poll_mono = now;
    m->next_due_mono = now + next;
    if (!err || m->stale != was_stale)
        w->changes |= WS_BIT(set);
    if (!err) {
        /* Sets waiting on this one are asked at once when they never were. */
        for (int s = 0; s < WS_COUNT; s++) {
            watch_meta *dm = &w->s.meta[s];
            if ((set_defs[s]->after & WS_BIT(set)) && !dm->fetched_at && !dm->in_flight && !dm->stale)
                dm->next_due_mono = 0;
        }
        /* A refresh seen starting (or ending) changes every interval. */
        if (set_defs[set]->sees_refreshes)
            reschedule(w, now);
    }
}

void watch_fail_start(watch *w, poll_ctx *x, const aws_error *err)
{
    watch_set set = x->set;
    watch_ctx_done(x);
    free(x);
    watch_poll_finished(w, set, err);
}

const char *watch_set_name(watch_set set)
{
    return set < WS_COUNT ? set_defs[set]->name : "?";
}

/* ---- polling ---- */

void watch_tick(watch *w, int64_t now)
{
    for (int set = 0; set < WS_COUNT; set++) {
        watch_meta *m = &w->s.meta[set];
        if (m->in_flight || now < m->next_due_mono)
            continue;
        m->in_flight = true;
        if (!set_defs[set]->start(w)) {
            m->in_flight = false;
            m->next_due_mono = now + interval_for(w, (watch_set)set);
        }
    }
}

int watch_next_due_ms(const watch *w, int64_t now)
{
    int64_t best = INT32_MAX;
    for (int set = 0; set < WS_COUNT; set++) {
        const watch_meta *m = &w->s.meta[set];
        if (m->in_flight)
            continue;
        int64_t d = m->next_due_mono - now;
        if (d < best)
            best = d;
    }
    /* the moment dozing starts, so the intervals stretch then */
    if (w->doze_after_ms > 0 && !watch_dozing(w)) {
        int64_t d = w->last_key_mono + w->doze_after_ms - now;
        if (d >= 0 && d < best)
            best = d;
    }
    return best < 0 ? 0 : (int)best;
}

void watch_refresh_now(watch *w)
{
    for (int set = 0; set < WS_COUNT; set++)
        if (!set_defs[set]->fixed_ms || w->s.meta[set].stale || !w->s.meta[set].fetched_at)
            w->s.meta[set].next_due_mono = 0;
}

void watch_set_shown(watch *w, unsigned sets)
{
    if (sets == w->shown)
        return;
    w->shown = sets;
    reschedule(w, mono_now_ms());
}

void watch_user_active(watch *w)
{
    int64_t now = mono_now_ms();
    bool was_dozing = watch_dozing(w);
    w->last_key_mono = now;
    if (was_dozing)
        reschedule(w, now);
}

/* Drop a set's data and orphan its answers in flight. */
static void reset_set(watch *w, watch_set set)
{
    w->gen[set]++;
    watch_meta *m = &w->s.meta[set];
    m->in_flight = false;
    m->stale = false;
    m->error[0] = '\0';
    m->fetched_at = 0;
    m->last_poll_mono = 0;
    m->next_due_mono = 0;
    m->version++;
    w->changes |= WS_BIT(set);
    set_defs[set]->drop(w);
}

void watch_select_asg(watch *w, const char *name)
{
    if (str_eq(w->s.selected_asg, name))
        return;
    str_set(&w->s.selected_asg, name);
    /* every set that hangs off the selected group */
    for (int set = 0; set < WS_COUNT; set++)
        if (!set_defs[set]->other_groups && (set_defs[set]->after & WS_BIT(WS_GROUPS)))
            reset_set(w, (watch_set)set);
    /* The group left behind is one of the others now: ask about them soon. */
    if (!w->s.meta[WS_OTHER_REFRESHES].in_flight)
        w->s.meta[WS_OTHER_REFRESHES].next_due_mono = mono_now_ms() + 1000;
    w->changes |= WS_BIT(WS_GROUPS);
}

void watch_set_repository(watch *w, const char *repo)
{
    if (str_eq(w->s.repository, repo))
        return;
    str_set(&w->s.repository, repo);
    reset_set(w, WS_IMAGES);
}

void watch_set_client(watch *w, aws_client *c)
{
    w->client = c;
    for (int set = 0; set < WS_COUNT; set++)
        reset_set(w, (watch_set)set);
    free(w->s.selected_asg);
    w->s.selected_asg = NULL;
}

void watch_set_scope(watch *w, const strvec *asg_names, const strvec *alarm_names)
{
    strvec_free(&w->asg_names);
    for (size_t i = 0; asg_names && i < asg_names->n; i++)
        strvec_push(&w->asg_names, asg_names->items[i]);
    strvec_free(&w->s.alarm_names);
    for (size_t i = 0; alarm_names && i < alarm_names->n; i++)
        strvec_push(&w->s.alarm_names, alarm_names->items[i]);
    reset_set(w, WS_GROUPS);
    reset_set(w, WS_ALARMS);
}

unsigned watch_take_changes(watch *w)
{
    unsigned c = w->changes;
    w->changes = 0;
    return c;
}

watch *watch_new(aws_client *c, const watch_opts *o)
{
    watch *w = xcalloc(1, sizeof *w);
    w->client = c;
    w->base_ms = o->base_interval_ms > 0 ? o->base_interval_ms : WATCH_DEFAULT_BASE_MS;
    w->active_ms = o->active_interval_ms > 0 ? o->active_interval_ms : 2000;
    w->hidden_min_ms = o->hidden_min_ms > 0 ? o->hidden_min_ms : WATCH_HIDDEN_MIN_MS;
    w->doze_after_ms = o->doze_after_ms;
    w->shown = WS_ALL;
    w->last_key_mono = mono_now_ms();
    if (o->asg_names)
        for (size_t i = 0; i < o->asg_names->n; i++)
            strvec_push(&w->asg_names, o->asg_names->items[i]);
    if (o->alarm_names)
        for (size_t i = 0; i < o->alarm_names->n; i++)
            strvec_push(&w->s.alarm_names, o->alarm_names->items[i]);
    w->s.selected_asg = xstrdup(o->initial_asg);
    w->s.repository = xstrdup(o->repository);
    for (int set = 0; set < WS_COUNT; set++) {
        w->s.meta[set].interval_ms = interval_for(w, (watch_set)set);
        if (set_defs[set]->scratch_size)
            w->scratch[set] = xcalloc(1, set_defs[set]->scratch_size);
    }
    return w;
}

void watch_free(watch *w)
{
    if (!w)
        return;
    /* Answers still in flight find their watch gone and only free themselves. */
    for (size_t i = 0; i < w->in_flight.n; i++)
        w->in_flight.items[i]->w = NULL;
    VEC_FREE(w->in_flight);
    for (int set = 0; set < WS_COUNT; set++) {
        reset_set(w, (watch_set)set);
        free(w->scratch[set]);
    }
    free(w->s.selected_asg);
    free(w->s.repository);
    strvec_free(&w->s.alarm_names);
    strvec_free(&w->asg_names);
    free(w);
}

const watch_state *watch_get(const watch *w)
{
    return &w->s;
}

/* ---- questions about the state ---- */

bool watch_refresh_active(const watch_state *s)
{
    for (size_t i = 0; i < s->refreshes.n; i++)
        if (refresh_status_active(s->refreshes.items[i].status))
            return true;
    return false;
}

const asg_group *watch_selected_group(const watch_state *s)
{
    if (!s->selected_asg)
        return NULL;
    for (size_t i = 0; i < s->groups.n; i++)
        if (str_eq(s->groups.items[i].name, s->selected_asg))
            return &s->groups.items[i];
    return NULL;
}

const instance_refresh *watch_other_refresh(const watch_state *s, const char *asg)
{
    for (size_t i = 0; asg && i < s->other_refreshes.n; i++)
        if (str_eq(s->other_refreshes.items[i].auto_scaling_group_name, asg))
            return &s->other_refreshes.items[i];
    return NULL;
}

watch_read watch_refreshes_read(const watch_state *s, const char **err)
{
    const watch_meta *m = &s->meta[WS_REFRESHES];
    if (err)
        *err = m->error;
    if (m->stale)
        return WATCH_READ_FAILED;
    return m->fetched_at ? WATCH_READ_OK : WATCH_READ_PENDING;
}

watch_read watch_group_refreshes_read(const watch_state *s, const char *asg, const char **err)
{
    if (str_eq(asg, s->selected_asg))
        return watch_refreshes_read(s, err);
    const watch_meta *m = &s->meta[WS_OTHER_REFRESHES];
    if (err)
        *err = m->error;
    if (strvec_contains(&s->other_refreshes_failed, asg))
        return WATCH_READ_FAILED;
    if (!m->fetched_at && !m->stale)
        return WATCH_READ_PENDING;
    /* Read when it was among the groups asked (the first WATCH_OTHER_GROUPS_MAX). */
    if (watch_other_refresh(s, asg))
        return WATCH_READ_OK;
    size_t asked = 0;
    for (size_t i = 0; i < s->groups.n && asked < WATCH_OTHER_GROUPS_MAX; i++) {
        const char *name = s->groups.items[i].name;
        if (!name || str_eq(name, s->selected_asg))
            continue;
        if (str_eq(name, asg))
            return WATCH_READ_OK;
        asked++;
    }
    return WATCH_READ_PENDING;
}

const instance_refresh *watch_find_refresh(const watch_state *s, const char *refresh_id)
{
    for (size_t i = 0; refresh_id && i < s->refreshes.n; i++)
        if (str_eq(s->refreshes.items[i].instance_refresh_id, refresh_id))
            return &s->refreshes.items[i];
    return NULL;
}

size_t watch_health_lists(const watch_state *s, const target_health_list **out, size_t cap)
{
    size_t n = 0;
    for (size_t t = 0; t < s->target_groups.n && n < cap; t++)
        out[n++] = &s->target_groups.items[t].health;
    return n;
}

const ec2_instance *watch_ec2_instance(const watch_state *s, const char *instance_id)
{
    for (size_t i = 0; i < s->ec2.n; i++)
        if (str_eq(s->ec2.items[i].instance_id, instance_id))
            return &s->ec2.items[i];
    return NULL;
}
