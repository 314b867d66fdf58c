/* scenario.c — loads a simulator scenario: YAML (libyaml's document API, so every
 * node keeps its line and column) walked with small field tables into sim_scenario.
 * A "generate:" section expands compact counts into many groups/images (large.yaml). */
#include "scenario.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <yaml.h>

#include "embedded.h"
#include "services/model_ecs.h"

#define SC_MAX_FILE      (16u << 20)
#define SC_MAX_GENERATED 200000

typedef struct sp {
    yaml_document_t *doc;
    const char *file;
    char *err;
    size_t errlen;
    bool failed;
} sp;

__attribute__((format(printf, 3, 4))) static bool sp_fail_at(sp *p, const yaml_mark_t *m, const char *fmt, ...)
{
    if (p->failed)
        return false;
    p->failed = true;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errlen, "%s:%zu:%zu: %s", p->file, m->line + 1, m->column + 1, msg);
    return false;
}

static bool sp_fail_lc(sp *p, int line, int col, const char *msg, const char *arg)
{
    yaml_mark_t m = { .line = (size_t)(line > 0 ? line - 1 : 0), .column = (size_t)(col > 0 ? col - 1 : 0) };
    return sp_fail_at(p, &m, "%s '%s'", msg, arg ? arg : "");
}

static yaml_node_t *node(sp *p, int id)
{
    return yaml_document_get_node(p->doc, id);
}

static const char *scalar(yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

/* ---------- typed scalars ---------- */

static bool want_scalar(sp *p, yaml_node_t *n, const char *what)
{
    if (n->type != YAML_SCALAR_NODE)
        return sp_fail_at(p, &n->start_mark, "%s must be a scalar", what);
    return true;
}

static bool get_long(sp *p, yaml_node_t *n, const char *key, long lo, long hi, long *out)
{
    if (!want_scalar(p, n, key))
        return false;
    const char *s = scalar(n);
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end)
        return sp_fail_at(p, &n->start_mark, "%s: '%s' is not an integer", key, s);
    if (v < lo || v > hi)
        return sp_fail_at(p, &n->start_mark, "%s: %ld is outside %ld..%ld", key, v, lo, hi);
    *out = v;
    return true;
}

static bool get_double(sp *p, yaml_node_t *n, const char *key, double lo, double hi, double *out)
{
    if (!want_scalar(p, n, key))
        return false;
    const char *s = scalar(n);
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v))
        return sp_fail_at(p, &n->start_mark, "%s: '%s' is not a number", key, s);
    if (v < lo || v > hi)
        return sp_fail_at(p, &n->start_mark, "%s: %g is outside %g..%g", key, v, lo, hi);
    *out = v;
    return true;
}

static bool get_bool(sp *p, yaml_node_t *n, const char *key, bool *out)
{
    if (!want_scalar(p, n, key))
        return false;
    const char *s = scalar(n);
    if (str_eq(s, "true") || str_eq(s, "yes") || str_eq(s, "on"))
        *out = true;
    else if (str_eq(s, "false") || str_eq(s, "no") || str_eq(s, "off"))
        *out = false;
    else
        return sp_fail_at(p, &n->start_mark, "%s: '%s' is not a boolean", key, s);
    return true;
}

/* ---------- field tables ---------- */

typedef enum { F_STR, F_INT, F_DOUBLE, F_BOOL, F_STRVEC, F_I64VEC, F_TIME, F_SUB } ftype;
typedef bool (*sub_fn)(sp *p, yaml_node_t *n, void *obj);

typedef struct field {
    const char *key;
    ftype type;
    size_t off;
    long lo, hi;
    sub_fn sub;      /* F_SUB: parses the value into obj */
    size_t has_off;  /* F_INT with a has_ flag: offset + 1 (0 = none) */
    double dlo, dhi; /* F_DOUBLE's bounds (fractions such as speed 0.01) */
} field;

#define FS(k, T, m)                                                                                                    \
    {                                                                                                                  \
        .key = k, .type = F_STR, .off = offsetof(T, m)                                                                 \
    }
#define FI(k, T, m, l, h)                                                                                              \
    {                                                                                                                  \
        .key = k, .type = F_INT, .off = offsetof(T, m), .lo = l, .hi = h                                               \
    }
#define FIH(k, T, m, l, h, hf)                                                                                         \
    {                                                                                                                  \
        .key = k, .type = F_INT, .off = offsetof(T, m), .lo = l, .hi = h, .has_off = offsetof(T, hf) + 1               \
    }
#define FD(k, T, m, l, h)                                                                                              \
    {                                                                                                                  \
        .key = k, .type = F_DOUBLE, .off = offsetof(T, m), .dlo = l, .dhi = h                                          \
    }
#define FB(k, T, m)                                                                                                    \
    {                                                                                                                  \
        .key = k, .type = F_BOOL, .off = offsetof(T, m)                                                                \
    }
#define FV(k, T, m)                                                                                                    \
    {                                                                                                                  \
        .key = k, .type = F_STRVEC, .off = offsetof(T, m)                                                              \
    }
#define FL(k, T, m, l, h)                                                                                              \
    {                                                                                                                  \
        .key = k, .type = F_I64VEC, .off = offsetof(T, m), .lo = l, .hi = h                                            \
    }
#define FT(k, T, m)                                                                                                    \
    {                                                                                                                  \
        .key = k, .type = F_TIME, .off = offsetof(T, m)                                                                \
    }
#define FSUB(k, fn)                                                                                                    \
    {                                                                                                                  \
        .key = k, .type = F_SUB, .sub = fn                                                                             \
    }

static bool parse_value(sp *p, yaml_node_t *v, const field *f, void *obj)
{
    char *base = obj;
    switch (f->type) {
    case F_STR:
        if (!want_scalar(p, v, f->key))
            return false;
        str_set((char **)(base + f->off), scalar(v));
        return true;
    case F_INT: {
        long x;
        if (!get_long(p, v, f->key, f->lo, f->hi, &x))
            return false;
        *(int *)(base + f->off) = (int)x;
        if (f->has_off)
            *(bool *)(base + f->has_off - 1) = true;
        return true;
    }
    case F_DOUBLE:
        return get_double(p, v, f->key, f->dlo, f->dhi, (double *)(base + f->off));
    case F_BOOL:
        return get_bool(p, v, f->key, (bool *)(base + f->off));
    case F_TIME: {
        if (!want_scalar(p, v, f->key))
            return false;
        if (!time_parse_iso8601(scalar(v), (aws_time *)(base + f->off)))
            return sp_fail_at(p, &v->start_mark, "%s: '%s' is not an ISO-8601 time", f->key, scalar(v));
        return true;
    }
    case F_STRVEC: {
        strvec *sv = (strvec *)(base + f->off);
        if (v->type == YAML_SCALAR_NODE) {
            strvec_push(sv, scalar(v));
            return true;
        }
        if (v->type != YAML_SEQUENCE_NODE)
            return sp_fail_at(p, &v->start_mark, "%s must be a list", f->key);
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
            yaml_node_t *e = node(p, *it);
            if (!want_scalar(p, e, f->key))
                return false;
            strvec_push(sv, scalar(e));
        }
        return true;
    }
    case F_I64VEC: {
        VEC(int64_t) *lv = (void *)(base + f->off);
        if (v->type != YAML_SEQUENCE_NODE)
            return sp_fail_at(p, &v->start_mark, "%s must be a list", f->key);
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
            long x;
            if (!get_long(p, node(p, *it), f->key, f->lo, f->hi, &x))
                return false;
            VEC_PUSH(*lv, (int64_t)x);
        }
        return true;
    }
    case F_SUB:
        return f->sub(p, v, obj);
    }
    return false;
}

static bool parse_map(sp *p, yaml_node_t *n, const char *what, const field *fields, size_t nf, void *obj)
{
    if (n->type != YAML_MAPPING_NODE)
        return sp_fail_at(p, &n->start_mark, "%s must be a mapping", what);
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = node(p, pr->key), *v = node(p, pr->value);
        if (!want_scalar(p, k, "a key"))
            return false;
        const field *f = NULL;
        for (size_t i = 0; i < nf; i++)
            if (str_eq(fields[i].key, scalar(k)))
                f = &fields[i];
        if (!f)
            return sp_fail_at(p, &k->start_mark, "unknown key '%s' in %s", scalar(k), what);
        /* A repeated section would be added twice (each "generate:" up to the limit). */
        for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < pr; q++)
            if (str_eq(scalar(node(p, q->key)), scalar(k)))
                return sp_fail_at(p, &k->start_mark, "duplicate key '%s' in %s", scalar(k), what);
        if (!parse_value(p, v, f, obj))
            return false;
    }
    return true;
}

