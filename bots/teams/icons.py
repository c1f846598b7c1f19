"""The Teams app icons, drawn at build time: ``color.png`` (192×192, full colour) and
``outline.png`` (32×32, white on a transparent background, as Teams requires)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

COLOR_SIZE = 192
OUTLINE_SIZE = 32
WHITE = (255, 255, 255, 255)


def _ticket(draw: ImageDraw.ImageDraw, size: int, *, width: int) -> None:
    """A help desk ticket: a rounded card with a notch on each side and two text lines."""
    margin = size * 3 // 16
    top, bottom = size * 5 // 16, size * 11 // 16
    box = (margin, top, size - margin - 1, bottom)
    draw.rounded_rectangle(box, radius=max(1, size // 16), outline=WHITE, width=width)
    notch = max(2, size // 12)
    middle = (top + bottom) // 2
    for x in (margin, size - margin - 1):
        draw.ellipse((x - notch, middle - notch, x + notch, middle + notch), fill=(0, 0, 0, 0))
    line_left, line_right = size * 5 // 16, size * 11 // 16
    for y in (middle - size // 16, middle + size // 16):
        draw.line((line_left, y, line_right, y), fill=WHITE, width=max(1, width // 2))


def color_icon(accent: str) -> bytes:
    """The full-colour icon: the ticket in white on the accent colour."""
    image = Image.new("RGBA", (COLOR_SIZE, COLOR_SIZE), accent)
    draw = ImageDraw.Draw(image)
    _ticket(draw, COLOR_SIZE, width=COLOR_SIZE // 24)
    # The notches cut through to the accent colour, not to transparency.
    background = Image.new("RGBA", image.size, accent)
    background.alpha_composite(image)
    return _png(background.convert("RGB"))


def outline_icon() -> bytes:
    """The outline icon: white strokes only, everything else fully transparent."""
    image = Image.new("RGBA", (OUTLINE_SIZE, OUTLINE_SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    _ticket(draw, OUTLINE_SIZE, width=2)
    return _png(image)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
