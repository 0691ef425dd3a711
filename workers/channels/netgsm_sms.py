"""SMS through NetGSM's REST v2 API (an İYS intermediary): a small client and the channel adapter.

Wire format (NetGSM's documented REST v2, as its official SDKs send it): ``POST /sms/rest/v2/send`` with
HTTP Basic auth (user code, password) and JSON ``{"msgheader", "messages": [{"msg", "no"}], "encoding":
"TR", "iysfilter", "partnercode"}``; the answer ``{"code": "00", "jobid", "description"}``, another code on
refusal (HTTP 406). Delivery reports: ``POST /sms/rest/v2/report`` ``{"jobids": [...]}`` -> ``{"jobs":
[{"jobid", "number", "status", "errorCode"}]}``. Inbox: ``GET /sms/rest/v2/inbox?startdate&stopdate``
(``ddMMyyyyHHmmss``) -> ``{"messages": [{"message", "sender", "receiver", "datetime"}]}`` (code "40": none).

The PyPI SDK ``netgsm-sms`` (1.1.2) makes a new connection per call with a fixed 30 s timeout and folds
every refusal into one exception: this client keeps one ``requests.Session`` (keep-alive) per adapter.
NetGSM numbers have no "+": ``905321112233``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import requests

from loyalty.core.settings import Settings
from loyalty.messaging.adapter import Outgoing, PermanentSendError, TransientSendError
from loyalty.models.messages import MessageState

log = logging.getLogger(__name__)
PROVIDER = "netgsm"
TURKISH_SHIFT = frozenset("şğıİŞĞ")  # only in the Turkish national shift table: encoding "TR"
MAX_PER_REQUEST = 500  # numbers per send request (NetGSM takes many; kept moderate)

# send answer codes: transient ones are retried (a configuration error until someone fixes it)
CONFIGURATION = {
    "30": "user code, password or API access (or the calling IP) refused",
    "40": "the sender header (LOYALTY_NETGSM_HEADER) is not defined at NetGSM",
    "50": "this NetGSM account cannot send İYS-filtered messages",
    "51": "no İYS brand registered for this NetGSM account",
}
THROTTLED = {"80": "sending limit exceeded", "85": "more than 20 jobs to one number in a minute"}
PERMANENT = {"20": "message text too long or invalid", "70": "invalid parameters (a number or a field)"}

# report status -> (our state, effect on the member's record)
REPORT_STATES: dict[int, tuple[MessageState | None, str | None]] = {
    0: (None, None),  # waiting
    1: (MessageState.delivered, None),
    2: (MessageState.failed, None),  # expired
    3: (MessageState.failed, "invalid_phone"),  # invalid or restricted number
    4: (MessageState.failed, None),  # not sent to the operator
    11: (MessageState.failed, None),  # rejected by the operator
    12: (MessageState.failed, None),  # delivery error
    13: (MessageState.failed, None),  # duplicate
    14: (MessageState.failed, None),  # insufficient credit
    15: (MessageState.failed, "opted_out"),  # on NetGSM's blacklist (the member replied RET there)
    16: (MessageState.failed, None),  # İYS: no consent for this commercial message
    17: (MessageState.failed, None),  # İYS error
}


def gateway_number(e164: str) -> str:
    return e164.lstrip("+")


def provider_id(jobid: str, number: str) -> str:
    """One job carries many numbers: the message's id at NetGSM is the job and the number."""
    return f"{PROVIDER}:{jobid}:{gateway_number(number)}"


def needs_tr_encoding(text: str) -> bool:
    return any(c in TURKISH_SHIFT for c in text)


class NetgsmError(Exception):
    def __init__(self, code: str, description: str, status: int) -> None:
        super().__init__(f"netgsm {status} code {code}: {description}")
        self.code, self.description, self.status = code, description, status


