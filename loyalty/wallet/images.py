"""The pass's images: the shop's logo (a PNG it configures) or, without one, its initial on its colour, and
the icon Apple requires (shown on the lock screen), each at 1x and 2x."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ICON = 29  # points; Apple's icon.png
LOGO = (160, 50)  # points, at most; Apple's logo.png


def _mark(size: tuple[int, int], initial: str, color: str) -> bytes:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    side = min(size)
    draw.rounded_rectangle((0, 0, side - 1, side - 1), radius=side // 5, fill=color)
    font = ImageFont.load_default(size=int(side * 0.6))
    draw.text((side / 2, side / 2), initial, fill="white", font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _scaled(source: bytes, box: tuple[int, int]) -> bytes:
    image = Image.open(io.BytesIO(source)).convert("RGBA")
    image.thumbnail(box)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@lru_cache(maxsize=8)
def pass_images(shop_name: str, color: str, logo: Path | None) -> dict[str, bytes]:
    """icon.png, icon@2x.png, logo.png and logo@2x.png."""
    initial = (shop_name.strip()[:1] or "•").upper()
    icons = {
        "icon.png": _mark((ICON, ICON), initial, color),
        "icon@2x.png": _mark((ICON * 2, ICON * 2), initial, color),
    }
    if logo is not None:
        source = logo.read_bytes()
        logos = {
            "logo.png": _scaled(source, LOGO),
            "logo@2x.png": _scaled(source, (LOGO[0] * 2, LOGO[1] * 2)),
        }
    else:
        logos = {"logo.png": _mark((LOGO[1], LOGO[1]), initial, color)}
        logos["logo@2x.png"] = _mark((LOGO[1] * 2, LOGO[1] * 2), initial, color)
    return icons | logos
