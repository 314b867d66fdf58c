/* test_svc_ecr.c — ECR JSON 1.1: decoders against recorded-style answers in
 * tests/fixtures/json, hostile bodies (truncated, NULs, wrong types, deep nesting),
 * request documents compared with botocore's serializer, the manifest's
 * byte-exact round trip through PutImage, and the typed calls end to end against
 * the loopback server (pages, chunks of 100 ids, errors passed through). */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "aws/json_util.h"
#include "json_e2e.h"
#include "loopback_server.h"
#include "services/services.h"

/* Digests as ECR gives them (sha256: and 64 hex digits): the decoders refuse others. */
#define D_AA   "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define D_OK   "sha256:0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c"
#define D_LAST "sha256:1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a"
#define D_PUT  "sha256:9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f"

/* ---- fixtures: $TARMAC_TOP/tests/fixtures/json, else relative to this binary
 *      (build/<rel|san>/tests/test_svc_ecr) ---- */
static char *load_fixture(const char *name, size_t *len)
{
    return json_fixture("json", name, len);
}

static const char DOCKER_MANIFEST[] =
    "{\n   \"schemaVersion\": 2,\n   \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\",\n"
    "   \"config\": {\n      \"mediaType\": \"application/vnd.docker.container.image.v1+json\",\n"
    "      \"size\": 7023,\n"
    "      \"digest\": \"sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7\"\n   },\n"
    "   \"layers\": [\n      {\n         \"mediaType\": \"application/vnd.docker.image.rootfs.diff.tar.gzip\",\n"
    "         \"size\": 32654,\n"
    "         \"digest\": \"sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f\"\n"
    "      }\n   ]\n}";

/* ------------------------------------------------------------ decoders */

