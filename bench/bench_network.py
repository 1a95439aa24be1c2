"""The network stage on the real corpora and on a ~100 MB corpus's token table (issue 12).

For each corpus in ``../shared/corpora`` (and the sample in ``corpus/``)
the chain runs once up to ``segment`` (cached in the work folder); then
the network stage runs at the default settings in a *fresh child process*
that reads the tables from Parquet, so its wall time and peak RSS
(``VmHWM``) are the stage's own plus its input tables.  The child
prints the RSS after loading the inputs too, so the stage's increment can be
read off.

The 100 MB case: the national and provincial token, sentence and document
tables are repeated (each copy's documents get seeded random years
1954–2025 and new ids) until the paragraph text behind the tokens reaches
``--mb`` MB of UTF-8 — the token table of a corpus the size of the scale
issue's largest.  String columns are read as dictionaries (pandas
categoricals), the way a large token table should be held.

Reports per corpus: windows, periods, density and mean degree of the
``all`` network and the worst period, wall and CPU seconds (CPU time is
less disturbed by other jobs on a shared machine; the 1-minute load
average is printed beside it) and peak RSS.

    python bench/bench_network.py [--mb 100] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPORA = ROOT.parent / "shared" / "corpora"
REAL = ("gwr-wikisource", "gwr-hprc", "provincial-gwr-2026")
TOKEN_COLS = ["doc_id", "para_id", "token_index", "token", "start", "pos", "keep"]


def prepare(work: Path) -> dict[str, Path]:
    """Run each corpus up to segment (cached) and return its tables folder."""
    from pipeline import Config, run

    folders = {}
    for name in REAL:
        man = pd.read_csv(CORPORA / name / "manifest.tsv", sep="\t")
        if "kind" in man.columns:  # wikisource also holds NPC resolutions; the reports are the corpus
            man = man[man["kind"] == "government_work_report"]
        path = work / f"{name}_manifest.csv"
        man.to_csv(path, index=False)
        run(Config(root=ROOT, corpus=CORPORA / name, manifest=path, outputs=work / name, progress=False),
            until="segment")
        folders[name] = work / name / "tables"
    run(Config(root=ROOT, outputs=work / "sample", progress=False), until="segment")
    folders["sample"] = work / "sample" / "tables"
    return folders


def build_big(folders: dict[str, Path], out: Path, mb: float, seed: int = 12) -> Path:
    """Repeat the real tables until the paragraph text behind them reaches ``mb`` MB."""
    out.mkdir(parents=True, exist_ok=True)
    if (out / "done.json").is_file() and json.loads((out / "done.json").read_text())["mb"] == mb:
        return out
    rng = np.random.default_rng(seed)
    base = []
    for name in REAL:
        f = folders[name]
        paras = pd.read_parquet(f / "paragraphs.parquet", columns=["text"])
        base.append((pd.read_parquet(f / "tokens.parquet", columns=TOKEN_COLS),
                     pd.read_parquet(f / "sentences.parquet", columns=["doc_id", "para_id", "sent_id", "start"]),
                     pd.read_parquet(f / "documents.parquet", columns=["doc_id", "year", "is_canonical"]),
                     int(paras["text"].str.encode("utf-8").str.len().sum())))
    writers: dict[str, pq.ParquetWriter] = {}

    def write(table: str, df: pd.DataFrame) -> None:
        t = pa.Table.from_pandas(df, preserve_index=False)
        if table not in writers:
            writers[table] = pq.ParquetWriter(out / f"{table}.parquet", t.schema)
        writers[table].write_table(t.cast(writers[table].schema))

    total, copy = 0, 0
    while total < mb * 1e6:
        for tok, sents, docs, nbytes in base:
            tag = f"~{copy:03d}"
            write("tokens", tok.assign(doc_id=tok["doc_id"] + tag, para_id=tok["para_id"] + tag))
            write("sentences", sents.assign(doc_id=sents["doc_id"] + tag, para_id=sents["para_id"] + tag))
            write("documents", docs.assign(doc_id=docs["doc_id"] + tag,
                                           year=rng.integers(1954, 2026, len(docs)), is_canonical=True))
            total += nbytes
        copy += 1
    for w in writers.values():
        w.close()
    (out / "done.json").write_text(json.dumps({"mb": mb, "text_bytes": total, "copies": copy}))
    return out


def child(folder: Path) -> None:
    """Load one corpus's tables, run the network stage at the defaults, print JSON."""
    from pipeline import stages
    from pipeline.config import Config
    from pipeline.io import read_lexicon

    cfg = Config(root=ROOT)
    strings = ["doc_id", "para_id", "token", "pos"]
    tokens = pq.read_table(folder / "tokens.parquet", columns=TOKEN_COLS, read_dictionary=strings).to_pandas(
        self_destruct=True, split_blocks=True)  # frees each Arrow column as it is converted: a lower loading peak
    sents = pq.read_table(folder / "sentences.parquet", columns=["para_id", "start"],
                          read_dictionary=["para_id"]).to_pandas()
    docs = pd.read_parquet(folder / "documents.parquet", columns=["doc_id", "year", "is_canonical"])
    stage = next(s for s in stages.PIPELINE if s.name == "network")
    lexicon = {lx.arg: lx.parse(read_lexicon(cfg.path(cfg.lexicon), lx.pattern)) for lx in stage.lexicon}
    rss_in, rss_loaded = _peak_mb(), _peak_mb("VmRSS")
    t, cpu = time.perf_counter(), time.process_time()
    out = stage.func(tokens, docs, sents, **lexicon, **vars(cfg.network))
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    per = out["network_periods"]
    allp = per[per["period"] == "all"].iloc[0]
    print(json.dumps({
        "tokens": len(tokens), "windows": int(allp["windows"]), "periods": len(per) - 1,
        "all_nodes": int(allp["nodes"]), "all_density": round(float(allp["density"]), 3),
        "all_mean_degree": round(float(allp["mean_degree"]), 2),
        "max_density": round(float(per.loc[per["nodes"] >= 20, "density"].max()), 3),
        "max_mean_degree": round(float(per["mean_degree"].max()), 2),
        "communities_all": int(allp["communities"]), "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2),
        "load_avg": round(os.getloadavg()[0], 1),
        "rss_inputs_mb": round(rss_in), "rss_loaded_mb": round(rss_loaded), "peak_rss_mb": round(_peak_mb()),
    }))


def _peak_mb(field: str = "VmHWM") -> float:
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork + exec,
    # so a child of a big parent would report the parent's peak.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=100.0, help="text behind the large token table, in MB")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "cppcc-bench-network")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child)
        return
    if not CORPORA.is_dir():
        sys.exit(f"Error: {CORPORA} not found; put the shared corpora beside the project.")
    args.work.mkdir(parents=True, exist_ok=True)
    folders = prepare(args.work)
    folders[f"{args.mb:g} MB (repeated national + provincial)"] = build_big(folders, args.work / "big", args.mb)
    rows = []
    for name, folder in folders.items():
        res = subprocess.run([sys.executable, __file__, "--child", str(folder)], capture_output=True, text=True,
                             cwd=ROOT, timeout=900)
        if res.returncode:
            sys.exit(f"Error: the network stage failed on {name}:\n{res.stderr[-2000:]}")
        rows.append({"corpus": name, **json.loads(res.stdout.strip().splitlines()[-1])})
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    table = pd.DataFrame(rows)
    print()
    print(table.to_markdown(index=False) if _has_tabulate() else table.to_string(index=False))
    print("\ntarget for the 100 MB table: < 10 s and < 1024 MB peak RSS; density ≤ 0.1, mean degree ≤ 10")


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
