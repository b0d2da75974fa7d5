"""Adoption on an existing project: report only what is new.

`--since REVISION` and `--baseline FILE` are applied by the engine; this module adds
`--changed-since GIT_REF`: keep findings about files added or changed relative to a base branch
(committed on this branch since it forked from GIT_REF, changed in the working tree, or untracked),
and about the revisions those files hold. Findings of the whole-history graph rules (AG1xx of kind
`graph`: heads, cycles, missing parents...) are always kept: a new revision, or a deleted one, can
break the history as a whole. The AG1xx rules that read one revision file (AG107 file name, AG108
irreversible downgrade) are per-file findings like any other: an unchanged revision's stay hidden.

Git is run as a subprocess in the project's repository; a missing git, a folder outside any
repository or an unknown ref are `SettingsError`s (exit 2) with a hint, never a silent "nothing
changed".
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from alembic_guard.core import git
from alembic_guard.errors import SettingsError
from alembic_guard.findings import Finding
from alembic_guard.rules import BY_CODE

OPTION = "--changed-since"


def changed_files(root: Path, ref: str) -> set[PurePosixPath]:
    """Files (relative to `root`) added or changed since `ref`: `git diff --name-only REF...HEAD`,
    plus working-tree changes and untracked files."""
    toplevel = git.toplevel(root, OPTION, hint="run in a git checkout, or use --since REVISION / --baseline FILE instead")
    git.verify_ref(root, ref, OPTION)
    names: set[str] = set()
    for args in (
        ("diff", "--name-only", "--no-renames", f"{ref}...HEAD"),  # committed on this branch
        ("diff", "--name-only", "--no-renames", "HEAD"),  # staged and unstaged changes
        ("ls-files", "--others", "--exclude-standard", "--full-name"),  # untracked
    ):
        out = git.run(toplevel, *args, option=OPTION)
        if out.returncode != 0:
            if args[0] == "diff" and args[-1] == "HEAD":
                continue  # a repository without commits yet
            raise SettingsError(f"{OPTION} {ref}: `git {' '.join(args)}` failed: {out.stderr.decode(errors='replace').strip()}", key="changed_since")
        names.update(line.strip() for line in out.stdout.decode(errors="surrogateescape").splitlines() if line.strip())
    root_resolved = root.resolve()
    result: set[PurePosixPath] = set()
    for name in names:
        path = (toplevel / name).resolve()
        try:
            result.add(PurePosixPath(path.relative_to(root_resolved).as_posix()))
        except ValueError:
            continue  # outside the analysed project
    return result


def about_whole_history(code: str) -> bool:
    """True for the findings of a graph rule (kind `graph`): they concern the history as a whole."""
    rule = BY_CODE.get(code)
    return rule is not None and rule.kind == "graph"


def filter_changed(project, findings: Iterable[Finding], ref: str) -> list[Finding]:
    """Findings about changed files, or about revisions held by changed files (plus whole-history
    graph findings)."""
    changed = changed_files(project.root, ref)
    revisions = {m.revision_id for m in project.migrations if m.relpath in changed and m.revision_id}
    out = []
    for f in findings:
        if about_whole_history(f.code) or f.location.path in changed or (f.location.revision and f.location.revision in revisions):
            out.append(f)
    return out
