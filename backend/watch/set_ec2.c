/* set_ec2.c — EC2 details (DescribeInstances) of the selected group's instances and
 * its warm pool's. */
#include "watch/watch_int.h"

static void ec2_free(ec2_instance_list *l)
{
    MODEL_LIST_FREE(*l, ec2_instance_free);
}

ONE_CALL_SET(on_ec2, ec2_instance_list, ec2, ec2_free, WS_EC2)

static bool start_ec2(watch *w)
{
    const asg_group *g = watch_selected_group(&w->s);
    if (!g || (!g->instances.n && !w->s.warm_pool.instances.n))
        return false;
    strvec ids = { 0 };
    for (size_t i = 0; i < g->instances.n; i++)
        strvec_push(&ids, g->instances.items[i].instance_id);
    for (size_t i = 0; i < w->s.warm_pool.instances.n; i++)
        if (w->s.warm_pool.instances.items[i].instance_id)
            strvec_push(&ids, w->s.warm_pool.instances.items[i].instance_id);
    aws_error err;
    poll_ctx *x = watch_ctx_new(w, WS_EC2);
    if (svc_ec2_describe_instances(w->client, &ids, on_ec2, x, &err) != 0)
        watch_fail_start(w, x, &err);
    strvec_free(&ids);
    return true;
}

static void drop_ec2(watch *w)
{
    ec2_free(&w->s.ec2);
}

const set_def watch_set_def_ec2 = {
    "ec2",
    start_ec2,
    drop_ec2,
    .shown_mult = 10,
    .follows_refresh = true,
    .doze_ms = 10 * MINUTE_MS,
    .after = WS_BIT(WS_GROUPS),
};
