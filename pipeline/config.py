"""Run configuration: one frozen value with documented defaults.

Defaults live in the dataclasses below; ``pipeline.toml`` at the project
root restates them with comments so a researcher can edit a copy.
Overrides (config file, CLI flags, notebook keywords) go through
``Config.with_overrides`` and never mutate a config in place.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError


@dataclass(frozen=True)
class FieldsConfig:
    """Which field of a tabular source (CSV/TSV/JSONL column, HTML/DOCX property) gives which document value.

    Each key names the *source* field for one of our columns; empty means
    "use the field of that name if there is one, else infer from the text".
    ``lookup`` is a CSV/TSV with columns ``field,value,mapped`` that turns a
    source value into ours (``year,1,1921`` for the 1st party congress).
    """

    year: str = ""  # e.g. "congress" (with a lookup table congress number → year)
    date: str = ""
    doc_type: str = ""  # e.g. "type"
    title: str = ""
    city: str = ""
    organisation: str = ""
    speaker: str = ""
    id: str = ""  # field a manifest row can name as file#<id> (default: the row number)
    lookup: Path | None = None  # CSV/TSV: field,value,mapped


@dataclass(frozen=True)
class IngestConfig:
    """Reading, repairing and normalising raw files."""

    to_simplified: bool = True  # OpenCC t2s on every document
    reflow: bool = True  # join hard-wrapped lines (PDF extractions) into paragraphs
    dedupe: bool = True  # count each duplicate group once downstream
    near_dup_threshold: float = 0.8  # Jaccard (or containment) of 5-gram shingles
    minhash_perm: int = 128
    shingle: int = 5
    seed: int = 1
    dup_across_years: bool = False  # let a duplicate group join documents of different years
    min_chars: int = 200  # shorter documents are stubs: kept and flagged (is_stub), not counted; 0 = off
    boilerplate_min_docs: int = 2  # a head/tail notice paragraph (公有领域, 版权 …) in this many documents of one source is boilerplate; 0 = off
    fields: FieldsConfig = field(default_factory=FieldsConfig)


@dataclass(frozen=True)
class SelectConfig:
    """Which documents every corpus-level stage counts (``pipeline/selection.py``)."""

    doc_types: tuple[str, ...] = ()  # empty: every type except resolution (a rule per document: adding files never changes another's)
    min_chars: int = 0  # shorter documents are not counted (0: no minimum)
    drop_stubs: bool = True  # leave out documents ingest flagged is_stub


@dataclass(frozen=True)
class SegmentConfig:
    """jieba segmentation with the domain lexicon."""

    backend: str = "auto"  # auto (rjieba when installed), jieba, rjieba
    hmm: bool = True  # jieba's HMM for unknown words; both backends honour it
    workers: int = 0  # 0 = one per core
    pos_keep: tuple[str, ...] = ()  # empty keeps every POS; e.g. ("n", "nz", "vn", "ns")
    min_len: int = 2  # single characters carry little theme in Chinese policy text


@dataclass(frozen=True)
class TopicsConfig:
    """TF-IDF units clustered into labelled topics (checked when the config is built, before ingest).

    Examples
    --------
    >>> TopicsConfig(n_topics="6").n_topics
    6
    >>> TopicsConfig(n_topics=0)
    Traceback (most recent call last):
    pipeline.errors.ConfigError: topics.n_topics must be "auto" or a whole number of at least 2, not 0.
    """

    unit: str = "paragraph"  # paragraph, section (a heading and what follows) or document
    n_topics: int | str = "auto"  # "auto": the k in k_min..k_max with the best NPMI coherence
    k_min: int = 4
    k_max: int = 12
    method: str = "kmeans"  # kmeans (spherical; MiniBatchKMeans above minibatch_above units) or nmf
    min_df: int = 2  # a term must occur in this many units
    max_df: float = 0.5  # … and in at most this share of them
    max_terms: int = 20000  # the most widespread terms kept (bounds memory on large corpora)
    min_unit_tokens: int = 5  # shorter units (headings, signatures) are skipped and counted
    top_terms: int = 10
    n_seeds: int = 5  # fits compared for stability (seed, seed+1, …)
    n_init: int = 10  # k-means restarts per fit
    minibatch_above: int = 20000  # units; above this MiniBatchKMeans replaces KMeans
    stable_cosine: float = 0.8  # a topic whose matched centroids reach this mean cosine is stable
    duplicate_cosine: float = 0.6  # topics whose centroids are this close are flagged as near duplicates
    eras: tuple[str, ...] = ("1949-1963", "1964-1978", "1979-1999", "2000-2012", "2013-")
    ca_terms: int = 40  # distinctive terms in the correspondence analysis
    seed: int = 42

    def __post_init__(self) -> None:
        k = self.n_topics
        if isinstance(k, str) and k.strip().isdigit():
            k = int(k)
        if (isinstance(k, str) and k != "auto") or (not isinstance(k, str) and (int(k) != k or k < 2)):
            raise ConfigError(f'topics.n_topics must be "auto" or a whole number of at least 2, not {self.n_topics!r}.')
        object.__setattr__(self, "n_topics", k if isinstance(k, str) else int(k))
        checks = [
            (self.unit in ("paragraph", "section", "document"), "unit", "paragraph, section or document"),
            (self.method in ("kmeans", "nmf"), "method", "kmeans or nmf"),
            (2 <= self.k_min <= self.k_max, "k_min", "at least 2 and at most k_max"),
            (self.min_df >= 1, "min_df", "at least 1"),
            (0 < self.max_df <= 1, "max_df", "a share in (0, 1]"),
            (self.max_terms >= 10, "max_terms", "at least 10"),
            (self.min_unit_tokens >= 1, "min_unit_tokens", "at least 1"),
            (self.top_terms >= 3, "top_terms", "at least 3"),
            (self.n_seeds >= 1, "n_seeds", "at least 1"),
            (self.n_init >= 1, "n_init", "at least 1"),
            (0 <= self.stable_cosine <= 1, "stable_cosine", "between 0 and 1"),
            (0 <= self.duplicate_cosine <= 1, "duplicate_cosine", "between 0 and 1"),
            (self.ca_terms >= 3, "ca_terms", "at least 3"),
        ]
        for ok, key, what in checks:
            if not ok:
                raise ConfigError(f"topics.{key} must be {what}, not {getattr(self, key)!r}.")
        for era in self.eras:
            if not re.fullmatch(r"\d{4}-(\d{4})?", str(era)):
                raise ConfigError(f'topics.eras entries must look like "1979-1999" or "2013-", not {era!r}.')


@dataclass(frozen=True)
class NetworkConfig:
    """Co-occurrence networks per period (``pipeline/network.py`` explains each step)."""

    window: str = "sentence"  # sentence, paragraph, or tokens (a sliding run of window_size tokens)
    window_size: int = 10  # tokens per sliding window (window = "tokens" only)
    period: str = "5y"  # year, all, a span such as "5y", or eras; an "all" network is always added
    eras: tuple[str, ...] = ("1954-1977", "1978-1991", "1992-2002", "2003-2012", "2013-2030")  # period = "eras"
    min_df: int = 3  # a node occurs in at least this many windows of the period
    pos_keep: tuple[str, ...] = ()  # empty: any POS; e.g. ("n", "nz", "vn", "ns", "nt") for nouns, verbal nouns, places, organisations
    drop_fillers: bool = True  # drop network.FILLERS and lexicon fillers.txt (由于, 能够, 仍然, 就是, 可能 …)
    top_terms: int = 150  # candidate nodes per period
    rank_by: str = "freq"  # freq, or tfidf (terms distinctive of the period)
    measure: str = "npmi"  # count, jaccard, dice, association, pmi or npmi: the edge weight
    min_count: int = 2  # a pair must share this many windows
    alpha: float = 0.05  # Benjamini–Hochberg level of the one-sided pair test; 0 = no test
    top_k: int = 5  # each node keeps its k strongest edges (0 = no per-node cut)
    top_edges: int = 0  # then at most this many edges overall (0 = no cap)
    backbone: bool = False  # also keep the maximum spanning tree of the admissible pairs
    community: str = "louvain"  # louvain (networkx) or leiden (needs the leiden extra)
    resolution: float = 1.0  # community resolution (higher: more, smaller communities)
    label_terms: int = 3  # terms naming each community
    focus_terms: tuple[str, ...] = ("协商",)  # terms with a neighbour table besides the theme terms
    ego_size: int = 10  # neighbours per theme term and period
    seed: int = 42

    def __post_init__(self) -> None:
        # Fail on a bad value when the config is built, before any corpus is read.
        from .network import check_params

        check_params(**dataclasses.asdict(self))


@dataclass(frozen=True)
class ThemesConfig:
    """Researcher-defined themes and emerging terms."""

    context_chars: int = 30
    canonical_only: bool = True
    emerging_min_count: int = 5
    emerging_top_n: int = 30
    emerging_period: str = "year"  # year or a span such as "5y": what each period is compared with
    emerging_burst: bool = True  # also flag Kleinberg bursts (the ``burst`` column)
    min_rate_chars: int = 5000  # a year with less text gets rate_ok = false (marked in the trend figure)


@dataclass(frozen=True)
class ReportConfig:
    """Figures and the HTML report."""

    title: str = ""  # empty: derived from the corpus (organisation, document type, years)
    kwic_rows: int = 200  # KWIC lines shown per theme in the HTML (the CSV has all)
    seed: int = 42  # network figure layout


@dataclass(frozen=True)
class EngineConfig:
    """Where per-file work (reading and cleaning raw files) runs; never changes a result."""

    kind: str = "local"  # local, or dask (pip install '.[dask]')
    scheduler: str = ""  # Dask scheduler address, e.g. tcp://10.0.0.5:8786; empty: a LocalCluster
    workers: int = 0  # worker processes (local pool or LocalCluster); 0 = one per core, 1 = serial
    file_timeout: float = 300.0  # seconds one file may take before it is skipped; 0 = no limit
    parallel_min_mb: float = 4.0  # below this many MB of files to read, the local engine stays serial


@dataclass(frozen=True)
class Config:
    """Everything a run needs; paths are resolved against ``root``.

    Examples
    --------
    >>> cfg = Config().with_overrides({"topics": {"n_topics": 5}})
    >>> cfg.topics.n_topics, Config().topics.n_topics
    (5, 'auto')
    """

    root: Path = Path(".")
    corpus: Path = Path("corpus")
    corpora: tuple[str, ...] = ()  # more corpus folders read together with ``corpus`` (each with its own manifest)
    manifest: Path | None = None  # default: <corpus>/manifest.csv or manifest.tsv if present
    lexicon: Path = Path("corpus/lexicon")
    outputs: Path = Path("outputs")
    cache: bool = True
    progress: bool = True
    ingest: IngestConfig = field(default_factory=IngestConfig)
    select: SelectConfig = field(default_factory=SelectConfig)
    segment: SegmentConfig = field(default_factory=SegmentConfig)
    topics: TopicsConfig = field(default_factory=TopicsConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    themes: ThemesConfig = field(default_factory=ThemesConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    engine: EngineConfig = field(default_factory=EngineConfig)

    def path(self, p: Path | None) -> Path | None:
        """Resolve ``p`` against ``root`` (absolute paths stay as they are)."""
        if p is None:
            return None
        return p if p.is_absolute() else (self.root / p)

    def with_overrides(self, overrides: dict[str, Any]) -> Config:
        """Return a copy with nested ``{"section": {"key": value}}`` overrides applied."""
        return _replace(self, overrides, "")

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly view (paths as strings), used in the run manifest."""
        return _jsonable(dataclasses.asdict(self))


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, Path):
        return str(v)
    return v


