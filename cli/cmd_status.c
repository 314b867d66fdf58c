/* cmd_status.c — `tarmac status`: one snapshot of the ASGs (instances, latest
 * refreshes, target health) and ECR repositories, as a table or as AWS-shaped
 * JSON. Exit 0 when everything was fetched, 1 when nothing could be, 3 when some
 * calls failed (the rest is shown and the failures listed). */
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sanitize.h"
#include "snapshot.h"

static bool ascii_terminal(void)
{
    const char *cs = nl_langinfo(CODESET);
    return !(cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0));
}

/* Prints untrusted text made safe, padded to width columns (0: no padding, no limit). */
static void cell(const char *s, int width)
{
    char buf[1024];
    int used = 0;
    if (!s)
        s = "-";
    sanitize_text(s, strlen(s), buf, sizeof buf, width > 0 ? width : 200, ascii_terminal(), &used);
    fputs(buf, stdout);
    for (int i = used; i < width; i++)
        fputc(' ', stdout);
}

static void human_size(int64_t bytes, char *buf, size_t len)
{
    const char *units[] = { "B", "KB", "MB", "GB", "TB" };
    double v = (double)bytes;
    size_t u = 0;
    while (v >= 1000.0 && u + 1 < ARRAY_LEN(units)) {
        v /= 1000.0;
        u++;
    }
    snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

static void short_time(aws_time t, char *buf, size_t len)
{
    if (!t) {
        snprintf(buf, len, "-");
        return;
    }
    char iso[40];
    time_format_iso8601(t, iso, sizeof iso);
    /* 2024-05-01T12:00:00.000Z -> 2024-05-01 12:00:00Z */
    snprintf(buf, len, "%.10s %.8sZ", iso, iso + 11);
}

static void print_asg(const snap_asg *sa)
{
    const asg_group *g = &sa->group;
    int in_service = 0;
    for (size_t i = 0; i < g->instances.n; i++)
        if (str_eq(g->instances.items[i].lifecycle_state, "InService"))
            in_service++;
    fputs("ASG ", stdout);
    cell(g->name, 0);
    printf("  desired %d  min %d  max %d  in service %d/%zu  health check ", g->desired_capacity,
           g->min_size, g->max_size, in_service, g->instances.n);
    cell(g->health_check_type, 0);
    fputc('\n', stdout);

    if (g->instances.n) {
        printf("  %-21s %-12s %-12s %-9s %-12s %s\n", "INSTANCE", "AZ", "STATE", "HEALTH", "TYPE",
               "LAUNCH TEMPLATE");
        for (size_t i = 0; i < g->instances.n; i++) {
            const asg_instance *in = &g->instances.items[i];
            fputs("  ", stdout);
            cell(in->instance_id, 21); fputc(' ', stdout);
            cell(in->availability_zone, 12); fputc(' ', stdout);
            cell(in->lifecycle_state, 12); fputc(' ', stdout);
            cell(in->health_status, 9); fputc(' ', stdout);
            cell(in->instance_type, 12); fputc(' ', stdout);
            cell(in->launch_template.launch_template_name ? in->launch_template.launch_template_name
                                                          : in->launch_configuration_name, 0);
            if (in->launch_template.version) {
                fputs(" v", stdout);
                cell(in->launch_template.version, 0);
            }
            fputc('\n', stdout);
        }
    }
    if (!sa->refreshes_ok) {
        puts("  refreshes: (not available)");
    } else if (sa->refreshes.n == 0) {
        puts("  refreshes: none");
    } else {
        printf("  %-38s %-20s %5s %9s  %-20s %s\n", "REFRESH", "STATUS", "DONE", "TO UPDATE",
               "STARTED", "REASON");
        for (size_t i = 0; i < sa->refreshes.n; i++) {
            const instance_refresh *r = &sa->refreshes.items[i];
            char started[32];
            short_time(r->start_time, started, sizeof started);
            fputs("  ", stdout);
            cell(r->instance_refresh_id, 38); fputc(' ', stdout);
            cell(r->status, 20); fputc(' ', stdout);
            if (r->has_percentage_complete)
                printf("%4d%%", r->percentage_complete);
            else
                printf("%5s", "-");
            if (r->has_instances_to_update)
                printf(" %9d", r->instances_to_update);
            else
                printf(" %9s", "-");
            printf("  %-20s ", started);
            cell(r->status_reason, 0);
            fputc('\n', stdout);
        }
    }
    for (size_t t = 0; t < sa->target_groups.n; t++) {
        const snap_target_group *st = &sa->target_groups.items[t];
        int healthy = 0;
        for (size_t i = 0; i < st->health.n; i++)
            if (str_eq(st->health.items[i].state, "healthy"))
                healthy++;
        fputs("  TARGET GROUP ", stdout);
        cell(st->described ? st->tg.target_group_name : st->tg.target_group_arn, 0);
        if (st->health_ok)
            printf("  %d/%zu healthy\n", healthy, st->health.n);
        else
            puts("  (health not available)");
        for (size_t i = 0; i < st->health.n; i++) {
            const target_health_desc *h = &st->health.items[i];
            char port[16] = "";
            if (h->has_port)
                snprintf(port, sizeof port, ":%d", h->port);
            fputs("    ", stdout);
            char target[160];
            snprintf(target, sizeof target, "%.140s%s", h->target_id ? h->target_id : "-", port);
            cell(target, 28); fputc(' ', stdout);
            cell(h->state, 20); fputc(' ', stdout);
            cell(h->reason, 30); fputc(' ', stdout);
            cell(h->description, 0);
            fputc('\n', stdout);
        }
    }
}

static void print_repo(const snap_repo *sr)
{
    fputs("REPOSITORY ", stdout);
    cell(sr->repo_ok ? sr->repo.repository_name : sr->name, 0);
    if (sr->repo_ok) {
        fputs("  ", stdout);
        cell(sr->repo.image_tag_mutability, 0);
    }
    if (sr->images_ok)
        printf("  %zu images\n", sr->images.n);
    else
        puts("  (images not available)");
    if (!sr->images.n)
        return;
    printf("  %-19s %-20s %-10s %s\n", "DIGEST", "PUSHED", "SIZE", "TAGS");
    for (size_t i = 0; i < sr->images.n; i++) {
        const ecr_image_detail *d = &sr->images.items[i];
        char pushed[32], size[32] = "-";
        short_time(d->image_pushed_at, pushed, sizeof pushed);
        if (d->has_size)
            human_size(d->image_size_in_bytes, size, sizeof size);
        fputs("  ", stdout);
        /* sha256: + 12 hex digits is what people compare by eye */
        char digest[24];
        snprintf(digest, sizeof digest, "%.19s", d->image_digest ? d->image_digest : "-");
        cell(digest, 19); fputc(' ', stdout);
        printf("%-20s %-10s ", pushed, size);
        strbuf tags;
        sb_init(&tags);
        for (size_t k = 0; k < d->image_tags.n; k++)
            sb_printf(&tags, "%s%s", k ? ", " : "", d->image_tags.items[k]);
        cell(tags.len ? tags.buf : "<untagged>", 0);
        sb_free(&tags);
        fputc('\n', stdout);
    }
}

static void status_usage(void)
{
    fputs("usage: tarmac status [--asg NAME]... [--repo REPO]... [--app NAME] [--json]\n", stderr);
}

int cmd_status(cli_globals *g)
{
    if (g->args.n) {
        cli_error("status: unexpected argument '%s'", g->args.items[0]);
        status_usage();
        return EXIT_USAGE;
    }
    cli_session s;
    int rc = cli_session_open(g, &s);
    if (rc)
        return rc;

    strvec asgs = { 0 }, repos = { 0 };
    for (size_t i = 0; i < g->asgs.n; i++)
        strvec_push(&asgs, g->asgs.items[i]);
    for (size_t i = 0; i < g->repos.n; i++)
        strvec_push(&repos, g->repos.items[i]);
    if (s.app) {
        if (s.app->asg && !strvec_contains(&asgs, s.app->asg))
            strvec_push(&asgs, s.app->asg);
        if (s.app->ecr_repository && !strvec_contains(&repos, s.app->ecr_repository))
            strvec_push(&repos, s.app->ecr_repository);
    }
    snapshot_request req = {
        .asg_names = &asgs,
        .repo_names = &repos,
        /* Every group of the region when none is named (an app names its own). */
        .all_asgs_if_none = true,
    };
    snapshot *snap = snapshot_fetch_sync(s.client, &req);
    if (!snap) {
        cli_error("status: internal error: the snapshot did not complete");
        rc = EXIT_AWS;
        goto out;
    }
    for (size_t i = 0; i < snap->errors.n; i++) {
        const snap_error *e = &snap->errors.items[i];
        char msg[600];
        snprintf(msg, sizeof msg, "%s", e->message ? e->message : "");
        char safe[700];
        int used;
        sanitize_text(msg, strlen(msg), safe, sizeof safe, 600, false, &used);
        cli_error("%s: %s: %s", e->operation, e->code, safe);
    }
    bool anything = snap->asgs.n > 0;
    for (size_t i = 0; i < snap->repos.n; i++)
        anything = anything || snap->repos.items[i].repo_ok || snap->repos.items[i].images_ok;
    if (snap->errors.n && !anything) {
        rc = EXIT_AWS; /* nothing to show: the error lines say why */
    } else {
        if (g->json) {
            char *json = snapshot_to_json(snap, true);
            fputs(json, stdout);
            fputc('\n', stdout);
            free(json);
        } else {
            for (size_t i = 0; i < snap->asgs.n; i++) {
                if (i)
                    fputc('\n', stdout);
                print_asg(&snap->asgs.items[i]);
            }
            for (size_t i = 0; i < snap->repos.n; i++) {
                if (i || snap->asgs.n)
                    fputc('\n', stdout);
                print_repo(&snap->repos.items[i]);
            }
            if (!snap->asgs.n && !snap->repos.n)
                puts("no Auto Scaling groups in this region");
        }
        rc = snap->errors.n ? EXIT_PARTIAL : EXIT_OK;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("status: could not write the output");
        rc = EXIT_AWS;
    }
    snapshot_free(snap);
out:
    strvec_free(&asgs);
    strvec_free(&repos);
    cli_session_close(&s);
    return rc;
}
