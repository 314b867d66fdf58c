/* console_int.h — what the console's files share: the console struct and the
 * functions one file calls in another (event loop and keys in console.c, drawing
 * in console_draw.c, overlays and the SSM shell in console_views.c, switching and
 * the command line in console_cmd.c).
 * Each part of the console's state has one owner file that changes it, through the
 * functions declared below: the overlay (con_overlay, console_views.c), the prompt
 * (con_prompt, console_cmd.c), the status line's message (con_msgline,
 * console_draw.c), switching and MFA (con_identity, console_identity.c and
 * console_cmd.c), the Apps overview (con_apps_state, apps_view.c) and the actions
 * (con_actions, console_actions*.c). Others only read them. */
#ifndef TARMAC_CONSOLE_INT_H
#define TARMAC_CONSOLE_INT_H

#include "console.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "deploy/live_history.h"
#include "watch/apps_watch.h"
#include "keymap.h"
#include "layout.h"
#include "listview.h"
#include "pane.h"
#include "sanitize.h"
#include "textwrap.h"
#include "theme.h"
#include "watch/watch.h"

#define SELECT_DEBOUNCE_MS 250  /* Groups cursor rests this long before it drives the rest */
#define MESSAGE_MS         6000 /* how long a status message stays */
#define MSG_LINES_MAX      3    /* a long one wraps onto this many lines at most */
#define PROMPT_MAX         256

typedef enum overlay_kind { OV_NONE, OV_TEXT, OV_LOG, OV_ACTION } overlay_kind; /* OV_ACTION: console_actions.c */
typedef enum prompt_kind { PR_NONE, PR_FILTER, PR_COMMAND, PR_MFA } prompt_kind;

#define MFA_QUEUE_MAX 8

/* A creds_job waiting for an MFA code (the prompt answers the first). */
typedef struct mfa_wait {
    creds_job *job;
    char serial[128], profile[64];
} mfa_wait;

/* Switching profile/region/app and answering MFA (console_identity.c, console_cmd.c). */
typedef struct con_identity {
    /* :profile / :region / an app elsewhere while its credentials resolve */
    creds_job *switch_job;
    char *switch_profile, *switch_region;
    const app_config *switch_app;
    char switch_label[96]; /* "profile ops", for the header */
    bool refresh_failed_shown;
    mfa_wait mfa[MFA_QUEUE_MAX];
    int n_mfa;
    char mfa_code[64]; /* typed so far (the prompt shows stars) */
} con_identity;

/* The Apps overview (apps_view.c). */
typedef struct con_apps_state {
    apps_watch *w;
    listview lv;
    bool open, dirty;
    overlay_kind seen_ov;
    int64_t second;
} con_apps_state;

/* The one overlay over the panes: detail, help, API log, a plan (console_views.c;
 * OV_ACTION's text from console_actions.c). */
typedef struct con_overlay {
    overlay_kind kind;
    bool dirty;
    char title[160];
    strvec lines;
    int scroll;     /* in shown (wrapped) lines */
    int hang;       /* OV_TEXT: where a line's value begins (its wrap goes on there) */
    strvec wrapped; /* OV_TEXT: lines wrapped to wrap_w (con_overlay_lines) */
    int wrap_w;
    char copy_id[256];
    int copy_pane; /* whose id copy_id is (its shapes: con_copy_pane_id) */
    listview log_lv;
    size_t log_seen;
    bool from_log;      /* OV_TEXT: a call's detail opened from the log (Esc goes back) */
    overlay_kind drawn; /* what the window last showed: another view starts blank */
    char drawn_title[160];
    char filter[64]; /* OV_TEXT: only the lines holding it (case aside); "" all */
} con_overlay;

/* The status line's prompt: / filter, : command, MFA code (console_cmd.c). */
typedef struct con_prompt {
    prompt_kind kind;
    char buf[PROMPT_MAX];
    char saved[128];
    char completions[256];
} con_prompt;

/* The status line's message (console_draw.c): set by con_message, cleared by
 * con_message_clear, wrapped above the status line when long. */
typedef struct con_msgline {
    char text[512];
    int role;
    int64_t until;
    WINDOW *win; /* a long message's first lines, above the status line */
    int extra;   /* how many lines win has (0: none) */
} con_msgline;

