"""``loyalty members import`` and ``loyalty members iys-export`` on a SQLite set-up."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from tests.cli_support import engine_for, flat, invoke, run

CSV = (
    "full_name,phone,email,sms_consent,sms_source,sms_consent_date\n"
    "Elif Şahin,0532 300 00 01,elif@example.com,evet,HS_ISLAK_IMZA,2025-03-04\n"
    "Kötü Numara,123,,,,\n"
    "Can Er,0532 300 00 02,,hayır,,\n"
)


def test_import_dry_run_then_for_real_with_an_error_report(cli_env: dict[str, str], tmp_path: Path) -> None:
    invoke("db", "upgrade")
    source = tmp_path / "list.csv"
    source.write_text(CSV, encoding="utf-8")
    dry = run("members", "import", str(source), "--dry-run")
    assert dry.exit_code == 1  # there are bad rows
    assert "3 rows: would create 2" in flat(dry.output) and "errors 1" in flat(dry.output)
    with engine_for(cli_env).connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM members")).scalar() == 0
    real = run("members", "import", str(source))
    assert "created 2" in flat(real.output)
    report = (tmp_path / "list.csv.errors.csv").read_text(encoding="utf-8").splitlines()
    assert report[0] == "line,phone,field,error" and report[1].startswith("3,123,phone,")
    again = run("members", "import", str(source))
    assert "created 0, existing 2" in flat(again.output)
    with engine_for(cli_env).connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM members")).scalar() == 2
        assert conn.execute(sa.text("SELECT COUNT(*) FROM consent_events")).scalar() == 2
        assert conn.execute(sa.text("SELECT action, actor FROM audit_log")).all()[-1] == ("import", "cli")
    out = tmp_path / "iys.csv"
    invoke("members", "iys-export", "--since", "2000-01-01", "--out", str(out))
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "type,source,recipient,recipientType,status,consentDate"
    assert lines[1] == "MESAJ,HS_ISLAK_IMZA,+905323000001,BIREYSEL,ONAY,2025-03-04 00:00:00"
    assert lines[2].startswith("MESAJ,HS_FIZIKSEL_ORTAM,+905323000002,BIREYSEL,RET,")
