/* textwrap.h — word wrap for the terminal: untrusted text goes through the
 * sanitizer (sanitize.h) first, then is split into lines no wider than a number of
 * display cells (wcwidth, so wide characters count two and combining marks stay
 * with the character before them). */
#ifndef TARMAC_TEXTWRAP_H
#define TARMAC_TEXTWRAP_H

#include <stdbool.h>

#include "util.h"

/* Sanitized bytes considered at most: longer text ends with "…" before wrapping. */
#define WRAP_MAX_BYTES 16384

/* Appends to out the lines of text wrapped to `width` cells (width < 1 counts as 1).
 * Lines break at spaces (the spaces at a break are dropped); a word longer than a
 * line is broken where the line is full, never inside a character. A character
 * wider than the whole line (a wide character at width 1) shows as "…".
 * Lines after the first start with `hang` spaces and hold width - hang cells
 * (hang is ignored when it leaves less than a third of the width); the first line
 * does not break at its spaces before column hang (a key's padding: the value goes
 * on under itself).
 * max_lines > 0 bounds the lines; text that needs more ends its last line with "…"
 * ("~" when ascii). Empty text gives one empty line. Returns the lines appended. */
int text_wrap(const char *text, int width, int hang, int max_lines, bool ascii, strvec *out);

/* How many lines text_wrap would give (same arguments, nothing kept). */
int text_wrap_count(const char *text, int width, int hang, int max_lines, bool ascii);

#endif
