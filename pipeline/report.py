"""Report stage: figures and one self-contained HTML report a researcher reads first.

Input: the tables of the earlier stages (topic and network tables made by
newer stages, such as ``topic_evidence`` or ``network_communities``, are
used when present).  Output: matplotlib figures (``make_figures``) and an
HTML string (``render_report``).

The page opens with a one-line description of the corpus, what the
selection left out, warnings about thin years and the headline findings;
tables and figures follow.  It carries everything it shows: figures as
base64 PNG, the KWIC lines as JSON filtered by a few lines of inline
JavaScript, and a WOFF2 subset of the bundled Noto Sans CJK with exactly
the characters of the page, so Chinese renders on a machine with no CJK
font and nothing is loaded from the network.  Every string taken from a
document, a manifest or a config is escaped (``html.escape`` in markup,
``\\u003c`` in the JSON, ``textContent`` in the script).
"""

from __future__ import annotations

import base64
import html
import json

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure

from . import network_plots, theme_plots, topic_plots
from .plotting import cjk_style, compact_png, figure_bytes, font_subset_woff2
from .records import canonical

# Chinese headers for the page; the CSVs keep the English names (README schema).
COLUMN_ZH = {
    "doc_id": "文档", "title": "标题", "organisation": "机构", "city": "地区", "year": "年份", "date": "日期",
    "doc_type": "类型", "year_source": "年份来源", "year_evidence": "年份依据", "n_chars": "字数",
    "dup_group": "重复组", "dup_kind": "重复类型", "is_canonical": "计入", "excluded_reason": "未计入原因",
    "source_file": "源文件", "reason": "原因", "similarity": "相似度", "format": "格式", "encoding": "编码",
    "warnings": "警告", "chars_repaired": "乱码修复", "placeholders": "占位符", "script_converted": "繁转简",
    "artefacts_removed": "网页残留", "lines_reflowed": "换行重排", "theme": "主题", "n_docs": "文档数",
    "docs_with": "含该主题文档", "count": "命中", "per_10k": "每万字", "ci": "95% 区间", "first_year": "首次年份",
    "first_doc_id": "首次文档", "first_para_id": "首次段落", "first_context": "首次语境", "total_count": "总命中",
    "n_docs_with": "含该主题文档", "period": "时期", "terms": "上升最多的词", "topic_id": "编号", "label": "标签",
    "top_terms": "主题词", "n_units": "段落数", "share": "占比", "community": "社群", "size": "词数",
    "term": "词", "neighbours": "最强邻居", "para_id": "段落", "text": "段落原文", "rank": "名次",
    "peak": "峰值", "first": "首次出现", "era": "时期", "n_paragraphs": "段落数",
    "rate": "每万字（95% 区间）", "mentions": "提及的文档 / 全部",
}
DOC_TYPE_ZH = {"work_report": "工作报告", "speech": "讲话", "article": "文章", "resolution": "决议", "other": "其他"}
_CHANGE = [("chars_repaired", "乱码修复"), ("placeholders", "无法恢复（占位符）"), ("script_converted", "繁转简"),
           ("width_normalised", "全半角/空白/引号"), ("artefacts_removed", "网页残留"), ("lines_reflowed", "换行重排")]


# ------------------------------------------------------------------ figures


@cjk_style
def plot_ingest_audit(audit: pd.DataFrame):
    """What ingest changed, summed over the corpus: one bar per kind of change, not per document.

    Examples
    --------
    >>> a = pd.DataFrame({"doc_id": ["甲", "乙"], "chars_repaired": [3, 0], "script_converted": [0, 40]})
    >>> [t.get_text() for t in plot_ingest_audit(a).axes[0].get_yticklabels()]
    ['乱码修复', '繁转简']
    """
    cols = [(c, n) for c, n in _CHANGE if c in audit.columns]
    totals = [(n, float(audit[c].fillna(0).sum()), int((audit[c].fillna(0) > 0).sum())) for c, n in cols]
    totals = [t for t in totals if t[1] > 0]
    if not totals:
        return None
    fig = Figure(figsize=(8, 0.5 * len(totals) + 1.4), layout="constrained")
    ax = fig.subplots()
    ax.barh([t[0] for t in totals], [t[1] for t in totals], color=colormaps["Set2"](range(len(totals))))
    for i, (_, v, n) in enumerate(totals):
        ax.text(v, i, f" {int(v):,} 字，{n} 个文档", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, max(t[1] for t in totals) * 1.35)
    ax.set_xlabel("字符数（全部文档合计）")
    ax.set_title(f"导入审计：{len(audit)} 个文档中被修改的字符")
    return fig


def make_figures(tables: dict[str, pd.DataFrame], *, seed: int = 42) -> dict:
    """Build every figure the report shows; returns ``{name: Figure}`` (figures that have no data are left out)."""
    empty = pd.DataFrame()
    ty = tables["theme_years"]
    one_year = ty["year"].nunique() == 1  # a cross-section: no trend to draw, rates with intervals instead
    figs = {
        "ingest_audit": plot_ingest_audit(tables.get("audit", empty)),
        "theme_trends": (theme_plots.plot_theme_rates if one_year else theme_plots.plot_theme_trends)(ty),
        "theme_heatmap": None if one_year else theme_plots.plot_theme_heatmap(ty),
        "theme_cities": theme_plots.plot_theme_cities(tables["theme_groups"]),
        "topic_trends": topic_plots.plot_topic_trends(tables.get("topics", empty), tables.get("topic_trends", empty), tables.get("topic_eras")),
        **network_plots.network_figures(tables, seed=seed),  # network_<period>, ego_<theme>, ego_trend_<theme>
    }
    return {k: v for k, v in figs.items() if v is not None}


