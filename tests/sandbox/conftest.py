"""Fixtures for the sandbox tests."""

from __future__ import annotations

import secrets

import pytest
from sandbox_helpers import run_sql, with_database


def _keeper(admin_url: str):
    """A pre-existing database with a row in it, which no sandbox may touch."""
    q = '"' if admin_url.startswith("postgresql") else "`"
    name = f"keep_{secrets.token_hex(4)}"
    run_sql(admin_url, f"CREATE DATABASE {q}{name}{q}")
    url = with_database(admin_url, name)
    run_sql(url, "CREATE TABLE precious (id int)", "INSERT INTO precious VALUES (42)")
    yield name, url
    run_sql(admin_url, f"DROP DATABASE IF EXISTS {q}{name}{q}")


@pytest.fixture
def keeper_pg(pg_admin_url):
    yield from _keeper(pg_admin_url)


@pytest.fixture
def keeper_maria(mariadb_admin_url):
    yield from _keeper(mariadb_admin_url)
