# t/lib/aggregate-suite.sh: crash-aggregate on a dataset with known
# answers, on the database in $DB (dbq SQL runs a query). Crashes made by
# crash-synth on given days, pushed through crash-move and crash-process.
# Sourced by the SQLite and PostgreSQL tests after tap.sh, in $T_TMP.
A='"frames": ["mozilla::Alpha::Crash", "main"]'
B='"frames": ["Beta::Run", "main"]'
C='"frames": ["Gamma::Draw", "main"]'
synth() {	# synth DATE SPEC...
	day=$1; shift
	printf '%s\n' "$@" | crash-synth --out spool --symbols syms --date "$day" --seed "${SEED:-${day#*-*-}}" >/dev/null 2>&1
}
ann() {	# ann VERSION INSTALL BUILD [STARTUP]
	printf '"annotations": {"Version": "%s", "InstallTime": "%s", "BuildID": "%s", "StartupCrash": "%s"}' \
		"$1" "$2" "$3" "${4:-0}"
}
synth 2026-11-15 "{\"count\": 4, $A, \"os\": \"Windows NT\", $(ann 12.0 100 20261110000000)}" \
	"{\"count\": 4, $B, \"os\": \"Linux\", $(ann 12.0 200 20261110000000)}"
synth 2026-11-17 "{\"count\": 3, $A, \"os\": \"Windows NT\", $(ann 12.0 1000 20261117000000)}" \
	"{\"count\": 2, $C, \"os\": \"Mac OS X\", $(ann 12.0 3000 20261117120000)}"
synth 2026-11-18 "{\"count\": 2, $A, \"os\": \"Linux\", $(ann 12.0 2000 20261118000000)}" \
	"{\"count\": 1, $B, \"os\": \"Linux\", $(ann 12.0 4000 20261110000000 1)}"
synth 2026-11-19 "{\"count\": 1, $A, \"os\": \"Windows NT\", $(ann 12.1 1000 20261119000000)}" \
	"{\"count\": 2, \"frames\": [\"Delta::Mail\"], \"os\": \"Linux\", \"annotations\": {\"ProductName\": \"Thunderbird\"}}"
synth 2026-11-20 "{\"count\": 5, $A, \"os\": \"Windows NT\", $(ann 12.0 100 20261120000000)}"
crash-move --spool spool --to store 2>/dev/null | crash-process --store store --db "$DB" --symbols syms >processed 2>/dev/null
is "the dataset is processed" "$(jq -r .status processed | sort | uniq -c | tr -s ' ')" " 24 ok"
dbq "INSERT INTO bug_associations (bug_id, signature) VALUES (456, 'mozilla::Alpha::Crash'), (123, 'mozilla::Alpha::Crash')" >/dev/null

crash-aggregate --db "$DB" update 2>err
is "update: exit 0" "$?" 0
like "update: every day with crashes" "$(cat err)" "5 days aggregated"
crash-aggregate --db "$DB" update 2>err
like "update again: nothing changed, nothing done" "$(cat err)" "0 days aggregated"

TOP="topcrashers --product Firefox --days 3 --end-date 2026-11-20 --format ndjson"
crash-aggregate --db "$DB" $TOP >top
cat >want <<'J'
{"rank":1,"signature":"mozilla::Alpha::Crash","count":6,"percent":66.67,"diff":16.67,"win_count":4,"mac_count":0,"lin_count":2,"other_count":0,"versions_count":2,"installs":2,"startup_percent":0.0,"first_appearance":"2026-11-15","bug_ids":[123,456]}
{"rank":2,"signature":"Gamma::Draw","count":2,"percent":22.22,"diff":"new","win_count":0,"mac_count":2,"lin_count":0,"other_count":0,"versions_count":1,"installs":1,"startup_percent":0.0,"first_appearance":"2026-11-17","bug_ids":[]}
{"rank":3,"signature":"Beta::Run","count":1,"percent":11.11,"diff":-38.89,"win_count":0,"mac_count":0,"lin_count":1,"other_count":0,"versions_count":1,"installs":1,"startup_percent":100.0,"first_appearance":"2026-11-15","bug_ids":[]}
J
is "topcrashers: every number as known" "$(cat top)" "$(cat want)"
crash-aggregate --db "$DB" $TOP --from-crashes >top-rows
is "topcrashers: the crash rows give the same answer" "$(cat top-rows)" "$(cat want)"
crash-aggregate --db "$DB" $TOP --format table --limit 2 >table
like "table: the footer covers the listed rows" "$(tail -1 table)" "the report covers 88.89% of all 9 crashes"
is "table: a header and two rows" "$(grep -c 'Crash\|Draw\|rank' table)" 3
crash-aggregate --db "$DB" $TOP --version 12.1 >v
is "a version filter" "$(jq -c '[.signature, .count, .percent, .diff]' v)" '["mozilla::Alpha::Crash",1,100,"new"]'
crash-aggregate --db "$DB" $TOP --os Linux >v
is "an OS filter" "$(jq -c '[.signature, .count]' v | tr '\n' ' ')" '["mozilla::Alpha::Crash",2] ["Beta::Run",1] '
crash-aggregate --db "$DB" $TOP --by build >v
is "by build date" "$(jq -c '[.signature, .count, .percent, .diff]' v | tr '\n' ' ')" \
	'["mozilla::Alpha::Crash",6,75,"new"] ["Gamma::Draw",2,25,"new"] '
crash-aggregate --db "$DB" $TOP --by build --from-crashes >v2
is "by build date from the crash rows" "$(cat v2)" "$(cat v)"
crash-aggregate --db "$DB" topcrashers --product Thunderbird --days 7 --end-date 2026-11-20 --format csv >csv
is "csv: RFC 4180 with a header" "$(head -1 csv | tr -d '\r')" \
	"rank,signature,count,percent,diff,win_count,mac_count,lin_count,other_count,versions_count,installs,startup_percent,first_appearance,bug_ids"
like "csv: the row" "$(sed -n 2p csv | tr -d '\r')" "^1,Delta::Mail,2,100.00,new,0,0,2,0,1,"
crash-aggregate --db "$DB" topcrashers --product Nobody --days 7 --end-date 2026-11-20 --format ndjson >none
is "no crashes: no rows" "$(wc -c <none)" 0

# A late crash for a day already aggregated: only that day is rebuilt.
SEED=99 synth 2026-11-17 "{\"count\": 1, $C, \"os\": \"Linux\", $(ann 12.0 5000 20261117000000)}"
crash-move --spool spool --to store 2>/dev/null | crash-process --store store --db "$DB" --symbols syms >/dev/null 2>&1
crash-aggregate --db "$DB" update 2>err
like "a backfilled day is found and rebuilt alone" "$(tr '\n' ' ' <err)" "aggregated 2026-11-17: 6 crashes.*1 day aggregated"
crash-aggregate --db "$DB" $TOP >top
is "... and counted" "$(jq -c '[.signature, .count, .lin_count, .installs]' top | sed -n 2p)" '["Gamma::Draw",3,1,2]'
crash-aggregate --db "$DB" $TOP --from-crashes >top-rows
is "... the same from the crash rows" "$(cat top-rows)" "$(cat top)"
crash-aggregate --db "$DB" topcrashers --end-date 2026-13-01 2>err
is "a bad date: exit 2" "$?" 2
crash-aggregate --db "$DB" nonsense 2>err
is "an unknown command: exit 2" "$?" 2
