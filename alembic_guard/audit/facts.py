"""What the flow analysis records, as plain values: the abstract value a local name holds while a
function body runs (`Val`: an engine, a session factory, a session, a `select()` statement, a result,
ORM objects...), the state of one session (`SessionState`: sync or async, closed, its
`expire_on_commit`), the events the rules judge (`Access` to an attribute of an ORM object,
`Return`, `SyncUse` in `async def`, session or connection `Creation`, `Consume` of a result) and the
`Flow` of one function that gathers them. It owns these records and nothing else: it must not walk
code (`audit/walker.py` and `audit/calls.py`, driven by `audit/flow.py`) nor judge anything (the
rules read these records; only the walker builds them).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from alembic_guard.audit.symbols import AppModule, FactoryInfo, FuncInfo, RelInfo


@dataclass(eq=False)
class SessionState:
    var: str | None
    is_async: bool | None
    factory: FactoryInfo | None
    expire_on_commit: bool
    owned: bool  # created in this function
    node: ast.AST | None = None
    closed: bool = False
    flask: bool = False
    scoped: bool = False


@dataclass(frozen=True)
class Val:
    kind: str  # engine factory session conn txn stmt query result objs obj loader
    model: str | None = None
    eager: frozenset = frozenset()
    session: SessionState | None = None
    is_async: bool | None = None
    expired: bool = False
    detached: bool = False
    joined: tuple = ()  # ((relationship name, loader call node), ...) of joined eager loads of collections
    unique: bool = False
    loop: ast.AST | None = None
    engine: object = None
    factory: FactoryInfo | None = None
    origin: ast.AST | None = None
    path: str | None = None  # loader options: the relationship path so far ("orders.items")


@dataclass
class Access:
    node: ast.Attribute
    var: str
    attr: str
    val: Val
    rel: RelInfo | None
    in_async: bool
    collection_use: bool
    closed: bool = False  # the object's session was closed (or the object detached) at this point


@dataclass
class Return:
    node: ast.AST
    val: Val | None
    closing: tuple  # sessions that close when the function returns from here
    closed: bool = False  # the returned objects' session was already closed here


@dataclass
class SyncUse:
    node: ast.AST
    what: str
    var: str | None
    io: bool = True  # False: creating a Session object (no connection until it is used)


@dataclass
class Creation:
    node: ast.Call
    var: str | None
    kind: str  # session | conn
    in_with: bool
    inline: bool  # used directly as a receiver: Session(engine).execute(...)
    is_async: bool | None = None


@dataclass
class Consume:
    node: ast.AST
    val: Val


@dataclass
class Flow:
    module: AppModule
    func: FuncInfo | None
    accesses: list[Access] = field(default_factory=list)
    returns: list[Return] = field(default_factory=list)
    sync_uses: list[SyncUse] = field(default_factory=list)
    creations: list[Creation] = field(default_factory=list)
    consumes: list[Consume] = field(default_factory=list)
    env_at: dict[int, dict[str, Val]] = field(default_factory=dict)  # id(call node) -> env (gather/create_task calls)

    @property
    def is_async(self) -> bool:
        return bool(self.func and self.func.is_async)
