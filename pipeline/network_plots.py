"""Figures of the network stage: one network per period and one ego figure per theme.

Input: the ``network_nodes``, ``network_edges``, ``network_communities``
and ``network_neighbours`` tables (``pipeline/records.py``).  Output:
matplotlib ``Figure`` objects (never pyplot); the report stage renders
them with ``plotting.figure_bytes``.

Readable by design: node size follows frequency, colour the community
(named in the legend by its most central terms), and labels are pushed
apart with ``adjustText`` after a spring layout, so they do not pile up.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .network import to_graph
from .plotting import cjk_style

_GREY = "#9a9a9a"


def _colour(community) -> object:
    # tab20 has 20 distinguishable colours; smaller communities beyond it are grey.
    if community is None or pd.isna(community) or int(community) < 0 or int(community) >= 20:
        return _GREY
    return colormaps["tab20"](int(community))


def _spread_labels(ax, texts, xs, ys, seed: int) -> None:
    """Push labels apart (adjustText); its random jitter is seeded and the global state restored."""
    from adjustText import adjust_text

    state = np.random.get_state()
    np.random.seed(seed)
    try:
        adjust_text(texts, x=xs, y=ys, ax=ax, expand=(1.05, 1.2), iter_lim=40, prevent_crossings=False,
                    arrowprops={"arrowstyle": "-", "color": "#777777", "lw": 0.4})
    finally:
        np.random.set_state(state)


@cjk_style
def plot_network(nodes: pd.DataFrame, edges: pd.DataFrame, *, period: str = "all", max_nodes: int = 100,
                 seed: int = 42, communities: pd.DataFrame | None = None):
    """Draw one period's pruned co-occurrence network.

    Node size = windows holding the term, colour = community, edge width =
    the chosen weight.  Only the ``max_nodes`` most frequent nodes are
    drawn (nodes left without an edge among them are left out too).

    Parameters
    ----------
    nodes, edges : DataFrame
        ``network_nodes`` and ``network_edges``.
    period : str
        Which period to draw.
    max_nodes : int
        Cap on the drawn nodes.
    seed : int
        Layout and label-placement seed.
    communities : DataFrame, optional
        ``network_communities``, for the legend labels.

    Returns
    -------
    matplotlib.figure.Figure or None
        None when the period has no edges.

    Examples
    --------
    >>> n = pd.DataFrame({"period": "all", "node_id": [0, 1], "term": ["协商", "民主"], "freq": [3, 2],
    ...     "community": [0, 0]})
    >>> e = pd.DataFrame({"period": ["all"], "source": ["协商"], "target": ["民主"], "count": [2], "weight": [0.5]})
    >>> plot_network(n, e).axes[0].get_title()[:6]
    '词语共现网络'
    """
    g = to_graph(nodes, edges, period)
    if g.number_of_edges() == 0:
        return None
    keep = sorted(g.nodes, key=lambda t: (-g.nodes[t]["freq"], t))[:max_nodes]
    g = g.subgraph(keep).copy()
    g.remove_nodes_from([t for t, d in g.degree() if d == 0])
    names = sorted(g.nodes)
    top_f = max(g.nodes[t]["freq"] for t in names)
    # ForceAtlas2: degree-scaled repulsion spreads hubs' neighbours apart, and gravity keeps
    # small components near the main one instead of flinging them to the edges (spring_layout
    # did, which squeezed each cluster into a pile of labels).
    pos = nx.forceatlas2_layout(g, seed=seed, weight="weight", max_iter=300, scaling_ratio=4.0, gravity=1.0,
                                node_size={t: 1 + 2 * (g.nodes[t]["freq"] / top_f) ** 0.75 for t in names})
    fig = Figure(figsize=(13, 10.5))
    FigureCanvasAgg(fig)  # adjustText measures the labels, which needs a renderer
    ax = fig.subplots()
    top_w = max(w for *_, w in g.edges(data="weight"))
    for u, v, w in sorted(g.edges(data="weight")):
        ax.plot([pos[u][0], pos[v][0]], [pos[u][1], pos[v][1]], color="#666666", alpha=0.35,
                lw=0.4 + 2.4 * max(w, 0) / top_w, zorder=1)
    xs = np.array([pos[t][0] for t in names])
    ys = np.array([pos[t][1] for t in names])
    sizes = [40 + 1100 * (g.nodes[t]["freq"] / top_f) ** 0.75 for t in names]  # relative: any corpus size fits
    ax.scatter(xs, ys, s=sizes, c=[_colour(g.nodes[t]["community"]) for t in names], alpha=0.85,
               edgecolors="white", linewidths=0.6, zorder=2)
    texts = [ax.text(x, y, t, fontsize=8.5, ha="center", va="center", zorder=3) for t, x, y in zip(names, xs, ys)]
    _spread_labels(ax, texts, xs, ys, seed)
    if communities is not None and not communities.empty:
        comm = communities[communities["period"] == period].sort_values("community").head(12)
        handles = [ax.scatter([], [], s=60, color=_colour(r.community), label=f"{r.community}: {r.label}（{r.size}）")
                   for r in comm.itertuples(index=False)]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8.5, frameon=False,
                  title="社群（最核心的词）", title_fontsize=9)
    ax.set_title(f"词语共现网络（{period}）：节点大小 = 出现的窗口数，颜色 = 社群，线宽 = 关联强度；"
                 f"{len(names)} 个词，{g.number_of_edges()} 条边")
    ax.axis("off")
    fig.tight_layout()
    return fig


def _theme_term_rows(neighbours: pd.DataFrame, theme: str, term: str | None) -> pd.DataFrame:
    """The per-period neighbour rows of one theme term (default: the theme's most frequent term)."""
    nb = neighbours[(neighbours["theme"] == theme) & (neighbours["period"] != "all")]
    if term is None and not nb.empty:
        term = nb.groupby("term")["term_freq"].sum().sort_values(ascending=False, kind="stable").index[0]
    return nb[nb["term"] == term]


@cjk_style
def plot_ego(neighbours: pd.DataFrame, *, theme: str, term: str | None = None, max_periods: int = 9, seed: int = 42):
    """One theme term's strongest neighbours, one star per period (small multiples).

    The theme term sits in the centre of each panel; its neighbours are on
    a circle in rank order (strongest at the top, clockwise), with line
    width and label size following the chosen weight, so a reader sees
    which partners stay, come and go from period to period.

    Parameters
    ----------
    neighbours : DataFrame
        ``network_neighbours``.
    theme : str
        Theme name.
    term : str, optional
        Which of the theme's terms (default: the one with most windows).
    max_periods : int
        The latest periods with neighbours are shown (``all`` is left out).
    seed : int
        Unused by the radial layout; accepted so every figure takes a seed.

    Returns
    -------
    matplotlib.figure.Figure or None
        None when the term has no neighbour in any period.

    Examples
    --------
    >>> nb = pd.DataFrame({"theme": "协商", "term": "协商", "period": ["2020–2024", "2020–2024"],
    ...     "rank": [1, 2], "neighbour": ["民主", "监督"], "weight": [0.4, 0.2], "count": [5, 3], "term_freq": 9})
    >>> len(plot_ego(nb, theme="协商").axes)
    1
    """
    nb = _theme_term_rows(neighbours, theme, term)
    if nb.empty:
        return None
    periods = sorted(nb["period"].unique())[-max_periods:]
    cols = min(3, len(periods))
    rows = math.ceil(len(periods) / cols)
    fig = Figure(figsize=(4.6 * cols, 4.4 * rows))
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    top_w = max(nb["weight"].max(), 1e-9)
    for ax, period in zip(axes, periods):
        rows_p = nb[nb["period"] == period].sort_values("rank")
        k = len(rows_p)
        angles = np.pi / 2 - 2 * np.pi * np.arange(k) / max(k, 1)
        for (_, r), a in zip(rows_p.iterrows(), angles):
            x, y = math.cos(a), math.sin(a)
            ax.plot([0, x], [0, y], color="#3b6ea8", alpha=0.6, lw=0.5 + 3.5 * max(r["weight"], 0) / top_w, zorder=1)
            ax.scatter([x], [y], s=30 + 14 * math.sqrt(r["count"]), color="#9ecae1", zorder=2)
            ax.text(1.22 * x, 1.22 * y, f"{r['neighbour']}\n{r['weight']:.2f}·{r['count']}", ha="center", va="center",
                    fontsize=7 + 3 * max(r["weight"], 0) / top_w)
        ax.scatter([0], [0], s=500, color="#c0392b", zorder=3)
        ax.text(0, 0, term, ha="center", va="center", color="white", fontsize=9, zorder=4)
        freq = int(rows_p["term_freq"].iloc[0])
        ax.set_title(f"{period}（{term} 出现于 {freq} 个窗口）", fontsize=10)
        ax.set_xlim(-1.6, 1.6)
        ax.set_ylim(-1.5, 1.5)
        ax.set_aspect("equal")
        ax.axis("off")
    for ax in axes[len(periods):]:
        ax.axis("off")
    fig.suptitle(f"“{theme}”的共现邻居随时期的变化（按关联强度排序，顺时针；标注 = 权重·共现窗口数）")
    fig.tight_layout(rect=(0, 0, 1, 0.96))  # room for the suptitle
    return fig


@cjk_style
def plot_neighbour_trajectory(neighbours: pd.DataFrame, *, theme: str, term: str | None = None, top: int = 20):
    """Heat map: the theme term's neighbours (rows) × periods (columns), cell = the chosen weight.

    Shows at a glance which partners persist and which arrive or leave.

    Examples
    --------
    >>> nb = pd.DataFrame({"theme": "协商", "term": "协商", "period": ["2015–2019", "2020–2024"],
    ...     "rank": [1, 1], "neighbour": ["民主", "民主"], "weight": [0.4, 0.2], "count": [5, 3], "term_freq": 9})
    >>> plot_neighbour_trajectory(nb, theme="协商").axes[0].get_ylabel()
    '邻居'
    """
    nb = _theme_term_rows(neighbours, theme, term)
    if nb.empty:
        return None
    wide = nb.pivot_table(index="neighbour", columns="period", values="weight", aggfunc="max")
    order = nb.groupby("neighbour")["weight"].sum().sort_values(ascending=False, kind="stable").index[:top]
    wide = wide.loc[order].sort_index(axis=1)
    fig = Figure(figsize=(1.0 + 0.75 * wide.shape[1], 1.2 + 0.32 * len(wide)))
    ax = fig.subplots()
    im = ax.imshow(wide.to_numpy(dtype=float), aspect="auto", cmap="Blues", vmin=0)  # blank stays white
    ax.set_xticks(range(wide.shape[1]), list(wide.columns), rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(wide)), list(wide.index), fontsize=8.5)
    ax.set_ylabel("邻居")
    fig.colorbar(im, ax=ax, shrink=0.6, label="关联强度")
    ax.set_title(f"“{term}”的最强邻居：各时期的关联强度（空白 = 未进入前列）", fontsize=10)
    fig.tight_layout()
    return fig


def network_figures(tables: dict[str, pd.DataFrame], *, seed: int = 42) -> dict:
    """Every network figure of a run, ``{name: Figure}``: ``network_<period>``, ``ego_<theme>``, ``ego_trend_<theme>``.

    Reads whichever network tables exist; figures without data are left out.

    Examples
    --------
    >>> network_figures({})
    {}
    """
    nodes, edges = tables.get("network_nodes"), tables.get("network_edges")
    figs: dict = {}
    if nodes is not None and edges is not None and not nodes.empty:
        for period in sorted(nodes["period"].unique(), key=lambda p: (p != "all", p)):
            figs[f"network_{period}"] = plot_network(nodes, edges, period=period, seed=seed,
                                                     communities=tables.get("network_communities"))
    nb = tables.get("network_neighbours")
    if nb is not None and not nb.empty:
        for theme in dict.fromkeys(nb["theme"]):
            figs[f"ego_{theme}"] = plot_ego(nb, theme=theme, seed=seed)
            figs[f"ego_trend_{theme}"] = plot_neighbour_trajectory(nb, theme=theme)
    return {k: v for k, v in figs.items() if v is not None}
