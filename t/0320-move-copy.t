#!/bin/sh
# crash-move copy, verify and sync between stores (directory and S3), and
# a copy made while crashes keep arriving, which sync brings to a clean verify.
. "$(dirname "$0")/lib/tap.sh"
cd "$T_TMP" || exit 1

printf '%s\n' '{"count": 6, "frames": ["f", "g"], "os": "Linux"}' >spec
crash-synth --out spool --symbols syms --date 2026-11-01 <spec >/dev/null 2>&1
crash-synth --out spool --symbols syms --date 2026-11-03 --seed 2 <spec >/dev/null 2>&1
crash-move --spool spool --to A >/dev/null 2>&1
objects=$(find A -type f | wc -l)
is "36 objects in A (12 crashes)" "$objects" 36

crash-move copy --from A --to B 2>err
is "copy: exit 0" "$?" 0
like "copy: reports the count" "$(cat err)" "copied 36 objects"
crash-move verify --from A --to B >diff 2>err
is "verify after copy: exit 0" "$?" 0
is "verify after copy: nothing reported" "$(wc -l <diff)" 0

# Damage B: one object gone, one with other bytes of the same size.
gone=$(find B/v1/dump -type f | head -1)
bent=$(find B/v1/raw_crash -type f | head -1)
rm "$gone"
sed -i 's/"Firefox"/"Fyrefox"/' "$bent"
crash-move verify --from A --to B >diff 2>/dev/null
is "verify finds the damage: exit 1" "$?" 1
is "a missing object is named" "$(jq -r 'select(.problem == "missing") | .key' diff)" "${gone#B/}"
is "a changed object is named" "$(jq -r 'select(.problem == "content") | .key' diff)" "${bent#B/}"
crash-move verify --quick --from A --to B >quick 2>/dev/null
is "--quick sees only what sizes show" "$(jq -r .problem quick | sort | tr '\n' ' ')" "missing "
crash-move sync --from A --to B >synced 2>err
is "sync: exit 0" "$?" 0
like "sync copies only the differences" "$(cat err)" "2 of 36 objects differed, 2 written again"
crash-move verify --from A --to B >diff 2>/dev/null
is "after sync, verify is clean" "$?" 0

# Date ranges.
crash-move copy --from A --to C --since 2026-11-02 --until 2026-11-30 2>/dev/null
is "--since/--until copy one day of two" "$(find C -type f | wc -l)" 18
crash-move copy --from A --to D --since 2026-13-01 2>/dev/null
is "a bad date: exit 2" "$?" 2

# Between a directory and S3, both ways.
if start_s3 "$T_TMP/s3"; then
	crash-move copy --from A --to s3://crashes/mirror --workers 3 2>/dev/null
	is "copy to S3: exit 0" "$?" 0
	crash-move verify --from A --to s3://crashes/mirror >diff 2>/dev/null
	is "verify against S3: clean" "$?" 0
	crash-move copy --from s3://crashes/mirror --to E 2>/dev/null
	crash-move verify --from A --to E >diff 2>/dev/null
	is "and back from S3: identical" "$?" 0
	stop_s3
else
	echo "ok $((T_N + 1)) # SKIP s3rver is not installed"; T_N=$((T_N + 1))
fi

# A dirty copy: crashes keep arriving in A while it is copied; sync catches up.
start_collector "$T_TMP/live" || exit 1
crash-move --spool live --to A --follow >/dev/null 2>&1 &
MOVER=$!
T_PIDS="$T_PIDS $MOVER"
crash-synth --out more --symbols syms --seed 5 <spec >/dev/null 2>&1
crash-submit --url "$COLLECT_URL/submit" --count 60 --rate 60 more >/dev/null 2>&1 &
LOAD=$!
sleep 0.3
crash-move copy --from A --to F 2>/dev/null
wait $LOAD
i=0
while [ "$(spool_count live new)" -gt 0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -TERM $MOVER; wait $MOVER
stop_collector
rounds=0
until crash-move verify --quick --from A --to F >/dev/null 2>&1; do
	rounds=$((rounds + 1))
	[ $rounds -le 3 ] || break
	crash-move sync --from A --to F >/dev/null 2>&1
done
ok "dirty copy + sync converges to a clean verify ($rounds sync rounds)" crash-move verify --from A --to F
is "every object of A is in F" "$(find F -type f | wc -l)" "$(find A -type f | wc -l)"
done_testing
