# t/lib/tap.sh: a tiny TAP producer for shell tests, plus the fixtures the
# tests share (a scratch directory, a collector on a free loopback port).
# Source it from a test: `. "$(dirname "$0")/lib/tap.sh"`.

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/bin
PATH=$BIN:$PATH
TESTDATA=$ROOT/../shared/testdata
T_N=0
T_FAILED=0

# A scratch directory, removed when the test ends.
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/crash-test.XXXXXX")
T_PIDS=""
t_cleanup() {
	for p in $T_PIDS; do kill -9 "$p" 2>/dev/null; done
	[ -n "${PG_DIR:-}" ] && { stop_pg; rm -rf "$PG_DIR"; }
	rm -rf "$T_TMP"
}
trap t_cleanup EXIT

plan() { echo "1..$1"; }
diag() { echo "# $*" >&2; }

# skip REASON: a check that cannot run here, counted as skipped.
skip() {
	T_N=$((T_N + 1))
	echo "ok $T_N # SKIP $*"
}

# ok DESCRIPTION COMMAND...: passes when the command succeeds.
ok() {
	desc=$1; shift
	T_N=$((T_N + 1))
	if "$@" >"$T_TMP/.out" 2>&1; then
		echo "ok $T_N - $desc"
	else
		echo "not ok $T_N - $desc"
		T_FAILED=$((T_FAILED + 1))
		sed 's/^/#   /' "$T_TMP/.out" | head -20 >&2
	fi
}

