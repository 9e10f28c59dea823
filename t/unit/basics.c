/* Unit tests: crash IDs, SHA-256, sizes, UTF-8 clean-up, configuration. */
#include "conf.h"
#include "crashid.h"
#include "sha256.h"
#include "util.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_crashid(void)
{
	char id[CRASHID_LEN + 1], date[9], hex[17];
	time_t when = 1474156800;	/* 2016-09-18 */
	crashid_new(id, THROTTLE_DIGIT_DEFER, when);
	is_int(strlen(id), 36, "crash ID is 36 characters");
	ok(crashid_valid(id), "new crash ID is valid: %s", id);
	is_str(id + 29, "1160918", "ends in throttle digit and yymmdd");
	is_int(id[14], '4', "UUID version 4");
	crashid_date(id, date);
	is_str(date, "20160918", "date of the crash ID");
	is_int(crashid_throttle(id), 1, "throttle digit read back");
	crashid_hex16("de1bb258-cbbf-4589-a673-34f800160918", hex);
	is_str(hex, "de1bb258cbbf4589", "hex16 form");
	ok(crashid_valid("de1bb258-cbbf-4589-a673-34f800160918"), "Socorro example is valid");
	ok(!crashid_valid("de1bb258-cbbf-4589-a673-34f800161318"), "month 13 is not");
	ok(!crashid_valid("DE1BB258-cbbf-4589-a673-34f800160918"), "upper case is not");
	ok(!crashid_valid("../../etc/passwd"), "a path is not");
	char other[CRASHID_LEN + 1];
	crashid_new(other, 0, when);
	ok(strcmp(id, other) != 0, "two IDs differ");
}

static void sha_of(const char *s, size_t len, size_t step, char hex[65])
{
	struct sha256 ctx;
	sha256_init(&ctx);
	for (size_t i = 0; i < len; i += step)
		sha256_update(&ctx, s + i, len - i < step ? len - i : step);
	sha256_hex(&ctx, hex);
}

static void test_sha256(void)
{
	char hex[65];
	sha_of("", 0, 1, hex);
	is_str(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sha256 of empty");
	sha_of("abc", 3, 1, hex);
	is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256 of abc");
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	for (size_t step = 1; step <= 64; step *= 3) {
		sha_of(m, strlen(m), step, hex);
		is_str(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
		    "sha256 of the 448-bit vector in steps of %zu", step);
	}
	char *a = xmalloc(1000000);
	memset(a, 'a', 1000000);
	sha_of(a, 1000000, 4099, hex);
	is_str(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", "sha256 of a million a");
	free(a);
}

static void test_sizes_utf8(void)
{
	is_int(parse_size("20M"), 20 << 20, "20M");
	is_int(parse_size("512k"), 512 << 10, "512k");
	is_int(parse_size("1000"), 1000, "plain bytes");
	is_int(parse_size("1GB"), 1LL << 30, "1GB");
	is_int(parse_size("12x"), -1, "bad unit");
	is_int(parse_size("-1"), -1, "negative");
	size_t n;
	char *s = utf8_sanitize("ok \xc3\xa9 \xff\xfe end", 12, &n);
	is_str(s, "ok \xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd end", "invalid bytes become U+FFFD");
	free(s);
	s = utf8_sanitize("a\0b", 3, &n);
	is_str(s, "a\xef\xbf\xbd" "b", "NUL becomes U+FFFD");
	free(s);
	s = utf8_sanitize("\xed\xa0\x80", 3, &n);
	is_str(s, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "surrogates are refused");
	free(s);
}

static const struct conf_option opts[] = {
	{ "spool", CONF_STR, "spool", "DIR", "spool" },
	{ "max-size", CONF_SIZE, "20M", "BYTES", "size" },
	{ "workers", CONF_INT, "1", "N", "workers" },
	{ "gzip", CONF_BOOL, "no", NULL, "gzip" },
	{ "symbols", CONF_LIST, NULL, "DIR", "symbols" },
	{ NULL, 0, NULL, NULL, NULL },
};

static void test_conf(void)
{
	progname = "crash-test";
	struct conf *c = conf_new(opts);
	is_str(conf_str(c, "spool"), "spool", "default applies");
	ok(!conf_isset(c, "spool"), "a default is not 'set'");
	int errors = conf_parse_text(c,
	    "# comment\n"
	    "spool = /var/spool/crash   # trailing comment\n"
	    "unknown-elsewhere = 1\n"
	    "symbols = /a\n"
	    "symbols = /b\n"
	    "[crash-other]\n"
	    "workers = 99\n"
	    "[crash-test]\n"
	    "workers = 4\n"
	    "gzip = yes\n"
	    "max-size = 1M\n", "test.conf");
	is_int(errors, 0, "config parses");
	is_str(conf_str(c, "spool"), "/var/spool/crash", "global key");
	is_int(conf_int(c, "workers"), 4, "own section wins, other tool's ignored");
	ok(conf_bool(c, "gzip"), "boolean");
	is_int(conf_int(c, "max-size"), 1 << 20, "size with unit");
	const char **v;
	is_int(conf_list(c, "symbols", &v), 2, "list keeps every value");
	is_str(v[1], "/b", "list order");
	conf_free(c);

	c = conf_new(opts);
	log_threshold = LOG_SILENT;	/* the errors below are expected */
	errors = conf_parse_text(c, "[crash-test]\nnope = 1\nworkers = many\nbroken line\n[x\n", "bad.conf");
	log_threshold = LOG_INFO;
	is_int(errors, 4, "unknown key, bad value, bad line, bad section");
	conf_free(c);

	c = conf_new(opts);
	log_threshold = LOG_SILENT;
	errors = conf_parse_text(c, "spool =\nsymbols =   # nothing\n", "empty.conf");
	log_threshold = LOG_INFO;
	is_int(errors, 2, "an empty value is an error, for a string and a list");
	is_str(conf_str(c, "spool"), "spool", "and leaves the default");
	conf_free(c);
}

static void test_map_file(void)
{
	char path[] = "/tmp/crash-basics.XXXXXX";
	int fd = mkstemp(path);
	ok(fd >= 0 && write(fd, "MODULE x\n", 9) == 9, "a file to map");
	close(fd);
	size_t len = 0;
	char *map = map_file(path, 100, &len);
	ok(map && len == 9 && !memcmp(map, "MODULE x\n", 9), "mapped whole");
	unmap_file(map, len);
	errno = 0;
	ok(!map_file(path, 8, &len) && errno == EFBIG, "larger than the limit: EFBIG");
	ok(truncate(path, 0) == 0, "emptied");
	map = map_file(path, 100, &len);
	ok(map && len == 0, "an empty file maps, with length 0");
	unmap_file(map, len);
	unlink(path);
	ok(!map_file(path, 100, &len) && errno == ENOENT, "a missing file: ENOENT");
}

int main(void)
{
	test_crashid();
	test_sha256();
	test_sizes_utf8();
	test_conf();
	test_map_file();
	return done_testing();
}
