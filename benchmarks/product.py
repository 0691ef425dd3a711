"""Every import of product code the benchmarks make (loyalty, api, workers), as thin functions.

The rest of benchmarks/ imports the product only through this module, so a move of a product module is
fixed here, in one place. Each function is one step a benchmark times or prepares: the timed ones commit
where the product's own boundary (a worker task) does, the set-up ones commit as the CLI would. Private
names used here (``cards.pdf._env``, ``_resources``, ``_title``; ``queue_campaign_messages`` replaced on
``loyalty.campaigns.running`` to time the run's two parts) are the first to check after a move: when the patch
finds nothing to time, the harness just omits the campaign's part figures.
"""

from __future__ import annotations

import base64
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.main import create_app
from loyalty.accounts.audit import record, set_actor
from loyalty.accounts.users import create_user
from loyalty.campaigns import running as _running
from loyalty.campaigns.lifecycle import create_campaign
from loyalty.campaigns.running import run_campaign as _run_campaign
from loyalty.campaigns.schemas import CampaignCreate
from loyalty.cards.numbers import new_card_number
from loyalty.cards.pdf import (
    CARDS_DIR,
    _env,
    _resources,
    _title,
    make_view,
    render_card_pdf,
    render_sheet_pdf,
)
from loyalty.core.collector import bulk_collection, freeze_start_up
from loyalty.core.db import make_engine, unit_of_work
from loyalty.core.migrate import upgrade as migrate
from loyalty.core.settings import Settings, get_settings
from loyalty.core.text import search_key as fold
from loyalty.core.tokens import access_token
from loyalty.members.importing import file_encoding, import_members
from loyalty.messaging.queue import MessageRow, queue
from loyalty.models.campaigns import CampaignRun
from loyalty.models.members import Member
from loyalty.models.messages import Category
from loyalty.models.users import Role, User
from loyalty.occasions.windows import upcoming_occasions
from workers.channels import make_channel
from workers.channels.netgsm_sms import NetgsmClient
from workers.channels.smtp_email import SmtpEmailChannel
from workers.channels.twilio_sms import TwilioSmsChannel
from workers.delivery import deliver, deliver_batch

__all__ = ["CARDS_DIR", "Settings", "engine_for", "fold", "migrate"]


def engine_for(url: str) -> Engine:
    """The product's own engine factory (its pool settings)."""
    return make_engine(url)


# ---- campaign ----------------------------------------------------------------------------------------


def create_holiday_campaign(engine: Engine) -> tuple[int, datetime]:
    """A yearly "2 days before Kurban Bayramı at 10:00, 15%, preferred channel" campaign, committed.

    Returns its first run's id and an instant when that run is due."""
    data = CampaignCreate.model_validate(
        {
            "name": "Kurban Bayramı",
            "trigger": {
                "type": "holiday",
                "holiday_key": "kurban_bayrami",
                "days_before": 2,
                "send_time": "10:00",
            },
            "offer": {"kind": "percent", "value": "15", "valid_days": 7},
            "channel": "preferred",
        }
    )
    with Session(engine) as session:
        campaign = create_campaign(session, data, settings=Settings(), actor="benchmark")
        session.commit()
        run = session.exec(
            select(CampaignRun).where(CampaignRun.campaign_id == campaign.id).order_by(col(CampaignRun.id))
        ).first()
        assert run is not None and run.id is not None
        return run.id, run.issue_at + timedelta(minutes=1)


def _campaign_settings() -> Settings:
    """The shop's settings for the benchmark's run: the seeded purchases are spread over years, so the
    default lapse window (180 days before the run) would leave most members out of the audience; the
    benchmark measures the whole seeded audience (as a campaign asking for lapsed members would)."""
    return Settings(lapsed_days=3650)


@dataclass
class CampaignTimes:
    targeted: int
    coupons: int
    messages: int
    seconds: float  # the whole run, commit included
    messages_seconds: float | None  # of which queueing the messages (None: could not be told apart)


