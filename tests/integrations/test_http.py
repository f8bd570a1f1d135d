"""The shared HTTP layer: what it retries, how long it waits, what it never logs."""

from __future__ import annotations

import logging
import re

import pytest

from integrations.common.http import BearerAuth, HttpClient, HttpError, RetryPolicy
from simulator.servers.base import Request, Response, SimServer

TOKEN = "s3cr3t-token-value"


class Echo(SimServer):
    name = "echo"

    def __init__(self) -> None:
        super().__init__()
        self.responses: list[Response] = []

    def handle(self, request: Request) -> Response:
        if self.responses:
            return self.responses.pop(0)
        return Response.json({"ok": True, "path": request.path})


@pytest.fixture
def echo():
    with Echo() as server:
        yield server


def client(server: SimServer, **kwargs) -> tuple[HttpClient, list[float]]:
    waits: list[float] = []
    http = HttpClient(
        vendor="echo",
        base_url=server.url,
        auth=BearerAuth(TOKEN),
        secrets=[TOKEN],
        timeout=(1.0, 1.0),
        retry=RetryPolicy(max_attempts=4, backoff_base=0.01, backoff_max=0.05),
        sleep=waits.append,
        **kwargs,
    )
    return http, waits


@pytest.mark.parametrize("fault", ["429", "5xx", "reset", "truncated", "slow"])
def test_transient_faults_are_retried_until_the_answer_is_whole(echo, fault) -> None:
    echo.inject(fault, times=2, delay=1.5)
    http, waits = client(echo)
    assert http.get_json("/thing") == {"ok": True, "path": "/thing"}
    assert len(echo.requests) == 3 and len(waits) == 2


def test_retry_after_is_honoured(echo) -> None:
    echo.inject("429", times=1, retry_after=7)
    http, waits = client(echo)
    http.get_json("/thing")
    assert waits == [7.0]


def test_retry_after_beyond_the_limit_fails_with_advice(echo) -> None:
    echo.inject("429", times=1, retry_after=900)
    http, _ = client(echo)
    with pytest.raises(HttpError, match=r"asked to wait 900s.*run the sync again later"):
        http.get_json("/thing")


def test_attempts_are_bounded_and_the_error_says_what_happened(echo) -> None:
    echo.inject("5xx", times=None)
    http, waits = client(echo)
    with pytest.raises(HttpError) as error:
        http.get_json("/thing")
    assert len(echo.requests) == 4 and len(waits) == 3
    assert "failed after 4 attempts: HTTP 503" in str(error.value)
    assert "request id echo-" in str(error.value)


def test_client_errors_are_not_retried_and_name_the_fix(echo) -> None:
    echo.responses.append(Response.json({"error": "bad token"}, 401))
    http, waits = client(echo)
    with pytest.raises(HttpError, match=r"HTTP 401.*Check the connection's credentials"):
        http.get_json("/thing")
    assert waits == [] and len(echo.requests) == 1


def test_vendor_throttling_predicate_is_retried(echo) -> None:
    echo.responses.append(Response.text("403 Forbidden (Rate Limit Exceeded)", 403))
    http, waits = client(echo, is_throttled=lambda r: b"Rate Limit" in r.content)
    assert http.get_json("/thing")["ok"] is True
    assert len(waits) == 1


def test_secrets_never_reach_logs_or_errors(echo, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    echo.inject("5xx", times=None)
    echo.responses.append(Response.json({"echo": TOKEN}, 400))
    http, _ = client(echo)
    with pytest.raises(HttpError) as first:
        http.get_json(f"/thing?access_token={TOKEN}&page=2")
    echo.clear()
    with pytest.raises(HttpError) as second:
        http.get_json("/other", params={"api_key": TOKEN})
    text = caplog.text + str(first.value) + str(second.value)
    assert TOKEN not in text
    assert re.search(r"access_token=\*\*\*", text)


def test_the_bearer_token_is_sent_but_not_recorded(echo) -> None:
    http, _ = client(echo)
    http.get_json("/thing")
    assert "Authorization" not in echo.requests[0].headers


def test_a_typed_decode_leaves_raw_parts_undecoded_and_other_shapes_as_they_are(echo) -> None:
    import msgspec

    http, _ = client(echo)
    echo.responses.append(Response.json({"value": [{"id": 1, "items": [1, 2]}], "extra": "x"}))
    typed = http.get_json("/thing", decode_as=dict[str, msgspec.Raw])
    assert isinstance(typed["value"], msgspec.Raw)
    assert msgspec.json.decode(typed["value"]) == [{"id": 1, "items": [1, 2]}]

    # valid JSON of another shape: decoded as it is, for the caller to name the problem
    echo.responses.append(Response.json([1, 2, 3]))
    assert http.get_json("/thing", decode_as=dict[str, msgspec.Raw]) == [1, 2, 3]

    # a body cut short is still retried like any other
    echo.inject("truncated", times=1)
    assert http.get_json("/thing", decode_as=dict[str, msgspec.Raw])["path"]
    assert len(echo.requests) == 4


def _without_proxy_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def test_the_environments_proxy_carries_the_requests(echo, monkeypatch) -> None:
    _without_proxy_settings(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", echo.url)  # the echo server plays the proxy
    http = HttpClient(vendor="vendor", base_url="http://vendor.example/api", sleep=lambda _: None)
    assert http.get_json("/thing")["ok"] is True
    assert http.get_json("/other")["ok"] is True
    # a proxy is asked for the absolute URL of the vendor's host
    assert [r.headers.get("Host") for r in echo.requests] == ["vendor.example"] * 2


def test_no_proxy_hosts_are_reached_directly(echo, monkeypatch) -> None:
    _without_proxy_settings(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    http, _ = client(echo)
    assert http.get_json("/thing") == {"ok": True, "path": "/thing"}
