"""Secret redaction: every form a credential can take in text that slokit prints or writes.

A server that refuses a request often quotes it back: the ``Authorization`` header (the token as is, or the
base64 of ``user:password``), the URL (percent-encoded), an SMTP ``AUTH PLAIN`` line (the base64 of
``\\0user\\0password``), inside JSON (escaped), inside HTML (entities), inside Python's ``repr`` of the body,
or cut short after a number of characters. :class:`Redactor` replaces each of those forms, and any prefix or
suffix of one that is at least :data:`MIN_PREFIX` characters long, with ``***``: the prefix is what a cut
echo leaves, the suffix what is left of a form whose start was altered (escaped once more, say).

The work is linear in the length of the text: one compiled alternation of every form (longest first), then
one scan for the first :data:`MIN_PREFIX` characters of each form, extended as far as the text agrees with
the form, and the same scan over the reversed text for the last characters. A server's error of a million
characters is redacted in well under a second (figures in ``benchmarks/README.md``).

:func:`excerpt` redacts, then cuts to a readable length: cutting first could leave a prefix of a secret
that no longer matches it whole.
"""

from __future__ import annotations

import base64
import html
import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlsplit

MASK = "***"
MIN_SECRET = 3  # shorter values would mask ordinary words: they are not registered
MIN_PREFIX = 6  # a secret's echo cut after this many characters is still masked
ECHO_LIMIT = 300  # characters of a server's own text quoted in a message
MESSAGE_LIMIT = 2_000  # characters of one objective's error or note in a report
# What requests leaves as is when it requotes a URL: a password in a URL reaches the server in this form.
_REQUESTS_SAFE = "!#$%&'()*+,/:;=?@[]~"
# ``scheme://user:password@``; the lookbehind keeps a long run of letters from being rescanned at every
# position (without it, 100,000 letters took 20 s).
_USERINFO = re.compile(r"(?<![A-Za-z0-9+.-])(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/?#@\s]*@")
_PERCENT = re.compile(r"%[0-9A-F]{2}")
# A run of text a URL may be part of; within one, the query string is what follows the first ``?`` after a
# ``scheme://`` up to a ``#``. Runs, not one pattern from the scheme on: that rescanned the rest of the text
# from every ``http://`` of a text holding many (quadratic).
_RUN = re.compile(r"[^\s'\"<>]+")
_SCHEME = re.compile(r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*://")
_QUERY_VALUE = re.compile(r"=[^&;#]*")
# What ends a sentence around a URL rather than a value: "at http://host/?token=abc: connection refused".
_TRAILING = ":,.;)]}"


def redact_url(text: str) -> str:
    """``https://user:pw@host/?token=abc`` -> ``https://***@host/?token=***`` wherever a URL appears: the
    credentials and every value of the query string (a token is often passed so)."""
    return _RUN.sub(_mask_query, _USERINFO.sub(rf"\g<scheme>{MASK}@", text))


def _mask_query(match: re.Match[str]) -> str:
    run = match.group()
    if "?" not in run or "://" not in run:
        return run
    scheme = _SCHEME.search(run)
    start = -1 if scheme is None else run.find("?", scheme.end())
    if start < 0:
        return run
    end = run.find("#", start)
    end = len(run) if end < 0 else end
    query = run[start + 1 : end]
    kept = query.rstrip(_TRAILING) if end == len(run) else query
    masked = _QUERY_VALUE.sub(f"={MASK}", kept) + query[len(kept) :]
    return run[: start + 1] + masked + run[end:]


def query_values(url: str) -> list[str]:
    """The values of ``url``'s query string, as written and decoded, to register as secrets (a server
    may echo them elsewhere than in the URL)."""
    query = urlsplit(url).query
    raw = [part.partition("=")[2] for part in query.split("&") if "=" in part]
    return [*raw, *(v for _, v in parse_qsl(query, keep_blank_values=True))]


def _b64(data: bytes) -> set[str]:
    return {base64.b64encode(data).decode(), base64.urlsafe_b64encode(data).decode()}


def _encoded(data: str, *encodings: str) -> list[bytes]:
    out = []
    for encoding in encodings:
        try:
            out.append(data.encode(encoding))
        except UnicodeEncodeError:
            continue
    return out


def forms(secret: str) -> set[str]:
    """The ways ``secret`` can appear in text: as is, URL-encoded, HTML- and JSON-escaped, in a ``repr``,
    base64-encoded (SMTP ``AUTH LOGIN`` sends the password so)."""
    found = {
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote(secret, safe=_REQUESTS_SAFE),
        quote_plus(secret),
        quote_plus(secret, safe="/"),
        html.escape(secret),
        html.escape(secret, quote=False),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        repr(secret)[1:-1],
        repr(secret.encode("utf-8", "surrogateescape"))[2:-1],
    }
    for data in _encoded(secret, "utf-8", "latin-1"):
        found |= _b64(data)
    # Percent-encoding is case-insensitive: a server may echo %2f for %2F.
    found |= {_PERCENT.sub(lambda m: m.group().lower(), f) for f in found if "%" in f}
    return found


def credential_forms(user: str, password: str) -> set[str]:
    """Base64 of ``user:password`` (HTTP Basic auth) and of ``\\0user\\0password`` (SMTP ``AUTH PLAIN``)."""
    found: set[str] = set()
    for text in (f"{user}:{password}", f"\0{user}\0{password}"):
        for data in _encoded(text, "utf-8", "latin-1"):
            found |= _b64(data)
    return found


@dataclass(frozen=True)
class _Starts:
    """Masks every stretch of text that agrees with the start of a form for MIN_PREFIX characters or more.

    One pattern, a trie of the forms' first ``MIN_PREFIX + _DEPTH`` characters, finds the longest such
    stretch in one step of the regex engine; only a form longer than that (a long JWT) needs a match that
    reached the end of the pattern extended in Python.
    """

    pattern: re.Pattern[str]
    long_forms: dict[str, tuple[str, ...]]  # by their first MIN_PREFIX characters

    @classmethod
    def of(cls, all_forms: Iterable[str]) -> _Starts | None:
        forms = [form for form in all_forms if len(form) > MIN_PREFIX]
        if not forms:
            return None
        long_forms: dict[str, list[str]] = {}
        for form in forms:
            if len(form) > MIN_PREFIX + _DEPTH:
                long_forms.setdefault(form[:MIN_PREFIX], []).append(form)
        return cls(re.compile(_trie(forms)), {head: tuple(f) for head, f in long_forms.items()})

    def __call__(self, text: str) -> str:
        if not self.long_forms:
            return self.pattern.sub(MASK, text)
        parts = []
        done = 0  # text[:done] is copied or masked
        while (match := self.pattern.search(text, done)) is not None:
            at, end = match.span()
            if end - at == MIN_PREFIX + _DEPTH:  # as far as the pattern goes: a long form may go on
                longer = self.long_forms.get(text[at : at + MIN_PREFIX], ())
                end = max([end, *(at + _agreeing(text, at, form) for form in longer)])
            parts += [text[done:at], MASK]
            done = end
        parts.append(text[done:])
        return "".join(parts)


_DEPTH = 120  # characters past the first MIN_PREFIX that the pattern itself follows (nesting stays shallow)


def _trie(forms: Iterable[str]) -> str:
    """A pattern matching the longest start of any form that is at least MIN_PREFIX characters long."""
    root: dict[str, Any] = {}
    for form in forms:
        node = root
        for char in form[: MIN_PREFIX + _DEPTH]:
            node = node.setdefault(char, {})

    def pattern(node: dict[str, Any], depth: int) -> str:
        if not node:
            return ""
        branches = [re.escape(char) + pattern(child, depth + 1) for char, child in sorted(node.items())]
        body = branches[0] if len(branches) == 1 and depth < MIN_PREFIX else f"(?:{'|'.join(branches)})"
        # Past MIN_PREFIX characters each further one is optional: greedy, so the longest agreement wins,
        # and the trie's branches start with distinct characters, so there is never more than one to try.
        return f"{body}?" if depth >= MIN_PREFIX else body

    return pattern(root, 0)


@dataclass(frozen=True)
class _Compiled:
    whole: re.Pattern[str]
    prefixes: _Starts | None  # a form cut short: its start
    suffixes: _Starts | None  # on the reversed text: the end of a form whose start was altered
    # (escaped once more, say), which would otherwise be left after the masked start

    def __call__(self, text: str) -> str:
        text = self.whole.sub(MASK, text)
        if self.prefixes is not None:
            text = self.prefixes(text)
        if self.suffixes is not None:
            text = self.suffixes(text[::-1])[::-1]
        return text


def _agreeing(text: str, at: int, form: str) -> int:
    """How many characters of ``text`` from ``at`` on agree with ``form`` (the first MIN_PREFIX do)."""
    n = MIN_PREFIX + _DEPTH
    limit = min(len(form), len(text) - at)
    while n < limit and text[at + n] == form[n]:
        n += 1
    return n


def _alternation(values: Iterable[str]) -> re.Pattern[str]:
    # Longest first: where one form starts another, the longer one is masked whole.
    return re.compile("|".join(re.escape(v) for v in sorted(values, key=lambda v: (-len(v), v))))


def _compile(all_forms: frozenset[str]) -> _Compiled | None:
    if not all_forms:
        return None
    return _Compiled(_alternation(all_forms), _Starts.of(all_forms), _Starts.of(f[::-1] for f in all_forms))


_Key = tuple[frozenset[str], frozenset[tuple[str, str]]]


@dataclass
class Redactor:
    """Removes known secret values (in every form) and URL credentials from text before it is shown.

    ``secrets`` are the values as they were read (token, passwords); ``credentials`` the user/password pairs
    whose base64 an ``Authorization: Basic`` header or an SMTP ``AUTH PLAIN`` line carries.
    """

    secrets: set[str] = field(default_factory=set)
    credentials: set[tuple[str, str]] = field(default_factory=set)
    _cache: tuple[_Key, _Compiled | None] = field(default=((frozenset(), frozenset()), None), repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, *values: str | None) -> None:
        with self._lock:
            self.secrets.update(v.strip() for v in values if v and len(v.strip()) >= MIN_SECRET)

    def clear(self) -> None:
        """Forget every secret: a new run registers its own."""
        with self._lock:
            self.secrets.clear()
            self.credentials.clear()

    def add_credentials(self, user: str | None, password: str | None) -> None:
        """A user and password sent together: the password and the base64 forms of the pair."""
        if not password:
            return
        self.add(password)
        with self._lock:
            self.credentials.add((user or "", password.strip()))

    def _compiled(self) -> _Compiled | None:
        with self._lock:
            key = (frozenset(self.secrets), frozenset(self.credentials))
            if self._cache[0] != key:
                found = set().union(*map(forms, key[0]), *(credential_forms(u, p) for u, p in key[1]))
                self._cache = (key, _compile(frozenset(f for f in found if len(f) >= MIN_SECRET)))
            return self._cache[1]

    def __call__(self, text: str) -> str:
        text = redact_url(text)
        compiled = self._compiled()
        return text if compiled is None else compiled(text)


def cut(text: str, limit: int, *, one_line: bool = True) -> str:
    """At most ``limit`` characters of ``text`` (on one line unless told): the rest is counted, not shown."""
    if one_line:
        text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit:,} more characters)"


