"""Fixtures for the deploy-moment tests (helpers live in deploy_support.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from deploy_support import LINEAR, MariaTarget, PgTarget, make_project


@pytest.fixture
def project_factory(tmp_path):
    def factory(revisions=LINEAR, name="proj", **kwargs) -> Path:
        return make_project(tmp_path / name, revisions, **kwargs)

    return factory


@pytest.fixture(scope="module", params=["postgresql", "mariadb"])
def target(request):
    if request.param == "postgresql":
        t = PgTarget(request.getfixturevalue("pg_admin_url"))
    else:
        t = MariaTarget(request.getfixturevalue("mariadb_admin_url"))
    try:
        yield t
    finally:
        t.drop()




@pytest.fixture(scope="module")
def pg_target(pg_admin_url):
    t = PgTarget(pg_admin_url)
    try:
        yield t
    finally:
        t.drop()
