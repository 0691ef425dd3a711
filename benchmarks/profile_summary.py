"""Where the time goes in a py-spy speedscope profile (BENCH_PROFILE=... make bench writes them).

    python -m benchmarks.profile_summary var/profiles/campaign.speedscope.json [--within deliver] [--top 25]

Prints the functions with the largest inclusive share (time inside the function and what it calls) and
the largest self share (time in the function's own code), over all threads' samples. ``--within NAME``
keeps only the samples whose stack holds a function named NAME (e.g. the product side of a child that
also runs its limit), and shares are then of those samples; ``--busy`` drops the samples of threads
waiting for work (a server's idle threadpool). ``--parts purchase`` sorts the samples of the purchase
API's profile (``BENCH_PROFILE=api``, sampled while holding the GIL) into the steps of a purchase;
``--per MS`` turns the shares into ms per request (the bench's "server CPU per request" figure).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path


def _label(frame: dict[str, object]) -> str:
    name = str(frame.get("name", "?"))
    file = str(frame.get("file", ""))
    for marker in ("site-packages/", "/benchmarks/", "/loyalty/", "/api/", "/workers/"):
        if marker in file:
            file = (marker.strip("/") + "/" if marker != "site-packages/" else "") + file.split(marker, 1)[1]
            break
    else:
        file = Path(file).name
    return f"{name} ({file}:{frame.get('line', '')})"


# leaf frames of a thread with nothing to do (a threadpool worker waiting for work, an event loop polling)
IDLE = {("get", "queue.py"), ("wait", "threading.py"), ("select", "selectors.py"), ("_worker", "thread.py")}


def _idle(frame: dict[str, object]) -> bool:
    name = str(frame.get("name", "")).rsplit(".", 1)[-1]
    return (name, Path(str(frame.get("file", ""))).name) in IDLE


def summarise(path: Path, within: str | None, top: int, busy: bool = False) -> str:
    data = json.loads(path.read_text())
    frames = data["shared"]["frames"]
    inclusive: Counter[int] = Counter()
    own: Counter[int] = Counter()
    total = 0.0
    for profile in data["profiles"]:
        for stack, weight in zip(profile["samples"], profile["weights"], strict=True):
            if not stack:
                continue
            if within and not any(frames[i].get("name") == within for i in stack):
                continue
            if busy and _idle(frames[stack[-1]]):
                continue
            total += weight
            own[stack[-1]] += weight
            for index in set(stack):
                inclusive[index] += weight
    if not total:
        return f"{path.name}: no samples" + (f" within {within}" if within else "")
    unit = data["profiles"][0].get("unit", "samples") if data["profiles"] else "samples"
    lines = [f"{path.name}: {total:,.2f} {unit}" + (f" within {within}()" if within else "")]
    for title, counter in (("inclusive", inclusive), ("self", own)):
        lines.append(f"  -- {title} share --")
        for index, weight in counter.most_common(top):
            lines.append(f"  {weight / total:6.1%}  {_label(frames[index])}")
    return "\n".join(lines)


# --parts purchase: each sample goes to the first part found walking its stack from the leaf up (the
# innermost product step wins); function names, or "name@file" where a name is common
Parts = Sequence[tuple[str, Sequence[str]]]
PURCHASE_PARTS: Parts = (
    ("HTTP server (uvicorn, h11)", ("@h11/", "@uvicorn/protocols/")),
    ("pool checkout and connect", ("_checkout", "_do_get", "_connect_gen", "_do_ping", "_closed_by_server")),
    ("signed-in user (token, user row)", ("signed_in_user", "current_user", "access_claims")),
    ("purchase: insert + audit row", ("_insert_once",)),
    ("purchase: card rule reads", ("apply_card_rule",)),
    ("purchase: member lock, checks", ("record_purchase",)),
    ("answer built (result + JSON)", ("purchase_result", "serialize_response", "model_dump_json")),
    ("commit", ("commit@sqlalchemy/orm/session.py",)),
    ("session open/close", ("get_session",)),
    ("route's own code", ("add_purchase", "record")),
    (
        "thread pool hand-off",
        ("run_sync_in_worker_thread", "WorkerThread.run", "run_in_threadpool", "_exec_sync", "run_sync"),
    ),
    (
        "middleware (ours)",
        ("SecurityHeaders", "with_headers", "BodyLimit", "SecureASGIMiddleware", "checked"),
    ),
    ("framework (routing, dependencies, validation)", ("@fastapi/", "@starlette/")),
)


def _part(frames: list[dict[str, object]], stack: list[int], parts: Parts) -> str:
    for index in reversed(stack):
        frame = frames[index]
        names = set(str(frame.get("name", "")).split("."))  # "Class.method.<locals>.inner": each part
        file = str(frame.get("file", ""))
        for part, markers in parts:
            for marker in markers:
                wanted, _, where = marker.partition("@")
                if (not wanted or wanted in names) and (not where or where in file):
                    return part
    return "event loop, other"


def by_part(path: Path, parts: Parts, per: float | None) -> str:
    """Shares of all samples by part (and ms per request when ``per``, the process's ms per request)."""
    data = json.loads(path.read_text())
    frames = data["shared"]["frames"]
    weights: Counter[str] = Counter()
    for profile in data["profiles"]:
        for stack, weight in zip(profile["samples"], profile["weights"], strict=True):
            if stack:
                weights[_part(frames, stack, parts)] += weight
    total = sum(weights.values()) or 1
    lines = [f"{path.name}: by part" + (f" ({per:.2f} ms per request)" if per else "")]
    for part, weight in weights.most_common():
        ms = f"  {per * weight / total:5.2f} ms" if per else ""
        lines.append(f"  {weight / total:6.1%}{ms}  {part}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--within", help="only samples whose stack holds this function name")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--busy", action="store_true", help="drop samples of threads waiting for work")
    parser.add_argument("--parts", choices=["purchase"], help="shares by part of the named path")
    parser.add_argument("--per", type=float, help="with --parts: the process's CPU ms per request")
    args = parser.parse_args()
    for path in args.files:
        if args.parts:
            print(by_part(path, PURCHASE_PARTS, args.per))
        else:
            print(summarise(path, args.within, args.top, args.busy))


if __name__ == "__main__":
    main()
