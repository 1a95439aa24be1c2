"""Figures of the topics stage: shares on a true year axis, the k curve, the CA map.

Input: the tables of ``topics.fit_topics`` (``topics``, ``topic_trends``,
``topic_eras``, ``topic_k``, ``topic_ca``).  Each function returns a
``matplotlib.figure.Figure`` built without pyplot, or ``None`` when the
table is empty; the caller renders it (``plotting.figure_bytes``).
Chinese labels use the bundled CJK font (``plotting.cjk_style``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .plotting import cjk_style


def _colors(n: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


@cjk_style
def plot_topic_trends(topics: pd.DataFrame, trends: pd.DataFrame, eras: pd.DataFrame | None = None):
    """Stacked topic shares per year on a numeric year axis: years without a document stay empty.

    Unstable topics (``topics.stable`` false) are hatched.  With ``eras``,
    era boundaries are drawn and each era names its dominant topic.

    Examples
    --------
    >>> topics = pd.DataFrame({"topic_id": [0, 1], "label": ["农业·粮食", "改革·企业"], "stable": [True, False]})
    >>> trends = pd.DataFrame({"year": [1954, 1954, 1980, 1980], "topic_id": [0, 1, 0, 1], "share": [.8, .2, .3, .7]})
    >>> fig = plot_topic_trends(topics, trends)
    >>> sorted(round(b.get_x() + b.get_width() / 2) for b in fig.axes[0].patches)[:2]
    [1954, 1954]
    """
    if trends is None or trends.empty:
        return None
    wide = trends.pivot_table(index="year", columns="topic_id", values="share", fill_value=0).sort_index()
    years = wide.index.astype(int).to_numpy()
    info = topics.set_index("topic_id")
    fig = Figure(figsize=(11, 5.2))
    ax = fig.subplots()
    bottom = np.zeros(len(wide))
    for color, col in zip(_colors(len(wide.columns)), wide.columns):
        stable = bool(info["stable"].get(col, True)) if "stable" in info else True
        label = f"{col}: {info['label'].get(col, '')}" + ("" if stable else "（不稳定）")
        # Bars at numeric x: a year with no document has no bar, so gaps are visible.
        ax.bar(years, wide[col].to_numpy(), bottom=bottom, width=0.85, color=color, label=label,
               hatch=None if stable else "///", edgecolor="white" if stable else "0.3", linewidth=0.3)
        bottom += wide[col].to_numpy()
    if eras is not None and not eras.empty:
        for _, era in eras[eras["dominant"]].iterrows():
            ax.axvline(int(era["start"]) - 0.5, color="0.2", lw=0.8, ls="--")
            ax.text((int(era["start"]) + int(era["end"])) / 2, 1.01, f"{era['label']}", ha="center", va="bottom",
                    fontsize=8, transform=ax.get_xaxis_transform())
    ax.set_xlim(years.min() - 1, years.max() + 1)
    ax.set_ylim(0, 1)
    ax.set_ylabel("字数占比（按段落长度加权）")
    ax.set_xlabel("年份（空白处为无文档的年份）")
    ax.set_title("各主题在每年文本中的占比", pad=18)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    return fig


@cjk_style
def plot_topic_k(topic_k: pd.DataFrame):
    """The k-selection curve (criterion value per k), the chosen k marked.

    Examples
    --------
    >>> k = pd.DataFrame({"k": [4, 5, 6], "criterion": "npmi_top10", "value": [.2, .25, .22],
    ...                   "chosen": [False, True, False]})
    >>> plot_topic_k(k).axes[0].get_xlabel()
    '主题数 k'
    """
    if topic_k is None or len(topic_k) < 2:
        return None
    fig = Figure(figsize=(4.5, 3))
    ax = fig.subplots()
    ax.plot(topic_k["k"], topic_k["value"], marker="o", color="#446")
    chosen = topic_k[topic_k["chosen"].astype(bool)]
    ax.scatter(chosen["k"], chosen["value"], s=120, facecolors="none", edgecolors="#b22", linewidths=2,
               label=f"选定 k = {int(chosen['k'].iloc[0])}" if len(chosen) else None, zorder=3)
    ax.set_xlabel("主题数 k")
    names = {"npmi_x_diversity": "NPMI 一致性 × 主题多样性"}
    ax.set_ylabel(names.get(topic_k["criterion"].iloc[0], topic_k["criterion"].iloc[0]), fontsize=9)
    ax.set_xticks(topic_k["k"])
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


@cjk_style
def plot_ca(ca: pd.DataFrame, topics: pd.DataFrame | None = None):
    """Correspondence-analysis biplot: distinctive terms (coloured by topic) and years.

    Examples
    --------
    >>> ca = pd.DataFrame({"kind": ["term", "term", "year", "year"], "item": ["农业", "改革", "1954", "1990"],
    ...     "topic_id": [0, 1, None, None], "dim1": [1., -1., .8, -.9], "dim2": [.1, .2, -.1, .3],
    ...     "mass": [.3, .2, .25, .25], "inertia1": .7, "inertia2": .2})
    >>> len(plot_ca(ca).axes[0].texts)
    4
    """
    if ca is None or ca.empty:
        return None
    fig = Figure(figsize=(9, 7))
    ax = fig.subplots()
    terms, years = ca[ca["kind"] == "term"], ca[ca["kind"] == "year"]
    colors = _colors(int(terms["topic_id"].max()) + 1 if len(terms) else 1)
    ax.axhline(0, color="0.85", lw=0.8)
    ax.axvline(0, color="0.85", lw=0.8)
    yv = years["item"].astype(int)
    sc = ax.scatter(years["dim1"], years["dim2"], c=yv, cmap="viridis", s=18, marker="s", zorder=2)
    # Every fifth year, the first and the last are named; the colour bar dates the rest.
    named = set(yv[(yv % 5 == 0)]) | {int(yv.min()), int(yv.max())}
    for _, r in years[yv.isin(named).to_numpy()].iterrows():
        ax.annotate(r["item"], (r["dim1"], r["dim2"]), fontsize=7, color="0.35", xytext=(2, 2),
                    textcoords="offset points")
    for _, r in terms.iterrows():
        c = colors[int(r["topic_id"])] if pd.notna(r["topic_id"]) else "k"
        ax.scatter([r["dim1"]], [r["dim2"]], color=c, s=14, zorder=3)
        ax.annotate(r["item"], (r["dim1"], r["dim2"]), fontsize=9, color=c, xytext=(3, -3),
                    textcoords="offset points")
    fig.colorbar(sc, ax=ax, label="年份", shrink=0.6)
    ax.set_xlabel(f"第一维（惯量 {ca['inertia1'].iloc[0]:.0%}）")
    ax.set_ylabel(f"第二维（惯量 {ca['inertia2'].iloc[0]:.0%}）")
    ax.set_title("对应分析：主题区分词 × 年份（颜色 = 主题）")
    fig.tight_layout()
    return fig
