#!/bin/sh
# crash-signature: the shared corpus through the command line, processed
# crashes as input, ids echoed, malformed lines, the shipped lists.
. "$(dirname "$0")/lib/tap.sh"
SIGS="$TESTDATA/signatures"
cd "$T_TMP" || exit 1

crash-signature --siglists "$SIGS/siglists-socorro" <"$SIGS/cases.ndjson" >out 2>err
is "the corpus: exit 0" "$?" 0
is "one line out per case" "$(wc -l <out)" "$(wc -l <"$SIGS/cases.ndjson")"
jq -c '[.id, .signature, .proto_signature]' "$SIGS/cases.ndjson" >want
jq -c '[.id, .signature, .proto_signature]' out >got
is "every signature and proto signature as Socorro's" "$(diff want got | grep -c '^>')" 0

# A processed crash: fields from json_dump, os_name and its own keys.
cat >processed <<'J'
{"uuid": "de1bb258-cbbf-4589-a673-34f800160918", "os_name": "Windows NT", "abort_message": "boom",
 "json_dump": {"crash_info": {"crashing_thread": 1},
  "threads": [{"frames": [{"function": "idle"}]},
              {"frames": [{"function": "RaiseException", "module": "KERNELBASE.dll"},
                          {"function": "void App::Crash(int)", "module": "app.exe"}]}]}}
J
jq -c . processed | crash-signature --siglists "$SIGS/siglists-socorro" >out
is "a processed crash" "$(jq -r .signature out)" "Abort | boom | App::Crash"
is "its uuid is echoed" "$(jq -r .uuid out)" "de1bb258-cbbf-4589-a673-34f800160918"
is "its proto signature" "$(jq -r .proto_signature out)" "RaiseException | App::Crash"

printf '%s\n' '{"crash_id": "x1", "threads": []}' 'not json' '[1]' '{"crash_id": "x2"}' |
	crash-signature --siglists "$SIGS/siglists-socorro" >out 2>err
is "malformed lines: exit 1" "$?" 1
is "every line answered in order" "$(jq -r '.crash_id // .error' out | tr '\n' ' ')" \
	"x1 '[' or '{' expected near 'not' not a JSON object x2 "
like "the bad line is named on stderr" "$(cat err)" "line 2: "

crash-signature --siglists /nonexistent </dev/null 2>err
is "missing lists: exit 1" "$?" 1
like "missing lists: says which file" "$(cat err)" "/nonexistent/irrelevant_signature_re.txt"

# The project's own lists, found beside bin/ when not installed.
if [ -f "$ROOT/t/data/siglists-examples.ndjson" ]; then
	crash-signature <"$ROOT/t/data/siglists-examples.ndjson" >out 2>err
	is "shipped lists: exit 0" "$?" 0
	jq -r .expected "$ROOT/t/data/siglists-examples.ndjson" >want
	jq -r .signature out >got
	is "shipped lists: the application frame is chosen" "$(diff want got)" ""
fi
done_testing
