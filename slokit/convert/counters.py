"""An OpenSLO Prometheus query as slokit event counts over ``{{ window }}``.

OpenSLO queries have no window: with ``counter: true`` the query gives a counter, which the consumer turns
into events over the period; with ``counter: false`` it gives numbers per data point. slokit asks for the
events of each step and each window itself, so a query is read as:

- a series selector with ``counter: true``: slokit's selector form (``good:``/``total:``), the increase of
  that counter, exactly what slokit does with a selector;
- a sum of counters (``sum``, ``sum by/without``, ``+``) with ``counter: true``: each selector becomes
  ``increase(selector[{{ window }}])`` (the increase of each series, then the sum: a counter reset in one
  series does not count the others again, as the increase of a sum would), and each term that is not one
  series (a bare selector, a ``sum by``) is summed, since slokit reads one number;
- ``increase(selector[5m])`` (either value of ``counter``: it is already a count): the range becomes
  ``{{ window }}``, the events of each step and window instead of the last five minutes.

Anything else (``rate``, ``irate``, a division, ``avg``/``max``/``min``, a number, ``offset``, a gauge with
``counter: false``) is refused with the reason: slokit cannot tell how many events it stands for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from slokit.promql_syntax import PromQLSyntaxError, parse_selector, read_string

WINDOW = "{{ window }}"
_IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_SUMS = {"sum"}
_GROUPING = {"by", "without"}
_RULE = "only series selectors, increase() over a range, sum (by/without) and + add up to event counts"


@dataclass(frozen=True)
class Events:
    """``selector``: a plain selector (slokit's selector form) or None; ``query``: the query form, with
    ``{{ window }}``; ``rewritten``: what was changed to get there (empty when nothing was)."""

    selector: str | None
    query: str
    rewritten: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Token:
    kind: str  # ident, block, range, punct
    start: int
    end: int
    text: str


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char.isspace():
            pos += 1
        elif char == "{":
            end = _block_end(text, pos)
            tokens.append(_Token("block", pos, end, text[pos:end]))
            pos = end
        elif char == "[":
            end = text.find("]", pos)
            if end < 0:
                raise ValueError(f"'[' at character {pos + 1} is never closed")
            tokens.append(_Token("range", pos, end + 1, text[pos + 1 : end].strip()))
            pos = end + 1
        elif (found := _IDENT.match(text, pos)) is not None:
            tokens.append(_Token("ident", pos, found.end(), found.group()))
            pos = found.end()
        else:
            tokens.append(_Token("punct", pos, pos + 1, char))
            pos += 1
    return tokens


def _block_end(text: str, pos: int) -> int:
    index = pos + 1
    while index < len(text):
        char = text[index]
        if char in "\"'`":
            try:
                _, index = read_string(text, index)
            except PromQLSyntaxError as exc:
                raise ValueError(f"{exc.message} (at character {exc.position + 1})") from None
            continue
        if char == "}":
            return index + 1
        index += 1
    raise ValueError(f"'{{' at character {pos + 1} is never closed")


class _Parser:
    def __init__(self, text: str, counter: bool) -> None:
        self.text = text
        self.counter = counter
        self.tokens = _tokens(text)
        self.pos = 0
        self.replacements: list[tuple[int, int, str]] = []
        self.notes: dict[str, None] = {}

    def peek(self, offset: int = 0) -> _Token | None:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def refuse(self, token: _Token | None, what: str = "") -> ValueError:
        if token is None:
            return ValueError(f"the query ends too early: {_RULE}")
        shown = what or token.text
        if token.text.lower() == "offset" or token.text == "@":
            return ValueError(
                f"{token.text} at character {token.start + 1}: a range shifted or pinned to a fixed instant "
                "is not the window slokit evaluates, so its events would not be the window's"
            )
        return ValueError(f"{shown!s} at character {token.start + 1}: {_RULE}")

    def expect(self, kind: str, text: str | None = None) -> _Token:
        token = self.peek()
        if token is None or token.kind != kind or (text is not None and token.text != text):
            raise self.refuse(token)
        self.pos += 1
        return token

    def expression(self) -> list[tuple[int, int, bool]]:
        """The top-level terms: (start, end, is a sum)."""
        terms = [self.term()]
        while (token := self.peek()) is not None and token.kind == "punct" and token.text == "+":
            self.pos += 1
            terms.append(self.term())
        return terms

    def term(self) -> tuple[int, int, bool]:
        token = self.peek()
        if token is None:
            raise self.refuse(None)
        if token.kind == "punct" and token.text == "(":
            self.pos += 1
            inner = self.expression()
            close = self.expect("punct", ")")
            return token.start, close.end, len(inner) == 1 and inner[0][2]
        if token.kind == "ident" and token.text.lower() in _SUMS:
            return self.aggregation()
        if token.kind == "ident" and token.text == "increase":
            return self.increase()
        if (
            token.kind == "ident"
            and (nxt := self.peek(1)) is not None
            and nxt.kind == "punct"
            and nxt.text == "("
        ):
            raise self.refuse(token, f"{token.text}()")
        if token.kind in ("ident", "block"):
            start, end = self.selector()
            if not self.counter:
                raise ValueError(
                    f"{self.text[start:end]} with counter: false is a value per data point, not a count of "
                    "events: give counter: true for a counter, or increase(...[range]) for events"
                )
            self.replacements.append((start, end, f"increase({self.text[start:end]}[{WINDOW}])"))
            self.notes["counter: true: each counter is taken as its increase over {{ window }}"] = None
            return start, end, False
        raise self.refuse(token)

    def selector(self) -> tuple[int, int]:
        first = self.peek()
        assert first is not None
        self.pos += 1
        end = first.end
        if first.kind == "ident" and (block := self.peek()) is not None and block.kind == "block":
            self.pos += 1
            end = block.end
        text = self.text[first.start : end]
        try:
            parse_selector(text)
        except PromQLSyntaxError as exc:
            raise ValueError(f"{exc.message} (got {text!r})") from None
        if (after := self.peek()) is not None and after.kind == "ident" and after.text.lower() == "offset":
            raise self.refuse(after, "offset")
        return first.start, end

    def grouping(self) -> None:
        token = self.peek()
        if token is not None and token.kind == "ident" and token.text.lower() in _GROUPING:
            self.pos += 1
            self.expect("punct", "(")
            while (item := self.peek()) is not None and not (item.kind == "punct" and item.text == ")"):
                if item.kind not in ("ident",) and not (item.kind == "punct" and item.text == ","):
                    raise self.refuse(item)
                self.pos += 1
            self.expect("punct", ")")

    def aggregation(self) -> tuple[int, int, bool]:
        """A sum: (start, end, whether it gives one series, i.e. it has no by/without)."""
        start = self.expect("ident").start
        before = self.pos
        self.grouping()
        grouped = self.pos != before
        self.expect("punct", "(")
        self.expression()
        end = self.expect("punct", ")").end
        before = self.pos
        self.grouping()
        if self.pos != before:
            grouped = True
            end = self.tokens[self.pos - 1].end
        return start, end, not grouped

    def increase(self) -> tuple[int, int, bool]:
        start = self.expect("ident").start
        self.expect("punct", "(")
        self.selector()
        window = self.expect("range")
        if ":" in window.text:
            raise self.refuse(window, "a subquery")
        end = self.expect("punct", ")").end
        self.replacements.append((window.start, window.end, f"[{WINDOW}]"))
        self.notes[
            f"increase() over [{window.text}] now over {{{{ window }}}}: slokit counts each step's "
            "and window's events itself"
        ] = None
        return start, end, False


def events(query: str, counter: bool) -> Events:
    """``query`` as event counts over ``{{ window }}``; :class:`ValueError` saying why not."""
    text = query.strip()
    if not text:
        raise ValueError("the query is empty")
    parser = _Parser(text, counter)
    terms = parser.expression()
    if parser.peek() is not None:
        raise parser.refuse(parser.peek())
    if len(terms) == 1 and len(parser.replacements) == 1 and parser.replacements[0][:2] == (0, len(text)):
        return Events(text, f"sum({parser.replacements[0][2]})")
    # Each top-level term that is not already one series is summed: slokit reads one number of events, and
    # `a + b` between two vectors would keep only the series whose labels match on both sides.
    edits = list(parser.replacements)
    for start, end, is_sum in terms:
        if not is_sum:
            edits.append((start, start, "sum("))
            edits.append((end, end, ")"))
    result = text
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        result = result[:start] + new + result[end:]
    return Events(None, result, tuple(parser.notes))
