"""``slokit notify`` end to end: the demo's summary posted to a local HTTP server that captures it (Slack
blocks, a Teams card, JSON), retries on 429 and 5xx, exit codes, and the webhook URL in no output.

The demo (``slo_definitions/`` replayed from its snapshot at 2026-11-20 09:00 UTC): payments/queue-health is
exhausted (-14.1 %, freeze_on: warning: payments' releases stop), checkout/order-completion at warning (11.8 %
left, 2d9m to exhaustion at the last hour's burn), six objectives ok; five incidents need a postmortem.
The figures are those `slokit report` prints for the same snapshot (its golden tests pin them).
"""

from __future__ import annotations

import base64
import json
import socket
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from pytest_httpserver import HTTPServer

from slokit.cli import run

ROOT = Path(__file__).resolve().parents[2]
DEMO = ["slo_definitions", "--snapshot", "slo_definitions/snapshot.json.gz"]
HOOK = "/services/T0AB12CD3/B0XY45ZZ6/Xy9kLmN0pQ7rS2tUvW4zA1bC"
TOKEN = "Xy9kLmN0pQ7rS2tUvW4zA1bC"
HEADLINE = "SLO summary: 1 exhausted, 1 warning (2026-11-20 09:00 UTC)"
QUEUE = "EXHAUSTED · budget left -14.1% (-5m41s) · budget spent · owner platform-ops (operational)"
ORDERS = "WARNING · budget left 11.8% (15.3k events) · runs out in 2d9m · owner checkout-dev (application)"


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLOKIT_WEBHOOK_URL", raising=False)
    monkeypatch.chdir(ROOT)


def notify(capsys: pytest.CaptureFixture[str], *args: str, debug: bool = False) -> tuple[int, str, str]:
    code = run([*(["--debug"] if debug else []), "notify", *args])
    out, err = capsys.readouterr()
    return code, out, err


def posted(server: HTTPServer) -> list[Any]:
    return [json.loads(request.get_data()) for request, _ in server.log]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_slack_summary_of_the_demo(httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]) -> None:
    httpserver.expect_request(HOOK, method="POST").respond_with_data("ok")
    code, out, err = notify(capsys, *DEMO, "--webhook", httpserver.url_for(HOOK))
    assert (code, err) == (0, "")
    assert out == f"posted to {httpserver.host}:{httpserver.port} (slack, HTTP 200): {HEADLINE}\n"
    [message] = posted(httpserver)
    assert message["text"] == HEADLINE
    blocks = message["blocks"]
    assert [b["type"] for b in blocks] == ["header", "context", "section", "divider", *["section"] * 4]
    assert blocks[0]["text"] == {"type": "plain_text", "text": "SLO summary"}
    assert [f["text"] for f in blocks[2]["fields"]] == [
        "*Objectives*\n8",
        "*Exhausted*\n1",
        "*Warning*\n1",
        "*OK*\n6",
    ]
    assert blocks[4]["text"]["text"].splitlines() == [
        "*Needs attention*",
        f"🔴 *payments/queue-health*: {QUEUE}",
        f"🟠 *checkout/order-completion*: {ORDERS}",
    ]
    assert blocks[5]["text"]["text"].splitlines() == [
        "*Release freezes*",
        "🔴 *payments*: feature releases stop: queue-health is EXHAUSTED (freeze_on: warning, owner "
        "platform-ops)",
    ]
    postmortems = blocks[6]["text"]["text"].splitlines()
    assert postmortems[0] == "*Postmortems due*" and len(postmortems) == 1 + 5
    assert postmortems[1] == (
        "• *checkout/order-completion*: incident since 2026-11-14 09:00 UTC (ongoing) consumed 56.2% of the "
        "budget (over 20%)"
    )
    assert blocks[7]["text"]["text"].splitlines() == [
        "*Teams*",
        "• *platform-ops (operational)*: 1 exhausted, 4 ok",
        "• *checkout-dev (application)*: 1 warning",
        "• *discovery-dev (application)*: 1 ok",
        "• *payments-dev (application)*: 1 ok",
    ]


