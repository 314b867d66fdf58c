/* set_images.c — the repository and its images: DescribeRepositories and
 * DescribeImages, joined. */
#include "watch/watch_int.h"

/* What a poll gathers until both answers are in. */
typedef struct images_scratch {
    ecr_repository repo;
    ecr_image_detail_list images;
    aws_join join;
} images_scratch;
#define I(w) ((images_scratch *)(w)->scratch[WS_IMAGES])

static void images_gathered_free(watch *w)
{
    ecr_repository_free(&I(w)->repo);
    memset(&I(w)->repo, 0, sizeof I(w)->repo);
    MODEL_LIST_FREE(I(w)->images, ecr_image_detail_free);
}

static void images_arrived(watch *w, const aws_error *err)
{
    if (!join_arrive(&I(w)->join, err))
        return;
    if (I(w)->join.failed) {
        images_gathered_free(w);
        watch_poll_finished(w, WS_IMAGES, &I(w)->join.err);
        return;
    }
    ecr_repository_free(&w->s.repo);
    w->s.repo = I(w)->repo;
    memset(&I(w)->repo, 0, sizeof I(w)->repo);
    MODEL_LIST_FREE(w->s.images, ecr_image_detail_free);
    w->s.images = I(w)->images;
    memset(&I(w)->images, 0, sizeof I(w)->images);
    watch_poll_finished(w, WS_IMAGES, NULL);
}

static void on_repos(aws_client *c, ecr_repository_list *res, const aws_error *err, void *ud)
{
    (void)c;
    poll_ctx *x = ud;
    bool live = watch_ctx_done(x);
    if (live && !err && res->n) {
        ecr_repository_free(&I(x->w)->repo);
        I(x->w)->repo = res->items[0];
        memset(&res->items[0], 0, sizeof res->items[0]);
    }
    MODEL_LIST_FREE(*res, ecr_repository_free);
    if (live)
        images_arrived(x->w, err);
    free(x);
}

static void on_images(aws_client *c, ecr_image_detail_list *res, const aws_error *err, void *ud)
{
    (void)c;
    poll_ctx *x = ud;
    bool live = watch_ctx_done(x);
    if (live && !err) {
        MODEL_LIST_FREE(I(x->w)->images, ecr_image_detail_free);
        I(x->w)->images = *res;
        ecr_images_sort_newest_first(&I(x->w)->images);
    } else {
        MODEL_LIST_FREE(*res, ecr_image_detail_free);
    }
    if (live)
        images_arrived(x->w, err);
    free(x);
}

static bool start_images(watch *w)
{
    if (!w->s.repository)
        return false;
    strvec names = { 0 };
    strvec_push(&names, w->s.repository);
    join_begin(&I(w)->join);
    join_add(&I(w)->join);
    join_add(&I(w)->join);
    aws_error err;
    poll_ctx *x = watch_ctx_new(w, WS_IMAGES);
    if (svc_ecr_describe_repositories(w->client, &names, on_repos, x, &err) != 0) {
        watch_ctx_done(x);
        free(x);
        images_arrived(w, &err);
    }
    x = watch_ctx_new(w, WS_IMAGES);
    if (svc_ecr_describe_images(w->client, w->s.repository, on_images, x, &err) != 0) {
        watch_ctx_done(x);
        free(x);
        images_arrived(w, &err);
    }
    strvec_free(&names);
    return true;
}

static void drop_images(watch *w)
{
    ecr_repository_free(&w->s.repo);
    memset(&w->s.repo, 0, sizeof w->s.repo);
    MODEL_LIST_FREE(w->s.images, ecr_image_detail_free);
    images_gathered_free(w);
    join_begin(&I(w)->join);
}

const set_def watch_set_def_images = {
    "images",
    start_images,
    drop_images,
    .shown_mult = 2,
    .doze_ms = 10 * MINUTE_MS,
    .scratch_size = sizeof(images_scratch),
};