typedef struct console {
    const cli_globals *g;
    cli_session sess;
    aws_client *client;     /* in use: cs->client */
    creds_session *cs;      /* who the console is; refreshed in the background */
    char *profile, *region; /* what the header shows and `s` passes on */
    con_identity who;
    con_apps_state apps;
    watch *w;
    keymap km;
    theme th;
    theme_mode mode;
    unsigned long attrs[ROLE_COUNT];
    bool ascii, mouse, bell;
    bool has_meta; /* some binding uses M-x */

    const app_config *app;
    char live_tag[130], stable_tag[130];
    live_history live_hist; /* the live tag's moves from the journal (Instances' IMAGE) */

    layout lay;
    WINDOW *win_header, *win_status, *win_overlay;
    WINDOW *win_pane[PANE_COUNT];
    pane panes[PANE_COUNT];
    int focus;
    int tab_pane;
    int tab_mate; /* shown under the tab while an action runs here (-1: none) */

    con_overlay ov;
    con_prompt pr;
    con_msgline msg;

    bool dirty_header, dirty_status, redraw_all;
    bool dozing_shown; /* the header says polling is slow (watch_dozing) */
    bool title_dirty[PANE_COUNT];
    int64_t fade_due[PANE_COUNT]; /* when a changed-row highlight ends (0: none) */
    char *last_asg;               /* to tell a new group's rows from changed rows */
    char *missing_asg;            /* a selected group the region does not have: said once */
    char *missing_alarms;         /* the app's guard alarms DescribeAlarms does not know: said once */
    char pending_asg[256];
    int64_t pending_asg_at;
    bool refresh_was_active;
    int64_t last_second;
    int64_t last_wall_minute; /* ages are rebuilt when it turns over */
    bool quit;
    int quit_signal;         /* the signal that asked to quit (0: a key did) */
    struct con_actions *act; /* deploy/rollback/... state (console_actions_int.h) */
    struct con_ltpick *ltp;  /* :deploy-lt's version picks (console_ltpick.c) */
} console;

/* console.c */
void con_restore_signals(void);
void con_drain_sig_pipe(void);