class NetgsmClient:
    """The raw client: one HTTP session, JSON in and out, NetgsmError for any code but "00"."""

    def __init__(self, url: str, usercode: str, password: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()
        self.http.auth = (usercode, password)

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.http.request(method, f"{self.url}{path}", timeout=self.timeout, **kwargs)
        try:
            data = response.json()
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        code = str(data.get("code", ""))
        if response.status_code >= 500 or (not code and response.status_code != 200):
            raise NetgsmError(code or str(response.status_code), response.text[:200], response.status_code)
        if code and code != "00":
            raise NetgsmError(code, str(data.get("description", "")), response.status_code)
        return data

    def send(
        self,
        header: str,
        messages: Sequence[tuple[str, str]],
        *,
        iysfilter: str,
        encoding: str = "",
        partnercode: str = "",
    ) -> str:
        """``messages``: (number, text) pairs; returns the job id."""
        body: dict[str, Any] = {
            "msgheader": header,
            "messages": [{"msg": text, "no": gateway_number(no)} for no, text in messages],
            "iysfilter": iysfilter,
        }
        if encoding:
            body["encoding"] = encoding
        if partnercode:
            body["partnercode"] = partnercode
        return str(self._call("POST", "/sms/rest/v2/send", json=body)["jobid"])

    def report(self, jobids: Sequence[str]) -> list[dict[str, Any]]:
        try:
            data = self._call("POST", "/sms/rest/v2/report", json={"jobids": list(jobids)})
        except NetgsmError as exc:
            if exc.code == "60":  # no records yet
                return []
            raise
        return list(data.get("jobs") or [])

    def inbox(self, start: str, stop: str) -> list[dict[str, Any]]:
        try:
            data = self._call("GET", "/sms/rest/v2/inbox", params={"startdate": start, "stopdate": stop})
        except NetgsmError as exc:
            if exc.code == "40":  # nothing new
                return []
            raise
        return list(data.get("messages") or [])


def classify(exc: NetgsmError) -> Exception:
    text = (
        f"{exc} ({CONFIGURATION.get(exc.code) or THROTTLED.get(exc.code) or PERMANENT.get(exc.code) or ''})"
    )
    if exc.code in CONFIGURATION:
        log.error("SMS to Turkey waits until the NetGSM settings are fixed: %s", text)
        return TransientSendError(f"{text} (a configuration error: retried until fixed)", code=exc.code)
    if exc.code in THROTTLED:
        return TransientSendError(text, code=exc.code, retry_after=60.0)
    if exc.code in PERMANENT or (400 <= exc.status < 500 and exc.status != 429):
        return PermanentSendError(text, code=exc.code)
    return TransientSendError(text, code=exc.code)  # 5xx, 100/101 system errors, 429


class NetgsmSmsChannel:
    """The adapter. NetGSM cannot be asked "did you take message N?" (its reports are by job), so after
    a crash a message may go again (at-least-once), like SMTP."""

    name = "sms"
    can_reconcile = False

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client = NetgsmClient(
            settings.netgsm_url, settings.netgsm_usercode, settings.netgsm_password, settings.netgsm_timeout
        )

    def send(self, out: Outgoing) -> str:
        return self.send_many([out])[0]

    def send_many(self, outs: Sequence[Outgoing]) -> list[str]:
        """One request for messages sharing an İYS filter and an encoding (the caller groups them)."""
        if not outs:
            return []
        iysfilter = outs[0].meta.get("iysfilter", "11")  # unknown: the commercial (filtered) default
        encoding = "TR" if any(needs_tr_encoding(o.text) for o in outs) else ""
        try:
            jobid = self.client.send(
                self.settings.netgsm_header,
                [(o.to, o.text) for o in outs],
                iysfilter=iysfilter,
                encoding=encoding,
                partnercode=self.settings.netgsm_partnercode,
            )
        except NetgsmError as exc:
            raise classify(exc) from exc
        except requests.ConnectTimeout as exc:
            raise TransientSendError(f"netgsm connect timeout: {exc}", code="timeout") from exc
        except requests.Timeout as exc:  # NetGSM may have taken it
            raise TransientSendError(f"netgsm timeout: {exc}", code="timeout", uncertain=True) from exc
        except requests.ConnectionError as exc:
            raise TransientSendError(f"netgsm connection: {exc}", code="connection", uncertain=True) from exc
        return [provider_id(jobid, o.to) for o in outs]

    def find_accepted(self, out: Outgoing) -> str | None:
        return None

    @staticmethod
    def group_key(out: Outgoing) -> tuple[str, ...]:
        """Messages that may share one send request (``send_many``): same İYS filter, same encoding."""
        return out.meta.get("iysfilter", "11"), "TR" if needs_tr_encoding(out.text) else ""


def report_updates(
    jobs: list[dict[str, Any]],
) -> list[tuple[str, MessageState | None, str, str | None, str | None]]:
    """Report rows -> (provider id, state, provider status, error code, effect)."""
    updates = []
    for job in jobs:
        status = int(job.get("status", 0) or 0)
        state, effect = REPORT_STATES.get(status, (MessageState.failed, None))
        number = str(job.get("number") or job.get("telno") or "")
        error = job.get("errorCode")
        updates.append(
            (
                provider_id(str(job.get("jobid")), number),
                state,
                f"netgsm {status}",
                str(error) if error else None,
                effect,
            )
        )
    return updates
