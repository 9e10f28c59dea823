#!/bin/sh
# The S3 store against a real S3-compatible server on loopback (s3rver):
# the store's unit tests, crash-move into a bucket, and a server that goes
# away in the middle of a move.
. "$(dirname "$0")/lib/tap.sh"
cd "$T_TMP" || exit 1
if ! start_s3 "$T_TMP/s3data"; then
	echo "1..0 # SKIP s3rver is not installed (run scripts/install-deps)"
	exit 0
fi
ok "store unit tests pass against S3" env STORE_SPEC=s3://crashes/unit "$ROOT/t/unit/store.test"

echo '{"count": 6, "frames": ["f", "g"], "os": "Linux"}' | crash-synth --out spool --symbols syms >/dev/null 2>&1
# As a collector writes them (compact, sorted keys, no newline): sent as the file.
for f in spool/new/*/raw_crash.json; do jq -cS . "$f" | tr -d '\n' >raw.tmp && mv raw.tmp "$f"; done
crash-move --spool spool --to s3://crashes/prod >moved 2>err
is "crash-move into a bucket: exit 0" "$?" 0
is "six crashes moved" "$(wc -l <moved)" 6
is "the spool is empty" "$(spool_count spool new)" 0
id=$(jq -r .crash_id moved | head -1)
date=$(jq -r .date moved | head -1)
ok "the raw crash is in the bucket under the prefix" test -f "s3data/crashes/prod/v1/raw_crash/$date/${id}._S3rver_object"
want=$(jq -r '.metadata.dump_checksums.upload_file_minidump' "s3data/crashes/prod/v1/raw_crash/$date/${id}._S3rver_object")
is "the dump's checksum matches" "$(sha256sum "s3data/crashes/prod/v1/dump/${id}._S3rver_object" | cut -d' ' -f1)" "$want"
is "the raw crash, sent as the spool's file, is typed as JSON" \
	"$(jq -r '."content-type"' "s3data/crashes/prod/v1/raw_crash/$date/${id}._S3rver_metadata.json")" application/json
is "the dump is not" \
	"$(jq -r '."content-type"' "s3data/crashes/prod/v1/dump/${id}._S3rver_metadata.json")" application/octet-stream

# Listings come in pages of up to 1000 keys; CRASH_S3_MAX_KEYS makes them
# smaller, so that paging is exercised.
CRASH_S3_MAX_KEYS=2 crash-move copy --from s3://crashes/prod --to paged 2>/dev/null
is "a listing in pages of two keys finds every object" "$(find paged/v1 -type f | wc -l)" \
	"$(find s3data/crashes/prod/v1 -name '*._S3rver_object' | wc -l)"

# Settings from crash.conf instead of the environment.
printf '[crash-move]\ns3-endpoint = %s\ns3-access-key = S3RVER\ns3-secret-key = S3RVER\n' "$AWS_ENDPOINT_URL" >crash.conf
ok "S3 settings from crash.conf" env -u AWS_ENDPOINT_URL -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
	crash-move check --config crash.conf --to s3://crashes/prod

# The server goes away in the middle of a move: what was stored is out of
# the spool, the rest stays; once it is back, everything arrives, once.
echo '{"count": 300, "frames": ["k"], "os": "Linux"}' | crash-synth --out big --symbols syms --seed 11 >/dev/null 2>&1
crash-move --spool big --to s3://crashes/mid >mid1 2>/dev/null &
MOVER=$!
sleep 0.4
stop_s3
wait $MOVER
first=$(wc -l <mid1)
left=$(spool_count big new)
diag "killed the server after $first of 300 crashes"
is "killed mid-move: moved + still in the spool = 300" "$((first + left))" 300
start_s3 "$T_TMP/s3data" || exit 1
crash-move --spool big --to s3://crashes/mid >mid2 2>/dev/null
is "after the restart the rest arrives" "$(wc -l <mid2) $(spool_count big new)" "$left 0"
is "each crash handed on once" "$(cat mid1 mid2 | jq -r .crash_id | sort -u | wc -l)" 300
is "300 raw crashes in the bucket" "$(find s3data/crashes/mid/v1/raw_crash -name '*._S3rver_object' | wc -l)" 300

# The server goes away: the crashes stay in the spool, then arrive; none lost.
echo '{"count": 4, "frames": ["h"], "os": "Windows NT"}' | crash-synth --out spool --symbols syms --seed 9 >/dev/null 2>&1
stop_s3
crash-move --spool spool --to s3://crashes/prod >moved2 2>err2
is "server down: exit 1" "$?" 1
like "says the store failed" "$(cat err2)" "store write failed"
is "server down: all four still in the spool" "$(spool_count spool new)" 4
start_s3 "$T_TMP/s3data" || exit 1
crash-move --spool spool --to s3://crashes/prod >moved3 2>err3 || cat err3 >&2
is "server back: the four arrive" "$(wc -l <moved3) $(spool_count spool new)" "4 0"
is "ten raw crashes in the bucket" "$(find s3data/crashes/prod/v1/raw_crash -name '*._S3rver_object' | wc -l)" 10
env AWS_ACCESS_KEY_ID= crash-move --spool spool --to s3://crashes 2>err4
like "missing credentials are named" "$(cat err4)" "AWS_ACCESS_KEY_ID"
stop_s3
done_testing
