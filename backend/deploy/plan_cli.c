/* plan_cli.c — the printed `aws` commands of a plan's steps (see plan_cli.h).
 *
 * A tag move must put the very manifest bytes back: `--output text` adds a newline
 * (another digest: PutImage with --image-digest refuses it, without it a new image
 * is made), and a shell variable or command substitution loses trailing newlines.
 * So BatchGetImage's answer is kept as JSON — the CLI escapes the manifest as a JSON
 * string (\n, \r, \t; other characters as they are) — in the shape of PutImage's own
 * input, which `put-image --cli-input-json file://...` reads back with a JSON parser:
 * the same string, in AWS CLI v1 and v2 alike (both write and read that file in the
 * locale's encoding; a character it cannot hold fails loudly, and --image-digest
 * refuses anything that is not byte for byte the same). */
#include "deploy/plan_cli.h"

#include <json-c/json.h>
#include <string.h>

#include "services/services.h"
#include "services/snapshot.h"

#define PUT_IMAGE_INPUT "put-image.json"        /* in the current directory, as the CLI's file:// reads it */
#define WAIT_POLL_S     2                       /* plan_run.c's wait step: a poll every 2 s ... */
#define WAIT_POLLS      (15 * 60 / WAIT_POLL_S) /* ... for 15 minutes */

/* Every status of an instance refresh (botocore's InstanceRefreshStatus enum). */
static const char *const refresh_statuses[] = {
    "Pending",        "InProgress",         "Successful", "Failed", "Cancelling", "Cancelled", "RollbackInProgress",
    "RollbackFailed", "RollbackSuccessful", "Baking",
};

void plan_cli_quote(strbuf *sb, const char *s)
{
    if (!s) {
        sb_append(sb, "''");
        return;
    }
    bool plain = *s != '\0';
    for (const char *q = s; *q && plain; q++)
        if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') ||
              strchr("-_.:/=@,+", *q)))
            plain = false;
    if (plain) {
        sb_append(sb, s);
        return;
    }
    sb_appendc(sb, '\'');
    for (const char *q = s; *q; q++) {
        if (*q == '\'')
            sb_append(sb, "'\\''");
        else
            sb_appendc(sb, *q);
    }
    sb_appendc(sb, '\'');
}

void plan_cli_hint(strbuf *sb, const char *const *words, size_t n)
{
    sb_appendc(sb, '`');
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (!words[i])
            continue;
        if (!first)
            sb_appendc(sb, ' ');
        plan_cli_quote(sb, words[i]);
        first = false;
    }
    sb_appendc(sb, '`');
}

/* " --name value", the value quoted. */
static void arg(strbuf *sb, const char *name, const char *value)
{
    sb_printf(sb, " %s ", name);
    plan_cli_quote(sb, value);
}

/* " --name JSON" (json-c's plain form, quoted); takes o. */
static void arg_json(strbuf *sb, const char *name, json_object *o)
{
    arg(sb, name, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}

static void aws_cmd(strbuf *sb, const char *service, const char *op, const plan_target *t)
{
    sb_printf(sb, "aws %s %s", service, op);
    arg(sb, "--region", t->region);
}

char *plan_cli_copy_tag(const plan_target *t, const char *digest, const char *dst_tag, bool with_media_type)
{
    strbuf sb;
    sb_init(&sb);
    aws_cmd(&sb, "ecr", "batch-get-image", t);
    arg(&sb, "--repository-name", t->repository);
    /* the ids and accepted media types of the step's own BatchGetImage request */
    ecr_image_id id = { .image_digest = digest };
    size_t len;
    char *body = ecr_encode_batch_get_image(t->repository, &id, 1, NULL, &len);
    json_object *req = json_tokener_parse(body);
    free(body);
    json_object *v;
    if (req && json_object_object_get_ex(req, "imageIds", &v))
        arg_json(&sb, "--image-ids", json_object_get(v));
    if (req && json_object_object_get_ex(req, "acceptedMediaTypes", &v) && json_object_is_type(v, json_type_array)) {
        sb_append(&sb, " --accepted-media-types");
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            sb_appendc(&sb, ' ');
            plan_cli_quote(&sb, json_object_get_string(json_object_array_get_idx(v, i)));
        }
    }
    json_object_put(req);
    arg(&sb, "--query",
        with_media_type ? "images[0].{imageManifest: imageManifest, imageManifestMediaType: imageManifestMediaType}"
                        : "images[0].{imageManifest: imageManifest}");
    arg(&sb, "--output", "json");
    sb_append(&sb, " > ");
    plan_cli_quote(&sb, PUT_IMAGE_INPUT);
    sb_append(&sb, " && ");
    aws_cmd(&sb, "ecr", "put-image", t);
    arg(&sb, "--repository-name", t->repository);
    arg(&sb, "--image-tag", dst_tag);
    arg(&sb, "--image-digest", digest);
    arg(&sb, "--cli-input-json", "file://" PUT_IMAGE_INPUT);
    arg(&sb, "--query", "image.imageId.imageDigest");
    arg(&sb, "--output", "text");
    return sb_steal(&sb);
}

