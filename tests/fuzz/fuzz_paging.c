/* fuzz_paging.c — libFuzzer target for the paging rules with the decoders behind
 * them: a sequence of pages goes through aws_pages_take (bytes charged, the page
 * decoded with the call's budget, the token checked) as aws_call_paged feeds it.
 * Input: a selector byte (low 3 bits: which decoder; the rest: how many times the
 * last page is sent again, each time with a fresh token, as an endless server
 * would), then the pages separated by "\n\x1e". The call must end cleanly: a known
 * error or the last page, never more entries kept than the budget charged, never
 * past a limit of aws.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "services/services.h"

#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (!(cond))                                                                                                   \
            abort();                                                                                                   \
    } while (0)

static const char SEP[] = "\n\x1e";

typedef struct lists {
    unsigned which;
    bool fresh; /* make every token unique, as an endless server does */
    unsigned serial;
    asg_group_list groups;
    instance_refresh_list refreshes;
    target_group_list tgs;
    ec2_instance_list instances;
    ecr_image_detail_list images;
    ecr_repository_list repos;
    cw_alarm_list alarms;
} lists;

#define N_DECODERS 7

static int decode(lists *l, const aws_response *r, char **next, aws_error *err)
{
    switch (l->which) {
    case 0:
        return asg_decode_describe_groups(r->body, r->body_len, &l->groups, next, r->budget, err);
    case 1:
        return asg_decode_describe_refreshes(r->body, r->body_len, &l->refreshes, next, r->budget, err);
    case 2:
        return elb_decode_target_groups(r->body, r->body_len, &l->tgs, next, r->budget, err);
    case 3:
        return ec2_decode_instances(r->body, r->body_len, &l->instances, next, r->budget, err);
    case 4:
        return ecr_decode_images(r->body, r->body_len, &l->images, next, r->budget, err);
    case 5:
        return ecr_decode_repositories(r->body, r->body_len, &l->repos, next, r->budget, err);
    default:
        return cw_decode_alarms(r->body, r->body_len, &l->alarms, next, r->budget, err);
    }
}

static int parse(void *ud, const aws_response *r, char **next, aws_error *err)
{
    lists *l = ud;
    CHECK(r->budget != NULL);
    int rc = decode(l, r, next, err);
    if (rc == 0 && l->fresh && *next) {
        char *t = xasprintf("%s#%u", *next, l->serial++);
        free(*next);
        *next = t;
    }
    return rc;
}

static size_t kept(const lists *l)
{
    size_t n = l->groups.n + l->refreshes.n + l->tgs.n + l->instances.n + l->images.n + l->repos.n + l->alarms.n;
    for (size_t i = 0; i < l->groups.n; i++) {
        const asg_group *g = &l->groups.items[i];
        n += g->instances.n + g->tags.n + g->availability_zones.n + g->target_group_arns.n;
    }
    for (size_t i = 0; i < l->images.n; i++)
        n += l->images.items[i].image_tags.n;
    return n;
}

static bool known_code(const char *code)
{
    static const char *const codes[] = { "MalformedResponse", "TooManyItems", "ResponseTooLarge", "TooManyPages" };
    for (size_t i = 0; i < ARRAY_LEN(codes); i++)
        if (strcmp(code, codes[i]) == 0)
            return true;
    return false;
}

/* One page: a NUL-terminated copy, as the HTTP layer hands it over. */
static int take(aws_pages *ps, lists *l, const uint8_t *p, size_t n, char **next, aws_error *err)
{
    char *body = malloc(n + 1);
    CHECK(body != NULL);
    memcpy(body, p, n);
    body[n] = '\0';
    aws_response resp = { .http_status = 200, .body = body, .body_len = n, .request_id = "" };
    int rc = aws_pages_take(ps, &resp, parse, l, next, err);
    free(body);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const aws_service *const svcs[N_DECODERS] = { &AWS_SVC_AUTOSCALING, &AWS_SVC_AUTOSCALING, &AWS_SVC_ELBV2,
                                                         &AWS_SVC_EC2,         &AWS_SVC_ECR,         &AWS_SVC_ECR,
                                                         &AWS_SVC_CLOUDWATCH };
    lists l;
    memset(&l, 0, sizeof l);
    l.which = (data[0] & 7) % N_DECODERS;
    unsigned repeats = (unsigned)(data[0] >> 3) * 16; /* 0 .. 496 */
    l.fresh = repeats > 0;
    aws_pages ps;
    aws_pages_init(&ps, svcs[l.which], "Describe", NULL);
    const uint8_t *p = data + 1, *end = data + size, *last = p;
    size_t last_len = 0;
    int rc = 1;
    aws_error err;
    while (rc == 1) {
        char *next = NULL;
        if (p < end) {
            const uint8_t *sep = memmem(p, (size_t)(end - p), SEP, sizeof SEP - 1);
            size_t n = sep ? (size_t)(sep - p) : (size_t)(end - p);
            last = p;
            last_len = n;
            rc = take(&ps, &l, p, n, &next, &err);
            p = sep ? sep + sizeof SEP - 1 : end;
        } else if (repeats > 0) {
            repeats--;
            rc = take(&ps, &l, last, last_len, &next, &err);
        } else {
            rc = 0; /* the server stops answering: the call ends on what it has */
            break;
        }
        CHECK(rc >= -1 && rc <= 1);
        if (rc == 1)
            CHECK(next && *next);
        else
            CHECK(next == NULL);
        if (rc == -1) {
            CHECK(memchr(err.code, '\0', sizeof err.code) && memchr(err.message, '\0', sizeof err.message));
            CHECK(known_code(err.code));
            CHECK(strcmp(err.operation, "Describe") == 0);
        }
        free(next);
        CHECK(ps.budget->items <= AWS_MAX_CALL_ITEMS);
        CHECK(ps.budget->bytes <= AWS_MAX_CALL_BYTES);
        CHECK(ps.pages <= AWS_MAX_PAGES);
        CHECK(kept(&l) <= ps.budget->items); /* nothing kept that was not charged */
    }
    aws_pages_done(&ps);
    MODEL_LIST_FREE(l.groups, asg_group_free);
    MODEL_LIST_FREE(l.refreshes, instance_refresh_free);
    MODEL_LIST_FREE(l.tgs, target_group_free);
    MODEL_LIST_FREE(l.instances, ec2_instance_free);
    MODEL_LIST_FREE(l.images, ecr_image_detail_free);
    MODEL_LIST_FREE(l.repos, ecr_repository_free);
    MODEL_LIST_FREE(l.alarms, cw_alarm_free);
    return 0;
}
