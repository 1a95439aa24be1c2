"""The one Traditional→Simplified converter of the pipeline (OpenCC ``t2s``).

Text normalisation converts whole lines with it, and the character model of
``mojibake`` derives its character table from it, so both read a
Traditional character the same way.
"""

from __future__ import annotations

import functools

import opencc


@functools.lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    # Building the converter loads its dictionaries (~50 ms); do it once.
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Convert Traditional Chinese to Simplified (phrases included, as OpenCC ``t2s``).

    Examples
    --------
    >>> to_simplified("政協委員會")
    '政协委员会'
    """
    return _converter().convert(text)
