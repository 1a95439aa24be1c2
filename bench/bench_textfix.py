"""Throughput and counters of ``textfix.clean_document`` on the shared corpora.

Run: ``python bench/bench_textfix.py`` (prints one row per corpus).
"""

from __future__ import annotations

import time
from pathlib import Path

from pipeline.ingest.textfix import clean_document

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SETS = {
    "seeds": SHARED / "seeds",
    "gwr-wikisource": SHARED / "corpora/gwr-wikisource/by_year",
    "gwr-hprc": SHARED / "corpora/gwr-hprc/by_year",
    "provincial-gwr-2026": SHARED / "corpora/provincial-gwr-2026/txt",
}


def main() -> None:
    print(f"{'corpus':<22}{'files':>6}{'MB':>7}{'s':>7}{'MB/s':>7}{'paras':>8}{'artef.':>8}{'t2s':>8}{'width':>8}{'joins':>7}")
    for name, folder in SETS.items():
        files = sorted(folder.glob("*.txt"))
        if not files:
            continue
        texts = [f.read_text(encoding="utf-8-sig") for f in files]
        mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
        t0 = time.perf_counter()
        results = [clean_document(t) for t in texts]
        dt = time.perf_counter() - t0
        print(
            f"{name:<22}{len(files):>6}{mb:>7.2f}{dt:>7.2f}{mb / dt:>7.2f}"
            f"{sum(len(r.paragraphs) for r in results):>8}{sum(r.artefacts_removed for r in results):>8}"
            f"{sum(r.script_converted for r in results):>8}{sum(r.width_normalised for r in results):>8}"
            f"{sum(r.lines_reflowed for r in results):>7}"
        )


if __name__ == "__main__":
    main()