char *plan_cli_untag(const plan_target *t, const char *tag)
{
    strbuf sb;
    sb_init(&sb);
    aws_cmd(&sb, "ecr", "batch-delete-image", t);
    arg(&sb, "--repository-name", t->repository);
    json_object *ids = json_object_new_array(), *id = json_object_new_object();
    json_object_object_add(id, "imageTag", json_object_new_string(tag ? tag : ""));
    json_object_array_add(ids, id);
    arg_json(&sb, "--image-ids", ids);
    return sb_steal(&sb);
}

char *plan_cli_refresh_call(const plan_target *t, plan_step_kind kind)
{
    strbuf sb;
    sb_init(&sb);
    if (kind == STEP_CANCEL_REFRESH || kind == STEP_ROLLBACK_REFRESH) {
        aws_cmd(&sb, "autoscaling",
                kind == STEP_CANCEL_REFRESH ? "cancel-instance-refresh" : "rollback-instance-refresh", t);
        arg(&sb, "--auto-scaling-group-name", t->asg);
        return sb_steal(&sb);
    }
    /* STEP_WAIT_REFRESH_END: the step's poll (the newest 10 refreshes, none active)
     * every 2 s; a failed poll is tried again; false after 15 minutes. */
    json_object *active = json_object_new_array();
    for (size_t i = 0; i < ARRAY_LEN(refresh_statuses); i++)
        if (refresh_status_active(refresh_statuses[i]))
            json_object_array_add(active, json_object_new_string(refresh_statuses[i]));
    strbuf query;
    sb_init(&query);
    sb_printf(&query, "length(InstanceRefreshes[?contains(`%s`, Status)])",
              json_object_to_json_string_ext(active, JSON_C_TO_STRING_PLAIN));
    json_object_put(active);
    sb_append(&sb, "n=0; until [ \"$(");
    aws_cmd(&sb, "autoscaling", "describe-instance-refreshes", t);
    arg(&sb, "--auto-scaling-group-name", t->asg);
    arg(&sb, "--max-records", "10");
    arg(&sb, "--query", query.buf);
    arg(&sb, "--output", "text");
    sb_printf(&sb, ")\" = 0 ] || [ \"$((n += 1))\" -gt %d ]; do sleep %d; done; [ \"$n\" -le %d ]", WAIT_POLLS,
              WAIT_POLL_S, WAIT_POLLS);
    sb_free(&query);
    return sb_steal(&sb);
}

char *plan_cli_start_refresh(const plan_target *t, const refresh_prefs *prefs, const lt_spec *desired)
{
    strbuf sb;
    sb_init(&sb);
    aws_cmd(&sb, "autoscaling", "start-instance-refresh", t);
    arg(&sb, "--auto-scaling-group-name", t->asg);
    arg_json(&sb, "--preferences", refresh_prefs_to_json(prefs));
    if (desired) {
        /* each member the step sends (svc_autoscaling.c's DesiredConfiguration.LaunchTemplate.*) */
        json_object *d = json_object_new_object(), *lt = json_object_new_object();
        if (desired->launch_template_id)
            json_object_object_add(lt, "LaunchTemplateId", json_object_new_string(desired->launch_template_id));
        if (desired->launch_template_name)
            json_object_object_add(lt, "LaunchTemplateName", json_object_new_string(desired->launch_template_name));
        if (desired->version)
            json_object_object_add(lt, "Version", json_object_new_string(desired->version));
        json_object_object_add(d, "LaunchTemplate", lt);
        arg_json(&sb, "--desired-configuration", d);
    }
    return sb_steal(&sb);
}

char *plan_cli_step(const plan_target *t, const plan_step *s)
{
    switch (s->kind) {
    case STEP_COPY_TAG:
        /* an undo reads the old image's media type back, as its step does */
        return plan_cli_copy_tag(t, s->digest, s->dst_tag, s->undo || s->media_type != NULL);
    case STEP_UNTAG:
        return plan_cli_untag(t, s->dst_tag);
    case STEP_START_REFRESH:
        return plan_cli_start_refresh(t, &s->prefs, s->has_desired ? &s->desired : NULL);
    case STEP_CANCEL_REFRESH:
    case STEP_ROLLBACK_REFRESH:
    case STEP_WAIT_REFRESH_END:
        return plan_cli_refresh_call(t, s->kind);
    }
    return xstrdup("");
}