@contextmanager
def _timed_queue(spent: list[float]) -> Iterator[None]:
    """Time ``queue_campaign_messages`` inside ``run_campaign`` (looked up on its module at call time; called
    once per batch of the audience, the times add up)."""
    real = getattr(_running, "queue_campaign_messages", None)
    if real is None:
        yield
        return

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - started)

    _running.queue_campaign_messages = timed
    try:
        yield
    finally:
        _running.queue_campaign_messages = real


def run_campaign(engine: Engine, run_id: int, now: datetime) -> CampaignTimes:
    """The worker's unit of work for one run: audience -> coupons -> messages queued, then commit."""
    spent: list[float] = []
    with _timed_queue(spent), unit_of_work(engine) as session, bulk_collection():  # as workers.tasks does
        started = time.perf_counter()
        result = _run_campaign(session, run_id, now, _campaign_settings())
        session.commit()
        seconds = time.perf_counter() - started
    if result.status != "done":
        raise RuntimeError(f"campaign run {run_id} did not run: {result.status}")
    return CampaignTimes(
        result.targeted, result.coupons_issued, result.messages_queued, seconds, sum(spent) if spent else None
    )


# ---- sending -----------------------------------------------------------------------------------------


NETGSM = {"netgsm_usercode": "8500000000", "netgsm_password": "secret", "netgsm_header": "KOSEKAHVE"}


def send_settings(
    url: str, *, twilio_url: str, smtp_port: int, rate: float = 0.0, netgsm_url: str = ""
) -> Settings:
    """Twilio and SMTP pointed at local servers; no quiet hours (the benchmark runs at any hour);
    ``rate``: LOYALTY_SMS_RATE and LOYALTY_EMAIL_RATE; ``netgsm_url``: +90 routed to the NetGSM fake."""
    gateway: dict[str, Any] = (
        {"sms_routes": "+90=netgsm,*=twilio", "netgsm_url": netgsm_url, "iys_brand_code": "654321", **NETGSM}
        if netgsm_url
        else {}
    )
    return Settings(
        **gateway,
        env="test",
        secret_key="benchmark-secret-0123456789abcdef",
        database_url=url,
        sms_backend="twilio",
        email_backend="smtp",
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="token",
        twilio_from_number="+15005550006",
        twilio_base_url=twilio_url,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        quiet_hours_start=0,
        quiet_hours_end=0,
        sms_rate=rate,
        email_rate=rate,
    )


def netgsm_client(url: str) -> NetgsmClient:
    """The raw NetGSM client (the limit the gateway route is measured against)."""
    return NetgsmClient(url, NETGSM["netgsm_usercode"], NETGSM["netgsm_password"])


def channel_adapter(channel: str, settings: Settings) -> Any:
    """The product's own adapter: the real twilio client, SMS routed by destination (``gateway``: +90 to
    NetGSM), or smtplib with one reused connection."""
    if channel == "gateway":
        return make_channel("sms", settings)
    return TwilioSmsChannel(settings) if channel == "sms" else SmtpEmailChannel(settings)


class Adapters:
    """The product's adapters, one per sending thread (as ``workers.tasks.channel_for`` keeps them)."""

    def __init__(self, channel: str, settings: Settings, *, record: bool = False) -> None:
        self.channel, self.settings, self.record = channel, settings, record
        self.local = threading.local()
        self.made: list[Any] = []
        self.lock = threading.Lock()
        self.times: list[float] = []  # with ``record``: when each send returned (time.time())

    def __call__(self, _name: str) -> Any:
        adapter = getattr(self.local, "adapter", None)
        if adapter is None:
            adapter = self.local.adapter = channel_adapter(self.channel, self.settings)
            if self.record:
                send = adapter.send

                def timed(out: Any) -> str:
                    result = str(send(out))
                    self.times.append(time.time())
                    return result

                adapter.send = timed
            with self.lock:
                self.made.append(adapter)
        return adapter

    def close(self) -> None:
        for adapter in self.made:
            close_adapter(adapter)


