/* apps_watch.h — the model behind the console's Apps overview: for every app of the
 * config file, on its own profile and region, the live tag (and the commit tag it
 * equals), the latest instance refresh, healthy/total targets and the state of its
 * alarms. Apps are polled in parallel, each through the client of one creds_session
 * per distinct profile/region; sessions are opened with creds_jobs, so nothing here
 * blocks. The owner drives it from its event loop: apps_watch_run() after waiting at
 * most apps_watch_next_due_ms() (the clients' sockets are not in the owner's poll). */
#ifndef TARMAC_APPS_WATCH_H
#define TARMAC_APPS_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "creds/creds_provider.h"
#include "util.h"

#define APPS_WATCH_BUSY_MS 25 /* longest wait while a call or a credential job runs */

/* One app to watch; everything is copied. */
typedef struct apps_watch_app {
    const char *name;
    const char *profile; /* NULL: AWS_PROFILE / default / environment keys */
    const char *region;  /* NULL: from the environment and the profile */
    const char *asg;
    const char *repository; /* NULL: no live tag shown */
    const char *live_tag;   /* NULL: "prod" */
    const char *stable_tag; /* NULL: "prod-stable" (not taken for the commit tag) */
    const strvec *alarms;   /* CloudWatch alarm names; NULL/empty: none */
} apps_watch_app;

typedef struct apps_watch_opts {
    const apps_watch_app *apps;
    size_t n_apps;
    const char *endpoint_url; /* --endpoint-url, or NULL */
    const creds_hooks *hooks; /* MFA prompt, stderr capture (endpoint_url ignored) */
    /* A session already open (the console's): an app on the same profile and
     * region starts with its credentials instead of resolving them again. */
    const creds_session *seed;
    int interval_ms;        /* 0: 15000 */
    int active_interval_ms; /* while the app's refresh runs; 0: 2000 */
} apps_watch_opts;

typedef enum app_creds_state {
    APP_CREDS_RESOLVING, /* a creds_job runs (STS, SSO, process, ...) */
    APP_CREDS_READY,
    APP_CREDS_FAILED, /* creds_error says why; tried again later */
} app_creds_state;

/* What the overview shows for one app. Strings are owned by the watch. */
typedef struct app_status {
    char *name, *profile, *asg, *repository, *live_tag;
    char *region; /* resolved ("" when it could not be) */
    app_creds_state creds;
    char creds_error[320];
    /* from the last answers (kept, marked stale, when a poll fails) */
    bool group_known, group_found; /* asked / the ASG exists */
    int desired, in_service;
    bool live_known, live_found; /* asked / the live tag exists in the repository */
    char *live_commit;           /* another tag on the live image (the commit), or NULL */
    char *live_digest;
    char *stable_digest; /* the stable tag's image (NULL: no such tag, or not read) */
    bool refresh_known;
    char *refresh_status; /* latest refresh's status; NULL: none */
    bool has_refresh_pct;
    int refresh_pct;
    bool refresh_active;
    int healthy, targets; /* targets -1: unknown */
    bool alarms_known;
    int alarms_total, alarms_alarm, alarms_insufficient; /* as AWS listed them */
    int alarms_configured;                               /* 0: none to watch */
    char *alarm_first;                                   /* the first alarm in ALARM state, or NULL */
    aws_time fetched_at;                                 /* wall clock of the last poll with no failure (0: never) */
    bool polling;
    bool stale; /* the last poll failed; error says how */
    char error[320];
    int polls; /* polls finished (tests) */
} app_status;

typedef struct apps_watch apps_watch;

apps_watch *apps_watch_new(const apps_watch_opts *o);
/* Closes every session (calls in flight end as Cancelled) and frees the rest. The
 * owner forgets any creds_job it was handed through the MFA hook first. */
void apps_watch_free(apps_watch *aw);

/* Drive credential jobs, sessions and clients; start the polls that are due (not
 * while paused). Never blocks. */
void apps_watch_run(apps_watch *aw, int64_t now_mono);
/* How long the owner may wait before calling apps_watch_run again: at most
 * APPS_WATCH_BUSY_MS while anything is in flight. */
int apps_watch_next_due_ms(const apps_watch *aw, int64_t now_mono);
/* Paused: no new polls (the overview is closed); answers in flight still land. */
void apps_watch_pause(apps_watch *aw, bool paused);
/* Poll every app now (and retry failed credentials). */
void apps_watch_refresh_now(apps_watch *aw);
/* True once since the last call when a row changed. */
bool apps_watch_take_changes(apps_watch *aw);

size_t apps_watch_count(const apps_watch *aw);
const app_status *apps_watch_get(const apps_watch *aw, size_t i);
/* The open session app i is polled through, or NULL (still resolving, failed). */
const creds_session *apps_watch_session(const apps_watch *aw, size_t i);

/* Summaries the overview and tests share (pure). */
/* "2f4a8c6" / "prod (no commit tag)" / "prod missing" / "-" into buf. */
void app_status_live_text(const app_status *st, char *buf, size_t len);
/* Broken (kinds/kind.h app_mark): the latest refresh ended badly and live does not
 * name stable's image. False while either is not known. */
bool app_status_broken(const app_status *st);
/* "InProgress 45%" / "Successful" / "none" / "-" (never polled). */
void app_status_refresh_text(const app_status *st, char *buf, size_t len);
/* "4/4" / "-" */
void app_status_targets_text(const app_status *st, char *buf, size_t len);
/* "OK (2)" / "ALARM web-5xx" / "ALARM 2 of 3" / "INSUFFICIENT_DATA" / "-" */
void app_status_alarms_text(const app_status *st, char *buf, size_t len);

#endif
