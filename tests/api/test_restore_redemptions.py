"""Issue 25 point 6 (redemptions): a coupon redeemed after the backup cannot be redeemed again once the
backup is restored. The redemptions exported from the lost database (``loyalty db export-redemptions``, a
file outside it) are re-applied by ``loyalty db reconcile-restore --redemptions``."""

from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session

from loyalty.core.clock import utcnow
from loyalty.coupons.codes import format_code
from loyalty.coupons.restore import reapply_redemptions, redemption_records
from loyalty.models.audit import AuditEntry
from loyalty.models.coupons import COUPONS, REDEMPTIONS
from tests.builders import make_coupon, make_member, make_store

API = "/api/v1"
AUDIT: sa.Table = AuditEntry.__table__  # type: ignore[attr-defined]


def _restore(session: Session, backup: dict[str, dict], backup_at: object) -> None:
    """What restoring the backup does to these rows: coupons as the backup had them, later redemptions
    and audit rows gone."""
    for coupon_id, values in backup.items():
        session.execute(sa.update(COUPONS).where(COUPONS.c.id == coupon_id).values(**values))
    session.execute(sa.delete(REDEMPTIONS).where(REDEMPTIONS.c.at > backup_at))
    session.execute(sa.delete(AUDIT).where(AUDIT.c.at > backup_at))
    session.flush()


def test_a_coupon_redeemed_after_the_backup_stays_redeemed_after_the_restore(
    client: TestClient, session: Session, staff: dict
) -> None:
    member = make_member(session)
    redeemed, reversed_, untouched = (make_coupon(session, member) for _ in range(3))
    store = make_store(session, name="Moda")
    backup_at = utcnow() - timedelta(seconds=1)
    backup = {
        c.id: dict(session.execute(sa.select(COUPONS).where(COUPONS.c.id == c.id)).mappings().one())
        for c in (redeemed, reversed_, untouched)
    }
    for coupon in (redeemed, reversed_):
        first = client.post(
            f"{API}/coupons/{format_code(coupon.code)}/redeem",
            headers=staff,
            json={"purchase_amount": "240.00", "store_id": store.id},
        )
        assert first.status_code == 200, first.text
    undo = client.post(
        f"{API}/coupons/{format_code(reversed_.code)}/reverse", headers=staff, json={"reason": "returned"}
    )
    assert undo.status_code == 200, undo.text
    exported = json.loads(json.dumps(redemption_records(session, backup_at)))  # through the file's form
    assert [(r["code"], r["action"]) for r in exported] == [
        (redeemed.code, "redeem"),
        (reversed_.code, "redeem"),
        (reversed_.code, "reverse"),
    ]

    _restore(
        session, {k: {c: v for c, v in row.items() if c != "id"} for k, row in backup.items()}, backup_at
    )
    result = reapply_redemptions(session, exported, backup_at)
    assert (result.applied, result.present, result.skipped) == (3, 0, [])
    again = reapply_redemptions(session, exported, backup_at)  # the export replayed twice changes nothing
    assert (again.applied, again.present) == (0, 3)

    refused = client.post(
        f"{API}/coupons/{redeemed.code}/redeem", headers=staff, json={"purchase_amount": "240"}
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["detail"]["store_name"] == "Moda"
    for coupon in (reversed_, untouched):  # a reversed redemption and an unused coupon stay usable
        assert client.get(f"{API}/coupons/{coupon.code}", headers=staff).json()["redeemable_now"] is True


def test_records_older_than_the_backup_or_of_lost_coupons_are_not_applied(session: Session) -> None:
    coupon = make_coupon(session, make_member(session))
    backup_at = utcnow()
    records = [
        {"code": coupon.code, "action": "redeem", "at": (backup_at - timedelta(minutes=5)).isoformat()},
        {"code": "ZZZZZZZZZZZ", "action": "redeem", "at": (backup_at + timedelta(minutes=5)).isoformat()},
    ]
    result = reapply_redemptions(session, records, backup_at)
    assert result.applied == 0 and result.skipped == ["ZZZZZZZZZZZ: not in the restored database"]
    session.refresh(coupon)
    assert coupon.status == "issued"
