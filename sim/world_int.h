/* world_int.h — the world's private state, shared by the sim/world*.c files only
 * (world.c: life, time, ids, paging; world_asg.c: groups, instances, activities;
 * world_elb.c: target health; world_refresh.c: instance refreshes; world_ecr.c;
 * world_cw.c: alarms; world_events.c: the event log). The front sees world.h only. */
#ifndef TARMAC_SIM_WORLD_INT_H
#define TARMAC_SIM_WORLD_INT_H

#include "scenario.h"
#include "world.h"

#define W_STEP_MS            1000 /* one simulated step */
#define W_EVENT_RING         100000
#define W_MAX_ACTIVITIES     20000 /* per world; oldest dropped */
#define W_TERMINATED_KEEP_MS (3600 * 1000)

/* LC_STANDBY: in the group, out of service (not counted in the desired capacity, not
 * registered with target groups). LC_WARM_PENDING / LC_WARMED: in the warm pool
 * (Warmed:Pending, then Warmed:Stopped / Running / Hibernated by the pool state). */
typedef enum {
    LC_PENDING,
    LC_INSERVICE,
    LC_TERMINATING,
    LC_TERMINATED,
    LC_STANDBY,
    LC_WARM_PENDING,
    LC_WARMED
} w_lifecycle;
/* TS_UNUSED: registered with a target group no load balancer uses (Target.NotInUse);
 * TS_UNHEALTHY_DRAINING: an NLB target failing checks, draining for the interval. */
typedef enum { TS_INITIAL, TS_HEALTHY, TS_UNHEALTHY, TS_DRAINING, TS_UNUSED, TS_UNHEALTHY_DRAINING } w_tstate;

typedef struct w_target {
    int inst; /* index into w->instances */
    w_tstate state;
    int ok_run, fail_run; /* consecutive check results */
    aws_time next_check;
    aws_time drain_until; /* draining, and unhealthy.draining */
    const char *reason;   /* static string or NULL */
} w_target;

typedef struct w_tg {
    const sc_target_group *sc;
    char *arn;
    VEC(w_target) targets;
    strvec lb_arns;
    int last_healthy, last_total;
} w_tg;

typedef struct w_instance {
    char id[24];
    int asg;
    char az[32];
    char ip[16];
    char subnet[32];
    char *digest;          /* pulled at launch; NULL = nothing to pull */
    bool bad;              /* its image never answers health checks */
    bool pull_failed;      /* the image was archived: the pull failed (404), nothing runs */
    aws_time fails_at;     /* 0, or when its app stops answering (the image's fails_after) */
    bool protected_;       /* ProtectedFromScaleIn */
    bool warm;             /* belongs to the warm pool (w_asg.warm), not the group */
    int lt;                /* launch template index */
    int lt_version;        /* resolved number */
    char *lt_version_spec; /* as the group or refresh said it ("3", "$Latest") */
    w_lifecycle lc;
    bool unhealthy; /* ASG health status */
    aws_time launch_time, in_service_at, ready_at, terminate_at, terminated_at;
    int warmup_s;                       /* the refresh's InstanceWarmup if one launched it, else the group's */
    int launch_activity, term_activity; /* indexes into activities, -1 = none */
    int refresh_gen;                    /* which refresh launched it (0 = none) */
} w_instance;

typedef struct w_refresh {
    instance_refresh r; /* what Describe answers (kept current) */
    int asg;
    int gen;                   /* id stamped on instances it launches */
    int target_lt, target_ver; /* config being rolled out */
    char *target_ver_spec;
    int orig_lt, orig_ver; /* the group's config before (for rollback) */
    char *orig_ver_spec;
    int min_pct, max_pct, warmup_s;
    VEC(int) to_replace; /* instance indexes still to be replaced (live pool) */
    int initial_count;
    int next_checkpoint;   /* index into preferences.checkpoint_percentages */
    aws_time paused_until; /* checkpoint pause */
    aws_time bake_until;
    int health_failures;  /* replacements that failed health checks */
    char last_failed[24]; /* the latest of them */
    bool rolling_back;
    aws_time pending_until;                          /* Pending → InProgress; when Cancelling: when cancel came */
    int live_initial, standby_initial, warm_initial; /* parts of initial_count */
    VEC(int) warm_replace;                           /* warm pool instances still to be replaced */
    int done;                                        /* instances updated so far (never decreases) */
    aws_time stall_since;                            /* 0, or since when it has been unable to continue */
    int stall_kind;                                  /* REFRESH_STALL_* (world_refresh.c) */
    char stall_example[24];
    int rb_pct0; /* PercentageComplete when the rollback started */
} w_refresh;

