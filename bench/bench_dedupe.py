"""Benchmark of duplicate detection on the two national-report corpora.

Run: ``python bench/bench_dedupe.py`` from the repo root.  Reads
``../shared/corpora/gwr-wikisource`` and ``gwr-hprc`` (the same reports from
two independent sources), normalises them lightly (whitespace, full-width
digits, OpenCC t2s for the Traditional 1954 text) and prints: pairs found,
missed years, false groups (groups mixing two years), the internal repeat of
hprc 1959, the similarity range of true pairs and the time per step.
"""

from __future__ import annotations

import re
import sys
import time
import unicodedata
import warnings
from pathlib import Path

import opencc
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from pipeline.ingest.dedupe import find_duplicates, find_internal_repeats  # noqa: E402

SHARED = ROOT.parent / "shared" / "corpora"
_DIGITS = re.compile(r"[０-９]")


def light_normalise(text: str, converter: opencc.OpenCC) -> str:
    """Stand-in for the real normaliser: t2s, half-width digits, no line breaks inside paragraphs."""
    text = _DIGITS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text.lstrip("\ufeff"))
    return converter.convert(text)


def load(shared: Path = SHARED) -> pd.DataFrame:
    conv = opencc.OpenCC("t2s")
    rows = []
    for source in ("gwr-wikisource", "gwr-hprc"):
        manifest = pd.read_csv(shared / source / "manifest.tsv", sep="\t")
        for file, year in zip(manifest["file"], manifest["year"], strict=True):
            if not str(file).startswith("by_year/"):
                continue
            text = (shared / source / file).read_text(encoding="utf-8")
            rows.append(
                {
                    "doc_id": f"{source}:{int(year)}",
                    "source": source,
                    "year": int(year),
                    "text": light_normalise(text, conv),
                }
            )
    return pd.DataFrame(rows)


def score(docs: pd.DataFrame, out: pd.DataFrame) -> dict[str, object]:
    m = docs.merge(out, on="doc_id")
    years = m.groupby("source")["year"].apply(set)
    shared_years = sorted(years["gwr-wikisource"] & years["gwr-hprc"])
    found, missed = [], []
    for y in shared_years:
        g = m.loc[m["year"] == y, "dup_group"]
        (found if g.notna().all() and g.nunique() == 1 else missed).append(y)
    grouped = m[m["dup_group"].notna()]
    false_groups = sorted(
        g for g, yrs in grouped.groupby("dup_group")["year"].nunique().items() if yrs > 1
    )
    near = m[m["dup_group"].notna() & ~m["is_canonical"].astype(bool)]
    return {
        "shared_years": len(shared_years),
        "pairs_found": len(found),
        "missed": missed,
        "false_groups": false_groups,
        "unexpected_grouped": sorted(set(grouped["year"]) - set(shared_years)),
        "similarity_min": round(float(near["similarity"].min()), 3),
        "containment_min": round(float(near["containment"].min()), 3),
    }


def main() -> None:
    if not SHARED.exists():
        print(f"{SHARED} not found; nothing to measure.")
        return
    t0 = time.perf_counter()
    docs = load()
    t1 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = find_duplicates(docs[["doc_id", "text", "year"]])
    t2 = time.perf_counter()
    res = score(docs, out)
    hprc1959 = docs.loc[docs["doc_id"] == "gwr-hprc:1959", "text"].iloc[0]
    t3 = time.perf_counter()
    spans = find_internal_repeats(hprc1959)
    t4 = time.perf_counter()
    chars = docs["text"].str.len().sum()
    print(f"{'measure':<34}value")
    print(f"{'documents':<34}{len(docs)} ({chars / 1e6:.2f} M chars)")
    print(f"{'years in both sources':<34}{res['shared_years']}")
    print(f"{'pairs found (same group)':<34}{res['pairs_found']}")
    print(f"{'missed years':<34}{res['missed']}")
    print(f"{'false groups (mixing years)':<34}{res['false_groups']}")
    print(f"{'grouped years in one source only':<34}{res['unexpected_grouped']}")
    print(f"{'min Jaccard to canonical':<34}{res['similarity_min']}")
    print(f"{'min containment to canonical':<34}{res['containment_min']}")
    print(
        f"{'hprc 1959 internal repeat spans':<34}{[(s, e, src) for s, e, src in spans]} of {len(hprc1959)} chars"
    )
    print(
        f"{'hprc 1959 internal_repeat share':<34}{out.loc[out['doc_id'] == 'gwr-hprc:1959', 'internal_repeat'].iloc[0]:.3f}"
    )
    print(f"{'warnings':<34}{len(caught)}")
    print(f"{'time: load + normalise':<34}{t1 - t0:.2f} s")
    print(f"{'time: find_duplicates':<34}{t2 - t1:.2f} s ({chars / 1e6 / (t2 - t1):.2f} M chars/s)")
    print(f"{'time: find_internal_repeats 1959':<34}{t4 - t3:.3f} s")


if __name__ == "__main__":
    main()
