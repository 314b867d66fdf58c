/* plan_cli.h — the AWS CLI commands a plan prints for each step, for people who must
 * finish a plan by hand: POSIX sh with the `aws` CLI (v1 or v2) and nothing else,
 * doing what the step does — the same request parameters, built from the same data
 * the step sends, and for a tag move the exact manifest bytes. Every value put into
 * a command goes through plan_cli_quote(), and every command tarmac prints is built
 * here: the steps' (plan_cli_step) and those named in notes and refusals
 * (plan_cli_hint). */
#ifndef TARMAC_PLAN_CLI_H
#define TARMAC_PLAN_CLI_H

#include "deploy/plan.h"

/* The one quoting function: s as one POSIX sh word (single-quoted unless it is made
 * of characters no shell treats specially). NULL is ''. */
void plan_cli_quote(strbuf *sb, const char *s);

/* The command of step s of a plan on t, built from the step's own fields (those a
 * plan keeps in the journal): what plan_build, plan_undo and a resumed plan print.
 * malloc'd. */
char *plan_cli_step(const plan_target *t, const plan_step *s);

/* A command named in a message (a fix, a way out): `words[0] words[1] ...` between
 * backquotes, each word through plan_cli_quote; NULL words are left out (so an
 * optional flag and its value can both be NULL). */
void plan_cli_hint(strbuf *sb, const char *const *words, size_t n);

/* STEP_COPY_TAG: BatchGetImage of digest (with the accepted media types the step
 * sends) saved as PutImage's input, then PutImage of those bytes under dst_tag with
 * --image-digest, so a manifest that is not byte for byte the same is refused.
 * with_media_type: the image has a manifest media type (DescribeImages said so), which
 * is passed on as the step passes BatchGetImage's. malloc'd. */
char *plan_cli_copy_tag(const plan_target *t, const char *digest, const char *dst_tag, bool with_media_type);

/* STEP_UNTAG: BatchDeleteImage of one tag (the image keeps its other tags). malloc'd. */
char *plan_cli_untag(const plan_target *t, const char *tag);

/* STEP_CANCEL_REFRESH, STEP_ROLLBACK_REFRESH, STEP_WAIT_REFRESH_END (a loop polling
 * DescribeInstanceRefreshes as the step does, failing after the step's 15 minutes).
 * malloc'd. */
char *plan_cli_refresh_call(const plan_target *t, plan_step_kind kind);

/* STEP_START_REFRESH with exactly the preferences and desired configuration the step
 * sends (desired NULL: none). malloc'd. */
char *plan_cli_start_refresh(const plan_target *t, const refresh_prefs *prefs, const lt_spec *desired);

#endif
