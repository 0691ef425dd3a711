"""How fast PDF cards render: imports, first render, one card warm, a 10-card sheet, a 100-card document.

    .venv/bin/python benchmarks/card_pdf.py [--repeat 20]

Also says whether WeasyPrint subsets fonts with HarfBuzz (Debian's ``libharfbuzz-subset0``): without it it
falls back to fontTools and warns "Using fontTools instead of HarfBuzz-Subset", several times slower.
A speed figure, not a test.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from loyalty.cards.numbers import new_card_number
from loyalty.cards.pdf import make_view, render_card_pdf, render_cards_pdf, render_sheet_pdf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _median_ms(fn: Callable[[], bytes], repeat: int) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        size = len(fn())
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    warnings = _Warnings()
    logging.getLogger("weasyprint").addHandler(warnings)

    start = time.perf_counter()

    imports_ms = (time.perf_counter() - start) * 1000

    names = ["Ayşe Yılmaz", "Çağrı Işık", "Gülşen Öztürk", "İsmail Çelik", "Şükrü Ünal"]
    views = [
        make_view(shop_name="Köşe Kahvecisi", holder_name=names[i % len(names)], number=new_card_number())
        for i in range(100)
    ]
    start = time.perf_counter()
    render_card_pdf(views[0])
    first_ms = (time.perf_counter() - start) * 1000

    single_ms, single_size = _median_ms(lambda: render_card_pdf(views[1]), args.repeat)
    sheet_ms, sheet_size = _median_ms(lambda: render_sheet_pdf(views[:10]), max(3, args.repeat // 4))
    doc_ms, _doc_size = _median_ms(lambda: render_cards_pdf(views), 3)

    harfbuzz = not any("fontTools" in m for m in warnings.messages)
    print(
        f"font subsetting: {'HarfBuzz' if harfbuzz else 'fontTools fallback (install libharfbuzz-subset0)'}"
    )
    print(f"imports (weasyprint, segno, jinja2): {imports_ms:8.1f} ms")
    print(f"first card in the process:          {first_ms:8.1f} ms")
    print(
        f"one card, warm (median of {args.repeat}):     {single_ms:8.1f} ms  ({single_size / 1024:.1f} KiB)"
    )
    print(f"A4 sheet of 10 cards:               {sheet_ms:8.1f} ms  ({sheet_size / 1024:.1f} KiB)")
    per_card = doc_ms / len(views)
    print(f"100 cards, one per page:            {doc_ms:8.1f} ms  = {per_card:.1f} ms/card")


if __name__ == "__main__":
    main()
