"""Settings from the environment (prefix ``LOYALTY_``), each documented in the README or docs/."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import text
from sqlalchemy.exc import ArgumentError, DBAPIError

from loyalty.core import clock
from loyalty.core.db import READ_ONLY, get_engine
from loyalty.core.languages import Language

SECRET_FILE = "secret_key"  # a development install's own secret, beside its SQLite database
ROOT = Path(__file__).resolve().parents[2]  # the repository (or install) root: templates/, alembic/, var/
TEMPLATES_DIR = ROOT / "templates"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LOYALTY_", env_file=".env", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    database_url: str = f"sqlite:///{ROOT / 'var' / 'loyalty.sqlite'}"
    broker_url: str = f"sqla+sqlite:///{ROOT / 'var' / 'broker.sqlite'}"
    secret_key: str = ""  # empty in development: generated once and kept in SECRET_KEY_FILE
    secret_key_file: Path | None = None  # default: secret_key in the data folder (see data_dir)
    beat_schedule_file: Path | None = None  # beat's state; default: celerybeat-schedule in the data folder
    token_minutes: int = 12 * 60
    # where members reach the shop: every link in a message starts with it. Development: `loyalty serve`/`run`
    # derive it from the host and port they serve on; production refuses to start without it.
    public_base_url: str = "http://127.0.0.1:8000"

    shop_name: str = "Köşe Kahvecisi"
    timezone: str = "Europe/Istanbul"
    country: str = "TR"
    locale: Language = "tr"
    currency: str = "TRY"

    card_window_days: int = Field(180, ge=1)

    quiet_hours_start: int = Field(21, ge=0, le=23)
    quiet_hours_end: int = Field(9, ge=0, le=23)
    frequency_cap: int = Field(2, ge=0)
    frequency_cap_days: int = Field(7, ge=1)

    outbox_dir: Path = ROOT / "var" / "outbox"
    sms_backend: Literal["outbox", "twilio", "netgsm"] = "outbox"
    email_backend: Literal["outbox", "smtp"] = "outbox"

    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from_number: str = ""
    twilio_messaging_service_sid: str = ""
    twilio_base_url: str = ""  # empty: Twilio's own API; set to point the client at a compatible server
    twilio_validity_period: int = 14400
    sms_price_per_segment: Decimal = Decimal("0.35")

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_security: Literal["none", "starttls", "ssl"] = "none"
    smtp_ca_file: Path | None = None  # an extra CA bundle (PEM) to trust; empty: the system's trust store
    smtp_timeout: float = 10.0
    email_from: str = "no-reply@example.com"  # the address; the display name is always the shop's name
    email_price: Decimal = Decimal("0.01")

    # workers and delivery (docs/operations.md)
    twilio_timeout: float = Field(10.0, gt=0)
    message_lease_seconds: int = Field(300, ge=5)  # a claimed message left in 'sending' longer is recovered
    # a transient failure is retried until the message's own deadline (its send-by, its expiry, its
    # coupon's end) or this long after it was queued, whichever comes first (docs/operations.md)
    send_retry_window: int = Field(6 * 3600, ge=60)
    send_retry_backoff_max: int = Field(900, ge=1)  # seconds; exponential backoff, half of it jittered
    dispatch_chunk: int = Field(500, ge=1)
    dispatch_max_per_tick: int = Field(50_000, ge=1)
    dispatch_redispatch_seconds: int = Field(600, ge=5)  # a queued row handed out this long ago goes again
    celery_queue: str = "loyalty"  # the broker queue tasks go to (one per deployment sharing a broker)

    # ---- issue 12 / issue 10 point 6: the card on the N-th visit (a distinct local day with a purchase)
    card_visits_needed: int = Field(3, ge=1)
    large_amount: Decimal = Field(Decimal("10000"), gt=0)  # the counter asks to confirm a purchase above this
    # ---- issue 10: messages and offers that keep their promises (docs/marketing.md)
    sms_gsm7_only: bool = False  # fold every SMS to GSM-7 (ş -> s, ı -> i ...): cheaper, fewer letters
    sms_opt_out_tr: str = Field("SMS almamak için RET yazıp yanıtlayın.", min_length=1, max_length=80)
    sms_opt_out_en: str = Field("Reply STOP to opt out.", min_length=1, max_length=80)
    lapsed_days: int = Field(180, ge=1, le=3650)  # a default audience leaves out members lapsed this long
    # ---- issue 15: sending at the provider's pace (docs/benchmarks.md)
    # due messages per send_batch job (0: one send_message job each); 50: the fastest sizes measured (25-100,
    # docs/benchmarks.md) and the largest whose job fits the default lease (workers.checks.lease_problem)
    send_batch: int = Field(50, ge=0, le=1000)
    send_threads: int = Field(4, ge=1, le=32)  # provider calls of one batch in parallel, one connection each
    sms_rate: float = Field(0, ge=0)  # messages per second across all workers; 0: unlimited
    email_rate: float = Field(0, ge=0)
    # ---- issue 21: SMS routes by destination, the NetGSM gateway, İYS (docs/operations.md "Turkey")
    # "+90=netgsm,*=twilio": the longest matching prefix wins; empty: every number to sms_backend
    sms_routes: str = ""
    netgsm_url: str = "https://api.netgsm.com.tr"
    netgsm_usercode: str = ""
    netgsm_password: str = ""
    netgsm_header: str = ""  # the sender name registered at NetGSM (msgheader)
    netgsm_partnercode: str = ""
    netgsm_timeout: float = Field(10.0, gt=0)
    # what one SMS part costs through NetGSM; empty: sms_price_per_segment (which Twilio's route costs)
    netgsm_price_per_segment: Decimal | None = Field(default=None, ge=0)
    # where replies cannot reach the shop (Twilio to Turkey): the gateway's free opt-out line, else İYS's
    sms_opt_out_noreply_tr: str = Field(
        "Ret için: iys.org.tr veya üye sayfanız.", min_length=1, max_length=80
    )
    sms_opt_out_noreply_en: str = Field(
        "To opt out: iys.org.tr or your member page.", min_length=1, max_length=80
    )
    shop_mersis: str = ""  # MERSİS number, added to commercial SMS when set
    shop_contact: str = ""  # a contact line (phone or address), added to commercial SMS when set
    iys_brand_code: str = ""  # the shop's brand code at İYS
    iys_code: str = ""  # the shop's İYS code (the account), for İYS's API
    iys_url: str = ""  # İYS's API (or a compatible service); empty: no sync
    iys_username: str = ""
    iys_password: str = ""
    iys_timeout: float = Field(10.0, gt=0)
    iys_sync_minutes: int = Field(5, ge=1, le=15)  # how often consents go up and refusals come back
    iys_max_attempts: int = Field(20, ge=1)
    iys_retry_seconds: int = Field(30, ge=1, le=300)  # the first retry's wait, doubled each time (max 10 min)
    # ---- issue 11: member-page links expire and can be revoked for one member (members.link_version)
    member_link_days: int = Field(180, ge=1, le=3650)
    # ---- issue 19: the one clock (loyalty/core/clock.py); development and test only
    now: datetime | None = None  # LOYALTY_NOW=2027-02-01T21:30:00Z: the application starts at that instant
    now_since: datetime | None = None  # the real instant LOYALTY_NOW held (`loyalty run` sets it)
    # ---- issue 25: a lost database answers 503 quickly (docs/operations.md)
    api_statement_timeout: int = Field(30, ge=1, le=3600)  # seconds one API statement may run (PostgreSQL)
    # ---- issue 23: the card in the phone's wallet (docs/operations.md "Wallet passes")
    apple_pass_type_id: str = ""  # pass.com.example.loyalty: the pass type identifier registered at Apple
    apple_pass_team_id: str = ""  # the Apple developer team identifier
    apple_pass_certificate: Path | None = None  # the pass type certificate (PEM)
    apple_pass_key: Path | None = None  # its private key (PEM)
    apple_pass_key_password: str = ""
    apple_pass_wwdr: Path | None = None  # Apple's WWDR intermediate certificate (PEM)
    apple_pass_logo: Path | None = None  # the shop's logo (PNG, about 160x50); empty: the shop's initial
    apple_pass_color: str = Field("#6b3e26", pattern=r"^#[0-9a-fA-F]{6}$")  # the pass's background
    apns_url: str = "https://api.push.apple.com"  # APNs (HTTP/2); a test points it at a local fake
    apns_key: Path | None = None  # the APNs token key (.p8, ES256); empty: the pass certificate as TLS client
    apns_key_id: str = ""
    apns_team_id: str = ""  # empty: apple_pass_team_id
    apns_timeout: float = Field(10.0, gt=0)
    apns_ca_file: Path | None = None  # an extra CA bundle (PEM) to trust; empty: the system's trust store
    google_wallet_issuer_id: str = ""  # the issuer account's id (Google Pay & Wallet console)
    google_wallet_service_account: Path | None = None  # the service account's JSON key
    google_wallet_api_url: str = "https://walletobjects.googleapis.com/walletobjects/v1"
    google_wallet_token_url: str = "https://oauth2.googleapis.com/token"
    google_wallet_timeout: float = Field(10.0, gt=0)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("smtp_ca_file", mode="before")
    @classmethod
    def _empty_ca_file_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("now", "now_since")
    @classmethod
    def _aware_instant(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give the zone, e.g. 2027-02-01T21:30:00Z or 2027-02-02T00:30:00+03:00")
        return value

    @model_validator(mode="after")
    def _clock_not_in_production(self) -> Settings:
        if self.now is not None and self.env == "production":
            raise ValueError("LOYALTY_NOW is for development and test only: unset it in production")
        return self

    def start_clock(self) -> None:
        """Start this process's clock at LOYALTY_NOW (if set): the boundaries call it once at start-up."""
        if self.now is not None:
            clock.start_at(self.now, self.now_since)

    @model_validator(mode="after")
    def _real_secret(self) -> Settings:
        if not self.secret_key:
            if self.env != "development":
                raise ValueError(
                    f"LOYALTY_SECRET_KEY is not set: {self.env} needs a secret of at least 32 bytes, e.g. "
                    '`python3 -c "import secrets; print(secrets.token_urlsafe(48))"`'
                )
            self.secret_key = own_secret(self.secret_key_file or self.default_secret_file)
        if self.env == "production" and len(self.secret_key.encode()) < 32:
            raise ValueError("LOYALTY_SECRET_KEY must be at least 32 bytes in production (HS256)")
        return self

    @model_validator(mode="after")
    def _public_address(self) -> Settings:
        if self.env == "production" and "public_base_url" not in self.model_fields_set:
            raise ValueError(
                "LOYALTY_PUBLIC_BASE_URL is not set: production needs the address members reach the shop at "
                "(every link in a message starts with it), e.g. https://sadakat.example.com"
            )
        return self

    @field_validator("database_url")
    @classmethod
    def _psycopg_url(cls, value: str) -> str:
        """``postgres://`` (Heroku-style, refused by SQLAlchemy) and a bare ``postgresql://`` (which would
        look for psycopg2) both mean psycopg 3, the driver installed."""
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value.removeprefix(prefix)
        return value

    @property
    def data_dir(self) -> Path:
        """Where this install keeps its own files: the SQLite database's folder, else the install's var/."""
        if self.database_url.startswith("sqlite:///") and self.database_url != "sqlite:///:memory:":
            return Path(self.database_url.removeprefix("sqlite:///")).parent
        return ROOT / "var"

    @property
    def default_secret_file(self) -> Path:
        return self.data_dir / SECRET_FILE

    @property
    def beat_schedule_path(self) -> Path:
        return self.beat_schedule_file or self.data_dir / "celerybeat-schedule"

    @property
    def apple_pass_configured(self) -> bool:
        """The pass can be signed: its identifiers, certificate, key and Apple's intermediate are all set."""
        return bool(
            self.apple_pass_type_id
            and self.apple_pass_team_id
            and self.apple_pass_certificate
            and self.apple_pass_key
            and self.apple_pass_wwdr
        )

    @property
    def google_wallet_configured(self) -> bool:
        return bool(self.google_wallet_issuer_id and self.google_wallet_service_account)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


