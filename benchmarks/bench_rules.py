"""Time ``slokit rules`` on 1,000 generated objectives (200 files of bench_validate's 5 objectives: ratio with
good and bad selectors, latency, time slices, queries, rolling and calendar windows).

Two figures: the whole command as a subprocess (interpreter start-up, imports, loading and validating the
definitions, generating, writing the file), and the generator alone in-process (``build`` + ``render``)
on definitions already loaded. Target (issue 12): the command under 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_validate import median_seconds, write_tree

from slokit.rules import build, render_prometheus
from slokit.spec import load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "defs"
        root.mkdir()
        write_tree(root, args.files)
        out = Path(tmp) / "rules.yaml"
        command, _ = median_seconds(
            [sys.executable, "-m", "slokit", "rules", str(root), "-o", str(out)], args.runs
        )
        size = out.stat().st_size
        definitions = load([root])
        timings = []
        for _ in range(args.runs):
            start = time.perf_counter()
            built = build(definitions)
            render_prometheus([b.group for b in built], definitions.files)
            timings.append(time.perf_counter() - start)
        rules = sum(len(b.group.rules) for b in built)
    objectives = args.files * 5
    print(f"rules: {objectives} objectives, {rules} rules, {size / 1024:.0f} KiB")
    print(f"slokit rules (subprocess): median {command:.3f} s over {args.runs} runs")
    print(f"build + render (in-process): median {statistics.median(timings):.3f} s")


if __name__ == "__main__":
    main()
