"""Merge several heads into one, through Alembic's own `command.merge`.

`plan(project)` is static: it groups the heads (per branch label where labels are used), finds
where each group forked, and scans the `op.*` calls of every revision since the fork for tables
and columns that two *concurrent* revisions touch (neither is an ancestor of the other) — a
semantic conflict no file merge shows. With three or more heads, a revision that two of them
already share is one change, not two: it conflicts only with what was done beside it.

`write(project, group)` calls `alembic.command.merge`. That loads Alembic's ScriptDirectory, which
IMPORTS every revision file (module level code runs) and renders the project's `script.py.mako`;
env.py is not run unless the project sets `revision_environment = true`.
"""

from __future__ import annotations

import ast
import io
from collections.abc import Iterator
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

from alembic_guard.errors import GuardError
from alembic_guard.masking import mask_secrets
from alembic_guard.project import Migration, Project

# op name -> index of the positional argument naming the table (column, when any, follows it)
_TABLE_ARG = {
    "create_table": 0, "drop_table": 0, "rename_table": 0, "add_column": 0, "drop_column": 0,
    "alter_column": 0, "bulk_insert": 0, "create_table_comment": 0, "drop_table_comment": 0,
    "create_index": 1, "drop_index": 1, "create_unique_constraint": 1, "create_check_constraint": 1,
    "create_primary_key": 1, "create_foreign_key": 1, "drop_constraint": 1, "create_exclude_constraint": 1,
}
_COLUMN_ARG = {"drop_column": 1, "alter_column": 1}


@dataclass(frozen=True)
class Touch:
    """One op call that touches a table (and maybe a column)."""

    revision: str
    op: str
    table: str
    column: str | None
    path: str
    line: int


@dataclass
class MergeGroup:
    label: str | None  # branch label the heads share; None for an unlabelled history
    heads: tuple[str, ...]
    fork: tuple[str, ...]  # the latest common ancestors ("" history: several bases)
    branches: dict[str, tuple[str, ...]] = field(default_factory=dict)  # head -> revisions since the fork only it has
    touches: dict[str, tuple[Touch, ...]] = field(default_factory=dict)  # head -> op calls of those revisions
    shared: tuple[str, ...] = ()  # revisions since the fork that some, not all, of the heads share
    shared_touches: tuple[Touch, ...] = ()  # op calls of those revisions
    ancestry: dict[str, frozenset[str]] = field(default_factory=dict)  # revision since the fork -> its ancestors

    @property
    def message(self) -> str:
        return "merge heads " + ", ".join(self.heads[:-1]) + " and " + self.heads[-1]

    def _concurrent(self, a: str, b: str) -> bool:
        """Neither revision is an ancestor of the other: their order is decided by the merge."""
        return a != b and a not in self.ancestry.get(b, ()) and b not in self.ancestry.get(a, ())

    def _any_concurrent(self, revisions: set[str]) -> bool:
        ordered = sorted(revisions)
        return any(self._concurrent(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1:])

    def conflicts(self) -> list[str]:
        """Tables/columns that two concurrent revisions since the fork touch, as warning lines."""
        by_table: dict[str, dict[str, list[Touch]]] = {}  # table -> revision -> touches
        for touches in (*self.touches.values(), self.shared_touches):
            for t in touches:
                by_table.setdefault(t.table, {}).setdefault(t.revision, []).append(t)
        out = []
        for table, per_rev in sorted(by_table.items()):
            if not self._any_concurrent(set(per_rev)):
                continue
            columns: dict[str, set[str]] = {}
            for rev, touches in per_rev.items():
                for t in touches:
                    if t.column:
                        columns.setdefault(t.column, set()).add(rev)
            shared = sorted(c for c, revs in columns.items() if self._any_concurrent(revs))
            detail = "; ".join(
                f"{rev}: " + ", ".join(f"{t.op} at {t.path}:{t.line}" for t in touches)
                for rev, touches in sorted(per_rev.items())
            )
            if shared:
                out.append(f"column {', '.join(f'`{table}.{c}`' for c in shared)} is changed on several branches ({detail})")
            else:
                out.append(f"table `{table}` is changed on several branches ({detail})")
        return out


