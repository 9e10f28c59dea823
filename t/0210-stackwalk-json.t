#!/bin/sh
# crash-stackwalk --format json against rust-minidump's expected output:
# frames, modules, crash_info and system_info agree field by field.
. "$(dirname "$0")/lib/tap.sh"
R=$TESTDATA/minidumps/rust-minidump
if [ ! -d "$R" ]; then
	echo "1..0 # SKIP ../shared/testdata is not beside the project"
	exit 0
fi
PROJ=$ROOT/t/lib/json-projection.jq

agrees() {	# agrees EXPECTED DUMP [SYMDIR]
	want=$1; shift
	crash-stackwalk --format json --symbol-cache "$T_TMP/cache" "$@" >"$T_TMP/got.json" 2>/dev/null
	jq -S -f "$PROJ" "$T_TMP/got.json" >"$T_TMP/got.proj" || return 1
	jq -S -f "$PROJ" "$want" >"$T_TMP/want.proj" || return 1
	diff "$T_TMP/got.proj" "$T_TMP/want.proj" | head -40
	cmp -s "$T_TMP/got.proj" "$T_TMP/want.proj"
}

ok "test.dmp with symbols agrees with rust-minidump" agrees "$R/expected/json-pretty-symbols.out" "$R/dumps/test.dmp" "$R/symbols"
ok "test.dmp without symbols agrees with rust-minidump" agrees "$R/expected/json-pretty.out" "$R/dumps/test.dmp"
ok "linux-mini.dmp agrees with rust-minidump" agrees "$R/expected/linux_json_pretty.out" "$R/dumps/linux-mini.dmp"

crash-stackwalk --pretty "$R/dumps/linux-mini.dmp" >"$T_TMP/l.json"
is "lsb_release parsed" "$(jq -r .lsb_release.description "$T_TMP/l.json")" "Ubuntu 16.04.3 LTS"
is "memory map counted" "$(jq -r .linux_memory_map_count "$T_TMP/l.json")" 35
is "status OK" "$(jq -r .status "$T_TMP/l.json")" "OK"
crash-stackwalk "$R/dumps/invalid-range.dmp" >"$T_TMP/bad.json" 2>/dev/null
is "a broken dump still prints JSON, exit 1" "$?" 1
like "with its status" "$(jq -r .status "$T_TMP/bad.json")" "^ERROR_MINIDUMP_"

# --serve: dump paths in, each ended by a NUL byte; "<status> <length>\n"
# and that much JSON out per dump, the same JSON as one walker per dump.
printf '%s\0' "$R/dumps/test.dmp" "$R/dumps/invalid-range.dmp" "$T_TMP/no-such.dmp" \
    "$R/dumps/linux-mini.dmp" "$R/dumps/test.dmp" |
    crash-stackwalk --serve --symbols "$R/symbols" --symbol-cache "$T_TMP/cache" >"$T_TMP/served" 2>"$T_TMP/served.err"
is "--serve: exit 0 at the end of its input" "$?" 0
# answer N FILE: the JSON of the Nth answer; its header line in FILE.head.
answer() {
	awk -v want="$1" 'BEGIN { RS = "\n"; n = 0 }
		{ if (!len) { n++; split($0, h, " "); len = h[2]; if (n == want) print $0 >"/dev/stderr"; if (len == 0) len = ""; next }
		  if (n == want) print; len -= length($0) + 1; if (len <= 0) len = "" }' "$T_TMP/served" 2>"$2.head" >"$2"
}
answer 1 "$T_TMP/s1"
crash-stackwalk --symbols "$R/symbols" --symbol-cache "$T_TMP/cache" "$R/dumps/test.dmp" >"$T_TMP/one1"
is "--serve: the first answer is the walk of its dump" "$(jq -cS . "$T_TMP/s1")" "$(jq -cS . "$T_TMP/one1")"
is "--serve: its header: status 0 and its length" "$(cat "$T_TMP/s1.head")" "0 $(wc -c <"$T_TMP/one1" | tr -d ' ')"
answer 2 "$T_TMP/s2"
is "--serve: a broken dump: status 1" "$(cut -d' ' -f1 "$T_TMP/s2.head")" 1
like "--serve: ... and what could be read" "$(jq -r .status "$T_TMP/s2")" "^ERROR_MINIDUMP_"
answer 3 "$T_TMP/s3"
is "--serve: a missing dump: status 1, no JSON" "$(cat "$T_TMP/s3.head")" "1 0"
like "--serve: ... and why, on stderr" "$(cat "$T_TMP/served.err")" "no-such.dmp: No such file"
answer 4 "$T_TMP/s4"
is "--serve: the walk goes on after them" "$(jq -r .lsb_release.description "$T_TMP/s4")" "Ubuntu 16.04.3 LTS"
answer 5 "$T_TMP/s5"
is "--serve: a dump walked twice gives the same answer" "$(jq -cS . "$T_TMP/s5")" "$(jq -cS . "$T_TMP/one1")"
done_testing