def close_adapter(adapter: Any) -> None:
    close = getattr(adapter, "close", None)
    if close is not None:
        close()


def sms_members(engine: Engine, count: int) -> list[int]:
    """The ids of the last ``count`` members reachable by SMS (the send figures take the first ones)."""
    with Session(engine) as session:
        rows = session.exec(
            select(Member.id)
            .where(col(Member.sms_opt_in), col(Member.phone_valid), ~col(Member.paused))
            .order_by(col(Member.id).desc())
            .limit(count)
        ).all()
    if len(rows) < count:
        raise SystemExit(f"only {len(rows)} members reachable by SMS")
    return sorted(int(r or 0) for r in rows)


def queue_coupon_messages(engine: Engine, channel: str, member_ids: list[int], tag: str) -> list[int]:
    """One queued coupon message per member on ``channel`` (transactional: no frequency cap), committed."""
    with unit_of_work(engine) as session:
        ids = queue(
            session,
            [
                MessageRow(
                    member_id=member_id,
                    requested_channel=channel,
                    dedupe_key=f"bench:{tag}:{member_id}",
                    purpose="holiday_coupon",
                    category=Category.transactional,
                    context={
                        "coupon_code": "ABCD-EFGH-JK",
                        "offer_kind": "percent",
                        "offer_value": "15",
                        "expires_on": "2026-12-31",
                        "holiday_name": "Kurban Bayramı",
                    },
                )
                for member_id in member_ids
            ],
        )
        session.commit()
    return ids


def deliver_one(message_id: int, *, engine: Engine, settings: Settings, adapter: Any) -> str:
    """The send path a worker runs per message: claim (commit) -> provider -> record (commit)."""
    outcome = deliver(message_id, engine=engine, settings=settings, channel_for=lambda _name: adapter)
    return str(outcome.status)


def deliver_many(
    message_ids: list[int], *, engine: Engine, settings: Settings, adapters: Adapters
) -> list[str]:
    """The batched send path: claim all (commit) -> provider calls in ``settings.send_threads`` fenced
    lanes, each recording its outcomes a chunk at a time (``workers.send_lanes``)."""
    outcomes = deliver_batch(message_ids, engine=engine, settings=settings, channel_for=adapters)
    return [str(o.status) for o in outcomes.values()]


# the settings a worker takes from its environment that the send-job figure sets (the provider, any hour)
WORKER_FIELDS = (
    "env",
    "secret_key",
    "database_url",
    "sms_backend",
    "twilio_account_sid",
    "twilio_auth_token",
    "twilio_from_number",
    "twilio_base_url",
    "quiet_hours_start",
    "quiet_hours_end",
)


def default_send_batch() -> int:
    """``LOYALTY_SEND_BATCH``'s default: the ids the dispatcher puts in one send job (0: one per message)."""
    return int(Settings.model_fields["send_batch"].default)


def worker_send_jobs(
    settings: Settings,
) -> tuple[Callable[[int], object], Callable[[list[int]], dict[str, int]]]:
    """The bodies of the worker's two send tasks (``workers.send_message``, ``workers.send_batch``) as a
    worker process runs them (Celery's tracer calls a task's ``run``): the settings read from this
    process's environment (``settings``' WORKER_FIELDS are put there) with the shop's stored values again
    per job, the engine and one adapter per thread kept by ``workers.tasks``. Imported here, not at the
    top: importing the tasks installs the Celery publisher, which the purchase API's server must not have."""
    for name in WORKER_FIELDS:
        os.environ[f"LOYALTY_{name.upper()}"] = str(getattr(settings, name))
    get_settings.cache_clear()
    from workers import tasks

    return tasks.send_message.run, tasks.send_batch.run


