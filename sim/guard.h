/* guard.h — who may talk to the simulator at all, decided before a request reaches
 * the world: every request must frame its body one way only, name a loopback host
 * (Host) and come from no web page or a loopback one (Origin, Sec-Fetch-Site);
 * control requests (/_sim/) must also carry the control token, a random string made
 * at start-up (or chosen by a test), in a header: a web page can add one to a
 * cross-site request only after a CORS preflight, which the simulator never grants. */
#ifndef TARMAC_SIM_GUARD_H
#define TARMAC_SIM_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "server.h"

#define GUARD_TOKEN_MIN    16
#define GUARD_TOKEN_HEADER "X-Tarmac-Sim-Token"

/* NULL when the body's framing is unambiguous; else why not, with *status 400
 * (Content-Length with Transfer-Encoding, Content-Lengths that differ or are not
 * numbers) or 501 (a transfer coding other than chunked). */
const char *guard_framing_problem(const sim_request *req, int *status);

/* NULL when req may be served; else why not, with *status 400 (no Host, two, or
 * one that is not loopback: 127.0.0.0/8, [::1], localhost, with any port) or 403
 * (an Origin that is not a loopback one, "null", or Sec-Fetch-Site: cross-site). */
const char *guard_request_problem(const sim_request *req, int *status);

/* True when req carries token in X-Tarmac-Sim-Token or as "Authorization: Bearer".
 * An empty token matches nothing. Compared in constant time. */
bool guard_token_ok(const sim_request *req, const char *token);

/* GUARD_TOKEN_MIN..SIM_TOKEN_MAX characters of A-Za-z0-9 and -._~+/= (a bearer
 * token that goes into a header as it is). */
bool guard_token_valid(const char *token);

/* A new random token (32 hex digits from getrandom) into out (>= 33 bytes).
 * 0, or -1 when the kernel gave no random bytes (out is then ""). */
int guard_token_new(char *out, size_t cap);

#endif
