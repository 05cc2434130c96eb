"""`slokit import` on the command line: stdout, -o, --out-dir, --force, problems on stderr with exit 2, and
nothing written when a file is in the way."""

from __future__ import annotations

from pathlib import Path

import pytest

from slokit.cli import run
from slokit.spec import load

SHOP = Path(__file__).resolve().parents[1] / "unit" / "convert" / "openslo" / "shop.yaml"


def _slo(service: str, name: str, source: str = "Prometheus") -> str:
    return f"""apiVersion: openslo/v1
kind: SLO
metadata:
  name: {name}
spec:
  service: {service}
  indicator:
    metadata: {{name: {name}}}
    spec:
      ratioMetric:
        counter: true
        good: {{metricSource: {{type: {source}, spec: {{query: 'ok_total'}}}}}}
        total: {{metricSource: {{type: {source}, spec: {{query: 'all_total'}}}}}}
  budgetingMethod: Occurrences
  objectives:
    - target: 0.99
"""


@pytest.fixture
def two_services(tmp_path: Path) -> Path:
    path = tmp_path / "two.yaml"
    path.write_text(_slo("cart", "cart-ok") + "---\n" + _slo("search", "search-ok"))
    return path


def test_import_prints_every_service_to_stdout_separated_by_dashes(
    two_services: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run(["import", "openslo", str(two_services), "--kind", "operational", "--team", "ops"]) == 0
    out = capsys.readouterr().out
    parts = out.split("---\n")
    assert [p.split("service: ")[1].split("\n")[0] for p in parts] == ["cart", "search"]
    for index, part in enumerate(parts):
        (tmp_path / f"{index}.yaml").write_text(part)
    services = load([tmp_path / "0.yaml", tmp_path / "1.yaml"]).services
    assert [s.spec.owners.operational.team for s in services if s.spec.owners.operational] == ["ops", "ops"]


def test_import_out_file_takes_one_service_only(
    two_services: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "one.yaml"
    code = run(
        ["import", "openslo", str(two_services), "--kind", "operational", "--team", "ops", "-o", str(out)]
    )
    assert code == 2
    assert capsys.readouterr().err == (
        f"error: -o {out}: the import gives 2 services (cart, search); give --out-dir DIR for one file each\n"
    )
    assert not out.exists()


def test_import_out_dir_writes_one_file_per_service_and_refuses_to_overwrite_without_force(
    two_services: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "slos"
    args = [
        "import",
        "openslo",
        str(two_services),
        "--kind",
        "application",
        "--team",
        "dev",
        "--out-dir",
        str(folder),
    ]
    assert run(args) == 0
    assert capsys.readouterr().err == f"wrote {folder / 'cart.yaml'}\nwrote {folder / 'search.yaml'}\n"
    assert [s.spec.service for s in load([folder]).services] == ["cart", "search"]
    (folder / "search.yaml").write_text("# mine\n")
    before = (folder / "cart.yaml").read_text()
    (folder / "cart.yaml").write_text("# also mine\n")
    assert run(args) == 2
    assert capsys.readouterr().err == (
        f"error: {folder / 'cart.yaml'}, {folder / 'search.yaml'}: already there; give --force to overwrite "
        "(nothing written)\n"
    )
    assert (folder / "cart.yaml").read_text() == "# also mine\n"
    assert run([*args, "--force"]) == 0
    assert (folder / "cart.yaml").read_text() == before


def test_import_reports_an_unconvertible_slo_and_writes_the_others_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mixed.yaml"
    path.write_text(_slo("cart", "cart-ok") + "---\n" + _slo("cart", "cart-dd", source="Datadog"))
    out = tmp_path / "cart.yaml"
    assert (
        run(["import", "openslo", str(path), "--kind", "operational", "--team", "ops", "-o", str(out)]) == 2
    )
    assert capsys.readouterr().err == (
        f"error: {path}:29: cart-dd: data source type Datadog: slokit reads Prometheus (and "
        "Prometheus-compatible servers) only\n"
        f"wrote {out}\n"
    )
    (service,) = load([out]).services
    assert [o.name for o in service.spec.objectives] == ["cart-ok"]


def test_import_without_kind_or_team_asks_for_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bare.yaml"
    path.write_text(_slo("cart", "cart-ok"))
    assert run(["import", "openslo", str(path), "--team", "ops"]) == 2
    assert capsys.readouterr().err == (
        f"error: {path}:3: cart-ok: no kind: give --kind operational|application, or the slokit.dev/kind "
        "label\n"
    )
    assert run(["import", "openslo", str(path), "--kind", "operational"]) == 2
    assert capsys.readouterr().err == (
        f"error: {path}:3: cart-ok: no team: give --team, or the slokit.dev/team annotation\n"
    )


def test_import_email_fills_the_owners_and_the_shop_example_validates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "shop.yaml"
    assert run(["import", "openslo", str(SHOP), "--email", "sre@example.com", "-o", str(out)]) == 0
    (service,) = load([out]).services
    assert service.spec.owners.operational is not None and service.spec.owners.application is not None
    assert service.spec.owners.operational.email == ["sre@example.com"]
    assert service.spec.owners.application.email == ["sre@example.com"]
    assert run(["validate", str(out)]) == 0


def test_import_a_converted_document_slokit_refuses_is_not_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad-email.yaml"
    path.write_text(_slo("cart", "cart-ok"))
    out = tmp_path / "cart.yaml"
    code = run(
        [
            "import",
            "openslo",
            str(path),
            "--kind",
            "operational",
            "--team",
            "ops",
            "--email",
            "nope",
            "-o",
            str(out),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"error: {path}: cart: the converted definition is invalid: owners.operational.email[0]: "
    )
    assert not out.exists()


def test_import_sloth_examples_writes_one_file_per_service(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    examples = Path(__file__).resolve().parents[2] / "docs" / "examples-sloth.yaml"
    folder = tmp_path / "slos"
    assert run(["import", "sloth", str(examples), "--out-dir", str(folder)]) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["checkout.yaml", "payments.yaml", "search.yaml"]
    assert run(["validate", str(folder)]) == 0


def test_import_sloth_raw_sli_is_an_error_line_and_the_rest_is_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sloth.yaml"
    path.write_text(
        """version: prometheus/v1
service: cart
labels: {owner: cart-dev}
slos:
  - name: ok
    objective: 99
    sli:
      events:
        error_query: sum(rate(cart_errors_total[{{.window}}]))
        total_query: sum(rate(cart_total[{{.window}}]))
  - name: ratio
    objective: 99
    sli:
      raw:
        error_ratio_query: cart:error_ratio
"""
    )
    assert run(["import", "sloth", str(path), "--kind", "application"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"error: {path}:11: ratio: a raw error ratio")
    assert "- name: ok" in captured.out and "name: ratio" not in captured.out


def test_import_out_dir_writes_all_or_nothing_when_the_disk_fills_up(
    two_services: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    folder = tmp_path / "slos"
    folder.mkdir()
    calls: list[int] = []
    real_fsync = os.fsync

    def full_on_second(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full_on_second)
    args = [
        "import",
        "openslo",
        str(two_services),
        "--kind",
        "operational",
        "--team",
        "ops",
        "--out-dir",
        str(folder),
    ]
    assert run(args) == 74
    assert capsys.readouterr().err == (
        f"error: {folder / 'search.yaml'}: not written (No space left on device); nothing written\n"
    )
    assert list(folder.iterdir()) == []  # the first file, complete, was not put in place either
