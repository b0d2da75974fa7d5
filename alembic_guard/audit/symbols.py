"""Per-module symbol table of application code: engines, session factories, ORM models and their
relationships, pydantic schemas, functions (async or not, FastAPI/Flask routes, dependencies).

Everything here is read with `ast`; nothing of the application is imported. `AppModule.build`
parses one file; `AppIndex` joins the modules of a project so a rule in `api.py` knows that
`SessionLocal` (defined in `db.py`) is an `async_sessionmaker` with `expire_on_commit` left at
True, or that `User.orders` (in `models.py`) is a lazy one-to-many relationship. Names are joined
by their simple name across modules: applications rarely define two models or two session
factories with the same name, and the price of a clash is a missed finding, never a crash.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from alembic_guard.audit.resolve import Imports
from alembic_guard.findings import Location

ASYNC_DRIVERS = {
    "asyncpg", "psycopg_async", "psycopg", "aiomysql", "asyncmy", "aiosqlite", "aioodbc",
    "oracledb_async", "oracledb", "aiopg",
}
SYNC_DEFAULT_DRIVER = {
    "postgresql": "psycopg2", "mysql": "mysqldb", "mariadb": "mysqldb", "sqlite": "pysqlite",
    "oracle": "cx_oracle", "mssql": "pyodbc",
}
ASYNC_SUGGESTION = {"postgresql": "asyncpg", "mysql": "aiomysql", "mariadb": "aiomysql", "sqlite": "aiosqlite"}
EAGER_LAZY = {"selectin", "joined", "subquery", "immediate", "raise", "raise_on_sql", "noload", "write_only",
              "dynamic", False}
LOADER_OPTIONS = {"selectinload", "joinedload", "subqueryload", "contains_eager", "immediateload", "raiseload",
                  "noload", "defaultload", "lazyload"}
EAGER_OPTIONS = {"selectinload", "joinedload", "subqueryload", "contains_eager", "immediateload", "raiseload",
                 "noload"}
SESSION_NAMES = {"session", "db", "sess", "s", "db_session", "async_session", "dbsession", "database"}
ROUTE_METHODS = {"get", "post", "put", "patch", "delete", "api_route", "route", "head", "options", "websocket"}


def parse_url(url: str | None) -> tuple[str | None, str | None]:
    """'mysql+pymysql://u@h/db' -> ('mysql', 'pymysql'); the default driver when none is named."""
    if not url:
        return None, None
    m = re.match(r"^\s*([a-zA-Z0-9_]+)(?:\+([a-zA-Z0-9_]+))?://", url)
    if not m:
        return None, None
    dialect = m.group(1).lower()
    dialect = {"postgres": "postgresql"}.get(dialect, dialect)
    driver = (m.group(2) or SYNC_DEFAULT_DRIVER.get(dialect) or "").lower() or None
    return dialect, driver


def dotted(node: ast.AST) -> str:
    """`a.b.c` for an attribute chain on a name; a base that is not a name is left out (`f().x` -> `x`)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def kwarg(call: ast.Call, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def literal(node: ast.AST | None):
    """A Python literal (str, number, bool, None, tuple/list/dict of them), else a sentinel."""
    if node is None:
        return MISSING
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return MISSING


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING = _Missing()


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
    by_type: dict = field(default_factory=dict, repr=False)  # node class -> nodes (see INDEXED)

    def of(self, *classes) -> list:
        """Nodes of the given classes (from INDEXED), in tree order within each class."""
        if len(classes) == 1:
            return self.by_type.get(classes[0], [])
        return [n for c in classes for n in self.by_type.get(c, [])]

    def own(self, scope: ast.AST) -> list:
        """Nodes of a function (or the module) body, not inside nested functions or classes."""
        found = self.owned.get(id(scope))
        return found if found is not None else list(_own_nodes(scope))

    def loc(self, node: ast.AST, end: bool = False) -> Location:
        return Location(
            self.path,
            getattr(node, "lineno", None),
            (getattr(node, "col_offset", -1) + 1) if hasattr(node, "col_offset") else None,
            getattr(node, "end_lineno", None),
            (node.end_col_offset + 1) if getattr(node, "end_col_offset", None) is not None else None,
        )

    @classmethod
    def build(cls, path: PurePosixPath, source: str, tree: ast.Module, imports: Imports | None = None,
              index: tuple | None = None) -> "AppModule":
        nodes, parents, owned, by_type = index or index_tree(tree)
        imports = imports or Imports.from_tree(tree, by_type.get(ast.Import, []) + by_type.get(ast.ImportFrom, []))
        mod = cls(path=path, source=source, tree=tree, imports=imports,
                  nodes=nodes, parents=parents, owned=owned, by_type=by_type)
        _Collector(mod).run()
        return mod


_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


_LEAVES = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)
INDEXED = (ast.Import, ast.ImportFrom, ast.Call, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef,
           ast.Assign, ast.AnnAssign, ast.Try, ast.Attribute) + ((ast.TryStar,) if hasattr(ast, "TryStar") else ())


