"""The PDF card and print sheet, checked with poppler's tools (pdftotext, pdffonts, pdfinfo, pdftoppm)."""

from __future__ import annotations

import io
import re
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import segno
from PIL import Image
from weasyprint import HTML

from loyalty.cards.numbers import new_card_number
from loyalty.cards.pdf import (
    CARD_H,
    CARD_W,
    PAGE_H,
    PAGE_W,
    html_to_pdf,
    make_view,
    render_card_pdf,
    render_cards_pdf,
    render_sheet_pdf,
    sheet_layout,
    templates_only_fetcher,
)
from loyalty.core.settings import TEMPLATES_DIR

SHOP = "Köşe Kahvecisi"
NUMBER = "4539578763621486"
ID1_POINTS = (85.6 / 25.4 * 72, 54 / 25.4 * 72)  # 242.65 x 153.07 pt


def _text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def _info(pdf: bytes) -> str:
    return subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def _fonts(pdf: bytes, path: Path) -> list[list[str]]:
    path.write_bytes(pdf)  # pdffonts reads a file, not stdin
    lines = (
        subprocess.run(["pdffonts", str(path)], capture_output=True, check=True).stdout.decode().splitlines()
    )
    return [line.split() for line in lines[2:]]


def _page_sizes(pdf: bytes) -> tuple[int, float, float]:
    info = _info(pdf)
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
    w, h = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups()  # type: ignore[union-attr]
    return pages, float(w), float(h)


def test_the_card_is_id1_size_with_shop_name_holder_number_and_turkish_letters(tmp_path: Path) -> None:
    pdf = render_card_pdf(make_view(shop_name=SHOP, holder_name="Çağla Işıl Öztürk-Güneş", number=NUMBER))
    assert pdf.startswith(b"%PDF")
    pages, w, h = _page_sizes(pdf)
    assert (
        pages == 1
        and w == pytest.approx(ID1_POINTS[0], abs=0.1)
        and h == pytest.approx(ID1_POINTS[1], abs=0.1)
    )
    text = _text(pdf)
    assert SHOP in text and "4539 5787 6362 1486" in text
    assert "Çağla Işıl Öztürk-Güneş" in " ".join(text.split())


def test_fonts_are_dejavu_sans_and_all_embedded(tmp_path: Path) -> None:
    pdf = render_card_pdf(make_view(shop_name=SHOP, holder_name="İğdeşüöç ĞÜŞİÖÇ", number=NUMBER))
    fonts = _fonts(pdf, tmp_path / "card.pdf")
    assert fonts and all("DejaVu-Sans" in row[0] for row in fonts), fonts
    # columns: name type... encoding emb sub uni object ID: "emb" is the 5th from the end
    assert all(row[-5] == "yes" for row in fonts), fonts
    assert "İğdeşüöç ĞÜŞİÖÇ" in _text(pdf)


def test_a_name_with_html_in_it_is_printed_as_text() -> None:
    pdf = render_card_pdf(make_view(shop_name="<i>Dükkan</i>", holder_name="<b>Ayşe</b>", number=NUMBER))
    text = _text(pdf)
    assert "<b>Ayşe</b>" in text and "<i>Dükkan</i>" in text


def _raster(pdf: bytes, dpi: int) -> Image.Image:
    png = subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-"], input=pdf, capture_output=True, check=True
    )
    return Image.open(io.BytesIO(png.stdout)).convert("L")


def _dark(image: Image.Image, x_mm: float, y_mm: float, dpi: int) -> bool:
    px_per_mm = dpi / 25.4
    return image.getpixel((round(x_mm * px_per_mm), round(y_mm * px_per_mm))) < 128  # type: ignore[operator]


def _read_qr(
    image: Image.Image, card_left: float, card_top: float, dpi: int, modules: int
) -> list[list[int]]:
    """The QR modules read back from a card whose top left corner is at (card_left, card_top) mm."""
    border = 2
    size_mm = 21.0  # templates/cards/card.css .qr: 21 x 21 mm, 4 mm from the right and bottom edges
    left_mm, top_mm = card_left + CARD_W - 4 - size_mm, card_top + CARD_H - 4 - size_mm
    module_mm = size_mm / (modules + 2 * border)
    return [
        [
            int(
                _dark(
                    image,
                    left_mm + (border + col + 0.5) * module_mm,
                    top_mm + (border + row + 0.5) * module_mm,
                    dpi,
                )
            )
            for col in range(modules)
        ]
        for row in range(modules)
    ]


def test_the_qr_code_in_the_pdf_holds_the_card_number(tmp_path: Path) -> None:
    """Rasterise the card and read the QR modules back: they match segno's matrix for the number."""
    dpi = 600
    image = _raster(render_card_pdf(make_view(shop_name=SHOP, holder_name="Ayşe", number=NUMBER)), dpi)
    qr = segno.make(NUMBER, error="m", micro=False)
    read = _read_qr(image, 0, 0, dpi, len(qr.matrix))
    assert read == [list(r) for r in qr.matrix]
    other = segno.make(new_card_number(), error="m", micro=False)
    assert read != [list(r) for r in other.matrix]


