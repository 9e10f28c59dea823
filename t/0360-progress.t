#!/bin/sh
# Progress of long work: periodic log lines when stderr is not a terminal
# (CRASH_PROGRESS_INTERVAL seconds apart), a redrawn status line on a
# terminal, nothing extra for short work.
. "$(dirname "$0")/lib/tap.sh"
cd "$T_TMP" || exit 1
echo '{"count": 200, "frames": ["a::b", "c::d"], "os": "Linux", "annotations": {"ProductName": "Firefox", "Version": "1.0"}}' >spec
crash-synth --out spool --symbols syms <spec >/dev/null 2>synth.err
is "short work: one summary line, no progress" "$(wc -l <synth.err)" 1

CRASH_PROGRESS_INTERVAL=0.001 crash-move --spool spool --to store >moved 2>move.err
like "crash-move logs its progress" "$(head -1 move.err)" "^crash-move: [0-9]+ crashes moved, [0-9]+/s$"
ok "a line at a time, not one at the end only" test "$(grep -c 'crashes moved' move.err)" -gt 2
CRASH_PROGRESS_INTERVAL=0.001 crash-process --store store --db sqlite:crash.db --symbols syms <moved >/dev/null 2>process.err
like "crash-process logs its progress" "$(grep 'processed' process.err | tail -1)" "^crash-process: 200 crashes processed, [0-9]+/s$"
crash-process --store store --db sqlite:crash.db --symbols syms <moved >/dev/null 2>quiet.err
is "with the default interval a short run logs no progress" "$(grep -c 'crashes processed' quiet.err)" 0

if command -v script >/dev/null; then
	CRASH_PROGRESS_INTERVAL=0.001 script -qec "crash-move expire --to store --before 2999-01-01" /dev/null >tty.out
	like "on a terminal: a status line redrawn in place, with a total and an ETA" \
		"$(tr '\r' '\n' <tty.out | grep 'crashes expired' | tail -1)" "crash-move: 200/200 crashes expired, [0-9]+/s"
else
	ok "script(1) for a terminal (bsdutils)" false
fi
done_testing