typedef struct w_suspension {
    char *process, *reason;
} w_suspension;

typedef struct w_asg {
    const sc_asg *sc;
    char *arn;
    int min, max, desired;
    int lt, lt_version;
    char *lt_version_spec;
    int repo;           /* -1 = no image */
    VEC(int) tgs;       /* indexes into w->tgs */
    VEC(int) instances; /* indexes into w->instances, launch order */
    aws_time created;
    int active_refresh; /* index into w->refreshes, -1 = none */
    int last_healthy;
    VEC(w_suspension) suspended; /* SuspendedProcesses */
    VEC(int) warm;               /* the warm pool's instances (indexes into w->instances) */
} w_asg;

typedef struct w_image {
    char *digest;
    char *manifest;
    size_t manifest_len;
    char *media_type, *artifact_media_type;
    bool has_size;
    int64_t size;
    aws_time pushed_at, last_pull;
    strvec tags;
    bool bad;
    int fails_after_s; /* -1, or: its app stops answering this long after it is ready */
    bool deleted;
    char status[12]; /* ACTIVE, ARCHIVED, ACTIVATING */
    aws_time archived_at, activated_at;
    aws_time active_at;  /* ACTIVATING: when the restore completes */
    const sc_scan *scan; /* the scenario's scan result, or NULL */
    aws_time scan_completed;
} w_image;

typedef struct w_repo {
    char *name, *arn, *uri, *mutability;
    strvec exclusions;
    aws_time created;
    VEC(w_image) images;
} w_repo;

/* Temporary credentials issued by AssumeRole / AssumeRoleWithWebIdentity (sts.c).
 * Their expiry is wall-clock time, as the clients that hold them compare it so. */
typedef struct w_session {
    char *access_key_id, *secret_access_key, *session_token; /* secrets wiped on free */
    char *role_arn, *session_name, *account_id;
    aws_time expiration;
} w_session;

/* sts.c */
void w_sts_free(sim_world *w);
/* The newest live session of a key; _token: the live one with that session token,
 * else the newest. */
const w_session *w_sts_find(const sim_world *w, const char *access_key_id);
const w_session *w_sts_find_token(const sim_world *w, const char *access_key_id, const char *token);

typedef struct w_alarm {
    const sc_alarm *sc;
    char *arn;
    int tg;
    char state[24];
    char *reason;
    aws_time updated;
    aws_time next_eval;
    int breach_run;
    double period_stat; /* target-group metric: the period's Minimum / Maximum so far */
    int period_samples;
    unsigned version;        /* bumped on every state change */
    unsigned long long seen; /* composite: its children's versions when last evaluated */
    bool evaluated;          /* composite: evaluated at least once */
    VEC(int) children;       /* composite: the alarms its rule names */
} w_alarm;

/* world_cw.c: an alarm's state by name or ARN (NULL when there is no such alarm). */
const char *w_cw_state(const sim_world *w, const char *name_or_arn);

typedef struct w_event_ring {
    char **lines;                 /* W_EVENT_RING slots */
    uint64_t first_seq, next_seq; /* seqs held: [first_seq, next_seq) */
} w_event_ring;

struct w_ecs; /* world_ecs_int.h */

struct sim_world {
    const sim_scenario *sc; /* borrowed for its lifetime: see world_new_from_scenario */
    char *account_id, *region;
    uint64_t rng;
    double speed;
    bool origin_set;
    int64_t origin_mono;
    aws_time origin_sim; /* sim time at origin */
    int64_t manual_offset;
    aws_time now;
    aws_time goal; /* last sync/advance target */
    uint32_t token_salt;

    VEC(w_asg) asgs;
    VEC(w_instance) instances;
    VEC(w_tg) tgs;
    VEC(w_refresh) refreshes;
    VEC(scaling_activity) activities;
    size_t activities_dropped;
    VEC(w_repo) repos;
    VEC(w_alarm) alarms;
    VEC(char *) lb_arns;
    VEC(char *) listener_arns; /* [lb][listener] flattened in scenario order */
    VEC(char *) rule_arns;     /* flattened in scenario order, default rule included */
    sim_faults faults;
    w_event_ring events;
    int refresh_gen;
    bool quiet;              /* building the scenario: no events */
    VEC(w_session) sessions; /* temporary credentials STS handed out (sts.c) */
    uint32_t session_seq;
    struct w_ecs *ecs; /* world_ecs.c */
};

