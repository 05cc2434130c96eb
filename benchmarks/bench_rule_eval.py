"""Prometheus's rule evaluation time: slokit's generated rules against Sloth-style rules (issue 12).

Usage: ``python benchmarks/bench_rule_eval.py [--objectives 200] [--interval 10] [--samples 5] [--rounds 2]``

1. The integration dataset (``tests/integration/promdata.py``, 40 days of 1-minute counters) shifted in time
   so that it ends a minute or two from now, at ``T_END`` (a whole minute), and backfilled with
   promtool into a Prometheus on 127.0.0.1 (``tests/integration/servers.py``, as ``bench_prometheus.py``).
   Prometheus evaluates rules at the wall-clock now, so the data must end at now, not on its fixed 2026 date.
2. The 200 ratio objectives of ``benchmarks/prometheus/objectives.py`` (30 d window) and
   ``slokit rules`` on them (one group per objective, 34 rules each).
3. The history of slokit's recorded step series: its long windows (30m ... 30d) are ``sum_over_time`` of the
   5-minute records, which a freshly loaded rule file does not have. The two step rules of every group
   (events total and bad, the only ones that read raw series) are evaluated over the 30 days before
   ``T_END`` at 5-minute steps by ``query_range`` (the evaluation ``promtool tsdb create-blocks-from rules``
   makes, which cuts the range into 2-hour blocks and would send 144,000 queries here; the bad rule's
   reference to the recorded total is replaced by its expression, as the backfill tool cannot see records
   of the same file) and written as TSDB blocks with ``promtool tsdb create-blocks-from openmetrics``, moved
   into the running server's storage; the script waits until Prometheus has merged them with the raw blocks
   they overlap (vertical compaction, on its minutely cycle), so that no compaction runs while measuring. At
   steady state a 30-day window of a recorded series holds 8,640 points; here 8,411 on average (a step
   whose selectors have no samples, as in the dataset's scrape gap, records nothing).
4. Sloth-style rules written here: for each objective and each window 5m, 30m, 1h, 2h, 6h, 1d, 3d and 30d,
   ``1 - sum(rate(good[W])) / sum(rate(total[W]))`` (Sloth's period ratio without its optimisation, i.e.
   ``--disable-optimizations``: the 30d ratio also from raw selectors). The objectives have good and total
   selectors, no bad one; ``error/total`` with ``error = total - good`` would read the total twice, so the
   cheaper form that reads each selector once is used. One group per objective, 8 recording rules, as
   Sloth's ``sloth-slo-sli-recordings-*`` groups; Sloth's alert and metadata groups are left out (they read
   the recorded ratios). slokit's file is used whole (records, budget and its 6 alert rules).
5. After ``T_END`` (the raw blocks and the head must not overlap), Prometheus restarts on the same storage
   with one rule file at a time, switched by ``/-/reload``, alternating slokit and Sloth ``--rounds`` times.
   Both files get the same group interval (``--interval``, default 30 s, so that a few evaluations take a
   few minutes; slokit's own ``interval: 5m`` is overridden; at 10 s the Sloth-style file overran its
   interval on 2 CPUs and the sums measured queueing). After one warm-up evaluation the script reads
   ``/api/v1/rules`` once per interval, ``--samples`` times, and sums ``evaluationTime`` over all groups:
   the cost of one evaluation of the whole file. Figures: median of the samples, per round and overall,
   plus the Prometheus process's CPU seconds per interval during the sampling (``/proc``).

The data ends at ``T_END``; the evaluations happen in the minutes after it, so the 5-minute raw windows
hold a little less than 5 minutes of samples (both files alike); the long windows are not affected.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.prometheus import objectives as bench_objectives  # noqa: E402
from tests.integration import servers  # noqa: E402
from tests.integration.promdata import END_TS, Dataset, Series  # noqa: E402

STEP = 300  # slokit's evaluation step for these 30 d objectives
WINDOW_DAYS = 30
SLOTH_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d")
SETUP_SECONDS = 120  # generation, backfill and the recorded history take 45-60 s on 2 quiet CPUs
_RULE_LINE = re.compile(r"^(    interval: )5m$", re.MULTILINE)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def shifted(data: Dataset, end: int) -> Dataset:
    """The dataset moved in time so that its last sample is at ``end``."""
    shift = end - END_TS
    series = [Series(s.name, dict(s.labels), s.kind, s.timestamps + shift, s.values) for s in data.series]
    return Dataset(series, data.families)


# ------------------------------------------------------------------------------------------ rule files


def slokit_rules(defs: Path, out: Path, interval: int) -> tuple[Path, dict[str, object]]:
    """``slokit rules`` on the definitions; returns the file with the group interval overridden and the
    parsed original."""
    raw = out.with_suffix(".orig.yml")
    subprocess.run([sys.executable, "-m", "slokit", "rules", str(defs), "-o", str(raw)], check=True, cwd=ROOT)
    text = raw.read_text(encoding="utf-8")
    parsed = yaml.load(text, Loader=yaml.CSafeLoader)
    groups = len(parsed["groups"])
    text, n = _RULE_LINE.subn(rf"\g<1>{interval}s", text)
    if n != groups:
        raise SystemExit(f"expected {groups} 'interval: 5m' lines in slokit's output, found {n}")
    out.write_text(text, encoding="utf-8")
    return out, parsed


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def sloth_rules(objectives: list[bench_objectives.RatioObjective], out: Path, interval: int) -> Path:
    lines = ["groups:"]
    for o in objectives:
        lines += [f"  - name: {_q(f'sloth-slo-sli-recordings-{o.service}-{o.name}')}"]
        lines += [f"    interval: {interval}s", "    rules:"]
        for w in SLOTH_WINDOWS:
            expr = f"1 - sum(rate({o.good}[{w}])) / sum(rate({o.total}[{w}]))"
            lines += [
                f"    - record: 'slo:sli_error:ratio_rate{w}'",
                f"      expr: {_q(expr)}",
                "      labels:",
                f"        sloth_service: {_q(o.service)}",
                f"        sloth_slo: {_q(o.name)}",
                f"        sloth_window: {_q(w)}",
            ]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


@dataclass(frozen=True)
class StepRule:
    record: str
    expr: str
    labels: dict[str, str]


def step_rules(parsed: dict[str, object]) -> list[StepRule]:
    """The rules of each group that read raw series (the 5-minute step records), self-contained: a
    reference to a record of the same group is replaced by that record's expression."""
    found: list[StepRule] = []
    groups = parsed["groups"]
    assert isinstance(groups, list)
    for group in groups:
        expanded: dict[str, str] = {}
        for rule in group["rules"]:
            record = rule.get("record", "")
            if not record.endswith(f":increase{STEP // 60}m") or "sum_over_time" in rule["expr"]:
                continue
            labels = rule["labels"]
            expr = rule["expr"]
            for ref, sub in expanded.items():
                expr = expr.replace(ref, f"({sub})")
            if "slokit:" in expr:
                raise SystemExit(f"{group['name']}: {record} still reads a record: {expr}")
            ref = f'{record}{{service="{labels["service"]}",objective="{labels["objective"]}"}}'
            expanded[ref] = expr
            found.append(StepRule(record, expr, dict(labels)))
    return found


