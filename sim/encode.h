/* encode.h — the simulator's answers on the wire: model.h structs serialized into
 * AWS's XML (Query / EC2) and JSON (1.0 / 1.1) response shapes, and each protocol's
 * error envelope. encode_query.c owns the XML side, encode_json.c the JSON side.
 * Nothing here reads the world: callers hand in what the world returned. */
#ifndef TARMAC_SIM_ENCODE_H
#define TARMAC_SIM_ENCODE_H

#include <json-c/json.h>

#include "services/model.h"
#include "services/model_ecs.h"
#include "util.h"

/* The wire protocol of a service, which decides the error envelope. */
typedef enum sim_proto {
    SIM_PROTO_QUERY,  /* autoscaling, elbv2, sts, cloudwatch query: <ErrorResponse> */
    SIM_PROTO_EC2,    /* <Response><Errors> */
    SIM_PROTO_JSON10, /* cloudwatch (GraniteServiceVersion20100801) */
    SIM_PROTO_JSON11, /* ecr */
} sim_proto;

/* ---------- XML ---------- */

/* Appends s as XML 1.0 text: & < > " ' escaped; characters XML 1.0 cannot carry
 * (C0 controls but tab/LF/CR, invalid UTF-8) become U+FFFD. */
void enc_xml_escape(strbuf *sb, const char *s);
/* <name>escaped text</name>; nothing when text is NULL. */
void enc_xml_text(strbuf *sb, const char *name, const char *text);
void enc_xml_int(strbuf *sb, const char *name, long long v);
void enc_xml_bool(strbuf *sb, const char *name, bool v);
void enc_xml_time(strbuf *sb, const char *name, aws_time t); /* nothing when 0 */
/* <name><item_tag>..</item_tag>...</name> (empty element when the list is empty). */
void enc_xml_strlist(strbuf *sb, const char *name, const char *item_tag, const strvec *v);

/* Opens "<OpResponse xmlns=ns><OpResult>"; enc_query_end closes it with the
 * ResponseMetadata/RequestId. The EC2 pair has no <OpResult> and puts requestId first. */
void enc_query_begin(strbuf *sb, const char *op, const char *ns);
void enc_query_end(strbuf *sb, const char *op, const char *request_id);
void enc_ec2_begin(strbuf *sb, const char *op, const char *ns, const char *request_id);
void enc_ec2_end(strbuf *sb, const char *op);

#define SIM_NS_AUTOSCALING "http://autoscaling.amazonaws.com/doc/2011-01-01/"
#define SIM_NS_ELBV2       "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"
#define SIM_NS_EC2         "http://ec2.amazonaws.com/doc/2016-11-15/"
#define SIM_NS_STS         "https://sts.amazonaws.com/doc/2011-06-15/"
#define SIM_NS_MONITORING  "http://monitoring.amazonaws.com/doc/2010-08-01/"

/* Member bodies (the caller wraps them in <member> / <item>). */
void enc_xml_asg_group(strbuf *sb, const asg_group *g);
void enc_xml_instance_refresh(strbuf *sb, const instance_refresh *r);
void enc_xml_activity(strbuf *sb, const scaling_activity *a);
void enc_xml_target_group(strbuf *sb, const target_group *t);
void enc_xml_target_health(strbuf *sb, const target_health_desc *t);
void enc_xml_load_balancer(strbuf *sb, const load_balancer *lb);
void enc_xml_listener(strbuf *sb, const lb_listener *l);
void enc_xml_rule(strbuf *sb, const lb_rule *r);
void enc_xml_ec2_instance(strbuf *sb, const ec2_instance *i);
void enc_xml_lt_version(strbuf *sb, const lt_version *v);
void enc_xml_alarm(strbuf *sb, const cw_alarm *a);           /* a MetricAlarm member */
void enc_xml_composite_alarm(strbuf *sb, const cw_alarm *a); /* a CompositeAlarm member */