def rate_limit_settings() -> list[str]:
    """Which per-channel send-rate settings the product has (LOYALTY_SMS_RATE, LOYALTY_EMAIL_RATE)."""
    fields = getattr(Settings, "model_fields", {})
    return [name for name in ("sms_rate", "email_rate") if name in fields]


# ---- purchase API ------------------------------------------------------------------------------------


def purchase_app() -> Any:
    """The product's FastAPI app from LOYALTY_* settings (no broker publisher: after-commit jobs, only a
    card welcome here, are dropped, which the product documents as safe), its start-up frozen as
    ``api.main.app_factory`` freezes the server's."""
    app = create_app(Settings())
    freeze_start_up()
    return app


def staff_token(engine: Engine, settings: Settings) -> str:
    """A staff user (committed; the one a previous run left under ``BENCH_REUSE``) and a bearer token."""
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == "bench-staff")).first()
        if user is None:
            user = create_user(session, "bench-staff", "bench-password", Role.staff)
            session.commit()
        return access_token(settings, user.id or 0, str(user.role), user.token_version, datetime.now(UTC))


# ---- upcoming occasions --------------------------------------------------------------------------------


def upcoming(engine: Engine, *, days: int, now: datetime, limit: int | None = None) -> int:
    """``upcoming_occasions`` in a read-only session; the number of rows it returned."""
    with Session(engine) as session:
        return len(upcoming_occasions(session, days=days, now=now, limit=limit))


# ---- member import ------------------------------------------------------------------------------------


def import_csv(engine: Engine, path: Path, settings: Settings) -> dict[str, int]:
    """A CSV file imported as ``loyalty members import FILE`` does it, without the progress bar: the
    encoding checked (one read), ``import_members`` with a commit after each chunk, the audit row and its
    commit. The report's counts."""
    with path.open("rb") as raw:
        encoding = file_encoding(iter(lambda: raw.read(1 << 20), b""))
    with unit_of_work(engine) as session, path.open(encoding=encoding, newline="") as handle:
        set_actor(session, "bench")
        report = import_members(
            session,
            handle,
            actor="bench",
            region=settings.country,
            default_locale=settings.locale,
            timezone=settings.timezone,
            chunk_done=session.commit,
        )
        summary: dict[str, int] = report.summary()
        record(session, "import", "members", None, {"file": path.name, **summary})
        session.commit()
    return summary


# ---- cards --------------------------------------------------------------------------------------------


CARD_HOLDERS = ["Ayşe Yılmaz", "Çağrı Işık", "Gülşen Öztürk", "İsmail Çelik", "Şükrü Ünal"]
CARD_NAMES = len(CARD_HOLDERS)


def card_views(count: int) -> list[Any]:
    return [
        make_view(
            shop_name="Köşe Kahvecisi", holder_name=CARD_HOLDERS[i % CARD_NAMES], number=new_card_number()
        )
        for i in range(count)
    ]


def card_pdf(view: Any) -> bytes:
    return render_card_pdf(view)


def sheet_pdf(views: list[Any]) -> bytes:
    return render_sheet_pdf(views)


def card_html(view: Any) -> str:
    """The HTML the product hands WeasyPrint for one card (same template, same values), its QR image as a
    ``data:`` URI of the same SVG: raw WeasyPrint fetches that itself, where the product's fetcher serves
    ``qr:NUMBER``."""
    html = str(_env().get_template("card.html").render(cards=[view], title=_title([view])))
    svg = base64.b64encode(view.qr_svg.encode()).decode()
    return html.replace(f'src="qr:{view.number}"', f'src="data:image/svg+xml;base64,{svg}"')


def card_stylesheets() -> list[str]:
    """The stylesheets the product passes with a single card, as file names under CARDS_DIR (parsed once
    per process by the product; the raw side parses them once too)."""
    _resources("card_page.css")
    return ["card.css", "card_page.css"]
