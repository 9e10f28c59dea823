#!/bin/sh
# The work queue for scale-out: crash-move publishes crash IDs into a
# PostgreSQL queue table, three crash-process workers claim them with
# FOR UPDATE SKIP LOCKED; every crash is processed and has exactly one
# row. Claims of a killed worker expire and are handed out again; a crash
# that keeps failing is given up on, not lost. The same queue on SQLite.
. "$(dirname "$0")/lib/tap.sh"
cd "$T_TMP" || exit 1
use_pg

# Crashes with resolvable stacks, in a collector's spool.
cat >specs <<'SPECS'
{"count": 40, "frames": ["mozilla::dom::Element::SetAttr", "nsRefreshDriver::Tick"], "os": "Windows NT", "annotations": {"ProductName": "Firefox", "Version": "120.0"}}
{"count": 35, "frames": ["js::gc::GCRuntime::collect", "js::RunScript"], "os": "Linux", "reason": "SIGSEGV", "annotations": {"ProductName": "Firefox", "Version": "121.0"}}
{"count": 25, "frames": ["objc_msgSend", "nsAppShell::Run"], "os": "Mac OS X", "cpu": "arm64", "annotations": {"ProductName": "Thunderbird", "Version": "115.5"}}
SPECS
crash-synth --out spool --symbols syms --seed 3 <specs >synth 2>/dev/null
n=$(wc -l <synth)
is "100 crashes in the spool" "$n" 100
PROC="crash-process --store store --db $DB --symbols syms --symbol-cache symcache"

crash-move --spool spool --to store --queue "$DB" >moved 2>move.err
is "crash-move --queue: exit 0" "$?" 0
is "nothing on stdout: the queue has them" "$(wc -c <moved)" 0
is "every crash is queued once" "$(dbq 'SELECT count(*), count(DISTINCT crash_id) FROM crash_queue')" "$n|$n"
is "the spool is empty" "$(spool_count spool new)" 0

# Three workers, started together, each with two threads.
for w in 1 2 3; do
	$PROC --workers 2 --queue "$DB" --drain >out.$w 2>err.$w &
	eval "pid$w=\$!"
done
wait $pid1; s1=$?; wait $pid2; s2=$?; wait $pid3; s3=$?
is "three draining workers exit 0" "$s1 $s2 $s3" "0 0 0"
cat out.1 out.2 out.3 >out
is "every crash processed by exactly one worker" "$(jq -r .crash_id out | sort | uniq -d | wc -l) $(jq -r 'select(.status == "ok") | .crash_id' out | sort -u | wc -l)" "0 $n"
is "every crash has exactly one row" "$(dbq 'SELECT count(*), count(DISTINCT crash_id) FROM crashes')" "$n|$n"
is "the queue is empty" "$(dbq 'SELECT count(*) FROM crash_queue')" 0
is "the rows are the queued crashes" "$(dbq 'SELECT crash_id FROM crashes ORDER BY 1' | md5sum)" \
	"$(jq -r .crash_id synth | sort | md5sum)"
busy=0
for w in 1 2 3; do [ -s out.$w ] && busy=$((busy + 1)); done
ok "the work was shared ($(wc -l <out.1) $(wc -l <out.2) $(wc -l <out.3))" test $busy -ge 2

# Publishing twice queues once; a processed crash that comes back is skipped.
id=$(jq -r .crash_id synth | head -1)
dbq "INSERT INTO crash_queue (crash_id, queued_at) VALUES ('$id', 1)" >/dev/null
$PROC --queue "$DB" --drain >again 2>/dev/null
is "a crash queued again is skipped, not processed twice" "$(jq -r .status again)" skipped
is "and leaves the queue" "$(dbq 'SELECT count(*) FROM crash_queue')" 0

# A worker killed with claims in hand: the claims expire and another takes them.
dbq 'DELETE FROM crashes' >/dev/null
jq -r .crash_id synth | head -30 | while read -r c; do
	dbq "INSERT INTO crash_queue (crash_id, queued_at, claimed_by, claimed_at, attempts)
		VALUES ('$c', 1, 'dead-host:1:0', extract(epoch FROM now())::bigint - 5, 1)"
