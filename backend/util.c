/* util.c — allocation, string builder, arrays, secrets and time helpers. */
#include "util.h"

#include <openssl/crypto.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static void (*fatal_hook)(void);

void util_set_fatal_hook(void (*hook)(void))
{
    fatal_hook = hook;
}

void util_fatal(const char *msg)
{
    void (*hook)(void) = fatal_hook;
    fatal_hook = NULL;
    if (hook)
        hook();
    fprintf(stderr, "tarmac: fatal: %s\n", msg);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        util_fatal("out of memory");
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        util_fatal("out of memory");
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        util_fatal("out of memory");
    return q;
}

char *xstrdup(const char *s)
{
    if (!s)
        return NULL;
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    strbuf sb;
    va_list ap;
    sb_init(&sb);
    va_start(ap, fmt);
    sb_vprintf(&sb, fmt, ap);
    va_end(ap);
    return sb.buf;
}

void str_set(char **dst, const char *src)
{
    char *copy = xstrdup(src);
    free(*dst);
    *dst = copy;
}

void secret_wipe(void *p, size_t n)
{
    if (p && n)
        OPENSSL_cleanse(p, n);
}

void secret_free(char *s)
{
    if (!s)
        return;
    secret_wipe(s, strlen(s));
    free(s);
}

/* ---- strbuf ---- */

void sb_init(strbuf *sb)
{
    sb->cap = 64;
    sb->len = 0;
    sb->buf = xmalloc(sb->cap);
    sb->buf[0] = '\0';
}

void sb_free(strbuf *sb)
{
    free(sb->buf);
    sb->buf = NULL;
    sb->len = sb->cap = 0;
}

void sb_wipe_free(strbuf *sb)
{
    secret_wipe(sb->buf, sb->cap);
    sb_free(sb);
}

void sb_reset(strbuf *sb)
{
    sb->len = 0;
    if (sb->buf)
        sb->buf[0] = '\0';
}

static void sb_grow(strbuf *sb, size_t extra)
{
    if (sb->len + extra + 1 <= sb->cap)
        return;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < sb->len + extra + 1) {
        if (cap > SIZE_MAX / 2)
            util_fatal("string too large");
        cap *= 2;
    }
    sb->buf = xrealloc(sb->buf, cap);
    sb->cap = cap;
}

void sb_appendn(strbuf *sb, const char *s, size_t n)
{
    if (!n)
        return;
    sb_grow(sb, n);
    memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void sb_append(strbuf *sb, const char *s)
{
    if (s)
        sb_appendn(sb, s, strlen(s));
}

void sb_appendc(strbuf *sb, char c)
{
    sb_appendn(sb, &c, 1);
}

void sb_vprintf(strbuf *sb, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return;
    sb_grow(sb, (size_t)n);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void sb_printf(strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(sb, fmt, ap);
    va_end(ap);
}

char *sb_steal(strbuf *sb)
{
    char *p = sb->buf ? sb->buf : xstrdup("");
    sb->buf = NULL;
    sb->len = sb->cap = 0;
    return p;
}

void sb_append_urlencoded(strbuf *sb, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
            c == '.' || c == '~') {
            sb_appendc(sb, (char)c);
        } else {
            char e[3] = { '%', hex[c >> 4], hex[c & 15] };
            sb_appendn(sb, e, 3);
        }
    }
}

/* ---- strvec ---- */

void strvec_push(strvec *v, const char *s)
{
    VEC_PUSH(*v, xstrdup(s));
}

void strvec_free(strvec *v)
{
    for (size_t i = 0; i < v->n; i++)
        free(v->items[i]);
    VEC_FREE(*v);
}

bool strvec_contains(const strvec *v, const char *s)
{
    for (size_t i = 0; i < v->n; i++)
        if (str_eq(v->items[i], s))
            return true;
    return false;
}

/* ---- time ---- */

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

bool time_parse_iso8601(const char *s, aws_time *out)
{
    if (!s || strlen(s) < 19)
        return false;
    int Y = digits(s, 4), M = digits(s + 5, 2), D = digits(s + 8, 2);
    int h = digits(s + 11, 2), m = digits(s + 14, 2), sec = digits(s + 17, 2);
    if (Y < 1970 || M < 1 || M > 12 || D < 1 || D > 31 || h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60 ||
        s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
        return false;
    const char *p = s + 19;
    int ms = 0;
    if (*p == '.') {
        p++;
        int scale = 100, nd = 0;
        while (*p >= '0' && *p <= '9') {
            if (nd < 3)
                ms += (*p - '0') * scale;
            scale /= 10;
            nd++;
            p++;
        }
        if (nd == 0)
            return false;
    }
    int offset_min = 0;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        if (strlen(p) < 5)
            return false;
        int oh = digits(p + 1, 2);
        if (p[3] == ':' && strlen(p) < 6)
            return false;
        int om = p[3] == ':' ? digits(p + 4, 2) : digits(p + 3, 2);
        if (oh < 0 || om < 0 || oh > 23 || om > 59)
            return false;
        offset_min = (oh * 60 + om) * (*p == '+' ? 1 : -1);
        p += p[3] == ':' ? 6 : 5;
    } else if (*p != '\0') {
        return false;
    }
    if (*p != '\0')
        return false;
    struct tm tm = { .tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D, .tm_hour = h, .tm_min = m, .tm_sec = sec };
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return false;
    *out = ((int64_t)t - (int64_t)offset_min * 60) * 1000 + ms;
    return true;
}

