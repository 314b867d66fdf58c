/* svc_elbv2.c — Elastic Load Balancing v2 (Query protocol, XML answers): target
 * groups, per-target health, load balancers, listeners and rules, decoded with
 * xml.h into model.h structs. Pages follow Marker / NextMarker. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "services/services.h"
#include "aws/xml.h"

#define ELB_PAGE_SIZE     400 /* PageSize ceiling */
#define ELB_ARNS_PER_CALL 20

/* ---------------- decoding ---------------- */

static const xml_field tg_rows[] = {
    XML_F("TargetGroupArn", XML_STR, target_group, target_group_arn),
    XML_F("TargetGroupName", XML_STR, target_group, target_group_name),
    XML_F("Protocol", XML_STR, target_group, protocol),
    XML_FH("Port", XML_INT, target_group, port, has_port),
    XML_F("VpcId", XML_STR, target_group, vpc_id),
    XML_F("HealthCheckProtocol", XML_STR, target_group, health_check_protocol),
    XML_F("HealthCheckPort", XML_STR, target_group, health_check_port),
    XML_F("HealthCheckPath", XML_STR, target_group, health_check_path),
    XML_F("HealthCheckEnabled", XML_BOOL, target_group, health_check_enabled),
    XML_F("HealthCheckIntervalSeconds", XML_INT, target_group, health_check_interval_seconds),
    XML_F("HealthCheckTimeoutSeconds", XML_INT, target_group, health_check_timeout_seconds),
    XML_F("HealthyThresholdCount", XML_INT, target_group, healthy_threshold_count),
    XML_F("UnhealthyThresholdCount", XML_INT, target_group, unhealthy_threshold_count),
    XML_F("Matcher/HttpCode", XML_STR, target_group, matcher_http_code),
    XML_F("LoadBalancerArns/member", XML_STRLIST, target_group, load_balancer_arns),
    XML_F("TargetType", XML_STR, target_group, target_type),
};

static const xml_field health_rows[] = {
    XML_F("Target/Id", XML_STR, target_health_desc, target_id),
    XML_FH("Target/Port", XML_INT, target_health_desc, port, has_port),
    XML_F("Target/AvailabilityZone", XML_STR, target_health_desc, target_availability_zone),
    XML_F("HealthCheckPort", XML_STR, target_health_desc, health_check_port),
    XML_F("TargetHealth/State", XML_STR, target_health_desc, state),
    XML_F("TargetHealth/Reason", XML_STR, target_health_desc, reason),
    XML_F("TargetHealth/Description", XML_STR, target_health_desc, description),
};

static const xml_field lb_rows[] = {
    XML_F("LoadBalancerArn", XML_STR, load_balancer, load_balancer_arn),
    XML_F("LoadBalancerName", XML_STR, load_balancer, load_balancer_name),
    XML_F("DNSName", XML_STR, load_balancer, dns_name),
    XML_F("Scheme", XML_STR, load_balancer, scheme),
    XML_F("VpcId", XML_STR, load_balancer, vpc_id),
    XML_F("Type", XML_STR, load_balancer, type),
    XML_F("State/Code", XML_STR, load_balancer, state_code),
    XML_F("CreatedTime", XML_TIME, load_balancer, created_time),
};

static const xml_field listener_rows[] = {
    XML_F("ListenerArn", XML_STR, lb_listener, listener_arn),
    XML_F("LoadBalancerArn", XML_STR, lb_listener, load_balancer_arn),
    XML_F("Protocol", XML_STR, lb_listener, protocol),
    XML_F("Port", XML_INT, lb_listener, port),
};

static const xml_field rule_rows[] = {
    XML_F("RuleArn", XML_STR, lb_rule, rule_arn),
    XML_F("Priority", XML_STR, lb_rule, priority),
    XML_F("IsDefault", XML_BOOL, lb_rule, is_default),
};

static const xml_field action_rows[] = {
    XML_F("Type", XML_STR, lb_action, type),
    XML_F("TargetGroupArn", XML_STR, lb_action, target_group_arn),
};

typedef struct elb_dec {
    void *list;
    char **next_marker;
    /* DescribeRules: the condition being read, summarized at its end. */
    char *cond_field, *cond_header;
    strvec cond_values, cond_config_values;
} elb_dec;

static void dec_done(elb_dec *d)
{
    free(d->cond_field);
    free(d->cond_header);
    strvec_free(&d->cond_values);
    strvec_free(&d->cond_config_values);
}

