/* world.c — the world's life and clock: creation from a scenario, fixed-step time,
 * the seeded PRNG and AWS-looking ids, paging tokens, identity, faults helpers and
 * the ec2 reads (instances, launch template versions). */
#include "world_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* ---------- small helpers shared by the world files ---------- */

uint64_t w_rand(sim_world *w)
{
    /* splitmix64: tiny, seedable, good enough for ids and jitter */
    uint64_t z = (w->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

int w_rand_range(sim_world *w, int n)
{
    return n <= 0 ? 0 : (int)(w_rand(w) % (uint64_t)n);
}

void w_uuid(sim_world *w, char out[37])
{
    uint64_t a = w_rand(w), b = w_rand(w);
    snprintf(out, 37, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
             (unsigned)a & 0xfff, (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
             (unsigned long long)(b & 0xffffffffffffULL));
}

sim_error w_err(const char *code, int status, const char *fmt, ...)
{
    sim_error e = { .http_status = status };
    str_copy(e.code, sizeof e.code, code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.message, sizeof e.message, fmt, ap);
    va_end(ap);
    return e;
}

sim_error w_okv(void)
{
    sim_error e = { .http_status = 200 };
    return e;
}

int w_page(const sim_world *w, const char *op, int max_items, int dflt)
{
    int n = max_items > 0 ? max_items : dflt;
    int sc = sim_scenario_page_size(w->sc, op);
    if (sc > 0 && sc < n)
        n = sc;
    return n > 0 ? n : 1;
}

static uint32_t token_hash(const sim_world *w, const char *op, size_t offset)
{
    uint32_t h = 2166136261u ^ w->token_salt;
    for (const char *c = op; *c; c++)
        h = (h ^ (uint8_t)*c) * 16777619u;
    for (int i = 0; i < 8; i++)
        h = (h ^ (uint8_t)(offset >> (i * 8))) * 16777619u;
    return h;
}

char *w_token(const sim_world *w, const char *op, size_t offset)
{
    return xasprintf("%08x%zx", token_hash(w, op, offset), offset);
}

bool w_untoken(const sim_world *w, const char *op, const char *token, size_t *offset)
{
    if (str_empty(token)) {
        *offset = 0;
        return true;
    }
    size_t len = strlen(token);
    if (len < 9 || len > 24 || strspn(token, "0123456789abcdef") != len)
        return false;
    char hash[9];
    memcpy(hash, token, 8);
    hash[8] = '\0';
    unsigned long long off = strtoull(token + 8, NULL, 16);
    if (strtoul(hash, NULL, 16) != token_hash(w, op, (size_t)off))
        return false;
    *offset = (size_t)off;
    return true;
}

void w_iso(aws_time t, char buf[32])
{
    time_format_iso8601(t, buf, 32);
}

int w_lt_index(const sim_world *w, const char *id, const char *name)
{
    for (size_t i = 0; i < w->sc->launch_templates.n; i++) {
        const sc_launch_template *t = &w->sc->launch_templates.items[i];
        if ((!str_empty(id) && str_eq(t->id, id)) || (str_empty(id) && !str_empty(name) && str_eq(t->name, name)))
            return (int)i;
    }
    return -1;
}

int w_resolve_version(const sim_world *w, int lt, const char *spec)
{
    const sc_launch_template *t = &w->sc->launch_templates.items[lt];
    if (str_empty(spec) || str_eq(spec, "$Default"))
        return t->default_version;
    if (str_eq(spec, "$Latest"))
        return t->latest_version;
    char *end;
    long v = strtol(spec, &end, 10);
    if (*end || v < 1 || v > t->latest_version)
        return -1;
    return (int)v;
}

int w_asg_index(const sim_world *w, const char *name)
{
    if (str_empty(name))
        return -1;
    for (size_t i = 0; i < w->asgs.n; i++)
        if (str_eq(w->asgs.items[i].sc->name, name))
            return (int)i;
    return -1;
}

/* ---------- faults and id lists ---------- */

void sim_faults_free(sim_faults *f)
{
    VEC_FREE(f->rules);
}

void sim_faults_copy(sim_faults *dst, const sim_faults *src)
{
    memset(dst, 0, sizeof *dst);
    for (size_t i = 0; src && i < src->rules.n; i++)
        VEC_PUSH(dst->rules, src->rules.items[i]);
}

sim_fault_rule *sim_faults_match(sim_faults *f, const char *service, const char *operation)
{
    for (size_t i = 0; f && i < f->rules.n; i++) {
        sim_fault_rule *r = &f->rules.items[i];
        if (r->service[0] && !str_eq(r->service, service))
            continue;
        if (!str_eq(r->operation, "*") && !str_eq(r->operation, operation))
            continue;
        if (r->count > 0 && r->used >= r->count)
            continue;
        r->used++;
        return r;
    }
    return NULL;
}

bool sim_fault_code_ok(const char *code)
{
    size_t n = code ? strlen(code) : 0;
    return n >= 1 && n <= 63 && strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-") == n;
}

void sim_image_id_list_free(sim_image_id_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].image_digest);
        free(l->items[i].image_tag);
    }
    VEC_FREE(*l);
}

