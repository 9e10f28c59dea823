#!/bin/sh
# crash-collect over real HTTP: every way a crash reporter uploads.
. "$(dirname "$0")/lib/tap.sh"

SPOOL=$T_TMP/spool
start_collector "$SPOOL" || exit 1
U=$COLLECT_URL/submit
head -c 150000 /dev/urandom >"$T_TMP/dump"
head -c 3000 /dev/urandom >"$T_TMP/dump2"
DUMP_SHA=$(sha256sum "$T_TMP/dump" | cut -d' ' -f1)

id_of() { printf '%s' "$1" | sed -n 's/^CrashID=bp-//p'; }
raw() { jq -r "$2" "$SPOOL/new/$1/raw_crash.json"; }

# Breakpad: form fields and one dump.
r=$(curl -s -A 'Breakpad/1.0 (Linux)' -F ProductName=Firefox -F Version=99.0 \
	-F 'Comments=ünïcode "quoted"' -F upload_file_minidump=@"$T_TMP/dump" "$U")
like "form upload answers CrashID=bp-<id>" "$r" '^CrashID=bp-[0-9a-f-]{36}$'
id=$(id_of "$r")
ok "crash is complete in new/" crash_complete "$SPOOL" "$id"
is "annotation kept" "$(raw "$id" .ProductName)" "Firefox"
is "unicode annotation kept" "$(raw "$id" .Comments)" 'ünïcode "quoted"'
is "dump checksum recorded" "$(raw "$id" '.metadata.dump_checksums.upload_file_minidump')" "$DUMP_SHA"
is "dump size recorded" "$(raw "$id" '.metadata.dump_sizes.upload_file_minidump')" 150000
cmp -s "$SPOOL/new/$id/upload_file_minidump" "$T_TMP/dump"
is "dump stored byte for byte (written in whole pages, the rest at its end)" "$?" 0
is "user agent recorded" "$(raw "$id" .metadata.user_agent)" "Breakpad/1.0 (Linux)"
is "uncompressed payload" "$(raw "$id" .metadata.payload_compressed)" "0"
is "uuid is the crash ID" "$(raw "$id" .uuid)" "$id"
like "submitted_timestamp is ISO 8601 UTC" "$(raw "$id" .submitted_timestamp)" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]{15}\+00:00$'
is "crash ID carries today's date and accept digit" "${id#*-*-*-*-?????}" "0$(date -u +%y%m%d)"
is "tmp/ is empty afterwards" "$(spool_count "$SPOOL" tmp)" 0

# Firefox: annotations as one application/json part.
printf '{"ProductName":"Firefox","Version":"120.0","TelemetryEnvironment":{"x":[1,2]},"Hang":"1"}' >"$T_TMP/extra.json"
r=$(curl -s -F 'extra=@'"$T_TMP/extra.json"';type=application/json' -F upload_file_minidump=@"$T_TMP/dump" "$U")
id=$(id_of "$r")
ok "JSON extra upload stored" crash_complete "$SPOOL" "$id"
is "JSON annotations merged" "$(raw "$id" .Version)" "120.0"
is "nested JSON values kept" "$(raw "$id" '.TelemetryEnvironment.x[1]')" "2"
is "JSON part is not stored as a dump" "$(ls "$SPOOL/new/$id" | sort | tr '\n' ' ')" "raw_crash.json upload_file_minidump "

# Several dumps under their field names.
r=$(curl -s -F ProductName=Firefox -F upload_file_minidump=@"$T_TMP/dump" \
	-F upload_file_minidump_browser=@"$T_TMP/dump2" -F memory_report=@"$T_TMP/dump2" "$U")
id=$(id_of "$r")
ok "multi-dump crash complete" crash_complete "$SPOOL" "$id"
is "every dump stored" "$(ls "$SPOOL/new/$id" | sort | tr '\n' ' ')" "memory_report raw_crash.json upload_file_minidump upload_file_minidump_browser "

# A body built by hand, then sent gzip'ed, chunked, and as multipart/mixed.
B=XXboundaryXX
{
	printf -- "--$B\r\nContent-Disposition: form-data; name=\"ProductName\"\r\n\r\nElectron\r\n"
	printf -- "--$B\r\nContent-Disposition: form-data; name=\"Version\"\r\n\r\n1.2.3\r\n"
	printf -- "--$B\r\nContent-Disposition: form-data; name=\"upload_file_minidump\"; filename=\"x.dmp\"\r\n"
	printf "Content-Type: application/octet-stream\r\n\r\n"
	cat "$T_TMP/dump"
	printf "\r\n--$B--\r\n"
} >"$T_TMP/body"
gzip -c "$T_TMP/body" >"$T_TMP/body.gz"
r=$(curl -s -H "Content-Type: multipart/form-data; boundary=$B" -H 'Content-Encoding: gzip' \
	--data-binary @"$T_TMP/body.gz" "$U")