/* Whole Query/EC2 result bodies: next_token may be NULL. */
void enc_xml_describe_groups(strbuf *sb, const asg_group_list *l, const char *next_token, const char *rid);
void enc_xml_describe_refreshes(strbuf *sb, const instance_refresh_list *l, const char *next_token, const char *rid);
void enc_xml_describe_activities(strbuf *sb, const scaling_activity_list *l, const char *next_token, const char *rid);
/* StartInstanceRefresh / CancelInstanceRefresh / RollbackInstanceRefresh. */
void enc_xml_refresh_id(strbuf *sb, const char *op, const char *refresh_id, const char *rid);
/* DescribeWarmPool: the configuration (when present), the instances, NextToken. */
void enc_xml_describe_warm_pool(strbuf *sb, const warm_pool *wp, const char *next_token, const char *rid);
/* An answer with no result, only ResponseMetadata (SetDesiredCapacity, SuspendProcesses, ...). */
void enc_xml_empty_answer(strbuf *sb, const char *op, const char *ns, const char *rid);
void enc_xml_target_groups(strbuf *sb, const target_group_list *l, const char *next_marker, const char *rid);
void enc_xml_target_health_list(strbuf *sb, const target_health_list *l, const char *rid);
void enc_xml_load_balancers(strbuf *sb, const load_balancer_list *l, const char *next_marker, const char *rid);
void enc_xml_listeners(strbuf *sb, const lb_listener_list *l, const char *next_marker, const char *rid);
void enc_xml_rules(strbuf *sb, const lb_rule_list *l, const char *next_marker, const char *rid);
/* One reservation per instance, as ASG launches produce. */
void enc_xml_ec2_instances(strbuf *sb, const ec2_instance_list *l, const char *owner_id, const char *next_token,
                           const char *rid);
void enc_xml_lt_versions(strbuf *sb, const lt_version_list *l, const char *next_token, const char *rid);
void enc_xml_caller_identity(strbuf *sb, const caller_identity *c, const char *rid);
/* DescribeAlarms: MetricAlarms and CompositeAlarms from one list (cw_alarm.alarm_type). */
void enc_xml_alarms(strbuf *sb, const cw_alarm_list *l, const char *next_token, const char *rid);

/* ---------- JSON ---------- */

/* Epoch seconds with milliseconds, as the JSON protocols send timestamps. */
json_object *enc_json_time(aws_time t);
/* Adds key: string when s != NULL. */
void enc_json_add_str(json_object *o, const char *key, const char *s);
json_object *enc_json_repository(const ecr_repository *r);
json_object *enc_json_image_detail(const ecr_image_detail *d);
json_object *enc_json_image(const ecr_image *i); /* manifest byte-exact */
json_object *enc_json_image_failure(const ecr_image_failure *f);
json_object *enc_json_alarm(const cw_alarm *a); /* MetricAlarm or CompositeAlarm by a->alarm_type */
/* {"repositories": [...], "nextToken": ...} style bodies. */
void enc_json_repositories(strbuf *sb, const ecr_repository_list *l, const char *next_token);
void enc_json_image_details(strbuf *sb, const ecr_image_detail_list *l, const char *next_token);
/* BatchGetImage: {"images": [...], "failures": [...]}; BatchDeleteImage (ids_only):
 * {"imageIds": [{imageDigest, imageTag}], "failures": [...]}. */
void enc_json_batch_get(strbuf *sb, const ecr_batch_get_result *r, bool ids_only);
void enc_json_put_image(strbuf *sb, const ecr_image *i);
/* UpdateImageStorageClass: registryId, repositoryName, imageId, imageStatus from d. */
void enc_json_storage_class(strbuf *sb, const ecr_image_detail *d);
void enc_json_alarms(strbuf *sb, const cw_alarm_list *l, const char *next_token);
/* ECS (encode_json_ecs.c): Cluster, Service (deployments, events, loadBalancers,
 * deploymentConfiguration), Task (containers, the awsvpc attachment), Failure. */
json_object *enc_json_ecs_cluster(const ecs_cluster *c);
json_object *enc_json_ecs_service(const ecs_service *s);
json_object *enc_json_ecs_task(const ecs_task *t);
json_object *enc_json_ecs_failure(const ecs_failure *f);
/* ServiceDeployment, and the ServiceDeploymentBrief ListServiceDeployments lists of it. */
json_object *enc_json_ecs_service_deployment(const ecs_service_deployment *d);
json_object *enc_json_ecs_sd_brief(const ecs_service_deployment *d);
/* Appends the PLAIN serialization of o and releases it. */
void enc_json_finish(strbuf *sb, json_object *o);

/* ---------- errors ---------- */

/* The error body for proto into sb; *content_type gets the static content type.
 * sender: true for client faults (<Type>Sender</Type>), false for Receiver. */
void enc_error(strbuf *sb, sim_proto proto, const char *code, const char *message, bool sender, const char *request_id,
               const char **content_type);

#endif
