"""Tests of pipeline.ingest.metadata: real values from the sample reports and the shared corpora."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.ingest.metadata import DOC_TYPES, DocMeta, infer_metadata

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "corpus" / "raw"
SHARED = ROOT.parent / "shared" / "corpora"


def _sample(prefix: str) -> list[str]:
    """A sample report split on blank lines, as the brief's test input."""
    path = next(RAW.glob(f"{prefix}_*.txt"), None)
    if path is None:
        pytest.skip(f"sample {prefix} not in corpus/raw")
    return [p for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]


def test_003_signature_block_dates_the_report():
    m = infer_metadata(_sample("003"), filename="003_c54721cf5b7c43cb.txt")
    assert m == DocMeta(
        title="中国人民政治协商会议贵阳市委员会常务委员会工作报告",
        organisation="贵阳市政协",
        city="贵阳",
        speaker="石邦林",
        year=2025,
        date="2025-01-11",
        doc_type="work_report",
        year_evidence="（2025年1月11日）",
    )


def test_001_byline_gives_speaker_and_city():
    m = infer_metadata(_sample("001"))
    assert (m.speaker, m.organisation, m.city, m.doc_type) == (
        "王宏",
        "兰州市政协",
        "兰州",
        "speech",
    )
    # The text names no year ("换届后…开局之年"), so it stays undated.
    assert m.year is None and m.year_evidence is None


def test_004_year_less_date_is_not_a_year():
    m = infer_metadata(_sample("004"))
    assert (m.speaker, m.city, m.doc_type) == ("钟鸣", "贵阳", "article")
    assert "5月19日" in "".join(_sample("004"))
    assert m.year is None and m.date is None


def test_000_plan_title_year_is_not_the_publication_year():
    # 《2020年党风廉政建设和反腐败工作要点》 names the year of a plan; the same
    # page says "去年新冠疫情发生后" and "2021年是…开局之年", so it was written
    # in early 2021.  No line dates it on its own: year None, flagged by ingest.
    m = infer_metadata(_sample("000"))
    assert (m.organisation, m.city, m.title) == ("贵阳市政协", "贵阳", "贵阳市政协聚焦协商主责主业")
    assert m.year is None


def test_hints_win_and_say_so():
    paras = _sample("003")
    m = infer_metadata(paras, hints={"year": "2024", "city": "贵阳市", "title": "常委会工作报告"})
    assert (m.year, m.year_evidence, m.city, m.title) == (
        2024,
        "manifest: year=2024",
        "贵阳市",
        "常委会工作报告",
    )
    # The text date belongs to another year than the manifest's: dropped.
    assert m.date is None
    m = infer_metadata(paras, hints={"year": "2025.0"})
    assert (m.year, m.date) == (2025, "2025-01-11")
    m = infer_metadata(
        ["正文。"], hints={"date": "2026-01-22", "province": "上海市", "doc_type": "work_report"}
    )
    assert (m.year, m.date, m.year_evidence, m.city, m.doc_type) == (
        2026,
        "2026-01-22",
        "manifest: date=2026-01-22",
        "上海市",
        "work_report",
    )


def test_bad_hints():
    assert infer_metadata(["正文。"], hints={"doc_type": "government_work_report"}).doc_type == "work_report"
    with pytest.warns(UserWarning, match="doc_type 'memo' from the manifest"):
        assert infer_metadata(["正文。"], hints={"doc_type": "memo"}).doc_type == "memo"
    with pytest.warns(UserWarning, match="not a year"):
        assert infer_metadata(["正文。"], hints={"year": "unknown"}).year is None


