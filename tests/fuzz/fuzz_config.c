/* fuzz_config.c — libFuzzer target: arbitrary bytes through config_parse.
 * Any input must end in success or a FILE:LINE:COLUMN error, without crashes,
 * leaks or undefined behaviour; a success must satisfy the documented ranges. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tarmac_config c;
    strbuf err;
    sb_init(&err);
    int rc = config_parse((const char *)data, size, "fuzz.yaml", &c, &err);
    if (rc == 0) {
        /* What the parser promises its callers. */
        if (err.len || c.refresh_seconds < 1 || c.refresh_seconds > 3600 || !c.theme)
            abort();
        for (size_t i = 0; i < c.apps.n; i++) {
            const app_config *a = &c.apps.items[i];
            if (!a->asg || !a->live_tag || !a->stable_tag || strcmp(a->live_tag, a->stable_tag) == 0)
                abort();
            if (config_find_app(&c, a->name) != a)
                abort();
        }
        for (size_t i = 0; i < c.keys.n; i++)
            if (!config_key_syntax_ok(c.keys.items[i].key))
                abort();
    } else if (rc != -1 || strncmp(err.buf, "fuzz.yaml:", 10) != 0 || c.apps.n || c.keys.n) {
        abort();
    }
    config_free(&c);
    sb_free(&err);
    return 0;
}
