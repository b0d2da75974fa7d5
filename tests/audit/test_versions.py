"""Which SQLAlchemy a project targets (audit/versions.py), and AG550 following it."""

from __future__ import annotations

from pathlib import Path

import pytest

from alembic_guard.testing import check_app_source
from alembic_guard.audit.versions import sqlalchemy_major

LEGACY = """
from sqlalchemy.orm import Session

def find(session: Session, User):
    return session.query(User).first()

def count(session: Session, User):
    return session.query(User).count()
"""


@pytest.mark.parametrize("name, text, major", [
    ("requirements.txt", "flask-sqlalchemy==2.5.1\nsqlalchemy==1.3.24\n", 1),
    ("requirements.txt", "SQLAlchemy>=1.4,<2.0 # MIT\n", 1),
    ("pyproject.toml", '[project]\ndependencies = ["sqlalchemy[asyncio]>=2.0,<3.0.0"]\n', 2),
    ("pyproject.toml", '[tool.poetry.dependencies]\nSQLAlchemy = "^2.0.1"\n', 2),
    ("uv.lock", '[[package]]\nname = "sqlalchemy"\nversion = "2.0.36"\n', 2),
    ("poetry.lock", '[[package]]\nname = "sqlalchemy"\nversion = "1.4.52"\n', 1),
    ("requirements.txt", "marshmallow-sqlalchemy==0.23.1\nsqlalchemy-utils==0.38\n", None),
])
def test_major_from_dependency_files(tmp_path: Path, name, text, major):
    (tmp_path / ".git").mkdir()  # stop the walk up at this folder
    (tmp_path / name).write_text(text)
    sub = tmp_path / "app" / "migrations"
    sub.mkdir(parents=True)
    assert sqlalchemy_major(sub) == major


def test_legacy_query_silent_on_sqlalchemy_1():
    assert [f for f in check_app_source(LEGACY, select=("AG550",), sqlalchemy_major=1)] == []


def test_legacy_query_one_finding_per_project_on_sqlalchemy_2():
    found = check_app_source(LEGACY, select=("AG550",), sqlalchemy_major=2)
    assert [(f.location.line, f.code) for f in found] == [(5, "AG550")]
    assert "and 1 more legacy queries in 1 module" in found[0].message


ASYNC_EXPIRE = """
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


SessionLocal = async_sessionmaker(create_async_engine("postgresql+asyncpg://db/app"))


async def create(name):
    async with SessionLocal() as session:
        user = User(name=name)
        session.add(user)
        await session.commit()
        return user.name
"""


@pytest.mark.parametrize("major, spelled", [(2, "async_sessionmaker(..., expire_on_commit=False)"),
                                            (1, "sessionmaker(..., class_=AsyncSession, expire_on_commit=False)")])
def test_ag511_hint_follows_the_targeted_version(major, spelled):
    found = check_app_source(ASYNC_EXPIRE, select=("AG511",), sqlalchemy_major=major)
    assert found and spelled in found[0].hint
