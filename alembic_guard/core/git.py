"""Read-only git access for the options that compare with another ref (`--changed-since`,
`--base-ref`). One place runs git, and one place turns "git is missing", "not a repository",
"unknown ref" and "git hung" into a clear exit-2 message naming the option the user gave.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from alembic_guard.errors import SettingsError

TIMEOUT = 60.0


def _key(option: str) -> str:
    return option.lstrip("-").replace("-", "_")


def run(root: Path, *args: str, option: str, input: bytes | None = None, timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
    """`git -C root ARGS` (bytes in, bytes out). Raises SettingsError (exit 2) for a missing git or a
    git that does not finish; a non-zero exit is returned for the caller to judge."""
    git = shutil.which("git")
    if git is None:
        raise SettingsError(f"{option} needs git, which is not installed or not on PATH", key=_key(option))
    try:
        return subprocess.run([git, "-C", str(root), *args], capture_output=True, input=input, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise SettingsError(f"{option}: `git {' '.join(args[:2])}` did not finish within {timeout:.0f} s", key=_key(option)) from None
    except OSError as exc:
        raise SettingsError(f"{option}: could not run git: {exc.strerror or exc}", key=_key(option)) from None


def toplevel(root: Path, option: str, hint: str) -> Path:
    """The repository's top folder; a clear error when `root` is not in a git checkout."""
    proc = run(root, "rev-parse", "--show-toplevel", option=option)
    if proc.returncode != 0:
        raise SettingsError(f"{option}: {root} is not inside a git repository", key=_key(option), hint=hint)
    return Path(proc.stdout.decode().strip())


def verify_ref(root: Path, ref: str, option: str) -> str:
    """The commit `ref` names; a clear error (with how to fetch it) when git does not know it."""
    if ref.startswith("-"):
        raise SettingsError(f"{option} {ref!r}: not a git ref", key=_key(option))
    proc = run(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", option=option)
    if proc.returncode != 0:
        raise SettingsError(
            f"{option} {ref}: unknown git ref {ref!r}",
            key=_key(option),
            hint=f"fetch it first (`git fetch origin {ref.split('/', 1)[-1]}`; in CI use a full clone, e.g. actions/checkout with fetch-depth: 0)",
        )
    return proc.stdout.decode().strip()
