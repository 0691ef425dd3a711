"""The embedded default: every message becomes a file under settings.outbox_dir, NOT sent to anyone.

The reader (the listing the outbox page shows) is loyalty/messaging/dev_outbox.py, beside the markers.

E-mail: ``<id>-email.eml`` (open it in any mail client); SMS: ``<id>-sms.json``. Files are named by the
message id and written atomically, so a retry or a crash never makes a second copy (exactly once).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from loyalty.core.settings import Settings
from loyalty.messaging.adapter import Outgoing
from loyalty.messaging.dev_outbox import NOTICE, TEST_HEADER
from workers.channels.base import build_email


class OutboxChannel:
    can_reconcile = True

    def __init__(self, settings: Settings, name: str) -> None:
        self.settings = settings
        self.name = name
        self.directory = Path(settings.outbox_dir)

    def path_for(self, out: Outgoing) -> Path:
        suffix = "eml" if self.name == "email" else "json"
        return self.directory / f"{out.message_id:08d}-{self.name}.{suffix}"

    def send(self, out: Outgoing) -> str:
        path = self.path_for(out)
        if path.exists():
            return f"outbox:{path.name}"
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.name == "email":
            headers = {"X-Loyalty-Outbox": NOTICE}
            if out.meta.get("test"):
                headers[TEST_HEADER] = "true"
            email = build_email(out, self.settings, extra_headers=headers)
            data = bytes(email)
        else:
            record = {"status": NOTICE, "to": out.to, "body": out.text, "message_id": out.message_id}
            if out.meta.get("test"):
                record["test"] = True
            data = json.dumps(record, ensure_ascii=False, indent=2).encode()
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        return f"outbox:{path.name}"

    def find_accepted(self, out: Outgoing) -> str | None:
        path = self.path_for(out)
        return f"outbox:{path.name}" if path.exists() else None
