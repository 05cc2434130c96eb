"""``slokit email --dry-run``: who gets which email, what it looks like to a mail parser, and the exit codes.

The demo (``slo_definitions/``, replayed from its snapshot at 2026-11-20 09:00 UTC): platform-ops owns the
operational objectives of checkout, payments and search (payments/queue-health is exhausted); checkout-dev
(two addresses), payments-dev and discovery-dev own the application ones (checkout/order-completion is
warning). The ``.eml`` files are read back with Python's standard parser (``email.policy.default``), as a
mail client would read them. Real SMTP delivery is in ``tests/integration/test_email_smtp.py``.
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from slokit.cli import run

ROOT = Path(__file__).resolve().parents[2]
DEMO = ["slo_definitions", "--snapshot", "slo_definitions/snapshot.json.gz"]
SENDER = "SLO reports <slo@example.com>"
DAY = "2026-11-20"

PLATFORM = "[slokit] checkout, payments, search: 1 exhausted, 1 warning - platform-ops report 2026-11-20"
CHECKOUT = "[slokit] checkout: 1 warning - checkout-dev report 2026-11-20"
DISCOVERY = "[slokit] search: all ok - discovery-dev report 2026-11-20"
PAYMENTS = "[slokit] payments: 1 exhausted - payments-dev report 2026-11-20"
OWNERS = [
    "platform-ops@example.com",
    "checkout-dev@example.com",
    "checkout-lead@example.com",
    "discovery-dev@example.com",
    "payments-dev@example.com",
]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No SMTP settings from the machine; relative paths as a user types them, from the repository root."""
    for name in ("HOST", "PORT", "USER", "PASSWORD", "FROM", "TLS", "CA_BUNDLE", "REPLY_TO", "TIMEOUT"):
        monkeypatch.delenv(f"SLOKIT_SMTP_{name}", raising=False)
    monkeypatch.chdir(ROOT)


def email(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], list[str]]:
    code = run(["email", *args])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err.splitlines()


def dry_run(
    capsys: pytest.CaptureFixture[str], out: Path, *args: str, definitions: list[str] = DEMO
) -> tuple[int, list[str], list[str]]:
    return email(capsys, *definitions, "--dry-run", "--out", str(out), "--smtp-from", SENDER, *args)


def parse(path: Path) -> EmailMessage:
    message = BytesParser(policy=default).parsebytes(path.read_bytes())
    assert isinstance(message, EmailMessage)
    return message


def addresses(message: EmailMessage, header: str) -> list[str]:
    return [a.addr_spec for a in message[header].addresses]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def assert_structure(message: EmailMessage) -> None:
    """multipart/alternative > text/plain + multipart/related > text/html + the PNGs it references."""
    assert message.get_content_type() == "multipart/alternative"
    plain, related = message.iter_parts()
    assert plain.get_content_type() == "text/plain"
    assert plain.get_content_charset() == "utf-8"
    assert related.get_content_type() == "multipart/related"
    html, *images = related.iter_parts()
    assert html.get_content_type() == "text/html"
    referenced = re.findall(r'src="cid:([^"]+)"', html.get_content())
    attached = [image["Content-ID"] for image in images]
    assert referenced, "the HTML shows the team's charts"
    assert sorted(f"<{cid}>" for cid in referenced) == sorted(attached)  # every chart there, none extra
    for image in images:
        assert image.get_content_type() == "image/png"
        assert image.get_content_disposition() == "inline"
        assert image.get_content().startswith(b"\x89PNG\r\n")


