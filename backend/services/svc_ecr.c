/* svc_ecr.c — Amazon ECR over JSON 1.1: decoders for DescribeRepositories,
 * DescribeImages, BatchGetImage, PutImage and BatchDeleteImage answers (json-c),
 * their request documents, and the asynchronous typed calls of services.h.
 * Result ownership: the callback gets a pointer to a struct this module allocated;
 * the caller takes its contents (copy the struct, or free it with the *_free
 * function) and this module frees only the container after the callback returns. */
#include <stdlib.h>
#include <string.h>

#include "services/field_rules.h"
#include "aws/json_util.h"
#include "services/services.h"

#define ECR_PAGE_SIZE    1000 /* maxResults upper bound for both Describe calls */
#define ECR_IDS_PER_CALL 100  /* imageIds / repositoryNames bound per request */

static const char *const ecr_default_media_types[] = {
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
};

/* ---------------------------------------------------------------- decoding */

static json_object *ecr_parse(const char *body, size_t len, const char *op, aws_budget *budget, aws_error *err)
{
    return ju_parse_object_budget(body, len, AWS_SVC_ECR.id, op, budget, err);
}

/* A digest ECR answers with goes into later requests and printed commands: one that
 * is not sha256:<64 hex> makes the whole answer malformed, naming the member. */
static int check_digest(const char *digest, const char *op, const char *list, size_t i, const char *member,
                        aws_error *err)
{
    if (!digest || field_valid(FIELD_IMAGE_DIGEST, digest))
        return 0;
    if (err) {
        if (list)
            aws_error_set(err, 0, "MalformedResponse",
                          "%s: %s[%zu].%s is not a sha256 digest (sha256: and 64 "
                          "hexadecimal digits)",
                          op, list, i, member);
        else
            aws_error_set(err, 0, "MalformedResponse",
                          "%s: %s is not a sha256 digest (sha256: and 64 "
                          "hexadecimal digits)",
                          op, member);
        str_copy(err->operation, sizeof(err->operation), op);
        err->service = AWS_SVC_ECR.id;
    }
    return -1;
}

static void decode_repository(json_object *o, ecr_repository *r)
{
    r->repository_arn = ju_dup_string(o, "repositoryArn");
    r->registry_id = ju_dup_string(o, "registryId");
    r->repository_name = ju_dup_string(o, "repositoryName");
    r->repository_uri = ju_dup_string(o, "repositoryUri");
    r->created_at = ju_get_time(o, "createdAt");
    r->image_tag_mutability = ju_dup_string(o, "imageTagMutability");
    json_object *filters = ju_get_array(o, "imageTagMutabilityExclusionFilters");
    JU_FOR_EACH_OBJECT(filters, i, f) {
        char *s = ju_dup_string(f, "filter");
        if (s)
            VEC_PUSH(r->mutability_exclusion_filters, s);
    }
}

int ecr_decode_repositories(const char *body, size_t len, ecr_repository_list *out, char **next_token,
                            aws_budget *budget, aws_error *err)
{
    if (next_token)
        *next_token = NULL;
    json_object *root = ecr_parse(body, len, "DescribeRepositories", budget, err);
    if (!root)
        return -1;
    json_object *arr = ju_get_array(root, "repositories");
    JU_FOR_EACH_OBJECT(arr, i, o)
        decode_repository(o, VEC_NEW(*out));
    if (next_token)
        ju_get_token(root, "nextToken", next_token);
    json_object_put(root);
    return 0;
}

/* FindingSeverity, most severe first: the order the counts are kept and shown in. */
static int severity_rank(const char *sev)
{
    static const char *const order[] = { "CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNDEFINED" };
    for (size_t i = 0; i < ARRAY_LEN(order); i++)
        if (str_eq(sev, order[i]))
            return (int)i;
    return (int)ARRAY_LEN(order);
}

static int by_severity(const void *a, const void *b)
{
    const struct ecr_severity_count *x = a, *y = b;
    int d = severity_rank(x->severity) - severity_rank(y->severity);
    return d ? d : strcmp(x->severity, y->severity);
}

