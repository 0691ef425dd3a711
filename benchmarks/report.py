"""A figure (a path beside its limit), the printed table and var/bench.json."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table


@dataclass
class Figure:
    """One measured path. ``ratio`` is the path's speed over its limit's (1.0 is the limit, higher is
    better; for a latency, the limit's over the path's); ``goal`` is the least ratio accepted. A figure
    judged against a ceiling (memory, ms per card) carries ``max`` instead of a limit and goal. ``value``
    None: not measured (``detail`` says why)."""

    name: str
    value: float | None
    unit: str
    limit_name: str | None = None
    limit_value: float | None = None
    ratio: float | None = None
    goal: float | None = None
    max: float | None = None
    detail: str = ""

    def passed(self) -> bool | None:
        if self.value is None:
            return False if (self.goal is not None or self.max is not None) else None
        if self.max is not None:
            return self.value <= self.max
        if self.goal is not None and self.ratio is not None:
            return self.ratio >= self.goal
        return None

    def as_json(self) -> dict[str, Any]:
        return {key: _round(value) for key, value in asdict(self).items()}


def speed(
    name: str,
    value: float,
    limit_name: str,
    limit_value: float,
    unit: str,
    goal: float | None,
    detail: str = "",
) -> Figure:
    """A throughput beside its limit (higher is better)."""
    ratio = value / limit_value if limit_value else None
    return Figure(name, value, unit, limit_name, limit_value, ratio, goal, None, detail)


def latency(
    name: str,
    value: float,
    limit_name: str,
    limit_value: float,
    unit: str,
    goal: float | None,
    detail: str = "",
) -> Figure:
    """A latency beside its limit (lower is better: the ratio is limit / value)."""
    ratio = limit_value / value if value else None
    return Figure(name, value, unit, limit_name, limit_value, ratio, goal, None, detail)


def ceiling(name: str, value: float | None, unit: str, maximum: float, detail: str = "") -> Figure:
    return Figure(name, value, unit, max=maximum, detail=detail)


def not_measured(
    name: str, unit: str, why: str, goal: float | None = None, maximum: float | None = None
) -> Figure:
    return Figure(name, None, unit, goal=goal, max=maximum, detail=why)


def _round(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4 if abs(value) < 10 else 1)
    return value


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:,.1f}"
    return f"{value:,.2f}"


def print_table(console: Console, figures: list[Figure], title: str) -> None:
    table = Table(title=title, show_lines=False, expand=False)
    table.add_column("path")
    table.add_column("value", justify="right")
    table.add_column("unit")
    table.add_column("limit (same run)")
    table.add_column("limit value", justify="right")
    table.add_column("ratio", justify="right")
    table.add_column("goal", justify="right")
    table.add_column("", justify="center")
    for f in figures:
        verdict = f.passed()
        mark = {True: "[green]ok[/]", False: "[red]MISS[/]", None: ""}[verdict]
        goal = f"≥ {f.goal:g}" if f.goal is not None else f"≤ {f.max:g}" if f.max is not None else ""
        if f.value is not None:
            value = _number(f.value)
        else:
            value = "[yellow]not implemented[/]" if "not implemented" in f.detail else "[red]failed[/]"
        table.add_row(
            f.name,
            value,
            f.unit,
            f.limit_name or "",
            _number(f.limit_value),
            f"{f.ratio:.2f}" if f.ratio is not None else "—",
            goal,
            mark,
        )
    console.print(table)
    for f in figures:
        if f.detail:
            console.print(f"  [bold]{f.name}[/]: {f.detail}", highlight=False)


def write_json(path: Path, figures: list[Figure]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([f.as_json() for f in figures], indent=2, ensure_ascii=False) + "\n")
