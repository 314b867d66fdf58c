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

typedef struct app_kind {
    const config_kind *config;     /* name, summary, config keys and rules */
    /* The watch's data sets an app of this kind shows (WS_BIT mask): the console
     * polls only these for it. */
    unsigned data_sets;
    /* Its panes by registry name (panes/panes.def), NULL-terminated. */
    const char *const *panes;
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
