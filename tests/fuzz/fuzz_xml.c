/* fuzz_xml.c — libFuzzer target for every Query/XML decoder (autoscaling, elbv2,
 * ec2, sts). The first byte picks the decoder, the rest is the response body; an
 * input starting with '<' (a fixture from tests/fixtures/xml) goes whole to all.
 * Each decoder must return 0 or -1 without crashing, leaking or overreading, and on
 * -1 must leave a MalformedResponse error (or a limit's) and no next token. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "services/services.h"

#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (!(cond))                                                                                                   \
            abort();                                                                                                   \
    } while (0)

static void check(int rc, const aws_error *err, char *token)
{
    CHECK(rc == 0 || rc == -1);
    if (rc != 0) {
        CHECK(strcmp(err->code, "MalformedResponse") == 0 || strcmp(err->code, "TooManyItems") == 0 ||
              strcmp(err->code, "ResponseTooLarge") == 0);
        CHECK(memchr(err->message, '\0', sizeof(err->message)) != NULL);
        CHECK(token == NULL);
    }
    free(token);
}

/* Decode into a list, check, free. */
#define RUN_LIST(T, decode, item_free)                                                                                 \
    do {                                                                                                               \
        T l = { 0 };                                                                                                   \
        char *tok = NULL;                                                                                              \
        int rc = decode(body, len, &l, &tok, NULL, &err);                                                              \
        check(rc, &err, tok);                                                                                          \
        MODEL_LIST_FREE(l, item_free);                                                                                 \
    } while (0)

#define N_DECODERS 12

static void run_one(unsigned which, const char *body, size_t len)
{
    aws_error err;
    memset(&err, 0, sizeof(err));
    switch (which % N_DECODERS) {
    case 0:
        RUN_LIST(asg_group_list, asg_decode_describe_groups, asg_group_free);
        break;
    case 1:
        RUN_LIST(instance_refresh_list, asg_decode_describe_refreshes, instance_refresh_free);
        break;
    case 2:
        RUN_LIST(scaling_activity_list, asg_decode_describe_activities, scaling_activity_free);
        break;
    case 3: {
        char *id = NULL;
        int rc = asg_decode_refresh_id(body, len, &id, &err);
        CHECK(rc == 0 ? id != NULL : id == NULL);
        check(rc, &err, NULL);
        free(id);
        break;
    }
    case 4:
        RUN_LIST(target_group_list, elb_decode_target_groups, target_group_free);
        break;
    case 5: {
        target_health_list l = { 0 };
        check(elb_decode_target_health(body, len, &l, &err), &err, NULL);
        MODEL_LIST_FREE(l, target_health_desc_free);
        break;
    }
    case 6:
        RUN_LIST(load_balancer_list, elb_decode_load_balancers, load_balancer_free);
        break;
    case 7:
        RUN_LIST(lb_listener_list, elb_decode_listeners, lb_listener_free);
        break;
    case 8:
        RUN_LIST(lb_rule_list, elb_decode_rules, lb_rule_free);
        break;
    case 9:
        RUN_LIST(ec2_instance_list, ec2_decode_instances, ec2_instance_free);
        break;
    case 10:
        RUN_LIST(lt_version_list, ec2_decode_lt_versions, lt_version_free);
        break;
    default: {
        caller_identity id = { 0 };
        check(sts_decode_caller_identity(body, len, &id, &err), &err, NULL);
        caller_identity_free(&id);
        break;
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] == '<') {
        for (unsigned i = 0; i < N_DECODERS; i++)
            run_one(i, (const char *)data, size);
        return 0;
    }
    run_one(data[0], (const char *)data + 1, size - 1);
    return 0;
}
