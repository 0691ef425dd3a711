"""``loyalty demo``: a small, repeatable demo data set (a shop, three users, members, consent, purchases).

Running it twice changes nothing: users and members are looked up by name / phone and purchases carry
fixed receipt ids (recording a purchase is idempotent on its receipt id).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlmodel import Session, func, select

if TYPE_CHECKING:
    from loyalty.core.settings import Settings

console = Console()

# Demo passwords, printed by the command and documented in the README. Never use them in production.
DEMO_USERS: tuple[tuple[str, str, str, str], ...] = (
    ("staff", "staff", "demo-staff-1", "Kasa Personeli"),
    ("marketing", "marketing", "demo-marketing-1", "Pazarlama Uzmanı"),
    ("admin", "admin", "demo-admin-1", "Yönetici"),
)
DEMO_STORE = ("KADIKOY", "Köşe Kahvecisi Kadıköy")


@dataclass(frozen=True)
class DemoMember:
    name: str
    phone: str
    timezone: str = "Europe/Istanbul"
    locale: str = "tr"
    email: str | None = None
    sms: bool = True
    email_opt_in: bool = False
    purchases: int = 0  # the card rule's default is 3 purchases in 180 days
    sms_stopped: bool = False  # later sent STOP (shows an opt-out in the ledger)


DEMO_MEMBERS: tuple[DemoMember, ...] = (
    DemoMember("Ayşe Yılmaz", "0532 100 10 01", email="ayse@example.com", email_opt_in=True, purchases=3),
    DemoMember("Mehmet IŞIK", "0533 100 10 02", purchases=3),
    DemoMember("Zeynep Kaya", "0542 100 10 03", email="zeynep@example.com", email_opt_in=True, purchases=2),
    DemoMember("Mustafa Demir", "0505 100 10 04", purchases=1),
    DemoMember("Elif Şahin", "0544 100 10 05", email="elif@example.com", sms=False, email_opt_in=True),
    DemoMember("Ahmet Çelik", "0535 100 10 06", purchases=4),
    DemoMember("Fatma Öztürk", "0536 100 10 07", purchases=2, sms_stopped=True),
    DemoMember("Emre Aydın", "0537 100 10 08", timezone="Europe/Berlin", purchases=1),
    DemoMember("Gülşen İnce", "0538 100 10 09", email="gulsen@example.com", purchases=3),
    DemoMember(
        "Selin Doğan",
        "+44 7911 100101",
        timezone="Europe/London",
        locale="en",
        email="selin@example.co.uk",
        email_opt_in=True,
        purchases=3,
    ),
    DemoMember("Burak Koç", "+44 7911 100102", timezone="Europe/London", locale="en", purchases=1),
    DemoMember("Deniz Arslan", "0539 100 10 12", timezone="Europe/Istanbul", sms=False),
)


def demo(
    if_empty: bool = typer.Option(False, "--if-empty", help="only when the database has no users yet"),
) -> None:
    """Seed a small demo data set: a shop, users staff/marketing/admin, members, consent and purchases."""
    from loyalty.core.db import get_engine, unit_of_work
    from loyalty.core.settings import get_settings
    from loyalty.models.users import User

    settings = get_settings()
    if settings.env == "production":
        console.print(
            "[red]refused: demo users have published passwords (LOYALTY_ENV=production)[/red]"
        )
        raise typer.Exit(code=2)
    with unit_of_work(get_engine(get_settings().database_url)) as session:
        if if_empty and session.exec(select(func.count()).select_from(User)).one() > 0:
            console.print("[dim]database already has users: demo data not added[/dim]")
            return
        issued = _seed(session, settings)
        session.commit()
    _print_summary(issued)


def _seed(session: Session, settings: Settings) -> int:
    """Add whatever of the demo set is missing; returns how many cards were issued now."""
    from loyalty.accounts.users import create_user
    from loyalty.members.consent import record_consent
    from loyalty.members.registration import register_member
    from loyalty.members.schemas import ConsentChoice, MemberCreate
    from loyalty.members.validation import normalize_phone
    from loyalty.models.members import Channel, Member
    from loyalty.models.stores import Store
    from loyalty.models.users import User
    from loyalty.purchases.card_rule import CardRule
    from loyalty.purchases.recording import record_purchase

    rule = CardRule.from_settings(settings)
    store = session.exec(select(Store).where(Store.code == DEMO_STORE[0])).first()
    if store is None:
        store = Store(code=DEMO_STORE[0], name=DEMO_STORE[1], timezone=settings.timezone)
        session.add(store)
        session.flush()
    users: dict[str, User] = {}
    for username, role, password, full_name in DEMO_USERS:
        user = session.exec(select(User).where(User.username == username)).first()
        users[username] = user or create_user(session, username, password, role, full_name)
    staff = users["staff"]
    actor = f"user:{staff.username}"

    issued = 0
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("demo members", total=len(DEMO_MEMBERS))
        for i, spec in enumerate(DEMO_MEMBERS):
            phone = normalize_phone(spec.phone)
            member = session.exec(select(Member).where(Member.phone == phone)).first()
            if member is None:
                data = MemberCreate(
                    full_name=spec.name,
                    phone=phone,
                    email=spec.email,
                    timezone=spec.timezone,
                    locale=spec.locale,
                    consent=ConsentChoice(sms=spec.sms, email=spec.email_opt_in),
                    consent_source="counter",
                )
                member = register_member(
                    session,
                    data,
                    actor=actor,
                    default_timezone=settings.timezone,
                    default_locale=settings.locale,
                    created_by_user_id=staff.id,
                )
                member.home_store_id = store.id
                if spec.sms_stopped:
                    record_consent(session, member, Channel.sms, False, source="sms keyword", actor="twilio")
            assert member.id is not None
            for n in range(spec.purchases):
                days_ago = 20 * (spec.purchases - n) + i
                outcome = record_purchase(
                    session,
                    member.id,
                    Decimal(85 + 15 * ((i + n) % 7)) + Decimal("0.50"),
                    f"DEMO-{phone.lstrip('+')}-{n + 1}",
                    occurred_at=member.created_at - timedelta(days=days_ago),
                    store_id=store.id,
                    actor_user_id=staff.id,
                    rule=rule,
                )
                issued += int(outcome.card_issued)
            progress.advance(task)
    session.flush()
    return issued


def _print_summary(issued: int) -> None:
    table = Table(title="Demo users (development only)")
    table.add_column("username")
    table.add_column("role")
    table.add_column("password")
    for username, role, password, _ in DEMO_USERS:
        table.add_row(username, role, password)
    console.print(table)
    console.print(
        f"[green]demo data ready: {len(DEMO_MEMBERS)} members, {issued} new card(s) issued.[/green] "
        "Sign in at /docs (Authorize) or on the home page."
    )
