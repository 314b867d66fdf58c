/* services_ecs.h — Amazon ECS over JSON 1.1 (svc_ecs.c), with the conventions of
 * services.h: each svc_ecs_* call builds its request documents, follows nextToken to
 * the last page (List*) or cuts its names into chunks of AWS's documented maximum
 * (Describe*: 100 clusters, 10 services, 100 tasks, 20 service deployments, read with
 * aws_call_chunked), and hands the callback a result it then owns (free it with the
 * matching *_free) whether or not err is set. Decoders parse one answer, never trust
 * it (json_util.h's type policy: a member of the wrong type is absent), charge every
 * list entry to the call's budget and are what the unit tests and fuzz_ecs exercise.
 * A container's imageDigest that is not sha256:<64 hex> makes the answer malformed
 * (the digest is compared with ECR's and may go into later requests). */
#ifndef TARMAC_SERVICES_ECS_H
#define TARMAC_SERVICES_ECS_H

#include "aws/aws.h"
#include "services/model_ecs.h"

/* AWS's maxima for one request (the API reference of each operation). */
#define ECS_PAGE_SIZE            100 /* maxResults of ListClusters/Services/Tasks/TaskDefinitions/ServiceDeployments */
#define ECS_CLUSTERS_PER_CALL    100 /* DescribeClusters */
#define ECS_SERVICES_PER_CALL    10  /* DescribeServices */
#define ECS_TASKS_PER_CALL       100 /* DescribeTasks */
#define ECS_DEPLOYMENTS_PER_CALL 20  /* DescribeServiceDeployments */

typedef struct ecs_clusters_result {
    ecs_cluster_list clusters;
    ecs_failure_list failures;
} ecs_clusters_result;
typedef struct ecs_services_result {
    ecs_service_list services;
    ecs_failure_list failures;
} ecs_services_result;
typedef struct ecs_tasks_result {
    ecs_task_list tasks;
    ecs_failure_list failures;
} ecs_tasks_result;
typedef struct ecs_service_deployments_result {
    ecs_service_deployment_list service_deployments;
    ecs_failure_list failures;
} ecs_service_deployments_result;
void ecs_clusters_result_free(ecs_clusters_result *x);
void ecs_services_result_free(ecs_services_result *x);
void ecs_tasks_result_free(ecs_tasks_result *x);
void ecs_service_deployments_result_free(ecs_service_deployments_result *x);

/* List* calls: the ARNs of every page. */
typedef void (*ecs_arns_fn)(aws_client *c, strvec *result, const aws_error *err, void *ud);
typedef void (*ecs_clusters_fn)(aws_client *c, ecs_clusters_result *result, const aws_error *err, void *ud);
typedef void (*ecs_services_fn)(aws_client *c, ecs_services_result *result, const aws_error *err, void *ud);
typedef void (*ecs_tasks_fn)(aws_client *c, ecs_tasks_result *result, const aws_error *err, void *ud);
typedef void (*ecs_sd_briefs_fn)(aws_client *c, ecs_service_deployment_brief_list *result, const aws_error *err,
                                 void *ud);
typedef void (*ecs_sds_fn)(aws_client *c, ecs_service_deployments_result *result, const aws_error *err, void *ud);
/* One-object answers: result NULL on error. */
typedef void (*ecs_task_definition_fn)(aws_client *c, ecs_task_definition *result, const aws_error *err, void *ud);
typedef void (*ecs_service_fn)(aws_client *c, ecs_service *result, const aws_error *err, void *ud);
typedef void (*ecs_arn_fn)(aws_client *c, char *arn, const aws_error *err, void *ud); /* arn owned */

int svc_ecs_list_clusters(aws_client *c, ecs_arns_fn done, void *ud, aws_error *err);
/* clusters: names or ARNs; NULL or empty: the default cluster (AWS's answer). */
int svc_ecs_describe_clusters(aws_client *c, const strvec *clusters, ecs_clusters_fn done, void *ud, aws_error *err);
/* cluster NULL: the default cluster. */
int svc_ecs_list_services(aws_client *c, const char *cluster, ecs_arns_fn done, void *ud, aws_error *err);
/* services: names or ARNs (at least one). */
int svc_ecs_describe_services(aws_client *c, const char *cluster, const strvec *services, ecs_services_fn done,
                              void *ud, aws_error *err);
/* family, family:revision or an ARN. */
int svc_ecs_describe_task_definition(aws_client *c, const char *task_definition, ecs_task_definition_fn done, void *ud,
                                     aws_error *err);
/* family_prefix / status NULL: all; newest_first: sort DESC. */
int svc_ecs_list_task_definitions(aws_client *c, const char *family_prefix, const char *status, bool newest_first,
                                  ecs_arns_fn done, void *ud, aws_error *err);
