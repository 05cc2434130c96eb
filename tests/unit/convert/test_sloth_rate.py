"""Sloth's rate() queries as slokit's event counts: converted exactly where the rates are only summed, refused
with the reason anywhere else, whatever the nesting of parentheses."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slokit.convert.sloth import rewrite_window_query
from slokit.convert.sloth_rate import SAFE_NOTE, Refused, convert

SUMMED = "slokit needs the rates only summed (sum, +, -) to turn them into event counts"

CONVERTED = [
    ("sum(rate(a[{{.window}}]))", "sum(increase(a[{{ window }}]))", 1),
    ("rate(a{job='x'}[{{ .window }}])", "increase(a{job='x'}[{{ window }}])", 1),
    # Nested parentheses around the sum and inside the selector's regex.
    (
        '((sum by (code) ((rate(a{code=~"(5..|4(29|30))"}[{{.window}}])))))',
        '((sum by (code) ((increase(a{code=~"(5..|4(29|30))"}[{{ window }}])))))',
        1,
    ),
    (
        "sum(rate(a[{{.window}}])) without (pod) + sum(rate(b[{{.window}}]))",
        "sum(increase(a[{{ window }}])) without (pod) + sum(increase(b[{{ window }}]))",
        2,
    ),
    (
        "sum(rate(total[{{.window}}])) - sum(rate(good[{{.window}}]))",
        "sum(increase(total[{{ window }}])) - sum(increase(good[{{ window }}]))",
        2,
    ),
    ("sum(rate(a[{{.window}}])) or vector(0)", "sum(increase(a[{{ window }}])) or vector(0)", 1),
    # Already a count: only the placeholder changes.
    ("sum(increase(a[{{.window}}]))", "sum(increase(a[{{ window }}]))", 0),
    # A rate of a recording rule's series named like a rate is still a rate() call over the window.
    ("sum(rate(job:a:rate5m[{{.window}}]))", "sum(increase(job:a:rate5m[{{ window }}]))", 1),
    # A comment with parentheses does not count.
    ("sum(rate(a[{{.window}}])) # (not a term\n", "sum(increase(a[{{ window }}])) # (not a term\n", 1),
]


@pytest.mark.parametrize(("query", "expected", "rates"), CONVERTED)
def test_summed_rates_over_the_window_become_increases(query: str, expected: str, rates: int) -> None:
    converted = convert(query)
    assert (converted.query, converted.converted) == (expected, rates)


REFUSED = [
    (
        "sum(irate(a[{{.window}}]))",
        f"irate() reads the last two samples only, not the window's events: {SUMMED}",
    ),
    ("avg(rate(a[{{.window}}]))", f"avg() of rates is not their sum: {SUMMED}"),
    ("quantile(0.9, rate(a[{{.window}}]))", f"quantile() of rates is not their sum: {SUMMED}"),
    ("min by (x) (rate(a[{{.window}}]))", f"min() of rates is not their sum: {SUMMED}"),
    (
        "sum(rate(a[{{.window}}])) / sum(rate(b[{{.window}}]))",
        f"a division (/) of rates is a ratio, not a count: {SUMMED}",
    ),
    ("sum(rate(a[{{.window}}])) * 60", f"the operator * around rates: {SUMMED}"),
    ("sum(rate(a[{{.window}}])) > bool 0", f"the operator > bool around rates: {SUMMED}"),
    # vector(1) is no zero: it would not scale with the window.
    ("sum(rate(a[{{.window}}])) or vector(1)", f"the operator or around rates: {SUMMED}"),
    (
        "sum(rate(a[{{.window}}])) + 1",
        f"a term that is not a rate over {{{{.window}}}} would not scale with the window: {SUMMED}",
    ),
    (
        "sum(rate(a[5m])) + sum(rate(b[{{.window}}]))",
        "rate() over [5m], not over {{.window}}: its events would not be the window's",
    ),
    ("sum(rate(a[{{.window}}:1m]))", "rate() of a subquery: slokit needs rate(x[{{.window}}])"),
    (
        "sum(avg_over_time(a[{{.window}}]))",
        f"avg_over_time() over {{{{.window}}}} is not rate() or increase(): {SUMMED}",
    ),
    (
        "max_over_time(rate(a[{{.window}}])[1h:])",
        f"max_over_time() over {{{{.window}}}} is not rate() or increase(): {SUMMED}",
    ),
    ("sum(rate(a[{{.interval}}]))", "the template {{.interval}} is not Sloth's {{.window}}"),
    ('sum(rate(a{w="{{.window}}"}[5m]))', "{{.window}} inside a string"),
    ("sum(rate(a[{{.window}}])", "the query ends too early"),
]


@pytest.mark.parametrize(("query", "reason"), REFUSED)
def test_anything_but_a_sum_of_rates_is_refused_with_the_reason(query: str, reason: str) -> None:
    with pytest.raises(Refused) as caught:
        convert(query)
    assert str(caught.value) == reason


def test_the_rewrite_says_what_it_converted() -> None:
    assert rewrite_window_query("sum(rate(a[{{.window}}]))") == ("sum(increase(a[{{ window }}]))", SAFE_NOTE)
    assert rewrite_window_query("sum(increase(a[{{.window}}]))")[1] == (
        "Sloth's {{.window}} written as slokit's {{ window }}"
    )
    with pytest.raises(ValueError, match="irate"):
        rewrite_window_query("irate(a[{{.window}}])")


# Property tests: sums of rates in any shape convert to the same text with increase(); any one other operator
# or function around them is refused; no text makes the parser fail other than with a refusal.
_METRICS = st.sampled_from(["a", "b_total", "job:req:rate5m", 'c{code=~"(5..|4(29))"}', "d{x='}]'}"])


@st.composite
def _sums(draw: st.DrawFn, depth: int = 0) -> tuple[str, str]:
    """A sum of rates over the window, and the same text with the conversion done by hand."""
    if depth >= 3 or draw(st.booleans()):
        metric = draw(_METRICS)
        space = draw(st.sampled_from(["", " "]))
        window = draw(st.sampled_from(["{{.window}}", "{{ .window }}"]))
        return (
            f"rate({metric}[{space}{window}{space}])",
            f"increase({metric}[{space}{{{{ window }}}}{space}])",
        )
    shape = draw(st.sampled_from(["sum", "sum by", "paren", "plus", "minus"]))
    left, left_expected = draw(_sums(depth + 1))
    if shape == "sum":
        return f"sum({left})", f"sum({left_expected})"
    if shape == "sum by":
        return f"sum by (code, pod) ({left})", f"sum by (code, pod) ({left_expected})"
    if shape == "paren":
        return f"({left})", f"({left_expected})"
    right, right_expected = draw(_sums(depth + 1))
    op = "+" if shape == "plus" else "-"
    return f"{left} {op}\n {right}", f"{left_expected} {op}\n {right_expected}"


@given(_sums())
def test_any_sum_of_rates_converts_rate_by_rate(case: tuple[str, str]) -> None:
    query, expected = case
    converted = convert(query)
    assert converted.query == expected
    assert converted.converted == query.count("rate(")


_WRAPPERS = [
    "avg({})",
    "max by (x) ({})",
    "irate_free({})",
    "{} / 2",
    "2 * {}",
    "{} > 0",
    "{} and b",
    "-({})",
    "abs({})",
    "{} or vector(1)",
    "topk(3, {})",
]


@given(_sums(), st.sampled_from(_WRAPPERS))
def test_anything_around_a_sum_of_rates_is_refused(case: tuple[str, str], wrapper: str) -> None:
    with pytest.raises(Refused):
        convert(wrapper.format(case[0]))


_PIECES = [*"()[]{}.,:+-*/^ab \"'`=~!<>@0159smh#\n", "{{.window}}", "rate", "sum", "by", "offset", "bool"]


@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_no_text_breaks_the_parser(text: str) -> None:
    # A refusal (with its reason) is the only way out besides a conversion: never IndexError & co.
    with contextlib.suppress(Refused):
        convert(text)
