"""Text clean-up: site artefacts, normalisation, reflow, paragraph and sentence splitting.

Input: one decoded string (any script, any layout).  Output: a frozen
:class:`CleanText` whose ``paragraphs`` feed the ``paragraphs`` table
(``text``, ``is_heading``) and whose counters feed the ``audit`` table
(``repairs``, ``placeholders``, ``script_converted``, ``width_normalised``,
``artefacts_removed``, ``lines_reflowed``); see ``pipeline/records.py``.

The chain, in order (issue 3):

1. ``mojibake.repair_mojibake``: encoding damage.
2. Site artefacts: pinyin glued after characters (政協(xié)), HTML remnants
   (``</p>``, ``?/p>``), breadcrumbs (首页>…), web-page chrome
   (下载/打印/【字号：…】/扫一扫…), Wikisource licence footers, photo
   captions (…记者 某某 摄).  Credit lines (编辑:, 关键词:, 来源:, 时间:,
   新华社…电, 《人民日报》…) are moved to ``meta``.  Every removed character
   is counted in ``artefacts_removed``.
3. Normalisation: OpenCC ``t2s``; full-width letters/digits to ASCII while
   Chinese punctuation stays full-width; zero-width characters and BOM
   dropped; NBSP and single U+3000 to a space (U+3000 runs and TABs are
   paragraph breaks, as in the hprc texts); one quote style “” ‘’.
4. Reflow: hard-wrapped lines are joined back into paragraphs.

The rules below were written against the five sample reports in
``../shared/seeds`` and the corpora in ``../shared/corpora``.
"""

from __future__ import annotations

import difflib
import re
import statistics
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

from .chars import to_simplified as t2s
from .mojibake import repair_mojibake

__all__ = [
    "CleanText",
    "clean_document",
    "is_heading",
    "normalize_text",
    "repair_text",
    "split_sentences",
]


@dataclass(frozen=True)
class CleanText:
    """One cleaned document.

    ``paragraphs`` and ``headings`` have the same length; the counters are
    characters (``lines_reflowed`` counts joined line breaks).  ``meta`` holds
    lines moved out of the text, keyed ``editor``, ``keywords``,
    ``breadcrumb``, ``source``, ``published``, ``dateline``, ``caption``;
    several values under one key are joined with ``；``.
    """

    paragraphs: tuple[str, ...]
    headings: tuple[bool, ...]
    repairs: dict[str, int] = field(default_factory=dict)
    placeholders: int = 0
    artefacts_removed: int = 0
    script_converted: int = 0
    width_normalised: int = 0
    lines_reflowed: int = 0
    meta: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- characters

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RE = re.compile(f"[{_HAN}]")
# Tone-marked vowels and ü: a parenthesised group made only of pinyin letters
# that contains one of these cannot be an abbreviation such as (GDP) or (a).
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
_PINYIN_LETTERS = f"a-z{_TONED}"
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_SPACES = "\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f"
_SENT_END = "。！？；：…!?;:"
_FULL_STOPS = "。！？；"  # only full-width ones: ASCII ?! inside a line are often mojibake
_CLOSERS = "”’」』）)》】\"'"
_CLAUSE = "，、；：,;:"

_NUM_CN = "一二三四五六七八九十百零〇两"
_HEADING_RE = re.compile(
    rf"^(?:[{_NUM_CN}]+、"
    rf"|[（(][{_NUM_CN}]+[）)]"
    rf"|第[{_NUM_CN}\d]+[章节部分篇编条]"
    r"|\d{1,2}[、．.](?!\d))"
)


def _changed(before: str, after: str) -> int:
    """Characters changed between two versions of a string (substitutions + indels)."""
    if before == after:
        return 0
    if len(before) == len(after):
        return sum(a != b for a, b in zip(before, after, strict=True))
    sm = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return sum(max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in sm.get_opcodes() if op != "equal")


def _width(line: str) -> float:
    """Printed width: ASCII counts half, as in a PDF column of CJK text."""
    return sum(0.5 if ord(c) < 128 else 1.0 for c in line)


# --------------------------------------------------------------------------- artefacts

