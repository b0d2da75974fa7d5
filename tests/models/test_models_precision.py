"""False positives of the models rules seen on real projects (issue 13), as tiny reproductions."""

from __future__ import annotations

from alembic_guard import api

FLASK_SUBCLASS_DB = '''
    from flask_sqlalchemy import SQLAlchemy


    class AppSQLAlchemy(SQLAlchemy):
        def apply_pool_defaults(self, app, options):
            return options


    db = AppSQLAlchemy()
'''

MIGRATE_ENV = "from flask import current_app\ntarget_metadata = current_app.extensions['migrate'].db.metadata"


def test_flask_migrate_env_with_a_sqlalchemy_subclass_imported_inside_the_factory(project, ag2):
    """`db = AppSQLAlchemy()` (a subclass), `migrate.init_app(app, db)` with `db` imported inside
    create_app: env.py's current_app.extensions['migrate'].db.metadata is that db's metadata."""
    root = project(
        {
            "app/__init__.py": "",
            "app/base.py": FLASK_SUBCLASS_DB,
            "app/models.py": '''
                from app.base import db


                class User(db.Model):
                    id = db.Column(db.Integer, primary_key=True)
            ''',
            "app/factory.py": '''
                from flask import Flask
                from flask_migrate import Migrate

                migrate = Migrate()


                def create_app():
                    from app.base import db
                    from app import models  # noqa: F401

                    app = Flask(__name__)
                    db.init_app(app)
                    migrate.init_app(app, db)
                    return app
            ''',
        },
        env=MIGRATE_ENV,
    )
    assert ag2.summary(ag2.findings(root)) == []


def test_flask_migrate_env_with_two_dbs_in_the_project_still_says_why(project, ag2):
    root = project(
        {
            "app/__init__.py": "",
            "app/one.py": "from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n",
            "app/two.py": "from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n",
            "app/factory.py": '''
                from flask_migrate import Migrate

                migrate = Migrate()


                def create_app(app):
                    from app.one import db
                    migrate.init_app(app, db)
            ''',
        },
        env=MIGRATE_ENV,
    )
    assert [f.code for f in ag2.findings(root)] == ["AG202"]


def _two_bases(env: str):
    return {
        "app/__init__.py": "",
        "app/models.py": '''
            from sqlalchemy import Column, Integer
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()


            class Image(Base):
                __tablename__ = "images"
                id = Column(Integer, primary_key=True)
        ''',
        "app/metadef.py": '''
            from sqlalchemy import Column, Integer
            from sqlalchemy.orm import declarative_base

            BASE_DICT = declarative_base()


            class Namespace(BASE_DICT):
                __tablename__ = "namespaces"
                id = Column(Integer, primary_key=True)
        ''',
    }, env


def test_env_py_copying_tables_into_target_metadata_in_a_loop(project, ag2):
    files, env = _two_bases(
        "from app import models, metadef\n"
        "target_metadata = models.Base.metadata\n"
        "for table in metadef.BASE_DICT.metadata.sorted_tables:\n"
        "    target_metadata._add_table(table.name, table.schema, table)"
    )
    assert ag2.summary(ag2.findings(root := project(files, env=env))) == [], root


def test_env_py_without_the_loop_still_gets_ag204(project, ag2):
    files, env = _two_bases("from app import models, metadef\ntarget_metadata = models.Base.metadata")
    assert [f.code for f in ag2.findings(project(files, env=env))] == ["AG204"]


def test_ag202_unresolved_does_not_propose_an_unrelated_base(project, ag2):
    root = project(
        {
            "app/__init__.py": "",
            "app/other.py": '''
                from sqlalchemy import Column, Integer
                from sqlalchemy.orm import declarative_base

                LegacyBase = declarative_base()


                class Old(LegacyBase):
                    __tablename__ = "old"
                    id = Column(Integer, primary_key=True)
            ''',
        },
        env="from app.interface import provider\ntarget_metadata = provider().Base.metadata",
    )
    found = [f for f in ag2.findings(root) if f.code == "AG202"]
    assert len(found) == 1 and "LegacyBase" not in (found[0].hint or ""), found[0].hint


def test_ag201_is_a_warning_when_env_imports_reach_a_plugin_loader(project, ag2):
    files = {
        "app/__init__.py": "from app import models  # noqa: F401\nfrom app import plugins  # noqa: F401\n",
        "app/models.py": '''
            from sqlalchemy import Column, Integer
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()


            class User(Base):
                __tablename__ = "users"
                id = Column(Integer, primary_key=True)
        ''',
        "app/plugins.py": '''
            import importlib


            def load(name):
                return importlib.import_module(name, package="app.extra")
        ''',
        "app/extra/__init__.py": "",
        "app/extra/dynamic.py": '''
            from sqlalchemy import Column, Integer

            from app.models import Base


            class Dynamic(Base):
                __tablename__ = "dynamic"
                id = Column(Integer, primary_key=True)
        ''',
    }
    found = [f for f in ag2.findings(project(files, env="import app\nfrom app.models import Base\ntarget_metadata = Base.metadata")) if f.code == "AG201"]
    assert [(f.severity.name, "loaded by name at run time" in f.message) for f in found] == [("WARNING", True)]
    del files["app/plugins.py"]
    files["app/__init__.py"] = "from app import models  # noqa: F401\n"
    found = [f for f in ag2.findings(project(files, env="import app\nfrom app.models import Base\ntarget_metadata = Base.metadata")) if f.code == "AG201"]
    assert [f.severity.name for f in found] == ["ERROR"]


def test_flask_migrate_inside_a_package_with_a_base_alias_and_a_manage_cli(tmp_path, ag2):
    """`pkg/migrations/alembic.ini` (no __init__.py in migrations), `BaseModel = db.Model`, and a
    model only manage.py imports: `pkg db migrate` runs manage.py first, so it is registered."""
    repo = tmp_path / "repo"
    ag2.write_project(repo, {
        "pkg/__init__.py": "",
        "pkg/extensions.py": "from flask_sqlalchemy import SQLAlchemy\nfrom flask_migrate import Migrate\n\ndb = SQLAlchemy()\nmigrate = Migrate()\n",
        "pkg/database.py": "from pkg.extensions import db\n\nBaseModel = db.Model\n",
        "pkg/users.py": '''
            from sqlalchemy import Column, Integer

            from pkg.database import BaseModel


            class User(BaseModel):
                __tablename__ = "users"
                id = Column(Integer, primary_key=True)
        ''',
        "pkg/audit.py": '''
            from sqlalchemy import Column, Integer

            from pkg.database import BaseModel


            class Audit(BaseModel):
                __tablename__ = "audit"
                id = Column(Integer, primary_key=True)
        ''',
        "pkg/factory.py": '''
            from flask import Flask

            from pkg.extensions import db, migrate
            from pkg import users  # noqa: F401


            def create_app():
                app = Flask(__name__)
                db.init_app(app)
                migrate.init_app(app, db)
                return app
        ''',
        "pkg/manage.py": "from flask_migrate.cli import db as db_cli  # noqa: F401\nfrom pkg.audit import Audit  # noqa: F401\n",
    })
    root = ag2.write_project(repo / "pkg" / "migrations_home", {}, env=MIGRATE_ENV)
    report = api.check_path(root, select=("AG2",), app_paths=(str(repo / "pkg"),))
    assert ag2.summary(report.findings) == []
    facts = report.facts["models"]
    assert (facts["models"], facts["registered"], facts["target_status"]) == (2, 2, "ok")
