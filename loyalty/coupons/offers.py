"""What a campaign gives: percent or money off, a minimum purchase, validity; copied onto each coupon."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from loyalty.core.errors import Invalid
from loyalty.core.money import CENT, MAX_MONEY, ZERO, parse_amount
from loyalty.models.coupons import Coupon, OfferKind


@dataclass(frozen=True)
class Offer:
    """What a campaign gives: ``value`` percent off, or ``value`` off in money; copied onto each coupon."""

    kind: str  # OfferKind
    value: Decimal
    min_purchase: Decimal | None = None
    valid_days: int = 30
    currency: str = field(kw_only=True)  # the shop's (settings.currency)

    def __post_init__(self) -> None:
        if self.kind not in set(OfferKind):
            raise Invalid("offer.kind", "coupons.offer_kind_percent_amount")
        value = Decimal(self.value)
        if not value.is_finite() or value <= 0:
            raise Invalid("offer.value", "coupons.offer_value_more_than_0")
        if self.kind == OfferKind.percent and value > 100:
            raise Invalid("offer.value", "coupons.percent_offer_most_100")
        if self.kind == OfferKind.amount:
            parse_amount(value, "offer.value")
        elif value > MAX_MONEY:
            raise Invalid("offer.value", "coupons.offer_value_too_large")
        min_purchase = parse_amount(self.min_purchase, "offer.min_purchase", minimum=ZERO, required=False)
        if self.valid_days < 1:
            raise Invalid("offer.valid_days", "coupons.valid_days_least_1")
        object.__setattr__(self, "kind", OfferKind(self.kind).value)
        object.__setattr__(self, "value", value.quantize(CENT))
        object.__setattr__(self, "min_purchase", min_purchase)

    def discount_for(self, purchase_amount: Decimal | None) -> Decimal | None:
        """The money off a purchase of ``purchase_amount`` (None for a percent offer without an amount)."""
        if purchase_amount is None:
            return self.value if self.kind == OfferKind.amount else None
        if self.kind == OfferKind.amount:
            return min(self.value, purchase_amount)
        return (purchase_amount * self.value / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def coupon_offer(coupon: Coupon) -> Offer:
    """The offer as it was copied onto the coupon when it was issued."""
    return Offer(
        kind=coupon.offer_kind,
        value=Decimal(coupon.offer_value),
        min_purchase=None if coupon.min_purchase is None else Decimal(coupon.min_purchase),
        valid_days=max(1, (coupon.expires_at - coupon.valid_from).days),
        currency=coupon.currency,
    )
