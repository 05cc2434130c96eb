"""PromQL syntax, offline: strict series selectors, a lenient check of full queries, selectors in a query.

Why hand-rolled: the one maintained parser on PyPI (``promql-parser``, Rust bindings) parses the PromQL of
Prometheus 2.45 only. A strict full parse would refuse newer functions and the MetricsQL that users of
VictoriaMetrics write in ``*_query`` fields, so full queries get a lenient check here (balanced delimiters
and quotes, and every ``{...}`` label-matcher block parsed strictly) and the server's own parser with
``slokit validate --prometheus-url``. Series selectors, which slokit itself turns into PromQL, are parsed
strictly: metric name, label matchers ``=``, ``!=``, ``=~``, ``!~``, Go string literals (``"..."``,
``'...'``, raw backtick strings) with their escapes, and the regular expressions.

Regular expressions: Prometheus compiles them with Go's RE2 syntax, fully anchored. Python's ``re`` is the
approximation used here, with the known differences closed where they matter: constructs RE2 refuses
(lookaround, backreferences, atomic groups, possessive quantifiers, conditionals, repeat counts over 1000)
are refused, and RE2-only syntax Python does not know (``\\pL``, ``\\p{Greek}``, ``\\z``, ``\\C``,
``\\Q...\\E``, ``(?U)``, ``(?<name>...)``) is accepted. Anything subtler (a character class Python reads
differently) is left to the server check.

No imports beyond the standard library: ``slokit validate`` stays fast.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Literal

MatchOp = Literal["=", "!=", "=~", "!~"]
_OPS: tuple[MatchOp, ...] = ("=~", "!~", "!=", "=")  # longest first
_METRIC_START = re.compile(r"[A-Za-z_:]")
_METRIC = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BARE_WORD = re.compile(r"[^\s,}]+")
_WINDOW = re.compile(r"\{\{\s*window\s*\}\}")
_PLACEHOLDER = re.compile(r"\{\{.*?\}\}")
MAX_REPEAT = 1000  # RE2's limit on {n,m}
_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}


class PromQLSyntaxError(ValueError):
    """What is wrong, and where (0-based offset into the text)."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


@dataclass(frozen=True)
class Matcher:
    name: str
    op: MatchOp
    value: str

    def matches_empty(self) -> bool:
        if self.op in ("=", "!="):
            return (self.value == "") == (self.op == "=")
        hit = _compile_for_python(self.value).fullmatch("") is not None
        return hit == (self.op == "=~")

    def __str__(self) -> str:
        name = self.name if _LABEL.fullmatch(self.name) else quote(self.name)
        return f"{name}{self.op}{quote(self.value)}"


@dataclass(frozen=True)
class Selector:
    """A parsed series selector: ``metric{matchers}`` (the metric may also be a ``__name__`` matcher)."""

    metric: str | None
    matchers: tuple[Matcher, ...]

    @property
    def name(self) -> str | None:
        """The metric name, whether written before the braces or as ``__name__="..."``."""
        if self.metric is not None:
            return self.metric
        for m in self.matchers:
            if m.name == "__name__" and m.op == "=":
                return m.value
        return None

    def __str__(self) -> str:
        inner = ",".join(str(m) for m in self.matchers)
        if self.metric is None:
            return f"{{{inner}}}"
        metric = self.metric if _METRIC.fullmatch(self.metric) else None
        if metric is None:  # a UTF-8 metric name (Prometheus 3) goes inside the braces, quoted
            return "{" + ",".join([quote(self.metric), *(str(m) for m in self.matchers)]) + "}"
        return f"{metric}{{{inner}}}" if inner else metric


