"""`make bench`: each hot path beside the machine's own limit for it, measured in the same run.

    python -m benchmarks                      # 1M members (BENCH_SCALE=full, the default)
    BENCH_SCALE=small python -m benchmarks    # the quick form: 50k members, ~2 minutes on 2 cores

Environment:
    BENCH_DATABASE_URL  the scratch PostgreSQL database, DROPPED and created again (its name must contain
                        "bench"); default postgresql+psycopg://postgres@127.0.0.1:5432/loyalty_bench
    BENCH_SCALE         small | full (default full)
    BENCH_MEMBERS       overrides the scale's number of members
    BENCH_ONLY          a comma list of: campaign, send, jobs, rate, api, upcoming, cards, forecast, import
                        (default: all)
    BENCH_SEND_BATCHES  batch sizes the send-jobs figure measures beside per-message jobs (a comma list;
                        default: LOYALTY_SEND_BATCH's default)
    BENCH_FORECAST_MEMBERS  members of the forecast's own database (BENCH_DATABASE_URL + "_forecast"):
                        default 100,000 (full) or 5,000 (small); a year of them is played
    BENCH_IMPORT_ROWS   rows of the CSV the member import reads, into a database of its own
                        (BENCH_DATABASE_URL + "_import"): default 200,000 (full) or 20,000 (small)
    BENCH_PROFILE       a comma list of the same names, or "all": record each under py-spy
                        (var/profiles/NAME.speedscope.json; the figures of a profiled path are perturbed)
    BENCH_REUSE         1: keep the database a previous run left when it has the scale's members (quick
                        iterations on one path; tables then hold earlier runs' rows too)

Prints a table and writes var/bench.json (a list of {name, value, unit, limit_name, limit_value, ratio,
goal, max, detail}) and var/bench-run.json (date, machine, scale). The ratio is the path's speed over its
limit's: 1.0 is the limit, higher is better. Needs PostgreSQL, and wrk for the purchase API
(Debian: apt-get install wrk).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console

from benchmarks import database, fakes, product
from benchmarks.child import RESULT
from benchmarks.report import Figure, ceiling, latency, not_measured, print_table, speed, write_json

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
PROFILES = VAR / "profiles"
RATE = 200.0  # msg/s configured for the send-rate figure: well under what one worker reaches
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/loyalty_bench"
SECRET = "benchmark-secret-0123456789abcdef"
UPCOMING_NOW = "2026-06-10T10:00:00+00:00"  # mid-month: the hand-written limit query covers one month
SECTIONS = ("campaign", "send", "jobs", "rate", "api", "upcoming", "cards", "forecast", "import")
FORECAST_DAYS = 365
OWN_DATABASE = {"cards", "rate", "forecast", "import"}  # sections that need no seeded main database
CLIENTS = 32
P99_GOAL = 0.66  # issue 24: the purchase's p99 within 1.5 times the minimal endpoint's (1 / 1.5)
# issue 24's goals (ratios of a path over its limit in the same run): the campaign at 0.75 of COPY, each
# send path at 0.75 of its raw client loop, the upcoming occasions at 0.6 of one indexed query, a card at 0.9
# of raw WeasyPrint, the purchase API at 0.5 of the minimal endpoint
CAMPAIGN_GOAL, SEND_GOAL, UPCOMING_GOAL, CARD_GOAL, API_GOAL = 0.75, 0.75, 0.6, 0.9, 0.5
# the issue sets the campaign's and the upcoming occasions' (all rows) "at 1M": the small run shows them
# beside their limits without a goal
AT_1M = " (its goal is at 1M members: none at this scale)"


@dataclass(frozen=True)
class Scale:
    name: str
    members: int
    sends: int  # messages per channel, each side
    warmup: int  # messages sent before timing, each side
    wrk_seconds: int  # per round
    wrk_rounds: int
    wrk_warmup: int
    repeat: int  # timed repetitions of a query
    card_repeat: int
    forecast_members: int
    import_rows: int


SCALES = {
    "small": Scale("small", 50_000, 300, 20, 4, 2, 2, 5, 10, 5_000, 20_000),
    "full": Scale("full", 1_000_000, 2_000, 50, 8, 3, 3, 7, 20, 100_000, 200_000),
}


class Bench:
    def __init__(self, url: str, scale: Scale, profile: set[str], console: Console) -> None:
        self.url = url
        self.scale = scale
        self.profile = profile
        self.console = console
        self.env = {
            **os.environ,
            "LOYALTY_DATABASE_URL": url,
            "LOYALTY_ENV": "test",
            "LOYALTY_SECRET_KEY": SECRET,
            "LOYALTY_OUTBOX_DIR": str(VAR / "bench-outbox"),
            "PYTHONPATH": str(ROOT),
        }

    # ---- plumbing ----

    def child(self, task: str, args: dict[str, Any], profile_as: str) -> dict[str, Any]:
        """Run one task of benchmarks.child in a fresh process (under py-spy when asked); its result."""
        command = [sys.executable, "-m", "benchmarks.child", task, json.dumps(args)]
        if profile_as in self.profile:
            command = [
                *_py_spy("record", "-o", str(PROFILES / f"{profile_as}.speedscope.json")),
                "--",
                *command,
            ]
        done = subprocess.run(command, cwd=ROOT, env=self.env, capture_output=True, text=True)
        lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT)]
        if done.returncode != 0 or not lines:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
            raise RuntimeError(f"{task} failed (exit {done.returncode}):\n{tail}")
        result: dict[str, Any] = json.loads(lines[-1][len(RESULT) :])
        return result

    def at_1m(self, goal: float) -> float | None:
        """A goal the issue sets at 1M members: kept at the full scale only."""
        return goal if self.scale.members >= 1_000_000 else None

    def at_1m_note(self) -> str:
        return "" if self.scale.members >= 1_000_000 else AT_1M

    def step(self, what: str) -> None:
        self.console.print(f"[dim]{datetime.now():%H:%M:%S}[/] {what}", highlight=False)

    # ---- the paths ----

    def campaign(self) -> list[Figure]:
        engine = product.engine_for(self.url)
        run_id, due = product.create_holiday_campaign(engine)
        engine.dispose()
        database.checkpoint(self.url)
        self.step("campaign run (child process)")
        r = self.child("campaign", {"url": self.url, "run_id": run_id, "now": due.isoformat()}, "campaign")
        self.step("COPY of the same rows into the same tables")
        limit = database.copy_limit(self.url, ["coupons", "messages", "message_events"])
        members, seconds = r["targeted"], r["seconds"]
        rows, copy_s = limit["rows"], limit["tables"]
        copy_total = limit["seconds"]
        messages_s = r["messages_seconds"]
        profiled = " (profiled: slower)" if "campaign" in self.profile else ""
        figures = [
            speed(
                "campaign run: audience → coupons → messages",
                members / seconds,
                "COPY of the same rows, same indexed tables",
                members / copy_total,
                "members/s",
                self.at_1m(CAMPAIGN_GOAL),
                f"{members:,} members in {seconds:.1f} s{profiled}; COPY of {rows['coupons']:,} coupons + "
                f"{rows['messages']:,} messages + {rows['message_events']:,} events: {copy_total:.1f} s"
                f"{self.at_1m_note()}",
            )
        ]
        if messages_s is not None:
            coupons_s = seconds - messages_s
            figures += [
                speed(
                    "campaign run, part: audience + coupons",
                    members / coupons_s,
                    "COPY of the coupon rows",
                    members / copy_s["coupons"],
                    "members/s",
                    None,
                    f"{coupons_s:.1f} s against {copy_s['coupons']:.1f} s (the message rows are built while "
                    "the coupons' COPY ends: counted here)",
                ),
                speed(
                    "campaign run, part: messages queued",
                    members / messages_s,
                    "COPY of the message + event rows",
                    members / (copy_s["messages"] + copy_s["message_events"]),
                    "members/s",
                    None,
                    f"{messages_s:.1f} s against {copy_s['messages'] + copy_s['message_events']:.1f} s",
                ),
            ]
        figures.append(
            ceiling(
                "peak RSS of the campaign process",
                r["peak_rss_mb"],
                "MB",
                300,
                f"{members:,} members; {r['rss_before_mb']:.0f} MB after the product's imports, "
                "before the run",
            )
        )
        return figures

    def send(self) -> list[Figure]:
        figures = []
        n, warm = self.scale.sends, self.scale.warmup
        with (
            fakes.running("twilio") as twilio_url,
            fakes.running("smtp") as smtp_port,
            fakes.running("netgsm") as netgsm_url,
        ):
            # the NetGSM route has no goal (issue 24 asks for its figure beside its raw client): that client
            # sends 50 numbers a request and writes nothing, ~70 us a message, less than any claim and
            # record of a message costs, so no path that records what it sent can come near 0.75 of it
            for channel, name, limit_name, goal in (
                ("sms", "SMS send path, one process", "raw twilio client loop, same local fake", SEND_GOAL),
                ("email", "e-mail send path, one process", "raw smtplib, one reused connection", SEND_GOAL),
                (
                    "gateway",
                    "SMS to +90 through the NetGSM route, one process",
                    "raw NetGSM REST v2 client, a request per 50 numbers, same local fake",
                    None,
                ),
            ):
                self.step(f"{name} (child process, {n:,} messages each side)")
                args = {
                    "url": self.url,
                    "channel": channel,
                    "n": n,
                    "warmup": warm,
                    "twilio_url": twilio_url,
                    "smtp_port": int(smtp_port),
                    "netgsm_url": netgsm_url,
                    "tag": os.getpid(),
                }
                r = self.child("send", args, f"send-{channel}")
                outcomes = r["outcomes"]
                note = "" if set(outcomes) == {"sent"} else f"; OUTCOMES NOT ALL SENT: {outcomes}"
                profiled = " (profiled: slower)" if f"send-{channel}" in self.profile else ""
                figures.append(
                    speed(
                        name,
                        n / r["product_seconds"],
                        limit_name,
                        n / r["raw_seconds"],
                        "msg/s",
                        goal,
                        f"claim all, send in 4 fenced lanes, record by chunk; batches of 50, {n:,} msgs"
                        f"{profiled}{note}",
                    )
                )
        return figures

    def jobs(self) -> list[Figure]:
        """The dispatcher's two kinds of send job, each through the task body a worker runs, in one
        process: per-message jobs against batch jobs of the default size (and of ``BENCH_SEND_BATCHES``),
        both beside the raw twilio loop; then the default batch over per-message jobs."""
        default = product.default_send_batch() or 50
        sizes = sorted({int(x) for x in os.environ.get("BENCH_SEND_BATCHES", "").split(",") if x.strip()})
        sizes = sizes or [default]
        n = self.scale.sends
        self.step(f"send jobs, per message and in batches of {', '.join(map(str, sizes))} (child process)")
        with fakes.running("twilio") as twilio_url:
            args = {
                "url": self.url,
                "n": n,
                "warmup": self.scale.warmup,
                "sizes": sizes,
                "twilio_url": twilio_url,
                "smtp_port": 0,
                "tag": os.getpid(),
            }
            r = self.child("jobs", args, "jobs")
        n, seconds, raw = r["n"], r["seconds"], r["n"] / r["seconds"]["raw"]
        rates = {side: n / t for side, t in seconds.items()}
        profiled = " (profiled: slower)" if "jobs" in self.profile else ""

        def note(side: str) -> str:
            outcomes = r["outcomes"][side]
            return "" if set(outcomes) == {"sent"} else f"; OUTCOMES NOT ALL SENT: {outcomes}"

        limit = "raw twilio client loop, same local fake"
        figures = [
            speed(
                "SMS send jobs: workers.send_message, one per message",
                rates["message"],
                limit,
                raw,
                "msg/s",
                None,
                f"{n:,} msgs, the task body per id (claim, send, record: 2 commits each){profiled}"
                f"{note('message')}",
            )
        ]
        for size in sizes:
            side = f"batch-{size}"
            figures.append(
                speed(
                    f"SMS send jobs: workers.send_batch of {size}",
                    rates[side],
                    limit,
                    raw,
                    "msg/s",
                    None,
                    f"{n:,} msgs, the task body per {size} ids on {r['threads']} threads; "
                    f"{rates[side] / rates['message']:.2f}x the per-message jobs{profiled}{note(side)}",
                )
            )
        if default in sizes:
            figures.append(
                speed(
                    f"send jobs: batches of {default} (the default) over one per message",
                    rates[f"batch-{default}"],
                    "per-message jobs, same run",
                    rates["message"],
                    "msg/s",
                    1.0,
                    "LOYALTY_SEND_BATCH's default must be the faster kind of job; broker publishing "
                    "(one job per message against one per batch) not included",
                )
            )
        return figures

    def rate(self) -> list[Figure]:
        """Two worker processes send on one channel with LOYALTY_SMS_RATE set: the rate the provider saw
        (first to last answer, both workers' calls together) over the configured one."""
        name = "send rate held across two workers (LOYALTY_SMS_RATE / _EMAIL_RATE)"
        rate, per_worker = RATE, self.scale.sends
        engine = product.engine_for(self.url)
        ids = product.queue_coupon_messages(
            engine, "sms", product.sms_members(engine, 2 * per_worker), tag=f"rate-{os.getpid()}"
        )
        engine.dispose()
        self.step(f"{name}: 2 workers × {per_worker:,} SMS at {rate:g}/s")
        with fakes.running("twilio") as twilio_url, fakes.running("smtp") as smtp_port:
            start_at = time.time() + 4  # after both children's imports
            command = [sys.executable, "-m", "benchmarks.child", "rate"]
            workers = [
                subprocess.Popen(
                    [
                        *command,
                        json.dumps(
                            {
                                "url": self.url,
                                "channel": "sms",
                                "rate": rate,
                                "ids": part,
                                "start_at": start_at,
                                "twilio_url": twilio_url,
                                "smtp_port": int(smtp_port),
                            }
                        ),
                    ],
                    cwd=ROOT,
                    env=self.env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for part in (ids[:per_worker], ids[per_worker:])
            ]
            results = []
            for worker in workers:
                out, err = worker.communicate()
                lines = [line for line in out.splitlines() if line.startswith(RESULT)]
                if worker.returncode != 0 or not lines:
                    raise RuntimeError(f"rate worker failed (exit {worker.returncode}):\n{err[-2000:]}")
                results.append(json.loads(lines[-1][len(RESULT) :]))
        times = sorted(t for r in results for t in r["times"])
        outcomes: dict[str, int] = {}
        for r in results:
            for status, count in r["outcomes"].items():
                outcomes[status] = outcomes.get(status, 0) + count
        measured = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
        note = "" if set(outcomes) == {"sent"} else f"; OUTCOMES NOT ALL SENT: {outcomes}"
        return [
            speed(
                name,
                measured,
                "configured LOYALTY_SMS_RATE",
                rate,
                "msg/s",
                0.9,
                f"{len(times):,} SMS from two worker processes, first to last provider answer; slots shared "
                f"through the database (loyalty/delivery/pacing.py); held when the ratio is 0.9-1.1{note}",
            )
        ]

    def api(self) -> list[Figure]:
        if shutil.which("wrk") is None:
            why = "wrk is missing: install Debian's package (apt-get install wrk), then run make bench again"
            return [
                not_measured(f"purchase API, {CLIENTS} clients", "req/s", why, goal=API_GOAL),
                not_measured("purchase API p99", "ms", why, goal=P99_GOAL),
            ]
        engine = product.engine_for(self.url)
        token = product.staff_token(
            engine, product.Settings(env="test", secret_key=SECRET, database_url=self.url)
        )
        engine.dispose()
        apps = ("product_app", "minimal_app")
        rounds: dict[str, list[dict[str, Any]]] = {app: [] for app in apps}
        database.checkpoint(self.url)
        cpu = {app: 0.0 for app in apps}  # the server process's CPU seconds during the timed rounds
        with self.uvicorn(apps[0]) as (port, pid), self.uvicorn(apps[1]) as (minimal_port, minimal_pid):
            ports = {apps[0]: port, apps[1]: minimal_port}
            pids = {apps[0]: pid, apps[1]: minimal_pid}
            for app in apps:
                _smoke(ports[app], token)
                self.wrk(ports[app], token, f"{app}-warm", self.scale.wrk_warmup)
            for round_no in range(self.scale.wrk_rounds):  # alternated: both see the same machine
                for app in apps:
                    self.step(
                        f"purchase API: {app} under wrk, {CLIENTS} connections, {self.scale.wrk_seconds} s"
                    )
                    profiler = None
                    if app == "product_app" and round_no == 0 and "api" in self.profile:
                        profiler = subprocess.Popen(
                            [
                                *_py_spy("record", "-o", str(PROFILES / "api.speedscope.json"), idle=False),
                                "--pid",
                                str(pid),
                                "--duration",
                                str(self.scale.wrk_seconds),
                            ],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                        )
                    before = _cpu_seconds(pids[app])
                    rounds[app].append(
                        self.wrk(ports[app], token, f"{app}-{round_no}", self.scale.wrk_seconds)
                    )
                    cpu[app] += _cpu_seconds(pids[app]) - before
                    if profiler is not None:
                        profiler.wait(timeout=60)
        results = {app: _combine(rounds[app]) for app in apps}
        ours, minimal = results["product_app"], results["minimal_app"]
        for app, r in results.items():
            if r["status_errors"] + r["socket_errors"] > r["requests"] // 100:
                raise RuntimeError(
                    f"{app}: {r['status_errors']} non-2xx answers, {r['socket_errors']} socket "
                    f"errors in {r['requests']} requests"
                )

        def rps(r: dict[str, Any]) -> float:
            return float(r["requests"]) / (r["duration_us"] / 1e6)

        def errors(r: dict[str, Any]) -> str:
            bad = r["status_errors"] + r["socket_errors"]
            return f"; {r['status_errors']} non-2xx, {r['socket_errors']} socket errors" if bad else ""

        same = (
            f"one uvicorn process each, same settings, wrk -t1 -c{CLIENTS}, {self.scale.wrk_rounds} "
            f"alternated rounds of {self.scale.wrk_seconds} s; {ours['requests']:,} and "
            f"{minimal['requests']:,} requests"
        )
        profiled = " (profiled: slower)" if "api" in self.profile else ""
        return [
            speed(
                f"purchase API, {CLIENTS} clients",
                rps(ours),
                "minimal FastAPI endpoint, one INSERT",
                rps(minimal),
                "req/s",
                API_GOAL,
                f"{same}{profiled}{errors(ours)}{errors(minimal)}",
            ),
            latency(
                "purchase API p99",
                ours["p99_us"] / 1000,
                "minimal endpoint p99",
                minimal["p99_us"] / 1000,
                "ms",
                P99_GOAL,
                f"p50 {ours['p50_us'] / 1000:.0f} ms against {minimal['p50_us'] / 1000:.0f} ms; "
                "ratio = limit p99 / path p99 (goal: at most 1.5 times the limit's p99)",
            ),
            latency(
                "purchase API, server CPU per request",
                1000 * cpu["product_app"] / max(ours["requests"], 1),
                "minimal endpoint's",
                1000 * cpu["minimal_app"] / max(minimal["requests"], 1),
                "ms",
                None,
                "user + system time of the uvicorn process over the timed rounds (Linux /proc), per answered "
                f"request{profiled}: the Python work of a purchase (load moves it less than req/s)",
            ),
        ]

    @contextmanager
    def uvicorn(self, factory: str) -> Iterator[tuple[int, int]]:
        port = _free_port()
        command = [
            sys.executable, "-m", "uvicorn", "--factory", f"benchmarks.servers:{factory}",
            "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip
        process = subprocess.Popen(command, cwd=ROOT, env=self.env)
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"uvicorn {factory} exited with {process.returncode}")
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"uvicorn {factory} did not start") from None
                    time.sleep(0.2)
            yield port, process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def wrk(self, port: int, token: str, tag: str, seconds: int) -> dict[str, Any]:
        env = {
            **os.environ,
            "BENCH_MEMBERS": str(self.scale.members),
            "BENCH_TOKEN": token,
            "BENCH_TAG": f"{tag}-{os.getpid()}",
            "BENCH_SEED": str(zlib.crc32(tag.encode()) % 1_000_000),
        }
        command = ["wrk", "-t1", f"-c{CLIENTS}", f"-d{seconds}s", "--timeout", "10s",
                   "-s", str(ROOT / "benchmarks" / "purchase.lua"), f"http://127.0.0.1:{port}"]  # fmt: skip
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        line = next(x for x in done.stdout.splitlines() if x.startswith("BENCH-WRK "))
        result: dict[str, Any] = json.loads(line[len("BENCH-WRK ") :])
        return result

    def upcoming(self) -> list[Figure]:
        figures = []
        for label, limit in (("all rows", None), ("API page, first 1000", 1000)):
            self.step(f"upcoming occasions, next 7 days, {label} (child process)")
            args = {
                "url": self.url,
                "now": UPCOMING_NOW,
                "days": 7,
                "limit": limit,
                "repeat": self.scale.repeat,
            }
            r = self.child("upcoming", args, "upcoming" if limit is None else "upcoming-page")
            same = r["rows"] == r["limit_rows"]
            rows = f"{r['rows']:,} rows"
            if not same:
                rows = f"ROW COUNTS DIFFER: {r['rows']:,} against {r['limit_rows']:,}"
            figures.append(
                latency(
                    f"upcoming occasions, 7 days, {label}",
                    r["product_seconds"] * 1000,
                    "one hand-written indexed query",
                    r["limit_seconds"] * 1000,
                    "ms",
                    UPCOMING_GOAL if limit else self.at_1m(UPCOMING_GOAL),
                    f"{self.scale.members:,} members; {rows}; median of {self.scale.repeat}"
                    f"{'' if limit else self.at_1m_note()}",
                )
            )
        return figures

    def cards(self) -> list[Figure]:
        self.step("card PDF and print sheet (child process)")
        r = self.child("cards", {"repeat": self.scale.card_repeat}, "cards")
        per_card = r["sheet_seconds"] * 1000 / r["sheet_cards"]
        return [
            latency(
                "card PDF, one card",
                r["card_seconds"] * 1000,
                "raw WeasyPrint, same HTML and CSS",
                r["raw_seconds"] * 1000,
                "ms",
                CARD_GOAL,
                f"median of {self.scale.card_repeat}; the first card in a process: "
                f"{r['first_card_seconds'] * 1000:.0f} ms after {r['import_seconds'] * 1000:.0f} ms "
                "of imports",
            ),
            ceiling(
                "print sheet, per card",
                per_card,
                "ms/card",
                20,
                f"an A4 sheet of {r['sheet_cards']} cards in {r['sheet_seconds'] * 1000:.0f} ms",
            ),
        ]

    def forecast(self) -> list[Figure]:
        """A year played for ``forecast_members`` members in a database of their own (the main one has the
        scale's members: a year of 1M is not what a marketer asks for)."""
        url = f"{self.url}_forecast"
        members = self.scale.forecast_members
        self.step(f"forecast database: {members:,} members")
        database.fresh_database(url)
        seeded = database.seed(url, members)
        self.step(f"a year's forecast of {members:,} members (child process)")
        args = {"url": url, "now": UPCOMING_NOW, "days": FORECAST_DAYS}
        r = self.child("forecast", args, "forecast")
        fates = ", ".join(f"{n:,} {fate}" for fate, n in sorted(r["fates"].items()))
        return [
            speed(
                f"forecast of a year, {members:,} members",
                FORECAST_DAYS / r["seconds"],
                "one SQL statement per day selecting its reminders",
                FORECAST_DAYS / r["limit_seconds"],
                "days/s",
                None,
                f"{r['seconds']:.1f} s for {r['messages']:,} messages ({fates}); {seeded.occasions:,} "
                f"occasions; the limit's {r['limit_rows']:,} rows in {r['limit_seconds']:.1f} s; "
                f"peak RSS {r['peak_rss_mb']:.0f} MB",
            )
        ]

    def import_members(self) -> list[Figure]:
        """A customer list imported through the CLI's entry into an empty database of its own, then binary
        COPY of the very rows it wrote (members, consent_events) into the same tables, emptied, with all
        their indexes and constraints."""
        url = f"{self.url}_import"
        rows = self.scale.import_rows
        self.step(f"import database; a CSV of {rows:,} rows")
        database.fresh_database(url)
        with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
            path = Path(folder) / "members.csv"
            database.write_import_csv(path, rows)
            database.checkpoint(url)
            self.step("member import (child process)")
            r = self.child("import", {"url": url, "csv": str(path)}, "import")
        self.step("COPY of the same rows into the same tables")
        limit = database.copy_limit(url, ["members", "consent_events"])
        written, summary = limit["rows"], r["summary"]
        profiled = " (profiled: slower)" if "import" in self.profile else ""
        return [
            speed(
                "member import (CSV, the CLI's entry)",
                rows / r["seconds"],
                "COPY of the same rows, same indexed tables",
                rows / limit["seconds"],
                "rows/s",
                None,
                f"{rows:,} rows in {r['seconds']:.1f} s{profiled} ({summary['created']:,} created, "
                f"{summary['errors']:,} bad); COPY of {written['members']:,} members + "
                f"{written['consent_events']:,} consent rows: {limit['seconds']:.1f} s; "
                f"peak RSS {r['peak_rss_mb']:.0f} MB",
            )
        ]


def _py_spy(*args: str, idle: bool = True) -> list[str]:
    binary = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(binary).exists():
        raise SystemExit("BENCH_PROFILE needs py-spy: .venv/bin/pip install py-spy")
    # --idle: waits on PostgreSQL and on the network count too (wall time is what the limits measure);
    # the API server instead is sampled only while a thread holds the GIL (--gil): its CPU time, shared
    # by the event loop and the thread pool, is what bounds its requests per second on two cores
    mode = ["--idle"] if idle else ["--gil"]
    return [binary, *args, "--format", "speedscope", "--rate", "200" if idle else "100", *mode]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (0 where /proc is missing: the figure then reads 0)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _combine(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Rounds of wrk as one: requests and errors summed, latencies the median of the rounds'."""
    out: dict[str, Any] = {
        key: sum(r[key] for r in rounds)
        for key in ("requests", "duration_us", "status_errors", "socket_errors")
    }
    for key in ("p50_us", "p99_us"):
        out[key] = statistics.median(r[key] for r in rounds)
    return out


def _smoke(port: int, token: str) -> None:
    """One purchase by hand before wrk: a server that answers 4xx/5xx would make the figures meaningless."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/members/1/purchases",
        data=json.dumps({"amount": "42.50", "receipt_id": f"smoke-{port}-{os.getpid()}"}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            if answer.status != 201:
                raise RuntimeError(f"the purchase smoke test answered {answer.status}")
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"the purchase smoke test answered {exc.code}: {exc.read()[:300]!r}") from exc


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _machine(url: str) -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration, ValueError):
        mem_kb = 0
    with psycopg.connect(database.conninfo(url)) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return {
        "cpu": model,
        "cpus": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "postgresql": row[0] if row else "",
        "commit": commit.stdout.strip(),
    }


def main() -> None:
    console = Console()
    if not console.is_terminal:  # piped or in CI: wide enough for the table
        console = Console(width=200)
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    scale_name = os.environ.get("BENCH_SCALE", "full")
    if scale_name not in SCALES:
        raise SystemExit(f"BENCH_SCALE must be one of {', '.join(SCALES)}")
    scale = SCALES[scale_name]
    if members := os.environ.get("BENCH_MEMBERS"):
        scale = Scale(**{**scale.__dict__, "members": int(members)})
    if members := os.environ.get("BENCH_FORECAST_MEMBERS"):
        scale = Scale(**{**scale.__dict__, "forecast_members": int(members)})
    if rows := os.environ.get("BENCH_IMPORT_ROWS"):
        scale = Scale(**{**scale.__dict__, "import_rows": int(rows)})
    only = [s.strip() for s in os.environ.get("BENCH_ONLY", ",".join(SECTIONS)).split(",") if s.strip()]
    if unknown := set(only) - set(SECTIONS):
        raise SystemExit(f"BENCH_ONLY: unknown {', '.join(sorted(unknown))} (known: {', '.join(SECTIONS)})")
    profile = {s.strip() for s in os.environ.get("BENCH_PROFILE", "").split(",") if s.strip()}
    if "all" in profile:
        profile = {
            "campaign",
            "send-sms",
            "send-email",
            "jobs",
            "api",
            "upcoming",
            "upcoming-page",
            "cards",
            "forecast",
            "import",
        }
    if "send" in profile:
        profile |= {"send-sms", "send-email"}
    if profile:
        PROFILES.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    load_before = os.getloadavg()
    bench = Bench(url, scale, profile, console)
    console.print(
        f"[bold]make bench[/]: scale {scale.name}, {scale.members:,} members, database "
        f"{database.conninfo(url).rsplit('@', 1)[-1]}; load average {load_before[0]:.1f} on "
        f"{os.cpu_count()} CPUs (compare ratios measured in one run, not figures across runs)",
        highlight=False,
    )
    reuse = os.environ.get("BENCH_REUSE") == "1"
    if set(only) - OWN_DATABASE:
        if reuse and database.member_count(url) == scale.members:
            bench.step(
                "BENCH_REUSE=1: the database as a previous run left it (figures differ from a fresh one)"
            )
        else:
            bench.step("scratch database: drop, create, alembic upgrade head")
            database.fresh_database(url)
            bench.step(f"seeding {scale.members:,} members with COPY")
            seeded = database.seed(url, scale.members)
            bench.step(
                f"seeded {seeded.members:,} members, {seeded.occasions:,} occasions, "
                f"{seeded.purchases:,} purchases in {seeded.seconds:.1f} s"
            )
    figures: list[Figure] = []
    paths: dict[str, Callable[[], list[Figure]]] = {
        "campaign": bench.campaign,
        "send": bench.send,
        "jobs": bench.jobs,
        "rate": bench.rate,
        "api": bench.api,
        "upcoming": bench.upcoming,
        "cards": bench.cards,
        "forecast": bench.forecast,
        "import": bench.import_members,
    }
    for section in SECTIONS:
        if section not in only:
            continue
        try:
            figures += paths[section]()
        except Exception as exc:  # one broken path must not hide the others' figures
            console.print(f"[red]{section} failed:[/] {exc}", highlight=False)
            figures.append(not_measured(section, "", f"failed: {str(exc).splitlines()[0]}"))
    elapsed = time.perf_counter() - started
    run = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": scale.name,
        "members": scale.members,
        "seconds": round(elapsed, 1),
        "load_average": {"start": round(load_before[0], 2), "end": round(os.getloadavg()[0], 2)},
        "machine": _machine(url) if set(only) - OWN_DATABASE else {},
    }
    print_table(console, figures, f"make bench — {run['date']}, scale {scale.name}, {elapsed:.0f} s")
    write_json(VAR / "bench.json", figures)
    (VAR / "bench-run.json").write_text(json.dumps(run, indent=2) + "\n")
    console.print(f"wrote {VAR / 'bench.json'}", highlight=False)
    if profile:
        console.print(
            f"profiles in {PROFILES} (open at https://www.speedscope.app or summarise with "
            "python -m benchmarks.profile_summary FILE)",
            highlight=False,
        )


if __name__ == "__main__":
    main()
