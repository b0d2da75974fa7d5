"""Fixtures for loader/discovery tests; helpers live in loadkit.py."""

from loadkit import project  # noqa: F401  (the fixture)
