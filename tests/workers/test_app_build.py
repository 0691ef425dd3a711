"""Building the Celery app (importing workers.app, as the API does) reads no database; the configuration,
with the shop's stored settings, is read on its first use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import loyalty.core.settings as settings
calls = []
read = settings.stored_shop_settings
settings.stored_shop_settings = lambda url: calls.append(url) or read(url)
import api.main, workers.app, workers.tasks
print(len(calls))
print(workers.app.app.conf.task_default_queue, workers.app.app.conf.task_acks_late)
print(len(calls))
"""


def test_importing_the_celery_app_reads_no_database(tmp_path: Path) -> None:
    env = {"LOYALTY_DATABASE_URL": f"sqlite:///{tmp_path / 'shop.db'}", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    before, config, after = done.stdout.split("\n")[:3]
    assert before == "0"  # built, tasks registered, the API's publisher installed: nothing read
    assert config == "loyalty True"
    assert after == "1"  # the configuration read the shop's settings once, when first needed
