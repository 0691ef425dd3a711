"""What runs in a child process: each hot path and its limit, side by side, one JSON result on stdout.

    python -m benchmarks.child TASK '{"url": ..., ...}'

A child keeps the harness's own memory out of the figures (peak RSS is the child's), lets py-spy record
exactly one path, and puts the local Twilio and SMTP servers in processes of their own.
"""

from __future__ import annotations

import json
import resource
import smtplib
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa

RESULT = "BENCH-RESULT "
started_at = time.perf_counter()
from benchmarks import product  # noqa: E402  (the import itself is measured)

IMPORT_SECONDS = time.perf_counter() - started_at

from loyalty.core.collector import freeze_start_up  # noqa: E402


def _rss_mb(field: str = "VmRSS") -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _seconds(work: Callable[[], Any]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


# ---- campaign: audience -> coupons -> messages, one unit of work -----------------------------------------


def campaign(args: dict[str, Any]) -> dict[str, Any]:
    engine = product.engine_for(args["url"])
    before = _rss_mb()
    times = product.run_campaign(engine, args["run_id"], datetime.fromisoformat(args["now"]))
    engine.dispose()
    return {
        "targeted": times.targeted,
        "coupons": times.coupons,
        "messages": times.messages,
        "seconds": times.seconds,
        "messages_seconds": times.messages_seconds,
        "rss_before_mb": before,
        "peak_rss_mb": _peak_rss_mb(),
        "import_seconds": IMPORT_SECONDS,
    }


# ---- sending: the product's claim -> send -> record against the raw client loop ---------------------------

SMS_TEXT = (
    "Köşe Kahvecisi: Kurban Bayramınız kutlu olsun! %15 indirim kuponunuz ABCD-EFGH-JK, 31.12.2026'ya "
    "kadar geçerli. Ret için RET yazıp gönderin."
)


class RawTwilio:
    """The limit: the twilio client alone, its own http client pointed at the local server, kept alive."""

    def __init__(self, base_url: str) -> None:
        from twilio.rest import Client

        from tests.workers.twilio_fake import StockTransport

        self.client = Client("AC" + "0" * 32, "token", http_client=StockTransport(base_url), environment={})
        self.sent = 0

    def send(self, numbers: list[str]) -> None:
        for number in numbers:
            self.sent += 1
            self.client.messages.create(
                to=number,
                from_="+15005550006",
                body=SMS_TEXT,
                status_callback=f"http://127.0.0.1:8000/api/v1/webhooks/twilio/status?m={self.sent}",
                validity_period=14400,
            )

    def close(self) -> None:
        pass


class RawNetgsm:
    """The limit: NetGSM's REST v2 called directly (one keep-alive session), one request per chunk of
    numbers, as the product groups them."""

    def __init__(self, base_url: str) -> None:
        from workers.channels.netgsm_sms import NetgsmClient

        self.client = NetgsmClient(
            base_url, product.NETGSM["netgsm_usercode"], product.NETGSM["netgsm_password"]
        )

    def send(self, numbers: list[str]) -> None:
        if numbers:
            self.client.send("KOSEKAHVE", [(n, SMS_TEXT) for n in numbers], iysfilter="11", encoding="TR")

    def close(self) -> None:
        self.client.http.close()


class RawSmtp:
    """The limit: smtplib on one reused connection, a text + HTML message built per recipient."""

    def __init__(self, port: int) -> None:
        self.smtp = smtplib.SMTP("127.0.0.1", port)
        self.html = f"<!doctype html><html><body><p>{SMS_TEXT}</p></body></html>"

    def send(self, addresses: list[str]) -> None:
        for address in addresses:
            email = EmailMessage()
            email["From"] = "Loyalty <no-reply@example.com>"
            email["To"] = address
            email["Subject"] = "Kurban Bayramınız kutlu olsun: %15 indirim"
            email.set_content(SMS_TEXT)
            email.add_alternative(self.html, subtype="html")
            self.smtp.send_message(email)

    def close(self) -> None:
        self.smtp.quit()


SEND_WARMUP_BATCHES = 12


def send(args: dict[str, Any]) -> dict[str, Any]:
    """Interleaved in chunks (raw, product, raw, product...), so both sides see the same machine."""
    channel, n, chunk = args["channel"], args["n"], args.get("chunk", 50)
    # both sides warmed as a worker that has sent a few batches: the product's statements are prepared
    # by psycopg at their sixth execution on each pooled connection, about ten batches (measured: its
    # first ten batches of 50 take 1.3x the later ones, which hold steady over the next thousands)
    warm = max(args["warmup"], SEND_WARMUP_BATCHES * chunk)
    url = args["url"]
    settings = product.send_settings(
        url, twilio_url=args["twilio_url"], smtp_port=args["smtp_port"], netgsm_url=args.get("netgsm_url", "")
    )
    engine = product.engine_for(url)
    reachable = (
        "email_opt_in AND NOT paused" if channel == "email" else "sms_opt_in AND phone_valid AND NOT paused"
    )
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(f"SELECT id, phone, email FROM members WHERE {reachable} ORDER BY id LIMIT :n"),
            {"n": n + warm},
        ).all()
    if len(rows) < n + warm:
        raise SystemExit(f"only {len(rows)} members reachable by {channel}")
    addresses = [r.email if channel == "email" else r.phone for r in rows]
    raw: RawTwilio | RawSmtp | RawNetgsm
    if channel == "gateway":
        raw = RawNetgsm(args["netgsm_url"])
    else:
        raw = RawTwilio(args["twilio_url"]) if channel == "sms" else RawSmtp(args["smtp_port"])

    # the product: queue (not timed), then deliver each through the worker's send path
    queue_on = "email" if channel == "email" else "sms"
    ids = product.queue_coupon_messages(
        engine, queue_on, [r.id for r in rows], tag=f"{channel}-{args['tag']}"
    )
    adapters = product.Adapters(channel, settings)
    outcomes: dict[str, int] = {}

    def deliver(part: list[int]) -> None:
        for status in product.deliver_many(part, engine=engine, settings=settings, adapters=adapters):
            outcomes[status] = outcomes.get(status, 0) + 1

    for start in range(0, warm, chunk):
        raw.send(addresses[start : start + chunk])
        deliver(ids[start : start + chunk])
    outcomes.clear()
    raw_seconds = product_seconds = 0.0
    for start in range(warm, n + warm, chunk):
        started = time.perf_counter()
        raw.send(addresses[start : start + chunk])
        raw_seconds += time.perf_counter() - started
        started = time.perf_counter()
        deliver(ids[start : start + chunk])
        product_seconds += time.perf_counter() - started
    raw.close()
    adapters.close()
    engine.dispose()
    return {
        "n": n,
        "raw_seconds": raw_seconds,
        "product_seconds": product_seconds,
        "outcomes": outcomes,
        "queued": len(ids),
    }


