/* fuzz_ecs.c — libFuzzer target for the ECS decoders (svc_ecs.c). The first byte
 * picks the decoder, the rest is the response body; an input starting with '{' (the
 * seeds in tests/fixtures/ecs) goes whole through every decoder. A task definition
 * that decodes is also copied into a RegisterTaskDefinition document, which must
 * parse again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/json_util.h"
#include "services/services_ecs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_DECODERS 8

static void copy_revision(const ecs_task_definition *td)
{
    ecs_image_override ov = { "web", "repo@sha256:0" };
    aws_error err = { 0 };
    size_t len = 0;
    char *doc = ecs_encode_register_copy(td, &ov, 1, &len, &err);
    if (!doc)
        return;
    json_object *again = ju_parse_object(doc, len, "ecs", "RegisterTaskDefinition", &err);
    if (!again)
        abort(); /* our own document must parse */
    json_object_put(again);
    free(doc);
}

static void decode(int which, const char *body, size_t len)
{
    aws_error err = { 0 };
    char *next = NULL;
    switch (which) {
    case 0: {
        strvec l = { 0 };
        ecs_decode_arns(body, len, "ListServices", "serviceArns", &l, &next, NULL, &err);
        strvec_free(&l);
        break;
    }
    case 1: {
        ecs_clusters_result r = { 0 };
        ecs_decode_clusters(body, len, &r, NULL, &err);
        ecs_clusters_result_free(&r);
        break;
    }
    case 2: {
        ecs_services_result r = { 0 };
        ecs_decode_services(body, len, &r, NULL, &err);
        ecs_services_result_free(&r);
        break;
    }
    case 3: {
        ecs_task_definition td = { 0 };
        if (ecs_decode_task_definition(body, len, "DescribeTaskDefinition", &td, &err) == 0)
            copy_revision(&td);
        ecs_task_definition_free(&td);
        break;
    }
    case 4: {
        ecs_tasks_result r = { 0 };
        if (ecs_decode_tasks(body, len, &r, NULL, &err) < 0 && r.tasks.n)
            abort(); /* nothing of a refused answer is kept */
        ecs_tasks_result_free(&r);
        break;
    }
    case 5: {
        ecs_service u = { 0 };
        ecs_decode_update_service(body, len, &u, &err);
        ecs_service_free(&u);
        break;
    }
    case 6: {
        ecs_service_deployment_brief_list l = { 0 };
        ecs_decode_service_deployment_briefs(body, len, &l, &next, NULL, &err);
        MODEL_LIST_FREE(l, ecs_service_deployment_brief_free);
        break;
    }
    default: {
        ecs_service_deployments_result r = { 0 };
        ecs_decode_service_deployments(body, len, &r, NULL, &err);
        ecs_service_deployments_result_free(&r);
        break;
    }
    }
    /* The error is always a valid C string. */
    if (memchr(err.code, '\0', sizeof(err.code)) == NULL || memchr(err.message, '\0', sizeof(err.message)) == NULL)
        abort();
    free(next);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] == '{') {
        for (int i = 0; i < N_DECODERS; i++)
            decode(i, (const char *)data, size);
        return 0;
    }
    decode(data[0] % N_DECODERS, (const char *)data + 1, size - 1);
    return 0;
}