static int take_marker(elb_dec *d, const char *path, const char *text)
{
    if (strcmp(path, "NextMarker") != 0)
        return 0;
    if (d->next_marker)
        str_set(d->next_marker, *text ? text : NULL);
    return 1;
}

static int run_decode(const xml_handler *h, const char *body, size_t len, elb_dec *d, aws_budget *budget,
                      aws_error *err)
{
    if (d->next_marker)
        *d->next_marker = NULL;
    int rc = xml_decode_budget(h, body, len, d, budget, err);
    if (rc != 0 && d->next_marker) {
        free(*d->next_marker);
        *d->next_marker = NULL;
    }
    dec_done(d);
    return rc;
}

/* Start of "<List>/member" adds an item to a list of T. */
#define START_ITEM(T, listname)                                                                                        \
    static int T##_start(void *ud, const char *path)                                                                   \
    {                                                                                                                  \
        T##_list *l = ((elb_dec *)ud)->list;                                                                           \
        if (strcmp(path, listname "/member") == 0)                                                                     \
            (void)VEC_NEW(*l);                                                                                         \
        return 0;                                                                                                      \
    }
/* End of a leaf under "<List>/member/" goes through T's row table. */
#define END_ITEM(T, listname, rows)                                                                                    \
    static int T##_end(void *ud, const char *path, const char *text)                                                   \
    {                                                                                                                  \
        elb_dec *d = ud;                                                                                               \
        T##_list *l = d->list;                                                                                         \
        if (take_marker(d, path, text))                                                                                \
            return 0;                                                                                                  \
        const char *f = xml_under(path, listname "/member");                                                           \
        if (!f || !*f || !l->n)                                                                                        \
            return 0;                                                                                                  \
        return xml_fields_apply(rows, ARRAY_LEN(rows), &l->items[l->n - 1], f, text) < 0 ? -1 : 0;                     \
    }

typedef target_health_list target_health_desc_list;
START_ITEM(target_group, "TargetGroups")
END_ITEM(target_group, "TargetGroups", tg_rows)
START_ITEM(target_health_desc, "TargetHealthDescriptions")
END_ITEM(target_health_desc, "TargetHealthDescriptions", health_rows)
START_ITEM(load_balancer, "LoadBalancers")
END_ITEM(load_balancer, "LoadBalancers", lb_rows)

int elb_decode_target_groups(const char *body, size_t len, target_group_list *out, char **next_marker,
                             aws_budget *budget, aws_error *err)
{
    static const xml_handler h = { "elbv2",
                                   "DescribeTargetGroups",
                                   "DescribeTargetGroupsResponse",
                                   "DescribeTargetGroupsResult",
                                   target_group_start,
                                   target_group_end };
    elb_dec d = { .list = out, .next_marker = next_marker };
    return run_decode(&h, body, len, &d, budget, err);
}

int elb_decode_target_health(const char *body, size_t len, target_health_list *out, aws_error *err)
{
    static const xml_handler h = { "elbv2",
                                   "DescribeTargetHealth",
                                   "DescribeTargetHealthResponse",
                                   "DescribeTargetHealthResult",
                                   target_health_desc_start,
                                   target_health_desc_end };
    elb_dec d = { .list = out };
    return run_decode(&h, body, len, &d, NULL, err);
}

int elb_decode_load_balancers(const char *body, size_t len, load_balancer_list *out, char **next_marker,
                              aws_budget *budget, aws_error *err)
{
    static const xml_handler h = { "elbv2",
                                   "DescribeLoadBalancers",
                                   "DescribeLoadBalancersResponse",
                                   "DescribeLoadBalancersResult",
                                   load_balancer_start,
                                   load_balancer_end };
    elb_dec d = { .list = out, .next_marker = next_marker };
    return run_decode(&h, body, len, &d, budget, err);
}

/* Actions (listener DefaultActions, rule Actions); f is the path under the list. */
#define ACTION_START(vec, f)                                                                                           \
    do {                                                                                                               \
        if (strcmp((f), "member") == 0)                                                                                \
            (void)VEC_NEW(vec);                                                                                        \
        else if ((vec).n && strcmp((f), "member/ForwardConfig/TargetGroups/member") == 0)                              \
            (void)VEC_NEW((vec).items[(vec).n - 1].forward_groups);                                                    \
    } while (0)

