"""The restore runbook on SQLite, end to end with the ``loyalty`` command: back up (copy the file), redeem,
export the redemptions, restore (copy the backup back), reconcile, redeem again -> refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlmodel import Session

from loyalty.core.clock import utcnow
from loyalty.core.errors import Conflict
from loyalty.coupons.redeeming import redeem
from tests.builders import make_coupon, make_member, make_user
from tests.cli_support import engine_for, flat, invoke, run


def test_backup_redeem_restore_reconcile_then_redeem_again_is_refused(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    invoke("db", "upgrade")
    engine = engine_for(cli_env)
    with Session(engine, expire_on_commit=False) as session:
        coupon = make_coupon(session, make_member(session))
        user = make_user(session)
        session.commit()
    database = Path(cli_env["LOYALTY_DATABASE_URL"].removeprefix("sqlite:///"))
    engine.dispose()
    backup = tmp_path / "backup.sqlite"
    backup_at = utcnow()
    shutil.copyfile(database, backup)

    with Session(engine) as session:
        redeem(session, coupon.code, actor_user_id=user.id or 0)
        session.commit()
    export = tmp_path / "kept-elsewhere" / "redemptions.json"
    export.parent.mkdir()
    out = invoke("db", "export-redemptions", "--since", backup_at.isoformat(), "--out", str(export))
    assert "1 redemptions" in flat(out)
    assert [r["code"] for r in json.loads(export.read_text(encoding="utf-8"))] == [coupon.code]

    engine.dispose()
    shutil.copyfile(backup, database)  # the restore: the redemption is gone from the database
    out = invoke(
        "db", "reconcile-restore", "--backup-time", backup_at.isoformat(), "--redemptions", str(export)
    )
    assert "1 redemptions and reversals re-applied" in flat(out)
    with Session(engine) as session, pytest.raises(Conflict):
        redeem(session, coupon.code, actor_user_id=user.id or 0)
    engine.dispose()


def test_reconcile_restore_refuses_a_time_without_offset_and_an_unreadable_export(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    invoke("db", "upgrade")
    naive = run("db", "reconcile-restore", "--backup-time", "2026-12-06T03:00")
    assert naive.exit_code == 2 and "UTC offset" in flat(naive.output)
    missing = run(
        "db",
        "reconcile-restore",
        "--backup-time",
        "2026-12-06T03:00+03:00",
        "--redemptions",
        str(tmp_path / "nowhere.json"),
    )
    assert missing.exit_code == 2 and "--redemptions" in flat(missing.output)
