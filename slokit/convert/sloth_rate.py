"""Sloth's ``rate(...[{{.window}}])`` queries as event counts over slokit's ``{{ window }}``.

Sloth divides its error query by its total query, so a per-second ``rate()`` cancels out; slokit sums bad and
total events over windows and steps, so it needs counts. ``increase(x[w])`` is ``rate(x[w])`` times the
seconds of ``w`` (Prometheus computes both from the same extrapolated delta), so a rate may become an increase
exactly where the query is linear in it: summed (``sum``, ``sum by``/``without``), added or subtracted, in
parentheses, and nothing else around it (an ``or vector(0)`` fallback is zero either way). Anything else
(``irate``, ``avg``/``max``/``quantile`` of rates, a division, a constant term, a rate over another range,
the window in another function) is refused with the reason: no guess is written.

The query is read by a small PromQL parser (tokens, then precedence climbing): enough to see the tree
around each rate, whatever the nesting of parentheses. The output keeps the user's text and only replaces
the function names and the placeholders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_WINDOW = re.compile(r"\{\{-?\s*\.window\s*-?\}\}")
_TEMPLATE = re.compile(r"\{\{.*?\}\}", re.S)
_DURATION = re.compile(r"(?:\d+(?:ms|[smhdwy]))+")
_NUMBER = re.compile(r"0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_WORD = re.compile(r"[A-Za-z0-9_]")
_OPERATORS = ("==", "!=", "<=", ">=", "=~", "!~", "+", "-", "*", "/", "%", "^", "<", ">", "=")
_PUNCT = "(){}[],:@"
_AGGREGATIONS = {
    "sum", "avg", "count", "min", "max", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values",
    "group", "limitk", "limit_ratio",
}  # fmt: skip
_PRECEDENCE = {
    "or": 1, "and": 2, "unless": 2, "==": 3, "!=": 3, "<=": 3, ">=": 3, "<": 3, ">": 3,
    "+": 4, "-": 4, "*": 5, "/": 5, "%": 5, "atan2": 5, "^": 6,
}  # fmt: skip
_KEYWORDS = _AGGREGATIONS | {
    "or", "and", "unless", "atan2", "on", "ignoring", "group_left", "group_right", "by", "without", "bool",
    "offset",
}  # fmt: skip
SAFE_NOTE = (
    "rate() converted to increase(): the rates are only summed (sum, +, -) and increase(x[w]) = "
    "rate(x[w]) x the seconds of w, so this counts the window's events exactly"
)


# Parentheses, calls and aggregations inside one another: real queries nest a handful deep; the bound keeps
# a hostile one from exhausting Python's recursion (each level is a few frames of the parser below).
MAX_NESTING = 64


class Refused(ValueError):
    """A query that cannot become event counts, and why (one line)."""


@dataclass(frozen=True)
class _Token:
    kind: str  # ident, number, duration, string, window, op, punct
    text: str
    start: int
    end: int


@dataclass
class _Node:
    kind: str  # number, string, selector, call, agg, binary, unary, paren, range, subquery, other
    name: str = ""  # function, aggregation or operator
    args: list[_Node] = field(default_factory=list)
    name_at: tuple[int, int] = (0, 0)  # where the function name is written
    window: bool = False  # a range over Sloth's {{.window}}
    range_text: str = ""  # a range that is not the window, as written
    bool_modifier: bool = False


@dataclass(frozen=True)
class Converted:
    query: str
    converted: int  # rates turned into increases


def convert(query: str) -> Converted:
    """``query`` with every summed ``rate(x[{{.window}}])`` as ``increase(x[{{ window }}])``."""
    tokens = _tokens(query)
    parser = _Parser(tokens, query)
    tree = parser.expression(0)
    if parser.pos != len(tokens):
        token = tokens[parser.pos]
        raise Refused(f"unexpected {token.text!r} at character {token.start + 1}")
    rates: list[tuple[int, int]] = []
    _linear(tree, rates)
    if not any(t.kind == "window" for t in tokens):  # only a constant would get here: the rest is refused
        raise Refused("no {{.window}} in the query: slokit reads the events of each window through it")
    edits = [(start, end, "increase") for start, end in rates]
    edits += [(t.start, t.end, "{{ window }}") for t in tokens if t.kind == "window"]
    out = query
    for start, end, text in sorted(edits, reverse=True):
        out = out[:start] + text + out[end:]
    return Converted(out, len(rates))


def _linear(tree: _Node, rates: list[tuple[int, int]]) -> None:
    """Checks that ``tree`` is a sum of rates (or increases) over the window; collects the rates. With a
    stack, not recursion: ``a + b + c + ...`` is as deep as it is long."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if node.kind == "paren":
            stack.append(node.args[0])
        elif node.kind == "agg" and node.name == "sum":
            if len(node.args) != 1:
                raise Refused("sum() takes one expression")
            stack.append(node.args[0])
        elif node.kind == "binary" and node.name in ("+", "-") and not node.bool_modifier:
            stack.extend(node.args)
        elif node.kind == "binary" and node.name == "or" and _is_zero(node.args[1]):
            stack.append(node.args[0])
        elif node.kind == "call" and node.name in ("rate", "increase"):
            _over_window(node)
            if node.name == "rate":
                rates.append(node.name_at)
        else:
            raise Refused(_why_not(node))


