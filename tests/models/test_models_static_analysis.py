"""Unit-level behaviour of the static analysis: imports, model shapes, env.py targets."""

from __future__ import annotations

import subprocess
import sys

import pytest

from alembic_guard import settings as settings_mod
from alembic_guard.models import analyse
from alembic_guard.project import Project

ENV_BASE = "from app.db import Base\ntarget_metadata = Base.metadata"


def analysis(root):
    return analyse(Project.load(settings_mod.load(root)))


def tables(a, registered=None):
    return sorted(
        (m.name, m.fullname, m.metadata.label) for m in a.models if registered is None or a.registered(m) == registered
    )


# ---------------------------------------------------------------------- the import closure
@pytest.mark.parametrize(
    "imports, registered",
    [
        ("import app.m1", True),
        ("import app.m1 as m", True),
        ("from app import m1", True),
        ("from app.m1 import A", True),
        ("import importlib\nimportlib.import_module('app.m1')", True),
        ("__import__('app.m1')", True),
        ("from importlib import import_module\nimport_module('.m1', 'app')", True),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import app.m1", False),
        ("import typing\nif typing.TYPE_CHECKING:\n    import app.m1\nelse:\n    import app.m0", False),
        ("try:\n    import app.m1\nexcept ImportError:\n    pass", True),
        ("def load():\n    import app.m1\n", False),  # never called: a lazy import does not count
        ("def load():\n    import app.m1\n\n\nload()", True),
        ("if __name__ == '__main__':\n    import app.m1", False),
        ("import app", False),  # the package alone does not import its submodules
    ],
)
def test_env_import_forms(project, ag2, imports, registered):
    root = project(
        {
            "app/__init__.py": "",
            "app/db.py": ag2.DB,
            "app/m0.py": "",
            "app/m1.py": "from app.db import Base\n\n\nclass A(Base):\n    __tablename__ = 'a'\n",
        },
        env=imports + "\n" + ENV_BASE,
    )
    a = analysis(root)
    (model,) = a.models
    assert a.registered(model) is registered
    assert [f.code for f in ag2.findings(root)] == ([] if registered else ["AG201"])


def test_relative_imports_and_pkgutil_auto_import(project, ag2):
    root = project(
        {
            "app/__init__.py": "",
            "app/db.py": ag2.DB,
            "app/models/__init__.py": (
                "import importlib\nimport pkgutil\n\n"
                "for _, name, _ in pkgutil.iter_modules(__path__):\n"
                "    importlib.import_module(f'{__name__}.{name}')\n"
            ),
            "app/models/a.py": "from ..db import Base\nfrom . import helpers  # noqa: F401\n\n\nclass A(Base):\n    __tablename__ = 'a'\n",
            "app/models/helpers.py": "",
            "app/models/b.py": "from app.db import Base\n\n\nclass B(Base):\n    __tablename__ = 'b'\n",
        },
        env="import app.models  # noqa: F401\n" + ENV_BASE,
    )
    a = analysis(root)
    assert tables(a, registered=False) == []
    assert tables(a, registered=True) == [("A", "a", "Base.metadata"), ("B", "b", "Base.metadata")]


def test_tests_and_virtualenvs_are_not_scanned_and_exclude_is_honoured(project, ag2):
    orphan = "from app.db import Base\n\n\nclass X(Base):\n    __tablename__ = 'x'\n"
    root = project(
        {
            "app/__init__.py": "",
            "app/db.py": ag2.DB,
            "tests/test_x.py": orphan,
            "app/test_models.py": orphan,
            "venv/pyvenv.cfg": "home = /usr/bin\n",
            "venv/lib/site.py": orphan,
            ".cache/y.py": orphan,
            "scripts/one_off.py": orphan,
        },
        env=ENV_BASE,
    )
    assert ag2.summary(ag2.findings(root)) == [("AG201", "scripts/one_off.py", 4)]
    assert ag2.findings(root, exclude=("scripts",)) == []
    assert ag2.findings(root, app_paths=("app",)) == []


