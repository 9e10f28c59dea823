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
is "schema version" "$(dbq 'SELECT max(version) FROM schema_version')" 5

# A store that cannot be read is not a crash without dumps.
id=$(jq -r .crash_id moved | head -1)
mv "store/v1/dump_names/$id" names.saved && mkdir "store/v1/dump_names/$id"
echo "$id" | crash-process --store store --db "$DB" $SYMS --reprocess --retry-for 1 >unreadable 2>unreadable.err
is "unreadable dump names: failed, not processed without its dump" "$(jq -r .status unreadable)" failed
like "after retrying the store" "$(cat unreadable.err)" "store read of v1/dump_names/$id failed"
rmdir "store/v1/dump_names/$id" && mv names.saved "store/v1/dump_names/$id"
done_testing
