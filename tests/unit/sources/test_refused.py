"""Which server answers mean "this expression does not parse" (a definition error, exit 2; issue 10 point
5) and which are failures of the source (exit 3). The texts are those Prometheus 2.42 and VictoriaMetrics
send."""

from __future__ import annotations

import pytest

from slokit.sources.prometheus import _parse_error


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, 'invalid parameter "query": 1:16: parse error: unclosed left parenthesis'),
        (400, "1:8: parse error: unexpected character inside braces: '2'"),
        (
            400,
            'invalid parameter "query": 1:3: parse error: error parsing regexp: missing closing ): '
            "`^(?:(b)$`",
        ),
        (422, 'error when executing query="x{code=200}": StringExpr: unexpected token "200"; want "string"'),
        (422, 'error when executing query="sum(rate(x[5m])": argList: unparsed data: ""'),
        (422, 'error when executing query="f(x)": cannot execute query: unknown func "f"'),
    ],
)
def test_parse_errors_are_refusals(status: int, error: str) -> None:
    assert _parse_error(status, error) == error


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (
            400,
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
            "resolution",
        ),
        (422, "query processing would load too many samples into memory in query execution"),
        (503, "parse error"),  # an overloaded proxy's text is not the server's parser
        (500, "internal error"),
    ],
)
def test_other_errors_are_source_failures(status: int, error: str) -> None:
    assert _parse_error(status, error) is None