# ---- send jobs: per-message against batch jobs, the task bodies a worker runs, beside the raw loop -------


def jobs(args: dict[str, Any]) -> dict[str, Any]:
    """The same number of due SMS sent by ``workers.send_message`` jobs (one per message) and by
    ``workers.send_batch`` jobs of each size in ``sizes``, each side its own queued messages, in one
    process against the same Twilio fake, beside the raw twilio loop. Interleaved by rounds of the
    largest size (raw, per message, each batch size), so every side sees the same machine."""
    url, warm, sizes = args["url"], args["warmup"], args["sizes"]
    chunk = max(sizes)
    n = -(-args["n"] // chunk) * chunk  # whole rounds: every batch side sends full jobs
    settings = product.send_settings(url, twilio_url=args["twilio_url"], smtp_port=args["smtp_port"])
    per_message, per_batch = product.worker_send_jobs(settings)
    engine = product.engine_for(url)
    sides = ["message", *(f"batch-{size}" for size in sizes)]
    each = n + warm
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT id, phone FROM members WHERE sms_opt_in AND phone_valid AND NOT paused "
                "ORDER BY id LIMIT :n"
            ),
            {"n": each * len(sides)},
        ).all()
    if len(rows) < each * len(sides):
        raise SystemExit(f"only {len(rows)} members reachable by SMS")
    ids = {
        side: product.queue_coupon_messages(
            engine, "sms", [r.id for r in rows[k * each : (k + 1) * each]], tag=f"jobs-{side}-{args['tag']}"
        )
        for k, side in enumerate(sides)
    }
    numbers = [r.phone for r in rows[:each]]
    raw = RawTwilio(args["twilio_url"])
    outcomes: dict[str, dict[str, int]] = {side: {} for side in sides}
    seconds: dict[str, float] = dict.fromkeys(["raw", *sides], 0.0)

    def send(side: str, part: list[int]) -> None:
        counts = outcomes[side]
        if side == "message":
            for message_id in part:
                status = str(per_message(message_id))
                counts[status] = counts.get(status, 0) + 1
            return
        size = int(side.removeprefix("batch-"))
        for start in range(0, len(part), size):
            for status, count in per_batch(part[start : start + size]).items():
                counts[status] = counts.get(status, 0) + count

    raw.send(numbers[:warm])
    for side in sides:
        send(side, ids[side][:warm])
        outcomes[side].clear()
    for start in range(warm, each, chunk):
        began = time.perf_counter()
        raw.send(numbers[start : start + chunk])
        seconds["raw"] += time.perf_counter() - began
        for side in sides:
            began = time.perf_counter()
            send(side, ids[side][start : start + chunk])
            seconds[side] += time.perf_counter() - began
    raw.close()
    engine.dispose()
    return {"n": n, "seconds": seconds, "outcomes": outcomes, "threads": settings.send_threads}


