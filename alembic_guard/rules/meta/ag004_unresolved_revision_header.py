from alembic_guard.findings import Severity
from alembic_guard.rules._registry import project_rule


@project_rule("AG004", "unresolved-revision-header", severity=Severity.ERROR)
def unresolved_revision_header(project):
    """A revision header whose value cannot be read without running the file.

    ## What it does
    Flags `revision`, `down_revision`, `branch_labels` or `depends_on` assignments whose value
    alembic-guard cannot work out statically. Literals, module constants, `"a" + "b"`, f-strings
    of constants and constants imported from the project's own modules
    (`from myapp.ids import BASE`) are all resolved without importing anything; a function call,
    an environment variable or a third-party constant is not.

    ## Why is this bad?
    The revision graph is then incomplete: the revision (or its parent link) is missing from it,
    so heads, bases and every graph rule may be wrong. Headers are meant to be static — Alembic's
    own `alembic revision` writes plain literals — and tools that read history without running
    it (code review, this check) depend on that.

    ## Example
    ```python
    import os

    revision = os.environ.get("REV", "a1")
    down_revision = None
    ```

    ## Use instead
    ```python
    revision = "a1"
    down_revision = None
    ```

    ## When to ignore
    When the value really must be computed, run with `--import`: alembic-guard then loads the
    revisions with Alembic's own loader (this executes the files) and uses those values.
    """
    for mig in project.migrations:
        for name, (line, text) in sorted(mig.unresolved.items(), key=lambda kv: kv[1][0]):
            if name in mig.imported_values:
                continue  # --import supplied the value Alembic sees
            yield unresolved_revision_header.finding(
                f"`{name}` in `{mig.relpath}` is `{text}`, which cannot be read without running the file",
                at=mig.location(line),
                hint="write the value as a literal (or a constant of this or another project module), "
                "or run with --import to load it with Alembic (executes the revision files)",
                anchor=name,
            )
