/* config.h — tarmac's configuration file (tarmac.yaml(5)): the apps it manages
 * (ASG, ECR repository, tags, refresh preferences, safety switches), UI settings
 * and key bindings. Owns parsing and validation; nothing else reads the file.
 * Errors are "FILE:LINE:COLUMN: message" strings; the library prints nothing. */
#ifndef TARMAC_CONFIG_H
#define TARMAC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "services/model.h"
#include "util.h"

#define CONFIG_MAX_FILE_SIZE (1024 * 1024) /* bigger files are refused */
#define CONFIG_MAX_STRING    1024          /* bytes per string value */

struct config_kind;

typedef struct app_config {
    char *name;                     /* [A-Za-z0-9_.-]{1,64} */
    const struct config_kind *kind; /* kind: (default asg); never NULL once parsed */
    char *profile, *region;         /* NULL: use the defaults (config_app_profile/region) */
    char *asg;                      /* kind asg: the group (required) */
    char *ecr_repository;           /* NULL when the app has no image repository */
    char *live_tag, *stable_tag;    /* "prod" / "prod-stable" by default */
    bool protected_;                /* deploys ask to type the ASG's name */
    bool read_only;
    bool auto_rollback;              /* roll back without asking when a watched deploy fails */
    int unhealthy_polls;             /* 1..100, default 3 */
    int min_healthy_targets_percent; /* 0..100, default 100 */
    strvec alarms;                   /* CloudWatch alarms watched during a deploy */
    refresh_prefs refresh;           /* kind asg: StartInstanceRefresh Preferences; has_* for keys present */
    char *file;                      /* where it was defined */
    int line;
} app_config;

/* One entry of the profiles: map: settings that follow an AWS profile, whichever
 * app uses it. */
typedef struct profile_config {
    char *name;     /* the AWS profile's name */
    bool read_only; /* nothing may be changed with this profile */
    int line;
} profile_config;

/* One binding from the keys: map. Only the key's syntax is checked here; the
 * keymap module checks that the action exists (the action list lives there). */
typedef struct config_key {
    char *action; /* [a-z][a-z0-9_]{0,63} */
    char *key;    /* "j", "C-d", "M-x", "F5", "Enter", "S-Tab", "PgUp", ... */
    int line;
} config_key;

typedef struct tarmac_config {
    char *path; /* the file read; NULL when there was none */
    char *default_profile, *default_region;
    bool read_only;               /* defaults.read_only: every app read-only */
    VEC(app_config) apps;         /* file order */
    VEC(profile_config) profiles; /* file order */
    char *theme;                  /* "dark" by default */
    int refresh_seconds;          /* 1..3600, default 30: the base poll interval (watch.h) */
    int refresh_active_seconds;   /* 1..3600, default 2 */
    bool bell, mouse;             /* false / true */
    VEC(config_key) keys;         /* file order */
} tarmac_config;

/* What the config knows of an app kind (backend/kinds/): its name and the app keys
 * only it takes. Each kind defines one (kinds/<kind>/<kind>_config.c) and
 * kinds/kinds.def lists them; the parser knows no kind by name. */
typedef struct config_kind {
    const char *name;            /* the kind: value ("asg") */
    const char *summary;         /* one line for errors and help */
    const char *const *keys;     /* app keys only this kind takes; NULL-terminated */
    const char *const *required; /* of those, the ones an app of this kind needs */
    /* Rules across the kind's keys, once the app is read: false with the message in
     * why and the dotted key at fault in at ("refresh.instance_warmup"; empty: the app). */
    bool (*check)(const app_config *a, strbuf *at, strbuf *why);
} config_kind;

#define CONFIG_DEFAULT_KIND "asg"
/* The kind named name, or NULL; config_kinds_list() appends "asg, ..." to out. */
const config_kind *config_kind_find(const char *name);
void config_kinds_list(strbuf *out);

/* Defaults; c must later be released with config_free. */
void config_init(tarmac_config *c);
void config_free(tarmac_config *c); /* leaves c as after config_init minus allocations */

/* Reads path, or the default path when path is NULL (where a missing file is an
 * empty config). Returns 0, or -1 with the error appended to err. *out is always
 * initialized (empty on error) and must be freed with config_free. */
int config_load(const char *path, tarmac_config *out, strbuf *err);
/* The config file's guarded read, for other small files a user points tarmac at:
 * opened without blocking on a FIFO, a regular file only, at most CONFIG_MAX_FILE_SIZE bytes.
 * *buf (NUL-terminated, caller frees) and *len; 0, or -1 with a message in err. */
int config_read_file(const char *path, char **buf, size_t *len, strbuf *err);

/* Parses a buffer; filename only names it in errors and out->path. Same contract. */
int config_parse(const char *data, size_t len, const char *filename, tarmac_config *out, strbuf *err);

/* $XDG_CONFIG_HOME/tarmac/config.yaml, else $HOME/.config/tarmac/config.yaml.
 * malloc'd; NULL when neither variable nor the password file gives a home. */
char *config_default_path(void);

const app_config *config_find_app(const tarmac_config *c, const char *name);
/* Effective values: the app's own, else the defaults section's (may be NULL). */
const char *config_app_profile(const tarmac_config *c, const app_config *app);
const char *config_app_region(const tarmac_config *c, const app_config *app);
/* True when defaults.read_only, the app's read_only, or the read_only of the
 * profile the app uses (its own, else the defaults', else AWS_PROFILE,
 * AWS_DEFAULT_PROFILE or "default" as the AWS tools pick it) says so. app may be
 * NULL (the defaults' profile then). */
bool config_app_read_only(const tarmac_config *c, const app_config *app);
/* The profiles: entry for name (NULL when none), and whether it is read-only. */
const profile_config *config_find_profile(const tarmac_config *c, const char *name);
bool config_profile_read_only(const tarmac_config *c, const char *profile);

/* True if s is a key the keys: section accepts (also for the keymap module). */
bool config_key_syntax_ok(const char *s);

#endif
