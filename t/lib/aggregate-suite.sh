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
crash-aggregate -v --db "$DB" $TOP 2>err >/dev/null
like "topcrashers: a standard question is answered ready-made" "$(cat err)" "from the ready-made window"
crash-aggregate -v --db "$DB" $TOP --limit 0 >top-all 2>err
like "topcrashers: other questions from the daily aggregates" "$(cat err)" "answered from daily_aggregates"
is "... with the same answer" "$(cat top-all)" "$(cat want)"
crash-aggregate --db "$DB" $TOP --format table --limit 2 >table
like "table: the footer covers the listed rows" "$(tail -1 table)" "the report covers 88.89% of all 9 crashes"
is "table: a header and two rows" "$(grep -c 'Crash\|Draw\|rank' table)" 3
crash-aggregate --db "$DB" $TOP --version 12.1 >v
is "a version filter" "$(jq -c '[.signature, .count, .percent, .diff]' v)" '["mozilla::Alpha::Crash",1,100,"new"]'
crash-aggregate -v --db "$DB" $TOP --version 12.0 >v 2>err
like "one version: answered ready-made" "$(cat err)" "from the ready-made window"
crash-aggregate --db "$DB" $TOP --version 12.0 --from-crashes >v2
is "one version: every number as the crash rows give it, installs too" "$(cat v)" "$(cat v2)"
# The installs of a ready-made window's rows are merged once, at update,
# and read from there.
is "window installs: one for every row of each window made" \
	"$(dbq "SELECT count(*) FROM top_windows WHERE installs IS NULL")" 0
# The sizes ending on one day are merged one from the other: each checked.
: >sizes; : >sizes-rows
for days in 1 3 7 14 28; do
	for v in "" "--version 12.0"; do
		q="topcrashers --product Firefox --days $days --end-date 2026-11-20 $v --format ndjson"
		crash-aggregate --db "$DB" $q | jq -c "[$days, .signature, .installs]" >>sizes
		crash-aggregate --db "$DB" $q --from-crashes | jq -c "[$days, .signature, .installs]" >>sizes-rows
	done
done
is "window installs: every size and version as the crash rows give them" \
	"$(cat sizes)" "$(cat sizes-rows)"
dbq "UPDATE top_windows SET installs = installs + 1000" >/dev/null
crash-aggregate --db "$DB" $TOP --version 12.0 >v3
is "window installs: what the report lists" "$(jq -c .installs v3 | tr '\n' ' ')" \
	"$(jq -c '.installs + 1000' v | tr '\n' ' ')"
# A window made before they were merged at update: the day sketches answer.
dbq "UPDATE top_windows SET installs = NULL" >/dev/null
crash-aggregate --db "$DB" $TOP --version 12.0 >v3
is "window installs missing: merged from the day sketches" "$(cat v3)" "$(cat v)"
dbq "DELETE FROM aggregate_days" >/dev/null
crash-aggregate --db "$DB" update 2>/dev/null
crash-aggregate --db "$DB" $TOP --version 12.0 >v3
is "window installs: made again by update" "$(cat v3)" "$(cat v)"
# Windows that end past the day after the last day with crashes are not
# made (their days are still to come): asked anyway, the daily aggregates answer.
LATE="topcrashers --product Firefox --days 3 --end-date 2026-11-22 --format ndjson"
crash-aggregate -v --db "$DB" $LATE >late 2>err
like "a window past the data: from the daily aggregates" "$(cat err)" "answered from daily_aggregates"
crash-aggregate --db "$DB" $LATE --from-crashes >late-rows
is "... with the crash rows' answer" "$(cat late)" "$(cat late-rows)"
crash-aggregate -v --db "$DB" topcrashers --product Firefox --days 3 --end-date 2026-11-21 2>err >/dev/null
like "the window ending the day after the last: ready-made" "$(cat err)" "from the ready-made window"
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

# new: first seen in the window, with the builds they came in.
crash-aggregate --db "$DB" new --product Firefox --days 3 --end-date 2026-11-20 --format ndjson >o
is "new: the one signature first seen in the window" "$(cat o)" \
	'{"rank":1,"signature":"Gamma::Draw","first_appearance":"2026-11-17","count":3,"builds":["20261117000000","20261117120000"]}'

# explosive: one crash a day for three days, then twelve.
E='"frames": ["Epsilon::Boom"], "os": "Linux", "annotations": {"ProductName": "Fennec"}'
for d in 16 17 18; do SEED=$((d + 50)) synth 2026-11-$d "{\"count\": 1, $E}"; done
SEED=77 synth 2026-11-19 "{\"count\": 12, $E}"
crash-move --spool spool --to store 2>/dev/null | crash-process --store store --db "$DB" --symbols syms >/dev/null 2>&1
crash-aggregate --db "$DB" update 2>/dev/null
crash-aggregate --db "$DB" explosive --product Fennec --days 7 --end-date 2026-11-20 --format ndjson >o
is "explosive: the jump found, with its baseline" "$(cat o)" \
	'{"rank":1,"signature":"Epsilon::Boom","date":"2026-11-19","count":12,"baseline_mean":0.43,"baseline_sd":0.53,"score":11.57}'