def test_one_email_per_team_to_its_owners(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = dry_run(capsys, tmp_path)
    assert (code, err) == (0, [])
    assert out == [
        f"wrote {tmp_path}/01-platform-ops.eml: platform-ops -> platform-ops@example.com: {PLATFORM}",
        f"wrote {tmp_path}/02-checkout-dev.eml: checkout-dev -> checkout-dev@example.com, "
        f"checkout-lead@example.com: {CHECKOUT}",
        f"wrote {tmp_path}/03-discovery-dev.eml: discovery-dev -> discovery-dev@example.com: {DISCOVERY}",
        f"wrote {tmp_path}/04-payments-dev.eml: payments-dev -> payments-dev@example.com: {PAYMENTS}",
    ]
    files = sorted(tmp_path.glob("*.eml"))
    assert [f.name for f in files] == [
        "01-platform-ops.eml",
        "02-checkout-dev.eml",
        "03-discovery-dev.eml",
        "04-payments-dev.eml",
    ]
    platform, checkout, discovery, payments = (parse(f) for f in files)
    assert [m["Subject"] for m in (platform, checkout, discovery, payments)] == [
        PLATFORM,
        CHECKOUT,
        DISCOVERY,
        PAYMENTS,
    ]
    assert addresses(platform, "To") == ["platform-ops@example.com"]
    assert addresses(checkout, "To") == ["checkout-dev@example.com", "checkout-lead@example.com"]
    # Reply-To: everyone who owns the email's services, so that a reply reaches both teams.
    assert addresses(checkout, "Reply-To") == [
        "platform-ops@example.com",
        "checkout-dev@example.com",
        "checkout-lead@example.com",
    ]
    assert addresses(payments, "Reply-To") == ["platform-ops@example.com", "payments-dev@example.com"]
    for message in (platform, checkout, discovery, payments):
        assert_structure(message)
        assert str(message["From"]) == SENDER
        assert message["Message-ID"].endswith("@example.com>")
        assert parsedate_to_datetime(message["Date"]).tzinfo is not None
        assert message["Auto-Submitted"] == "auto-generated"


def test_a_team_email_has_the_joint_summary_of_its_services_and_its_own_section(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert dry_run(capsys, tmp_path)[0] == 0
    checkout = parse(tmp_path / "02-checkout-dev.eml")
    text = text_of(checkout)
    assert text.startswith("# SLO report: checkout-dev\n")
    assert "4 objectives: 1 warning, 3 ok." in text  # the summary: checkout, both teams' objectives
    assert "| checkout | availability | platform-ops (operational) |" in text
    assert "| checkout | order-completion | checkout-dev (application) |" in text
    assert "payments" not in text  # another service: not this team's business
    assert re.findall(r"^## (.+)$", text, flags=re.MULTILINE) == [
        "Summary",
        "Error-budget policy",
        "Other incidents",  # the one incident of checkout that needs a postmortem is in the policy part
        "checkout-dev (application)",
    ]
    html = html_of(checkout)
    assert re.findall(r"<h1[^>]*>([^<]+)</h1>", html) == ["SLO report: checkout-dev"]  # as in the text part
    assert re.findall(r'<h2 id="team-\d+"[^>]*>([^<]+) <span', html) == ["checkout-dev"]
    assert re.findall(r'src="cid:([^"]+)"', html) == ["obj-3-budget@slokit", "obj-3-burn@slokit"]

    platform = text_of(parse(tmp_path / "01-platform-ops.eml"))
    assert "8 objectives: 1 exhausted, 1 warning, 6 ok." in platform
    assert "\n## platform-ops (operational)\n" in platform
    assert "(application)\n\n" not in platform  # no application team's section


def test_joint_sends_one_email_with_every_section_to_every_owner(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = dry_run(capsys, tmp_path, "--joint")
    subject = "[slokit] checkout, payments, search: 1 exhausted, 1 warning - joint report 2026-11-20"
    assert code == 0
    assert out == [f"wrote {tmp_path}/01-joint.eml: joint -> {', '.join(OWNERS)}: {subject}"]
    message = parse(tmp_path / "01-joint.eml")
    assert addresses(message, "To") == OWNERS
    assert_structure(message)
    sections = re.findall(r"^## (.+) \((operational|application)\)$", text_of(message), flags=re.MULTILINE)
    assert sections == [
        ("platform-ops", "operational"),
        ("checkout-dev", "application"),
        ("discovery-dev", "application"),
        ("payments-dev", "application"),
    ]
    assert len(re.findall(r'src="cid:', html_of(message))) == 16  # two charts for each of 8 objectives


def test_team_picks_which_teams_get_mail(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = dry_run(capsys, tmp_path, "--team", "application")
    assert code == 0
    assert [line.split(": ")[1].split(" -> ")[0] for line in out] == [
        "checkout-dev",
        "discovery-dev",
        "payments-dev",
    ]
    code, out, _ = dry_run(capsys, tmp_path / "ops", "--team", "operational", "--label", "weekly")
    assert code == 0
    assert out == [
        f"wrote {tmp_path}/ops/01-platform-ops.eml: platform-ops -> platform-ops@example.com: "
        "[slokit] checkout, payments, search: 1 exhausted, 1 warning - platform-ops weekly report 2026-11-20"
    ]
    assert text_of(parse(tmp_path / "ops" / "01-platform-ops.eml")).startswith(
        "# Weekly SLO report: platform-ops\n"
    )


def test_to_and_reply_to_replace_the_owners(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = dry_run(
        capsys,
        tmp_path,
        "--service",
        "payments",
        "--to",
        "Oncall <oncall@example.com>",
        "--to",
        "me@example.com",
    )
    assert code == 0
    assert [line.split(": ", 1)[1] for line in out] == [
        "platform-ops -> oncall@example.com, me@example.com: "
        "[slokit] payments: 1 exhausted - platform-ops report 2026-11-20",
        "payments-dev -> oncall@example.com, me@example.com: "
        "[slokit] payments: 1 exhausted - payments-dev report 2026-11-20",
    ]
    message = parse(tmp_path / "01-platform-ops.eml")
    assert str(message["To"]) == "Oncall <oncall@example.com>, me@example.com"
    assert addresses(message, "Reply-To") == ["platform-ops@example.com", "payments-dev@example.com"]

    monkeypatch.setenv("SLOKIT_SMTP_REPLY_TO", "slo-owners@example.com, sre@example.com")
    assert dry_run(capsys, tmp_path / "env", "--service", "search")[0] == 0
    message = parse(tmp_path / "env" / "01-platform-ops.eml")
    assert addresses(message, "Reply-To") == ["slo-owners@example.com", "sre@example.com"]
    assert dry_run(capsys, tmp_path / "cli", "--service", "search", "--reply-to", "cli@example.com")[0] == 0
    assert addresses(parse(tmp_path / "cli" / "01-platform-ops.eml"), "Reply-To") == ["cli@example.com"]


def test_dry_run_without_out_lists_the_emails(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = email(capsys, *DEMO, "--dry-run", "--smtp-from", SENDER, "--team", "operational")
    assert (code, err) == (0, [])
    assert out == [f"would send: platform-ops -> platform-ops@example.com: {PLATFORM}"]


def test_the_password_is_in_no_file_and_no_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLOKIT_SMTP_USER", "slokit-bot")
    monkeypatch.setenv("SLOKIT_SMTP_PASSWORD", "hunter2-very-secret")
    code, out, err = dry_run(capsys, tmp_path)
    assert code == 0
    for path in tmp_path.glob("*.eml"):
        assert b"hunter2-very-secret" not in path.read_bytes()
        assert b"slokit-bot" not in path.read_bytes()
    assert "hunter2-very-secret" not in "\n".join(out + err)


SHOP = """\
apiVersion: slokit/v1
service: shop
owners:
  operational: {team: Équipe-ops, email: [ops@example.com]}
  application: {team: shop-dev, email: []}
objectives:
  - name: uptime
    kind: operational
    target: 99.9
    sli: {ratio: {good: up_ok_total, total: up_total}}
  - name: faulty
    kind: operational
    target: 99.9
    sli: {ratio: {good: faulty_ok_total, total: faulty_total}}
  - name: checkout
    kind: application
    target: 99.9
    sli: {ratio: {good: co_ok_total, total: co_total}}
"""


@pytest.fixture
def shop(tmp_path: Path) -> list[str]:
    """A service with a non-ASCII team name, an exhausted objective, a source error and a team without an
    address; returns the definition and snapshot arguments."""
    from datetime import UTC, datetime

    import numpy as np

    from slokit import pipeline
    from slokit.sources.base import GOOD, TOTAL, FetchedSeries
    from slokit.sources.snapshot import write_snapshot
    from slokit.spec import load

    at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    (tmp_path / "shop.yaml").write_text(SHOP, encoding="utf-8")
    fetched = []
    for plan in pipeline.plan(load([tmp_path / "shop.yaml"]), at):
        total = np.full(plan.query.points, 1000.0)
        if plan.key == "shop/faulty":
            fetched.append(FetchedSeries(plan.query, error="shop/faulty: Prometheus answered HTTP 503"))
        else:
            fetched.append(FetchedSeries(plan.query, series={GOOD: total - 2.0, TOTAL: total}))
    write_snapshot(tmp_path / "snap.json", at, fetched, {})
    return [str(tmp_path / "shop.yaml"), "--snapshot", str(tmp_path / "snap.json")]


def test_non_ascii_names_are_encoded_and_source_errors_exit_3_after_writing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, shop: list[str]
) -> None:
    out_dir = tmp_path / "out"
    code, out, err = email(
        capsys,
        *shop,
        "--team",
        "operational",
        "--dry-run",
        "--out",
        str(out_dir),
        "--smtp-from",
        "Slökit Berichte <slo@example.com>",
    )
    subject = "[slokit] shop: 2 exhausted, 1 error - Équipe-ops report 2026-11-20"
    assert code == 3
    assert out == [f"wrote {out_dir}/01-Equipe-ops.eml: Équipe-ops -> ops@example.com: {subject}"]
    assert err == ["error: shop/faulty: Prometheus answered HTTP 503"]
    raw = (out_dir / "01-Equipe-ops.eml").read_bytes()
    assert raw.isascii()  # 7-bit clean: RFC 2047 headers, quoted-printable bodies
    assert b"Subject: [slokit] shop: 2 exhausted, 1 error - =?utf-8?" in raw
    message = parse(out_dir / "01-Equipe-ops.eml")
    assert message["Subject"] == subject
    assert message["From"].addresses[0].display_name == "Slökit Berichte"
    assert text_of(message).startswith("# SLO report: Équipe-ops\n")
    assert re.search(r'<h2 id="team-1"[^>]*>Équipe-ops <span', html_of(message))


def test_a_team_without_an_address_is_not_sent_and_exits_4(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, shop: list[str]
) -> None:
    code, out, err = email(capsys, *shop, "--dry-run", "--out", str(tmp_path / "out"), "--smtp-from", SENDER)
    assert code == 4
    assert [line.split(": ")[1].split(" -> ")[0] for line in out] == ["Équipe-ops"]
    assert err == [
        "error: shop/faulty: Prometheus answered HTTP 503",
        "error: not sent to shop-dev: no address to send to: shop owners.application.email empty "
        "(add one, or pass --to)",
    ]
    code, out, _ = email(capsys, *shop, "--dry-run", "--smtp-from", SENDER, "--to", "all@example.com")
    assert code == 3  # every team has an address now; the source error remains
    assert len(out) == 2


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        ([], {}, "error: no sender: set --smtp-from or SLOKIT_SMTP_FROM, e.g. 'SLO <slo@example.com>'"),
        (
            ["--smtp-from", SENDER],
            {},
            "error: no SMTP server: set --smtp-host or SLOKIT_SMTP_HOST (or use --dry-run)",
        ),
        (
            ["--smtp-from", SENDER, "--out", "x"],
            {},
            "error: --out writes the emails of a --dry-run: add --dry-run, or drop --out to send",
        ),
        (
            ["--dry-run", "--smtp-from", "not an address"],
            {},
            "error: SMTP sender: not an email address: 'not an address' "
            "(An email address must have an @-sign.)",
        ),
        (
            ["--dry-run", "--smtp-from", SENDER, "--to", "nobody"],
            {},
            "error: --to: not an email address: 'nobody' (An email address must have an @-sign.)",
        ),
        (
            ["--smtp-from", SENDER, "--smtp-host", "mail", "--smtp-tls", "yes"],
            {},
            "error: SMTP TLS mode must be one of starttls, ssl, none (got 'yes')",
        ),
        (
            ["--smtp-from", SENDER, "--smtp-host", "mail", "--smtp-tls", "none"],
            {"SLOKIT_SMTP_USER": "bot", "SLOKIT_SMTP_PASSWORD": "pw-secret"},
            "error: SLOKIT_SMTP_TLS=none would send the SMTP password unencrypted: use starttls or ssl",
        ),
        (
            ["--smtp-from", SENDER, "--smtp-host", "mail"],
            {"SLOKIT_SMTP_PASSWORD": "pw-secret"},
            "error: SLOKIT_SMTP_PASSWORD is set but SLOKIT_SMTP_USER is not",
        ),
        (
            ["--dry-run", "--smtp-from", SENDER, "--label", "weekly\nBcc: x@evil.example"],
            {},
            "error: --label must be a word or two on one line (got 'weekly\\nBcc: x@evil.example')",
        ),
        (
            ["--dry-run", "--smtp-from", SENDER, "--smtp-ca-bundle", "missing.pem"],
            {},
            "error: SMTP CA bundle missing.pem: no such file",
        ),
        (
            ["--dry-run", "--smtp-from", SENDER, "--service", "nope"],
            {},
            "error: no objectives selected: there is no report to send",
        ),
    ],
)
def test_usage_errors_exit_2_before_anything_is_sent(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
    message: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, out, err = email(capsys, *DEMO, *args)
    assert (code, out, err) == (2, [], [message])


def test_the_help_names_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["email", "--help"]) == 0
    text = capsys.readouterr().out
    for option in (
        "--team",
        "--joint",
        "--to",
        "--dry-run",
        "--out",
        "--at",
        "--snapshot",
        "--smtp-host",
        "--smtp-port",
        "--smtp-from",
        "--smtp-tls",
        "--smtp-ca-bundle",
        "--reply-to",
        "--label",
    ):
        assert option in text
