/* set_alarms.c — the app's CloudWatch alarms (DescribeAlarms); none configured: not
 * polled. */
#include "watch/watch_int.h"

static void alarms_free(cw_alarm_list *l)
{
    MODEL_LIST_FREE(*l, cw_alarm_free);
}

ONE_CALL_SET(on_alarms, cw_alarm_list, alarms, alarms_free, WS_ALARMS)

static bool start_alarms(watch *w)
{
    if (!w->s.alarm_names.n)
        return false;
    aws_error err;
    poll_ctx *x = watch_ctx_new(w, WS_ALARMS);
    if (svc_cw_describe_alarms(w->client, &w->s.alarm_names, on_alarms, x, &err) != 0)
        watch_fail_start(w, x, &err);
    return true;
}

static void drop_alarms(watch *w)
{
    alarms_free(&w->s.alarms);
}

const set_def watch_set_def_alarms = {
    "alarms",
    start_alarms,
    drop_alarms,
    .shown_mult = 2,
    .follows_refresh = true,
    .always_shown = true,
    .doze_ms = 10 * MINUTE_MS,
};
