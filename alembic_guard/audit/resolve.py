"""Import resolution: which local names in a module are SQLAlchemy's (or asyncio's, FastAPI's...).

`Imports.from_tree(tree)` reads every `import` / `from ... import` of a module (at any depth) and
`imports.qualify(node)` turns a `Name` / `Attribute` chain into a dotted name as the library spells
it (`cae` -> `sqlalchemy.ext.asyncio.create_async_engine`, `sa.orm.sessionmaker` ->
`sqlalchemy.orm.sessionmaker`). `canonical(qualname)` maps the many public spellings of one object
to one short key (`create_async_engine`, `Session`, `relationship`...), so rules compare keys, not
module paths. Nothing is imported: this is pure `ast`.

Flask-SQLAlchemy: `db = SQLAlchemy(app)` makes `db.session`, `db.relationship`, `db.Model`,
`db.engine` known through `Imports.flask_db` (names bound to a `SQLAlchemy(...)` instance).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

# qualified name (or module prefix + name) -> canonical key
_CANON: dict[str, str] = {}


def _register(key: str, *qualnames: str) -> None:
    for q in qualnames:
        _CANON[q] = key


_register("create_engine", "sqlalchemy.create_engine", "sqlalchemy.engine.create_engine",
          "sqlalchemy.engine.create.create_engine", "sqlmodel.create_engine")
_register("create_async_engine", "sqlalchemy.ext.asyncio.create_async_engine",
          "sqlalchemy.ext.asyncio.engine.create_async_engine", "sqlmodel.ext.asyncio.create_async_engine")
_register("sessionmaker", "sqlalchemy.orm.sessionmaker", "sqlalchemy.orm.session.sessionmaker")
_register("async_sessionmaker", "sqlalchemy.ext.asyncio.async_sessionmaker",
          "sqlalchemy.ext.asyncio.session.async_sessionmaker")
_register("scoped_session", "sqlalchemy.orm.scoped_session", "sqlalchemy.orm.scoping.scoped_session")
_register("async_scoped_session", "sqlalchemy.ext.asyncio.async_scoped_session")
_register("Session", "sqlalchemy.orm.Session", "sqlalchemy.orm.session.Session", "sqlmodel.Session",
          "sqlmodel.orm.session.Session")
_register("AsyncSession", "sqlalchemy.ext.asyncio.AsyncSession", "sqlalchemy.ext.asyncio.session.AsyncSession",
          "sqlmodel.ext.asyncio.session.AsyncSession", "sqlmodel.ext.asyncio.AsyncSession")
_register("Engine", "sqlalchemy.Engine", "sqlalchemy.engine.Engine", "sqlalchemy.engine.base.Engine")
_register("AsyncEngine", "sqlalchemy.ext.asyncio.AsyncEngine")
_register("relationship", "sqlalchemy.orm.relationship", "sqlalchemy.orm.relationships.relationship",
          "sqlmodel.Relationship", "sqlalchemy.orm.relation")
_register("mapped_column", "sqlalchemy.orm.mapped_column")
_register("Mapped", "sqlalchemy.orm.Mapped")
_register("DeclarativeBase", "sqlalchemy.orm.DeclarativeBase", "sqlalchemy.orm.DeclarativeBaseNoMeta")
_register("declarative_base", "sqlalchemy.orm.declarative_base", "sqlalchemy.ext.declarative.declarative_base")
_register("SQLModel", "sqlmodel.SQLModel")
_register("select", "sqlalchemy.select", "sqlalchemy.sql.select", "sqlalchemy.future.select",
          "sqlalchemy.sql.expression.select", "sqlmodel.select", "sqlmodel.sql.expression.select")
for _loader in ("selectinload", "joinedload", "subqueryload", "contains_eager", "immediateload",
                "raiseload", "lazyload", "noload", "defaultload", "load_only", "defer", "undefer"):
    _register(_loader, f"sqlalchemy.orm.{_loader}", f"sqlalchemy.orm.strategy_options.{_loader}")
for _exc in ("IntegrityError", "SQLAlchemyError", "DBAPIError", "OperationalError", "DataError",
             "StatementError", "DatabaseError", "InvalidRequestError", "PendingRollbackError"):
    _register(_exc, f"sqlalchemy.exc.{_exc}", f"sqlalchemy.{_exc}")
for _pool in ("NullPool", "StaticPool", "QueuePool", "SingletonThreadPool", "AssertionPool",
              "AsyncAdaptedQueuePool"):
    _register(_pool, f"sqlalchemy.pool.{_pool}", f"sqlalchemy.{_pool}", f"sqlalchemy.pool.impl.{_pool}")
_register("text", "sqlalchemy.text", "sqlalchemy.sql.text")
_register("event.listens_for", "sqlalchemy.event.listens_for")
_register("asyncio.gather", "asyncio.gather")
_register("asyncio.TaskGroup", "asyncio.TaskGroup")
_register("asyncio.create_task", "asyncio.create_task", "asyncio.ensure_future")
_register("asyncio.Lock", "asyncio.Lock")
_register("asyncio.to_thread", "asyncio.to_thread")
_register("anyio.create_task_group", "anyio.create_task_group")
_register("Depends", "fastapi.Depends", "fastapi.params.Depends")
_register("FastAPI", "fastapi.FastAPI")
_register("APIRouter", "fastapi.APIRouter")
_register("Flask", "flask.Flask")
_register("Blueprint", "flask.Blueprint")
_register("SQLAlchemy", "flask_sqlalchemy.SQLAlchemy")
_register("BaseModel", "pydantic.BaseModel")

# what a Flask-SQLAlchemy instance offers, as canonical keys
_FLASK_DB_ATTRS = {
    "relationship": "relationship",
    "Model": "flask.Model",
    "session": "flask.session",
    "engine": "flask.engine",
    "select": "select",
    "selectinload": "selectinload",
    "joinedload": "joinedload",
}


def canonical(qualname: str | None) -> str | None:
    if qualname is None:
        return None
    return _CANON.get(qualname)


@dataclass
class Imports:
    """Local name -> fully qualified name, for one module."""

    names: dict[str, str] = field(default_factory=dict)
    flask_db: set[str] = field(default_factory=set)  # names bound to flask_sqlalchemy.SQLAlchemy(...)
    modules: set[str] = field(default_factory=set)  # top-level packages imported (fastapi, flask...)

    @classmethod
    def from_tree(cls, tree: ast.Module, nodes: list | None = None) -> "Imports":
        imp = cls()
        for node in nodes if nodes is not None else ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    imp.modules.add(alias.name.split(".")[0])
                    if alias.asname:
                        imp.names[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        imp.names.setdefault(top, top)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imp.modules.add(node.module.split(".")[0])
                for alias in node.names:
                    if alias.name == "*":
                        continue
                    imp.names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        # Flask-SQLAlchemy instances: `db = SQLAlchemy(...)` / `db = SQLAlchemy()` at module level
        # (or an instance of a subclass defined here: `class MySQLAlchemy(SQLAlchemy)`; `db = MySQLAlchemy()`)
        subclasses = {"SQLAlchemy"}
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and any(imp.key(b) == "SQLAlchemy" or getattr(b, "id", None) in subclasses
                                                      for b in node.bases):
                subclasses.add(node.name)
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                f = node.value.func
                if imp.key(f) == "SQLAlchemy" or isinstance(f, ast.Name) and f.id in subclasses:
                    for t in node.targets:
                        if isinstance(t, ast.Name):
                            imp.flask_db.add(t.id)
        return imp

    def qualify(self, node: ast.AST) -> str | None:
        """Dotted name of a Name/Attribute chain with its import resolved, or None."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        base = self.names.get(node.id)
        if base is None:
            return None
        return ".".join([base, *reversed(parts)])

    def key(self, node: ast.AST) -> str | None:
        """Canonical key of what `node` names (see `canonical`), including Flask-SQLAlchemy's `db.x`."""
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in self.flask_db
        ):
            return _FLASK_DB_ATTRS.get(node.attr)
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute)
            and isinstance(node.value.value, ast.Name)
            and node.value.value.id in self.flask_db
            and node.value.attr == "session"
        ):
            return None
        return canonical(self.qualify(node))

    def call_key(self, node: ast.AST) -> str | None:
        return self.key(node.func) if isinstance(node, ast.Call) else None

    def is_flask_session(self, node: ast.AST) -> bool:
        """`db.session` of a Flask-SQLAlchemy instance."""
        return (
            isinstance(node, ast.Attribute)
            and node.attr == "session"
            and isinstance(node.value, ast.Name)
            and node.value.id in self.flask_db
        )

    @property
    def uses_sqlalchemy(self) -> bool:
        return bool(self.modules & {"sqlalchemy", "sqlmodel", "flask_sqlalchemy"}) or bool(self.flask_db)