static int action_end(lb_action *items, size_t n, const char *f, const char *text)
{
    const char *sub = xml_under(f, "member");
    if (!sub || !*sub || !n)
        return 0;
    lb_action *a = &items[n - 1];
    const char *tg = xml_under(sub, "ForwardConfig/TargetGroups/member");
    if (tg && *tg) {
        if (!a->forward_groups.n)
            return 0;
        /* model.h gives the forward group an anonymous struct type. */
        __typeof__(a->forward_groups.items[0]) *g = &a->forward_groups.items[a->forward_groups.n - 1];
        if (strcmp(tg, "TargetGroupArn") == 0) {
            str_set(&g->target_group_arn, text);
        } else if (strcmp(tg, "Weight") == 0) {
            if (!xml_parse_int(text, &g->weight))
                return -1;
            g->has_weight = true;
        }
        return 0;
    }
    return xml_fields_apply(action_rows, ARRAY_LEN(action_rows), a, sub, text) < 0 ? -1 : 0;
}

static int listener_start(void *ud, const char *path)
{
    lb_listener_list *l = ((elb_dec *)ud)->list;
    if (strcmp(path, "Listeners/member") == 0) {
        (void)VEC_NEW(*l);
        return 0;
    }
    const char *f = xml_under(path, "Listeners/member/DefaultActions");
    if (f && *f && l->n)
        ACTION_START(l->items[l->n - 1].default_actions, f);
    return 0;
}

static int listener_end(void *ud, const char *path, const char *text)
{
    elb_dec *d = ud;
    lb_listener_list *l = d->list;
    if (take_marker(d, path, text))
        return 0;
    const char *f = xml_under(path, "Listeners/member");
    if (!f || !*f || !l->n)
        return 0;
    lb_listener *li = &l->items[l->n - 1];
    const char *act = xml_under(f, "DefaultActions");
    if (act)
        return action_end(li->default_actions.items, li->default_actions.n, act, text);
    return xml_fields_apply(listener_rows, ARRAY_LEN(listener_rows), li, f, text) < 0 ? -1 : 0;
}

int elb_decode_listeners(const char *body, size_t len, lb_listener_list *out, char **next_marker, aws_budget *budget,
                         aws_error *err)
{
    static const xml_handler h = {
        "elbv2",        "DescribeListeners", "DescribeListenersResponse", "DescribeListenersResult",
        listener_start, listener_end
    };
    elb_dec d = { .list = out, .next_marker = next_marker };
    return run_decode(&h, body, len, &d, budget, err);
}

static int rule_start(void *ud, const char *path)
{
    elb_dec *d = ud;
    lb_rule_list *l = d->list;
    if (strcmp(path, "Rules/member") == 0) {
        (void)VEC_NEW(*l);
        return 0;
    }
    const char *f = xml_under(path, "Rules/member");
    if (!f || !l->n)
        return 0;
    const char *act = xml_under(f, "Actions");
    if (act && *act)
        ACTION_START(l->items[l->n - 1].actions, act);
    else if (strcmp(f, "Conditions/member") == 0) {
        str_set(&d->cond_field, NULL);
        str_set(&d->cond_header, NULL);
        strvec_free(&d->cond_values);
        strvec_free(&d->cond_config_values);
    }
    return 0;
}

/* "path-pattern=/api/x,/v2/y"; AWS repeats the values in the typed *Config, so the
 * plain Values list wins when both are present. */
static void condition_summary(elb_dec *d, lb_rule *r)
{
    strbuf sb;
    sb_init(&sb);
    sb_append(&sb, d->cond_field ? d->cond_field : "?");
    sb_appendc(&sb, '=');
    if (d->cond_header) {
        sb_append(&sb, d->cond_header);
        sb_appendc(&sb, ':');
    }
    const strvec *v = d->cond_values.n ? &d->cond_values : &d->cond_config_values;
    for (size_t i = 0; i < v->n; i++) {
        if (i)
            sb_appendc(&sb, ',');
        sb_append(&sb, v->items[i]);
    }
    VEC_PUSH(r->condition_summaries, sb.buf); /* the list owns it */
}

