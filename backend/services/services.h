/* services.h — typed AWS operations. Each svc_* function builds the request,
 * sends it through the client core (aws.h), follows pagination to the end and hands
 * the caller model structs (model.h). The callback receives ownership of *result
 * (free it with the matching *_free / MODEL_LIST_FREE) whether or not err is set:
 * on error it holds whatever was read before the failure (possibly nothing).
 * The *_decode_* functions parse one response body; they are what the unit tests
 * and fuzz targets exercise, and they never trust their input. Those of paged calls
 * take the call's budget (aws_response.budget; NULL: the answer's own) and fail with
 * TooManyItems / ResponseTooLarge past the limits of aws.h.
 *
 * Files: svc_autoscaling.c, svc_elbv2.c, svc_ec2.c, svc_sts.c (Query/XML, expat),
 * svc_ecr.c, svc_cloudwatch.c (JSON, json-c); ECS (JSON 1.1): services_ecs.h, svc_ecs.c. */
#ifndef TARMAC_SERVICES_H
#define TARMAC_SERVICES_H

#include "aws/aws.h"
#include "services/model.h"

/* ---------------- autoscaling (Query) ---------------- */
typedef void (*asg_groups_fn)(aws_client *c, asg_group_list *result, const aws_error *err, void *ud);
typedef void (*asg_refreshes_fn)(aws_client *c, instance_refresh_list *result, const aws_error *err, void *ud);
typedef void (*asg_activities_fn)(aws_client *c, scaling_activity_list *result, const aws_error *err, void *ud);
typedef void (*asg_warm_pool_fn)(aws_client *c, warm_pool *result, const aws_error *err, void *ud);
/* StartInstanceRefresh: *refresh_id is malloc'd (NULL on error). */
typedef void (*asg_id_fn)(aws_client *c, char *id, const aws_error *err, void *ud);
/* Cancel / Rollback: the InstanceRefreshId AWS returns. */

/* names NULL or empty: every group of the region. */
int svc_asg_describe_groups(aws_client *c, const strvec *names, asg_groups_fn done, void *ud, aws_error *err);
/* max_records 0: AWS default; ids NULL: all (newest first, as AWS returns them).
 * Follows pages only while fewer than max_records have been read (max_records 0: all). */
int svc_asg_describe_refreshes(aws_client *c, const char *asg_name, const strvec *ids, int max_records,
                               asg_refreshes_fn done, void *ud, aws_error *err);
int svc_asg_describe_activities(aws_client *c, const char *asg_name, int max_records, asg_activities_fn done, void *ud,
                                aws_error *err);
/* DescribeWarmPool, every page: the configuration (config.present false when the
 * group has no warm pool) and the warm pool's instances (Warmed:* lifecycle states). */
int svc_asg_describe_warm_pool(aws_client *c, const char *asg_name, asg_warm_pool_fn done, void *ud, aws_error *err);

typedef struct refresh_start_params {
    const char *auto_scaling_group_name;
    const char *strategy;                   /* NULL: Rolling */
    const refresh_prefs *preferences;       /* NULL: none; only has_* members are sent */
    const lt_spec *desired_launch_template; /* NULL: no DesiredConfiguration */
} refresh_start_params;
int svc_asg_start_refresh(aws_client *c, const refresh_start_params *p, asg_id_fn done, void *ud, aws_error *err);
int svc_asg_cancel_refresh(aws_client *c, const char *asg_name, asg_id_fn done, void *ud, aws_error *err);
int svc_asg_rollback_refresh(aws_client *c, const char *asg_name, asg_id_fn done, void *ud, aws_error *err);

int asg_decode_describe_groups(const char *body, size_t len, asg_group_list *out, char **next_token, aws_budget *budget,
                               aws_error *err);
int asg_decode_describe_refreshes(const char *body, size_t len, instance_refresh_list *out, char **next_token,
                                  aws_budget *budget, aws_error *err);
int asg_decode_describe_activities(const char *body, size_t len, scaling_activity_list *out, char **next_token,
                                   aws_budget *budget, aws_error *err);
/* Appends the page's instances to out->instances (the configuration is replaced). */
int asg_decode_describe_warm_pool(const char *body, size_t len, warm_pool *out, char **next_token, aws_budget *budget,
                                  aws_error *err);
