"""Reading parsed application files into symbol tables: `build_module` walks one module's tree and
fills its `AppModule` (engines with their URL, driver and pool class, session factories, ORM models
with their relationships, pydantic schemas, functions with their routes and FastAPI dependencies);
`build_modules` does several, sharing first what crosses module boundaries (a Flask-SQLAlchemy `db`
imported from another module). It owns the recognition of definitions (which call is a
`create_engine`, which class is a model, which annotation names a relationship's target); it must
not follow a function's statements (`audit/flow.py`), join modules into a project (`AppIndex.build`
in `audit/symbols.py`), or import or execute anything of the application: `ast` and literals only.
"""

from __future__ import annotations

import ast
import re
from pathlib import PurePosixPath

from alembic_guard.audit.resolve import Imports
from alembic_guard.audit.symbols import AppModule, EngineInfo, FactoryInfo, FuncInfo, ModelInfo, RelInfo
from alembic_guard.audit.syntax import MISSING, index_tree, kwarg, literal
from alembic_guard.audit.vocabulary import ROUTE_METHODS, looks_plural, parse_url


def build_module(path: PurePosixPath, source: str, tree: ast.Module, imports: Imports | None = None,
                 index: tuple | None = None) -> AppModule:
    """The symbol table of one module (`index`: `syntax.index_tree(tree)` when already computed)."""
    nodes, parents, owned, by_type = index or index_tree(tree)
    imports = imports or Imports.from_tree(tree, by_type.get(ast.Import, []) + by_type.get(ast.ImportFrom, []))
    mod = AppModule(path=path, source=source, tree=tree, imports=imports,
                    nodes=nodes, parents=parents, owned=owned, by_type=by_type)
    _Collector(mod).run()
    return mod


def build_modules(parsed: list[tuple[PurePosixPath, str, ast.Module]]) -> list[AppModule]:
    """Symbol tables of several modules, sharing what crosses module boundaries before they are
    built: a Flask-SQLAlchemy `db = SQLAlchemy()` defined in `extensions.py` and imported elsewhere."""
    indexes = [index_tree(tree) for _, _, tree in parsed]
    imports = [Imports.from_tree(tree, idx[3][ast.Import] + idx[3][ast.ImportFrom])
               for (_, _, tree), idx in zip(parsed, indexes)]
    flask_dbs = {name for imp in imports for name in imp.flask_db}
    if flask_dbs:
        for imp in imports:
            for local, qual in imp.names.items():
                if qual.rsplit(".", 1)[-1] in flask_dbs and not qual.startswith("flask_sqlalchemy"):
                    imp.flask_db.add(local)
    return [build_module(path, source, tree, imp, idx)
            for (path, source, tree), imp, idx in zip(parsed, imports, indexes)]


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
            names = [t.id if isinstance(t, ast.Name) else t.attr
                     for t in targets if isinstance(t, (ast.Name, ast.Attribute))]
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
        if (is_model and ("DeclarativeBase" in base_keys or any(n == "DeclarativeBase" for n in base_names))
                and not has_table):
            is_model = False  # the Base class itself
        if is_model:
            self.mod.models[node.name] = ModelInfo(node.name, node, self.mod, rels, columns)
        elif "BaseModel" in base_keys or is_sqlmodel or any(n and n.endswith(("Schema", "Out", "Read", "Response"))
                                                          for n in [node.name]):
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
        defaults = ([None] * (len(args.posonlyargs + args.args) - len(args.defaults)) + list(args.defaults)
                    + list(args.kw_defaults))
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


def _annotation_target(node: ast.expr) -> tuple[str | None, bool | None]:
    """Mapped[List["Order"]] -> ('Order', True); Mapped["User"] -> ('User', False)."""
    def name_of(n: ast.AST) -> str | None:
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            text = n.value.strip()
            m = re.match(r"^(?:Mapped\[)?(?:(?:typing\.)?(?:List|list|Set|set|Sequence|Optional)\[)?"
                         r"[\"']?([A-Za-z_][A-Za-z0-9_.]*)", text)
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