/* findingSeverityCounts is a map (severity -> count): non-negative integer values
 * only, a bounded number of them (the enum has six). */
static void decode_severity_counts(json_object *map, ecr_image_detail *d)
{
    if (!map)
        return;
    json_object_object_foreach(map, key, val) {
        (void)val;
        int n;
        if (d->finding_severity_counts.n >= 16 || !ju_get_int(map, key, &n) || n < 0)
            continue;
        struct ecr_severity_count *c = VEC_NEW(d->finding_severity_counts);
        c->severity = xstrdup(key);
        c->count = n;
    }
    if (d->finding_severity_counts.n > 1)
        qsort(d->finding_severity_counts.items, d->finding_severity_counts.n,
              sizeof d->finding_severity_counts.items[0], by_severity);
}

static void decode_image_detail(json_object *o, ecr_image_detail *d)
{
    d->registry_id = ju_dup_string(o, "registryId");
    d->repository_name = ju_dup_string(o, "repositoryName");
    d->image_digest = ju_dup_string(o, "imageDigest");
    ju_get_strvec(o, "imageTags", &d->image_tags);
    int64_t size;
    if (ju_get_int64(o, "imageSizeInBytes", &size) && size >= 0) {
        d->has_size = true;
        d->image_size_in_bytes = size;
    }
    d->image_pushed_at = ju_get_time(o, "imagePushedAt");
    d->image_manifest_media_type = ju_dup_string(o, "imageManifestMediaType");
    d->artifact_media_type = ju_dup_string(o, "artifactMediaType");
    d->last_recorded_pull_time = ju_get_time(o, "lastRecordedPullTime");
    d->image_status = ju_dup_string(o, "imageStatus");
    d->last_archived_at = ju_get_time(o, "lastArchivedAt");
    d->last_activated_at = ju_get_time(o, "lastActivatedAt");
    json_object *scan = ju_get_object(o, "imageScanStatus");
    d->scan_status = ju_dup_string(scan, "status");
    d->scan_status_description = ju_dup_string(scan, "description");
    json_object *summary = ju_get_object(o, "imageScanFindingsSummary");
    d->scan_completed_at = ju_get_time(summary, "imageScanCompletedAt");
    decode_severity_counts(ju_get_object(summary, "findingSeverityCounts"), d);
}

int ecr_decode_images(const char *body, size_t len, ecr_image_detail_list *out, char **next_token, aws_budget *budget,
                      aws_error *err)
{
    if (next_token)
        *next_token = NULL;
    json_object *root = ecr_parse(body, len, "DescribeImages", budget, err);
    if (!root)
        return -1;
    json_object *arr = ju_get_array(root, "imageDetails");
    size_t first = out->n;
    JU_FOR_EACH_OBJECT(arr, i, o)
        decode_image_detail(o, VEC_NEW(*out));
    if (next_token)
        ju_get_token(root, "nextToken", next_token);
    json_object_put(root);
    for (size_t k = first; k < out->n; k++)
        if (check_digest(out->items[k].image_digest, "DescribeImages", "imageDetails", k - first, "imageDigest", err) <
            0) {
            while (out->n > first) /* nothing of a malformed answer is kept */
                ecr_image_detail_free(&out->items[--out->n]);
            if (next_token) {
                free(*next_token);
                *next_token = NULL;
            }
            return -1;
        }
    return 0;
}

static void decode_image_id(json_object *o, char **digest, char **tag)
{
    json_object *id = ju_get_object(o, "imageId");
    *digest = ju_dup_string(id, "imageDigest");
    *tag = ju_dup_string(id, "imageTag");
}

static void decode_image(json_object *o, ecr_image *img)
{
    img->registry_id = ju_dup_string(o, "registryId");
    img->repository_name = ju_dup_string(o, "repositoryName");
    decode_image_id(o, &img->image_digest, &img->image_tag);
    /* Byte-exact: json-c's length, not strlen (an answer with U+0000 never gets here). */
    size_t n = 0;
    const char *m = ju_get_string(o, "imageManifest", &n);
    if (m) {
        img->image_manifest = xstrndup(m, n);
        img->image_manifest_len = n;
    }
    img->image_manifest_media_type = ju_dup_string(o, "imageManifestMediaType");
}

