"""Metadata inference: year, date, title, organisation, city, speaker and type of one document.

Input: the normalised Simplified paragraphs of one document (a paragraph may
still hold line breaks; every line is looked at on its own), the file name and
the reader/manifest ``hints``.  Output: a frozen ``DocMeta``.

A hint always wins over inference.  Every inferred year comes with the quoted
text that supports it (``year_evidence``); the rules, strongest first:

1. manifest/reader ``year`` (``manifest: year=2025``), then a manifest ``date``;
2. a short date line in the first or last lines, the signature block of a
   speech or report: ``（2025年1月11日）``, ``——1959年4月18日在…会议上``;
3. a title-like head line that names its year: ``2026年政府工作报告``;
4. a national session: ``第十四届全国人民代表大会第三次会议`` → 2025 (NPC and
   national CPPCC terms have been five yearly sessions since 1978; the
   irregular first four NPC terms use a table).  Local terms are numbered
   place by place, so a local session dates nothing on its own;
5. a review heading ``一、2024年工作回顾`` → the report was given in 2025;
6. ``一年来``/``过去一年`` with ``X年是…`` in the same paragraph → X+1;
7. a year in the file name (``2024_…``), weak evidence.

A date such as ``5月19日`` without a year dates nothing, and neither does a
year in the body (``《2020年…工作要点》``): the document then has year
``None`` and the caller keeps and flags it.

Place names are checked against jieba's dictionary, so ``比如说贵阳市政协``
gives 贵阳, not 如说贵阳.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from .. import basedict

DOC_TYPES = ("work_report", "speech", "article", "resolution", "other")
# Labels other corpora use for our types (manifest ``kind``/``type`` cells).
DOC_TYPE_ALIASES = {
    "government_work_report": "work_report", "report": "work_report", "工作报告": "work_report",
    "政府工作报告": "work_report", "npc_resolution": "resolution", "npc_resolution_on_gwr": "resolution", "决议": "resolution",
    "讲话": "speech", "发言": "speech", "文章": "article", "news": "article",
}


def _doc_type_hint(value: str | None) -> str | None:
    """A manifest's type label in our vocabulary; an unknown label is kept as given
    (the manifest wins), with a warning so a typo does not go unnoticed.

    >>> _doc_type_hint("government_work_report")
    'work_report'
    """
    if not value:
        return None
    label = DOC_TYPE_ALIASES.get(value.strip().lower(), value.strip())
    if label not in DOC_TYPES:
        warnings.warn(f"doc_type {label!r} from the manifest is not one of {', '.join(DOC_TYPES)}; kept as given.", stacklevel=3)
    return label


@dataclass(frozen=True)
class DocMeta:
    """Metadata of one document; ``None`` where neither hints nor text say."""

    title: str | None
    organisation: str | None
    city: str | None
    speaker: str | None
    year: int | None
    date: str | None  # ISO 'YYYY-MM-DD' or 'YYYY-MM'
    doc_type: str  # one of DOC_TYPES
    year_evidence: str | None


# ------------------------------------------------------------------ patterns

_CN_DIGITS = {
    "〇": 0,
    "零": 0,
    "○": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_NUM = "〇零○一二三四五六七八九十"
_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(?:(\d{1,2})\s*日)?")
_CN_DATE = re.compile(
    r"([〇零○一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月(?:([一二三四五六七八九十]{1,3})日)?"
)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_TITLE_YEAR = re.compile(r"^(?:.{0,12}?)((?:19|20)\d{2})年.{0,20}报告")
_YEAR_TOKEN = r"((?:19|20)\d{2}|[〇零○一二三四五六七八九]{4})\s*年"
_REVIEW = re.compile(
    rf"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])?\s*{_YEAR_TOKEN}(?:国内)?(?:工作)?的?回顾"
)
_LAST_YEAR = re.compile(rf"^(?:刚刚过去的|过去的|首先报告){_YEAR_TOKEN}")
_ONE_YEAR_HEADING = re.compile(r"(?:过去一年|去年|一年来)(?:工作)?(?:的)?回顾")
_PAST_YEAR = re.compile(rf"{_YEAR_TOKEN}是")
# Only the line that says where the text was given ("——…在第十四届全国人民代表
# 大会第三次会议上") dates it; the body cites earlier sessions all the time.
_SESSION = re.compile(
    rf"(?:^|在|向)(?:中华人民共和国)?第([{_CN_NUM}\d]+)届全国(人民代表大会|委员会)(?:第([{_CN_NUM}\d]+)次(?:全体)?会议)?(?!以来|闭幕)"
)
_CONGRESS = re.compile(rf"在([\u4e00-\u9fff]{{2,4}}?)(省|市|自治区)第[{_CN_NUM}\d]+届人民代表大会")
_SUFFIX = "(自治区|自治州|特别行政区|市|省|县|区|州|盟)"
_ORG_ANCHORED = re.compile(
    rf"(?:政协(?:第[{_CN_NUM}\d]+届)?|中国人民政治协商会议)([\u4e00-\u9fff]{{2,7}}?){_SUFFIX}委员会"
)
_ORG_FREE = re.compile(rf"{_SUFFIX}(政协|人民政府|人大常委会)")
_OFFICE = re.compile(
    r"^[（(][^（()）]*(书记|主席|市长|省长|县长|区长|州长|总理|主任|部长|秘书长|厅长|局长|院长|委员|代表)[^（()）]*[）)]$"
)
_PREMIER = re.compile(r"^(?:国务院)?(?:总理|省长|市长|主席)\s*([\u4e00-\u9fff]{2,4})$")
_BYLINE_MARK = re.compile(r"^[□■◎●○]\s*")
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")
_SENTENCE_END = re.compile(r"[。！？；：:;!?]$")

# The 34 provincial-level units: a provincial report names its province.
_PROVINCES = frozenset(
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 "
    "四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门".split()
)
# Common surnames (single and compound): a bare 2–4 character line is taken
# as a name only when it starts with one, so "结语" or "附件" never is.
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向"
    "汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季"
    "裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚"
    "岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
) | {
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "令狐",
    "慕容",
    "尉迟",
    "长孙",
    "宇文",
    "司徒",
    "夏侯",
}

# NPC terms before the five-yearly rhythm: term -> year of each session.
_EARLY_NPC = {
    1: (1954, 1955, 1956, 1957, 1958),
    2: (1959, 1960, 1962, 1963),
    3: (1964,),
    4: (1975,),
}

_HEAD_LINES = 8
_TAIL_LINES = 8
_ZONE_CHARS = 400


def _cn_int(s: str) -> int | None:
    """'十三' → 13, '四' → 4, '二〇二五' → 2025, '14' → 14."""
    if s.isdigit():
        return int(s)
    if "十" not in s:
        digits = [_CN_DIGITS.get(c) for c in s]
        return None if None in digits else int("".join(map(str, digits)))
    tens, _, ones = s.partition("十")
    t = _CN_DIGITS.get(tens, None) if tens else 1
    o = _CN_DIGITS.get(ones, None) if ones else 0
    return None if t is None or o is None else t * 10 + o


def _session_year(term: int, body: str, session: int) -> int | None:
    if body == "人民代表大会" and term in _EARLY_NPC:
        years = _EARLY_NPC[term]
        return years[session - 1] if 0 < session <= len(years) else None
    if term >= 5 and 1 <= session <= 5:
        return 1978 + 5 * (term - 5) + session - 1
    return None


def _place(prefix: str, suffix: str) -> str | None:
    """The place name that ends ``prefix`` (2–4 characters), validated by jieba's dictionary."""
    # Every word of dict.txt has a frequency > 0, so "is a word" is "has a tag
    # entry": no prefix dictionary needed (building it took 3 s per process).
    tags = basedict.word_tags()
    for n in (4, 3, 2):
        name = prefix[-n:]
        if len(name) < n or not _HAN.match(name):
            continue
        if name in _PROVINCES or name + suffix in tags or tags.get(name) == "ns":
            return name
    return None


