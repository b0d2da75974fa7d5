"""Pull-request guard: what the revision graph becomes once this branch is merged into a base ref.

The base branch's revision files are read straight from git (`git ls-tree` + `git cat-file
--batch`), statically, without a checkout; they are parsed with `ast` like the working tree's.
`merged_outcome(project, ref)` answers: which revisions added on this branch will be extra heads
after the merge, and onto which base head they should be re-parented.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from alembic_guard.core import git
from alembic_guard.graph import Revision, RevisionGraph
from alembic_guard.project import Project
from alembic_guard.project.paths import relpath
from alembic_guard.project.migration import parse_migration


OPTION = "--base-ref"


def _git(root: Path, *args: str, input: bytes | None = None, timeout: float = git.TIMEOUT):
    return git.run(root, *args, option=OPTION, input=input, timeout=timeout)


def git_toplevel(root: Path) -> Path:
    return git.toplevel(root, OPTION, hint="run the pull-request guard in a git checkout (actions/checkout with fetch-depth: 0)")


def resolve_ref(root: Path, ref: str) -> str:
    return git.verify_ref(root, ref, OPTION)


def files_at_ref(project: Project, commit: str) -> dict[PurePosixPath, str]:
    """The revision files of the project's version locations as they are at `commit`:
    project-relative path -> source text. Missing folders give nothing."""
    top = git_toplevel(project.root).resolve()
    paths: list[tuple[str, PurePosixPath]] = []  # (path in the repository, project-relative path)
    for folder in project.layout.version_locations:
        try:
            in_repo = folder.resolve().relative_to(top).as_posix()
        except ValueError:
            continue  # a version location outside the repository: nothing to compare
        proc = _git(top, "ls-tree", "-r", "--name-only", commit, "--", in_repo + "/")
        for name in proc.stdout.decode("utf-8", "replace").splitlines():
            parent, _, filename = name.rpartition("/")
            if not filename.endswith(".py") or filename.startswith(".") or filename == "__init__.py":
                continue
            if not project.layout.recursive and parent != in_repo:
                continue
            paths.append((name, relpath(top / name, project.root)))
    if not paths:
        return {}
    batch = "".join(f"{commit}:{name}\n" for name, _ in paths).encode()
    proc = _git(top, "cat-file", "--batch", input=batch)
    data = proc.stdout
    out: dict[PurePosixPath, str] = {}
    pos = 0
    for _, rel in paths:
        nl = data.index(b"\n", pos)
        header = data[pos:nl].decode().split()
        pos = nl + 1
        if len(header) < 3 or header[1] != "blob":
            continue
        size = int(header[2])
        out[rel] = data[pos:pos + size].decode("utf-8", "replace")
        pos += size + 1
    return out


def graph_at_ref(project: Project, commit: str) -> RevisionGraph:
    revisions: list[Revision] = []
    for rel, source in files_at_ref(project, commit).items():
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):  # (too deep for Python's parser)
            continue
        mig = parse_migration(project.root / rel, rel, source, tree)
        rev = mig.to_revision()
        if rev is not None:
            revisions.append(rev)
    return RevisionGraph.build(revisions)


@dataclass(frozen=True)
class ExtraHead:
    """A revision chain added on this branch that will be an extra head after the merge."""

    root: str  # first new revision of the chain: the one whose down_revision must change
    head: str  # the chain's last revision (a head after the merge)
    revises: tuple[str, ...]  # root's current down_revision(s)
    base_heads: tuple[str, ...]  # heads of the base ref in the same branch label: re-parent onto these
    label: str | None


def merged_outcome(project: Project, ref: str) -> tuple[str, RevisionGraph, list[ExtraHead]]:
    """(commit, base graph, extra heads the merge would create)."""
    git_toplevel(project.root)
    commit = resolve_ref(project.root, ref)
    base = graph_at_ref(project, commit)
    if not len(base):
        return commit, base, []
    ours = project.graph
    merged = RevisionGraph.build([*base.revisions.values(), *(r for rid, r in ours.revisions.items() if rid not in base)])
    base_by_label = base.heads_by_label()
    extras: list[ExtraHead] = []
    for label, heads in merged.heads_by_label().items():
        before = base_by_label.get(label, ())
        if len(heads) <= max(1, len(before)):
            continue
        new_heads = [h for h in heads if h not in base]
        for head in new_heads:
            chain = [r for r in merged.ancestors(head) | {head} if r not in base]
            # roots of the new chain: new revisions whose parents are all in the base
            roots = sorted(r for r in chain if all(p in base for p in merged[r].down_revisions))
            for root in roots or [head]:
                revises = merged[root].down_revisions
                targets = tuple(h for h in (before or base.heads) if h not in revises)
                if not targets:
                    continue  # it builds on the base head: the other head is someone else's
                extras.append(ExtraHead(root, head, revises, targets, label))
    return commit, base, extras
