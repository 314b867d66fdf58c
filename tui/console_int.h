/* console_int.h — what the console's files share: the console struct and the
 * functions one file calls in another (event loop and keys in console.c, drawing
 * in console_draw.c, overlays and the SSM shell in console_views.c, switching and
 * the command line in console_cmd.c). */
#ifndef TARMAC_CONSOLE_INT_H
#define TARMAC_CONSOLE_INT_H

#include "console.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "keymap.h"
#include "layout.h"
#include "listview.h"
#include "pane.h"
#include "sanitize.h"
#include "theme.h"
#include "watch.h"

#define SELECT_DEBOUNCE_MS 250     /* Groups cursor rests this long before it drives the rest */
#define MESSAGE_MS 6000            /* how long a status message stays */
#define PROMPT_MAX 256

typedef enum overlay_kind { OV_NONE, OV_TEXT, OV_LOG } overlay_kind;
typedef enum prompt_kind { PR_NONE, PR_FILTER, PR_COMMAND } prompt_kind;

typedef struct console {
    const cli_globals *g;
    cli_session sess;
    aws_client *client;           /* in use: sess.client, or own_client after a switch */
    aws_client *own_client;
    char *profile, *region;       /* what the header shows and `s` passes on */
    watch *w;
    keymap km;
    theme th;
    theme_mode mode;
    unsigned long attrs[ROLE_COUNT];
    bool ascii, mouse, bell;
    bool has_meta;                /* some binding uses M-x */

    const app_config *app;
    char live_tag[130], stable_tag[130];

    layout lay;
    WINDOW *win_header, *win_status, *win_overlay;
    WINDOW *win_pane[PANE_COUNT];
    pane panes[PANE_COUNT];
    int focus;
    int tab_pane;

    overlay_kind ov;
    bool ov_dirty;
    char ov_title[160];
    strvec ov_lines;
    int ov_scroll;
    char ov_copy_id[256];
    listview log_lv;
    size_t log_seen;

    prompt_kind prompt;
    char prompt_buf[PROMPT_MAX];
    char prompt_saved[128];
    char completions[256];

    char msg[512];
    int msg_role;
    int64_t msg_until;

    bool dirty_header, dirty_status, redraw_all;
    bool title_dirty[PANE_COUNT];
    int64_t fade_due[PANE_COUNT];    /* when a changed-row highlight ends (0: none) */
    char *last_asg;                  /* to tell a new group's rows from changed rows */
    char pending_asg[256];
    int64_t pending_asg_at;
    bool refresh_was_active;
    int64_t last_second;
    bool quit;
} console;


/* console.c */
void con_restore_signals(void);
void con_drain_sig_pipe(void);

/* console_draw.c */
pane_ctx con_ctx_of(const console *c);
void con_message(console *c, int role, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void con_mark_all(console *c);
void con_set_app(console *c, const app_config *app);
void con_free_windows(console *c);
void con_relayout(console *c);
void con_focus_pane(console *c, int p);
void con_render(console *c);

/* console_views.c */
extern const lv_column con_log_columns[];
extern const int con_log_ncolumns;
void con_open_detail(console *c);
void con_open_help(console *c);
void con_log_rebuild(console *c);
void con_open_log(console *c);
void con_copy_osc52(console *c, const char *id);
void con_ssm_shell(console *c);
void con_overlay_key(console *c, action_id a);

/* console_cmd.c */
bool con_app_is_local(const console *c, const app_config *app);
const app_config *con_app_for_asg(const console *c, const char *asg);
void con_prompt_open(console *c, prompt_kind k);
void con_prompt_key(console *c, int key);

#endif
