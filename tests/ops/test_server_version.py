"""--server-version / --dialect: validated, and consulted by the version-dependent rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from alembic_guard.errors import SettingsError
from alembic_guard.ops import parse_version
from alembic_guard.settings import Settings
from alembic_guard.testing import check_source

ADD_DEFAULT = 'def upgrade():\n    op.add_column("t", sa.Column("k", sa.Text(), server_default="x"))\n'
SET_NOT_NULL_AFTER_VALIDATE = (
    "def upgrade():\n"
    "    op.execute(\"ALTER TABLE t ADD CONSTRAINT t_c_nn CHECK (c IS NOT NULL) NOT VALID\")\n"
    "    op.execute(\"ALTER TABLE t VALIDATE CONSTRAINT t_c_nn\")\n"
    "    op.alter_column(\"t\", \"c\", nullable=False)\n"
)


def test_parse_version():
    assert parse_version("15") == (15,) and parse_version("8.0.32") == (8, 0, 32) and parse_version(None) is None


@pytest.mark.parametrize("bad", ["banana", "15beta", ""])
def test_bad_server_version_is_a_settings_error(bad):
    with pytest.raises(SettingsError, match="version number"):
        Settings.from_mapping({"server-version": bad}, root=Path("."))


def test_rules_follow_the_target_version():
    assert [f.code for f in check_source(ADD_DEFAULT, "AG406", "postgresql", server_version="10")] == ["AG406"]
    assert check_source(ADD_DEFAULT, "AG406", "postgresql", server_version="11") == []
    assert check_source(ADD_DEFAULT, "AG406", "postgresql") == []  # unknown: assume a supported server
    assert [f.code for f in check_source(SET_NOT_NULL_AFTER_VALIDATE, "AG407", "postgresql", server_version="11")] == ["AG407"]
    assert check_source(SET_NOT_NULL_AFTER_VALIDATE, "AG407", "postgresql", server_version="12") == []


def test_postgresql_only_rules_are_reported_skipped_on_mysql():
    from alembic_guard.testing import check_source_report

    report = check_source_report('def upgrade():\n    op.create_index("ix", "t", ["a"])\n', ("AG401", "AG410"), "mysql", allow_skips=True)
    assert report.findings == ()
    assert any("AG401" in s.codes and "mysql" in s.reason for s in report.skipped)
