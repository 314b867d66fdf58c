/* world.h — the simulator's world: Auto Scaling groups, instances, target groups,
 * instance refreshes, scaling activities, ECR repositories, CloudWatch alarms, all
 * moving with a simulated clock. Plain C, no I/O, single-threaded by contract (the
 * front holds one mutex around every call). Reads fill backend/services/model.h structs so the
 * front only serializes; fallible calls return a sim_error carrying AWS's error code. */
#ifndef TARMAC_SIM_WORLD_H
#define TARMAC_SIM_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include "services/model.h"
#include "services/model_ecs.h"
#include "util.h"

typedef struct sim_scenario sim_scenario; /* sim/scenario.h: the parsed YAML */
typedef struct sim_world sim_world;

/* ---------- errors ---------- */

/* code "" means success. code is AWS's exact error code (e.g. "ValidationError",
 * "InstanceRefreshInProgress", "ImageAlreadyExistsException"); http_status is what
 * AWS answers with (400 for client errors, 404 for ECR's *NotFoundException is still
 * 400 on the wire: the front uses http_status as given). */
typedef struct sim_error {
    char code[64];
    char message[256];
    int http_status;
} sim_error;

static inline bool sim_ok(const sim_error *e)
{
    return e->code[0] == '\0';
}

/* ---------- faults (parsed from the scenario; applied by the front) ---------- */

/* One rule. operation is an API operation name ("DescribeAutoScalingGroups",
 * "PutImage") or "*" for every operation; service narrows it ("autoscaling",
 * "elasticloadbalancing", "ec2", "ecr", "monitoring", "sts"; "" = any).
 * Rates are probabilities in [0, 1]; 0 disables. The first matching rule in list
 * order wins, so specific rules go before "*". count > 0 limits a rule to its first
 * count matching requests; after them it matches nothing (the next rule may). */
typedef struct sim_fault_rule {
    char operation[64];
    char service[32];
    int latency_ms;              /* fixed delay before answering */
    int jitter_ms;               /* + uniform [0, jitter_ms] */
    double throttle_rate;        /* answer Throttling / ThrottlingException, 400 */
    double error_5xx_rate;       /* answer InternalFailure / ServiceUnavailable, 500/503 */
    double reset_rate;           /* drop the connection without an answer */
    double truncate_rate;        /* send a body cut short */
    double malformed_rate;       /* send a body that does not parse */
    int slow_body_bytes_per_sec; /* 0 = off: trickle the body at this rate */
    char error_code[64];         /* with error_rate: answer this AWS error code ... */
    int error_status;            /* ... with this HTTP status (400 when unset) ... */
    char error_message[256];     /* ... and this message, in the operation's envelope */
    double error_rate;
    int count; /* 0 = forever */
    int used;  /* requests matched so far (for count) */
} sim_fault_rule;

typedef struct sim_faults {
    VEC(sim_fault_rule) rules;
} sim_faults;

void sim_faults_free(sim_faults *f);
void sim_faults_copy(sim_faults *dst, const sim_faults *src); /* dst is overwritten */
/* The rule for (service, operation), or NULL when none matches. A rule used up
 * (count reached) is skipped; the match counts as one use. */
sim_fault_rule *sim_faults_match(sim_faults *f, const char *service, const char *operation);
/* Whether code looks like an AWS error code: 1-63 of [A-Za-z0-9._:-]. */
bool sim_fault_code_ok(const char *code);

/* ---------- ids lists the front passes in ---------- */

typedef struct sim_image_id { /* ECR ImageIdentifier: either or both may be set */
    char *image_digest;
    char *image_tag;
} sim_image_id;
typedef VEC(sim_image_id) sim_image_id_list;
typedef VEC(ecr_image_failure) sim_image_failure_list;
void sim_image_id_list_free(sim_image_id_list *l);
void sim_image_failure_list_free(sim_image_failure_list *l);

/* ---------- life and time ---------- */

/* A world built from a parsed scenario. The world borrows sc: keep it alive until
 * world_free (free it after the world).
 * seed feeds the world's one PRNG (ids, IPs, jitter in boot times); speed <= 0 takes
 * the scenario's default (else 1). The simulated clock starts at the scenario's
 * start time (default: the wall clock at creation, rounded down to a second). */
sim_world *world_new_from_scenario(const sim_scenario *sc, uint64_t seed, double speed);
void world_free(sim_world *w);

/* Advance the simulation to the simulated time matching this monotonic wall time:
 * start + (wall_mono_ms - first sync's wall_mono_ms) * speed + manual offset, in
 * fixed 1-second simulated steps. The first call only records the origin. Call it
 * before each request. Never goes backwards. */
