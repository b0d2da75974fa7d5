"""A small symbolic evaluator over module ASTs: what does a name or expression refer to?

It understands exactly what the models analysis needs — imports between project modules,
`MetaData()`, `declarative_base()`, `registry()`, `DeclarativeBase` subclasses, Flask-SQLAlchemy's
`SQLAlchemy()` (`db.Model`, `db.metadata`, `db.metadatas[key]`), `SQLModel.metadata`,
`Table(...)`, lists of those, `None`, and functions whose body ends in `return <expr>` — and
answers `Unknown` for everything else. Nothing is imported or executed.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from alembic_guard.models.imports import ModuleIndex, runtime_statements


# ---------------------------------------------------------------------- values
@dataclass(frozen=True)
class MetadataRef:
    """One MetaData object: `key` is its identity (where it is created), `label` how to name it."""

    key: str
    label: str
    path: Path | None = None
    line: int | None = None


SQLMODEL_METADATA = MetadataRef("sqlmodel:SQLModel.metadata", "SQLModel.metadata")


@dataclass(frozen=True)
class Value:
    pass


@dataclass(frozen=True)
class Unknown(Value):
    why: str = ""


@dataclass(frozen=True)
class NoneValue(Value):
    pass


@dataclass(frozen=True)
class ModuleValue(Value):
    path: Path  # a project module file (or namespace dir)


@dataclass(frozen=True)
class External(Value):
    qualname: str  # e.g. "sqlalchemy.orm.DeclarativeBase"

    @property
    def last(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]

    def is_(self, *names: str, package: str | tuple[str, ...] = ("sqlalchemy",)) -> bool:
        pkgs = (package,) if isinstance(package, str) else package
        return self.last in names and (self.qualname.split(".", 1)[0] in pkgs or "." not in self.qualname)


@dataclass(frozen=True)
class ClassValue(Value):
    path: Path
    node: ast.ClassDef = field(compare=False, hash=False)
    line: int = 0

    @property
    def name(self) -> str:
        return self.node.name


@dataclass(frozen=True)
class FunctionValue(Value):
    path: Path
    node: ast.FunctionDef = field(compare=False, hash=False)
    line: int = 0


@dataclass(frozen=True)
class MetadataValue(Value):
    ref: MetadataRef


@dataclass(frozen=True)
class BaseValue(Value):
    """Something to subclass that maps classes onto `metadata`: `declarative_base()`,
    `registry().generate_base()`, Flask-SQLAlchemy's `db.Model`."""

    metadata: MetadataRef
    framework: str  # sqlalchemy | flask | sqlmodel
    label: str
    fsa_key: str | None = None  # Flask-SQLAlchemy: the `db` identity, for __bind_key__


@dataclass(frozen=True)
class RegistryValue(Value):
    metadata: MetadataRef


@dataclass(frozen=True)
class FlaskDBValue(Value):
    """`db = SQLAlchemy(...)`."""

    key: str
    label: str
    metadata: MetadataRef
    model: BaseValue | None = None  # model_class=Base given


@dataclass(frozen=True)
class TableValue(Value):
    name: str | None
    metadata: MetadataRef | None
    schema: str | None = None
    path: Path | None = None
    line: int = 0


@dataclass(frozen=True)
class ListValue(Value):
    items: tuple[Value, ...]


@dataclass(frozen=True)
class MigrateExtension(Value):
    """`current_app.extensions["migrate"]` (Flask-Migrate's env.py)."""


# ---------------------------------------------------------------------- evaluator
@dataclass(frozen=True)
class Binding:
    kind: str  # import | from | assign | class | func | star
    node: ast.AST
    target: str | None = None  # for import: module; for from: module text
    attr: str | None = None
    level: int = 0
    value: ast.expr | None = None


