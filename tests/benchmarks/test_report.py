"""The bench harness's arithmetic and output: ratios, verdicts, var/bench.json's shape, profile shares."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from benchmarks.profile_summary import summarise
from benchmarks.report import ceiling, latency, not_measured, speed, write_json
from benchmarks.run import AT_1M, CAMPAIGN_GOAL, SCALES, Bench


def test_a_speed_ratio_is_the_path_over_its_limit() -> None:
    figure = speed("sms", 200.0, "raw client", 800.0, "msg/s", 0.5)
    assert figure.ratio == 0.25
    assert figure.passed() is False
    assert speed("sms", 500.0, "raw client", 800.0, "msg/s", 0.5).passed() is True


def test_a_latency_ratio_is_the_limit_over_the_path() -> None:
    figure = latency("p99", 400.0, "minimal p99", 100.0, "ms", 0.5)
    assert figure.ratio == 0.25  # four times slower than the limit
    assert figure.passed() is False
    assert latency("p99", 150.0, "minimal p99", 100.0, "ms", 0.5).passed() is True


def test_a_ceiling_is_judged_by_max_and_carries_no_limit() -> None:
    assert ceiling("rss", 250.0, "MB", 300).passed() is True
    over = ceiling("rss", 5841.0, "MB", 300)
    assert over.passed() is False
    assert (over.limit_name, over.limit_value, over.goal, over.max) == (None, None, None, 300)


def test_a_path_not_measured_fails_its_goal_and_has_a_null_value() -> None:
    figure = not_measured("rate", "x", "not implemented: no setting", goal=0.9)
    assert figure.value is None
    assert figure.passed() is False
    assert not_measured("info", "", "why").passed() is None


def test_bench_json_is_a_list_of_figures_with_every_key(tmp_path: Path) -> None:
    path = tmp_path / "var" / "bench.json"
    write_json(path, [speed("a", 1.0, "b", 3.0, "x/s", 0.5), ceiling("rss", 100.0, "MB", 300)])
    data = json.loads(path.read_text())
    keys = {"name", "value", "unit", "limit_name", "limit_value", "ratio", "goal", "max", "detail"}
    assert [set(item) for item in data] == [keys, keys]
    assert data[0]["ratio"] == 0.3333
    assert data[1]["max"] == 300 and data[1]["goal"] is None


def test_profile_shares_count_a_function_once_per_sample_and_can_skip_idle_threads(tmp_path: Path) -> None:
    frames = [
        {"name": "run", "file": "/x/loyalty/campaigns.py", "line": 1},
        {"name": "load", "file": "/x/loyalty/messages.py", "line": 2},
        {"name": "Queue.get", "file": "/usr/lib/python3.11/queue.py", "line": 171},
    ]
    profile = {
        "shared": {"frames": frames},
        "profiles": [
            {"unit": "seconds", "samples": [[0, 1], [0, 1, 1], [0], [2]], "weights": [1.0, 1.0, 2.0, 4.0]}
        ],
    }
    path = tmp_path / "p.speedscope.json"
    path.write_text(json.dumps(profile))
    text = summarise(path, within="run", top=5)
    assert "4.00 seconds within run()" in text  # the idle thread's sample has no "run" in its stack
    assert " 50.0%  load (loyalty/messages.py:2)" in text  # recursion counted once per sample
    busy = summarise(path, within=None, top=5, busy=True)
    assert "4.00 seconds" in busy and "Queue.get" not in busy


def test_goals_the_issue_sets_at_1m_are_kept_at_the_full_scale_only() -> None:
    """The campaign's and the upcoming occasions' (all rows) goals are issue 24's "at 1M": a smaller run
    shows the ratio with no goal and says why."""
    full = Bench("postgresql://unused/bench", SCALES["full"], set(), Console())
    small = Bench("postgresql://unused/bench", SCALES["small"], set(), Console())
    assert (full.at_1m(CAMPAIGN_GOAL), full.at_1m_note()) == (CAMPAIGN_GOAL, "")
    assert (small.at_1m(CAMPAIGN_GOAL), small.at_1m_note()) == (None, AT_1M)
    assert speed("campaign", 0.7, "COPY", 1.0, "members/s", small.at_1m(CAMPAIGN_GOAL)).passed() is None
