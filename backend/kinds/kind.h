/* kind.h — app kinds as an interface. An app is of a kind (the config's kind:,
 * asg by default); the kind supplies what differs between, say, an Auto Scaling
 * group and an ECS service: the data sets the console polls for it, its panes,
 * its plan builders (deploy, rollback, cancel, promote) and its guard signals
 * (progress, failed, unhealthy, alarms). Code outside a kind's own folder
 * (kinds/<kind>/) asks the kind and never tests which kind it is.
 *
 * Adding a kind: kinds/<kind>/<kind>_config.c (its config_kind: keys, rules),
 * kinds/<kind>/kind_<kind>.c (its app_kind), one line in kinds/kinds.def. */
#ifndef TARMAC_KIND_H
#define TARMAC_KIND_H

#include <stdbool.h>

#include "config.h"
#include "deploy/plan.h"
#include "watch/watch.h"

/* The persistent mark of a broken app: its last rollout ended badly and live
 * still names what it deployed. Drawn in the header and on its row at every size
 * until a later rollout succeeds or live is rolled back. */
typedef struct app_mark {
    bool broken;
    char status[32]; /* the rollout's end ("Failed") */
    char live[128];  /* what live names: commit tag or short digest ("?": unknown) */
    char text[320];  /* "refresh Failed; prod -> e5d1f0c: new launches run it; R rolls back" */
} app_mark;

typedef struct app_kind {
    const config_kind *config; /* name, summary, config keys and rules */
    /* The watch's data sets an app of this kind shows (WS_BIT mask): the console
     * polls only these for it. */
    unsigned data_sets;
    /* Its panes by registry name (panes/panes.def), NULL-terminated. */
    const char *const *panes;
    /* The pane that follows a rollout this console started (brought to the front
     * of the tabs), and its companion shown under it where there is room. */
    const char *rollout_pane, *rollout_mate;
    /* The plan actions it offers (KIND_ACTION(PLAN_DEPLOY) | ...). */
    unsigned actions;
    /* The resource its plans act on, by name (a protected app's operator types it). */
    const char *(*resource)(const app_config *a);
    /* Builds a plan for an action it offers (plan.h's plan_build contract). */
    plan_builder build;
    /* The data sets whose poll is one observation for the guard (its "polls"). */
    unsigned guard_sets;
    /* One poll of the watch model, as the guard's signals, for the rollout with
     * that id (NULL: the newest). False when the poll says nothing yet (the data
     * set was not read, or failed: unknown, never "none"). */
    bool (*guard_signals)(const watch_state *ws, const char *rollout_id, guard_signals *out);
    /* Whether app (NULL: the flags' group and repository) is broken (app_mark), from
     * what the watch read; false with out->broken false when not, when not known
     * yet, or when ws shows another of the kind's resources than app's. */
    bool (*mark)(const watch_state *ws, const app_config *app, const char *live_tag, const char *stable_tag,
                 app_mark *out);
} app_kind;

#define KIND_ACTION(a) (1u << (a))

/* The kind named name (kinds/kinds.def), or NULL. */
const app_kind *app_kind_find(const char *name);
/* The kind of a config app; NULL app (--asg/--repo flags): the default kind. */
const app_kind *app_kind_of(const app_config *a);
/* A plan target's kind (the journal's, for resumed plans); the default when unknown. */
const app_kind *app_kind_of_target(const plan_target *t);
/* Every kind, in kinds.def's order; *n gets the count. */
const app_kind *const *app_kinds(size_t *n);
bool app_kind_offers(const app_kind *k, plan_action a);

#endif
