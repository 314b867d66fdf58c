/* route.h — which operation a request is, and running it against the world.
 * Like moto's server, one endpoint serves every service: JSON protocols are told
 * apart by X-Amz-Target, Query protocols by Action, disambiguated by the credential
 * scope's service. Also the Query form decoder (a=b&X.member.1=c → key/value list). */
#ifndef TARMAC_SIM_ROUTE_H
#define TARMAC_SIM_ROUTE_H

#include <json-c/json.h>

#include "encode.h"
#include "server.h"
#include "world.h"

/* ---------- application/x-www-form-urlencoded ---------- */

typedef struct sim_kv {
    char *key, *value;
} sim_kv;
typedef struct sim_form {
    VEC(sim_kv) items;
} sim_form;

#define SIM_FORM_MAX_PAIRS 20000

/* Decodes len bytes ('+' is a space, %XX a byte; a bad escape stays literal).
 * Returns 0, or -1 when there are more than SIM_FORM_MAX_PAIRS pairs (out then
 * holds the first ones). out must be zeroed; free with sim_form_free. */
int sim_form_parse(const char *s, size_t len, sim_form *out);
void sim_form_free(sim_form *f);
/* The value of the first pair named key, or NULL. */
const char *sim_form_get(const sim_form *f, const char *key);
/* prefix.1, prefix.2, ... up to the first missing index (AWS numbers from 1),
 * appended to out. prefix is e.g. "AutoScalingGroupNames.member" or "InstanceId". */
void sim_form_list(const sim_form *f, const char *prefix, strvec *out);

/* ---------- routing ---------- */

typedef struct sim_route {
    sim_proto proto;
    char service[32]; /* signing name: autoscaling, elasticloadbalancing, ec2, sts, monitoring, ecr */
    char op[64];      /* operation name */
    int index;        /* into the operation table; -1 = unknown operation */
} sim_route;

/* Works out protocol, service and operation. On false, err holds the protocol's
 * answer (InvalidAction, UnknownOperationException, MissingAction) and rt->proto
 * the envelope to use. form: the decoded Query parameters (may be empty). */
bool route_identify(const sim_request *req, const sim_form *form, sim_route *rt, sim_error *err);

/* Runs the operation with f->lock held: fills resp (answer or error envelope).
 * json: the parsed JSON body for JSON protocols (NULL for Query). */
void route_dispatch(sim_front *f, const sim_route *rt, const sim_form *form, json_object *json,
                    const char *access_key_id, sim_response *resp);

/* Number of operations served and their names (for tests and the man page). */
size_t route_op_count(void);
const char *route_op_name(size_t i, const char **service);

#endif
