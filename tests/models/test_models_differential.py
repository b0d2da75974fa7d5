"""Differential checks: the static analysis against the real frameworks, through the probe.

Each project is a zoo of model shapes that SQLAlchemy / Flask-SQLAlchemy really map. With
`--import`, AG206 reports every table the static analysis named differently from the real
MetaData, so "no AG206" proves the static table names and registrations right.
"""

from __future__ import annotations

import pytest

SQLALCHEMY_ZOO = '''
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, declarative_base, declared_attr, mapped_column, registry


class Base(DeclarativeBase):
    pass


class Mixin:
    @declared_attr.directive
    def __tablename__(cls) -> str:
        return cls.__name__.lower()

    id: Mapped[int] = mapped_column(primary_key=True)


class Abstract(Base):
    __abstract__ = True
    id: Mapped[int] = mapped_column(primary_key=True)


class FromMixin(Mixin, Base):
    pass


class Parent(Abstract):
    __tablename__ = "parent"
    kind: Mapped[str] = mapped_column(sa.String(20))
    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "parent"}


class Child(Parent):
    __mapper_args__ = {"polymorphic_identity": "child"}


class Joined(Parent):
    __tablename__ = "joined"
    id: Mapped[int] = mapped_column(sa.ForeignKey("parent.id"), primary_key=True)
    __mapper_args__ = {"polymorphic_identity": "joined"}


class InSchema(Abstract):
    __tablename__ = "in_schema"
    __table_args__ = (sa.UniqueConstraint("id"), {"schema": "s"})


links = sa.Table("links", Base.metadata, sa.Column("a", sa.Integer, primary_key=True))


class OnTable(Base):
    __table__ = sa.Table("on_table", Base.metadata, sa.Column("id", sa.Integer, primary_key=True))


reg = registry(metadata=Base.metadata)


@reg.mapped
class Decorated:
    __tablename__ = "decorated"
    id = sa.Column(sa.Integer, primary_key=True)


Legacy = declarative_base(metadata=Base.metadata)


class Old(Legacy):
    __tablename__ = "old"
    id = sa.Column(sa.Integer, primary_key=True)
'''

FLASK_ZOO = '''
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()

assoc = db.Table("assoc", db.Column("a", db.Integer, primary_key=True))


class UserAccount(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    type = db.Column(db.String(20))
    __mapper_args__ = {"polymorphic_on": type, "polymorphic_identity": "user"}


class Admin(UserAccount):
    __mapper_args__ = {"polymorphic_identity": "admin"}


class Manager(UserAccount):
    id = db.Column(db.ForeignKey("user_account.id"), primary_key=True)
    __mapper_args__ = {"polymorphic_identity": "manager"}


class HTTPLog(db.Model):
    id = db.Column(db.Integer, primary_key=True)


class OAuth2Token(db.Model):
    id = db.Column(db.Integer, primary_key=True)


class APIKeyV2(db.Model):
    id = db.Column(db.Integer, primary_key=True)


class Explicit(db.Model):
    __tablename__ = "explicit_name"
    id = db.Column(db.Integer, primary_key=True)


class Elsewhere(db.Model):
    __bind_key__ = "logs"
    id = db.Column(db.Integer, primary_key=True)
'''


def test_sqlalchemy_shapes_match_the_real_metadata(project, ag2):
    root = project({"app/__init__.py": "", "app/zoo.py": SQLALCHEMY_ZOO},
                   env="from app.zoo import Base\ntarget_metadata = Base.metadata")
    assert ag2.findings(root) == []  # static: every model registered, on target, unique
    assert ag2.findings(root, allow_import=True) == []  # and the real MetaData agrees


def test_flask_sqlalchemy_shapes_match_the_real_metadata(project, ag2):
    pytest.importorskip("flask_sqlalchemy")
    root = project({"app/__init__.py": "", "app/zoo.py": FLASK_ZOO},
                   env="from app.zoo import db\ntarget_metadata = db.metadata")
    static = ag2.findings(root)
    assert [(f.code, f.message.split("`")[1]) for f in static] == [("AG204", "Elsewhere")]
    with_probe = ag2.findings(root, allow_import=True)
    assert [f.code for f in with_probe] == ["AG204"], [f.message for f in with_probe]
