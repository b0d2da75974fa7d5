"""What a name or expression in the analysed project refers to, as values (the evaluator's vocabulary).

This module owns the immutable values the models analysis reasons with: `MetadataRef` (one
MetaData object, identified by where it is created), `Unknown`, `NoneValue`, project modules,
classes and functions, names from libraries (`External`), `MetaData()`, declarative bases,
`registry()`, Flask-SQLAlchemy's `SQLAlchemy()`, `Table(...)`, lists of those and Flask-Migrate's
extension, plus `bind_metadata` for `db.metadatas[key]`. It must not evaluate anything (that is
`evaluator.Evaluator`) nor read files: values are plain data, compared and hashed by identity.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class MetadataRef:
    """One MetaData object: `key` is its identity (where it is created), `label` how to name it."""

    key: str
    label: str
    path: Path | None = None
    line: int | None = None


SQLMODEL_METADATA = MetadataRef("sqlmodel:SQLModel.metadata", "SQLModel.metadata")


@dataclass(frozen=True)
class Value:
    pass


@dataclass(frozen=True)
class Unknown(Value):
    why: str = ""


@dataclass(frozen=True)
class NoneValue(Value):
    pass


@dataclass(frozen=True)
class ModuleValue(Value):
    path: Path  # a project module file (or namespace dir)


@dataclass(frozen=True)
class External(Value):
    qualname: str  # e.g. "sqlalchemy.orm.DeclarativeBase"

    @property
    def last(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]

    def is_(self, *names: str, package: str | tuple[str, ...] = ("sqlalchemy",)) -> bool:
        pkgs = (package,) if isinstance(package, str) else package
        return self.last in names and (self.qualname.split(".", 1)[0] in pkgs or "." not in self.qualname)


@dataclass(frozen=True)
class ClassValue(Value):
    path: Path
    node: ast.ClassDef = field(compare=False, hash=False)
    line: int = 0

    @property
    def name(self) -> str:
        return self.node.name


@dataclass(frozen=True)
class FunctionValue(Value):
    path: Path
    node: ast.FunctionDef = field(compare=False, hash=False)
    line: int = 0


@dataclass(frozen=True)
class MetadataValue(Value):
    ref: MetadataRef


@dataclass(frozen=True)
class BaseValue(Value):
    """Something to subclass that maps classes onto `metadata`: `declarative_base()`,
    `registry().generate_base()`, Flask-SQLAlchemy's `db.Model`."""

    metadata: MetadataRef
    framework: str  # sqlalchemy | flask | sqlmodel
    label: str
    fsa_key: str | None = None  # Flask-SQLAlchemy: the `db` identity, for __bind_key__


@dataclass(frozen=True)
class RegistryValue(Value):
    metadata: MetadataRef


@dataclass(frozen=True)
class FlaskDBValue(Value):
    """`db = SQLAlchemy(...)`."""

    key: str
    label: str
    metadata: MetadataRef
    model: BaseValue | None = None  # model_class=Base given


@dataclass(frozen=True)
class TableValue(Value):
    name: str | None
    metadata: MetadataRef | None
    schema: str | None = None
    path: Path | None = None
    line: int = 0


@dataclass(frozen=True)
class ListValue(Value):
    items: tuple[Value, ...]


@dataclass(frozen=True)
class MigrateExtension(Value):
    """`current_app.extensions["migrate"]` (Flask-Migrate's env.py)."""


def bind_metadata(db: FlaskDBValue, bind_key: str) -> MetadataRef:
    return MetadataRef(f"{db.key}[{bind_key}]", f'{db.label}.metadatas["{bind_key}"]', db.metadata.path, db.metadata.line)

