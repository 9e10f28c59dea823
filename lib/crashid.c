/*
 * crashid.c: generation and validation of Socorro-style crash IDs.
 */
#include "crashid.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

static void random_bytes(unsigned char *p, size_t n)
{
	while (n) {
		ssize_t r = getrandom(p, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die(1, "getrandom: %s", strerror(errno));
		}
		p += r;
		n -= r;
	}
}

void crashid_new(char out[CRASHID_LEN + 1], int throttle_digit, time_t when)
{
	unsigned char r[16];
	random_bytes(r, sizeof r);
	crashid_from_bytes(out, r, throttle_digit, when);
}

void crashid_from_bytes(char out[CRASHID_LEN + 1], const unsigned char in[16],
    int throttle_digit, time_t when)
{
	unsigned char r[16];
	memcpy(r, in, 16);
	r[6] = (r[6] & 0x0f) | 0x40;	/* version 4 */
	r[8] = (r[8] & 0x3f) | 0x80;	/* RFC 4122 variant */
	static const char hex[] = "0123456789abcdef";
	char digits[33];
	for (int i = 0; i < 16; i++) {
		digits[2 * i] = hex[r[i] >> 4];
		digits[2 * i + 1] = hex[r[i] & 15];
	}
	struct tm tm;
	gmtime_r(&when, &tm);
	char tail[16];
	snprintf(tail, sizeof tail, "%u%02u%02u%02u", (unsigned)throttle_digit % 10,
	    (unsigned)tm.tm_year % 100, (unsigned)(tm.tm_mon + 1) % 100,
	    (unsigned)tm.tm_mday % 100);
	memcpy(digits + 25, tail, 7);
	digits[32] = 0;
	snprintf(out, CRASHID_LEN + 1, "%.8s-%.4s-%.4s-%.4s-%.12s", digits,
	    digits + 8, digits + 12, digits + 16, digits + 20);
}

bool crashid_valid(const char *s)
{
	if (strlen(s) != CRASHID_LEN)
		return false;
	for (int i = 0; i < CRASHID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !strchr("0123456789abcdef", s[i]) || !s[i])
			return false;
	}
	/* The date part must be all digits and a plausible month and day. */
	const char *d = s + 30;
	for (int i = 0; i < 6; i++)
		if (d[i] < '0' || d[i] > '9')
			return false;
	int month = (d[2] - '0') * 10 + d[3] - '0';
	int day = (d[4] - '0') * 10 + d[5] - '0';
	return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

void crashid_date(const char *id, char out[9])
{
	snprintf(out, 9, "20%.6s", id + 30);
}

int crashid_throttle(const char *id)
{
	return id[29] >= '0' && id[29] <= '9' ? id[29] - '0' : 0;
}

void crashid_hex16(const char *id, char out[17])
{
	int n = 0;
	for (const char *p = id; *p && n < 16; p++)
		if (*p != '-')
			out[n++] = *p;
	out[n] = 0;
}
