#!/bin/sh
# crash-extract on SQLite: operators, formats, odd characters, protected
# fields, fields from the store, empty and large extracts.
. "$(dirname "$0")/lib/tap.sh"
cd "$T_TMP" || exit 1
DB=sqlite:$T_TMP/crash.db
dbq() { sqlite3 "$T_TMP/crash.db" "$1"; }
BIG_ROWS_SQL="WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 200000) SELECT i FROM s"
. "$ROOT/t/lib/extract-suite.sh"
done_testing
