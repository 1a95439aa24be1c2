"""Ingest over every file of ../shared/corpora: no crash, every document dated,
no Han character changed except by the documented normalisations, throughput.

"Changed" is checked per document: the Han characters of the output must be a
subsequence of the Han characters of the decoded input after OpenCC t2s, i.e.
ingest may delete (artefacts, repeats) but never substitute a Han character.
Mojibake repair is the one documented substitution; no shared corpus has any,
so every substitution found here is a bug.

    python bench/bench_ingest.py
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import opencc
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import io  # noqa: E402
from pipeline.errors import SourceError  # noqa: E402
from pipeline.ingest import ingest_file  # noqa: E402
from pipeline.ingest.readers import SUPPORTED_SUFFIXES, read_source  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"
HAN = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ffff]")
T2S = opencc.OpenCC("t2s")

SETS = [
    ("gwr-wikisource (manifest)", CORPORA / "gwr-wikisource", None),
    ("gwr-wikisource npc_resolutions", CORPORA / "gwr-wikisource" / "npc_resolutions", None),
    ("gwr-wikisource original jsonl", CORPORA / "gwr-wikisource" / "original", None),
    ("gwr-hprc (manifest)", CORPORA / "gwr-hprc", None),
    ("gwr-hprc original", CORPORA / "gwr-hprc" / "original", None),
    ("provincial txt (manifest)", CORPORA / "provincial-gwr-2026", None),
    ("provincial original csv", CORPORA / "provincial-gwr-2026" / "original", None),
]


def han_subsequence(out: str, src: str) -> tuple[bool, int]:
    """Is the Han sequence of ``out`` a subsequence of ``src``'s? Returns (ok, deleted)."""
    a, b = HAN.findall(out), HAN.findall(src)
    i = 0
    for ch in b:
        if i < len(a) and a[i] == ch:
            i += 1
    return i == len(a), len(b) - len(a)


def main() -> None:
    if not CORPORA.is_dir():
        sys.exit(f"Error: {CORPORA} not found; put the shared corpora beside the project.")
    print(f"{'corpus':34} {'files':>5} {'docs':>5} {'skip':>4} {'undated':>7} {'subst':>5} {'MB':>6} {'s':>6} {'MB/s':>6}")
    total_mb = total_s = 0.0
    for label, folder, manifest in SETS:
        sources = io.list_sources(folder, manifest, SUPPORTED_SUFFIXES)
        docs = skipped = undated = subst = 0
        mb = 0.0
        t = time.perf_counter()
        bad = []
        for src in sources:
            data = io.read_bytes(src.path)
            mb += len(data) / 1e6
            try:
                f = ingest_file(src.rel, data, dict(src.hints), doc_prefix=src.doc_prefix)
            except SourceError as exc:
                skipped += 1
                bad.append(f"  skipped {src.rel}: {exc.reason}")
                continue
            docs += len(f["documents"])
            undated += int(f["documents"]["year"].isna().sum())
            raws = {r.source_row: r.text for r in read_source(src.rel, data)}
            for row in f["documents"].itertuples():
                key = None if row.source_row is None or row.source_row is pd.NA else int(row.source_row)
                ok, _ = han_subsequence(row.text, T2S.convert(raws[key]))
                if not ok:
                    subst += 1
                    bad.append(f"  Han substitution in {row.doc_id}")
        s = time.perf_counter() - t
        total_mb += mb
        total_s += s
        print(f"{label:34} {len(sources):5d} {docs:5d} {skipped:4d} {undated:7d} {subst:5d} {mb:6.2f} {s:6.1f} {mb / s:6.2f}")
        for line in bad[:10]:
            print(line)
    print(f"{'all':34} {'':5} {'':5} {'':4} {'':7} {'':5} {total_mb:6.2f} {total_s:6.1f} {total_mb / total_s:6.2f}")


if __name__ == "__main__":
    main()
