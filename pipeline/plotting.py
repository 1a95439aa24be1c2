"""Matplotlib set-up shared by every figure: a bundled CJK font.

The font comes from the ``mplfonts`` package (Noto Sans CJK SC), so
Chinese labels render as glyphs on a machine with no system CJK fonts.
Figures are built as ``matplotlib.figure.Figure`` objects, never through
pyplot, so no backend is chosen here: cron needs no display, and an
analyst's Jupyter backend is left as it was.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import ParamSpec, TypeVar

import matplotlib
import matplotlib.text
from matplotlib import font_manager

P = ParamSpec("P")
R = TypeVar("R")


def cjk_font_path() -> Path:
    """Path of the bundled Noto Sans CJK SC font (shipped by ``mplfonts``)."""
    import mplfonts

    return Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"


def font_subset_woff2(chars: str) -> bytes:
    """A WOFF2 subset of the bundled CJK font with exactly the glyphs of ``chars``.

    The HTML report embeds it, so its Chinese renders as glyphs on a
    machine with no CJK font; a subset keeps the page small (about 150 KB
    for 1,000 distinct characters instead of the 16 MB font).

    Examples
    --------
    >>> from io import BytesIO
    >>> from fontTools.ttLib import TTFont
    >>> data = font_subset_woff2("强省会")
    >>> data[:4], sorted(chr(c) for c in TTFont(BytesIO(data)).getBestCmap())
    (b'wOF2', ['会', '强', '省'])
    """
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    opts = subset.Options()
    opts.flavor = "woff2"
    opts.layout_features = []  # no vertical or locale forms: the page is horizontal Simplified Chinese
    opts.name_IDs = [1, 2]
    opts.hinting = False
    opts.notdef_outline = True
    font = TTFont(str(cjk_font_path()), lazy=True)
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=sorted({ord(c) for c in chars if ord(c) >= 32}))
    sub.subset(font)
    buf = io.BytesIO()
    font.flavor = "woff2"
    font.save(buf)
    return buf.getvalue()


@cache
def cjk_font_name() -> str:
    """Register the bundled Noto Sans CJK SC font once and return its family name.

    Examples
    --------
    >>> "CJK" in cjk_font_name()
    True
    """
    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def _rc() -> dict:
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [cjk_font_name(), "DejaVu Sans"],
        "axes.unicode_minus": False,  # the CJK font has no U+2212 glyph
        "svg.fonttype": "path",  # glyphs as outlines: the SVG shows Chinese on a machine with no CJK font
        "svg.hashsalt": "cppcc-pipeline",  # fixed clip-path ids: the same input gives the same SVG bytes
        "figure.dpi": 110,
    }


def cjk_style(plot: Callable[P, R]) -> Callable[P, R]:
    """Run a plotting function under the CJK font settings, restoring the caller's rcParams after.

    The CJK family is also named on every text of the returned figure, so it
    still renders as glyphs when drawn later (in Jupyter, say); an analyst's
    own figures are untouched.

    Examples
    --------
    >>> import matplotlib
    >>> before = matplotlib.rcParams["font.sans-serif"]
    >>> @cjk_style
    ... def f():
    ...     return matplotlib.rcParams["font.sans-serif"][0]
    >>> "CJK" in f(), matplotlib.rcParams["font.sans-serif"] == before
    (True, True)
    """

    @functools.wraps(plot)
    def styled(*args: P.args, **kwargs: P.kwargs) -> R:
        with matplotlib.rc_context(_rc()):
            fig = plot(*args, **kwargs)
        if hasattr(fig, "findobj"):
            # "sans-serif" is looked up when the figure is drawn, i.e. after the
            # context: name the CJK font on every text so it survives.
            family = _rc()["font.sans-serif"]
            for text in fig.findobj(matplotlib.text.Text):
                text.set_fontfamily(family)
            # Jupyter shows the figure inline (no pyplot, no %matplotlib magic needed).
            fig._repr_png_ = functools.partial(figure_bytes, fig, "png")
        return fig

    return styled


def figure_bytes(fig, fmt: str) -> bytes:
    """Render a figure as PNG or SVG under the same settings it was built with.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> figure_bytes(Figure(), "png")[:4]
    b'\\x89PNG'
    """
    import io

    buf = io.BytesIO()
    with matplotlib.rc_context(_rc()):
        fig.savefig(buf, format=fmt, bbox_inches="tight", metadata={"Date": None} if fmt == "svg" else None)
    return buf.getvalue()


def compact_png(png: bytes, colors: int = 128) -> bytes:
    """The same PNG with a 128-colour palette: a third of the bytes, for embedding in the HTML page.

    Figures are flat colours plus anti-aliased edges, so a palette loses
    nothing a reader sees; ``figures/*.png`` keep the full-colour original.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(); _ = fig.subplots().plot([1, 2, 3])
    >>> full = figure_bytes(fig, "png"); small = compact_png(full)
    >>> small[:4] == b"\\x89PNG" and len(small) < len(full)
    True
    """
    import io

    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    img.quantize(colors=colors, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(out, "PNG")
    return out.getvalue()
