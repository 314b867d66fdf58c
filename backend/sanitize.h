/* sanitize.h — the one gate between untrusted text (anything AWS or a config file
 * says) and the terminal: makes it inert, visible and measured in cells.
 *
 * Every C0 control (ESC, BEL, CR, LF, TAB, ...), DEL, C1 control (U+0080–U+009F),
 * bidi control (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069), invisible code
 * point (Unicode's Default_Ignorable_Code_Point: zero-width space and joiners,
 * U+2060, U+FEFF, soft hyphen, variation selectors, tag characters, fillers, ...),
 * space other than U+0020 (no-break, en, ideographic, ...) and every code point
 * wcwidth() calls non-printable becomes visible ASCII text, so that names that
 * differ never look the same:
 *   ESC -> \e    TAB -> \t    LF -> \n    CR -> \r    other C0 and DEL -> \x07 style
 *   C1, bidi, invisible, non-printable -> \u009b style (\U0010ffff style above the BMP)
 *   a byte that is not part of valid UTF-8 (overlong, surrogate, > U+10FFFF,
 *   truncated sequence) -> \xNN
 * Backslashes in the input are kept as they are. Widths come from wcwidth() in
 * the current LC_CTYPE (the caller sets the locale); zero-width combining marks are
 * kept attached to the character before them.
 *
 * ascii_only (terminals without UTF-8): each non-ASCII printable character becomes
 * one "?" (1 column); zero-width marks are dropped. The output is then pure ASCII. */
#ifndef TARMAC_SANITIZE_H
#define TARMAC_SANITIZE_H

#include <stdbool.h>
#include <stddef.h>

/* Writes the sanitized form of in[0..in_len) into out (always NUL-terminated when
 * out_cap > 0) and returns its length in bytes (< out_cap).
 * max_cols bounds the display width (< 0: no bound but out_cap). When the text does
 * not fit in max_cols columns or in out_cap bytes, it is cut at a character or escape
 * boundary and ends with "…" ("~" when ascii_only), the marker included in the
 * bound; if not even the marker fits (max_cols 0, a tiny out_cap) the result is cut
 * without it. *cols_used (may be NULL) receives the display width of the result. */
size_t sanitize_text(const char *in, size_t in_len, char *out, size_t out_cap, int max_cols, bool ascii_only,
                     int *cols_used);

/* NUL-terminated convenience form. */
size_t sanitize_str(const char *in, char *out, size_t out_cap, int max_cols, bool ascii_only, int *cols_used);

/* The one way JSON is printed (status, creds and log --json): JSON text as json-c
 * writes it (C0 controls escaped, everything else raw UTF-8) with DEL and every code
 * point the rules above escape (C1, bidi, invisible, odd spaces) written as \u009b
 * style escapes (surrogate pairs above the BMP), and bytes that are not UTF-8 as
 * \ufffd. In valid JSON those only occur inside strings, where the escape means the
 * same character: the document is unchanged, the terminal is safe. malloc'd. */
char *sanitize_json(const char *json, size_t len);

#endif
