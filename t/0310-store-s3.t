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
crash-move --spool spool --to s3://crashes/prod >moved 2>err
is "crash-move into a bucket: exit 0" "$?" 0
is "six crashes moved" "$(wc -l <moved)" 6
is "the spool is empty" "$(spool_count spool new)" 0
id=$(jq -r .crash_id moved | head -1)
date=$(jq -r .date moved | head -1)
ok "the raw crash is in the bucket under the prefix" test -f "s3data/crashes/prod/v1/raw_crash/$date/${id}._S3rver_object"
want=$(jq -r '.metadata.dump_checksums.upload_file_minidump' "s3data/crashes/prod/v1/raw_crash/$date/${id}._S3rver_object")
is "the dump's checksum matches" "$(sha256sum "s3data/crashes/prod/v1/dump/${id}._S3rver_object" | cut -d' ' -f1)" "$want"

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
