#!/bin/sh
# crash-move expire: the store's retention. Crashes of days before the
# cutoff go, every object of them; the others stay untouched; on a
# directory store and on S3.
. "$(dirname "$0")/lib/tap.sh"
cd "$T_TMP" || exit 1

spec='{"count": 4, "frames": ["a::b", "c::d"], "os": "Linux", "annotations": {"ProductName": "Firefox", "Version": "120.0"}}'
for day in 2026-01-10 2026-01-11 2026-01-12; do
	echo "$spec" | crash-synth --out spool --symbols syms --seed "${day#*-*-}" --date "$day" >>synth 2>/dev/null
done
crash-move --spool spool --to store >moved 2>/dev/null
crash-process --store store --db sqlite:crash.db --symbols syms <moved >processed 2>/dev/null
is "12 crashes stored and processed" "$(jq -r .status processed | grep -c ok)" 12
objects() { find store/v1 -type f | grep -c "$1"; }
before=$(find store/v1 -type f | wc -l)

crash-move expire --to store --before 2026-01-11 --dry-run >dry 2>/dev/null
is "--dry-run lists the crashes of earlier days" "$(sort dry)" "$(jq -r 'select(.crash_id | endswith("260110")) | .crash_id' synth | sort)"
is "--dry-run removes nothing" "$(find store/v1 -type f | wc -l)" "$before"

crash-move expire --to store --before 2026-01-11 2>err
is "expire: exit 0" "$?" 0
like "it says what it did" "$(cat err)" "expired 4 crashes submitted before 2026-01-11"
for id in $(cat dry); do
	ok "every object of an expired crash is gone ($id)" test -z "$(find store/v1 -type f -name "$id")"
done
is "the other days are untouched" "$(find store/v1 -type f | wc -l)" "$((before - 4 * 4))"
is "their processed crashes are there" "$(objects processed_crash)" 8

crash-move expire --to store --before 2026-01-11 2>/dev/null
is "running again removes nothing more" "$(find store/v1 -type f | wc -l)" "$((before - 16))"

# A crash half expired (cut short): the next run finishes it.
id=$(jq -r 'select(.crash_id | endswith("260111")) | .crash_id' synth | head -1)
rm "store/v1/dump/$id"
crash-move expire --to store --before 2026-01-12 2>/dev/null
is "a crash with a dump already gone is expired too" "$(find store/v1 -type f -name "$id" | wc -l)" 0
is "the last day stays" "$(objects raw_crash)" 4

# Dump names that cannot be read: the crash stays, dumps and all, until
# they can (deleting the names would orphan the dumps).
id=$(jq -r 'select(.crash_id | endswith("260112")) | .crash_id' synth | head -1)
cp "store/v1/dump_names/$id" names.saved
echo 'not json' >"store/v1/dump_names/$id"
crash-move expire --to store --before 2026-01-13 2>corrupt.err
is "unreadable dump names: exit 1" "$?" 1
like "and says which" "$(cat corrupt.err)" "dump_names/$id"
is "that crash is kept whole" "$(find store/v1 -type f -name "$id" | wc -l)" 4
is "the others of its day are gone" "$(objects raw_crash)" 1
cp names.saved "store/v1/dump_names/$id"
crash-move expire --to store --before 2026-01-13 2>/dev/null
is "readable again: it goes too" "$(find store/v1 -type f -name "$id" | wc -l)" 0

# The same through a pair of stores (a migration): the secondary not
# having the names must not pass for the crash having none.
echo "$spec" | crash-synth --out spool4 --symbols syms --seed 4 --date 2026-01-12 >pair 2>/dev/null
crash-move --spool spool4 --to pairA >/dev/null 2>&1
id=$(jq -r .crash_id pair | head -1)
rm "pairA/v1/dump_names/$id" && mkdir "pairA/v1/dump_names/$id"
crash-move expire --to pairA,pairB --before 2026-01-13 2>pair.err
is "a pair, the primary's names unreadable: exit 1" "$?" 1
is "the crash is kept, dump and all" "$(find pairA/v1 -type f -name "$id" | wc -l)" 2

# --keep-days counts back from today; today is always kept.
echo "$spec" | crash-synth --out spool2 --symbols syms --seed 9 >today 2>/dev/null
crash-move --spool spool2 --to store >/dev/null 2>&1
crash-move expire --to store --keep-days 1 2>/dev/null
is "--keep-days 1 keeps today's crashes only" "$(objects raw_crash)" 4
is "and they are today's" "$(find store/v1/raw_crash -type f | xargs -n1 basename | sort)" "$(jq -r .crash_id today | sort)"
is "bad date: usage error" "$(crash-move expire --to store --before 2026-13-01 2>/dev/null; echo $?)" 2
is "a day that does not exist: usage error" "$(crash-move expire --to store --before 2026-02-31 2>/dev/null; echo $?)" 2
is "bad --keep-days: usage error" "$(crash-move expire --to store --keep-days 0 2>/dev/null; echo $?)" 2

# The same on S3.
if start_s3 "$T_TMP/s3"; then
	for day in 2026-01-10 2026-01-11; do
		echo "$spec" | crash-synth --out spool3 --symbols syms --seed 3 --date "$day" >>s3synth 2>/dev/null
	done
	crash-move --spool spool3 --to s3://crashes >/dev/null 2>&1
	crash-move expire --to s3://crashes --before 2026-01-11 2>/dev/null
	is "S3: expire exit 0" "$?" 0
	crash-move copy --from s3://crashes --to left 2>/dev/null
	is "S3: the old day's crashes are gone, the new day's are whole" \
		"$(find left/v1 -type f | grep -c 260110) $(find left/v1 -type f | grep -c 260111)" "0 12"
	stop_s3
	crash-move expire --to s3://crashes --before 2026-01-11 2>s3down.err
	is "S3 down: exit 1" "$?" 1
else
	ok "an S3 server for the test (scripts/install-deps installs s3rver)" false
fi
done_testing
