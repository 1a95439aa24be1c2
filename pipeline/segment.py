"""Segment paragraphs into tokens with jieba and the domain lexicon.

Input table ``paragraphs`` (columns ``doc_id``, ``para_id``, ``text``; see
``pipeline/records.py``); output table ``tokens``: ``doc_id``, ``para_id``,
``token_index``, ``token``, ``start``, ``end``, ``pos``, ``keep``.

Two backends run jieba's algorithm (dictionary DAG + max-probability route,
HMM for unknown words) on the same dictionary:

``jieba``
    a private ``jieba.Tokenizer`` (never the module-level one, so the user
    dictionary cannot be silently lost; jieba issues #533/#537/#547).
``rjieba``
    ``rjieba.Jieba`` (jieba-rs compiled code), about 10x faster end to
    end (see "Speed" below).

The two are made token-identical by three corrections, each found by
diffing both over the sample and the real corpora:

1. jieba-rs's ``add_word`` *replaces* a word's frequency in the dictionary
   total while jieba's adds it on top; the jieba backend's total is
   corrected to jieba-rs's (replace) semantics.
2. jieba-rs counts CJK Extension A/B and compatibility ideographs as Han,
   jieba only U+4E00–U+9FD5; such characters (and lone surrogates, which
   jieba-rs cannot take at all) are cut out as one-character tokens before
   either backend sees the text, which is exactly what jieba does.
3. Inside HMM-recognised runs jieba splits ASCII with
   ``[a-zA-Z0-9]+(?:\\.\\d+)?%?`` (``2026-02-09`` → ``2026/-/02/-/09``),
   jieba-rs keeps the run whole; such runs are re-split the jieba way.

POS tags come from the dictionaries (user tag first, then jieba's
``dict.txt``), with jieba-rs's rule for unknown words (``m`` digits,
``eng`` ASCII letters, ``x`` otherwise), so both backends agree.  jieba's
``posseg`` is not used: its own HMM cuts differently from ``cut``.

Lexicon terms that jieba's block regex would split (``四同·四度``, anything
with ``·``, ``/``, quotes or spaces inside) are cut out as whole tokens
before segmentation.  No lexicon term is ever split (issue 10): where
jieba's DAG prefers an overlapping dictionary word (中央八项规定精神 →
中央/八项规定精神, 文化强国建设 → 文化/强国建设), the paragraph is cut again
around every leftmost-longest occurrence of a lexicon term (Aho-Corasick),
on both backends alike.  ``term_splits`` checks the result and
``bench/bench_term_splits.py`` runs it over every corpus.

Speed.  One character-class search per paragraph decides whether any
correction can apply (a protected term, a rare ideograph, an ASCII run
jieba would split); nine paragraphs in ten need none and take jieba-rs's
word list as it is.  ``cut`` then builds offsets and tags in C loops
(``itertools.accumulate``, ``map`` over a small cache of the tags the
corpus uses).  ``segment_docs`` does one Python step per token beyond
jieba-rs's own (``len``): token boundaries are the running sum of the
lengths, the token column is an Arrow array sliced out of the UTF-8 of the
joined paragraphs, Arrow numbers the distinct words (``dictionary_encode``),
and tags and ``keep`` are computed once per distinct word and spread with
numpy/Arrow indexing into Arrow-backed columns.  Worker processes get whole documents in a few large
chunks and send back only the ids; the pool is skipped below
``PARALLEL_MIN_CHARS``.  ``python bench/bench_segment.py`` measures all this
against pure jieba and against jieba-rs's own ``cut``, which bounds it.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import operator
import re
import unicodedata
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import ahocorasick
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import basedict
from .errors import ConfigError, EmptyResultError, LexiconError
from .records import check_columns, conform

BACKENDS = ("auto", "jieba", "rjieba")

# jieba 0.42.1's block regex (jieba.re_han_default): characters outside this
# class always end a block, so a term containing one can never be one token.
_JIEBA_BLOCK_CHARS = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+")
# Ideographs jieba-rs treats as Han but jieba does not (correction 2).
_RUST_ONLY_HAN_RANGES = "\u3400-\u4DBF\u9FD6-\u9FFF\uF900-\uFAFF\U00020000-\U0002FA1F"
# Lone surrogates (text decoded with errors="surrogateescape") cannot be
# handed to jieba-rs at all; jieba yields each as a token of its own.
_SURROGATES = "\ud800-\udfff"
_RUST_ONLY_HAN = f"[{_RUST_ONLY_HAN_RANGES}{_SURROGATES}]"
# jieba.finalseg.re_skip: how jieba splits ASCII inside an HMM run (correction 3).
_HMM_ASCII_SPLIT = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")
_RUN_CLASS = r"a-zA-Z0-9+#&._%\-"
_ASCII_RUN = re.compile(f"[{_RUN_CLASS}]+")
_ASCII_RUN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+#&._%-")
# Characters that can start a correction: a protected term always holds one
# outside jieba's block class, correction 2 is about rare ideographs, and an
# ASCII run jieba re-splits always holds one of these (plain [a-zA-Z0-9]+ is
# never re-split).  Most paragraphs hold none, and one search of a character
# class is ~5x cheaper than looking for the corrections themselves.
_ASCII_SPLIT_TRIGGERS = r"+#&._%\-"
_USERDICT_LINE = re.compile(r"^(?P<word>\S+?)(?:\s+(?P<freq>\d+))?(?:\s+(?P<tag>[a-zA-Z]+))?$")
_ALNUM = re.compile(r"[^\W_]")
_NUMBER = re.compile(r"[0-9０-９.．,，:：%％‰+\-~～/]+")
_PARA_COLS = ("doc_id", "para_id", "text")


@dataclass(frozen=True)
class UserTerm:
    """One user-dictionary line: the term, its frequency and POS tag ('' if none)."""

    word: str
    freq: int
    tag: str


def parse_userdict(text: str) -> tuple[UserTerm, ...]:
    """Parse a jieba user dictionary (``term freq pos`` per line, ``#`` comments).

    Parameters
    ----------
    text : str
        Content of ``corpus/lexicon/userdict.txt``.

    Returns
    -------
    tuple of UserTerm
        In file order; a repeated term keeps its last line, as jieba does.

    Raises
    ------
    LexiconError
        On a line that is not ``term [freq] [pos]`` or a frequency of 0.

    Examples
    --------
    >>> parse_userdict("# v1\\n强省会 3000 nz\\n社区协商\\n")
    (UserTerm(word='强省会', freq=3000, tag='nz'), UserTerm(word='社区协商', freq=3000, tag=''))
    """
    terms: dict[str, UserTerm] = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _USERDICT_LINE.match(line)
        if m is None:
            raise LexiconError(
                f"userdict.txt line {lineno}: {raw!r} is not 'term freq pos'. "
                "Write the term without spaces, then an integer frequency and a POS tag such as nz."
            )
        freq = int(m["freq"]) if m["freq"] else DEFAULT_FREQ
        if freq <= 0:
            # jieba's add_word(freq=0) mutates global state (finalseg.add_force_split).
            raise LexiconError(
                f"userdict.txt line {lineno}: frequency 0 for {m['word']!r}. "
                "Delete the line to drop a term; give a positive frequency (e.g. 3000) to keep it."
            )
        terms.pop(m["word"], None)
        terms[m["word"]] = UserTerm(m["word"], freq, m["tag"] or "")
    return tuple(terms.values())


# Frequency for a term written without one: high enough to beat the split
# into two common words in jieba's dictionary (total ≈ 6e7).
DEFAULT_FREQ = 3000


def parse_stopwords(text: str) -> frozenset[str]:
    """Parse a stopword file: one word per line, ``#`` starts a comment.

    Examples
    --------
    >>> sorted(parse_stopwords("# 虚词\\n的\\n坚持  # 口号动词\\n\\n"))
    ['坚持', '的']
    """
    words = set()
    for line in text.splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            words.add(word)
    return frozenset(words)


@functools.lru_cache(maxsize=65536)
def _unknown_tag(word: str) -> str:
    # jieba-rs's tag() rule for words outside the dictionary.
    eng = sum(1 for ch in word if ch.isascii() and ch.isalnum())
    if eng == 0:
        return "x"
    return "m" if eng == sum(1 for ch in word if ch.isascii() and ch.isdigit()) else "eng"


class _TagTable(dict):
    """Cache word → POS over the full dictionary table (``base``), filled on first sight.

    ``map(table.__getitem__, words)`` then tags a whole paragraph in one C
    loop.  The cache holds only the words a corpus uses (tens of
    thousands, not the 350k of dict.txt), which keeps lookups in the CPU
    cache: 3x faster than looking up the full table.  Words in neither
    get jieba-rs's rule tag.
    """

    __slots__ = ("base",)

    def __init__(self, base: dict[str, str]):
        super().__init__()
        self.base = base

    def __missing__(self, word: str) -> str:
        tag = self.base.get(word)
        tag = self[word] = _unknown_tag(word) if tag is None else tag
        return tag


class _Vocab(dict):
    """word → id, numbered in order of first sight; ``list(vocab)`` is the id → word table."""

    __slots__ = ()

    def __missing__(self, word: str) -> int:
        i = self[word] = len(self)
        return i


def _term_automaton(words) -> ahocorasick.Automaton | None:
    """Aho-Corasick automaton over the lexicon terms of two or more characters (None if none).

    A one-character term cannot be split; the value stored is the term's length.
    """
    auto = ahocorasick.Automaton()
    for w in words:
        if len(w) > 1:
            auto.add_word(w, len(w))
    if not len(auto):
        return None
    auto.make_automaton()
    return auto


class Segmenter:
    """A jieba segmenter holding its own dictionary; use ``build_segmenter``.

    Pickles as its build arguments, so a worker process rebuilds it from the
    user dictionary entries (jieba.Tokenizer holds a lock and cannot pickle).

    Attributes
    ----------
    backend : str
        ``'jieba'`` or ``'rjieba'``.
    hmm, pos : bool
        HMM for unknown words; POS tags filled in (else ``''``).
    terms : tuple of UserTerm
        The user dictionary.
    """

    def __init__(self, userdict: str | tuple[UserTerm, ...], backend: str, hmm: bool, pos: bool,
                 protect_terms: bool = True):
        self.backend = backend
        self.hmm = hmm
        self.pos = pos
        self.protect_terms = protect_terms
        self.terms = parse_userdict(userdict) if isinstance(userdict, str) else tuple(userdict)
        self._lexicon = _term_automaton(t.word for t in self.terms) if protect_terms else None
        protected = sorted(
            (t.word for t in self.terms if not _JIEBA_BLOCK_CHARS.fullmatch(t.word)),
            key=lambda w: (-len(w), w),
        )
        self.protected_terms = tuple(protected)
        parts = [re.escape(w) for w in protected] + [_RUST_ONLY_HAN]
        self._forced = re.compile("|".join(parts))
        self._ascii_fix = backend == "rjieba" and hmm
        # A paragraph without any of these characters needs no correction (the fast path).
        triggers = {c for w in protected for c in w if not _JIEBA_BLOCK_CHARS.fullmatch(c)}
        self._forced_trigger = re.compile(
            "[" + "".join(map(re.escape, sorted(triggers))) + _RUST_ONLY_HAN_RANGES + _SURROGATES + "]"
        )
        self._trigger = re.compile(
            "[" + "".join(map(re.escape, sorted(triggers))) + _RUST_ONLY_HAN_RANGES + _SURROGATES + (_ASCII_SPLIT_TRIGGERS if self._ascii_fix else "") + "]"
        )
        self._tag_base: dict[str, str] = {}
        self._tags = _TagTable(self._tag_base)
        if backend == "rjieba":
            self._build_rjieba()
        else:
            self._build_jieba()

    def _build_jieba(self) -> None:
        tok = basedict.tokenizer()
        for t in self.terms:
            old = tok.FREQ.get(t.word, 0)
            tok.add_word(t.word, t.freq, t.tag or None)
            # Correction 1: jieba adds freq to total even when the word was
            # already there; jieba-rs replaces it.  Use replace semantics.
            tok.total -= old
        self._tok = tok
        self._cut_words = functools.partial(tok.lcut, HMM=self.hmm)
        if self.pos:
            self._fill_tags()

    def _build_rjieba(self) -> None:
        import rjieba

        rj = rjieba.Jieba()
        for t in self.terms:
            rj.add_word(t.word, t.freq, t.tag or None)
        self._rj = rj
        self._cut_words = functools.partial(rj.cut, hmm=self.hmm)
        if self.pos:

            # jieba-rs's tag() guesses tags for unknown words from their
            # characters (该法 → j); read jieba's dict.txt instead so both
            # backends tag alike.  jieba-rs embeds the same dict.txt.
            self._fill_tags()

    def _fill_tags(self) -> None:
        tags = self._tag_base
        tags.update(basedict.word_tags())
        for t in self.terms:
            if t.tag:
                tags[t.word] = t.tag
            elif self._forced.fullmatch(t.word):
                # A forced span (protected term, rare ideograph) without a
                # tag is tagged by rule, like any word jieba does not know.
                tags[t.word] = tags.get(t.word) or _unknown_tag(t.word)
            elif t.word not in tags:
                tags[t.word] = ""

    def __reduce__(self):
        return (Segmenter, (self.terms, self.backend, self.hmm, self.pos, self.protect_terms))

    def __repr__(self) -> str:
        return f"Segmenter(backend={self.backend!r}, hmm={self.hmm}, pos={self.pos}, terms={len(self.terms)})"

    # ------------------------------------------------------------ cutting
    def _words(self, text: str) -> list[str]:
        """Words of ``text``, every correction applied; they join back to ``text``."""
        if self._trigger.search(text) is None:
            # Fast path (~9 paragraphs in 10): no correction can apply.
            words = self._cut_words(text)
        else:
            words = self._corrected_words(text)
        return words if self._lexicon is None else self._keep_terms_whole(text, words)

    def _words_many(self, texts: list[str]) -> list[list[str]]:
        """``[self._words(t) for t in texts]`` with the fast path run in one C ``map``."""
        needs = [i for i, m in enumerate(map(self._trigger.search, texts)) if m is not None]
        if not needs:
            out = list(map(self._cut_words, texts))
        else:
            plain = list(texts)
            for i in needs:
                plain[i] = ""
            out = list(map(self._cut_words, plain))
            for i in needs:
                out[i] = self._corrected_words(texts[i])
        if self._lexicon is None:
            return out
        return list(map(self._keep_terms_whole, texts, out))

    def _keep_terms_whole(self, text: str, words: list[str]) -> list[str]:
        """``words``, re-cut around the lexicon terms if any of them was split.

        The lexicon's occurrences are found leftmost-longest (Aho-Corasick,
        ``iter_long``).  Mostly jieba already cuts each one out whole and
        ``words`` is returned as it is (cheaper than always cutting around
        the terms, and the same result: jieba's best route through a text
        that passes through a term's edges is the best route of the pieces
        on either side).  Otherwise every occurrence becomes a token and
        the text between them is cut alone, so jieba's DAG can no longer
        prefer an overlapping dictionary word (中央八项规定精神 →
        中央/八项规定精神, 反右派斗争 → 反右派斗/争).
        """
        spans = [(end + 1 - n, end + 1) for end, n in self._lexicon.iter_long(text)]
        if not spans:
            return words
        starts = list(itertools.accumulate(map(len, words), initial=0))
        for s, e in spans:
            i = bisect.bisect_left(starts, s)
            if i + 1 >= len(starts) or starts[i] != s or starts[i + 1] != e:
                break
        else:
            return words
        out: list[str] = []
        pos = 0
        for s, e in spans:
            if s > pos:
                out += self._corrected_words(text[pos:s])
            out.append(text[s:e])
            pos = e
        if pos < len(text):
            out += self._corrected_words(text[pos:])
        return out

    def _corrected_words(self, text: str) -> list[str]:
        """``_words`` for a text holding a trigger character."""
        if self._forced_trigger.search(text) is None:
            # Only an ASCII run can need correcting (most such paragraphs
            # just hold a decimal point or a percent sign).
            return self._cut_plain(text)
        words: list[str] = []
        pos = 0
        for m in self._forced.finditer(text):
            if m.start() > pos:
                words += self._cut_plain(text[pos : m.start()])
            words.append(m.group())
            pos = m.end()
        if pos < len(text):
            words += self._cut_plain(text[pos:] if pos else text)
        return words

    def _cut_plain(self, text: str) -> list[str]:
        """Words of text containing no forced span."""
        words = self._cut_words(text)
        if self._ascii_fix:
            # Runs of the form jieba keeps whole need no correction.
            bad = [m for m in _ASCII_RUN.finditer(text) if _HMM_ASCII_SPLIT.fullmatch(m.group()) is None]
            if bad:
                words = self._fix_hmm_ascii(bad, words)
        return words

    def _fix_hmm_ascii(self, runs: list[re.Match], words: list[str]) -> list[str]:
        # Correction 3, applied run by run: only tokens starting inside a
        # maximal ASCII run can change, and any two runs are parted by a
        # token holding a non-ASCII character, so runs are independent.
        starts = list(itertools.accumulate(map(len, words), initial=0))
        out: list[str] = []
        done = 0
        for m in runs:
            i = bisect.bisect_left(starts, m.start(), done)
            j = bisect.bisect_left(starts, m.end(), i)
            out += words[done:i]
            out += self._resplit_ascii(words[i:j])
            done = j
        out += words[done:]
        return out

    def _resplit_ascii(self, words: list[str]) -> list[str]:
        # Merge adjacent non-dictionary ASCII tokens back into the HMM run
        # they came from and split it as jieba.finalseg does.
        rj = self._rj
        chars = _ASCII_RUN_CHARS
        out: list[str] = []
        run: list[str] = []
        for w in words:
            if w[0] in chars and all(c in chars for c in w) and (len(w) == 1 or not rj.has_word(w)):
                run.append(w)
                continue
            if run:
                out.extend(p for p in _HMM_ASCII_SPLIT.split("".join(run)) if p)
                run = []
            out.append(w)
        if run:
            out.extend(p for p in _HMM_ASCII_SPLIT.split("".join(run)) if p)
        return out

    def cut(self, text: str) -> list[tuple[str, int, int, str]]:
        """Cut ``text`` into ``(token, start, end, pos)``; tokens join back to ``text``.

        Examples
        --------
        >>> seg = build_segmenter("强省会 3000 nz\\n四同·四度 3000 nz", backend="jieba")
        >>> [t[0] for t in seg.cut("助力“强省会”，聚焦四同·四度")]
        ['助力', '“', '强省会', '”', '，', '聚焦', '四同·四度']
        >>> seg.cut("强省会")
        [('强省会', 0, 3, 'nz')]
        """
        if not text:
            return []
        words = self._words(text)
        # Offsets and tags in C loops (accumulate, map, zip): per-token Python
        # code here would cost more than jieba-rs's segmentation itself.
        bounds = list(itertools.accumulate(map(len, words), initial=0))
        tags = map(self._tags.__getitem__, words) if self.pos else itertools.repeat("")
        return list(zip(words, bounds, bounds[1:], tags))


def build_segmenter(userdict: str | tuple[UserTerm, ...], *, backend: str = "auto", hmm: bool = True, pos: bool = True,
                    protect_terms: bool = True) -> Segmenter:
    """Build a ``Segmenter`` from the user dictionary text.

    Parameters
    ----------
    userdict : str or tuple of UserTerm
        Content of ``corpus/lexicon/userdict.txt`` (jieba format), or its
        entries as parsed by ``parse_userdict``.
    backend : {'auto', 'jieba', 'rjieba'}
        ``auto`` uses rjieba when it is installed, else jieba.
    hmm : bool
        jieba's HMM for words outside the dictionary.
    pos : bool
        Fill in POS tags.
    protect_terms : bool
        Cut every lexicon term out whole (longest match, leftmost first)
        before jieba sees the text, so that no term is ever split.  False
        protects only the terms jieba's block regex would split (for
        measuring what protection costs and changes).

    Raises
    ------
    ConfigError
        Unknown backend, or ``rjieba`` asked for but not installed.
    LexiconError
        Malformed user dictionary.

    Examples
    --------
    >>> seg = build_segmenter("社区协商 3000 nz", backend="jieba")
    >>> seg.backend, [t[0] for t in seg.cut("推进社区协商")]
    ('jieba', ['推进', '社区协商'])
    """
    if backend not in BACKENDS:
        raise ConfigError(f"Unknown segment backend {backend!r}. Use one of {', '.join(BACKENDS)}.")
    if backend in ("auto", "rjieba"):
        try:
            import rjieba  # noqa: F401
        except ImportError:
            if backend == "rjieba":
                raise ConfigError(
                    "segment backend 'rjieba' is not installed. `pip install rjieba` or set segment.backend = 'jieba'."
                ) from None
            backend = "jieba"
        else:
            backend = "rjieba"
    return Segmenter(userdict, backend, hmm, pos, protect_terms)


def term_splits(text: str, tokens: list[str], terms: list[str] | tuple[str, ...]) -> list[tuple[str, int, str]]:
    """Every occurrence of a lexicon term in ``text`` and how the tokens treat it.

    Occurrences are found by plain search, overlapping ones included, so
    the check does not share the segmenter's longest-match logic.

    Parameters
    ----------
    text : str
        A paragraph.
    tokens : list of str
        Its tokens; they must join back to ``text``.
    terms : sequence of str
        Lexicon terms (one-character terms cannot be split and are skipped).

    Returns
    -------
    list of (term, start, status)
        One row per occurrence, by start.  ``status`` is ``whole`` (one
        token), ``inside`` (within a token that is a longer lexicon term),
        ``overlap`` (not whole because an overlapping lexicon term took the
        characters, as in 中央八项规定精神 where 中央八项规定 and 八项规定精神
        cannot both be tokens) or ``split`` (anything else: the loss this
        check exists for).

    Examples
    --------
    >>> term_splits("推进文化强国建设", ["推进", "文化", "强国建设"], ["文化强国"])
    [('文化强国', 2, 'split')]
    >>> term_splits("推进文化强国建设", ["推进", "文化强国", "建设"], ["文化强国", "强国"])
    [('文化强国', 2, 'whole'), ('强国', 4, 'inside')]
    """
    starts = list(itertools.accumulate(map(len, tokens), initial=0))
    if starts[-1] != len(text):
        raise ValueError("tokens do not join back to the text")
    lexicon = {t for t in terms if len(t) > 1}
    out = []
    for term in sorted(lexicon):
        at = text.find(term)
        while at >= 0:
            end = at + len(term)
            i = bisect.bisect_right(starts, at) - 1
            j = bisect.bisect_left(starts, end)  # tokens i..j-1 cover the occurrence
            if j - i == 1:
                status = "whole" if (starts[i], starts[j]) == (at, end) else "inside" if tokens[i] in lexicon else "split"
            elif any(tokens[k] in lexicon and tokens[k] != term for k in range(i, j)
                     if starts[k] < at or starts[k + 1] > end):
                status = "overlap"
            else:
                status = "split"
            out.append((term, at, status))
            at = text.find(term, at + 1)
    return sorted(out, key=lambda r: (r[1], r[0]))


# ---------------------------------------------------------------- stage
# Below this many characters of input the pool is skipped: it would cost
# more than it saves (the result is the same either way).  Measured with
# bench/bench_segment.py on the 2-core machine: forking the pool, shipping a
# share out and its token ids back costs ~0.06 s (0.39 M characters: 0.11 s
# serial, 0.16 s with 2 workers), while rjieba cuts ~3-4 M characters a
# second; from ~2 M characters (~0.6 s serial) half the work saved clearly
# exceeds that, and on the 4 M-character corpora 2 workers gave 1.1-1.2x with
# another job busy on the second core.  Pure jieba is ~10x slower, so it
# pays back ~10x sooner.  Tests lower these to exercise the pool.
PARALLEL_MIN_CHARS = {"rjieba": 2_000_000, "jieba": 100_000}

# Worker-process state: the segmenter is handed over once per worker through
# the pool initializer (inherited for free under fork; rebuilt from its
# pickle, ~1 s, under spawn) instead of once per chunk.
_WORKER_SEGMENTER: Segmenter | None = None


def _init_worker(segmenter: Segmenter) -> None:
    global _WORKER_SEGMENTER
    _WORKER_SEGMENTER = segmenter


@dataclass(frozen=True)
class _Cut:
    """Segmentation of consecutive texts: each token is the id of its word.

    Corpora repeat a small vocabulary (~36k distinct words in 2M tokens), so
    POS tags, lengths and keep flags are worked out once per word and
    spread to the tokens with numpy/Arrow indexing, and a worker sends back
    one integer a token plus its vocabulary instead of millions of strings.
    """

    counts: np.ndarray  # tokens per text
    ids: np.ndarray  # word id of each token, all texts in order
    vocab: list[str]  # id → word
    # The tokens themselves when cut in this process (saves a take); workers
    # send ids only, which pickle ~10x smaller.
    tokens: pa.Array | None = None
    bounds: np.ndarray | None = None  # and their character offsets in the joined texts


def _cut_ids(segmenter: Segmenter, texts: list[str], *, keep_tokens: bool = False) -> _Cut:
    words = segmenter._words_many(texts)
    counts = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    # Character offsets of the token boundaries in the joined texts; the
    # one per-token Python step left is len().
    bounds = np.zeros(int(counts.sum()) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, itertools.chain.from_iterable(words)), dtype=np.int64, count=len(bounds) - 1), out=bounds[1:])
    tokens = _slice_tokens(texts, counts, bounds)
    if tokens is None:
        # Lone surrogates (no UTF-8, so no Arrow) or a cut that does not
        # join back: number the words in Python, one dict lookup per token.
        vocab = _Vocab()
        ids = np.fromiter(map(vocab.__getitem__, itertools.chain.from_iterable(words)), dtype=np.int64, count=len(bounds) - 1)
        return _Cut(counts, ids, list(vocab))
    del words  # lower peak memory: millions of small strings
    # Arrow hashes the tokens' UTF-8 bytes in C++; a Python dict lookup per
    # token costs ~5x more.
    encoded = pc.dictionary_encode(tokens)
    ids = encoded.indices.to_numpy()  # int32, zero copy
    if not keep_tokens:
        tokens = bounds = None
    return _Cut(counts, ids, encoded.dictionary.to_pylist(), tokens, bounds)


def _slice_tokens(texts: list[str], counts: np.ndarray, bounds: np.ndarray) -> pa.LargeStringArray | None:
    """The tokens as an Arrow array over the UTF-8 of the joined texts, or None if that cannot be done.

    Tokens join back to their text, so their character offsets ``bounds``
    place them: the array shares one UTF-8 buffer of all texts and only its
    offsets are computed (numpy), instead of encoding millions of Python
    strings one by one.
    """
    joined = "".join(texts)
    text_ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)))
    if bounds[-1] != len(joined) or not np.array_equal(bounds[np.cumsum(counts)], text_ends):
        return None
    try:
        data = joined.encode("utf-8")
    except UnicodeEncodeError:
        return None
    byte_bounds = bounds
    if len(data) != len(joined) and len(bounds) > 1:
        # Character → byte offsets: add up each token's extra UTF-8 bytes
        # (1 from U+0080, 2 from U+0800, 3 from U+10000).  Few, small
        # temporaries: fresh large arrays cost page faults (system time).
        cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
        extra = (cps >= 0x80).view(np.uint8)
        extra += cps >= 0x800
        extra += cps >= 0x10000
        byte_bounds = np.empty_like(bounds)
        byte_bounds[0] = 0
        np.cumsum(np.add.reduceat(extra, bounds[:-1], dtype=np.int32), dtype=np.int64, out=byte_bounds[1:])
        byte_bounds += bounds
    return pa.LargeStringArray.from_buffers(len(bounds) - 1, pa.py_buffer(byte_bounds), pa.py_buffer(data))


def _cut_chunk(texts: list[str]) -> _Cut:
    assert _WORKER_SEGMENTER is not None
    return _cut_ids(_WORKER_SEGMENTER, texts)


def _merge(parts: list[_Cut]) -> _Cut:
    """One ``_Cut`` over one vocabulary from consecutive parts."""
    if len(parts) == 1:
        return parts[0]
    vocab = _Vocab()
    ids = []
    for part in parts:
        remap = np.fromiter(map(vocab.__getitem__, part.vocab), dtype=np.int64, count=len(part.vocab))
        ids.append(remap[part.ids])
    return _Cut(np.concatenate([p.counts for p in parts]), np.concatenate(ids), list(vocab))


def _chunk_bounds(lengths: np.ndarray, groups: list[str] | None, n_chunks: int) -> list[tuple[int, int]]:
    """Split texts into ``n_chunks`` contiguous ranges of about equal length, cut only where ``groups`` changes."""
    n = len(lengths)
    if groups is None:
        cuts = np.arange(1, n)
    else:
        # Candidate cut points: the first paragraph of each document, so a
        # worker always gets whole documents.
        cuts = np.array([i for i in range(1, n) if groups[i] != groups[i - 1]], dtype=np.int64)
    total = np.cumsum(lengths)
    if len(cuts) == 0 or total[-1] == 0:
        return [(0, n)]
    before = total[cuts - 1]  # characters before each candidate cut
    targets = total[-1] * np.arange(1, n_chunks) / n_chunks
    # The candidate nearest to each ideal cut (k/n of the characters).
    hi = np.clip(np.searchsorted(before, targets), 0, len(cuts) - 1)
    lo = np.clip(hi - 1, 0, len(cuts) - 1)
    picks = cuts[np.where(np.abs(before[lo] - targets) <= np.abs(before[hi] - targets), lo, hi)]
    edges = [0, *sorted(set(picks.tolist())), n]
    return list(zip(edges[:-1], edges[1:]))


def _use_pool(segmenter: Segmenter, texts: list[str], workers: int) -> bool:
    return workers > 1 and len(texts) > 1 and sum(map(len, texts)) >= PARALLEL_MIN_CHARS.get(segmenter.backend, 0)


def _cut_all(segmenter: Segmenter, texts: list[str], workers: int, groups: list[str] | None) -> _Cut:
    if not _use_pool(segmenter, texts, workers):
        return _cut_ids(segmenter, texts, keep_tokens=True)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    # One share of whole documents per worker, of about equal length.  The
    # calling process is one of the workers: it cuts the first share while
    # workers - 1 child processes cut the rest, so no core sits waiting and
    # one process fewer is started.
    shares = [texts[a:b] for a, b in _chunk_bounds(lengths, groups, workers)]
    if len(shares) == 1:  # a single document: nothing to share out
        return _cut_ids(segmenter, texts, keep_tokens=True)
    with ProcessPoolExecutor(max_workers=len(shares) - 1, initializer=_init_worker, initargs=(segmenter,)) as pool:
        futures = [pool.submit(_cut_chunk, share) for share in shares[1:]]
        own = _cut_ids(segmenter, shares[0])
        return _merge([own, *(f.result() for f in futures)])


def _is_number(token: str) -> bool:
    return _NUMBER.fullmatch(token) is not None and any(unicodedata.category(c) == "Nd" for c in token)


def _dropped_words(vocab: list[str], stopwords: frozenset[str], min_len: int) -> np.ndarray:
    """Per word: stopword, shorter than ``min_len``, punctuation (no ``str.isalnum()`` character) or a number, in C loops."""
    n = len(vocab)
    bad = np.fromiter(map(stopwords.__contains__, vocab), dtype=bool, count=n)
    bad |= np.fromiter(map(len, vocab), dtype=np.int64, count=n) < min_len
    bad |= np.fromiter(map(operator.not_, map(_ALNUM.search, vocab)), dtype=bool, count=n)
    numbers = [i for i, m in enumerate(map(_NUMBER.fullmatch, vocab)) if m is not None and _is_number(vocab[i])]
    bad[numbers] = True
    return bad


def _strings(values: pa.ChunkedArray | pa.Array) -> pd.api.extensions.ExtensionArray:
    # Arrow-backed pandas "string" column without a round trip through Python objects.
    return pd.arrays.ArrowStringArray(values if isinstance(values, pa.ChunkedArray) else pa.chunked_array([values]))


def segment_docs(
    paragraphs: pd.DataFrame,
    *,
    segmenter: Segmenter,
    stopwords: frozenset[str],
    pos_keep: tuple[str, ...] = (),
    workers: int = 1,
    min_len: int = 1,
) -> pd.DataFrame:
    """Segment every paragraph into the ``tokens`` table.

    Parameters
    ----------
    paragraphs : DataFrame
        Needs ``doc_id``, ``para_id``, ``text``.
    segmenter : Segmenter
        From ``build_segmenter``.
    stopwords : frozenset of str
        Tokens marked ``keep=False``.
    pos_keep : tuple of str
        When non-empty, only tokens with these POS tags are kept.
    workers : int
        Processes, each given whole documents.  The pool is used only from
        ``PARALLEL_MIN_CHARS`` characters of text on (below it, starting
        workers costs more than it saves); results are identical to the
        serial run.
    min_len : int
        Tokens shorter than this (in characters) get ``keep=False``.

    Returns
    -------
    DataFrame
        The ``tokens`` table; every token is listed, ``keep`` marks the ones
        for analysis (not a stopword, punctuation, whitespace or a number,
        long enough, POS allowed).

    Raises
    ------
    SchemaError
        A needed column is missing.
    EmptyResultError
        No paragraphs.
    ConfigError
        ``pos_keep`` given but the segmenter has POS off.

    Examples
    --------
    >>> seg = build_segmenter("强省会 3000 nz", backend="jieba")
    >>> paras = pd.DataFrame({"doc_id": ["d"], "para_id": ["d:p0000"], "text": ["坚持强省会。"]})
    >>> out = segment_docs(paras, segmenter=seg, stopwords=frozenset({"坚持"}))
    >>> out[["token", "start", "end", "keep"]].values.tolist()
    [['坚持', 0, 2, False], ['强省会', 2, 5, True], ['。', 5, 6, False]]
    """
    check_columns(paragraphs, "paragraphs", stage="segment", needs=_PARA_COLS)
    if len(paragraphs) == 0:
        raise EmptyResultError("segment got 0 paragraphs. Check that ingest found documents in the corpus folder.")
    if pos_keep and not segmenter.pos:
        raise ConfigError(f"pos_keep={pos_keep!r} needs POS tags, but the segmenter was built with pos=False. Build it with pos=True.")
    texts = paragraphs["text"]
    if texts.isna().any():
        warnings.warn(f"{int(texts.isna().sum())} paragraphs have no text; they give no tokens.", stacklevel=2)
    texts = texts.fillna("").astype(str).tolist()
    doc_ids = paragraphs["doc_id"].astype(str).tolist()
    cut = _cut_all(segmenter, texts, workers, doc_ids)

    counts, ids, vocab = cut.counts, cut.ids, cut.vocab
    n_tokens = len(ids)
    token = cut.tokens if cut.tokens is not None else pa.array(vocab, pa.large_string()).take(ids)
    # Offsets: tokens join back to their paragraph, so a token's end is the
    # running sum of token lengths minus the characters of earlier paragraphs.
    bounds = cut.bounds
    if bounds is None:
        bounds = np.zeros(n_tokens + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, vocab), dtype=np.int64, count=len(vocab))[ids], out=bounds[1:])
    text_lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    para_of = np.repeat(np.arange(len(texts), dtype=np.int32), counts)
    # Few fresh token-sized arrays, computed in place where possible: each
    # new one costs page faults (system time) on top of the arithmetic.
    starts = np.repeat(np.cumsum(text_lens) - text_lens, counts)
    ends = np.subtract(bounds[1:], starts)
    np.subtract(bounds[:-1], starts, out=starts)
    token_index = np.arange(n_tokens, dtype=np.int64)
    token_index -= np.repeat(np.cumsum(counts) - counts, counts)
    # Tags and keep flags once per word, spread to the tokens by id.
    word_tags = list(map(segmenter._tags.__getitem__, vocab)) if segmenter.pos else [""] * len(vocab)
    pos = pa.array(word_tags, pa.large_string()).take(ids)
    bad = _dropped_words(vocab, stopwords, min_len)
    if pos_keep:
        bad |= ~np.isin(np.array(word_tags, dtype=object), list(pos_keep))
    keep = ~bad[ids]
    df = pd.DataFrame(
        {
            "doc_id": _strings(pa.array(doc_ids, pa.large_string()).take(para_of)),
            "para_id": _strings(pa.array(paragraphs["para_id"].astype(str).tolist(), pa.large_string()).take(para_of)),
            "token_index": pd.arrays.IntegerArray(token_index, np.zeros(n_tokens, dtype=bool)),
            "token": _strings(token),
            "start": pd.arrays.IntegerArray(starts, np.zeros(n_tokens, dtype=bool)),
            "end": pd.arrays.IntegerArray(ends, np.zeros(n_tokens, dtype=bool)),
            "pos": _strings(pos),
            "keep": pd.arrays.BooleanArray(keep, np.zeros(n_tokens, dtype=bool)),
        },
        copy=False,  # the arrays are fresh; copying 8 columns of millions of rows is measurable
    )
    return conform(df, "tokens")


def segment_corpus(
    paragraphs: pd.DataFrame,
    *,
    userdict: tuple[UserTerm, ...],
    stopwords: frozenset[str],
    backend: str = "auto",
    hmm: bool = True,
    workers: int = 0,
    pos_keep: tuple[str, ...] = (),
    min_len: int = 2,
) -> dict[str, pd.DataFrame]:
    """The segment stage: build the segmenter from the lexicon and cut every paragraph.

    ``workers=0`` uses one process per core; the tokens are the same for
    any number of workers.

    Examples
    --------
    >>> paras = pd.DataFrame({"doc_id": ["d"], "para_id": ["d:p0000"], "text": ["坚持强省会。"]})
    >>> out = segment_corpus(paras, userdict=parse_userdict("强省会 3000 nz"), stopwords=frozenset(), backend="jieba")
    >>> out["tokens"]["token"].tolist()
    ['坚持', '强省会', '。']
    """
    import os

    segmenter = build_segmenter(userdict, backend=backend, hmm=hmm)
    tokens = segment_docs(paragraphs, segmenter=segmenter, stopwords=stopwords, pos_keep=tuple(pos_keep),
                          workers=workers or (os.cpu_count() or 1), min_len=min_len)
    return {"tokens": tokens}
