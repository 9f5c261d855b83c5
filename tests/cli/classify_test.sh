#!/usr/bin/env bash
# End-to-end tests of `qalam train`, `qalam eval` and the topic fields of
# `qalam annotate`, run against the real binary on tiny fixtures written
# here (never the shared data).
#   classify_test.sh QALAM_BINARY SOURCE_DIR
set -euo pipefail
QALAM="$1"
SRC="$2"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$QALAM" train --help | grep -q -- "--label-map" || fail "train --help"
"$QALAM" eval --help | grep -q -- "--model" || fail "eval --help"

# A tiny labelled corpus: 8 articles of each of three labels, then one bad
# record of each kind and a label seen once (lines 25-31).
{
  for i in 1 2 3 4 5 6 7 8; do
    echo "{\"id\":\"s$i\",\"title\":\"Match report $i\",\"text\":\"The team won the match $i with a late goal. The coach praised the striker, and the league leaders lost at the stadium.\",\"label\":\"sport\"}"
    echo "{\"id\":\"e$i\",\"title\":\"Markets $i\",\"text\":\"Shares fell $i points as the bank raised rates. Investors fear inflation while oil prices strain the budget.\",\"label\":\"economy\"}"
    echo "{\"id\":\"t$i\",\"title\":\"Gadgets $i\",\"text\":\"The new phone $i runs faster software on a smaller chip. The startup said its cloud app stores the data.\",\"label\":\"tech\"}"
  done
  echo '{"id":"notext","label":"sport"}'
  echo '{"id":"nolabel","text":"A text without a label."}'
  echo '{"id":"empty","text":"","label":"sport"}'
  printf '{"id":"badutf8","text":"bad \xff byte","label":"sport"}\n'
  echo '{"id":"badjson","text":"x"'
  echo '{"id":"once","text":"Tips for spring flowers in the garden.","label":"garden"}'
  echo '{"id":"labelnum","text":"The striker scored in the match.","label":["sport"]}'
} > "$T/train.jsonl"

# Bad records are reported with file and line, and training goes on.
"$QALAM" train --data "$T/train.jsonl" -o "$T/m.bin" --no-keyword-tables 2> "$T/train.err" \
  || fail "train with bad records: $(cat "$T/train.err")"
grep -q 'train.jsonl:25: no "text" field' "$T/train.err" || fail "no text: $(cat "$T/train.err")"
grep -q 'train.jsonl:26: no "label" field' "$T/train.err" || fail "no label"
grep -q 'train.jsonl:27: empty text' "$T/train.err" || fail "empty text"
grep -q 'train.jsonl:28: invalid UTF-8 at byte' "$T/train.err" || fail "invalid UTF-8"
grep -q 'train.jsonl:29: malformed JSON' "$T/train.err" || fail "malformed JSON"
grep -q 'train.jsonl:31: ' "$T/train.err" || fail "label not a string"
grep -q "label 'garden' has 1 training article" "$T/train.err" || fail "label seen once"
[ -s "$T/m.bin" ] || fail "no model written"

# Deterministic: the same data and seed give the same bytes.
"$QALAM" train --data "$T/train.jsonl" -o "$T/m2.bin" --no-keyword-tables --quiet 2>/dev/null
cmp -s "$T/m.bin" "$T/m2.bin" || fail "two trainings differ"

# The neighbour member: weighed on --dev; a model with it is format version
# 2, one without it (no --dev here above) stays version 1.
version() { od -An -tu4 -j8 -N4 "$1" | tr -d ' '; }
[ "$(version "$T/m.bin")" = 1 ] || fail "model without neighbours: version $(version "$T/m.bin")"
"$QALAM" train --data "$T/train.jsonl" --dev "$T/train.jsonl" --neighbour-weights 1 \
  -o "$T/nn.bin" --no-keyword-tables 2> "$T/nn.err" || fail "train with neighbours: $(cat "$T/nn.err")"
