/* kind.c — the registry of app kinds, from kinds/kinds.def. */
#include "kinds/kind.h"

#define KIND(name) extern const app_kind kind_##name;
#include "kinds/kinds.def"
#undef KIND

static const app_kind *const all_kinds[] = {
#define KIND(name) &kind_##name,
#include "kinds/kinds.def"
#undef KIND
};

const app_kind *app_kind_find(const char *name)
{
    for (size_t i = 0; name && i < ARRAY_LEN(all_kinds); i++)
        if (str_eq(all_kinds[i]->config->name, name))
            return all_kinds[i];
    return NULL;
}

const app_kind *app_kind_of(const app_config *a)
{
    const app_kind *k = a && a->kind ? app_kind_find(a->kind->name) : NULL;
    return k ? k : all_kinds[0];
}

const app_kind *app_kind_of_target(const plan_target *t)
{
    const app_kind *k = t ? app_kind_find(t->kind) : NULL;
    return k ? k : all_kinds[0];
}

const app_kind *const *app_kinds(size_t *n)
{
    *n = ARRAY_LEN(all_kinds);
    return all_kinds;
}

bool app_kind_offers(const app_kind *k, plan_action a)
{
    return k && (k->actions & KIND_ACTION(a));
}
