"""pytest fixtures for the runtime kit (registered through `alembic_guard.pytest_plugin`).

- `n_plus_one`: records lazy loads during the test and fails it when one relationship was
  lazy-loaded `threshold` times or more (default 2; for the suite:
  `alembic_guard_n_plus_one_threshold = 5` in the pytest ini section; per test:
  `@pytest.mark.n_plus_one(threshold=5)`). The failure names the relationship and call site.
- `lazy_load_guard`: a context manager factory; `with lazy_load_guard(): ...` makes every lazy
  load inside the block raise `LazyLoadError`.
- `pool_watcher`: tracks pool checkouts during the test and fails it when connections are still
  checked out at the end (a leaked session or connection), naming where they were taken. The
  report (`pool_watcher.pools`) also has the peak checked out per pool against its capacity.
"""

from __future__ import annotations

import pytest

from alembic_guard.runtime import detect_n_plus_one, no_lazy_loads, watch_pools


def pytest_addoption(parser):
    parser.addini("alembic_guard_n_plus_one_threshold", "lazy loads of one relationship that fail a test using the `n_plus_one` fixture", default="2")


def pytest_configure(config):
    config.addinivalue_line("markers", "n_plus_one(threshold=2): lazy loads of one relationship that fail the test (fixture `n_plus_one`)")


@pytest.fixture
def n_plus_one(request):
    marker = request.node.get_closest_marker("n_plus_one")
    default = int(request.config.getini("alembic_guard_n_plus_one_threshold") or 2)
    threshold = int(marker.kwargs.get("threshold", default)) if marker is not None else default
    with detect_n_plus_one(threshold=threshold) as report:
        yield report
    if report.problems:
        pytest.fail(report.summary(), pytrace=False)


@pytest.fixture
def lazy_load_guard():
    return no_lazy_loads


@pytest.fixture
def pool_watcher():
    with watch_pools() as report:
        yield report
    if report.leaks:
        pytest.fail(report.summary() + "\n    fix: close sessions and connections with `with` / `async with` (or try/finally)", pytrace=False)