/* StartInstanceRefresh / CancelInstanceRefresh / RollbackInstanceRefresh: InstanceRefreshId. */
int asg_decode_refresh_id(const char *body, size_t len, char **id, aws_error *err);
/* Query body for StartInstanceRefresh (exposed for tests). */
char *asg_encode_start_refresh(const refresh_start_params *p, size_t *len);
/* A group's sizes within AWS's ranges: MinSize, MaxSize and DesiredCapacity count
 * instances (>= 0, MinSize <= DesiredCapacity <= MaxSize), a warm pool's MinSize is
 * >= 0 and its MaxGroupPreparedCapacity >= -1. False, with the first value outside
 * them in why ("DesiredCapacity -5 is below 0"), for what a server made up: whatever
 * shows the sizes flags them rather than showing them as real. */
bool asg_sizes_valid(const asg_group *g, char *why, size_t len);

/* ---------------- elbv2 (Query) ---------------- */
typedef void (*elb_tgs_fn)(aws_client *c, target_group_list *result, const aws_error *err, void *ud);
typedef void (*elb_health_fn)(aws_client *c, target_health_list *result, const aws_error *err, void *ud);
typedef void (*elb_lbs_fn)(aws_client *c, load_balancer_list *result, const aws_error *err, void *ud);
typedef void (*elb_listeners_fn)(aws_client *c, lb_listener_list *result, const aws_error *err, void *ud);
typedef void (*elb_rules_fn)(aws_client *c, lb_rule_list *result, const aws_error *err, void *ud);

/* arns NULL or empty: all target groups. */
int svc_elb_describe_target_groups(aws_client *c, const strvec *arns, elb_tgs_fn done, void *ud, aws_error *err);
int svc_elb_describe_target_health(aws_client *c, const char *tg_arn, elb_health_fn done, void *ud, aws_error *err);
int svc_elb_describe_load_balancers(aws_client *c, const strvec *arns, elb_lbs_fn done, void *ud, aws_error *err);
int svc_elb_describe_listeners(aws_client *c, const char *lb_arn, elb_listeners_fn done, void *ud, aws_error *err);
int svc_elb_describe_rules(aws_client *c, const char *listener_arn, elb_rules_fn done, void *ud, aws_error *err);

int elb_decode_target_groups(const char *body, size_t len, target_group_list *out, char **next_marker,
                             aws_budget *budget, aws_error *err);
int elb_decode_target_health(const char *body, size_t len, target_health_list *out, aws_error *err);
int elb_decode_load_balancers(const char *body, size_t len, load_balancer_list *out, char **next_marker,
                              aws_budget *budget, aws_error *err);
int elb_decode_listeners(const char *body, size_t len, lb_listener_list *out, char **next_marker, aws_budget *budget,
                         aws_error *err);
int elb_decode_rules(const char *body, size_t len, lb_rule_list *out, char **next_marker, aws_budget *budget,
                     aws_error *err);

/* ---------------- ec2 (EC2 query) ---------------- */
typedef void (*ec2_instances_fn)(aws_client *c, ec2_instance_list *result, const aws_error *err, void *ud);
typedef void (*ec2_lt_versions_fn)(aws_client *c, lt_version_list *result, const aws_error *err, void *ud);
int svc_ec2_describe_instances(aws_client *c, const strvec *ids, ec2_instances_fn done, void *ud, aws_error *err);
/* lt_id or lt_name (one of them). */
int svc_ec2_describe_lt_versions(aws_client *c, const char *lt_id, const char *lt_name, ec2_lt_versions_fn done,
                                 void *ud, aws_error *err);
int ec2_decode_instances(const char *body, size_t len, ec2_instance_list *out, char **next_token, aws_budget *budget,
                         aws_error *err);
int ec2_decode_lt_versions(const char *body, size_t len, lt_version_list *out, char **next_token, aws_budget *budget,
                           aws_error *err);

/* ---------------- sts (Query) ---------------- */
typedef void (*sts_identity_fn)(aws_client *c, caller_identity *result, const aws_error *err, void *ud);
int svc_sts_get_caller_identity(aws_client *c, sts_identity_fn done, void *ud, aws_error *err);
int sts_decode_caller_identity(const char *body, size_t len, caller_identity *out, aws_error *err);