grep -q "neighbours: weight 1" "$T/nn.err" || fail "neighbour summary: $(cat "$T/nn.err")"
[ "$(version "$T/nn.bin")" = 2 ] || fail "model with neighbours: version $(version "$T/nn.bin")"
"$QALAM" eval --model "$T/nn.bin" --data "$T/train.jsonl" > /dev/null 2>&1 || fail "eval version 2"
for bad in "--neighbour-weights abc" "--neighbour-weights -1" "--neighbour-weights 2000" \
           "--neighbour-max-df 0"; do
  set +e
  # shellcheck disable=SC2086
  "$QALAM" train --data "$T/train.jsonl" -o "$T/x.bin" $bad 2> "$T/err"; rc=$?
  set -e
  [ "$rc" -eq 2 ] && grep -q -- "--neighbour" "$T/err" || fail "$bad: exit $rc, $(cat "$T/err")"
done

# Usage errors exit 2; no valid record at all exits 1, with a message.
if "$QALAM" train --data "$T/train.jsonl" 2> "$T/err"; then fail "train without -o"; fi
grep -q -- "-o MODEL is required" "$T/err" || fail "train without -o message"
set +e
"$QALAM" train --data "$T/missing.jsonl" -o "$T/x.bin" 2> "$T/err"; rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q "missing.jsonl" "$T/err" || fail "missing data file ($rc): $(cat "$T/err")"
sed -n 25,29p "$T/train.jsonl" > "$T/allbad.jsonl"
if "$QALAM" train --data "$T/allbad.jsonl" -o "$T/x.bin" 2> "$T/err"; then fail "all bad"; fi
grep -q "no valid training records" "$T/err" || fail "all bad message: $(cat "$T/err")"
head -2 "$T/train.jsonl" > "$T/onelabel.jsonl"
if "$QALAM" train --data "$T/onelabel.jsonl" -o "$T/x.bin" 2> "$T/err"; then fail "one label"; fi
grep -q "need at least 2 labels" "$T/err" || fail "one label message: $(cat "$T/err")"
[ ! -e "$T/x.bin" ] || fail "a model was written after a failure"

# eval: one JSON object on stdout, the bad lines on stderr, a table too.
"$QALAM" eval --model "$T/m.bin" --data "$T/train.jsonl" > "$T/eval.json" 2> "$T/eval.err" \
  || fail "eval: $(cat "$T/eval.err")"
grep -q 'train.jsonl:28: invalid UTF-8 at byte' "$T/eval.err" || fail "eval bad line"
grep -q '^label  *precision' "$T/eval.err" || fail "eval table"
"$PY" - "$T/eval.json" <<'PY' || fail "eval JSON: $(cat "$T/eval.json")"
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("n", "accuracy", "macro_f1", "docs_per_s", "labels"):
    assert k in d, k
assert d["n"] == 25 and d["skipped"] == 6, d  # 24 + the label seen once
assert d["accuracy"] >= 24 / 25 - 1e-6, d
assert {l["label"] for l in d["labels"]} == {"sport", "economy", "tech", "garden"}
PY
head -c 100 "$T/m.bin" > "$T/trunc.bin"
if "$QALAM" eval --model "$T/trunc.bin" --data "$T/train.jsonl" 2> "$T/err"; then fail "truncated"; fi
grep -q "trunc.bin: truncated" "$T/err" || fail "truncated message: $(cat "$T/err")"

# --label-map merges label names.
"$QALAM" train --data "$T/train.jsonl" -o "$T/mapped.bin" --no-keyword-tables --quiet \
  --label-map "tech=scitech,sport=sports" 2>/dev/null || fail "--label-map"
"$QALAM" eval --model "$T/mapped.bin" --data "$T/train.jsonl" --no-table \
  --label-map "tech=scitech,sport=sports" > "$T/mapped.json" 2>/dev/null
grep -q '"label":"scitech"' "$T/mapped.json" || fail "mapped labels: $(cat "$T/mapped.json")"
if "$QALAM" train --data "$T/train.jsonl" -o "$T/x.bin" --label-map "tech" 2> "$T/err"; then
  fail "bad --label-map"
