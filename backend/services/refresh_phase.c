/* refresh_phase.c — a refresh's progress, read as the rollback's while it rolls
 * back (see refresh_phase.h for the AWS rule it follows). */
#include "services/refresh_phase.h"

#include <stdio.h>

bool refresh_status_rollback(const char *status)
{
    return str_eq(status, "RollbackInProgress") || str_eq(status, "RollbackSuccessful") ||
        str_eq(status, "RollbackFailed");
}

static int clamp_pct(int v)
{
    return v < 0 ? 0 : v > 100 ? 100 : v;
}

void refresh_phase_of(const instance_refresh *r, refresh_phase *out)
{
    *out = (refresh_phase){ .refresh_pct = -1, .from_pct = -1 };
    if (!r)
        return;
    if (r->has_percentage_complete)
        out->refresh_pct = clamp_pct(r->percentage_complete);
    const refresh_rollback *rb = &r->rollback_details;
    if (rb->has_percentage_complete_on_rollback)
        out->from_pct = clamp_pct(rb->percentage_complete_on_rollback);
    out->rollback = refresh_status_rollback(r->status);
    if (!out->rollback) {
        out->has_pct = out->refresh_pct >= 0;
        out->pct = out->has_pct ? out->refresh_pct : 0;
        return;
    }
    if (str_eq(r->status, "RollbackSuccessful")) {
        out->has_pct = true;
        out->pct = 100;
        return;
    }
    /* The rollback undoes what the refresh had counted: from from_pct back to 0. */
    if (out->from_pct > 0 && out->refresh_pct >= 0) {
        int left = out->refresh_pct > out->from_pct ? out->from_pct : out->refresh_pct;
        out->has_pct = true;
        out->pct = clamp_pct((out->from_pct - left) * 100 / out->from_pct);
    }
}

static void progress_part(strbuf *sb, const char *name, bool has, int pct, int to_update)
{
    if (has)
        sb_printf(sb, "; %s %d%%, %d to update", name, pct, to_update);
}

void refresh_rollback_summary(const instance_refresh *r, char *buf, size_t len)
{
    if (len)
        buf[0] = '\0';
    if (!r || !r->rollback_details.present)
        return;
    const refresh_rollback *rb = &r->rollback_details;
    strbuf sb;
    sb_init(&sb);
    sb_append(&sb, "rollback");
    if (rb->rollback_start_time) {
        char t[40];
        time_format_iso8601(rb->rollback_start_time, t, sizeof t);
        sb_printf(&sb, " since %s", t);
    }
    if (rb->rollback_reason && *rb->rollback_reason)
        sb_printf(&sb, " (%.300s)", rb->rollback_reason);
    if (rb->has_percentage_complete_on_rollback || rb->has_instances_to_update_on_rollback) {
        sb_append(&sb, ": the refresh was ");
        if (rb->has_percentage_complete_on_rollback)
            sb_printf(&sb, "%d%% done", rb->percentage_complete_on_rollback);
        if (rb->has_percentage_complete_on_rollback && rb->has_instances_to_update_on_rollback)
            sb_append(&sb, ", ");
        if (rb->has_instances_to_update_on_rollback)
            sb_printf(&sb, "%d to update", rb->instances_to_update_on_rollback);
    }
    const refresh_progress *pd = &rb->progress_details_on_rollback;
    progress_part(&sb, "live pool", pd->has_live, pd->live_percentage_complete, pd->live_instances_to_update);
    progress_part(&sb, "warm pool", pd->has_warm, pd->warm_percentage_complete, pd->warm_instances_to_update);
    snprintf(buf, len, "%s", sb.buf);
    sb_free(&sb);
}

void refresh_phase_text(const refresh_phase *ph, char *buf, size_t len)
{
    if (!ph->rollback) {
        if (ph->has_pct)
            snprintf(buf, len, "%d%%", ph->pct);
        else
            snprintf(buf, len, "-");
        return;
    }
    char now[16] = "?", from[16] = "?";
    if (ph->refresh_pct >= 0)
        snprintf(now, sizeof now, "%d%%", ph->refresh_pct);
    if (ph->from_pct >= 0)
        snprintf(from, sizeof from, "%d%%", ph->from_pct);
    if (ph->has_pct)
        snprintf(buf, len, "rollback %d%% (refresh at %s, was %s)", ph->pct, now, from);
    else
        snprintf(buf, len, "rollback (refresh at %s, was %s)", now, from);
}
