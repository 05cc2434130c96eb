"""Delivery to a webhook: retries on 429 and 5xx with the server's Retry-After (waits measured on a fake
clock), what is not retried, redirects refused, and the URL's secret parts in no message.

A local HTTP server (pytest-httpserver) plays the webhook: the faults here (429, a 500 that persists, a
redirect) are what a real chat service answers only when it is overloaded or has moved.
"""

from __future__ import annotations

import base64
import json
import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import quote

import pytest
from pytest_httpserver import HTTPServer

from slokit.errors import ExitCode
from slokit.notify.sender import NotifyFailed, post, webhook_url
from slokit.redact import url_secrets
from slokit.settings import REDACT

TOKEN_PATH = "/services/T0AB12CD3/B0XY45ZZ6/Xy9kLmN0pQ7rS2tUvW4zA1bC"
TOKEN = "Xy9kLmN0pQ7rS2tUvW4zA1bC"
BODY = json.dumps({"text": "hello"}).encode()


class FakeClock:
    """Monotonic time that moves only when slept; the wall clock at a fixed moment plus that."""

    def __init__(self) -> None:
        self.time = 1000.0
        self.slept: list[float] = []
        self.start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

    def monotonic(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.time += seconds

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.time - 1000.0)


@pytest.fixture(autouse=True)
def _forget_secrets() -> None:
    REDACT.clear()