fi

# Articles to annotate: English and Arabic sport, written for this test.
cat > "$T/articles.jsonl" <<'EOF'
{"id":"en1","title":"Late goal wins the derby","text":"The home team won the derby with a late goal from their young striker. The coach said the league title race was open again after the match, and the fans sang until the final whistle at the stadium."}
{"id":"ar1","title":"فوز الفريق في المباراة","text":"فاز الفريق على منافسه بهدفين مقابل هدف في مباراة مثيرة على ملعب المدينة. وقال المدرب إن اللاعبين قدموا أداء رائعا في الدوري هذا الموسم، وإن الفريق يستعد لنهائي الكأس."}
EOF

# --model: every article gets a label of that model.
"$QALAM" annotate --model "$T/m.bin" "$T/articles.jsonl" > "$T/ann.jsonl" 2> "$T/ann.err" \
  || fail "annotate --model: $(cat "$T/ann.err")"
"$PY" - "$T/ann.jsonl" <<'PY' || fail "annotate --model labels: $(cat "$T/ann.jsonl")"
import json, sys
out = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert len(out) == 2
for o in out:
    assert o["label"] in ("sport", "economy", "tech"), o
    assert 0 < o["confidence"] <= 1
    assert o["labels"][0]["name"] == o["label"]
    assert sum(l["score"] for l in o["labels"]) <= 1 + 1e-6
assert out[0]["label"] == "sport", out[0]
PY
if "$QALAM" annotate --model "$T/trunc.bin" "$T/articles.jsonl" > /dev/null 2> "$T/err"; then
  fail "annotate with a truncated model"
fi
grep -q "truncated" "$T/err" || fail "annotate truncated model message"

# The bundled models, chosen by language: an English label for the English
# article, an Arabic-model label for the Arabic one.
"$QALAM" annotate "$T/articles.jsonl" > "$T/bundled.jsonl" 2> "$T/bundled.err" \
  || fail "annotate with bundled models: $(cat "$T/bundled.err")"
"$PY" - "$T/bundled.jsonl" <<'PY' || fail "bundled labels: $(cat "$T/bundled.jsonl")"
import json, sys
out = {o["id"]: o for o in map(json.loads, open(sys.argv[1], encoding="utf-8"))}
en, ar = out["en1"], out["ar1"]
assert en["lang"] == "en" and ar["lang"] == "ar", (en["lang"], ar["lang"])
english = {"business", "entertainment", "health", "justice", "living", "opinion",
           "politics", "sport", "tech", "travel", "us", "world"}
arabic = {"culture", "economy", "internationalNews", "middleEast", "sport", "technology"}
assert en["label"] in english and en["label"] == "sport", en["label"]
assert ar["label"] in arabic and ar["label"] == "sport", ar["label"]
assert all(l["name"] in arabic for l in ar["labels"]), ar["labels"]
assert "world" not in {l["name"] for l in ar["labels"]}
for o in (en, ar):
    assert 0 < o["confidence"] <= 1 and o["labels"][0]["name"] == o["label"]
PY
# A damaged bundled topic model: a clear message naming it, exit status 1.
mkdir -p "$T/models"
cp "$SRC/models/langid.bin" "$SRC/models/summarize-ar.bin" "$SRC/models/summarize-en.bin" \
  "$SRC/models/topic-en.bin" "$T/models/"
head -c 4096 "$SRC/models/topic-ar.bin" > "$T/models/topic-ar.bin"
set +e
"$QALAM" annotate --model-dir "$T/models" "$T/articles.jsonl" > /dev/null 2> "$T/err"; rc=$?
set -e
[ "$rc" -eq 1 ] || fail "damaged bundled model: exit $rc"
grep -q "topic-ar.bin: truncated" "$T/err" || fail "damaged bundled model message: $(cat "$T/err")"
echo "PASS"
