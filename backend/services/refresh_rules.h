/* refresh_rules.h — every rule AWS refuses a StartInstanceRefresh's Preferences
 * for, in one table, checked twice before anything changes: when the config file
 * is read (tarmac.yaml's apps.NAME.refresh, an error with file:line) and when a
 * plan is built (the preferences the start step will really send, with the
 * group's launch template and the step's desired configuration; a refusal). A
 * refresh AWS refuses at the plan's last step would leave the tags moved.
 *
 * The rules come from the Amazon EC2 Auto Scaling API reference:
 *   https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RefreshPreferences.html
 *   https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_AlarmSpecification.html
 *   https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_StartInstanceRefresh.html
 * and botocore's autoscaling model (ranges, enums). Rules of tarmac's own (not
 * AWS's) say so in their text. */
#ifndef TARMAC_REFRESH_RULES_H
#define TARMAC_REFRESH_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "services/model.h"

/* What is known besides the preferences. */
typedef struct refresh_rule_ctx {
    bool plan; /* false: the config file (rules needing the plan are left out) */
    bool has_desired_configuration;
    const char *group_lt_version;   /* the group's LaunchTemplate.Version ("$Latest", "3"); NULL: unknown */
    const char *desired_lt_version; /* the DesiredConfiguration's version; NULL: none */
} refresh_rule_ctx;

typedef struct refresh_violation {
    const char *rule;   /* a short stable id ("checkpoint-delay-needs-percentages") */
    const char *key;    /* the config key it is about ("checkpoint_delay") */
    const char *member; /* the AWS member ("CheckpointDelay") */
    bool aws;           /* AWS refuses it (false: a rule of tarmac's own) */
    char text[320];     /* what is wrong, in words, with the values */
} refresh_violation;

/* Checks p against every rule; writes up to max violations to out (may be NULL
 * with max 0) in the table's order and returns how many there are in all. */
size_t refresh_rules_check(const refresh_prefs *p, const refresh_rule_ctx *ctx, refresh_violation *out, size_t max);

/* The ids of every rule, in the table's order (for tests and docs); *n gets the count. */
const char *const *refresh_rules_ids(size_t *n);

#endif
