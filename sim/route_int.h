/* route_int.h — what the operation files share with route.c's table: the context of
 * one operation and the parameter helpers (route.c), and the operations kept in files
 * of their own (route_ecs.c). */
#ifndef TARMAC_SIM_ROUTE_INT_H
#define TARMAC_SIM_ROUTE_INT_H

#include "route.h"

typedef struct op_ctx {
    sim_front *f;
    sim_world *w;
    const sim_route *rt;
    const sim_form *form;
    json_object *json;
    const char *akid;
    sim_response *resp;
    const char *rid;
} op_ctx;

sim_error route_ok(void); /* success: code "" */
/* The protocol's validation error (ValidationError, InvalidParameterException, ...)
 * with fmt's %s filled with arg; route_missing: a required parameter is absent. */
sim_error route_bad(const op_ctx *c, const char *fmt, const char *arg);
sim_error route_missing(const op_ctx *c, const char *name);
/* JSON body members: NULL / dflt / nothing when absent or of another type; integers
 * clamped to 0..100000; lists bounded to 1000 strings. */
const char *route_j_str(const op_ctx *c, const char *key);
int route_j_int(const op_ctx *c, const char *key, int dflt);
void route_j_strlist(const op_ctx *c, const char *key, strvec *out);
void route_set_json(op_ctx *c); /* the answer's content type for a JSON protocol */

/* route_ecs.c */
sim_error op_ecs_list_clusters(op_ctx *c);
sim_error op_ecs_describe_clusters(op_ctx *c);
sim_error op_ecs_list_services(op_ctx *c);
sim_error op_ecs_describe_services(op_ctx *c);
sim_error op_ecs_list_tasks(op_ctx *c);
sim_error op_ecs_describe_tasks(op_ctx *c);
sim_error op_ecs_list_task_definitions(op_ctx *c);
sim_error op_ecs_describe_task_definition(op_ctx *c);
sim_error op_ecs_register_task_definition(op_ctx *c);
sim_error op_ecs_update_service(op_ctx *c);
sim_error op_ecs_list_service_deployments(op_ctx *c);
sim_error op_ecs_describe_service_deployments(op_ctx *c);
sim_error op_ecs_stop_service_deployment(op_ctx *c);

#endif