def index_tree(tree: ast.AST) -> tuple[list, dict, dict, dict]:
    """One pass over a tree: all nodes (breadth first), parent of each, own nodes of each scope,
    nodes of the INDEXED classes."""
    by_type: dict[type, list] = {c: [] for c in INDEXED}
    nodes = [tree]
    scopes = [tree]
    parents: dict[int, ast.AST] = {}
    owned: dict[int, list] = {id(tree): []}
    add_node, add_scope = nodes.append, scopes.append
    defs, leaves, AST = _DEFS, _LEAVES, ast.AST
    i = 0
    while i < len(nodes):
        node = nodes[i]
        scope = scopes[i]
        i += 1
        if isinstance(node, defs):
            scope = node
            own = owned.setdefault(id(node), [])
        else:
            own = owned[id(scope)]
        for name in node._fields:
            value = getattr(node, name, None)
            if value is None or value.__class__ is str or value.__class__ is int:
                continue
            children = value if value.__class__ is list else (value,)
            for child in children:
                if not isinstance(child, AST) or isinstance(child, leaves):
                    continue
                parents[id(child)] = node
                add_node(child)
                add_scope(scope)
                if not isinstance(child, defs):
                    own.append(child)
                bucket = by_type.get(child.__class__)
                if bucket is not None:
                    bucket.append(child)
    if isinstance(tree, ast.Try):
        by_type[ast.Try].insert(0, tree)
    return nodes, parents, owned, by_type


def build_modules(parsed: list[tuple[PurePosixPath, str, ast.Module]]) -> list[AppModule]:
    """Symbol tables of several modules, sharing what crosses module boundaries before they are
    built: a Flask-SQLAlchemy `db = SQLAlchemy()` defined in `extensions.py` and imported elsewhere."""
    indexes = [index_tree(tree) for _, _, tree in parsed]
    imports = [Imports.from_tree(tree, idx[3][ast.Import] + idx[3][ast.ImportFrom]) for (_, _, tree), idx in zip(parsed, indexes)]
    flask_dbs = {name for imp in imports for name in imp.flask_db}
    if flask_dbs:
        for imp in imports:
            for local, qual in imp.names.items():
                if qual.rsplit(".", 1)[-1] in flask_dbs and not qual.startswith("flask_sqlalchemy"):
                    imp.flask_db.add(local)
    return [AppModule.build(path, source, tree, imp, idx) for (path, source, tree), imp, idx in zip(parsed, imports, indexes)]


