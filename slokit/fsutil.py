"""Writing output files atomically: readers see the old file or the complete new one, never half of it."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from slokit.errors import UsageError


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` only if the block succeeds."""
    check_writable(path)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write here ({exc.strerror})") from None
    os.close(fd)
    try:
        yield Path(tmp)
        # mkstemp makes the file private (0600); a report should get the permissions a plain write would.
        os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask())
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise UsageError(f"{path}: cannot write ({exc.strerror})") from None
    finally:
        Path(tmp).unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_writable(path: Path) -> None:
    """Fail before any work when ``path`` cannot be an output file (a directory, a missing folder)."""
    if path.is_dir():
        raise UsageError(f"{path}: is a directory; give a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"{path}: no such directory {parent}")


def write_atomic(path: Path, content: str | bytes) -> None:
    with atomic_path(path) as tmp:
        if isinstance(content, str):
            tmp.write_text(content, encoding="utf-8")
        else:
            tmp.write_bytes(content)
