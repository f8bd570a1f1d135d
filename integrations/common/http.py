"""The one HTTP layer every connector uses: timeouts, bounded retries, Retry-After, redaction.

- Every request has a connect and a read timeout.
- Transient failures are retried a bounded number of times with exponential backoff
  and full jitter: connection errors and resets, timeouts, 429, 5xx, a body cut
  short or not parseable as the JSON promised, and whatever the vendor calls
  throttling (Canvas answers 403 "Rate Limit Exceeded"; see ``is_throttled``).
- ``Retry-After`` (seconds or an HTTP date) is honoured, up to ``max_retry_after``.
- The vendor's request id is logged with every response and put in error messages.
- Secrets never reach a log line or an exception: URL query parameters that look
  like credentials and every configured secret value are replaced by ``***``.
"""

from __future__ import annotations

import email.utils
import logging
import os
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import msgspec
import requests
from requests.auth import AuthBase

from integrations.common.schema import ExtractError

log = logging.getLogger(__name__)

SECRET_PARAMS = re.compile(
    r"(token|access_token|api_key|apikey|key|password|secret|client_secret|code|sig)$", re.I
)
REQUEST_ID_HEADERS = (
    "request-id",
    "x-request-id",
    "x-request-context",
    "client-request-id",
    "x-ms-request-id",
    "x-canvas-meta",
)


_SECRET_IN_URL = re.compile(
    r"((?:access_token|token|api_key|apikey|password|secret|client_secret|code|sig)=)[^&\s\"']+",
    re.I,
)


