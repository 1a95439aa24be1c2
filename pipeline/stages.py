"""The declared pipeline: one row per stage, read by the one runner loop.

Each ``Stage`` names its pure function, the tables it reads (``inputs``,
passed by name), the config section whose fields are its keyword params,
the code modules and lexicon files that decide its result (both go into
its cache key), and what it writes.  Adding a stage is adding a row;
``run.run`` has no per-stage code.

| stage    | function                     | inputs                                   | writes |
|----------|------------------------------|------------------------------------------|--------|
| read     | ``ingest.ingest_file`` (each raw file, cached per file) | corpus files  | ingest_errors |
| ingest   | ``ingest.combine_files``     | files                                    | documents, paragraphs, sentences, audit, duplicates |
| select   | ``selection.select_documents`` | documents                              | documents (+ in_analysis, excluded_reason) |
| segment  | ``segment.segment_corpus``   | paragraphs + userdict, stopwords         | tokens (Parquet only) |
| topics   | ``topics.fit_topics``        | tokens, documents, paragraphs            | topics, topic_assignments, topic_evidence, topic_trends, topic_docs, topic_cities, topic_eras, topic_k, topic_stability, topic_ca, topic_summary |
| network  | ``network.build_cooccurrence`` | tokens, documents, sentences + themes  | network_* tables, GEXF, GraphML |
| themes   | ``themes.analyze_themes``    | documents, paragraphs, tokens + themes   | theme_* tables, emerging |
| report   | ``report.build_report``      | every table, run_info                    | figures, report.html |
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from . import (
    basedict,
    network,
    network_plots,
    report,
    segment,
    selection,
    theme_plots,
    themes,
    topic_plots,
    topics,
)
from . import ingest as ingest_pkg
from .ingest import chars, dedupe, metadata, mojibake, readers, textfix


@dataclass(frozen=True)
class LexiconFile:
    """A lexicon file a stage reads: passed parsed as keyword ``arg``; its text is hashed into the key."""

    arg: str
    pattern: str  # file name in the lexicon folder, or a glob (stopwords*.txt)
    parse: Callable[[str], Any]


@dataclass(frozen=True)
class Output:
    """One artifact: ``kind`` is ``table`` (Parquet + CSV), ``parquet``, ``gexf``, ``figures`` or ``html``."""

    name: str
    kind: str = "table"


@dataclass(frozen=True)
class Stage:
    """One declared stage.

    ``func(**inputs, **params, **lexicon)`` returns ``{name: value}``.  With
    ``per_file`` set (the file suffixes it reads), the runner calls
    ``func(name, data, hints, doc_prefix=…, **params)`` once per raw file,
    caches each file's result, and passes the list on as ``files``.
    """

    name: str
    func: Callable[..., dict]
    inputs: tuple[str, ...] = ()
    outputs: tuple[Output, ...] = ()
    config: str | None = None  # config section; its fields are the params
    params: tuple[str, ...] | None = None  # a subset of the section (None: all of it)
    unkeyed: tuple[str, ...] = ()  # params that cannot change the result (worker counts)
    modules: tuple[ModuleType, ...] = ()  # source hashed into the cache key
    lexicon: tuple[LexiconFile, ...] = ()
    per_file: frozenset[str] | None = None
    cache: bool = True  # False: recomputed every run (the report embeds the run's manifest)


_INGEST_CODE = (ingest_pkg, readers, mojibake, chars, textfix, metadata, basedict)
_NETWORK_TABLES = ("network_nodes", "network_edges", "network_communities", "network_neighbours", "network_periods")
_TABLES = ("documents", "paragraphs", "sentences", "audit", "duplicates", "ingest_errors", "tokens",
           *topics.TABLES, *_NETWORK_TABLES,
           "theme_hits", "theme_docs", "theme_years", "theme_first", "theme_groups", "emerging")

PIPELINE: tuple[Stage, ...] = (
    Stage(
        "read", ingest_pkg.ingest_file, per_file=readers.SUPPORTED_SUFFIXES,
        outputs=(Output("ingest_errors"),), config="ingest", params=("to_simplified", "reflow"),
        modules=_INGEST_CODE,
    ),
    Stage(
        "ingest", ingest_pkg.combine_files, inputs=("files",),
        outputs=tuple(Output(n) for n in ("documents", "paragraphs", "sentences", "audit", "duplicates")),
        config="ingest", params=("dedupe", "near_dup_threshold", "minhash_perm", "shingle", "seed",
                                  "dup_across_years", "min_chars", "boilerplate_min_docs"),
        modules=(*_INGEST_CODE, dedupe),
    ),
    Stage(
        # Marks the documents every later stage counts (records.canonical honours it).
        "select", selection.select_documents, inputs=("documents",), outputs=(Output("documents"),),
        config="select", modules=(selection,),
    ),
    Stage(
        "segment", segment.segment_corpus, inputs=("paragraphs",),
        outputs=(Output("tokens", "parquet"),),  # millions of rows: Parquet only
        config="segment", unkeyed=("workers",), modules=(segment, basedict),
        lexicon=(LexiconFile("userdict", "userdict.txt", segment.parse_userdict),
                 LexiconFile("stopwords", "stopwords*.txt", segment.parse_stopwords)),
    ),
    Stage(
        "topics", topics.fit_topics, inputs=("tokens", "documents", "paragraphs"),
        outputs=tuple(Output(n) for n in topics.TABLES),
        config="topics", modules=(topics,),
    ),
    Stage(
        "network", network.build_cooccurrence, inputs=("tokens", "documents", "sentences"),
        outputs=(*(Output(n) for n in _NETWORK_TABLES), Output("network", "gexf")),
        config="network", modules=(network,),
        # Theme terms get neighbour tables; the shared filler list is dropped from the nodes too.
        lexicon=(LexiconFile("themes", "themes.toml", themes.parse_themes),
                 LexiconFile("fillers", "fillers.txt", themes.parse_fillers)),
    ),
    Stage(
        "themes", themes.analyze_themes, inputs=("documents", "paragraphs", "tokens"),
        outputs=tuple(Output(n) for n in ("theme_hits", "theme_docs", "theme_years", "theme_first",
                                          "theme_groups", "emerging")),
        config="themes", modules=(themes,),
        lexicon=(LexiconFile("themes", "themes.toml", themes.parse_themes),
                 LexiconFile("fillers", "fillers.txt", themes.parse_fillers)),
    ),
    Stage(
        "report", report.build_report, inputs=(*(t for t in _TABLES if t != "tokens"), "run_info"),
        outputs=(Output("figures", "figures"), Output("report.html", "html")),
        config="report", modules=(report, theme_plots, topic_plots, network_plots), cache=False,
    ),
)
