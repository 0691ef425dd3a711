"""Errors in the request's language: Accept-Language, then the pages' ``lang`` cookie, then the shop's
locale; every answer carries the message key (a client may word it itself)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from loyalty.core.texts.errors import TEXT


def _get(client: TestClient, path: str, headers: dict[str, str], **extra: str) -> tuple[int, Any]:
    response = client.get(path, headers={**headers, **extra})
    return response.status_code, response.json()


def test_a_domain_error_answers_in_the_accept_language(client: TestClient, staff: dict[str, str]) -> None:
    status, body = _get(client, "/api/v1/members/987654", staff, **{"Accept-Language": "tr-TR,tr;q=0.9"})
    assert status == 404
    assert body == {"detail": "987654 numaralı üye yok", "key": "members.member_id_unknown"}
    status, body = _get(client, "/api/v1/members/987654", staff, **{"Accept-Language": "en-GB"})
    assert body == {"detail": "no member with id 987654", "key": "members.member_id_unknown"}


def test_without_accept_language_the_cookie_then_the_shop_locale(
    client: TestClient, staff: dict[str, str]
) -> None:
    client.headers.pop("Accept-Language")
    status, body = _get(client, "/api/v1/members/987654", staff)
    assert status == 404 and body["detail"] == "987654 numaralı üye yok"  # the shop's locale: tr
    client.cookies.set("lang", "en")
    status, body = _get(client, "/api/v1/members/987654", staff)
    assert body["detail"] == "no member with id 987654"
    status, body = _get(client, "/api/v1/members/987654", staff, **{"Accept-Language": "tr"})
    assert body["detail"] == "987654 numaralı üye yok"  # the header first


def test_an_invalid_field_keeps_fastapis_list_shape_with_a_key(
    client: TestClient, staff: dict[str, str]
) -> None:
    status, body = _get(client, "/api/v1/members", staff, **{"Accept-Language": "tr"})
    assert status == 422
    assert body == {
        "detail": [
            {
                "loc": ["body", "q"],
                "msg": TEXT["purchases.give_phone_q_name_card"][0],
                "type": "value_error",
                "key": "purchases.give_phone_q_name_card",
            }
        ],
        "key": "purchases.give_phone_q_name_card",
    }


def test_fastapis_own_422_has_a_key_and_turkish_text(client: TestClient, staff: dict[str, str]) -> None:
    status, body = _get(client, "/api/v1/members?q=ali&limit=0", staff, **{"Accept-Language": "tr"})
    assert status == 422
    [item] = body["detail"]
    assert item["key"] == "validation.greater_than_equal"
    assert item["msg"] == "1 ya da daha büyük olmalı" and item["loc"] == ["query", "limit"]
    status, body = _get(client, "/api/v1/members?q=ali&limit=0", staff, **{"Accept-Language": "en"})
    assert body["detail"][0]["msg"] == "Input should be greater than or equal to 1"  # pydantic's own


def test_not_signed_in_is_a_keyed_401_with_the_bearer_challenge(client: TestClient) -> None:
    response = client.get("/api/v1/members?q=ali", headers={"Accept-Language": "tr"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json() == {"detail": "oturum açılmamış ya da süresi dolmuş", "key": "auth.not_signed_in"}


def test_a_wrong_role_is_a_keyed_403(client: TestClient, staff: dict[str, str]) -> None:
    status, body = _get(client, "/api/v1/users", staff, **{"Accept-Language": "en"})
    assert status == 403
    assert body == {"detail": "this needs the role admin", "key": "auth.role_needed"}