def string_value(node: ast.AST | None, mod: AppModule) -> tuple[str | None, bool]:
    """(literal string or its literal prefix, came-from-a-default) for a URL expression."""
    if node is None:
        return None, False
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, False
    if isinstance(node, ast.JoinedStr):
        prefix = ""
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                prefix += part.value
            else:
                break
        return (prefix or None), False
    if isinstance(node, ast.Name) and node.id in mod.strings:
        return mod.strings[node.id], False
    if isinstance(node, ast.Call):
        q = mod.imports.qualify(node.func) or ""
        if q in ("os.getenv", "os.environ.get") and len(node.args) >= 2:
            value, _ = string_value(node.args[1], mod)
            return value, True
        if q.endswith("URL.create") and node.args:
            value, _ = string_value(node.args[0], mod)
            return (value + "://") if value else None, False
        if isinstance(node.func, ast.Name) and node.func.id == "str" and node.args:
            return string_value(node.args[0], mod)
    if isinstance(node, ast.Subscript):  # os.environ["X"]
        return None, False
    return None, False


class _Collector:
    def __init__(self, mod: AppModule):
        self.mod = mod
        self.imp = mod.imports

    def run(self) -> None:
        mod = self.mod
        for node in mod.tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                    mod.strings[node.targets[0].id] = node.value.value
                elif isinstance(node.value, (ast.Call, ast.JoinedStr)):
                    value, _ = string_value(node.value, mod)
                    if value and "://" in value:
                        mod.strings[node.targets[0].id] = value
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                    mod.strings[node.target.id] = node.value.value
        assigns = []
        Call, ClassDef, FunctionDef, AsyncFunctionDef, Assign, AnnAssign = (
            ast.Call, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef, ast.Assign, ast.AnnAssign)
        if "engine" in mod.source:
            for node in mod.of(Call):
                key = self.imp.call_key(node)
                if key in ("create_engine", "create_async_engine"):
                    self.engine(node, key == "create_async_engine", None)
        for node in mod.of(Assign, AnnAssign):
            if node.value.__class__ is Call:
                assigns.append(node)
        for node in mod.of(ClassDef):
            self.classdef(node)
        for node in mod.of(FunctionDef, AsyncFunctionDef):
            self.function(node)
        # names bound to engines and factories (module level, class level, function level)
        for node in assigns:
            if node.__class__ is Assign:
                targets, value = node.targets, node.value
            else:
                targets, value = [node.target], node.value
            names = [t.id if isinstance(t, ast.Name) else t.attr for t in targets if isinstance(t, (ast.Name, ast.Attribute))]
            if not names:
                continue
            for eng in mod.engines:
                if eng.call is value:
                    eng.name = names[0]
            self.factory(value, names[0])

    def engine(self, call: ast.Call, is_async: bool, name: str | None) -> None:
        url_node = call.args[0] if call.args else kwarg(call, "url")
        url, is_default = string_value(url_node, self.mod)
        dialect, driver = parse_url(url)
        pool = kwarg(call, "poolclass")
        self.mod.engines.append(EngineInfo(
            name=name, is_async=is_async, call=call, url=url, url_is_default=is_default, dialect=dialect,
            driver=driver, poolclass=self.imp.key(pool) if pool is not None else None, module=self.mod,
        ))

    def factory(self, call: ast.Call, name: str) -> None:
        key = self.imp.call_key(call)
        scoped = False
        if key in ("scoped_session", "async_scoped_session") and call.args and isinstance(call.args[0], ast.Call):
            scoped = True
            call = call.args[0]
            key = self.imp.call_key(call)
        if key not in ("sessionmaker", "async_sessionmaker"):
            return
        is_async = key == "async_sessionmaker"
        cls_ = kwarg(call, "class_")
        if cls_ is not None and self.imp.key(cls_) == "AsyncSession":
            is_async = True
        bind = call.args[0] if call.args else kwarg(call, "bind")
        expire = literal(kwarg(call, "expire_on_commit"))
        self.mod.factories[name] = FactoryInfo(
            name=name, is_async=is_async, call=call, expire_on_commit=expire is not False,
            engine=bind.id if isinstance(bind, ast.Name) else None, module=self.mod, scoped=scoped,
        )

    # -- models and schemas -----------------------------------------------------------
    def classdef(self, node: ast.ClassDef) -> None:
        imp = self.imp
        base_keys = [imp.key(b) for b in node.bases]
        base_names = [b.id if isinstance(b, ast.Name) else getattr(b, "attr", None) for b in node.bases]
        table_kw = any(kw.arg == "table" and literal(kw.value) is True for kw in node.keywords)
        is_sqlmodel = "SQLModel" in base_keys
        rels: dict[str, RelInfo] = {}
        columns: set[str] = set()
        has_table = False
        for stmt in node.body:
            target, value, annotation = None, None, None
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                target, value = stmt.targets[0].id, stmt.value
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                target, value, annotation = stmt.target.id, stmt.value, stmt.annotation
            if target is None:
                continue
            if target in ("__tablename__", "__table__"):
                has_table = True
                continue
            if isinstance(value, ast.Call) and imp.call_key(value) == "relationship":
                rels[target] = self.relationship(node.name, target, value, annotation)
            else:
                columns.add(target)
        is_model = bool(rels) or has_table or table_kw or "flask.Model" in base_keys
        if is_sqlmodel and not table_kw:
            is_model = False
        if is_model and ("DeclarativeBase" in base_keys or any(n == "DeclarativeBase" for n in base_names)) and not has_table:
            is_model = False  # the Base class itself
        if is_model:
            self.mod.models[node.name] = ModelInfo(node.name, node, self.mod, rels, columns)
        elif "BaseModel" in base_keys or is_sqlmodel or any(n and n.endswith(("Schema", "Out", "Read", "Response")) for n in [node.name]):
            self.mod.schemas[node.name] = columns | set(rels)

    def relationship(self, model: str, name: str, call: ast.Call, annotation: ast.expr | None) -> RelInfo:
        lazy = literal(kwarg(call, "lazy"))
        sa_kwargs = literal(kwarg(call, "sa_relationship_kwargs"))  # SQLModel
        if lazy is MISSING and isinstance(sa_kwargs, dict) and "lazy" in sa_kwargs:
            lazy = sa_kwargs["lazy"]
        if lazy is MISSING:
            lazy = "select"
        target = None
        if call.args:
            a = call.args[0]
            if isinstance(a, ast.Constant) and isinstance(a.value, str):
                target = a.value.split(".")[-1]
            elif isinstance(a, ast.Name):
                target = a.id
        collection: bool | None = None
        uselist = literal(kwarg(call, "uselist"))
        if isinstance(uselist, bool):
            collection = uselist
        if annotation is not None:
            t, coll = _annotation_target(annotation)
            target = target or t
            if collection is None and coll is not None:
                collection = coll
        if collection is None and kwarg(call, "backref") is not None and name.endswith("s"):
            collection = True
        if collection is None:
            collection = looks_plural(name)
        backref = kwarg(call, "backref")
        if isinstance(backref, ast.Call) and backref.args:  # backref("author", lazy="joined")
            backref = backref.args[0]
        backref_name = backref.value if isinstance(backref, ast.Constant) and isinstance(backref.value, str) else None
        return RelInfo(model, name, lazy, target, collection, call, backref_name)

    # -- functions --------------------------------------------------------------------------
    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        is_route = False
        response_model = None
        for dec in node.decorator_list:
            call = dec if isinstance(dec, ast.Call) else None
            func = call.func if call else dec
            if isinstance(func, ast.Attribute) and func.attr in ROUTE_METHODS:
                is_route = True
                if call is not None:
                    response_model = kwarg(call, "response_model")
        depends: dict[str, str] = {}
        args = node.args
        params = args.posonlyargs + args.args + args.kwonlyargs
        defaults = [None] * (len(args.posonlyargs + args.args) - len(args.defaults)) + list(args.defaults) + list(args.kw_defaults)
        for p, d in zip(params, defaults):
            dep = _depends_target(d, self.imp) or _depends_target(p.annotation, self.imp)
            if dep:
                depends[p.arg] = dep
        if depends:
            is_route = True  # FastAPI injects the parameters of routes (and of dependencies)
        if response_model is None and node.returns is not None and is_route:
            response_model = node.returns
        is_gen = any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in self.mod.own(node))
        self.mod.functions.setdefault(node.name, FuncInfo(
            node.name, node, isinstance(node, ast.AsyncFunctionDef), is_route, response_model, depends, is_gen,
        ))


