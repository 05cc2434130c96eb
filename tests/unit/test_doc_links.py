"""Every relative link in README.md and docs/ resolves inside the repository: to a file or directory a clone
has, and to a heading of that file when it names one (#anchor, as GitHub spells heading anchors)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted([REPO / "README.md", *(REPO / "docs").rglob("*.md"), REPO / "benchmarks" / "README.md"])
# A fence opens with ``` or ~~~ and an optional info string, but closes only on a line holding nothing but
# the fence (CommonMark): "``` text" after a code block leaves the rest of the file rendered as code.
_OPENING_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_CLOSING_FENCE = re.compile(r"^ {0,3}(```+|~~~+)\s*$")
_INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
_EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, https:, mailto:


def _prose(path: Path) -> list[str]:
    """The file's lines outside fenced code blocks, with inline code spans blanked out."""
    lines, fenced = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if (_CLOSING_FENCE if fenced else _OPENING_FENCE).match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(re.sub(r"(`+)(?:(?!\1).)+\1", "", line))
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: the rendered text lower-cased, punctuation dropped, spaces to '-'."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link shows its text
    text = text.replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


@cache
def anchors(path: Path) -> frozenset[str]:
    seen: dict[str, int] = {}
    found = set()
    fenced = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if (_CLOSING_FENCE if fenced else _OPENING_FENCE).match(line):
            fenced = not fenced
            continue
        match = re.match(r"^#{1,6}\s+(.+?)\s*#*\s*$", line)
        if fenced or match is None:
            continue
        base = slug(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return frozenset(found)


def links(path: Path) -> list[str]:
    found = []
    for line in _prose(path):
        found += _INLINE_LINK.findall(line)
        if reference := _REFERENCE.match(line):
            found.append(reference.group(1))
    return [link for link in found if not _EXTERNAL.match(link)]


def problem(document: Path, link: str) -> str | None:
    target, _, anchor = link.partition("#")
    resolved = (document.parent / target).resolve() if target else document
    if not resolved.is_relative_to(REPO):
        return f"{link}: outside the repository ({resolved})"
    if not resolved.exists():
        return f"{link}: no such file or directory"
    if anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
        return f"{link}: no heading with anchor #{anchor} in {resolved.relative_to(REPO)}"
    return None


def test_the_checked_documents_have_links() -> None:
    assert REPO / "docs" / "definitions.md" in DOCUMENTS
    assert sum(len(links(d)) for d in DOCUMENTS) > 20


@pytest.mark.parametrize("document", DOCUMENTS, ids=[str(d.relative_to(REPO)) for d in DOCUMENTS])
def test_every_relative_link_resolves_inside_the_repository(document: Path) -> None:
    problems = [p for link in links(document) if (p := problem(document, link)) is not None]
    assert problems == []


def test_nothing_links_to_the_design_notes_beside_the_clone() -> None:
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        assert "../shared" not in text, document
        assert "DESIGN.md" not in text, document  # a clone has no such file: the docs say it themselves


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("SLO definition format (`apiVersion: slokit/v1`)", "slo-definition-format-apiversion-slokitv1"),
        ("`slokit check` (CI release gate)", "slokit-check-ci-release-gate"),
        ("Editor support (JSON Schema)", "editor-support-json-schema"),
        ("Größe & Gewicht", "größe--gewicht"),
    ],
)
def test_slug_spells_anchors_as_github_does(heading: str, anchor: str) -> None:
    assert slug(heading) == anchor


def test_a_broken_link_is_found(tmp_path: Path) -> None:
    # The checker itself: a link out of the repository, a missing file and a missing heading are all caught.
    document = REPO / "docs" / "definitions.md"
    assert problem(document, "../shared/DESIGN.md") is not None
    assert problem(document, "no-such-file.md") == "no-such-file.md: no such file or directory"
    assert problem(document, "#no-such-heading") is not None
    assert problem(document, "#names") is None
    assert problem(document, "../README.md#data-sources") is None
