"""Offline PromQL checks (issue 10, point 5): strict selectors, lenient full queries, selectors in a query.

Valid cases include the examples of Prometheus's own documentation ("Querying basics"); each invalid case is
something the Prometheus 2.x parser refuses too, with the reason slokit gives.
"""

from __future__ import annotations

import pytest

from slokit.promql_syntax import (
    Matcher,
    PromQLSyntaxError,
    Selector,
    check_query,
    parse_selector,
    regex_problem,
    selectors_in,
)

VALID: dict[str, Selector] = {
    # From the Prometheus documentation.
    "http_requests_total": Selector("http_requests_total", ()),
    'http_requests_total{job="prometheus",group="canary"}': Selector(
        "http_requests_total", (Matcher("job", "=", "prometheus"), Matcher("group", "=", "canary"))
    ),
    'http_requests_total{environment=~"staging|testing|development",method!="GET"}': Selector(
        "http_requests_total",
        (Matcher("environment", "=~", "staging|testing|development"), Matcher("method", "!=", "GET")),
    ),
    'http_requests_total{job=~".*server",code!="500"}': Selector(
        "http_requests_total", (Matcher("job", "=~", ".*server"), Matcher("code", "!=", "500"))
    ),
    'http_requests_total{replica!="rep-a",replica=~"rep.*"}': Selector(
        "http_requests_total", (Matcher("replica", "!=", "rep-a"), Matcher("replica", "=~", "rep.*"))
    ),
    '{job=~".+"}': Selector(None, (Matcher("job", "=~", ".+"),)),
    '{job=~".*",method="get"}': Selector(None, (Matcher("job", "=~", ".*"), Matcher("method", "=", "get"))),
    '{job=~".*",method=""}': None,  # type: ignore[dict-item]  # refused: see INVALID
    '{__name__="http_requests_total"}': Selector(None, (Matcher("__name__", "=", "http_requests_total"),)),
    '{__name__=~"job:.*"}': Selector(None, (Matcher("__name__", "=~", "job:.*"),)),
    # Recording-rule names have colons; an empty block and a trailing comma are fine.
    "job:http_requests:rate5m": Selector("job:http_requests:rate5m", ()),
    "up{}": Selector("up", ()),
    'up{job="a",}': Selector("up", (Matcher("job", "=", "a"),)),
    ' up { job = "a" , code !~ "5.." } ': Selector(
        "up", (Matcher("job", "=", "a"), Matcher("code", "!~", "5.."))
    ),
    # Quoting: double, single and raw backtick strings; Go escapes in the first two only.
    "up{job='a'}": Selector("up", (Matcher("job", "=", "a"),)),
    r'up{path="C:\\temp"}': Selector("up", (Matcher("path", "=", "C:\\temp"),)),
    r'up{msg="say \"hi\""}': Selector("up", (Matcher("msg", "=", 'say "hi"'),)),
    r"up{msg='it\'s'}": Selector("up", (Matcher("msg", "=", "it's"),)),
    r'up{code=~"5\\d\\d"}': Selector("up", (Matcher("code", "=~", r"5\d\d"),)),
    r"up{code=~`5\d\d`}": Selector("up", (Matcher("code", "=~", r"5\d\d"),)),
    r'up{s="\u00e9\x41\101\n\t"}': Selector("up", (Matcher("s", "=", "éAA\n\t"),)),
    'up{job="ünïcødé"}': Selector("up", (Matcher("job", "=", "ünïcødé"),)),
    # Prometheus 3 UTF-8 names: a quoted label name, and a quoted metric name inside the braces.
    '{"service.name"="checkout"}': Selector(None, (Matcher("service.name", "=", "checkout"),)),
    '{"http.server.requests", job="a"}': Selector("http.server.requests", (Matcher("job", "=", "a"),)),
    # RE2 syntax that Python's re spells differently or lacks.
    r'up{job=~"\\pL+"}': Selector("up", (Matcher("job", "=~", r"\pL+"),)),
    r'up{job=~"\\p{Greek}+\\z"}': Selector("up", (Matcher("job", "=~", r"\p{Greek}+\z"),)),
    'up{job=~"(?i)api|(?U)web.*"}': Selector("up", (Matcher("job", "=~", "(?i)api|(?U)web.*"),)),
    'up{job=~"(?<svc>api)"}': Selector("up", (Matcher("job", "=~", "(?<svc>api)"),)),
    'up{job=~"[[:alpha:]]+[*+?]"}': Selector("up", (Matcher("job", "=~", "[[:alpha:]]+[*+?]"),)),
    r'up{job=~"\\Q(a+)\\E"}': Selector("up", (Matcher("job", "=~", r"\Q(a+)\E"),)),
}
VALID = {k: v for k, v in VALID.items() if v is not None}