_PINYIN_RE = re.compile(
    # A pinyin group right after a Han character (or after the ? / U+FFFD that
    # mojibake left in its place): 政協(xié), 準(zhǔn).  Full-width brackets too.
    rf"(?<=[{_HAN}?\ufffd])[{_ZERO_WIDTH}]*"
    rf"(?:[(（](?=[{_PINYIN_LETTERS}]*[{_TONED}])[{_PINYIN_LETTERS}]{{1,7}}[)）])+"
)
# The same group whose "(" was swallowed by mojibake: 勇?lián)率.
_ORPHAN_PINYIN_RE = re.compile(rf"(?<=[?\ufffd])(?=[{_PINYIN_LETTERS}]*[{_TONED}])[{_PINYIN_LETTERS}]{{1,7}}\)")
_HTML_RE = re.compile(
    r"</?(?:p|br|div|span|strong|b|i|em|font|a|li|ul|ol|table|tr|td|th|h[1-6]|section|center)"
    r"(?:\s[^<>\n]{0,200})?/?>"
    r"|[?\ufffd]/(?:p|div|span|strong|font|a|li|td)>"
    r"|&(?:nbsp|amp|lt|gt|quot|ldquo|rdquo|mdash|hellip);",
    re.IGNORECASE,
)
_ENTITIES = {"&nbsp;": " ", "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"',
             "&ldquo;": "“", "&rdquo;": "”", "&mdash;": "—", "&hellip;": "…"}

# Lines of web-page chrome; matched on the normalised, stripped line.
_CLUTTER = frozenset(
    "下载 打印 全屏 收藏 加大 还原 减小 【 】 > ＞ | × 分享 分享: 分享： 分享到: 分享到： 分享到微信"
    " 相关报道: 相关报道： 相关文档: 相关文档： 相关新闻: 相关新闻： 相关阅读: 相关阅读："
    " 相关附件>> 相关链接>> 扫一扫在手机打开当前页 打印本页 关闭窗口 》》点击图片进入专题《《"
    " 阅读量: 阅读量： 【字号: 【字号： 【字体: 【字体： 返回顶部 打印文章 关闭 纠错".split()
)
_FONT_BLOCK = frozenset("大 中 小 加大 还原 减小 默认 】".split())
_BREADCRUMB_RE = re.compile(r"^(?:(?:您的|当前)位置\s*[:：]?\s*)?首页\s*(?:[>＞›»]|&gt;)")
_LOCATION_RE = re.compile(r"^(?:您的|当前)位置\s*[:：]?$")
_LABEL_RE = re.compile(
    r"^[（(]?(?P<label>责任编辑|编辑|关键词|关键字|来源|稿源|发布时间|发表时间|时间|日期)\s*[:：]\s*(?P<value>.*?)[）)]?$"
)
_LABEL_KEY = {"责任编辑": "editor", "编辑": "editor", "关键词": "keywords", "关键字": "keywords",
              "来源": "source", "稿源": "source", "发布时间": "published", "发表时间": "published",
              "时间": "published", "日期": "published"}
_DATETIME_RE = re.compile(
    r"^\d{4}-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
    r"|^\d{4}年\d{1,2}月\d{1,2}日\s*\d{1,2}[时:]\d{2}分?(?:\d{2}秒)?$"
)
_HEXID_RE = re.compile(r"^[0-9a-f]{24,40}[:：]?$")
_RELATED_RE = re.compile(r"^相关(?:报道|链接|附件|文档|新闻|阅读)")
_CAPTION_RE = re.compile(
    rf"^.{{0,160}}?记者\s*[{_HAN}·]{{1,5}}(?:\s[{_HAN}]{{1,3}})?\s*摄[）)]?\s*"
)
_CAPTION_DATE_RE = re.compile(r"(?<=\s)\d{1,2}月\d{1,2}日，")
_CAPTION_NO_CREDIT_RE = re.compile(rf"^.{{0,60}}作政府工作报告。.{{0,20}}记者\s*[{_HAN}·]{{2,5}}$")
_DATELINE_RE = re.compile(rf"^[（(]?新华社[{_HAN}]{{2,6}}\d{{1,2}}月\d{{1,2}}日电[）)]?")
_PRINT_SOURCE_RE = re.compile(r"^[（(]?\s*《\s*人民日报\s*》.{0,40}$")
_FOOTER_START_RE = re.compile(r"^本作品(?:是|来自|在)")
_FOOTER_LINES = frozenset({"Public domain", "false"})
_PARA_BREAK_RE = re.compile(r"[ \u00a0]*(?:\t|\u3000{2,})[\t\u3000 \u00a0]*")