void sim_image_failure_list_free(sim_image_failure_list *l)
{
    MODEL_LIST_FREE(*l, ecr_image_failure_free);
}

/* ---------- life ---------- */

sim_world *world_new_from_scenario(const sim_scenario *sc, uint64_t seed, double speed)
{
    if (!sc)
        return NULL;
    sim_world *w = xcalloc(1, sizeof *w);
    w->sc = sc;
    w->account_id = xstrdup(sc->account_id);
    w->region = xstrdup(sc->region);
    w->rng = seed ^ 0x7461726d61632121ULL;
    w->speed = speed > 0 ? speed : (sc->speed > 0 ? sc->speed : 1);
    w->now = sc->start_time ? sc->start_time : time_now_ms() / 1000 * 1000;
    w->goal = w->now;
    w->token_salt = (uint32_t)w_rand(w);
    w_events_init(&w->events);
    sim_faults_copy(&w->faults, &sc->faults);
    w_ecr_init(w);
    w_elb_init(w);
    w_asg_init(w);
    w_cw_init(w);
    w_ecs_init(w);
    return w;
}

void world_free(sim_world *w)
{
    if (!w)
        return;
    w_ecs_free(w);
    w_refresh_free(w);
    w_asg_free(w);
    w_elb_free(w);
    w_ecr_free(w);
    w_cw_free(w);
    MODEL_LIST_FREE(w->activities, scaling_activity_free);
    for (size_t i = 0; i < w->lb_arns.n; i++)
        free(w->lb_arns.items[i]);
    VEC_FREE(w->lb_arns);
    for (size_t i = 0; i < w->listener_arns.n; i++)
        free(w->listener_arns.items[i]);
    VEC_FREE(w->listener_arns);
    for (size_t i = 0; i < w->rule_arns.n; i++)
        free(w->rule_arns.items[i]);
    VEC_FREE(w->rule_arns);
    sim_faults_free(&w->faults);
    w_events_free(&w->events);
    w_sts_free(w);
    free(w->account_id);
    free(w->region);
    free(w);
}

/* ---------- time ---------- */

static void step_once(sim_world *w)
{
    w->now += W_STEP_MS;
    w_asg_lifecycle_step(w);
    w_elb_step(w);
    w_refresh_step(w);
    w_asg_reconcile_step(w);
    w_cw_step(w);
    w_ecr_step(w);
    w_ecs_step(w);
}

static void step_to(sim_world *w, aws_time goal)
{
    if (goal > w->goal)
        w->goal = goal;
    while (w->now + W_STEP_MS <= w->goal)
        step_once(w);
}

void world_sync(sim_world *w, int64_t wall_mono_ms)
{
    if (!w->origin_set) {
        w->origin_set = true;
        w->origin_mono = wall_mono_ms;
        w->origin_sim = w->goal - w->manual_offset;
        return;
    }
    int64_t elapsed = wall_mono_ms - w->origin_mono;
    if (elapsed < 0)
        elapsed = 0;
    step_to(w, w->origin_sim + (aws_time)llround((double)elapsed * w->speed) + w->manual_offset);
}

void world_advance(sim_world *w, int64_t sim_ms)
{
    if (sim_ms <= 0)
        return;
    w->manual_offset += sim_ms;
    step_to(w, w->goal + sim_ms);
}

