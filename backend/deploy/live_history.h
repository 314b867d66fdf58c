/* live_history.h — which image the live tag named, when: read back from the
 * journal's tag moves (copy_tag steps that ended ok or found the tag already
 * there, and the undo steps that put a tag back). AWS never says which image an
 * instance pulled at boot; the console infers it from this history and the
 * instance's launch time, marks it as inferred, and says "?" before the first move
 * the journal holds. Moves made outside tarmac are not in it: never claim more. */
#ifndef TARMAC_LIVE_HISTORY_H
#define TARMAC_LIVE_HISTORY_H

#include "util.h"

typedef struct live_move {
    aws_time at;  /* when the move was journaled as done */
    char *digest; /* what the tag named from then on */
    char *plan_id;
} live_move;

typedef struct live_history {
    VEC(live_move) moves; /* oldest first */
} live_history;

/* Scans the journal at path for moves of tag in repository (region NULL: any).
 * A missing journal is an empty history. 0, or -1 with err (the history holds what
 * was read). At most LIVE_HISTORY_MAX moves are kept: the newest. */
#define LIVE_HISTORY_MAX 512
int live_history_read(const char *path, const char *repository, const char *region, const char *tag, live_history *out,
                      strbuf *err);
void live_history_free(live_history *h);

/* The digest the tag named at time t (the newest move at or before t), or NULL when
 * t is before the first move the history holds (unknown: "?"). */
const char *live_history_at(const live_history *h, aws_time t);

#endif