@pytest.mark.parametrize(
    ("paragraphs", "filename", "year", "evidence"),
    [
        (
            ["各位代表：", "一、2024年工作回顾", "过去一年，我国发展历程很不平凡。"],
            "",
            2025,
            "一、2024年工作回顾 → report given the following year",
        ),
        (
            ["各位代表：", "一、1991年国内工作的回顾"],
            "",
            1992,
            "一、1991年国内工作的回顾 → report given the following year",
        ),
        (["2026年政府工作报告", "各位代表："], "", 2026, "2026年政府工作报告"),
        (
            ["各位代表：", "我代表国务院，向第十届全国人民代表大会第一次会议作政府工作报告。"],
            "",
            2003,
            "向第十届全国人民代表大会第一次会议 → 2003",
        ),
        (
            ["第二届全国人民代表大会第三次会议听取了周恩来总理所作的政府工作报告。"],
            "",
            1962,
            "第二届全国人民代表大会第三次会议 → 1962",
        ),
        (
            ["一、去年工作回顾", "2005年，我国社会主义现代化事业取得显著成就。"],
            "",
            2006,
            "一、去年工作回顾 / 2005年， → given the following year",
        ),
        (
            ["2024年是新中国成立75周年。一年来，我们坚持团结和民主两大主题。"],
            "",
            2025,
            "2024年是…一年来 → given the following year",
        ),
        (
            ["市政协召开常委会议。", "（二〇二五年一月十一日）"],
            "",
            2025,
            "（二〇二五年一月十一日）",
        ),
        (
            ["市政协召开常委会议。"],
            "raw/2019_贵阳_报告.txt",
            2019,
            "filename (weak): 2019_贵阳_报告.txt",
        ),
        (["在第六届全国人民代表大会期间，国务院认真执行……"], "", None, None),
        (["市政协研究制定了《2020年党风廉政建设和反腐败工作要点》。"], "", None, None),
    ],
)
def test_year_rules(paragraphs, filename, year, evidence):
    m = infer_metadata(paragraphs, filename=filename)
    assert (m.year, m.year_evidence) == (year, evidence)


def test_place_names_are_checked_against_the_dictionary():
    m = infer_metadata(["比如说贵阳市政协组织委员开展调研。"])
    assert (m.organisation, m.city) == ("贵阳市政协", "贵阳")
    m = infer_metadata(["我们带领全省市政协组织开展协商。"])
    assert m.organisation is None
    m = infer_metadata(
        [
            "2026年政府工作报告",
            "——2026年1月28日在云南省第十四届人民代表大会第四次会议上",
            "省长  王予波",
        ]
    )
    assert (m.organisation, m.city, m.date, m.speaker) == (
        "云南省人民政府",
        "云南",
        "2026-01-28",
        "王予波",
    )


def test_doc_types():
    assert (
        infer_metadata(["第十四届全国人民代表大会第三次会议关于政府工作报告的决议"]).doc_type
        == "resolution"
    )
    assert (
        infer_metadata(
            ["各位代表：", "根据一九八三年六月会议的决议，我代表国务院向大会作政府工作报告。"]
        ).doc_type
        == "work_report"
    )
    assert infer_metadata(["在市政协座谈会上的讲话", "同志们："]).doc_type == "speech"
    assert infer_metadata([]).doc_type == "other"
    assert set(DOC_TYPES) == {"work_report", "speech", "article", "resolution", "other"}


def _clean(path: Path) -> list[str]:
    # The real ingest input: the readers' decoding and textfix's clean-up
    # (web clutter, tab/U+3000 paragraph breaks, width) come before metadata.
    from pipeline.ingest import readers, textfix

    raw = readers.read_source(path.name, path.read_bytes())[0]
    return textfix.clean_document(raw.text).paragraphs


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/corpora not present")
@pytest.mark.parametrize(
    ("corpus", "min_dated"), [("provincial-gwr-2026", 31), ("gwr-wikisource", 54), ("gwr-hprc", 51)]
)
def test_text_alone_never_misdates_a_real_report(corpus, min_dated):
    """Without file name or manifest, every year the text gives is right."""
    manifest = pd.read_csv(SHARED / corpus / "manifest.tsv", sep="\t")
    dated, wrong = 0, []
    for file, year in zip(manifest["file"], manifest["year"], strict=True):
        m = infer_metadata(_clean(SHARED / corpus / file))
        if m.year is not None:
            dated += 1
            if m.year != int(year):
                wrong.append((file, m.year, m.year_evidence))
    assert wrong == []
    assert dated >= min_dated


def test_npc_resolution_and_five_year_report_are_typed():
    from pipeline.ingest.metadata import infer_metadata

    res = infer_metadata(["第二届全国人民代表大会第三次会议听取了周恩来总理代表国务院所作的政府工作报告，并且进行了充分的讨论。"])
    assert res.doc_type == "resolution"
    rep = infer_metadata(["各位代表：", "现在，我代表国务院，向大会报告过去五年的政府工作，并对今年工作提出建议，请各位代表审议。"])
    assert rep.doc_type == "work_report"
