#!/bin/sh
# Symbols from remote symbol servers (--symbols-url) against a local HTTP
# server: fetched into the cache, used from there, misses remembered,
# several servers in order, gzip, a server that is slow, down or answers
# nonsense, the cache's size cap, and crash-process handing it all to the
# walker.
. "$(dirname "$0")/lib/tap.sh"
cd "$T_TMP" || exit 1

cat >specs <<'S'
{"count": 2, "frames": ["remote::Crash", "remote::Run", "main"], "os": "Linux", "annotations": {"ProductName": "Firefox"}}
{"count": 1, "frames": ["other::Boom", "main"], "os": "Windows NT", "cpu": "amd64", "annotations": {"ProductName": "Thunderbird"}}
S
crash-synth --out spool --symbols srv <specs >synth 2>/dev/null
linux=$(ls -d spool/new/* | while read -r d; do
	grep -q Firefox "$d/raw_crash.json" && echo "$d/upload_file_minidump" && break; done)
win=$(ls -d spool/new/* | while read -r d; do
	grep -q Thunderbird "$d/raw_crash.json" && echo "$d/upload_file_minidump" && break; done)
sym=$(find srv -name '*.sym' | grep -v '\.idx' | grep libxul)
rel=${sym#srv/}
top() { jq -r '.crashing_thread.frames[0].function // "none"' "$1"; }

export FAKE_HTTP_LOG=$T_TMP/requests
start_http srv || exit 1
SRV=$HTTP_URL
crash-stackwalk --symbols-url "$SRV" --symbols-url-cache cache "$linux" >w1 2>e1
is "fetched from the server: exit 0" "$?" 0
is "the stack is symbolized" "$(top w1)" "remote::Crash"
is "the same walk as with local symbols" "$(jq -c .crashing_thread.frames w1)" \
	"$(crash-stackwalk --symbols srv "$linux" | jq -c .crashing_thread.frames)"
ok "the file is in the cache, in the symbol store layout" cmp -s "cache/$rel" "$sym"
is "the server was asked for every module of the dump" "$(sort -u requests | wc -l)" \
	"$(jq '[.modules[] | select(.debug_id != null and .debug_id != "")] | length' w1)"
: >requests
before=$(stat -c %Y "cache/$rel.idx")
touch -d '1 hour ago' "cache/$rel.idx"
idx_mtime=$(stat -c %Y "cache/$rel.idx")
crash-stackwalk --symbols-url "$SRV" --symbols-url-cache cache "$linux" >w2 2>/dev/null
is "the second crash uses the cache" "$(top w2)" "remote::Crash"
is "and asks nothing: cached files and remembered misses" "$(wc -l <requests)" 0
is "its compiled index is used, not rebuilt" "$(stat -c %Y "cache/$rel.idx")" "$idx_mtime"
crash-stackwalk --symbols-url "$SRV" --symbols-url-cache cache --symbols-url-miss 0 "$linux" >/dev/null 2>&1
is "with misses not remembered the missing modules are asked for again" "$(sort -u requests | wc -l)" \
	"$(( $(jq '[.modules[] | select(.debug_id != null and .debug_id != "")] | length' w1) - 1 ))"
: >requests
crash-stackwalk --symbols srv --symbols-url "$SRV" --symbols-url-cache cache2 "$linux" >/dev/null 2>&1
ok "a module in a local store is not fetched" sh -c "! grep -q libxul requests"

# Several servers: the first that has the file wins.
mkdir empty gz rawgz bad
start_http empty
EMPTY=$HTTP_URL
crash-stackwalk --symbols-url "$EMPTY" --symbols-url "$SRV" --symbols-url-cache c3 "$linux" >w3 2>/dev/null
is "several servers: asked in order until one has it" "$(top w3)" "remote::Crash"

# gzip: as Content-Encoding, and as a .gz body.
mkdir -p "gz/${rel%/*}" "rawgz/${rel%/*}" "bad/${rel%/*}"
gzip -c "$sym" >"gz/$rel.gz"
gzip -c "$sym" >"rawgz/$rel"
echo '<html>not found, sorry</html>' >"bad/$rel"
start_http gz
crash-stackwalk --symbols-url "$HTTP_URL" --symbols-url-cache c4 "$linux" >w4 2>/dev/null
is "gzip content encoding" "$(top w4)" "remote::Crash"
start_http rawgz
crash-stackwalk --symbols-url "$HTTP_URL" --symbols-url-cache c5 "$linux" >w5 2>/dev/null
is "a gzip'ed body" "$(top w5)" "remote::Crash"
ok "stored inflated" cmp -s "c5/$rel" "$sym"
start_http bad
crash-stackwalk --symbols-url "$HTTP_URL" --symbols-url-cache c6 "$linux" >w6 2>e6
is "a server answering nonsense: the walk goes on" "$?" 0
like "and says so" "$(cat e6)" "not a symbol file"
ok "nothing is cached from it" test ! -e "c6/$rel"

# A slow server: the budget bounds the wait; a down server: no wait.
export FAKE_HTTP_DELAY=10
start_http srv
SLOW=$HTTP_URL
unset FAKE_HTTP_DELAY
t0=$(date +%s%N)
crash-stackwalk --symbols-url "$SLOW" --symbols-url-budget 1 --symbols-url-cache c7 "$linux" >w7 2>e7
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "a slow server: the walk goes on" "$?" 0
ok "within the budget ($ms ms)" test "$ms" -lt 2500
is "without those symbols" "$(top w7)" "none"
like "the budget is reported" "$(cat e7)" "time budget of 1000 ms spent"
t0=$(date +%s%N)
# A budget of 8 s: asking the slow server again would take all of it.
crash-stackwalk --symbols-url "$SLOW" --symbols-url-budget 8 --symbols-url-cache c7 "$linux" >/dev/null 2>&1
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
ok "the next crash does not wait for it again ($ms ms)" test "$ms" -lt 4000
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
crash-stackwalk --symbols-url "http://127.0.0.1:$port" --symbols-url-cache c8 "$linux" >w8 2>e8
is "a server that is down: the walk goes on" "$?" 0
like "and says why" "$(cat e8)" "onnect"

# The cache's size cap: the least recently used file goes.
wsym=$(find srv -name '*.sym' | grep -v libxul | head -1)
size=$(( $(stat -c %s "$sym") + $(stat -c %s "$wsym") / 2 ))
crash-stackwalk --symbols-url "$SRV" --symbols-url-cache c9 "$linux" >/dev/null 2>&1
touch -d "1 hour ago" "c9/$rel" "c9/$rel.idx"
crash-stackwalk --symbols-url "$SRV" --symbols-url-cache c9 --symbols-url-cache-size "$size" "$win" >w9 2>/dev/null
is "a second module fetched" "$(top w9)" "other::Boom"
ok "the least recently used went to stay under the cap" test ! -e "c9/$rel"
ok "the one just fetched stayed" test -e "c9/${wsym#srv/}"
ok "the miss markers are not symbols to evict" test -n "$(find c9/.misses -type f | head -1)"

crash-symbols fetch --symbols-url "$SRV" --symbols-url-cache c10 "$linux" >fetched 2>/dev/null
is "crash-symbols fetch: one line per dump, what it fetched" "$(jq -r .fetched fetched)" 1
ok "crash-symbols fetch: into the cache" cmp -s "c10/$rel" "$sym"

# crash-process hands the servers to the walker.
crash-move --spool spool --to store >moved 2>/dev/null
crash-process --store store --db sqlite:crash.db --symbols-url "$SRV" --symbols-url-cache pcache <moved >processed 2>/dev/null
is "crash-process: every crash ok" "$(jq -r .status processed | sort -u)" ok
is "crash-process: signed with fetched symbols" "$(jq -r .signature processed | sort -u | tr '\n' ,)" "other::Boom,remote::Crash,"
is "crash-stackwalk itself does not load libcurl (start-up time)" "$(ldd "$ROOT/bin/crash-stackwalk" | grep -c curl)" 0
is "bad --symbols-url-budget: usage error" "$(crash-stackwalk --symbols-url "$SRV" --symbols-url-budget 0 "$linux" >/dev/null 2>&1; echo $?)" 2
done_testing