/* ---------------- ecr (JSON 1.1) ---------------- */
typedef void (*ecr_repos_fn)(aws_client *c, ecr_repository_list *result, const aws_error *err, void *ud);
typedef void (*ecr_images_fn)(aws_client *c, ecr_image_detail_list *result, const aws_error *err, void *ud);
typedef void (*ecr_batch_get_fn)(aws_client *c, ecr_batch_get_result *result, const aws_error *err, void *ud);
/* PutImage: the stored image (digest, tag, manifest) or NULL on error. */
typedef void (*ecr_put_fn)(aws_client *c, ecr_image *result, const aws_error *err, void *ud);
typedef struct ecr_image_id {
    const char *image_digest;
    const char *image_tag;
} ecr_image_id;

/* names NULL or empty: every repository. */
int svc_ecr_describe_repositories(aws_client *c, const strvec *names, ecr_repos_fn done, void *ud, aws_error *err);
int svc_ecr_describe_images(aws_client *c, const char *repo, ecr_images_fn done, void *ud, aws_error *err);
/* accepted_media_types NULL: Docker v2 schema 2, manifest list, OCI manifest and index. */
int svc_ecr_batch_get_image(aws_client *c, const char *repo, const ecr_image_id *ids, size_t n_ids,
                            const strvec *accepted_media_types, ecr_batch_get_fn done, void *ud, aws_error *err);
/* Manifest bytes sent unchanged (manifest_len bytes); media_type may be NULL;
 * digest may be NULL (else sent as imageDigest). Mutating. */
int svc_ecr_put_image(aws_client *c, const char *repo, const char *manifest, size_t manifest_len,
                      const char *media_type, const char *tag, const char *digest, ecr_put_fn done, void *ud,
                      aws_error *err);
int svc_ecr_batch_delete_image(aws_client *c, const char *repo, const ecr_image_id *ids, size_t n_ids,
                               ecr_batch_get_fn done, void *ud, aws_error *err);

/* Decoders: -1 with a MalformedResponse naming the member when an image's digest is
 * not sha256:<64 hex> (field_rules.h). */
int ecr_decode_repositories(const char *body, size_t len, ecr_repository_list *out, char **next_token,
                            aws_budget *budget, aws_error *err);
int ecr_decode_images(const char *body, size_t len, ecr_image_detail_list *out, char **next_token, aws_budget *budget,
                      aws_error *err);
int ecr_decode_batch_get_image(const char *body, size_t len, ecr_batch_get_result *out, aws_error *err);
int ecr_decode_put_image(const char *body, size_t len, ecr_image *out, aws_error *err);
/* BatchDeleteImage answers imageIds + failures: imageIds land in out->images (no manifest). */
int ecr_decode_batch_delete_image(const char *body, size_t len, ecr_batch_get_result *out, aws_error *err);
/* Request documents (malloc'd JSON, *len set), exposed for tests. names/ids at most 100. */
char *ecr_encode_describe_repositories(const char *const *names, size_t n_names, const char *next_token, size_t *len);
char *ecr_encode_describe_images(const char *repo, const char *next_token, size_t *len);
char *ecr_encode_batch_get_image(const char *repo, const ecr_image_id *ids, size_t n_ids,
                                 const strvec *accepted_media_types, size_t *len);
char *ecr_encode_put_image(const char *repo, const char *manifest, size_t manifest_len, const char *media_type,
                           const char *tag, const char *digest, size_t *len);
char *ecr_encode_batch_delete_image(const char *repo, const ecr_image_id *ids, size_t n_ids, size_t *len);

/* ---------------- cloudwatch (JSON 1.0) ---------------- */
typedef void (*cw_alarms_fn)(aws_client *c, cw_alarm_list *result, const aws_error *err, void *ud);
/* names NULL or empty: every alarm (metric and composite, in one list: cw_alarm.alarm_type). */
int svc_cw_describe_alarms(aws_client *c, const strvec *names, cw_alarms_fn done, void *ud, aws_error *err);
int cw_decode_alarms(const char *body, size_t len, cw_alarm_list *out, char **next_token, aws_budget *budget,
                     aws_error *err);
/* DescribeAlarms request document (malloc'd JSON), exposed for tests. names at most 100. */
char *cw_encode_describe_alarms(const char *const *names, size_t n_names, const char *next_token, size_t *len);

#endif