void world_sync(sim_world *w, int64_t wall_mono_ms);
/* Add sim_ms (>= 0) to the manual offset and step the world there now. */
void world_advance(sim_world *w, int64_t sim_ms);
/* Change the speed from now on (keeps the current simulated time continuous). */
void world_set_speed(sim_world *w, double speed, int64_t wall_mono_ms);
double world_speed(const sim_world *w);
aws_time world_now_ms(const sim_world *w);

/* ---------- identity ---------- */

const char *world_account_id(const sim_world *w);
const char *world_region(const sim_world *w);
/* The secret access key for access_key_id, or NULL when the scenario does not know
 * it. *session_token (if non-NULL) gets the token that must accompany it, or NULL
 * when none is required. Both pointers stay owned by the world. */
const char *world_credentials(const sim_world *w, const char *access_key_id, const char **session_token);
/* The same for a request that carries sent_token (may be NULL): a key of STS can
 * have several live sessions (each AssumeRole adds one, as AWS's stay valid until
 * they expire); the one with that token answers, else the newest. */
const char *world_credentials_for(const sim_world *w, const char *access_key_id, const char *sent_token,
                                  const char **session_token);
/* sts GetCallerIdentity for the caller's access key. */
sim_error world_caller_identity(const sim_world *w, const char *access_key_id, caller_identity *out);

/* The scenario's faults (the front copies them and may replace its copy). */
const sim_faults *world_faults(const sim_world *w);

/* ---------- pagination ----------
 * Every paged read takes next_token (NULL/"" = first page) and max_items (0 = AWS's
 * default for the operation); the page size used is the smaller of max_items and the
 * scenario's page size for that operation. *next_out gets a new owned token, or NULL
 * on the last page. A token the world did not hand out answers InvalidNextToken
 * (autoscaling, ecr "InvalidNextTokenException", cloudwatch "InvalidNextToken") or
 * ValidationError (elbv2 Marker). Out lists are appended to: pass them zeroed. */

/* ---------- autoscaling ---------- */

/* DescribeAutoScalingGroups. names NULL/empty = all groups (sorted by name).
 * Unknown names are skipped, as AWS does. */
sim_error world_describe_asgs(sim_world *w, const strvec *names, const char *next_token, int max_items,
                              asg_group_list *out, char **next_out);

/* DescribeInstanceRefreshes for one group, newest first; ids narrows them. */
sim_error world_describe_refreshes(sim_world *w, const char *asg_name, const strvec *ids, const char *next_token,
                                   int max_items, instance_refresh_list *out, char **next_out);

/* StartInstanceRefresh. strategy NULL = "Rolling". prefs NULL = defaults (see
 * aws-notes). desired NULL = no DesiredConfiguration (one with neither template id nor
 * name is refused). *id_out gets the new id. Errors: ValidationError (unknown group,
 * every RefreshPreferences rule the API reference documents: world_refresh_prefs.c),
 * InstanceRefreshInProgress. */
sim_error world_start_refresh(sim_world *w, const char *asg_name, const char *strategy, const refresh_prefs *prefs,
                              const lt_spec *desired, char **id_out);
/* CancelInstanceRefresh → id of the refresh (or rollback) being cancelled. With
 * wait_for_transitioning false it is Cancelled at once, else Cancelling until the
 * launches in flight settle. Errors: ValidationError, ActiveInstanceRefreshNotFound. */
sim_error world_cancel_refresh(sim_world *w, const char *asg_name, bool wait_for_transitioning, char **id_out);
/* RollbackInstanceRefresh → id. Errors: ValidationError, ActiveInstanceRefreshNotFound,
 * IrreversibleInstanceRefresh (no DesiredConfiguration, $Latest/$Default version). */
sim_error world_rollback_refresh(sim_world *w, const char *asg_name, char **id_out);

/* DescribeScalingActivities, newest first. asg_name NULL = every group;
 * activity_ids narrows them. */
sim_error world_describe_activities(sim_world *w, const char *asg_name, const strvec *activity_ids,
                                    const char *next_token, int max_items, scaling_activity_list *out, char **next_out);

/* SetDesiredCapacity. Errors: ValidationError (unknown group, outside min..max). */
sim_error world_set_desired_capacity(sim_world *w, const char *asg_name, int desired);

/* DescribeWarmPool: the group's WarmPoolConfiguration and its instances (none for a
 * group without a warm pool). Errors: ValidationError (unknown group), InvalidNextToken. */
