/* ecs_calls.h — what the ECS client tests (test_svc_ecs.c, test_sim_ecs.c) share:
 * one struct that takes whatever a svc_ecs_* call hands its callback, the callbacks
 * that fill it, and freeing it. Header-only; include it after cmocka.h. */
#ifndef TARMAC_ECS_CALLS_H
#define TARMAC_ECS_CALLS_H

#include <stdlib.h>
#include <string.h>

#include "services/services_ecs.h"

typedef struct got {
    int calls; /* how many times a callback ran (once per call) */
    bool failed;
    aws_error err;
    strvec arns;
    ecs_clusters_result clusters;
    ecs_services_result services;
    ecs_tasks_result tasks;
    ecs_task_definition td;
    bool have_td;
    ecs_service service;
    bool have_service;
    ecs_service_deployment_brief_list briefs;
    ecs_service_deployments_result sds;
    char *arn;
} got;

static inline void got_note(got *g, const aws_error *err)
{
    g->calls++;
    if (err) {
        g->failed = true;
        g->err = *err;
    }
}

static inline void on_arns(aws_client *c, strvec *r, const aws_error *err, void *ud)
{
    (void)c;
    got_note(ud, err);
    ((got *)ud)->arns = *r;
}

static inline void on_clusters(aws_client *c, ecs_clusters_result *r, const aws_error *err, void *ud)
{
    (void)c;
    got_note(ud, err);
    ((got *)ud)->clusters = *r;
}

static inline void on_services(aws_client *c, ecs_services_result *r, const aws_error *err, void *ud)
{
    (void)c;
    got_note(ud, err);
    ((got *)ud)->services = *r;
}

static inline void on_tasks(aws_client *c, ecs_tasks_result *r, const aws_error *err, void *ud)
{
    (void)c;
    got_note(ud, err);
    ((got *)ud)->tasks = *r;
}

static inline void on_td(aws_client *c, ecs_task_definition *r, const aws_error *err, void *ud)
{
    (void)c;
    got *g = ud;
    got_note(g, err);
    if (r) {
        g->td = *r;
        g->have_td = true;
    }
}

static inline void on_service(aws_client *c, ecs_service *r, const aws_error *err, void *ud)
{
    (void)c;
    got *g = ud;
    got_note(g, err);
    if (r) {
        g->service = *r;
        g->have_service = true;
    }
}

static inline void on_briefs(aws_client *c, ecs_service_deployment_brief_list *r, const aws_error *err, void *ud)
{
    (void)c;
    got_note(ud, err);
    ((got *)ud)->briefs = *r;
}

static inline void on_sds(aws_client *c, ecs_service_deployments_result *r, const aws_error *err, void *ud)
{
    (void)c;
    got_note(ud, err);
    ((got *)ud)->sds = *r;
}

static inline void on_arn(aws_client *c, char *arn, const aws_error *err, void *ud)
{
    (void)c;
    got_note(ud, err);
    ((got *)ud)->arn = arn;
}

/* Frees everything a call left and zeroes g for the next one. */
static inline void got_free(got *g)
{
    strvec_free(&g->arns);
    ecs_clusters_result_free(&g->clusters);
    ecs_services_result_free(&g->services);
    ecs_tasks_result_free(&g->tasks);
    ecs_task_definition_free(&g->td);
    ecs_service_free(&g->service);
    MODEL_LIST_FREE(g->briefs, ecs_service_deployment_brief_free);
    ecs_service_deployments_result_free(&g->sds);
    free(g->arn);
    memset(g, 0, sizeof *g);
}

#endif
