/* dialog.c — the action dialog's text and the action commands' syntax (see
 * dialog.h). */
#include "dialog.h"

#include <stdio.h>
#include <string.h>

const char *const dialog_commands[] = { "deploy", "deploy-lt", "rollback", "cancel", "promote", NULL };

/* ---- commands ---- */

/* Splits args into at most max words (spaces); returns the count, or -1 when a
 * word does not fit in cap bytes or there are more than max words. */
static int split_words(const char *args, char words[][256], int max)
{
    int n = 0;
    const char *s = args ? args : "";
    for (;;) {
        while (*s == ' ')
            s++;
        if (!*s)
            return n;
        const char *e = s;
        while (*e && *e != ' ')
            e++;
        if (n == max || (size_t)(e - s) >= 256)
            return -1;
        snprintf(words[n++], 256, "%.*s", (int)(e - s), s);
        s = e;
    }
}

int dialog_parse_command(const char *cmd, const char *args, dialog_cmd *out, char *err, size_t err_len)
{
    static const struct {
        const char *name;
        plan_action action;
        int words;
        const char *usage;
    } forms[] = {
        { "deploy", PLAN_DEPLOY, 1, ":deploy TAG (Tab completes the Images pane's tags)" },
        { "deploy-lt", PLAN_DEPLOY_LT, 1, ":deploy-lt VERSION (a launch template version number)" },
        { "rollback", PLAN_ROLLBACK, 0, ":rollback (no arguments: the selected group)" },
        { "cancel", PLAN_CANCEL, 0, ":cancel (no arguments: the selected group's refresh)" },
        { "promote", PLAN_PROMOTE, 2, ":promote SRC DST (DST is pointed at SRC's image)" },
    };
    memset(out, 0, sizeof *out);
    if (err_len)
        err[0] = '\0';
    for (size_t i = 0; i < ARRAY_LEN(forms); i++) {
        if (!str_eq(cmd, forms[i].name))
            continue;
        char words[3][256];
        int n = split_words(args, words, 3);
        if (n != forms[i].words) {
            snprintf(err, err_len, "usage: %s", forms[i].usage);
            return -1;
        }
        out->action = forms[i].action;
        if (forms[i].action == PLAN_DEPLOY_LT) {
            snprintf(out->lt_version, sizeof out->lt_version, "%.31s", words[0]);
            if (strlen(words[0]) >= sizeof out->lt_version) {
                snprintf(err, err_len, "usage: %s", forms[i].usage);
                return -1;
            }
        } else if (n >= 1) {
            snprintf(out->tag, sizeof out->tag, "%s", words[0]);
        }
        if (n == 2)
            snprintf(out->dst, sizeof out->dst, "%s", words[1]);
        return 1;
    }
    return 0;
}

/* ---- helpers about plans ---- */

bool dialog_confirm_ok(const plan *p, const char *typed)
{
    if (!p || p->refusal)
        return false;
    if (!p->target.protected_)
        return true;
    const char *want = plan_confirm_text(p);
    return *want && str_eq(typed, want);
}

size_t dialog_current_step(const plan *p)
{
    if (!p)
        return 0;
    for (size_t i = 0; i < p->steps.n; i++)
        if (p->steps.items[i].state == STEP_RUNNING)
            return i + 1;
    for (size_t i = 0; i < p->steps.n; i++)
        if (p->steps.items[i].state == STEP_PENDING)
            return i + 1;
    return 0;
}

const char *dialog_plan_refresh_id(const plan *p)
{
    for (size_t i = p ? p->steps.n : 0; i-- > 0;) {
        const plan_step *s = &p->steps.items[i];
        if ((s->kind == STEP_START_REFRESH || s->kind == STEP_ROLLBACK_REFRESH) && s->refresh_id)
            return s->refresh_id;
    }
    return NULL;
}