static void decode_failures(json_object *root, ecr_batch_get_result *out)
{
    json_object *arr = ju_get_array(root, "failures");
    JU_FOR_EACH_OBJECT(arr, i, o) {
        ecr_image_failure *f = VEC_NEW(out->failures);
        decode_image_id(o, &f->image_digest, &f->image_tag);
        f->failure_code = ju_dup_string(o, "failureCode");
        f->failure_reason = ju_dup_string(o, "failureReason");
    }
}

/* The digests of the images one answer added to out (from first on); a malformed one
 * drops everything the answer added. */
static int check_images(ecr_batch_get_result *out, size_t first, size_t first_failure, const char *op, const char *list,
                        const char *member, aws_error *err)
{
    for (size_t k = first; k < out->images.n; k++)
        if (check_digest(out->images.items[k].image_digest, op, list, k - first, member, err) < 0) {
            while (out->images.n > first)
                ecr_image_free(&out->images.items[--out->images.n]);
            while (out->failures.n > first_failure)
                ecr_image_failure_free(&out->failures.items[--out->failures.n]);
            return -1;
        }
    return 0;
}

int ecr_decode_batch_get_image(const char *body, size_t len, ecr_batch_get_result *out, aws_error *err)
{
    json_object *root = ecr_parse(body, len, "BatchGetImage", NULL, err);
    if (!root)
        return -1;
    json_object *arr = ju_get_array(root, "images");
    size_t first = out->images.n, first_failure = out->failures.n;
    JU_FOR_EACH_OBJECT(arr, i, o)
        decode_image(o, VEC_NEW(out->images));
    decode_failures(root, out);
    json_object_put(root);
    return check_images(out, first, first_failure, "BatchGetImage", "images", "imageId.imageDigest", err);
}

int ecr_decode_put_image(const char *body, size_t len, ecr_image *out, aws_error *err)
{
    json_object *root = ecr_parse(body, len, "PutImage", NULL, err);
    if (!root)
        return -1;
    /* The whole answer is the image: its absence is an error, not an empty result. */
    json_object *img = ju_get_object(root, "image");
    if (!img) {
        json_object_put(root);
        if (err) {
            aws_error_set(err, 0, "MalformedResponse", "PutImage: response has no image");
            str_copy(err->operation, sizeof(err->operation), "PutImage");
            err->service = AWS_SVC_ECR.id;
        }
        return -1;
    }
    decode_image(img, out);
    json_object_put(root);
    return check_digest(out->image_digest, "PutImage", NULL, 0, "image.imageId.imageDigest", err);
}

int ecr_decode_batch_delete_image(const char *body, size_t len, ecr_batch_get_result *out, aws_error *err)
{
    json_object *root = ecr_parse(body, len, "BatchDeleteImage", NULL, err);
    if (!root)
        return -1;
    json_object *arr = ju_get_array(root, "imageIds");
    size_t first = out->images.n, first_failure = out->failures.n;
    JU_FOR_EACH_OBJECT(arr, i, o) {
        ecr_image *img = VEC_NEW(out->images);
        img->image_digest = ju_dup_string(o, "imageDigest");
        img->image_tag = ju_dup_string(o, "imageTag");
    }
    decode_failures(root, out);
    json_object_put(root);
    return check_images(out, first, first_failure, "BatchDeleteImage", "imageIds", "imageDigest", err);
}

/* ---------------------------------------------------------------- requests */

static void add_image_ids(json_object *req, const ecr_image_id *ids, size_t n)
{
    json_object *arr = json_object_new_array_ext((int)n);
    for (size_t i = 0; i < n; i++) {
        json_object *id = json_object_new_object();
        ju_add_string(id, "imageDigest", ids[i].image_digest);
        ju_add_string(id, "imageTag", ids[i].image_tag);
        json_object_array_add(arr, id);
    }
    json_object_object_add(req, "imageIds", arr);
}

