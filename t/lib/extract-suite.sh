# t/lib/extract-suite.sh: crash-extract on the database in $DB (dbq runs
# SQL): every operator and format, odd characters, protected fields,
# fields from the store, empty and large extracts. Sourced after tap.sh,
# in $T_TMP.
printf '%s\n' \
	'{"count": 3, "frames": ["Foo::Bar"], "os": "Linux", "annotations": {"Email": "a@example.com", "URL": "https://a.example/", "Version": "12.0"}}' \
	'{"count": 2, "frames": ["Baz::Qux"], "os": "Windows NT", "annotations": {"Email": "b@example.com", "Version": "13.0"}}' |
	crash-synth --out spool --symbols syms --date 2026-11-18 --seed 3 >/dev/null 2>&1
crash-move --spool spool --to store 2>/dev/null | crash-process --store store --db "$DB" --symbols syms >/dev/null 2>&1
is "the dataset" "$(dbq 'SELECT count(*) FROM crashes')" 5
odd=$(dbq "SELECT crash_id FROM crashes WHERE signature = 'Baz::Qux' ORDER BY crash_id LIMIT 1")
dbq "UPDATE crashes SET signature = 'a, \"b\" | c
d', uptime = 7 WHERE crash_id = '$odd'" >/dev/null
dbq "UPDATE crashes SET uptime = 100 WHERE signature = 'Foo::Bar'" >/dev/null
dbq "UPDATE crashes SET uptime = 20 WHERE signature = 'Baz::Qux'" >/dev/null
X="crash-extract --db $DB --store store"

cnt() { $X "$@" --format ndjson 2>/dev/null | wc -l; }
is "= exact" "$(cnt --where 'signature=Foo::Bar')" 3
is "!= not" "$(cnt --where 'signature!=Foo::Bar')" 2
is "~ contains" "$(cnt --where 'signature~oo::B')" 3
is "^ starts with" "$(cnt --where 'signature^Baz')" 1
is "\$ ends with" "$(cnt --where 'signature$::Qux')" 1
is "@ regular expression" "$(cnt --where 'signature@^(Foo|Baz)::')" 4
is "> on numbers" "$(cnt --where 'uptime>50')" 3
is ">= on numbers" "$(cnt --where 'uptime>=7' --where 'uptime<=7')" 5
is "< on numbers" "$(cnt --where 'uptime<50')" 2
is "<= and >= on dates" "$(cnt --where 'date_processed>=2026-11-18' --where 'os_name=Linux')" 3
is "the null test" "$(cnt --where 'url=__null__' --protected --audit-log audit):$(cnt --where 'url!=__null__' --protected --audit-log audit)" "2:3"
is "one field's conditions are ORed" "$(cnt --where 'signature=Foo::Bar' --where 'signature^Baz')" 4
is "... a regular expression among them too" "$(cnt --where 'signature=Foo::Bar' --where 'signature@^Baz')" 4
is "--distinct sorted by another field" "$($X --columns product --distinct --sort -uptime --format tsv 2>/dev/null | tr '\n' ' ')" "product Firefox "
is "different fields' are ANDed" "$(cnt --where 'signature^Baz' --where 'os_name=Linux')" 0
is "--from and --to" "$(cnt --from 2026-11-18 --to 2026-11-19):$(cnt --from 2026-11-19)" "5:0"

$X --columns crash_id,signature,uptime --where "crash_id=$odd" >csv 2>/dev/null
is "csv: RFC 4180, quotes doubled, CRLF" "$(cat csv)" \
	"$(printf 'crash_id,signature,uptime\r\n%s,"a, ""b"" | c\nd",7\r' "$odd")"