done >/dev/null
$PROC --queue "$DB" --drain --claim-timeout 60 >fresh 2>/dev/null &
pid=$!
sleep 1
ok "a claim within its timeout is left alone" test "$(dbq 'SELECT count(*) FROM crash_queue')" = 30
kill -TERM $pid; wait $pid
$PROC --queue "$DB" --drain --claim-timeout 2 >taken 2>/dev/null
is "expired claims are taken over" "$(jq -r .status taken | sort | uniq -c | tr -s ' ')" " 30 ok"
is "their crashes have one row each" "$(dbq 'SELECT count(*), count(DISTINCT crash_id) FROM crashes')" "30|30"

# kill -9 in the middle of a run: nothing lost, nothing doubled.
dbq 'DELETE FROM crashes' >/dev/null
jq -r .crash_id synth | while read -r c; do
	dbq "INSERT INTO crash_queue (crash_id, queued_at) VALUES ('$c', 1)"
done >/dev/null
: >k1
$PROC --queue "$DB" --claim-timeout 2 >k1 2>/dev/null &
pid=$!
until [ "$(wc -l <k1)" -ge 10 ]; do sleep 0.05; done
kill -9 $pid; wait $pid 2>/dev/null
ok "killed with work left ($(wc -l <k1) done)" test "$(dbq 'SELECT count(*) FROM crash_queue')" -gt 0
sleep 2
$PROC --queue "$DB" --drain --claim-timeout 2 --workers 2 >k2 2>/dev/null
is "after kill -9: every crash has one row" "$(dbq 'SELECT count(*), count(DISTINCT crash_id) FROM crashes')" "$n|$n"
is "after kill -9: the queue is empty" "$(dbq 'SELECT count(*) FROM crash_queue')" 0

# A crash that always fails is given up on after five attempts, and kept.
bad=$(jq -r .crash_id synth | tail -1)
date=20$(echo "$bad" | tail -c 7)
echo 'not json' >"store/v1/raw_crash/$date/$bad"
dbq "INSERT INTO crash_queue (crash_id, queued_at) VALUES ('$bad', 1)" >/dev/null
$PROC --queue "$DB" --drain --claim-timeout 1 --reprocess >poison 2>poison.err
is "a failing crash: exit 1" "$?" 1
is "tried five times" "$(jq -r .status poison | sort | uniq -c | tr -s ' ')" " 5 failed"
is "kept in the queue, given up on" "$(dbq 'SELECT crash_id, attempts FROM crash_queue')" "$bad|5"

# PostgreSQL goes away while the queue is worked: the workers wait for it.
dbq 'DELETE FROM crash_queue; DELETE FROM crashes' >/dev/null
crash-synth --out spool2 --symbols syms --seed 4 <specs >synth2 2>/dev/null
crash-move --spool spool2 --to store --queue "$DB" 2>/dev/null
: >pgdown
$PROC --queue "$DB" --workers 2 >pgdown 2>pgdown.err &
pid=$!
until [ "$(wc -l <pgdown)" -ge 10 ]; do sleep 0.05; done
stop_pg
sleep 2
start_pg_again
i=0
until [ "$(dbq 'SELECT count(*) FROM crash_queue' 2>/dev/null)" = 0 ] || [ $i -ge 300 ]; do
	i=$((i + 1)); sleep 0.1
done
kill -TERM $pid; wait $pid
is "database restarted: the worker carries on" "$(dbq 'SELECT count(*), count(DISTINCT crash_id) FROM crashes')" "$n|$n"
like "and said what happened" "$(cat pgdown.err)" "queue: |database write failed"

# Slow crashes: a batch's claims outlive the timeout only if renewed.
# Worker A claims four crashes and walks each for about 1 s under a 3 s
# timeout (renewed past 1.5 s: any walk of 0.75 to 3 s leaves time to);
# worker B waits for anything to expire. No crash is handed out twice.
dbq 'DELETE FROM crash_queue; DELETE FROM crashes' >/dev/null
jq -r .crash_id synth2 | head -4 | while read -r c; do
	dbq "INSERT INTO crash_queue (crash_id, queued_at) VALUES ('$c', 1)"
done >/dev/null
printf '#!/bin/sh\nsleep 1\nexec crash-stackwalk "$@"\n' >slow-walker; chmod +x slow-walker
$PROC --queue "$DB" --drain --claim-timeout 3 --stackwalk ./slow-walker >slowA 2>/dev/null &
pid=$!
until [ "$(dbq 'SELECT count(*) FROM crash_queue WHERE claimed_by IS NOT NULL')" = 4 ]; do sleep 0.05; done
$PROC --queue "$DB" --drain --claim-timeout 3 >slowB 2>/dev/null
wait $pid
is "a slow batch: every crash handed out once ($(wc -l <slowA) + $(wc -l <slowB))" \
	"$(cat slowA slowB | jq -r .crash_id | sort | uniq -d | wc -l) $(cat slowA slowB | jq -r 'select(.status == "ok") | .crash_id' | sort -u | wc -l)" "0 4"

