"""Fuzzing `slokit validate` with mutants of the example definitions (issue 11, acceptance).

The corpus is the example files (slo_definitions/) and the complete definitions in docs/definitions.md.
Each mutant applies one to three mutations, chosen by a seeded random generator (the same mutants on every
run, so a failure reproduces; the failing mutant is printed): a value replaced by a hostile one (NaN,
infinities, booleans, quoted numbers, huge durations, control characters and line breaks, tags, aliases,
impossible dates), a line deleted, duplicated, moved or re-indented, a character inserted or deleted, a
key misspelt, the file cut short, a byte flipped. Every mutant must give:

- exit 0 or 2, never 70 (a bug) and never a traceback;
- on exit 2, only lines ``FILE:LINE: path: message`` (or ``FILE:LINE: message`` for problems of the YAML
  itself, which concern no field: a syntax error, an empty file), with LINE inside the file;
- on exit 0, the one-line summary and nothing on stderr;
- an answer in under 2 seconds.

Measured on the development machine (2 cores, shared with other jobs): 2,000 mutants in 26 s, the slowest
0.15 s; 183 stayed valid, 1,817 were refused. Out of the suite, seeds 1 to 7 with 4,000 mutants each (28,000)
found only a top-level merge key reported without a field path, now expected.
"""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import pytest

from slokit.cli import run

REPO = Path(__file__).resolve().parents[2]
MUTANTS = 2000
SEED = 11
PER_FILE_SECONDS = 2.0

# Messages of problems with the YAML itself rather than with a field: they carry no field path.
YAML_LEVEL = (
    "invalid YAML: ",
    "tab character in indentation",
    "file is empty",
    "a file holds one service",
    "not a text file",
    "not a UTF-8 text file",
    "must be a mapping with apiVersion, service and objectives",
    "nested more than",
    "aliases expand to more than",
    "more than 10000 values",
    "mapping keys must be plain strings",
    "mapping key ",  # at the top level: there is no field above the key
    "a merge key (<<) needs a mapping",  # likewise
    "recursive alias",
)
FIELD = re.compile(r"""(?:[^\s:'"]+|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")+: \S.*""")
HOSTILE = [
    ".nan",
    ".NaN",
    ".inf",
    "-.inf",
    "1e999",
    "-1",
    "0",
    "1e-400",
    "10" * 200,
    "true",
    "false",
    "yes",
    "null",
    "~",
    "'1'",
    '"99.9"',
    '""',
    "''",
    "[]",
    "{}",
    "[1, 2]",
    "{a: 1}",
    "99999999999999d",
    "1000000d",
    "0d",
    "30days",
    "1.5h",
    "5m1h",
    "-5m",
    "2024-02-30",
    "2024-01-01",
    "2024-01-01T00:00:00Z",
    "0x1F",
    "0o17",
    "1_000",
    ".5",
    "'>= nan'",
    "'>= 1e999'",
    "'=> 1'",
    "{op: '>=', value: .nan}",
    "{op: '>=', value: true}",
    '"a\\nb"',
    '"a\\rb"',
    '"a\\u2028b"',
    '"a\\x85b"',
    '"a\\0b"',
    '"\\e[31mred"',
    '"a\\tb"',
    '"\\ud800"',
    "!!python/object/apply:os.system ['id']",
    "!!binary aGVsbG8=",
    "!!int abc",
    "!!float x",
    "!!bool maybe",
    "!!str 1",
    "!!null x",
    "!custom x",
    "&a x",
    "*a",
    "*undefined",
    "<<: {a: 1}",
    "|\n  block\n  text",
    ">\n  folded",
    "'unclosed",
    '"unclosed',
    "[unclosed",
    "{unclosed",
    "a: b: c",
    "- item",
    "? complex",
    "{{ window }}",
    'x{a="b"}',
    "sum(rate(x[5m]))",
    "x" * 300,
    "ü" * 70,
    "\u2028",
    "\U0001f600",
    "@",
    "`",
    "%TAG ! x",
    "Europe",
    "/etc/passwd",
    "../../../etc/passwd",
    "---",
    "...",
    "#",
    "' '",
    "\\",
]
CHARS = [":", "-", "[", "]", "{", "}", '"', "'", "#", "&", "*", "!", "|", ">", "\t", "%", "@", "`", ",", "?",
         " ", "\n", "\r", "\u2028", "\x85", "\ufeff", "\x00", "\x1b", "é"]  # fmt: skip
KEYS = ["apiVersion", "service", "owners", "objectives", "window", "labels", "policy", "alerting", "name",
        "kind", "target", "sli", "ratio", "latency", "timeslices", "good", "bad", "total", "good_query",
        "total_query", "histogram", "threshold", "query", "slice", "team", "email", "long", "short", "budget",
        "calendar", "timezone", "page", "ticket", "warn_below", "freeze_on", "<<", "operational"]  # fmt: skip


def corpus() -> list[str]:
    texts = [p.read_text() for p in sorted((REPO / "slo_definitions").glob("*.yaml"))]
    doc = (REPO / "docs" / "definitions.md").read_text()
    texts += [block for block in re.findall(r"```yaml\n(.*?)```", doc, re.S) if "apiVersion:" in block]
    return texts


