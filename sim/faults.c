/* faults.c — picks and applies injected faults. Every request draws the same number
 * of random values whatever the rule says, so changing one rate does not shift the
 * dice for the others: with one seed and one request order, the faults repeat. */
#include "faults.h"

#include <json-c/json.h>
#include <stdio.h>

#define MAX_RULES 256

static double uniform(sim_front *f)
{
    return (double)(sim_front_rand(f) >> 11) * (1.0 / 9007199254740992.0);
}

void faults_decide(sim_front *f, const char *service, const char *operation, fault_decision *d)
{
    memset(d, 0, sizeof *d);
    double r[7];
    for (size_t i = 0; i < ARRAY_LEN(r); i++)
        r[i] = uniform(f);
    const sim_fault_rule *rule = sim_faults_match(&f->faults, service, operation);
    if (!rule)
        return;
    d->delay_ms = rule->latency_ms > 0 ? rule->latency_ms : 0;
    if (rule->jitter_ms > 0)
        d->delay_ms += (int)(r[0] * (rule->jitter_ms + 1));
    if (d->delay_ms > 60000)
        d->delay_ms = 60000;
    /* One fault at most, checked in this order. A chosen error reuses r[6] (which only
     * picks 500 or 503 otherwise): the draws per request stay the same as before. */
    if (r[1] < rule->reset_rate)
        d->reset = true;
    else if (rule->error_code[0] && r[6] < rule->error_rate) {
        d->error = true;
        str_copy(d->error_code, sizeof d->error_code, rule->error_code);
        str_copy(d->error_message, sizeof d->error_message, rule->error_message);
        d->error_status = rule->error_status >= 400 && rule->error_status <= 599 ? rule->error_status : 400;
    } else if (r[2] < rule->throttle_rate)
        d->throttle = true;
    else if (r[3] < rule->error_5xx_rate) {
        d->error_5xx = true;
        d->unavailable = r[6] < 0.5;
    } else if (r[4] < rule->truncate_rate)
        d->truncate = true;
    else if (r[5] < rule->malformed_rate)
        d->malformed = true;
    if (rule->slow_body_bytes_per_sec > 0)
        d->slow_bps = rule->slow_body_bytes_per_sec;
}

bool faults_pre(const fault_decision *d, sim_proto proto, sim_response *resp)
{
    resp->delay_ms = d->delay_ms;
    if (d->reset) {
        resp->delivery = SIM_DELIVER_RESET;
        return true;
    }
    if (d->error) {
        sim_front_error(resp, proto, d->error_status, d->error_code, d->error_message);
        return true;
    }
    if (d->throttle) {
        bool json = proto == SIM_PROTO_JSON10 || proto == SIM_PROTO_JSON11;
        if (proto == SIM_PROTO_EC2)
            sim_front_error(resp, proto, 503, "RequestLimitExceeded", "Request limit exceeded.");
        else
            sim_front_error(resp, proto, 400, json ? "ThrottlingException" : "Throttling", "Rate exceeded");
        return true;
    }
    if (d->error_5xx) {
        if (proto == SIM_PROTO_EC2)
            sim_front_error(resp, proto, d->unavailable ? 503 : 500, d->unavailable ? "Unavailable" : "InternalError",
                            d->unavailable ? "The server is overloaded and can't handle the request."
                                           : "An internal error has occurred.");
        else
            sim_front_error(resp, proto, d->unavailable ? 503 : 500,
                            d->unavailable ? "ServiceUnavailable" : "InternalFailure",
                            d->unavailable ? "Service is unavailable." : "An internal error has occurred.");
        return true;
    }
    return false;
}

void faults_post(const fault_decision *d, sim_proto proto, sim_response *resp)
{
    if (d->malformed) {
        sb_reset(&resp->body);
        /* Looks like the start of an answer, then stops making sense. */
        if (proto == SIM_PROTO_JSON10 || proto == SIM_PROTO_JSON11)
            sb_append(&resp->body, "{\"imageDetails\": [{\"imageDigest\": \"sha256:\x01\", ]]}}garbage");
        else
            sb_append(&resp->body, "<?xml version=\"1.0\"?>\n<Response><<garbage &bogus; </Mismatched>");
    } else if (d->truncate && resp->body.len > 1) {
        resp->delivery = SIM_DELIVER_TRUNCATE;
    }
    if (d->slow_bps > 0 && resp->delivery == SIM_DELIVER_NORMAL) {
        resp->delivery = SIM_DELIVER_SLOW;
        resp->slow_bps = d->slow_bps;
    }
}

/* ---------------- JSON ---------------- */

static bool get_num(json_object *o, const char *key, double lo, double hi, double *out, char *err, size_t errlen)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v))
        return true;
    if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double)) {
        snprintf(err, errlen, "%s must be a number", key);
        return false;
    }
    double x = json_object_get_double(v);
    if (!(x >= lo && x <= hi)) {
        snprintf(err, errlen, "%s must be between %g and %g", key, lo, hi);
        return false;
    }
    *out = x;
    return true;
}

static bool get_str(json_object *o, const char *key, char *dst, size_t cap, char *err, size_t errlen)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v))
        return true;
    if (!json_object_is_type(v, json_type_string) || !str_copy(dst, cap, json_object_get_string(v))) {
        snprintf(err, errlen, "%s must be a string of at most %zu bytes", key, cap - 1);
        return false;
    }
    return true;
}

