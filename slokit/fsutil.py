"""Writing output files: readers see the old file or the complete new one, never half of it.

What a path names decides how it is written:

- a regular file, or nothing yet: a temporary file beside it, renamed over it once complete (atomic); an
  existing file keeps its permissions and, where the process may set them, its owner and group;
- a symbolic link (or a chain of them, or one whose target does not exist yet): the file it points to is
  written as above, and the link stays;
- an open descriptor (``/dev/stdout``, ``/dev/stderr``, ``/dev/fd/N``, ``/proc/self/fd/N``): the bytes go
  to that descriptor, as if printed, so ``>>`` appends and a pipe gets them;
- a FIFO or a character device (``/dev/null``): written through, never replaced;
- a directory, a block device or a socket: refused before any work.

A write that fails half way (a full disk, a file size limit) is :class:`OutputError` (exit 74); the old file
is left as it was, and the temporary file is removed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from slokit.errors import OutputError, UsageError

# Linux gives up after 40 links (ELOOP); so does slokit, with a message instead of an OSError.
MAX_SYMLINKS = 40
_DESCRIPTOR = re.compile(r"^/(?:dev/fd|proc/self/fd|proc/(\d+)/fd)/(\d+)$")
_STANDARD = {"/dev/stdout": 1, "/dev/stderr": 2}
# Out of space (blocks, inodes, quota) or a size limit: the machine's state, not a wrong path or option.
_NO_SPACE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


@dataclass(frozen=True)
class _Target:
    """Where the bytes for an output path go: a descriptor, a node written through, or a file."""

    path: Path  # the file to replace atomically, or the node to open and write through
    descriptor: int | None = None  # an already open descriptor, written to directly
    through: bool = False  # a FIFO or character device: open and write, never replace


def _descriptor(path: str) -> int | None:
    if path in _STANDARD:
        return _STANDARD[path]
    match = _DESCRIPTOR.match(path)
    if match is None or (match.group(1) is not None and int(match.group(1)) != os.getpid()):
        return None
    return int(match.group(2))


def _target(path: Path) -> _Target:
    """Follow ``path``'s symbolic links by hand: a descriptor link in /proc must not be resolved further
    (its target reads ``pipe:[1234]``), and a dangling link names the file to create."""
    current = path
    for _ in range(MAX_SYMLINKS):
        descriptor = _descriptor(os.path.normpath(os.path.abspath(current)))
        if descriptor is not None:
            return _Target(current, descriptor=descriptor)
        if not current.is_symlink():
            break
        link = Path(os.readlink(current))
        current = link if link.is_absolute() else current.parent / link
    else:
        raise UsageError(f"{path}: too many levels of symbolic links (a loop?)")
    try:
        mode = current.stat().st_mode
    except FileNotFoundError:
        return _Target(current)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write here ({exc.strerror})") from None
    if stat.S_ISREG(mode):
        return _Target(current)
    if stat.S_ISDIR(mode):
        raise UsageError(f"{path}: is a directory; give a file name")
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
        return _Target(current, through=True)
    kind = "a block device" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "not a file"
    raise UsageError(f"{path}: is {kind}; give a file name")


def check_writable(path: Path) -> None:
    """Fail before any work when ``path`` cannot be an output file (a directory, a missing folder)."""
    target = _target(path)
    if target.descriptor is not None:
        try:
            os.fstat(target.descriptor)
        except OSError:
            raise UsageError(f"{path}: descriptor {target.descriptor} is not open") from None
        return
    if target.through:
        return
    parent = target.path.parent if str(target.path.parent) else Path(".")
    if not parent.is_dir():
        shown = path if target.path == path else f"{path} -> {target.path}"
        raise UsageError(f"{shown}: no such directory {parent}")


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write ``content`` to ``path`` as the module docstring describes; :class:`OutputError` when it fails."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    target = _target(path)
    if target.descriptor is not None:
        # What was printed before must come out first.
        sys.stdout.flush()
        sys.stderr.flush()
        _write_all(path, target.descriptor, data)
    elif target.through:
        try:
            fd = os.open(target.path, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            raise failure(path, exc, "cannot write") from None
        try:
            _write_all(path, fd, data)
        finally:
            os.close(fd)
    else:
        _replace(path, target.path, data)


def _replace(path: Path, file: Path, data: bytes) -> None:
    check_writable(path)
    directory = file.parent if str(file.parent) else Path(".")
    try:
        old: os.stat_result | None = file.stat()
    except FileNotFoundError:
        old = None
    note = "the previous file is kept" if old is not None else ""
    with _temporary(path, directory, file.name, note) as (fd, tmp):
        _write_all(path, fd, data, note=note, sync=fd)
        _keep_metadata(tmp, old)
        try:
            os.replace(tmp, file)
        except OSError as exc:
            raise failure(path, exc, "cannot write", note) from None


@contextlib.contextmanager
def _temporary(path: Path, directory: Path, name: str, note: str) -> Iterator[tuple[int, str]]:
    """A new private file in ``directory``, removed afterwards unless it was renamed away."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise failure(path, exc, "cannot write here", note) from None
    try:
        yield fd, tmp
    finally:
        os.close(fd)
        Path(tmp).unlink(missing_ok=True)


def _write_all(path: Path, fd: int, data: bytes, *, note: str = "", sync: int | None = None) -> None:
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(fd, view) :]
        if sync is not None:
            # A full disk can surface only when the data is flushed (NFS, some quotas): before the rename.
            os.fsync(sync)
    except OSError as exc:
        raise OutputError(path, exc.strerror or str(exc), note) from None


def failure(path: Path, exc: OSError, what: str, note: str = "") -> UsageError | OutputError:
    """A full disk is :class:`OutputError` (exit 74) wherever it strikes; anything else (permissions, a
    read-only file system) is the path's fault, a usage error."""
    if exc.errno in _NO_SPACE:
        return OutputError(path, exc.strerror or str(exc), note)
    return UsageError(f"{path}: {what} ({exc.strerror})")


def _keep_metadata(tmp: str, old: os.stat_result | None) -> None:
    """mkstemp makes the file private (0600): give it the old file's owner and mode, or what a plain
    ``open`` would have made."""
    if old is None:
        os.chmod(tmp, 0o666 & ~_umask())
        return
    # chown before chmod: changing the owner clears set-user-ID bits. Only root may give a file away;
    # others keep what they may set (their own user, one of their groups).
    for uid, gid in ((old.st_uid, old.st_gid), (-1, old.st_gid)):
        try:
            os.chown(tmp, uid, gid)
            break
        except PermissionError:
            continue
    os.chmod(tmp, old.st_mode & 0o7777)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
