"""The opt-in import probe (AG206, `--import`): env.py really runs, in a subprocess."""

from __future__ import annotations

import sys

from alembic_guard import api

ORDER = "import sqlalchemy as sa\nfrom app.db import Base\n\n\nclass Order(Base):\n    __tablename__ = 'orders'\n    id = sa.Column(sa.Integer, primary_key=True)\n"
USER = "import sqlalchemy as sa\nfrom app.db import Base\n\n\nclass User(Base):\n    __tablename__ = 'users'\n    id = sa.Column(sa.Integer, primary_key=True)\n"


def test_probe_is_skipped_without_import(ag2):
    report = api.check_path(ag2.SAMPLES / "missing_model_import", select=("AG2",))
    assert [s for s in report.skipped if "AG206" in s.codes]
    assert "--import" in next(s.reason for s in report.skipped if "AG206" in s.codes)


def test_probe_agrees_with_static_analysis_on_samples(ag2):
    # AG203 (drift at head, needs --db) is ignored: it would only be reported as skipped here
    report = api.check_path(ag2.SAMPLES / "missing_model_import", select=("AG2",), ignore=("AG203",), allow_import=True)
    assert [(f.code, str(f.location.path)) for f in report.findings] == [("AG201", "app/models/order.py")]
    assert not [s for s in report.skipped if "AG206" in s.codes]  # AG203 (drift) still needs --db
    assert "app" not in sys.modules  # the probe ran in a subprocess


def test_probe_reports_a_dynamic_import_static_analysis_cannot_follow(project, ag2):
    root = project(
        {
            "app/__init__.py": "",
            "app/db.py": ag2.DB,
            "app/models/__init__.py": "import importlib\n\nfrom app.models import user  # noqa: F401\n\nimportlib.import_module('app.models.' + 'order')\n",
            "app/models/user.py": USER,
            "app/models/order.py": ORDER,
        },
        env="import app.models  # noqa: F401\nfrom app.db import Base\ntarget_metadata = Base.metadata",
    )
    found = ag2.findings(root, allow_import=True)
    assert ag2.summary(found) == [("AG201", "app/models/order.py", 5), ("AG206", "app/models/order.py", 5)]
    probe = next(f for f in found if f.code == "AG206")
    assert probe.message == (
        "Importing `migrations/env.py` registers table `orders` (model `Order`) (the import did load that file), "
        "but static analysis found no import from `migrations/env.py` that reaches `app/models/order.py`"
    )
    assert "`import app.models.order  # noqa: F401` in `migrations/env.py`" in probe.hint


def test_probe_reports_an_import_that_does_not_happen_at_run_time(project, ag2):
    root = project(
        {
            "app/__init__.py": "",
            "app/db.py": ag2.DB,
            "app/models.py": "import sys\n\nfrom app.db import Base  # noqa: F401\n\nif sys.version_info < (3, 0):\n    import app.legacy  # noqa: F401\n",
            "app/legacy.py": ORDER,
        },
        env="import app.models  # noqa: F401\nfrom app.db import Base\ntarget_metadata = Base.metadata",
    )
    (f,) = ag2.findings(root, allow_import=True)
    assert (f.code, str(f.location.path)) == ("AG206", "app/legacy.py")
    assert f.message == (
        "Static analysis expects table `orders` (model `Order`) on target_metadata, but importing "
        "`migrations/env.py` does not register it"
    )
    assert "`migrations/env.py:3` -> `app/models.py:6`" in f.hint


def test_probe_failure_and_timeout_are_findings(project, ag2):
    root = project({"app/__init__.py": "", "app/db.py": ag2.DB}, env="raise RuntimeError('needs a secret at postgresql://u:hunter2@db/x')")
    (f,) = ag2.findings(root, select="AG206", allow_import=True)
    assert f.code == "AG206" and "The import probe could not run `migrations/env.py`: RuntimeError: needs a secret" in f.message
    assert "hunter2" not in f.message

    slow = project({"app/__init__.py": "", "app/db.py": ag2.DB}, env="import time\ntime.sleep(30)\ntarget_metadata = None")
    (f,) = ag2.findings(slow, select="AG206", allow_import=True, import_timeout=1.5)
    assert f.message == "The import probe could not run `migrations/env.py`: env.py did not finish within 1.5 s"


def _copy(sample, tmp_path):
    import shutil

    dest = tmp_path / sample.name
    shutil.copytree(sample, dest, ignore=shutil.ignore_patterns("expected", "__pycache__"))
    return dest


def test_probe_confirms_sqlmodel_naming(ag2, tmp_path):
    """SQLModel's real table names (`hero`, `teams`) match the static ones: the probe agrees."""
    import pytest

    pytest.importorskip("sqlmodel")
    root = _copy(ag2.SAMPLES / "sqlmodel_app", tmp_path)
    found = ag2.findings(root, allow_import=True)
    assert [(f.code, str(f.location.path)) for f in found] == [("AG201", "app/missions.py")]


def test_probe_runs_flask_migrate_env_in_the_app_context(ag2, tmp_path):
    """Flask-Migrate's env.py needs `current_app`: the probe loads the app (FLASK_APP from
    .flaskenv) like `flask db` does; Flask-SQLAlchemy's snake_case table names agree."""
    import pytest

    pytest.importorskip("flask_migrate")
    pytest.importorskip("flask_sqlalchemy")
    root = _copy(ag2.SAMPLES / "flask_sqlalchemy", tmp_path)
    found = ag2.findings(root, allow_import=True)
    assert [(f.code, str(f.location.path)) for f in found] == [("AG201", "app/reports.py")]
    # and a disagreement shows up: register the report model the static analysis cannot see
    init = root / "app" / "__init__.py"
    init.write_text(init.read_text().replace(
        "    from app.routes import bp\n",
        "    from app.routes import bp\n    __import__('app.' + 'reports')\n",
    ))
    found = ag2.findings(root, allow_import=True)
    assert sorted((f.code, str(f.location.path)) for f in found) == [("AG201", "app/reports.py"), ("AG206", "app/reports.py")]
    probe = next(f for f in found if f.code == "AG206")
    assert "registers table `monthly_report` (model `MonthlyReport`) (the import did load that file)" in probe.message


def test_unresolved_hint_does_not_offer_import_when_import_was_given(project, ag2):
    root = project(
        {"app/__init__.py": "", "app/db.py": ag2.DB},
        env="import app.db\ntarget_metadata = app.db.make_metadata()",
    )
    static = [f for f in ag2.findings(root) if f.code == "AG202"]
    probed = [f for f in ag2.findings(root, allow_import=True) if f.code == "AG202"]
    assert static and "run `alembic-guard check --import`" in static[0].hint
    assert probed and "run `alembic-guard check --import`" not in probed[0].hint
    assert "AG206" in probed[0].hint