# ---- upcoming occasions: the product's service against one hand-written indexed query ----------------------

LIMIT_QUERY = """
SELECT o.id, o.member_id, m.full_name, o.kind, o.for_whom, o.relation_name, o.purpose,
       o.remind_days_before, o.recurrence, m.timezone, make_date(:year, o.month, o.day) AS celebrated
FROM occasions o JOIN members m ON m.id = o.member_id
WHERE o.status = 'active'
  AND o.month = :month AND o.day BETWEEN :lo AND :hi
  AND make_date(:year, o.month, o.day) - CAST(CAST(:now AS timestamptz) AT TIME ZONE m.timezone AS date)
      BETWEEN 0 AND :days - 1
  AND ((o.recurrence = 'yearly' AND (o.year IS NULL OR o.year <= :year))
       OR (o.recurrence = 'once' AND o.year = :year))
ORDER BY celebrated, o.id
"""


def limit_upcoming(conn: sa.Connection, *, now: datetime, days: int, limit: int | None) -> int:
    """Every member's local today is UTC's date -1, 0 or +1: one (month, day) index range covers all of
    them, and the exact per-zone window is checked on the joined row. Written for a window inside one
    month (the harness picks such a ``now``; the product handles year ends and Feb 29 too)."""
    first = now.astimezone(UTC).date() - timedelta(days=1)
    last = now.astimezone(UTC).date() + timedelta(days=days)
    if (first.year, first.month) != (last.year, last.month):
        raise ValueError("the hand-written query covers a window inside one month")
    query = LIMIT_QUERY + (f" LIMIT {int(limit)}" if limit else "")
    params = {
        "year": first.year,
        "month": first.month,
        "lo": first.day,
        "hi": last.day,
        "now": now,
        "days": days,
    }
    return len(conn.execute(sa.text(query), params).all())


def upcoming(args: dict[str, Any]) -> dict[str, Any]:
    engine = product.engine_for(args["url"])
    now = datetime.fromisoformat(args["now"])
    days, limit, repeat = args["days"], args.get("limit"), args["repeat"]

    def ours() -> int:
        return product.upcoming(engine, days=days, now=now, limit=limit)

    def theirs() -> int:
        with engine.connect() as conn:
            return limit_upcoming(conn, now=now, days=days, limit=limit)

    rows, limit_rows = ours(), theirs()  # warm both (plans, caches)
    product_times, limit_times = [], []
    for _ in range(repeat):  # interleaved, so both see the same machine
        product_times.append(_seconds(ours))
        limit_times.append(_seconds(theirs))
    engine.dispose()
    return {
        "rows": rows,
        "limit_rows": limit_rows,
        "product_seconds": statistics.median(product_times),
        "limit_seconds": statistics.median(limit_times),
    }


# ---- cards: the product's PDF against raw WeasyPrint of the same HTML; the print sheet ---------------------


