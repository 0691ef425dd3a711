"""The local provider servers the send paths talk to, each in a process of its own (not sharing the
sender's interpreter lock): the test suite's Twilio Messages API fake, its NetGSM REST v2 fake and its
aiosmtpd server.

    python -m benchmarks.fakes twilio|netgsm|smtp     prints "READY <address>", runs until stdin closes
"""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tests.workers.netgsm_fake import FakeNetgsmServer
from tests.workers.smtp_fake import SmtpServer
from tests.workers.twilio_fake import FakeTwilioServer


def serve(kind: str) -> None:
    logging.getLogger("mail.log").setLevel(logging.ERROR)  # aiosmtpd warns of a deprecation per message
    if kind == "twilio":
        with FakeTwilioServer() as twilio:
            print("READY", twilio.url, flush=True)
            sys.stdin.read()  # until the harness closes our stdin
        return
    if kind == "netgsm":
        with FakeNetgsmServer() as netgsm:
            print("READY", netgsm.url, flush=True)
            sys.stdin.read()
        return
    smtp = SmtpServer()
    smtp.start()
    try:
        print("READY", smtp.port, flush=True)
        sys.stdin.read()
    finally:
        smtp.stop()


@contextmanager
def running(kind: str) -> Iterator[str]:
    """Start a fake in a child process; yields its address (a base URL, or an SMTP port as text)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.fakes", kind],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().split()
        if len(line) != 2 or line[0] != "READY":
            raise RuntimeError(f"the {kind} fake did not start: {line}")
        yield line[1]
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


if __name__ == "__main__":
    serve(sys.argv[1])
