/*
 * crashid.h: Socorro-style crash IDs.
 *
 * A crash ID is a random UUID whose last seven hex digits are the throttle
 * digit and the submission date as yymmdd, so IDs sort into days:
 * de1bb258-cbbf-4589-a673-34f800160918 was submitted on 2016-09-18 with
 * throttle digit 0 (accept; 1 means defer).
 */
#ifndef CRASH_CRASHID_H
#define CRASH_CRASHID_H

#include <stdbool.h>
#include <time.h>

#define CRASHID_LEN 36

enum { THROTTLE_DIGIT_ACCEPT = 0, THROTTLE_DIGIT_DEFER = 1 };

/* Fills out[37] with a new ID for the UTC day of when, from getrandom(2). */
void crashid_new(char out[CRASHID_LEN + 1], int throttle_digit, time_t when);
/* The same from 16 given random bytes (reproducible IDs for crash-synth). */
void crashid_from_bytes(char out[CRASHID_LEN + 1], const unsigned char r[16],
    int throttle_digit, time_t when);
/* True for 36 characters of lowercase hex in 8-4-4-4-12 form with a date. */
bool crashid_valid(const char *s);
/* The submission date as "yyyymmdd" (years 2000-2099). */
void crashid_date(const char *id, char out[9]);
/* The throttle digit, 0-9. */
int crashid_throttle(const char *id);
/* The first 16 hex digits of the ID: the reply Chromium's uploader wants. */
void crashid_hex16(const char *id, char out[17]);

#endif
