"""The layout's rules that a linter does not check: where commits, settings and provider vocabularies live."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ROOT / "loyalty"
MAX_LINES = 600
BOUNDARY_AND_DOMAIN = ("loyalty", "api", "workers", "cli")


def _sources(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _code_lines(path: Path) -> list[tuple[int, str]]:
    """Lines of code without comments and docstrings (a docstring may say "commit")."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    doc_lines: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                doc_lines.update(range(body[0].lineno, (body[0].end_lineno or body[0].lineno) + 1))
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if number not in doc_lines:
            out.append((number, line.split("#", 1)[0]))
    return out


def test_domain_packages_never_commit_nor_read_settings_themselves() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _sources(DOMAIN)
        for number, line in _code_lines(path)
        if re.search(r"\bcommit\(|\bget_settings\(", line) and path != DOMAIN / "core" / "settings.py"
    ]
    assert found == []


@pytest.mark.parametrize("folder", ["loyalty", "api"])
def test_twilio_vocabulary_stays_in_the_channels(folder: str) -> None:
    """Twilio's error codes and status names are mapped in one module (loyalty/messaging/twilio_webhooks.py,
    read by the SMS channel and the webhook routes) and workers/channels; nothing else speaks them."""
    words = re.compile(r"\b(2\d{4}|30\d{3})\b|\"(undelivered|queued_at_provider|accepted)\"")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _sources(ROOT / folder)
        if path != DOMAIN / "messaging" / "twilio_webhooks.py"
        for number, line in _code_lines(path)
        if words.search(line)
    ]
    assert found == []


