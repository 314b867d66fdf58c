/* sim_main.h — entry of the `tarmac sim` subcommand (an AWS-compatible simulator on
 * loopback; see man/tarmac-sim.1). */
#ifndef TARMAC_SIM_MAIN_H
#define TARMAC_SIM_MAIN_H

/* argv[0] is "sim"; returns the process exit status (0 after SIGINT/SIGTERM,
 * 2 for bad usage or a bad scenario, 1 when the port cannot be bound). */
int sim_main(int argc, char **argv);

#endif
