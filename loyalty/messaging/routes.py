"""SMS routes by destination, and what a route can lawfully carry.

``LOYALTY_SMS_ROUTES`` maps number prefixes to backends (``+90=netgsm,*=twilio``): the longest matching
prefix wins, ``*`` is the rest; with no routes every number goes to ``LOYALTY_SMS_BACKEND`` as before.

Each message kind is commercial or informational (İYS's distinction, one table: ``KINDS``). A commercial
SMS to a Turkish number may only go through a backend that filters by İYS (``IYS_FILTERING``); the
start-up check (``routes_problem``) refuses a configuration that would do otherwise, in one line. The
opt-out line a message carries depends on its route: the keyword line where replies reach the shop, the
gateway's or İYS's line where they cannot (Twilio to Turkey).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from loyalty.core.settings import Settings
from loyalty.messaging.sms_encoding import SmsInfo, sms_segments
from loyalty.models.messages import Category

BACKENDS = ("outbox", "twilio", "netgsm")
TURKEY = "+90"
# backends that filter commercial SMS by İYS consent per request (the brand's İYS record): a second
# Turkish gateway is one more name here and one more adapter in workers/channels
IYS_FILTERING = frozenset({"netgsm"})
# backends whose replies reach the shop's keyword rule, by destination prefix ("*": everywhere);
# Twilio does not carry two-way SMS in Turkey
REPLIES = {"twilio": ("*", f"!{TURKEY}"), "netgsm": ("*",), "outbox": ("*",)}  # outbox: as if replied
# backends that carry Turkish letters to Turkish numbers as GSM-7 national-language characters (NetGSM's
# "TR" encoding: 155 per part instead of UCS-2's 70); the dev outbox stands in for the Turkish gateway a
# shop must use for Turkey. Twilio only has GSM-7 and UCS-2.
TURKISH_SHIFT_BACKENDS = frozenset({"netgsm", "outbox"})
# a number of each kind of destination, for a preview that has no member yet
SAMPLE_NUMBERS = {"turkish": f"{TURKEY}5320000000", "international": "+447700900000"}


class Kind(StrEnum):
    commercial = "commercial"
    informational = "informational"


# One table: the kind of every message purpose. Anything not named here follows its category
# (promotional and personal are commercial, transactional informational).
KINDS: dict[str, Kind] = {
    "holiday_coupon": Kind.commercial,
    "campaign": Kind.commercial,
    "birthday_self": Kind.commercial,
    "birthday_relative": Kind.commercial,
    "occasion_reminder": Kind.commercial,
    "once_congrats": Kind.commercial,
    "card_welcome": Kind.informational,
    "email_confirmation": Kind.informational,
    "sms_opt_out_confirmation": Kind.informational,
}


def kind_of(purpose: str, category: str) -> Kind:
    if purpose in KINDS:
        return KINDS[purpose]
    return Kind.informational if category == Category.transactional else Kind.commercial


# NetGSM's (and İYS's) filter values: 0 informational, 11 commercial to a person, 12 to a merchant
IYS_FILTERS = {"BIREYSEL": "11", "TACIR": "12"}


def iys_filter(kind: Kind | str, recipient_type: str) -> str:
    return "0" if kind == Kind.informational else IYS_FILTERS.get(recipient_type, "11")


@dataclass(frozen=True)
class Route:
    prefix: str  # "+90", or "*" for every other number
    backend: str


def parse_routes(text: str) -> list[Route]:
    """``"+90=netgsm, *=twilio"`` -> routes, longest prefix first; ValueError naming the bad part."""
    routes: list[Route] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        prefix, sep, backend = (x.strip() for x in part.partition("="))
        if not sep or backend not in BACKENDS:
            raise ValueError(
                f"LOYALTY_SMS_ROUTES: {part!r} is not PREFIX=BACKEND (BACKEND: {', '.join(BACKENDS)})"
            )
        if prefix != "*" and not (prefix.startswith("+") and prefix[1:].isdigit()):
            raise ValueError(f"LOYALTY_SMS_ROUTES: prefix {prefix!r} must be like +90 or *")
        routes.append(Route(prefix, backend))
    return sorted(routes, key=lambda r: -1 if r.prefix == "*" else len(r.prefix), reverse=True)


def backend_for(number: str, routes: list[Route], default: str) -> str:
    for route in routes:
        if route.prefix == "*" or number.startswith(route.prefix):
            return route.backend
    return default


def sms_backend_for(settings: Settings, number: str) -> str:
    return backend_for(number, parse_routes(settings.sms_routes), settings.sms_backend)


def price_per_part(settings: Settings, backend: str) -> Decimal:
    """What one SMS part costs on ``backend`` (LOYALTY_NETGSM_PRICE_PER_SEGMENT, else the shop's
    LOYALTY_SMS_PRICE_PER_SEGMENT)."""
    if backend == "netgsm" and settings.netgsm_price_per_segment is not None:
        return settings.netgsm_price_per_segment
    return settings.sms_price_per_segment


def destination_of(number: str) -> str:
    return "turkish" if number.startswith(TURKEY) else "international"


@dataclass(frozen=True)
class RouteCost:
    """What one finished SMS costs on the route its number takes."""

    destination: str  # "turkish" (+90) or "international"
    backend: str
    info: SmsInfo
    cost: Decimal


def cost_on_route(text: str, settings: Settings, number: str) -> RouteCost:
    """Parts (with the route's encoding) and cost of ``text`` sent to ``number`` on its own route."""
    backend = sms_backend_for(settings, number)
    turkish = backend in TURKISH_SHIFT_BACKENDS and number.startswith(TURKEY)
    info = sms_segments(text, turkish=turkish)
    cost = (price_per_part(settings, backend) * info.segments).quantize(Decimal("0.01"))
    return RouteCost(destination_of(number), backend, info, cost)


def replies_reach_shop(backend: str, number: str) -> bool:
    rules = REPLIES.get(backend, ())
    if f"!{TURKEY}" in rules and number.startswith(TURKEY):
        return False
    return "*" in rules


def opt_out_line(settings: Settings, locale: str, number: str) -> str:
    """The opt-out line that works on this number's route."""
    english = locale.startswith("en")
    if replies_reach_shop(sms_backend_for(settings, number), number) or not number.startswith(TURKEY):
        return settings.sms_opt_out_en if english else settings.sms_opt_out_tr
    return settings.sms_opt_out_noreply_en if english else settings.sms_opt_out_noreply_tr


def identity_line(settings: Settings, locale: str) -> str:
    """What the regulation asks a commercial message to name: the MERSİS number or a contact line."""
    parts = []
    if settings.shop_mersis:
        parts.append(
            f"MERSİS: {settings.shop_mersis}"
            if not locale.startswith("en")
            else f"MERSIS: {settings.shop_mersis}"
        )
    if settings.shop_contact:
        parts.append(settings.shop_contact)
    return " ".join(parts)


def sms_as_sent(text: str, settings: Settings, locale: str, kind: Kind | str) -> str:
    """A rendered SMS with what the route adds: the shop's identity line on a commercial message."""
    identity = identity_line(settings, locale) if kind == Kind.commercial else ""
    return f"{text} {identity}" if identity else text


def routes_problem(settings: Settings) -> str | None:
    """One line when the routes would send commercial SMS to Turkey without an İYS filter (or a
    gateway lacks its settings); None when all is well."""
    try:
        routes = parse_routes(settings.sms_routes)
    except ValueError as exc:
        return str(exc)
    turkey = backend_for(TURKEY + "5000000000", routes, settings.sms_backend)
    if turkey not in IYS_FILTERING and turkey != "outbox":
        return (
            f"commercial SMS to Turkey (+90) would go through {turkey}, which does not filter by İYS: "
            "set LOYALTY_SMS_ROUTES=+90=netgsm,*=twilio (and LOYALTY_NETGSM_*)"
        )
    used = {r.backend for r in routes} | (
        {settings.sms_backend} if not any(r.prefix == "*" for r in routes) else set()
    )
    if "netgsm" in used:
        missing = [
            name
            for name in ("netgsm_usercode", "netgsm_password", "netgsm_header", "iys_brand_code")
            if not getattr(settings, name)
        ]
        if missing:
            names = ", ".join(f"LOYALTY_{m.upper()}" for m in missing)
            return f"SMS route netgsm needs {names}"
    return None
