from alembic_guard.findings import Location
from alembic_guard.findings import Severity
from alembic_guard.project.problems import ERROR_KINDS
from alembic_guard.rules._registry import project_rule


@project_rule("AG003", "unreadable-revision-file", severity=Severity.ERROR)
def unreadable_revision_file(project):
    """A file in a versions folder that cannot be read as a revision.

    ## What it does
    Flags files in the version locations that do not parse as Python, are not UTF-8 or contain
    NUL bytes, are empty, cannot be read (a dangling symlink, a symlink loop), have no
    module-level `revision = "..."`, set `revision` without `down_revision`, or import
    relatively at module level (`from . import helpers`: Alembic loads each revision file as a
    module of no package, so the import always fails). Files in another encoding that declare it
    (`# -*- coding: latin-1 -*-`) are read as Python reads them.

    With `--import`, it also loads every revision file with Alembic's own loader (in a separate
    process, with a time limit — this executes the files) and flags each file that raises (an
    `ImportError` of an application module, `sys.exit()`...), kills the process, or does not
    finish loading within `import-timeout` seconds, with the exception text and line.

    ## Why is this bad?
    Alembic loads every `.py` file in its version locations. A file it cannot load stops every
    `alembic` command — `upgrade` at deploy time included — with an error about that file.

    ## Example
    ```python
    revision = "a1"
    down_revision = None
    def upgrade(:
        pass
    ```

    ## Use instead
    ```python
    revision = "a1"
    down_revision = None
    def upgrade():
        pass
    ```
    """
    for problem in project.problems:
        if problem.kind in ERROR_KINDS:
            yield unreadable_revision_file.finding(
                problem.message, at=problem.location, hint=problem.hint, anchor=problem.kind
            )
    for problem in project.import_problems:
        yield unreadable_revision_file.finding(problem.message, at=problem.location, hint=problem.hint, anchor=problem.kind)
    for mig in project.migrations:
        if not mig.body_analysed:
            continue
        if not mig.body_checked:  # the engine's file pass usually parsed it already
            mig.tree  # parses the whole file (the header alone was enough for the graph)
        exc = mig.syntax_error
        if exc is None:
            relative = mig.relative_import  # recorded when parsed: the tree may be released
            if relative is not None:
                level, module, lineno, col_offset = relative
                yield unreadable_revision_file.finding(
                    f"`{mig.relpath}` imports `{'.' * level}{module or ''}` relatively: Alembic loads "
                    "revision files outside any package, so this import fails with `ImportError`",
                    at=Location(mig.relpath, lineno, col_offset + 1, revision=mig.revision_id),
                    hint="import it absolutely (`from myapp.migrations_helpers import x`), with the module on `prepend_sys_path`",
                    anchor="relative-import",
                )
            continue
        yield unreadable_revision_file.finding(
            f"`{mig.relpath}` does not parse: {exc.msg}",
            at=Location(mig.relpath, exc.lineno or 1, exc.offset or 1, revision=mig.revision_id),
            hint="fix the syntax error; Alembic cannot load this revision either",
            anchor="syntax",
        )