static int rule_end(void *ud, const char *path, const char *text)
{
    elb_dec *d = ud;
    lb_rule_list *l = d->list;
    if (take_marker(d, path, text))
        return 0;
    const char *f = xml_under(path, "Rules/member");
    if (!f || !*f || !l->n)
        return 0;
    lb_rule *r = &l->items[l->n - 1];
    const char *sub = xml_under(f, "Actions");
    if (sub)
        return action_end(r->actions.items, r->actions.n, sub, text);
    if ((sub = xml_under(f, "Conditions/member"))) {
        if (!*sub) {
            condition_summary(d, r);
        } else if (strcmp(sub, "Field") == 0) {
            str_set(&d->cond_field, text);
        } else if (strcmp(sub, "Values/member") == 0) {
            strvec_push(&d->cond_values, text);
        } else if (strcmp(sub, "HttpHeaderConfig/HttpHeaderName") == 0) {
            str_set(&d->cond_header, text);
        } else {
            /* HostHeaderConfig/Values/member, QueryStringConfig/Values/member/Value, ... */
            const char *slash = strchr(sub, '/');
            if (slash && (strcmp(slash, "/Values/member") == 0 || strcmp(slash, "/Values/member/Value") == 0))
                strvec_push(&d->cond_config_values, text);
        }
        return 0;
    }
    return xml_fields_apply(rule_rows, ARRAY_LEN(rule_rows), r, f, text) < 0 ? -1 : 0;
}

int elb_decode_rules(const char *body, size_t len, lb_rule_list *out, char **next_marker, aws_budget *budget,
                     aws_error *err)
{
    static const xml_handler h = { "elbv2",    "DescribeRules", "DescribeRulesResponse", "DescribeRulesResult",
                                   rule_start, rule_end };
    elb_dec d = { .list = out, .next_marker = next_marker };
    return run_decode(&h, body, len, &d, budget, err);
}

/* ---------------- calls ---------------- */

/* One context for every elbv2 call: the list being filled and the caller's callback. */
typedef struct elb_call {
    char *arn; /* LoadBalancerArn / ListenerArn / TargetGroupArn */
    const char *arn_param;
    union {
        target_group_list tgs;
        target_health_list health;
        load_balancer_list lbs;
        lb_listener_list listeners;
        lb_rule_list rules;
    } u;
    union {
        elb_tgs_fn tgs;
        elb_health_fn health;
        elb_lbs_fn lbs;
        elb_listeners_fn listeners;
        elb_rules_fn rules;
    } fn;
    void *ud;
} elb_call;

static elb_call *call_new(const char *arn_param, const char *arn, void *ud)
{
    elb_call *ec = xcalloc(1, sizeof(*ec));
    ec->arn_param = arn_param;
    ec->arn = xstrdup(arn);
    ec->ud = ud;
    return ec;
}

static void call_free(elb_call *ec)
{
    free(ec->arn);
    free(ec);
}

static void elb_params(void *ud, strbuf *sb, size_t n_items)
{
    elb_call *ec = ud;
    if (ec->arn_param && ec->arn)
        aws_query_param(sb, ec->arn_param, ec->arn);
    if (!n_items)
        aws_query_param_int(sb, "PageSize", ELB_PAGE_SIZE);
}

static int start_paged(aws_client *c, const aws_query_paged_spec *spec, const strvec *items, elb_call *ec,
                       aws_error *err)
{
    if (aws_query_call_paged(c, spec, items, ec, err) != 0) {
        call_free(ec);
        return -1;
    }
    return 0;
}

static int tgs_parse(void *ud, const aws_response *r, char **next, aws_error *err)
{
    return elb_decode_target_groups(r->body, r->body_len, &((elb_call *)ud)->u.tgs, next, r->budget, err);
}

static void tgs_done(aws_client *c, const aws_error *err, void *ud)
{
    elb_call *ec = ud;
    ec->fn.tgs(c, &ec->u.tgs, err, ec->ud);
    call_free(ec);
}

int svc_elb_describe_target_groups(aws_client *c, const strvec *arns, elb_tgs_fn done, void *ud, aws_error *err)
{
    static const aws_query_paged_spec spec = { &AWS_SVC_ELBV2,    "DescribeTargetGroups",
                                               "Marker",          "TargetGroupArns.member.",
                                               ELB_ARNS_PER_CALL, elb_params,
                                               tgs_parse,         tgs_done };
    elb_call *ec = call_new(NULL, NULL, ud);
    ec->fn.tgs = done;
    return start_paged(c, &spec, arns, ec, err);
}

