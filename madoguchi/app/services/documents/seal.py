"""A synthetic 公印 (電子公印, standard/j1050): a black square seal drawn at run time.

No real seal is shipped or imitated: the image is a plain square frame with the given
characters set in IPAex Mincho, in columns read from right to left, as seals are cut. It is
black (j1050: 黒色, at most 25 mm square) and a PNG with transparency, so the text under it
stays legible.
"""

from __future__ import annotations

import io
import math
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from madoguchi.app.services.documents.fonts import FONT_FILES, FONTS_DIR, MINCHO, FontFileMissing

__all__ = ["SEAL_PIXELS", "seal_png"]

SEAL_PIXELS = 240
"""Side of the image; at 22 mm on paper this is about 280 dpi."""


@lru_cache(maxsize=8)
def seal_png(text: str) -> bytes:
    """The seal of ``text`` (e.g. 「みどり市長之印」) as PNG bytes; cached per text."""
    path = FONTS_DIR / FONT_FILES[MINCHO]
    if not path.is_file():
        raise FontFileMissing(path)
    chars = [char for char in text if not char.isspace()] or ["印"]
    columns = math.ceil(math.sqrt(len(chars)))
    # 7 characters in 3 columns go 3, 2, 2: the first columns take the remainder.
    base, extra = divmod(len(chars), columns)
    counts = [base + (1 if column < extra else 0) for column in range(columns)]
    size = SEAL_PIXELS
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    ink = (0, 0, 0, 255)
    outer = size // 22
    draw.rectangle((0, 0, size - 1, size - 1), outline=ink, width=outer)
    inset = outer + size // 40
    draw.rectangle((inset, inset, size - 1 - inset, size - 1 - inset), outline=ink, width=2)
    inner = size - 2 * (inset + size // 30)
    cell_w = inner / columns
    font = ImageFont.truetype(str(path), int(min(cell_w, inner / max(counts)) * 0.92))
    origin = (size - inner) / 2
    index = 0
    for column, count in enumerate(counts):
        # Columns run from the right edge leftwards, characters top to bottom, spread evenly.
        x = origin + inner - (column + 0.5) * cell_w
        for row in range(count):
            y = origin + (row + 0.5) * inner / count
            draw.text(
                (x, y),
                chars[index],
                font=font,
                fill=ink,
                anchor="mm",
                stroke_width=1,
                stroke_fill=ink,
            )
            index += 1
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