sim_error world_describe_warm_pool(sim_world *w, const char *asg_name, const char *next_token, int max_items,
                                   warm_pool *out, char **next_out);

/* SuspendProcesses / ResumeProcesses: processes NULL/empty = all of them.
 * Errors: ValidationError (unknown group or process name). */
sim_error world_suspend_processes(sim_world *w, const char *asg_name, const strvec *processes);
sim_error world_resume_processes(sim_world *w, const char *asg_name, const strvec *processes);

/* ---------- ec2 ---------- */

/* DescribeInstances. ids NULL/empty = all (paged, sorted by id); an unknown id answers
 * InvalidInstanceID.NotFound. Terminated instances stay visible for a simulated hour. */
sim_error world_describe_instances(sim_world *w, const strvec *ids, const char *next_token, int max_items,
                                   ec2_instance_list *out, char **next_out);

/* DescribeLaunchTemplateVersions by id or name; versions NULL = all, else "1",
 * "$Latest", "$Default". Errors: InvalidLaunchTemplateId.NotFound /
 * InvalidLaunchTemplateName.NotFoundException. */
sim_error world_describe_lt_versions(sim_world *w, const char *lt_id, const char *lt_name, const strvec *versions,
                                     lt_version_list *out);

/* ---------- elbv2 ---------- */

/* DescribeTargetGroups: by arns, or names, or load balancer arn, or all.
 * Errors: TargetGroupNotFound, LoadBalancerNotFound, ValidationError. */
sim_error world_describe_target_groups(sim_world *w, const strvec *arns, const strvec *names, const char *lb_arn,
                                       const char *marker, int page_size, target_group_list *out, char **next_marker);
/* DescribeTargetHealth. target_ids NULL/empty = every registered target (and those
 * still draining). A target id not registered answers state "unused" with
 * Target.InvalidState for a stopped or terminated instance, else Target.NotRegistered;
 * a target group no load balancer uses has its targets "unused", Target.NotInUse.
 * Errors: TargetGroupNotFound. */
sim_error world_describe_target_health(sim_world *w, const char *tg_arn, const strvec *target_ids,
                                       target_health_list *out);
sim_error world_describe_load_balancers(sim_world *w, const strvec *arns, const strvec *names, const char *marker,
                                        int page_size, load_balancer_list *out, char **next_marker);
/* DescribeListeners by load balancer arn or listener arns. Errors: LoadBalancerNotFound,
 * ListenerNotFound, ValidationError (neither given). */
sim_error world_describe_listeners(sim_world *w, const char *lb_arn, const strvec *listener_arns, const char *marker,
                                   int page_size, lb_listener_list *out, char **next_marker);
/* DescribeRules by listener arn or rule arns. Errors: ListenerNotFound, RuleNotFound. */
sim_error world_describe_rules(sim_world *w, const char *listener_arn, const strvec *rule_arns, const char *marker,
                               int page_size, lb_rule_list *out, char **next_marker);

/* ---------- ecr ---------- */

/* registry_id NULL/"" = the scenario's account; another account answers
 * RepositoryNotFoundException. */

/* DescribeRepositories. names NULL/empty = all. Errors: RepositoryNotFoundException. */
sim_error world_ecr_describe_repositories(sim_world *w, const char *registry_id, const strvec *names,
                                          const char *next_token, int max_items, ecr_repository_list *out,
                                          char **next_out);
/* DescribeImages. ids NULL/empty = every image (newest push first), filtered by
 * tag_status NULL/"ANY", "TAGGED", "UNTAGGED" and image_status NULL (= ACTIVE only, as
 * the API reference says), "ANY", "ACTIVE", "ARCHIVED", "ACTIVATING". Listed ids that
 * are missing answer ImageNotFoundException (listed ids are answered whatever their status). */
sim_error world_ecr_describe_images(sim_world *w, const char *registry_id, const char *repo,
                                    const sim_image_id_list *ids, const char *tag_status, const char *image_status,
                                    const char *next_token, int max_items, ecr_image_detail_list *out, char **next_out);
/* BatchGetImage. accepted NULL/empty = Docker v2 schema 1/2 + OCI manifest (AWS's
 * default). Per-id failures (botocore's ImageFailureCode): ImageNotFound (also when the
 * image's media type is not accepted), ImageTagDoesNotMatchDigest, MissingDigestAndTag.
 * Errors: RepositoryNotFoundException. */
sim_error world_ecr_batch_get_image(sim_world *w, const char *registry_id, const char *repo,
                                    const sim_image_id_list *ids, const strvec *accepted, ecr_batch_get_result *out);
