"""Safe YAML reading that remembers where every value came from.

PyYAML's composer gives nodes with positions; we build plain Python data from them ourselves so that we can
record the line of each field, refuse duplicate keys and non-standard tags (``!!python/object`` and friends),
and bound alias expansion: a "billion laughs" file is refused after a few thousand repeated nodes, in the
memory its text takes, instead of being expanded; and a long string repeated through aliases is refused once
the repeats add up to more text than :data:`MAX_ALIAS_BYTES`, before any validator reads each copy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from slokit.durations import shown

Path = tuple[str | int, ...]

MAX_ALIAS_EXPANSION = 10_000  # nodes visited again through aliases; real definitions use a handful
MAX_ALIAS_BYTES = 1024 * 1024  # characters of scalars visited again through aliases
MAX_DEPTH = 64
# Values (keys, scalars, lists, mappings) in one file, counted as they are composed (repeats through
# aliases have their own limits above): a definition with a dozen objectives has a few hundred. Checking
# costs up to ~100 us a value (an email address): this keeps the largest file accepted near a second.
MAX_VALUES = 10_000

_STANDARD_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:timestamp",
}
_MERGE = "tag:yaml.org,2002:merge"
_NOUNS = {
    "tag:yaml.org,2002:int": "integer",
    "tag:yaml.org,2002:float": "number",
    "tag:yaml.org,2002:bool": "boolean",
    "tag:yaml.org,2002:timestamp": "date",
}
# libyaml when present: composing is most of the time `slokit validate` spends on a large tree.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlProblem(Exception):
    def __init__(self, line: int, message: str, path: Path = ()) -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.path = path  # the field it concerns, when there is one (not for a syntax error)


@dataclass
class Document:
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    # Problems that leave the data readable (a duplicate key keeps its first value, a key that is not a
    # string is left out): reported together with the schema errors of the same file, not instead of them.
    problems: list[YamlProblem] = field(default_factory=list)

    def line_of(self, path: Path) -> int:
        """The line of the deepest known prefix of ``path`` (a missing key points at its parent)."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return 1


