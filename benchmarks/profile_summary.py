"""Where the time goes in a py-spy speedscope profile (BENCH_PROFILE=... make bench writes them).

    python -m benchmarks.profile_summary var/profiles/campaign.speedscope.json [--within deliver] [--top 25]

Prints the functions with the largest inclusive share (time inside the function and what it calls) and
the largest self share (time in the function's own code), over all threads' samples. ``--within NAME``
keeps only the samples whose stack holds a function named NAME (e.g. the product side of a child that
also runs its limit), and shares are then of those samples; ``--busy`` drops the samples of threads
waiting for work (a server's idle threadpool).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
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


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--within", help="only samples whose stack holds this function name")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--busy", action="store_true", help="drop samples of threads waiting for work")
    args = parser.parse_args()
    for path in args.files:
        print(summarise(path, args.within, args.top, args.busy))


if __name__ == "__main__":
    main()
