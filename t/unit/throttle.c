/* Unit tests: throttle rules, their parser and their decisions. */
#include "throttle.h"
#include "util.h"
#include "tap.h"

#include <stdlib.h>

/* Annotations as "key=value" strings. */
static const char *lookup(void *ctx, const char *name)
{
	for (const char **kv = ctx; *kv; kv++) {
		size_t n = strlen(name);
		if (!strncmp(*kv, name, n) && (*kv)[n] == '=')
			return *kv + n + 1;
	}
	return NULL;
}

static const char rules_text[] =
    "# name     test                       result\n"
    "hangs      Hang present               defer\n"
    "noproduct  ProductName absent         reject\n"
    "old        Version ~ \"^[0-3]\\.\"       reject\n"
    "fake       ProductName = Spammy       fakeaccept\n"
    "notfox     ProductName != Firefox     accept\n"
    "release    ReleaseChannel = release   accept 50% else defer\n"
    "never      ReleaseChannel = beta      accept 0%\n"
    "all        *                          accept\n";

static enum throttle_result decide(struct throttle_rules *r, const char **kv, const char **rule)
{
	return throttle_decide(r, lookup, kv, rule);
}

int main(void)
{
	char *err = NULL;
	struct throttle_rules *r = throttle_parse(rules_text, "rules", &err);
	ok(r != NULL, "rules parse");
	is_int(throttle_count(r), 8, "eight rules");
	const char *rule;

	const char *hang[] = { "ProductName=Firefox", "Hang=1", NULL };
	is_int(decide(r, hang, &rule), THROTTLE_DEFER, "present -> defer");
	is_str(rule, "hangs", "rule name recorded");
	const char *noprod[] = { "Version=10", NULL };
	is_int(decide(r, noprod, &rule), THROTTLE_REJECT, "absent -> reject");
	const char *old[] = { "ProductName=Firefox", "Version=3.6", NULL };
	is_int(decide(r, old, &rule), THROTTLE_REJECT, "regex -> reject");
	is_str(rule, "old", "first match wins");
	const char *spam[] = { "ProductName=Spammy", "Version=10", NULL };
	is_int(decide(r, spam, &rule), THROTTLE_FAKEACCEPT, "equals -> fakeaccept");
	const char *tb[] = { "ProductName=Thunderbird", "Version=10", NULL };
	is_int(decide(r, tb, &rule), THROTTLE_ACCEPT, "not equals -> accept");
	const char *beta[] = { "ProductName=Firefox", "Version=10", "ReleaseChannel=beta", NULL };
	is_int(decide(r, beta, &rule), THROTTLE_REJECT, "0%% sample falls to the default else (reject)");

	const char *rel[] = { "ProductName=Firefox", "Version=10", "ReleaseChannel=release", NULL };
	int accepted = 0, deferred = 0;
	for (int i = 0; i < 4000; i++) {
		enum throttle_result res = decide(r, rel, &rule);
		accepted += res == THROTTLE_ACCEPT;
		deferred += res == THROTTLE_DEFER;
	}
	is_int(accepted + deferred, 4000, "sampled rule gives accept or its else");
	/* 50% of 4000: the standard deviation is about 32; 6 of them is 190. */
	ok(accepted > 1810 && accepted < 2190, "about half accepted (%d of 4000)", accepted);
	throttle_free(r);

	struct throttle_rules *none = throttle_parse("# nothing\n\n", "empty", &err);
	const char *any[] = { NULL };
	is_int(throttle_decide(none, lookup, any, &rule), THROTTLE_ACCEPT, "no rules: accept");
	is_str(rule, "default", "no rules: rule 'default'");
	throttle_free(none);
	is_int(throttle_decide(NULL, lookup, any, &rule), THROTTLE_ACCEPT, "no rule set: accept");

	static const char *const bad[] = {
		"x Version ~ \"(\" accept\n",
		"x Version = 1 maybe\n",
		"x Version = 1 accept 150%\n",
		"x Version = 1 accept 10% otherwise defer\n",
		"bad/name * accept\n",
		"x Version\n",
		"x Version = \"unterminated accept\n",
		"x Version like 1 accept\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		err = NULL;
		struct throttle_rules *b = throttle_parse(bad[i], "bad", &err);
		ok(!b && err && !strncmp(err, "bad:1: ", 7), "refused: %.*s (%s)",
		    (int)strcspn(bad[i], "\n"), bad[i], err ? err : "no error");
		free(err);
	}
	return done_testing();
}