class _CountingLoader(_Loader):  # type: ignore[misc,valid-type]
    """Refuses a file with too many values while it is composed: composing is what a huge file costs."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.composed = 0

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        self.composed += 1  # once for every node the composer makes, aliases not included
        if self.composed > MAX_VALUES:
            raise _TooManyValues
        return super().resolve(kind, value, implicit)


class _TooManyValues(Exception):
    pass


def _too_many(line: int) -> YamlProblem:
    return YamlProblem(line, f"more than {MAX_VALUES} values in one file; refused")


def _line_reached(loader: Any) -> int:
    """The line the composer had reached (the next event's): where the value over the limit is."""
    try:
        event = loader.peek_event()
    except yaml.YAMLError:
        return 1
    return event.start_mark.line + 1 if event is not None else 1


def load_document(text: str) -> Document:
    """Parse one YAML document. Raises :class:`YamlProblem` with a 1-based line."""
    loader = _CountingLoader(text)
    try:
        node = loader.get_single_node()
    except _TooManyValues:
        raise _too_many(_line_reached(loader)) from None
    except yaml.MarkedYAMLError as exc:
        raise _problem_from(exc, text) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise YamlProblem(line, f"not a text file: unacceptable character #x{exc.character:04x}") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(1, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    if node is None:
        raise YamlProblem(1, "file is empty")
    doc = Document(data=None)
    builder = _Builder(doc)
    doc.data = builder.build(node, ())
    return doc


def _problem_from(exc: yaml.MarkedYAMLError, text: str) -> YamlProblem:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 1
    problem = exc.problem or ""
    if "expected a single document" in (exc.context or ""):
        return YamlProblem(line, "a file holds one service: found a second YAML document")
    lines = text.splitlines()
    source_line = lines[line - 1] if 0 < line <= len(lines) else ""
    # libyaml does not name the character; a tab in the indentation is by far the usual culprit.
    if "\t" in source_line[: len(source_line) - len(source_line.lstrip())] or "'\\t'" in problem:
        return YamlProblem(line, "tab character in indentation: YAML indents with spaces")
    context = f" {exc.context}" if exc.context else ""
    start = exc.context_mark.line + 1 if exc.context_mark is not None else None
    if start is not None and start != line:
        if mark is not None and not text[mark.index :].strip():
            # The file ended inside an unclosed `[`, `{` or quote: the line that opened it is the one to fix.
            line = start
        else:
            context += f" (started at line {start})"
    line = max(1, min(line, len(lines)))
    return YamlProblem(line, f"invalid YAML: {problem}{context}".strip())


class _Builder:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.constructor = yaml.constructor.SafeConstructor()
        self.seen: set[int] = set()
        self.open: set[int] = set()  # the nodes being built: an alias to one of them is a cycle
        self.repeats = 0
        self.repeated_chars = 0

    def build(self, node: Node, path: Path, depth: int = 0) -> Any:
        line = node.start_mark.line + 1
        if id(node) in self.open:
            raise YamlProblem(
                self.doc.lines.get(path, line), "recursive alias: refers to a value that contains it", path
            )
        if depth > MAX_DEPTH:
            raise YamlProblem(line, f"nested more than {MAX_DEPTH} levels deep")
        if id(node) in self.seen:
            self.repeats += 1
            if self.repeats > MAX_ALIAS_EXPANSION:
                raise YamlProblem(line, f"aliases expand to more than {MAX_ALIAS_EXPANSION} nodes; refused")
            if isinstance(node, ScalarNode):
                self.repeated_chars += len(node.value)
                if self.repeated_chars > MAX_ALIAS_BYTES:
                    # At the alias that went over (its key's line), not at the anchor it repeats.
                    raise YamlProblem(
                        self.doc.line_of(path),
                        f"aliases expand to more than {MAX_ALIAS_BYTES // 1024 // 1024} MiB of text; refused",
                    )
        self.seen.add(id(node))
        self.doc.lines.setdefault(path, line)
        if node.tag not in _STANDARD_TAGS:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise YamlProblem(line, f"YAML tag {tag} is not allowed", path)
        if isinstance(node, ScalarNode):
            try:
                return self.constructor.construct_object(node)
            except (ValueError, KeyError, OverflowError, yaml.YAMLError):
                # `2024-02-30` reads as a date that does not exist; `!!int abc` as an int that is not one.
                noun = _NOUNS.get(node.tag, node.tag)
                message = f"not a valid {noun} (got {shown(node.value)}); quote it if it is text"
                raise YamlProblem(line, message, path) from None
        self.open.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
            assert isinstance(node, MappingNode)
            return self._mapping(node, path, depth)
        finally:
            self.open.discard(id(node))

    def _mapping(self, node: MappingNode, path: Path, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        merged: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == _MERGE:
                merged.update(self._merge_source(value_node, path, depth))
                continue
            if not isinstance(key_node, ScalarNode):
                self.doc.problems.append(YamlProblem(line, "mapping keys must be plain strings", path))
                continue
            key = self.build(key_node, (*path, "<key>"), depth + 1)
            if not isinstance(key, str):  # `yes:` or `1:` would reach pydantic as a bool or int key
                self.doc.problems.append(
                    YamlProblem(line, f"mapping key {shown(key)} must be a string (quote it)", path)
                )
                continue
            if key in first_line:
                message = f"duplicate key (first at line {first_line[key]})"
                self.doc.problems.append(YamlProblem(line, message, (*path, key)))
                continue  # the first value stays, and is validated: its own errors are not hidden
            first_line[key] = line
            self.doc.lines[(*path, key)] = line
            result[key] = self.build(value_node, (*path, key), depth + 1)
        self.doc.lines.pop((*path, "<key>"), None)
        for key, value in merged.items():
            result.setdefault(key, value)
        return result

    def _merge_source(self, node: Node, path: Path, depth: int) -> dict[Any, Any]:
        sources = node.value if isinstance(node, SequenceNode) else [node]
        merged: dict[Any, Any] = {}
        for source in sources:
            value = self.build(source, path, depth + 1)
            if not isinstance(value, dict):
                raise YamlProblem(source.start_mark.line + 1, "a merge key (<<) needs a mapping", path)
            for key, item in value.items():
                merged.setdefault(key, item)
        return merged


def format_path(path: Path) -> str:
    """``("objectives", 0, "target")`` -> ``objectives[0].target``. A key that is not a plain word (a line
    break, a control character, a colon, a megabyte) is shown quoted and cut, so the line stays one line."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            key = part if _PLAIN_KEY.fullmatch(part) else shown(part)
            out += f".{key}" if out else key
    return out


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_<>-]{1,100}")
