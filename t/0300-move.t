#!/bin/sh
# crash-move: spool -> directory store in Socorro's layout; deferred crashes
# stored but not printed; a failing store loses nothing; --follow.
. "$(dirname "$0")/lib/tap.sh"
cd "$T_TMP" || exit 1

printf 'hangs Hang present defer\nall * accept\n' >rules
start_collector "$T_TMP/spool" --throttle "$T_TMP/rules" || exit 1
printf '%s\n' '{"count": 3, "frames": ["f", "g"], "os": "Linux"}' \
	'{"count": 2, "frames": ["h"], "os": "Windows NT", "annotations": {"Hang": "1"}}' >spec
crash-synth --out synth --symbols syms <spec >/dev/null 2>&1
crash-submit --url "$COLLECT_URL/submit" synth >submitted 2>/dev/null
echo '{"count": 4, "frames": ["p"], "os": "Linux"}' | crash-synth --out plain --symbols syms >/dev/null 2>&1
is "five crashes collected" "$(spool_count spool new)" 5

first=$(ls spool/new | head -1)
inode=$(stat -c %i "spool/new/$first/upload_file_minidump")
raw_inode=$(stat -c %i "spool/new/$first/raw_crash.json")
cp "spool/new/$first/raw_crash.json" first-raw.json
crash-move --spool spool --to fs:store >moved 2>err
is "crash-move exits 0" "$?" 0
is "a dump on the spool's file system is linked into the store, not copied" \
	"$(stat -c %i "store/v1/dump/$first" 2>&1)" "$inode"
first_raw=$(find store/v1/raw_crash -name "$first")
is "so is the collector's raw crash" "$(stat -c %i "$first_raw" 2>&1)" "$raw_inode"
ok "which is byte for byte the store's form: compact, sorted keys, no newline" \
	sh -c "jq -cS . first-raw.json | tr -d '\n' | cmp -s - '$first_raw'"
is "three lines printed (the deferred two are not)" "$(wc -l <moved)" 3
is "the spool is empty" "$(spool_count spool new)" 0
is "five raw crashes stored" "$(find store/v1/raw_crash -type f | wc -l)" 5
is "five dumps stored" "$(find store/v1/dump -type f | wc -l)" 5
id=$(jq -r .crash_id moved | head -1)
date=$(jq -r .date moved | head -1)
is "raw crash under its date" "$(jq -r .uuid "store/v1/raw_crash/$date/$id")" "$id"
is "dump names stored" "$(cat "store/v1/dump_names/$id")" '["upload_file_minidump"]'
is "the dump is intact" "$(sha256sum "store/v1/dump/$id" | cut -d' ' -f1)" \
	"$(jq -r '.metadata.dump_checksums.upload_file_minidump' "store/v1/raw_crash/$date/$id")"
is "the line names the dumps and the throttle result" "$(jq -c '[.dump_names, .throttle_result]' moved | sort -u)" '[["upload_file_minidump"],"accept"]'
ok "bytes counted" test "$(jq -r .bytes moved | head -1)" -gt 1000
deferred=$(grep -rl '"throttle_result":"defer"' store/v1/raw_crash | wc -l)
is "the deferred crashes are in the store" "$deferred" 2

# A store that fails midway: the crash stays in the spool, nothing is lost.
crash-submit --url "$COLLECT_URL/submit" --count 2 plain >/dev/null 2>&1
mkdir -p broken/v1 && : >broken/v1/dump	# a file where a directory must go
crash-move --spool spool --to broken >moved2 2>err2
is "store failure: exit 1" "$?" 1
like "says which crash and why" "$(cat err2)" "store write failed: .*left in the spool"
is "store failure: both crashes still in the spool" "$(spool_count spool new)" 2
is "store failure: nothing printed" "$(wc -l <moved2)" 0
rm broken/v1/dump
crash-move --spool spool --to broken >moved3 2>/dev/null
is "once the store works again, they move" "$(wc -l <moved3) $(spool_count spool new)" "2 0"
crash-move --spool spool --to "fs:$T_TMP/spec/x" 2>err4
is "a store that cannot be opened: exit 1" "$?" 1

# A store on another file system: the dumps are copied.
if [ -d /dev/shm ] && [ -w /dev/shm ] && [ "$(stat -c %d /dev/shm)" != "$(stat -c %d .)" ]; then
	other=$(mktemp -d /dev/shm/crash-store.XXXXXX)
	crash-submit --url "$COLLECT_URL/submit" --count 1 plain >/dev/null 2>&1
	id=$(ls spool/new | head -1)
	sum=$(sha256sum "spool/new/$id/upload_file_minidump" | cut -d' ' -f1)
	crash-move --spool spool --to "fs:$other" >/dev/null 2>&1
	is "a store on another file system: the dump copied whole" \
		"$(sha256sum "$other/v1/dump/$id" 2>&1 | cut -d' ' -f1)" "$sum"
	rm -rf "$other"