/* A list of mappings: each item gets a fresh zeroed slot, defaults, then the fields. */
#define PARSE_LIST(p, n, what, vec, T, fields, defaults)                                                               \
    do {                                                                                                               \
        if ((n)->type != YAML_SEQUENCE_NODE)                                                                           \
            return sp_fail_at(p, &(n)->start_mark, "%s must be a list", what);                                         \
        for (yaml_node_item_t *it_ = (n)->data.sequence.items.start; it_ < (n)->data.sequence.items.top; it_++) {      \
            yaml_node_t *e_ = node(p, *it_);                                                                           \
            T *o_ = VEC_NEW(vec);                                                                                      \
            defaults(o_, e_);                                                                                          \
            if (!parse_map(p, e_, what, fields, ARRAY_LEN(fields), o_))                                                \
                return false;                                                                                          \
        }                                                                                                              \
    } while (0)

/* ---------- sections ---------- */

static void cred_defaults(sc_credential *c, yaml_node_t *n)
{
    (void)c;
    (void)n;
}
static const field cred_fields[] = {
    FS("access_key_id", sc_credential, access_key_id),
    FS("secret_access_key", sc_credential, secret_access_key),
    FS("session_token", sc_credential, session_token),
    FS("user", sc_credential, user_name),
};
static bool sub_credentials(sp *p, yaml_node_t *n, void *obj)
{
    sim_scenario *sc = obj;
    PARSE_LIST(p, n, "credentials", sc->credentials, sc_credential, cred_fields, cred_defaults);
    for (size_t i = 0; i < sc->credentials.n; i++) {
        sc_credential *c = &sc->credentials.items[i];
        if (str_empty(c->access_key_id) || str_empty(c->secret_access_key))
            return sp_fail_at(p, &n->start_mark, "each credential needs access_key_id and secret_access_key");
    }
    return true;
}

static bool sub_page_sizes(sp *p, yaml_node_t *n, void *obj)
{
    sim_scenario *sc = obj;
    if (n->type != YAML_MAPPING_NODE)
        return sp_fail_at(p, &n->start_mark, "page_sizes must be a mapping of operation: size");
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = node(p, pr->key), *v = node(p, pr->value);
        long x;
        if (!want_scalar(p, k, "an operation") || !get_long(p, v, scalar(k), 1, 10000, &x))
            return false;
        sc_page_size *ps = VEC_NEW(sc->page_sizes);
        ps->operation = xstrdup(scalar(k));
        ps->size = (int)x;
    }
    return true;
}

static void lt_defaults(sc_launch_template *t, yaml_node_t *n)
{
    (void)n;
    t->latest_version = 1;
    t->default_version = 1;
}
static bool sub_pins(sp *p, yaml_node_t *n, void *obj)
{
    sc_launch_template *t = obj;
    if (n->type != YAML_MAPPING_NODE)
        return sp_fail_at(p, &n->start_mark, "pinned_tags must be a mapping of version: tag");
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = node(p, pr->key), *v = node(p, pr->value);
        long ver;
        if (!get_long(p, k, "pinned_tags version", 1, 100000, &ver) || !want_scalar(p, v, "pinned tag"))
            return false;
        sc_lt_pin *pin = VEC_NEW(t->pinned_tags);
        pin->version = (int)ver;
        pin->tag = xstrdup(scalar(v));
    }
    return true;
}
static const field lt_fields[] = {
    FSUB("pinned_tags", sub_pins),
    FS("name", sc_launch_template, name),
    FS("id", sc_launch_template, id),
    FI("latest_version", sc_launch_template, latest_version, 1, 100000),
    FI("default_version", sc_launch_template, default_version, 1, 100000),
    FS("image_id", sc_launch_template, image_id),
    FS("instance_type", sc_launch_template, instance_type),
};
static bool sub_lts(sp *p, yaml_node_t *n, void *obj)
{
    sim_scenario *sc = obj;
    PARSE_LIST(p, n, "launch_templates", sc->launch_templates, sc_launch_template, lt_fields, lt_defaults);
    return true;
}

static void tg_defaults(sc_target_group *t, yaml_node_t *n)
{
    t->line = (int)n->start_mark.line + 1;
    t->column = (int)n->start_mark.column + 1;
    t->port = 80;
    t->interval_s = 30;
    t->timeout_s = 5;
    t->healthy_threshold = 5;
    t->unhealthy_threshold = 2;
    t->deregistration_delay_s = 300;
}
static const field tg_fields[] = {
    FS("name", sc_target_group, name),
    FS("protocol", sc_target_group, protocol),
    FS("health_check_path", sc_target_group, health_check_path),
    FI("port", sc_target_group, port, 1, 65535),
    FI("interval", sc_target_group, interval_s, 5, 300),
    FI("timeout", sc_target_group, timeout_s, 2, 120),
    FI("healthy_threshold", sc_target_group, healthy_threshold, 2, 10),
    FI("unhealthy_threshold", sc_target_group, unhealthy_threshold, 2, 10),
    FI("deregistration_delay", sc_target_group, deregistration_delay_s, 0, 3600),
    FI("unhealthy_draining_interval", sc_target_group, unhealthy_draining_s, 0, 360000),
};
static bool sub_tgs(sp *p, yaml_node_t *n, void *obj)
{
    sim_scenario *sc = obj;
    PARSE_LIST(p, n, "target_groups", sc->target_groups, sc_target_group, tg_fields, tg_defaults);
    return true;
}

static void rule_defaults(sc_rule *r, yaml_node_t *n)
{
    r->line = (int)n->start_mark.line + 1;
    r->column = (int)n->start_mark.column + 1;
}
static const field rule_fields[] = {
    FI("priority", sc_rule, priority, 1, 50000),
    FS("path_pattern", sc_rule, path_pattern),
    FS("target_group", sc_rule, target_group),
};
static bool sub_rules(sp *p, yaml_node_t *n, void *obj)
{
    sc_listener *l = obj;
    PARSE_LIST(p, n, "rules", l->rules, sc_rule, rule_fields, rule_defaults);
    return true;
}
static void listener_defaults(sc_listener *l, yaml_node_t *n)
{
    l->port = 80;
    l->line = (int)n->start_mark.line + 1;
    l->column = (int)n->start_mark.column + 1;
}
static const field listener_fields[] = {
    FI("port", sc_listener, port, 1, 65535),
    FS("protocol", sc_listener, protocol),
    FS("target_group", sc_listener, target_group),
    FSUB("rules", sub_rules),
};
static bool sub_listeners(sp *p, yaml_node_t *n, void *obj)
{
    sc_load_balancer *lb = obj;
    PARSE_LIST(p, n, "listeners", lb->listeners, sc_listener, listener_fields, listener_defaults);
    return true;
}
static void lb_defaults(sc_load_balancer *l, yaml_node_t *n)
{
    (void)l;
    (void)n;
}
static const field lb_fields[] = {
    FS("name", sc_load_balancer, name),
    FS("scheme", sc_load_balancer, scheme),
    FSUB("listeners", sub_listeners),
};
static bool sub_lbs(sp *p, yaml_node_t *n, void *obj)
{
    sim_scenario *sc = obj;
    PARSE_LIST(p, n, "load_balancers", sc->load_balancers, sc_load_balancer, lb_fields, lb_defaults);
    return true;
}

