"""Domain errors.

The CLI catches ``PipelineError`` only and prints ``Error: <message>``;
anything else is a bug and keeps its traceback.  Every message says what
went wrong, which file or value, and how to fix it.
"""

from __future__ import annotations


class PipelineError(Exception):
    """Base class of every error a user can cause and fix."""


class ConfigError(PipelineError):
    """Raised when a config file, key or value is invalid."""


class CorpusError(PipelineError):
    """Raised when the corpus folder or its manifest cannot be used."""


class SourceError(PipelineError):
    """Raised when one raw file cannot be read (bad encoding, needs OCR, encrypted).

    The ingest stage catches it per file, logs one line and goes on.
    """

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class LexiconError(PipelineError):
    """Raised when a lexicon file (user dictionary, stopwords, themes) is malformed."""


class SchemaError(PipelineError):
    """Raised when a stage receives a table without the columns it needs."""


class EmptyResultError(PipelineError):
    """Raised when a stage would return nothing (no documents, no terms left)."""


class OutputError(PipelineError):
    """Raised when a finished run's outputs are missing or unreadable."""


class RunLockedError(PipelineError):
    """Raised when another run holds the outputs folder's lock (cron started a run while one was going)."""


class StrictError(PipelineError):
    """Raised when ``--strict`` is set and some raw files could not be read."""