class _RedactUrlSecrets(logging.Filter):
    """urllib3 logs full URLs at DEBUG; credentials in query strings must not follow them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(
                _SECRET_IN_URL.sub(r"\1***", a) if isinstance(a, str) else a
                for a in (record.args if isinstance(record.args, tuple) else (record.args,))
            )
        if isinstance(record.msg, str):
            record.msg = _SECRET_IN_URL.sub(r"\1***", record.msg)
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_RedactUrlSecrets())


class HttpError(ExtractError):
    """A request failed for good (after retries, or not retryable). Safe to log."""

    def __init__(self, message: str, *, status: int | None = None, request_id: str | None = None):
        super().__init__(message)
        self.status = status
        self.request_id = request_id


@dataclass
class RetryPolicy:
    max_attempts: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    max_retry_after: float = 120.0
    retry_statuses: frozenset[int] = frozenset({408, 429, 500, 502, 503, 504})


@dataclass
class HttpClient:
    """A session bound to one vendor's base URL, auth and retry policy."""

    vendor: str
    base_url: str
    auth: AuthBase | tuple[str, str] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout: tuple[float, float] = (5.0, 30.0)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    secrets: Iterable[str] = ()
    is_throttled: Callable[[requests.Response], bool] | None = None
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    request_count: int = 0

    def __post_init__(self) -> None:
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": "leadership-passport/0.1", **self.headers})
        # The environment's proxy and CA-bundle settings are read once per origin here,
        # not by requests on every call (which walks the whole environment each time: a
        # sync sends thousands of requests). No .netrc: every vendor's credentials are
        # its connection's.
        self.session.trust_env = False
        self.session.verify = (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        )
        self._proxies: dict[tuple[str, str], dict[str, str]] = {}
        self._secrets = [s for s in self.secrets if s and len(s) >= 4]

    def _proxies_for(self, url: str) -> dict[str, str]:
        """The environment's proxies for ``url``'s origin (``no_proxy`` honoured)."""
        origin = urlsplit(url)[:2]
        if origin not in self._proxies:
            self._proxies[origin] = requests.utils.get_environ_proxies(url)
        return self._proxies[origin]

    # -- public -------------------------------------------------------------------------

    def url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return urljoin(self.base_url.rstrip("/") + "/", path_or_url.lstrip("/"))

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Any = None,
        json_body: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        expect: str = "json",
        decode_as: Any = None,
    ) -> requests.Response:
        """Send with retries; the returned response's body was read in full (and parsed).

        ``expect`` is ``json`` (the body must parse; ``response.parsed`` holds it),
        ``bytes`` (the body must be complete) or ``none``. ``decode_as``: a msgspec type
        for the JSON (``msgspec.Raw`` parts stay undecoded); a body of another shape is
        decoded as it is, for the caller to say what is wrong with it.
        """
        url = self.url(path_or_url)
        shown = self.redact_url(url, params)
        last_problem = "no attempt made"
        for attempt in range(1, self.retry.max_attempts + 1):
            self.request_count += 1
            started = time.monotonic()
            try:
                response = self.session.request(
                    method,
                    url,
                    proxies=self._proxies_for(url),
                    params=params,
                    json=json_body,
                    data=data,
                    headers=headers,
                    auth=self.auth,
                    timeout=self.timeout,
                )
                body = response.content  # reads it all: a body cut short raises here
            except requests.Timeout:
                last_problem = f"no answer within {self.timeout[1]:.0f}s"
                self._wait(attempt, None, method, shown, last_problem)
                continue
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                last_problem = f"connection failed ({self.redact(_short(exc))})"
                self._wait(attempt, None, method, shown, last_problem)
                continue
            request_id = _request_id(response)
            elapsed = time.monotonic() - started
            log.info(
                "%s %s %s -> %s in %.2fs%s",
                self.vendor,
                method,
                shown,
                response.status_code,
                elapsed,
                f" (request id {request_id})" if request_id else "",
            )
            if self._retryable(response):
                last_problem = f"HTTP {response.status_code}{_reason(response)}"
                if request_id:
                    last_problem += f" (request id {request_id})"
                self._wait(attempt, response, method, shown, last_problem)
                continue
            if response.status_code >= 400:
                raise HttpError(
                    f"{self.vendor} {method} {shown} failed: HTTP {response.status_code}"
                    f"{_reason(response)}: {self.redact(_excerpt(body))}"
                    f"{f' (request id {request_id})' if request_id else ''}. "
                    f"{_advice(response.status_code)}",
                    status=response.status_code,
                    request_id=request_id,
                )
            if expect == "json":
                try:
                    response.parsed = _decode_json(body, decode_as) if body else None  # type: ignore[attr-defined]
                except ValueError:  # msgspec.DecodeError is one
                    last_problem = f"the body is not valid JSON ({len(body)} bytes, cut short?)"
                    self._wait(attempt, None, method, shown, last_problem)
                    continue
            return response
        raise HttpError(
            f"{self.vendor} {method} {shown} failed after {self.retry.max_attempts} attempts: "
            f"{last_problem}. The service may be down or throttling; retry later, and if it "
            "persists check the vendor's status page."
        )

    def get_json(self, path_or_url: str, **kwargs: Any) -> Any:
        return self.request("GET", path_or_url, **kwargs).parsed  # type: ignore[attr-defined]

    def post_json(self, path_or_url: str, **kwargs: Any) -> Any:
        return self.request("POST", path_or_url, **kwargs).parsed  # type: ignore[attr-defined]

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def redact_url(self, url: str, params: Any = None) -> str:
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        if isinstance(params, Mapping):
            query += [(k, str(v)) for k, v in params.items() if not isinstance(v, (list, tuple))]
        elif isinstance(params, list):
            query += [(str(k), str(v)) for k, v in params]
        safe = [(k, "***" if SECRET_PARAMS.search(k) else v) for k, v in query]
        shown = urlunsplit(parts._replace(query=urlencode(safe, safe="[]:,*")))
        return self.redact(shown)

    # -- internals ----------------------------------------------------------------------

    def _retryable(self, response: requests.Response) -> bool:
        if response.status_code in self.retry.retry_statuses:
            return True
        return bool(self.is_throttled and self.is_throttled(response))

    def _wait(
        self,
        attempt: int,
        response: requests.Response | None,
        method: str,
        shown: str,
        problem: str,
    ) -> None:
        if attempt >= self.retry.max_attempts:
            return
        delay = self.rng.uniform(
            0, min(self.retry.backoff_max, self.retry.backoff_base * 2**attempt)
        )
        retry_after = _retry_after(response) if response is not None else None
        if retry_after is not None:
            if retry_after > self.retry.max_retry_after:
                raise HttpError(
                    f"{self.vendor} {method} {shown}: asked to wait {retry_after:.0f}s "
                    f"(Retry-After), more than the {self.retry.max_retry_after:.0f}s allowed; "
                    "run the sync again later",
                    status=response.status_code if response is not None else None,
                )
            delay = max(delay, retry_after)
        log.warning(
            "%s %s %s: %s; retry %d of %d in %.1fs",
            self.vendor,
            method,
            shown,
            problem,
            attempt,
            self.retry.max_attempts - 1,
            delay,
        )
        self.sleep(delay)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _decode_json(body: bytes, decode_as: Any) -> Any:
    # msgspec: a Graph sync's 46 MB of answers decode in a third of the json module's time
    if decode_as is not None:
        try:
            return msgspec.json.decode(body, type=decode_as)
        except msgspec.ValidationError:
            pass  # valid JSON of another shape
    return msgspec.json.decode(body)


def _request_id(response: requests.Response) -> str | None:
    for name in REQUEST_ID_HEADERS:
        if name in response.headers:
            return response.headers[name][:100]
    return None


def _reason(response: requests.Response) -> str:
    return f" {response.reason}" if response.reason else ""


def _excerpt(body: bytes, limit: int = 300) -> str:
    text = body.decode("utf-8", errors="replace").strip().replace("\n", " ")
    return text[:limit] + ("..." if len(text) > limit else "")


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text[:200] + ("..." if len(text) > 200 else "")


def _advice(status: int) -> str:
    if status in (401, 403):
        return "Check the connection's credentials and the integration user's permissions."
    if status == 404:
        return "Check the connection's host and the ids in its extra settings."
    return "The request was refused; check the connection settings."


class BearerAuth(AuthBase):
    """``Authorization: Bearer <token>``; the token is a secret the client redacts."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


class HeaderAuth(AuthBase):
    """A secret in a custom header (Qualtrics' ``X-API-TOKEN``)."""

    def __init__(self, header: str, value: str) -> None:
        self.header, self.value = header, value

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers[self.header] = self.value
        return request
