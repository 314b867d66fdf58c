/* join.h — "all answers arrived": one poll or check that sends several calls at
 * once counts them here, keeps the first error, and learns when the last one is in.
 * The caller owns the struct; nothing is allocated. */
#ifndef TARMAC_JOIN_H
#define TARMAC_JOIN_H

#include <stdbool.h>

#include "aws/aws.h"

typedef struct aws_join {
    int pending; /* calls sent and not answered yet */
    bool failed; /* one of them failed; err is the first failure */
    aws_error err;
} aws_join;

/* Forget an earlier round: nothing pending, no error. */
void join_begin(aws_join *j);
/* One more call is in flight. */
void join_add(aws_join *j);
/* A call counted with join_add that could not be sent: the count is taken back.
 * The caller holds a count of its own while it sends (join_add first, then
 * join_arrive when all are sent), so this is never the last. */
void join_unsent(aws_join *j);
/* One answered (err NULL: fine). True when it was the last one pending. */
bool join_arrive(aws_join *j, const aws_error *err);

#endif
