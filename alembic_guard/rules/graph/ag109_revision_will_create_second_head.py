from alembic_guard.findings import Severity
from alembic_guard.project.base_ref import merged_outcome
from alembic_guard.rules._registry import project_rule


@project_rule("AG109", "revision-will-create-second-head", severity=Severity.ERROR)
def revision_will_create_second_head(project):
    """A revision added on this branch will be a second head once merged into the base branch.

    ## What it does
    Runs when a base ref is given (`alembic-guard check --base-ref origin/main`, the pull-request
    guard). It reads the base branch's revision files straight from git (no checkout, nothing
    imported), builds the history the merge will produce, and flags each revision added on this
    branch whose `down_revision` is not the base branch's current head — because someone else's
    migration landed on the base branch first. It names the head to re-parent onto. Heads that each
    carry their own branch label are intentional and not flagged.

    ## Why is this bad?
    Each branch has one head and passes its own checks, but after the merge `alembic upgrade head`
    fails with "Multiple head revisions are present for given argument 'head'" — usually in the
    deploy pipeline, after the pull request was approved.

    ## Example
    ```python
    # on origin/main, merged meanwhile: versions/c_add_phone.py
    revision = "c"
    down_revision = "a"
    # added on this branch: versions/b_add_email.py
    revision = "b"
    down_revision = "a"
    ```

    ## Use instead
    ```python
    # added on this branch: versions/b_add_email.py, re-parented onto origin/main's head
    revision = "b"
    down_revision = "c"
    ```

    ## When to ignore
    When you will merge the heads after merging the pull request (`alembic-guard merge-heads`).
    """
    ref = project.settings.base_ref
    if not ref:
        return
    _, base, extras = merged_outcome(project, ref)
    for extra in extras:
        mig = project.by_revision.get(extra.root)
        if mig is None:
            continue
        line = mig.lines.get("down_revision") or mig.lines.get("revision")
        onto = " or ".join(f"`{h}`" for h in extra.base_heads)
        revises = ", ".join(f"`{r}`" for r in extra.revises) or "nothing (a new base)"
        where = f" in branch `{extra.label}`" if extra.label else ""
        related = [base[h].location for h in extra.base_heads if h in base and base[h].location is not None]
        yield revision_will_create_second_head.finding(
            f"`{extra.root}` revises {revises} but `{ref}` is now at {onto}{where}: "
            f"merging makes `{extra.head}` a second head",
            at=mig.location(line),
            related=related,
            hint=f"re-parent it: set `down_revision = {extra.base_heads[0]!r}` in `{mig.relpath}` "
            f"(after merging `{ref}` in), or merge the heads with `alembic-guard merge-heads`",
            anchor=f"second head {extra.root}",
        )