def _lines(paragraphs: Sequence[str]) -> list[str]:
    return [ln.strip() for p in paragraphs for ln in str(p).splitlines() if ln.strip()]


def _zones(lines: list[str]) -> list[str]:
    """Head and tail lines, where titles, bylines and signature blocks sit."""
    if len(lines) <= _HEAD_LINES + _TAIL_LINES:
        return lines
    return lines[:_HEAD_LINES] + lines[-_TAIL_LINES:]


def _name(line: str) -> str | None:
    """``line`` as a person's name (2–4 Han characters, common surname), else None."""
    s = re.sub(r"\s+", "", _BYLINE_MARK.sub("", line))
    if 2 <= len(s) <= 4 and _HAN.match(s) and (s[0] in _SURNAMES or s[:2] in _SURNAMES):
        return s
    return None


# ---------------------------------------------------------------- year/date


def _date_in(line: str) -> tuple[int, str] | None:
    m = _DATE.search(line)
    if m:
        y, mo, d = int(m[1]), int(m[2]), m[3]
    else:
        m = _CN_DATE.search(line)
        if not m:
            return None
        y, mo, d = _cn_int(m[1]), _cn_int(m[2]), m[3] and str(_cn_int(m[3]))
        if y is None or mo is None:
            return None
    if not 1 <= mo <= 12 or (d is not None and not 1 <= int(d) <= 31):
        return None
    return y, f"{y:04d}-{mo:02d}" + (f"-{int(d):02d}" if d else "")


