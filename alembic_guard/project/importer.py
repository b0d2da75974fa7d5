"""`--import`: load revision files with Alembic's own loader — this EXECUTES them.

Opt-in only (`settings.allow_import`). Each file is loaded with `alembic.util.load_python_file`
(what `ScriptDirectory` uses) in a separate Python process, with the project's
`prepend_sys_path` in front of `sys.path`, as `alembic` would run it. The child reports one JSON
line per file on a private pipe (the files' own prints go to stderr, which is discarded), so:

- a file that raises (ImportError, KeyError, `sys.exit()`) becomes an AG003 finding with its
  exception text and line;
- a file that kills the process (`os._exit`) or does not finish within `import_timeout` seconds
  becomes an AG003 finding, and loading resumes with the next file in a fresh process;
- header values that static reading could not resolve (AG004) are taken from what Alembic saw.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from alembic_guard.findings import Location
from alembic_guard.project.problems import LoadProblem

if TYPE_CHECKING:
    from alembic_guard.project import Project

CHILD = r"""
import json, os, sys, traceback
proto = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)          # the revision files' prints must not corrupt the protocol
sys.stdout = sys.stderr
job = json.loads(sys.stdin.readline())
sys.path[:0] = job["sys_path"]
from alembic.util import load_python_file

def norm(v):
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, (tuple, list, set, frozenset)):
        return [x if isinstance(x, str) else repr(x) for x in v]
    return repr(v)

for path in job["files"]:
    proto.write(json.dumps({"start": path}) + "\n")
    out = {"path": path}
    try:
        module = load_python_file(os.path.dirname(path), os.path.basename(path))
        if not hasattr(module, "revision"):
            raise AttributeError("module has no attribute 'revision'")
        out["values"] = {"revision": norm(module.revision), "down_revision": norm(module.down_revision)}
        for name in ("branch_labels", "depends_on"):
            out["values"][name] = norm(getattr(module, name, None))
    except BaseException as exc:  # SystemExit and KeyboardInterrupt too: report, go on
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if os.path.abspath(f.filename) == os.path.abspath(path)]
        out["error"] = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        out["line"] = frames[-1].lineno if frames else None
    proto.write(json.dumps(out) + "\n")
proto.write(json.dumps({"done": True}) + "\n")
"""


def _run(files: list[str], sys_path: list[str], cwd: Path, timeout: float) -> tuple[dict[str, dict], str | None, str | None]:
    """Load `files` in one child. Returns (results by path, the file that stopped the child, why)."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=str(cwd),
        env=env,
        start_new_session=True,
    )
    results: dict[str, dict] = {}
    current: str | None = None
    why: str | None = None
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write((json.dumps({"files": files, "sys_path": sys_path}) + "\n").encode())
        proc.stdin.close()
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        buf = b""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                why = f"did not finish loading within {timeout:g} s (--import-timeout)"
                break
            if not sel.select(left):
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                code = proc.wait()
                if current is not None:
                    why = f"ended the loading process (exit code {code}) while being imported"
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                if "start" in msg:
                    current = msg["start"]
                    deadline = time.monotonic() + timeout
                elif "path" in msg:
                    results[msg["path"]] = msg
                    current = None
                elif msg.get("done"):
                    return results, None, None
        return results, current, why
    finally:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def load_with_alembic(files: list[Path], sys_path: list[Path], cwd: Path, timeout: float) -> dict[str, dict]:
    """{path: {"values": {...}} | {"error": text, "line": n}} for every file, whatever the files do."""
    todo = [str(f) for f in files]
    out: dict[str, dict] = {}
    while todo:
        results, culprit, why = _run(todo, [str(p) for p in sys_path], cwd, timeout)
        out.update(results)
        if culprit is None:
            # the child vanished between files, or timed out before its first file (slow start-up,
            # a tiny --import-timeout): report the rest as not loaded rather than start it again
            for path in todo:
                out.setdefault(path, {"error": why or "the loading process ended unexpectedly", "line": None})
            break
        if culprit is not None:
            out[culprit] = {"error": why or "the loading process stopped", "line": None}
        done = set(out)
        todo = [p for p in todo if p not in done]
    return out


def apply_import(project: "Project") -> None:
    """Fill unresolved header values from Alembic's loader; record files it cannot load."""
    layout = project.layout
    migrations = {str(m.path): m for m in project.migrations}
    if not migrations:
        return
    sys_path = [*layout.prepend_sys_path] or [layout.root]
    results = load_with_alembic(list(m.path for m in project.migrations), sys_path, layout.root, project.settings.import_timeout)
    problems: list[LoadProblem] = []
    for path, res in results.items():
        mig = migrations.get(path)
        if mig is None:
            continue
        if "error" in res:
            line = res.get("line")
            problems.append(LoadProblem(
                "import-error",
                Location(mig.relpath, line, 1 if line else None, revision=mig.revision_id),
                f"Alembic cannot load `{mig.relpath}`: {res['error']}",
                hint="revision files are imported by every alembic command: import only alembic/sqlalchemy "
                "(and what the migration environment provides) at module level",
            ))
            continue
        for name, value in (res.get("values") or {}).items():
            if name in mig.unresolved:
                value = tuple(value) if isinstance(value, list) else value
                mig.values[name] = value
                mig.imported_values[name] = value
    project.import_problems = tuple(sorted(problems, key=lambda p: str(p.location.path)))
    project.__dict__.pop("graph", None)
    project.__dict__.pop("by_revision", None)
