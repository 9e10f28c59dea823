/*
 * signature.h: crash signatures the way Socorro makes them, so reports
 * group crashes the way Mozilla's people are used to.
 *
 * The input is Socorro's signature input form (crashing_thread, threads
 * with frames, os, reason, abort_message, oom_allocation_size, ...); see
 * crash-signature(1).
 */
#ifndef CRASH_SIGNATURE_H
#define CRASH_SIGNATURE_H

#include <jansson.h>

struct siglists;

struct signature {
	char *signature;
	char *proto_signature;	/* the normalized frames considered; may be NULL */
	json_t *notes;		/* array of strings, why the signature is what it is */
};

/* Runs every rule, in order, on crash_data. */
void signature_generate(const struct siglists *sl, json_t *crash_data, struct signature *out);
void signature_free(struct signature *sig);

/* The signature input of a processed crash (see crash-process(1)); new reference. */
json_t *signature_input_from_processed(json_t *processed);

/* Individual steps, for the unit tests. */
/* Printable ASCII only, NULs included in what is dropped. */
char *signature_printable(const char *s, size_t len);
char *signature_abort(const char *message, const char *signature);
char *signature_java_stack_trace(const char *trace);
char *signature_java_exception(json_t *java_exception);
char *signature_java_frame(json_t *frame);

#endif
