/* pane.c — the pane registry and the helpers panes share (ages, times, detail text). */
#include "pane.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sanitize.h"

const pane_entry panes_all[PANE_COUNT] = {
#define PANE(ID, name, title, number, row, col, min_rows) [PANE_##ID] = { &pane_##name##_ops, #name, title, number },
#include "panes.def"
#undef PANE
};

void pane_init(pane *p, int id)
{
    memset(p, 0, sizeof *p);
    p->ops = panes_all[id].ops;
    p->id = id;
    p->priv = p->ops->priv_size ? xcalloc(1, p->ops->priv_size) : NULL;
    lv_init(&p->lv, p->ops->columns, p->ops->ncols);
    p->lv.follow_head = p->ops->newest_first;
    if (p->ops->init)
        p->ops->init(p);
    p->dirty = true;
}

void pane_free(pane *p)
{
    if (p->ops && p->ops->free)
        p->ops->free(p);
    lv_free(&p->lv);
    free(p->priv);
    p->priv = NULL;
}

void pane_fmt_age(aws_time then, aws_time now, char *buf, size_t len)
{
    if (!then) {
        snprintf(buf, len, "-");
        return;
    }
    long long s = (long long)((now - then) / 1000);
    if (s < 0)
        s = 0;
    if (s < 120) {
        snprintf(buf, len, "%llds", s);
        return;
    }
    /* Minutes and more are counted to the end of the clock's minute, so every age on
     * the screen turns over together with the header clock: one small update a minute
     * on the link instead of one per row at scattered seconds. (To the end, not the
     * start: something pushed exactly ten days ago shows 10d, never 9d for a minute.) */
    aws_time minute_end = now % 60000 ? now - now % 60000 + 60000 : now;
    long long aligned = (long long)((minute_end - then) / 1000);
    if (aligned > 120)
        s = aligned;
    else
        s = 120;
    if (s < 7200)
        snprintf(buf, len, "%lldm", s / 60);
    else if (s < 172800)
        snprintf(buf, len, "%lldh", s / 3600);
    else
        snprintf(buf, len, "%lldd", s / 86400);
}

void pane_fmt_time(aws_time t, char *buf, size_t len)
{
    if (!t) {
        snprintf(buf, len, "-");
        return;
    }
    time_t secs = (time_t)(t / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M:%SZ", &tm);
}

void detail_kv(strbuf *sb, const char *key, const char *value)
{
    char buf[2048];
    sanitize_str(value ? value : "-", buf, sizeof buf, -1, false, NULL);
    sb_printf(sb, "%-*s %s\n", DETAIL_KEY_COLS, key, buf);
}

void detail_kvf(strbuf *sb, const char *key, const char *fmt, ...)
{
    strbuf v;
    sb_init(&v);
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&v, fmt, ap);
    va_end(ap);
    detail_kv(sb, key, v.buf);
    sb_free(&v);
}

const instance_refresh *pane_active_refresh(const watch_state *ws)
{
    for (size_t i = 0; i < ws->refreshes.n; i++)
        if (refresh_status_active(ws->refreshes.items[i].status))
            return &ws->refreshes.items[i];
    return NULL;
}

void pane_put(WINDOW *w, int y, int x, int width, const char *text, unsigned long attr, bool ascii)
{
    if (width <= 0)
        return;
    char buf[2048];
    int used = 0;
    sanitize_str(text ? text : "", buf, sizeof buf, width, ascii, &used);
    wattrset(w, (int)attr);
    mvwaddstr(w, y, x, buf);
    for (int i = used; i < width; i++)
        waddch(w, ' ');
}
