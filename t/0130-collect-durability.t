#!/bin/sh
# crash-collect durability: kill -9 under load loses no acknowledged crash;
# a full disk answers 503 and loses nothing.
. "$(dirname "$0")/lib/tap.sh"

SPOOL=$T_TMP/spool
start_collector "$SPOOL" || exit 1
PORT=${COLLECT_URL##*:}
U=$COLLECT_URL/submit
DUMP_SIZE=60000 make_crash "$T_TMP/c1"
DUMP_SIZE=300000 make_crash "$T_TMP/c2" ReleaseChannel=beta

# Push 1500 crashes; kill the collector hard twice along the way.
N=1500
crash-submit --url "$U" --count $N --concurrency 16 --retries 10 "$T_TMP/c1" "$T_TMP/c2" \
	>"$T_TMP/out" 2>"$T_TMP/err" &
SUBMIT=$!
for round in 1 2; do
	while [ "$(spool_count "$SPOOL" new)" -lt $((round * 400)) ]; do sleep 0.02; done
	kill -9 "$COLLECT_PID"
	wait "$COLLECT_PID" 2>/dev/null
	left=$(spool_count "$SPOOL" tmp)
	diag "round $round: killed with $(spool_count "$SPOOL" new) in new/, $left in tmp/"
	start_collector "$SPOOL" --listen "127.0.0.1:$PORT" || exit 1
done
wait $SUBMIT
is "crash-submit delivered everything in the end" "$?" 0
is "$N answers" "$(wc -l <"$T_TMP/out")" $N
jq -r 'select(.status == 200) | .crash_id' "$T_TMP/out" >"$T_TMP/ids"
is "$N crash IDs reported" "$(sort -u "$T_TMP/ids" | wc -l)" $N
ok "every reported crash is complete in new/" crash_complete "$SPOOL" <"$T_TMP/ids"
ok "retries happened" grep -q retrying "$T_TMP/err"
if [ "$left" -gt 0 ]; then
	like "the restart removed the $left unfinished uploads" "$(cat "$COLLECT_LOG")" "removed $left unfinished uploads"
else
	ok "nothing was in flight at the last kill" true
fi
is "tmp/ is empty once the load is over" "$(spool_count "$SPOOL" tmp)" 0
orphans=$(( $(spool_count "$SPOOL" new) - N ))
diag "$orphans crashes were stored but their answer was lost in a kill (the client retried them)"
ok "nothing in new/ is incomplete" sh -c "ls '$SPOOL/new' | '$ROOT/t/lib/check-crashes' '$SPOOL'"
stop_collector

# At start only uploads are removed from tmp/, not what someone else keeps
# there (a spool given as / or /var has the system's tmp/).
id=$(head -1 "$T_TMP/ids")
mkdir "$SPOOL/tmp/$id" "$SPOOL/tmp/notes"
echo '{}' >"$SPOOL/tmp/$id/raw_crash.json"
echo keep >"$SPOOL/tmp/notes/a"
echo keep >"$SPOOL/tmp/README"
start_collector "$SPOOL" || exit 1
stop_collector
ok "an upload left in tmp/ is removed at start" test ! -e "$SPOOL/tmp/$id"
is "what is not an upload stays" "$(cat "$SPOOL/tmp/notes/a" "$SPOOL/tmp/README" 2>&1)" "keep
keep"
like "and is named in the log" "$(cat "$COLLECT_LOG")" "tmp/notes: not an upload's; left alone"
rm -r "$SPOOL/tmp/notes" "$SPOOL/tmp/README"

# A dump goes to the disk while it arrives, in steps of 256 KB and the
# rest at its end, so that the group commit finds little left to write.
if command -v strace >/dev/null; then
	start_collector "$T_TMP/spool2" || exit 1
	strace -f -qq -e trace=sync_file_range -o "$T_TMP/sfr" -p "$COLLECT_PID" 2>/dev/null &
	STRACE=$!
	i=0
	until grep -q '^TracerPid:[[:space:]]*[1-9]' "/proc/$COLLECT_PID/status" || [ $i -gt 100 ]; do
		sleep 0.05; i=$((i + 1))
	done
	[ $i -gt 100 ] && diag "strace did not attach to the collector"
	DUMP_SIZE=1000000 make_crash "$T_TMP/c4"
	crash-submit --url "$COLLECT_URL/submit" "$T_TMP/c4" >/dev/null 2>&1
	is "a 1 MB crash is taken under strace" "$?" 0
	kill "$STRACE"; wait "$STRACE" 2>/dev/null
	stop_collector
	# "PID sync_file_range(FD, OFFSET, LENGTH, SYNC_FILE_RANGE_WRITE) = 0"
	steps=$(sed -n 's/.*sync_file_range([0-9]*, \([0-9]*\), \([0-9]*\), SYNC_FILE_RANGE_WRITE) = 0$/\1 \2/p' "$T_TMP/sfr" |
	    awk -v next_off=0 '$1 != next_off { print "gap at " $1; exit } { next_off = $1 + $2; n++ }
		END { if (next_off) print next_off " bytes in " n " steps" }')
	like "its dump went to the disk whole, in contiguous steps" "$steps" '^1000000 bytes in '
	n=${steps##* in }; n=${n% steps}
	ok "in steps of about 256 KB ($n)" test "${n:-0}" -ge 4 -a "${n:-0}" -le 5
else
	skip "strace is not installed"
fi

# On ext4 without a journal, tmp/ is marked as a top directory (chattr +T)
# so that crash directories spread over the block groups; elsewhere it is
# left as it is.
dev=$(readlink "/sys/dev/block/$(stat -c '%Hd:%Ld' "$SPOOL/tmp")")
if [ "$(stat -f -c %T "$SPOOL/tmp")" = ext2/ext3 ] &&
    [ "$(cat "/sys/fs/ext4/${dev##*/}/journal_task" 2>/dev/null)" = "<none>" ]; then
	like "ext4 without a journal: tmp/ spreads crash directories" "$(lsattr -d "$SPOOL/tmp")" '^[^ ]*T'
else
	ok "not ext4 without a journal: tmp/ is not marked" sh -c "! lsattr -d '$SPOOL/tmp' 2>/dev/null | grep -q '^[^ ]*T'"
fi

# A full file system: the collector answers 503 and keeps nothing half-written.
FULL=$T_TMP/full
mkdir -p "$FULL"
if mount -t tmpfs -o size=2m tmpfs "$FULL" 2>/dev/null; then
	T_PIDS="$T_PIDS"; trap 'stop_collector; umount "$FULL" 2>/dev/null; t_cleanup' EXIT
	start_collector "$FULL/spool" --min-free 1M || exit 1
	DUMP_SIZE=400000 make_crash "$T_TMP/c3"
	crash-submit --url "$COLLECT_URL/submit" --count 8 --retries 0 "$T_TMP/c3" >"$T_TMP/full.out" 2>/dev/null
	is "crash-submit exits 1 when crashes were refused" "$?" 1
	r=$(curl -s "$COLLECT_URL/__heartbeat__")
	like "heartbeat reports the lack of room" "$r" 'needs 1048576'
	n503=$(jq -r 'select(.status == 503) | .source' "$T_TMP/full.out" | wc -l)
	jq -r 'select(.status == 200) | .crash_id' "$T_TMP/full.out" >"$T_TMP/full.ids"
	ok "some crashes got 503 ($n503 of 8)" test "$n503" -gt 0
	ok "the accepted ones ($(wc -l <"$T_TMP/full.ids")) are complete" crash_complete "$FULL/spool" <"$T_TMP/full.ids"
	is "new/ holds exactly the accepted ones" "$(spool_count "$FULL/spool" new)" "$(wc -l <"$T_TMP/full.ids")"
	is "nothing half-written left in tmp/" "$(spool_count "$FULL/spool" tmp)" 0
	mount -o remount,size=20m "$FULL"
	crash-submit --url "$COLLECT_URL/submit" --count "$n503" --retries 0 "$T_TMP/c3" >/dev/null 2>&1
	is "with room again, the refused crashes are taken" "$?" 0
	is "heartbeat recovers" "$(curl -s -o /dev/null -w '%{http_code}' "$COLLECT_URL/__heartbeat__")" 200
	stop_collector
	umount "$FULL"
else
	skip "cannot mount a small tmpfs (needs root)"
fi

done_testing
