#!/bin/sh
# The health checks (scripts/check-*) on SQLite: crash-aggregate status
# figure by figure, each check OK on a healthy pipeline and WARNING or
# CRITICAL on a spool with old crashes, failed crashes, a queue with a dead
# entry, stale aggregates, a heartbeat that fails, a collector stopped, a
# store or a database that cannot be reached; exit codes, the status line
# and the perfdata numbers.
. "$(dirname "$0")/lib/tap.sh"
cd "$T_TMP" || exit 1
DB=sqlite:$T_TMP/crash.db
dbq() { sqlite3 "$T_TMP/crash.db" "$1"; }
. "$ROOT/t/lib/status-suite.sh"

crash-aggregate --db "$DB" --format table status >table 2>/dev/null
is "status --format table: key and value lines" "$(awk '$1 == "crashes" { print $2 }' table)" "$total"

# The collector's heartbeat.
check check-collector "$COLLECT_URL"
is "check-collector: OK" "$STATE" "0 COLLECTOR OK"
like "check-collector: response time" "$(perf time)" '^[0-9]+ms$'
check check-collector "$COLLECT_URL/" -w 0
is "check-collector: slower than -w 0: WARNING" "$STATE" "1 COLLECTOR WARNING"
check check-collector "$COLLECT_URL" -w 0 -c 0
is "check-collector: slower than -c 0: CRITICAL" "$STATE" "2 COLLECTOR CRITICAL"

# The spool: empty, then a backlog with an old crash.
check check-spool spool
is "check-spool: an empty spool: OK" "$STATE" "0 SPOOL OK"
is "check-spool: perfdata" "$(perf new) $(perf oldest) $(perf tmp)" "0 0s 0"
echo '{"count": 3, "frames": ["Gamma::Draw", "main"]}' | crash-synth --out backlog --symbols syms >/dev/null 2>&1
now=$(date +%s)
set -- backlog/new/*
touch -d @$((now - 7200)) "$1"
touch -d @$((now - 300)) "$2"
touch -d @$((now - 60)) "$3"
mkdir backlog/tmp/partial
check check-spool backlog
is "check-spool: a crash two hours old: CRITICAL" "$STATE" "2 SPOOL CRITICAL"
is "check-spool: perfdata new and tmp" "$(perf new) $(perf tmp)" "3 1"
ok "check-spool: perfdata oldest" aged "$(perf oldest | tr -d s)" 7200
check check-spool backlog --age-c 8000
is "check-spool --age-c 8000: WARNING" "$STATE" "1 SPOOL WARNING"
check check-spool backlog --age-w 8000 --age-c 9000
is "check-spool --age-w 8000: OK" "$STATE" "0 SPOOL OK"
check check-spool backlog --age-w 8000 --age-c 9000 -w 2
is "check-spool: 3 crashes is above -w 2: WARNING" "$STATE" "1 SPOOL WARNING"
check check-spool backlog --age-w 8000 --age-c 9000 -w 1 -c 2
is "check-spool: 3 crashes is above -c 2: CRITICAL" "$STATE" "2 SPOOL CRITICAL"
check check-spool nowhere
is "check-spool: no spool: CRITICAL" "$STATE" "2 SPOOL CRITICAL"
check check-spool
is "check-spool: no argument: UNKNOWN" "$STATE" "3 SPOOL UNKNOWN"

# Lag with the spool: the oldest crash waiting, in the spool or the queue.
check check-lag --db "$DB" --spool backlog
is "check-lag --spool: two hours: CRITICAL" "$STATE" "2 LAG CRITICAL"
ok "check-lag: lag is the spool's oldest" aged "$(perf lag | tr -d s)" 7200
is "check-lag: spool, queue" "$(perf spool) $(perf queue)" "$(perf lag) 0s"
check check-lag --db "$DB" --spool spool
is "check-lag: an empty spool and queue: OK" "$STATE" "0 LAG OK"
# Reports collected an hour and a half ago; the newest waiting a minute.
P=$((now - 5400))
dbq "UPDATE crashes SET date_processed = '$(iso $P)'" >/dev/null
check check-lag --db "$DB" --spool backlog
ok "check-lag: behind, newest waiting minus newest processed report" near "$(perf behind | tr -d s)" $((now - 60 - P))

# The store.
check check-store store
is "check-store: OK" "$STATE" "0 STORE OK"
like "check-store: time" "$(perf time)" '^[0-9]+ms$'
: >notadir
check check-store notadir/store
is "check-store: cannot be written: CRITICAL" "$STATE" "2 STORE CRITICAL"
like "check-store: with the reason" "$LINE" "notadir/store: Not a directory"
check check-store
is "check-store: no argument: UNKNOWN" "$STATE" "3 STORE UNKNOWN"

# Databases that cannot be reached.
crash-aggregate --db "sqlite:$T_TMP/missing.db" status >/dev/null 2>err
is "status: a database that does not exist: exit 1" "$?" 1
like "status: and says so" "$(cat err)" "^crash-aggregate: .*missing.db: cannot open the database"
ok "status: and does not create it" test ! -e missing.db
check check-db --db "sqlite:$T_TMP/missing.db"
is "check-db: no such database: CRITICAL" "$STATE" "2 DB CRITICAL"
like "check-db: with the reason" "$LINE" "missing.db: cannot open the database"
check check-db --db "sqlite:$T_TMP/nodir/crash.db"
is "check-db: no such directory: CRITICAL" "$STATE" "2 DB CRITICAL"
check check-db --db "postgresql://crash@/postgres?host=$T_TMP/nopg"
is "check-db: PostgreSQL not there: CRITICAL" "$STATE" "2 DB CRITICAL"
for s in check-failed check-queue check-aggregates check-lag; do
	check $s --db "sqlite:$T_TMP/missing.db"
	is "$s: no database: UNKNOWN" "$STATE" "3 $(echo "${s#check-}" | tr a-z A-Z) UNKNOWN"
done

# The collector's spool removed under it, then the collector stopped.
rmdir spool/tmp
check check-collector "$COLLECT_URL"
is "check-collector: the spool's tmp/ removed: CRITICAL" "$STATE" "2 COLLECTOR CRITICAL"
like "check-collector: with the collector's reason" "$LINE" "HTTP 503 .*: spool tmp/ or new/ was removed"
like "check-collector: and the response time" "$(perf time)" '^[0-9]+ms$'
stop_collector
check check-collector "$COLLECT_URL"
is "check-collector: stopped: CRITICAL" "$STATE" "2 COLLECTOR CRITICAL"
check check-collector
is "check-collector: no URL: UNKNOWN" "$STATE" "3 COLLECTOR UNKNOWN"

is "every check printed one line" "$ONE_LINE" yes
done_testing
