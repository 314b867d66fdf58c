/* world_ecr.c — ECR as it behaves: a digest is the sha256 of the manifest bytes, a
 * PutImage moves a tag (subject to tag immutability and its exclusion filters),
 * manifests are Docker v2, OCI, manifest lists or image indexes, and each instance
 * launch pulls its app's live tag. Scenario images get generated, seed-stable manifests. */
#include "world_int.h"

#include <fnmatch.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>

#include "aws/sigv4.h"

#define MT_DOCKER_V1     "application/vnd.docker.distribution.manifest.v1+json"
#define MT_DOCKER_V1S    "application/vnd.docker.distribution.manifest.v1+prettyjws"
#define MT_DOCKER_V2     "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST   "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_OCI           "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX     "application/vnd.oci.image.index.v1+json"
#define ECR_MAX_MANIFEST (4u << 20)
#define ECR_MAX_TAG      300

static bool known_media_type(const char *mt)
{
    static const char *const all[] = {
        MT_DOCKER_V1, MT_DOCKER_V1S, MT_DOCKER_V2, MT_DOCKER_LIST, MT_OCI, MT_OCI_INDEX
    };
    for (size_t i = 0; i < ARRAY_LEN(all); i++)
        if (str_eq(all[i], mt))
            return true;
    return false;
}

static bool is_list_type(const char *mt)
{
    return str_eq(mt, MT_DOCKER_LIST) || str_eq(mt, MT_OCI_INDEX);
}

static void digest_of(const char *data, size_t len, char out[72])
{
    char hex[65];
    sigv4_sha256_hex(data, len, hex);
    snprintf(out, 72, "sha256:%s", hex);
}

/* ---------- repositories and images ---------- */

static int repo_index(const sim_world *w, const char *name)
{
    for (size_t i = 0; name && i < w->repos.n; i++)
        if (str_eq(w->repos.items[i].name, name))
            return (int)i;
    return -1;
}

static int image_by_digest(const w_repo *r, const char *digest)
{
    for (size_t i = 0; digest && i < r->images.n; i++)
        if (str_eq(r->images.items[i].digest, digest))
            return (int)i;
    return -1;
}

static int image_by_tag(const w_repo *r, const char *tag)
{
    for (size_t i = 0; tag && i < r->images.n; i++)
        if (strvec_contains(&r->images.items[i].tags, tag))
            return (int)i;
    return -1;
}

static void strvec_remove(strvec *v, const char *s)
{
    for (size_t i = 0; i < v->n; i++)
        if (str_eq(v->items[i], s)) {
            free(v->items[i]);
            memmove(&v->items[i], &v->items[i + 1], (v->n - i - 1) * sizeof *v->items);
            v->n--;
            return;
        }
}

static void image_free(w_image *im)
{
    free(im->digest);
    free(im->manifest);
    free(im->media_type);
    free(im->artifact_media_type);
    strvec_free(&im->tags);
}

static void image_remove(w_repo *r, int idx)
{
    image_free(&r->images.items[idx]);
    memmove(&r->images.items[idx], &r->images.items[idx + 1], (r->images.n - (size_t)idx - 1) * sizeof(w_image));
    r->images.n--;
}

/* Facts read from a manifest: its mediaType, config mediaType and layer sizes. */
typedef struct manifest_facts {
    char media_type[128];
    char config_type[128];
    bool has_size;
    int64_t size;
    bool has_layers, has_manifests;
    bool explicit_type; /* the manifest itself named its mediaType */
    int schema_version;
} manifest_facts;

