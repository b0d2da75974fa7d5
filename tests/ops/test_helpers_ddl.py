"""AG423 and project helpers: a helper whose source holds no DDL is not 'unanalysed' (issue 13)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from alembic_guard import api

INI = "[alembic]\nscript_location = migrations\n"
REVISION = '''
from alembic import op
from app.migration_utils import {name}

revision = "a1"
down_revision = None


def upgrade():
    {name}(op, "users")


def downgrade():
    pass
'''
HELPERS = '''
import logging

log = logging.getLogger(__name__)


def _label(table):
    return table.upper()


def log_step(op, table):
    log.info("migrating %s", _label(table))


def drop_old(op, table):
    op.drop_column(table, "old")


def run_sql(op, table):
    op.get_bind().exec_driver_sql("ALTER TABLE " + table + " DROP COLUMN old")


def uses_other(op, table):
    from app.elsewhere import thing
    thing(table)
'''


def project(tmp_path: Path, name: str) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "alembic.ini").write_text(INI)
    (tmp_path / "migrations" / "versions").mkdir(parents=True)
    (tmp_path / "migrations" / "env.py").write_text("target_metadata = None\n")
    (tmp_path / "migrations" / "versions" / "a1_x.py").write_text(textwrap.dedent(REVISION.format(name=name)))
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "migration_utils.py").write_text(textwrap.dedent(HELPERS))
    return tmp_path


def codes(root: Path) -> list[str]:
    return [f.code for f in api.check_path(root, select=("AG423",), cache=False).findings]


def test_helper_without_ddl_is_not_reported(tmp_path):
    assert codes(project(tmp_path, "log_step")) == []


def test_helpers_with_ddl_or_unseen_code_are_still_reported(tmp_path):
    for i, name in enumerate(("drop_old", "run_sql", "uses_other")):
        assert codes(project(tmp_path / str(i), name)) == ["AG423"], name
