"""Output files (``report -o``, ``check --junit``, ``record -o``, ``email --dry-run --out``): what the path
names is what gets written, and a disk that fills up is a one-line error (exit 74) that keeps the old file.

The full disk is real: a 64 KiB tmpfs mounted for the test (root only; CI runs as root, so it never skips
there) and filled up, and a file size limit (RLIMIT_FSIZE) in a subprocess, which any user may set.
"""

from __future__ import annotations

import contextlib
import os
import resource
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from slokit.cli import run

from .test_record import serve
from .test_report_faults import AT, DEFINITIONS

ROOT = Path(__file__).resolve().parents[2]
DEMO = [str(ROOT / "slo_definitions"), "--snapshot", str(ROOT / "slo_definitions" / "snapshot.json.gz")]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_root(why: str) -> None:
    if os.geteuid() == 0:
        return
    message = f"{why} needs root"
    if in_ci():
        pytest.fail(f"{message}; CI is set, so this test must not be skipped", pytrace=False)
    pytest.skip(message)


def demo_json(capsys: pytest.CaptureFixture[str]) -> str:
    assert run(["report", *DEMO, "-f", "json"]) == 0
    return capsys.readouterr().out


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


# --- point 12: symlinks, FIFOs, devices, descriptors -------------------------------------------------------


def test_output_onto_a_symlink_writes_its_target_and_keeps_the_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = demo_json(capsys)
    real = tmp_path / "reports" / "latest.json"
    real.parent.mkdir()
    real.write_text("last week\n")
    link = tmp_path / "latest.json"
    link.symlink_to(Path("reports") / "latest.json")  # relative, resolved from the link's folder
    assert run(["report", *DEMO, "-f", "json", "-o", str(link)]) == 0
    assert capsys.readouterr() == ("", "")
    assert link.is_symlink() and os.readlink(link) == "reports/latest.json"
    assert real.read_text() == expected
    assert leftovers(tmp_path) == leftovers(real.parent) == []


def test_output_onto_a_dangling_symlink_creates_the_file_it_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "gate.xml"
    link.symlink_to(tmp_path / "ci" / "junit.xml")
    (tmp_path / "ci").mkdir()
    assert run(["check", *DEMO, "--junit", str(link)]) == 1
    capsys.readouterr()
    assert link.is_symlink()
    assert (tmp_path / "ci" / "junit.xml").read_text().startswith("<?xml version='1.0' encoding='utf-8'?>")


