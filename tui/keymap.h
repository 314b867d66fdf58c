/* keymap.h — the console's actions (from actions.def) and the keys that trigger
 * them: defaults, overridden per action by the config file's keys: section, looked
 * up in layers (the focused pane's bindings, then the global ones). Key codes are
 * plain ints: a character's code point, or KEYMAP_FN|KEY_x for curses function
 * keys, or KEYMAP_META|ch for Alt/Meta + character. Knows nothing of ncurses state. */
#ifndef TARMAC_KEYMAP_H
#define TARMAC_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "util.h"

#define SCOPE_GLOBAL  0
#define SCOPE_PANE(n) (n) /* a pane's number (panes.def) */
/* the action dialog (a plan on screen): looked up before the global keys while it is open */
#define SCOPE_DIALOG 100
/* the list of unfinished plans (found in the journal at start or before an action) */
#define SCOPE_UNFINISHED 101

typedef enum action_id {
    ACT_NONE = 0,
#define ACTION(id, name, scope, k1, k2, k3, help) ACT_##id,
#define ACTION_RESERVED(name)
#include "actions.def"
#undef ACTION
#undef ACTION_RESERVED
    ACT_COUNT
} action_id;

typedef struct action_info {
    const char *name;
    int scope;           /* SCOPE_GLOBAL or a pane number */
    const char *keys[3]; /* defaults, NULL-padded */
    const char *help;
} action_info;

/* Indexed by action_id (ACT_NONE has a NULL name). */
extern const action_info keymap_actions[ACT_COUNT];
/* Names a config file may bind that do nothing yet; NULL-terminated. */
extern const char *const keymap_reserved[];

action_id keymap_action_by_name(const char *name);
/* The pane a focus_<name> action focuses (PANE_<ID>), or -1 for another action. */
int keymap_focus_pane(action_id a);

#define KEYMAP_FN   0x1000000
#define KEYMAP_META 0x2000000

/* Config key string ("j", "C-d", "M-x", "F5", "Enter", "S-Tab", "PgUp", "é") to a
 * key code; -1 when it is not a key. */
int keymap_parse_key(const char *s);
/* Human name of a key code ("j", "C-d", "Enter", "PgUp") into buf. */
void keymap_key_name(int key, char *buf, size_t len);

typedef struct key_binding {
    int key;
    action_id action;
    int scope;
} key_binding;

typedef struct keymap {
    VEC(key_binding) b;
} keymap;

/* Defaults only. */
void keymap_init(keymap *km);
void keymap_free(keymap *km);
/* Applies the config's bindings: an action named there loses its default keys and
 * gets the listed ones; a key the config gives to one action is taken away from any
 * other action in the same scope. Errors (unknown action, a key bound twice in the
 * config for one scope) are appended to err as "FILE:LINE: message", one per line;
 * returns the number of errors (the bindings that were fine are applied). */
int keymap_apply_config(keymap *km, const tarmac_config *cfg, strbuf *err);
/* The action for key with the focused pane numbered pane (its bindings first). */
action_id keymap_lookup(const keymap *km, int pane, int key);
/* Keys bound to action (for help and hints): "j, Down" into buf. */
void keymap_keys_for(const keymap *km, action_id a, char *buf, size_t len);

#endif
