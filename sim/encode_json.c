/* encode_json.c — the simulator's JSON answers (ECR: JSON 1.1, CloudWatch: JSON 1.0)
 * built with json-c, member names as botocore's models spell them, and the error
 * envelope of every protocol (XML ones included, so one function answers errors). */
#include "encode.h"

#include <inttypes.h>
#include <stdio.h>

json_object *enc_json_time(aws_time t)
{
    char buf[48];
    /* Exact text: milliseconds as a fraction, no float rounding noise. */
    int64_t s = t / 1000, ms = t % 1000;
    if (ms < 0) {
        ms += 1000;
        s -= 1;
    }
    snprintf(buf, sizeof buf, "%" PRId64 ".%03" PRId64, s, ms);
    return json_object_new_double_s((double)t / 1000.0, buf);
}

void enc_json_add_str(json_object *o, const char *key, const char *s)
{
    if (s)
        json_object_object_add(o, key, json_object_new_string(s));
}

static json_object *json_strlist(const strvec *v)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < v->n; i++)
        json_object_array_add(a, json_object_new_string(v->items[i]));
    return a;
}

void enc_json_finish(strbuf *sb, json_object *o)
{
    sb_append(sb, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}

/* ---------------- ecr ---------------- */

json_object *enc_json_repository(const ecr_repository *r)
{
    json_object *o = json_object_new_object();
    enc_json_add_str(o, "repositoryArn", r->repository_arn);
    enc_json_add_str(o, "registryId", r->registry_id);
    enc_json_add_str(o, "repositoryName", r->repository_name);
    enc_json_add_str(o, "repositoryUri", r->repository_uri);
    if (r->created_at)
        json_object_object_add(o, "createdAt", enc_json_time(r->created_at));
    enc_json_add_str(o, "imageTagMutability", r->image_tag_mutability);
    if (r->mutability_exclusion_filters.n) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < r->mutability_exclusion_filters.n; i++) {
            json_object *f = json_object_new_object();
            enc_json_add_str(f, "filterType", "WILDCARD");
            enc_json_add_str(f, "filter", r->mutability_exclusion_filters.items[i]);
            json_object_array_add(a, f);
        }
        json_object_object_add(o, "imageTagMutabilityExclusionFilters", a);
    }
    json_object *scan = json_object_new_object();
    json_object_object_add(scan, "scanOnPush", json_object_new_boolean(0));
    json_object_object_add(o, "imageScanningConfiguration", scan);
    json_object *enc = json_object_new_object();
    enc_json_add_str(enc, "encryptionType", "AES256");
    json_object_object_add(o, "encryptionConfiguration", enc);
    return o;
}

json_object *enc_json_image_detail(const ecr_image_detail *d)
{
    json_object *o = json_object_new_object();
    enc_json_add_str(o, "registryId", d->registry_id);
    enc_json_add_str(o, "repositoryName", d->repository_name);
    enc_json_add_str(o, "imageDigest", d->image_digest);
    if (d->image_tags.n)
        json_object_object_add(o, "imageTags", json_strlist(&d->image_tags));
    if (d->has_size)
        json_object_object_add(o, "imageSizeInBytes", json_object_new_int64(d->image_size_in_bytes));
    if (d->image_pushed_at)
        json_object_object_add(o, "imagePushedAt", enc_json_time(d->image_pushed_at));
    enc_json_add_str(o, "imageManifestMediaType", d->image_manifest_media_type);
    enc_json_add_str(o, "artifactMediaType", d->artifact_media_type);
    if (d->last_recorded_pull_time)
        json_object_object_add(o, "lastRecordedPullTime", enc_json_time(d->last_recorded_pull_time));
    enc_json_add_str(o, "imageStatus", d->image_status);
    if (d->last_archived_at)
        json_object_object_add(o, "lastArchivedAt", enc_json_time(d->last_archived_at));
    if (d->last_activated_at)
        json_object_object_add(o, "lastActivatedAt", enc_json_time(d->last_activated_at));
    if (d->scan_status) {
        json_object *st = json_object_new_object();
        enc_json_add_str(st, "status", d->scan_status);
        enc_json_add_str(st, "description", d->scan_status_description);
        json_object_object_add(o, "imageScanStatus", st);
    }
    if (d->scan_completed_at || d->finding_severity_counts.n) {
        json_object *sum = json_object_new_object(), *counts = json_object_new_object();
        if (d->scan_completed_at)
            json_object_object_add(sum, "imageScanCompletedAt", enc_json_time(d->scan_completed_at));
        for (size_t i = 0; i < d->finding_severity_counts.n; i++)
            json_object_object_add(counts, d->finding_severity_counts.items[i].severity,
                                   json_object_new_int(d->finding_severity_counts.items[i].count));
        json_object_object_add(sum, "findingSeverityCounts", counts);
        json_object_object_add(o, "imageScanFindingsSummary", sum);
    }
    return o;
}

