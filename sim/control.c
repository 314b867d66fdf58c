/* control.c — /_sim/ endpoints: let tests advance simulated time, change speed and
 * faults, set alarm states and read the event log and a state summary. Bodies are
 * small JSON objects parsed with json-c; every answer is JSON. */
#include "control.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>

#include "faults.h"
#include "route.h"

bool control_is_control(const sim_request *req)
{
    return req->path && strncmp(req->path, "/_sim/", 6) == 0;
}

static void answer_json(sim_response *resp, int status, json_object *o)
{
    resp->status = status;
    resp->content_type = "application/json";
    sb_reset(&resp->body);
    enc_json_finish(&resp->body, o);
    sb_appendc(&resp->body, '\n');
}

void control_error(sim_response *resp, int status, const char *msg)
{
    json_object *o = json_object_new_object();
    enc_json_add_str(o, "error", msg);
    answer_json(resp, status, o);
}

/* The body as a JSON object, or NULL. */
static json_object *body_object(const sim_request *req)
{
    if (!req->body_len || req->body_len > (1u << 20))
        return NULL;
    json_tokener *tok = json_tokener_new_ex(16);
    json_object *o = json_tokener_parse_ex(tok, req->body, (int)req->body_len);
    bool complete = json_tokener_get_error(tok) == json_tokener_success;
    json_tokener_free(tok);
    if (!o || !complete || !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

static bool body_number(json_object *o, const char *key, double *out)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) ||
        !(json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
        return false;
    *out = json_object_get_double(v);
    return true;
}

static const char *body_string(json_object *o, const char *key)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static json_object *now_object(sim_world *w)
{
    json_object *o = json_object_new_object();
    char buf[40];
    aws_time now = world_now_ms(w);
    time_format_iso8601(now, buf, sizeof buf);
    json_object_object_add(o, "now_ms", json_object_new_int64(now));
    enc_json_add_str(o, "now", buf);
    json_object_object_add(o, "speed", json_object_new_double(world_speed(w)));
    json_object_object_add(o, "last_seq", json_object_new_int64((int64_t)world_events_last_seq(w)));
    return o;
}

/* GET /_sim/calls: {"total": N, "operations": {"autoscaling:DescribeAutoScalingGroups": n, ...}}. */
static json_object *calls_object(const sim_front *f)
{
    json_object *o = json_object_new_object(), *ops = json_object_new_object();
    json_object_object_add(o, "total", json_object_new_int64((int64_t)f->calls_total));
    for (size_t i = 0; i < route_op_count() && i < SIM_OPS_MAX; i++) {
        if (!f->calls[i])
            continue;
        const char *service = NULL;
        const char *op = route_op_name(i, &service);
        char key[160];
        snprintf(key, sizeof key, "%s:%s", service ? service : "?", op ? op : "?");
        json_object_object_add(ops, key, json_object_new_int64((int64_t)f->calls[i]));
    }
    json_object_object_add(o, "operations", ops);
    return o;
}

/* GET /_sim/state: groups with their newest refresh, target groups with health counts. */
static json_object *state_object(sim_world *w)
{
    json_object *o = now_object(w), *groups = json_object_new_array(), *tgs = json_object_new_array();
    char *token = NULL;
    for (int page = 0; page < 10000; page++) {
        asg_group_list l = { 0 };
        char *next = NULL;
        sim_error e = world_describe_asgs(w, NULL, token, 100, &l, &next);
        for (size_t i = 0; sim_ok(&e) && i < l.n; i++) {
            const asg_group *g = &l.items[i];
            json_object *jg = json_object_new_object();
            enc_json_add_str(jg, "name", g->name);
            json_object_object_add(jg, "desired", json_object_new_int(g->desired_capacity));
            int in_service = 0, healthy = 0;
            for (size_t k = 0; k < g->instances.n; k++) {
                if (str_eq(g->instances.items[k].lifecycle_state, "InService"))
                    in_service++;
                if (str_eq(g->instances.items[k].health_status, "Healthy"))
                    healthy++;
            }
            json_object_object_add(jg, "instances", json_object_new_int((int)g->instances.n));
            json_object_object_add(jg, "in_service", json_object_new_int(in_service));
            json_object_object_add(jg, "healthy", json_object_new_int(healthy));
            instance_refresh_list rl = { 0 };
            char *rnext = NULL;
            sim_error re = world_describe_refreshes(w, g->name, NULL, NULL, 1, &rl, &rnext);
            if (sim_ok(&re) && rl.n) {
                const instance_refresh *r = &rl.items[0];
                json_object *jr = json_object_new_object();
                enc_json_add_str(jr, "id", r->instance_refresh_id);
                enc_json_add_str(jr, "status", r->status);
                enc_json_add_str(jr, "status_reason", r->status_reason);
                json_object_object_add(jr, "percentage", json_object_new_int(r->percentage_complete));
                json_object_object_add(jr, "instances_to_update", json_object_new_int(r->instances_to_update));
                json_object_object_add(jg, "refresh", jr);
            } else {
                json_object_object_add(jg, "refresh", NULL);
            }
            MODEL_LIST_FREE(rl, instance_refresh_free);
            free(rnext);
            json_object_array_add(groups, jg);
        }
        MODEL_LIST_FREE(l, asg_group_free);
        free(token);
        token = next;
        if (!sim_ok(&e) || !token)
            break;
    }
    free(token);
    token = NULL;
    for (int page = 0; page < 10000; page++) {
        target_group_list l = { 0 };
        char *next = NULL;
        sim_error e = world_describe_target_groups(w, NULL, NULL, NULL, token, 400, &l, &next);
        for (size_t i = 0; sim_ok(&e) && i < l.n; i++) {
            json_object *jt = json_object_new_object();
            enc_json_add_str(jt, "name", l.items[i].target_group_name);
            enc_json_add_str(jt, "arn", l.items[i].target_group_arn);
            target_health_list hl = { 0 };
            int healthy = 0;
            (void)world_describe_target_health(w, l.items[i].target_group_arn, NULL, &hl);
            for (size_t k = 0; k < hl.n; k++)
                if (str_eq(hl.items[k].state, "healthy"))
                    healthy++;
            json_object_object_add(jt, "healthy", json_object_new_int(healthy));
            json_object_object_add(jt, "total", json_object_new_int((int)hl.n));
            MODEL_LIST_FREE(hl, target_health_desc_free);
            json_object_array_add(tgs, jt);
        }
        MODEL_LIST_FREE(l, target_group_free);
        free(token);
        token = next;
        if (!sim_ok(&e) || !token)
            break;
    }
    free(token);
    json_object_object_add(o, "groups", groups);
    json_object_object_add(o, "target_groups", tgs);
    return o;
}

void control_handle(sim_front *f, const sim_request *req, sim_response *resp)
{
    const char *what = req->path + 6;
    bool get = str_eq(req->method, "GET"), post = str_eq(req->method, "POST");
    sim_form args = { 0 };
    if (req->query)
        sim_form_parse(req->query, strlen(req->query), &args);

    pthread_mutex_lock(&f->lock);
    world_sync(f->world, f->fixed_mono_ms ? f->fixed_mono_ms : mono_now_ms());

    if (str_eq(what, "state") && get) {
        answer_json(resp, 200, state_object(f->world));
    } else if (str_eq(what, "calls") && get) {
        answer_json(resp, 200, calls_object(f));
    } else if (str_eq(what, "events") && get) {
        const char *since = sim_form_get(&args, "since");
        uint64_t n = 0;
        if (since) {
            errno = 0;
            char *end;
            n = strtoull(since, &end, 10);
            if (errno || end == since || *end)
                n = UINT64_MAX;
        }
        if (n == UINT64_MAX) {
            control_error(resp, 400, "since must be a non-negative integer");
        } else {
            resp->status = 200;
            resp->content_type = "application/x-ndjson";
            world_events_json(f->world, n, &resp->body);
        }
    } else if (str_eq(what, "advance") && post) {
        json_object *o = body_object(req);
        double secs;
        if (!body_number(o, "seconds", &secs) || !(secs >= 0 && secs <= 366.0 * 86400)) {
            control_error(resp, 400, "expected {\"seconds\": N} with 0 <= N <= 31622400");
        } else {
            world_advance(f->world, (int64_t)(secs * 1000.0));
            answer_json(resp, 200, now_object(f->world));
        }
        json_object_put(o);
    } else if (str_eq(what, "speed") && post) {
        json_object *o = body_object(req);
        double speed;
        if (!body_number(o, "speed", &speed) || !(speed > 0 && speed <= 100000)) {
            control_error(resp, 400, "expected {\"speed\": X} with 0 < X <= 100000");
        } else {
            world_set_speed(f->world, speed, f->fixed_mono_ms ? f->fixed_mono_ms : mono_now_ms());
            answer_json(resp, 200, now_object(f->world));
        }
        json_object_put(o);
    } else if (str_eq(what, "faults") && (get || post)) {
        char err[160] = "";
        if (post && faults_from_json(req->body, req->body_len, &f->faults, err, sizeof err) != 0) {
            control_error(resp, 400, err);
        } else {
            resp->status = 200;
            resp->content_type = "application/json";
            faults_to_json(&f->faults, &resp->body);
            sb_appendc(&resp->body, '\n');
        }
    } else if (str_eq(what, "alarm") && post) {
        json_object *o = body_object(req);
        const char *name = body_string(o, "name"), *state = body_string(o, "state");
        if (!name || !state) {
            control_error(resp, 400, "expected {\"name\": ..., \"state\": ..., \"reason\": ...}");
        } else {
            const char *reason = body_string(o, "reason");
            sim_error e = world_set_alarm_state(f->world, name, state, reason ? reason : "set through /_sim/alarm");
            if (sim_ok(&e))
                answer_json(resp, 200, now_object(f->world));
            else
                control_error(resp, 400, e.message);
        }
        json_object_put(o);
    } else if (str_eq(what, "state") || str_eq(what, "events") || str_eq(what, "advance") || str_eq(what, "speed") ||
               str_eq(what, "faults") || str_eq(what, "alarm") || str_eq(what, "calls")) {
        control_error(resp, 405, "method not allowed");
    } else {
        control_error(resp, 404, "no such control endpoint");
    }
    pthread_mutex_unlock(&f->lock);
    sim_form_free(&args);
}
