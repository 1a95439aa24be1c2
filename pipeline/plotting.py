"""Matplotlib set-up shared by every figure: a bundled CJK font, no GUI.

The font comes from the ``mplfonts`` package (Noto Sans CJK SC), so
Chinese labels render as glyphs on a machine with no system CJK fonts.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # figures are files; never open a window (cron has no display)

from matplotlib import font_manager  # noqa: E402


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
    import matplotlib.pyplot as plt

    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["font.sans-serif"] = [cjk_font_name(), "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False  # the CJK font has no U+2212 glyph
    plt.rcParams["svg.fonttype"] = "none"  # keep SVG text as text, searchable
    plt.rcParams["figure.dpi"] = 110