static void image_defaults(sc_image *i, yaml_node_t *n)
{
    i->fails_after_s = -1;
    i->line = (int)n->start_mark.line + 1;
    i->column = (int)n->start_mark.column + 1;
}
/* "seconds before the scenario start" values, bounded to a century */
static bool get_offset(sp *p, yaml_node_t *n, const char *key, int64_t *out)
{
    long x;
    if (!get_long(p, n, key, 0, 100L * 365 * 86400, &x))
        return false;
    *out = x;
    return true;
}
static bool sub_pushed(sp *p, yaml_node_t *n, void *obj)
{
    return get_offset(p, n, "pushed", &((sc_image *)obj)->pushed_offset_s);
}
static bool sub_archived_at(sp *p, yaml_node_t *n, void *obj)
{
    sc_image *im = obj;
    im->has_archived_at = true;
    return get_offset(p, n, "archived_at", &im->archived_offset_s);
}
static bool sub_activated_at(sp *p, yaml_node_t *n, void *obj)
{
    sc_image *im = obj;
    im->has_activated_at = true;
    return get_offset(p, n, "activated_at", &im->activated_offset_s);
}
static bool sub_scan_completed(sp *p, yaml_node_t *n, void *obj)
{
    sc_scan *sc = obj;
    sc->has_completed = true;
    return get_offset(p, n, "completed", &sc->completed_offset_s);
}
static bool sub_findings(sp *p, yaml_node_t *n, void *obj)
{
    static const char *const severities[] = { "INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL", "UNDEFINED" };
    sc_scan *sc = obj;
    if (n->type != YAML_MAPPING_NODE)
        return sp_fail_at(p, &n->start_mark, "findings must be a mapping of severity: count");
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = node(p, pr->key), *v = node(p, pr->value);
        long x;
        if (!want_scalar(p, k, "a severity") || !get_long(p, v, scalar(k), 0, 1000000, &x))
            return false;
        bool known = false;
        for (size_t i = 0; i < ARRAY_LEN(severities); i++)
            known |= str_eq(severities[i], scalar(k));
        if (!known)
            return sp_fail_at(p, &k->start_mark,
                              "unknown finding severity '%s' (INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL, UNDEFINED)",
                              scalar(k));
        for (size_t i = 0; i < sc->findings.n; i++)
            if (str_eq(sc->findings.items[i].severity, scalar(k)))
                return sp_fail_at(p, &k->start_mark, "duplicate severity '%s'", scalar(k));
        sc_severity *sv = VEC_NEW(sc->findings);
        sv->severity = xstrdup(scalar(k));
        sv->count = (int)x;
    }
    return true;
}
static const field scan_fields[] = {
    FS("status", sc_scan, status),
    FS("description", sc_scan, description),
    FSUB("completed", sub_scan_completed),
    FSUB("findings", sub_findings),
};
static bool sub_scan(sp *p, yaml_node_t *n, void *obj)
{
    sc_scan *sc = &((sc_image *)obj)->scan;
    sc->present = true;
    return parse_map(p, n, "scan", scan_fields, ARRAY_LEN(scan_fields), sc);
}
static const field image_fields[] = {
    FV("tags", sc_image, tags),
    FL("layers", sc_image, layer_sizes, 1, 1L << 40),
    FSUB("pushed", sub_pushed),
    FB("bad", sc_image, bad),
    FI("fails_after", sc_image, fails_after_s, 0, 30 * 86400),
    FS("media_type", sc_image, media_type),
    FS("seed", sc_image, seed_name),
    FS("status", sc_image, status),
    FSUB("archived_at", sub_archived_at),
    FSUB("activated_at", sub_activated_at),
    FSUB("scan", sub_scan),
};
static bool sub_images(sp *p, yaml_node_t *n, void *obj)
{
    sc_repository *r = obj;
    PARSE_LIST(p, n, "images", r->images, sc_image, image_fields, image_defaults);
    return true;
}
static void repo_defaults(sc_repository *r, yaml_node_t *n)
{
    (void)r;
    (void)n;
}
static const field repo_fields[] = {
    FS("name", sc_repository, name),
    FS("mutability", sc_repository, mutability),
    FV("exclusion_filters", sc_repository, exclusion_filters),
    FSUB("images", sub_images),
};
static bool sub_repos(sp *p, yaml_node_t *n, void *obj)
{
    sim_scenario *sc = obj;
    PARSE_LIST(p, n, "repositories", sc->repositories, sc_repository, repo_fields, repo_defaults);
    return true;
}

static void asg_defaults(sc_asg *a, yaml_node_t *n)
{
    a->min_size = 1;
    a->max_size = 10;
    a->desired = 2;
    a->grace_period_s = 300;
    a->launch_delay_s = 30;
    a->boot_s = 20;
    a->imp_min_healthy = a->imp_max_healthy = -1;
    a->line = (int)n->start_mark.line + 1;
    a->column = (int)n->start_mark.column + 1;
}
/* The process names SuspendProcesses takes (its API reference). */
static const char *const process_names[] = {
    "Launch",      "Terminate",       "AddToLoadBalancer", "AlarmNotification", "AZRebalance",
    "HealthCheck", "InstanceRefresh", "ReplaceUnhealthy",  "ScheduledActions",
};
bool sim_process_known(const char *name)
{
    for (size_t i = 0; name && i < ARRAY_LEN(process_names); i++)
        if (str_eq(process_names[i], name))
            return true;
    return false;
}
size_t sim_process_count(void)
{
    return ARRAY_LEN(process_names);
}
const char *sim_process_name(size_t i)
{
    return i < ARRAY_LEN(process_names) ? process_names[i] : NULL;
}

/* suspended_processes: [Launch, {name: Terminate, reason: "..."}] */
static const field suspended_fields[] = {
    FS("name", sc_suspended, process),
    FS("reason", sc_suspended, reason),
};
static bool sub_suspended(sp *p, yaml_node_t *n, void *obj)
{
    sc_asg *a = obj;
    if (n->type != YAML_SEQUENCE_NODE)
        return sp_fail_at(p, &n->start_mark, "suspended_processes must be a list");
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        yaml_node_t *e = node(p, *it);
        sc_suspended *sp_ = VEC_NEW(a->suspended);
        if (e->type == YAML_SCALAR_NODE)
            sp_->process = xstrdup(scalar(e));
        else if (!parse_map(p, e, "suspended_processes", suspended_fields, ARRAY_LEN(suspended_fields), sp_))
            return false;
        if (!sim_process_known(sp_->process))
            return sp_fail_at(p, &e->start_mark, "unknown process '%s' in suspended_processes",
                              sp_->process ? sp_->process : "");
    }
    return true;
}
static bool sub_reuse(sp *p, yaml_node_t *n, void *obj)
{
    sc_warm_pool *wp = obj;
    wp->has_reuse = true;
    return get_bool(p, n, "reuse_on_scale_in", &wp->reuse_on_scale_in);
}
static const field warm_pool_fields[] = {
    FI("min_size", sc_warm_pool, min_size, 0, 10000),
    FI("max_group_prepared_capacity", sc_warm_pool, max_prepared, -1, 10000),
    FS("pool_state", sc_warm_pool, pool_state),
    FSUB("reuse_on_scale_in", sub_reuse),
};
static bool sub_warm_pool(sp *p, yaml_node_t *n, void *obj)
{
    sc_warm_pool *wp = &((sc_asg *)obj)->warm_pool;
    wp->present = true;
    wp->max_prepared = -1;
    return parse_map(p, n, "warm_pool", warm_pool_fields, ARRAY_LEN(warm_pool_fields), wp);
}
static const field asg_fields[] = {
    FS("name", sc_asg, name),
    FI("min", sc_asg, min_size, 0, 10000),
    FI("max", sc_asg, max_size, 0, 10000),
    FI("desired", sc_asg, desired, 0, 10000),
    FV("azs", sc_asg, azs),
    FS("launch_template", sc_asg, launch_template),
    FS("version", sc_asg, lt_version),
    FS("health_check_type", sc_asg, health_check_type),
    FI("grace_period", sc_asg, grace_period_s, 0, 7200),
    FIH("default_warmup", sc_asg, default_warmup_s, 0, 3600, has_default_warmup),
    FV("target_groups", sc_asg, target_groups),
    FS("repository", sc_asg, repository),
    FS("live_tag", sc_asg, live_tag),
    FS("instance_type", sc_asg, instance_type),
    FI("launch_delay", sc_asg, launch_delay_s, 1, 3600),
    FI("boot", sc_asg, boot_s, 0, 3600),
    FI("min_healthy_percentage", sc_asg, imp_min_healthy, 0, 100),
    FI("max_healthy_percentage", sc_asg, imp_max_healthy, 100, 200),
    FI("standby_instances", sc_asg, standby_instances, 0, 1000),
    FI("protected_instances", sc_asg, protected_instances, 0, 10000),
    FB("new_instances_protected", sc_asg, new_instances_protected),
    FSUB("suspended_processes", sub_suspended),
    FSUB("warm_pool", sub_warm_pool),
};
static bool sub_asgs(sp *p, yaml_node_t *n, void *obj)
{
    sim_scenario *sc = obj;
    PARSE_LIST(p, n, "apps", sc->asgs, sc_asg, asg_fields, asg_defaults);
    return true;
}

static void alarm_defaults(sc_alarm *a, yaml_node_t *n)
{
    a->period_s = 60;
    a->evaluation_periods = 1;
    a->line = (int)n->start_mark.line + 1;
    a->column = (int)n->start_mark.column + 1;
}
static bool sub_threshold(sp *p, yaml_node_t *n, void *obj)
{
    sc_alarm *a = obj;
    a->has_threshold = true;
    return get_double(p, n, "threshold", -1e15, 1e15, &a->threshold);
}
static void query_defaults(sc_metric_query *q, yaml_node_t *n)
{
    (void)q;
    (void)n;
}
static bool sub_query_period(sp *p, yaml_node_t *n, void *obj)
{
    sc_metric_query *q = obj;
    long x;
    q->has_period = true;
    if (!get_long(p, n, "period", 1, 86400, &x))
        return false;
    q->period = (int)x;
    return true;
}
static bool sub_query_return(sp *p, yaml_node_t *n, void *obj)
{
    sc_metric_query *q = obj;
    q->has_return_data = true;
    return get_bool(p, n, "return_data", &q->return_data);
}
static const field query_fields[] = {
    FS("id", sc_metric_query, id),
    FS("expression", sc_metric_query, expression),
    FS("label", sc_metric_query, label),
    FS("metric", sc_metric_query, metric),
    FS("namespace", sc_metric_query, namespace_),
    FS("stat", sc_metric_query, stat),
    FSUB("period", sub_query_period),
    FSUB("return_data", sub_query_return),
};
static bool sub_metrics(sp *p, yaml_node_t *n, void *obj)
{
    sc_alarm *a = obj;
    PARSE_LIST(p, n, "metrics", a->metrics, sc_metric_query, query_fields, query_defaults);
    if (!a->metrics.n)
        return sp_fail_at(p, &n->start_mark, "metrics must name at least one query");
    return true;
}
static const field alarm_fields[] = {
    FS("name", sc_alarm, name),
    FS("description", sc_alarm, description),
    FS("metric", sc_alarm, metric),
    FS("target_group", sc_alarm, target_group),
    FS("comparison", sc_alarm, comparison),
    FSUB("threshold", sub_threshold),
    FI("period", sc_alarm, period_s, 10, 86400),
    FI("evaluation_periods", sc_alarm, evaluation_periods, 1, 100),
    FS("rule", sc_alarm, rule),
    FSUB("metrics", sub_metrics),
    FS("threshold_metric_id", sc_alarm, threshold_metric_id),
    FS("state", sc_alarm, state),
};
static bool sub_alarms(sp *p, yaml_node_t *n, void *obj)
{
    sim_scenario *sc = obj;
    PARSE_LIST(p, n, "alarms", sc->alarms, sc_alarm, alarm_fields, alarm_defaults);
    return true;
}

