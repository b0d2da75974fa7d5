"""Static session/pool audit (AG5xx) on a generated 1,000-module application.

Target (issue 7): under 2 seconds for 1,000 modules. Floor for comparison: reading and
`ast.parse`-ing the same files, which any AST-based audit has to do; the ratio shows what the
symbol tables, flows and 16 rules add on top. Run: `python benchmarks/bench_audit.py [N]`.
"""

from __future__ import annotations

import ast
import resource
import sys
import tempfile
import time
from pathlib import Path

from alembic_guard import api, settings

MODELS = '''from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base{i}(DeclarativeBase):
    pass


class User{i}(Base{i}):
    __tablename__ = "users_{i}"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200))
    orders: Mapped[list["Order{i}"]] = relationship(back_populates="user")


class Order{i}(Base{i}):
    __tablename__ = "orders_{i}"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users_{i}.id"))
    user: Mapped[User{i}] = relationship(back_populates="orders")
'''

ROUTES = '''import asyncio

from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import selectinload

from app.models_{m} import Order{m}, User{m}

engine_{i} = create_async_engine("postgresql+asyncpg://app@db/shop", pool_pre_ping=True)
Session{i} = async_sessionmaker(engine_{i}, expire_on_commit=False)
router = APIRouter()


async def get_session_{i}():
    async with Session{i}() as session:
        yield session


@router.get("/users/{{user_id}}")
async def read_user(user_id: int, session: AsyncSession = Depends(get_session_{i})):
    stmt = select(User{m}).where(User{m}.id == user_id).options(selectinload(User{m}.orders))
    user = (await session.execute(stmt)).scalar_one()
    return {{"id": user.id, "orders": [o.id for o in user.orders]}}


@router.post("/users")
async def create_user(email: str, session: AsyncSession = Depends(get_session_{i})):
    user = User{m}(email=email)
    session.add(user)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise HTTPException(409)
    return {{"id": user.id}}


async def totals(session: AsyncSession, ids: list[int]):
    out = []
    for i in ids:
        user = await session.get(User{m}, i)
        out.append(len(user.orders))
    return out
'''

SERVICE = '''from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from app.models_{m} import User{m}

engine = create_engine("mysql+pymysql://app@db/shop", pool_recycle=3600)
SessionLocal{i} = sessionmaker(engine)


def report_{i}():
    session = SessionLocal{i}()
    rows = session.scalars(select(User{m})).all()
    for user in rows:
        print(user.email, len(user.orders))
    session.close()
    return rows


def helper_{i}(values):
    result = []
    for v in values:
        if v % 2:
            result.append(v * 2)
        else:
            result.append(v + 1)
    return result
'''

PLAIN = '''"""Module without database code."""


def compute_{i}(a, b):
    total = 0
    for x in range(a):
        total += x * b
    return total


class Thing{i}:
    def __init__(self, name):
        self.name = name

    def describe(self):
        return f"thing {{self.name}}"
'''


def generate(root: Path, n: int) -> list[Path]:
    (root / "migrations" / "versions").mkdir(parents=True)
    (root / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = postgresql://x@h/db\n")
    (root / "migrations" / "env.py").write_text("from alembic import context\n")
    app = root / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    files = []
    for i in range(n):
        kind = i % 4
        m = (i // 4) * 4
        text = [MODELS, ROUTES, SERVICE, PLAIN][kind].format(i=i, m=m)
        name = ["models", "routes", "service", "util"][kind]
        path = app / (f"models_{i}.py" if kind == 0 else f"{name}_{i}.py")
        path.write_text(text)
        files.append(path)
    return files


def main(n: int = 1000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = generate(root, n)
        t0 = time.perf_counter()
        for f in files:
            ast.parse(f.read_text(encoding="utf-8"))
        floor = time.perf_counter() - t0
        best = None
        findings = 0
        for _ in range(3):
            t0 = time.perf_counter()
            report = api.check(settings.load(root, select=("AG5",), cache=False))
            elapsed = time.perf_counter() - t0
            best = elapsed if best is None else min(best, elapsed)
            findings = len(report.findings)
        cache_dir = root / "cache"
        api.check(settings.load(root, select=("AG5",), cache_dir=cache_dir))  # fills the app-audit cache
        warm = None
        for _ in range(3):
            t0 = time.perf_counter()
            again = api.check(settings.load(root, select=("AG5",), cache_dir=cache_dir))
            elapsed = time.perf_counter() - t0
            warm = elapsed if warm is None else min(warm, elapsed)
        assert len(again.findings) == findings, "the warm run must give the same findings"
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"modules:            {n}")
        print(f"read + ast.parse:   {floor:.3f} s (floor)")
        print(f"alembic-guard AG5:  {best:.3f} s (best of 3, whole `check --no-cache`, {findings} findings)")
        print(f"ratio vs floor:     {best / floor:.2f}x")
        print(f"warm (app cache):   {warm:.3f} s (best of 3, nothing changed)")
        print(f"peak RSS:           {peak:.0f} MB (this process, all runs)")
        print(f"target:             < 2.000 s -> {'OK' if best < 2 else 'MISSED'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
