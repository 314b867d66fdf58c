/* progress.h — the refresh pane's arithmetic, kept apart from drawing so it can be
 * tested: a progress bar with checkpoint marks as text, and an ETA from the rate
 * at which PercentageComplete was observed to grow — or, during a rollback, to
 * fall back towards 0 (AWS counts a rollback's progress that way). */
#ifndef TARMAC_PROGRESS_H
#define TARMAC_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Renders a bar of exactly width cells into buf (UTF-8 blocks, or ASCII '#', '-'
 * and '|' when ascii): pct 0..100 filled, a mark at each checkpoint percentage
 * (0 < cp < 100) that lies in the unfilled part. Returns the bytes written. */
size_t progress_bar(char *buf, size_t cap, int width, int pct, const int *checkpoints, size_t n_checkpoints,
                    bool ascii);

#define ETA_SAMPLES 32

/* Observations of one refresh's PercentageComplete over (monotonic) time. */
typedef struct eta_estimator {
    char refresh_id[96];
    bool falling; /* a rollback: the percentage goes down to 0 */
    int64_t t[ETA_SAMPLES];
    int pct[ETA_SAMPLES];
    int n;
} eta_estimator;

/* Records an observation; a new refresh id starts over. Repeated percentages keep
 * only their first time so a stall does not look like progress. A percentage that
 * goes back starts over (a new phase, not progress). */
void eta_observe(eta_estimator *e, const char *refresh_id, int64_t now_ms, int pct);
/* The same during a rollback: PercentageComplete falling to 0 is progress, a rise
 * starts over; switching between eta_observe and this starts over too. */
void eta_observe_falling(eta_estimator *e, const char *refresh_id, int64_t now_ms, int pct);
/* Seconds left at the observed rate (until 100 %, or 0 % when falling), or -1 when
 * it cannot be told yet (fewer than two distinct percentages). elapsed_ms / pct (since start) is the fallback
 * the caller may use with eta_from_elapsed(). */
int64_t eta_seconds(const eta_estimator *e, int64_t now_ms);
/* Seconds left assuming the rate since the refresh started: -1 for pct <= 0. */
int64_t eta_from_elapsed(int64_t elapsed_ms, int pct);
/* "1h02m", "4m05s", "12s" into buf. */
void progress_fmt_duration(int64_t seconds, char *buf, size_t len);

#endif
