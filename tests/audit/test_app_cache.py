"""The app audit's result cache (audit/cache.py): unchanged files -> the same findings without parsing."""

from __future__ import annotations

import textwrap

import alembic_guard.audit as audit
from alembic_guard import api

APP = '''
from sqlalchemy import create_engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

SessionLocal = sessionmaker(create_engine("postgresql://db/app"))


def nightly(rows):
    with SessionLocal() as session:
        for row in rows:
            try:
                session.add(row)
                session.commit()
            except IntegrityError:
                pass


def other(rows):
    with SessionLocal() as session:
        for row in rows:
            try:
                session.add(row)
                session.commit()
            except IntegrityError:  # alembic-guard: ignore[AG540] rows are independent, reviewed
                pass
'''


def project(tmp_path):
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    (tmp_path / "migrations" / "versions").mkdir(parents=True)
    (tmp_path / "migrations" / "env.py").write_text("target_metadata = None\n")
    (tmp_path / "app.py").write_text(textwrap.dedent(APP))
    return tmp_path


def run(root, cache_dir, **kw):
    report = api.check_path(root, select=("AG5",), cache_dir=cache_dir, **kw)
    return [(str(f.location.path), f.location.line, f.code, f.severity.name, f.message) for f in report.findings], report


def test_warm_run_reuses_findings_without_parsing_and_an_edit_recomputes(tmp_path, monkeypatch):
    root = project(tmp_path / "p")
    cache_dir = tmp_path / "cache"
    cold, cold_report = run(root, cache_dir)
    assert [c[2] for c in cold] == ["AG540"]  # the suppressed one stays suppressed

    calls = []
    real = audit.load_app
    monkeypatch.setattr(audit, "load_app", lambda project: calls.append(1) or real(project))
    warm, warm_report = run(root, cache_dir)
    assert warm == cold and calls == []
    assert warm_report.facts["app_audit"] == cold_report.facts["app_audit"]

    (root / "app.py").write_text(textwrap.dedent(APP).replace("            except IntegrityError:\n                pass\n",
                                                              "            except IntegrityError:\n                session.rollback()\n", 1))
    edited, _ = run(root, cache_dir)
    assert edited == [] and calls == [1]


def test_no_cache_never_reads_or_writes_it(tmp_path):
    root = project(tmp_path / "p")
    cache_dir = tmp_path / "cache"
    run(root, cache_dir, cache=False)
    assert not (cache_dir / "app").exists()


def test_app_cache_files_are_the_cache_s_own_and_can_be_pruned(tmp_path):
    """The app-audit cache writes through the same writer as the revision-file cache: its folder is
    claimed (marker) and its files begin as the cache's, so the pruning of old files recognises them."""
    import os

    from alembic_guard.core import cache as result_cache

    root = project(tmp_path / "p")
    cache_dir = tmp_path / "cache"
    run(root, cache_dir)
    (stored,) = (cache_dir / "app").glob("*.json")
    assert stored.read_bytes().startswith(b'{"format":')
    assert (cache_dir / "app" / result_cache.MARKER).is_file()
    old = 40 * 86400
    os.utime(stored, (stored.stat().st_atime - old, stored.stat().st_mtime - old))
    result_cache._prune(stored.parent)
    assert not stored.exists()
