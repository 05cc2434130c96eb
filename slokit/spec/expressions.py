"""Validators for the PromQL in SLO definitions: selectors parsed strictly, full queries checked leniently.

The syntax lives in :mod:`slokit.promql_syntax`; this module words its findings as definition errors (the
loader adds ``FILE:LINE: field.path:``). Selectors keep the user's spelling (stripped): a snapshot's
fingerprint is made from the definition as written.
"""

from __future__ import annotations

from slokit.durations import SHOWN, shown
from slokit.promql_syntax import PromQLSyntaxError, Selector, check_query, parse_selector
from slokit.redact import cut

_FULL_PROMQL = (
    'must be a metric selector like http_requests_total{{job="api"}} (got {got}); '
    "for full PromQL use good_query/bad_query and total_query"
)


def _parse(value: str) -> Selector:
    try:
        return parse_selector(value)
    except PromQLSyntaxError as exc:
        if exc.message.startswith("a selector has no functions"):
            raise ValueError(_FULL_PROMQL.format(got=_got(value))) from None
        raise ValueError(f"{exc.message} (got {_got(value)})") from None


def _got(value: str) -> str:
    # Quoted as written: repr() would double every backslash of a regex and confuse the reader.
    text = value.strip()
    if not text.isprintable():  # a line break or control character: escaped, so the error stays one line
        return shown(text)
    return f"'{cut(text, SHOWN, one_line=False)}'"


def selector(value: str) -> str:
    _parse(value)
    return value.strip()


def histogram(value: str) -> str:
    parsed = _parse(value)
    if parsed.metric is None or not value.strip().split("{", 1)[0].strip():
        raise ValueError(
            "give the histogram's base name before the braces, e.g. "
            f'http_request_duration_seconds{{job="api"}} (got {_got(value)})'
        )
    for suffix in ("_bucket", "_count", "_sum"):
        if parsed.metric.endswith(suffix):
            raise ValueError(f"give the histogram's base name without {suffix} (got {parsed.metric!r})")
    return value.strip()


def ratio_query(value: str) -> str:
    """A ``good_query``/``bad_query``/``total_query``: needs the ``{{ window }}`` placeholder."""
    problem = check_query(value, placeholder=True)
    if problem is not None:
        raise ValueError(problem)
    return value


def slice_query(value: str) -> str:
    """A time-slice ``query``: evaluated as written, so no placeholder."""
    problem = check_query(value, placeholder=False)
    if problem is not None:
        raise ValueError(problem)
    return value
