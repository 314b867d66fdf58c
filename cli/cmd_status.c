/* cmd_status.c — `tarmac status`: one snapshot of the ASGs (instances, latest
 * refreshes, target health) and ECR repositories, as a table or as AWS-shaped
 * JSON. Exit 0 when everything was fetched, 1 when nothing could be, 3 when some
 * calls failed (the rest is shown and the failures listed). What stands in a
 * refresh's way is said where the group is: suspended processes, Standby and
 * protected instances, the warm pool; archived images where the image is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "deploy/plan_group_checks.h"
#include "services/refresh_phase.h"
#include "sanitize.h"
#include "services/services.h"
#include "services/snapshot.h"

/* Prints untrusted text made safe, padded to width columns (0: no padding, no limit). */
static void cell(const char *s, int width)
{
    cli_cell(stdout, s, width);
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

/* The group's suspended processes: those that stall or endanger a refresh first. */
static void print_suspended(const asg_group *g)
{
    if (!g->suspended_processes.n)
        return;
    char blockers[256];
    int n = asg_refresh_blockers(g, blockers, sizeof blockers);
    fputs("  suspended processes: ", stdout);
    for (size_t i = 0; i < g->suspended_processes.n; i++) {
        fputs(i ? ", " : "", stdout);
        cell(g->suspended_processes.items[i].process_name, 0);
    }
    if (n)
        cli_printf(stdout, "  (a refresh is stalled or unsafe: %s)", blockers);
    fputc('\n', stdout);
}

static void print_warm_pool(const snap_asg *sa)
{
    const asg_group *g = &sa->group;
    if (!g->warm_pool.present)
        return;
    fputs("  warm pool: ", stdout);
    if (g->has_warm_pool_size)
        printf("%d instances", g->warm_pool_size);
    else
        fputs("size -", stdout);
    fputs(", ", stdout);
    cell(g->warm_pool.pool_state, 0);
    if (g->warm_pool.has_min_size)
        printf(", min %d", g->warm_pool.min_size);
    if (g->warm_pool.has_max_group_prepared_capacity)
        printf(", max prepared %d", g->warm_pool.max_group_prepared_capacity);
    if (g->warm_pool.has_reuse_on_scale_in)
        printf(", reuse on scale in %s", g->warm_pool.reuse_on_scale_in ? "yes" : "no");
    if (g->warm_pool.status) {
        fputs(", ", stdout);
        cell(g->warm_pool.status, 0);
    }
    fputc('\n', stdout);
}

static void print_instance(const asg_instance *in, bool warm)
{
    fputs("  ", stdout);
    cell(in->instance_id, 21);
    fputc(' ', stdout);
    cell(in->availability_zone, 12);
    fputc(' ', stdout);
    cell(in->lifecycle_state, 16);
    fputc(' ', stdout);
    cell(in->health_status, 9);
    fputc(' ', stdout);
    cell(in->instance_type, 12);
    fputc(' ', stdout);
    cell(in->launch_template.launch_template_name ? in->launch_template.launch_template_name
                                                  : in->launch_configuration_name,
         0);
    if (in->launch_template.version) {
        fputs(" v", stdout);
        cell(in->launch_template.version, 0);
    }
    if (warm)
        fputs("  [warm pool]", stdout);
    else if (asg_instance_standby(in))
        fputs("  [standby]", stdout);
    if (in->protected_from_scale_in)
        fputs("  [protected from scale in]", stdout);
    fputc('\n', stdout);
}

static void print_refreshes(const snap_asg *sa)
{
    if (!sa->refreshes_ok) {
        /* Unknown is not none: say that they could not be read, and why. */
        const snap_error *e = &sa->refreshes_error;
        fputs("  refreshes: could not be read", stdout);
        if (e->operation) {
            char why[700];
            snprintf(why, sizeof why, "%s: %s: %s", e->operation, e->code ? e->code : "Error",
                     e->message ? e->message : "");
            fputs(" (", stdout);
            cell(why, 0);
            fputc(')', stdout);
        }
        fputc('\n', stdout);
        return;
    }
    if (sa->refreshes.n == 0) {
        puts("  refreshes: none");
        return;
    }
    printf("  %-38s %-20s %5s %9s  %-20s %s\n", "REFRESH", "STATUS", "DONE", "TO UPDATE", "STARTED", "REASON");
    for (size_t i = 0; i < sa->refreshes.n; i++) {
        const instance_refresh *r = &sa->refreshes.items[i];
        char started[32];
        short_time(r->start_time, started, sizeof started);
        fputs("  ", stdout);
        cell(r->instance_refresh_id, 38);
        fputc(' ', stdout);
        cell(r->status, 20);
        fputc(' ', stdout);
        if (r->has_percentage_complete)
            printf("%4d%%", r->percentage_complete);
        else
            printf("%5s", "-");
        if (r->has_instances_to_update)
            printf(" %9d", r->instances_to_update);
        else
            printf(" %9s", "-");
        fputs("  ", stdout);
        cell(started, 20);
        fputc(' ', stdout);
        cell(r->status_reason, 0);
        fputc('\n', stdout);
        /* During a rollback DONE falls back to 0: say what it means. */
        if (r->rollback_details.present) {
            refresh_phase ph;
            refresh_phase_of(r, &ph);
            char phase[128], summary[1024];
            refresh_phase_text(&ph, phase, sizeof phase);
            refresh_rollback_summary(r, summary, sizeof summary);
            fputs("    ", stdout);
            cell(summary, 0);
            if (ph.rollback)
                cli_printf(stdout, "; now %s", phase);
            fputc('\n', stdout);
        }
    }
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
    printf("  desired %d  min %d  max %d  in service %d/%zu  health check ", g->desired_capacity, g->min_size,
           g->max_size, in_service, g->instances.n);
    cell(g->health_check_type, 0);
    fputc('\n', stdout);
    char why[160];
    if (!asg_sizes_valid(g, why, sizeof why)) {
        fputs("  sizes INVALID: ", stdout);
        cell(why, 0);
        fputs(" (outside AWS's ranges: not to be trusted)\n", stdout);
    }
    print_suspended(g);
    print_warm_pool(sa);

    if (g->instances.n || sa->warm_pool.instances.n) {
        printf("  %-21s %-12s %-16s %-9s %-12s %s\n", "INSTANCE", "AZ", "STATE", "HEALTH", "TYPE", "LAUNCH TEMPLATE");
        for (size_t i = 0; i < g->instances.n; i++)
            print_instance(&g->instances.items[i], false);
        for (size_t i = 0; i < sa->warm_pool.instances.n; i++)
            print_instance(&sa->warm_pool.instances.items[i], true);
    }
    print_refreshes(sa);
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
            cell(target, 28);
            fputc(' ', stdout);
            cell(h->state, 20);
            fputc(' ', stdout);
            cell(h->reason, 30);
            fputc(' ', stdout);
            cell(h->description, 0);
            fputc('\n', stdout);
        }
    }
    for (size_t i = 0; i < g->traffic_sources.n; i++) {
        const asg_traffic_source *ts = &g->traffic_sources.items[i];
        if (str_eq(ts->type, "elbv2") && strvec_contains(&g->target_group_arns, ts->identifier))
            continue; /* listed above as a target group */
        fputs("  TRAFFIC SOURCE ", stdout);
        cell(ts->type, 0);
        fputc(' ', stdout);
        cell(ts->identifier, 0);
        fputc('\n', stdout);
    }
}