def test_teams_card_for_one_team(httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]) -> None:
    httpserver.expect_request(HOOK).respond_with_data("", status=202)  # what Teams Workflows answer
    code, out, _ = notify(
        capsys, *DEMO, "--webhook", httpserver.url_for(HOOK), "--format", "teams", "--team", "checkout-dev"
    )
    assert code == 0 and "(teams, HTTP 202): SLO summary: checkout-dev: 1 warning" in out
    [message] = posted(httpserver)
    assert message["type"] == "message"
    [attachment] = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    body = card["body"]
    assert body[0]["text"] == "SLO summary: checkout-dev"
    # checkout-dev's summary covers checkout, both kinds: availability, latency, uptime and its own.
    assert body[2]["facts"] == [
        {"title": "Objectives", "value": "4"},
        {"title": "Warning", "value": "1"},
        {"title": "OK", "value": "3"},
    ]
    assert body[4]["facts"] == [{"title": "checkout/order-completion", "value": ORDERS}]
    fact_sets = [b["facts"] for b in body if b["type"] == "FactSet"]
    assert [f["title"] for f in fact_sets[-2]] == [
        "checkout/order-completion",
        "checkout/uptime",
    ]  # postmortems
    assert fact_sets[-1] == [{"title": "checkout-dev (application)", "value": "1 warning"}]


def test_json_figures_are_the_reports(httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["report", *DEMO, "--format", "json"]) == 0
    report = {
        f"{o['service']}/{o['objective']}": o for o in json.loads(capsys.readouterr().out)["objectives"]
    }
    httpserver.expect_request(HOOK).respond_with_data("ok")
    assert notify(capsys, *DEMO, "--webhook", httpserver.url_for(HOOK), "--format", "json")[0] == 0
    [message] = posted(httpserver)
    assert message["counts"] == {"exhausted": 1, "warning": 1, "error": 0, "no_data": 0, "ok": 6}
    for item in message["attention"]:
        known = report[f"{item['service']}/{item['objective']}"]
        assert item["budget_remaining"] == known["error_budget"]["remaining"]
        assert item["time_to_exhaustion_seconds"] == known["time_to_exhaustion_seconds"]
    assert message["text"].startswith(HEADLINE)