static int lbs_parse(void *ud, const aws_response *r, char **next, aws_error *err)
{
    return elb_decode_load_balancers(r->body, r->body_len, &((elb_call *)ud)->u.lbs, next, r->budget, err);
}

static void lbs_done(aws_client *c, const aws_error *err, void *ud)
{
    elb_call *ec = ud;
    ec->fn.lbs(c, &ec->u.lbs, err, ec->ud);
    call_free(ec);
}

int svc_elb_describe_load_balancers(aws_client *c, const strvec *arns, elb_lbs_fn done, void *ud, aws_error *err)
{
    static const aws_query_paged_spec spec = { &AWS_SVC_ELBV2,    "DescribeLoadBalancers",
                                               "Marker",          "LoadBalancerArns.member.",
                                               ELB_ARNS_PER_CALL, elb_params,
                                               lbs_parse,         lbs_done };
    elb_call *ec = call_new(NULL, NULL, ud);
    ec->fn.lbs = done;
    return start_paged(c, &spec, arns, ec, err);
}

static int listeners_parse(void *ud, const aws_response *r, char **next, aws_error *err)
{
    return elb_decode_listeners(r->body, r->body_len, &((elb_call *)ud)->u.listeners, next, r->budget, err);
}

static void listeners_done(aws_client *c, const aws_error *err, void *ud)
{
    elb_call *ec = ud;
    ec->fn.listeners(c, &ec->u.listeners, err, ec->ud);
    call_free(ec);
}

int svc_elb_describe_listeners(aws_client *c, const char *lb_arn, elb_listeners_fn done, void *ud, aws_error *err)
{
    static const aws_query_paged_spec spec = { &AWS_SVC_ELBV2, "DescribeListeners", "Marker",      NULL, 1,
                                               elb_params,     listeners_parse,     listeners_done };
    elb_call *ec = call_new("LoadBalancerArn", lb_arn, ud);
    ec->fn.listeners = done;
    return start_paged(c, &spec, NULL, ec, err);
}

static int rules_parse(void *ud, const aws_response *r, char **next, aws_error *err)
{
    return elb_decode_rules(r->body, r->body_len, &((elb_call *)ud)->u.rules, next, r->budget, err);
}

static void rules_done(aws_client *c, const aws_error *err, void *ud)
{
    elb_call *ec = ud;
    ec->fn.rules(c, &ec->u.rules, err, ec->ud);
    call_free(ec);
}

int svc_elb_describe_rules(aws_client *c, const char *listener_arn, elb_rules_fn done, void *ud, aws_error *err)
{
    static const aws_query_paged_spec spec = { &AWS_SVC_ELBV2, "DescribeRules", "Marker",  NULL, 1,
                                               elb_params,     rules_parse,     rules_done };
    elb_call *ec = call_new("ListenerArn", listener_arn, ud);
    ec->fn.rules = done;
    return start_paged(c, &spec, NULL, ec, err);
}

/* DescribeTargetHealth has no pages: one plain call. */
typedef struct health_call {
    elb_call base;
    char *body; /* kept until the answer: the request points at it */
} health_call;

static void health_done(aws_client *c, const aws_response *resp, const aws_error *err, void *ud)
{
    health_call *hc = ud;
    aws_error derr;
    if (!err && elb_decode_target_health(resp->body, resp->body_len, &hc->base.u.health, &derr) != 0) {
        derr.http_status = (int)resp->http_status;
        str_copy(derr.request_id, sizeof(derr.request_id), resp->request_id ? resp->request_id : "");
        err = &derr;
    }
    hc->base.fn.health(c, &hc->base.u.health, err, hc->base.ud);
    free(hc->body);
    free(hc);
}

int svc_elb_describe_target_health(aws_client *c, const char *tg_arn, elb_health_fn done, void *ud, aws_error *err)
{
    health_call *hc = xcalloc(1, sizeof(*hc));
    hc->base.fn.health = done;
    hc->base.ud = ud;
    strbuf sb;
    sb_init(&sb);
    aws_query_param(&sb, "TargetGroupArn", tg_arn ? tg_arn : "");
    aws_request req = {
        .svc = &AWS_SVC_ELBV2, .operation = "DescribeTargetHealth", .body = sb.buf, .body_len = sb.len
    };
    hc->body = sb.buf;
    if (aws_call(c, &req, health_done, hc, err) != 0) {
        free(hc->body);
        free(hc);
        return -1;
    }
    return 0;
}
