/* progress.c — progress bar text and ETA estimation for instance refreshes. */
#include "progress.h"

#include <stdio.h>
#include <string.h>

static size_t put(char *buf, size_t cap, size_t at, const char *s)
{
    size_t n = strlen(s);
    if (at + n + 1 > cap)
        return at;
    memcpy(buf + at, s, n);
    buf[at + n] = '\0';
    return at + n;
}

size_t progress_bar(char *buf, size_t cap, int width, int pct, const int *checkpoints, size_t n_checkpoints, bool ascii)
{
    if (cap == 0)
        return 0;
    buf[0] = '\0';
    if (width <= 0)
        return 0;
    if (pct < 0)
        pct = 0;
    if (pct > 100)
        pct = 100;
    /* Eighths of a cell, so slow refreshes still visibly move. */
    long eighths = (long)pct * width * 8 / 100;
    static const char *const part[8] = { "", "▏", "▎", "▍", "▌", "▋", "▊", "▉" };
    size_t at = 0;
    for (int i = 0; i < width; i++) {
        long cell_start = (long)i * 8;
        bool mark = false;
        for (size_t c = 0; c < n_checkpoints; c++) {
            int cp = checkpoints[c];
            if (cp > 0 && cp < 100 && (cp * width + 50) / 100 == i + 1 && cp > pct)
                mark = true;
        }
        const char *s;
        if (eighths >= cell_start + 8)
            s = ascii ? "#" : "█";
        else if (eighths > cell_start && !ascii)
            s = part[eighths - cell_start];
        else if (mark)
            s = ascii ? "|" : "┊";
        else
            s = ascii ? "-" : "░";
        at = put(buf, cap, at, s);
    }
    return at;
}

static void observe(eta_estimator *e, const char *refresh_id, int64_t now_ms, int pct, bool falling)
{
    if (!refresh_id)
        refresh_id = "";
    if (strcmp(e->refresh_id, refresh_id) != 0 || e->falling != falling) {
        memset(e, 0, sizeof *e);
        snprintf(e->refresh_id, sizeof e->refresh_id, "%s", refresh_id);
        e->falling = falling;
    }
    if (e->n > 0 && e->pct[e->n - 1] == pct)
        return;
    /* Against the phase's direction: a new phase (a rollback began, a refresh
     * restarted), not progress. */
    if (e->n > 0 && (falling ? pct > e->pct[e->n - 1] : pct < e->pct[e->n - 1]))
        e->n = 0;
    if (e->n == ETA_SAMPLES) {
        memmove(e->t, e->t + 1, sizeof e->t[0] * (ETA_SAMPLES - 1));
        memmove(e->pct, e->pct + 1, sizeof e->pct[0] * (ETA_SAMPLES - 1));
        e->n--;
    }
    e->t[e->n] = now_ms;
    e->pct[e->n] = pct;
    e->n++;
}

void eta_observe(eta_estimator *e, const char *refresh_id, int64_t now_ms, int pct)
{
    observe(e, refresh_id, now_ms, pct, false);
}

void eta_observe_falling(eta_estimator *e, const char *refresh_id, int64_t now_ms, int pct)
{
    observe(e, refresh_id, now_ms, pct, true);
}

int64_t eta_seconds(const eta_estimator *e, int64_t now_ms)
{
    if (e->n < 2)
        return -1;
    int last = e->pct[e->n - 1];
    int left = e->falling ? last : 100 - last;
    if (left <= 0)
        return 0;
    /* Rate over the observed window, ending now if the last step is older than the
     * average step (a stall slows the estimate down). */
    int64_t dt = e->t[e->n - 1] - e->t[0];
    int dp = e->falling ? e->pct[0] - last : last - e->pct[0];
    if (dp <= 0 || dt <= 0)
        return -1;
    int64_t since_last = now_ms - e->t[e->n - 1];
    int64_t avg_step = dt / (e->n - 1);
    if (since_last > avg_step)
        dt += since_last - avg_step;
    return (int64_t)((double)dt / dp * left / 1000.0 + 0.5);
}

int64_t eta_from_elapsed(int64_t elapsed_ms, int pct)
{
    if (pct <= 0 || elapsed_ms < 0)
        return -1;
    if (pct >= 100)
        return 0;
    return (int64_t)((double)elapsed_ms / pct * (100 - pct) / 1000.0 + 0.5);
}

void progress_fmt_duration(int64_t s, char *buf, size_t len)
{
    if (s < 0)
        snprintf(buf, len, "?");
    else if (s >= 3600)
        snprintf(buf, len, "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
    else if (s >= 60)
        snprintf(buf, len, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
    else
        snprintf(buf, len, "%llds", (long long)s);
}