/* Faults: the char arrays of sim_fault_rule take bounded strings. */
static bool fault_str(sp *p, yaml_node_t *n, const char *key, char *dst, size_t cap)
{
    if (!want_scalar(p, n, key))
        return false;
    if (!str_copy(dst, cap, scalar(n)))
        return sp_fail_at(p, &n->start_mark, "%s is too long", key);
    return true;
}
static bool sub_fault_op(sp *p, yaml_node_t *n, void *obj)
{
    sim_fault_rule *r = obj;
    return fault_str(p, n, "operation", r->operation, sizeof r->operation);
}
static bool sub_fault_svc(sp *p, yaml_node_t *n, void *obj)
{
    sim_fault_rule *r = obj;
    return fault_str(p, n, "service", r->service, sizeof r->service);
}
static bool sub_fault_code(sp *p, yaml_node_t *n, void *obj)
{
    sim_fault_rule *r = obj;
    if (!fault_str(p, n, "error_code", r->error_code, sizeof r->error_code))
        return false;
    if (!sim_fault_code_ok(r->error_code))
        return sp_fail_at(p, &n->start_mark,
                          "error_code '%s' is not an AWS error code (letters, digits, '.', '_', ':', '-')",
                          r->error_code);
    return true;
}
static bool sub_fault_message(sp *p, yaml_node_t *n, void *obj)
{
    sim_fault_rule *r = obj;
    return fault_str(p, n, "error_message", r->error_message, sizeof r->error_message);
}
static void fault_defaults(sim_fault_rule *r, yaml_node_t *n)
{
    (void)n;
    str_copy(r->operation, sizeof r->operation, "*");
    r->error_status = 400;
}
static const field fault_fields[] = {
    FSUB("operation", sub_fault_op),
    FSUB("service", sub_fault_svc),
    FI("latency_ms", sim_fault_rule, latency_ms, 0, 600000),
    FI("jitter_ms", sim_fault_rule, jitter_ms, 0, 600000),
    FD("throttle_rate", sim_fault_rule, throttle_rate, 0, 1),
    FD("error_5xx_rate", sim_fault_rule, error_5xx_rate, 0, 1),
    FD("reset_rate", sim_fault_rule, reset_rate, 0, 1),
    FD("truncate_rate", sim_fault_rule, truncate_rate, 0, 1),
    FD("malformed_rate", sim_fault_rule, malformed_rate, 0, 1),
    FI("slow_body_bytes_per_sec", sim_fault_rule, slow_body_bytes_per_sec, 0, 100000000),
    FSUB("error_code", sub_fault_code),
    FSUB("error_message", sub_fault_message),
    FI("error_status", sim_fault_rule, error_status, 400, 599),
    FD("error_rate", sim_fault_rule, error_rate, 0, 1),
    FI("count", sim_fault_rule, count, 0, 1000000),
};
static bool sub_faults(sp *p, yaml_node_t *n, void *obj)
{
    sim_scenario *sc = obj;
    PARSE_LIST(p, n, "faults", sc->faults.rules, sim_fault_rule, fault_fields, fault_defaults);
    for (size_t i = 0; i < sc->faults.rules.n; i++) {
        const sim_fault_rule *r = &sc->faults.rules.items[i];
        if (r->error_rate > 0 && !r->error_code[0])
            return sp_fail_at(p, &n->start_mark, "a fault rule with error_rate needs an error_code");
    }
    return true;
}

/* ---------- generate: many groups, target groups and images from a few counts ---------- */

typedef struct gen_spec {
    int apps, instances_per_app, target_groups, images;
    strvec azs;
} gen_spec;

static const field gen_fields[] = {
    FI("apps", gen_spec, apps, 1, 1000),
    FI("instances_per_app", gen_spec, instances_per_app, 0, 1000),
    FI("target_groups", gen_spec, target_groups, 0, 5000),
    FI("images", gen_spec, images, 0, SC_MAX_GENERATED),
    FV("azs", gen_spec, azs),
};

static void generate(sim_scenario *sc, const gen_spec *g, yaml_node_t *n)
{
    int ntg = g->target_groups;
    for (int t = 0; t < ntg; t++) {
        sc_target_group *tg = VEC_NEW(sc->target_groups);
        tg_defaults(tg, n);
        tg->name = xasprintf("gen-tg-%02d", t);
        tg->protocol = xstrdup("HTTP");
        tg->health_check_path = xstrdup("/healthz");
        tg->port = 8080;
        tg->interval_s = 10;
        tg->healthy_threshold = 3;
        tg->deregistration_delay_s = 30;
    }
    int per_repo = g->apps ? g->images / g->apps : 0;
    for (int a = 0; a < g->apps; a++) {
        sc_launch_template *lt = VEC_NEW(sc->launch_templates);
        lt_defaults(lt, n);
        lt->name = xasprintf("gen-app-%02d-lt", a);
        lt->id = xasprintf("lt-0%016x", 0x5100000u + (unsigned)a);
        lt->image_id = xasprintf("ami-0%016x", 0xa300000u + (unsigned)a);
        lt->instance_type = xstrdup("t3.medium");

        sc_repository *r = VEC_NEW(sc->repositories);
        r->name = xasprintf("gen-app-%02d", a);
        r->mutability = xstrdup("MUTABLE");
        int count = per_repo + (a < g->images % g->apps ? 1 : 0);
        for (int i = 0; i < count; i++) {
            sc_image *im = VEC_NEW(r->images);
            char *tag = xasprintf("c%07x", (unsigned)(a * 0x10000 + i) * 2654435761u >> 4);
            strvec_push(&im->tags, tag);
            im->seed_name = tag;
            VEC_PUSH(im->layer_sizes, 20000000 + (int64_t)(i % 97) * 1000);
            VEC_PUSH(im->layer_sizes, 3000000 + (int64_t)(i % 13) * 100);
            im->pushed_offset_s = (int64_t)(count - i) * 3600;
            if (i == count - 1)
                strvec_push(&im->tags, "prod");
            if (i == count - 2)
                strvec_push(&im->tags, "prod-stable");
        }

        sc_asg *as = VEC_NEW(sc->asgs);
        asg_defaults(as, n);
        as->name = xasprintf("gen-app-%02d-asg", a);
        as->min_size = 0;
        as->max_size = g->instances_per_app * 2 + 2;
        as->desired = g->instances_per_app;
        for (size_t z = 0; z < g->azs.n; z++)
            strvec_push(&as->azs, g->azs.items[z]);
        if (!g->azs.n) {
            strvec_push(&as->azs, "us-east-1a");
            strvec_push(&as->azs, "us-east-1b");
        }
        as->launch_template = xstrdup(lt->name);
        as->health_check_type = xstrdup("ELB");
        as->grace_period_s = 60;
        as->repository = xstrdup(r->name);
        for (int t = a; t < ntg; t += g->apps)
            strvec_push(&as->target_groups,
                        sc->target_groups.items[sc->target_groups.n - (size_t)ntg + (size_t)t].name);

        if (as->target_groups.n) {
            sc_load_balancer *lb = VEC_NEW(sc->load_balancers);
            lb->name = xasprintf("gen-app-%02d-alb", a);
            lb->scheme = xstrdup("internal");
            sc_listener *l = VEC_NEW(lb->listeners);
            l->port = 80;
            l->protocol = xstrdup("HTTP");
            l->target_group = xstrdup(as->target_groups.items[0]);
            /* every target group of the app behind the load balancer: one unused by any
             * load balancer would report its targets unused (Target.NotInUse) */
            for (size_t k = 1; k < as->target_groups.n; k++) {
                sc_rule *ru = VEC_NEW(l->rules);
                ru->priority = (int)k;
                ru->path_pattern = xasprintf("/%s/*", as->target_groups.items[k]);
                ru->target_group = xstrdup(as->target_groups.items[k]);
            }
        }
    }
}

static bool sub_generate(sp *p, yaml_node_t *n, void *obj)
{
    gen_spec g = { .apps = 1, .instances_per_app = 2 };
    bool ok = parse_map(p, n, "generate", gen_fields, ARRAY_LEN(gen_fields), &g);
    if (ok && (long)g.apps * g.instances_per_app > SC_MAX_GENERATED)
        ok = sp_fail_at(p, &n->start_mark, "generate: too many instances");
    if (ok)
        generate(obj, &g, n);
    strvec_free(&g.azs);
    return ok;
}

