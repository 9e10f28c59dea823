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

# Many installs over 40 days: sketches past their exact 64 (HyperLogLog),
# and windows in three chunks of the installs pass. The installs update
# merged into the windows must be what the day sketches give.
MANY=$T_TMP/many.db
crash-aggregate --db "sqlite:$MANY" update 2>/dev/null	# the schema
sqlite3 "$MANY" "INSERT INTO crashes (crash_id, date_processed, processed_at, product, version,
	release_channel, build_id, os_name, process_type, signature, install_time, startup_crash,
	throttle_rate)
	WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 29999)
	SELECT 'many' || i, date('2026-10-01', '+' || (i % 40) || ' days') || 'T12:00:00+00:00',
	'2026-11-20T00:00:00+00:00', 'Firefox', CASE i % 3 WHEN 0 THEN '120.0' WHEN 1 THEN '121.0'
	ELSE '122.0' END, 'release', '20261001000000', 'Linux', 'parent',
	'sig' || ((i * 7919) % 1000 * ((i * 7919) % 1000) / 25000), (i * 104729) % 3000, 0, 100 FROM n"
crash-aggregate --db "sqlite:$MANY" update 2>err
is "many installs: update exit 0" "$?" 0
like "many installs: the rows' installs merged" "$(cat err)" "installs of [0-9]* rows of top signatures merged"
is "many installs: every row has its installs" \
	"$(sqlite3 "$MANY" "SELECT count(*) FROM top_windows WHERE installs IS NULL")" 0
ok "many installs: windows past an exact sketch's 64" test "$(sqlite3 "$MANY" \
	"SELECT max(installs) FROM top_windows")" -gt 64
ask_all() {	# the questions of several chunks, sizes and versions
	for end in 2026-10-06 2026-10-16 2026-10-30 2026-11-10; do
		for days in 1 3 7 14 28; do
			for v in "" "--version 121.0"; do
				crash-aggregate --db "sqlite:$MANY" topcrashers --product Firefox --days $days \
					--end-date $end $v --limit 20 --format ndjson | jq -c "[\"$end\", $days, .signature, .installs]"
			done
		done
	done
}
ask_all >merged
sqlite3 "$MANY" "UPDATE top_windows SET installs = NULL"
ask_all >from-sketches
ok "many installs: questions answered" test "$(wc -l <merged)" -gt 300
is "many installs: merged at update as the day sketches give them" "$(cat merged)" "$(cat from-sketches)"
crash-aggregate --db "sqlite:$MANY" update 2>err
is "rows left without installs: the next update fills them, with no day changed" \
	"$(sqlite3 "$MANY" "SELECT count(*) FROM top_windows WHERE installs IS NULL") $(grep -c 'days aggregated' err)" "0 1"
ask_all >refilled
is "... with the same installs" "$(cat refilled)" "$(cat merged)"
done_testing
