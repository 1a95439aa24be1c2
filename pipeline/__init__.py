"""Text mining of Chinese political work reports (CPPCC/政协 and similar).

Public API (the same library the CLI and ``make analyze`` use)::

    from pipeline import Config, run, load
    res = run(Config(corpus=Path("corpus")))        # whole chain, cached
    a = load("outputs")                             # a finished run, nothing recomputed
    a.trend("强省会"); a.kwic("社区协商")             # yearly rates with intervals; hits in context
    a.network(period="2024"); a.topic_docs(3)       # a networkx graph; a topic's paragraphs
    a.figure("theme_trends")                        # shows inline in Jupyter
    pipeline.normalize_text("政協(xié)委員")         # → '政协委员'

Stages are importable one by one as pure functions over DataFrames:
``ingest.ingest_file``, ``selection.select_documents``, ``segment.segment_docs``,
``topics.fit_topics``, ``network.build_cooccurrence``, ``themes.track_themes``
(``themes.trace_term`` for any term), ``report.render_report``; figures:
``theme_plots.plot_theme_trends``, ``report.plot_network``, ``network.to_graph``.
"""

from .api import Analysis, load, paragraphs_for, run
from .config import Config, load_config
from .errors import PipelineError
from .ingest.textfix import normalize_text, repair_text
from .records import SCHEMAS
from .run import STAGES, RunResult

__all__ = [
    "Analysis",
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
