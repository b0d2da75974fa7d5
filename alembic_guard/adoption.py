"""Adoption on an existing project: report only what is new.

`--since REVISION` and `--baseline FILE` are applied by the engine; this module adds
`--changed-since GIT_REF`: keep findings about files added or changed relative to a base branch
(committed on this branch since it forked from GIT_REF, changed in the working tree, or untracked),
and about the revisions those files hold. Graph findings (AG1xx) are always kept: a new revision
can break the history as a whole.

Git is run as a subprocess in the project's repository; a missing git, a folder outside any
repository or an unknown ref are `SettingsError`s (exit 2) with a hint, never a silent "nothing
changed".
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from alembic_guard.errors import SettingsError
from alembic_guard.findings import Finding

GIT_TIMEOUT = 60


def _git(root: Path, *args: str) -> subprocess.CompletedProcess:
    git = shutil.which("git")
    if git is None:
        raise SettingsError("--changed-since needs git, which is not installed or not on PATH", key="changed_since")
    try:
        return subprocess.run([git, "-C", str(root), *args], capture_output=True, text=True, timeout=GIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise SettingsError(f"--changed-since: `git {' '.join(args)}` took longer than {GIT_TIMEOUT}s", key="changed_since") from None


def changed_files(root: Path, ref: str) -> set[PurePosixPath]:
    """Files (relative to `root`) added or changed since `ref`: `git diff --name-only REF...HEAD`,
    plus working-tree changes and untracked files."""
    top = _git(root, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise SettingsError(
            f"--changed-since {ref}: {root} is not inside a git repository",
            key="changed_since",
            hint="run in a git checkout, or use --since REVISION / --baseline FILE instead",
        )
    toplevel = Path(top.stdout.strip())
    verify = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if verify.returncode != 0:
        raise SettingsError(
            f"--changed-since {ref}: unknown git ref {ref!r}",
            key="changed_since",
            hint=f"fetch it first (`git fetch origin {ref}`; in CI use a full clone, e.g. actions/checkout with fetch-depth: 0)",
        )
    names: set[str] = set()
    for args in (
        ("diff", "--name-only", "--no-renames", f"{ref}...HEAD"),  # committed on this branch
        ("diff", "--name-only", "--no-renames", "HEAD"),  # staged and unstaged changes
        ("ls-files", "--others", "--exclude-standard", "--full-name"),  # untracked
    ):
        out = _git(toplevel, *args)
        if out.returncode != 0:
            if args[0] == "diff" and args[-1] == "HEAD":
                continue  # a repository without commits yet
            raise SettingsError(f"--changed-since {ref}: `git {' '.join(args)}` failed: {out.stderr.strip()}", key="changed_since")
        names.update(line.strip() for line in out.stdout.splitlines() if line.strip())
    root_resolved = root.resolve()
    result: set[PurePosixPath] = set()
    for name in names:
        path = (toplevel / name).resolve()
        try:
            result.add(PurePosixPath(path.relative_to(root_resolved).as_posix()))
        except ValueError:
            continue  # outside the analysed project
    return result


def filter_changed(project, findings: Iterable[Finding], ref: str) -> list[Finding]:
    """Findings about changed files, or about revisions held by changed files (plus AG1xx)."""
    changed = changed_files(project.root, ref)
    revisions = {m.revision_id for m in project.migrations if m.relpath in changed and m.revision_id}
    out = []
    for f in findings:
        if f.code.startswith("AG1") or f.location.path in changed or (f.location.revision and f.location.revision in revisions):
            out.append(f)
    return out
