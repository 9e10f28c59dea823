/*
 * fetch.h: getting a document by URL (http, https, file) with libcurl,
 * whole, with retries: what the integrations read their feeds with.
 */
#ifndef CRASH_FETCH_H
#define CRASH_FETCH_H

#include <stddef.h>

/*
 * The body of url (at most max bytes), after up to `attempts` tries with
 * a growing pause between them on connection errors and 5xx answers.
 * NULL with a message in *err when it could not be had.
 */
char *fetch_url(const char *url, size_t max, int attempts, size_t *len, char **err);

#endif
