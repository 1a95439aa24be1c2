"""Segmentation throughput: pure jieba vs the rjieba backend, with the lexicon.

    python bench/bench_segment.py            # MB/s per core, both backends, + parallel speedup
    python bench/bench_segment.py --check    # also assert token identity over all corpora
    python bench/bench_segment.py --suggest  # top 50 lexicon suggestions on the sample corpus

Reads every *.txt under ../shared/corpora (split into lines = paragraphs).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.segment import build_segmenter, cut_texts, parse_stopwords  # noqa: E402

LEX = ROOT / "corpus" / "lexicon"
CORPORA = ROOT.parent / "shared" / "corpora"


def _texts() -> list[str]:
    files = sorted(CORPORA.rglob("*.txt"))
    return [line for f in files for line in f.read_text(encoding="utf-8-sig", errors="replace").split("\n") if line.strip()]


def _time(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bench(check: bool) -> None:
    ud = (LEX / "userdict.txt").read_text(encoding="utf-8")
    texts = _texts()
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    print(f"corpus: {len(texts)} paragraphs, {mb:.2f} MB UTF-8, {sum(map(len, texts)) / 1e6:.2f} M chars; cores: {os.cpu_count()}")
    print(f"{'backend':8} {'pos':>4} {'hmm':>4} {'build s':>8} {'sec':>7} {'MB/s/core':>10}")
    speed, results = {}, {}
    for pos in (True, False):
        for backend in ("jieba", "rjieba"):
            t0 = time.perf_counter()
            seg = build_segmenter(ud, backend=backend, hmm=True, pos=pos)
            build = time.perf_counter() - t0
            out = []
            dt = _time(lambda: out.extend(seg.cut(t) for t in texts))
            speed[(backend, pos)] = mb / dt
            results[(backend, pos)] = out
            print(f"{backend:8} {pos!s:>4} {'True':>4} {build:8.2f} {dt:7.2f} {mb / dt:10.2f}")
        print(f"  rjieba / jieba speed-up (pos={pos}): {speed[('rjieba', pos)] / speed[('jieba', pos)]:.1f}x")
        if check:
            same = results[("jieba", pos)] == results[("rjieba", pos)]
            print(f"  token-identical over all corpora (pos={pos}): {same}")
    seg = build_segmenter(ud, backend="rjieba")
    serial = _time(lambda: cut_texts(texts, segmenter=seg, workers=1))
    for w in sorted({2, os.cpu_count() or 1}):
        par = _time(lambda: cut_texts(texts, segmenter=seg, workers=w))
        print(f"rjieba workers={w}: {mb / par:.2f} MB/s total, speed-up {serial / par:.2f}x over serial (incl. pool start)")


def suggest() -> None:
    from pipeline.phrases import suggest_phrases

    seg = build_segmenter((LEX / "userdict.txt").read_text(encoding="utf-8"), backend="auto")
    stop = parse_stopwords((LEX / "stopwords_general.txt").read_text(encoding="utf-8"))
    rows = [
        (p.stem, f"{p.stem}:p{i:04d}", line)
        for p in sorted((ROOT / "corpus" / "raw").glob("*.txt"))
        for i, line in enumerate(p.read_text(encoding="utf-8").split("\n"))
        if line.strip()
    ]
    paras = pd.DataFrame(rows, columns=["doc_id", "para_id", "text"])
    out = suggest_phrases(paras, segmenter=seg, known_terms=frozenset(t.word for t in seg.terms), top_n=50, stopwords=stop)
    pd.set_option("display.width", 200)
    print(out[["term", "count", "pmi", "left_entropy", "right_entropy", "score", "parts"]].round(2).to_string())


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--suggest", action="store_true", help="print the top 50 lexicon suggestions on the sample corpus")
    ap.add_argument("--check", action="store_true", help="assert rjieba == jieba over all corpora")
    args = ap.parse_args()
    suggest() if args.suggest else bench(args.check)