char *ecr_encode_describe_repositories(const char *const *names, size_t n_names, const char *next_token, size_t *len)
{
    json_object *req = json_object_new_object();
    ju_add_strings(req, "repositoryNames", names, n_names);
    /* AWS refuses maxResults/nextToken together with repositoryNames. */
    if (n_names == 0) {
        ju_add_string(req, "nextToken", next_token);
        ju_add_int(req, "maxResults", ECR_PAGE_SIZE);
    }
    return ju_finish(req, len);
}

char *ecr_encode_describe_images(const char *repo, const char *next_token, size_t *len)
{
    json_object *req = json_object_new_object();
    ju_add_string(req, "repositoryName", repo);
    ju_add_string(req, "nextToken", next_token);
    ju_add_int(req, "maxResults", ECR_PAGE_SIZE);
    return ju_finish(req, len);
}

char *ecr_encode_batch_get_image(const char *repo, const ecr_image_id *ids, size_t n_ids,
                                 const strvec *accepted_media_types, size_t *len)
{
    json_object *req = json_object_new_object();
    ju_add_string(req, "repositoryName", repo);
    add_image_ids(req, ids, n_ids);
    if (accepted_media_types && accepted_media_types->n)
        ju_add_strings(req, "acceptedMediaTypes", (const char *const *)accepted_media_types->items,
                       accepted_media_types->n);
    else
        ju_add_strings(req, "acceptedMediaTypes", ecr_default_media_types, ARRAY_LEN(ecr_default_media_types));
    return ju_finish(req, len);
}

char *ecr_encode_put_image(const char *repo, const char *manifest, size_t manifest_len, const char *media_type,
                           const char *tag, const char *digest, size_t *len)
{
    json_object *req = json_object_new_object();
    ju_add_string(req, "repositoryName", repo);
    /* json-c escapes what JSON requires and nothing else: the bytes survive unchanged. */
    ju_add_stringn(req, "imageManifest", manifest ? manifest : "", manifest ? manifest_len : 0);
    ju_add_string(req, "imageManifestMediaType", media_type);
    ju_add_string(req, "imageTag", tag);
    ju_add_string(req, "imageDigest", digest);
    return ju_finish(req, len);
}

char *ecr_encode_batch_delete_image(const char *repo, const ecr_image_id *ids, size_t n_ids, size_t *len)
{
    json_object *req = json_object_new_object();
    ju_add_string(req, "repositoryName", repo);
    add_image_ids(req, ids, n_ids);
    return ju_finish(req, len);
}

/* ---------------------------------------------------------------- calls */

/* Fill a local error for a decode failure with what the HTTP answer told us. */
static void decode_failed(aws_error *err, const aws_response *resp)
{
    err->http_status = (int)resp->http_status;
    str_copy(err->request_id, sizeof(err->request_id), resp->request_id ? resp->request_id : "");
}

static int check_ids(const char *op, const char *repo, size_t n_ids, aws_error *err)
{
    if (str_empty(repo) || n_ids == 0) {
        aws_error_set(err, 0, "InvalidParameter", "%s: a repository and at least one image id are needed", op);
        str_copy(err->operation, sizeof(err->operation), op);
        err->service = AWS_SVC_ECR.id;
        return -1;
    }
    return 0;
}

/* -- DescribeRepositories: pages, and chunks of 100 names when names are given
 *    (aws_call_chunked) -- */
typedef struct repos_ctx {
    ecr_repository_list result;
    ecr_repos_fn done;
    void *ud;
} repos_ctx;

static char *repos_body(void *ud, const char *const *names, size_t n_names, const char *next_token, size_t *len)
{
    (void)ud;
    return ecr_encode_describe_repositories(names, n_names, next_token, len);
}

static int repos_parse(void *ud, const aws_response *resp, char **next_token, aws_error *err)
{
    repos_ctx *x = ud;
    if (ecr_decode_repositories(resp->body, resp->body_len, &x->result, next_token, resp->budget, err) < 0) {
        decode_failed(err, resp);
        return -1;
    }
    return 0;
}