def _year_from_text(
    paragraphs: Sequence[str], lines: list[str], filename: str
) -> tuple[int | None, str | None, str | None]:
    """(year, date, evidence) from the text and file name, strongest rule first."""
    # 2. A short date line in the head or tail: the signature of a report or speech.
    for line in lines[:6] + lines[-6:]:
        if len(line) <= 40:
            found = _date_in(line)
            if found and (found[1].count("-") == 2 or line.startswith(("（", "(", "——", "—"))):
                return found[0], found[1], line
    # 3. A title-like head line naming its year.
    for line in lines[:4]:
        m = _TITLE_YEAR.match(line)
        if m and len(line) <= 60 and not _SENTENCE_END.search(line) and not _REVIEW.match(line):
            return int(m[1]), None, line
    # 4. A national session.
    for line in lines[:3] + lines[-_TAIL_LINES:]:
        m = _SESSION.search(line)
        if m:
            # "向第四届全国人民代表大会作…报告" names no session: its first one.
            if not m[3] and not line[m.end() : m.end() + 1] == "作":
                continue  # "在第六届全国人民代表大会期间" dates nothing
            term, session = _cn_int(m[1]), _cn_int(m[3]) if m[3] else 1
            year = _session_year(term, m[2], session) if term and session else None
            if year:
                return year, None, f"{m[0]} → {year}"
    # 5. A review heading: the report looks back on the previous year.
    for line in lines:
        m = _REVIEW.match(line)
        if m and len(line) <= 30:
            return _cn_int(m[1]) + 1, None, f"{line} → report given the following year"
    for prev, line in zip([""] + lines, lines[:12], strict=False):
        m = _LAST_YEAR.match(line)
        if not m and _ONE_YEAR_HEADING.search(prev) and len(prev) <= 30:
            m = re.match(rf"^{_YEAR_TOKEN}[，,是]", line)  # 一、去年工作回顾 / 2005年，…
        if m:
            return (
                _cn_int(m[1]) + 1,
                None,
                f"{(prev + ' / ') if not _LAST_YEAR.match(line) else ''}{m[0]} → given the following year",
            )
    # 6. "一年来 … X年是…" in one paragraph.
    for para in paragraphs:
        if "一年来" in para or "过去一年" in para:
            m = _PAST_YEAR.search(para)
            if m:
                return _cn_int(m[1]) + 1, None, f"{m[0]}…一年来 → given the following year"
    # 7. The file name, weak.
    base = PurePath(filename).name
    m = _YEAR.search(base)
    if m:
        return int(m[1]), None, f"filename (weak): {base}"
    return None, None, None