def cards(args: dict[str, Any]) -> dict[str, Any]:
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    repeat = args["repeat"]
    # the timed cards, then one of each holder name for warming both sides: a name's first render costs
    # more (its glyphs, on either side), and the product rendered each card before the raw side did
    views = product.card_views(max(repeat, 10) + product.CARD_NAMES)
    started = time.perf_counter()
    product.card_pdf(views[-1])
    first_seconds = time.perf_counter() - started

    htmls = [product.card_html(view) for view in views]
    fonts = FontConfiguration()
    base = product.CARDS_DIR.as_uri() + "/"
    sheets = [CSS(filename=str(product.CARDS_DIR / n), font_config=fonts) for n in product.card_stylesheets()]

    def raw(html: str) -> bytes:
        pdf: bytes = HTML(string=html, base_url=base).write_pdf(stylesheets=sheets, font_config=fonts)
        return pdf

    for view, html in zip(views[-product.CARD_NAMES :], htmls[-product.CARD_NAMES :], strict=True):
        product.card_pdf(view)
        raw(html)
    product_times, raw_times = [], []
    for view, html in zip(views[:repeat], htmls[:repeat], strict=True):
        started = time.perf_counter()
        product.card_pdf(view)
        product_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        raw(html)
        raw_times.append(time.perf_counter() - started)
    sheet = views[:10]
    product.sheet_pdf(sheet)
    sheet_seconds = statistics.median(
        _seconds(lambda: product.sheet_pdf(sheet)) for _ in range(max(3, repeat // 3))
    )
    return {
        "card_seconds": statistics.median(product_times),
        "raw_seconds": statistics.median(raw_times),
        "first_card_seconds": first_seconds,
        "sheet_seconds": sheet_seconds,
        "sheet_cards": len(sheet),
        "import_seconds": IMPORT_SECONDS,
    }


def rate_worker(args: dict[str, Any]) -> dict[str, Any]:
    """One of two workers sending its own queued messages through the batched send path with the channel's
    rate configured; the instants (wall clock) at which the provider answered each call."""
    settings = product.send_settings(
        args["url"], twilio_url=args["twilio_url"], smtp_port=args["smtp_port"], rate=args["rate"]
    )
    engine = product.engine_for(args["url"])
    adapters = product.Adapters(args["channel"], settings, record=True)
    ids: list[int] = args["ids"]
    time.sleep(max(0.0, args["start_at"] - time.time()))  # both workers start together
    outcomes: dict[str, int] = {}
    for start in range(0, len(ids), 50):
        for status in product.deliver_many(
            ids[start : start + 50], engine=engine, settings=settings, adapters=adapters
        ):
            outcomes[status] = outcomes.get(status, 0) + 1
    adapters.close()
    engine.dispose()
    return {"times": sorted(adapters.times), "outcomes": outcomes}


# ---- forecast: a year played by the real code against one SQL statement per day planning its reminders ----

LIMIT_DAY = """
SELECT o.id, o.member_id, m.timezone, m.locale, o.kind, o.purpose
FROM occasions o JOIN members m ON m.id = o.member_id
WHERE o.status = 'active'
  AND NOT (m.paused AND (m.paused_until IS NULL OR m.paused_until > CAST(:day AS date)))
  AND to_char(CAST(:day AS date) + o.remind_days_before, 'MMDD')
      = lpad(CAST(o.month AS text), 2, '0') || lpad(CAST(o.day AS text), 2, '0')
"""


def forecast(args: dict[str, Any]) -> dict[str, Any]:
    """``play`` over ``days`` from ``now`` (rolled back), then the limit: for each of those days one
    statement selecting the reminders due that day (no zones, no Feb 29 rule, no policy or content)."""
    from sqlmodel import Session

    from loyalty.core.settings import get_settings
    from loyalty.delivery.forecast import play

    engine = product.engine_for(args["url"])
    start, days = datetime.fromisoformat(args["now"]), args["days"]
    began = time.perf_counter()
    with Session(engine) as session:
        found = play(session, get_settings(), start=start, days=days)
        session.rollback()
    seconds = time.perf_counter() - began
    began = time.perf_counter()
    limit_rows = 0
    with engine.connect() as conn:
        for n in range(days):
            day = (start + timedelta(days=n)).date()
            limit_rows += len(conn.execute(sa.text(LIMIT_DAY), {"day": day}).all())
    limit_seconds = time.perf_counter() - began
    engine.dispose()
    fates: dict[str, int] = {}
    for m in found.messages:
        fates[m.fate] = fates.get(m.fate, 0) + 1
    return {
        "seconds": seconds,
        "messages": len(found.messages),
        "fates": fates,
        "limit_seconds": limit_seconds,
        "limit_rows": limit_rows,
        "peak_rss_mb": _peak_rss_mb(),
    }


# ---- member import: a CSV through the CLI's entry (the harness times the COPY limit afterwards) ---------


def import_members(args: dict[str, Any]) -> dict[str, Any]:
    from pathlib import Path

    engine = product.engine_for(args["url"])
    started = time.perf_counter()
    summary = product.import_csv(engine, Path(args["csv"]), product.Settings())
    seconds = time.perf_counter() - started
    engine.dispose()
    return {"seconds": seconds, "summary": summary, "peak_rss_mb": _peak_rss_mb()}


TASKS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "forecast": forecast,
    "rate": rate_worker,
    "campaign": campaign,
    "send": send,
    "jobs": jobs,
    "upcoming": upcoming,
    "cards": cards,
    "import": import_members,
}


# the paths a worker's pool process runs in production: it freezes its start-up objects before its first
# task (workers.app, worker_process_init), and so does the child here, after the same imports
WORKER_TASKS = {"campaign", "send", "jobs", "rate"}


def main() -> None:
    task, raw_args = sys.argv[1], sys.argv[2]
    if task in WORKER_TASKS:
        import workers.tasks  # noqa: F401  # what the pool process has imported by then

        freeze_start_up()
    result = TASKS[task](json.loads(raw_args))
    sys.stdout.write(RESULT + json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
