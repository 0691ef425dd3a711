"""Data rights: importing a customer list, KVKK export and erase, members' requests, the İYS export."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from fastapi import File, Form, Query, UploadFile, status
from fastapi.responses import StreamingResponse

from api.deps import AdminUser, IdPath, SessionDep, SettingsDep
from api.routing import api_router
from loyalty.accounts.audit import record
from loyalty.core.errors import Invalid
from loyalty.core.tokens import read_member_page_token
from loyalty.core.zones import zone_of
from loyalty.members.erasure import close_request, erase_member, list_requests, open_request
from loyalty.members.export import member_export
from loyalty.members.importing import import_members
from loyalty.members.iys import iys_csv, iys_records
from loyalty.members.links import page_link_member
from loyalty.members.schemas import (
    DataRequest,
    DataRequestPublic,
    ImportResult,
    data_request_public,
)
from loyalty.models.shop import RequestStatus
from loyalty.models.users import User

router = api_router(tags=["data rights"])
MAX_IMPORT_BYTES = 64 * 1024 * 1024
SHOWN_ERRORS = 100


def _actor(user: User) -> str:
    return f"user:{user.username}"


@router.post("/members/import", response_model=ImportResult)
def import_file(
    file: Annotated[UploadFile, File(description="CSV with a header row, UTF-8 (docs/operations.md)")],
    session: SessionDep,
    settings: SettingsDep,
    user: AdminUser,
    dry_run: Annotated[bool, Form()] = False,
) -> ImportResult:
    """Import members from a CSV file; with ``dry_run`` nothing is kept, the report says what would be."""
    raw = file.file.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        raise Invalid("file", "the file is larger than 64 MB / dosya 64 MB'tan büyük")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("file", "the file is not UTF-8 text / dosya UTF-8 metin değil") from None
    report = import_members(
        session,
        io.StringIO(text, newline=""),
        actor=_actor(user),
        region=settings.country,
        default_locale=settings.locale,
        timezone=settings.timezone,
        dry_run=dry_run,
    )
    if not dry_run:
        record(session, "import", "members", None, {"file": file.filename or "", **report.summary()})
        session.commit()
    return ImportResult(
        dry_run=dry_run,
        **report.summary(),
        error_rows=[
            {"line": e.line, "phone": e.phone, "field": e.field, "error": e.message}
            for e in report.errors[:SHOWN_ERRORS]
        ],
        errors_csv=report.errors_csv(),
    )


@router.get("/members/{member_id}/export")
def export(member_id: IdPath, session: SessionDep, _user: AdminUser) -> dict[str, Any]:
    """Everything kept about the member (KVKK): profile, consent ledger, purchases, feedback, cards,
    coupons and redemptions, occasions, messages, requests. 404 once erased."""
    return member_export(session, member_id)


@router.delete("/members/{member_id}")
def erase(member_id: IdPath, session: SessionDep, user: AdminUser) -> dict[str, Any]:
    """Erase the member's personal data (KVKK); anonymous figures and the coupon audit stay."""
    member = erase_member(session, member_id, actor=_actor(user))
    record(session, "erase", "member", member_id, {})
    answer = {"id": member_id, "erased_at": member.erased_at}
    session.commit()
    return answer


@router.post("/self/{token}/requests", status_code=status.HTTP_201_CREATED, response_model=DataRequestPublic)
def ask(token: str, data: DataRequest, session: SessionDep, settings: SettingsDep) -> DataRequestPublic:
    """The member asks, from their page, for a copy of their data or for erasing it; an admin handles it."""
    member = page_link_member(session, read_member_page_token(settings.secret_key, token))
    assert member.id is not None
    view = data_request_public(open_request(session, member.id, data.kind))
    session.commit()
    return view


@router.get("/requests", response_model=list[DataRequestPublic])
def requests(
    session: SessionDep, _user: AdminUser, status: RequestStatus | None = RequestStatus.open
) -> list[DataRequestPublic]:
    return [data_request_public(r) for r in list_requests(session, status=status)]


@router.post("/requests/{request_id}/done", response_model=DataRequestPublic)
def done(request_id: IdPath, session: SessionDep, user: AdminUser) -> DataRequestPublic:
    view = data_request_public(close_request(session, request_id, actor=_actor(user)))
    session.commit()
    return view


@router.get("/consent/iys", response_model=None)
def iys_export(
    session: SessionDep,
    settings: SettingsDep,
    _user: AdminUser,
    since: Annotated[str, Query(max_length=40, description="a date (local midnight) or a time with zone")],
    format: Literal["json", "csv"] = "json",
) -> list[dict[str, str]] | StreamingResponse:
    """Consent changes since ``since`` in İYS's bulk format (type, source, recipient, recipientType,
    status ONAY/RET, consentDate)."""
    try:
        if len(since.strip()) == 10:
            start = datetime.combine(
                date.fromisoformat(since.strip()), time(), tzinfo=zone_of(settings.timezone)
            )
        else:
            start = datetime.fromisoformat(since.strip())
    except ValueError:
        raise Invalid("since", "since is a date (YYYY-MM-DD) or a time with zone / tarih veya saat") from None
    if start.tzinfo is None:
        raise Invalid("since", "since needs a time zone, or give a date / saat dilimi ya da tarih verin")
    records = iys_records(session, start, settings.timezone)
    if format == "json":
        return list(records)
    headers = {"Content-Disposition": f'attachment; filename="iys-{start.date().isoformat()}.csv"'}
    return StreamingResponse(iys_csv(records), media_type="text/csv; charset=utf-8", headers=headers)
