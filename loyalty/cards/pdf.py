"""Printable cards: Jinja2 templates (templates/cards/) rendered to PDF by WeasyPrint.

- One card is a page of ID-1 size (85.6 x 54 mm); a print sheet puts up to 10 on A4 with crop marks.
- Templates get primitive values only (``CardView``); autoescape is on, so a name with HTML in it prints
  as text. The only markup passed in is the QR code's SVG, which segno builds from the card's digits.
- WeasyPrint fetches through ``TemplatesOnlyFetcher``: files under templates/ and nothing else (no
  network, no other files), so no input can make a render read ``file:///etc/passwd`` or call out.
- The stylesheets are parsed once per process and handed over as files, not inlined: Jinja2's
  autoescape would mangle quotes in inline CSS (fonts silently fall back).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2
import segno
from weasyprint import CSS, HTML
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from loyalty.cards.numbers import format_card_number
from loyalty.core.settings import TEMPLATES_DIR
from loyalty.models.cards import Card

CARDS_DIR = TEMPLATES_DIR / "cards"
SHEET_MAX = 10

# ID-1 card and the A4 sheet layout, in millimetres
CARD_W, CARD_H = 85.6, 54.0
PAGE_W, PAGE_H = 210.0, 297.0
SHEET_COLS, SHEET_ROWS = 2, 5
GAP_X, GAP_Y = 4.0, 3.0
MARK_LEN, MARK_OFFSET, MARK_WIDTH = 4.0, 1.5, 0.15


@dataclass(frozen=True)
class CardView:
    """Everything a card template shows, as plain values."""

    shop_name: str
    holder_name: str
    number: str  # 16 digits
    number_display: str  # "1234 5678 9012 3456"
    qr_svg: str  # inline <svg> of the number (segno)
    name_size: str  # "", "small" or "tiny": long names get a smaller font


def card_view(card: Card, shop_name: str) -> CardView:
    return make_view(shop_name=shop_name, holder_name=card.holder_name, number=card.number)


def make_view(*, shop_name: str, holder_name: str, number: str) -> CardView:
    length = len(holder_name)
    return CardView(
        shop_name=shop_name,
        holder_name=holder_name,
        number=number,
        number_display=format_card_number(number),
        qr_svg=qr_svg(number),
        name_size="" if length <= 24 else "small" if length <= 32 else "tiny",
    )


def qr_data_uri(number: str) -> str:
    """The card number's QR code as an SVG data URI, for an <img> on the member's page."""
    return str(segno.make(number, error="m", micro=False).svg_data_uri(border=2, scale=4))


def qr_svg(number: str) -> str:
    """The card number as a QR code, an inline SVG sized by CSS (no width/height of its own)."""
    if not number.isdigit():  # the SVG goes into the page unescaped: digits only, by construction
        raise ValueError("a card QR code holds digits only")
    return str(segno.make(number, error="m", micro=False).svg_inline(border=2, omitsize=True))


class TemplatesOnlyFetcher(URLFetcher):
    """Serve ``file:`` URLs under templates/ and refuse everything else (http, other files, data...)."""

    def __init__(self, root: Path = TEMPLATES_DIR) -> None:
        super().__init__(allowed_protocols=("file",))
        self.root = root.resolve()

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ValueError(f"refused to fetch {url!r}: only files under templates/ are served")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise ValueError(f"refused to fetch {url!r}: only files under templates/ are served")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})


def render_card_pdf(view: CardView) -> bytes:
    """One card, one ID-1 page."""
    return render_cards_pdf([view])


def render_cards_pdf(views: Sequence[CardView]) -> bytes:
    """Cards one per ID-1 page, in one document (for a card printer)."""
    if not views:
        raise ValueError("no cards to render")
    html = _env().get_template("card.html").render(cards=views, title=_title(views))
    return html_to_pdf(html, "card_page.css")


def render_sheet_pdf(views: Sequence[CardView]) -> bytes:
    """Up to 10 cards on an A4 sheet (2 x 5) with crop marks in the margins."""
    if not 1 <= len(views) <= SHEET_MAX:
        raise ValueError(f"a sheet holds 1 to {SHEET_MAX} cards, got {len(views)}")
    pdf: bytes = _sheet_document(views).write_pdf()
    return pdf


def render_sheets_pdf(views: Sequence[CardView], on_sheet: Callable[[], None] = lambda: None) -> bytes:
    """Any number of cards, 10 to an A4 sheet, as one PDF; ``on_sheet`` is called after each sheet.

    Each sheet is laid out on its own, then the pages are joined (``Document.copy``, WeasyPrint's way to
    combine documents) and the PDF is written once."""
    if not views:
        raise ValueError("no cards to render")
    documents = []
    for start in range(0, len(views), SHEET_MAX):
        documents.append(_sheet_document(views[start : start + SHEET_MAX]))
        on_sheet()
    pages = [page for document in documents for page in document.pages]
    pdf: bytes = documents[0].copy(pages).write_pdf()
    return pdf


def _sheet_document(views: Sequence[CardView]) -> Document:
    slots, marks = sheet_layout(len(views))
    html = (
        _env()
        .get_template("sheet.html")
        .render(
            slots=[{**slot, "card": view} for slot, view in zip(slots, views, strict=True)],
            marks=marks,
            title=_title(views),
        )
    )
    fetcher, fonts, stylesheets = _resources("sheet.css")
    document = HTML(string=html, base_url=CARDS_DIR.as_uri() + "/", url_fetcher=fetcher)
    return document.render(stylesheets=stylesheets, font_config=fonts)


def sheet_layout(count: int) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Card positions (mm from the top left) and crop marks for ``count`` cards, the block centred on A4.

    Marks sit in the margins, in line with every card edge, a little away from the cards so a cut on
    the line leaves no mark on the card.
    """
    block_w = SHEET_COLS * CARD_W + (SHEET_COLS - 1) * GAP_X
    block_h = SHEET_ROWS * CARD_H + (SHEET_ROWS - 1) * GAP_Y
    x0, y0 = (PAGE_W - block_w) / 2, (PAGE_H - block_h) / 2
    positions = [
        (x0 + (i % SHEET_COLS) * (CARD_W + GAP_X), y0 + (i // SHEET_COLS) * (CARD_H + GAP_Y))
        for i in range(count)
    ]
    xs = sorted({edge for x, _ in positions for edge in (x, x + CARD_W)})
    ys = sorted({edge for _, y in positions for edge in (y, y + CARD_H)})
    top, bottom = min(ys), max(ys)
    left, right = x0, x0 + block_w
    half = MARK_WIDTH / 2
    marks = []
    for x in xs:  # vertical marks above and below the block
        for y in (top - MARK_OFFSET - MARK_LEN, bottom + MARK_OFFSET):
            marks.append(_mm(left=x - half, top=y, width=MARK_WIDTH, height=MARK_LEN))
    for y in ys:  # horizontal marks left and right of the block
        for x in (left - MARK_OFFSET - MARK_LEN, right + MARK_OFFSET):
            marks.append(_mm(left=x, top=y - half, width=MARK_LEN, height=MARK_WIDTH))
    slots = [_mm(left=x, top=y) for x, y in positions]
    return slots, marks


def _mm(**values: float) -> dict[str, str]:
    return {key: f"{value:.3f}" for key, value in values.items()}


def _title(views: Sequence[CardView]) -> str:
    return views[0].shop_name if len(views) > 1 else f"{views[0].shop_name} — {views[0].holder_name}"


def html_to_pdf(html: str, page_css: str = "card_page.css") -> bytes:
    """Any HTML through the same locked-down WeasyPrint setup (the templates' base URL, the fetcher)."""
    fetcher, fonts, stylesheets = _resources(page_css)
    document = HTML(string=html, base_url=CARDS_DIR.as_uri() + "/", url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(stylesheets=stylesheets, font_config=fonts)
    return pdf


@cache
def _resources(page_css: str) -> tuple[TemplatesOnlyFetcher, FontConfiguration, list[CSS]]:
    """Parsed once per process: the fetcher, the font configuration and the stylesheets."""
    fetcher = TemplatesOnlyFetcher()
    fonts = FontConfiguration()
    stylesheets = [
        CSS(url=(CARDS_DIR / name).as_uri(), url_fetcher=fetcher, font_config=fonts)
        for name in ("card.css", page_css)
    ]
    return fetcher, fonts, stylesheets


@cache
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(CARDS_DIR),
        autoescape=True,  # every template here is HTML: names print as text
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
