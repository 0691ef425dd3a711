"""Message rendering (Jinja2 + Babel) and SMS encoding / segment arithmetic."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import jinja2
import pytest

from loyalty.core.errors import Invalid
from loyalty.core.money import format_money
from loyalty.messaging.sms_encoding import sms_segments
from loyalty.messaging.templates import format_day, offer_phrase, render_message

VALUES: dict[str, Any] = {
    "first_name": "Ayşe",
    "shop_name": "Köşe Kahvecisi",
    "unsubscribe_url": "http://x/u/abc",
    "campaign_name": "Bayram",
    "holiday_name": "Kurban Bayramı",
    "offer_kind": "percent",
    "offer_value": "15.00",
    "coupon_code": "ABCD-EFGH-JKM",
    "expires_on": "2027-05-09",
    "min_purchase_amount": Decimal("150.00"),
    "currency": "TRY",
    "opt_out": "SMS almamak için RET yazıp yanıtlayın.",
    "member_page_url": "http://x/m/tok",
}


def test_babel_dates_money_and_percent() -> None:
    assert format_day(date(2027, 5, 9), "tr") == "9 Mayıs 2027"
    assert format_day("2027-05-09", "en") == "May 9, 2027"
    assert format_money(Decimal("150"), "tr", "TRY") == "₺150,00"
    assert format_money("1150.5", "en", "TRY") == "₺1,150.50"
    assert offer_phrase("percent", "15.00", "tr", "TRY") == "%15 indirim"
    assert offer_phrase("percent", "12.5", "en", "TRY") == "12.5% off"
    assert offer_phrase("amount", "50", "tr", "TRY") == "₺50,00 indirim"


def test_holiday_coupon_in_turkish_and_english() -> None:
    tr = render_message("holiday_coupon", "tr", "sms", VALUES)
    assert tr.subject == "" and tr.html == ""
    assert "Kurban Bayramı için" in tr.text and "%15 indirim" in tr.text and "ABCD-EFGH-JKM" in tr.text
    assert "son gün 9 Mayıs." in tr.text and "₺150,00 ve üzeri" in tr.text
    en = render_message(
        "holiday_coupon", "en", "email", VALUES | {"holiday_name": "Eid al-Adha", "first_name": "Emma"}
    )
    assert en.subject == "For Eid al-Adha: 15% off just for you, Emma"
    assert "Good once, through the end of May 9, 2027" in en.text
    assert "http://x/u/abc" in en.text and 'href="http://x/u/abc"' in en.html
    # optional values may be left out: no holiday, no minimum purchase
    bare = {k: v for k, v in VALUES.items() if k not in ("holiday_name", "min_purchase_amount")}
    text = render_message("holiday_coupon", "tr", "sms", bare).text
    assert "Bayramı" not in text and "üzeri" not in text
    email = render_message("holiday_coupon", "tr", "email", bare).text
    assert "\n\nSize özel bir hediyemiz var: %15 indirim." in email


def test_html_is_escaped_text_is_not() -> None:
    values = VALUES | {"first_name": "<b>Ali</b> & Co"}
    rendered = render_message("holiday_coupon", "en", "email", values)
    assert "&lt;b&gt;Ali&lt;/b&gt; &amp; Co" in rendered.html and "<b>Ali" not in rendered.html
    assert "<b>Ali</b> & Co" in rendered.text


def test_missing_values_and_objects_are_errors() -> None:
    with pytest.raises(jinja2.UndefinedError):
        render_message("holiday_coupon", "tr", "sms", {k: v for k, v in VALUES.items() if k != "coupon_code"})
    with pytest.raises(Invalid) as err:
        render_message("holiday_coupon", "tr", "sms", VALUES | {"member": object()})
    assert err.value.field == "values"
    with pytest.raises(Invalid):
        render_message("no_such_purpose", "tr", "sms", VALUES)


def test_unknown_locale_falls_back_to_turkish() -> None:
    assert "indirim" in render_message("holiday_coupon", "de", "sms", VALUES).text


@pytest.mark.parametrize(
    ("text", "encoding", "segments", "length"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 1, 160),
        ("a" * 161, "GSM-7", 2, 161),
        ("a" * 306, "GSM-7", 2, 306),
        ("a" * 307, "GSM-7", 3, 307),
        ("€" * 80, "GSM-7", 1, 160),  # extension characters count 2
        ("€" * 81, "GSM-7", 2, 162),
        ("a" * 152 + "€", "GSM-7", 1, 154),  # fits one 160 SMS
        ("Çok güzel Ö Ü ö ü é", "GSM-7", 1, 19),  # these are in the GSM basic table
        ("ş" * 70, "UCS-2", 1, 70),
        ("ş" * 71, "UCS-2", 2, 71),
        ("ğ" * 134, "UCS-2", 2, 134),
        ("ı" * 135, "UCS-2", 3, 135),
        ("😀" * 35, "UCS-2", 1, 70),  # a surrogate pair is two units
    ],
)
def test_sms_segments(text: str, encoding: str, segments: int, length: int) -> None:
    info = sms_segments(text)
    assert (info.encoding, info.segments, info.length) == (encoding, segments, length)


def test_escapes_and_surrogates_are_never_split() -> None:
    # 152 septets then '€' (2): the pair does not fit in part one's 153 -> it starts part two
    assert sms_segments("a" * 152 + "€" + "a" * 10).segments == 2
    assert sms_segments("a" * 152 + "€" + "a" * 152).segments == 3
    # 66 units then an emoji (2): it moves to part two
    assert sms_segments("ş" * 66 + "😀" + "ş" * 66).segments == 3
    assert sms_segments("şğı ç").offending == "şğıç"


def test_turkish_letters_force_ucs2_in_the_rendered_sms() -> None:
    info = sms_segments(render_message("holiday_coupon", "tr", "sms", VALUES).text)
    assert info.encoding == "UCS-2" and info.segments >= 2
    en = sms_segments(
        render_message(
            "holiday_coupon",
            "en",
            "sms",
            {k: v for k, v in VALUES.items() if k != "min_purchase_amount"}
            | {"shop_name": "Corner Cafe", "first_name": "Emma", "holiday_name": "Eid al-Adha"}
            | {"opt_out": "Reply STOP to opt out."},
        ).text
    )
    assert en.encoding == "GSM-7" and en.segments == 1
    # the lira sign is not in GSM 03.38 either: a minimum purchase in ₺ makes even English UCS-2
    english = {"holiday_name": "Eid", "shop_name": "Corner Cafe", "first_name": "Emma", "opt_out": "STOP"}
    with_minimum = render_message("holiday_coupon", "en", "sms", VALUES | english).text
    assert sms_segments(with_minimum).offending == "₺"
