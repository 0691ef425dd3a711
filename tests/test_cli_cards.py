"""``loyalty cards print`` against a temporary SQLite database, and ``cards_to_print`` on both databases."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select
from stdnum import luhn

from cli import cards as cards_cli
from loyalty.cards import pdf
from loyalty.cards.numbers import format_card_number, new_card_number
from loyalty.cards.pdf import _sheet_document
from loyalty.cards.printing import cards_for_print_run, cards_to_print
from loyalty.models.cards import Card, CardStatus
from tests.builders import make_member
from tests.cli_support import engine_for, flat, invoke, run


def make_card(session: Session, holder: str, status: CardStatus, issued_at: datetime) -> Card:
    """A member and their card in the given status (no welcome message: straight rows)."""
    member = make_member(session, holder)
    card = Card(member_id=member.id, number=new_card_number(), holder_name=holder, status=status)
    card.issued_at = issued_at
    session.add(card)
    session.flush()
    return card


def add_cards(env: dict[str, str], *cards: tuple[str, CardStatus, datetime]) -> list[str]:
    """One member and one card per (holder, status, issued_at); committed. Returns the card numbers."""
    with Session(engine_for(env)) as session:
        numbers = [make_card(session, *spec).number for spec in cards]
        session.commit()
    return numbers


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".part")]


def test_print_every_active_card_ten_a_sheet(cli_env: dict[str, str], tmp_path: Path) -> None:
    invoke("db", "upgrade")
    invoke("demo")  # five members earn an active card
    now = datetime.now(UTC)
    extra = [(f"Ek Üye {n} Öztürk", CardStatus.active, now - timedelta(hours=n)) for n in range(1, 8)]
    add_cards(
        cli_env,
        *extra,
        ("Bekleyen Kişi", CardStatus.pending_review, now),
        ("İptal Edilmiş", CardStatus.revoked, now),
    )
    with Session(engine_for(cli_env)) as session:
        holders = session.exec(select(Card.holder_name).where(Card.status == CardStatus.active)).all()
    assert len(holders) == 12

    out = tmp_path / "kartlar.pdf"
    output = flat(invoke("cards", "print", "--out", str(out)))

    assert "12 cards on 2 sheets" in output and "kartlar.pdf" in output
    assert pdf_pages(out) == 2
    text = pdf_text(out)
    for holder in holders:
        assert holder in text
    assert "Bekleyen Kişi" not in text and "İptal Edilmiş" not in text
    # ordered by issue time: the demo cards (weeks ago) first, then the extra ones oldest first
    positions = [text.index(name) for name, _status, _at in reversed(extra)]
    assert positions == sorted(positions)
    assert leftovers(tmp_path) == []
    assert (out.stat().st_mode & 0o777) == 0o644


def test_since_is_a_local_date_of_the_shop(cli_env: dict[str, str], tmp_path: Path) -> None:
    invoke("db", "upgrade")
    add_cards(
        cli_env,
        ("Dün Gece", CardStatus.active, datetime(2024, 5, 9, 20, 30, tzinfo=UTC)),  # 23:30 on 9 May local
        ("Gece Yarısı", CardStatus.active, datetime(2024, 5, 9, 21, 0, tzinfo=UTC)),  # 00:00 on 10 May local
        ("Sabah Erken", CardStatus.active, datetime(2024, 5, 9, 22, 30, tzinfo=UTC)),  # 01:30 on 10 May
        ("Haziran Kartı", CardStatus.active, datetime(2024, 6, 1, 9, 0, tzinfo=UTC)),
        ("Onay Bekliyor", CardStatus.pending_review, datetime(2024, 6, 2, 9, 0, tzinfo=UTC)),
    )
    out = tmp_path / "since.pdf"
    assert "3 cards on 1 sheet" in flat(invoke("cards", "print", "--out", str(out), "--since", "2024-05-10"))
    text = pdf_text(out)
    assert "Dün Gece" not in text and "Onay Bekliyor" not in text
    assert text.index("Gece Yarısı") < text.index("Sabah Erken") < text.index("Haziran Kartı")
    assert pdf_pages(out) == 1

    later = tmp_path / "later.pdf"
    nothing = flat(invoke("cards", "print", "--out", str(later), "--since", "2024-06-02"))
    assert "Nothing to print" in nothing and not later.exists()

    bad = run("cards", "print", "--out", str(later), "--since", "10.05.2024")
    assert bad.exit_code == 2 and not later.exists()


def test_numbers_print_exactly_those_cards(cli_env: dict[str, str], tmp_path: Path) -> None:
    invoke("db", "upgrade")
    first, second, _third, pending = add_cards(
        cli_env,
        ("Birinci Kart", CardStatus.active, datetime(2024, 1, 1, tzinfo=UTC)),
        ("İkinci Kart", CardStatus.active, datetime(2024, 2, 1, tzinfo=UTC)),
        ("Üçüncü Kart", CardStatus.active, datetime(2024, 3, 1, tzinfo=UTC)),
        ("Bekleyen Kart", CardStatus.pending_review, datetime(2024, 4, 1, tzinfo=UTC)),
    )
    out = tmp_path / "two.pdf"
    # written as people type them, newest first and one twice: printed once each, by issue time
    invoke("cards", "print", "--out", str(out), "--number", format_card_number(second), "--number", first,
           "--number", second)  # fmt: skip
    text = pdf_text(out)
    assert text.index("Birinci Kart") < text.index("İkinci Kart")
    assert text.count("İkinci Kart") == 1 and "Üçüncü Kart" not in text

    missing = tmp_path / "missing.pdf"
    wrong = first[:-1] + str((int(first[-1]) + 1) % 10)  # the check digit no longer matches
    result = run("cards", "print", "--out", str(missing), "--number", second, "--number", wrong)
    assert result.exit_code == 2
    assert wrong in result.output and "check digit is wrong" in flat(result.output)

    result = run("cards", "print", "--out", str(missing), "--number", pending)
    assert result.exit_code == 2 and "awaiting staff approval" in flat(result.output)

    unknown = "1" * 15

    unknown += luhn.calc_check_digit(unknown)
    result = run("cards", "print", "--out", str(missing), "--number", unknown)
    assert result.exit_code == 2 and "no card with number" in flat(result.output)

    both = run("cards", "print", "--out", str(missing), "--number", first, "--since", "2024-01-01")
    assert both.exit_code == 2 and "not both" in flat(both.output)
    assert not missing.exists() and leftovers(tmp_path) == []


def test_nothing_to_print_writes_no_file(cli_env: dict[str, str], tmp_path: Path) -> None:
    invoke("db", "upgrade")
    add_cards(cli_env, ("Sadece Bekleyen", CardStatus.pending_review, datetime.now(UTC)))
    out = tmp_path / "empty.pdf"
    assert "Nothing to print" in flat(invoke("cards", "print", "--out", str(out)))
    assert not out.exists() and leftovers(tmp_path) == []

    nowhere = run("cards", "print", "--out", str(tmp_path / "no-such-folder" / "x.pdf"))
    assert nowhere.exit_code == 2 and "does not exist" in flat(nowhere.output)


def test_a_failed_run_leaves_the_old_file_and_no_half_file(
    cli_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoke("db", "upgrade")
    now = datetime.now(UTC)
    add_cards(cli_env, *[(f"Üye {n}", CardStatus.active, now) for n in range(12)])
    out = tmp_path / "cards.pdf"
    out.write_bytes(b"yesterday's sheets")

    real = _sheet_document
    calls = []

    def second_sheet_fails(views):  # type: ignore[no-untyped-def]
        calls.append(len(views))
        if len(calls) == 2:
            raise RuntimeError("printer font missing")
        return real(views)

    monkeypatch.setattr(pdf, "_sheet_document", second_sheet_fails)
    assert run("cards", "print", "--out", str(out)).exit_code != 0
    assert calls == [10, 2]
    assert out.read_bytes() == b"yesterday's sheets" and leftovers(tmp_path) == []

    def replace_fails(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(cards_cli.os, "replace", replace_fails)
    with pytest.raises(OSError):
        cards_cli.write_atomically(out, b"%PDF-new")
    assert out.read_bytes() == b"yesterday's sheets" and leftovers(tmp_path) == []


def test_cards_to_print_active_only_since_inclusive_by_issue_time(session: Session) -> None:
    base = datetime(2031, 3, 4, 9, 0, tzinfo=UTC)  # later than anything else the suite stores

    def card(holder: str, status: CardStatus, issued_at: datetime) -> Card:
        return make_card(session, holder, status, issued_at)

    late = card("Geç", CardStatus.active, base + timedelta(days=2))
    on_time = card("Tam Zamanında", CardStatus.active, base)
    card("Erken", CardStatus.active, base - timedelta(seconds=1))
    card("Bekleyen", CardStatus.pending_review, base + timedelta(days=1))
    card("İptal", CardStatus.revoked, base + timedelta(days=1))
    same_time = card("Aynı An", CardStatus.active, base)

    assert cards_to_print(session, since_utc=base) == [on_time, same_time, late]

    everything = cards_to_print(session, since_utc=None)
    assert {c.status for c in everything} == {CardStatus.active}
    assert [c.holder_name for c in everything][-4:] == ["Erken", "Tam Zamanında", "Aynı An", "Geç"]
    issued = [(c.issued_at, c.id or 0) for c in everything]
    assert issued == sorted(issued)
    assert not session.new and not session.dirty  # a read: nothing added or changed


def test_a_print_run_takes_the_shops_local_day_and_each_number_once(session: Session) -> None:
    midnight_istanbul = datetime(2031, 6, 9, 21, 0, tzinfo=UTC)  # 10 June 00:00 in Istanbul (UTC+3)
    just_before = midnight_istanbul - timedelta(seconds=1)
    before = make_card(session, "Gece Yarısından Önce", CardStatus.active, just_before)
    at = make_card(session, "Gece Yarısı", CardStatus.active, midnight_istanbul)
    day = datetime(2031, 6, 10).date()

    since = cards_for_print_run(session, timezone_name="Europe/Istanbul", since=day)
    assert before not in since and since[:1] == [at]
    in_utc = cards_for_print_run(session, timezone_name="UTC", since=day)  # 10 June in UTC starts 3 h later
    assert at not in in_utc

    numbers = [at.number, format_card_number(before.number), at.number]
    assert cards_for_print_run(session, timezone_name="Europe/Istanbul", numbers=numbers) == [before, at]
