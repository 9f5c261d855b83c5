#!/usr/bin/env bash
# End-to-end tests of `qalam annotate`, run against the real binary.
#   annotate_test.sh QALAM_BINARY SOURCE_DIR
set -euo pipefail
QALAM="$1"
SRC="$2"
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# --help answers and lists the flags.
"$QALAM" annotate --help | grep -q -- "--offsets" || fail "annotate --help"
"$QALAM" --help | grep -q "annotate" || fail "qalam --help"
if "$QALAM" annotate --bogus-flag 2>"$T/err"; then fail "unknown flag accepted"; fi
grep -q "unknown flag" "$T/err" || fail "unknown flag message"
if "$QALAM" annotate --offsets latin1 2>"$T/err" </dev/null; then fail "bad --offsets accepted"; fi

# The sample corpus: one result line per article, ids in input order.
"$QALAM" annotate "$SRC/examples/sample.jsonl" > "$T/out.jsonl" 2> "$T/err.jsonl"
[ "$(wc -l < "$T/out.jsonl")" -eq "$(wc -l < "$SRC/examples/sample.jsonl")" ] || fail "line count"
[ ! -s "$T/err.jsonl" ] || fail "unexpected errors: $(head -3 "$T/err.jsonl")"
"${PYTHON:-/usr/bin/python3}" - "$SRC/examples/sample.jsonl" "$T/out.jsonl" <<'PY' || fail "result lines"
import json, sys
src = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
out = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert [s["id"] for s in src] == [o["id"] for o in out]
for s, o in zip(src, out):
    raw = s["text"].encode("utf-8")
    assert o["tokens"] > 0 and o["sentences"], o["id"]
    prev = 0
    for b, e in o["sentences"]:
        assert prev <= b < e <= len(raw), (o["id"], b, e)
        raw[b:e].decode("utf-8")  # on character boundaries
        prev = e
PY

# stdin, a .txt folder and a .gz in one run; offsets in code points.
mkdir -p "$T/folder"
cp "$SRC/examples/seed/"*.txt "$T/folder/"
head -3 "$SRC/examples/sample.jsonl" | gzip > "$T/three.jsonl.gz"
head -2 "$SRC/examples/sample.jsonl" | "$QALAM" annotate - "$T/folder" "$T/three.jsonl.gz" \
  --offsets codepoint > "$T/mixed.jsonl"
[ "$(wc -l < "$T/mixed.jsonl")" -eq 6 ] || fail "mixed inputs"
grep -q '"id":"000_2e6916bc45a88ae1"' "$T/mixed.jsonl" || fail "txt file id"

# Bad records: each gets an error line on stderr; good ones go on.
{
  echo '{"id":"good1","text":"نص جيد."}'
  echo '{"id":"badjson","text":"x"'
  printf '{"id":"badutf8","text":"a\xff"}\n'
  echo '{"id":"notext"}'
  echo '{"id":"empty","text":""}'
  printf '\0\0\0\n'
  echo '{"id":"good2","text":"Another good one."}'
} > "$T/bad.jsonl"
"$QALAM" annotate "$T/bad.jsonl" > "$T/bad.out" 2> "$T/bad.err" || fail "exit status with bad records"
[ "$(wc -l < "$T/bad.out")" -eq 2 ] || fail "good records after bad ones"
[ "$(wc -l < "$T/bad.err")" -eq 5 ] || fail "one error line per bad record: $(cat "$T/bad.err")"
"${PYTHON:-/usr/bin/python3}" - "$T/bad.err" <<'PY' || fail "error lines"
import json, sys
errs = [json.loads(l) for l in open(sys.argv[1])]
assert [e["line"] for e in errs] == [2, 3, 4, 5, 6], errs
assert all(e["code"] == "INVALID_ARGUMENT" and e["file"].endswith("bad.jsonl") for e in errs)
assert "invalid UTF-8 at byte" in errs[1]["error"], errs[1]
assert errs[2]["id"] == "notext"
PY

# Summaries and keywords from the bundled models; K, the ratio and N.
"${PYTHON:-/usr/bin/python3}" - "$T/out.jsonl" <<'PY' || fail "summaries and keywords"
import json, sys
out = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
for o in out:
    k = min(3, len(o["sentences"]))
    assert len(o["summary"]) == k and o["summary"] == sorted(o["summary"]), o["id"]
    assert o["summary_text"] and 1 <= len(o["keywords"]) <= 10, o["id"]
PY
head -5 "$SRC/examples/sample.jsonl" | "$QALAM" annotate --summary-ratio 0.5 --summary-max-sentences 2 \
  --keywords 3 > "$T/ratio.jsonl" || fail "--summary-ratio"
"${PYTHON:-/usr/bin/python3}" - "$T/ratio.jsonl" <<'PY' || fail "ratio and keyword count"
import json, math, sys
for l in open(sys.argv[1], encoding="utf-8"):
    o = json.loads(l)
    assert len(o["summary"]) == min(2, max(1, math.ceil(0.5 * len(o["sentences"])))), o["id"]
    assert len(o["keywords"]) == 3, o["id"]
PY
if "$QALAM" annotate --summary-ratio 2 </dev/null 2>"$T/err"; then fail "bad --summary-ratio accepted"; fi
# A model folder without the models: a clear message, exit status 1.
mkdir -p "$T/models"
printf 'QALAMMDL garbage' > "$T/models/summarize-ar.bin"
cp "$SRC/models/summarize-en.bin" "$T/models/"
if QALAM_MODEL_DIR="$T/models" "$QALAM" annotate </dev/null 2>"$T/err"; then fail "corrupt model accepted"; fi
grep -q "summarize-ar.bin" "$T/err" || fail "corrupt model message: $(cat "$T/err")"

# A missing input stops the job with a message and a non-zero status.
if "$QALAM" annotate "$T/does-not-exist.jsonl" > /dev/null 2> "$T/err"; then fail "missing input"; fi
grep -q "does not exist" "$T/err" || fail "missing input message"
echo "PASS"
