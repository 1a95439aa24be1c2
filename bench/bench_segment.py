"""Segmentation throughput: pure jieba vs the rjieba backend, with the lexicon.

    python bench/bench_segment.py              # MB/s per core, both backends, + 2-worker speed-up
    python bench/bench_segment.py --check      # also assert token identity over all corpora
    python bench/bench_segment.py --repeat 7   # more repeats of the fast runs (default 5)
    python bench/bench_segment.py --suggest    # top 50 lexicon suggestions on the sample corpus

Reads every *.txt under ../shared/corpora (split into lines = paragraphs,
one document per file).  MB = UTF-8 bytes of the paragraph text.

"MB/s per core" is bytes / CPU seconds of this process (time.process_time):
the machine is shared, and CPU time is far less disturbed by other
processes than wall time.  Fast runs are repeated and the best and the
median are shown; pure jieba (~10-20x slower) runs once.  The parallel
speed-up is wall time, serial / 2 workers, pool start included; the load
average printed alongside says how busy the machine was.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import segment  # noqa: E402
from pipeline.segment import build_segmenter, parse_stopwords, segment_docs  # noqa: E402

LEX = ROOT / "corpus" / "lexicon"
CORPORA = ROOT.parent / "shared" / "corpora"


def _paragraphs() -> pd.DataFrame:
    rows = []
    for f in sorted(CORPORA.rglob("*.txt")):
        doc = str(f.relative_to(CORPORA))
        lines = f.read_text(encoding="utf-8-sig", errors="replace").split("\n")
        rows += [(doc, f"{doc}:p{i:05d}", line) for i, line in enumerate(lines) if line.strip()]
    return pd.DataFrame(rows, columns=["doc_id", "para_id", "text"])


def _run(fn) -> tuple[float, float]:
    """CPU seconds and wall seconds of one call (garbage collected first)."""
    gc.collect()
    c0, w0 = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - c0, time.perf_counter() - w0


def _load() -> str:
    return "load avg " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def bench(check: bool, repeat: int) -> None:
    ud = (LEX / "userdict.txt").read_text(encoding="utf-8")
    stop = frozenset().union(*(parse_stopwords(p.read_text(encoding="utf-8")) for p in sorted(LEX.glob("stopwords*.txt"))))
    paras = _paragraphs()
    texts = paras["text"].tolist()
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    print(f"corpus: {len(texts)} paragraphs in {paras['doc_id'].nunique()} files, {mb:.2f} MB UTF-8, "
          f"{sum(map(len, texts)) / 1e6:.2f} M chars; {os.cpu_count()} cores; {_load()}")

    segs = {}
    for backend in ("jieba", "rjieba"):
        for pos in (True, False):
            t0 = time.perf_counter()
            segs[(backend, pos)] = build_segmenter(ud, backend=backend, hmm=True, pos=pos)
            print(f"build {backend:6} pos={pos!s:5}: {time.perf_counter() - t0:.2f} s")
    fast, fast_nopos = segs[("rjieba", True)], segs[("rjieba", False)]
    raw = fast._rj  # jieba-rs with the lexicon loaded: what the backend cannot beat

    cases = {
        "rjieba Jieba.cut alone (bound)": lambda: [raw.cut(t, True) for t in texts],
        "rjieba Segmenter.cut, pos": lambda: [fast.cut(t) for t in texts],
        "rjieba Segmenter.cut, no pos": lambda: [fast_nopos.cut(t) for t in texts],
        "rjieba segment_docs, pos": lambda: segment_docs(paras, segmenter=fast, stopwords=stop, workers=1),
    }
    cpu: dict[str, list[float]] = {name: [] for name in cases}
    wall: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeat):  # interleaved, so a burst of load hits every case alike
        for name, fn in cases.items():
            c, w = _run(fn)
            cpu[name].append(c)
            wall[name].append(w)
    jieba_out: list = []
    c, w = _run(lambda: jieba_out.extend(segs[("jieba", True)].cut(t) for t in texts))
    cpu["jieba Segmenter.cut, pos (pure jieba)"], wall["jieba Segmenter.cut, pos (pure jieba)"] = [c], [w]
    base = mb / c
    # jieba's own lcut, words only: the pure-Python library as shipped.
    tok = segs[("jieba", True)]._tok
    c, w = _run(lambda: [tok.lcut(t, HMM=True) for t in texts])
    cpu["jieba Tokenizer.lcut alone"], wall["jieba Tokenizer.lcut alone"] = [c], [w]

    print(f"\nsingle process, best / median of {repeat} ({_load()})")
    print(f"{'case':40} {'MB/s/core best':>14} {'median':>7} {'wall MB/s':>9} {'x jieba':>8}")
    for name in cpu:
        best = mb / min(cpu[name])
        print(f"{name:40} {best:14.2f} {mb / statistics.median(cpu[name]):7.2f} {mb / min(wall[name]):9.2f} {best / base:8.1f}")
    print("x jieba = MB/s per core over pure jieba's Segmenter.cut (same interface, same output)")
    print("target: rjieba >= 10 MB/s per core and >= 12x pure jieba, lexicon loaded")

    # Parallel: wall time, pool start included, serial and 2 workers interleaved.
    workers = 2
    used = sum(map(len, texts)) >= segment.PARALLEL_MIN_CHARS["rjieba"]
    ser, par = [], []
    for _ in range(max(2, repeat // 2)):
        ser.append(_run(lambda: segment_docs(paras, segmenter=fast, stopwords=stop, workers=1))[1])
        par.append(_run(lambda: segment_docs(paras, segmenter=fast, stopwords=stop, workers=workers))[1])
    print(f"\nsegment_docs rjieba, wall, best of {len(ser)} ({_load()}; pool used: {used})")
    print(f"  serial     {mb / min(ser):6.2f} MB/s")
    print(f"  workers={workers}  {mb / min(par):6.2f} MB/s   speed-up {min(ser) / min(par):.2f}x (median {statistics.median(ser) / statistics.median(par):.2f}x)")
    # Fixed cost of the pool, which sets PARALLEL_MIN_CHARS: a small input, pool forced.
    small = paras.iloc[: max(2, int((paras["text"].str.len().cumsum() < 400_000).sum()))]
    saved = dict(segment.PARALLEL_MIN_CHARS)
    try:
        segment.PARALLEL_MIN_CHARS.update(rjieba=0)
        s1 = min(_run(lambda: segment_docs(small, segmenter=fast, stopwords=stop, workers=1))[1] for _ in range(3))
        s2 = min(_run(lambda: segment_docs(small, segmenter=fast, stopwords=stop, workers=workers))[1] for _ in range(3))
    finally:
        segment.PARALLEL_MIN_CHARS.update(saved)
    print(f"  pool forced on {small['text'].str.len().sum() / 1e6:.2f} M chars: serial {s1:.3f} s, workers={workers} {s2:.3f} s "
          f"(threshold PARALLEL_MIN_CHARS={saved})")

    if check:
        fast_out = [fast.cut(t) for t in texts]
        same = fast_out == jieba_out
        print(f"\ntoken-identical (token, start, end, pos) rjieba == jieba over all corpora: {same}")
        if not same:
            bad = [t for t, a, b in zip(texts, fast_out, jieba_out) if a != b]
            print(f"  {len(bad)} paragraphs differ, first: {bad[0][:80]!r}")
        a = segment_docs(paras, segmenter=fast, stopwords=stop, workers=1)
        segment.PARALLEL_MIN_CHARS.update(rjieba=0)
        try:
            b = segment_docs(paras, segmenter=fast, stopwords=stop, workers=workers)
        finally:
            segment.PARALLEL_MIN_CHARS.update(saved)
        print(f"segment_docs workers={workers} == serial over all corpora: {a.equals(b)}")
        if not (same and a.equals(b)):
            sys.exit(1)


def suggest() -> None:
    """Top 50 of `python -m pipeline lexicon suggest` on the sample corpus (ingested, all stopword lists)."""
    import tempfile

    from pipeline import Config, io, run
    from pipeline.phrases import suggest_phrases

    seg = build_segmenter((LEX / "userdict.txt").read_text(encoding="utf-8"), backend="auto")
    stop = io.load_stopwords(LEX)
    paras = run(Config(root=ROOT, outputs=Path(tempfile.mkdtemp()), progress=False), until="ingest").tables["paragraphs"]
    out = suggest_phrases(paras, segmenter=seg, known_terms=frozenset(t.word for t in seg.terms), top_n=50, stopwords=stop)
    pd.set_option("display.width", 200)
    print(out[["term", "count", "pmi", "left_entropy", "right_entropy", "score", "parts"]].round(2).to_string())


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--suggest", action="store_true", help="print the top 50 lexicon suggestions on the sample corpus")
    ap.add_argument("--check", action="store_true", help="assert rjieba == jieba and parallel == serial over all corpora")
    ap.add_argument("--repeat", type=int, default=5, help="repeats of each fast run (best and median shown)")
    args = ap.parse_args()
    suggest() if args.suggest else bench(args.check, args.repeat)
