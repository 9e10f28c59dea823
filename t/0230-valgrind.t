#!/bin/sh
# The parsers and walkers under valgrind's memcheck: no invalid access, no
# use of uninitialized values, no leak, on real, synthetic and broken dumps.
. "$(dirname "$0")/lib/tap.sh"
if ! command -v valgrind >/dev/null; then
	echo "1..0 # SKIP valgrind is not installed"
	exit 0
fi
MD=$TESTDATA/minidumps
VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
clean() {	# clean COMMAND...: runs under memcheck; fails on any report
	$VG "$@" >/dev/null 2>"$T_TMP/vg" ; rc=$?
	[ $rc -ne 99 ] || { cat "$T_TMP/vg"; return 1; }
}
for t in "$ROOT"/t/unit/*.test; do
	ok "$(basename "$t") under memcheck" clean "$t"
done
if [ -d "$MD" ]; then
	for d in linux/dumps/crashme-o2-thread-segv linux/dumps/crashme-o0-badcall breakpad/dumps/minidump2 \
		breakpad/dumps/tiny-exe-with-cet-xsave rust-minidump/dumps/linux-mini rust-minidump/dumps/invalid-range; do
		for f in pipe json text; do
			ok "crash-stackwalk --format $f $(basename "$d") under memcheck" clean crash-stackwalk \
				--format "$f" --symbol-cache "$T_TMP/cache" "$MD/$d.dmp" "$MD/linux/symbols" "$MD/breakpad/symbols"
		done
	done
fi
if [ -d "$MD" ]; then
	# One walker serving several dumps, a broken and a missing one among them.
	printf '%s\0' "$MD/linux/dumps/crashme-o2-thread-segv.dmp" "$MD/rust-minidump/dumps/invalid-range.dmp" \
	    "$T_TMP/no-such.dmp" "$MD/breakpad/dumps/minidump2.dmp" "$MD/linux/dumps/crashme-o2-thread-segv.dmp" >"$T_TMP/paths"
	ok "crash-stackwalk --serve over five dumps under memcheck" sh -c "$VG crash-stackwalk --serve \
	    --symbol-cache '$T_TMP/cache' '$MD/linux/symbols' '$MD/breakpad/symbols' <'$T_TMP/paths' >/dev/null 2>'$T_TMP/vg'; [ \$? -ne 99 ] || { cat '$T_TMP/vg'; exit 1; }"
fi
head -c 3000 "$MD/breakpad/dumps/minidump2.dmp" >"$T_TMP/cut.dmp" 2>/dev/null || printf 'MDMP' >"$T_TMP/cut.dmp"
ok "a truncated dump under memcheck" clean crash-stackwalk "$T_TMP/cut.dmp"
printf '%s\n' '{"count": 2, "frames": ["a", "b", "c"], "os": "Mac OS X", "cpu": "arm64"}' \
	'{"frames": ["x"], "os": "Windows NT", "cpu": "x86"}' >"$T_TMP/spec"
ok "crash-synth under memcheck" sh -c "$VG crash-synth --out '$T_TMP/spool' --symbols '$T_TMP/syms' <'$T_TMP/spec' >/dev/null 2>'$T_TMP/vg'; [ \$? -ne 99 ] || { cat '$T_TMP/vg'; exit 1; }"
id=$(ls "$T_TMP/spool/new" | head -1)
ok "walking a synthetic arm64 dump under memcheck" clean crash-stackwalk "$T_TMP/spool/new/$id/upload_file_minidump" "$T_TMP/syms"
done_testing
