"""Coupons: one per member per campaign run, an unguessable code, redeemed exactly once.

Codes are drawn with ``secrets`` from 31 symbols without look-alikes (no 0/O/1/I/L): 11 of them give
31**11 ~ 2**54.5 possibilities (10 would give only 2**49.5). They are stored bare and upper-case
(``7KQ4MZ2HXRA``), shown grouped (``7KQ4-MZ2H-XRA``) and accepted in any case, with or without hyphens
or spaces.

Exactly once:
- issuing is set-based and idempotent: ``unique(run_id, member_id)`` with ``ON CONFLICT DO NOTHING``, so a
  retried or concurrent run issues nothing twice; a code that collides with an existing one is redrawn;
- redeeming is one conditional ``UPDATE ... WHERE status = 'issued' AND expires_at > now RETURNING``: under
  any concurrency exactly one transaction changes the row, every other one finds it redeemed.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from itertools import islice
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlmodel import Field, Session, SQLModel, col, select

from loyalty.db import UTCDateTime, is_postgres, utcnow
from loyalty.errors import Conflict, Gone, Invalid, NotFound
from loyalty.members import Member
from loyalty.stores import Store
from loyalty.users import User

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
LOOK_ALIKES = "01OIL"
CODE_LENGTH = 11
CODE_GROUPS = (4, 4, 3)
CODE_BITS = CODE_LENGTH * math.log2(len(ALPHABET))
assert CODE_BITS >= 50, "coupon codes must carry at least 50 bits"
assert sum(CODE_GROUPS) == CODE_LENGTH and not set(LOOK_ALIKES) & set(ALPHABET)

CENT = Decimal("0.01")
MAX_MONEY = Decimal("9999999999.99")  # Numeric(12, 2)
ISSUE_CHUNK = 50_000  # rows staged per round trip when issuing
MAX_CODE_ATTEMPTS = 8  # redraws for codes that collided; 2**-54 per pair makes a second round already rare

# characters people type between groups: spaces, hyphens, dashes, dots
_SEPARATORS = str.maketrans("", "", " \t\n-_.\u2010\u2011\u2012\u2013\u2014\u2212")


class CouponStatus(StrEnum):
    issued = "issued"
    redeemed = "redeemed"
    expired = "expired"
    cancelled = "cancelled"


class OfferKind(StrEnum):
    percent = "percent"
    amount = "amount"


class RedemptionAction(StrEnum):
    redeem = "redeem"
    reverse = "reverse"


# ---- the offer ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """What a campaign gives: ``value`` percent off, or ``value`` off in money; copied onto each coupon."""

    kind: str  # OfferKind
    value: Decimal
    min_purchase: Decimal | None = None
    valid_days: int = 30
    currency: str = "TRY"

    def __post_init__(self) -> None:
        if self.kind not in set(OfferKind):
            raise Invalid(
                "offer.kind", "offer kind must be percent or amount / indirim türü percent ya da amount"
            )
        value = Decimal(self.value)
        if not value.is_finite() or value <= 0:
            raise Invalid(
                "offer.value", "offer value must be more than 0 / indirim değeri 0'dan büyük olmalı"
            )
        if self.kind == OfferKind.percent and value > 100:
            raise Invalid("offer.value", "a percent offer is at most 100 / yüzde indirim en çok 100")
        if value > MAX_MONEY:
            raise Invalid("offer.value", "offer value is too large / indirim değeri çok büyük")
        if self.min_purchase is not None and not (0 <= Decimal(self.min_purchase) <= MAX_MONEY):
            raise Invalid(
                "offer.min_purchase", "minimum purchase must be 0 or more / en az alışveriş 0 ya da üstü"
            )
        if self.valid_days < 1:
            raise Invalid("offer.valid_days", "valid_days must be at least 1 / geçerlilik en az 1 gün")
        object.__setattr__(self, "kind", OfferKind(self.kind).value)
        object.__setattr__(self, "value", value.quantize(CENT))
        if self.min_purchase is not None:
            object.__setattr__(self, "min_purchase", Decimal(self.min_purchase).quantize(CENT))

    def discount_for(self, purchase_amount: Decimal | None) -> Decimal | None:
        """The money off a purchase of ``purchase_amount`` (None for a percent offer without an amount)."""
        if purchase_amount is None:
            return self.value if self.kind == OfferKind.amount else None
        if self.kind == OfferKind.amount:
            return min(self.value, purchase_amount)
        return (purchase_amount * self.value / 100).quantize(CENT, rounding=ROUND_HALF_UP)


# ---- tables -------------------------------------------------------------------------------------------


class Coupon(SQLModel, table=True):
    __tablename__ = "coupons"
    __table_args__ = (
        sa.UniqueConstraint("run_id", "member_id"),  # one coupon per member per campaign run
        sa.Index("ix_coupons_status_expires_at", "status", "expires_at"),
        sa.Index("ix_coupons_member_id_status", "member_id", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaigns.id", index=True)
    run_id: int = Field(foreign_key="campaign_runs.id")
    member_id: int = Field(foreign_key="members.id", ondelete="CASCADE")
    code: str = Field(max_length=16, unique=True)  # bare, upper case; format_code() for people
    # the offer as it was when the coupon was issued
    offer_kind: str = Field(sa_type=sa.String(8))
    offer_value: Decimal = Field(sa_type=sa.Numeric(12, 2))
    min_purchase: Decimal | None = Field(default=None, sa_type=sa.Numeric(12, 2))
    currency: str = Field(default="TRY", max_length=3)
    valid_from: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    status: CouponStatus = Field(default=CouponStatus.issued, sa_type=sa.String(16))
    redeemed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    redeemed_store_id: int | None = Field(default=None, foreign_key="stores.id")
    redeemed_by_user_id: int | None = Field(default=None, foreign_key="users.id")
    redeemed_purchase_amount: Decimal | None = Field(default=None, sa_type=sa.Numeric(12, 2))
    redeemed_discount: Decimal | None = Field(default=None, sa_type=sa.Numeric(12, 2))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def offer(self) -> Offer:
        return Offer(
            kind=self.offer_kind,
            value=Decimal(self.offer_value),
            min_purchase=None if self.min_purchase is None else Decimal(self.min_purchase),
            valid_days=max(1, (self.expires_at - self.valid_from).days),
            currency=self.currency,
        )

    @property
    def display_code(self) -> str:
        return format_code(self.code)


class CouponRedemption(SQLModel, table=True):
    """The audit of redemptions and their reversals: rows are only ever added."""

    __tablename__ = "coupon_redemptions"
    id: int | None = Field(default=None, primary_key=True)
    coupon_id: int = Field(foreign_key="coupons.id", ondelete="CASCADE", index=True)
    action: RedemptionAction = Field(sa_type=sa.String(8))
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    user_id: int | None = Field(default=None, foreign_key="users.id")
    store_id: int | None = Field(default=None, foreign_key="stores.id")
    purchase_amount: Decimal | None = Field(default=None, sa_type=sa.Numeric(12, 2))
    discount: Decimal | None = Field(default=None, sa_type=sa.Numeric(12, 2))
    reason: str | None = Field(default=None, max_length=500)


COUPONS: sa.Table = Coupon.__table__  # type: ignore[attr-defined]
REDEMPTIONS: sa.Table = CouponRedemption.__table__  # type: ignore[attr-defined]
C = COUPONS.c


# ---- API shapes ---------------------------------------------------------------------------------------


class OfferPublic(SQLModel):
    kind: str
    value: Decimal
    min_purchase: Decimal | None
    currency: str


class CouponSummary(SQLModel):
    """A coupon in a list (a card scan, a member's page)."""

    code: str  # grouped: XXXX-XXXX-XXX
    status: str
    offer: OfferPublic
    valid_from: datetime
    expires_at: datetime
    campaign_id: int


class CouponPublic(CouponSummary):
    """``GET /coupons/{code}``: the coupon, whose it is, and whether the counter can redeem it now."""

    member_id: int
    member_name: str
    run_id: int
    redeemable_now: bool
    reason: str | None = None  # why it cannot be redeemed now
    redeemed_at: datetime | None = None
    redeemed_store_id: int | None = None
    redeemed_store_name: str | None = None
    redeemed_by: str | None = None  # the staff user's username
    redeemed_purchase_amount: Decimal | None = None
    redeemed_discount: Decimal | None = None


class RedemptionPublic(CouponPublic):
    """The answer to a redemption: the discount for ``purchase_amount`` and what is left to pay."""

    purchase_amount: Decimal | None
    discount: Decimal | None
    amount_due: Decimal | None


class RedemptionAuditPublic(SQLModel):
    action: str
    at: datetime
    user_id: int | None
    store_id: int | None
    purchase_amount: Decimal | None
    discount: Decimal | None
    reason: str | None


# ---- codes --------------------------------------------------------------------------------------------


_CODE_SPACE = len(ALPHABET) ** CODE_LENGTH


def new_code() -> str:
    """A fresh random code (bare, upper case): one ``secrets.randbelow`` over all codes, in base 31.

    (Uniform, like drawing each symbol with ``secrets.choice``, and ten times faster.)"""
    number = secrets.randbelow(_CODE_SPACE)
    symbols = []
    for _ in range(CODE_LENGTH):
        number, digit = divmod(number, len(ALPHABET))
        symbols.append(ALPHABET[digit])
    return "".join(symbols)


def format_code(code: str) -> str:
    """``7KQ4MZ2HXRA`` -> ``7KQ4-MZ2H-XRA`` (accepts an already formatted or lower-case code too)."""
    bare = code.translate(_SEPARATORS).upper()
    parts, start = [], 0
    for size in CODE_GROUPS:
        parts.append(bare[start : start + size])
        start += size
    return "-".join(p for p in parts if p)


def normalize_code(raw: str) -> str:
    """What a person typed -> the stored code; Invalid("code", ...) saying what is wrong with it.

    Case, spaces and hyphens do not matter. A look-alike (0 O 1 I L) is never guessed into a symbol:
    codes never contain them, so the code was mistyped and the answer says which character to check."""
    bare = (raw or "").translate(_SEPARATORS).upper()
    if not bare:
        raise Invalid("code", "coupon code is required / kupon kodu gerekli")
    wrong = sorted({ch for ch in bare if ch not in ALPHABET})
    if wrong:
        shown = ", ".join(repr(ch) for ch in wrong)
        hint = (
            " (codes never contain 0, O, 1, I or L / kodlarda 0, O, 1, I, L yoktur)"
            if set(wrong) & set(LOOK_ALIKES)
            else ""
        )
        raise Invalid(
            "code",
            f"coupon code has characters it never contains: {shown}{hint}; check the code / "
            f"kupon kodunda olmayan karakterler var: {shown}",
        )
    if len(bare) != CODE_LENGTH:
        raise Invalid(
            "code",
            f"a coupon code has {CODE_LENGTH} characters (XXXX-XXXX-XXX), this one has {len(bare)} / "
            f"kupon kodu {CODE_LENGTH} karakterdir, girilen {len(bare)}",
        )
    return bare


# ---- issuing ------------------------------------------------------------------------------------------


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _check_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be an aware UTC datetime, got a naive one")


def issue_coupons(
    session: Session,
    *,
    campaign_id: int,
    run_id: int,
    members: Iterable[tuple[int, datetime, datetime]],
    offer: Offer,
    code_source: Callable[[], str] = new_code,
) -> int:
    """Issue one coupon per member of the run (tuples: member_id, valid_from UTC, expires_at UTC).

    Set-based: staged with COPY and inserted with one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` on
    PostgreSQL, an ``INSERT ... ON CONFLICT DO NOTHING`` executemany on SQLite. Members who already have a
    coupon of this run are skipped, so a retry after a crash, or a second worker on the same run, issues
    nothing twice; codes that collide with existing ones are redrawn. Returns the number newly issued.
    Flushes, never commits."""
    session.flush()
    issue = _issue_postgres if is_postgres(session) else _issue_sqlite
    offer_values = {
        "campaign_id": campaign_id,
        "run_id": run_id,
        "offer_kind": str(offer.kind),
        "offer_value": offer.value,
        "min_purchase": offer.min_purchase,
        "currency": offer.currency,
        "status": CouponStatus.issued.value,
        "created_at": utcnow(),
    }
    issued = 0
    for batch in _batches(members, ISSUE_CHUNK):
        unique: dict[int, tuple[int, datetime, datetime]] = {}
        for member_id, valid_from, expires_at in batch:
            _check_aware(valid_from, "valid_from")
            _check_aware(expires_at, "expires_at")
            unique.setdefault(int(member_id), (int(member_id), valid_from, expires_at))
        issued += issue(session, offer_values, sorted(unique.values()), code_source)
    return issued


def _issue_sqlite(
    session: Session,
    offer_values: dict[str, Any],
    rows: list[tuple[int, datetime, datetime]],
    code_source: Callable[[], str],
) -> int:
    run_id = offer_values["run_id"]
    ids = [r[0] for r in rows]

    def having_coupons() -> set[int]:
        found: set[int] = set()
        for part in _batches(ids, 900):
            query = sa.select(C.member_id).where(C.run_id == run_id, C.member_id.in_(part))
            found.update(session.execute(query).scalars())
        return found

    before = having_coupons()
    pending = [r for r in rows if r[0] not in before]
    stmt = sqlite.insert(COUPONS).on_conflict_do_nothing()
    for _attempt in range(MAX_CODE_ATTEMPTS):
        if not pending:
            break
        params = [
            {**offer_values, "member_id": m, "valid_from": f, "expires_at": e, "code": code_source()}
            for m, f, e in pending
        ]
        session.execute(stmt, params)
        done = having_coupons()
        pending = [r for r in pending if r[0] not in done]  # left: their code collided
    else:
        if pending:
            raise RuntimeError(f"could not draw unique coupon codes for {len(pending)} members")
    session.flush()
    return len(having_coupons() - before)


_STAGE = "coupon_stage"


def _issue_postgres(
    session: Session,
    offer_values: dict[str, Any],
    rows: list[tuple[int, datetime, datetime]],
    code_source: Callable[[], str],
) -> int:
    connection = session.connection()
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {_STAGE} (member_id integer NOT NULL, code text NOT NULL, "
        "valid_from timestamptz NOT NULL, expires_at timestamptz NOT NULL) ON COMMIT DROP"
    )
    insert = sa.text(
        f"""
        INSERT INTO coupons (campaign_id, run_id, member_id, code, offer_kind, offer_value, min_purchase,
                             currency, valid_from, expires_at, status, created_at)
        SELECT CAST(:campaign_id AS integer), CAST(:run_id AS integer), s.member_id, s.code,
               CAST(:offer_kind AS varchar), CAST(:offer_value AS numeric), CAST(:min_purchase AS numeric),
               CAST(:currency AS varchar), s.valid_from, s.expires_at, CAST(:status AS varchar),
               CAST(:created_at AS timestamptz)
        FROM {_STAGE} s
        WHERE NOT EXISTS (SELECT 1 FROM coupons c WHERE c.run_id = :run_id AND c.member_id = s.member_id)
        ORDER BY s.member_id
        ON CONFLICT DO NOTHING
        RETURNING member_id
        """
    ).bindparams(sa.bindparam("created_at", type_=UTCDateTime()))
    having = sa.text("SELECT member_id FROM coupons WHERE run_id = :run_id AND member_id = ANY(:ids)")
    run_id = offer_values["run_id"]

    def having_coupons(part: list[tuple[int, datetime, datetime]]) -> set[int]:
        ids = [r[0] for r in part]
        return set(connection.execute(having, {"run_id": run_id, "ids": ids}).scalars())

    done = having_coupons(rows)  # a retry after a crash: most members are done, stage only the rest
    pending = [r for r in rows if r[0] not in done]
    issued = 0
    for attempt in range(MAX_CODE_ATTEMPTS):
        if not pending:
            break
        if attempt:
            connection.exec_driver_sql(f"TRUNCATE {_STAGE}")
        _copy_stage(connection, pending, code_source)
        inserted = set(connection.execute(insert, offer_values).scalars())
        issued += len(inserted)
        rest = [r for r in pending if r[0] not in inserted]
        if rest:  # another worker issued them meanwhile, or their code collided: redraw for the latter
            done = having_coupons(rest)
            pending = [r for r in rest if r[0] not in done]
        else:
            pending = []
    else:
        if pending:
            raise RuntimeError(f"could not draw unique coupon codes for {len(pending)} members")
    # (on an error the transaction is rolled back, and the temporary table with it)
    connection.exec_driver_sql(f"DROP TABLE {_STAGE}")
    return issued


def _copy_stage(
    connection: sa.Connection, rows: Sequence[tuple[int, datetime, datetime]], code_source: Callable[[], str]
) -> None:
    driver: Any = connection.connection.driver_connection  # psycopg.Connection, same transaction
    with (
        driver.cursor() as cursor,
        cursor.copy(
            f"COPY {_STAGE} (member_id, code, valid_from, expires_at) FROM STDIN (FORMAT BINARY)"
        ) as copy,
    ):
        copy.set_types(["int4", "text", "timestamptz", "timestamptz"])
        for member_id, valid_from, expires_at in rows:
            copy.write_row((member_id, code_source(), valid_from, expires_at))


# ---- reading ------------------------------------------------------------------------------------------


def get_coupon(session: Session, code: str) -> Coupon:
    """The coupon with this code as typed (any case, hyphens optional); NotFound otherwise."""
    bare = normalize_code(code)
    coupon = session.exec(select(Coupon).where(Coupon.code == bare)).first()
    if coupon is None:
        raise NotFound(f"no coupon with code {format_code(bare)} / bu kodla kupon yok")
    return coupon


def active_coupons(session: Session, member_id: int, now: datetime | None = None) -> list[Coupon]:
    """The member's coupons that can be redeemed now, soonest to expire first."""
    now = now or utcnow()
    query = (
        select(Coupon)
        .where(
            Coupon.member_id == member_id,
            Coupon.status == CouponStatus.issued,
            col(Coupon.valid_from) <= now,
            col(Coupon.expires_at) > now,
        )
        .order_by(col(Coupon.expires_at), col(Coupon.id))
    )
    return list(session.exec(query))


def redemption_audit(session: Session, coupon_id: int) -> list[CouponRedemption]:
    query = (
        select(CouponRedemption)
        .where(CouponRedemption.coupon_id == coupon_id)
        .order_by(col(CouponRedemption.at), col(CouponRedemption.id))
    )
    return list(session.exec(query))


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def unusable_reason(coupon: Coupon, now: datetime) -> str | None:
    """Why the coupon cannot be redeemed at ``now`` (None when it can)."""
    if coupon.status == CouponStatus.redeemed:
        when = _when(coupon.redeemed_at) if coupon.redeemed_at else "?"
        return f"already redeemed at {when} / {when} tarihinde kullanıldı"
    if coupon.status == CouponStatus.cancelled:
        return "cancelled / iptal edildi"
    if coupon.status == CouponStatus.expired or coupon.expires_at <= now:
        when = _when(coupon.expires_at)
        return f"expired at {when} / süresi {when} tarihinde doldu"
    if coupon.valid_from > now:
        when = _when(coupon.valid_from)
        return f"not valid before {when} / {when} tarihinden önce geçerli değil"
    return None


def _refuse(session: Session, coupon: Coupon, now: datetime) -> None:
    """Raise the error that says why ``coupon`` cannot be redeemed now (nothing if it can)."""
    code = coupon.display_code
    if coupon.status == CouponStatus.redeemed:
        store = session.get(Store, coupon.redeemed_store_id) if coupon.redeemed_store_id else None
        user = session.get(User, coupon.redeemed_by_user_id) if coupon.redeemed_by_user_id else None
        when = _when(coupon.redeemed_at) if coupon.redeemed_at else "?"
        where = f" at {store.name}" if store else ""
        where_tr = f" {store.name} mağazasında" if store else ""
        raise Conflict(
            f"coupon {code} already redeemed on {when}{where} / kupon {when} tarihinde{where_tr} kullanıldı",
            code=code,
            redeemed_at=coupon.redeemed_at.isoformat() if coupon.redeemed_at else None,
            store_id=coupon.redeemed_store_id,
            store_name=store.name if store else None,
            redeemed_by=user.username if user else None,
        )
    if coupon.status == CouponStatus.cancelled:
        raise Gone(f"coupon {code} was cancelled / kupon iptal edildi", code=code)
    if coupon.status == CouponStatus.expired or coupon.expires_at <= now:
        when = _when(coupon.expires_at)
        raise Gone(
            f"coupon {code} expired on {when} / kuponun süresi {when} tarihinde doldu",
            code=code,
            expires_at=coupon.expires_at.isoformat(),
        )
    if coupon.valid_from > now:
        when = _when(coupon.valid_from)
        raise Conflict(
            f"coupon {code} is not valid before {when} / kupon {when} tarihinden önce geçerli değil",
            code=code,
            valid_from=coupon.valid_from.isoformat(),
        )


def _offer_public(coupon: Coupon) -> OfferPublic:
    return OfferPublic(
        kind=coupon.offer_kind,
        value=coupon.offer_value,
        min_purchase=coupon.min_purchase,
        currency=coupon.currency,
    )


def summary(coupon: Coupon) -> CouponSummary:
    return CouponSummary(
        code=coupon.display_code,
        status=coupon.status,
        offer=_offer_public(coupon),
        valid_from=coupon.valid_from,
        expires_at=coupon.expires_at,
        campaign_id=coupon.campaign_id,
    )


def describe(session: Session, coupon: Coupon, now: datetime | None = None) -> CouponPublic:
    """The coupon as the counter sees it (member name, redeemable now or why not, where it was used)."""
    now = now or utcnow()
    member = session.get(Member, coupon.member_id)
    store = session.get(Store, coupon.redeemed_store_id) if coupon.redeemed_store_id else None
    user = session.get(User, coupon.redeemed_by_user_id) if coupon.redeemed_by_user_id else None
    reason = unusable_reason(coupon, now)
    return CouponPublic(
        **summary(coupon).model_dump(),
        member_id=coupon.member_id,
        member_name=member.full_name if member else "",
        run_id=coupon.run_id,
        redeemable_now=reason is None,
        reason=reason,
        redeemed_at=coupon.redeemed_at,
        redeemed_store_id=coupon.redeemed_store_id,
        redeemed_store_name=store.name if store else None,
        redeemed_by=user.username if user else None,
        redeemed_purchase_amount=coupon.redeemed_purchase_amount,
        redeemed_discount=coupon.redeemed_discount,
    )


def describe_redemption(
    session: Session, coupon: Coupon, purchase_amount: Decimal | None, now: datetime | None = None
) -> RedemptionPublic:
    discount = coupon.redeemed_discount
    due = None if purchase_amount is None or discount is None else max(purchase_amount - discount, Decimal(0))
    return RedemptionPublic(
        **describe(session, coupon, now).model_dump(),
        purchase_amount=purchase_amount,
        discount=discount,
        amount_due=due,
    )


# ---- redeeming ----------------------------------------------------------------------------------------


def _money(field: str, value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(value)
    except (ArithmeticError, ValueError, TypeError):
        raise Invalid(field, f"{field} must be an amount of money / geçerli bir tutar girin") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_MONEY:
        raise Invalid(field, f"{field} must be an amount of 0 or more / {field} 0 ya da üstü olmalı")
    if amount != amount.quantize(CENT):
        raise Invalid(field, f"{field} has more than 2 decimals / en fazla 2 ondalık basamak")
    return amount.quantize(CENT)


def _check_store(session: Session, store_id: int | None) -> None:
    if store_id is not None and session.get(Store, store_id) is None:
        raise Invalid("store_id", f"there is no store {store_id} / {store_id} numaralı mağaza yok")


def redeem(
    session: Session,
    code: str,
    *,
    purchase_amount: Decimal | None = None,
    store_id: int | None = None,
    actor_user_id: int,
    now: datetime | None = None,
) -> Coupon:
    """Redeem the coupon once: one conditional UPDATE decides, whatever else runs at the same moment.

    NotFound (unknown code), Conflict (already redeemed: when, where, by whom), Gone (expired: the expiry;
    cancelled), Invalid("purchase_amount") below the offer's minimum purchase. Records the store, the
    staff user, the time, the purchase amount and the discount; appends an audit row. Flushes only."""
    now = now or utcnow()
    amount = _money("purchase_amount", purchase_amount)
    coupon = get_coupon(session, code)
    _refuse(session, coupon, now)
    minimum = coupon.min_purchase
    if minimum is not None and minimum > 0 and (amount is None or amount < minimum):
        given = "none given / girilmedi" if amount is None else f"{amount} {coupon.currency}"
        raise Invalid(
            "purchase_amount",
            f"this coupon needs a purchase of at least {minimum} {coupon.currency}; "
            f"purchase_amount: {given} / "
            f"bu kupon en az {minimum} {coupon.currency} alışverişte geçerli",
            min_purchase=str(minimum),
        )
    _check_store(session, store_id)
    discount = coupon.offer.discount_for(amount)
    won = session.execute(
        sa.update(COUPONS)
        .where(
            C.id == coupon.id,
            C.status == CouponStatus.issued.value,
            C.expires_at > now,
            C.valid_from <= now,
        )
        .values(
            status=CouponStatus.redeemed.value,
            redeemed_at=now,
            redeemed_store_id=store_id,
            redeemed_by_user_id=actor_user_id,
            redeemed_purchase_amount=amount,
            redeemed_discount=discount,
        )
        .returning(C.id)
    ).first()
    session.refresh(coupon)
    if won is None:  # someone else got there first, or it expired a moment ago
        _refuse(session, coupon, now)
        raise Conflict(f"coupon {coupon.display_code} cannot be redeemed now / kupon şu an kullanılamaz")
    session.add(
        CouponRedemption(
            coupon_id=coupon.id or 0,
            action=RedemptionAction.redeem,
            at=now,
            user_id=actor_user_id,
            store_id=store_id,
            purchase_amount=amount,
            discount=discount,
        )
    )
    session.flush()
    return coupon


def reverse_redemption(
    session: Session,
    code: str,
    *,
    reason: str,
    actor_user_id: int,
    store_id: int | None = None,
    now: datetime | None = None,
) -> Coupon:
    """Undo a redemption (a mistake at the counter, a returned purchase): the coupon is usable again until
    it expires; the redemption and its reversal stay in the audit. Conflict if it is not redeemed."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("reason", "a reason is required to reverse a redemption / geri alma nedeni gerekli")
    if len(reason) > 500:
        raise Invalid("reason", "reason must be at most 500 characters / neden en çok 500 karakter")
    coupon = get_coupon(session, code)
    _check_store(session, store_id)
    back = sa.case((C.expires_at > now, CouponStatus.issued.value), else_=CouponStatus.expired.value)
    done = session.execute(
        sa.update(COUPONS)
        .where(C.id == coupon.id, C.status == CouponStatus.redeemed.value)
        .values(
            status=back,
            redeemed_at=None,
            redeemed_store_id=None,
            redeemed_by_user_id=None,
            redeemed_purchase_amount=None,
            redeemed_discount=None,
        )
        .returning(C.id)
    ).first()
    session.refresh(coupon)
    if done is None:
        raise Conflict(
            f"coupon {coupon.display_code} is not redeemed (status: {coupon.status}) / kupon kullanılmamış",
            code=coupon.display_code,
            status=str(coupon.status),
        )
    session.add(
        CouponRedemption(
            coupon_id=coupon.id or 0,
            action=RedemptionAction.reverse,
            at=now,
            user_id=actor_user_id,
            store_id=store_id,
            reason=reason,
        )
    )
    session.flush()
    return coupon


# ---- housekeeping -------------------------------------------------------------------------------------


def expire_coupons(session: Session, now: datetime | None = None) -> int:
    """Mark issued coupons past their expiry as expired (the daily beat task); returns how many."""
    now = now or utcnow()
    result = session.execute(
        sa.update(COUPONS)
        .where(C.status == CouponStatus.issued.value, C.expires_at <= now)
        .values(status=CouponStatus.expired.value)
    )
    session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def cancel_coupons(session: Session, *, run_id: int | None = None, campaign_id: int | None = None) -> int:
    """Cancel the not yet redeemed coupons of a run or a campaign (a cancelled campaign); returns how many."""
    if run_id is None and campaign_id is None:
        raise ValueError("give run_id or campaign_id")
    query = sa.update(COUPONS).where(C.status == CouponStatus.issued.value)
    if run_id is not None:
        query = query.where(C.run_id == run_id)
    if campaign_id is not None:
        query = query.where(C.campaign_id == campaign_id)
    result = session.execute(query.values(status=CouponStatus.cancelled.value))
    session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
