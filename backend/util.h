/* util.h — small pieces every module uses: checked allocation, a bounded string
 * builder, growable arrays, secret wiping and AWS timestamp conversion.
 * Allocation failure is fatal: util_set_fatal_hook() lets the console restore the
 * terminal before the process aborts. */
#ifndef TARMAC_UTIL_H
#define TARMAC_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- allocation (never returns NULL) ---- */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s); /* xstrdup(NULL) == NULL */
char *xstrndup(const char *s, size_t n);
/* application/x-www-form-urlencoded: '+' is a space, %XX a byte; malloc'd. */
char *form_decode(const char *s, size_t n);
int hex_value(char c); /* 0-15, or -1 when c is not a hex digit */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void util_set_fatal_hook(void (*hook)(void)); /* called once before abort() on OOM */
void util_fatal(const char *msg) __attribute__((noreturn));

/* Replace *dst (freed) with a copy of src. */
void str_set(char **dst, const char *src);

/* ---- secrets ---- */
/* Overwrite then free a NUL-terminated secret; NULL is fine. */
void secret_free(char *s);
/* Overwrite n bytes in a way the compiler cannot drop. */
void secret_wipe(void *p, size_t n);

/* ---- string builder: always NUL-terminated, grows as needed ---- */
typedef struct strbuf {
    char *buf; /* owned; never NULL after sb_init */
    size_t len;
    size_t cap;
} strbuf;

void sb_init(strbuf *sb);
void sb_free(strbuf *sb);      /* frees buf; sb can be re-inited */
void sb_wipe_free(strbuf *sb); /* wipes then frees (secrets) */
void sb_reset(strbuf *sb);     /* len = 0, keeps memory */
void sb_append(strbuf *sb, const char *s);
void sb_appendn(strbuf *sb, const char *s, size_t n);
void sb_appendc(strbuf *sb, char c);
void sb_printf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vprintf(strbuf *sb, const char *fmt, va_list ap);
/* Returns the text (caller frees) and leaves sb holding nothing: no sb_free needed,
 * and sb can be appended to again (it grows anew). */
char *sb_steal(strbuf *sb);
/* RFC 3986 percent-encoding of everything but A-Za-z0-9-_.~ (as SigV4 and the
 * Query protocol need). */
void sb_append_urlencoded(strbuf *sb, const char *s, size_t n);

/* ---- growable arrays: struct { T *items; size_t n, cap; } ---- */
#define VEC(T)                                                                                                         \
    struct {                                                                                                           \
        T *items;                                                                                                      \
        size_t n, cap;                                                                                                 \
    }
#define VEC_PUSH(v, val)                                                                                               \
    do {                                                                                                               \
        if ((v).n == (v).cap) {                                                                                        \
            (v).cap = (v).cap ? (v).cap * 2 : 8;                                                                       \
            (v).items = xrealloc((v).items, (v).cap * sizeof(*(v).items));                                             \
        }                                                                                                              \
        (v).items[(v).n++] = (val);                                                                                    \
    } while (0)
/* Pointer to a new zeroed slot at the end. */
#define VEC_NEW(v)                                                                                                     \
    (((v).n == (v).cap                                                                                                 \
          ? ((v).cap = (v).cap ? (v).cap * 2 : 8, (v).items = xrealloc((v).items, (v).cap * sizeof(*(v).items)))       \
          : (v).items),                                                                                                \
     memset(&(v).items[(v).n], 0, sizeof(*(v).items)), &(v).items[(v).n++])
#define VEC_FREE(v)                                                                                                    \
    do {                                                                                                               \
        free((v).items);                                                                                               \
        (v).items = NULL;                                                                                              \
        (v).n = (v).cap = 0;                                                                                           \
    } while (0)

/* A list of owned strings. */
typedef VEC(char *) strvec;
void strvec_push(strvec *v, const char *s); /* copies s */
void strvec_free(strvec *v);
bool strvec_contains(const strvec *v, const char *s);

/* ---- time: milliseconds since the Unix epoch, UTC; 0 means "absent" ---- */
typedef int64_t aws_time;
/* ISO 8601 as AWS sends it: 2024-05-01T12:00:00Z, ...00.123Z, ...+00:00.
 * Returns false on anything else. */
bool time_parse_iso8601(const char *s, aws_time *out);
/* Epoch seconds with fraction, as JSON protocols send them (1714564800.123). */
aws_time time_from_epoch_seconds(double secs);
/* "2024-05-01T12:00:00.123Z" into buf (>= 25 bytes). Empty string for 0. */
void time_format_iso8601(aws_time t, char *buf, size_t len);
aws_time time_now_ms(void); /* wall clock */
/* A size in decimal units, as docker images and the ECR console show it: "512 B",
 * "33.5 MB", "1.2 GB". */
void human_bytes(int64_t bytes, char *buf, size_t len);
int64_t mono_now_ms(void); /* CLOCK_MONOTONIC, for timers */

/* The test clock. Timers (poll intervals, "idle for 10 minutes", guard windows, hold
 * times) read mono_now_ms(); tests make it run faster so that minutes pass in
 * seconds: TARMAC_TEST_CLOCK_RATE=R (an integer 1..1000, read once) makes it run R
 * times as fast as the real one, and clock_test_advance() jumps it forward. The
 * wall clock is never changed (SigV4 and the journal need the real time). */
void clock_test_advance(int64_t ms);
/* How long to really wait for `ms` of mono_now_ms() time (ms / R, at least 1 when
 * ms > 0); what an event loop passes to poll(). */
int clock_real_wait_ms(int ms);

/* Bounded copy that always NUL-terminates; returns false if truncated. */
bool str_copy(char *dst, size_t cap, const char *src);
bool str_eq(const char *a, const char *b); /* NULL-safe */

/* Reads a whole file the one way every file from the user's side is read (the
 * config file, the shared AWS config and credentials files, web identity and
 * container token files, the SSO token cache): opened with O_NONBLOCK so that a
 * FIFO cannot hang the open, then only a regular file is read, and at most max
 * bytes of it (bounded again while reading: the file may grow). The text is
 * appended to out (a secret for the credential files: the caller wipes it). Other
 * results set a reason in why, without the path and never the content:
 * "cannot open: ...", "not a regular file", "larger than N bytes", ... */
typedef enum file_read_rc {
    FILE_READ_OK,
    FILE_READ_MISSING, /* ENOENT / ENOTDIR */
    FILE_READ_TOO_LARGE,
    FILE_READ_BAD, /* not a regular file, or cannot be opened or read */
} file_read_rc;
file_read_rc file_read_bounded(const char *path, size_t max, strbuf *out, strbuf *why);
bool str_empty(const char *s); /* NULL or "" */

#endif
