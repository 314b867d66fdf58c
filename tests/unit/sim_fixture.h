/* sim_fixture.h — an in-process simulator on loopback for unit tests that need real
 * AWS answers (STS sessions, the Apps overview): a scratch HOME with no AWS_* variables
 * from the caller's environment, the demo scenario's world served on a free port. */
#ifndef TARMAC_TEST_SIM_FIXTURE_H
#define TARMAC_TEST_SIM_FIXTURE_H

#include "scenario.h"
#include "server.h"
#include "world.h"

typedef struct sim_fixture {
    char home[256]; /* scratch HOME, removed by sim_fixture_stop */
    char base[64];  /* http://127.0.0.1:PORT */
    sim_scenario *sc;
    sim_world *w;
    sim_front f;
    const char *akid, *secret; /* the scenario's first credential */
} sim_fixture;

/* Clears the AWS_* variables that would steer the client, makes HOME a fresh
 * directory named after tag, loads the demo scenario (session_duration >= 0 overrides
 * the lifetime of its STS sessions, in seconds) and starts serving it. 0, or -1. */
int sim_fixture_start(sim_fixture *x, const char *tag, int session_duration);
/* Writes HOME/rel (rel under .aws/, which is made); fails the test when it cannot. */
void sim_fixture_write(const sim_fixture *x, const char *rel, const char *text);
/* Stops the server, frees the world and removes the files sim_fixture_write made. */
void sim_fixture_stop(sim_fixture *x);

#endif
