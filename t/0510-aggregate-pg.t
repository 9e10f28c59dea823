#!/bin/sh
# crash-aggregate on PostgreSQL, in a throwaway cluster: the same dataset
# and the same known answers as on SQLite.
. "$(dirname "$0")/lib/tap.sh"
cd "$T_TMP" || exit 1
use_pg
. "$ROOT/t/lib/aggregate-suite.sh"
done_testing
