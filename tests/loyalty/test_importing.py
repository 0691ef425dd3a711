"""Importing a customer list: validation per row, idempotent on the phone, consent only with evidence."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from loyalty.core.errors import Invalid
from loyalty.members.consent import record_consent
from loyalty.members.importing import import_members
from loyalty.models.members import Channel, ConsentEvent, Member
from tests.builders import make_member, make_store

HEADER = (
    "full_name,phone,email,locale,home_store,"
    "sms_consent,sms_source,sms_consent_date,email_consent,email_source,email_consent_date\n"
)


def _import(session: Session, text: str):  # type: ignore[no-untyped-def]
    return import_members(
        session,
        io.StringIO(text),
        actor="user:test",
        region="TR",
        default_locale="tr",
        timezone="Europe/Istanbul",
    )


def _member(session: Session, phone: str) -> Member:
    return session.exec(select(Member).where(Member.phone == phone)).one()


def test_rows_become_members_with_their_consent_evidence(session: Session) -> None:
    store = make_store(session, code="MODA")
    text = HEADER + (
        "Elif Şahin,0532 200 00 01,elif@example.com,tr,moda,"
        "evet,HS_ISLAK_IMZA,2025-03-04,yes,HS_WEB,2025-03-05\n"
        "John Smith,+44 7911 123456,,en,,no,,,,,\n"
    )
    report = _import(session, text)
    assert (report.rows, report.created, report.existing, report.errors) == (2, 2, 0, [])
    elif_ = _member(session, "+905322000001")
    assert elif_.full_name == "Elif Şahin" and elif_.home_store_id == store.id
    assert elif_.sms_opt_in and elif_.email_opt_in and elif_.name_search == "elif şahin"
    events = session.exec(select(ConsentEvent).where(ConsentEvent.member_id == elif_.id)).all()
    assert {(e.channel, e.granted, e.iys_source, e.source) for e in events} == {
        ("sms", True, "HS_ISLAK_IMZA", "import"),
        ("email", True, "HS_WEB", "import"),
    }
    sms = next(e for e in events if e.channel == "sms")
    assert (
        sms.consent_at is not None and sms.consent_at.isoformat() == "2025-03-03T21:00:00+00:00"
    )  # Istanbul
    john = _member(session, "+447911123456")
    assert john.locale == "en" and not john.sms_opt_in
    assert [
        (e.channel, e.granted)
        for e in session.exec(select(ConsentEvent).where(ConsentEvent.member_id == john.id))
    ] == [("sms", False)]


def test_each_bad_row_is_reported_with_its_line_and_field(session: Session) -> None:
    text = HEADER + (
        "Bir,0532 200 00 11,,,,,,,,,\n"
        "İki,12345,,,,,,,,,\n"
        "Üç,0532 200 00 13,not-mail,,,,,,,,\n"
        "Dört,0532 200 00 14,,,,evet,,2025-01-01,,,\n"
        "Beş,0532 200 00 15,,,,evet,HS_FIZIKSEL_ORTAM,,,,\n"
        "Altı,0532 200 00 16,,,,evet,HS_FIZIKSEL_ORTAM,2999-01-01,,,\n"
        "Yedi,0532 200 00 17,,,NOPE,,,,,,\n"
        "Sekiz,0532 200 00 18,,,,evet,HS_UYDURMA,2025-01-01,,,\n"
        "Dokuz,0532 200 00 11,,,,,,,,,\n"
        ",0532 200 00 19,,,,,,,,,\n"
        "On,0532 200 00 20,,,,,,,evet,HS_WEB,2025-01-01\n"
        "Onbir,0532 200 00 21,,xx,,belki,,,,,\n"
    )
    report = _import(session, text)
    assert report.created == 1
    assert [(e.line, e.field) for e in report.errors] == [
        (3, "phone"),
        (4, "email"),
        (5, "sms_source"),
        (6, "sms_consent_date"),
        (7, "sms_consent_date"),
        (8, "home_store"),
        (9, "sms_source"),
        (10, "phone"),
        (11, "full_name"),
        (12, "email"),
        (13, "locale"),
    ]
    csv_report = report.errors_csv().splitlines()
    assert csv_report[0] == "line,phone,field,error" and csv_report[1].startswith("3,12345,phone,")


def test_importing_the_same_file_twice_changes_nothing(session: Session) -> None:
    text = (
        HEADER
        + "Elif Şahin,0532 200 00 31,elif@example.com,,,evet,HS_WEB,2025-03-04,evet,HS_WEB,2025-03-04\n"
    )
    first = _import(session, text)
    events = session.exec(select(func.count()).select_from(ConsentEvent)).one()
    second = _import(session, text)
    assert (first.created, second.created, second.existing, second.consent_recorded) == (1, 0, 1, 0)
    assert session.exec(select(func.count()).select_from(ConsentEvent)).one() == events
    assert session.exec(select(func.count()).where(col(Member.phone) == "+905322000031")).one() == 1


def test_an_import_never_grants_over_an_opt_out(session: Session) -> None:
    member = make_member(session, "Ali Veli", "+905322000041", email="ali@example.com", sms=False)
    record_consent(session, member, Channel.sms, True, source="counter", actor="user:x")
    record_consent(session, member, Channel.sms, False, source="sms keyword", actor="twilio")
    text = (
        HEADER
        + "Ali Veli,0532 200 00 41,ali@example.com,,,"
        + "evet,HS_FIZIKSEL_ORTAM,2025-01-01,evet,HS_WEB,2025-01-01\n"
    )
    report = _import(session, text)
    session.refresh(member)
    assert report.consent_kept == 1 and report.consent_recorded == 1  # e-mail: never refused, so granted
    assert member.sms_opt_in is False and member.email_opt_in is True
    last_sms = session.exec(
        select(ConsentEvent)
        .where(ConsentEvent.member_id == member.id, ConsentEvent.channel == "sms")
        .order_by(col(ConsentEvent.id).desc())
    ).first()
    assert last_sms is not None and last_sms.granted is False and last_sms.source == "sms keyword"


def test_an_imported_refusal_revokes_at_once(session: Session) -> None:
    member = make_member(session, "Ece Su", "+905322000051", sms=False)
    record_consent(session, member, Channel.sms, True, source="counter", actor="user:x")
    report = _import(session, HEADER + "Ece Su,0532 200 00 51,,,,hayır,HS_CAGRI_MERKEZI,,,,\n")
    session.refresh(member)
    assert report.consent_recorded == 1 and member.sms_opt_in is False
    assert session.exec(select(Member).where(Member.phone == "+905322000051")).one().full_name == "Ece Su"


def test_semicolon_files_and_a_missing_column(session: Session) -> None:
    report = _import(session, "full_name;phone\nNur Ak;0532 200 00 61\n")
    assert report.created == 1
    with pytest.raises(Invalid) as refused:
        _import(session, "name,phone\nX,0532 200 00 62\n")
    assert refused.value.field == "file" and "full_name" in refused.value.message


def test_upload_from_the_admin_page_api(
    client: TestClient, session: Session, admin: dict[str, str], staff: dict[str, str]
) -> None:
    text = HEADER + "Elif Şahin,0532 200 00 71,,,,,,,,,\nBad,1,,,,,,,,,\n"
    files = {"file": ("list.csv", text.encode(), "text/csv")}
    dry = client.post("/api/v1/members/import", files=files, data={"dry_run": "true"}, headers=admin)
    assert dry.status_code == 200, dry.text
    assert (dry.json()["dry_run"], dry.json()["created"], dry.json()["errors"]) == (True, 1, 1)
    assert session.exec(select(Member).where(Member.phone == "+905322000071")).first() is None
    done = client.post("/api/v1/members/import", files=files, headers=admin)
    assert done.json()["created"] == 1 and done.json()["error_rows"][0]["field"] == "phone"
    assert done.json()["errors_csv"].startswith("line,phone,field,error")
    assert session.exec(select(Member).where(Member.phone == "+905322000071")).first() is not None
    assert client.post("/api/v1/members/import", files=files, headers=staff).status_code == 403
    # Turkish Excel's "CSV" is Windows-1254: read as such, the letters intact
    turkish = client.post(
        "/api/v1/members/import",
        files={"file": ("x.csv", "full_name;phone\nŞükrü Güneş;0532 200 00 72\n".encode("cp1254"))},
        headers=admin,
    )
    assert turkish.status_code == 200 and turkish.json()["created"] == 1, turkish.text
    assert _member(session, "+905322000072").full_name == "Şükrü Güneş"
    neither = client.post(
        "/api/v1/members/import", files={"file": ("x.csv", b"full_name,phone\n\x81\x8d,1\n")}, headers=admin
    )
    assert neither.status_code == 422 and "CSV UTF-8" in neither.json()["detail"][0]["msg"]
    audit = client.get("/api/v1/audit", params={"target": "members"}, headers=admin).json()
    assert audit[0]["action"] == "import" and audit[0]["changes"]["created"] == 1


def test_turkish_dates_are_read_day_first(session: Session) -> None:
    text = HEADER + (
        "Deniz Ak,0532 200 00 81,,,,yes,HS_FIZIKSEL_ORTAM,20.11.2025,,,\n"
        "Ece Ak,0532 200 00 82,,,,yes,HS_FIZIKSEL_ORTAM,05/03/2025 14:30,,,\n"
        "Can Ak,0532 200 00 83,,,,yes,HS_FIZIKSEL_ORTAM,32.11.2025,,,\n"
    )
    report = _import(session, text)
    assert report.created == 2
    (error,) = report.errors
    assert error.field == "sms_consent_date" and "20.11.2026" in error.message
    given = session.exec(
        select(ConsentEvent.consent_at)
        .join(Member, col(Member.id) == ConsentEvent.member_id)
        .where(Member.phone == "+905322000082")
    ).all()
    # 14:30 in Istanbul
    assert [g.replace(tzinfo=None).isoformat() for g in given if g] == ["2025-03-05T11:30:00"]