def _year_from_hints(hints: Mapping[str, str]) -> tuple[int | None, str | None, str | None]:
    year = date = evidence = None
    raw = str(hints.get("year", "")).strip()
    if raw:
        try:
            year = int(float(raw))
            evidence = f"manifest: year={raw}"
        except ValueError:
            warnings.warn(
                f"hint year={raw!r} is not a year; it is ignored. Write the year as 2025.",
                stacklevel=3,
            )
    raw_date = str(hints.get("date", "")).strip()
    if raw_date:
        m = re.match(r"^((?:19|20)\d{2})[-/.年](\d{1,2})(?:[-/.月](\d{1,2}))?", raw_date)
        if m:
            date = f"{int(m[1]):04d}-{int(m[2]):02d}" + (f"-{int(m[3]):02d}" if m[3] else "")
            if year is None:
                year, evidence = int(m[1]), f"manifest: date={raw_date}"
            elif year != int(m[1]):
                date = None  # a date of another year (e.g. a web upload) does not date the text
    return year, date, evidence


# ------------------------------------------------------------ who and what


def _organisation(compact: str) -> tuple[str | None, str | None]:
    """(organisation, city) from the compact text: head first, then tail, then the most frequent."""
    found: list[tuple[int, str, str | None]] = []
    for m in _ORG_ANCHORED.finditer(compact):
        if m[1] == "全国" or m[1].endswith("全国"):
            found.append((m.start(), "全国政协", None))
            continue
        place = _place(m[1], m[2])
        if place:
            found.append((m.start(), f"{place}{m[2]}政协", place))
    for m in _ORG_FREE.finditer(compact):
        place = _place(compact[max(0, m.start() - 4) : m.start()], m[1])
        if place:
            found.append((m.start() - len(place), f"{place}{m[1]}{m[2]}", place))
    for m in _CONGRESS.finditer(compact[:_ZONE_CHARS] + compact[-_ZONE_CHARS:]):
        # "——2026年2月3日在上海市第十六届人民代表大会…上": the government reports to it.
        place = _place(m[1], m[2])
        if place:
            pos = (
                m.start() if m.start() < _ZONE_CHARS else len(compact) - 2 * _ZONE_CHARS + m.start()
            )
            found.append((max(pos, 0), f"{place}{m[2]}人民政府", place))
    for m in re.finditer(r"代表国务院|国务院总理", compact):
        found.append((m.start(), "国务院", None))
    if not found:
        return None, None
    found.sort()
    head = [f for f in found if f[0] < _ZONE_CHARS]
    tail = [f for f in found if f[0] >= len(compact) - _ZONE_CHARS]
    if head:
        _, org, city = head[0]
    elif tail:
        _, org, city = tail[0]
    else:
        counts = Counter(f[1] for f in found)
        best = max(counts.values())
        _, org, city = next(f for f in found if counts[f[1]] == best)
    return org, city


def _speaker(lines: list[str]) -> str | None:
    # A name line followed by its office: 王宏 / （兰州市政协党组书记、主席）.
    for a, b in zip(lines, lines[1:], strict=False):
        if _OFFICE.match(b) and _name(a):
            return _name(a)
    head, tail = lines[:_HEAD_LINES], lines[-_TAIL_LINES:]
    for line in head:
        if _BYLINE_MARK.match(line) and _name(line):  # □钟  鸣
            return _name(line)
        m = _PREMIER.match(re.sub(r"\s+", "", line))
        if m and _name(m[1]):  # 国务院总理周恩来
            return m[1]
    # A signature: the name right after (or before) the date line.
    for i, line in enumerate(tail):
        if _date_in(line) and len(line) <= 40:
            for j in (i + 1, i - 1):
                if 0 <= j < len(tail) and _name(tail[j]):
                    return _name(tail[j])
    return None


