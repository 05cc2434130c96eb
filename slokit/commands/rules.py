"""``slokit rules``: write the definitions as Prometheus recording and alerting rules."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from slokit.commands.common import selection
from slokit.errors import UsageError
from slokit.spec.models import KINDS

if TYPE_CHECKING:
    from slokit.report.model import Selection
    from slokit.rules import KubernetesOptions, ObjectiveRules
    from slokit.spec.loader import Definitions


def rules(
    paths: Sequence[Path],
    *,
    out: Path | None = None,
    out_dir: Path | None = None,
    format: str = "prometheus",
    services: Sequence[str] | None = None,
    team: str | None = None,
    namespace: str | None = None,
    labels: Sequence[str] = (),
    alertmanager: bool = False,
    alertmanager_primary: str | None = None,
) -> int:
    """Print the rule file, or write it to ``out``, or one file per service into ``out_dir``.

    ``alertmanager``: the Alertmanager routing for the owners of the selected objectives instead of the
    rules; ``alertmanager_primary``: the kind whose owner receives every alert first."""
    from slokit.fsutil import check_writable, failure, write_atomic
    from slokit.rules import KubernetesOptions, build
    from slokit.spec import load

    if out is not None and out_dir is not None:
        raise UsageError("give --out or --out-dir, not both")
    _check_alertmanager(alertmanager, alertmanager_primary, out_dir, format, namespace, labels)
    if format != "kubernetes" and (namespace is not None or labels):
        raise UsageError("--namespace and --label are for --format kubernetes")
    options = KubernetesOptions(_namespace(namespace), _labels(labels))
    if out_dir is not None and out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir}: not a directory")
    if out is not None:
        check_writable(out)
    definitions = load(list(paths))
    chosen = selection(team, services, None)
    chosen.check(definitions)
    unknown = sorted(set(chosen.services) - {s.spec.service for s in definitions.services})
    if unknown:
        raise UsageError(f"--service {', '.join(unknown)}: no such service in the definitions")
    built = build(definitions, chosen)
    if not built:
        raise UsageError("no objective matches --service/--team")
    if format == "kubernetes" and not alertmanager:
        _check_object_names(item.service for item in built)
    if out_dir is None:
        content = (
            _routing(definitions, chosen, alertmanager_primary)
            if alertmanager
            else _render(built, format, options)
        )
        if out is None:
            typer.echo(content, nl=False)
        else:
            write_atomic(out, content)
        return 0
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file in the way, no permission, a full disk: not "this is a bug"
        raise failure(out_dir, exc, "cannot create this directory") from None
    for service in dict.fromkeys(item.service for item in built):
        path = out_dir / f"{service}.yaml"
        write_atomic(path, _render([i for i in built if i.service == service], format, options))
        typer.echo(f"wrote {path}", err=True)
    return 0


def _check_alertmanager(
    alertmanager: bool,
    primary: str | None,
    out_dir: Path | None,
    format: str,
    namespace: str | None,
    labels: Sequence[str],
) -> None:
    if primary is not None and not alertmanager:
        raise UsageError("--alertmanager-primary is for --alertmanager")
    if primary is not None and primary not in KINDS:
        raise UsageError(f"--alertmanager-primary must be {' or '.join(KINDS)} (got {primary!r})")
    if alertmanager and (out_dir is not None or format != "prometheus" or namespace is not None or labels):
        raise UsageError("--alertmanager writes one routing file: not with --out-dir, --format or --label")


def _routing(definitions: Definitions, chosen: Selection, primary: str | None) -> str:
    from slokit.rules.alertmanager import render

    kind = next((k for k in KINDS if k == primary), None)  # narrowed to the Kind literal for the type checker
    return render(definitions, chosen, kind)


def _render(built: Sequence[ObjectiveRules], format: str, options: KubernetesOptions) -> str:
    from slokit.rules import render_kubernetes, render_prometheus

    files = [item.file for item in built]
    if format == "kubernetes":
        services = dict.fromkeys(item.service for item in built)
        by_service = [(s, [i.group for i in built if i.service == s]) for s in services]
        return render_kubernetes(by_service, files, options)
    return render_prometheus([item.group for item in built], files)


def _check_object_names(services: Iterable[str]) -> None:
    """Two services whose PrometheusRule names are the same (``a_b`` and ``a-b``, ``API`` and ``api``):
    applied, the second object would replace the first and its rules would be lost without a word."""
    from slokit.rules.render import kube_name

    seen: dict[str, str] = {}
    for service in dict.fromkeys(services):
        name = kube_name(service)
        if name in seen:
            raise UsageError(
                f"--format kubernetes: services {seen[name]} and {service} would both be the PrometheusRule "
                f"{name}: rename one, or generate each with --service into its own --namespace"
            )
        seen[name] = service


# Kubernetes' own syntax (apimachinery validation): what the API server would refuse, refused here first.
_K8S_NAME = re.compile(r"([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?")
_K8S_PREFIX = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_K8S_NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


def _labels(given: Sequence[str]) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    for item in given:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"--label {item!r}: give NAME=VALUE")
        prefix, slash, name = key.rpartition("/")
        if (
            not name
            or not _K8S_NAME.fullmatch(name)
            or (slash and (len(prefix) > 253 or not _K8S_PREFIX.fullmatch(prefix)))
        ):
            raise UsageError(
                f"--label {item!r}: a Kubernetes label name is [prefix/]name, the name up to 63 letters, "
                "digits, '-', '_' or '.', starting and ending with a letter or digit"
            )
        if not _K8S_NAME.fullmatch(value):
            raise UsageError(
                f"--label {item!r}: a Kubernetes label value is empty or up to 63 letters, digits, '-', '_' "
                "or '.', starting and ending with a letter or digit"
            )
        if any(existing == key for existing, _ in pairs):
            # Both would be written: a mapping with a duplicate key, which kubectl refuses.
            raise UsageError(f"--label {item!r}: {key} is given twice")
        pairs.append((key, value))
    return tuple(pairs)


def _namespace(namespace: str | None) -> str | None:
    if namespace is not None and not _K8S_NAMESPACE.fullmatch(namespace):
        raise UsageError(
            f"--namespace {namespace!r}: a Kubernetes namespace is up to 63 lower-case letters, digits or "
            "'-', starting and ending with a letter or digit"
        )
    return namespace