def test_a_dangling_symlink_into_a_missing_folder_is_refused_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "gate.xml"
    link.symlink_to(tmp_path / "ci" / "junit.xml")
    assert run(["check", *DEMO, "--junit", str(link)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"error: {link} -> {tmp_path / 'ci' / 'junit.xml'}: no such directory {tmp_path / 'ci'}\n"


def test_output_through_a_chain_of_symlinks_writes_the_last_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = demo_json(capsys)
    (tmp_path / "real.json").write_text("old\n")
    (tmp_path / "b").symlink_to("real.json")
    (tmp_path / "a").symlink_to("b")
    assert run(["report", *DEMO, "-f", "json", "-o", str(tmp_path / "a")]) == 0
    assert (tmp_path / "a").is_symlink() and (tmp_path / "b").is_symlink()
    assert (tmp_path / "real.json").read_text() == expected
    assert leftovers(tmp_path) == []


def test_a_symlink_loop_is_a_usage_error_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    assert run(["report", *DEMO, "-o", str(tmp_path / "a")]) == 2
    assert capsys.readouterr() == (
        "",
        f"error: {tmp_path / 'a'}: too many levels of symbolic links (a loop?)\n",
    )
    assert os.readlink(tmp_path / "a") == "b" and os.readlink(tmp_path / "b") == "a"


def test_output_onto_a_fifo_writes_to_its_reader_and_keeps_the_fifo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = demo_json(capsys)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    assert run(["report", *DEMO, "-f", "json", "-o", str(fifo)]) == 0
    reader.join(timeout=10)
    assert received == [expected.encode()]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert capsys.readouterr() == ("", "")


def test_output_onto_a_character_device_writes_through_and_keeps_the_node(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As root, slokit used to replace the node. Root tests a node of its own with /dev/null's numbers, so a
    # regression breaks a copy, not the machine; anyone else tests /dev/null itself, which they cannot
    # replace (a regression then fails with "Permission denied").
    null = Path("/dev/null")
    if os.geteuid() == 0:
        null = tmp_path / "null"
        os.mknod(null, stat.S_IFCHR | 0o666, os.stat("/dev/null").st_rdev)
    before = null.lstat()
    assert run(["report", *DEMO, "-f", "json", "-o", str(null)]) == 0
    assert capsys.readouterr() == ("", "")
    after = null.lstat()
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert null.read_bytes() == b""  # still the null device


def test_output_to_dev_stdout_prints_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = demo_json(capsys)
    command = [sys.executable, "-m", "slokit", "report", *DEMO, "-f", "json", "-o", "/dev/stdout"]
    piped = subprocess.run(command, check=False, capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert (piped.returncode, piped.stderr, piped.stdout) == (0, "", expected)
    # Redirected with >>: appended after what the file held, as a printed report would be.
    log = tmp_path / "log.json"
    log.write_text("earlier\n")
    with log.open("a") as handle:
        appended = subprocess.run(
            command, check=False, stdout=handle, stderr=subprocess.PIPE, cwd=tmp_path, timeout=60
        )
    assert (appended.returncode, appended.stderr) == (0, b"")
    assert log.read_text() == "earlier\n" + expected


def test_an_existing_file_keeps_its_permissions_and_owner(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.md"
    out.write_text("old\n")
    out.chmod(0o640)
    owner = (os.getuid(), os.getgid())
    if os.geteuid() == 0:  # only root can give a file away; the report must not take it back
        owner = (12345, 23456)
        os.chown(out, *owner)
    inode = out.stat().st_ino
    assert run(["report", *DEMO, "-f", "markdown", "-o", str(out)]) == 0
    capsys.readouterr()
    written = out.stat()
    assert out.read_text().startswith("# SLO report")
    assert written.st_ino != inode  # replaced by a rename, not rewritten in place
    assert stat.S_IMODE(written.st_mode) == 0o640
    assert (written.st_uid, written.st_gid) == owner


def test_a_new_file_gets_the_umask_permissions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mask = os.umask(0o027)
    try:
        assert run(["report", *DEMO, "-f", "markdown", "-o", str(tmp_path / "new.md")]) == 0
    finally:
        os.umask(mask)
    capsys.readouterr()
    assert stat.S_IMODE((tmp_path / "new.md").stat().st_mode) == 0o640


# --- point 11: a full disk ---------------------------------------------------------------------------------


@contextlib.contextmanager
def tmpfs(disk: Path, options: str) -> Iterator[Path]:
    """A small tmpfs mounted on ``disk``, unmounted afterwards even when the test fails."""
    require_root("mounting a tmpfs")
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(disk)], check=True)
    try:
        yield disk
    finally:
        if subprocess.run(["umount", str(disk)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(disk)], check=True)


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs with the files a command will overwrite, then filled to the last byte."""
    with tmpfs(tmp_path / "disk", "size=64k,mode=0755") as disk:
        (disk / "report.json").write_text("old report\n")
        (disk / "gate.xml").write_text("old gate\n")
        (disk / "snap.json").write_text("old snapshot\n")
        (disk / "mails").mkdir()
        (disk / "mails" / "01-platform-ops.eml").write_text("old mail\n")
        fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"x" * 4096)
        finally:
            os.close(fd)
        yield disk


OLD = {
    "report.json": "old report\n",
    "gate.xml": "old gate\n",
    "snap.json": "old snapshot\n",
    "mails/01-platform-ops.eml": "old mail\n",
}


@pytest.mark.parametrize(
    ("command", "written"),
    [
        (["report", *DEMO, "-f", "json", "-o", "{disk}/report.json"], "report.json"),
        (["check", *DEMO, "--junit", "{disk}/gate.xml"], "gate.xml"),
        (["record", "{slo}", "-o", "{disk}/snap.json", "--at", AT, "--prometheus-url", "{url}"], "snap.json"),
        (["email", *DEMO, "--dry-run", "--out", "{disk}/mails"], "mails/01-platform-ops.eml"),
    ],
    ids=["report", "check", "record", "email"],
)
def test_a_full_disk_is_exit_74_and_the_old_file_stays(
    full_disk: Path,
    tmp_path: Path,
    httpserver: HTTPServer,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    written: str,
) -> None:
    slo = tmp_path / "slo.yaml"
    slo.write_text(DEFINITIONS)
    values = {"disk": str(full_disk), "slo": str(slo), "url": serve(httpserver)}
    code = run([arg.format(**values) for arg in command])
    err = capsys.readouterr().err
    assert code == 74
    assert err.splitlines()[-1] == (
        f"error: {full_disk / written}: not written (No space left on device); the previous file is kept"
    )
    assert "internal error" not in err and "Traceback" not in err
    for name, content in OLD.items():
        assert (full_disk / name).read_text() == content
    assert leftovers(full_disk) == leftovers(full_disk / "mails") == []


def test_a_new_file_on_a_full_disk_says_nothing_was_written(
    full_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = full_disk / "new.md"
    assert run(["report", *DEMO, "-f", "markdown", "-o", str(out)]) == 74
    assert capsys.readouterr().err == f"error: {out}: not written (No space left on device)\n"
    assert not out.exists()
    assert leftovers(full_disk) == []


def test_no_inode_left_for_the_temporary_file_is_exit_74_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with tmpfs(tmp_path / "disk", "size=1m,nr_inodes=3") as disk:
        out = disk / "report.md"
        out.write_text("old report\n")
        with contextlib.suppress(OSError):
            for n in range(10):  # every inode taken: the temporary file cannot be made
                (disk / f"f{n}").touch()
        assert run(["report", *DEMO, "-f", "markdown", "-o", str(out)]) == 74
        assert capsys.readouterr().err == (
            f"error: {out}: not written (No space left on device); the previous file is kept\n"
        )
        assert out.read_text() == "old report\n"


def test_a_descriptor_that_is_not_open_is_refused_before_any_work(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["report", *DEMO, "-o", "/dev/fd/987"]) == 2
    assert capsys.readouterr() == ("", "error: /dev/fd/987: descriptor 987 is not open\n")


def test_a_file_size_limit_is_exit_74_and_the_old_file_stays(tmp_path: Path) -> None:
    # RLIMIT_FSIZE needs no privileges: writing past it fails with EFBIG (Python ignores SIGXFSZ).
    out = tmp_path / "report.json"
    out.write_text("old report\n")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    done = subprocess.run(
        [sys.executable, "-m", "slokit", "report", *DEMO, "-f", "json", "-o", str(out)],
        check=False,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        preexec_fn=limit,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (74, "")
    assert done.stderr == f"error: {out}: not written (File too large); the previous file is kept\n"
    assert out.read_text() == "old report\n"
    assert leftovers(tmp_path) == []
