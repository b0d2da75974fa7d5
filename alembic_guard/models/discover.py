"""Find every mapped model in the project, statically.

A model is a class mapped onto a MetaData — a subclass of a `DeclarativeBase` subclass,
`declarative_base()`, `registry().generate_base()`, `@as_declarative`, Flask-SQLAlchemy's
`db.Model`, an `@registry.mapped` class, or a SQLModel class with `table=True` — or an imperative
`Table("name", metadata, ...)`. Mixins (no ORM base) and abstract classes (`__abstract__ = True`)
are not models; a subclass of a mapped class without its own table is single-table inheritance
(its columns join the parent's table).

Table names: an explicit `__tablename__` (or `__table__`), a `declared_attr` `__tablename__` in a
mixin/base (`cls.__name__.lower()` is understood; anything else is "computed"), Flask-SQLAlchemy's
default (snake_case of the class name) and SQLModel's default (the class name lower-cased).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from alembic_guard.models.evaluator import Evaluator
from alembic_guard.models.statements import runtime_statements
from alembic_guard.models.values import (
    SQLMODEL_METADATA,
    BaseValue,
    ClassValue,
    External,
    MetadataRef,
    MetadataValue,
    RegistryValue,
    TableValue,
)


@dataclass(frozen=True)
class ClassInfo:
    metadata: MetadataRef
    framework: str  # sqlalchemy | flask | sqlmodel
    role: str  # base | abstract | model | sti | unmapped
    table: str | None = None
    schema: str | None = None
    computed_name: bool = False  # table name computed by code alembic-guard does not evaluate
    parent: ClassValue | None = None  # the mapped parent (inheritance)
    maps_existing_table: bool = False  # `__table__ = some_table` (that Table is a model of its own)
    extend_existing: bool = False
    fsa_key: str | None = None


@dataclass(frozen=True)
class Model:
    """A mapped class or an imperative Table, and the MetaData it joins when its module runs."""

    name: str
    kind: str  # class | table
    path: Path
    line: int
    metadata: MetadataRef
    table: str | None
    schema: str | None = None
    framework: str = "sqlalchemy"
    owns_table: bool = True  # False: single-table inheritance, or a class mapping an existing Table
    computed_name: bool = False
    extend_existing: bool = False

    @property
    def fullname(self) -> str | None:
        if self.table is None:
            return None
        return f"{self.schema}.{self.table}" if self.schema else self.table

    @property
    def shown_table(self) -> str:
        return self.fullname or "(computed name)"


def camel_to_snake(name: str) -> str:
    """Flask-SQLAlchemy 3's default table name."""
    name = re.sub(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", r"_\1", name)
    return name.lower().lstrip("_")


def _body(node: ast.ClassDef) -> list[ast.stmt]:
    return list(runtime_statements(node.body, into_classes=False))


_OWN_CACHE: dict[int, tuple[ast.ClassDef, dict[str, ast.AST]]] = {}


def _own(node: ast.ClassDef, name: str) -> ast.AST | None:
    """The statement that defines `name` in the class body: an Assign value, or a FunctionDef."""
    cached = _OWN_CACHE.get(id(node))
    if cached is None or cached[0] is not node:
        names: dict[str, ast.AST] = {}
        for stmt in _body(node):
            if isinstance(stmt, ast.Assign):
                for t in stmt.targets:
                    if isinstance(t, ast.Name):
                        names[t.id] = stmt.value
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
                names[stmt.target.id] = stmt.value
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names[stmt.name] = stmt
        if len(_OWN_CACHE) > 50_000:
            _OWN_CACHE.clear()
        cached = _OWN_CACHE[id(node)] = (node, names)
    return cached[1].get(name)


def _is_true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _table_args(node: ast.AST | None) -> dict[str, object]:
    if isinstance(node, ast.Tuple) and node.elts:
        node = node.elts[-1]
    if isinstance(node, ast.Dict):
        out = {}
        for k, v in zip(node.keys, node.values):
            if isinstance(k, ast.Constant) and isinstance(v, ast.Constant):
                out[k.value] = v.value
        return out
    return {}


def _declared_name(func: ast.FunctionDef, cls_name: str) -> tuple[str | None, bool]:
    """(name, computed) for a `declared_attr` `__tablename__` applied to class `cls_name`."""
    ret = None
    for stmt in reversed(func.body):
        if isinstance(stmt, ast.Return):
            ret = stmt.value
            break
    if ret is None:
        return None, True
    text = ast.unparse(ret).replace(" ", "")
    first = func.args.args[0].arg if func.args.args else "cls"
    if text == f"{first}.__name__.lower()":
        return cls_name.lower(), False
    if text == f"{first}.__name__":
        return cls_name, False
    if isinstance(ret, ast.Constant) and isinstance(ret.value, str):
        return ret.value, False
    return None, True


def _has_pk_column(node: ast.ClassDef) -> bool:
    for stmt in _body(node):
        value = stmt.value if isinstance(stmt, (ast.Assign, ast.AnnAssign)) else None
        if isinstance(value, ast.Call):
            fname = ast.unparse(value.func)
            if fname.endswith(("Column", "mapped_column")) and any(k.arg == "primary_key" and _is_true(k.value) for k in value.keywords):
                return True
    return False


def _ancestors(ev: Evaluator, cls: ClassValue, seen: set | None = None) -> list[ClassValue]:
    """Project classes among the bases of `cls`, depth first (a rough MRO)."""
    seen = seen if seen is not None else set()
    out: list[ClassValue] = []
    # iterative (a 3,000-class inheritance chain is valid Python): the same pre-order as recursion
    stack = [(cls.path, b) for b in reversed(cls.node.bases)]
    while stack:
        path, b = stack.pop()
        v = ev.evaluate(path, b)
        if isinstance(v, ClassValue) and (v.path, v.line) not in seen:
            seen.add((v.path, v.line))
            out.append(v)
            stack.extend((v.path, vb) for vb in reversed(v.node.bases))
    return out


def classify(ev: Evaluator, cls: ClassValue) -> ClassInfo | None:
    node, path = cls.node, cls.path
    md: MetadataRef | None = None
    framework: str | None = None
    root = False
    parent: ClassValue | None = None
    fsa_key: str | None = None
    own_md_label = f"{node.name}.metadata"
    class_site = ev.site(path, node)

    def own_metadata() -> MetadataRef:
        explicit = _own(node, "metadata")
        if isinstance(explicit, ast.expr):
            v = ev.evaluate(path, explicit)
            if isinstance(v, MetadataValue):
                if isinstance(explicit, ast.Call):  # `metadata = MetaData(...)` in the class body
                    return MetadataRef(v.ref.key, own_md_label, path, node.lineno)
                return v.ref
        reg = _own(node, "registry")
        if isinstance(reg, ast.expr):
            v = ev.evaluate(path, reg)
            if isinstance(v, RegistryValue):
                return v.metadata
        return MetadataRef(class_site, own_md_label, path, node.lineno)

    for dec in node.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        v = ev.evaluate(path, target)
        if isinstance(v, External) and v.is_("as_declarative"):
            root, framework = True, "sqlalchemy"
            kw = {k.arg: k.value for k in dec.keywords} if isinstance(dec, ast.Call) else {}
            mv = ev.evaluate(path, kw["metadata"]) if "metadata" in kw else None
            md = mv.ref if isinstance(mv, MetadataValue) else own_metadata()
        elif isinstance(target, ast.Attribute) and target.attr in ("mapped", "mapped_as_dataclass", "as_declarative_base"):
            reg = ev.evaluate(path, target.value)
            if isinstance(reg, RegistryValue):
                md, framework = reg.metadata, "sqlalchemy"
                root = target.attr == "as_declarative_base"

    sqlmodel_direct = False
    for b in node.bases:
        v = ev.evaluate(path, b)
        if isinstance(v, External):
            if v.is_("DeclarativeBase", "DeclarativeBaseNoMeta"):
                root, framework = True, framework or "sqlalchemy"
                md = md or own_metadata()
            elif v.is_("SQLModel", package="sqlmodel"):
                sqlmodel_direct = True
                framework, md = "sqlmodel", md or SQLMODEL_METADATA
        elif isinstance(v, BaseValue):
            if md is None:
                md, framework, fsa_key = v.metadata, v.framework, v.fsa_key
        elif isinstance(v, ClassValue):
            info = ev.class_info(v)
            if info is None:
                continue
            if md is None:
                md, framework, fsa_key = info.metadata, info.framework, info.fsa_key
            if parent is None and info.role in ("model", "sti"):
                parent = v
    if md is None or framework is None:
        return None

    def info(role: str, table: str | None = None, **kw) -> ClassInfo:
        return ClassInfo(md, framework, role, table, parent=parent, fsa_key=fsa_key, **kw)

    if root:
        return info("base")
    if _is_true(_own(node, "__abstract__")):
        return info("abstract")

    ancestors = _ancestors(ev, cls)
    mapped_ancestors = set()
    for a in ancestors:
        ai = ev.class_info(a)
        if ai is not None and ai.role in ("model", "sti"):
            mapped_ancestors.add((a.path, a.line))

    # schema / extend_existing / bind key: own first, then non-mapped ancestors (mixins, bases)
    args = _table_args(_own(node, "__table_args__"))
    bind_node = _own(node, "__bind_key__")
    for a in ancestors:
        if (a.path, a.line) in mapped_ancestors:
            continue
        if not args:
            args = _table_args(_own(a.node, "__table_args__"))
        if bind_node is None:
            bind_node = _own(a.node, "__bind_key__")
    schema = args.get("schema") if isinstance(args.get("schema"), str) else None
    extend = args.get("extend_existing") is True
    if framework == "flask" and isinstance(bind_node, ast.Constant) and isinstance(bind_node.value, str) and fsa_key:
        md = MetadataRef(f"{fsa_key}[{bind_node.value}]", f'db.metadatas["{bind_node.value}"]', md.path, md.line)

    if framework == "sqlmodel":
        is_table = any(k.arg == "table" and _is_true(k.value) for k in node.keywords)
        if not is_table:
            return info("unmapped")
        own_name = _own(node, "__tablename__")
        if isinstance(own_name, ast.Constant) and isinstance(own_name.value, str):
            return info("model", own_name.value, schema=schema, extend_existing=extend)
        return info("model", node.name.lower(), schema=schema, extend_existing=extend)

    own_table = _own(node, "__table__")
    if isinstance(own_table, ast.expr):
        tv = ev.evaluate(path, own_table)
        if isinstance(tv, TableValue):
            return info("model", tv.name, schema=tv.schema or schema, maps_existing_table=not isinstance(own_table, ast.Call),
                        computed_name=tv.name is None)
        return info("model", None, computed_name=True, maps_existing_table=True)

    own_name = _own(node, "__tablename__")
    if isinstance(own_name, ast.Constant) and isinstance(own_name.value, str):
        return info("model", own_name.value, schema=schema, extend_existing=extend)
    if isinstance(own_name, (ast.FunctionDef, ast.AsyncFunctionDef)):
        name, computed = _declared_name(own_name, node.name)
        return info("model", name, schema=schema, computed_name=computed, extend_existing=extend)
    if own_name is not None:
        return info("model", None, schema=schema, computed_name=True, extend_existing=extend)

    for a in ancestors:
        inherited = _own(a.node, "__tablename__")
        if inherited is None:
            continue
        if isinstance(inherited, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if parent is not None and "has_inherited_table" in ast.unparse(inherited):
                return info("sti", ev.class_info(parent).table if ev.class_info(parent) else None)
            name, computed = _declared_name(inherited, node.name)
            return info("model", name, schema=schema, computed_name=computed, extend_existing=extend)
        if (a.path, a.line) in mapped_ancestors:
            break  # a mapped parent's plain string: single-table inheritance below
        if isinstance(inherited, ast.Constant) and isinstance(inherited.value, str):
            return info("model", inherited.value, schema=schema, extend_existing=extend)

    if parent is not None:
        pinfo = ev.class_info(parent)
        if framework == "flask" and _has_pk_column(node):
            return info("model", camel_to_snake(node.name), schema=schema)
        return info("sti", pinfo.table if pinfo else None, schema=pinfo.schema if pinfo else None)
    if framework == "flask":
        return info("model", camel_to_snake(node.name), schema=schema, extend_existing=extend)
    return info("unmapped")  # no table: SQLAlchemy would refuse to map it


def _looks_like_table_call(node: ast.expr) -> bool:
    if not isinstance(node, ast.Call):
        return False
    f = node.func
    return (isinstance(f, ast.Name) and f.id == "Table") or (isinstance(f, ast.Attribute) and f.attr == "Table")


def discover(ev: Evaluator, path: Path) -> list[Model]:
    """Models defined at module level in one file (classes inside functions are not models until
    the function runs, so they are not counted)."""
    tree = ev.index.tree(path)
    if tree is None:
        return []
    out: list[Model] = []
    for stmt in runtime_statements(tree.body, into_classes=False):
        if isinstance(stmt, ast.ClassDef):
            if not stmt.bases and not stmt.decorator_list:
                continue
            cls = ClassValue(path, stmt, stmt.lineno)
            info = ev.class_info(cls)
            if info is None or info.role not in ("model", "sti"):
                continue
            out.append(
                Model(
                    name=stmt.name,
                    kind="class",
                    path=path,
                    line=stmt.lineno,
                    metadata=info.metadata,
                    table=info.table,
                    schema=info.schema,
                    framework=info.framework,
                    owns_table=info.role == "model" and not info.maps_existing_table,
                    computed_name=info.computed_name,
                    extend_existing=info.extend_existing,
                )
            )
        else:
            value = None
            target = None
            if isinstance(stmt, ast.Assign):
                value = stmt.value
                target = stmt.targets[0] if isinstance(stmt.targets[0], ast.Name) else None
            elif isinstance(stmt, ast.AnnAssign):
                value, target = stmt.value, stmt.target if isinstance(stmt.target, ast.Name) else None
            elif isinstance(stmt, ast.Expr):
                value = stmt.value
            if value is None or not _looks_like_table_call(value):
                continue
            if any(k.arg in ("autoload_with", "autoload") for k in value.keywords):
                continue  # a reflected table describes the database; it defines nothing
            tv = ev.evaluate(path, value)
            if not isinstance(tv, TableValue) or tv.metadata is None:
                continue
            extend = any(k.arg == "extend_existing" and _is_true(k.value) for k in value.keywords)
            out.append(
                Model(
                    name=target.id if isinstance(target, ast.Name) else (tv.name or "Table"),
                    kind="table",
                    path=path,
                    line=stmt.lineno,
                    metadata=tv.metadata,
                    table=tv.name,
                    schema=tv.schema,
                    framework="sqlalchemy",
                    computed_name=tv.name is None,
                    extend_existing=extend,
                )
            )
    return out
