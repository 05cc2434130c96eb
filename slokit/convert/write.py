"""A converted service as slokit/v1 YAML: keys in the document's order, comments above their fields.

PyYAML cannot write comments, so the block structure is written here and each scalar by PyYAML (which
knows when a string needs quotes: ``">= 1"``, ``"yes"``, ``"1"``). Comment paths are those of
:class:`slokit.convert.model.ConvertedService`: ``()`` for the lines above ``apiVersion``, a list index
for the lines above that item's ``-``, any other path for the lines above that key.
"""

from __future__ import annotations

from typing import Any

import yaml

from slokit.convert.model import ConvertedService, FieldPath

_INDENT = "  "


def render(converted: ConvertedService) -> str:
    lines: list[str] = [_comment(text, "") for text in converted.comments.get((), ())]
    _mapping(converted.document, (), "", converted.comments, lines)
    return "\n".join(lines) + "\n"


def _comment(text: str, indent: str) -> str:
    # A comment is one line: a line break in it would end the comment and start YAML.
    return f"{indent}# {' '.join(text.split())}".rstrip()


def _comments(
    path: FieldPath, indent: str, comments: dict[FieldPath, tuple[str, ...]], out: list[str]
) -> None:
    out.extend(_comment(text, indent) for text in comments.get(path, ()))


def _mapping(
    data: dict[str, Any],
    path: FieldPath,
    indent: str,
    comments: dict[FieldPath, tuple[str, ...]],
    out: list[str],
    first_prefix: str | None = None,
) -> None:
    """``first_prefix`` replaces the indent of the first key: ``- `` when the mapping is a list item."""
    for index, (key, value) in enumerate(data.items()):
        here = (*path, key)
        prefix = first_prefix if index == 0 and first_prefix is not None else indent
        if index > 0 or first_prefix is None:
            _comments(here, indent, comments, out)
        label = f"{prefix}{_scalar(key)}:"
        _value(value, here, label, indent, comments, out)


def _value(
    value: Any,
    path: FieldPath,
    label: str,
    indent: str,
    comments: dict[FieldPath, tuple[str, ...]],
    out: list[str],
) -> None:
    inner = indent + _INDENT
    if isinstance(value, dict) and value:
        out.append(label)
        _mapping(value, path, inner, comments, out)
    elif isinstance(value, list) and value:
        out.append(label)
        _sequence(value, path, inner, comments, out)
    else:
        out.append(f"{label} {_scalar(value)}")


def _sequence(
    items: list[Any], path: FieldPath, indent: str, comments: dict[FieldPath, tuple[str, ...]], out: list[str]
) -> None:
    for index, item in enumerate(items):
        here = (*path, index)
        _comments(here, indent, comments, out)
        if isinstance(item, dict) and item:
            # The first key's own comments go above the dash, after the item's.
            _comments((*here, next(iter(item))), indent, comments, out)
            _mapping(item, here, indent + _INDENT, comments, out, first_prefix=f"{indent}- ")
        elif isinstance(item, list) and item:
            out.append(f"{indent}-")
            _sequence(item, here, indent + _INDENT, comments, out)
        else:
            out.append(f"{indent}- {_scalar(item)}")


def _scalar(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    # A string with a line break in double quotes (\n escapes): one line, so it stays under its comment.
    style = '"' if isinstance(value, str) and not value.isprintable() else None
    text: str = yaml.safe_dump(
        value, default_flow_style=True, default_style=style, allow_unicode=True, width=1_000_000
    )
    return text.removesuffix("\n").removesuffix("\n...").strip()