int faults_from_json(const char *body, size_t len, sim_faults *out, char *err, size_t errlen)
{
    json_tokener *tok = json_tokener_new_ex(16);
    json_object *root = len ? json_tokener_parse_ex(tok, body, (int)len) : NULL;
    bool complete = json_tokener_get_error(tok) == json_tokener_success;
    json_tokener_free(tok);
    json_object *rules;
    if (!root || !complete || !json_object_is_type(root, json_type_object) ||
        !json_object_object_get_ex(root, "rules", &rules) || !json_object_is_type(rules, json_type_array)) {
        snprintf(err, errlen, "expected a JSON object {\"rules\": [...]}");
        json_object_put(root);
        return -1;
    }
    size_t n = json_object_array_length(rules);
    if (n > MAX_RULES) {
        snprintf(err, errlen, "at most %d rules", MAX_RULES);
        json_object_put(root);
        return -1;
    }
    sim_faults nf;
    memset(&nf, 0, sizeof nf);
    for (size_t i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(rules, i);
        if (!json_object_is_type(o, json_type_object)) {
            snprintf(err, errlen, "rules[%zu] must be an object", i);
            goto fail;
        }
        sim_fault_rule *r = VEC_NEW(nf.rules);
        str_copy(r->operation, sizeof r->operation, "*");
        double lat = 0, jit = 0, slow = 0, status = 400, count = 0;
        if (!get_str(o, "operation", r->operation, sizeof r->operation, err, errlen) ||
            !get_str(o, "service", r->service, sizeof r->service, err, errlen) ||
            !get_num(o, "latency_ms", 0, 60000, &lat, err, errlen) ||
            !get_num(o, "jitter_ms", 0, 60000, &jit, err, errlen) ||
            !get_num(o, "throttle_rate", 0, 1, &r->throttle_rate, err, errlen) ||
            !get_num(o, "error_5xx_rate", 0, 1, &r->error_5xx_rate, err, errlen) ||
            !get_num(o, "reset_rate", 0, 1, &r->reset_rate, err, errlen) ||
            !get_num(o, "truncate_rate", 0, 1, &r->truncate_rate, err, errlen) ||
            !get_num(o, "malformed_rate", 0, 1, &r->malformed_rate, err, errlen) ||
            !get_num(o, "slow_body_bytes_per_sec", 0, 1e9, &slow, err, errlen) ||
            !get_str(o, "error_code", r->error_code, sizeof r->error_code, err, errlen) ||
            !get_str(o, "error_message", r->error_message, sizeof r->error_message, err, errlen) ||
            !get_num(o, "error_status", 400, 599, &status, err, errlen) ||
            !get_num(o, "error_rate", 0, 1, &r->error_rate, err, errlen) ||
            !get_num(o, "count", 0, 1e6, &count, err, errlen))
            goto fail;
        if (r->error_code[0] && !sim_fault_code_ok(r->error_code)) {
            snprintf(err, errlen,
                     "rules[%zu].error_code is not an AWS error code (letters, digits, '.', '_', ':', '-')", i);
            goto fail;
        }
        if (r->error_rate > 0 && !r->error_code[0]) {
            snprintf(err, errlen, "rules[%zu]: error_rate needs an error_code", i);
            goto fail;
        }
        r->error_status = (int)status;
        r->count = (int)count;
        r->latency_ms = (int)lat;
        r->jitter_ms = (int)jit;
        r->slow_body_bytes_per_sec = (int)slow;
    }
    json_object_put(root);
    sim_faults_free(out);
    *out = nf;
    return 0;
fail:
    json_object_put(root);
    sim_faults_free(&nf);
    return -1;
}

void faults_to_json(const sim_faults *f, strbuf *out)
{
    json_object *root = json_object_new_object(), *a = json_object_new_array();
    for (size_t i = 0; i < f->rules.n; i++) {
        const sim_fault_rule *r = &f->rules.items[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "operation", json_object_new_string(r->operation));
        json_object_object_add(o, "service", json_object_new_string(r->service));
        json_object_object_add(o, "latency_ms", json_object_new_int(r->latency_ms));
        json_object_object_add(o, "jitter_ms", json_object_new_int(r->jitter_ms));
        json_object_object_add(o, "throttle_rate", json_object_new_double(r->throttle_rate));
        json_object_object_add(o, "error_5xx_rate", json_object_new_double(r->error_5xx_rate));
        json_object_object_add(o, "reset_rate", json_object_new_double(r->reset_rate));
        json_object_object_add(o, "truncate_rate", json_object_new_double(r->truncate_rate));
        json_object_object_add(o, "malformed_rate", json_object_new_double(r->malformed_rate));
        json_object_object_add(o, "slow_body_bytes_per_sec", json_object_new_int(r->slow_body_bytes_per_sec));
        json_object_object_add(o, "error_code", json_object_new_string(r->error_code));
        json_object_object_add(o, "error_status", json_object_new_int(r->error_status ? r->error_status : 400));
        json_object_object_add(o, "error_message", json_object_new_string(r->error_message));
        json_object_object_add(o, "error_rate", json_object_new_double(r->error_rate));
        json_object_object_add(o, "count", json_object_new_int(r->count));
        json_object_object_add(o, "used", json_object_new_int(r->used));
        json_object_array_add(a, o);
    }
    json_object_object_add(root, "rules", a);
    enc_json_finish(out, root);
}