# is DESCRIPTION GOT WANT: passes when the two strings are equal.
is() {
	T_N=$((T_N + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $T_N - $1"
	else
		echo "not ok $T_N - $1"
		T_FAILED=$((T_FAILED + 1))
		diag "  got: '$2'"
		diag "  want: '$3'"
	fi
}

# like DESCRIPTION GOT PATTERN: passes when GOT matches the grep -E pattern.
like() {
	T_N=$((T_N + 1))
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then
		echo "ok $T_N - $1"
	else
		echo "not ok $T_N - $1"
		T_FAILED=$((T_FAILED + 1))
		diag "  got: '$2'"
		diag "  want match: '$3'"
	fi
}

done_testing() {
	echo "1..$T_N"
	[ "$T_FAILED" -eq 0 ]
}

# Waits up to $2 seconds (default 10) for file $1 to exist.
wait_for_file() {
	i=0
	while [ ! -s "$1" ]; do
		i=$((i + 1))
		[ $i -gt $((${2:-10} * 20)) ] && return 1
		sleep 0.05
	done
}

# start_collector SPOOL [FLAGS...]: runs crash-collect on a free port;
# sets COLLECT_PID, COLLECT_URL (the base URL) and COLLECT_LOG.
start_collector() {
	spool=$1; shift
	T_SEQ=$((${T_SEQ:-0} + 1))	# sh has no $RANDOM
	portfile=$T_TMP/port.$T_SEQ
	COLLECT_LOG=$T_TMP/collect.log
	crash-collect --listen 127.0.0.1:0 --spool "$spool" --port-file "$portfile" "$@" \
		2>>"$COLLECT_LOG" &
	COLLECT_PID=$!
	T_PIDS="$T_PIDS $COLLECT_PID"
	wait_for_file "$portfile" || { diag "collector did not start"; cat "$COLLECT_LOG" >&2; return 1; }
	COLLECT_URL=http://127.0.0.1:$(cat "$portfile")
	rm -f "$portfile"
}

# stop_collector: SIGTERM, then its exit status (leaks fail it under ASan).
stop_collector() {
	kill -TERM "$COLLECT_PID" 2>/dev/null
	wait "$COLLECT_PID" 2>/dev/null
}

# make_crash DIR [KEY=VALUE...]: a crash directory with a random dump.
make_crash() {
	dir=$1; shift
	mkdir -p "$dir"
	head -c "${DUMP_SIZE:-4096}" /dev/urandom >"$dir/upload_file_minidump"
	{
		printf '{"ProductName":"Firefox","Version":"99.0","BuildID":"20261126000000"'
		for kv in "$@"; do printf ',"%s":"%s"' "${kv%%=*}" "${kv#*=}"; done
		printf '}\n'
	} >"$dir/raw_crash.json"
}

# spool_count SPOOL SUB: entries in SPOOL/SUB (new or tmp).
spool_count() { find "$1/$2" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

# crash_complete SPOOL ID...: each crash is complete in SPOOL/new/ (see
# t/lib/check-crashes); with no ID, reads the IDs from stdin.
crash_complete() {
	spool=$1; shift
	if [ $# -gt 0 ]; then
		printf '%s\n' "$@" | "$ROOT/t/lib/check-crashes" "$spool"
	else
		"$ROOT/t/lib/check-crashes" "$spool"
	fi
}

# start_s3 DATADIR [PORT]: an S3-compatible server (s3rver) on a free
# loopback port (or PORT, to restart one on its data), with a bucket
# "crashes"; sets S3_PID and the AWS_* variables the store reads. Returns 1 when s3rver is not installed (scripts/install-deps).
start_s3() {
	s3rver=$ROOT/.deps/node_modules/.bin/s3rver
	[ -x "$s3rver" ] || return 1
	mkdir -p "$1"
	T_SEQ=$((${T_SEQ:-0} + 1))
	S3_LOG=$T_TMP/s3rver.$T_SEQ.log
	# s3rver's listing tokens use DES, which Node's OpenSSL 3 keeps in its legacy provider.
	NODE_OPTIONS=--openssl-legacy-provider \
		"$s3rver" -d "$1" -p "${2:-0}" --address 127.0.0.1 --configure-bucket crashes --silent >"$S3_LOG" 2>&1 &
	S3_PID=$!
	T_PIDS="$T_PIDS $S3_PID"
	i=0
	until grep -q 'listening on' "$S3_LOG" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 200 ] || { cat "$S3_LOG" >&2; return 1; }
		sleep 0.05
	done
	export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
	export AWS_ENDPOINT_URL="http://127.0.0.1:$(grep -o 'listening on .*' "$S3_LOG" | grep -o '[0-9]*$')"
	# Listening is announced a moment before connections are taken.
	i=0
	until curl -s -o /dev/null "$AWS_ENDPOINT_URL/"; do
		i=$((i + 1))
		[ $i -lt 100 ] || return 1
		sleep 0.05
	done
}

stop_s3() {
	kill "$S3_PID" 2>/dev/null
	wait "$S3_PID" 2>/dev/null
}

# start_http DIR [FAILS]: t/lib/fake-http serving DIR on a free loopback
# port (its FAKE_HTTP_* variables from the environment); sets HTTP_URL
# and HTTP_PID.
start_http() {
	T_SEQ=$((${T_SEQ:-0} + 1))
	"$ROOT/t/lib/fake-http" "$1" "$T_TMP/http.port.$T_SEQ" "${2:-0}" &
	HTTP_PID=$!
	T_PIDS="$T_PIDS $HTTP_PID"
	wait_for_file "$T_TMP/http.port.$T_SEQ" || return 1
	HTTP_URL=http://127.0.0.1:$(cat "$T_TMP/http.port.$T_SEQ")
}
stop_http() { kill "$HTTP_PID" 2>/dev/null; wait "$HTTP_PID" 2>/dev/null; }

# start_pg: a throwaway PostgreSQL cluster listening on a Unix socket only;
# sets PG_URL. stop_pg and start_pg_again stop and restart the same
# cluster. Returns 1 when PostgreSQL's server binaries are not installed.
start_pg() {
	PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	[ -x "$PG_BIN/initdb" ] || return 1
	PG_DIR=$(mktemp -d /tmp/crash-pg.XXXXXX)
	PG_AS=""
	if [ "$(id -u)" = 0 ]; then	# the server refuses to run as root
		chown postgres "$PG_DIR"
		PG_AS="runuser -u postgres --"
	fi
	(cd / && $PG_AS "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U crash) >"$PG_DIR/initdb.log" 2>&1 ||
		{ cat "$PG_DIR/initdb.log" >&2; return 1; }
	start_pg_again || return 1
	PG_URL="postgresql://crash@/postgres?host=$PG_DIR"
}
start_pg_again() {
	(cd / && $PG_AS "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
		-o "-k $PG_DIR -c listen_addresses= -c fsync=off" start) >/dev/null
}
stop_pg() { (cd / && $PG_AS "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop) >/dev/null 2>&1; }

# use_pg: a throwaway cluster for the rest of the test, DB its URL and
# dbq SQL a query on it; skips the whole test when PostgreSQL is missing.
use_pg() {
	if ! start_pg; then
		echo "1..0 # SKIP no PostgreSQL server binaries (scripts/install-deps installs them)"
		exit 0
	fi
	DB=$PG_URL
	dbq() { PGOPTIONS='-c client_min_messages=warning' psql "$PG_URL" -XAtq -F'|' -c "$1"; }
}
