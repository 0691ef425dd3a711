"""Refresh the guides' screenshots (`make doc-shots`): run the page flows the guides show (SQLite live
server, both viewports), then copy the chosen steps from var/screenshots/ into docs/img/ as small palette
PNGs. `--no-run` only copies what the last test run left. The guides link docs/img/<name>.png."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "screenshots"
DOCS_IMG = ROOT / "docs" / "img"
FLOWS = [
    "tests/pages/test_counter_flows.py::test_find_purchase_with_coupon_undo_feedback_and_cards",
    "tests/pages/test_counter_effort.py::test_register_then_first_purchase_in_few_keys",
    "tests/pages/test_member_flows.py",
    "tests/pages/test_marketing_flow.py",
    "tests/pages/test_admin_copy.py",
    "tests/pages/test_marketing_forecast.py",
]
# docs/img/<name>.png <- var/screenshots/<shot>.png
CHOSEN = {
    "counter-member-found": "desktop/02-member-found",
    "counter-coupon-error": "desktop/05-coupon-error",
    "counter-purchase-with-coupon": "desktop/06-purchase-with-coupon",
    "counter-held-card": "desktop/12-held-card",
    "counter-phone-member-found": "phone/02-member-found",
    "counter-register-first-purchase": "desktop/30-register-and-first-purchase",
    "member-card-and-coupons": "phone/31-member-card-and-coupons",
    "marketing-segment": "marketing/02-segment-saved",
    "marketing-draft": "marketing/03-draft",
    "marketing-overlaps": "marketing/06-overlaps-before-scheduling",
    "marketing-results": "marketing/07-results-chart",
    "marketing-nps": "marketing/08-nps-and-follow-up",
    "marketing-outbox-test": "marketing/05-outbox-test",
    "marketing-forecast": "marketing/forecast-en",
    "admin-default-copy": "desktop/admin-copy-preview",
    "admin-default-copy-refused": "phone/admin-copy-refused",
}
MAX_WIDTH = 1000  # px: readable in a rendered guide, a fraction of the raw shot's bytes


def small_png(source: Path, target: Path) -> None:
    image = Image.open(source).convert("RGB")
    if image.width > MAX_WIDTH:
        height = round(image.height * MAX_WIDTH / image.width)
        image = image.resize((MAX_WIDTH, height), Image.Resampling.LANCZOS)
    image.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)


def main(argv: list[str]) -> int:
    if "--no-run" not in argv:
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-k", "not postgresql", *FLOWS]
        if subprocess.run(command, cwd=ROOT, check=False).returncode != 0:
            print("the page flows failed: docs/img left as it was", file=sys.stderr)
            return 1
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    missing = [shot for shot in CHOSEN.values() if not (SHOTS / f"{shot}.png").exists()]
    if missing:
        print(f"no screenshot for: {', '.join(missing)} (run without --no-run)", file=sys.stderr)
        return 1
    for name, shot in CHOSEN.items():
        small_png(SHOTS / f"{shot}.png", DOCS_IMG / f"{name}.png")
    total = sum((DOCS_IMG / f"{name}.png").stat().st_size for name in CHOSEN)
    print(f"{len(CHOSEN)} screenshots in docs/img ({total // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
