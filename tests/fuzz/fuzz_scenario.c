/* fuzz_scenario.c — libFuzzer target: arbitrary bytes through the simulator's scenario
 * loader (scenario files are user input: `tarmac sim --scenario FILE`). Any input must
 * end in a scenario that keeps the loader's promises or in a FILE:LINE:COLUMN error,
 * without crashes, leaks or undefined behaviour. A small accepted scenario also
 * builds its world and runs it for a few simulated minutes. Seeds: the built-in
 * scenarios, one with every opt-in key and one with every ECS key
 * (tests/fixtures/scenario). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "world.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool has_tg(const sim_scenario *sc, const char *name)
{
    for (size_t i = 0; i < sc->target_groups.n; i++)
        if (str_eq(sc->target_groups.items[i].name, name))
            return true;
    return false;
}

/* What the world relies on after a successful parse. */
static void check(const sim_scenario *sc)
{
    if (!sc->file || strcmp(sc->file, "fuzz.yaml") != 0 || !sc->region || !sc->account_id ||
        strlen(sc->account_id) != 12 || strspn(sc->account_id, "0123456789") != 12 || !(sc->speed > 0))
        abort();
    if (!sc->credentials.n)
        abort();
    for (size_t i = 0; i < sc->credentials.n; i++)
        if (str_empty(sc->credentials.items[i].access_key_id) || str_empty(sc->credentials.items[i].secret_access_key))
            abort();
    for (size_t i = 0; i < sc->launch_templates.n; i++) {
        const sc_launch_template *t = &sc->launch_templates.items[i];
        if (str_empty(t->name) || !t->id || t->default_version > t->latest_version)
            abort();
    }
    for (size_t i = 0; i < sc->asgs.n; i++) {
        const sc_asg *a = &sc->asgs.items[i];
        if (str_empty(a->name) || a->min_size > a->desired || a->desired > a->max_size || !a->azs.n || !a->lt_version ||
            !a->live_tag || !a->instance_type || !a->health_check_type)
            abort();
        for (size_t j = 0; j < a->target_groups.n; j++)
            if (!has_tg(sc, a->target_groups.items[j]))
                abort();
    }
    for (size_t i = 0; i < sc->load_balancers.n; i++)
        for (size_t j = 0; j < sc->load_balancers.items[i].listeners.n; j++) {
            const sc_listener *l = &sc->load_balancers.items[i].listeners.items[j];
            if (l->target_group && !has_tg(sc, l->target_group))
                abort();
            for (size_t k = 0; k < l->rules.n; k++)
                if (!has_tg(sc, l->rules.items[k].target_group))
                    abort();
        }
    for (size_t i = 0; i < sc->alarms.n; i++) {
        const sc_alarm *al = &sc->alarms.items[i];
        switch (al->kind) {
        case SC_ALARM_TG:
            if (!al->metric || !al->comparison || !has_tg(sc, al->target_group))
                abort();
            break;
        case SC_ALARM_COMPOSITE: /* a parsed rule whose alarms exist */
            if (!al->rule || al->parsed.root < 0)
                abort();
            for (size_t k = 0; k < al->parsed.nodes.n; k++)
                if (al->parsed.nodes.items[k].kind == AR_STATE && !al->parsed.nodes.items[k].alarm)
                    abort();
            break;
        case SC_ALARM_MATH: /* exactly one query watched */
            if (!al->metrics.n || !al->comparison)
                abort();
            size_t watched = 0;
            for (size_t k = 0; k < al->metrics.n; k++)
                watched += al->metrics.items[k].return_data;
            if (watched != 1)
                abort();
            break;
        }
    }
    for (size_t i = 0; i < sc->target_groups.n; i++)
        if (sc->target_groups.items[i].unhealthy_draining_s && !str_eq(sc->target_groups.items[i].protocol, "TCP") &&
            !str_eq(sc->target_groups.items[i].protocol, "TLS") &&
            !str_eq(sc->target_groups.items[i].protocol, "UDP") &&
            !str_eq(sc->target_groups.items[i].protocol, "TCP_UDP"))
            abort();
    for (size_t i = 0; i < sc->page_sizes.n; i++)
        if (sim_scenario_page_size(sc, sc->page_sizes.items[i].operation) < 1)
            abort();
    /* ECS: every service's task definition and target group exist, it has AZs */
    for (size_t i = 0; i < sc->ecs.clusters.n; i++)
        for (size_t j = 0; j < sc->ecs.clusters.items[i].services.n; j++) {
            const sc_ecs_service *s = &sc->ecs.clusters.items[i].services.items[j];
            char family[256];
            long rev;
            bool found = false;
            if (!ecs_task_definition_spec(s->task_definition, family, sizeof family, &rev))
                abort();
            for (size_t k = 0; k < sc->ecs.task_definitions.n; k++)
                found |= str_eq(sc->ecs.task_definitions.items[k].family, family) &&
                    rev <= sc->ecs.task_definitions.items[k].revisions;
            if (!found || !s->azs.n || (s->target_group && !has_tg(sc, s->target_group)))
                abort();
        }
}

/* Small enough to simulate on every input without slowing the fuzzer down. */
static bool small(const sim_scenario *sc)
{
    long instances = 0, images = 0, layers = 0;
    for (size_t i = 0; i < sc->asgs.n; i++) /* with Standby and warm pool instances */
        instances += 2L * sc->asgs.items[i].max_size + sc->asgs.items[i].standby_instances +
            sc->asgs.items[i].warm_pool.min_size + sc->asgs.items[i].warm_pool.max_prepared;
    for (size_t i = 0; i < sc->repositories.n; i++) {
        images += (long)sc->repositories.items[i].images.n;
        for (size_t j = 0; j < sc->repositories.items[i].images.n; j++)
            layers += (long)sc->repositories.items[i].images.items[j].layer_sizes.n;
    }
    long tasks = 0, revisions = 0; /* a deployment runs up to twice the desired count */
    for (size_t i = 0; i < sc->ecs.clusters.n; i++)
        for (size_t j = 0; j < sc->ecs.clusters.items[i].services.n; j++)
            tasks += 2L * sc->ecs.clusters.items[i].services.items[j].desired;
    for (size_t i = 0; i < sc->ecs.task_definitions.n; i++)
        revisions += sc->ecs.task_definitions.items[i].revisions;
    return instances <= 64 && tasks <= 64 && revisions <= 64 && images <= 256 && layers <= 1024 &&
        sc->target_groups.n <= 64 && sc->load_balancers.n <= 16 && sc->alarms.n <= 32;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    err[0] = '\0';
    sim_scenario *sc = sim_scenario_parse("fuzz.yaml", (const char *)data, size, err, sizeof err);
    if (!sc) {
        if (strncmp(err, "fuzz.yaml:", 10) != 0)
            abort();
        return 0;
    }
    check(sc);
    if (small(sc)) {
        sim_world *w = world_new_from_scenario(sc, 1, 0);
        if (!w)
            abort();
        world_advance(w, 300 * 1000);
        world_free(w);
    }
    sim_scenario_free(sc);
    return 0;
}
