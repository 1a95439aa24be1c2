"""The whole pipeline on the national government work reports from both sources.

gwr-wikisource and gwr-hprc are read together through one manifest; ingest
groups each shared year into a duplicate pair and counts it once, so every
year 1954–2025 that either source has appears exactly once.  Then the
first-appearance years of the themes stage are compared with a plain
``str in text`` search over the same normalised, canonical texts.

    python bench/bench_national.py [--outputs DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import Config, load, run  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"
TERMS = ["供给侧结构性改革", "乡村振兴", "一带一路", "新质生产力", "高质量发展", "中国式现代化",
         "精准扶贫", "放管服", "互联网+", "碳达峰", "共同富裕", "新发展理念"]


def national_manifest(path: Path) -> Path:
    wiki = pd.read_csv(CORPORA / "gwr-wikisource" / "manifest.tsv", sep="\t")
    wiki = wiki[wiki["kind"] == "government_work_report"]
    hprc = pd.read_csv(CORPORA / "gwr-hprc" / "manifest.tsv", sep="\t")
    rows = [{"file": f"gwr-wikisource/{f}", "year": y} for f, y in zip(wiki["file"], wiki["year"])]
    rows += [{"file": f"gwr-hprc/{f}", "year": y} for f, y in zip(hprc["file"], hprc["year"])]
    df = pd.DataFrame(rows).assign(city="全国", doc_type="work_report", organisation="国务院")
    df.to_csv(path, index=False)
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--outputs", type=Path, default=Path(tempfile.mkdtemp(prefix="national-")))
    args = ap.parse_args()
    if not CORPORA.is_dir():
        sys.exit(f"Error: {CORPORA} not found; put the shared corpora beside the project.")
    args.outputs.mkdir(parents=True, exist_ok=True)
    manifest = national_manifest(args.outputs / "national_manifest.csv")
    t = time.perf_counter()
    res = run(Config(root=ROOT, corpus=CORPORA, manifest=manifest, outputs=args.outputs, progress=False))
    seconds = time.perf_counter() - t
    docs = res.tables["documents"]
    canon = docs[docs["is_canonical"]]
    years_both = docs.groupby("year")["doc_id"].count()
    print(f"{len(docs)} documents, {len(canon)} counted, {canon['year'].nunique()} distinct years, "
          f"{int((years_both == 2).sum())} years in both sources, {seconds:.1f} s → {args.outputs}")
    groups = res.tables["duplicates"].groupby("dup_group")["year"].agg(["nunique", "count"])
    print(f"duplicate groups: {len(groups)}, groups mixing years: {int((groups['nunique'] > 1).sum())}")
    first = load("theme_first", args.outputs)
    first = first[first["city"].fillna("") == ""].set_index("theme")
    print(f"\n{'term':12} {'plain search':>12} {'themes stage':>12}  agree")
    for term in TERMS:
        plain = sorted(int(y) for y, text in zip(canon["year"], canon["text"]) if term in text)
        theme = first["first_year"].get(term, pd.NA) if term in first.index else pd.NA
        literal = res.tables["theme_hits"]
        literal = literal[(literal["match"] == term) & literal["doc_id"].isin(canon["doc_id"])]
        lit_year = literal["year"].min() if len(literal) else None
        agree = (plain[0] if plain else None) == (None if pd.isna(lit_year) else int(lit_year))
        print(f"{term:12} {plain[0] if plain else '-':>12} {'' if pd.isna(theme) else int(theme):>12}  {'yes' if agree else 'NO'}"
              + ("" if pd.isna(theme) or not plain or int(theme) == plain[0] else "  (theme first year from an alias)"))
        if not agree:  # show the first plain hit so a reader can judge (an exclusion at work?)
            text = canon.loc[canon["year"] == plain[0], "text"].iloc[0]
            i = text.find(term)
            print(f"{'':12} first plain hit ({plain[0]}): …{text[max(0, i - 12):i + len(term) + 12]}…")
    print(f"\ntrend figure: {args.outputs / 'figures' / 'theme_trends.png'}")


if __name__ == "__main__":
    main()