def _depends_target(node: ast.AST | None, imp: Imports) -> str | None:
    """`Depends(get_db)` (also inside `Annotated[Session, Depends(get_db)]`) -> 'get_db'."""
    if node is None:
        return None
    for n in ast.walk(node):
        if isinstance(n, ast.Call) and imp.key(n.func) == "Depends" and n.args:
            a = n.args[0]
            if isinstance(a, ast.Name):
                return a.id
            if isinstance(a, ast.Attribute):
                return a.attr
    return None


def _own_nodes(func: ast.AST):
    """Nodes of a function body, not descending into nested functions or classes."""
    stack = list(ast.iter_child_nodes(func))
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        yield n
        stack.extend(ast.iter_child_nodes(n))


def own_nodes(func: ast.AST):
    return _own_nodes(func)


def _annotation_target(node: ast.expr) -> tuple[str | None, bool | None]:
    """Mapped[List["Order"]] -> ('Order', True); Mapped["User"] -> ('User', False)."""
    def name_of(n: ast.AST) -> str | None:
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            text = n.value.strip()
            m = re.match(r"^(?:Mapped\[)?(?:(?:typing\.)?(?:List|list|Set|set|Sequence|Optional)\[)?[\"']?([A-Za-z_][A-Za-z0-9_.]*)", text)
            return m.group(1).split(".")[-1] if m else None
        if isinstance(n, ast.Name):
            return n.id
        if isinstance(n, ast.Attribute):
            return n.attr
        return None

    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
        coll = bool(re.search(r"\b(List|list|Set|set|Sequence)\[", text))
        inner = re.findall(r"[\[\"']([A-Z][A-Za-z0-9_]*)", text)
        inner = [i for i in inner if i not in ("List", "Set", "Sequence", "Optional", "Mapped")]
        return (inner[-1] if inner else None), coll
    if isinstance(node, ast.Subscript):
        outer = name_of(node.value)
        inner = node.slice
        if outer in ("Mapped", "Optional"):
            return _annotation_target(inner)
        if outer in ("List", "list", "Set", "set", "Sequence", "WriteOnlyMapped", "DynamicMapped"):
            return name_of(inner), True
        return name_of(inner), None
    if isinstance(node, ast.BinOp):  # "Order" | None
        return _annotation_target(node.left)
    n = name_of(node)
    return n, (False if n else None)


_SINGULAR_S = ("ss", "us", "is", "os", "as")


def looks_plural(name: str) -> bool:
    """A relationship or attribute name that reads like a collection (orders, items, children)."""
    low = name.lower()
    if low in ("children", "people", "members", "entries", "data") or low.endswith(("_list", "_set")):
        return True
    return low.endswith("s") and not low.endswith(_SINGULAR_S) and len(low) > 2


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
    sqlalchemy_major: int | None = None  # 1 or 2 from the project's dependency files (audit/versions.py), None if unknown
    async_ctor_expire: list = field(default_factory=list)  # expire_on_commit of each `AsyncSession(...)` call
    default_dialect: str | None = None  # the project's dialect (settings or alembic.ini), for engines whose URL is not a literal

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
        for m in modules:  # sessions built directly: `AsyncSession(engine, expire_on_commit=False)` in a factory function
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
