"""Real projects, no flags: does `alembic-guard check <repository root>` analyse every
environment, and does `graph` give the heads Alembic's own RevisionMap gives? (issue 12)

    python benchmarks/real_world_discovery.py [--graph-only] [ROOT ...]

Default ROOTs: every folder of /work/realworld (read-only checkouts of public projects; their
code is never copied into this repository). For each repository:

1. `alembic-guard graph <root> --format json` (and, unless --graph-only, `check <root> --format
   json`), with no flags, from an unrelated working directory;
2. for every environment reported, the expected heads: Alembic's `RevisionMap` (imported from
   Alembic itself) over the revision files of that environment's version locations. The headers
   (`revision`, `down_revision`) are read here with a separate, minimal `ast` reader — not
   alembic-guard's — and nothing of the project is imported or run;
3. a row per environment: revisions, our heads, Alembic's heads, match, dialect and why.

Exit 1 when a repository yields no environment, a command fails (exit 2), or heads differ.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REALWORLD = Path("/work/realworld")
TOOL = [sys.executable, "-m", "alembic_guard"]


def header(path: Path) -> tuple[str | None, tuple[str, ...]]:
    """(revision, down_revisions) from module-level literal assignments; (None, ()) otherwise."""
    try:
        tree = ast.parse(path.read_bytes())
    except (SyntaxError, ValueError, OSError):
        return None, ()
    values: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for t in targets:
            if isinstance(t, ast.Name) and t.id in ("revision", "down_revision"):
                try:
                    values[t.id] = ast.literal_eval(value)
                except ValueError:
                    pass
    rev = values.get("revision")
    down = values.get("down_revision")
    downs = (down,) if isinstance(down, str) else tuple(down or ())
    return (rev if isinstance(rev, str) else None), tuple(d for d in downs if isinstance(d, str))


def files(locations: list[Path], recursive: bool) -> list[Path]:
    out = []
    for loc in locations:
        if not loc.is_dir():
            continue
        walker = os.walk(loc) if recursive else [(str(loc), [], os.listdir(loc))]
        for dirpath, dirnames, names in walker:
            dirnames[:] = [d for d in dirnames if d != "__pycache__"]
            out += [Path(dirpath) / n for n in sorted(names)
                    if n.endswith(".py") and not n.startswith("__init__") and (Path(dirpath) / n).is_file()]
    return out


def alembic_heads(root: Path, env: dict) -> tuple[list[str], int, str]:
    """Alembic's heads, the number of revisions, and a note when Alembic itself fails (then the
    heads are computed again with empty parent ids read as none: `down_revision = ""`)."""
    import warnings

    from alembic.script.revision import Revision, RevisionMap

    headers = [header(p) for p in files([root / v for v in env["version_locations"]], env.get("recursive_version_locations", False))]
    headers = [(rid, downs) for rid, downs in headers if rid is not None]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            revs = [Revision(rid, downs or None) for rid, downs in headers]
            return sorted(RevisionMap(lambda: revs).heads), len(revs), ""
        except KeyError as exc:
            revs = [Revision(rid, tuple(d for d in downs if d) or None) for rid, downs in headers]
            return sorted(RevisionMap(lambda: revs).heads), len(revs), f"Alembic raises KeyError({exc}); empty ids read as none"


def run(args: list[str]) -> tuple[int, dict | None, float, str]:
    t = time.perf_counter()
    proc = subprocess.run([*TOOL, *args], capture_output=True, text=True, cwd="/", env={**os.environ, "PYTHONPATH": str(HERE.parent)})
    dt = time.perf_counter() - t
    try:
        doc = json.loads(proc.stdout) if proc.stdout.strip().startswith("{") else None
    except json.JSONDecodeError:
        doc = None
    return proc.returncode, doc, dt, proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""


def graph_envs(doc: dict, root: Path) -> list[tuple[str, dict, list[str]]]:
    """(label, environment info, our heads) from `graph --format json` (one or several)."""
    if "environments" in doc:
        return [(e["label"], e, sorted(e["result"]["heads"])) for e in doc["environments"]]
    check_rc, check_doc, _dt, _err = run(["check", str(root), "--format", "json", "--select", "AG1", "--no-cache"])
    env = (check_doc or {}).get("environments", [{}])[0]
    return [(env.get("label", "?"), env, sorted(doc["heads"]))]


def main(argv: list[str]) -> int:
    graph_only = "--graph-only" in argv
    roots = [Path(a) for a in argv if not a.startswith("--")] or sorted(p for p in REALWORLD.iterdir() if p.is_dir())
    failures = 0
    print(f"{'repository / environment':70} {'revs':>5} {'heads':>5} {'alembic':>7}  ok  dialect")
    for root in roots:
        rc, doc, dt, err = run(["graph", str(root), "--format", "json"])
        if rc != 0 or doc is None:
            print(f"{root.name:70} graph exit {rc}: {err}")
            failures += 1
            continue
        envs = graph_envs(doc, root)
        for label, env, ours in envs:
            expected, count, note = alembic_heads(root, env)
            ok = ours == expected
            failures += not ok
            name = f"{root.name}: {label}"[:70]
            print(f"{name:70} {count:5} {len(ours):5} {len(expected):7}  {'yes' if ok else 'NO '} "
                  f"{env.get('dialect') or 'unknown'} ({env.get('dialect_reason', '')})")
            if note:
                print(f"    note: {note}")
            if not ok:
                print(f"    ours {ours}\n    alembic {expected}")
        if not graph_only:
            rc, cdoc, dt, err = run(["check", str(root), "--format", "json", "--no-cache"])
            n = len((cdoc or {}).get("environments", []))
            bad = rc == 2 or cdoc is None or n != len(envs)
            failures += bad
            summary = (cdoc or {}).get("summary", {})
            print(f"    check: exit {rc}, {n} environment(s) analysed (graph: {len(envs)}), "
                  f"{summary.get('total', '?')} findings, {dt:.1f} s{'  FAILED: ' + err if bad else ''}")
    print("all environments analysed, heads equal Alembic's" if not failures else f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
