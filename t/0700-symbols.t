#!/bin/sh
# crash-symbols add: .sym files and zip archives into a symbol store,
# checked and indexed; broken files, corrupt archives and traversal
# attempts refused; concurrent adds of the same file.
. "$(dirname "$0")/lib/tap.sh"
SYMS=$TESTDATA/minidumps/linux/symbols
if [ ! -d "$SYMS" ]; then
	echo "1..0 # SKIP ../shared/testdata is not beside the project"
	exit 0
fi
cd "$T_TMP" || exit 1

find "$SYMS" -name '*.sym' | sort >list
n=$(wc -l <list)
crash-symbols add --store st $(cat list) >out 2>err
is "add: exit 0" "$?" 0
is "add: a line per file, all added" "$(jq -r .status out | sort | uniq -c | tr -s ' ')" " $n added"
is "add: Breakpad's layout" "$(cd st && find . -name '*.sym' | sort)" "$(cd "$SYMS" && find . -name '*.sym' | sort)"
is "add: each indexed" "$(find st -name '*.sym.idx' | wc -l)" "$n"
dump=$TESTDATA/minidumps/linux/dumps/crashme-o2-segv.dmp
is "a walk with the store is the walk with the originals" \
	"$(crash-stackwalk --format pipe "$dump" st)" \
	"$(crash-stackwalk --format pipe --symbol-cache cache "$dump" "$SYMS")"

# A zip of a symbol tree, as builds upload them.
mkdir tree && (cd "$SYMS" && tar cf - .) | (cd tree && tar xf -) && echo readme >tree/README.txt
(cd tree && zip -qr ../symbols.zip .)
crash-symbols add --store zst symbols.zip >out 2>err
is "zip: every .sym added" "$(jq -r .status out | sort | uniq -c | tr -s ' ')" " $n added"
is "zip: files intact" "$(cd zst && find . -name '*.sym' -exec sha256sum {} + | sort)" \
	"$(cd "$SYMS" && find . -name '*.sym' -exec sha256sum {} + | sort)"

# A corrupt archive, an entry that leaves the archive.
head -c 2000 symbols.zip >corrupt.zip
crash-symbols add --store zst corrupt.zip >out 2>err
is "corrupt zip: refused" "$?:$(jq -r .status out | sort -u)" "1:rejected"
mkdir -p ev/aa && printf 'MODULE Linux x86_64 ABCD0 evil.so\nPUBLIC 10 0 f\n' >ev/aa/evil.sym
(cd ev && zip -q ../evil.zip aa/evil.sym)
perl -pi -e 's{aa/evil\.sym}{../evil.sym}g' evil.zip
crash-symbols add --store zst evil.zip >out 2>err
is "traversal: refused" "$?:$(jq -r '[.status, .reason] | join(": ")' out)" \
	"1:rejected: path leaves the archive (traversal attempt)"
ok "traversal: nothing written outside" test ! -e evil.sym -a ! -e zst/evil.so

# Broken files: refused with the reason, nothing half-written.
printf 'MODULE Linux x86_64 ABCD0 good.so\nFUNC zz\n' >bad.sym
printf 'FUNC 10 4 0 f\n' >nomodule.sym
printf 'MODULE Linux x86_64 XYZ bad.so\n' >badid.sym
crash-symbols add --store st bad.sym nomodule.sym badid.sym >out 2>err
is "broken: exit 1" "$?" 1
is "broken: each with its reason" "$(jq -r .reason out | tr '\n' ';')" \
	"1 malformed line;no MODULE line;debug id 'XYZ' is not hexadecimal;"
is "broken: nothing left behind" "$(find st -name '*.tmp*' -o -name 'good.so' | wc -l)" 0

printf 'MODULE Linux x86_64 abcd0 low.so\nPUBLIC 10 0 f\n' >low.sym
crash-symbols add --store lst low.sym >out 2>/dev/null
is "a lower-case debug id is placed as walkers ask for it" "$(jq -r .path out)" "lst/low.so/ABCD0/low.so.sym"

