"""Run a module as ``__main__`` and write its peak resident set to ``$BENCH_PEAK_FILE`` (kB) at exit.

Usage: ``python benchmarks/prometheus/peak.py MODULE [ARGS...]`` (e.g. ``slokit report DIR``).

Why not the ``ru_maxrss`` that ``wait4`` returns: Linux carries the parent's high-water mark into a forked
child across ``exec`` (``signal->maxrss``), so a benchmark that holds a 200 MB dataset would see every child
peak at 200 MB at least. ``VmHWM`` in ``/proc/self/status`` belongs to the process's own address space,
created by ``exec``, so it is the program's own peak.
"""

from __future__ import annotations

import atexit
import os
import runpy
import sys


def _write_peak() -> None:
    path = os.environ.get("BENCH_PEAK_FILE")
    if not path:
        return
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                with open(path, "w", encoding="ascii") as out:
                    out.write(line.split()[1])
                return


if __name__ == "__main__":
    atexit.register(_write_peak)
    # The script's own directory would come first on sys.path and shadow modules of the same names.
    if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        sys.path.pop(0)
    module = sys.argv[1]
    sys.argv = [module, *sys.argv[2:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
