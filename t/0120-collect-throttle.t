#!/bin/sh
# crash-collect throttle rules over HTTP: each result, sampling, reload.
. "$(dirname "$0")/lib/tap.sh"

cat >"$T_TMP/rules" <<'RULES'
# name       test                         result
hangs        Hang present                 defer
nameless     ProductName absent           reject
spam         ProductName = Spammy         fakeaccept
old          Version ~ "^[0-3]\."         reject
release      ReleaseChannel = release     accept 50% else defer
everything   *                            accept
RULES
SPOOL=$T_TMP/spool
start_collector "$SPOOL" --throttle "$T_TMP/rules" || exit 1
U=$COLLECT_URL/submit
head -c 2000 /dev/urandom >"$T_TMP/dump"
send() { curl -s -F upload_file_minidump=@"$T_TMP/dump" "$@" "$U"; }
id_of() { printf '%s' "$1" | sed -n 's/^CrashID=bp-//p'; }

r=$(send -F ProductName=Firefox -F Version=99)
id=$(id_of "$r")
ok "accepted crash stored" crash_complete "$SPOOL" "$id"
is "accept digit 0" "$(printf %s "$id" | cut -c30)" 0
is "rule recorded" "$(jq -r .metadata.throttle_rule "$SPOOL/new/$id/raw_crash.json")" everything

r=$(send -F ProductName=Firefox -F Version=99 -F Hang=1)
id=$(id_of "$r")
ok "deferred crash is stored too" crash_complete "$SPOOL" "$id"
is "defer digit 1" "$(printf %s "$id" | cut -c30)" 1
is "defer result recorded" "$(jq -r .metadata.throttle_result "$SPOOL/new/$id/raw_crash.json")" defer

before=$(spool_count "$SPOOL" new)
is "reject answers Discarded=rule_<name>" "$(send -F Version=99)" "Discarded=rule_nameless"
is "regex rule" "$(send -F ProductName=Firefox -F Version=3.6)" "Discarded=rule_old"
r=$(send -F ProductName=Spammy -F Version=99)
like "fakeaccept answers a crash ID" "$r" '^CrashID=bp-'
ok "fakeaccept's crash ID does not exist" test ! -e "$SPOOL/new/$(id_of "$r")"
is "rejected and fake-accepted crashes not stored" "$(spool_count "$SPOOL" new)" "$before"

# Sampling: 200 release crashes, about half accepted, the rest deferred.
make_crash "$T_TMP/rel" ReleaseChannel=release
crash-submit --url "$U" --count 200 --concurrency 8 "$T_TMP/rel" >"$T_TMP/rel.out" 2>/dev/null
acc=$(jq -r .crash_id "$T_TMP/rel.out" | cut -c30 | grep -c 0)
def=$(jq -r .crash_id "$T_TMP/rel.out" | cut -c30 | grep -c 1)
is "every sampled crash got an ID" "$((acc + def))" 200
# Binomial(200, 0.5): sd ~7; 60..140 is more than 5 sd either way.
ok "about half accepted ($acc accepted, $def deferred)" test "$acc" -gt 60 -a "$acc" -lt 140

# SIGHUP reloads the rules; a broken file keeps the old ones.
printf 'all * reject\n' >"$T_TMP/rules"
kill -HUP "$COLLECT_PID"
sleep 0.3
is "reloaded rules apply" "$(send -F ProductName=Firefox)" "Discarded=rule_all"
printf 'all * maybe\n' >"$T_TMP/rules"
kill -HUP "$COLLECT_PID"
sleep 0.3
is "a broken file keeps the rules in use" "$(send -F ProductName=Firefox)" "Discarded=rule_all"
like "the broken file is logged" "$(cat "$COLLECT_LOG")" "rules:1: expected accept"
stop_collector

crash-collect --spool "$T_TMP/s2" --throttle "$T_TMP/rules" 2>/dev/null
is "a broken rules file at start: exit 2" "$?" 2
crash-collect --spool "$T_TMP/s2" --throttle "$T_TMP/nonexistent" 2>/dev/null
is "a missing rules file at start: exit 2" "$?" 2

done_testing
