from alembic_guard.findings import Severity
from alembic_guard.rules._registry import project_rule


@project_rule("AG000", "internal-error", severity=Severity.ERROR)
def internal_error(project):
    """A rule of alembic-guard crashed.

    ## What it does
    Reports a bug in alembic-guard itself: one rule raised an exception while analysing your
    project. The other rules still ran, and their findings are reported as usual.

    ## Why is this bad?
    The crashed rule checked nothing, so its absence of findings means nothing. The run exits
    with findings so that CI does not go green on a check that did not happen.

    ## Example
    ```text
    .:  AG000 rule AG401 (create-index-not-concurrently) crashed: KeyError: 'table'
    ```

    ## Use instead
    Update alembic-guard, or report the message (it names the rule and the place in our code).
    Meanwhile `--ignore` the crashed rule's code to unblock CI.
    """
    return ()  # emitted by the engine when a rule raises (alembic_guard.engine.RunContext.crash)