# ------------------------------------------------------------------ the corpus in words


def corpus_title(documents: pd.DataFrame) -> str:
    """A title from the counted documents: who issued them, what they are, which years.

    Examples
    --------
    >>> docs = pd.DataFrame({"organisation": ["国务院"] * 2, "city": None, "year": [1954, 2025],
    ...     "doc_type": "work_report"})
    >>> corpus_title(docs)
    '国务院政府工作报告文本分析（1954–2025）'
    >>> corpus_title(pd.DataFrame({"organisation": ["贵阳市政协", "兰州市政协"], "city": ["贵阳", "兰州"],
    ...     "year": [2023, 2023], "doc_type": ["article", "speech"]}))
    '兰州、贵阳政协文本分析（2023）'
    """
    docs = canonical(documents) if len(documents) else documents
    orgs = docs["organisation"].dropna().astype(str) if "organisation" in docs else pd.Series(dtype=str)
    orgs = orgs[orgs != ""]
    cities = sorted(set(docs["city"].dropna().astype(str)) - {""}) if "city" in docs else []
    org = orgs.iloc[0] if orgs.nunique() == 1 else ""
    who = org or ("、".join(cities) if 0 < len(cities) <= 3 else f"{len(cities)} 个地区" if cities else "")
    joined = " ".join(orgs.unique())
    reports = "doc_type" in docs and len(docs) and (docs["doc_type"] == "work_report").mean() >= 0.5
    if "政协" in joined:
        kind = "政协工作报告" if reports else "政协"
    elif "政府" in joined or "国务院" in joined:
        kind = "政府工作报告" if reports else "政府文件"
    else:
        kind = "工作报告" if reports else "文本"
    if org and kind.startswith(org[-2:]):
        kind = kind[2:]  # 贵阳市政协 + 政协工作报告 → 贵阳市政协工作报告
    years = docs["year"].dropna().astype(int) if "year" in docs else pd.Series(dtype=int)
    span = "" if years.empty else (f"（{years.min()}）" if years.min() == years.max() else f"（{years.min()}–{years.max()}）")
    return f"{who}{kind}文本分析{span}"


def _types(docs: pd.DataFrame) -> str:
    counts = docs["doc_type"].fillna("other").value_counts() if "doc_type" in docs else pd.Series(dtype=int)
    return "、".join(f"{DOC_TYPE_ZH.get(t, t)} {n}" for t, n in counts.items())


def corpus_line(tables: dict[str, pd.DataFrame]) -> str:
    """The corpus in one sentence: documents, years, places, types, characters, what was skipped or merged.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["a", "b"], "year": [2019, 2020], "city": "全国", "n_chars": [20000, 502],
    ...     "doc_type": ["work_report", "resolution"], "is_canonical": True, "in_analysis": [True, False],
    ...     "excluded_reason": ["", "doc_type=resolution"]})
    >>> corpus_line({"documents": docs})
    '2 个文档（工作报告 1、决议 1），1 篇计入分析，共 20,502 字（计入 20,000 字）；年份 2019–2020（计入的有 1 个年份）；1 个地区；未计入 1 篇（类型不计入：1）。'
    """
    docs = tables["documents"]
    if docs.empty:
        return "语料中没有文档。"
    counted = canonical(docs)
    years = counted["year"].dropna().astype(int)
    all_years = docs["year"].dropna().astype(int)
    cities = set(docs["city"].dropna().astype(str)) - {""} if "city" in docs else set()
    parts = [f"{len(docs)} 个文档（{_types(docs)}），{len(counted)} 篇计入分析，"
             f"共 {int(docs['n_chars'].sum()):,} 字（计入 {int(counted['n_chars'].sum()):,} 字）"]
    if len(all_years):
        parts.append(f"年份 {all_years.min()}–{all_years.max()}（计入的有 {years.nunique()} 个年份）"
                     if all_years.min() != all_years.max() else f"年份 {all_years.min()}")
    if cities:
        parts.append(f"{len(cities)} 个地区")
    dups = docs["is_canonical"].astype("boolean").fillna(True).eq(False).sum() if "is_canonical" in docs else 0
    if dups:
        parts.append(f"{dups} 个重复文档合并计一次")
    if "excluded_reason" in docs:
        reasons = docs["excluded_reason"].fillna("")
        reasons = reasons[reasons != ""]
        if len(reasons):
            kinds = reasons.str.split("=|<", regex=True).str[0].map(
                {"doc_type": "类型不计入", "n_chars": "篇幅太短", "stub": "残篇"}).fillna("其他").value_counts()
            parts.append(f"未计入 {len(reasons)} 篇（" + "、".join(f"{k}：{v}" for k, v in kinds.items()) + "）")
    errors = tables.get("ingest_errors")
    if errors is not None and len(errors):
        parts.append(f"{len(errors)} 个文件无法读取")
    return "；".join(parts) + "。"