void dialog_group_summary(const asg_group *g, const watch_state *ws, aws_time refresh_start, const char *live_tag,
                          bool has_repo, strbuf *out)
{
    strvec keys = { 0 };
    VEC(int) counts = { 0 };
    for (size_t k = 0; k < g->instances.n; k++) {
        const asg_instance *in = &g->instances.items[k];
        const lt_spec *lt = &in->launch_template;
        char key[300];
        snprintf(key, sizeof key, "%.200s version %.40s",
                 lt->launch_template_name            ? lt->launch_template_name
                     : lt->launch_template_id        ? lt->launch_template_id
                     : in->launch_configuration_name ? in->launch_configuration_name
                                                     : "?",
                 lt->version ? lt->version : "-");
        size_t j = 0;
        while (j < keys.n && strcmp(keys.items[j], key) != 0)
            j++;
        if (j == keys.n) {
            strvec_push(&keys, key);
            VEC_PUSH(counts, 0);
        }
        counts.items[j]++;
    }
    sb_printf(out, "%s is left with %zu instances (desired %d):\n", g->name ? g->name : "?", g->instances.n,
              g->desired_capacity);
    for (size_t j = 0; j < keys.n; j++)
        sb_printf(out, "  %d on %s\n", counts.items[j], keys.items[j]);
    int fresh = 0, before = 0, unknown = 0;
    for (size_t k = 0; has_repo && refresh_start && ws && k < g->instances.n; k++) {
        const ec2_instance *e = watch_ec2_instance(ws, g->instances.items[k].instance_id);
        if (!e || !e->launch_time)
            unknown++;
        else if (e->launch_time >= refresh_start)
            fresh++;
        else
            before++;
    }
    if (fresh + before > 0) {
        sb_printf(out,
                  "  %d launched by the refresh run the image '%s' pointed at when they booted (the new one); "
                  "%d from before it run the old image",
                  fresh, live_tag ? live_tag : "?", before);
        if (unknown)
            sb_printf(out, "; %d not known yet", unknown);
        sb_append(out, "\n");
    } else if (has_repo) {
        sb_printf(out, "  instances launched during the refresh run the image '%s' pointed at when they booted\n",
                  live_tag ? live_tag : "?");
    }
    strvec_free(&keys);
    VEC_FREE(counts);
}

void dialog_unfinished_line(const journal_unfinished *u, strbuf *out)
{
    int done = 0;
    for (size_t i = 0; i < u->step_state.n; i++)
        if (str_eq(u->step_state.items[i], "ok") || str_eq(u->step_state.items[i], "skipped"))
            done++;
    sb_printf(out, "%s plan %s for app %s, started %s by %s (%d of %d steps done)", u->action ? u->action : "?",
              u->plan_id ? u->plan_id : "?", u->app ? u->app : "?", u->time ? u->time : "?", u->user ? u->user : "?",
              done, u->steps);
}

/* ---- wrapping ---- */

static bool cont_byte(char b)
{
    return ((unsigned char)b & 0xc0) == 0x80;
}

/* Byte offset after n code points of s[0..len) (or len). */
static size_t advance_cols(const char *s, size_t len, int n)
{
    size_t i = 0;
    for (int k = 0; k < n && i < len; k++) {
        i++;
        while (i < len && cont_byte(s[i]))
            i++;
    }
    return i;
}

static int cols_of(const char *s, size_t len)
{
    int n = 0;
    for (size_t i = 0; i < len; i++)
        n += !cont_byte(s[i]);
    return n;
}

static void wrap_line(const char *s, size_t len, int width, strvec *out)
{
    size_t indent = 0;
    while (indent < len && s[indent] == ' ')
        indent++;
    if ((int)indent > width / 2)
        indent = (size_t)(width / 2);
    int cont = (int)indent + 2;
    char pad[128];
    snprintf(pad, sizeof pad, "%*s", cont < 100 ? cont : 100, "");
    bool first = true;
    strbuf line;
    sb_init(&line);
    while (len > 0) {
        int room = first ? width : width - cont;
        if (room < 8)
            room = 8;
        size_t cut = len;
        if (cols_of(s, len) > room) {
            cut = advance_cols(s, len, room);
            size_t sp = cut;
            while (sp > (first ? indent : 0) + 1 && s[sp] != ' ')
                sp--;
            if (s[sp] == ' ' && sp > (first ? indent : 0))
                cut = sp;
        }
        sb_reset(&line);
        if (!first)
            sb_append(&line, pad);
        sb_appendn(&line, s, cut);
        strvec_push(out, line.buf);
        s += cut;
        len -= cut;
        while (len > 0 && *s == ' ') {
            s++;
            len--;
        }
        first = false;
    }
    sb_free(&line);
}

