"""Per-module symbol table of application code, as data: engines, session factories, ORM models and
their relationships, pydantic schemas, functions (async or not, FastAPI/Flask routes, dependencies)
in an `AppModule`, and `AppIndex`, which joins the modules of a project so a rule in `api.py` knows
that `SessionLocal` (defined in `db.py`) is an `async_sessionmaker` with `expire_on_commit` left at
True, or that `User.orders` (in `models.py`) is a lazy one-to-many relationship. Names are joined by
their simple name across modules: applications rarely define two models or two session factories
with the same name, and the price of a clash is a missed finding, never a crash. It owns the records
and the lookups on them; it must not read a syntax tree into them (`audit/collect.py` builds an
`AppModule` from a parsed file), follow a function's flow (`audit/flow.py`) or import anything of
the application.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from alembic_guard.audit.resolve import Imports
from alembic_guard.audit.syntax import kwarg, literal, own_nodes
from alembic_guard.findings import Location

@dataclass
class EngineInfo:
    name: str | None
    is_async: bool
    call: ast.Call
    url: str | None  # literal (or literal prefix / default) of the URL, when known
    url_is_default: bool  # taken from os.getenv("X", "<default>")
    dialect: str | None
    driver: str | None
    poolclass: str | None  # canonical key: NullPool, StaticPool...
    module: "AppModule"

    @property
    def line(self) -> int:
        return self.call.lineno

    def option(self, name: str):
        return literal(kwarg(self.call, name))

    def has(self, name: str) -> bool:
        return kwarg(self.call, name) is not None

    @property
    def connect_args(self) -> dict:
        value = literal(kwarg(self.call, "connect_args"))
        return value if isinstance(value, dict) else {}

    @property
    def in_memory_sqlite(self) -> bool:
        if self.dialect != "sqlite" or self.url is None:
            return False
        rest = self.url.split("://", 1)[1] if "://" in self.url else ""
        return rest in ("", "/", "/:memory:") or ":memory:" in rest or "mode=memory" in rest


@dataclass
class FactoryInfo:
    name: str
    is_async: bool
    call: ast.Call
    expire_on_commit: bool  # True unless expire_on_commit=False is passed literally
    engine: str | None
    module: "AppModule"
    scoped: bool = False


@dataclass
class RelInfo:
    model: str
    name: str
    lazy: object  # "select" default, or the literal given
    target: str | None
    collection: bool | None
    node: ast.AST
    backref: str | None = None  # name of the reverse relationship `backref=` creates on the target

    @property
    def is_lazy(self) -> bool:
        return self.lazy in ("select", True, None)


@dataclass
class ModelInfo:
    name: str
    node: ast.ClassDef
    module: "AppModule"
    relationships: dict[str, RelInfo] = field(default_factory=dict)
    columns: set[str] = field(default_factory=set)


@dataclass
class FuncInfo:
    name: str
    node: ast.FunctionDef | ast.AsyncFunctionDef
    is_async: bool
    is_route: bool
    response_model: ast.expr | None
    depends: dict[str, str]  # parameter -> dependency function name
    is_generator: bool


@dataclass(eq=False)
class AppModule:
    """One application file: its tree, indexes and symbols (built by `audit.collect.build_module`)."""

    path: PurePosixPath  # relative to the project root
    source: str
    tree: ast.Module
    imports: Imports
    engines: list[EngineInfo] = field(default_factory=list)
    factories: dict[str, FactoryInfo] = field(default_factory=dict)
    models: dict[str, ModelInfo] = field(default_factory=dict)
    schemas: dict[str, set[str]] = field(default_factory=dict)
    functions: dict[str, FuncInfo] = field(default_factory=dict)
    strings: dict[str, str] = field(default_factory=dict)  # module-level NAME = "literal"
    flows: list = field(default_factory=list)  # filled by audit.flow
    nodes: list = field(default_factory=list, repr=False)  # every node, parents before children
    parents: dict = field(default_factory=dict, repr=False)  # id(node) -> parent node
    owned: dict = field(default_factory=dict, repr=False)  # id(def or module) -> its own nodes
    by_type: dict = field(default_factory=dict, repr=False)  # node class -> nodes (see syntax.INDEXED)

    def of(self, *classes) -> list:
        """Nodes of the given classes (from syntax.INDEXED), in tree order within each class."""
        if len(classes) == 1:
            return self.by_type.get(classes[0], [])
        return [n for c in classes for n in self.by_type.get(c, [])]

    def own(self, scope: ast.AST) -> list:
        """Nodes of a function (or the module) body, not inside nested functions or classes."""
        found = self.owned.get(id(scope))
        return found if found is not None else list(own_nodes(scope))

    def loc(self, node: ast.AST, end: bool = False) -> Location:
        return Location(
            self.path,
            getattr(node, "lineno", None),
            (getattr(node, "col_offset", -1) + 1) if hasattr(node, "col_offset") else None,
            getattr(node, "end_lineno", None),
            (node.end_col_offset + 1) if getattr(node, "end_col_offset", None) is not None else None,
        )


@dataclass
class AppIndex:
    """All analysed modules of a project, with cross-module lookups."""

    modules: list[AppModule]
    models: dict[str, ModelInfo] = field(default_factory=dict)
    factories: dict[str, FactoryInfo] = field(default_factory=dict)
    engines: dict[str, EngineInfo] = field(default_factory=dict)
    schemas: dict[str, set[str]] = field(default_factory=dict)
    functions: dict[str, list[FuncInfo]] = field(default_factory=dict)
    uses_v2_style: bool = False
    uses_async: bool = False
    # 1 or 2 from the project's dependency files (audit/versions.py), None if unknown
    sqlalchemy_major: int | None = None
    async_ctor_expire: list = field(default_factory=list)  # expire_on_commit of each `AsyncSession(...)` call
    # the project's dialect (settings or alembic.ini), for engines whose URL is not a literal
    default_dialect: str | None = None

    def dialect_of(self, engine: "EngineInfo") -> tuple[str | None, bool]:
        """(dialect, guessed): the URL's dialect, else the project's when the URL is not readable."""
        if engine.dialect or engine.url:
            return engine.dialect, False
        return self.default_dialect, self.default_dialect is not None

    @classmethod
    def build(cls, modules: list[AppModule], v2_declared: bool = False) -> "AppIndex":
        idx = cls(modules)
        idx.uses_v2_style = v2_declared
        for m in modules:
            idx.models.update(m.models)
            idx.factories.update(m.factories)
            for e in m.engines:
                if e.name:
                    idx.engines[e.name] = e
            idx.schemas.update(m.schemas)
            for name, f in m.functions.items():
                idx.functions.setdefault(name, []).append(f)
            if _v2_markers(m):
                idx.uses_v2_style = True
            if any(e.is_async for e in m.engines) or any(f.is_async for f in m.factories.values()):
                idx.uses_async = True
        # sessions built directly: `AsyncSession(engine, expire_on_commit=False)` in a factory function
        for m in modules:
            for call in m.of(ast.Call):
                if m.imports.key(call.func) == "AsyncSession":
                    idx.async_ctor_expire.append(literal(kwarg(call, "expire_on_commit")) is not False)
        for model in list(idx.models.values()):  # relationships created by backref= on the other side
            for rel in list(model.relationships.values()):
                target = idx.models.get(rel.target or "")
                if rel.backref and target is not None and rel.backref not in target.relationships:
                    target.relationships[rel.backref] = RelInfo(target.name, rel.backref, "select", model.name,
                                                                not rel.collection, rel.node)
        return idx

    def relationship(self, model: str | None, attr: str) -> RelInfo | None:
        if model is None:
            return None
        info = self.models.get(model)
        return info.relationships.get(attr) if info else None

    def engine_is_async(self, name: str | None) -> bool | None:
        if name is None or name not in self.engines:
            return None
        return self.engines[name].is_async

    def async_factories_expire(self) -> bool:
        """True unless every async session factory known (`async_sessionmaker(...)`, or `AsyncSession(...)`
        built in a factory function) passes expire_on_commit=False."""
        known = [f.expire_on_commit for f in self.factories.values() if f.is_async] + self.async_ctor_expire
        return not known or any(known)


def _v2_markers(mod: AppModule) -> bool:
    keys = set()
    for local, q in mod.imports.names.items():
        k = mod.imports.key(ast.Name(id=local))
        if k:
            keys.add(k)
    return bool(keys & {"select", "Mapped", "mapped_column", "DeclarativeBase", "async_sessionmaker",
                        "create_async_engine", "AsyncSession"})
