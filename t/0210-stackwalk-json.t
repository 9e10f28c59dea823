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
done_testing
