#!/bin/sh
# crash-process on PostgreSQL, in a throwaway cluster: the same suite as
# on SQLite, the database layer's tests, weekly partitions, and the
# database going down in the middle of a run.
. "$(dirname "$0")/lib/tap.sh"
if [ ! -d "$TESTDATA/minidumps/linux" ]; then
	echo "1..0 # SKIP ../shared/testdata is not beside the project"
	exit 0
fi
cd "$T_TMP" || exit 1
use_pg
ok "the database layer's tests pass on PostgreSQL" "$ROOT/t/unit/db.test" "$PG_URL"
dbq 'DROP SCHEMA public CASCADE; CREATE SCHEMA public'
. "$ROOT/t/lib/process-suite.sh"

week=$(date -u -d "$(date -u +%F) -$(( $(date -u +%u) - 1 )) days" +%Y%m%d)
is "crashes are partitioned by week" "$(dbq "SELECT count(*) FROM pg_inherits WHERE inhrelid = 'crashes_$week'::regclass")" 1
ok "partitions are made four weeks ahead" test "$(dbq "SELECT count(*) FROM pg_inherits WHERE inhparent = 'crashes'::regclass")" -ge 5
like "a report query is an index scan" \
	"$(dbq "EXPLAIN SELECT signature, count(*) FROM crashes WHERE product = 'Firefox' AND version = '12.0' AND date_processed >= now() - interval '7 days' GROUP BY 1")" \
	"Index"

# The database goes away mid-run and comes back: nothing lost or doubled.
{ head -5 moved; sleep 3; tail -n +6 moved; } |
	crash-process --store store --db "$DB" $SYMS --reprocess >down 2>down.err &
pid=$!
sleep 1.5
stop_pg
sleep 3
start_pg_again
wait $pid
is "database down: exit 0" "$?" 0
is "database down: every crash processed" "$(jq -r .status down | sort | uniq -c | tr -s ' ')" " $n ok"
like "database down: the failures were retried" "$(cat down.err)" "database write failed"
# The corpus's n, and the suite's own five: three hostile, one with several dumps, one nested deep.
is "database down: one row per crash" "$(dbq 'SELECT count(*), count(DISTINCT crash_id) FROM crashes')" "$((n + 5))|$((n + 5))"
done_testing
