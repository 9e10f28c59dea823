#!/bin/sh
# crash-extract on PostgreSQL, in a throwaway cluster: the same suite.
. "$(dirname "$0")/lib/tap.sh"
cd "$T_TMP" || exit 1
if ! start_pg; then
	echo "1..0 # SKIP no PostgreSQL server binaries (scripts/install-deps installs them)"
	exit 0
fi
DB=$PG_URL
dbq() { PGOPTIONS='-c client_min_messages=warning' psql "$PG_URL" -XAtq -F'|' -c "$1"; }
BIG_ROWS_SQL="SELECT generate_series(1, 200000) AS i"
. "$ROOT/t/lib/extract-suite.sh"
done_testing
