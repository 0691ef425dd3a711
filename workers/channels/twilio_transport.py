"""The twilio client's HTTP transport: urllib3's pool, one kept-alive connection, behind twilio's own
``HttpClient`` interface (the client's documented place for a transport of one's own).

The stock transport (``TwilioHttpClient``) goes through a requests ``Session`` on every call: a
``Request`` prepared, merged with the session's cookies, hooks and settings, its form body encoded
through runtime ``typing`` protocol checks. That is over two fifths of a call's CPU on the send path,
for nothing a provider call needs (measured: 0.44 ms of CPU a message against 0.24 here, same local
server). What the stock transport gives that a call does need is kept:

- the environment's proxy (``HTTPS_PROXY``, ``NO_PROXY``...) and CA bundle (``REQUESTS_CA_BUNDLE``)
  for the one host it calls, read once when it is made, by requests' own rules;
- requests' certificate bundle otherwise, and one timeout for connecting and for reading;
- no retry and no redirect: a POST that may have reached Twilio is never sent twice here (the send
  path reconciles instead);
- requests' exception types, which ``twilio_sms`` classifies (timeout before or after sending, lost
  connection).

``base_url`` (``LOYALTY_TWILIO_BASE_URL``) swaps scheme and host and keeps Twilio's paths; the last
response's headers are kept, so a 429's Retry-After is honoured.
"""

from __future__ import annotations

import json
import logging
from base64 import b64encode
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests
import urllib3
from requests.utils import DEFAULT_CA_BUNDLE_PATH, select_proxy
from twilio.http import HttpClient
from twilio.http.response import Response
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProxyError,
    ReadTimeoutError,
    SSLError,
)

TWILIO_API = "https://api.twilio.com"
FORM = "application/x-www-form-urlencoded"
JSON_TYPES = ("application/json", "application/scim+json")  # as the stock transport sends JSON bodies


def pool_for(url: str, timeout: float | None) -> urllib3.PoolManager:
    """A pool for ``url``'s host with the environment's proxy and CA bundle for it (requests' rules),
    one connection kept alive, no retry, no redirect."""
    found = requests.Session().merge_environment_settings(url, {}, None, None, None)
    verify = found["verify"]
    options: dict[str, Any] = {
        "maxsize": 1,
        "retries": False,
        "timeout": urllib3.Timeout(connect=timeout, read=timeout),
        "cert_reqs": "CERT_REQUIRED" if verify is not False else "CERT_NONE",
        "ca_certs": verify if isinstance(verify, str) else DEFAULT_CA_BUNDLE_PATH,
    }
    proxy = select_proxy(url, found["proxies"])
    if not proxy:
        return urllib3.PoolManager(**options)
    if proxy.lower().startswith("socks"):
        from urllib3.contrib.socks import SOCKSProxyManager  # noqa: PLC0415  # needs PySocks, as in requests

        return SOCKSProxyManager(proxy, **options)
    return urllib3.ProxyManager(proxy, **options)


def as_requests_error(exc: HTTPError) -> requests.RequestException:
    """urllib3's error as the requests one the stock transport raises for it."""
    if isinstance(exc, ProxyError):
        return requests.exceptions.ProxyError(exc)
    if isinstance(exc, SSLError):
        return requests.exceptions.SSLError(exc)
    if isinstance(exc, NewConnectionError):  # a subclass of ConnectTimeoutError: refused, unreachable
        return requests.ConnectionError(exc)
    if isinstance(exc, ConnectTimeoutError):
        return requests.ConnectTimeout(exc)
    if isinstance(exc, ReadTimeoutError):
        return requests.ReadTimeout(exc)
    return requests.ConnectionError(exc)  # the connection lost (reset, closed mid-answer...)


class Urllib3HttpClient(HttpClient):
    """twilio's ``HttpClient`` on one urllib3 pool (see the module's docstring)."""

    def __init__(self, base_url: str = "", timeout: float | None = None) -> None:
        super().__init__(logging.getLogger("twilio.http_client"), False, timeout)
        self.base_url = base_url.rstrip("/")
        self.base = urlsplit(self.base_url) if self.base_url else None
        self.pool = pool_for(self.base_url or TWILIO_API, timeout)
        self.last_headers: dict[str, str] = {}
        self._auth: tuple[tuple[str, str], str] | None = None  # the last credentials and their header

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        target = urlsplit(url)
        scheme, host = (self.base.scheme, self.base.netloc) if self.base else (target.scheme, target.netloc)
        query = "&".join(q for q in (target.query, urlencode(params or {}, doseq=True)) if q)
        url = urlunsplit((scheme, host, target.path, query, ""))
        sending = dict(headers or {})
        if auth is not None:
            if self._auth is None or self._auth[0] != auth:
                self._auth = (auth, _basic(auth))
            sending["Authorization"] = self._auth[1]
        body: str | None = None
        if data:
            if sending.get("Content-Type") in JSON_TYPES:
                body = json.dumps(data)
            else:
                body = urlencode(data, doseq=True)
                sending["Content-Type"] = FORM
        logging_on = self.logger.isEnabledFor(logging.INFO)  # the stock client formats its lines anyway
        if logging_on:
            self.log_request({"method": method.upper(), "url": url, "params": None, "headers": headers})
        self.last_headers = {}
        extra: dict[str, Any] = {}
        if timeout is not None:  # otherwise the pool's, this client's timeout
            extra["timeout"] = urllib3.Timeout(connect=timeout, read=timeout)
        try:
            answer = self.pool.request(
                method.upper(), url, body=body, headers=sending, redirect=allow_redirects, **extra
            )
        except HTTPError as exc:
            raise as_requests_error(exc) from exc
        self.last_headers = {k.lower(): v for k, v in answer.headers.items()}
        response = Response(answer.status, answer.data.decode("utf-8", errors="replace"), answer.headers)
        if logging_on:
            self.log_response(answer.status, response)
        return response

    def close(self) -> None:
        self.pool.clear()


def _basic(auth: tuple[str, str]) -> str:
    user, password = auth
    return "Basic " + b64encode(f"{user}:{password}".encode("latin-1")).decode("ascii")