static json_object *image_id(const char *digest, const char *tag)
{
    json_object *o = json_object_new_object();
    enc_json_add_str(o, "imageDigest", digest);
    enc_json_add_str(o, "imageTag", tag);
    return o;
}

json_object *enc_json_image(const ecr_image *i)
{
    json_object *o = json_object_new_object();
    enc_json_add_str(o, "registryId", i->registry_id);
    enc_json_add_str(o, "repositoryName", i->repository_name);
    json_object_object_add(o, "imageId", image_id(i->image_digest, i->image_tag));
    if (i->image_manifest) /* the bytes as stored: their digest must not change */
        json_object_object_add(o, "imageManifest",
                               json_object_new_string_len(i->image_manifest, (int)i->image_manifest_len));
    enc_json_add_str(o, "imageManifestMediaType", i->image_manifest_media_type);
    return o;
}

json_object *enc_json_image_failure(const ecr_image_failure *f)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "imageId", image_id(f->image_digest, f->image_tag));
    enc_json_add_str(o, "failureCode", f->failure_code);
    enc_json_add_str(o, "failureReason", f->failure_reason);
    return o;
}

void enc_json_repositories(strbuf *sb, const ecr_repository_list *l, const char *next_token)
{
    json_object *o = json_object_new_object(), *a = json_object_new_array();
    for (size_t i = 0; i < l->n; i++)
        json_object_array_add(a, enc_json_repository(&l->items[i]));
    json_object_object_add(o, "repositories", a);
    enc_json_add_str(o, "nextToken", next_token);
    enc_json_finish(sb, o);
}

void enc_json_image_details(strbuf *sb, const ecr_image_detail_list *l, const char *next_token)
{
    json_object *o = json_object_new_object(), *a = json_object_new_array();
    for (size_t i = 0; i < l->n; i++)
        json_object_array_add(a, enc_json_image_detail(&l->items[i]));
    json_object_object_add(o, "imageDetails", a);
    enc_json_add_str(o, "nextToken", next_token);
    enc_json_finish(sb, o);
}

void enc_json_batch_get(strbuf *sb, const ecr_batch_get_result *r, bool ids_only)
{
    json_object *o = json_object_new_object(), *a = json_object_new_array(), *f = json_object_new_array();
    for (size_t i = 0; i < r->images.n; i++) {
        const ecr_image *im = &r->images.items[i];
        json_object_array_add(a, ids_only ? image_id(im->image_digest, im->image_tag) : enc_json_image(im));
    }
    for (size_t i = 0; i < r->failures.n; i++)
        json_object_array_add(f, enc_json_image_failure(&r->failures.items[i]));
    json_object_object_add(o, ids_only ? "imageIds" : "images", a);
    json_object_object_add(o, "failures", f);
    enc_json_finish(sb, o);
}

void enc_json_put_image(strbuf *sb, const ecr_image *i)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "image", enc_json_image(i));
    enc_json_finish(sb, o);
}

void enc_json_storage_class(strbuf *sb, const ecr_image_detail *d)
{
    json_object *o = json_object_new_object();
    enc_json_add_str(o, "registryId", d->registry_id);
    enc_json_add_str(o, "repositoryName", d->repository_name);
    json_object_object_add(o, "imageId", image_id(d->image_digest, d->image_tags.n ? d->image_tags.items[0] : NULL));
    enc_json_add_str(o, "imageStatus", d->image_status);
    enc_json_finish(sb, o);
}

/* ---------------- cloudwatch ---------------- */

/* MetricDataQuery, as botocore's cloudwatch model nests it. */
static json_object *json_metric_query(const cw_metric_query *q)
{
    json_object *o = json_object_new_object();
    enc_json_add_str(o, "Id", q->id);
    if (q->metric_name) {
        json_object *ms = json_object_new_object(), *m = json_object_new_object();
        enc_json_add_str(m, "Namespace", q->namespace_);
        enc_json_add_str(m, "MetricName", q->metric_name);
        json_object_object_add(m, "Dimensions", json_object_new_array());
        json_object_object_add(ms, "Metric", m);
        if (q->has_period)
            json_object_object_add(ms, "Period", json_object_new_int(q->period));
        enc_json_add_str(ms, "Stat", q->stat);
        json_object_object_add(o, "MetricStat", ms);
    } else if (q->has_period) {
        json_object_object_add(o, "Period", json_object_new_int(q->period));
    }
    enc_json_add_str(o, "Expression", q->expression);
    enc_json_add_str(o, "Label", q->label);
    if (q->has_return_data)
        json_object_object_add(o, "ReturnData", json_object_new_boolean(q->return_data));
    return o;
}