else
	skip "no /dev/shm on another file system"
fi

# Output that cannot be written: the crash stays in the spool.
crash-submit --url "$COLLECT_URL/submit" --count 2 plain >/dev/null 2>&1
crash-move --spool spool --to store >/dev/full 2>err6
is "stdout full: exit 1" "$?" 1
like "says so" "$(cat err6)" "could not be written"
is "stdout full: the crashes stay in the spool" "$(spool_count spool new)" 2
crash-move --spool spool --to store >moved6 2>/dev/null
is "then they move" "$(wc -l <moved6) $(spool_count spool new)" "2 0"

# A raw crash not written as the collector writes it (indented, keys out
# of order) is stored rewritten: compact, keys sorted.
crash-submit --url "$COLLECT_URL/submit" --count 1 plain >/dev/null 2>&1
edited=$(ls spool/new | head -1)
jq -S . "spool/new/$edited/raw_crash.json" | sed 's/^{/{"zz_added": "x",/' >edited.json
cp edited.json "spool/new/$edited/raw_crash.json"
crash-move --spool spool --to store >/dev/null 2>&1
edited_raw=$(find store/v1/raw_crash -name "$edited")
ok "an edited raw crash is stored compact with sorted keys, no newline" \
	sh -c "jq -cS . edited.json | tr -d '\n' | cmp -s - '$edited_raw'"
ok "and is a file of the store's own" test "$(stat -c %h "$edited_raw")" = 1
is "its added annotation is kept" "$(jq -r .zz_added "$edited_raw")" x

# What a mover killed while removing a crash leaves (the crash renamed out
# of the way, half removed) is not a crash: removed at the next pass.
mkdir -p spool/new/.gone-de1bb258-cbbf-4589-a673-34f800160918
: >spool/new/.gone-de1bb258-cbbf-4589-a673-34f800160918/upload_file_minidump
crash-move --spool spool --to store >moved-gone 2>err-gone
is "a removal cut short: finished at the next pass, exit 0" "$? $(spool_count spool new)" "0 0"
is "and nothing of it is stored or handed on" \
	"$(wc -l <moved-gone) $(find store -name 'de1bb258-cbbf-4589-a673-34f800160918' | wc -l)" "0 0"

# Entries a collector never writes are left alone, and counted apart.
crash-submit --url "$COLLECT_URL/submit" --count 2 plain >/dev/null 2>&1
odd=$(ls spool/new | head -1)
mkdir "spool/new/$odd/subdir"
mkdir spool/new/not-a-crash
crash-move --spool spool --to store >moved7 2>err7
is "odd entries: exit 1" "$?" 1
is "odd entries: the good crash moved, the others stay" "$(wc -l <moved7) $(spool_count spool new)" "1 2"
like "the count is of crashes moved" "$(cat err7)" "moved 1 crash to"
rm -rf spool/new/*
crash-move --spool spool --to s3:bucket 2>err8
is "a spec with an unknown scheme is refused" "$?" 1
ok "and makes no directory" test ! -e s3:bucket
crash-move --spool '' --to store 2>err9
is "an empty spool path is refused, not taken for /" "$?:$(cat err9)" "2:crash-move: bad value for --spool: ''"
mkdir not-a-spool
crash-move --spool not-a-spool --to store 2>err9
is "a directory without new/ is refused" "$?" 1
ok "and gets no lock file" test ! -e not-a-spool/.move.lock

# --follow moves crashes as they arrive, and stops on SIGTERM.
crash-move --spool spool --to store --follow >followed 2>/dev/null &
MOVER=$!
T_PIDS="$T_PIDS $MOVER"
sleep 0.3
crash-move --spool spool --to store 2>err5
like "a second mover on the same spool is refused" "$(cat err5)" "another crash-move"
crash-submit --url "$COLLECT_URL/submit" --count 4 plain >/dev/null 2>&1
i=0
while [ "$(wc -l <followed)" -lt 4 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
is "--follow moved the new crashes" "$(wc -l <followed)" 4
kill -TERM $MOVER
wait $MOVER
is "--follow exits 0 on SIGTERM" "$?" 0
stop_collector
done_testing
