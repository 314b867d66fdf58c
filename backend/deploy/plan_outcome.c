/* plan_outcome.c — the journal's records of what came of a plan once it ran: the
 * verdict of the watch on its refresh (with the reason and the refresh's end
 * state) and what became of a rollback offer (offered, dismissed, accepted, or
 * taken by auto_rollback). With the plan's own records they let a review rebuild
 * a deploy from the journal alone. */
#include "deploy/plan.h"

#include <stdlib.h>

const char *plan_guard_verdict_name(plan_guard_verdict v)
{
    static const char *const names[] = {
        [PLAN_GUARD_RUNNING] = "running",
        [PLAN_GUARD_SUCCESS] = "success",
        [PLAN_GUARD_ROLLBACK] = "rollback",
        [PLAN_GUARD_ENDED_BAD] = "ended_bad",
    };
    return (size_t)v < ARRAY_LEN(names) ? names[v] : "?";
}

static int append_outcome(journal *j, journal_record *r, const plan_target *t, strbuf *err)
{
    char *user = journal_local_user();
    r->user = t && t->user ? t->user : user;
    if (t) {
        r->account = t->account;
        r->region = t->region;
        r->app = t->app;
        r->asg = t->asg;
        r->repository = t->repository;
    }
    int rc = j ? journal_append(j, r, err) : 0;
    free(user);
    return rc;
}

int plan_journal_verdict(journal *j, const plan_target *t, const char *plan_id, const char *action,
                         const char *refresh_id, const char *verdict, const plan_guard *g, const char *reason,
                         const char *source, strbuf *err)
{
    journal_record r = {
        .event = "guard_verdict",
        .plan_id = plan_id,
        .action = action,
        .refresh_id = refresh_id,
        .outcome = verdict,
        .source = source,
        .status = g && g->status[0] ? g->status : NULL,
        .reason = reason        ? reason
            : g && g->reason[0] ? g->reason
                                : NULL,
    };
    return append_outcome(j, &r, t, err);
}

int plan_journal_offer(journal *j, const plan_target *t, const char *plan_id, const char *action, const char *outcome,
                       const char *reason, const char *source, strbuf *err)
{
    journal_record r = {
        .event = "rollback_offer",
        .plan_id = plan_id,
        .action = action,
        .outcome = outcome,
        .reason = reason,
        .source = source,
    };
    return append_outcome(j, &r, t, err);
}
