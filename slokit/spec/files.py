"""Which files the definition paths name, and reading them without trusting what they are.

A path on the command line must be a regular file or a directory; anything else (a FIFO, a device, a
socket, ``/dev/stdin`` when standard input is a pipe or a terminal, a symbolic link loop) is a one-line
usage error that says what the path is. Inside a directory, such entries, and subdirectories that cannot
be read, are skipped with a warning naming each one and why: a scheduled run still checks every file it
can read, and says what it left out.

Reading never blocks and never reads more than it will accept: the file is opened non-blocking (opening a
FIFO for reading would otherwise wait for a writer), checked to be a regular file, its size compared with
:data:`MAX_FILE_BYTES` before a byte is read, and then read up to one byte past the limit (a file that
grows while it is read is refused too). A sparse 3 GB ``x.yaml`` is refused from its size alone.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from slokit.errors import UsageError

MAX_FILE_BYTES = 1024 * 1024  # a definition file is a few KB; 1 MiB keeps the worst file under seconds
SUFFIXES = (".yaml", ".yml")
_STDIN = {"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"}

Warn = Callable[[str], None]


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _why_not(path: Path, exc: OSError) -> str:
    """Why ``stat`` failed, in words: a loop or a dangling link is not "no such file"."""
    if exc.errno == errno.ELOOP:
        return "a symbolic link loop (too many levels of symbolic links)"
    if exc.errno == errno.ENOENT and path.is_symlink():
        return f"a symbolic link to a missing file ({os.readlink(path)})"
    if exc.errno == errno.ENOENT:
        return "no such file or directory"
    return (exc.strerror or str(exc)).lower()


def discover(paths: Sequence[str | Path], warn: Warn | None = None) -> list[Path]:
    """Expand files and directories (recursively, ``*.yaml``/``*.yml``) into a sorted, de-duplicated list.

    ``warn`` is told of every entry of a directory that was skipped (default: a line on stderr)."""
    tell = warn or _stderr
    found: dict[Path, None] = {}
    for raw in paths:
        path = Path(raw)
        if str(raw) == "-":
            raise UsageError("-: definitions are read from files, not standard input: save them to a file")
        try:
            mode = path.stat().st_mode
        except OSError as exc:
            raise UsageError(f"{path}: {_why_not(path, exc)}") from None
        if stat.S_ISDIR(mode):
            matches = sorted(_walk(path, tell))
            if not matches:
                raise UsageError(f"{path}: no SLO definition files (*.yaml, *.yml) in this directory")
            found.update(dict.fromkeys(matches))
        elif stat.S_ISREG(mode):
            found[path] = None
        else:
            hint = " (save standard input to a file)" if str(raw) in _STDIN else ""
            raise UsageError(f"{path}: is {_kind(mode)}, not a file: definitions are read from files{hint}")
    return list(found)


def _walk(top: Path, warn: Warn) -> Iterator[Path]:
    # Depth first with a stack of listings, not recursion: a tree nested a thousand folders deep (PATH_MAX
    # allows two thousand) would otherwise end in RecursionError, exit 70.
    visited: set[tuple[int, int]] = set()
    stack = [_listing(top, warn, visited)]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        path = Path(entry.path)
        try:
            mode = path.stat().st_mode
        except OSError as exc:
            if path.suffix in SUFFIXES or exc.errno == errno.ELOOP:
                warn(f"{path}: skipped: {_why_not(path, exc)}")
            continue
        if stat.S_ISDIR(mode):
            stack.append(_listing(path, warn, visited))
        elif path.suffix not in SUFFIXES:
            continue
        elif stat.S_ISREG(mode):
            yield path
        else:
            warn(f"{path}: skipped: is {_kind(mode)}, not a file")


def _listing(directory: Path, warn: Warn, visited: set[tuple[int, int]]) -> Iterator[os.DirEntry[str]]:
    """The entries of ``directory`` by name; none when it was walked already or cannot be read."""
    # Hidden entries are skipped: a Kubernetes ConfigMap mount holds a second copy of every file under
    # "..<timestamp>/", and editors and git keep their own files in dot-directories.
    try:
        info = directory.stat()
        if (info.st_dev, info.st_ino) in visited:  # a link back up the tree: walked already
            return iter(())
        visited.add((info.st_dev, info.st_ino))
        with os.scandir(directory) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        warn(f"{directory}: skipped: cannot read this directory ({_why_not(directory, exc)})")
        return iter(())
    return iter([e for e in entries if not e.name.startswith(".")])


def _stderr(message: str) -> None:
    import typer

    typer.echo(f"warning: {message}", err=True)


class Unreadable(Exception):
    """A definition file that could not be read as one: the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def read_definition(path: Path) -> bytes:
    """The bytes of a definition file, at most :data:`MAX_FILE_BYTES`; :class:`Unreadable` otherwise."""
    try:
        # O_NONBLOCK: a FIFO that appeared since discover() must not wait for a writer; O_NOCTTY: a
        # terminal named here must not become the controlling terminal.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as exc:
        raise Unreadable(f"cannot read: {_why_not(path, exc)}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable(f"cannot read: is {_kind(info.st_mode)}, not a file")
        if info.st_size > MAX_FILE_BYTES:
            raise Unreadable(_too_big(info.st_size))
        chunks = []
        left = MAX_FILE_BYTES + 1
        while left > 0 and (chunk := os.read(fd, min(left, 1 << 16))):
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > MAX_FILE_BYTES:
            raise Unreadable(_too_big(None))
        return data
    except OSError as exc:
        raise Unreadable(f"cannot read: {(exc.strerror or str(exc)).lower()}") from None
    finally:
        os.close(fd)


def _too_big(size: int | None) -> str:
    limit = f"{MAX_FILE_BYTES // 1024 // 1024} MiB"
    got = f" ({size:,} bytes)" if size is not None else ""
    return f"file is over the {limit} limit of a definition file{got}; refused"