# ---- issue 14: the shop's settings stored by the first-run setup page (table shop_settings)
SHOP_FIELDS = (
    "shop_name",
    "timezone",
    "country",
    "card_visits_needed",
    "card_window_days",
    "quiet_hours_start",
    "quiet_hours_end",
)


def merge_shop_settings(settings: Settings, stored: dict[str, object]) -> Settings:
    """Precedence: a value set in the environment (or passed in) > the stored value > the default."""
    update = {
        name: value
        for name, value in stored.items()
        if name in SHOP_FIELDS and value is not None and name not in settings.model_fields_set
    }
    if not update:
        return settings
    merged = settings.model_copy(update=update)
    # the stored values stay "not set": merging again (with_stored_shop) may replace them with newer ones
    object.__setattr__(merged, "__pydantic_fields_set__", set(settings.model_fields_set))
    return merged


def with_stored_shop(settings: Settings) -> Settings:
    """``settings`` with the shop's values as stored now (one small SELECT). Workers call it per task or
    batch, so what /admin saves reaches the next message every process sends, without a restart."""
    return merge_shop_settings(settings, stored_shop_settings(settings.database_url))


def stored_shop_settings(database_url: str) -> dict[str, object]:
    """The shop_settings row as a dict ({} when the database, the table or the row does not exist yet, or
    the URL cannot be used: the commands' own checks then say what is wrong, in one line)."""
    if database_url.startswith("sqlite:///") and not Path(database_url.removeprefix("sqlite:///")).is_file():
        return {}  # connecting would create an empty database file
    try:
        # a read that must not queue for SQLite's write lock (an open write elsewhere would hold it)
        with get_engine(database_url).execution_options(**{READ_ONLY: True}).connect() as conn:
            row = conn.execute(
                text(f"SELECT {', '.join(SHOP_FIELDS)} FROM shop_settings WHERE id = 1")
            ).first()
    except (DBAPIError, ArgumentError, ImportError):
        return {}
    return dict(row._mapping) if row is not None else {}