def mutate(text: str, rnd: random.Random) -> str | bytes:
    lines = text.split("\n")
    i = rnd.randrange(len(lines))
    kind = rnd.randrange(12)
    if kind <= 2:  # a value replaced (the most common: it reaches the validators)
        match = re.match(r"^(\s*(?:- )?[^:#]+:\s)(.*)$", lines[i])
        if match:
            lines[i] = match.group(1) + rnd.choice(HOSTILE)
        else:
            lines[i] = lines[i] + " " + rnd.choice(HOSTILE)
    elif kind == 3:
        del lines[i]
    elif kind == 4:
        lines.insert(i, lines[rnd.randrange(len(lines))])
    elif kind == 5:
        line = lines.pop(i)
        lines.insert(rnd.randrange(len(lines) + 1), line)
    elif kind == 6:
        indent = rnd.choice(["", "  ", "    ", "\t", " "])
        lines[i] = indent + lines[i].lstrip() if rnd.random() < 0.5 else indent + lines[i]
    elif kind == 7:
        pos = rnd.randrange(len(lines[i]) + 1)
        lines[i] = lines[i][:pos] + rnd.choice(CHARS) + lines[i][pos:]
    elif kind == 8:
        pos = rnd.randrange(len(lines[i]) + 1)
        lines[i] = lines[i][:pos] + lines[i][pos + rnd.randrange(1, 6) :]
    elif kind == 9:  # a key misspelt or replaced by another
        match = re.match(r"^(\s*(?:- )?)([A-Za-z_<]+)(:.*)$", lines[i])
        if match:
            key = match.group(2)
            new = rnd.choice([*KEYS, key[:-1], key + "s", key.upper(), key.replace("_", "-")])
            lines[i] = match.group(1) + new + match.group(3)
    elif kind == 10:
        return "\n".join(lines)[: rnd.randrange(len(text) + 1)]
    else:  # a byte flipped: possibly not UTF-8 any more
        data = bytearray(text.encode())
        if data:
            data[rnd.randrange(len(data))] = rnd.randrange(256)
        return bytes(data)
    return "\n".join(lines)


def mutants(count: int, seed: int) -> list[str | bytes]:
    rnd = random.Random(seed)
    texts = corpus()
    out: list[str | bytes] = []
    while len(out) < count:
        mutant: str | bytes = rnd.choice(texts)
        for _ in range(rnd.choice([1, 1, 2, 3])):
            mutant = mutate(mutant if isinstance(mutant, str) else mutant.decode("utf-8", "replace"), rnd)
        out.append(mutant)
    return out


def check_output(name: str, data: bytes, code: int, out: str, err: str) -> None:
    assert code in (0, 2), f"exit {code}"
    assert "Traceback" not in out + err
    if code == 0:
        assert re.fullmatch(
            r"ok: 1 file, 1 service, \d+ objectives? \(\d+ operational, \d+ application\)\n", out
        )
        assert err == ""
        return
    assert out == ""
    # YAML breaks lines at CR, NEL and U+2028 too, as many editors do: count as Python's splitlines does.
    count = max(1, len(data.decode("utf-8", "replace").splitlines()))
    located = re.compile(rf"{re.escape(name)}:(\d+): (.+)")
    for line in err.splitlines():
        match = located.fullmatch(line)
        assert match, f"not FILE:LINE: ...: {line!r}"
        assert 1 <= int(match.group(1)) <= count, f"line {match.group(1)} outside the file ({count} lines)"
        rest = match.group(2)
        if not rest.startswith(YAML_LEVEL):
            # A field path (words, [index], and keys that are not plain words quoted as Python quotes
            # them), then the message.
            assert FIELD.fullmatch(rest), f"no field path: {line!r}"


def test_there_is_a_corpus() -> None:
    texts = corpus()
    assert len(texts) >= 5
    for text in texts[:3]:  # the examples themselves are valid
        assert "apiVersion: slokit/v1" in text


def test_validate_survives_mutated_definitions(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    name = "slo.yaml"
    slowest = 0.0
    exits = {0: 0, 2: 0}
    started = time.perf_counter()
    for index, mutant in enumerate(mutants(MUTANTS, SEED)):
        data = mutant if isinstance(mutant, bytes) else mutant.encode("utf-8", "surrogatepass")
        Path(name).write_bytes(data)
        before = time.perf_counter()
        code = run(["validate", name])
        elapsed = time.perf_counter() - before
        out, err = capsys.readouterr()
        try:
            check_output(name, data, code, out, err)
            assert elapsed < PER_FILE_SECONDS, f"took {elapsed:.2f} s"
        except AssertionError as exc:
            raise AssertionError(
                f"mutant {index}: {exc}\n--- mutant ---\n{data!r}\n--- stderr ---\n{err}"
            ) from None
        exits[code] += 1
        slowest = max(slowest, elapsed)
    total = time.perf_counter() - started
    with capsys.disabled():
        print(
            f"\nfuzz: {MUTANTS} mutants in {total:.1f} s (slowest {slowest:.3f} s); "
            f"{exits[0]} valid, {exits[2]} refused"
        )
    assert exits[2] > MUTANTS // 2  # most mutations break something: the generator does mutate
    assert exits[0] > 0  # and some keep the file valid: the examples do get through
