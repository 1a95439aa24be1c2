"""Topics (issue 11): coherence against LDA, stability over seeds, time and memory.

In one run, side by side:

* **national**: ``../shared/corpora/gwr-wikisource`` with the NPC resolutions
  (``doc_type == "resolution"``) left out, and **sample**: ``corpus/``.
  Each is ingested and segmented by the pipeline (cached in ``--outputs``),
  then ``topics.fit_topics`` runs with the default config.  Reported: the
  chosen k, mean NPMI coherence of the top 10 terms (paragraph
  co-occurrence, same units and vocabulary) for our topics and for
  scikit-learn's ``LatentDirichletAllocation`` with the same k and seed, the
  mean ARI of seeds 43–46 against seed 42, wall time, and the labels.
  Target: ours ≥ LDA + 0.05; ARI ≥ 0.8 on the national corpus.
* **memory**: token tables of about 10 and 100 MB of text, made in memory by
  repeating the national tokens under new paragraph and document ids (so
  their vocabulary is real), each in a child process; RSS of the
  child before ``fit_topics`` and its peak during the stage (``VmHWM``, reset
  through ``/proc/self/clear_refs`` just before).  Target ≤ 500 MB
  for the stage at 100 MB.

Figures of the national and sample runs (topic-year shares, k curve, CA map)
are written to ``--outputs/figures_<corpus>/`` for inspection.

    python bench/bench_topics.py [--outputs DIR] [--sizes 10,100] [--no-memory]
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import Config, io, run, topic_plots  # noqa: E402
from pipeline import topics as T  # noqa: E402
from pipeline.plotting import figure_bytes  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"
CHARS_PER_MB = 1_000_000 / 3  # UTF-8 Chinese: three bytes a character


def segmented(name: str, corpus: Path, outputs: Path) -> dict[str, pd.DataFrame]:
    res = run(Config(root=ROOT, corpus=corpus, outputs=outputs / name, progress=False), until="segment")
    return {k: res.tables[k] for k in ("tokens", "documents", "paragraphs")}


def lda_npmi(tables: dict, k: int, seed: int, cfg) -> float:
    """Mean NPMI of LDA's top 10 terms, on the same units and vocabulary as ours."""
    from sklearn.decomposition import LatentDirichletAllocation

    counts, _, terms, _, _ = T._count_matrix(tables["tokens"], tables["documents"], tables["paragraphs"], cfg.unit)
    counts = counts[np.asarray(counts.sum(axis=1)).ravel() >= cfg.min_unit_tokens]
    counts, terms = T._prune(counts, terms, min_df=cfg.min_df, max_df=cfg.max_df, max_terms=cfg.max_terms)
    counts = counts[counts.getnnz(axis=1) > 0]
    lda = LatentDirichletAllocation(n_components=k, random_state=seed, learning_method="batch", max_iter=30)
    lda.fit(counts)
    top = [np.argsort(-row, kind="stable")[: T.COHERENCE_TERMS] for row in lda.components_]
    return float(np.mean(T.npmi_coherence(counts, top))), [" ".join(terms[t[:5]]) for t in top]


def topic_run(name: str, tables: dict, outputs: Path) -> dict:
    cfg = Config().topics
    t = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = T.fit_topics(tables["tokens"], tables["documents"], tables["paragraphs"],
                           **{f: getattr(cfg, f) for f in cfg.__dataclass_fields__})
    seconds = time.perf_counter() - t
    topics = out["topics"]
    k = len(topics)
    lda, lda_terms = lda_npmi(tables, k, cfg.seed, cfg)
    summary = out["topic_summary"].set_index("item")["value"]
    figs = outputs / f"figures_{name}"
    for fig_name, fig in {"topic_trends": topic_plots.plot_topic_trends(topics, out["topic_trends"], out["topic_eras"]),
                          "topic_k": topic_plots.plot_topic_k(out["topic_k"]),
                          "topic_ca": topic_plots.plot_ca(out["topic_ca"], topics)}.items():
        if fig is not None:
            io.write_bytes(figs / f"{fig_name}.png", figure_bytes(fig, "png"))
    for table in ("topics", "topic_evidence", "topic_eras", "topic_k", "topic_stability"):
        out[table].to_csv(figs / f"{table}.csv", index=False)
    return {"corpus": name, "units": int(summary["units_clustered"]), "short": int(summary["units_short"]),
            "k": k, "ours": float(topics["coherence"].mean()), "lda": lda, "ari": float(summary["mean_ari"]),
            "stable": f"{int(topics['stable'].sum())}/{k}", "seconds": seconds,
            "labels": topics[["topic_id", "label", "n_units", "share", "stable", "similar_to"]],
            "eras": out["topic_eras"][out["topic_eras"]["dominant"]][["era", "label", "share"]],
            "k_curve": out["topic_k"], "lda_terms": lda_terms, "warnings": [str(w.message) for w in caught]}


