/*
 * throttle.h: the collector's throttle rules.
 *
 * An ordered list of rules, first match wins. A rule tests one annotation
 * (equals, not equals, regex, present, absent) or matches everything, and
 * yields accept, defer (store but do not process), reject, or fakeaccept
 * (answer with a crash ID, then discard), optionally for a sampled
 * percentage only; see crash-collect(1) for the file syntax.
 */
#ifndef CRASH_THROTTLE_H
#define CRASH_THROTTLE_H

enum throttle_result {
	THROTTLE_ACCEPT, THROTTLE_DEFER, THROTTLE_REJECT, THROTTLE_FAKEACCEPT
};

struct throttle_rules;

/* Looks up an annotation by name; NULL when absent. */
typedef const char *(*throttle_lookup)(void *ctx, const char *name);

/* Parses rules text; NULL with a malloc'd message in *err on error. */
struct throttle_rules *throttle_parse(const char *text, const char *source, char **err);
/* Reads and parses a rules file. */
struct throttle_rules *throttle_load(const char *path, char **err);
void throttle_free(struct throttle_rules *r);
int throttle_count(const struct throttle_rules *r);

/*
 * Decides the fate of a crash; *rule gets the matched rule's name
 * ("default" when none matched, or there are no rules: accept).
 */
enum throttle_result throttle_decide(const struct throttle_rules *r,
    throttle_lookup get, void *ctx, const char **rule);

const char *throttle_result_name(enum throttle_result res);

#endif
