/* control.h — the simulator's control API under /_sim/ on the same loopback port,
 * without SigV4 but behind the control token (guard.h: tests and rehearsals drive
 * the world with it; a web page must not):
 *   GET  /_sim/state            compact JSON summary (sim time, groups, refreshes, health)
 *   GET  /_sim/events?since=N   the world's event log after seq N, one JSON object a line
 *   POST /_sim/advance          {"seconds": N}: move simulated time forward now
 *   POST /_sim/speed            {"speed": X}: change the time scale
 *   GET  /_sim/faults           the fault rules in force
 *   POST /_sim/faults           {"rules": [...]}: replace them (see faults.h)
 *   POST /_sim/alarm            {"name": A, "state": "ALARM", "reason": R}: set an alarm's state
 * Answers are JSON; errors {"error": "..."} with 400/404/405 (401 without the token,
 * 400/403 for a foreign Host or Origin). */
#ifndef TARMAC_SIM_CONTROL_H
#define TARMAC_SIM_CONTROL_H

#include "server.h"

/* True when req is for the control API (path starts with /_sim/). */
bool control_is_control(const sim_request *req);
/* Answers a control request that passed the guard; takes f->lock itself. */
void control_handle(sim_front *f, const sim_request *req, sim_response *resp);
/* Fills resp with {"error": msg} and status. */
void control_error(sim_response *resp, int status, const char *msg);

#endif
