/* refresh_phase.h — how far an instance refresh is, read right during a rollback.
 * AWS's PercentageComplete "does not include instances that are replaced during a
 * rollback. This value gradually goes back down to zero" (API reference,
 * InstanceRefresh); RollbackDetails keeps what it was when the rollback began. The
 * console's Refresh pane, `tarmac watch`, `deploy --wait`, the deploy guard and
 * `tarmac status` all read a refresh through these, so a falling percentage is the
 * rollback's progress everywhere, never a refresh starting over. Pure functions. */
#ifndef TARMAC_REFRESH_PHASE_H
#define TARMAC_REFRESH_PHASE_H

#include "services/model.h"

typedef struct refresh_phase {
    bool rollback;   /* the numbers are the rollback's (RollbackInProgress, Rollback*) */
    bool has_pct;    /* pct is known */
    int pct;         /* progress of this phase, 0..100, rising: the refresh's
                               PercentageComplete, or how much of the rollback is done */
    int refresh_pct; /* PercentageComplete as AWS sent it (-1: absent) */
    int from_pct;    /* rollback: PercentageCompleteOnRollback (-1: not sent) */
} refresh_phase;

/* Classifies r. During a rollback, pct = (from - now) / from of the way back to 0;
 * unknown (has_pct false) when AWS did not say where the rollback began or it began
 * at 0 %. RollbackSuccessful is 100 % of the rollback. */
void refresh_phase_of(const instance_refresh *r, refresh_phase *out);

/* True for the statuses whose numbers are a rollback's. */
bool refresh_status_rollback(const char *status);

/* One line with every RollbackDetails member AWS sent, for `watch` and the console:
 * "rollback since 2024-05-01T12:00:03Z (reason): the refresh was 50% done, 3 to
 * update; live pool 50%, 3 to update; warm pool 0%, 1 to update". Untrusted text
 * (the reason) is copied as it is: sanitize before drawing. "" when r has none. */
void refresh_rollback_summary(const instance_refresh *r, char *buf, size_t len);

/* "40% of the rollback (refresh at 30%, was 50%)" or "refresh 30%" style text of
 * the phase, for one-line displays. */
void refresh_phase_text(const refresh_phase *ph, char *buf, size_t len);

#endif
