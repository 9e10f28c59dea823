#!/bin/sh
# crash-aggregate on SQLite: a dataset with known answers, update and its
# idempotence and backfills, every report number by number, from the
# aggregates and from the crash rows, filters, windows, formats, and the
# HTML pages in a headless browser.
. "$(dirname "$0")/lib/tap.sh"
cd "$T_TMP" || exit 1
DB=sqlite:$T_TMP/crash.db
dbq() { sqlite3 "$T_TMP/crash.db" "$1"; }
HTML_CHECK=1
. "$ROOT/t/lib/aggregate-suite.sh"
done_testing
