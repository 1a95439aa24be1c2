"""Matplotlib set-up shared by every figure: a bundled CJK font.

The font comes from the ``mplfonts`` package (Noto Sans CJK SC), so
Chinese labels render as glyphs on a machine with no system CJK fonts.
Figures are built as ``matplotlib.figure.Figure`` objects, never through
pyplot, so no backend is chosen here: cron needs no display, and an
analyst's Jupyter backend is left as it was.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import matplotlib
from matplotlib import font_manager


@cache
def cjk_font_name() -> str:
    """Register the bundled Noto Sans CJK SC font once and return its family name.

    Examples
    --------
    >>> "CJK" in cjk_font_name()
    True
    """
    import mplfonts

    path = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def setup_matplotlib() -> None:
    """Make every later figure use the CJK font, with a readable minus sign."""
    rc = matplotlib.rcParams
    rc["font.family"] = "sans-serif"
    rc["font.sans-serif"] = [cjk_font_name(), "DejaVu Sans"]
    rc["axes.unicode_minus"] = False  # the CJK font has no U+2212 glyph
    rc["svg.fonttype"] = "none"  # keep SVG text as text, searchable
    rc["figure.dpi"] = 110
