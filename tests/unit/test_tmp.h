/* test_tmp.h — where the unit tests make their scratch directories: $TMPDIR, else /tmp. */
#ifndef TARMAC_TEST_TMP_H
#define TARMAC_TEST_TMP_H

#include <stdlib.h>

static inline const char *test_tmpdir(void)
{
    const char *t = getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

#endif