static void test_describe_repositories(void **state)
{
    (void)state;
    size_t len;
    char *body = load_fixture("ecr_describe_repositories.json", &len);
    ecr_repository_list repos = { 0 };
    char *next = NULL;
    aws_error err = { 0 };
    assert_int_equal(ecr_decode_repositories(body, len, &repos, &next, NULL, &err), 0);
    assert_int_equal(repos.n, 2);

    ecr_repository *r = &repos.items[0];
    assert_string_equal(r->repository_name, "shop/web");
    assert_string_equal(r->repository_arn, "arn:aws:ecr:eu-west-1:123456789012:repository/shop/web");
    assert_string_equal(r->registry_id, "123456789012");
    assert_string_equal(r->repository_uri, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web");
    assert_int_equal(r->created_at, INT64_C(1700000000123));
    assert_string_equal(r->image_tag_mutability, "IMMUTABLE_WITH_EXCLUSION");
    assert_int_equal(r->mutability_exclusion_filters.n, 2);
    assert_string_equal(r->mutability_exclusion_filters.items[0], "prod");
    assert_string_equal(r->mutability_exclusion_filters.items[1], "stable-*");

    r = &repos.items[1];
    assert_string_equal(r->repository_name, "shop/worker");
    assert_string_equal(r->image_tag_mutability, "MUTABLE");
    assert_int_equal(r->created_at, INT64_C(1616614700000));
    assert_int_equal(r->mutability_exclusion_filters.n, 0);

    assert_non_null(next);
    assert_string_equal(
        next, "ukD72mdD/mC8b5xV3susmJzzaTgp3hKwR9nRUW1yZZ4fL0Bnr8xQAzRWIwOJDWw2MNEsFQNRUyCLc5ND0Dqpd0hCXQBRwXQ=");
    free(next);
    MODEL_LIST_FREE(repos, ecr_repository_free);
    free(body);
}

static void test_describe_images(void **state)
{
    (void)state;
    size_t len;
    char *body = load_fixture("ecr_describe_images.json", &len);
    ecr_image_detail_list imgs = { 0 };
    char *next = NULL;
    aws_error err = { 0 };
    assert_int_equal(ecr_decode_images(body, len, &imgs, &next, NULL, &err), 0);
    assert_int_equal(imgs.n, 2);

    ecr_image_detail *d = &imgs.items[0];
    assert_string_equal(d->image_digest, "sha256:0f3bc2b1a6f4a0e5d1e26f3c5d7c7a9e9f1d4b1a2c3d4e5f60718293a4b5c6d7");
    assert_int_equal(d->image_tags.n, 3);
    assert_string_equal(d->image_tags.items[0], "prod");
    assert_string_equal(d->image_tags.items[1], "a1b2c3d");
    assert_string_equal(d->image_tags.items[2], "stable");
    assert_true(d->has_size);
    assert_true(d->image_size_in_bytes == INT64_C(5368709120123)); /* > 32 bits */
    assert_int_equal(d->image_pushed_at, INT64_C(1714564800123));
    assert_int_equal(d->last_recorded_pull_time, INT64_C(1714651200500));
    assert_string_equal(d->image_manifest_media_type, "application/vnd.docker.distribution.manifest.v2+json");
    assert_string_equal(d->artifact_media_type, "application/vnd.docker.container.image.v1+json");
    assert_string_equal(d->registry_id, "123456789012");
    assert_string_equal(d->repository_name, "shop/web");

    d = &imgs.items[1]; /* untagged */
    assert_int_equal(d->image_tags.n, 0);
    assert_true(d->has_size);
    assert_int_equal(d->image_size_in_bytes, 48123456);
    assert_int_equal(d->image_pushed_at, INT64_C(1714000000000));
    assert_int_equal(d->last_recorded_pull_time, 0);
    assert_string_equal(d->image_manifest_media_type, "application/vnd.oci.image.manifest.v1+json");

    assert_string_equal(next, "eyJlbmNyeXB0ZWREYXRhIjpbMTIsMzQsNTZdLCJ2ZXJzaW9uIjoxfQ==");
    free(next);

    /* A second page appends to the same list; no nextToken means the end. */
    const char page2[] = "{\"imageDetails\":[{\"imageDigest\":\"" D_AA "\",\"imageTags\":[\"x\"]}]}";
    assert_int_equal(ecr_decode_images(page2, sizeof(page2) - 1, &imgs, &next, NULL, &err), 0);
    assert_int_equal(imgs.n, 3);
    assert_string_equal(imgs.items[2].image_digest, D_AA);
    assert_null(next);
    MODEL_LIST_FREE(imgs, ecr_image_detail_free);
    free(body);
}

/* imageStatus (archive), its times, the scan status and the findings' counts
 * (findingSeverityCounts is a map: kept most severe first, bad values dropped). */
static void test_describe_images_archive_and_scan(void **state)
{
    (void)state;
    size_t len;
    char *body = load_fixture("ecr_describe_images_archive.json", &len);
    ecr_image_detail_list imgs = { 0 };
    aws_error err = { 0 };
    assert_int_equal(ecr_decode_images(body, len, &imgs, NULL, NULL, &err), 0);
    assert_int_equal(imgs.n, 3);

    ecr_image_detail *d = &imgs.items[0];
    assert_string_equal(d->image_status, "ARCHIVED");
    assert_int_equal(d->last_archived_at, INT64_C(1714000000250));
    assert_int_equal(d->last_activated_at, 0);
    assert_string_equal(d->scan_status, "IMAGE_ARCHIVED");
    assert_string_equal(d->scan_status_description, "The image is archived: scanning stopped.");
    assert_int_equal(d->scan_completed_at, 0);
    assert_int_equal(d->finding_severity_counts.n, 0);

    d = &imgs.items[1];
    assert_string_equal(d->image_status, "ACTIVE");
    assert_int_equal(d->last_activated_at, INT64_C(1714100000000));
    assert_string_equal(d->scan_status, "COMPLETE");
    assert_int_equal(d->scan_completed_at, INT64_C(1714565100500));
    assert_int_equal(d->finding_severity_counts.n, 3); /* "two" and -4 dropped */
    assert_string_equal(d->finding_severity_counts.items[0].severity, "CRITICAL");
    assert_int_equal(d->finding_severity_counts.items[0].count, 1);
    assert_string_equal(d->finding_severity_counts.items[1].severity, "MEDIUM");
    assert_int_equal(d->finding_severity_counts.items[1].count, 3);
    assert_string_equal(d->finding_severity_counts.items[2].severity, "LOW");
    assert_int_equal(d->finding_severity_counts.items[2].count, 7);

    d = &imgs.items[2]; /* wrong types: skipped */
    assert_string_equal(d->image_status, "ACTIVATING");
    assert_int_equal(d->last_archived_at, INT64_C(1710000000000));
    assert_null(d->scan_status);
    assert_null(d->scan_status_description);
    assert_int_equal(d->finding_severity_counts.n, 0);
    MODEL_LIST_FREE(imgs, ecr_image_detail_free);
    free(body);

    /* An answer without any of them (older APIs, emulators) leaves them unset. */
    body = load_fixture("ecr_describe_images.json", &len);
    assert_int_equal(ecr_decode_images(body, len, &imgs, NULL, NULL, &err), 0);
    assert_null(imgs.items[0].image_status);
    assert_string_equal(imgs.items[0].scan_status, "COMPLETE");
    assert_null(imgs.items[1].scan_status);
    MODEL_LIST_FREE(imgs, ecr_image_detail_free);
    free(body);

    /* A map of many severities is bounded. */
    strbuf sb;
    sb_init(&sb);
    sb_append(&sb,
              "{\"imageDetails\":[{\"imageDigest\":\"" D_AA "\",\"imageScanFindingsSummary\":"
              "{\"findingSeverityCounts\":{");
    for (int i = 0; i < 100; i++)
        sb_printf(&sb, "%s\"S%d\":%d", i ? "," : "", i, i);
    sb_append(&sb, "}}}]}");
    assert_int_equal(ecr_decode_images(sb.buf, sb.len, &imgs, NULL, NULL, &err), 0);
    assert_int_equal(imgs.items[0].finding_severity_counts.n, 16);
    MODEL_LIST_FREE(imgs, ecr_image_detail_free);
    sb_free(&sb);
}

static void test_batch_get_image(void **state)
{
    (void)state;
    size_t len;
    char *body = load_fixture("ecr_batch_get_image.json", &len);
    ecr_batch_get_result res = { 0 };
    aws_error err = { 0 };
    assert_int_equal(ecr_decode_batch_get_image(body, len, &res, &err), 0);
    assert_int_equal(res.images.n, 2);
    assert_int_equal(res.failures.n, 1);

    ecr_image *img = &res.images.items[0];
    assert_string_equal(img->image_tag, "prod");
    assert_string_equal(img->image_digest, "sha256:0f3bc2b1a6f4a0e5d1e26f3c5d7c7a9e9f1d4b1a2c3d4e5f60718293a4b5c6d7");
    assert_string_equal(img->image_manifest_media_type, "application/vnd.docker.distribution.manifest.v2+json");
    assert_int_equal(img->image_manifest_len, sizeof(DOCKER_MANIFEST) - 1);
    assert_memory_equal(img->image_manifest, DOCKER_MANIFEST, sizeof(DOCKER_MANIFEST) - 1);

    img = &res.images.items[1];
    assert_string_equal(img->image_tag, "multiarch-1.4.2");
    assert_string_equal(img->image_manifest_media_type, "application/vnd.oci.image.index.v1+json");
    /* Non-ASCII survives as UTF-8 bytes: café — 🚀 */
    assert_non_null(strstr(img->image_manifest, "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x9a\x80 build"));
    assert_int_equal(img->image_manifest_len, strlen(img->image_manifest));
    assert_true(img->image_manifest[0] == '{' && img->image_manifest[img->image_manifest_len - 1] == '}');

    ecr_image_failure *f = &res.failures.items[0];
    assert_string_equal(f->image_tag, "stable");
    assert_null(f->image_digest);
    assert_string_equal(f->failure_code, "ImageNotFound");
    assert_string_equal(f->failure_reason, "Requested image not found");
    ecr_batch_get_result_free(&res);
    free(body);
}

/* U+0000 would cut every C string short: an answer holding one is refused whole,
 * naming the member, whether it is in a manifest, a tag or a member name. */
static void test_manifest_with_nul(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        const char *member;
    } cases[] = {
        { "{\"images\":[{\"imageId\":{\"imageTag\":\"t\"},\"imageManifest\":\"a\\u0000b\\n\"}]}",
          "images[0].imageManifest holds U+0000" },
        { "{\"images\":[{\"imageId\":{\"imageTag\":\"prod\\u0000evil\"}}]}",
          "images[0].imageId.imageTag holds U+0000" },
        { "{\"images\":[{\"imageId\":{\"imageTag\\u0000\":\"prod\"}}]}", "a member name holds U+0000" },
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        ecr_batch_get_result res = { 0 };
        aws_error err = { 0 };
        assert_int_equal(ecr_decode_batch_get_image(cases[i].body, strlen(cases[i].body), &res, &err), -1);
        assert_string_equal(err.code, "MalformedResponse");
        assert_string_equal(err.operation, "BatchGetImage");
        assert_non_null(strstr(err.message, cases[i].member));
        assert_int_equal(res.images.n, 0);
        ecr_batch_get_result_free(&res);
    }
    /* An escaped backslash before "u0000" is text, not a NUL. */
    const char text[] = "{\"images\":[{\"imageId\":{\"imageTag\":\"t\"},\"imageManifest\":\"a\\\\u0000b\"}]}";
    ecr_batch_get_result res = { 0 };
    aws_error err = { 0 };
    assert_int_equal(ecr_decode_batch_get_image(text, sizeof(text) - 1, &res, &err), 0);
    assert_int_equal(res.images.n, 1);
    assert_string_equal(res.images.items[0].image_manifest, "a\\u0000b");
    ecr_batch_get_result_free(&res);
}

