"""Coupons at the counter: validate, redeem exactly once (optionally idempotent), reverse a redemption."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header
from fastapi.responses import JSONResponse

from api.deps import AnyUser, IdPath, LangDep, SessionDep, StaffUser
from api.routing import api_router
from loyalty.core.clock import utcnow
from loyalty.core.money import CENT
from loyalty.coupons import redeeming
from loyalty.coupons.codes import normalize_code
from loyalty.coupons.idempotency import HEADER, Answer, run_once
from loyalty.coupons.lookup import active_coupons, get_coupon, redemption_audit
from loyalty.coupons.schemas import (
    CouponPublic,
    CouponSummary,
    RedeemRequest,
    RedemptionAuditPublic,
    RedemptionPublic,
    ReverseRequest,
)
from loyalty.coupons.views import coupon_public, coupon_summary, redemption_public
from loyalty.members.registration import get_member

router = api_router(tags=["coupons"])

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias=HEADER,
        description="Any unique string (a UUID): a retried request with the same key gets the first answer.",
    ),
]


@router.get("/coupons/{code}", response_model=CouponPublic)
def check_coupon(code: str, session: SessionDep, _user: AnyUser, lang: LangDep) -> CouponPublic:
    """Validate a code without redeeming it: status, offer, expiry, the member, and whether it can be
    redeemed now (``redeemable_now``, else ``reason``)."""
    return coupon_public(session, get_coupon(session, code), lang=lang)


@router.post(
    "/coupons/{code}/redeem",
    response_model=RedemptionPublic,
    responses={
        404: {"description": "unknown code"},
        409: {"description": "already redeemed (when, where, by whom)"},
        410: {"description": "expired (with the expiry) or cancelled"},
        422: {"description": "malformed code, below the minimum purchase, or an Idempotency-Key reused"},
    },
)
def redeem_coupon(
    code: str,
    session: SessionDep,
    user: StaffUser,
    lang: LangDep,
    idempotency_key: IdempotencyKeyHeader = None,
    data: RedeemRequest | None = None,
) -> JSONResponse:
    """Redeem once; the answer carries the discount for ``purchase_amount`` and what is left to pay."""
    data = data or RedeemRequest()
    bare = normalize_code(code)
    amount = None if data.purchase_amount is None else data.purchase_amount.quantize(CENT)

    def redeem_once() -> Answer:
        now = utcnow()
        coupon = redeeming.redeem(
            session, bare, purchase_amount=amount, store_id=data.store_id, actor_user_id=user.id or 0, now=now
        )
        view = redemption_public(session, coupon, amount, now, lang=lang)
        return Answer(200, view.model_dump(mode="json"))

    answer = run_once(
        session,
        key=idempotency_key,
        user_id=user.id or 0,
        scope="coupon.redeem",
        request={"code": bare, "purchase_amount": str(amount), "store_id": data.store_id},
        action=redeem_once,
    )
    session.commit()
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)


@router.post("/coupons/{code}/reverse", response_model=CouponPublic)
def reverse_redemption(
    code: str, data: ReverseRequest, session: SessionDep, user: StaffUser, lang: LangDep
) -> CouponPublic:
    """Undo a redemption with a reason: the coupon is usable again (until it expires); the audit stays."""
    coupon = redeeming.reverse_redemption(
        session, code, reason=data.reason, actor_user_id=user.id or 0, store_id=data.store_id
    )
    view = coupon_public(session, coupon, lang=lang)
    session.commit()
    return view


@router.get("/coupons/{code}/audit", response_model=list[RedemptionAuditPublic])
def coupon_audit(code: str, session: SessionDep, _user: StaffUser) -> list[RedemptionAuditPublic]:
    """Every redemption and reversal of the coupon, oldest first."""
    coupon = get_coupon(session, code)
    return [
        RedemptionAuditPublic.model_validate(row, from_attributes=True)
        for row in redemption_audit(session, coupon.id or 0)
    ]


@router.get("/members/{member_id}/coupons", response_model=list[CouponSummary])
def member_coupons(member_id: IdPath, session: SessionDep, _user: AnyUser) -> list[CouponSummary]:
    """The member's coupons that can be redeemed now, soonest to expire first."""
    get_member(session, member_id)  # 404 for an unknown member
    return [coupon_summary(c) for c in active_coupons(session, member_id)]
