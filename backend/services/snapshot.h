/* snapshot.h — one consistent picture of an app's world, fetched with every
 * independent request in flight at once: the ASGs (instances, latest refreshes,
 * target groups with per-target health) and the ECR repositories (images).
 * `tarmac status` prints it; the console's polls reuse the same fetchers.
 * A failed call does not stop the others: it is recorded in errors[] and the
 * snapshot keeps everything else that was fetched. Refreshes that could not be
 * read are unknown, not none: snap_asg.refreshes_ok says which. */
#ifndef TARMAC_SNAPSHOT_H
#define TARMAC_SNAPSHOT_H

#include <json-c/json.h>

#include "aws/aws.h"
#include "services/model.h"

typedef struct snap_error {
    char *operation; /* "DescribeTargetHealth" */
    char *code;      /* "AccessDenied" */
    char *message;
    char *resource; /* the ASG / target group / repository it concerned, or NULL */
    int http_status;
} snap_error;

typedef struct snap_target_group {
    target_group tg; /* from DescribeTargetGroups (tg.target_group_arn always set) */
    bool described;  /* DescribeTargetGroups answered for it */
    target_health_list health;
    bool health_ok; /* DescribeTargetHealth answered */
} snap_target_group;

typedef struct snap_asg {
    asg_group group;
    instance_refresh_list refreshes; /* newest first */
    bool refreshes_ok;
    VEC(snap_target_group) target_groups; /* in the order of group.target_group_arns */
    snap_error refreshes_error;           /* why the refreshes could not be read (operation NULL: they were) */
    warm_pool warm_pool;                  /* DescribeWarmPool, asked only when the group has a warm pool */
    bool warm_pool_ok;
} snap_asg;

typedef struct snap_repo {
    char *name;          /* as asked */
    ecr_repository repo; /* repo.repository_name NULL when DescribeRepositories failed */
    bool repo_ok;
    ecr_image_detail_list images; /* newest push first */
    bool images_ok;
} snap_repo;

typedef struct snapshot_request {
    const strvec *asg_names;   /* NULL/empty: every ASG of the region */
    const strvec *repo_names;  /* ECR repositories to include */
    int max_refreshes;         /* latest N refreshes per ASG (0: 5) */
    bool all_asgs_if_none;     /* with no asg_names: every ASG (true) or none (false) */
    const strvec *alarm_names; /* CloudWatch alarms (metric or composite) to include */
} snapshot_request;

typedef struct snapshot {
    VEC(snap_asg) asgs;
    VEC(snap_repo) repos;
    cw_alarm_list alarms;  /* those of alarm_names that exist, with their state */
    bool alarms_ok;        /* DescribeAlarms answered */
    strvec missing_alarms; /* alarm_names DescribeAlarms does not know (alarms_ok only) */
    VEC(snap_error) errors;
    int calls_total; /* calls made (for tests and benchmarks) */
    int calls_failed;
    aws_time fetched_at;
} snapshot;

typedef void (*snapshot_done_fn)(snapshot *snap, void *ud);

/* Starts every fetch and returns; done() runs from aws_client_run() when the last
 * answer is in. The snapshot is owned by the caller after done (snapshot_free). */
int snapshot_fetch(aws_client *c, const snapshot_request *req, snapshot_done_fn done, void *ud);
void snapshot_free(snapshot *s);

/* Blocking helper for headless commands: fetch and wait. */
snapshot *snapshot_fetch_sync(aws_client *c, const snapshot_request *req);

/* The snapshot as one JSON document whose member names and nesting follow the AWS
 * API's own (AutoScalingGroups[].Instances[], .InstanceRefreshes[],
 * .TargetGroups[].TargetHealthDescriptions[], Repositories[].imageDetails[], MetricAlarms[],
 * CompositeAlarms[], Errors[]; MissingAlarms[]: asked-for alarm names that do not exist).
 * Returns a malloc'd string. */
char *snapshot_to_json(const snapshot *s, bool pretty);
/* StartInstanceRefresh Preferences as AWS names them (the snapshot's refreshes,
 * --preferences in the printed commands, the journal). */
json_object *refresh_prefs_to_json(const refresh_prefs *p);

#endif