static void test_put_image_answer(void **state)
{
    (void)state;
    size_t len;
    char *body = load_fixture("ecr_put_image.json", &len);
    ecr_image img = { 0 };
    aws_error err = { 0 };
    assert_int_equal(ecr_decode_put_image(body, len, &img, &err), 0);
    assert_string_equal(img.image_tag, "prod");
    assert_string_equal(img.image_digest, "sha256:0f3bc2b1a6f4a0e5d1e26f3c5d7c7a9e9f1d4b1a2c3d4e5f60718293a4b5c6d7");
    assert_string_equal(img.registry_id, "123456789012");
    assert_string_equal(img.repository_name, "shop/web");
    const char want[] =
        "{\n   \"schemaVersion\": 2,\n   \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\"\n}";
    assert_int_equal(img.image_manifest_len, sizeof(want) - 1);
    assert_memory_equal(img.image_manifest, want, sizeof(want) - 1);
    ecr_image_free(&img);
    free(body);

    /* An answer without "image" is an error, not an empty image. */
    ecr_image none = { 0 };
    assert_int_equal(ecr_decode_put_image("{}", 2, &none, &err), -1);
    assert_string_equal(err.code, "MalformedResponse");
    assert_string_equal(err.operation, "PutImage");
    ecr_image_free(&none);
}

static void test_batch_delete_answer(void **state)
{
    (void)state;
    size_t len;
    char *body = load_fixture("ecr_batch_delete_image.json", &len);
    ecr_batch_get_result res = { 0 };
    aws_error err = { 0 };
    assert_int_equal(ecr_decode_batch_delete_image(body, len, &res, &err), 0);
    assert_int_equal(res.images.n, 1);
    assert_string_equal(res.images.items[0].image_tag, "old-build");
    assert_string_equal(res.images.items[0].image_digest,
                        "sha256:77e1b5c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0");
    assert_null(res.images.items[0].image_manifest);
    assert_int_equal(res.failures.n, 2);
    assert_string_equal(res.failures.items[0].failure_code, "ImageNotFound");
    assert_string_equal(res.failures.items[0].image_tag, "rc-0.9");
    assert_string_equal(res.failures.items[1].failure_code, "ImageReferencedByManifestList");
    assert_null(res.failures.items[1].image_tag);
    assert_non_null(res.failures.items[1].image_digest);
    ecr_batch_get_result_free(&res);
    free(body);
}

/* ------------------------------------------------------------ hostile input */

static void expect_malformed(const char *body, size_t len, const char *op)
{
    ecr_image_detail_list imgs = { 0 };
    char *next = (char *)"sentinel";
    aws_error err = { 0 };
    if (ecr_decode_images(body, len, &imgs, &next, NULL, &err) != -1)
        fail_msg("accepted: %.*s", (int)(len > 60 ? 60 : len), body);
    assert_null(next);
    assert_string_equal(err.code, "MalformedResponse");
    assert_string_equal(err.operation, op);
    assert_non_null(strstr(err.message, op));
    assert_string_equal(err.service, "ecr");
    MODEL_LIST_FREE(imgs, ecr_image_detail_free);
}

static void test_truncated_bodies(void **state)
{
    (void)state;
    size_t len;
    char *body = load_fixture("ecr_describe_images.json", &len);
    /* Every strict prefix of the object is an error (the object ends at the last '}'). */
    size_t end = len;
    while (end > 0 && body[end - 1] != '}')
        end--;
    for (size_t n = 0; n < end; n++)
        expect_malformed(body, n, "DescribeImages");
    free(body);
}

static void test_garbage_bodies(void **state)
{
    (void)state;
    expect_malformed("{\"imageDetails\":[]} x", 21, "DescribeImages"); /* trailing garbage */
    expect_malformed("{\"imageDetails\":[]}{}", 21, "DescribeImages"); /* two documents */
    expect_malformed("{\"imageDetails\":[]}\0", 20, "DescribeImages"); /* NUL after the object */
    expect_malformed("{\"a\":\"x\0y\"}", 11, "DescribeImages");        /* raw NUL in a string */
    expect_malformed("[1,2]", 5, "DescribeImages");                    /* not an object */
    expect_malformed("\"str\"", 5, "DescribeImages");
    expect_malformed("<html>502 Bad Gateway</html>", 28, "DescribeImages");
    expect_malformed("{\"a\":[1,]}", 10, "DescribeImages"); /* trailing comma */
    expect_malformed("", 0, "DescribeImages");
    /* Nesting beyond the depth limit. */
    strbuf sb;
    sb_init(&sb);
    sb_append(&sb, "{\"a\":");
    for (int i = 0; i < 5000; i++)
        sb_appendc(&sb, '[');
    expect_malformed(sb.buf, sb.len, "DescribeImages");
    sb_free(&sb);
    /* Whitespace after the object is fine. */
    ecr_image_detail_list imgs = { 0 };
    aws_error err = { 0 };
    assert_int_equal(ecr_decode_images("{\"imageDetails\":[]}\r\n ", 22, &imgs, NULL, NULL, &err), 0);
    assert_int_equal(imgs.n, 0);
    VEC_FREE(imgs);
}

/* An answer's shape is bounded before json-c builds it: objects and arrays, values,
 * and array elements charged to the call (one budget across pages). */
