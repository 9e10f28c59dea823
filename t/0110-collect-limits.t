#!/bin/sh
# crash-collect: limits, malformed bodies, hostile names and slow clients.
. "$(dirname "$0")/lib/tap.sh"

SPOOL=$T_TMP/spool
start_collector "$SPOOL" --max-size 200000 --max-decompressed 1M --max-parts 8 \
	--max-annotation 1K --timeout 2 || exit 1
U=$COLLECT_URL/submit
PORT=${COLLECT_URL##*:}
B=bNdRy

# part NAME VALUE / filepart NAME FILE: pieces of a hand-made body.
part() { printf -- "--$B\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" "$1" "$2"; }
filepart() {
	printf -- "--$B\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"f\"\r\n\r\n" "$1"
	cat "$2"; printf "\r\n"
}
closing() { printf -- "--$B--\r\n"; }
post() {	# post FILE [curl args...]: prints "status body"
	f=$1; shift
	out=$(curl -s -w '\n%{http_code}' "$@" -H "Content-Type: multipart/form-data; boundary=$B" \
		--data-binary @"$f" "$U")
	echo "$(printf '%s\n' "$out" | tail -n 1) $(printf '%s\n' "$out" | sed '$d' | head -n 1)"
}
nothing_left() { [ "$(spool_count "$SPOOL" new)" -eq 0 ] && [ "$(spool_count "$SPOOL" tmp)" -eq 0 ]; }

head -c 150000 /dev/urandom >"$T_TMP/dump"
head -c 300000 /dev/urandom >"$T_TMP/big"
head -c 3000 /dev/urandom >"$T_TMP/small"

# Size limits.
{ part ProductName Firefox; filepart upload_file_minidump "$T_TMP/big"; closing; } >"$T_TMP/b.big"
is "Content-Length past --max-size: 413" "$(post "$T_TMP/b.big")" "413 Discarded=too_large"
is "chunked body past --max-size: 413" "$(post "$T_TMP/b.big" -H 'Transfer-Encoding: chunked')" "413 Discarded=too_large"
head -c 1500000 /dev/urandom >"$T_TMP/huge"
{ part ProductName Firefox; filepart upload_file_minidump "$T_TMP/huge"; closing; } >"$T_TMP/b.huge"
r=$(post "$T_TMP/b.huge" -H 'Transfer-Encoding: chunked')
ok "chunked body far past the limit is cut off ($r)" sh -c "[ '${r%% *}' != 200 ]"
ok "nothing stored for oversized bodies" nothing_left

# A gzip bomb: 1 MB of zeros inflates past --max-decompressed.
{ part ProductName Firefox; printf -- "--$B\r\nContent-Disposition: form-data; name=\"upload_file_minidump\"; filename=\"f\"\r\n\r\n"
  head -c 50000000 /dev/zero; printf "\r\n"; closing; } | gzip -9 >"$T_TMP/bomb.gz"
r=$(post "$T_TMP/bomb.gz" -H 'Content-Encoding: gzip')
is "gzip bomb refused ($(stat -c %s "$T_TMP/bomb.gz") bytes on the wire)" "$r" "413 Discarded=too_large_decompressed"
rss=$(awk '/VmHWM/ { print $2 }' /proc/$COLLECT_PID/status)
ok "collector memory stayed small under the bomb (${rss} kB peak)" test "$rss" -lt 65536
ok "nothing stored for the bomb" nothing_left

# Parts and annotations.
{ for i in 1 2 3 4 5 6 7 8 9; do part "A$i" v; done; closing; } >"$T_TMP/b.parts"
is "too many parts: 400" "$(post "$T_TMP/b.parts")" "400 Discarded=malformed_too_many_parts"
{ part ProductName "$(head -c 2000 /dev/zero | tr '\0' x)"; closing; } >"$T_TMP/b.ann"
is "annotation past --max-annotation: 413" "$(post "$T_TMP/b.ann")" "413 Discarded=too_large_annotation"

# Malformed bodies.
{ part ProductName Firefox; filepart upload_file_minidump "$T_TMP/dump"; } >"$T_TMP/b.trunc"
is "no closing delimiter: truncated" "$(post "$T_TMP/b.trunc")" "400 Discarded=malformed_truncated"
head -c 5000 /dev/urandom >"$T_TMP/b.junk"
is "junk body: no parts" "$(post "$T_TMP/b.junk")" "400 Discarded=malformed_no_parts"
is "bad gzip" "$(post "$T_TMP/b.junk" -H 'Content-Encoding: gzip')" "400 Discarded=malformed_bad_gzip"
{ part ProductName Firefox; filepart upload_file_minidump "$T_TMP/dump"; closing; } >"$T_TMP/b.ok"
gzip -c "$T_TMP/b.ok" | head -c 20000 >"$T_TMP/b.gztrunc"
is "truncated gzip" "$(post "$T_TMP/b.gztrunc" -H 'Content-Encoding: gzip')" "400 Discarded=malformed_bad_gzip"
is "unsupported encoding" "$(post "$T_TMP/b.ok" -H 'Content-Encoding: br')" "400 Discarded=malformed_unsupported_encoding"
is "no boundary" "$(post "$T_TMP/b.ok" -H 'Content-Type: multipart/form-data')" "400 Discarded=malformed_no_boundary"
is "wrong content type" "$(post "$T_TMP/b.ok" -H 'Content-Type: text/plain')" "400 Discarded=malformed_wrong_content_type"
is "a type that only starts like multipart" "$(post "$T_TMP/b.ok" -H "Content-Type: multipart/form-datax; boundary=$B")" "400 Discarded=malformed_wrong_content_type"
{ printf -- "--$B\r\nContent-Disposition: form-data; name=\"extra\"\r\nContent-Type: application/json\r\n\r\n{\"a\": tru\r\n"; closing; } >"$T_TMP/b.json"
is "invalid JSON extra" "$(post "$T_TMP/b.json")" "400 Discarded=malformed_bad_json"
{ printf -- "--$B\r\nContent-Disposition: form-data; name=\"extra\"\r\nContent-Type: application/json\r\n\r\n[1,2]\r\n"; closing; } >"$T_TMP/b.arr"
is "JSON extra that is not an object" "$(post "$T_TMP/b.arr")" "400 Discarded=malformed_bad_json"
closing >"$T_TMP/b.empty"
is "empty form: no annotations" "$(post "$T_TMP/b.empty")" "400 Discarded=malformed_no_annotations"
ok "nothing stored for malformed bodies" nothing_left

# Hostile field names never name a path.
{ part ProductName Firefox
  for n in ../../../etc/evil /abs/path .. raw_crash.json dump "a b\\c"; do filepart "$n" "$T_TMP/small"; done
  closing; } >"$T_TMP/b.names"
r=$(post "$T_TMP/b.names")
id=$(printf '%s' "$r" | sed -n 's/^200 CrashID=bp-//p')
ok "hostile names accepted and stored ($r)" crash_complete "$SPOOL" "$id"
is "names sanitized inside the crash directory" "$(ls "$SPOOL/new/$id" | LC_ALL=C sort | tr '\n' ' ')" \
	"__ _________etc_evil _abs_path a_bc field_dump raw_crash.json raw_crash_json "
ok "nothing escaped the spool" sh -c "! find '$T_TMP' -name evil -o -name path | grep -q ."
is "the renaming is noted" "$(jq -r '.metadata.collector_notes | length' "$SPOOL/new/$id/raw_crash.json")" 6
rm -rf "$SPOOL/new/$id"

# Slow clients: a steady trickle is served, a stalled one is dropped.
{ printf "POST /submit HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
  printf "Content-Type: multipart/form-data; boundary=$B\r\nContent-Length: %s\r\n\r\n" "$(stat -c %s "$T_TMP/b.ok")"
  cat "$T_TMP/b.ok"; } >"$T_TMP/req.ok"
r=$(t/lib/rawhttp --chunk 8000 --delay-ms 150 "$PORT" "$T_TMP/req.ok")
like "slow but steady upload (3 s, idle timeout 2 s) accepted" "$r" "^200 CrashID=bp-"
rm -rf "$SPOOL"/new/*
start=$(date +%s)
r=$(t/lib/rawhttp --chunk 20000 --delay-ms 4000 "$PORT" "$T_TMP/req.ok")
is "stalled upload dropped by the idle timeout" "$r" "closed"
ok "a stalled upload leaves nothing behind" nothing_left
t/lib/rawhttp --stop-after 60000 "$PORT" "$T_TMP/req.ok" >/dev/null
sleep 0.5
ok "an upload cut off midway leaves nothing behind" nothing_left
like "aborted uploads are logged" "$(cat "$COLLECT_LOG")" "aborted"

# Chunked framing errors from a raw client.
{ printf "POST /submit HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n"
  printf "Content-Type: multipart/form-data; boundary=$B\r\n\r\nZZZ\r\nnot hex\r\n0\r\n\r\n"; } >"$T_TMP/req.badchunk"
r=$(t/lib/rawhttp "$PORT" "$T_TMP/req.badchunk")
ok "broken chunked framing is refused ($r)" sh -c "case '$r' in 200*) exit 1;; esac"
ok "collector still serves after all that" sh -c "curl -sf '$COLLECT_URL/__heartbeat__' >/dev/null"
ok "nothing left over" nothing_left
ok "collector exits 0 after the abuse" stop_collector

# SIGTERM while an upload is in flight: it is finished, then the collector stops.
start_collector "$SPOOL" || exit 1
PORT=${COLLECT_URL##*:}
t/lib/rawhttp --chunk 15000 --delay-ms 100 "$PORT" "$T_TMP/req.ok" >"$T_TMP/drain" &
RAW=$!
sleep 0.4
kill -TERM "$COLLECT_PID"
wait $RAW
like "upload in flight at SIGTERM is answered" "$(cat "$T_TMP/drain")" "^200 CrashID=bp-"
wait "$COLLECT_PID"
is "then the collector exits 0" "$?" 0
ok "and the crash is complete" crash_complete "$SPOOL" "$(sed -n 's/^200 CrashID=bp-//p' "$T_TMP/drain")"
curl -s -m 2 "http://127.0.0.1:$PORT/__lbheartbeat__" >/dev/null
ok "no longer listening" test $? -ne 0

done_testing
