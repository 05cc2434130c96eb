"""No secret in any output, whatever form a hostile server echoes it in (issue 11, point 4).

A fake Prometheus (pytest-httpserver) answers the healthy objective's queries with data and refuses the
faulty one's, quoting back what it was sent: the ``Authorization`` header as is, URL-encoded (``quote`` and
``quote_plus``, as a login redirect would carry it), HTML-escaped, cut short after a few characters, and the
request URL with its query. The secrets come from the environment with a trailing newline, as a Kubernetes
secret hands them over, and hold characters that URL-encode (``/ + & = % ?`` and a space).

Every way slokit can print or write is run against it: stdout and stderr of each command, ``report -o`` in
every format, ``check --junit`` with the GitHub Actions annotations and step summary, ``record`` snapshots
(plain and gzip), ``email --dry-run --out`` (headers and decoded text of each part) and ``validate
--prometheus-url``. The check is that no eight characters in a row of any form of a secret appear anywhere:
the whole secret, a prefix or a tail.
"""

from __future__ import annotations

import base64
import gzip
import html
import json
import re
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from slokit.cli import run
from slokit.settings import REDACT
from tests.cli.test_report_faults import matrix, parse_step, window_totals

AT = "2026-11-01T00:00:00Z"
SECURITY_DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
TOKEN = "tok/3f+9a 77&c1=e2%x?#y"
USER = "reporter"
PASSWORD = "pw/91 bd+0e5a&=%?"
SMTP_USER = "slo-bot"
SMTP_PASSWORD = "smtp/pw+77 a1&=%q"


@pytest.fixture(autouse=True)
def restore_redactor() -> Iterator[None]:
    """The secrets a test registers leave with it: their prefixes must not mask other tests' output."""
    secrets, credentials = set(REDACT.secrets), set(REDACT.credentials)
    yield
    REDACT.secrets, REDACT.credentials = secrets, credentials


DEFINITIONS = """\
apiVersion: slokit/v1
service: shop
owners:
  operational: {team: ops, email: [ops@example.com]}
objectives:
  - name: healthy
    kind: operational
    target: 99
    sli:
      ratio:
        good: healthy_total{code="ok"}
        total: healthy_total
  - name: faulty
    kind: operational
    target: 99
    sli:
      ratio:
        good: faulty_total{code="ok"}
        total: faulty_total
"""


def secret_forms() -> set[str]:
    """Every form of the secrets a server may have been sent or may echo, written out independently."""
    forms: set[str] = set()
    for secret in (TOKEN, PASSWORD, SMTP_PASSWORD):
        forms |= {secret, quote(secret, safe=""), quote(secret), quote_plus(secret), html.escape(secret)}
        forms |= {json.dumps(secret)[1:-1], base64.b64encode(secret.encode()).decode()}
    for text in (f"{USER}:{PASSWORD}", f"\0{SMTP_USER}\0{SMTP_PASSWORD}", f"{SMTP_USER}:{SMTP_PASSWORD}"):
        encoded = base64.b64encode(text.encode()).decode()
        # The first characters encode the user name, which is no secret; from the 12th on, the password.
        forms.add(encoded[12:])
    return forms


PIECES = sorted({form[i : i + 8] for form in secret_forms() for i in range(len(form) - 7)})


def leaks(text: str) -> list[str]:
    return [piece for piece in PIECES if piece in text]


def echo(request: Request, padding: int) -> str:
    """What a careless server or proxy says back: the credentials in several forms, and the request."""
    auth = request.headers.get("Authorization", "")
    return (
        "p" * padding
        + f" Authorization: {auth} denied for {request.url}"
        + f" (login?next={quote_plus(auth)}&h={quote(auth, safe='')}) <b>{html.escape(auth)}</b>"
        + f" first characters: {auth[:16]}..."
        + ("q" * 100_000 if padding else "")
    )