# The same file added by eight at once: all succeed, one intact file.
one=$(head -1 list)
for i in 1 2 3 4 5 6 7 8; do crash-symbols add --store cst "$one" >c.$i 2>/dev/null & done
wait
is "concurrent: all added" "$(cat c.* | jq -r .status | sort | uniq -c | tr -s ' ')" " 8 added"
ok "concurrent: the file is intact" cmp -s "$(jq -r .path c.1)" "$one"
is "concurrent: nothing else left" "$(find cst -type f | wc -l)" 2

# missing: crashes processed without symbols, ranked modules; then the
# crashes the store can now improve, reprocessed.
for d in crashme-o0-abort crashme-o2-segv crashme-o0-fpe; do
	make_crash "in/$d" ProductName=Firefox
	cp "$TESTDATA/minidumps/linux/dumps/$d.dmp" "in/$d/upload_file_minidump"
done
start_collector "$T_TMP/spool" || exit 1
crash-submit --url "$COLLECT_URL/submit" in/* >/dev/null 2>&1
stop_collector
crash-move --spool spool --to store 2>/dev/null | crash-process --store store --db crash.db --symbols empty >before 2>/dev/null
crash-symbols missing --db crash.db --format ndjson >missing 2>err
is "missing: exit 0" "$?" 0
is "missing: libc in all three crashes, first" "$(head -1 missing | jq -c '[.rank, .debug_file, .crashes]')" '[1,"libc.so.6",3]'
ok "missing: with its debug id" test "$(head -1 missing | jq -r .debug_id)" = "$(ls "$SYMS/libc.so.6")"
crash-symbols missing --db crash.db --crash-ids --store empty >ids 2>/dev/null
is "crash ids: none while the store lacks them" "$(wc -l <ids)" 0
crash-symbols missing --db crash.db --crash-ids --store st >ids 2>/dev/null
is "crash ids: all three, once each" "$(sort ids)" "$(jq -r .crash_id before | sort)"
crash-process --store store --db crash.db --symbols st --reprocess <ids >after 2>/dev/null
is "reprocessed: better signatures" "$(jq -r .signature after | sort | tr '\n' ';')" "divide;js::gc::PushMarkStack;raise | abort | do_abort;"
is "reprocessed: nothing missing any more" "$(crash-symbols missing --db crash.db --format ndjson | wc -l)" 0

# gc: what was not used for long goes, then the least used until it fits.
cp -a st gst
old=$(find gst -name '*.sym' | sort | head -2)
for f in $old; do touch -a -m -d '40 days ago' "$f" "$f.idx"; done
crash-symbols gc --store gst --max-age 30 >gc 2>err
is "gc: the two unused for 40 days removed" "$(jq -r .why gc | tr '\n' ' ')" "age age "
ok "gc: with their indexes and directories" test ! -e "$(echo "$old" | head -1).idx" -a ! -d "$(dirname "$(echo "$old" | head -1)")"
is "gc: the rest kept" "$(find gst -name '*.sym' | wc -l)" "$((n - 2))"
newest=$(find gst -name '*.sym' | sort | tail -1)
for f in $(find gst -name '*.sym'); do touch -a -m -d '2 days ago' "$f" "$f.idx"; done
touch "$newest" "$newest.idx"
crash-symbols gc --store gst --max-size 1 >gc 2>err
is "gc: down to the size, the last used kept for last" "$(find gst -name '*.sym' | wc -l)" 0
is "gc: the last used went last" "$(tail -1 gc | jq -r .path)" "$newest"
crash-symbols gc --store gst >/dev/null 2>&1
is "gc: without a limit, a usage error" "$?" 2
# Names that are not UTF-8 (a module and its file): added, and said in JSON.
printf 'MODULE Linux x86_64 0123456789ABCDEF0123456789ABCDEF0 b\377.so\nFUNC 1000 10 0 f\n' >"$(printf 'b\377.sym')"
crash-symbols add --store ust "$(printf 'b\377.sym')" >uout 2>/dev/null
is "a name that is not UTF-8: exit 0" "$?" 0
is "and one JSON line for it" "$(jq -r .status uout)" added
ok "stored under its own bytes" test -s "ust/$(printf 'b\377.so')/0123456789ABCDEF0123456789ABCDEF0/$(printf 'b\377.so').sym"
done_testing
