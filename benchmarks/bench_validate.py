"""Time ``slokit validate`` on 500 generated definition files (5 objectives each) and ``slokit --version``.

Both run as subprocesses, the way a user or a pre-commit hook runs them, so interpreter start-up and
imports are part of the figure. Prints the median of several runs; targets (issue 2): validate < 1.5 s,
--version < 0.25 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SERVICE = """\
apiVersion: slokit/v1
service: svc-{n:03d}
description: Generated service {n}
owners:
  operational: {{team: ops-{n}, email: [ops-{n}@example.com]}}
  application: {{team: dev-{n}, email: [dev-{n}@example.com]}}
window: 30d
labels: {{tier: "{tier}"}}
objectives:
  - name: availability
    kind: operational
    target: 99.9
    sli:
      ratio:
        good: http_requests_total{{job="svc-{n}",code!~"5.."}}
        total: http_requests_total{{job="svc-{n}"}}
  - name: latency
    kind: application
    target: 99
    window: 7d
    sli:
      latency:
        histogram: http_request_duration_seconds{{job="svc-{n}"}}
        threshold: 0.25
  - name: uptime
    kind: operational
    target: 99.95
    sli:
      timeslices:
        query: min(probe_success{{job="blackbox",target="svc-{n}"}})
        good: ">= 1"
        slice: 1m
  - name: errors
    kind: application
    target: 99.5
    sli:
      ratio:
        bad: app_errors_total{{job="svc-{n}"}}
        total: app_requests_total{{job="svc-{n}"}}
  - name: custom
    kind: application
    target: 99.5
    window: {{calendar: month, timezone: Europe/Berlin}}
    sli:
      ratio:
        good_query: sum(increase(app_ok_total{{job="svc-{n}"}}[{{{{ window }}}}]))
        total_query: sum(increase(app_all_total{{job="svc-{n}"}}[{{{{ window }}}}]))
policy: {{warn_below: 25, freeze_on: exhausted, postmortem_over: 20}}
"""


def write_tree(root: Path, files: int) -> None:
    for n in range(files):
        folder = root / f"team-{n % 10}"
        folder.mkdir(exist_ok=True)
        (folder / f"svc-{n:03d}.yaml").write_text(SERVICE.format(n=n, tier=n % 3 + 1))


def median_seconds(argv: list[str], runs: int) -> tuple[float, str]:
    timings = []
    output = ""
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, check=True)
        timings.append(time.perf_counter() - start)
        output = done.stdout.strip()
    return statistics.median(timings), output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    slokit = [sys.executable, "-m", "slokit"]
    with tempfile.TemporaryDirectory() as tmp:
        write_tree(Path(tmp), args.files)
        validate, summary = median_seconds([*slokit, "validate", tmp], args.runs)
    version, _ = median_seconds([*slokit, "--version"], args.runs)
    print(f"validate: {summary}")
    print(f"validate: {args.files} files x 5 objectives: median {validate:.3f} s over {args.runs} runs")
    print(f"version: median {version:.3f} s over {args.runs} runs")


if __name__ == "__main__":
    main()
