"""Missing metrics are not "no data", and expressions are checked before they run (issue 10, points 4 and 5).

Against the promtool-backfilled Prometheus of the session fixtures (``promdata``), the objectives of
``slo_missing/`` are reported at ``END``. Before this, a typo in a counter name gave ``no_data`` and ``check``
passed forever; a good selector that matched nothing gave an SLI of 0 % and a release freeze; a missing
histogram was a data source error; and a query the server could not parse was a source error that
``check --on-error pass`` let through.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from slokit import pipeline
from slokit.cli import run
from slokit.settings import PrometheusSettings
from slokit.sources.prometheus import PrometheusSource
from slokit.spec import load

from .promdata import END, Dataset

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent
MISSING = HERE / "slo_missing"
MALFORMED = HERE / "slo_malformed"
AT = "2026-11-01T00:00:00Z"
W30 = END.timestamp() - 30 * 86400
LOOKBACK = "33d"  # what the 30d objectives read: the window and 3 days of burn history


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def report(prometheus_url: str) -> dict[str, dict[str, Any]]:
    code, out, err = cli("report", str(MISSING), "-f", "json", "--prometheus-url", prometheus_url, "--at", AT)
    assert code == 3, err  # the definition errors make the report incomplete
    return {o["objective"]: o for o in json.loads(out)["objectives"]}


def test_typo_in_a_counter_name_is_a_definition_error_that_names_the_selector(
    report: dict[str, dict[str, Any]],
) -> None:
    item = report["typo-total"]
    assert (item["status"], item["error_kind"], item["sli"]) == ("error", "definition", None)
    assert item["error"] == (
        f'shop/typo-total: total selector http_request_total{{job="checkout"}} matches no series in the last '
        f"{LOOKBACK} (did you mean http_requests_total or idle_requests_total?)"
    )


def test_good_selector_matching_nothing_is_an_error_not_an_sli_of_zero(
    report: dict[str, dict[str, Any]],
) -> None:
    item = report["good-matches-nothing"]
    assert (item["status"], item["error_kind"], item["sli"]) == ("error", "definition", None)
    assert item["error_budget"]["remaining"] is None
    assert item["error"] == (
        'shop/good-matches-nothing: good selector http_requests_total{job="checkout",code="2xx"} matches no '
        f'series in the last {LOOKBACK} (http_requests_total exists, but no series of it has code="2xx")'
    )


def test_missing_histogram_is_a_definition_error_with_the_close_name(
    report: dict[str, dict[str, Any]],
) -> None:
    item = report["missing-histogram"]
    assert (item["status"], item["error_kind"]) == ("error", "definition")
    assert item["error"] == (
        'shop/missing-histogram: histogram http_request_duration_second{job="search"}: no series '
        f'http_request_duration_second_bucket{{job="search"}} in the last {LOOKBACK} '
        "(did you mean http_request_duration_seconds?)"
    )


def test_typo_in_a_query_selector_names_that_selector(report: dict[str, dict[str, Any]]) -> None:
    item = report["typo-query"]
    assert (item["status"], item["error_kind"]) == ("error", "definition")
    assert item["error"] == (
        'shop/typo-query: total_query selector app_al_total{job="payments"} matches no series in the last '
        f"{LOOKBACK} (did you mean app_all_total or app_ok_total?)"
    )


def test_bad_counter_never_incremented_counts_zero_and_says_so(
    report: dict[str, dict[str, Any]], promdata: Dataset
) -> None:
    item = report["errors-never-counted"]
    total = promdata.increase("http_requests_total", {"job": "admin"}, W30, END)
    assert (item["status"], item["error"], item["error_kind"]) == ("ok", None, None)
    assert (item["bad_events"], item["sli"]) == (0.0, 1.0)
    assert item["total_events"] == pytest.approx(total, rel=5e-4)
    assert item["notes"] == [
        'bad selector http_requests_total{job="admin",code="503"} matches no series in the last '
        f"{LOOKBACK} (http_requests_total exists, but no series of it has all these labels): counted as zero "
        "bad events, as for an error counter that never fired"
    ]
    assert report["errors-counted"]["notes"] == []


def test_series_that_exist_but_count_nothing_are_no_data(report: dict[str, dict[str, Any]]) -> None:
    item = report["idle"]
    assert (item["status"], item["error"], item["notes"], item["sli"]) == ("no_data", None, [], None)


@pytest.mark.parametrize("fmt", ["table", "markdown", "html"])
def test_the_note_shows_in_every_format(prometheus_url: str, fmt: str) -> None:
    argv = ["report", str(MISSING), "-f", fmt, "--objective", "errors-never-counted"]
    code, out, err = cli(*argv, "--prometheus-url", prometheus_url, "--at", AT)
    assert (code, err) == (0, "")
    flat = " ".join(out.split())  # the table wraps long lines
    assert "no series of it has all these labels): counted as zero bad events, as for an error" in flat


def test_a_healthy_objective_costs_no_extra_request(prometheus_url: str) -> None:
    """The series index is asked only about a role that came back empty: the absent bad counter costs a
    series lookup over the range, one after it (a metric newer than the evaluation time is no typo) and the
    requests of its hint (the metric names, the values of job and code); its healthy twin asks nothing but
    its queries."""
    paths: dict[str, list[str]] = {}
    source = PrometheusSource(PrometheusSettings(url=prometheus_url, concurrency=1))
    try:
        at = pipeline.pin(END)
        for plan in pipeline.plan(load([MISSING]), at):
            if plan.objective.name.startswith("errors-"):
                seen = paths.setdefault(plan.objective.name, [])
                source.session.hooks["response"] = [
                    lambda r, *_, seen=seen, **__: seen.append(r.request.path_url)
                ]
                pipeline.execute([plan], source, at)
    finally:
        source.close()
    endpoints = {name: [p.split("?")[0] for p in urls] for name, urls in paths.items()}
    lookups = [
        "/api/v1/series",
        "/api/v1/series",
        "/api/v1/label/__name__/values",
        "/api/v1/label/job/values",
        "/api/v1/label/code/values",
    ]
    assert [p for p in endpoints["errors-never-counted"] if p not in endpoints["errors-counted"]] == lookups
    assert not any("series" in p or "/label/" in p for p in endpoints["errors-counted"])


# ------------------------------------------------------------------------------------------------ check


def test_check_fails_on_a_definition_error_with_3(prometheus_url: str) -> None:
    for objective in ("typo-total", "good-matches-nothing", "missing-histogram", "typo-query"):
        code, out, _ = cli(
            "check", str(MISSING), "--objective", objective, "--prometheus-url", prometheus_url
        )
        assert code == 3, objective
        assert out.startswith("ERROR: the definition of 1 objective does not match the server's data: "), out


def test_check_passes_loudly_on_a_definition_error_with_on_error_pass(prometheus_url: str) -> None:
    argv = ["check", str(MISSING), "--objective", "typo-total", "--on-error", "pass"]
    code, out, err = cli(*argv, "--prometheus-url", prometheus_url, "--at", AT)
    assert code == 0
    assert out.startswith("PASS (definition errors ignored: --on-error pass): no objective could be gated; ")
    assert "warning: PASSING DESPITE DEFINITION ERRORS (--on-error pass)" in err


def test_check_passes_on_a_zero_counted_bad_counter_and_no_data(prometheus_url: str) -> None:
    argv = ["check", str(MISSING), "--objective", "errors-never-counted", "--objective", "idle"]
    code, out, _ = cli(*argv, "--prometheus-url", prometheus_url, "--at", AT)
    assert code == 0
    assert out.startswith(
        "PASS: 1 of 2 objectives pass their gates; 1 objective has no data (not gated): shop/idle "
    )


# ---------------------------------------------------------------------------------------------- snapshot


def test_snapshot_replay_keeps_errors_kinds_and_notes(prometheus_url: str, tmp_path: Path) -> None:
    snapshot = tmp_path / "missing.json.gz"
    # Recorded at report's default resolution (adaptive), so the live report is the one to replay.
    code, _, _ = cli(
        "record", str(MISSING), "--out", str(snapshot), "--allow-partial", "--prometheus-url", prometheus_url,
        "--at", AT, "--resolution", "adaptive",
    )  # fmt: skip
    assert code == 3
    live = cli("report", str(MISSING), "-f", "json", "--prometheus-url", prometheus_url, "--at", AT)
    replayed = cli("report", str(MISSING), "-f", "json", "--snapshot", str(snapshot))
    assert replayed == live
    check = cli("check", str(MISSING), "--objective", "typo-total", "--snapshot", str(snapshot))
    assert check[0] == 3


# ----------------------------------------------------------------------------------- refused by the server


def test_query_the_server_cannot_parse_is_a_definition_error_exit_2(prometheus_url: str) -> None:
    code, out, err = cli(
        "report", str(MALFORMED), "-f", "json", "--prometheus-url", prometheus_url, "--at", AT
    )
    assert code == 2
    items = {o["objective"]: o for o in json.loads(out)["objectives"]}
    assert (items["success"]["status"], items["success"]["error_kind"]) == ("error", "malformed")
    # The first query sent for the role: at the adaptive resolution, the hourly one.
    assert items["success"]["error"] == (
        'payments/success: the server refused the total query sum(increase_of(app_all_total{job="payments"}'
        "[1h])) as malformed: 1:5: parse error: unknown function with name "
        '"increase_of"'
    )
    assert items["success-ok"]["status"] == "ok"  # the rest of the report goes on
    assert f"error: {items['success']['error']}" in err.splitlines()


@pytest.mark.parametrize("on_error", ["fail", "pass"])
def test_check_exits_2_on_a_malformed_query_whatever_on_error(prometheus_url: str, on_error: str) -> None:
    argv = ["check", str(MALFORMED), "--on-error", on_error]
    code, out, err = cli(*argv, "--prometheus-url", prometheus_url, "--at", AT)
    assert code == 2
    assert out.startswith(
        "ERROR: the server refused the PromQL of 1 objective as malformed: payments/success "
        "(application, payments-dev)"
    )
    assert "PASSING DESPITE" not in err


# ------------------------------------------------------------------------------ validate --prometheus-url


def test_validate_against_prometheus_reports_refused_and_missing(prometheus_url: str) -> None:
    argv = ["validate", str(MISSING), str(MALFORMED), "--prometheus-url", prometheus_url, "--at", AT]
    code, out, err = cli(*argv)
    shop, payments = MISSING / "shop.yaml", MALFORMED / "payments.yaml"
    histogram = 'histogram http_request_duration_second{job="search"}: no series http_request_duration_second'
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f'{shop}:16: objectives[0].sli.ratio.total: total selector http_request_total{{job="checkout"}} '
        f"matches no series in the last {LOOKBACK} (did you mean http_requests_total or "
        "idle_requests_total?)",
        f'{shop}:24: objectives[1].sli.ratio.good: good selector http_requests_total{{job="checkout",'
        f'code="2xx"}} matches no series in the last {LOOKBACK} (http_requests_total exists, but no series '
        'of it has code="2xx")',
        f'{shop}:33: objectives[2].sli.latency.histogram: {histogram}_bucket{{job="search"}} in the last '
        f"{LOOKBACK} (did you mean http_request_duration_seconds?)",
        f'{shop}:42: objectives[3].sli.ratio.bad: note: bad selector http_requests_total{{job="admin",'
        f'code="503"}} matches no series in the last {LOOKBACK} (http_requests_total exists, but no '
        "series of it has all these labels): counted as zero bad events, as for an error counter that never "
        "fired",
        f"{shop}:70: objectives[6].sli.ratio.total_query: total_query selector "
        f'app_al_total{{job="payments"}} matches no series in the last {LOOKBACK} (did you mean '
        "app_all_total or app_ok_total?)",
        f"{payments}:14: objectives[0].sli.ratio.total_query: the server refuses "
        'sum(increase_of(app_all_total{job="payments"}[5m])): invalid parameter "query": 1:5: parse error: '
        'unknown function with name "increase_of"',
    ]


def test_validate_against_prometheus_passes_good_definitions(prometheus_url: str) -> None:
    code, out, err = cli("validate", str(HERE / "slo"), "--prometheus-url", prometheus_url, "--at", AT)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "ok: 6 files, 6 services, 11 objectives (6 operational, 5 application)",
        f"checked on {prometheus_url}: 21 expressions parse, 21 selectors looked up",
    ]


def test_validate_passes_with_a_note_for_an_absent_bad_counter(prometheus_url: str, tmp_path: Path) -> None:
    text = (MISSING / "shop.yaml").read_text()
    kept = text[: text.index("  - name: typo-total")] + text[text.index("  - name: errors-never-counted") :]
    kept = kept[: kept.index("  - name: idle")]
    (tmp_path / "shop.yaml").write_text(kept)
    code, out, err = cli("validate", str(tmp_path), "--prometheus-url", prometheus_url, "--at", AT)
    assert code == 0
    assert out.splitlines() == [
        "ok: 1 file, 1 service, 2 objectives (2 operational, 0 application)",
        f"checked on {prometheus_url}: 4 expressions parse, 4 selectors looked up; 1 bad selector counted "
        "as zero",
    ]
    [note] = err.splitlines()
    assert note.startswith(f"{tmp_path / 'shop.yaml'}:")
    assert ": objectives[0].sli.ratio.bad: note: bad selector " in note


NEW_METRIC = """\
apiVersion: slokit/v1
service: newsvc
owners:
  operational: {team: platform-ops, email: [platform-ops@example.com]}
