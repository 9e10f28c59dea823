# t/lib/status-suite.sh: crash-aggregate status figure by figure, and the
# checks that read it (scripts/check-db, check-failed, check-queue,
# check-aggregates, check-lag), on the database in $DB (dbq SQL runs a
# query). Crashes go through a collector, crash-move and crash-process;
# every expected figure comes from the crashes in the store or from the
# times the test set. Sourced by the SQLite and PostgreSQL tests after
# tap.sh, in $T_TMP; leaves the collector running on spool/.
SCRIPTS=$ROOT/scripts
epoch() { date -u -d "$1" +%s; }
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%S.000000+00:00; }
# status [OPTIONS]: crash-aggregate status into status.json; key K reads it.
status() { crash-aggregate --db "$DB" --format ndjson status "$@" >status.json 2>status.err; }
key() { jq -r ".$1" status.json; }
# check NAME ARGS...: runs scripts/NAME: LINE its output, STATE its exit
# code and the first two words; ONE_LINE stays yes while every output was
# one line.
ONE_LINE=yes
check() {
	name=$1; shift
	LINE=$("$SCRIPTS/$name" "$@" 2>/dev/null)
	RC=$?
	STATE="$RC $(printf '%s\n' "$LINE" | cut -d' ' -f1,2)"
	[ "$(printf '%s\n' "$LINE" | wc -l)" = 1 ] || { ONE_LINE=no; diag "$name: $LINE"; }
}
# perf LABEL: the value of a perfdata item of LINE, its unit included.
perf() { printf '%s\n' "$LINE" | sed -n 's/.* | //p' | tr ' ' '\n' | sed -n "s/^$1=\([^;]*\).*/\1/p"; }
# near A B: A is B or one more (a second may pass between two clocks).
near() { [ "$1" = "$2" ] || [ "$1" = $(($2 + 1)) ]; }
# aged A B: A is an age that was B seconds when the test set it, at $now.
aged() { [ "$1" -ge "$2" ] && [ "$1" -le $(($2 + $(date +%s) - now)) ]; }
pct() { awk -v f="$1" -v n="$2" 'BEGIN { printf "%.2f", n ? 100 * f / n : 0 }'; }
processed_max() { jq -r ".$1" store/v1/processed_crash/* | sort | tail -1; }
processed_min() { jq -r ".$1" store/v1/processed_crash/* | sort | head -1; }

# A healthy pipeline: crashes collected, stored, processed.
printf '%s\n' '{"count": 12, "frames": ["Alpha::Crash", "main"], "os": "Linux"}' \
	'{"count": 8, "frames": ["Beta::Run", "main"], "os": "Windows NT"}' |
	crash-synth --out gen --symbols syms --seed 11 >synth 2>/dev/null
n=$(wc -l <synth)
start_collector "$T_TMP/spool" || exit 1
crash-submit --url "$COLLECT_URL/submit" gen >/dev/null 2>&1
crash-move --spool spool --to store 2>/dev/null |
	crash-process --store store --db "$DB" --symbols syms >processed 2>/dev/null
is "the crashes are processed" "$(jq -r .status processed | sort | uniq -c | tr -s ' ')" " $n ok"

status
is "status: exit 0" "$?" 0
is "status: one line of JSON" "$(wc -l <status.json) $(jq -r type status.json)" "1 object"
ok "status: now is the time" near "$(key now)" "$(($(date +%s) - 1))"
is "status: crashes" "$(key crashes)" "$n"
is "status: crashes, as the database counts them" "$(key crashes)" "$(dbq 'SELECT count(*) FROM crashes')"
is "status: newest_report, when the newest crash was collected" "$(key newest_report)" \
	"$(epoch "$(processed_max date_processed)")"
is "status: newest_processed" "$(key newest_processed)" "$(epoch "$(processed_max completed_datetime)")"
is "status: processed and failed in the last hour" \
	"$(key processed_last_hour) $(key failed_last_hour) $(key failed_share)" "$n 0 0"
is "status: an empty queue" "$(jq -c '[.queue_waiting, .queue_claimed, .queue_dead, .queue_oldest_age]' status.json)" "[0,0,0,0]"
days=$(jq -r '.date_processed[0:10]' store/v1/processed_crash/* | sort -u | wc -l)
is "status: no aggregates yet, every day stale" \
	"$(key aggregates_newest_day) $(key aggregates_updated) $(key aggregates_stale_days)" "null null $days"
is "status: aggregates_age, since the first crash was processed" "$(key aggregates_age)" \
	"$(($(key now) - $(epoch "$(processed_min completed_datetime)")))"

check check-db --db "$DB"
is "check-db: OK" "$STATE" "0 DB OK"
like "check-db: response time" "$(perf time)" '^[0-9]+ms$'
is "check-db: crashes" "$(perf crashes)" "$n"
check check-db --db "$DB" -w 0 -c 100000
is "check-db: slower than -w is a WARNING" "$STATE" "1 DB WARNING"
check check-failed --db "$DB"
is "check-failed: OK" "$STATE" "0 FAILED OK"
is "check-failed: perfdata" "$(perf failed_share) $(perf processed) $(perf failed)" "0% $n 0"
check check-queue --db "$DB"
is "check-queue: OK" "$STATE" "0 QUEUE OK"
is "check-queue: perfdata" "$(perf waiting) $(perf claimed) $(perf dead) $(perf oldest)" "0 0 0 0s"
check check-lag --db "$DB"
is "check-lag: nothing waits: OK" "$STATE" "0 LAG OK"
is "check-lag: perfdata" "$(perf lag) $(perf queue)" "0s 0s"
status
check check-aggregates --db "$DB"
is "check-aggregates: a few seconds behind: OK" "$STATE" "0 AGGREGATES OK"
ok "check-aggregates: perfdata age" near "$(perf age | tr -d s)" "$(key aggregates_age)"
is "check-aggregates: perfdata stale_days" "$(perf stale_days)" "$days"

# Minidumps that cannot be walked: processed, and failed.
make_crash bad/1
make_crash bad/2
crash-submit --url "$COLLECT_URL/submit" bad/1 bad/2 >/dev/null 2>&1
crash-move --spool spool --to store 2>/dev/null |
	crash-process --store store --db "$DB" --symbols syms >processed-bad 2>/dev/null
failed=$(jq -s 'map(select(.success == false)) | length' store/v1/processed_crash/*)
is "two crashes failed" "$failed" 2
total=$((n + failed))
status
is "status: the failed ones" "$(key crashes) $(key processed_last_hour) $(key failed_last_hour)" "$total $total $failed"
is "status: failed_share" "$(key failed_share)" "$(pct "$failed" "$total")"
check check-failed --db "$DB"
is "check-failed: $(pct "$failed" "$total")% is above -w 5: WARNING" "$STATE" "1 FAILED WARNING"
is "check-failed: perfdata" "$(perf failed_share) $(perf processed) $(perf failed)" \
	"$(key failed_share)% $total $failed"
check check-failed --db "$DB" -w 10
is "check-failed -w 10: OK" "$STATE" "0 FAILED OK"
check check-failed --db "$DB" -w 5 -c 9
is "check-failed -c 9: CRITICAL" "$STATE" "2 FAILED CRITICAL"

# Crashes processed an hour and a half ago are not of the last hour.
day=$(jq -r '.date_processed[0:10]' store/v1/processed_crash/* | sort | head -1)
on_day() { jq -r --arg d "$day" "select($1 and .date_processed[0:10] == \$d) | .crash_id" store/v1/processed_crash/*; }
good=$(on_day .success | head -4)
bad=$(on_day '.success == false' | head -1)
aged=$(printf '%s\n' $good $bad | wc -l)
aged_failed=$(printf '%s\n' $bad | grep -c .)
ids=$(printf "'%s'," $good $bad | sed 's/,$//')
# processed_at ID... T: the crashes were processed at T (seconds ago).
processed_at() { T=$(($(date +%s) - $1)); dbq "UPDATE crashes SET processed_at = '$(iso $T)' WHERE $2" >/dev/null; }
processed_at 5400 "crash_id IN ($ids)"
status
is "status: processed in the last hour" "$(key processed_last_hour) $(key failed_last_hour)" \
	"$((total - aged)) $((failed - aged_failed))"
is "status: failed_share of the last hour" "$(key failed_share)" "$(pct $((failed - aged_failed)) $((total - aged)))"
is "status: aggregates_age, since the earliest processing" "$(key aggregates_age)" "$(($(key now) - T))"
check check-aggregates --db "$DB"
is "check-aggregates: 1.5 hours behind: OK" "$STATE" "0 AGGREGATES OK"
processed_at 10800 "crash_id IN ($ids)"
status
is "status: aggregates_age, 3 hours" "$(key aggregates_age)" "$(($(key now) - T))"
check check-aggregates --db "$DB"
is "check-aggregates: 3 hours behind: WARNING" "$STATE" "1 AGGREGATES WARNING"
ok "check-aggregates: perfdata" near "$(perf age | tr -d s)" "$(key aggregates_age)"

# update: the aggregates cover every crash.
t0=$(date +%s)
crash-aggregate --db "$DB" -q update
t1=$(date +%s)
status
is "after update: the newest day aggregated" "$(key aggregates_newest_day)" \
	"$(jq -r '.date_processed[0:10]' store/v1/processed_crash/* | sort | tail -1)"
ok "after update: aggregates_updated is when it ran" test "$(key aggregates_updated)" -ge "$t0" -a "$(key aggregates_updated)" -le "$t1"
is "after update: nothing stale" "$(key aggregates_stale_days) $(key aggregates_age)" "0 0"
check check-aggregates --db "$DB"
is "check-aggregates: up to date: OK" "$STATE" "0 AGGREGATES OK"
is "check-aggregates: perfdata" "$(perf age) $(perf stale_days)" "0s 0"

# A crash processed again after its day was built, and update not run
# since: the age is since then, not since the crashes built from.
x=$(printf '%s\n' $good | head -1)
all=$(printf "'%s'," $(on_day true) | sed 's/,$//')
processed_at 10800 "crash_id IN ($all)"
crash-aggregate --db "$DB" -q update
processed_at 9000 "crash_id = '$x'"
status
is "a crash processed again 2.5 hours ago: one stale day" "$(key aggregates_stale_days) $(key aggregates_age)" \
	"1 $(($(key now) - T))"
check check-aggregates --db "$DB"
is "check-aggregates: WARNING" "$STATE" "1 AGGREGATES WARNING"
processed_at 28800 "crash_id IN ($all)"
crash-aggregate --db "$DB" -q update
processed_at 25200 "crash_id = '$x'"
status
check check-aggregates --db "$DB"
is "check-aggregates: 7 hours behind: CRITICAL" "$STATE" "2 AGGREGATES CRITICAL"
ok "check-aggregates: perfdata" near "$(perf age | tr -d s)" "$(($(key now) - T))"
check check-aggregates --db "$DB" -w 8 -c 9
is "check-aggregates -w 8: OK" "$STATE" "0 AGGREGATES OK"
crash-aggregate --db "$DB" -q update
check check-aggregates --db "$DB"
is "update again: OK" "$STATE" "0 AGGREGATES OK"

# The queue: waiting, claimed, a claim that expired, a dead entry.
now=$(date +%s)
dbq "INSERT INTO crash_queue (crash_id, queued_at, claimed_by, claimed_at, attempts) VALUES
	('q-waiting', $((now - 700)), NULL, NULL, 0),
	('q-claimed', $((now - 100)), 'w1', $((now - 10)), 1),
	('q-expired', $((now - 50)), 'w2', $((now - 1000)), 2),
	('q-dead', $((now - 5000)), 'w3', $((now - 2000)), 5)" >/dev/null
status
is "status: queue waiting, claimed, dead" "$(key queue_waiting) $(key queue_claimed) $(key queue_dead)" "2 1 1"
ok "status: queue_oldest_age, the oldest live entry" aged "$(key queue_oldest_age)" 700
status --claim-timeout 5
is "status --claim-timeout 5: the claim has expired" "$(key queue_waiting) $(key queue_claimed) $(key queue_dead)" "3 0 1"
status --claim-timeout 0
is "status --claim-timeout 0: bad usage" "$?" 2
check check-queue --db "$DB"
is "check-queue: a dead entry: WARNING" "$STATE" "1 QUEUE WARNING"
is "check-queue: perfdata" "$(perf waiting) $(perf claimed) $(perf dead)" "2 1 1"
ok "check-queue: oldest" aged "$(perf oldest | tr -d s)" 700
check check-queue --db "$DB" --claim-timeout 5
is "check-queue --claim-timeout 5" "$(perf waiting) $(perf claimed)" "3 0"
check check-queue --db "$DB" -w 1 -c 2
is "check-queue: 2 waiting is above -w 1: WARNING" "$STATE" "1 QUEUE WARNING"
check check-queue --db "$DB" -w 1 -c 1
is "check-queue: 2 waiting is above -c 1: CRITICAL" "$STATE" "2 QUEUE CRITICAL"
check check-lag --db "$DB"
is "check-lag: waiting 700 s in the queue: WARNING" "$STATE" "1 LAG WARNING"
ok "check-lag: lag is the queue's oldest" aged "$(perf lag | tr -d s)" 700
is "check-lag: queue" "$(perf queue)" "$(perf lag)"
check check-lag --db "$DB" -c 650
is "check-lag -c 650: CRITICAL" "$STATE" "2 LAG CRITICAL"
check check-lag --db "$DB" -w 800 -c 900
is "check-lag -w 800: OK" "$STATE" "0 LAG OK"
dbq "DELETE FROM crash_queue WHERE attempts >= 5" >/dev/null
check check-queue --db "$DB"
is "check-queue: no dead entry: OK" "$STATE" "0 QUEUE OK"
dbq "DELETE FROM crash_queue" >/dev/null

# Bad usage is UNKNOWN, with the usage on stderr.
for s in check-db check-failed check-queue check-aggregates check-lag; do
	check $s --db "$DB" --bogus
	is "$s --bogus: UNKNOWN" "$STATE" "3 $(echo "${s#check-}" | tr a-z A-Z) UNKNOWN"
	like "$s --bogus: usage on stderr" "$("$SCRIPTS/$s" --bogus 2>&1 >/dev/null)" "^usage: $s "
done
check check-failed --db "$DB" -w many
is "a threshold that is not a number: UNKNOWN" "$STATE" "3 FAILED UNKNOWN"
