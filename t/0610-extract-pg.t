#!/bin/sh
# crash-extract on PostgreSQL, in a throwaway cluster: the same suite.
. "$(dirname "$0")/lib/tap.sh"
cd "$T_TMP" || exit 1
use_pg
BIG_ROWS_SQL="SELECT generate_series(1, 200000) AS i"
. "$ROOT/t/lib/extract-suite.sh"
done_testing