# ---------------------------------------------------------------------- model shapes
def test_declarative_shapes(project, ag2):
    root = project(
        {
            "app/__init__.py": "",
            "app/db.py": ag2.DB,
            "app/shapes.py": '''
                import sqlalchemy as sa
                from sqlalchemy.orm import as_declarative, declarative_base, declared_attr, registry

                from app.db import Base

                Legacy = declarative_base()
                reg = registry()
                Generated = reg.generate_base()


                @as_declarative()
                class AsDecl:
                    pass


                class Mixin:
                    @declared_attr.directive
                    def __tablename__(cls):
                        return cls.__name__.lower()


                class Abstract(Base):
                    __abstract__ = True


                class FromMixin(Mixin, Abstract):
                    id = sa.Column(sa.Integer, primary_key=True)


                class Parent(Base):
                    __tablename__ = "parent"
                    __table_args__ = ({"schema": "s"},)


                class Child(Parent):
                    pass


                class OldStyle(Legacy):
                    __tablename__ = "old_style"


                class Gen(Generated):
                    __tablename__ = "gen"


                @reg.mapped
                class Decorated:
                    __tablename__ = "decorated"


                class UsesAsDecl(AsDecl):
                    __tablename__ = "uses_as_decl"


                class Computed(Base):
                    @declared_attr.directive
                    def __tablename__(cls):
                        return "t_" + cls.__name__


                existing = sa.Table("existing", Base.metadata, sa.Column("id", sa.Integer))


                class MapsExisting(Base):
                    __table__ = existing


                class NotAModel:
                    __tablename__ = "nope"
            ''',
        },
        env="import app.shapes  # noqa: F401\n" + ENV_BASE,
    )
    a = analysis(root)
    got = {m.name: (m.fullname, m.metadata.label, m.owns_table) for m in a.models}
    assert got == {
        "FromMixin": ("frommixin", "Base.metadata", True),
        "Parent": ("s.parent", "Base.metadata", True),
        "Child": ("s.parent", "Base.metadata", False),  # single-table inheritance
        "OldStyle": ("old_style", "Legacy.metadata", True),
        "Gen": ("gen", "reg.metadata", True),
        "Decorated": ("decorated", "reg.metadata", True),
        "UsesAsDecl": ("uses_as_decl", "AsDecl.metadata", True),
        "Computed": (None, "Base.metadata", True),
        "existing": ("existing", "Base.metadata", True),
        "MapsExisting": ("existing", "Base.metadata", False),
    }
    # models on other metadatas are AG204, never AG201; nothing duplicates `existing`
    codes = sorted((f.code, f.message.split("`")[1]) for f in ag2.findings(root))
    assert codes == [("AG204", "Decorated"), ("AG204", "Gen"), ("AG204", "OldStyle"), ("AG204", "UsesAsDecl")]


def test_flask_sqlalchemy_shapes(project, ag2):
    root = project(
        {
            "app/__init__.py": "from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n",
            "app/models.py": '''
                from app import db


                class UserAccount(db.Model):
                    id = db.Column(db.Integer, primary_key=True)


                class Admin(UserAccount):
                    """single-table inheritance: no primary key of its own"""


                class Manager(UserAccount):
                    id = db.Column(db.ForeignKey("user_account.id"), primary_key=True)


                class HTTPLog(db.Model):
                    __bind_key__ = "logs"
                    id = db.Column(db.Integer, primary_key=True)
            ''',
        },
        env="from app import db\nimport app.models  # noqa: F401\ntarget_metadata = db.Model.metadata",
    )
    a = analysis(root)
    got = {m.name: (m.fullname, m.metadata.label, m.owns_table) for m in a.models}
    assert got == {
        "UserAccount": ("user_account", "db.metadata", True),
        "Admin": ("user_account", "db.metadata", False),
        "Manager": ("manager", "db.metadata", True),
        "HTTPLog": ("http_log", 'db.metadatas["logs"]', True),
    }
    assert [(f.code, f.location.line) for f in ag2.findings(root)] == [("AG204", 16)]


