/* cmd_creds.h — `tarmac creds`: which credentials and region tarmac resolves for a
 * profile, and where they came from. Never prints a secret. */
#ifndef TARMAC_CMD_CREDS_H
#define TARMAC_CMD_CREDS_H

#include "cli.h"

/* tarmac creds [--profile P] [--region R] [--json] [--list-profiles] */
int cmd_creds(cli_globals *g);

#endif
