"""The layout's rules that a linter does not check: where commits, settings and provider vocabularies live."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ROOT / "loyalty"
MAX_LINES = 600


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
    """Twilio's error codes and status names are mapped in workers/channels; nothing else speaks them."""
    words = re.compile(r"\b(2\d{4}|30\d{3})\b|\"(undelivered|queued_at_provider|accepted)\"")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _sources(ROOT / folder)
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
