/* set_warm_pool.c — the selected group's warm pool (DescribeWarmPool), only when it
 * has one. */
#include "watch/watch_int.h"

ONE_CALL_SET(on_warm_pool, warm_pool, warm_pool, warm_pool_free, WS_WARM_POOL)

static bool start_warm_pool(watch *w)
{
    /* Only a group with a warm pool has one to describe. */
    const asg_group *g = watch_selected_group(&w->s);
    if (!g || !g->warm_pool.present) {
        if (w->s.warm_pool.config.present || w->s.warm_pool.instances.n) {
            warm_pool_free(&w->s.warm_pool);
            memset(&w->s.warm_pool, 0, sizeof w->s.warm_pool);
            w->s.meta[WS_WARM_POOL].version++;
            w->changes |= WS_BIT(WS_WARM_POOL);
        }
        return false;
    }
    aws_error err;
    poll_ctx *x = watch_ctx_new(w, WS_WARM_POOL);
    if (svc_asg_describe_warm_pool(w->client, g->name, on_warm_pool, x, &err) != 0)
        watch_fail_start(w, x, &err);
    return true;
}

static void drop_warm_pool(watch *w)
{
    warm_pool_free(&w->s.warm_pool);
    memset(&w->s.warm_pool, 0, sizeof w->s.warm_pool);
}

const set_def watch_set_def_warm_pool = {
    "warm-pool",
    start_warm_pool,
    drop_warm_pool,
    .shown_mult = 4,
    .follows_refresh = true,
    .doze_ms = 10 * MINUTE_MS,
    .after = WS_BIT(WS_GROUPS),
};
