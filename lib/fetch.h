/*
 * fetch.h: getting a document by URL (http, https, file) with libcurl,
 * whole, with retries: what the integrations read their feeds with.
 */
#ifndef CRASH_FETCH_H
#define CRASH_FETCH_H

#include <stddef.h>

/*
 * The body of url (at most max bytes), after up to `attempts` tries with
 * a growing pause between them on network errors (no connection, no
 * answer, timeouts) and 5xx or 429 answers; never on TLS or 4xx errors.
 * NULL with a message in *err when it could not be had.
 */
char *fetch_url(const char *url, size_t max, int attempts, size_t *len, char **err);

#endif