static void test_answer_shape_bounds(void **state)
{
    (void)state;
    strbuf sb;
    sb_init(&sb);
    ecr_image_detail_list imgs = { 0 };
    aws_error err = { 0 };
    /* The root and the array count too. */
    for (int over = 0; over <= 1; over++) {
        sb_reset(&sb);
        sb_append(&sb, "{\"imageDetails\":[{}");
        for (int i = 1; i < JU_MAX_CONTAINERS - 2 + over; i++)
            sb_append(&sb, ",{}");
        sb_append(&sb, "]}");
        int rc = ecr_decode_images(sb.buf, sb.len, &imgs, NULL, NULL, &err);
        if (over) {
            assert_int_equal(rc, -1);
            assert_string_equal(err.code, "ResponseTooLarge");
            assert_string_equal(err.operation, "DescribeImages");
            assert_non_null(strstr(err.message, "more than 100000 JSON objects and arrays"));
            assert_int_equal(imgs.n, 0);
        } else {
            assert_int_equal(rc, 0);
            assert_int_equal(imgs.n, JU_MAX_CONTAINERS - 2);
        }
        MODEL_LIST_FREE(imgs, ecr_image_detail_free);
    }
    /* Members of one object are values. */
    sb_reset(&sb);
    sb_append(&sb, "{\"nextToken\":\"t\"");
    for (int i = 0; i < JU_MAX_VALUES; i++)
        sb_printf(&sb, ",\"m%d\":1", i);
    sb_append(&sb, "}");
    assert_int_equal(ecr_decode_images(sb.buf, sb.len, &imgs, NULL, NULL, &err), -1);
    assert_string_equal(err.code, "ResponseTooLarge");
    assert_non_null(strstr(err.message, "more than 1000000 JSON values"));
    /* Brackets, commas and colons inside strings are text. */
    const char text[] = "{\"imageDetails\":[{\"repositoryName\":\"[{,:\\\"]}\",\"imageTags\":[\"a,b\",\"]\"]}]}";
    aws_budget b = { 0 };
    assert_int_equal(ecr_decode_images(text, sizeof text - 1, &imgs, NULL, &b, &err), 0);
    assert_int_equal(b.items, 3); /* one image, two tags */
    assert_string_equal(imgs.items[0].repository_name, "[{,:\"]}");
    MODEL_LIST_FREE(imgs, ecr_image_detail_free);

    /* Endless pages of 1000 images with a fresh token: the call's budget ends them. */
    sb_reset(&sb);
    sb_append(&sb, "{\"imageDetails\":[");
    for (int i = 0; i < 1000; i++)
        sb_printf(&sb, "%s{\"imageDigest\":\"sha256:%064d\"}", i ? "," : "", i);
    sb_append(&sb, "],\"nextToken\":\"more\"}");
    memset(&b, 0, sizeof b);
    int rc = 0, pages = 0;
    while (rc == 0 && pages < 1000) {
        char *next = NULL;
        rc = ecr_decode_images(sb.buf, sb.len, &imgs, &next, &b, &err);
        free(next);
        pages++;
    }
    assert_int_equal(rc, -1);
    assert_int_equal(pages, AWS_MAX_CALL_ITEMS / 1000 + 1);
    assert_string_equal(err.code, "TooManyItems");
    assert_string_equal(err.operation, "DescribeImages");
    assert_int_equal(imgs.n, AWS_MAX_CALL_ITEMS);
    MODEL_LIST_FREE(imgs, ecr_image_detail_free);
    sb_free(&sb);
}

/* "prod\u0000evil" must never be read as "prod": the answer is refused, naming where. */
static void test_nul_refuses_the_answer(void **state)
{
    (void)state;
    const char body[] = "{\"imageDetails\":[{\"imageDigest\":\"sha256:a\",\"imageTags\":[\"v1\"]},"
                        "{\"imageDigest\":\"sha256:b\",\"imageTags\":[\"stable\",\"prod\\u0000evil\"]}]}";
    ecr_image_detail_list imgs = { 0 };
    aws_error err = { 0 };
    char *next = NULL;
    assert_int_equal(ecr_decode_images(body, sizeof body - 1, &imgs, &next, NULL, &err), -1);
    assert_string_equal(err.code, "MalformedResponse");
    assert_string_equal(err.operation, "DescribeImages");
    assert_string_equal(err.message, "DescribeImages: imageDetails[1].imageTags[1] holds U+0000 (a NUL character)");
    assert_int_equal(imgs.n, 0);
    assert_null(next);
    /* Through the CloudWatch decoder the same. */
    const char alarms[] = "{\"MetricAlarms\":[{\"AlarmName\":\"web-5xx\\u0000x\"}]}";
    cw_alarm_list al = { 0 };
    assert_int_equal(cw_decode_alarms(alarms, sizeof alarms - 1, &al, NULL, NULL, &err), -1);
    assert_string_equal(err.code, "MalformedResponse");
    assert_non_null(strstr(err.message, "MetricAlarms[0].AlarmName holds U+0000"));
    assert_int_equal(al.n, 0);
}

static void test_wrong_types_are_skipped(void **state)
{
    (void)state;
    const char body[] = "{\"imageDetails\":[{\"imageDigest\":5,\"imageTags\":\"prod\",\"imageSizeInBytes\":\"12\","
                        "\"imagePushedAt\":\"yesterday\",\"lastRecordedPullTime\":-5,\"repositoryName\":{\"x\":1}},"
                        "7,\"x\",null,[],"
                        "{\"imageDigest\":\"" D_OK "\",\"imageTags\":[\"a\",1,null,\"b\"],\"imageSizeInBytes\":1.5,"
                        "\"imagePushedAt\":\"2024-05-01T12:00:00Z\"},"
                        "{\"imageSizeInBytes\":99999999999999999999999,\"imagePushedAt\":1e300}],"
                        "\"nextToken\":42}";
    ecr_image_detail_list imgs = { 0 };
    char *next = NULL;
    aws_error err = { 0 };
    assert_int_equal(ecr_decode_images(body, sizeof(body) - 1, &imgs, &next, NULL, &err), 0);
    assert_null(next);
    assert_int_equal(imgs.n, 3); /* non-objects skipped */
    ecr_image_detail *d = &imgs.items[0];
    assert_null(d->image_digest);
    assert_int_equal(d->image_tags.n, 0);
    assert_false(d->has_size);
    assert_int_equal(d->image_pushed_at, 0);
    assert_int_equal(d->last_recorded_pull_time, 0);
    assert_null(d->repository_name);
    d = &imgs.items[1];
    assert_string_equal(d->image_digest, D_OK);
    assert_int_equal(d->image_tags.n, 2);
    assert_string_equal(d->image_tags.items[1], "b");
    assert_false(d->has_size);                                    /* 1.5 bytes is not a size */
    assert_int_equal(d->image_pushed_at, INT64_C(1714564800000)); /* ISO string accepted */
    d = &imgs.items[2];
    assert_false(d->has_size); /* beyond int64 */
    assert_int_equal(d->image_pushed_at, 0);
    MODEL_LIST_FREE(imgs, ecr_image_detail_free);

    /* Wrong shapes at the top: the lists are simply absent. */
    ecr_batch_get_result res = { 0 };
    const char b2[] = "{\"images\":{\"a\":1},\"failures\":\"none\"}";
    assert_int_equal(ecr_decode_batch_get_image(b2, sizeof(b2) - 1, &res, &err), 0);
    assert_int_equal(res.images.n, 0);
    assert_int_equal(res.failures.n, 0);
    ecr_batch_get_result_free(&res);
}

