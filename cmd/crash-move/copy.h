/*
 * copy.h: the store-to-store subcommands of crash-move.
 */
#ifndef CRASH_MOVE_COPY_H
#define CRASH_MOVE_COPY_H

#include "conf.h"

/* The S3 keys every crash-move command takes (crash.conf or flags). */
#define S3_OPTIONS \
	{ "s3-endpoint", CONF_STR, NULL, "URL", "S3 endpoint (else $AWS_ENDPOINT_URL)" }, \
	{ "s3-region", CONF_STR, NULL, "REGION", "S3 region (else $AWS_REGION, us-east-1)" }, \
	{ "s3-access-key", CONF_STR, NULL, "KEY", "S3 access key (else $AWS_ACCESS_KEY_ID)" }, \
	{ "s3-secret-key", CONF_STR, NULL, "SECRET", "S3 secret key (else $AWS_SECRET_ACCESS_KEY)" }

/* Puts the S3 keys given in c where the S3 store reads them. */
void apply_s3_options(const struct conf *c);

/* "copy", "verify", "sync" or "check" with its arguments (argv[0] is the subcommand). */
int copy_main(const char *what, int argc, char **argv);

/* crash-move expire: retention of the store (argv[0] is "expire"). */
int expire_main(int argc, char **argv);

#endif