def test_sqlmodel_non_table_classes_are_not_models(project, ag2):
    root = project(
        {
            "app/__init__.py": "",
            "app/models.py": "from sqlmodel import SQLModel\n\n\nclass HeroCreate(SQLModel):\n    name: str\n\n\nclass Hero(HeroCreate, table=True):\n    pass\n",
        },
        env="from sqlmodel import SQLModel\nimport app.models  # noqa: F401\ntarget_metadata = SQLModel.metadata",
    )
    a = analysis(root)
    assert [(m.name, m.fullname) for m in a.models] == [("Hero", "hero")]
    assert ag2.findings(root) == []


def test_duplicate_table_names(project, ag2):
    root = project(
        {
            "app/__init__.py": "",
            "app/db.py": ag2.DB,
            "app/models.py": '''
                import sqlalchemy as sa

                from app.db import Base


                class Order(Base):
                    __tablename__ = "orders"


                class OrderCopy(Base):
                    __tablename__ = "orders"


                class Other(Base):
                    __tablename__ = "orders"
                    __table_args__ = {"schema": "archive"}


                class Extended(Base):
                    __tablename__ = "orders"
                    __table_args__ = {"extend_existing": True}


                orders_again = sa.Table("orders", Base.metadata)
            ''',
        },
        env="import app.models  # noqa: F401\n" + ENV_BASE,
    )
    found = ag2.findings(root)
    assert ag2.summary(found) == [("AG205", "app/models.py", 10), ("AG205", "app/models.py", 24)]
    assert found[0].message == (
        "`OrderCopy` claims table `orders` on `Base.metadata`, already claimed by `Order` (app/models.py:6)"
    )
    assert [(str(r.path), r.line) for r in found[0].related] == [("app/models.py", 6)]


# ---------------------------------------------------------------------- env.py targets
@pytest.mark.parametrize(
    "env, status, labels",
    [
        (ENV_BASE, "ok", ["Base.metadata"]),
        ("from app.db import Base\nfrom app.other import meta\ntarget_metadata = [Base.metadata, meta]", "ok", ["Base.metadata", "meta"]),
        ("from app.other import target_metadata  # noqa: F401", "ok", ["meta"]),
        ("import app.other as o\ntarget_metadata = o.meta", "ok", ["meta"]),
        ("from app.db import Base\n\n\ndef get_md():\n    return Base.metadata\n\n\ntarget_metadata = get_md()", "ok", ["Base.metadata"]),
        ("target_metadata = None", "none", []),
        ("def run():\n    from app.db import Base\n    target_metadata = Base.metadata\n\n\nrun()", "ok", ["Base.metadata"]),
        ("import os\ntarget_metadata = os.environ['MD']", "unresolved", []),
        ("from somewhere_external import md\ntarget_metadata = md", "unresolved", []),
    ],
)
def test_target_metadata_forms(project, ag2, env, status, labels):
    root = project(
        {
            "app/__init__.py": "",
            "app/db.py": ag2.DB,
            "app/other.py": "from sqlalchemy import MetaData\n\nmeta = MetaData()\ntarget_metadata = meta\n",
        },
        env=env,
    )
    a = analysis(root)
    assert a.target.status == status
    assert [m.label for m in a.target.metadatas] == labels


def test_configure_keyword_without_variable(project, ag2):
    root = project({"app/__init__.py": "", "app/db.py": ag2.DB})
    (root / "migrations" / "env.py").write_text(
        "from alembic import context\nfrom app.db import Base\n\ncontext.configure(url='sqlite://', target_metadata=Base.metadata)\n"
    )
    assert analysis(root).target.status == "ok"
    assert ag2.findings(root) == []