def _over_window(node: _Node) -> None:
    inner = node.args[0] if len(node.args) == 1 else None
    if inner is None or inner.kind != "range":
        what = "a subquery" if inner is not None and inner.kind == "subquery" else "no range selector"
        raise Refused(f"{node.name}() of {what}: slokit needs {node.name}(x[{{{{.window}}}}])")
    if not inner.window:
        range_text = inner.range_text
        raise Refused(
            f"{node.name}() over {range_text}, not over {{{{.window}}}}: its events would not be the window's"
        )


def _why_not(node: _Node) -> str:
    tail = "slokit needs the rates only summed (sum, +, -) to turn them into event counts"
    if node.kind == "call" and node.name == "irate":
        return f"irate() reads the last two samples only, not the window's events: {tail}"
    if node.kind == "agg":
        return f"{node.name}() of rates is not their sum: {tail}"
    if node.kind == "binary":
        if node.name == "/":
            return f"a division (/) of rates is a ratio, not a count: {tail}"
        return f"the operator {node.name}{' bool' if node.bool_modifier else ''} around rates: {tail}"
    if node.kind == "call":
        where = " over {{.window}}" if _mentions_window(node) else ""
        return f"{node.name}(){where} is not rate() or increase(): {tail}"
    if node.kind in ("number", "unary"):
        return f"a term that is not a rate over {{{{.window}}}} would not scale with the window: {tail}"
    if node.kind == "subquery":
        return f"a subquery: {tail}"
    return f"a term that is not a rate over {{{{.window}}}}: {tail}"


def _is_zero(node: _Node) -> bool:
    while node.kind == "paren":
        node = node.args[0]
    if node.kind == "call" and node.name == "vector" and len(node.args) == 1:
        inner = node.args[0]
        return inner.kind == "number" and _number_value(inner.name) == 0
    return False


def _number_value(text: str) -> float | None:
    try:
        return float(int(text, 16)) if text.lower().startswith("0x") else float(text)
    except ValueError:
        return None


def _mentions_window(tree: _Node) -> bool:
    stack = [tree]
    while stack:
        node = stack.pop()
        if node.window:
            return True
        stack.extend(node.args)
    return False


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char.isspace():
            pos += 1
        elif char == "#":
            end = text.find("\n", pos)
            pos = len(text) if end < 0 else end
        elif text.startswith("{{", pos):
            match = _WINDOW.match(text, pos)
            if match is None:
                template = _TEMPLATE.match(text, pos)
                shown = template.group(0) if template else text[pos : pos + 20]
                raise Refused(f"the template {shown} is not Sloth's {{{{.window}}}}")
            tokens.append(_Token("window", match.group(0), pos, match.end()))
            pos = match.end()
        elif char in "\"'`":
            end = _string_end(text, pos)
            value = text[pos:end]
            if _WINDOW.search(value):
                raise Refused("{{.window}} inside a string")
            tokens.append(_Token("string", value, pos, end))
            pos = end
        elif char == ":":  # a subquery's colon; no metric name starts with one in practice
            tokens.append(_Token("punct", char, pos, pos + 1))
            pos += 1
        elif (match := _DURATION.match(text, pos)) and not _WORD.match(text, match.end()):
            tokens.append(_Token("duration", match.group(0), pos, match.end()))
            pos = match.end()
        elif match := _NUMBER.match(text, pos):
            tokens.append(_Token("number", match.group(0), pos, match.end()))
            pos = match.end()
        elif match := _IDENT.match(text, pos):
            word = match.group(0)
            # PromQL's keywords are case-insensitive (`OR on() vector(0)`, `SUM by (x)`); names are not.
            tokens.append(
                _Token("ident", word.lower() if word.lower() in _KEYWORDS else word, pos, match.end())
            )
            pos = match.end()
        elif op := next((o for o in _OPERATORS if text.startswith(o, pos)), None):
            tokens.append(_Token("op", op, pos, pos + len(op)))
            pos += len(op)
        elif char in _PUNCT:
            tokens.append(_Token("punct", char, pos, pos + 1))
            pos += 1
        else:
            raise Refused(f"unexpected character {char!r} at character {pos + 1}")
    return tokens


def _string_end(text: str, start: int) -> int:
    quote = text[start]
    pos = start + 1
    while pos < len(text):
        if text[pos] == "\\" and quote != "`":
            pos += 2
            continue
        if text[pos] == quote:
            return pos + 1
        pos += 1
    raise Refused(f"unclosed string starting at character {start + 1}")