crash-aggregate --db "$DB" explosive --product Fennec --days 7 --end-date 2026-11-19 --format ndjson >o
is "explosive: a quiet day has none" "$(wc -c <o)" 0

# rates: ADU imported; a day without ADU is missing, not zero; throttled crashes count for more.
printf 'date,product,version,build_id,os,count\n2026-11-19,Fennec,120.0,20261101000000,Linux,400\n2026-11-19,Fennec,120.0,20261101000000,Windows NT,200\n' >adu.csv
crash-aggregate --db "$DB" import-adu adu.csv 2>err
is "import-adu: exit 0" "$?" 0
printf '2026-11-18,Fennec,120.0,20261101000000,Linux,400\n2026-11-18,Fennec,120.0,,Linux,many\n' >bad.csv
crash-aggregate --db "$DB" import-adu bad.csv 2>err
is "import-adu: a bad file is refused whole" "$?:$(dbq "SELECT count(*) FROM adu WHERE date = '2026-11-18'")" "1:0"
like "import-adu: the bad line is named" "$(cat err)" "bad.csv:2: bad count; nothing imported"
crash-aggregate --db "$DB" rates --product Fennec --days 7 --end-date 2026-11-20 --format ndjson >o
is "rates: per day and build, missing ADU said so" "$(jq -c '[.date, .crashes, .adu, .crashes_per_100_adu]' o | tr '\n' ' ')" \
	'["2026-11-16",1,"missing",null] ["2026-11-17",1,"missing",null] ["2026-11-18",1,"missing",null] ["2026-11-19",12,600,2] '
dbq "UPDATE crashes SET throttle_rate = 50 WHERE product = 'Fennec' AND date_processed >= '2026-11-19' AND date_processed < '2026-11-20'" >/dev/null
crash-aggregate --db "$DB" update --date 2026-11-19 2>/dev/null
crash-aggregate --db "$DB" rates --product Fennec --days 1 --end-date 2026-11-20 --format ndjson >o
is "rates: crashes kept at 50% count twice" "$(jq -c '[.crashes, .crashes_per_100_adu]' o)" '[24,4]'

# compare-builds: two builds side by side.
crash-aggregate --db "$DB" compare-builds --product Firefox --build 20261117000000 --build 20261118000000 \
	--days 7 --end-date 2026-11-20 --format ndjson >o
is "compare-builds: rates, empty share, signatures by difference" "$(jq -c '[.kind, .signature, .count_a, .value_a, .count_b, .value_b, .diff]' o | tr '\n' ' ')" \
	'["crashes_per_100_adu",null,4,"missing",2,"missing",null] ["empty_signature_percent",null,0,0,0,0,0] ["signature","Gamma::Draw",1,25,0,0,-25] ["signature","mozilla::Alpha::Crash",3,75,2,100,25] '

# correlations: the signature's Windows crashes stand out.
crash-aggregate --db "$DB" correlations --signature mozilla::Alpha::Crash --product Firefox --days 3 \
	--end-date 2026-11-20 --limit 0 --format ndjson >o
is "correlations: OS, with both shares and z" "$(jq -c 'select(.attribute == "os_name") | [.value, .signature_count, .signature_percent, .overall_count, .overall_percent, .z]' o)" \
	'["Windows NT",4,66.67,4,40,2.11]'
is "correlations: a module that comes with it" "$(jq -c 'select(.value == "xul.dll 10.0.19041.1") | [.attribute, .signature_count, .overall_count]' o)" \
	'["module",4,4]'
is "correlations: nothing under-represented listed" "$(jq 'select(.z <= 0)' o)" ""

# modules and frankeninstalls: synthetic Windows modules say 10.0.19041.1, not 12.0.
crash-aggregate --db "$DB" frankeninstalls --product Firefox --days 3 --end-date 2026-11-20 --format ndjson >o
is "frankeninstalls: product modules of another version" "$(jq -r '[.module, .module_version] | join(" ")' o | sort | uniq -c | awk '{ printf "%s %s %s;", $1, $2, $3 }')" \
	"4 firefox.exe 10.0.19041.1;4 xul.dll 10.0.19041.1;"
