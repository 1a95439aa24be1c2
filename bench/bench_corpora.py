"""Ingest corpora the way a new user assembles them, and check the counts are sane.

1. ``../shared/corpora`` as a whole, without a manifest: three sources, copies in
   several layouts and one compilation (``gwr-hprc/original/gov_reports1954-2022.txt``).
2. The two national sources as two ``--corpus`` folders, each with its own manifest.
3. The two national sources through ``examples/national_manifest.csv``.
4. With ``--cpc FILE``: the party-congress JSONL (``cpc_congress_reports.jsonl`` from
   ``aldohemsn/chinese-political-corpora``) dated and typed from its own fields with
   ``examples/cpc_congress_lookup.csv``.

    python bench/bench_corpora.py [--cpc path/to/cpc_congress_reports.jsonl]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import Config, run  # noqa: E402
from pipeline.records import canonical  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"


def ingest(label: str, cfg: Config) -> None:
    t = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = run(cfg, until="ingest")
    docs, dup = res.tables["documents"], res.tables["duplicates"]
    counted = canonical(docs)
    groups = dup[dup["dup_group"].str.startswith("dup-")].groupby("dup_group")["year"].nunique()
    print(f"\n== {label}: {len(docs)} documents, {len(counted)} counted, {time.perf_counter() - t:.0f} s")
    print(f"   counted by type: {counted['doc_type'].value_counts().to_dict()}; undated counted: {int(counted['year'].isna().sum())}")
    print(f"   duplicate groups: {len(groups)}, mixing years: {int((groups > 1).sum())}; "
          f"compilations: {docs.loc[docs['is_compilation'], 'doc_id'].tolist()}; "
          f"held across years: {int((dup['dup_kind'] == 'other_year').sum())}")
    print(f"   stubs: {docs.loc[docs['is_stub'], 'doc_id'].tolist()}; "
          f"documents with boilerplate moved out: {int(docs['source_meta'].str.contains('boilerplate').sum())}")
    for w in caught:
        print(f"   warning: {str(w.message)[:200]}")
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cpc", type=Path, help="cpc_congress_reports.jsonl")
    args = ap.parse_args()
    if not CORPORA.is_dir():
        sys.exit(f"Error: {CORPORA} not found; put the shared corpora beside the project.")
    tmp = Path(tempfile.mkdtemp(prefix="corpora-"))
    try:
        base = Config(root=ROOT, outputs=tmp / "out", progress=False)
        ingest("../shared/corpora as a whole", base.with_overrides({"corpus": str(CORPORA)}))
        ingest("two --corpus folders", base.with_overrides(
            {"corpus": str(CORPORA / "gwr-wikisource"), "corpora": [str(CORPORA / "gwr-hprc")]}))
        ingest("examples/national_manifest.csv", base.with_overrides(
            {"corpus": str(CORPORA), "manifest": str(ROOT / "examples" / "national_manifest.csv")}))
        if args.cpc:
            folder = tmp / "cpc"
            folder.mkdir()
            shutil.copy(args.cpc, folder / args.cpc.name)
            res = ingest("party congress JSONL, fields congress/type + lookup", base.with_overrides({
                "corpus": str(folder),
                "ingest": {"fields": {"year": "congress", "doc_type": "type",
                                      "lookup": str(ROOT / "examples" / "cpc_congress_lookup.csv")}}}))
            cols = ["doc_id", "year", "doc_type", "year_source", "year_evidence", "is_stub", "title"]
            print(res.tables["documents"][cols].to_string(index=False))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