@pytest.fixture(params=["bearer", "basic"])
def credentials(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test runs with a bearer token and with basic auth, each read with a trailing newline."""
    for name in ("TOKEN", "USER", "PASSWORD", "URL", "HEADERS"):
        monkeypatch.delenv(f"SLOKIT_PROMETHEUS_{name}", raising=False)
    for name in ("HOST", "PORT", "FROM", "TLS", "CA_BUNDLE", "REPLY_TO", "TIMEOUT"):
        monkeypatch.delenv(f"SLOKIT_SMTP_{name}", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("SLOKIT_SMTP_USER", SMTP_USER + "\n")
    monkeypatch.setenv("SLOKIT_SMTP_PASSWORD", SMTP_PASSWORD + "\n")
    if request.param == "bearer":
        monkeypatch.setenv("SLOKIT_PROMETHEUS_TOKEN", TOKEN + "\n")
        return f"Bearer {TOKEN}"
    monkeypatch.setenv("SLOKIT_PROMETHEUS_USER", USER + "\n")
    monkeypatch.setenv("SLOKIT_PROMETHEUS_PASSWORD", PASSWORD + "\n")
    return "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


@pytest.fixture(params=[0, 272], ids=["echo", "long-echo"])
def server(
    request: pytest.FixtureRequest, httpserver: HTTPServer, tmp_path: Path, credentials: str
) -> Iterator[list[str]]:
    """The fake Prometheus; yields the common arguments (definitions, --at, URL, settings file).

    ``long-echo`` puts 272 characters before the echo and 100,000 after it: slokit cuts the quoted text at
    300 characters, a few characters into the credentials, and must redact before it cuts.
    """
    padding: int = request.param
    (tmp_path / "slo.yaml").write_text(DEFINITIONS)
    (tmp_path / "slokit.yaml").write_text("prometheus: {retries: 0, timeout: 5}\n")
    sent: list[str] = []

    def refuse(req: Request) -> Response:
        sent.append(req.headers.get("Authorization", ""))
        body = {"status": "error", "errorType": "bad_data", "error": echo(req, padding)}
        return Response(json.dumps(body), status=401, content_type="application/json")

    def answer(req: Request) -> Response:
        query = req.values.get("query", "")
        if "healthy" not in query:
            return refuse(req)
        parse_step(req)
        return matrix(req, 995 if 'code="ok"' in query else 1000)

    def index(req: Request) -> Response:
        sent.append(req.headers.get("Authorization", ""))
        wanted = " ".join(req.args.getlist("match[]")) + req.values.get("query", "")
        if "faulty" in wanted:  # an HTML error page, as a proxy in front of the server would send
            page = (
                f"<html><body><h1>Unauthorized</h1><pre>{html.escape(echo(req, padding))}</pre></body></html>"
            )
            return Response(page, status=403, content_type="text/html")
        return Response(json.dumps({"status": "success", "data": [{"__name__": "healthy_total"}]}))

    httpserver.expect_request("/api/v1/query_range").respond_with_handler(answer)
    httpserver.expect_request("/api/v1/query").respond_with_handler(window_totals(answer))
    httpserver.expect_request("/api/v1/series").respond_with_handler(index)
    httpserver.expect_request("/api/v1/format_query").respond_with_handler(index)
    httpserver.expect_request("/api/v1/label/__name__/values").respond_with_handler(index)
    url = httpserver.url_for("/").rstrip("/")
    yield [str(tmp_path / "slo.yaml"), "--prometheus-url", url, "--config", str(tmp_path / "slokit.yaml")]
    assert credentials in sent  # the credentials did reach the server, stripped: it had them to echo
    # docs/security.md lists what slokit calls: every endpoint asked here is in its table.
    documented = set(re.findall(r"^\| `(/api/v1/[^`]+)` \|", SECURITY_DOC.read_text(), re.MULTILINE))
    assert {request.path for request, _ in httpserver.log} <= documented


Run = Callable[..., tuple[int, str]]


@pytest.fixture
def slokit(capsys: pytest.CaptureFixture[str]) -> Run:
    """Runs slokit; returns the exit code and stdout, then stderr."""

    def call(*args: str) -> tuple[int, str]:
        code = run(list(args))
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out + "\n" + err

    return call


def eml_text(path: Path) -> str:
    """Headers and the decoded text of every text part, as a mail client shows them."""
    message = BytesParser(policy=default).parsebytes(path.read_bytes())
    assert isinstance(message, EmailMessage)
    texts = [f"{name}: {value}" for name, value in message.items()]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            texts.append(part.get_content())
    return "\n".join(texts)


def test_report_in_every_format_keeps_the_healthy_figures_and_no_secret(
    server: list[str], slokit: Run, tmp_path: Path
) -> None:
    code, output = slokit("report", *server, "--at", AT, "--format", "json")
    assert code == 3
    assert leaks(output) == []
    document = json.loads(output[: output.index("\n}\n") + 2])
    faulty, healthy = sorted(document["objectives"], key=lambda o: o["objective"])
    assert (healthy["status"], healthy["sli"]) == ("ok", pytest.approx(0.995))
    assert healthy["error_budget"]["remaining"] == pytest.approx(0.5)
    assert faulty["status"] == "error"
    assert faulty["error"].startswith("shop/faulty: ") and "HTTP 401" in faulty["error"]
    assert "Bearer ***" in faulty["error"] or "Basic ***" in faulty["error"]
    assert len(faulty["error"]) < 500  # cut to a readable length
    for format in ("table", "markdown", "html", "json", "openmetrics"):
        out = tmp_path / f"report.{format}"
        code, output = slokit("report", *server, "--at", AT, "--format", format, "-o", str(out))
        assert code == 3
        assert leaks(output) == [] and leaks(out.read_text()) == [], format


def test_check_junit_and_github_outputs_carry_no_secret(
    server: list[str], slokit: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    junit = tmp_path / "junit.xml"
    code, output = slokit("check", *server, "--at", AT, "--junit", str(junit))
    assert code == 3
    assert "shop/faulty" in junit.read_text() and "***" in junit.read_text()
    for text in (output, junit.read_text(), summary.read_text()):
        assert leaks(text) == []


@pytest.mark.parametrize("name", ["snap.json", "snap.json.gz"])
def test_record_writes_no_secret_into_the_snapshot(
    server: list[str], slokit: Run, tmp_path: Path, name: str
) -> None:
    snapshot = tmp_path / name
    code, output = slokit("record", *server, "--at", AT, "-o", str(snapshot), "--allow-partial")
    assert code == 3
    data = snapshot.read_bytes()
    text = (gzip.decompress(data) if name.endswith(".gz") else data).decode()
    error = json.loads(text)["objectives"]["shop/faulty"]["error"]
    assert error.startswith("shop/faulty: ") and "HTTP 401" in error and "***" in error
    assert leaks(output) == [] and leaks(text) == []
    # Replayed, the snapshot gives the same report without a server.
    code, output = slokit("report", server[0], "--snapshot", str(snapshot), "--format", "json")
    assert code == 3 and leaks(output) == []


def test_email_files_carry_no_secret(server: list[str], slokit: Run, tmp_path: Path) -> None:
    out = tmp_path / "mail"
    code, output = slokit(
        "email", *server, "--at", AT, "--dry-run", "--out", str(out), "--smtp-from", "slo@example.com"
    )
    assert code == 3
    files = sorted(out.glob("*.eml"))
    assert len(files) == 1
    text = eml_text(files[0])
    assert "shop/faulty" in text and "***" in text
    assert leaks(output) == [] and leaks(text) == []


def test_validate_against_the_server_carries_no_secret(server: list[str], slokit: Run) -> None:
    code, output = slokit("validate", *server, "--at", AT)
    assert code in (2, 3)
    assert "HTTP 403" in output
    assert leaks(output) == [], output


# --- credentials slokit cannot send (issue 11, point 5) ---------------------------------------------------


@pytest.mark.parametrize(
    ("variables", "url", "message"),
    [
        (
            {},
            "http://reporter:se/cr3t-pw@127.0.0.1:9",
            "error: Prometheus URL 'http://***@127.0.0.1:9' is not valid: its user:password part has a '/', "
            "'?' or '#', which must be percent-encoded (%2F, %3F, %23); or set SLOKIT_PROMETHEUS_USER and "
            "SLOKIT_PROMETHEUS_PASSWORD instead",
        ),
        (
            {"SLOKIT_PROMETHEUS_TOKEN": "tok-€uro-9a7\n"},
            "http://127.0.0.1:9",
            "error: SLOKIT_PROMETHEUS_TOKEN: character 5 of 12 is not Latin-1, which an HTTP header cannot "
            "carry",
        ),
        (
            {"SLOKIT_PROMETHEUS_USER": "reporter", "SLOKIT_PROMETHEUS_PASSWORD": "пароль-pw\n"},
            "http://127.0.0.1:9",
            "error: SLOKIT_PROMETHEUS_PASSWORD: character 1 of 9 is not Latin-1, which HTTP Basic auth "
            "cannot carry",
        ),
        (
            {"SLOKIT_PROMETHEUS_USER": "reporter"},
            "http://reporter:пароль-pw@127.0.0.1:9",
            "error: the password in the Prometheus URL: character 1 of 9 is not Latin-1, which HTTP Basic "
            "auth cannot carry",
        ),
    ],
    ids=["slash-in-url-password", "token-not-latin-1", "password-not-latin-1", "url-password-not-latin-1"],
)
def test_a_credential_slokit_cannot_send_is_one_line_exit_2_without_the_secret(
    variables: dict[str, str],
    url: str,
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in ("TOKEN", "USER", "PASSWORD", "URL", "HEADERS"):
        monkeypatch.delenv(f"SLOKIT_PROMETHEUS_{name}", raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "slo.yaml").write_text(DEFINITIONS)
    for command in ("report", "check", "record", "validate"):
        extra = ["-o", str(tmp_path / "snap.json")] if command == "record" else []
        code = run([command, str(tmp_path / "slo.yaml"), "--prometheus-url", url, "--at", AT, *extra])
        out, err = capsys.readouterr()
        assert (code, out, err) == (2, "", message + "\n"), command
    for secret in ("se/cr3t", "€uro", "пароль"):
        assert secret not in message


def test_an_smtp_password_smtplib_cannot_send_is_one_line_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLOKIT_SMTP_USER", "slo-bot")
    monkeypatch.setenv("SLOKIT_SMTP_PASSWORD", "pässwört-1\n")
    (tmp_path / "slo.yaml").write_text(DEFINITIONS)
    code = run(["email", str(tmp_path / "slo.yaml"), "--dry-run", "--prometheus-url", "http://127.0.0.1:9"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert (
        err == "error: SLOKIT_SMTP_PASSWORD: character 2 of 10 is not ASCII, which SMTP AUTH cannot carry\n"
    )
