/* svc_ec2.c — EC2 (the EC2 flavour of the Query protocol: "InstanceId.1" lists and
 * <reservationSet><item> answers): the instances behind a group and the launch
 * template versions an AMI deploy reads, decoded with xml.h into model.h structs. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "services/services.h"
#include "aws/xml.h"

#define EC2_IDS_PER_CALL   1000
#define EC2_MAX_RESULTS    1000 /* DescribeInstances page ceiling */
#define EC2_LT_MAX_RESULTS 200  /* DescribeLaunchTemplateVersions page ceiling */

static const xml_field instance_rows[] = {
    XML_F("instanceId", XML_STR, ec2_instance, instance_id),
    XML_F("instanceType", XML_STR, ec2_instance, instance_type),
    XML_F("imageId", XML_STR, ec2_instance, image_id),
    XML_F("privateIpAddress", XML_STR, ec2_instance, private_ip_address),
    XML_F("privateDnsName", XML_STR, ec2_instance, private_dns_name),
    XML_F("instanceState/name", XML_STR, ec2_instance, state_name),
    XML_F("launchTime", XML_TIME, ec2_instance, launch_time),
    XML_F("placement/availabilityZone", XML_STR, ec2_instance, availability_zone),
    XML_F("subnetId", XML_STR, ec2_instance, subnet_id),
    XML_F("vpcId", XML_STR, ec2_instance, vpc_id),
};

static const xml_field lt_version_rows[] = {
    XML_F("launchTemplateId", XML_STR, lt_version, launch_template_id),
    XML_F("launchTemplateName", XML_STR, lt_version, launch_template_name),
    XML_F("versionNumber", XML_LONG, lt_version, version_number),
    XML_F("versionDescription", XML_STR, lt_version, version_description),
    XML_F("createTime", XML_TIME, lt_version, create_time),
    XML_F("defaultVersion", XML_BOOL, lt_version, default_version),
    XML_F("launchTemplateData/imageId", XML_STR, lt_version, image_id),
};

typedef struct ec2_dec {
    void *list;
    char **next_token;
} ec2_dec;

static int take_token(ec2_dec *d, const char *path, const char *text)
{
    if (strcmp(path, "nextToken") != 0)
        return 0;
    if (d->next_token)
        str_set(d->next_token, *text ? text : NULL);
    return 1;
}

static int run_decode(const xml_handler *h, const char *body, size_t len, ec2_dec *d, aws_budget *budget,
                      aws_error *err)
{
    if (d->next_token)
        *d->next_token = NULL;
    int rc = xml_decode_budget(h, body, len, d, budget, err);
    if (rc != 0 && d->next_token) {
        free(*d->next_token);
        *d->next_token = NULL;
    }
    return rc;
}

#define INSTANCE_ITEM "reservationSet/item/instancesSet/item"

static int instances_start(void *ud, const char *path)
{
    ec2_instance_list *l = ((ec2_dec *)ud)->list;
    if (strcmp(path, INSTANCE_ITEM) == 0)
        (void)VEC_NEW(*l);
    return 0;
}

static int instances_end(void *ud, const char *path, const char *text)
{
    ec2_dec *d = ud;
    ec2_instance_list *l = d->list;
    if (take_token(d, path, text))
        return 0;
    const char *f = xml_under(path, INSTANCE_ITEM);
    if (!f || !*f || !l->n)
        return 0;
    return xml_fields_apply(instance_rows, ARRAY_LEN(instance_rows), &l->items[l->n - 1], f, text) < 0 ? -1 : 0;
}

int ec2_decode_instances(const char *body, size_t len, ec2_instance_list *out, char **next_token, aws_budget *budget,
                         aws_error *err)
{
    static const xml_handler h = { "ec2", "DescribeInstances", "DescribeInstancesResponse",
                                   NULL,  instances_start,     instances_end };
    ec2_dec d = { out, next_token };
    return run_decode(&h, body, len, &d, budget, err);
}

static int lt_versions_start(void *ud, const char *path)
{
    lt_version_list *l = ((ec2_dec *)ud)->list;
    if (strcmp(path, "launchTemplateVersionSet/item") == 0)
        (void)VEC_NEW(*l);
    return 0;
}

