"""pytest fixtures for the runtime kit (registered through `alembic_guard.testing.plugin`).

Problems are failures of the test that caused them (`F`, "FAILED"), never setup/teardown errors: the N+1
check runs when the test body ends (still in its call phase); the pool check has to wait for the fixtures
torn down after it (a fixture's session closed at teardown is no leak), so it runs at teardown, and the
reports of a test using `pool_watcher` are logged only once the test is over: a leak found at teardown is
moved to the test's own (call) report. Leaked connections are closed after being reported, so the
suite's own teardown cannot hang on their locks.

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

from alembic_guard.testing.runtime import NPlusOneError, PoolLeakError, detect_n_plus_one, no_lazy_loads, watch_pools

_KIT_FAILURE = "alembic_guard_kit_failure"  # report attribute: a teardown failure that is the test's own


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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield  # the test body; an exception of its own ends here and is reported as usual
    report = getattr(item, "funcargs", {}).get("n_plus_one")
    if report is not None and report.problems:
        raise NPlusOneError(report.summary())
    return result


@pytest.fixture
def lazy_load_guard():
    return no_lazy_loads


@pytest.fixture
def pool_watcher():
    with watch_pools() as report:
        yield report
    if report.leaks:
        message = "\n".join(p.describe() for p in report.leaks)
        report.close_leaked()
        raise PoolLeakError(message + "\n    fix: close sessions and connections with `with` / `async with` (or try/finally)")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if call.excinfo is not None and call.excinfo.errisinstance((NPlusOneError, PoolLeakError)):
        report.longrepr = f"{call.excinfo.typename}: {call.excinfo.value}"  # the finding, not the fixture's traceback
        if report.when == "teardown":
            setattr(report, _KIT_FAILURE, True)
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    """For tests using `pool_watcher`: run setup, call and teardown unlogged, move a leak found at teardown
    onto the call report (the test failed, it did not error), then log the reports as pytest would."""
    if "pool_watcher" not in getattr(item, "fixturenames", ()):
        return None
    from _pytest.runner import runtestprotocol  # the protocol pytest itself runs (as pytest-rerunfailures does)

    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    reports = runtestprotocol(item, nextitem=nextitem, log=False)
    if len(reports) == 3 and reports[1].passed and getattr(reports[2], _KIT_FAILURE, False):
        call, teardown = reports[1], reports[2]
        call.outcome, call.longrepr = "failed", teardown.longrepr
        teardown.outcome, teardown.longrepr = "passed", None
    for report in reports:
        item.ihook.pytest_runtest_logreport(report=report)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True