/* ---------- ecs: task definitions, clusters and their services ---------- */

static void ecs_container_defaults(sc_ecs_container *c, yaml_node_t *n)
{
    (void)n;
    c->essential = true;
}
static const field ecs_container_fields[] = {
    FS("name", sc_ecs_container, name),
    FS("image", sc_ecs_container, image),
    FB("essential", sc_ecs_container, essential),
    FS("log_group", sc_ecs_container, log_group),
};
static bool sub_ecs_containers(sp *p, yaml_node_t *n, void *obj)
{
    sc_ecs_task_def *t = obj;
    PARSE_LIST(p, n, "containers", t->containers, sc_ecs_container, ecs_container_fields, ecs_container_defaults);
    return true;
}
static void ecs_td_defaults(sc_ecs_task_def *t, yaml_node_t *n)
{
    t->revisions = 1;
    t->line = (int)n->start_mark.line + 1;
    t->column = (int)n->start_mark.column + 1;
}
static const field ecs_td_fields[] = {
    FS("family", sc_ecs_task_def, family),  FS("cpu", sc_ecs_task_def, cpu),
    FS("memory", sc_ecs_task_def, memory),  FI("revisions", sc_ecs_task_def, revisions, 1, 1000),
    FSUB("containers", sub_ecs_containers),
};
static bool sub_ecs_tds(sp *p, yaml_node_t *n, void *obj)
{
    sc_ecs *e = obj;
    PARSE_LIST(p, n, "task_definitions", e->task_definitions, sc_ecs_task_def, ecs_td_fields, ecs_td_defaults);
    return true;
}
static void ecs_service_defaults(sc_ecs_service *s, yaml_node_t *n)
{
    s->desired = 1;
    s->min_healthy_percent = 100;
    s->max_percent = 200;
    s->start_delay_s = 10;
    s->healthy_after_s = 10;
    s->stop_delay_s = 5;
    s->line = (int)n->start_mark.line + 1;
    s->column = (int)n->start_mark.column + 1;
}
static const field ecs_service_fields[] = {
    FS("name", sc_ecs_service, name),
    FS("task_definition", sc_ecs_service, task_definition),
    FI("desired", sc_ecs_service, desired, 0, 1000),
    FI("min_healthy_percent", sc_ecs_service, min_healthy_percent, 0, 100),
    FI("max_percent", sc_ecs_service, max_percent, 100, 200),
    FB("circuit_breaker", sc_ecs_service, circuit_breaker),
    FB("rollback", sc_ecs_service, rollback),
    FS("target_group", sc_ecs_service, target_group),
    FI("container_port", sc_ecs_service, container_port, 1, 65535),
    FI("grace_period", sc_ecs_service, grace_period_s, 0, 2147483647),
    FV("azs", sc_ecs_service, azs),
    FI("start_delay", sc_ecs_service, start_delay_s, 1, 3600),
    FI("healthy_after", sc_ecs_service, healthy_after_s, 0, 3600),
    FI("stop_delay", sc_ecs_service, stop_delay_s, 0, 3600),
};
static bool sub_ecs_services(sp *p, yaml_node_t *n, void *obj)
{
    sc_ecs_cluster *c = obj;
    PARSE_LIST(p, n, "services", c->services, sc_ecs_service, ecs_service_fields, ecs_service_defaults);
    return true;
}
static void ecs_cluster_defaults(sc_ecs_cluster *c, yaml_node_t *n)
{
    c->line = (int)n->start_mark.line + 1;
    c->column = (int)n->start_mark.column + 1;
}
static const field ecs_cluster_fields[] = {
    FS("name", sc_ecs_cluster, name),
    FSUB("services", sub_ecs_services),
};
static bool sub_ecs_clusters(sp *p, yaml_node_t *n, void *obj)
{
    sc_ecs *e = obj;
    PARSE_LIST(p, n, "clusters", e->clusters, sc_ecs_cluster, ecs_cluster_fields, ecs_cluster_defaults);
    return true;
}
static const field ecs_fields[] = {
    FSUB("task_definitions", sub_ecs_tds),
    FSUB("clusters", sub_ecs_clusters),
};
static bool sub_ecs(sp *p, yaml_node_t *n, void *obj)
{
    return parse_map(p, n, "ecs", ecs_fields, ARRAY_LEN(ecs_fields), &((sim_scenario *)obj)->ecs);
}

static const field top_fields[] = {
    FS("account", sim_scenario, account_id),
    FS("region", sim_scenario, region),
    FD("speed", sim_scenario, speed, 0.01, 10000),
    FT("start_time", sim_scenario, start_time),
    FSUB("credentials", sub_credentials),
    FSUB("page_sizes", sub_page_sizes),
    FSUB("launch_templates", sub_lts),
    FSUB("target_groups", sub_tgs),
    FSUB("load_balancers", sub_lbs),
    FSUB("repositories", sub_repos),
    FSUB("apps", sub_asgs),
    FSUB("alarms", sub_alarms),
    FSUB("faults", sub_faults),
    FSUB("generate", sub_generate),
    FI("session_duration", sim_scenario, session_duration, 1, 43200),
    FSUB("ecs", sub_ecs),
};

/* ---------- cross references ---------- */

static const sc_target_group *find_tg(const sim_scenario *sc, const char *name)
{
    for (size_t i = 0; i < sc->target_groups.n; i++)
        if (str_eq(sc->target_groups.items[i].name, name))
            return &sc->target_groups.items[i];
    return NULL;
}

static bool tg_is_nlb(const sc_target_group *t)
{
    return str_eq(t->protocol, "TCP") || str_eq(t->protocol, "TLS") || str_eq(t->protocol, "UDP") ||
        str_eq(t->protocol, "TCP_UDP");
}

static bool one_of(const char *s, const char *const *set, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (str_eq(set[i], s))
            return true;
    return false;
}

static bool validate_image(sp *p, sc_image *im)
{
    static const char *const statuses[] = { "ACTIVE", "ARCHIVED", "ACTIVATING" };
    static const char *const scans[] = { "IN_PROGRESS",
                                         "COMPLETE",
                                         "FAILED",
                                         "UNSUPPORTED_IMAGE",
                                         "ACTIVE",
                                         "PENDING",
                                         "SCAN_ELIGIBILITY_EXPIRED",
                                         "FINDINGS_UNAVAILABLE",
                                         "LIMIT_EXCEEDED",
                                         "IMAGE_ARCHIVED" };
    if (im->status && !one_of(im->status, statuses, ARRAY_LEN(statuses)))
        return sp_fail_lc(p, im->line, im->column, "image status must be ACTIVE, ARCHIVED or ACTIVATING, not",
                          im->status);
    if (im->has_archived_at && !str_eq(im->status, "ARCHIVED") && !str_eq(im->status, "ACTIVATING") &&
        !im->has_activated_at)
        return sp_fail_lc(p, im->line, im->column, "archived_at without status ARCHIVED (or activated_at) on image",
                          im->tags.n ? im->tags.items[0] : "");
    if (im->scan.present) {
        if (!im->scan.status)
            im->scan.status = xstrdup("COMPLETE");
        if (!one_of(im->scan.status, scans, ARRAY_LEN(scans)))
            return sp_fail_lc(p, im->line, im->column, "unknown scan status", im->scan.status);
    }
    return true;
}

static const sc_alarm *find_alarm(const sim_scenario *sc, const char *name_or_arn)
{
    /* an ARN names the alarm after its last ":alarm:" */
    const char *name = name_or_arn;
    const char *at = name ? strstr(name, ":alarm:") : NULL;
    if (at && !strncmp(name, "arn:", 4))
        name = at + 7;
    for (size_t i = 0; name && i < sc->alarms.n; i++)
        if (str_eq(sc->alarms.items[i].name, name))
            return &sc->alarms.items[i];
    return NULL;
}

static bool validate_composite(sp *p, const sim_scenario *sc, sc_alarm *al)
{
    char why[160];
    size_t at = 0;
    if (!alarm_rule_parse(al->rule, &al->parsed, why, sizeof why, &at)) {
        char msg[256];
        snprintf(msg, sizeof msg, "rule of alarm %s: %s at character", al->name, why);
        char pos[24];
        snprintf(pos, sizeof pos, "%zu", at + 1);
        return sp_fail_lc(p, al->line, al->column, msg, pos);
    }
    for (size_t k = 0; k < al->parsed.nodes.n; k++) {
        const ar_node *nd = &al->parsed.nodes.items[k];
        if (nd->kind != AR_STATE)
            continue;
        const sc_alarm *child = find_alarm(sc, nd->alarm);
        if (!child)
            return sp_fail_lc(p, al->line, al->column, "composite alarm's rule names an unknown alarm", nd->alarm);
        if (child == al)
            return sp_fail_lc(p, al->line, al->column, "composite alarm's rule names the alarm itself:", al->name);
    }
    return true;
}

