/* world_ecs_int.h — the ECS part of the world's private state, shared by
 * world_ecs.c (clusters, task definitions, tasks and deployments moving with the
 * clock) and world_ecs_api.c (the operations of world.h). */
#ifndef TARMAC_SIM_WORLD_ECS_INT_H
#define TARMAC_SIM_WORLD_ECS_INT_H

#include <json-c/json.h>

#include "world_int.h"

#define ECS_EVENTS_KEPT     100           /* DescribeServices lists a service's latest 100 events */
#define ECS_STOPPED_KEEP_MS (3600 * 1000) /* stopped tasks stay visible an hour */

typedef struct w_ecs_cluster {
    ecs_cluster c; /* what DescribeClusters answers (counts kept current) */
} w_ecs_cluster;

typedef struct w_ecs_td { /* one revision */
    char *family, *arn;
    int revision;
    bool active;
    char *json;          /* the TaskDefinition object DescribeTaskDefinition answers */
    strvec names;        /* its containers' names, */
    strvec images;       /* images, */
    VEC(bool) essential; /* and essential flags */
    aws_time registered_at;
} w_ecs_td;

/* What one container image of a deployment resolved to when the deployment started. */
typedef struct w_ecs_image {
    char *digest;     /* NULL: not an image of the simulated ECR */
    bool bad;         /* never passes health checks */
    char *pull_error; /* NULL, or why it cannot be pulled */
} w_ecs_image;

typedef struct w_ecs_dep {
    ecs_deployment d; /* kept current */
    int td;
    VEC(w_ecs_image) images; /* per container of the task definition */
    int failures;            /* the circuit breaker's count (reset by a healthy task) */
    bool rollback;           /* started by a rollback (the circuit breaker's, or a stop request's) */
    int sd;                  /* its service deployment (index into sds); a rollback shares the failed one's */
    char *revision_arn;      /* its service revision */
} w_ecs_dep;

/* A service deployment (ListServiceDeployments / DescribeServiceDeployments): one per
 * deployment a change started; a rollback is part of the one it rolls back. */
typedef struct w_ecs_sd {
    ecs_service_deployment sd; /* kept current */
    int svc;
    bool rollback_requested; /* StopServiceDeployment: the rollback starts at the next step */
} w_ecs_sd;

typedef struct w_ecs_task {
    ecs_task t; /* kept current */
    int svc;    /* index into services */
    int td;
    bool bad;
    char *pull_error;
    aws_time pending_at, running_at, check_at, stop_at, gone_at;
    bool failed; /* counted against its deployment */
} w_ecs_task;

typedef struct w_ecs_svc {
    ecs_service s; /* what DescribeServices answers; s.deployments rebuilt from deps */
    const sc_ecs_service *sc;
    int cluster;
    VEC(w_ecs_dep) deps;     /* PRIMARY first */
    int last_completed;      /* index into deps of the newest COMPLETED one, -1 */
    bool steady;             /* "has reached a steady state" said for the current state */
    strvec started, stopped; /* task ids this step, for one event each */
} w_ecs_svc;

struct w_ecs {
    VEC(w_ecs_cluster) clusters;
    VEC(w_ecs_td) tds;
    VEC(w_ecs_svc) services;
    VEC(w_ecs_task) tasks;
    VEC(w_ecs_sd) sds; /* oldest first */
};

/* world_ecs.c */
void w_ecs_clusters_sync(sim_world *w);                               /* their task and service counts */
int w_ecs_cluster_index(const sim_world *w, const char *name_or_arn); /* NULL/"": default; -1 unknown */
int w_ecs_service_index(const sim_world *w, int cluster, const char *name_or_arn);
int w_ecs_td_index(const sim_world *w, const char *spec);             /* family, family:rev, ARN; -1 unknown */
int w_ecs_td_add(sim_world *w, const char *family, json_object *doc); /* takes doc; the new revision */

/* world_ecs_deploy.c */
/* A new PRIMARY deployment of td for the service (the old ones become ACTIVE); images_of:
 * the index of the deployment whose resolved images it runs (a rollback), or -1 to
 * resolve the task definition's images now. reason NULL: "ECS deployment ID in progress." */
void w_ecs_deploy(sim_world *w, int svc, int td, int images_of, const char *reason);
void w_ecs_sync_service(sim_world *w, int svc); /* s.deployments and counts from the state */
/* A new service's first deployment of td, COMPLETED, its tasks running and healthy. */
void w_ecs_start_settled(sim_world *w, int svc, int td);
void w_ecs_dep_free(w_ecs_dep *d);
/* The circuit breaker's threshold for a desired count. */
int w_ecs_cb_threshold(int desired);

/* world_ecs_sd.c: service deployments follow the deployments */
void w_ecs_sd_started(sim_world *w, int svc);   /* deps[0] was just made by a change */
void w_ecs_sd_completed(sim_world *w, int svc); /* deps[0] is COMPLETED */
void w_ecs_sd_failed(sim_world *w, int svc, int dep, bool rolling_back, const char *reason);
void w_ecs_sd_step(sim_world *w); /* requested rollbacks start; counts */
void w_ecs_sd_free(sim_world *w);

#endif