/* ------------------------------------------------------------ requests */

/* Expected documents: botocore 1.43's JSON serializer for the same parameters
 * (botocore.serialize.create_serializer('json').serialize_to_request(...)). */
/* A digest goes into requests and printed commands: an answer carrying one that is not
 * sha256:<64 lower-case hex> is refused whole, naming the operation and the member. */
static void test_malformed_digests(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa --x $(touch pwned) ; touch pwned #",
        "sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* upper case */
        "sha256:aaaa",
        "sha512:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
        "",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        strbuf sb;
        sb_init(&sb);
        aws_error err = { 0 };
        sb_printf(&sb,
                  "{\"imageDetails\":[{\"imageDigest\":\"" D_AA "\"},{\"imageDigest\":\"%s\"}],"
                  "\"nextToken\":\"n2\"}",
                  bad[i]);
        ecr_image_detail_list imgs = { 0 };
        char *next = NULL;
        assert_int_equal(ecr_decode_images(sb.buf, sb.len, &imgs, &next, NULL, &err), -1);
        assert_int_equal(imgs.n, 0); /* nothing of the answer is kept */
        assert_null(next);
        assert_string_equal(err.code, "MalformedResponse");
        assert_string_equal(err.operation, "DescribeImages");
        assert_non_null(strstr(err.message, "imageDetails[1].imageDigest is not a sha256 digest"));
        MODEL_LIST_FREE(imgs, ecr_image_detail_free);

        sb_reset(&sb);
        memset(&err, 0, sizeof err);
        sb_printf(&sb, "{\"images\":[{\"imageId\":{\"imageDigest\":\"%s\"},\"imageManifest\":\"{}\"}]}", bad[i]);
        ecr_batch_get_result res = { 0 };
        assert_int_equal(ecr_decode_batch_get_image(sb.buf, sb.len, &res, &err), -1);
        assert_int_equal(res.images.n, 0);
        assert_string_equal(err.operation, "BatchGetImage");
        assert_non_null(strstr(err.message, "images[0].imageId.imageDigest"));
        ecr_batch_get_result_free(&res);

        sb_reset(&sb);
        memset(&err, 0, sizeof err);
        sb_printf(&sb, "{\"image\":{\"imageId\":{\"imageDigest\":\"%s\",\"imageTag\":\"prod\"}}}", bad[i]);
        ecr_image img = { 0 };
        assert_int_equal(ecr_decode_put_image(sb.buf, sb.len, &img, &err), -1);
        assert_string_equal(err.operation, "PutImage");
        assert_non_null(strstr(err.message, "PutImage: image.imageId.imageDigest is not"));
        ecr_image_free(&img);

        sb_reset(&sb);
        memset(&err, 0, sizeof err);
        sb_printf(&sb, "{\"imageIds\":[{\"imageDigest\":\"%s\",\"imageTag\":\"old\"}]}", bad[i]);
        memset(&res, 0, sizeof res);
        assert_int_equal(ecr_decode_batch_delete_image(sb.buf, sb.len, &res, &err), -1);
        assert_string_equal(err.operation, "BatchDeleteImage");
        ecr_batch_get_result_free(&res);
        sb_free(&sb);
    }
    /* No digest at all is no malformed digest (a tag-only id, a failure). */
    ecr_image_detail_list imgs = { 0 };
    aws_error err = { 0 };
    const char none[] = "{\"imageDetails\":[{\"imageTags\":[\"x\"]}]}";
    assert_int_equal(ecr_decode_images(none, sizeof none - 1, &imgs, NULL, NULL, &err), 0);
    MODEL_LIST_FREE(imgs, ecr_image_detail_free);
}

static void test_request_bodies(void **state)
{
    (void)state;
    size_t len;
    char *b = ecr_encode_describe_repositories(NULL, 0, "tok/+=", &len);
    assert_json_equal(b, len, "{\"nextToken\": \"tok/+=\", \"maxResults\": 1000}");
    free(b);

    const char *names[] = { "shop/web", "shop/worker" };
    b = ecr_encode_describe_repositories(names, 2, NULL, &len);
    assert_json_equal(b, len, "{\"repositoryNames\": [\"shop/web\", \"shop/worker\"]}");
    free(b);

    b = ecr_encode_describe_images("shop/web", "abc==", &len);
    assert_json_equal(b, len, "{\"repositoryName\": \"shop/web\", \"nextToken\": \"abc==\", \"maxResults\": 1000}");
    free(b);

    ecr_image_id ids[] = { { NULL, "prod" }, { "sha256:0f3b", NULL } };
    b = ecr_encode_batch_get_image("shop/web", ids, 2, NULL, &len);
    assert_json_equal(b, len,
                      "{\"repositoryName\": \"shop/web\", \"imageIds\": [{\"imageTag\": \"prod\"}, {\"imageDigest\": "
                      "\"sha256:0f3b\"}], "
                      "\"acceptedMediaTypes\": [\"application/vnd.docker.distribution.manifest.v2+json\", "
                      "\"application/vnd.docker.distribution.manifest.list.v2+json\", "
                      "\"application/vnd.oci.image.manifest.v1+json\", "
                      "\"application/vnd.oci.image.index.v1+json\"]}");
    free(b);

    strvec types = { 0 };
    strvec_push(&types, "application/vnd.oci.image.index.v1+json");
    b = ecr_encode_batch_get_image("shop/web", ids, 1, &types, &len);
    assert_json_equal(b, len,
                      "{\"repositoryName\": \"shop/web\", \"imageIds\": [{\"imageTag\": \"prod\"}], "
                      "\"acceptedMediaTypes\": [\"application/vnd.oci.image.index.v1+json\"]}");
    free(b);
    strvec_free(&types);

    const char manifest[] = "{\n \"a\": \"caf\xc3\xa9\xf0\x9f\x9a\x80\\/\"\t}";
    b = ecr_encode_put_image("shop/web", manifest, sizeof(manifest) - 1,
                             "application/vnd.docker.distribution.manifest.v2+json", "prod", "sha256:0f3b", &len);
    assert_json_equal(
        b, len,
        "{\"repositoryName\": \"shop/web\", \"imageManifest\": \"{\\n \\\"a\\\": "
        "\\\"caf\\u00e9\\ud83d\\ude80\\\\/\\\"\\t}\", "
        "\"imageManifestMediaType\": \"application/vnd.docker.distribution.manifest.v2+json\", \"imageTag\": \"prod\", "
        "\"imageDigest\": \"sha256:0f3b\"}");
    free(b);

    ecr_image_id del[] = { { NULL, "old" }, { "sha256:77e1", "x" } };
    b = ecr_encode_batch_delete_image("shop/web", del, 2, &len);
    assert_json_equal(b, len,
                      "{\"repositoryName\": \"shop/web\", \"imageIds\": [{\"imageTag\": \"old\"}, "
                      "{\"imageDigest\": \"sha256:77e1\", \"imageTag\": \"x\"}]}");
    free(b);
}