def own_secret(path: Path) -> str:
    """The development install's own secret: read from ``path``, or generated there (mode 0600) once.

    Written to a temporary file and linked into place, so two processes starting together (the API and
    the worker of ``loyalty run``) agree on one secret and never read a half-written file."""
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret-")  # mkstemp: mode 0600
            try:
                with os.fdopen(fd, "w") as file:
                    file.write(secrets.token_urlsafe(48) + "\n")
                with contextlib.suppress(FileExistsError):  # another process was first: use its secret
                    os.link(temporary, path)
            finally:
                os.unlink(temporary)
        secret = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ValueError(
            f"cannot keep a generated secret in {path} ({exc.strerror}): set LOYALTY_SECRET_KEY"
        ) from None
    if len(secret) < 32:
        raise ValueError(
            f"{path} holds no usable secret: delete it (a new one is made) or set LOYALTY_SECRET_KEY"
        )
    return secret


def settings_error_line(exc: ValidationError) -> str:
    """A settings error as one line naming the environment variable: for the command line, not a traceback."""
    parts = []
    for error in exc.errors():
        message = str(error["msg"]).removeprefix("Value error, ")
        names = [str(part) for part in error["loc"]]
        parts.append(f"LOYALTY_{'_'.join(names).upper()}: {message}" if names else message)
    return "invalid settings: " + "; ".join(parts)


@lru_cache
def get_settings() -> Settings:
    settings = Settings()
    return merge_shop_settings(settings, stored_shop_settings(settings.database_url))