def _title(lines: list[str]) -> str | None:
    def title_like(line: str) -> bool:
        return (
            len(line) <= 60
            and not _SENTENCE_END.search(line)
            and "，" not in line
            and not _REVIEW.match(line)
        )

    if lines and title_like(lines[0]):
        return lines[0]
    # A report that opens with the salutation carries its title in the tail:
    # 中国人民政治协商会议 / 贵阳市委员会常务委员会工作报告.
    tail = lines[-_TAIL_LINES:]
    for i, line in enumerate(tail):
        if line.endswith("报告") and title_like(line):
            prev = tail[i - 1] if i > 0 else ""
            joined = (
                prev + line
                if prev and title_like(prev) and not _date_in(prev) and not prev.startswith("—")
                else line
            )
            return joined
    return None


def _doc_type(lines: list[str], title: str | None) -> str:
    if not lines:
        return "other"
    zone = " ".join(([title] if title else []) + lines[:5])
    tail = " ".join(lines[-_TAIL_LINES:])
    if (title and "决议" in title) or any(
        re.search(r"决议$", ln) and len(ln) <= 60 for ln in lines[:3]
    ):
        return "resolution"
    if (
        "工作报告" in zone
        or "工作报告" in tail
        or re.search(r"作(?:政府)?工作报告|报告政府工作|向大会作.{0,40}报告", " ".join(lines[:5]))
    ):
        return "work_report"
    if re.match(r"各位(?:代表|委员)", lines[0]) and any(
        _REVIEW.match(ln) or ln.endswith("回顾") for ln in lines[:40]
    ):
        return "work_report"  # an address to a congress that reviews the past year(s)
    if re.search(r"发言|讲话|致辞|座谈会", zone):
        return "speech"
    return "article"


def infer_metadata(
    paragraphs: Sequence[str], *, filename: str = "", hints: Mapping[str, str] | None = None
) -> DocMeta:
    """Infer title, organisation, city, speaker, year, date and type of one document.

    Parameters
    ----------
    paragraphs : sequence of str
        Normalised Simplified paragraphs of one document, in order.
    filename : str
        Source file name; a year in it is weak evidence.
    hints : mapping, optional
        Manifest or reader values (``title``, ``year``, ``date``, ``city``,
        ``province``, ``organisation``, ``speaker``, ``doc_type``).  A hint
        always wins over inference; ``province`` stands in for ``city``.

    Returns
    -------
    DocMeta
        ``year_evidence`` quotes the text (or names the hint) that dates the
        document; ``year`` is ``None`` when nothing does.

    Examples
    --------
    >>> m = infer_metadata(["各位委员：", "现在，我代表政协第十三届贵阳市委员会常务委员会向大会作工作报告。",
    ...                     "一、2024年工作回顾", "（2025年1月11日）", "石邦林"])
    >>> m.year, m.date, m.year_evidence, m.city, m.organisation, m.speaker, m.doc_type
    (2025, '2025-01-11', '（2025年1月11日）', '贵阳', '贵阳市政协', '石邦林', 'work_report')
    >>> infer_metadata(["5月19日，市政协召开座谈会。"]).year is None
    True
    >>> infer_metadata(["一、2024年工作回顾"], hints={"year": "2025"}).year_evidence
    'manifest: year=2025'
    """
    hints = {
        k: str(v).strip() for k, v in (hints or {}).items() if v is not None and str(v).strip()
    }
    lines = _lines(paragraphs)
    compact = re.sub(r"\s+", "", "".join(lines))

    year, date, evidence = _year_from_hints(hints)
    if year is None:
        year, date, evidence = _year_from_text(paragraphs, lines, filename)
    elif date is None:
        # The manifest dates the document; keep a text date only if it agrees.
        _, text_date, _ = _year_from_text(paragraphs, lines, "")
        if text_date and text_date.startswith(f"{year:04d}"):
            date = text_date

    title = hints.get("title") or _title(lines)
    org, city = _organisation(compact)
    doc_type = _doc_type_hint(hints.get("doc_type")) or _doc_type(lines, title)
    return DocMeta(
        title=title,
        organisation=hints.get("organisation") or org,
        city=hints.get("city") or hints.get("province") or city,
        speaker=hints.get("speaker") or _speaker(lines),
        year=year,
        date=date,
        doc_type=doc_type,
        year_evidence=evidence,
    )