static bool validate_math(sp *p, sc_alarm *al)
{
    int returning = 0;
    for (size_t k = 0; k < al->metrics.n; k++) {
        sc_metric_query *q = &al->metrics.items[k];
        if (str_empty(q->id))
            return sp_fail_lc(p, al->line, al->column, "a metrics query has no id in alarm", al->name);
        for (size_t j = 0; j < k; j++)
            if (str_eq(al->metrics.items[j].id, q->id))
                return sp_fail_lc(p, al->line, al->column, "duplicate metrics id", q->id);
        if (!q->expression == !q->metric)
            return sp_fail_lc(p, al->line, al->column,
                              "a metrics query needs exactly one of expression and metric:", q->id);
        if (q->metric && !q->namespace_)
            q->namespace_ = xstrdup("AWS/ApplicationELB");
        if (q->metric && !q->stat)
            q->stat = xstrdup("Average");
        if (q->metric && !q->has_period) {
            q->has_period = true;
            q->period = al->period_s;
        }
        returning += q->has_return_data && q->return_data;
    }
    /* one query is what the alarm watches: the one with ReturnData true, false in all the
     * others (MetricAlarm's Metrics); unsaid, the one named true, else the last one */
    if (returning > 1)
        return sp_fail_lc(p, al->line, al->column, "more than one metrics query has return_data true in alarm",
                          al->name);
    bool named = returning == 1;
    for (size_t k = 0; k < al->metrics.n; k++) {
        sc_metric_query *q = &al->metrics.items[k];
        if (!q->has_return_data) {
            q->has_return_data = true;
            q->return_data = !named && k + 1 == al->metrics.n;
            returning += q->return_data;
        }
    }
    if (!returning)
        return sp_fail_lc(p, al->line, al->column, "no metrics query has return_data true in alarm", al->name);
    if (al->threshold_metric_id) {
        bool found = false;
        for (size_t k = 0; k < al->metrics.n; k++)
            found |= str_eq(al->metrics.items[k].id, al->threshold_metric_id);
        if (!found)
            return sp_fail_lc(p, al->line, al->column,
                              "threshold_metric_id names no metrics query:", al->threshold_metric_id);
        al->has_threshold = false;
    } else if (!al->has_threshold) {
        return sp_fail_lc(p, al->line, al->column,
                          "a metric math alarm needs a threshold or threshold_metric_id:", al->name);
    }
    return true;
}

static bool validate_alarm(sp *p, const sim_scenario *sc, sc_alarm *al)
{
    static const char *const cmps[] = { "GreaterThanThreshold", "GreaterThanOrEqualToThreshold", "LessThanThreshold",
                                        "LessThanOrEqualToThreshold" };
    static const char *const band_cmps[] = { "LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold",
                                             "GreaterThanUpperThreshold" };
    static const char *const states[] = { "OK", "ALARM", "INSUFFICIENT_DATA" };
    if (str_empty(al->name))
        return sp_fail_lc(p, al->line, al->column, "alarm has no name", "");
    al->kind = al->rule ? SC_ALARM_COMPOSITE : al->metrics.n ? SC_ALARM_MATH : SC_ALARM_TG;
    if (al->rule && (al->metrics.n || al->metric || al->target_group || al->threshold_metric_id))
        return sp_fail_lc(p, al->line, al->column,
                          "a composite alarm (rule) has no metric, metrics or target_group:", al->name);
    if (al->metrics.n && (al->metric || al->target_group))
        return sp_fail_lc(p, al->line, al->column,
                          "a metric math alarm (metrics) has no metric or target_group:", al->name);
    if (al->state && (al->kind != SC_ALARM_MATH || !one_of(al->state, states, ARRAY_LEN(states))))
        return sp_fail_lc(p, al->line, al->column,
                          "state (OK, ALARM, INSUFFICIENT_DATA) is for metric math alarms; alarm", al->name);
    if (al->kind == SC_ALARM_COMPOSITE)
        return validate_composite(p, sc, al);
    if (!al->comparison)
        al->comparison =
            xstrdup(al->threshold_metric_id ? "LessThanLowerOrGreaterThanUpperThreshold" : "GreaterThanThreshold");
    bool band = one_of(al->comparison, band_cmps, ARRAY_LEN(band_cmps));
    if (!one_of(al->comparison, cmps, ARRAY_LEN(cmps)) && !band)
        return sp_fail_lc(p, al->line, al->column, "unknown comparison", al->comparison);
    if (band != (al->threshold_metric_id != NULL))
        return sp_fail_lc(p, al->line, al->column,
                          "the anomaly band comparisons go with threshold_metric_id, and only they; alarm", al->name);
    if (al->kind == SC_ALARM_MATH)
        return validate_math(p, al);
    if (al->threshold_metric_id)
        return sp_fail_lc(p, al->line, al->column, "threshold_metric_id needs metrics; alarm", al->name);
    al->has_threshold = true; /* the target-group metric alarms: 0 unless given */
    if (!al->metric)
        al->metric = xstrdup("UnHealthyHostCount");
    if (!str_eq(al->metric, "UnHealthyHostCount") && !str_eq(al->metric, "HealthyHostCount"))
        return sp_fail_lc(p, al->line, al->column, "unknown alarm metric", al->metric);
    if (!al->target_group || !find_tg(sc, al->target_group))
        return sp_fail_lc(p, al->line, al->column, "alarm watches unknown target group", al->target_group);
    return true;
}

/* A composite that depends on itself through others would never settle: refused, as
 * CloudWatch stops evaluating such a cycle. Depth-first with colours. */
static bool cycle_from(const sim_scenario *sc, size_t i, unsigned char *colour)
{
    if (colour[i] == 1)
        return true;
    if (colour[i] == 2)
        return false;
    colour[i] = 1;
    const sc_alarm *al = &sc->alarms.items[i];
    for (size_t k = 0; al->kind == SC_ALARM_COMPOSITE && k < al->parsed.nodes.n; k++) {
        const ar_node *nd = &al->parsed.nodes.items[k];
        const sc_alarm *child = nd->kind == AR_STATE ? find_alarm(sc, nd->alarm) : NULL;
        if (child && cycle_from(sc, (size_t)(child - sc->alarms.items), colour))
            return true;
    }
    colour[i] = 2;
    return false;
}

static bool composites_acyclic(sp *p, const sim_scenario *sc)
{
    unsigned char *colour = xcalloc(sc->alarms.n + 1, 1);
    bool ok = true;
    for (size_t i = 0; ok && i < sc->alarms.n; i++)
        if (cycle_from(sc, i, colour)) {
            const sc_alarm *al = &sc->alarms.items[i];
            ok = sp_fail_lc(p, al->line, al->column, "composite alarms depend on each other in a cycle, through",
                            al->name);
        }
    free(colour);
    return ok;
}

/* The ecs section: names unique, every reference resolved (FILE:LINE of the item). */
static const sc_ecs_task_def *find_ecs_td(const sim_scenario *sc, const char *family)
{
    for (size_t i = 0; family && i < sc->ecs.task_definitions.n; i++)
        if (str_eq(sc->ecs.task_definitions.items[i].family, family))
            return &sc->ecs.task_definitions.items[i];
    return NULL;
}

static bool validate_ecs_image(sp *p, const sim_scenario *sc, const sc_ecs_task_def *t, const sc_ecs_container *c)
{
    if (str_empty(c->name) || str_empty(c->image))
        return sp_fail_lc(p, t->line, t->column, "a container needs a name and an image in task definition", t->family);
    /* "REPO:TAG" names a repository of this scenario; a reference with a registry host
     * (a '.' before the first '/') is taken as it is. */
    const char *slash = strchr(c->image, '/');
    const char *dot = strchr(c->image, '.');
    if (dot && slash && dot < slash)
        return true;
    const char *colon = strrchr(c->image, ':');
    if (!colon || colon == c->image)
        return sp_fail_lc(p, t->line, t->column, "container image must be REPO:TAG or a full reference, not", c->image);
    for (size_t i = 0; i < sc->repositories.n; i++)
        if (strlen(sc->repositories.items[i].name) == (size_t)(colon - c->image) &&
            !strncmp(sc->repositories.items[i].name, c->image, (size_t)(colon - c->image)))
            return true;
    return sp_fail_lc(p, t->line, t->column, "container image names an unknown repository:", c->image);
}