id=$(id_of "$r")
ok "gzip body accepted" crash_complete "$SPOOL" "$id"
is "gzip recorded" "$(raw "$id" .metadata.payload_compressed)" "1"
is "gzip dump intact" "$(sha256sum "$SPOOL/new/$id/upload_file_minidump" | cut -d' ' -f1)" "$DUMP_SHA"
r=$(curl -s -H "Content-Type: multipart/form-data; boundary=$B" -H 'Content-Encoding: gzip' \
	-H 'Transfer-Encoding: chunked' --data-binary @"$T_TMP/body.gz" "$U")
id=$(id_of "$r")
ok "gzip + chunked without Content-Length (Crashpad)" crash_complete "$SPOOL" "$id"
r=$(curl -s -H "Content-Type: multipart/mixed; boundary=\"$B\"" --data-binary @"$T_TMP/body" "$U")
ok "multipart/mixed with a quoted boundary" crash_complete "$SPOOL" "$(id_of "$r")"

# Query string parameters fill in what the body lacks.
r=$(curl -s -F Version=1.0 -F upload_file_minidump=@"$T_TMP/dump2" "$U?ProductName=Fennec&Version=9.9&guid=%7Babc%7D")
id=$(id_of "$r")
is "query parameter becomes an annotation" "$(raw "$id" .ProductName)" "Fennec"
is "body annotation wins over query" "$(raw "$id" .Version)" "1.0"
is "query values are URL-decoded" "$(raw "$id" .guid)" "{abc}"

# crash-submit round trip, plain and as Crashpad does it.
make_crash "$T_TMP/c1" ReleaseChannel=nightly
for mode in "" "--gzip" "--json" "--gzip --json"; do
	out=$(crash-submit --url "$U" $mode "$T_TMP/c1" 2>/dev/null)
	id=$(printf '%s' "$out" | jq -r .crash_id)
	ok "crash-submit $mode: stored" crash_complete "$SPOOL" "$id"
	is "crash-submit $mode: annotations survive" "$(raw "$id" .ReleaseChannel)" "nightly"
done

# Resubmitting with the original ID keeps it, and only once.
old=$(raw "$id" .uuid)
cp -r "$SPOOL/new/$id" "$T_TMP/resub"
rm -rf "$SPOOL/new/$id"
crash-submit --url "$U" --keep-ids "$T_TMP/resub" >"$T_TMP/o1" 2>/dev/null
crash-submit --url "$U" --keep-ids "$T_TMP/resub" >"$T_TMP/o2" 2>/dev/null
is "resubmission keeps the crash ID" "$(jq -r .crash_id "$T_TMP/o1")" "$old"
is "second resubmission answers the same ID" "$(jq -r .crash_id "$T_TMP/o2")" "$old"
ok "resubmitted crash complete" crash_complete "$SPOOL" "$old"

# The service endpoints.
is "heartbeat" "$(curl -s -o /dev/null -w '%{http_code}' "$COLLECT_URL/__heartbeat__")" 200
is "lbheartbeat" "$(curl -s -o /dev/null -w '%{http_code}' "$COLLECT_URL/__lbheartbeat__")" 200
is "version" "$(curl -s "$COLLECT_URL/__version__" | jq -r .name)" "crash-collect"
is "unknown path is 404" "$(curl -s -o /dev/null -w '%{http_code}' "$COLLECT_URL/nope")" 404
is "GET /submit is 405" "$(curl -s -o /dev/null -w '%{http_code}' "$U")" 405
like "access log names the crash" "$(cat "$COLLECT_LOG")" "200 [0-9]+B [0-9]+ms $old"
ok "collector exits 0 on SIGTERM" stop_collector

# Chromium's Linux uploader wants 16 hex digits.
start_collector "$T_TMP/spool16" --reply hex16 || exit 1
r=$(curl -s -F prod=Chrome_Linux -F ver=120 -F upload_file_minidump=@"$T_TMP/dump2" "$COLLECT_URL/submit")
like "hex16 reply" "$r" '^[0-9a-f]{16}$'
is "hex16 reply is the crash ID's start" "$(ls "$T_TMP/spool16/new" | tr -d '-' | cut -c1-16)" "$r"
ok "collector exits 0 on SIGTERM" stop_collector
like "SIGTERM stops cleanly" "$(tail -1 "$COLLECT_LOG")" "stopped: 1 crashes committed"

done_testing
