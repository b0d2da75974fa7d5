import ast

from alembic_guard.audit.collect import string_value
from alembic_guard.audit.vocabulary import parse_url
from alembic_guard.findings import Severity
from alembic_guard.rules._registry import app_rule
from alembic_guard.rules.session._common import engine_call_text, engine_label, engine_used_once_in_function

MYSQL = {"mysql", "mariadb"}


@app_rule("AG501", "pool-pre-ping-disabled", severity=Severity.WARNING)
def pool_pre_ping_disabled(module, app):
    """MySQL/MariaDB engine without `pool_pre_ping=True`.

    ## What it does
    Flags `create_engine(...)` / `create_async_engine(...)` whose URL (a literal, a module
    constant or the default of `os.getenv`) names MySQL or MariaDB and that does not pass
    `pool_pre_ping=True` (when the URL is not a literal, the project's dialect from `alembic.ini`
    or `--dialect` is used). Engines with `NullPool` (no pooled connections) are left alone, and so
    are engines created inside a function and only used there to take a connection at once
    (`engine = create_engine(url); conn = engine.connect()`): no pooled connection ever sits idle. For
    Flask-SQLAlchemy, a MySQL `SQLALCHEMY_DATABASE_URI` is flagged when no
    `SQLALCHEMY_ENGINE_OPTIONS` / `engine_options` of the app turn `pool_pre_ping` on.

    Severity: warning (whether the server or a proxy drops idle connections is not visible).

    ## Why is this bad?
    A pooled connection can sit idle longer than the server lets it live: MySQL closes idle
    connections after `wait_timeout` (8 hours by default), proxies and failovers cut them sooner.
    The next request that checks out the dead connection fails with
    `OperationalError: (2006, 'MySQL server has gone away')` or
    `(2013, 'Lost connection to MySQL server during query')`. With `pool_pre_ping=True` the pool
    tests each connection with a cheap ping at checkout and silently replaces dead ones.

    ## Example
    ```python
    from sqlalchemy import create_engine

    engine = create_engine("mysql+pymysql://app@db/shop")
    ```

    ## Use instead
    ```python
    from sqlalchemy import create_engine

    engine = create_engine("mysql+pymysql://app@db/shop", pool_pre_ping=True, pool_recycle=3600)
    ```

    ## When to ignore
    Short-lived scripts that open the engine, work and exit never hold idle connections.
    """
    for eng in module.engines:
        dialect, guessed = app.dialect_of(eng)
        if dialect not in MYSQL or eng.poolclass == "NullPool" or engine_used_once_in_function(module, eng):
            continue
        if eng.option("pool_pre_ping") is True or (eng.has("pool_pre_ping") and eng.option("pool_pre_ping") is not False and not isinstance(eng.option("pool_pre_ping"), bool)):
            continue
        yield pool_pre_ping_disabled.finding(
            f"Engine {engine_label(eng)} on {dialect}{' (the project dialect)' if guessed else ''} does not ping pooled connections before use",
            at=module.loc(eng.call),
            hint=f"pass `pool_pre_ping=True` to `{engine_call_text(eng)}(...)` so connections the server dropped are replaced",
            anchor=f"engine {eng.name or '?'}",
        )

    if "SQLALCHEMY_DATABASE_URI" not in module.source:
        return
    if any("pool_pre_ping" in m.source and ("ENGINE_OPTIONS" in m.source or "engine_options" in m.source) for m in app.modules):
        return
    for node, value in _flask_uris(module):
        url, _ = string_value(value, module)
        dialect, _ = parse_url(url)
        if dialect in MYSQL:
            yield pool_pre_ping_disabled.finding(
                f"Flask-SQLAlchemy connects to {dialect} without pinging pooled connections before use",
                at=module.loc(node),
                hint='set `app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}`',
                anchor="flask SQLALCHEMY_DATABASE_URI",
            )


def _flask_uris(module):
    """(node, value) of `SQLALCHEMY_DATABASE_URI = ...` / `app.config["SQLALCHEMY_DATABASE_URI"] = ...`."""
    for node in module.of(ast.Assign, ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for t in targets:
            name = t.id if isinstance(t, ast.Name) else None
            if isinstance(t, ast.Subscript) and isinstance(t.slice, ast.Constant):
                name = t.slice.value
            if name == "SQLALCHEMY_DATABASE_URI" and node.value is not None:
                yield node, node.value
    for node in module.of(ast.Call):
        if isinstance(node.func, ast.Attribute) and node.func.attr == "update":
            for kw in node.keywords:
                if kw.arg == "SQLALCHEMY_DATABASE_URI":
                    yield node, kw.value
