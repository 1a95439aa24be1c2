import os
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import io
from pipeline.errors import CorpusError, OutputError

SUFFIXES = frozenset({".txt", ".csv", ".html"})


def test_sources_without_manifest_skip_docs_and_hidden(tmp_path):
    (tmp_path / "raw" / "sub").mkdir(parents=True)
    (tmp_path / "raw" / "b.txt").write_text("乙", encoding="utf-8")
    (tmp_path / "raw" / "sub" / "a.txt").write_text("甲", encoding="utf-8")
    (tmp_path / "raw" / ".hidden.txt").write_text("x", encoding="utf-8")
    (tmp_path / "raw" / "README.md").write_text("x", encoding="utf-8")
    assert [s.rel for s in io.list_sources(tmp_path, None, SUFFIXES)] == ["raw/b.txt", "raw/sub/a.txt"]


def test_manifest_rows_become_hints(tmp_path):
    (tmp_path / "txt").mkdir()
    (tmp_path / "txt" / "a.txt").write_text("甲", encoding="utf-8")
    (tmp_path / "other.txt").write_text("not listed", encoding="utf-8")
    (tmp_path / "manifest.tsv").write_text("file\tyear\tprovince\tpublish_date\ntxt/a.txt\t2026\t贵州省\t2026-01-22\n", encoding="utf-8")
    [src] = io.list_sources(tmp_path, None, SUFFIXES)
    assert src.rel == "txt/a.txt"
    assert dict(src.hints) == {"year": "2026", "city": "贵州省", "date": "2026-01-22"}


def test_corpus_errors_say_how_to_fix(tmp_path):
    with pytest.raises(CorpusError, match="not found. Pass an existing folder with --corpus"):
        io.list_sources(tmp_path / "nope", None, SUFFIXES)
    with pytest.raises(CorpusError, match="No readable files"):
        io.list_sources(tmp_path, None, SUFFIXES)
    (tmp_path / "manifest.csv").write_text("name,year\na.txt,2020\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="has no file column"):
        io.list_sources(tmp_path, None, SUFFIXES)


def test_csv_has_bom_and_writes_leave_no_temp_files(tmp_path):
    df = pd.DataFrame({"theme": ["强省会"], "count": [3]})
    io.write_table(tmp_path, "t", df)
    assert (tmp_path / "csv" / "t.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert not [p for p in tmp_path.rglob("*.tmp")]
    with pytest.raises(OutputError, match="No table 'missing'.*tables there: t"):
        io.read_table(tmp_path, "missing")


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=12), st.integers(-10**9, 10**9)), max_size=20))
def test_write_then_read_round_trips(tmp_path_factory, rows):
    out = tmp_path_factory.mktemp("rt")
    df = pd.DataFrame(rows, columns=["text", "n"]).astype({"text": "string", "n": "int64"})
    io.write_table(out, "t", df)
    pd.testing.assert_frame_equal(io.read_table(out, "t"), df)


def test_raw_files_are_opened_read_only(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes("协商".encode())
    p.chmod(0o444)
    assert io.read_bytes(Path(p)) == "协商".encode()


def test_csv_cells_over_excels_limit_are_cut_with_a_marker_and_parquet_keeps_them(tmp_path):
    long = "政协" * 20_000  # 40,000 characters
    astral = "𠀀" * 20_000  # 20,000 characters, 40,000 UTF-16 units: Excel counts the units
    df = pd.DataFrame({"doc_id": ["a", "b", "c"], "text": [long, astral, "短"]}).astype("string")
    io.write_table(tmp_path, "t", df)
    cells = pd.read_csv(tmp_path / "csv" / "t.csv", encoding="utf-8-sig", dtype=str)["text"].tolist()
    for cell in cells[:2]:
        assert len(cell.encode("utf-16-le")) // 2 <= io.EXCEL_CELL_LIMIT
        assert cell.endswith("full text in the Parquet table]") and "characters" in cell
    assert cells[0].startswith("政协政协") and cells[2] == "短"
    assert "40,000 characters" in cells[0] and "20,000 characters" in cells[1]
    assert io.read_table(tmp_path, "t")["text"].tolist() == [long, astral, "短"]


def test_outputs_get_the_umasks_permissions(tmp_path):
    old = os.umask(0o002)
    try:
        io.write_text(tmp_path / "a" / "r.html", "报告")
    finally:
        os.umask(old)
    assert (tmp_path / "a" / "r.html").stat().st_mode & 0o777 == 0o664
    assert (tmp_path / "a").stat().st_mode & 0o777 == 0o775
