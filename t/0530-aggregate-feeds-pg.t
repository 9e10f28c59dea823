#!/bin/sh
# crash-aggregate's integrations on PostgreSQL, in a throwaway cluster.
. "$(dirname "$0")/lib/tap.sh"
cd "$T_TMP" || exit 1
use_pg
. "$ROOT/t/lib/feeds-suite.sh"
done_testing
