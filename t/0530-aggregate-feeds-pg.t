#!/bin/sh
# crash-aggregate's integrations on PostgreSQL, in a throwaway cluster.
. "$(dirname "$0")/lib/tap.sh"
cd "$T_TMP" || exit 1
if ! start_pg; then
	echo "1..0 # SKIP no PostgreSQL server binaries (scripts/install-deps installs them)"
	exit 0
fi
DB=$PG_URL
dbq() { PGOPTIONS='-c client_min_messages=warning' psql "$PG_URL" -XAtq -F'|' -c "$1"; }
. "$ROOT/t/lib/feeds-suite.sh"
done_testing
