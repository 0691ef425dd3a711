"""Charts as self-contained SVG, drawn on the server with pygal: a campaign's results per day and the NPS
trend. Nothing is loaded from elsewhere: pygal's tooltip script (a CDN URL by default) is switched off, its
inline config script removed and its styles inlined, so the SVG shows the same on a machine without
internet."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from decimal import Decimal

import pygal
from pygal.style import Style

from loyalty.campaigns.schemas import DayStats, NpsGroup, YearResult
from loyalty.core.languages import language_of

TEXT = {
    "tr": {
        "results": "Günlere göre sonuçlar",
        "sent": "Gönderilen",
        "delivered": "Teslim edilen",
        "failed": "Başarısız",
        "redeemed": "Kullanılan",
        "revenue": "Ciro",
        "nps": "NPS eğilimi",
        "score": "NPS",
        "responses": "Yanıt",
        "yoy": "Yıllara göre aynı bayram",
        "rate": "Kullanım oranı (%)",
        "none": "Henüz veri yok",
    },
    "en": {
        "results": "Results per day",
        "sent": "Sent",
        "delivered": "Delivered",
        "failed": "Failed",
        "redeemed": "Redeemed",
        "revenue": "Revenue",
        "nps": "NPS trend",
        "score": "NPS",
        "responses": "Responses",
        "yoy": "The same holiday, year over year",
        "rate": "Redemption rate (%)",
        "none": "No data yet",
    },
}

# colours with at least 3:1 contrast on white, told apart by more than hue (series also differ in dashes)
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2328",
    foreground_strong="#1f2328",
    foreground_subtle="#57606a",
    colors=("#0969da", "#1a7f37", "#cf222e", "#8250df", "#9a6700"),
    font_family="DejaVu Sans, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    title_font_size=16,
    value_font_size=12,
)


def _text(lang: str) -> dict[str, str]:
    return TEXT[language_of(lang)]


WIDTH = 900  # the default; a phone asks for its own width so the text keeps its size


def _config(title: str, lang: str, width: int = WIDTH, labels: int = 0, **extra: object) -> pygal.Config:
    config = pygal.Config()
    config.js = []  # no tooltip script from a CDN
    config.style = STYLE
    config.title = title
    config.width, config.height = width, 420 if width >= 700 else max(300, int(width * 0.95))
    config.legend_at_bottom = True
    config.legend_at_bottom_columns = 3 if width >= 600 else 2
    config.margin_right = 24
    config.truncate_legend = -1
    room = max(1, (width - 80) // 75)  # x labels that fit side by side
    if labels > room:  # label every n-th one only
        config.x_labels_major_every = math.ceil(labels / room)
        config.show_minor_x_labels = False
    config.no_data_text = _text(lang)["none"]
    config.print_values = False
    config.x_label_rotation = 0
    config.truncate_label = -1
    config.explicit_size = False
    for key, value in extra.items():
        setattr(config, key, value)
    return config


_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)


def _svg(chart: pygal.graph.graph.Graph) -> bytes:
    """The rendered SVG without pygal's inline config script (only its tooltips read it)."""
    out = chart.render(is_unicode=True)
    return _SCRIPT.sub("", str(out)).encode()


def nice_step(largest: float, ticks: int = 5) -> float:
    """A round step (1, 2 or 5 times a power of ten) that covers ``largest`` in about ``ticks`` steps."""
    if largest <= 0:
        return 1
    raw = largest / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _axes(config: pygal.Config, counts: Sequence[float], money: Sequence[float], whole: bool = True) -> None:
    """Round labels on both axes: whole numbers on the left, round amounts on the right, ticks aligned.
    (Nothing for an empty chart: pygal then shows its no-data text.)"""
    if not counts:
        return
    step = max(nice_step(max(counts, default=0)), 1 if whole else 0)
    n = max(1, math.ceil(max(counts, default=0) / step))
    config.y_labels = [step * i for i in range(n + 1)]
    config.secondary_range = (0, nice_step(max(money, default=0), n) * n)
    config.value_formatter = lambda x: f"{x:,.0f}".replace(",", " ")


def results_chart(
    days: Sequence[DayStats], *, lang: str, width: int = WIDTH, day_label: str = "%d.%m"
) -> bytes:
    """Per day: sent, delivered, failed and redeemed as bars, revenue as bars on the right axis."""
    words = _text(lang)
    config = _config(words["results"], lang, width, len(days), dots_size=4)
    counts = [float(v) for d in days for v in (d.sent, d.delivered, d.failed, d.redeemed)]
    _axes(config, counts, [float(d.revenue) for d in days])
    chart = pygal.Bar(config)
    chart.x_labels = [d.day.strftime(day_label) for d in days]
    if days:
        chart.add(words["sent"], [d.sent for d in days])
        chart.add(words["delivered"], [d.delivered for d in days])
        chart.add(words["failed"], [d.failed for d in days])
        chart.add(words["redeemed"], [d.redeemed for d in days])
        chart.add(words["revenue"], [float(Decimal(d.revenue)) for d in days], secondary=True)
    return _svg(chart)


def nps_chart(groups: Sequence[NpsGroup], *, lang: str, width: int = WIDTH) -> bytes:
    """The NPS per month (-100..100) as a line (a month without responses is a gap)."""
    words = _text(lang)
    config = _config(words["nps"], lang, width, len(groups), range=(-100, 100), dots_size=5)
    if groups:
        config.y_labels = list(range(-100, 101, 25))
    chart = pygal.Line(config)
    chart.x_labels = [g.label for g in groups]
    if groups:
        chart.add(words["score"], [g.score for g in groups])
    return _svg(chart)


def year_chart(years: Sequence[YearResult], *, lang: str, width: int = WIDTH) -> bytes:
    """The same holiday's campaigns by year: redemption rate (%) as bars, revenue on the right axis."""
    words = _text(lang)
    config = _config(words["yoy"], lang, width, len(years))
    _axes(config, [y.redemption_rate * 100 for y in years], [float(y.revenue) for y in years])
    chart = pygal.Bar(config)
    chart.x_labels = [str(y.year) for y in years]
    if years:
        chart.add(words["rate"], [round(y.redemption_rate * 100, 1) for y in years])
        chart.add(words["revenue"], [float(y.revenue) for y in years], secondary=True)
    return _svg(chart)
