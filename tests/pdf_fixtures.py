"""Build small test PDFs with reportlab: known Chinese text, one or two columns.

Each builder returns ``(pdf_bytes, source_paragraphs)`` so a test can compare
the extracted text with what was drawn, in reading order.  Text is drawn with
SimHei.ttf from mplfonts (reportlab embeds TrueType subsets; it cannot embed
the CFF-flavoured .otf fonts that mplfonts also ships).
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

FONT = "SimHei"
PARAGRAPHS = (
    "中央政协工作会议召开以来，贵阳市政协认真学习贯彻习近平总书记关于加强和改进人民政协工作的重要思想，"
    "牢牢把握新时代人民政协的新方位新使命，聚焦协商主责主业，抓实四个关键环节。",
    "贵阳市政协始终把政协协商置于全市工作大局中来谋划和推进，努力做到建言资政与凝聚共识双向发力，"
    "围绕数字经济、乡村振兴、生态保护等重点议题开展专题协商，提出意见建议一百二十余条。",
    "过去一年，全市各级政协组织和广大政协委员坚持团结和民主两大主题，深入开展调查研究，"
    "积极履行政治协商、民主监督、参政议政职能，为推动高质量发展贡献了智慧和力量。",
    "我们坚持把加强思想政治引领、广泛凝聚共识作为中心环节，组织委员深入基层一线，"
    "倾听群众呼声，反映社情民意信息三百余篇，其中多篇得到市领导批示。",
    "新的一年，我们将更加紧密地团结在党中央周围，坚定信心、真抓实干，"
    "以更加饱满的精神状态推动各项工作取得新成效，为谱写中国式现代化贵阳篇章作出新的更大贡献。",
)
HEADER = "贵阳市政协常务委员会工作报告"


@cache
def font_path() -> Path:
    """SimHei.ttf shipped by mplfonts."""
    import mplfonts

    return Path(mplfonts.__file__).parent / "fonts" / "SimHei.ttf"


def _register() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(font_path())))


def _wrap(text: str, per_line: int) -> list[str]:
    return [text[i : i + per_line] for i in range(0, len(text), per_line)]


def build_pdf(
    paragraphs: tuple[str, ...] = PARAGRAPHS,
    *,
    columns: int = 1,
    repeat: int = 3,
    size: float = 11.0,
    page_number_style: str = "第 {n} 页",
    header: str | None = HEADER,
    title: str | None = "政协贵阳市委员会常务委员会工作报告",
    encrypt: str | None = None,
) -> tuple[bytes, list[str]]:
    """Draw ``paragraphs`` (``repeat`` times) in 1 or 2 columns over as many A4 pages as needed.

    Every page gets a running ``header`` at the top and a page number in
    ``page_number_style`` at the bottom; paragraphs start with a two-character
    indent and wrap hard at the column width, as in printed reports.  A
    ``title`` spanning both columns opens page 1.
    """
    _register()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, encrypt=encrypt)
    width, height = A4
    margin, gutter = 60.0, 24.0
    col_w = (width - 2 * margin - (columns - 1) * gutter) / columns
    per_line = int(col_w // size)
    leading = size * 1.6
    top_y, bottom_y = height - 95, 90
    source = list(paragraphs) * repeat
    lines: list[tuple[str, bool]] = []  # (text, indented)
    for para in source:
        # the first line is indented by two characters, so it holds two fewer
        first = para[: per_line - 2]
        wrapped = [first, *_wrap(para[len(first) :], per_line)]
        lines.extend((w, i == 0) for i, w in enumerate(wrapped) if w)
        lines.append(("", False))  # paragraph spacing
    page = 0
    idx = 0
    out_source = ([title] if title else []) + source
    while idx < len(lines):
        page += 1
        c.setFont(FONT, 9)
        if header:
            c.drawCentredString(width / 2, height - 45, header)
        c.drawCentredString(width / 2, 40, page_number_style.format(n=page))
        y0 = top_y
        if page == 1 and title:
            c.setFont(FONT, size + 5)
            c.drawCentredString(width / 2, top_y, title)
            y0 = top_y - 2.5 * leading
        c.setFont(FONT, size)
        for col in range(columns):
            x = margin + col * (col_w + gutter)
            y = y0
            while idx < len(lines) and y > bottom_y:
                text, indented = lines[idx]
                if text:
                    c.drawString(x + (2 * size if indented else 0), y, text)
                y -= leading
                idx += 1
        c.showPage()
    c.save()
    return buf.getvalue(), out_source


def build_image_only_pdf(pages: int = 3) -> bytes:
    """A scanned-looking PDF: one raster image per page and no text layer."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader

    img = Image.new("L", (400, 560), 255)
    draw = ImageDraw.Draw(img)
    for y in range(40, 520, 24):
        draw.rectangle((40, y, 360, y + 10), fill=40)  # grey bars where text would be
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for _ in range(pages):
        c.drawImage(ImageReader(img), 60, 100, width=470, height=650)
        c.showPage()
    c.save()
    return buf.getvalue()
