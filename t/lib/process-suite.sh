# t/lib/process-suite.sh: crash-process end to end on the database in
# $DB (a URL), with dbq SQL printing rows as a|b|c. Sourced by the
# SQLite and PostgreSQL tests after tap.sh, in $T_TMP.
LINUX=$TESTDATA/minidumps/linux
SYMS="--symbols $LINUX/symbols --symbol-cache $T_TMP/symcache"

# Raw crashes from the corpus dumps, with annotations a client would send.
n=0
for dump in "$LINUX"/dumps/*.dmp; do
	n=$((n + 1))
	product=Firefox; [ $((n % 3)) = 0 ] && product=Thunderbird
	up=$((n * 100)); [ $((n % 4)) = 0 ] && up=10
	make_crash "in/$n" ReleaseChannel=beta Version="12.$((n % 2))" BuildID="2026110${n#?}000000" \
		ProductName=$product CrashTime=$((1764100000 + n)) StartupTime=$((1764100000 + n - up)) \
		InstallTime=1764000000 URL="https://example.com/$n" Email="u$n@example.com" \
		Add-ons="a@b:1.0,c@d:2"
	cp "$dump" "in/$n/upload_file_minidump"
	echo "$(basename "$dump")" >"in/$n/name"
done
start_collector "$T_TMP/spool" || exit 1
crash-submit --url "$COLLECT_URL/submit" in/* >submitted 2>/dev/null
is "the corpus is collected" "$(spool_count spool new)" "$n"
crash-move --spool spool --to store >moved 2>/dev/null

crash-process --store store --db "$DB" $SYMS <moved >out 2>err
is "exit 0" "$?" 0
is "one line per crash, all ok" "$(jq -r .status out | sort | uniq -c | tr -s ' ')" " $n ok"
is "one row per crash" "$(dbq 'SELECT count(*), count(DISTINCT crash_id) FROM crashes')" "$n|$n"
is "a processed crash per crash in the store" "$(ls store/v1/processed_crash | wc -l)" "$n"

# One crash, field by field, against its dump and its annotations.
id=$(jq -r 'select(.signature == "raise | abort | do_abort") | .crash_id' out | head -1)
p=store/v1/processed_crash/$id
date=$(echo "$id" | sed 's/.*\(..\)\(..\)\(..\)$/20\1\2\3/')
raw=store/v1/raw_crash/$date/$id
crash-stackwalk $SYMS "store/v1/dump/$id" >walked
is "reason from the dump" "$(jq -r .reason "$p")" "$(jq -r .crash_info.type walked)"
is "address from the dump" "$(jq -r .address "$p")" "$(jq -r .crash_info.address walked)"
is "crashing thread from the dump" "$(jq -r .crashing_thread "$p")" "$(jq -r .crash_info.crashing_thread walked)"
is "OS and CPU from the dump" "$(jq -r '[.os_name, .cpu_arch, .cpu_count] | join(" ")' "$p")" \
	"$(jq -r '.system_info | [.os, .cpu_arch, .cpu_count] | join(" ")' walked)"
is "the walk is the stackwalker's" "$(jq -c .json_dump.crashing_thread.frames "$p")" "$(jq -c .crashing_thread.frames walked)"
is "annotations copied" "$(jq -r '[.product, .version, .release_channel, .build, .url, .email] | join(" ")' "$p")" \
	"$(jq -r '[.ProductName, .Version, .ReleaseChannel, .BuildID, .URL, .Email] | join(" ")' "$raw")"
is "uptime and install age" "$(jq -r '[.uptime, .install_age] | join(" ")' "$p")" \
	"$(jq -r '[(.CrashTime|tonumber) - (.StartupTime|tonumber), (.CrashTime|tonumber) - (.InstallTime|tonumber)] | join(" ")' "$raw")"
is "add-ons as a list" "$(jq -c .addons "$p")" '["a@b:1.0","c@d:2"]'
is "report date is when it was collected" "$(jq -r .date_processed "$p")" "$(jq -r .submitted_timestamp "$raw")"
is "minidump hash from the collector" "$(jq -r .minidump_sha256_hash "$p")" "$(sha256sum "store/v1/dump/$id" | cut -d' ' -f1)"
is "success" "$(jq -r '[.success, .mdsw_status_string] | join(" ")' "$p")" "true OK"
is "the signature is crash-signature's" "$(jq -c . "$p" | crash-signature | jq -r .signature)" "raise | abort | do_abort"
is "the row matches the processed crash" \
	"$(dbq "SELECT product, version, build_id, os_name, signature, reason, uptime, email FROM crashes WHERE crash_id = '$id'")" \
	"$(jq -r '[.product, .version, .build, .os_name, .signature, .reason, .uptime, .email] | join("|")' "$p")"
is "startup crashes flagged (uptime under a minute)" "$(dbq 'SELECT count(*) FROM crashes WHERE startup_crash AND uptime < 60')" \
	"$(dbq 'SELECT count(*) FROM crashes WHERE uptime < 60')"
ok "some are startup crashes" test "$(dbq 'SELECT count(*) FROM crashes WHERE startup_crash')" -gt 0
is "every crash's modules recorded" "$(dbq 'SELECT count(DISTINCT crash_id) FROM crash_modules')" "$n"
is "a crash's modules as the walk found them" "$(dbq "SELECT count(*) FROM crash_modules WHERE crash_id = '$id'")" \
	"$(jq '[.modules[].filename] | unique | length' walked)"
is "a crash's add-ons recorded" "$(dbq "SELECT addon FROM crash_addons WHERE crash_id = '$id' ORDER BY 1" | tr '\n' ' ')" "a@b:1.0 c@d:2 "
is "signatures' first appearance" "$(dbq 'SELECT count(*) FROM signatures')" "$(dbq 'SELECT count(DISTINCT signature) FROM crashes')"

# Again: skipped, then replaced with --reprocess; never a second row.
crash-process --store store --db "$DB" $SYMS <moved >again 2>/dev/null
is "a second run skips them" "$(jq -r .status again | sort -u)" "skipped"
before=$(jq -r .completed_datetime "$p")
jq -r .crash_id moved | crash-process --store store --db "$DB" $SYMS --reprocess --workers 3 >again 2>/dev/null
is "--reprocess with 3 workers: all ok" "$(jq -r .status again | sort | uniq -c | tr -s ' ')" " $n ok"
is "still one row per crash" "$(dbq 'SELECT count(*) FROM crashes')" "$n"
ok "the processed crash was replaced" test "$(jq -r .completed_datetime "$p")" != "$before"

# Hostile input: a truncated dump, garbage, no dump at all.
make_crash bad/truncated ProductName=Firefox; head -c 3000 "$LINUX/dumps/crashme-o0-segv.dmp" >bad/truncated/upload_file_minidump
make_crash bad/garbage ProductName=Firefox
make_crash bad/nodump ProductName=Firefox; rm bad/nodump/upload_file_minidump
crash-submit --url "$COLLECT_URL/submit" bad/truncated bad/garbage bad/nodump >/dev/null 2>&1
crash-move --spool spool --to store >moved-bad 2>/dev/null
crash-process --store store --db "$DB" $SYMS <moved-bad >out-bad 2>err
is "hostile dumps: exit 0, all three processed" "$(jq -r .status out-bad | sort | uniq -c | tr -s ' ')" " 3 ok"
is "hostile dumps: EMPTY signatures that say why" "$(jq -r .signature out-bad | cut -c1-32 | sort -u)" "EMPTY: no frame data available; "
is "hostile dumps: rows" "$(dbq "SELECT count(*) FROM crashes WHERE signature LIKE 'EMPTY: %' AND NOT success")" 3
is "no dump at all" "$(jq -r .signature out-bad | grep -c 'ERROR_NO_MINIDUMP$')" 1
id=$(jq -r 'select(.signature | test("TRUNCATED")) | .crash_id' out-bad)
like "a truncated dump: the walker's status is in the notes" "$(jq -r .processor_notes store/v1/processed_crash/$id)" \
	"stackwalker: upload_file_minidump: ERROR_MINIDUMP_TRUNCATED"
is "a truncated dump: what could be read is kept" "$(jq '.json_dump.threads | length' store/v1/processed_crash/$id)" 4

# An annotation that reads as JSON nested 2048 deep, as deep as jansson
# reads; in the processed crash it is one level deeper still.
deep=$(awk 'BEGIN { for (i = 0; i < 2048; i++) printf "["; for (i = 0; i < 2048; i++) printf "]" }')
make_crash deep JavaException="$deep"
crash-submit --url "$COLLECT_URL/submit" deep >/dev/null 2>&1
crash-move --spool spool --to store >moved-deep 2>/dev/null
crash-process --store store --db "$DB" $SYMS <moved-deep >out-deep 2>/dev/null
is "JSON nested 2048 deep in an annotation: processed" "$(jq -r .status out-deep)" ok
ok "and kept whole in the processed crash" \
	grep -q -F "\"java_exception\":$deep" "store/v1/processed_crash/$(jq -r .crash_id out-deep)"

# Several dumps: each minidump walked under its name, others noted; no
# dump name can replace a field of the processed crash.
make_crash multi ProductName=Firefox
cp "$LINUX/dumps/crashme-o0-abort.dmp" multi/upload_file_minidump
cp "$LINUX/dumps/crashme-o0-segv.dmp" multi/upload_file_minidump_browser
cp "$LINUX/dumps/crashme-o0-fpe.dmp" multi/uuid
echo '{"memory": "report"}' >multi/memory_report
crash-submit --url "$COLLECT_URL/submit" multi >/dev/null 2>&1
crash-move --spool spool --to store >moved-multi 2>/dev/null
crash-process --store store --db "$DB" $SYMS <moved-multi >out-multi 2>/dev/null
id=$(jq -r .crash_id out-multi)
p=store/v1/processed_crash/$id
is "several dumps: processed" "$(jq -r '[.status, .signature] | join(" ")' out-multi)" "ok raise | abort | do_abort"
is "several dumps: the browser's dump walked under its name" \
	"$(jq -r '.upload_file_minidump_browser.json_dump.crash_info.type' "$p")" "SIGSEGV /SEGV_MAPERR"
is "several dumps: a dump named uuid cannot replace the uuid" "$(jq -r '[.uuid, .dump_uuid.json_dump.crash_info.type] | join(" ")' "$p")" "$id SIGFPE / FPE_INTDIV"
like "several dumps: what is not a minidump is not walked" "$(jq -r .processor_notes "$p")" "memory_report is not a minidump"

# A walker that hangs or dies is killed and the crash still processed.
# A sleep of its own length, to look for afterwards.
printf '#!/bin/sh\nsleep 30.%s\n' $$ >hang-walker; chmod +x hang-walker
printf '#!/bin/sh\nkill -SEGV $$\n' >crash-walker; chmod +x crash-walker
one=$(head -1 moved)
start=$(date +%s)
echo "$one" | crash-process --store store --db "$DB" --reprocess --stackwalk ./hang-walker --walk-timeout 1 >o 2>/dev/null
ok "a hanging walk is killed at the time limit" test $(($(date +%s) - start)) -lt 10
is "... with what it started (the walker's process group)" "$(pgrep -f "sleep 30.$$" | wc -l)" 0
like "... and the crash processed with its status" "$(jq -r '[.status, .signature] | join(" ")' o)" "^ok EMPTY: .*ERROR_STACKWALKER_TIMEOUT"
echo "$one" | crash-process --store store --db "$DB" --reprocess --stackwalk ./crash-walker >o.crashed 2>/dev/null
like "a walker that crashes" "$(jq -r .signature o.crashed)" "ERROR_STACKWALKER_CRASHED"
# A walker stopped from outside (a service manager's SIGTERM to the whole
# group): the result is not the crash's; nothing is recorded.
printf '#!/bin/sh\nkill -TERM $$\n' >stopped-walker; chmod +x stopped-walker
echo "$one" | crash-process --store store --db "$DB" --reprocess --stackwalk ./stopped-walker >o 2>err
is "a walker stopped from outside: exit 1" "$?" 1
is "the crash is reported interrupted, to be processed again" "$(jq -r .status o)" interrupted
like "and why" "$(cat err)" "stopped from outside"
is "its row is the last real result" "$(dbq "SELECT signature FROM crashes WHERE crash_id = '$(echo "$one" | jq -r .crash_id)'")" \
	"$(jq -r .signature o.crashed)"
# A walker that spends its CPU time is the dump's doing; one killed with
# SIGKILL before it spent it was stopped from outside (an OOM killer).
printf '#!/bin/sh\nwhile :; do :; done\n' >busy-walker; chmod +x busy-walker
echo "$one" | crash-process --store store --db "$DB" --reprocess --stackwalk ./busy-walker --walk-cpu 1 >o 2>/dev/null
like "a walker past its CPU time" "$(jq -r .signature o)" "ERROR_STACKWALKER_CPU_LIMIT"
printf '#!/bin/sh\nkill -KILL $$\n' >killed-walker; chmod +x killed-walker
echo "$one" | crash-process --store store --db "$DB" --reprocess --stackwalk ./killed-walker >o 2>/dev/null
is "a walker killed before its CPU time was spent: interrupted" "$(jq -r .status o)" interrupted
# One walker child serves the worker's dumps; one that hung is killed and
# a fresh one takes the next dump.
printf '#!/bin/sh\necho started >>walker-starts\n[ -e hung-once ] || { touch hung-once; sleep 30.%s; }\nexec crash-stackwalk "$@"\n' $$ >counted-walker
chmod +x counted-walker
rm -f walker-starts hung-once
head -6 moved | crash-process --store store --db "$DB" --reprocess --workers 1 --stackwalk ./counted-walker --walk-timeout 2 >o 2>/dev/null
is "a walker that hung: its dump timed out, the others walked" "$(jq -r '.signature | test("ERROR_STACKWALKER_TIMEOUT")' o | tr '\n' ' ')" \
	"true false false false false false "
is "... by one fresh walker for the five dumps after it" "$(wc -l <walker-starts | tr -d ' ')" 2
is "... all of them processed" "$(jq -r .status o | sort | uniq -c | tr -s ' ')" " 6 ok"
# Under a hard CPU limit of 3 s and --walk-cpu 5, a walker gets 2 s, and
# after its first dump it cannot give the next its whole budget: it ends
# without answering, and a fresh walker walks the dump.
rm -f walker-starts
head -4 moved | (ulimit -t 3; crash-process --store store --db "$DB" --reprocess --workers 1 \
	--stackwalk ./counted-walker --walk-cpu 5) >o 2>/dev/null
is "under a hard CPU limit: every dump walked" "$(jq -r '.signature | test("ERROR")' o | tr '\n' ' ')" \
	"false false false false "
is "... each by a fresh walker" "$(wc -l <walker-starts | tr -d ' ')" 4
printf '%s\n' 'not-a-crash-id' 'de1bb258-cbbf-4589-a673-34f800160918' >alien
crash-process --store store --db "$DB" <alien >o 2>err
is "bad input: exit 1" "$?" 1
is "bad input: each line answered" "$(jq -r .status o | tr '\n' ' ')" "invalid missing "
like "bad input: the missing crash is named" "$(cat err)" "de1bb258-cbbf-4589-a673-34f800160918: raw crash: not in the store"
stop_collector
