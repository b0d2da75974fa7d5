import ast

from alembic_guard.audit.symbols import SESSION_NAMES
from alembic_guard.findings import Severity
from alembic_guard.rules._registry import app_rule
from alembic_guard.rules.session._common import anchor_of


def _is_session_expr(node: ast.AST, module, app) -> bool:
    if module.imports.is_flask_session(node):
        return True
    if isinstance(node, ast.Name):
        low = node.id.lower()
        return low in SESSION_NAMES or low.endswith("session")
    if isinstance(node, ast.Attribute):
        return node.attr.lower().endswith("session") or node.attr in ("db",)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id in app.factories or module.imports.key(node.func) == "Session"
    return False


@app_rule("AG550", "legacy-query-api", severity=Severity.INFO)
def legacy_query_api(module, app):
    """1.x `session.query()` in a codebase written for SQLAlchemy 2.x.

    ## What it does
    In a codebase that already uses 2.0 style (`select()`, `Mapped[...]`, `mapped_column`,
    `DeclarativeBase`, async sessions), flags `session.query(Model)` calls and Flask-SQLAlchemy's
    `Model.query`.

    ## Why is this bad?
    `Query` is the legacy API: it is not available on `AsyncSession` (`AttributeError:
    'AsyncSession' object has no attribute 'query'`), it misses 2.0 features (typed results,
    `Result.unique()`), and mixing the two styles makes loader options and result handling
    differ from one function to the next. Code moved from sync to async has to be rewritten
    anyway; `select()` works in both.

    ## Example
    ```python
    from sqlalchemy import select
    from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

    class Base(DeclarativeBase):
        pass

    class User(Base):
        __tablename__ = "users"
        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str]

    def find(session: Session, email: str):
        return session.query(User).filter(User.email == email).first()
    ```

    ## Use instead
    ```python
    from sqlalchemy import select
    from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

    class Base(DeclarativeBase):
        pass

    class User(Base):
        __tablename__ = "users"
        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str]

    def find(session: Session, email: str):
        return session.scalars(select(User).where(User.email == email)).first()
    ```
    """
    if not app.uses_v2_style:
        return
    if "query" not in module.source:
        return
    for node in module.of(ast.Call, ast.Attribute):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "query":
            recv = node.func.value
            if not _is_session_expr(recv, module, app) or not node.args:
                continue
            model = ast.unparse(node.args[0])
            yield legacy_query_api.finding(
                f"`{ast.unparse(recv)}.query({model})` uses the legacy Query API",
                at=module.loc(node),
                hint=f"write `{ast.unparse(recv)}.scalars(select({model}).where(...))` (2.0 style; also works with AsyncSession)",
                anchor=anchor_of(module, node, f"query {model}"),
            )
        elif (isinstance(node, ast.Attribute) and node.attr == "query" and isinstance(node.ctx, ast.Load)
              and isinstance(node.value, ast.Name) and node.value.id in app.models):
            model = node.value.id
            yield legacy_query_api.finding(
                f"`{model}.query` uses the legacy Query API",
                at=module.loc(node),
                hint=f"write `db.session.scalars(db.select({model}).where(...))` (2.0 style)",
                anchor=anchor_of(module, node, f"{model}.query"),
            )