objectives:
  - name: availability
    kind: operational
    target: 99
    window: 1d
    sli:
      ratio:
        good: http_requests_total{job="newsvc",code!~"5.."}
        total: http_requests_total{job="newsvc"}
"""


def test_a_metric_newer_than_the_evaluation_time_is_no_data_not_a_typo(
    prometheus_url: str, tmp_path: Path
) -> None:
    # newsvc's series begin at 2026-10-20T00:00Z; a report an hour before sees none of them in its range,
    # as a report does in the first minutes after a counter is deployed (the evaluation time is aligned down
    # to 5 minutes). The server has them since: that is no data yet, not a misspelt name.
    path = tmp_path / "newsvc.yaml"
    path.write_text(NEW_METRIC, encoding="utf-8")
    code, out, err = cli(
        "report", str(path), "-f", "json", "--prometheus-url", prometheus_url, "--at", "2026-10-19T23:00:00Z"
    )
    assert code == 0, err
    (item,) = json.loads(out)["objectives"]
    assert (item["status"], item["error"], item["sli"]) == ("no_data", None, None)
    assert item["notes"] == [
        'good selector http_requests_total{job="newsvc",code!~"5.."}: its series begin after the evaluation '
        "time; no data before it",
        'total selector http_requests_total{job="newsvc"}: its series begin after the evaluation time; '
        "no data before it",
    ]
    code, out, err = cli(
        "validate", str(path), "--prometheus-url", prometheus_url, "--at", "2026-10-19T23:00:00Z"
    )
    assert code == 0, err


def test_the_piped_table_lists_definition_errors_apart_each_on_one_line(
    prometheus_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Piped (160 columns): a typo is the definition's fault, not the server's, and its message stays on
    # one line so that a log can be grepped for the selector it names.
    monkeypatch.delenv("COLUMNS", raising=False)
    code, out, _ = cli("report", str(MISSING), "--prometheus-url", prometheus_url, "--at", AT)
    assert code == 3
    lines = out.splitlines()
    assert "Source errors:" not in lines
    heading = lines.index("Definition errors:")
    typo = (
        '  shop/typo-total: total selector http_request_total{job="checkout"} matches no series in the last '
        f"{LOOKBACK} (did you mean http_requests_total or idle_requests_total?)"
    )
    assert typo in lines[heading + 1 :]
    assert len(typo) > 160
