"""`slokit validate`: what a user sees for good and for malformed SLO definition files.

Every malformed case is a real file under tests/unit/spec/malformed/ (one per case, named for it, with a
comment on its first line saying what is wrong); byte-level cases (binary garbage, non-UTF-8, BOM, the alias
bomb) are generated into tmp_path. Each case asserts the exit code and the exact stderr lines
``FILE:LINE: field.path: message``, with FILE spelled as it was passed on the command line.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from slokit.cli import run

REPO = Path(__file__).resolve().parents[2]
MALFORMED = "tests/unit/spec/malformed"
ONE_LINE = "must be one line of text without control characters"
NAME_RULE = "1-63 ASCII letters (a-z, A-Z), digits, '-', '_' or '.', starting with a letter or digit"

# case name -> expected stderr lines, each without the leading "FILE:" (added by the test).
CASES: dict[str, list[str]] = {
    # YAML that does not parse
    "syntax_unclosed_bracket": [
        "5: invalid YAML: did not find expected ',' or ']' while parsing a flow sequence",
    ],
    "syntax_unclosed_quote_at_end": [
        "14: invalid YAML: found unexpected end of stream while scanning a quoted scalar",
    ],
    # The stray quote pairs with one in the next line's selector; YAML only notices a line later.
    "syntax_unclosed_quote": [
        "14: invalid YAML: did not find expected key while parsing a block mapping (started at line 13)",
    ],
    "syntax_colon_in_value": ["4: invalid YAML: mapping values are not allowed in this context"],
    "syntax_bad_indentation": [
        "10: invalid YAML: did not find expected '-' indicator while parsing a block collection "
        "(started at line 8)",
    ],
    "tab_indentation": ["9: tab character in indentation: YAML indents with spaces"],
    "empty": ["1: file is empty"],
    "only_comments": ["1: file is empty"],
    "not_a_mapping_list": ["2: must be a mapping with apiVersion, service and objectives (got a list)"],
    "not_a_mapping_scalar": ["2: must be a mapping with apiVersion, service and objectives (got 'checkout')"],
    "second_document": ["15: a file holds one service: found a second YAML document"],
    "duplicate_key": ["12: objectives[0].target: duplicate key (first at line 10)"],
    # A duplicate key keeps the first value, which is validated: its error is not hidden (issue 11).
    "duplicate_key_beside_bad_target": [
        "10: objectives[0].target: must be below 100 (got 120)",
        "12: objectives[0].target: duplicate key (first at line 10)",
        "17: labels: mapping key 2024 must be a string (quote it)",
    ],
    "non_string_key": ["15: labels: mapping key 2024 must be a string (quote it)"],
    # Unsafe YAML
    "recursive_alias": ["8: owners.application.deputy: recursive alias: refers to a value that contains it"],
    "python_tag": ["3: service: YAML tag !!python/object/apply:os.system is not allowed"],
    # Values YAML types implicitly or by tag that cannot be read as that type: exit 70 before (issue 11).
    "impossible_date": ["4: description: not a valid date (got '2024-02-30'); quote it if it is text"],
    "int_tag_not_an_int": [
        "10: objectives[0].target: not a valid integer (got 'ninety'); quote it if it is text",
    ],
    "custom_tag": ["10: objectives[0].target: YAML tag !percent is not allowed"],
    # Top level
    "api_version_wrong": ["2: apiVersion: must be 'slokit/v1' (got 'slokit/v2')"],
    "api_version_missing": ["2: apiVersion: required field is missing"],
    "unknown_top_level_key": [
        "15: severity: unknown field (allowed: apiVersion, service, description, owners, window, labels, "
        "objectives, policy, alerting, runbook, dashboard, releases)",
    ],
    # A misspelt key is reported once, with a hint, and not again as the real key "missing".
    "misspelt_target": ["10: objectives[0].targt: unknown field; did you mean 'target'?"],
    "misspelt_objectives": ["7: objective: unknown field; did you mean 'objectives'?"],
    "labels_bad_name": [
        "15: labels: label name must be ASCII letters (a-z, A-Z), digits and '_', not starting with a digit "
        "(got 'cost-center': '-' not allowed)",
    ],
    "labels_not_ascii": [
        "14: labels: label name must be ASCII letters (a-z, A-Z), digits and '_', not starting with a digit "
        "(got 'größe': 'ö', 'ß' not allowed)",
    ],
    "labels_starts_with_digit": [
        "14: labels: label name must be ASCII letters (a-z, A-Z), digits and '_', not starting with a digit "
        "(got '2fa': starts with a digit)",
    ],
    "labels_reserved": [
        "14: labels: label name must be ASCII letters (a-z, A-Z), digits and '_', not starting with a digit "
        "(got '__name__': names starting with '__' are reserved by Prometheus)",
    ],
    "service_name_starts_with_dash": [
        f"3: service: must be {NAME_RULE} (got '-checkout': starts with '-')",
    ],
    "service_name_too_long": [
        f"3: service: must be {NAME_RULE} "
        "(got 'checkout-service-of-the-european-online-shop-for-garden-furnitur': 64 characters)",
    ],
    # Objectives
    "objectives_empty": ["7: objectives: must not be empty"],
    "objective_name_invalid": [
        f"8: objectives[0].name: must be {NAME_RULE} (got 'Checkout availability': ' ' not allowed)",
    ],
    "name_not_ascii": [f"7: objectives[0].name: must be {NAME_RULE} (got 'größe': 'ö', 'ß' not allowed)"],
    "target_0": ["10: objectives[0].target: must be above 0 (got 0)"],
    "target_100": ["10: objectives[0].target: must be below 100 (got 100)"],
    "target_120": ["10: objectives[0].target: must be below 100 (got 120)"],
    "target_fraction": ["10: objectives[0].target: is a percentage: got 0.999, did you mean 99.9?"],
    "target_word": ["10: objectives[0].target: must be a number (got 'high')"],
    "target_quoted": ["10: objectives[0].target: must be a number (got '99.9')"],
    "target_boolean": ["10: objectives[0].target: must be a number (got true)"],
    "target_empty": ["10: objectives[0].target: must be a number (got null)"],
    "target_list": ["10: objectives[0].target: must be a number (got [99.9])"],
    "kind_unknown": ["9: objectives[0].kind: must be 'operational' or 'application' (got 'infrastructure')"],
    "kind_without_owner": [
        "8: objectives[0].kind: no owner for kind 'application': add owners.application",
    ],
    "duplicate_objective": [
        "15: objectives[1].name: duplicate objective 'availability' of service 'checkout' "
        f"(first at {MALFORMED}/duplicate_objective.yaml:8)",
    ],
    # SLIs
    "sli_missing_kind": ["11: objectives[0].sli: needs exactly one of ratio, latency, timeslices"],
    "sli_two_kinds": [
        "11: objectives[0].sli: needs exactly one of ratio, latency, timeslices (got ratio, latency)",
    ],
    "ratio_good_and_bad": ["12: objectives[0].sli.ratio: give good or bad, not both"],
    "ratio_missing_good": ["12: objectives[0].sli.ratio: needs good or bad"],
    "ratio_missing_total": ["12: objectives[0].sli.ratio: needs total"],
    "ratio_selector_and_query": [
        "12: objectives[0].sli.ratio: use selectors (good|bad + total) or queries "
        "(good_query|bad_query + total_query), not both (got good, total_query)",
    ],
    "ratio_selector_is_promql": [
        '13: objectives[0].sli.ratio.good: must be a metric selector like http_requests_total{job="api"} '
        '(got \'sum(rate(http_requests_total{job="checkout",code!~"5.."}[5m]))\'); '
        "for full PromQL use good_query/bad_query and total_query",
    ],
    "query_without_window": [
        "13: objectives[0].sli.ratio.good_query: must contain {{ window }} where the range goes, "
        "e.g. increase(x[{{ window }}])",
    ],
    "latency_bucket_suffix": [
        "13: objectives[0].sli.latency.histogram: give the histogram's base name without _bucket "
        "(got 'http_request_duration_seconds_bucket')",
    ],
    "latency_threshold_zero": ["14: objectives[0].sli.latency.threshold: must be above 0 (got 0)"],
    "latency_threshold_missing": ["12: objectives[0].sli.latency.threshold: required field is missing"],
    "latency_threshold_with_unit": [
        "14: objectives[0].sli.latency.threshold: must be a number (got '250ms')",
    ],
    "timeslices_bad_comparison": [
        "14: objectives[0].sli.timeslices.good: must be a comparison like '>= 1' or '< 0.5' (got '=> 1')",
    ],
    "timeslices_slice_too_long": [
        "15: objectives[0].sli.timeslices.slice: must be between 10s and 1h (got 2h)",
    ],
    # Windows
    "window_bad_duration": ["15: window: must be a duration like 5m, 1h or 30d (got '30days')"],
    "window_too_short": ["15: window: must be between 5m and 400d (got 3m)"],
    "window_too_long": ["15: window: must be between 5m and 400d (got 401d)"],
    "window_zero": ["15: window: must be longer than 0 (got '0d')"],
    "window_bare_number": [
        "15: window: must be a duration like 30d or a mapping like {calendar: month, timezone: UTC} (got 30)",
    ],
    "objective_window_too_short": ["11: objectives[0].window: must be between 5m and 400d (got 1m)"],
    "calendar_unknown": ["15: window.calendar: must be 'month', 'week' or 'quarter' (got 'year')"],
    "calendar_bad_timezone": [
        "15: window.timezone: must be an IANA name like UTC or Europe/Berlin (got 'Europe/Berlim')",
    ],
    "calendar_timezone_region": [
        "15: window.timezone: must be an IANA name like UTC or Europe/Berlin (got 'Europe')",
    ],
    "calendar_timezone_too_long": [
        f"15: window.timezone: must be an IANA name like UTC or Europe/Berlin (got 'Europe/{'x' * 92}... "
        "(209 more characters))",
    ],
    "calendar_unknown_key": ["15: window.tz: unknown field (allowed: calendar, timezone)"],
    # Owners
    "owner_bad_email": [
        "5: owners.operational.email[0]: must be an email address (got 'platform-ops'): "
        "an email address must have an @-sign",
    ],
    "owner_email_several_in_one": [
        "5: owners.operational.email[0]: must be an email address "
        "(got 'ops@example.com, oncall@example.com'): one address per entry: write a list, "
        "like [a@example.com, b@example.com]",
    ],
    "owner_email_unclosed_bracket": [
        "9: owners.operational.email[1]: must be an email address (got 'Jürgen Müller <jm@corp.local'): "
        "an address in angle brackets must end the entry, like Name <ops@example.com>",
    ],
    "owner_team_two_lines": [
        "5: owners.operational.team: must be one line of text without control characters "
        "(got 'platform-ops\\nBcc: everyone@example.com')",
    ],
    # Reported once, as the misspelling, not also as "no owner for kind 'application'".
    "owner_misspelt_kind": ["6: owners.aplication: unknown field; did you mean 'application'?"],
    "owner_empty_team": ["6: owners.application.team: must not be empty"],
    "owner_unknown_kind": ["7: owners.security: unknown field (allowed: operational, application)"],
    # Policy and alerting
    "policy_warn_below_over_100": ["16: policy.warn_below: must be a percentage from 0 to 100 (got 120)"],
    "policy_postmortem_zero": ["16: policy.postmortem_over: must be above 0 and at most 100 (got 0)"],
    "policy_freeze_on_unknown": [
        "16: policy.freeze_on: must be 'exhausted', 'warning' or 'never' (got 'always')",
    ],
    "alert_budget_zero": ["17: alerting.page[0].budget: must be above 0 and at most 100 (got 0)"],
    "alert_budget_over_100": ["17: alerting.ticket[0].budget: must be above 0 and at most 100 (got 150)"],
    "alert_short_not_shorter": [
        "18: alerting.page[1]: short window (6h) must be shorter than long window (6h)",
    ],
    "alert_bad_duration": ["17: alerting.page[0].long: must be a duration like 5m, 1h or 30d (got '1 hour')"],
    "alert_unknown_tier": ["16: alerting.pager: unknown field; did you mean 'page'?"],
    # Tiers must fit in the window they watch, and a page tier must not page below a burn rate of 1.
    "alert_tiers_longer_than_window": [
        "17: alerting.page[0].budget: pages at a burn rate of 0.02 on the service's window (1h): below 1x "
        "the budget lasts longer than the window; give budget 100 or more, or make it a ticket tier",
        "18: alerting.page[1].long: 6h is longer than the service's window (1h): a tier must fit in the "
        "window it watches (leave out alerting.page for tiers scaled to each window)",
        "20: alerting.ticket[0].long: 1d is longer than the service's window (1h): a tier must fit in the "
        "window it watches (leave out alerting.ticket for tiers scaled to each window)",
        "21: alerting.ticket[1].long: 3d is longer than the service's window (1h): a tier must fit in the "
        "window it watches (leave out alerting.ticket for tiers scaled to each window)",
    ],
    "alert_tiers_longer_than_objective_window": [
        "33: alerting.ticket[1].long: 8d is longer than the window of objective 'availability-fast' (2d, "
        "line 17): a tier must fit in the window it watches (leave out alerting.ticket for tiers scaled to "
        "each window)",
        "33: alerting.ticket[1].long: 8d is longer than the window of objective 'availability-weekly' "
        "(calendar week, at least 7d, line 25): a tier must fit in the window it watches (leave out "
        "alerting.ticket for tiers scaled to each window)",
    ],
    # Numbers that are not numbers (issue 11): NaN passes every range check, infinity overflows the engine.
    "target_nan": ["10: objectives[0].target: must be a finite number (got .nan)"],
    "target_infinite": ["10: objectives[0].target: must be a finite number (got -.inf)"],
    "latency_threshold_infinite": [
        "14: objectives[0].sli.latency.threshold: must be a finite number (got .inf)",
    ],
    "timeslices_compare_nan": [
        "14: objectives[0].sli.timeslices.good.value: must be a finite number (got .nan)",
    ],
    "timeslices_compare_infinite": [
        "14: objectives[0].sli.timeslices.good: must compare with a finite number (got '< 1e999')",
    ],
    "timeslices_compare_boolean": [
        "14: objectives[0].sli.timeslices.good.value: must be a number (got true)"
    ],
    "timeslices_compare_quoted": ["14: objectives[0].sli.timeslices.good.value: must be a number (got '1')"],
    "timeslices_slice_longer_than_window": [
        "15: objectives[0].sli.timeslices.slice: 1h is longer than the objective's window (30m): "
        "a window must hold whole slices",
    ],
    # Durations: at most 400d anywhere (refused before they overflow), tiers at least one evaluation step.
    "window_out_of_range": ["15: window: must be between 5m and 400d (got 99999999999999d)"],
    "alert_long_out_of_range": ["17: alerting.ticket[0].long: must be at most 400d (got 1000000d)"],
    "absent_for_under_one_step": [
        "16: alerting.absent_for: 1s is shorter than one evaluation step of objective 'availability' (5m): "
        "make it 5m or longer",
    ],
    "alert_short_under_one_step": [
        "17: alerting.page[0].short: 30s is shorter than one evaluation step of objective 'availability' "
        "(5m): make it 5m or longer",
        "18: alerting.page[1].short: 4m is shorter than one evaluation step of objective 'availability' "
        "(5m): make it 5m or longer",
    ],
    # Names, teams and labels are one line: no control character, no line break of any kind.
    "owner_team_blank": ["6: owners.application.team: must not be empty"],
    "owner_team_line_separators": [
        f"5: owners.operational.team: {ONE_LINE} (got 'platform\\x85ops\\r')",
        f"6: owners.application.team: {ONE_LINE} (got 'checkout\\u2028dev')",
    ],
    "owner_team_escape_and_nul": [
        f"5: owners.operational.team: {ONE_LINE} (got '\\x1b[31mplatform-ops')",
        f"6: owners.application.team: {ONE_LINE} (got 'checkout\\x00dev')",
    ],
    "name_trailing_newline": [
        f"8: objectives[0].name: must be {NAME_RULE} (got 'availability\\n': '\\n' not allowed)",
    ],
    "labels_name_trailing_newline": [
        "15: labels: label name must be ASCII letters (a-z, A-Z), digits and '_', not starting with a digit "
        "(got 'tier\\n': '\\n' not allowed)",
    ],
    "labels_value_control_characters": [
        f"16: labels.tier: {ONE_LINE} (got 'web\\nfrontend')",
        f"17: labels.zone: {ONE_LINE} (got 'eu\\u2028west')",
        f"18: labels.color: {ONE_LINE} (got '\\x1b[31mred')",
        f"19: labels.nul: {ONE_LINE} (got 'a\\x00b')",
    ],
    # attribute_by: label names, each once, on SLIs whose selectors carry them (issue 14).
    "attribute_by_on_queries": [
        "11: objectives[0].attribute_by: attribution sums bad events by the labels of selectors: needs a "
        "ratio SLI with good/bad and total selectors, or a latency SLI (got a ratio SLI with "
        "bad_query/total_query)",
        "19: objectives[1].attribute_by: attribution sums bad events by the labels of selectors: needs a "
        "ratio SLI with good/bad and total selectors, or a latency SLI (got a time-slice SLI)",
    ],
    "attribute_by_bad_labels": [
        "12: objectives[0].attribute_by[0]: label name must be ASCII letters (a-z, A-Z), digits and '_', not "
        "starting with a digit (got 'status-code': '-' not allowed)",
        "13: objectives[0].attribute_by[1]: label name must be ASCII letters (a-z, A-Z), digits and '_', not "
        "starting with a digit (got '__name__': names starting with '__' are reserved by Prometheus)",
        "14: objectives[0].attribute_by[2]: label name must be ASCII letters (a-z, A-Z), digits and '_', not "
        "starting with a digit (got '2fa': starts with a digit)",
        "16: objectives[0].attribute_by[4]: duplicate label 'handler' (first at line 15)",
        "17: objectives[0].attribute_by[5]: must be a string (got 404)",
        "25: objectives[1].attribute_by[1]: 'le' is the bucket bound the latency threshold is read from, not "
        "a label of the requests: it cannot attribute a latency SLI's bad events",
    ],
    "attribute_by_not_a_list": [
        "10: objectives[0].attribute_by: must be a label name or a list of label names (got 5)",
        "18: objectives[1].attribute_by: must be a label name or a list of label names (got a mapping)",
    ],
    # releases: the query checked offline like every other, a label name, 0 < within <= 30d (issue 14).
    "releases_invalid": [
        "16: releases.query: '{' is never closed (at character 15)",
        "17: releases.label: label name must be ASCII letters (a-z, A-Z), digits and '_', not starting with "
        "a digit (got 'build-version': '-' not allowed)",
        "18: releases.within: must be at most 30d (got 31d)",
    ],
    "releases_within_zero": [
        "16: releases.query: {{ window }} is substituted in ratio good_query/bad_query/total_query only",
        "17: releases.within: must be longer than 0 (got '0m')",
        "18: releases.lable: unknown field; did you mean 'label'?",
    ],
    "releases_missing_query": ["15: releases.query: required field is missing"],
    # Found by the fuzz test (test_validate_fuzz.py): a field path kept, an error line kept whole.
    "unknown_key_with_bracket": ["2: 'api[Version': unknown field; did you mean 'apiVersion'?"],
    "selector_line_separator": [
        "14: objectives[0].sli.ratio.total: unexpected '\\u2028' after the selector "
        "(got 'http_requests_total{job=\"checkout\"}\\u2028x')",
    ],
    # Several problems in one file: all of them, in line order, not only the first.
    "several_errors": [
        "2: apiVersion: must be 'slokit/v1' (got 'slokit/v2')",
        "9: objectives[0].kind: must be 'operational' or 'application' (got 'ops')",
        "10: objectives[0].target: must be below 100 (got 120)",
    ],
    # Schema errors, a kind without an owner and a duplicate objective: one run shows them all, in line order.
    "every_problem_at_once": [
        "9: objectives[0].target: must be below 100 (got 120)",
        "15: objectives[1].kind: no owner for kind 'application': add owners.application",
        "18: objectives[2].name: duplicate objective 'availability' of service 'checkout' "
        f"(first at {MALFORMED}/every_problem_at_once.yaml:7)",
        "21: objectives[2].sli.ratio: needs total",
    ],
}

VALID = """\
apiVersion: slokit/v1
service: checkout
owners:
  operational: {team: platform-ops}
