#!/bin/sh
# Symbol uploads over HTTP to crash-collect: Breakpad's symupload form,
# Mozilla's Auth-Token zip upload, a bare .sym body; bearer tokens, size
# limits, broken files, traversal inside zips, mismatched fields,
# concurrent uploads of the same file; the walker uses what was uploaded.
. "$(dirname "$0")/lib/tap.sh"
cd "$T_TMP" || exit 1

echo '{"count": 1, "frames": ["uploaded::Crash", "main"], "os": "Linux"}' |
	crash-synth --out spool0 --symbols built >/dev/null 2>&1
sym=$(find built -name '*.sym' | head -1)
rel=${sym#built/}
dump=$(ls -d spool0/new/*)/upload_file_minidump
module=$(head -1 "$sym")
id=$(echo "$module" | cut -d' ' -f4)
name=$(echo "$module" | cut -d' ' -f5)

start_collector spool --symbol-store store --symbol-token s3cret --symbol-token other-token \
	--max-symbol-size 300K || exit 1
U=$COLLECT_URL/symbols/upload
post() { curl -s -o body -w '%{http_code}' "$@"; }

is "no token: 401" "$(post -F "symbol_file=@$sym" "$U")" 401
like "with a Bearer challenge" "$(curl -s -D - -o /dev/null -F "symbol_file=@$sym" "$U")" "WWW-Authenticate: Bearer"
like "and the server's name" "$(curl -s -D - -o /dev/null -F "symbol_file=@$sym" "$U")" "Server: crash-collect/"
is "a wrong token: 401" "$(post -H 'Authorization: Bearer s3cre' -F "symbol_file=@$sym" "$U")" 401
ok "nothing stored without a token" test ! -e "store/$rel"

# Breakpad's symupload: the fields and the file part symbol_file.
code=$(post -H 'Authorization: Bearer s3cret' -F os=Linux -F cpu=x86_64 -F "debug_file=$name" \
	-F "code_file=$name" -F "debug_identifier=$id" -F version=1.0 -F "symbol_file=@$sym" "$U")
is "symupload: 200" "$code" 200
is "the reply lists the file added" "$(jq -r '.added[0]' body)" "store/$rel"
ok "stored where the MODULE line says" cmp -s "store/$rel" "$sym"
ok "with its compiled index" test -s "store/$rel.idx"
is "the walker finds it" "$(crash-stackwalk --symbols store "$dump" | jq -r '.crashing_thread.frames[0].function')" "uploaded::Crash"

is "a debug_identifier that is not the file's: 400" \
	"$(post -H 'Authorization: Bearer s3cret' -F "debug_identifier=0000" -F "symbol_file=@$sym" "$U")" 400
like "and why" "$(jq -r .error body)" "debug_identifier 0000 is not the file's"
printf 'debug_file=\377\376bad' >badfield
is "a field that is not UTF-8: 400, the collector still answering" \
	"$(post -H 'Authorization: Bearer s3cret' -F "debug_file=<badfield" -F "symbol_file=@$sym" "$U")" 400
like "with a JSON reason" "$(jq -r .error body)" "debug_file .*bad is not the file's"
is "the second token works too; a bare .sym body" \
	"$(post -H 'Authorization: Bearer other-token' -H 'Content-Type: text/plain' --data-binary "@$sym" "$U")" 200

printf 'MODULE Linux x86_64 ABCDEF broken.so\nFUNC zz not a func\n' >broken.sym
is "a broken .sym: 400" "$(post -H 'Authorization: Bearer s3cret' -F "symbol_file=@broken.sym" "$U")" 400
like "with the reason" "$(jq -r '.rejected[0].reason' body)" "malformed line"
ok "and nothing stored" test ! -e store/broken.so
printf 'MODULE Linux x86_64 ABCDEF ..\n' >dots.sym
is "a module named .. : 400" "$(post -H 'Authorization: Bearer s3cret' -F "symbol_file=@dots.sym" "$U")" 400

# Mozilla's form: a zip of a symbol store tree, Auth-Token header, /upload/.
mkdir -p tree/sub && cp -r built/* tree/
(cd tree && zip -qr ../good.zip .)
is "zip with Auth-Token on /upload/: 200" \
	"$(post -H 'Auth-Token: s3cret' -F "file.zip=@good.zip" "$COLLECT_URL/upload/")" 200
is "every .sym of it added" "$(jq '.added | length' body)" "$(find built -name '*.sym' | wc -l)"
perl -e '
	use IO::Compress::Zip qw(zip $ZipError);
	my $sym = do { local $/; open my $f, "<", $ARGV[0] or die; <$f> };
	zip \$sym => "evil.zip", Name => "../../evil.sym" or die $ZipError;' "$sym"
is "a zip escaping its tree: 400" "$(post -H 'Authorization: Bearer s3cret' -F "f=@evil.zip" "$U")" 400
like "refused as a traversal" "$(jq -r '.rejected[0].reason' body)" "traversal"
ok "nothing written outside the store" test ! -e evil.sym -a ! -e store/../evil.sym
head -c 300 good.zip >cut.zip
is "a corrupt zip: 400" "$(post -H 'Authorization: Bearer s3cret' -F "f=@cut.zip" "$U")" 400

# Limits and malformed bodies.
head -c 400000 /dev/urandom >big.sym
is "past --max-symbol-size: 413" "$(post -H 'Authorization: Bearer s3cret' -F "symbol_file=@big.sym" "$U")" 413
is "a truncated multipart body: 400" "$(printf -- '--XX\r\nContent-Disposition: form-data; name="symbol_file"; filename="a.sym"\r\n\r\nMODULE' |
	post -H 'Authorization: Bearer s3cret' -H 'Content-Type: multipart/form-data; boundary=XX' --data-binary @- "$U")" 400
is "no file in the upload: 400" "$(post -H 'Authorization: Bearer s3cret' -F os=Linux "$U")" 400
is "GET: 405" "$(post "$U")" 405
ok "no upload leftovers" test -z "$(ls -A store/.incoming)"

# The same file uploaded ten times at once: all succeed, one whole file.
rm -rf store
pids=
for i in 1 2 3 4 5 6 7 8 9 10; do
	curl -s -o "c.$i" -w '%{http_code}\n' -H 'Authorization: Bearer s3cret' -F "symbol_file=@$sym" "$U" >"s.$i" &
	pids="$pids $!"
done
wait $pids	# not the collector
is "concurrent uploads of one file: all 200" "$(cat s.* | sort -u)" 200
ok "the stored file is whole" cmp -s "store/$rel" "$sym"
is "no temporary files left" "$(find store -name '.*tmp*' -o -path '*/.incoming/*' -type f | wc -l)" 0

# A store that cannot be written: 503, for the client to try again.
mkdir -p store/ro.so && printf 'x' >store/ro.so/0123ABCD
printf 'MODULE Linux x86_64 0123ABCD ro.so\nPUBLIC 10 0 f\n' >ro.sym
is "the store cannot take the file (a file where its directory goes): 503" \
	"$(post -H 'Authorization: Bearer s3cret' -F "symbol_file=@ro.sym" "$U")" 503

# Crash uploads on the same daemon are untouched.
make_crash c1
is "crash uploads still work" "$(crash-submit --url "$COLLECT_URL/submit" c1 2>/dev/null | jq -r .status)" 200
stop_collector

start_collector spool2 || exit 1
is "without --symbol-store uploads are off: 404" "$(post -H 'Authorization: Bearer s3cret' -F "symbol_file=@$sym" "$COLLECT_URL/symbols/upload")" 404
stop_collector
crash-collect --spool spool3 --symbol-store store 2>err
is "--symbol-store without a token: usage error" "$?" 2
done_testing
