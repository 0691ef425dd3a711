"""Property tests: non-finite numbers, extreme dates and oversized searches are a 4xx naming the field.

Each case here answered 500 before: a JSON ``NaN``/``Infinity``/``1e400`` anywhere (the 422 echoed it
back and could not be serialised), a purchase at year 1 or 9999, a campaign on 9999-12-31, a 999-word
name search (SQLite: "Expression tree is too large"). The numeric fields are read from the app's own
OpenAPI document, so a new body field is covered without editing this file.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from tests.builders import make_member

NON_FINITE = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"]
SENTINEL = "__NON_FINITE__"
HYPOTHESIS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
OFFSETS = st.integers(-14 * 4, 14 * 4).map(lambda q: timezone(timedelta(minutes=15 * q)))
_seq = itertools.count()


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return _resolve(spec, spec["components"]["schemas"][ref.rsplit("/", 1)[1]]) if ref else schema


def _number_fields(spec: dict[str, Any], schema: dict[str, Any]) -> list[tuple[tuple[str, ...], Any]]:
    """Each integer or number property of a body schema (through $ref, anyOf and oneOf) as its path and a
    body holding only the sentinel there (and the tag of a discriminated union on the way)."""
    schema = _resolve(spec, schema)
    found: list[tuple[tuple[str, ...], Any]] = []
    if schema.get("type") in ("integer", "number"):
        found.append(((), SENTINEL))
    tags = {ref: tag for tag, ref in schema.get("discriminator", {}).get("mapping", {}).items()}
    for option in schema.get("anyOf", []) + schema.get("oneOf", []):
        for path, body in _number_fields(spec, option):
            if option.get("$ref") in tags:
                body = {**body, schema["discriminator"]["propertyName"]: tags[option["$ref"]]}
            if path not in [p for p, _ in found]:
                found.append((path, body))
    for name, prop in schema.get("properties", {}).items():
        found += [((name, *path), {name: body}) for path, body in _number_fields(spec, prop)]
    return found


def _json_body_fields(app: FastAPI) -> list[tuple[str, str, tuple[str, ...], Any]]:
    spec = app.openapi()
    cases = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                for field, body in _number_fields(spec, content["application/json"]["schema"]):
                    if field:
                        cases.append((method.upper(), path.replace("{", "").replace("}", ""), field, body))
    return cases


def _raw(body: Any, token: str) -> str:
    return json.dumps(body).replace(f'"{SENTINEL}"', token)


def _names(response: Any) -> list[list[Any]]:
    return [error["loc"] for error in response.json()["detail"]]


def test_the_schema_walk_finds_the_number_fields(app: FastAPI) -> None:
    fields = {(path, field) for _, path, field, _ in _json_body_fields(app)}
    assert ("/api/v1/members/member_id/purchases", ("amount",)) in fields
    assert ("/api/v1/campaigns", ("offer", "value")) in fields
    assert ("/api/v1/campaigns", ("trigger", "days_before")) in fields
    assert ("/api/v1/campaigns", ("trigger", "year")) in fields
    assert ("/api/v1/coupons/code/redeem", ("purchase_amount",)) in fields
    assert len(fields) >= 15


@HYPOTHESIS
@given(data=st.data(), token=st.sampled_from(NON_FINITE))
def test_a_non_finite_number_in_any_json_body_is_a_422_naming_it(
    client: TestClient, admin: dict[str, str], app: FastAPI, data: st.DataObject, token: str
) -> None:
    method, path, field, body = data.draw(st.sampled_from(_json_body_fields(app)))
    url = path.replace("member_id", "1").replace("campaign_id", "1").replace("occasion_id", "1")
    url = (
        url.replace("/code/", "/ABCD-EFGH-JKMN/").replace("/token/", "/not-a-token/").replace("/token", "/x")
    )
    response = client.request(
        method,
        url,
        content=_raw(body, token),
        headers=admin | {"Content-Type": "application/json"},
    )
    assert response.status_code == 422, (method, url, field, response.text)
    assert any(field[-1] in loc for loc in _names(response)), (field, response.text)
    assert token.lstrip("-").replace("1e400", "Infinity") in response.text  # the input echoed, as a string


PURCHASE = {"amount": "25.00", "receipt_id": "R"}
CAMPAIGN: dict[str, Any] = {
    "name": "Yılbaşı",
    "trigger": {"type": "holiday", "holiday_key": "yilbasi", "days_before": 1, "send_time": "10:00"},
    "offer": {"kind": "percent", "value": "10", "min_purchase": "50", "valid_days": 7},
    "audience": {"recency_days": 90, "window_days": 365},
}


@HYPOTHESIS
@given(
    case=st.sampled_from(
        [
            ("purchase", ("amount",)),
            ("campaign", ("offer", "value")),
            ("campaign", ("offer", "min_purchase")),
            ("campaign", ("offer", "valid_days")),
            ("campaign", ("trigger", "days_before")),
            ("campaign", ("audience", "recency_days")),
            ("redeem", ("purchase_amount",)),
            ("feedback", ("score",)),
        ]
    ),
    token=st.sampled_from(NON_FINITE),
)
def test_a_non_finite_number_in_a_valid_request_is_a_422_naming_exactly_that_field(
    client: TestClient,
    admin: dict[str, str],
    session: Session,
    case: tuple[str, tuple[str, ...]],
    token: str,
) -> None:
    kind, field = case
    member = make_member(session)
    url, body = {
        "purchase": (f"/api/v1/members/{member.id}/purchases", dict(PURCHASE)),
        "campaign": ("/api/v1/campaigns", json.loads(json.dumps(CAMPAIGN))),
        "redeem": ("/api/v1/coupons/ABCD-EFGH-JKMN/redeem", {"purchase_amount": "10"}),
        "feedback": (f"/api/v1/members/{member.id}/feedback", {"score": 9}),
    }[kind]
    target = body
    for name in field[:-1]:
        target = target[name]
    target[field[-1]] = SENTINEL
    response = client.post(
        url, content=_raw(body, token), headers=admin | {"Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    locs = _names(response)
    assert all(loc[-1] == field[-1] or loc[-1] in ("finite_number",) for loc in locs), locs
    assert any(field[-1] in loc for loc in locs), locs


@HYPOTHESIS
@given(
    when=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=OFFSETS)
    | st.datetimes(min_value=datetime(2010, 1, 1), max_value=datetime(2040, 1, 1), timezones=OFFSETS)
)
def test_a_purchase_is_dated_from_ten_years_back_to_now(
    client: TestClient, staff: dict[str, str], session: Session, when: datetime
) -> None:
    now = datetime.now(UTC)
    early, late = now - timedelta(days=3653), now + timedelta(minutes=5)
    assume(abs(when - early) > timedelta(minutes=1) and abs(when - late) > timedelta(minutes=1))
    member = make_member(session)
    body = {"amount": "10.00", "receipt_id": f"R-date-{next(_seq)}", "occurred_at": when.isoformat()}
    response = client.post(f"/api/v1/members/{member.id}/purchases", json=body, headers=staff)
    if early < when < late:
        assert response.status_code == 201, response.text
        assert datetime.fromisoformat(response.json()["purchase"]["occurred_at"]) == when
    else:
        assert response.status_code == 422, response.text
        assert _names(response) == [["body", "occurred_at"]]


@HYPOTHESIS
@given(
    when=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30))
    | st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1)),
    aware=st.none() | OFFSETS,
)
def test_a_dated_campaign_is_within_five_years(
    client: TestClient, marketing: dict[str, str], when: datetime, aware: timezone | None
) -> None:
    shop = ZoneInfo("Europe/Istanbul")
    now = datetime.now(UTC)
    local = when.replace(tzinfo=aware).astimezone(shop) if aware else when.replace(tzinfo=shop)
    assume(abs(local - now) > timedelta(minutes=2))
    send_at = when.replace(tzinfo=aware).isoformat() if aware else when.isoformat()
    body = {**CAMPAIGN, "trigger": {"type": "date", "send_at": send_at}}
    response = client.post("/api/v1/campaigns", json=body, headers=marketing)
    if now < local and local.year <= now.year + 5:
        assert response.status_code == 201, response.text
    else:
        assert response.status_code == 422, response.text
        assert _names(response) == [["body", "trigger.send_at"]]


@HYPOTHESIS
@given(
    until=st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
    day=st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
)
def test_extreme_dates_elsewhere_are_answered_without_a_server_error(
    client: TestClient, admin: dict[str, str], session: Session, until: date, day: date
) -> None:
    member = make_member(session)
    answers = [
        client.post(f"/api/v1/members/{member.id}/pause", json={"until": until.isoformat()}, headers=admin),
        client.post(
            f"/api/v1/members/{member.id}/occasions",
            json={"kind": "birthday", "purpose": "doğum günü", "date": day.isoformat()},
            headers=admin,
        ),
        client.get("/api/v1/holidays", params={"year": day.year}, headers=admin),
        client.post(
            "/api/v1/holidays/store-days",
            json={"name_tr": "Gün", "month": day.month, "day": day.day, "year": day.year},
            headers=admin,
        ),
    ]
    for response in answers:
        assert response.status_code < 500, (response.request.url, response.text)
        if response.status_code == 422:
            assert response.json()["detail"], response.text


@HYPOTHESIS
@given(
    q=st.text(min_size=1, max_size=300)
    | st.lists(st.sampled_from(["ay", "şe", "IŞIK"]), max_size=40).map(" ".join)
)
def test_a_name_search_is_capped_in_words_and_length(
    client: TestClient, staff: dict[str, str], q: str
) -> None:
    assume("\x00" not in q and not any("\ud800" <= ch <= "\udfff" for ch in q))
    response = client.get("/api/v1/members", params={"q": q}, headers=staff)
    too_big = len(q.strip()) > 100 or len(q.split()) > 10
    if too_big:
        assert response.status_code == 422, response.text
        assert _names(response) == [["body", "q"]] or _names(response)[0][-1] == "q"
    else:
        assert response.status_code in (200, 422), response.text
        if response.status_code == 422:  # only a blank query
            assert not q.strip()


@pytest.mark.parametrize("words", [10, 999])
def test_the_issues_search_of_many_words(client: TestClient, staff: dict[str, str], words: int) -> None:
    response = client.get("/api/v1/members", params={"q": " ".join(["ab"] * words)}, headers=staff)
    assert response.status_code == (200 if words == 10 else 422), response.text
