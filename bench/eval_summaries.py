#!/usr/bin/python3
"""Scores qalam's summaries on the dev splits with the project's ROUGE scorer.

For each set of /work/shared/eval/BASELINES.md, runs `qalam annotate` on the
dev file (id, title, text; K as the baseline) and scores its `summary_text`
(what qalam outputs as the summary) with rouge.py against the set's reference:
  en-cnn   K=3, reference = the gold `summary_sentences` joined by a space
  ar-multi K=1, rows with a `summary` (BBC and CNN), reference = `summary`
  en-bbc   K=5, reference = `summary`
and prints ours beside Lead-K and TextRank-K. Exit status 1 when any score is
not strictly above both baselines.

  /usr/bin/python3 bench/eval_summaries.py [--qalam build/coordinator/qalam]
      [--data /work/shared/data] [--rouge /work/shared/eval/rouge.py]
      [--split dev] [--field summary_text|summary] [--keep DIR]

Evaluation only: the product never runs Python.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

SETS = [
    # task, K, reference, row filter
    ("en-cnn", 3, lambda r: " ".join(r["summary_sentences"]), lambda r: True),
    ("ar-multi", 1, lambda r: r["summary"], lambda r: "summary" in r),
    ("en-bbc", 5, lambda r: r["summary"], lambda r: True),
]

# BASELINES.md, dev: (Lead-K, TextRank-K) as R1/R2/RL.
BASELINES = {
    "en-cnn": ((45.29, 31.62, 36.97), (44.37, 26.05, 33.50)),
    "ar-multi": ((67.68, 60.33, 65.91), (34.87, 25.01, 32.08)),
    "en-bbc": ((53.49, 42.92, 37.72), (64.76, 56.27, 45.27)),
}


def run(args):
    out = {}
    for task, k, ref_of, keep in SETS:
        rows = []
        with open(os.path.join(args.data, task, args.split + ".jsonl"), encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    if keep(r):
                        rows.append(r)
        with tempfile.TemporaryDirectory() as tmp:
            d = args.keep or tmp
            os.makedirs(d, exist_ok=True)
            inp = os.path.join(d, task + ".in.jsonl")
            refs = os.path.join(d, task + ".refs.jsonl")
            preds = os.path.join(d, task + ".preds.jsonl")
            with open(inp, "w", encoding="utf-8") as f:
                for r in rows:
                    f.write(json.dumps({"id": r["id"], "title": r.get("title", ""),
                                        "text": r["text"]}, ensure_ascii=False) + "\n")
            res = subprocess.run([args.qalam, "annotate", "--summary-sentences", str(k),
                                  "--keywords", "0", inp],
                                 check=True, capture_output=True, text=True, encoding="utf-8")
            lines = [json.loads(l) for l in res.stdout.splitlines() if l.strip()]
            assert [l["id"] for l in lines] == [r["id"] for r in rows], "annotate lost records"
            with open(refs, "w", encoding="utf-8") as f:
                for r in rows:
                    f.write(json.dumps({"id": r["id"], "summary": ref_of(r)},
                                       ensure_ascii=False) + "\n")
            with open(preds, "w", encoding="utf-8") as f:
                for r, l in zip(rows, lines):
                    if args.field == "summary_text":
                        s = l["summary_text"]
                    else:  # the chosen sentences as they are (offsets are UTF-8 bytes)
                        raw = r["text"].encode("utf-8")
                        s = " ".join(raw[l["sentences"][i][0]:l["sentences"][i][1]].decode("utf-8")
                                     for i in l["summary"])
                    f.write(json.dumps({"id": r["id"], "summary": s}, ensure_ascii=False) + "\n")
            sc = subprocess.run([sys.executable, args.rouge, refs, preds, "--json"], check=True,
                                capture_output=True, text=True)
            out[task] = (k, json.loads(sc.stdout.strip().splitlines()[-1]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--qalam", default=os.path.join(HERE, "..", "build", "coordinator", "qalam"))
    ap.add_argument("--data", default="/work/shared/data")
    ap.add_argument("--rouge", default="/work/shared/eval/rouge.py")
    ap.add_argument("--split", default="dev")
    ap.add_argument("--field", default="summary_text", choices=["summary_text", "summary"])
    ap.add_argument("--keep", default="", help="keep the input/reference/prediction files here")
    args = ap.parse_args()
    results = run(args)
    ok = True
    print("| set (K) | articles | Lead-K | TextRank-K | qalam `%s` | margin over max(Lead, TextRank), worst of R1/R2/RL |" % args.field)
    print("|---|---|---|---|---|---|")
    for task, (k, r) in results.items():
        ours = (r["rouge1"], r["rouge2"], r["rougeL"])
        lead, tr = BASELINES[task]
        margin = min(o - max(a, b) for o, a, b in zip(ours, lead, tr))
        ok &= margin > 0
        fmt = lambda t: "%.2f / %.2f / %.2f" % t
        print("| %s (%d) | %d | %s | %s | **%s** | %+.2f |" % (task, k, r["n"], fmt(lead), fmt(tr),
                                                             fmt(ours), margin))
    print("all three scores above both baselines on every set: %s" % ("yes" if ok else "NO"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
