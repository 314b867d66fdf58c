/* alarm_rule.h — a composite alarm's AlarmRule (CloudWatch's rule language: ALARM(x),
 * OK(x), INSUFFICIENT_DATA(x), TRUE, FALSE, AND, OR, NOT and parentheses) parsed once
 * into a small tree and evaluated against the states of other alarms. */
#ifndef TARMAC_SIM_ALARM_RULE_H
#define TARMAC_SIM_ALARM_RULE_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* AWS's limits on a rule (PutCompositeAlarm's AlarmRule): its length, its elements
 * (child alarms, TRUE/FALSE, parentheses) and the alarms it names. */
#define ALARM_RULE_MAX_LEN      10240
#define ALARM_RULE_MAX_ELEMENTS 500
#define ALARM_RULE_MAX_CHILDREN 100

typedef enum { AR_TRUE, AR_FALSE, AR_STATE, AR_NOT, AR_AND, AR_OR } ar_kind;

typedef struct ar_node {
    ar_kind kind;
    int a, b;       /* children (node indexes) of NOT / AND / OR */
    char state[20]; /* AR_STATE: ALARM, OK or INSUFFICIENT_DATA */
    char *alarm;    /* AR_STATE: the alarm's name or ARN as written */
} ar_node;

typedef struct alarm_rule {
    VEC(ar_node) nodes;
    int root; /* -1 = empty */
} alarm_rule;

/* Parses text. On failure returns false with a message and the byte offset where the
 * rule stopped making sense. out must be zeroed; free it with alarm_rule_free either way. */
bool alarm_rule_parse(const char *text, alarm_rule *out, char *err, size_t errlen, size_t *err_at);
void alarm_rule_free(alarm_rule *r);

/* The rule's value: state_of(ud, name) answers the named alarm's state (NULL when it
 * has none, which matches no function). */
bool alarm_rule_eval(const alarm_rule *r, const char *(*state_of)(void *ud, const char *alarm), void *ud);

#endif
