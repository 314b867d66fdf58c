/* faults.h — injected failures for `tarmac sim`: latency with jitter, throttling,
 * 5xx answers, a chosen AWS error, connection resets, truncated, malformed and slow bodies, chosen per
 * request from rules (world.h's sim_faults: the scenario's, or POST /_sim/faults)
 * with the front's seeded PRNG, so a seed gives the same faults for the same requests. */
#ifndef TARMAC_SIM_FAULTS_H
#define TARMAC_SIM_FAULTS_H

#include "server.h"
#include "world.h"

typedef struct fault_decision {
    int delay_ms;
    bool throttle;
    bool error_5xx;
    bool unavailable; /* with error_5xx: 503 instead of 500 */
    bool reset;
    bool truncate;
    bool malformed;
    int slow_bps;
    bool error; /* answer error_code / error_status / error_message */
    char error_code[64];
    int error_status;
    char error_message[256];
} fault_decision;

/* Rolls the dice for one request (call with f->lock held). */
void faults_decide(sim_front *f, const char *service, const char *operation, fault_decision *d);

/* Turns the decision into the answer: an error envelope for throttle / 5xx / a
 * chosen error (returns true: skip the operation), else marks resp's delivery and delay. */
bool faults_pre(const fault_decision *d, sim_proto proto, sim_response *resp);
/* After the operation: malformed bodies are replaced, truncation and slow
 * delivery are left to the server. */
void faults_post(const fault_decision *d, sim_proto proto, sim_response *resp);

/* {"rules": [{"operation": "*", "service": "", "latency_ms": 0, "jitter_ms": 0,
 *   "throttle_rate": 0, "error_5xx_rate": 0, "reset_rate": 0, "truncate_rate": 0,
 *   "malformed_rate": 0, "slow_body_bytes_per_sec": 0, "error_code": "LimitExceeded",
 *   "error_status": 400, "error_message": "...", "error_rate": 1, "count": 1}, ...]}
 * — at most 256 rules; error_rate needs error_code.
 * Returns 0, or -1 with a message in err. out is overwritten on success only. */
int faults_from_json(const char *body, size_t len, sim_faults *out, char *err, size_t errlen);
void faults_to_json(const sim_faults *f, strbuf *out);

#endif
