#!/bin/sh
# make install puts binaries, manual pages and data files under PREFIX in DESTDIR.
. "$(dirname "$0")/lib/tap.sh"
cd "$ROOT" || exit 1
make -s install SANITIZE="${SANITIZE:-}" DESTDIR="$T_TMP/root" PREFIX=/opt/crash >"$T_TMP/log" 2>&1
is "make install succeeds" "$?" 0
for tool in crash-collect crash-submit crash-move crash-stackwalk crash-synth; do
	ok "$tool installed and runs" "$T_TMP/root/opt/crash/bin/$tool" --version
	ok "$tool(1) installed" test -f "$T_TMP/root/opt/crash/share/man/man1/$tool.1"
done
ok "crash.conf(5) installed" test -f "$T_TMP/root/opt/crash/share/man/man5/crash.conf.5"
ok "crash-pipeline(7) installed" test -f "$T_TMP/root/opt/crash/share/man/man7/crash-pipeline.7"
ok "example configuration installed" test -f "$T_TMP/root/opt/crash/share/crash/crash.conf.example"
ok "example throttle rules installed" test -f "$T_TMP/root/opt/crash/share/crash/throttle.example"
ok "the installed rules file is valid" sh -c "'$T_TMP/root/opt/crash/bin/crash-collect' --spool '$T_TMP/s' --listen 127.0.0.1:0 --throttle '$T_TMP/root/opt/crash/share/crash/throttle.example' --port-file '$T_TMP/p' 2>/dev/null & pid=\$!; for i in 1 2 3 4 5 6 7 8 9 10; do [ -s '$T_TMP/p' ] && break; sleep 0.2; done; kill \$pid; [ -s '$T_TMP/p' ]"
done_testing