void world_set_speed(sim_world *w, double speed, int64_t wall_mono_ms)
{
    if (!(speed > 0) || !isfinite(speed))
        return;
    if (w->origin_set) {
        world_sync(w, wall_mono_ms);
        w->origin_sim = w->goal - w->manual_offset;
        w->origin_mono = wall_mono_ms;
    }
    w->speed = speed;
}

double world_speed(const sim_world *w)
{
    return w->speed;
}
aws_time world_now_ms(const sim_world *w)
{
    return w->now;
}

/* ---------- identity ---------- */

const char *world_account_id(const sim_world *w)
{
    return w->account_id;
}
const char *world_region(const sim_world *w)
{
    return w->region;
}
const sim_faults *world_faults(const sim_world *w)
{
    return &w->faults;
}

static const sc_credential *find_cred(const sim_world *w, const char *akid)
{
    for (size_t i = 0; akid && i < w->sc->credentials.n; i++)
        if (str_eq(w->sc->credentials.items[i].access_key_id, akid))
            return &w->sc->credentials.items[i];
    return NULL;
}

const char *world_credentials(const sim_world *w, const char *access_key_id, const char **session_token)
{
    return world_credentials_for(w, access_key_id, NULL, session_token);
}

const char *world_credentials_for(const sim_world *w, const char *access_key_id, const char *sent_token,
                                  const char **session_token)
{
    const sc_credential *c = find_cred(w, access_key_id);
    if (!c) { /* temporary credentials from STS, while they last */
        const w_session *s = w_sts_find_token(w, access_key_id, sent_token);
        if (session_token)
            *session_token = s ? s->session_token : NULL;
        return s ? s->secret_access_key : NULL;
    }
    if (session_token)
        *session_token = c ? c->session_token : NULL;
    return c ? c->secret_access_key : NULL;
}

sim_error world_caller_identity(const sim_world *w, const char *access_key_id, caller_identity *out)
{
    const sc_credential *c = find_cred(w, access_key_id);
    const w_session *ses = c ? NULL : w_sts_find(w, access_key_id);
    if (ses) { /* an assumed role: arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION */
        const char *slash = strrchr(ses->role_arn, '/');
        out->account = xstrdup(ses->account_id);
        out->arn = xasprintf("arn:aws:sts::%s:assumed-role/%s/%s", ses->account_id, slash ? slash + 1 : ses->role_arn,
                             ses->session_name);
        out->user_id = xasprintf("AROA%.16s:%s", ses->access_key_id + 4, ses->session_name);
        return w_okv();
    }
    if (!c)
        return w_err("InvalidClientTokenId", 403, "The security token included in the request is invalid.");
    const char *user = c->user_name ? c->user_name : "sim-operator";
    out->account = xstrdup(w->account_id);
    if (c->session_token) {
        out->arn = xasprintf("arn:aws:sts::%s:assumed-role/%s/session", w->account_id, user);
        out->user_id = xasprintf("AROA%.16s:session", c->access_key_id + (strlen(c->access_key_id) > 4 ? 4 : 0));
    } else {
        out->arn = xasprintf("arn:aws:iam::%s:user/%s", w->account_id, user);
        out->user_id = xasprintf("AIDA%.16s", c->access_key_id + (strlen(c->access_key_id) > 4 ? 4 : 0));
    }
    return w_okv();
}

/* ---------- ec2 ---------- */

static const char *ec2_state(const sim_world *w, const w_instance *in)
{
    switch (in->lc) {
    case LC_PENDING:
        return "pending";
    case LC_INSERVICE:
        return "running";
    case LC_STANDBY:
        return "running";
    case LC_TERMINATING:
        return w->now + 5000 >= in->terminate_at ? "shutting-down" : "running";
    case LC_TERMINATED:
        return "terminated";
    case LC_WARM_PENDING:
        return w->now < in->in_service_at ? "pending" : "running";
    case LC_WARMED:
        return str_eq(w_lifecycle_name(w, in), "Warmed:Running") ? "running" : "stopped";
    }
    return "running";
}