@pytest.mark.parametrize(
    "env_text, message, line",
    [
        ("from alembic import context\ncontext.configure(url='sqlite://')\n",
         "`migrations/env.py` never sets `target_metadata`: autogenerate has no models to compare", None),
        ("from alembic import context\ntarget_metadata = None\ncontext.configure(url='x', target_metadata=target_metadata)\n",
         "`target_metadata = None` in `migrations/env.py`: autogenerate has no models to compare", 2),
        ("from alembic import context\nfrom app.db import Base\ntarget_metadata = Base.metadata\ncontext.configure(url='x')\n",
         "`target_metadata` is set in `migrations/env.py` but never passed to `context.configure()`", 3),
        ("from alembic import context\ndef broken(:\n    pass\n",
         "`migrations/env.py` cannot be parsed (invalid syntax), so its target_metadata is unknown", 2),
        ("from alembic import context\nimport os\ntarget_metadata = os.environ['X']\ncontext.configure(url='x', target_metadata=target_metadata)\n",
         "Cannot resolve `target_metadata = os.environ['X']` in `migrations/env.py` statically: `os.environ['X']` is computed at run time", 3),
    ],
)
def test_broken_env_gives_a_clear_ag202(project, ag2, env_text, message, line):
    root = project({"app/__init__.py": "", "app/db.py": ag2.DB, "app/models.py": "from app.db import Base\n\n\nclass A(Base):\n    __tablename__ = 'a'\n"})
    (root / "migrations" / "env.py").write_text(env_text)
    (f,) = ag2.findings(root, select="AG202")
    assert (f.code, str(f.location.path), f.location.line, f.message) == ("AG202", "migrations/env.py", line, message)
    assert f.hint


def test_missing_env_py_is_a_finding_and_cli_never_tracebacks(project, ag2):
    root = project({"app/__init__.py": ""})
    (f,) = ag2.findings(root)
    assert f.code == "AG202" and f.message == "No `env.py` in the script location `migrations`"
    (root / "migrations" / "env.py").write_text("target_metadata = (\n")
    proc = subprocess.run([sys.executable, "-m", "alembic_guard", "check", str(root), "--select", "AG2"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "AG202" in proc.stdout


def test_static_analysis_executes_nothing(project, ag2, tmp_path):
    """A models module (and an env.py) that would write a file when imported is only read."""
    marker = tmp_path / "executed.txt"
    side_effect = f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n"
    root = project(
        {
            "app/__init__.py": side_effect,
            "app/db.py": side_effect + ag2.DB,
            "app/models.py": side_effect + "from app.db import Base\n\n\nclass A(Base):\n    __tablename__ = 'a'\n",
        },
        env=side_effect + "import app.models  # noqa: F401\n" + ENV_BASE,
    )
    before = set(sys.modules)
    assert ag2.findings(root) == []
    assert not marker.exists()
    assert not any(name == "app" or name.startswith("app.") for name in set(sys.modules) - before)


def test_multidb_template_dict_and_external_target(project, ag2):
    files = {"app/__init__.py": "", "app/db.py": ag2.DB, "app/other.py": "from sqlalchemy import MetaData\n\nmeta = MetaData()\n"}
    root = project(files, env="from app.db import Base\nfrom app.other import meta\ntarget_metadata = {'engine1': Base.metadata, 'engine2': meta}")
    assert [m.label for m in analysis(root).target.metadatas] == ["Base.metadata", "meta"]
    empty = project(files, env="target_metadata = {}")
    assert analysis(empty).target.status == "none"
    ext = project(files, env="from company_models import Base\ntarget_metadata = Base.metadata")
    (f,) = ag2.findings(ext)
    assert f.code == "AG202" and f.severity.label == "warning"
    assert f.message.endswith("`company_models.Base.metadata` comes from a module that is not part of the project (an installed package?)")


def test_inline_suppression_in_a_model_file(project, ag2):
    root = project(
        {
            "app/__init__.py": "",
            "app/db.py": ag2.DB,
            "app/models.py": "from app.db import Base\n\n\nclass A(Base):  # alembic-guard: ignore[AG201] owned by another service\n    __tablename__ = 'a'\n",
        },
        env=ENV_BASE,
    )
    assert ag2.findings(root) == []


def test_target_metadata_none_without_any_model_is_fine(project, ag2):
    """Hand-written migrations only: no models anywhere, so no autogenerate to break."""
    root = project({"app/__init__.py": "", "app/settings.py": "DEBUG = False\n"}, env="target_metadata = None")
    assert ag2.findings(root) == []
