"""The admin page (/admin) in headless Chromium at a laptop and a phone size: first-run settings, users,
stores, import, KVKK requests (export, erase), İYS export, audit log; the member's request button."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from loyalty.core.settings import ROOT
from loyalty.core.tokens import member_page_token
from loyalty.models.members import Member
from loyalty.models.shop import MemberRequest
from loyalty.models.users import User
from tests.builders import make_member
from tests.pages.conftest import LiveServer, sign_in, tr

pytestmark = pytest.mark.browser
SHOTS = ROOT / "var" / "screenshots"  # git-ignored: look at them after a run
SIZES = {"laptop": (1366, 768), "phone": (390, 844)}


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_staff_cannot_use_the_admin_page(page: Page) -> None:
    sign_in(page, "staff")
    page.goto("/admin")
    expect(page.locator("#gate")).to_contain_text(tr("role.admin"))
    expect(page.locator("#users")).to_be_hidden()


@pytest.mark.parametrize("size", list(SIZES))
def test_admin_runs_the_shop(
    page: Page, live_server: LiveServer, live_db: Session, tmp_path: Path, size: str
) -> None:
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    suffix = "l" if size == "laptop" else "p"
    member = make_member(
        live_db, f"Nur Erase {suffix}", f"+90533777000{len(suffix) + (0 if size == 'laptop' else 5)}"
    )
    live_db.commit()
    assert member.id is not None
    token = member_page_token(live_server.settings.secret_key, member.id)

    # the member asks from their own page
    page.goto(f"/m/{token}")
    page.get_by_role("button", name=tr("self.requests.erase")).click()
    expect(page.locator("#data-requests-result")).to_contain_text(
        tr("self.requests.sent", id="")[:-3].split("(")[0].strip()
    )
    request = live_db.exec(select(MemberRequest).where(MemberRequest.member_id == member.id)).one()
    assert request.kind == "erase" and request.status == "open"

    sign_in(page, "admin", next_path="/admin")
    # links in messages go to the default address, not where this server answers: the page says so
    address = page.locator("#setup-address")
    expect(address).to_contain_text("http://127.0.0.1:8000")
    expect(address).to_contain_text(live_server.url)
    # first-run settings: the shop's defaults saved as they are (other page tests share this server)
    form = page.locator("#setup-form")
    expect(form.get_by_label(tr("admin.setup.shop_name"))).to_have_value(live_server.settings.shop_name)
    form.get_by_label(tr("admin.setup.quiet_hours_start")).fill("21")
    form.get_by_role("button", name=tr("admin.setup.save")).click()
    expect(page.locator("#setup-result")).to_have_text(tr("admin.setup.saved"))
    expect(page.locator("#setup-first")).to_be_hidden()

    # the member's request is listed by name; its data downloads; the erase asks first, in the page
    name = f"Nur Erase {suffix}"
    row = page.locator("#requests-table tbody tr", has_text=name)
    expect(row).to_contain_text(tr("admin.requests.kind.erase"))
    with page.expect_download() as download:
        row.get_by_role("button", name=tr("admin.requests.export")).click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert name in exported
    row.get_by_role("button", name=tr("admin.requests.erase")).click()
    result = page.locator("#requests-result")
    expect(result).to_contain_text(tr("admin.requests.erase_confirm", name=name))
    result.get_by_role("button", name=tr("admin.requests.erase_yes", name=name)).click()
    expect(result).to_contain_text(tr("admin.requests.erased", name=name))
    live_db.rollback()
    erased = live_db.get(Member, member.id)
    assert erased is not None and erased.erased_at is not None and erased.full_name == ""

    # a member who never asked through the page (a letter, a call): found by name, exported, erased
    other_phone = f"+90533777100{len(suffix) + (0 if size == 'laptop' else 5)}"
    other = make_member(live_db, f"Mektupla Soran {suffix}", other_phone)
    live_db.commit()
    page.get_by_label(tr("admin.find.query")).fill(f"mektupla soran {suffix}")
    page.get_by_role("button", name=tr("admin.find.submit")).click()
    found = page.locator("#find-member-list li", has_text=f"Mektupla Soran {suffix}")
    with page.expect_download() as download:
        found.get_by_role("button", name=f"{tr('admin.requests.export')}: Mektupla Soran {suffix}").click()
    assert f"Mektupla Soran {suffix}" in Path(download.value.path()).read_text(encoding="utf-8")
    found.get_by_role("button", name=f"{tr('admin.requests.erase')}: Mektupla Soran {suffix}").click()
    box = page.locator("#find-member-result")
    box.get_by_role("button", name=tr("common.cancel")).click()
    live_db.rollback()
    assert live_db.get(Member, other.id).erased_at is None  # type: ignore[union-attr]  # cancelled: kept
    found.get_by_role("button", name=f"{tr('admin.requests.erase')}: Mektupla Soran {suffix}").click()
    box.get_by_role("button", name=tr("admin.requests.erase_yes", name=f"Mektupla Soran {suffix}")).click()
    expect(box).to_contain_text(tr("admin.requests.erased", name=f"Mektupla Soran {suffix}"))

    # users: add one, re-role, disable, reset the password
    name = f"yeni-{size}"
    users = page.locator("#users")
    users.get_by_label(tr("admin.users.username")).fill(name)
    users.get_by_label(tr("admin.users.password")).fill("ilk-parola-1")
    users.get_by_role("button", name=tr("admin.users.create")).click()
    expect(page.locator("#users-result")).to_have_text(tr("admin.users.created", name=name))
    user_row = page.locator(f'#users-table tr[data-user="{name}"]')
    user_row.get_by_label(f"{tr('admin.users.role')} — {name}").select_option("marketing")
    expect(page.locator("#users-result")).to_have_text(tr("admin.users.changed", name=name))
    user_row.get_by_role("button", name=tr("admin.users.disable")).click()
    expect(user_row).to_contain_text(tr("admin.users.disabled"))
    new_password = user_row.get_by_label(f"{tr('admin.users.new_password')} — {name}")
    new_password.fill("ikinci-parola-2")
    user_row.get_by_role("button", name=tr("admin.users.reset")).click()
    expect(new_password).to_have_value("")  # emptied once the API said yes
    live_db.rollback()
    user = live_db.exec(select(User).where(User.username == name)).one()
    assert (user.role, user.is_active, user.token_version) == ("marketing", False, 2)

    # a store
    stores = page.locator("#stores")
    stores.get_by_label(tr("admin.stores.name")).fill(f"Moda Şubesi {size}")
    stores.get_by_role("button", name=tr("admin.stores.create")).click()
    expect(page.locator("#stores-list")).to_contain_text(f"moda-subesi-{size}")

    # an import with one bad row: the summary and the error table
    source = tmp_path / "list.csv"
    phone = "0532 777 00 01" if size == "laptop" else "0532 777 00 02"  # numbers no other page test uses
    source.write_text(f"full_name,phone\nİthal Müşteri,{phone}\nBozuk,12\n", encoding="utf-8")
    importer = page.locator("#import")
    importer.get_by_label(tr("admin.import.file")).set_input_files(str(source))
    importer.get_by_label(tr("admin.import.dry_run")).uncheck()
    importer.get_by_role("button", name=tr("admin.import.submit")).click()
    summary = tr("admin.import.summary", rows=2, created=1, existing=0, consent=0, errors=1)
    expect(page.locator("#import-result")).to_contain_text(summary)
    expect(page.locator("#import-result table")).to_contain_text("phone")

    # the İYS export downloads a CSV in İYS's columns
    with page.expect_download() as iys:
        page.locator("#iys").get_by_role("button", name=tr("admin.iys.download")).click()
    assert (
        Path(iys.value.path()).read_text(encoding="utf-8").startswith("type,source,recipient,recipientType")
    )

    # the audit log, filtered by the member
    audit = page.locator("#audit")
    audit.get_by_label(tr("admin.audit.target")).fill(f"member:{member.id}")
    audit.get_by_role("button", name=tr("admin.audit.search")).click()
    expect(page.locator("#audit-table")).to_contain_text("erase")
    expect(page.locator("#audit-table")).not_to_contain_text(f"Nur Erase {suffix}")
    page.evaluate("window.scrollTo(0, 0)")
    _shot(page, f"admin-{size}")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width}x{height}"


def test_first_run_points_the_admin_to_the_settings(
    page: Page, live_server: LiveServer, live_db: Session
) -> None:
    live_db.execute(sa.text("DELETE FROM shop_settings"))  # a fresh install: nothing saved yet
    live_db.commit()
    sign_in(page, "admin")
    page.wait_for_url("**/admin")  # the admin lands on their page, which asks for the first-run settings
    expect(page.locator("#setup-first")).to_be_visible()
    page.goto("/")  # and the home page points there too
    page.get_by_role("link", name=tr("admin.setup.first")).click()
    page.wait_for_url("**/admin#setup")
    expect(page.locator("#setup-first")).to_be_visible()
    expect(page.get_by_role("link", name=tr("nav.admin")).first).to_be_visible()
