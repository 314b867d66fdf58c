/* images.c — the Images pane: the app's ECR tags with short digest, push age,
 * size, its storage (ARCHIVED or ACTIVATING images cannot be pulled: a refresh
 * to one launches instances that fail) and its scan (findings by severity).
 * Tags that share a digest sit together (the first carries the digest, the
 * others hang under it); the live and stable tags are highlighted and the title
 * says which commit tag the live one equals. */
#include <stdio.h>
#include <string.h>

#include "pane.h"
#include "deploy/plan_group_checks.h"

enum { C_TAG, C_DIGEST, C_PUSHED, C_SIZE, C_NOTE, C_SCAN };

static const lv_column columns[] = {
    [C_TAG] = { .title = "TAG", .min = 10, .max = 40 },
    [C_DIGEST] = { .title = "DIGEST", .min = 12, .max = 12 },
    [C_PUSHED] = { .title = "PUSHED", .min = 6, .max = 6, .prio = 3, .right = true, .quiet = true, .ticks = true },
    [C_SIZE] = { .title = "SIZE", .min = 7, .max = 9, .prio = 2, .right = true },
    [C_NOTE] = { .title = "", .min = 6, .max = 24, .prio = 4 }, /* LIVE / STABLE / = live, ARCHIVED */
    [C_SCAN] = { .title = "SCAN", .min = 5, .prio = 1 },
};

/* The action keys lead; the console leaves them out when read-only. */
static const action_id hints[] = {
    ACT_DEPLOY, ACT_PROMOTE, ACT_ROLLBACK, ACT_DETAIL, ACT_COPY_ID, ACT_FILTER, ACT_NONE
};

static const char *short_digest(const char *d, char *buf, size_t len)
{
    if (!d)
        return "";
    const char *h = strncmp(d, "sha256:", 7) == 0 ? d + 7 : d;
    snprintf(buf, len, "%.12s", h);
    return buf;
}

static void fmt_size(const ecr_image_detail *im, char *buf, size_t len)
{
    /* Decimal units, as `status`, docker images and the ECR console show sizes. */
    if (!im->has_size)
        snprintf(buf, len, "-");
    else
        human_bytes(im->image_size_in_bytes, buf, len);
}

/* Tag order within one image: live, stable, then the rest as AWS listed them. */
static int tag_rank(const pane_ctx *c, const char *tag)
{
    return str_eq(tag, c->live_tag) ? 0 : str_eq(tag, c->stable_tag) ? 1 : 2;
}

/* Every row of an image that cannot be pulled says so in its note. */
static void set_note(lv_row *r, const ecr_image_detail *im, const char *note)
{
    if (ecr_image_pullable(im)) {
        lv_set(r, C_NOTE, note);
        return;
    }
    lv_setf(r, C_NOTE, "%s%s%s", note ? note : "", note ? " " : "", im->image_status);
    lv_cell_role(r, C_NOTE, str_eq(im->image_status, "ARCHIVED") ? ROLE_ERROR : ROLE_WARNING);
}

/* The image's scan, on its first row. */
static void set_scan(lv_row *r, const ecr_image_detail *im)
{
    char scan[64];
    ecr_scan_summary(im, scan, sizeof scan);
    lv_set(r, C_SCAN, scan);
    bool severe = false;
    for (size_t i = 0; i < im->finding_severity_counts.n; i++)
        severe = severe ||
            ((str_eq(im->finding_severity_counts.items[i].severity, "CRITICAL") ||
              str_eq(im->finding_severity_counts.items[i].severity, "HIGH")) &&
             im->finding_severity_counts.items[i].count > 0);
    if (severe || str_eq(im->scan_status, "FAILED"))
        lv_cell_role(r, C_SCAN, ROLE_WARNING);
}

static void add_image(pane *p, const pane_ctx *c, const ecr_image_detail *im)
{
    char dg[16], age[16], size[16];
    short_digest(im->image_digest, dg, sizeof dg);
    pane_fmt_age(im->image_pushed_at, c->now_wall, age, sizeof age);
    fmt_size(im, size, sizeof size);
    bool has_live = false;
    for (size_t i = 0; i < im->image_tags.n; i++)
        if (str_eq(im->image_tags.items[i], c->live_tag))
            has_live = true;
    if (im->image_tags.n == 0) {
        lv_row *r = lv_add(&p->lv, im->image_digest);
        lv_set(r, C_TAG, "<untagged>");
        lv_set(r, C_DIGEST, dg);
        lv_set(r, C_PUSHED, age);
        lv_set(r, C_SIZE, size);
        set_scan(r, im);
        set_note(r, im, NULL);
        r->role = ROLE_NEUTRAL;
        return;
    }
    bool first = true;
    for (int rank = 0; rank < 3; rank++) {
        for (size_t i = 0; i < im->image_tags.n; i++) {
            const char *tag = im->image_tags.items[i];
            if (tag_rank(c, tag) != rank)
                continue;
            lv_row *r = lv_add(&p->lv, tag);
            if (first) {
                lv_set(r, C_TAG, tag);
                lv_set(r, C_DIGEST, dg);
                lv_set(r, C_PUSHED, age);
                lv_set(r, C_SIZE, size);
                set_scan(r, im);
            } else {
                r->child = true;
                lv_setf(r, C_TAG, "%s %s", c->ascii ? "`-" : "└", tag);
                lv_set(r, C_DIGEST, c->ascii ? "  \"" : "  ″");
            }
            first = false;
            char eq[80];
            snprintf(eq, sizeof eq, "= %.60s", c->live_tag ? c->live_tag : "");
            if (rank == 0) {
                set_note(r, im, "LIVE");
                r->role = ROLE_HEALTHY;
            } else if (rank == 1) {
                set_note(r, im, "STABLE");
                r->role = ROLE_PROGRESS;
            } else if (has_live) {
                set_note(r, im, eq);
                r->role = ROLE_HEALTHY;
            } else {
                set_note(r, im, NULL);
            }
        }
    }
}