/* The manifest's bytes — whitespace, escapes, UTF-8, controls — come back
 * exactly from the JSON document PutImage sends. */
static void test_put_manifest_round_trip(void **state)
{
    (void)state;
    static const char manifest[] =
        "{\r\n\t\"schemaVersion\" :  2 ,\n  \"x\": \"\\\"quoted\\\" back\\\\slash / sl\\/ash\",\n"
        "  \"u\": \"\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x9a\x80 \\u00e9\", \"ctl\": \"\x01\x1b\x7f\"tail  \n}\n  ";
    size_t mlen = sizeof(manifest) - 1;
    size_t len;
    char *b = ecr_encode_put_image("shop/web", manifest, mlen, NULL, "prod", NULL, &len);
    /* No member for absent optional parameters. */
    assert_null(strstr(b, "imageDigest"));
    assert_null(strstr(b, "imageManifestMediaType"));
    aws_error err = { 0 };
    json_object *doc = ju_parse_object(b, len, "ecr", "PutImage", &err);
    assert_non_null(doc);
    size_t got_len = 0;
    const char *got = ju_get_string(doc, "imageManifest", &got_len);
    assert_non_null(got);
    assert_int_equal(got_len, mlen);
    assert_memory_equal(got, manifest, mlen);
    json_object_put(doc);

    /* And through the PutImage answer decoder the same way. */
    strbuf answer;
    sb_init(&answer);
    sb_append(&answer, "{\"image\":{\"imageId\":{\"imageTag\":\"prod\"},\"imageManifest\":");
    json_object *s = json_object_new_string_len(manifest, (int)mlen);
    sb_append(&answer, json_object_to_json_string_ext(s, JSON_C_TO_STRING_PLAIN));
    json_object_put(s);
    sb_append(&answer, "}}");
    ecr_image img = { 0 };
    assert_int_equal(ecr_decode_put_image(answer.buf, answer.len, &img, &err), 0);
    assert_int_equal(img.image_manifest_len, mlen);
    assert_memory_equal(img.image_manifest, manifest, mlen);
    ecr_image_free(&img);
    sb_free(&answer);
    free(b);
}

/* ------------------------------------------------------------ end to end
 * The typed calls through the real client core against the loopback server. */

/* Parses a recorded request body and checks its X-Amz-Target. */
static json_object *request_doc(e2e *f, size_t i, const char *op)
{
    return e2e_request_doc(f, i, "AmazonEC2ContainerRegistry_V20150921", op);
}

typedef struct got {
    int calls;
    bool failed;
    aws_error err;
    ecr_image_detail_list images;
    ecr_batch_get_result batch;
    ecr_image image;
    bool have_image;
} got;

static void note_err(got *g, const aws_error *err)
{
    g->calls++;
    if (err) {
        g->failed = true;
        g->err = *err;
    }
}

static void on_images(aws_client *c, ecr_image_detail_list *result, const aws_error *err, void *ud)
{
    (void)c;
    got *g = ud;
    note_err(g, err);
    g->images = *result; /* take ownership of the contents */
}

static void on_batch(aws_client *c, ecr_batch_get_result *result, const aws_error *err, void *ud)
{
    (void)c;
    got *g = ud;
    note_err(g, err);
    g->batch = *result;
}

static void on_put(aws_client *c, ecr_image *result, const aws_error *err, void *ud)
{
    (void)c;
    got *g = ud;
    note_err(g, err);
    if (result) {
        g->image = *result;
        g->have_image = true;
    }
}

static void got_free(got *g)
{
    MODEL_LIST_FREE(g->images, ecr_image_detail_free);
    ecr_batch_get_result_free(&g->batch);
    ecr_image_free(&g->image);
}

static void test_e2e_describe_images_pages(void **state)
{
    e2e *f = *state;
    size_t len;
    char *page1 = load_fixture("ecr_describe_images.json", &len);
    lb_push(f->srv, json_answer(200, page1));
    lb_push(f->srv, json_answer(200, "{\"imageDetails\":[{\"imageDigest\":\"" D_LAST "\",\"imageTags\":[\"v1\"]}]}"));
    free(page1);

    got g = { 0 };
    aws_error err = { 0 };
    assert_int_equal(svc_ecr_describe_images(f->c, "shop/web", on_images, &g, &err), 0);
    aws_client_run_until_idle(f->c);
    assert_int_equal(g.calls, 1);
    if (g.failed)
        fail_msg("%s: %s", g.err.code, g.err.message);
    assert_int_equal(g.images.n, 3);
    assert_string_equal(g.images.items[0].image_tags.items[0], "prod");
    assert_string_equal(g.images.items[2].image_digest, D_LAST);

    assert_int_equal(lb_request_count(f->srv), 2);
    json_object *d = request_doc(f, 0, "DescribeImages");
    assert_string_equal(ju_get_string(d, "repositoryName", NULL), "shop/web");
    assert_null(ju_get_string(d, "nextToken", NULL));
    int max = 0;
    assert_true(ju_get_int(d, "maxResults", &max));
    assert_int_equal(max, 1000);
    json_object_put(d);
    d = request_doc(f, 1, "DescribeImages");
    assert_string_equal(ju_get_string(d, "nextToken", NULL),
                        "eyJlbmNyeXB0ZWREYXRhIjpbMTIsMzQsNTZdLCJ2ZXJzaW9uIjoxfQ==");
    json_object_put(d);
    got_free(&g);
}