static void fill_ec2(const sim_world *w, const w_instance *in, ec2_instance *o)
{
    const sc_launch_template *t = &w->sc->launch_templates.items[in->lt];
    o->instance_id = xstrdup(in->id);
    o->instance_type = xstrdup(w->asgs.items[in->asg].sc->instance_type);
    o->image_id = xstrdup(t->image_id ? t->image_id : "ami-0abcdef1234567890");
    o->private_ip_address = xstrdup(in->ip);
    char ipd[16];
    str_copy(ipd, sizeof ipd, in->ip);
    for (char *c = ipd; *c; c++)
        if (*c == '.')
            *c = '-';
    o->private_dns_name = xasprintf("ip-%s.ec2.internal", ipd);
    o->state_name = xstrdup(ec2_state(w, in));
    o->launch_time = in->launch_time;
    o->availability_zone = xstrdup(in->az);
    o->subnet_id = xstrdup(in->subnet);
    o->vpc_id = xasprintf("vpc-0%016llx", (unsigned long long)0x5151u);
}

static bool visible(const sim_world *w, const w_instance *in)
{
    return in->lc != LC_TERMINATED || w->now - in->terminated_at < W_TERMINATED_KEEP_MS;
}

sim_error world_describe_instances(sim_world *w, const strvec *ids, const char *next_token, int max_items,
                                   ec2_instance_list *out, char **next_out)
{
    *next_out = NULL;
    if (ids && ids->n) {
        for (size_t i = 0; i < ids->n; i++) {
            const w_instance *found = NULL;
            for (size_t j = 0; j < w->instances.n && !found; j++)
                if (str_eq(w->instances.items[j].id, ids->items[i]) && visible(w, &w->instances.items[j]))
                    found = &w->instances.items[j];
            if (!found)
                return w_err("InvalidInstanceID.NotFound", 400, "The instance ID '%.40s' does not exist",
                             ids->items[i]);
        }
        for (size_t i = 0; i < ids->n; i++)
            for (size_t j = 0; j < w->instances.n; j++)
                if (str_eq(w->instances.items[j].id, ids->items[i])) {
                    fill_ec2(w, &w->instances.items[j], VEC_NEW(*out));
                    break;
                }
        return w_okv();
    }
    size_t off;
    if (!w_untoken(w, "DescribeInstances", next_token, &off))
        return w_err("InvalidParameterValue", 400, "The specified NextToken is not valid.");
    int page = w_page(w, "DescribeInstances", max_items, 1000);
    size_t seen = 0, taken = 0;
    for (size_t j = 0; j < w->instances.n; j++) {
        if (!visible(w, &w->instances.items[j]))
            continue;
        if (seen++ < off)
            continue;
        if ((int)taken == page) {
            *next_out = w_token(w, "DescribeInstances", off + taken);
            break;
        }
        fill_ec2(w, &w->instances.items[j], VEC_NEW(*out));
        taken++;
    }
    return w_okv();
}

sim_error world_describe_lt_versions(sim_world *w, const char *lt_id, const char *lt_name, const strvec *versions,
                                     lt_version_list *out)
{
    int lt = w_lt_index(w, lt_id, lt_name);
    if (lt < 0) {
        if (!str_empty(lt_id))
            return w_err("InvalidLaunchTemplateId.NotFound", 400,
                         "The specified launch template, with template ID %.64s, does not exist.", lt_id);
        return w_err("InvalidLaunchTemplateName.NotFoundException", 400,
                     "At least one of the launch templates specified in the request does not exist.");
    }
    const sc_launch_template *t = &w->sc->launch_templates.items[lt];
    for (int v = t->latest_version; v >= 1; v--) {
        if (versions && versions->n) {
            bool want = false;
            for (size_t i = 0; i < versions->n; i++)
                want |= w_resolve_version(w, lt, versions->items[i]) == v;
            if (!want)
                continue;
        }
        lt_version *o = VEC_NEW(*out);
        o->launch_template_id = xstrdup(t->id);
        o->launch_template_name = xstrdup(t->name);
        o->version_number = v;
        o->version_description = xasprintf("version %d", v);
        o->create_time = w->now - (aws_time)(t->latest_version - v + 1) * 86400000;
        o->default_version = v == t->default_version;
        o->image_id = xstrdup(t->image_id ? t->image_id : "ami-0abcdef1234567890");
    }
    if (versions && versions->n && !out->n)
        return w_err("InvalidLaunchTemplateId.VersionNotFound", 400,
                     "Could not find the requested version of launch template %.64s.", t->id);
    return w_okv();
}
