/* watch_int.h — what the data sets' own files (watch/set_*.c) share with the
 * watch's core (watch.c): the watch itself, a poll's context, and the row each set
 * defines. A data set is one file defining `const set_def watch_set_def_<name>`
 * plus one line in watch/sets.def. */
#ifndef TARMAC_WATCH_INT_H
#define TARMAC_WATCH_INT_H

#include <stdlib.h>
#include <string.h>

#include "aws/join.h"
#include "services/services.h"
#include "watch/watch.h"

#define MINUTE_MS (60 * 1000)

struct watch {
    aws_client *client;
    watch_state s;
    strvec asg_names;
    int base_ms, active_ms, hidden_min_ms, doze_after_ms;
    unsigned shown;        /* WS_BIT mask of the sets on screen */
    int64_t last_key_mono; /* when someone last pressed a key (watch_user_active) */
    unsigned changes;
    unsigned gen[WS_COUNT];           /* bumped to orphan answers in flight */
    VEC(struct poll_ctx *) in_flight; /* so watch_free can orphan them */
    /* What a set asked with several calls gathers until its join says done
     * (set_def.scratch_size bytes, zeroed; the set's drop empties it). */
    void *scratch[WS_COUNT];
};

typedef struct poll_ctx {
    watch *w; /* NULL when the watch was freed meanwhile */
    watch_set set;
    unsigned gen;
    size_t index; /* which target group or other group */
} poll_ctx;

/* One data set: how it is asked, dropped, and how often. */
typedef struct set_def {
    const char *name;
    /* Sends the set's calls; false when there is nothing to ask now (no group
     * selected, no repository, ...). */
    bool (*start)(watch *w);
    /* Frees the set's data and what a poll in progress gathered. */
    void (*drop)(watch *w);
    int shown_mult;       /* on screen, nothing running: this × the base interval */
    int fixed_ms;         /* > 0: always this interval (who we are changes rarely); `r`
                                    polls it again only when it failed or was never read */
    bool follows_refresh; /* at the active interval while a shown refresh runs */
    bool always_shown;    /* the header and the guard read it: shown whatever the panes */
    bool other_groups;    /* rows of the groups not selected: never faster than the hidden
                                    floor, unless a refresh shows on one of them; kept when
                                    another group is selected */
    bool sees_refreshes;  /* its answer may show a refresh starting or ending */
    int doze_ms;          /* nobody at the keyboard (watch_opts.doze_after_ms) */
    unsigned after;       /* asked at once (when never read) as soon as these arrive */
    size_t scratch_size;  /* bytes of watch.scratch[set] */
} set_def;

/* The core's bookkeeping, for the sets' files. */
poll_ctx *watch_ctx_new(watch *w, watch_set set);
/* Forget the context; returns true when its answer still matters. */
bool watch_ctx_done(poll_ctx *x);
/* The poll of set ended: err NULL (the set's data was replaced) or why not. */
void watch_poll_finished(watch *w, watch_set set, const aws_error *err);
/* A call that could not even be sent: frees x and fails the poll. */
void watch_fail_start(watch *w, poll_ctx *x, const aws_error *err);

/* The answer of a set asked with one call: the list replaces the set's data when
 * it still matters, else it is freed. One callback per list type, all alike. */
#define ONE_CALL_SET(fn, list_type, field, free_fn, set_id)                                                            \
    static void fn(aws_client *c, list_type *res, const aws_error *err, void *ud)                                      \
    {                                                                                                                  \
        (void)c;                                                                                                       \
        poll_ctx *x = ud;                                                                                              \
        bool live = watch_ctx_done(x);                                                                                 \
        if (live && !err) {                                                                                            \
            free_fn(&x->w->s.field);                                                                                   \
            x->w->s.field = *res;                                                                                      \
        } else {                                                                                                       \
            free_fn(res);                                                                                              \
        }                                                                                                              \
        if (live)                                                                                                      \
            watch_poll_finished(x->w, set_id, err);                                                                    \
        free(x);                                                                                                       \
    }

static inline void watch_refreshes_free(instance_refresh_list *l)
{
    MODEL_LIST_FREE(*l, instance_refresh_free);
}

#endif
