"""Fixtures for the sandbox tests."""

from __future__ import annotations

import secrets

import pytest
from sandbox_helpers import run_sql, with_database


@pytest.fixture
def keeper_pg(pg_admin_url):
    """A pre-existing database with a row in it, which no sandbox may touch."""
    name = f"keep_{secrets.token_hex(4)}"
    run_sql(pg_admin_url, f'CREATE DATABASE "{name}"')
    url = with_database(pg_admin_url, name)
    run_sql(url, "CREATE TABLE precious (id int)", "INSERT INTO precious VALUES (42)")
    yield name, url
    run_sql(pg_admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def keeper_maria(mariadb_admin_url):
    name = f"keep_{secrets.token_hex(4)}"
    run_sql(mariadb_admin_url, f"CREATE DATABASE `{name}`")
    url = with_database(mariadb_admin_url, name)
    run_sql(url, "CREATE TABLE precious (id int)", "INSERT INTO precious VALUES (42)")
    yield name, url
    run_sql(mariadb_admin_url, f"DROP DATABASE IF EXISTS `{name}`")