static void repos_done(aws_client *c, const aws_error *err, void *ud)
{
    repos_ctx *x = ud;
    x->done(c, &x->result, err, x->ud);
    free(x);
}

int svc_ecr_describe_repositories(aws_client *c, const strvec *names, ecr_repos_fn done, void *ud, aws_error *err)
{
    repos_ctx *x = xcalloc(1, sizeof(*x));
    x->done = done;
    x->ud = ud;
    if (aws_call_chunked(c, &AWS_SVC_ECR, "DescribeRepositories", names, ECR_IDS_PER_CALL, repos_body, repos_parse,
                         repos_done, x, err) < 0) {
        free(x);
        return -1;
    }
    return 0;
}

/* -- DescribeImages: every page of one repository -- */
typedef struct images_ctx {
    char *repo;
    ecr_image_detail_list result;
    ecr_images_fn done;
    void *ud;
} images_ctx;

static char *images_body(void *ud, const char *next_token, size_t *len)
{
    images_ctx *x = ud;
    return ecr_encode_describe_images(x->repo, next_token, len);
}

static int images_parse(void *ud, const aws_response *resp, char **next_token, aws_error *err)
{
    images_ctx *x = ud;
    if (ecr_decode_images(resp->body, resp->body_len, &x->result, next_token, resp->budget, err) < 0) {
        decode_failed(err, resp);
        return -1;
    }
    return 0;
}

static void images_done(aws_client *c, const aws_error *err, void *ud)
{
    images_ctx *x = ud;
    x->done(c, &x->result, err, x->ud);
    free(x->repo);
    free(x);
}

int svc_ecr_describe_images(aws_client *c, const char *repo, ecr_images_fn done, void *ud, aws_error *err)
{
    if (check_ids("DescribeImages", repo, 1, err) < 0)
        return -1;
    images_ctx *x = xcalloc(1, sizeof(*x));
    x->repo = xstrdup(repo);
    x->done = done;
    x->ud = ud;
    if (aws_call_paged(c, &AWS_SVC_ECR, "DescribeImages", images_body, images_parse, images_done, x, NULL, err) < 0) {
        free(x->repo);
        free(x);
        return -1;
    }
    return 0;
}

/* -- BatchGetImage / BatchDeleteImage: chunks of 100 ids, one call after another,
 *    merged into one result -- */
typedef struct batch_ctx {
    bool is_delete;
    char *repo;
    VEC(ecr_image_id) ids; /* strings owned */
    size_t next;           /* first id of the chunk to send next */
    strvec media_types;    /* BatchGetImage only; empty = defaults */
    ecr_batch_get_result result;
    ecr_batch_get_fn done;
    void *ud;
} batch_ctx;

static void batch_free(batch_ctx *x)
{
    for (size_t i = 0; i < x->ids.n; i++) {
        free((char *)x->ids.items[i].image_digest);
        free((char *)x->ids.items[i].image_tag);
    }
    VEC_FREE(x->ids);
    strvec_free(&x->media_types);
    free(x->repo);
    free(x);
}

static size_t chunk_len(size_t total, size_t start)
{
    size_t left = total - start;
    return left < ECR_IDS_PER_CALL ? left : ECR_IDS_PER_CALL;
}

static void batch_answer(aws_client *c, const aws_response *resp, const aws_error *err, void *ud);

static int batch_send(aws_client *c, batch_ctx *x, aws_error *err)
{
    size_t n = chunk_len(x->ids.n, x->next);
    const ecr_image_id *chunk = x->ids.items + x->next;
    aws_request req = { .svc = &AWS_SVC_ECR, .mutating = x->is_delete };
    char *body;
    if (x->is_delete) {
        req.operation = "BatchDeleteImage";
        body = ecr_encode_batch_delete_image(x->repo, chunk, n, &req.body_len);
    } else {
        req.operation = "BatchGetImage";
        body = ecr_encode_batch_get_image(x->repo, chunk, n, &x->media_types, &req.body_len);
    }
    req.body = body;
    x->next += n;
    int rc = aws_call(c, &req, batch_answer, x, err);
    free(body);
    return rc;
}

