#!/bin/sh
# A short libFuzzer run of every fuzz target, the same 500 inputs from a
# fixed seed on every machine (the long runs are `make fuzz
# FUZZ_SECONDS=600`); each must end without a finding.
. "$(dirname "$0")/lib/tap.sh"
cd "$ROOT" || exit 1
RUNS=${FUZZ_RUNS:-500}
if ! command -v clang >/dev/null; then
	echo "1..0 # SKIP clang is not installed"
	exit 0
fi
targets=$(ls fuzz/*.c | sed 's/\.c$/.fuzz/')
ok "fuzz targets build" make -s $targets
for t in $targets; do
	ok "$(basename "$t" .fuzz): $RUNS inputs without a finding" \
		env FUZZ_OUT="$T_TMP/findings" FUZZ_RUNS="$RUNS" scripts/run-fuzz 0 "$t"
done
done_testing
