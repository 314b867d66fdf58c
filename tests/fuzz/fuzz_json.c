/* fuzz_json.c — libFuzzer target for the JSON service decoders. The first byte picks
 * the decoder, the rest is the response body. Selector 6 checks instead that a
 * manifest survives PutImage's request document byte for byte (or, holding U+0000,
 * is refused). An input starting
 * with '{' (the seeds in tests/fixtures/json) goes whole through every decoder. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/json_util.h"
#include "services/services.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const char *m, size_t n)
{
    size_t len;
    char *body = ecr_encode_put_image("repo", m, n, NULL, "tag", NULL, &len);
    aws_error err = { 0 };
    json_object *doc = ju_parse_object(body, len, "ecr", "PutImage", &err);
    if (memchr(m, '\0', n)) {
        /* U+0000 in a string refuses the whole document, naming the member. */
        if (doc || strcmp(err.code, "MalformedResponse") != 0 || !strstr(err.message, "imageManifest"))
            abort();
        free(body);
        return;
    }
    if (!doc)
        abort(); /* our own document must parse */
    size_t got_len = 0;
    const char *got = ju_get_string(doc, "imageManifest", &got_len);
    if (!got || got_len != n || memcmp(got, m, n) != 0)
        abort();
    json_object_put(doc);
    free(body);
}

static void decode(int which, const char *body, size_t len)
{
    aws_error err = { 0 };
    char *next = NULL;
    switch (which) {
    case 0: {
        ecr_repository_list l = { 0 };
        ecr_decode_repositories(body, len, &l, &next, NULL, &err);
        MODEL_LIST_FREE(l, ecr_repository_free);
        break;
    }
    case 1: {
        ecr_image_detail_list l = { 0 };
        ecr_decode_images(body, len, &l, &next, NULL, &err);
        MODEL_LIST_FREE(l, ecr_image_detail_free);
        break;
    }
    case 2: {
        ecr_batch_get_result r = { 0 };
        ecr_decode_batch_get_image(body, len, &r, &err);
        for (size_t i = 0; i < r.images.n; i++) /* manifests are complete buffers */
            if (r.images.items[i].image_manifest &&
                r.images.items[i].image_manifest[r.images.items[i].image_manifest_len] != '\0')
                abort();
        ecr_batch_get_result_free(&r);
        break;
    }
    case 3: {
        ecr_image img = { 0 };
        ecr_decode_put_image(body, len, &img, &err);
        ecr_image_free(&img);
        break;
    }
    case 4: {
        ecr_batch_get_result r = { 0 };
        ecr_decode_batch_delete_image(body, len, &r, &err);
        ecr_batch_get_result_free(&r);
        break;
    }
    case 5: {
        cw_alarm_list l = { 0 };
        cw_decode_alarms(body, len, &l, &next, NULL, &err);
        MODEL_LIST_FREE(l, cw_alarm_free);
        break;
    }
    default:
        round_trip(body, len);
        break;
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
        for (int i = 0; i < 6; i++)
            decode(i, (const char *)data, size);
        return 0;
    }
    decode(data[0] % 7, (const char *)data + 1, size - 1);
    return 0;
}