static bool manifest_parse(const char *data, size_t len, manifest_facts *f)
{
    memset(f, 0, sizeof *f);
    if (len == 0 || len > ECR_MAX_MANIFEST || len > INT32_MAX)
        return false;
    json_tokener *tok = json_tokener_new();
    json_object *root = json_tokener_parse_ex(tok, data, (int)len);
    bool ok =
        root && json_tokener_get_error(tok) == json_tokener_success && json_object_is_type(root, json_type_object);
    json_tokener_free(tok);
    if (ok) {
        json_object *v;
        if (json_object_object_get_ex(root, "schemaVersion", &v))
            f->schema_version = json_object_get_int(v);
        if (json_object_object_get_ex(root, "mediaType", &v) && json_object_is_type(v, json_type_string)) {
            str_copy(f->media_type, sizeof f->media_type, json_object_get_string(v));
            f->explicit_type = true;
        }
        if (json_object_object_get_ex(root, "config", &v) && json_object_is_type(v, json_type_object)) {
            json_object *ct;
            if (json_object_object_get_ex(v, "mediaType", &ct) && json_object_is_type(ct, json_type_string))
                str_copy(f->config_type, sizeof f->config_type, json_object_get_string(ct));
        }
        if (json_object_object_get_ex(root, "layers", &v) && json_object_is_type(v, json_type_array)) {
            f->has_layers = f->has_size = true;
            for (size_t i = 0; i < json_object_array_length(v); i++) {
                json_object *l = json_object_array_get_idx(v, i), *sz;
                if (json_object_object_get_ex(l, "size", &sz)) {
                    int64_t n = json_object_get_int64(sz);
                    if (n > 0 && f->size < INT64_MAX - n)
                        f->size += n;
                }
            }
        }
        if (json_object_object_get_ex(root, "manifests", &v) && json_object_is_type(v, json_type_array))
            f->has_manifests = true;
        if (!f->media_type[0]) { /* infer what Docker would have sent */
            if (f->has_manifests)
                str_copy(f->media_type, sizeof f->media_type, MT_OCI_INDEX);
            else if (f->schema_version == 1)
                str_copy(f->media_type, sizeof f->media_type, MT_DOCKER_V1);
            else if (!strncmp(f->config_type, "application/vnd.oci.", 20))
                str_copy(f->media_type, sizeof f->media_type, MT_OCI);
            else
                str_copy(f->media_type, sizeof f->media_type, MT_DOCKER_V2);
        }
    }
    json_object_put(root);
    return ok;
}

/* A seed-stable manifest for a scenario image: digests of the config and layers are
 * hashes of "repo/seed/part", so the image's digest is the same on every run. */
