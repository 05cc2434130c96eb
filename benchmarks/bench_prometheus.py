"""slokit against a real Prometheus, and google/slo-generator 2.6.0 on the same objectives (issues 4, 13).

Usage: ``python benchmarks/bench_prometheus.py [--fleet both] [--objectives 200] [--runs 5] [--peer-runs 3]``

For each fleet (``--fleet integration``, ``issue13`` or ``both``; see ``benchmarks/prometheus/harness.py``):

1. Starts a promtool-backfilled Prometheus on 127.0.0.1 holding the fleet's data, through the helper the
   integration tests use (``tests/integration/servers.py``):

   * ``integration``: the integration dataset (40 days of 1-minute samples,
     ``tests/integration/promdata.py``) and ``--objectives`` ratio objectives over its label combinations
     (``benchmarks/prometheus/objectives.py``), 30 d window;
   * ``issue13``: issue 13's fleet (``benchmarks/prometheus/fleet.py``): 50 services, each a pair of
     counters ``code="200"``/``code="500"`` sampled every 60 s for 31 days, 4 objectives per service
     (99.9 / 99.5 / 99 / 95, good ``code!~"5.."`` over all codes), 28 d window.

2. Times, interleaved (so that whatever else runs on the shared machine weighs on all alike), after one
   untimed warm-up of each:

   * ``slokit report DIR --format json --at <end of data>`` (``python -m slokit``, interpreter start-up
     included) ``--runs`` times; every objective must come back evaluated;
   * ``slo-generator compute -f DIR -c config.yaml -t <end>`` ``--peer-runs`` times (4-step default policy,
     1,600 instant queries for 200 objectives); its virtualenv is created if missing::

         python3 -m venv /tmp/slogen-venv
         /tmp/slogen-venv/bin/pip install 'setuptools<70' 'slo-generator[prometheus]==2.6.0'

   * the floor (``harness.floor``): a bare client fetching one 1 h-step range per selector over the span
     slokit reads (window + 3 d), ``--floor-threads`` threads, nothing parsed;
   * on ``issue13``, ``slokit check DIR --at <end>`` (``--check-runs`` times; exit 0 or 1: the gate's
     verdict).

Each run's wall, the tool's own user + system CPU and peak RSS (``wait4`` on its pid), Prometheus's CPU over
the run (``/proc/PID/stat`` of the server started here) and the API requests Prometheus counted. Medians.

``--slokit-tree DIR`` runs slokit from another checkout (e.g. ``git archive <commit> | tar -x -C DIR``) for
a before/after pair; ``--slokit-arg`` passes extra options to ``report`` (e.g. ``--resolution full``).

The last line per fleet::

    prometheus[<fleet>]: slokit <S> s (<C> s CPU ...), slo-generator <P> s (...), ratio <P/S>x;
    floor <F> s, slokit/floor <S/F>x[; check <K> s]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.prometheus import harness  # noqa: E402
from benchmarks.prometheus import objectives as bench_objectives  # noqa: E402
from benchmarks.prometheus.harness import Run, Table, median  # noqa: E402

SLOGEN_VERSION = "2.6.0"
SLOGEN_VENV = Path("/tmp/slogen-venv")
SLOGEN_CONFIG = ROOT / "benchmarks" / "prometheus" / "slo_generator_config.yaml"
SLOGEN_STEPS = 4  # the default policy's 1h / 12h / 7d / 28d
TARGET_RATIO = 3.0
TARGET_CPU = 2.0
AIM_FLOOR = 1.5
TARGET_CHECK = 3.0


def check_slokit_output(stdout: str, expected: int) -> None:
    """A fast run that computed nothing would be a lie: every objective must have been evaluated."""
    report = json.loads(stdout)
    objectives = report["objectives"]
    errors = [o for o in objectives if o["status"] == "error" or o["error"] or o["sli"] is None]
    if len(objectives) != expected or errors:
        raise SystemExit(f"slokit report: {len(objectives)} objectives, {len(errors)} errors: {errors[:2]}")


def ensure_slo_generator(venv: Path) -> Path:
    binary = venv / "bin" / "slo-generator"
    if binary.exists():
        return binary
    python = shutil.which("python3") or sys.executable
    print(f"creating {venv} for slo-generator {SLOGEN_VERSION} ...", file=sys.stderr)
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [
            str(venv / "bin" / "pip"),
            *("install", "--quiet", "setuptools<70", f"slo-generator[prometheus]=={SLOGEN_VERSION}"),
        ],
        check=True,
    )
    return binary


def check_slo_generator_output(stdout: str, expected: int) -> None:
    """One INFO line per SLO and policy step; an invalid step is logged as ERROR instead."""
    reports = sum(" | SLI: " in line for line in stdout.splitlines())
    errors = [line for line in stdout.splitlines() if line.startswith(("ERROR", "WARNING"))]
    if reports != expected or errors:
        raise SystemExit(f"slo-generator: {reports} step reports (expected {expected}); {errors[:3]}")


# ------------------------------------------------------------------------------------------------ one fleet


def bench_fleet(name: str, args: argparse.Namespace, workdir: Path) -> tuple[Table, str]:
    data = harness.dataset(name)
    fleet = harness.objectives(name, data, args.objectives)
    n = len(fleet.objectives)
    server = harness.start(name, data, workdir / name)
    try:
        defs = fleet.write_slokit(workdir / name / "slokit")
        base, env = harness.slokit_argv(args.slokit_tree)
        at = fleet.at
        report = [*base, "report", str(defs), "--format", "json", "--prometheus-url", server.url, "--at", at]
        report += args.slokit_arg
        check = [*base, "check", str(defs), "--prometheus-url", server.url, "--at", at]
        peer: list[str] = []
        peer_env: dict[str, str] = {}
        if not args.no_peer:
            binary = ensure_slo_generator(args.slo_generator_venv)
            peer_dir = workdir / name / "slo-generator"
            bench_objectives.write_slo_generator(fleet.objectives, peer_dir, int(fleet.end.timestamp()))
            peer = [str(binary), "compute", "-f", str(peer_dir), "-c", str(SLOGEN_CONFIG)]
            peer += ["-t", str(int(fleet.end.timestamp()))]  # ignored by its Prometheus backend
            peer_env = {**os.environ, "PROMETHEUS_URL": server.url, "COLORED_OUTPUT": "0", "DEBUG": "0"}

        def run_slokit() -> Run:
            run = harness.timed(report, server, env)
            check_slokit_output(run.stdout, n)
            return run

        def run_peer() -> Run:
            run = harness.timed(peer, server, peer_env)
            check_slo_generator_output(run.stdout, SLOGEN_STEPS * n)
            return run

        def run_check() -> Run:
            return harness.timed(check, server, env, ok=lambda code: code in (0, 1))

        # Warm-up (page cache, .pyc files), untimed.
        run_slokit()
        if peer:
            run_peer()
        harness.floor(fleet, server, args.floor_threads)
        slokit_runs: list[Run] = []
        peer_runs: list[Run] = []
        floor_runs: list[Run] = []
        check_runs: list[Run] = []
        floor_bytes = 0
        with_check = name == "issue13" and args.check_runs > 0
        for i in range(max(args.runs, args.peer_runs if peer else 0, args.check_runs if with_check else 0)):
            if i < args.runs:
                slokit_runs.append(run_slokit())
            if peer and i < args.peer_runs:
                peer_runs.append(run_peer())
            if i < args.runs:
                f = harness.floor(fleet, server, args.floor_threads)
                floor_runs.append(f.run)
                floor_bytes = f.bytes
            if with_check and i < args.check_runs:
                check_runs.append(run_check())
    finally:
        server.stop()
        shutil.rmtree(workdir / name, ignore_errors=True)

    table = Table()
    table.add("slokit report", slokit_runs)
    table.add("slo-generator", peer_runs)
    table.add(f"floor ({args.floor_threads} threads, 1h step)", floor_runs)
    table.add("slokit check", check_runs)
    s, c = median(slokit_runs, "wall"), median(slokit_runs, "cpu")
    fl = median(floor_runs, "wall")
    head = f"[{name}] {fleet.description}; data end {at}; floor reads {floor_bytes / 1e6:.1f} MB per run"
    queries, prom = median(slokit_runs, "queries"), median(slokit_runs, "server_cpu")
    line = (
        f"prometheus[{name}]: slokit {s:.2f} s ({c:.2f} s CPU, target <= {TARGET_CPU:g}; "
        f"{queries:.0f} queries, Prometheus CPU {prom:.2f} s)"
    )
    if peer_runs:
        p = median(peer_runs, "wall")
        line += (
            f", slo-generator {p:.2f} s (Prometheus CPU {median(peer_runs, 'server_cpu'):.2f} s), "
            f"ratio {p / s:.1f}x (target >= {TARGET_RATIO:g}x)"
        )
    line += f"; floor {fl:.2f} s, slokit/floor {s / fl:.2f}x (aim {AIM_FLOOR:g}x)"
    if check_runs:
        line += f"; check {median(check_runs, 'wall'):.2f} s (target < {TARGET_CHECK:g} s)"
    return table, f"{head}\n{table.text()}\n{line}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fleet", choices=("integration", "issue13", "both"), default="both")
    parser.add_argument("--objectives", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5, help="timed slokit and floor runs (after one warm-up)")
    parser.add_argument("--peer-runs", type=int, default=3, help="timed slo-generator runs")
    parser.add_argument("--check-runs", type=int, default=5, help="timed `slokit check` runs (issue13 fleet)")
    parser.add_argument("--floor-threads", type=int, default=4)
    parser.add_argument("--no-peer", action="store_true", help="skip slo-generator")
    parser.add_argument("--slokit-tree", type=Path, default=None, help="run slokit from this checkout")
    parser.add_argument("--slokit-arg", action="append", default=[], help="extra `slokit report` option")
    parser.add_argument("--slo-generator-venv", type=Path, default=SLOGEN_VENV)
    args = parser.parse_args()

    print(f"slokit from {harness.slokit_version(args.slokit_tree)}", file=sys.stderr)
    fleets = ("integration", "issue13") if args.fleet == "both" else (args.fleet,)
    workdir = Path(tempfile.mkdtemp(prefix="slokit-bench-prom-"))
    out: list[str] = []
    try:
        for name in fleets:
            _, text = bench_fleet(name, args, workdir)
            print(text, flush=True)
            out.append(text)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(
        "\n  cli CPU: user+system s of the tool's process (wait4), of this script's threads for the floor;"
        "\n  prom CPU: of the Prometheus process over the same run (/proc); queries: API requests Prometheus"
        "\n  counted; RSS: the tool's peak resident set; load: 1-min load average at the start of the run"
    )
    for text in out:
        print(text.splitlines()[-1])


if __name__ == "__main__":
    main()
