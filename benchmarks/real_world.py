#!/usr/bin/env python3
"""Real-world precision routine: run `alembic-guard check` on every environment of real projects.

    python benchmarks/real_world.py                 # run, print counts per rule, diff, triage status
    python benchmarks/real_world.py --update        # also store these counts as the new "last run"
    python benchmarks/real_world.py --only lemur    # one environment (or several, repeatable)
    python benchmarks/real_world.py --unlabelled    # list the findings the triage file does not cover
    python benchmarks/real_world.py --against benchmarks/real_world_counts_baseline.json  # vs the run before issue 13

Inputs (all committed beside this script):
- `real_world.json`: the environments: project folder under `root`, the commit it was triaged at,
  the folder to run from and the `check` flags (-c / -n / --script-location / --app-path ...).
  Folders that are not checked out are skipped (and said so).
- `real_world_counts.json`: counts per environment and rule of the last `--update` run; the run
  prints the difference (rule, environment, before -> now).
- `triage.csv`: findings read one by one: repo, commit, path, line, rule, verdict
  (right / wrong / debatable), found_in (`baseline`: a finding of the run before the precision
  fixes; `after-fixes`: one that only appeared later), reason. No project code is copied, only
  where and why. Each row is matched against the current findings (same repo, path, line and
  rule) and labelled `present` or `gone`; the report gives right/wrong/debatable by family for
  the baseline rows ("before") and for all rows still present ("now"), and the wrong rate of each.

The projects' code is only read (static checks; no --import, no --db), so it never runs.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "real_world.json"
COUNTS = HERE / "real_world_counts.json"
TRIAGE = HERE / "triage.csv"
FAMILIES = {"AG0": "meta", "AG1": "graph", "AG2": "models", "AG3": "roundtrip", "AG4": "operations", "AG5": "session"}


def guard_command() -> list[str]:
    exe = Path(sys.executable).with_name("alembic-guard")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "alembic_guard"]


def run_env(root: Path, env: dict) -> tuple[list[dict], str | None]:
    """Findings of one environment, paths made relative to the project folder."""
    repo = root / env["repo"]
    cwd = repo / env.get("cwd", ".")
    if not cwd.is_dir():
        return [], f"not checked out ({cwd})"
    args = list(env["args"])
    for i, a in enumerate(args[:-1]):  # --app-path is relative to the project root: make it absolute
        if a == "--app-path":
            args[i + 1] = str((cwd / args[i + 1]).resolve())
    cmd = guard_command() + ["check", *args, "--format", "json", "--no-cache", "--no-progress", "--fail-on", "error"]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    if proc.returncode not in (0, 1):
        return [], f"exit {proc.returncode}: {proc.stderr.strip()[:300]}"
    data = json.loads(proc.stdout)
    ini = args[args.index("-c") + 1] if "-c" in args else None
    bases = [(cwd / ini).parent] if ini else []
    bases.append(cwd)
    out = []
    for f in data["findings"]:
        loc = f["location"]
        rel = loc["path"]
        for base in bases:
            cand = (base / rel).resolve()
            if cand.exists():
                rel = os.path.relpath(cand, repo)
                break
        out.append({"repo": env["repo"], "env": env["name"], "path": rel, "line": loc.get("line") or 0,
                    "rule": f["code"], "severity": f["severity"], "message": f["message"]})
    return out, None


def family(code: str) -> str:
    return FAMILIES.get(code[:3], "other")


def read_triage() -> list[dict]:
    if not TRIAGE.exists():
        return []
    with TRIAGE.open(newline="") as fh:
        return [row for row in csv.DictReader(fh) if row.get("repo")]


def table(rows: list[dict]) -> str:
    by = defaultdict(Counter)
    for r in rows:
        by[family(r["rule"])][r["verdict"]] += 1
        by["all"][r["verdict"]] += 1
    lines = ["| family | right | wrong | debatable | total | wrong % |", "|---|---|---|---|---|---|"]
    for fam in [*sorted(k for k in by if k != "all"), "all"]:
        c = by[fam]
        total = sum(c.values())
        pct = 100.0 * c["wrong"] / total if total else 0.0
        lines.append(f"| {fam} | {c['right']} | {c['wrong']} | {c['debatable']} | {total} | {pct:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--update", action="store_true", help="store this run's counts as the last run")
    ap.add_argument("--only", action="append", default=[], help="environment name (repeatable)")
    ap.add_argument("--unlabelled", action="store_true", help="list current findings without a triage row")
    ap.add_argument("--dump", help="write all current findings as JSON to this file")
    ap.add_argument("--against", help="counts file to diff against (default: real_world_counts.json, the last --update)")
    opts = ap.parse_args(argv)

    config = json.loads(CONFIG.read_text())
    root = Path(os.environ.get("REALWORLD_ROOT", config["root"]))
    envs = [e for e in config["environments"] if not opts.only or e["name"] in opts.only]
    findings: list[dict] = []
    counts: dict[str, dict[str, int]] = {}
    for env in envs:
        got, problem = run_env(root, env)
        if problem:
            print(f"{env['name']}: skipped, {problem}")
            continue
        findings.extend(got)
        counts[env["name"]] = dict(sorted(Counter(f["rule"] for f in got).items()))

    per_rule = Counter(f["rule"] for f in findings)
    per_sev = Counter((f["rule"], f["severity"]) for f in findings)
    print(f"## Findings per rule ({len(findings)} in {len(counts)} environments)\n")
    for rule, n in sorted(per_rule.items()):
        sev = ",".join(sorted({s for (r, s) in per_sev if r == rule}))
        print(f"{rule} {n:5d}  {sev}")

    against = Path(opts.against) if opts.against else COUNTS
    last = json.loads(against.read_text()) if against.exists() else {}
    print(f"\n## Difference against {against.name}\n")
    changed = False
    for name in sorted(set(last) | set(counts)):
        if name not in counts:
            continue
        before, now = last.get(name, {}), counts[name]
        for rule in sorted(set(before) | set(now)):
            if before.get(rule, 0) != now.get(rule, 0):
                changed = True
                print(f"{name:22s} {rule}  {before.get(rule, 0):5d} -> {now.get(rule, 0)}")
    if not changed:
        print("(no change)")

    triage = read_triage()
    present_keys = {(f["repo"], f["path"], int(f["line"]), f["rule"]): f["severity"] for f in findings}
    checked_repos = {e["repo"] for e in envs if e["name"] in counts}
    rows = [r for r in triage if r["repo"] in checked_repos]
    for r in rows:
        key = (r["repo"], r["path"], int(r["line"] or 0), r["rule"])
        r["status"] = "present" if key in present_keys else "gone"
        r["now_severity"] = present_keys.get(key)
    if rows:
        projects = len({r["repo"] for r in rows})
        print(f"\n## Triage: {len(rows)} labelled findings in {projects} projects\n")
        before = [r for r in rows if r.get("found_in", "baseline") == "baseline"]
        print(f"Findings of the baseline run, as triaged (before; {len(before)}):\n")
        print(table(before))
        now = [r for r in rows if r["status"] == "present"]
        print(f"\nStill present now ({len(now)}; {len(rows) - len(now)} gone):\n")
        print(table(now))
        wrong_errors = [r for r in now if r["verdict"] == "wrong" and r["now_severity"] == "error"]
        gone_right = [r for r in rows if r["status"] == "gone" and r["verdict"] == "right"]
        if gone_right:
            print("\nRight findings that are gone (lost true positives):")
            summarised = {f["repo"] for f in findings if f["rule"] == "AG550"}
            for r in gone_right:
                note = " [counted in the project's one AG550 finding]" if r["rule"] == "AG550" and r["repo"] in summarised else ""
                print(f"  {r['repo']}/{r['path']}:{r['line']} {r['rule']}  {r['reason']}{note}")
        print(f"\nError-level findings labelled wrong still present: {len(wrong_errors)}")
    labelled = {(r["repo"], r["path"], int(r["line"] or 0), r["rule"]) for r in triage}
    unlabelled = [f for f in findings if (f["repo"], f["path"], f["line"], f["rule"]) not in labelled]
    print(f"\nCurrent findings without a triage row: {len(unlabelled)} of {len(findings)}")
    if opts.unlabelled:
        for f in unlabelled:
            print(f"  {f['repo']}/{f['path']}:{f['line']} {f['rule']} {f['severity']}: {f['message']}")
    if opts.dump:
        Path(opts.dump).write_text(json.dumps(findings, indent=1))
    if opts.update:
        merged = {**last, **counts}
        COUNTS.write_text(json.dumps(dict(sorted(merged.items())), indent=1) + "\n")
        print(f"\nstored counts in {COUNTS.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