static char *make_manifest(const char *repo, const char *seed, const sc_image *si, size_t *len)
{
    const char *mt = si->media_type ? si->media_type : MT_DOCKER_V2;
    strbuf sb;
    sb_init(&sb);
    char part[256], d[72];
    if (is_list_type(mt)) {
        bool oci = str_eq(mt, MT_OCI_INDEX);
        sb_printf(&sb, "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":[", mt);
        static const char *const arch[] = { "amd64", "arm64" };
        for (size_t i = 0; i < ARRAY_LEN(arch); i++) {
            snprintf(part, sizeof part, "%s/%s/%s", repo, seed, arch[i]);
            digest_of(part, strlen(part), d);
            sb_printf(&sb,
                      "%s{\"mediaType\":\"%s\",\"size\":%d,\"digest\":\"%s\",\"platform\":{\"architecture\":\"%s\","
                      "\"os\":\"linux\"}}",
                      i ? "," : "", oci ? MT_OCI : MT_DOCKER_V2, 1000 + (int)i * 17, d, arch[i]);
        }
        sb_append(&sb, "]}");
    } else {
        bool oci = str_eq(mt, MT_OCI);
        snprintf(part, sizeof part, "%s/%s/config", repo, seed);
        digest_of(part, strlen(part), d);
        sb_printf(
            &sb,
            "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":\"%s\",\"size\":1469,\"digest\":\"%"
            "s\"},\"layers\":[",
            mt, oci ? "application/vnd.oci.image.config.v1+json" : "application/vnd.docker.container.image.v1+json", d);
        for (size_t i = 0; i < si->layer_sizes.n || i < 1; i++) {
            int64_t size = si->layer_sizes.n ? si->layer_sizes.items[i] : 31457280;
            snprintf(part, sizeof part, "%s/%s/layer%zu", repo, seed, i);
            digest_of(part, strlen(part), d);
            sb_printf(&sb, "%s{\"mediaType\":\"%s\",\"size\":%lld,\"digest\":\"%s\"}", i ? "," : "",
                      oci ? "application/vnd.oci.image.layer.v1.tar+gzip"
                          : "application/vnd.docker.image.rootfs.diff.tar.gzip",
                      (long long)size, d);
        }
        sb_append(&sb, "]}");
    }
    *len = sb.len;
    char *out = sb_steal(&sb);
    sb_free(&sb); /* sb_steal leaves a fresh empty buffer behind */
    return out;
}

/* Moves or adds tag onto image idx (the scenario's own order wins; no checks). */
static void put_tag(sim_world *w, w_repo *r, int idx, const char *tag, bool log)
{
    int old = image_by_tag(r, tag);
    if (old == idx)
        return;
    if (old >= 0)
        strvec_remove(&r->images.items[old].tags, tag);
    strvec_push(&r->images.items[idx].tags, tag);
    if (log) {
        strbuf sb;
        sb_init(&sb);
        w_json_str(&sb, tag);
        w_event(w, "tag_moved", "\"repository\":\"%s\",\"tag\":%s,\"from\":\"%s\",\"to\":\"%s\"", r->name, sb.buf,
                old >= 0 ? r->images.items[old].digest : "", r->images.items[idx].digest);
        sb_free(&sb);
    }
}

void w_ecr_init(sim_world *w)
{
    for (size_t i = 0; i < w->sc->repositories.n; i++) {
        const sc_repository *sr = &w->sc->repositories.items[i];
        w_repo *r = VEC_NEW(w->repos);
        r->name = xstrdup(sr->name);
        r->arn = xasprintf("arn:aws:ecr:%s:%s:repository/%s", w->region, w->account_id, sr->name);
        r->uri = xasprintf("%s.dkr.ecr.%s.amazonaws.com/%s", w->account_id, w->region, sr->name);
        r->mutability = xstrdup(sr->mutability ? sr->mutability : "MUTABLE");
        for (size_t j = 0; j < sr->exclusion_filters.n; j++)
            strvec_push(&r->exclusions, sr->exclusion_filters.items[j]);
        r->created = w->now - 180LL * 86400000;
        for (size_t j = 0; j < sr->images.n; j++) {
            const sc_image *si = &sr->images.items[j];
            char seed[64];
            snprintf(seed, sizeof seed, "%s", si->seed_name ? si->seed_name : si->tags.n ? si->tags.items[0] : "");
            if (!seed[0])
                snprintf(seed, sizeof seed, "image-%zu", j);
            size_t len;
            char *m = make_manifest(sr->name, seed, si, &len);
            char d[72];
            digest_of(m, len, d);
            int idx = image_by_digest(r, d);
            if (idx < 0) {
                w_image *im = VEC_NEW(r->images);
                manifest_facts f;
                manifest_parse(m, len, &f);
                im->digest = xstrdup(d);
                im->manifest = m;
                im->manifest_len = len;
                im->media_type = xstrdup(f.media_type);
                im->artifact_media_type = f.config_type[0] ? xstrdup(f.config_type) : NULL;
                im->has_size = f.has_size;
                im->size = f.size;
                im->pushed_at = w->now - si->pushed_offset_s * 1000;
                im->bad = si->bad;
                im->fails_after_s = si->fails_after_s;
                str_copy(im->status, sizeof im->status, si->status ? si->status : "ACTIVE");
                if (si->has_archived_at)
                    im->archived_at = w->now - si->archived_offset_s * 1000;
                if (si->has_activated_at)
                    im->activated_at = w->now - si->activated_offset_s * 1000;
                if (si->scan.present) {
                    im->scan = &si->scan;
                    if (si->scan.has_completed)
                        im->scan_completed = w->now - si->scan.completed_offset_s * 1000;
                }
                idx = (int)r->images.n - 1;
            } else {
                free(m);
            }
            for (size_t t = 0; t < si->tags.n; t++)
                put_tag(w, r, idx, si->tags.items[t], false);
        }
    }
}

void w_ecr_free(sim_world *w)
{
    for (size_t i = 0; i < w->repos.n; i++) {
        w_repo *r = &w->repos.items[i];
        for (size_t j = 0; j < r->images.n; j++)
            image_free(&r->images.items[j]);
        VEC_FREE(r->images);
        strvec_free(&r->exclusions);
        free(r->name);
        free(r->arn);
        free(r->uri);
        free(r->mutability);
    }
    VEC_FREE(w->repos);
}

/* "Archived images cannot be pulled. Requests to pull the archived image will fail
 * with a 404 error." (ECR user guide, "Archiving an image"); one being restored
 * (ACTIVATING) is not pullable yet either. */
static bool pullable(const w_image *im)
{
    return str_eq(im->status, "ACTIVE");
}

const w_image *w_ecr_pull(sim_world *w, int repo, const char *tag, bool *failed)
{
    *failed = false;
    if (repo < 0 || (size_t)repo >= w->repos.n)
        return NULL;
    w_repo *r = &w->repos.items[repo];
    int idx = image_by_tag(r, tag);
    if (idx < 0)
        return NULL;
    w_image *im = &r->images.items[idx];
    if (!pullable(im)) {
        *failed = true;
        return im;
    }
    im->last_pull = w->now;
    return im;
}

/* A restore's length: AWS documents none (the simulator's assumption). */
#define ECR_RESTORE_MS (20 * 60 * 1000)

void w_ecr_step(sim_world *w)
{
    for (size_t i = 0; i < w->repos.n; i++)
        for (size_t j = 0; j < w->repos.items[i].images.n; j++) {
            w_image *im = &w->repos.items[i].images.items[j];
            if (str_eq(im->status, "ACTIVATING") && im->active_at && w->now >= im->active_at) {
                str_copy(im->status, sizeof im->status, "ACTIVE");
                im->activated_at = w->now;
                im->active_at = 0;
                w_event(w, "image_restored", "\"repository\":\"%s\",\"digest\":\"%s\"", w->repos.items[i].name,
                        im->digest);
            }
        }
}

/* ---------- API ---------- */

static sim_error find_repo(sim_world *w, const char *registry_id, const char *repo, w_repo **out)
{
    int i = repo_index(w, repo);
    if (i < 0 || (!str_empty(registry_id) && !str_eq(registry_id, w->account_id)))
        return w_err("RepositoryNotFoundException", 400,
                     "The repository with name '%.64s' does not exist in the registry with id '%.20s'",
                     repo ? repo : "", str_empty(registry_id) ? w->account_id : registry_id);
    *out = &w->repos.items[i];
    return w_okv();
}

sim_error world_ecr_describe_repositories(sim_world *w, const char *registry_id, const strvec *names,
                                          const char *next_token, int max_items, ecr_repository_list *out,
                                          char **next_out)
{
    *next_out = NULL;
    VEC(int) pick = { 0 };
    if (names && names->n) {
        for (size_t i = 0; i < names->n; i++) {
            w_repo *r;
            sim_error e = find_repo(w, registry_id, names->items[i], &r);
            if (!sim_ok(&e)) {
                VEC_FREE(pick);
                return e;
            }
            VEC_PUSH(pick, (int)(r - w->repos.items));
        }
    } else {
        if (!str_empty(registry_id) && !str_eq(registry_id, w->account_id))
            return w_okv();
        for (size_t i = 0; i < w->repos.n; i++)
            VEC_PUSH(pick, (int)i);
    }
    size_t off;
    if (!w_untoken(w, "DescribeRepositories", next_token, &off)) {
        VEC_FREE(pick);
        return w_err("InvalidParameterException", 400, "Invalid parameter at 'nextToken'");
    }
    size_t page = (size_t)w_page(w, "DescribeRepositories", max_items, 100);
    for (size_t i = off; i < pick.n; i++) {
        if (i - off == page) {
            *next_out = w_token(w, "DescribeRepositories", i);
            break;
        }
        const w_repo *r = &w->repos.items[pick.items[i]];
        ecr_repository *o = VEC_NEW(*out);
        o->repository_arn = xstrdup(r->arn);
        o->registry_id = xstrdup(w->account_id);
        o->repository_name = xstrdup(r->name);
        o->repository_uri = xstrdup(r->uri);
        o->created_at = r->created;
        o->image_tag_mutability = xstrdup(r->mutability);
        for (size_t j = 0; j < r->exclusions.n; j++)
            strvec_push(&o->mutability_exclusion_filters, r->exclusions.items[j]);
    }
    VEC_FREE(pick);
    return w_okv();
}

static void fill_detail(const sim_world *w, const w_repo *r, const w_image *im, ecr_image_detail *o)
{
    o->registry_id = xstrdup(w->account_id);
    o->repository_name = xstrdup(r->name);
    o->image_digest = xstrdup(im->digest);
    for (size_t t = 0; t < im->tags.n; t++)
        strvec_push(&o->image_tags, im->tags.items[t]);
    o->has_size = im->has_size;
    o->image_size_in_bytes = im->size;
    o->image_pushed_at = im->pushed_at;
    o->image_manifest_media_type = xstrdup(im->media_type);
    o->artifact_media_type = xstrdup(im->artifact_media_type);
    o->last_recorded_pull_time = im->last_pull;
    /* imageStatus only for images the scenario or a restore gave a status history:
     * the default scenarios' answers stay as they were */
    if (!str_eq(im->status, "ACTIVE") || im->archived_at || im->activated_at)
        o->image_status = xstrdup(im->status);
    o->last_archived_at = im->archived_at;
    o->last_activated_at = im->activated_at;
    if (im->scan) {
        o->scan_status = xstrdup(im->scan->status);
        o->scan_status_description = xstrdup(im->scan->description);
        o->scan_completed_at = im->scan_completed;
        for (size_t i = 0; i < im->scan->findings.n; i++) {
            struct ecr_severity_count *c = VEC_NEW(o->finding_severity_counts);
            c->severity = xstrdup(im->scan->findings.items[i].severity);
            c->count = im->scan->findings.items[i].count;
        }
    }
}

/* The image an ImageIdentifier names: -1 not found, -2 tag and digest disagree, -3 neither given. */
static int resolve_id(const w_repo *r, const sim_image_id *id)
{
    if (str_empty(id->image_digest) && str_empty(id->image_tag))
        return -3;
    if (!str_empty(id->image_digest)) {
        int i = image_by_digest(r, id->image_digest);
        if (i >= 0 && !str_empty(id->image_tag) && !strvec_contains(&r->images.items[i].tags, id->image_tag))
            return image_by_tag(r, id->image_tag) >= 0 ? -2 : -1;
        return i;
    }
    return image_by_tag(r, id->image_tag);
}

sim_error world_ecr_describe_images(sim_world *w, const char *registry_id, const char *repo,
                                    const sim_image_id_list *ids, const char *tag_status, const char *image_status,
                                    const char *next_token, int max_items, ecr_image_detail_list *out, char **next_out)
{
    *next_out = NULL;
    w_repo *r;
    sim_error e = find_repo(w, registry_id, repo, &r);
    if (!sim_ok(&e))
        return e;
    if (ids && ids->n) {
        for (size_t i = 0; i < ids->n; i++)
            if (resolve_id(r, &ids->items[i]) < 0)
                return w_err("ImageNotFoundException", 400,
                             "The image with imageId {imageDigest:'%.80s', imageTag:'%.64s'} does not exist within the "
                             "repository with name '%.64s' in the registry with id '%s'",
                             ids->items[i].image_digest ? ids->items[i].image_digest : "null",
                             ids->items[i].image_tag ? ids->items[i].image_tag : "null", r->name, w->account_id);
        for (size_t i = 0; i < ids->n; i++)
            fill_detail(w, r, &r->images.items[resolve_id(r, &ids->items[i])], VEC_NEW(*out));
        return w_okv();
    }
    int want_tagged = 0; /* 0 any, 1 tagged, -1 untagged */
    if (str_eq(tag_status, "TAGGED"))
        want_tagged = 1;
    else if (str_eq(tag_status, "UNTAGGED"))
        want_tagged = -1;
    else if (!str_empty(tag_status) && !str_eq(tag_status, "ANY"))
        return w_err("InvalidParameterException", 400, "Invalid parameter at 'filter.tagStatus'");
    /* filter.imageStatus: "If not specified, only images with ACTIVE status are returned." */
    const char *want_status = str_empty(image_status) ? "ACTIVE" : image_status;
    if (!str_eq(want_status, "ANY") && !str_eq(want_status, "ACTIVE") && !str_eq(want_status, "ARCHIVED") &&
        !str_eq(want_status, "ACTIVATING"))
        return w_err("InvalidParameterException", 400, "Invalid parameter at 'filter.imageStatus'");
    size_t off;
    if (!w_untoken(w, "DescribeImages", next_token, &off))
        return w_err("InvalidParameterException", 400, "Invalid parameter at 'nextToken'");
    size_t page = (size_t)w_page(w, "DescribeImages", max_items, 100), seen = 0, taken = 0;
    for (size_t k = r->images.n; k-- > 0;) {
        const w_image *im = &r->images.items[k];
        if ((want_tagged == 1 && !im->tags.n) || (want_tagged == -1 && im->tags.n))
            continue;
        if (!str_eq(want_status, "ANY") && !str_eq(want_status, im->status))
            continue;
        if (seen++ < off)
            continue;
        if (taken == page) {
            *next_out = w_token(w, "DescribeImages", off + taken);
            break;
        }
        fill_detail(w, r, im, VEC_NEW(*out));
        taken++;
    }
    return w_okv();
}

static void add_failure(sim_image_failure_list *l, const sim_image_id *id, const char *code, const char *reason)
{
    ecr_image_failure *f = VEC_NEW(*l);
    f->image_digest = xstrdup(id->image_digest);
    f->image_tag = xstrdup(id->image_tag);
    f->failure_code = xstrdup(code);
    f->failure_reason = xstrdup(reason);
}

sim_error world_ecr_batch_get_image(sim_world *w, const char *registry_id, const char *repo,
                                    const sim_image_id_list *ids, const strvec *accepted, ecr_batch_get_result *out)
{
    w_repo *r;
    sim_error e = find_repo(w, registry_id, repo, &r);
    if (!sim_ok(&e))
        return e;
    sim_image_failure_list fails = { 0 };
    for (size_t i = 0; ids && i < ids->n; i++) {
        const sim_image_id *id = &ids->items[i];
        int k = resolve_id(r, id);
        if (k == -3) {
            add_failure(&fails, id, "MissingDigestAndTag", "Invalid request: neither imageDigest nor imageTag given");
            continue;
        }
        if (k == -2) {
            add_failure(&fails, id, "ImageTagDoesNotMatchDigest", "Invalid request: image tag does not match digest");
            continue;
        }
        if (k < 0) {
            add_failure(&fails, id, "ImageNotFound", "Requested image not found");
            continue;
        }
        const w_image *im = &r->images.items[k];
        if (!pullable(im)) { /* a pull's first call: archived images answer not found (404) */
            add_failure(&fails, id, "ImageNotFound", "Requested image not found: the image is archived");
            continue;
        }
        bool ok;
        if (accepted && accepted->n)
            ok = strvec_contains(accepted, im->media_type);
        else
            ok = str_eq(im->media_type, MT_DOCKER_V2) || str_eq(im->media_type, MT_OCI) ||
                str_eq(im->media_type, MT_DOCKER_V1) || str_eq(im->media_type, MT_DOCKER_V1S);
        if (!ok) { /* ImageFailureCode has no media-type code: ECR answers ImageNotFound */
            char why[256];
            snprintf(why, sizeof why,
                     "Requested image not found: its manifest media type %s is not in acceptedMediaTypes",
                     im->media_type);
            add_failure(&fails, id, "ImageNotFound", why);
            continue;
        }
        ecr_image *o = VEC_NEW(out->images);
        o->registry_id = xstrdup(w->account_id);
        o->repository_name = xstrdup(r->name);
        o->image_digest = xstrdup(im->digest);
        o->image_tag = xstrdup(id->image_tag);
        o->image_manifest = xstrndup(im->manifest, im->manifest_len);
        o->image_manifest_len = im->manifest_len;
        o->image_manifest_media_type = xstrdup(im->media_type);
    }
    for (size_t i = 0; i < fails.n; i++)
        VEC_PUSH(out->failures, fails.items[i]);
    VEC_FREE(fails);
    return w_okv();
}

/* Whether tag may not be moved: immutability with its exclusion filters. */
static bool tag_immutable(const w_repo *r, const char *tag)
{
    bool matches = false;
    for (size_t i = 0; i < r->exclusions.n; i++)
        matches |= fnmatch(r->exclusions.items[i], tag, 0) == 0;
    if (str_eq(r->mutability, "IMMUTABLE"))
        return true;
    if (str_eq(r->mutability, "IMMUTABLE_WITH_EXCLUSION"))
        return !matches;
    if (str_eq(r->mutability, "MUTABLE_WITH_EXCLUSION"))
        return matches;
    return false;
}

sim_error world_ecr_put_image(sim_world *w, const char *registry_id, const char *repo, const char *manifest,
                              size_t manifest_len, const char *media_type, const char *tag, const char *digest,
                              ecr_image *out)
{
    w_repo *r;
    sim_error e = find_repo(w, registry_id, repo, &r);
    if (!sim_ok(&e))
        return e;
    manifest_facts f;
    if (!manifest || !manifest_parse(manifest, manifest_len, &f))
        return w_err("InvalidParameterException", 400,
                     "Invalid parameter at 'imageManifest' failed to satisfy constraint: 'Invalid JSON syntax'");
    if (!str_empty(media_type)) {
        if (!known_media_type(media_type))
            return w_err(
                "InvalidParameterException", 400,
                "Invalid parameter at 'imageManifestMediaType' failed to satisfy constraint: 'Invalid media type'");
        if (f.explicit_type && !str_eq(f.media_type, media_type))
            return w_err("InvalidParameterException", 400,
                         "Invalid parameter at 'imageManifestMediaType' failed to satisfy constraint: 'Manifest media "
                         "type does not match the mediaType in the manifest'");
        str_copy(f.media_type, sizeof f.media_type, media_type);
    } else if (!f.explicit_type && f.schema_version != 1) {
        /* ECR cannot tell what a schema 2 manifest without mediaType is */
        return w_err("InvalidParameterException", 400,
                     "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'");
    } else if (!known_media_type(f.media_type)) {
        return w_err("InvalidParameterException", 400,
                     "Invalid parameter at 'imageManifest' failed to satisfy constraint: 'Unsupported mediaType'");
    }
    if (tag && (!*tag || strlen(tag) > ECR_MAX_TAG))
        return w_err("InvalidParameterException", 400, "Invalid parameter at 'imageTag' failed to satisfy constraint");
    char d[72];
    digest_of(manifest, manifest_len, d);
    if (!str_empty(digest) && !str_eq(digest, d))
        return w_err(
            "ImageDigestDoesNotMatchException", 400,
            "Invalid parameter at 'imageDigest': the digest '%.80s' does not match the digest of the manifest, '%s'",
            digest, d);
    int idx = image_by_digest(r, d);
    bool restored = false;
    if (idx >= 0 && !str_eq(r->images.items[idx].status, "ACTIVE")) {
        /* "The image can be restored as an active image by ... re-pushing the image": at
         * once (the simulator's assumption: AWS says nothing of how long) */
        w_image *im = &r->images.items[idx];
        str_copy(im->status, sizeof im->status, "ACTIVE");
        im->activated_at = w->now;
        im->active_at = 0;
        restored = true;
        w_event(w, "image_restored", "\"repository\":\"%s\",\"digest\":\"%s\"", r->name, d);
    }
    if (idx >= 0 && !restored && (!tag || strvec_contains(&r->images.items[idx].tags, tag)))
        return w_err("ImageAlreadyExistsException", 400,
                     "Image with digest '%s' and tag '%.64s' already exists in the repository with name '%.64s' in "
                     "registry with id '%s'",
                     d, tag ? tag : "null", r->name, w->account_id);
    int holder = image_by_tag(r, tag);
    if (tag && holder >= 0 && holder != idx && tag_immutable(r, tag))
        return w_err("ImageTagAlreadyExistsException", 400,
                     "The image tag '%.64s' already exists in the '%.64s' repository and cannot be overwritten because "
                     "the tag is immutable.",
                     tag, r->name);
    if (idx < 0) {
        w_image *im = VEC_NEW(r->images);
        im->digest = xstrdup(d);
        im->manifest = xstrndup(manifest, manifest_len);
        im->manifest_len = manifest_len;
        im->media_type = xstrdup(f.media_type);
        im->artifact_media_type = f.config_type[0] ? xstrdup(f.config_type) : NULL;
        im->has_size = f.has_size;
        im->size = f.size;
        im->pushed_at = w->now;
        im->fails_after_s = -1;
        str_copy(im->status, sizeof im->status, "ACTIVE");
        idx = (int)r->images.n - 1;
        strbuf sb;
        sb_init(&sb);
        w_json_str(&sb, tag);
        w_event(w, "image_pushed", "\"repository\":\"%s\",\"digest\":\"%s\",\"tag\":%s", r->name, d, sb.buf);
        sb_free(&sb);
    }
    if (tag)
        put_tag(w, r, idx, tag, true);
    if (out) {
        const w_image *im = &r->images.items[idx];
        out->registry_id = xstrdup(w->account_id);
        out->repository_name = xstrdup(r->name);
        out->image_digest = xstrdup(im->digest);
        out->image_tag = xstrdup(tag);
        out->image_manifest = xstrndup(im->manifest, im->manifest_len);
        out->image_manifest_len = im->manifest_len;
        out->image_manifest_media_type = xstrdup(im->media_type);
    }
    return w_okv();
}

sim_error world_ecr_update_storage_class(sim_world *w, const char *registry_id, const char *repo,
                                         const sim_image_id *id, const char *target, ecr_image_detail *out)
{
    w_repo *r;
    sim_error e = find_repo(w, registry_id, repo, &r);
    if (!sim_ok(&e))
        return e;
    if (!str_eq(target, "ARCHIVE") && !str_eq(target, "STANDARD"))
        return w_err("InvalidParameterException", 400, "Invalid parameter at 'targetStorageClass'");
    int k = id ? resolve_id(r, id) : -3;
    if (k < 0)
        return w_err("ImageNotFoundException", 400, "The image requested does not exist in the specified repository.");
    w_image *im = &r->images.items[k];
    bool archive = str_eq(target, "ARCHIVE");
    if (archive ? !str_eq(im->status, "ACTIVE") : !str_eq(im->status, "ARCHIVED"))
        return w_err("ImageStorageClassUpdateNotSupportedException", 400,
                     "The image is %s: the requested image storage class update is not supported.", im->status);
    str_copy(im->status, sizeof im->status, archive ? "ARCHIVED" : "ACTIVATING");
    if (archive)
        im->archived_at = w->now;
    else
        im->active_at = w->now + ECR_RESTORE_MS;
    w_event(w, archive ? "image_archived" : "image_restoring", "\"repository\":\"%s\",\"digest\":\"%s\"", r->name,
            im->digest);
    out->registry_id = xstrdup(w->account_id);
    out->repository_name = xstrdup(r->name);
    out->image_digest = xstrdup(im->digest);
    if (id->image_tag)
        strvec_push(&out->image_tags, id->image_tag);
    out->image_status = xstrdup(im->status);
    return w_okv();
}

static void push_id(sim_image_id_list *l, const char *digest, const char *tag)
{
    sim_image_id *id = VEC_NEW(*l);
    id->image_digest = xstrdup(digest);
    id->image_tag = xstrdup(tag);
}

static void log_delete(sim_world *w, const w_repo *r, const char *digest, const char *tag)
{
    strbuf sb;
    sb_init(&sb);
    w_json_str(&sb, tag);
    w_event(w, "image_deleted", "\"repository\":\"%s\",\"digest\":\"%s\",\"tag\":%s", r->name, digest, sb.buf);
    sb_free(&sb);
}

sim_error world_ecr_batch_delete_image(sim_world *w, const char *registry_id, const char *repo,
                                       const sim_image_id_list *ids, sim_image_id_list *deleted,
                                       sim_image_failure_list *failures)
{
    w_repo *r;
    sim_error e = find_repo(w, registry_id, repo, &r);
    if (!sim_ok(&e))
        return e;
    for (size_t i = 0; ids && i < ids->n; i++) {
        const sim_image_id *id = &ids->items[i];
        int k = resolve_id(r, id);
        if (k == -3) {
            add_failure(failures, id, "MissingDigestAndTag", "Invalid request: neither imageDigest nor imageTag given");
            continue;
        }
        if (k < 0) {
            add_failure(failures, id, k == -2 ? "ImageTagDoesNotMatchDigest" : "ImageNotFound",
                        k == -2 ? "Invalid request: image tag does not match digest" : "Requested image not found");
            continue;
        }
        w_image *im = &r->images.items[k];
        if (str_empty(id->image_digest)) { /* a tag: remove it; the last tag takes the image along */
            push_id(deleted, im->digest, id->image_tag);
            log_delete(w, r, im->digest, id->image_tag);
            strvec_remove(&im->tags, id->image_tag);
            if (!im->tags.n)
                image_remove(r, k);
        } else {
            if (!im->tags.n)
                push_id(deleted, im->digest, NULL);
            for (size_t t = 0; t < im->tags.n; t++)
                push_id(deleted, im->digest, im->tags.items[t]);
            log_delete(w, r, im->digest, NULL);
            image_remove(r, k);
        }
    }
    return w_okv();
}