def test_posts_the_body_as_json(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(TOKEN_PATH, method="POST").respond_with_data("ok")
    delivered = post(httpserver.url_for(TOKEN_PATH), BODY, clock=FakeClock())
    assert (delivered.status, delivered.attempts, delivered.waited) == (200, 1, 0.0)
    [(request, _)] = httpserver.log
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert request.headers["User-Agent"].startswith("slokit/")
    assert json.loads(request.get_data()) == {"text": "hello"}


def test_429_waits_the_retry_after_seconds_then_delivers(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(TOKEN_PATH).respond_with_data(
        '{"ok":false,"error":"ratelimited"}', status=429, headers={"Retry-After": "7"}
    )
    httpserver.expect_ordered_request(TOKEN_PATH).respond_with_data("ok")
    clock = FakeClock()
    delivered = post(httpserver.url_for(TOKEN_PATH), BODY, clock=clock)
    assert clock.slept == [7.0]
    assert (delivered.attempts, delivered.waited) == (2, 7.0)
    assert len(httpserver.log) == 2


def test_429_with_an_http_date_waits_until_then(httpserver: HTTPServer) -> None:
    clock = FakeClock()
    later = format_datetime(clock.start + timedelta(seconds=12), usegmt=True)
    httpserver.expect_ordered_request(TOKEN_PATH).respond_with_data(
        "", status=429, headers={"Retry-After": later}
    )
    httpserver.expect_ordered_request(TOKEN_PATH).respond_with_data("ok")
    post(httpserver.url_for(TOKEN_PATH), BODY, clock=clock)
    assert clock.slept == [12.0]


def test_retry_after_past_the_total_fails_at_once(httpserver: HTTPServer) -> None:
    httpserver.expect_request(TOKEN_PATH).respond_with_data("", status=429, headers={"Retry-After": "120"})
    clock = FakeClock()
    with pytest.raises(NotifyFailed) as failed:
        post(httpserver.url_for(TOKEN_PATH), BODY, clock=clock)
    assert clock.slept == [] and len(httpserver.log) == 1
    assert str(failed.value) == (
        f"the webhook at {httpserver.host}:{httpserver.port} answered HTTP 429; it asked to retry after "
        "120 s, past the 60 s slokit gives a delivery"
    )


def test_500_that_persists_fails_after_three_tries_naming_the_status(httpserver: HTTPServer) -> None:
    httpserver.expect_request(TOKEN_PATH).respond_with_data("upstream broke", status=500)
    clock = FakeClock()
    with pytest.raises(NotifyFailed) as failed:
        post(httpserver.url_for(TOKEN_PATH), BODY, clock=clock)
    assert failed.value.exit_code == ExitCode.DELIVERY == 4
    assert len(httpserver.log) == 3
    assert clock.slept == [1.0, 2.0]  # no Retry-After: 1 s, then 2 s
    assert str(failed.value) == (
        f"the webhook at {httpserver.host}:{httpserver.port} answered HTTP 500: upstream broke (3 attempts)"
    )


def test_a_client_error_is_not_retried(httpserver: HTTPServer) -> None:
    httpserver.expect_request(TOKEN_PATH).respond_with_data("invalid_payload", status=400)
    clock = FakeClock()
    with pytest.raises(NotifyFailed, match=r"answered HTTP 400: invalid_payload$"):
        post(httpserver.url_for(TOKEN_PATH), BODY, clock=clock)
    assert len(httpserver.log) == 1 and clock.slept == []


def test_a_redirect_is_not_followed(httpserver: HTTPServer) -> None:
    httpserver.expect_request(TOKEN_PATH).respond_with_data(
        "", status=302, headers={"Location": f"http://elsewhere.example{TOKEN_PATH}"}
    )
    with pytest.raises(NotifyFailed) as failed:
        post(httpserver.url_for(TOKEN_PATH), BODY, clock=FakeClock())
    assert len(httpserver.log) == 1
    assert str(failed.value).startswith(
        f"the webhook at {httpserver.host}:{httpserver.port} answered HTTP 302, a redirect to "
        "elsewhere.example: slokit does not follow redirects"
    )


def test_a_refused_connection_is_not_retried() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    clock = FakeClock()
    with pytest.raises(NotifyFailed) as failed:
        post(f"http://127.0.0.1:{port}{TOKEN_PATH}", BODY, clock=clock)
    assert str(failed.value) == f"cannot connect to the webhook at 127.0.0.1:{port}: connection refused"
    assert clock.slept == []


def test_the_secret_parts_of_a_webhook_url() -> None:
    slack = url_secrets("https://hooks.slack.com/services/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")
    assert {"T0AB12CD3", "B0XY45ZZ6", TOKEN, "T0AB12CD3/B0XY45ZZ6/" + TOKEN} <= set(slack)
    assert "services" not in slack and "hooks.slack.com" not in " ".join(slack[:4])
    workflow = (
        "https://prod-12.westeurope.logic.azure.com:443/workflows/0123abcd4567ef890123abcd4567ef89/triggers/"
        "manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=AbC1dEf2GhI3jKl4"
    )
    found = url_secrets(workflow)
    assert "0123abcd4567ef890123abcd4567ef89" in found and "AbC1dEf2GhI3jKl4" in found
    assert not {"2016-06-01", "workflows", "triggers", "/triggers/manual/run", "1.0"} & set(found)


def test_the_url_in_no_form_in_a_failure(httpserver: HTTPServer) -> None:
    url = httpserver.url_for(TOKEN_PATH)
    forms = [
        url,
        TOKEN,
        quote(url, safe=""),
        quote(TOKEN_PATH, safe=""),
        base64.b64encode(url.encode()).decode(),
    ]
    forms.append(base64.b64encode(TOKEN.encode()).decode())
    # A server that quotes the request back in every encoding, as proxies' error pages do.
    httpserver.expect_request(TOKEN_PATH).respond_with_data(" | ".join(forms), status=400)
    webhook_url(url)  # registers its secret parts, as the command does before posting
    with pytest.raises(NotifyFailed) as failed:
        post(url, BODY, clock=FakeClock())
    shown = REDACT(str(failed.value))
    assert "answered HTTP 400" in shown
    for form in forms:
        assert form not in shown


def test_webhook_url_option_over_environment() -> None:
    env = {"SLOKIT_WEBHOOK_URL": "https://hooks.example.com/from-env"}
    assert webhook_url(None, env) == "https://hooks.example.com/from-env"
    assert (
        webhook_url("https://hooks.example.com/from-option", env) == "https://hooks.example.com/from-option"
    )


def test_webhook_url_problems_do_not_show_it() -> None:
    with pytest.raises(Exception, match="no webhook: pass --webhook URL or set SLOKIT_WEBHOOK_URL"):
        webhook_url(None, {})
    with pytest.raises(Exception) as failed:
        webhook_url(f"ftp://hooks.example.com{TOKEN_PATH}", {})
    assert str(failed.value) == "the webhook URL must start with https:// and name a host"


def test_plain_http_is_encrypted_enough_only_to_this_machine() -> None:
    from slokit.notify.sender import encrypted

    assert encrypted("https://hooks.slack.com/services/T0/B0/x")
    assert encrypted("http://127.0.0.1:8080/hook") and encrypted("http://localhost/hook")
    assert encrypted("http://[::1]:8080/hook")
    assert not encrypted("http://hooks.example.com/hook")
    assert not encrypted("http://10.0.0.7/hook")


def test_a_key_in_the_query_in_no_form_in_a_failure(httpserver: HTTPServer) -> None:
    # A Teams Workflows URL: the key is the workflow id in the path and the signature in the query.
    path = "/workflows/0123abcd4567ef890123abcd4567ef89/triggers/manual/paths/invoke"
    query = "api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=AbC1dEf2GhI3jKl4MnO5pQr6"
    url = f"{httpserver.url_for(path)}?{query}"
    echoed = [url, quote(url, safe=""), "AbC1dEf2GhI3jKl4MnO5pQr6", base64.b64encode(url.encode()).decode()]
    httpserver.expect_request(path).respond_with_data(" ".join(echoed), status=401)
    webhook_url(url)
    with pytest.raises(NotifyFailed) as failed:
        post(url, BODY, clock=FakeClock())
    shown = REDACT(str(failed.value))
    assert "answered HTTP 401" in shown
    for secret in ("AbC1dEf2GhI3jKl4MnO5pQr6", "0123abcd4567ef890123abcd4567ef89", *echoed):
        assert secret not in shown
