"""Importing a customer list (CSV): validated, idempotent on the phone, consent only with its evidence.

Columns (header row, any order; only ``full_name`` and ``phone`` are required)::

    full_name, phone, email, locale, home_store,
    sms_consent, sms_source, sms_consent_date, email_consent, email_source, email_consent_date,
    recipient_type

A consent value is yes/evet/1/true/ONAY (given) or no/hayır/0/false/RET (refused); empty says nothing. A
given consent is imported only with its evidence: an İYS source code (HS_FIZIKSEL_ORTAM, HS_ISLAK_IMZA,
HS_WEB, HS_MESAJ, HS_EORTAM, HS_CAGRI_MERKEZI) and the date it was given (not in the future). As in the
ledger's rule (``consent.record_consent``), an import never grants a channel the member ever opted out of.

A phone already in the database is an existing member: their profile is left alone (the counter owns it)
and only consent they do not have yet is added, so importing the same file twice changes nothing. Rows
are written in chunks with set-based statements (one lookup, one insert of members, one of ledger rows per
chunk); every bad row is reported with its line and field and the rest goes in. The boundary commits after
each chunk (``chunk_done``), so an import never holds SQLite's one write lock, or PostgreSQL's row locks on
members already there, for longer than a chunk: the counter, sign-in and webhooks wait a fraction of a
second meanwhile. An interrupted import is finished by importing the file again (it is idempotent).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session

from loyalty.core import dialect
from loyalty.core.clock import utcnow
from loyalty.core.csv_cells import safe_row
from loyalty.core.db import is_postgres
from loyalty.core.errors import DomainError, Invalid
from loyalty.core.text import fold
from loyalty.members.validation import full_name, locale_code, normalize_email, normalize_phone
from loyalty.models.members import Channel, ConsentEvent, IysSource, Member, RecipientType
from loyalty.models.stores import Store

COLUMNS = (
    "full_name",
    "phone",
    "email",
    "locale",
    "home_store",
    "sms_consent",
    "sms_source",
    "sms_consent_date",
    "email_consent",
    "email_source",
    "email_consent_date",
    "recipient_type",
)
REQUIRED = ("full_name", "phone")
YES = frozenset({"yes", "evet", "1", "true", "onay", "y", "e"})
NO = frozenset({"no", "hayır", "hayir", "0", "false", "ret", "n", "h"})
SOURCE = "import"
CHUNK = 2000  # rows per chunk on PostgreSQL (COPY); SQLite writes smaller ones, each under its one lock
SQLITE_CHUNK = 250
MAX_FIELD = 1000  # characters in one field: more than any column holds (a name, an address)
MEMBERS: sa.Table = Member.__table__  # type: ignore[attr-defined]
CONSENT: sa.Table = ConsentEvent.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Statement:
    """A consent statement from the file for one channel."""

    channel: Channel
    granted: bool
    source: IysSource
    given_at: datetime | None


@dataclass
class Row:
    line: int
    full_name: str
    phone: str
    email: str | None
    locale: str
    home_store_id: int | None
    recipient_type: RecipientType
    consent: list[Statement]


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    error: DomainError  # its key and parameters: worded in the reader's language
    phone: str = ""

    @property
    def message(self) -> str:
        return self.error.message


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    existing: int = 0
    consent_recorded: int = 0
    consent_kept: int = 0  # a grant not imported: the member opted out of that channel before
    errors: list[RowError] = field(default_factory=list)

    def errors_csv(self, lang: str = "en") -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["line", "phone", "field", "error"])
        for error in self.errors:
            writer.writerow(safe_row([error.line, error.phone, error.field, error.error.text(lang)]))
        return out.getvalue()

    def summary(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "existing": self.existing,
            "consent_recorded": self.consent_recorded,
            "consent_kept": self.consent_kept,
            "errors": len(self.errors),
        }


def _flag(raw: str, name: str) -> bool | None:
    text = raw.strip().casefold()
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise Invalid(name, "members.write_yes", raw=repr(raw))


# dates as Turkish spreadsheets write them (20.11.2026, 20/11/2026, with a time or not), day first
TURKISH_DATES = ("%d.%m.%Y", "%d/%m/%Y", "%d.%m.%Y %H:%M", "%d/%m/%Y %H:%M", "%d.%m.%Y %H:%M:%S")


def _parse_date(text: str) -> datetime:
    try:
        if len(text) > 10:
            return datetime.fromisoformat(text)
        return datetime.combine(date.fromisoformat(text), time())
    except ValueError:
        pass
    for pattern in TURKISH_DATES:
        try:
            return datetime.strptime(text, pattern)  # naive: the caller applies the shop's zone
        except ValueError:
            continue
    raise ValueError(text)


def _given_at(raw: str, name: str, zone: ZoneInfo, now: datetime) -> datetime | None:
    text = raw.strip()
    if not text:
        return None
    try:
        parsed = _parse_date(text)
    except ValueError:
        raise Invalid(name, "members.date_write_20_11_2026", raw=repr(raw)) from None
    aware = parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)
    if aware > now:
        raise Invalid(name, "members.consent_date_future")
    return aware.astimezone(UTC)


def _statement(
    values: dict[str, str], channel: Channel, email: str | None, zone: ZoneInfo, now: datetime
) -> Statement | None:
    prefix = channel.value
    granted = _flag(values.get(f"{prefix}_consent", ""), f"{prefix}_consent")
    if granted is None:
        return None
    raw_source = values.get(f"{prefix}_source", "").strip().upper()
    given_at = _given_at(values.get(f"{prefix}_consent_date", ""), f"{prefix}_consent_date", zone, now)
    if raw_source and raw_source not in IysSource.__members__:
        codes = ", ".join(IysSource)
        raise Invalid(
            f"{prefix}_source",
            "members.i_ys_source_code",
            raw_source=repr(raw_source),
            codes=codes,
        )
    if granted:
        if not raw_source:
            raise Invalid(f"{prefix}_source", "members.given_consent_needs_i_ys")
        if given_at is None:
            raise Invalid(f"{prefix}_consent_date", "members.given_consent_needs_date")
        if channel == Channel.email and not email:
            raise Invalid("email", "members.mail_consent_needs_mail_address")
    source = IysSource(raw_source) if raw_source else IysSource.HS_FIZIKSEL_ORTAM
    return Statement(channel, granted, source, given_at)


@lru_cache(maxsize=64)
def _locale(raw: str) -> str:
    return locale_code(raw)  # a file repeats a handful of values: Babel parses each once


def parse_row(
    line: int,
    values: dict[str, str],
    *,
    region: str,
    default_locale: str,
    stores: dict[str, int],
    zone: ZoneInfo,
    now: datetime,
) -> Row:
    """One CSV row checked and normalized; Invalid names the first bad field."""
    name = full_name(values.get("full_name", ""))
    phone = normalize_phone(values.get("phone", ""), region)
    email = normalize_email(values.get("email"))
    locale = _locale(values.get("locale", "").strip() or default_locale)
    store_code = values.get("home_store", "").strip()
    store_id = None
    if store_code:
        store_id = stores.get(store_code.casefold())
        if store_id is None:
            raise Invalid("home_store", "members.store_code_unknown", store_code=repr(store_code))
    raw_type = values.get("recipient_type", "").strip().upper() or RecipientType.BIREYSEL.value
    if raw_type not in RecipientType.__members__:
        raise Invalid("recipient_type", "members.recipient_type_bireysel_tacir")
    statements = [_statement(values, channel, email, zone, now) for channel in Channel]
    return Row(
        line=line,
        full_name=name,
        phone=phone,
        email=email,
        locale=locale,
        home_store_id=store_id,
        recipient_type=RecipientType(raw_type),
        consent=[s for s in statements if s is not None],
    )


def read_rows(
    lines: Iterable[str],
    report: ImportReport,
    *,
    region: str,
    default_locale: str,
    stores: dict[str, int],
    zone: ZoneInfo,
) -> Iterator[Row]:
    """Valid rows of a CSV text (``,`` or ``;`` separated); bad rows and repeated phones go to the report."""
    now = utcnow()
    iterator = iter(lines)
    first = next(iterator, "")
    dialect = (
        "excel-tab" if "\t" in first else ("semicolon" if first.count(";") > first.count(",") else "excel")
    )
    reader = csv.DictReader(
        _chain(first, iterator), dialect=dialect if dialect != "semicolon" else _Semicolon
    )
    header = [(name or "").strip().lstrip("\ufeff").casefold() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise Invalid("file", "members.missing_columns", missing=', '.join(missing))
    reader.fieldnames = header
    seen: dict[str, int] = {}
    rows = iter(reader)
    while True:
        try:
            values = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:  # a field over the csv module's limit (128 KiB): the rest of its row goes
            report.rows += 1
            too_long = Invalid("file", "members.import_field_too_long", reason=str(exc))
            report.errors.append(RowError(reader.line_num + 1, "file", too_long))
            continue
        line = reader.line_num
        report.rows += 1
        clean = {k: (v or "") for k, v in values.items() if isinstance(k, str)}
        bad = _bad_field(clean)
        if bad is not None:
            report.errors.append(RowError(line, bad.field, bad, _printable(clean.get("phone", ""))))
            continue
        try:
            row = parse_row(
                line, clean, region=region, default_locale=default_locale, stores=stores, zone=zone, now=now
            )
        except Invalid as exc:
            report.errors.append(RowError(line, exc.field, exc, clean.get("phone", "").strip()))
            continue
        if row.phone in seen:
            twin = Invalid("phone", "members.same_phone", line=seen[row.phone])
            report.errors.append(RowError(line, "phone", twin, row.phone))
            continue
        seen[row.phone] = line
        yield row


WINDOWS_TURKISH = "cp1254"  # what Excel on Turkish Windows writes for "CSV (comma delimited)"
NOT_TEXT = "members.file_not_text"  # how to save the file in Excel


def file_encoding(chunks: Iterable[bytes]) -> str:
    """"utf-8-sig" when the bytes are UTF-8, else "cp1254" (Turkish Excel's CSV) when they are that;
    Invalid("file") with how to save the file otherwise. Reads the chunks once, keeps none."""
    decoders = {
        "utf-8-sig": codecs.getincrementaldecoder("utf-8-sig")(),
        WINDOWS_TURKISH: codecs.getincrementaldecoder(WINDOWS_TURKISH)(),
    }
    for chunk in chunks:
        for name, decoder in list(decoders.items()):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                del decoders[name]
        if not decoders:
            raise Invalid("file", NOT_TEXT)
    for name, decoder in list(decoders.items()):
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            del decoders[name]
    if not decoders:
        raise Invalid("file", NOT_TEXT)
    return next(iter(decoders))  # UTF-8 first: a UTF-8 file is nearly never also sensible 1254


def decode_file(raw: bytes) -> str:
    """The text of an uploaded CSV: UTF-8 (with or without BOM) or Windows Turkish (1254)."""
    return raw.decode(file_encoding([raw]))


def _bad_field(values: dict[str, str]) -> Invalid | None:
    """A NUL character (PostgreSQL refuses it in text) or a value longer than any column takes."""
    for name, value in values.items():
        if "\x00" in value:
            return Invalid(name, "members.import_field_nul")
        if len(value) > MAX_FIELD:
            return Invalid(name, "members.import_field_longer", max_field=MAX_FIELD)
    return None


def _printable(value: str) -> str:
    return value.replace("\x00", "")[:40]


class _Semicolon(csv.excel):
    delimiter = ";"


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    if first:
        yield first
    yield from rest


def store_codes(session: Session) -> dict[str, int]:
    rows = session.execute(sa.select(Store.code, Store.id)).all()  # type: ignore[call-overload]
    return {str(code).casefold(): int(store_id) for code, store_id in rows}


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _event(member_id: int, row: Row, statement: Statement, actor: str, now: datetime) -> dict[str, Any]:
    return {
        "member_id": member_id,
        "channel": statement.channel.value,
        "granted": statement.granted,
        "source": SOURCE,
        "actor": actor,
        "recorded_at": now,
        "recipient_type": row.recipient_type.value,
        "iys_source": statement.source.value,
        "consent_at": statement.given_at,
    }


def _insert_members(session: Session, rows: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """Insert new members, skipping a phone registered meanwhile; (id, phone) of those inserted.

    PostgreSQL: COPY into a temporary table and one INSERT ... SELECT (a multi-row INSERT of thousands of
    rows costs more to parse than to run)."""
    if not is_postgres(session):
        stmt = dialect.insert(session, MEMBERS).on_conflict_do_nothing(index_elements=["phone"])
        return [
            (int(i), str(p)) for i, p in session.execute(stmt.returning(MEMBERS.c.id, MEMBERS.c.phone), rows)
        ]
    names = list(rows[0])
    columns = ", ".join(names)
    connection = session.connection()
    with dialect.staging_table(connection, "member_stage", like="members", names=names):
        dialect.copy_rows(
            connection, "member_stage", names, ([row[n] for n in names] for row in rows), binary=False
        )
        inserted = connection.exec_driver_sql(
            f"INSERT INTO members ({columns}) SELECT {columns} FROM member_stage ORDER BY phone "
            "ON CONFLICT (phone) DO NOTHING RETURNING id, phone"
        ).all()
    return [(int(i), str(p)) for i, p in inserted]


def _insert_consent(session: Session, events: list[dict[str, Any]]) -> None:
    if not is_postgres(session):
        session.execute(sa.insert(CONSENT), events)
        return
    names = list(events[0])
    dialect.copy_rows(
        session.connection(), "consent_events", names, ([e[n] for n in names] for e in events), binary=False
    )


def _write_chunk(
    session: Session, chunk: list[Row], report: ImportReport, *, actor: str, timezone: str
) -> None:
    now = utcnow()
    members = MEMBERS.c
    lookup = sa.select(
        members.id, members.phone, members.email, members.sms_opt_in, members.email_opt_in
    ).where(members.phone.in_([row.phone for row in chunk]))
    if is_postgres(session):
        lookup = lookup.with_for_update()  # serialize with consent changes made at the counter meanwhile
    existing = {r.phone: r for r in session.execute(lookup)}
    revoked: set[tuple[int, str]] = set()
    if existing:
        ids = [r.id for r in existing.values()]
        revoked = {
            (int(r.member_id), str(r.channel))
            for r in session.execute(
                sa.select(CONSENT.c.member_id, CONSENT.c.channel)
                .where(CONSENT.c.member_id.in_(ids), CONSENT.c.granted.is_(False))
                .distinct()
            )
        }
    new_rows = [row for row in chunk if row.phone not in existing]
    events: list[dict[str, Any]] = []
    flags: list[dict[str, Any]] = []
    if new_rows:
        inserted = _insert_members(
            session,
            [
                {
                    "full_name": row.full_name,
                    "name_search": fold(row.full_name),
                    "phone": row.phone,
                    "email": row.email,
                    "locale": row.locale,
                    "timezone": timezone,
                    "preferred_channel": Channel.sms.value,
                    "home_store_id": row.home_store_id,
                    "sms_opt_in": any(s.granted for s in row.consent if s.channel == Channel.sms),
                    "email_opt_in": any(s.granted for s in row.consent if s.channel == Channel.email),
                    "phone_valid": True,
                    "paused": False,
                    "created_at": now,
                }
                for row in new_rows
            ],
        )
        ids_by_phone = {phone: member_id for member_id, phone in inserted}
        for row in new_rows:
            if row.phone in ids_by_phone:  # else registered at the counter meanwhile: left as it is
                events.extend(_event(ids_by_phone[row.phone], row, s, actor, now) for s in row.consent)
        report.created += len(ids_by_phone)
        report.existing += len(new_rows) - len(ids_by_phone)
    for row in chunk:
        current = existing.get(row.phone)
        if current is None:
            continue
        report.existing += 1
        state = {Channel.sms: bool(current.sms_opt_in), Channel.email: bool(current.email_opt_in)}
        for s in row.consent:
            if s.granted == state[s.channel]:
                continue  # already so: importing again changes nothing
            if s.granted and (current.id, s.channel.value) in revoked:
                report.consent_kept += 1
                continue
            if s.granted and s.channel == Channel.email and current.email != row.email:
                continue  # consent for an address the member does not have here
            events.append(_event(current.id, row, s, actor, now))
            state[s.channel] = s.granted
        if state != {Channel.sms: bool(current.sms_opt_in), Channel.email: bool(current.email_opt_in)}:
            flags.append({"b_id": current.id, "b_sms": state[Channel.sms], "b_email": state[Channel.email]})
    if events:
        _insert_consent(session, events)
        report.consent_recorded += len(events)
    if flags:
        session.execute(
            sa.update(MEMBERS)
            .where(members.id == sa.bindparam("b_id"))
            .values(sms_opt_in=sa.bindparam("b_sms"), email_opt_in=sa.bindparam("b_email")),
            flags,
        )


def import_members(
    session: Session,
    lines: Iterable[str],
    *,
    actor: str,
    region: str,
    default_locale: str,
    timezone: str,
    progress: Callable[[int], None] | None = None,
    chunk_size: int | None = None,
    dry_run: bool = False,
    chunk_done: Callable[[], None] | None = None,
) -> ImportReport:
    """Import the CSV text's rows (flushes). Each chunk is written inside a SAVEPOINT (rolled back for a
    dry run: the report says what the import would do), then ``chunk_done`` runs: the boundary's commit,
    which ends the chunk's transaction and its locks (None: the caller commits everything at the end)."""
    size = chunk_size or (CHUNK if is_postgres(session) else SQLITE_CHUNK)
    report = ImportReport()
    rows = read_rows(
        lines,
        report,
        region=region,
        default_locale=default_locale,
        stores=store_codes(session),
        zone=ZoneInfo(timezone),
    )
    for chunk in _chunks(rows, size):
        with session.begin_nested() as savepoint:  # rolled back on an error, or for a dry run
            _write_chunk(session, chunk, report, actor=actor, timezone=timezone)
            if dry_run:
                savepoint.rollback()
        if chunk_done is not None:
            chunk_done()
        if progress is not None:
            progress(report.rows)
    session.expire_all()  # members loaded before see the statements' changes
    return report
