"""Lexicon terms split by segmentation, before and after term protection, per corpus.

    python bench/bench_term_splits.py            # split counts + throughput, rjieba backend
    python bench/bench_term_splits.py --check    # also: pure jieba gives the same tokens (slow)
    python bench/bench_term_splits.py -v         # list the split contexts

Reads every *.txt under each corpus folder of ../shared/corpora, normalises
each file as ingest does (``textfix.normalize_text``: repair, t2s, width)
and splits it into lines = paragraphs.  Every occurrence of a term of
corpus/lexicon/userdict.txt (plain search, overlaps included) is checked
against the tokens (``segment.term_splits``):

- ``split``: the term's characters are spread over several tokens, or
  swallowed by a longer word that is not a lexicon term.  Target 0.
- ``overlap``: not whole because an overlapping lexicon term took part of
  its characters (中央八项规定精神: 中央八项规定 vs 八项规定精神); both
  cannot be tokens, and the leftmost longest one is kept.

"before" is ``build_segmenter(protect_terms=False)`` (jieba's DAG with the
lexicon frequencies only), "after" the default.  Throughput is UTF-8 MB per
CPU second of ``Segmenter.cut`` over all paragraphs, before and after
interleaved in this one run, best of ``--repeat``.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.ingest.textfix import normalize_text  # noqa: E402
from pipeline.segment import build_segmenter, parse_userdict, term_splits  # noqa: E402

LEX = ROOT / "corpus" / "lexicon"
CORPORA = ROOT.parent / "shared" / "corpora"


def _paragraphs(corpus: Path) -> list[str]:
    out = []
    for f in sorted(corpus.rglob("*.txt")):
        text = normalize_text(f.read_text(encoding="utf-8-sig", errors="replace"))
        out += [line for line in text.split("\n") if line.strip()]
    return out


def _cpu(fn) -> float:
    gc.collect()
    c0 = time.process_time()
    fn()
    return time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="also cut with pure jieba and assert identical tokens")
    ap.add_argument("--repeat", type=int, default=3, help="repeats of each throughput run (best shown)")
    ap.add_argument("-v", action="store_true", help="print each split occurrence in context")
    args = ap.parse_args()

    ud = (LEX / "userdict.txt").read_text(encoding="utf-8")
    terms = [t.word for t in parse_userdict(ud)]
    before = build_segmenter(ud, backend="rjieba", protect_terms=False)
    after = build_segmenter(ud, backend="rjieba")
    t0 = time.perf_counter()
    corpora = {d.name: _paragraphs(d) for d in sorted(CORPORA.iterdir()) if d.is_dir()}
    print(f"{len(terms)} lexicon terms; normalised {len(corpora)} corpora in {time.perf_counter() - t0:.0f} s\n")

    print(f"{'corpus':22}{'paras':>7}{'M chars':>8}{'occurrences':>12}{'split before':>13}{'split after':>12}"
          f"{'overlap after':>14}")
    totals: Counter[str] = Counter()
    examples = []
    for name, paras in corpora.items():
        row: Counter[str] = Counter()
        for text in paras:
            for seg, label in ((before, "before"), (after, "after")):
                toks = [t[0] for t in seg.cut(text)]
                for term, at, status in term_splits(text, toks, terms):
                    row[f"{label} {status}"] += 1
                    if label == "after":
                        row["occurrences"] += 1
                    if status == "split":
                        examples.append((label, name, term, text[max(0, at - 8): at + len(term) + 8],
                                         [t for t in toks if True]))
        totals.update(row)
        print(f"{name:22}{len(paras):>7}{sum(map(len, paras)) / 1e6:>8.2f}{row['occurrences']:>12}"
              f"{row['before split']:>13}{row['after split']:>12}{row['after overlap']:>14}")
    print(f"{'all':22}{sum(map(len, corpora.values())):>7}{sum(len(p) for ps in corpora.values() for p in ps) / 1e6:>8.2f}"
          f"{totals['occurrences']:>12}{totals['before split']:>13}{totals['after split']:>12}{totals['after overlap']:>14}")
    print("target: split after = 0")
    split_terms = Counter((label, term) for label, _, term, _, _ in examples)
    for label in ("before", "after"):
        top = [(t, n) for (lab, t), n in split_terms.most_common() if lab == label][:12]
        print(f"split {label}: " + (", ".join(f"{t} x{n}" for t, n in top) or "none"))
    if args.v:
        for label, name, term, ctx, _ in examples:
            print(f"  {label:6} {name:20} {term}: …{ctx}…")

    texts = [p for ps in corpora.values() for p in ps]
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    runs: dict[str, list[float]] = {"before": [], "after": []}
    for _ in range(args.repeat):  # interleaved, so load bursts hit both alike
        runs["before"].append(_cpu(lambda: [before.cut(t) for t in texts]))
        runs["after"].append(_cpu(lambda: [after.cut(t) for t in texts]))
    b, a = mb / min(runs["before"]), mb / min(runs["after"])
    print(f"\nthroughput, rjieba Segmenter.cut, {mb:.2f} MB, best of {args.repeat} (CPU time):")
    print(f"  before {b:6.2f} MB/s   after {a:6.2f} MB/s   change {a / b - 1:+.1%}")

    if args.check:
        pure = build_segmenter(ud, backend="jieba")
        same = all(pure.cut(t) == after.cut(t) for t in texts)
        print(f"\npure jieba == rjieba (token, start, end, pos), protected, all corpora: {same}")
        if not same:
            sys.exit(1)
    if totals["after split"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
