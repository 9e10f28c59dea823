#!/bin/sh
# make install puts binaries, manual pages and data files under PREFIX in DESTDIR.
. "$(dirname "$0")/lib/tap.sh"
cd "$ROOT" || exit 1
make -s install SANITIZE="${SANITIZE:-}" DESTDIR="$T_TMP/root" PREFIX=/opt/crash >"$T_TMP/log" 2>&1
is "make install succeeds" "$?" 0
for tool in crash-collect crash-submit crash-move crash-stackwalk crash-synth crash-signature \
	crash-process crash-aggregate crash-extract crash-symbols; do
	ok "$tool installed and runs" "$T_TMP/root/opt/crash/bin/$tool" --help
	ok "$tool(1) installed" test -f "$T_TMP/root/opt/crash/share/man/man1/$tool.1"
done
ok "crash.conf(5) installed" test -f "$T_TMP/root/opt/crash/share/man/man5/crash.conf.5"
ok "crash-pipeline(7) installed" test -f "$T_TMP/root/opt/crash/share/man/man7/crash-pipeline.7"
ok "example configuration installed" test -f "$T_TMP/root/opt/crash/share/crash/crash.conf.example"
ok "example throttle rules installed" test -f "$T_TMP/root/opt/crash/share/crash/throttle.example"
ok "the installed rules file is valid" sh -c "'$T_TMP/root/opt/crash/bin/crash-collect' --spool '$T_TMP/s' --listen 127.0.0.1:0 --throttle '$T_TMP/root/opt/crash/share/crash/throttle.example' --port-file '$T_TMP/p' 2>/dev/null & pid=\$!; for i in 1 2 3 4 5 6 7 8 9 10; do [ -s '$T_TMP/p' ] && break; sleep 0.2; done; kill \$pid; [ -s '$T_TMP/p' ]"

# The one-machine installation: crontab, services, setup.
R=$T_TMP/root
ok "the crontab is installed" test -f "$R/etc/cron.d/crash-pipeline"
is "it runs the installed tools" "$(grep '^PATH' "$R/etc/cron.d/crash-pipeline")" "PATH=/opt/crash/bin:/opt/crash/share/crash:/usr/bin:/bin"
is "every active crontab line runs as the crash user" \
	"$(grep -v '^#' "$R/etc/cron.d/crash-pipeline" | grep -E '^[0-9*]' | awk '$6 != "crash"' | wc -l)" 0
for unit in crash-collect crash-move crash-process; do
	like "$unit.service runs the installed binary as crash" \
		"$(grep -E '^(ExecStart|User)=' "$R/etc/systemd/system/$unit.service" | tr '\n' ' ')" \
		"^User=crash ExecStart=/opt/crash/bin/$unit"
done
if command -v systemd-analyze >/dev/null; then
	ok "the units are valid" sh -c "cd '$R/etc/systemd/system' && sed -i 's|/opt/crash/bin|$R/opt/crash/bin|' *.service && systemd-analyze verify --man=no ./*.service"
fi
ok "the health checks are installed" test -x "$R/opt/crash/share/crash/check-spool"
DATADIR=/opt/crash/share/crash "$ROOT/scripts/setup-system" "$R" >/dev/null
ok "setup-system makes the spool and data directories" test -d "$R/var/spool/crash" -a -d "$R/var/lib/crash/store"
ok "and the configuration from the example" cmp -s "$R/etc/crash/crash.conf" "$ROOT/scripts/crash.conf.example"
for tool in crash-collect crash-move crash-process crash-aggregate crash-extract crash-symbols; do
	ok "$tool accepts the installed configuration" "$R/opt/crash/bin/$tool" --config "$R/etc/crash/crash.conf" --help
done
ok "crash-move expire accepts it too" "$R/opt/crash/bin/crash-move" expire --config "$R/etc/crash/crash.conf" --help

# Everything builds warning-free under clang too (-Werror), from a copy of
# the sources so that this checkout's objects stay as they are.
if command -v clang >/dev/null; then
	mkdir -p "$T_TMP/clang"
	tar -C "$ROOT" --exclude=./.git --exclude=./.deps --exclude=./demo-data --exclude=./bin \
	    --exclude='*.o' --exclude='*.d' --exclude='*.test' --exclude=./.flags -cf - . |
	    tar -C "$T_TMP/clang" -xf -
	make -s -C "$T_TMP/clang" -j2 CC=clang >"$T_TMP/clang.log" 2>&1
	is "make CC=clang builds every tool and test" "$?" 0 || tail -5 "$T_TMP/clang.log" >&2
	is "with all ten tools" "$(ls "$T_TMP/clang/bin" 2>/dev/null | wc -l)" 10
else
	skip "clang is not installed"
fi
done_testing
