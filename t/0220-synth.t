#!/bin/sh
# crash-synth round trips: synthesize, walk with crash-stackwalk, get the
# same frames back, for every OS and CPU; reproducible output; bad specs.
. "$(dirname "$0")/lib/tap.sh"
cd "$T_TMP" || exit 1

frames_json() {	# frames_json N PREFIX: a JSON list of N names
	i=1; printf '['
	while [ $i -le "$1" ]; do
		[ $i -gt 1 ] && printf ', '
		printf '"%s::Frame%d(int, char const*)"' "$2" $i
		i=$((i + 1))
	done
	printf ']'
}

for combo in "Windows NT:amd64" "Windows NT:x86" "Windows NT:arm64" "Linux:amd64" "Linux:x86" \
	"Linux:arm64" "Linux:arm" "Mac OS X:amd64" "Mac OS X:arm64"; do
	os=${combo%%:*}; cpu=${combo#*:}
	for n in 1 7 40; do
		f=$(frames_json $n "ns_${cpu}")
		printf '{"count": 1, "frames": %s, "os": "%s", "cpu": "%s"}\n' "$f" "$os" "$cpu" >spec
		rm -rf spool syms
		crash-synth --out spool --symbols syms --date 2026-11-20 <spec >out 2>err || { cat err; }
		id=$(jq -r .crash_id out)
		crash-stackwalk --format json "spool/new/$id/upload_file_minidump" syms >walk.json 2>/dev/null
		got=$(jq -c '[.crashing_thread.frames[].function]' walk.json)
		is "$os $cpu, $n frames: the walk gives them back" "$got" "$(printf '%s' "$f" | jq -c .)"
	done
	is "$os $cpu: walked by CFI" "$(jq -r '[.crashing_thread.frames[1:][].trust] | unique | join(",")' walk.json)" cfi
	is "$os $cpu: OS reported" "$(jq -r .system_info.os walk.json)" "$os"
	is "$os $cpu: CPU reported" "$(jq -r .system_info.cpu_arch walk.json)" "$cpu"
	ok "$os $cpu: other threads idle in a system module" test "$(jq '.thread_count' walk.json)" -ge 3
done

# The same function names on every OS and CPU in one run: each its own .sym.
: >all.spec
for combo in "Windows NT:amd64" "Windows NT:x86" "Windows NT:arm64" "Linux:amd64" "Linux:x86" \
	"Linux:arm64" "Linux:arm" "Mac OS X:amd64" "Mac OS X:arm64"; do
	printf '{"frames": ["Same::One()", "Same::Two()", "Same::Three()"], "os": "%s", "cpu": "%s"}\n' \
		"${combo%%:*}" "${combo#*:}" >>all.spec
done
rm -rf spool syms
crash-synth --out spool --symbols syms <all.spec >all.out 2>/dev/null
good=0
for id in $(jq -r .crash_id all.out); do
	crash-stackwalk --format json "spool/new/$id/upload_file_minidump" syms 2>/dev/null |
		jq -e '[.crashing_thread.frames[] | select(.trust != "context") | .trust] == ["cfi", "cfi"] and
			[.crashing_thread.frames[].function] == ["Same::One()", "Same::Two()", "Same::Three()"]' >/dev/null &&
		good=$((good + 1))
done
is "same names on 9 OS and CPU pairs: 9 walks by CFI" "$good" 9
is "one .sym per OS and CPU" "$(find syms -name '*.sym' | wc -l)" 9

# Reasons, annotations, dates, counts.
printf '%s\n' '{"count": 3, "frames": ["a", "b"], "os": "Linux", "reason": "SIGABRT", "annotations": {"ProductName": "Thunderbird", "Hang": "1"}}' \
	'{"count": 2, "frames": ["c"], "os": "Windows NT", "reason": "EXCEPTION_STACK_OVERFLOW"}' >spec2
rm -rf spool syms
crash-synth --out spool --symbols syms --seed 42 --date 2026-01-31 <spec2 >out 2>/dev/null
is "every crash written" "$(ls spool/new | wc -l)" 5
jq -r .crash_id out >ids
ok "every crash is complete" crash_complete spool <ids
is "crash IDs carry the date" "$(cut -c30- ids | sort -u | tr '\n' ' ')" "0260131 "
first=$(head -1 ids)
is "submitted_timestamp on the date" "$(jq -r .submitted_timestamp "spool/new/$first/raw_crash.json" | cut -c1-10)" "2026-01-31"
is "annotations pass through" "$(jq -r '.ProductName + " " + .Hang' "spool/new/$first/raw_crash.json")" "Thunderbird 1"
ok "install time, crash time and startup time set" jq -e '.InstallTime and .CrashTime and .StartupTime' "spool/new/$first/raw_crash.json"
crash-stackwalk --format json "spool/new/$first/upload_file_minidump" syms >w.json
is "the reason is in the dump" "$(jq -r .crash_info.type w.json)" "SIGABRT"
last=$(tail -1 ids)
crash-stackwalk --format json "spool/new/$last/upload_file_minidump" syms >w2.json
is "a Windows reason" "$(jq -r .crash_info.type w2.json)" "EXCEPTION_STACK_OVERFLOW"

# Reproducible: the same seed and specs give the same bytes; another seed does not.
mkdir again && cd again
crash-synth --out spool --symbols syms --seed 42 --date 2026-01-31 <../spec2 >out 2>/dev/null
is "same seed: same crash IDs" "$(cat out | jq -r .crash_id)" "$(cat ../ids)"
ok "same seed: same minidump bytes" cmp "spool/new/$first/upload_file_minidump" "../spool/new/$first/upload_file_minidump"
ok "same seed: same symbol files" diff -r -x "*.idx" syms ../syms
crash-synth --out spool2 --symbols syms --seed 43 --date 2026-01-31 <../spec2 >out2 2>/dev/null
ok "another seed: other crash IDs" sh -c "! grep -q -F -f ../ids out2"
cd ..

# The synthesized spool is what a collector writes: it can be resubmitted.
start_collector "$T_TMP/collected" || exit 1
crash-submit --url "$COLLECT_URL/submit" spool >sub.out 2>/dev/null
is "a collector takes every synthesized crash" "$(jq -r 'select(.status == 200) | .crash_id' sub.out | wc -l)" 5
stop_collector

# Bad specs: a clear error naming the line, exit 1.
printf '{"frames": ["a"]}\n{"count": 1}\n' | crash-synth --out s3 --symbols y3 >/dev/null 2>err
is "a spec without frames: exit 1" "$?" 1
like "names the line" "$(cat err)" "stdin:2: .*frames"
printf '{"frames": ["a"], "os": "Plan 9"}\n' | crash-synth --out s3 --symbols y3 >/dev/null 2>err
like "an unknown OS is refused" "$(cat err)" "stdin:1: .*os"
printf '{"frames": ["a"], "reason": "SIGSEGV"}\n' | crash-synth --out s3 --symbols y3 >/dev/null 2>err
like "a reason of another OS is refused, naming the line" "$(cat err)" 'stdin:1: "reason"'
printf '{"frames": ["a"], "module": "../evil.dll"}\n' | crash-synth --out s3 --symbols y3 >/dev/null 2>err
like "a module path is refused" "$(cat err)" 'stdin:1: "module"'
echo '{"frames": ["a"]}' | crash-synth --out s3 --symbols y3 --date 2026-11-20x >/dev/null 2>&1
is "a bad --date: exit 2" "$?" 2
printf 'not json\n' | crash-synth --out s3 --symbols y3 >/dev/null 2>err
is "not JSON: exit 1" "$?" 1

# "size" pads the minidump to a realistic upload size; it still walks.
echo '{"count": 2, "size": 150000, "frames": ["big::Frame", "main"], "os": "Linux"}' |
	crash-synth --out s4 --symbols y4 >big 2>/dev/null
d=$(ls -d s4/new/* | head -1)
is "a padded dump has the size asked for" "$(stat -c %s "$d/upload_file_minidump")" 150000
is "its checksum covers the padding" "$(jq -r .metadata.dump_checksums.upload_file_minidump "$d/raw_crash.json")" \
	"$(sha256sum "$d/upload_file_minidump" | cut -d' ' -f1)"
is "and it walks to the frames asked for" "$(crash-stackwalk --symbols y4 "$d/upload_file_minidump" | jq -r '.crashing_thread.frames[0].function')" "big::Frame"
is "padding is not all the same byte" "$(tail -c 4096 "$d/upload_file_minidump" | gzip -c | wc -c | awk '{ print ($1 > 4000) }')" 1
echo '{"size": -1, "frames": ["a"]}' | crash-synth --out s5 --symbols y5 >/dev/null 2>&1
is "a negative size: exit 1" "$?" 1
done_testing
