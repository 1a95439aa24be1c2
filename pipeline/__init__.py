"""Text mining of Chinese political work reports (CPPCC/政协 and similar).

Public API (the same library the CLI and ``make analyze`` use)::

    from pipeline import Config, load_config, run, load
    res = run(Config(corpus=Path("corpus")))       # whole chain, cached
    years = load("theme_years")                     # a finished run's table
    pipeline.normalize_text("政協(xié)委員")         # → '政协委员'

Stages are importable one by one as pure functions over DataFrames:
``ingest.ingest_file``, ``segment.segment_docs``, ``topics.fit_topics``,
``network.build_cooccurrence``, ``themes.track_themes``, ``report.render_report``.
"""

from .config import Config, load_config
from .errors import PipelineError
from .ingest.textfix import normalize_text, repair_text
from .records import SCHEMAS
from .run import STAGES, RunResult, load, paragraphs_for, run

__all__ = [
    "Config",
    "PipelineError",
    "RunResult",
    "SCHEMAS",
    "STAGES",
    "load",
    "load_config",
    "normalize_text",
    "paragraphs_for",
    "repair_text",
    "run",
]