static void images_model(pane *p, unsigned changed, const pane_ctx *c)
{
    (void)changed;
    lv_begin(&p->lv);
    for (size_t i = 0; i < c->ws->images.n; i++)
        add_image(p, c, &c->ws->images.items[i]);
    lv_end(&p->lv, c->now_mono);
}

static unsigned images_key(pane *p, action_id a, const pane_ctx *c)
{
    (void)c;
    return lv_move(&p->lv, a, NULL) ? R_HANDLED | R_REDRAW : R_NONE;
}

static const ecr_image_detail *find_image(const pane_ctx *c, const char *id)
{
    for (size_t i = 0; id && i < c->ws->images.n; i++) {
        const ecr_image_detail *im = &c->ws->images.items[i];
        if (str_eq(im->image_digest, id) || strvec_contains(&im->image_tags, id))
            return im;
    }
    return NULL;
}

static void images_detail(pane *p, const pane_ctx *c, strbuf *out)
{
    const ecr_image_detail *im = find_image(c, lv_selected_id(&p->lv));
    if (!im) {
        sb_append(out, "No image selected.\n");
        return;
    }
    char t[40];
    detail_kv(out, "repositoryName", im->repository_name);
    detail_kv(out, "registryId", im->registry_id);
    detail_kv(out, "imageDigest", im->image_digest);
    for (size_t i = 0; i < im->image_tags.n; i++)
        detail_kv(out, "imageTags[]", im->image_tags.items[i]);
    if (im->has_size)
        detail_kvf(out, "imageSizeInBytes", "%lld", (long long)im->image_size_in_bytes);
    pane_fmt_time(im->image_pushed_at, t, sizeof t);
    detail_kv(out, "imagePushedAt", t);
    pane_fmt_time(im->last_recorded_pull_time, t, sizeof t);
    detail_kv(out, "lastRecordedPullTime", t);
    detail_kv(out, "imageManifestMediaType", im->image_manifest_media_type);
    detail_kv(out, "artifactMediaType", im->artifact_media_type);
    detail_kv(out, "imageStatus", im->image_status ? im->image_status : "(not sent: ACTIVE)");
    if (im->last_archived_at) {
        pane_fmt_time(im->last_archived_at, t, sizeof t);
        detail_kv(out, "lastArchivedAt", t);
    }
    if (im->last_activated_at) {
        pane_fmt_time(im->last_activated_at, t, sizeof t);
        detail_kv(out, "lastActivatedAt", t);
    }
    if (!ecr_image_pullable(im)) {
        char why[1200];
        ecr_unpullable_text(im, im->image_tags.n ? im->image_tags.items[0] : NULL, im->repository_name, NULL, why,
                            sizeof why);
        detail_kv(out, "Pull", why);
    }
    if (im->scan_status || im->scan_status_description) {
        detail_kv(out, "imageScanStatus.status", im->scan_status);
        detail_kv(out, "imageScanStatus.description", im->scan_status_description);
    }
    if (im->scan_completed_at) {
        pane_fmt_time(im->scan_completed_at, t, sizeof t);
        detail_kv(out, "imageScanCompletedAt", t);
    }
    /* The severities are the map's keys: untrusted, so on the sanitized side. */
    for (size_t i = 0; i < im->finding_severity_counts.n; i++)
        detail_kvf(out, "findingSeverityCounts[]", "%.30s: %d", im->finding_severity_counts.items[i].severity,
                   im->finding_severity_counts.items[i].count);
    sb_append(out, "\n");
    detail_kv(out, "repositoryUri", c->ws->repo.repository_uri);
    detail_kv(out, "imageTagMutability", c->ws->repo.image_tag_mutability);
}

static void images_title(pane *p, const pane_ctx *c, char *buf, size_t len)
{
    (void)p;
    const ecr_image_detail *live = find_image(c, c->live_tag);
    const char *commit = NULL;
    for (size_t i = 0; live && i < live->image_tags.n; i++)
        if (tag_rank(c, live->image_tags.items[i]) == 2) {
            commit = live->image_tags.items[i];
            break;
        }
    /* The title is drawn through the sanitizer by the console. */
    if (!c->ws->repository)
        snprintf(buf, len, "no repository (:repo NAME)");
    else if (commit)
        snprintf(buf, len, "%.60s  %.30s=%.60s", c->ws->repository, c->live_tag, commit);
    else
        snprintf(buf, len, "%.60s", c->ws->repository);
}

const struct pane_ops pane_images_ops = {
    .copy = { { FIELD_IMAGE_DIGEST, FIELD_IMAGE_TAG }, 2 },
    .primary = WS_IMAGES,
    .watches = WS_BIT(WS_IMAGES),
    .columns = columns,
    .ncols = (int)ARRAY_LEN(columns),
    .hints = hints,
    .on_model_change = images_model,
    .key = images_key,
    .detail = images_detail,
    .title_extra = images_title,
};
