"""The one runner: wires the stages, the cache and the outputs.

``run(config)`` executes ingest → segment → topics → network → themes →
report (or a prefix of that chain, ``until=``), reusing every stage result
whose cache key has not changed, and writes the artifacts listed in
``pipeline/io.py``.  The CLI and the notebooks both call it; neither holds
analysis logic.

Each stage's key chains the key of the stage before it (stages are
deterministic, so an upstream key fingerprints its output) with the
stage's own code, params and lexicon files.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from . import cooccur, io, report, themes, topics
from .cache import Cache, code_hash, library_versions, stage_key
from .config import Config
from .errors import ConfigError, SourceError
from .ingest import CODE_MODULES, IngestedFile, combine_files, doc_prefixes, ingest_file

STAGES = ("ingest", "segment", "topics", "network", "themes", "report")


@dataclass
class RunResult:
    """What a run produced: its tables, where it wrote them, and how it went."""

    outputs: Path
    tables: dict[str, pd.DataFrame]
    manifest: dict
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def report_path(self) -> Path:
        return self.outputs / "report.html"


Logger = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def run(config: Config | None = None, *, until: str = "report", log: Logger = _quiet, **overrides) -> RunResult:
    """Run the pipeline on ``config.corpus`` and write ``config.outputs``.

    Parameters
    ----------
    config : Config, optional
        Defaults to ``Config()`` (the project's ``corpus/``).
    until : str
        Last stage to run: one of ``STAGES``.
    log : callable
        Receives one-line messages (skipped files, stage status); the CLI prints them.
    **overrides
        Nested overrides, e.g. ``topics={"n_topics": 6}``.

    Returns
    -------
    RunResult
    """
    cfg = (config or Config()).with_overrides(overrides) if overrides else (config or Config())
    if until not in STAGES:
        raise ConfigError(f"Unknown stage {until!r}. Choose one of: {', '.join(STAGES)}.")
    todo = STAGES[: STAGES.index(until) + 1]
    out = cfg.path(cfg.outputs)
    lexicon = cfg.path(cfg.lexicon)
    cache = Cache(out / "cache", enabled=cfg.cache)
    t0 = time.perf_counter()
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    status: dict[str, dict] = {}
    tables: dict[str, pd.DataFrame] = {}

    # ---- ingest (per file, so a refresh only reads new or changed files)
    t = time.perf_counter()
    ing, ingest_key, skipped = _ingest(cfg, cache, log)
    tables.update(ing)
    status["ingest"] = {"key": ingest_key, "seconds": round(time.perf_counter() - t, 2)}
    for name in ("documents", "paragraphs", "sentences", "audit", "duplicates", "ingest_errors"):
        io.write_table(out, name, tables[name])

    prev_key = ingest_key
    if "segment" in todo:
        seg = cfg.segment
        userdict = io.read_lexicon_file(lexicon, "userdict.txt")
        stopwords = io.load_stopwords(lexicon)
        params = {**dataclasses.asdict(seg), "userdict": hashlib.sha256(userdict.encode()).hexdigest(), "stopwords": sorted(stopwords)}
        params.pop("workers")  # the result is identical for any number of workers
        prev_key = _stage(
            "segment", ("segment",), params, prev_key, cache, tables, status, log,
            lambda: _segment(cfg, tables["paragraphs"], stopwords),
        )
        io.write_table(out, "tokens", tables["tokens"], csv_too=False)  # millions of rows: Parquet only
    if "topics" in todo:
        p = dataclasses.asdict(cfg.topics)
        _stage(
            "topics", ("topics",), p, prev_key, cache, tables, status, log,
            lambda: topics.fit_topics(tables["tokens"], tables["documents"], **p),
        )
        for name in ("topics", "topic_assignments", "topic_trends"):
            io.write_table(out, name, tables[name])
    if "network" in todo:
        p = dataclasses.asdict(cfg.network)
        _stage(
            "network", ("cooccur",), p, prev_key, cache, tables, status, log,
            lambda: cooccur.build_cooccurrence(tables["tokens"], tables["documents"], **p),
        )
        for name in ("network_nodes", "network_edges"):
            io.write_table(out, name, tables[name])
        _write_gexf(out, tables["network_nodes"], tables["network_edges"])
    if "themes" in todo:
        theme_text = io.read_lexicon_file(lexicon, "themes.toml")
        theme_defs = io.load_themes(lexicon)
        th = cfg.themes
        p = {**dataclasses.asdict(th), "themes": hashlib.sha256(theme_text.encode()).hexdigest()}
        _stage(
            "themes", ("themes",), p, prev_key, cache, tables, status, log,
            lambda: _themes(tables, theme_defs, th),
        )
        for name in ("theme_hits", "theme_docs", "theme_years", "theme_first", "theme_groups", "emerging"):
            io.write_table(out, name, tables[name])
    manifest = {
        "run_id": run_id,
        "corpus": str(cfg.path(cfg.corpus)),
        "config": cfg.as_dict(),
        "stages": status,
        "versions": _versions(),
        "counts": {
            "documents": int(len(tables["documents"])),
            "canonical_documents": int(tables["documents"]["is_canonical"].sum()),
            "characters": int(tables["documents"]["n_chars"].sum()),
            "paragraphs": int(len(tables["paragraphs"])),
            "skipped_files": len(skipped),
        },
    }
    if "report" in todo:
        t = time.perf_counter()
        figures = report.make_figures(tables, seed=cfg.network.seed)
        pngs = {}
        for name, fig in figures.items():
            paths = io.write_figure(out / "figures" / name, fig)
            pngs[name] = paths[0].read_bytes()
        html = report.render_report(tables, pngs, run_info=manifest, title=cfg.report.title, kwic_rows=cfg.report.kwic_rows)
        io.write_text(out / "report.html", html)
        status["report"] = {"seconds": round(time.perf_counter() - t, 2), "figures": sorted(pngs)}
    manifest["seconds"] = round(time.perf_counter() - t0, 2)
    io.write_json(out / "run.json", manifest)
    io.write_json(out / "runs" / f"{run_id}.json", manifest)
    return RunResult(outputs=out, tables=tables, manifest=manifest, skipped=skipped)


def _stage(name, modules, params, prev_key, cache, tables, status, log, compute) -> str:
    t = time.perf_counter()
    key = stage_key(name, code_hash(*modules, "records"), params, {"upstream": prev_key})
    hit = cache.get(name, key)
    if hit is None:
        result = compute()
        cache.put(name, key, result)
        state = "computed"
    else:
        result, state = hit, "cached"
    tables.update(result)
    status[name] = {"key": key, "state": state, "seconds": round(time.perf_counter() - t, 2)}
    log(f"{name}: {state} in {status[name]['seconds']} s")
    return key


def _ingest(cfg: Config, cache: Cache, log: Logger):
    from .readers import SUPPORTED_SUFFIXES

    corpus = cfg.path(cfg.corpus)
    sources = io.list_sources(corpus, cfg.path(cfg.manifest), SUPPORTED_SUFFIXES)
    prefixes = doc_prefixes([s.rel for s in sources])
    ing = cfg.ingest
    code = code_hash(*CODE_MODULES)
    files: list[IngestedFile] = []
    skipped: list[tuple[str, str]] = []
    file_keys = []
    computed = 0
    for src in _progress(sources, cfg.progress, "ingest"):
        try:
            data = io.read_bytes(src.path)
        except OSError as exc:
            skipped.append((src.rel, f"cannot read: {exc.strerror or exc}"))
            log(f"Skipped {src.rel}: cannot read ({exc.strerror or exc}); check the path in the manifest")
            continue
        params = {"to_simplified": ing.to_simplified, "reflow": ing.reflow, "prefix": prefixes[src.rel], "name": src.rel}
        key = stage_key("ingest_file", code, params, {"bytes": hashlib.sha256(data).hexdigest(), "hints": list(src.hints)})
        hit = cache.get("ingest_file", key)
        if hit is not None and "sentences" in hit:
            files.append(IngestedFile(hit["documents"], hit["paragraphs"], hit["audit"], hit["sentences"]))
        else:
            try:
                f = ingest_file(src.rel, data, dict(src.hints), to_simplified=ing.to_simplified, reflow=ing.reflow, doc_prefix=prefixes[src.rel])
            except SourceError as exc:
                skipped.append((src.rel, exc.reason))
                log(f"Skipped {src.rel}: {exc.reason}")
                continue
            cache.put("ingest_file", key, {"documents": f.documents, "paragraphs": f.paragraphs, "audit": f.audit, "sentences": f.sentences})
            files.append(f)
            computed += 1
        file_keys.append(key)
    combined_params = {k: v for k, v in dataclasses.asdict(ing).items() if k not in {"to_simplified", "reflow"}}
    key = stage_key("ingest", code_hash(*CODE_MODULES, "dedupe"), combined_params, {"files": file_keys})
    hit = cache.get("ingest", key)
    if hit is None:
        tables = combine_files(
            files,
            dedupe_docs=ing.dedupe,
            threshold=ing.near_dup_threshold,
            num_perm=ing.minhash_perm,
            shingle=ing.shingle,
            seed=ing.seed,
        )
        cache.put("ingest", key, tables)
    else:
        tables = hit
    tables["ingest_errors"] = pd.DataFrame(skipped, columns=["source_file", "reason"])
    log(f"ingest: {len(files)} files read ({computed} new or changed), {len(skipped)} skipped")
    return tables, key, skipped


def _segment(cfg: Config, paragraphs: pd.DataFrame, stopwords: frozenset[str]) -> dict[str, pd.DataFrame]:
    from .segment import segment_docs

    seg = cfg.segment
    segmenter = io.load_segmenter(cfg.path(cfg.lexicon), backend=seg.backend, hmm=seg.hmm)
    workers = seg.workers or (os.cpu_count() or 1)
    tokens = segment_docs(paragraphs, segmenter=segmenter, stopwords=stopwords, pos_keep=seg.pos_keep, workers=workers, min_len=seg.min_len)
    return {"tokens": tokens}


def _themes(tables: dict[str, pd.DataFrame], theme_defs, th) -> dict[str, pd.DataFrame]:
    out = themes.track_themes(
        tables["documents"], tables["paragraphs"], tables["tokens"], themes=theme_defs,
        context_chars=th.context_chars, canonical_only=th.canonical_only,
    )
    known = frozenset(t for theme in theme_defs for t in theme.terms)
    docs = tables["documents"]
    canon = docs[docs["is_canonical"].astype(bool)] if th.canonical_only else docs
    out["emerging"] = themes.find_emerging(canon, tables["tokens"][tables["tokens"]["doc_id"].isin(canon["doc_id"])],
                                           min_count=th.emerging_min_count, top_n=th.emerging_top_n, known_terms=known)
    return out


def _write_gexf(out: Path, nodes: pd.DataFrame, edges: pd.DataFrame) -> None:
    import io as _io

    import networkx as nx

    for period in sorted(nodes["period"].unique()):
        buf = _io.BytesIO()
        nx.write_gexf(cooccur.to_graph(nodes, edges, period), buf)
        io.write_bytes(out / "network" / f"cooccurrence_{period}.gexf", buf.getvalue())


def _progress(items, enabled: bool, desc: str):
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit="file", disable=None, leave=False, file=sys.stderr)


def _versions() -> dict[str, str]:
    names = ("cppcc-pipeline", "jieba", "rjieba", "opencc", "scikit-learn", "pandas", "networkx", "matplotlib", "pdfplumber")
    return {"python": platform.python_version(), **library_versions(names)}


def load(name: str, outputs: str | Path = "outputs") -> pd.DataFrame:
    """Load one table of a finished run as a DataFrame, without re-running anything.

    Parameters
    ----------
    name : str
        A table name, e.g. ``documents``, ``theme_years``, ``theme_hits``.
    outputs : path
        The run's outputs folder.

    Raises
    ------
    OutputError
        If the run or the table does not exist.
    """
    return io.read_table(Path(outputs), name)


def paragraphs_for(hits: pd.DataFrame, outputs: str | Path = "outputs") -> pd.DataFrame:
    """The paragraphs behind a set of rows that carry ``para_id`` (KWIC hits, topic assignments …)."""
    paras = load("paragraphs", outputs)
    key = "para_id" if "para_id" in hits.columns else "unit_id"
    return paras[paras["para_id"].isin(hits[key])].reset_index(drop=True)