def test_webhook_from_the_environment_and_the_option_over_it(
    httpserver: HTTPServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    httpserver.expect_request("/env/Ab1Cd2Ef3Gh4").respond_with_data("ok")
    httpserver.expect_request("/option/Zy9Xw8Vu7Ts6").respond_with_data("ok")
    monkeypatch.setenv("SLOKIT_WEBHOOK_URL", httpserver.url_for("/env/Ab1Cd2Ef3Gh4"))
    assert notify(capsys, *DEMO)[0] == 0
    assert notify(capsys, *DEMO, "--webhook", httpserver.url_for("/option/Zy9Xw8Vu7Ts6"))[0] == 0
    assert [request.path for request, _ in httpserver.log] == ["/env/Ab1Cd2Ef3Gh4", "/option/Zy9Xw8Vu7Ts6"]


def test_no_webhook_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = notify(capsys, *DEMO)
    assert (code, out) == (2, "")
    assert err == (
        "error: no webhook: pass --webhook URL or set SLOKIT_WEBHOOK_URL (the environment keeps it out of "
        "shell history)\n"
    )


def test_429_then_success_waits_the_retry_after(
    httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    httpserver.expect_ordered_request(HOOK).respond_with_data(
        "rate limited", status=429, headers={"Retry-After": "1"}
    )
    httpserver.expect_ordered_request(HOOK).respond_with_data("ok")
    started = time.monotonic()
    code, out, _ = notify(capsys, *DEMO, "--webhook", httpserver.url_for(HOOK))
    assert code == 0 and len(httpserver.log) == 2
    assert time.monotonic() - started >= 1.0  # the second try came after the second the server asked for
    assert "(slack, HTTP 200 after 2 attempts)" in out
    first, second = posted(httpserver)
    assert first == second  # the same message, once delivered


def test_500_that_persists_exits_4_naming_the_status(
    httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    httpserver.expect_request(HOOK).respond_with_data(
        "server error", status=500, headers={"Retry-After": "0"}
    )
    code, out, err = notify(capsys, *DEMO, "--webhook", httpserver.url_for(HOOK))
    assert (code, out) == (4, "")
    assert err == (
        f"error: the webhook at {httpserver.host}:{httpserver.port} answered HTTP 500: server error "
        "(3 attempts)\n"
    )
    assert len(httpserver.log) == 3


def test_the_url_in_no_output_in_any_form(httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]) -> None:
    url = httpserver.url_for(HOOK)
    forms = [
        url,
        TOKEN,
        HOOK,
        quote(url, safe=""),
        quote(TOKEN, safe=""),
        base64.b64encode(url.encode()).decode(),
        base64.urlsafe_b64encode(url.encode()).decode(),
        base64.b64encode(TOKEN.encode()).decode(),
    ]
    # A proxy's error page that quotes the request back in every encoding.
    httpserver.expect_request(HOOK).respond_with_data(" ".join(forms), status=403)
    code, out, err = notify(capsys, *DEMO, "--webhook", url, debug=True)
    assert code == 4 and "answered HTTP 403" in err
    for form in forms:
        assert form not in out + err
    # A refused connection, its traceback (--debug) included.
    port = closed_port()
    closed = f"http://127.0.0.1:{port}{HOOK}"
    code, out, err = notify(capsys, *DEMO, "--webhook", closed, debug=True)
    assert code == 4 and "Traceback" in err
    assert f"error: cannot connect to the webhook at 127.0.0.1:{port}: connection refused\n" in err
    for form in (closed, TOKEN, quote(closed, safe=""), base64.b64encode(closed.encode()).decode()):
        assert form not in out + err


def test_a_redirect_is_a_delivery_failure(httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]) -> None:
    httpserver.expect_request(HOOK).respond_with_data(
        "", status=301, headers={"Location": "https://moved.example/x"}
    )
    code, _, err = notify(capsys, *DEMO, "--webhook", httpserver.url_for(HOOK))
    assert code == 4
    assert (
        f"the webhook at {httpserver.host}:{httpserver.port} answered HTTP 301, a redirect to moved.example"
        in err
    )
    assert len(httpserver.log) == 1


def test_a_refused_connection_exits_4(capsys: pytest.CaptureFixture[str]) -> None:
    port = closed_port()
    code, out, err = notify(capsys, *DEMO, "--webhook", f"http://127.0.0.1:{port}{HOOK}")
    assert (code, out) == (4, "")
    assert err == f"error: cannot connect to the webhook at 127.0.0.1:{port}: connection refused\n"


def test_a_failed_source_is_posted_as_errors_and_exits_3(
    httpserver: HTTPServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "slokit.yaml").write_text("prometheus: {retries: 0}\n")
    prometheus = f"http://127.0.0.1:{closed_port()}"
    httpserver.expect_request(HOOK).respond_with_data("ok")
    code, out, err = notify(
        capsys,
        "slo_definitions",
        "--at",
        "2026-11-20T09:00:00Z",
        "--prometheus-url",
        prometheus,
        "--config",
        str(tmp_path / "slokit.yaml"),
        "--webhook",
        httpserver.url_for(HOOK),
    )
    assert code == 3
    assert out.startswith(
        f"posted to {httpserver.host}:{httpserver.port} (slack, HTTP 200): SLO summary: 8 error"
    )
    assert err == f"error: 8 objectives: cannot connect to Prometheus at {prometheus}: connection refused\n"
    [message] = posted(httpserver)
    assert [f["text"] for f in message["blocks"][2]["fields"]] == ["*Objectives*\n8", "*Error*\n8"]


def test_dry_run_prints_the_body_and_needs_no_webhook(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = notify(capsys, *DEMO, "--dry-run", "--format", "teams", "--team", "payments-dev")
    assert (code, err) == (0, "")
    card = json.loads(out)["attachments"][0]["content"]
    assert card["body"][0]["text"] == "SLO summary: payments-dev"
    # payments-dev's summary covers payments: its own objective and the exhausted operational one.
    assert card["body"][2]["facts"][:2] == [
        {"title": "Objectives", "value": "2"},
        {"title": "Exhausted", "value": "1"},
    ]


def test_an_unknown_team_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = notify(capsys, *DEMO, "--dry-run", "--team", "nobody")
    assert code == 2
    assert err.startswith("error: --team 'nobody' is neither a team nor a kind (teams: checkout-dev, ")


def test_https_to_a_plain_http_server_is_a_failed_handshake_not_an_untrusted_certificate(
    httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    port = httpserver.port
    code, out, err = notify(capsys, *DEMO, "--webhook", f"https://127.0.0.1:{port}{HOOK}")
    assert (code, out) == (4, "")
    where = f"the webhook at 127.0.0.1:{port}"
    assert err.startswith(f"error: cannot connect to {where}: the TLS handshake failed")
    assert "certificate" not in err and TOKEN not in err
    assert httpserver.log == []
