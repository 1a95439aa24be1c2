"""Run configuration: one frozen value with documented defaults.

Defaults live in the dataclasses below; ``pipeline.toml`` at the project
root restates them with comments so a researcher can edit a copy.
Overrides (config file, CLI flags, notebook keywords) go through
``Config.with_overrides`` and never mutate a config in place.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError


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
    """TF-IDF vectors clustered into labelled topics."""

    unit: str = "paragraph"  # paragraph or document
    n_topics: int = 8
    min_df: int = 2
    max_df: float = 0.5
    min_unit_tokens: int = 5  # shorter units (headings, signatures) are not clustered
    top_terms: int = 10
    seed: int = 42


@dataclass(frozen=True)
class NetworkConfig:
    """Co-occurrence graphs per period."""

    window: str = "paragraph"  # paragraph or sentence
    period: str = "year"  # year, all, or a span such as "5y"
    top_terms: int = 150  # most frequent kept tokens per period become nodes
    min_weight: int = 2  # pairs co-occurring in fewer windows are dropped
    seed: int = 42


@dataclass(frozen=True)
class ThemesConfig:
    """Researcher-defined themes and emerging terms."""

    context_chars: int = 30
    canonical_only: bool = True
    emerging_min_count: int = 5
    emerging_top_n: int = 30
    emerging_period: str = "year"  # year or a span such as "5y": what each period is compared with
    emerging_burst: bool = True  # also flag Kleinberg bursts (the ``burst`` column)


@dataclass(frozen=True)
class ReportConfig:
    """Figures and the HTML report."""

    title: str = "政协工作报告文本分析"
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
    (5, 8)
    """

    root: Path = Path(".")
    corpus: Path = Path("corpus")
    manifest: Path | None = None  # default: <corpus>/manifest.csv or manifest.tsv if present
    lexicon: Path = Path("corpus/lexicon")
    outputs: Path = Path("outputs")
    cache: bool = True
    progress: bool = True
    ingest: IngestConfig = field(default_factory=IngestConfig)
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