def _str(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _kw(call: ast.Call, *names: str) -> ast.AST | None:
    for kw in call.keywords:
        if kw.arg in names:
            return kw.value
    return None


def op_touches(mig: Migration) -> Iterator[Touch]:
    """Tables and columns the upgrade() of a revision touches, read with `ast` (literal names only)."""
    func = mig.function("upgrade")
    if func is None:
        return
    rid = mig.revision_id or "?"
    batch_tables: dict[str, str] = {}  # `with op.batch_alter_table("t") as batch_op` -> {"batch_op": "t"}
    for node in ast.walk(func):
        if isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                call = item.context_expr
                if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "batch_alter_table"
                        and isinstance(item.optional_vars, ast.Name)):
                    table = _str(call.args[0]) if call.args else _str(_kw(call, "table_name"))
                    if table:
                        batch_tables[item.optional_vars.id] = table
    for node in ast.walk(func):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)):
            continue
        owner, name = node.func.value.id, node.func.attr
        if owner in batch_tables:
            table: str | None = batch_tables[owner]
            col_index = 0 if name in _COLUMN_ARG else None
            args = node.args
        elif owner == "op" and name in _TABLE_ARG:
            index = _TABLE_ARG[name]
            table = _str(node.args[index]) if len(node.args) > index else _str(_kw(node, "table_name", "source_table", "source"))
            col_index = _COLUMN_ARG.get(name)
            args = node.args
        else:
            continue
        if not table:
            continue
        column = None
        if col_index is not None and len(args) > col_index:
            column = _str(args[col_index])
        elif col_index is not None:
            column = _str(_kw(node, "column_name"))
        if name == "add_column":
            col_node = args[1] if owner == "op" and len(args) > 1 else (args[0] if owner in batch_tables and args else None)
            if isinstance(col_node, ast.Call) and col_node.args:
                column = _str(col_node.args[0])
        yield Touch(rid, name, table, column, str(mig.relpath), node.lineno)


def plan(project: Project) -> list[MergeGroup]:
    """The groups of heads to merge: one per branch label with several heads (or the unlabelled
    history). Static: nothing is imported."""
    g = project.graph
    groups = []
    for label, heads in g.heads_by_label().items():
        if len(heads) < 2:
            continue
        ancestor_sets = [g.ancestors(h) | {h} for h in heads]
        common = set.intersection(*map(set, ancestor_sets))
        fork = tuple(sorted(c for c in common if not (g.descendants(c) & common)))
        group = MergeGroup(label, tuple(heads), fork)
        since_fork = set().union(*ancestor_sets) - common
        order = [r for r in g.upgrade_order() if r in since_fork]
        for r in order:  # parents come first: each revision's ancestry since the fork from its parents'
            ups = [p for p in g.parents(r) if p in since_fork]
            group.ancestry[r] = frozenset(ups).union(*(group.ancestry.get(p, frozenset()) for p in ups))
        for i, (head, lineage) in enumerate(zip(heads, ancestor_sets)):
            others = set().union(*(a for j, a in enumerate(ancestor_sets) if j != i))
            own = tuple(r for r in order if r in lineage and r not in others)
            group.branches[head] = own
            group.touches[head] = _touches(project, own)
        group.shared = tuple(r for r in order if sum(r in a for a in ancestor_sets) > 1)
        group.shared_touches = _touches(project, group.shared)
        groups.append(group)
    return groups


def _touches(project: Project, revisions: tuple[str, ...]) -> tuple[Touch, ...]:
    out: list[Touch] = []
    for rid in revisions:
        mig = project.by_revision.get(rid)
        if mig is not None:
            out.extend(op_touches(mig))
    return tuple(out)


def alembic_config(project: Project):
    """An `alembic.config.Config` for the project (its ini file, or the located script folder)."""
    from alembic.config import Config

    layout = project.layout
    if layout.ini_path is not None:
        cfg = Config(str(layout.ini_path), ini_section=layout.section)
    else:
        cfg = Config()
    cfg.set_main_option("script_location", str(layout.script_location))
    if layout.version_locations and layout.version_locations != (layout.script_location / "versions",):
        cfg.set_main_option("version_path_separator", "newline")
        cfg.set_main_option("path_separator", "newline")
        cfg.set_main_option("version_locations", "\n".join(str(p) for p in layout.version_locations))
    return cfg


def write(project: Project, group: MergeGroup, message: str | None = None) -> Path:
    """Write the merge revision with `alembic.command.merge`; return its path.

    IMPORTS the project's revision files (Alembic's ScriptDirectory loads them)."""
    from alembic import command
    from alembic.util import CommandError

    cfg = alembic_config(project)
    cfg.stdout = io.StringIO()
    labels = None  # the merge revision belongs to the labelled branch through its parents
    try:
        with redirect_stdout(io.StringIO()):
            script = command.merge(cfg, revisions=list(group.heads), message=message or group.message, branch_label=labels)
    except CommandError as exc:
        raise GuardError(f"Alembic refused the merge: {mask_secrets(str(exc))}") from None
    except Exception as exc:  # noqa: BLE001 - the project's revision files or template failed to load
        raise GuardError(
            f"Alembic could not load the project to write the merge: {type(exc).__name__}: {mask_secrets(str(exc))}",
            hint="`alembic merge` imports every revision file and renders script.py.mako; fix the error it names",
        ) from None
    if script is None:
        raise GuardError("Alembic wrote no merge revision (was the revision_environment aborted?)")
    return Path(script.path)
