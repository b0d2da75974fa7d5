import re

from alembic_guard.findings import Severity
from alembic_guard.graph.revision import normalise_ids
from alembic_guard.rules._registry import migration_rule

_REV_FIRST = re.compile(r"^\s*%%?\(rev\)s")


def _own_naming(project) -> bool:
    """Most files (three or more) are not named after their ids: the project has its own scheme."""

    def compute(p) -> bool:
        named = [m.relpath.name.startswith(m.revision_id) for m in p.migrations if m.revision_id]
        unnamed = named.count(False)
        return unnamed >= 3 and unnamed * 2 > len(named)

    return project.analysis("ag107-own-naming", compute)


@migration_rule("AG107", "filename-revision-mismatch", severity=Severity.INFO, project_facts=_own_naming)
def filename_revision_mismatch(migration, project):
    """A revision file whose name or docstring header disagrees with its `revision` variables.

    ## What it does
    Flags a file whose name does not start with its revision id although the project's
    `file_template` starts with `%%(rev)s` (Alembic's default, `%%(rev)s_%%(slug)s`), and a
    docstring whose `Revision ID:` or `Revises:` line names other revisions than the
    `revision` / `down_revision` variables. Projects with a `file_template` that does not begin
    with the id (date-first names, say) are not checked for the name, nor are projects whose
    files mostly follow a naming scheme of their own (`0001_1_5_0_current_schema.py`).

    ## Why is this bad?
    Alembic only reads the variables; people read the file name and the docstring. After a
    copy-pasted revision or a hand-edited rebase they disagree, and the next person to fix a
    broken history trusts the wrong one.

    ## Example
    ```python
    # versions/aaaa1111_add_email.py
    '''add email

    Revision ID: aaaa1111
    Revises: 0000base
    '''
    revision = "bbbb2222"
    down_revision = "cccc3333"
    ```

    ## Use instead
    ```python
    # versions/bbbb2222_add_email.py
    '''add email

    Revision ID: bbbb2222
    Revises: cccc3333
    '''
    revision = "bbbb2222"
    down_revision = "cccc3333"
    ```
    """
    rid = migration.revision_id
    if rid is None:
        return
    name = migration.relpath.name  # the display form (undecodable bytes escaped)
    template = project.layout.options.get("file_template") or "%(rev)s_%(slug)s"
    if _REV_FIRST.match(template) and not name.startswith(rid) and not _own_naming(project):
        yield filename_revision_mismatch.finding(
            f"File name `{name}` does not start with its revision id `{rid}`",
            at=migration.location(migration.lines.get("revision")),
            hint=f"rename the file to `{rid}_<slug>.py` (git mv), or fix `revision` if the file was copied",
            anchor="file-name",
        )
    doc_id = migration.docstring_revision_id
    if doc_id is not None and doc_id != rid:
        yield filename_revision_mismatch.finding(
            f"Docstring says `Revision ID: {doc_id}` but `revision` is `{rid}`",
            at=migration.location(migration.docstring_line("Revision ID:") or 1),
            hint="make the docstring match the variable (Alembic only reads the variable)",
            anchor="docstring-revision-id",
        )
    revises = migration.docstring_revises
    if revises is not None and "down_revision" in migration.values:
        actual = normalise_ids(migration.values.get("down_revision"))
        shown = tuple(r for r in revises if r.lower() not in ("none", "<base>"))
        if set(shown) != set(actual):
            yield filename_revision_mismatch.finding(
                f"Docstring says `Revises: {', '.join(revises) or '(nothing)'}` but `down_revision` is "
                f"{', '.join(f'`{a}`' for a in actual) or '`None`'}",
                at=migration.location(migration.docstring_line("Revises:") or 1),
                hint="make the docstring match `down_revision` (Alembic only reads the variable)",
                anchor="docstring-revises",
            )