void dialog_wrap(const char *text, int width, strvec *out)
{
    if (width < 16)
        width = 16;
    const char *s = text ? text : "";
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        if (n == 0)
            strvec_push(out, "");
        else
            wrap_line(s, n, width, out);
        s += n + (nl ? 1 : 0);
    }
}

/* ---- the dialog ---- */

void dialog_title(const dialog_state *d, char *buf, size_t len)
{
    const plan *p = d->p;
    const char *app = p ? p->target.app : d->app;
    const char *asg = p ? p->target.asg : d->asg;
    const char *act = p ? plan_action_name(p->action) : d->what;
    char who[200];
    snprintf(who, sizeof who, "%.60s (%.80s)", app ? app : "?", asg ? asg : "?");
    switch (d->phase) {
    case DLG_BUILDING:
        snprintf(buf, len, "Planning %s for %s", d->what ? d->what : "", who);
        break;
    case DLG_CONFIRM:
        snprintf(buf, len, "%s%s plan for %s", p && p->resumed ? "Resume " : "", act ? act : "", who);
        break;
    case DLG_RUNNING:
        snprintf(buf, len, "Running %s for %s", act ? act : "", who);
        break;
    case DLG_DONE:
        snprintf(buf, len, "%s plan for %s", act ? act : "", who);
        break;
    case DLG_OFFER:
        snprintf(buf, len, "ROLLBACK ADVISED for %s", who);
        break;
    case DLG_UNFINISHED:
        snprintf(buf, len, "Unfinished plans in the journal");
        break;
    case DLG_NONE:
        snprintf(buf, len, "tarmac");
        break;
    }
}

/* The key bound to a dialog action; def when no keymap is given (tests). */
static const char *key_or(const char *k, const char *def)
{
    return k ? k : def;
}

static void unfinished_text(const dialog_state *d, strbuf *out)
{
    const journal_unfinished_list *l = d->unfinished;
    sb_append(out,
              "these plans did not finish (stopped, killed, or the session dropped);\n"
              "tags and refreshes may be half-way.\n\n");
    const dialog_keys *k = d->keys;
    sb_printf(out,
              "%s: resume the selected plan (shows it first)   %s: abandon it (changes nothing in AWS)\n"
              "j/k: select   Esc: decide later (actions on that app wait until then)\n",
              key_or(k ? k->resume : NULL, "r"), key_or(k ? k->abandon : NULL, "a"));
    if (d->note)
        sb_printf(out, "\n%s%s\n", d->note_bad ? "! " : "", d->note);
    sb_append(out, "\n");
    for (size_t i = 0; l && i < l->n; i++) {
        sb_append(out, i == d->selected ? "> " : "  ");
        dialog_unfinished_line(&l->items[i], out);
        sb_append(out, "\n");
        if (i == d->selected) {
            sb_append(out, "    steps:");
            for (size_t s = 0; s < l->items[i].step_state.n; s++) {
                const char *st = l->items[i].step_state.items[s];
                sb_printf(out, " %zu %s", s + 1, st && *st ? st : "not started");
                if (s + 1 < l->items[i].step_state.n)
                    sb_append(out, ",");
            }
            sb_append(out, "\n");
        }
    }
}

/* A protected plan waiting for its group's name: printable keys are typed. */
static bool typing(const dialog_state *d)
{
    const plan *p = d->p;
    return d->phase == DLG_CONFIRM && p && !p->refusal && !p->target.read_only && p->target.protected_;
}

const char *dialog_commands_key(const dialog_state *d)
{
    const dialog_keys *k = d->keys;
    if (typing(d))
        return key_or(k ? k->commands_typing : NULL, "Tab");
    return key_or(k ? k->commands : NULL, "a");
}

static bool has_commands(const plan *p)
{
    for (size_t i = 0; p && i < p->steps.n; i++)
        if (p->steps.items[i].cli)
            return true;
    return false;
}

