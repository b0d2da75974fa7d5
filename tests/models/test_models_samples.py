"""The sample projects: exact AG2xx findings (code, file, line, message, fixing import)."""

from __future__ import annotations

from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "sample_projects"

HEALTHY = ["healthy", "package_init_imports", "star_import_all", "models_healthy"]


@pytest.mark.parametrize("name", HEALTHY)
def test_healthy_samples_have_no_findings(ag2, name):
    assert ag2.findings(SAMPLES / name) == []


def test_missing_model_import_names_order_and_the_fix(ag2):
    (f,) = ag2.findings(SAMPLES / "missing_model_import")
    assert (f.code, str(f.location.path), f.location.line) == ("AG201", "app/models/order.py", 7)
    assert f.message == (
        "Model `Order` (table `orders`, on `Base.metadata`) is not imported when Alembic runs "
        "`migrations/env.py`: autogenerate will not see it"
    )
    assert f.hint == (
        "add `import app.models.order  # noqa: F401` to `migrations/env.py` "
        "(or `from . import order  # noqa: F401` to `app/models/__init__.py`, which env.py already imports)"
    )


def test_star_import_without_all_imports_no_submodule(ag2):
    found = ag2.findings(SAMPLES / "star_import_no_all")
    assert ag2.summary(found) == [("AG201", "app/models/order.py", 7), ("AG201", "app/models/user.py", 7)]
    hints = {f.hint.split("`")[1] for f in found}
    assert hints == {"import app.models.order  # noqa: F401", "import app.models.user  # noqa: F401"}


def test_flask_migrate_env_resolves_db_metadata_and_app_factory_imports(ag2):
    (f,) = ag2.findings(SAMPLES / "flask_sqlalchemy")
    assert (f.code, str(f.location.path), f.location.line) == ("AG201", "app/reports.py", 5)
    # Flask-SQLAlchemy's default table name is the snake_case class name
    assert "Model `MonthlyReport` (table `monthly_report`, on `db.metadata`)" in f.message
    assert f.hint.startswith("add `import app.reports  # noqa: F401` to `migrations/env.py`")


def test_sqlmodel_table_true_models(ag2):
    (f,) = ag2.findings(SAMPLES / "sqlmodel_app")
    assert (f.code, str(f.location.path), f.location.line) == ("AG201", "app/missions.py", 4)
    assert "Model `Mission` (table `mission`, on `SQLModel.metadata`)" in f.message
    assert f.hint == "add `import app.missions  # noqa: F401` to `migrations/env.py`"


def test_two_bases_flags_the_model_on_the_other_base(ag2):
    (f,) = ag2.findings(SAMPLES / "two_bases")
    assert (f.code, str(f.location.path), f.location.line) == ("AG204", "app/models.py", 18)
    assert f.message == (
        "Model `AuditLog` (table `audit_log`) is on `AuditBase.metadata`, not on env.py's target_metadata (`Base.metadata`)"
    )
    assert "`from app.models import AuditBase` and `target_metadata = [Base.metadata, AuditBase.metadata]`" in f.hint
    assert [(str(r.path), r.line) for r in f.related] == [("app/models.py", 8)]


def test_imperative_tables(ag2):
    (f,) = ag2.findings(SAMPLES / "imperative_tables")
    assert (f.code, str(f.location.path), f.location.line) == ("AG201", "app/billing.py", 5)
    assert f.message.startswith("Table `invoices` (on `metadata_obj`) is not imported")
    assert f.hint == "add `import app.billing  # noqa: F401` to `migrations/env.py`"


def test_metadata_none(ag2):
    (f,) = ag2.findings(SAMPLES / "metadata_none")
    assert (f.code, str(f.location.path), f.location.line) == ("AG202", "migrations/env.py", 14)
    assert f.message == "`target_metadata = None` in `migrations/env.py`: autogenerate has no models to compare"
    assert f.hint == "use `from app.db import Base` and `target_metadata = Base.metadata`"


def test_cli_exit_codes_on_samples(ag2):
    import subprocess
    import sys

    def run(name):
        return subprocess.run([sys.executable, "-m", "alembic_guard", "check", str(SAMPLES / name), "--select", "AG2"],
                              capture_output=True, text=True, timeout=60)

    ok, bad = run("models_healthy"), run("missing_model_import")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert bad.returncode == 1 and "app/models/order.py:7:1: AG201" in bad.stdout