class _Parser:
    def __init__(self, tokens: list[_Token], text: str) -> None:
        self.tokens = tokens
        self.text = text
        self.pos = 0
        self.depth = 0

    def peek(self, offset: int = 0) -> _Token | None:
        at = self.pos + offset
        return self.tokens[at] if at < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise Refused("the query ends too early")
        self.pos += 1
        return token

    def expect(self, text: str) -> _Token:
        token = self.take()
        if token.text != text:
            raise Refused(f"expected {text!r} at character {token.start + 1}, found {token.text!r}")
        return token

    def at(self, text: str) -> bool:
        token = self.peek()
        return token is not None and token.text == text and token.kind in ("punct", "op", "ident")

    def binary_op(self) -> str | None:
        token = self.peek()
        if token is None or token.kind not in ("op", "ident") or token.text not in _PRECEDENCE:
            return None
        return token.text

    def expression(self, minimum: int) -> _Node:
        self.depth += 1
        try:
            return self._expression(minimum)
        finally:
            self.depth -= 1

    def _expression(self, minimum: int) -> _Node:
        if self.depth > MAX_NESTING:
            raise Refused(f"nested more than {MAX_NESTING} levels deep")
        left = self.unary()
        while (op := self.binary_op()) is not None and _PRECEDENCE[op] >= minimum:
            self.take()
            node = _Node("binary", op)
            if self.at("bool"):
                self.take()
                node.bool_modifier = True
            for keyword in ("on", "ignoring", "group_left", "group_right"):
                if self.at(keyword):
                    self.take()
                    if self.at("("):
                        self.labels()
            # ^ is right-associative; the others bind left.
            right = self.expression(_PRECEDENCE[op] + (0 if op == "^" else 1))
            node.args = [left, right]
            left = node
        return left

    def unary(self) -> _Node:
        signs = []
        while self.at("-") or self.at("+"):
            signs.append(self.take().text)
        node = self.postfix(self.primary())
        for sign in reversed(signs):
            node = _Node("unary", sign, [node])
        return node

    def labels(self) -> None:
        self.expect("(")
        while not self.at(")"):
            self.take()
        self.expect(")")

    def matchers(self) -> None:
        self.expect("{")
        while not self.at("}"):
            token = self.take()
            if token.kind == "window":
                raise Refused("{{.window}} inside a selector")
        self.expect("}")

    def primary(self) -> _Node:
        token = self.take()
        if token.kind == "number":
            return _Node("number", token.text)
        if token.kind == "string":
            return _Node("string", token.text)
        if token.text == "(" and token.kind == "punct":
            inner = self.expression(0)
            self.expect(")")
            return _Node("paren", args=[inner])
        if token.text == "{" and token.kind == "punct":
            self.pos -= 1
            self.matchers()
            return _Node("selector")
        if token.kind != "ident":
            raise Refused(f"unexpected {token.text!r} at character {token.start + 1}")
        name = token.text
        if name.lower() in ("inf", "nan"):
            return _Node("number", name)
        if name in _AGGREGATIONS and (self.at("(") or self.at("by") or self.at("without")):
            if self.at("by") or self.at("without"):
                self.take()
                self.labels()
            node = _Node("agg", name, self.arguments(), (token.start, token.end))
            if self.at("by") or self.at("without"):
                self.take()
                self.labels()
            return node
        if self.at("("):
            return _Node("call", name, self.arguments(), (token.start, token.end))
        if self.at("{"):
            self.matchers()
        return _Node("selector", name)

    def arguments(self) -> list[_Node]:
        self.expect("(")
        args: list[_Node] = []
        while not self.at(")"):
            args.append(self.expression(0))
            if not self.at(")"):
                self.expect(",")
        self.expect(")")
        return args

    def postfix(self, node: _Node) -> _Node:
        while True:
            if self.at("["):
                node = self.range(node)
            elif self.at("offset"):
                # The events of each window are those before its end; a shifted range counts other ones.
                start = self.take().start
                if self.at("-"):
                    self.take()
                written = self.text[start : self.take().end]
                raise Refused(
                    f"{written}: the range would be shifted away from the window slokit evaluates, so its "
                    "events would not be the window's; remove the offset"
                )
            elif self.at("@"):
                start = self.take().start
                if self.at("-") or self.at("+"):
                    self.take()
                token = self.take()
                if token.text in ("start", "end"):
                    self.expect("(")
                    token = self.expect(")")
                written = self.text[start : token.end]
                raise Refused(
                    f"{written}: the range would end at a fixed instant, not at the end of each window "
                    "slokit evaluates, so its events would not be the window's; remove the @ modifier"
                )
            else:
                return node

    def range(self, node: _Node) -> _Node:
        open_at = self.expect("[").start
        token = self.take()
        window = token.kind == "window"
        if not window and token.kind not in ("duration", "number"):
            raise Refused(f"expected a duration at character {token.start + 1}, found {token.text!r}")
        if self.at(":"):
            self.take()
            if not self.at("]"):
                self.take()
            close = self.expect("]")
            return _Node("subquery", args=[node], window=window, range_text=self.text[open_at : close.end])
        close = self.expect("]")
        return _Node("range", args=[node], window=window, range_text=self.text[open_at : close.end])
