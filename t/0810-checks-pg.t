#!/bin/sh
# The health checks on PostgreSQL: crash-aggregate status figure by figure
# (TIMESTAMPTZ columns where SQLite has text), check-db, check-failed,
# check-queue, check-aggregates and check-lag; then the server stopped.
. "$(dirname "$0")/lib/tap.sh"
cd "$T_TMP" || exit 1
use_pg
. "$ROOT/t/lib/status-suite.sh"

stop_pg
check check-db --db "$DB" -t 10
is "check-db: the server stopped: CRITICAL" "$STATE" "2 DB CRITICAL"
check check-failed --db "$DB" -t 10
is "check-failed: the server stopped: UNKNOWN" "$STATE" "3 FAILED UNKNOWN"
crash-aggregate --db "$DB" status >/dev/null 2>err
is "status: the server stopped: exit 1" "$?" 1
like "status: and says why" "$(cat err)" "^crash-aggregate: "
start_pg_again
check check-db --db "$DB"
is "check-db: the server back: OK" "$STATE" "0 DB OK"

is "every check printed one line" "$ONE_LINE" yes
done_testing