def backfill_records(
    url: str, rules: list[StepRule], end: int, work: Path, storage: Path, days: int = WINDOW_DAYS
) -> int:
    """Evaluate the step rules over the ``days`` before ``end`` at 5-minute steps and add the results to
    ``storage`` as blocks. Returns the number of samples written."""
    start = end - days * 86400
    families: dict[str, list[str]] = {}
    samples = 0
    with requests.Session() as http:
        for r in rules:
            resp = http.post(
                url + "/api/v1/query_range",
                data={"query": r.expr, "start": start, "end": end, "step": STEP},
                timeout=300,
            )
            resp.raise_for_status()
            result = resp.json()["data"]["result"]
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(r.labels.items()))
            out = families.setdefault(r.record, [])
            for series in result:
                for ts, value in series["values"]:
                    out.append(f"{r.record}{{{labels}}} {value} {int(ts)}\n")
                    samples += 1
    om = work / "records.om"
    with om.open("w", encoding="utf-8") as f:
        for name, lines in families.items():
            f.write(f"# TYPE {name} gauge\n")
            f.writelines(lines)
        f.write("# EOF\n")
    blocks = work / "record-blocks"
    subprocess.run(
        [
            "promtool",
            *("tsdb", "create-blocks-from", "openmetrics", "--quiet", "--max-block-duration=1458h"),
            *(str(om), str(blocks)),
        ],
        check=True,
    )
    for block in blocks.iterdir():
        if block.is_dir():
            shutil.move(str(block), storage / block.name)
    om.unlink()
    return samples