def excerpt(redactor: Redactor, text: str, limit: int = ECHO_LIMIT, *, one_line: bool = True) -> str:
    """Redacted, then cut: a secret that straddles the cut is masked whole, never left as a prefix."""
    return cut(redactor(text), limit, one_line=one_line)


# --- webhook URLs (slokit notify) ---------------------------------------------------------------------


# A path segment or query value that looks like a key: mixed classes of characters, or long. Words such as
# "services", "hooks", "workflows" or a version like "2016-06-01" are not (masking them would mangle text).
def _secretive(part: str) -> bool:
    classes = sum(bool(re.search(p, part)) for p in ("[a-z]", "[A-Z]", "[0-9]"))
    return (len(part) >= 8 and classes >= 2) or (len(part) >= 20 and "/" not in part)


def url_secrets(url: str) -> list[str]:
    """The parts of a webhook URL to keep out of every output: the path and query from the first part that
    looks like a key on, each such part, a password in the URL, and the base64 of the whole URL (the URL
    itself is not registered: its start, ``https://host``, is no secret and would mask other URLs)."""
    parts = urlsplit(url)
    segments = [unquote(s) for s in parts.path.split("/") if s]
    values = [v for _, v in parse_qsl(parts.query, keep_blank_values=True)]
    found = [s for s in (*segments, *values) if _secretive(s)]
    if parts.password:
        found.append(unquote(parts.password))
    tail = parts.path + (f"?{parts.query}" if parts.query else "")
    first = next((s for s in segments if _secretive(s)), None)
    if first is not None:
        found.append(tail[tail.find(first) :] if first in tail else tail)
    elif found:
        found.append(tail)
    found += [base64.b64encode(url.encode()).decode(), base64.urlsafe_b64encode(url.encode()).decode()]
    return found
