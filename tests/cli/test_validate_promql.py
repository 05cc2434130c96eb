"""`slokit validate` checks the PromQL of every objective offline (issue 10, point 5).

Before, ``{code=200}`` and an unclosed parenthesis passed ``validate`` and failed only at run time, as a data
source error that ``check --on-error pass`` let through a gate.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from slokit.cli import run

REPO = Path(__file__).resolve().parents[2]
FILE = "tests/unit/spec/malformed/promql/checkout.yaml"


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def test_validate_reports_every_promql_problem_in_one_run(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["validate", FILE])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f'{FILE}:12: objectives[0].sli.ratio.good: label values are quoted strings: write code="200" '
        "(got 'http_requests_total{job=\"checkout\",code=200}')",
        f"{FILE}:20: objectives[1].sli.ratio.good_query: '(' is never closed (at character 4)",
        f"{FILE}:28: objectives[2].sli.ratio.bad: unknown escape \\d in a quoted string: write \\\\d (an "
        "escaped backslash) or use a raw string in backticks "
        '(got \'http_requests_total{job="checkout",code=~"5\\d\\d"}\')',
        f"{FILE}:29: objectives[2].sli.ratio.total: invalid regular expression for job: missing ), "
        "unterminated subpattern at position 0 (got 'http_requests_total{job=~\"(checkout\"}')",
        f"{FILE}:37: objectives[3].sli.ratio.total: needs a metric name or a matcher that does not match "
        "the empty value: this one could match every series (got '{job=~\".*\"}')",
        f"{FILE}:44: objectives[4].sli.latency.histogram: give the histogram's base name before the braces, "
        'e.g. http_request_duration_seconds{job="api"} '
        '(got \'{__name__="http_request_duration_seconds",job="checkout"}\')',
        f"{FILE}:52: objectives[5].sli.timeslices.query: {{{{ window }}}} is substituted in ratio "
        "good_query/bad_query/total_query only",
        f"{FILE}:60: objectives[6].sli.ratio.bad_query: expected ',' or '}}' after job=\"checkout\", "
        "found 'c' (at character 49)",
        f"{FILE}:61: objectives[6].sli.ratio.total_query: ']' closes the '(' at character 69, which needs "
        "')' (at character 73)",
    ]


def test_unquoted_label_value_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The issue's first example, as a user would write it: ``{code=200}`` after the metric name."""
    text = (REPO / "slo_definitions/checkout.yaml").read_text()
    assert 'code!~"5.."' in text
    broken = tmp_path / "slo.yaml"
    broken.write_text(text.replace('code!~"5.."', "code=200", 1))
    line = next(i for i, row in enumerate(broken.read_text().splitlines(), 1) if "code=200" in row)
    assert run(["validate", str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{broken}:{line}: objectives[")
    assert 'label values are quoted strings: write code="200"' in err


def test_the_server_is_not_needed(capsys: pytest.CaptureFixture[str]) -> None:
    """Offline: without --prometheus-url nothing is queried, and the example definitions pass."""
    for directory in ("slo_definitions/", "tests/integration/slo/"):
        assert run(["validate", directory]) == 0
        out, err = capsys.readouterr()
        assert err == ""
        assert out.startswith("ok: ")