/* The server side of PutImage: answers 200 only when the manifest arrived byte-exact. */
static const char E2E_MANIFEST[] =
    "{\n\t\"schemaVersion\": 2,\r\n  \"annotations\": {\"t\": \"caf\xc3\xa9 \xf0\x9f\x9a\x80 \\\"q\\\" \\\\ /\"}  }\n";

static void put_handler(void *ud, const lb_request *req, lb_response *resp)
{
    (void)ud;
    aws_error err = { 0 };
    json_object *doc = ju_parse_object(req->body, req->body_len, "ecr", "PutImage", &err);
    size_t n = 0;
    const char *m = doc ? ju_get_string(doc, "imageManifest", &n) : NULL;
    bool exact = m && n == sizeof(E2E_MANIFEST) - 1 && memcmp(m, E2E_MANIFEST, n) == 0;
    json_object_put(doc);
    *resp = exact ? *json_answer(200,
                                 "{\"image\":{\"imageId\":{\"imageDigest\":\"" D_PUT "\",\"imageTag\":\"prod\"},"
                                 "\"repositoryName\":\"shop/web\",\"registryId\":\"123456789012\"}}")
                  : *json_answer(400, "{\"__type\":\"InvalidParameterException\",\"message\":\"manifest changed\"}");
}

static void test_e2e_put_image_exact(void **state)
{
    e2e *f = *state;
    lb_set_handler(f->srv, put_handler, NULL);
    got g = { 0 };
    aws_error err = { 0 };
    assert_int_equal(svc_ecr_put_image(f->c, "shop/web", E2E_MANIFEST, sizeof(E2E_MANIFEST) - 1,
                                       "application/vnd.docker.distribution.manifest.v2+json", "prod", D_PUT, on_put,
                                       &g, &err),
                     0);
    aws_client_run_until_idle(f->c);
    assert_int_equal(g.calls, 1);
    if (g.failed)
        fail_msg("%s: %s", g.err.code, g.err.message);
    assert_true(g.have_image);
    assert_string_equal(g.image.image_digest, D_PUT);
    assert_string_equal(g.image.image_tag, "prod");
    json_object *d = request_doc(f, 0, "PutImage");
    assert_string_equal(ju_get_string(d, "imageTag", NULL), "prod");
    assert_string_equal(ju_get_string(d, "imageDigest", NULL), D_PUT);
    assert_string_equal(ju_get_string(d, "imageManifestMediaType", NULL),
                        "application/vnd.docker.distribution.manifest.v2+json");
    json_object_put(d);
    got_free(&g);
}

static void test_e2e_put_image_errors(void **state)
{
    e2e *f = *state;
    /* A mutating call: the error passes through and the call is not resent. */
    lb_push(f->srv,
            json_answer(400,
                        "{\"__type\":\"ImageAlreadyExistsException\","
                        "\"message\":\"Image with digest 'sha256:x' and tag 'prod' already exists\"}"));
    got g = { 0 };
    aws_error err = { 0 };
    assert_int_equal(svc_ecr_put_image(f->c, "shop/web", "{}", 2, NULL, "prod", NULL, on_put, &g, &err), 0);
    aws_client_run_until_idle(f->c);
    assert_int_equal(g.calls, 1);
    assert_true(g.failed);
    assert_false(g.have_image);
    assert_string_equal(g.err.code, "ImageAlreadyExistsException");
    assert_int_equal(g.err.http_status, 400);
    assert_int_equal(lb_request_count(f->srv), 1);
    json_object *d = request_doc(f, 0, "PutImage");
    assert_null(ju_get_string(d, "imageDigest", NULL));
    assert_null(ju_get_string(d, "imageManifestMediaType", NULL));
    json_object_put(d);
    got_free(&g);

    /* A 200 whose body is not JSON: MalformedResponse naming the operation. */
    lb_reset(f->srv);
    lb_push(f->srv, json_answer(200, "{\"image\":{\"imageId\":"));
    got h = { 0 };
    assert_int_equal(svc_ecr_put_image(f->c, "shop/web", "{}", 2, NULL, "prod", NULL, on_put, &h, &err), 0);
    aws_client_run_until_idle(f->c);
    assert_int_equal(h.calls, 1);
    assert_true(h.failed);
    assert_string_equal(h.err.code, "MalformedResponse");
    assert_string_equal(h.err.operation, "PutImage");
    assert_int_equal(h.err.http_status, 200);
    assert_string_equal(h.err.request_id, "req-e2e");
    got_free(&h);
}

static void test_e2e_batch_get_chunks(void **state)
{
    e2e *f = *state;
    size_t len;
    char *body = load_fixture("ecr_batch_get_image.json", &len);
    lb_push(f->srv, json_answer(200, body));
    lb_push(f->srv,
            json_answer(200,
                        "{\"images\":[],\"failures\":[{\"imageId\":{\"imageTag\":\"t149\"},"
                        "\"failureCode\":\"ImageTagDoesNotMatchDigest\"}]}"));
    free(body);

    enum { N = 150 };
    ecr_image_id ids[N];
    char tags[N][16];
    for (int i = 0; i < N; i++) {
        snprintf(tags[i], sizeof(tags[i]), "t%d", i);
        ids[i] = (ecr_image_id){ NULL, tags[i] };
    }
    got g = { 0 };
    aws_error err = { 0 };
    assert_int_equal(svc_ecr_batch_get_image(f->c, "shop/web", ids, N, NULL, on_batch, &g, &err), 0);
    aws_client_run_until_idle(f->c);
    assert_int_equal(g.calls, 1);
    if (g.failed)
        fail_msg("%s: %s", g.err.code, g.err.message);
    assert_int_equal(g.batch.images.n, 2);
    assert_int_equal(g.batch.failures.n, 2); /* merged from both answers */
    assert_string_equal(g.batch.failures.items[1].failure_code, "ImageTagDoesNotMatchDigest");

    assert_int_equal(lb_request_count(f->srv), 2);
    for (size_t i = 0; i < 2; i++) {
        json_object *d = request_doc(f, i, "BatchGetImage");
        json_object *arr = ju_get_array(d, "imageIds");
        assert_non_null(arr);
        assert_int_equal(json_object_array_length(arr), i == 0 ? 100 : 50);
        json_object *first = json_object_array_get_idx(arr, 0);
        assert_string_equal(ju_get_string(first, "imageTag", NULL), i == 0 ? "t0" : "t100");
        strvec types = { 0 };
        ju_get_strvec(d, "acceptedMediaTypes", &types);
        assert_int_equal(types.n, 4);
        assert_true(strvec_contains(&types, "application/vnd.oci.image.index.v1+json"));
        assert_true(strvec_contains(&types, "application/vnd.docker.distribution.manifest.list.v2+json"));
        strvec_free(&types);
        json_object_put(d);
    }
    got_free(&g);

    /* No ids: refused at once, the callback is not called. */
    got none = { 0 };
    assert_int_equal(svc_ecr_batch_get_image(f->c, "shop/web", ids, 0, NULL, on_batch, &none, &err), -1);
    assert_int_equal(none.calls, 0);
}