void dialog_quit_text(const char *question, const char *yes_key, strbuf *out)
{
    sb_printf(out, "%s\n\n%s: quit    any other key: stay\n", question ? question : "Quit?",
              yes_key && *yes_key ? yes_key : "y");
}

void dialog_text(const dialog_state *d, strbuf *out)
{
    const plan *p = d->p;
    const dialog_keys *k = d->keys;
    const char *yes = key_or(k ? k->confirm : NULL, "y"), *no = key_or(k ? k->decline : NULL, "n");
    const char *cmds = dialog_commands_key(d);
    bool is_cancel = p && p->action == PLAN_CANCEL;
    switch (d->phase) {
    case DLG_NONE:
        return;
    case DLG_UNFINISHED:
        unfinished_text(d, out);
        return;
    case DLG_BUILDING:
        sb_append(out,
                  "Reading the live state (group, refreshes, repository, images) to plan it...\n"
                  "Nothing has changed. Esc stops planning.\n");
        return;
    case DLG_OFFER:
        sb_printf(out, "ROLLBACK ADVISED: %s\n\n", d->note ? d->note : "the deploy went bad");
        sb_printf(out, "Press %s to roll back (the plan is shown first), Esc to dismiss.\n",
                  key_or(k ? k->rollback : NULL, "R"));
        return;
    case DLG_CONFIRM:
    case DLG_RUNNING:
    case DLG_DONE:
        if (p) {
            /* What it changes comes first, whatever else is on screen. */
            plan_summary(p, out);
            sb_append(out, "\n");
        }
        break;
    }
    switch (d->phase) {
    case DLG_NONE:
    case DLG_UNFINISHED:
    case DLG_BUILDING:
    case DLG_OFFER:
        return;
    case DLG_CONFIRM:
        if (!p)
            return;
        if (p->refusal) {
            sb_append(out, "REFUSED: this plan cannot run, and nothing was changed. Esc or Enter closes.\n");
        } else if (p->target.protected_) {
            sb_printf(out, "%s is protected: type the group's name (%s) and press Enter to run it. %s\n",
                      p->target.app ? p->target.app : "this app", plan_confirm_text(p),
                      is_cancel ? "Esc: keep the refresh running." : "Esc cancels.");
            sb_printf(out, "> %s_\n", d->typed ? d->typed : "");
        } else if (is_cancel) {
            sb_printf(out,
                      "Run this plan?   %s: cancel the refresh    %s/Esc: keep the refresh running   "
                      "(Enter does not run it)\n",
                      yes, no);
        } else {
            sb_printf(out, "Run this plan?   %s: run    %s/Esc: cancel   (Enter does not run it)\n", yes, no);
        }
        break;
    case DLG_RUNNING: {
        size_t at = dialog_current_step(p);
        if (d->auto_run)
            sb_append(out, "AUTOMATIC ROLLBACK (auto_rollback: true in the config), journaled like any plan.\n");
        if (at)
            sb_printf(out,
                      "Running step %zu of %zu. Esc hides this (the plan keeps running); "
                      "%s stops it at the next step boundary.\n",
                      at, p ? p->steps.n : 0, key_or(k ? k->stop : NULL, "x"));
        else
            sb_append(out, "Running. Esc hides this (the plan keeps running).\n");
        break;
    }
    case DLG_DONE:
        sb_printf(out, "%s   (Esc or Enter closes%s%s%s)\n", d->note ? d->note : "Finished.", d->can_replan ? "; " : "",
                  d->can_replan ? key_or(k ? k->replan : NULL, "r") : "", d->can_replan ? " plans it again" : "");
        if (d->after && *d->after)
            sb_printf(out, "%s%s", d->after, d->after[strlen(d->after) - 1] == '\n' ? "" : "\n");
        break;
    }
    if (d->note && d->phase != DLG_DONE)
        sb_printf(out, "%s%s\n", d->note_bad ? "! " : "", d->note);
    if (p) {
        sb_append(out, "\n");
        plan_format_opt(p, d->show_cli, out);
        if (has_commands(p) && *cmds)
            sb_printf(out, "  (%s %s the aws commands)\n", cmds, d->show_cli ? "hides" : "shows");
    }
}