static int lt_versions_end(void *ud, const char *path, const char *text)
{
    ec2_dec *d = ud;
    lt_version_list *l = d->list;
    if (take_token(d, path, text))
        return 0;
    const char *f = xml_under(path, "launchTemplateVersionSet/item");
    if (!f || !*f || !l->n)
        return 0;
    return xml_fields_apply(lt_version_rows, ARRAY_LEN(lt_version_rows), &l->items[l->n - 1], f, text) < 0 ? -1 : 0;
}

int ec2_decode_lt_versions(const char *body, size_t len, lt_version_list *out, char **next_token, aws_budget *budget,
                           aws_error *err)
{
    static const xml_handler h = { "ec2",
                                   "DescribeLaunchTemplateVersions",
                                   "DescribeLaunchTemplateVersionsResponse",
                                   NULL,
                                   lt_versions_start,
                                   lt_versions_end };
    ec2_dec d = { out, next_token };
    return run_decode(&h, body, len, &d, budget, err);
}

/* ---------------- calls ---------------- */

typedef struct ec2_call {
    char *lt_id, *lt_name;
    ec2_instance_list instances;
    lt_version_list versions;
    ec2_instances_fn instances_done;
    ec2_lt_versions_fn versions_done;
    void *ud;
} ec2_call;

static void call_free(ec2_call *ec)
{
    free(ec->lt_id);
    free(ec->lt_name);
    free(ec);
}

static void instances_params(void *ud, strbuf *sb, size_t n_items)
{
    (void)ud;
    /* AWS refuses MaxResults together with instance ids. */
    if (!n_items)
        aws_query_param_int(sb, "MaxResults", EC2_MAX_RESULTS);
}

static int instances_parse(void *ud, const aws_response *r, char **next, aws_error *err)
{
    return ec2_decode_instances(r->body, r->body_len, &((ec2_call *)ud)->instances, next, r->budget, err);
}

static void instances_call_done(aws_client *c, const aws_error *err, void *ud)
{
    ec2_call *ec = ud;
    ec->instances_done(c, &ec->instances, err, ec->ud);
    call_free(ec);
}

/* ids NULL or empty: every instance of the region (like the other Describe calls);
 * callers with an empty group should not call at all. */
int svc_ec2_describe_instances(aws_client *c, const strvec *ids, ec2_instances_fn done, void *ud, aws_error *err)
{
    static const aws_query_paged_spec spec = { &AWS_SVC_EC2,    "DescribeInstances", "NextToken",
                                               "InstanceId.",   EC2_IDS_PER_CALL,    instances_params,
                                               instances_parse, instances_call_done };
    ec2_call *ec = xcalloc(1, sizeof(*ec));
    ec->instances_done = done;
    ec->ud = ud;
    if (aws_query_call_paged(c, &spec, ids, ec, err) != 0) {
        call_free(ec);
        return -1;
    }
    return 0;
}

static void lt_params(void *ud, strbuf *sb, size_t n_items)
{
    (void)n_items;
    ec2_call *ec = ud;
    if (ec->lt_id)
        aws_query_param(sb, "LaunchTemplateId", ec->lt_id);
    else if (ec->lt_name)
        aws_query_param(sb, "LaunchTemplateName", ec->lt_name);
    aws_query_param_int(sb, "MaxResults", EC2_LT_MAX_RESULTS);
}

static int lt_parse(void *ud, const aws_response *r, char **next, aws_error *err)
{
    return ec2_decode_lt_versions(r->body, r->body_len, &((ec2_call *)ud)->versions, next, r->budget, err);
}

static void lt_call_done(aws_client *c, const aws_error *err, void *ud)
{
    ec2_call *ec = ud;
    ec->versions_done(c, &ec->versions, err, ec->ud);
    call_free(ec);
}

int svc_ec2_describe_lt_versions(aws_client *c, const char *lt_id, const char *lt_name, ec2_lt_versions_fn done,
                                 void *ud, aws_error *err)
{
    static const aws_query_paged_spec spec = {
        &AWS_SVC_EC2, "DescribeLaunchTemplateVersions", "NextToken", NULL, 1, lt_params, lt_parse, lt_call_done
    };
    ec2_call *ec = xcalloc(1, sizeof(*ec));
    ec->lt_id = xstrdup(lt_id);
    ec->lt_name = xstrdup(lt_name);
    ec->versions_done = done;
    ec->ud = ud;
    if (aws_query_call_paged(c, &spec, NULL, ec, err) != 0) {
        call_free(ec);
        return -1;
    }
    return 0;
}
