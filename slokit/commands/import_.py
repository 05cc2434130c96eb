"""``slokit import sloth|openslo``: other tools' SLO files as slokit/v1 definitions.

Every converted document is rendered, then read back by slokit's own loader before anything is written;
the files are written only when none of them is in the way (or ``--force``), each atomically.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from slokit.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from slokit.convert.model import Conversion, ConvertedService, ImportOptions


def import_(
    format: str,
    files: Sequence[Path],
    *,
    out: Path | None = None,
    out_dir: Path | None = None,
    force: bool = False,
    kind: str | None = None,
    team: str | None = None,
    emails: Sequence[str] = (),
) -> int:
    """Print the documents (``---`` between them), or write them to ``out`` or ``out_dir``. Exit 2 when
    an SLO could not be converted (the others are written all the same)."""
    from slokit.convert.model import ImportOptions
    from slokit.fsutil import check_writable, failure, write_atomic

    if out is not None and out_dir is not None:
        raise UsageError("give -o FILE or --out-dir DIR, not both")
    if out_dir is not None and out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir}: not a directory")
    from slokit.spec.models import KINDS

    chosen = next((k for k in KINDS if k == kind), None)
    options = ImportOptions(kind=chosen, team=team, emails=tuple(emails))
    conversion = _converter(format)(list(files), options)
    problems = [f"error: {p}" for p in conversion.problems]
    documents: list[tuple[str, str]] = []
    for service in conversion.services:
        text, invalid = _validated(service)
        problems.extend(invalid)
        if not invalid:
            documents.append((service.service, text))
    if out is not None and len(documents) > 1:
        _echo(problems)
        raise UsageError(
            f"-o {out}: the import gives {len(documents)} services ({', '.join(n for n, _ in documents)}); "
            "give --out-dir DIR for one file each"
        )
    targets: list[tuple[Path, str]] = []
    if out is not None and documents:
        check_writable(out)
        targets = [(out, documents[0][1])]
    elif out_dir is not None:
        targets = [(out_dir / f"{name}.yaml", text) for name, text in documents]
    folders = [str(path) for path, _ in targets if out_dir is not None and path.is_dir()]
    if folders:
        _echo(problems)
        raise UsageError(f"{', '.join(folders)}: a directory is in the way (nothing written)")
    in_the_way = [str(path) for path, _ in targets if path.exists() and not force]
    if in_the_way:
        _echo(problems)
        raise UsageError(
            f"{', '.join(in_the_way)}: already there; give --force to overwrite (nothing written)"
        )
    _echo(problems)
    if out is None and out_dir is None:
        typer.echo("---\n".join(text for _, text in documents), nl=False)
    else:
        if out_dir is not None and targets:
            try:
                out_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise failure(out_dir, exc, "cannot create this directory") from None
        if out is not None:
            if targets:
                write_atomic(out, targets[0][1])
        else:
            _write_all(targets)
        for path, _ in targets:
            typer.echo(f"wrote {path}", err=True)
    return ExitCode.USAGE if problems else ExitCode.OK


def _write_all(targets: Sequence[tuple[Path, str]]) -> None:
    """Every file complete beside its place first, then each renamed into place: a full disk half way
    leaves none of them written, not some."""
    import os

    from slokit.errors import OutputError
    from slokit.fsutil import failure

    staged: list[tuple[str, Path]] = []
    try:
        for path, text in targets:
            try:
                fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            except OSError as exc:
                raise failure(path, exc, "cannot write here") from None
            staged.append((tmp, path))
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(text.encode("utf-8"))
                    handle.flush()
                    os.fsync(handle.fileno())
                mask = os.umask(0o022)
                os.umask(mask)
                os.chmod(tmp, 0o666 & ~mask)
            except OSError as exc:
                raise OutputError(path, exc.strerror or str(exc), "nothing written") from None
        for tmp, path in staged:
            try:
                os.replace(tmp, path)
            except OSError as exc:
                raise failure(path, exc, "cannot write") from None
    finally:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)


def _echo(lines: Sequence[str]) -> None:
    for line in lines:
        typer.echo(line, err=True)


def _converter(format: str) -> Callable[[list[Path], ImportOptions], Conversion]:
    # Each converter is imported only for its own format.
    if format == "sloth":
        from slokit.convert import sloth

        return sloth.convert
    from slokit.convert import openslo

    return openslo.convert


def _validated(service: ConvertedService) -> tuple[str, list[str]]:
    """The document's text, and what slokit's loader finds wrong with it (one line each)."""
    from slokit.convert.write import render
    from slokit.spec.loader import load_file

    text = render(service)
    with tempfile.TemporaryDirectory(prefix="slokit-import-") as folder:
        path = Path(folder) / f"{service.service}.yaml"
        path.write_text(text, encoding="utf-8")
        loaded = load_file(path)
    invalid = [
        f"error: {service.source}: {service.service}: the converted definition is invalid: "
        f"{p.path + ': ' if p.path else ''}{p.message}"
        for p in loaded.problems
    ]
    return text, invalid
