import ast

from alembic_guard.audit.vocabulary import SESSION_NAMES
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
    `DeclarativeBase`, async sessions) or whose dependency files target SQLAlchemy 2
    (pyproject, requirements, lock files), counts `session.query(Model)` calls and
    Flask-SQLAlchemy's `Model.query`, and reports them as **one finding per project**, at the
    first one, with the count: it is a migration to-do, not a defect of each line.
    Projects whose dependency files pin SQLAlchemy 1.x get no finding: there the Query API is the
    API and the 2.0-style replacements may not exist.

    Severity: info (style; never certain to matter).

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
    if not app.uses_v2_style or app.sqlalchemy_major == 1:
        return  # on 1.x the Query API is the API: the 2.0-style replacements may not exist there
    uses = _project_uses(app)
    if not uses or uses[0][0] is not module:
        return
    _, node, text, hint = uses[0]
    modules = len({id(m) for m, *_ in uses})
    more = f" (and {len(uses) - 1} more legacy queries in {modules} module{'s' if modules > 1 else ''})" if len(uses) > 1 else ""
    yield legacy_query_api.finding(
        f"{text} uses the legacy Query API{more}",
        at=module.loc(node),
        hint=hint + "; one finding per project: the count says how much is left to move",
        anchor="legacy-query-api",  # one per project; stable while the count changes (baselines)
    )


def _project_uses(app) -> list:
    """Every legacy query of the project, in module order (computed once per AppIndex)."""
    memo = app.__dict__.get("_ag550_uses")
    if memo is not None:
        return memo
    uses = []
    for module in sorted(app.modules, key=lambda m: str(m.path)):
        if "query" in module.source:
            uses.extend(sorted(_module_uses(module, app), key=lambda u: (u[1].lineno, u[1].col_offset)))
    app.__dict__["_ag550_uses"] = uses
    return uses


def _module_uses(module, app):
    for node in module.of(ast.Call, ast.Attribute):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "query":
            recv = node.func.value
            if not _is_session_expr(recv, module, app) or not node.args:
                continue
            model = ast.unparse(node.args[0])
            yield (module, node, f"`{ast.unparse(recv)}.query({model})`",
                   f"write `{ast.unparse(recv)}.scalars(select({model}).where(...))` (2.0 style; also works with AsyncSession)")
        elif (isinstance(node, ast.Attribute) and node.attr == "query" and isinstance(node.ctx, ast.Load)
              and isinstance(node.value, ast.Name) and node.value.id in app.models):
            model = node.value.id
            yield (module, node, f"`{model}.query`", f"write `db.session.scalars(db.select({model}).where(...))` (2.0 style)")