def _overlaps(storage: Path) -> int:
    spans = []
    for meta in storage.glob("*/meta.json"):
        block = json.loads(meta.read_text())
        spans.append((block["minTime"], block["maxTime"]))
    spans.sort()
    return sum(1 for a, b in itertools.pairwise(spans) if b[0] < a[1])


def wait_merged(storage: Path, timeout: float = 600.0) -> float:
    """Wait until the server running on ``storage`` has merged the record blocks into the raw blocks they
    overlap. Prometheus does that (vertical compaction) on its minutely compaction cycle, which would
    otherwise run during the measurements."""
    t0 = time.monotonic()
    while _overlaps(storage):
        if time.monotonic() - t0 > timeout:
            raise SystemExit(f"overlapping blocks in {storage} not merged after {timeout:.0f} s")
        time.sleep(2)
    return time.monotonic() - t0


# ------------------------------------------------------------------------------------------- measuring


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _groups(url: str) -> list[dict[str, object]]:
    resp = requests.get(url + "/api/v1/rules", timeout=60)
    resp.raise_for_status()
    groups: list[dict[str, object]] = resp.json()["data"]["groups"]
    return groups


def _config(path: Path, rule_file: Path, interval: int) -> None:
    path.write_text(
        f"global: {{evaluation_interval: {interval}s}}\nscrape_configs: []\nrule_files: ['{rule_file}']\n",
        encoding="utf-8",
    )


@dataclass
class Phase:
    name: str
    sums: list[float]  # evaluationTime summed over the groups, one per sample
    cpu_per_interval: float
    groups: int
    rules: int
    unhealthy: int


def measure(
    server: servers.Server, config: Path, rule_file: Path, name: str, interval: int, samples: int
) -> Phase:
    _config(config, rule_file, interval)
    requests.post(server.url + "/-/reload", timeout=120).raise_for_status()
    expected = {g["name"] for g in yaml.load(rule_file.read_text(), Loader=yaml.CSafeLoader)["groups"]}
    deadline = time.monotonic() + 20 * interval
    # Warm-up: wait until every group has been evaluated once since the reload (a cold first evaluation).
    evaluated: dict[str, set[str]] = {}
    while time.monotonic() < deadline:
        groups = _groups(server.url)
        if {str(g["name"]) for g in groups} == expected:
            for g in groups:
                evaluated.setdefault(str(g["name"]), set()).add(str(g["lastEvaluation"]))
            if all(len(v - {"0001-01-01T00:00:00Z"}) >= 1 for v in evaluated.values()):
                break
        time.sleep(interval / 4)
    else:
        raise SystemExit(f"{name}: the groups were not evaluated within {20 * interval} s")
    sums: list[float] = []
    cpu0, t0 = _cpu_seconds(server.process.pid), time.monotonic()
    groups = _groups(server.url)
    seen = {str(g["name"]): str(g["lastEvaluation"]) for g in groups}
    while len(sums) < samples:
        time.sleep(interval)
        groups = _groups(server.url)
        fresh = {str(g["name"]): str(g["lastEvaluation"]) for g in groups}
        if all(fresh[k] != seen[k] for k in seen):
            sums.append(sum(float(str(g["evaluationTime"])) for g in groups))
            seen = fresh
    cpu = (_cpu_seconds(server.process.pid) - cpu0) / ((time.monotonic() - t0) / interval)
    rules = sum(len(g["rules"]) for g in groups)  # type: ignore[arg-type]
    unhealthy = sum(1 for g in groups for r in g["rules"] if r["health"] != "ok")  # type: ignore[attr-defined]
    return Phase(name, sums, cpu, len(groups), rules, unhealthy)