typedef struct ecs_list_tasks_params { /* NULL: not sent */
    const char *cluster, *service_name, *family, *started_by;
    const char *desired_status; /* RUNNING (AWS's default), PENDING, STOPPED */
} ecs_list_tasks_params;
int svc_ecs_list_tasks(aws_client *c, const ecs_list_tasks_params *p, ecs_arns_fn done, void *ud, aws_error *err);
int svc_ecs_describe_tasks(aws_client *c, const char *cluster, const strvec *tasks, ecs_tasks_fn done, void *ud,
                           aws_error *err);

typedef struct ecs_update_service_params {
    const char *cluster; /* NULL: the default cluster */
    const char *service;
    const char *task_definition; /* NULL: unchanged */
    bool force_new_deployment;
    bool has_desired_count;
    int desired_count;
} ecs_update_service_params;
/* Mutating: the service as AWS answers it. */
int svc_ecs_update_service(aws_client *c, const ecs_update_service_params *p, ecs_service_fn done, void *ud,
                           aws_error *err);

/* A new revision of base's family: base (from DescribeTaskDefinition, with raw) copied
 * member for member, each named container's image replaced. Mutating. */
typedef struct ecs_image_override {
    const char *container_name, *image;
} ecs_image_override;
int svc_ecs_register_task_definition_copy(aws_client *c, const ecs_task_definition *base,
                                          const ecs_image_override *overrides, size_t n_overrides,
                                          ecs_task_definition_fn done, void *ud, aws_error *err);

/* status NULL or empty: every status. */
int svc_ecs_list_service_deployments(aws_client *c, const char *cluster, const char *service, const strvec *status,
                                     ecs_sd_briefs_fn done, void *ud, aws_error *err);
int svc_ecs_describe_service_deployments(aws_client *c, const strvec *arns, ecs_sds_fn done, void *ud, aws_error *err);
/* stop_type: ROLLBACK or ABORT (NULL: AWS's default, ROLLBACK). Mutating. */
int svc_ecs_stop_service_deployment(aws_client *c, const char *arn, const char *stop_type, ecs_arn_fn done, void *ud,
                                    aws_error *err);

/* ---- decoders: 0, or -1 with *err (MalformedResponse, TooManyItems, ...) ---- */
/* List*: member is the answer's list ("clusterArns", "serviceArns", ...). */
int ecs_decode_arns(const char *body, size_t len, const char *operation, const char *member, strvec *out,
                    char **next_token, aws_budget *budget, aws_error *err);
int ecs_decode_clusters(const char *body, size_t len, ecs_clusters_result *out, aws_budget *budget, aws_error *err);
int ecs_decode_services(const char *body, size_t len, ecs_services_result *out, aws_budget *budget, aws_error *err);
/* DescribeTaskDefinition and RegisterTaskDefinition: {taskDefinition}; operation names
 * which in messages. No taskDefinition is an error. */
int ecs_decode_task_definition(const char *body, size_t len, const char *operation, ecs_task_definition *out,
                               aws_error *err);
int ecs_decode_tasks(const char *body, size_t len, ecs_tasks_result *out, aws_budget *budget, aws_error *err);
/* UpdateService: {service}; no service is an error. */
int ecs_decode_update_service(const char *body, size_t len, ecs_service *out, aws_error *err);
int ecs_decode_service_deployment_briefs(const char *body, size_t len, ecs_service_deployment_brief_list *out,
                                         char **next_token, aws_budget *budget, aws_error *err);
int ecs_decode_service_deployments(const char *body, size_t len, ecs_service_deployments_result *out,
                                   aws_budget *budget, aws_error *err);
int ecs_decode_stop_service_deployment(const char *body, size_t len, char **arn, aws_error *err);

/* ---- request documents (malloc'd JSON, *len set), exposed for tests ---- */
char *ecs_encode_list_clusters(const char *next_token, size_t *len);
char *ecs_encode_describe_clusters(const char *const *clusters, size_t n, size_t *len);
char *ecs_encode_list_services(const char *cluster, const char *next_token, size_t *len);
char *ecs_encode_describe_services(const char *cluster, const char *const *services, size_t n, size_t *len);
char *ecs_encode_describe_task_definition(const char *task_definition, size_t *len);
char *ecs_encode_list_task_definitions(const char *family_prefix, const char *status, bool newest_first,
                                       const char *next_token, size_t *len);
char *ecs_encode_list_tasks(const ecs_list_tasks_params *p, const char *next_token, size_t *len);
char *ecs_encode_describe_tasks(const char *cluster, const char *const *tasks, size_t n, size_t *len);
char *ecs_encode_update_service(const ecs_update_service_params *p, size_t *len);
/* NULL with *err (InvalidParameter) when base has no raw object, it is not a task
 * definition with a family and containerDefinitions, or an override names no container. */
char *ecs_encode_register_copy(const ecs_task_definition *base, const ecs_image_override *overrides, size_t n,
                               size_t *len, aws_error *err);
char *ecs_encode_list_service_deployments(const char *cluster, const char *service, const strvec *status,
                                          const char *next_token, size_t *len);
char *ecs_encode_describe_service_deployments(const char *const *arns, size_t n, size_t *len);
char *ecs_encode_stop_service_deployment(const char *arn, const char *stop_type, size_t *len);

#endif
