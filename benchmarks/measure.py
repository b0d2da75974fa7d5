"""One way to time a whole command for every benchmark: wall time, CPU time and peak memory.

The command runs as the only child of a fresh measuring interpreter, so that interpreter's
RUSAGE_CHILDREN figures are exactly the command's: CPU time (user+sys of the command and every
process it forks or waits for) and peak RSS (the largest of those processes). CPU time is robust
to other load on a shared machine; wall time is what a user waits.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

_CHILD = (
    "import json, resource, subprocess, sys, time\n"
    "cmd, shell = json.loads(sys.argv[1]), sys.argv[2] == '1'\n"
    "r0 = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "t = time.perf_counter()\n"
    "p = subprocess.run(cmd, shell=shell, capture_output=True, text=True)\n"
    "dt = time.perf_counter() - t\n"
    "r1 = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)\n"
    "sys.stderr.write((p.stdout + p.stderr)[-2000:])\n"
    "print(dt, cpu, r1.ru_maxrss, p.returncode)\n"
)


class Measured(NamedTuple):
    wall: float  # seconds
    cpu: float  # seconds, user+sys of the command's process tree
    rss_mb: float  # peak resident memory of its largest process
    rc: int
    output: str  # the tail of what it printed


def measure(cmd: list[str] | str, env: dict[str, str] | None = None, cwd: Path | str | None = None) -> Measured:
    """Run `cmd` (a list, or a shell string) once and measure it (see module docstring)."""
    import json

    shell = isinstance(cmd, str)
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(cmd), "1" if shell else "0"],
        capture_output=True, text=True, env=env, cwd=cwd, check=True,
    )
    dt, cpu, rss_kb, rc = out.stdout.split()
    return Measured(float(dt), float(cpu), int(rss_kb) / 1024, int(rc), out.stderr)