/* world.c */
uint64_t w_rand(sim_world *w);
int w_rand_range(sim_world *w, int n); /* [0, n) */
void w_uuid(sim_world *w, char out[37]);
sim_error w_err(const char *code, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
sim_error w_okv(void);
int w_page(const sim_world *w, const char *op, int max_items, int dflt);
/* Paging tokens: encode a start offset; decode validates it. */
char *w_token(const sim_world *w, const char *op, size_t offset);
bool w_untoken(const sim_world *w, const char *op, const char *token, size_t *offset);
void w_iso(aws_time t, char buf[32]);
int w_lt_index(const sim_world *w, const char *id, const char *name);
int w_resolve_version(const sim_world *w, int lt, const char *spec); /* -1 = bad */
int w_asg_index(const sim_world *w, const char *name);

/* world_events.c */
void w_events_init(w_event_ring *r);
void w_events_free(w_event_ring *r);
/* fields: a JSON fragment without braces (",\"k\":v..." style built by w_event) */
void w_event(sim_world *w, const char *type, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* JSON-escaped copy of s into sb (with quotes). */
void w_json_str(strbuf *sb, const char *s);

/* world_asg.c */
void w_asg_init(sim_world *w);
void w_asg_lifecycle_step(sim_world *w); /* Pending→InService, Terminating→Terminated */
void w_asg_reconcile_step(sim_world *w); /* health replacement, desired capacity, counts */
int w_launch(sim_world *w, int asg, int lt, int ver, const char *ver_spec, const char *why, int gen);
void w_terminate(sim_world *w, int inst, const char *cause);
/* Whether the group has that process suspended (SuspendedProcesses). */
bool w_asg_suspended(const sim_world *w, int asg, const char *process);
/* The instance's Auto Scaling lifecycle state name (Warmed:Stopped for a stopped warm one). */
const char *w_lifecycle_name(const sim_world *w, const w_instance *in);
/* InService, Healthy (and ELB-healthy for ELB groups) and past its warm-up: what counts
 * toward MinHealthyPercentage. */
bool w_instance_healthy(const sim_world *w, int inst);
bool w_instance_matches(const sim_world *w, int inst, int lt, int ver);
int w_group_warmup(const w_asg *a);
void w_asg_free(sim_world *w);

/* world_elb.c */
void w_elb_init(sim_world *w);
void w_elb_register(sim_world *w, int inst);
void w_elb_deregister(sim_world *w, int inst);
void w_elb_step(sim_world *w);
bool w_elb_all_healthy(const sim_world *w, int inst);
bool w_elb_any_unhealthy(const sim_world *w, int inst);
bool w_elb_drained(const sim_world *w, int inst);
void w_elb_mark_healthy(sim_world *w, int inst);          /* scenario's initial instances */
int w_tg_count(const sim_world *w, int tg, bool healthy); /* healthy or unhealthy targets */
void w_elb_free(sim_world *w);

/* world_refresh_prefs.c: the preferences StartInstanceRefresh takes effect with (AWS's
 * defaults filled in), or the ValidationError AWS answers. out is set on success only. */
sim_error w_refresh_prefs_effective(const sim_world *w, const w_asg *a, const refresh_prefs *given,
                                    const char *strategy, const lt_spec *desired, refresh_prefs *out);

/* world_refresh.c */
void w_refresh_step(sim_world *w);
void w_refresh_free(sim_world *w);
void w_refresh_note_health_failure(sim_world *w, int inst);
/* The configuration new instances of the group get: the active refresh's (true) or the group's. */
bool w_refresh_launch_config(const sim_world *w, int asg, int *lt, int *ver, const char **spec, int *gen);

/* world_ecr.c */
void w_ecr_init(sim_world *w);
void w_ecr_step(sim_world *w); /* restores in progress complete */
void w_ecr_free(sim_world *w);
/* The image the repo's tag points at now (NULL if none); marks the pull. An image that
 * is not ACTIVE cannot be pulled: *failed is set (the image is still returned). */
const w_image *w_ecr_pull(sim_world *w, int repo, const char *tag, bool *failed);

/* world_ecs.c */
void w_ecs_init(sim_world *w);
void w_ecs_step(sim_world *w);
void w_ecs_free(sim_world *w);

/* world_cw.c */
void w_cw_init(sim_world *w);
void w_cw_step(sim_world *w);
void w_cw_free(sim_world *w);
bool w_cw_in_alarm(const sim_world *w, const char *name);

#endif