def test_routes_define_no_models_of_their_own() -> None:
    found = []
    for path in _sources(ROOT / "api" / "routes"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                found.append(f"{path.relative_to(ROOT)}: {node.name}")
    assert found == []


def test_no_domain_module_is_over_600_lines() -> None:
    sizes = {
        p.relative_to(ROOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
        for p in _sources(DOMAIN)
    }
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def _lines_matching(
    pattern: str, *, allowed: set[str], folders: tuple[str, ...] = BOUNDARY_AND_DOMAIN
) -> list[str]:
    """``path:line`` of code lines (comments and docstrings aside) matching ``pattern`` outside ``allowed``
    (paths relative to the repository, files or folders ending in ``/``)."""
    words = re.compile(pattern)
    found = []
    for folder in folders:
        for path in _sources(ROOT / folder):
            name = path.relative_to(ROOT).as_posix()
            if name in allowed or any(name.startswith(a) for a in allowed if a.endswith("/")):
                continue
            found += [f"{name}:{number}" for number, line in _code_lines(path) if words.search(line)]
    return found


def test_only_the_queue_writes_messages() -> None:
    """Issue 18.1: every producer queues ``MessageRow`` values through ``messaging.queue``; nothing else
    builds a ``Message`` or inserts into ``messages``."""
    pattern = r"(?<![\w.])Message\(|insert\((session, )?\s*(MESSAGES|Message\b)|INSERT INTO messages\b"
    assert _lines_matching(pattern, allowed={"loyalty/messaging/queue.py", "loyalty/models/"}) == []


def test_channel_rules_live_in_reach() -> None:
    """Issue 18.2: which channel a message takes (preferred, both) is decided in ``messaging/reach.py``
    only, each rule beside its SQL twin; no other module branches on the requested channel."""
    pattern = (
        r"\bPREFERRED\b|\bBOTH\s*[=!]=|CampaignChannel\.(both|preferred)\b|preferred_channel\s*[=!]="
        r"|requested_channel\s*[=!]=|[=!]=\s*\"(preferred|both)\""
    )
    assert _lines_matching(pattern, allowed={"loyalty/messaging/reach.py", "loyalty/models/"}) == []


def test_a_runs_channel_is_computed_once_by_its_audience() -> None:
    """Issue 18.2: a campaign run's channel is computed by its audience select and travels with the rows to
    the queue; nothing works it out again (the queue only fills in a row its producer left open)."""
    sql_twin = {"loyalty/messaging/reach.py", "loyalty/campaigns/audience.py"}
    assert _lines_matching(r"\bmessage_channel_sql\(", allowed=sql_twin) == []
    in_python = {"loyalty/messaging/reach.py", "loyalty/messaging/queue.py"}
    assert _lines_matching(r"\bmessage_channel\(", allowed=in_python) == []


def test_trigger_types_are_compared_only_in_the_trigger_registry() -> None:
    """Issue 18.3: one strategy module per trigger and one registry; nothing else compares the type."""
    pattern = r"TriggerType\.|trigger_type\s*[=!]=|trigger\.type\s*[=!]=|[=!]=\s*\"(holiday|occasion)\""
    assert _lines_matching(pattern, allowed={"loyalty/campaigns/triggers/", "loyalty/models/"}) == []


def test_dialect_code_lives_in_one_core_module() -> None:
    """Issue 18.5: the PostgreSQL driver, COPY and dialect-specific constructs only in ``core/dialect.py``."""
    pattern = r"driver_connection|sqlalchemy\.dialects|\bcursor\.copy\(|\bimport psycopg|from psycopg\b"
    assert _lines_matching(pattern, allowed={"loyalty/core/dialect.py"}) == []


CLOCK = ROOT / "loyalty" / "core" / "clock.py"
WALL_CLOCK = re.compile(r"\bdatetime\.(now|utcnow|today)\(|\btime\.time\(\)|\bdate\.today\(\)")


def test_every_read_of_the_date_goes_through_the_one_clock() -> None:
    """loyalty/core/clock.py alone reads the machine's date (LOYALTY_NOW, simulations); the rest call
    ``clock.utcnow()``. ``time.monotonic()`` for durations is fine."""
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for folder in ("loyalty", "api", "workers", "cli")
        for path in _sources(ROOT / folder)
        if path != CLOCK
        for number, line in _code_lines(path)
        if WALL_CLOCK.search(line)
    ]
    assert not found, found


def test_docs_architecture_names_every_module() -> None:
    """Each module under loyalty/, api/, workers/, cli/ is named in docs/architecture.md: by its path, or by
    its file name on a line that names its folder (``| `counter/` | ... (`search.py`) ...``)."""
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    lines = doc.splitlines()
    missing = []
    for top in BOUNDARY_AND_DOMAIN:
        for path in _sources(ROOT / top):
            if path.name == "__init__.py":
                continue
            named = f"`{path.relative_to(ROOT).as_posix()}`" in doc or any(
                f"`{path.parent.name}/`" in line and f"`{path.name}`" in line for line in lines
            )
            if not named:
                missing.append(path.relative_to(ROOT).as_posix())
    assert missing == [], "name these modules in docs/architecture.md: " + ", ".join(missing)


def test_migration_file_names_sort_in_the_order_they_run() -> None:
    """File names start with the run position (``0007_r0009_counter.py``: 7th, revision id 0009, kept so
    existing databases still know where they stand); sorting the folder gives the chain from base to head."""
    scripts = ScriptDirectory.from_config(Config(str(ROOT / "alembic.ini")))
    chain = [Path(str(script.path)).name for script in reversed(list(scripts.walk_revisions()))]
    assert len(scripts.get_heads()) == 1
    assert chain == sorted(chain)


def test_the_languages_and_the_detractor_line_are_defined_once() -> None:
    """The languages only in core/languages.py (a choice goes through ``language_of``), the 0-10 scale's
    bands only in purchases/feedback.py, the store existence check only in models/stores.py."""
    rules = {
        re.compile(r"""["']tr["'],\s*["']en["']|["']en["'] if [\w.]+\.startswith"""): "core/languages.py",
        re.compile(r"\bDETRACTOR_MAX\s*=|\bPROMOTER_MIN\b.*=\s*\d"): "purchases/feedback.py",
        re.compile(r"session\.get\(Store, store_id\)"): "models/stores.py",
    }
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in BOUNDARY_AND_DOMAIN
        for path in _sources(ROOT / folder)
        if "texts" not in path.parts
        for number, line in _code_lines(path)
        for pattern, home in rules.items()
        if pattern.search(line) and not path.as_posix().endswith(home)
    ]
    assert found == []