objectives:
  - name: availability
    kind: operational
    target: 99.9
    sli:
      ratio:
        good: http_requests_total{code!~"5.."}
        total: http_requests_total
"""


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    # Paths are passed relative to the repository, as a user in a checkout would type them.
    monkeypatch.chdir(REPO)


def _validate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(["validate", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _expected(file: str, lines: list[str]) -> str:
    return "".join(f"{file}:{line}\n" for line in lines)


def test_there_are_at_least_30_malformed_cases() -> None:
    assert len(CASES) >= 30


def test_every_malformed_file_has_an_expected_message() -> None:
    on_disk = {p.stem for p in (REPO / MALFORMED).glob("*.yaml")}
    assert on_disk == set(CASES)


@pytest.mark.parametrize(("case", "lines"), CASES.items(), ids=list(CASES))
def test_malformed_definition(capsys: pytest.CaptureFixture[str], case: str, lines: list[str]) -> None:
    file = f"{MALFORMED}/{case}.yaml"
    code, out, err = _validate(capsys, file)
    assert (code, out) == (2, "")
    assert err == _expected(file, lines)


def test_every_file_with_errors_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    files = [f"{MALFORMED}/{case}.yaml" for case in ("target_120", "empty", "misspelt_target")]
    code, out, err = _validate(capsys, *files)
    assert (code, out) == (2, "")
    # Both files define checkout/availability: the duplicate is reported though neither file is valid.
    duplicate = (
        "8: objectives[0].name: duplicate objective 'availability' of service 'checkout' "
        f"(first at {files[0]}:8)"
    )
    expected = {**CASES, "misspelt_target": [duplicate, *CASES["misspelt_target"]]}
    assert err == "".join(_expected(f, expected[Path(f).stem]) for f in files)


def test_duplicate_objective_across_files_names_the_first(capsys: pytest.CaptureFixture[str]) -> None:
    directory = f"{MALFORMED}/across_files"
    code, out, err = _validate(capsys, directory)
    assert (code, out) == (2, "")
    assert err == (
        f"{directory}/second.yaml:7: objectives[0].name: duplicate objective 'availability' of service "
        f"'checkout' (first at {directory}/first.yaml:14)\n"
    )


def test_duplicate_objective_is_reported_beside_schema_errors_of_the_first_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # target_120.yaml fails validation, but its checkout/availability still counts as the first one.
    first, second = f"{MALFORMED}/target_120.yaml", str(tmp_path / "second.yaml")
    owners = "{team: platform-ops, email: [platform-ops@example.com]}"
    Path(second).write_text(VALID.replace("{team: platform-ops}", owners))
    code, out, err = _validate(capsys, first, second)
    assert (code, out) == (2, "")
    assert err == (
        f"{first}:10: objectives[0].target: must be below 100 (got 120)\n"
        f"{second}:6: objectives[0].name: duplicate objective 'availability' of service 'checkout' "
        f"(first at {first}:8)\n"
    )


def test_one_service_in_two_files_with_different_owners_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    directory = f"{MALFORMED}/owners_differ"
    code, out, err = _validate(capsys, directory)
    assert (code, out) == (2, "")
    same = "every file of a service must name the same owners"
    assert err.splitlines() == [
        f"{directory}/alpha-jobs.yaml:5: owners.operational: service 'alpha' has another operational owner "
        f"in {directory}/alpha-api.yaml:5 (team 'platform-ops' there, 'sre' here): {same}",
        f"{directory}/alpha-jobs.yaml:6: owners.application: service 'alpha' has another application owner "
        f"in {directory}/alpha-api.yaml:6 (email [alpha-dev@example.com] there, "
        f"[alpha-dev@example.com, alpha-lead@example.com] here): {same}",
    ]


def test_one_service_in_two_files_with_the_same_owners_is_fine(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The same owners written differently: another order, letter case, a display name, one string for a list.
    (tmp_path / "a.yaml").write_text(
        VALID.replace("{team: platform-ops}", "{team: platform-ops, email: [a@x.corp, b@x.corp]}")
    )
    second = VALID.replace("name: availability", "name: latency").replace(
        "{team: platform-ops}", "{team: platform-ops, email: [B@x.corp, 'Ann <a@x.corp>']}"
    )
    (tmp_path / "b.yaml").write_text(second)
    code, out, err = _validate(capsys, str(tmp_path))
    assert (code, out, err) == (
        0,
        "ok: 2 files, 1 service, 2 objectives (2 operational, 0 application)\n",
        "",
    )


def _bomb(levels: int) -> str:
    lines = ["lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        lines.append(f"lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_quickly(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(_bomb(10))  # 10**10 strings if expanded
    started = time.perf_counter()
    code, out, err = _validate(capsys, str(bomb))
    elapsed = time.perf_counter() - started
    assert (code, out) == (2, "")
    assert err == f"{bomb}:1: aliases expand to more than 10000 nodes; refused\n"
    assert elapsed < 1.0


def test_binary_garbage(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.yaml"
    garbage.write_bytes(b"\x7fELF\x02\x01\x01\x00\n\x00\x00\x00\xff\xfe\x00\x03")
    code, out, err = _validate(capsys, str(garbage))
    assert (code, out) == (2, "")
    assert err == f"{garbage}:2: not a UTF-8 text file (byte 0xff)\n"


def test_control_characters(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = tmp_path / "nul.yaml"
    text.write_bytes(b"apiVersion: slokit/v1\nservice: check\x00out\n")
    code, out, err = _validate(capsys, str(text))
    assert (code, out) == (2, "")
    assert err == f"{text}:2: not a text file: unacceptable character #x0000\n"


def test_latin1_file_names_the_line_and_byte(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes(VALID.replace("platform-ops}", "platform-ops, description: Café}").encode("latin-1"))
    code, out, err = _validate(capsys, str(latin1))
    assert (code, out) == (2, "")
    assert err == f"{latin1}:4: not a UTF-8 text file (byte 0xe9)\n"


def test_utf8_bom_is_fine(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bom = tmp_path / "bom.yaml"
    bom.write_bytes(b"\xef\xbb\xbf" + VALID.replace("\n", "\r\n").encode())
    code, out, err = _validate(capsys, str(bom))
    assert (code, out, err) == (0, "ok: 1 file, 1 service, 1 objective (1 operational, 0 application)\n", "")


def test_the_examples_are_valid(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _validate(capsys, "slo_definitions/")
    assert (code, out, err) == (
        0,
        "ok: 3 files, 3 services, 8 objectives (5 operational, 3 application)\n",
        "",
    )


def test_missing_path(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _validate(capsys, "does/not/exist")
    assert (code, out, err) == (2, "", "error: does/not/exist: no such file or directory\n")


def test_missing_yaml_file_is_an_error_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _validate(capsys, "nosuch.yaml")
    assert (code, out, err) == (2, "", "error: nosuch.yaml: no such file or directory\n")


def test_empty_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a definition\n")
    code, out, err = _validate(capsys, str(tmp_path))
    assert (code, out) == (2, "")
    assert err == f"error: {tmp_path}: no SLO definition files (*.yaml, *.yml) in this directory\n"


def test_debug_shows_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    file = f"{MALFORMED}/target_120.yaml"
    code = run(["--debug", "validate", file])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.startswith("Traceback (most recent call last):\n")
    assert "DefinitionError" in err
    assert err.endswith(_expected(file, CASES["target_120"]))
    # --debug does not stick to the next run in the same process.
    assert "Traceback" not in _validate(capsys, file)[2]


def _python(code: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    return subprocess.run(
        [sys.executable, "-c", code] if code else [sys.executable, "-m", "slokit", "--version"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_python_m_slokit_version() -> None:
    result = _python("")
    assert (result.returncode, result.stdout, result.stderr) == (0, "slokit 0.1.0\n", "")


@pytest.mark.parametrize(
    "argv", [["--version"], ["validate", "slo_definitions/"]], ids=["version", "validate"]
)
def test_light_commands_do_not_import_heavy_modules(argv: list[str]) -> None:
    heavy = {"pandas", "numpy", "requests"}
    result = _python(
        "import sys\n"
        "from slokit.cli import run\n"
        f"run({argv!r})\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(heavy)!r}))\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"


def test_an_internal_error_is_one_line_and_exit_70(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import slokit.spec

    def broken(paths: object) -> None:
        raise RuntimeError("boom at https://bob:s3cr3t-pw@prom.example/")

    monkeypatch.setattr(slokit.spec, "load", broken)
    assert run(["validate", "slo_definitions"]) == 70
    assert capsys.readouterr().err.splitlines() == [
        "error: internal error: RuntimeError: boom at https://***@prom.example/",
        "(this is a bug in slokit; run with --debug for the traceback)",
    ]
    assert run(["--debug", "validate", "slo_definitions"]) == 70
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert "s3cr3t-pw" not in err
