"""jieba's default dictionary, loaded once, in memory, with no side effects.

``jieba.Tokenizer().initialize()`` logs "Building prefix dict…" and writes
``jieba.cache`` into the system temp folder, so a run would touch files
outside its outputs.  Building the prefix dictionary directly avoids both;
segmentation and metadata inference share this one copy.
"""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1)
def _prefix_dict() -> tuple[dict[str, int], int]:
    import jieba

    tok = jieba.Tokenizer()
    return tok.gen_pfdict(tok.get_dict_file())  # (FREQ, total), as initialize() computes them


@functools.lru_cache(maxsize=1)
def word_tags() -> dict[str, str]:
    """Word → POS tag from jieba's ``dict.txt`` ('' when the line has none).

    Examples
    --------
    >>> word_tags()["政协委员"]
    'n'
    """
    import jieba

    tags = {}
    with jieba.Tokenizer().get_dict_file() as f:
        for line in f:
            parts = line.decode("utf-8").split()
            if len(parts) >= 2:
                tags[parts[0]] = parts[2] if len(parts) >= 3 else ""
    return tags


def tokenizer():
    """A private, ready ``jieba.Tokenizer`` over the default dictionary.

    Each call returns a new tokenizer (callers add their own words to it)
    that shares nothing mutable with the others.

    Examples
    --------
    >>> tokenizer().lcut("政协委员")
    ['政协委员']
    """
    import jieba

    freq, total = _prefix_dict()
    tok = jieba.Tokenizer()
    tok.FREQ, tok.total = dict(freq), total
    tok.initialized = True
    return tok