class Evaluator:
    """Evaluates expressions of the application statically. What a class *is* (a mapped model,
    a declarative base...) is decided by `classify`, given by the caller: discover.classify, which
    itself asks this evaluator about the class's bases and decorators."""

    def __init__(self, index: ModuleIndex, relpath, classify):
        self.index = index
        self.relpath = relpath  # Path -> PurePosixPath
        self.classify = classify  # (Evaluator, ClassValue) -> ClassInfo | None
        self._bindings: dict[Path, tuple[dict[str, Binding], list[Binding]]] = {}
        self._memo: dict[tuple, Value] = {}
        self._active: set[tuple] = set()
        self.migrate_dbs: list[Value] | None = None  # filled lazily by the analysis
        self.flat_modules: set[Path] = set()  # modules whose function-level bindings count (env.py)

    # ------------------------------------------------------------------ bindings
    def bindings(self, path: Path) -> tuple[dict[str, Binding], list[Binding]]:
        if path in self._bindings:
            return self._bindings[path]
        names: dict[str, Binding] = {}
        stars: list[Binding] = []
        tree = self.index.tree(path) if path.is_file() else None
        if tree is not None:
            statements = list(runtime_statements(tree.body, into_classes=False))
            if path in self.flat_modules:
                # env.py: names bound inside its functions (run_migrations_online) count too,
                # after the module-level ones
                inner = [s for f in statements if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                         for s in runtime_statements(f.body, into_classes=False)]
                statements = inner + statements
            for stmt in statements:
                if isinstance(stmt, ast.Import):
                    for a in stmt.names:
                        if a.asname:
                            names[a.asname] = Binding("import", stmt, target=a.name)
                        else:
                            top = a.name.split(".")[0]
                            names[top] = Binding("import", stmt, target=top)
                elif isinstance(stmt, ast.ImportFrom):
                    for a in stmt.names:
                        if a.name == "*":
                            stars.append(Binding("star", stmt, target=stmt.module, level=stmt.level))
                        else:
                            names[a.asname or a.name] = Binding("from", stmt, target=stmt.module, attr=a.name, level=stmt.level)
                elif isinstance(stmt, ast.ClassDef):
                    names[stmt.name] = Binding("class", stmt)
                elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    names[stmt.name] = Binding("func", stmt)
                elif isinstance(stmt, ast.Assign):
                    for t in stmt.targets:
                        self._bind_target(names, t, stmt.value, stmt)
                elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                    self._bind_target(names, stmt.target, stmt.value, stmt)
        result = (names, stars)
        self._bindings[path] = result
        return result

    @staticmethod
    def _bind_target(names: dict[str, Binding], target: ast.expr, value: ast.expr, stmt: ast.stmt) -> None:
        if isinstance(target, ast.Name):
            names[target.id] = Binding("assign", stmt, value=value)
        elif isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)) and len(target.elts) == len(value.elts):
            for t, v in zip(target.elts, value.elts):
                Evaluator._bind_target(names, t, v, stmt)

    def _module_of_from(self, path: Path, binding: Binding) -> Value:
        if binding.level:
            base = self.index._relative_base(path, binding.level, binding.target)
            return ModuleValue(base) if base is not None else Unknown(f"relative import {binding.target}")
        if binding.target is None:
            return Unknown("import")
        hit = self.index.find(binding.target)
        return ModuleValue(hit) if hit is not None else External(binding.target)

    def lookup(self, path: Path, name: str, _seen: frozenset = frozenset()) -> Value:
        key = ("name", path, name)
        if key in self._memo:
            return self._memo[key]
        if key in self._active or (path, name) in _seen:
            return Unknown(f"circular reference to `{name}`")
        self._active.add(key)
        try:
            value = self._lookup(path, name, _seen | {(path, name)})
        finally:
            self._active.discard(key)
        self._memo[key] = value
        return value

    def _lookup(self, path: Path, name: str, seen: frozenset) -> Value:
        names, stars = self.bindings(path)
        b = names.get(name)
        if b is None:
            for star in reversed(stars):
                mod = self._module_of_from(path, star)
                if isinstance(mod, ModuleValue):
                    exported = self.index.dunder_all(mod.path)
                    if exported is not None and name not in exported:
                        continue
                    if name.startswith("_"):
                        continue
                    inner, inner_stars = self.bindings(mod.path)
                    if name in inner or inner_stars:
                        v = self.lookup(mod.path, name, seen)
                        if not isinstance(v, Unknown) or name in inner:
                            return v
                    sub = self.index.submodule(mod.path, name)
                    if sub is not None and exported is not None:
                        return ModuleValue(sub)
                elif isinstance(mod, External):
                    return External(f"{mod.qualname}.{name}")
            if name in ("None",):
                return NoneValue()
            return Unknown(f"`{name}` is not defined in {self.relpath(path)}")
        if b.kind == "import":
            hit = self.index.find(b.target)
            return ModuleValue(hit) if hit is not None else External(b.target)
        if b.kind == "from":
            mod = self._module_of_from(path, b)
            return self.attribute(mod, b.attr, seen)
        if b.kind == "class":
            return ClassValue(path, b.node, b.node.lineno)
        if b.kind == "func":
            return FunctionValue(path, b.node, b.node.lineno)
        if b.kind == "assign":
            return self.evaluate(path, b.value, label=name)
        return Unknown(name)

    # ------------------------------------------------------------------ attributes
    def attribute(self, base: Value, attr: str, seen: frozenset = frozenset()) -> Value:
        if isinstance(base, ModuleValue):
            names, stars = self.bindings(base.path)
            if attr in names or (stars and not self.index.submodule(base.path, attr)):
                v = self.lookup(base.path, attr, seen)
                if not isinstance(v, Unknown) or attr in names:
                    return v
            sub = self.index.submodule(base.path, attr)
            if sub is not None:
                return ModuleValue(sub)
            return Unknown(f"`{attr}` is not defined in {self.relpath(base.path)}")
        if isinstance(base, External):
            if base.qualname in ("sqlmodel.SQLModel", "sqlmodel.main.SQLModel") and attr == "metadata":
                return MetadataValue(SQLMODEL_METADATA)
            if base.qualname in ("flask.current_app",) and attr == "extensions":
                return External("flask.current_app.extensions")
            return External(f"{base.qualname}.{attr}")
        if isinstance(base, ClassValue):
            info = self.class_info(base)
            if attr == "metadata":
                if info is not None:
                    return MetadataValue(info.metadata)
                return Unknown(f"`{base.name}` is not a declarative base")
            if attr == "__table__" and info is not None and info.table is not None:
                return TableValue(info.table, info.metadata, info.schema, base.path, base.line)
            if attr == "registry" and info is not None:
                return RegistryValue(info.metadata)
            return Unknown(f"`{base.name}.{attr}`")
        if isinstance(base, BaseValue):
            if attr == "metadata":
                return MetadataValue(base.metadata)
            if attr == "registry":
                return RegistryValue(base.metadata)
            return Unknown(f"`{base.label}.{attr}`")
        if isinstance(base, FlaskDBValue):
            if attr == "metadata":
                return MetadataValue(base.metadata)
            if attr == "Model":
                return base.model or BaseValue(base.metadata, "flask", f"{base.label}.Model", fsa_key=base.key)
            if attr == "Table":
                return External("flask_sqlalchemy.Table")
            if attr == "metadatas":
                return base
            return External(f"flask_sqlalchemy.SQLAlchemy.{attr}")
        if isinstance(base, RegistryValue):
            if attr == "metadata":
                return MetadataValue(base.metadata)
            if attr in ("generate_base", "mapped", "mapped_as_dataclass", "as_declarative_base"):
                return External(f"registry.{attr}")
        if isinstance(base, MigrateExtension) and attr == "db":
            dbs = [v for v in (self.migrate_dbs or []) if isinstance(v, FlaskDBValue)]
            if len({d.key for d in dbs}) == 1:
                return dbs[0]
            return Unknown("`current_app.extensions['migrate'].db`: " + (
                "no `Migrate(app, db)` call found in the project" if not dbs else "several `Migrate(app, db)` calls with different `db`"
            ))
        return Unknown(f".{attr}")

    # ------------------------------------------------------------------ expressions
    def evaluate(self, path: Path, node: ast.expr, label: str | None = None) -> Value:
        key = ("expr", path, node.lineno, node.col_offset, getattr(node, "end_col_offset", 0), label)
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            return Unknown("circular definition")
        self._active.add(key)
        try:
            value = self._evaluate(path, node, label)
        except RecursionError:  # an absurdly long re-export chain: give up on this value only
            value = Unknown("definition chain too deep to follow")
        finally:
            self._active.discard(key)
        self._memo[key] = value
        return value

    @staticmethod
    def site(path: Path, node: ast.AST) -> str:
        """Identity of the object an expression creates: where it is created."""
        return f"{path}:{node.lineno}:{node.col_offset}"

    def _evaluate(self, path: Path, node: ast.expr, label: str | None) -> Value:
        if isinstance(node, ast.Constant) and node.value is None:
            return NoneValue()
        if isinstance(node, ast.Name):
            return self.lookup(path, node.id)
        if isinstance(node, ast.Attribute):
            return self.attribute(self.evaluate(path, node.value), node.attr)
        if isinstance(node, (ast.List, ast.Tuple)):
            return ListValue(tuple(self.evaluate(path, e) for e in node.elts))
        if isinstance(node, ast.Dict):  # the multidb template: {"engine1": md1, ...}
            return ListValue(tuple(self.evaluate(path, v) for v in node.values))
        if isinstance(node, ast.Subscript):
            base = self.evaluate(path, node.value)
            if isinstance(base, External) and base.qualname == "flask.current_app.extensions":
                key = node.slice
                if isinstance(key, ast.Constant) and key.value == "migrate":
                    return MigrateExtension()
            if isinstance(base, FlaskDBValue):  # db.metadatas[None] / db.metadatas["key"]
                key = node.slice
                if isinstance(key, ast.Constant):
                    if key.value is None:
                        return MetadataValue(base.metadata)
                    if isinstance(key.value, str):
                        return MetadataValue(bind_metadata(base, key.value))
            return Unknown(f"`{ast.unparse(node)}` is computed at run time")
        if isinstance(node, ast.Call):
            return self._call(path, node, label)
        return Unknown(f"`{ast.unparse(node)}` is computed at run time")

    def _call(self, path: Path, node: ast.Call, label: str | None) -> Value:
        if isinstance(node.func, ast.Attribute) and node.func.attr == "generate_base":
            reg = self.evaluate(path, node.func.value)
            if isinstance(reg, RegistryValue):
                return BaseValue(reg.metadata, "sqlalchemy", label or "generate_base()")
        func = self.evaluate(path, node.func)
        shown = label or ast.unparse(node)
        kw = {k.arg: k.value for k in node.keywords if k.arg}
        site = self.site(path, node)
        if isinstance(func, ClassValue):  # `db = MySQLAlchemy(...)` with `class MySQLAlchemy(SQLAlchemy)`
            flask_base = self._flask_sqlalchemy_base(func)
            if flask_base is not None:
                func = flask_base
        if isinstance(func, External):
            q = func.qualname
            last = func.last
            if last == "MetaData" and (q.startswith("sqlalchemy") or "." not in q):
                return MetadataValue(MetadataRef(site, label or "MetaData()", path, node.lineno))
            if last == "declarative_base" and (q.startswith("sqlalchemy") or "." not in q):
                md = self._metadata_kw(path, kw.get("metadata"), site, f"{shown}.metadata", node)
                return BaseValue(md, "sqlalchemy", label or "declarative_base()")
            if last == "registry" and (q.startswith("sqlalchemy") or "." not in q):
                md = self._metadata_kw(path, kw.get("metadata"), site, f"{label or 'registry'}.metadata", node)
                return RegistryValue(md)
            if last == "SQLAlchemy" and q.startswith("flask_sqlalchemy"):
                model = None
                mc = kw.get("model_class")
                if mc is not None:
                    mv = self.evaluate(path, mc)
                    if isinstance(mv, ClassValue):
                        info = self.class_info(mv)
                        if info is not None:
                            model = BaseValue(info.metadata, "flask", f"{label or 'db'}.Model", fsa_key=site)
                if model is not None:
                    md = model.metadata
                else:
                    md = self._metadata_kw(path, kw.get("metadata"), site, f"{label or 'db'}.metadata", node)
                return FlaskDBValue(site, label or "db", md, model)
            if last == "Table" and (q.startswith("sqlalchemy") or q.startswith("flask_sqlalchemy") or "." not in q):
                return self.table_call(path, node, flask=q.startswith("flask_sqlalchemy"))
            return Unknown(f"`{ast.unparse(node)}` is computed at run time")
        if isinstance(func, FunctionValue):
            ret = _final_return(func.node)
            if ret is not None:
                return self.evaluate(func.path, ret, label)
            return Unknown(f"`{func.node.name}()` has no final `return <expr>`")
        if isinstance(func, Unknown) and func.why:
            return func
        return Unknown(f"`{ast.unparse(node)}` is computed at run time")

    def _flask_sqlalchemy_base(self, cls: ClassValue, depth: int = 0) -> External | None:
        """The `flask_sqlalchemy.SQLAlchemy` a project class derives from (through project classes)."""
        if depth > 5:
            return None
        for b in cls.node.bases:
            v = self.evaluate(cls.path, b)
            if isinstance(v, External) and v.last == "SQLAlchemy" and v.qualname.startswith("flask_sqlalchemy"):
                return v
            if isinstance(v, ClassValue):
                found = self._flask_sqlalchemy_base(v, depth + 1)
                if found is not None:
                    return found
        return None

    def _metadata_kw(self, path: Path, node: ast.expr | None, site: str, label: str, call: ast.AST) -> MetadataRef:
        if node is not None:
            v = self.evaluate(path, node)
            if isinstance(v, MetadataValue):
                return v.ref
        return MetadataRef(site, label, path, call.lineno)

    def table_call(self, path: Path, node: ast.Call, flask: bool = False) -> TableValue:
        name = None
        if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            name = node.args[0].value
        md: MetadataRef | None = None
        md_node = node.args[1] if len(node.args) > 1 else None
        if md_node is None:
            md_node = next((k.value for k in node.keywords if k.arg == "metadata"), None)
        if md_node is not None:
            v = self.evaluate(path, md_node)
            if isinstance(v, MetadataValue):
                md = v.ref
            elif flask and isinstance(v, External):
                md = None
        if flask and md is None and isinstance(node.func, ast.Attribute):
            db = self.evaluate(path, node.func.value)
            if isinstance(db, FlaskDBValue):
                md = db.metadata
        schema = next((k.value.value for k in node.keywords if k.arg == "schema" and isinstance(k.value, ast.Constant)), None)
        return TableValue(name, md, schema if isinstance(schema, str) else None, path, node.lineno)

    # ------------------------------------------------------------------ classes
    def class_info(self, cls: ClassValue):
        key = ("class", cls.path, cls.line, cls.node.col_offset)
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            return None
        self._active.add(key)
        try:
            info = self.classify(self, cls)
        finally:
            self._active.discard(key)
        self._memo[key] = info
        return info


def bind_metadata(db: FlaskDBValue, bind_key: str) -> MetadataRef:
    return MetadataRef(f"{db.key}[{bind_key}]", f'{db.label}.metadatas["{bind_key}"]', db.metadata.path, db.metadata.line)


def _final_return(func: ast.FunctionDef) -> ast.expr | None:
    for stmt in reversed(func.body):
        if isinstance(stmt, ast.Return):
            return stmt.value
        if isinstance(stmt, ast.If):
            continue
        break
    returns = [n for n in ast.walk(func) if isinstance(n, ast.Return) and n.value is not None]
    return returns[-1].value if returns else None
