"""Issue 25 point 8, the edges: integer filters bounded (4xx), NUL and oversized import fields as row
errors, and every CSV the product writes safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from loyalty.core.csv_cells import safe_cell
from loyalty.members.importing import import_members
from loyalty.members.iys import iys_csv
from loyalty.models.members import Member

HEADER = "full_name,phone,email\n"


def _import(session: Session, text: str):  # type: ignore[no-untyped-def]
    return import_members(
        session,
        io.StringIO(text),
        actor="user:test",
        region="TR",
        default_locale="tr",
        timezone="Europe/Istanbul",
    )


def test_formula_cells_are_neutralised_and_numbers_left_alone() -> None:
    for formula in ('=HYPERLINK("http://x")', "+cmd", "-2+3", "@SUM(A1)", "\tx", "\r=1"):
        assert safe_cell(formula) == "'" + formula
    for plain in ("+905321234567", "-12.50", "12", "Ayşe", "", "a=b"):
        assert safe_cell(plain) == plain
    assert safe_cell(-3) == -3


def test_nul_and_oversized_fields_are_row_errors_and_the_rest_goes_in(session: Session) -> None:
    text = HEADER + (
        "Elif\x00 Şahin,0532 200 00 01,\n"
        + "Uzun,0532 200 00 02,"
        + "a" * 2000
        + "@example.com\n"
        + "Dev,"
        + "9" * 200_000
        + ",\n"  # over the csv module's own field limit
        + '"=HYPERLINK(""http://evil.example"")",0532 200 00 03,\n'
        + "Can Öz,0532 200 00 04,\n"
    )
    report = _import(session, text)
    by_line = {e.line: e for e in report.errors}
    assert by_line[2].field == "full_name" and "NUL" in by_line[2].message
    assert by_line[3].field == "email" and "longer than 1000" in by_line[3].message
    assert by_line[4].field == "file"
    assert report.created == 2  # the formula-named row is a valid name; the good rows went in
    assert session.exec(select(func.count()).select_from(Member)).one() == 2
    rows = list(csv.reader(io.StringIO(report.errors_csv())))
    assert all(
        not cell.startswith(("=", "+", "-", "@")) or cell.startswith("+90") for r in rows for cell in r
    )


def test_the_errors_csv_and_the_iys_export_neutralise_formulas(session: Session) -> None:
    report = _import(session, HEADER + '"=HYPERLINK(""http://evil.example"")",=1+2,\n')
    [row] = list(csv.reader(io.StringIO(report.errors_csv())))[1:]
    assert row[1] == "'=1+2"
    exported = "".join(
        iys_csv(
            iter(
                [
                    {
                        "type": "EPOSTA",
                        "source": "HS_WEB",
                        "recipient": "=cmd|'/Ccalc'!A0@example.com",
                        "recipientType": "BIREYSEL",
                        "status": "ONAY",
                        "consentDate": "2026-01-01 10:00:00",
                    },
                    {
                        "type": "MESAJ",
                        "source": "HS_WEB",
                        "recipient": "+905321234567",
                        "recipientType": "BIREYSEL",
                        "status": "ONAY",
                        "consentDate": "2026-01-01 10:00:00",
                    },
                ]
            )
        )
    )
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert rows[0]["recipient"] == "'=cmd|'/Ccalc'!A0@example.com"
    assert rows[1]["recipient"] == "+905321234567"  # İYS reads the number as it is


def test_an_integer_filter_out_of_range_is_a_422_naming_it(
    client: TestClient, marketing: dict[str, str]
) -> None:
    for field, value in (("min_purchases", 3_000_000_000), ("min_spend", "1e30")):
        answer = client.post(
            "/api/v1/segments/count", json={"filter": {field: value}, "channel": "sms"}, headers=marketing
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["detail"][0]["loc"][-1] == field
