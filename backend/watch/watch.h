/* watch.h — the console's live model: what it watches (the region's ASGs; for the
 * selected ASG its instances, EC2 details, refreshes, activities, target groups with
 * health; the app's ECR repository and images; CloudWatch alarms; who we are), each
 * data set polled on its own interval through the client core's event loop.
 *
 * A poll result replaces one data set and bumps its version; the console asks
 * watch_take_changes() which sets changed and redraws only those panes. A failed
 * poll keeps the last data, marks the set stale and keeps the error. Nothing here
 * blocks: watch_tick() only starts calls; answers arrive in aws_client_run(). */
#ifndef TARMAC_WATCH_H
#define TARMAC_WATCH_H

#include "aws/aws.h"
#include "services/model.h"

typedef enum watch_set {
#define SET(ID, name, state) WS_##ID,
#include "watch/sets.def"
#undef SET
    WS_COUNT
} watch_set;

#define WS_BIT(s)              (1u << (s))
#define WS_ALL                 ((1u << WS_COUNT) - 1)
#define WATCH_OTHER_GROUPS_MAX 25 /* one call each per poll: bounded for big regions */

typedef struct watch_meta {
    aws_time fetched_at;    /* wall clock of the last successful answer (0: never) */
    int64_t next_due_mono;  /* monotonic ms when the next poll starts */
    int64_t last_poll_mono; /* monotonic ms when the last poll ended (0: none since reset) */
    bool in_flight;
    bool stale;       /* the last poll failed (data kept from before) */
    char error[320];  /* "DescribeTargetHealth: AccessDenied: ..." of the last failure */
    unsigned version; /* bumped whenever the data set is replaced */
    int interval_ms;  /* current poll interval */
} watch_meta;

typedef struct watch_tg {
    target_group tg;
    target_health_list health;
    bool health_ok;
} watch_tg;
typedef VEC(watch_tg) watch_tg_list;

/* Each data set's members, as watch/sets.def declares them. */
typedef struct watch_state {
#define SET(ID, name, state) state
#include "watch/sets.def"
#undef SET
    watch_meta meta[WS_COUNT];
} watch_state;

typedef struct watch_opts {
    const strvec *asg_names;   /* NULL/empty: every group of the region */
    const char *initial_asg;   /* select this group at start (NULL: the first) */
    const char *repository;    /* ECR repository to watch (NULL: none) */
    const strvec *alarm_names; /* CloudWatch alarms to watch */
    int base_interval_ms;      /* 0: WATCH_DEFAULT_BASE_MS */
    int active_interval_ms;    /* while a refresh runs; 0: 2000 */
    int hidden_min_ms;         /* sets not on screen, other groups; 0: WATCH_HIDDEN_MIN_MS */
    int doze_after_ms;         /* no key for this long: poll slowly; 0: never (no keyboard) */
} watch_opts;

/* The polling budget ("poll what the screen shows"). Each set is polled at a
 * multiple of the base interval while it is on screen (the shown group, its
 * refreshes and targets every base interval; slower sets at 2x to 10x), at
 * least every WATCH_HIDDEN_MIN_MS when it is not (nor are other groups' rows),
 * at the active interval while a shown refresh runs (whoever started it), and
 * at most a few times an hour after doze_after_ms without a key. Each set's
 * file (watch/set_*.c) holds its figures, sets.def the sum. */
#define WATCH_DEFAULT_BASE_MS 30000
#define WATCH_HIDDEN_MIN_MS   (2 * 60 * 1000)
#define WATCH_DOZE_AFTER_MS   (10 * 60 * 1000)

typedef struct watch watch;

watch *watch_new(aws_client *c, const watch_opts *o);
void watch_free(watch *w);
const watch_state *watch_get(const watch *w);

/* Start every poll that is due (non-blocking). Call after aws_client_run(). */
void watch_tick(watch *w, int64_t now_mono_ms);
/* Milliseconds until the next poll is due (>= 0), for the event loop's wait. */
int watch_next_due_ms(const watch *w, int64_t now_mono_ms);
/* Which sets are on screen (WS_BIT mask; the panes' sets): the others are polled
 * on the hidden interval. A new watch takes every set as shown. */
void watch_set_shown(watch *w, unsigned sets);
/* Someone pressed a key: after a doze, everything old is polled at once. */
void watch_user_active(watch *w);
/* True while nobody pressed a key for doze_after_ms and no shown refresh runs:
 * polling is slow, and the header says so. */
bool watch_dozing(const watch *w);
/* The set's name in the table ("groups", "targets", ...), for logs and tests. */
const char *watch_set_name(watch_set set);
/* Poll everything now (the `r` key). */
void watch_refresh_now(watch *w);
/* Choose the group that drives the other sets: clears them and polls at once. */
void watch_select_asg(watch *w, const char *name);
void watch_set_repository(watch *w, const char *repo);
/* Switch to another client (region/profile change): drops all data, polls anew. */
void watch_set_client(watch *w, aws_client *c);

/* Watch other groups and alarms (after a switch to another profile or region):
 * drops those sets and polls anew. asg_names NULL/empty: every group of the region. */
void watch_set_scope(watch *w, const strvec *asg_names, const strvec *alarm_names);

/* Bitmask of WS_BIT(set) replaced or changed in staleness since the last call. */
unsigned watch_take_changes(watch *w);

/* True while the selected group has an instance refresh that is not finished
 * (Pending, InProgress, Cancelling, RollbackInProgress, Baking). */
bool watch_refresh_active(const watch_state *s);
/* The selected group in s->groups, or NULL. */
const asg_group *watch_selected_group(const watch_state *s);
/* The EC2 details of an instance, or NULL. */
const ec2_instance *watch_ec2_instance(const watch_state *s, const char *instance_id);
/* The latest refresh of a group that is not the selected one, or NULL (none, not
 * polled yet, or beyond WATCH_OTHER_GROUPS_MAX). */
const instance_refresh *watch_other_refresh(const watch_state *s, const char *asg);

/* Whether a group's instance refreshes are known: an empty list means "none" only
 * when they were read. DescribeInstanceRefreshes can fail (AccessDenied, an
 * emulator without refreshes, a fault) and then nothing can be said. */
typedef enum watch_read {
    WATCH_READ_PENDING, /* not answered yet (or not polled: beyond WATCH_OTHER_GROUPS_MAX) */
    WATCH_READ_OK,      /* read: the list is what AWS has (maybe empty: none) */
    WATCH_READ_FAILED,  /* the last read failed; *err says why (what is shown is older) */
} watch_read;
/* For the selected group (WS_REFRESHES). err may be NULL. */
watch_read watch_refreshes_read(const watch_state *s, const char **err);
/* For any group: the selected one as above, another from WS_OTHER_REFRESHES. */
watch_read watch_group_refreshes_read(const watch_state *s, const char *asg, const char **err);
/* The selected group's refresh with that id, or NULL. */
const instance_refresh *watch_find_refresh(const watch_state *s, const char *refresh_id);
/* Points out[] at the target-health lists of the selected group's target groups
 * (at most cap of them); returns how many. */
size_t watch_health_lists(const watch_state *s, const target_health_list **out, size_t cap);

#endif
