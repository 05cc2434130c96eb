"""`slokit validate` on paths that are not plain files, and on files too big to read (issue 11, 10 and 13).

A FIFO, a device, a symbolic link loop or ``/dev/stdin`` named on the command line is a one-line error
saying what the path is (not "no such file or directory"), and never a hang; inside a directory they, and
directories that cannot be read, are skipped with a warning naming each. Sizes are checked before reading:
a sparse 3 GB file is refused from its size, a long string repeated through aliases from the text the
aliases add up to.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from slokit.cli import run

REPO = Path(__file__).resolve().parents[2]
CHECKOUT = (REPO / "slo_definitions" / "checkout.yaml").read_text()
OK = "ok: 1 file, 1 service, 4 objectives (3 operational, 1 application)\n"


def _validate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(["validate", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _slokit(*args: str, stdin: int | None = None, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    """A separate process: a hang shows up as a timeout instead of hanging the suite."""
    return subprocess.run(
        [sys.executable, "-m", "slokit", *args],
        cwd=REPO,
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_a_fifo_named_on_the_command_line_is_an_error_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "slo.yaml"
    os.mkfifo(fifo)
    result = _slokit("validate", str(fifo))
    assert (result.returncode, result.stdout) == (2, "")
    assert (
        result.stderr
        == f"error: {fifo}: is a named pipe (FIFO), not a file: definitions are read from files\n"
    )


def test_dev_stdin_from_a_pipe_is_an_error_that_says_so() -> None:
    result = _slokit("validate", "/dev/stdin", stdin=subprocess.PIPE)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "error: /dev/stdin: is a named pipe (FIFO), not a file: definitions are read from files "
        "(save standard input to a file)\n"
    )


def test_dev_stdin_redirected_from_a_file_is_read(tmp_path: Path) -> None:
    file = tmp_path / "checkout.yaml"
    file.write_text(CHECKOUT)
    with file.open() as stdin:
        result = _slokit("validate", "/dev/stdin", stdin=stdin.fileno())
    assert (result.returncode, result.stdout, result.stderr) == (0, OK, "")


def test_a_dash_is_not_standard_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert _validate(capsys, "-") == (
        2,
        "",
        "error: -: definitions are read from files, not standard input: save them to a file\n",
    )


def test_a_device_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert _validate(capsys, "/dev/null") == (
        2,
        "",
        "error: /dev/null: is a character device, not a file: definitions are read from files\n",
    )


def test_a_symlink_loop_is_named_as_one(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "a.yaml").symlink_to("b.yaml")
    (tmp_path / "b.yaml").symlink_to("a.yaml")
    loop = str(tmp_path / "a.yaml")
    assert _validate(capsys, loop) == (
        2,
        "",
        f"error: {loop}: a symbolic link loop (too many levels of symbolic links)\n",
    )


def test_a_dangling_symlink_names_its_target(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "slo.yaml").symlink_to("gone.yaml")
    link = str(tmp_path / "slo.yaml")
    assert _validate(capsys, link) == (
        2,
        "",
        f"error: {link}: a symbolic link to a missing file (gone.yaml)\n",
    )


def test_a_missing_path_is_still_no_such_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.yaml")
    assert _validate(capsys, missing) == (2, "", f"error: {missing}: no such file or directory\n")


def test_a_directory_skips_what_it_cannot_read_and_names_each_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "checkout.yaml").write_text(CHECKOUT)
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "loop.yaml").symlink_to("loop.yaml")
    (tmp_path / "dangling.yaml").symlink_to("gone.yaml")
    (tmp_path / "notes.txt").symlink_to("notes.txt")  # a loop, but not named like a definition: still said
    (tmp_path / "teams").mkdir()
    (tmp_path / "teams" / "up").symlink_to("..")  # a link back up the tree is walked once, silently
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "secret.yaml").write_text(CHECKOUT)
    # Root reads a mode-000 directory anyway, so the refusal a normal user gets is made here.
    real_scandir = os.scandir

    def scandir(path: str | os.PathLike[str]) -> object:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    started = time.perf_counter()
    code, out, err = _validate(capsys, str(tmp_path))
    assert (code, out) == (0, OK)
    assert err.splitlines() == [
        f"warning: {tmp_path}/dangling.yaml: skipped: a symbolic link to a missing file (gone.yaml)",
        f"warning: {locked}: skipped: cannot read this directory (permission denied)",
        f"warning: {tmp_path}/loop.yaml: skipped: a symbolic link loop (too many levels of symbolic links)",
        f"warning: {tmp_path}/notes.txt: skipped: a symbolic link loop (too many levels of symbolic links)",
        f"warning: {tmp_path}/pipe.yaml: skipped: is a named pipe (FIFO), not a file",
    ]
    assert time.perf_counter() - started < 2


def test_a_directory_tree_deeper_than_the_recursion_limit_is_walked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # 1,200 levels (2,400 characters of path, within PATH_MAX): a recursive walk ended in RecursionError,
    # exit 70 "this is a bug".
    deep = tmp_path
    for _ in range(1200):
        deep = deep / "a"
        deep.mkdir()
    (deep / "checkout.yaml").write_text(CHECKOUT)
    try:
        code, out, err = _validate(capsys, str(tmp_path))
    finally:
        # Removed here, from the bottom up: Python 3.11's shutil.rmtree recurses too, and pytest's clean-up
        # of old temporary directories would fail on this tree in every later run.
        (deep / "checkout.yaml").unlink()
        while deep != tmp_path:
            deep.rmdir()
            deep = deep.parent
    assert (code, out, err) == (0, OK, "")


def test_a_fifo_in_a_directory_does_not_hang_a_separate_process(tmp_path: Path) -> None:
    (tmp_path / "checkout.yaml").write_text(CHECKOUT)
    os.mkfifo(tmp_path / "pipe.yaml")
    result = _slokit("validate", str(tmp_path))
    assert (result.returncode, result.stdout) == (0, OK)
    assert result.stderr == f"warning: {tmp_path}/pipe.yaml: skipped: is a named pipe (FIFO), not a file\n"


def test_a_fifo_that_appears_after_discovery_is_not_opened_blocking(tmp_path: Path) -> None:
    from slokit.spec.loader import load_file

    fifo = tmp_path / "slo.yaml"
    os.mkfifo(fifo)
    loaded = load_file(fifo)  # would block forever waiting for a writer if opened without O_NONBLOCK
    assert [str(p) for p in loaded.problems] == [f"{fifo}: cannot read: is a named pipe (FIFO), not a file"]


def test_a_sparse_3gb_file_is_refused_from_its_size(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    huge = tmp_path / "x.yaml"
    with huge.open("wb") as f:
        f.truncate(3 * 1024**3)  # sparse: no disk used, but reading it whole takes 3 GB of memory
    started = time.perf_counter()
    code, out, err = _validate(capsys, str(huge))
    assert time.perf_counter() - started < 1
    assert (code, out) == (2, "")
    assert (
        err == f"{huge}: file is over the 1 MiB limit of a definition file (3,221,225,472 bytes); refused\n"
    )


def test_one_byte_over_the_limit_is_refused_and_at_the_limit_is_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A comment pads the file: at exactly 1 MiB it is read (and valid), one byte more is refused.
    padding = 1024 * 1024 - len(CHECKOUT.encode()) - 2
    at_limit = tmp_path / "at.yaml"
    at_limit.write_text(CHECKOUT + "#" + "x" * padding + "\n")
    assert at_limit.stat().st_size == 1024 * 1024
    assert _validate(capsys, str(at_limit)) == (0, OK, "")
    over = tmp_path / "over.yaml"
    over.write_text(CHECKOUT + "#" + "x" * (padding + 1) + "\n")
    assert _validate(capsys, str(over)) == (
        2,
        "",
        f"{over}: file is over the 1 MiB limit of a definition file (1,048,577 bytes); refused\n",
    )


def test_a_long_string_aliased_thousands_of_times_is_refused_quickly(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # 400 KB repeated 9,990 times is 4 GB of text for the validators: counted as the aliases are followed.
    text = CHECKOUT.replace("description: Checkout API", "description: &d " + "x" * 400_000, 1)
    labels = "labels: {k: [" + ", ".join(["*d"] * 9990) + "]}"
    text = text.replace('labels: {tier: "1", domain: commerce}', labels)
    file = tmp_path / "aliases.yaml"
    file.write_text(text)
    line = 10  # the labels line, where the aliases are
    started = time.perf_counter()
    code, out, err = _validate(capsys, str(file))
    assert time.perf_counter() - started < 2
    assert (code, out) == (2, "")
    assert err == f"{file}:{line}: aliases expand to more than 1 MiB of text; refused\n"


def test_a_short_string_aliased_a_few_times_is_fine(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = CHECKOUT.replace("description: Checkout API", "description: &d Checkout API", 1)
    text = text.replace('labels: {tier: "1", domain: commerce}', "labels: {a: *d, b: *d, c: *d}")
    file = tmp_path / "aliases.yaml"
    file.write_text(text)
    assert _validate(capsys, str(file)) == (0, OK, "")


def test_a_file_of_too_many_values_is_refused_while_it_is_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # 20,000 one-address lists: under 1 MiB, but each address takes ~100 us to check. Refused while the
    # YAML is composed, at the line it had reached, before anything is validated.
    owners = "  operational: {team: platform-ops, email: [platform-ops@example.com]}"
    text = CHECKOUT.replace(
        owners, "  operational:\n    team: platform-ops\n    email:\n" + "    - a@b.co\n" * 20_000
    )
    file = tmp_path / "values.yaml"
    file.write_text(text)
    started = time.perf_counter()
    code, out, err = _validate(capsys, str(file))
    assert time.perf_counter() - started < 1.5
    assert (code, out) == (2, "")
    assert err == f"{file}:9996: more than 10000 values in one file; refused\n"


def test_a_long_value_is_echoed_cut_short(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    long = "x" * 500_000
    file = tmp_path / "long.yaml"
    file.write_text(CHECKOUT.replace("platform-ops@example.com", long, 1))
    code, out, err = _validate(capsys, str(file))
    assert (code, out) == (2, "")
    assert err == (
        f"{file}:7: owners.operational.email[0]: must be an email address "
        f"(got '{'x' * 99}... (499,902 more characters)): longer than 998 characters\n"
    )
