"""Report stage: figures and one self-contained HTML report.

Input: the tables of the earlier stages.  Output: matplotlib figures
(``make_figures``) and an HTML string (``render_report``) with every
figure embedded as a base64 PNG, so the file can be mailed or archived on
its own.  Every number in the report names the table (and CSV) it comes
from, and the KWIC section shows the paragraphs behind the theme counts.
"""

from __future__ import annotations

import base64
import html
import json

import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure

from . import network_plots, theme_plots
from .plotting import cjk_style, figure_bytes
from .records import canonical


@cjk_style
def plot_topic_trends(topics: pd.DataFrame, trends: pd.DataFrame):
    """Stacked shares of topics per year (one bar per year)."""
    if trends.empty:
        return None
    wide = trends.pivot_table(index="year", columns="topic_id", values="share", fill_value=0).sort_index()
    labels = dict(zip(topics["topic_id"], topics["label"]))
    fig = Figure(figsize=(9, 4.5))
    ax = fig.subplots()
    bottom = None
    cmap = colormaps["tab20"]
    for i, col in enumerate(wide.columns):
        ax.bar(wide.index.astype(str), wide[col], bottom=bottom, label=f"{col}: {labels.get(col, '')}", color=cmap(i % 20))
        bottom = wide[col] if bottom is None else bottom + wide[col]
    ax.set_ylabel("段落占比")
    ax.set_xlabel("年份")
    if len(wide) > 15:  # label every n-th year so long series stay readable
        step = -(-len(wide) // 15)
        ax.set_xticks(range(0, len(wide), step), [str(y) for y in wide.index[::step]], rotation=45)
    ax.set_title("主题随时间的分布（每年段落中各主题所占比例）")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


@cjk_style
def plot_ingest_audit(audit: pd.DataFrame):
    """Per-document bar chart of what ingest changed (repairs, conversions, artefacts)."""
    cols = ["chars_repaired", "placeholders", "script_converted", "width_normalised", "artefacts_removed", "lines_reflowed"]
    names = ["乱码修复", "无法恢复（占位符）", "繁转简", "全半角/空白/引号", "网页残留", "换行重排"]
    data = audit.set_index("doc_id")[cols].fillna(0).astype(float)
    if len(data) > 40:
        data = data.loc[data.sum(axis=1).sort_values(ascending=False).index[:40]]
    fig = Figure(figsize=(9, 0.45 * len(data) + 1.5))
    ax = fig.subplots()
    left = None
    cmap = colormaps["Set2"]
    for i, (c, n) in enumerate(zip(cols, names)):
        ax.barh(data.index, data[c], left=left, label=n, color=cmap(i))
        left = data[c] if left is None else left + data[c]
    ax.invert_yaxis()
    ax.set_xlabel("字符数")
    ax.set_title("导入审计：每个文档被修改的字符")
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    fig.tight_layout()
    return fig


def make_figures(tables: dict[str, pd.DataFrame], *, seed: int = 42) -> dict:
    """Build every figure the report shows; returns ``{name: Figure}`` (figures that have no data are left out)."""
    figs = {
        "ingest_audit": plot_ingest_audit(tables["audit"]),
        "theme_trends": theme_plots.plot_theme_trends(tables["theme_years"]),
        "theme_heatmap": theme_plots.plot_theme_heatmap(tables["theme_years"]),
        "theme_cities": theme_plots.plot_theme_cities(tables["theme_groups"]),
        "topic_trends": plot_topic_trends(tables["topics"], tables["topic_trends"]),
        **network_plots.network_figures(tables, seed=seed),  # network_<period>, ego_<theme>, ego_trend_<theme>
    }
    return {k: v for k, v in figs.items() if v is not None}


# ------------------------------------------------------------------ HTML

_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.55}
h1{border-bottom:3px solid #b22;padding-bottom:.3em} h2{margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:13px;margin:.5em 0} th,td{border:1px solid #ddd;padding:3px 6px;vertical-align:top}
th{background:#f4f4f4;position:sticky;top:0} td.num{text-align:right;font-variant-numeric:tabular-nums}
.kwic td.l{text-align:right;color:#555} .kwic td.m{color:#b22;font-weight:bold;white-space:nowrap} .kwic td.r{color:#555}
.note{color:#666;font-size:13px} img{max-width:100%} .scroll{max-height:480px;overflow:auto}
nav a{margin-right:1em} code{background:#f4f4f4;padding:0 3px}
"""


def _table(df: pd.DataFrame, *, max_rows: int = 200, num_cols: tuple[str, ...] = ()) -> str:
    if df.empty:
        return '<p class="note">（无数据）</p>'
    shown = df.head(max_rows)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    rows = []
    for r in shown.itertuples(index=False):
        cells = []
        for c, v in zip(shown.columns, r):
            txt = "" if v is None or (not isinstance(v, list | tuple) and pd.isna(v)) else (f"{v:.3f}" if isinstance(v, float) else str(v))
            cls = ' class="num"' if c in num_cols or isinstance(v, int | float) else ""
            cells.append(f"<td{cls}>{html.escape(txt)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = f'<p class="note">前 {max_rows} 行，共 {len(df)} 行；完整数据见 CSV。</p>' if len(df) > max_rows else ""
    return f'<div class="scroll"><table><tr>{head}</tr>{"".join(rows)}</table></div>{more}'


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def _kwic(hits: pd.DataFrame, max_rows: int, order: list[str]) -> str:
    if hits.empty:
        return '<p class="note">（没有命中）</p>'
    parts = []
    rank = {t: i for i, t in enumerate(order)}  # the order of themes.toml, not of code points
    for theme, grp in sorted(hits.groupby("theme"), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])):
        rows = "".join(
            f'<tr><td>{html.escape(str(r.doc_id))}</td><td class="num">{"" if pd.isna(r.year) else int(r.year)}</td>'
            f'<td>{html.escape(str(r.para_id))}</td><td class="l">{html.escape(str(r.left))}</td>'
            f'<td class="m">{html.escape(str(r.match))}</td><td class="r">{html.escape(str(r.right))}</td></tr>'
            for r in grp.head(max_rows).itertuples(index=False)
        )
        more = f'<p class="note">显示 {min(max_rows, len(grp))} / {len(grp)} 条。</p>'
        parts.append(
            f"<h3>{html.escape(str(theme))}（{len(grp)} 次）</h3><div class='scroll'><table class='kwic'>"
            f"<tr><th>文档</th><th>年份</th><th>段落</th><th>左文</th><th>关键词</th><th>右文</th></tr>{rows}</table></div>{more}"
        )
    return "".join(parts)


def render_report(tables: dict[str, pd.DataFrame], figures: dict[str, bytes], *, run_info: dict, title: str, kwic_rows: int = 200) -> str:
    """Render the HTML report.

    Parameters
    ----------
    tables : dict
        Every table of the run, by name.
    figures : dict
        PNG bytes by figure name (from ``make_figures``).
    run_info : dict
        Run metadata shown in the method section (config, versions, run id).
    title : str
        Report title.

    Examples
    --------
    >>> t = {k: pd.DataFrame() for k in ("documents", "audit", "duplicates", "theme_years", "theme_first",
    ...      "theme_hits", "emerging", "topics", "network_nodes")}
    >>> "<h1>示例</h1>" in render_report(t, {}, run_info={}, title="示例")
    True
    """
    docs = tables["documents"]
    canon = canonical(docs)
    years = canon["year"].dropna().astype(int) if not canon.empty else pd.Series(dtype=int)
    summary = (
        f"{len(docs)} 个文档（其中 {len(canon)} 个计入分析，重复文档只计一次），"
        f"{int(canon['n_chars'].sum()) if not canon.empty else 0:,} 字，"
        + (f"年份 {years.min()}–{years.max()}。" if len(years) else "无年份信息。")
    )
    fig = lambda name, alt: _img(figures[name], alt) if name in figures else ""  # noqa: E731
    sec = []
    sec.append(("概览", f"<p>{html.escape(summary)}</p>"))
    doc_cols = [c for c in ["doc_id", "title", "organisation", "city", "year", "date", "doc_type", "year_source", "year_evidence", "n_chars", "dup_group", "is_canonical"] if c in docs.columns]
    sec.append(("文档", _table(docs[doc_cols] if not docs.empty else docs) + '<p class="note">来源：<code>tables/documents.parquet</code>、<code>csv/documents.csv</code>。year_evidence 引用确定年份的原文。</p>'))
    audit = tables["audit"]
    audit_cols = [c for c in ["doc_id", "source_file", "format", "encoding", "encoding_confidence", "chars_in", "chars_out", "chars_repaired", "placeholders", "script_converted", "width_normalised", "artefacts_removed", "lines_reflowed", "dup_group", "warnings"] if c in audit.columns]
    sec.append(("导入审计", fig("ingest_audit", "导入审计") + _table(audit[audit_cols] if not audit.empty else audit) + _table(tables.get("ingest_errors", pd.DataFrame())) ))
    sec.append(("重复文档", _table(tables["duplicates"])))
    ty = tables["theme_years"]
    sec.append(
        (
            "主题趋势",
            fig("theme_trends", "主题趋势")
            + fig("theme_heatmap", "主题热力图")
            + fig("theme_cities", "各城市主题")
            + _table(ty)
            + '<p class="note">per_10k = 当年命中次数 ÷ 当年总字数 × 10,000（合并计算，而非各文档比率的平均）。n_docs 为当年文档数。</p>',
        )
    )
    sec.append(("首次出现", _table(tables["theme_first"])))
    sec.append(("关键词语境（KWIC）", _kwic(tables["theme_hits"], kwic_rows, list(dict.fromkeys(ty["theme"])) if not ty.empty else []) + '<p class="note">全部命中见 <code>csv/theme_hits.csv</code>；每行给出文档与段落编号，可回到原文。</p>'))
    sec.append(("新兴词语", _table(tables["emerging"], max_rows=100)))
    sec.append(("主题聚类（TF-IDF）", fig("topic_trends", "主题聚类趋势") + _table(tables["topics"])))
    nodes = tables["network_nodes"]
    top_nodes = nodes[nodes["period"] == "all"].head(40) if not nodes.empty else nodes
    sec.append(("共现网络", fig("network_all", "共现网络") + _table(top_nodes) + '<p class="note">各时期的 GEXF 文件在 <code>network/</code>，可用 Gephi 打开。</p>'))
    sec.append(("方法与参数", f"<pre>{html.escape(json.dumps(run_info, ensure_ascii=False, indent=2, default=str))}</pre>"))
    nav = "".join(f'<a href="#s{i}">{html.escape(name)}</a>' for i, (name, _) in enumerate(sec))
    body = "".join(f'<h2 id="s{i}">{html.escape(name)}</h2>{content}' for i, (name, content) in enumerate(sec))
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1><nav>{nav}</nav>{body}</body></html>\n"
    )


def build_report(*, run_info: dict, title: str, kwic_rows: int = 200, seed: int = 42, **tables: pd.DataFrame) -> dict:
    """The report stage: every figure and the self-contained HTML page.

    Returns
    -------
    dict
        ``figures`` (``{name: {"png": bytes, "svg": bytes}}``, each format
        rendered once) and ``report.html`` (the page, figures embedded as PNG).
    """
    figures = {name: {fmt: figure_bytes(fig, fmt) for fmt in ("png", "svg")}
               for name, fig in make_figures(tables, seed=seed).items()}
    html = render_report(tables, {name: f["png"] for name, f in figures.items()}, run_info=run_info,
                         title=title, kwic_rows=kwic_rows)
    return {"figures": figures, "report.html": html}
