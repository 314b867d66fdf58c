/* svc_cloudwatch.c — CloudWatch DescribeAlarms over JSON 1.0 (X-Amz-Target
 * GraniteServiceVersion20100801.DescribeAlarms): the request document, the
 * MetricAlarms and CompositeAlarms decoder (json-c) and the paged asynchronous call
 * of services.h. Both alarm types are asked for: without AlarmTypes, DescribeAlarms
 * answers metric alarms only, and a composite alarm named in an app's alarms would
 * silently guard nothing.
 * Result ownership as in svc_ecr.c: the caller takes the contents of *result. */
#include <stdlib.h>
#include <string.h>

#include "aws/json_util.h"
#include "services/services.h"

#define CW_PAGE_SIZE      100 /* MaxRecords upper bound */
#define CW_NAMES_PER_CALL 100 /* AlarmNames upper bound */

static void decode_common(json_object *o, cw_alarm *a)
{
    a->alarm_name = ju_dup_string(o, "AlarmName");
    a->alarm_arn = ju_dup_string(o, "AlarmArn");
    a->alarm_description = ju_dup_string(o, "AlarmDescription");
    a->state_value = ju_dup_string(o, "StateValue");
    a->state_reason = ju_dup_string(o, "StateReason");
    a->state_updated_timestamp = ju_get_time(o, "StateUpdatedTimestamp");
    ju_get_bool(o, "ActionsEnabled", &a->actions_enabled);
}

/* MetricDataQuery: metric math and anomaly-detection alarms name their metrics here. */
static void decode_query(json_object *o, cw_metric_query *q)
{
    q->id = ju_dup_string(o, "Id");
    q->expression = ju_dup_string(o, "Expression");
    q->label = ju_dup_string(o, "Label");
    q->has_return_data = ju_get_bool(o, "ReturnData", &q->return_data);
    q->has_period = ju_get_int(o, "Period", &q->period);
    json_object *ms, *m;
    if (json_object_object_get_ex(o, "MetricStat", &ms) && json_object_is_type(ms, json_type_object)) {
        q->stat = ju_dup_string(ms, "Stat");
        if (!q->has_period)
            q->has_period = ju_get_int(ms, "Period", &q->period);
        if (json_object_object_get_ex(ms, "Metric", &m) && json_object_is_type(m, json_type_object)) {
            q->metric_name = ju_dup_string(m, "MetricName");
            q->namespace_ = ju_dup_string(m, "Namespace");
        }
    }
}

#define CW_MAX_QUERIES 100 /* Metrics[] per alarm: far above AWS's limit of 10 */

static void decode_alarm(json_object *o, cw_alarm *a)
{
    a->alarm_type = CW_METRIC_ALARM;
    decode_common(o, a);
    a->metric_name = ju_dup_string(o, "MetricName");
    a->namespace_ = ju_dup_string(o, "Namespace");
    a->statistic = ju_dup_string(o, "Statistic");
    a->comparison_operator = ju_dup_string(o, "ComparisonOperator");
    a->has_threshold = ju_get_double(o, "Threshold", &a->threshold);
    ju_get_int(o, "Period", &a->period);
    ju_get_int(o, "EvaluationPeriods", &a->evaluation_periods);
    a->threshold_metric_id = ju_dup_string(o, "ThresholdMetricId");
    a->evaluation_state = ju_dup_string(o, "EvaluationState");
    json_object *arr = ju_get_array(o, "Metrics");
    size_t n = arr ? json_object_array_length(arr) : 0;
    for (size_t i = 0; i < n && i < CW_MAX_QUERIES; i++) {
        json_object *q = json_object_array_get_idx(arr, i);
        if (json_object_is_type(q, json_type_object))
            decode_query(q, VEC_NEW(a->metrics));
    }
}

static void decode_composite(json_object *o, cw_alarm *a)
{
    a->alarm_type = CW_COMPOSITE_ALARM;
    decode_common(o, a);
    a->alarm_rule = ju_dup_string(o, "AlarmRule");
}

int cw_decode_alarms(const char *body, size_t len, cw_alarm_list *out, char **next_token, aws_budget *budget,
                     aws_error *err)
{
    if (next_token)
        *next_token = NULL;
    json_object *root = ju_parse_object_budget(body, len, AWS_SVC_CLOUDWATCH.id, "DescribeAlarms", budget, err);
    if (!root)
        return -1;
    static const struct {
        const char *member;
        void (*decode)(json_object *, cw_alarm *);
    } kinds[] = {
        { "MetricAlarms", decode_alarm },
        { "CompositeAlarms", decode_composite },
    };
    for (size_t k = 0; k < ARRAY_LEN(kinds); k++) {
        json_object *arr = ju_get_array(root, kinds[k].member);
        size_t n = arr ? json_object_array_length(arr) : 0;
        for (size_t i = 0; i < n; i++) {
            json_object *o = json_object_array_get_idx(arr, i);
            if (json_object_is_type(o, json_type_object)) /* other types: skipped */
                kinds[k].decode(o, VEC_NEW(*out));
        }
    }
    if (next_token)
        ju_get_token(root, "NextToken", next_token);
    json_object_put(root);
    return 0;
}

char *cw_encode_describe_alarms(const char *const *names, size_t n_names, const char *next_token, size_t *len)
{
    static const char *const both[] = { "MetricAlarm", "CompositeAlarm" };
    json_object *req = json_object_new_object();
    ju_add_strings(req, "AlarmNames", names, n_names);
    ju_add_strings(req, "AlarmTypes", both, ARRAY_LEN(both));
    ju_add_string(req, "NextToken", next_token);
    ju_add_int(req, "MaxRecords", CW_PAGE_SIZE);
    return ju_finish(req, len);
}

/* Every page of every chunk of names (aws_call_chunked), into one list. */
typedef struct alarms_ctx {
    cw_alarm_list result;
    cw_alarms_fn done;
    void *ud;
} alarms_ctx;

static char *alarms_body(void *ud, const char *const *names, size_t n_names, const char *next_token, size_t *len)
{
    (void)ud;
    return cw_encode_describe_alarms(names, n_names, next_token, len);
}

static int alarms_parse(void *ud, const aws_response *resp, char **next_token, aws_error *err)
{
    alarms_ctx *x = ud;
    if (cw_decode_alarms(resp->body, resp->body_len, &x->result, next_token, resp->budget, err) < 0) {
        err->http_status = (int)resp->http_status;
        str_copy(err->request_id, sizeof(err->request_id), resp->request_id ? resp->request_id : "");
        return -1;
    }
    return 0;
}

static void alarms_done(aws_client *c, const aws_error *err, void *ud)
{
    alarms_ctx *x = ud;
    x->done(c, &x->result, err, x->ud);
    free(x);
}

int svc_cw_describe_alarms(aws_client *c, const strvec *names, cw_alarms_fn done, void *ud, aws_error *err)
{
    alarms_ctx *x = xcalloc(1, sizeof(*x));
    x->done = done;
    x->ud = ud;
    if (aws_call_chunked(c, &AWS_SVC_CLOUDWATCH, "DescribeAlarms", names, CW_NAMES_PER_CALL, alarms_body, alarms_parse,
                         alarms_done, x, err) < 0) {
        free(x);
        return -1;
    }
    return 0;
}
