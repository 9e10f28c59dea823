#!/bin/sh
# scripts/moving-day: a rehearsal (--dry-run), a real move between two
# stores while crashes wait in a spool, a no-go when the target is broken,
# and the database move on a throwaway PostgreSQL cluster.
. "$(dirname "$0")/lib/tap.sh"
cd "$T_TMP" || exit 1
MD=$ROOT/scripts/moving-day
echo '{"count": 5, "frames": ["f"], "os": "Linux"}' | crash-synth --out spool --symbols syms >/dev/null 2>&1
crash-move --spool spool --to old >/dev/null 2>&1
echo '{"count": 3, "frames": ["g"], "os": "Linux"}' | crash-synth --out spool --symbols syms --seed 2 >/dev/null 2>&1

"$MD" --from old --to new --spool spool --dry-run >dry 2>&1
is "dry run: exit 0" "$?" 0
ok "dry run: nothing written" test ! -e new
is "dry run: every step listed" "$(grep -c 'dry-run: ' dry)" 10
like "dry run: shows the copy command" "$(cat dry)" "dry-run: .*crash-move copy --from old --to new"

"$MD" --from old --to new --spool spool >run 2>&1
is "moving day: exit 0" "$?" 0
like "moving day: GO" "$(tail -1 run)" "^GO: "
is "the checklist has no failures" "$(grep -c 'FAILED' run)" 0
is "the waiting crashes were backfilled into the target" "$(spool_count spool new)" 0
ok "target verifies clean against the source" crash-move verify --from old --to new
is "the target has the backfilled crashes too" "$(find new/v1/raw_crash -type f | wc -l)" 8

mkdir -p broken && : >broken/v1
"$MD" --from old --to broken >nogo 2>&1
is "a broken target: exit 1" "$?" 1
like "a broken target: NO-GO" "$(cat nogo)" "NO-GO"
like "the failing item is marked" "$(grep 'target store' nogo)" "FAILED"
like "later steps are not run" "$(grep 'dirty copy' nogo)" "not run"

# The database move, on a throwaway PostgreSQL cluster.
if command -v pg_virtualenv >/dev/null && command -v pg_dump >/dev/null; then
	cat >dbtest.sh <<DB
set -e
createdb src; createdb dst
psql -q src -c "create table crashes (id text primary key, signature text, n int)"
psql -q src -c "insert into crashes select 'c' || i, 'sig ' || (i % 7), i from generate_series(1, 500) i"
"$MD" --from old --to new --from-db "dbname=src" --to-db "dbname=dst" >db.out 2>&1
psql -Atc "select count(*), sum(n) from crashes" dst
DB
	out=$(pg_virtualenv sh dbtest.sh 2>/dev/null | grep '^[0-9]*[|]')
	is "database moved: rows and sums equal" "$out" "500|125250"
	like "database step checked" "$(grep 'database moved' db.out)" " ok$"
else
	echo "ok $((T_N + 1)) # SKIP pg_virtualenv is not installed"; T_N=$((T_N + 1))
fi
done_testing
