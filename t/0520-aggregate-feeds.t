#!/bin/sh
# crash-aggregate's integrations on SQLite: Bugzilla and build feeds from a
# local HTTP server (see t/lib/feeds-suite.sh).
. "$(dirname "$0")/lib/tap.sh"
cd "$T_TMP" || exit 1
DB=sqlite:$T_TMP/crash.db
dbq() { sqlite3 "$T_TMP/crash.db" "$1"; }
. "$ROOT/t/lib/feeds-suite.sh"
done_testing
