"""Errors are message keys: every key has Turkish and English with the same placeholders, every raise
site names a key of the catalogue with the parameters its texts use, no product string is "English / Türkçe".
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from loyalty.core import errors as domain_errors
from loyalty.core import i18n
from loyalty.core.texts import admin, common, counter, marketing
from loyalty.core.texts.errors import TEXT

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("loyalty", "api", "workers", "cli")
ERROR_CLASSES = {
    name
    for name, value in vars(domain_errors).items()
    if isinstance(value, type) and issubclass(value, domain_errors.DomainError)
}
KEY = re.compile(r"^[a-z_]+(\.[a-z0-9_]+)+$")
TURKISH = re.compile("[çğıöşüÇĞİÖŞÜ]")


def _placeholders(text: str) -> set[str]:
    return {re.split(r"[.\[]", name)[0] for _, name, _, _ in string.Formatter().parse(text) if name}


def _product_files() -> list[Path]:
    return [path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))]


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level NAME = "text" assignments (a key kept in a constant)."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    found[target.id] = node.value.value
    return found


def _key_values(node: ast.expr, constants: dict[str, str]) -> list[str] | None:
    """The keys an argument can be: a literal, a module constant, or a conditional of those."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Name) and node.id in constants:
        return [constants[node.id]]
    if isinstance(node, ast.IfExp):
        body, orelse = _key_values(node.body, constants), _key_values(node.orelse, constants)
        return None if body is None or orelse is None else body + orelse
    if isinstance(node, ast.JoinedStr | ast.BinOp):
        return ["<a text built in place>"]
    return None  # passed on from another error (exc.key): checked where it was raised


def _raise_sites() -> list[tuple[str, ast.Call, dict[str, str]]]:
    sites = []
    for path in _product_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _constants(tree)
        for node in ast.walk(tree):
            named = isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            if named and node.func.id in ERROR_CLASSES:  # type: ignore[attr-defined]
                sites.append((f"{path.relative_to(ROOT)}:{node.lineno}", node, constants))
    return sites


@pytest.mark.parametrize("key", sorted(TEXT))
def test_every_key_has_both_languages_with_the_same_placeholders(key: str) -> None:
    turkish, english = TEXT[key]
    assert KEY.match(key), key
    assert turkish.strip() and english.strip(), f"{key}: a language is missing"
    assert turkish != english or not TURKISH.search(turkish), key
    if not key.startswith("validation."):  # pydantic's own ctx may hold more than a text uses
        assert _placeholders(turkish) == _placeholders(english), key


def test_error_keys_do_not_collide_with_the_pages_texts() -> None:
    pages = {*common.TEXT, *counter.TEXT, *marketing.TEXT, *admin.TEXT}
    assert not pages & set(TEXT)


def test_every_raise_site_names_a_known_key_with_its_parameters() -> None:
    sites = _raise_sites()
    assert len(sites) > 150  # the scan sees the product's errors
    problems = []
    for where, call, constants in sites:
        index = 1 if call.func.id == "Invalid" else 0  # type: ignore[attr-defined]
        if len(call.args) <= index:
            problems.append(f"{where}: no key")
            continue
        keys = _key_values(call.args[index], constants)
        if keys is None:
            continue
        given = {kw.arg for kw in call.keywords if kw.arg not in (None, "extra", "headers")}
        passes_all = any(kw.arg is None for kw in call.keywords)  # **params
        for key in keys:
            if not KEY.match(key) or key not in TEXT:
                problems.append(f"{where}: {key!r} is not a key of loyalty/core/texts/errors.py")
                continue
            needed = _placeholders(TEXT[key][0]) | _placeholders(TEXT[key][1])
            if not passes_all and needed - given:
                problems.append(f"{where}: {key} needs {sorted(needed - given)}")
    assert not problems, "\n".join(problems)


def test_no_product_string_is_english_slash_turkish() -> None:
    """A string whose last " / " part is Turkish after a plain-English part is two languages in one."""
    catalogues = ROOT / "loyalty" / "core" / "texts"
    found = []
    for path in _product_files():
        if catalogues in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""
            if " / " in text and "\n" not in text:  # a docstring may name STOP / İPTAL
                before, _, after = text.rpartition(" / ")
                if TURKISH.search(after) and not TURKISH.search(before) and re.search("[a-z]{3}", before):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text!r}")
    assert not found, "\n".join(found)


def test_an_error_is_worded_in_the_language_asked_for() -> None:
    error = domain_errors.NotFound("common.member_not_found", member_id=7)
    assert error.text("en") == "member 7 not found"
    assert error.text("tr") == "7 numaralı üye bulunamadı"
    assert str(error) == error.message == "member 7 not found"
    nested = domain_errors.Invalid("numbers", "cards.position", position=2, reason=error)
    assert nested.text("tr") == "2. numara: 7 numaralı üye bulunamadı"
    assert nested.detail("en") == [
        {
            "loc": ["body", "numbers"],
            "msg": "number #2: member 7 not found",
            "type": "value_error",
            "key": "cards.position",
        }
    ]
    assert i18n.gettext("common.member_not_found", "tr") == "{member_id} numaralı üye bulunamadı"