static bool validate_ecs(sp *p, sim_scenario *sc)
{
    for (size_t i = 0; i < sc->ecs.task_definitions.n; i++) {
        const sc_ecs_task_def *t = &sc->ecs.task_definitions.items[i];
        if (str_empty(t->family))
            return sp_fail_lc(p, t->line, t->column, "a task definition has no family", "");
        if (find_ecs_td(sc, t->family) != t)
            return sp_fail_lc(p, t->line, t->column, "duplicate task definition family", t->family);
        if (!t->containers.n)
            return sp_fail_lc(p, t->line, t->column, "no containers in task definition", t->family);
        for (size_t j = 0; j < t->containers.n; j++)
            if (!validate_ecs_image(p, sc, t, &t->containers.items[j]))
                return false;
    }
    for (size_t i = 0; i < sc->ecs.clusters.n; i++) {
        sc_ecs_cluster *c = &sc->ecs.clusters.items[i];
        if (str_empty(c->name))
            return sp_fail_lc(p, c->line, c->column, "a cluster has no name", "");
        for (size_t k = 0; k < i; k++)
            if (str_eq(sc->ecs.clusters.items[k].name, c->name))
                return sp_fail_lc(p, c->line, c->column, "duplicate cluster name", c->name);
        for (size_t j = 0; j < c->services.n; j++) {
            sc_ecs_service *s = &c->services.items[j];
            if (str_empty(s->name))
                return sp_fail_lc(p, s->line, s->column, "a service has no name in cluster", c->name);
            for (size_t k = 0; k < j; k++)
                if (str_eq(c->services.items[k].name, s->name))
                    return sp_fail_lc(p, s->line, s->column, "duplicate service name", s->name);
            char family[256];
            long rev = 0;
            if (!ecs_task_definition_spec(s->task_definition, family, sizeof family, &rev))
                rev = -1;
            const sc_ecs_task_def *t = find_ecs_td(sc, family);
            if (!t || rev < 0 || rev > t->revisions)
                return sp_fail_lc(p, s->line, s->column, "service uses an unknown task definition", s->task_definition);
            if (s->target_group && !find_tg(sc, s->target_group))
                return sp_fail_lc(p, s->line, s->column, "service uses unknown target group", s->target_group);
            if (s->target_group && !s->container_port)
                return sp_fail_lc(p, s->line, s->column,
                                  "a service with a target_group needs container_port:", s->name);
            if (!s->azs.n) {
                char az[64];
                snprintf(az, sizeof az, "%sa", sc->region);
                strvec_push(&s->azs, az);
                snprintf(az, sizeof az, "%sb", sc->region);
                strvec_push(&s->azs, az);
            }
        }
    }
    return true;
}

/* Names must be unique within their kind: the world looks things up by name. */
#define CHECK_UNIQUE(vec, field, what)                                                                                 \
    for (size_t i_ = 0; i_ < (vec).n; i_++)                                                                            \
        for (size_t j_ = 0; j_ < i_; j_++)                                                                             \
            if ((vec).items[i_].field && str_eq((vec).items[i_].field, (vec).items[j_].field))                         \
    return sp_fail_at(p, &root->start_mark, "duplicate %s name '%s'", what, (vec).items[i_].field)

static bool validate(sp *p, sim_scenario *sc, yaml_node_t *root)
{
    CHECK_UNIQUE(sc->asgs, name, "app");
    CHECK_UNIQUE(sc->target_groups, name, "target group");
    CHECK_UNIQUE(sc->repositories, name, "repository");
    CHECK_UNIQUE(sc->launch_templates, name, "launch template");
    CHECK_UNIQUE(sc->load_balancers, name, "load balancer");
    CHECK_UNIQUE(sc->alarms, name, "alarm");
    if (!sc->account_id)
        sc->account_id = xstrdup("123456789012");
    if (!sc->region)
        sc->region = xstrdup("us-east-1");
    if (sc->speed <= 0)
        sc->speed = 1;
    if (strlen(sc->account_id) != 12 || strspn(sc->account_id, "0123456789") != 12)
        return sp_fail_at(p, &root->start_mark, "account must be 12 digits");
    if (!sc->credentials.n)
        return sp_fail_at(p, &root->start_mark, "no credentials: the simulator would accept no request");
    for (size_t i = 0; i < sc->target_groups.n; i++) {
        const sc_target_group *t = &sc->target_groups.items[i];
        if (str_empty(t->name))
            return sp_fail_at(p, &root->start_mark, "a target group has no name");
        /* unhealthy.draining is a Network Load Balancer feature: TCP-family target groups */
        if (t->unhealthy_draining_s && !tg_is_nlb(t))
            return sp_fail_lc(p, t->line, t->column,
                              "unhealthy_draining_interval needs protocol TCP, TLS, UDP or TCP_UDP; target group",
                              t->name);
    }
    for (size_t i = 0; i < sc->launch_templates.n; i++) {
        sc_launch_template *t = &sc->launch_templates.items[i];
        if (str_empty(t->name))
            return sp_fail_at(p, &root->start_mark, "a launch template has no name");
        if (!t->id)
            t->id = xasprintf("lt-0%016zx", 0x1d00000 + i);
        if (t->default_version > t->latest_version)
            t->default_version = t->latest_version;
    }
    for (size_t i = 0; i < sc->repositories.n; i++) {
        const sc_repository *r = &sc->repositories.items[i];
        if (str_empty(r->name))
            return sp_fail_at(p, &root->start_mark, "a repository has no name");
        for (size_t j = 0; j < r->images.n; j++)
            if (!validate_image(p, &r->images.items[j]))
                return false;
    }
    for (size_t i = 0; i < sc->load_balancers.n; i++) {
        sc_load_balancer *lb = &sc->load_balancers.items[i];
        for (size_t j = 0; j < lb->listeners.n; j++) {
            sc_listener *l = &lb->listeners.items[j];
            if (l->target_group && !find_tg(sc, l->target_group))
                return sp_fail_lc(p, l->line, l->column, "listener forwards to unknown target group", l->target_group);
            for (size_t k = 0; k < l->rules.n; k++)
                if (!find_tg(sc, l->rules.items[k].target_group))
                    return sp_fail_lc(p, l->rules.items[k].line, l->rules.items[k].column,
                                      "rule forwards to unknown target group", l->rules.items[k].target_group);
        }
    }
    for (size_t i = 0; i < sc->asgs.n; i++) {
        sc_asg *a = &sc->asgs.items[i];
        if (str_empty(a->name))
            return sp_fail_lc(p, a->line, a->column, "app has no name", "");
        if (a->min_size > a->max_size || a->desired < a->min_size || a->desired > a->max_size)
            return sp_fail_lc(p, a->line, a->column, "min <= desired <= max does not hold for app", a->name);
        if (!a->azs.n)
            return sp_fail_lc(p, a->line, a->column, "no azs for app", a->name);
        const sc_launch_template *lt = NULL;
        for (size_t j = 0; j < sc->launch_templates.n; j++)
            if (str_eq(sc->launch_templates.items[j].name, a->launch_template))
                lt = &sc->launch_templates.items[j];
        if (!lt)
            return sp_fail_lc(p, a->line, a->column, "app uses unknown launch template", a->launch_template);
        if (!a->lt_version)
            a->lt_version = xasprintf("%d", lt->default_version);
        if (!str_eq(a->lt_version, "$Latest") && !str_eq(a->lt_version, "$Default")) {
            char *end;
            long v = strtol(a->lt_version, &end, 10);
            if (*end || end == a->lt_version || v < 1 || v > lt->latest_version)
                return sp_fail_lc(p, a->line, a->column,
                                  "app uses a launch template version that does not exist:", a->lt_version);
        }
        for (size_t j = 0; j < a->target_groups.n; j++)
            if (!find_tg(sc, a->target_groups.items[j]))
                return sp_fail_lc(p, a->line, a->column, "app uses unknown target group", a->target_groups.items[j]);
        if (a->repository) {
            bool found = false;
            for (size_t j = 0; j < sc->repositories.n; j++)
                found |= str_eq(sc->repositories.items[j].name, a->repository);
            if (!found)
                return sp_fail_lc(p, a->line, a->column, "app uses unknown repository", a->repository);
        }
        if (!a->live_tag)
            a->live_tag = xstrdup("prod");
        if (!a->health_check_type)
            a->health_check_type = xstrdup("EC2");
        if (!str_eq(a->health_check_type, "EC2") && !str_eq(a->health_check_type, "ELB"))
            return sp_fail_lc(p, a->line, a->column, "health_check_type must be EC2 or ELB, not", a->health_check_type);
        if (!a->instance_type)
            a->instance_type = xstrdup(lt->instance_type ? lt->instance_type : "t3.micro");
        if (a->protected_instances > a->desired)
            return sp_fail_lc(p, a->line, a->column, "protected_instances is more than desired for app", a->name);
        if (a->warm_pool.present) {
            sc_warm_pool *wp = &a->warm_pool;
            if (!wp->pool_state)
                wp->pool_state = xstrdup("Stopped");
            if (!str_eq(wp->pool_state, "Stopped") && !str_eq(wp->pool_state, "Running") &&
                !str_eq(wp->pool_state, "Hibernated"))
                return sp_fail_lc(p, a->line, a->column,
                                  "warm_pool pool_state must be Stopped, Running or Hibernated, not", wp->pool_state);
        }
    }
    for (size_t i = 0; i < sc->alarms.n; i++)
        if (!validate_alarm(p, sc, &sc->alarms.items[i]))
            return false;
    return composites_acyclic(p, sc) && validate_ecs(p, sc);
}

/* ---------- entry points ---------- */

/* Every node must have one parent. An alias shares a node, and nested aliases
 * multiply: a few kilobytes would expand into millions of rules or tags (billion
 * laughs). Scenarios never need them. */
