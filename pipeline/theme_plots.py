"""Figures of the themes stage: trend lines, a theme × year heatmap, small multiples per city.

Input: ``theme_years`` and ``theme_groups`` from ``themes.track_themes``.
Each function returns a ``matplotlib.figure.Figure`` built without
pyplot (so nothing accumulates in a global figure registry); the caller
saves it (``plotting.figure_bytes``).  Chinese labels use the bundled CJK font
(``plotting.cjk_style``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .plotting import cjk_style
from .records import check_columns

_NEEDED = ("theme", "year", "n_docs", "count", "per_10k")


def _check(df: pd.DataFrame, what: str, extra: tuple[str, ...] = ()) -> None:
    check_columns(df, "theme_years", stage=what, needs=(*_NEEDED, *extra))


def _themes_with_hits(df: pd.DataFrame) -> list[str]:
    """Themes in table order that have at least one hit (a flat zero line only adds clutter)."""
    totals = df.groupby("theme", sort=False)["count"].sum()
    return [t for t in dict.fromkeys(df["theme"]) if totals.get(t, 0) > 0]


def _colors(n: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


def _empty_figure(message: str) -> Figure:
    fig = Figure(figsize=(6, 2))
    ax = fig.subplots()
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center")
    return fig


@cjk_style
def plot_theme_trends(theme_years: pd.DataFrame, *, themes: list[str] | None = None) -> Figure:
    """Rate per 10,000 characters per year, one line per theme, with documents per year below.

    Years missing from the corpus stay gaps in the lines (no interpolation).
    Years whose text is too small to rate (``rate_ok`` False, when the
    column is there) are shaded grey and their points drawn hollow.  With
    ``themes`` only those themes are drawn (``Run.trend``).

    Examples
    --------
    >>> ty = pd.DataFrame({"theme": ["强省会"] * 2, "year": [2023, 2024], "n_docs": [1, 2],
    ...     "count": [1, 4], "per_10k": [0.5, 1.5], "rate_ok": [False, True]})
    >>> fig = plot_theme_trends(ty)
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['强省会', '文字太少，比率不可比']
    >>> [t.get_text() for t in plot_theme_trends(ty[ty["year"] == 2024]).axes[1].get_xticklabels()]
    ['2024']
    """
    _check(theme_years, "plot_theme_trends")
    ty = theme_years.dropna(subset=["year"])
    if themes is not None:
        ty = ty[ty["theme"].isin(themes)]
    names = _themes_with_hits(ty)
    if not names:
        return _empty_figure("没有主题命中")
    years = np.arange(int(ty["year"].min()), int(ty["year"].max()) + 1)
    rates = ty.pivot_table(index="year", columns="theme", values="per_10k", aggfunc="first").reindex(years)
    docs = ty.groupby("year")["n_docs"].max().reindex(years)
    weak = (ty.loc[~ty["rate_ok"].fillna(True).astype(bool), "year"].astype(int).unique()
            if "rate_ok" in ty.columns else np.array([], dtype=int))

    fig = Figure(figsize=(max(7.0, min(16.0, 0.22 * len(years) + 5)), 5.6), layout="constrained")
    ax, axd = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [4, 1]})
    for y in weak:
        ax.axvspan(y - 0.5, y + 0.5, color="0.85", zorder=0, lw=0)
    for name, color in zip(names, _colors(len(names)), strict=True):
        r = rates[name].to_numpy(dtype=float)
        ax.plot(years, r, marker="o", ms=3, lw=1.5, color=color, label=name)
        if len(weak):
            w = np.isin(years, weak)
            ax.plot(years[w], r[w], ls="none", marker="o", ms=5, mfc="white", mec=color)
    if len(weak):
        from matplotlib.patches import Patch

        handles, labels = ax.get_legend_handles_labels()
        handles.append(Patch(color="0.85"))
        labels.append("文字太少，比率不可比")
    else:
        handles, labels = ax.get_legend_handles_labels()
    ax.set_ylabel("每万字出现次数")
    ax.set_title("主题趋势（按年合并计算：命中数 / 总字数 × 10,000）")
    ax.grid(alpha=0.3)
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)

    axd.bar(years, docs.fillna(0).to_numpy(), color="0.6", width=0.8)
    axd.set_ylabel("文档数")
    axd.set_xlabel("年份")
    if len(years) <= 40:
        for x, n in zip(years, docs.to_numpy(), strict=True):
            if not pd.isna(n):
                axd.text(x, n, f"{int(n)}", ha="center", va="bottom", fontsize=7)
    axd.set_ylim(0, max(1.0, float(docs.max())) * 1.35)
    # Whole years only: a one-year corpus would otherwise get ticks at 2025.6 … 2026.4.
    axd.set_xlim(years[0] - 0.6, years[-1] + 0.6)
    if len(years) <= 12:
        axd.set_xticks(years, [str(y) for y in years])
    else:
        axd.xaxis.get_major_locator().set_params(integer=True)
    return fig


@cjk_style
def plot_theme_rates(theme_years: pd.DataFrame) -> Figure:
    """One year (a cross-section): each theme's pooled rate with its 95 % interval, as bars.

    A line chart of a single year is a column of dots; bars sorted by rate
    with the interval drawn as error bars say more.

    Examples
    --------
    >>> ty = pd.DataFrame({"theme": ["强省会", "高质量发展"], "year": 2026, "n_docs": 31, "count": [3, 511],
    ...     "per_10k": [0.05, 8.45], "per_10k_low": [0.01, 7.73], "per_10k_high": [0.14, 9.22]})
    >>> [t.get_text() for t in plot_theme_rates(ty).axes[0].get_yticklabels()]
    ['高质量发展', '强省会']
    """
    _check(theme_years, "plot_theme_rates")
    ty = theme_years.dropna(subset=["year"])
    ty = ty[ty["theme"].isin(_themes_with_hits(ty))].sort_values("per_10k", ascending=False)
    if ty.empty:
        return _empty_figure("没有主题命中")
    rate = ty["per_10k"].to_numpy(dtype=float)
    err = None
    if {"per_10k_low", "per_10k_high"} <= set(ty.columns):
        err = np.vstack([rate - ty["per_10k_low"].to_numpy(dtype=float), ty["per_10k_high"].to_numpy(dtype=float) - rate])
    fig = Figure(figsize=(8, 0.35 * len(ty) + 1.5), layout="constrained")
    ax = fig.subplots()
    ax.barh(ty["theme"].tolist(), rate, xerr=err, color="#c44", alpha=0.8, error_kw={"ecolor": "0.3", "capsize": 2})
    ax.invert_yaxis()
    years = "、".join(str(int(y)) for y in sorted(ty["year"].unique()))
    docs = int(ty["n_docs"].max())
    ax.set_xlabel("每万字出现次数（误差线：95% 精确泊松区间）")
    ax.set_title(f"{years} 年各主题的出现率（{docs} 篇合并计算）")
    ax.grid(axis="x", alpha=0.3)
    return fig


@cjk_style
def plot_theme_heatmap(theme_years: pd.DataFrame) -> Figure:
    """Theme × year heatmap of the pooled rate per 10,000 characters (corpus years only).

    Examples
    --------
    >>> ty = pd.DataFrame({"theme": ["强省会", "强省会", "社区协商", "社区协商"], "year": [2023, 2024] * 2,
    ...     "n_docs": 1, "count": [1, 0, 2, 3], "per_10k": [0.5, 0.0, 1.0, 1.5]})
    >>> [t.get_text() for t in plot_theme_heatmap(ty).axes[0].get_yticklabels()]
    ['强省会', '社区协商']
    """
    _check(theme_years, "plot_theme_heatmap")
    ty = theme_years.dropna(subset=["year"])
    names = list(dict.fromkeys(ty["theme"]))
    if not names:
        return _empty_figure("没有主题 (no themes)")
    mat = ty.pivot_table(index="theme", columns="year", values="per_10k", aggfunc="first").reindex(names)
    mat.columns = [str(int(y)) for y in mat.columns]
    return _heatmap(mat, title="主题 × 年份（每万字出现次数）", xlabel="年份")


def _heatmap(mat: pd.DataFrame, *, title: str, xlabel: str) -> Figure:
    """Rate matrix (rows × columns, per 10,000 characters) as an annotated heatmap."""
    rows, cols = [str(r) for r in mat.index], [str(c) for c in mat.columns]
    fig = Figure(figsize=(max(6.0, min(18.0, 0.35 * len(cols) + 3)), max(2.5, 0.38 * len(rows) + 1.5)),
                 layout="constrained")
    ax = fig.subplots()
    values = mat.to_numpy(dtype=float)
    im = ax.imshow(values, aspect="auto", cmap="YlOrRd", interpolation="nearest")
    ax.set_yticks(range(len(rows)), rows)
    step = max(1, math.ceil(len(cols) / 30))
    ax.set_xticks(range(0, len(cols), step), cols[::step], rotation=90)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    if values.size <= 300:
        vmax = np.nanmax(values) if np.isfinite(values).any() else 0
        for (i, j), v in np.ndenumerate(values):
            if not np.isnan(v) and v > 0:
                ax.text(j, i, f"{v:.1f}", ha="center", va="center", fontsize=7,
                        color="white" if v > 0.6 * vmax else "black")
    fig.colorbar(im, ax=ax, label="每万字出现次数", shrink=0.8)
    return fig


@cjk_style
def plot_theme_cities(theme_groups: pd.DataFrame) -> Figure | None:
    """Small multiples of the yearly rate, one panel per city; ``None`` for a one-city corpus.

    A cross-section (every city has a single year, like 31 provincial reports
    of 2026) has no trend to draw: it becomes a city × theme heatmap instead.

    Examples
    --------
    >>> tg = pd.DataFrame({"theme": "强省会", "group_by": "city", "group": ["贵阳", "贵阳", "兰州"],
    ...     "year": [2023, 2024, 2024], "n_docs": 1, "count": [1, 3, 0], "n_chars": [25000, 25000, 9000],
    ...     "per_10k": [0.4, 1.2, 0.0]})
    >>> [a.get_title() for a in plot_theme_cities(tg).axes]
    ['兰州（1 篇）', '贵阳（2 篇）']
    >>> plot_theme_cities(tg[tg["group"] == "贵阳"]) is None
    True
    >>> plot_theme_cities(tg[tg["year"] == 2024]).axes[0].get_title()
    '城市 × 主题（2024 年，每万字出现次数）'
    """
    _check(theme_groups, "plot_theme_cities", ("group_by", "group"))
    tg = theme_groups[(theme_groups["group_by"] == "city")].dropna(subset=["year"])
    cities = sorted(tg["group"].dropna().unique().tolist())
    if len(cities) < 2:
        return None
    if tg.groupby("group")["year"].nunique().max() == 1:
        names = _themes_with_hits(tg) or list(dict.fromkeys(tg["theme"]))
        pooled = tg[tg["theme"].isin(names)].groupby(["group", "theme"])[["count", "n_chars"]].sum()
        rate = (pooled["count"] / pooled["n_chars"].where(pooled["n_chars"] > 0) * 10_000).unstack("theme")
        years = "、".join(str(int(y)) for y in sorted(tg["year"].unique()))
        return _heatmap(rate.reindex(columns=names), title=f"城市 × 主题（{years} 年，每万字出现次数）", xlabel="主题")
    names = _themes_with_hits(tg) or list(dict.fromkeys(tg["theme"]))
    colors = dict(zip(names, _colors(len(names)), strict=True))
    ncols = min(3, len(cities))
    nrows = math.ceil(len(cities) / ncols)
    fig = Figure(figsize=(4.2 * ncols + 1.8, 3.0 * nrows + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)).ravel()
    for ax, city in zip(axes, cities, strict=False):
        sub = tg[tg["group"] == city]
        n_docs = int(sub.groupby("year")["n_docs"].max().sum())
        for name in names:
            s = sub[sub["theme"] == name].sort_values("year")
            if len(s):
                ax.plot(s["year"].astype(int), s["per_10k"].astype(float), marker="o", ms=3,
                        color=colors[name], label=name)
        ax.set_title(f"{city}（{n_docs} 篇）")
        ax.grid(alpha=0.3)
        ax.xaxis.get_major_locator().set_params(integer=True)
    for ax in axes[len(cities):]:
        ax.remove()
    fig.supylabel("每万字出现次数")
    legend = {}
    for ax in axes[: len(cities)]:
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            legend.setdefault(label, h)
    if legend:
        fig.legend(list(legend.values()), list(legend), loc="outside right upper", fontsize=8, frameon=False)
    fig.suptitle("各城市主题趋势")
    return fig
