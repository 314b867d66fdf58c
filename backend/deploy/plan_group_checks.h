/* plan_group_checks.h — what the group and the app's images say about a refresh
 * before it starts: suspended processes that stall or endanger it, instances in
 * Standby or protected from scale in and what the refresh's preferences will do
 * with them, and images in ECR's archive, which cannot be pulled. The plan builder
 * calls plan_group_checks() once; the console and `tarmac status` use the same
 * words. Pure functions: nothing here calls AWS. */
#ifndef TARMAC_PLAN_GROUP_CHECKS_H
#define TARMAC_PLAN_GROUP_CHECKS_H

#include "services/model.h"
#include "deploy/plan.h"

/* What a suspended process does to an instance refresh, or NULL when it does not
 * matter to one (AZRebalance, AlarmNotification, ScheduledActions, ...). */
const char *asg_suspension_effect(const char *process);
/* The group's suspended processes that matter to a refresh, "Launch, HealthCheck"
 * into buf ("" when none); returns how many. */
int asg_refresh_blockers(const asg_group *g, char *buf, size_t len);

/* Instances in Standby (lifecycle state Standby or EnteringStandby). */
bool asg_instance_standby(const asg_instance *in);
/* Warm pool instances (lifecycle states Warmed:*). */
bool asg_instance_warmed(const char *lifecycle_state);

/* Appends to out what a refresh of g with prefs (NULL, or members unset: AWS's
 * defaults when the CLI or an SDK starts it) will meet: one line for the suspended
 * processes (naming each and its effect, and the command that resumes them), one
 * for instances in Standby (StandbyInstances), one for instances protected from
 * scale in (ScaleInProtectedInstances). Nothing when nothing stands in the way. */
void group_refresh_warnings(const asg_group *g, const refresh_prefs *prefs, strvec *out);

/* An image instances can pull: imageStatus ACTIVE, or not sent (older answers,
 * emulators). ARCHIVED and ACTIVATING (being restored) cannot be pulled. */
bool ecr_image_pullable(const ecr_image_detail *d);
/* Why a tag's image cannot be pulled and how to restore it (the ECR command), for
 * refusals and notes; "" when it can be pulled. */
void ecr_unpullable_text(const ecr_image_detail *d, const char *tag, const char *repository, const char *region,
                         char *buf, size_t len);

/* The scan in a few characters for a table column: "C1 H2 M3" (the initials of
 * the severities found, most severe first), "clean" for a finished scan that found
 * nothing, else imageScanStatus.status as AWS sent it ("" when there is none). */
void ecr_scan_summary(const ecr_image_detail *d, char *buf, size_t len);

/* The plan builder's hook, after the steps are composed and before the plan is
 * shown: notes for the group (group_refresh_warnings) when the plan replaces
 * instances; a refusal when the image the live tag will point at during the
 * plan's refresh, or a promoted tag's image, is archived; a note when the stable
 * tag (the rollback target) would be. g, refreshes and images may be NULL (not
 * read for this action). */
void plan_group_checks(plan *p, const asg_group *g, const instance_refresh_list *refreshes,
                       const ecr_image_detail_list *images);

#endif