INVALID: dict[str, str] = {
    # The example: an unquoted label value.
    "{code=200}": 'label values are quoted strings: write code="200"',
    "http_requests_total{code=200}": 'label values are quoted strings: write code="200"',
    "up{job=}": 'label values are quoted strings: write job="..."',
    "up{job=api-server}": 'label values are quoted strings: write job="api-server"',
    # Operators and separators.
    'up{job=="a"}': "expected =, !=, =~ or !~ after label job, found '=='",
    'up{job:"a"}': "expected =, !=, =~ or !~ after label job, found ':\"'",
    "up{job}": "expected =, !=, =~ or !~ after label job, found '}'",
    'up{job="a" code="200"}': "expected ',' or '}' after job=\"a\", found 'c'",
    'up{job="a";code="200"}': "expected ',' or '}' after job=\"a\", found ';'",
    'up{,job="a"}': "expected a label name, found ','",
    'up{1job="a"}': "expected a label name, found '1'",
    'up{job="a"': "'{' is never closed",
    'up{job="a"}}': "unexpected '}' after the selector",
    # Strings and escapes.
    'up{job="a}': 'unterminated string: " is never closed',
    "up{job='a}": "unterminated string: ' is never closed",
    "up{job=`a}": "unterminated raw string (`...`)",
    r'up{code=~"5\d\d"}': r"unknown escape \d in a quoted string: write \\d (an escaped backslash) "
    "or use a raw string in backticks",
    r"up{msg='say \"hi\"'}": r'unknown escape \" in a quoted string: write \\" (an escaped backslash) '
    "or use a raw string in backticks",
    r'up{s="\x4"}': r"\x needs 2 hex digits",
    r'up{s="\400"}': r"invalid octal escape \400",
    r'up{s="\ud800"}': r"\ud800 is not a Unicode code point",
    # Regular expressions (RE2, as Prometheus compiles them).
    'up{job=~"(api"}': "invalid regular expression for job: missing ), unterminated subpattern at position 0",
    'up{job=~"a{2,1}"}': "invalid regular expression for job: min repeat greater than max repeat at "
    "position 2",
    'up{job=~"*api"}': "invalid regular expression for job: nothing to repeat at position 0",
    'up{job=~"api(?=-v2)"}': "invalid regular expression for job: lookahead and lookbehind are not "
    "supported (RE2 syntax)",
    'up{job=~"(?<!x)api"}': "invalid regular expression for job: lookahead and lookbehind are not "
    "supported (RE2 syntax)",
    r'up{job=~"(a)\\1"}': "invalid regular expression for job: backreferences are not supported (RE2 syntax)",
    'up{job=~"a++"}': "invalid regular expression for job: possessive quantifiers are not supported "
    "(RE2 syntax)",
    'up{job=~"(?>a)"}': "invalid regular expression for job: atomic groups are not supported (RE2 syntax)",
    'up{job=~"a{1001}"}': "invalid regular expression for job: repeat count {1001} is over 1000",
    'up{job=~"(?x)a"}': "invalid regular expression for job: unknown flag 'x' in (?x) "
    "(RE2 knows i, m, s and U)",
    # A selector that could match every series, and names given twice.
    "{}": "empty selector: give a metric name",
    '{job=""}': "needs a metric name or a matcher that does not match the empty value: "
    "this one could match every series",
    '{job=~".*",method=""}': "needs a metric name or a matcher that does not match the empty value: "
    "this one could match every series",
    'up{__name__="down"}': "metric name given twice: 'up' and __name__=\"down\"",
    '{"a","b"}': "metric name given twice: 'a' and 'b'",
    # Not a selector.
    "sum(up)": "a selector has no functions or ranges",
    "up[5m]": "a selector has no functions or ranges",
    'up{job="a"} offset 5m': "unexpected 'o' after the selector",
    "": "empty selector: give a metric name",
    "-up": "expected a metric name or '{', found '-'",
}


@pytest.mark.parametrize(("text", "expected"), VALID.items(), ids=list(VALID))
def test_valid_selector(text: str, expected: Selector) -> None:
    assert parse_selector(text) == expected


@pytest.mark.parametrize(("text", "message"), INVALID.items(), ids=list(INVALID))
def test_invalid_selector(text: str, message: str) -> None:
    with pytest.raises(PromQLSyntaxError) as caught:
        parse_selector(text)
    assert caught.value.message == message


def test_there_are_many_cases() -> None:
    assert len(VALID) >= 25 and len(INVALID) >= 35


@pytest.mark.parametrize(
    ("text", "position"),
    [("{code=200}", 6), ('up{job="a" code="b"}', 11), ('up{job=~"(x"}', 8), ('up{job="a', 7)],
)
def test_error_position(text: str, position: int) -> None:
    with pytest.raises(PromQLSyntaxError) as caught:
        parse_selector(text)
    assert caught.value.position == position


