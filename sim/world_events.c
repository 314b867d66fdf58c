/* world_events.c — the world's event log: a bounded ring of JSON lines, one per thing
 * that happened, so tests (and GET /_sim/events) can check what the world did. */
#include "world_int.h"

#include <stdio.h>
#include <stdlib.h>

void w_events_init(w_event_ring *r)
{
    r->lines = xcalloc(W_EVENT_RING, sizeof *r->lines);
    r->first_seq = r->next_seq = 1;
}

void w_events_free(w_event_ring *r)
{
    if (!r->lines)
        return;
    for (size_t i = 0; i < W_EVENT_RING; i++)
        free(r->lines[i]);
    free(r->lines);
    r->lines = NULL;
}

void w_json_str(strbuf *sb, const char *s)
{
    if (!s) {
        sb_append(sb, "null");
        return;
    }
    sb_appendc(sb, '"');
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\') {
            sb_appendc(sb, '\\');
            sb_appendc(sb, (char)*c);
        } else if (*c < 0x20) {
            sb_printf(sb, "\\u%04x", *c);
        } else {
            sb_appendc(sb, (char)*c);
        }
    }
    sb_appendc(sb, '"');
}

/* fmt builds the fields after "type"; string values come pre-quoted by the callers
 * (they are ids and names the world made, or escaped with w_json_str). */
void w_event(sim_world *w, const char *type, const char *fmt, ...)
{
    w_event_ring *r = &w->events;
    if (w->quiet)
        return;
    char when[32];
    w_iso(w->now, when);
    strbuf sb;
    sb_init(&sb);
    sb_printf(&sb, "{\"seq\":%llu,\"t\":%lld,\"time\":\"%s\",\"type\":\"%s\"", (unsigned long long)r->next_seq,
              (long long)w->now, when, type);
    if (fmt && *fmt) {
        sb_appendc(&sb, ',');
        va_list ap;
        va_start(ap, fmt);
        sb_vprintf(&sb, fmt, ap);
        va_end(ap);
    }
    sb_appendc(&sb, '}');
    size_t slot = r->next_seq % W_EVENT_RING;
    free(r->lines[slot]);
    r->lines[slot] = sb_steal(&sb);
    sb_free(&sb);
    r->next_seq++;
    if (r->next_seq - r->first_seq > W_EVENT_RING)
        r->first_seq = r->next_seq - W_EVENT_RING;
}

void world_events_json(const sim_world *w, uint64_t since_seq, strbuf *out)
{
    const w_event_ring *r = &w->events;
    uint64_t from = since_seq + 1 > r->first_seq ? since_seq + 1 : r->first_seq;
    for (uint64_t s = from; s < r->next_seq; s++) {
        sb_append(out, r->lines[s % W_EVENT_RING]);
        sb_appendc(out, '\n');
    }
}

uint64_t world_events_last_seq(const sim_world *w)
{
    return w->events.next_seq - 1;
}