def _replace(obj: Any, overrides: dict[str, Any], where: str) -> Any:
    fields = {f.name: f for f in dataclasses.fields(obj)}
    changes: dict[str, Any] = {}
    for key, value in overrides.items():
        name = key.replace("-", "_")
        if name not in fields:
            known = ", ".join(sorted(fields))
            raise ConfigError(f"Unknown config key '{where}{key}'. Known keys here: {known}.")
        current = getattr(obj, name)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, dict):
                raise ConfigError(f"Config key '{where}{key}' is a section; give a table, e.g. [{key}].")
            changes[name] = _replace(current, value, f"{where}{key}.")
        else:
            changes[name] = _coerce(value, current, fields[name].type, f"{where}{key}")
    return dataclasses.replace(obj, **changes)


def _coerce(value: Any, current: Any, annotation: Any, key: str) -> Any:
    ann = str(annotation)
    if ann == "int | str":  # topics.n_topics: a number or "auto"; TopicsConfig checks it
        return value
    if "Path" in ann:
        return None if value in (None, "") else Path(value)
    if isinstance(current, bool) or ann == "bool":
        if isinstance(value, bool):
            return value
        if str(value).lower() in {"true", "1", "yes"}:
            return True
        if str(value).lower() in {"false", "0", "no"}:
            return False
        raise ConfigError(f"Config key '{key}' must be true or false, not {value!r}.")
    if isinstance(current, tuple):
        if isinstance(value, str):
            value = [v for v in value.replace(",", " ").split() if v]
        return tuple(value)
    for typ in (int, float):
        if isinstance(current, typ) and not isinstance(current, bool):
            try:
                return typ(value)
            except (TypeError, ValueError):
                raise ConfigError(
                    f"Config key '{key}' must be a number, not {value!r}."
                ) from None
    return value


def load_config(path: Path | None = None, *, root: Path = Path("."), overrides: dict | None = None) -> Config:
    """Build a ``Config`` from defaults, an optional TOML file and overrides.

    Raises
    ------
    ConfigError
        When the file is missing, is not valid TOML, or names an unknown key.
    """
    cfg = Config(root=root)
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"Config file {path} not found. Pass an existing file with --config, or omit it.") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"Config file {path} is not valid TOML ({exc}). Fix the line it names.") from None
        cfg = cfg.with_overrides(data)
    if overrides:
        cfg = cfg.with_overrides(overrides)
    return cfg