@pytest.mark.parametrize("text", list(VALID))
def test_formatting_a_selector_parses_back_to_it(text: str) -> None:
    """``str(selector)`` is what slokit sends as ``match[]``: it must mean the same selector."""
    parsed = parse_selector(text)
    assert parse_selector(str(parsed)) == parsed


def test_selector_name() -> None:
    assert parse_selector('x{job="a"}').name == "x"
    assert parse_selector('{__name__="x",job="a"}').name == "x"
    assert parse_selector('{__name__=~"x.*"}').name is None


def test_regex_problem_accepts_what_re2_accepts() -> None:
    for pattern in ("5..", "a|b", "(?i)x", r"\d{1,3}", "[^/]+", r"\pN", "x{1000}", "a{,3}", "(?s:.)"):
        assert regex_problem(pattern) is None, pattern


# ------------------------------------------------------------------------------------------- queries


@pytest.mark.parametrize(
    "query",
    [
        "sum(increase(http_requests_total{job='a'}[{{ window }}]))",
        "sum(increase(x[{{window}}])) - sum(increase(y{code=~`5..`}[{{  window  }}]))",
        # A comment may hold anything; strings may hold brackets.
        "sum(increase(x[{{ window }}])) # total (all codes\n",
        'sum(increase(x{path="/a(b]"}[{{ window }}]))',
        "sum(rate(x[{{ window }}:1m]))",
        "histogram_quantile(0.99, sum by (le) (rate(h_bucket[{{ window }}])))",
        # MetricsQL (VictoriaMetrics): or-filters in braces, functions Prometheus does not know.
        'sum(increase(x{job="a" or job="b"}[{{ window }}]))',
        "sum(rollup_increase(x[{{ window }}])) keep_metric_names",
    ],
)
def test_valid_ratio_query(query: str) -> None:
    assert check_query(query, placeholder=True) is None


W = "[{{ window }}]"
INVALID_QUERIES: dict[str, str] = {
    # The example: an unclosed parenthesis.
    f"sum(increase(x{W})": "'(' is never closed (at character 4)",
    "sum(increase(x[{{ window }})))": "')' closes the '[' at character 15, which needs ']' (at character 28)",
    f"sum(increase(x{W})))": "unexpected ')': nothing to close (at character 31)",
    f"sum(increase(x{{code=200}}{W}))": 'label values are quoted strings: write code="200" (at character 21)',
    f'sum(increase(x{{job="a}}{W}))': 'unterminated string: " is never closed (at character 20)',
    f'sum(increase(x{{job=~"(a"}}{W}))': "invalid regular expression for job: missing ), unterminated "
    "subpattern at position 0 (at character 21)",
    "sum(increase(x[5m]))": "must contain {{ window }} where the range goes, e.g. increase(x[{{ window }}])",
    f"sum(increase(x{W})) / {{{{ total }}}}": "unknown placeholder {{ total }}: the only one is {{ window }}",
    "   ": "must not be empty",
    f"sum(increase(x}}{W}))": "unexpected '}' (at character 15)",
}


@pytest.mark.parametrize(("query", "problem"), INVALID_QUERIES.items(), ids=list(INVALID_QUERIES))
def test_invalid_ratio_query(query: str, problem: str) -> None:
    assert check_query(query, placeholder=True) == problem


def test_time_slice_query_has_no_placeholder() -> None:
    assert check_query('min(probe_success{job="blackbox"})', placeholder=False) is None
    assert check_query("min(up[{{ window }}])", placeholder=False) == (
        "{{ window }} is substituted in ratio good_query/bad_query/total_query only"
    )
    assert check_query("min(probe_success", placeholder=False) == "'(' is never closed (at character 4)"


@pytest.mark.parametrize(
    ("query", "selectors"),
    [
        (
            'sum(increase(http_requests_total{job="a",code=~"5.."}[{{ window }}]))',
            ['http_requests_total{job="a",code=~"5.."}'],
        ),
        (
            "sum by (job) (rate(x[5m] offset 1h)) / on (job) group_left (team) sum(y) > bool 0",
            ["x", "y"],
        ),
        ("histogram_quantile(0.9, sum by (le) (rate(h_bucket{job='s'}[5m])))", ['h_bucket{job="s"}']),
        ('{__name__=~"job:.*"} or vector(0)', ['{__name__=~"job:.*"}']),
        ('label_replace(up, "dst", "$1", "src", "(.*)")', ["up"]),
        ("sum(x) without (instance) + count(x)", ["x"]),
        ("min(probe_success{job='a'}) @ start()", ['probe_success{job="a"}']),
        ("sum(increase(x[5m]", []),  # unbalanced: cannot tell
        ("WITH (f(m) = rate(m[5m])) f(x)", []),  # MetricsQL templates: names that are not metrics
    ],
)
def test_selectors_in_a_query(query: str, selectors: list[str]) -> None:
    assert [str(s) for s in selectors_in(query)] == selectors