static bool first_use(sp *p, unsigned char *used, int id)
{
    if (!used[id]++)
        return true;
    return sp_fail_at(p, &p->doc->nodes.start[id - 1].start_mark,
                      "a node used twice: aliases (*name) are not supported");
}

static bool check_tree(sp *p)
{
    size_t n = (size_t)(p->doc->nodes.top - p->doc->nodes.start);
    unsigned char *used = xcalloc(n + 1, 1); /* by node id, 1-based */
    used[1] = 1;                             /* the root */
    bool ok = true;
    for (yaml_node_t *nd = p->doc->nodes.start; ok && nd < p->doc->nodes.top; nd++) {
        if (nd->type == YAML_SEQUENCE_NODE) {
            for (yaml_node_item_t *it = nd->data.sequence.items.start; ok && it < nd->data.sequence.items.top; it++)
                ok = first_use(p, used, *it);
        } else if (nd->type == YAML_MAPPING_NODE) {
            for (yaml_node_pair_t *pr = nd->data.mapping.pairs.start; ok && pr < nd->data.mapping.pairs.top; pr++)
                ok = first_use(p, used, pr->key) && first_use(p, used, pr->value);
        }
    }
    free(used);
    return ok;
}

sim_scenario *sim_scenario_parse(const char *name, const char *data, size_t len, char *err, size_t errlen)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        snprintf(err, errlen, "%s: out of memory", base);
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(err, errlen, "%s:%zu:%zu: %s", base, parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                 parser.problem ? parser.problem : "YAML error");
        yaml_parser_delete(&parser);
        return NULL;
    }
    yaml_parser_delete(&parser);

    sim_scenario *sc = xcalloc(1, sizeof *sc);
    sc->file = xstrdup(base);
    sp p = { .doc = &doc, .file = base, .err = err, .errlen = errlen };
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    bool ok;
    if (!root) {
        snprintf(err, errlen, "%s:1:1: empty scenario", base);
        ok = false;
    } else {
        ok = check_tree(&p) && parse_map(&p, root, "the scenario", top_fields, ARRAY_LEN(top_fields), sc) &&
            validate(&p, sc, root);
    }
    yaml_document_delete(&doc);
    if (!ok) {
        sim_scenario_free(sc);
        return NULL;
    }
    return sc;
}

sim_scenario *sim_scenario_load_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    strbuf sb;
    sb_init(&sb);
    char chunk[65536];
    size_t n;
    bool too_big = false;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (sb.len + n > SC_MAX_FILE) {
            too_big = true;
            break;
        }
        sb_appendn(&sb, chunk, n);
    }
    bool rd_err = ferror(f);
    fclose(f);
    sim_scenario *sc = NULL;
    if (too_big)
        snprintf(err, errlen, "%s: larger than %u bytes", path, SC_MAX_FILE);
    else if (rd_err)
        snprintf(err, errlen, "%s: read error", path);
    else
        sc = sim_scenario_parse(path, sb.buf, sb.len, err, errlen);
    sb_free(&sb);
    return sc;
}

sim_scenario *sim_scenario_load(const char *name_or_path, char *err, size_t errlen)
{
    if (!name_or_path)
        name_or_path = "demo";
    if (!strchr(name_or_path, '/') && !strchr(name_or_path, '.')) {
        char path[128];
        snprintf(path, sizeof path, "sim/scenarios/%s.yaml", name_or_path);
        const struct embedded_file *ef = embedded_find(path);
        if (ef)
            return sim_scenario_parse(path, ef->data, ef->len, err, errlen);
    }
    return sim_scenario_load_file(name_or_path, err, errlen);
}

int sim_scenario_page_size(const sim_scenario *sc, const char *operation)
{
    for (size_t i = 0; i < sc->page_sizes.n; i++)
        if (str_eq(sc->page_sizes.items[i].operation, operation))
            return sc->page_sizes.items[i].size;
    return 0;
}

static void ecs_free(sc_ecs *e)
{
    for (size_t i = 0; i < e->task_definitions.n; i++) {
        sc_ecs_task_def *t = &e->task_definitions.items[i];
        free(t->family);
        free(t->cpu);
        free(t->memory);
        for (size_t j = 0; j < t->containers.n; j++) {
            free(t->containers.items[j].name);
            free(t->containers.items[j].image);
            free(t->containers.items[j].log_group);
        }
        VEC_FREE(t->containers);
    }
    VEC_FREE(e->task_definitions);
    for (size_t i = 0; i < e->clusters.n; i++) {
        sc_ecs_cluster *c = &e->clusters.items[i];
        free(c->name);
        for (size_t j = 0; j < c->services.n; j++) {
            sc_ecs_service *s = &c->services.items[j];
            free(s->name);
            free(s->task_definition);
            free(s->target_group);
            strvec_free(&s->azs);
        }
        VEC_FREE(c->services);
    }
    VEC_FREE(e->clusters);
}

void sim_scenario_free(sim_scenario *sc)
{
    if (!sc)
        return;
    ecs_free(&sc->ecs);
    free(sc->file);
    free(sc->account_id);
    free(sc->region);
    for (size_t i = 0; i < sc->credentials.n; i++) {
        sc_credential *c = &sc->credentials.items[i];
        free(c->access_key_id);
        free(c->user_name);
        secret_free(c->secret_access_key);
        secret_free(c->session_token);
    }
    VEC_FREE(sc->credentials);
    for (size_t i = 0; i < sc->page_sizes.n; i++)
        free(sc->page_sizes.items[i].operation);
    VEC_FREE(sc->page_sizes);
    for (size_t i = 0; i < sc->launch_templates.n; i++) {
        sc_launch_template *t = &sc->launch_templates.items[i];
        free(t->id);
        free(t->name);
        free(t->image_id);
        free(t->instance_type);
        for (size_t j = 0; j < t->pinned_tags.n; j++)
            free(t->pinned_tags.items[j].tag);
        VEC_FREE(t->pinned_tags);
    }
    VEC_FREE(sc->launch_templates);
    for (size_t i = 0; i < sc->target_groups.n; i++) {
        sc_target_group *t = &sc->target_groups.items[i];
        free(t->name);
        free(t->protocol);
        free(t->health_check_path);
    }
    VEC_FREE(sc->target_groups);
    for (size_t i = 0; i < sc->load_balancers.n; i++) {
        sc_load_balancer *lb = &sc->load_balancers.items[i];
        for (size_t j = 0; j < lb->listeners.n; j++) {
            sc_listener *l = &lb->listeners.items[j];
            for (size_t k = 0; k < l->rules.n; k++) {
                free(l->rules.items[k].path_pattern);
                free(l->rules.items[k].target_group);
            }
            VEC_FREE(l->rules);
            free(l->protocol);
            free(l->target_group);
        }
        VEC_FREE(lb->listeners);
        free(lb->name);
        free(lb->scheme);
    }
    VEC_FREE(sc->load_balancers);
    for (size_t i = 0; i < sc->repositories.n; i++) {
        sc_repository *r = &sc->repositories.items[i];
        for (size_t j = 0; j < r->images.n; j++) {
            sc_image *im = &r->images.items[j];
            strvec_free(&im->tags);
            VEC_FREE(im->layer_sizes);
            free(im->media_type);
            free(im->seed_name);
            free(im->status);
            free(im->scan.status);
            free(im->scan.description);
            for (size_t k = 0; k < im->scan.findings.n; k++)
                free(im->scan.findings.items[k].severity);
            VEC_FREE(im->scan.findings);
        }
        VEC_FREE(r->images);
        strvec_free(&r->exclusion_filters);
        free(r->name);
        free(r->mutability);
    }
    VEC_FREE(sc->repositories);
    for (size_t i = 0; i < sc->asgs.n; i++) {
        sc_asg *a = &sc->asgs.items[i];
        free(a->name);
        free(a->launch_template);
        free(a->lt_version);
        free(a->health_check_type);
        free(a->repository);
        free(a->live_tag);
        free(a->instance_type);
        for (size_t j = 0; j < a->suspended.n; j++) {
            free(a->suspended.items[j].process);
            free(a->suspended.items[j].reason);
        }
        VEC_FREE(a->suspended);
        free(a->warm_pool.pool_state);
        strvec_free(&a->azs);
        strvec_free(&a->target_groups);
    }
    VEC_FREE(sc->asgs);
    for (size_t i = 0; i < sc->alarms.n; i++) {
        sc_alarm *a = &sc->alarms.items[i];
        free(a->name);
        free(a->description);
        free(a->metric);
        free(a->target_group);
        free(a->comparison);
        free(a->rule);
        free(a->threshold_metric_id);
        free(a->state);
        alarm_rule_free(&a->parsed);
        for (size_t j = 0; j < a->metrics.n; j++) {
            sc_metric_query *q = &a->metrics.items[j];
            free(q->id);
            free(q->expression);
            free(q->label);
            free(q->metric);
            free(q->namespace_);
            free(q->stat);
        }
        VEC_FREE(a->metrics);
    }
    VEC_FREE(sc->alarms);
    sim_faults_free(&sc->faults);
    free(sc);
}
