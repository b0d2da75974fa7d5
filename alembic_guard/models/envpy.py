"""Find env.py's `target_metadata` statically and resolve it to the MetaData objects it names.

Understood: `target_metadata = Base.metadata`, `= metadata_obj` (a `MetaData()`), `= [a, b]`,
`= db.metadata` / `db.Model.metadata` / `db.metadatas[None]` (Flask-SQLAlchemy),
`= SQLModel.metadata`, values imported from project modules, `= get_metadata()` where the function
ends in `return <expr>`, Flask-Migrate's `current_app.extensions["migrate"].db` (resolved through
the project's `Migrate(app, db)` call), and `None`. MetaData whose tables env.py copies into
target_metadata in a loop (`target_metadata._add_table(...)`, `t.to_metadata(target_metadata)`) count
as part of the target. Without an assignment, the
`context.configure(target_metadata=...)` keyword is used.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace
from pathlib import Path

from alembic_guard.core import reading
from alembic_guard.models.statements import runtime_statements
from alembic_guard.models.evaluator import Evaluator
from alembic_guard.models.values import External, ListValue, MetadataRef, MetadataValue, NoneValue, Unknown, Value


@dataclass(frozen=True)
class Target:
    """What env.py gives autogenerate.

    status: ok | none | missing (never assigned) | unresolved | no-env | broken (syntax error)
    """

    status: str
    metadatas: tuple[MetadataRef, ...] = ()
    expression: str | None = None  # the right-hand side as written
    line: int | None = None
    reason: str | None = None  # for unresolved / broken: why
    passed_to_configure: bool = True
    unresolved_items: tuple[str, ...] = field(default=())  # list members that could not be resolved
    uses_current_app: bool = False


def _configure_keyword(tree: ast.Module) -> tuple[ast.expr | None, bool]:
    """(value of the first `configure(target_metadata=...)` keyword, any configure call seen)."""
    seen_configure = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "configure":
            seen_configure = True
            for kw in node.keywords:
                if kw.arg == "target_metadata":
                    return kw.value, True
                if kw.arg is None:  # **options: cannot tell
                    return None, True
    return None, seen_configure


def _assignment(tree: ast.Module) -> ast.stmt | None:
    last = None
    for stmt in runtime_statements(tree.body, into_classes=False):
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "target_metadata" for t in stmt.targets):
            last = stmt
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == "target_metadata" and stmt.value is not None:
            last = stmt
    if last is not None:
        return last
    for node in ast.walk(tree):  # inside a function (run_migrations_online...)
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "target_metadata" for t in node.targets):
            return node
    return None


def find_target(ev: Evaluator, env_py: Path) -> Target:
    if not env_py.is_file():
        why = reading.problem(env_py)  # a FIFO, a device, a folder, a symlink loop: not "missing"
        if why:
            return Target("broken", reason=f"cannot read: {why}")
        return Target("no-env", reason=f"no env.py in {env_py.parent}")
    src = ev.index.source(env_py)
    if src.tree is None:
        return Target("broken", line=src.error_line, reason=src.error)
    tree = src.tree
    uses_current_app = "current_app" in (src.text or "")
    stmt = _assignment(tree)
    kw_value, saw_configure = _configure_keyword(tree)
    passes = _passes_target(tree)
    if stmt is not None:
        value_node = stmt.value
        line = stmt.lineno
    elif kw_value is not None:
        value_node = kw_value
        line = kw_value.lineno
    else:
        return Target("missing", reason="env.py never assigns `target_metadata` nor passes it to `context.configure()`",
                      passed_to_configure=False, uses_current_app=uses_current_app)
    expression = ast.unparse(value_node)
    value = ev.evaluate(env_py, value_node, label=None)
    target = _from_value(value, expression, line, passes or stmt is None, uses_current_app)
    if target.status == "ok":
        extra = [r for r in _copied_metadatas(ev, env_py, tree) if r not in target.metadatas]
        if extra:
            target = replace(target, metadatas=target.metadatas + tuple(extra))
    return target


_COPY_CALLS = {"_add_table", "to_metadata", "tometadata"}


def _copied_metadatas(ev: Evaluator, env_py: Path, tree: ast.Module) -> list[MetadataRef]:
    """MetaData whose tables env.py copies into target_metadata in a loop:
    `for t in other.metadata.sorted_tables: target_metadata._add_table(t.name, t.schema, t)`
    (or `t.to_metadata(target_metadata)`): their tables are on the target too."""
    out: list[MetadataRef] = []
    for loop in ast.walk(tree):
        if not isinstance(loop, ast.For):
            continue
        copies = False
        for n in ast.walk(loop):
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in _COPY_CALLS:
                names = [n.func.value, *n.args, *(k.value for k in n.keywords)]
                copies = copies or any(isinstance(x, ast.Name) and x.id == "target_metadata" for x in names)
        if not copies:
            continue
        source = loop.iter
        if isinstance(source, ast.Call) and isinstance(source.func, ast.Attribute) and source.func.attr == "values":
            source = source.func.value  # md.tables.values()
        if isinstance(source, ast.Attribute) and source.attr in ("sorted_tables", "tables"):
            md = ev.evaluate(env_py, source.value)
            if isinstance(md, MetadataValue) and md.ref not in out:
                out.append(md.ref)
    return out


def _passes_target(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "configure":
            for kw in node.keywords:
                if kw.arg == "target_metadata" or kw.arg is None:
                    return True
    return False


def _why_not_metadata(item: Value) -> str:
    """Say, in the user's words, why a value is not a MetaData we can read (no class names)."""
    if isinstance(item, Unknown) and item.why:
        return item.why
    if isinstance(item, External):
        return f"`{item.qualname}` comes from a module that is not part of the project (an installed package?)"
    return "its value is not a MetaData that can be read statically"


def _from_value(value: Value, expression: str, line: int, passes: bool, uses_current_app: bool) -> Target:
    if isinstance(value, NoneValue):
        return Target("none", expression=expression, line=line, passed_to_configure=passes, uses_current_app=uses_current_app)
    items = value.items if isinstance(value, ListValue) else (value,)
    refs: list[MetadataRef] = []
    bad: list[str] = []
    for item in items:
        if isinstance(item, MetadataValue):
            if item.ref not in refs:
                refs.append(item.ref)
        elif isinstance(item, NoneValue):
            continue
        else:
            bad.append(_why_not_metadata(item))
    if not refs and not bad:
        return Target("none", expression=expression, line=line, passed_to_configure=passes, uses_current_app=uses_current_app)
    if bad and not refs:
        return Target("unresolved", expression=expression, line=line, reason="; ".join(bad), passed_to_configure=passes,
                      uses_current_app=uses_current_app)
    return Target("ok", tuple(refs), expression, line, reason="; ".join(bad) or None, passed_to_configure=passes,
                  unresolved_items=tuple(bad), uses_current_app=uses_current_app)