json_object *enc_json_alarm(const cw_alarm *a)
{
    json_object *o = json_object_new_object();
    enc_json_add_str(o, "AlarmName", a->alarm_name);
    enc_json_add_str(o, "AlarmArn", a->alarm_arn);
    enc_json_add_str(o, "AlarmDescription", a->alarm_description);
    json_object_object_add(o, "ActionsEnabled", json_object_new_boolean(a->actions_enabled));
    json_object_object_add(o, "OKActions", json_object_new_array());
    json_object_object_add(o, "AlarmActions", json_object_new_array());
    json_object_object_add(o, "InsufficientDataActions", json_object_new_array());
    enc_json_add_str(o, "StateValue", a->state_value);
    enc_json_add_str(o, "StateReason", a->state_reason);
    if (a->state_updated_timestamp)
        json_object_object_add(o, "StateUpdatedTimestamp", enc_json_time(a->state_updated_timestamp));
    if (a->alarm_type == CW_COMPOSITE_ALARM) {
        enc_json_add_str(o, "AlarmRule", a->alarm_rule);
        return o;
    }
    enc_json_add_str(o, "MetricName", a->metric_name);
    enc_json_add_str(o, "Namespace", a->namespace_);
    enc_json_add_str(o, "Statistic", a->statistic);
    if (!a->metrics.n)
        json_object_object_add(o, "Dimensions", json_object_new_array());
    if (a->period)
        json_object_object_add(o, "Period", json_object_new_int(a->period));
    if (a->evaluation_periods)
        json_object_object_add(o, "EvaluationPeriods", json_object_new_int(a->evaluation_periods));
    if (a->has_threshold)
        json_object_object_add(o, "Threshold", json_object_new_double(a->threshold));
    enc_json_add_str(o, "ComparisonOperator", a->comparison_operator);
    if (a->metrics.n) {
        json_object *m = json_object_new_array();
        for (size_t i = 0; i < a->metrics.n; i++)
            json_object_array_add(m, json_metric_query(&a->metrics.items[i]));
        json_object_object_add(o, "Metrics", m);
    }
    enc_json_add_str(o, "ThresholdMetricId", a->threshold_metric_id);
    enc_json_add_str(o, "EvaluationState", a->evaluation_state);
    return o;
}

void enc_json_alarms(strbuf *sb, const cw_alarm_list *l, const char *next_token)
{
    json_object *o = json_object_new_object(), *a = json_object_new_array(), *c = json_object_new_array();
    for (size_t i = 0; i < l->n; i++)
        json_object_array_add(l->items[i].alarm_type == CW_COMPOSITE_ALARM ? c : a, enc_json_alarm(&l->items[i]));
    json_object_object_add(o, "MetricAlarms", a);
    json_object_object_add(o, "CompositeAlarms", c);
    enc_json_add_str(o, "NextToken", next_token);
    enc_json_finish(sb, o);
}

/* ---------------- errors ---------------- */

void enc_error(strbuf *sb, sim_proto proto, const char *code, const char *message, bool sender, const char *request_id,
               const char **content_type)
{
    switch (proto) {
    case SIM_PROTO_QUERY:
        *content_type = "text/xml";
        sb_append(sb,
                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse "
                  "xmlns=\"http://webservices.amazon.com/AWSFault/2005-15-09\"><Error>");
        enc_xml_text(sb, "Type", sender ? "Sender" : "Receiver");
        enc_xml_text(sb, "Code", code);
        enc_xml_text(sb, "Message", message);
        sb_append(sb, "</Error>");
        enc_xml_text(sb, "RequestId", request_id);
        sb_append(sb, "</ErrorResponse>\n");
        break;
    case SIM_PROTO_EC2:
        *content_type = "text/xml;charset=UTF-8";
        sb_append(sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error>");
        enc_xml_text(sb, "Code", code);
        enc_xml_text(sb, "Message", message);
        sb_append(sb, "</Error></Errors>");
        enc_xml_text(sb, "RequestID", request_id);
        sb_append(sb, "</Response>\n");
        break;
    case SIM_PROTO_JSON10:
    case SIM_PROTO_JSON11: {
        *content_type = proto == SIM_PROTO_JSON10 ? "application/x-amz-json-1.0" : "application/x-amz-json-1.1";
        json_object *o = json_object_new_object();
        enc_json_add_str(o, "__type", code);
        enc_json_add_str(o, "message", message);
        enc_json_finish(sb, o);
        break;
    }
    }
}