def quote(value: str) -> str:
    """A double-quoted PromQL string literal."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


# --------------------------------------------------------------------------------------------- selectors


def parse_selector(text: str) -> Selector:
    """Parse ``name{label="value", ...}`` strictly; raise :class:`PromQLSyntaxError` on the first problem."""
    pos = _skip_space(text, 0)
    metric: str | None = None
    if pos < len(text) and _METRIC_START.match(text[pos]):
        found = _METRIC.match(text, pos)
        assert found is not None
        metric, pos = found.group(), found.end()
    pos = _skip_space(text, pos)
    matchers: tuple[Matcher, ...] = ()
    if pos < len(text) and text[pos] == "{":
        metric, matchers, pos = _parse_block(text, pos, metric, allow_or=False)
        pos = _skip_space(text, pos)
    if pos < len(text):
        char = text[pos]
        if char in "([":
            raise PromQLSyntaxError("a selector has no functions or ranges", pos)
        if metric is None and not matchers:
            raise PromQLSyntaxError(f"expected a metric name or '{{', found {char!r}", pos)
        raise PromQLSyntaxError(f"unexpected {char!r} after the selector", pos)
    selector = Selector(metric, matchers)
    if metric is None and not matchers:
        raise PromQLSyntaxError("empty selector: give a metric name", pos)
    if metric is None and all(m.matches_empty() for m in matchers):
        raise PromQLSyntaxError(
            "needs a metric name or a matcher that does not match the empty value: "
            "this one could match every series",
            0,
        )
    return selector


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _parse_block(
    text: str, pos: int, metric: str | None, *, allow_or: bool
) -> tuple[str | None, tuple[Matcher, ...], int]:
    """Parse ``{...}`` from ``pos`` (at the ``{``); returns the metric, the matchers and the end offset.

    ``allow_or`` accepts MetricsQL's ``{a="x" or b="y"}`` filters, for full queries only.
    """
    opening = pos
    pos += 1
    matchers: list[Matcher] = []
    expect_item = True
    while True:
        pos = _skip_space(text, pos)
        if pos >= len(text):
            raise PromQLSyntaxError("'{' is never closed", opening)
        char = text[pos]
        if char == "}":
            return metric, tuple(matchers), pos + 1
        if not expect_item:
            raise PromQLSyntaxError(f"expected ',' or '}}' after {matchers[-1]}, found {char!r}", pos)
        start = pos
        if char in "\"'`":
            label, pos = read_string(text, pos)
            quoted = True
        else:
            found = _LABEL.match(text, pos)
            if found is None:
                raise PromQLSyntaxError(f"expected a label name, found {char!r}", pos)
            label, pos = found.group(), found.end()
            quoted = False
        pos = _skip_space(text, pos)
        if quoted and pos < len(text) and text[pos] in ",}":
            # Prometheus 3: a lone quoted string in the braces is the metric name.
            if metric is not None:
                raise PromQLSyntaxError(f"metric name given twice: {metric!r} and {label!r}", start)
            metric = label
        else:
            op = (
                None
                if text.startswith("==", pos)
                else next((o for o in _OPS if text.startswith(o, pos)), None)
            )
            if op is None:
                found_text = repr(text[pos : pos + 2]) if pos < len(text) else "the end"
                raise PromQLSyntaxError(
                    f"expected =, !=, =~ or !~ after label {label}, found {found_text}", pos
                )
            pos = _skip_space(text, pos + len(op))
            if pos >= len(text) or text[pos] not in "\"'`":
                bare = _BARE_WORD.match(text, pos)
                word = bare.group() if bare else ""
                example = f'{label}{op}"{word}"' if word else f'{label}{op}"..."'
                raise PromQLSyntaxError(f"label values are quoted strings: write {example}", pos)
            value_at = pos
            value, pos = read_string(text, pos)
            if op in ("=~", "!~"):
                problem = regex_problem(value)
                if problem is not None:
                    raise PromQLSyntaxError(f"invalid regular expression for {label}: {problem}", value_at)
            if label == "__name__" and metric is not None:
                raise PromQLSyntaxError(
                    f"metric name given twice: {metric!r} and __name__{op}{quote(value)}", start
                )
            matchers.append(Matcher(label, op, value))
        pos = _skip_space(text, pos)
        if pos < len(text) and text[pos] == ",":
            pos += 1
            expect_item = True
        elif allow_or and re.match(r"or\b", text[pos:]):
            pos += 2
            expect_item = True
        else:
            expect_item = False


def read_string(text: str, pos: int) -> tuple[str, int]:
    """Read the Go string literal at ``pos``; returns its value and the offset after it."""
    quote_char = text[pos]
    if quote_char == "`":
        end = text.find("`", pos + 1)
        if end < 0:
            raise PromQLSyntaxError("unterminated raw string (`...`)", pos)
        return text[pos + 1 : end], end + 1
    out: list[str] = []
    i = pos + 1
    while True:
        if i >= len(text) or text[i] == "\n":
            raise PromQLSyntaxError(f"unterminated string: {quote_char} is never closed", pos)
        char = text[i]
        if char == quote_char:
            return "".join(out), i + 1
        if char != "\\":
            out.append(char)
            i += 1
            continue
        escape = text[i + 1] if i + 1 < len(text) else ""
        if escape in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[escape])
            i += 2
        elif escape == quote_char:
            out.append(escape)
            i += 2
        elif escape in "01234567" and escape:
            digits = text[i + 1 : i + 4]
            if not re.fullmatch(r"[0-7]{3}", digits) or int(digits, 8) > 255:
                raise PromQLSyntaxError(f"invalid octal escape \\{digits}", i)
            out.append(chr(int(digits, 8)))
            i += 4
        elif escape in ("x", "u", "U") and escape:
            width = {"x": 2, "u": 4, "U": 8}[escape]
            digits = text[i + 2 : i + 2 + width]
            if not re.fullmatch(f"[0-9A-Fa-f]{{{width}}}", digits):
                raise PromQLSyntaxError(f"\\{escape} needs {width} hex digits", i)
            code = int(digits, 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise PromQLSyntaxError(f"\\{escape}{digits} is not a Unicode code point", i)
            out.append(chr(code))
            i += 2 + width
        else:
            shown = escape or "at the end"
            raise PromQLSyntaxError(
                f"unknown escape \\{shown} in a quoted string: write \\\\{escape} (an escaped backslash) "
                "or use a raw string in backticks",
                i,
            )


# ------------------------------------------------------------------------------------------------ regex

_RE2_REFUSES = (
    (re.compile(r"\(\?<?[=!]"), "lookahead and lookbehind are not supported (RE2 syntax)"),
    (re.compile(r"\(\?P=|\\[1-9]"), "backreferences are not supported (RE2 syntax)"),
    (re.compile(r"\(\?>"), "atomic groups are not supported (RE2 syntax)"),
    (re.compile(r"\(\?\("), "conditionals are not supported (RE2 syntax)"),
    (re.compile(r"(?:[*+?}])\+"), "possessive quantifiers are not supported (RE2 syntax)"),
)
_REPEAT = re.compile(r"\{(\d+)(?:,(\d*))?\}")
_FLAGS = re.compile(r"\(\?([A-Za-z-]*)([:)])")


def regex_problem(pattern: str) -> str | None:
    """Why Prometheus would refuse ``pattern`` as a label-matcher regex, or None."""
    plain = _strip_escaped(pattern)
    for finder, message in _RE2_REFUSES:
        if finder.search(plain):
            return message
    for found in _REPEAT.finditer(plain):
        counts = [int(g) for g in found.groups() if g]
        if any(c > MAX_REPEAT for c in counts):
            return f"repeat count {found.group()} is over {MAX_REPEAT}"
    for found in _FLAGS.finditer(plain):
        bad = set(found.group(1)) - set("imsU-")
        if bad:
            return f"unknown flag {''.join(sorted(bad))!r} in {found.group()} (RE2 knows i, m, s and U)"
    try:
        _compile_for_python(pattern)
    except re.error as exc:
        return str(exc)
    return None


def _strip_escaped(pattern: str) -> str:
    """``pattern`` with literals (escapes, \\Q...\\E, character classes) replaced by ``_``: its syntax."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("\\Q", i):
            end = pattern.find("\\E", i + 2)
            i = len(pattern) if end < 0 else end + 2
            out.append("_")
        elif pattern.startswith(("\\p{", "\\P{"), i) and (close := pattern.find("}", i)) >= 0:
            out.append("_")
            i = close + 1
        elif pattern[i] == "\\" and i + 1 < len(pattern):
            out.append("\\" + pattern[i + 1] if pattern[i + 1] in "123456789" else "__")
            i += 2
        elif pattern[i] == "[":
            i = _class_end(pattern, i)
            out.append("_")
        else:
            out.append(pattern[i])
            i += 1
    return "".join(out)


def _class_end(pattern: str, start: int) -> int:
    """The offset after the character class opened at ``start`` (the end of the pattern if unclosed)."""
    i = start + 1
    if pattern.startswith("^", i):
        i += 1
    if pattern.startswith("]", i):  # a leading ] is a literal
        i += 1
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
        elif pattern.startswith("[:", i) and (close := pattern.find(":]", i + 2)) >= 0:
            i = close + 2
        elif pattern[i] == "]":
            return i + 1
        else:
            i += 1
    return len(pattern)


def _compile_for_python(pattern: str) -> re.Pattern[str]:
    """Compile an RE2 pattern with Python's ``re`` after translating the RE2-only syntax."""
    translated = _translate(pattern)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "possible nested set" for POSIX classes like [[:alpha:]]
        return re.compile(translated)


def _translate(pattern: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("\\Q", i):
            end = pattern.find("\\E", i + 2)
            literal = pattern[i + 2 :] if end < 0 else pattern[i + 2 : end]
            out.append(re.escape(literal))
            i = len(pattern) if end < 0 else end + 2
            continue
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt in "pP":
                group = re.match(r"\{[A-Za-z_]+\}|[A-Za-z]", pattern[i + 2 :])
                out.append("\\w")  # any class will do: only the syntax is checked
                i += 2 + (len(group.group()) if group else 0)
                continue
            if nxt == "z":
                out.append("\\Z")
            elif nxt == "C":
                out.append(".")
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if pattern.startswith("(?<", i) and not pattern.startswith(("(?<=", "(?<!"), i):
            out.append("(?P<")
            i += 3
            continue
        flags = _FLAGS.match(pattern, i)
        if flags is not None:
            letters = flags.group(1).replace("U", "")
            if flags.group(2) == ")":
                # Python only takes global flags at the very start; RE2 takes them anywhere.
                i = flags.end()
                continue
            out.append(f"(?{letters}:" if letters.strip("-") else "(?:")
            i = flags.end()
            continue
        out.append(char)
        i += 1
    return "".join(out)


# --------------------------------------------------------------------------------------------- queries


def check_query(text: str, *, placeholder: bool) -> str | None:
    """The first problem of a full PromQL (or MetricsQL) query, or None.

    Checks what a lenient scan can be sure of: strings closed, (), [] and {} balanced and properly nested,
    every ``{...}`` a valid list of label matchers, and the ``{{ window }}`` placeholder: required when
    ``placeholder`` is true, refused otherwise (it is substituted in ratio ``*_query`` fields only).
    """
    if not text.strip():
        return "must not be empty"
    has_window = _WINDOW.search(text) is not None
    if placeholder and not has_window:
        return "must contain {{ window }} where the range goes, e.g. increase(x[{{ window }}])"
    other = next((m for m in _PLACEHOLDER.finditer(text) if not _WINDOW.fullmatch(m.group())), None)
    if other is not None:
        return f"unknown placeholder {other.group()}: the only one is {{{{ window }}}}"
    if not placeholder and has_window:
        return "{{ window }} is substituted in ratio good_query/bad_query/total_query only"
    try:
        _scan(_substitute(text))
    except PromQLSyntaxError as exc:
        return f"{exc.message} (at character {exc.position + 1})"
    return None


def _substitute(text: str) -> str:
    """Replace each ``{{ window }}`` by a duration padded to the same length, keeping offsets."""
    return _WINDOW.sub(lambda m: "5m".ljust(len(m.group())), text)


_CLOSER = {"(": ")", "[": "]"}


def _scan(text: str) -> list[tuple[str, int, object]]:
    """Tokens of a query: (kind, offset, value) with kinds ident, string, number, block, punct."""
    tokens: list[tuple[str, int, object]] = []
    stack: list[tuple[str, int]] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char in " \t\r\n":
            pos += 1
        elif char == "#":
            end = text.find("\n", pos)
            pos = len(text) if end < 0 else end
        elif char in "\"'`":
            value, end = read_string(text, pos)
            tokens.append(("string", pos, value))
            pos = end
        elif char == "{":
            _, matchers, end = _parse_block(text, pos, None, allow_or=True)
            tokens.append(("block", pos, (text[pos:end], matchers)))
            pos = end
        elif char == "}":
            raise PromQLSyntaxError("unexpected '}'", pos)
        elif char in "([":
            stack.append((char, pos))
            tokens.append(("punct", pos, char))
            pos += 1
        elif char in ")]":
            if not stack:
                raise PromQLSyntaxError(f"unexpected {char!r}: nothing to close", pos)
            opened, at = stack.pop()
            if _CLOSER[opened] != char:
                raise PromQLSyntaxError(
                    f"{char!r} closes the {opened!r} at character {at + 1}, which needs {_CLOSER[opened]!r}",
                    pos,
                )
            tokens.append(("punct", pos, char))
            pos += 1
        elif _METRIC_START.match(char):
            found = _METRIC.match(text, pos)
            assert found is not None
            tokens.append(("ident", pos, found.group()))
            pos = found.end()
        elif char.isdigit() or (char == "." and text[pos + 1 : pos + 2].isdigit()):
            found = re.compile(r"[0-9A-Za-z_.]+(?:[eE][-+]?\d+)?").match(text, pos)
            assert found is not None
            tokens.append(("number", pos, found.group()))
            pos = found.end()
        else:
            tokens.append(("punct", pos, char))
            pos += 1
    if stack:
        opened, at = stack[-1]
        raise PromQLSyntaxError(f"{opened!r} is never closed", at)
    return tokens


# Keywords, and aggregations that may take `by (...)` before their parentheses: never metric names.
_NOT_METRICS = frozenset(
    {
        "and",
        "or",
        "unless",
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "bool",
        "offset",
        "atan2",
        "inf",
        "nan",
        "start",
        "end",
        "sum",
        "avg",
        "min",
        "max",
        "count",
        "stddev",
        "stdvar",
        "topk",
        "bottomk",
        "quantile",
        "count_values",
        "group",
        "limitk",
        "limit_ratio",
    }
)
_LABEL_LISTS = frozenset(["by", "without", "on", "ignoring", "group_left", "group_right"])


def selectors_in(query: str) -> list[Selector]:
    """The series selectors of a full query, best effort, each once; empty when it cannot tell.

    For finding which selector of a query that returned nothing matches no series. MetricsQL ``WITH``
    templates define names that are not metrics: such queries give nothing.
    """
    try:
        tokens = _scan(_substitute(query))
    except PromQLSyntaxError:
        return []
    if any(kind == "ident" and str(value).lower() == "with" for kind, _, value in tokens):
        return []
    found: dict[str, Selector] = {}
    skip_list = False
    depth = 0
    for index, (kind, _, value) in enumerate(tokens):
        nxt = tokens[index + 1] if index + 1 < len(tokens) else None
        prev = tokens[index - 1] if index > 0 else None
        if skip_list:  # inside by (...), on (...) and the like: label names
            if kind == "punct" and value == "(":
                depth += 1
            elif kind == "punct" and value == ")":
                depth -= 1
                skip_list = depth > 0
            continue
        if kind == "ident" and str(value).lower() in _LABEL_LISTS:
            if nxt is not None and nxt[0] == "punct" and nxt[2] == "(":
                skip_list, depth = True, 0
            continue
        text: str | None = None
        if kind == "block" and not (prev is not None and prev[0] == "ident"):
            text = str(value[0]) if isinstance(value, tuple) else None
        elif kind == "ident":
            called = nxt is not None and nxt[0] == "punct" and nxt[2] == "("
            after_offset = prev is not None and prev[0] == "ident" and str(prev[2]).lower() == "offset"
            if called or after_offset or str(value).lower() in _NOT_METRICS:
                continue
            block = nxt[2] if nxt is not None and nxt[0] == "block" else None
            text = str(value) + (str(block[0]) if isinstance(block, tuple) else "")
        if text is None:
            continue
        try:
            selector = parse_selector(text)
        except PromQLSyntaxError:
            continue
        found.setdefault(str(selector), selector)
    return list(found.values())