/* PutImage: manifest bytes (len bounded by 4 MiB), media_type NULL = the manifest's
 * mediaType, tag NULL = untagged push, digest NULL = computed (when given it must match
 * the sha256 of the bytes). Moves tag to this digest. out (may be NULL) gets the Image.
 * Errors: RepositoryNotFoundException, ImageAlreadyExistsException,
 * ImageTagAlreadyExistsException, ImageDigestDoesNotMatchException,
 * InvalidParameterException (manifest is not JSON, a schema 2 manifest names no mediaType
 * and none is given, or the two disagree). */
sim_error world_ecr_put_image(sim_world *w, const char *registry_id, const char *repo, const char *manifest,
                              size_t manifest_len, const char *media_type, const char *tag, const char *digest,
                              ecr_image *out);
/* UpdateImageStorageClass: target "ARCHIVE" archives the image (it can no longer be
 * pulled), "STANDARD" restores an archived one (ACTIVATING, then ACTIVE 20 simulated
 * minutes later). out gets the image's id and new imageStatus. Errors:
 * RepositoryNotFoundException, ImageNotFoundException, InvalidParameterException,
 * ImageStorageClassUpdateNotSupportedException (already in that class). */
sim_error world_ecr_update_storage_class(sim_world *w, const char *registry_id, const char *repo,
                                         const sim_image_id *id, const char *target, ecr_image_detail *out);
/* BatchDeleteImage: a tag id removes the tag (the image goes when its last tag goes);
 * a digest id removes the image and all its tags. deleted gets the removed ids,
 * failures: ImageNotFound, MissingDigestAndTag. Errors: RepositoryNotFoundException. */
sim_error world_ecr_batch_delete_image(sim_world *w, const char *registry_id, const char *repo,
                                       const sim_image_id_list *ids, sim_image_id_list *deleted,
                                       sim_image_failure_list *failures);

/* ---------- cloudwatch ---------- */

/* DescribeAlarms: names NULL/empty and prefix NULL = all; state_value NULL = any;
 * alarm_types NULL/empty = metric alarms only (as AWS answers when AlarmTypes is
 * omitted), else "MetricAlarm" and/or "CompositeAlarm". out holds both kinds
 * (cw_alarm.alarm_type). Errors: InvalidParameterValue, InvalidNextToken. */
sim_error world_describe_alarms(sim_world *w, const strvec *names, const char *prefix, const char *state_value,
                                const strvec *alarm_types, const char *next_token, int max_items, cw_alarm_list *out,
                                char **next_out);
/* SetAlarmState (also for the control API): the state holds until the alarm's tied
 * metric is next evaluated (a composite: until one of its children changes state).
 * Errors: ResourceNotFound, InvalidFormat. */
sim_error world_set_alarm_state(sim_world *w, const char *name, const char *state, const char *reason);

/* ---------- ecs (world_ecs.c: the moving parts; world_ecs_api.c: these calls) ----------
 * Fargate services on awsvpc in the scenario's clusters, rolling deployments with the
 * circuit breaker; the rules and their sources are in docs/simulator.md (ECS). Reads
 * hand out the world's own structs: borrowed, valid until the next call into the
 * world (the front holds its lock while it encodes them). Errors are ECS's:
 * ClusterNotFoundException, ServiceNotFoundException, ClientException,
 * InvalidParameterException (a bad nextToken too). */
typedef VEC(const ecs_service *) sim_ecs_service_refs;
typedef VEC(const ecs_task *) sim_ecs_task_refs;

/* cluster NULL/"": "default". */
sim_error world_ecs_list_clusters(sim_world *w, const char *next_token, int max_items, strvec *arns, char **next_out);
/* clusters NULL/empty: "default"; unknown ones are failures (MISSING). */
sim_error world_ecs_describe_clusters(sim_world *w, const strvec *clusters, ecs_cluster_list *out,
                                      ecs_failure_list *failures);
sim_error world_ecs_list_services(sim_world *w, const char *cluster, const char *next_token, int max_items,
                                  strvec *arns, char **next_out);
/* At most 10 names or ARNs (InvalidParameterException beyond); unknown: MISSING. */
sim_error world_ecs_describe_services(sim_world *w, const char *cluster, const strvec *services,
                                      sim_ecs_service_refs *out, ecs_failure_list *failures);