# A walker stopped from outside: the claim is handed back at once (not
# after the 600 s timeout), the attempt counted, so it cannot loop forever.
dbq 'DELETE FROM crash_queue; DELETE FROM crashes' >/dev/null
iid=$(jq -r .crash_id synth2 | head -1)
dbq "INSERT INTO crash_queue (crash_id, queued_at) VALUES ('$iid', 1)" >/dev/null
printf '#!/bin/sh\nkill -TERM $$\n' >stopped-walker; chmod +x stopped-walker
timeout 60 $PROC --queue "$DB" --drain --claim-timeout 600 --stackwalk ./stopped-walker >intr 2>/dev/null
is "interrupted walks: handed back and tried again at once, five times" "$(jq -r .status intr | sort | uniq -c | tr -s ' ')" " 5 interrupted"
is "then kept in the queue, unclaimed, with no row" "$(dbq "SELECT attempts, claimed_by IS NULL, (SELECT count(*) FROM crashes) FROM crash_queue")" "5|t|0"
dbq 'DELETE FROM crash_queue' >/dev/null

# The same queue on SQLite.
crash-synth --out spool3 --symbols syms --seed 5 <specs >/dev/null 2>&1
crash-move --spool spool3 --to store --queue sqlite:q.db 2>/dev/null
for w in 1 2 3; do
	crash-process --store store --db sqlite:q.db --symbols syms --queue sqlite:q.db --drain >sq.$w 2>sq.err.$w &
	eval "pid$w=\$!"
done
wait $pid1; s1=$?; wait $pid2; s2=$?; wait $pid3; s3=$?
is "SQLite queue: three workers exit 0" "$s1 $s2 $s3" "0 0 0"
is "SQLite queue: every crash once" "$(cat sq.1 sq.2 sq.3 | jq -r 'select(.status == "ok") | .crash_id' | sort | uniq | wc -l) $(cat sq.1 sq.2 sq.3 | wc -l)" "$n $n"
is "SQLite queue: one row each" "$(sqlite3 q.db 'SELECT count(*), count(DISTINCT crash_id) FROM crashes; SELECT count(*) FROM crash_queue' | tr '\n' ' ')" "$n|$n 0 "

# A worker looking in the wrong store leaves the crashes queued.
dbq "INSERT INTO crash_queue (crash_id, queued_at) VALUES ('$id', 1)" >/dev/null
crash-process --store elsewhere --db "$DB" --symbols syms --queue "$DB" --drain --claim-timeout 1 >wrong 2>/dev/null
is "a crash not in the store: missing, tried five times" "$(jq -r .status wrong | sort | uniq -c | tr -s ' ')" " 5 missing"
is "and kept in the queue" "$(dbq "SELECT attempts FROM crash_queue WHERE crash_id = '$id'")" 5
crash-move --spool spool --to store --queue '' 2>err
is "an empty queue URL is refused" "$?" 2
like "saying so" "$(cat err)" "bad value for --queue: ''"

# A new SQLite database opened by the mover and four workers at once: each
# switches it to WAL mode, which fails at once when another holds the
# lock; that is waited out, not a "database is locked" that ends a process.
mkdir -p empty/new
failures=0
for i in $(seq 20); do
	rm -f race.db race.db-wal race.db-shm
	crash-process --store store --db sqlite:race.db --queue sqlite:race.db --workers 4 --drain \
		</dev/null >/dev/null 2>race.p &
	crash-move --spool empty --to store --queue sqlite:race.db >/dev/null 2>race.m
	m=$?
	wait $!
	p=$?
	[ "$m $p" = "0 0" ] || { failures=$((failures + 1)); cat race.m race.p >>race.err; }
done
is "a new database opened by six connections at once, 20 times: no failure" "$failures" 0
[ "$failures" = 0 ] || diag "$(sort race.err | uniq -c | head -3)"

is "--drain without --queue is bad usage" "$(crash-process --drain </dev/null >/dev/null 2>&1; echo $?)" 2
done_testing
