#!/bin/sh
# crash-submit's inputs, retries, pacing and exit status; crash.conf.
. "$(dirname "$0")/lib/tap.sh"

make_crash "$T_TMP/a" ReleaseChannel=nightly
make_crash "$T_TMP/b" ReleaseChannel=beta

# Nobody listening: retried, then reported as undelivered.
start_collector "$T_TMP/spool" || exit 1
PORT=${COLLECT_URL##*:}
stop_collector
out=$(crash-submit --url "http://127.0.0.1:$PORT/submit" --retries 2 "$T_TMP/a" 2>"$T_TMP/err")
is "undeliverable crash: exit 1" "$?" 1
is "three attempts made" "$(printf %s "$out" | jq -r .attempts)" 3
like "failure summary" "$(tail -1 "$T_TMP/err")" "sent 1, accepted 0, failed 1"

# The collector comes up while the client is retrying: delivered.
crash-submit --url "http://127.0.0.1:$PORT/submit" --retries 8 "$T_TMP/a" >"$T_TMP/late" 2>/dev/null &
SUBMIT=$!
sleep 0.5
start_collector "$T_TMP/spool" --listen "127.0.0.1:$PORT" || exit 1
wait $SUBMIT
is "late collector: delivered" "$?" 0
ok "late collector: took more than one attempt" test "$(jq -r .attempts "$T_TMP/late")" -gt 1
U=$COLLECT_URL/submit

# Inputs: directories on stdin, a spool, and --count cycling over inputs.
printf '%s\n%s\n' "$T_TMP/a" "$T_TMP/b" | crash-submit --url "$U" >"$T_TMP/stdin" 2>/dev/null
is "crash directories from stdin" "$(jq -r .source "$T_TMP/stdin" | sort | tr '\n' ' ')" "$T_TMP/a $T_TMP/b "
n=$(spool_count "$T_TMP/spool" new)
crash-submit --url "$U" "$T_TMP/spool" >"$T_TMP/fromspool" 2>/dev/null
is "a spool as input sends every crash in new/" "$(wc -l <"$T_TMP/fromspool")" "$n"
crash-submit --url "$U" --count 10 "$T_TMP/a" "$T_TMP/b" >"$T_TMP/count" 2>/dev/null
is "--count 10 sends 10" "$(jq -r 'select(.status == 200) | .crash_id' "$T_TMP/count" | sort -u | wc -l)" 10
is "--count cycles over the inputs" "$(grep -c "\"$T_TMP/b\"" "$T_TMP/count")" 5

# --rate paces the uploads: 12 at 20/s take at least 0.55 s.
start=$(date +%s%N)
crash-submit --url "$U" --rate 20 --count 12 --concurrency 4 "$T_TMP/a" >/dev/null 2>&1
ms=$(( ($(date +%s%N) - start) / 1000000 ))
ok "--rate 20 paces 12 uploads (${ms} ms)" test "$ms" -ge 540
crash-submit --url "$U" "$T_TMP/nonexistent" 2>"$T_TMP/err"
is "no crash to send: exit 1" "$?" 1
like "says why" "$(cat "$T_TMP/err")" "neither a crash directory nor a spool"
stop_collector

# Usage and versions.
crash-submit --help >/dev/null; is "--help exits 0" "$?" 0
crash-collect --bogus 2>/dev/null; is "unknown option exits 2" "$?" 2
crash-collect --max-size lots 2>/dev/null; is "bad value exits 2" "$?" 2
crash-collect --spool '' 2>"$T_TMP/err"; is "an empty value exits 2" "$?" 2
like "and says which" "$(cat "$T_TMP/err")" "bad value for --spool: ''"
like "--version" "$(crash-collect --version)" "^crash-collect [0-9]+\.[0-9]+\.[0-9]+$"

# crash.conf: global keys, the tool's own section, flags over the file.
cat >"$T_TMP/crash.conf" <<CONF
# shared by every tool
spool = $T_TMP/confspool
[crash-collect]
listen = 127.0.0.1:0
reply = hex16
[crash-submit]
concurrency = 2
CONF
crash-collect --config "$T_TMP/crash.conf" --port-file "$T_TMP/p" 2>/dev/null &
T_PIDS="$T_PIDS $!"; CPID=$!
wait_for_file "$T_TMP/p"
r=$(curl -s -F ProductName=X "http://127.0.0.1:$(cat "$T_TMP/p")/submit")
like "reply from the file's section" "$r" '^[0-9a-f]{16}$'
is "spool from the global key" "$(spool_count "$T_TMP/confspool" new)" 1
kill $CPID; wait $CPID 2>/dev/null
rm -f "$T_TMP/p"
CRASH_CONF=$T_TMP/crash.conf crash-collect --reply socorro --port-file "$T_TMP/p" 2>/dev/null &
T_PIDS="$T_PIDS $!"; CPID=$!
wait_for_file "$T_TMP/p"
r=$(curl -s -F ProductName=X "http://127.0.0.1:$(cat "$T_TMP/p")/submit")
like "\$CRASH_CONF is read, and a flag beats the file" "$r" '^CrashID=bp-'
kill $CPID; wait $CPID 2>/dev/null
printf '[crash-collect]\nlisten = 127.0.0.1:0\ntypo = 1\n' >"$T_TMP/bad.conf"
crash-collect --config "$T_TMP/bad.conf" 2>"$T_TMP/err"
is "unknown key in the tool's section: exit 2" "$?" 2
like "names the file and line" "$(cat "$T_TMP/err")" "bad.conf:3: unknown key 'typo'"
crash-collect --config "$T_TMP/missing.conf" 2>/dev/null
is "a named file that is missing: exit 2" "$?" 2

cd "$T_TMP" || exit 1
printf '\n\n# comment\nbogus line\n' >blank.conf
crash-move --config blank.conf 2>err
like "config errors name the right line, blank lines counted" "$(cat err)" "blank.conf:4: expected"
done_testing