class _Tally:
    """Counters and meta collected while one text is cleaned."""

    def __init__(self) -> None:
        self.artefacts = 0
        self.script = 0
        self.width = 0
        self.meta: dict[str, list[str]] = {}

    def move(self, key: str, value: str) -> None:
        value = value.strip()
        if value and value not in self.meta.setdefault(key, []):
            self.meta[key].append(value)


def _sub(pattern: re.Pattern[str], repl: str | Callable[[re.Match[str]], str], text: str,
         count: Callable[[int], None]) -> str:
    """``pattern.sub`` that reports how many characters it changed."""

    def _repl(m: re.Match[str]) -> str:
        new = repl(m) if callable(repl) else repl
        count(_changed(m.group(0), new))
        return new

    return pattern.sub(_repl, text)


def _layout(text: str) -> str:
    """Unify line breaks; TAB and U+3000 runs become paragraph breaks (hprc texts)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    return _PARA_BREAK_RE.sub("\n", text)


def _strip_inline(text: str, tally: _Tally) -> str:
    def add(n: int) -> None:
        tally.artefacts += n

    text = _sub(_PINYIN_RE, "", text, add)
    text = _sub(_ORPHAN_PINYIN_RE, "", text, add)
    return _sub(_HTML_RE, lambda m: _ENTITIES.get(m.group(0).lower(), ""), text, add)


def _view(line: str) -> str:
    """The normalised form a line rule matches against (so 編輯 == 编辑, ：== :)."""
    if len(line) > 300:
        return line.strip()  # every line rule targets short lines; skip the t2s cost
    return _normalise_line(line, _Tally(), to_simplified=True).strip()


def _strip_lines(lines: list[str], tally: _Tally) -> list[str]:
    """Drop chrome lines, move credit lines to meta; one pass."""
    views = [_view(ln) for ln in lines]
    keep: list[str] = []
    n = len(lines)
    i = 0

    def drop(k: int, key: str | None = None, value: str | None = None) -> None:
        tally.artefacts += len(lines[k].strip())
        if key:
            tally.move(key, views[k] if value is None else value)

    # Wikisource licence footer: from "本作品是…" to the end when it carries the licence tag.
    footer = n
    for k in range(n - 1, max(-1, n - 80), -1):
        if _FOOTER_START_RE.match(views[k]):
            rest = "".join(views[k:])
            if "公有领域" in rest or "Public domain" in rest:
                footer = k
            break
    while i < footer:
        v = views[i]
        nxt = views[i + 1] if i + 1 < n else ""
        if not v:
            keep.append(lines[i])
            i += 1
            continue
        if v in _FOOTER_LINES and all(w in _FOOTER_LINES or not w for w in views[i:]):
            drop(i)
        elif v.startswith(("【字号", "【字体")):
            drop(i)
            while i + 1 < n and views[i + 1] in _FONT_BLOCK:
                i += 1
                drop(i)
                if views[i] == "】":
                    break
        elif v in _CLUTTER:
            drop(i)
        elif _BREADCRUMB_RE.match(v) and len(v) <= 80:
            drop(i, "breadcrumb")
        elif (_LOCATION_RE.match(v) or v == "首页") and nxt in {">", "＞", "首页"}:
            crumbs = []
            if v == "首页":
                crumbs.append(v)
            drop(i)
            while i + 1 < n and (views[i + 1] in {">", "＞"} or (views[i + 1] == "首页" and not crumbs)):
                if views[i + 1] == "首页":
                    crumbs.append("首页")
                    i += 1
                    drop(i)
                    continue
                i += 1
                drop(i)
                if i + 1 < n and views[i + 1] and len(views[i + 1]) <= 12:
                    i += 1
                    crumbs.append(views[i])
                    drop(i)
            # Some sites repeat the last crumb as the section title.
            if crumbs and i + 1 < n and views[i + 1] == crumbs[-1]:
                i += 1
                drop(i)
            tally.move("breadcrumb", ">".join(crumbs))
        elif (m := _LABEL_RE.match(v)) and len(v) <= 60:
            key = _LABEL_KEY[m.group("label")]
            value = m.group("value")
            drop(i, key, value)
            # "来源：" alone with its value on the next line.
            if not value and i + 1 < n and 0 < len(nxt) <= 20 and nxt not in _CLUTTER \
                    and not _FULL_STOPS_RE.search(nxt) and not nxt.startswith(("【", "各位")):
                i += 1
                drop(i, key)
        elif _DATETIME_RE.match(v):
            drop(i, "published")
        elif _RELATED_RE.match(v) or _HEXID_RE.match(v):
            drop(i)
            # Links after "相关…": hex ids, each followed by one title line.
            while i + 1 < n and (views[i + 1] in _CLUTTER or _HEXID_RE.match(views[i + 1])):
                i += 1
                was_hex = bool(_HEXID_RE.match(views[i]))
                drop(i)
                if was_hex and i + 1 < n and views[i + 1] and len(views[i + 1]) <= 60:
                    i += 1
                    drop(i)
        elif (m := _CAPTION_RE.match(v)) and "。" not in v[m.end():][:1]:
            # The caption is dropped; what follows in the same segment
            # (hprc: "…新华社记者 刘卫兵 摄各位代表：") stays.
            raw = lines[i].strip()
            caption = m.group(0)
            # hprc glues the speaker line before the caption's date: keep it.
            lead = _CAPTION_DATE_RE.search(caption)
            head = caption[: lead.start()].strip() if lead else ""
            start = _match_raw_prefix(raw, head) if head else 0
            cut = _match_raw_prefix(raw, caption)
            tally.move("caption", caption[len(caption) - len(caption.lstrip()) + (lead.start() if lead else 0):].strip())
            tally.artefacts += cut - start
            rest = raw[cut:].strip()
            if head:
                keep.append(raw[:start].strip())
            if rest:
                keep.append(rest)
        elif _CAPTION_NO_CREDIT_RE.match(v):
            drop(i, "caption")
        elif (m := _DATELINE_RE.match(v)) and len(v) - m.end() <= 2:
            drop(i, "dateline", m.group(0).strip("（）()"))
        elif _PRINT_SOURCE_RE.match(v):
            drop(i, "source")
        else:
            keep.append(lines[i])
        i += 1
    for k in range(footer, n):
        drop(k)
    return keep


_FULL_STOPS_RE = re.compile(f"[{_FULL_STOPS}]")


def _match_raw_prefix(raw: str, view_prefix: str) -> int:
    """Length of the prefix of ``raw`` whose normalised view is ``view_prefix``."""
    target = len(view_prefix.strip())
    for k in range(len(raw) + 1):
        if len(_view(raw[:k])) >= target:
            return k
    return len(raw)


def _strip_artefacts(text: str, tally: _Tally) -> str:
    text = _strip_inline(_layout(text), tally)
    lines = text.split("\n")
    # Removing a line can expose another rule (a font block after a dropped
    # crumb); repeat until stable so that the result is idempotent.
    for _ in range(4):
        new = _strip_lines(lines, tally)
        if new == lines:
            break
        lines = new
    return "\n".join(lines)


# --------------------------------------------------------------------------- normalisation

_FW_ALNUM = {chr(c): chr(c - 0xFEE0) for c in range(0xFF10, 0xFF1A)}
_FW_ALNUM.update({chr(c): chr(c - 0xFEE0) for c in range(0xFF21, 0xFF3B)})
_FW_ALNUM.update({chr(c): chr(c - 0xFEE0) for c in range(0xFF41, 0xFF5B)})
# Symbols that belong with numbers; Chinese punctuation （，。：；！？“”）stays full-width.
_FW_ALNUM.update({"％": "%", "＋": "+", "＝": "=", "＠": "@", "＃": "#", "＆": "&", "＿": "_"})
_FW_TABLE = str.maketrans(_FW_ALNUM)
_ZW_RE = re.compile(f"[{_ZERO_WIDTH}]+")
_SPACE_RE = re.compile(f"[{_SPACES}\u3000]")
_MULTISPACE_RE = re.compile(r" {2,}")
_DECIMAL_RE = re.compile(r"(?<=\d)．(?=\d)")
_CJK_CTX = f"{_HAN}“”‘’（）《》、，。：；！？"
_ASCII_PUNCT_RE = re.compile(f"(?<=[{_CJK_CTX}])([,;:])(?=[{_CJK_CTX}])")
_ASCII_PUNCT = {",": "，", ";": "；", ":": "："}
_PAREN_RE = re.compile(rf"\(([^()\n]*[{_HAN}][^()\n]*)\)")
_DQUOTE_RE = re.compile(rf'"([^"\n]*[{_HAN}][^"\n]*)"')
_SQUOTE_RE = re.compile(rf"(?<![A-Za-z])'([^'\n]*[{_HAN}][^'\n]*)'(?![A-Za-z])")
_CORNER = str.maketrans({"「": "“", "」": "”", "『": "‘", "』": "’", "〝": "“", "〞": "”"})
# Letter-spaced titles (hprc: "政 府 工 作 报 告"); two-character names (龚 正) stay.
_LETTERSPACED_RE = re.compile(rf"[{_HAN}](?: [{_HAN}](?![{_HAN}])){{3,}}")


def _normalise_line(line: str, tally: _Tally, *, to_simplified: bool) -> str:
    """Script, width, space and quote normalisation of one line (no reflow)."""
    if to_simplified and _HAN_RE.search(line):
        converted = t2s(line)
        tally.script += _changed(line, converted)
        line = converted
    before = line
    line = _ZW_RE.sub("", line)
    line = line.translate(_FW_TABLE)
    line = _DECIMAL_RE.sub(".", line)
    line = _SPACE_RE.sub(" ", line)
    line = _MULTISPACE_RE.sub(" ", line).strip(" ")
    line = _LETTERSPACED_RE.sub(lambda m: m.group(0).replace(" ", ""), line)
    line = _ASCII_PUNCT_RE.sub(lambda m: _ASCII_PUNCT[m.group(1)], line)
    line = _PAREN_RE.sub(r"（\1）", line)
    line = line.translate(_CORNER)
    line = _DQUOTE_RE.sub(r"“\1”", line)
    line = _SQUOTE_RE.sub(r"‘\1’", line)
    tally.width += _changed(before, line)
    return line


def _normalise(text: str, tally: _Tally, *, to_simplified: bool) -> str:
    return "\n".join(_normalise_line(ln, tally, to_simplified=to_simplified) for ln in text.split("\n"))


def _repair(text: str) -> tuple[str, dict[str, int], int]:
    """Run the mojibake stage, accepting its old tuple return as well."""
    result = repair_mojibake(text)
    if isinstance(result, tuple):  # placeholder module of the first commit
        repaired, repairs = result[0], dict(result[1])
        return repaired, repairs, repaired.count("\ufffd")
    return result.text, dict(result.repairs), int(result.placeholders)


def _chain(text: str, tally: _Tally, *, to_simplified: bool) -> str:
    """Artefacts then normalisation, repeated until stable (normalising can expose
    an artefact, e.g. full-width ｘｉé)."""
    for _ in range(4):
        new = _normalise(_strip_artefacts(text, tally), tally, to_simplified=to_simplified)
        if new == text:
            break
        text = new
    return text


# --------------------------------------------------------------------------- public: strings


def repair_text(text: str) -> str:
    """Repair encoding damage and remove site artefacts, without script or width changes.

    Parameters
    ----------
    text : str
        Decoded text, e.g. a scraped web page.

    Returns
    -------
    str
        The text with mojibake repaired (see ``pipeline.mojibake``), pinyin
        annotations, HTML remnants, breadcrumbs, web-page chrome, footers and
        photo captions removed, and credit lines (编辑:, 关键词:, 来源: …)
        dropped.  Characters stay in their script and width.

    Examples
    --------
    >>> repair_text("首頁>政協(xié)·協(xié)商\\n政協(xié)委員</p>")
    '政協委員'
    """
    repaired, _, _ = _repair(text)
    tally = _Tally()
    for _ in range(4):
        new = _strip_artefacts(repaired, tally)
        if new == repaired:
            break
        repaired = new
    return repaired


def normalize_text(text: str) -> str:
    """Apply the whole clean-up chain to one string, without reflow.

    Repair (as :func:`repair_text`), then Traditional→Simplified (OpenCC
    ``t2s``), full-width letters and digits to ASCII, zero-width characters
    and BOM removed, NBSP and U+3000 to spaces (U+3000 runs and TABs to line
    breaks), and straight or corner quotes around Chinese text to “” ‘’.
    Idempotent; clean Simplified Chinese comes back unchanged.

    Parameters
    ----------
    text : str

    Returns
    -------
    str

    Examples
    --------
    >>> normalize_text("政協(xié)委員　提出２０２５年的「建議」")
    '政协委员 提出2025年的“建议”'
    >>> normalize_text("贵阳市政协，2025年。")
    '贵阳市政协，2025年。'
    """
    # Width folding can make text look like site damage (？：Ｂ becomes ?：B,
    # the pattern of a lost GBK byte), so the whole chain, repair included,
    # runs to its fixed point: a second call then has nothing left to change.
    for _ in range(4):
        repaired, _, _ = _repair(text)
        new = _chain(repaired, _Tally(), to_simplified=True)
        if new == text:
            break
        text = new
    return text


def normalize_field(value: str, *, to_simplified: bool = True) -> str:
    """Normalise one metadata value (title, city, organisation …) like the text it describes.

    The same chain as the document text (repair, artefacts, script, width),
    on one line: line breaks and runs of spaces become one space.

    Examples
    --------
    >>> normalize_field("論聯合政府 (七大)")
    '论联合政府 （七大）'
    >>> normalize_field("廣州共產黨報告", to_simplified=False)
    '廣州共產黨報告'
    """
    repaired, _, _ = _repair(value)
    text = _chain(repaired, _Tally(), to_simplified=to_simplified)
    return " ".join(text.split())


# --------------------------------------------------------------------------- reflow


def _ends_sentence(line: str) -> bool:
    stripped = line.rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in _SENT_END


def _block_start(line: str) -> bool:
    """A line that always opens a new paragraph: heading, subtitle, date, signature."""
    return bool(
        _HEADING_RE.match(line)
        or line.startswith(("——", "――", "--", "□"))
        or re.fullmatch(r"[（(]\d{4}年\d{1,2}月\d{1,2}日[）)]", line)
    )


def _unbalanced(text: str) -> bool:
    # Not “”: a quotation running over several paragraphs opens each of them
    # with “ and closes only the last, and mojibake often eats a quote mark.
    return any(text.count(o) > text.count(c) for o, c in ("《》", "（）"))


def _title_like(line: str) -> bool:
    """Headings, titles and name lines carry no clause punctuation."""
    return is_heading(line) or not any(c in _CLAUSE for c in line) or line.startswith(("——", "□"))


def _reflow(lines: list[str]) -> tuple[list[str], int]:
    """Join hard-wrapped lines; return paragraphs and the number of joins."""
    items: list[tuple[str, int]] = []  # (line, blank lines before it)
    gap = 0
    for ln in lines:
        ln = ln.strip()
        if ln:
            items.append((ln, gap))
            gap = 0
        else:
            gap += 1
    if not items:
        return [], 0
    widths = [_width(ln) for ln, _ in items]
    wrap = statistics.median(widths)
    tol = max(2.0, 0.15 * wrap)
    # A PDF column: most lines share one width (003: ~19 characters).
    hard_wrapped = len(items) >= 8 and wrap <= 60 and sum(abs(w - wrap) <= tol for w in widths) >= 0.5 * len(items)
    gaps = [g for _, g in items[1:]]
    # Paragraphs separated by blank lines; a single newline is then an inline
    # break (Wikisource links, a title split as 政府工作报\n告).
    blank_separated = bool(gaps) and sum(g > 0 for g in gaps) >= 0.6 * len(gaps)

    paragraphs: list[str] = []
    joins = 0
    buf = items[0][0]
    last = buf
    for ln, g in items[1:]:
        if _continues(last, ln, g, buf, wrap if hard_wrapped else None, blank_separated):
            sep = " " if last[-1].isascii() and last[-1].isalpha() and ln[0].isascii() and ln[0].isalpha() else ""
            buf += sep + ln
            joins += 1
        else:
            paragraphs.append(buf)
            buf = ln
        last = ln
    paragraphs.append(buf)
    return paragraphs, joins


def _continues(a: str, b: str, gap: int, buf: str, wrap: float | None, blank_separated: bool) -> bool:
    """Does line ``b`` continue the paragraph whose last line is ``a``?"""
    if wrap is not None and a.endswith("；") and _width(a) >= 0.75 * wrap:
        pass  # in a PDF column a full line may end at a semicolon mid-paragraph (003)
    elif _ends_sentence(a):
        return False
    if _unbalanced(buf):
        return True  # an open 《 or （ never spans two paragraphs
    if _block_start(b):
        return False
    if wrap is not None:
        if _HEADING_RE.match(buf) and not _FULL_STOPS_RE.search(buf) and a[-1] in "”》）":
            return False  # 003's headings end on a quoted slogan: …中提高“政协站位”
        return _width(a) >= 0.75 * wrap  # a short line ends its paragraph
    if _FULL_STOPS_RE.search(a):
        return True  # prose cut mid-sentence (a page break in 000/001)
    if gap > 0:
        return False
    if blank_separated:
        return True
    # One paragraph per line: join only a fragment followed by a line no
    # longer than itself (a wrapped tail), never a heading or name line.
    return not _title_like(a) and _width(b) <= 1.3 * _width(a) + 2


# --------------------------------------------------------------------------- public: documents


def is_heading(paragraph: str) -> bool:
    """Whether a paragraph is a numbered heading (一、… （二）… 第三章 … 1. …).

    A numbered paragraph that goes on with prose after a full stop, or runs
    longer than 60 characters, is a paragraph with a lead-in, not a heading.

    Parameters
    ----------
    paragraph : str

    Returns
    -------
    bool

    Examples
    --------
    >>> is_heading("一、2024年工作回顾"), is_heading("（二）始终坚持围绕中心服务大局")
    (True, True)
    >>> is_heading("（一）加强宏观调控。我们实施积极的财政政策。")
    False
    """
    p = paragraph.strip()
    if not _HEADING_RE.match(p) or len(p) > 60:
        return False
    body = p.rstrip(_CLOSERS + "。！？")
    return not _FULL_STOPS_RE.search(body)


_SENT_RE = re.compile(r"[^。！？!?；;…]*?(?:[。！？!?；;]+|…+)[”’」』）)\"']*|[^。！？!?；;…]+$", re.S)


def split_sentences(paragraph: str) -> list[tuple[int, int]]:
    """Sentence spans of one paragraph.

    A sentence ends after 。！？；… (and their ASCII forms), plus any closing
    quotes or brackets that follow them; a tail without a final mark is the
    last sentence.  Leading whitespace is not part of a sentence.

    Parameters
    ----------
    paragraph : str

    Returns
    -------
    list of (int, int)
        ``(start, end)`` offsets, ``end`` exclusive, in order.

    Examples
    --------
    >>> p = "他说：“好。”我们走吧！还有"
    >>> [p[s:e] for s, e in split_sentences(p)]
    ['他说：“好。”', '我们走吧！', '还有']
    """
    spans = []
    for m in _SENT_RE.finditer(paragraph):
        s, e = m.span()
        while s < e and paragraph[s].isspace():
            s += 1
        while e > s and paragraph[e - 1].isspace():
            e -= 1
        if s < e:
            spans.append((s, e))
    return spans


def clean_document(text: str, *, to_simplified: bool = True, reflow: bool = True) -> CleanText:
    """Clean one document: repair, strip artefacts, normalise, reflow.

    Parameters
    ----------
    text : str
        The decoded text of one document.
    to_simplified : bool
        Convert Traditional to Simplified with OpenCC ``t2s``.
    reflow : bool
        Join hard-wrapped lines into paragraphs; if False every non-empty line
        is a paragraph.

    Returns
    -------
    CleanText

    Examples
    --------
    >>> c = clean_document("首頁>政協\\n一、工作回顧\\n現在，我代表政協常務委員\\n會作工作報告。\\n編輯:李澤杰")
    >>> c.paragraphs
    ('一、工作回顾', '现在，我代表政协常务委员会作工作报告。')
    >>> c.headings, c.meta["editor"], c.lines_reflowed
    ((True, False), '李泽杰', 1)
    """
    repaired, repairs, placeholders = _repair(text)
    tally = _Tally()
    normalised = _chain(repaired, tally, to_simplified=to_simplified)
    lines = normalised.split("\n")
    if reflow:
        paragraphs, joins = _reflow(lines)
    else:
        paragraphs, joins = [ln.strip() for ln in lines if ln.strip()], 0
    if text.strip() and not paragraphs:
        warnings.warn(
            f"No text left after clean-up ({len(text)} characters in, all artefacts or blank). "
            "Check the source file or the artefact rules in pipeline/textfix.py.",
            stacklevel=2,
        )
    meta = {k: "；".join(v) for k, v in tally.meta.items() if v}
    return CleanText(
        paragraphs=tuple(paragraphs),
        headings=tuple(is_heading(p) for p in paragraphs),
        repairs=repairs,
        placeholders=placeholders,
        artefacts_removed=tally.artefacts,
        script_converted=tally.script,
        width_normalised=tally.width,
        lines_reflowed=joins,
        meta=meta,
    )
