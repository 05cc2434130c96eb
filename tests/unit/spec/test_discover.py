"""Which files a directory argument loads."""

from __future__ import annotations

from pathlib import Path

from slokit.spec import discover, load

ROOT = Path(__file__).resolve().parents[3]


def test_a_configmap_mount_is_loaded_once(tmp_path: Path) -> None:
    # What kubelet makes of a ConfigMap volume: the files live in a timestamped hidden directory, reached
    # through the "..data" link, and each visible name is a link into it.
    data = tmp_path / "..2026_11_26_13_00_00.123456789"
    data.mkdir()
    (data / "checkout.yaml").write_text((ROOT / "slo_definitions" / "checkout.yaml").read_text())
    (tmp_path / "..data").symlink_to(data.name)
    (tmp_path / "checkout.yaml").symlink_to("..data/checkout.yaml")
    assert discover([tmp_path]) == [tmp_path / "checkout.yaml"]
    assert [s.spec.service for s in load([tmp_path]).services] == ["checkout"]


def test_hidden_directories_and_files_are_skipped(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config.yaml").write_text("not: a definition\n")
    (tmp_path / ".draft.yaml").write_text("not: a definition\n")
    (tmp_path / "team").mkdir()
    (tmp_path / "team" / "svc.yml").write_text((ROOT / "slo_definitions" / "search.yaml").read_text())
    assert discover([tmp_path]) == [tmp_path / "team" / "svc.yml"]


def test_a_hidden_file_named_explicitly_is_loaded(tmp_path: Path) -> None:
    hidden = tmp_path / ".checkout.yaml"
    hidden.write_text((ROOT / "slo_definitions" / "checkout.yaml").read_text())
    assert discover([hidden]) == [hidden]
