"""The two sample applications through the real `check` pipeline: every WRONG pattern found at
its line, nothing in the CORRECT versions (exact findings; goldens come from tests/test_projects)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from alembic_guard import api, settings

FASTAPI = {
    ("app/wrong/db.py", 5, "AG521"),
    ("app/wrong/db.py", 10, "AG512"),
    ("app/wrong/jobs.py", 9, "AG541"),
    ("app/wrong/routes.py", 23, "AG510"),
    ("app/wrong/routes.py", 34, "AG511"),
    ("app/wrong/routes.py", 40, "AG522"),
    ("app/wrong/routes.py", 45, "AG523"),
    ("app/wrong/routes.py", 54, "AG520"),
    ("app/wrong/routes.py", 64, "AG540"),
    ("app/wrong/routes.py", 71, "AG531"),
}
FLASK = {
    ("app/wrong/engines.py", 10, "AG501"),
    ("app/wrong/engines.py", 10, "AG502"),
    ("app/wrong/engines.py", 11, "AG503"),
    ("app/wrong/engines.py", 12, "AG504"),
    ("app/wrong/views.py", 18, "AG530"),
    ("app/wrong/views.py", 23, "AG550"),
    ("app/wrong/views.py", 31, "AG540"),
    ("app/wrong/views.py", 38, "AG531"),
    ("app/wrong/views.py", 49, "AG510"),
    ("app/wrong/views.py", 57, "AG511"),
    ("app/wrong/views.py", 61, "AG512"),
}


def _found(root):
    report = api.check(settings.load(root, select=("AG5",)))
    return report, {(str(f.location.path), f.location.line, f.code) for f in report.findings}


@pytest.mark.parametrize("name,expected", [("fastapi_async_app", FASTAPI), ("flask_sync_app", FLASK)])
def test_sample_findings_exact(samples, name, expected):
    report, found = _found(samples / name)
    assert found == expected
    assert not any("/right/" in path for path, _, _ in found)
    assert report.facts["app_audit"]["modules"] >= 6
    assert not report.facts["app_audit"]["unparsable"]


def test_samples_cover_every_rule(samples):
    from alembic_guard.rules import ALL_RULES

    codes = {c for _, _, c in FASTAPI | FLASK}
    assert codes == {r.code for r in ALL_RULES if r.kind == "app"}


def test_migrations_are_not_audited_and_app_path_narrows(samples):
    root = samples / "fastapi_async_app"
    report = api.check(settings.load(root, select=("AG5",), app_paths=("app/wrong/db.py",)))
    assert {(str(f.location.path), f.code) for f in report.findings} == {("app/wrong/db.py", "AG521"), ("app/wrong/db.py", "AG512")}
    excluded = api.check(settings.load(root, select=("AG5",), exclude=("app/wrong/*",)))
    assert excluded.findings == ()


def test_inline_suppression_on_app_code(tmp_path, samples):
    import shutil

    root = tmp_path / "proj"
    shutil.copytree(samples / "fastapi_async_app", root)
    db = root / "app" / "wrong" / "db.py"
    text = db.read_text().replace(
        'engine = create_async_engine("postgresql://app@127.0.0.1:5432/shop")',
        'engine = create_async_engine("postgresql://app@127.0.0.1:5432/shop")  # alembic-guard: ignore[AG521] legacy',
    )
    db.write_text(text)
    report = api.check(settings.load(root, select=("AG5", "AG001")))
    codes = {(str(f.location.path), f.code) for f in report.findings}
    assert ("app/wrong/db.py", "AG521") not in codes
    assert ("app/wrong/db.py", "AG512") in codes


def test_cli_exit_code_and_text(samples):
    proc = subprocess.run([sys.executable, "-m", "alembic_guard", "check", str(samples / "flask_sync_app"), "--select", "AG5"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "app/wrong/views.py:18:54: AG530" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_engine_without_literal_url_uses_project_dialect(tmp_path):
    (tmp_path / "migrations" / "versions").mkdir(parents=True)
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = mysql+pymysql://u@h/db\n")
    (tmp_path / "migrations" / "env.py").write_text("from alembic import context\n")
    (tmp_path / "app.py").write_text(
        "import os\nfrom sqlalchemy import create_engine\n"
        "engine = create_engine(os.environ['DATABASE_URL'])\n"
        "fine = create_engine(os.environ['DATABASE_URL'], pool_pre_ping=True, pool_recycle=3600)\n"
    )
    report = api.check(settings.load(tmp_path, select=("AG5",)))
    assert {(f.location.line, f.code) for f in report.findings} == {(3, "AG501"), (3, "AG502")}
    assert "(the project dialect)" in report.findings[0].message
    pg = api.check(settings.load(tmp_path, select=("AG5",), dialect="postgresql"))
    assert pg.findings == ()


def test_cross_module_detached_return_and_schema_reads(tmp_path, samples):
    import shutil

    (tmp_path / "migrations" / "versions").mkdir(parents=True)
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/migrations\n")
    (tmp_path / "migrations" / "env.py").write_text("from alembic import context\n")
    (tmp_path / "app").mkdir()
    shutil.copy(samples / "fastapi_async_app" / "app" / "models.py", tmp_path / "app" / "models.py")
    (tmp_path / "app" / "crud.py").write_text(
        "from sqlalchemy import create_engine\nfrom sqlalchemy.orm import selectinload, sessionmaker\n\n"
        "from app.models import User\n\nengine = create_engine('postgresql+psycopg2://u@h/db')\nSessionLocal = sessionmaker(engine)\n\n\n"
        "def get_user(user_id):\n    with SessionLocal() as session:\n        return session.get(User, user_id)\n\n\n"
        "def get_user_full(user_id):\n    with SessionLocal() as session:\n"
        "        return session.get(User, user_id, options=[selectinload(User.orders)])\n"
    )
    (tmp_path / "app" / "views.py").write_text(
        "from pydantic import BaseModel\nfrom sqlalchemy.ext.asyncio import AsyncSession\nfrom sqlalchemy.orm import selectinload\n\n"
        "from app.crud import get_user, get_user_full\nfrom app.models import User\n\n\n"
        "class UserOut(BaseModel):\n    id: int\n    orders: list[int]\n\n\n"
        "def show(user_id):\n    user = get_user(user_id)\n    return [o.id for o in user.orders]\n\n\n"
        "def show_ok(user_id):\n    user = get_user_full(user_id)\n    return [o.id for o in user.orders]\n\n\n"
        "async def api(session: AsyncSession, user_id: int):\n    user = await session.get(User, user_id)\n    return UserOut.model_validate(user)\n\n\n"
        "async def api_ok(session: AsyncSession, user_id: int):\n"
        "    user = await session.get(User, user_id, options=[selectinload(User.orders)])\n    return UserOut.model_validate(user)\n"
    )
    report = api.check(settings.load(tmp_path, select=("AG5",)))
    assert {(str(f.location.path), f.location.line, f.code) for f in report.findings} == {
        ("app/views.py", 16, "AG510"),
        ("app/views.py", 26, "AG522"),
    }


def test_flow_crash_in_one_module_is_ag000_and_the_rest_still_runs(samples, monkeypatch):
    import alembic_guard.audit as audit

    real = audit.analyse_module

    def flaky(mod, app):
        if str(mod.path) == "app/wrong/jobs.py":
            raise RuntimeError("boom")
        return real(mod, app)

    monkeypatch.setattr(audit, "analyse_module", flaky)
    report = api.check(settings.load(samples / "fastapi_async_app", select=("AG5", "AG000")))
    codes = {(str(f.location.path), f.code) for f in report.findings}
    assert ("app/wrong/jobs.py", "AG000") in codes
    assert ("app/wrong/jobs.py", "AG541") in codes  # engine rules need no flow
    assert ("app/wrong/routes.py", "AG523") in codes