def start_ruler(workdir: Path, config: Path, interval: int) -> servers.Server:
    storage = workdir / "prometheus" / "tsdb"

    def argv(port: int) -> list[str]:
        return [
            "prometheus",
            f"--config.file={config}",
            f"--storage.tsdb.path={storage}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--web.enable-lifecycle",
            "--storage.tsdb.retention.time=100y",
            "--storage.tsdb.min-block-duration=2h",
            "--storage.tsdb.max-block-duration=2h",
            "--log.level=warn",
        ]

    return servers._start("prometheus", argv, "/-/ready", workdir / "ruler.log")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objectives", type=int, default=200)
    parser.add_argument("--interval", type=int, default=30, help="group interval of both files, seconds")
    parser.add_argument("--samples", type=int, default=5, help="evaluations read per phase")
    parser.add_argument("--rounds", type=int, default=1, help="slokit/Sloth alternations")
    args = parser.parse_args()

    end = math.ceil((time.time() + SETUP_SECONDS) / 60) * 60
    print(f"data end T_END {_iso(end)}", file=sys.stderr)
    workdir = Path(tempfile.mkdtemp(prefix="slokit-bench-ruleeval-"))
    server: servers.Server | None = None
    phases: list[Phase] = []
    try:
        data = shifted(servers.dataset(), end)
        objectives = bench_objectives.build(data, args.objectives)
        bench_objectives.write_slokit(objectives, workdir / "defs")
        slokit_file, parsed = slokit_rules(workdir / "defs", workdir / "slokit.yml", args.interval)
        sloth_file = sloth_rules(objectives, workdir / "sloth.yml", args.interval)
        (workdir / "prometheus").mkdir()
        server = servers.start_prometheus(workdir / "prometheus", data)
        t0 = time.perf_counter()
        written = backfill_records(
            server.url, step_rules(parsed), end, workdir, workdir / "prometheus" / "tsdb"
        )
        print(f"recorded history: {written} samples in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        merged = wait_merged(workdir / "prometheus" / "tsdb")
        print(f"overlapping blocks merged by Prometheus in {merged:.0f} s", file=sys.stderr)
        server.stop()
        server = None
        wait = end + 2 - time.time()
        print(f"waiting {max(wait, 0):.0f} s for T_END", file=sys.stderr)
        if wait > 0:
            time.sleep(wait)
        late = time.time() - end
        config = workdir / "ruler.yml"
        _config(config, slokit_file, args.interval)
        server = start_ruler(workdir, config, args.interval)
        for _ in range(args.rounds):
            for name, rule_file in (("slokit", slokit_file), ("sloth-style", sloth_file)):
                phase = measure(server, config, rule_file, name, args.interval, args.samples)
                phases.append(phase)
                print(
                    f"  {name:<12} {phase.groups} groups {phase.rules} rules ({phase.unhealthy} unhealthy), "
                    f"sum of evaluationTime per evaluation: "
                    f"{', '.join(f'{s:.3f}' for s in phase.sums)} s; "
                    f"Prometheus CPU {phase.cpu_per_interval:.2f} s per interval",
                    file=sys.stderr,
                )
        finished = time.time() - end
        # What a 30-day window of slokit's recorded series holds: backfilled history plus the live records.
        points = servers._instant(
            server.url, "avg(count_over_time(slokit:sli_events_total:increase5m[30d]))", time.time()
        )
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    print(
        f"\n{args.objectives} objectives, data ending {_iso(end)}, rules evaluated "
        f"{late:.0f}-{finished:.0f} s after it, group interval {args.interval} s for both, "
        f"load {os.getloadavg()[0]:.2f}"
    )
    print(f"slokit's recorded step series hold {points or 0:.0f} points over 30 d on average")
    medians: dict[str, float] = {}
    for name in ("slokit", "sloth-style"):
        mine = [p for p in phases if p.name == name]
        all_sums = [s for p in mine for s in p.sums]
        medians[name] = statistics.median(all_sums)
        per_round = ", ".join(f"{statistics.median(p.sums):.3f}" for p in mine)
        cpu = statistics.median(p.cpu_per_interval for p in mine)
        print(
            f"{name:<12} {mine[0].groups} groups, {mine[0].rules} rules: median {medians[name]:.3f} s "
            f"(per round {per_round}; runs {min(all_sums):.3f}-{max(all_sums):.3f}), "
            f"Prometheus CPU {cpu:.2f} s per {args.interval} s interval"
        )
    s, p = medians["slokit"], medians["sloth-style"]
    print(f"rule evaluation: slokit {s:.3f} s, sloth-style {p:.3f} s, ratio {p / s:.1f}x")


if __name__ == "__main__":
    main()