def test_each_card_on_the_sheet_carries_its_own_qr_code_and_the_crop_marks_are_drawn() -> None:
    dpi = 300
    views = [make_view(shop_name=SHOP, holder_name=f"Üye {i}", number=new_card_number()) for i in range(10)]
    image = _raster(render_sheet_pdf(views), dpi)
    slots, marks = sheet_layout(len(views))
    for slot, view in zip(slots, views, strict=True):
        qr = segno.make(view.number, error="m", micro=False)
        left, top = float(slot["left"]), float(slot["top"])
        assert _read_qr(image, left, top, dpi, len(qr.matrix)) == [list(r) for r in qr.matrix], view.number
    step = 25.4 / dpi  # one pixel: a mark is 0.15 mm wide, under two pixels here
    for mark in marks:
        x, y, w, h = (float(mark[k]) for k in ("left", "top", "width", "height"))
        across = [(d * step, 0.0) if h > w else (0.0, d * step) for d in (-1, 0, 1)]
        assert any(_dark(image, x + w / 2 + dx, y + h / 2 + dy, dpi) for dx, dy in across), mark
        beside = (1.0, 0.0) if h > w else (0.0, 1.0)  # 1 mm to the side: paper
        assert not _dark(image, x + w / 2 + beside[0], y + h / 2 + beside[1], dpi), mark


def test_a_stack_of_cards_is_one_id1_page_each() -> None:
    views = [make_view(shop_name=SHOP, holder_name=f"Üye {i}", number=new_card_number()) for i in range(3)]
    pdf = render_cards_pdf(views)
    pages, w, _h = _page_sizes(pdf)
    assert pages == 3 and w == pytest.approx(ID1_POINTS[0], abs=0.1)
    text = _text(pdf)
    assert all(v.number_display in text for v in views)


def test_the_sheet_is_one_a4_page_with_every_card() -> None:
    views = [make_view(shop_name=SHOP, holder_name=f"Şule {i}", number=new_card_number()) for i in range(10)]
    pdf = render_sheet_pdf(views)
    pages, w, h = _page_sizes(pdf)
    assert pages == 1 and "A4" in _info(pdf)
    assert (w, h) == (pytest.approx(595.28, abs=0.1), pytest.approx(841.89, abs=0.1))
    text = _text(pdf)
    assert all(v.number_display in text and v.holder_name in text for v in views)


@pytest.mark.parametrize("count", [0, 11])
def test_a_sheet_holds_one_to_ten_cards(count: int) -> None:
    views = [make_view(shop_name=SHOP, holder_name="A", number=NUMBER)] * count
    with pytest.raises(ValueError, match="1 to 10"):
        render_sheet_pdf(views)


@pytest.mark.parametrize("count", [1, 3, 10])
def test_sheet_layout_keeps_cards_and_crop_marks_on_the_page_and_apart(count: int) -> None:
    slots, marks = sheet_layout(count)
    cards = [(float(s["left"]), float(s["top"]), CARD_W, CARD_H) for s in slots]
    boxes = [(float(m["left"]), float(m["top"]), float(m["width"]), float(m["height"])) for m in marks]

    def overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
        return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]

    assert len(cards) == count
    for box in cards + boxes:
        assert box[0] >= 0 and box[0] + box[2] <= PAGE_W and box[1] >= 0 and box[1] + box[3] <= PAGE_H
    assert not any(overlap(a, b) for i, a in enumerate(cards) for b in cards[i + 1 :])
    assert not any(overlap(card, mark) for card in cards for mark in boxes)  # a cut leaves no mark on a card
    # every card edge has a mark in line with it
    xs = {round(c[0], 2) for c in cards} | {round(c[0] + CARD_W, 2) for c in cards}
    ys = {round(c[1], 2) for c in cards} | {round(c[1] + CARD_H, 2) for c in cards}
    assert xs <= {round(b[0] + b[2] / 2, 2) for b in boxes if b[3] > b[2]}
    assert ys <= {round(b[1] + b[3] / 2, 2) for b in boxes if b[2] > b[3]}


# ---------------------------------------------------------------- what WeasyPrint may fetch


def test_the_fetcher_serves_templates_only() -> None:
    fetcher = templates_only_fetcher()
    css = fetcher.fetch((TEMPLATES_DIR / "cards" / "card.css").as_uri())
    assert b".card" in css.read() and css.content_type == "text/css"
    for url in (
        "file:///etc/passwd",
        (TEMPLATES_DIR / "cards").as_uri() + "/../../loyalty/settings.py",
        "http://127.0.0.1:9/logo.png",
        "https://example.com/x.css",
        "data:text/plain,hello",
        f"qr:{NUMBER}",  # a render's QR codes are served only by the fetcher made for that render
        "file://otherhost" + (TEMPLATES_DIR / "cards" / "card.css").as_posix(),
    ):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)


def test_a_local_file_outside_templates_is_not_rendered(tmp_path: Path) -> None:
    secret = tmp_path / "secret.svg"
    secret.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40">'
        '<text x="0" y="20">SECRETMARKER</text></svg>'
    )
    html = f'<p>before</p><img src="{secret.as_uri()}"><img src="file:///etc/passwd"><p>after</p>'
    assert "SECRETMARKER" in _text(HTML(string=html).write_pdf())  # the control: fetched, it would show
    text = _text(html_to_pdf(html))
    assert "before" in text and "after" in text and "SECRETMARKER" not in text


def test_no_network_request_is_made_for_a_remote_image() -> None:
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        html = f'<link rel="stylesheet" href="{base}/x.css"><img src="{base}/logo.png"><p>ok</p>'
        HTML(string=html).write_pdf()  # the control: an unrestricted render does call the server
        assert requests, "control render did not reach the test server"
        requests.clear()
        assert "ok" in _text(html_to_pdf(html))
        assert requests == []
    finally:
        server.shutdown()
        server.server_close()