static void batch_answer(aws_client *c, const aws_response *resp, const aws_error *err, void *ud)
{
    batch_ctx *x = ud;
    aws_error e = { 0 };
    if (!err) {
        int rc = x->is_delete ? ecr_decode_batch_delete_image(resp->body, resp->body_len, &x->result, &e)
                              : ecr_decode_batch_get_image(resp->body, resp->body_len, &x->result, &e);
        if (rc < 0) {
            decode_failed(&e, resp);
            err = &e;
        } else if (x->next < x->ids.n) {
            if (batch_send(c, x, &e) == 0)
                return;
            err = &e;
        }
    }
    x->done(c, &x->result, err, x->ud);
    batch_free(x);
}

static int batch_start(aws_client *c, bool is_delete, const char *repo, const ecr_image_id *ids, size_t n_ids,
                       const strvec *media_types, ecr_batch_get_fn done, void *ud, aws_error *err)
{
    if (check_ids(is_delete ? "BatchDeleteImage" : "BatchGetImage", repo, n_ids, err) < 0)
        return -1;
    batch_ctx *x = xcalloc(1, sizeof(*x));
    x->is_delete = is_delete;
    x->repo = xstrdup(repo);
    for (size_t i = 0; i < n_ids; i++) {
        ecr_image_id id = { xstrdup(ids[i].image_digest), xstrdup(ids[i].image_tag) };
        VEC_PUSH(x->ids, id);
    }
    for (size_t i = 0; media_types && i < media_types->n; i++)
        strvec_push(&x->media_types, media_types->items[i]);
    x->done = done;
    x->ud = ud;
    if (batch_send(c, x, err) < 0) {
        batch_free(x);
        return -1;
    }
    return 0;
}

int svc_ecr_batch_get_image(aws_client *c, const char *repo, const ecr_image_id *ids, size_t n_ids,
                            const strvec *accepted_media_types, ecr_batch_get_fn done, void *ud, aws_error *err)
{
    return batch_start(c, false, repo, ids, n_ids, accepted_media_types, done, ud, err);
}

int svc_ecr_batch_delete_image(aws_client *c, const char *repo, const ecr_image_id *ids, size_t n_ids,
                               ecr_batch_get_fn done, void *ud, aws_error *err)
{
    return batch_start(c, true, repo, ids, n_ids, NULL, done, ud, err);
}

/* -- PutImage: one mutating call -- */
typedef struct put_ctx {
    ecr_image result;
    ecr_put_fn done;
    void *ud;
} put_ctx;

static void put_answer(aws_client *c, const aws_response *resp, const aws_error *err, void *ud)
{
    put_ctx *x = ud;
    aws_error e = { 0 };
    if (!err && ecr_decode_put_image(resp->body, resp->body_len, &x->result, &e) < 0) {
        decode_failed(&e, resp);
        err = &e;
    }
    if (err) {
        ecr_image_free(&x->result);
        x->done(c, NULL, err, x->ud);
    } else {
        x->done(c, &x->result, NULL, x->ud);
    }
    free(x);
}

int svc_ecr_put_image(aws_client *c, const char *repo, const char *manifest, size_t manifest_len,
                      const char *media_type, const char *tag, const char *digest, ecr_put_fn done, void *ud,
                      aws_error *err)
{
    if (check_ids("PutImage", repo, manifest ? 1 : 0, err) < 0)
        return -1;
    aws_request req = { .svc = &AWS_SVC_ECR, .operation = "PutImage", .mutating = true };
    char *body = ecr_encode_put_image(repo, manifest, manifest_len, media_type, tag, digest, &req.body_len);
    req.body = body;
    put_ctx *x = xcalloc(1, sizeof(*x));
    x->done = done;
    x->ud = ud;
    int rc = aws_call(c, &req, put_answer, x, err);
    free(body);
    if (rc < 0)
        free(x);
    return rc;
}