perl -e 'local $/; $_ = <STDIN>; my @f = /("(?:[^"]|"")*"|[^,\r\n]*)(?:,|\r\n)/g; exit !($f[4] eq "\"a, \"\"b\"\" | c\nd\"")' <csv
is "csv: the quoted field reads back" "$?" 0
$X --columns signature,uptime --where "crash_id=$odd" --format tsv >tsv 2>/dev/null
is "tsv: escapes" "$(tail -1 tsv)" 'a, "b" | c\nd	7'
$X --columns crash_id,uptime,startup_crash,signature --where "crash_id=$odd" --format ndjson >nd 2>/dev/null
is "ndjson: numbers as numbers" "$(jq -c '[.uptime, (.startup_crash | type), .signature]' nd)" '[7,"boolean","a, \"b\" | c\nd"]'

# Fields of the processed crash, from the store; conditions on them too.
$X --columns crash_id,json_dump.system_info.os,addons,json_dump.crashing_thread.frames.0.function \
	--where 'json_dump.system_info.os=Linux' --format ndjson >nd 2>/dev/null
is "store fields: by dotted path" "$(jq -r '."json_dump.crashing_thread.frames.0.function"' nd | sort -u)" "Foo::Bar"
is "store fields: conditions on them" "$(wc -l <nd)" 3
$X --columns build,json_dump.system_info --where 'signature=Foo::Bar' --limit 1 --format ndjson >nd 2>/dev/null
is "store fields: JSON types kept (a string of digits stays a string)" "$(jq -c '[(.build | type), (."json_dump.system_info" | type)]' nd)" '["string","object"]'

# Protected data: refused, or extracted and recorded.
$X --columns email --where 'signature=Foo::Bar' >out 2>err
is "protected: refused without --protected" "$?:$(wc -c <out)" "1:0"
like "protected: says why" "$(cat err)" "email is protected data"
$X --columns crash_id --where 'email~example' >out 2>err
is "protected: a condition on it is refused too" "$?" 1
$X --protected --audit-log audit --where 'signature=Foo::Bar' --columns email --distinct >out 2>err
is "protected: the victims of a crash, each once" "$(tr -d '\r' <out | tr '\n' ' ')" "email a@example.com "
like "protected: the extract is recorded" "$(cat audit)" 'user=.*"--columns","email","--distinct"\]'

# A file where the log's directory should be: unwritable even for root.
: >not-a-dir
$X --protected --audit-log not-a-dir/audit --columns email >out 2>err
is "protected: not recorded, not extracted" "$?:$(wc -c <out)" "1:0"

is "no rows: the header alone" "$($X --where 'signature=nothing' 2>/dev/null | tr -d '\r')" \
	"crash_id,date_processed,product,version,os_name,signature"
$X --where 'signature=' --where 'bogus stuff' >/dev/null 2>err
is "a malformed condition: exit 2" "$?" 2
$X --columns 'no such;field' >/dev/null 2>err
is "a malformed column: exit 2" "$?" 2
is "--sort and --limit" "$($X --columns uptime --sort -uptime --limit 2 --format tsv 2>/dev/null | tr '\n' ' ')" "uptime 100 100 "

# The daily CSV dump cron runs.
"$ROOT/scripts/daily-extract" daily 2026-11-18 --db "$DB" >/dev/null 2>&1
is "daily extract: the day's crashes in one file" "$(grep -c '^[0-9a-f]\{8\}-' daily/crashes-2026-11-18.csv):$(ls daily)" "5:crashes-2026-11-18.csv"

# A large extract streams: memory does not grow with the rows.
dbq "INSERT INTO crashes (crash_id, date_processed, product, signature, uptime)
     SELECT 'big' || i, '2026-11-18T12:00:00+00:00', 'Big', 'sig ' || (i % 100), i
     FROM ($BIG_ROWS_SQL) n" >/dev/null
start=$(date +%s%N)
/usr/bin/time -f %M -o rss $X --where product=Big --columns crash_id,signature,uptime >big.csv 2>/dev/null
is "large: every row" "$(($(wc -l <big.csv) - 1))" 200000
limit=40000; [ "${SANITIZE:-}" = 1 ] && limit=150000	# ASan's shadow memory
ok "large: constant memory (peak $(cat rss) KB)" test "$(cat rss)" -lt $limit
