"""Printable cards: Jinja2 templates (templates/cards/) rendered to PDF by WeasyPrint.

- One card is a page of ID-1 size (85.6 x 54 mm); a print sheet puts up to 10 on A4 with crop marks.
- Templates get primitive values only (``CardView``); autoescape is on, so a name with HTML in it prints
  as text. The QR code (an SVG segno builds from the card's digits) is an image, ``qr:NUMBER``.
- WeasyPrint is imported at the first PDF (``load``), not with this module: its import (cffi bindings to
  Pango) costs about a second that every API, worker and command start paid; the API loads it in the
  background as it starts (api.main), so the counter's first card is not the one that waits.
- WeasyPrint fetches through ``templates_only_fetcher``: files under templates/ and the render's own SVG
  images (the cards' QR codes, a sheet's crop marks), nothing else (no network, no other files), so no
  input can make a render read ``file:///etc/passwd`` or call out.
- A sheet is laid out as cheaply as it prints the same: no ``style`` attributes (a stylesheet parsed once
  places the cards), the QR codes and crop marks as images rather than HTML elements, and boxes sized so
  that WeasyPrint need not measure their text first (docs/benchmarks.md, "Cards").
- The stylesheets are parsed once per process and handed over as files, not inlined: Jinja2's
  autoescape would mangle quotes in inline CSS (fonts silently fall back).
"""

from __future__ import annotations

import io
import mimetypes
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import jinja2
import segno

if TYPE_CHECKING:
    from weasyprint import CSS
    from weasyprint.document import Document
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

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
    qr_svg: str  # the number as a QR code, an SVG document (segno), shown as <img src="qr:NUMBER">
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
    """The card number as a QR code, an SVG document sized by CSS (no width/height of its own)."""
    if not number.isdigit():
        raise ValueError("a card QR code holds digits only")
    out = io.BytesIO()
    segno.make(number, error="m", micro=False).save(out, kind="svg", border=2, omitsize=True, xmldecl=False)
    return out.getvalue().decode()


@cache
def load() -> ModuleType:
    """WeasyPrint (with the submodules used here), imported once per process on first use."""
    import weasyprint  # noqa: PLC0415  # late on purpose: see the module's docstring
    import weasyprint.text.fonts  # noqa: PLC0415
    import weasyprint.urls  # noqa: PLC0415

    return weasyprint


def templates_only_fetcher(root: Path = TEMPLATES_DIR, images: Mapping[str, str] | None = None) -> URLFetcher:
    """A WeasyPrint fetcher that serves ``file:`` URLs under ``root`` (templates/) and the render's own
    images (``images``: URL -> SVG document, e.g. ``qr:NUMBER``, the code segno made for that card), and
    refuses everything else (http, other files, data...)."""
    return _fetcher_class()(root, images)


@cache
def _fetcher_class() -> type[URLFetcher]:
    urls = load().urls

    class TemplatesOnlyFetcher(urls.URLFetcher):  # type: ignore[name-defined]
        def __init__(self, root: Path, images: Mapping[str, str] | None) -> None:
            super().__init__(allowed_protocols=("file",))
            self.root = root.resolve()
            self.images = dict(images or {})

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url in self.images:
                return urls.URLFetcherResponse(
                    url, self.images[url].encode(), {"Content-Type": "image/svg+xml"}
                )
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                raise ValueError(f"refused to fetch {url!r}: only files under templates/ are served")
            path = Path(unquote(parts.path)).resolve()
            if not path.is_relative_to(self.root) or not path.is_file():
                raise ValueError(f"refused to fetch {url!r}: only files under templates/ are served")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return urls.URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})

    return TemplatesOnlyFetcher


def render_card_pdf(view: CardView) -> bytes:
    """One card, one ID-1 page."""
    return render_cards_pdf([view])


def render_cards_pdf(views: Sequence[CardView]) -> bytes:
    """Cards one per ID-1 page, in one document (for a card printer)."""
    if not views:
        raise ValueError("no cards to render")
    html = _env().get_template("card.html").render(cards=views, title=_title(views))
    return html_to_pdf(html, "card_page.css", views)


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
    count = len(views)
    html = _env().get_template("sheet.html").render(cards=views, marks=f"marks:{count}", title=_title(views))
    _fetcher, fonts, stylesheets = _resources("sheet.css")
    fetcher = _fetcher_for(views, {f"marks:{count}": _marks_svg(count)})
    document = load().HTML(string=html, base_url=CARDS_DIR.as_uri() + "/", url_fetcher=fetcher)
    return document.render(stylesheets=[*stylesheets, _positions()], font_config=fonts)


@cache
def _positions() -> CSS:
    """Where the cards sit on a sheet (``.s0`` .. ``.s9``), one stylesheet parsed once: a ``style``
    attribute on each card would be parsed on every render."""
    slots, _marks = sheet_layout(SHEET_MAX)
    rules = [f".s{i} {{ left: {s['left']}mm; top: {s['top']}mm }}" for i, s in enumerate(slots)]
    _fetcher, fonts, _sheets = _resources("sheet.css")
    css: CSS = load().CSS(string="\n".join(rules), font_config=fonts)
    return css


@cache
def _marks_svg(count: int) -> str:
    """The crop marks of a sheet of ``count`` cards as one A4-sized SVG (millimetre units): one image
    instead of ~28 positioned boxes, which WeasyPrint would style and lay out one by one."""
    _slots, marks = sheet_layout(count)
    rects = "".join(
        f'<rect x="{m["left"]}" y="{m["top"]}" width="{m["width"]}" height="{m["height"]}"/>' for m in marks
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {PAGE_W:g} {PAGE_H:g}">'
        f'<g fill="#000">{rects}</g></svg>'
    )


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


def html_to_pdf(html: str, page_css: str = "card_page.css", views: Sequence[CardView] = ()) -> bytes:
    """Any HTML through the same locked-down WeasyPrint setup (the templates' base URL, the fetcher);
    ``views`` are the cards whose QR codes the HTML may show as ``qr:NUMBER``."""
    _fetcher, fonts, stylesheets = _resources(page_css)
    document = load().HTML(string=html, base_url=CARDS_DIR.as_uri() + "/", url_fetcher=_fetcher_for(views))
    pdf: bytes = document.write_pdf(stylesheets=stylesheets, font_config=fonts)
    return pdf


@cache
def _resources(page_css: str) -> tuple[URLFetcher, FontConfiguration, list[CSS]]:
    """Parsed once per process: the fetcher, the font configuration and the stylesheets."""
    weasyprint = load()
    fetcher = templates_only_fetcher()
    fonts = weasyprint.text.fonts.FontConfiguration()
    stylesheets = [
        weasyprint.CSS(url=(CARDS_DIR / name).as_uri(), url_fetcher=fetcher, font_config=fonts)
        for name in ("card.css", page_css)
    ]
    return fetcher, fonts, stylesheets


def _fetcher_for(views: Sequence[CardView], images: Mapping[str, str] | None = None) -> URLFetcher:
    """A fetcher for one render: the templates, these cards' QR codes (``qr:NUMBER``) and ``images``. An
    SVG image is parsed by ElementTree, where an inline ``<svg>`` went through the HTML tokenizer
    character by character and added two elements per card to the cascade."""
    return templates_only_fetcher(
        images={f"qr:{view.number}": view.qr_svg for view in views} | dict(images or {})
    )


@cache
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(CARDS_DIR),
        autoescape=True,  # every template here is HTML: names print as text
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