typedef struct sim_ecs_list_tasks {
    const char *cluster, *service_name, *family, *started_by, *desired_status;
} sim_ecs_list_tasks;
sim_error world_ecs_list_tasks(sim_world *w, const sim_ecs_list_tasks *q, const char *next_token, int max_items,
                               strvec *arns, char **next_out);
/* At most 100 ARNs or ids; unknown: MISSING. */
sim_error world_ecs_describe_tasks(sim_world *w, const char *cluster, const strvec *tasks, sim_ecs_task_refs *out,
                                   ecs_failure_list *failures);
/* family_prefix / status NULL: all / ACTIVE; sort "DESC" newest first, else oldest. */
sim_error world_ecs_list_task_definitions(sim_world *w, const char *family_prefix, const char *status, const char *sort,
                                          const char *next_token, int max_items, strvec *arns, char **next_out);
/* family, family:revision or ARN → *json, the TaskDefinition object (borrowed). */
sim_error world_ecs_describe_task_definition(sim_world *w, const char *task_definition, const char **json);
/* request: the RegisterTaskDefinition document (json-c object, borrowed); *json as above. */
sim_error world_ecs_register_task_definition(sim_world *w, const void *request, const char **json);
typedef struct sim_ecs_update {
    const char *cluster, *service, *task_definition; /* task_definition NULL: unchanged */
    bool force_new_deployment;
    bool has_desired_count;
    int desired_count;
    /* deploymentConfiguration: only has_* members (and the breaker when has_circuit_breaker) */
    const ecs_deployment_configuration *deployment_configuration;
} sim_ecs_update;
sim_error world_ecs_update_service(sim_world *w, const sim_ecs_update *u, const ecs_service **out);
/* Service deployments (world_ecs_sd.c): newest first; status NULL/empty: every status. */
typedef VEC(const ecs_service_deployment *) sim_ecs_sd_refs;
sim_error world_ecs_list_service_deployments(sim_world *w, const char *cluster, const char *service,
                                             const strvec *status, const char *next_token, int max_items,
                                             sim_ecs_sd_refs *out, char **next_out);
/* At most 20 ARNs; unknown: MISSING. */
sim_error world_ecs_describe_service_deployments(sim_world *w, const strvec *arns, sim_ecs_sd_refs *out,
                                                 ecs_failure_list *failures);
/* stop_type NULL or ROLLBACK: a PENDING / IN_PROGRESS one is ROLLBACK_REQUESTED, and rolls
 * back to the last COMPLETED deployment at the next step. *arn_out borrowed. Errors:
 * ServiceDeploymentNotFoundException, ConflictException, InvalidParameterException. */
sim_error world_ecs_stop_service_deployment(sim_world *w, const char *arn, const char *stop_type, const char **arn_out);

/* ---------- the event log ----------
 * A bounded ring (100,000 events) of everything that happens. Each event is one JSON
 * object on its own line, with at least "seq" (from 1, increasing), "t" (sim ms),
 * "time" (ISO-8601) and "type". Types and their other fields:
 *   instance_launched     asg, instance, az, digest, reason ("refresh", "capacity" or
 *                         "warm_pool"), refresh_gen, pull_failed (the image is archived)
 *   instance_in_service   asg, instance
 *   instance_terminating  asg, instance, reason
 *   instance_terminated   asg, instance
 *   instance_health       asg, instance, health ("Healthy"/"Unhealthy")
 *   target_state          tg, target, from, to, reason
 *   tg_healthy            tg, healthy, total          (each step the count changes)
 *   asg_healthy           asg, healthy, desired       (InService+Healthy+warmed; on change)
 *   refresh_status        asg, refresh, status, reason (null when none); the Pending event
 *                         also has to_update, min_healthy, max_healthy (percentages) and
 *                         min_healthy_instances (MinHealthyPercentage of the desired
 *                         capacity, rounded up)
 *   refresh_progress      asg, refresh, percentage, to_update
 *   alarm_state           alarm, from, to, reason
 *   image_pushed          repository, digest, tag
 *   tag_moved             repository, tag, from, to
 *   image_deleted         repository, digest, tag
 *   capacity              asg, desired
 *   ecs_task              cluster, service, task, deployment, status (RUNNING, HEALTHY, UNHEALTHY,
 *                         STOPPED), reason (STOPPED only, else null)
 *   ecs_deployment        cluster, service, deployment, rollout_state, reason
 * The scenario's starting state is not logged; counts are logged on the first step.
 * Events dropped from the ring are simply gone (seq keeps counting). */
void world_events_json(const sim_world *w, uint64_t since_seq, strbuf *out);
uint64_t world_events_last_seq(const sim_world *w);

#endif
