#!/bin/sh
# crash-process on SQLite: the linux corpus end to end, fields checked
# against the dumps and annotations, idempotence, hostile dumps, a hung or
# crashing stackwalker, and the database layer's own tests.
. "$(dirname "$0")/lib/tap.sh"
if [ ! -d "$TESTDATA/minidumps/linux" ]; then
	echo "1..0 # SKIP ../shared/testdata is not beside the project"
	exit 0
fi
cd "$T_TMP" || exit 1
DB=sqlite:$T_TMP/crash.db
dbq() { sqlite3 "$T_TMP/crash.db" "$1"; }
. "$ROOT/t/lib/process-suite.sh"
is "schema version" "$(dbq 'SELECT max(version) FROM schema_version')" 4
done_testing
