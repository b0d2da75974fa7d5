"""Fixtures for the operation-lint tests."""

from __future__ import annotations

import pytest

from ops_helpers import write_project


@pytest.fixture
def project_factory(tmp_path):
    def make(revisions: dict[str, str], **kw) -> Path:
        return write_project(tmp_path, revisions, **kw)

    return make
