"""İYS (İleti Yönetim Sistemi) export: consent changes since a moment, in İYS's bulk consent format.

Each ledger row becomes one İYS consent record with the fields of İYS's consent API and its bulk upload:
``type`` (MESAJ for SMS, EPOSTA for e-mail), ``source`` (the İYS source code), ``recipient`` (the phone
in E.164 or the e-mail address), ``recipientType`` (BIREYSEL or TACIR), ``status`` (ONAY or RET) and
``consentDate`` (``YYYY-MM-DD HH:MM:SS`` in the shop's time zone: when the member gave or refused it).
Erased members and rows whose member has no address on that channel are left out (nothing to name).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from loyalty.core.csv_cells import safe_cell
from loyalty.models.members import Channel, ConsentEvent, Member

IYS_FIELDS = ("type", "source", "recipient", "recipientType", "status", "consentDate")
IYS_TYPES = {Channel.sms: "MESAJ", Channel.email: "EPOSTA"}
IYS_DATE = "%Y-%m-%d %H:%M:%S"  # İYS's dates, in Turkish time


def iys_records(session: Session, since: datetime, timezone: str) -> Iterator[dict[str, str]]:
    """Ledger rows recorded at or after ``since``, oldest first, as İYS consent records."""
    zone = ZoneInfo(timezone)
    query = (
        select(ConsentEvent, Member.phone, Member.email)
        .join(Member, col(Member.id) == col(ConsentEvent.member_id))
        .where(col(ConsentEvent.recorded_at) >= since, col(Member.erased_at).is_(None))
        .order_by(col(ConsentEvent.recorded_at), col(ConsentEvent.id))
        .execution_options(yield_per=2000)
    )
    for event, phone, email in session.exec(query):
        record = iys_record(event, phone, email, zone)
        if record is not None:
            yield record


def iys_record(event: ConsentEvent, phone: str, email: str | None, zone: ZoneInfo) -> dict[str, str] | None:
    """One ledger row as İYS's consent record; None when the member has no address on that channel."""
    channel = Channel(event.channel)
    recipient = phone if channel == Channel.sms else email
    if not recipient:
        return None
    given = event.consent_at or event.recorded_at
    return {
        "type": IYS_TYPES[channel],
        "source": str(event.iys_source),
        "recipient": recipient,
        "recipientType": str(event.recipient_type),
        "status": "ONAY" if event.granted else "RET",
        "consentDate": given.astimezone(zone).strftime(IYS_DATE),
    }


def iys_csv(records: Iterator[dict[str, str]]) -> Iterator[str]:
    """The records as CSV text, header first, a chunk per row (for a streamed answer or a file)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=IYS_FIELDS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({key: safe_cell(value) for key, value in record.items()})
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