def scaled_tokens(tokens: pd.DataFrame, paragraphs: pd.DataFrame, mb: float):
    """Repeat kept tokens under new ids until they stand for about ``mb`` MB of text."""
    kept = tokens.loc[tokens["keep"].astype(bool), ["doc_id", "para_id", "token", "keep"]]
    paras = paragraphs[["doc_id", "para_id", "para_index", "text", "n_chars", "is_heading"]]
    reps = max(1, round(mb * CHARS_PER_MB / max(int(paragraphs["n_chars"].sum()), 1)))
    tok = pd.concat([kept.assign(doc_id=kept["doc_id"] + f"~{r}", para_id=kept["para_id"] + f"~{r}")
                     for r in range(reps)], ignore_index=True)
    par = pd.concat([paras.assign(doc_id=paras["doc_id"] + f"~{r}", para_id=paras["para_id"] + f"~{r}")
                     for r in range(reps)], ignore_index=True)
    return tok, par, reps


def _status(field: str) -> float:
    """A memory figure of this process from /proc/self/status, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status (Linux only)")


def memory_child(outputs: Path, mb: float) -> None:
    """In a child process: build the token table, then run the stage; print RSS before and after (JSON)."""
    tables = segmented("national", CORPORA / "gwr-wikisource", outputs)
    docs = tables["documents"]
    docs = docs[docs["doc_type"] != "resolution"]
    tok, par, reps = scaled_tokens(tables["tokens"], tables["paragraphs"], mb)
    docs = pd.concat([docs.assign(doc_id=docs["doc_id"] + f"~{r}") for r in range(reps)], ignore_index=True)
    del tables
    gc.collect()
    before = _status("VmRSS")
    # Reset the peak (VmHWM) so building the table does not count as the stage's peak.
    Path("/proc/self/clear_refs").write_text("5")
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = T.fit_topics(tok, docs, par)
    seconds = time.perf_counter() - t
    after = _status("VmHWM")
    print(json.dumps({"mb": mb, "reps": reps, "tokens": len(tok), "units": int(len(out["topic_assignments"])),
                      "rss_before": round(before), "rss_peak": round(after), "seconds": round(seconds, 1),
                      "k": len(out["topics"])}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--outputs", type=Path, default=Path("/tmp/bench-topics"))
    ap.add_argument("--sizes", default="10,100", help="memory check sizes in MB of text")
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--child", type=float, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if not CORPORA.is_dir():
        sys.exit(f"Error: {CORPORA} not found; put the shared corpora beside the project.")
    if args.child:
        memory_child(args.outputs, args.child)
        return
    pd.set_option("display.width", 200)
    rows = []
    national = segmented("national", CORPORA / "gwr-wikisource", args.outputs)
    national["documents"] = national["documents"][national["documents"]["doc_type"] != "resolution"]
    rows.append(topic_run("national", national, args.outputs))
    rows.append(topic_run("sample", segmented("sample", ROOT / "corpus", args.outputs), args.outputs))
    print("\n| corpus | units (short skipped) | k | NPMI ours | NPMI LDA | ours − LDA | ARI 5 seeds | stable | s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['corpus']} | {r['units']} ({r['short']}) | {r['k']} | {r['ours']:.3f} | {r['lda']:.3f} | "
              f"{r['ours'] - r['lda']:+.3f} | {r['ari']:.2f} | {r['stable']} | {r['seconds']:.0f} |")
    for r in rows:
        print(f"\n## {r['corpus']}\n{r['labels'].to_string(index=False)}\n\ndominant per era:\n"
              f"{r['eras'].to_string(index=False)}\n\nk curve:\n{r['k_curve'].to_string(index=False)}\n"
              f"LDA top terms: {' | '.join(r['lda_terms'])}\nwarnings: {r['warnings']}")
    print(f"\nfigures and tables: {args.outputs}/figures_national, {args.outputs}/figures_sample")
    if args.no_memory:
        return
    print("\n| text MB | tokens | units | k | RSS before stage MB | peak RSS MB | stage Δ MB | s |")
    print("|---|---|---|---|---|---|---|---|")
    for mb in (float(s) for s in args.sizes.split(",")):
        proc = subprocess.run([sys.executable, __file__, "--outputs", str(args.outputs), "--child", str(mb)],
                              capture_output=True, text=True, timeout=3600)
        if proc.returncode:
            print(f"| {mb:g} | failed: {proc.stderr.strip().splitlines()[-1:]} |")
            continue
        m = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"| {mb:g} | {m['tokens']:,} | {m['units']:,} | {m['k']} | {m['rss_before']} | {m['rss_peak']} | "
              f"{m['rss_peak'] - m['rss_before']} | {m['seconds']} |")


if __name__ == "__main__":
    main()
