/* join.c — see join.h. */
#include "aws/join.h"

#include <string.h>

void join_begin(aws_join *j)
{
    memset(j, 0, sizeof *j);
}

void join_add(aws_join *j)
{
    j->pending++;
}

void join_unsent(aws_join *j)
{
    if (j->pending > 1)
        j->pending--;
}

bool join_arrive(aws_join *j, const aws_error *err)
{
    if (err && !j->failed) {
        j->failed = true;
        j->err = *err;
    }
    if (j->pending > 0)
        j->pending--;
    return j->pending == 0;
}