/* The app's guard alarms: metric math, anomaly bands and composites alike by state. */
static void print_alarms(const snapshot *snap)
{
    printf("ALARMS  %zu of %zu found\n", snap->alarms.n, snap->alarms.n + snap->missing_alarms.n);
    printf("  %-40s %-17s %-9s %s\n", "NAME", "STATE", "TYPE", "REASON");
    for (size_t i = 0; i < snap->alarms.n; i++) {
        const cw_alarm *a = &snap->alarms.items[i];
        fputs("  ", stdout);
        cell(a->alarm_name, 40);
        fputc(' ', stdout);
        cell(a->state_value ? a->state_value : "-", 17);
        fputc(' ', stdout);
        cell(a->alarm_type == CW_COMPOSITE_ALARM ? "composite" : a->metrics.n ? "math" : "metric", 9);
        fputc(' ', stdout);
        cell(a->state_reason ? a->state_reason : "", 0);
        fputc('\n', stdout);
    }
    for (size_t i = 0; i < snap->missing_alarms.n; i++) {
        fputs("  ", stdout);
        cell(snap->missing_alarms.items[i], 40);
        fputs(" MISSING           -         does not exist: guards nothing\n", stdout);
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
    printf("  %-19s %-20s %-10s %-10s %-16s %s\n", "DIGEST", "PUSHED", "SIZE", "STATUS", "SCAN", "TAGS");
    for (size_t i = 0; i < sr->images.n; i++) {
        const ecr_image_detail *d = &sr->images.items[i];
        char pushed[32], size[32] = "-";
        short_time(d->image_pushed_at, pushed, sizeof pushed);
        if (d->has_size)
            human_bytes(d->image_size_in_bytes, size, sizeof size);
        fputs("  ", stdout);
        /* sha256: + 12 hex digits is what people compare by eye */
        char digest[24];
        snprintf(digest, sizeof digest, "%.19s", d->image_digest ? d->image_digest : "-");
        cell(digest, 19);
        fputc(' ', stdout);
        cell(pushed, 20);
        fputc(' ', stdout);
        cell(size, 10);
        fputc(' ', stdout);
        /* ARCHIVED and ACTIVATING images cannot be pulled: a refresh to one fails. */
        cell(d->image_status ? d->image_status : "-", 10);
        fputc(' ', stdout);
        char scan[64];
        ecr_scan_summary(d, scan, sizeof scan);
        cell(scan[0] ? scan : "-", 16);
        fputc(' ', stdout);
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
        .alarm_names = s.app && s.app->alarms.n ? &s.app->alarms : NULL,
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
    /* A guard alarm that does not exist guards nothing: say so, on stderr like the errors. */
    for (size_t i = 0; i < snap->missing_alarms.n; i++) {
        char safe[300];
        int used;
        sanitize_text(snap->missing_alarms.items[i], strlen(snap->missing_alarms.items[i]), safe, sizeof safe, 255,
                      false, &used);
        cli_error("warning: alarm '%s' (apps.%s.alarms) does not exist: it guards nothing during a deploy", safe,
                  s.app ? s.app->name : "?");
    }
    /* Sizes no AWS group can have: said on stderr too, where --json cannot. */
    for (size_t i = 0; i < snap->asgs.n; i++) {
        const asg_group *grp = &snap->asgs.items[i].group;
        char why[160], name[300];
        int used;
        if (asg_sizes_valid(grp, why, sizeof why))
            continue;
        sanitize_text(grp->name ? grp->name : "?", strlen(grp->name ? grp->name : "?"), name, sizeof name, 255, false,
                      &used);
        cli_error("warning: group '%s': %s: its sizes are outside AWS's ranges, as the server sent them", name, why);
    }
    bool anything = snap->asgs.n > 0;
    for (size_t i = 0; i < snap->repos.n; i++)
        anything = anything || snap->repos.items[i].repo_ok || snap->repos.items[i].images_ok;
    if (snap->errors.n && !anything) {
        rc = EXIT_AWS; /* nothing to show: the error lines say why */
    } else {
        if (g->json) {
            char *json = snapshot_to_json(snap, true);
            cli_put_json(stdout, json);
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
            if (snap->alarms_ok) {
                if (snap->asgs.n || snap->repos.n)
                    fputc('\n', stdout);
                print_alarms(snap);
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
