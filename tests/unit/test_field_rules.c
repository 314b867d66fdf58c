/* test_field_rules.c — the shapes of AWS ids (field_rules.h): real ids pass; shell
 * syntax, control characters, escape sequences, spaces, non-ASCII look-alikes and
 * values one character too long or too short do not, in any locale. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <string.h>

#include "services/field_rules.h"
#include "util.h"

typedef struct sample {
    field_kind kind;
    const char *value;
    bool valid;
} sample;

static const sample samples[] = {
    { FIELD_INSTANCE_ID, "i-0aaa0aaa0aaa0aaa0", true },
    { FIELD_INSTANCE_ID, "i-1a2b3c4d", true },
    { FIELD_INSTANCE_ID, "i-1a2b3c4", false },
    { FIELD_INSTANCE_ID, "i-0aaa0aaa0aaa0aaa00", false },
    { FIELD_INSTANCE_ID, "i-0AAA0AAA0AAA0AAA0", false },
    { FIELD_INSTANCE_ID, "i-0aaa0aaa\ntouch /tmp/x\n", false },
    { FIELD_INSTANCE_ID, "i-0aaa0aaa0aaa0aaa0\n", false },
    { FIELD_INSTANCE_ID, " i-0aaa0aaa0aaa0aaa0", false },
    { FIELD_INSTANCE_ID, "", false },
    { FIELD_IMAGE_DIGEST, "sha256:487a50696d15b3966f4697f8e908051885dda1c4a3265da241dd493172fe7b4c", true },
    { FIELD_IMAGE_DIGEST, "sha256:487a50696d15b3966f4697f8e908051885dda1c4a3265da241dd493172fe7b4", false },
    { FIELD_IMAGE_DIGEST, "sha256:487a50696d15b3966f4697f8e908051885dda1c4a3265da241dd493172fe7b4c0", false },
    { FIELD_IMAGE_DIGEST, "sha256:487A50696D15B3966F4697F8E908051885DDA1C4A3265DA241DD493172FE7B4C", false },
    { FIELD_IMAGE_DIGEST, "sha256:487a50696d15b3966f4697f8e908051885dda1c4a3265da241dd493172fe7b4c;id", false },
    { FIELD_IMAGE_DIGEST, "sha256:$(touch x)", false },
    { FIELD_IMAGE_TAG, "prod-stable", true },
    { FIELD_IMAGE_TAG, "v1.2_3", true },
    { FIELD_IMAGE_TAG, "prod\x1b]52;c;dG91Y2ggL3RtcC94Cg==\x07", false },
    { FIELD_IMAGE_TAG, "-prod", false },
    { FIELD_UUID, "0b1c2d3e-aaaa-bbbb-cccc-0123456789ab", true },
    { FIELD_UUID, "0B1C2D3E-AAAA-BBBB-CCCC-0123456789AB", true },
    { FIELD_UUID, "0b1c2d3e-aaaa-bbbb-cccc-0123456789a", false },
    { FIELD_UUID, "0b1c2d3e-aaaa-bbbb-cccc-0123456789ag", false },
    { FIELD_ARN, "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-tg/73e2d6bc24d8a067", true },
    { FIELD_ARN, "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:web", true },
    { FIELD_ARN, "arn:aws:iam::123456789012:user/on-call", true },
    { FIELD_ARN, "arn:aws:lambda:us-east-1:123456789012:function:`id`", false },
    { FIELD_ARN, "arn:aws:lambda:us-east-1:12345678901:function:web", false },
    { FIELD_ASG_NAME, "web-asg", true },
    { FIELD_ASG_NAME, "web_asg.v2/blue", true },
    { FIELD_ASG_NAME, "web asg", false },
    { FIELD_ASG_NAME, "web:asg", false },
    { FIELD_ASG_NAME, "web\nasg", false },
    { FIELD_ASG_NAME,
      "web\xe2\x80\x8b"
      "asg",
      false }, /* a zero-width space */
    { FIELD_IP_ADDRESS, "10.0.1.17", true },
    { FIELD_IP_ADDRESS, "2001:db8::17", true },
    { FIELD_IP_ADDRESS, "10.0.1.17;id", false },
    { FIELD_REQUEST_ID, "8f2a6f1e-7d3c-4b8a-9c1d-0e1f2a3b4c5d", true },
    { FIELD_REQUEST_ID, "canned-request", true },
    { FIELD_REQUEST_ID, "a|b", false },
    { FIELD_NOTE_ID, "tarmac:p-20261123T194200Z-1a2b3c:4", true },
    { FIELD_NOTE_ID, "tarmac:p-20261123T194200Z-1a2b3c:4;id", false },
};

static void check_all(void)
{
    for (size_t i = 0; i < ARRAY_LEN(samples); i++) {
        if (field_valid(samples[i].kind, samples[i].value) != samples[i].valid)
            fail_msg("sample %zu (%s): expected %s", i, field_what(samples[i].kind),
                     samples[i].valid ? "valid" : "refused");
    }
}

static void test_samples(void **state)
{
    (void)state;
    check_all();
    assert_false(field_valid(FIELD_INSTANCE_ID, NULL));
    assert_false(field_valid(FIELD_COUNT, "x"));
    for (int k = 0; k < FIELD_COUNT; k++)
        assert_true(field_what((field_kind)k)[0] != '\0');
}

/* Lengths: the table's bounds hold (an ASG name of 255 passes, 256 does not). */
static void test_lengths(void **state)
{
    (void)state;
    char name[300];
    memset(name, 'a', sizeof name);
    name[255] = '\0';
    assert_true(field_valid(FIELD_ASG_NAME, name));
    name[255] = 'a';
    name[256] = '\0';
    assert_false(field_valid(FIELD_ASG_NAME, name));
}

/* The same answers in a UTF-8 locale (the console's). */
static void test_locale(void **state)
{
    (void)state;
    if (!setlocale(LC_ALL, "C.UTF-8"))
        skip();
    check_all();
    setlocale(LC_ALL, "C");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples),
        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_locale),
    };
    return cmocka_run_group_tests_name("field_rules", tests, NULL, NULL);
}