aws_time time_from_epoch_seconds(double secs)
{
    if (!(secs > 0) || secs > 32503680000.0) /* NaN, negative or past year 3000 */
        return 0;
    return (aws_time)(secs * 1000.0 + 0.5);
}

void time_format_iso8601(aws_time t, char *buf, size_t len)
{
    if (!len)
        return;
    if (t == 0) {
        buf[0] = '\0';
        return;
    }
    time_t secs = (time_t)(t / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, (int)(t % 1000));
}

aws_time time_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t real_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* rate 0: not read yet. The start is where the sped-up clock meets the real one. */
static _Atomic int test_clock_rate;
static _Atomic int64_t test_clock_start, test_clock_offset;

static int clock_rate(void)
{
    int r = atomic_load(&test_clock_rate);
    if (r)
        return r;
    const char *v = getenv("TARMAC_TEST_CLOCK_RATE");
    char *end = NULL;
    long n = v && *v ? strtol(v, &end, 10) : 1;
    if (!v || !*v || *end || n < 1 || n > 1000)
        n = 1;
    int64_t zero = 0;
    atomic_compare_exchange_strong(&test_clock_start, &zero, real_mono_ms());
    int expected = 0;
    atomic_compare_exchange_strong(&test_clock_rate, &expected, (int)n);
    return atomic_load(&test_clock_rate);
}

int64_t mono_now_ms(void)
{
    int64_t real = real_mono_ms();
    int r = clock_rate();
    int64_t start = atomic_load(&test_clock_start);
    return start + (real - start) * r + atomic_load(&test_clock_offset);
}

void clock_test_advance(int64_t ms)
{
    if (ms > 0)
        atomic_fetch_add(&test_clock_offset, ms);
}

int clock_real_wait_ms(int ms)
{
    int r = clock_rate();
    if (ms <= 0 || r == 1)
        return ms;
    return ms / r > 0 ? ms / r : 1;
}

bool str_copy(char *dst, size_t cap, const char *src)
{
    if (!cap)
        return false;
    if (!src)
        src = "";
    size_t n = strlen(src);
    bool fits = n < cap;
    if (!fits)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return fits;
}

bool str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

bool str_empty(const char *s)
{
    return !s || !*s;
}

file_read_rc file_read_bounded(const char *path, size_t max, strbuf *out, strbuf *why)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        sb_printf(why, "cannot open: %s", strerror(errno));
        return errno == ENOENT || errno == ENOTDIR ? FILE_READ_MISSING : FILE_READ_BAD;
    }
    struct stat st;
    file_read_rc rc = FILE_READ_BAD;
    if (fstat(fd, &st) != 0) {
        sb_printf(why, "cannot stat: %s", strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        sb_append(why, "not a regular file");
        goto out;
    }
    if (st.st_size > (off_t)max) {
        sb_printf(why, "larger than %zu bytes", max);
        rc = FILE_READ_TOO_LARGE;
        goto out;
    }
    char buf[4096];
    for (;;) { /* bounded again: the file may grow while it is read */
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            sb_printf(why, "cannot read: %s", strerror(errno));
            break;
        }
        if (n == 0) {
            rc = FILE_READ_OK;
            break;
        }
        if (out->len + (size_t)n > max) {
            sb_printf(why, "larger than %zu bytes", max);
            rc = FILE_READ_TOO_LARGE;
            break;
        }
        sb_appendn(out, buf, (size_t)n);
    }
    secret_wipe(buf, sizeof buf);
out:
    close(fd);
    return rc;
}

void human_bytes(int64_t bytes, char *buf, size_t len)
{
    static const char *const units[] = { "B", "KB", "MB", "GB", "TB" };
    double v = (double)bytes;
    size_t u = 0;
    while (v >= 1000.0 && u + 1 < ARRAY_LEN(units)) {
        v /= 1000.0;
        u++;
    }
    snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *form_decode(const char *s, size_t n)
{
    strbuf sb;
    sb_init(&sb);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            sb_appendc(&sb, ' ');
        } else if (s[i] == '%' && i + 2 < n && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            sb_appendc(&sb, (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
            i += 2;
        } else {
            sb_appendc(&sb, s[i]);
        }
    }
    char *out = sb_steal(&sb);
    sb_free(&sb); /* sb_steal leaves a fresh empty buffer behind */
    return out;
}
