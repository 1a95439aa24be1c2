"""Tests of pipeline/readers.py: encoding detection and the format readers."""

from __future__ import annotations

import codecs
import difflib
import io
import json
import re
from functools import cache
from pathlib import Path

import pytest

from pipeline.errors import SourceError
from pipeline.ingest.readers import SUPPORTED_SUFFIXES, RawDoc, decode_bytes, read_source

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
CORPORA = SHARED / "corpora"

LONG = (
    "中央政协工作会议召开以来，贵阳市政协认真学习贯彻习近平总书记关于加强和改进人民政协工作的重要思想，"
    "牢牢把握新时代人民政协的新方位新使命，聚焦协商主责主业，抓实四个关键环节，努力推动专门协商机构构建"
    "有质量、有水平、商有特色。2024年共开展协商活动36次，提出意见建议120余条。\n"
) * 5
SHORT = "政协委员围绕乡村振兴建言献策"


@cache
def _s2t():
    import opencc

    return opencc.OpenCC("s2t").convert


@cache
def short_sentences() -> tuple[str, ...]:
    """30 sixteen-character Chinese sentences from the sample corpus (a fixed fallback if absent)."""
    sents: list[str] = []
    for f in sorted(SEEDS.glob("*.txt")):
        if f.name.startswith("002_"):  # the mojibake-damaged sample
            continue
        for s in re.split(r"[。！？\n]", f.read_text(encoding="utf-8")):
            s = s.strip()
            if len(s) >= 16 and not re.search(r"[A-Za-z0-9\ufffd\s]", s):
                sents.append(s[:16])
    if len(sents) < 30:
        sents = [(LONG * 2)[i * 16 : i * 16 + 16] for i in range(30)]
    step = max(1, len(sents) // 30)
    return tuple(sents[::step][:30])


# ------------------------------------------------------------ decode_bytes


@pytest.mark.parametrize(
    ("codec", "expected"),
    [
        ("utf_8", "utf_8"),
        ("utf_8_sig", "utf_8_sig"),
        ("gb18030", "gb18030"),
        ("gbk", "gb18030"),
        ("gb2312", "gb18030"),
    ],
)
@pytest.mark.parametrize("text", [SHORT, LONG], ids=["short", "long"])
def test_decode_round_trip_simplified(codec, expected, text):
    got, enc, conf = decode_bytes(text.encode(codec))
    assert (got, enc) == (text, expected)
    assert 0.5 < conf <= 1.0


@pytest.mark.parametrize("text", [SHORT, LONG], ids=["short", "long"])
def test_decode_big5_traditional(text):
    trad = _s2t()(text)
    got, enc, conf = decode_bytes(trad.encode("big5"))
    assert got == trad
    assert enc in ("big5", "cp950")
    assert conf > 0.5


@pytest.mark.parametrize(
    ("bom", "codec", "name"),
    [
        (codecs.BOM_UTF16_LE, "utf_16_le", "utf_16_le"),
        (codecs.BOM_UTF16_BE, "utf_16_be", "utf_16_be"),
    ],
)
@pytest.mark.parametrize("text", [SHORT, LONG], ids=["short", "long"])
def test_decode_utf16_with_bom(bom, codec, name, text):
    assert decode_bytes(bom + text.encode(codec)) == (text, name, 1.0)


@pytest.mark.parametrize("codec", ["utf_16_le", "utf_16_be"])
def test_decode_utf16_without_bom(codec):
    got, enc, _ = decode_bytes(LONG.encode(codec))
    assert (got, enc) == (LONG, codec)


def test_decode_empty_and_ascii():
    assert decode_bytes(b"") == ("", "utf_8", 1.0)
    assert decode_bytes(b"2025 report") == ("2025 report", "utf_8", 1.0)


@pytest.mark.parametrize("codec", ["gbk", "big5"])
def test_decode_short_sentences_29_of_30(codec):
    sents = short_sentences()
    assert len(sents) == 30
    ok = n = 0
    for s in sents:
        src = _s2t()(s) if codec == "big5" else s
        try:
            data = src.encode(codec)
        except UnicodeEncodeError:  # a simplified-only character with no Big5 code
            continue
        n += 1
        ok += decode_bytes(data)[0] == src
    assert n >= 25
    assert ok >= n - 1, f"{ok}/{n} short {codec} sentences decoded"


def test_decode_damaged_utf8_keeps_utf8_and_marks_bytes():
    data = LONG.encode("utf-8")
    data = data[:30] + b"\xff" + data[30:]
    text, enc, conf = decode_bytes(data)
    assert enc == "utf_8"
    assert text.count("\ufffd") == 1
    assert text.replace("\ufffd", "") == LONG
    doc = read_source("x.txt", data)[0]
    assert any("U+FFFD" in w for w in doc.warnings)


def test_decode_gbk_with_one_bad_byte_stays_gb18030():
    data = LONG.encode("gbk")
    data = data[:40] + b"\xff" + data[40:]
    text, enc, conf = decode_bytes(data)
    assert enc == "gb18030"
    assert text.count("\ufffd") == 1
    assert conf <= 0.5  # the codec is right but bytes were lost


# ------------------------------------------------------------ dispatch / txt


def test_supported_suffixes():
    assert {
        ".txt",
        ".html",
        ".htm",
        ".pdf",
        ".docx",
        ".csv",
        ".tsv",
        ".jsonl",
    } <= SUPPORTED_SUFFIXES


def test_unsupported_suffix_and_empty_file():
    with pytest.raises(SourceError, match=r"unsupported format '\.doc'.*\.docx"):
        read_source("report.doc", b"x")
    with pytest.raises(SourceError, match="empty file"):
        read_source("a.txt", b"")


def test_read_txt_gbk_keeps_text_untouched():
    text = "各位委员：\r\n　　现在，我代表政协贵阳市委员会常务委员会，向大会报告工作。\n"
    [doc] = read_source("dir/A.TXT", text.encode("gbk"))
    assert doc == RawDoc(text, "txt", "gb18030", doc.confidence, None, {}, ())
    assert doc.confidence > 0.9


# ------------------------------------------------------------------- HTML

PAGE = """<!DOCTYPE html><html><head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>贵阳市政协2024年工作报告_贵阳市政协网</title>
<meta name="keywords" content="政协,协商,贵阳">
<meta name="description" content="贵阳市政协常务委员会工作报告">
<meta name="PubDate" content="2025-01-11">
<script>var nav = "首页";</script><style>.a{color:red}</style>
</head><body>
<div class="header"><a href="/">首页</a> <a href="/a">政协要闻</a> <a href="/b">委员风采</a></div>
<div id="nav"><ul><li><a href="/">网站首页</a></li><li><a href="/x">机构设置</a></li></ul></div>
<div class="breadcrumb">当前位置：<a href="/">首页</a> &gt; <a href="/n">新闻中心</a></div>
<div class="content">
<h1>政协贵阳市委员会常务委员会工作报告</h1>
<p>各位委员：</p>
<p>现在，我代表政协贵阳市委员会常务委员会，向大会报告工作，请予审议。</p>
<p>过去一年，市政协坚持团结和民主两大主题，<br>围绕中心、服务大局，积极履行职能。</p>
<p>2024年共开展协商活动36次，提出意见建议120余条。</p>
</div>
<div class="share">分享到：微信 微博</div>
<div class="footer">版权所有：贵阳市政协 黔ICP备12345号</div>
<script>document.write("广告")</script>
</body></html>"""


def test_read_html_main_text_meta_and_charset():
    [doc] = read_source("page.htm", PAGE.encode("gbk"))
    assert doc.format == "html"
    assert doc.encoding == "gb18030"  # declared gb2312, decoded with its superset
    paras = doc.text.split("\n\n")
    assert paras[0] == "政协贵阳市委员会常务委员会工作报告"
    assert paras[1] == "各位委员："
    assert "过去一年，市政协坚持团结和民主两大主题，\n围绕中心、服务大局，积极履行职能。" in paras
    assert paras[-1] == "2024年共开展协商活动36次，提出意见建议120余条。"
    for clutter in (
        "首页",
        "机构设置",
        "当前位置",
        "分享到",
        "版权所有",
        "广告",
        "var nav",
        "color",
    ):
        assert clutter not in doc.text
    assert doc.meta == {
        "title": "贵阳市政协2024年工作报告_贵阳市政协网",
        "keywords": "政协,协商,贵阳",
        "description": "贵阳市政协常务委员会工作报告",
        "date": "2025-01-11",
    }


def test_read_html_without_charset_uses_detection_and_wrong_charset_warns():
    page = PAGE.replace('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">', "")
    [doc] = read_source("p.html", page.encode("gbk"))
    assert doc.encoding == "gb18030" and "各位委员：" in doc.text
    wrong = PAGE.replace("gb2312", "utf-8")
    [doc] = read_source("p.html", wrong.encode("gbk"))
    assert "各位委员：" in doc.text
    assert any("declared charset 'utf-8'" in w for w in doc.warnings)
    # a Western single-byte label decodes anything, so it is checked, not trusted
    latin = PAGE.replace("gb2312", "iso-8859-1")
    [doc] = read_source("p.html", latin.encode("gbk"))
    assert doc.encoding == "gb18030" and "各位委员：" in doc.text
    assert any("declared charset 'iso-8859-1' does not fit" in w for w in doc.warnings)


# -------------------------------------------------------------------- PDF


def _accuracy(source: str, extracted: str) -> float:
    a, b = re.sub(r"\s", "", source), re.sub(r"\s", "", extracted)
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(m.size for m in sm.get_matching_blocks()) / max(len(a), len(b))


@pytest.mark.parametrize(
    ("columns", "style"),
    [(1, "第 {n} 页"), (2, "- {n} -"), (2, "{n}")],
    ids=["one-column", "two-column-dash", "two-column-digits"],
)
def test_read_pdf_reading_order_headers_and_page_numbers(columns, style):
    from pdf_fixtures import HEADER, build_pdf

    data, source = build_pdf(columns=columns, page_number_style=style)
    [doc] = read_source("r.pdf", data)
    assert (doc.format, doc.encoding, doc.warnings) == ("pdf", "pdf", ())
    assert _accuracy("".join(source), doc.text) >= 0.99
    assert HEADER not in doc.text
    assert not re.search(r"第 ?\d+ ?页|- ?\d+ ?-|^\d+$", doc.text, re.M)
    assert int(doc.meta["pdf_pages"]) >= 2
    # paragraphs (blank-line separated) match the drawn ones, hard wraps kept
    paras = doc.text.split("\n\n")
    assert [p.replace("\n", "") for p in paras] == source
    assert "\n" in paras[1]


def test_read_pdf_without_text_layer_needs_ocr():
    from pdf_fixtures import build_image_only_pdf

    with pytest.raises(
        SourceError, match=r"needs OCR: the PDF has no text layer \(3 pages, 0 characters\)"
    ):
        read_source("scan.pdf", build_image_only_pdf(3))


def test_read_pdf_encrypted_and_corrupt():
    from pdf_fixtures import build_pdf

    data, _ = build_pdf(encrypt="secret", repeat=1)
    with pytest.raises(SourceError, match=r"encrypted PDF: decrypt it first \(qpdf --decrypt"):
        read_source("locked.pdf", data)
    with pytest.raises(SourceError, match="not a valid PDF"):
        read_source("bad.pdf", b"%PDF-1.4\nnot really a pdf")


# ------------------------------------------------------------------- docx


def test_read_docx_paragraphs_tables_and_properties():
    import docx

    d = docx.Document()
    d.core_properties.title = "工作报告"
    d.add_paragraph("各位委员：")
    d.add_paragraph("现在，我代表常务委员会报告工作。")
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "年份", "协商次数"
    t.cell(1, 0).text, t.cell(1, 1).text = "2024", "36"
    d.add_paragraph("请予审议。")
    buf = io.BytesIO()
    d.save(buf)
    [doc] = read_source("r.docx", buf.getvalue())
    assert (
        doc.text
        == "各位委员：\n\n现在，我代表常务委员会报告工作。\n\n年份\t协商次数\n\n2024\t36\n\n请予审议。"
    )
    assert doc.meta["title"] == "工作报告"
    assert (doc.format, doc.encoding) == ("docx", "docx")
    with pytest.raises(SourceError, match=r"not a valid \.docx.*soffice"):
        read_source("old.docx", b"\xd0\xcf\x11\xe0 old word file")


# ---------------------------------------------------------------- tabular


@pytest.mark.parametrize("codec", ["utf_8_sig", "gbk", "utf_16"])
def test_read_csv_multiline_quoted_any_encoding(codec):
    csv_text = (
        "省份,年份,标题,正文\n"
        '贵州省,2025,"贵州省政府工作报告","各位代表：\n现在，我代表省人民政府，向大会报告工作，请予审议。\n一、2024年工作回顾"\n'
        '云南省,2025,云南省政府工作报告,"各位代表：\n现在，我代表省人民政府，向大会报告工作，""请予审议""。"\n'
    )
    docs = read_source("gwr.csv", csv_text.encode(codec))
    assert [d.source_row for d in docs] == [0, 1]
    assert (
        docs[0].text
        == "各位代表：\n现在，我代表省人民政府，向大会报告工作，请予审议。\n一、2024年工作回顾"
    )
    assert docs[1].text == '各位代表：\n现在，我代表省人民政府，向大会报告工作，"请予审议"。'
    assert docs[0].meta == {"city": "贵州省", "year": "2025", "title": "贵州省政府工作报告"}
    assert docs[0].format == "csv"


def test_read_tsv_picks_longest_prose_column():
    body = "现在，我代表市人民政府，向大会报告工作，请予审议。" * 5
    tsv = f"id\tnote\tpassage\n1\tok\t{body}\n2\tfine\t{body}\n"
    docs = read_source("a.tsv", tsv.encode())
    assert [d.text for d in docs] == [body, body]
    assert docs[1].meta == {"id": "2", "note": "fine"}
    assert docs[0].format == "tsv"


def test_read_csv_without_prose_column_names_columns():
    data = "province,source_url\n北京市,https://example.org/a\n".encode()
    with pytest.raises(
        SourceError,
        match=r"no.* text column: columns are province, source_url \(1 rows\).*full_text",
    ):
        read_source("run.csv", data)


def test_read_jsonl_skips_malformed_line_with_warning():
    lines = [
        json.dumps(
            {"title": "报告", "content": "各位代表：现在报告工作。", "year": 2025},
            ensure_ascii=False,
        ),
        "{broken",
        json.dumps(
            {"title": "决议", "content": "会议批准报告。", "year": None}, ensure_ascii=False
        ),
    ]
    with pytest.warns(UserWarning, match="skipped 1 malformed JSON lines"):
        docs = read_source("x.jsonl", "\n".join(lines).encode())
    assert [(d.text, d.meta, d.source_row) for d in docs] == [
        ("各位代表：现在报告工作。", {"title": "报告", "year": "2025"}, 0),
        ("会议批准报告。", {"title": "决议"}, 1),
    ]
    assert "skipped 1 malformed JSON lines (first: line 2)" in docs[0].warnings


PROVINCIAL = CORPORA / "provincial-gwr-2026" / "original"
WIKISOURCE = CORPORA / "gwr-wikisource" / "original" / "government_work_reports.jsonl"


@pytest.mark.skipif(not PROVINCIAL.is_dir(), reason="shared corpora absent")
def test_provincial_csvs_real_corpus():
    docs, errors = [], {}
    for f in sorted(PROVINCIAL.glob("*.csv")):
        try:
            docs.extend(read_source(f.name, f.read_bytes()))
        except SourceError as exc:
            errors[f.name] = exc.reason
    assert len(docs) == 31
    assert set(errors) == {"run_manifest_2026.csv", "failures_2026.csv"}
    assert (
        "columns are province, source_type, publish_date, source_url, text_length"
        in errors["run_manifest_2026.csv"]
    )
    assert "columns are province, reason (0 rows)" in errors["failures_2026.csv"]
    assert {d.encoding for d in docs} == {"utf_8_sig"}
    assert all(len(d.text) > 5000 and d.meta["year"] == "2026" for d in docs)
    assert len({d.meta["city"] for d in docs}) == 31
    assert all(re.fullmatch(r"2026-\d\d-\d\d", d.meta["date"]) for d in docs)
    assert all("url" in d.meta and "title" in d.meta for d in docs)


@pytest.mark.skipif(not WIKISOURCE.is_file(), reason="shared corpora absent")
def test_wikisource_jsonl_real_corpus():
    docs = read_source(WIKISOURCE.name, WIKISOURCE.read_bytes())
    assert len(docs) == 72
    assert [d.source_row for d in docs] == list(range(72))
    assert all(
        d.meta["url"].startswith("https://zh.wikisource.org/") and d.meta["title"] for d in docs
    )
    years = [d.meta.get("year") for d in docs]
    assert sum(y is not None for y in years) == 52  # 20 NPC resolutions have year null
    assert docs[0].meta["year"] == "2025" and "政府工作报告" in docs[0].meta["title"]
    assert all(len(d.text) > 100 for d in docs)