/* console_draw.c */
pane_ctx con_ctx_of(const console *c);
void con_message(console *c, int role, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void con_message_clear(console *c);
bool con_message_shown(const console *c, const char *text); /* text is on the status line now */
void con_mark_all(console *c);
void con_set_app(console *c, const app_config *app);
void con_free_windows(console *c);
void con_relayout(console *c);
void con_relayout_if_moved(console *c);
/* An action of this console started a rollout: the kind's rollout pane comes to
 * the front of the tabs, its companion under it where there is room. */
void con_show_rollout(console *c);
/* The panes of the shown app's kind (LAYOUT_PANE_BIT mask). */
unsigned con_kind_panes(const console *c);
void con_focus_pane(console *c, int p);
void con_render(console *c);

/* console_views.c */
extern const lv_column con_log_columns[];
extern const int con_log_ncolumns;
void con_open_detail(console *c);
/* Closes whatever overlay is open (detail, log, help, a plan's text): the one way,
 * so what y copies and what is redrawn never differ by who closed it. */
void con_overlay_close(console *c);
/* The lines an open overlay shows at this width: OV_TEXT's wrapped (kept until the
 * text or the width changes), the others' as they are. */
const strvec *con_overlay_lines(console *c, int width);
/* Scrolls a text overlay by a scrolling action, or else by a function key (arrows,
 * PgUp/PgDn, Home/End); false when neither scrolls. */
bool con_overlay_scroll(console *c, action_id a, int key);
void con_overlay_scroll_to(console *c, int line);
/* Shows lines (taken) as overlay kind, at the top unless keep_scroll. */
void con_overlay_show_lines(console *c, overlay_kind kind, strvec *lines, bool keep_scroll);
void con_open_help(console *c);
void con_log_rebuild(console *c);
void con_open_log(console *c);
/* / while an overlay or a pane has the keys: the filter it applies, and setting it
 * (the API log's rows, a text overlay's lines, the focused pane's rows). */
const char *con_filter_get(const console *c);
void con_filter_set(console *c, const char *filter);
/* y: the selected row's id of pane which (a Targets row: its target's id) to the clipboard
 * by OSC 52, only when it has a shape that pane's ids have (field_rules.h); anything
 * else (a newline, an escape sequence) is refused with a message. */
void con_copy_pane_id(console *c, int which, const char *row_id);
void con_ssm_shell(console *c);
void con_overlay_key(console *c, action_id a);

/* console_cmd.c */
bool con_app_is_local(const console *c, const app_config *app);
/* Switch to profile/region (NULL: keep / the profile's own) without blocking, then
 * open app (may be NULL). ready: a session already open there, adopted at once. */
void con_switch_start(console *c, const char *profile, const char *region, const app_config *app,
                      const creds_session *ready);
void con_switch_poll(console *c); /* the loop: finish a switch whose job is done */
void con_switch_cancel(console *c);
void con_open_app_here(console *c, const app_config *app); /* same profile and region */
const app_config *con_app_for_asg(const console *c, const char *asg);
/* The Groups cursor's group becomes the selected one now, not after the debounce:
 * an action must act on the group the cursor shows. */
void con_apply_pending_asg(console *c);
void con_prompt_open(console *c, prompt_kind k);
void con_prompt_key(console *c, int key);
void con_prompt_close(console *c);
void con_prompt_set_text(console *c, const char *text); /* what the prompt holds as typed */
/* The line beside the prompt: completions, a hint ("MFA code for ..."). */
void con_prompt_hint(console *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* console_identity.c: the creds session, its refresh, MFA prompts, the header's identity */
int con_creds_start(console *c);              /* after cli_session_open; 0 or an exit code */
void con_creds_tick(console *c, int64_t now); /* every loop turn */
int con_creds_timeout(const console *c, int64_t now, int timeout);
void con_creds_close(console *c);
creds_hooks con_creds_hooks(console *c);
void con_mfa_forget(console *c, const creds_job *j);
void con_mfa_key(console *c, int key); /* a key while the MFA prompt is open */
/* " tarmac  acct 123456789012 role/ops  profile ops  region eu-west-1 ..." fitted to width */
void con_header_left(const console *c, int width, strbuf *out);
/* "switching to profile ops…", "expires 9m", ... into buf with its theme role;
 * returns its width in columns (0: nothing to say). */
int con_header_note(const console *c, char *buf, size_t len, int *role);

/* apps_view.c: the Apps overview screen */
void con_apps_open(console *c);
void con_apps_close(console *c);
void con_apps_toggle(console *c);
bool con_apps_shown(const console *c); /* drawn instead of the panes */
void con_apps_key(console *c, int key);
void con_apps_tick(console *c, int64_t now);
void con_apps_draw(console *c);
void con_apps_free(console *c);

/* console_actions.c: the action keys and commands, their plan dialog (the watch after
 * a deploy in console_guard.c, the journal in console_journal.c) */
typedef struct con_actions con_actions;
typedef struct con_ltpick con_ltpick;
void con_actions_init(console *c);    /* opens the journal; offers unfinished plans */
void con_actions_closing(console *c); /* after the loop: answers arriving now are dropped */
/* After a quit: true when it stopped a running plan (or left one in a step), with
 * what to tell the operator (which plan, how to resume or abandon it) in why. */
bool con_actions_stopped_by_quit(const console *c, char *why, size_t len);
void con_actions_free(console *c); /* after the clients are freed */
/* The journal changed (or the app whose live tag it follows): read it again soon. */
void con_act_journal_changed(console *c);
/* A rollback this console advised and the operator dismissed, while the refresh
 * has not succeeded since and live is not back on stable: the app is marked
 * broken all the same (out untouched otherwise). */
void con_act_advised_mark(const console *c, app_mark *out);
void con_actions_key(console *c, action_id a);    /* deploy, promote, cancel, rollback */
bool con_actions_dialog_key(console *c, int key); /* the dialog's keys; true: taken */
/* :deploy and :promote complete tags (the command row handler is con_cmd_action). */
void con_actions_tag_candidates(console *c, strvec *out);
/* console_ltpick.c. The command line changed (tab: Tab was pressed): for
 * ":deploy-lt " the candidates line shows the selected group's launch template
 * versions, read without blocking. */
void con_ltpick_prompt_hint(console *c, bool tab);
void con_ltpick_candidates(console *c, strvec *out);
void con_ltpick_drop(console *c);
void con_ltpick_closing(console *c);
void con_ltpick_free(console *c);
void con_actions_on_changes(console *c, unsigned changed); /* each poll: the deploy's watch (console_guard.c) */
void con_actions_tick(console *c, int64_t now);            /* after aws_client_run */
int con_actions_next_due_ms(console *c, int64_t now);      /* -1: nothing timed */
bool con_actions_hold_quit(console *c);                    /* a quit waits for the step boundary */
/* A quit by key or :quit. While a plan runs, a deploy started here is watched or an
 * advised rollback waits, it asks first ("watching web's deploy at 25 %; quit and stop
 * guarding?") and returns false; y then sets c->quit. Else true: quit now. */
bool con_actions_may_quit(console *c);
bool con_actions_holds_client(const console *c);       /* a plan is built or run: no client switch */
bool con_read_only_now(const console *c);              /* the selected group's effective read-only (header badge) */
bool con_protected_now(const console *c);              /* the selected group's app asks for its name typed */
bool con_action_hidden(const console *c, action_id a); /* read-only: not in hints and help */
void con_actions_help(const console *c, strbuf *sb);
/* The status line's keys while the action dialog is on screen (NULL: none open). */
const char *con_actions_hints(const console *c);

#endif