one=$(jq -r .crash_id o | head -1)
dbq "UPDATE crash_modules SET module_version = '12.0.0.5' WHERE crash_id = '$one' AND module IN ('xul.dll', 'firefox.exe')" >/dev/null
crash-aggregate --db "$DB" frankeninstalls --product Firefox --days 3 --end-date 2026-11-20 --format ndjson >o
is "frankeninstalls: a crash whose modules agree is not one" "$(wc -l <o):$(grep -c "$one" o)" "6:0"
crash-aggregate --db "$DB" modules --module xul.dll --product Firefox --days 7 --end-date 2026-11-20 --format ndjson >o
is "modules: crashes by module version" "$(jq -c '[.module_version, .count, .percent, .signatures]' o | tr '\n' ' ')" \
	'["10.0.19041.1",7,87.5,1] ["12.0.0.5",1,12.5,1] '

# duplicates: one minidump sent twice; one install's crash resent with a near-equal uptime.
ids=$(dbq "SELECT crash_id FROM crashes WHERE signature = 'Beta::Run' AND date_processed < '2026-11-16' ORDER BY date_processed")
set -- $ids
dbq "UPDATE crashes SET uptime = 100 WHERE crash_id = '$1'; UPDATE crashes SET uptime = 103 WHERE crash_id = '$2';
     UPDATE crashes SET uptime = 104 WHERE crash_id = '$3'; UPDATE crashes SET uptime = 500 WHERE crash_id = '$4'" >/dev/null
b1=$1 b2=$2 b3=$3
ids=$(dbq "SELECT crash_id FROM crashes WHERE signature = 'mozilla::Alpha::Crash' AND date_processed < '2026-11-16' ORDER BY date_processed")
set -- $ids
dbq "UPDATE crashes SET uptime = CASE crash_id WHEN '$1' THEN 1000 WHEN '$2' THEN 2000 WHEN '$3' THEN 3000 ELSE 4000 END
     WHERE crash_id IN ('$1', '$2', '$3', '$4');
     UPDATE crashes SET minidump_sha256 = 'feed' WHERE crash_id IN ('$1', '$3')" >/dev/null
crash-aggregate --db "$DB" duplicates --days 7 --end-date 2026-11-16 --format ndjson >o
is "duplicates: listed with their original and why" "$(jq -r '[.crash_id, .duplicate_of, .reason] | join(" ")' o | sort)" \
	"$(printf '%s\n' "$3 $1 same minidump" "$b2 $b1 same install, build and signature, near-equal uptime" "$b3 $b1 same install, build and signature, near-equal uptime" | sort)"
is "duplicates: flagged in the database" "$(dbq "SELECT count(*) FROM crashes WHERE duplicate_of IS NOT NULL")" 3
crash-aggregate --db "$DB" duplicates --days 7 --end-date 2026-11-16 --format ndjson >o2
is "duplicates: a second run, the same flags" "$(cat o2)" "$(cat o)"
crash-aggregate --db "$DB" duplicates --product Thunderbird --days 7 --end-date 2026-11-16 --format ndjson >o2
is "duplicates: another product's run leaves these flags alone" "$(dbq "SELECT count(*) FROM crashes WHERE duplicate_of IS NOT NULL")" 3
crash-aggregate --db "$DB" rates --product Fennec --channel beta --days 7 --end-date 2026-11-20 2>err
is "rates: a filter ADU cannot follow is refused" "$?" 2

