"""Data rights: importing a customer list, KVKK export and erase, members' requests, the İYS export."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import File, Form, Query, UploadFile, status
from fastapi.responses import StreamingResponse

from api.body_limit import IMPORT_LIMIT
from api.deps import AdminUser, IdPath, LangDep, SessionDep, SettingsDep
from api.routing import api_router
from loyalty.accounts.audit import record
from loyalty.core.clock import utcnow
from loyalty.core.errors import Invalid
from loyalty.core.zones import zone_of
from loyalty.members.erasure import close_request, erase_member, list_requests, open_request, request_names
from loyalty.members.export import member_export
from loyalty.members.importing import decode_file, import_members
from loyalty.members.iys import iys_csv, iys_records
from loyalty.members.iys_sync import sync_problem, sync_state
from loyalty.members.links import member_for_link
from loyalty.members.schemas import (
    DataRequest,
    DataRequestPublic,
    ImportResult,
    data_request_public,
)
from loyalty.models.shop import RequestStatus
from loyalty.models.users import User

router = api_router(tags=["data rights"])
MAX_IMPORT_BYTES = IMPORT_LIMIT
SHOWN_ERRORS = 100


def _actor(user: User) -> str:
    return f"user:{user.username}"


@router.post("/members/import", response_model=ImportResult)
def import_file(
    file: Annotated[UploadFile, File(description="CSV with a header row, UTF-8 (docs/operations.md)")],
    session: SessionDep,
    settings: SettingsDep,
    user: AdminUser,
    lang: LangDep,
    dry_run: Annotated[bool, Form()] = False,
) -> ImportResult:
    """Import members from a CSV file; with ``dry_run`` nothing is kept, the report says what would be."""
    raw = file.file.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        raise Invalid("file", "api.file_larger_than_64_mb")
    text = decode_file(raw)  # UTF-8, or Windows Turkish (1254) as Turkish Excel saves "CSV"
    session.commit()  # ends the sign-in's transaction: each chunk then takes the write lock on its own
    report = import_members(
        session,
        io.StringIO(text, newline=""),
        actor=_actor(user),
        region=settings.country,
        default_locale=settings.locale,
        timezone=settings.timezone,
        dry_run=dry_run,
        chunk_done=session.commit,  # a chunk at a time: the counter never waits for the whole file
    )
    if not dry_run:
        record(session, "import", "members", None, {"file": file.filename or "", **report.summary()})
        session.commit()
    return ImportResult(
        dry_run=dry_run,
        **report.summary(),
        error_rows=[
            {
                "line": e.line,
                "phone": e.phone,
                "field": e.field,
                "error": e.error.text(lang),
                "key": e.error.key,
            }
            for e in report.errors[:SHOWN_ERRORS]
        ],
        errors_csv=report.errors_csv(lang),
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
    member = member_for_link(session, settings.secret_key, token, utcnow())
    assert member.id is not None
    view = data_request_public(open_request(session, member.id, data.kind))
    session.commit()
    return view


@router.get("/requests", response_model=list[DataRequestPublic])
def requests(
    session: SessionDep, _user: AdminUser, status: RequestStatus | None = RequestStatus.open
) -> list[DataRequestPublic]:
    rows = list_requests(session, status=status)
    names = request_names(session, [r.member_id for r in rows])
    return [data_request_public(r, names.get(r.member_id)) for r in rows]


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
        raise Invalid("since", "api.since_date_yyyy_mm_dd") from None
    if start.tzinfo is None:
        raise Invalid("since", "api.since_needs_time_zone_give")
    records = iys_records(session, start, settings.timezone)
    if format == "json":
        return list(records)
    headers = {"Content-Disposition": f'attachment; filename="iys-{start.date().isoformat()}.csv"'}
    return StreamingResponse(iys_csv(records), media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/consent/iys/sync")
def iys_sync_state(session: SessionDep, settings: SettingsDep, _user: AdminUser) -> dict[str, Any]:
    """The İYS sync: configured or not, rows waiting and failed, the last upload, pull and error, and
    the one-line problem /readyz reports when it is stuck."""
    state = sync_state(session)
    problem = (
        sync_problem(state, utcnow(), timedelta(minutes=settings.iys_sync_minutes))
        if settings.iys_url
        else None
    )
    return {"configured": bool(settings.iys_url), "problem": problem, **state.__dict__}