def thin_years(theme_years: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """Years whose rate rests on too little text (``rate_ok`` False): year, documents, characters, which documents.

    Examples
    --------
    >>> ty = pd.DataFrame({"theme": "甲", "year": [2019, 2020], "n_docs": [1, 1], "n_chars": [20000, 502],
    ...     "rate_ok": [True, False]})
    >>> docs = pd.DataFrame({"doc_id": ["a", "b"], "year": [2019, 2020]})
    >>> thin_years(ty, docs).values.tolist()
    [[2020, 1, 502, 'b']]
    """
    cols = ["year", "n_docs", "n_chars", "doc_ids"]
    if theme_years.empty or "rate_ok" not in theme_years:
        return pd.DataFrame(columns=cols)
    weak = theme_years[~theme_years["rate_ok"].fillna(True).astype(bool)].drop_duplicates("year")
    counted = canonical(documents) if len(documents) else documents
    ids = counted.groupby("year")["doc_id"].agg(lambda s: "、".join(map(str, s))) if len(counted) else pd.Series(dtype=str)
    out = weak[["year", "n_docs", "n_chars"]].astype({"year": int, "n_docs": int, "n_chars": int})
    return out.assign(doc_ids=out["year"].map(ids).fillna("")).reset_index(drop=True)[cols]


def _era(years: pd.Series) -> pd.Series:
    """Decades for a long span (1950s → '1950–1959'), single years for a span of up to ten years."""
    y = years.astype(int)
    if y.max() - y.min() < 10:
        return y.astype(str)
    d = (y // 10) * 10
    return d.astype(str) + "–" + (d + 9).astype(str)


def headline_findings(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The findings the page opens with: theme firsts and peaks, rising terms per era, dominant topic per era.

    Peaks are taken over years whose rate can be compared (``rate_ok``),
    so a year that rests on one short document cannot be a peak.

    Examples
    --------
    >>> ty = pd.DataFrame({"theme": "强省会", "year": [2020, 2021, 2022], "n_docs": 1, "count": [1, 3, 1],
    ...     "n_chars": [500, 30000, 30000], "per_10k": [20.0, 1.0, 0.33], "per_10k_low": [0.5, 0.2, 0.01],
    ...     "per_10k_high": [111.0, 2.9, 1.9], "rate_ok": [False, True, True]})
    >>> tf = pd.DataFrame({"theme": ["强省会"], "city": [""], "first_year": [2020], "total_count": [5]})
    >>> headline_findings({"theme_years": ty, "theme_first": tf})["themes"][["theme", "first", "peak"]].values.tolist()
    [['强省会', '2020', '2021（1.00 /万字，95% 区间 0.20–2.90，30,000 字）']]
    """
    out = {}
    ty, tf = tables.get("theme_years", pd.DataFrame()), tables.get("theme_first", pd.DataFrame())
    rows = []
    if not ty.empty:
        first = tf[tf["city"].fillna("") == ""].set_index("theme") if not tf.empty else pd.DataFrame()
        ok = ty[ty["rate_ok"].fillna(True).astype(bool)] if "rate_ok" in ty else ty
        for theme in dict.fromkeys(ty["theme"]):
            t = ok[(ok["theme"] == theme) & (ok["count"] > 0)]
            total = int(ty.loc[ty["theme"] == theme, "count"].sum())
            if total == 0:
                continue
            peak = "—"
            if len(t) and ty["year"].nunique() > 1:
                p = t.sort_values(["per_10k", "year"], ascending=[False, True]).iloc[0]
                ci = (f"，95% 区间 {p['per_10k_low']:.2f}–{p['per_10k_high']:.2f}" if "per_10k_low" in p else "")
                peak = f"{int(p['year'])}（{p['per_10k']:.2f} /万字{ci}，{int(p['n_chars']):,} 字）"
            fy = first.loc[theme, "first_year"] if theme in first.index else pd.NA
            rows.append({"theme": theme, "first": "" if pd.isna(fy) else str(int(fy)), "peak": peak, "count": total})
    out["themes"] = pd.DataFrame(rows, columns=["theme", "first", "peak", "count"])
    if not ty.empty and ty["year"].nunique() == 1:
        # One year: "first appearance" and "peak" say nothing; how often, how sure, in how many documents.
        t = ty[ty["count"] > 0].sort_values("per_10k", ascending=False)
        rate = [f"{r:.2f}" + (f"（{lo:.2f}–{hi:.2f}）" if "per_10k_low" in t else "")
                for r, lo, hi in zip(t["per_10k"], t.get("per_10k_low", t["per_10k"]), t.get("per_10k_high", t["per_10k"]))]
        out["themes"] = pd.DataFrame({"theme": t["theme"].to_numpy(), "count": t["count"].to_numpy(), "rate": rate,
                                      "mentions": [f"{a} / {b}" for a, b in zip(t["docs_with"], t["n_docs"])]})

    em = tables.get("emerging", pd.DataFrame())
    if not em.empty:
        e = em.assign(year=em["period"].str.extract(r"(\d{4})", expand=False).astype("Int64")).dropna(subset=["year"])
        e = e.assign(era=_era(e["year"])).sort_values(["era", "g2"], ascending=[True, False])
        out["rising"] = (e.drop_duplicates(["era", "term"]).groupby("era", sort=True)["term"]
                         .agg(lambda s: "、".join(s.head(6))).reset_index().rename(columns={"term": "terms"}))
    trends, topics = tables.get("topic_trends", pd.DataFrame()), tables.get("topics", pd.DataFrame())
    eras = tables.get("topic_eras")
    if eras is not None and not eras.empty and "dominant" in eras:
        # The topics stage names its eras (topics.eras) and marks the dominant topic of each.
        top = eras[eras["dominant"].fillna(False).astype(bool)].sort_values("start")
        out["topics"] = top.assign(share=top["share"].map(lambda x: f"{x:.0%}"))[["era", "topic_id", "label", "share"]]
    elif not trends.empty and not topics.empty and "n_units" in trends:
        t = trends.dropna(subset=["year"]).assign(era=lambda d: _era(d["year"]))
        pooled = t.groupby(["era", "topic_id"])["n_units"].sum().reset_index()
        pooled["share"] = pooled["n_units"] / pooled.groupby("era")["n_units"].transform("sum")
        top = pooled.sort_values(["era", "share"], ascending=[True, False]).drop_duplicates("era")
        labels = dict(zip(topics["topic_id"], topics["label"]))
        top = top.assign(label=top["topic_id"].map(labels), share=top["share"].map(lambda x: f"{x:.0%}"))
        out["topics"] = top[["era", "topic_id", "label", "share"]]
    return out


# ------------------------------------------------------------------ HTML pieces

_CSS = """
@font-face{font-family:"ReportCJK";src:url(data:font/woff2;base64,@FONT@) format("woff2")}
body{font-family:"ReportCJK","Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;max-width:1100px;margin:1.5em auto;padding:0 1em;color:#222;line-height:1.55}
h1{border-bottom:3px solid #b22;padding-bottom:.3em;font-size:1.7em} h2{margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:13px;margin:.5em 0} th,td{border:1px solid #ddd;padding:3px 6px;vertical-align:top}
th{background:#f4f4f4;position:sticky;top:0} td.num{text-align:right;font-variant-numeric:tabular-nums}
.kwic td.l{text-align:right;color:#555} .kwic td.m{color:#b22;font-weight:bold;white-space:nowrap} .kwic td.r{color:#555}
.note{color:#666;font-size:13px} img{max-width:100%} .scroll{max-height:480px;overflow:auto}
nav{font-size:14px} nav a{margin-right:1em} code{background:#f4f4f4;padding:0 3px}
code,pre,input,select{font-family:"ReportCJK",ui-monospace,monospace}
.lead{font-size:15px;background:#f8f6f0;border-left:4px solid #b22;padding:.6em 1em}
.warn{background:#fff4e0;border-left:4px solid #e90;padding:.4em 1em;font-size:14px}
#kwic-q{font-size:15px;padding:4px 8px;width:20em} details{margin:.4em 0}
"""

_JS = """(function(){
var data=JSON.parse(document.getElementById("kwic-data").textContent);
var q=document.getElementById("kwic-q"),sel=document.getElementById("kwic-theme");
var body=document.getElementById("kwic-body"),info=document.getElementById("kwic-info");
var cls=["","","num","","l","m","r"];
function show(){var s=q.value.trim(),t=sel.value,n=0,shown=[];
for(var i=0;i<data.length;i++){var r=data[i];if(t&&r[0]!==t)continue;
if(s&&(r[0]+"\\t"+r[1]+"\\t"+r[4]+r[5]+r[6]).indexOf(s)<0)continue;n++;if(shown.length<300)shown.push(r);}
body.textContent="";
shown.forEach(function(r){var tr=document.createElement("tr");
for(var j=0;j<7;j++){var td=document.createElement("td");td.className=cls[j];td.textContent=r[j]===null?"":String(r[j]);tr.appendChild(td);}
body.appendChild(tr);});
info.textContent="共 "+n+" 条"+(n>shown.length?"，显示前 "+shown.length+" 条":"");}
var h=decodeURIComponent(location.hash.replace(/^#q=/,""));if(location.hash.indexOf("#q=")===0)q.value=h;
q.addEventListener("input",show);sel.addEventListener("change",show);show();})();"""


def _esc(v) -> str:
    return html.escape("" if v is None or (not isinstance(v, list | tuple) and pd.isna(v)) else str(v))


def _cell(v) -> str:
    if v is None or (not isinstance(v, list | tuple) and pd.isna(v)):
        return ""
    if isinstance(v, bool | np.bool_):
        return "是" if v else "否"
    if isinstance(v, float | np.floating):
        return f"{v:,.3f}" if abs(v) < 1000 else f"{v:,.0f}"
    if isinstance(v, int | np.integer):
        return f"{v:,}" if abs(v) >= 10000 else str(v)
    return str(v)


def _table(df: pd.DataFrame, *, max_rows: int = 200, empty: str = "", source: str = "") -> str:
    """An HTML table with Chinese headers; ``empty`` says why a table has no rows (shown instead of it)."""
    if df is None or df.empty:
        return f'<p class="note">{html.escape(empty)}</p>' if empty else ""
    shown = df.head(max_rows)
    head = "".join(f"<th>{html.escape(COLUMN_ZH.get(str(c), str(c)))}</th>" for c in shown.columns)
    rows = []
    for r in shown.itertuples(index=False):
        cells = []
        for v in r:
            num = isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool | np.bool_)
            cells.append(f'<td{" class=num" if num else ""}>{html.escape(_cell(v))}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = f"前 {max_rows} 行，共 {len(df)} 行；" if len(df) > max_rows else ""
    src = f'<p class="note">{more}完整数据见 <code>{html.escape(source)}</code>（英文列名）。</p>' if source or more else ""
    return f'<div class="scroll"><table><tr>{head}</tr>{"".join(rows)}</table></div>{src}'


def _img(png: bytes, alt: str) -> str:
    # A palette copy: a third of the bytes (figures/*.png keep the full-colour original).
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(compact_png(png)).decode()}">'


def _json_script(obj, element_id: str) -> str:
    """JSON inside a ``<script type=application/json>``: ``<``, ``>`` and ``&`` as \\u escapes, so no
    document text can close the element."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


def _term_kwic(term: str, paragraphs: pd.DataFrame, years: dict, *, context: int = 25, limit: int = 40) -> list:
    """KWIC lines of one term in the counted paragraphs, in document order (at most ``limit``)."""
    lines = []
    text = paragraphs["text"].astype(str)
    for r in paragraphs[text.str.contains(term, regex=False)].itertuples(index=False):
        start = r.text.find(term)
        while start >= 0 and len(lines) < limit:
            end = start + len(term)
            y = years.get(r.doc_id)
            lines.append([f"词：{term}", r.doc_id, None if y is None or pd.isna(y) else int(y), r.para_id,
                          r.text[max(0, start - context):start], term, r.text[end:end + context]])
            start = r.text.find(term, end)
        if len(lines) >= limit:
            break
    return lines


def _top_terms(tables: dict[str, pd.DataFrame], n: int = 25) -> list[str]:
    """The terms a reader looks up first: the most frequent network terms and each era's top riser."""
    terms: list[str] = []
    nodes = tables.get("network_nodes", pd.DataFrame())
    if not nodes.empty:
        terms += nodes[nodes["period"] == "all"].sort_values(["freq", "term"], ascending=[False, True])["term"].head(n).tolist()
    em = tables.get("emerging", pd.DataFrame())
    if not em.empty:
        terms += em.sort_values(["g2", "term"], ascending=[False, True])["term"].head(n).tolist()
    return list(dict.fromkeys(t for t in terms if isinstance(t, str) and len(t) >= 2))[: 2 * n]


def _kwic_section(tables: dict[str, pd.DataFrame], order: list[str], kwic_rows: int) -> str:
    hits = tables.get("theme_hits", pd.DataFrame())
    rows = []
    rank = {t: i for i, t in enumerate(order)}
    if not hits.empty:
        for theme, grp in sorted(hits.groupby("theme"), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])):
            for r in grp.head(kwic_rows).itertuples(index=False):
                rows.append([theme, r.doc_id, None if pd.isna(r.year) else int(r.year), r.para_id, r.left, r.match, r.right])
    docs, paras = tables.get("documents", pd.DataFrame()), tables.get("paragraphs", pd.DataFrame())
    terms = []
    if not docs.empty and not paras.empty:
        counted = canonical(docs)
        p = paras[paras["doc_id"].isin(counted["doc_id"])]
        years = dict(zip(counted["doc_id"], counted["year"]))
        for term in _top_terms(tables):
            lines = _term_kwic(term, p, years)
            if lines:
                terms.append(term)
                rows += lines
    labels = list(dict.fromkeys(r[0] for r in rows))
    options = "".join(f'<option value="{_esc(x)}">{_esc(x)}</option>' for x in labels)
    head = "".join(f"<th>{h}</th>" for h in ("主题 / 词", "文档", "年份", "段落", "左文", "关键词", "右文"))
    return (
        f'<p>在下框输入任何字词，筛选全部 {len(rows):,} 条语境（{len(labels) - len(terms)} 个主题各前 {kwic_rows} 条命中，'
        f'以及 {len(terms)} 个高频词和新兴词各前 40 条）。链接可带搜索词：<code>report.html#q=社区协商</code>。</p>'
        f'<p><input id="kwic-q" type="search" placeholder="搜索语境，如 社区协商" aria-label="搜索语境"> '
        f'<select id="kwic-theme" aria-label="主题"><option value="">全部主题和词</option>{options}</select> '
        f'<span id="kwic-info" class="note"></span></p>'
        f'<div class="scroll"><table class="kwic"><thead><tr>{head}</tr></thead><tbody id="kwic-body"></tbody></table></div>'
        f'{_json_script(rows, "kwic-data")}'
        '<p class="note">全部命中见 <code>csv/theme_hits.csv</code>；任何词的全部语境：'
        '<code>python -m pipeline themes trace 词 --corpus …</code>。每行给出文档与段落编号，可回到原文。</p>'
    )


def _emerging_section(em: pd.DataFrame) -> str:
    if em.empty:
        return '<p class="note">只有一个时期（或没有显著上升的词），新兴词语需要至少两个时期才能比较。</p>'
    cells = []
    for period, g in em.sort_values(["period", "rank"]).groupby("period", sort=True):
        words = "、".join(f"{t}{'*' if b else ''}" for t, b in zip(g["term"].head(10), g["burst"].fillna(False).head(10)))
        cells.append({"period": period, "terms": words})
    return (_table(pd.DataFrame(cells), max_rows=500, source="csv/emerging.csv")
            + '<p class="note">每个时期与此前所有时期相比（对数似然 G²，p ≤ 0.001），按 G² 排出前 10 个上升的词；'
              '* 表示该词在这一时期处于 Kleinberg 突发状态。虚词（<code>corpus/lexicon/fillers.txt</code>）、'
              '汉字数字（一九五七年）和主题词不列入。</p>')


def _is_false(v) -> bool:
    return v is not None and not pd.isna(v) and not bool(v)


def _topic_section(tables: dict[str, pd.DataFrame], fig) -> str:
    topics = tables.get("topics", pd.DataFrame())
    if topics.empty:
        return '<p class="note">没有主题聚类结果（topics 阶段未运行或语料太小）。</p>'
    evidence = tables.get("topic_evidence")
    if evidence is None or evidence.empty:
        ta, paras = tables.get("topic_assignments", pd.DataFrame()), tables.get("paragraphs", pd.DataFrame())
        if not ta.empty and not paras.empty:
            top = ta.sort_values(["topic_id", "similarity", "unit_id"], ascending=[True, False, True]).groupby("topic_id").head(3)
            text = paras.set_index("para_id")["text"]
            evidence = top.assign(para_id=top["unit_id"], text=top["unit_id"].map(text))
        else:
            evidence = pd.DataFrame(columns=["topic_id", "doc_id", "year", "para_id", "text"])
    size_col = "size" if "size" in topics else "n_units"
    parts = [fig("topic_trends", "主题聚类趋势")]
    for t in topics.itertuples(index=False):
        ev = evidence[evidence["topic_id"] == t.topic_id].head(3)
        items = "".join(
            f"<li><span class=note>{_esc(e.doc_id)} · {_esc(None if pd.isna(e.year) else int(e.year))} · "
            f"{_esc(e.para_id)}</span><br>{_esc(str(e.text)[:220])}{'…' if len(str(e.text)) > 220 else ''}</li>"
            for e in ev.itertuples(index=False)
        )
        share = getattr(t, "share", float("nan"))
        parts.append(
            f"<h3>主题 {_esc(t.topic_id)}：{_esc(t.label)}{'（不稳定：换个随机种子就变，勿单独解读）' if _is_false(getattr(t, 'stable', True)) else ''}</h3>"
            f"<p>{_esc(getattr(t, size_col, ''))} 个段落"
            f"（{0 if pd.isna(share) else share:.1%}）。主题词：{_esc(t.top_terms)}</p>"
            + (f"<p class=note>最有代表性的段落：</p><ol>{items}</ol>" if items else "")
        )
    return "".join(parts) + '<p class="note">来源：<code>csv/topics.csv</code>、<code>csv/topic_assignments.csv</code>。</p>'


def _communities(nodes: pd.DataFrame, tables: dict) -> pd.DataFrame:
    given = tables.get("network_communities")
    if given is not None and not given.empty:
        return given
    if nodes.empty or "community" not in nodes:
        return pd.DataFrame()
    order = "strength" if "strength" in nodes else "freq"
    n = nodes[nodes["community"] >= 0].sort_values(order, ascending=False)
    g = n.groupby(["period", "community"]).agg(size=("term", "size"), terms=("term", lambda s: "、".join(s.head(8))))
    return g.reset_index()


def _neighbours(nodes: pd.DataFrame, edges: pd.DataFrame, themes: list[str], tables: dict) -> pd.DataFrame:
    given = tables.get("network_neighbours")
    if given is not None and not given.empty:
        g = given.sort_values(["theme", "period", "rank"])
        return (g.groupby(["theme", "period"])["neighbour"].agg(lambda s: "、".join(s.head(6))).reset_index()
                .rename(columns={"neighbour": "neighbours"}))
    rows = []
    if edges.empty:
        return pd.DataFrame()
    for theme in themes:
        e = edges[(edges["source"] == theme) | (edges["target"] == theme)]
        for period, grp in e.groupby("period", sort=True):
            grp = grp.assign(other=np.where(grp["source"] == theme, grp["target"], grp["source"]))
            top = grp.sort_values(["weight", "other"], ascending=[False, True])["other"].head(6)
            rows.append({"theme": theme, "period": period, "neighbours": "、".join(top)})
    return pd.DataFrame(rows)


def _network_periods(nodes: pd.DataFrame, limit: int = 4) -> list[str]:
    """Periods whose figure the page embeds: every one when few, else ``limit`` spread evenly, the last
    included (``figures/`` has them all)."""
    periods = sorted(p for p in nodes["period"].dropna().unique() if p != "all") if not nodes.empty else []
    if len(periods) <= limit:
        return periods
    idx = np.unique(np.linspace(0, len(periods) - 1, limit).round().astype(int))
    return [periods[i] for i in idx]


def _network_section(tables: dict[str, pd.DataFrame], figures: dict, fig, order: list[str]) -> str:
    nodes, edges = tables.get("network_nodes", pd.DataFrame()), tables.get("network_edges", pd.DataFrame())
    if nodes.empty:
        return '<p class="note">没有共现网络（network 阶段未运行或词语太少）。</p>'
    periods = sorted(p for p in nodes["period"].unique() if p != "all")
    drawn = [p for p in _network_periods(nodes) if f"network_{p}" in figures]
    parts = [fig("network_all", "共现网络（全部年份）")]
    if drawn:
        opts = "".join(f"<details><summary>{_esc(p)} 年的网络</summary>{fig(f'network_{p}', f'共现网络 {p}')}</details>" for p in drawn)
        more = f"（共 {len(periods)} 个时期，图中选取 {len(drawn)} 个均匀分布的时期（含最后一个）；全部时期的图在 <code>figures/</code>，GEXF 在 <code>network/</code>）" if len(drawn) < len(periods) else ""
        parts.append(f"<h3>各时期的网络{more}</h3>{opts}")
    comm = _communities(nodes, tables)
    if not comm.empty:
        shown = comm[comm["period"] == "all"] if "all" in set(comm["period"]) else comm
        cols = [c for c in ("period", "community", "size", "label", "terms") if c in shown]
        parts.append("<h3>社群及其核心词（全部年份）</h3>" + _table(shown[cols], max_rows=30, source="csv/network_nodes.csv"))
        per = comm[comm["period"] != "all"]
        if len(per):
            parts.append("<details><summary>各时期的社群</summary>" + _table(per[cols], max_rows=400) + "</details>")
    nb = _neighbours(nodes, edges, order, tables)
    if not nb.empty:
        parts.append("<h3>主题词在各时期的最强邻居</h3>" + _table(nb, max_rows=300))
        hits = tables.get("theme_hits", pd.DataFrame())
        busiest = hits["theme"].value_counts().index.tolist() if not hits.empty else order
        egos = [t for t in busiest if f"ego_{t}" in figures][:4]  # the themes with most hits; figures/ has every theme
        parts += [f"<details><summary>{_esc(t)}：各时期的邻居（图）</summary>{fig(f'ego_{t}', f'{t} 的邻居')}"
                  f"{fig(f'ego_trend_{t}', f'{t} 的邻居变化')}</details>" for t in egos]
    return "".join(parts) + '<p class="note">各时期的 GEXF 文件在 <code>network/</code>，可用 Gephi 打开。</p>'


def _rate_table(ty: pd.DataFrame) -> pd.DataFrame:
    if ty.empty:
        return ty
    t = ty[ty["count"] > 0] if (ty["count"] > 0).any() else ty
    out = t[["theme", "year", "n_docs", "n_chars", "count", "per_10k"]].copy()
    if "per_10k_low" in t:
        out["ci"] = [f"{lo:.2f}–{hi:.2f}" for lo, hi in zip(t["per_10k_low"], t["per_10k_high"])]
    return out


# ------------------------------------------------------------------ the page


def render_report(tables: dict[str, pd.DataFrame], figures: dict[str, bytes], *, run_info: dict, title: str = "",
                  kwic_rows: int = 200, embed_font: bool = True) -> str:
    """Render the HTML report.

    Parameters
    ----------
    tables : dict
        Every table of the run, by name (missing topic or network tables leave their section short).
    figures : dict
        PNG bytes by figure name (from ``make_figures``).
    run_info : dict
        Run metadata shown in the method section (config, versions, run id).
    title : str
        Report title; empty: derived from the corpus (``corpus_title``).
    kwic_rows : int
        KWIC lines per theme embedded in the page.
    embed_font : bool
        Embed a subset of the CJK font with exactly the page's characters.

    Examples
    --------
    >>> t = {k: pd.DataFrame() for k in ("documents", "theme_years", "theme_first", "theme_hits", "emerging")}
    >>> page = render_report(t, {}, run_info={}, title="示例<报告>", embed_font=False)
    >>> "<h1>示例&lt;报告&gt;</h1>" in page
    True
    """
    docs = tables.get("documents", pd.DataFrame())
    title = title or (corpus_title(docs) if not docs.empty else "文本分析报告")
    ty = tables.get("theme_years", pd.DataFrame())
    order = list(dict.fromkeys(ty["theme"])) if not ty.empty else []
    fig = lambda name, alt: _img(figures[name], alt) if name in figures else ""  # noqa: E731
    sec: list[tuple[str, str]] = []

    # --- summary first
    lead = f'<p class="lead">{html.escape(corpus_line(tables))}</p>'
    warns = []
    thin = thin_years(ty, docs)
    for r in thin.itertuples(index=False):
        one = "只有 1 篇文档" if r.n_docs == 1 else f"只有 {r.n_docs} 篇文档"
        warns.append(f"{r.year} 年{one}（{r.n_chars:,} 字：{r.doc_ids}），文字太少，该年的比率不可与其他年份比较；"
                     "趋势图中以灰色标出，不参与峰值。")
    warn_html = "".join(f'<p class="warn">{html.escape(w)}</p>' for w in warns)
    found = headline_findings(tables)
    one_year = not ty.empty and ty["year"].nunique() == 1
    body = [lead, warn_html, ("<h3>主题：出现率与提及的文档</h3>" if one_year else "<h3>主题：首次出现与峰值</h3>")
            + _table(found["themes"], empty="没有任何主题命中（见 corpus/lexicon/themes.toml）。")]
    if "rising" in found and not found["rising"].empty:
        body.append("<h3>各时期上升最多的词</h3>" + _table(found["rising"], max_rows=40))
    if "topics" in found and not found["topics"].empty:
        body.append("<h3>各时期的主导主题（聚类）</h3>" + _table(found["topics"], max_rows=40))
    excluded = docs[docs["excluded_reason"].fillna("") != ""] if "excluded_reason" in docs else docs.iloc[0:0]
    if len(excluded):
        cols = [c for c in ("doc_id", "title", "year", "doc_type", "n_chars", "excluded_reason") if c in excluded]
        body.append(f"<details><summary>未计入分析的 {len(excluded)} 篇文档及原因（设置 <code>[select]</code>）</summary>"
                    + _table(excluded[cols], max_rows=500) + "</details>")
    sec.append(("概览", "".join(body)))

    sec.append(("主题趋势", fig("theme_trends", "主题趋势") + fig("theme_heatmap", "主题热力图")
                + fig("theme_cities", "各地区主题")
                + _table(_rate_table(ty), max_rows=300, source="csv/theme_years.csv",
                         empty="没有主题命中。")
                + '<p class="note">每万字 = 当年命中次数 ÷ 当年计入的总字数 × 10,000（合并计算，而非各文档比率的平均）；'
                  '95% 区间为精确泊松区间；表中只列有命中的年份，CSV 有全部年份。</p>'))
    tf = tables.get("theme_first", pd.DataFrame())
    first_cols = [c for c in ("theme", "city", "first_year", "first_doc_id", "first_para_id", "first_context", "total_count") if c in tf]
    found_tf = tf[tf["total_count"].fillna(0) > 0] if "total_count" in tf else tf
    never = list(dict.fromkeys(tf.loc[~tf.index.isin(found_tf.index), "theme"])) if "theme" in tf else []
    never = [t for t in never if t not in set(found_tf.get("theme", []))]
    sec.append(("首次出现", _table(found_tf[first_cols] if len(found_tf) else found_tf, source="csv/theme_first.csv",
                                 empty="没有主题命中。")
                + (f'<p class="note">在计入的文档中从未出现的主题：{html.escape("、".join(never))}。</p>' if never else "")))
    sec.append(("关键词语境（可搜索）", _kwic_section(tables, order, kwic_rows)))
    sec.append(("新兴词语", _emerging_section(tables.get("emerging", pd.DataFrame()))))
    sec.append(("主题聚类", _topic_section(tables, fig)))
    sec.append(("共现网络", _network_section(tables, figures, fig, order)))

    audit = tables.get("audit", pd.DataFrame())
    flagged = audit[audit["warnings"].fillna("") != ""] if "warnings" in audit else audit.iloc[0:0]
    cols = [c for c in ("doc_id", "source_file", "encoding", "chars_repaired", "placeholders", "script_converted",
                        "artefacts_removed", "warnings") if c in flagged]
    errors = tables.get("ingest_errors", pd.DataFrame())
    sec.append(("导入审计", fig("ingest_audit", "导入审计")
                + (f"<h3>有警告的文档（{len(flagged)} 个）</h3>" + _table(flagged[cols], source="csv/audit.csv")
                   if len(flagged) else '<p class="note">没有文档带警告；逐文档的修改见 <code>csv/audit.csv</code>。</p>')
                + (f"<h3>无法读取的文件（{len(errors)} 个）</h3>" + _table(errors) if len(errors) else "")))
    dups = tables.get("duplicates", pd.DataFrame())
    sec.append(("重复文档", _table(dups, source="csv/duplicates.csv", empty="没有发现重复文档。")))
    doc_cols = [c for c in ["doc_id", "title", "organisation", "city", "year", "doc_type", "n_chars", "year_evidence",
                            "dup_group", "excluded_reason"] if c in docs.columns]
    sec.append(("文档", _table(docs[doc_cols] if not docs.empty else docs, max_rows=500, source="csv/documents.csv")
                + '<p class="note">年份依据引用确定年份的原文。</p>'))
    sec.append(("方法与参数", f"<pre>{html.escape(json.dumps(run_info, ensure_ascii=False, indent=2, default=str))}</pre>"))

    nav = "".join(f'<a href="#s{i}">{html.escape(name)}</a>' for i, (name, _) in enumerate(sec))
    content = "".join(f'<h2 id="s{i}">{html.escape(name)}</h2>{c}' for i, (name, c) in enumerate(sec))
    page = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
            f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1><nav>{nav}</nav>{content}"
            f"<script>{_JS}</script></body></html>\n")
    font = base64.b64encode(font_subset_woff2(page)).decode() if embed_font else ""
    return page.replace("@FONT@", font, 1)


def build_report(*, run_info: dict, title: str = "", kwic_rows: int = 200, seed: int = 42, **tables: pd.DataFrame) -> dict:
    """The report stage: every figure and the self-contained HTML page.

    Returns
    -------
    dict
        ``figures`` (``{name: {"png": bytes, "svg": bytes}}``, each format
        rendered once) and ``report.html`` (the page, figures embedded as palette PNG).
    """
    figures = {name: {fmt: figure_bytes(fig, fmt) for fmt in ("png", "svg")}
               for name, fig in make_figures(tables, seed=seed).items()}
    page = render_report(tables, {name: f["png"] for name, f in figures.items()}, run_info=run_info,
                         title=title, kwic_rows=kwic_rows)
    return {"figures": figures, "report.html": page}


__all__ = ["COLUMN_ZH", "build_report", "corpus_line", "corpus_title", "headline_findings", "make_figures",
           "plot_ingest_audit", "render_report", "thin_years"]
