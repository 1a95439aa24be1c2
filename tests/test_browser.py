"""The report opened the way a new user opens it: headless Chromium with no system CJK font.

Chromium is Debian's ``chromium`` package (``.ci/run`` installs it); without
it these tests are skipped with a one-line reason.  Console messages are
read from Chromium's log (``--enable-logging=stderr``): any message fails
the test, since the page itself never logs.  The search box is driven
through the page's ``#q=`` link, and the DOM after the script ran is read
with ``--dump-dom``, so no DevTools protocol client is needed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import matplotlib
import pytest
from conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium; .ci/run does)")

XSS = ["<script>document.documentElement.dataset.pwned='script'</script>",
       "<img src=x onerror=\"document.documentElement.dataset.pwned='img'\">",
       "</textarea><svg onload=\"document.documentElement.dataset.pwned='svg'\">"]


@pytest.fixture(scope="module")
def no_cjk_fonts(tmp_path_factory) -> dict:
    """Environment whose fontconfig sees only matplotlib's DejaVu fonts (Latin, no CJK)."""
    d = tmp_path_factory.mktemp("fontconfig")
    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    (d / "fonts.conf").write_text(
        f'<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig><dir>{ttf}</dir>'
        f"<cachedir>{d / 'cache'}</cachedir></fontconfig>", encoding="utf-8")
    return {**os.environ, "FONTCONFIG_FILE": str(d / "fonts.conf")}


def chromium(url: str, env: dict, tmp: Path, *extra: str) -> tuple[str, list[str]]:
    """Open ``url`` in a fresh headless Chromium; return stdout and the console messages it logged."""
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--hide-scrollbars", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *extra, url]
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    return proc.stdout, console


def _rows(dom: str) -> list[str]:
    body = re.search(r'<tbody id="kwic-body">(.*?)</tbody>', dom, re.S).group(1)
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def test_report_opens_without_console_errors_and_search_filters(sample_run, no_cjk_fonts, tmp_path):
    page = (sample_run["outputs"] / "report.html").resolve()
    dom, console = chromium(page.as_uri(), no_cjk_fonts, tmp_path, "--dump-dom")
    assert console == []
    for heading in ("概览", "主题趋势", "首次出现", "关键词语境（可搜索）", "新兴词语", "主题聚类", "共现网络", "导入审计"):
        assert f">{heading}</h2>" in dom, heading
    every = _rows(dom)
    total = int(re.search(r'id="kwic-info"[^>]*>共 (\d+) 条', dom).group(1))
    assert len(every) == min(total, 300) and total > 20

    dom_q, console_q = chromium(page.as_uri() + "#q=社区协商", no_cjk_fonts, tmp_path, "--dump-dom")
    assert console_q == []
    found = _rows(dom_q)
    n = int(re.search(r'id="kwic-info"[^>]*>共 (\d+) 条', dom_q).group(1))
    assert 0 < n < total and len(found) == min(n, 300)
    assert all("社区协商" in row for row in found)


def test_embedded_font_is_what_renders_chinese(sample_run, no_cjk_fonts, tmp_path):
    """With no CJK font on the system, the page and a copy without its @font-face must look different."""
    page = sample_run["outputs"] / "report.html"
    text = page.read_text(encoding="utf-8")
    bare = tmp_path / "bare.html"
    bare.write_text(re.sub(r"@font-face\{[^}]*\}", "", text, count=1), encoding="utf-8")
    shots = {}
    for name, path in (("report", page.resolve()), ("bare", bare)):
        shot = tmp_path / f"{name}.png"
        chromium(path.as_uri(), no_cjk_fonts, tmp_path, f"--screenshot={shot}", "--window-size=1280,1400")
        shots[name] = shot.read_bytes()
    assert shots["report"][:4] == b"\x89PNG" and len(shots["report"]) > 20_000
    assert shots["report"] != shots["bare"]
    keep = os.environ.get("REPORT_SCREENSHOTS")  # set it to a folder to look at the screenshots yourself
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for name, data in shots.items():
            (Path(keep) / f"sample_{name}.png").write_bytes(data)


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """A run over one sample report plus a document whose text and manifest row carry script payloads."""
    from pipeline import Config, run

    corpus = tmp_path_factory.mktemp("hostile")
    (corpus / "raw").mkdir()
    src = ROOT / "corpus" / "raw" / "003_c54721cf5b7c43cb.txt"
    (corpus / "raw" / "good.txt").write_bytes(src.read_bytes())
    body = src.read_text(encoding="utf-8").splitlines()[5:40]
    (corpus / "raw" / "evil.txt").write_text("\n".join([f"社区协商{XSS[0]}推进", f"强省会{XSS[1]}", *body,
                                                         f"社区协商{XSS[2]}"]), encoding="utf-8")
    cells = "\"" + " ".join(XSS).replace('"', '""') + "\""
    (corpus / "manifest.csv").write_text(
        "file,title,organisation,city,year,doc_type\n"
        "raw/good.txt,贵阳政协工作报告,贵阳市政协,贵阳,2024,work_report\n"
        f"raw/evil.txt,{cells},{cells},{cells},2025,work_report\n", encoding="utf-8")
    out = corpus / "out"
    res = run(Config(root=ROOT, corpus=corpus, outputs=out, progress=False), topics={"n_topics": 2})
    return res, out / "report.html"


def test_payloads_in_a_document_and_its_manifest_row_do_not_run(hostile_run, no_cjk_fonts, tmp_path):
    res, page = hostile_run
    docs = res.tables["documents"]
    assert XSS[0] in " ".join(docs["title"].astype(str))  # the payload reached the tables: the test is not vacuous
    text = page.read_text(encoding="utf-8")
    assert "<img src=x" not in text and "<svg onload" not in text and "dataset.pwned='script'</script>" not in text
    dom, console = chromium(page.resolve().as_uri(), no_cjk_fonts, tmp_path, "--dump-dom")
    assert "data-pwned" not in dom
    assert console == []
    assert "&lt;script&gt;document.documentElement.dataset.pwned" in dom  # shown as text, not run
