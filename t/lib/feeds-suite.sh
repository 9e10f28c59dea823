# t/lib/feeds-suite.sh: crash-aggregate's integrations against a local
# HTTP server (t/lib/fake-http) on the database in $DB (dbq runs SQL):
# bug associations from a Bugzilla REST API (pages, sync, retries, a
# server that fails or is down), builds from JSON and CSV feeds. Sourced
# after tap.sh, in $T_TMP.

mkdir bz
# 500 bugs on the first page (so a second is asked for), then two more.
perl -e 'print "{\"bugs\": [", join(",", map { "{\"id\": $_, \"cf_crash_signature\": \"[\@ sig$_]\"}" } 1..500), "]}"' >bz/bugs-0.json
cat >bz/bugs-500.json <<'J'
{"bugs": [
 {"id": 1001, "cf_crash_signature": "[@ js::GCMarker::processMarkStackTop ]\r\n[@ OOM | small ]\r\n[@ foo[bar] | baz]"},
 {"id": 1002, "cf_crash_signature": "  [@ js::GCMarker::processMarkStackTop]  "},
 {"id": 1003, "cf_crash_signature": ""}
]}
J
start_http bz
crash-aggregate --db "$DB" bugs --bugzilla "$HTTP_URL" 2>err
is "bugs: exit 0" "$?" 0
is "bugs: every page read" "$(dbq 'SELECT count(*) FROM bug_associations')" 504
is "bugs: signatures with brackets and spaces" \
	"$(dbq "SELECT bug_id || ' ' || signature FROM bug_associations WHERE bug_id > 1000 ORDER BY 1" | tr '\n' ';')" \
	"1001 OOM | small;1001 foo[bar] | baz;1001 js::GCMarker::processMarkStackTop;1002 js::GCMarker::processMarkStackTop;"
stop_http

# Bugzilla changed: bug 1002 no longer carries the signature.
echo '{"bugs": [{"id": 1001, "cf_crash_signature": "[@ OOM | small]"}]}' >bz/bugs-0.json
rm bz/bugs-500.json
start_http bz 2
crash-aggregate --db "$DB" bugs --bugzilla "$HTTP_URL" 2>err
is "bugs: two failures retried, then synced" "$?:$(dbq 'SELECT count(*) FROM bug_associations')" "0:1"
like "bugs: the retries are said" "$(cat err)" "HTTP 500; retrying"
stop_http
start_http bz 10
crash-aggregate --db "$DB" bugs --bugzilla "$HTTP_URL" 2>err
is "bugs: a server that keeps failing changes nothing" "$?:$(dbq 'SELECT count(*) FROM bug_associations')" "1:1"
like "bugs: says so" "$(cat err)" "left as they were"
stop_http
crash-aggregate --db "$DB" bugs --bugzilla "http://127.0.0.1:1" 2>err
is "bugs: a server that is down changes nothing" "$?:$(dbq 'SELECT count(*) FROM bug_associations')" "1:1"

mkdir feed
cat >feed/builds.json <<'J'
[{"product": "Firefox", "version": "120.0", "release_channel": "release", "build_id": "20261101000000", "build_date": "2026-11-01"},
 {"product": "Firefox", "version": "121.0b3", "channel": "beta", "buildid": "20261110000000", "date": "2026-11-10"}]
J
printf 'product,version,channel,build_id,date\nThunderbird,115.5,release,20261020000000,2026-10-20\n' >feed/builds.csv
printf 'product,version,channel,build_id,date\nThunderbird,115.6,release,notdigits,2026-10-20\n' >feed/bad.csv
start_http feed
crash-aggregate --db "$DB" import-builds "$HTTP_URL/builds.json" 2>err
is "import-builds: a JSON feed over HTTP" "$?:$(dbq "SELECT product || ' ' || version || ' ' || release_channel || ' ' || substr(CAST(build_date AS TEXT), 1, 10) FROM product_versions ORDER BY 1" | tr '\n' ';')" \
	"0:Firefox 120.0 release 2026-11-01;Firefox 121.0b3 beta 2026-11-10;"
crash-aggregate --db "$DB" import-builds feed/builds.csv 2>err
is "import-builds: a CSV file" "$?:$(dbq "SELECT count(*) FROM product_versions WHERE product = 'Thunderbird'")" "0:1"
crash-aggregate --db "$DB" import-builds "$HTTP_URL/bad.csv" 2>err
is "import-builds: a bad row refuses the whole feed" "$?:$(dbq 'SELECT count(*) FROM product_versions')" "1:3"
like "import-builds: says which row" "$(cat err)" "row 1: build id notdigits is not digits; nothing imported"
crash-aggregate --db "$DB" import-builds "$HTTP_URL/missing.json" 2>err
is "import-builds: a missing feed" "$?" 1
printf '[{"product": "Fenix", "version": "130.0", "build_id": 20261115000000}]' >feed/numeric.json
crash-aggregate --db "$DB" import-builds "$HTTP_URL/numeric.json" 2>err
is "import-builds: a build id given as a number" "$(dbq "SELECT build_id FROM product_versions WHERE product = 'Fenix'")" 20261115000000
crash-aggregate --db "$DB" import-builds no/such/file.csv 2>err
like "import-builds: a missing file is named" "$(cat err)" "no/such/file.csv: No such file or directory"
printf 'product,version,channel,build_id,date\n\nFocus,1.0,release,20261101000000,2026-11-01\n\n' |
	crash-aggregate --db "$DB" import-builds - 2>err
is "import-builds: CSV on standard input, blank lines skipped" "$?:$(dbq "SELECT count(*) FROM product_versions WHERE product = 'Focus'")" "0:1"
stop_http
