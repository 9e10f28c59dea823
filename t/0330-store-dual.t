#!/bin/sh
# A primary and a secondary store ("PRIMARY,SECONDARY"), as a migration
# dual-writes: both get every object; while the primary fails, writes land
# in the secondary and reads fall back to it.
. "$(dirname "$0")/lib/tap.sh"
cd "$T_TMP" || exit 1
echo '{"count": 4, "frames": ["f"], "os": "Linux"}' | crash-synth --out spool --symbols syms >/dev/null 2>&1
crash-move --spool spool --to "old,new" >moved 2>/dev/null
is "dual write: exit 0" "$?" 0
is "both stores have every object" "$(find old -type f | wc -l) $(find new -type f | wc -l)" "12 12"
ok "and they verify clean" crash-move verify --from old --to new

# The primary is broken: a file where its v1/ directory should be.
mkdir -p down && : >down/v1
ok "store tests pass with a broken primary (writes and reads go to the secondary)" \
	env STORE_SPEC="down,up" STORE_PRIMARY_BROKEN=1 "$ROOT/t/unit/store.test"
echo '{"count": 2, "frames": ["g"], "os": "Linux"}' | crash-synth --out spool --symbols syms --seed 3 >/dev/null 2>&1
crash-move --spool spool --to "down,up2" >moved2 2>err
is "primary down: crash-move still succeeds" "$?" 0
is "primary down: the crashes are in the secondary" "$(find up2/v1/raw_crash -type f | wc -l)" 2
like "primary down: the failure is logged" "$(cat err)" "primary down failed: .*written to the secondary only"
echo '{"count": 1, "frames": ["h"], "os": "Linux"}' | crash-synth --out spool --symbols syms --seed 4 >/dev/null 2>&1
mkdir -p down2 && : >down2/v1 && mkdir -p down3 && : >down3/v1
crash-move --spool spool --to "down2,down3" >/dev/null 2>&1
is "both down: exit 1, the crash stays in the spool" "$? $(spool_count spool new)" "1 1"
done_testing