# HTML: one self-contained page, rendered by a real (headless) browser;
# the screenshots are left in t/out/ for a human to look at.
crash-aggregate --db "$DB" $TOP --format html >top.html
crash-aggregate --db "$DB" rates --product Fennec --days 7 --end-date 2026-11-20 --format html >rates.html
is "html: nothing fetched from elsewhere" "$(grep -c 'src=\|href=\|@import\|url(' top.html rates.html | cut -d: -f2 | tr '\n' ' ')" "0 0 "
browser=$(command -v chromium-headless-shell || command -v chromium || true)
if [ -n "${HTML_CHECK:-}" ] && [ -n "$browser" ]; then
	render() { "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars "$@" 2>/dev/null; }
	render --dump-dom "file://$T_TMP/top.html" >dom.html
	is "html: the browser sees a row per signature" "$(grep -o '<tr>' dom.html | wc -l)" 4
	is "html: a sparkline per row, a point per day" "$(grep -o '<polyline points="[^"]*"' dom.html | awk '{ print NF }' | tr '\n' ' ')" "4 4 4 "
	like "html: the footer" "$(cat dom.html)" "the report covers 100.00% of all 10 crashes"
	render --dump-dom "file://$T_TMP/rates.html" >dom2.html
	is "html: the rates chart has a bar per build" "$(grep -o '<rect ' dom2.html | wc -l)" 1
	mkdir -p "$ROOT/t/out"
	rm -f "$ROOT/t/out/topcrashers.png" "$ROOT/t/out/rates.png"
	(cd "$ROOT/t/out" && render --window-size=1900,400 --screenshot=topcrashers.png "file://$T_TMP/top.html" &&
		render --window-size=900,400 --screenshot=rates.png "file://$T_TMP/rates.html") >/dev/null
	is "html: screenshots taken (t/out/*.png)" "$(head -c 4 "$ROOT/t/out/topcrashers.png" | tail -c 3)$(head -c 4 "$ROOT/t/out/rates.png" | tail -c 3)" "PNGPNG"
elif [ -n "${HTML_CHECK:-}" ]; then
	echo "ok $((T_N + 1)) # SKIP no headless chromium (scripts/install-deps installs it)"; T_N=$((T_N + 1))
fi
crash-aggregate --db "$DB" topcrashers --product Firefox --days 7 --end-date 2026-11-01 --format table >t 2>&1
like "topcrashers: a window with nothing in it" "$(tail -1 t)" "of all 0 crashes"
dbq "UPDATE crashes SET version = NULL WHERE signature = 'Beta::Run'" >/dev/null
crash-aggregate --db "$DB" update --date 2026-11-18 2>err
is "update: crashes without a version are counted" "$?" 0
crash-aggregate --db "$DB" topcrashers --end-date 2026-13-01 2>err
is "a bad date: exit 2" "$?" 2
crash-aggregate --db "$DB" nonsense 2>err
is "an unknown command: exit 2" "$?" 2

# expire: the crashes of days before the cutoff go, with their modules;
# the aggregates and the later days stay.
kept=$(dbq "SELECT count(*) FROM crashes WHERE date_processed >= '2026-11-16'")
old=$(dbq "SELECT count(*) FROM crashes WHERE date_processed < '2026-11-16'")
aggs=$(dbq "SELECT count(*), sum(count) FROM daily_aggregates")
ok "expire: there are crashes on both sides of the cutoff ($old, $kept)" test "$old" -gt 0 -a "$kept" -gt 0
crash-aggregate --db "$DB" expire --before 2026-11-16 2>err
is "expire: exit 0" "$?" 0
is "expire: the earlier days' crashes are gone" "$(dbq "SELECT count(*) FROM crashes WHERE date_processed < '2026-11-16'")" 0
is "expire: the later days' crashes stay" "$(dbq 'SELECT count(*) FROM crashes')" "$kept"
is "expire: their modules and add-ons go too" \
	"$(dbq "SELECT (SELECT count(*) FROM crash_modules WHERE date_processed < '2026-11-16') + (SELECT count(*) FROM crash_addons WHERE date_processed < '2026-11-16')")" 0
ok "expire: the modules of the crashes kept stay" test "$(dbq 'SELECT count(DISTINCT crash_id) FROM crash_modules')" = "$kept"
is "expire: the aggregates stay" "$(dbq 'SELECT count(*), sum(count) FROM daily_aggregates')" "$aggs"
crash-aggregate --db "$DB" expire --keep-days 0 2>/dev/null
is "expire: --keep-days 0 is bad usage" "$?" 2
crash-aggregate --db "$DB" expire --before 2026-11-32 2>/dev/null
is "expire: a bad date is bad usage" "$?" 2

# Signatures with quotes, backslashes, commas and braces pass through
# every query of the ready-made path whole.
synth 2026-12-10 '{"count": 2, "frames": ["Odd::\"quoted\"{a,b}"], "os": "Linux", "annotations": {"ProductName": "Oddity", "Version": "1.0", "InstallTime": "7"}}' \
	'{"count": 1, "frames": ["Odd::back\\slash"], "os": "Linux", "annotations": {"ProductName": "Oddity", "Version": "1.0", "InstallTime": "8"}}'
crash-move --spool spool --to store 2>/dev/null | crash-process --store store --db "$DB" --symbols syms >/dev/null 2>&1
crash-aggregate --db "$DB" update --date 2026-12-10 2>/dev/null
ODD="topcrashers --product Oddity --version 1.0 --days 1 --end-date 2026-12-11 --format ndjson"
crash-aggregate --db "$DB" $ODD >odd 2>err
is "odd signatures: exit 0" "$?" 0
ok "odd signatures: a quote and a backslash in them" sh -c "jq -r .signature odd | grep -q '\"' && jq -r .signature odd | grep -qF '\\'"
crash-aggregate --db "$DB" $ODD --from-crashes >odd-rows
is "odd signatures: the same rows as from the crash rows, installs too" "$(cat odd)" "$(cat odd-rows)"

# That day loses its crashes: its windows must not keep showing them.
dbq "DELETE FROM crashes WHERE date_processed >= '2026-12-10'" >/dev/null
crash-aggregate --db "$DB" update --date 2026-12-10 2>/dev/null
crash-aggregate --db "$DB" $ODD >odd 2>/dev/null
is "a day emptied: its windows show nothing of it" "$(wc -l <odd)" 0