static void test_e2e_batch_delete(void **state)
{
    e2e *f = *state;
    size_t len;
    char *body = load_fixture("ecr_batch_delete_image.json", &len);
    lb_push(f->srv, json_answer(200, body));
    free(body);
    ecr_image_id ids[] = { { NULL, "old-build" }, { NULL, "rc-0.9" } };
    got g = { 0 };
    aws_error err = { 0 };
    assert_int_equal(svc_ecr_batch_delete_image(f->c, "shop/web", ids, 2, on_batch, &g, &err), 0);
    aws_client_run_until_idle(f->c);
    assert_int_equal(g.calls, 1);
    assert_false(g.failed);
    assert_int_equal(g.batch.images.n, 1);
    assert_int_equal(g.batch.failures.n, 2);
    json_object *d = request_doc(f, 0, "BatchDeleteImage");
    assert_int_equal(json_object_array_length(ju_get_array(d, "imageIds")), 2);
    json_object_put(d);
    got_free(&g);

    /* RepositoryNotFoundException passes through with whatever was read (nothing). */
    lb_reset(f->srv);
    lb_push(f->srv,
            json_answer(400,
                        "{\"__type\":\"RepositoryNotFoundException\",\"message\":\"The repository "
                        "with name 'gone' does not exist\"}"));
    got h = { 0 };
    assert_int_equal(svc_ecr_batch_delete_image(f->c, "gone", ids, 2, on_batch, &h, &err), 0);
    aws_client_run_until_idle(f->c);
    assert_true(h.failed);
    assert_string_equal(h.err.code, "RepositoryNotFoundException");
    assert_int_equal(h.batch.images.n, 0);
    got_free(&h);
}

typedef struct repos_got {
    int calls;
    bool failed;
    ecr_repository_list repos;
} repos_got;

static void on_repos(aws_client *c, ecr_repository_list *result, const aws_error *err, void *ud)
{
    (void)c;
    repos_got *g = ud;
    g->calls++;
    g->failed = err != NULL;
    g->repos = *result;
}

static void test_e2e_describe_repositories(void **state)
{
    e2e *f = *state;
    size_t len;
    char *body = load_fixture("ecr_describe_repositories.json", &len);
    lb_push(f->srv, json_answer(200, body));
    lb_push(f->srv, json_answer(200, "{\"repositories\":[]}"));
    free(body);
    repos_got g = { 0 };
    aws_error err = { 0 };
    assert_int_equal(svc_ecr_describe_repositories(f->c, NULL, on_repos, &g, &err), 0);
    aws_client_run_until_idle(f->c);
    assert_int_equal(g.calls, 1);
    assert_false(g.failed);
    assert_int_equal(g.repos.n, 2);
    assert_int_equal(lb_request_count(f->srv), 2);
    MODEL_LIST_FREE(g.repos, ecr_repository_free);

    /* 250 names: three requests of 100, 100 and 50 names, no maxResults with names. */
    lb_reset(f->srv);
    strvec names = { 0 };
    for (int i = 0; i < 250; i++) {
        char n[24];
        snprintf(n, sizeof(n), "repo-%d", i);
        strvec_push(&names, n);
    }
    lb_set_default(f->srv, json_answer(200, "{\"repositories\":[{\"repositoryName\":\"r\"}]}"));
    repos_got h = { 0 };
    assert_int_equal(svc_ecr_describe_repositories(f->c, &names, on_repos, &h, &err), 0);
    aws_client_run_until_idle(f->c);
    assert_int_equal(h.calls, 1);
    assert_false(h.failed);
    assert_int_equal(h.repos.n, 3);
    assert_int_equal(lb_request_count(f->srv), 3);
    json_object *d = request_doc(f, 2, "DescribeRepositories");
    json_object *arr = ju_get_array(d, "repositoryNames");
    assert_int_equal(json_object_array_length(arr), 50);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(arr, 0)), "repo-200");
    assert_null(json_object_object_get(d, "maxResults"));
    json_object_put(d);
    MODEL_LIST_FREE(h.repos, ecr_repository_free);
    strvec_free(&names);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_describe_repositories),
        cmocka_unit_test(test_describe_images),
        cmocka_unit_test(test_describe_images_archive_and_scan),
        cmocka_unit_test(test_batch_get_image),
        cmocka_unit_test(test_manifest_with_nul),
        cmocka_unit_test(test_put_image_answer),
        cmocka_unit_test(test_batch_delete_answer),
        cmocka_unit_test(test_truncated_bodies),
        cmocka_unit_test(test_garbage_bodies),
        cmocka_unit_test(test_answer_shape_bounds),
        cmocka_unit_test(test_nul_refuses_the_answer),
        cmocka_unit_test(test_wrong_types_are_skipped),
        cmocka_unit_test(test_malformed_digests),
        cmocka_unit_test(test_request_bodies),
        cmocka_unit_test(test_put_manifest_round_trip),
        cmocka_unit_test_setup_teardown(test_e2e_describe_images_pages, e2e_setup, e2e_teardown),
        cmocka_unit_test_setup_teardown(test_e2e_put_image_exact, e2e_setup, e2e_teardown),
        cmocka_unit_test_setup_teardown(test_e2e_put_image_errors, e2e_setup, e2e_teardown),
        cmocka_unit_test_setup_teardown(test_e2e_batch_get_chunks, e2e_setup, e2e_teardown),
        cmocka_unit_test_setup_teardown(test_e2e_batch_delete, e2e_setup, e2e_teardown),
        cmocka_unit_test_setup_teardown(test_e2e_describe_repositories, e2e_setup, e2e_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
